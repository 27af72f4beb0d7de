//! `juki upgrade` on registers written by the last builds of storage formats 2, 3 and 4
//! (tests/fixtures/format2.juki, format3.juki, format4.juki): the upgraded file passes CHECK, reads back
//! every version as the old build exported it, keeps its operation log, logs the upgrade
//! and finds by the current search keys; a refused or failed upgrade leaves the file
//! exactly as it was.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ADMIN_PASSWORD: &str = "fixture-pass-2026";
const CLERK_PASSWORD: &str = "clerk-pass-2026x";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn juki(db: &Path, operator: &str, password: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_juki"))
        .arg("--db")
        .arg(db)
        .args(["--operator", operator, "--terminal", "test"])
        .args(args)
        .env_remove("JUKI_DB")
        .env_remove("JUKI_OPERATOR")
        .env("JUKI_PASSWORD", password)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The SHA-256 of a file, to compare files without printing them.
fn sha(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(std::fs::read(path).unwrap()))
}

/// A copy of the format-2 fixture in a fresh directory.
fn copy_of_fixture() -> (tempfile::TempDir, PathBuf) {
    copy_of("format2.juki")
}

/// A copy of a fixture in a fresh directory, as `register.juki`.
fn copy_of(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("register.juki");
    std::fs::copy(fixture(name), &db).unwrap();
    (dir, db)
}

/// The rows of a CSV with only the named columns, in file order.
fn columns(csv: &str, names: &[&str]) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at: Vec<usize> = names
        .iter()
        .map(|n| header.iter().position(|h| h == *n).unwrap())
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            at.iter().map(|i| r[*i].to_string()).collect()
        })
        .collect()
}

/// Asserts that the CSV at `new` holds, in every column of the fixture `old` (an export of
/// the old build), what that fixture holds.
fn same_in_its_columns(old: &str, new: &Path) {
    let old = std::fs::read_to_string(fixture(old)).unwrap();
    let header: Vec<String> = old
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    let new = std::fs::read_to_string(new).unwrap();
    assert_eq!(columns(&new, &names), columns(&old, &names));
}

#[test]
fn the_current_build_refuses_a_format_2_file_and_names_the_upgrade() {
    let (_dir, db) = copy_of_fixture();
    let out = juki(&db, "admin", ADMIN_PASSWORD, &["-c", "STATS"]);
    assert!(!out.status.success());
    let said = text(&out);
    assert!(said.contains("format version 2"), "{said}");
    assert!(said.contains("juki upgrade"), "{said}");
    // Refused, the file is still the format-2 register and upgrades.
    let out = juki(&db, "admin", ADMIN_PASSWORD, &["upgrade"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn an_upgraded_register_reads_back_every_version_and_passes_check() {
    let (dir, db) = copy_of_fixture();
    let out = juki(&db, "admin", ADMIN_PASSWORD, &["upgrade"]);
    assert!(out.status.success(), "{}", text(&out));
    let upgraded = format!("from format 2 to {}", juki::FORMAT_VERSION);
    assert!(text(&out).contains(&upgraded), "{}", text(&out));

    // The original is kept, byte for byte.
    let kept = dir.path().join("register.juki.format2");
    assert_eq!(sha(&kept), sha(&fixture("format2.juki")));

    let history = dir.path().join("history.csv");
    let export = dir.path().join("export.csv");
    let out = juki(
        &db,
        "admin",
        ADMIN_PASSWORD,
        &[
            "-c",
            "CHECK",
            "-c",
            "AUDIT VERIFY",
            "-c",
            &format!("EXPORT HISTORY '{}'", history.display()),
            "-c",
            &format!("EXPORT '{}'", export.display()),
            "-c",
            "AUDIT",
        ],
    );
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("CHECK: no problems in 317 residents, 756 versions"),
        "{said}"
    );
    assert!(said.contains("the operation log is intact"), "{said}");
    let logged = format!("from_format=2 to_format={}", juki::FORMAT_VERSION);
    assert!(said.contains(&logged), "{said}");

    // Every version, as the format-2 build exported it, in every column it had (the
    // files are the same today, byte for byte; the columns are compared so that columns
    // added later leave the test true).
    same_in_its_columns("format2.history.csv", &history);
    same_in_its_columns("format2.export.csv", &export);

    // The 4情報 index was built again with the current name keys: a name typed without
    // its space finds the resident the format-2 build recorded.
    let out = juki(
        &db,
        "admin",
        ADMIN_PASSWORD,
        &["-c", "FIND name=山田太郎 birth=1960-04-01"],
    );
    assert!(text(&out).contains("50000000016"), "{}", text(&out));

    // A second upgrade has nothing to do.
    let out = juki(&db, "admin", ADMIN_PASSWORD, &["upgrade"]);
    assert!(out.status.success());
    assert!(text(&out).contains("nothing to do"), "{}", text(&out));
}

/// Runs `statements` as the administrator, each with `-c`; what was printed.
fn admin_runs(db: &Path, statements: &[&str]) -> String {
    let args: Vec<&str> = statements.iter().flat_map(|s| ["-c", *s]).collect();
    let out = juki(db, "admin", ADMIN_PASSWORD, &args);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    said
}

/// A copy of the fixture of storage format `from`, refused by the current build (naming the
/// upgrade), then upgraded: the original kept byte for byte, CHECK and AUDIT VERIFY clean, and
/// EXPORT the same as the old build's in every column it had. The directory, the upgraded
/// file and what CHECK said.
fn upgraded_fixture(from: u64) -> (tempfile::TempDir, PathBuf, String) {
    let name = format!("format{from}.juki");
    let (_refused_dir, refused) = copy_of(&name);
    let out = juki(&refused, "admin", ADMIN_PASSWORD, &["-c", "STATS"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains(&format!("format version {from}")),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("juki upgrade"), "{}", text(&out));

    let (dir, db) = copy_of(&name);
    let out = juki(&db, "admin", ADMIN_PASSWORD, &["upgrade"]);
    assert!(out.status.success(), "{}", text(&out));
    let upgraded = format!("from format {from} to {}", juki::FORMAT_VERSION);
    assert!(text(&out).contains(&upgraded), "{}", text(&out));
    let kept = dir.path().join(format!("register.juki.format{from}"));
    assert_eq!(sha(&kept), sha(&fixture(&name)));

    let export = dir.path().join("export.csv");
    let said = admin_runs(
        &db,
        &[
            "CHECK",
            "AUDIT VERIFY",
            // Every resident, those under a DV等支援措置 too: the old build's export had them.
            &format!("EXPORT '{}' INCLUDE RESTRICTED", export.display()),
        ],
    );
    assert!(said.contains("CHECK: no problems"), "{said}");
    assert!(said.contains("the operation log is intact"), "{said}");
    // The values were copied as they were: the export is the old build's, byte for byte in
    // every column it had.
    same_in_its_columns(&format!("format{from}.export.csv"), &export);
    (dir, db, said)
}

#[test]
fn a_format_3_register_gets_the_current_address_keys() {
    let (_dir, db, said) = upgraded_fixture(3);
    assert!(
        said.contains("CHECK: no problems in 319 residents"),
        "{said}"
    );

    // Addresses the format-3 build recorded as 朝日ヶ丘町5番6号, 松の内町3番地の4 and
    // 大原町5番6号 (formerly 5番60号) are found however the clerk writes them, through the
    // rebuilt index; 5番6号 never finds 5番60号.
    for (find, code) in [
        ("FIND name=朝日 address=朝日ケ丘町5-6", "71000000005"),
        (
            "FIND name=朝日 address=芦屋市朝日が丘町五番六号",
            "71000000005",
        ),
        ("FIND name=松野 address=松ノ内町3-4", "71000000013"),
        ("FIND name=松野 address='芦屋市松之内町3の4'", "71000000013"),
    ] {
        let said = admin_runs(&db, &[find]);
        assert!(said.contains(code), "{find}: {said}");
    }
    let said = admin_runs(
        &db,
        &["FIND name=大原 address=大原町5番6号 AS OF 2026-02-01"],
    );
    assert!(!said.contains("71000000021"), "{said}");
    let said = admin_runs(
        &db,
        &["FIND name=大原 address=大原町5番60号 AS OF 2026-02-01"],
    );
    assert!(said.contains("71000000021"), "{said}");
}

#[test]
fn a_format_4_register_upgrades_and_then_holds_birth_dates_known_in_part() {
    let (_dir, db, _) = upgraded_fixture(4);

    // The format-4 build recorded 1961-02-03; the birth is corrected to the year alone
    // (昭和36年, its month and day 不詳), which the new format stores, and the resident is
    // found by any day of that year.
    admin_runs(&db, &["CORRECT 71000000005 birth=昭和36年 ON 2026-01-10"]);
    for find in [
        "FIND name=ウィリアムズ birth=1961-02-03",
        "FIND name=ウィリアムズ birth=1961-12-31",
        "FIND name=ウィリアムズ birth=1961",
        "FIND name=ウィリアムズ birth=S36.7",
    ] {
        let said = admin_runs(&db, &[find]);
        assert!(said.contains("71000000005"), "{find}: {said}");
    }
    let said = admin_runs(&db, &["FIND name=ウィリアムズ birth=1962-01-01"]);
    assert!(!said.contains("71000000005"), "{said}");
    let said = admin_runs(&db, &["GET 71000000005", "CHECK"]);
    assert!(said.contains("1961"), "{said}");
    assert!(!said.contains("1961-02-03"), "{said}");
    assert!(said.contains("CHECK: no problems"), "{said}");
}

#[test]
fn a_format_5_register_upgrades_and_keeps_its_support_measure_in_force() {
    let (_dir, db, _) = upgraded_fixture(5);
    // The format-5 build put 山口 瞳 (71304679853) under a measure from 2026-11-01 until
    // 2040-10-31, with its days alone: it is carried over with its days, its kind
    // unrecorded, and it screens her and her household (her husband 山口 大地,
    // 39989132290) from a clerk as for nobody.
    let said = admin_runs(&db, &["RESTRICTIONS"]);
    assert!(said.contains("71304679853"), "{said}");
    assert!(said.contains("2040-10-31"), "{said}");
    assert!(said.contains("unrecorded"), "{said}");
    for (statement, nobody) in [
        ("GET 71304679853", "GET 12345678903"),
        ("GET 39989132290", "GET 12345678903"),
        ("HISTORY 71304679853", "HISTORY 12345678903"),
    ] {
        let screened = juki(&db, "clerk1", CLERK_PASSWORD, &["-c", statement]);
        let absent = juki(&db, "clerk1", CLERK_PASSWORD, &["-c", nobody]);
        assert_eq!(screened.status.code(), absent.status.code(), "{statement}");
        assert!(text(&screened).contains("NOT_FOUND"), "{}", text(&screened));
        assert!(!text(&screened).contains("山口"), "{}", text(&screened));
    }
    // The administrator sees her, warned.
    let out = juki(&db, "admin", ADMIN_PASSWORD, &["-c", "GET 71304679853"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("山口 瞳"), "{}", text(&out));
    assert!(text(&out).contains("支援措置対象者"), "{}", text(&out));
}

#[test]
fn a_refused_upgrade_leaves_the_file_as_it_was() {
    let (dir, db) = copy_of_fixture();
    let before = sha(&db);
    let wrong = juki(&db, "admin", "not-the-password-1", &["upgrade"]);
    assert_eq!(wrong.status.code(), Some(3), "{}", text(&wrong));
    let clerk = juki(&db, "clerk1", CLERK_PASSWORD, &["upgrade"]);
    assert!(!clerk.status.success());
    assert!(text(&clerk).contains("PERMISSION"), "{}", text(&clerk));
    assert_eq!(sha(&db), before);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["register.juki"], "no copy or kept file is left");
}

#[test]
fn something_else_under_the_kept_name_is_refused_and_a_link_from_an_interrupted_run_is_not() {
    let (dir, db) = copy_of_fixture();
    let kept = dir.path().join("register.juki.format2");
    std::fs::write(&kept, b"someone else's file").unwrap();
    let before = sha(&db);
    let out = juki(&db, "admin", ADMIN_PASSWORD, &["upgrade"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("register.juki.format2"),
        "{}",
        text(&out)
    );
    assert_eq!(sha(&db), before);
    assert_eq!(std::fs::read(&kept).unwrap(), b"someone else's file");

    // An upgrade cut off after keeping the original (a hard link) and before the rename.
    std::fs::remove_file(&kept).unwrap();
    std::fs::hard_link(&db, &kept).unwrap();
    let out = juki(&db, "admin", ADMIN_PASSWORD, &["upgrade"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(sha(&kept), before);
}
