//! COMPACT: gives the free space inside the file back (redb's `Database::compact`).
//!
//! Compaction rewrites pages and needs the database to itself: no transaction may be open
//! while it runs. [`Database::compact`] takes the write side of the lock every transaction
//! begins under (readers hold it only while a transaction begins), so nothing new starts
//! meanwhile; a transaction that was already open makes redb refuse, and that is reported as
//! `CONFLICT`. Sessions are counted above this layer (`auth::Session::compact` refuses while
//! other sessions exist), so in practice only the operation log's flusher can be caught
//! mid-commit, and the compaction waits briefly for it.

use crate::store::db::Database;
use crate::store::error::{Result, StoreError};
use std::sync::TryLockError;
use std::time::{Duration, Instant};

/// How long COMPACT waits for transactions that are beginning or committing to end.
const WAIT: Duration = Duration::from_secs(5);

/// What COMPACT ([`crate::Session::compact`]) did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompactReport {
    /// The file's size before, in bytes.
    pub before: u64,
    /// The file's size after, in bytes.
    pub after: u64,
    /// Whether redb found anything to move.
    pub compacted: bool,
    /// How long it took.
    pub seconds: f64,
}

impl std::fmt::Display for CompactReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} bytes before, {} bytes after ({} bytes reclaimed), {:.2} s",
            self.before,
            self.after,
            self.before.saturating_sub(self.after),
            self.seconds
        )
    }
}

fn file_len(db: &Database) -> Result<u64> {
    std::fs::metadata(db.path())
        .map(|m| m.len())
        .map_err(|e| StoreError::io(db.path().display(), e))
}

impl Database {
    /// Compacts the file: moves pages towards its start and truncates the free space at its
    /// end. Refused with `CONFLICT` while a transaction is open.
    pub(crate) fn compact(&self) -> Result<CompactReport> {
        if self.is_read_only() {
            return Err(StoreError::ReadOnly);
        }
        let started = Instant::now();
        let deadline = started + WAIT;
        let busy = || {
            StoreError::Conflict(
                "COMPACT needs the database to itself and a transaction is still open on it; try again when it has ended".into(),
            )
        };
        // `try_write` rather than `write`: a waiting writer would stop new readers, and a
        // reader that is waiting for a write transaction to end must not be stopped.
        // The shared read snapshot is a read transaction; compaction needs none open.
        self.snapshots.clear();
        let mut db = loop {
            match self.db.try_write() {
                Ok(g) => break g,
                Err(TryLockError::Poisoned(p)) => break p.into_inner(),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1))
                }
                Err(TryLockError::WouldBlock) => return Err(busy()),
            }
        };
        let before = file_len(self)?;
        let compacted = loop {
            match db.writable_mut()?.compact() {
                Ok(c) => break c,
                // A transaction that began before the lock was taken (the log flusher's
                // commit, say) ends on its own.
                Err(redb::CompactionError::TransactionInProgress) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(redb::CompactionError::TransactionInProgress) => return Err(busy()),
                Err(redb::CompactionError::Storage(e)) => return Err(e.into()),
                Err(e) => return Err(StoreError::Storage(format!("compaction refused: {e}"))),
            }
        };
        drop(db);
        Ok(CompactReport {
            before,
            after: file_len(self)?,
            compacted,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}
