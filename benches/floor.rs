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
//! Two ways of writing are timed, one after the other on fresh files:
//! * one thread writes every table;
//! * the 4情報 table on a thread of its own and the rest on this one, as the end of a load
//!   does.
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
    for two_threads in [false, true] {
        let path = scratch.path().join("floor.redb");
        let _ = std::fs::remove_file(&path);
        let timing = tables.write(&path, two_threads);
        let _ = std::fs::remove_file(&path);
        out.push_str(&timing.table(&tables, two_threads));
        out.push('\n');
    }
    print!("{out}");
    let dir = common::data_dir(residents);
    std::fs::create_dir_all(&dir).expect("creating the data directory");
    std::fs::write(dir.join("floor-table.md"), &out).expect("writing the table");
    // A smoke run checks that the copy wrote what it read.
    if !full {
        let path = scratch.path().join("check.redb");
        tables.write(&path, true);
        let again = Tables::read(&path);
        assert_eq!(
            again.entries(),
            tables.entries(),
            "the copy holds every entry"
        );
        assert_eq!(again.versions.1.data, tables.versions.1.data);
        assert_eq!(again.search.0.data, tables.search.0.data);
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
    /// durably; with `two_threads`, the 4情報 table on a thread of its own.
    fn write(&self, path: &Path, two_threads: bool) -> Timing {
        let started = Instant::now();
        let db = redb::Database::builder()
            .set_cache_size(cache_bytes())
            .create(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let txn = db.begin_write().expect("a write transaction");
        let mut timing = Timing::default();
        if two_threads {
            std::thread::scope(|scope| {
                let search = scope.spawn(|| self.write_search(&txn));
                self.write_rest(&txn, &mut timing);
                timing.search = search.join().expect("the search thread");
            });
        } else {
            self.write_rest(&txn, &mut timing);
            timing.search = self.write_search(&txn);
        }
        timing.inserts = started.elapsed();
        let commit = Instant::now();
        txn.commit().expect("the commit");
        timing.commit = commit.elapsed();
        timing.total = started.elapsed();
        timing.bytes = file_len(path);
        timing
    }

    fn write_search(&self, txn: &WriteTransaction) -> Duration {
        fill(txn, SEARCH, self.search.0.iter().zip(self.search.1.iter()))
    }

    fn write_rest(&self, txn: &WriteTransaction, timing: &mut Timing) {
        let meta = fill(txn, META, self.meta.iter().map(|(k, v)| (k.as_str(), *v)));
        let residents = self.residents.0.iter().copied();
        timing.residents = meta + fill(txn, RESIDENTS, residents.zip(self.residents.1.iter()));
        let versions = self.versions.0.iter().copied();
        timing.versions = fill(txn, VERSIONS, versions.zip(self.versions.1.iter()));
        timing.identities = fill(txn, CODES, self.codes.iter().copied())
            + fill(txn, MY_NUMBERS, self.my_numbers.iter().copied());
        let households = self.households.iter().map(|&k| (k, ()));
        timing.households = fill(txn, HOUSEHOLDS, households);
        timing.changes = fill(txn, CHANGES, self.changes.iter().copied());
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

/// Inserts `entries` into `def` in the order given; returns the time it took.
fn fill<'a, K: Key + 'static, V: Value + 'static>(
    txn: &WriteTransaction,
    def: TableDefinition<K, V>,
    entries: impl Iterator<Item = (K::SelfType<'a>, V::SelfType<'a>)>,
) -> Duration {
    let started = Instant::now();
    let name = def.name().to_string();
    let mut table = txn
        .open_table(def)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    for (k, v) in entries {
        table.insert(k, v).unwrap_or_else(|e| panic!("{name}: {e}"));
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

impl Timing {
    fn table(&self, t: &Tables, two_threads: bool) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}\n\n| table | entries | MiB of keys and values | seconds | µs an entry |\n| --- | ---: | ---: | ---: | ---: |",
            if two_threads {
                "4情報 on a thread of its own, the rest on another:"
            } else {
                "one thread writes every table:"
            }
        );
        let identities = t.codes.len() + t.my_numbers.len();
        let rows = [
            (
                "residents",
                t.residents.0.len(),
                t.residents.0.len() * 8 + t.residents.1.data.len(),
                self.residents,
            ),
            (
                "versions",
                t.versions.0.len(),
                t.versions.0.len() * 12 + t.versions.1.data.len(),
                self.versions,
            ),
            (
                "codes + my_numbers",
                identities,
                identities * 17,
                self.identities,
            ),
            (
                "households",
                t.households.len(),
                t.households.len() * 20,
                self.households,
            ),
            (
                "changes",
                t.changes.len(),
                t.changes.len() * 20,
                self.changes,
            ),
            (
                "search (4情報 blocks)",
                t.search.0.ends.len(),
                t.search.0.data.len() + t.search.1.data.len(),
                self.search,
            ),
        ];
        for (name, n, bytes, d) in rows {
            let _ = writeln!(
                s,
                "| {name} | {n} | {:.1} | {:.2} | {:.2} |",
                bytes as f64 / 1048576.0,
                d.as_secs_f64(),
                d.as_secs_f64() * 1e6 / n.max(1) as f64
            );
        }
        let _ = writeln!(
            s,
            "| all inserts | {} | | {:.2} | |\n| durable commit | | | {:.2} | |\n| **total** | | | **{:.2}** | |\n\n\
             File written: {:.1} MiB. At this floor a load of {} current records runs at {:.0} a second.",
            t.entries(),
            self.inserts.as_secs_f64(),
            self.commit.as_secs_f64(),
            self.total.as_secs_f64(),
            self.bytes as f64 / 1048576.0,
            t.residents.0.len(),
            t.residents.0.len() as f64 / self.total.as_secs_f64()
        );
        s
    }
}
