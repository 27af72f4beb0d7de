//! BACKUP TO, `juki restore` and COMPACT as requirements: a backup taken while a clerk keeps
//! recording 異動 is exactly the snapshot its manifest names; a restore gives back the same
//! content and refuses damaged backups and occupied paths without writing anything; both
//! are permission-checked and logged; COMPACT shrinks a file with free space, changes no
//! content, and needs the database to itself.

mod common;
use common::*;
use juki::testing::Database;
use juki::Juki;
use juki::Reason;
use juki::{testing::manifest_path, Manifest};
use juki::{AuditQuery, Role};
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

const SECRET: &str = "operator-pass-1";

/// `n` residents, each the 世帯主 of their own household, recorded in one batch.
fn populate(f: &Fixture, n: u64) {
    let changes: Vec<_> = (1..=n)
        .map(|i| {
            move_in(
                i,
                &Person {
                    my_number: i,
                    household: 1000 + i,
                    ..taro()
                },
                "2020-04-01",
            )
        })
        .collect();
    f.db.record_batch(&changes).unwrap();
}

/// The `round`-th day after 2021-01-01 (rounds < 336), as ISO text.
fn day(round: u64) -> String {
    format!("2021-{:02}-{:02}", 1 + round / 28, 1 + round % 28)
}

/// A 転居 of resident `c` in `round`, away from the address they moved in at in even
/// rounds and back in odd ones.
fn a_move(c: u64, round: u64) -> juki::Change {
    let to = if round.is_multiple_of(2) {
        "兵庫県芦屋市打出町2番3号"
    } else {
        "兵庫県芦屋市精道町7番6号"
    };
    change(Reason::Move, c, &day(round), moving_to(to))
}

fn juki_bin(args: &[&str], password: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_juki"))
        .args(args)
        .env_remove("JUKI_DB")
        .env_remove("JUKI_OPERATOR")
        .env("JUKI_PASSWORD", password)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// The command was refused for want of a permission: exit status 1, `PERMISSION_DENIED`.
fn assert_permission_denied(out: &Output) {
    assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
    assert!(
        stderr(out).starts_with("error[PERMISSION_DENIED]: "),
        "{}",
        stderr(out)
    );
}

fn restore(from: &Path, to: &Path, operator: &str, password: &str, force: bool) -> Output {
    let mut args = vec![
        "restore",
        "--from",
        from.to_str().unwrap(),
        "--db",
        to.to_str().unwrap(),
        "--operator",
        operator,
    ];
    if force {
        args.push("--force");
    }
    juki_bin(&args, password)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The names in `dir` that are not in `before`.
fn new_files(dir: &Path, before: &[String]) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !before.contains(n))
        .collect();
    out.sort();
    out
}

fn files(dir: &Path) -> Vec<String> {
    new_files(dir, &[])
}

/// A copy of a backup to inspect (opening a file may write to it; the backup stays as its
/// manifest describes it).
fn inspect_copy(backup: &Path, dir: &Path) -> PathBuf {
    let copy = dir.join("inspect.redb");
    std::fs::copy(backup, &copy).unwrap();
    copy
}

#[test]
fn a_backup_under_concurrent_changes_is_the_snapshot_its_manifest_names() {
    let f = Fixture::new();
    populate(&f, 1500);
    for c in 1..=300 {
        f.db.record(&a_move(c, 0)).unwrap();
    }
    let backup = f.dir.path().join("backup.redb");

    // A clerk records 異動 for as long as the backup runs, and a little after.
    f.db.create_operator("clerk", Role::Clerk, SECRET).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let during = Arc::new(std::sync::Mutex::new(None::<(Instant, Instant)>));
    let writer = {
        let (juki, stop, during) = (f.juki.clone(), stop.clone(), during.clone());
        std::thread::spawn(move || {
            let clerk = juki.sign_in("clerk", SECRET, "counter-1").unwrap();
            let mut done = Vec::new();
            let mut round = 0;
            while !(stop.load(Ordering::Acquire) && round >= 2) && round < 300 {
                for c in 301..=340 {
                    clerk.record(&a_move(c, round)).unwrap();
                    done.push(Instant::now());
                }
                round += 1;
            }
            let window = during.lock().unwrap().expect("the backup ran");
            done.iter()
                .filter(|t| **t > window.0 && **t < window.1)
                .count()
        })
    };
    // Let the writer get going.
    while f.db.counts().unwrap().last_seq < 1500 + 300 + 5 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let started = Instant::now();
    let report = f.db.backup(&backup).unwrap();
    *during.lock().unwrap() = Some((started, Instant::now()));
    stop.store(true, Ordering::Release);
    let written_during_backup = writer.join().unwrap();
    assert!(
        written_during_backup > 0,
        "the writer was held up for the whole backup ({:.2} s)",
        report.seconds
    );

    // The manifest is the report's, and describes the file.
    let manifest = Manifest::read(&manifest_path(&backup)).unwrap();
    assert_eq!(manifest, report.manifest);
    assert_eq!(manifest.bytes, std::fs::metadata(&backup).unwrap().len());
    assert_eq!(manifest.sha256.len(), 64);
    assert_eq!(manifest.format_version, juki::FORMAT_VERSION);
    assert!(manifest.created.ends_with('Z'), "{}", manifest.created);
    let source_seq = f.db.counts().unwrap().last_seq;
    assert!(
        source_seq > manifest.last_seq,
        "changes after the snapshot: {source_seq} vs {}",
        manifest.last_seq
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [backup.clone(), manifest_path(&backup)] {
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", file.display());
        }
    }

    // The copy holds exactly the snapshot: its digest is the one computed from the snapshot
    // while copying, its counts are the manifest's, CHECK is clean…
    let copy = inspect_copy(&backup, f.dir.path());
    {
        let db = Database::open(&copy).unwrap();
        assert_eq!(hex(&db.content_digest().unwrap()), manifest.content_digest);
        let counts = db.counts().unwrap();
        assert_eq!(counts.last_seq, manifest.last_seq);
        assert_eq!(counts.versions, manifest.versions);
        assert_eq!(counts.residents, manifest.residents);
        assert_eq!(counts.active, manifest.active);
        assert!(db.check().unwrap().is_clean());
    }
    // …and every version recorded up to its 更新順番号 is the source's, none later.
    let copy_juki = Juki::builder(&copy).open().unwrap();
    let copy_admin = copy_juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
    let in_copy = copy_admin.changes_since(0, usize::MAX).unwrap();
    let in_source: Vec<_> =
        f.db.changes_since(0, usize::MAX)
            .unwrap()
            .into_iter()
            .filter(|v| v.seq <= manifest.last_seq)
            .collect();
    assert_eq!(in_copy.len() as u64, manifest.last_seq);
    assert_eq!(in_copy, in_source);
    let (report, chain) = copy_admin.check().unwrap();
    assert!(report.is_clean() && chain.first_broken.is_none());

    // The backup is logged in the source, with its SHA-256.
    f.juki.flush_log().unwrap();
    let log = f.db.audit(&AuditQuery::default()).unwrap();
    let entry = log.iter().rev().find(|e| e.kind == "BACKUP TO").unwrap();
    assert_eq!(entry.outcome, "OK");
    assert!(entry.text.contains(&manifest.sha256), "{}", entry.text);
    assert!(entry.text.contains("backup.redb"), "{}", entry.text);
    assert!(
        entry.text.contains(&format!("seq={}", manifest.last_seq)),
        "{}",
        entry.text
    );
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn a_backup_refuses_an_existing_path_and_leaves_nothing_on_failure() {
    let f = Fixture::new();
    populate(&f, 10);
    let taken = f.dir.path().join("taken.redb");
    std::fs::write(&taken, b"something").unwrap();
    let before = files(f.dir.path());
    let err = f.db.backup(&taken).unwrap_err();
    assert_eq!(err.code(), "IO", "{err}");
    assert_eq!(std::fs::read(&taken).unwrap(), b"something");
    // A manifest in the way refuses too.
    let other = f.dir.path().join("other.redb");
    std::fs::write(manifest_path(&other), b"{}").unwrap();
    assert_eq!(f.db.backup(&other).unwrap_err().code(), "IO");
    // A symbolic link, to a file or to nowhere, is refused and left as it was.
    #[cfg(unix)]
    {
        let link = f.dir.path().join("link.redb");
        std::os::unix::fs::symlink(&taken, &link).unwrap();
        let dangling = f.dir.path().join("dangling.redb");
        std::os::unix::fs::symlink(f.dir.path().join("nothing.redb"), &dangling).unwrap();
        for path in [&link, &dangling] {
            assert_eq!(f.db.backup(path).unwrap_err().code(), "IO");
        }
        assert_eq!(std::fs::read(&taken).unwrap(), b"something");
        assert!(!f.dir.path().join("nothing.redb").exists());
        assert!(!manifest_path(&link).exists() && !manifest_path(&dangling).exists());
    }
    // A directory that does not exist.
    let nowhere = f.dir.path().join("no-such-dir").join("b.redb");
    assert_eq!(f.db.backup(&nowhere).unwrap_err().code(), "IO");
    let mut made = vec!["other.redb.manifest.json".to_string()];
    if cfg!(unix) {
        made.extend(["dangling.redb".to_string(), "link.redb".to_string()]);
    }
    made.sort();
    assert_eq!(new_files(f.dir.path(), &before), made);
}

#[test]
fn restore_round_trip_gives_back_the_same_content() {
    let f = Fixture::new();
    populate(&f, 200);
    for c in 1..=50 {
        f.db.record(&a_move(c, 0)).unwrap();
    }
    let digest = f.db.content_digest().unwrap();
    let counts = f.db.counts().unwrap();
    let backup = f.dir.path().join("b.redb");
    f.db.backup(&backup).unwrap();
    let sha_before = std::fs::read(&backup).unwrap();

    let target = f.dir.path().join("restored.redb");
    let out = restore(&backup, &target, ADMIN, PASSWORD, false);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("CHECK found no problems"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The backup itself was only read.
    assert_eq!(std::fs::read(&backup).unwrap(), sha_before);

    let juki = Juki::builder(&target).open().unwrap();
    let admin = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
    assert_eq!(admin.content_digest().unwrap(), digest);
    assert_eq!(admin.counts().unwrap(), counts);
    let (report, chain) = admin.check().unwrap();
    assert!(report.is_clean(), "{report}");
    assert!(chain.first_broken.is_none());
    // The restore is in the restored database's own log.
    let log = admin.audit(&AuditQuery::default()).unwrap();
    let entry = log.iter().find(|e| e.kind == "RESTORE").unwrap();
    assert_eq!(entry.outcome, "OK");
    assert!(entry.text.contains("check=clean"), "{}", entry.text);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn damaged_or_truncated_backups_are_refused_and_nothing_is_written() {
    let f = Fixture::new();
    populate(&f, 100);
    let backup = f.dir.path().join("b.redb");
    f.db.backup(&backup).unwrap();
    let good = std::fs::read(&backup).unwrap();
    let target = f.dir.path().join("restored.redb");

    // A flipped byte in the middle.
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    let damaged = f.dir.path().join("flipped.redb");
    std::fs::write(&damaged, &flipped).unwrap();
    std::fs::copy(manifest_path(&backup), manifest_path(&damaged)).unwrap();
    // Truncated.
    let truncated = f.dir.path().join("truncated.redb");
    std::fs::write(&truncated, &good[..good.len() - 4096]).unwrap();
    std::fs::copy(manifest_path(&backup), manifest_path(&truncated)).unwrap();
    // No manifest.
    let bare = f.dir.path().join("bare.redb");
    std::fs::write(&bare, &good).unwrap();

    let before = files(f.dir.path());
    for (from, says) in [
        (&damaged, "SHA-256 mismatch"),
        (&truncated, "truncated"),
        (&bare, "no manifest"),
    ] {
        let out = restore(from, &target, ADMIN, PASSWORD, false);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.starts_with("error[CORRUPT]: "), "{err}");
        assert!(err.contains(says), "{err}");
        assert!(!target.exists(), "something was written at the target");
        assert!(new_files(f.dir.path(), &before).is_empty(), "left behind");
    }

    // Over an existing file with --force: still refused, the file untouched.
    std::fs::write(&target, b"the old database").unwrap();
    let out = restore(&damaged, &target, ADMIN, PASSWORD, true);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("error[CORRUPT]: "));
    assert_eq!(std::fs::read(&target).unwrap(), b"the old database");
}

#[test]
fn restore_refuses_an_existing_path_without_force_and_an_open_one_even_with_it() {
    let f = Fixture::new();
    populate(&f, 20);
    let backup = f.dir.path().join("b.redb");
    f.db.backup(&backup).unwrap();
    let digest = f.db.content_digest().unwrap();

    let target = f.dir.path().join("existing.redb");
    std::fs::write(&target, b"keep me").unwrap();
    let out = restore(&backup, &target, ADMIN, PASSWORD, false);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");

    // With --force it is replaced, by a new file of mode 0600 whatever the old one's.
    #[cfg(unix)]
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = restore(&backup, &target, ADMIN, PASSWORD, true);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    #[cfg(unix)]
    assert_eq!(
        std::fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o600
    );
    {
        let juki = Juki::builder(&target).open().unwrap();
        let admin = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
        assert_eq!(admin.content_digest().unwrap(), digest);
    }

    // A symbolic link is an existing path: refused without --force; with it the link itself
    // is replaced, and the file it pointed at is left as it was.
    #[cfg(unix)]
    {
        let elsewhere = f.dir.path().join("elsewhere.redb");
        std::fs::write(&elsewhere, b"not a register").unwrap();
        let link = f.dir.path().join("link.redb");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        let out = restore(&backup, &link, ADMIN, PASSWORD, false);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
        let out = restore(&backup, &link, ADMIN, PASSWORD, true);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let meta = link.symlink_metadata().unwrap();
        assert!(meta.file_type().is_file(), "{meta:?}");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read(&elsewhere).unwrap(), b"not a register");
    }

    // The live database, held open by this process: refused even with --force.
    let live = f.path();
    let before = std::fs::metadata(&live).unwrap();
    let out = restore(&backup, &live, ADMIN, PASSWORD, true);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("error[CONFLICT]: "),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("open in another process"));
    assert_eq!(f.db.content_digest().unwrap(), digest);
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let after = std::fs::metadata(&live).unwrap();
        assert_eq!(after.ino(), before.ino(), "the file was replaced");
    }
    #[cfg(not(unix))]
    drop(before);
}

#[test]
fn restore_signs_in_against_the_backup_and_is_for_administrators_only() {
    let f = Fixture::new();
    populate(&f, 5);
    f.db.create_operator("clerk", Role::Clerk, SECRET).unwrap();
    f.db.create_operator("registrar", Role::Registrar, SECRET)
        .unwrap();
    let backup = f.dir.path().join("b.redb");
    f.db.backup(&backup).unwrap();
    // Created after the backup: unknown to it.
    f.db.create_operator("late", Role::Admin, SECRET).unwrap();
    let target = f.dir.path().join("r.redb");

    let out = restore(&backup, &target, "late", SECRET, false);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("error[AUTH_FAILED]: "));
    let out = restore(&backup, &target, ADMIN, "wrong-password-1", false);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let out = restore(&backup, &target, "clerk", SECRET, false);
    assert_permission_denied(&out);
    assert!(!target.exists());
    // The export permission is not enough: a restore replaces the register.
    let out = restore(&backup, &target, "registrar", SECRET, false);
    assert_permission_denied(&out);
    assert!(!target.exists());
    let out = restore(&backup, &target, ADMIN, PASSWORD, false);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// The length of a register's log and its entries' kinds, read by its administrator.
fn log_of(path: &Path) -> (juki::ChainReport, Vec<juki::AuditEntry>) {
    let juki = Juki::builder(path).open().unwrap();
    let admin = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
    let entries = admin.audit(&juki::AuditQuery::default()).unwrap();
    (admin.audit_verify().unwrap(), entries)
}

#[test]
fn restoring_over_a_register_keeps_every_later_entry_of_its_log() {
    let f = Fixture::new();
    populate(&f, 10);
    let backup = f.dir.path().join("b.redb");
    f.db.backup(&backup).unwrap();
    // What happens after the backup: 異動 and reads the restore must not make vanish.
    for i in 11..=15 {
        let p = Person {
            my_number: i,
            household: 1000 + i,
            ..taro()
        };
        f.db.record(&move_in(i, &p, "2020-05-01")).unwrap();
        f.db.get(code(i)).unwrap();
    }
    f.db.create_operator("registrar", Role::Registrar, SECRET)
        .unwrap();
    let (dir, live) = f.close();
    let (_, before) = log_of(&live);

    // Not by a registrar of the live register (the backup does not know them at all).
    let out = restore(&backup, &live, "registrar", SECRET, true);
    assert_permission_denied(&out);
    let (chain, after_refusal) = log_of(&live);
    assert!(after_refusal.len() > before.len(), "the attempt is logged");
    // The log's length when the restore begins: what AUDIT VERIFY verified, and its own
    // entry.
    let live_entries = chain.entries as usize + 1;

    let out = restore(&backup, &live, ADMIN, PASSWORD, true);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The live log ended with the restore's sign-in and its RESTORE entry there.
    let replaced = live_entries + 2;
    let (chain, restored) = log_of(&live);
    assert!(chain.first_broken.is_none(), "{chain}");
    assert_eq!(chain.archived.len(), 1, "{chain}");
    let tail = &chain.archived[0];
    assert!(tail.broken.is_none(), "{chain}");
    // Every entry the live register had after the backup's, the restore's own included
    // (the sign-in and the RESTORE it logged before handing its log over).
    let backup_log = before
        .iter()
        .position(|e| e.kind.starts_with("BACKUP"))
        .expect("the backup is logged")
        + 1;
    assert_eq!(tail.first, backup_log as u64);
    assert_eq!(tail.last as usize, replaced);
    assert!(chain.to_string().contains("archived and verify"), "{chain}");
    let restore_entry = restored.iter().rev().find(|e| e.kind == "RESTORE").unwrap();
    assert!(
        restore_entry
            .text
            .contains(&format!("archived=1:{}-{}:", tail.first, tail.last)),
        "{}",
        restore_entry.text
    );
    drop(dir);
}

#[test]
fn backup_needs_the_export_permission_and_a_refusal_is_logged() {
    let f = Fixture::new();
    populate(&f, 5);
    for role in [Role::Clerk, Role::Viewer, Role::Auditor, Role::Registrar] {
        f.db.create_operator(role.name(), role, SECRET).unwrap();
    }
    for role in [Role::Clerk, Role::Viewer, Role::Auditor] {
        let s = f.juki.sign_in(role.name(), SECRET, "counter-2").unwrap();
        let path = f.dir.path().join(format!("{}.redb", role.name()));
        let err = s.backup(&path).unwrap_err();
        assert_eq!(err.code(), "PERMISSION_DENIED", "{role}: {err}");
        assert!(!path.exists());
        assert!(!manifest_path(&path).exists());
    }
    let registrar = f.juki.sign_in("registrar", SECRET, "counter-2").unwrap();
    registrar
        .backup(&f.dir.path().join("registrar.redb"))
        .unwrap();

    f.juki.flush_log().unwrap();
    let log = f.db.audit(&AuditQuery::default()).unwrap();
    let backups: Vec<_> = log.iter().filter(|e| e.kind == "BACKUP TO").collect();
    let outcomes: Vec<_> = backups
        .iter()
        .map(|e| (e.operator.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("clerk", "PERMISSION_DENIED"),
            ("viewer", "PERMISSION_DENIED"),
            ("auditor", "PERMISSION_DENIED"),
            ("registrar", "OK"),
        ]
    );
    assert!(backups[3].text.contains("sha256="));
}

#[test]
fn compact_shrinks_a_file_with_free_space_and_keeps_the_content() {
    let f = Fixture::new();
    populate(&f, 1000);
    // Many 異動, each batch rewriting pages the one before wrote.
    for round in 0..6 {
        let moves: Vec<_> = (1..=1000).map(|c| a_move(c, round)).collect();
        f.db.record_batch(&moves).unwrap();
    }
    for c in 1..=50 {
        f.db.record(&a_move(c, 6)).unwrap();
    }
    let digest = f.db.content_digest().unwrap();
    let counts = f.db.counts().unwrap();

    let report = f.db.compact().unwrap();
    assert!(report.compacted, "{report}");
    assert!(report.after < report.before, "nothing reclaimed: {report}");
    assert_eq!(f.db.content_digest().unwrap(), digest);
    assert_eq!(f.db.counts().unwrap(), counts);
    let (check, chain) = f.db.check().unwrap();
    assert!(check.is_clean(), "{check}");
    assert!(chain.first_broken.is_none());
    // The engine works on, and after reopening.
    f.db.record(&a_move(1, 10)).unwrap();
    let f = f.reopen();
    assert_eq!(f.db.counts().unwrap().last_seq, counts.last_seq + 1);
    let log = f.db.audit(&AuditQuery::default()).unwrap();
    let entry = log.iter().find(|e| e.kind == "COMPACT").unwrap();
    assert_eq!(entry.outcome, "OK");
    assert!(
        entry
            .text
            .contains(&format!("before={} after={}", report.before, report.after)),
        "{}",
        entry.text
    );
}

#[test]
fn compact_needs_the_database_to_itself_and_an_administrator() {
    let f = Fixture::new();
    populate(&f, 5);
    f.db.create_operator("clerk", Role::Clerk, SECRET).unwrap();
    f.db.create_operator("auditor", Role::Auditor, SECRET)
        .unwrap();

    let clerk = f.juki.sign_in("clerk", SECRET, "counter-2").unwrap();
    let err = f.db.compact().unwrap_err();
    assert_eq!(err.code(), "CONFLICT", "{err}");
    assert!(err.to_string().contains("1 other session is"), "{err}");
    let err = clerk.compact().unwrap_err();
    assert_eq!(err.code(), "PERMISSION_DENIED", "{err}");
    let auditor = f.juki.sign_in("auditor", SECRET, "counter-3").unwrap();
    let err = f.db.compact().unwrap_err();
    assert!(err.to_string().contains("2 other sessions are"), "{err}");
    assert_eq!(auditor.compact().unwrap_err().code(), "PERMISSION_DENIED");

    drop(clerk);
    drop(auditor);
    assert_eq!(f.juki.sessions(), 1);
    f.db.compact().unwrap();

    f.juki.flush_log().unwrap();
    let log = f.db.audit(&AuditQuery::default()).unwrap();
    let outcomes: Vec<_> = log
        .iter()
        .filter(|e| e.kind == "COMPACT")
        .map(|e| (e.operator.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            (ADMIN, "CONFLICT"),
            ("clerk", "PERMISSION_DENIED"),
            (ADMIN, "CONFLICT"),
            ("auditor", "PERMISSION_DENIED"),
            (ADMIN, "OK"),
        ]
    );
}
