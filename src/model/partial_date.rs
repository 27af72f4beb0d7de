//! Dates known only in part: the 不詳 of the 住民票's 生年月日, 住民となった日 and 消除日.
//!
//! A [`PartialDate`] is a whole day ([`Date`]), a month of a year ([`YearMonth`]), a year
//! ([`Year`]) or nothing at all (不詳). Invariants: every year lies in 1800..=2200 (the range
//! of [`Date`]) and every month in 1..=12, so each value but 不詳 has a first and a last day.
//! Input takes what [`Date::parse`] takes plus the shorter forms, Gregorian or era; an era
//! year or month must share at least one day with its era.
//!
//! The storage code is a `u32`: `yyyymmdd` for a day, `yyyymm00` for a month, `yyyy0000` for
//! a year, [`UNKNOWN_CODE`] for 不詳. Codes sort as the values do: a year before its months,
//! a month before its days, 不詳 last.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use super::date::{split_era_span, Date, EraSpan};
use super::error::InvalidValue;

const FIELD: &str = "date";
const MIN_YEAR: i32 = 1800;
const MAX_YEAR: i32 = 2200;

/// The storage code of 不詳.
pub const UNKNOWN_CODE: u32 = 99_999_999;

/// [`PartialDate::overlaps`] on two codes ([`PartialDate::code`]). A day, a month, a year and
/// 不詳 are nested ranges of the calendar: two of them share a day exactly when one holds
/// the other, that is when they agree on every part both know. So the codes are compared
/// part by part, with no calendar arithmetic: this runs once for every index entry of a
/// birth date known in part that a search reads.
pub fn codes_overlap(a: u32, b: u32) -> bool {
    if a == UNKNOWN_CODE || b == UNKNOWN_CODE {
        return true;
    }
    if a / 10_000 != b / 10_000 {
        return false;
    }
    let (a_month, b_month) = (a / 100 % 100, b / 100 % 100);
    if a_month == 0 || b_month == 0 {
        return true;
    }
    let (a_day, b_day) = (a % 100, b % 100);
    a_month == b_month && (a_day == 0 || b_day == 0 || a_day == b_day)
}

/// A Gregorian year in 1800..=2200, the year of a date whose month and day are 不詳.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Year(u16);

impl Year {
    /// The year `year`, refused outside 1800..=2200.
    pub fn new(year: i32) -> Result<Year, InvalidValue> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(InvalidValue::new(
                FIELD,
                format!("year {year} is outside {MIN_YEAR}..={MAX_YEAR}"),
            ));
        }
        Ok(Year(year as u16))
    }

    /// The year, e.g. 1980.
    pub fn get(self) -> i32 {
        i32::from(self.0)
    }

    /// 1 January of the year.
    pub fn first_day(self) -> Date {
        Date::from_ymd(self.get(), 1, 1).expect("a year in range has 1 January")
    }

    /// 31 December of the year.
    pub fn last_day(self) -> Date {
        Date::from_ymd(self.get(), 12, 31).expect("a year in range has 31 December")
    }
}

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

/// A month of a year (1800-01..=2200-12), the year and month of a date whose day is 不詳.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: Year,
    month: u8,
}

impl YearMonth {
    /// The month `month` of `year`, refused when the year is outside 1800..=2200 or the month
    /// outside 1..=12.
    pub fn new(year: i32, month: u32) -> Result<YearMonth, InvalidValue> {
        let year = Year::new(year)?;
        if !(1..=12).contains(&month) {
            return Err(InvalidValue::new(
                FIELD,
                format!("month {month} is not in 1..=12"),
            ));
        }
        Ok(YearMonth {
            year,
            month: month as u8,
        })
    }

    /// The year.
    pub fn year(self) -> Year {
        self.year
    }

    /// The month, 1..=12.
    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    /// The first day of the month.
    pub fn first_day(self) -> Date {
        Date::from_ymd(self.year.get(), self.month(), 1).expect("every month has a first day")
    }

    /// The last day of the month (29 February in a leap year).
    pub fn last_day(self) -> Date {
        (28..=31)
            .rev()
            .find_map(|day| Date::from_ymd(self.year.get(), self.month(), day).ok())
            .expect("every month has a 28th")
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

/// A date of the 住民票 that may be 不詳 in part or whole.
///
/// Canonical text: `1980-04-01`, `1980-04`, `1980`, `不詳`. Values order as their
/// [`codes`](PartialDate::code) do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartialDate {
    /// The whole date is known.
    Exact(Date),
    /// The day is 不詳.
    YearMonth(YearMonth),
    /// The month and day are 不詳.
    Year(Year),
    /// The date is 不詳.
    Unknown,
}

/// How a date text is cut up, before its numbers are read.
enum Shape<'a> {
    Year(&'a str),
    YearMonth(&'a str, &'a str),
    /// Year, month and day: what [`Date::parse`] reads.
    Full,
}

/// Cuts `rest` (the text after an era, or the whole text) into year, month and day parts:
/// `Y年`, `Y年M月`, `Y年M月D日`, `Y`, `YYYYMMDD`, or one to three numbers joined by one of
/// `.` `/` `-`.
fn shape(rest: &str, with_era: bool) -> Option<Shape<'_>> {
    if rest.is_empty() {
        return None;
    }
    if let Some((y, after)) = rest.split_once('年') {
        return Some(match after.split_once('月') {
            None if after.is_empty() => Shape::Year(y),
            None => return None,
            Some((m, "")) => Shape::YearMonth(y, m),
            Some(_) => Shape::Full,
        });
    }
    let year_digits = if with_era {
        rest.strip_prefix('元').unwrap_or(rest)
    } else {
        rest
    };
    let Some(sep) = year_digits.chars().find(|c| !c.is_ascii_digit()) else {
        return Some(if !with_era && rest.len() == 8 {
            Shape::Full
        } else {
            Shape::Year(rest)
        });
    };
    if !matches!(sep, '.' | '/' | '-') {
        return None;
    }
    let parts: Vec<&str> = rest.split(sep).collect();
    match parts[..] {
        [y, m] => Some(Shape::YearMonth(y, m)),
        [_, _, _] => Some(Shape::Full),
        _ => None,
    }
}

/// Reads 1..=`max_len` ASCII digits.
fn number(s: &str, max_len: usize) -> Option<u32> {
    if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The error for text that is no date form. The text is quoted unless it holds twelve or more
/// digits, which could be a My Number typed in the wrong place.
fn bad_format(text: &str) -> InvalidValue {
    let quoted = if text.chars().filter(char::is_ascii_digit).count() >= 12 {
        "the text".to_string()
    } else {
        format!("{text:?}")
    };
    InvalidValue::new(
        FIELD,
        format!(
            "{quoted} is not a date; expected YYYY-MM-DD, YYYY-MM, YYYY, an era date such as \
             昭和55年4月1日, 昭和55年4月, 昭和55年 or S55.4, or 不詳"
        ),
    )
}

impl PartialDate {
    /// Parses a date as typed, in whole or in part.
    ///
    /// Accepted: everything [`Date::parse`] accepts; a month `1980-04`, `1980/4`, `1980.4`,
    /// `1980年4月`, `昭和55年4月`, `昭55.4`, `S55.4`, `S55/4`; a year `1980`, `1980年`,
    /// `昭和55年`, `S55`, `昭和元年`; and `不詳` or `unknown` (any case) for [`Unknown`].
    /// Full-width input is accepted (NFKC).
    ///
    /// Refused: a month outside 1..=12, a year outside 1800..=2200, era year 0, and an era
    /// year or month that shares no day with its era (昭和64年2月, 令和元年4月, 昭和65年);
    /// whole dates are refused as [`Date::parse`] refuses them.
    ///
    /// [`Unknown`]: PartialDate::Unknown
    pub fn parse(input: &str) -> Result<PartialDate, InvalidValue> {
        let normalised: String = super::text::nfkc(input).collect();
        let text = normalised.trim();
        if text.is_empty() {
            return Err(InvalidValue::new(FIELD, "empty"));
        }
        if text == "不詳" || text.eq_ignore_ascii_case("unknown") {
            return Ok(PartialDate::Unknown);
        }
        if let Some((era, rest)) = split_era_span(text) {
            return match shape(rest, true).ok_or_else(|| bad_format(text))? {
                Shape::Full => Date::parse(text).map(PartialDate::Exact),
                Shape::Year(y) => from_era(&era, y, None).ok_or_else(|| bad_format(text))?,
                Shape::YearMonth(y, m) => {
                    from_era(&era, y, Some(m)).ok_or_else(|| bad_format(text))?
                }
            };
        }
        match shape(text, false).ok_or_else(|| bad_format(text))? {
            Shape::Full => Date::parse(text).map(PartialDate::Exact),
            Shape::Year(y) => {
                let y = year_number(y).ok_or_else(|| bad_format(text))?;
                Year::new(y as i32).map(PartialDate::Year)
            }
            Shape::YearMonth(y, m) => {
                let y = year_number(y).ok_or_else(|| bad_format(text))?;
                let m = number(m, 2).ok_or_else(|| bad_format(text))?;
                YearMonth::new(y as i32, m).map(PartialDate::YearMonth)
            }
        }
    }

    /// The value stored for this date: `yyyymmdd`, `yyyymm00`, `yyyy0000` or
    /// `UNKNOWN_CODE` (99,999,999).
    pub fn code(self) -> u32 {
        match self {
            PartialDate::Exact(d) => d.to_yyyymmdd(),
            PartialDate::YearMonth(ym) => ym.year.get() as u32 * 10_000 + ym.month() * 100,
            PartialDate::Year(y) => y.get() as u32 * 10_000,
            PartialDate::Unknown => UNKNOWN_CODE,
        }
    }

    /// The date a stored code stands for; refuses a code that is none of the four forms or
    /// names no real day, month or year in range (`19801300`, `19800230`, `0`).
    pub fn from_code(code: u32) -> Result<PartialDate, InvalidValue> {
        if code == UNKNOWN_CODE {
            return Ok(PartialDate::Unknown);
        }
        let (year, month, day) = ((code / 10_000) as i32, code / 100 % 100, code % 100);
        let date = match (month, day) {
            (0, 0) => Year::new(year).map(PartialDate::Year),
            (_, 0) => YearMonth::new(year, month).map(PartialDate::YearMonth),
            _ => Date::from_yyyymmdd(code).map(PartialDate::Exact),
        };
        date.map_err(|e| InvalidValue::new(FIELD, format!("code {code}: {}", e.reason)))
    }

    /// The first day the date can be (None for 不詳).
    pub fn first_day(self) -> Option<Date> {
        match self {
            PartialDate::Exact(d) => Some(d),
            PartialDate::YearMonth(ym) => Some(ym.first_day()),
            PartialDate::Year(y) => Some(y.first_day()),
            PartialDate::Unknown => None,
        }
    }

    /// The last day the date can be (None for 不詳).
    pub fn last_day(self) -> Option<Date> {
        match self {
            PartialDate::Exact(d) => Some(d),
            PartialDate::YearMonth(ym) => Some(ym.last_day()),
            PartialDate::Year(y) => Some(y.last_day()),
            PartialDate::Unknown => None,
        }
    }

    /// Whether `date` can be this date: the same day, a day of the month or year, or any day
    /// for 不詳.
    pub fn contains(self, date: Date) -> bool {
        match (self.first_day(), self.last_day()) {
            (Some(first), Some(last)) => first <= date && date <= last,
            _ => true,
        }
    }

    /// Whether the whole date is known.
    pub fn is_exact(self) -> bool {
        matches!(self, PartialDate::Exact(_))
    }

    /// The date when it is known whole.
    pub fn exact(self) -> Option<Date> {
        match self {
            PartialDate::Exact(d) => Some(d),
            _ => None,
        }
    }

    /// Whether the two dates can be the same day: their ranges share a day (不詳 shares
    /// every day). A search condition of a year finds a birth date of a day in it, of a month
    /// in it and of that year; a day finds the month and year that hold it.
    pub fn overlaps(self, other: PartialDate) -> bool {
        codes_overlap(self.code(), other.code())
    }

    /// Whether the date is surely after `date`: its first possible day is later (never for
    /// 不詳). A check that refuses a birth after the 異動日 refuses only this.
    pub fn surely_after(self, date: Date) -> bool {
        self.first_day().is_some_and(|first| first > date)
    }

    /// The age on `on` in whole years, when the date fixes it: the same age from the first
    /// and the last day the date can be; `None` otherwise (不詳, or a year or month that
    /// straddles a birthday on `on`).
    pub fn age_on(self, on: Date) -> Option<u32> {
        let (first, last) = (self.first_day()?, self.last_day()?);
        let age = first.age_on(on);
        (last.age_on(on) == age).then_some(age)
    }

    /// The date as the 住民票 writes it: `昭和55年4月1日`; a month or year whose rest is 不詳
    /// `昭和55年4月日不詳`, `昭和55年月日不詳` (the era of the first day of the month or
    /// year); `不詳`.
    pub fn to_era_string(self) -> String {
        match self {
            PartialDate::Exact(d) => d.to_era_string(),
            PartialDate::YearMonth(ym) => {
                format!("{}{}月日不詳", ym.first_day().era_year_text(), ym.month())
            }
            PartialDate::Year(y) => format!("{}月日不詳", y.first_day().era_year_text()),
            PartialDate::Unknown => "不詳".to_string(),
        }
    }
}

/// A 4-digit Gregorian year.
fn year_number(s: &str) -> Option<u32> {
    if s.len() == 4 {
        number(s, 4)
    } else {
        None
    }
}

/// The year or month `y`年 (`m`月) of `era`; None when `y` or `m` is not a number of the era
/// form (1..=3 digits or 元; 1..=2 digits), an error when it is no month or year of the era.
fn from_era(era: &EraSpan, y: &str, m: Option<&str>) -> Option<Result<PartialDate, InvalidValue>> {
    let era_year = if y == "元" { 1 } else { number(y, 3)? };
    let month = match m {
        Some(m) => Some(number(m, 2)?),
        None => None,
    };
    Some(era_partial(era, era_year, month))
}

/// The partial date of `era_year` (and `month`) of `era`, refused when it shares no day
/// with the era.
fn era_partial(
    era: &EraSpan,
    era_year: u32,
    month: Option<u32>,
) -> Result<PartialDate, InvalidValue> {
    if era_year == 0 {
        return Err(InvalidValue::new(
            FIELD,
            format!("{}0年 does not exist; the first year is 元年", era.name),
        ));
    }
    let year_text = if era_year == 1 {
        format!("{}元年", era.name)
    } else {
        format!("{}{era_year}年", era.name)
    };
    let text = match month {
        Some(m) => format!("{year_text}{m}月"),
        None => year_text,
    };
    let gregorian = era.first_day.year() + era_year as i32 - 1;
    let date = match month {
        Some(m) => YearMonth::new(gregorian, m).map(PartialDate::YearMonth),
        None => Year::new(gregorian).map(PartialDate::Year),
    }
    .map_err(|e| InvalidValue::new(FIELD, format!("{text}: {}", e.reason)))?;
    let (first, last) = (
        date.first_day().expect("not 不詳"),
        date.last_day().expect("not 不詳"),
    );
    if last < era.first_day {
        return Err(InvalidValue::new(
            FIELD,
            format!(
                "{text} is before the first day of {} ({})",
                era.name, era.first_day
            ),
        ));
    }
    if let Some(era_last) = era.last_day.filter(|&l| first > l) {
        return Err(InvalidValue::new(
            FIELD,
            format!("{text} is after the last day of {} ({era_last})", era.name),
        ));
    }
    Ok(date)
}

impl PartialOrd for PartialDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PartialDate {
    /// By [`code`](PartialDate::code): by year, a year before its months, a month before its
    /// days, 不詳 last.
    fn cmp(&self, other: &Self) -> Ordering {
        self.code().cmp(&other.code())
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartialDate::Exact(d) => d.fmt(f),
            PartialDate::YearMonth(ym) => ym.fmt(f),
            PartialDate::Year(y) => y.fmt(f),
            PartialDate::Unknown => f.write_str("不詳"),
        }
    }
}

impl FromStr for PartialDate {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PartialDate::parse(s)
    }
}

impl From<Date> for PartialDate {
    fn from(date: Date) -> Self {
        PartialDate::Exact(date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        PartialDate::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .to_string()
    }

    fn err(s: &str) -> String {
        let e = PartialDate::parse(s).unwrap_err();
        assert_eq!(e.field, "date");
        e.reason
    }

    fn day(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn whole_dates_are_read_as_date_reads_them() {
        for s in [
            "1980-04-01",
            "1980/4/1",
            "19800401",
            "1980年4月1日",
            "昭和55年4月1日",
            "S55.4.1",
            "昭55/4/1",
            "Ｓ５５．４．１",
        ] {
            assert_eq!(p(s), "1980-04-01", "{s}");
            assert!(PartialDate::parse(s).unwrap().is_exact());
        }
        assert_eq!(err("2023-02-30"), "2023-02-30 is not a date");
        assert_eq!(
            err("平成31年5月1日"),
            "平成31年5月1日 is after the last day of 平成 (2019-04-30)"
        );
    }

    #[test]
    fn months() {
        for s in [
            "1980-04",
            "1980-4",
            "1980/4",
            "1980.4",
            "1980年4月",
            "１９８０年４月",
            "昭和55年4月",
            "昭55年4月",
            "昭55.4",
            "S55.4",
            "s55/4",
            "S55-04",
            "Ｓ５５．４",
        ] {
            assert_eq!(p(s), "1980-04", "{s}");
        }
        assert_eq!(p("令和元年5月"), "2019-05");
        assert_eq!(p("R元.5"), "2019-05");
        assert_eq!(p("H元.1"), "1989-01");
    }

    #[test]
    fn years_and_unknown() {
        for s in [
            "1980",
            "1980年",
            "１９８０",
            "昭和55年",
            "昭55年",
            "昭和55",
            "S55",
            "s55",
        ] {
            assert_eq!(p(s), "1980", "{s}");
        }
        assert_eq!(p("昭和元年"), "1926");
        assert_eq!(p("令和元年"), "2019");
        for s in [
            "不詳",
            " 不詳 ",
            "unknown",
            "Unknown",
            "UNKNOWN",
            "ｕｎｋｎｏｗｎ",
        ] {
            assert_eq!(PartialDate::parse(s), Ok(PartialDate::Unknown), "{s}");
        }
        assert_eq!(p("不詳"), "不詳");
    }

    #[test]
    fn an_era_month_or_year_must_share_a_day_with_its_era() {
        assert_eq!(p("昭和64年1月"), "1989-01");
        assert_eq!(p("平成元年1月"), "1989-01");
        assert_eq!(p("昭和64年"), "1989");
        assert_eq!(p("大正15年12月"), "1926-12");
        assert_eq!(p("明治45年7月"), "1912-07");
        assert_eq!(
            err("昭和64年2月"),
            "昭和64年2月 is after the last day of 昭和 (1989-01-07)"
        );
        assert_eq!(
            err("令和元年4月"),
            "令和元年4月 is before the first day of 令和 (2019-05-01)"
        );
        assert_eq!(
            err("昭和65年"),
            "昭和65年 is after the last day of 昭和 (1989-01-07)"
        );
        assert_eq!(
            err("昭和0年"),
            "昭和0年 does not exist; the first year is 元年"
        );
        assert_eq!(
            err("S0.4"),
            "昭和0年 does not exist; the first year is 元年"
        );
        assert_eq!(
            err("令和999年"),
            "令和999年: year 3017 is outside 1800..=2200"
        );
        assert_eq!(
            err("昭和55年13月"),
            "昭和55年13月: month 13 is not in 1..=12"
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(err(""), "empty");
        assert_eq!(err("  "), "empty");
        assert_eq!(err("1980-13"), "month 13 is not in 1..=12");
        assert_eq!(err("1980年0月"), "month 0 is not in 1..=12");
        assert_eq!(err("0000"), "year 0 is outside 1800..=2200");
        assert_eq!(err("1799"), "year 1799 is outside 1800..=2200");
        assert_eq!(err("2201-01"), "year 2201 is outside 1800..=2200");
        assert!(err("198004").starts_with("\"198004\" is not a date; expected"));
        for s in [
            "80",
            "80-4",
            "1980-",
            "-1980",
            "1980-4-1-2",
            "1980-123",
            "1980年4",
            "1980年4日",
            "昭和",
            "S",
            "大阪",
            "不明",
            "tomorrow",
            "1980 4",
        ] {
            let e = err(s);
            assert!(e.contains("is not a date"), "{s}: {e}");
        }
        let reason = err("123456789018x");
        assert!(!reason.contains("123456789018"), "{reason}");
    }

    #[test]
    fn codes_round_trip() {
        for (s, code) in [
            ("1980-04-01", 19_800_401),
            ("1980-04", 19_800_400),
            ("1980", 19_800_000),
            ("不詳", UNKNOWN_CODE),
            ("1800", 18_000_000),
            ("2200-12-31", 22_001_231),
        ] {
            let d = PartialDate::parse(s).unwrap();
            assert_eq!(d.code(), code, "{s}");
            assert_eq!(PartialDate::from_code(code), Ok(d), "{s}");
            assert_eq!(PartialDate::parse(&d.to_string()), Ok(d), "{s}");
        }
    }

    #[test]
    fn bad_codes_are_refused() {
        for (code, reason) in [
            (19_801_300, "code 19801300: month 13 is not in 1..=12"),
            (0, "code 0: year 0 is outside 1800..=2200"),
            (19_800_230, "code 19800230: 1980-02-30 is not a date"),
            (19_800_013, "code 19800013: 1980-00-13 is not a date"),
            (
                17_991_231,
                "code 17991231: year 1799 is outside 1800..=2200",
            ),
            (
                99_999_998,
                "code 99999998: year 9999 is outside 1800..=2200",
            ),
        ] {
            let e = PartialDate::from_code(code).unwrap_err();
            assert_eq!(e.field, "date");
            assert_eq!(e.reason, reason);
        }
        assert!(PartialDate::from_code(u32::MAX).is_err());
        assert!(PartialDate::from_code(UNKNOWN_CODE + 1).is_err());
    }

    #[test]
    fn ranges() {
        let ym = PartialDate::parse("2024-02").unwrap();
        assert_eq!(ym.first_day(), Some(day("2024-02-01")));
        assert_eq!(ym.last_day(), Some(day("2024-02-29")));
        assert_eq!(
            PartialDate::parse("2023-02").unwrap().last_day(),
            Some(day("2023-02-28"))
        );
        assert_eq!(
            PartialDate::parse("1980-04").unwrap().last_day(),
            Some(day("1980-04-30"))
        );
        assert_eq!(
            PartialDate::parse("1980-12").unwrap().last_day(),
            Some(day("1980-12-31"))
        );
        let y = PartialDate::parse("1980").unwrap();
        assert_eq!(y.first_day(), Some(day("1980-01-01")));
        assert_eq!(y.last_day(), Some(day("1980-12-31")));
        let exact = PartialDate::from(day("1980-04-01"));
        assert_eq!(exact.first_day(), exact.last_day());
        assert_eq!(exact.exact(), Some(day("1980-04-01")));
        assert_eq!(ym.exact(), None);
        assert!(!ym.is_exact() && !PartialDate::Unknown.is_exact());
        assert_eq!(PartialDate::Unknown.first_day(), None);
        assert_eq!(PartialDate::Unknown.last_day(), None);
    }

    #[test]
    fn contains() {
        let ym = PartialDate::parse("2024-02").unwrap();
        assert!(ym.contains(day("2024-02-01")));
        assert!(ym.contains(day("2024-02-29")));
        assert!(!ym.contains(day("2024-01-31")));
        assert!(!ym.contains(day("2024-03-01")));
        let y = PartialDate::parse("1980").unwrap();
        assert!(y.contains(day("1980-01-01")) && y.contains(day("1980-12-31")));
        assert!(!y.contains(day("1981-01-01")) && !y.contains(day("1979-12-31")));
        let exact = PartialDate::parse("1980-04-01").unwrap();
        assert!(exact.contains(day("1980-04-01")));
        assert!(!exact.contains(day("1980-04-02")));
        assert!(PartialDate::Unknown.contains(day("1800-01-01")));
        assert!(PartialDate::Unknown.contains(day("2200-12-31")));
    }

    #[test]
    fn order_follows_the_code() {
        let mut v: Vec<PartialDate> = [
            "不詳",
            "1980-04-01",
            "1981",
            "1980-04",
            "1980",
            "1979-12-31",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        v.sort();
        let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "1979-12-31",
                "1980",
                "1980-04",
                "1980-04-01",
                "1981",
                "不詳"
            ]
        );
    }

    #[test]
    fn parts_are_validated() {
        assert!(Year::new(1800).is_ok() && Year::new(2200).is_ok());
        assert!(Year::new(0).is_err() && Year::new(2201).is_err());
        assert_eq!(YearMonth::new(1980, 4).unwrap().to_string(), "1980-04");
        assert_eq!(YearMonth::new(1980, 4).unwrap().month(), 4);
        assert_eq!(YearMonth::new(1980, 4).unwrap().year().get(), 1980);
        assert!(YearMonth::new(1980, 0).is_err());
        assert!(YearMonth::new(1980, 13).is_err());
        assert_eq!(Year::new(1980).unwrap().to_string(), "1980");
    }

    fn d(s: &str) -> PartialDate {
        PartialDate::parse(s).unwrap()
    }

    #[test]
    fn dates_overlap_when_they_can_be_the_same_day() {
        let pairs = [
            ("1980-04-01", "1980-04-01", true),
            ("1980-04-01", "1980-04-02", false),
            ("1980-04-01", "1980-04", true),
            ("1980-05-01", "1980-04", false),
            ("1980-04-01", "1980", true),
            ("1981-01-01", "1980", false),
            ("1980-04", "1980", true),
            ("1981-04", "1980", false),
            ("1980-04", "1980-05", false),
            ("1980", "1980", true),
            ("1979", "1980", false),
            ("不詳", "1980-04-01", true),
            ("不詳", "1980", true),
            ("不詳", "不詳", true),
        ];
        for (a, b, want) in pairs {
            assert_eq!(d(a).overlaps(d(b)), want, "{a} {b}");
            assert_eq!(d(b).overlaps(d(a)), want, "{b} {a}");
        }
    }

    /// The comparison of codes part by part agrees with the calendar: two dates overlap
    /// exactly when their first and last possible days make ranges that share a day. Every
    /// pair among the days, months and years around two year ends and a leap day.
    #[test]
    fn codes_overlap_as_the_ranges_of_days_do() {
        let mut dates = vec![PartialDate::Unknown];
        for year in [1979, 1980, 1981, 2000] {
            let y = Year::new(year).unwrap();
            dates.push(PartialDate::Year(y));
            for month in [1, 2, 3, 12] {
                dates.push(PartialDate::YearMonth(YearMonth::new(year, month).unwrap()));
                for day in [1, 2, 28, 29, 31] {
                    if let Ok(date) = Date::from_ymd(year, month, day) {
                        dates.push(PartialDate::Exact(date));
                    }
                }
            }
        }
        let by_range = |a: PartialDate, b: PartialDate| match (
            a.first_day().zip(a.last_day()),
            b.first_day().zip(b.last_day()),
        ) {
            (Some((a_first, a_last)), Some((b_first, b_last))) => {
                a_first <= b_last && b_first <= a_last
            }
            _ => true,
        };
        let mut overlapping = 0;
        for &a in &dates {
            for &b in &dates {
                let want = by_range(a, b);
                assert_eq!(codes_overlap(a.code(), b.code()), want, "{a} {b}");
                overlapping += usize::from(want);
            }
        }
        // Not every pair: the comparison is not trivially true.
        assert!(overlapping > dates.len() && overlapping < dates.len() * dates.len() / 2);
    }

    #[test]
    fn surely_after_needs_every_possible_day_later() {
        let on = Date::parse("1980-04-15").unwrap();
        assert!(d("1980-04-16").surely_after(on));
        assert!(!d("1980-04-15").surely_after(on));
        assert!(!d("1980-04").surely_after(on));
        assert!(d("1980-05").surely_after(on));
        assert!(!d("1980").surely_after(on));
        assert!(d("1981").surely_after(on));
        assert!(!d("不詳").surely_after(on));
    }

    #[test]
    fn an_age_only_when_the_date_fixes_it() {
        let on = Date::parse("2026-11-27").unwrap();
        assert_eq!(d("1961-02-03").age_on(on), Some(65));
        assert_eq!(d("1961-02").age_on(on), Some(65));
        // 1961-01-01 is 65, 1961-12-31 is 64.
        assert_eq!(d("1961").age_on(on), None);
        // Born on 1961-11-01 is 65 on 27 November, on 1961-11-30 still 64.
        assert_eq!(d("1961-10").age_on(on), Some(65));
        assert_eq!(d("1961-11").age_on(on), None);
        assert_eq!(d("1961-12").age_on(on), Some(64));
        assert_eq!(d("不詳").age_on(on), None);
    }

    #[test]
    fn era_strings_say_what_is_unknown() {
        assert_eq!(d("1961-02-03").to_era_string(), "昭和36年2月3日");
        assert_eq!(d("1961-02").to_era_string(), "昭和36年2月日不詳");
        assert_eq!(d("1961").to_era_string(), "昭和36年月日不詳");
        assert_eq!(d("2019-05").to_era_string(), "令和元年5月日不詳");
        assert_eq!(d("不詳").to_era_string(), "不詳");
        // A year's era is that of its first day: 1989 began in 昭和64年.
        assert_eq!(d("1989").to_era_string(), "昭和64年月日不詳");
        // Read back, each gives the same date.
        for s in ["1961-02", "1961", "2019-05", "1989"] {
            let era = d(s).to_era_string();
            let back = match era.strip_suffix("年月日不詳") {
                Some(year) => format!("{year}年"),
                None => era.strip_suffix("日不詳").unwrap().to_string(),
            };
            assert_eq!(d(&back), d(s), "{back}");
        }
    }
}
