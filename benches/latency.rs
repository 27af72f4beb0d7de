//! p50 and p99 of the lookups bench's six groups, juki against SQLite in the same run: the
//! dataset, sample, SQL and answer check of `lookups` (see `common::keys`), without
//! criterion. Each group asks every key of the sample [`ROUNDS`] times, once untimed
//! (warming both caches) and once timing each call on its own; juki and SQLite alternate
//! group by group, and the whole table is measured `JUKI_LATENCY_REPEATS` times (default 2)
//! so that a run on a busy machine shows its own spread.
//!
//! ```sh
//! cargo bench --bench latency                               # 100,000 residents
//! JUKI_BENCH_RESIDENTS=1000000 cargo bench --bench latency
//! ```
//!
//! `JUKI_LATENCY_DIR=dir` measures the files `juki.redb` and `sqlite.db` of `dir` instead
//! (those the load bench leaves in `target/bench-data/<N>/load/`), on a copy of the juki
//! file; `JUKI_LATENCY_SAMPLE=n` draws `n` residents and asks each once per group instead
//! of the sample of 1,000 twenty times.
//!
//! `JUKI_LATENCY_ONLY=name` measures only the groups whose name contains `name` (for a
//! profile of one lookup).
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it measures one small table on
//! the 2,000-resident dataset.

mod common;

use common::keys::{
    check, check_with, same_content, sample, sample_of, searches, sql, sql_as_of, sql_by_code,
    sql_by_my_number, sql_search, Keys, AS_OF, BY_CODE, BY_MY_NUMBER,
};
use common::time_probes;

/// The allocator of the `juki` binary, as in the load bench.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Times each key of the sample is asked per group and engine.
const ROUNDS: usize = 20;

type Row = (&'static str, (f64, f64), (f64, f64));

/// Whether a group is measured (`JUKI_LATENCY_ONLY`).
fn wanted(group: &str) -> bool {
    std::env::var("JUKI_LATENCY_ONLY").map_or(true, |only| group.contains(&only))
}

fn table(
    db: &juki::Session,
    conn: &rusqlite::Connection,
    keys: &[Keys],
    rounds: usize,
) -> Vec<Row> {
    let probes: Vec<&Keys> = (0..rounds).flat_map(|_| keys.iter()).collect();
    let mut rows = Vec::new();

    if wanted("lookup_by_code") {
        let j = time_probes(&probes, |k| db.get(k.code).expect("get"), |_, a| drop(a));
        let mut stmt = conn.prepare(&sql(BY_CODE)).expect("prepare");
        let s = time_probes(&probes, |k| sql_by_code(&mut stmt, k.code), |_, a| drop(a));
        rows.push(("lookup_by_code", j, s));
    }

    if wanted("lookup_by_my_number") {
        let j = time_probes(
            &probes,
            |k| db.get_by_my_number(k.my_number).expect("get"),
            |_, a| drop(a),
        );
        let mut stmt = conn.prepare(&sql(BY_MY_NUMBER)).expect("prepare");
        let s = time_probes(
            &probes,
            |k| sql_by_my_number(&mut stmt, k.my_number),
            |_, a| drop(a),
        );
        rows.push(("lookup_by_my_number", j, s));
    }

    for (name, template, pick) in searches() {
        if !wanted(name) {
            continue;
        }
        let j = time_probes(
            &probes,
            |k| db.find(&pick(k).juki).expect("find"),
            |_, a| drop(a),
        );
        let mut stmt = conn.prepare(&sql(template)).expect("prepare");
        let s = time_probes(&probes, |k| sql_search(&mut stmt, pick(k)), |_, a| drop(a));
        rows.push((name, j, s));
    }

    if wanted("lookup_as_of") {
        let j = time_probes(
            &probes,
            |k| db.get_as_of(k.code, k.as_of).expect("as of"),
            |_, a| drop(a),
        );
        let mut stmt = conn.prepare(&sql(AS_OF)).expect("prepare");
        let s = time_probes(
            &probes,
            |k| sql_as_of(&mut stmt, k.code, k.as_of),
            |_, a| drop(a),
        );
        rows.push(("lookup_as_of", j, s));
    }
    rows
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    if !full && std::env::var_os("JUKI_BENCH_RESIDENTS").is_none() {
        std::env::set_var("JUKI_BENCH_RESIDENTS", "2000");
    }
    let repeats: usize = if full {
        std::env::var("JUKI_LATENCY_REPEATS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2)
    } else {
        1
    };
    let size: Option<usize> = std::env::var("JUKI_LATENCY_SAMPLE")
        .ok()
        .and_then(|v| v.parse().ok());
    let rounds = if full && size.is_none() { ROUNDS } else { 1 };
    // A copy of the juki file, deleted at the end when it is this bench's own.
    let mut own_copy = None;
    let (juki, db, conn) = match std::env::var_os("JUKI_LATENCY_DIR") {
        Some(dir) => {
            let dir = std::path::PathBuf::from(dir);
            let copy = dir.join("latency.redb");
            std::fs::copy(dir.join("juki.redb"), &copy).expect("copying the juki file");
            let (juki, db) = common::sign_in(&copy);
            own_copy = Some(copy);
            (juki, db, common::open_sqlite_at(&dir.join("sqlite.db")))
        }
        None => {
            let set = common::dataset();
            let (juki, db) = set.open_juki_copy();
            (juki, db, set.open_sqlite())
        }
    };
    let keys = match size {
        Some(n) => sample_of(&conn, common::today(), n),
        None => sample(&conn, common::today()),
    };
    if std::env::var_os("JUKI_LATENCY_DIR").is_some() {
        // Two loads of one input: the same records, recorded at other times.
        check_with(&db, &conn, &keys, same_content);
    } else {
        check(&db, &conn, &keys);
    }
    for run in 1..=repeats {
        let before = load_average();
        let rows = table(&db, &conn, &keys, rounds);
        println!(
            "\nrun {run} of {repeats}: {} probes a group; load average {before} before, {} after\n",
            keys.len() * rounds,
            load_average()
        );
        println!("| group | juki p50 / p99 | SQLite p50 / p99 | juki ÷ SQLite (p50) |");
        println!("| --- | ---: | ---: | ---: |");
        for (name, (j50, j99), (s50, s99)) in rows {
            println!(
                "| `{name}` | {j50:.2} / {j99:.1} µs | {s50:.2} / {s99:.1} µs | {:.2} |",
                j50 / s50
            );
        }
    }
    drop(db);
    drop(juki);
    if let Some(copy) = own_copy {
        let _ = std::fs::remove_file(copy);
    }
}
