//! 性別 (sex) as recorded on the 住民票.

use std::fmt;
use std::str::FromStr;

use super::error::InvalidValue;

const FIELD: &str = "sex";

/// 性別, with the codes used in files and statements: 1 男, 2 女.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Sex {
    /// 男 (code 1).
    Male = 1,
    /// 女 (code 2).
    Female = 2,
}

impl Sex {
    /// Parses `1`, `2`, `男` or `女` (after NFKC, trimmed).
    pub fn parse(input: &str) -> Result<Sex, InvalidValue> {
        let text: String = super::text::nfkc(input).collect();
        match text.trim() {
            "1" | "男" => Ok(Sex::Male),
            "2" | "女" => Ok(Sex::Female),
            "" => Err(InvalidValue::new(FIELD, "empty")),
            other => Err(InvalidValue::new(
                FIELD,
                format!("{other:?} is not 1, 2, 男 or 女"),
            )),
        }
    }

    /// The numeric code: 1 for 男, 2 for 女.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The sex with the given numeric code.
    pub fn from_code(code: u8) -> Result<Sex, InvalidValue> {
        match code {
            1 => Ok(Sex::Male),
            2 => Ok(Sex::Female),
            other => Err(InvalidValue::new(
                FIELD,
                format!("unknown code {other}, expected 1 or 2"),
            )),
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Sex::Male => "男",
            Sex::Female => "女",
        })
    }
}

impl FromStr for Sex {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sex::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_words() {
        assert_eq!(Sex::parse("1"), Ok(Sex::Male));
        assert_eq!(Sex::parse(" 2 "), Ok(Sex::Female));
        assert_eq!(Sex::parse("１"), Ok(Sex::Male));
        assert_eq!(Sex::parse("男"), Ok(Sex::Male));
        assert_eq!(Sex::parse("女"), Ok(Sex::Female));
        assert_eq!(Sex::parse("3").unwrap_err().field, "sex");
        assert!(Sex::parse("").is_err());
        assert!(Sex::parse("M").is_err());
    }

    #[test]
    fn codes_round_trip() {
        assert_eq!(Sex::Male.code(), 1);
        assert_eq!(Sex::Female.code(), 2);
        assert_eq!(Sex::from_code(1), Ok(Sex::Male));
        assert_eq!(Sex::from_code(2), Ok(Sex::Female));
        assert!(Sex::from_code(0).is_err());
        assert!(Sex::from_code(9).is_err());
        assert_eq!(Sex::Male.to_string(), "男");
        assert_eq!(Sex::Female.to_string(), "女");
    }
}
