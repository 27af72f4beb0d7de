//! Loading a register in bulk: one write transaction for a whole file of 転入 and the
//! 異動 that follow them.
//!
//! A [`BulkLoad`] holds the transaction. Its 転入 path ([`BulkLoad::move_ins`]) writes
//! exactly what [`crate::Database::record`] would write for the same 転入 recorded one after
//! another (the same versions, index entries, 更新順番号 and change feed), but checks them as
//! a batch and inserts each table's entries in key order, which is several times faster than
//! one B-tree descent per entry. Its other path ([`BulkLoad::record_all`]) runs the engine's
//! own write path for each change. Nothing is visible to readers until
//! [`BulkLoad::commit`]; dropping the load, or a crash before the commit, leaves the
//! database as it was.

use super::change::Change;
use super::db::{BatchError, Database};
use super::error::{Result, Rule, StoreError};
use super::household::members_now;
use super::record::{FieldSet, StoredRecord};
use super::resident::Resident;
use super::schema::*;
use super::tables::{View, WriteTables};
use super::write::{apply, components};
use crate::model::{Date, HouseholdId, MyNumber, Reason, ResidentCode, Status};
use redb::{ReadableTable, ReadableTableMetadata, WriteTransaction};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The redb cache a database opened for loading gets by default: large enough to keep a
/// million residents' pages in memory during the load.
pub const BULK_CACHE_BYTES: usize = 4 << 30;

impl Database {
    /// Opens an existing database file with a page cache of `cache_bytes` (redb's default
    /// is 1 GiB). A large cache keeps a large load's pages in memory until the commit.
    pub fn open_with_cache(path: impl AsRef<Path>, cache_bytes: usize) -> Result<Database> {
        let path = path.as_ref();
        // Check existence and format through the ordinary open first.
        drop(Database::open(path)?);
        let db = redb::Builder::new()
            .set_cache_size(cache_bytes)
            .open(path)?;
        Database::from_opened(db, path)
    }

    /// Calls `f` with the current version of every resident, active and removed, in
    /// resident code order, from one snapshot, without holding them all in memory. Stops at
    /// the first error `f` returns.
    pub(crate) fn for_each_resident<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(Resident) -> Result<(), E>,
    ) -> Result<(), E> {
        let t = self.read()?;
        for entry in t.residents.iter().map_err(StoreError::from)? {
            let (_, v) = entry.map_err(StoreError::from)?;
            let rec = StoredRecord::decode("residents", v.value())?;
            f(Resident::from_stored(rec)?)?;
        }
        Ok(())
    }

    /// Calls `f` with every version of every resident, resident after resident (in the
    /// order they were first recorded), oldest version first, from one snapshot.
    pub(crate) fn for_each_version<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(Resident) -> Result<(), E>,
    ) -> Result<(), E> {
        let t = self.read()?;
        for entry in t.versions.iter().map_err(StoreError::from)? {
            let (_, v) = entry.map_err(StoreError::from)?;
            let rec = StoredRecord::decode("versions", v.value())?;
            f(Resident::from_stored(rec)?)?;
        }
        Ok(())
    }

    /// Starts a bulk load: one write transaction, committed by [`BulkLoad::commit`].
    pub(crate) fn begin_bulk(&self) -> Result<BulkLoad<'_>> {
        let txn = self.redb().begin_write()?;
        Ok(BulkLoad {
            db: self,
            txn,
            today: self.today(),
            now: super::db::now_micros(),
            poisoned: false,
        })
    }
}

/// A load in progress: one open write transaction.
pub struct BulkLoad<'db> {
    db: &'db Database,
    txn: WriteTransaction,
    today: Date,
    now: i64,
    poisoned: bool,
}

impl std::fmt::Debug for BulkLoad<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkLoad")
            .field("path", &self.db.path)
            .finish()
    }
}

/// What the database already holds of a resident about to be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Taken {
    /// The resident code is held, now or formerly, by a resident.
    pub code: bool,
    /// The My Number is held, now or formerly, by a resident.
    pub my_number: bool,
    /// The household has active members.
    pub household: bool,
}

impl<'db> BulkLoad<'db> {
    /// Checks what the database already holds of these identifiers, in the load's own
    /// transaction (so nothing can change between the check and the load).
    pub(crate) fn taken(
        &self,
        items: impl IntoIterator<Item = (ResidentCode, MyNumber, HouseholdId)>,
    ) -> Result<Vec<Taken>> {
        let t = WriteTables::open(&self.txn)?;
        let mut households: HashMap<u64, bool> = HashMap::new();
        let mut out = Vec::new();
        let empty = t.codes.is_empty()?;
        for (code, number, household) in items {
            if empty {
                out.push(Taken::default());
                continue;
            }
            let h = match households.get(&household.get()) {
                Some(&v) => v,
                None => {
                    let v = !members_now(&t, household.get())?.is_empty();
                    households.insert(household.get(), v);
                    v
                }
            };
            out.push(Taken {
                code: t.id_of_code(code.get())?.is_some(),
                my_number: t.id_of_my_number(number.get())?.is_some(),
                household: h,
            });
        }
        Ok(out)
    }

    /// Records a batch of 転入 of new residents, in order. Each must carry every field a
    /// 転入 requires and no 転入前住所; the resident codes and My Numbers must be new; the
    /// first member of each household in the batch must be its 世帯主, the only one, and the
    /// household must have no active members yet; the dates must pass the engine's checks.
    /// A refused batch names the first change that fails; the load is then unusable (its
    /// commit is refused).
    pub(crate) fn move_ins(&mut self, changes: &[Change]) -> Result<usize, BatchError> {
        let result = self.move_ins_inner(changes);
        if result.is_err() {
            self.poisoned = true;
        }
        result
    }

    fn move_ins_inner(&mut self, changes: &[Change]) -> Result<usize, BatchError> {
        let at = |i: usize| move |e: StoreError| BatchError { index: i, error: e };
        let mut t = WriteTables::open(&self.txn).map_err(at(0))?;
        let mut next_id = t.meta_value(META_NEXT_ID).map_err(at(0))?.unwrap_or(1);
        let mut next_seq = t.meta_value(META_NEXT_SEQ).map_err(at(0))?.unwrap_or(1);
        let taken = {
            let items = changes
                .iter()
                .filter_map(|c| Some((c.code, c.fields.my_number?, c.fields.household?)));
            drop(t);
            let v = self.taken(items).map_err(at(0))?;
            t = WriteTables::open(&self.txn).map_err(at(0))?;
            v
        };

        // Checks, in the engine's order, and the records.
        let mut codes = HashSet::with_capacity(changes.len());
        let mut numbers = HashSet::with_capacity(changes.len());
        let mut heads: HashMap<u64, bool> = HashMap::new();
        let mut records: Vec<StoredRecord> = Vec::with_capacity(changes.len());
        for (i, c) in changes.iter().enumerate() {
            let rec = self
                .check_move_in(
                    c,
                    taken.get(i).copied(),
                    &mut codes,
                    &mut numbers,
                    &mut heads,
                )
                .and_then(|()| fresh_record(c, next_id, next_seq, self.today, self.now))
                .map_err(at(i))?;
            next_id += 1;
            next_seq += 1;
            records.push(rec);
        }

        let n = records.len();
        let encoded: Vec<Vec<u8>> = records.iter().map(StoredRecord::encode).collect();
        let mut search: Vec<Vec<u8>> = Vec::with_capacity(n * 5);
        for r in &records {
            for key in components(r).prefixes() {
                search.push(with_suffix(key, r.id, 1));
            }
        }
        search.sort_unstable();
        let mut by_code: Vec<usize> = (0..n).collect();
        by_code.sort_unstable_by_key(|&i| records[i].code);
        let mut by_number: Vec<(u64, u64)> = records.iter().map(|r| (r.my_number, r.id)).collect();
        by_number.sort_unstable();
        let mut households: Vec<(u64, u64)> = records.iter().map(|r| (r.household, r.id)).collect();
        households.sort_unstable();

        let e = at(n);
        for (r, bytes) in records.iter().zip(&encoded) {
            t.versions
                .insert((r.id, 1), bytes.as_slice())
                .map_err(|x| e(x.into()))?;
        }
        for r in &records {
            t.changes
                .insert(r.seq, (r.id, 1))
                .map_err(|x| e(x.into()))?;
        }
        for &i in &by_code {
            t.residents
                .insert(records[i].code, encoded[i].as_slice())
                .map_err(|x| e(x.into()))?;
        }
        for &i in &by_code {
            t.codes
                .insert(records[i].code, (records[i].id, true))
                .map_err(|x| e(x.into()))?;
        }
        for (number, id) in by_number {
            t.my_numbers
                .insert(number, (id, true))
                .map_err(|x| e(x.into()))?;
        }
        for (h, id) in households {
            t.households
                .insert((h, id, 1), ())
                .map_err(|x| e(x.into()))?;
        }
        for key in &search {
            t.search
                .insert(key.as_slice(), ())
                .map_err(|x| e(x.into()))?;
        }
        t.meta
            .insert(META_NEXT_ID, next_id)
            .map_err(|x| e(x.into()))?;
        t.meta
            .insert(META_NEXT_SEQ, next_seq)
            .map_err(|x| e(x.into()))?;
        Ok(n)
    }

    fn check_move_in(
        &self,
        c: &Change,
        taken: Option<Taken>,
        codes: &mut HashSet<u64>,
        numbers: &mut HashSet<u64>,
        heads: &mut HashMap<u64, bool>,
    ) -> Result<()> {
        if c.reason != Reason::MoveIn {
            return Err(StoreError::illegal(
                Rule::FieldNotAllowed,
                format!("a bulk load takes 転入 only, not {}", c.reason),
            ));
        }
        c.check_fields()?;
        if c.fields.previous_address.is_some() {
            return Err(StoreError::illegal(
                Rule::FieldNotAllowed,
                "a bulk 転入 carries no 転入前住所",
            ));
        }
        let f = &c.fields;
        let (Some(number), Some(birth), Some(household), Some(rel)) =
            (f.my_number, f.birth, f.household, f.relationship.as_ref())
        else {
            return Err(StoreError::illegal(
                Rule::MissingField,
                "転入 needs every field",
            ));
        };
        let taken = taken.unwrap_or_default();
        let code = c.code.get();
        if taken.code || !codes.insert(code) {
            return Err(StoreError::Conflict(format!(
                "resident code {code:011} is already taken, now or formerly"
            )));
        }
        let today = self.today;
        let reported = c.reported.unwrap_or(today);
        if reported > today {
            return Err(StoreError::illegal(
                Rule::ReportedInFuture,
                format!("届出日 {reported} is after today ({today})"),
            ));
        }
        if birth > today {
            return Err(StoreError::illegal(
                Rule::InFuture,
                format!("birth date {birth} is in the future"),
            ));
        }
        if c.date < birth {
            return Err(StoreError::illegal(
                Rule::BeforeBirth,
                format!("転入: 異動日 {} is before the birth date {birth}", c.date),
            ));
        }
        if c.date > today {
            return Err(StoreError::illegal(
                Rule::InFuture,
                format!("転入: 異動日 {} is in the future", c.date),
            ));
        }
        if c.date > reported {
            return Err(StoreError::illegal(
                Rule::AfterReported,
                format!("転入: 異動日 {} is after the 届出日 {reported}", c.date),
            ));
        }
        if taken.my_number || !numbers.insert(number.get()) {
            return Err(StoreError::Conflict(
                "the My Number is held, now or formerly, by another resident".into(),
            ));
        }
        let h = household.get();
        match heads.get(&h) {
            None if taken.household => {
                return Err(StoreError::illegal(
                    Rule::HouseholdTwoHeads,
                    format!("household {h} already has members in the database"),
                ))
            }
            None if !rel.is_head() => {
                return Err(StoreError::illegal(
                    Rule::HouseholdWithoutHead,
                    format!("household {h} has no members; its first member must be 世帯主"),
                ))
            }
            Some(_) if rel.is_head() => {
                return Err(StoreError::illegal(
                    Rule::HouseholdTwoHeads,
                    format!("household {h} already has a 世帯主"),
                ))
            }
            _ => {}
        }
        heads.insert(h, true);
        Ok(())
    }

    /// Records changes one after another through the engine's write path, with its every
    /// check, as [`Database::record`] would. Stops at the first refused change (its index
    /// in the iteration); the load is then unusable (its commit is refused).
    pub(crate) fn record_all<'c>(
        &mut self,
        changes: impl IntoIterator<Item = &'c Change>,
    ) -> Result<usize, BatchError> {
        let result = (|| {
            let mut t =
                WriteTables::open(&self.txn).map_err(|e| BatchError { index: 0, error: e })?;
            let mut n = 0;
            for (i, c) in changes.into_iter().enumerate() {
                apply(&mut t, c, self.today, self.now)
                    .map_err(|e| BatchError { index: i, error: e })?;
                n += 1;
            }
            Ok(n)
        })();
        if result.is_err() {
            self.poisoned = true;
        }
        result
    }

    /// Commits everything the load wrote, durably. Refused when a step of the load failed.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn commit(self) -> Result<()> {
        self.commit_with(|_| Ok(()))
    }

    /// Commits after running `before_commit` in the load's transaction (the seam for the
    /// operation-log entry of the load).
    pub(crate) fn commit_with(
        self,
        before_commit: impl FnOnce(&redb::WriteTransaction) -> Result<()>,
    ) -> Result<()> {
        if self.poisoned {
            return Err(StoreError::Storage(
                "a step of the load failed; nothing was committed".into(),
            ));
        }
        before_commit(&self.txn)?;
        self.txn.commit()?;
        Ok(())
    }
}

/// The first version of a new resident, exactly as the engine's 転入 writes it.
fn fresh_record(c: &Change, id: u64, seq: u64, today: Date, now: i64) -> Result<StoredRecord> {
    let f = &c.fields;
    let missing = || StoreError::illegal(Rule::MissingField, "転入 needs every field");
    let d = c.date.to_yyyymmdd();
    Ok(StoredRecord {
        id,
        version: 1,
        seq,
        code: c.code.get(),
        my_number: f.my_number.ok_or_else(missing)?.get(),
        name: f.name.as_ref().ok_or_else(missing)?.as_str().to_string(),
        kana: f.kana.as_ref().ok_or_else(missing)?.as_str().to_string(),
        sex: f.sex.ok_or_else(missing)?.code(),
        birth: f.birth.ok_or_else(missing)?.to_yyyymmdd(),
        address: f
            .address
            .as_ref()
            .ok_or_else(missing)?
            .written()
            .to_string(),
        postal: f.postal.ok_or_else(missing)?.get(),
        household: f.household.ok_or_else(missing)?.get(),
        relationship: f
            .relationship
            .as_ref()
            .ok_or_else(missing)?
            .as_str()
            .to_string(),
        status: Status::Active.code(),
        reason: Reason::MoveIn.code(),
        valid_from: d,
        reported: c.reported.unwrap_or(today).to_yyyymmdd(),
        recorded_at: now,
        resident_since: d,
        address_since: d,
        previous_address: None,
        destination: None,
        removed_on: 0,
        changed: FieldSet::ALL.0,
        prefix_max: d,
        operator: c.operator.clone(),
        terminal: c.terminal.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::generator::{history, residents, GenOptions};
    use crate::store::db::Clock;

    fn fixture(dir: &tempfile::TempDir, name: &str, today: Date) -> Database {
        let db = Database::create(dir.path().join(name)).unwrap();
        db.set_clock(Clock::Fixed(today));
        db
    }

    /// The bulk path writes the same bytes as the engine's path, given the same recording
    /// time.
    #[test]
    fn bulk_move_ins_equal_the_engine_path() {
        let today = Date::parse("2026-04-01").unwrap();
        let mut opts = GenOptions::new(400, 7, today);
        opts.history = true;
        let moves: Vec<Change> = residents(&opts).map(|r| r.to_move_in()).collect();
        let later: Vec<Change> = history(&opts).map(|c| c.to_change()).collect();
        let dir = tempfile::tempdir().unwrap();

        let a = fixture(&dir, "a.redb", today);
        let mut load = a.begin_bulk().unwrap();
        load.now = 1_000;
        load.move_ins(&moves).unwrap();
        load.record_all(&later).unwrap();
        load.commit().unwrap();

        let b = fixture(&dir, "b.redb", today);
        let txn = b.redb().begin_write().unwrap();
        {
            let mut t = WriteTables::open(&txn).unwrap();
            for c in moves.iter().chain(&later) {
                apply(&mut t, c, today, 1_000).unwrap();
            }
        }
        txn.commit().unwrap();
        assert_eq!(a.content_digest().unwrap(), b.content_digest().unwrap());
    }

    #[test]
    fn refused_batches_write_nothing() {
        let today = Date::parse("2026-04-01").unwrap();
        let opts = GenOptions::new(50, 3, today);
        let mut moves: Vec<Change> = residents(&opts).map(|r| r.to_move_in()).collect();
        let dir = tempfile::tempdir().unwrap();
        let db = fixture(&dir, "a.redb", today);
        let before = db.content_digest().unwrap();
        let dup = moves[0].clone();
        moves.push(dup);
        let mut load = db.begin_bulk().unwrap();
        let err = load.move_ins(&moves).unwrap_err();
        assert_eq!(err.index, moves.len() - 1);
        assert_eq!(err.error.code(), "CONFLICT");
        assert!(load.commit().is_err());
        assert_eq!(db.content_digest().unwrap(), before);
    }

    #[test]
    fn a_member_before_the_head_is_refused() {
        let today = Date::parse("2026-04-01").unwrap();
        let opts = GenOptions::new(50, 3, today);
        let moves: Vec<Change> = residents(&opts).map(|r| r.to_move_in()).collect();
        let i = moves
            .iter()
            .position(|c| !c.fields.relationship.as_ref().unwrap().is_head())
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let db = fixture(&dir, "a.redb", today);
        let mut load = db.begin_bulk().unwrap();
        let err = load.move_ins(&moves[i..]).unwrap_err();
        assert_eq!(err.error.rule(), Some(Rule::HouseholdWithoutHead));
    }
}
