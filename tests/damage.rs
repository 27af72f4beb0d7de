//! A damaged file: flipped bytes, truncation, zeroed pages and zeroed blocks.
//!
//! Each case damages a copy of a generated database and then opens it, looks up every
//! resident (GET, HISTORY), asks every index (GET MYNUMBER for every My Number ever given,
//! FIND by written name, by reading and by birth date with address for every version,
//! HOUSEHOLD for every household, STATS by several dimensions, the counts) and runs CHECK,
//! all under `catch_unwind`. Opening may fail with CORRUPT; once
//! open, every lookup must give the answer the undamaged file gives or a CORRUPT error
//! naming the damaged block (after which the database answers only that it must be
//! re-opened); and CHECK must report a problem (or fail with CORRUPT) unless every answer
//! was right. A panic anywhere fails the test. Beyond that, damage in a block in use is
//! never missed (it is refused at open, answered with CORRUPT, or reported by CHECK, which
//! reads every block in use; only free space may hold damage unnoticed, harmlessly), and
//! damage to a file that opened fine is found by the lookups that read it, not only by CHECK. The damage is seeded (`JUKI_DAMAGE_SEED` replays another set).

use juki::generator::{self, GenOptions};
use juki::testing::Database;
use juki::{Clock, Session};
use juki::{Date, HouseholdId, MyNumber, ResidentCode};
use juki::{Household, Juki, MyNumberMatch, Resident, SearchHit, SearchQuery, StatDim, StatsRow};
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

const TODAY: &str = "2026-04-01";
const PAGE: usize = 4096;
/// The juki header before the blocks; redb's own header is the start of block 0.
const HEADER: usize = juki::testing::crypt::HEADER_BYTES as usize;
/// A checksummed block on disk.
const BLOCK: usize = juki::testing::crypt::CHECKSUM_PHYSICAL_BLOCK;
/// The bytes of the juki header that hold something: the fixed part and the length slot.
/// The rest of it is never read.
const HEADER_USED: [std::ops::Range<usize>; 2] = [0..180, 512..524];

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
    /// GET MYNUMBER of every number given (current and former).
    my_numbers: Vec<(MyNumber, Option<MyNumberMatch>)>,
    /// FIND through each index: a label, the query, its hits.
    finds: Vec<(String, SearchQuery, Vec<SearchHit>)>,
    households: Vec<Household>,
    stats: Vec<(Vec<StatDim>, Vec<StatsRow>)>,
    last_seq: u64,
}

/// The STATS asked of every file.
fn stat_dims() -> Vec<Vec<StatDim>> {
    vec![
        vec![],
        vec![StatDim::Sex],
        vec![StatDim::Age],
        vec![StatDim::Town, StatDim::Status],
    ]
}

/// FIND queries for every version of every resident: through the written-name index
/// (氏名 and 生年月日), the reading index (振り仮名 and 生年月日) and the birth and address
/// index (生年月日 and 住所).
fn find_queries(
    residents: &BTreeMap<ResidentCode, (Resident, Vec<Resident>)>,
) -> Vec<(String, SearchQuery)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (_, history) in residents.values() {
        for v in history {
            let name = v.name.to_string();
            let kana = v.kana.to_string();
            let address = v.address.written().to_string();
            let asks = [
                (
                    "name",
                    SearchQuery::new().name(&name).unwrap().birth(v.birth),
                ),
                (
                    "kana",
                    SearchQuery::new().name(&kana).unwrap().birth(v.birth),
                ),
                (
                    "birth+address",
                    SearchQuery::new().birth(v.birth).address(&address),
                ),
            ];
            for (what, q) in asks {
                let label = format!("FIND {what} of {} v{}", v.code, v.version);
                if seen.insert(format!("{q:?}")) {
                    out.push((label, q));
                }
            }
        }
    }
    out
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
    let numbers: BTreeSet<MyNumber> = moves_in
        .iter()
        .chain(&history)
        .filter_map(|c| c.fields.my_number)
        .collect();
    let my_numbers: Vec<_> = numbers
        .into_iter()
        .map(|n| (n, db.get_by_my_number(n).unwrap()))
        .collect();
    assert!(my_numbers.iter().all(|(_, m)| m.is_some()));
    let finds: Vec<_> = find_queries(&residents)
        .into_iter()
        .map(|(label, q)| {
            let hits = db.find(&q).unwrap();
            assert!(!hits.is_empty(), "{label}");
            (label, q, hits)
        })
        .collect();
    let ids: BTreeSet<HouseholdId> = residents
        .values()
        .flat_map(|(_, h)| h.iter().map(|v| v.household))
        .collect();
    let households: Vec<Household> = ids
        .into_iter()
        .map(|id| db.household(id, None).unwrap())
        .collect();
    let stats = stat_dims()
        .into_iter()
        .map(|dims| {
            let rows = db.stats(&dims, None).unwrap();
            (dims, rows)
        })
        .collect();
    let original = Original {
        residents,
        my_numbers,
        finds,
        households,
        stats,
        last_seq: db.counts().unwrap().last_seq,
    };
    drop(db);
    drop(juki);
    assert!(Database::open(path).unwrap().check().unwrap().is_clean());
    eprintln!(
        "each file is asked for {} residents, {} My Numbers, {} FINDs, {} households, {} STATS",
        original.residents.len(),
        original.my_numbers.len(),
        original.finds.len(),
        original.households.len(),
        original.stats.len(),
    );
    original
}

/// How one damaged file behaved.
#[derive(Debug, Default)]
struct Outcome {
    refused: Option<String>,
    wrong: Vec<String>,
    corrupt_answers: usize,
    /// Answers after the first CORRUPT that say the database must be re-opened.
    reopen_answers: usize,
    problems: usize,
    check_error: Option<String>,
}

/// Whether a lookup's error is what damage may give: CORRUPT naming the damaged block (or a
/// table), or, once a read found damage, that the database must be re-opened (it refuses
/// further use after a failed read). Anything else is noted as wrong.
fn corrupt_or(e: &juki::Error, what: &str, out: &mut Outcome) -> bool {
    let text = e.to_string();
    if e.code() == "CORRUPT" {
        if text.contains("table (file)") && !text.contains("block ") {
            out.wrong.push(format!("{what}: {text} (names no block)"));
        }
        out.corrupt_answers += 1;
        true
    } else if out.corrupt_answers > 0 && text.contains("re-open") {
        out.reopen_answers += 1;
        true
    } else {
        out.wrong.push(format!(
            "{what}: error[{}] {e} (expected CORRUPT)",
            e.code()
        ));
        false
    }
}

/// Whether an error at open or sign-in is CORRUPT (the message may come from redb's own
/// checks of its header, when the block holding it does not verify).
fn corrupt_at_open(e: &juki::Error, what: &str, wrong: &mut Vec<String>) {
    if e.code() != "CORRUPT" {
        wrong.push(format!(
            "{what}: error[{}] {e} (expected CORRUPT)",
            e.code()
        ));
    }
}

fn examine(path: &Path, original: &Original) -> Outcome {
    let mut out = Outcome::default();
    let juki = match Juki::builder(path).open() {
        Ok(juki) => juki,
        Err(e) => {
            corrupt_at_open(&e, "open", &mut out.wrong);
            out.refused = Some(format!("error[{}] {e}", e.code()));
            return out;
        }
    };
    juki.set_clock(Clock::Fixed(Date::parse(TODAY).unwrap()));
    let db = match juki.sign_in(OPERATOR, PASSWORD, "examine") {
        Ok(db) => db,
        // A damaged operator record may fail the sign-in as a wrong password would.
        Err(e) if e.code() == "AUTH_FAILED" => {
            out.refused = Some(format!("error[{}] {e}", e.code()));
            return out;
        }
        Err(e) => {
            corrupt_at_open(&e, "sign in", &mut out.wrong);
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
            Err(e) => {
                corrupt_or(&e, "GET", &mut out);
            }
        }
        match db.history(*code) {
            Ok(h) if &h == history => {}
            Ok(h) => out.wrong.push(format!(
                "HISTORY {code}: {} versions instead of {}",
                h.len(),
                history.len()
            )),
            Err(e) => {
                corrupt_or(&e, "HISTORY", &mut out);
            }
        }
    }
    ask_indexes(&db, original, &mut out);
    match db.counts() {
        Ok(c) if c.last_seq == original.last_seq => {}
        Ok(c) => out.wrong.push(format!(
            "COUNTS: last_seq {} instead of {}",
            c.last_seq, original.last_seq
        )),
        Err(e) => {
            corrupt_or(&e, "COUNTS", &mut out);
        }
    }
    drop(db);
    drop(juki);
    let checked = Database::open(path)
        .map_err(juki::Error::from)
        .and_then(|db| db.check().map_err(juki::Error::from));
    match checked {
        Ok(report) => out.problems = report.problems.len() + report.omitted as usize,
        Err(e) => {
            corrupt_at_open(&e, "CHECK", &mut out.wrong);
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

/// Compares one answer with the undamaged file's: right, or an error damage may give.
fn compare<T: PartialEq>(got: juki::Result<T>, want: &T, what: &str, out: &mut Outcome) {
    match got {
        Ok(got) if &got == want => {}
        Ok(_) => out.wrong.push(format!("{what}: a wrong answer")),
        Err(e) => {
            corrupt_or(&e, what, out);
        }
    }
}

/// Asks every index what the undamaged file answered: GET MYNUMBER, FIND by name, by
/// reading and by birth date and address, HOUSEHOLD, STATS.
fn ask_indexes(db: &Session, original: &Original, out: &mut Outcome) {
    for (n, want) in &original.my_numbers {
        compare(db.get_by_my_number(*n), want, "GET MYNUMBER", out);
    }
    for (label, q, want) in &original.finds {
        compare(db.find(q), want, label, out);
    }
    for want in &original.households {
        let what = format!("HOUSEHOLD {}", want.id);
        compare(db.household(want.id, None), want, &what, out);
    }
    for (dims, want) in &original.stats {
        compare(db.stats(dims, None), want, &format!("STATS {dims:?}"), out);
    }
}

#[derive(Debug)]
enum Damage {
    Flip(Vec<(usize, u8)>),
    Truncate(usize),
    /// 4096 zero bytes from an offset.
    ZeroPage(usize),
    /// A whole block on disk (data and checksum) zeroed, as if never written.
    ZeroBlock(usize),
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
        Damage::ZeroBlock(block) => {
            let at = HEADER + block * BLOCK;
            out[at..(at + BLOCK).min(bytes.len())].fill(0);
        }
    }
    out
}

/// Whether the file (`now`, after it was used) still holds damage: a used byte where the
/// damaged copy differed from the clean file and still has the damaged value.
fn still_damaged(clean: &[u8], damaged: &[u8], now: &[u8]) -> bool {
    if damaged.len() < clean.len() {
        return true;
    }
    (0..clean.len()).any(|at| {
        damaged[at] != clean[at]
            && now.get(at) == Some(&damaged[at])
            && (at >= HEADER || HEADER_USED.iter().any(|r| r.contains(&at)))
    })
}

/// Whether `damaged` differs from `clean` in a byte the file uses (not in the unused part
/// of the juki header).
fn changes_used_bytes(clean: &[u8], damaged: &[u8]) -> bool {
    if clean.len() != damaged.len() {
        return true;
    }
    clean
        .iter()
        .zip(damaged)
        .enumerate()
        .any(|(at, (a, b))| a != b && (at >= HEADER || HEADER_USED.iter().any(|r| r.contains(&at))))
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
    // Bytes of the juki header, and of redb's header and commit slots (the start of
    // block 0).
    for _ in 0..4 {
        cases.push(Damage::Flip(vec![(rng.below(180), 0xFF)]));
    }
    for _ in 0..6 {
        cases.push(Damage::Flip(vec![(HEADER + rng.below(320), 0xFF)]));
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
    let blocks = (len - HEADER) / BLOCK;
    cases.push(Damage::ZeroBlock(0));
    for _ in 0..14 {
        cases.push(Damage::ZeroBlock(rng.below(blocks)));
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
    let mut found_by_reads = 0;
    let mut unnoticed = Vec::new();
    for (i, damage) in cases.iter().enumerate() {
        let path = dir.path().join(format!("damaged-{i}.redb"));
        let damaged = apply(&bytes, damage);
        let used = changes_used_bytes(&bytes, &damaged);
        std::fs::write(&path, &damaged).unwrap();
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
                if out.refused.is_none() && out.corrupt_answers > 0 {
                    found_by_reads += 1;
                }
                if out.refused.is_some() {
                    refused += 1;
                } else if out.problems > 0 || out.check_error.is_some() {
                    reported += 1;
                } else {
                    intact += 1;
                    // Damage still in the file that nothing noticed lies in blocks redb does
                    // not use (free space: every answer was right and CHECK, which reads
                    // every block in use, is clean). Damage no longer in the file was a free
                    // page redb wrote over, or redb's header, which redb rewrites from the
                    // good commit slot when its block does not verify.
                    let now = std::fs::read(&path).unwrap_or_default();
                    if used && still_damaged(&bytes, &damaged, &now) {
                        unnoticed.push(format!("{damage:?}"));
                    }
                }
            }
        }
        let _ = std::fs::remove_file(&path);
    }
    std::panic::set_hook(hook);
    eprintln!(
        "{} cases on a file of {} bytes: {refused} refused at open, {reported} reported by CHECK \
         ({found_by_reads} of them answered CORRUPT by lookups first), {intact} read intact",
        cases.len(),
        bytes.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Free space is a small part of the file: most damage lands in blocks in use.
    assert!(
        unnoticed.len() * 5 <= cases.len(),
        "{} cases went unnoticed: {unnoticed:?}",
        unnoticed.len()
    );
    // Not vacuous: damage was detected, at open, by the answers or by CHECK.
    assert!(
        refused + reported >= cases.len() / 2,
        "only {refused} refused and {reported} reported of {} damaged files",
        cases.len()
    );
    assert!(
        found_by_reads >= 10,
        "only {found_by_reads} damaged files that opened were found by the lookups reading them"
    );
}

/// CHECK reads every block in use, those no lookup reads too: a flipped bit in a block of a
/// file that opens is reported naming the block (or refused, CORRUPT), unless the block is
/// free space, which nothing reads.
#[test]
fn check_names_damaged_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.redb");
    build(&clean);
    let bytes = std::fs::read(&clean).unwrap();
    let blocks = (bytes.len() - HEADER) / BLOCK;
    let mut found = 0;
    let tried = [1, 2, 3, blocks / 3, blocks / 2, blocks - 2, blocks - 1];
    for block in tried {
        let path = dir.path().join(format!("block-{block}.redb"));
        let mut damaged = bytes.clone();
        damaged[HEADER + block * BLOCK + 1000] ^= 0x04;
        std::fs::write(&path, &damaged).unwrap();
        match Database::open(&path).and_then(|db| db.check()) {
            Ok(report) if report.is_clean() => {}
            Ok(report) => {
                let text = report.to_string();
                assert!(
                    text.contains(&format!("block {block} ")),
                    "block {block}: {text}"
                );
                found += 1;
            }
            Err(e) => {
                assert_eq!(e.code(), "CORRUPT", "block {block}: {e}");
                assert!(e.to_string().contains("block "), "block {block}: {e}");
                found += 1;
            }
        }
    }
    assert!(
        found * 2 > tried.len(),
        "only {found} of {} damaged blocks found",
        tried.len()
    );
}
