//! Calendar dates: ISO and Japanese era (元号) input, era output, ages.
//!
//! A [`Date`] is a Gregorian day in 1800-01-01..=2200-12-31. It is written ISO
//! (`1980-04-01`) by `Display`; [`Date::to_era_string`] writes it in 和暦 (`昭和55年4月1日`).
//! Input takes ISO and era dates in the forms a 市民課 uses, full or abbreviated, with
//! full-width characters folded (NFKC). An era date must fall inside its era: on the two days
//! shared by two eras (1912-07-30, 1926-12-25) both names are accepted, and output uses the
//! new era.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, TimeDelta, Utc};

use super::error::InvalidValue;

const FIELD: &str = "date";
const MIN_YEAR: i32 = 1800;
const MAX_YEAR: i32 = 2200;

/// A Japanese era: its name, its one-letter and one-kanji abbreviations, and its first and
/// last days (Gregorian; the last era has none yet).
struct Era {
    name: &'static str,
    letter: char,
    kanji: char,
    first_day: (i32, u32, u32),
    last_day: Option<(i32, u32, u32)>,
}

/// The eras since the calendar reform, oldest first.
///
/// Invariant: each era's last day is the next era's first day (明治→大正 on 1912-07-30 and
/// 大正→昭和 on 1926-12-25, when the era changed on the day the emperor died, so both names
/// are right for that day) or the day before it (昭和→平成, 平成→令和, changed the next day).
/// No day falls between two eras. A shared day is written with the new era on output.
const ERAS: [Era; 5] = [
    Era {
        name: "明治",
        letter: 'M',
        kanji: '明',
        first_day: (1868, 10, 23),
        last_day: Some((1912, 7, 30)),
    },
    Era {
        name: "大正",
        letter: 'T',
        kanji: '大',
        first_day: (1912, 7, 30),
        last_day: Some((1926, 12, 25)),
    },
    Era {
        name: "昭和",
        letter: 'S',
        kanji: '昭',
        first_day: (1926, 12, 25),
        last_day: Some((1989, 1, 7)),
    },
    Era {
        name: "平成",
        letter: 'H',
        kanji: '平',
        first_day: (1989, 1, 8),
        last_day: Some((2019, 4, 30)),
    },
    Era {
        name: "令和",
        letter: 'R',
        kanji: '令',
        first_day: (2019, 5, 1),
        last_day: None,
    },
];

fn naive(ymd: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).expect("era table holds real dates")
}

fn min_date() -> NaiveDate {
    naive((MIN_YEAR, 1, 1))
}

fn max_date() -> NaiveDate {
    naive((MAX_YEAR, 12, 31))
}

/// An era date written out the way the error messages and [`Date::to_era_string`] show it.
fn era_text(era: &Era, year: u32, month: u32, day: u32) -> String {
    if year == 1 {
        format!("{}元年{month}月{day}日", era.name)
    } else {
        format!("{}{year}年{month}月{day}日", era.name)
    }
}

/// The error for text that is no date form at all. The text is quoted unless it holds twelve
/// or more digits, which could be a My Number typed in the wrong place.
fn bad_format(text: &str) -> InvalidValue {
    let quoted = if text.chars().filter(char::is_ascii_digit).count() >= 12 {
        "the text".to_string()
    } else {
        format!("{text:?}")
    };
    InvalidValue::new(
        FIELD,
        format!(
            "{quoted} is not a date; expected YYYY-MM-DD, YYYYMMDD or an era date such as \
             昭和55年4月1日, 昭55.4.1 or S55.4.1"
        ),
    )
}

/// Reads 1..=`max_len` ASCII digits.
fn number(s: &str, max_len: usize) -> Option<u32> {
    if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Splits the year, month and day out of `Y年M月D日`, `Y.M.D`, `Y/M/D`, `Y-M-D` or (without
/// an era) `YYYYMMDD`. With an era the year is 1..=3 digits or 元; without, it is 4 digits.
fn split_parts(rest: &str, with_era: bool) -> Option<(u32, u32, u32)> {
    let year = |s: &str| {
        if with_era {
            if s == "元" {
                Some(1)
            } else {
                number(s, 3)
            }
        } else if s.len() == 4 {
            number(s, 4)
        } else {
            None
        }
    };
    if let Some((y, after)) = rest.split_once('年') {
        let (m, after) = after.split_once('月')?;
        let d = after.strip_suffix('日')?;
        return Some((year(y)?, number(m, 2)?, number(d, 2)?));
    }
    if !with_era && rest.len() == 8 && rest.bytes().all(|b| b.is_ascii_digit()) {
        return Some((
            number(&rest[..4], 4)?,
            number(&rest[4..6], 2)?,
            number(&rest[6..], 2)?,
        ));
    }
    let year_digits = if with_era {
        rest.strip_prefix('元').unwrap_or(rest)
    } else {
        rest
    };
    let sep = year_digits.chars().find(|c| !c.is_ascii_digit())?;
    if !matches!(sep, '.' | '/' | '-') {
        return None;
    }
    let mut parts = rest.split(sep);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some((year(y)?, number(m, 2)?, number(d, 2)?))
}

/// Finds the era a date text starts with, by name (昭和), by one kanji (昭) or by letter (S or
/// s), and returns it with the rest of the text. An abbreviation counts only when a digit or
/// 元 follows it, so that words such as 大阪 are not taken for a date.
fn split_era(text: &str) -> Option<(&'static Era, &str)> {
    for era in &ERAS {
        if let Some(rest) = text.strip_prefix(era.name) {
            return Some((era, rest));
        }
    }
    let mut chars = text.chars();
    let first = chars.next()?;
    let rest = chars.as_str();
    let era = ERAS
        .iter()
        .find(|e| e.kanji == first || e.letter == first.to_ascii_uppercase())?;
    match rest.chars().next() {
        Some(c) if c.is_ascii_digit() || c == '元' => Some((era, rest)),
        _ => None,
    }
}

/// An era as the dates known only in part (`partial_date`) need it: its name and its first
/// and last days (the last era has none yet).
pub(super) struct EraSpan {
    pub(super) name: &'static str,
    pub(super) first_day: Date,
    pub(super) last_day: Option<Date>,
}

/// The era `text` begins with (by the rules of [`Date::parse`]: name, one kanji or letter,
/// an abbreviation only before a digit or 元) and the rest of the text, for dates known only
/// in part (`partial_date`).
pub(super) fn split_era_span(text: &str) -> Option<(EraSpan, &str)> {
    split_era(text).map(|(era, rest)| {
        let span = EraSpan {
            name: era.name,
            first_day: Date(naive(era.first_day)),
            last_day: era.last_day.map(|d| Date(naive(d))),
        };
        (span, rest)
    })
}

/// A calendar date between 1800-01-01 and 2200-12-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(NaiveDate);

impl Date {
    /// Parses a date as typed.
    ///
    /// Accepted: `1980-04-01`, `1980/04/01`, `1980/4/1`, `19800401`, `1980年4月1日`, and era
    /// dates `昭和55年4月1日`, `昭和55.4.1`, `昭55.4.1`, `昭55/4/1`, `S55.4.1`, `s55.4.1`,
    /// `S55/4/1`, `S55-4-1`, `令和元年5月1日`, `H元.1.8`, `R7.6.30`: the era by name, by one
    /// kanji or by letter (明治 明 M, 大正 大 T, 昭和 昭 S, 平成 平 H, 令和 令 R), then the
    /// year (元 for year 1) and the month and day after 年/月/日 or one of `.` `/` `-`.
    /// Full-width input is accepted (NFKC, so `Ｓ５５．４．１` and `㍼55年4月1日` too).
    ///
    /// An era date outside its era (昭和64年1月8日, 平成31年5月1日) is refused, naming the
    /// era's first or last day; both names are valid on a day two eras share (大正15年12月25日
    /// and 昭和元年12月25日). Impossible dates and years outside 1800..=2200 are refused.
    pub fn parse(input: &str) -> Result<Date, InvalidValue> {
        let normalised: String = super::text::nfkc(input).collect();
        let text = normalised.trim();
        if text.is_empty() {
            return Err(InvalidValue::new(FIELD, "empty"));
        }
        if let Some((era, rest)) = split_era(text) {
            let (y, m, d) = split_parts(rest, true).ok_or_else(|| bad_format(text))?;
            return Date::from_era(era, y, m, d);
        }
        let (y, m, d) = split_parts(text, false).ok_or_else(|| bad_format(text))?;
        Date::from_ymd(y as i32, m, d)
    }

    fn from_era(era: &Era, year: u32, month: u32, day: u32) -> Result<Date, InvalidValue> {
        if year == 0 {
            return Err(InvalidValue::new(
                FIELD,
                format!("{}0年 does not exist; the first year is 元年", era.name),
            ));
        }
        let gregorian = era.first_day.0 + year as i32 - 1;
        if gregorian > MAX_YEAR {
            return Err(InvalidValue::new(
                FIELD,
                format!(
                    "{} is year {gregorian}, outside {MIN_YEAR}..={MAX_YEAR}",
                    era_text(era, year, month, day)
                ),
            ));
        }
        let date = NaiveDate::from_ymd_opt(gregorian, month, day).ok_or_else(|| {
            InvalidValue::new(
                FIELD,
                format!("{} is not a date", era_text(era, year, month, day)),
            )
        })?;
        let first = naive(era.first_day);
        if date < first {
            return Err(InvalidValue::new(
                FIELD,
                format!(
                    "{} is before the first day of {} ({first})",
                    era_text(era, year, month, day),
                    era.name
                ),
            ));
        }
        if let Some(last) = era.last_day.map(naive) {
            if date > last {
                return Err(InvalidValue::new(
                    FIELD,
                    format!(
                        "{} is after the last day of {} ({last})",
                        era_text(era, year, month, day),
                        era.name
                    ),
                ));
            }
        }
        Ok(Date(date))
    }

    /// The date with the given Gregorian year, month and day.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Result<Date, InvalidValue> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(InvalidValue::new(
                FIELD,
                format!("year {year} is outside {MIN_YEAR}..={MAX_YEAR}"),
            ));
        }
        NaiveDate::from_ymd_opt(year, month, day)
            .map(Date)
            .ok_or_else(|| {
                InvalidValue::new(
                    FIELD,
                    format!("{year:04}-{month:02}-{day:02} is not a date"),
                )
            })
    }

    /// The date written as the number YYYYMMDD, e.g. 19800401.
    pub fn from_yyyymmdd(value: u32) -> Result<Date, InvalidValue> {
        Date::from_ymd((value / 10_000) as i32, value / 100 % 100, value % 100)
    }

    /// The date as the number YYYYMMDD, e.g. 19800401.
    pub fn to_yyyymmdd(self) -> u32 {
        self.year() as u32 * 10_000 + self.month() * 100 + self.day()
    }

    /// Today in Japan Standard Time (UTC + 9 hours).
    pub fn today_jst() -> Date {
        let today = (Utc::now() + TimeDelta::hours(9)).date_naive();
        Date(today.clamp(min_date(), max_date()))
    }

    /// The Gregorian year.
    pub fn year(self) -> i32 {
        self.0.year()
    }

    /// The month, 1..=12.
    pub fn month(self) -> u32 {
        self.0.month()
    }

    /// The day of the month, 1..=31.
    pub fn day(self) -> u32 {
        self.0.day()
    }

    /// The underlying chrono date.
    pub fn naive(self) -> NaiveDate {
        self.0
    }

    /// The date `days` days later (earlier when negative), saturating at 1800-01-01 and
    /// 2200-12-31.
    pub fn add_days(self, days: i64) -> Date {
        let lo = i64::from(min_date().num_days_from_ce());
        let hi = i64::from(max_date().num_days_from_ce());
        let target = i64::from(self.0.num_days_from_ce())
            .saturating_add(days)
            .clamp(lo, hi);
        Date(NaiveDate::from_num_days_from_ce_opt(target as i32).expect("clamped into range"))
    }

    /// The number of days from `self` to `other` (negative when `other` is earlier).
    pub fn days_until(self, other: Date) -> i64 {
        other.0.signed_duration_since(self.0).num_days()
    }

    /// The age in completed years on `on` of a person born on `self` (0 when `on` is before
    /// the birth).
    ///
    /// The everyday rule is used: the age goes up on the anniversary of the birth date, and a
    /// person born on 29 February becomes a year older on 1 March in non-leap years. (年齢計算
    /// ニ関スル法律 counts a year as completed at the end of the day before the anniversary;
    /// where that legal moment matters, ask for the age on the following day.)
    pub fn age_on(self, on: Date) -> u32 {
        if on <= self {
            return 0;
        }
        let mut years = on.year() - self.year();
        if (on.month(), on.day()) < (self.month(), self.day()) {
            years -= 1;
        }
        years.max(0) as u32
    }

    /// The date in the Japanese era calendar, e.g. `昭和55年4月1日`, `令和元年5月1日`.
    ///
    /// Dates before 明治 (1868-10-23) are written with the Gregorian year, e.g. `1850年1月1日`.
    pub fn to_era_string(self) -> String {
        format!("{}{}月{}日", self.era_year_text(), self.month(), self.day())
    }

    /// The year of the date in the Japanese era calendar, e.g. `昭和55年`, `令和元年`
    /// (`1850年` before 明治).
    pub(super) fn era_year_text(self) -> String {
        match ERAS.iter().rev().find(|e| naive(e.first_day) <= self.0) {
            Some(era) => match self.year() - era.first_day.0 + 1 {
                1 => format!("{}元年", era.name),
                year => format!("{}{year}年", era.name),
            },
            None => format!("{}年", self.year()),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl FromStr for Date {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> String {
        Date::parse(s).unwrap().to_string()
    }

    fn err(s: &str) -> String {
        let e = Date::parse(s).unwrap_err();
        assert_eq!(e.field, "date");
        e.reason
    }

    #[test]
    fn gregorian_forms() {
        for s in [
            "1980-04-01",
            "1980/04/01",
            "1980/4/1",
            "19800401",
            "1980年4月1日",
            " 1980-4-1 ",
            "１９８０－０４－０１",
        ] {
            assert_eq!(d(s), "1980-04-01", "{s}");
        }
    }

    #[test]
    fn era_forms() {
        for s in [
            "S55.4.1",
            "s55.4.1",
            "S55/4/1",
            "S55-4-1",
            "S55.04.01",
            "昭和55年4月1日",
            "昭和55.4.1",
            "昭和55/4/1",
            "昭55.4.1",
            "昭55/4/1",
            "昭55-4-1",
            "昭55年4月1日",
            "Ｓ５５．４．１",
            "Ｓ５５／４／１",
            "昭５５．４．１",
            "昭和５５年４月１日",
            "㍼55年4月1日",
        ] {
            assert_eq!(d(s), "1980-04-01", "{s}");
        }
        assert_eq!(d("令和元年5月1日"), "2019-05-01");
        assert_eq!(d("R1.5.1"), "2019-05-01");
        assert_eq!(d("R元.5.1"), "2019-05-01");
        assert_eq!(d("令元.5.1"), "2019-05-01");
        assert_eq!(d("R7.6.30"), "2025-06-30");
        assert_eq!(d("令7.6.30"), "2025-06-30");
        assert_eq!(d("H1.1.8"), "1989-01-08");
        assert_eq!(d("H元.1.8"), "1989-01-08");
        assert_eq!(d("平元.1.8"), "1989-01-08");
        assert_eq!(d("Ｈ元．１．８"), "1989-01-08");
        assert_eq!(d("h31.4.30"), "2019-04-30");
        assert_eq!(d("T1.7.30"), "1912-07-30");
        assert_eq!(d("大元.7.30"), "1912-07-30");
        assert_eq!(d("大15.12.24"), "1926-12-24");
        assert_eq!(d("M45.7.29"), "1912-07-29");
        assert_eq!(d("明45.7.29"), "1912-07-29");
        assert_eq!(d("明治元年10月23日"), "1868-10-23");
        assert_eq!(d("大正15年12月24日"), "1926-12-24");
        assert_eq!(d("昭和元年12月25日"), "1926-12-25");
    }

    #[test]
    fn abbreviations_need_a_year_after_them() {
        for s in [
            "大阪",
            "昭",
            "昭.4.1",
            "令和",
            "平成年1月8日",
            "明治 45.7.29",
            "昭和55.4",
        ] {
            assert!(Date::parse(s).is_err(), "{s}");
        }
        assert!(err("大阪").starts_with("\"大阪\" is not a date; expected"));
    }

    #[test]
    fn the_era_table_leaves_no_gap_and_no_overlap_but_the_shared_days() {
        for pair in ERAS.windows(2) {
            let last = naive(pair[0].last_day.expect("only the last era is open"));
            let next_first = naive(pair[1].first_day);
            assert!(
                last == next_first || last.succ_opt() == Some(next_first),
                "{} ends {last}, {} begins {next_first}",
                pair[0].name,
                pair[1].name
            );
        }
        assert!(ERAS[ERAS.len() - 1].last_day.is_none());
    }

    #[test]
    fn days_two_eras_share_take_both_names() {
        for (old, new, iso) in [
            ("明治45年7月30日", "大正元年7月30日", "1912-07-30"),
            ("大正15年12月25日", "昭和元年12月25日", "1926-12-25"),
            ("M45.7.30", "T1.7.30", "1912-07-30"),
            ("大15.12.25", "昭元.12.25", "1926-12-25"),
        ] {
            assert_eq!(d(old), iso, "{old}");
            assert_eq!(d(new), iso, "{new}");
        }
    }

    #[test]
    fn one_day_beyond_an_era_is_refused() {
        assert_eq!(
            err("明治45年7月31日"),
            "明治45年7月31日 is after the last day of 明治 (1912-07-30)"
        );
        assert_eq!(
            err("大正元年7月29日"),
            "大正元年7月29日 is before the first day of 大正 (1912-07-30)"
        );
        assert_eq!(
            err("大正15年12月26日"),
            "大正15年12月26日 is after the last day of 大正 (1926-12-25)"
        );
        assert_eq!(
            err("昭和元年12月24日"),
            "昭和元年12月24日 is before the first day of 昭和 (1926-12-25)"
        );
        assert_eq!(
            err("平成31年5月1日"),
            "平成31年5月1日 is after the last day of 平成 (2019-04-30)"
        );
        assert_eq!(
            err("令和元年4月30日"),
            "令和元年4月30日 is before the first day of 令和 (2019-05-01)"
        );
        assert!(Date::parse("明45.7.31").is_err());
        assert!(Date::parse("S1.12.24").is_err());
    }

    #[test]
    fn a_long_number_is_not_echoed() {
        let reason = err("123456789018");
        assert!(!reason.contains("123456789018"), "{reason}");
        assert!(reason.starts_with("the text is not a date"), "{reason}");
    }

    #[test]
    fn impossible_and_malformed_dates() {
        assert_eq!(err("2023-02-30"), "2023-02-30 is not a date");
        assert_eq!(err("昭和55年2月30日"), "昭和55年2月30日 is not a date");
        assert!(Date::parse("2023-13-01").is_err());
        assert!(Date::parse("2023-00-10").is_err());
        assert_eq!(err("1799-12-31"), "year 1799 is outside 1800..=2200");
        assert!(Date::parse("2201-01-01").is_err());
        assert!(Date::parse("1800-01-01").is_ok());
        assert!(Date::parse("2200-12-31").is_ok());
        for s in [
            "",
            "80-4-1",
            "1980.4",
            "1980-4-1-2",
            "1980-4/1",
            "1980041",
            "X55.4.1",
            "S",
            "昭和55年4月1",
            "tomorrow",
        ] {
            assert!(Date::parse(s).is_err(), "{s}");
        }
        assert_eq!(err(""), "empty");
    }

    #[test]
    fn numbers_and_parts() {
        let date = Date::from_ymd(1980, 4, 1).unwrap();
        assert_eq!((date.year(), date.month(), date.day()), (1980, 4, 1));
        assert_eq!(date.to_yyyymmdd(), 19800401);
        assert_eq!(Date::from_yyyymmdd(19800401), Ok(date));
        assert!(Date::from_yyyymmdd(20230230).is_err());
        assert!(Date::from_ymd(2023, 2, 29).is_err());
        assert!(Date::from_ymd(2024, 2, 29).is_ok());
        assert_eq!("1980-04-01".parse::<Date>(), Ok(date));
    }

    #[test]
    fn arithmetic() {
        let a = Date::from_ymd(2024, 2, 28).unwrap();
        assert_eq!(a.add_days(1).to_string(), "2024-02-29");
        assert_eq!(a.add_days(2).to_string(), "2024-03-01");
        assert_eq!(a.add_days(-59).to_string(), "2023-12-31");
        assert_eq!(a.days_until(a.add_days(366)), 366);
        assert_eq!(a.add_days(366).days_until(a), -366);
        assert_eq!(a.add_days(i64::MAX).to_string(), "2200-12-31");
        assert_eq!(a.add_days(i64::MIN).to_string(), "1800-01-01");
    }

    #[test]
    fn ages() {
        let birth = Date::from_ymd(1980, 4, 1).unwrap();
        let on = |s: &str| Date::parse(s).unwrap();
        assert_eq!(birth.age_on(on("2025-03-31")), 44);
        assert_eq!(birth.age_on(on("2025-04-01")), 45);
        assert_eq!(birth.age_on(birth), 0);
        assert_eq!(birth.age_on(on("1970-01-01")), 0);
        let leap = Date::from_ymd(2000, 2, 29).unwrap();
        assert_eq!(leap.age_on(on("2001-02-28")), 0);
        assert_eq!(leap.age_on(on("2001-03-01")), 1);
        assert_eq!(leap.age_on(on("2004-02-29")), 4);
    }

    #[test]
    fn era_output() {
        assert_eq!(
            Date::parse("1980-04-01").unwrap().to_era_string(),
            "昭和55年4月1日"
        );
        assert_eq!(
            Date::parse("2019-05-01").unwrap().to_era_string(),
            "令和元年5月1日"
        );
        assert_eq!(
            Date::parse("1989-01-07").unwrap().to_era_string(),
            "昭和64年1月7日"
        );
        assert_eq!(
            Date::parse("1989-01-08").unwrap().to_era_string(),
            "平成元年1月8日"
        );
        assert_eq!(
            Date::parse("1850-01-01").unwrap().to_era_string(),
            "1850年1月1日"
        );
        // A day two eras share is written with the new era.
        assert_eq!(
            Date::parse("明治45年7月30日").unwrap().to_era_string(),
            "大正元年7月30日"
        );
        assert_eq!(
            Date::parse("1926-12-25").unwrap().to_era_string(),
            "昭和元年12月25日"
        );
        assert_eq!(
            Date::parse("1926-12-24").unwrap().to_era_string(),
            "大正15年12月24日"
        );
        for s in [
            "1868-10-23",
            "1912-07-29",
            "1912-07-30",
            "1926-12-25",
            "1989-01-07",
            "2019-04-30",
            "2019-05-01",
            "2025-06-30",
        ] {
            let date = Date::parse(s).unwrap();
            assert_eq!(Date::parse(&date.to_era_string()), Ok(date), "{s}");
        }
    }

    #[test]
    fn today_is_in_range() {
        let today = Date::today_jst();
        assert!(today.year() >= 2024);
    }
}
