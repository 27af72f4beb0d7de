//! The benchmark dataset: one generated register, loaded into juki and into SQLite.
//!
//! `JUKI_BENCH_RESIDENTS` residents (default 100,000) come from the seeded generator with
//! their history, as of a fixed day (2026-04-01, which is also the database's clock). The
//! files are cached under `target/bench-data/<N>/`:
//!
//! * `juki.redb`: created with one administrator, who signs in and records every 転入 in
//!   generator order, then the history in order, with [`Session::record_batch`] in batches
//!   of [`BATCH`] changes;
//! * `sqlite.db`: the same versions, read back from juki's change feed, in a schema that
//!   mirrors juki's tables (see [`SCHEMA`] and [`INDEXES`]);
//! * `complete`: written last, with juki's format and name-key versions, the SQLite schema's
//!   ([`SQLITE_SCHEMA_VERSION`]) and the build timings. Without it (or for other versions)
//!   these files are deleted and built again, so an interrupted build never leaves a
//!   half-loaded dataset behind. Other files in the directory (the `load` bench keeps its
//!   own under `load/`) are left alone.
//!
//! The SQLite side of every lookup is `keys::SqlLookups`: the same access paths as juki's,
//! inside one read transaction renewed at juki's snapshot cadence ([`ReadSnapshot`]); the
//! measurement helpers ([`alternate`], [`Spread`], [`process_cpu_ns`]) time juki and
//! SQLite in alternating blocks.
//!
//! Every session operation appends to juki's operation log, so the benchmarks read a copy,
//! `run.redb`, made afresh for each run: the cached file stays as it was built.

#![allow(dead_code)]

pub mod keys;

use juki::generator::{self, GenOptions};
use juki::{
    testing::address_key,
    {Date, Reason},
};
use juki::{Change, Juki, Session};
use juki::{Clock, Field, Resident, FORMAT_VERSION, NAME_KEY_VERSION};
use rusqlite::config::DbConfig;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, Row};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The generator seed: every dataset of one size is the same register.
pub const SEED: u64 = 20260401;

/// Changes per `record_batch` call (one write transaction each).
pub const BATCH: usize = 50_000;

/// Versions read from juki's change feed per call while filling SQLite.
const FEED_PAGE: usize = 50_000;

/// The operator who loads and reads the register.
pub const OPERATOR: &str = "bench";

/// Their password.
pub const PASSWORD: &str = "bench-password-2026";

/// The terminal they work at.
pub const TERMINAL: &str = "bench";

/// SQLite page cache: 1 GiB (negative = KiB).
pub const SQLITE_CACHE: &str = "-1048576";

/// The generation date and the databases' "today".
pub fn today() -> Date {
    Date::from_ymd(2026, 4, 1).expect("a valid date")
}

/// Residents in the dataset: `JUKI_BENCH_RESIDENTS`, default 100,000.
pub fn resident_count() -> usize {
    match std::env::var("JUKI_BENCH_RESIDENTS") {
        Ok(v) => v
            .replace('_', "")
            .parse()
            .expect("JUKI_BENCH_RESIDENTS must be a number"),
        Err(_) => 100_000,
    }
}

/// The files of one dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Residents asked of the generator (births in the history come on top).
    pub residents: usize,
    /// `target/bench-data/<N>`.
    pub dir: PathBuf,
    /// The juki file.
    pub juki: PathBuf,
    /// The SQLite file.
    pub sqlite: PathBuf,
    /// What the build recorded (timings, counts, sizes), one `key=value` a line.
    pub report: String,
}

impl Dataset {
    /// Copies the juki file to `run.redb`, opens the copy with the dataset's fixed clock and
    /// signs the operator in.
    pub fn open_juki_copy(&self) -> (Juki, Session) {
        let copy = self.dir.join("run.redb");
        std::fs::copy(&self.juki, &copy).expect("copying the juki file");
        sign_in(&copy)
    }

    /// Opens the SQLite file as it is used after the load: WAL (kept in the file),
    /// `synchronous=FULL`, a 1 GiB cache, and the query planner stability guarantee.
    ///
    /// The bundled SQLite is built with `SQLITE_ENABLE_STAT4`, and after `ANALYZE` a
    /// prepared statement whose plan might depend on a bound value is compiled again
    /// whenever that value changes: every lookup here would pay for a parse and a plan.
    /// QPSG keeps the plan chosen at prepare time (the plans are printed before the run).
    pub fn open_sqlite(&self) -> Connection {
        open_sqlite_at(&self.sqlite)
    }
}

/// Opens a SQLite file as it is used after a load: WAL (kept in the file),
/// `synchronous=FULL`, a 1 GiB cache, and the query planner stability guarantee (see
/// [`Dataset::open_sqlite`]).
pub fn open_sqlite_at(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("opening the SQLite file");
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .expect("QPSG");
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .expect("journal_mode");
    assert_eq!(mode, "wal");
    conn.execute_batch(&format!(
        "PRAGMA synchronous=FULL; PRAGMA cache_size={SQLITE_CACHE};"
    ))
    .expect("pragmas");
    conn
}

/// Opens a juki file with the dataset's fixed clock and signs the operator in.
pub fn sign_in(path: &Path) -> (Juki, Session) {
    signed_in(Juki::builder(path).open().expect("opening the juki file"))
}

/// Generates `residents` with their history and imports them into a new juki file `name` in
/// `dir`, as `juki gen --history` and `juki import` would; the file's path.
pub fn imported(dir: &Path, residents: usize, name: &str) -> PathBuf {
    use std::io::{BufWriter, Write};
    let csv = dir.join("residents.csv");
    let mut opts = GenOptions::new(residents, SEED, today());
    // SQLite indexes the 氏名 alone: no 通称, so both engines answer the same.
    opts.other_names = false;
    opts.history = true;
    let history = juki::ImportOptions::companion_of(&csv);
    let file = |p: &Path| std::fs::File::create(p).expect("creating a CSV file");
    let out = BufWriter::new(file(&csv));
    let mut hist = BufWriter::new(file(&history));
    generator::write_csv(&opts, out, Some(&mut hist)).expect("writing the CSV");
    hist.flush().expect("writing the history CSV");
    drop(hist);
    let path = dir.join(name);
    let (juki, session) = create_for_load(&path);
    let report = session
        .import(&juki::ImportOptions::new(&csv), juki::Progress::Quiet)
        .expect("import");
    eprintln!("imported: {report}");
    drop(session);
    drop(juki);
    path
}

/// `juki init` and the open of `juki import`: a new file at `path` with the operator as its
/// administrator, opened again with the page cache a load uses, the operator signed in.
pub fn create_for_load(path: &Path) -> (Juki, Session) {
    // A register of 芦屋市 with its dictionary, as `juki init` makes it: every address the
    // load writes is placed.
    drop(
        Juki::builder(path)
            .municipality("282065")
            .and_then(|b| {
                b.towns(
                    juki::Date::parse("1900-01-01").unwrap(),
                    juki::TownDictionary::ashiya_csv(),
                )
            })
            .and_then(|b| b.create_with_admin(OPERATOR, PASSWORD))
            .expect("creating the juki file"),
    );
    signed_in(
        Juki::builder(path)
            .cache_size(juki::LOAD_CACHE_BYTES)
            .open()
            .expect("opening the juki file"),
    )
}

fn signed_in(juki: Juki) -> (Juki, Session) {
    juki.set_clock(Clock::Fixed(today()));
    let session = juki
        .sign_in(OPERATOR, PASSWORD, TERMINAL)
        .expect("signing in");
    (juki, session)
}

/// Where cargo builds: `$CARGO_TARGET_DIR` or `target/` beside the manifest.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
    }
}

/// `target/bench-data/<residents>`: where the files of one dataset size are kept.
pub fn data_dir(residents: usize) -> PathBuf {
    target_dir().join("bench-data").join(residents.to_string())
}

/// The dataset of [`resident_count`] residents, built first if it is not complete.
pub fn dataset() -> Dataset {
    let residents = resident_count();
    let dir = data_dir(residents);
    let marker = dir.join("complete");
    let mut set = Dataset {
        residents,
        juki: dir.join("juki.redb"),
        sqlite: dir.join("sqlite.db"),
        dir,
        report: String::new(),
    };
    // The keys a dataset's files hold depend on the format and on how names are keyed.
    let format = format!(
        "format_version={FORMAT_VERSION} name_keys={NAME_KEY_VERSION} \
         sqlite_schema={SQLITE_SCHEMA_VERSION}\n"
    );
    let complete = std::fs::read_to_string(&marker).is_ok_and(|m| m.starts_with(&format));
    if !complete {
        for name in [
            "complete",
            "juki.redb",
            "run.redb",
            "sqlite.db",
            "sqlite.db-wal",
            "sqlite.db-shm",
        ] {
            match std::fs::remove_file(set.dir.join(name)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => panic!("removing an incomplete dataset: {name}: {e}"),
            }
        }
        std::fs::create_dir_all(&set.dir).expect("creating the dataset directory");
        eprintln!(
            "building the {residents}-resident dataset in {}",
            set.dir.display()
        );
        let mut report = format.clone();
        report.push_str(&build_juki(&set));
        report.push_str(&build_sqlite(&set));
        for (name, path) in [("juki", &set.juki), ("sqlite", &set.sqlite)] {
            let size = std::fs::metadata(path).expect("dataset file").len();
            report.push_str(&format!("{name}_file_bytes={size}\n"));
        }
        std::fs::write(&marker, &report).expect("writing the marker");
    }
    set.report = std::fs::read_to_string(&marker).expect("reading the marker");
    set
}

fn secs(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64())
}

/// Generates the register and records it in juki. Returns the report lines.
fn build_juki(set: &Dataset) -> String {
    let mut opts = GenOptions::new(set.residents, SEED, today());
    // SQLite indexes the 氏名 alone: no 通称, so both engines answer the same.
    opts.other_names = false;
    opts.history = true;
    let juki = Juki::builder(&set.juki)
        .create_with_admin(OPERATOR, PASSWORD)
        .expect("creating the juki file");
    juki.set_clock(Clock::Fixed(today()));
    let db = juki
        .sign_in(OPERATOR, PASSWORD, TERMINAL)
        .expect("signing in");

    let mut generate = Duration::ZERO;
    let mut record = Duration::ZERO;
    let mut moves_in = 0usize;
    let mut changes = 0usize;
    let started = Instant::now();
    let mut load = |it: &mut dyn Iterator<Item = Change>, count: &mut usize| loop {
        let t = Instant::now();
        let batch: Vec<Change> = it.take(BATCH).collect();
        generate += t.elapsed();
        if batch.is_empty() {
            break;
        }
        let t = Instant::now();
        if let Err(e) = db.record_batch(&batch) {
            panic!(
                "juki refused {:?}: {e}",
                batch[e.batch_index().unwrap_or(0)]
            );
        }
        record += t.elapsed();
        *count += batch.len();
    };
    load(
        &mut generator::residents(&opts).map(|r| r.to_move_in()),
        &mut moves_in,
    );
    load(
        &mut generator::history(&opts).map(|c| c.to_change()),
        &mut changes,
    );
    let total = started.elapsed();
    let counts = db.counts().expect("counts");
    eprintln!(
        "juki: {moves_in} 転入 + {changes} changes, {} versions; record_batch {} s \
         (generator {} s)",
        counts.versions,
        secs(record),
        secs(generate)
    );
    drop(db);
    drop(juki);
    format!(
        "seed={SEED}\ntoday={}\nmoves_in={moves_in}\nchanges={changes}\n\
         juki_residents={}\njuki_active={}\njuki_versions={}\n\
         juki_record_batch_s={}\njuki_generate_s={}\njuki_total_s={}\n",
        today(),
        counts.residents,
        counts.active,
        counts.versions,
        secs(record),
        secs(generate),
        secs(total)
    )
}

/// The SQLite schema, laid out along juki's access paths (BENCHMARKS.md, "SQLite as an
/// expert would run it"):
///
/// * `residents`: the current record of every resident (active or removed) under its
///   current code, as juki's `residents`, with `prefix_max` (the latest 異動日 of any
///   version), which lets an as-of read answer from the current record as juki does;
/// * `versions`: every version keyed `(id, version)` (`WITHOUT ROWID`), as juki's
///   `versions`, with juki's normalised search keys and one flag per 4情報 index saying
///   whether this version has an entry in it (see [`entry_flags`]);
/// * `my_numbers` and `codes`: the identity indexes (current and former) → internal id;
/// * `households`: `(household, id, version)`, the version at which a resident entered a
///   household, as juki's `households`; `heads`: household → its 世帯主 in the latest
///   versions, as juki's `heads`.
pub const SCHEMA: &str = "
CREATE TABLE residents (
    code INTEGER PRIMARY KEY,
    id INTEGER NOT NULL,
    my_number INTEGER NOT NULL,
    name TEXT NOT NULL,
    kana TEXT NOT NULL,
    sex INTEGER NOT NULL,
    birth INTEGER NOT NULL,
    address TEXT NOT NULL,
    postal INTEGER NOT NULL,
    household INTEGER NOT NULL,
    relationship TEXT NOT NULL,
    status INTEGER NOT NULL,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    reason INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,
    reported INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    resident_since INTEGER NOT NULL,
    address_since INTEGER NOT NULL,
    previous_address TEXT,
    destination TEXT,
    removed_on INTEGER,
    changed INTEGER NOT NULL,
    operator TEXT,
    terminal TEXT,
    prefix_max INTEGER NOT NULL
);
CREATE TABLE versions (
    id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,
    code INTEGER NOT NULL,
    my_number INTEGER NOT NULL,
    name TEXT NOT NULL,
    kana TEXT NOT NULL,
    sex INTEGER NOT NULL,
    birth INTEGER NOT NULL,
    address TEXT NOT NULL,
    postal INTEGER NOT NULL,
    household INTEGER NOT NULL,
    relationship TEXT NOT NULL,
    status INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    reason INTEGER NOT NULL,
    reported INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    resident_since INTEGER NOT NULL,
    address_since INTEGER NOT NULL,
    previous_address TEXT,
    destination TEXT,
    removed_on INTEGER,
    changed INTEGER NOT NULL,
    operator TEXT,
    terminal TEXT,
    name_key TEXT NOT NULL,
    kana_key TEXT NOT NULL,
    address_key TEXT NOT NULL,
    e_bn INTEGER NOT NULL,
    e_bk INTEGER NOT NULL,
    e_na INTEGER NOT NULL,
    e_ka INTEGER NOT NULL,
    e_ba INTEGER NOT NULL,
    PRIMARY KEY (id, version)
) WITHOUT ROWID;
CREATE TABLE my_numbers (
    number INTEGER PRIMARY KEY,
    id INTEGER NOT NULL,
    current INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE codes (
    code INTEGER PRIMARY KEY,
    id INTEGER NOT NULL,
    current INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE households (
    household INTEGER NOT NULL,
    id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (household, id, version)
) WITHOUT ROWID;
CREATE TABLE heads (
    household INTEGER PRIMARY KEY,
    id INTEGER NOT NULL,
    name TEXT NOT NULL
);
";

/// Bumped whenever [`SCHEMA`] or [`INDEXES`] change: a cached dataset built by another
/// schema is built again.
pub const SQLITE_SCHEMA_VERSION: u32 = 2;

/// Created after the load: juki's five 4情報 indexes, each a partial index holding exactly
/// the entries juki's `search` table holds (a version has an entry in an index when it is
/// a first version or that index's key differs from the version before it:
/// `store::engine::keys::new_search_keys`). No `ANALYZE`: each lookup has one usable
/// index (the partial index's flag is in its query), and the plans are checked
/// ([`keys::check_plans`]).
pub const INDEXES: &str = "
CREATE INDEX versions_birth_name ON versions(birth, name_key) WHERE e_bn = 1;
CREATE INDEX versions_birth_kana ON versions(birth, kana_key) WHERE e_bk = 1;
CREATE INDEX versions_name_address ON versions(name_key, address_key) WHERE e_na = 1;
CREATE INDEX versions_kana_address ON versions(kana_key, address_key) WHERE e_ka = 1;
CREATE INDEX versions_birth_address ON versions(birth, address_key) WHERE e_ba = 1;
";

/// The 4情報 keys of a version: birth date (`YYYYMMDD`), name, reading and address keys.
pub type SearchKeys<'a> = (u32, &'a str, &'a str, &'a str);

/// Which of the five 4情報 indexes (birth+name, birth+reading, name+address,
/// reading+address, birth+address, in [`INDEXES`] order) hold an entry for a version with
/// keys `now`, whose previous version had `before` (`None` for a first version): the rule
/// of juki's `new_search_keys`, a key both versions have stays where the earlier one put it.
pub fn entry_flags(before: Option<SearchKeys<'_>>, now: SearchKeys<'_>) -> [bool; 5] {
    let Some((b, n, k, a)) = before else {
        return [true; 5];
    };
    let (b2, n2, k2, a2) = now;
    [
        (b, n) != (b2, n2),
        (b, k) != (b2, k2),
        (n, a) != (n2, a2),
        (k, a) != (k2, a2),
        (b, a) != (b2, a2),
    ]
}

/// The columns of the entry flags, in [`entry_flags`] order.
pub const ENTRY_COLUMNS: &str = "e_bn, e_bk, e_na, e_ka, e_ba";

/// The record columns, in [`SqlResident`] order (`id` and `code` included).
pub const COLUMNS: &str = "code, id, my_number, name, kana, sex, birth, address, postal, \
     household, relationship, status, version, seq, reason, valid_from, reported, \
     recorded_at, resident_since, address_since, previous_address, destination, \
     removed_on, changed, operator, terminal";

/// [`COLUMNS`] qualified with the alias `r`, for joins.
pub fn columns_of(alias: &str) -> String {
    COLUMNS
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A row of `residents` or `versions`, every column mapped, with the name of the
/// household's 世帯主 as juki's reads name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlResident {
    pub code: u64,
    pub id: u64,
    pub my_number: u64,
    pub name: String,
    pub kana: String,
    pub sex: u8,
    pub birth: u32,
    pub address: String,
    pub postal: u32,
    pub household: u64,
    pub relationship: String,
    pub status: u8,
    pub version: u32,
    pub seq: u64,
    pub reason: u8,
    pub valid_from: u32,
    pub reported: u32,
    pub recorded_at: i64,
    pub resident_since: u32,
    pub address_since: u32,
    pub previous_address: Option<String>,
    pub destination: Option<String>,
    pub removed_on: Option<u32>,
    pub changed: u32,
    pub operator: Option<String>,
    pub terminal: Option<String>,
    /// Column 27 of a lookup's row (`None` when the query leaves it `NULL`).
    pub head_name: Option<String>,
}

impl SqlResident {
    /// Maps a row whose first columns are [`COLUMNS`] and, when there is a 27th column, the
    /// 世帯主's name.
    pub fn from_row(row: &Row<'_>) -> rusqlite::Result<SqlResident> {
        let head_name = if row.as_ref().column_count() > 26 {
            row.get(26)?
        } else {
            None
        };
        Ok(SqlResident {
            code: row.get::<_, i64>(0)? as u64,
            id: row.get::<_, i64>(1)? as u64,
            my_number: row.get::<_, i64>(2)? as u64,
            name: row.get(3)?,
            kana: row.get(4)?,
            sex: row.get(5)?,
            birth: row.get(6)?,
            address: row.get(7)?,
            postal: row.get(8)?,
            household: row.get::<_, i64>(9)? as u64,
            relationship: row.get(10)?,
            status: row.get(11)?,
            version: row.get(12)?,
            seq: row.get::<_, i64>(13)? as u64,
            reason: row.get(14)?,
            valid_from: row.get(15)?,
            reported: row.get(16)?,
            recorded_at: row.get(17)?,
            resident_since: row.get(18)?,
            address_since: row.get(19)?,
            previous_address: row.get(20)?,
            destination: row.get(21)?,
            removed_on: row.get(22)?,
            changed: row.get(23)?,
            operator: row.get(24)?,
            terminal: row.get(25)?,
            head_name,
        })
    }
}

/// The My Number of every resident code, from the generator: a session withholds My
/// Numbers from the change feed, and the generator never changes one.
fn my_numbers(opts: &GenOptions) -> HashMap<u64, u64> {
    let mut numbers: HashMap<u64, u64> = generator::residents(opts)
        .map(|r| (r.code.get(), r.my_number.get()))
        .collect();
    for c in generator::history(opts) {
        if let Some(n) = c.fields.my_number {
            assert_eq!(
                c.reason,
                Reason::Birth,
                "the generator changes no My Number"
            );
            numbers.insert(c.code.get(), n.get());
        }
    }
    numbers
}

/// The `changed` bit set of a version, as juki numbers its fields.
/// The values of the 26 record columns ([`COLUMNS`]) of one version, in order.
fn record_values(row: &Resident, id: u64, my_number: u64) -> Vec<Value> {
    let int = |n: i64| Value::Integer(n);
    let text = |s: &str| Value::Text(s.to_string());
    let opt = |s: Option<&str>| s.map_or(Value::Null, text);
    vec![
        int(row.code.get() as i64),
        int(id as i64),
        int(my_number as i64),
        text(row.name.as_str()),
        text(row.kana.as_str()),
        int(row.sex.code().into()),
        int(row.birth.code().into()),
        text(row.address.written()),
        int(row.postal.get().into()),
        int(row.household.get() as i64),
        text(row.relationship.as_str()),
        int(row.status.code().into()),
        int(row.version.into()),
        int(row.seq as i64),
        int(row.reason.code().into()),
        int(row.valid_from.to_yyyymmdd().into()),
        int(row.reported.map_or(0, |d| d.to_yyyymmdd()).into()),
        int(row.recorded_at),
        int(row.resident_since.code().into()),
        int(row.address_since.code().into()),
        opt(row.previous_address.as_deref()),
        opt(row.destination.as_deref()),
        row.removed_on.map_or(Value::Null, |d| int(d.code().into())),
        int(changed_bits(row).into()),
        opt(row.operator.as_deref()),
        opt(row.terminal.as_deref()),
    ]
}

fn changed_bits(r: &Resident) -> u32 {
    Field::ALL
        .iter()
        .filter(|f| r.changed.contains(**f))
        .fold(0, |bits, f| bits | 1 << (*f as u8))
}

/// What the SQLite load keeps per resident: the latest version, its search keys and every
/// My Number.
struct Person {
    latest: Resident,
    keys: (u32, String, String, String),
    numbers: Vec<u64>,
}

/// The search keys of a version as the SQLite side stores them.
fn keys_of(r: &Resident) -> (u32, String, String, String) {
    (
        r.birth.code(),
        r.name.key().as_str().to_string(),
        r.kana.key().as_str().to_string(),
        address_key(r.address.written()),
    )
}

fn as_keys(k: &(u32, String, String, String)) -> SearchKeys<'_> {
    (k.0, &k.1, &k.2, &k.3)
}

/// The pragmas of a bulk load into a new SQLite file: no journal (a failed load leaves a
/// file to delete, not one to recover), no syncs until the one at the end
/// ([`finish_sqlite_load`]), a 1 GiB cache, temporary sort space in memory (the index
/// builds), and the file held exclusively.
pub const SQLITE_LOAD_PRAGMAS: &str = "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; \
     PRAGMA cache_size=-1048576; PRAGMA temp_store=MEMORY; PRAGMA locking_mode=EXCLUSIVE;";

/// Ends a bulk load: switches the file to WAL for the work after it (a header write),
/// closes the connection and makes the file durable with one `fsync` of the file and one
/// of its directory.
pub fn finish_sqlite_load(conn: Connection, path: &Path) {
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .expect("journal_mode");
    assert_eq!(mode, "wal");
    conn.close()
        .map_err(|(_, e)| e)
        .expect("closing the SQLite file");
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .expect("syncing the SQLite file");
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|f| f.sync_all())
            .expect("syncing the SQLite file's directory");
    }
}

/// Reads every version back from juki's change feed and loads SQLite with it. Returns the
/// report lines.
fn build_sqlite(set: &Dataset) -> String {
    let (juki, session) = sign_in(&set.juki);
    let mut opts = GenOptions::new(set.residents, SEED, today());
    // SQLite indexes the 氏名 alone: no 通称, so both engines answer the same.
    opts.other_names = false;
    opts.history = true;
    let numbers = my_numbers(&opts);
    let my_number = |r: &Resident| numbers[&r.code.get()];
    let mut conn = Connection::open(&set.sqlite).expect("creating the SQLite file");
    conn.execute_batch(SQLITE_LOAD_PRAGMAS)
        .expect("load pragmas");
    conn.execute_batch(SCHEMA).expect("schema");

    let started = Instant::now();
    let mut read_feed = Duration::ZERO;
    let mut ids: HashMap<u64, u64> = HashMap::new();
    let mut people: Vec<Person> = Vec::new();
    let mut versions = 0u64;
    let tx = conn.transaction().expect("begin");
    {
        let mut insert = tx
            .prepare(&format!(
                "INSERT INTO versions ({COLUMNS}, name_key, kana_key, address_key, \
                 {ENTRY_COLUMNS}) VALUES ({})",
                placeholders(34)
            ))
            .expect("prepare versions");
        let mut household = tx
            .prepare("INSERT INTO households (household, id, version) VALUES (?1, ?2, ?3)")
            .expect("prepare households");
        let mut since = 0u64;
        loop {
            let t = Instant::now();
            let page = session
                .changes_since(since, FEED_PAGE)
                .expect("change feed");
            read_feed += t.elapsed();
            let Some(last) = page.last() else { break };
            since = last.seq;
            for r in page {
                assert_ne!(
                    r.reason,
                    Reason::CodeChange,
                    "the dataset maps resident codes to ids and has no code changes"
                );
                let code = r.code.get();
                let next = ids.len() as u64 + 1;
                let id = *ids.entry(code).or_insert(next);
                let keys = keys_of(&r);
                let before = people.get(id as usize - 1);
                let flags = entry_flags(before.map(|p| as_keys(&p.keys)), as_keys(&keys));
                if before.is_none_or(|p| p.latest.household != r.household) {
                    household
                        .execute(params![r.household.get() as i64, id as i64, r.version])
                        .expect("insert household");
                }
                insert
                    .execute(params_from_iter(
                        record_values(&r, id, my_number(&r))
                            .into_iter()
                            .chain([
                                Value::from(keys.1.clone()),
                                Value::from(keys.2.clone()),
                                Value::from(keys.3.clone()),
                            ])
                            .chain(flags.map(|f| Value::Integer(f.into()))),
                    ))
                    .expect("insert version");
                versions += 1;
                let number = my_number(&r);
                if id as usize > people.len() {
                    people.push(Person {
                        latest: r,
                        keys,
                        numbers: vec![number],
                    });
                } else {
                    let p = &mut people[id as usize - 1];
                    if !p.numbers.contains(&number) {
                        p.numbers.push(number);
                    }
                    p.latest = r;
                    p.keys = keys;
                }
            }
        }
        insert_current(&tx, &people, &my_number);
    }
    tx.commit().expect("commit");
    drop(session);
    drop(juki);
    let loaded = started.elapsed();
    let t = Instant::now();
    conn.execute_batch(INDEXES).expect("indexes");
    let indexed = t.elapsed();
    let t = Instant::now();
    finish_sqlite_load(conn, &set.sqlite);
    let synced = t.elapsed();
    let total = started.elapsed();
    eprintln!(
        "sqlite: {versions} versions, {} residents; load {} s (of which reading juki's feed \
         {} s), indexes {} s, sync {} s",
        people.len(),
        secs(loaded),
        secs(read_feed),
        secs(indexed),
        secs(synced)
    );
    format!(
        "sqlite_versions={versions}\nsqlite_residents={}\nsqlite_load_s={}\n\
         sqlite_read_juki_feed_s={}\nsqlite_indexes_s={}\nsqlite_sync_s={}\n\
         sqlite_total_s={}\n",
        people.len(),
        secs(loaded),
        secs(read_feed),
        secs(indexed),
        secs(synced),
        secs(total)
    )
}

/// The statements that write a current record (with its `prefix_max`) and its code's
/// entry, shared by both SQLite loads.
pub fn current_statements<'t>(
    tx: &'t rusqlite::Transaction<'_>,
) -> (rusqlite::Statement<'t>, rusqlite::Statement<'t>) {
    let insert = tx
        .prepare(&format!(
            "INSERT INTO residents ({COLUMNS}, prefix_max) VALUES ({})",
            placeholders(27)
        ))
        .expect("prepare residents");
    let code = tx
        .prepare("INSERT INTO codes (code, id, current) VALUES (?1, ?2, 1)")
        .expect("prepare codes");
    (insert, code)
}

/// Writes the `heads` entries (household, internal id, name of its 世帯主), in key order.
pub fn insert_heads(tx: &rusqlite::Transaction<'_>, mut heads: Vec<(u64, u64, &str)>) {
    heads.sort_unstable();
    let mut head = tx
        .prepare("INSERT INTO heads (household, id, name) VALUES (?1, ?2, ?3)")
        .expect("prepare heads");
    for (h, id, name) in heads {
        head.execute(params![h as i64, id as i64, name])
            .expect("insert head");
    }
}

/// The current records, identity indexes and 世帯主 of the loaded people: in key order.
fn insert_current(
    tx: &rusqlite::Transaction<'_>,
    people: &[Person],
    my_number: &dyn Fn(&Resident) -> u64,
) {
    let mut current: Vec<(u64, &Resident)> = people
        .iter()
        .enumerate()
        .map(|(i, p)| (i as u64 + 1, &p.latest))
        .collect();
    current.sort_by_key(|(_, r)| r.code.get());
    let (mut insert, mut code) = current_statements(tx);
    for (id, row) in &current {
        // No backdated change in the dataset: the latest 異動日 is the latest version's.
        let prefix_max = Value::Integer(row.valid_from.to_yyyymmdd().into());
        insert
            .execute(params_from_iter(
                record_values(row, *id, my_number(row))
                    .into_iter()
                    .chain([prefix_max]),
            ))
            .expect("insert resident");
        code.execute(params![row.code.get() as i64, *id as i64])
            .expect("insert code");
    }
    let heads: Vec<(u64, u64, &str)> = current
        .iter()
        .filter(|(_, r)| r.is_active() && r.relationship.is_head())
        .map(|(id, r)| (r.household.get(), *id, r.name.as_str()))
        .collect();
    insert_heads(tx, heads);
    let mut numbers: Vec<(u64, u64, bool)> = people
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            let now = my_number(&p.latest);
            p.numbers.iter().map(move |n| (*n, i as u64 + 1, *n == now))
        })
        .collect();
    numbers.sort_unstable();
    let mut number = tx
        .prepare("INSERT INTO my_numbers (number, id, current) VALUES (?1, ?2, ?3)")
        .expect("prepare my_numbers");
    for (n, id, current) in numbers {
        number
            .execute(params![n as i64, id as i64, current])
            .expect("insert my number");
    }
}

/// `?1, ?2, … ?n`.
pub fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// splitmix64: a small, fixed pseudo-random sequence for drawing samples and probes.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next number of the sequence.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (which is not 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// p50 and p99 of latencies in nanoseconds, in microseconds.
pub fn percentiles(mut ns: Vec<u64>) -> (f64, f64) {
    ns.sort_unstable();
    let at = |p: usize| ns[(ns.len() * p / 100).min(ns.len() - 1)] as f64 / 1000.0;
    (at(50), at(99))
}

/// Runs `f` on every probe once untimed (warming the caches and letting `check` see each
/// answer), then once more timing each call on its own; p50 and p99 in microseconds.
pub fn time_probes<P, A>(
    probes: &[P],
    mut f: impl FnMut(&P) -> A,
    mut check: impl FnMut(&P, A),
) -> (f64, f64) {
    for p in probes {
        let a = f(p);
        check(p, a);
    }
    let block = time_block(probes, f);
    (block.p50, block.p99)
}

/// One timed pass over a set of probes.
#[derive(Debug, Clone, Copy)]
pub struct Block {
    /// Median latency of one call, µs.
    pub p50: f64,
    /// 99th percentile, µs.
    pub p99: f64,
    /// CPU time of the whole process (every thread, juki's log thread included) over the
    /// pass, divided by the probes, µs.
    pub cpu: f64,
}

/// Times each call of `f` on its own over `probes` (no warm-up: see [`time_probes`]), and
/// the process's CPU time over the whole pass.
pub fn time_block<P, A>(probes: &[P], mut f: impl FnMut(&P) -> A) -> Block {
    let mut ns = Vec::with_capacity(probes.len());
    let cpu_before = process_cpu_ns();
    for p in probes {
        let t = Instant::now();
        let a = f(p);
        ns.push(t.elapsed().as_nanos() as u64);
        std::hint::black_box(a);
    }
    let cpu = process_cpu_ns().saturating_sub(cpu_before);
    let (p50, p99) = percentiles(ns);
    Block {
        p50,
        p99,
        cpu: cpu as f64 / 1000.0 / probes.len().max(1) as f64,
    }
}

/// CPU time of this process so far (every thread, ended ones included), in nanoseconds:
/// `CLOCK_PROCESS_CPUTIME_ID`. 0 off Unix.
pub fn process_cpu_ns() -> u64 {
    #[cfg(unix)]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
        t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
    }
    #[cfg(not(unix))]
    {
        0
    }
}

/// [`process_cpu_ns`] in seconds.
pub fn process_cpu_s() -> f64 {
    process_cpu_ns() as f64 / 1e9
}

/// The address of the `i`-th 転居 a bench records: a room of `building`, a name the
/// generator never uses, so the address is new to every resident.
pub fn new_address(building: &str, i: usize) -> String {
    format!(
        "兵庫県芦屋市打出町{}番{}号 {building}{}号",
        1 + i / 40 % 20,
        1 + i % 40,
        100 + i
    )
}

/// The machine's load averages (1, 5 and 15 minutes), as `/proc/loadavg` gives them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// How many times each measurement is repeated, juki and SQLite alternating:
/// `JUKI_BENCH_REPEATS`, default 5.
pub fn repeats() -> usize {
    std::env::var("JUKI_BENCH_REPEATS")
        .ok()
        .map(|v| {
            v.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .expect("JUKI_BENCH_REPEATS must be a positive number")
        })
        .unwrap_or(5)
}

/// Whether juki's block runs first in repeat `rep` (from 0): juki, SQLite, then SQLite,
/// juki, and so on, so that neither side always follows the other.
pub fn juki_first(rep: usize) -> bool {
    rep.is_multiple_of(2)
}

/// The median and range of repeated measurements.
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// Of `values` (not empty); the median of an even count is the mean of the middle two.
    pub fn of(values: &[f64]) -> Spread {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Spread {
            median,
            min: v[0],
            max: v[n - 1],
        }
    }

    /// `median (min–max)` with `digits` decimals and a unit.
    pub fn show(&self, digits: usize, unit: &str) -> String {
        format!(
            "{:.digits$} {unit} ({:.digits$}–{:.digits$})",
            self.median, self.min, self.max
        )
    }
}

/// juki's shared read snapshot lives this long at most (`store::engine::snapshot::MAX_AGE`):
/// SQLite's lookups keep one read transaction for as long.
pub const SNAPSHOT_AGE: Duration = Duration::from_millis(200);

/// One SQLite read transaction shared by lookups and renewed when it is [`SNAPSHOT_AGE`]
/// old, as juki shares one redb read snapshot: a lookup calls [`ReadSnapshot::fresh`]
/// first. Committed (ended) when dropped.
pub struct ReadSnapshot<'c> {
    conn: &'c Connection,
    taken: Option<Instant>,
}

impl<'c> ReadSnapshot<'c> {
    pub fn new(conn: &'c Connection) -> ReadSnapshot<'c> {
        ReadSnapshot { conn, taken: None }
    }

    /// Begins a read transaction, or a new one when the open one is too old.
    pub fn fresh(&mut self) {
        match self.taken {
            Some(t) if t.elapsed() < SNAPSHOT_AGE => return,
            Some(_) => self.conn.execute_batch("COMMIT; BEGIN"),
            None => self.conn.execute_batch("BEGIN"),
        }
        .expect("a read transaction");
        self.taken = Some(Instant::now());
    }
}

impl Drop for ReadSnapshot<'_> {
    fn drop(&mut self) {
        if self.taken.is_some() {
            let _ = self.conn.execute_batch("COMMIT");
        }
    }
}

/// juki's and SQLite's blocks of [`time_block`] over the same probes, alternating
/// ([`juki_first`]) `repeats` times, after one untimed pass of each (warming both caches).
pub fn alternate<P, A, B>(
    probes: &[P],
    repeats: usize,
    mut juki: impl FnMut(&P) -> A,
    mut sqlite: impl FnMut(&P) -> B,
) -> (Vec<Block>, Vec<Block>) {
    for p in probes {
        std::hint::black_box(juki(p));
        std::hint::black_box(sqlite(p));
    }
    let (mut j, mut s) = (Vec::with_capacity(repeats), Vec::with_capacity(repeats));
    for rep in 0..repeats {
        if juki_first(rep) {
            j.push(time_block(probes, &mut juki));
            s.push(time_block(probes, &mut sqlite));
        } else {
            s.push(time_block(probes, &mut sqlite));
            j.push(time_block(probes, &mut juki));
        }
    }
    (j, s)
}

/// The cells of one lookup measured by [`alternate`]: p50, p99 and CPU per lookup of each
/// side as `median (min–max)` over the repeats, and juki ÷ SQLite of the p50s (median and
/// range of the per-repeat ratios).
pub struct LookupRow {
    pub p50: [Spread; 2],
    pub p99: [Spread; 2],
    pub cpu: [Spread; 2],
    pub ratio: Spread,
}

impl LookupRow {
    pub fn of(juki: &[Block], sqlite: &[Block]) -> LookupRow {
        let side =
            |b: &[Block], f: fn(&Block) -> f64| Spread::of(&b.iter().map(f).collect::<Vec<_>>());
        let ratios: Vec<f64> = juki
            .iter()
            .zip(sqlite)
            .map(|(j, s)| j.p50 / s.p50)
            .collect();
        LookupRow {
            p50: [side(juki, |b| b.p50), side(sqlite, |b| b.p50)],
            p99: [side(juki, |b| b.p99), side(sqlite, |b| b.p99)],
            cpu: [side(juki, |b| b.cpu), side(sqlite, |b| b.cpu)],
            ratio: Spread::of(&ratios),
        }
    }
}
