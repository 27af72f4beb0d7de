//! The floor of a bulk load: how long redb itself takes to write a loaded register's
//! tables, entry by entry in key order, into a new file in one durable transaction, with
//! the page cache `juki import` uses (or another). Nothing juki does per row is in it (no CSV, no
//! checks, no staging, no sorting), so no load of the same entries can be faster on this
//! machine. Prints one Markdown table per way of writing and writes them to
//! `target/bench-data/<N>/floor-table.md`. See BENCHMARKS.md ("The floor of a load").
//!
//! ```sh
//! JUKI_FLOOR_DB=loaded.redb cargo bench --bench floor      # a file `juki import` made
//! JUKI_BENCH_RESIDENTS=1000000 cargo bench --bench floor   # generates and imports first
//! JUKI_FLOOR_CACHE_MIB=4096 cargo bench --bench floor       # another page cache
//! ```
//!
//! Two strategies of insertion, each with two ways of spreading the tables over threads, are
//! timed one after the other on fresh files:
//! * `insert`: `Table::insert` of each entry;
//! * `cursor`: every table's entries through one `CursorMut` at the end of the empty table
//!   (`upper_bound_mut(Unbounded)`, `insert_before`, `close`);
//!
//! and for each, one thread writing every table, then the 4情報 table on a thread of its own
//! and the rest on this one, as the end of a load does. `JUKI_FLOOR_ROUNDS` (default 2)
//! rounds alternate which strategy goes first (insert, cursor, then cursor, insert, …); each
//! cell of the table is the best of its rounds, and the floor is the least of all of them.
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it does the same at a smoke
//! size of [`SMOKE_RESIDENTS`], to check that it still works.

mod common;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use redb::{
    Key, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition, TableHandle, Value,
    WriteTransaction,
};
use std::fmt::Write as _;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Residents when run without `--bench` (a smoke run under `cargo test`).
const SMOKE_RESIDENTS: usize = 500;

/// The page cache of the new file: `JUKI_FLOOR_CACHE_MIB`, by default the one
/// `juki import` uses.
fn cache_bytes() -> usize {
    match std::env::var("JUKI_FLOOR_CACHE_MIB") {
        Ok(v) => {
            v.parse::<usize>()
                .expect("JUKI_FLOOR_CACHE_MIB must be a number")
                << 20
        }
        Err(_) => juki::LOAD_CACHE_BYTES,
    }
}

// The tables of a juki file, by name and type as DESIGN.md's storage layout gives them. A
// file of another layout fails to open with redb's table type mismatch.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const RESIDENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("residents");
const VERSIONS: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("versions");
const CODES: TableDefinition<u64, (u64, bool)> = TableDefinition::new("codes");
const MY_NUMBERS: TableDefinition<u64, (u64, bool)> = TableDefinition::new("my_numbers");
const SEARCH: TableDefinition<&[u8], &[u8]> = TableDefinition::new("search");
const HOUSEHOLDS: TableDefinition<(u64, u64, u32), ()> = TableDefinition::new("households");
const CHANGES: TableDefinition<u64, (u64, u32)> = TableDefinition::new("changes");

/// How a way of writing inserts each table's entries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Strategy {
    /// `Table::insert` of each entry.
    Insert,
    /// `insert_before` through one cursor at the end of the empty table.
    Cursor,
}

impl Strategy {
    const ALL: [Strategy; 2] = [Strategy::Insert, Strategy::Cursor];

    fn name(self) -> &'static str {
        match self {
            Strategy::Insert => "insert",
            Strategy::Cursor => "cursor",
        }
    }
}

/// Rounds of writes: `JUKI_FLOOR_ROUNDS`, by default 2 (each strategy once first).
fn rounds() -> usize {
    match std::env::var("JUKI_FLOOR_ROUNDS") {
        Ok(v) => v
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .expect("JUKI_FLOOR_ROUNDS must be a number above 0"),
        Err(_) => 2,
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let residents = if full {
        common::resident_count()
    } else {
        SMOKE_RESIDENTS
    };
    let scratch = tempfile::tempdir_in(common::target_dir()).expect("a scratch directory");
    let source = match std::env::var_os("JUKI_FLOOR_DB") {
        Some(p) if full => PathBuf::from(p),
        _ => common::imported(scratch.path(), residents, "loaded.redb"),
    };
    let started = Instant::now();
    let tables = Tables::read(&source);
    eprintln!(
        "read {} entries from {} in {:.1} s",
        tables.entries(),
        source.display(),
        started.elapsed().as_secs_f64()
    );

    let mut out = String::new();
    let _ = writeln!(
        out,
        "source: {} ({:.1} MiB, {} current records, {} versions); page cache {} MiB\n",
        source.display(),
        file_len(&source) as f64 / 1048576.0,
        tables.residents.0.len(),
        tables.versions.0.len(),
        cache_bytes() >> 20
    );
    let rounds = rounds();
    let mut floor = f64::INFINITY;
    for two_threads in [false, true] {
        // Round r writes with the strategies in turn, starting from strategy r.
        let mut best: [Option<Timing>; 2] = [None, None];
        let mut totals: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        for round in 0..rounds {
            for k in 0..Strategy::ALL.len() {
                let i = (round + k) % Strategy::ALL.len();
                let path = scratch.path().join("floor.redb");
                let _ = std::fs::remove_file(&path);
                let timing = tables.write(&path, two_threads, Strategy::ALL[i]);
                let _ = std::fs::remove_file(&path);
                eprintln!(
                    "{} {}: {:.2} s",
                    if two_threads {
                        "two threads"
                    } else {
                        "one thread"
                    },
                    Strategy::ALL[i].name(),
                    timing.total.as_secs_f64()
                );
                totals[i].push(timing.total.as_secs_f64());
                if best[i].as_ref().is_none_or(|b| timing.total < b.total) {
                    best[i] = Some(timing);
                }
            }
        }
        let best = best.map(|b| b.expect("at least one round"));
        floor = best
            .iter()
            .map(|b| b.total.as_secs_f64())
            .fold(floor, f64::min);
        out.push_str(&table(&tables, two_threads, &best, &totals));
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "**Floor (the least of the strategies): {floor:.2} s**, {:.0} current records a second.",
        tables.residents.0.len() as f64 / floor
    );
    print!("{out}");
    let dir = common::data_dir(residents);
    std::fs::create_dir_all(&dir).expect("creating the data directory");
    std::fs::write(dir.join("floor-table.md"), &out).expect("writing the table");
    // A smoke run checks that each strategy's copy holds what was read.
    if !full {
        for strategy in Strategy::ALL {
            let path = scratch
                .path()
                .join(format!("check-{}.redb", strategy.name()));
            tables.write(&path, true, strategy);
            let again = Tables::read(&path);
            assert_eq!(
                again.entries(),
                tables.entries(),
                "the {} copy holds every entry",
                strategy.name()
            );
            assert_eq!(again.residents.0, tables.residents.0);
            assert_eq!(again.versions.1.data, tables.versions.1.data);
            assert_eq!(again.search.0.data, tables.search.0.data);
            assert_eq!(again.changes, tables.changes);
        }
    }
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .len()
}

/// Byte strings stored end to end.
#[derive(Default)]
struct Packed {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl Packed {
    fn push(&mut self, b: &[u8]) {
        self.data.extend_from_slice(b);
        self.ends.push(self.data.len());
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(self.ends.iter()).map(|(s, &e)| &self.data[s..e])
    }
}

/// Every entry of a juki file's tables, in key order, in memory.
#[derive(Default)]
struct Tables {
    meta: Vec<(String, u64)>,
    residents: (Vec<u64>, Packed),
    versions: (Vec<(u64, u32)>, Packed),
    codes: Vec<(u64, (u64, bool))>,
    my_numbers: Vec<(u64, (u64, bool))>,
    search: (Packed, Packed),
    households: Vec<(u64, u64, u32)>,
    changes: Vec<(u64, (u64, u32))>,
}

impl Tables {
    fn read(path: &Path) -> Tables {
        // A juki file of either layout (checksummed blocks, or a bare redb file).
        let db = juki::testing::crypt::open_plain_redb(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let r = db.begin_read().expect("a read transaction");
        let mut t = Tables::default();
        each(&r, META, |k, v| t.meta.push((k.to_string(), v)));
        each(&r, RESIDENTS, |k, v| {
            t.residents.0.push(k);
            t.residents.1.push(v);
        });
        each(&r, VERSIONS, |k, v| {
            t.versions.0.push(k);
            t.versions.1.push(v);
        });
        each(&r, CODES, |k, v| t.codes.push((k, v)));
        each(&r, MY_NUMBERS, |k, v| t.my_numbers.push((k, v)));
        each(&r, SEARCH, |k, v| {
            t.search.0.push(k);
            t.search.1.push(v);
        });
        each(&r, HOUSEHOLDS, |k, ()| t.households.push(k));
        each(&r, CHANGES, |k, v| t.changes.push((k, v)));
        t
    }

    fn entries(&self) -> usize {
        self.meta.len()
            + self.residents.0.len()
            + self.versions.0.len()
            + self.codes.len()
            + self.my_numbers.len()
            + self.search.0.ends.len()
            + self.households.len()
            + self.changes.len()
    }

    /// Writes every table into a new file at `path` in one transaction and commits it
    /// durably, each table by `strategy`; with `two_threads`, the 4情報 table on a thread
    /// of its own.
    fn write(&self, path: &Path, two_threads: bool, strategy: Strategy) -> Timing {
        let started = Instant::now();
        let db = redb::Database::builder()
            .set_cache_size(cache_bytes())
            .create(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let txn = db.begin_write().expect("a write transaction");
        let mut timing = Timing::default();
        if two_threads {
            std::thread::scope(|scope| {
                let search = scope.spawn(|| self.write_search(&txn, strategy));
                self.write_rest(&txn, strategy, &mut timing);
                timing.search = search.join().expect("the search thread");
            });
        } else {
            self.write_rest(&txn, strategy, &mut timing);
            timing.search = self.write_search(&txn, strategy);
        }
        timing.inserts = started.elapsed();
        let commit = Instant::now();
        txn.commit().expect("the commit");
        timing.commit = commit.elapsed();
        timing.total = started.elapsed();
        timing.bytes = file_len(path);
        timing
    }

    fn write_search(&self, txn: &WriteTransaction, s: Strategy) -> Duration {
        let entries = self.search.0.iter().zip(self.search.1.iter());
        fill(txn, SEARCH, s, entries)
    }

    fn write_rest(&self, txn: &WriteTransaction, s: Strategy, timing: &mut Timing) {
        let meta = fill(
            txn,
            META,
            s,
            self.meta.iter().map(|(k, v)| (k.as_str(), *v)),
        );
        let residents = self.residents.0.iter().copied();
        timing.residents = meta + fill(txn, RESIDENTS, s, residents.zip(self.residents.1.iter()));
        let versions = self.versions.0.iter().copied();
        timing.versions = fill(txn, VERSIONS, s, versions.zip(self.versions.1.iter()));
        timing.identities = fill(txn, CODES, s, self.codes.iter().copied())
            + fill(txn, MY_NUMBERS, s, self.my_numbers.iter().copied());
        let households = self.households.iter().map(|&k| (k, ()));
        timing.households = fill(txn, HOUSEHOLDS, s, households);
        timing.changes = fill(txn, CHANGES, s, self.changes.iter().copied());
    }
}

/// Calls `f` with every entry of `def`, in key order.
fn each<K: Key + 'static, V: Value + 'static>(
    r: &ReadTransaction,
    def: TableDefinition<K, V>,
    mut f: impl FnMut(K::SelfType<'_>, V::SelfType<'_>),
) {
    let name = def.name().to_string();
    let table = r.open_table(def).unwrap_or_else(|e| panic!("{name}: {e}"));
    for entry in table.iter().unwrap_or_else(|e| panic!("{name}: {e}")) {
        let (k, v) = entry.unwrap_or_else(|e| panic!("{name}: {e}"));
        f(k.value(), v.value());
    }
}

/// Writes `entries` (in key order) into the empty table `def` by `strategy`; returns the
/// time it took.
fn fill<'a, K: Key + 'static, V: Value + 'static>(
    txn: &WriteTransaction,
    def: TableDefinition<K, V>,
    strategy: Strategy,
    entries: impl Iterator<Item = (K::SelfType<'a>, V::SelfType<'a>)>,
) -> Duration {
    let started = Instant::now();
    let name = def.name().to_string();
    let mut table = txn
        .open_table(def)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    match strategy {
        Strategy::Insert => {
            for (k, v) in entries {
                table.insert(k, v).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
        Strategy::Cursor => {
            let mut cursor = table
                .upper_bound_mut(Bound::<K::SelfType<'_>>::Unbounded)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            for (k, v) in entries {
                cursor
                    .insert_before(k, v)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            // The inserts still pending reach the table here; an error is reported only here.
            cursor.close().unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    drop(table);
    started.elapsed()
}

/// Where one write of the tables spent its time.
#[derive(Default)]
struct Timing {
    residents: Duration,
    versions: Duration,
    identities: Duration,
    households: Duration,
    changes: Duration,
    search: Duration,
    inserts: Duration,
    commit: Duration,
    total: Duration,
    bytes: u64,
}

/// A row of the table: its name, entries, bytes of keys and values, and its time in a
/// [`Timing`].
type Row = (&'static str, usize, usize, fn(&Timing) -> Duration);

/// One table of the strategies side by side (`best[i]` is the best write of
/// `Strategy::ALL[i]`, `totals[i]` the totals of all its rounds).
fn table(t: &Tables, two_threads: bool, best: &[Timing; 2], totals: &[Vec<f64>; 2]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} (best of {} rounds each)\n\n| table | entries | MiB of keys and values | insert: s (µs an entry) | cursor: s (µs an entry) | cursor / insert |\n| --- | ---: | ---: | ---: | ---: | ---: |",
        if two_threads {
            "4情報 on a thread of its own, the rest on another"
        } else {
            "one thread writes every table"
        },
        totals[0].len()
    );
    let identities = t.codes.len() + t.my_numbers.len();
    let rows: [Row; 6] = [
        (
            "residents",
            t.residents.0.len(),
            t.residents.0.len() * 8 + t.residents.1.data.len(),
            |x| x.residents,
        ),
        (
            "versions",
            t.versions.0.len(),
            t.versions.0.len() * 12 + t.versions.1.data.len(),
            |x| x.versions,
        ),
        ("codes + my_numbers", identities, identities * 17, |x| {
            x.identities
        }),
        (
            "households",
            t.households.len(),
            t.households.len() * 20,
            |x| x.households,
        ),
        ("changes", t.changes.len(), t.changes.len() * 20, |x| {
            x.changes
        }),
        (
            "search (4情報 blocks)",
            t.search.0.ends.len(),
            t.search.0.data.len() + t.search.1.data.len(),
            |x| x.search,
        ),
    ];
    let cell = |d: Duration, n: usize| {
        format!(
            "{:.2} ({:.2})",
            d.as_secs_f64(),
            d.as_secs_f64() * 1e6 / n.max(1) as f64
        )
    };
    let ratio = |a: Duration, b: Duration| b.as_secs_f64() / a.as_secs_f64().max(1e-9);
    for (name, n, bytes, d) in rows {
        let (a, b) = (d(&best[0]), d(&best[1]));
        let _ = writeln!(
            s,
            "| {name} | {n} | {:.1} | {} | {} | {:.2} |",
            bytes as f64 / 1048576.0,
            cell(a, n),
            cell(b, n),
            ratio(a, b)
        );
    }
    let secs = |d: Duration| d.as_secs_f64();
    let _ = writeln!(
        s,
        "| all inserts | {} | | {:.2} | {:.2} | {:.2} |\n| durable commit | | | {:.2} | {:.2} | |\n| **total** | | | **{:.2}** | **{:.2}** | **{:.2}** |\n",
        t.entries(),
        secs(best[0].inserts),
        secs(best[1].inserts),
        ratio(best[0].inserts, best[1].inserts),
        secs(best[0].commit),
        secs(best[1].commit),
        secs(best[0].total),
        secs(best[1].total),
        ratio(best[0].total, best[1].total),
    );
    let list = |v: &Vec<f64>| {
        v.iter()
            .map(|x| format!("{x:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        s,
        "Totals of every round: insert {} s; cursor {} s. Files written: {:.1} MiB (insert), {:.1} MiB (cursor).",
        list(&totals[0]),
        list(&totals[1]),
        best[0].bytes as f64 / 1048576.0,
        best[1].bytes as f64 / 1048576.0,
    );
    s
}
