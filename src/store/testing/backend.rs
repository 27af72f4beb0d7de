//! A testing aid: a redb [`StorageBackend`] that fails on purpose, and the [`Database`]
//! constructors that take a backend.
//!
//! [`FaultyBackend`] wraps another backend (redb's `FileBackend` or `InMemoryBackend`) and
//! passes every call through until a shared countdown of writes or syncs runs out; from then
//! on that operation fails with an I/O error until the countdown is raised again. The tests
//! use it to show that a failed write or sync is reported, that the database refuses further
//! writes until it is reopened, and that nothing committed before the failure is lost.
//!
//! Not for production use: the engine itself always opens files with redb's own backend.

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
            db: db.into(),
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
    use crate::store::{Change, Fields};
    use redb::backends::{FileBackend, InMemoryBackend};

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
        let again = StoreError::from(again);
        assert_eq!(again.code(), "IO");
        assert!(again.to_string().contains("re-open"), "{again}");
    }

    fn move_date(i: usize) -> Date {
        Date::parse("2024-04-01").unwrap().add_days(i as i64)
    }

    fn a_move(code: ResidentCode, i: usize) -> Change {
        Change::new(Reason::Move, code, move_date(i)).with(Fields {
            address: Some(
                Address::parse(&format!("芦屋市精道町{}-{}", i / 50 + 1, i % 50 + 1)).unwrap(),
            ),
            ..Fields::default()
        })
    }

    fn faulty(path: &Path, on: FaultOn, countdown: &Arc<AtomicU64>) -> Result<Database> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .unwrap();
        let inner = FileBackend::new(file).unwrap();
        Database::open_with_backend(FaultyBackend::new(inner, on, countdown.clone()), path)
    }

    /// What a run through a faulty backend acknowledged.
    type Acked = Vec<(ResidentCode, u32, u64)>;

    /// Records MOVEs through a backend that fails after `n` writes or syncs; returns what
    /// was acknowledged and whether the fault struck.
    fn run_until_fault(path: &Path, on: FaultOn, n: u64, codes: &[ResidentCode]) -> (Acked, bool) {
        let countdown = Arc::new(AtomicU64::new(n));
        let db = match faulty(path, on, &countdown) {
            Ok(db) => db,
            Err(e) => {
                assert!(matches!(e.code().as_str(), "IO" | "CORRUPT"), "{e}");
                return (Vec::new(), true);
            }
        };
        let mut acked = Vec::new();
        for (i, &code) in codes.iter().enumerate() {
            match db.record(&a_move(code, i)) {
                Ok(receipt) => {
                    let w = receipt.written[0];
                    acked.push((w.code, w.version, w.seq));
                }
                Err(e) => {
                    assert!(matches!(e.code().as_str(), "IO" | "CORRUPT"), "{e}");
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
                    return (acked, true);
                }
            }
        }
        (acked, false)
    }

    #[test]
    fn an_injected_write_or_sync_failure_loses_nothing_committed() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("base.redb");
        let today = Date::parse("2024-03-31").unwrap();
        let opts = GenOptions::new(120, 13, today);
        let db = Database::create(&base).unwrap();
        let moves_in: Vec<Change> = generator::residents(&opts)
            .map(|r| r.to_move_in())
            .collect();
        db.record_batch(&moves_in).unwrap();
        let base_seq = db.counts().unwrap().last_seq;
        drop(db);
        let codes: Vec<ResidentCode> = moves_in.iter().map(|c| c.code).take(60).collect();

        let mut struck = 0;
        let cases = (0..48u64)
            .map(|n| (FaultOn::Write, n * 3))
            .chain((0..16u64).map(|n| (FaultOn::Sync, n)));
        for (on, n) in cases {
            let path = dir.path().join(format!("fault-{on:?}-{n}.redb"));
            std::fs::copy(&base, &path).unwrap();
            let (acked, failed) = run_until_fault(&path, on, n, &codes);
            struck += usize::from(failed);

            let db = Database::open(&path).unwrap_or_else(|e| panic!("{on:?} after {n}: {e}"));
            let counts = db.counts().unwrap();
            let acked_seq = base_seq + acked.len() as u64;
            assert!(
                counts.last_seq == acked_seq || counts.last_seq == acked_seq + 1,
                "{on:?} after {n}: {} acknowledged, the file ends at seq {}",
                acked.len(),
                counts.last_seq
            );
            for (code, version, seq) in &acked {
                let history = db.history(*code).unwrap();
                let v = history
                    .iter()
                    .find(|r| r.version == *version)
                    .unwrap_or_else(|| {
                        panic!("{on:?} after {n}: acknowledged {code} v{version} is lost")
                    });
                assert_eq!(v.seq, *seq);
            }
            let report = db.check().unwrap();
            assert!(report.is_clean(), "{on:?} after {n}:\n{report}");
        }
        assert!(struck > 40, "the fault struck in only {struck} cases");
    }
}
