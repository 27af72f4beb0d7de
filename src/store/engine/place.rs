//! The register's place book in the file: the municipality's code under `municipality` in
//! `meta`, and each version of its address dictionary as CSV text in `towns` under its first
//! day (schema.rs). Both are written at creation and the dictionary by LOAD TOWNS, in the
//! transaction that logs it; the book is read once when the file opens and kept beside the
//! database (`Database::place`), replaced after a LOAD TOWNS commits.
//!
//! Invariants: the municipality, once set, never changes; dictionary versions only grow, in
//! increasing order of their first day, each the municipality's and each parsed without
//! error when it was stored (so a stored one that no longer parses is CORRUPT).

use redb::{ReadableTable, WriteTransaction};

use super::schema::{META, META_MUNICIPALITY, TOWNS};
use crate::model::{Date, InvalidValue, LocalGovCode, Municipality, PlaceBook, TownDictionary};
use crate::store::{Result, StoreError};

/// What a new register is made with: its municipality and, optionally, its first
/// dictionaries (first day, CSV text).
#[derive(Debug, Clone)]
pub(crate) struct NewPlace {
    pub(crate) municipality: Municipality,
    pub(crate) towns: Vec<(Date, Vec<u8>)>,
}

/// Records the municipality of a register that has none yet, with its dictionaries, each
/// parsed first (an error names the dictionary's line and column) and written as given.
pub(crate) fn write_book(txn: &WriteTransaction, new: &NewPlace) -> Result<()> {
    let mut book = PlaceBook::new(new.municipality.clone());
    for (from, text) in &new.towns {
        let dictionary = parse_towns(&new.municipality, text)?;
        book.add(*from, dictionary)?;
    }
    let mut meta = txn.open_table(META)?;
    if meta.get(META_MUNICIPALITY)?.is_some() {
        return Err(StoreError::Conflict(
            "the register's municipality is already set; it does not change".into(),
        ));
    }
    meta.insert(META_MUNICIPALITY, u64::from(new.municipality.code().five()))?;
    drop(meta);
    for (from, text) in &new.towns {
        write_towns(txn, *from, text)?;
    }
    Ok(())
}

/// Stores one dictionary version under its first day.
pub(crate) fn write_towns(txn: &WriteTransaction, from: Date, text: &[u8]) -> Result<()> {
    let mut towns = txn.open_table(TOWNS)?;
    towns.insert(from.to_yyyymmdd(), text)?;
    Ok(())
}

/// Parses a dictionary for `municipality` (an error names the line and column).
pub(crate) fn parse_towns(municipality: &Municipality, text: &[u8]) -> Result<TownDictionary> {
    TownDictionary::from_csv(municipality, text)
        .map_err(|e| InvalidValue::new("dictionary", e.to_string()).into())
}

/// The place book stored in the file, `None` for a register without a municipality.
pub(crate) fn read_book(txn: &redb::ReadTransaction) -> Result<Option<PlaceBook>> {
    let meta = txn.open_table(META)?;
    let Some(code) = meta.get(META_MUNICIPALITY)?.map(|g| g.value()) else {
        return Ok(None);
    };
    let municipality = u32::try_from(code)
        .ok()
        .and_then(|five| LocalGovCode::from_five(five).ok())
        .and_then(Municipality::known)
        .ok_or_else(|| StoreError::Corrupt {
            table: "meta",
            detail: format!("municipality {code} is not a municipality of the national list"),
        })?;
    let mut book = PlaceBook::new(municipality.clone());
    let towns = match txn.open_table(TOWNS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Some(book)),
        Err(e) => return Err(e.into()),
    };
    for entry in towns.iter()? {
        let (from, text) = entry?;
        let from = from.value();
        let corrupt = |why: String| StoreError::Corrupt {
            table: "towns",
            detail: format!("the dictionary in force from {from}: {why}"),
        };
        let date = Date::from_yyyymmdd(from).map_err(|e| corrupt(e.to_string()))?;
        let dictionary = TownDictionary::from_csv(municipality, text.value())
            .map_err(|e| corrupt(e.to_string()))?;
        book.add(date, dictionary)
            .map_err(|e| corrupt(e.to_string()))?;
    }
    Ok(Some(book))
}
