//! The two national identifiers and their check digits: 住民票コード and 個人番号.

use std::fmt;
use std::str::FromStr;

use super::digits::ascii_digits;
use super::error::InvalidValue;

/// The check digit of a 住民票コード (resident code) over its first ten digits.
///
/// Source: 住民基本台帳法施行規則 第1条 (ten digits and one check digit computed by the
/// formula the minister sets, 平成14年総務省告示第436号). The formula is the one the 個人番号
/// uses, over ten digits: weights 5 4 3 2 7 6 5 4 3 2 left to right, r = (Σ digit·weight)
/// mod 11, check digit = 0 if r ≤ 1, otherwise 11 − r.
///
/// `first_ten` holds digit values 0..=9.
pub fn resident_code_check_digit(first_ten: &[u8; 10]) -> u8 {
    const WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    mod11_check_digit(first_ten, &WEIGHTS)
}

/// The check digit of a 個人番号 (My Number) over its first eleven digits.
///
/// Source: 平成26年総務省令第85号 第5条: with P(n) the n-th digit counted from the right and
/// Q(n) = n + 1 for n ≤ 6, n − 5 for 7 ≤ n ≤ 11 (weights 6 5 4 3 2 7 6 5 4 3 2 left to
/// right), r = (Σ P(n)·Q(n)) mod 11 and the check digit is 0 if r ≤ 1, otherwise 11 − r.
///
/// `first_eleven` holds digit values 0..=9.
pub fn my_number_check_digit(first_eleven: &[u8; 11]) -> u8 {
    const WEIGHTS: [u32; 11] = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    mod11_check_digit(first_eleven, &WEIGHTS)
}

/// The shared modulus-11 rule: r = Σ digit·weight mod 11; 0 if r ≤ 1, else 11 − r.
fn mod11_check_digit(digits: &[u8], weights: &[u32]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum();
    let r = sum % 11;
    if r <= 1 {
        0
    } else {
        (11 - r) as u8
    }
}

/// Splits `value` into exactly `N` decimal digits, most significant first.
fn digits_of<const N: usize>(mut value: u64) -> [u8; N] {
    let mut out = [0u8; N];
    for slot in out.iter_mut().rev() {
        *slot = (value % 10) as u8;
        value /= 10;
    }
    out
}

/// Parses typed input into a number of exactly `len` digits (separators and full-width
/// digits accepted).
fn parse_fixed_digits(field: &'static str, input: &str, len: usize) -> Result<u64, InvalidValue> {
    let digits = ascii_digits(input).map_err(|reason| InvalidValue::new(field, reason))?;
    if digits.len() != len {
        return Err(InvalidValue::new(
            field,
            format!("expected {len} digits, got {}", digits.len()),
        ));
    }
    digits
        .parse::<u64>()
        .map_err(|e| InvalidValue::new(field, e.to_string()))
}

/// A 住民票コード: 11 digits, the last a check digit (see `resident_code_check_digit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResidentCode(u64);

impl ResidentCode {
    const FIELD: &'static str = "resident code";
    const LIMIT: u64 = 100_000_000_000;

    /// Parses a resident code as typed: 11 digits, separators and full-width digits accepted,
    /// with a valid check digit.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        Self::from_u64(parse_fixed_digits(Self::FIELD, input, 11)?)
    }

    /// Builds a resident code from its numeric value, checking the range and the check digit.
    pub fn from_u64(value: u64) -> Result<Self, InvalidValue> {
        if value >= Self::LIMIT {
            return Err(InvalidValue::new(
                Self::FIELD,
                format!("{value} has more than 11 digits"),
            ));
        }
        let digits: [u8; 11] = digits_of(value);
        let mut first = [0u8; 10];
        first.copy_from_slice(&digits[..10]);
        let expected = resident_code_check_digit(&first);
        if digits[10] != expected {
            return Err(InvalidValue::new(
                Self::FIELD,
                format!("check digit is {}, expected {expected}", digits[10]),
            ));
        }
        Ok(ResidentCode(value))
    }

    /// Makes the valid resident code whose first ten digits are `serial` (which must be below
    /// 10^10; larger values are reduced modulo 10^10), appending its check digit.
    pub fn from_serial(serial: u64) -> ResidentCode {
        let serial = serial % (Self::LIMIT / 10);
        let check = resident_code_check_digit(&digits_of(serial));
        ResidentCode(serial * 10 + u64::from(check))
    }

    /// The numeric value (the 11 digits read as a number).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ResidentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:011}", self.0)
    }
}

impl FromStr for ResidentCode {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A 個人番号 (My Number): 12 digits, the last a check digit (see `my_number_check_digit`).
///
/// `Display` and `Debug` are masked; [`MyNumber::reveal`] is the only way to see the digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MyNumber(u64);

impl MyNumber {
    const FIELD: &'static str = "My Number";
    const LIMIT: u64 = 1_000_000_000_000;

    /// Parses a My Number as typed (`123456789018`, `1234-5678-9018`, `1234 5678 9018`,
    /// full-width digits), requiring 12 digits and a valid check digit.
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        Self::from_u64(parse_fixed_digits(Self::FIELD, input, 12)?)
    }

    /// Builds a My Number from its numeric value, checking the range and the check digit.
    pub fn from_u64(value: u64) -> Result<Self, InvalidValue> {
        if value >= Self::LIMIT {
            // The value itself is not echoed: it may be a real number.
            return Err(InvalidValue::new(Self::FIELD, "more than 12 digits"));
        }
        let digits: [u8; 12] = digits_of(value);
        let mut first = [0u8; 11];
        first.copy_from_slice(&digits[..11]);
        let expected = my_number_check_digit(&first);
        if digits[11] != expected {
            return Err(InvalidValue::new(
                Self::FIELD,
                format!("check digit is {}, expected {expected}", digits[11]),
            ));
        }
        Ok(MyNumber(value))
    }

    /// Makes the valid My Number whose first eleven digits are `serial` (which must be below
    /// 10^11; larger values are reduced modulo 10^11), appending its check digit.
    pub fn from_serial(serial: u64) -> MyNumber {
        let serial = serial % (Self::LIMIT / 10);
        let check = my_number_check_digit(&digits_of(serial));
        MyNumber(serial * 10 + u64::from(check))
    }

    /// The numeric value (the 12 digits read as a number).
    pub fn get(self) -> u64 {
        self.0
    }

    /// The unmasked form, whose `Display` shows all 12 digits.
    pub fn reveal(&self) -> RevealedMyNumber {
        RevealedMyNumber(self.0)
    }
}

impl fmt::Display for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****-****-****")
    }
}

impl fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MyNumber(****-****-****)")
    }
}

impl FromStr for MyNumber {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A My Number made visible on purpose: `Display` prints the 12 digits, leading zeros kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevealedMyNumber(u64);

impl fmt::Display for RevealedMyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:012}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn my_number_examples() {
        assert!(MyNumber::parse("123456789018").is_ok());
        let e = MyNumber::parse("123456789019").unwrap_err();
        assert_eq!(e.field, "My Number");
        assert_eq!(e.reason, "check digit is 9, expected 8");
        assert!(MyNumber::parse("614106526000").is_ok());
        // 0·6+0·5+0·4+1·3+1·2+1·7+1·6+1·5+1·4+1·3+1·2 = 32, r = 10, check 11 − 10 = 1.
        let n = MyNumber::parse("000111111111").unwrap();
        assert_eq!(n.reveal().to_string(), "000111111111");
        assert!(MyNumber::parse("000111111112").is_err());
    }

    #[test]
    fn my_number_input_forms() {
        let want = MyNumber::parse("123456789018").unwrap();
        for s in [
            "1234-5678-9018",
            "1234 5678 9018",
            "１２３４５６７８９０１８",
            " 1234－5678－9018 ",
        ] {
            assert_eq!(MyNumber::parse(s).unwrap(), want, "{s}");
            assert_eq!(s.parse::<MyNumber>().unwrap(), want);
        }
    }

    #[test]
    fn my_number_wrong_length_and_characters() {
        assert_eq!(
            MyNumber::parse("12345678901").unwrap_err().reason,
            "expected 12 digits, got 11"
        );
        assert!(MyNumber::parse("1234567890181").is_err());
        assert!(MyNumber::parse("").is_err());
        assert_eq!(
            MyNumber::parse("1234x5678901").unwrap_err().reason,
            "unexpected character 'x' at position 5"
        );
    }

    #[test]
    fn my_number_is_masked() {
        let n = MyNumber::parse("123456789018").unwrap();
        assert_eq!(n.to_string(), "****-****-****");
        let debug = format!("{n:?}");
        assert!(!debug.contains("1234"), "{debug}");
        assert_eq!(n.reveal().to_string(), "123456789018");
        assert_eq!(n.get(), 123456789018);
    }

    #[test]
    fn my_number_from_u64_and_serial() {
        assert!(MyNumber::from_u64(123456789018).is_ok());
        assert!(MyNumber::from_u64(123456789019).is_err());
        assert!(MyNumber::from_u64(1_000_000_000_000).is_err());
        assert_eq!(MyNumber::from_serial(12345678901).get(), 123456789018);
        assert_eq!(MyNumber::from_serial(61410652600).get(), 614106526000);
        for s in [0u64, 1, 99_999_999_999, 4_242_424_242] {
            let n = MyNumber::from_serial(s);
            assert_eq!(n.get() / 10, s);
            assert_eq!(MyNumber::from_u64(n.get()), Ok(n));
        }
    }

    #[test]
    fn resident_code_examples() {
        assert!(ResidentCode::parse("24727059608").is_ok());
        assert!(ResidentCode::parse("12345678903").is_ok());
        let e = ResidentCode::parse("12345678901").unwrap_err();
        assert_eq!(e.field, "resident code");
        assert_eq!(e.reason, "check digit is 1, expected 3");
        assert_eq!(
            ResidentCode::parse("1234567890").unwrap_err().reason,
            "expected 11 digits, got 10"
        );
        assert_eq!(
            ResidentCode::parse("２４７２７０５９６０８").unwrap().get(),
            24727059608
        );
        assert_eq!(
            "2472-7059-608".parse::<ResidentCode>().unwrap().get(),
            24727059608
        );
    }

    #[test]
    fn resident_code_display_keeps_leading_zeros() {
        let c = ResidentCode::from_serial(1);
        assert_eq!(c.to_string().len(), 11);
        assert!(c.to_string().starts_with("000000000"));
        assert_eq!(ResidentCode::parse(&c.to_string()), Ok(c));
    }

    #[test]
    fn resident_code_from_u64_and_serial() {
        assert!(ResidentCode::from_u64(24727059608).is_ok());
        assert!(ResidentCode::from_u64(24727059609).is_err());
        assert!(ResidentCode::from_u64(100_000_000_000).is_err());
        assert_eq!(ResidentCode::from_serial(2472705960).get(), 24727059608);
        for s in [0u64, 7, 9_999_999_999, 1_234_567_890] {
            let c = ResidentCode::from_serial(s);
            assert_eq!(c.get() / 10, s);
            assert_eq!(ResidentCode::from_u64(c.get()), Ok(c));
        }
    }

    #[test]
    fn check_digit_functions() {
        assert_eq!(
            resident_code_check_digit(&[2, 4, 7, 2, 7, 0, 5, 9, 6, 0]),
            8
        );
        assert_eq!(my_number_check_digit(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]), 8);
        assert_eq!(my_number_check_digit(&[6, 1, 4, 1, 0, 6, 5, 2, 6, 0, 0]), 0);
    }
}
