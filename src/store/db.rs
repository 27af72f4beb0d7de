//! [`Database`]: a juki file opened for use. Opening checks the format version; every
//! 異動 is one write transaction; every read is one snapshot.

use super::engine::cache::cache_for;
use super::engine::change::Change;
use super::engine::history::{as_recorded, find_in_household, head_name};
use super::engine::household::{members_now, sort_members};
use super::engine::household_move::head_of;
use super::engine::ledger::Ledger;
use super::engine::place::read_book;
use super::engine::record::StoredRecord;
use super::engine::report::{HouseholdRow, Period, Report};
use super::engine::resident::Resident;
use super::engine::schema::*;
use super::engine::search::{find, SearchHit, SearchQuery};
use super::engine::snapshot::SnapshotCache;
use super::engine::stats::{stats, StatDim, StatsRow};
use super::engine::tables::{resident_as_of_in, ReadTables, View, WriteTables};
use super::engine::write::{apply, check_by_statement, write_archived, Receipt};
use super::error::{Result, StoreError};
use super::handle::Redb;
use crate::model::{Date, HouseholdId, MyNumber, PlaceBook, ResidentCode};
use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata, TableHandle, WriteTransaction};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};

/// The page cache for a process that opens a file to load it (`juki import`): a load
/// writes its pages in key order and seldom reads one back, so a small cache costs it
/// little and keeps its memory flat. Half of it holds dirty pages; past that redb writes
/// the oldest to the file under its page allocator's lock, which the two threads merging
/// at the end of a load share (1M: 256 MiB 43.0 s, 512 MiB 40.0–41.2 s, same peak memory).
pub const LOAD_CACHE_BYTES: usize = 512 << 20;

/// Where the engine takes "today" from: the date checks (no future 異動日, no future
/// birth) and ages in statistics depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Today in Japan (UTC+9).
    System,
    /// A fixed date, for tests and for replaying old notifications.
    Fixed(Date),
}

/// A [`Clock`] that can be changed through a shared reference: 0 is the system clock,
/// anything else a fixed `yyyymmdd`. Beside it, the last day a read found to be today, a
/// lower bound of today (the system clock only moves forward; setting the clock resets it),
/// so that the reads "now" need the clock only for a resident with a version dated after it.
#[derive(Debug, Default)]
pub(crate) struct ClockCell(std::sync::atomic::AtomicU32, std::sync::atomic::AtomicU32);

impl ClockCell {
    pub(crate) fn set(&self, clock: Clock) {
        let v = match clock {
            Clock::System => 0,
            Clock::Fixed(d) => d.to_yyyymmdd(),
        };
        self.0.store(v, std::sync::atomic::Ordering::Relaxed);
        self.1.store(0, std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> Clock {
        match self.0.load(std::sync::atomic::Ordering::Relaxed) {
            0 => Clock::System,
            v => Date::from_yyyymmdd(v).map_or(Clock::System, Clock::Fixed),
        }
    }
}

impl From<Clock> for ClockCell {
    fn from(c: Clock) -> Self {
        let cell = ClockCell::default();
        cell.set(c);
        cell
    }
}

/// A resident found by My Number, and whether the number is the resident's current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyNumberMatch {
    /// The resident's current version.
    pub resident: Resident,
    /// False when the number is a former My Number of this resident.
    pub current: bool,
}

/// A household's members on a date (or now), head first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    /// 世帯番号.
    pub id: HouseholdId,
    /// The members, 世帯主 first, then by birth date.
    pub members: Vec<Resident>,
}

/// One entry of the change feed: a version in 更新順番号 order, carrying the items the
/// prefecture is notified of (code, name, birth date, sex, address, My Number, 異動事由,
/// 異動日).
pub type ChangeEntry = Resident;

/// Record counts of a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Residents, active and removed.
    pub residents: u64,
    /// Active residents.
    pub active: u64,
    /// Versions of all residents.
    pub versions: u64,
    /// The last 更新順番号 written (0 for an empty database).
    pub last_seq: u64,
}

/// A refused batch: the position (from 0) of the change that failed, and why.
#[derive(Debug, thiserror::Error)]
#[error("change {index} of the batch: {error}")]
pub struct BatchError {
    /// The position of the failing change in the batch.
    pub index: usize,
    /// Why it failed.
    pub error: StoreError,
}

impl BatchError {
    fn at(index: usize, error: StoreError) -> BatchError {
        BatchError { index, error }
    }
}

/// A juki database file.
pub struct Database {
    /// The read snapshot lookups share (dropped before the redb database).
    pub(super) snapshots: SnapshotCache,
    /// The redb database, read-write or read-only (`store::handle`). Every transaction
    /// begins under the read lock, held only while it begins (an uncontended read lock is
    /// one atomic operation); COMPACT, which needs the database to itself, takes the write
    /// lock.
    pub(super) db: RwLock<Redb>,
    pub(super) path: PathBuf,
    pub(super) clock: ClockCell,
    /// The key material when the file is encrypted at rest (`store::crypt`).
    pub(super) crypt: Option<std::sync::Arc<super::crypt::Sealed>>,
    /// The register's municipality and address dictionaries, as the file holds them
    /// (`engine::place`): read when the file opens, replaced after LOAD TOWNS commits.
    pub(super) place: RwLock<Option<Arc<PlaceBook>>>,
    /// Whether 異動 share disk syncs (`engine::group`; a server turns it on).
    pub(super) group: super::engine::group::GroupCommit,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("path", &self.path)
            .finish()
    }
}

/// Lays out an empty register in a new file's first transaction: the format version and
/// counters in `meta`, and every table of the engine (so that a reader never finds one
/// missing).
pub(crate) fn write_empty_register(txn: &WriteTransaction) -> Result<()> {
    let mut meta = txn.open_table(META)?;
    meta.insert(META_FORMAT, FORMAT_VERSION)?;
    meta.insert(META_NEXT_ID, 1)?;
    meta.insert(META_NEXT_SEQ, 1)?;
    drop(meta);
    txn.open_table(RESIDENTS)?;
    txn.open_table(VERSIONS)?;
    txn.open_table(CODES)?;
    txn.open_table(MY_NUMBERS)?;
    txn.open_table(SEARCH)?;
    txn.open_table(HOUSEHOLDS)?;
    txn.open_table(HEADS)?;
    txn.open_table(CHANGES)?;
    Ok(())
}

/// A juki file of any format version, opened read-only for its upgrade.
pub(crate) struct UpgradeSource {
    /// The file, as redb opened it without modifying it.
    pub db: redb::ReadOnlyDatabase,
    /// Its seal, when encrypted: the upgraded copy is sealed alike.
    pub crypt: Option<Arc<super::crypt::Sealed>>,
    /// Its format version.
    pub format: u64,
}

/// Opens a juki file of any format version for its upgrade (`Juki::upgrade`), with its key
/// when it is encrypted. redb opens it read-only: nothing is written to it, not even the
/// mark of an open file, so the original kept beside the upgraded one is byte for byte the
/// file as it was. A file that was not closed cleanly is refused (redb would have to
/// repair it first).
pub(crate) fn open_for_upgrade(
    path: &Path,
    key: Option<&super::crypt::Key>,
) -> Result<UpgradeSource> {
    use super::crypt::FileKind;
    if !path.exists() {
        return Err(StoreError::NotFound(format!(
            "database file {}",
            path.display()
        )));
    }
    let builder = redb::Database::builder();
    let (db, crypt) = match (super::crypt::file_kind(path)?, key) {
        (FileKind::Encrypted, None) => {
            return Err(StoreError::Encrypted(path.display().to_string()))
        }
        (FileKind::Encrypted, Some(key)) => {
            let (backend, sealed) = super::crypt::open_backend(path, key)?;
            (builder.open_read_only_with_backend(backend)?, Some(sealed))
        }
        (FileKind::Checksummed, _) => (
            builder.open_read_only_with_backend(super::crypt::open_checksummed(path)?)?,
            None,
        ),
        (FileKind::Redb, _) => (builder.open_read_only(path)?, None),
    };
    let txn = db.begin_read()?;
    let meta = match txn.open_table(META) {
        Ok(m) => m,
        Err(redb::TableError::TableDoesNotExist(_)) => {
            return Err(StoreError::NotJuki(path.display().to_string()))
        }
        Err(e) => return Err(e.into()),
    };
    let Some(format) = meta.get(META_FORMAT)?.map(|g| g.value()) else {
        return Err(StoreError::NotJuki(path.display().to_string()));
    };
    drop(meta);
    drop(txn);
    Ok(UpgradeSource { db, crypt, format })
}

/// Builds `heads` from the current records, in a file written before the table existed
/// (one pass over `residents`, one commit). The table is derived data, like the indexes:
/// the content digest leaves it out, so a file and its backups keep their digest.
pub(crate) fn build_heads(db: &redb::Database) -> Result<()> {
    let txn = db.begin_write()?;
    {
        let residents = txn.open_table(RESIDENTS)?;
        let mut heads = txn.open_table(HEADS)?;
        for entry in residents.iter()? {
            let (_, v) = entry?;
            let rec = StoredRecord::access("residents", v.value())?;
            let h = rec.household.to_native();
            if rec.status == crate::model::Status::Active.code()
                && rec.relationship.as_str() == "世帯主"
            {
                heads.insert(h, (rec.id.to_native(), rec.name.as_str()))?;
            }
        }
    }
    txn.commit()?;
    Ok(())
}

impl Database {
    /// Creates a new database file (mode 0600 on Unix). Refuses to touch an existing file.
    #[cfg(any(test, feature = "testing"))]
    pub fn create(path: impl AsRef<Path>) -> Result<Database> {
        Self::create_with(path, |_| Ok(()))
    }

    /// Creates a new database file and runs `init` in the transaction that lays out its
    /// tables, so that the file never exists without what `init` writes (its first
    /// administrator).
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn create_with<E>(
        path: impl AsRef<Path>,
        init: impl FnOnce(&WriteTransaction) -> std::result::Result<(), E>,
    ) -> std::result::Result<Database, E>
    where
        E: From<StoreError>,
    {
        Self::create_keyed(path, None, init)
    }

    /// [`Database::create_with`], encrypted at rest under `key` when one is given.
    pub(crate) fn create_keyed<E>(
        path: impl AsRef<Path>,
        key: Option<&super::crypt::Key>,
        init: impl FnOnce(&WriteTransaction) -> std::result::Result<(), E>,
    ) -> std::result::Result<Database, E>
    where
        E: From<StoreError>,
    {
        let path = path.as_ref();
        let (db, txn, crypt) = Self::lay_out(path, key)?;
        let done = init(&txn).and_then(|()| txn.commit().map_err(|e| E::from(e.into())));
        if let Err(e) = done {
            drop(db);
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
        let place = read_book(&db.begin_read().map_err(|e| E::from(e.into()))?)
            .map_err(E::from)?
            .map(Arc::new);
        Ok(Database {
            snapshots: SnapshotCache::default(),
            group: Default::default(),
            db: RwLock::new(db.into()),
            path: path.to_path_buf(),
            clock: Clock::System.into(),
            crypt,
            place: RwLock::new(place),
        })
    }

    /// Makes the file (0600, never over an existing one) and, in an open transaction, the
    /// tables and the format version.
    #[allow(clippy::type_complexity)]
    fn lay_out(
        path: &Path,
        key: Option<&super::crypt::Key>,
    ) -> Result<(
        redb::Database,
        WriteTransaction,
        Option<std::sync::Arc<super::crypt::Sealed>>,
    )> {
        // The key is checked (and the passphrase stretched) before the file exists.
        let sealed = key.map(super::crypt::seal_new).transpose()?;
        let file = create_private_file(path)?;
        let made = (|| {
            let db = match &sealed {
                None => redb::Database::builder()
                    .create_with_backend(super::crypt::create_checksummed(file, path)?)?,
                Some(s) => redb::Database::builder().create_with_backend(
                    super::crypt::create_backend(file, path, &s.header, &s.data_key)?,
                )?,
            };
            let txn = db.begin_write()?;
            write_empty_register(&txn)?;
            Ok((db, txn, sealed.clone()))
        })();
        if made.is_err() {
            let _ = std::fs::remove_file(path);
        }
        made
    }

    /// Opens an existing database file and checks its format version, with redb's page
    /// cache sized to the file ([`cache_for`]: 1 GiB, more for a file over 6 GiB).
    pub fn open(path: impl AsRef<Path>) -> Result<Database> {
        let path = path.as_ref();
        Self::open_with_cache(path, cache_for(path))
    }

    /// [`Database::open`] with a page cache of `cache_bytes` (the memory redb may hold for
    /// pages read and pages written but not yet committed; a write transaction larger than
    /// half of it writes its excess pages to the file before the commit).
    pub fn open_with_cache(path: impl AsRef<Path>, cache_bytes: usize) -> Result<Database> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(StoreError::NotFound(format!(
                "database file {}",
                path.display()
            )));
        }
        let db = match super::crypt::file_kind(path)? {
            super::crypt::FileKind::Encrypted => {
                return Err(StoreError::Encrypted(path.display().to_string()))
            }
            // Every block is verified when read: the open itself reads a few pages.
            super::crypt::FileKind::Checksummed => {
                super::crypt::open_redb(super::crypt::open_checksummed(path)?, path, cache_bytes)?
            }
            // The format before block checksums: verify every page's checksum on open,
            // since redb trusts a cleanly closed file and may panic on one damaged outside
            // it; with the check, damage is CORRUPT instead. Slow (seconds per million
            // residents); a BACKUP and restore carries such a file over.
            super::crypt::FileKind::Redb => redb::Database::builder()
                .set_check_integrity_on_open(true)
                .set_cache_size(cache_bytes)
                .open(path)?,
        };
        Database::from_opened(db, path)
    }

    /// Wraps an opened redb database after checking that it is a juki file of this format
    /// version. A read-write one gets the derived `heads` table when it lacks it; a
    /// read-only one is refused then (`NeedsWrite`).
    pub(super) fn from_opened(db: impl Into<Redb>, path: &Path) -> Result<Database> {
        let (database, format) = Self::wrap_any_format(db, path)?;
        if format != FORMAT_VERSION {
            return Err(StoreError::FormatVersion {
                found: format,
                expected: FORMAT_VERSION,
            });
        }
        let txn = database.redb().begin_read()?;
        let has_heads = txn.list_tables()?.any(|t| t.name() == HEADS.name());
        drop(txn);
        if !has_heads && database.is_read_only() {
            return Err(StoreError::NeedsWrite {
                path: path.display().to_string(),
                why: "it lacks the derived table heads, which a read-write open builds",
            });
        }
        if !has_heads {
            build_heads(database.redb().writable()?)?;
        }
        let place = read_book(&database.redb().begin_read()?)?.map(Arc::new);
        *database
            .place
            .write()
            .unwrap_or_else(PoisonError::into_inner) = place;
        Ok(database)
    }

    /// Wraps an opened redb database that is a juki file of any format version, and gives
    /// that version. Nothing is written.
    fn wrap_any_format(db: impl Into<Redb>, path: &Path) -> Result<(Database, u64)> {
        let database = Database {
            snapshots: SnapshotCache::default(),
            group: Default::default(),
            db: RwLock::new(db.into()),
            path: path.to_path_buf(),
            clock: Clock::System.into(),
            crypt: None,
            place: RwLock::new(None),
        };
        let txn = database.redb().begin_read()?;
        let meta = match txn.open_table(META) {
            Ok(m) => m,
            Err(redb::TableError::TableDoesNotExist(_)) => {
                return Err(StoreError::NotJuki(path.display().to_string()))
            }
            Err(e) => return Err(e.into()),
        };
        let Some(format) = meta.get(META_FORMAT)?.map(|g| g.value()) else {
            return Err(StoreError::NotJuki(path.display().to_string()));
        };
        drop(meta);
        drop(txn);
        Ok((database, format))
    }

    /// The redb database, to begin a transaction with. The guard is meant to live only as
    /// long as that call: a transaction does not borrow the database.
    #[inline]
    pub(crate) fn redb(&self) -> RwLockReadGuard<'_, Redb> {
        self.db.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the file was opened read-only: every write is refused (`store::handle`).
    pub fn is_read_only(&self) -> bool {
        self.redb().is_read_only()
    }

    /// The register's municipality and address dictionaries; `None` for a register made
    /// without a municipality (its addresses are not placed).
    pub fn place(&self) -> Option<Arc<PlaceBook>> {
        self.place
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Re-reads the place book after a transaction that changed it committed.
    pub(crate) fn reload_place(&self) -> Result<()> {
        let place = read_book(&self.redb().begin_read()?)?.map(Arc::new);
        *self.place.write().unwrap_or_else(PoisonError::into_inner) = place;
        Ok(())
    }

    /// The file this database lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets where "today" comes from.
    pub fn set_clock(&self, clock: Clock) {
        self.clock.set(clock);
    }

    /// Today, by the database's clock.
    pub fn today(&self) -> Date {
        match self.clock.get() {
            Clock::System => Date::today_jst(),
            Clock::Fixed(d) => d,
        }
    }

    /// Today (`yyyymmdd`) when a resident whose versions reach `prefix_max` has one not yet
    /// in force (a 転出 notified ahead): reads "now" then answer as of today, so the resident
    /// stays active until the day. `None` in the common case, without reading the clock.
    pub(crate) fn not_yet_in_force(&self, prefix_max: u32) -> Option<u32> {
        use std::sync::atomic::Ordering::Relaxed;
        if prefix_max <= self.clock.1.load(Relaxed) {
            return None;
        }
        let today = self.today().to_yyyymmdd();
        self.clock.1.store(today, Relaxed);
        (prefix_max > today).then_some(today)
    }

    /// Records a 異動: checks it, writes the new version, every index entry and the change
    /// feed entry in one transaction, and commits it durably. A refused change writes
    /// nothing.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn record(&self, change: &Change) -> Result<Receipt> {
        self.record_with(change, |_, _| Ok(()))
    }

    /// Records a 異動 and runs `before_commit` inside the same write transaction after the
    /// change is written: the seam where the operation-log entry joins the change, so that
    /// both commit or neither does.
    pub(crate) fn record_with<F>(&self, change: &Change, before_commit: F) -> Result<Receipt>
    where
        F: FnOnce(&WriteTransaction, &Receipt) -> Result<()>,
    {
        self.record_in(|_| Ok(Cow::Borrowed(change)), before_commit)
    }

    /// Records a MOVE HOUSEHOLD that names the household: its 世帯主 is found inside the
    /// write transaction (`NOT_FOUND` when the household has no active members), and
    /// `address(head)` is the change recorded, as by [`Database::record_with`].
    pub(crate) fn record_household_move_with<F>(
        &self,
        household: HouseholdId,
        address: impl FnOnce(ResidentCode) -> Change,
        before_commit: F,
    ) -> Result<Receipt>
    where
        F: FnOnce(&WriteTransaction, &Receipt) -> Result<()>,
    {
        let today = self.today();
        self.record_in(
            |t| Ok(Cow::Owned(address(head_of(t, household, today)?))),
            before_commit,
        )
    }

    /// One write transaction: the change `change_of` gives (it may read the tables first),
    /// applied, then `before_commit`, then the durable commit.
    fn record_in<'c, F>(
        &self,
        change_of: impl FnOnce(&WriteTables) -> Result<Cow<'c, Change>>,
        before_commit: F,
    ) -> Result<Receipt>
    where
        F: FnOnce(&WriteTransaction, &Receipt) -> Result<()>,
    {
        let place = self.place();
        let writing = self.group.writing();
        let txn = self.begin_grouped()?;
        let receipt = {
            let mut tables = WriteTables::open(&txn)?;
            let change = change_of(&tables)?;
            check_by_statement(&change)?;
            apply(
                &mut tables,
                &change,
                place.as_deref(),
                self.today(),
                now_micros(),
            )?
        };
        before_commit(&txn, &receipt)?;
        txn.commit()?;
        self.snapshots.committed();
        // No longer being written BEFORE the wait for a round, which waits for the writers.
        drop(writing);
        self.made_durable()?;
        Ok(receipt)
    }

    /// A write transaction for a 異動: under group commit, one that commits without its own
    /// disk sync (the caller then waits in [`Database::made_durable`]).
    fn begin_grouped(&self) -> Result<WriteTransaction> {
        let mut txn = self.redb().begin_write()?;
        if self.group.is_on() {
            txn.set_durability(redb::Durability::None)
                .map_err(|e| StoreError::Storage(format!("group commit: {e}")))?;
        }
        Ok(txn)
    }

    /// Under group commit, waits until the transaction just committed is durable (a round's
    /// durable commit that began after it); without it, the commit was durable already.
    fn made_durable(&self) -> Result<()> {
        if self.group.is_on() {
            self.group.sync(|| {
                let txn = self.redb().begin_write()?;
                txn.commit()?;
                Ok(())
            })?;
        }
        self.group.announce();
        Ok(())
    }

    /// How many times resident data was made durable since the file was opened (a follower
    /// of the change feed waits for it to move).
    pub(crate) fn durable_count(&self) -> u64 {
        self.group.durable()
    }

    /// Waits until resident data is made durable after `seen` (a value of
    /// [`Database::durable_count`]) or `timeout` passes; the count then.
    pub(crate) fn wait_durable(&self, seen: u64, timeout: std::time::Duration) -> u64 {
        self.group.wait_durable(seen, timeout)
    }

    /// Turns group commit on or off (`engine::group`).
    pub(crate) fn set_group_commit(&self, on: bool) {
        self.group.set(on);
    }

    /// Loads an archive (every version of an EXPORT HISTORY file) into this register, which
    /// must be empty: each version written back as it was first recorded, in 更新順番号
    /// order, so that the register holds what the exported one held (the same content
    /// digest, given the same municipality). One transaction with `before_commit` (the log
    /// entry); nothing is written unless every version is. Gives the versions written.
    pub(crate) fn load_archive<F>(
        &self,
        mut versions: Vec<StoredRecord>,
        before_commit: F,
    ) -> Result<u64>
    where
        F: FnOnce(&WriteTransaction, u64) -> Result<()>,
    {
        let txn = self.redb().begin_write()?;
        let n = versions.len() as u64;
        {
            let mut t = WriteTables::open(&txn)?;
            if t.next_seq()? != 1 || t.next_id()? != 1 {
                return Err(StoreError::Conflict(
                    "an archive loads into an empty register only: this one already holds residents".into(),
                ));
            }
            versions.sort_by_key(|v| v.seq);
            for v in versions {
                write_archived(&mut t, v)?;
            }
        }
        before_commit(&txn, n)?;
        txn.commit()?;
        self.snapshots.committed();
        self.group.announce();
        Ok(n)
    }

    /// Records many 異動 in one transaction, in order: all of them or, if any is refused,
    /// none (the error names the position of the refused change). One commit and one disk
    /// sync for the lot: the path for loading a register.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn record_batch<'c>(
        &self,
        changes: impl IntoIterator<Item = &'c Change>,
    ) -> Result<Vec<Receipt>, BatchError> {
        self.record_batch_with(changes, |_, _| Ok(()))
    }

    /// [`Database::record_batch`] with `before_commit` run inside the transaction after the
    /// last change: the seam for the operation-log entry of the batch.
    pub(crate) fn record_batch_with<'c, F>(
        &self,
        changes: impl IntoIterator<Item = &'c Change>,
        before_commit: F,
    ) -> Result<Vec<Receipt>, BatchError>
    where
        F: FnOnce(&WriteTransaction, &[Receipt]) -> Result<()>,
    {
        let writing = self.group.writing();
        let txn = self.begin_grouped().map_err(|e| BatchError::at(0, e))?;
        let mut receipts = Vec::new();
        {
            let mut tables = WriteTables::open(&txn).map_err(|e| BatchError::at(0, e))?;
            let today = self.today();
            let now = now_micros();
            let place = self.place();
            for (i, change) in changes.into_iter().enumerate() {
                check_by_statement(change).map_err(|e| BatchError::at(i, e))?;
                receipts.push(
                    apply(&mut tables, change, place.as_deref(), today, now)
                        .map_err(|e| BatchError::at(i, e))?,
                );
            }
        }
        let n = receipts.len();
        before_commit(&txn, &receipts).map_err(|e| BatchError::at(n, e))?;
        txn.commit().map_err(|e| BatchError::at(n, e.into()))?;
        self.snapshots.committed();
        drop(writing);
        self.made_durable().map_err(|e| BatchError::at(n, e))?;
        Ok(receipts)
    }

    /// A write transaction for tables outside the store (operators, the operation log).
    pub(crate) fn write_transaction(&self) -> Result<WriteTransaction> {
        self.redb().begin_write()
    }

    /// A read transaction for tables outside the store.
    pub(crate) fn read_transaction(&self) -> Result<redb::ReadTransaction> {
        Ok(self.redb().begin_read()?)
    }

    pub(super) fn read(&self) -> Result<std::sync::Arc<ReadTables>> {
        self.snapshots.get(|| {
            let txn = self.redb().begin_read()?;
            ReadTables::open(&txn)
        })
    }

    /// The resident with this resident code, as recorded now. A former code finds the
    /// resident under their current code.
    pub(crate) fn get(&self, code: ResidentCode) -> Result<Option<Resident>> {
        let t = self.read()?;
        let found = self.get_in(&t, code)?;
        // A removed resident's 世帯主 is the one on the day they were removed.
        found
            .map(|r| {
                let date = (!r.is_active()).then(|| r.valid_from.to_yyyymmdd());
                with_head(&*t, r, date)
            })
            .transpose()
    }

    fn get_in(&self, t: &ReadTables, code: ResidentCode) -> Result<Option<Resident>> {
        // The hot path: one probe, one checked read typed in place.
        if let Some(v) = t.residents.get(code.get())? {
            let rec = StoredRecord::access("residents", v.value())?;
            if let Some(today) = self.not_yet_in_force(rec.prefix_max.to_native()) {
                return resident_as_of_in(&t.versions, rec.id.to_native(), today);
            }
            return Ok(Some(Resident::from_archived(rec)?));
        }
        // A former code: the resident's latest version, as of today when not yet in force.
        let Some((id, _)) = t.id_of_code(code.get())? else {
            return Ok(None);
        };
        match t.latest(id)? {
            Some(rec) => match self.not_yet_in_force(rec.prefix_max) {
                Some(today) => resident_as_of_in(&t.versions, id, today),
                None => Resident::from_stored(rec).map(Some),
            },
            None => Ok(None),
        }
    }

    /// The resident as they stood on `date`: `None` if the code is unknown or the person
    /// was not yet recorded on that date.
    pub(crate) fn get_as_of(&self, code: ResidentCode, date: Date) -> Result<Option<Resident>> {
        let t = self.read()?;
        let found = Self::get_as_of_in(&t, code, date)?;
        let d = date.to_yyyymmdd();
        found.map(|r| with_head(&*t, r, Some(d))).transpose()
    }

    fn get_as_of_in(t: &ReadTables, code: ResidentCode, date: Date) -> Result<Option<Resident>> {
        let date = date.to_yyyymmdd();
        // A current code finds the latest version in `residents` with one probe. When no
        // version was in force later than `date` (`prefix_max`), it is the answer, as the
        // as-of rule over the versions would find first; otherwise its id leads to the
        // versions.
        if let Some(v) = t.residents.get(code.get())? {
            let rec = StoredRecord::access("residents", v.value())?;
            if rec.prefix_max.to_native() <= date {
                return Ok(Some(Resident::from_archived(rec)?));
            }
            return resident_as_of_in(&t.versions, rec.id.to_native(), date);
        }
        // A former code: its id, then that resident's versions newest first.
        let Some((id, _)) = t.id_of_code(code.get())? else {
            return Ok(None);
        };
        resident_as_of_in(&t.versions, id, date)
    }

    /// The current resident code of the person with this 宛名番号 (internal id), if any.
    pub(crate) fn code_of_atena(&self, number: u64) -> Result<Option<ResidentCode>> {
        let t = self.read()?;
        match t.latest(number)? {
            Some(rec) => Ok(Some(ResidentCode::from_u64(rec.code)?)),
            None => Ok(None),
        }
    }

    /// The resident who holds, or held, this My Number.
    pub(crate) fn get_by_my_number(&self, number: MyNumber) -> Result<Option<MyNumberMatch>> {
        let t = self.read()?;
        let Some((id, current)) = t.id_of_my_number(number.get())? else {
            return Ok(None);
        };
        // As GET answers, read in place: a version not yet in force (a 転出 notified ahead)
        // waits for its day, and the 世帯主 is the one now, or on the day of the removal.
        let no_version = || StoreError::Corrupt {
            table: "my_numbers",
            detail: format!("entry for resident {id} with no version in force"),
        };
        let resident = {
            let entry = t
                .versions
                .range((id, 0)..=(id, u32::MAX))?
                .next_back()
                .ok_or_else(no_version)??;
            let rec = StoredRecord::access("versions", entry.1.value())?;
            match self.not_yet_in_force(rec.prefix_max.to_native()) {
                Some(today) => resident_as_of_in(&t.versions, id, today)?.ok_or_else(no_version)?,
                None => Resident::from_archived(rec)?,
            }
        };
        let date = (!resident.is_active()).then(|| resident.valid_from.to_yyyymmdd());
        let resident = with_head(&*t, resident, date)?;
        Ok(Some(MyNumberMatch { resident, current }))
    }

    /// Every version of a resident, oldest first. Errors with NOT_FOUND for an unknown code.
    pub(crate) fn history(&self, code: ResidentCode) -> Result<Vec<Resident>> {
        let t = self.read()?;
        let (id, _) = t
            .id_of_code(code.get())?
            .ok_or_else(|| StoreError::NotFound(format!("resident {code}")))?;
        // Each version as it stood on its own 異動日 when recorded, with the 世帯主 then.
        as_recorded(t.all_versions(id)?)?
            .into_iter()
            .map(|v| {
                let d = v.valid_from;
                with_head(&*t, Resident::from_stored(v)?, Some(d))
            })
            .collect()
    }

    /// The members of a household now, or as of a date; head first.
    pub(crate) fn household(&self, id: HouseholdId, as_of: Option<Date>) -> Result<Household> {
        let t = self.read()?;
        household_in(&*t, id.get(), as_of, self.today())
    }

    /// The household a resident belongs to (now or as of a date) and its members.
    pub(crate) fn household_of(
        &self,
        code: ResidentCode,
        as_of: Option<Date>,
    ) -> Result<Household> {
        let t = self.read()?;
        let (id, _) = t
            .id_of_code(code.get())?
            .ok_or_else(|| StoreError::NotFound(format!("resident {code}")))?;
        let rec = match as_of {
            Some(d) => t
                .as_of(id, d.to_yyyymmdd())?
                .ok_or_else(|| StoreError::NotFound(format!("resident {code} as of {d}")))?,
            None => t
                .latest(id)?
                .ok_or_else(|| StoreError::NotFound(format!("resident {code}")))?,
        };
        household_in(&*t, rec.household, as_of, self.today())
    }

    /// 4情報検索. Refused with SEARCH_MINIMUM, before any read, unless the query names at
    /// least two of name, address and birth date. Without AS OF a resident whose 転出
    /// notified ahead is pending is searched as of today, as GET reads them.
    pub(crate) fn find(&self, query: &SearchQuery) -> Result<Vec<SearchHit>> {
        query.check_minimum()?;
        let query = &query.resolved(self.place().as_deref())?;
        let t = self.read()?;
        find(&*t, query, |prefix_max| self.not_yet_in_force(prefix_max))?
            .into_iter()
            .map(|mut h| {
                let date = (!h.current).then(|| h.resident.valid_from.to_yyyymmdd());
                h.resident = with_head(&*t, h.resident, date)?;
                Ok(h)
            })
            .collect()
    }

    /// Population counts by `dims`, of active residents (of all, when `status` is a
    /// dimension), now or as of a date.
    pub(crate) fn stats(&self, dims: &[StatDim], as_of: Option<Date>) -> Result<Vec<StatsRow>> {
        let t = self.read()?;
        stats(&*t, dims, as_of, self.today())
    }

    /// `STATS BY reason`: the 異動 the register holds, by 異動事由 and `dims`, whose 異動日
    /// is in `[from, to]` (either end open when not given).
    pub(crate) fn stats_by_reason(
        &self,
        dims: &[StatDim],
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<Vec<StatsRow>> {
        let t = self.read()?;
        super::engine::report::by_reason(&*t, dims, from, to)
    }

    /// `STATS BY household`: households and persons by household size, now (as of today)
    /// or as of a date, per 町字 when `by_town`.
    pub(crate) fn stats_by_household(
        &self,
        by_town: bool,
        as_of: Option<Date>,
    ) -> Result<Vec<HouseholdRow>> {
        let t = self.read()?;
        super::engine::report::by_household(&*t, by_town, as_of.unwrap_or(self.today()))
    }

    /// The monthly report (月報) of a period.
    pub(crate) fn report(&self, period: Period) -> Result<Report> {
        let t = self.read()?;
        super::engine::report::report(&*t, period)
    }

    /// The change feed: versions with 更新順番号 greater than `since`, in order.
    pub(crate) fn changes_since(&self, since: u64, limit: usize) -> Result<Vec<ChangeEntry>> {
        let t = self.read()?;
        let mut out = Vec::new();
        for entry in t.changes().range(since.saturating_add(1)..)? {
            if out.len() >= limit {
                break;
            }
            let (_, v) = entry?;
            let (id, version) = v.value();
            let rec = t.version(id, version)?.ok_or_else(|| StoreError::Corrupt {
                table: "changes",
                detail: format!("entry points at missing version {version} of resident {id}"),
            })?;
            out.push(Resident::from_stored(rec)?);
        }
        Ok(out)
    }

    /// The change feed as the prefecture is notified of it: like [`Database::changes_since`],
    /// each entry with the resident code it replaced when its version changed the code
    /// (旧住民票コード).
    pub(crate) fn changes_with_former_codes(
        &self,
        since: u64,
        limit: usize,
    ) -> Result<Vec<(ChangeEntry, Option<ResidentCode>)>> {
        let t = self.read()?;
        let mut out = Vec::new();
        for r in self.changes_since(since, limit)? {
            let former = match r.version.checked_sub(1).filter(|v| *v > 0) {
                Some(v) => t
                    .version(r.atena_number, v)?
                    .map(|prev| ResidentCode::from_u64(prev.code))
                    .transpose()?
                    .filter(|c| *c != r.code),
                None => None,
            };
            out.push((r, former));
        }
        Ok(out)
    }

    /// Record counts and the last 更新順番号.
    pub fn counts(&self) -> Result<Counts> {
        counts_in(&*self.read()?)
    }

    /// A SHA-256 over the content of every table (keys and values, in key order). Two
    /// databases with the same digest hold the same data; a refused change leaves it as it
    /// was.
    pub fn content_digest(&self) -> Result<[u8; 32]> {
        let t = self.read()?;
        super::engine::digest::digest(&*t)
    }
}

/// Record counts and the last 更新順番号 of one snapshot.
pub(super) fn counts_in(t: &impl View) -> Result<Counts> {
    let mut counts = Counts {
        last_seq: t.meta_value(META_NEXT_SEQ)?.unwrap_or(1) - 1,
        versions: t.versions().len()?,
        ..Counts::default()
    };
    for entry in t.residents().iter()? {
        let (_, v) = entry?;
        counts.residents += 1;
        let rec = StoredRecord::access("residents", v.value())?;
        if rec.status == crate::model::Status::Active.code() {
            counts.active += 1;
        }
    }
    Ok(counts)
}

/// `r` with the name of its household's 世帯主 on `date` (now when `None`). A removed
/// 世帯主's record (除票) names the head they were.
fn with_head(t: &impl View, mut r: Resident, date: Option<u32>) -> Result<Resident> {
    r.head_name = if r.relationship.is_head() {
        Some(r.name.clone())
    } else {
        head_name(t, r.household.get(), date)?
    };
    Ok(r)
}

fn household_in(t: &impl View, h: u64, as_of: Option<Date>, today: Date) -> Result<Household> {
    let members = match as_of {
        None => members_now(t, h, today.to_yyyymmdd())?,
        Some(d) => {
            let mut out = Vec::new();
            find_in_household(t, h, Some(d.to_yyyymmdd()), |rec| {
                if rec.household == h && rec.status == crate::model::Status::Active.code() {
                    out.push(rec);
                }
                None::<()>
            })?;
            sort_members(&mut out);
            out
        }
    };
    // Members come head first: the head's name, when there is one, is the first's.
    let head = members
        .first()
        .filter(|m| m.relationship == "世帯主")
        .map(|m| crate::model::Name::from_trusted(m.name.clone()));
    Ok(Household {
        id: HouseholdId::new(h),
        members: members
            .into_iter()
            .map(|m| {
                let mut r = Resident::from_stored(m)?;
                r.head_name.clone_from(&head);
                Ok(r)
            })
            .collect::<Result<_>>()?,
    })
}

/// Creates a new, empty file readable and writable by its owner only (0600 on Unix); refuses
/// an existing path.
pub(crate) fn create_private_file(path: &Path) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(f) => Ok(f),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(StoreError::AlreadyExists(path.display().to_string()))
        }
        Err(e) => Err(StoreError::io(path.display(), e)),
    }
}

pub(super) fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}
