//! p50 and p99 of the lookups bench's six groups, juki against SQLite in the same run: the
//! dataset, sample, SQL and answer check of `lookups` (see `common::keys`), without
//! criterion. Each group asks every key of the sample [`ROUNDS`] times per block; after one
//! untimed pass of each engine, juki's and SQLite's blocks alternate (juki first, then
//! SQLite first, …) `JUKI_BENCH_REPEATS` times (default 5), and each cell gives the median
//! over the repeats and their range, beside the CPU time of the whole process per lookup
//! (juki's operation-log thread included).
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
//! The table is printed and written to `latency-table.md` beside the files measured.
//! Without `--bench` (as `cargo test --all-targets` runs it) it measures the
//! 2,000-resident dataset, one round a block.

mod common;

use common::keys::{
    check, check_with, same_content, sample, sample_of, searches, Keys, SqlLookups,
};
use common::{alternate, load_average, repeats, LookupRow};
use std::fmt::Write as _;

/// The allocator of the `juki` binary, as in the load bench.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Times each key of the sample is asked per block.
const ROUNDS: usize = 20;

/// Whether a group is measured (`JUKI_LATENCY_ONLY`).
fn wanted(group: &str) -> bool {
    std::env::var("JUKI_LATENCY_ONLY").map_or(true, |only| group.contains(&only))
}

fn table(
    db: &juki::Session,
    sql: &mut SqlLookups<'_>,
    keys: &[Keys],
    rounds: usize,
    repeats: usize,
) -> Vec<(&'static str, LookupRow)> {
    let probes: Vec<&Keys> = (0..rounds).flat_map(|_| keys.iter()).collect();
    let mut rows = Vec::new();
    let mut row = |name: &'static str, (j, s): (Vec<_>, Vec<_>)| {
        rows.push((name, LookupRow::of(&j, &s)));
    };

    if wanted("lookup_by_code") {
        row(
            "lookup_by_code",
            alternate(
                &probes,
                repeats,
                |k| db.get(k.code).expect("get"),
                |k| sql.by_code(k.code),
            ),
        );
    }
    if wanted("lookup_by_my_number") {
        row(
            "lookup_by_my_number",
            alternate(
                &probes,
                repeats,
                |k| db.get_by_my_number(k.my_number).expect("get"),
                |k| sql.by_my_number(k.my_number),
            ),
        );
    }
    for (n, (name, pick)) in searches().into_iter().enumerate() {
        if wanted(name) {
            row(
                name,
                alternate(
                    &probes,
                    repeats,
                    |k| db.find(&pick(k).juki).expect("find"),
                    |k| sql.search(n, pick(k)),
                ),
            );
        }
    }
    if wanted("lookup_as_of") {
        row(
            "lookup_as_of",
            alternate(
                &probes,
                repeats,
                |k| db.get_as_of(k.code, k.as_of).expect("as of"),
                |k| sql.as_of(k.code, k.as_of),
            ),
        );
    }
    rows
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    if !full && std::env::var_os("JUKI_BENCH_RESIDENTS").is_none() {
        std::env::set_var("JUKI_BENCH_RESIDENTS", "2000");
    }
    let repeats = repeats();
    let size: Option<usize> = std::env::var("JUKI_LATENCY_SAMPLE")
        .ok()
        .and_then(|v| v.parse().ok());
    let rounds = if full && size.is_none() { ROUNDS } else { 1 };
    // A copy of the juki file, deleted at the end when it is this bench's own.
    let mut own_copy = None;
    let (juki, db, conn, dir) = match std::env::var_os("JUKI_LATENCY_DIR") {
        Some(dir) => {
            let dir = std::path::PathBuf::from(dir);
            let copy = dir.join("latency.redb");
            std::fs::copy(dir.join("juki.redb"), &copy).expect("copying the juki file");
            let (juki, db) = common::sign_in(&copy);
            own_copy = Some(copy);
            let conn = common::open_sqlite_at(&dir.join("sqlite.db"));
            (juki, db, conn, dir)
        }
        None => {
            let set = common::dataset();
            let (juki, db) = set.open_juki_copy();
            (juki, db, set.open_sqlite(), set.dir.clone())
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
    let before = load_average();
    let rows = {
        let mut sql = SqlLookups::new(&conn);
        table(&db, &mut sql, &keys, rounds, repeats)
    };
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{} probes a block, {repeats} blocks of each engine alternating; load average \
         {before} before, {} after. Each cell: median over the blocks (min–max).\n",
        keys.len() * rounds,
        load_average()
    );
    t.push_str(
        "| group | juki p50 | SQLite p50 | juki ÷ SQLite (p50) | juki p99 | SQLite p99 \
         | juki CPU / lookup | SQLite CPU / lookup |\n",
    );
    t.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (name, r) in &rows {
        let _ = writeln!(
            t,
            "| `{name}` | {} | {} | {} | {} | {} | {} | {} |",
            r.p50[0].show(2, "µs"),
            r.p50[1].show(2, "µs"),
            r.ratio.show(2, ""),
            r.p99[0].show(1, "µs"),
            r.p99[1].show(1, "µs"),
            r.cpu[0].show(2, "µs"),
            r.cpu[1].show(2, "µs"),
        );
    }
    println!("\n{t}");
    let out = dir.join("latency-table.md");
    std::fs::write(&out, &t).expect("writing the table");
    eprintln!("table written to {}", out.display());
    drop(db);
    drop(juki);
    if let Some(copy) = own_copy {
        let _ = std::fs::remove_file(copy);
    }
}
