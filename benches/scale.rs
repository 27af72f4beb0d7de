//! Lookup latency as the register grows: the same four lookups as the load bench (by
//! resident code, by My Number, 4情報 name + birth date, as of a past date), through a
//! signed-in session, on a generated register with history of `JUKI_BENCH_RESIDENTS`
//! residents; p50 and p99 of 20,000 probes each. Run it at two sizes and compare.
//!
//! ```sh
//! JUKI_BENCH_RESIDENTS=1000000 cargo bench --bench scale
//! JUKI_BENCH_RESIDENTS=10000000 JUKI_BENCH_STAGING_MIB=6144 cargo bench --bench scale
//! JUKI_BENCH_RESIDENTS=10000000 JUKI_BENCH_CACHE_MIB=4096 cargo bench --bench scale
//! ```
//!
//! `JUKI_BENCH_CACHE_MIB` sets the page cache the lookups run with (default: an ordinary
//! open's, sized to the file by `store::cache_for`).
//!
//! The register is generated and imported (`juki import` through the library, with a
//! staging budget of `JUKI_BENCH_STAGING_MIB`, default 128) once into
//! `target/bench-data/scale-N/` and reused; the CSV files are deleted after the import.
//! Every run appends its table to `target/bench-data/scale.md`. Without `--bench` (as
//! `cargo test --all-targets` runs it) the binary does a smoke run: 500 residents, 200
//! probes.
//!
//! The probes are residents drawn at random from the generated file; the name + birth
//! search uses the resident's current name, the as-of lookup a date drawn between the
//! day the resident became a resident and today. Two sets are drawn: the first is asked
//! once untimed (warming the caches as a running register's are warm), the second, other
//! residents of the same register, is the one timed, so that the pages a timed probe reads
//! were not brought in by the same probe.

mod common;

use common::{target_dir, time_block, SplitMix, OPERATOR, PASSWORD, SEED, TERMINAL};
use juki::generator::{self, GenOptions};
use juki::Clock;
use juki::{Date, ResidentCode};
use juki::{ImportOptions, Progress};
use juki::{Juki, SearchQuery, Session};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// The allocator of the `juki` binary, so that the load measures what `juki import` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PROBES: usize = 20_000;
const SMOKE_RESIDENTS: usize = 500;
const SMOKE_PROBES: usize = 200;
const JUKI_FILE: &str = "juki.redb";
const LOADED: &str = "loaded";

/// Generates and imports the register unless a complete one of this format is there.
fn register(dir: &Path, residents: usize) {
    let marker = dir.join(LOADED);
    let path = dir.join(JUKI_FILE);
    let format = format!(
        "format_version={} name_keys={}\n",
        juki::FORMAT_VERSION,
        juki::NAME_KEY_VERSION
    );
    let complete = std::fs::read_to_string(&marker).is_ok_and(|m| m.starts_with(&format));
    if complete && path.exists() {
        return;
    }
    std::fs::create_dir_all(dir).expect("creating the bench directory");
    let _ = std::fs::remove_file(&path);
    let started = Instant::now();
    let mut opts = GenOptions::new(residents, SEED, common::today());
    // SQLite indexes the 氏名 alone: no 通称, so both engines answer the same.
    opts.other_names = false;
    opts.history = true;
    let csv = dir.join("residents.csv");
    let history = ImportOptions::companion_of(&csv);
    {
        let out = std::io::BufWriter::new(std::fs::File::create(&csv).expect("the CSV"));
        let mut hist =
            std::io::BufWriter::new(std::fs::File::create(&history).expect("the history CSV"));
        generator::write_csv(&opts, out, Some(&mut hist)).expect("writing the CSV");
        hist.flush().expect("writing the history CSV");
    }
    let generated = started.elapsed().as_secs_f64();
    let (juki, session) = common::create_for_load(&path);
    let mut import = ImportOptions::new(&csv);
    if let Some(mib) = std::env::var("JUKI_BENCH_STAGING_MIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        import.staging_budget = mib << 20;
    }
    let report = session.import(&import, Progress::Quiet).expect("import");
    eprintln!("generated in {generated:.1} s; {report}");
    drop(session);
    drop(juki);
    let _ = std::fs::remove_file(&csv);
    let _ = std::fs::remove_file(&history);
    std::fs::write(&marker, format!("{format}{report}\n")).expect("the marker");
}

struct Probe {
    code: ResidentCode,
    name: String,
    birth: juki::PartialDate,
    my_number: juki::MyNumber,
    as_of: Date,
}

/// `count` probes drawn with the sequence of `seed`.
fn probes(session: &Session, residents: usize, count: usize, seed: u64) -> Vec<Probe> {
    let opts = GenOptions::new(residents, SEED, common::today());
    let mut rng = SplitMix(seed);
    let mut wanted: Vec<usize> = (0..count)
        .map(|_| rng.below(residents as u64) as usize)
        .collect();
    wanted.sort_unstable();
    let mut codes = Vec::with_capacity(count);
    let mut w = wanted.iter().peekable();
    for (i, r) in generator::residents(&opts).enumerate() {
        while w.peek() == Some(&&i) {
            codes.push(r.code);
            w.next();
        }
        if w.peek().is_none() {
            break;
        }
    }
    let today = common::today();
    codes
        .into_iter()
        .map(|code| {
            let r = session
                .get(code)
                .expect("get")
                .expect("a generated resident");
            let (_, shown) = session.show_my_number(code).expect("My Number permission");
            let shown: juki::MyNumber = shown.to_string().parse().expect("a My Number");
            let since = r.resident_since.last_day().unwrap_or(r.valid_from);
            let span = since.days_until(today).max(0) as u64;
            Probe {
                code,
                name: r.name.as_str().to_string(),
                birth: r.birth,
                my_number: shown,
                as_of: since.add_days(rng.below(span + 1) as i64),
            }
        })
        .collect()
}

/// p50 and p99 of `f` over the `timed` probes, after one untimed pass over the `warm` ones.
fn time<A>(warm: &[Probe], timed: &[Probe], mut f: impl FnMut(&Probe) -> A) -> (f64, f64) {
    for p in warm {
        std::hint::black_box(f(p));
    }
    let block = time_block(timed, f);
    (block.p50, block.p99)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    // Without `--bench` (as `cargo test --all-targets` runs it): a smoke run.
    let full = args.iter().any(|a| a == "--bench");
    let (residents, probes_wanted) = if full {
        (common::resident_count(), PROBES)
    } else {
        (SMOKE_RESIDENTS, SMOKE_PROBES)
    };
    let dir = target_dir()
        .join("bench-data")
        .join(format!("scale-{residents}"));
    register(&dir, residents);
    let cache = std::env::var("JUKI_BENCH_CACHE_MIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or_else(|| juki::cache_for(&dir.join(JUKI_FILE)), |mib| mib << 20);
    let juki = Juki::builder(dir.join(JUKI_FILE))
        .cache_size(cache)
        .open()
        .expect("opening the juki file");
    juki.set_clock(Clock::Fixed(common::today()));
    let session = juki
        .sign_in(OPERATOR, PASSWORD, TERMINAL)
        .expect("signing in");
    // Warmed with one draw, timed on another.
    let warm = probes(&session, residents, probes_wanted, 0x0073_6361_6c65);
    let probes = probes(&session, residents, probes_wanted, 0x7761_726d_6564);
    let warmed: std::collections::HashSet<u64> = warm.iter().map(|p| p.code.get()).collect();
    let fresh = probes
        .iter()
        .filter(|p| !warmed.contains(&p.code.get()))
        .count();
    eprintln!(
        "{fresh} of the {} timed probes are residents the warm-up did not ask",
        probes.len()
    );
    let rows = [
        (
            "by resident code",
            time(&warm, &probes, |p| session.get(p.code).expect("get")),
        ),
        (
            "by My Number",
            time(&warm, &probes, |p| {
                session.get_by_my_number(p.my_number).expect("get")
            }),
        ),
        (
            "4情報: name + birth date",
            time(&warm, &probes, |p| {
                let q = SearchQuery::new()
                    .name(&p.name)
                    .expect("a stored name")
                    .birth(p.birth);
                session.find(&q).expect("find")
            }),
        ),
        (
            "as of a past date",
            time(&warm, &probes, |p| {
                session.get_as_of(p.code, p.as_of).expect("as of")
            }),
        ),
    ];
    let size = std::fs::metadata(dir.join(JUKI_FILE))
        .map(|m| m.len())
        .unwrap_or(0);
    let mut table = format!(
        "\n### {residents} residents ({:.1} GiB file, {} MiB page cache)\n\n| lookup | p50 µs | p99 µs |\n| --- | ---: | ---: |\n",
        size as f64 / (1u64 << 30) as f64,
        cache >> 20
    );
    for (what, (p50, p99)) in rows {
        table.push_str(&format!("| {what} | {p50:.1} | {p99:.1} |\n"));
    }
    print!("{table}");
    if !full {
        return;
    }
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(target_dir().join("bench-data").join("scale.md"))
        .expect("scale.md");
    out.write_all(table.as_bytes()).expect("scale.md");
}
