//! 世帯: the household number and 続柄, the relationship to the head of household.

use std::fmt;
use std::str::FromStr;

use super::digits::ascii_digits;
use super::error::InvalidValue;
use super::identifiers::ResidentCode;

/// 世帯番号: a municipal household number (digits, no check digit), with its leading zeros.
///
/// Invariant of the stored form ([`HouseholdId::get`], the `u64` the tables hold): the low
/// 60 bits are the number's value (at most 18 digits, below 10^18 < 2^60) and the top 4 bits
/// the count of leading zeros it was written with (0 to 15), so `0018305826` comes back as
/// `0018305826`. A number written without leading zeros is stored as its plain value, as it
/// always was, so existing files read the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HouseholdId(u64);

impl HouseholdId {
    const FIELD: &'static str = "household id";
    /// Where the count of leading zeros starts in the stored form.
    const ZEROS_SHIFT: u32 = 60;
    /// The most leading zeros the stored form can keep.
    pub const MAX_LEADING_ZEROS: usize = 15;
    const VALUE_MASK: u64 = (1 << Self::ZEROS_SHIFT) - 1;

    /// Parses 1 to 18 digits (separators and full-width digits accepted), keeping leading
    /// zeros (at most [`HouseholdId::MAX_LEADING_ZEROS`]).
    pub fn parse(input: &str) -> Result<HouseholdId, InvalidValue> {
        let digits =
            ascii_digits(input).map_err(|reason| InvalidValue::new(Self::FIELD, reason))?;
        if digits.is_empty() || digits.len() > 18 {
            return Err(InvalidValue::new(
                Self::FIELD,
                format!("expected 1 to 18 digits, got {}", digits.len()),
            ));
        }
        // The last digit always counts as the value, so "000" is 0 with two leading zeros.
        let zeros = digits[..digits.len() - 1]
            .bytes()
            .take_while(|&b| b == b'0')
            .count();
        if zeros > Self::MAX_LEADING_ZEROS {
            return Err(InvalidValue::new(
                Self::FIELD,
                format!(
                    "{zeros} leading zeros; at most {} are kept",
                    Self::MAX_LEADING_ZEROS
                ),
            ));
        }
        let value: u64 = digits
            .parse()
            .map_err(|e| InvalidValue::new(Self::FIELD, format!("{e}")))?;
        Ok(HouseholdId(((zeros as u64) << Self::ZEROS_SHIFT) | value))
    }

    /// The household number with the given value, written without leading zeros; also the
    /// way back from the stored form ([`HouseholdId::get`]).
    pub fn new(stored: u64) -> HouseholdId {
        HouseholdId(stored)
    }

    /// The stored form: the value, with the count of leading zeros in the top bits (equal
    /// to the value for a number written without leading zeros).
    pub fn get(self) -> u64 {
        self.0
    }

    /// The numeric value, leading zeros aside.
    pub fn value(self) -> u64 {
        self.0 & Self::VALUE_MASK
    }

    /// How many leading zeros the number was written with.
    pub fn leading_zeros(self) -> usize {
        (self.0 >> Self::ZEROS_SHIFT) as usize
    }
}

impl fmt::Display for HouseholdId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for _ in 0..self.leading_zeros() {
            f.write_str("0")?;
        }
        write!(f, "{}", self.value())
    }
}

impl FromStr for HouseholdId {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HouseholdId::parse(s)
    }
}

const HEAD: &str = "世帯主";
const UNREGISTERED: &str = "(未届)";

/// The known 続柄 terms, written from the head's point of view. A relationship is a path of
/// these joined by の (子の妻, 妻の父); this is the one place the vocabulary is defined.
fn is_known_term(term: &str) -> bool {
    matches!(
        term,
        "世帯主"
            | "妻"
            | "夫"
            | "子"
            | "父"
            | "母"
            | "兄"
            | "姉"
            | "弟"
            | "妹"
            | "孫"
            | "祖父"
            | "祖母"
            | "曾孫"
            | "曽孫"
            | "伯父"
            | "叔父"
            | "伯母"
            | "叔母"
            | "甥"
            | "姪"
            | "養父"
            | "養母"
            | "縁故者"
            | "同居人"
            | "使用人"
            | "兄弟姉妹"
            | "義父"
            | "義母"
            | "配偶者"
    )
}

/// Whether a term names a relative (not 同居人, 縁故者 or 使用人).
fn is_relative(term: &str) -> bool {
    !matches!(term, "縁故者" | "同居人" | "使用人")
}

/// 続柄: the relationship to the head of household, as a path of terms joined by の
/// (e.g. 子の妻, 妻の父). A term may carry the suffix (未届), as in 妻(未届). 世帯主 stands
/// alone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Relationship(String);

impl Relationship {
    const FIELD: &'static str = "relationship";

    /// Wraps a 続柄 that was validated when it was stored.
    pub(crate) fn from_trusted(text: String) -> Relationship {
        Relationship(text)
    }

    /// Parses a 続柄: NFKC (so full-width parentheses become ASCII), spaces removed; every
    /// term of the path must be known, and 世帯主 may only stand alone.
    pub fn parse(input: &str) -> Result<Relationship, InvalidValue> {
        let text: String = super::text::nfkc(input)
            .filter(|c| !c.is_whitespace())
            .collect();
        if text.is_empty() {
            return Err(InvalidValue::new(Self::FIELD, "empty"));
        }
        let terms: Vec<&str> = text.split('の').collect();
        for term in &terms {
            let base = term.strip_suffix(UNREGISTERED).unwrap_or(term);
            if base.is_empty() {
                return Err(InvalidValue::new(
                    Self::FIELD,
                    format!("{text:?} has an empty term"),
                ));
            }
            if !is_known_term(base) {
                return Err(InvalidValue::new(
                    Self::FIELD,
                    format!("unknown term {base:?} in {text:?}"),
                ));
            }
            if base == HEAD && (terms.len() > 1 || base != *term) {
                return Err(InvalidValue::new(
                    Self::FIELD,
                    format!("{HEAD} must stand alone, got {text:?}"),
                ));
            }
        }
        Ok(Relationship(text))
    }

    /// The relationship of the head of household: 世帯主.
    pub fn head() -> Relationship {
        Relationship(HEAD.to_owned())
    }

    /// Whether this is 世帯主.
    pub fn is_head(&self) -> bool {
        self.0 == HEAD
    }

    /// The terms of the path, in order (a term keeps its (未届) suffix).
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.0.split('の')
    }

    /// The relationship as stored, e.g. 子の妻.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where the member stands in the 記載順位 of the household's 住民票: 世帯主, then the
    /// spouse, the children, the children's spouses and grandchildren, the parents, the
    /// grandparents, the brothers and sisters, other relatives, and last those who are no
    /// relatives (同居人, 縁故者 …). Members of one rank are listed by birth (the caller's
    /// tie-break). A (未届) term ranks as the term it qualifies.
    pub fn listing_rank(&self) -> u8 {
        let terms: Vec<&str> = self
            .terms()
            .map(|t| t.strip_suffix(UNREGISTERED).unwrap_or(t))
            .collect();
        match terms.as_slice() {
            [HEAD] => 0,
            ["妻" | "夫" | "配偶者"] => 1,
            ["子"] => 2,
            ["子", "妻" | "夫"] => 3,
            ["孫"] | ["子", "子"] => 4,
            ["父" | "母" | "養父" | "養母"] => 5,
            ["祖父" | "祖母"] => 6,
            ["兄" | "姉" | "弟" | "妹" | "兄弟姉妹"] => 7,
            [first, ..] if is_relative(first) => 8,
            _ => 9,
        }
    }
}

impl fmt::Display for Relationship {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Relationship {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Relationship::parse(s)
    }
}

/// The 続柄 of the members who stay in a household whose 世帯主 changes, each restated
/// against the new head: `'<resident code>:<続柄> …'`, pairs separated by spaces, commas or
/// 、. A resident appears once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restatement(Vec<(ResidentCode, Relationship)>);

impl Restatement {
    const FIELD: &'static str = "relationships";

    /// Parses the pairs; each names a valid resident code and a valid 続柄 other than 世帯主
    /// (the new head is named by `new_head=`).
    pub fn parse(input: &str) -> Result<Restatement, InvalidValue> {
        let text: String = super::text::nfkc(input).collect();
        let mut pairs: Vec<(ResidentCode, Relationship)> = Vec::new();
        for part in text
            .split(|c: char| c.is_whitespace() || c == ',' || c == '、')
            .filter(|p| !p.is_empty())
        {
            let Some((code, rel)) = part.split_once(':') else {
                return Err(InvalidValue::new(
                    Self::FIELD,
                    format!("{part:?} is not <resident code>:<続柄>"),
                ));
            };
            let code = ResidentCode::parse(code)
                .map_err(|e| InvalidValue::new(Self::FIELD, format!("{part:?}: {}", e.reason)))?;
            let rel = Relationship::parse(rel)
                .map_err(|e| InvalidValue::new(Self::FIELD, format!("{part:?}: {}", e.reason)))?;
            if rel.is_head() {
                return Err(InvalidValue::new(
                    Self::FIELD,
                    format!("{code}: the new 世帯主 is named by new_head=, not here"),
                ));
            }
            if pairs.iter().any(|(c, _)| *c == code) {
                return Err(InvalidValue::new(
                    Self::FIELD,
                    format!("{code} is given twice"),
                ));
            }
            pairs.push((code, rel));
        }
        if pairs.is_empty() {
            return Err(InvalidValue::new(
                Self::FIELD,
                "expected at least one <resident code>:<続柄>",
            ));
        }
        Ok(Restatement(pairs))
    }

    /// The restated 続柄 of `code`, if given.
    pub fn of(&self, code: ResidentCode) -> Option<&Relationship> {
        self.0.iter().find(|(c, _)| *c == code).map(|(_, r)| r)
    }

    /// Every pair, in the order given.
    pub fn pairs(&self) -> &[(ResidentCode, Relationship)] {
        &self.0
    }
}

impl fmt::Display for Restatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (code, rel)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{code}:{rel}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_rank_puts_the_head_first_and_lodgers_last() {
        let rank = |t: &str| Relationship::parse(t).unwrap().listing_rank();
        let order = [
            "世帯主",
            "妻",
            "子",
            "子の妻",
            "孫",
            "母",
            "祖父",
            "弟",
            "妻の父",
            "同居人",
        ];
        for pair in order.windows(2) {
            assert!(
                rank(pair[0]) < rank(pair[1]),
                "{} before {}",
                pair[0],
                pair[1]
            );
        }
        assert_eq!(rank("妻(未届)"), rank("妻"));
        assert_eq!(rank("子の子"), rank("孫"));
        assert_eq!(rank("縁故者"), rank("同居人"));
    }

    #[test]
    fn household_ids() {
        let zeros = HouseholdId::parse("0012345").unwrap();
        assert_eq!(zeros.value(), 12345);
        assert_eq!(zeros.leading_zeros(), 2);
        assert_eq!(zeros.to_string(), "0012345");
        assert_ne!(zeros, HouseholdId::new(12345));
        assert_eq!(HouseholdId::parse("12345").unwrap().get(), 12345);
        let h = HouseholdId::parse("0018305826").unwrap();
        assert_eq!(HouseholdId::new(h.get()).to_string(), "0018305826");
        assert_eq!(HouseholdId::parse("000").unwrap().to_string(), "000");
        assert_eq!(HouseholdId::parse("0").unwrap().get(), 0);
        assert_eq!(
            HouseholdId::parse("000000000000000123")
                .unwrap()
                .to_string(),
            "000000000000000123"
        );
        let e = HouseholdId::parse("0000000000000000009").unwrap_err();
        assert_eq!(e.reason, "expected 1 to 18 digits, got 19");
        assert!(HouseholdId::parse("000000000000000000")
            .unwrap_err()
            .reason
            .contains("17 leading zeros"));
        assert_eq!(HouseholdId::parse("１２３").unwrap(), HouseholdId::new(123));
        assert_eq!(HouseholdId::new(42).to_string(), "42");
        assert!(HouseholdId::parse("999999999999999999").is_ok());
        let e = HouseholdId::parse("1234567890123456789").unwrap_err();
        assert_eq!(e.field, "household id");
        assert_eq!(e.reason, "expected 1 to 18 digits, got 19");
        assert!(HouseholdId::parse("").is_err());
        assert!(HouseholdId::parse("12a").is_err());
    }

    #[test]
    fn relationships() {
        for s in [
            "世帯主",
            "妻",
            "子",
            "子の妻",
            "妻の父",
            "夫の母",
            "妻の子",
            "縁故者",
            "同居人",
            "子の子",
        ] {
            assert_eq!(Relationship::parse(s).unwrap().as_str(), s);
        }
        let r = Relationship::parse("妻（未届）").unwrap();
        assert_eq!(r.as_str(), "妻(未届)");
        assert_eq!(
            Relationship::parse(" 子 の 妻 ").unwrap().as_str(),
            "子の妻"
        );
        let terms: Vec<_> = Relationship::parse("子の妻")
            .unwrap()
            .terms()
            .map(str::to_owned)
            .collect();
        assert_eq!(terms, ["子", "妻"]);
        assert!(Relationship::parse("世帯主").unwrap().is_head());
        assert!(Relationship::head().is_head());
        assert_eq!(Relationship::head().to_string(), "世帯主");
        assert!(!Relationship::parse("妻").unwrap().is_head());
    }

    #[test]
    fn bad_relationships() {
        let e = Relationship::parse("友人").unwrap_err();
        assert_eq!(e.field, "relationship");
        assert!(e.reason.contains("友人"), "{}", e.reason);
        for s in [
            "",
            "子の",
            "の妻",
            "子のの妻",
            "世帯主の妻",
            "妻の世帯主",
            "世帯主(未届)",
            "妻(未届",
            "(未届)",
        ] {
            assert!(Relationship::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn restatements_parse_pairs() {
        let r = Restatement::parse("24727059608:母、12345678903:妹").unwrap();
        assert_eq!(r.pairs().len(), 2);
        let mother = ResidentCode::parse("24727059608").unwrap();
        assert_eq!(r.of(mother).map(|x| x.as_str()), Some("母"));
        assert!(Restatement::parse("24727059608").is_err());
        assert!(Restatement::parse("24727059608:世帯主").is_err());
        assert!(Restatement::parse("24727059608:母 24727059608:妹").is_err());
        assert!(Restatement::parse("12345678901:母").is_err());
        assert!(Restatement::parse("  ").is_err());
    }

    /// A restatement is written as the statement takes it (`code:続柄`, one space between
    /// pairs, in the order given), so the text logged and shown reads back to the same pairs.
    #[test]
    fn a_restatement_is_written_as_it_is_read() {
        let r = Restatement::parse("24727059608:母、12345678903:子の妻").unwrap();
        assert_eq!(r.to_string(), "24727059608:母 12345678903:子の妻");
        assert_eq!(Restatement::parse(&r.to_string()).unwrap(), r);
        let one = Restatement::parse("12345678903:妹").unwrap();
        assert_eq!(one.to_string(), "12345678903:妹");
    }
}
