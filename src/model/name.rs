//! 氏名 (the name as written) and its variant-folding search key.
//!
//! The stored name keeps every character as written after NFKC (髙, 﨑 and an ideographic
//! variation selector stay); only the key folds.

use std::fmt;

use super::error::InvalidValue;
use super::split_key::SplitKey;
use super::variants::fold_char;

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

/// The version of [`NameKey`] and [`KanaKey`](super::KanaKey) and of how the 4情報 index
/// writes them. Version 2 folds variant kanji by the generated table, drops variation
/// selectors, spaces and Latin case, and records where the surname ends; version 1 (implicit)
/// kept the space. A search index built with another version must be rebuilt: its entries
/// would not be found by the keys of this one.
pub const NAME_KEY_VERSION: u32 = 2;

/// The search key of a written name: the normalised name with variant kanji folded to one
/// representative (`model::variants`), variation selectors (IVS) and spaces dropped and Latin
/// letters lower-cased, remembering where the surname ended (`model::split_key`). So 髙﨑 太郎,
/// 高崎太郎 and 高\u{E0100}崎 太郎 give one key, and SMITH John is smith john.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NameKey(SplitKey);

impl NameKey {
    /// Folds an already normalised name.
    fn of_normalised(name: &str) -> NameKey {
        NameKey(SplitKey::build(name.chars(), fold_char))
    }

    /// The key of a name that is already normalised (a stored name).
    pub(crate) fn of_written(name: &str) -> NameKey {
        NameKey::of_normalised(name)
    }

    /// Builds the key of a name typed as a query, normalised as [`Name::parse`] does.
    pub fn from_query(input: &str) -> Result<NameKey, InvalidValue> {
        Ok(NameKey::of_normalised(&normalise(input)?))
    }

    /// The key text: the whole name folded, without spaces.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The key with its surname boundary.
    pub(crate) fn split(&self) -> &SplitKey {
        &self.0
    }
}

impl fmt::Display for NameKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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

    fn k(s: &str) -> String {
        NameKey::from_query(s).unwrap().as_str().to_owned()
    }

    #[test]
    fn key_folds_variants() {
        let a = Name::parse("髙﨑 太郎").unwrap().key();
        let b = Name::parse("高崎 太郎").unwrap().key();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "高崎太郎");
        for (v, r) in [
            ("邊", "辺"),
            ("邉", "辺"),
            ("齋", "斎"),
            ("齊", "斉"),
            ("濵", "浜"),
        ] {
            assert_eq!(k(v), r);
        }
        assert_eq!(k("渡邉　美穂"), "渡辺美穂");
        assert_eq!(k("𠮷田"), "吉田");
        assert_ne!(k("斉藤"), k("斎藤"));
        assert_ne!(k("埼玉"), k("崎玉"));
        assert!(NameKey::from_query("").is_err());
    }

    #[test]
    fn key_drops_variation_selectors_but_the_name_keeps_them() {
        let n = Name::parse("辻\u{E0100} 太郎").unwrap();
        assert_eq!(n.as_str(), "辻\u{E0100} 太郎");
        assert_eq!(n.key(), Name::parse("辻 太郎").unwrap().key());
        assert_eq!(k("葛\u{FE00}西"), "葛西");
    }

    #[test]
    fn key_ignores_the_space() {
        assert_eq!(k("鈴木次郎"), k("鈴木 次郎"));
        assert_eq!(k("鈴木　次郎"), "鈴木次郎");
        assert!(NameKey::from_query("鈴木 次郎")
            .unwrap()
            .split()
            .has_given());
        assert!(!NameKey::from_query("鈴木次郎").unwrap().split().has_given());
    }

    #[test]
    fn latin_keys_ignore_case_width_and_space() {
        for s in [
            "SMITH John",
            "smith john",
            "ＳＭＩＴＨ　Ｊｏｈｎ",
            "SmithJohn",
            "smith  JOHN",
        ] {
            assert_eq!(k(s), "smithjohn", "{s}");
        }
        assert_eq!(k("MÜLLER Anna"), "mülleranna");
        // The stored name keeps its case.
        assert_eq!(Name::parse("SMITH John").unwrap().as_str(), "SMITH John");
    }

    #[test]
    fn the_surname_matches_whole_names_only() {
        let full = Name::parse("齋藤 一郎").unwrap().key();
        let surname = NameKey::from_query("齋藤").unwrap();
        assert!(surname.split().matches(full.split()));
        assert!(!NameKey::from_query("齋")
            .unwrap()
            .split()
            .matches(full.split()));
    }
}
