//! Early writeback during a bulk load: a helper thread that asks the kernel, once a second,
//! to write the database file's dirty pages to disk.
//!
//! A load writes gigabytes into the file (redb writes the pages its cache cannot hold)
//! long before its one commit. Left alone, the kernel keeps most of them dirty in memory
//! (its background threshold is a tenth of the machine's memory) and the commit's sync
//! writes them all at once, with the processor idle. Synced as they come, they reach the
//! disk while the load goes on, and the commit's sync finds little left to write.
//!
//! The helper only syncs: it writes nothing, so it cannot change what the commit makes
//! durable, and a sync that fails is left to the commit's own sync to report.

use std::fs::File;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the helper syncs.
const EVERY: Duration = Duration::from_secs(1);

/// The running helper; dropping it stops it (after a sync in progress ends).
pub(crate) struct Writeback {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Writeback {
    /// Starts syncing the file at `path`; `None` when it cannot be opened (a database
    /// without a file of its own).
    pub(crate) fn start(path: &Path) -> Option<Writeback> {
        let file = File::open(path).ok()?;
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("juki-writeback".into())
            .spawn(move || {
                let (lock, wake) = &*flag;
                let mut stopped = lock.lock().unwrap_or_else(PoisonError::into_inner);
                loop {
                    let (guard, _) = wake
                        .wait_timeout(stopped, EVERY)
                        .unwrap_or_else(PoisonError::into_inner);
                    stopped = guard;
                    if *stopped {
                        return;
                    }
                    drop(stopped);
                    let _ = file.sync_data();
                    stopped = lock.lock().unwrap_or_else(PoisonError::into_inner);
                }
            })
            .ok()?;
        Some(Writeback {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Writeback {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
