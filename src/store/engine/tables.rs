//! Opened tables of one transaction, read-only or writable, behind one [`View`] trait so
//! that the read paths serve both lookups and the checks inside a 異動.

use super::partial::PartialBirths;
use super::record::{ArchivedStoredRecord, FieldSet, StoredRecord};
use super::resident::Resident;
use super::schema::*;
use crate::store::error::{Result, StoreError};
use redb::{AccessGuard, ReadOnlyTable, ReadTransaction, ReadableTable, Table, WriteTransaction};

/// Read access to the tables, shared by read and write transactions.
pub(crate) trait View {
    type Residents: ReadableTable<u64, &'static [u8]>;
    type Versions: ReadableTable<(u64, u32), &'static [u8]>;
    type Codes: ReadableTable<u64, (u64, bool)>;
    type MyNumbers: ReadableTable<u64, (u64, bool)>;
    type Search: ReadableTable<&'static [u8], &'static [u8]>;
    type Households: ReadableTable<(u64, u64, u32), ()>;
    type Heads: ReadableTable<u64, (u64, &'static str)>;
    type Changes: ReadableTable<u64, (u64, u32)>;
    type Meta: ReadableTable<&'static str, u64>;

    fn residents(&self) -> &Self::Residents;
    fn versions(&self) -> &Self::Versions;
    fn codes(&self) -> &Self::Codes;
    fn my_numbers(&self) -> &Self::MyNumbers;
    fn search(&self) -> &Self::Search;
    fn households(&self) -> &Self::Households;
    fn heads(&self) -> &Self::Heads;
    fn changes(&self) -> &Self::Changes;
    fn meta(&self) -> &Self::Meta;

    /// The internal id of a resident code, and whether the code is current.
    fn id_of_code(&self, code: u64) -> Result<Option<(u64, bool)>> {
        Ok(self.codes().get(code)?.map(|g| g.value()))
    }

    /// The internal id of a My Number, and whether the number is current.
    fn id_of_my_number(&self, n: u64) -> Result<Option<(u64, bool)>> {
        Ok(self.my_numbers().get(n)?.map(|g| g.value()))
    }

    /// One version of a resident.
    fn version(&self, id: u64, version: u32) -> Result<Option<StoredRecord>> {
        match self.versions().get((id, version))? {
            Some(g) => Ok(Some(StoredRecord::decode("versions", g.value())?)),
            None => Ok(None),
        }
    }

    /// The latest version of a resident.
    fn latest(&self, id: u64) -> Result<Option<StoredRecord>> {
        latest_in(self.versions(), id)
    }

    /// Every version of a resident, oldest first.
    fn all_versions(&self, id: u64) -> Result<Vec<StoredRecord>> {
        let mut out = Vec::new();
        for entry in self.versions().range((id, 0)..=(id, u32::MAX))? {
            let (_, v) = entry?;
            out.push(StoredRecord::decode("versions", v.value())?);
        }
        Ok(out)
    }

    /// The resident as they stood on `date` (`yyyymmdd`), or `None` before their first
    /// version. Reads versions newest first and stops at the first one in force that no
    /// backdated correction overlaps; otherwise folds the corrections in (see DESIGN.md).
    fn as_of(&self, id: u64, date: u32) -> Result<Option<StoredRecord>> {
        as_of_in(self.versions(), id, date)
    }

    /// A meta counter.
    fn meta_value(&self, key: &str) -> Result<Option<u64>> {
        Ok(self.meta().get(key)?.map(|g| g.value()))
    }

    /// The in-memory copies of the partial-birth index kinds this view keeps
    /// (`engine::partial`): a read snapshot's; none inside a write transaction.
    fn partial_births(&self) -> Option<&PartialBirths> {
        None
    }
}

/// The latest version of a resident in a versions table.
pub(crate) fn latest_in(
    versions: &impl ReadableTable<(u64, u32), &'static [u8]>,
    id: u64,
) -> Result<Option<StoredRecord>> {
    match versions.range((id, 0)..=(id, u32::MAX))?.next_back() {
        Some(entry) => {
            let (_, v) = entry?;
            Ok(Some(StoredRecord::decode("versions", v.value())?))
        }
        None => Ok(None),
    }
}

/// The as-of rule of [`fold_as_of`] over the stored versions, read in place: versions are
/// read newest first and each is checked (CRC32 and bytecheck) before its 異動日 and
/// `prefix_max` are looked at, but none is deserialised. `f` gets the version to start from
/// and the later versions in force on `date` that fold over it, oldest first (almost
/// always none); `None` before the first version.
pub(crate) fn with_as_of<R>(
    versions: &impl ReadableTable<(u64, u32), &'static [u8]>,
    id: u64,
    date: u32,
    f: impl FnOnce(&ArchivedStoredRecord, &[&ArchivedStoredRecord]) -> Result<R>,
) -> Result<Option<R>> {
    let mut later: Vec<AccessGuard<'_, &'static [u8]>> = Vec::new();
    for entry in versions.range((id, 0)..=(id, u32::MAX))?.rev() {
        let (_, v) = entry?;
        let rec = StoredRecord::access("versions", v.value())?;
        if rec.prefix_max.to_native() <= date {
            let later = later
                .iter()
                .rev()
                .map(|g| StoredRecord::access("versions", g.value()))
                .collect::<Result<Vec<_>>>()?;
            return f(rec, &later).map(Some);
        }
        if rec.valid_from.to_native() <= date {
            later.push(v);
        }
    }
    Ok(None)
}

/// A base version with the later versions in force folded over it, as [`fold_as_of`] does.
pub(crate) fn fold_archived(
    base: &ArchivedStoredRecord,
    later: &[&ArchivedStoredRecord],
) -> Result<StoredRecord> {
    let mut rec = StoredRecord::from_archived("versions", base)?;
    for l in later {
        let l = StoredRecord::from_archived("versions", l)?;
        rec.overlay(&l, FieldSet(l.changed));
    }
    Ok(rec)
}

/// The resident as they stood on `date` (`yyyymmdd`), or `None` before their first
/// version. Reads versions newest first and stops at the first one in force that no
/// backdated correction overlaps; otherwise folds the corrections in (see DESIGN.md).
pub(crate) fn as_of_in(
    versions: &impl ReadableTable<(u64, u32), &'static [u8]>,
    id: u64,
    date: u32,
) -> Result<Option<StoredRecord>> {
    with_as_of(versions, id, date, fold_archived)
}

/// [`as_of_in`], typed: a version with no correction to fold in is typed straight from its
/// checked archive.
pub(crate) fn resident_as_of_in(
    versions: &impl ReadableTable<(u64, u32), &'static [u8]>,
    id: u64,
    date: u32,
) -> Result<Option<Resident>> {
    with_as_of(versions, id, date, |base, later| {
        if later.is_empty() {
            Resident::from_archived(base)
        } else {
            Resident::from_stored(fold_archived(base, later)?)
        }
    })
}

/// The as-of rule over versions given newest first: the first version in force on `date`
/// that no later correction overlaps, with the corrections in force on `date` laid over
/// it. Reads no further back than that version.
pub(crate) fn fold_as_of(
    newest_first: impl Iterator<Item = Result<StoredRecord>>,
    date: u32,
) -> Result<Option<StoredRecord>> {
    let mut newer_in_force: Vec<StoredRecord> = Vec::new();
    for rec in newest_first {
        let rec = rec?;
        if rec.prefix_max <= date {
            // Every version up to this one was in force on `date`: start from it and
            // apply the later versions that were too (backdated corrections).
            let mut base = rec;
            for later in newer_in_force.iter().rev() {
                base.overlay(later, FieldSet(later.changed));
            }
            return Ok(Some(base));
        }
        if rec.valid_from <= date {
            newer_in_force.push(rec);
        }
    }
    Ok(None)
}

macro_rules! view_impl {
    ($ty:ty, $table:ident $(, $lt:lifetime)? $(; $($extra:item)*)?) => {
        impl$(<$lt>)? View for $ty {
            type Residents = $table<$($lt,)? u64, &'static [u8]>;
            type Versions = $table<$($lt,)? (u64, u32), &'static [u8]>;
            type Codes = $table<$($lt,)? u64, (u64, bool)>;
            type MyNumbers = $table<$($lt,)? u64, (u64, bool)>;
            type Search = $table<$($lt,)? &'static [u8], &'static [u8]>;
            type Households = $table<$($lt,)? (u64, u64, u32), ()>;
            type Heads = $table<$($lt,)? u64, (u64, &'static str)>;
            type Changes = $table<$($lt,)? u64, (u64, u32)>;
            type Meta = $table<$($lt,)? &'static str, u64>;
            fn residents(&self) -> &Self::Residents { &self.residents }
            fn versions(&self) -> &Self::Versions { &self.versions }
            fn codes(&self) -> &Self::Codes { &self.codes }
            fn my_numbers(&self) -> &Self::MyNumbers { &self.my_numbers }
            fn search(&self) -> &Self::Search { &self.search }
            fn households(&self) -> &Self::Households { &self.households }
            fn heads(&self) -> &Self::Heads { &self.heads }
            fn changes(&self) -> &Self::Changes { &self.changes }
            fn meta(&self) -> &Self::Meta { &self.meta }
            $($($extra)*)?
        }
    };
}

/// The tables of a read transaction.
pub(crate) struct ReadTables {
    pub residents: ReadOnlyTable<u64, &'static [u8]>,
    pub versions: ReadOnlyTable<(u64, u32), &'static [u8]>,
    pub codes: ReadOnlyTable<u64, (u64, bool)>,
    pub my_numbers: ReadOnlyTable<u64, (u64, bool)>,
    pub search: ReadOnlyTable<&'static [u8], &'static [u8]>,
    pub households: ReadOnlyTable<(u64, u64, u32), ()>,
    pub heads: ReadOnlyTable<u64, (u64, &'static str)>,
    pub changes: ReadOnlyTable<u64, (u64, u32)>,
    pub meta: ReadOnlyTable<&'static str, u64>,
    /// The partial-birth index kinds, copied at their first use (`engine::partial`).
    pub partial: PartialBirths,
}

impl ReadTables {
    pub fn open(txn: &ReadTransaction) -> Result<ReadTables> {
        let t = |e: redb::TableError| match e {
            redb::TableError::TableDoesNotExist(name) => {
                StoreError::NotJuki(format!("the file (table {name} is missing)"))
            }
            other => StoreError::from(other),
        };
        Ok(ReadTables {
            residents: txn.open_table(RESIDENTS).map_err(t)?,
            versions: txn.open_table(VERSIONS).map_err(t)?,
            codes: txn.open_table(CODES).map_err(t)?,
            my_numbers: txn.open_table(MY_NUMBERS).map_err(t)?,
            search: txn.open_table(SEARCH).map_err(t)?,
            households: txn.open_table(HOUSEHOLDS).map_err(t)?,
            heads: txn.open_table(HEADS).map_err(t)?,
            changes: txn.open_table(CHANGES).map_err(t)?,
            meta: txn.open_table(META).map_err(t)?,
            partial: PartialBirths::default(),
        })
    }
}

view_impl!(ReadTables, ReadOnlyTable;
    fn partial_births(&self) -> Option<&PartialBirths> { Some(&self.partial) }
);

/// The tables of a write transaction.
pub(crate) struct WriteTables<'txn> {
    pub residents: Table<'txn, u64, &'static [u8]>,
    pub versions: Table<'txn, (u64, u32), &'static [u8]>,
    pub codes: Table<'txn, u64, (u64, bool)>,
    pub my_numbers: Table<'txn, u64, (u64, bool)>,
    pub search: Table<'txn, &'static [u8], &'static [u8]>,
    pub households: Table<'txn, (u64, u64, u32), ()>,
    pub heads: Table<'txn, u64, (u64, &'static str)>,
    pub changes: Table<'txn, u64, (u64, u32)>,
    pub meta: Table<'txn, &'static str, u64>,
}

impl<'txn> WriteTables<'txn> {
    pub fn open(txn: &'txn WriteTransaction) -> Result<WriteTables<'txn>> {
        Ok(WriteTables {
            residents: txn.open_table(RESIDENTS)?,
            versions: txn.open_table(VERSIONS)?,
            codes: txn.open_table(CODES)?,
            my_numbers: txn.open_table(MY_NUMBERS)?,
            search: txn.open_table(SEARCH)?,
            households: txn.open_table(HOUSEHOLDS)?,
            heads: txn.open_table(HEADS)?,
            changes: txn.open_table(CHANGES)?,
            meta: txn.open_table(META)?,
        })
    }

    /// The `search` table apart from the others, so that the two can be written on two
    /// threads (the end of a bulk load).
    pub fn split(
        &mut self,
    ) -> (
        &mut Table<'txn, &'static [u8], &'static [u8]>,
        PassTables<'_, 'txn>,
    ) {
        (
            &mut self.search,
            PassTables {
                residents: &mut self.residents,
                versions: &mut self.versions,
                codes: &mut self.codes,
                my_numbers: &mut self.my_numbers,
                households: &mut self.households,
                heads: &mut self.heads,
                changes: &mut self.changes,
                meta: &mut self.meta,
            },
        )
    }
}

view_impl!(WriteTables<'txn>, Table, 'txn);

/// The tables of a write transaction but `search`, borrowed (see [`WriteTables::split`]).
pub(crate) struct PassTables<'a, 'txn> {
    pub residents: &'a mut Table<'txn, u64, &'static [u8]>,
    pub versions: &'a mut Table<'txn, (u64, u32), &'static [u8]>,
    pub codes: &'a mut Table<'txn, u64, (u64, bool)>,
    pub my_numbers: &'a mut Table<'txn, u64, (u64, bool)>,
    pub households: &'a mut Table<'txn, (u64, u64, u32), ()>,
    pub heads: &'a mut Table<'txn, u64, (u64, &'static str)>,
    pub changes: &'a mut Table<'txn, u64, (u64, u32)>,
    pub meta: &'a mut Table<'txn, &'static str, u64>,
}
