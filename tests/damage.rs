//! A damaged file: flipped bytes, truncation, zeroed pages.
//!
//! Each case damages a copy of a generated database and then opens it, looks up every
//! resident and runs CHECK, all under `catch_unwind`. Opening may fail with CORRUPT; once
//! open, every lookup must give the answer the undamaged file gives or a CORRUPT error; and
//! CHECK must report a problem (or fail with CORRUPT) unless every answer was right. A panic
//! anywhere fails the test. The damage is seeded (`JUKI_DAMAGE_SEED` replays another set).

use juki::generator::{self, GenOptions};
use juki::testing::Database;
use juki::Clock;
use juki::{Date, ResidentCode};
use juki::{Juki, Resident};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

const TODAY: &str = "2026-04-01";
const PAGE: usize = 4096;

/// SplitMix64: seeded damage.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// What the undamaged file answers.
struct Original {
    residents: BTreeMap<ResidentCode, (Resident, Vec<Resident>)>,
    last_seq: u64,
}

const OPERATOR: &str = "admin1";
const PASSWORD: &str = "damage-test-password";

fn build(path: &Path) -> Original {
    let today = Date::parse(TODAY).unwrap();
    let juki = Juki::builder(path)
        .create_with_admin(OPERATOR, PASSWORD)
        .unwrap();
    juki.set_clock(Clock::Fixed(today));
    let db = juki.sign_in(OPERATOR, PASSWORD, "build").unwrap();
    let opts = GenOptions::new(250, 5, today);
    let moves_in: Vec<_> = generator::residents(&opts)
        .map(|r| r.to_move_in())
        .collect();
    let history: Vec<_> = generator::history(&opts).map(|c| c.to_change()).collect();
    db.record_batch(moves_in.iter().chain(&history)).unwrap();
    let mut residents = BTreeMap::new();
    for r in db.changes_since(0, usize::MAX).unwrap() {
        let current = db.get(r.code).unwrap().unwrap();
        let history = db.history(r.code).unwrap();
        residents.insert(r.code, (current, history));
    }
    let original = Original {
        residents,
        last_seq: db.counts().unwrap().last_seq,
    };
    drop(db);
    drop(juki);
    assert!(Database::open(path).unwrap().check().unwrap().is_clean());
    original
}

/// How one damaged file behaved.
#[derive(Debug, Default)]
struct Outcome {
    refused: Option<String>,
    wrong: Vec<String>,
    corrupt_answers: usize,
    problems: usize,
    check_error: Option<String>,
}

fn corrupt_or(e: &juki::Error, what: &str, wrong: &mut Vec<String>) -> bool {
    if e.code() == "CORRUPT" {
        true
    } else {
        wrong.push(format!(
            "{what}: error[{}] {e} (expected CORRUPT)",
            e.code()
        ));
        false
    }
}

fn examine(path: &Path, original: &Original) -> Outcome {
    let mut out = Outcome::default();
    let juki = match Juki::builder(path).open() {
        Ok(juki) => juki,
        Err(e) => {
            corrupt_or(&e, "open", &mut out.wrong);
            out.refused = Some(format!("error[{}] {e}", e.code()));
            return out;
        }
    };
    let db = match juki.sign_in(OPERATOR, PASSWORD, "examine") {
        Ok(db) => db,
        // A damaged operator record may fail the sign-in as a wrong password would.
        Err(e) if e.code() == "AUTH_FAILED" => {
            out.refused = Some(format!("error[{}] {e}", e.code()));
            return out;
        }
        Err(e) => {
            corrupt_or(&e, "sign in", &mut out.wrong);
            out.refused = Some(format!("error[{}] {e}", e.code()));
            return out;
        }
    };
    for (code, (current, history)) in &original.residents {
        match db.get(*code) {
            Ok(Some(r)) if &r == current => {}
            Ok(other) => out.wrong.push(format!(
                "GET {code}: {:?} instead of version {}",
                other.map(|r| (r.code, r.version, r.name)),
                current.version
            )),
            Err(e) => out.corrupt_answers += usize::from(corrupt_or(&e, "GET", &mut out.wrong)),
        }
        match db.history(*code) {
            Ok(h) if &h == history => {}
            Ok(h) => out.wrong.push(format!(
                "HISTORY {code}: {} versions instead of {}",
                h.len(),
                history.len()
            )),
            Err(e) => out.corrupt_answers += usize::from(corrupt_or(&e, "HISTORY", &mut out.wrong)),
        }
    }
    match db.counts() {
        Ok(c) if c.last_seq == original.last_seq => {}
        Ok(c) => out.wrong.push(format!(
            "COUNTS: last_seq {} instead of {}",
            c.last_seq, original.last_seq
        )),
        Err(e) => out.corrupt_answers += usize::from(corrupt_or(&e, "COUNTS", &mut out.wrong)),
    }
    drop(db);
    drop(juki);
    let checked = Database::open(path)
        .map_err(juki::Error::from)
        .and_then(|db| db.check().map_err(juki::Error::from));
    match checked {
        Ok(report) => out.problems = report.problems.len() + report.omitted as usize,
        Err(e) => {
            corrupt_or(&e, "CHECK", &mut out.wrong);
            out.check_error = Some(format!("error[{}] {e}", e.code()));
        }
    }
    if out.problems == 0 && out.check_error.is_none() && out.corrupt_answers > 0 {
        out.wrong.push(format!(
            "CHECK is clean but {} lookups said CORRUPT",
            out.corrupt_answers
        ));
    }
    out
}

#[derive(Debug)]
enum Damage {
    Flip(Vec<(usize, u8)>),
    Truncate(usize),
    ZeroPage(usize),
}

fn apply(bytes: &[u8], damage: &Damage) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match damage {
        Damage::Flip(flips) => {
            for &(at, mask) in flips {
                out[at] ^= mask;
            }
        }
        Damage::Truncate(len) => out.truncate(*len),
        Damage::ZeroPage(at) => {
            let end = (at + PAGE).min(out.len());
            out[*at..end].fill(0);
        }
    }
    out
}

fn cases(len: usize, rng: &mut Rng) -> Vec<Damage> {
    let mut cases = Vec::new();
    for _ in 0..40 {
        let n = 1 + rng.below(3);
        let flips = (0..n)
            .map(|_| (rng.below(len), 1u8 << rng.below(8)))
            .collect();
        cases.push(Damage::Flip(flips));
    }
    // Bytes of the header (the first page holds redb's header and commit slots).
    for _ in 0..8 {
        cases.push(Damage::Flip(vec![(rng.below(PAGE.min(len)), 0xFF)]));
    }
    for len in [0, 1, 100, 511, PAGE, len / 2, len - PAGE, len - 1] {
        cases.push(Damage::Truncate(len));
    }
    let pages = len / PAGE;
    cases.push(Damage::ZeroPage(0));
    cases.push(Damage::ZeroPage(PAGE));
    for _ in 0..14 {
        cases.push(Damage::ZeroPage(rng.below(pages) * PAGE));
    }
    cases
}

#[test]
fn damaged_files_are_refused_or_reported_never_a_panic_or_a_wrong_answer() {
    let seed = std::env::var("JUKI_DAMAGE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x0da3_a6e5u64);
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.redb");
    let original = build(&clean);
    let bytes = std::fs::read(&clean).unwrap();
    let mut rng = Rng(seed);
    let cases = cases(bytes.len(), &mut rng);

    // Quiet the default hook: the panics this test catches are reported below.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    let (mut refused, mut reported, mut intact) = (0, 0, 0);
    for (i, damage) in cases.iter().enumerate() {
        let path = dir.path().join(format!("damaged-{i}.redb"));
        std::fs::write(&path, apply(&bytes, damage)).unwrap();
        match catch_unwind(AssertUnwindSafe(|| examine(&path, &original))) {
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("case {i} {damage:?}: panic: {msg}"));
            }
            Ok(out) => {
                if !out.wrong.is_empty() {
                    failures.push(format!(
                        "case {i} {damage:?}: {} (and {} more)",
                        out.wrong[0],
                        out.wrong.len() - 1
                    ));
                }
                if out.refused.is_some() {
                    refused += 1;
                } else if out.problems > 0 || out.check_error.is_some() {
                    reported += 1;
                } else {
                    intact += 1;
                }
            }
        }
        let _ = std::fs::remove_file(&path);
    }
    std::panic::set_hook(hook);
    eprintln!(
        "{} cases on a file of {} bytes: {refused} refused at open, {reported} reported by CHECK, {intact} read intact",
        cases.len(),
        bytes.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
