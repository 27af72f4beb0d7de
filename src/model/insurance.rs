//! The insurance and pension items of the 住民票 (住民基本台帳法 第7条 第10号〜第11号):
//! 国民健康保険, 後期高齢者医療 and 介護保険 被保険者 numbers and kinds, and 国民年金's
//! 基礎年金番号 and 被保険者種別.
//!
//! Only what can be checked is checked: the numbers' digit counts. None of these numbers
//! has a check digit, so none is invented. Input takes full-width digits, spaces and hyphens.

use std::fmt;
use std::str::FromStr;

use super::coded::{coded_enum, parse_coded};
use super::digits::ascii_digits;
use super::error::InvalidValue;

/// Reads exactly `len` digits (separators and full-width digits accepted). The error gives
/// the count or the bad character, never the digits.
fn fixed_digits(field: &'static str, input: &str, len: usize) -> Result<u64, InvalidValue> {
    let digits = ascii_digits(input).map_err(|reason| InvalidValue::new(field, reason))?;
    if digits.len() != len {
        return Err(InvalidValue::new(
            field,
            format!("expected {len} digits, got {}", digits.len()),
        ));
    }
    digits
        .parse()
        .map_err(|e| InvalidValue::new(field, format!("{e}")))
}

/// Refuses a number of more than `len` digits read from storage.
fn check_range(field: &'static str, value: u64, len: u32) -> Result<(), InvalidValue> {
    if value >= 10u64.pow(len) {
        return Err(InvalidValue::new(
            field,
            format!("stored value has more than {len} digits"),
        ));
    }
    Ok(())
}

/// 基礎年金番号: the pension number shared by every public pension, four digits (記号, the
/// office that gave it) and six (番号, a serial). Canonical form `1234-567890`; stored as the
/// ten digits read as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BasicPensionNumber(u64);

impl BasicPensionNumber {
    const FIELD: &'static str = "basic pension number";

    /// Parses `1234-567890` or `1234567890` (full-width digits, spaces and any hyphen or dash
    /// accepted).
    pub fn parse(input: &str) -> Result<BasicPensionNumber, InvalidValue> {
        fixed_digits(Self::FIELD, input, 10).map(BasicPensionNumber)
    }

    /// The number from its stored value (below 10^10).
    pub fn from_u64(value: u64) -> Result<BasicPensionNumber, InvalidValue> {
        check_range(Self::FIELD, value, 10).map(|()| BasicPensionNumber(value))
    }

    /// The ten digits read as a number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for BasicPensionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:06}", self.0 / 1_000_000, self.0 % 1_000_000)
    }
}

impl FromStr for BasicPensionNumber {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BasicPensionNumber::parse(s)
    }
}

/// 後期高齢者医療 被保険者番号: the number of an insured person of the medical care system
/// for those aged 75 and over, eight digits.
///
/// Source: 高齢者の医療の確保に関する法律施行規則 様式第一号 (被保険者証), whose 被保険者番号
/// has eight digits, given by the prefecture's 後期高齢者医療広域連合 to each person.
/// Canonical form: the eight digits, leading zeros kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InsuredNumber8(u32);

impl InsuredNumber8 {
    const FIELD: &'static str = "late-stage elderly insured number";

    /// Parses eight digits (full-width digits, spaces and hyphens accepted).
    pub fn parse(input: &str) -> Result<InsuredNumber8, InvalidValue> {
        fixed_digits(Self::FIELD, input, 8).map(|v| InsuredNumber8(v as u32))
    }

    /// The number from its stored value (below 10^8).
    pub fn from_u32(value: u32) -> Result<InsuredNumber8, InvalidValue> {
        check_range(Self::FIELD, u64::from(value), 8).map(|()| InsuredNumber8(value))
    }

    /// The eight digits read as a number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for InsuredNumber8 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08}", self.0)
    }
}

impl FromStr for InsuredNumber8 {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InsuredNumber8::parse(s)
    }
}

/// 介護保険 被保険者番号: the number the municipality (保険者) gives each insured person of
/// the long-term care insurance, ten digits.
///
/// Source: 介護保険法施行規則 様式第一号 (介護保険被保険者証), whose 被保険者番号 has ten
/// digits, the form the 介護給付費 claims carry too. Canonical form: the ten digits, leading
/// zeros kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CareInsuredNumber(u64);

impl CareInsuredNumber {
    const FIELD: &'static str = "care insured number";

    /// Parses ten digits (full-width digits, spaces and hyphens accepted).
    pub fn parse(input: &str) -> Result<CareInsuredNumber, InvalidValue> {
        fixed_digits(Self::FIELD, input, 10).map(CareInsuredNumber)
    }

    /// The number from its stored value (below 10^10).
    pub fn from_u64(value: u64) -> Result<CareInsuredNumber, InvalidValue> {
        check_range(Self::FIELD, value, 10).map(|()| CareInsuredNumber(value))
    }

    /// The ten digits read as a number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for CareInsuredNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:010}", self.0)
    }
}

impl FromStr for CareInsuredNumber {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CareInsuredNumber::parse(s)
    }
}

coded_enum! {
    /// 国民年金 被保険者の種別 (国民年金法 第7条): 第1号 (self-employed, students and others
    /// aged 20 to 59), 第2号 (employees in 厚生年金), 第3号 (their dependent spouses).
    /// Canonical form `第1号`; codes 1, 2, 3.
    PensionCategory, "pension category" {
        /// 第1号被保険者.
        First = 1, "第1号";
        /// 第2号被保険者.
        Second = 2, "第2号";
        /// 第3号被保険者.
        Third = 3, "第3号";
    }
}

impl PensionCategory {
    /// Parses `第1号`, `1号`, `第1号被保険者`, `1` (and the same with 2, 3, full-width digits
    /// or kanji numerals 一 二 三).
    pub fn parse(input: &str) -> Result<PensionCategory, InvalidValue> {
        parse_coded(
            input,
            Self::FIELD,
            |key| {
                let key = key.strip_suffix("被保険者").unwrap_or(key);
                let key = key.strip_prefix('第').unwrap_or(key);
                let key = key.strip_suffix('号').unwrap_or(key);
                let digit = match key {
                    "一" => "1",
                    "二" => "2",
                    "三" => "3",
                    other => other,
                };
                Self::by_name(&format!("第{digit}号"))
            },
            None,
            "第1号, 第2号 or 第3号 (or 1, 2, 3)",
        )
    }
}

coded_enum! {
    /// 国民健康保険 退職区分: whether a 国保 被保険者 is 一般 or a 退職被保険者 (of the
    /// 退職者医療制度, kept for the records of those it covered). Codes 1 一般, 2 退職.
    NhiRetiredKind, "NHI retired kind" {
        /// 一般被保険者.
        General = 1, "一般";
        /// 退職被保険者 (or a dependant of one).
        Retired = 2, "退職";
    }
}

impl NhiRetiredKind {
    /// Parses `一般`, `退職` (also `一般被保険者`, `退職被保険者`) or the code `1` or `2`.
    pub fn parse(input: &str) -> Result<NhiRetiredKind, InvalidValue> {
        parse_coded(
            input,
            Self::FIELD,
            |key| Self::by_name(key.strip_suffix("被保険者").unwrap_or(key)),
            Some(&Self::from_code),
            "一般, 退職 or a code 1 or 2",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_pension_numbers() {
        for s in [
            "1234-567890",
            "1234567890",
            "１２３４－５６７８９０",
            " 1234 567890 ",
            "1234ー567890",
        ] {
            let n = BasicPensionNumber::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(n.to_string(), "1234-567890", "{s}");
            assert_eq!(n.get(), 1_234_567_890);
            assert_eq!(s.parse::<BasicPensionNumber>(), Ok(n));
        }
        let zeros = BasicPensionNumber::parse("0049-000123").unwrap();
        assert_eq!(zeros.to_string(), "0049-000123");
        assert_eq!(BasicPensionNumber::from_u64(zeros.get()), Ok(zeros));
        let e = BasicPensionNumber::parse("1234-56789").unwrap_err();
        assert_eq!(e.field, "basic pension number");
        assert_eq!(e.reason, "expected 10 digits, got 9");
        assert_eq!(
            BasicPensionNumber::parse("1234-5678901")
                .unwrap_err()
                .reason,
            "expected 10 digits, got 11"
        );
        assert_eq!(
            BasicPensionNumber::parse("12A4-567890").unwrap_err().reason,
            "unexpected character 'A' at position 3"
        );
        assert!(BasicPensionNumber::parse("").is_err());
        assert_eq!(
            BasicPensionNumber::from_u64(10_000_000_000)
                .unwrap_err()
                .reason,
            "stored value has more than 10 digits"
        );
    }

    #[test]
    fn insured_numbers() {
        let n = InsuredNumber8::parse("01234567").unwrap();
        assert_eq!(n.to_string(), "01234567");
        assert_eq!(n.get(), 1_234_567);
        assert_eq!(InsuredNumber8::parse("０１２３ ４５６７"), Ok(n));
        assert_eq!(InsuredNumber8::from_u32(1_234_567), Ok(n));
        let e = InsuredNumber8::parse("1234567").unwrap_err();
        assert_eq!(e.field, "late-stage elderly insured number");
        assert_eq!(e.reason, "expected 8 digits, got 7");
        assert!(InsuredNumber8::parse("123456789").is_err());
        assert!(InsuredNumber8::from_u32(100_000_000).is_err());

        let c = CareInsuredNumber::parse("0000012345").unwrap();
        assert_eq!(c.to_string(), "0000012345");
        assert_eq!("0000012345".parse::<CareInsuredNumber>(), Ok(c));
        assert_eq!(CareInsuredNumber::from_u64(12_345), Ok(c));
        let e = CareInsuredNumber::parse("123456789").unwrap_err();
        assert_eq!(e.field, "care insured number");
        assert_eq!(e.reason, "expected 10 digits, got 9");
        assert!(CareInsuredNumber::parse("12345678901").is_err());
        assert!(CareInsuredNumber::parse("12345x7890").is_err());
        assert!(CareInsuredNumber::from_u64(10_000_000_000).is_err());
    }

    #[test]
    fn pension_categories() {
        assert_eq!(PensionCategory::ALL.len(), 3);
        for (inputs, want) in [
            (
                ["第1号", "1号", "1", "第１号", "第1号被保険者", "第一号"],
                PensionCategory::First,
            ),
            (
                ["第2号", "2号", "2", "２", "第2号被保険者", "二号"],
                PensionCategory::Second,
            ),
            (
                ["第3号", "3号", "3", "第３号", " 第3号 ", "第三号"],
                PensionCategory::Third,
            ),
        ] {
            for s in inputs {
                assert_eq!(PensionCategory::parse(s), Ok(want), "{s}");
            }
        }
        assert_eq!(PensionCategory::Third.to_string(), "第3号");
        assert_eq!(PensionCategory::Second.code(), 2);
        assert_eq!(PensionCategory::from_code(1), Ok(PensionCategory::First));
        let e = PensionCategory::parse("第4号").unwrap_err();
        assert_eq!(e.field, "pension category");
        assert_eq!(
            e.reason,
            "\"第4号\" is not 第1号, 第2号 or 第3号 (or 1, 2, 3)"
        );
        assert!(PensionCategory::parse("0").is_err());
        assert!(PensionCategory::parse("").is_err());
        assert!(PensionCategory::parse("第号").is_err());
        assert!(PensionCategory::from_code(4).is_err());
        for c in PensionCategory::ALL {
            assert_eq!(c.to_string().parse::<PensionCategory>(), Ok(*c));
        }
    }

    #[test]
    fn nhi_retired_kinds() {
        assert_eq!(NhiRetiredKind::ALL.len(), 2);
        assert_eq!(NhiRetiredKind::parse("一般"), Ok(NhiRetiredKind::General));
        assert_eq!(NhiRetiredKind::parse("1"), Ok(NhiRetiredKind::General));
        assert_eq!(
            NhiRetiredKind::parse("一般被保険者"),
            Ok(NhiRetiredKind::General)
        );
        assert_eq!(NhiRetiredKind::parse("退職"), Ok(NhiRetiredKind::Retired));
        assert_eq!(NhiRetiredKind::parse("２"), Ok(NhiRetiredKind::Retired));
        assert_eq!(NhiRetiredKind::Retired.to_string(), "退職");
        assert_eq!(NhiRetiredKind::from_code(2), Ok(NhiRetiredKind::Retired));
        let e = NhiRetiredKind::parse("3").unwrap_err();
        assert_eq!(e.field, "NHI retired kind");
        assert_eq!(e.reason, "unknown code 3, expected 1..=2");
        assert_eq!(
            NhiRetiredKind::parse("任意").unwrap_err().reason,
            "\"任意\" is not 一般, 退職 or a code 1 or 2"
        );
        assert!(NhiRetiredKind::from_code(0).is_err());
    }
}
