//! The cost of opening a register: [`Database::open`] of a plain file of checksummed
//! blocks (every block verified when it is read, nothing verified up front), and the first
//! lookup after it; beside it the open of the same register as a bare redb file (the
//! format before block checksums), which verifies every page's checksum before use. Prints
//! a Markdown table and writes it to `target/bench-data/open-table.md`. See BENCHMARKS.md
//! ("Opening a register").
//!
//! ```sh
//! JUKI_OPEN_DB=a.redb,b.redb JUKI_OPEN_OPERATOR=admin1 JUKI_PASSWORD=… \
//!     cargo bench --bench open                          # files `juki import` made
//! JUKI_BENCH_RESIDENTS=100000 cargo bench --bench open   # generates and imports first
//! JUKI_OPEN_BARE=0 cargo bench --bench open              # skip the bare file (slow at 10M)
//! ```
//!
//! The bare copy is written beside each file (as `<file>.bare`, removed afterwards). Every
//! time is the best of [`RUNS`] opens with the file in the operating system's cache (the
//! bare open once: it reads the whole file anyway).
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it does the same at a smoke
//! size of [`SMOKE_RESIDENTS`], to check that it still works.

mod common;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use juki::testing::Database;
use juki::ResidentCode;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Residents when run without `--bench` (a smoke run under `cargo test`).
const SMOKE_RESIDENTS: usize = 300;

/// Opens timed per file (the best is reported).
const RUNS: usize = 7;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let scratch = tempfile::tempdir_in(common::target_dir()).expect("a scratch directory");
    let sources: Vec<PathBuf> = match std::env::var("JUKI_OPEN_DB") {
        Ok(list) if full => list.split(',').map(PathBuf::from).collect(),
        _ => {
            let n = if full {
                common::resident_count()
            } else {
                SMOKE_RESIDENTS
            };
            vec![common::imported(scratch.path(), n, "open.redb")]
        }
    };
    let bare = std::env::var("JUKI_OPEN_BARE").map_or(true, |v| v != "0");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| file | size | open | open + first lookup | open of the bare redb file (whole-file check) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for source in &sources {
        let row = measure(source, bare, if full { RUNS } else { 1 });
        let _ = writeln!(out, "{row}");
    }
    print!("{out}");
    let dir = common::target_dir().join("bench-data");
    std::fs::create_dir_all(&dir).expect("the bench-data directory");
    std::fs::write(dir.join("open-table.md"), &out).expect("writing the table");
}

/// One table row: the times for the file at `source`.
fn measure(source: &Path, bare: bool, runs: usize) -> String {
    let size = std::fs::metadata(source)
        .unwrap_or_else(|e| panic!("{}: {e}", source.display()))
        .len();
    // A code to look up, found with the file opened once (and then in the OS cache).
    let code = {
        let juki = juki::Juki::builder(source)
            .open()
            .expect("opening the register");
        let (operator, password) = operator();
        let session = juki
            .sign_in(&operator, &password, common::TERMINAL)
            .expect("signing in");
        let first = session
            .changes_since(0, 1)
            .expect("reading the change feed");
        drop(session);
        drop(juki);
        first.first().expect("a loaded register").code
    };
    let open = best(runs, || {
        let started = Instant::now();
        let db = Database::open(source).expect("opening the register");
        let took = started.elapsed();
        drop(db);
        took
    });
    let lookup = best(runs, || first_lookup(source, code));
    let bare_open = if bare {
        let copy = source.with_extension("bare");
        let _ = std::fs::remove_file(&copy);
        juki::testing::crypt::strip_blocks(source, &copy).expect("writing the bare copy");
        let took = best(1, || {
            let started = Instant::now();
            let db = Database::open(&copy).expect("opening the bare copy");
            let took = started.elapsed();
            drop(db);
            took
        });
        std::fs::remove_file(&copy).expect("removing the bare copy");
        format!("{:.3} s", took.as_secs_f64())
    } else {
        "–".into()
    };
    let row = format!(
        "| {} | {:.0} MiB | {:.1} ms | {:.1} ms | {bare_open} |",
        source
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        size as f64 / 1048576.0,
        ms(open),
        ms(lookup)
    );
    eprintln!("{row}");
    row
}

/// Opens the file, signs in (not timed: the password hash is slow by design) and looks up
/// `code`: the time of the open plus that of the first lookup.
fn first_lookup(source: &Path, code: ResidentCode) -> Duration {
    let started = Instant::now();
    let juki = juki::Juki::builder(source)
        .open()
        .expect("opening the register");
    let opened = started.elapsed();
    let (operator, password) = operator();
    let session = juki
        .sign_in(&operator, &password, common::TERMINAL)
        .expect("signing in");
    let started = Instant::now();
    let found = session.get(code).expect("the lookup");
    let took = opened + started.elapsed();
    assert!(found.is_some(), "resident {code} is in the register");
    drop(session);
    drop(juki);
    took
}

/// Who signs in: `JUKI_OPEN_OPERATOR` with `$JUKI_PASSWORD` for a given file, else the
/// operator the generated file is made with.
fn operator() -> (String, String) {
    match std::env::var("JUKI_OPEN_OPERATOR") {
        Ok(op) => (op, std::env::var("JUKI_PASSWORD").expect("$JUKI_PASSWORD")),
        Err(_) => (common::OPERATOR.into(), common::PASSWORD.into()),
    }
}

fn best(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..runs.max(1))
        .map(|_| f())
        .min()
        .expect("at least one run")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
