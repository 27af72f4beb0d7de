//! The record of a DV等支援措置 (住基法第12条第6項, 住民基本台帳事務処理要領 第5-10): its kind,
//! the authority that confirmed the need for it, and the days it runs.
//!
//! Invariants:
//! * a measure's `from` is never after its `until`; both days are inclusive;
//! * [`MeasureKind::ALL`] are the kinds a measure is set with; [`MeasureKind::Unrecorded`]
//!   is only read, from a measure set before kinds were recorded (format 5 and earlier);
//! * an [`Authority`] is NFKC text of 1 to [`AUTHORITY_MAX_CHARS`] characters without
//!   control characters, its spaces folded (`model::text::written`).
//!
//! The rule of the year: a measure runs one year from its first day (until the day before
//! the same day a year on, [`one_year_from`]); an extension ([`extension_opens`]) is accepted
//! from one month before its last day until that day, and runs another year from the day
//! after it.

use crate::model::{Date, InvalidValue};
use chrono::{Datelike, Months};
use std::fmt;

/// Why the support measure is given (事務処理要領 第5-10 の支援対象者).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MeasureKind {
    /// 配偶者からの暴力 (DV防止法).
    Dv,
    /// ストーカー行為等 (ストーカー規制法).
    Stalking,
    /// 児童虐待 (児童虐待防止法).
    ChildAbuse,
    /// その他これらに準ずる (性犯罪の被害者、親族からの暴力 …).
    Other,
    /// Set before the kind was recorded (a measure a format-5 register held); never given.
    Unrecorded,
}

impl MeasureKind {
    /// The kinds a measure is set with, in their codes' order.
    pub const ALL: [MeasureKind; 4] = [
        MeasureKind::Dv,
        MeasureKind::Stalking,
        MeasureKind::ChildAbuse,
        MeasureKind::Other,
    ];

    /// The stored code (0 for [`MeasureKind::Unrecorded`]).
    pub fn code(self) -> u8 {
        match self {
            MeasureKind::Unrecorded => 0,
            MeasureKind::Dv => 1,
            MeasureKind::Stalking => 2,
            MeasureKind::ChildAbuse => 3,
            MeasureKind::Other => 4,
        }
    }

    /// The kind of a stored code.
    pub fn from_code(code: u8) -> Option<MeasureKind> {
        std::iter::once(MeasureKind::Unrecorded)
            .chain(MeasureKind::ALL)
            .find(|k| k.code() == code)
    }

    /// The key written in RESTRICT … KIND `<key>`.
    pub fn key(self) -> &'static str {
        match self {
            MeasureKind::Dv => "dv",
            MeasureKind::Stalking => "stalking",
            MeasureKind::ChildAbuse => "child_abuse",
            MeasureKind::Other => "other",
            MeasureKind::Unrecorded => "unrecorded",
        }
    }

    /// The kind's name in Japanese.
    pub fn japanese(self) -> &'static str {
        match self {
            MeasureKind::Dv => "配偶者からの暴力",
            MeasureKind::Stalking => "ストーカー行為等",
            MeasureKind::ChildAbuse => "児童虐待",
            MeasureKind::Other => "その他これらに準ずる",
            MeasureKind::Unrecorded => "記録なし",
        }
    }

    /// Reads a kind by its key (`dv`, `stalking`, `child_abuse`, `other`, any case) or its
    /// Japanese name (`DV`, `ストーカー`, `児童虐待`, `その他` also read).
    pub fn parse(input: &str) -> Result<MeasureKind, InvalidValue> {
        let s = input.trim().to_lowercase();
        let short = |k: MeasureKind| match k {
            MeasureKind::Stalking => Some("ストーカー"),
            MeasureKind::Other => Some("その他"),
            _ => None,
        };
        MeasureKind::ALL
            .into_iter()
            .find(|k| s == k.key() || s == k.japanese() || short(*k) == Some(s.as_str()))
            .ok_or_else(|| {
                let keys: Vec<&str> = MeasureKind::ALL.iter().map(|k| k.key()).collect();
                InvalidValue::new(
                    "kind",
                    format!("not a kind of support measure; one of {}", keys.join(", ")),
                )
            })
    }
}

impl fmt::Display for MeasureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The most characters an [`Authority`] holds (the longest 相談機関 names are well under).
pub const AUTHORITY_MAX_CHARS: usize = 60;

/// The 相談機関 that confirmed the need for the measure (警察署, 配偶者暴力相談支援センター,
/// 児童相談所 …) or the court that issued a 保護命令: printable text, bounded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Authority(String);

impl Authority {
    /// Reads the authority's name (see the module's invariants).
    pub fn parse(input: &str) -> Result<Authority, InvalidValue> {
        crate::model::text::written(input, "authority", AUTHORITY_MAX_CHARS).map(Authority)
    }

    /// The text as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A stored text, read back as it was written (empty for an unrecorded authority).
    pub(crate) fn from_stored(s: &str) -> Authority {
        Authority(s.to_string())
    }
}

impl fmt::Display for Authority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A support measure as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    /// Why.
    pub kind: MeasureKind,
    /// Who confirmed the need (empty only for [`MeasureKind::Unrecorded`]).
    pub authority: Authority,
    /// The first day it runs.
    pub from: Date,
    /// The last day it runs.
    pub until: Date,
}

/// The stored value of a measure: `(from, until, kind code, authority)`.
pub(crate) type StoredMeasure<'a> = (u32, u32, u8, &'a str);

impl Measure {
    /// Whether the measure runs on `day`.
    pub fn in_force(&self, day: Date) -> bool {
        self.from <= day && day <= self.until
    }

    pub(crate) fn to_stored(&self) -> StoredMeasure<'_> {
        (
            self.from.to_yyyymmdd(),
            self.until.to_yyyymmdd(),
            self.kind.code(),
            self.authority.as_str(),
        )
    }

    pub(crate) fn from_stored(v: StoredMeasure<'_>) -> Result<Measure, InvalidValue> {
        let (from, until, kind, authority) = v;
        Ok(Measure {
            kind: MeasureKind::from_code(kind)
                .ok_or_else(|| InvalidValue::new("kind", format!("stored code {kind}")))?,
            authority: Authority::from_stored(authority),
            from: Date::from_yyyymmdd(from)?,
            until: Date::from_yyyymmdd(until)?,
        })
    }
}

fn from_naive(d: chrono::NaiveDate) -> Date {
    Date::from_ymd(d.year(), d.month(), d.day()).expect("a day chrono made is a real date")
}

/// The last day of a measure that runs one year from `from`: the day before the same day a
/// year on (2026-12-01 → 2027-11-30; 2028-02-29 → 2029-02-28).
pub fn one_year_from(from: Date) -> Date {
    let year = from.year() + 1;
    // A 29 February has no same day a year on: the measure runs until the day before 1 March.
    Date::from_ymd(year, from.month(), from.day())
        .or_else(|_| Date::from_ymd(year, 3, 1))
        .map(|d| d.add_days(-1))
        .unwrap_or(from)
}

/// The first day an extension of a measure that ends on `until` is accepted: the same day a
/// month before (2027-11-30 → 2027-10-30).
pub fn extension_opens(until: Date) -> Date {
    match until.naive().checked_sub_months(Months::new(1)) {
        Some(d) => from_naive(d),
        None => until,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn kinds_round_trip_through_their_codes_and_keys() {
        for k in MeasureKind::ALL {
            assert_eq!(MeasureKind::from_code(k.code()), Some(k));
            assert_eq!(MeasureKind::parse(k.key()).unwrap(), k);
            assert_eq!(MeasureKind::parse(k.japanese()).unwrap(), k);
        }
        assert_eq!(MeasureKind::parse("DV").unwrap(), MeasureKind::Dv);
        assert_eq!(
            MeasureKind::parse("ストーカー").unwrap(),
            MeasureKind::Stalking
        );
        assert_eq!(
            MeasureKind::from_code(0),
            Some(MeasureKind::Unrecorded),
            "read, never given"
        );
        assert!(MeasureKind::parse("unrecorded").is_err());
        assert!(MeasureKind::parse("").is_err());
        assert_eq!(MeasureKind::from_code(9), None);
    }

    #[test]
    fn an_authority_is_bounded_printable_text() {
        assert_eq!(
            Authority::parse(" 芦屋警察署　生活安全課 ")
                .unwrap()
                .as_str(),
            "芦屋警察署 生活安全課"
        );
        assert!(Authority::parse("").is_err());
        assert!(Authority::parse("警察署\u{7}").is_err());
        assert!(Authority::parse(&"署".repeat(AUTHORITY_MAX_CHARS + 1)).is_err());
        assert!(Authority::parse(&"署".repeat(AUTHORITY_MAX_CHARS)).is_ok());
    }

    #[test]
    fn a_year_less_a_day_and_the_month_before_the_end() {
        assert_eq!(one_year_from(d("2026-12-01")), d("2027-11-30"));
        assert_eq!(one_year_from(d("2028-02-29")), d("2029-02-28"));
        assert_eq!(one_year_from(d("2027-03-01")), d("2028-02-29"));
        assert_eq!(one_year_from(d("2027-01-01")), d("2027-12-31"));
        assert_eq!(extension_opens(d("2027-11-30")), d("2027-10-30"));
        assert_eq!(extension_opens(d("2027-03-31")), d("2027-02-28"));
        let m = Measure {
            kind: MeasureKind::Dv,
            authority: Authority::parse("芦屋警察署").unwrap(),
            from: d("2026-12-01"),
            until: d("2027-11-30"),
        };
        assert!(!m.in_force(d("2026-11-30")));
        assert!(m.in_force(d("2026-12-01")));
        assert!(m.in_force(d("2027-11-30")));
        assert!(!m.in_force(d("2027-12-01")));
        assert_eq!(Measure::from_stored(m.to_stored()).unwrap(), m);
    }
}
