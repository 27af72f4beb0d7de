//! 氏名 (the name as written) and its variant-folding search key.

use std::fmt;

use super::error::InvalidValue;

const FIELD: &str = "name";
const MAX_CHARS: usize = 100;

/// NFKC, space runs (ASCII or ideographic) folded into one ASCII space and trimmed; rejects
/// empty text, control characters and text longer than [`MAX_CHARS`].
fn normalise(input: &str) -> Result<String, InvalidValue> {
    super::text::written(input, FIELD, MAX_CHARS)
}

/// 氏名 as written: surname and given name separated by one ASCII space.
///
/// Characters are kept exactly after NFKC (髙 is not 高, 﨑 is not 崎; NFKC leaves both alone).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(String);

impl Name {
    /// Parses a written name: NFKC, runs of ASCII or ideographic spaces folded into one ASCII
    /// space, trimmed. Empty names, control characters and names over 100 characters are
    /// refused.
    pub fn parse(input: &str) -> Result<Name, InvalidValue> {
        normalise(input).map(Name)
    }

    /// Wraps a name that was validated when it was stored.
    pub(crate) fn from_trusted(name: String) -> Name {
        Name(name)
    }

    /// The name as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The surname: the text before the first space, or the whole name when it has none.
    pub fn surname(&self) -> &str {
        self.0.split_once(' ').map_or(&self.0, |(s, _)| s)
    }

    /// The given name: the text after the first space, if there is one.
    pub fn given(&self) -> Option<&str> {
        self.0.split_once(' ').map(|(_, g)| g)
    }

    /// The variant-folding search key of this name.
    pub fn key(&self) -> NameKey {
        NameKey::of_normalised(&self.0)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The 異体字 table: each variant kanji to the one representative it is searched as.
///
/// Characters not in the table are returned unchanged. The table covers the variants that
/// are a known pain at the counter:
///
/// | representative | variants |
/// | --- | --- |
/// | 高 | 髙 |
/// | 崎 | 﨑 (U+FA11), 嵜, 碕 |
/// | 辺 | 邊, 邉 |
/// | 斎 | 齋, 齊, 斉 |
/// | 浜 | 濱 |
/// | 沢 | 澤 |
/// | 桜 | 櫻 |
/// | 国 | 國 |
/// | 広 | 廣 |
/// | 徳 | 德 |
/// | 恵 | 惠 |
/// | 真 | 眞 |
/// | 蔵 | 藏 |
/// | 竜 | 龍 |
/// | 島 | 嶋, 嶌 |
/// | 富 | 冨 |
/// | 槙 | 槇 |
/// | 実 | 實 |
/// | 円 | 圓 |
/// | 寿 | 壽 |
/// | 弥 | 彌 |
/// | 吉 | 𠮷 (U+20BB7) |
/// | 渋 | 澁 |
/// | 浅 | 淺 |
/// | 関 | 關 |
/// | 峰 | 峯 |
/// | 桑 | 桒 |
fn fold_variant(c: char) -> char {
    match c {
        '髙' => '高',
        '\u{FA11}' | '嵜' | '碕' => '崎',
        '邊' | '邉' => '辺',
        '齋' | '齊' | '斉' => '斎',
        '濱' => '浜',
        '澤' => '沢',
        '櫻' => '桜',
        '國' => '国',
        '廣' => '広',
        '德' => '徳',
        '惠' => '恵',
        '眞' => '真',
        '藏' => '蔵',
        '龍' => '竜',
        '嶋' | '嶌' => '島',
        '冨' => '富',
        '槇' => '槙',
        '實' => '実',
        '圓' => '円',
        '壽' => '寿',
        '彌' => '弥',
        '\u{20BB7}' => '吉',
        '澁' => '渋',
        '淺' => '浅',
        '關' => '関',
        '峯' => '峰',
        '桒' => '桑',
        other => other,
    }
}

/// The search key of a written name: the normalised name with variant kanji folded to one
/// representative (see `fold_variant`). The single ASCII space between surname and given
/// name is kept, so a surname key is a prefix of the full key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NameKey(String);

impl NameKey {
    /// Folds an already normalised name.
    fn of_normalised(name: &str) -> NameKey {
        NameKey(name.chars().map(fold_variant).collect())
    }

    /// The key of a name that is already normalised (a stored name).
    pub(crate) fn of_written(name: &str) -> NameKey {
        NameKey::of_normalised(name)
    }

    /// Builds the key of a name typed as a query, normalised as [`Name::parse`] does.
    pub fn from_query(input: &str) -> Result<NameKey, InvalidValue> {
        Ok(NameKey::of_normalised(&normalise(input)?))
    }

    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NameKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfkc_keeps_variant_kanji() {
        let n = Name::parse("髙﨑　太郎").unwrap();
        assert_eq!(n.as_str(), "髙\u{FA11} 太郎");
        let n = Name::parse("髙﨑 太郎").unwrap();
        assert!(n.as_str().contains('髙'));
        assert!(n.as_str().contains('\u{FA11}'));
    }

    #[test]
    fn parses_and_splits() {
        let n = Name::parse("  山田 \u{3000}  太郎 ").unwrap();
        assert_eq!(n.as_str(), "山田 太郎");
        assert_eq!(n.to_string(), "山田 太郎");
        assert_eq!(n.surname(), "山田");
        assert_eq!(n.given(), Some("太郎"));
        let single = Name::parse("マドンナ").unwrap();
        assert_eq!(single.surname(), "マドンナ");
        assert_eq!(single.given(), None);
        assert_eq!(
            Name::parse("ＳＭＩＴＨ　Ｊｏｈｎ").unwrap().as_str(),
            "SMITH John"
        );
    }

    #[test]
    fn rejects_bad_names() {
        assert_eq!(Name::parse("").unwrap_err().reason, "empty");
        assert!(Name::parse(" \u{3000}").is_err());
        let e = Name::parse("山田\t太郎").unwrap_err();
        assert_eq!(e.field, "name");
        assert!(Name::parse("山田\n").is_err());
        assert!(Name::parse(&"あ".repeat(100)).is_ok());
        assert!(Name::parse(&"あ".repeat(101)).is_err());
    }

    #[test]
    fn key_folds_variants() {
        let a = Name::parse("髙﨑 太郎").unwrap().key();
        let b = Name::parse("高崎 太郎").unwrap().key();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "高崎 太郎");
        for (v, r) in [
            ("邊", "辺"),
            ("邉", "辺"),
            ("齋", "斎"),
            ("齊", "斎"),
            ("斉", "斎"),
            ("嵜", "崎"),
        ] {
            assert_eq!(NameKey::from_query(v).unwrap().as_str(), r);
        }
        assert_eq!(
            NameKey::from_query("渡邉　美穂").unwrap().as_str(),
            "渡辺 美穂"
        );
        assert_eq!(NameKey::from_query("𠮷田").unwrap().as_str(), "吉田");
        assert!(NameKey::from_query("").is_err());
    }

    #[test]
    fn surname_key_is_prefix_of_full_key() {
        let full = Name::parse("齋藤 一郎").unwrap().key();
        let surname = NameKey::from_query("斉藤").unwrap();
        assert!(full.as_str().starts_with(surname.as_str()));
    }
}
