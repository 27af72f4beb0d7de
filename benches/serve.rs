//! Many counters at once against `juki serve`, over its Unix socket on this machine: the
//! benchmark dataset (see `common`) served by an in-process [`juki::Server`], and client
//! threads, each with its own connection and session, as counters.
//!
//! Three runs, each on a fresh server of the same copy of the dataset:
//!
//! 1. **one session** recording 転居 back to back for [`MOVE_SECONDS`]: the 異動 throughput
//!    of a single counter (each 転居 acknowledged after its disk sync);
//! 2. **sixteen sessions** doing the same at once: the throughput the server reaches by
//!    committing several sessions' 異動 per disk sync;
//! 3. **fifty counters** for [`MIX_SECONDS`], each repeating a counter's mix: 7 lookups by
//!    resident code (GET), 2 searches by name and birth date (FIND), 1 転居 (MOVE) in 10,
//!    with a pause between two requests drawn at random (exponential, mean [`THINK_MS`]):
//!    fifty people at counters, each far quicker than a clerk, so the server is busy but
//!    not swamped, and the latency is the service's, not a queue's. Latency is measured at
//!    the client around each request, the socket and the JSON included;
//! 4. the same fifty counters **over TLS**, on TCP on the loopback address, as counters on
//!    other hosts connect (a certificate authority and certificate made for the run).
//!
//! The counters sign in as one registrar (the role of the counter: the watch on browsing
//! applies, with limits raised so that it never locks them). Every 転居 is of a different
//! resident who lives alone, to a building no one lives in.
//!
//! ```sh
//! cargo bench --bench serve                               # 100,000 residents
//! JUKI_SERVE_MIX_SECONDS=10 cargo bench --bench serve     # a shorter mixed run
//! ```
//!
//! The table is printed and written to `serve-table.md` in the dataset's directory. Without
//! `--bench` (as `cargo test --all-targets` runs it) it serves the 2,000-resident dataset
//! for a second a run, with fewer clients.

mod common;
#[path = "../tests/common/tls.rs"]
mod tls;

use common::keys::{sample, SqlLookups};
use common::{load_average, SplitMix};
use juki::{Client, Date, PartialDate, RemoteSession};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Seconds of each 転居-only run.
const MOVE_SECONDS: u64 = 10;
/// Seconds of the mixed run (`JUKI_SERVE_MIX_SECONDS` to change).
const MIX_SECONDS: u64 = 60;
/// The mean pause of a counter between two requests of the mix, in milliseconds.
const THINK_MS: f64 = 50.0;
/// The counters' operator and password.
const COUNTER: &str = "counter";
const COUNTER_PASSWORD: &str = "counter-password-2026";

/// What one request was.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Get,
    Find,
    Move,
}

/// The work the counters share: lookups and searches to draw from, residents to move.
struct Work {
    gets: Vec<String>,
    finds: Vec<String>,
    movers: Vec<u64>,
    next_mover: AtomicUsize,
}

impl Work {
    /// The next 転居 statement.
    fn next_move(&self, today: Date) -> Option<String> {
        let i = self.next_mover.fetch_add(1, Ordering::Relaxed);
        // Each resident moves again once every other has moved: to another new building,
        // on the same day (a second 転居 of the day is a version after the first).
        let code = *self.movers.get(i % self.movers.len().max(1))?;
        let code = juki::ResidentCode::from_u64(code).expect("a stored code");
        Some(format!(
            "MOVE {code} address='{}' ON {today}",
            new_address(i)
        ))
    }
}

/// A building the generator never uses (as the load bench's 転居).
fn new_address(i: usize) -> String {
    common::new_address("かうんたあ", i)
}

/// Every latency of one kind of request, in nanoseconds.
#[derive(Default)]
struct Timings {
    get: Vec<u64>,
    find: Vec<u64>,
    moved: Vec<u64>,
}

impl Timings {
    fn push(&mut self, kind: Kind, ns: u64) {
        match kind {
            Kind::Get => self.get.push(ns),
            Kind::Find => self.find.push(ns),
            Kind::Move => self.moved.push(ns),
        }
    }

    fn merge(&mut self, other: Timings) {
        self.get.extend(other.get);
        self.find.extend(other.find);
        self.moved.extend(other.moved);
    }
}

/// Runs one statement text and checks it ran; its time.
fn timed(session: &RemoteSession, text: &str) -> u64 {
    let started = Instant::now();
    let ran = session.run(text).expect("the request reaches the server");
    let ns = started.elapsed().as_nanos() as u64;
    if let Some(r) = ran.refused {
        panic!("{text}: refused: {} {}", r.code, r.message);
    }
    ns
}

/// One counter: until `until`, its mix (or 転居 only), on its own session.
/// A counter's session and the moment its run ends, given once every counter has signed in.
fn counter(
    connect: &Connect,
    work: &Work,
    seed: u64,
    moves_only: bool,
    start: &std::sync::mpsc::Receiver<Instant>,
) -> Timings {
    let session = connect
        .client()
        .expect("connecting")
        .sign_in(COUNTER, COUNTER_PASSWORD, &format!("counter-{seed}"))
        .expect("signing in");
    let until = start.recv().expect("the start");
    let today = common::today();
    let mut rng = SplitMix(seed);
    let mut times = Timings::default();
    while Instant::now() < until {
        let roll = if moves_only { 9 } else { rng.below(10) };
        let (kind, text) = match roll {
            0..=6 => (
                Kind::Get,
                work.gets[rng.below(work.gets.len() as u64) as usize].clone(),
            ),
            7 | 8 => (
                Kind::Find,
                work.finds[rng.below(work.finds.len() as u64) as usize].clone(),
            ),
            _ => match work.next_move(today) {
                Some(m) => (Kind::Move, m),
                None if moves_only => break,
                None => (
                    Kind::Get,
                    work.gets[rng.below(work.gets.len() as u64) as usize].clone(),
                ),
            },
        };
        times.push(kind, timed(&session, &text));
        if !moves_only {
            // An exponential pause: -ln(U) × mean, U uniform in (0, 1].
            let u = (rng.below(1 << 30) + 1) as f64 / (1u64 << 30) as f64;
            std::thread::sleep(Duration::from_secs_f64(-u.ln() * THINK_MS / 1e3));
        }
    }
    times
}

/// What one run measured.
struct Measured {
    times: Timings,
    /// Seconds from the first counter's start to the last one's end.
    wall: f64,
    /// Processor seconds of the whole process (server and counters) over the run.
    cpu: f64,
}

/// How the counters reach the server.
#[derive(Clone)]
enum Connect {
    /// Its Unix socket.
    Socket(PathBuf),
    /// TLS on TCP at `localhost:port`, trusting the authority in the file.
    Tls(String, PathBuf),
}

impl Connect {
    fn client(&self) -> juki::Result<Client> {
        match self {
            Connect::Socket(socket) => Client::connect(socket),
            Connect::Tls(address, ca) => Client::connect_tls(address, ca),
        }
    }
}

/// One run: a fresh server of `db`, `clients` counters for `seconds`, through the socket
/// or, with `tls`, over TLS on loopback.
fn run(
    db: &Path,
    work: &Arc<Work>,
    clients: usize,
    seconds: f64,
    (moves_only, tls): (bool, bool),
) -> Measured {
    let juki = juki::Juki::builder(db).open().expect("opening the copy");
    juki.set_clock(juki::Clock::Fixed(common::today()));
    let certificates = tempfile::tempdir().expect("a directory");
    let mut builder = juki::Server::builder(juki.clone()).stop_on_signals(false);
    let mut ca = None;
    if tls {
        let (authority, files) = tls::authority(certificates.path(), "bench", &["localhost"]);
        builder = builder
            .tcp("127.0.0.1:0".parse().expect("an address"))
            .tls(files);
        ca = Some(authority);
    }
    let server = builder.bind().expect("binding the socket");
    let connect = match (ca, server.tcp_address()) {
        (Some(ca), Some(at)) => Connect::Tls(format!("localhost:{}", at.port()), ca),
        _ => Connect::Socket(server.socket().to_path_buf()),
    };
    let stopper = server.stopper();
    let serving = std::thread::spawn(move || server.run());
    let (starts, threads): (Vec<_>, Vec<_>) = (0..clients)
        .map(|i| {
            let (connect, work) = (connect.clone(), Arc::clone(work));
            let (start, started) = std::sync::mpsc::channel();
            let thread = std::thread::spawn(move || {
                counter(&connect, &work, 1 + i as u64, moves_only, &started)
            });
            (start, thread)
        })
        .unzip();
    // Every counter signs in (argon2: tens of milliseconds of processor time each) before
    // the clock starts.
    while juki.sessions() < clients {
        std::thread::sleep(Duration::from_millis(10));
    }
    let started = Instant::now();
    let cpu_before = common::process_cpu_s();
    let until = started + Duration::from_secs_f64(seconds);
    for start in starts {
        start.send(until).expect("a counter waiting");
    }
    let mut all = Timings::default();
    for t in threads {
        all.merge(t.join().expect("a counter"));
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = common::process_cpu_s() - cpu_before;
    stopper.stop();
    serving
        .join()
        .expect("the server thread")
        .expect("the server");
    Measured {
        times: all,
        wall,
        cpu,
    }
}

/// p50 and p99 in milliseconds.
fn quantiles(ns: &[u64]) -> (f64, f64) {
    if ns.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let (p50, p99) = common::percentiles(ns.to_vec());
    (p50 / 1e3, p99 / 1e3)
}

/// The statements the counters draw from, read off the dataset's SQLite twin.
fn work(set: &common::Dataset, movers: usize) -> Work {
    let conn = set.open_sqlite();
    let keys = sample(&conn, common::today());
    let mut sql = SqlLookups::new(&conn);
    let gets = keys.iter().map(|k| format!("GET {}", k.code)).collect();
    let finds = keys
        .iter()
        .filter_map(|k| sql.by_code(k.code))
        .map(|r| {
            let birth = PartialDate::from_code(r.birth)
                .expect("a stored date")
                .first_day()
                .unwrap_or_else(|| Date::from_ymd(1900, 1, 1).expect("a day"));
            format!("FIND name='{}' birth={birth}", r.name)
        })
        .collect();
    Work {
        gets,
        finds,
        movers: movers_of(&conn, movers),
        next_mover: AtomicUsize::new(0),
    }
}

/// Up to `count` active residents who live alone, in a fixed random order.
fn movers_of(conn: &rusqlite::Connection, count: usize) -> Vec<u64> {
    let mut codes: Vec<u64> = conn
        .prepare(
            "SELECT min(code) FROM residents WHERE status = ?1 \
             GROUP BY household HAVING count(*) = 1 ORDER BY 1",
        )
        .and_then(|mut s| {
            s.query_map([juki::Status::Active.code()], |r| r.get::<_, i64>(0))?
                .map(|c| c.map(|c| c as u64))
                .collect()
        })
        .expect("residents who live alone");
    let mut rng = SplitMix(7);
    for i in 0..codes.len().min(count) {
        let j = i + rng.below((codes.len() - i) as u64) as usize;
        codes.swap(i, j);
    }
    codes.truncate(count);
    codes
}

/// A copy of the dataset's file with the counters' operator, and the watch's limits raised.
fn prepare(set: &common::Dataset) -> PathBuf {
    let copy = set.dir.join("serve.redb");
    std::fs::copy(&set.juki, &copy).expect("copying the juki file");
    let (_juki, admin) = common::sign_in(&copy);
    admin
        .run(&format!(
            "CREATE OPERATOR {COUNTER} ROLE registrar PASSWORD '{COUNTER_PASSWORD}'; \
             SET WATCH searches=100000000 residents=100000000 minutes=1"
        ))
        .expect("the counters' operator");
    copy
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    if !full && std::env::var_os("JUKI_BENCH_RESIDENTS").is_none() {
        std::env::set_var("JUKI_BENCH_RESIDENTS", "2000");
    }
    let (move_s, mix_s, many, counters) = if full {
        let mix = std::env::var("JUKI_SERVE_MIX_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(MIX_SECONDS);
        (MOVE_SECONDS as f64, mix as f64, 16, 50)
    } else {
        (1.0, 1.0, 4, 8)
    };
    let set = common::dataset();
    let db = prepare(&set);
    let work = Arc::new(work(&set, usize::MAX));
    let before = load_average();

    eprintln!("one session, 転居 only, {move_s} s …");
    let one = run(&db, &work, 1, move_s, (true, false));
    eprintln!("{many} sessions, 転居 only, {move_s} s …");
    let sixteen = run(&db, &work, many, move_s, (true, false));
    eprintln!("{counters} counters, the mix, {mix_s} s …");
    let mix = run(&db, &work, counters, mix_s, (false, false));
    eprintln!("{counters} counters, the mix over TLS, {mix_s} s …");
    let tls = run(&db, &work, counters, mix_s, (false, true));

    let one_rate = one.times.moved.len() as f64 / one.wall;
    let many_rate = sixteen.times.moved.len() as f64 / sixteen.wall;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "`juki serve`, {} residents, over the Unix socket (the last run over TLS on loopback TCP); load average before {before}, after {}\n",
        common::resident_count(),
        load_average()
    );
    let _ = writeln!(
        t,
        "| run | requests | per second | p50 | p99 | processor time per request |"
    );
    let _ = writeln!(t, "| --- | --- | --- | --- | --- | --- |");
    let mut row = |name: &str, ns: &[u64], m: &Measured| {
        let (p50, p99) = quantiles(ns);
        let all = m.times.get.len() + m.times.find.len() + m.times.moved.len();
        let _ = writeln!(
            t,
            "| {name} | {} | {:.0} | {p50:.3} ms | {p99:.3} ms | {:.3} ms |",
            ns.len(),
            ns.len() as f64 / m.wall,
            m.cpu * 1e3 / all.max(1) as f64
        );
    };
    row("転居, one session", &one.times.moved, &one);
    row(
        &format!("転居, {many} sessions"),
        &sixteen.times.moved,
        &sixteen,
    );
    row(&format!("mix of {counters}: GET"), &mix.times.get, &mix);
    row(&format!("mix of {counters}: FIND"), &mix.times.find, &mix);
    row(&format!("mix of {counters}: MOVE"), &mix.times.moved, &mix);
    row(
        &format!("mix of {counters} over TLS: GET"),
        &tls.times.get,
        &tls,
    );
    row(
        &format!("mix of {counters} over TLS: FIND"),
        &tls.times.find,
        &tls,
    );
    row(
        &format!("mix of {counters} over TLS: MOVE"),
        &tls.times.moved,
        &tls,
    );
    let _ = writeln!(
        t,
        "\n異動 throughput, {many} sessions ÷ one: {:.2} ×; processor time is the whole \
         process's (server and counters) over the run, per request of any kind",
        many_rate / one_rate
    );
    print!("{t}");
    std::fs::write(set.dir.join("serve-table.md"), &t).expect("writing the table");
    let _ = std::fs::remove_file(&db);
}
