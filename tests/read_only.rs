//! Read-only opens as a privacy requirement: "`--read-only` opens write nothing; a backup
//! (its manifest beside it) opens read-only unless told otherwise; restore still accepts it
//! afterwards." Every check compares the SHA-256 of the whole file before and after the
//! real binary ran on it: reads, a wrong password, a refused 異動, a refused open.

mod common;
use common::*;
use juki::{Juki, Key, LOCK_AFTER_FAILURES};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const PASSPHRASE: &str = "a-long-passphrase-for-tests";

/// A 転入 of 花子 (resident 2) into 太郎's household, as the console takes it.
fn move_in_text() -> String {
    format!(
        "MOVE IN {} my_number={} name='山田 花子' kana='ヤマダ ハナコ' sex=2 birth=1982-09-15 address=兵庫県芦屋市精道町7番6号 postal=659-0068 household=100 relationship=妻 ON 2024-03-01",
        code(2),
        my_number(2).reveal()
    )
}

fn sha256(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `juki --db DB --operator admin1 ARGS` with `password` (none: no password at all) and
/// the environment `env`.
fn juki_on(db: &Path, args: &[&str], password: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_juki"));
    cmd.arg("--db")
        .arg(db)
        .args(["--operator", ADMIN, "--format", "json"])
        .args(args)
        .env_remove("JUKI_DB")
        .env_remove("JUKI_OPERATOR")
        .env_remove("JUKI_PASSWORD")
        .env_remove("JUKI_KEY")
        .stdin(Stdio::null());
    if let Some(p) = password {
        cmd.env("JUKI_PASSWORD", p);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A register of 芦屋市 holding 太郎 (resident 1), closed; its directory and path.
fn register() -> (tempfile::TempDir, PathBuf) {
    let f = Fixture::in_ashiya();
    f.db.record(&move_in(1, &taro(), "2020-04-01")).unwrap();
    f.close()
}

/// [`register`] and a backup of it made by `BACKUP TO` (with its manifest beside it).
fn register_and_backup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (dir, db) = register();
    let backup = dir.path().join("backup.redb");
    let out = juki_on(
        &db,
        &["-c", &format!("BACKUP TO '{}'", backup.display())],
        Some(PASSWORD),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (dir, db, backup)
}

/// Runs `args` on `db` and asserts the file kept its bytes; the output.
fn leaves_unchanged(db: &Path, args: &[&str], password: Option<&str>) -> Output {
    let before = sha256(db);
    let out = juki_on(db, args, password, &[]);
    assert_eq!(
        sha256(db),
        before,
        "{args:?} changed the file: {}",
        stderr(&out)
    );
    out
}

/// Reads, a wrong password and a refused 異動 on `db` (read-only by `flags`, or by being a
/// backup), each leaving the file byte for byte as it was.
fn reads_and_refusals_leave_no_trace(db: &Path, flags: &[&str]) {
    fn with<'a>(flags: &[&'a str], c: &'a str) -> Vec<&'a str> {
        [flags, &["-c", c]].concat()
    }
    let out = leaves_unchanged(db, &with(flags, "STATS"), Some(PASSWORD));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"count\":1"), "{}", stdout(&out));

    let get = format!("GET {}", code(1));
    let out = leaves_unchanged(db, &with(flags, &get), Some(PASSWORD));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("山田 太郎"), "{}", stdout(&out));

    // A read that needs the operators permission is still a read.
    let out = leaves_unchanged(db, &with(flags, "LIST OPERATORS"), Some(PASSWORD));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = leaves_unchanged(db, &with(flags, "STATS"), Some("not-the-password-1"));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error[AUTH_FAILED]"),
        "{}",
        stderr(&out)
    );

    let text = move_in_text();
    let out = leaves_unchanged(db, &with(flags, &text), Some(PASSWORD));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error[PERMISSION_DENIED]") && stderr(&out).contains("read-only"),
        "{}",
        stderr(&out)
    );

    // A copy is always recorded, and a read-only open records nothing: no EXPORT.
    let copy = db.with_extension("export.csv");
    let export = format!("EXPORT '{}'", copy.display());
    let out = leaves_unchanged(db, &with(flags, &export), Some(PASSWORD));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error[PERMISSION_DENIED]"),
        "{}",
        stderr(&out)
    );
    assert!(!copy.exists());
}

#[test]
fn read_only_opens_of_a_register_change_no_byte_of_it() {
    let (_dir, db) = register();
    reads_and_refusals_leave_no_trace(&db, &["--read-only"]);

    // CHECK says what a read-only open leaves out.
    let out = leaves_unchanged(&db, &["--read-only", "-c", "CHECK"], Some(PASSWORD));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("opened read-only"),
        "{}",
        stdout(&out)
    );

    // The same reads without the flag are logged: the file changes (which is what the
    // comparisons above would have caught).
    let before = sha256(&db);
    let out = juki_on(&db, &["-c", "STATS"], Some(PASSWORD), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_ne!(sha256(&db), before);
}

#[test]
fn read_only_does_not_go_with_a_subcommand_that_writes() {
    let (dir, db) = register();
    let csv = dir.path().join("none.csv");
    std::fs::write(&csv, "").unwrap();
    let out = leaves_unchanged(
        &db,
        &["--read-only", "import", csv.to_str().unwrap()],
        Some(PASSWORD),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--read-only"), "{}", stderr(&out));
}

#[test]
fn a_backup_opened_with_the_console_is_still_accepted_by_restore() {
    let (dir, _db, backup) = register_and_backup();

    // No flag: the manifest beside it makes the open read-only, and says so.
    reads_and_refusals_leave_no_trace(&backup, &[]);
    let out = leaves_unchanged(&backup, &["-c", "STATS"], Some(PASSWORD));
    assert!(
        stderr(&out).contains("opened read-only"),
        "{}",
        stderr(&out)
    );
    let out = leaves_unchanged(&backup, &["changes", "--since", "0"], Some(PASSWORD));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&code(1).to_string()),
        "{}",
        stdout(&out)
    );

    let restored = dir.path().join("restored.redb");
    let args = ["restore", "--from", backup.to_str().unwrap()];
    let out = juki_on(&restored, &args, Some(PASSWORD), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = juki_on(
        &restored,
        &["-c", &format!("GET {}", code(1))],
        Some(PASSWORD),
        &[],
    );
    assert!(stdout(&out).contains("山田 太郎"), "{}", stdout(&out));
}

#[test]
fn read_write_opens_a_backup_for_changes_and_restore_then_refuses_it() {
    let (dir, _db, backup) = register_and_backup();
    let before = sha256(&backup);
    let text = move_in_text();
    let out = juki_on(&backup, &["--read-write", "-c", &text], Some(PASSWORD), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_ne!(sha256(&backup), before);

    let restored = dir.path().join("restored.redb");
    let args = ["restore", "--from", backup.to_str().unwrap()];
    let out = juki_on(&restored, &args, Some(PASSWORD), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!restored.exists());
}

#[test]
fn a_refused_open_changes_nothing() {
    let (_dir, db) = register();
    // No password to be had: refused before the file is opened, read-write or not.
    for flags in [&[][..], &["--read-only"][..]] {
        let out = leaves_unchanged(&db, &[flags, &["-c", "STATS"]].concat(), None);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    }

    // An encrypted register and a wrong key: refused before redb opens the file.
    let dir = tempfile::tempdir().unwrap();
    let sealed = dir.path().join("sealed.redb");
    let juki = Juki::builder(&sealed)
        .key(Key::passphrase(PASSPHRASE))
        .create_with_admin(ADMIN, PASSWORD)
        .unwrap();
    drop(juki);
    for flags in [&[][..], &["--read-only"][..]] {
        let before = sha256(&sealed);
        let args = [flags, &["-c", "STATS"]].concat();
        let wrong = [("JUKI_KEY", "not-the-passphrase-at-all")];
        let out = juki_on(&sealed, &args, Some(PASSWORD), &wrong);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert_eq!(sha256(&sealed), before, "{}", stderr(&out));
        // The right key and a wrong password, read-only: nothing either.
        if !flags.is_empty() {
            let right = [("JUKI_KEY", PASSPHRASE)];
            let out = juki_on(&sealed, &args, Some("not-the-password-1"), &right);
            assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
            assert_eq!(sha256(&sealed), before, "{}", stderr(&out));
            let out = juki_on(&sealed, &args, Some(PASSWORD), &right);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            assert_eq!(sha256(&sealed), before, "{}", stderr(&out));
        }
    }
}

#[test]
fn failed_sign_ins_on_a_read_only_open_lock_nobody_out() {
    let (_dir, db) = register();
    let juki = Juki::builder(&db).read_only(true).open().unwrap();
    assert!(juki.is_read_only());
    for _ in 0..=LOCK_AFTER_FAILURES {
        let e = juki.sign_in(ADMIN, "not-the-password-1", "t").unwrap_err();
        assert_eq!(e.code(), juki::ErrorCode::AuthFailed);
    }
    let admin = juki.sign_in(ADMIN, PASSWORD, "t").unwrap();
    let me = admin
        .list_operators()
        .unwrap()
        .into_iter()
        .find(|o| o.id == ADMIN)
        .unwrap();
    assert_eq!((me.failed_sign_ins, me.locked), (0, false));
    // Every change, and a read that would have to write redb's pages, is refused.
    let e = admin.compact().unwrap_err();
    assert_eq!(e.code(), juki::ErrorCode::PermissionDenied, "{e}");
    let e = admin
        .change_password(PASSWORD, "another-password-1")
        .unwrap_err();
    assert_eq!(e.code(), juki::ErrorCode::PermissionDenied, "{e}");
    drop(admin);
    drop(juki);

    // A writable open counts the same failures.
    let juki = Juki::builder(&db).open().unwrap();
    for _ in 0..LOCK_AFTER_FAILURES {
        let _ = juki.sign_in(ADMIN, "not-the-password-1", "t");
    }
    assert!(juki.sign_in(ADMIN, PASSWORD, "t").is_err());
}

#[test]
fn only_roles_that_audit_may_open_read_only() {
    let f = Fixture::in_ashiya();
    for (id, role) in [("clerk1", "clerk"), ("auditor1", "auditor")] {
        f.db.run(&format!(
            "CREATE OPERATOR {id} ROLE {role} PASSWORD 'a-password-of-{id}'"
        ))
        .unwrap();
    }
    let (_dir, path) = f.close();
    let before = sha256(&path);
    let juki = Juki::builder(&path).read_only(true).open().unwrap();
    // A clerk's reads are logged in a writable open; a read-only open would leave none.
    let e = juki
        .sign_in("clerk1", "a-password-of-clerk1", "t")
        .unwrap_err();
    assert_eq!(e.code(), juki::ErrorCode::PermissionDenied, "{e}");
    let auditor = juki
        .sign_in("auditor1", "a-password-of-auditor1", "t")
        .unwrap();
    assert!(!auditor.run("AUDIT VERIFY").unwrap().is_empty());
    drop(auditor);
    drop(juki);
    assert_eq!(sha256(&path), before);
}
