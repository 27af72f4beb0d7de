//! CHECK: an integrity check of a whole database in one read snapshot.
//!
//! [`Database::check`] reads every table and cross-checks them against each other and
//! against the rules the write path keeps (DESIGN.md, "Storage layout" and "Versioning
//! model"):
//!
//! * every value of `residents` and `versions` passes its CRC32 and decodes, and every field
//!   fits its type;
//! * the versions of each resident are numbered 1..=n without gaps, carry their own id and
//!   number, keep `prefix_max` as the running maximum of 異動日, and every version that is not
//!   a 職権修正 is dated on or after the versions before it;
//! * `residents[code]` is byte for byte the latest version of the resident `codes[code]`
//!   points at, and there is one current record per resident;
//! * `codes` and `my_numbers` hold every code and number any version holds, point at the
//!   right resident, and say `current` exactly for the latest version's;
//! * every 4情報 entry decodes and points at a version whose components (or a folded as-of
//!   answer written by a backdated correction) give its key, and every version has the
//!   entries the write path gives it: all five kinds for a first version, and each kind whose
//!   components changed for a later one;
//! * every `households` entry points at a version active in that household (or a folded
//!   answer), and every version that joins a household has its entry;
//! * the change feed is gapless from 1 to `next_seq - 1`, and each entry and the version it
//!   points at agree on the 更新順番号;
//! * `meta.next_id` is above every internal id;
//! * with a municipality set, every active resident's address is inside it, in a 町字 of
//!   the dictionary in force on its 住所を定めた日, and the address parts stored with it (町字,
//!   丁目・番地・号, 方書, area codes) are what the dictionary version they name places it as;
//! * `heads` names, for each household, the active member whose latest version is its 世帯主,
//!   with that version's name, and nothing else;
//! * every household with active members has exactly one 世帯主 as of each 異動日 of its
//!   members (the write path checks the rule against the latest versions only, so a
//!   backdated change can break it in the past: this is where that is found).
//!
//! Every problem found is reported; the check does not stop at the first. Reading a table
//! that redb itself cannot read is a problem too, so a damaged file gives a report rather
//! than an error wherever the snapshot can be opened at all.

use crate::model::{AddressParts, Date, PlaceBook, Placement, Reason, Status};
use crate::store::db::Database;
use crate::store::engine::blocks;
use crate::store::engine::digest::hex;
use crate::store::engine::geography::{shown, why};
use crate::store::engine::history::{find_in_household, is_head_of};
use crate::store::engine::household::{household_problem, is_head};
use crate::store::engine::keys::components;
use crate::store::engine::record::StoredRecord;
use crate::store::engine::resident::Resident;
use crate::store::engine::schema::{
    split_suffix, with_suffix, FORMAT_VERSION, META_FORMAT, META_NEXT_ID, META_NEXT_SEQ,
};
use crate::store::engine::tables::{fold_as_of, View};
use crate::store::engine::undo::{date_floor, prefix_max_of, Before};
use crate::store::error::{Result, StoreError};
use redb::ReadableTable;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

/// The most problems a report lists; beyond that it only counts them.
pub const MAX_PROBLEMS: usize = 10_000;

/// One inconsistency found by CHECK ([`crate::Session::check`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The table where the problem shows (`versions`, `search`, `changes` …).
    pub table: &'static str,
    /// The key concerned, as text (e.g. `(12, 3)` for version 3 of internal id 12).
    pub key: String,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.table, self.key, self.what)
    }
}

/// What CHECK ([`crate::Session::check`]) found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// The problems found, in the order the check met them (at most `MAX_PROBLEMS`).
    pub problems: Vec<Problem>,
    /// Problems found beyond `MAX_PROBLEMS`, counted but not listed.
    pub omitted: u64,
    /// Residents (internal ids) checked.
    pub residents: u64,
    /// Versions checked.
    pub versions: u64,
    /// What is possible but implausible about the active residents as of today (not
    /// problems: a 子 older than the 世帯主, an age over 120, a postal code of another 町字).
    pub warnings: Vec<crate::store::Warning>,
}

impl CheckReport {
    /// Whether no problem was found.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty() && self.omitted == 0
    }

    /// Whether some problem in `table` says something containing `what`.
    pub fn mentions(&self, table: &str, what: &str) -> bool {
        self.problems
            .iter()
            .any(|p| p.table == table && p.what.contains(what))
    }
}

/// One problem a line (`table key: what`); a clean report prints nothing.
impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.problems {
            writeln!(f, "{p}")?;
        }
        if self.omitted > 0 {
            writeln!(f, "… and {} more problems", self.omitted)?;
        }
        Ok(())
    }
}

impl Database {
    /// Checks the integrity of the whole database in one read snapshot and reports every
    /// problem found (see the module documentation for what is checked). Errors only when
    /// the snapshot cannot be opened at all; damage found while reading is a problem in
    /// the report.
    ///
    /// After the tables, it verifies what no lookup reads (opening no longer does): every
    /// page redb reaches, its own tables included, against redb's page checksums (redb's
    /// integrity check, which needs the database to itself for a moment, as COMPACT does);
    /// each of those pages is read through the block checksums or tags too. Blocks in free
    /// space are not verified: redb writes a page before it reads it, and a block torn by a
    /// crash in the middle of a write may lie there harmlessly.
    pub fn check(&self) -> Result<CheckReport> {
        let mut report = {
            let t = self.read()?;
            let mut c = Checker::new(&*t);
            c.run();
            let place = self.place();
            if let Some(book) = &place {
                check_places(&*t, book, &mut c.report);
            }
            c.report.warnings = warnings_now(&*t, place.as_deref(), self.today());
            c.report
        };
        self.check_pages(&mut report)?;
        Ok(report)
    }

    /// Runs redb's integrity check: every page reachable from redb's roots (its own tables
    /// included) against its page checksum. A failed read is a problem; a file redb had to
    /// repair is a problem too.
    ///
    /// Not on a file opened read-only: redb's check needs a read-write open (it repairs what
    /// it can), so there CHECK verifies the tables alone, every block they read against its
    /// checksum or tag.
    fn check_pages(&self, report: &mut CheckReport) -> Result<()> {
        if self.is_read_only() {
            return Ok(());
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let busy = || {
            StoreError::Conflict(
                "CHECK verifies redb's pages with the database to itself and a transaction is still open on it; try again when it has ended".into(),
            )
        };
        self.snapshots.clear();
        let mut db = loop {
            match self.db.try_write() {
                Ok(g) => break g,
                Err(std::sync::TryLockError::Poisoned(p)) => break p.into_inner(),
                Err(std::sync::TryLockError::WouldBlock)
                    if std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(1))
                }
                Err(std::sync::TryLockError::WouldBlock) => return Err(busy()),
            }
        };
        loop {
            match db.writable_mut()?.check_integrity() {
                Ok(true) => return Ok(()),
                Ok(false) => {
                    push_problem(
                        report,
                        "(file)",
                        "pages",
                        "redb's integrity check found damaged pages and repaired the file",
                    );
                    return Ok(());
                }
                Err(redb::DatabaseError::TransactionInProgress)
                    if std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(10))
                }
                Err(redb::DatabaseError::TransactionInProgress) => return Err(busy()),
                Err(e) => {
                    let e = StoreError::from(e);
                    if e.code() != "CORRUPT" && !e.to_string().contains("re-open") {
                        return Err(e);
                    }
                    push_problem(report, "(file)", "pages", e.to_string());
                    return Ok(());
                }
            }
        }
    }
}

/// Adds a problem to `report`, counting it past [`MAX_PROBLEMS`].
/// Every active resident's address is inside the municipality, in a 町字 of the dictionary
/// in force on the day they took it up (住所を定めた日): files written before the
/// municipality's rules, or a dictionary version that dropped a 町字 still lived in, are
/// reported here.
fn check_places(t: &impl View, book: &PlaceBook, report: &mut CheckReport) {
    let Ok(iter) = t.residents().iter() else {
        return; // the residents pass reports an unreadable table
    };
    for entry in iter {
        let Ok((k, v)) = entry else { return };
        let Ok(rec) = StoredRecord::decode("residents", v.value()) else {
            continue; // reported by the residents pass
        };
        if rec.status != Status::Active.code() {
            continue;
        }
        let since = Date::from_yyyymmdd(rec.address_since)
            .or_else(|_| Date::from_yyyymmdd(rec.valid_from))
            .ok();
        let dictionary = match since {
            Some(d) => book.at(d),
            None => book.versions().last().map(|(_, d)| d),
        };
        let Some(dictionary) = dictionary else {
            push_problem(
                report,
                "residents",
                format!("{:011}", k.value()),
                format!(
                    "no address dictionary of {} is loaded (rule address-dictionary)",
                    book.municipality()
                ),
            );
            return;
        };
        let address = crate::model::Address::from_trusted(rec.address.clone());
        let what = match dictionary.place(&address) {
            Ok(Placement::Inside(_)) => match stored_parts_problem(book, &rec, &address) {
                Some(what) => what,
                None => continue,
            },
            Ok(Placement::Outside(o)) => format!(
                "address {} is in {}, outside {} (rule geography)",
                shown(&address),
                o.municipality,
                book.municipality()
            ),
            Err(e) => format!(
                "address {}: {} (rule address-dictionary)",
                shown(&address),
                why(&address, &e)
            ),
        };
        push_problem(report, "residents", format!("{:011}", k.value()), what);
    }
}

/// What is wrong with the address parts stored with `rec`, if anything: they must be what
/// the dictionary version they name places the address as. A version without parts (written
/// before they were kept) has nothing wrong.
fn stored_parts_problem(
    book: &PlaceBook,
    rec: &StoredRecord,
    address: &crate::model::Address,
) -> Option<String> {
    let stored = match rec.parts() {
        Ok(Some(p)) => p,
        Ok(None) => return None,
        Err(e) => return Some(format!("address parts do not read back: {e}")),
    };
    let placed = match book.dated(stored.dictionary) {
        Some((first, dictionary)) if first == stored.dictionary => dictionary.place(address),
        _ => {
            return Some(format!(
                "address parts name a dictionary version of {} that the register does not hold",
                stored.dictionary
            ))
        }
    };
    match placed {
        Ok(Placement::Inside(inside)) if AddressParts::of(&inside, stored.dictionary) == stored => {
            None
        }
        _ => Some(format!(
            "address parts ({} {}) are not where the dictionary of {} places address {}",
            stored.town_with_ward(),
            stored.block(),
            stored.dictionary,
            shown(address)
        )),
    }
}

/// The warnings about every active resident as of `today` (`engine::warnings`).
fn warnings_now(
    t: &impl View,
    place: Option<&PlaceBook>,
    today: Date,
) -> Vec<crate::store::Warning> {
    let mut out = Vec::new();
    let Ok(iter) = t.residents().iter() else {
        return out;
    };
    for entry in iter {
        let Ok((_, v)) = entry else { break };
        let Ok(rec) = StoredRecord::decode("residents", v.value()) else {
            continue;
        };
        let h = rec.household;
        let head = || find_in_household(t, h, None, |r| is_head_of(&r, h).then_some(r.birth));
        if let Ok(found) = crate::store::engine::warnings::of(&rec, today, place, head) {
            out.extend(found);
        }
    }
    out
}

fn push_problem(
    report: &mut CheckReport,
    table: &'static str,
    key: impl Into<String>,
    what: impl Into<String>,
) {
    if report.problems.len() < MAX_PROBLEMS {
        report.problems.push(Problem {
            table,
            key: key.into(),
            what: what.into(),
        });
    } else {
        report.omitted += 1;
    }
}

/// What the pass over `versions` keeps about each resident for the later passes.
#[derive(Debug, Default)]
struct IdSummary {
    /// The latest version number.
    latest: u32,
    /// The latest version's resident code.
    code: u64,
    /// Every resident code and My Number any version holds.
    codes: BTreeSet<u64>,
    my_numbers: BTreeSet<u64>,
    latest_my_number: u64,
    /// Every 異動日.
    dates: BTreeSet<u32>,
    /// Whether every version decoded (the derived checks skip a resident that did not).
    intact: bool,
    /// Whether a version is a backdated correction (folded answers are indexed).
    folds: bool,
}

struct Checker<'t, T: View> {
    t: &'t T,
    report: CheckReport,
    ids: BTreeMap<u64, IdSummary>,
    /// `(id, version) → seq` of every version that decoded.
    seqs: HashMap<(u64, u32), u64>,
    /// Folded as-of answers of residents with backdated corrections, computed on demand.
    folded: HashMap<u64, Vec<StoredRecord>>,
    /// The 世帯主 of each household in the current records: what `heads` must hold.
    head_of: BTreeMap<u64, Option<(u64, String)>>,
}

fn date_text(d: u32) -> String {
    Date::from_yyyymmdd(d).map_or_else(|_| d.to_string(), |d| d.to_string())
}

fn vkey(id: u64, version: u32) -> String {
    format!("({id}, {version})")
}

impl<'t, T: View> Checker<'t, T> {
    fn new(t: &'t T) -> Self {
        Checker {
            t,
            report: CheckReport::default(),
            ids: BTreeMap::new(),
            seqs: HashMap::new(),
            folded: HashMap::new(),
            head_of: BTreeMap::new(),
        }
    }

    fn problem(&mut self, table: &'static str, key: impl Into<String>, what: impl Into<String>) {
        if self.report.problems.len() < MAX_PROBLEMS {
            self.report.problems.push(Problem {
                table,
                key: key.into(),
                what: what.into(),
            });
        } else {
            self.report.omitted += 1;
        }
    }

    fn unreadable(&mut self, table: &'static str, e: impl Into<StoreError>) {
        let e: StoreError = e.into();
        self.problem(table, "(table)", format!("cannot be read: {e}"));
    }

    fn run(&mut self) {
        let (next_id, next_seq) = self.meta();
        self.versions();
        self.residents();
        self.identities("codes");
        self.identities("my_numbers");
        self.search();
        let households = self.households();
        self.changes(next_seq);
        if let (Some(next_id), Some((&max, _))) = (next_id, self.ids.last_key_value()) {
            if max >= next_id {
                self.problem(
                    "meta",
                    META_NEXT_ID,
                    format!("next_id {next_id} is not above the largest internal id {max}"),
                );
            }
        }
        self.heads(households);
        self.head_names();
    }

    fn meta(&mut self) -> (Option<u64>, Option<u64>) {
        let mut get = |key: &'static str| match self.t.meta_value(key) {
            Ok(Some(v)) => Some(v),
            Ok(None) => {
                self.problem("meta", key, "missing");
                None
            }
            Err(e) => {
                self.problem("meta", key, format!("cannot be read: {e}"));
                None
            }
        };
        let format = get(META_FORMAT);
        let next_id = get(META_NEXT_ID);
        let next_seq = get(META_NEXT_SEQ);
        if let Some(f) = format {
            if f != FORMAT_VERSION {
                self.problem(
                    "meta",
                    META_FORMAT,
                    format!("format version {f}, expected {FORMAT_VERSION}"),
                );
            }
        }
        (next_id, next_seq)
    }

    // ---------------------------------------------------------------------------------
    // versions, one resident at a time (versions of one resident are adjacent).

    fn versions(&mut self) {
        let t = self.t;
        let iter = match t.versions().iter() {
            Ok(i) => i,
            Err(e) => return self.unreadable("versions", e),
        };
        let mut group: Vec<(u32, Option<StoredRecord>, Vec<u8>)> = Vec::new();
        let mut group_id = None;
        for entry in iter {
            let (k, v) = match entry {
                Ok(kv) => kv,
                Err(e) => {
                    self.unreadable("versions", e);
                    break;
                }
            };
            let (id, version) = k.value();
            if group_id != Some(id) {
                if let Some(prev) = group_id {
                    self.resident(prev, std::mem::take(&mut group));
                }
                group_id = Some(id);
            }
            let bytes = v.value().to_vec();
            let rec = match StoredRecord::decode("versions", &bytes) {
                Ok(rec) => match Resident::from_stored(rec.clone()) {
                    Ok(_) => Some(rec),
                    Err(e) => {
                        self.problem("versions", vkey(id, version), e.to_string());
                        None
                    }
                },
                Err(e) => {
                    self.problem("versions", vkey(id, version), e.to_string());
                    None
                }
            };
            group.push((version, rec, bytes));
        }
        if let Some(id) = group_id {
            self.resident(id, group);
        }
    }

    /// Checks the versions of one resident and what they imply for the other tables: the
    /// version numbers, each version against its chain and the change feed, the current
    /// record against the latest version, and (when every version decoded) the resident's
    /// codes and My Numbers both ways.
    fn resident(&mut self, id: u64, group: Vec<(u32, Option<StoredRecord>, Vec<u8>)>) {
        self.report.residents += 1;
        self.report.versions += group.len() as u64;
        let mut summary = IdSummary {
            intact: group.iter().all(|(_, r, _)| r.is_some()),
            latest: group.last().map_or(0, |g| g.0),
            ..IdSummary::default()
        };
        self.version_numbers(id, &group);
        self.version_chain(id, &group, &mut summary);
        if let Some((_, Some(latest), bytes)) = group.last() {
            summary.code = latest.code;
            summary.latest_my_number = latest.my_number;
            self.current_record(id, latest, bytes);
        }
        if summary.intact {
            for &code in &summary.codes {
                self.expect_identity("codes", id, code, code == summary.code);
            }
            for &n in &summary.my_numbers {
                self.expect_identity("my_numbers", id, n, n == summary.latest_my_number);
            }
        }
        self.ids.insert(id, summary);
    }

    /// Versions are numbered 1..n without a gap (the first gap is reported).
    fn version_numbers(&mut self, id: u64, group: &[(u32, Option<StoredRecord>, Vec<u8>)]) {
        for (i, (version, _, _)) in group.iter().enumerate() {
            let expected = i as u32 + 1;
            if *version != expected {
                self.problem(
                    "versions",
                    vkey(id, *version),
                    format!(
                        "version numbers of resident {id} have a gap: expected version {expected}"
                    ),
                );
                break;
            }
        }
    }

    /// Each decoded version in order: it names itself, the change feed points at it, its
    /// `prefix_max` follows from the one before (an undecodable version breaks the chain, so
    /// the next is checked as a first), only a correction goes back in time, and the index
    /// entries it implies are expected.
    fn version_chain(
        &mut self,
        id: u64,
        group: &[(u32, Option<StoredRecord>, Vec<u8>)],
        summary: &mut IdSummary,
    ) {
        let mut before: Before<'_> = [None, None, None];
        for (version, rec, _) in group {
            let Some(rec) = rec else {
                before = [None, None, None];
                continue;
            };
            let key = vkey(id, *version);
            if rec.id != id || rec.version != *version {
                self.problem(
                    "versions",
                    &key,
                    format!(
                        "the record says it is version {} of resident {}",
                        rec.version, rec.id
                    ),
                );
            }
            summary.codes.insert(rec.code);
            summary.my_numbers.insert(rec.my_number);
            summary.dates.insert(rec.valid_from);
            self.seqs.insert((id, *version), rec.seq);
            self.in_change_feed(id, *version, rec.seq);
            self.dates_follow(&key, before, rec, summary);
            self.expected_entries(id, before[0], rec);
            before = [Some(rec), before[0], before[1]];
        }
    }

    /// The change feed's entry for `seq` points at this version.
    fn in_change_feed(&mut self, id: u64, version: u32, seq: u64) {
        let key = vkey(id, version);
        match self.t.changes().get(seq) {
            Ok(Some(g)) if g.value() == (id, version) => {}
            Ok(Some(g)) => {
                let (i2, v2) = g.value();
                self.problem(
                    "changes",
                    seq.to_string(),
                    format!(
                        "version {key} has this 更新順番号 but the entry points at {}",
                        vkey(i2, v2)
                    ),
                );
            }
            Ok(None) => self.problem(
                "changes",
                seq.to_string(),
                format!("missing: version {key} has this 更新順番号"),
            ),
            Err(e) => self.problem("changes", seq.to_string(), format!("cannot be read: {e}")),
        }
    }

    /// `prefix_max` is the latest 異動日 so far (for a cancellation or a replaced 転出: of
    /// the state restored, which for a cancelled 転出確定 dated before its 転出 is three
    /// versions back, `undo::prefix_max_of`), and a version dated before the earlier
    /// ones' latest is a correction (which then folds index entries).
    fn dates_follow(
        &mut self,
        key: &str,
        before: Before<'_>,
        rec: &StoredRecord,
        summary: &mut IdSummary,
    ) {
        let [prev, prev2, _] = before;
        let expected_max = prefix_max_of(rec.reason, rec.valid_from, before);
        if rec.prefix_max != expected_max {
            self.problem(
                "versions",
                key,
                format!(
                    "prefix_max {} should be {}",
                    date_text(rec.prefix_max),
                    date_text(expected_max)
                ),
            );
        }
        let Some(p) = prev else { return };
        let correction = rec.reason == Reason::Correction.code();
        let floor = date_floor(rec.reason, prev, prev2);
        if !correction && rec.valid_from < floor {
            self.problem(
                "versions",
                key,
                format!(
                    "異動日 {} is before the earlier versions' latest 異動日 {} and the version is not a correction",
                    date_text(rec.valid_from),
                    date_text(floor)
                ),
            );
        }
        if correction && rec.valid_from < p.prefix_max {
            summary.folds = true;
        }
    }

    /// The current record is the latest version, byte for byte.
    fn current_record(&mut self, id: u64, latest: &StoredRecord, bytes: &[u8]) {
        let code = format!("{:011}", latest.code);
        match self.t.residents().get(latest.code) {
            Ok(Some(g)) if g.value() == bytes => {}
            Ok(Some(_)) => self.problem(
                "residents",
                code,
                format!(
                    "differs from the latest version {}",
                    vkey(id, latest.version)
                ),
            ),
            Ok(None) => self.problem(
                "residents",
                code,
                format!("missing: the current record of resident {id}"),
            ),
            Err(e) => self.problem("residents", code, format!("cannot be read: {e}")),
        }
    }

    fn expect_identity(&mut self, table: &'static str, id: u64, value: u64, current: bool) {
        let key = if table == "codes" {
            format!("{value:011}")
        } else {
            // A My Number is never printed in full.
            "(a My Number)".to_string()
        };
        let found = match table {
            "codes" => self.t.id_of_code(value),
            _ => self.t.id_of_my_number(value),
        };
        match found {
            Ok(Some(got)) if got == (id, current) => {}
            Ok(Some((other, flag))) => self.problem(
                table,
                key,
                format!(
                    "points at resident {other} (current {flag}); expected resident {id} (current {current})"
                ),
            ),
            Ok(None) => self.problem(
                table,
                key,
                format!("missing: held by resident {id} (current {current})"),
            ),
            Err(e) => self.problem(table, key, format!("cannot be read: {e}")),
        }
    }

    /// The index entries the write path gives version `rec`: 4情報 entries for each kind whose
    /// components differ from the previous version's (all five for a first version), and a
    /// household entry when it joins a household.
    fn expected_entries(&mut self, id: u64, prev: Option<&StoredRecord>, rec: &StoredRecord) {
        let key = vkey(id, rec.version);
        let new = components(rec).prefixes();
        let old = prev.map(|p| components(p).prefixes());
        for prefix in new {
            if old.as_ref().is_some_and(|o| o.contains(&prefix)) {
                continue;
            }
            let kind = usize::from(prefix[0]) - 1;
            let full = with_suffix(prefix, id, rec.version);
            match blocks::contains(self.t.search(), &full) {
                Ok(true) => {}
                Ok(false) => self.problem(
                    "search",
                    &key,
                    format!("missing: the kind {} entry of version {key}", kind + 1),
                ),
                Err(e) => self.problem("search", &key, format!("cannot be read: {e}")),
            }
        }
        let active = rec.status == Status::Active.code();
        let joined = active
            && prev
                .is_none_or(|p| p.status != Status::Active.code() || p.household != rec.household);
        if joined {
            match self.t.households().get((rec.household, id, rec.version)) {
                Ok(Some(_)) => {}
                Ok(None) => self.problem(
                    "households",
                    format!("({}, {id}, {})", rec.household, rec.version),
                    format!(
                        "missing: version {key} joins household {}",
                        crate::model::HouseholdId::new(rec.household)
                    ),
                ),
                Err(e) => self.problem(
                    "households",
                    format!("({}, {id}, {})", rec.household, rec.version),
                    format!("cannot be read: {e}"),
                ),
            }
        }
    }

    // ---------------------------------------------------------------------------------
    // The other tables, each entry against the versions.

    fn residents(&mut self) {
        let t = self.t;
        let iter = match t.residents().iter() {
            Ok(i) => i,
            Err(e) => return self.unreadable("residents", e),
        };
        let mut bad = Vec::new();
        for entry in iter {
            let (k, v) = match entry {
                Ok(kv) => kv,
                Err(e) => {
                    self.unreadable("residents", e);
                    break;
                }
            };
            let code = k.value();
            let key = format!("{code:011}");
            match StoredRecord::decode("residents", v.value()) {
                Ok(rec) if is_head_of(&rec, rec.household) => {
                    // A second head is the household rules' problem, reported there: such
                    // a household expects nothing of `heads` (`None`).
                    self.head_of
                        .entry(rec.household)
                        .and_modify(|e| *e = None)
                        .or_insert(Some((rec.id, rec.name)));
                }
                Ok(_) => {}
                Err(e) => {
                    bad.push((key, e.to_string()));
                    continue;
                }
            }
            match self.t.id_of_code(code) {
                Ok(Some((id, true))) => match self.ids.get(&id) {
                    Some(s) if s.intact && s.code != code => bad.push((
                        key,
                        format!("resident {id}'s latest version has code {:011}", s.code),
                    )),
                    Some(_) => {}
                    None => bad.push((key, format!("resident {id} has no versions"))),
                },
                Ok(Some((id, false))) => bad.push((
                    key,
                    format!("a current record under a former code of resident {id}"),
                )),
                Ok(None) => bad.push((key, "the code is not in codes".into())),
                Err(e) => bad.push((key, format!("codes cannot be read: {e}"))),
            }
        }
        for (key, what) in bad {
            self.problem("residents", key, what);
        }
    }

    /// Every entry of `codes` or `my_numbers` points at a resident whose versions hold it.
    fn identities(&mut self, table: &'static str) {
        let t = self.t;
        let read = match table {
            "codes" => identity_entries(t.codes()),
            _ => identity_entries(t.my_numbers()),
        };
        let entries = match read {
            Ok(entries) => entries,
            Err(e) => return self.unreadable(table, e),
        };
        let mut bad = Vec::new();
        let (entries, error) = entries;
        if let Some(e) = error {
            bad.push(("(table)".to_string(), format!("cannot be read: {e}")));
        }
        for (value, (id, current)) in entries {
            let key = if table == "codes" {
                format!("{value:011}")
            } else {
                "(a My Number)".to_string()
            };
            let Some(s) = self.ids.get(&id) else {
                bad.push((key, format!("points at resident {id}, who has no versions")));
                continue;
            };
            if !s.intact {
                continue;
            }
            let (held, latest) = if table == "codes" {
                (s.codes.contains(&value), s.code == value)
            } else {
                (s.my_numbers.contains(&value), s.latest_my_number == value)
            };
            if !held {
                bad.push((key, format!("no version of resident {id} holds it")));
            } else if current != latest {
                bad.push((
                    key,
                    format!(
                        "current flag is {current} but the latest version of resident {id} {} it",
                        if latest { "holds" } else { "does not hold" }
                    ),
                ));
            }
        }
        for (key, what) in bad {
            self.problem(table, key, what);
        }
    }

    /// The folded as-of answers a backdated correction indexed, as the write path computed
    /// them when the correction was written (from versions 1..=correction).
    fn folds_of(&mut self, id: u64) -> &[StoredRecord] {
        if !self.folded.contains_key(&id) {
            let versions = self.t.all_versions(id).unwrap_or_default();
            let mut out = Vec::new();
            for w in 1..versions.len() {
                let rec = &versions[w];
                if rec.reason != Reason::Correction.code()
                    || rec.valid_from >= versions[w - 1].prefix_max
                {
                    continue;
                }
                let upto = &versions[..=w];
                let dates: BTreeSet<u32> = upto
                    .iter()
                    .map(|v| v.valid_from)
                    .filter(|d| *d >= rec.valid_from)
                    .collect();
                for d in dates {
                    if let Some(f) = as_of_in(upto, d) {
                        out.push(f);
                    }
                }
            }
            self.folded.insert(id, out);
        }
        &self.folded[&id]
    }

    fn search(&mut self) {
        let t = self.t;
        let mut bad = Vec::new();
        let mut unexplained = Vec::new();
        let walked = blocks::for_each(t.search(), |key| {
            let Some((prefix, id, version)) = split_suffix(key) else {
                bad.push((hex(key), "the key is too short for its suffix".into()));
                return Ok(());
            };
            let kind = prefix[0];
            if !(1..=8).contains(&kind) {
                bad.push((vkey(id, version), format!("unknown index kind {kind}")));
                return Ok(());
            }
            match t.version(id, version) {
                Ok(Some(rec)) => {
                    if !components(&rec).prefixes().iter().any(|p| p == prefix) {
                        unexplained.push((prefix.to_vec(), id, version));
                    }
                }
                Ok(None) => bad.push((
                    vkey(id, version),
                    format!("a kind {kind} entry points at a missing version"),
                )),
                // The damaged version is reported by the versions pass.
                Err(_) => {}
            }
            Ok(())
        });
        if let Err(e) = walked {
            bad.push(("(table)".to_string(), format!("cannot be read: {e}")));
        }
        for (key, what) in bad {
            self.problem("search", key, what);
        }
        for (prefix, id, version) in unexplained {
            let kind = prefix[0] as usize;
            let folded = self
                .folds_of(id)
                .iter()
                .any(|f| f.version == version && components(f).prefixes().contains(&prefix));
            if !folded {
                self.problem(
                    "search",
                    vkey(id, version),
                    format!(
                        "a kind {kind} entry whose key matches neither the version nor a folded as-of answer"
                    ),
                );
            }
        }
    }

    /// Checks each household entry; returns the members (internal ids) of each household.
    fn households(&mut self) -> BTreeMap<u64, BTreeSet<u64>> {
        let t = self.t;
        let mut members: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
        let iter = match t.households().iter() {
            Ok(i) => i,
            Err(e) => {
                self.unreadable("households", e);
                return members;
            }
        };
        let mut bad = Vec::new();
        let mut unexplained = Vec::new();
        for entry in iter {
            let (k, _) = match entry {
                Ok(kv) => kv,
                Err(e) => {
                    bad.push(("(table)".to_string(), format!("cannot be read: {e}")));
                    break;
                }
            };
            let (h, id, version) = k.value();
            members.entry(h).or_default().insert(id);
            let key = format!("({h}, {id}, {version})");
            match self.t.version(id, version) {
                Ok(Some(rec)) => {
                    if rec.status != Status::Active.code() || rec.household != h {
                        unexplained.push((key, h, id, version));
                    }
                }
                Ok(None) => bad.push((key, "points at a missing version".into())),
                Err(_) => {}
            }
        }
        for (key, what) in bad {
            self.problem("households", key, what);
        }
        for (key, h, id, version) in unexplained {
            let folded = self.folds_of(id).iter().any(|f| {
                f.version == version && f.household == h && f.status == Status::Active.code()
            });
            if !folded {
                self.problem(
                    "households",
                    key,
                    format!(
                        "version {} is not active in household {}",
                        vkey(id, version),
                        crate::model::HouseholdId::new(h)
                    ),
                );
            }
        }
        members
    }

    fn changes(&mut self, next_seq: Option<u64>) {
        let t = self.t;
        let iter = match t.changes().iter() {
            Ok(i) => i,
            Err(e) => return self.unreadable("changes", e),
        };
        let mut bad = Vec::new();
        let mut expected = 1u64;
        for entry in iter {
            let (k, v) = match entry {
                Ok(kv) => kv,
                Err(e) => {
                    bad.push(("(table)".to_string(), format!("cannot be read: {e}")));
                    break;
                }
            };
            let seq = k.value();
            let (id, version) = v.value();
            if seq > expected {
                bad.push((
                    seq.to_string(),
                    format!(
                        "gap in the change feed: 更新順番号 {expected}..={} missing",
                        seq - 1
                    ),
                ));
            }
            expected = seq + 1;
            match self.seqs.get(&(id, version)) {
                Some(&s) if s == seq => {}
                Some(&s) => bad.push((
                    seq.to_string(),
                    format!(
                        "points at version {} whose 更新順番号 is {s}",
                        vkey(id, version)
                    ),
                )),
                None => {
                    let exists = self.ids.get(&id).is_some_and(|s| version <= s.latest);
                    if !exists {
                        bad.push((
                            seq.to_string(),
                            format!("points at a missing version {}", vkey(id, version)),
                        ));
                    }
                }
            }
        }
        if let Some(next) = next_seq {
            if expected < next {
                bad.push((
                    META_NEXT_SEQ.to_string(),
                    format!(
                        "next_seq is {next} but the change feed ends at {}",
                        expected - 1
                    ),
                ));
            } else if expected > next {
                bad.push((
                    (expected - 1).to_string(),
                    format!("the change feed goes beyond next_seq {next}"),
                ));
            }
        }
        for (key, what) in bad {
            self.problem("changes", key, what);
        }
    }

    /// The household rules (`household::household_problem`: one 世帯主, one address, the
    /// spouses' 続柄) as of each 異動日 of the household's members; a file written before
    /// a rule existed is reported, not changed.
    fn heads(&mut self, households: BTreeMap<u64, BTreeSet<u64>>) {
        for (h, ids) in households {
            let dates: BTreeSet<u32> = ids
                .iter()
                .filter_map(|id| self.ids.get(id))
                .flat_map(|s| s.dates.iter().copied())
                .collect();
            let mut first_bad: Option<(u32, String)> = None;
            let mut bad_dates = 0usize;
            'dates: for d in dates {
                let mut members = Vec::new();
                for &id in &ids {
                    if !self.ids.get(&id).is_some_and(|s| s.intact) {
                        continue 'dates;
                    }
                    match self.t.as_of(id, d) {
                        Ok(Some(rec))
                            if rec.household == h && rec.status == Status::Active.code() =>
                        {
                            members.push(rec);
                        }
                        Ok(_) => {}
                        Err(_) => continue 'dates,
                    }
                }
                members.sort_by_key(|m| (!is_head(m), m.code));
                if let Some(p) = household_problem(h, &members, true) {
                    bad_dates += 1;
                    first_bad.get_or_insert((d, p.describe()));
                }
            }
            if let Some((d, what)) = first_bad {
                let later = match bad_dates - 1 {
                    0 => String::new(),
                    n => format!(" (and on {n} later 異動日)"),
                };
                self.problem(
                    "households",
                    h.to_string(),
                    format!("as of {}{later}: {what}", date_text(d)),
                );
            }
        }
    }
}

impl<T: View> Checker<'_, T> {
    /// `heads` holds exactly the 世帯主 of each household in the current records, with
    /// their name.
    fn head_names(&mut self) {
        let t = self.t;
        let iter = match t.heads().iter() {
            Ok(i) => i,
            Err(e) => return self.unreadable("heads", e),
        };
        let mut expected = std::mem::take(&mut self.head_of);
        let mut bad = Vec::new();
        for entry in iter {
            let (k, v) = match entry {
                Ok(kv) => kv,
                Err(e) => {
                    self.unreadable("heads", e);
                    break;
                }
            };
            let (h, (id, name)) = (k.value(), v.value());
            match expected.remove(&h).map_or(Some(None), |e| e.map(Some)) {
                // Two heads: reported by the household rules.
                None => {}
                Some(Some((want, wanted_name))) if want == id && wanted_name == name => {}
                Some(Some((want, _))) if want == id => {
                    bad.push((h, format!("resident {id}'s name differs from their record")));
                }
                Some(Some((want, _))) => bad.push((
                    h,
                    format!("names resident {id}, but the 世帯主 is resident {want}"),
                )),
                Some(None) => bad.push((
                    h,
                    format!("names resident {id}, but the household has no 世帯主"),
                )),
            }
        }
        for (h, (id, _)) in expected.into_iter().filter_map(|(h, e)| Some((h, e?))) {
            bad.push((h, format!("missing: the 世帯主 is resident {id}")));
        }
        for (h, what) in bad {
            self.problem("heads", h.to_string(), what);
        }
    }
}

/// The resident as of `date` over a list of versions, oldest first: the rule of
/// `View::as_of` (DESIGN.md, "Versioning model") applied to versions in memory.
fn as_of_in(versions: &[StoredRecord], date: u32) -> Option<StoredRecord> {
    fold_as_of(versions.iter().rev().cloned().map(Ok), date)
        .ok()
        .flatten()
}

/// The entries of `codes` or `my_numbers`, and the error that stopped reading them, if any.
type IdentityEntries = (Vec<(u64, (u64, bool))>, Option<StoreError>);

fn identity_entries<Tb: ReadableTable<u64, (u64, bool)>>(table: &Tb) -> Result<IdentityEntries> {
    let mut out = Vec::new();
    for entry in table.iter()? {
        match entry {
            Ok((k, v)) => out.push((k.value(), v.value())),
            Err(e) => return Ok((out, Some(e.into()))),
        }
    }
    Ok((out, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::generator::{self, GenOptions};
    use crate::store::engine::schema::*;
    use crate::store::Clock;
    use redb::{ReadableDatabase, ReadableTable};

    const TODAY: &str = "2026-04-01";

    fn generated(dir: &tempfile::TempDir) -> std::path::PathBuf {
        let path = dir.path().join("check.redb");
        fill(&Database::create(&path).unwrap());
        path
    }

    /// Records 300 generated residents and their history in `db`.
    fn fill(db: &Database) {
        let today = Date::parse(TODAY).unwrap();
        db.set_clock(Clock::Fixed(today));
        let opts = GenOptions::new(300, 7, today);
        let moves_in: Vec<_> = generator::residents(&opts)
            .map(|r| r.to_move_in())
            .collect();
        let history: Vec<_> = generator::history(&opts).map(|c| c.to_change()).collect();
        db.record_batch(moves_in.iter().chain(&history)).unwrap();
    }

    /// The active current records of each household.
    fn active_by_household(db: &Database) -> BTreeMap<u64, Vec<StoredRecord>> {
        let t = db.read().unwrap();
        let mut by_household: BTreeMap<u64, Vec<StoredRecord>> = BTreeMap::new();
        for entry in t.residents().iter().unwrap() {
            let (_, v) = entry.unwrap();
            let rec = StoredRecord::decode("residents", v.value()).unwrap();
            if rec.status == Status::Active.code() {
                by_household.entry(rec.household).or_default().push(rec);
            }
        }
        by_household
    }

    /// Every `heads` entry, in household order.
    fn head_rows(db: &Database) -> Vec<(u64, (u64, String))> {
        let t = db.read().unwrap();
        let rows = t.heads().iter().unwrap().map(|e| {
            let (k, v) = e.unwrap();
            let (id, name) = v.value();
            (k.value(), (id, name.to_string()))
        });
        rows.collect()
    }

    fn check(path: &std::path::Path) -> CheckReport {
        Database::open(path).unwrap().check().unwrap()
    }

    /// Runs `f` in a raw redb write transaction on the file, behind the engine's back.
    fn tamper(path: &std::path::Path, f: impl FnOnce(&redb::WriteTransaction)) {
        let db = crate::store::crypt::open_plain_redb(path).unwrap();
        let txn = db.begin_write().unwrap();
        f(&txn);
        txn.commit().unwrap();
    }

    fn first_search_key(path: &std::path::Path, kind: u8, version: u32) -> Vec<u8> {
        let db = crate::store::crypt::open_plain_redb(path).unwrap();
        let txn = db.begin_read().unwrap();
        let search = txn.open_table(SEARCH).unwrap();
        let mut found = None;
        blocks::for_each(&search, |key| {
            let (prefix, _, v) = split_suffix(key).unwrap();
            if found.is_none() && prefix[0] == kind && v == version {
                found = Some(key.to_vec());
            }
            Ok(())
        })
        .unwrap();
        found.expect("no such search key")
    }

    /// [`generated`] in a register of 芦屋市, its built-in dictionary in force from 1900.
    fn generated_in_ashiya(dir: &tempfile::TempDir) -> std::path::PathBuf {
        use crate::store::engine::place::{write_book, NewPlace};
        let path = dir.path().join("ashiya.redb");
        let ashiya = crate::model::TownDictionary::ashiya();
        let new = NewPlace {
            municipality: ashiya.municipality().clone(),
            towns: vec![(
                crate::model::PlaceBook::first_day(),
                crate::model::TownDictionary::ashiya_csv()
                    .as_bytes()
                    .to_vec(),
            )],
        };
        fill(&Database::create_with(&path, |txn| write_book(txn, &new)).unwrap());
        path
    }

    #[test]
    fn address_parts_are_checked_against_the_dictionary() {
        let dir = tempfile::tempdir().unwrap();
        let path = generated_in_ashiya(&dir);
        let report = check(&path);
        assert!(report.is_clean(), "{report}");
        // Every active resident's latest version holds its parts.
        let db = Database::open(&path).unwrap();
        let mut active = 0;
        for members in active_by_household(&db).into_values() {
            for rec in members {
                assert!(rec.parts().unwrap().is_some(), "{}", rec.address);
                active += 1;
            }
        }
        assert!(active >= 200, "{active} active residents");
        drop(db);

        // One resident's 番地 changed behind the engine's back, in both tables.
        let (code, wrong) = {
            let db = Database::open(&path).unwrap();
            let rec = active_by_household(&db).into_values().next().unwrap()[0].clone();
            let mut parts = rec.parts().unwrap().unwrap();
            parts.numbers.ban += 1;
            let mut wrong = rec.clone();
            wrong.set_parts(Some(&parts));
            (rec.code, wrong)
        };
        tamper(&path, |txn| {
            let bytes = wrong.encode();
            txn.open_table(RESIDENTS)
                .unwrap()
                .insert(code, bytes.as_slice())
                .unwrap();
            txn.open_table(VERSIONS)
                .unwrap()
                .insert((wrong.id, wrong.version), bytes.as_slice())
                .unwrap();
        });
        let report = check(&path);
        let text = report.to_string();
        assert_eq!(report.problems.len(), 1, "{text}");
        assert!(text.contains("address parts"), "{text}");
        assert!(text.contains(&format!("{code:011}")), "{text}");
    }

    #[test]
    fn a_generated_register_is_clean() {
        let dir = tempfile::tempdir().unwrap();
        let path = generated(&dir);
        let report = check(&path);
        assert!(report.is_clean(), "{report}");
        assert!(report.residents >= 300);
        assert!(report.versions > report.residents);
        assert_eq!(report.to_string(), "");
    }

    #[test]
    fn backdated_corrections_and_their_folded_entries_are_clean() {
        use crate::model::{Kana, Name};
        use crate::store::{Change, Fields};
        let dir = tempfile::tempdir().unwrap();
        let path = generated(&dir);
        let db = Database::open(&path).unwrap();
        db.set_clock(Clock::Fixed(Date::parse(TODAY).unwrap()));
        let mut corrected = 0;
        for r in db.changes_since(0, usize::MAX).unwrap() {
            if corrected == 12 {
                break;
            }
            let history = db.history(r.code).unwrap();
            if history.len() < 3 || !history.last().unwrap().is_active() {
                continue;
            }
            let first = history[0].valid_from;
            let fields = if corrected % 2 == 0 {
                Fields {
                    name: Some(Name::parse("訂正 花子").unwrap()),
                    kana: Some(Kana::parse("テイセイ ハナコ").unwrap()),
                    ..Fields::default()
                }
            } else {
                // The birth date (a 4情報 item): an address corrected for one member alone
                // would put the household at two addresses.
                Fields {
                    birth: Some(history[0].birth.exact().unwrap().add_days(-1).into()),
                    ..Fields::default()
                }
            };
            let code = history.last().unwrap().code;
            db.record(&Change::new(Reason::Correction, code, first).with(fields))
                .unwrap();
            corrected += 1;
        }
        assert_eq!(corrected, 12);
        let report = db.check().unwrap();
        assert!(report.is_clean(), "{report}");
    }

    #[test]
    fn check_during_writes_sees_one_consistent_snapshot() {
        use crate::model::{Address, ResidentCode};
        use crate::store::{Change, Fields};
        let dir = tempfile::tempdir().unwrap();
        let path = generated(&dir);
        let db = Database::open(&path).unwrap();
        db.set_clock(Clock::Fixed(Date::parse(TODAY).unwrap()));
        let codes: Vec<ResidentCode> = {
            // Residents who live alone: a 転居 of one member would split a household.
            active_by_household(&db)
                .into_values()
                .filter(|m| m.len() == 1 && m[0].prefix_max <= 20260301)
                .map(|m| ResidentCode::from_u64(m[0].code).unwrap())
                .collect::<Vec<_>>()
        };
        assert!(codes.len() >= 30, "{} residents live alone", codes.len());
        let done = std::sync::atomic::AtomicBool::new(false);
        let checks = std::thread::scope(|s| {
            s.spawn(|| {
                let mut refused = None;
                for (i, code) in codes.iter().take(150).enumerate() {
                    let address = format!("芦屋市精道町{}-{}", i / 50 + 1, i % 50 + 1);
                    let change =
                        Change::new(Reason::Move, *code, Date::parse("2026-03-02").unwrap()).with(
                            Fields {
                                address: Some(Address::parse(&address).unwrap()),
                                ..Fields::default()
                            },
                        );
                    if let Err(e) = db.record(&change) {
                        refused = Some(e.to_string());
                        break;
                    }
                }
                // Set even when a change is refused, so that the checking loop ends.
                done.store(true, std::sync::atomic::Ordering::SeqCst);
                assert_eq!(refused, None);
            });
            let mut checks = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) || checks == 0 {
                let report = db.check().unwrap();
                assert!(report.is_clean(), "{report}");
                checks += 1;
            }
            checks
        });
        assert!(checks > 0);
        assert!(db.check().unwrap().is_clean());
    }

    #[test]
    fn a_removed_search_entry_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = generated(&dir);
        let key = first_search_key(&path, 3, 1);
        tamper(&path, |txn| {
            blocks::remove(&mut txn.open_table(SEARCH).unwrap(), &key).unwrap();
        });
        let report = check(&path);
        let (_, id, _) = split_suffix(&key).unwrap();
        assert_eq!(report.problems.len(), 1, "{report}");
        let p = &report.problems[0];
        assert_eq!((p.table, p.key.as_str()), ("search", &*vkey(id, 1)));
        assert!(p.what.contains("missing: the kind 3 entry"), "{report}");
    }

    #[test]
    fn a_search_entry_for_a_missing_version_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = generated(&dir);
        let key = first_search_key(&path, 1, 1);
        let (prefix, id, _) = split_suffix(&key).unwrap();
        let extra = with_suffix(prefix.to_vec(), id, 999);
        tamper(&path, |txn| {
            blocks::insert(&mut txn.open_table(SEARCH).unwrap(), &extra).unwrap();
        });
        let report = check(&path);
        assert_eq!(report.problems.len(), 1, "{report}");
        assert!(
            report.mentions("search", "points at a missing version"),
            "{report}"
        );
        assert_eq!(report.problems[0].key, vkey(id, 999));
    }

    #[test]
    fn a_gap_in_the_change_feed_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = generated(&dir);
        tamper(&path, |txn| {
            txn.open_table(CHANGES).unwrap().remove(100).unwrap();
        });
        let report = check(&path);
        assert!(
            report.mentions(
                "changes",
                "gap in the change feed: 更新順番号 100..=100 missing"
            ),
            "{report}"
        );
        assert!(report.mentions("changes", "missing: version"), "{report}");
        assert_eq!(report.problems.len(), 2, "{report}");
    }

    /// A cancelled 転出確定 dated before its 転出 bounds the restored state by the state before
    /// the 転出, three versions back; the bound of the 転出 itself (as written before that
    /// rule) is reported.
    #[test]
    fn a_cancelled_early_confirmation_bounded_by_its_move_out_is_reported() {
        use crate::model::{Address, ResidentCode};
        use crate::store::{Change, Fields};
        let dir = tempfile::tempdir().unwrap();
        let path = generated(&dir);
        let db = Database::open(&path).unwrap();
        db.set_clock(Clock::Fixed(Date::parse(TODAY).unwrap()));
        let alone = {
            active_by_household(&db)
                .into_values()
                .find(|m| m.len() == 1 && m[0].prefix_max <= 20260301)
                .expect("a resident who lives alone")
                .remove(0)
        };
        let code = ResidentCode::from_u64(alone.code).unwrap();
        let on = |d: &str| Date::parse(d).unwrap();
        let to = |a: &str| Fields {
            destination: Some(Address::parse(a).unwrap()),
            ..Fields::default()
        };
        db.record(
            &Change::new(Reason::MoveOut, code, on("2026-04-10"))
                .with(to("大阪府大阪市北区梅田1-1")),
        )
        .unwrap();
        let confirm = Change::new(Reason::MoveOutConfirm, code, on("2026-03-20"))
            .with(to("大阪府大阪市北区梅田2-2"));
        let seq = db.record(&confirm).unwrap().written[0].seq;
        let cancel = Change::new(Reason::Cancellation, code, on("2026-03-20")).with(Fields {
            seq: Some(seq),
            ..Fields::default()
        });
        let written = db.record(&cancel).unwrap().written;
        assert_eq!(written.len(), 2);
        assert!(db.check().unwrap().is_clean());
        let (id, restoring) = (alone.id, alone.version + 3);
        let mut rec = db.read().unwrap().version(id, restoring).unwrap().unwrap();
        drop(db);
        assert_eq!(rec.prefix_max, alone.prefix_max);
        rec.prefix_max = 20260410;
        let bytes = rec.encode();
        tamper(&path, |txn| {
            txn.open_table(VERSIONS)
                .unwrap()
                .insert((id, restoring), bytes.as_slice())
                .unwrap();
        });
        let report = check(&path);
        let expected = format!(
            "prefix_max 2026-04-10 should be {}",
            date_text(alone.prefix_max)
        );
        assert!(report.mentions("versions", &expected), "{report}");
        assert_eq!(report.problems[0].key, vkey(id, restoring));
    }

    #[test]
    fn a_flipped_byte_in_a_record_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = generated(&dir);
        tamper(&path, |txn| {
            let mut versions = txn.open_table(VERSIONS).unwrap();
            let mut bytes = versions.get((5, 1)).unwrap().unwrap().value().to_vec();
            let at = bytes.len() / 2;
            bytes[at] ^= 0x20;
            versions.insert((5, 1), bytes.as_slice()).unwrap();
        });
        let report = check(&path);
        assert!(report.mentions("versions", "checksum mismatch"), "{report}");
        assert_eq!(report.problems[0].key, vkey(5, 1));
    }

    #[test]
    fn a_wrong_current_flag_in_codes_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = generated(&dir);
        let code = {
            let db = crate::store::crypt::open_plain_redb(&path).unwrap();
            let txn = db.begin_read().unwrap();
            let residents = txn.open_table(RESIDENTS).unwrap();
            let code = residents.first().unwrap().unwrap().0.value();
            code
        };
        tamper(&path, |txn| {
            let mut codes = txn.open_table(CODES).unwrap();
            let (id, _) = codes.get(code).unwrap().unwrap().value();
            codes.insert(code, (id, false)).unwrap();
        });
        let report = check(&path);
        assert!(
            report.mentions("codes", "points at resident")
                && report.mentions("codes", "current false"),
            "{report}"
        );
        assert!(
            report.mentions("residents", "a current record under a former code"),
            "{report}"
        );
        assert!(
            report.mentions("codes", "current flag is false"),
            "{report}"
        );
    }

    #[test]
    fn a_wrong_missing_or_stray_head_entry_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = generated(&dir);
        let (h, id, other) = {
            let db = Database::open(&path).unwrap();
            let t = db.read().unwrap();
            let mut heads = t.heads().iter().unwrap();
            let (k, v) = heads.next().unwrap().unwrap();
            let (k2, _) = heads.next().unwrap().unwrap();
            (k.value(), v.value().0, k2.value())
        };
        tamper(&path, |txn| {
            let mut heads = txn.open_table(HEADS).unwrap();
            heads.insert(h, (id, "偽 名前")).unwrap();
            heads.remove(other).unwrap();
            heads.insert(u64::MAX, (id, "偽 名前")).unwrap();
        });
        let report = check(&path);
        assert_eq!(report.problems.len(), 3, "{report}");
        assert!(report.mentions("heads", "name differs"), "{report}");
        assert!(
            report.mentions("heads", "missing: the 世帯主 is resident"),
            "{report}"
        );
        assert!(report.mentions("heads", "has no 世帯主"), "{report}");
    }

    #[test]
    fn a_file_without_heads_gets_them_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = generated(&dir);
        let before = head_rows(&Database::open(&path).unwrap());
        assert!(before.len() > 10);
        tamper(&path, |txn| {
            txn.delete_table(HEADS).unwrap();
        });
        let db = Database::open(&path).unwrap();
        assert_eq!(head_rows(&db), before);
        assert!(db.check().unwrap().is_clean());
    }

    #[test]
    fn two_heads_in_one_household_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = generated(&dir);
        // A member who is not the head, in a household with a head: make them head too,
        // in the latest version and the current record alike.
        let (rec, bytes) = {
            let db = Database::open(&path).unwrap();
            let t = db.read().unwrap();
            let mut found = None;
            for entry in t.residents().iter().unwrap() {
                let (_, v) = entry.unwrap();
                let rec = StoredRecord::decode("residents", v.value()).unwrap();
                if rec.status == Status::Active.code() && rec.relationship != "世帯主" {
                    found = Some(rec);
                    break;
                }
            }
            let mut rec = found.expect("a member who is not the head");
            rec.relationship = "世帯主".into();
            let bytes = rec.encode();
            (rec, bytes)
        };
        tamper(&path, |txn| {
            txn.open_table(VERSIONS)
                .unwrap()
                .insert((rec.id, rec.version), bytes.as_slice())
                .unwrap();
            txn.open_table(RESIDENTS)
                .unwrap()
                .insert(rec.code, bytes.as_slice())
                .unwrap();
        });
        let report = check(&path);
        assert_eq!(report.problems.len(), 1, "{report}");
        let p = &report.problems[0];
        assert_eq!(p.table, "households");
        assert_eq!(p.key, rec.household.to_string());
        assert!(p.what.contains("2 世帯主 among"), "{report}");
    }
}
