//! [`Juki`], a database file opened for use, and [`Session`], an operator signed in at a
//! terminal: the only public way to personal data. Every operation of a session checks the
//! operator's permission, checks that the operator is still enabled, and writes an entry to
//! the operation log (a 異動's entry in the 異動's own transaction). On a file opened
//! read-only nothing is written, not even the log: every change is refused and reads leave
//! no trace in the file (DESIGN.md, "Read-only opens").

mod certificate;
mod feed;
mod notify;
mod recover;
mod replace;
mod restrict;
mod watch;

pub use feed::FeedItems;

pub use certificate::{Destination, Issued};
pub use notify::Batch;
pub use recover::Recovered;
pub use restrict::SupportMeasure;
pub use watch::{Alert, WatchLimits, DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT};

use super::audit::{self, AuditEntry, AuditQuery, ChainReport, Redacted, AUDIT};
use super::error::{AuthError, Result};
use super::journal::{append_in, Flusher, Journal};
use super::operator::{
    check_id, check_password, hash_password, verify_password, OperatorInfo, StoredOperator,
    DECOY_HASH, LOCK_AFTER_FAILURES, OPERATORS,
};
use super::pending::{Codes, EntryText, PendingEntry, Signer};
use super::role::{Permission, Role, Visibility};
use crate::model::{Date, HouseholdId, MyNumber, ResidentCode, RevealedMyNumber, Sex};
use crate::store::{
    BackupReport, BatchError, Change, CheckReport, Clock, CompactReport, Counts, Database,
    Household, HouseholdMove, Manifest, MyNumberMatch, Receipt, Resident, SearchHit, SearchQuery,
    StatDim, StatsRow, StoreError,
};
use crate::store::{HouseholdRow, Period, Report};
use crate::Error;

/// What a 異動's write transaction runs before its commit: the operation log's entry.
type BeforeCommit<'a> =
    &'a mut dyn FnMut(&WriteTransaction, &Receipt) -> std::result::Result<(), StoreError>;
use redb::{ReadableTable, WriteTransaction};
use std::borrow::Cow;
use std::cell::RefCell;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

struct Inner {
    db: Arc<Database>,
    journal: Arc<Journal>,
    flusher: Mutex<Flusher>,
    /// Bumped whenever an operator changes, so sessions re-read their operator.
    operators_changed: AtomicU64,
    /// Sessions signed in and not yet dropped (COMPACT refuses while others exist).
    sessions: AtomicUsize,
    /// The search ceiling and the watch on browsing (per process).
    watch: watch::Watch,
    /// The DV等支援措置, read once (`restrict`).
    measures: restrict::MeasureCache,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.flusher
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .stop();
        let _ = self.journal.flush(&self.db);
    }
}

/// A juki database file, opened. Sign an operator in to use it.
#[derive(Clone)]
pub struct Juki {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Juki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Juki")
            .field("path", &self.inner.db.path())
            .finish()
    }
}

pub(super) fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

fn read_operator(db: &Database, id: &str) -> Result<Option<StoredOperator>> {
    let txn = db.read_transaction()?;
    let table = match txn.open_table(OPERATORS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    match table.get(id)? {
        Some(v) => Ok(Some(StoredOperator::decode(v.value())?)),
        None => Ok(None),
    }
}

fn write_operator(txn: &WriteTransaction, op: &StoredOperator) -> Result<()> {
    let mut t = txn.open_table(OPERATORS)?;
    t.insert(op.id.as_str(), op.encode().as_slice())?;
    Ok(())
}

impl Juki {
    pub(super) fn create_keyed(
        path: impl AsRef<Path>,
        admin: &str,
        password: &str,
        key: Option<&crate::store::crypt::Key>,
        place: Option<&crate::store::engine::place::NewPlace>,
    ) -> Result<Juki> {
        check_id(admin)?;
        check_password(password, admin)?;
        let hash = hash_password(password)?;
        let db = Database::create_keyed(path, key, |txn| -> Result<()> {
            let mut text = format!("INIT admin={admin}");
            if let Some(p) = place {
                crate::store::engine::place::write_book(txn, p)?;
                text.push_str(&format!(" municipality={}", p.municipality.code()));
                for (from, _) in &p.towns {
                    text.push_str(&format!(" towns={from}"));
                }
            }
            let op = StoredOperator {
                id: admin.to_string(),
                role: Role::Admin.code(),
                hash,
                disabled: false,
                failed: 0,
                locked: false,
                created_at: now_micros(),
                created_by: admin.to_string(),
                locked_at: 0,
            };
            write_operator(txn, &op)?;
            append_in(
                txn,
                vec![PendingEntry {
                    time: now_micros(),
                    signer: Signer::new(admin, ""),
                    kind: "INIT".into(),
                    text: text.into(),
                    outcome: "OK".into(),
                    codes: Codes::NONE,
                }],
            )
        })?;
        Ok(Juki::wrap(db))
    }

    /// Opens a database file, encrypted (with `key`) or plain, with a page cache of
    /// `cache_bytes` (see [`Database::open_with_cache`]; [`crate::store::LOAD_CACHE_BYTES`]
    /// suits a process that opens a file to load it); read-only when `read_only`
    /// ([`Database::open_read_only`]).
    pub(crate) fn open_with_cache(
        path: impl AsRef<Path>,
        key: Option<&crate::store::crypt::Key>,
        cache_bytes: usize,
        read_only: bool,
    ) -> Result<Juki> {
        let db = match key {
            _ if read_only => Database::open_read_only(path, key, cache_bytes)?,
            Some(k) => Database::open_encrypted_with_cache(path, k, cache_bytes)?,
            None => Database::open_with_cache(path, cache_bytes)?,
        };
        Ok(Juki::wrap(db))
    }

    /// Whether the file is encrypted at rest.
    pub fn is_encrypted(&self) -> bool {
        self.inner.db.is_encrypted()
    }

    pub(super) fn wrap(db: Database) -> Juki {
        let db = Arc::new(db);
        let journal = Arc::new(Journal::default());
        let flusher = Flusher::start(db.clone(), journal.clone());
        Juki {
            inner: Arc::new(Inner {
                db,
                journal,
                flusher: Mutex::new(flusher),
                operators_changed: AtomicU64::new(0),
                sessions: AtomicUsize::new(0),
                watch: watch::Watch::default(),
                measures: restrict::MeasureCache::default(),
            }),
        }
    }

    /// Options for opening or creating the register at `path`: the one way to get a
    /// [`Juki`].
    pub fn builder(path: impl AsRef<Path>) -> super::Builder {
        super::Builder::new(path.as_ref())
    }

    /// Whether the file was opened read-only ([`super::Builder::read_only`]): every change
    /// is refused and nothing, not even the operation log, is written to it.
    pub fn is_read_only(&self) -> bool {
        self.inner.db.is_read_only()
    }

    /// The file.
    pub fn path(&self) -> &Path {
        self.inner.db.path()
    }

    /// The register's municipality and address dictionaries; `None` for a register
    /// created without a municipality.
    pub fn place(&self) -> Option<Arc<crate::model::PlaceBook>> {
        self.inner.db.place()
    }

    /// Sets where "today" comes from (see [`Clock`]).
    pub fn set_clock(&self, clock: Clock) {
        self.inner.db.set_clock(clock);
    }

    /// Today, by the database's clock.
    pub fn today(&self) -> Date {
        self.inner.db.today()
    }

    /// Whether several sessions' 異動 share one disk sync (a server turns it on; DESIGN.md,
    /// "Group commit").
    pub(crate) fn set_group_commit(&self, on: bool) {
        self.inner.db.set_group_commit(on);
    }

    /// How many times resident data was made durable since the file was opened.
    pub(crate) fn durable_count(&self) -> u64 {
        self.inner.db.durable_count()
    }

    /// Waits until resident data is made durable after `seen` (a value of
    /// [`Juki::durable_count`]) or `timeout` passes; the count then.
    pub(crate) fn wait_durable(&self, seen: u64, timeout: std::time::Duration) -> u64 {
        self.inner.db.wait_durable(seen, timeout)
    }

    /// Sessions signed in on this database and not yet dropped.
    pub fn sessions(&self) -> usize {
        self.inner.sessions.load(Ordering::Acquire)
    }

    /// Commits every waiting operation-log entry now.
    pub fn flush_log(&self) -> Result<()> {
        self.inner.journal.flush(&self.inner.db)
    }

    /// Signs an operator in. A wrong password, an unknown, disabled or locked operator all
    /// fail the same way (`AUTH_FAILED`); [`LOCK_AFTER_FAILURES`] failures in a row
    /// lock the operator until an administrator unlocks them. Every attempt is logged.
    ///
    /// On a file opened read-only the password is checked against the stored hash all the
    /// same (a disabled or locked operator is refused), but nothing is recorded: no log
    /// entry, no failure counted (DESIGN.md, "Read-only opens"). Since its reads leave no
    /// trace, such an open signs in only a role with the audit permission (the
    /// administrator, the auditor); any other is refused with `PERMISSION_DENIED`.
    pub fn sign_in(&self, operator: &str, password: &str, terminal: &str) -> Result<Session> {
        let db = &self.inner.db;
        let stored = read_operator(db, operator)?;
        let now = now_micros();
        let ok = match &stored {
            Some(op) => verify_password(password, &op.hash) && op.usable_at(now),
            None => {
                // Same work as a real check, so timing does not tell who exists.
                let _ = verify_password(password, DECOY_HASH);
                false
            }
        };
        let signer = Signer::new(operator, terminal);
        let entry = PendingEntry {
            time: now_micros(),
            signer: signer.clone(),
            kind: "SIGN IN".into(),
            text: EntryText::Fixed("SIGN IN"),
            outcome: if ok {
                "OK".into()
            } else {
                "AUTH_FAILED".into()
            },
            codes: Codes::NONE,
        };
        if !db.is_read_only() {
            self.record_attempt(entry, stored.clone(), ok, now)?;
        }
        match (ok, stored) {
            (true, Some(op)) if db.is_read_only() && !op.role()?.allows(Permission::Audit) => {
                Err(AuthError::PermissionDenied {
                    role: op.role()?,
                    missing: Permission::Audit,
                }
                .into())
            }
            (true, Some(op)) => {
                // Counted here, given back in `Drop for Session`.
                self.inner.sessions.fetch_add(1, Ordering::AcqRel);
                let locked = Arc::new(AtomicBool::new(false));
                self.inner.watch.signed_in(&op.id, &locked);
                Ok(Session {
                    juki: self.clone(),
                    signer: if signer.operator == op.id {
                        signer
                    } else {
                        Signer::new(&op.id, terminal)
                    },
                    role: op.role()?,
                    seen: AtomicU64::new(self.inner.operators_changed.load(Ordering::Acquire)),
                    statement: RefCell::new(None),
                    locked,
                    shown: RefCell::new(Vec::new()),
                    hidden: RefCell::new(Vec::new()),
                    warned: RefCell::new(Vec::new()),
                })
            }
            _ => Err(AuthError::AuthFailed.into()),
        }
    }
}

impl Juki {
    /// Records a sign-in attempt: its log entry (after every entry waiting) and the
    /// operator's failure counter and lock-out, in one commit.
    fn record_attempt(
        &self,
        entry: PendingEntry,
        stored: Option<StoredOperator>,
        ok: bool,
        now: i64,
    ) -> Result<()> {
        let txn = self.inner.db.write_transaction()?;
        let mut pending = self.inner.journal.take();
        pending.push(entry);
        if let Some(mut op) = stored {
            if count_attempt(&mut op, ok, now) {
                write_operator(&txn, &op)?;
                self.inner.operators_changed.fetch_add(1, Ordering::AcqRel);
            }
        }
        append_in(&txn, pending)?;
        txn.commit().map_err(StoreError::from)?;
        Ok(())
    }
}

/// An operator signed in at a terminal. Every method checks the operator's permission and
/// logs the operation; personal data reaches the caller through nothing else.
pub struct Session {
    juki: Juki,
    /// The operator and terminal, shared by every log entry of the session.
    signer: Arc<Signer>,
    role: Role,
    /// The value of `operators_changed` when the operator was last known to be enabled.
    seen: AtomicU64,
    /// The statement text being run, for the log (set by the console).
    statement: RefCell<Option<(String, String)>>,
    /// Set when the watch on browsing locked the session (every operation refused until
    /// the operator signs in again).
    locked: Arc<AtomicBool>,
    /// Resident codes under a support measure the operation being done showed (a permitted
    /// role) or screened (any other), until its flagged entries are written (`restrict`).
    shown: RefCell<Vec<u64>>,
    hidden: RefCell<Vec<u64>>,
    /// The codes [`Session::restricted_shown`] gives: shown by the last statement.
    warned: RefCell<Vec<u64>>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.juki.inner.sessions.fetch_sub(1, Ordering::AcqRel);
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("operator", &self.signer.operator)
            .field("role", &self.role)
            .field("terminal", &self.signer.terminal)
            .finish()
    }
}

/// What a department role sees of a resident: the four items every role with the lookup
/// permission may see, and the items of the department's own function (国保 and the other
/// insurance items for health, 国民年金 for pension, 児童手当 for childcare).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicResident {
    /// 氏名.
    pub name: String,
    /// 住所.
    pub address: String,
    /// 生年月日 (a month, a year or nothing when 不詳).
    pub birth: crate::model::PartialDate,
    /// 性別.
    pub sex: Sex,
    /// Active or removed (a role without the history permission sees active residents
    /// only; the answer says so all the same).
    pub status: crate::model::Status,
    /// The items of the groups the viewer administers; empty for the others.
    pub items: crate::model::Items,
}

impl BasicResident {
    /// The four items of `r`, and its items of `groups`.
    pub fn of(r: &Resident, groups: &[crate::model::ItemGroup]) -> BasicResident {
        let mut items = crate::model::Items::new();
        for (item, value) in r.items.iter() {
            if groups.contains(&item.group()) {
                items.set(item, Some(value.to_owned()));
            }
        }
        BasicResident {
            name: r.name.as_str().to_string(),
            address: r.address.written().to_string(),
            birth: r.birth,
            sex: r.sex,
            status: r.status,
            items,
        }
    }
}

fn withheld(mut r: Resident) -> Resident {
    r.my_number = None;
    r
}

impl Session {
    /// The operator.
    pub fn operator(&self) -> &str {
        &self.signer.operator
    }

    /// The operator's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The terminal.
    pub fn terminal(&self) -> &str {
        &self.signer.terminal
    }

    /// The database this session is on.
    pub fn juki(&self) -> &Juki {
        &self.juki
    }

    fn db(&self) -> &Database {
        &self.juki.inner.db
    }

    /// Looks each code up through the engine directly, with no permission check and no log
    /// entry, and returns how many were found and how long that took: for `juki bench`,
    /// which sets it beside the same lookups through the session to measure what the
    /// session's checks and log cost. Only a count comes out, never a record; an
    /// administrator's session only.
    pub fn time_unaudited_lookups(
        &self,
        codes: &[crate::model::ResidentCode],
    ) -> Result<(usize, std::time::Duration)> {
        self.admit_reading(&[Permission::Operators])?;
        let db = self.db();
        let started = std::time::Instant::now();
        let found = codes
            .iter()
            .filter(|c| matches!(db.get(**c), Ok(Some(_))))
            .count();
        Ok((found, started.elapsed()))
    }

    /// Runs `f` with the statement text the log should record for the operations it does.
    pub(crate) fn with_statement<T>(&self, kind: &str, text: Redacted, f: impl FnOnce() -> T) -> T {
        *self.statement.borrow_mut() = Some((kind.to_string(), text.into_string()));
        self.warned.borrow_mut().clear();
        let out = f();
        *self.statement.borrow_mut() = None;
        out
    }

    fn entry(
        &self,
        kind: &str,
        text: String,
        outcome: &'static str,
        codes: Vec<u64>,
    ) -> PendingEntry {
        self.entry_plus(kind, text, "", outcome, codes)
    }

    /// An entry whose text (the statement's, when one is running) gets `extra` appended.
    fn entry_plus(
        &self,
        kind: &str,
        text: String,
        extra: &str,
        outcome: &'static str,
        codes: Vec<u64>,
    ) -> PendingEntry {
        let (kind, mut text) = match &*self.statement.borrow() {
            Some((k, t)) => (k.clone(), t.clone()),
            None => (kind.to_string(), text),
        };
        text.push_str(extra);
        PendingEntry {
            time: now_micros(),
            signer: Arc::clone(&self.signer),
            kind: Cow::Owned(kind),
            text: EntryText::Owned(text),
            outcome: Cow::Borrowed(outcome),
            codes: Codes::Many(codes),
        }
    }

    /// [`Session::entry`] for a read, whose kind is a fixed text: borrowed, not copied,
    /// unless a statement is running; its text is made only when no statement is.
    fn read_entry(
        &self,
        kind: &'static str,
        text: impl FnOnce() -> EntryText,
        outcome: &'static str,
        codes: Codes,
    ) -> PendingEntry {
        let (kind, text) = match &*self.statement.borrow() {
            Some((k, t)) => (Cow::Owned(k.clone()), EntryText::Owned(t.clone())),
            None => (Cow::Borrowed(kind), text()),
        };
        PendingEntry {
            time: now_micros(),
            signer: Arc::clone(&self.signer),
            kind,
            text,
            outcome: Cow::Borrowed(outcome),
            codes,
        }
    }

    /// Logs an operation that never reached the engine (a statement that did not parse, say).
    pub(crate) fn log_failure(&self, kind: &str, text: Redacted, code: &str) {
        let e = PendingEntry {
            time: now_micros(),
            signer: Arc::clone(&self.signer),
            kind: Cow::Owned(kind.to_string()),
            text: EntryText::Owned(text.into_string()),
            outcome: Cow::Owned(code.to_string()),
            codes: Codes::NONE,
        };
        let _ = self.juki.inner.journal.push(self.db(), e);
    }

    /// Refuses a change through a handle opened read-only.
    fn refuse_if_read_only(&self) -> Result<()> {
        if self.juki.is_read_only() {
            return Err(AuthError::ReadOnly.into());
        }
        Ok(())
    }

    /// Checks that the operator is still enabled (re-reading them when any operator has
    /// changed since the last check) and holds `needs`; on a file opened read-only, refuses
    /// an operation that needs a permission to change something.
    fn admit(&self, needs: &[Permission]) -> Result<()> {
        self.admit_as(needs, needs.iter().any(|p| p.writes()))
    }

    /// [`Session::admit`] for a read, which a file opened read-only allows whatever
    /// permission it needs (LIST OPERATORS needs the operators permission).
    fn admit_reading(&self, needs: &[Permission]) -> Result<()> {
        self.admit_as(needs, false)
    }

    /// The checks of [`Session::admit`], in order: the session, the operator, the
    /// read-only open when the operation `writes`, the role.
    fn admit_as(&self, needs: &[Permission], writes: bool) -> Result<()> {
        self.refuse_if_locked()?;
        let now = self.juki.inner.operators_changed.load(Ordering::Acquire);
        if now != self.seen.load(Ordering::Acquire) {
            match read_operator(self.db(), &self.signer.operator)? {
                Some(op) if op.usable() => self.seen.store(now, Ordering::Release),
                _ => return Err(AuthError::AuthFailed.into()),
            }
        }
        if writes {
            self.refuse_if_read_only()?;
        }
        match needs.iter().find(|p| !self.role.allows(**p)) {
            Some(missing) => Err(AuthError::PermissionDenied {
                role: self.role,
                missing: *missing,
            }
            .into()),
            None => Ok(()),
        }
    }

    /// Checks, runs and logs a read. `codes` names the residents the answer holds, or `None`
    /// when it found nothing (logged as NOT_FOUND, as the console reports it).
    fn read<T, X: Into<EntryText>>(
        &self,
        kind: &'static str,
        text: impl FnOnce() -> X,
        needs: &[Permission],
        f: impl FnOnce(&Database) -> Result<T>,
        codes: impl FnOnce(&T) -> Option<Codes>,
    ) -> Result<T> {
        if self.statement.borrow().is_none() {
            self.warned.borrow_mut().clear();
        }
        let result = self.admit_reading(needs).and_then(|()| f(self.db()));
        let (outcome, codes) = match &result {
            Ok(v) => match codes(v) {
                Some(c) => ("OK", c),
                None => ("NOT_FOUND", Codes::NONE),
            },
            Err(e) => (e.code().as_str(), Codes::NONE),
        };
        let entry = self.read_entry(kind, || text().into(), outcome, codes);
        self.juki.inner.journal.push(self.db(), entry)?;
        self.push_flag_entries(kind)?;
        result
    }

    /// The resident with this code (current or former), as recorded now.
    pub fn get(&self, code: ResidentCode) -> Result<Option<Resident>> {
        self.read(
            "GET",
            || EntryText::Code {
                prefix: "GET ",
                code,
                as_of: None,
            },
            &[Permission::Lookup, Permission::Details],
            |db| {
                Ok(self
                    .shown_one(db, self.seen_today(db.get(code)?))?
                    .map(withheld))
            },
            |r| r.as_ref().map(|r| Codes::One(r.code.get())),
        )
    }

    /// `r` as a role without the history permission may see it: only an active resident
    /// (a removed one is answered as nobody).
    fn seen_today(&self, r: Option<Resident>) -> Option<Resident> {
        r.filter(|r| self.may(Permission::History) || r.status == crate::model::Status::Active)
    }

    /// The person with this 宛名番号 (the register's own number, never changed), as
    /// [`Session::get`] or [`Session::get_as_of`] answers for their current resident code.
    pub fn get_by_atena(&self, number: u64, as_of: Option<Date>) -> Result<Option<Resident>> {
        let needs: &[Permission] = match as_of {
            Some(_) => &[Permission::Lookup, Permission::Details, Permission::History],
            None => &[Permission::Lookup, Permission::Details],
        };
        self.read(
            "GET ATENA",
            || match as_of {
                Some(d) => format!("GET ATENA {number} AS OF {d}"),
                None => format!("GET ATENA {number}"),
            },
            needs,
            |db| {
                let Some(code) = db.code_of_atena(number)? else {
                    return Ok(None);
                };
                let found = match as_of {
                    Some(d) => db.get_as_of(code, d)?,
                    None => self.seen_today(db.get(code)?),
                };
                Ok(self.shown_one(db, found)?.map(withheld))
            },
            |r| r.as_ref().map(|r| Codes::One(r.code.get())),
        )
    }

    /// The resident as they stood on `date`.
    pub fn get_as_of(&self, code: ResidentCode, date: Date) -> Result<Option<Resident>> {
        self.read(
            "GET",
            || EntryText::Code {
                prefix: "GET ",
                code,
                as_of: Some(date),
            },
            &[Permission::Lookup, Permission::Details, Permission::History],
            |db| Ok(self.shown_one(db, db.get_as_of(code, date)?)?.map(withheld)),
            |r| r.as_ref().map(|r| Codes::One(r.code.get())),
        )
    }

    /// 氏名, 住所, 生年月日 and 性別 of a resident, now or as of a date: what every role with
    /// the lookup permission may see, department roles included; with the items of the
    /// groups the operator administers.
    pub fn get_basic(
        &self,
        code: ResidentCode,
        as_of: Option<Date>,
    ) -> Result<Option<BasicResident>> {
        let groups = self.own_item_groups();
        let needs: &[Permission] = match as_of {
            Some(_) => &[Permission::Lookup, Permission::History],
            None => &[Permission::Lookup],
        };
        self.read(
            "GET",
            || format!("GET {code}"),
            needs,
            |db| {
                let r = match as_of {
                    Some(d) => db.get_as_of(code, d)?,
                    None => self.seen_today(db.get(code)?),
                };
                let r = self.shown_one(db, r)?;
                Ok(r.map(|r| (r.code.get(), BasicResident::of(&r, &groups))))
            },
            |r| r.as_ref().map(|(c, _)| Codes::One(*c)),
        )
        .map(|r| r.map(|(_, b)| b))
    }

    /// The resident who holds, or held, this My Number. Needs the mynumber permission.
    pub fn get_by_my_number(&self, number: MyNumber) -> Result<Option<MyNumberMatch>> {
        self.read(
            "GET MYNUMBER",
            || EntryText::Fixed("GET MYNUMBER ****"),
            &[
                Permission::Lookup,
                Permission::Details,
                Permission::MyNumber,
            ],
            |db| {
                let found = self.screened_one(db, db.get_by_my_number(number)?, |m| &m.resident)?;
                Ok(found.map(|m| MyNumberMatch {
                    resident: withheld(m.resident),
                    current: m.current,
                }))
            },
            |m| m.as_ref().map(|m| Codes::One(m.resident.code.get())),
        )
    }

    /// The unmasked My Number of a resident: the one explicit, permitted, logged way to see it.
    pub fn show_my_number(&self, code: ResidentCode) -> Result<(Resident, RevealedMyNumber)> {
        self.read(
            "SHOW MYNUMBER",
            || format!("SHOW MYNUMBER {code}"),
            &[
                Permission::Lookup,
                Permission::Details,
                Permission::MyNumber,
            ],
            |db| {
                let r = self
                    .shown_one(db, db.get(code)?)?
                    .ok_or_else(|| StoreError::NotFound(format!("resident {code}")))?;
                let n = r
                    .my_number
                    .ok_or_else(|| StoreError::NotFound(format!("My Number of {code}")))?;
                Ok((r, n.reveal()))
            },
            |(r, _)| Some(Codes::One(r.code.get())),
        )
    }

    /// Every version of a resident, oldest first.
    pub fn history(&self, code: ResidentCode) -> Result<Vec<Resident>> {
        self.read(
            "HISTORY",
            || format!("HISTORY {code}"),
            &[Permission::History, Permission::Details],
            |db| {
                let versions = self.screened(db, db.history(code)?, |r| r)?;
                if versions.is_empty() {
                    // Screened: as for a code no one holds.
                    return Err(StoreError::NotFound(format!("resident {code}")).into());
                }
                Ok(versions.into_iter().map(withheld).collect())
            },
            |v: &Vec<Resident>| v.first().map(|r| Codes::One(r.code.get())),
        )
    }

    /// A household's members now or as of a date, head first. A lookup by the household's
    /// number counts as a search for the watch on browsing.
    pub fn household(&self, id: HouseholdId, as_of: Option<Date>) -> Result<Household> {
        self.read(
            "HOUSEHOLD",
            || format!("HOUSEHOLD {id}"),
            &[Permission::Household, Permission::Details],
            |db| {
                let found = match db.household(id, as_of) {
                    Ok(h) => self.screened_household(db, h),
                    Err(e) => Err(e.into()),
                };
                let codes = match &found {
                    Ok(h) => h.members.iter().map(|m| m.code.get()).collect(),
                    Err(_) => Vec::new(),
                };
                self.watched(&codes)?;
                Ok(strip_household(found?))
            },
            |h| (!h.members.is_empty()).then(|| h.members.iter().map(|m| m.code.get()).collect()),
        )
    }

    /// The household of a resident, now or as of a date.
    pub fn household_of(&self, code: ResidentCode, as_of: Option<Date>) -> Result<Household> {
        self.read(
            "HOUSEHOLD",
            || format!("HOUSEHOLD OF {code}"),
            &[Permission::Household, Permission::Details],
            |db| {
                if self.screens_code(db, code)? {
                    return Err(StoreError::NotFound(format!("resident {code}")).into());
                }
                let h = self.screened_household(db, db.household_of(code, as_of)?)?;
                Ok(strip_household(h))
            },
            |h| (!h.members.is_empty()).then(|| h.members.iter().map(|m| m.code.get()).collect()),
        )
    }

    /// 4情報検索 (refused with SEARCH_MINIMUM unless two of name, address, birth are given,
    /// and when more residents match than the role's search limit or the query's lower
    /// LIMIT). Counts for the watch on browsing.
    pub fn find(&self, query: &SearchQuery) -> Result<Vec<SearchHit>> {
        self.read(
            "FIND",
            || EntryText::Fixed("FIND"),
            &[Permission::Search, Permission::Details],
            |db| {
                Ok(self
                    .watched_find(db, query)?
                    .into_iter()
                    .map(|h| SearchHit {
                        resident: withheld(h.resident),
                        current: h.current,
                    })
                    .collect())
            },
            |hits: &Vec<SearchHit>| Some(hits.iter().map(|h| h.resident.code.get()).collect()),
        )
    }

    /// Runs a search under the ceiling and counts it for the watch. A role without the
    /// history permission searches the register as it is today only: no AS OF, and only
    /// active residents found by their current version.
    fn watched_find(
        &self,
        db: &Database,
        query: &SearchQuery,
    ) -> Result<Vec<crate::store::SearchHit>> {
        if query.as_of.is_some() {
            self.admit(&[Permission::History])?;
        }
        let current_only = !self.may(Permission::History);
        let found = db
            .find(&self.ceilinged(query)?)
            .map_err(Error::from)
            .and_then(|mut hits| {
                if current_only {
                    hits.retain(|h| h.current && h.resident.status == crate::model::Status::Active);
                }
                self.screened(db, hits, |h| &h.resident)
            });
        let codes: Vec<u64> = match &found {
            Ok(hits) => hits.iter().map(|h| h.resident.code.get()).collect(),
            Err(_) => Vec::new(),
        };
        self.watched(&codes)?;
        found
    }

    /// The item groups whose own permission (insurance, pension, child allowance) the
    /// operator's role grants: what a department sees beside the four items.
    fn own_item_groups(&self) -> Vec<crate::model::ItemGroup> {
        crate::model::ItemGroup::ALL
            .into_iter()
            .filter(|g| {
                let p = Permission::for_items(*g);
                p != Permission::Record && self.may(p)
            })
            .collect()
    }

    /// 4情報検索 answering 氏名, 住所, 生年月日 and 性別 only (department roles), with the
    /// items of the groups the operator administers.
    pub fn find_basic(&self, query: &SearchQuery) -> Result<Vec<BasicResident>> {
        let groups = self.own_item_groups();
        self.read(
            "FIND",
            || EntryText::Fixed("FIND"),
            &[Permission::Search],
            |db| {
                Ok(self
                    .watched_find(db, query)?
                    .iter()
                    .map(|h| {
                        (
                            h.resident.code.get(),
                            BasicResident::of(&h.resident, &groups),
                        )
                    })
                    .collect::<Vec<_>>())
            },
            |hits: &Vec<(u64, BasicResident)>| Some(hits.iter().map(|(c, _)| *c).collect()),
        )
        .map(|v| v.into_iter().map(|(_, b)| b).collect())
    }

    /// Population counts.
    pub fn stats(&self, dims: &[StatDim], as_of: Option<Date>) -> Result<Vec<StatsRow>> {
        self.read(
            "STATS",
            || EntryText::Fixed("STATS"),
            &[Permission::Stats],
            |db| Ok(db.stats(dims, as_of)?),
            |_| Some(Codes::NONE),
        )
    }

    /// `STATS BY reason`: the 異動 the register holds now (a cancelled 異動 and its
    /// cancellation count for nothing), by 異動事由 and `dims`, whose 異動日 is from `from` to
    /// `to` (both included; either end open when not given). The first key of each row is
    /// the 異動事由. Logged like STATS.
    pub fn stats_by_reason(
        &self,
        dims: &[StatDim],
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<Vec<StatsRow>> {
        let text = || {
            let mut t = String::from("STATS BY REASON");
            if let Some(d) = from {
                t.push_str(&format!(" FROM {d}"));
            }
            if let Some(d) = to {
                t.push_str(&format!(" TO {d}"));
            }
            EntryText::Owned(t)
        };
        self.read(
            "STATS",
            text,
            &[Permission::Stats],
            |db| Ok(db.stats_by_reason(dims, from, to)?),
            |_| Some(Codes::NONE),
        )
    }

    /// `STATS BY household`: households and their persons by the number of active members,
    /// now or as of a date, per 町字 when `by_town`, with total rows. Logged like STATS.
    pub fn stats_by_household(
        &self,
        by_town: bool,
        as_of: Option<Date>,
    ) -> Result<Vec<HouseholdRow>> {
        let text = || match as_of {
            Some(d) => EntryText::Owned(format!("STATS BY HOUSEHOLD AS OF {d}")),
            None => EntryText::Fixed("STATS BY HOUSEHOLD"),
        };
        self.read(
            "STATS",
            text,
            &[Permission::Stats],
            |db| Ok(db.stats_by_household(by_town, as_of)?),
            |_| Some(Codes::NONE),
        )
    }

    /// The monthly report (月報) of a period: its 異動 by 異動事由 as 増 and 減, and the
    /// population on its last day by 町字, 日本人 and 外国人 apart. Needs the stats
    /// permission and is logged like STATS.
    pub fn report(&self, period: Period) -> Result<Report> {
        self.read(
            "REPORT",
            || EntryText::Owned(format!("REPORT FROM {} TO {}", period.from(), period.to())),
            &[Permission::Stats],
            |db| Ok(db.report(period)?),
            |_| Some(Codes::NONE),
        )
    }

    /// The change feed after `since`, My Numbers withheld.
    pub fn changes_since(&self, since: u64, limit: usize) -> Result<Vec<Resident>> {
        self.read(
            "CHANGES",
            || format!("CHANGES SINCE {since}"),
            &[Permission::Changes, Permission::Details],
            |db| {
                let changes = self.screened(db, db.changes_since(since, limit)?, |r| r)?;
                Ok(changes.into_iter().map(withheld).collect())
            },
            |v: &Vec<Resident>| Some(v.iter().map(|r| r.code.get()).collect()),
        )
    }

    /// The change feed after `since` with the My Number of each entry revealed: for a
    /// system that is notified of them (the prefecture's server), by an operator permitted to
    /// see My Numbers; logged as such.
    pub fn changes_since_with_my_numbers(
        &self,
        since: u64,
        limit: usize,
    ) -> Result<Vec<(Resident, RevealedMyNumber)>> {
        self.read(
            "CHANGES MYNUMBER",
            || format!("CHANGES SINCE {since} LIMIT {limit} WITH MY NUMBERS"),
            &[
                Permission::Changes,
                Permission::Details,
                Permission::MyNumber,
            ],
            |db| {
                self.screened(db, db.changes_since(since, limit)?, |r| r)?
                    .into_iter()
                    .map(|r| {
                        let n = r.my_number.ok_or_else(|| {
                            StoreError::NotFound(format!("My Number of {}", r.code))
                        })?;
                        Ok((withheld(r), n.reveal()))
                    })
                    .collect()
            },
            |v: &Vec<(Resident, RevealedMyNumber)>| {
                Some(v.iter().map(|(r, _)| r.code.get()).collect())
            },
        )
    }

    /// Record counts (no personal data).
    pub fn counts(&self) -> Result<Counts> {
        self.read(
            "COUNTS",
            || EntryText::Fixed("COUNTS"),
            &[],
            |db| Ok(db.counts()?),
            |_| Some(Codes::NONE),
        )
    }

    /// A digest of the whole content (no personal data; for comparing copies).
    pub fn content_digest(&self) -> Result<[u8; 32]> {
        self.read(
            "DIGEST",
            || EntryText::Fixed("DIGEST"),
            &[Permission::Check],
            |db| Ok(db.content_digest()?),
            |_| Some(Codes::NONE),
        )
    }

    /// CHECK: the integrity of every table and of the operation log's hash chain (no
    /// personal data: problems name tables and keys).
    pub fn check(&self) -> Result<(crate::store::CheckReport, ChainReport)> {
        self.admit(&[Permission::Check])?;
        self.juki.flush_log()?;
        self.read(
            "CHECK",
            || EntryText::Fixed("CHECK"),
            &[Permission::Check],
            |db| {
                let report = db.check()?;
                let txn = db.read_transaction()?;
                let chain = audit::verify_all(&txn)?;
                Ok((report, chain))
            },
            |_| Some(Codes::NONE),
        )
    }

    /// Today, by the database's clock.
    pub fn today(&self) -> Date {
        self.db().today()
    }

    /// Records a 異動, its log entry in the same transaction.
    pub fn record(&self, change: &Change) -> Result<Receipt> {
        let kind = change.statement();
        let text = format!("{kind} {} ON {}", change.code, change.date);
        let mut change = change.clone();
        change.operator = Some(self.signer.operator.clone());
        change.terminal = Some(self.signer.terminal.clone());
        let subject = vec![change.code.get()];
        let needs = needs_of([&change]);
        self.record_logged(kind, text, &needs, subject, |db, before_commit| {
            self.refuse_screened_change(db, &change)
                .map_err(Error::into_store)?;
            db.record_with(&change, before_commit)
        })
    }

    /// MOVE HOUSEHOLD by the household's number: its 世帯主 is found in the same transaction
    /// as the 転居 of every member is written ([`HouseholdMove::change_for`]), so the head
    /// cannot change in between. Needs what any 異動 needs.
    pub fn move_household(&self, mv: &HouseholdMove) -> Result<Receipt> {
        let kind = "MOVE HOUSEHOLD";
        let text = format!("{kind} {} ON {}", mv.household, mv.date);
        let by = |head| {
            mv.change_for(head)
                .by(&*self.signer.operator, &*self.signer.terminal)
        };
        let needs = [Permission::Record];
        self.record_logged(kind, text, &needs, Vec::new(), |db, before_commit| {
            if self
                .screens_household(db, mv.household)
                .map_err(Error::into_store)?
            {
                // As for a household no one is in.
                return Err(StoreError::NotFound(format!(
                    "household {} (no active 世帯主)",
                    mv.household
                )));
            }
            db.record_household_move_with(mv.household, by, before_commit)
        })
    }

    /// Admits a 異動 and runs it (`run` writes it with the closure it is given inside its
    /// transaction), logging it in the same transaction, or its refusal afterwards under
    /// `subject` (the codes the statement named).
    fn record_logged(
        &self,
        kind: &str,
        text: String,
        needs: &[Permission],
        subject: Vec<u64>,
        run: impl FnOnce(&Database, BeforeCommit<'_>) -> Result<Receipt, StoreError>,
    ) -> Result<Receipt> {
        if let Err(e) = self.admit(needs) {
            let entry = self.entry(kind, text, e.code().as_str(), subject);
            self.juki.inner.journal.push(self.db(), entry)?;
            return Err(e);
        }
        let journal = &self.juki.inner.journal;
        let mut log = |txn: &WriteTransaction, receipt: &Receipt| {
            let mut entries = journal.take();
            let codes = receipt.written.iter().map(|w| w.code.get()).collect();
            // The warnings the change recorded are kept with it in the log (names only:
            // the resident codes are the entry's codes).
            let mut warned: Vec<&str> = receipt.warnings.iter().map(|w| w.name()).collect();
            warned.dedup();
            let extra = if warned.is_empty() {
                String::new()
            } else {
                format!(" warnings={}", warned.join(","))
            };
            entries.push(self.entry_plus(kind, text.clone(), &extra, "OK", codes));
            append_in(txn, entries).map_err(Error::into_store)
        };
        let result = run(self.db(), &mut log);
        let result = match result {
            Ok(r) => Ok(r),
            Err(e) => {
                let entry = self.entry(kind, text, e.code().as_str(), subject);
                journal.push(self.db(), entry)?;
                Err(e.into())
            }
        };
        self.push_flag_entries(kind)?;
        result
    }

    /// Records 異動 in one transaction, all or none, with one log entry for the batch.
    pub fn record_batch<'c>(
        &self,
        changes: impl IntoIterator<Item = &'c Change>,
    ) -> Result<Vec<Receipt>> {
        let changes: Vec<Change> = changes
            .into_iter()
            .map(|c| {
                let mut c = c.clone();
                c.operator = Some(self.signer.operator.clone());
                c.terminal = Some(self.signer.terminal.clone());
                c
            })
            .collect();
        let text = format!("BATCH of {} changes", changes.len());
        if let Err(e) = self.admit(&needs_of(&changes)) {
            let entry = self.entry("BATCH", text, e.code().as_str(), Vec::new());
            let _ = self.juki.inner.journal.push(self.db(), entry);
            return Err(e);
        }
        for (i, c) in changes.iter().enumerate() {
            if let Err(e) = self.refuse_screened_change(self.db(), c) {
                let entry = self.entry("BATCH", text, e.code().as_str(), Vec::new());
                let _ = self.juki.inner.journal.push(self.db(), entry);
                self.push_flag_entries("BATCH")?;
                return Err(Error::in_batch(i, e));
            }
        }
        let journal = &self.juki.inner.journal;
        let result = self.db().record_batch_with(&changes, |txn, receipts| {
            let mut entries = journal.take();
            let codes = receipts
                .iter()
                .flat_map(|r| r.written.iter().map(|w| w.code.get()))
                .collect();
            entries.push(self.entry("BATCH", text.clone(), "OK", codes));
            append_in(txn, entries).map_err(auth_as_store)
        });
        if let Err(e) = &result {
            let entry = self.entry("BATCH", text, e.error.code().as_str(), Vec::new());
            let _ = journal.push(self.db(), entry);
        }
        result.map_err(|e: BatchError| Error::in_batch(e.index, e.error.into()))
    }

    // Copies in and out ---------------------------------------------------------------------

    /// Imports a residents CSV (and its history companion) as one transaction of 転入 and
    /// 異動; the log entry joins that transaction. Needs the record and My Number permissions.
    pub fn import(
        &self,
        opts: &crate::io::import::ImportOptions,
        progress: crate::io::import::Progress,
    ) -> Result<crate::io::import::ImportReport> {
        if crate::io::archive::is_archive(&opts.path).unwrap_or(false) {
            return self.import_archive(&opts.path);
        }
        let text = format!("IMPORT '{}'", opts.path.display());
        // A migration writes My Numbers: it needs the My Number permission beside the
        // record one.
        if let Err(e) = self.admit(&[Permission::Record, Permission::MyNumber]) {
            self.juki.inner.journal.push(
                self.db(),
                self.entry("IMPORT", text, e.code().as_str(), Vec::new()),
            )?;
            return Err(e);
        }
        let mut opts = opts.clone();
        opts.operator = Some(self.signer.operator.clone());
        opts.terminal = Some(self.signer.terminal.clone());
        let journal = &self.juki.inner.journal;
        let result =
            crate::io::import::import_with(self.db(), &opts, progress, |txn, (read, written)| {
                let mut entries = journal.take();
                entries.push(self.entry_plus(
                    "IMPORT",
                    text.clone(),
                    &format!(" read={read} written={written}"),
                    "OK",
                    Vec::new(),
                ));
                append_in(txn, entries).map_err(auth_as_store)
            });
        match result {
            Ok(r) => Ok(r),
            Err(e) => {
                journal.push(
                    self.db(),
                    self.entry("IMPORT", text, e.code().as_str(), Vec::new()),
                )?;
                Err(e.into())
            }
        }
    }

    /// Loads an archive (an EXPORT HISTORY file) into this register, which must be empty:
    /// every version as it was recorded, with its 宛名番号, 更新順番号, operator and time
    /// (`Database::load_archive`). The versions name other operators and times, so this
    /// needs the operators permission beside the record one; it is logged with the file's
    /// SHA-256 in the transaction that loads it.
    fn import_archive(&self, path: &Path) -> Result<crate::io::import::ImportReport> {
        let text = format!("IMPORT ARCHIVE '{}'", path.display());
        let started = std::time::Instant::now();
        let journal = &self.juki.inner.journal;
        let result = self
            .refuse_if_read_only()
            .and_then(|()| self.admit(&[Permission::Record, Permission::Operators]))
            .and_then(|()| {
                let sha256 = file_sha256(path)?;
                let versions = crate::io::archive::read(path).map_err(Error::from)?;
                let people = versions.iter().filter(|v| v.version == 1).count() as u64;
                let written = self.db().load_archive(versions, |txn, n| {
                    let mut entries = journal.take();
                    entries.push(self.entry_plus(
                        "IMPORT ARCHIVE",
                        text.clone(),
                        &format!(" versions={n} sha256={sha256}"),
                        "OK",
                        Vec::new(),
                    ));
                    append_in(txn, entries).map_err(auth_as_store)
                })?;
                Ok((written, people))
            });
        match result {
            Ok((versions, people)) => {
                let seconds = started.elapsed().as_secs_f64();
                Ok(crate::io::import::ImportReport {
                    read: versions,
                    written: people,
                    rejected: 0,
                    history_applied: versions - people,
                    history_skipped: 0,
                    seconds,
                    rows_per_sec: versions as f64 / seconds.max(1e-9),
                })
            }
            Err(e) => {
                journal.push(
                    self.db(),
                    self.entry("IMPORT ARCHIVE", text, e.code().as_str(), Vec::new()),
                )?;
                Err(e)
            }
        }
    }

    /// Runs a copy out: needs the export permission; logs the path, the rows and the
    /// file's SHA-256, durably before it returns.
    fn copy_out(
        &self,
        kind: &str,
        path: &Path,
        include_restricted: bool,
        f: impl FnOnce(
            &Database,
            &Path,
            crate::io::export::Keep<'_>,
        ) -> std::result::Result<
            crate::io::export::ExportReport,
            crate::io::export::ExportError,
        >,
    ) -> Result<crate::io::export::ExportReport> {
        let mut text = format!("{kind} '{}'", path.display());
        let mut needs = vec![Permission::Export];
        if include_restricted {
            text.push_str(" INCLUDE RESTRICTED");
            needs.push(Permission::Restrict);
        }
        let result = self.admit(&needs).and_then(|()| {
            let screen = self.screen(self.db())?;
            // The residents under a measure (and their households) are noted as shown when
            // they are included, as screened when they are left out: the flagged entries.
            let keep = |r: &Resident| {
                if !screen.hides(r) {
                    return true;
                }
                let list = if include_restricted {
                    &self.shown
                } else {
                    &self.hidden
                };
                let mut list = list.borrow_mut();
                if !list.contains(&r.code.get()) {
                    list.push(r.code.get());
                }
                include_restricted
            };
            f(self.db(), path, &keep).map_err(Error::from)
        });
        let entry = match &result {
            Ok(r) => {
                let (shown, hidden) = (self.shown.borrow().len(), self.hidden.borrow().len());
                let restricted = match (shown, hidden) {
                    (0, 0) => String::new(),
                    (n, 0) => format!(" restricted=included:{n}"),
                    (_, n) => format!(" restricted=left_out:{n}"),
                };
                self.entry_plus(
                    kind,
                    text,
                    &format!(" rows={} sha256={}{restricted}", r.rows, r.sha256),
                    "OK",
                    Vec::new(),
                )
            }
            Err(e) => self.entry(kind, text, e.code().as_str(), Vec::new()),
        };
        self.juki.inner.journal.push(self.db(), entry)?;
        self.push_flag_entries(kind)?;
        self.juki.flush_log()?;
        result
    }

    /// EXPORT: the active register in the residents CSV format (0600), without the residents
    /// under a DV等支援措置 and their households ([`Session::export_with`]).
    pub fn export(&self, path: &Path) -> Result<crate::io::export::ExportReport> {
        self.export_with(path, false)
    }

    /// EXPORT, with the residents under a DV等支援措置 and their households when
    /// `include_restricted` (`INCLUDE RESTRICTED`, which needs the `restrict` permission
    /// beside the export one).
    pub fn export_with(
        &self,
        path: &Path,
        include_restricted: bool,
    ) -> Result<crate::io::export::ExportReport> {
        self.copy_out(
            "EXPORT",
            path,
            include_restricted,
            crate::io::export::export,
        )
    }

    /// EXPORT HISTORY: every version of every resident (0600), but for the residents under a
    /// DV等支援措置 and their households ([`Session::export_history_with`]).
    pub fn export_history(&self, path: &Path) -> Result<crate::io::export::ExportReport> {
        self.export_history_with(path, false)
    }

    /// EXPORT HISTORY, with the residents under a measure when `include_restricted`.
    pub fn export_history_with(
        &self,
        path: &Path,
        include_restricted: bool,
    ) -> Result<crate::io::export::ExportReport> {
        self.copy_out(
            "EXPORT HISTORY",
            path,
            include_restricted,
            crate::io::export::export_history,
        )
    }

    /// EXPORT CONSISTENCY: the identity items of every resident for 整合性確認 (0600), but
    /// for the residents under a DV等支援措置 and their households
    /// ([`Session::export_consistency_with`]).
    pub fn export_consistency(&self, path: &Path) -> Result<crate::io::export::ExportReport> {
        self.export_consistency_with(path, false)
    }

    /// EXPORT CONSISTENCY, with the residents under a measure when `include_restricted`
    /// (the file compared with the prefecture's holds every resident).
    pub fn export_consistency_with(
        &self,
        path: &Path,
        include_restricted: bool,
    ) -> Result<crate::io::export::ExportReport> {
        self.copy_out(
            "EXPORT CONSISTENCY",
            path,
            include_restricted,
            crate::io::consistency::export_consistency,
        )
    }

    /// VERIFY CONSISTENCY: compares the register with a consistency file, possibly made by
    /// another copy. Needs the export permission (it reads every identity item).
    pub fn verify_consistency(
        &self,
        path: &Path,
    ) -> Result<crate::io::consistency::ConsistencyReport> {
        let text = format!("VERIFY CONSISTENCY '{}'", path.display());
        let result = self.admit(&[Permission::Export]).and_then(|()| {
            crate::io::consistency::verify_consistency(self.db(), path).map_err(Error::from)
        });
        let outcome = match &result {
            Ok(r) if r.is_clean() => "OK",
            Ok(_) => "DIFFERENT",
            Err(e) => e.code().as_str(),
        };
        self.juki.inner.journal.push(
            self.db(),
            self.entry("VERIFY CONSISTENCY", text, outcome, Vec::new()),
        )?;
        result
    }

    /// BACKUP TO: an online, consistent copy of one snapshot of the whole database, with its
    /// manifest (`store::Database::backup_to`). Needs the export permission; logged like a
    /// copy out, with the path, the counts and the file's SHA-256, durably before it
    /// returns. Waiting log entries are committed first so the copy holds them; the entry
    /// recording the backup itself is written after the snapshot and is not in it.
    pub fn backup(&self, path: &Path) -> Result<BackupReport> {
        let text = format!("BACKUP TO '{}'", path.display());
        let result = self.admit(&[Permission::Export]).and_then(|()| {
            self.juki.flush_log()?;
            Ok(self.db().backup_to(path)?)
        });
        let entry = match &result {
            Ok(r) => {
                let m = &r.manifest;
                self.entry_plus(
                    "BACKUP TO",
                    text,
                    &format!(
                        " seq={} residents={} active={} versions={} log_entries={} bytes={} sha256={}",
                        m.last_seq, m.residents, m.active, m.versions, m.audit_entries, m.bytes, m.sha256
                    ),
                    "OK",
                    Vec::new(),
                )
            }
            Err(e) => self.entry("BACKUP TO", text, e.code().as_str(), Vec::new()),
        };
        self.juki.inner.journal.push(self.db(), entry)?;
        self.juki.flush_log()?;
        result
    }

    /// COMPACT: gives the free space inside the file back. It needs the database to itself,
    /// so it is refused (`CONFLICT`) while any other session is signed in on it; waiting log
    /// entries are committed first. Needs the operators permission (administrators only:
    /// while it runs nobody else can work). Logged with the sizes before and after.
    pub fn compact(&self) -> Result<CompactReport> {
        let result = self.admit(&[Permission::Operators]).and_then(|()| {
            let others = self.juki.sessions().saturating_sub(1);
            if others > 0 {
                return Err(StoreError::Conflict(format!(
                    "COMPACT needs the database to itself, and {others} other session{} {} signed in on it; try again when {} signed out",
                    if others == 1 { "" } else { "s" },
                    if others == 1 { "is" } else { "are" },
                    if others == 1 { "it has" } else { "they have" },
                ))
                .into());
            }
            self.juki.flush_log()?;
            Ok(self.db().compact()?)
        });
        let entry = match &result {
            Ok(r) => self.entry_plus(
                "COMPACT",
                "COMPACT".into(),
                &format!(" before={} after={}", r.before, r.after),
                "OK",
                Vec::new(),
            ),
            Err(e) => self.entry("COMPACT", "COMPACT".into(), e.code().as_str(), Vec::new()),
        };
        self.juki.inner.journal.push(self.db(), entry)?;
        self.juki.flush_log()?;
        result
    }

    /// The last step of a restore, on the restored copy before it is put in place: needs the
    /// export permission (in the backup's own operator table), runs CHECK (every table and
    /// the operation log's hash chain) and logs the restore with what was checked, durably.
    /// A problem found is `CORRUPT`.
    pub(super) fn restored(
        &self,
        from: &Path,
        manifest: &Manifest,
        replaced: &str,
    ) -> Result<(CheckReport, ChainReport)> {
        let text = format!("RESTORE FROM '{}'", from.display());
        let pending: Vec<&str> = replaced
            .split(' ')
            .filter(|w| w.starts_with("archived="))
            .collect();
        self.checked_and_logged("RESTORE", text, Permission::Operators, &pending, |report, chain| {
            format!(
                " seq={} sha256={} created={} check=clean residents={} versions={} log_entries={} {replaced}",
                manifest.last_seq,
                manifest.sha256,
                manifest.created,
                report.residents,
                report.versions,
                chain.entries
            )
        })
    }

    /// `juki upgrade`, on the upgraded copy before it is put in place: the operator needs
    /// the operators permission (administrators); CHECK runs on every table and the
    /// operation log's hash chain, and the upgrade is logged durably with what was
    /// checked. A problem found is `CORRUPT`.
    pub(super) fn upgraded(&self, path: &Path, from: u64, records: u64) -> Result<CheckReport> {
        let text = format!("UPGRADE '{}'", path.display());
        let to = crate::store::FORMAT_VERSION;
        self.checked_and_logged("UPGRADE", text, Permission::Operators, &[], |report, chain| {
            format!(
                " from_format={from} to_format={to} rewritten={records} check=clean residents={} versions={} log_entries={}",
                report.residents, report.versions, chain.entries
            )
        })
        .map(|(report, _)| report)
    }

    /// The common part of RESTORE and UPGRADE on a copy about to replace the register:
    /// the permission, CHECK of every table and of the log's chain, and one durable log
    /// entry (`detail` adds what was checked to a clean one).
    fn checked_and_logged(
        &self,
        kind: &str,
        text: String,
        permission: Permission,
        pending: &[&str],
        detail: impl FnOnce(&CheckReport, &ChainReport) -> String,
    ) -> Result<(CheckReport, ChainReport)> {
        if let Err(e) = self.admit(&[permission]) {
            self.juki.inner.journal.push(
                self.db(),
                self.entry(kind, text, e.code().as_str(), Vec::new()),
            )?;
            self.juki.flush_log()?;
            return Err(e);
        }
        self.juki.flush_log()?;
        let checked = (|| -> Result<_> {
            let report = self.db().check()?;
            let txn = self.db().read_transaction()?;
            let chain = audit::verify_all_but(&txn, pending)?;
            let problems = audit::check_problems(&report, &chain);
            if !problems.is_empty() {
                return Err(StoreError::Corrupt {
                    table: "(check)",
                    detail: format!(
                        "CHECK of the copy found {} problem(s):\n{}",
                        problems.len(),
                        problems.join("\n")
                    ),
                }
                .into());
            }
            Ok((report, chain))
        })();
        let entry = match &checked {
            Ok((report, chain)) => {
                self.entry_plus(kind, text, &detail(report, chain), "OK", Vec::new())
            }
            Err(e) => self.entry(kind, text, e.code().as_str(), Vec::new()),
        };
        self.juki.inner.journal.push(self.db(), entry)?;
        self.juki.flush_log()?;
        checked
    }

    /// LOAD TOWNS: a new version of the municipality's address dictionary, in force from
    /// `from` (after the latest version's first day); the number of 町字. Needs the
    /// operators permission (administrators). The file is read only after the permission
    /// is checked, at most `MAX_DICTIONARY_BYTES` (16 MiB); the text is stored as read, in the
    /// transaction that logs the statement with the day, the 町字 and the text's SHA-256.
    pub fn load_towns(&self, path: &Path, from: Date) -> Result<usize> {
        let text = format!("LOAD TOWNS '{}' ON {from}", path.display());
        let mut towns = 0;
        self.admin_write("LOAD TOWNS", text, &[Permission::Operators], |txn| {
            let book = self.db().place().ok_or_else(|| {
                StoreError::Conflict(
                    "the register has no municipality: its addresses are not placed".into(),
                )
            })?;
            let csv = read_bounded(path, MAX_DICTIONARY_BYTES)?;
            let dictionary = crate::store::engine::place::parse_towns(book.municipality(), &csv)?;
            towns = dictionary.towns().len();
            let mut next = (*book).clone();
            next.add(from, dictionary)?;
            crate::store::engine::place::write_towns(txn, from, &csv)?;
            Ok(())
        })?;
        self.db().reload_place()?;
        Ok(towns)
    }

    // Operators -------------------------------------------------------------------------

    fn admin_write(
        &self,
        kind: &str,
        text: String,
        needs: &[Permission],
        f: impl FnOnce(&WriteTransaction) -> Result<()>,
    ) -> Result<()> {
        let result = self
            .refuse_if_read_only()
            .and_then(|()| self.admit(needs))
            .and_then(|()| {
                let txn = self.db().write_transaction()?;
                f(&txn)?;
                let mut entries = self.juki.inner.journal.take();
                entries.push(self.entry(kind, text.clone(), "OK", Vec::new()));
                append_in(&txn, entries)?;
                txn.commit().map_err(StoreError::from)?;
                self.juki
                    .inner
                    .operators_changed
                    .fetch_add(1, Ordering::AcqRel);
                Ok(())
            });
        if let Err(e) = &result {
            let entry = self.entry(kind, text, e.code().as_str(), Vec::new());
            self.juki.inner.journal.push(self.db(), entry)?;
        }
        result
    }

    fn existing(&self, txn: &WriteTransaction, id: &str) -> Result<StoredOperator> {
        let t = txn.open_table(OPERATORS)?;
        let v = t
            .get(id)?
            .ok_or_else(|| AuthError::UnknownOperator(id.to_string()))?;
        StoredOperator::decode(v.value())
    }

    /// Creates an operator (administrators only).
    pub fn create_operator(&self, id: &str, role: Role, password: &str) -> Result<()> {
        self.admin_write(
            "CREATE OPERATOR",
            format!("CREATE OPERATOR {id} ROLE {role} PASSWORD ****"),
            &[Permission::Operators],
            |txn| {
                check_id(id)?;
                check_password(password, id)?;
                if txn.open_table(OPERATORS)?.get(id)?.is_some() {
                    return Err(AuthError::OperatorExists(id.to_string()).into());
                }
                write_operator(
                    txn,
                    &StoredOperator {
                        id: id.to_string(),
                        role: role.code(),
                        hash: hash_password(password)?,
                        disabled: false,
                        failed: 0,
                        locked: false,
                        created_at: now_micros(),
                        created_by: self.signer.operator.clone(),
                        locked_at: 0,
                    },
                )
            },
        )
    }

    /// Disables an operator; their open sessions stop at their next operation.
    pub fn disable_operator(&self, id: &str) -> Result<()> {
        self.admin_write(
            "DISABLE OPERATOR",
            format!("DISABLE OPERATOR {id}"),
            &[Permission::Operators],
            |txn| {
                let mut op = self.existing(txn, id)?;
                if op.role()? == Role::Admin && op.usable() && !other_admin(txn, id)? {
                    return Err(AuthError::LastAdministrator(id.to_string()).into());
                }
                op.disabled = true;
                write_operator(txn, &op)
            },
        )
    }

    /// Unlocks an operator locked by failed sign-ins.
    pub fn unlock_operator(&self, id: &str) -> Result<()> {
        self.admin_write(
            "UNLOCK OPERATOR",
            format!("UNLOCK OPERATOR {id}"),
            &[Permission::Operators],
            |txn| {
                let mut op = self.existing(txn, id)?;
                op.locked = false;
                op.failed = 0;
                write_operator(txn, &op)
            },
        )
    }

    /// Changes the signed-in operator's own password.
    pub fn change_password(&self, old: &str, new: &str) -> Result<()> {
        self.admin_write("PASSWORD", "PASSWORD".into(), &[], |txn| {
            let mut op = self.existing(txn, &self.signer.operator)?;
            if !verify_password(old, &op.hash) {
                return Err(AuthError::AuthFailed.into());
            }
            check_password(new, &op.id)?;
            op.hash = hash_password(new)?;
            write_operator(txn, &op)
        })
    }

    /// Checks the signed-in operator's password again (the idle lock). A wrong one counts
    /// toward the lock-out, as at sign-in. It is a sign-in: a session the watch on browsing
    /// locked works again.
    pub fn reauthenticate(&self, password: &str) -> Result<()> {
        let again = self
            .juki
            .sign_in(&self.signer.operator, password, &self.signer.terminal)?;
        drop(again);
        // Signing in again lifts the watch's lock of this session.
        self.locked.store(false, Ordering::Release);
        Ok(())
    }

    /// Admits an administrator to a whole-file key operation (rekey, or the crypto-erase
    /// when `text` starts with `ERASE`) and logs it durably. The operation itself runs on the
    /// closed file afterwards.
    pub fn admit_key_change(&self, text: &str) -> Result<()> {
        let kind = if text.starts_with("ERASE") {
            "ERASE"
        } else {
            "REKEY"
        };
        self.admin_write(kind, text.to_string(), &[Permission::Operators], |_| Ok(()))
    }

    /// Every operator (administrators only); no password hashes.
    pub fn list_operators(&self) -> Result<Vec<OperatorInfo>> {
        self.read(
            "LIST OPERATORS",
            || EntryText::Fixed("LIST OPERATORS"),
            &[Permission::Operators],
            |db| {
                let txn = db.read_transaction()?;
                let t = txn.open_table(OPERATORS)?;
                let mut out = Vec::new();
                for item in t.iter()? {
                    let (_, v) = item?;
                    let op = StoredOperator::decode(v.value())?;
                    out.push(OperatorInfo {
                        id: op.id.clone(),
                        role: op.role()?,
                        disabled: op.disabled,
                        locked: op.locked_at_time(now_micros()),
                        failed_sign_ins: op.failed,
                    });
                }
                Ok(out)
            },
            |_| Some(Codes::NONE),
        )
    }

    // The operation log -------------------------------------------------------------------

    /// Reads the operation log (auditors and administrators). A role that may not see a
    /// resident's details (the auditor) gets the statement texts without their values:
    /// who, when, the kind, the resident codes and the outcome, never a name, reading,
    /// birth date or address (`audit::shown`).
    pub fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        self.admit(&[Permission::Audit])?;
        self.juki.flush_log()?;
        self.read(
            "AUDIT",
            || EntryText::Fixed("AUDIT"),
            &[Permission::Audit],
            |db| {
                let txn = db.read_transaction()?;
                audit::read(&txn.open_table(AUDIT)?, q)
            },
            |_| Some(Codes::NONE),
        )
        .map(|entries| {
            let details = self.role.allows(Permission::Details);
            entries
                .into_iter()
                .map(|e| audit::shown(e, details))
                .collect()
        })
    }

    /// Recomputes the hash chain of the operation log and names the first broken entry.
    pub fn audit_verify(&self) -> Result<ChainReport> {
        self.admit(&[Permission::Audit])?;
        self.juki.flush_log()?;
        self.read(
            "AUDIT VERIFY",
            || EntryText::Fixed("AUDIT VERIFY"),
            &[Permission::Audit],
            |db| {
                let txn = db.read_transaction()?;
                audit::verify_all(&txn)
            },
            |_| Some(Codes::NONE),
        )
    }

    /// What this session's role sees of residents.
    pub fn visibility(&self) -> Visibility {
        self.role.visibility()
    }

    /// Whether this session's role grants `p`.
    pub fn may(&self, p: Permission) -> bool {
        self.role.allows(p)
    }
}

/// The lock-out's count of a sign-in attempt at `now`; whether `op` changed. A good sign-in
/// clears the count (and a lapsed administrator's lock); a failed one of an operator who is
/// not disabled counts, and the [`LOCK_AFTER_FAILURES`]th locks them from `now`. Failures
/// during a lock are counted but do not extend it, so that someone who keeps guessing
/// cannot keep an administrator out for good.
fn count_attempt(op: &mut StoredOperator, ok: bool, now: i64) -> bool {
    let was = (op.failed, op.locked, op.locked_at);
    if ok {
        op.failed = 0;
        op.locked = false;
    } else if op.usable_at(now) || op.locked {
        op.failed = op.failed.saturating_add(1);
        if op.failed >= LOCK_AFTER_FAILURES && !op.locked_at_time(now) {
            op.locked = true;
            op.locked_at = now;
        }
    }
    (op.failed, op.locked, op.locked_at) != was
}

/// Whether an administrator other than `id` can sign in (enabled and not locked).
fn other_admin(txn: &redb::WriteTransaction, id: &str) -> Result<bool> {
    for item in txn.open_table(OPERATORS)?.iter()? {
        let (k, v) = item?;
        if k.value() == id {
            continue;
        }
        let op = StoredOperator::decode(v.value())?;
        if op.usable() && op.role()? == Role::Admin {
            return Ok(true);
        }
    }
    Ok(false)
}

fn strip_household(mut h: Household) -> Household {
    h.members = h.members.into_iter().map(withheld).collect();
    h
}

fn auth_as_store(e: Error) -> StoreError {
    e.into_store()
}

/// The largest address dictionary LOAD TOWNS reads (a city's 町字 take well under 1 MiB).
pub const MAX_DICTIONARY_BYTES: u64 = 16 << 20;

/// The bytes of `path`, refused when larger than `limit`.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let io = |source: std::io::Error| StoreError::Io {
        what: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(crate::model::InvalidValue::new(
            "dictionary",
            format!("{} is larger than {limit} bytes", path.display()),
        )
        .into());
    }
    Ok(bytes)
}

/// The permissions recording `changes` needs: the record permission for every 異動 but a
/// 記載事項変更, and for each group of items a change sets, the permission that owns it
/// ([`Permission::for_items`]), so that the health-insurance department sets the 国保 items
/// and nothing else; and the My Number permission for every change that writes a My Number.
fn needs_of<'c>(changes: impl IntoIterator<Item = &'c Change>) -> Vec<Permission> {
    let mut needs = Vec::new();
    for c in changes {
        let groups = c.fields.items.groups();
        let own = groups.iter().map(|g| Permission::for_items(*g));
        let record = (c.reason != crate::model::Reason::ItemChange || groups.is_empty())
            .then_some(Permission::Record);
        // Writing a My Number (転入, 出生, 職権記載, 個人番号変更, 職権修正 with my_number=) is a
        // My Number task: a role without it neither sets one nor learns, from a CONFLICT,
        // whether a number is already in the register.
        let my_number = c.fields.my_number.is_some().then_some(Permission::MyNumber);
        for p in record.into_iter().chain(own).chain(my_number) {
            if !needs.contains(&p) {
                needs.push(p);
            }
        }
    }
    needs
}

/// The SHA-256 of a file, lower-case hex.
fn file_sha256(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path).map_err(|e| {
        Error::from(crate::io::import::ImportError::Io(format!(
            "{}: {e}",
            path.display()
        )))
    })?;
    let mut h = Sha256::new();
    std::io::copy(&mut file, &mut h).map_err(|e| {
        Error::from(crate::io::import::ImportError::Io(format!(
            "{}: {e}",
            path.display()
        )))
    })?;
    Ok(crate::io::export::hex(&h.finalize()))
}
