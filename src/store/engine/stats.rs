//! 統計: population counts by sex, 5-year age band, 町字, status, ward and area code, now or as
//! of a date.
//!
//! Counts come from one pass over the versions table, grouped by resident, so an as-of
//! count costs the same as a current one.

use super::record::StoredRecord;
use super::tables::View;
use crate::model::{AreaKind, Date, PartialDate, Sex, Status};
use crate::store::error::Result;
use redb::ReadableTable;
use std::collections::BTreeMap;

/// A dimension to count by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatDim {
    /// 性別.
    Sex,
    /// 5-year age band on the reference date ("0-4", "5-9", …, "100+").
    Age,
    /// The 町字 of the address (with its ward, in a 政令指定都市).
    Town,
    /// active or removed. Without this dimension only active residents are counted.
    Status,
    /// The ward (行政区) of a 政令指定都市.
    Ward,
    /// An area code of the 町字 (自治会, 小学校区, 投票区 …).
    Area(AreaKind),
}

impl StatDim {
    /// The dimension's name as used in `STATS BY`.
    pub fn name(self) -> &'static str {
        match self {
            StatDim::Sex => "sex",
            StatDim::Age => "age",
            StatDim::Town => "town",
            StatDim::Status => "status",
            StatDim::Ward => "ward",
            StatDim::Area(kind) => kind.key(),
        }
    }
}

/// The value of a resident without the area or ward counted by.
pub const NO_AREA: &str = "(なし)";

/// One row of a count: the values of the dimensions, in the order asked, and the count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsRow {
    /// The dimension values.
    pub keys: Vec<String>,
    /// How many residents.
    pub count: u64,
}

/// The town of an address: the text after the city (市, or the 区 of a designated city, or
/// 郡…町/村) up to the first digit or block number. "芦屋市精道町7-6" → "精道町".
pub fn town_of(address: &str) -> String {
    let key = crate::model::address_key(address);
    let rest = match key.find('市') {
        Some(i) => &key[i + '市'.len_utf8()..],
        None => match key.find('郡') {
            Some(i) => {
                let after = &key[i + '郡'.len_utf8()..];
                match after.find(['町', '村']) {
                    Some(j) => &after[j + '町'.len_utf8()..],
                    None => after,
                }
            }
            None => key.as_str(),
        },
    };
    let rest = match rest.find('区') {
        Some(i)
            if i < rest
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(usize::MAX) =>
        {
            &rest[i + '区'.len_utf8()..]
        }
        _ => rest,
    };
    let end = rest
        .find(|c: char| c.is_ascii_digit() || c == '-')
        .unwrap_or(rest.len());
    let town = &rest[..end];
    if town.is_empty() {
        "(不明)".to_string()
    } else {
        town.to_string()
    }
}

/// The five-year band of the age on `on`; `不詳` when the birth date does not fix it (不詳,
/// or a year or month whose first and last day fall in different bands).
fn age_band(birth: u32, on: Date) -> String {
    let Ok(birth) = PartialDate::from_code(birth) else {
        return "?".into();
    };
    let band = |age: u32| if age >= 100 { 100 } else { age / 5 * 5 };
    let (Some(first), Some(last)) = (birth.first_day(), birth.last_day()) else {
        return "不詳".into();
    };
    let age = first.age_on(on);
    if band(age) != band(last.age_on(on)) {
        return "不詳".into();
    }
    if age >= 100 {
        "100+".into()
    } else {
        let low = age / 5 * 5;
        format!("{low}-{}", low + 4)
    }
}

pub(super) fn key_of(rec: &StoredRecord, dim: StatDim, on: Date) -> String {
    match dim {
        StatDim::Sex => Sex::from_code(rec.sex).map_or("?".into(), |s| s.to_string()),
        StatDim::Age => age_band(rec.birth, on),
        StatDim::Status => Status::from_code(rec.status).map_or("?".into(), |s| s.as_str().into()),
        // The parts stored with the version; an address written without them (no
        // municipality, or before they were kept) is read for its 町字.
        StatDim::Town => match rec.parts() {
            Ok(Some(p)) => p.town_with_ward(),
            _ => town_of(&rec.address),
        },
        StatDim::Ward => match rec.parts() {
            Ok(Some(p)) => p.ward.unwrap_or_else(|| NO_AREA.into()),
            _ => NO_AREA.into(),
        },
        StatDim::Area(kind) => match rec.parts() {
            Ok(Some(p)) => p.area(kind).unwrap_or(NO_AREA).to_owned(),
            _ => NO_AREA.into(),
        },
    }
}

/// Counts residents by `dims` as they stood on `as_of` (or now, with ages on `today`).
pub(crate) fn stats(
    t: &impl View,
    dims: &[StatDim],
    as_of: Option<Date>,
    today: Date,
) -> Result<Vec<StatsRow>> {
    let on = as_of.unwrap_or(today);
    let count_removed = dims.contains(&StatDim::Status);
    let mut counts: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    let mut tally = |rec: &StoredRecord| {
        if !count_removed && rec.status != Status::Active.code() {
            return;
        }
        let key = dims.iter().map(|d| key_of(rec, *d, on)).collect();
        *counts.entry(key).or_default() += 1;
    };
    match as_of {
        None => {
            // A resident with a version not yet in force (a 転出 notified ahead) is counted
            // as they stand today.
            let today = today.to_yyyymmdd();
            for entry in t.residents().iter()? {
                let (_, v) = entry?;
                let rec = StoredRecord::decode("residents", v.value())?;
                if rec.prefix_max > today {
                    if let Some(now) = t.as_of(rec.id, today)? {
                        tally(&now);
                    }
                } else {
                    tally(&rec);
                }
            }
        }
        Some(d) => {
            let date = d.to_yyyymmdd();
            let mut ids = Vec::new();
            for entry in t.codes().iter()? {
                let (_, v) = entry?;
                let (id, current) = v.value();
                if current {
                    ids.push(id);
                }
            }
            for id in ids {
                if let Some(rec) = t.as_of(id, date)? {
                    tally(&rec);
                }
            }
        }
    }
    if dims.is_empty() && counts.is_empty() {
        counts.insert(Vec::new(), 0);
    }
    Ok(counts
        .into_iter()
        .map(|(keys, count)| StatsRow { keys, count })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn towns() {
        assert_eq!(town_of("兵庫県芦屋市精道町7番6号"), "精道町");
        assert_eq!(town_of("芦屋市打出小槌町1-2 コーポ101"), "打出小槌町");
        assert_eq!(town_of("大阪市北区梅田1丁目1番"), "梅田");
    }

    #[test]
    fn bands() {
        let on = Date::from_ymd(2026, 4, 1).unwrap();
        assert_eq!(age_band(19800401, on), "45-49");
        assert_eq!(age_band(20260401, on), "0-4");
        assert_eq!(age_band(19200101, on), "100+");
    }
}
