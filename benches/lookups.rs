//! Lookups side by side: juki and SQLite answering the same questions over the same
//! register (see `common` for the dataset and BENCHMARKS.md for the method and results).
//!
//! One criterion group per operation, each with a `juki` and a `sqlite` function. Both walk
//! the same fixed pseudo-random sample of keys, one key per iteration. juki is read through
//! a signed-in [`Session`], its only public way to personal data (permission check and an
//! operation-log entry per call included). Before measuring, every key is asked of both
//! engines and the answers are compared, so the two sides are known to do the same work.
//!
//! ```sh
//! cargo bench --bench lookups                          # 100,000 residents
//! JUKI_BENCH_RESIDENTS=10000 cargo bench --bench lookups
//! ```

mod common;

use common::keys::{check, sample, searches, Keys, SqlLookups};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;

/// Walks the sample, one key per call.
struct Cycle<'a> {
    keys: &'a [Keys],
    next: usize,
}

impl<'a> Cycle<'a> {
    fn new(keys: &'a [Keys]) -> Cycle<'a> {
        Cycle { keys, next: 0 }
    }

    fn key(&mut self) -> &'a Keys {
        let k = &self.keys[self.next];
        self.next = (self.next + 1) % self.keys.len();
        k
    }
}

fn lookups(c: &mut Criterion) {
    // Without `--bench` (as `cargo test --all-targets` runs it): a small register.
    if !std::env::args().any(|a| a == "--bench")
        && std::env::var_os("JUKI_BENCH_RESIDENTS").is_none()
    {
        std::env::set_var("JUKI_BENCH_RESIDENTS", "2000");
    }
    let set = common::dataset();
    eprint!("dataset {}:\n{}", set.dir.display(), set.report);
    let (_juki, db) = set.open_juki_copy();
    let conn = set.open_sqlite();
    let keys = sample(&conn, common::today());
    check(&db, &conn, &keys);

    // SQLite reads inside one read transaction renewed at juki's snapshot cadence.
    let mut sql = SqlLookups::new(&conn);

    let mut g = c.benchmark_group("lookup_by_code");
    let mut cycle = Cycle::new(&keys);
    g.bench_function("juki", |b| {
        b.iter(|| black_box(db.get(cycle.key().code).expect("get")))
    });
    g.bench_function("sqlite", |b| {
        b.iter(|| black_box(sql.by_code(cycle.key().code)))
    });
    g.finish();

    let mut g = c.benchmark_group("lookup_by_my_number");
    g.bench_function("juki", |b| {
        b.iter(|| black_box(db.get_by_my_number(cycle.key().my_number).expect("get")))
    });
    g.bench_function("sqlite", |b| {
        b.iter(|| black_box(sql.by_my_number(cycle.key().my_number)))
    });
    g.finish();

    for (n, (name, pick)) in searches().into_iter().enumerate() {
        let mut g = c.benchmark_group(name);
        g.bench_function("juki", |b| {
            b.iter(|| black_box(db.find(&pick(cycle.key()).juki).expect("find")))
        });
        g.bench_function("sqlite", |b| {
            b.iter(|| black_box(sql.search(n, pick(cycle.key()))))
        });
        g.finish();
    }

    let mut g = c.benchmark_group("lookup_as_of");
    g.bench_function("juki", |b| {
        b.iter(|| {
            let k = cycle.key();
            black_box(db.get_as_of(k.code, k.as_of).expect("as of"))
        })
    });
    g.bench_function("sqlite", |b| {
        b.iter(|| {
            let k = cycle.key();
            black_box(sql.as_of(k.code, k.as_of))
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    targets = lookups
}
criterion_main!(benches);
