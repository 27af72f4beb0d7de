//! A testing aid: a redb [`StorageBackend`] that fails on purpose, and the [`Database`]
//! constructors that take a backend.
//!
//! [`FaultyBackend`] wraps another backend (redb's `FileBackend` or `InMemoryBackend`) and
//! passes every call through until a shared countdown of writes or syncs runs out; from then
//! on that operation fails with an I/O error until the countdown is raised again. The tests
//! use it to show that a failed write or sync is reported, that the database refuses further
//! writes until it is reopened, and that nothing committed before the failure is lost.
//!
//! Not for production use: the engine opens its files through its own block layer
//! (`store::crypt`: checksummed, or encrypted), never through this backend.

use crate::store::db::{Clock, Database};
use crate::store::engine::schema::*;
use crate::store::error::{Result, StoreError};
use redb::{ReadableTable, StorageBackend};
use std::io;
use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Which operation a [`FaultyBackend`] counts down and then fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultOn {
    /// `write`: the failure can strike in the middle of a commit's page writes.
    Write,
    /// `sync_data`: the failure strikes where a commit makes its pages durable.
    Sync,
}

/// A backend that fails `write` or `sync_data` once a shared countdown reaches zero.
///
/// Every call of the counted operation first takes one from the countdown; a call that finds
/// it at zero fails with an I/O error (kind `Other`, "injected fault") and does nothing. The
/// countdown is an `Arc<AtomicU64>` the test keeps, so it can arm the fault after setting up
/// (`u64::MAX` means "never", in practice) and count how many operations a commit takes.
/// Locks and every other operation pass straight through.
#[derive(Debug)]
pub struct FaultyBackend<B: StorageBackend> {
    inner: B,
    on: FaultOn,
    countdown: Arc<AtomicU64>,
    performed: Arc<AtomicU64>,
}

impl<B: StorageBackend> FaultyBackend<B> {
    /// Wraps `inner`: `on` operations succeed while `countdown` is above zero.
    pub fn new(inner: B, on: FaultOn, countdown: Arc<AtomicU64>) -> Self {
        FaultyBackend {
            inner,
            on,
            countdown,
            performed: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A counter of the counted operations that went through (shared, so it stays readable
    /// after the backend moves into a database).
    pub fn performed(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.performed)
    }

    fn take(&self, op: FaultOn) -> io::Result<()> {
        if op != self.on {
            return Ok(());
        }
        let ran_out = self
            .countdown
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_err();
        if ran_out {
            Err(io::Error::other(format!("injected fault: {op:?}")))
        } else {
            self.performed.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }
}

impl<B: StorageBackend> StorageBackend for FaultyBackend<B> {
    fn len(&self) -> io::Result<u64> {
        self.inner.len()
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        self.inner.read(offset, out)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.inner.set_len(len)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.take(FaultOn::Sync)?;
        self.inner.sync_data()
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.take(FaultOn::Write)?;
        self.inner.write(offset, data)
    }

    fn close(&self) -> io::Result<()> {
        self.inner.close()
    }

    fn try_lock_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, redb::BackendError> {
        self.inner.try_lock_range(start, end)
    }

    fn try_lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, redb::BackendError> {
        self.inner.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), redb::BackendError> {
        self.inner.lock_range(start, end)
    }

    fn lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<(), redb::BackendError> {
        self.inner.lock_shared_range(start, end)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), redb::BackendError> {
        self.inner.unlock_range(start, end)
    }

    fn query_lock_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, redb::BackendError> {
        self.inner.query_lock_range(start, end)
    }
}

impl Database {
    /// Creates a new, empty juki database on `backend` (a testing aid, like
    /// [`FaultyBackend`]). `path` is only what [`Database::path`] reports.
    #[doc(hidden)]
    pub fn create_with_backend(
        backend: impl StorageBackend,
        path: impl AsRef<Path>,
    ) -> Result<Database> {
        let db = redb::Database::builder().create_with_backend(backend)?;
        let txn = db.begin_write()?;
        if txn.open_table(META)?.get(META_FORMAT)?.is_some() {
            return Err(StoreError::AlreadyExists(
                path.as_ref().display().to_string(),
            ));
        }
        crate::store::db::write_empty_register(&txn)?;
        txn.commit()?;
        Ok(Database {
            snapshots: Default::default(),
            group: Default::default(),
            db: std::sync::RwLock::new(db.into()),
            path: path.as_ref().to_path_buf(),
            clock: Clock::System.into(),
            crypt: None,
            place: Default::default(),
        })
    }

    /// Opens an existing juki database on `backend` and checks its format version (a testing
    /// aid, like [`FaultyBackend`]). `path` is only what [`Database::path`] reports.
    #[doc(hidden)]
    pub fn open_with_backend(
        backend: impl StorageBackend,
        path: impl AsRef<Path>,
    ) -> Result<Database> {
        let path = path.as_ref();
        let db = redb::Database::builder().create_with_backend(backend)?;
        Database::from_opened(db, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::generator::{self, GenOptions};
    use crate::model::{Address, Date, Reason, ResidentCode};
    use crate::store::crypt::{open_backend, open_checksummed, CryptBackend, Key};
    use crate::store::{Change, Fields, Resident};
    use redb::backends::{FileBackend, InMemoryBackend};
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    #[test]
    fn a_failed_commit_is_reported_and_the_database_refuses_writes_after_it() {
        let countdown = Arc::new(AtomicU64::new(u64::MAX));
        let backend = FaultyBackend::new(InMemoryBackend::new(), FaultOn::Sync, countdown.clone());
        let db = Database::create_with_backend(backend, "memory").unwrap();
        assert_eq!(db.counts().unwrap().last_seq, 0);
        countdown.store(0, Ordering::SeqCst);
        let txn = db.redb().begin_write().unwrap();
        txn.open_table(META).unwrap().insert("x", 1).unwrap();
        let err = StoreError::from(txn.commit().unwrap_err());
        assert_eq!(err.code(), "IO", "{err}");
        countdown.store(u64::MAX, Ordering::SeqCst);
        let Err(again) = db.redb().begin_write() else {
            panic!("a write began after a failed commit");
        };
        assert_eq!(again.code(), "IO");
        assert!(again.to_string().contains("re-open"), "{again}");
    }

    fn move_date(i: usize) -> Date {
        Date::parse("2024-04-01").unwrap().add_days(i as i64)
    }

    fn move_address(i: usize) -> String {
        format!("芦屋市精道町{}-{}", i / 50 + 1, i % 50 + 1)
    }

    fn a_move(code: ResidentCode, i: usize) -> Change {
        Change::new(Reason::Move, code, move_date(i)).with(Fields {
            address: Some(Address::parse(&move_address(i)).unwrap()),
            ..Fields::default()
        })
    }

    /// The two kinds of file the engine writes, each with the fault where it strikes a real
    /// file's writes and syncs.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Kind {
        /// A plain file of checksummed blocks (what `Database::create` makes): the fault sits
        /// between redb and the checksumming backend.
        Checksummed,
        /// An encrypted file: the fault sits under the encrypting backend, on the file
        /// itself, so a failed write can leave a sealed block half written.
        Encrypted,
    }

    fn key() -> Key {
        Key::key_file_bytes(vec![42u8; 32]).unwrap()
    }

    /// Opens `path` as the engine does (its header read, its blocks verified as read) with
    /// the fault injected, through redb's ordinary open.
    fn faulty(
        path: &Path,
        kind: Kind,
        on: FaultOn,
        countdown: &Arc<AtomicU64>,
    ) -> Result<Database> {
        match kind {
            Kind::Checksummed => {
                let sealed = open_checksummed(path)?;
                Database::open_with_backend(FaultyBackend::new(sealed, on, countdown.clone()), path)
            }
            Kind::Encrypted => {
                let io = |e: io::Error| StoreError::Storage(e.to_string());
                let (sealed, keys) = open_backend(path, &key())?;
                let logical = sealed.len().map_err(io)?;
                drop(sealed);
                let file = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(path)
                    .map_err(io)?;
                let inner = FileBackend::new(file)?;
                let inner = FaultyBackend::new(inner, on, countdown.clone());
                let crypt = CryptBackend::new(inner, &keys.data_key, keys.header.file_id, logical)
                    .map_err(io)?;
                Database::open_with_backend(crypt, path)
            }
        }
    }

    /// Reopens `path` with the engine's own open (no fault), which repairs an unclean file.
    fn reopen(path: &Path, kind: Kind) -> Result<Database> {
        match kind {
            Kind::Checksummed => Database::open(path),
            Kind::Encrypted => Database::open_encrypted(path, &key()),
        }
    }

    /// One acknowledged MOVE: the statement's index and what the receipt said.
    type Acked = Vec<(usize, ResidentCode, u32, u64)>;

    /// How a run through a faulty backend went.
    struct Run {
        acked: Acked,
        /// Whether the open itself failed (the countdown ran out before any MOVE).
        failed_at_open: bool,
        struck: bool,
    }

    /// Records MOVEs through a backend that fails after `n` writes or syncs.
    fn run_until_fault(
        path: &Path,
        kind: Kind,
        on: FaultOn,
        n: u64,
        codes: &[ResidentCode],
    ) -> Run {
        let countdown = Arc::new(AtomicU64::new(n));
        let db = match faulty(path, kind, on, &countdown) {
            Ok(db) => db,
            Err(e) => {
                assert_eq!(e.code().as_str(), "IO", "{kind:?} {on:?} after {n}: {e}");
                return Run {
                    acked: Vec::new(),
                    failed_at_open: true,
                    struck: true,
                };
            }
        };
        let mut acked = Vec::new();
        for (i, &code) in codes.iter().enumerate() {
            match db.record(&a_move(code, i)) {
                Ok(receipt) => {
                    assert_eq!(receipt.written.len(), 1);
                    let w = receipt.written[0];
                    assert_eq!((w.code, w.reason), (code, Reason::Move));
                    acked.push((i, w.code, w.version, w.seq));
                }
                Err(e) => {
                    assert_eq!(e.code().as_str(), "IO", "{kind:?} {on:?} after {n}: {e}");
                    // Refused from now on, even once the fault clears, until reopened.
                    countdown.store(u64::MAX, Ordering::SeqCst);
                    let next = (i + 1) % codes.len();
                    let again = db.record(&a_move(codes[next], i + 1)).unwrap_err();
                    assert_eq!(again.code(), "IO", "{again}");
                    assert!(again.to_string().contains("re-open"), "{again}");
                    if n.is_multiple_of(2) {
                        // The fault persists while the database closes.
                        countdown.store(0, Ordering::SeqCst);
                    }
                    return Run {
                        acked,
                        failed_at_open: false,
                        struck: true,
                    };
                }
            }
        }
        Run {
            acked,
            failed_at_open: false,
            struck: false,
        }
    }

    /// Checks that the MOVE `i` of `code` is version `version` at `seq`, exactly as it was
    /// recorded: its address, date and reason, every other field as it was before.
    fn check_move(db: &Database, before: &Resident, i: usize, version: u32, seq: u64) -> String {
        let code = before.code;
        let history = db.history(code).unwrap();
        let Some(v) = history.iter().find(|r| r.version == version) else {
            return format!("acknowledged {code} v{version} (MOVE {i}) is lost");
        };
        let was = history
            .iter()
            .find(|r| r.version + 1 == version)
            .map(|r| r.address.written().to_string());
        let expected = (seq, Reason::Move, move_date(i), move_address(i), was);
        let got = (
            v.seq,
            v.reason,
            v.valid_from,
            v.address.written().to_string(),
            v.previous_address.clone(),
        );
        if got != expected {
            return format!("{code} v{version} (MOVE {i}): {got:?} instead of {expected:?}");
        }
        let same = (
            &v.my_number,
            &v.name,
            &v.kana,
            v.sex,
            v.birth,
            v.household,
            &v.relationship,
        ) == (
            &before.my_number,
            &before.name,
            &before.kana,
            before.sex,
            before.birth,
            before.household,
            &before.relationship,
        );
        if !same || v.postal != before.postal || !v.is_active() {
            return format!("{code} v{version} (MOVE {i}): its other fields changed");
        }
        String::new()
    }

    /// Reopens a case's file with the engine's own open and checks it against what was
    /// acknowledged: every acknowledged MOVE there with its contents, at most one more (the
    /// commit that failed may have reached the file before its sync reported the failure),
    /// and CHECK clean.
    fn verify_case(
        path: &Path,
        kind: Kind,
        base: &BTreeMap<ResidentCode, Resident>,
        base_seq: u64,
        codes: &[ResidentCode],
        acked: &Acked,
    ) -> std::result::Result<(), String> {
        let db = reopen(path, kind).map_err(|e| format!("reopening: {e}"))?;
        let counts = db.counts().unwrap();
        let acked_seq = base_seq + acked.len() as u64;
        if counts.last_seq != acked_seq && counts.last_seq != acked_seq + 1 {
            return Err(format!(
                "{} acknowledged, the file ends at seq {}",
                acked.len(),
                counts.last_seq
            ));
        }
        // Replay the acknowledged MOVEs: each resident's version number grows by one each.
        let mut latest: BTreeMap<ResidentCode, u32> =
            base.iter().map(|(c, r)| (*c, r.version)).collect();
        for (k, &(i, code, version, seq)) in acked.iter().enumerate() {
            let want = latest[&code] + 1;
            if (i, version, seq) != (k, want, base_seq + 1 + k as u64) {
                return Err(format!("receipt {k}: MOVE {i} {code} v{version} seq {seq}"));
            }
            latest.insert(code, version);
            let wrong = check_move(&db, &base[&code], i, version, seq);
            if !wrong.is_empty() {
                return Err(wrong);
            }
        }
        if counts.last_seq > acked_seq {
            let i = acked.len();
            let code = codes[i];
            let wrong = check_move(&db, &base[&code], i, latest[&code] + 1, acked_seq + 1);
            if !wrong.is_empty() {
                return Err(format!("the unacknowledged extra change: {wrong}"));
            }
        }
        let report = db.check().unwrap();
        if !report.is_clean() {
            return Err(format!("CHECK:\n{report}"));
        }
        Ok(())
    }

    /// A register of 120 residents in a file of `kind`; its path, its residents and last
    /// 更新順番号.
    fn base_file(dir: &Path, kind: Kind) -> (PathBuf, BTreeMap<ResidentCode, Resident>, u64) {
        let path = dir.join(format!("base-{kind:?}.redb"));
        let db = match kind {
            Kind::Checksummed => Database::create(&path),
            Kind::Encrypted => Database::create_encrypted(&path, &key()),
        }
        .unwrap();
        let opts = GenOptions::new(120, 13, Date::parse("2024-03-31").unwrap());
        let moves_in: Vec<Change> = generator::residents(&opts)
            .map(|r| r.to_move_in())
            .collect();
        db.record_batch(&moves_in).unwrap();
        let base = moves_in
            .iter()
            .map(|c| (c.code, db.get(c.code).unwrap().unwrap()))
            .collect();
        let base_seq = db.counts().unwrap().last_seq;
        (path, base, base_seq)
    }

    /// The cases: a write failing after `n` writes, a sync after `n` syncs, for both kinds
    /// of file; small `n` strike in the open or the first commits, large ones hundreds of
    /// changes in.
    fn cases() -> Vec<(Kind, FaultOn, u64)> {
        let writes = (0..24u64).map(|n| n * 5).chain([160, 330, 700, 1500]);
        let syncs = (0..12u64).chain([40, 90, 200]);
        let mut out = Vec::new();
        for kind in [Kind::Checksummed, Kind::Encrypted] {
            out.extend(writes.clone().map(|n| (kind, FaultOn::Write, n)));
            out.extend(syncs.clone().map(|n| (kind, FaultOn::Sync, n)));
        }
        out
    }

    #[test]
    fn an_injected_write_or_sync_failure_loses_nothing_committed() {
        let dir = tempfile::tempdir().unwrap();
        let checksummed = base_file(dir.path(), Kind::Checksummed);
        let encrypted = base_file(dir.path(), Kind::Encrypted);
        assert!(checksummed.1.keys().eq(encrypted.1.keys()));
        // 300 MOVEs of the residents who live alone (a household lives at one address).
        let base = &checksummed.1;
        let alone: Vec<ResidentCode> = base
            .values()
            .filter(|r| base.values().filter(|o| o.household == r.household).count() == 1)
            .map(|r| r.code)
            .collect();
        assert!(alone.len() >= 10, "{} residents live alone", alone.len());
        let codes: Vec<ResidentCode> = alone.iter().copied().cycle().take(300).collect();

        let (mut struck, mut at_open, mut acked_in_all, mut cases_run) = (0, 0, 0, 0);
        let mut failures = Vec::new();
        for (kind, on, n) in cases() {
            let (base_path, base, base_seq) = match kind {
                Kind::Checksummed => &checksummed,
                Kind::Encrypted => &encrypted,
            };
            let path = dir.path().join(format!("fault-{kind:?}-{on:?}-{n}.redb"));
            std::fs::copy(base_path, &path).unwrap();
            let run = run_until_fault(&path, kind, on, n, &codes);
            cases_run += 1;
            struck += usize::from(run.struck);
            at_open += usize::from(run.failed_at_open);
            acked_in_all += run.acked.len();
            if let Err(e) = verify_case(&path, kind, base, *base_seq, &codes, &run.acked) {
                failures.push(format!("{kind:?}, {on:?} failing after {n}: {e}"));
            }
            let _ = std::fs::remove_file(&path);
        }
        eprintln!(
            "{cases_run} cases: the fault struck in {struck} ({at_open} at open), \
             {acked_in_all} changes acknowledged and found again"
        );
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // Not vacuous: most cases got past the open, many changes were acknowledged before
        // the fault, and the fault struck in nearly every case.
        assert!(
            at_open * 5 < cases_run,
            "{at_open} of {cases_run} cases failed at open"
        );
        assert!(
            acked_in_all > 300,
            "only {acked_in_all} changes acknowledged in all"
        );
        assert!(
            struck * 10 > cases_run * 9,
            "the fault struck in only {struck} cases"
        );
    }
}
