//! The cost of encryption at rest: the same generated register in a plain and in an
//! encrypted file, looked up by resident code and loaded (see BENCHMARKS.md).
//!
//! `JUKI_CRYPT_BENCH_RESIDENTS` residents (default 20,000) come from the seeded generator
//! as 転入. Lookups read through a signed-in session (permission check and operation-log
//! entry included), one code of a fixed pseudo-random sample per iteration. The load
//! creates a fresh file and records a quarter of the register in one batch per iteration.
//!
//! ```sh
//! cargo bench --bench encryption
//! JUKI_CRYPT_BENCH_RESIDENTS=100000 cargo bench --bench encryption
//! ```

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use juki::generator::{self, GenOptions};
use juki::Clock;
use juki::Key;
use juki::{Change, Juki, Session};
use juki::{Date, ResidentCode};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

const ADMIN: &str = "bench";
const PASSWORD: &str = "bench-password-2026";
/// A key file's key: no argon2id at open, which is not what is measured.
const KEY_BYTES: [u8; 32] = [0x5a; 32];

fn residents() -> usize {
    std::env::var("JUKI_CRYPT_BENCH_RESIDENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn today() -> Date {
    Date::from_ymd(2026, 4, 1).expect("a valid date")
}

fn changes(n: usize) -> Vec<Change> {
    generator::residents(&GenOptions::new(n, 20260401, today()))
        .map(|r| r.to_move_in())
        .collect()
}

fn key() -> Key {
    Key::key_file_bytes(KEY_BYTES.to_vec()).expect("32 bytes")
}

fn create(path: &Path, encrypted: bool) -> (Juki, Session) {
    let juki = if encrypted {
        Juki::builder(path)
            .key(key())
            .create_with_admin(ADMIN, PASSWORD)
    } else {
        Juki::builder(path).create_with_admin(ADMIN, PASSWORD)
    }
    .expect("create");
    juki.set_clock(Clock::Fixed(today()));
    let s = juki.sign_in(ADMIN, PASSWORD, "bench").expect("sign in");
    (juki, s)
}

/// splitmix64, for the sample.
fn sample(codes: &[ResidentCode], n: usize) -> Vec<ResidentCode> {
    let mut x = 0x6a75_6b69u64;
    (0..n)
        .map(|_| {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            codes[((z ^ (z >> 31)) % codes.len() as u64) as usize]
        })
        .collect()
}

fn lookups(c: &mut Criterion) {
    let n = residents();
    let all = changes(n);
    let codes: Vec<ResidentCode> = all.iter().map(|c| c.code).collect();
    let keys = sample(&codes, 1_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut g = c.benchmark_group(format!("lookup by code ({n} residents)"));
    for (name, encrypted) in [("plain", false), ("encrypted", true)] {
        let path = dir.path().join(format!("{name}.redb"));
        {
            let (_juki, s) = create(&path, encrypted);
            for chunk in all.chunks(50_000) {
                s.record_batch(chunk).expect("load");
            }
        }
        let juki = if encrypted {
            Juki::builder(&path).key(key()).open()
        } else {
            Juki::builder(&path).open()
        }
        .expect("open");
        let s = juki.sign_in(ADMIN, PASSWORD, "bench").expect("sign in");
        let mut i = 0;
        g.bench_function(name, |b| {
            b.iter(|| {
                let code = keys[i % keys.len()];
                i += 1;
                black_box(s.get(code).expect("get").expect("found"))
            })
        });
    }
    g.finish();
}

fn load(c: &mut Criterion) {
    let n = (residents() / 4).max(1);
    let all = changes(n);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut g = c.benchmark_group(format!("load ({n} residents, one batch)"));
    g.sample_size(10);
    let mut k = 0;
    for (name, encrypted) in [("plain", false), ("encrypted", true)] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || {
                    k += 1;
                    let path = dir.path().join(format!("load-{k}.redb"));
                    let made = create(&path, encrypted);
                    (path, made)
                },
                |(path, (juki, s))| {
                    s.record_batch(&all).expect("load");
                    drop(s);
                    drop(juki);
                    let _ = std::fs::remove_file(path);
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = lookups, load
}
criterion_main!(benches);
