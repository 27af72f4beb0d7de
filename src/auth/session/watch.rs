//! The search ceiling and the watch on browsing: the register's risk measure against
//! someone who uses 4情報検索 (FIND) or HOUSEHOLD lookups to walk through the register.
//!
//! * **The ceiling.** A FIND that matches more residents than its role's search limit
//!   (default [`DEFAULT_SEARCH_LIMIT`], set per role with `SET SEARCH LIMIT`) returns
//!   nobody: it is refused with `SEARCH_MINIMUM`, saying how many matched. A `LIMIT n` of
//!   the FIND only lowers the ceiling to `n`, never raises it.
//! * **The watch.** Per operator, the searches (FIND, and HOUSEHOLD by its id) and the
//!   distinct residents they returned in a sliding window are counted; more than
//!   [`WatchLimits::searches`] searches or [`WatchLimits::residents`] residents within
//!   [`WatchLimits::minutes`] writes an `ALERT` entry to the operation log (the operator,
//!   the counts and the window; no resident codes) and locks every session of that operator
//!   in this process: each further operation is refused (`AUTH_FAILED`, "session locked")
//!   until the operator signs in again. The search that crosses the line is refused too.
//!   Administrators are not watched.
//!
//! Invariants:
//! * the counts live in memory, per process ([`Watch`]); a new process starts them at zero;
//! * the settings are read from the `settings` table once and cached ([`Watch::policy`]);
//!   a SET of this process replaces the cache in the transaction's wake, so the per-statement
//!   cost is a read lock and a copy; a SET made by another process is seen at the next open;
//! * a window holds only events younger than its length, and the distinct-resident count is
//!   kept incrementally (a count per resident code), so noting a search costs its own hits.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};

use redb::ReadableTable;

use super::Session;
use crate::auth::audit::{AuditEntry, AUDIT};
use crate::auth::error::{AuthError, Result};
use crate::auth::pending::{Codes, EntryText, PendingEntry};
use crate::auth::role::{Permission, Role};
use crate::store::engine::schema::SETTINGS;
use crate::store::{Database, SearchQuery, StoreError};

/// The search limit of every role until an administrator sets another.
pub const DEFAULT_SEARCH_LIMIT: usize = 100;

/// The largest search limit `SET SEARCH LIMIT` accepts.
pub const MAX_SEARCH_LIMIT: usize = 100_000;

/// The log kind of an alert.
pub(crate) const ALERT: &str = "ALERT";

const WATCH_SEARCHES: &str = "watch_searches";
const WATCH_RESIDENTS: &str = "watch_residents";
const WATCH_MINUTES: &str = "watch_minutes";

/// The settings key of a role's search limit.
fn limit_key(role: Role) -> String {
    format!("search_limit_{}", role.name())
}

/// When the watch raises an alert: more than `searches` searches or more than `residents`
/// distinct residents within `minutes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchLimits {
    /// Searches allowed in the window.
    pub searches: u32,
    /// Distinct residents the searches may return in the window.
    pub residents: u32,
    /// The window's length in minutes.
    pub minutes: u32,
}

impl WatchLimits {
    /// The defaults: 30 searches, 200 residents, 10 minutes.
    pub const DEFAULT: WatchLimits = WatchLimits {
        searches: 30,
        residents: 200,
        minutes: 10,
    };

    /// Refuses a zero, or a window longer than a day.
    fn check(self) -> Result<()> {
        let bad = |field: &'static str, reason: &str| -> Result<()> {
            Err(AuthError::Invalid {
                field,
                reason: reason.into(),
            }
            .into())
        };
        if self.searches == 0 || self.residents == 0 {
            return bad("watch", "searches and residents must be at least 1");
        }
        if !(1..=24 * 60).contains(&self.minutes) {
            return bad("watch", "minutes must be from 1 to 1440 (a day)");
        }
        Ok(())
    }
}

impl Default for WatchLimits {
    fn default() -> Self {
        WatchLimits::DEFAULT
    }
}

/// The cached settings the hot path reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy {
    /// The search limit of each role, by [`Role::code`].
    ceilings: [usize; Role::ALL.len()],
    watch: WatchLimits,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            ceilings: [DEFAULT_SEARCH_LIMIT; Role::ALL.len()],
            watch: WatchLimits::DEFAULT,
        }
    }
}

impl Policy {
    /// The settings as stored; what is not stored keeps its default.
    fn read(db: &Database) -> Result<Policy> {
        let txn = db.read_transaction()?;
        let table = match txn.open_table(SETTINGS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Policy::default()),
            Err(e) => return Err(StoreError::from(e).into()),
        };
        let number = |key: &str| -> Result<Option<u64>> {
            Ok(table
                .get(key)
                .map_err(StoreError::from)?
                .and_then(|v| v.value().parse().ok()))
        };
        let mut p = Policy::default();
        for role in Role::ALL {
            if let Some(n) = number(&limit_key(role))? {
                p.ceilings[role.code() as usize] = n as usize;
            }
        }
        let w = &mut p.watch;
        for (key, slot) in [
            (WATCH_SEARCHES, &mut w.searches),
            (WATCH_RESIDENTS, &mut w.residents),
            (WATCH_MINUTES, &mut w.minutes),
        ] {
            if let Some(n) = number(key)? {
                *slot = u32::try_from(n).unwrap_or(u32::MAX);
            }
        }
        Ok(p)
    }

    /// The search limit of `role`.
    pub(crate) fn ceiling(&self, role: Role) -> usize {
        self.ceilings[role.code() as usize]
    }
}

/// The counts of one operator's window.
#[derive(Debug, Default)]
struct Tally {
    /// Each search in the window: when (Unix µs) and the distinct residents it returned.
    events: VecDeque<(i64, Vec<u64>)>,
    /// How many events of the window returned each resident.
    residents: HashMap<u64, u32>,
    /// The lock flags of the operator's sessions (dropped sessions' flags fall away).
    sessions: Vec<Weak<AtomicBool>>,
}

/// What the window held when it crossed the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Crossing {
    pub(crate) searches: usize,
    pub(crate) residents: usize,
}

impl Tally {
    /// Notes a search at `now` that returned `codes`; the crossing when the window, with
    /// it, holds more than the limits allow.
    fn note(&mut self, now: i64, codes: &[u64], limits: WatchLimits) -> Option<Crossing> {
        let window = i64::from(limits.minutes) * 60_000_000;
        while self.events.front().is_some_and(|(t, _)| *t <= now - window) {
            let (_, old) = self.events.pop_front().expect("front exists");
            for code in old {
                if let Some(n) = self.residents.get_mut(&code) {
                    *n -= 1;
                    if *n == 0 {
                        self.residents.remove(&code);
                    }
                }
            }
        }
        let mut codes = codes.to_vec();
        codes.sort_unstable();
        codes.dedup();
        for code in &codes {
            *self.residents.entry(*code).or_insert(0) += 1;
        }
        self.events.push_back((now, codes));
        let c = Crossing {
            searches: self.events.len(),
            residents: self.residents.len(),
        };
        (c.searches > limits.searches as usize || c.residents > limits.residents as usize)
            .then_some(c)
    }

    /// Forgets the window (after an alert: the count starts again at the next sign-in).
    fn clear(&mut self) {
        self.events.clear();
        self.residents.clear();
    }

    /// Locks every live session of the operator.
    fn lock_sessions(&mut self) {
        self.sessions.retain(|w| match w.upgrade() {
            Some(flag) => {
                flag.store(true, Ordering::Release);
                true
            }
            None => false,
        });
    }
}

/// The per-process state of the ceiling and the watch, shared by every session of a
/// [`super::Juki`].
#[derive(Debug, Default)]
pub(crate) struct Watch {
    /// The settings, read on first use and replaced by a SET.
    policy: RwLock<Option<Policy>>,
    tallies: Mutex<HashMap<String, Tally>>,
}

impl Watch {
    /// The cached settings, read from `db` the first time.
    pub(crate) fn policy(&self, db: &Database) -> Result<Policy> {
        if let Some(p) = *self.policy.read().unwrap_or_else(|e| e.into_inner()) {
            return Ok(p);
        }
        let p = Policy::read(db)?;
        *self.policy.write().unwrap_or_else(|e| e.into_inner()) = Some(p);
        Ok(p)
    }

    /// Drops the cache: the next use reads the settings again.
    fn forget_policy(&self) {
        *self.policy.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// A session of `operator` signed in with the lock flag `flag`: it joins the operator's
    /// sessions (the window raised an alert, if any, was forgotten when it did).
    pub(crate) fn signed_in(&self, operator: &str, flag: &Arc<AtomicBool>) {
        let mut tallies = self.tallies.lock().unwrap_or_else(|e| e.into_inner());
        let tally = tallies.entry(operator.to_string()).or_default();
        tally.sessions.retain(|w| w.strong_count() > 0);
        tally.sessions.push(Arc::downgrade(flag));
    }

    /// Notes a search of `operator`; on a crossing, forgets the window and locks the
    /// operator's sessions.
    fn note(
        &self,
        operator: &str,
        now: i64,
        codes: &[u64],
        limits: WatchLimits,
    ) -> Option<Crossing> {
        let mut tallies = self.tallies.lock().unwrap_or_else(|e| e.into_inner());
        // Every operator has a tally from their sign-in; a key is made only without one.
        if !tallies.contains_key(operator) {
            tallies.insert(operator.to_string(), Tally::default());
        }
        let tally = tallies.get_mut(operator).expect("inserted above");
        let crossing = tally.note(now, codes, limits)?;
        tally.clear();
        tally.lock_sessions();
        Some(crossing)
    }
}

/// An ALERT entry of the operation log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Position in the log.
    pub seq: u64,
    /// When, Unix time in microseconds.
    pub time: i64,
    /// The operator whose sessions were locked.
    pub operator: String,
    /// The terminal of the search that crossed the line.
    pub terminal: String,
    /// Searches in the window.
    pub searches: u64,
    /// Distinct residents those searches returned.
    pub residents: u64,
    /// The window's length in minutes.
    pub minutes: u64,
    /// The entry's text as logged.
    pub text: String,
}

impl Alert {
    fn of(e: AuditEntry) -> Alert {
        let field = |key: &str| {
            e.text
                .split_whitespace()
                .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        Alert {
            searches: field("searches"),
            residents: field("residents"),
            minutes: field("minutes"),
            seq: e.seq,
            time: e.time,
            operator: e.operator,
            terminal: e.terminal,
            text: e.text,
        }
    }
}

impl Session {
    /// The search limit of this session's role (cached settings).
    pub fn search_limit(&self) -> Result<usize> {
        Ok(self.watch().policy(self.db())?.ceiling(self.role))
    }

    /// The watch's limits now in force.
    pub fn watch_limits(&self) -> Result<WatchLimits> {
        Ok(self.watch().policy(self.db())?.watch)
    }

    /// Whether the watch on browsing locked this session (every operation is refused until
    /// the operator signs in again).
    pub fn is_locked(&self) -> bool {
        self.locked.load(Ordering::Acquire)
    }

    /// Refuses anything of a locked session (`AUTH_FAILED`).
    pub(crate) fn refuse_if_locked(&self) -> Result<()> {
        if self.is_locked() {
            return Err(AuthError::Locked.into());
        }
        Ok(())
    }

    fn watch(&self) -> &Watch {
        &self.juki.inner.watch
    }

    /// `query` with its ceiling: the role's search limit, or the query's LIMIT when lower.
    pub(super) fn ceilinged(&self, query: &SearchQuery) -> Result<SearchQuery> {
        let ceiling = self.search_limit()?;
        let mut q = query.clone();
        q.limit = Some(q.limit.map_or(ceiling, |l| l.min(ceiling)));
        Ok(q)
    }

    /// Counts a search that returned `codes` for the watch; on crossing the line, logs the
    /// ALERT (durably) and refuses with the session locked.
    pub(super) fn watched(&self, codes: &[u64]) -> Result<()> {
        if self.role == Role::Admin {
            return Ok(());
        }
        let limits = self.watch().policy(self.db())?.watch;
        let now = super::now_micros();
        let Some(c) = self.watch().note(&self.signer.operator, now, codes, limits) else {
            return Ok(());
        };
        let text = format!(
            "ALERT operator={} searches={} residents={} minutes={} limits=searches:{},residents:{} sessions locked",
            self.signer.operator, c.searches, c.residents, limits.minutes, limits.searches, limits.residents
        );
        let entry = PendingEntry {
            time: now,
            signer: Arc::clone(&self.signer),
            kind: ALERT.into(),
            text: EntryText::Owned(text),
            outcome: "OK".into(),
            codes: Codes::NONE,
        };
        self.juki.inner.journal.push(self.db(), entry)?;
        self.juki.flush_log()?;
        Err(AuthError::Locked.into())
    }

    /// SET SEARCH LIMIT: the most residents a FIND of `role` may return (1 to
    /// [`MAX_SEARCH_LIMIT`]). Needs the operators permission; logged.
    pub fn set_search_limit(&self, role: Role, limit: usize) -> Result<()> {
        if !(1..=MAX_SEARCH_LIMIT).contains(&limit) {
            return Err(AuthError::Invalid {
                field: "search limit",
                reason: format!("must be from 1 to {MAX_SEARCH_LIMIT}"),
            }
            .into());
        }
        let text = format!("SET SEARCH LIMIT {role} {limit}");
        let result = self.admin_write("SET SEARCH LIMIT", text, &[Permission::Operators], |txn| {
            let mut t = txn.open_table(SETTINGS)?;
            t.insert(limit_key(role).as_str(), limit.to_string().as_str())?;
            Ok(())
        });
        self.watch().forget_policy();
        result
    }

    /// SET WATCH: when the watch on browsing raises an alert. Needs the operators
    /// permission; logged.
    pub fn set_watch(&self, limits: WatchLimits) -> Result<()> {
        limits.check()?;
        let WatchLimits {
            searches,
            residents,
            minutes,
        } = limits;
        let text = format!("SET WATCH searches={searches} residents={residents} minutes={minutes}");
        let result = self.admin_write("SET WATCH", text, &[Permission::Operators], |txn| {
            let mut t = txn.open_table(SETTINGS)?;
            for (key, n) in [
                (WATCH_SEARCHES, searches),
                (WATCH_RESIDENTS, residents),
                (WATCH_MINUTES, minutes),
            ] {
                t.insert(key, n.to_string().as_str())?;
            }
            Ok(())
        });
        self.watch().forget_policy();
        result
    }

    /// AUDIT ALERTS: every ALERT entry of the operation log, oldest first (auditors and
    /// administrators).
    pub fn audit_alerts(&self) -> Result<Vec<Alert>> {
        self.admit(&[Permission::Audit])?;
        self.juki.flush_log()?;
        self.read(
            "AUDIT ALERTS",
            || EntryText::Fixed("AUDIT ALERTS"),
            &[Permission::Audit],
            |db| {
                let txn = db.read_transaction()?;
                let mut out = Vec::new();
                for item in txn.open_table(AUDIT)?.iter()? {
                    let (_, v) = item?;
                    let e = AuditEntry::decode(v.value())?;
                    if e.kind == ALERT {
                        out.push(Alert::of(e));
                    }
                }
                Ok(out)
            },
            |_| Some(Codes::NONE),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000_000;

    fn limits(searches: u32, residents: u32, minutes: u32) -> WatchLimits {
        WatchLimits {
            searches,
            residents,
            minutes,
        }
    }

    #[test]
    fn more_searches_than_allowed_in_the_window_cross() {
        let mut t = Tally::default();
        let l = limits(3, 100, 10);
        for i in 0..3 {
            assert_eq!(t.note(i * MINUTE, &[1], l), None);
        }
        assert_eq!(
            t.note(3 * MINUTE, &[], l),
            Some(Crossing {
                searches: 4,
                residents: 1
            })
        );
    }

    #[test]
    fn searches_older_than_the_window_fall_out() {
        let mut t = Tally::default();
        let l = limits(3, 100, 10);
        for i in 0..30 {
            // One search every four minutes: never more than three in ten minutes.
            assert_eq!(t.note(i * 4 * MINUTE, &[i as u64], l), None, "search {i}");
        }
        assert!(t.events.len() <= 3);
        assert_eq!(t.residents.len(), t.events.len());
    }

    #[test]
    fn distinct_residents_are_counted_once() {
        let mut t = Tally::default();
        let l = limits(100, 5, 10);
        for _ in 0..20 {
            assert_eq!(t.note(0, &[1, 2, 3, 3], l), None);
        }
        assert_eq!(t.residents.len(), 3);
        assert_eq!(t.note(MINUTE, &[4, 5], l), None);
        assert_eq!(
            t.note(2 * MINUTE, &[6], l),
            Some(Crossing {
                searches: 22,
                residents: 6
            })
        );
        // Eleven minutes later only the last search is in the window.
        assert_eq!(t.note(13 * MINUTE, &[7, 8, 9, 10], l), None);
        assert_eq!(t.residents.len(), 4);
    }

    #[test]
    fn a_crossing_locks_every_live_session_of_the_operator() {
        let w = Watch::default();
        let (a, b, other) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        w.signed_in("clerk1", &a);
        w.signed_in("clerk1", &b);
        w.signed_in("clerk2", &other);
        let l = limits(1, 100, 10);
        assert!(w.note("clerk1", 0, &[], l).is_none());
        assert!(w.note("clerk1", 1, &[], l).is_some());
        assert!(a.load(Ordering::Acquire) && b.load(Ordering::Acquire));
        assert!(!other.load(Ordering::Acquire));
        // The window starts again.
        assert!(w.note("clerk1", 2, &[], l).is_none());
    }

    #[test]
    fn watch_limits_refuse_zero_and_long_windows() {
        assert!(limits(0, 1, 1).check().is_err());
        assert!(limits(1, 0, 1).check().is_err());
        assert!(limits(1, 1, 0).check().is_err());
        assert!(limits(1, 1, 1441).check().is_err());
        assert!(limits(30, 200, 10).check().is_ok());
    }
}
