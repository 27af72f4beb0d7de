//! 全国地方公共団体コード and the 47 prefectures (都道府県) it begins with.
//!
//! A code is five digits (two of the prefecture by JIS X 0401, three of the municipality) and
//! a check digit (検査数字): the first five digits weighted 6, 5, 4, 3, 2 and summed, the sum's
//! remainder by 11 taken from 11, and the last digit of that kept (remainder 0 gives 1,
//! remainder 1 gives 0). 芦屋市 is 28206 with check digit 5: 2×6 + 8×5 + 2×4 + 0×3 + 6×2 = 72,
//! 72 mod 11 = 6, 11 − 6 = 5.

use std::fmt;
use std::str::FromStr;

use crate::model::digits::ascii_digits;
use crate::model::InvalidValue;

const CODE_FIELD: &str = "local government code";
const PREFECTURE_FIELD: &str = "prefecture";

/// The 47 prefectures in the order of their codes (01 北海道 … 47 沖縄県).
pub(crate) const PREFECTURE_NAMES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// A prefecture (都道府県), by its code 1 to 47.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Prefecture(u8);

impl Prefecture {
    /// The prefecture of code `code` (1 北海道 … 47 沖縄県).
    pub fn from_code(code: u8) -> Result<Prefecture, InvalidValue> {
        if (1..=47).contains(&code) {
            Ok(Prefecture(code))
        } else {
            Err(InvalidValue::new(
                PREFECTURE_FIELD,
                format!("code {code:02} is not a prefecture (01 to 47)"),
            ))
        }
    }

    /// The prefecture named exactly `name` (兵庫県; NFKC and surrounding spaces are allowed).
    pub fn parse(name: &str) -> Result<Prefecture, InvalidValue> {
        let name: String = crate::model::text::nfkc(name.trim()).collect();
        PREFECTURE_NAMES
            .iter()
            .position(|&p| p == name)
            .map(|i| Prefecture(i as u8 + 1))
            .ok_or_else(|| {
                InvalidValue::new(PREFECTURE_FIELD, format!("{name:?} is not a prefecture"))
            })
    }

    /// Every prefecture, in the order of their codes.
    pub fn all() -> impl Iterator<Item = Prefecture> {
        (1..=47).map(Prefecture)
    }

    /// The prefecture whose name begins `text`, and the text after it.
    pub(crate) fn strip_from(text: &str) -> Option<(Prefecture, &str)> {
        Prefecture::all().find_map(|p| text.strip_prefix(p.name()).map(|rest| (p, rest)))
    }

    /// The code, 1 to 47.
    pub fn code(self) -> u8 {
        self.0
    }

    /// The name, e.g. 兵庫県.
    pub fn name(self) -> &'static str {
        PREFECTURE_NAMES[usize::from(self.0 - 1)]
    }
}

impl fmt::Display for Prefecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A 全国地方公共団体コード: a prefecture (its municipality digits 000), a municipality, or a
/// ward of a 政令指定都市. Shown as its six digits, check digit included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalGovCode(u32);

/// The check digit of the five digits of `five` (below 100,000).
fn check_digit(five: u32) -> u32 {
    let digits = [10_000, 1_000, 100, 10, 1].map(|unit| five / unit % 10);
    let sum: u32 = digits.iter().zip([6, 5, 4, 3, 2]).map(|(d, w)| d * w).sum();
    (11 - sum % 11) % 10
}

impl LocalGovCode {
    /// Parses the five-digit form (the check digit is computed) or the six-digit form (the
    /// check digit is verified). Full-width digits, spaces and hyphens are accepted; the first
    /// two digits must be a prefecture's code.
    pub fn parse(input: &str) -> Result<LocalGovCode, InvalidValue> {
        let digits = ascii_digits(input).map_err(|r| InvalidValue::new(CODE_FIELD, r))?;
        let five: u32 = match digits.len() {
            5 | 6 => digits[..5]
                .parse()
                .map_err(|e| InvalidValue::new(CODE_FIELD, format!("{e}")))?,
            n => {
                return Err(InvalidValue::new(
                    CODE_FIELD,
                    format!("expected 5 digits, or 6 with the check digit, got {n}"),
                ))
            }
        };
        let code = LocalGovCode::from_five(five)?;
        if let Some(given) = digits[5..].chars().next() {
            let expected = code.check_digit();
            if given.to_digit(10) != Some(expected) {
                return Err(InvalidValue::new(
                    CODE_FIELD,
                    format!("check digit of {digits} is {given}, expected {expected}"),
                ));
            }
        }
        Ok(code)
    }

    /// The code of the five digits `five` (e.g. 28206), its prefecture checked.
    pub fn from_five(five: u32) -> Result<LocalGovCode, InvalidValue> {
        if five >= 100_000 {
            return Err(InvalidValue::new(
                CODE_FIELD,
                format!("{five} has more than 5 digits"),
            ));
        }
        Prefecture::from_code((five / 1_000) as u8)
            .map_err(|e| InvalidValue::new(CODE_FIELD, e.reason))?;
        Ok(LocalGovCode(five))
    }

    /// The five digits without the check digit, e.g. 28206.
    pub fn five(self) -> u32 {
        self.0
    }

    /// The check digit, e.g. 5 for 28206.
    pub fn check_digit(self) -> u32 {
        check_digit(self.0)
    }

    /// The prefecture of the first two digits.
    pub fn prefecture(self) -> Prefecture {
        Prefecture((self.0 / 1_000) as u8)
    }

    /// Whether this is a prefecture's own code (municipality digits 000, e.g. 280003).
    pub fn is_prefecture(self) -> bool {
        self.0.is_multiple_of(1_000)
    }
}

impl fmt::Display for LocalGovCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:05}{}", self.0, self.check_digit())
    }
}

impl FromStr for LocalGovCode {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LocalGovCode::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real codes (data/municipalities.csv), among them the special cases: remainder 0 gives
    /// 11, whose last digit 1 is kept, and remainder 1 gives 10, kept as 0.
    #[test]
    fn real_codes_verify() {
        for (code, check) in [
            ("28206", 5), // 兵庫県芦屋市: remainder 6
            ("13101", 6), // 東京都千代田区
            ("27100", 4), // 大阪府大阪市
            ("47201", 8), // 沖縄県那覇市
            ("01213", 1), // 北海道苫小牧市: 22, remainder 0, 11 → 1
            ("01205", 0), // 北海道室蘭市: 23, remainder 1, 10 → 0
            ("01204", 1), // 北海道旭川市: 21, remainder 10
        ] {
            let c = LocalGovCode::parse(code).unwrap();
            assert_eq!(c.check_digit(), check, "{code}");
            assert_eq!(c.to_string(), format!("{code}{check}"));
            assert_eq!(LocalGovCode::parse(&c.to_string()).unwrap(), c);
        }
        assert_eq!(LocalGovCode::parse("282065").unwrap().five(), 28206);
        assert_eq!(LocalGovCode::parse("２８２０６５").unwrap().five(), 28206);
        assert_eq!(LocalGovCode::parse("28206-5").unwrap().five(), 28206);
    }

    #[test]
    fn a_wrong_check_digit_is_named() {
        let e = LocalGovCode::parse("282064").unwrap_err();
        assert_eq!(e.field, "local government code");
        assert_eq!(e.reason, "check digit of 282064 is 4, expected 5");
    }

    #[test]
    fn bad_forms() {
        let e = LocalGovCode::parse("2820").unwrap_err();
        assert_eq!(
            e.reason,
            "expected 5 digits, or 6 with the check digit, got 4"
        );
        assert!(LocalGovCode::parse("2820655").is_err());
        assert!(LocalGovCode::parse("28a06").is_err());
        let e = LocalGovCode::parse("48100").unwrap_err();
        assert_eq!(e.reason, "code 48 is not a prefecture (01 to 47)");
        assert!(LocalGovCode::parse("00100").is_err());
    }

    #[test]
    fn prefectures() {
        assert_eq!(Prefecture::all().count(), 47);
        let hyogo = Prefecture::parse("兵庫県").unwrap();
        assert_eq!((hyogo.code(), hyogo.name()), (28, "兵庫県"));
        assert_eq!(Prefecture::from_code(1).unwrap().name(), "北海道");
        assert_eq!(Prefecture::from_code(47).unwrap().name(), "沖縄県");
        assert!(Prefecture::from_code(0).is_err());
        assert!(Prefecture::parse("兵庫").is_err());
        let code = LocalGovCode::parse("282065").unwrap();
        assert_eq!(code.prefecture(), hyogo);
        assert!(!code.is_prefecture());
        assert!(LocalGovCode::parse("280003").unwrap().is_prefecture());
        assert_eq!(
            Prefecture::strip_from("大阪府大阪市"),
            Some((Prefecture::parse("大阪府").unwrap(), "大阪市"))
        );
        assert_eq!(Prefecture::strip_from("芦屋市"), None);
    }
}
