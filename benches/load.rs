//! What criterion measures badly, juki beside SQLite on the same files in the same run: bulk
//! load, file size, peak memory, durable 異動 one commit at a time, and lookup latency
//! percentiles. Prints one Markdown table (operation | juki | SQLite | juki ÷ SQLite) and
//! writes it to `target/bench-data/<N>/load-table.md`. See BENCHMARKS.md for the method.
//!
//! ```sh
//! cargo bench --bench load                               # 100,000 residents
//! JUKI_BENCH_RESIDENTS=1000000 cargo bench --bench load  # the full size
//! ```
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it does the same at a smoke
//! size of [`SMOKE_RESIDENTS`], to check that it still works.
//!
//! The input is the generator's residents CSV and its history companion (seed
//! [`common::SEED`], as of 2026-04-01), written once under `target/bench-data/<N>/load/`.
//! Each load runs in a child process (this binary again, `--child juki-load DIR` or
//! `--child sqlite-load DIR`) so that its peak resident set (`VmHWM`) is its own.

mod common;

/// The allocator of the `juki` binary, for both loads (the Rust side of each: reading the
/// CSV, the replay, the engine), so that juki's load measures what `juki import` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use common::keys::{juki_hits, same_content, searches_of, sql_hits, Search, SqlLookups};
use common::{
    alternate, load_average, placeholders, LookupRow, SplitMix, Spread, SqlResident, COLUMNS,
    OPERATOR, SEED, TERMINAL,
};
use juki::generator::{self, GenChange, GenOptions, HISTORY_HEADER};
use juki::testing::parse_history_record;
use juki::Field;
use juki::{
    Address, Date, HouseholdId, Kana, MyNumber, Name, PartialDate, PostalCode, Reason,
    Relationship, ResidentCode, Sex, Status,
};
use juki::{Change, Fields, Session};
use juki::{ImportOptions, Progress};
use rusqlite::{params, Connection, Statement};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::Instant;

/// Residents when run without `--bench` (a smoke run under `cargo test`).
const SMOKE_RESIDENTS: usize = 500;

/// 転居 recorded one durable commit at a time (smoke run: [`SMOKE_MOVES`]).
const MOVES: usize = 2_000;
const SMOKE_MOVES: usize = 50;

/// Random probes per lookup (smoke run: [`SMOKE_PROBES`]).
const PROBES: usize = 20_000;
const SMOKE_PROBES: usize = 500;

/// The seed of the probes and of the residents who move.
const DRAW_SEED: u64 = 0x6c6f_6164;

const RESIDENTS_CSV: &str = "residents.csv";
const CSV_MARKER: &str = "csv-complete";
const JUKI_FILE: &str = "juki.redb";
const SQLITE_FILE: &str = "sqlite.db";

const MIB: f64 = 1024.0 * 1024.0;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let what = args.get(i + 1).expect("--child WHAT DIR");
        let dir = Path::new(args.get(i + 2).expect("--child WHAT DIR"));
        match what.as_str() {
            "juki-load" => child_juki_load(dir),
            "sqlite-load" => child_sqlite_load(dir),
            other => panic!("unknown child {other:?}"),
        }
        return;
    }
    let full = args.iter().any(|a| a == "--bench");
    let run = if full {
        Run {
            residents: common::resident_count(),
            moves: MOVES,
            probes: PROBES,
        }
    } else {
        Run {
            residents: SMOKE_RESIDENTS,
            moves: SMOKE_MOVES,
            probes: SMOKE_PROBES,
        }
    };
    run.go();
}

/// One run's sizes.
struct Run {
    residents: usize,
    moves: usize,
    probes: usize,
}

/// The peak resident set of this process so far (`VmHWM`), in bytes; `None` off Linux.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .len()
}

fn remove_if_there(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("removing {}: {e}", path.display()),
    }
}

fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// `key=value` lines, as the children print them and the CSV marker holds them.
fn key_values(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn number<T: std::str::FromStr>(kv: &HashMap<String, String>, key: &str) -> T {
    kv.get(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no number {key} in {kv:?}"))
}

// ---------------------------------------------------------------------------------------
// The input files.

/// The SHA-256 of what the generator writes for 300 residents with history, so that files
/// written by another version of the generator (another format, other data) are written
/// again rather than measured.
fn generator_fingerprint() -> String {
    let mut opts = GenOptions::new(300, SEED, common::today());
    opts.other_names = false;
    opts.history = true;
    let (mut residents, mut history) = (Vec::new(), Vec::new());
    generator::write_csv(&opts, &mut residents, Some(&mut history)).expect("writing to memory");
    let digest = Sha256::new()
        .chain_update(&residents)
        .chain_update(&history)
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the residents CSV and its history companion under `dir` unless a complete pair
/// for the same size and seed is there. Returns what the marker records.
fn input_files(dir: &Path, residents: usize) -> HashMap<String, String> {
    let marker = dir.join(CSV_MARKER);
    let head = format!(
        "residents={residents}\nseed={SEED}\ntoday={}\ngenerator={}\n",
        common::today(),
        generator_fingerprint()
    );
    if let Ok(m) = std::fs::read_to_string(&marker) {
        if m.starts_with(&head) {
            return key_values(&m);
        }
    }
    std::fs::create_dir_all(dir).expect("creating the input directory");
    remove_if_there(&marker);
    let started = Instant::now();
    let mut opts = GenOptions::new(residents, SEED, common::today());
    // SQLite indexes the 氏名 alone: no 通称, so both engines answer the same.
    opts.other_names = false;
    opts.history = true;
    let path = dir.join(RESIDENTS_CSV);
    let history = ImportOptions::companion_of(&path);
    let out = BufWriter::new(File::create(&path).expect("creating the residents CSV"));
    let mut hist = BufWriter::new(File::create(&history).expect("creating the history CSV"));
    let stats = generator::write_csv(&opts, out, Some(&mut hist)).expect("writing the CSV");
    hist.flush().expect("writing the history CSV");
    drop(hist);
    let text = format!(
        "{head}households={}\nchanges={}\nbirths={}\nversions={}\nresidents_csv_bytes={}\n\
         history_csv_bytes={}\n",
        stats.households,
        stats.changes,
        stats.births,
        stats.versions,
        file_len(&path),
        file_len(&history)
    );
    std::fs::write(&marker, &text).expect("writing the marker");
    eprintln!(
        "wrote {} residents and {} history rows to {} in {:.1} s",
        stats.residents,
        stats.changes,
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    key_values(&text)
}

/// Runs this binary as a child doing `what` on `dir`; returns what it printed.
fn child(what: &str, dir: &Path) -> HashMap<String, String> {
    let exe = std::env::current_exe().expect("the bench binary");
    let out = Command::new(exe)
        .arg("--child")
        .arg(what)
        .arg(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("running the child");
    assert!(out.status.success(), "child {what} failed: {}", out.status);
    key_values(&String::from_utf8(out.stdout).expect("UTF-8 output"))
}

// ---------------------------------------------------------------------------------------
// juki: the load.

/// `juki init` and `juki import` through the library: a new file with one administrator;
/// opened again with the page cache `juki import` uses, the administrator signs in and
/// imports the residents CSV with its history companion (one durable commit); then COMPACT.
fn child_juki_load(dir: &Path) {
    let path = dir.join(JUKI_FILE);
    remove_if_there(&path);
    let (_juki, session) = common::create_for_load(&path);
    let opts = ImportOptions::new(dir.join(RESIDENTS_CSV));
    assert!(opts.history.is_some(), "the history companion is there");
    let started = Instant::now();
    let cpu = common::process_cpu_s();
    let report = session.import(&opts, Progress::Quiet).expect("import");
    let load = started.elapsed().as_secs_f64();
    let cpu = common::process_cpu_s() - cpu;
    let peak = peak_rss().unwrap_or(0);
    let loaded = file_len(&path);
    let counts = session.counts().expect("counts");
    let compact = session.compact().expect("compact");
    eprintln!("juki: {report}; {compact}");
    println!("load_s={load}");
    println!("cpu_s={cpu}");
    println!("peak_rss={peak}");
    println!("loaded_bytes={loaded}");
    println!("compacted_bytes={}", compact.after);
    println!("compact_s={}", compact.seconds);
    println!("residents={}", counts.residents);
    println!("versions={}", counts.versions);
}

// ---------------------------------------------------------------------------------------
// SQLite: the load.

/// What juki keeps besides [`common::SCHEMA`]: the change feed and the operation log.
const MORE_SCHEMA: &str = "
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY,
    id INTEGER NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    operator TEXT NOT NULL,
    terminal TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    outcome TEXT NOT NULL,
    codes TEXT NOT NULL,
    hash BLOB NOT NULL
);
";

/// The identity items a first version starts from.
struct Entry<'a> {
    code: u64,
    my_number: u64,
    name: &'a Name,
    kana: &'a Kana,
    sex: u8,
    birth: u32,
    address: &'a Address,
    postal: u32,
    household: u64,
    relationship: &'a str,
    /// The search keys of name, reading and address (made by the parser thread).
    keys: &'a ChangeKeys,
}

/// One version as the SQLite load builds it. Texts are shared between a version and the
/// next when a change leaves them alone.
#[derive(Clone)]
struct Ver {
    code: u64,
    id: u64,
    my_number: u64,
    name: Rc<str>,
    kana: Rc<str>,
    sex: u8,
    birth: u32,
    address: Rc<str>,
    postal: u32,
    household: u64,
    relationship: Rc<str>,
    status: u8,
    version: u32,
    seq: u64,
    reason: u8,
    valid_from: u32,
    reported: u32,
    recorded_at: i64,
    resident_since: u32,
    address_since: u32,
    previous_address: Option<Rc<str>>,
    destination: Option<Rc<str>>,
    removed_on: Option<u32>,
    changed: u32,
    name_key: Rc<str>,
    kana_key: Rc<str>,
    address_key: Rc<str>,
}

impl Ver {
    /// The fields that differ from `prev`, as juki numbers them.
    fn diff(&self, prev: &Ver) -> u32 {
        let pairs = [
            (Field::Code, self.code != prev.code),
            (Field::MyNumber, self.my_number != prev.my_number),
            (Field::Name, self.name != prev.name),
            (Field::Kana, self.kana != prev.kana),
            (Field::Sex, self.sex != prev.sex),
            (Field::Birth, self.birth != prev.birth),
            (Field::Address, self.address != prev.address),
            (Field::Postal, self.postal != prev.postal),
            (Field::Household, self.household != prev.household),
            (Field::Relationship, self.relationship != prev.relationship),
            (Field::Status, self.status != prev.status),
            (
                Field::PreviousAddress,
                self.previous_address != prev.previous_address,
            ),
            (Field::Destination, self.destination != prev.destination),
            (
                Field::ResidentSince,
                self.resident_since != prev.resident_since,
            ),
            (
                Field::AddressSince,
                self.address_since != prev.address_since,
            ),
        ];
        pairs
            .iter()
            .filter(|(_, differs)| *differs)
            .fold(0, |bits, (f, _)| bits | 1 << (*f as u8))
    }
}

fn all_fields() -> u32 {
    Field::ALL.iter().fold(0, |bits, f| bits | 1 << (*f as u8))
}

fn text(s: &str) -> Rc<str> {
    Rc::from(s)
}

/// The register replayed in memory: every version of every resident, by internal id.
struct Replay {
    /// Versions of internal id `i + 1`, in version order.
    people: Vec<Vec<Ver>>,
    /// Current resident code → internal id.
    ids: HashMap<u64, u64>,
    /// `(household, id, version)`: the version at which a resident entered a household.
    households: Vec<(u64, u64, u32)>,
    /// Household → the ids that ever entered it (a MOVE HOUSEHOLD moves those still in it).
    entered: HashMap<u64, Vec<u64>>,
    /// The change feed, `(seq, id, version)`, in order.
    changes: Vec<(u64, u64, u32)>,
    /// The load's "today", `YYYYMMDD`.
    today: u32,
    /// The load's recording time.
    now: i64,
}

impl Replay {
    fn new(today: u32) -> Replay {
        Replay {
            people: Vec::new(),
            ids: HashMap::new(),
            households: Vec::new(),
            entered: HashMap::new(),
            changes: Vec::new(),
            today,
            now: now_micros(),
        }
    }

    fn next_seq(&self) -> u64 {
        self.changes.len() as u64 + 1
    }

    /// A new resident's first version (転入 or 出生); `id` and `seq` are filled in here.
    fn add(&mut self, mut v: Ver) {
        let id = self.people.len() as u64 + 1;
        v.id = id;
        v.seq = self.next_seq();
        assert!(
            self.ids.insert(v.code, id).is_none(),
            "resident code {} twice",
            v.code
        );
        self.households.push((v.household, id, 1));
        self.entered.entry(v.household).or_default().push(id);
        self.changes.push((v.seq, id, 1));
        self.people.push(vec![v]);
    }

    /// The first version of a resident (転入 or 出生) on `date`, as juki writes it.
    fn first_version(&self, e: Entry<'_>, reason: Reason, date: u32) -> Ver {
        Ver {
            code: e.code,
            id: 0,
            my_number: e.my_number,
            name: text(e.name.as_str()),
            kana: text(e.kana.as_str()),
            sex: e.sex,
            birth: e.birth,
            address: text(e.address.written()),
            postal: e.postal,
            household: e.household,
            relationship: text(e.relationship),
            status: Status::Active.code(),
            version: 1,
            seq: 0,
            reason: reason.code(),
            valid_from: date,
            reported: self.today,
            recorded_at: self.now,
            resident_since: date,
            address_since: date,
            previous_address: None,
            destination: None,
            removed_on: None,
            changed: all_fields(),
            name_key: text(e.keys.name.as_deref().expect("a name key")),
            kana_key: text(e.keys.kana.as_deref().expect("a reading key")),
            address_key: text(e.keys.address.as_deref().expect("an address key")),
        }
    }

    /// The next version of the resident `id`, made from the latest by `edit`.
    fn next_version(&mut self, id: u64, reason: Reason, date: u32, edit: impl FnOnce(&mut Ver)) {
        let seq = self.next_seq();
        let versions = &mut self.people[id as usize - 1];
        let prev = versions.last().expect("a resident has a version");
        let mut v = prev.clone();
        edit(&mut v);
        v.version = prev.version + 1;
        v.seq = seq;
        v.reason = reason.code();
        v.valid_from = date;
        v.reported = self.today;
        v.recorded_at = self.now;
        v.changed = v.diff(prev);
        if v.household != prev.household {
            self.households.push((v.household, id, v.version));
            self.entered.entry(v.household).or_default().push(id);
        }
        self.changes.push((seq, id, v.version));
        versions.push(v);
    }

    /// Applies one history row: the new version it gives, and the new 世帯主's when it
    /// names one.
    fn apply(&mut self, c: &GenChange, keys: &ChangeKeys) {
        let f = &c.fields;
        let d = c.date.to_yyyymmdd();
        if c.reason == Reason::Birth {
            let name = f.name.as_ref().expect("出生 has a name");
            let kana = f.kana.as_ref().expect("出生 has a reading");
            let address = f.address.as_ref().expect("出生 has an address");
            self.add(self.first_version(
                Entry {
                    code: c.code.get(),
                    my_number: f.my_number.expect("出生 has a My Number").get(),
                    name,
                    kana,
                    sex: f.sex.expect("出生 has a sex").code(),
                    birth: d,
                    address,
                    postal: f.postal.expect("出生 has a postal code").get(),
                    household: f.household.expect("出生 has a household").get(),
                    relationship: f.relationship.as_ref().expect("続柄").as_str(),
                    keys,
                },
                Reason::Birth,
                d,
            ));
            return;
        }
        let id = self.ids[&c.code.get()];
        let reason = c.reason;
        self.next_version(id, reason, d, |v| {
            if let Some(n) = &f.name {
                v.name = text(n.as_str());
                v.name_key = text(keys.name.as_deref().expect("a name key"));
            }
            if let Some(k) = &f.kana {
                v.kana = text(k.as_str());
                v.kana_key = text(keys.kana.as_deref().expect("a reading key"));
            }
            if let Some(a) = &f.address {
                if reason == Reason::Move {
                    v.previous_address = Some(v.address.clone());
                    v.address_since = d;
                }
                v.address = text(a.written());
                v.address_key = text(keys.address.as_deref().expect("an address key"));
            }
            if let Some(p) = f.postal {
                v.postal = p.get();
            }
            if let Some(h) = f.household {
                v.household = h.get();
            }
            if let Some(r) = &f.relationship {
                v.relationship = text(r.as_str());
            }
            // 世帯主変更: the head who steps down takes the 続柄 restated for them.
            if reason == Reason::HeadChange {
                if let Some(r) = f.relationships.as_ref().and_then(|g| g.of(c.code)) {
                    v.relationship = text(r.as_str());
                }
            }
            if let Some(a) = &f.destination {
                v.destination = Some(text(a.written()));
            }
            if matches!(
                reason,
                Reason::MoveOut | Reason::Death | Reason::RemovalExOfficio
            ) {
                v.status = Status::Removed.code();
                v.removed_on = Some(d);
            }
        });
        // MOVE HOUSEHOLD: every other active member's 転居 after the head's, in the
        // household's order (birth date, then code).
        if let Some(h) = f.whole_household {
            self.move_members(h.get(), id, d, f.postal.is_some());
        }
        // The engine's companions: the new head's version, then one for each member whose
        // restated 続柄 differs.
        if let Some(head) = f.new_head {
            let head = self.ids[&head.get()];
            let rel = text(Relationship::head().as_str());
            self.next_version(head, Reason::HeadChange, d, |v| v.relationship = rel);
        }
        let restated = f.relationships.iter().flat_map(|g| g.pairs());
        for (code, rel) in restated.filter(|(code, _)| *code != c.code) {
            let id = self.ids[&code.get()];
            let now: &str = &self.people[id as usize - 1]
                .last()
                .expect("a version")
                .relationship;
            if now != rel.as_str() {
                let rel = text(rel.as_str());
                self.next_version(id, Reason::HeadChange, d, |v| v.relationship = rel);
            }
        }
    }

    /// The members of household `h` besides `head` move to the head's (new) address.
    fn move_members(&mut self, h: u64, head: u64, d: u32, postal: bool) {
        fn latest(r: &Replay, id: u64) -> &Ver {
            r.people[id as usize - 1].last().expect("a version")
        }
        let mut ids = self.entered.get(&h).cloned().unwrap_or_default();
        ids.sort_unstable();
        ids.dedup();
        ids.retain(|&id| {
            let v = latest(self, id);
            id != head && v.household == h && v.status == Status::Active.code()
        });
        ids.sort_by_key(|&id| {
            let v = latest(self, id);
            (v.birth, v.code)
        });
        let to = latest(self, head).clone();
        for id in ids {
            self.next_version(id, Reason::Move, d, |v| {
                v.previous_address = Some(v.address.clone());
                v.address_since = d;
                v.address = to.address.clone();
                v.address_key = to.address_key.clone();
                if postal {
                    v.postal = to.postal;
                }
            });
        }
    }

    /// Replays what the parser thread sends, in file order: every row of the residents
    /// file as a 転入 dated `moved_in_date` (the generator writes each 世帯主 before the
    /// rest of the household), then the history rows in order.
    fn replay(&mut self, parsed: std::sync::mpsc::Receiver<Vec<Parsed>>) {
        let mut seq = 0u64;
        for batch in parsed {
            for p in batch {
                match p {
                    Parsed::Resident(r) => self.add(self.first_version(
                        Entry {
                            code: r.code.get(),
                            my_number: r.my_number.get(),
                            name: &r.name,
                            kana: &r.kana,
                            sex: r.sex.code(),
                            birth: r.birth,
                            address: &r.address,
                            postal: r.postal.get(),
                            household: r.household.get(),
                            relationship: r.relationship.as_str(),
                            keys: &r.keys,
                        },
                        Reason::MoveIn,
                        r.moved_in,
                    )),
                    Parsed::History(c, keys) => {
                        seq += 1;
                        assert_eq!(c.seq, seq, "history rows come in seq order");
                        self.apply(&c, &keys);
                    }
                }
            }
        }
    }
}

/// The search keys of what a row sets (name, reading, address), computed by the parser
/// thread: the normalisation is most of the parsing work.
#[derive(Default)]
struct ChangeKeys {
    name: Option<String>,
    kana: Option<String>,
    address: Option<String>,
}

impl ChangeKeys {
    fn of(name: Option<&Name>, kana: Option<&Kana>, address: Option<&Address>) -> ChangeKeys {
        ChangeKeys {
            name: name.map(|n| n.key().as_str().to_string()),
            kana: kana.map(|k| k.key().as_str().to_string()),
            address: address.map(|a| a.key().to_string()),
        }
    }
}

/// A row of the residents file, parsed.
struct ResidentRow {
    code: ResidentCode,
    my_number: MyNumber,
    name: Name,
    kana: Kana,
    sex: Sex,
    birth: u32,
    address: Address,
    postal: PostalCode,
    household: HouseholdId,
    relationship: Relationship,
    moved_in: u32,
    keys: ChangeKeys,
}

/// What the parser thread hands the loader, in file order.
enum Parsed {
    Resident(Box<ResidentRow>),
    History(Box<GenChange>, ChangeKeys),
}

/// Rows a parser thread sends at a time.
const PARSED_BATCH: usize = 1024;

/// Starts the parser thread: it reads the residents file and its history companion with
/// the `csv` crate, parses every cell with juki's own value parsers (check digits; NFKC of
/// names, readings and addresses) and computes the search keys, sending the rows in
/// batches while the loader replays the ones before.
fn spawn_parser(
    residents: PathBuf,
) -> (
    std::sync::mpsc::Receiver<Vec<Parsed>>,
    std::thread::JoinHandle<()>,
) {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Parsed>>(64);
    let handle = std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(PARSED_BATCH);
        let send = |p: Parsed, batch: &mut Vec<Parsed>| {
            batch.push(p);
            if batch.len() == PARSED_BATCH {
                tx.send(std::mem::take(batch)).expect("the loader is there");
            }
        };
        read_residents(&residents, |r| {
            send(Parsed::Resident(Box::new(r)), &mut batch)
        });
        read_history(&ImportOptions::companion_of(&residents), |c| {
            let f = &c.fields;
            let keys = ChangeKeys::of(f.name.as_ref(), f.kana.as_ref(), f.address.as_ref());
            send(Parsed::History(Box::new(c), keys), &mut batch)
        });
        if !batch.is_empty() {
            tx.send(batch).expect("the loader is there");
        }
    });
    (rx, handle)
}

/// Parses every row of the residents file.
fn read_residents(path: &Path, mut row: impl FnMut(ResidentRow)) {
    let mut rdr = csv::Reader::from_path(path).expect("opening the residents CSV");
    let headers = rdr.headers().expect("the header").clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let [code, number, name, kana, sex, birth, address, postal, household, rel, moved_in] = [
        "resident_code",
        "my_number",
        "name_kanji",
        "name_kana",
        "sex",
        "birth_date",
        "address",
        "postal_code",
        "household_id",
        "relationship",
        "moved_in_date",
    ]
    .map(col);
    let mut rec = csv::StringRecord::new();
    while rdr
        .read_record(&mut rec)
        .expect("reading the residents CSV")
    {
        let n = ok(Name::parse(&rec[name]), "name");
        let k = ok(Kana::parse(&rec[kana]), "reading");
        let a = ok(Address::parse(&rec[address]), "address");
        let keys = ChangeKeys::of(Some(&n), Some(&k), Some(&a));
        row(ResidentRow {
            code: ok(ResidentCode::parse(&rec[code]), "resident code"),
            my_number: ok(MyNumber::parse(&rec[number]), "My Number"),
            name: n,
            kana: k,
            sex: ok(Sex::parse(&rec[sex]), "sex"),
            birth: ok(PartialDate::parse(&rec[birth]), "birth date").code(),
            address: a,
            postal: ok(PostalCode::parse(&rec[postal]), "postal code"),
            household: ok(HouseholdId::parse(&rec[household]), "household"),
            relationship: ok(Relationship::parse(&rec[rel]), "relationship"),
            moved_in: ok(Date::parse(&rec[moved_in]), "moved_in_date").to_yyyymmdd(),
            keys,
        });
    }
}

/// Parses every row of the history companion, in order.
fn read_history(path: &Path, mut row: impl FnMut(GenChange)) {
    let mut rdr = csv::Reader::from_path(path).expect("opening the history CSV");
    let header: Vec<&str> = HISTORY_HEADER.split(',').collect();
    assert_eq!(
        rdr.headers()
            .expect("the header")
            .iter()
            .collect::<Vec<_>>(),
        header,
        "the history header"
    );
    let mut rec = csv::StringRecord::new();
    while rdr.read_record(&mut rec).expect("reading the history CSV") {
        let cells: Vec<&str> = rec.iter().collect();
        let c = parse_history_record(&cells)
            .unwrap_or_else(|e| panic!("history line {:?}: {e}", rec.position()));
        row(c);
    }
}

/// The value of a cell, or a panic that names what is wrong with it.
fn ok<T, E: std::fmt::Display>(r: Result<T, E>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("residents CSV: bad {what}: {e}"))
}

/// Binds the 26 record columns ([`COLUMNS`]) of `v`, then `extra`.
/// Writes a version with its key texts and its five 4情報 entry flags.
fn insert_entry_version(stmt: &mut Statement<'_>, v: &Ver, flags: [bool; 5]) {
    let [bn, bk, na, ka, ba] = flags;
    insert_record(
        stmt,
        v,
        &[
            &v.name_key,
            &v.kana_key,
            &v.address_key,
            &bn,
            &bk,
            &na,
            &ka,
            &ba,
        ],
    );
}

fn insert_record(stmt: &mut Statement<'_>, v: &Ver, extra: &[&dyn rusqlite::ToSql]) {
    let record: [&dyn rusqlite::ToSql; 26] = [
        &(v.code as i64),
        &(v.id as i64),
        &(v.my_number as i64),
        &v.name,
        &v.kana,
        &v.sex,
        &v.birth,
        &v.address,
        &v.postal,
        &(v.household as i64),
        &v.relationship,
        &v.status,
        &v.version,
        &(v.seq as i64),
        &v.reason,
        &v.valid_from,
        &v.reported,
        &v.recorded_at,
        &v.resident_since,
        &v.address_since,
        &v.previous_address,
        &v.destination,
        &v.removed_on,
        &v.changed,
        &OPERATOR,
        &TERMINAL,
    ];
    let all: Vec<&dyn rusqlite::ToSql> = record.iter().chain(extra).copied().collect();
    stmt.execute(&all[..]).expect("insert");
}

/// The chain hash of an operation-log row, as juki chains its log (SHA-256 of the previous
/// hash and the row's fields).
fn chain_hash(prev: &[u8], seq: i64, time: i64, fields: &[&str]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_le_bytes());
    h.update(time.to_le_bytes());
    for f in fields {
        h.update((f.len() as u64).to_le_bytes());
        h.update(f.as_bytes());
    }
    h.finalize().to_vec()
}

/// Loads SQLite from the same two CSV files, as an expert would: a parser thread reads and
/// parses the files while this one replays the history in memory; then, in one
/// transaction with prepared statements, every table in key order; the five partial 4情報
/// indexes after it; no journal and no sync until one `fsync` at the end
/// ([`common::SQLITE_LOAD_PRAGMAS`], [`common::finish_sqlite_load`]). The file is then in
/// WAL mode, as it is used afterwards. Returns the residents, the versions and the parts'
/// times.
fn sqlite_load(dir: &Path) -> (usize, usize, [f64; 4]) {
    let started = Instant::now();
    let path = dir.join(SQLITE_FILE);
    for suffix in ["", "-wal", "-shm", "-journal"] {
        remove_if_there(&PathBuf::from(format!("{}{suffix}", path.display())));
    }
    let residents = dir.join(RESIDENTS_CSV);
    let (parsed, parser) = spawn_parser(residents.clone());
    let mut conn = Connection::open(&path).expect("creating the SQLite file");
    conn.execute_batch(common::SQLITE_LOAD_PRAGMAS)
        .expect("load pragmas");
    conn.execute_batch(common::SCHEMA).expect("schema");
    conn.execute_batch(MORE_SCHEMA).expect("schema");

    let mut r = Replay::new(common::today().to_yyyymmdd());
    r.replay(parsed);
    parser.join().expect("the parser thread");
    let versions: usize = r.people.iter().map(Vec::len).sum();
    let read = started.elapsed().as_secs_f64();

    let t = Instant::now();
    let tx = conn.transaction().expect("begin");
    insert_versions(&tx, &r);
    insert_current(&tx, &r);
    insert_feed_and_log(&tx, &r, &residents);
    tx.commit().expect("commit");
    let insert = t.elapsed().as_secs_f64();
    let t = Instant::now();
    conn.execute_batch(common::INDEXES).expect("indexes");
    let index = t.elapsed().as_secs_f64();
    let t = Instant::now();
    common::finish_sqlite_load(conn, &path);
    let sync = t.elapsed().as_secs_f64();
    (r.people.len(), versions, [read, insert, index, sync])
}

/// Every version in key order `(id, version)`, with its 4情報 entry flags
/// ([`common::entry_flags`]), and the household entries.
fn insert_versions(tx: &rusqlite::Transaction<'_>, r: &Replay) {
    fn keys(v: &Ver) -> common::SearchKeys<'_> {
        (v.birth, &v.name_key, &v.kana_key, &v.address_key)
    }
    let mut insert = tx
        .prepare(&format!(
            "INSERT INTO versions ({COLUMNS}, name_key, kana_key, address_key, {}) \
             VALUES ({})",
            common::ENTRY_COLUMNS,
            placeholders(34)
        ))
        .expect("prepare versions");
    for versions in &r.people {
        let mut before: Option<&Ver> = None;
        for v in versions {
            let flags = common::entry_flags(before.map(keys), keys(v));
            insert_entry_version(&mut insert, v, flags);
            before = Some(v);
        }
    }
    let mut households = r.households.clone();
    households.sort_unstable();
    let mut household = tx
        .prepare("INSERT INTO households (household, id, version) VALUES (?1, ?2, ?3)")
        .expect("prepare households");
    for (h, id, version) in &households {
        household
            .execute(params![*h as i64, *id as i64, version])
            .expect("insert household");
    }
}

/// The current records with their `prefix_max`, the identity indexes and the 世帯主 of
/// each household, in key order.
fn insert_current(tx: &rusqlite::Transaction<'_>, r: &Replay) {
    let mut current: Vec<&Ver> = r
        .people
        .iter()
        .map(|v| v.last().expect("a version"))
        .collect();
    current.sort_by_key(|v| v.code);
    let (mut insert, mut code) = common::current_statements(tx);
    for v in &current {
        // The history is in date order: the latest 異動日 is the latest version's.
        insert_record(&mut insert, v, &[&v.valid_from]);
        code.execute(params![v.code as i64, v.id as i64])
            .expect("insert code");
    }
    let mut numbers: Vec<(u64, u64)> = current.iter().map(|v| (v.my_number, v.id)).collect();
    numbers.sort_unstable();
    let mut number = tx
        .prepare("INSERT INTO my_numbers (number, id, current) VALUES (?1, ?2, 1)")
        .expect("prepare my_numbers");
    for (n, id) in numbers {
        number
            .execute(params![n as i64, id as i64])
            .expect("insert my number");
    }
    let heads: Vec<(u64, u64, &str)> = current
        .iter()
        .filter(|v| v.status == Status::Active.code() && &*v.relationship == "世帯主")
        .map(|v| (v.household, v.id, &*v.name))
        .collect();
    common::insert_heads(tx, heads);
}

/// The change feed and the operation log's entry for the load.
fn insert_feed_and_log(tx: &rusqlite::Transaction<'_>, r: &Replay, residents: &Path) {
    let mut change = tx
        .prepare("INSERT INTO changes (seq, id, version) VALUES (?1, ?2, ?3)")
        .expect("prepare changes");
    for (seq, id, version) in &r.changes {
        change
            .execute(params![*seq as i64, *id as i64, version])
            .expect("insert change");
    }
    let time = now_micros();
    let text = format!("IMPORT '{}'", residents.display());
    let fields = [OPERATOR, TERMINAL, "IMPORT", text.as_str(), "OK", ""];
    tx.execute(
        "INSERT INTO audit (seq, time, operator, terminal, kind, text, outcome, codes, hash) \
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            time,
            OPERATOR,
            TERMINAL,
            "IMPORT",
            text,
            "OK",
            "",
            chain_hash(&[0; 32], 1, time, &fields)
        ],
    )
    .expect("insert audit");
}

fn child_sqlite_load(dir: &Path) {
    let started = Instant::now();
    let cpu = common::process_cpu_s();
    let (residents, versions, parts) = sqlite_load(dir);
    let load = started.elapsed().as_secs_f64();
    let cpu = common::process_cpu_s() - cpu;
    let peak = peak_rss().unwrap_or(0);
    let path = dir.join(SQLITE_FILE);
    let loaded = file_len(&path);
    let t = Instant::now();
    let conn = Connection::open(&path).expect("opening the SQLite file");
    conn.execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")
        .expect("vacuum");
    let vacuum = t.elapsed().as_secs_f64();
    drop(conn);
    let vacuumed = file_len(&path);
    eprintln!("sqlite: {residents} residents, {versions} versions; load {load:.1} s");
    for (key, secs) in ["read_s", "insert_s", "index_s", "sync_s"]
        .iter()
        .zip(parts)
    {
        println!("{key}={secs}");
    }
    println!("load_s={load}");
    println!("cpu_s={cpu}");
    println!("peak_rss={peak}");
    println!("loaded_bytes={loaded}");
    println!("compacted_bytes={vacuumed}");
    println!("compact_s={vacuum}");
    println!("residents={residents}");
    println!("versions={versions}");
}

// ---------------------------------------------------------------------------------------
// Durable 転居.

/// The address of the `i`-th 転居: a building the generator never uses, so it is new to
/// every resident.
fn new_address(i: usize) -> String {
    common::new_address("あしやの森", i)
}

/// `count` distinct active residents who live alone (so each is the 世帯主 of their own
/// household), drawn with the fixed sequence: a household lives at one address, so anyone
/// else's 転居 alone is refused and a household's is a MOVE HOUSEHOLD of several versions.
fn movers(conn: &Connection, count: usize) -> Vec<u64> {
    let mut codes: Vec<u64> = conn
        .prepare(
            "SELECT min(code) AS code FROM residents WHERE status = ?1 \
             GROUP BY household HAVING count(*) = 1 ORDER BY code",
        )
        .and_then(|mut s| {
            s.query_map([Status::Active.code()], |r| r.get::<_, i64>(0))?
                .map(|c| c.map(|c| c as u64))
                .collect()
        })
        .expect("active codes");
    let mut rng = SplitMix(DRAW_SEED);
    let count = count.min(codes.len());
    // A partial Fisher–Yates shuffle.
    for i in 0..count {
        let j = i + rng.below((codes.len() - i) as u64) as usize;
        codes.swap(i, j);
    }
    codes.truncate(count);
    codes
}

/// Records one 転居 a call through the session; every call is its own durable commit with
/// its operation-log entry.
fn juki_moves(session: &Session, moves: &[(usize, u64)]) -> f64 {
    let today = session.today();
    let changes: Vec<Change> = moves
        .iter()
        .map(|&(i, code)| {
            Change::new(
                Reason::Move,
                ResidentCode::from_u64(code).expect("a stored code"),
                today,
            )
            .with(Fields {
                address: Some(Address::parse(&new_address(i)).expect("an address")),
                ..Fields::default()
            })
        })
        .collect();
    let started = Instant::now();
    for c in &changes {
        session.record(c).expect("juki records the 転居");
    }
    started.elapsed().as_secs_f64()
}

/// The same 転居 in SQLite, `synchronous=FULL`, one transaction each: read the current
/// row, write the new version (its indexes follow), update the current row, append to the
/// change feed and to the operation log (chained like juki's).
fn sqlite_moves(conn: &mut Connection, moves: &[(usize, u64)]) -> f64 {
    let today = common::today().to_yyyymmdd();
    let mut seq: i64 = conn
        .query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| {
            r.get(0)
        })
        .expect("last seq");
    let (mut log_seq, mut prev): (i64, Vec<u8>) = conn
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("last log entry");
    let addresses: Vec<(u64, Address)> = moves
        .iter()
        .map(|&(i, code)| (code, Address::parse(&new_address(i)).expect("an address")))
        .collect();
    let by_code = format!("SELECT {COLUMNS} FROM residents WHERE code = ?1");
    let insert_version = format!(
        "INSERT INTO versions ({COLUMNS}, name_key, kana_key, address_key, {}) VALUES ({})",
        common::ENTRY_COLUMNS,
        placeholders(34)
    );
    let keys_of_latest = "SELECT name_key, kana_key, address_key FROM versions WHERE id = ?1 \
                          ORDER BY version DESC LIMIT 1";
    let changed = [Field::Address, Field::PreviousAddress, Field::AddressSince]
        .iter()
        .fold(0u32, |bits, f| bits | 1 << (*f as u8));
    let started = Instant::now();
    for (code, address) in &addresses {
        let tx = conn.transaction().expect("begin");
        {
            let mut get = tx.prepare_cached(&by_code).expect("prepare");
            let before: SqlResident = get
                .query_row([*code as i64], SqlResident::from_row)
                .expect("the current row");
            assert_eq!(before.status, Status::Active.code());
            seq += 1;
            let now = now_micros();
            let (name_key, kana_key, address_key): (String, String, String) = tx
                .prepare_cached(keys_of_latest)
                .expect("prepare")
                .query_row([before.id as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .expect("the latest version's keys");
            let v = Ver {
                code: before.code,
                id: before.id,
                my_number: before.my_number,
                name: text(&before.name),
                kana: text(&before.kana),
                sex: before.sex,
                birth: before.birth,
                address: text(address.written()),
                postal: before.postal,
                household: before.household,
                relationship: text(&before.relationship),
                status: before.status,
                version: before.version + 1,
                seq: seq as u64,
                reason: Reason::Move.code(),
                valid_from: today,
                reported: today,
                recorded_at: now,
                resident_since: before.resident_since,
                address_since: today,
                previous_address: Some(text(&before.address)),
                destination: before.destination.as_deref().map(text),
                removed_on: before.removed_on,
                changed,
                name_key: text(&name_key),
                kana_key: text(&kana_key),
                address_key: text(&address.key()),
            };
            let flags = common::entry_flags(
                Some((v.birth, &name_key, &kana_key, &address_key)),
                (v.birth, &v.name_key, &v.kana_key, &v.address_key),
            );
            let mut insert = tx.prepare_cached(&insert_version).expect("prepare");
            insert_entry_version(&mut insert, &v, flags);
            tx.prepare_cached(
                "UPDATE residents SET address = ?2, previous_address = ?3, address_since = ?4, \
                 version = ?5, seq = ?6, reason = ?7, valid_from = ?8, reported = ?9, \
                 recorded_at = ?10, changed = ?11, operator = ?12, terminal = ?13, \
                 prefix_max = ?8 WHERE code = ?1",
            )
            .expect("prepare")
            .execute(params![
                *code as i64,
                &v.address,
                v.previous_address.as_deref(),
                v.address_since,
                v.version,
                seq,
                v.reason,
                v.valid_from,
                v.reported,
                v.recorded_at,
                v.changed,
                OPERATOR,
                TERMINAL
            ])
            .expect("update");
            tx.prepare_cached("INSERT INTO changes (seq, id, version) VALUES (?1, ?2, ?3)")
                .expect("prepare")
                .execute(params![seq, v.id as i64, v.version])
                .expect("change feed");
            log_seq += 1;
            let text = format!("MOVE {code:011} ON {}", common::today());
            let codes = code.to_string();
            let fields = [
                OPERATOR,
                TERMINAL,
                "MOVE",
                text.as_str(),
                "OK",
                codes.as_str(),
            ];
            let hash = chain_hash(&prev, log_seq, now, &fields);
            tx.prepare_cached(
                "INSERT INTO audit (seq, time, operator, terminal, kind, text, outcome, codes, \
                 hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .expect("prepare")
            .execute(params![
                log_seq, now, OPERATOR, TERMINAL, "MOVE", text, "OK", codes, hash
            ])
            .expect("log");
            prev = hash;
        }
        tx.commit().expect("commit");
    }
    started.elapsed().as_secs_f64()
}

// ---------------------------------------------------------------------------------------
// Lookups.

/// One probe: a resident drawn from the whole register (active and removed) and the keys
/// taken from their current record.
struct Probe {
    code: ResidentCode,
    my_number: MyNumber,
    /// Full name + birth date, full reading + town, birth date + town (built before
    /// anything is timed, on both sides).
    searches: [Search; 3],
    /// Between the resident's first 異動日 and today.
    as_of: Date,
}

fn probes(conn: &Connection, count: usize) -> Vec<Probe> {
    let codes: Vec<i64> = conn
        .prepare("SELECT code FROM residents ORDER BY code")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("codes");
    let mut get = conn
        .prepare(&format!("SELECT {COLUMNS} FROM residents WHERE code = ?1"))
        .expect("prepare");
    let mut first = conn
        .prepare("SELECT min(valid_from) FROM versions WHERE id = ?1")
        .expect("prepare");
    let today = common::today();
    let mut rng = SplitMix(DRAW_SEED ^ 0x7072_6f62);
    (0..count)
        .map(|_| {
            let code = codes[rng.below(codes.len() as u64) as usize];
            let r = get
                .query_row([code], SqlResident::from_row)
                .expect("a drawn resident");
            let first: u32 = first
                .query_row([r.id as i64], |row| row.get(0))
                .expect("first version");
            let first = Date::from_yyyymmdd(first).expect("a stored date");
            let span = first.days_until(today).max(0) as u64;
            Probe {
                code: ResidentCode::from_u64(r.code).expect("a stored code"),
                my_number: MyNumber::from_u64(r.my_number).expect("a stored My Number"),
                searches: searches_of(&r),
                as_of: first.add_days(rng.below(span + 1) as i64),
            }
        })
        .collect()
}

/// Asks every probe of both engines and compares the answers (the same version of the
/// same resident with the same 世帯主; the same hits of a search).
fn check_answers(session: &Session, sql: &mut SqlLookups<'_>, probes: &[Probe]) {
    for p in probes {
        let j = session.get(p.code).expect("get").expect("found");
        let s = sql.by_code(p.code).expect("found");
        assert!(same_content(&j, &s), "by code: {j:?} / {s:?}");
        let j = session
            .get_by_my_number(p.my_number)
            .expect("get")
            .expect("found");
        let (s, current) = sql.by_my_number(p.my_number).expect("found");
        assert!(
            same_content(&j.resident, &s) && current && j.current,
            "by My Number: {j:?} / {s:?}"
        );
        for (n, q) in p.searches.iter().enumerate() {
            let j = session.find(&q.juki).expect("find");
            assert_eq!(juki_hits(&j), sql_hits(&sql.search(n, q)), "{:?}", q.juki);
        }
        let j = session.get_as_of(p.code, p.as_of).expect("as of");
        let s = sql.as_of(p.code, p.as_of);
        match (&j, &s) {
            (Some(j), Some(s)) => assert!(same_content(j, s), "as of: {j:?} / {s:?}"),
            _ => panic!("as of {} {}: {j:?} / {s:?}", p.code, p.as_of),
        }
    }
}

/// Each lookup's row, juki and SQLite alternating `repeats` times.
fn lookups(
    session: &Session,
    sql: &mut SqlLookups<'_>,
    probes: &[Probe],
    repeats: usize,
) -> Vec<(&'static str, LookupRow)> {
    let mut out = Vec::new();
    let mut row = |name: &'static str, (j, s): (Vec<_>, Vec<_>)| {
        out.push((name, LookupRow::of(&j, &s)));
    };
    row(
        "by resident code",
        alternate(
            probes,
            repeats,
            |p| session.get(p.code).expect("get"),
            |p| sql.by_code(p.code),
        ),
    );
    row(
        "by My Number",
        alternate(
            probes,
            repeats,
            |p| session.get_by_my_number(p.my_number).expect("get"),
            |p| sql.by_my_number(p.my_number),
        ),
    );
    let searches = [
        "4情報: name + birth date",
        "4情報: reading + address",
        "4情報: birth date + address",
    ];
    for (n, what) in searches.into_iter().enumerate() {
        row(
            what,
            alternate(
                probes,
                repeats,
                |p| session.find(&p.searches[n].juki).expect("find"),
                |p| sql.search(n, &p.searches[n]),
            ),
        );
    }
    row(
        "as of a past date",
        alternate(
            probes,
            repeats,
            |p| session.get_as_of(p.code, p.as_of).expect("as of"),
            |p| sql.as_of(p.code, p.as_of),
        ),
    );
    out
}

// ---------------------------------------------------------------------------------------
// The run and the table.

fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / MIB)
}

fn ratio(juki: f64, sqlite: f64) -> String {
    if sqlite > 0.0 {
        format!("{:.2}", juki / sqlite)
    } else {
        "–".into()
    }
}

/// What the children reported, one map per load.
struct Loads {
    juki: Vec<HashMap<String, String>>,
    sqlite: Vec<HashMap<String, String>>,
}

impl Loads {
    /// `key` of every load of each side, scaled by `scale`.
    fn spread(&self, key: &str, scale: f64) -> [Spread; 2] {
        let of = |runs: &[HashMap<String, String>]| {
            Spread::of(
                &runs
                    .iter()
                    .map(|r| number::<f64>(r, key) * scale)
                    .collect::<Vec<_>>(),
            )
        };
        [of(&self.juki), of(&self.sqlite)]
    }
}

impl Run {
    /// Loads both engines `repeats` times from fresh files, alternating which goes first;
    /// the last loads' files stay for the rest of the run.
    fn loads(&self, load: &Path, repeats: usize) -> Loads {
        let mut loads = Loads {
            juki: Vec::new(),
            sqlite: Vec::new(),
        };
        for rep in 0..repeats {
            let order = if common::juki_first(rep) {
                ["juki-load", "sqlite-load"]
            } else {
                ["sqlite-load", "juki-load"]
            };
            for what in order {
                eprintln!("load {} of {repeats}: {what} (child process) …", rep + 1);
                let out = child(what, load);
                match what {
                    "juki-load" => loads.juki.push(out),
                    _ => loads.sqlite.push(out),
                }
            }
            let (j, s) = (&loads.juki[rep], &loads.sqlite[rep]);
            for key in ["residents", "versions"] {
                assert_eq!(
                    number::<u64>(j, key),
                    number::<u64>(s, key),
                    "{key}: juki and SQLite hold the same register"
                );
            }
        }
        loads
    }

    /// The durable 転居 in `repeats` rounds, juki and SQLite alternating which goes first
    /// (so that a slow spell of the disk does not fall on one side); milliseconds per
    /// commit of each round.
    fn moves(
        &self,
        session: &Session,
        conn: &mut Connection,
        repeats: usize,
    ) -> (usize, [Spread; 2]) {
        let codes = movers(conn, self.moves);
        eprintln!("{} 転居, one durable commit each …", codes.len());
        let moves: Vec<(usize, u64)> = codes.iter().copied().enumerate().collect();
        let (mut j, mut s) = (Vec::new(), Vec::new());
        let per_round = moves.len().div_ceil(repeats).max(1);
        for (round, chunk) in moves.chunks(per_round).enumerate() {
            let ms = |secs: f64| secs * 1000.0 / chunk.len() as f64;
            if common::juki_first(round) {
                j.push(ms(juki_moves(session, chunk)));
                s.push(ms(sqlite_moves(conn, chunk)));
            } else {
                s.push(ms(sqlite_moves(conn, chunk)));
                j.push(ms(juki_moves(session, chunk)));
            }
        }
        (codes.len(), [Spread::of(&j), Spread::of(&s)])
    }

    fn go(&self) {
        let dir = common::data_dir(self.residents);
        let load = dir.join("load");
        let input = input_files(&load, self.residents);
        let changes: u64 = number(&input, "changes");
        let csv_bytes = number::<u64>(&input, "residents_csv_bytes")
            + number::<u64>(&input, "history_csv_bytes");
        let repeats = common::repeats();
        let load_before = load_average();

        let loads = self.loads(&load, repeats);
        let versions: u64 = number(&loads.juki[0], "versions");
        let load_middle = load_average();

        // Durable 転居 on the compacted files of the last loads.
        let (juki, session) = common::sign_in(&load.join(JUKI_FILE));
        let mut conn = common::open_sqlite_at(&load.join(SQLITE_FILE));
        let (moved, moves) = self.moves(&session, &mut conn, repeats);

        eprintln!("{} probes a lookup …", self.probes);
        let probes = probes(&conn, self.probes);
        let latencies = {
            let mut sql = SqlLookups::new(&conn);
            check_answers(&session, &mut sql, &probes);
            lookups(&session, &mut sql, &probes, repeats)
        };
        juki.flush_log().expect("flushing the operation log");
        drop(session);
        drop(juki);
        let load_after = load_average();

        let t = self.table(&Table {
            input: &input,
            changes,
            versions,
            csv_bytes,
            repeats,
            load_averages: [load_before, load_middle, load_after],
            loads: &loads,
            moved,
            moves,
            probes: probes.len(),
            latencies: &latencies,
        });
        println!("\n{t}");
        let out = dir.join("load-table.md");
        std::fs::write(&out, &t).expect("writing the table");
        eprintln!("table written to {}", out.display());
    }

    /// The Markdown table of a run.
    fn table(&self, m: &Table<'_>) -> String {
        let mut t = String::new();
        let [before, middle, after] = &m.load_averages;
        let _ = writeln!(
            t,
            "{} residents in the CSV ({} households), {} history rows, {} versions; input {}. \
             {} loads of each engine, alternating; the 転居 in {} rounds and every lookup in \
             {} blocks of each engine, alternating. Each cell: median (min–max) over the \
             repeats. Load average {before} before the loads, {middle} after them, {after} \
             at the end.\n",
            self.residents,
            m.input["households"],
            m.changes,
            m.versions,
            mib(m.csv_bytes as f64),
            m.repeats,
            m.repeats,
            m.repeats,
        );
        t.push_str("| operation | juki | SQLite | juki ÷ SQLite |\n");
        t.push_str("| --- | ---: | ---: | ---: |\n");
        let mut row = |op: &str, [j, s]: [Spread; 2], digits: usize, unit: &str| {
            let _ = writeln!(
                t,
                "| {op} | {} | {} | {} |",
                j.show(digits, unit),
                s.show(digits, unit),
                ratio(j.median, s.median)
            );
        };
        row(
            "bulk load from CSV + history, indexed, durable: wall",
            m.loads.spread("load_s", 1.0),
            2,
            "s",
        );
        row(
            "bulk load: CPU time (user + sys, all threads)",
            m.loads.spread("cpu_s", 1.0),
            2,
            "s",
        );
        for (op, key) in [
            ("file size after the load", "loaded_bytes"),
            ("file size after COMPACT / VACUUM", "compacted_bytes"),
            ("peak memory of the load (VmHWM)", "peak_rss"),
        ] {
            row(op, m.loads.spread(key, 1.0 / MIB), 1, "MiB");
        }
        row(
            "COMPACT / VACUUM time",
            m.loads.spread("compact_s", 1.0),
            2,
            "s",
        );
        row(
            &format!("{} durable 転居, one commit each: per commit", m.moved),
            m.moves,
            2,
            "ms",
        );
        for (op, r) in m.latencies {
            let _ = writeln!(
                t,
                "| lookup {op}: p50 of {} | {} | {} | {} |",
                m.probes,
                r.p50[0].show(1, "µs"),
                r.p50[1].show(1, "µs"),
                r.ratio.show(2, ""),
            );
            let _ = writeln!(
                t,
                "| lookup {op}: p99 | {} | {} | {} |",
                r.p99[0].show(1, "µs"),
                r.p99[1].show(1, "µs"),
                ratio(r.p99[0].median, r.p99[1].median),
            );
            let _ = writeln!(
                t,
                "| lookup {op}: CPU per lookup | {} | {} | {} |",
                r.cpu[0].show(1, "µs"),
                r.cpu[1].show(1, "µs"),
                ratio(r.cpu[0].median, r.cpu[1].median),
            );
        }
        let part = |key: &str| {
            let values: Vec<f64> = m.loads.sqlite.iter().map(|r| number(r, key)).collect();
            Spread::of(&values).median
        };
        let _ = writeln!(
            t,
            "\nSQLite's load (medians): reading and parsing the CSV files (parser thread) while \
             replaying the history {:.2} s, inserting in one transaction {:.2} s, the partial \
             indexes {:.2} s, the final sync {:.2} s.",
            part("read_s"),
            part("insert_s"),
            part("index_s"),
            part("sync_s")
        );
        t.push_str(
            "\nThe ratio is juki ÷ SQLite of the medians (above 1: juki takes more); for a \
             lookup's p50, the median and range of the ratios of the blocks run side by side. \
             CPU per lookup is the process's CPU time over a block (every thread, juki's \
             operation-log thread included) ÷ probes.\n",
        );
        t
    }
}

/// What one run measured, for [`Run::table`].
struct Table<'a> {
    input: &'a HashMap<String, String>,
    changes: u64,
    versions: u64,
    csv_bytes: u64,
    repeats: usize,
    load_averages: [String; 3],
    loads: &'a Loads,
    moved: usize,
    moves: [Spread; 2],
    probes: usize,
    latencies: &'a [(&'static str, LookupRow)],
}
