//! Group commit of the operation log: entries of reads wait in memory and are committed
//! together, at most [`FLUSH_WINDOW`] after they were made (or when [`FLUSH_BATCH`] are
//! waiting, or before the next 異動, or when the database is closed), so that a lookup does
//! not cost a disk sync. A 異動's entry always commits in the 異動's own transaction, after
//! every entry that was waiting, so the log stays in the order things happened.
//! On a file opened read-only no entry is kept: nothing is written to such a file.

use super::audit::{append_all, AUDIT};
use super::batch::{Batch, CHUNK};
use super::error::Result;
use super::pending::PendingEntry;
use crate::store::Database;
use redb::WriteTransaction;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// The longest a read's log entry waits before it is committed durably.
pub const FLUSH_WINDOW: Duration = Duration::from_millis(100);

/// Waiting entries that trigger a commit at once.
pub const FLUSH_BATCH: usize = 65_536;

/// Emptied chunks kept for reuse: room for two full batches.
const FREE_CHUNKS: usize = 2 * FLUSH_BATCH / CHUNK;

#[derive(Default)]
struct Queue {
    waiting: Batch,
    /// Chunks of committed batches, emptied, for the entries to come.
    free: Vec<Vec<PendingEntry>>,
}

/// Entries waiting to be committed.
#[derive(Default)]
pub(crate) struct Journal {
    queue: Mutex<Queue>,
    wake: Condvar,
}

impl Journal {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds an entry; commits the waiting ones at once when there are many. On a file
    /// opened read-only the entry is dropped: nothing is written to such a file (DESIGN.md,
    /// "Read-only opens").
    pub fn push(&self, db: &Database, e: PendingEntry) -> Result<()> {
        if db.is_read_only() {
            return Ok(());
        }
        let full = {
            let mut q = self.lock();
            let Queue { waiting, free } = &mut *q;
            waiting.push_reusing(e, free);
            if waiting.len() == 1 {
                self.wake.notify_one();
            }
            waiting.len() >= FLUSH_BATCH
        };
        if full {
            self.flush(db)?;
        }
        Ok(())
    }

    /// Takes the waiting entries (to commit them in the caller's transaction).
    pub fn take(&self) -> Batch {
        std::mem::take(&mut self.lock().waiting)
    }

    /// Keeps a committed batch's chunks for the entries to come. The entries are dropped
    /// here, on the committing thread, outside the lock.
    fn recycle(&self, entries: Batch) {
        let chunks = entries.into_chunks();
        let mut q = self.lock();
        let room = FREE_CHUNKS.saturating_sub(q.free.len());
        q.free.extend(chunks.into_iter().take(room));
    }

    /// Commits the waiting entries durably. When it returns, every entry pushed before the
    /// call is in the log.
    pub fn flush(&self, db: &Database) -> Result<()> {
        // The write transaction first, the entries second, as every writer does: redb
        // admits one write transaction at a time, so entries taken are always committed
        // before the next writer takes its own. Taken the other way round, a flush could
        // find the queue emptied by another flush still committing, return before those
        // entries were in the log, and let a 異動 commit its entry ahead of them.
        if db.is_read_only() {
            // Nothing was kept to wait (`Journal::push`).
            return Ok(());
        }
        let txn = db.write_transaction()?;
        let entries = self.take();
        if entries.is_empty() {
            return Ok(());
        }
        let appended = txn
            .open_table(AUDIT)
            .map_err(crate::store::StoreError::from)
            .map_err(crate::Error::from)
            .and_then(|mut table| append_all(&mut table, entries.iter()));
        if let Err(e) = appended {
            self.requeue(entries);
            return Err(e);
        }
        if let Err(e) = txn.commit() {
            self.requeue(entries);
            return Err(crate::store::StoreError::from(e).into());
        }
        self.recycle(entries);
        Ok(())
    }

    /// [`Journal::flush`] when entries are waiting (the background thread's round: an
    /// idle round does not take the write lock).
    fn flush_waiting(&self, db: &Database) -> Result<()> {
        if self.lock().waiting.is_empty() {
            return Ok(());
        }
        self.flush(db)
    }

    /// Puts entries that could not be committed back in front of those waiting.
    fn requeue(&self, mut entries: Batch) {
        let mut q = self.lock();
        entries.append(std::mem::take(&mut q.waiting));
        q.waiting = entries;
    }

    /// Waits until an entry is waiting, or `timeout` passes.
    fn wait(&self, timeout: Duration) {
        let q = self.lock();
        if q.waiting.is_empty() {
            let _ = self.wake.wait_timeout(q, timeout);
        }
    }
}

/// Appends entries to the log inside `txn`.
pub(crate) fn append_in(txn: &WriteTransaction, entries: impl Into<Batch>) -> Result<()> {
    let mut table = txn.open_table(AUDIT)?;
    append_all(&mut table, entries.into().iter())
}

/// The thread that commits waiting entries within [`FLUSH_WINDOW`]. It holds its own
/// reference to the database; [`Flusher::stop`] ends it and waits for it, so the database
/// is never closed from that thread.
pub(crate) struct Flusher {
    stop: Arc<std::sync::atomic::AtomicBool>,
    journal: Arc<Journal>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Flusher {
    pub fn start(db: Arc<Database>, journal: Arc<Journal>) -> Flusher {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (flag, j) = (stop.clone(), journal.clone());
        let handle = std::thread::Builder::new()
            .name("juki-log".into())
            .spawn(move || {
                let stopped = || flag.load(std::sync::atomic::Ordering::Acquire);
                while !stopped() {
                    j.wait(FLUSH_WINDOW);
                    if stopped() {
                        break;
                    }
                    std::thread::sleep(FLUSH_WINDOW);
                    // A failed flush keeps its entries waiting; the next one retries.
                    let _ = j.flush_waiting(&db);
                }
            })
            .expect("starting the log thread");
        Flusher {
            stop,
            journal,
            handle: Some(handle),
        }
    }

    /// Ends the thread and waits for it.
    pub fn stop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Release);
        self.journal.wake.notify_all();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.stop();
    }
}
