//! Read snapshots shared between lookups.
//!
//! A lookup is a few microseconds of B-tree work; beginning a redb read transaction and
//! opening its tables (each a probe of redb's table tree) costs about as much again. The
//! [`SnapshotCache`] keeps one snapshot with its tables open and hands it to every read
//! until a 異動 commits (the writer bumps the data version after its commit, before it
//! returns, so a session always reads its own writes) or the snapshot is
//! [`MAX_AGE`] old (a live snapshot keeps redb from reusing the pages freed after it began,
//! so it is renewed often). Commits that touch no resident data (the operation log, the
//! operators) leave it in place.

use super::tables::ReadTables;
use crate::store::error::Result;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long one snapshot serves reads at most.
pub const MAX_AGE: Duration = Duration::from_millis(200);

struct Cached {
    version: u64,
    taken: Instant,
    tables: Arc<ReadTables>,
}

/// The shared snapshot of a database and its data version.
#[derive(Default)]
pub(crate) struct SnapshotCache {
    version: AtomicU64,
    slot: Mutex<Option<Cached>>,
}

impl SnapshotCache {
    /// A snapshot at least as new as the last committed 異動: the cached one, or a new one
    /// made by `open`.
    pub fn get(&self, open: impl FnOnce() -> Result<ReadTables>) -> Result<Arc<ReadTables>> {
        let version = self.version.load(Ordering::Acquire);
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = slot.as_ref() {
            if c.version == version && c.taken.elapsed() < MAX_AGE {
                return Ok(Arc::clone(&c.tables));
            }
        }
        // Drop the old snapshot before taking a new one.
        *slot = None;
        let tables = Arc::new(open()?);
        *slot = Some(Cached {
            version,
            taken: Instant::now(),
            tables: Arc::clone(&tables),
        });
        Ok(tables)
    }

    /// Called after a commit that changed resident data: later reads take a new snapshot.
    pub fn committed(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
    }

    /// Drops the cached snapshot (before compaction, which needs no read open).
    pub fn clear(&self) {
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) = None;
        self.committed();
    }
}
