//! Dates through the real `juki` binary: era input as a 市民課 writes it, ISO output by
//! default, and 和暦 output with `--dates era` (JSON, CSV, table) or `\dates era` in the REPL.

use std::process::{Command, Output};

const PASSWORD: &str = "admin-password-1";
const CODE: &str = "24727059608";

/// A 転入 with the birth date and the 異動日 written in era short forms.
const MOVE_IN: &str = "MOVE IN 24727059608 my_number=123456789018 name='山田 太郎' kana='ヤマダ タロウ' sex=1 birth=昭55.4.1 address=芦屋市精道町7-6 postal=659-8501 household=1001 relationship=世帯主 ON Ｒ２．４．１";

fn juki(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_juki"))
        .args(args)
        .env_remove("JUKI_DB")
        .env_remove("JUKI_OPERATOR")
        .env("JUKI_PASSWORD", PASSWORD)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// A register holding one resident born 1980-04-01, moved in 2020-04-01.
fn register() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("city.redb").display().to_string();
    let out = juki(&[
        "init",
        "--db",
        &db,
        "--admin",
        "admin1",
        "--municipality",
        "282065",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = juki(&["--db", &db, "--operator", "admin1", "-c", MOVE_IN]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    (dir, db)
}

/// `GET` of the resident with the extra flags, as JSON; its standard output.
fn get(db: &str, flags: &[&str]) -> String {
    let statement = format!("GET {CODE}");
    let mut args = vec!["--db", db, "--operator", "admin1"];
    args.extend(flags);
    args.extend(["-c", &statement]);
    let out = juki(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn dates_are_iso_by_default_and_era_on_request() {
    let (_dir, db) = register();
    let iso: serde_json::Value = serde_json::from_str(get(&db, &[]).trim()).unwrap();
    assert_eq!(iso["birth_date"], "1980-04-01");
    assert_eq!(iso["valid_from"], "2020-04-01");

    let era: serde_json::Value =
        serde_json::from_str(get(&db, &["--dates", "era"]).trim()).unwrap();
    assert_eq!(era["birth_date"], "昭和55年4月1日");
    assert_eq!(era["valid_from"], "令和2年4月1日");
    assert_eq!(era["resident_code"], CODE, "only dates change");

    let explicit: serde_json::Value =
        serde_json::from_str(get(&db, &["--dates", "iso"]).trim()).unwrap();
    assert_eq!(explicit, iso);
}

#[test]
fn era_dates_in_csv_and_table_output() {
    let (_dir, db) = register();
    let csv = get(&db, &["--dates", "era", "--format", "csv"]);
    assert!(csv.contains(",男,昭和55年4月1日,芦屋市精道町7-6,"), "{csv}");
    // Off a terminal a resident is wider than the table, so it is shown one field a line.
    let birth_line = |table: &str| {
        table
            .lines()
            .find(|l| l.starts_with("birth_date "))
            .map(str::to_string)
    };
    let table = get(&db, &["--format", "table", "--dates", "era"]);
    assert!(
        birth_line(&table).is_some_and(|l| l.ends_with("| 昭和55年4月1日")),
        "{table}"
    );
    assert!(!table.contains("1980-04-01"), "{table}");
    let table = get(&db, &["--format", "table"]);
    assert!(
        birth_line(&table).is_some_and(|l| l.ends_with("| 1980-04-01")),
        "{table}"
    );
}

#[test]
fn an_unknown_date_style_is_a_usage_error() {
    let out = juki(&["--dates", "wareki", "-c", "GET 24727059608"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("--dates") && err.contains("era"), "{err}");
}

#[test]
fn a_date_outside_its_era_is_refused_with_where_it_is() {
    let (_dir, db) = register();
    let out = juki(&[
        "--db",
        &db,
        "--operator",
        "admin1",
        "-c",
        "GET 24727059608 AS OF 平成31年5月1日",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("平成31年5月1日 is after the last day of 平成 (2019-04-30)"),
        "{err}"
    );
    assert!(err.contains('^'), "a caret points at the date: {err}");
}

/// The REPL on a pseudo-terminal: `\dates era` switches every date the console prints.
#[cfg(unix)]
#[test]
fn the_repl_switches_to_era_dates_and_back() {
    use rexpect::session::spawn_command;
    // The pseudo-terminal reader turns each byte into one char; expectations are matched
    // the same way.
    let bytes = |s: &str| s.bytes().map(char::from).collect::<String>();
    let (_dir, db) = register();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_juki"));
    cmd.args(["--db", &db, "--format", "json", "--operator", "admin1"])
        .env("JUKI_HISTORY", _dir.path().join("history"))
        .env_remove("JUKI_PASSWORD")
        .env("TERM", "xterm");
    let mut p = spawn_command(cmd, Some(10_000)).unwrap();
    p.exp_string("password for admin1: ").unwrap();
    p.send_line(PASSWORD).unwrap();
    p.exp_string("juki> ").unwrap();
    p.send_line(&format!("GET {CODE}")).unwrap();
    p.exp_string("\"birth_date\":\"1980-04-01\"").unwrap();
    p.exp_string("juki> ").unwrap();
    p.send_line("\\dates era").unwrap();
    p.exp_string(&bytes("dates: era (昭和55年4月1日)")).unwrap();
    p.send_line(&format!("GET {CODE}")).unwrap();
    p.exp_string(&bytes("\"birth_date\":\"昭和55年4月1日\""))
        .unwrap();
    p.exp_string("juki> ").unwrap();
    p.send_line("\\dates iso").unwrap();
    p.exp_string("dates: iso (1980-04-01)").unwrap();
    p.send_line(&format!("GET {CODE}")).unwrap();
    p.exp_string("\"birth_date\":\"1980-04-01\"").unwrap();
    p.exp_string("juki> ").unwrap();
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
}
