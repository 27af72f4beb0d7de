//! 郵便番号: the seven-digit postal code.

use std::fmt;
use std::str::FromStr;

use super::digits::ascii_digits;
use super::error::InvalidValue;

const FIELD: &str = "postal code";

/// A 郵便番号 of seven digits, shown as `NNN-NNNN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostalCode(u32);

impl PostalCode {
    /// Parses `NNN-NNNN` or seven digits (full-width digits and a leading 〒 accepted).
    pub fn parse(input: &str) -> Result<PostalCode, InvalidValue> {
        let trimmed = input.trim_matches([' ', '\u{3000}']);
        let trimmed = trimmed.strip_prefix('〒').unwrap_or(trimmed);
        let digits = ascii_digits(trimmed).map_err(|reason| InvalidValue::new(FIELD, reason))?;
        if digits.len() != 7 {
            return Err(InvalidValue::new(
                FIELD,
                format!("expected 7 digits, got {}", digits.len()),
            ));
        }
        digits
            .parse()
            .map(PostalCode)
            .map_err(|e| InvalidValue::new(FIELD, format!("{e}")))
    }

    /// The postal code from its numeric value (below 10,000,000).
    pub fn from_u32(value: u32) -> Result<PostalCode, InvalidValue> {
        if value >= 10_000_000 {
            return Err(InvalidValue::new(
                FIELD,
                format!("{value} has more than 7 digits"),
            ));
        }
        Ok(PostalCode(value))
    }

    /// The numeric value, e.g. 6598501.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}-{:04}", self.0 / 10_000, self.0 % 10_000)
    }
}

impl FromStr for PostalCode {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PostalCode::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        for s in [
            "659-8501",
            "6598501",
            "６５９－８５０１",
            "〒659-8501",
            " 659 8501 ",
        ] {
            let p = PostalCode::parse(s).unwrap();
            assert_eq!(p.get(), 6598501, "{s}");
            assert_eq!(p.to_string(), "659-8501");
        }
        assert_eq!(
            PostalCode::parse("060-0001").unwrap().to_string(),
            "060-0001"
        );
    }

    #[test]
    fn rejects_bad_codes() {
        let e = PostalCode::parse("659-850").unwrap_err();
        assert_eq!(e.field, "postal code");
        assert_eq!(e.reason, "expected 7 digits, got 6");
        assert!(PostalCode::parse("65985011").is_err());
        assert!(PostalCode::parse("659-85O1").is_err());
        assert!(PostalCode::parse("").is_err());
        assert!(PostalCode::from_u32(10_000_000).is_err());
        assert_eq!(
            PostalCode::from_u32(600_001).unwrap().to_string(),
            "060-0001"
        );
    }
}
