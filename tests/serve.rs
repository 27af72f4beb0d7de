//! `juki serve`: one process owns the register and every client goes through it: the
//! `juki` command's `-c` and scripts, and the library's [`juki::Client`].

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use juki::{Client, ErrorCode, Juki, Output as Out};

mod common;
use common::leaks::{assert_no_leak, Secrets};
use common::tls::authority;

const PASSWORD: &str = "admin-password-1";
const CLERK_PASSWORD: &str = "clerk-password-1";
const MOVE_IN: &str = "MOVE IN 24727059608 my_number=123456789018 name='山田 太郎' kana='ヤマダ タロウ' sex=1 birth=1980-04-01 address=芦屋市精道町7-6 postal=659-8501 household=1001 relationship=世帯主 ON 2020-04-01";

/// A register of 芦屋市 with admin1 and clerk1 (a registrar: the counter, My Numbers included), closed again.
fn register(dir: &Path) -> PathBuf {
    let path = dir.join("city.redb");
    let juki = Juki::builder(&path)
        .municipality("282065")
        .unwrap()
        .towns(
            juki::PlaceBook::first_day(),
            juki::TownDictionary::ashiya_csv(),
        )
        .unwrap()
        .create_with_admin("admin1", PASSWORD)
        .unwrap();
    let admin = juki.sign_in("admin1", PASSWORD, "setup").unwrap();
    admin
        .run(&format!(
            "CREATE OPERATOR clerk1 ROLE registrar PASSWORD '{CLERK_PASSWORD}'"
        ))
        .unwrap();
    path
}

/// A running `juki serve`, killed if a test fails before it stops it.
struct Served {
    child: Option<Child>,
    socket: PathBuf,
}

impl Served {
    fn start(db: &Path) -> Served {
        let child = Command::new(env!("CARGO_BIN_EXE_juki"))
            .args(["--db", db.to_str().unwrap(), "serve"])
            .env_remove("JUKI_DB")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let socket = juki::socket_path(db);
        let started = Instant::now();
        while std::os::unix::net::UnixStream::connect(&socket).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Served {
            child: Some(child),
            socket,
        }
    }

    /// Sends `signal` and waits for the server to end.
    fn stop(mut self, signal: &str) -> Output {
        let child = self.child.take().unwrap();
        // The shell's own `kill`: no kill program need be installed.
        let status = Command::new("sh")
            .args(["-c", &format!("kill {signal} {}", child.id())])
            .status()
            .unwrap();
        assert!(status.success());
        child.wait_with_output().unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A server in this process, bound and running on a thread of its own: its socket, what
/// stops it, and the thread.
fn in_process(
    builder: juki::ServerBuilder,
) -> (
    PathBuf,
    juki::Stopper,
    std::thread::JoinHandle<juki::Result<()>>,
) {
    let (socket, _, stopper, thread) = in_process_tcp(builder);
    (socket, stopper, thread)
}

/// [`in_process`], with the TCP address the server listens on when it does.
fn in_process_tcp(
    builder: juki::ServerBuilder,
) -> (
    PathBuf,
    Option<std::net::SocketAddr>,
    juki::Stopper,
    std::thread::JoinHandle<juki::Result<()>>,
) {
    let server = builder.stop_on_signals(false).bind().unwrap();
    let socket = server.socket().to_path_buf();
    let tcp = server.tcp_address();
    let stopper = server.stopper();
    (
        socket,
        tcp,
        stopper,
        std::thread::spawn(move || server.run()),
    )
}

/// `juki -c` for each statement, signed in as `operator`.
fn juki_c(db: &Path, operator: &str, password: &str, statements: &[&str]) -> Output {
    let mut args = vec!["--db", db.to_str().unwrap(), "--operator", operator];
    args.extend(["--terminal", "counter-9", "--format", "json"]);
    for s in statements {
        args.extend(["-c", s]);
    }
    Command::new(env!("CARGO_BIN_EXE_juki"))
        .args(&args)
        .env_remove("JUKI_DB")
        .env("JUKI_PASSWORD", password)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn rows(output: &Out) -> &juki::Rows {
    match output {
        Out::Rows(r) => r,
        Out::Message(m) => panic!("rows expected, got the message {m}"),
    }
}

#[test]
fn clients_share_the_served_register_and_each_statement_is_logged_with_its_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = register(dir.path());
    let served = Served::start(&db);
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&served.socket).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "only the server's user may connect");

    // While served, the file cannot be opened by another process: everything goes through
    // the server.
    let direct = Juki::builder(&db).open().unwrap_err();
    assert!(direct.is_in_use(), "{direct}");

    // A clerk through the library's client and the administrator through `juki -c`, at
    // the same time.
    let clerk = Client::connect(&served.socket)
        .unwrap()
        .sign_in("clerk1", CLERK_PASSWORD, "counter-1")
        .unwrap();
    assert_eq!((clerk.operator(), clerk.role()), ("clerk1", "registrar"));
    let ran = clerk.run(MOVE_IN).unwrap();
    assert!(ran.is_ok(), "{:?}", ran.refused);
    let got = juki_c(&db, "admin1", PASSWORD, &["GET 24727059608"]);
    assert!(got.status.success(), "{}", text(&got.stderr));
    let line = text(&got.stdout);
    assert!(line.contains("\"name\":\"山田 太郎\""), "{line}");

    // The clerk's results come back typed: a date is a date, a number a number.
    let ran = clerk.run("GET 24727059608; HISTORY 24727059608").unwrap();
    assert_eq!(ran.steps.len(), 2);
    let got = rows(&ran.steps[0].output);
    let birth = got.columns.iter().position(|c| *c == "birth_date").unwrap();
    assert_eq!(
        got.rows[0][birth],
        juki::Cell::Date(juki::Date::parse("1980-04-01").unwrap())
    );
    let version = got.columns.iter().position(|c| *c == "version").unwrap();
    assert_eq!(got.rows[0][version], juki::Cell::Int(1));

    // A refusal comes back as the console prints it: code, redacted message, caret.
    let ran = clerk
        .run("GET 24727059608; FIND name=ヤマダ; GET 24727059608")
        .unwrap();
    assert_eq!(
        ran.steps.len(),
        1,
        "the statements after the refusal did not run"
    );
    let refused = ran.refused.unwrap();
    assert_eq!(refused.code, ErrorCode::SearchMinimum);
    let printed = juki_c(
        &db,
        "clerk1",
        CLERK_PASSWORD,
        &["GET mynumber=123456789018 x"],
    );
    assert_eq!(printed.status.code(), Some(1));
    assert!(
        text(&printed.stderr).starts_with("error[SYNTAX]"),
        "{}",
        text(&printed.stderr)
    );
    let secrets = Secrets::new()
        .number("123456789018")
        .password(PASSWORD)
        .password(CLERK_PASSWORD);
    assert_no_leak(
        &text(&printed.stderr),
        &secrets,
        "a refusal through the server",
    );

    // The log names each client's terminal and the process it connected from.
    let audit = juki_c(&db, "admin1", PASSWORD, &["AUDIT kind='MOVE IN'"]);
    let audit = text(&audit.stdout);
    assert!(audit.contains("counter-1 (pid "), "{audit}");
    let audit = juki_c(&db, "admin1", PASSWORD, &["AUDIT operator=clerk1"]);
    assert!(
        text(&audit.stdout).contains("counter-9 (pid "),
        "{}",
        text(&audit.stdout)
    );

    drop(clerk);
    let stopped = served.stop("-TERM");
    assert!(stopped.status.success(), "{}", text(&stopped.stderr));
    assert_no_leak(&text(&stopped.stderr), &secrets, "the server's output");
    assert!(
        !juki::socket_path(&db).exists(),
        "a clean stop removes the socket"
    );

    // Closed by the server, the file opens again, with everything the clients did.
    let juki = Juki::builder(&db).open().unwrap();
    let admin = juki.sign_in("admin1", PASSWORD, "after").unwrap();
    assert_eq!(
        admin.history("24727059608".parse().unwrap()).unwrap().len(),
        1
    );
}

#[test]
fn a_wrong_password_an_unknown_token_and_a_disabled_operator_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = register(dir.path());
    let served = Served::start(&db);
    let wrong = Client::connect(&served.socket)
        .unwrap()
        .sign_in("clerk1", "not-the-password", "counter-1")
        .unwrap_err();
    assert_eq!(wrong.code(), ErrorCode::AuthFailed);
    assert!(!wrong.to_string().contains("not-the-password"));
    let refused = juki_c(&db, "clerk1", "not-the-password", &["HELP"]);
    assert_eq!(refused.status.code(), Some(3), "the sign-in's exit status");

    let clerk = Client::connect(&served.socket)
        .unwrap()
        .sign_in("clerk1", CLERK_PASSWORD, "counter-1")
        .unwrap();
    assert!(clerk.run(MOVE_IN).unwrap().is_ok());
    let disabled = juki_c(&db, "admin1", PASSWORD, &["DISABLE OPERATOR clerk1"]);
    assert!(disabled.status.success(), "{}", text(&disabled.stderr));
    let ran = clerk.run("GET 24727059608").unwrap();
    let refused = ran
        .refused
        .expect("a disabled operator's open session stops");
    assert_eq!(refused.code, ErrorCode::AuthFailed, "{refused:?}");

    // A request without a session, or with a token the server never gave.
    let raw = raw_request(
        &served.socket,
        "POST /v1/statements HTTP/1.1\r\nHost: juki\r\nAuthorization: Bearer 00\r\nContent-Length: 4\r\nConnection: close\r\n\r\nHELP",
    );
    assert!(raw.starts_with("HTTP/1.1 401"), "{raw}");
    assert!(raw.contains("\"AUTH_FAILED\""), "{raw}");
    let raw = raw_request(
        &served.socket,
        "POST /v1/session HTTP/1.1\r\nHost: juki\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{\"a\": 1}\n",
    );
    assert!(raw.starts_with("HTTP/1.1 400"), "{raw}");
    let raw = raw_request(
        &served.socket,
        "GET /v2/nothing HTTP/1.1\r\nHost: juki\r\nConnection: close\r\n\r\n",
    );
    assert!(raw.starts_with("HTTP/1.1 404"), "{raw}");
    let big = "x".repeat(600 * 1024);
    let raw = raw_request(
        &served.socket,
        &format!(
            "POST /v1/statements HTTP/1.1\r\nHost: juki\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{big}",
            big.len()
        ),
    );
    assert!(raw.starts_with("HTTP/1.1 400"), "{raw}");
    assert!(raw.contains("over 524288 bytes"), "{raw}");
    drop(clerk);
    served.stop("-TERM");
}

/// Sends `request` as it is and reads the answer until the server closes.
fn raw_request(socket: &Path, request: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::os::unix::net::UnixStream::connect(socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    // The server may answer (and close) before the whole of an oversized body is sent.
    let _ = stream.write_all(request.as_bytes());
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    text(&answer)
}

#[test]
fn a_killed_server_leaves_a_socket_that_the_next_client_and_server_see_through() {
    let dir = tempfile::tempdir().unwrap();
    let db = register(dir.path());
    let served = Served::start(&db);
    let moved = juki_c(&db, "clerk1", CLERK_PASSWORD, &[MOVE_IN]);
    assert!(moved.status.success(), "{}", text(&moved.stderr));
    let socket = served.socket.clone();
    served.stop("-KILL");
    assert!(socket.exists(), "a killed server cannot remove its socket");

    // Nobody answers on it: `juki -c` opens the file itself, and finds the acknowledged 転入.
    let got = juki_c(&db, "admin1", PASSWORD, &["GET 24727059608"]);
    assert!(got.status.success(), "{}", text(&got.stderr));
    assert!(text(&got.stdout).contains("山田"));

    // A new server replaces the dead socket; a second one is refused while it runs.
    let served = Served::start(&db);
    let second = Command::new(env!("CARGO_BIN_EXE_juki"))
        .args(["--db", db.to_str().unwrap(), "serve"])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1));
    let err = text(&second.stderr);
    assert!(
        err.starts_with("error[IO]"),
        "the file is held by the first: {err}"
    );
    let got = juki_c(&db, "admin1", PASSWORD, &["GET 24727059608"]);
    assert!(got.status.success(), "{}", text(&got.stderr));
    served.stop("-HUP");
    assert!(!socket.exists());
}

#[test]
fn a_killed_server_loses_no_acknowledged_move_of_many_sessions() {
    const COUNTERS: u64 = 6;
    let dir = tempfile::tempdir().unwrap();
    let db = register(dir.path());
    {
        // One resident per counter, each alone in a household of their own.
        let juki = Juki::builder(&db).open().unwrap();
        let admin = juki.sign_in("admin1", PASSWORD, "setup").unwrap();
        for i in 1..=COUNTERS {
            let person = common::Person {
                my_number: i,
                household: 100 + i,
                relationship: "世帯主",
                ..common::taro()
            };
            admin
                .record(&common::move_in(i, &person, "2020-04-01"))
                .unwrap();
        }
    }
    let served = Served::start(&db);
    let stop = Arc::new(AtomicBool::new(false));
    // How many counters have had three 転居 acknowledged.
    let going = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counters: Vec<_> = (1..=COUNTERS)
        .map(|i| {
            let (socket, stop) = (served.socket.clone(), Arc::clone(&stop));
            let going = Arc::clone(&going);
            std::thread::spawn(move || {
                let session = Client::connect(&socket)
                    .unwrap()
                    .sign_in("clerk1", CLERK_PASSWORD, &format!("counter-{i}"))
                    .unwrap();
                let mut acknowledged = Vec::new();
                for k in 1.. {
                    if stop.load(Ordering::Acquire) {
                        break;
                    }
                    let address = format!("兵庫県芦屋市打出町{}番{}号", i, k);
                    let text =
                        format!("MOVE {} address='{address}' ON 2026-01-05", common::code(i));
                    match session.run(&text) {
                        Ok(ran) if ran.is_ok() => {
                            acknowledged.push(address);
                            if acknowledged.len() == 3 {
                                going.fetch_add(1, Ordering::AcqRel);
                            }
                        }
                        Ok(ran) => panic!("{text}: {:?}", ran.refused),
                        // The server was killed under this request: not acknowledged.
                        Err(_) => break,
                    }
                }
                (i, acknowledged)
            })
        })
        .collect();
    // The kill comes while every counter is moving (its sign-in, an argon2 check, done).
    let started = Instant::now();
    while going.load(Ordering::Acquire) < COUNTERS {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the counters did not get going"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let killed = served.stop("-KILL");
    stop.store(true, Ordering::Release);
    assert!(!killed.status.success());
    let results: Vec<_> = counters.into_iter().map(|t| t.join().unwrap()).collect();
    let moved: usize = results.iter().map(|(_, a)| a.len()).sum();
    assert!(
        moved >= COUNTERS as usize,
        "every counter moved before the kill: {moved}"
    );

    // Every acknowledged 転居 is in the file, with its address, in the order it was made.
    let juki = Juki::builder(&db).open().unwrap();
    let admin = juki.sign_in("admin1", PASSWORD, "after").unwrap();
    for (i, acknowledged) in results {
        let history = admin.history(common::code(i)).unwrap();
        let recorded: Vec<String> = history[1..]
            .iter()
            .map(|v| v.address.written().to_string())
            .collect();
        assert!(
            recorded.len() >= acknowledged.len()
                && recorded[..acknowledged.len()] == acknowledged[..],
            "resident {i}: {} 転居 acknowledged, {} recorded; the last acknowledged: {:?}",
            acknowledged.len(),
            recorded.len(),
            acknowledged.last()
        );
        // At most the one in flight when the server died was recorded and not acknowledged.
        assert!(recorded.len() <= acknowledged.len() + 1);
    }
    let (report, chain) = admin.check().unwrap();
    assert!(
        report.is_clean() && chain.first_broken.is_none(),
        "{report:?} {chain}"
    );
}

#[test]
fn a_follower_of_the_feed_is_pushed_each_change_without_polling() {
    let dir = tempfile::tempdir().unwrap();
    let db = register(dir.path());
    let served = Served::start(&db);
    // An interval of ten minutes: a follower that polled would see nothing in this test.
    let mut follower = Command::new(env!("CARGO_BIN_EXE_juki"))
        .args(["--db", db.to_str().unwrap(), "--operator", "clerk1"])
        .args([
            "changes",
            "--since",
            "0",
            "--follow",
            "--interval-ms",
            "600000",
        ])
        .env_remove("JUKI_DB")
        .env("JUKI_PASSWORD", CLERK_PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = {
        use std::io::BufRead;
        let stdout = follower.stdout.take().unwrap();
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                if send.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        lines
    };
    let clerk = Client::connect(&served.socket)
        .unwrap()
        .sign_in("clerk1", CLERK_PASSWORD, "counter-1")
        .unwrap();
    assert!(clerk.run(MOVE_IN).unwrap().is_ok());
    let first = lines.recv_timeout(Duration::from_secs(20)).unwrap();
    assert!(
        first.contains("\"seq\":1") && first.contains("転入"),
        "{first}"
    );
    assert!(
        first.contains("****-****-****"),
        "masked without --with-my-number: {first}"
    );
    let moved = clerk
        .run("MOVE 24727059608 address=芦屋市打出町2-3 ON 2024-07-01")
        .unwrap();
    assert!(moved.is_ok(), "{:?}", moved.refused);
    let second = lines.recv_timeout(Duration::from_secs(20)).unwrap();
    assert!(
        second.contains("\"seq\":2") && second.contains("転居"),
        "{second}"
    );

    // The library's handle gives the same feed, page by page, and stops when told.
    let mut pages = Vec::new();
    clerk
        .changes(1, juki::FeedItems::Masked, false, |rows| {
            pages.push(rows);
            true
        })
        .unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].rows.len(), 1, "only the change after 1");
    assert_eq!(pages[0].last_seq(), Some(2));

    // The server's stop ends the follower with an error a supervisor can see.
    drop(clerk);
    served.stop("-TERM");
    let status = follower.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut follower.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("the server ended the feed"), "{err}");
}

#[test]
fn a_client_that_sends_nothing_is_disconnected() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let db = register(dir.path());
    let juki = Juki::builder(&db).open().unwrap();
    let (socket, stopper, serving) =
        in_process(juki::Server::builder(juki).header_timeout(Duration::from_millis(300)));
    let closed_within = |stream: &mut std::os::unix::net::UnixStream| {
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let started = Instant::now();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        (started.elapsed(), text(&rest))
    };

    // Connected, and silent.
    let mut silent = std::os::unix::net::UnixStream::connect(&socket).unwrap();
    let (took, _) = closed_within(&mut silent);
    assert!(took < Duration::from_secs(10), "closed after {took:?}");

    // Kept alive after a request, then silent.
    let mut idle = std::os::unix::net::UnixStream::connect(&socket).unwrap();
    idle.write_all(b"GET /v1/session HTTP/1.1\r\nHost: juki\r\n\r\n")
        .unwrap();
    let (took, answer) = closed_within(&mut idle);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(took < Duration::from_secs(10), "closed after {took:?}");

    // Half a request head, then nothing.
    let mut half = std::os::unix::net::UnixStream::connect(&socket).unwrap();
    half.write_all(b"POST /v1/statements HTTP/1.1\r\nHost: ju")
        .unwrap();
    let (took, _) = closed_within(&mut half);
    assert!(took < Duration::from_secs(10), "closed after {took:?}");

    // A client whose connection was closed while it sat idle opens a new one, once, for
    // a request that had not gone out: nothing is sent twice.
    let session = Client::connect(&socket)
        .unwrap()
        .sign_in("admin1", PASSWORD, "counter-1")
        .unwrap();
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(700));
        let ran = session.run("SHOW REGISTER").unwrap();
        assert!(ran.is_ok(), "{:?}", ran.refused);
    }
    drop(session);

    stopper.stop();
    serving.join().unwrap().unwrap();
}

#[test]
fn an_import_goes_through_the_server_that_holds_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = register(dir.path());
    let juki = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_juki"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("JUKI_DB")
            .env("JUKI_PASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let made = juki(&[
        "gen",
        "--count",
        "300",
        "--seed",
        "7",
        "--out",
        "people.csv",
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let served = Served::start(&db);

    // A relative path is the client's: it is made absolute before the server reads it.
    let imported = juki(&[
        "--db",
        "city.redb",
        "--operator",
        "admin1",
        "import",
        "people.csv",
    ]);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    let report = text(&imported.stdout);
    assert!(
        report.starts_with("read 300 rows, wrote 300, rejected 0"),
        "{report}"
    );

    // What the server wrote is what the counters see.
    let stats = juki_c(&db, "admin1", PASSWORD, &["STATS"]);
    assert!(
        text(&stats.stdout).contains("300"),
        "{}",
        text(&stats.stdout)
    );

    // A refused import is the same refusal as without a server: nothing written, exit 1.
    std::fs::write(dir.path().join("bad.csv"), "resident_code,name\n1,x\n").unwrap();
    let refused = juki(&[
        "--db",
        "city.redb",
        "--operator",
        "admin1",
        "import",
        "bad.csv",
    ]);
    assert_eq!(refused.status.code(), Some(1));
    let err = text(&refused.stderr);
    assert!(err.starts_with("error[INVALID_VALUE]"), "{err}");
    let missing = juki(&[
        "--db",
        "city.redb",
        "--operator",
        "admin1",
        "import",
        "nowhere.csv",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stderr).contains("nowhere.csv"),
        "{}",
        text(&missing.stderr)
    );
    served.stop("-TERM");
}

#[test]
fn a_result_too_large_for_an_answer_is_refused_and_the_rest_does_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = register(dir.path());
    let juki = Juki::builder(&db).open().unwrap();
    let (socket, stopper, serving) = in_process(juki::Server::builder(juki).max_answer_bytes(2048));
    let admin = Client::connect(&socket)
        .unwrap()
        .sign_in("admin1", PASSWORD, "counter-1")
        .unwrap();
    let ran = admin.run("SHOW REGISTER; HELP; SHOW REGISTER").unwrap();
    assert_eq!(
        ran.steps.len(),
        1,
        "the small result came, nothing after the large one"
    );
    let refused = ran.refused.expect("HELP's text is over 2 KiB");
    assert_eq!(refused.code, ErrorCode::InvalidValue);
    assert!(
        refused
            .message
            .starts_with("statement 2 ran, but its result"),
        "{}",
        refused.message
    );
    assert!(admin.run("SHOW REGISTER").unwrap().is_ok());
    drop(admin);
    stopper.stop();
    serving.join().unwrap().unwrap();
}

#[test]
fn over_tls_a_client_signs_in_only_to_the_certified_host_and_is_logged_with_its_address() {
    let dir = tempfile::tempdir().unwrap();
    let db = register(dir.path());
    let (ca, files) = authority(dir.path(), "city", &["localhost"]);
    let (other_ca, _) = authority(dir.path(), "other", &["localhost"]);
    let juki = Juki::builder(&db).open().unwrap();
    let (socket, tcp, stopper, serving) = in_process_tcp(
        juki::Server::builder(juki)
            .tcp("127.0.0.1:0".parse().unwrap())
            .tls(files),
    );
    let port = tcp.expect("a TCP address").port();
    let at = format!("localhost:{port}");

    let clerk = Client::connect_tls(&at, &ca)
        .unwrap()
        .sign_in("clerk1", CLERK_PASSWORD, "branch-office-2")
        .unwrap();
    assert_eq!(clerk.address(), at);
    let ran = clerk.run(MOVE_IN).unwrap();
    assert!(ran.is_ok(), "{:?}", ran.refused);
    let ran = clerk.run("GET 24727059608").unwrap();
    let got = rows(&ran.steps[0].output);
    let name = got.columns.iter().position(|c| *c == "name").unwrap();
    assert_eq!(got.rows[0][name], juki::Cell::Text("山田 太郎".into()));

    // A certificate from another authority, a certificate that does not name the host
    // dialled, and a client that does not speak TLS: no session, and nothing sent.
    let refused = Client::connect_tls(&at, &other_ca).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Io);
    assert!(refused.to_string().contains("TLS handshake"), "{refused}");
    let refused = Client::connect_tls(&format!("127.0.0.1:{port}"), &ca).unwrap_err();
    assert!(refused.to_string().contains("TLS handshake"), "{refused}");
    let clear = Client::connect_tcp(&format!("127.0.0.1:{port}"))
        .and_then(|c| c.sign_in("clerk1", CLERK_PASSWORD, "plain"));
    assert!(clear.is_err(), "a request in the clear is not answered");

    // The log names the terminal and the address the client came from.
    drop(clerk);
    let admin = Client::connect(&socket)
        .unwrap()
        .sign_in("admin1", PASSWORD, "audit")
        .unwrap();
    let audit = admin.run("AUDIT operator=clerk1").unwrap();
    assert!(audit.is_ok(), "{:?}", audit.refused);
    let audit = format!("{:?}", audit.steps[0].output);
    assert!(audit.contains("branch-office-2 (127.0.0.1:"), "{audit}");
    drop(admin);
    stopper.stop();
    serving.join().unwrap().unwrap();
}

#[test]
fn plain_tcp_is_served_and_dialled_only_on_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let db = register(dir.path());
    let juki = Juki::builder(&db).open().unwrap();

    // Off loopback without TLS: refused before anything is bound, no socket left behind.
    let refused = juki::Server::builder(juki.clone())
        .tcp("0.0.0.0:0".parse().unwrap())
        .bind()
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidValue);
    assert!(refused.to_string().contains("needs TLS"), "{refused}");
    assert!(!juki::socket_path(&db).exists());

    // A key other users can read is refused, naming the file.
    let (_, files) = authority(dir.path(), "city", &["localhost"]);
    std::fs::set_permissions(
        &files.key,
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    let refused = juki::Server::builder(juki.clone())
        .tcp("0.0.0.0:0".parse().unwrap())
        .tls(files.clone())
        .bind()
        .unwrap_err();
    assert!(refused.to_string().contains("city-key.pem"), "{refused}");
    assert!(refused.to_string().contains("0600"), "{refused}");
    assert!(!juki::socket_path(&db).exists());

    // A certificate without an address to listen on.
    let refused = juki::Server::builder(juki.clone())
        .tls(files.clone())
        .bind()
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidValue);
    assert!(
        refused.to_string().contains("give the address"),
        "{refused}"
    );

    // A certificate file that holds no certificate.
    std::fs::set_permissions(
        &files.key,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let swapped = juki::TlsFiles {
        certificate: files.key.clone(),
        key: files.key.clone(),
    };
    let refused = juki::Server::builder(juki.clone())
        .tcp("127.0.0.1:0".parse().unwrap())
        .tls(swapped)
        .bind()
        .unwrap_err();
    assert!(refused.to_string().contains("no certificate"), "{refused}");

    // A client does not send in the clear off this host.
    let refused = Client::connect_tcp("192.0.2.7:5480").unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidValue);
    assert!(refused.to_string().contains("TLS"), "{refused}");

    // On loopback, in the clear, it serves.
    let (_, tcp, stopper, serving) =
        in_process_tcp(juki::Server::builder(juki).tcp("127.0.0.1:0".parse().unwrap()));
    let session = Client::connect_tcp(&tcp.unwrap().to_string())
        .unwrap()
        .sign_in("admin1", PASSWORD, "loopback")
        .unwrap();
    assert!(session.run("SHOW REGISTER").unwrap().is_ok());
    drop(session);
    stopper.stop();
    serving.join().unwrap().unwrap();
}

#[test]
fn the_command_goes_through_a_server_on_another_host_with_its_certificate_authority() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let db = register(dir.path());
    let (ca, files) = authority(dir.path(), "city", &["localhost"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_juki"))
        .args([
            "--db",
            db.to_str().unwrap(),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .arg("--tls-cert")
        .arg(&files.certificate)
        .arg("--tls-key")
        .arg(&files.key)
        .env_remove("JUKI_DB")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    stderr.read_line(&mut said).unwrap();
    // The rest of what the server says, read until it ends, so that it can say it.
    let rest = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut rest);
        rest
    });
    let served = Served {
        child: Some(child),
        socket: juki::socket_path(&db),
    };
    // "serving … on city.redb.sock and 127.0.0.1:PORT (TLS) …"
    let port = said
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no TCP address in {said:?}"));
    assert!(said.contains("(TLS)"), "{said}");

    // From elsewhere there is no register file: only the server's address and authority.
    let elsewhere = tempfile::tempdir().unwrap();
    let remote = |extra: &[&str], statement: &str| {
        Command::new(env!("CARGO_BIN_EXE_juki"))
            .current_dir(elsewhere.path())
            .args([
                "--server",
                &format!("localhost:{port}"),
                "--operator",
                "clerk1",
            ])
            .args(extra)
            .args([
                "--terminal",
                "branch-7",
                "--format",
                "json",
                "-c",
                statement,
            ])
            .env_remove("JUKI_DB")
            .env("JUKI_PASSWORD", CLERK_PASSWORD)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let ca_flag = ["--ca-cert", ca.to_str().unwrap()];
    let moved = remote(&ca_flag, MOVE_IN);
    assert!(moved.status.success(), "{}", text(&moved.stderr));
    let got = remote(&ca_flag, "GET 24727059608");
    assert!(got.status.success(), "{}", text(&got.stderr));
    assert!(
        text(&got.stdout).contains("山田 太郎"),
        "{}",
        text(&got.stdout)
    );

    // Without the authority the command speaks in the clear to a server that speaks TLS:
    // no answer, and the error says which flag is missing.
    let refused = remote(&[], "GET 24727059608");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("--ca-cert"),
        "{}",
        text(&refused.stderr)
    );

    let stopped = served.stop("-TERM");
    let rest = rest.join().unwrap();
    assert!(stopped.status.success(), "{rest}");
    assert!(rest.contains("stopped"), "{rest}");
}
