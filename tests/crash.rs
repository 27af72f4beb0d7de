//! Crash safety: no acknowledged 異動 is ever lost, none is half applied.
//!
//! * The real `juki` binary records a long run of 異動 (MOVE IN and MOVE statements on
//!   standard input, one JSON line printed per commit) and is killed with SIGKILL at a random
//!   moment; the file is reopened and must hold every acknowledged change, at most one more
//!   (the change committed but not yet printed), and pass CHECK. Every version the run wrote
//!   is compared field by field with what its statement said (a model replays the
//!   statements: 異動事由, 異動日, the version number, 氏名, 振り仮名, 性別, 生年月日, 住所,
//!   前住所, 住所を定めた日, 郵便番号, 世帯, 続柄, and the My Number through its index).
//!   Rounds continue on the same file. 20 rounds by default; `JUKI_CRASH_ROUNDS=200` for a long run, `JUKI_CRASH_SEED` to
//!   vary or replay the kill moments.
//!
//! The same promise under injected I/O faults (a write or a sync failing after N operations)
//! is tested with the fault-injecting backend, in `src/store/testing/backend.rs`.

use juki::generator::{self, GenOptions, GenResident};
use juki::testing::Database;
use juki::{Change, Juki, Reason, Resident, Session, Status};
use juki::{Date, HouseholdId, Kana, MyNumber, Name, PostalCode, Relationship, ResidentCode, Sex};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The generator's reference date: every 転入 is dated on or before it.
const GEN_TODAY: &str = "2024-03-31";
/// The first MOVE date; later moves are dated a day later every 100 statements.
const FIRST_MOVE: &str = "2024-04-01";

/// SplitMix64: a seeded source of kill moments.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn quote(s: &str) -> String {
    assert!(!s.contains('\''), "{s}");
    format!("'{s}'")
}

fn move_in_statement(r: &GenResident) -> String {
    format!(
        "MOVE IN {} my_number={} name={} kana={} sex={} birth={} address={} postal={} household={} relationship={} ON {}",
        r.code,
        r.my_number.reveal(),
        quote(r.name.as_str()),
        quote(r.kana.as_str()),
        r.sex.code(),
        r.birth,
        quote(r.address.written()),
        r.postal,
        r.household.get(),
        quote(r.relationship.as_str()),
        r.moved_in,
    )
}

/// The address of the `i`th MOVE: different for every statement, so no MOVE is a no-change.
fn move_address(i: usize) -> String {
    format!("芦屋市精道町{}-{}", i / 100 + 1, i % 100 + 1)
}

fn move_date(i: usize) -> Date {
    date(FIRST_MOVE).add_days((i / 100) as i64)
}

/// The administrator, who signs in to run the statements.
const OPERATOR: &str = "admin1";
const PASSWORD: &str = "crash-test-password";

/// A resident as the model knows them: what every version of theirs must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Person {
    my_number: MyNumber,
    name: Name,
    kana: Kana,
    sex: Sex,
    birth: juki::PartialDate,
    address: String,
    postal: PostalCode,
    household: HouseholdId,
    relationship: Relationship,
    resident_since: Date,
    address_since: Date,
}

impl Person {
    fn of(r: &GenResident) -> Person {
        Person {
            my_number: r.my_number,
            name: r.name.clone(),
            kana: r.kana.clone(),
            sex: r.sex,
            birth: r.birth,
            address: r.address.written().to_string(),
            postal: r.postal,
            household: r.household,
            relationship: r.relationship.clone(),
            resident_since: r.moved_in,
            address_since: r.moved_in,
        }
    }
}

/// What a statement must write: the version of one resident, in full.
#[derive(Debug, Clone)]
struct Expected {
    reason: Reason,
    date: Date,
    version: u32,
    person: Person,
    previous_address: Option<String>,
}

/// One statement of the run and the version it writes.
struct Statement {
    text: String,
    code: ResidentCode,
    expected: Expected,
}

/// A database holding the first households of a generated register (recorded through the
/// library), and `count` statements to run against it: MOVE IN for the other residents, in
/// order, interleaved with MOVEs of the recorded ones.
fn setup(dir: &Path, count: usize) -> (PathBuf, u64, Vec<Statement>) {
    let path = dir.join("crash.redb");
    let opts = GenOptions::new(240, 11, date(GEN_TODAY));
    let residents: Vec<GenResident> = generator::residents(&opts).collect();
    // Split at a household boundary.
    let mut split = residents.len() / 2;
    while split < residents.len() && residents[split].household == residents[split - 1].household {
        split += 1;
    }
    let (base, later) = residents.split_at(split);
    let juki = Juki::builder(&path)
        .create_with_admin(OPERATOR, PASSWORD)
        .unwrap();
    let session = juki.sign_in(OPERATOR, PASSWORD, "setup").unwrap();
    let changes: Vec<Change> = base.iter().map(GenResident::to_move_in).collect();
    session.record_batch(&changes).unwrap();
    let base_seq = session.counts().unwrap().last_seq;
    drop(session);
    drop(juki);

    // The MOVEs are of residents who live alone: a household lives at one address.
    let heads: Vec<&GenResident> = base
        .iter()
        .filter(|r| base.iter().filter(|o| o.household == r.household).count() == 1)
        .collect();
    assert!(heads.len() >= 10, "{} residents live alone", heads.len());
    // The model: each resident as they stand, with their latest version number.
    let mut model: BTreeMap<ResidentCode, (Person, u32)> =
        base.iter().map(|r| (r.code, (Person::of(r), 1))).collect();
    let mut later = later.iter();
    let mut statements = Vec::with_capacity(count);
    let mut moves = 0usize;
    while statements.len() < count {
        if statements.len() % 4 == 1 {
            if let Some(r) = later.next() {
                statements.push(move_in(r, &mut model));
                continue;
            }
        }
        statements.push(a_move(heads[moves % heads.len()].code, moves, &mut model));
        moves += 1;
    }
    (path, base_seq, statements)
}

/// The 転入 of `r`, entered in the model.
fn move_in(r: &GenResident, model: &mut BTreeMap<ResidentCode, (Person, u32)>) -> Statement {
    let person = Person::of(r);
    model.insert(r.code, (person.clone(), 1));
    Statement {
        text: move_in_statement(r),
        code: r.code,
        expected: Expected {
            reason: Reason::MoveIn,
            date: r.moved_in,
            version: 1,
            person,
            previous_address: None,
        },
    }
}

/// The `i`th 転居 (of `code`), entered in the model.
fn a_move(
    code: ResidentCode,
    i: usize,
    model: &mut BTreeMap<ResidentCode, (Person, u32)>,
) -> Statement {
    let (person, version) = model.get_mut(&code).unwrap();
    let previous = std::mem::replace(&mut person.address, move_address(i));
    person.address_since = move_date(i);
    *version += 1;
    Statement {
        text: format!(
            "MOVE {code} address={} ON {}",
            quote(&move_address(i)),
            move_date(i)
        ),
        code,
        expected: Expected {
            reason: Reason::Move,
            date: move_date(i),
            version: *version,
            person: person.clone(),
            previous_address: Some(previous),
        },
    }
}

/// Where a stored version differs from what its statement said, field by field.
fn differences(v: &Resident, e: &Expected) -> Vec<String> {
    fn d(x: impl std::fmt::Debug) -> String {
        format!("{x:?}")
    }
    let p = &e.person;
    let fields = [
        ("reason", d(v.reason), d(e.reason)),
        ("date", d(v.valid_from), d(e.date)),
        ("version", d(v.version), d(e.version)),
        ("status", d(v.status), d(Status::Active)),
        ("name", d(&v.name), d(&p.name)),
        ("kana", d(&v.kana), d(&p.kana)),
        ("sex", d(v.sex), d(p.sex)),
        ("birth", d(v.birth), d(p.birth)),
        ("address", d(v.address.written()), d(&p.address)),
        ("postal", d(v.postal), d(p.postal)),
        ("household", d(v.household), d(p.household)),
        ("relationship", d(&v.relationship), d(&p.relationship)),
        (
            "resident_since",
            d(v.resident_since),
            d(juki::PartialDate::from(p.resident_since)),
        ),
        (
            "address_since",
            d(v.address_since),
            d(juki::PartialDate::from(p.address_since)),
        ),
        (
            "previous_address",
            d(&v.previous_address),
            d(&e.previous_address),
        ),
    ];
    fields
        .into_iter()
        .filter(|(_, got, want)| got != want)
        .map(|(what, got, want)| format!("{what}: {got} instead of {want}"))
        .collect()
}

/// Checks that the version `seq` of `statement`'s resident is there and is exactly what the
/// statement said, and that its My Number index finds the resident.
fn check_version(db: &Session, statement: &Statement, seq: u64) {
    let e = &statement.expected;
    let history = db.history(statement.code).unwrap();
    let v = history
        .iter()
        .find(|r| r.version == e.version)
        .unwrap_or_else(|| panic!("{} v{} is lost", statement.code, e.version));
    assert_eq!(v.seq, seq, "{} v{}", statement.code, e.version);
    let wrong = differences(v, e);
    assert!(
        wrong.is_empty(),
        "{} v{} (seq {seq}) is not what `{}` wrote: {}",
        statement.code,
        e.version,
        statement.text,
        wrong.join("; ")
    );
    let found = db
        .get_by_my_number(e.person.my_number)
        .unwrap()
        .unwrap_or_else(|| panic!("{}: its My Number finds no one", statement.code));
    assert_eq!(found.resident.code, statement.code);
}

/// An acknowledged commit, as the binary printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ack {
    code: String,
    version: u64,
    seq: u64,
}

fn parse_ack(line: &str) -> Ack {
    let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    Ack {
        code: v["resident_code"].as_str().unwrap().to_string(),
        version: v["version"].as_u64().unwrap(),
        seq: v["seq"].as_u64().unwrap(),
    }
}

/// Runs the binary on `statements`, kills it with SIGKILL once `kill_after` commits are
/// acknowledged and `delay` has passed, and returns every line it printed (those still in
/// the pipe included: they were acknowledged before the kill).
fn run_and_kill(
    path: &Path,
    statements: &[Statement],
    kill_after: usize,
    delay: Duration,
) -> Vec<Ack> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_juki"))
        .args(["--db", &path.display().to_string(), "--format", "json"])
        .args(["--operator", OPERATOR])
        .env_remove("JUKI_DB")
        .env("JUKI_PASSWORD", PASSWORD)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input: String = statements.iter().map(|s| format!("{}\n", s.text)).collect();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        // The child may be killed before it reads everything: a broken pipe is expected.
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut acks = Vec::new();
    let mut line = String::new();
    while acks.len() < kill_after {
        line.clear();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        acks.push(parse_ack(&line));
    }
    let started = Instant::now();
    while started.elapsed() < delay {
        std::hint::spin_loop();
    }
    let _ = child.kill();
    for line in stdout.lines() {
        acks.push(parse_ack(&line.unwrap()));
    }
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(
        !stderr.contains("error[") && !stderr.contains("panicked"),
        "the run failed before the kill ({status}): {stderr}"
    );
    feeder.join().unwrap();
    acks
}

/// Checks the reopened file against what was acknowledged; returns the number of
/// statements committed so far.
fn verify(path: &Path, base_seq: u64, statements: &[Statement], acked: &[Ack]) -> usize {
    let juki = Juki::builder(path)
        .open()
        .unwrap_or_else(|e| panic!("reopening after a kill: {e}"));
    let db = juki.sign_in(OPERATOR, PASSWORD, "verify").unwrap();
    let counts = db.counts().unwrap();
    assert_eq!(counts.versions, counts.last_seq);
    let acked_seq = base_seq + acked.len() as u64;
    assert!(
        counts.last_seq == acked_seq || counts.last_seq == acked_seq + 1,
        "{} commits acknowledged after seq {base_seq}, but the file ends at seq {}",
        acked.len(),
        counts.last_seq
    );
    for (i, ack) in acked.iter().enumerate() {
        assert_eq!(ack.seq, base_seq + 1 + i as u64, "{ack:?}");
        assert_eq!(ack.code, statements[i].code.to_string(), "{ack:?}");
        assert_eq!(
            ack.version,
            u64::from(statements[i].expected.version),
            "{ack:?}"
        );
        check_version(&db, &statements[i], ack.seq);
    }
    let committed = (counts.last_seq - base_seq) as usize;
    if committed > acked.len() {
        // The one change in flight: committed, killed before it was printed. It too is
        // exactly what its statement said.
        let extra = db.changes_since(acked_seq, 1).unwrap();
        assert_eq!(extra.len(), 1);
        assert_eq!(extra[0].code, statements[acked.len()].code);
        check_version(&db, &statements[acked.len()], acked_seq + 1);
    }
    drop(db);
    drop(juki);
    let report = Database::open(path).unwrap().check().unwrap();
    assert!(report.is_clean(), "CHECK after a kill:\n{report}");
    committed
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_change() {
    let rounds = env_u64("JUKI_CRASH_ROUNDS", 20) as usize;
    let seed = env_u64("JUKI_CRASH_SEED", 0x6a75_6b69);
    const MAX_ACKS: u64 = 40;
    let dir = tempfile::tempdir().unwrap();
    let (path, base_seq, statements) = setup(dir.path(), rounds * MAX_ACKS as usize + 100);
    let mut rng = Rng(seed);
    let mut done = 0usize;
    let mut in_flight = 0usize;
    let started = Instant::now();
    for round in 0..rounds {
        let kill_after = rng.below(MAX_ACKS) as usize;
        let delay = Duration::from_micros(rng.below(1000));
        let rest = &statements[done..(done + MAX_ACKS as usize + 20).min(statements.len())];
        let acks = run_and_kill(&path, rest, kill_after, delay);
        let committed = verify(&path, base_seq + done as u64, rest, &acks);
        in_flight += committed - acks.len();
        eprintln!(
            "round {round}: kill after {kill_after} acks + {delay:?}: {} acknowledged, {committed} committed",
            acks.len()
        );
        done += committed;
    }
    eprintln!(
        "{rounds} rounds, {done} commits, {in_flight} committed but unacknowledged, {:?}",
        started.elapsed()
    );
    assert!(done > 0);
}
