//! Group commit: several sessions' 異動 made durable by one disk sync.
//!
//! Off by default: a register opened by one process for one operator commits each 異動
//! durably on its own (one disk sync, in the commit). A server turns it on. Then a 異動's
//! transaction commits without a disk sync (redb's `Durability::None`: the commit is in
//! memory and in the file's pages, not yet made durable), and its caller waits in
//! [`GroupCommit::sync`] for a *round*: one empty commit with `Durability::Immediate`, which
//! makes durable every commit before it. One caller leads a round; the others wait. While a
//! round syncs, it holds redb's write lock, so the sessions that arrive meanwhile commit
//! one after another as soon as it ends, and the next round makes them all durable at once.
//!
//! A round's leader first waits (at most [`GATHER`]) until no 異動 is being written: the
//! writers queued behind redb's write lock commit one after another in a fraction of a
//! millisecond each, and a round started before they do would take the write lock from
//! them and hold only the leader's own commit (measured: one disk sync per 異動, no gain
//! at all, when rounds started at once).
//!
//! Invariants:
//! * A caller returns `Ok` only after a round that STARTED after its own commit has
//!   finished: its 異動 is on disk when the session acknowledges it. A round that started
//!   before the commit may not hold it, and is not enough.
//! * A round that fails fails every caller waiting for it: nobody is told their 異動 is
//!   durable when the sync that was to make it so did not happen.
//! * Read snapshots may show a 異動 before its round has finished (it is committed, in
//!   memory). A crash in that moment loses a 異動 that was seen but never acknowledged.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::store::{Result, StoreError};

/// The rounds of disk syncs: how many started, how many finished, whether one runs now.
#[derive(Default)]
struct Rounds {
    started: u64,
    finished: u64,
    leading: bool,
    /// The last round that failed.
    failed: Option<u64>,
}

/// The longest a round's leader waits for the 異動 being written to commit.
pub(crate) const GATHER: Duration = Duration::from_millis(2);

/// Group commit's switch and rounds.
#[derive(Default)]
pub(crate) struct GroupCommit {
    on: AtomicBool,
    rounds: Mutex<Rounds>,
    ended: Condvar,
    /// 異動 between the start of their write and their commit.
    writing: AtomicUsize,
    /// Signalled when `writing` falls to zero.
    quiet: Condvar,
    /// How many times resident data was made durable; a follower of the change feed waits
    /// for it to move.
    durable: Mutex<u64>,
    /// Signalled when `durable` moves.
    made_durable: Condvar,
}

/// A 異動 being written, from before its write transaction begins until it has committed
/// (or failed): a round's leader waits for it.
pub(crate) struct Writing<'g>(Option<&'g GroupCommit>);

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        if let Some(group) = self.0 {
            if group.writing.fetch_sub(1, Ordering::AcqRel) == 1 {
                let _rounds = group.rounds.lock().unwrap_or_else(PoisonError::into_inner);
                group.quiet.notify_all();
            }
        }
    }
}

impl GroupCommit {
    /// Turns group commit on or off.
    pub fn set(&self, on: bool) {
        self.on.store(on, Ordering::Release);
    }

    /// Whether a 異動 commits without its own disk sync and then waits for a round.
    pub fn is_on(&self) -> bool {
        self.on.load(Ordering::Acquire)
    }

    /// Marks a 異動 as being written until the guard is dropped (nothing when group commit
    /// is off).
    pub fn writing(&self) -> Writing<'_> {
        if !self.is_on() {
            return Writing(None);
        }
        self.writing.fetch_add(1, Ordering::AcqRel);
        Writing(Some(self))
    }

    /// Waits until what the caller committed before calling is durable: leads a round
    /// (`sync_round`, the durable empty commit) if none is running, else waits for the one
    /// that runs and, if that one started too early, for the next.
    pub fn sync(&self, sync_round: impl Fn() -> Result<()>) -> Result<()> {
        let mut rounds = self.rounds.lock().unwrap_or_else(PoisonError::into_inner);
        // The first round to start from now on holds this caller's commit.
        let needed = rounds.started + 1;
        loop {
            if rounds.failed.is_some_and(|f| f >= needed) {
                return Err(StoreError::Storage(
                    "the disk sync of the commit failed; the 異動 may not be durable".into(),
                ));
            }
            if rounds.finished >= needed {
                return Ok(());
            }
            if rounds.leading {
                rounds = self
                    .ended
                    .wait(rounds)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            rounds.leading = true;
            rounds = self.gather(rounds);
            rounds.started += 1;
            let round = rounds.started;
            drop(rounds);
            // The sync runs without the lock, so that sessions arriving meanwhile can take
            // their place for the next round.
            let synced = sync_round();
            rounds = self.rounds.lock().unwrap_or_else(PoisonError::into_inner);
            rounds.leading = false;
            rounds.finished = round;
            if synced.is_err() {
                rounds.failed = Some(round);
            }
            self.ended.notify_all();
            synced?;
        }
    }
}

impl GroupCommit {
    /// Says that resident data committed is durable now (after the disk sync of its commit,
    /// or of its round): a follower of the change feed may give it out.
    pub fn announce(&self) {
        let mut durable = self.durable.lock().unwrap_or_else(PoisonError::into_inner);
        *durable += 1;
        self.made_durable.notify_all();
    }

    /// How many times resident data was made durable so far.
    pub fn durable(&self) -> u64 {
        *self.durable.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until resident data is made durable after `seen` (a value of
    /// [`GroupCommit::durable`]), or `timeout` passes; the value then.
    pub fn wait_durable(&self, seen: u64, timeout: Duration) -> u64 {
        let durable = self.durable.lock().unwrap_or_else(PoisonError::into_inner);
        let (durable, _) = self
            .made_durable
            .wait_timeout_while(durable, timeout, |d| *d == seen)
            .unwrap_or_else(PoisonError::into_inner);
        *durable
    }

    /// Waits, at most [`GATHER`], until no 異動 is being written, so that the round holds
    /// every commit queued behind the write lock.
    fn gather<'r>(
        &self,
        mut rounds: std::sync::MutexGuard<'r, Rounds>,
    ) -> std::sync::MutexGuard<'r, Rounds> {
        let until = Instant::now() + GATHER;
        while self.writing.load(Ordering::Acquire) > 0 {
            let now = Instant::now();
            if now >= until {
                break;
            }
            rounds = self
                .quiet
                .wait_timeout(rounds, until - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        rounds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;

    #[test]
    fn a_caller_returns_after_a_round_that_started_after_it_came() {
        let group = GroupCommit::default();
        let syncs = AtomicU64::new(0);
        group
            .sync(|| {
                syncs.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
            .unwrap();
        assert_eq!(
            syncs.load(Ordering::SeqCst),
            1,
            "alone, it leads its own round"
        );
    }

    #[test]
    fn callers_that_arrive_during_a_round_share_the_next() {
        let group = Arc::new(GroupCommit::default());
        let syncs = Arc::new(AtomicU64::new(0));
        let gate = Arc::new(std::sync::Barrier::new(9));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (group, syncs, gate) = (group.clone(), syncs.clone(), gate.clone());
                std::thread::spawn(move || {
                    gate.wait();
                    group
                        .sync(|| {
                            syncs.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(30));
                            Ok(())
                        })
                        .unwrap();
                })
            })
            .collect();
        gate.wait();
        for t in threads {
            t.join().unwrap();
        }
        let n = syncs.load(Ordering::SeqCst);
        assert!(
            (1..=4).contains(&n),
            "8 callers at once need at most a round in flight and one after it, give or take the threads' start: {n}"
        );
    }

    #[test]
    fn a_wait_for_durable_data_ends_when_it_is_announced_or_at_the_timeout() {
        let group = Arc::new(GroupCommit::default());
        let seen = group.durable();
        let timed_out = group.wait_durable(seen, std::time::Duration::from_millis(10));
        assert_eq!(timed_out, seen);
        let waiter = {
            let group = group.clone();
            std::thread::spawn(move || group.wait_durable(seen, std::time::Duration::from_secs(30)))
        };
        std::thread::sleep(std::time::Duration::from_millis(20));
        group.announce();
        assert_eq!(waiter.join().unwrap(), seen + 1);
    }

    #[test]
    fn a_failed_round_fails_its_callers_and_the_next_round_can_succeed() {
        let group = GroupCommit::default();
        let err = group
            .sync(|| Err(StoreError::Storage("disk on fire".into())))
            .unwrap_err();
        assert!(err.to_string().contains("disk on fire"), "{err}");
        group.sync(|| Ok(())).unwrap();
    }
}
