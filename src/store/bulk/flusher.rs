//! [`Flusher`]: writes a bulk load's staged passes into the tables on a thread of its own,
//! while the load goes on staging the next pass.
//!
//! The load hands over a full [`Writes`] and gets an empty one back (the one handed over
//! the time before, once written), so at most one pass is being written while another
//! fills. The tables sit behind a mutex that the writing thread holds for a whole pass: a
//! read of the tables by the load first waits until everything handed over is in them
//! ([`Flusher::read`]), so it sees every earlier pass. Reads the load can answer from
//! memory (see `staging::Known`) never wait.

use super::spill::Spill;
use super::staging::Writes;
use crate::store::engine::tables::WriteTables;
use crate::store::error::{Result, StoreError};
use std::cell::{Cell, RefCell};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Mutex, MutexGuard};
use std::thread::{Scope, ScopedJoinHandle};

fn stopped() -> StoreError {
    StoreError::Storage("the load's writing thread stopped".into())
}

/// The tables of a load, shared with its writing thread.
pub(crate) type Shared<'t> = Mutex<WriteTables<'t>>;

/// Locks the tables; a panic of the writing thread shows as an error here.
pub(crate) fn lock<'a, 't>(tables: &'a Shared<'t>) -> Result<MutexGuard<'a, WriteTables<'t>>> {
    tables.lock().map_err(|_| stopped())
}

/// The load's side of the writing thread.
pub(crate) struct Flusher<'s, 't> {
    tables: &'s Shared<'t>,
    work: Option<SyncSender<Writes>>,
    done: Receiver<Result<Writes>>,
    thread: Option<ScopedJoinHandle<'s, Option<Spill>>>,
    /// A pass was handed over and has not been waited for.
    in_flight: Cell<bool>,
    spare: RefCell<Option<Writes>>,
    /// Passes written by the thread.
    passes: Cell<usize>,
}

impl<'s, 't: 's> Flusher<'s, 't> {
    /// Starts the writing thread in `scope`; passes it writes put their write-only
    /// entries into `spill` when there is one.
    pub(crate) fn start<'env>(
        scope: &'s Scope<'s, 'env>,
        tables: &'s Shared<'t>,
        mut spill: Option<Spill>,
    ) -> Flusher<'s, 't>
    where
        't: 'env,
    {
        let (work, jobs) = std::sync::mpsc::sync_channel::<Writes>(0);
        let (finished, done) = std::sync::mpsc::channel::<Result<Writes>>();
        let thread = scope.spawn(move || {
            for mut w in jobs {
                let result = match lock(tables) {
                    Ok(mut t) => w.flush(&mut t, spill.as_mut()),
                    Err(e) => Err(e),
                };
                let failed = result.is_err();
                if finished.send(result.map(|()| w)).is_err() || failed {
                    break;
                }
            }
            spill
        });
        Flusher {
            tables,
            work: Some(work),
            done,
            thread: Some(thread),
            in_flight: Cell::new(false),
            spare: RefCell::new(None),
            passes: Cell::new(0),
        }
    }

    /// Waits until every pass handed over is in the tables.
    pub(crate) fn settle(&self) -> Result<()> {
        if self.in_flight.replace(false) {
            let w = self.done.recv().map_err(|_| stopped())??;
            self.passes.set(self.passes.get() + 1);
            *self.spare.borrow_mut() = Some(w);
        }
        Ok(())
    }

    /// Runs `f` over the tables once every pass handed over is in them.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&WriteTables<'t>) -> Result<R>) -> Result<R> {
        self.settle()?;
        f(&*lock(self.tables)?)
    }

    /// Hands `w` to the writing thread and returns an empty `Writes` to stage the next
    /// pass in (waiting first for the pass handed over before, if it is still being
    /// written).
    pub(crate) fn hand_over(&self, w: Writes) -> Result<Writes> {
        self.settle()?;
        self.work
            .as_ref()
            .ok_or_else(stopped)?
            .send(w)
            .map_err(|_| stopped())?;
        self.in_flight.set(true);
        Ok(self.spare.borrow_mut().take().unwrap_or_else(Writes::new))
    }

    /// Waits for the last pass handed over, stops the thread and returns the spill runs
    /// it wrote and how many passes it wrote.
    pub(crate) fn finish(mut self) -> Result<(Option<Spill>, usize)> {
        let settled = self.settle();
        drop(self.work.take());
        let spill = self
            .thread
            .take()
            .expect("joined once")
            .join()
            .map_err(|_| stopped())?;
        settled?;
        Ok((spill, self.passes.get()))
    }
}
