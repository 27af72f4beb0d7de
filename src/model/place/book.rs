//! The register's place book: its municipality and the versions of its address dictionary,
//! each in force from a date.
//!
//! Invariants: every dictionary is the municipality's own; the versions are in increasing
//! order of their first day, no two on the same day. An address dated before the first
//! version resolves under the first (the register's history may begin before its first
//! dictionary was loaded); otherwise under the version in force on the address's date, so
//! that a past address keeps resolving after a 町字 is renamed.

use super::{Municipality, Placement, TownDictionary};
use crate::model::{Address, Date, InvalidValue};

/// The municipality and its dated address dictionaries.
#[derive(Debug, Clone)]
pub struct PlaceBook {
    municipality: Municipality,
    versions: Vec<(Date, TownDictionary)>,
}

/// Where an address given as out of the municipality (前住所, 転出先) lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elsewhere<'a> {
    /// In the municipality itself: not out of it at all.
    Inside(Placement<'a>),
    /// In another municipality of Japan.
    Municipality(Placement<'a>),
    /// No prefecture, municipality or 町字 of Japan begins it: an address abroad (国外),
    /// kept as written.
    Abroad,
}

impl PlaceBook {
    /// A book with no dictionary yet.
    pub fn new(municipality: Municipality) -> PlaceBook {
        PlaceBook {
            municipality,
            versions: Vec::new(),
        }
    }

    /// The day a register's first dictionary takes effect when it is made: 1900-01-01,
    /// before any date a register holds. The first version places every earlier address
    /// anyway (see [`PlaceBook::at`]); a fixed day keeps `LOAD TOWNS` open for any later
    /// day, and lets two registers of one municipality made on different days hold the same
    /// versions, so an archive of one loads into the other.
    pub fn first_day() -> Date {
        Date::from_ymd(1900, 1, 1).expect("1900-01-01 is a date")
    }

    /// The register's municipality.
    pub fn municipality(&self) -> &Municipality {
        &self.municipality
    }

    /// Adds a dictionary version in force from `from`, which must come after the latest
    /// version's first day; the dictionary must be this municipality's.
    pub fn add(&mut self, from: Date, dictionary: TownDictionary) -> Result<(), InvalidValue> {
        if dictionary.municipality().code() != self.municipality.code() {
            return Err(InvalidValue::new(
                "dictionary",
                format!(
                    "the dictionary is {}'s, the register {}'s",
                    dictionary.municipality(),
                    self.municipality
                ),
            ));
        }
        if let Some((last, _)) = self.versions.last() {
            if from <= *last {
                return Err(InvalidValue::new(
                    "dictionary",
                    format!("a new dictionary must take effect after {last}, the latest one's first day; {from} is not"),
                ));
            }
        }
        self.versions.push((from, dictionary));
        Ok(())
    }

    /// The dictionary versions, oldest first, each with its first day.
    pub fn versions(&self) -> impl Iterator<Item = (Date, &TownDictionary)> {
        self.versions.iter().map(|(d, t)| (*d, t))
    }

    /// The dictionary in force on `date` (the first one for a date before it); `None`
    /// while none is loaded.
    pub fn at(&self, date: Date) -> Option<&TownDictionary> {
        self.dated(date).map(|(_, dictionary)| dictionary)
    }

    /// The dictionary in force on `date` with the first day of its version (see
    /// [`PlaceBook::at`]).
    pub fn dated(&self, date: Date) -> Option<(Date, &TownDictionary)> {
        let after = self.versions.partition_point(|(from, _)| *from <= date);
        self.versions
            .get(after.saturating_sub(1))
            .map(|(from, dictionary)| (*from, dictionary))
    }

    /// Places an address given as out of the municipality (前住所, 転出先) on `date`.
    pub fn elsewhere<'a>(
        &'a self,
        date: Date,
        address: &Address,
    ) -> Option<Result<Elsewhere<'a>, super::PlaceError>> {
        let dictionary = self.at(date)?;
        Some(match dictionary.place(address) {
            Ok(p @ Placement::Inside(_)) => Ok(Elsewhere::Inside(p)),
            Ok(p @ Placement::Outside(_)) => Ok(Elsewhere::Municipality(p)),
            Err(_) if dictionary.is_abroad(address.written()) => Ok(Elsewhere::Abroad),
            Err(e) => Err(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn the_version_in_force_on_a_date() {
        let ashiya = TownDictionary::ashiya();
        let mut book = PlaceBook::new(ashiya.municipality().clone());
        assert!(book.at(date("2020-01-01")).is_none());
        book.add(date("2020-01-01"), ashiya.clone()).unwrap();
        book.add(date("2024-04-01"), ashiya.clone()).unwrap();
        let first = book.at(date("1990-01-01")).unwrap() as *const _;
        assert_eq!(first, &book.versions[0].1 as *const _);
        let later = book.at(date("2024-04-01")).unwrap() as *const _;
        assert_eq!(later, &book.versions[1].1 as *const _);
        let e = book.add(date("2024-04-01"), ashiya).unwrap_err();
        assert!(e.to_string().contains("after 2024-04-01"), "{e}");
    }

    #[test]
    fn out_of_city_addresses_inside_elsewhere_or_abroad() {
        let ashiya = TownDictionary::ashiya();
        let mut book = PlaceBook::new(ashiya.municipality().clone());
        book.add(date("2020-01-01"), ashiya).unwrap();
        let on = date("2024-01-01");
        let place = |s: &str| book.elsewhere(on, &Address::parse(s).unwrap()).unwrap();
        assert!(matches!(
            place("兵庫県芦屋市精道町7番6号"),
            Ok(Elsewhere::Inside(_))
        ));
        assert!(matches!(
            place("大阪府大阪市北区梅田1丁目1番"),
            Ok(Elsewhere::Municipality(_))
        ));
        assert_eq!(
            place("アメリカ合衆国カリフォルニア州"),
            Ok(Elsewhere::Abroad)
        );
        // A prefecture written with no municipality of it is an error, not abroad.
        assert!(place("大阪府ほげ市1番").is_err());
        // A 町字 of the register without its municipality is an error too.
        assert!(place("精道町7番6号").is_err());
    }
}
