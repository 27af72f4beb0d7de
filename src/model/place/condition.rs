//! An address as a condition of a 4情報 search: read in the register's municipality, and
//! counted only when it names something finer than what every resident shares.
//!
//! The rules, on the query's key (`model::address_key`: spellings folded, numbers in digits,
//! the prefecture taken off):
//! 1. A prefecture alone, or a municipality alone (the register's own, one of its wards, or
//!    another municipality of Japan), is too broad: it is no information about a resident.
//! 2. The register's own municipality's name (or, while it is not written, a ward of it or a
//!    町字 of its dictionary at the start) places the condition inside: the clerk's
//!    `朝日ヶ丘町5番6号` means `芦屋市朝日ケ丘町5-6`. Inside, with a dictionary, what follows
//!    the municipality (and ward) must begin with a whole 町字 (the longest that does):
//!    `芦屋市朝日` is refused, not matched against every 町字 it begins. A 町字 of several
//!    wards needs its ward; a 町字 of one gets it.
//! 3. Another municipality's name of the national list places it outside (a former address
//!    before a 転入 is not searched, but an address written with its municipality is read
//!    as written).
//! 4. The beginning of a 町字's name alone (`朝日` for 朝日ケ丘町) is refused like a part of a
//!    町字 after the municipality. Anything else is matched as written (an address abroad,
//!    say). In a register without a municipality every condition is matched as written,
//!    and only a prefecture or a municipality alone is refused.
//!
//! A stored address meets the condition when its key begins with the condition's key, numbers
//! whole (`model::address_key_matches`), and it is not in a longer 町字 that begins with the
//! same name (`中町` does not find `中町東`).

use super::municipality::national;
use super::{Municipality, PlaceBook, TownDictionary};
use crate::model::address::{address_key, prefecture_keys};
use crate::model::address_key_matches;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A resolved address condition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressCondition {
    /// The key a matching address's key begins with.
    pub key: String,
    /// Keys of longer 町字 that begin with the condition's 町字: an address under one of them
    /// does not match.
    pub excluded: Vec<String>,
}

impl AddressCondition {
    /// A condition matched as written.
    pub fn as_written(key: String) -> AddressCondition {
        AddressCondition {
            key,
            excluded: Vec::new(),
        }
    }

    /// Whether a stored address's key (bytes of an index entry or a computed key) meets the
    /// condition.
    pub fn matches(&self, stored: &[u8]) -> bool {
        address_key_matches(stored, self.key.as_bytes())
            && !self
                .excluded
                .iter()
                .any(|e| address_key_matches(stored, e.as_bytes()))
    }
}

/// Why an address cannot stand as a search condition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    /// Only a prefecture or a municipality: every resident shares it.
    #[error("the address names only {0}, which every resident there shares: give a 町字 or a finer address")]
    TooBroad(String),
    /// Inside the municipality, but no whole 町字 of the dictionary follows its name.
    #[error("the address is not a whole 町字 of {0}: give the 町字's full name, as the address dictionary writes it")]
    NotATown(String),
    /// A 町字 of several wards without its ward.
    #[error("{town} is a 町字 of several wards ({}): give the ward", wards.join(", "))]
    WardMissing {
        /// The 町字.
        town: String,
        /// Its wards.
        wards: Vec<String>,
    },
}

/// The national list's municipality names by their keys, with the longest key in characters.
fn national_keys() -> &'static (HashMap<String, String>, usize) {
    static KEYS: OnceLock<(HashMap<String, String>, usize)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let keys: HashMap<String, String> = national()
            .all
            .iter()
            .map(|m| (address_key(m.name()), m.name().to_owned()))
            .collect();
        let longest = keys.keys().map(|k| k.chars().count()).max().unwrap_or(0);
        (keys, longest)
    })
}

/// The longest municipality key of the national list that begins `key`, with the name.
fn municipality_at(key: &str) -> Option<(&'static str, &'static str)> {
    let (keys, longest) = national_keys();
    let ends: Vec<usize> = key
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .take(*longest)
        .collect();
    ends.iter().rev().find_map(|&end| {
        keys.get_key_value(&key[..end])
            .map(|(k, name)| (k.as_str(), name.as_str()))
    })
}

/// Whether `key` is a prefecture's name and nothing else.
fn is_prefecture(key: &str) -> bool {
    prefecture_keys().iter().any(|p| p == key)
}

/// Reads the address condition `key` (an `address_key`) in the register of `book`, with the
/// dictionary in force (the latest one); `None` for a register without a municipality, where
/// only a prefecture or municipality alone is refused.
pub fn address_condition(
    book: Option<&PlaceBook>,
    key: &str,
) -> Result<AddressCondition, ConditionError> {
    if is_prefecture(key) {
        return Err(ConditionError::TooBroad(key.to_owned()));
    }
    let Some(book) = book else {
        return outside(key).unwrap_or_else(|| Ok(AddressCondition::as_written(key.to_owned())));
    };
    let own = book.municipality();
    let own_key = address_key(own.name());
    let dictionary = book.versions().last().map(|(_, d)| d);
    if let Some(rest) = key.strip_prefix(own_key.as_str()) {
        return inside(own, dictionary, &own_key, rest);
    }
    let begins_inside = ward_at(own, key).is_some()
        || dictionary.is_some_and(|d| longest_town(d, None, key).is_some());
    if begins_inside {
        return inside(own, dictionary, &own_key, key);
    }
    // The beginning of a 町字's name typed alone (朝日 for 朝日ケ丘町): no whole 町字.
    if dictionary.is_some_and(|d| d.address_keys().iter().any(|k| k.starts_with(key))) {
        return Err(ConditionError::NotATown(own.name().to_owned()));
    }
    match outside(key) {
        Some(result) => result,
        // Without a dictionary, text that names no municipality is taken as a 町字 of the
        // register's own.
        None if dictionary.is_none() => inside(own, None, &own_key, key),
        None => Ok(AddressCondition::as_written(key.to_owned())),
    }
}

/// A condition placed in another municipality by its name, or `None` when no municipality
/// of the national list begins `key`.
fn outside(key: &str) -> Option<Result<AddressCondition, ConditionError>> {
    let (name_key, name) = municipality_at(key)?;
    let rest = &key[name_key.len()..];
    let ward_only = rest.ends_with('区') && rest.chars().count() <= 4;
    Some(if rest.is_empty() || ward_only {
        Err(ConditionError::TooBroad(format!("{name}{rest}")))
    } else {
        Ok(AddressCondition::as_written(key.to_owned()))
    })
}

/// The ward of the register's 政令指定都市 whose name begins `text`, with its key.
fn ward_at(own: &Municipality, text: &str) -> Option<(String, String)> {
    own.wards().iter().find_map(|w| {
        let k = address_key(w.name());
        text.starts_with(k.as_str())
            .then(|| (w.name().to_owned(), k))
    })
}

/// The 町字 of `ward` (or of every ward) whose key, the longest that does, begins `text`,
/// with that key; several towns when wards share the name.
fn longest_town<'d>(
    dictionary: &'d TownDictionary,
    ward: Option<&str>,
    text: &str,
) -> Option<(&'d str, Vec<&'d super::Town>)> {
    let mut best: Option<(&str, Vec<&super::Town>)> = None;
    for (town, k) in dictionary.towns().iter().zip(dictionary.address_keys()) {
        if ward.is_some_and(|w| town.ward() != Some(w)) || !text.starts_with(k.as_str()) {
            continue;
        }
        match &mut best {
            Some((b, towns)) if *b == k.as_str() => towns.push(town),
            Some((b, _)) if b.len() >= k.len() => {}
            _ => best = Some((k.as_str(), vec![town])),
        }
    }
    best
}

/// The condition inside the register's municipality; `rest` follows its name.
fn inside(
    own: &Municipality,
    dictionary: Option<&TownDictionary>,
    own_key: &str,
    rest: &str,
) -> Result<AddressCondition, ConditionError> {
    let (ward, rest) = match ward_at(own, rest) {
        Some((name, k)) => (Some(name), &rest[k.len()..]),
        None => (None, rest),
    };
    let written_place = format!("{}{}", own.name(), ward.as_deref().unwrap_or_default());
    if rest.is_empty() {
        return Err(ConditionError::TooBroad(written_place));
    }
    let Some(dictionary) = dictionary else {
        let ward_key = ward.as_deref().map(address_key).unwrap_or_default();
        return Ok(AddressCondition::as_written(format!(
            "{own_key}{ward_key}{rest}"
        )));
    };
    let (town_key, towns) = longest_town(dictionary, ward.as_deref(), rest)
        .ok_or(ConditionError::NotATown(written_place))?;
    let town = super::dictionary::the_one(&towns)
        .map_err(|(town, wards)| ConditionError::WardMissing { town, wards })?;
    let prefix = format!(
        "{own_key}{}",
        town.ward().map(address_key).unwrap_or_default()
    );
    let excluded = dictionary
        .towns()
        .iter()
        .zip(dictionary.address_keys())
        .filter(|(t, k)| {
            t.ward() == town.ward() && k.len() > town_key.len() && k.starts_with(town_key)
        })
        .map(|(_, k)| format!("{prefix}{k}"))
        .collect();
    Ok(AddressCondition {
        key: format!("{prefix}{rest}"),
        excluded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Date;

    fn ashiya() -> PlaceBook {
        let d = TownDictionary::ashiya();
        let mut book = PlaceBook::new(d.municipality().clone());
        book.add(Date::from_ymd(1900, 1, 1).unwrap(), d).unwrap();
        book
    }

    fn key_of(book: Option<&PlaceBook>, text: &str) -> Result<String, ConditionError> {
        address_condition(book, &address_key(text)).map(|c| c.key)
    }

    #[test]
    fn a_town_without_the_city_is_the_citys() {
        let book = ashiya();
        let want = Ok("芦屋市朝日ケ丘町5-6".to_owned());
        for text in [
            "朝日ヶ丘町5番6号",
            "朝日が丘町５－６",
            "芦屋市朝日ケ丘町5の6",
            "兵庫県芦屋市朝日ヶ丘町五番六号",
        ] {
            assert_eq!(key_of(Some(&book), text), want, "{text}");
        }
    }

    #[test]
    fn only_a_prefecture_or_municipality_is_refused() {
        let book = ashiya();
        for text in [
            "兵庫県",
            "芦屋市",
            "兵庫県芦屋市",
            "神戸市",
            "神戸市中央区",
            "東京都",
        ] {
            assert!(
                matches!(key_of(Some(&book), text), Err(ConditionError::TooBroad(_))),
                "{text}: {:?}",
                key_of(Some(&book), text)
            );
        }
        assert!(matches!(
            key_of(None, "芦屋市"),
            Err(ConditionError::TooBroad(_))
        ));
        assert!(matches!(
            key_of(None, "兵庫県"),
            Err(ConditionError::TooBroad(_))
        ));
    }

    #[test]
    fn inside_a_whole_town_is_needed() {
        let book = ashiya();
        assert!(matches!(
            key_of(Some(&book), "芦屋市朝日"),
            Err(ConditionError::NotATown(_))
        ));
        assert!(matches!(
            key_of(Some(&book), "芦屋市精"),
            Err(ConditionError::NotATown(_))
        ));
        assert!(matches!(
            key_of(Some(&book), "朝日"),
            Err(ConditionError::NotATown(_))
        ));
        assert_eq!(key_of(Some(&book), "精道町"), Ok("芦屋市精道町".to_owned()));
    }

    #[test]
    fn another_citys_address_is_read_as_written() {
        let book = ashiya();
        assert_eq!(
            key_of(Some(&book), "東京都新宿区西新宿2丁目8番1号"),
            Ok("新宿区西新宿2-8-1".to_owned())
        );
        assert_eq!(
            key_of(Some(&book), "アメリカ合衆国カリフォルニア州"),
            Ok("アメリカ合衆国カリフォルニア州".to_owned())
        );
    }

    #[test]
    fn a_longer_town_is_not_found_by_a_shorter_one() {
        let m = Municipality::parse("282065", "兵庫県", "芦屋市").unwrap();
        let csv = "town,kana,postal\n中町,ナカマチ,6590001\n中町東,ナカマチヒガシ,6590002\n";
        let d = TownDictionary::from_csv(&m, csv.as_bytes()).unwrap();
        let mut book = PlaceBook::new(m);
        book.add(Date::from_ymd(1900, 1, 1).unwrap(), d).unwrap();
        let c = address_condition(Some(&book), &address_key("中町")).unwrap();
        assert!(c.matches(address_key("芦屋市中町1-2").as_bytes()));
        assert!(!c.matches(address_key("芦屋市中町東1-2").as_bytes()));
        let east = address_condition(Some(&book), &address_key("中町東")).unwrap();
        assert!(east.matches(address_key("芦屋市中町東1-2").as_bytes()));
    }
}
