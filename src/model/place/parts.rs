//! [`AddressParts`]: an address inside the municipality as the 住民票 keeps it apart — the
//! 町字 (with its ward), 丁目・番地・号 as numbers, the 方書, and the area codes of the 町字 —
//! fixed when the address is written, by the dictionary version in force on the 異動日.
//!
//! The parts are stored with the version, beside the written address, as tagged text in the
//! record's item list under tags of their own ([`PART_TAGS`], never an [`crate::model::Item`]
//! tag): they are derived from the address, so no statement or import sets them, and a later
//! dictionary version does not change what an earlier version recorded.
//!
//! Invariants: a town name is not empty; `ban` is at least 1, and so are `chome` and `go`
//! when present; area keys are unique and sorted; [`AddressParts::from_tagged`] of
//! [`AddressParts::to_tagged`] gives the same parts back (tested).

use std::collections::BTreeMap;
use std::ops::Range;

use super::{BlockNumbers, Inside};
use crate::model::{Date, InvalidValue};

/// The item-list tags the parts are stored under: 1000 and up, above every item's tag.
pub const PART_TAGS: Range<u16> = 1000..1100;

const TAG_DICTIONARY: u16 = 1000;
const TAG_WARD: u16 = 1001;
const TAG_TOWN: u16 = 1002;
const TAG_CHOME: u16 = 1003;
const TAG_BAN: u16 = 1004;
const TAG_GO: u16 = 1005;
const TAG_KATAGAKI: u16 = 1006;
const TAG_AREAS: u16 = 1007;

/// Whether a stored tag is one of the address parts'.
pub fn is_part_tag(tag: u16) -> bool {
    PART_TAGS.contains(&tag)
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

    /// The area codes as `key=value` pairs joined by `;`, in key order; empty when none.
    pub fn areas_text(&self) -> String {
        let pairs: Vec<String> = self.areas.iter().map(|(k, v)| format!("{k}={v}")).collect();
        pairs.join(";")
    }

    /// The parts as stored: `(tag, text)` in ascending tag order.
    pub fn to_tagged(&self) -> Vec<(u16, String)> {
        let mut out = vec![(TAG_DICTIONARY, self.dictionary.to_yyyymmdd().to_string())];
        if let Some(w) = &self.ward {
            out.push((TAG_WARD, w.clone()));
        }
        out.push((TAG_TOWN, self.town.clone()));
        if let Some(c) = self.numbers.chome {
            out.push((TAG_CHOME, c.to_string()));
        }
        out.push((TAG_BAN, self.numbers.ban.to_string()));
        if let Some(g) = self.numbers.go {
            out.push((TAG_GO, g.to_string()));
        }
        if let Some(k) = &self.katagaki {
            out.push((TAG_KATAGAKI, k.clone()));
        }
        if !self.areas.is_empty() {
            out.push((TAG_AREAS, self.areas_text()));
        }
        out
    }

    /// The parts from a stored item list (tags outside [`PART_TAGS`] are skipped); `None`
    /// when the list holds none (an address written without a municipality, or before the
    /// parts were kept). Anything else that does not read back is an error.
    pub fn from_tagged<'a>(
        tagged: impl Iterator<Item = (u16, &'a str)>,
    ) -> Result<Option<AddressParts>, InvalidValue> {
        let bad = |what: &str| InvalidValue::new("address parts", what.to_string());
        let number = |v: &str, what: &str| match v.parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(bad(&format!("{what} {v:?} is not a positive number"))),
        };
        let (mut dictionary, mut ward, mut town, mut chome, mut ban, mut go) =
            (None, None, None, None, None, None);
        let (mut katagaki, mut areas) = (None, BTreeMap::new());
        let mut any = false;
        for (tag, v) in tagged.filter(|(t, _)| is_part_tag(*t)) {
            any = true;
            match tag {
                TAG_DICTIONARY => {
                    let d = v.parse::<u32>().map_err(|_| bad("dictionary date"))?;
                    dictionary = Some(Date::from_yyyymmdd(d)?);
                }
                TAG_WARD => ward = Some(v.to_owned()),
                TAG_TOWN => town = Some(v.to_owned()),
                TAG_CHOME => chome = Some(number(v, "丁目")?),
                TAG_BAN => ban = Some(number(v, "番地")?),
                TAG_GO => go = Some(number(v, "号")?),
                TAG_KATAGAKI => katagaki = Some(v.to_owned()),
                TAG_AREAS => {
                    for pair in v.split(';') {
                        let (k, val) = pair.split_once('=').ok_or_else(|| bad("area code"))?;
                        if areas.insert(k.to_owned(), val.to_owned()).is_some() {
                            return Err(bad("an area key twice"));
                        }
                    }
                }
                other => return Err(bad(&format!("tag {other} is not a part"))),
            }
        }
        if !any {
            return Ok(None);
        }
        let (Some(dictionary), Some(town), Some(ban)) = (dictionary, town, ban) else {
            return Err(bad("the dictionary date, 町字 and 番地 must all be stored"));
        };
        if town.is_empty() {
            return Err(bad("an empty 町字"));
        }
        Ok(Some(AddressParts {
            dictionary,
            ward,
            town,
            numbers: BlockNumbers { chome, ban, go },
            katagaki,
            areas,
        }))
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
        assert!(tagged.windows(2).all(|w| w[0].0 < w[1].0), "{tagged:?}");
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
    fn no_parts_and_damaged_parts() {
        let none = AddressParts::from_tagged([(1u16, "東京都")].into_iter()).unwrap();
        assert_eq!(none, None);
        for damaged in [
            vec![(TAG_TOWN, "精道町"), (TAG_BAN, "7")],
            vec![
                (TAG_DICTIONARY, "20200101"),
                (TAG_TOWN, "精道町"),
                (TAG_BAN, "0"),
            ],
            vec![(TAG_DICTIONARY, "20200101"), (TAG_TOWN, "精道町")],
            vec![
                (TAG_DICTIONARY, "2020"),
                (TAG_TOWN, "精道町"),
                (TAG_BAN, "7"),
            ],
            vec![
                (TAG_DICTIONARY, "20200101"),
                (TAG_TOWN, "精道町"),
                (TAG_BAN, "7"),
                (TAG_AREAS, "x"),
            ],
            vec![(TAG_DICTIONARY, "20200101"), (1099, "?")],
        ] {
            assert!(AddressParts::from_tagged(damaged.into_iter()).is_err());
        }
    }
}
