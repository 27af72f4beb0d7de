//! `juki demo` (a generated register in a fresh directory, then the REPL) and `juki gen`
//! (the generator's CSV files).

use super::{fail, style, EXIT_FAILED, EXIT_OK};
use crate::console::format::{DateStyle, Format};
use crate::console::Console;
use juki::generator::{self, GenOptions};
use juki::Date;
use juki::Juki;
use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

/// The demo's generator seed: every demo database is the same register.
const DEMO_SEED: u64 = 2026;

/// The demo administrator.
const DEMO_ADMIN: &str = "demo-admin";

/// A fresh random password for the demo administrator.
fn demo_password() -> String {
    use sha2::{Digest, Sha256};
    let seed = format!(
        "{:?}{}{:p}",
        std::time::SystemTime::now(),
        std::process::id(),
        &DEMO_SEED
    );
    let digest = Sha256::digest(seed.as_bytes());
    // The sign and the hex digits are two kinds of character, as every password needs.
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("demo-{hex}")
}

/// Builds the demo database and opens the REPL on it (unless `no_repl`), signed in as the
/// demo administrator.
pub fn run(
    count: usize,
    no_repl: bool,
    format: Option<Format>,
    dates: DateStyle,
    idle_minutes: u64,
) -> u8 {
    let dir = match tempfile::Builder::new().prefix("juki-demo-").tempdir() {
        Ok(d) => d.keep(),
        Err(e) => return fail("IO", format!("creating a demo directory: {e}")),
    };
    let path = dir.join("demo.redb");
    let password = demo_password();
    // 芦屋市 with its address dictionary: the generator's addresses are placed in it.
    let created = Juki::builder(&path)
        .municipality("282065")
        .and_then(|b| {
            b.towns(
                juki::PlaceBook::first_day(),
                juki::TownDictionary::ashiya_csv(),
            )
        })
        .and_then(|b| b.create_with_admin(DEMO_ADMIN, &password));
    let juki = match created {
        Ok(j) => j,
        Err(e) => return fail(e.code(), e),
    };
    let session = match juki.sign_in(DEMO_ADMIN, &password, "demo") {
        Ok(s) => s,
        Err(e) => return fail(e.code(), e),
    };
    let started = Instant::now();
    let mut opts = GenOptions::new(count, DEMO_SEED, Date::today_jst());
    opts.history = true;
    let moves_in: Vec<_> = generator::residents(&opts)
        .map(|r| r.to_move_in())
        .collect();
    let history: Vec<_> = generator::history(&opts).map(|c| c.to_change()).collect();
    if let Err(e) = session.record_batch(moves_in.iter().chain(&history)) {
        return fail(e.code(), e);
    }
    // Certificates are signed by the mayor: a sample name, marked as such.
    if let Err(e) = session.set_issuer("兵庫県芦屋市長", "見本 太郎") {
        return fail(e.code(), e);
    }
    let counts = match session.counts() {
        Ok(c) => c,
        Err(e) => return fail(e.code(), e),
    };
    println!(
        "demo database: {}\n{} residents ({} active), {} versions, loaded in {:.1} s",
        path.display(),
        counts.residents,
        counts.active,
        counts.versions,
        started.elapsed().as_secs_f64()
    );
    if no_repl {
        return EXIT_OK;
    }
    println!(
        "signed in as {DEMO_ADMIN} (password {password}, asked again after {idle_minutes} idle minutes)."
    );
    println!("Type help for the statements; for example:");
    let sample = moves_in
        .iter()
        .filter_map(|c| session.get(c.code).ok().flatten())
        .find(|r| r.is_active() && r.version > 1);
    if let Some(r) = sample {
        println!("  FIND name='{}' birth={}", r.kana, r.birth);
        println!("  HISTORY {}", r.code);
        println!("  HOUSEHOLD OF {}", r.code);
        println!("  STATS BY town, sex");
        println!(
            "  ISSUE COPY HOUSEHOLD OF {} WITH household TO '{}'",
            r.code,
            dir.join("copy.pdf").display()
        );
    }
    let mut console = Console {
        link: crate::console::Link::Local(session),
        format: format.unwrap_or(Format::Table),
        style: style(),
        dates,
        timing: false,
    };
    if crate::repl::run(&mut console, idle_minutes) {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

/// Writes `count` generated residents to `out` and, with `history`, their 異動 to
/// `<out stem>.history.csv` beside it.
pub fn gen(count: usize, seed: u64, history: bool, today: Date, out: &Path) -> u8 {
    let mut opts = GenOptions::new(count, seed, today);
    opts.history = history;
    let started = Instant::now();
    let file = match std::fs::File::create(out) {
        Ok(f) => BufWriter::new(f),
        Err(e) => return fail("IO", format!("{}: {e}", out.display())),
    };
    let history_path = out.with_extension("history.csv");
    let mut history_file = if history {
        match std::fs::File::create(&history_path) {
            Ok(f) => Some(BufWriter::new(f)),
            Err(e) => return fail("IO", format!("{}: {e}", history_path.display())),
        }
    } else {
        None
    };
    let result = generator::write_csv(
        &opts,
        file,
        history_file.as_mut().map(|w| w as &mut dyn std::io::Write),
    );
    match result {
        Ok(stats) => {
            eprintln!(
                "wrote {} residents in {} households to {}{} in {:.1} s",
                stats.residents,
                stats.households,
                out.display(),
                if history {
                    format!(", {} changes to {}", stats.changes, history_path.display())
                } else {
                    String::new()
                },
                started.elapsed().as_secs_f64()
            );
            EXIT_OK
        }
        Err(e) => fail("IO", e),
    }
}
