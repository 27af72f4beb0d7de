//! [`AddressParts`]: an address inside the municipality as the 住民票 keeps it apart — the
//! 町字 (with its ward), 丁目・番地・号 as numbers, the 方書, and the area codes of the 町字 —
//! fixed when the address is written, by the dictionary version in force on the 異動日.
//!
//! The parts are stored with the version, beside the written address, as one entry of the
//! record's item list under a tag of their own ([`PART_TAG`], never an [`crate::model::Item`]
//! tag): they are derived from the address, so no statement or import sets them, and a later
//! dictionary version does not change what an earlier version recorded.
//!
//! Invariants: a town name is not empty; `ban` is at least 1, and so are `chome` and `go`
//! when present; area keys are unique and sorted; [`AddressParts::from_tagged`] of
//! [`AddressParts::to_tagged`] gives the same parts back (tested).

use std::collections::BTreeMap;

use super::{BlockNumbers, Inside};
use crate::model::{Date, InvalidValue};

/// The item-list tag the parts are stored under, above every item's tag: one entry, its
/// value the parts joined by [`SEPARATOR`] (dictionary date, ward, 町字, 丁目, 番地, 号, 方書,
/// area codes), so that a version pays one short entry for them.
pub const PART_TAG: u16 = 1000;

/// Joins the stored parts: the unit separator, which no validated text holds.
const SEPARATOR: char = '\u{1f}';

/// Whether a stored tag is the address parts'.
pub fn is_part_tag(tag: u16) -> bool {
    tag == PART_TAG
}

/// The kinds of area code STATS counts by, each a key of the dictionary's `areas` column
/// (docs/address-dictionary.md). A dictionary may hold other keys too; they are stored and
/// shown, not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AreaKind {
    /// 自治会.
    Association,
    /// 町内会.
    Neighborhood,
    /// 小学校区.
    ElementarySchool,
    /// 中学校区.
    JuniorHighSchool,
    /// 投票区.
    Precinct,
}

impl AreaKind {
    /// Every kind, in display order.
    pub const ALL: [AreaKind; 5] = [
        AreaKind::Association,
        AreaKind::Neighborhood,
        AreaKind::ElementarySchool,
        AreaKind::JuniorHighSchool,
        AreaKind::Precinct,
    ];

    /// The key in the dictionary's `areas` column, and the STATS dimension's name.
    pub fn key(self) -> &'static str {
        match self {
            AreaKind::Association => "association",
            AreaKind::Neighborhood => "neighborhood",
            AreaKind::ElementarySchool => "elementary_school",
            AreaKind::JuniorHighSchool => "junior_high_school",
            AreaKind::Precinct => "precinct",
        }
    }

    /// The name on a 住民票 or a count.
    pub fn label(self) -> &'static str {
        match self {
            AreaKind::Association => "自治会",
            AreaKind::Neighborhood => "町内会",
            AreaKind::ElementarySchool => "小学校区",
            AreaKind::JuniorHighSchool => "中学校区",
            AreaKind::Precinct => "投票区",
        }
    }
}

/// An address inside the municipality, in parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressParts {
    /// The first day of the dictionary version that placed the address.
    pub dictionary: Date,
    /// The ward (区) of a 政令指定都市.
    pub ward: Option<String>,
    /// The 町字 as the dictionary writes it.
    pub town: String,
    /// 丁目, 番地 and 号.
    pub numbers: BlockNumbers,
    /// The 方書 (building, room), if written.
    pub katagaki: Option<String>,
    /// The area codes of the 町字 (自治会, 小学校区 …: key → value) in that dictionary.
    pub areas: BTreeMap<String, String>,
}

impl AddressParts {
    /// The parts of an address placed inside by the dictionary version in force from
    /// `dictionary`.
    pub fn of(inside: &Inside<'_>, dictionary: Date) -> AddressParts {
        AddressParts {
            dictionary,
            ward: inside.town.ward().map(str::to_owned),
            town: inside.town.name().to_owned(),
            numbers: inside.numbers,
            katagaki: inside.katagaki.clone(),
            areas: inside.town.areas().clone(),
        }
    }

    /// The 町字 with its ward, as STATS counts by it: `精道町`, `北区梅田`.
    pub fn town_with_ward(&self) -> String {
        format!("{}{}", self.ward.as_deref().unwrap_or_default(), self.town)
    }

    /// The area code of `kind`, if the 町字 has one.
    pub fn area(&self, kind: AreaKind) -> Option<&str> {
        self.areas.get(kind.key()).map(String::as_str)
    }

    /// 丁目・番地・号 as written on a 住民票 in short: `7-6`, `2丁目8-9`, `12`.
    pub fn block(&self) -> String {
        let n = self.numbers;
        let mut s = n.chome.map(|c| format!("{c}丁目")).unwrap_or_default();
        s.push_str(&n.ban.to_string());
        if let Some(go) = n.go {
            s.push_str(&format!("-{go}"));
        }
        s
    }

    /// 丁目・番地・号 as [`AddressParts::block`] writes them (`7`, `7-6`, `2丁目8`,
    /// `2丁目8-9`); `None` for anything else.
    pub fn parse_block(s: &str) -> Option<BlockNumbers> {
        let positive = |t: &str| t.parse::<u32>().ok().filter(|n| *n > 0);
        let (chome, rest) = match s.split_once("丁目") {
            Some((c, rest)) => (Some(positive(c)?), rest),
            None => (None, s),
        };
        let (ban, go) = match rest.split_once('-') {
            Some((b, g)) => (positive(b)?, Some(positive(g)?)),
            None => (positive(rest)?, None),
        };
        Some(BlockNumbers { chome, ban, go })
    }

    /// Area codes as [`AddressParts::areas_text`] writes them.
    pub fn parse_areas(text: &str) -> Result<BTreeMap<String, String>, InvalidValue> {
        let bad = |what: &str| InvalidValue::new("area codes", what.to_string());
        let mut areas = BTreeMap::new();
        for pair in text.split(';').filter(|p| !p.is_empty()) {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| bad("expected key=value pairs joined by ;"))?;
            if areas.insert(k.to_owned(), v.to_owned()).is_some() {
                return Err(bad("an area key twice"));
            }
        }
        Ok(areas)
    }

    /// The area codes as `key=value` pairs joined by `;`, in key order; empty when none.
    pub fn areas_text(&self) -> String {
        let pairs: Vec<String> = self.areas.iter().map(|(k, v)| format!("{k}={v}")).collect();
        pairs.join(";")
    }

    /// The parts as stored: one `(tag, text)` entry.
    pub fn to_tagged(&self) -> Vec<(u16, String)> {
        let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
        let fields = [
            self.dictionary.to_yyyymmdd().to_string(),
            self.ward.clone().unwrap_or_default(),
            self.town.clone(),
            number(self.numbers.chome),
            self.numbers.ban.to_string(),
            number(self.numbers.go),
            self.katagaki.clone().unwrap_or_default(),
            self.areas_text(),
        ];
        vec![(PART_TAG, fields.join(&SEPARATOR.to_string()))]
    }

    /// The parts from a stored item list (other tags are skipped); `None` when the list
    /// holds none (an address written without a municipality, or before the parts were
    /// kept). Anything else that does not read back is an error.
    pub fn from_tagged<'a>(
        mut tagged: impl Iterator<Item = (u16, &'a str)>,
    ) -> Result<Option<AddressParts>, InvalidValue> {
        match tagged.find(|(t, _)| is_part_tag(*t)) {
            Some((_, v)) => Self::from_stored(v).map(Some),
            None => Ok(None),
        }
    }

    fn from_stored(v: &str) -> Result<AddressParts, InvalidValue> {
        let bad = |what: &str| InvalidValue::new("address parts", what.to_string());
        let fields: Vec<&str> = v.split(SEPARATOR).collect();
        let [dictionary, ward, town, chome, ban, go, katagaki, areas] = fields[..] else {
            return Err(bad(&format!("{} fields, not 8", fields.len())));
        };
        let number = |v: &str, what: &str| match v.parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(bad(&format!("{what} {v:?} is not a positive number"))),
        };
        let optional = |v: &str, what: &str| match v {
            "" => Ok(None),
            v => number(v, what).map(Some),
        };
        let text = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        let day = dictionary
            .parse::<u32>()
            .map_err(|_| bad("dictionary date"))?;
        if town.is_empty() {
            return Err(bad("an empty 町字"));
        }
        let area_map = Self::parse_areas(areas)?;
        Ok(AddressParts {
            dictionary: Date::from_yyyymmdd(day)?,
            ward: text(ward),
            town: town.to_owned(),
            numbers: BlockNumbers {
                chome: optional(chome, "丁目")?,
                ban: number(ban, "番地")?,
                go: optional(go, "号")?,
            },
            katagaki: text(katagaki),
            areas: area_map,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Address, Placement, TownDictionary};

    fn parts_of(text: &str) -> AddressParts {
        let dictionary = TownDictionary::ashiya();
        let address = Address::parse(text).unwrap();
        let Ok(Placement::Inside(inside)) = dictionary.place(&address) else {
            panic!("{text} is not inside");
        };
        AddressParts::of(&inside, Date::from_ymd(2020, 1, 1).unwrap())
    }

    fn round_trip(p: &AddressParts) -> AddressParts {
        let tagged = p.to_tagged();
        assert_eq!(tagged.len(), 1, "{tagged:?}");
        AddressParts::from_tagged(tagged.iter().map(|(t, v)| (*t, v.as_str())))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn an_address_in_parts_reads_back() {
        let p = parts_of("兵庫県芦屋市精道町7番6号 コーポ芦屋101");
        assert_eq!(p.town, "精道町");
        assert_eq!(p.block(), "7-6");
        assert_eq!(p.katagaki.as_deref(), Some("コーポ芦屋101"));
        assert_eq!(round_trip(&p), p);
        let mut with_areas = parts_of("芦屋市打出町2-3");
        assert_eq!(with_areas.katagaki, None);
        with_areas.ward = Some("北区".into());
        with_areas.numbers.chome = Some(2);
        with_areas.areas.insert("school".into(), "精道".into());
        with_areas.areas.insert("district".into(), "3".into());
        assert_eq!(with_areas.block(), "2丁目2-3");
        assert_eq!(with_areas.areas_text(), "district=3;school=精道");
        assert_eq!(with_areas.town_with_ward(), "北区打出町");
        assert_eq!(round_trip(&with_areas), with_areas);
    }

    #[test]
    fn blocks_and_areas_read_back() {
        let mut p = parts_of("芦屋市精道町7-6");
        for s in ["7", "7-6", "2丁目8", "2丁目8-9"] {
            p.numbers = AddressParts::parse_block(s).unwrap();
            assert_eq!(p.block(), s);
        }
        for s in ["", "0", "7-", "-6", "丁目7", "2丁目", "x"] {
            assert_eq!(AddressParts::parse_block(s), None, "{s}");
        }
        p.areas.insert("precinct".into(), "3".into());
        p.areas.insert("school".into(), "精道".into());
        assert_eq!(AddressParts::parse_areas(&p.areas_text()).unwrap(), p.areas);
        assert!(AddressParts::parse_areas("a=1;a=2").is_err());
        assert!(AddressParts::parse_areas("a").is_err());
    }

    #[test]
    fn no_parts_and_damaged_parts() {
        let none = AddressParts::from_tagged([(1u16, "東京都")].into_iter()).unwrap();
        assert_eq!(none, None);
        let u = SEPARATOR;
        for damaged in [
            format!("20200101{u}{u}精道町{u}{u}7{u}6{u}"),
            format!("20200101{u}{u}精道町{u}{u}0{u}{u}{u}"),
            format!("20200101{u}{u}{u}{u}7{u}{u}{u}"),
            format!("2020{u}{u}精道町{u}{u}7{u}{u}{u}"),
            format!("20200101{u}{u}精道町{u}{u}7{u}{u}{u}x"),
            format!("20200101{u}{u}精道町{u}x{u}7{u}{u}{u}"),
        ] {
            let got = AddressParts::from_tagged([(PART_TAG, damaged.as_str())].into_iter());
            assert!(got.is_err(), "{damaged:?}: {got:?}");
        }
    }
}
