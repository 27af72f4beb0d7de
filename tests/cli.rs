//! The real `juki` binary as scripts drive it: `-c`, standard input, JSON Lines output and
//! the exit statuses of docs/cli.md (0 success, 1 a failed statement, 2 usage).

use std::io::Write;
use std::process::{Command, Output, Stdio};

mod common;
use common::leaks::{assert_no_leak, my_numbers, Secrets};

/// The secrets of the tests here: MOVE_IN's My Number and the administrator's password.
fn secrets() -> Secrets {
    Secrets::new().number("123456789018").password(PASSWORD)
}

/// Runs `juki` as admin1 unless `--operator` is given.
fn juki(args: &[&str], stdin: Option<&str>) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    if !args.contains(&"--operator")
        && !matches!(args.first(), Some(&"init") | Some(&"gen") | Some(&"demo"))
    {
        all.extend(["--operator", "admin1"]);
    }
    run(&all, stdin)
}

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    run_bytes(args, stdin.map(str::as_bytes))
}

/// [`run`] with standard input given as bytes (which need not be UTF-8).
fn run_bytes(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = spawn(args);
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// `juki` started with piped standard streams, signed in with the test password.
fn spawn(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_juki"))
        .args(args)
        .env_remove("JUKI_DB")
        .env_remove("JUKI_OPERATOR")
        .env("JUKI_PASSWORD", PASSWORD)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

const PASSWORD: &str = "admin-password-1";

const MOVE_IN: &str = "MOVE IN 24727059608 my_number=123456789018 name='山田 太郎' kana='ヤマダ タロウ' sex=1 birth=1980-04-01 address=芦屋市精道町7-6 postal=659-8501 household=1001 relationship=世帯主 ON 2020-04-01";

fn new_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("city.redb").display().to_string();
    let out = juki(
        &[
            "init",
            "--db",
            &path,
            "--admin",
            "admin1",
            "--municipality",
            "282065",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    (dir, path)
}

#[test]
fn statements_by_dash_c_print_json_lines_when_piped() {
    let (_dir, db) = new_db();
    let out = juki(
        &[
            "--db",
            &db,
            "--operator",
            "admin1",
            "-c",
            MOVE_IN,
            "-c",
            "GET 24727059608",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["reason"], "転入");
    let r = &lines[1];
    for key in [
        "resident_code",
        "my_number",
        "name",
        "name_kana",
        "sex",
        "birth_date",
        "address",
        "postal_code",
        "household_id",
        "relationship",
        "status",
        "version",
        "valid_from",
        "reason",
    ] {
        assert!(r.get(key).is_some(), "missing {key} in {r}");
    }
    assert_eq!(r["resident_code"], "24727059608");
    assert_eq!(r["my_number"], "****-****-****");
    assert_eq!(r["status"], "active");
    assert_eq!(r["version"], 1);
    assert_no_leak(&stdout, &secrets(), "the output of GET");
    assert_no_leak(&text(&out.stderr), &secrets(), "the standard error");
}

#[test]
fn the_first_failing_statement_stops_the_run_with_status_1() {
    let (_dir, db) = new_db();
    let out = juki(&["--db", &db, "-c", "GET 24727059608", "-c", MOVE_IN], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("error[NOT_FOUND]: "), "{err}");
    // The second statement never ran.
    let again = juki(&["--db", &db, "-c", "GET 24727059608"], None);
    assert_eq!(again.status.code(), Some(1));
}

#[test]
fn syntax_errors_carry_a_caret() {
    let (_dir, db) = new_db();
    let out = juki(&["--db", &db, "-c", "FND name=山田 birth=S55.4.1"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("error[SYNTAX]: "), "{err}");
    assert!(err.contains("\n^^^\n"), "{err}");
}

#[test]
fn standard_input_runs_one_statement_a_line_with_comments() {
    let (_dir, db) = new_db();
    let script = format!(
        "-- a comment line\n{MOVE_IN}\n\nMOVE 24727059608 address=芦屋市打出町2-3 ON 2024-07-01; GET 24727059608 AS OF 2024-06-30\nGET 24727059608 -- now\n"
    );
    let out = juki(&["--db", &db, "--format", "csv"], Some(&script));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(",芦屋市精道町7-6,"), "{stdout}");
    let last = stdout.trim_end().lines().last().unwrap();
    assert!(last.contains(",転居,"), "{stdout}");
}

#[test]
fn standard_input_stops_at_the_first_failure() {
    let (_dir, db) = new_db();
    let out = juki(
        &["--db", &db],
        Some(&format!("{MOVE_IN}\n{MOVE_IN}\nGET 24727059608\n")),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("error[ILLEGAL_CHANGE]"));
    assert_eq!(text(&out.stdout).lines().count(), 1);
}

/// A child process killed when the test ends, passed or not, so that a test that fails
/// waiting for it leaves nothing running.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The next line `juki` prints, waited for at most 30 s (a run that holds statements back
/// until its input ends fails here instead of hanging).
fn next_line(lines: &std::sync::mpsc::Receiver<String>, after: &str) -> String {
    lines
        .recv_timeout(std::time::Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("no answer to {after:?} while standard input is open"))
}

#[test]
fn statements_on_standard_input_are_answered_as_they_arrive() {
    use std::io::BufRead;
    let (_dir, db) = new_db();
    let mut child = Killed(spawn(&["--db", &db, "--operator", "admin1"]));
    let mut input = child.0.stdin.take().unwrap();
    let stdout = child.0.stdout.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    writeln!(input, "{MOVE_IN}").unwrap();
    input.flush().unwrap();
    let first = next_line(&lines, "MOVE IN");
    assert!(first.contains("\"reason\":\"転入\""), "{first}");
    // A statement over two lines runs when its second line comes, not before.
    writeln!(input, "MOVE 24727059608 address=芦屋市打出町2-3").unwrap();
    input.flush().unwrap();
    assert!(lines
        .recv_timeout(std::time::Duration::from_millis(300))
        .is_err());
    writeln!(input, "ON 2024-07-01").unwrap();
    input.flush().unwrap();
    let second = next_line(&lines, "MOVE … ON");
    assert!(second.contains("\"reason\":\"転居\""), "{second}");
    writeln!(input, "GET 24727059608").unwrap();
    drop(input);
    let third = next_line(&lines, "GET");
    assert!(third.contains("芦屋市打出町2-3"), "{third}");
    assert_eq!(child.0.wait().unwrap().code(), Some(0));
}

#[test]
fn a_byte_order_mark_before_standard_input_is_skipped() {
    let (_dir, db) = new_db();
    let script = format!("\u{FEFF}{MOVE_IN}\r\nGET 24727059608\r\n");
    let out = juki(&["--db", &db], Some(&script));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 2);
}

#[test]
fn invalid_utf8_on_standard_input_names_its_line_after_the_lines_before_it_ran() {
    let (_dir, db) = new_db();
    let mut script = format!("{MOVE_IN}\n\n").into_bytes();
    script.extend_from_slice(b"GET 2472705\xff9608\nGET 24727059608\n");
    let out = run_bytes(&["--db", &db, "--operator", "admin1"], Some(&script));
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("\"reason\":\"転入\""), "{stdout}");
    let err = text(&out.stderr);
    assert!(
        err.contains("line 3 is not valid UTF-8 (at byte 12 of the line)"),
        "{err}"
    );
}

#[test]
fn my_numbers_are_masked_in_table_and_csv_output() {
    let (_dir, db) = new_db();
    assert!(juki(&["--db", &db, "-c", MOVE_IN], None).status.success());
    for format in ["table", "csv", "json"] {
        let out = juki(
            &["--db", &db, "--format", format, "-c", "GET 24727059608"],
            None,
        );
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        assert_no_leak(&stdout, &secrets(), &format!("GET in {format}"));
        assert!(stdout.contains("****-****-****"), "{format}: {stdout}");
    }
}

#[test]
fn bad_flags_are_a_usage_error() {
    let out = juki(&["--no-such-flag"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = juki(&["gen", "--count", "many", "--out", "x.csv"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn init_refuses_an_existing_file_and_a_missing_database_is_an_error() {
    let (dir, db) = new_db();
    let out = juki(
        &[
            "init",
            "--db",
            &db,
            "--admin",
            "admin1",
            "--municipality",
            "282065",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("error[IO]"));
    let missing = dir.path().join("missing.redb").display().to_string();
    let out = juki(&["--db", &missing, "-c", "GET 24727059608"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("error[NOT_FOUND]"));
}

#[test]
fn the_database_defaults_to_juki_db_in_the_environment() {
    let (_dir, db) = new_db();
    let out = Command::new(env!("CARGO_BIN_EXE_juki"))
        .args(["-c", "STATS"])
        .env("JUKI_DB", &db)
        .env("JUKI_OPERATOR", "admin1")
        .env("JUKI_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), r#"{"count":0}"#);
}

#[test]
fn gen_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    for p in [&a, &b] {
        let out = juki(
            &[
                "gen",
                "--count",
                "300",
                "--seed",
                "9",
                "--history",
                "--out",
                p.to_str().unwrap(),
            ],
            None,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(
        std::fs::read(a.with_extension("history.csv")).unwrap(),
        std::fs::read(b.with_extension("history.csv")).unwrap()
    );
}

#[test]
fn demo_builds_a_register_without_the_repl() {
    let out = juki(&["demo", "--count", "500", "--no-repl"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let path = stdout
        .lines()
        .next()
        .unwrap()
        .strip_prefix("demo database: ")
        .unwrap()
        .to_string();
    // The demo administrator's password is random; signing in without it fails.
    let stats = juki(&["--db", &path, "-c", "STATS BY status"], None);
    assert_eq!(stats.status.code(), Some(3));
    demo_register_is_the_generated_one(&path, &stdout);
    std::fs::remove_dir_all(std::path::Path::new(&path).parent().unwrap()).unwrap();
}

/// The register `juki demo --count 500` built at `path` (opened without a session) holds the
/// generator's residents and history for the demo's seed (2026) and today, as its first lines
/// (`stdout`) said, is 芦屋市's, and passes CHECK.
fn demo_register_is_the_generated_one(path: &str, stdout: &str) {
    use juki::generator::{residents, write_csv, GenOptions};
    let db = juki::testing::Database::open(path).unwrap();
    let counts = db.counts().unwrap();
    let said = format!(
        "{} residents ({} active), {} versions",
        counts.residents, counts.active, counts.versions
    );
    assert!(stdout.contains(&said), "{said:?} not in {stdout:?}");
    let mut opts = GenOptions::new(500, 2026, juki::Date::today_jst());
    opts.history = true;
    let stats = write_csv(&opts, std::io::sink(), Some(&mut std::io::sink())).unwrap();
    assert_eq!(counts.residents as usize, stats.residents + stats.births);
    assert_eq!(counts.versions, stats.versions);
    assert!(counts.versions > counts.residents, "{counts:?}: no history");
    assert!(
        counts.active > 0 && counts.active < counts.residents,
        "{counts:?}"
    );
    let generated = residents(&opts).count();
    assert_eq!(generated, 500);
    let place = db.place().expect("the demo register has its municipality");
    assert_eq!(place.municipality().to_string(), "兵庫県芦屋市");
    let report = db.check().unwrap();
    assert!(report.is_clean(), "{:#?}", report.problems);
}

#[test]
fn import_export_and_the_consistency_check_through_the_command() {
    let (dir, db) = new_db();
    let csv = dir.path().join("city.csv");
    let gen = juki(
        &[
            "gen",
            "--count",
            "400",
            "--seed",
            "4",
            "--history",
            "--out",
            csv.to_str().unwrap(),
        ],
        None,
    );
    assert!(gen.status.success(), "{}", text(&gen.stderr));
    let imported = juki(&["import", "--db", &db, csv.to_str().unwrap()], None);
    assert_eq!(
        imported.status.code(),
        Some(0),
        "{}",
        text(&imported.stderr)
    );
    assert!(
        text(&imported.stdout).contains("400"),
        "{}",
        text(&imported.stdout)
    );

    let export = dir.path().join("out.csv");
    let check = dir.path().join("check.csv");
    let out = juki(
        &[
            "--db",
            &db,
            "-c",
            &format!("EXPORT '{}'", export.display()),
            "-c",
            &format!("EXPORT CONSISTENCY '{}'", check.display()),
            "-c",
            &format!("VERIFY CONSISTENCY '{}'", check.display()),
            "-c",
            "AUDIT LIMIT 4",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("consistent"), "{stdout}");
    // The copies out are logged with their path, row count and SHA-256.
    assert!(
        stdout.contains("EXPORT '") && stdout.contains("sha256="),
        "{stdout}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [&export, &check] {
            assert_eq!(
                std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
    // A changed register no longer matches the file: exit status 1.
    let changed = juki(&["--db", &db, "-c", "STATS"], None);
    assert!(changed.status.success());
    let first = std::fs::read_to_string(&export).unwrap();
    // An active 世帯主's household, which moves together.
    let head: Vec<&str> = first
        .lines()
        .skip(1)
        .find(|l| l.contains(",世帯主,") && l.contains(",active,"))
        .unwrap()
        .split(',')
        .collect();
    let (code, household) = (head[0].to_string(), head[8].to_string());
    let moved = juki(
        &[
            "--db",
            &db,
            "-c",
            &format!("MOVE HOUSEHOLD {household} address=芦屋市打出町9-9 ON 2026-04-01"),
        ],
        None,
    );
    assert!(moved.status.success(), "{}", text(&moved.stderr));
    let verify = juki(
        &[
            "--db",
            &db,
            "-c",
            &format!("VERIFY CONSISTENCY '{}'", check.display()),
        ],
        None,
    );
    assert_eq!(verify.status.code(), Some(1));
    assert!(
        text(&verify.stderr).contains(&code),
        "{}",
        text(&verify.stderr)
    );
}

#[test]
fn a_bad_import_names_every_bad_row_and_writes_nothing() {
    let (dir, db) = new_db();
    let csv = dir.path().join("bad.csv");
    std::fs::write(
        &csv,
        "resident_code,my_number,name_kanji,name_kana,sex,birth_date,address,postal_code,household_id,relationship,moved_in_date\n\
         24727059608,123456789018,山田 太郎,ヤマダ タロウ,1,1980-04-01,芦屋市精道町7-6,659-8501,1,世帯主,2020-04-01\n\
         24727059601,123456789018,山田 花子,ヤマダ ハナコ,3,2023-02-30,芦屋市精道町7-6,659-8501,1,妻,2020-04-01\n",
    )
    .unwrap();
    let out = juki(&["import", "--db", &db, csv.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("bad.csv:3: "), "{err}");
    assert!(
        err.contains("resident_code") && err.contains("sex") && err.contains("birth_date"),
        "{err}"
    );
    let stats = juki(&["--db", &db, "-c", "STATS"], None);
    assert_eq!(text(&stats.stdout).trim(), r#"{"count":0}"#);
}

/// Runs statements, retrying while another process (the feed follower) has the file.
fn juki_when_free(db: &str, statement: &str) -> Output {
    for _ in 0..100 {
        let out = juki(&["--db", db, "-c", statement], None);
        let err = text(&out.stderr);
        if out.status.success() || !err.contains("open in another process") {
            return out;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the database stayed busy");
}

#[test]
fn the_change_feed_prints_json_lines_and_follows_new_commits() {
    use std::io::{BufRead, BufReader};
    let (_dir, db) = new_db();
    let out = juki(&["--db", &db, "-c", MOVE_IN], None);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = juki(&["changes", "--db", &db, "--since", "0"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["seq"], 1);
    assert_eq!(lines[0]["resident_code"], "24727059608");
    assert_eq!(lines[0]["my_number"], "****-****-****");

    // My Numbers only when asked for, and only for an operator permitted to see them.
    let out = juki(
        &["changes", "--db", &db, "--since", "0", "--with-my-number"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"my_number\":\"123456789018\""));
    let create = "CREATE OPERATOR viewer1 ROLE viewer PASSWORD 'admin-password-1'";
    assert!(juki(&["--db", &db, "-c", create], None).status.success());
    let out = juki(
        &[
            "changes",
            "--db",
            &db,
            "--operator",
            "viewer1",
            "--with-my-number",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("PERMISSION_DENIED"));
    assert_no_leak(&text(&out.stdout), &secrets(), "a refused feed's output");
    assert_no_leak(&text(&out.stderr), &secrets(), "a refused feed's error");

    // Follow from seq 1: a 転居 committed by another process appears as it commits.
    let mut follower = Command::new(env!("CARGO_BIN_EXE_juki"))
        .args(["changes", "--db", &db, "--operator", "admin1"])
        .args(["--since", "1", "--follow", "--interval-ms", "50"])
        .env_remove("JUKI_DB")
        .env("JUKI_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = juki_when_free(
        &db,
        "MOVE 24727059608 address=芦屋市業平町2-22 postal=659-0067 ON 2021-05-01",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut reader = BufReader::new(follower.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    follower.kill().unwrap();
    let _ = follower.wait();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["seq"], 2);
    assert_eq!(v["reason"], "転居");
    assert_eq!(v["address"], "芦屋市業平町2-22");
}

#[test]
fn the_change_feed_says_when_another_process_holds_the_file() {
    let (_dir, db) = new_db();
    let held = juki::Juki::builder(&db).open().unwrap();
    let out = juki(&["changes", "--db", &db, "--since", "0"], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.starts_with("error[IO]: "), "{err}");
    assert!(err.contains("open in another process"), "{err}");
    assert!(out.stdout.is_empty());
    drop(held);
    let out = juki(&["changes", "--db", &db, "--since", "0"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn the_notification_stream_carries_the_prefectures_items_for_its_duty_only() {
    let (_dir, db) = new_db();
    let out = juki(&["--db", &db, "-c", MOVE_IN], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = juki(
        &["changes", "--db", &db, "--since", "0", "--notification"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["seq"], "1");
    assert_eq!(lines[0]["municipality_code"], "282065");
    assert_eq!(lines[0]["my_number"], "123456789018");
    assert_eq!(lines[0]["kana_key"], "ヤマタタロウ");
    assert_eq!(lines[0]["reason"], "転入");
    // A clerk has no notification duty: refused, and nothing printed.
    let create = "CREATE OPERATOR clerk1 ROLE clerk PASSWORD 'admin-password-1'";
    assert!(juki(&["--db", &db, "-c", create], None).status.success());
    let out = juki(
        &[
            "changes",
            "--db",
            &db,
            "--operator",
            "clerk1",
            "--notification",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("PERMISSION_DENIED"));
    assert!(!text(&out.stdout).contains("123456789018"));
}

/// Realistic My Numbers typed in several forms and the passwords reach neither the
/// standard output nor the standard error of the `juki` command, in any output format:
/// not in rows, errors (a bad statement holding a number, a refused GET MYNUMBER, a
/// refused EXPORT), AUDIT rows or the initial password of CREATE OPERATOR.
#[test]
fn no_secret_reaches_standard_output_or_standard_error() {
    let (dir, db) = new_db();
    let n = my_numbers(3);
    let initial = "Zr8&initial-clerk";
    let secrets = n
        .iter()
        .fold(secrets(), |s, n| s.number(n))
        .password(initial);
    let hyphens = |n: &str| format!("{}-{}-{}", &n[..4], &n[4..8], &n[8..]);
    let wide = |n: &str| -> String {
        n.chars()
            .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
            .collect()
    };
    let move_in = MOVE_IN.replace("123456789018", &n[0]);
    let create = format!("CREATE OPERATOR clerk1 ROLE clerk PASSWORD '{initial}'");
    let change = format!(
        "CHANGE MYNUMBER 24727059608 my_number='{}' ON 2024-01-01",
        hyphens(&n[1])
    );
    let setup = juki(
        &["--db", &db, "-c", &move_in, "-c", &create, "-c", &change],
        None,
    );
    assert_no_leak(&text(&setup.stdout), &secrets, "the output of the setup");
    assert_no_leak(&text(&setup.stderr), &secrets, "the error of the setup");
    assert!(setup.status.success(), "{}", text(&setup.stderr));
    let export = dir.path().join("clerk.csv");
    // (operator, statement, the exit status expected).
    let runs = [
        ("admin1", format!("GET MYNUMBER {}", wide(&n[0])), 0),
        ("admin1", format!("GET MYNUMBER {}", hyphens(&n[0])), 0),
        ("admin1", format!("GET MYNUMBER {}", n[0]), 0),
        ("admin1", "HISTORY 24727059608".to_string(), 0),
        ("admin1", "CHANGES SINCE 0".to_string(), 0),
        ("admin1", format!("FND name=山田 {}", n[2]), 1),
        ("admin1", format!("GET {} AS OF", wide(&n[2])), 1),
        ("admin1", format!("GET MYNUMBER {}", n[2]), 1),
        ("clerk1", format!("GET MYNUMBER {}", n[1]), 1),
        ("clerk1", format!("EXPORT '{}'", export.display()), 1),
        ("admin1", "AUDIT LIMIT 100".to_string(), 0),
    ];
    for format in ["json", "table", "csv"] {
        for (operator, statement, status) in &runs {
            let password = if *operator == "admin1" {
                PASSWORD
            } else {
                initial
            };
            let out = Command::new(env!("CARGO_BIN_EXE_juki"))
                .args(["--db", &db, "--operator", operator, "--format", format])
                .args(["-c", statement])
                .env_remove("JUKI_DB")
                .env("JUKI_PASSWORD", password)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
            assert_eq!(
                out.status.code(),
                Some(*status),
                "{operator} {format} {statement}: {stderr}"
            );
            let place = format!("{operator}'s {format} run");
            assert_no_leak(
                &stdout,
                &secrets,
                &format!("the standard output of {place}"),
            );
            assert_no_leak(&stderr, &secrets, &format!("the standard error of {place}"));
        }
    }
    assert!(!export.exists(), "a refused EXPORT wrote a file");
}

/// `juki` with another password than the test's.
fn with_password(args: &[&str], password: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_juki"))
        .args(args)
        .env_remove("JUKI_DB")
        .env_remove("JUKI_OPERATOR")
        .env("JUKI_PASSWORD", password)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn the_owner_of_the_file_recovers_administration() {
    let (_dir, db) = new_db();
    const NEW: &str = "recovered-pass-2026";
    // The only administrator is locked out: wrong passwords until the lock.
    for _ in 0..juki::LOCK_AFTER_FAILURES {
        let out = with_password(
            &["--db", &db, "--operator", "admin1", "-c", "STATS"],
            "wrong-password-9",
        );
        assert_eq!(out.status.code(), Some(3));
    }
    let out = juki(&["--db", &db, "-c", "STATS"], None);
    assert_eq!(out.status.code(), Some(3), "locked: {}", text(&out.stderr));

    // Refused for a weak password and for an id of another role; nothing changes.
    let out = with_password(&["recover", "--db", &db, "--admin", "admin1"], "short");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).starts_with("error[INVALID_VALUE]"),
        "{}",
        text(&out.stderr)
    );

    let out = with_password(&["recover", "--db", &db, "--admin", "admin1"], NEW);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("new password"),
        "{}",
        text(&out.stdout)
    );
    let out = with_password(
        &[
            "--db",
            &db,
            "--operator",
            "admin1",
            "-c",
            "AUDIT",
            "-c",
            "AUDIT VERIFY",
        ],
        NEW,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("RECOVER ADMINISTRATOR admin1"), "{said}");
    assert!(said.contains("the operation log is intact"), "{said}");
    assert!(!said.contains(NEW), "the password is never logged");

    // A new administrator of an unused id; never an id of another role.
    let out = with_password(
        &[
            "--db",
            &db,
            "--operator",
            "admin1",
            "-c",
            "CREATE OPERATOR clerk1 ROLE clerk PASSWORD 'clerk-pass-2026'",
        ],
        NEW,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = with_password(&["recover", "--db", &db, "--admin", "clerk1"], NEW);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let out = with_password(&["recover", "--db", &db, "--admin", "admin2"], NEW);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = with_password(
        &["--db", &db, "--operator", "admin2", "-c", "LIST OPERATORS"],
        NEW,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // Someone who does not own the file may not (checked where the test can give the
    // file to another user).
    #[cfg(unix)]
    if std::os::unix::fs::chown(&db, Some(65534), None).is_ok() {
        let out = with_password(&["recover", "--db", &db, "--admin", "admin1"], NEW);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("only the owner"),
            "{}",
            text(&out.stderr)
        );
    }
}
