//! `juki bench`: measures what only the engine itself can measure, such as the cost of the
//! operation log: lookups by resident code through the engine directly (unaudited) and
//! through a signed-in session (permission check, operator check, log entry), on the same
//! generated register in the same run. Prints one table; no personal data is shown.

use super::{fail, EXIT_OK};
use juki::generator::{self, GenOptions};
use juki::Clock;
use juki::Juki;
use juki::{Date, ResidentCode};
use std::time::Instant;

fn per_second(n: usize, secs: f64) -> f64 {
    n as f64 / secs.max(1e-9)
}

/// Runs the audit-overhead benchmark on `residents` generated residents.
pub fn run(residents: usize, lookups: usize) -> u8 {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return fail("IO", e),
    };
    let today = Date::from_ymd(2026, 4, 1).expect("a date");
    let password = "bench-password-1";
    let juki =
        match Juki::builder(dir.path().join("bench.redb")).create_with_admin("bench", password) {
            Ok(j) => j,
            Err(e) => return fail(e.code(), e),
        };
    juki.set_clock(Clock::Fixed(today));
    let session = match juki.sign_in("bench", password, "bench") {
        Ok(s) => s,
        Err(e) => return fail(e.code(), e),
    };
    let mut opts = GenOptions::new(residents, 7, today);
    opts.history = true;
    let moves: Vec<_> = generator::residents(&opts)
        .map(|r| r.to_move_in())
        .collect();
    let history: Vec<_> = generator::history(&opts).map(|c| c.to_change()).collect();
    let started = Instant::now();
    if let Err(e) = session.record_batch(moves.iter().chain(&history)) {
        return fail(e.code(), e);
    }
    eprintln!(
        "loaded {} residents and {} changes in {:.1} s",
        moves.len(),
        history.len(),
        started.elapsed().as_secs_f64()
    );
    // A fixed pseudo-random sample of codes (xorshift over the generated order).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let codes: Vec<ResidentCode> = (0..lookups)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            moves[(x % moves.len() as u64) as usize].code
        })
        .collect();
    let mut rows = Vec::new();
    for round in 0..3 {
        let (mut found, took) = match session.time_unaudited_lookups(&codes) {
            Ok(r) => r,
            Err(e) => return fail(e.code(), e),
        };
        let unaudited = per_second(codes.len(), took.as_secs_f64());
        let t = Instant::now();
        for c in &codes {
            found += usize::from(matches!(session.get(*c), Ok(Some(_))));
        }
        let audited = per_second(codes.len(), t.elapsed().as_secs_f64());
        assert_eq!(found, 2 * codes.len(), "every sampled resident is found");
        rows.push((round + 1, unaudited, audited));
    }
    if let Err(e) = juki.flush_log() {
        return fail(e.code(), e);
    }
    println!(
        "lookup by resident code, {} lookups a round, {residents} residents",
        codes.len()
    );
    println!("round | unaudited lookups/s | audited lookups/s | audited ÷ unaudited");
    for (round, u, a) in rows {
        println!("{round:>5} | {u:>19.0} | {a:>17.0} | {:>19.2}", a / u);
    }
    EXIT_OK
}
