//! Times `juki import` of generated residents with their history.
//!
//! `cargo run --release --example bulk_load -- 1000000` generates that many residents
//! (with history) into a temporary directory, imports them into a fresh database and
//! prints the closing report with rows per second. `-- 1000000 --no-history` imports the
//! residents only.

use juki::generator::{write_csv, GenOptions};
use juki::Clock;
use juki::Date;
use juki::Juki;
use juki::{ImportOptions, Progress, ProgressEvent};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let today = Date::parse("2026-04-01")?;
    let dir = tempfile::tempdir()?;
    let csv = dir.path().join("residents.csv");
    let mut opts = GenOptions::new(n, 42, today);
    opts.history = true;
    let t = std::time::Instant::now();
    let mut history = std::fs::File::create(ImportOptions::companion_of(&csv))?;
    let stats = write_csv(
        &opts,
        std::io::BufWriter::new(std::fs::File::create(&csv)?),
        Some(&mut history),
    )?;
    println!(
        "generated {} residents and {} changes in {:.1?}",
        stats.residents,
        stats.changes,
        t.elapsed()
    );
    let path = dir.path().join("juki.redb");
    let juki = Juki::builder(&path).create_with_admin("loader", "loader-password")?;
    juki.set_clock(Clock::Fixed(today));
    let db = juki.sign_in("loader", "loader-password", "bulk_load")?;
    let mut import_opts = ImportOptions::new(&csv);
    if std::env::args().any(|a| a == "--no-history") {
        import_opts.history = None;
    }
    // Each phase as it starts, with how long the one before took.
    let started = std::time::Instant::now();
    let mut phase = None;
    let mut show = |e: ProgressEvent| {
        if phase != Some(e.phase) {
            phase = Some(e.phase);
            eprintln!("{:>6.1} s  {:?}", started.elapsed().as_secs_f64(), e.phase);
        }
    };
    let report = db.import(&import_opts, Progress::To(&mut show))?;
    println!("{report}");
    println!(
        "residents written per second (whole import): {:.0}",
        report.written as f64 / report.seconds
    );
    Ok(())
}
