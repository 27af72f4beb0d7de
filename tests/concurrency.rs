//! Concurrency: readers running while a writer records 異動 see consistent snapshots, and a
//! second process opening the same file gets a clear error without harming it.
//!
//! Each read call of the API takes its own snapshot, so the readers check what must hold
//! within one answer (a household has exactly one 世帯主; a history is numbered 1..=n with
//! rising 更新順番号; the change feed has no gaps; versions = last 更新順番号) and what must
//! hold between answers taken one after the other (nothing goes backwards). CHECK, a
//! whole-database snapshot, in the middle of writes is tested in `src/store/check.rs`.

use juki::generator::{self, GenOptions, GenResident};
use juki::testing::Database;
use juki::{Address, Date, HouseholdId, Reason, Relationship, ResidentCode, Restatement};
use juki::{Change, Fields, Juki, Session};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

const GEN_TODAY: &str = "2024-03-31";
const OPERATOR: &str = "admin1";
const PASSWORD: &str = "concurrency-password";

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn run_binary(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_juki"))
        .args(args)
        .env_remove("JUKI_DB")
        .env("JUKI_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A database with a generated register, and its households (members in generator order,
/// 世帯主 first).
fn setup(path: &Path) -> (Juki, Vec<Vec<GenResident>>) {
    let juki = Juki::builder(path)
        .create_with_admin(OPERATOR, PASSWORD)
        .unwrap();
    let db = juki.sign_in(OPERATOR, PASSWORD, "setup").unwrap();
    let opts = GenOptions::new(400, 3, date(GEN_TODAY));
    let residents: Vec<GenResident> = generator::residents(&opts).collect();
    let changes: Vec<Change> = residents.iter().map(GenResident::to_move_in).collect();
    db.record_batch(&changes).unwrap();
    let mut households: Vec<Vec<GenResident>> = Vec::new();
    for r in residents {
        match households.last_mut() {
            Some(h) if h[0].household == r.household => h.push(r),
            _ => households.push(vec![r]),
        }
    }
    drop(db);
    (juki, households)
}

/// The writer's 異動: in each household of two or more, the 世帯主 moves out to a household
/// of their own and names the next member head (two versions in one transaction); in the
/// others, the resident moves within the city.
fn changes(households: &[Vec<GenResident>]) -> Vec<Change> {
    let mut out = Vec::new();
    for (i, h) in households.iter().enumerate() {
        let on = date("2024-04-01").add_days((i / 40) as i64);
        let address =
            Address::parse(&format!("芦屋市打出町{}-{}", i / 50 + 1, i % 50 + 1)).unwrap();
        let head = &h[0];
        let change = if h.len() >= 2 {
            Change::new(Reason::Move, head.code, on).with(Fields {
                address: Some(address),
                household: Some(HouseholdId::new(900_000 + i as u64)),
                relationship: Some(Relationship::head()),
                new_head: Some(h[1].code),
                // Everyone else who stays, restated against the new head.
                relationships: (h.len() >= 3).then(|| {
                    let pairs: Vec<String> =
                        h[2..].iter().map(|r| format!("{}:子", r.code)).collect();
                    Restatement::parse(&pairs.join(" ")).unwrap()
                }),
                ..Fields::default()
            })
        } else {
            Change::new(Reason::Move, head.code, on).with(Fields {
                address: Some(address),
                ..Fields::default()
            })
        };
        out.push(change);
    }
    out
}

/// What one reader found.
#[derive(Debug, Default)]
struct Seen {
    calls: u64,
}

fn reader(
    db: &Session,
    codes: &[ResidentCode],
    households: &[u64],
    done: &AtomicBool,
    id: u64,
) -> Seen {
    let mut seen = Seen::default();
    let mut last_seq = 0u64;
    let mut i = id as usize * 7919;
    while !done.load(Ordering::SeqCst) || seen.calls < 20 {
        i = i
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407)
            >> 1;
        // Counts: one version per 更新順番号, and nothing goes backwards.
        let c = db.counts().unwrap();
        assert_eq!(c.versions, c.last_seq, "{c:?}");
        assert!(
            c.last_seq >= last_seq,
            "last_seq went back from {last_seq} to {}",
            c.last_seq
        );
        last_seq = c.last_seq;

        // A household always has exactly one 世帯主, listed first.
        let h = households[i % households.len()];
        let members = db.household(HouseholdId::new(h), None).unwrap().members;
        if !members.is_empty() {
            let heads = members
                .iter()
                .filter(|m| m.relationship.as_str() == "世帯主")
                .count();
            assert_eq!(heads, 1, "household {h}: {members:?}");
            assert_eq!(members[0].relationship.as_str(), "世帯主");
        }

        // A history is numbered 1..=n with rising 更新順番号; a later GET is not older.
        let code = codes[i % codes.len()];
        let history = db.history(code).unwrap();
        for (n, v) in history.iter().enumerate() {
            assert_eq!(v.version as usize, n + 1, "{code}");
            if n > 0 {
                assert!(v.seq > history[n - 1].seq, "{code}");
            }
        }
        let now = db.get(code).unwrap().unwrap();
        assert!(now.version >= history.last().unwrap().version, "{code}");

        // The change feed has no gaps.
        let since = (i as u64) % last_seq.max(1);
        let feed = db.changes_since(since, 50).unwrap();
        for (n, r) in feed.iter().enumerate() {
            assert_eq!(r.seq, since + 1 + n as u64);
        }

        seen.calls += 1;
    }
    seen
}

#[test]
fn readers_see_consistent_snapshots_while_a_writer_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("city.redb");
    let (juki, households) = setup(&path);
    let writes = changes(&households);
    let codes: Vec<ResidentCode> = households.iter().flatten().map(|r| r.code).collect();
    let mut household_ids: Vec<u64> = households.iter().map(|h| h[0].household.get()).collect();
    household_ids.extend((0..households.len() as u64).map(|i| 900_000 + i));
    let done = AtomicBool::new(false);
    let written = AtomicU64::new(0);

    let seen: Vec<Seen> = std::thread::scope(|s| {
        let readers: Vec<_> = (0..3u64)
            .map(|id| {
                let (juki, codes, ids, done) = (&juki, &codes, &household_ids, &done);
                s.spawn(move || {
                    let db = juki.sign_in(OPERATOR, PASSWORD, "reader").unwrap();
                    reader(&db, codes, ids, done, id)
                })
            })
            .collect();
        let writer = s.spawn(|| {
            let db = juki.sign_in(OPERATOR, PASSWORD, "writer").unwrap();
            let mut refused = None;
            for change in &writes {
                match db.record(change) {
                    Ok(receipt) => {
                        written.fetch_add(receipt.written.len() as u64, Ordering::SeqCst);
                    }
                    Err(e) => {
                        refused = Some(e.to_string());
                        break;
                    }
                }
            }
            // Set even when a change is refused, so that the readers stop.
            done.store(true, Ordering::SeqCst);
            assert_eq!(refused, None);
        });

        // A second process on the same file, while this one has it open and is writing.
        let out = run_binary(&[
            "--db",
            &path.display().to_string(),
            "--operator",
            OPERATOR,
            "--format",
            "json",
            "-c",
            "STATS",
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "a second process opened the file: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stderr.starts_with("error[IO]: "), "{stderr}");
        assert!(stderr.contains("open in another process"), "{stderr}");

        writer.join().unwrap();
        readers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let calls: u64 = seen.iter().map(|s| s.calls).sum();
    eprintln!(
        "{} 異動 ({} versions) written while 3 readers made {calls} rounds of reads",
        writes.len(),
        written.load(Ordering::SeqCst),
    );
    assert!(seen.iter().all(|s| s.calls >= 20));

    let before = juki
        .sign_in(OPERATOR, PASSWORD, "after")
        .unwrap()
        .counts()
        .unwrap();
    drop(juki);
    // The operation log grows with every read, so compare the register's counts, not
    // the digest of the whole file.
    let db = Database::open(&path).unwrap();
    assert_eq!(db.counts().unwrap(), before);
    let report = db.check().unwrap();
    assert!(report.is_clean(), "{report}");
}

/// Flushing the operation log is a barrier: when it returns, every entry queued before it
/// is in the log, even while the background thread is in the middle of committing an
/// earlier batch. (A flush that found the queue just emptied by that thread used to return
/// at once, before the entries it had taken were committed.)
#[test]
fn a_log_flush_returns_only_when_every_earlier_read_is_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (juki, households) = setup(&dir.path().join("juki.redb"));
    let s = juki.sign_in(OPERATOR, PASSWORD, "reader").unwrap();
    let code = households[0][0].code;
    let logged = || {
        juki.flush_log().unwrap();
        s.audit(&juki::AuditQuery::default()).unwrap().len()
    };
    let before = logged();
    // Every read and every AUDIT is one entry; count what was asked before each flush.
    let mut asked = 1;
    for i in 0..600 {
        for _ in 0..(i % 4 + 1) {
            s.get(code).unwrap();
            asked += 1;
        }
        // Leave the reads waiting for a moment, so that the background thread (which
        // commits about every 100 ms) now and then takes them just before the flush.
        std::thread::sleep(std::time::Duration::from_millis(2));
        let now = logged();
        assert!(
            now >= before + asked,
            "round {i}: {now} entries in the log, at least {} expected",
            before + asked
        );
        asked += 1;
    }
}
