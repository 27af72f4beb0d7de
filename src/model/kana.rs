//! 氏名の振り仮名 (the kana reading) and its 清音化 search key.

use std::fmt;

use super::error::InvalidValue;
use super::split_key::SplitKey;

const FIELD: &str = "kana";

/// Hiragana (including ゝ ゞ) to the katakana at the same place in its block; other characters
/// are returned unchanged.
fn hiragana_to_katakana(c: char) -> char {
    match c {
        '\u{3041}'..='\u{3096}' | '\u{309D}' | '\u{309E}' => {
            char::from_u32(c as u32 + 0x60).unwrap_or(c)
        }
        _ => c,
    }
}

/// Whether `c` is a space that separates parts of a name (ASCII or ideographic).
fn is_name_space(c: char) -> bool {
    c == ' ' || c == '\u{3000}'
}

/// A character allowed in a stored reading: full-width katakana ァ..ヺ, ー, ・, ヽ, ヾ.
fn is_stored_kana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | 'ヽ' | 'ヾ')
}

/// NFKC, hiragana → katakana, and space runs folded into one ASCII space, trimmed.
fn normalise(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in super::text::nfkc(input).map(hiragana_to_katakana) {
        if is_name_space(c) {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

/// 氏名の振り仮名: a reading stored exactly as full-width katakana.
///
/// Small kana are significant (キョウコ is not キヨウコ). Surname and given name are separated
/// by one ASCII space.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Kana(String);

impl Kana {
    /// Parses a reading typed in katakana, hiragana or half-width katakana.
    ///
    /// The input is NFKC-normalised (half-width katakana become full-width), hiragana become
    /// katakana, and runs of ASCII or ideographic spaces become one ASCII space (trimmed at
    /// both ends). What remains must be katakana ァ..ヺ, ー, ・, ヽ, ヾ or single spaces.
    pub fn parse(input: &str) -> Result<Kana, InvalidValue> {
        let text = normalise(input);
        if text.is_empty() {
            return Err(InvalidValue::new(FIELD, "empty"));
        }
        if let Some((i, c)) = text
            .chars()
            .enumerate()
            .find(|&(_, c)| c != ' ' && !is_stored_kana(c))
        {
            return Err(InvalidValue::new(
                FIELD,
                format!("unexpected character {c:?} at position {}", i + 1),
            ));
        }
        Ok(Kana(text))
    }

    /// Wraps a reading that was validated when it was stored.
    pub(crate) fn from_trusted(reading: String) -> Kana {
        Kana(reading)
    }

    /// The reading as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 清音化 search key of this reading.
    pub fn key(&self) -> KanaKey {
        KanaKey::of_katakana(&self.0)
    }
}

impl fmt::Display for Kana {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The 清音化 table: what one katakana character becomes in the search key.
///
/// `None` deletes the character. This is the one place the folding is defined:
/// 1. spaces and 中点 (・) are deleted;
/// 2. dakuten and handakuten are removed (ガ→カ … ポ→ホ, ヴ→ウ, ヷ→ワ, ヸ→イ, ヹ→エ, ヺ→オ,
///    ヾ→ヽ), except that ヂ→シ and ヅ→ス (they sound as ジ and ズ);
/// 3. small kana become large: ァィゥェォッャュョヮヵヶ → アイウエオツヤユヨワカケ;
/// 4. archaic kana become modern: ヰ→イ, ヱ→エ, ヲ→オ;
/// 5. the long-vowel mark ー is deleted.
///
/// There are deliberately no phonetic folds (ハ→ワ, オウ→オオ): they make false matches.
fn seion_char(c: char) -> Option<char> {
    let folded = match c {
        ' ' | '\u{3000}' | '・' | 'ー' => return None,
        'ガ' => 'カ',
        'ギ' => 'キ',
        'グ' => 'ク',
        'ゲ' => 'ケ',
        'ゴ' => 'コ',
        'ザ' => 'サ',
        'ジ' => 'シ',
        'ズ' => 'ス',
        'ゼ' => 'セ',
        'ゾ' => 'ソ',
        'ダ' => 'タ',
        // ヂ/ジ and ヅ/ズ sound alike and one surname is written both ways (千々岩 チヂワ or
        // チジワ, 都筑 ツヅキ or ツズキ): both give one key.
        'ヂ' => 'シ',
        'ヅ' => 'ス',
        'デ' => 'テ',
        'ド' => 'ト',
        'バ' | 'パ' => 'ハ',
        'ビ' | 'ピ' => 'ヒ',
        'ブ' | 'プ' => 'フ',
        'ベ' | 'ペ' => 'ヘ',
        'ボ' | 'ポ' => 'ホ',
        'ヴ' => 'ウ',
        'ヷ' => 'ワ',
        'ヸ' => 'イ',
        'ヹ' => 'エ',
        'ヺ' => 'オ',
        'ヾ' => 'ヽ',
        'ァ' => 'ア',
        'ィ' => 'イ',
        'ゥ' => 'ウ',
        'ェ' => 'エ',
        'ォ' => 'オ',
        'ッ' => 'ツ',
        'ャ' => 'ヤ',
        'ュ' => 'ユ',
        'ョ' => 'ヨ',
        'ヮ' => 'ワ',
        'ヵ' => 'カ',
        'ヶ' => 'ケ',
        'ヰ' => 'イ',
        'ヱ' => 'エ',
        'ヲ' => 'オ',
        other => other,
    };
    Some(folded)
}

/// The 清音化 kana search key: a reading with spaces, 中点, dakuten, small kana, archaic kana
/// and long-vowel marks folded away (see `seion_char` for the table), remembering where the
/// surname ended (`model::split_key`): a query matches a whole reading or a whole surname.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KanaKey(SplitKey);

impl KanaKey {
    /// Folds text that is already NFKC-normalised full-width katakana.
    fn of_katakana(text: &str) -> KanaKey {
        KanaKey(SplitKey::build(text.chars(), seion_char))
    }

    /// The key of a reading that is already stored katakana.
    pub(crate) fn of_reading(reading: &str) -> KanaKey {
        KanaKey::of_katakana(reading)
    }

    /// Builds the key of kana typed by a user (hiragana, katakana or half-width katakana).
    pub fn from_query(input: &str) -> Result<KanaKey, InvalidValue> {
        Ok(Kana::parse(input)?.key())
    }

    /// The key text: the whole reading folded, without spaces.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The key with its surname boundary.
    pub(crate) fn split(&self) -> &SplitKey {
        &self.0
    }
}

impl fmt::Display for KanaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `s` (after NFKC) is kana text: only hiragana, katakana, ー, ・ and spaces, with at
/// least one kana. Used to decide whether a name query is a reading or a written name.
pub fn is_kana_text(s: &str) -> bool {
    let mut has_kana = false;
    for c in super::text::nfkc(s).map(hiragana_to_katakana) {
        match c {
            ' ' | '\u{3000}' | 'ー' | '・' => {}
            c if is_stored_kana(c) => has_kana = true,
            _ => return false,
        }
    }
    has_kana
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        KanaKey::from_query(s).unwrap().as_str().to_owned()
    }

    #[test]
    fn key_examples_from_the_domain_notes() {
        assert_eq!(key("ヤマダ タロウ"), "ヤマタタロウ");
        assert_eq!(key("じょうじ"), "シヨウシ");
        assert_eq!(key("ヴィクトリア"), "ウイクトリア");
        assert_eq!(key("さいとう"), "サイトウ");
        assert_eq!(key("サイトー"), "サイト");
    }

    #[test]
    fn key_folds() {
        assert_eq!(key("ヂヅ"), "シス");
        assert_eq!(key("チヂワ"), key("チジワ"));
        assert_eq!(key("ツヅキ"), key("ツズキ"));
        assert_eq!(key("ちぢわ"), "チシワ");
        assert_ne!(key("チヂワ"), key("チチワ"));
        assert_eq!(key("パピプペポ"), "ハヒフヘホ");
        assert_eq!(key("ヰヱヲ"), "イエオ");
        assert_eq!(key("ァィゥェォッャュョヮヵヶ"), "アイウエオツヤユヨワカケ");
        assert_eq!(key("マリア・テレサ"), "マリアテレサ");
        assert_eq!(key("ﾔﾏﾀﾞ　ﾀﾛｳ"), "ヤマタタロウ");
        assert_eq!(key("やまだ"), "ヤマタ");
        assert_eq!(
            Kana::parse("キョウコ").unwrap().key(),
            Kana::parse("キヨウコ").unwrap().key()
        );
    }

    #[test]
    fn key_ignores_the_space_and_matches_a_whole_surname() {
        let stored = Kana::parse("ヤマダ タロウ").unwrap().key();
        for q in ["やまだ", "ヤマダタロウ", "ﾔﾏﾀﾞ ﾀﾛｳ", "やまた　たろう"]
        {
            assert!(
                KanaKey::from_query(q)
                    .unwrap()
                    .split()
                    .matches(stored.split()),
                "{q}"
            );
        }
        for q in ["や", "ヤマ", "ヤマダ タ", "ヤマダタ"] {
            assert!(
                !KanaKey::from_query(q)
                    .unwrap()
                    .split()
                    .matches(stored.split()),
                "{q}"
            );
        }
    }

    #[test]
    fn kana_is_stored_as_full_width_katakana() {
        assert_eq!(
            Kana::parse("やまだ　たろう").unwrap().as_str(),
            "ヤマダ タロウ"
        );
        assert_eq!(Kana::parse("ﾔﾏﾀﾞ ﾀﾛｳ").unwrap().as_str(), "ヤマダ タロウ");
        assert_eq!(
            Kana::parse("  ヤマダ \u{3000}  タロウ ")
                .unwrap()
                .to_string(),
            "ヤマダ タロウ"
        );
        assert_eq!(Kana::parse("キョウコ").unwrap().as_str(), "キョウコ");
        assert_ne!(
            Kana::parse("キョウコ").unwrap(),
            Kana::parse("キヨウコ").unwrap()
        );
        assert_eq!(Kana::parse("ゔぃ").unwrap().as_str(), "ヴィ");
        assert_eq!(Kana::parse("さゝき").unwrap().as_str(), "サヽキ");
    }

    #[test]
    fn kana_rejects_other_text() {
        assert_eq!(Kana::parse("").unwrap_err().reason, "empty");
        assert!(Kana::parse(" \u{3000} ").is_err());
        let e = Kana::parse("ヤマダ太郎").unwrap_err();
        assert_eq!(e.field, "kana");
        assert_eq!(e.reason, "unexpected character '太' at position 4");
        assert!(Kana::parse("Yamada").is_err());
        assert!(KanaKey::from_query("山田").is_err());
    }

    #[test]
    fn kana_text_detection() {
        assert!(is_kana_text("やまだ"));
        assert!(is_kana_text("ヤマダ タロウ"));
        assert!(is_kana_text("ﾔﾏﾀﾞ"));
        assert!(is_kana_text("サイトー"));
        assert!(!is_kana_text("山田"));
        assert!(!is_kana_text("山田 たろう"));
        assert!(!is_kana_text("ー・ "));
        assert!(!is_kana_text(""));
        assert!(!is_kana_text("yamada"));
    }
}
