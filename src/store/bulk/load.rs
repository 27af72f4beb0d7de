//! Loading a register in bulk: one write transaction for a whole file of 転入 and the
//! 異動 that follow them.
//!
//! A [`BulkLoad`] holds the transaction. [`BulkLoad::record_staged`] runs every change
//! through the engine's own write path (`write::apply`, every check included) against an
//! in-memory staging of the tables, then inserts each table's entries in key order: it
//! writes exactly what [`crate::Database::record`] would write for the same changes
//! recorded one after another (the same versions, index entries, 更新順番号 and change
//! feed), at a fraction of the B-tree work. Nothing is visible to readers until
//! [`BulkLoad::commit`]; dropping the load, or a crash before the commit, leaves the
//! database as it was.

use super::carry::{Carrying, ToStage};
use super::flusher::{lock, Flusher, Shared};
use super::spill::Spill;
use super::staging::{Known, Staging, Writes};
use crate::model::{Date, HouseholdId, MyNumber, ResidentCode};
use crate::store::db::{BatchError, Database};
use crate::store::engine::household::members_now;
use crate::store::engine::record::StoredRecord;
use crate::store::engine::resident::Resident;
use crate::store::engine::tables::{View, WriteTables};
use crate::store::engine::write::apply;
use crate::store::error::{Result, StoreError};
use redb::{ReadableTable, ReadableTableMetadata, WriteTransaction};
use std::collections::HashMap;
use std::sync::Mutex;

/// How often (in changes) a staged load reports its progress.
const PROGRESS_EVERY: usize = 4096;

/// How much memory a pass of a load's staging may hold before it is handed to the tables
/// (and the load goes on with an empty one): the larger, the fewer passes over the trees.
/// One pass is written while the next fills, so a load holds up to twice this.
pub const STAGING_BUDGET_BYTES: usize = 128 << 20;

impl Database {
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
            // A resident with a version not yet in force (a 転出 notified ahead) as they
            // stand today.
            let rec = match self.not_yet_in_force(rec.prefix_max) {
                Some(today) => t.as_of(rec.id, today)?.unwrap_or(rec),
                None => rec,
            };
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
            now: crate::store::db::now_micros(),
            poisoned: false,
            budget: STAGING_BUDGET_BYTES,
            flushes: 0,
            known: None,
            spill_to: Some(
                self.path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map_or_else(|| std::path::PathBuf::from("."), |p| p.to_path_buf()),
            ),
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
    budget: usize,
    flushes: usize,
    /// What the load has written, from its first `record_staged` on.
    known: Option<Known>,
    /// Where a load in several passes keeps its sorted runs (see `spill`); `None`: it
    /// writes every pass to the tables.
    spill_to: Option<std::path::PathBuf>,
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
                    // As the latest versions stand (u32::MAX: no date is after it).
                    let v = !members_now(&t, household.get(), u32::MAX)?.is_empty();
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

    /// Records changes in order through the engine's write path (`write::apply`, with its
    /// every check), staged in memory and written to the tables in key order whenever the
    /// staging passes the load's memory budget and at the end (see `staging`): the same
    /// versions, index entries, 更新順番号 and change feed as [`Database::record`] would
    /// write for the same changes one after another. Each change is dropped once applied
    /// (pass them by value to free them as the load goes). `progress` is called with the
    /// number of changes applied, every few thousand. Stops at the first refused change
    /// (its index in the iteration); the load is then unusable (its commit is refused). A
    /// change that carries items from a migrated register (`carry::Migrated`) has them
    /// stored in the version it writes for its resident.
    /// May be called more than once on a load; the changes of each call follow those of
    /// the calls before.
    pub(crate) fn record_staged<C: ToStage>(
        &mut self,
        changes: impl IntoIterator<Item = C>,
        mut progress: impl FnMut(usize),
    ) -> Result<usize, BatchError> {
        let (today, now, budget) = (self.today, self.now, self.budget);
        let book = self.db.place();
        let place = book.as_deref();
        let flushes = &mut self.flushes;
        let known_slot = &mut self.known;
        // Temporary files (spill runs, latest versions) beside the database, except for an
        // encrypted file, whose records they would hold unencrypted.
        let dir = match (self.db.is_encrypted(), self.spill_to.clone()) {
            (false, Some(dir)) => Some(dir),
            _ => None,
        };
        let result = (|| {
            let at = |index: usize| move |error: StoreError| BatchError { index, error };
            let t = WriteTables::open(&self.txn).map_err(at(0))?;
            let (next_id, next_seq) = Writes::counters_of(&t).map_err(at(0))?;
            let known = match known_slot {
                Some(k) => k,
                None => {
                    known_slot.insert(Known::before(&t, next_id, dir.as_deref()).map_err(at(0))?)
                }
            };
            let tables: Shared<'_> = Mutex::new(t);
            let spill = dir.map(Spill::new);
            let mut n = 0;
            let (last, spill) = std::thread::scope(|scope| -> Result<_, BatchError> {
                let flusher = Flusher::start(scope, &tables, spill);
                let mut w = Writes::new();
                w.reset(next_id, next_seq);
                let mut staging = Staging::new(&flusher, known, w);
                for (i, c) in changes.into_iter().enumerate() {
                    match c.carried() {
                        None => apply(&mut staging, c.change(), place, today, now),
                        Some(carried) => {
                            let change = c.change();
                            let mut carrying = Carrying {
                                inner: &mut staging,
                                code: change.code.get(),
                                reason: change.reason,
                                carried,
                            };
                            apply(&mut carrying, change, place, today, now)
                        }
                    }
                    .map_err(at(i))?;
                    n += 1;
                    if n % PROGRESS_EVERY == 0 {
                        progress(n);
                    }
                    if staging.approx_bytes() > budget {
                        // Hand what is staged to the writing thread and stage on.
                        let (w, known) = staging.finish();
                        let (next_id, next_seq) = w.counters();
                        known.flushing();
                        let mut fresh = flusher.hand_over(w).map_err(at(n))?;
                        fresh.reset(next_id, next_seq);
                        staging = Staging::new(&flusher, known, fresh);
                    }
                }
                let (last, _) = staging.finish();
                let (spill, passes) = flusher.finish().map_err(at(n))?;
                *flushes += passes;
                Ok((last, spill))
            })?;
            progress(n);
            let mut t = lock(&tables).map_err(at(n))?;
            write_last(&mut t, last, spill).map_err(at(n))?;
            *flushes += 1;
            known.merged();
            Ok(n)
        })();
        if result.is_err() {
            self.poisoned = true;
        }
        result
    }

    /// Sets how much memory the staging may hold before it is written to the tables
    /// (default [`STAGING_BUDGET_BYTES`]).
    pub(crate) fn set_budget(&mut self, bytes: usize) {
        self.budget = bytes;
    }

    /// Makes a load in several passes write every pass to the tables instead of spilling
    /// the write-only ones to runs (what a load of an encrypted file does).
    #[cfg(test)]
    pub(crate) fn no_spill(&mut self) {
        self.spill_to = None;
    }

    /// How many times the staging has been written to the tables so far.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn flushes(&self) -> usize {
        self.flushes
    }

    /// Sets the recording time every version of the load carries (tests compare the bytes
    /// of two paths, which needs the same time on both).
    #[cfg(test)]
    pub(crate) fn set_now(&mut self, now: i64) {
        self.now = now;
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
        self.db.snapshots.committed();
        self.db.group.announce();
        Ok(())
    }
}

/// Writes a load's last pass. A load done in one pass writes it straight to the tables; one
/// done in several writes it to runs too, and merges them all: the 4情報 keys on a thread of
/// their own, the rest, the versions and the current records on this one.
fn write_last(t: &mut WriteTables<'_>, mut last: Writes, spill: Option<Spill>) -> Result<()> {
    let Some(Spill {
        search: mut search_runs,
        records: mut record_runs,
    }) = spill.filter(|s| !s.is_empty())
    else {
        return last.flush(t, None);
    };
    let (search, mut rest) = t.split();
    let mut keys = std::mem::take(&mut last.search);
    std::thread::scope(|scope| -> Result<(), StoreError> {
        let merging = scope.spawn(move || -> Result<(), StoreError> {
            keys.flush(search, Some(&mut search_runs))?;
            drop(keys);
            search_runs.merge_into(search)
        });
        let rest_done = last
            .flush_rest(&mut rest, Some(&mut record_runs))
            .and_then(|()| record_runs.merge_into(rest.residents, rest.versions));
        let merged = merging
            .join()
            .map_err(|_| StoreError::Storage("the load's merging thread stopped".into()))?;
        rest_done.and(merged)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::generator::{history, residents, GenOptions};
    use crate::store::db::Clock;
    use crate::store::engine::change::Change;
    use crate::store::error::Rule;
    use crate::store::model_test::one_by_one;

    fn fixture(dir: &tempfile::TempDir, name: &str, today: Date) -> Database {
        let db = Database::create(dir.path().join(name)).unwrap();
        db.set_clock(Clock::Fixed(today));
        db
    }

    fn generated(n: usize, seed: u64, today: Date) -> (Vec<Change>, Vec<Change>) {
        let mut opts = GenOptions::new(n, seed, today);
        opts.history = true;
        let moves = residents(&opts).map(|r| r.to_move_in()).collect();
        let later = history(&opts).map(|c| c.to_change()).collect();
        (moves, later)
    }

    /// The staged path writes the same bytes as the engine's path, given the same
    /// recording time.
    #[test]
    fn staged_load_equals_the_engine_path() {
        let today = Date::parse("2026-04-01").unwrap();
        let (moves, later) = generated(400, 7, today);
        let dir = tempfile::tempdir().unwrap();

        let a = fixture(&dir, "a.redb", today);
        let mut load = a.begin_bulk().unwrap();
        load.now = 1_000;
        let all: Vec<&Change> = moves.iter().chain(&later).collect();
        let mut seen = 0;
        let n = load.record_staged(all, |d| seen = d).unwrap();
        assert_eq!(n, moves.len() + later.len());
        assert_eq!(seen, n);
        load.commit().unwrap();

        let b = fixture(&dir, "b.redb", today);
        let all: Vec<Change> = moves.iter().chain(&later).cloned().collect();
        one_by_one(&b, &all, today);
        assert_eq!(a.content_digest().unwrap(), b.content_digest().unwrap());
        assert!(a.check().unwrap().problems.is_empty());
    }

    /// Staged over a register that already holds residents: reads reach through to the
    /// tables (history of residents loaded before, households they head).
    #[test]
    fn staged_load_over_existing_residents_equals_the_engine_path() {
        let today = Date::parse("2026-04-01").unwrap();
        let (moves, later) = generated(300, 11, today);
        let (first, rest) = moves.split_at(moves.len() / 2);
        // Keep households whole in the first part.
        let cut = rest
            .iter()
            .position(|c| c.fields.relationship.as_ref().unwrap().is_head())
            .unwrap();
        let (first, rest): (Vec<Change>, Vec<Change>) = (
            first.iter().chain(&rest[..cut]).cloned().collect(),
            rest[cut..].to_vec(),
        );
        let dir = tempfile::tempdir().unwrap();

        let a = fixture(&dir, "a.redb", today);
        one_by_one(&a, &first, today);
        let mut load = a.begin_bulk().unwrap();
        load.now = 1_000;
        load.record_staged(rest.iter().chain(&later), |_| {})
            .unwrap();
        load.commit().unwrap();

        let b = fixture(&dir, "b.redb", today);
        let all: Vec<Change> = first.iter().chain(&rest).chain(&later).cloned().collect();
        one_by_one(&b, &all, today);
        assert_eq!(a.content_digest().unwrap(), b.content_digest().unwrap());
    }

    /// A load larger than its budget is written in several passes, each over the tables
    /// the passes before wrote, and still writes what the engine's path writes.
    #[test]
    fn a_load_over_its_budget_flushes_in_passes_and_equals_the_engine_path() {
        let today = Date::parse("2026-04-01").unwrap();
        let (moves, later) = generated(400, 5, today);
        let dir = tempfile::tempdir().unwrap();
        let b = fixture(&dir, "b.redb", today);
        let all: Vec<Change> = moves.iter().chain(&later).cloned().collect();
        one_by_one(&b, &all, today);
        // Spilling the write-only tables to sorted runs, and writing every pass to them.
        for spill in [true, false] {
            let a = fixture(&dir, &format!("a-{spill}.redb"), today);
            let mut load = a.begin_bulk().unwrap();
            load.now = 1_000;
            load.set_budget(16 << 10);
            if !spill {
                load.no_spill();
            }
            let n = load
                .record_staged(moves.iter().chain(&later), |_| {})
                .unwrap();
            assert!(load.flushes() > 5, "{} flushes", load.flushes());
            // Each pass starts empty: a pass holds many changes, not one.
            assert!(load.flushes() < n / 4, "{} flushes for {n}", load.flushes());
            load.commit().unwrap();
            assert_eq!(a.content_digest().unwrap(), b.content_digest().unwrap());
            assert!(a.check().unwrap().problems.is_empty());
        }
    }

    /// A load in several passes into a register that already holds residents: the keys of
    /// its residents, codes, My Numbers, households and 4情報 blocks fall between those in
    /// the tables (written with `insert`), its new residents' versions and the change feed
    /// after them (through the cursor), and history rows add versions to residents of the
    /// register. Spilled to runs or not, it writes what the engine's path writes.
    #[test]
    fn a_load_in_passes_over_existing_residents_equals_the_engine_path() {
        let today = Date::parse("2026-04-01").unwrap();
        let (moves, later) = generated(400, 13, today);
        // The first part: every other household, so that the codes of the two parts interleave.
        let mut first = Vec::new();
        let mut rest = Vec::new();
        let mut households = 0;
        for c in &moves {
            if c.fields.relationship.as_ref().unwrap().is_head() {
                households += 1;
            }
            if households % 2 == 1 {
                first.push(c.clone());
            } else {
                rest.push(c.clone());
            }
        }
        assert!(first.len() > 50 && rest.len() > 50);
        let dir = tempfile::tempdir().unwrap();
        let b = fixture(&dir, "b.redb", today);
        let all: Vec<Change> = first.iter().chain(&rest).chain(&later).cloned().collect();
        one_by_one(&b, &all, today);
        for spill in [true, false] {
            let a = fixture(&dir, &format!("a-{spill}.redb"), today);
            one_by_one(&a, &first, today);
            let mut load = a.begin_bulk().unwrap();
            load.now = 1_000;
            load.set_budget(16 << 10);
            if !spill {
                load.no_spill();
            }
            load.record_staged(rest.iter().chain(&later), |_| {})
                .unwrap();
            assert!(load.flushes() > 5, "{} flushes", load.flushes());
            load.commit().unwrap();
            assert_eq!(a.content_digest().unwrap(), b.content_digest().unwrap());
            assert!(a.check().unwrap().problems.is_empty());
        }
    }

    #[test]
    fn refused_loads_write_nothing() {
        let today = Date::parse("2026-04-01").unwrap();
        let opts = GenOptions::new(50, 3, today);
        let mut moves: Vec<Change> = residents(&opts).map(|r| r.to_move_in()).collect();
        let dir = tempfile::tempdir().unwrap();
        let db = fixture(&dir, "a.redb", today);
        let before = db.content_digest().unwrap();
        let dup = moves[0].clone();
        moves.push(dup);
        let mut load = db.begin_bulk().unwrap();
        let err = load.record_staged(&moves, |_| {}).unwrap_err();
        assert_eq!(err.index, moves.len() - 1);
        assert_eq!(err.error.code(), "ILLEGAL_CHANGE");
        assert!(load.commit().is_err());
        assert_eq!(db.content_digest().unwrap(), before);
    }

    /// A pass the writing thread cannot write (here: its spill run, once the directory for
    /// it is gone) fails the load with that error, and nothing is committed.
    #[test]
    fn a_pass_that_cannot_be_written_fails_the_load() {
        let today = Date::parse("2026-04-01").unwrap();
        let (moves, _) = generated(300, 9, today);
        let dir = tempfile::tempdir().unwrap();
        let db = fixture(&dir, "a.redb", today);
        let before = db.content_digest().unwrap();
        let runs = tempfile::tempdir().unwrap();
        let runs_path = runs.path().to_path_buf();
        let mut load = db.begin_bulk().unwrap();
        load.spill_to = Some(runs_path.clone());
        load.set_budget(16 << 10);
        let changes = moves.iter().enumerate().map(|(i, c)| {
            if i == 1 {
                std::fs::remove_dir_all(&runs_path).unwrap();
            }
            c
        });
        let err = load.record_staged(changes, |_| {}).unwrap_err();
        assert_eq!(err.error.code(), "IO", "{}", err.error);
        assert!(err.error.to_string().contains("spill"), "{}", err.error);
        assert!(err.index < moves.len(), "{}", err.index);
        assert!(load.commit().is_err());
        assert_eq!(db.content_digest().unwrap(), before);
        drop(runs);
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
        let err = load.record_staged(&moves[i..], |_| {}).unwrap_err();
        assert_eq!(err.error.rule(), Some(Rule::HouseholdWithoutHead));
    }
}
