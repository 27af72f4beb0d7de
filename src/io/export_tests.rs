//! EXPORT, EXPORT HISTORY and the consistency files through the library.

use std::path::Path;

use crate::io::consistency::{export_consistency, verify_consistency};
use crate::io::export::{export, export_history, HISTORY_EXPORT_HEADER};
use crate::io::generator::{history, residents, GenOptions};
use crate::io::import::{import, ImportOptions, Progress};
use crate::model::ResidentCode;
use crate::model::{Date, Name, Reason};
use crate::store::Database;
use crate::store::{Clock, Fields};
use crate::{Change, Resident};

const TODAY: &str = "2026-04-01";

fn today() -> Date {
    Date::parse(TODAY).unwrap()
}

fn db_at(path: &Path) -> Database {
    let db = Database::create(path).unwrap();
    db.set_clock(Clock::Fixed(today()));
    db
}

/// A register of `n` generated residents with their history.
fn register(dir: &Path, name: &str, n: usize) -> Database {
    let db = db_at(&dir.join(name));
    let mut opts = GenOptions::new(n, 21, today());
    opts.history = true;
    let mut changes: Vec<Change> = residents(&opts).map(|r| r.to_move_in()).collect();
    changes.extend(history(&opts).map(|c| c.to_change()));
    record(&db, &changes);
    db
}

/// Records changes through the engine's write path, in one transaction.
fn record(db: &Database, changes: &[Change]) {
    let mut load = db.begin_bulk().unwrap();
    load.record_staged(changes, |_| {}).unwrap();
    load.commit().unwrap();
}

fn all(db: &Database) -> std::collections::BTreeMap<ResidentCode, Resident> {
    let mut out = std::collections::BTreeMap::new();
    db.for_each_resident(|r| -> Result<(), crate::store::StoreError> {
        out.insert(r.code, r);
        Ok(())
    })
    .unwrap();
    out
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn export_then_import_gives_the_same_current_register() {
    let dir = tempfile::tempdir().unwrap();
    let a = register(dir.path(), "a.redb", 400);
    let out = dir.path().join("export.csv");
    let report = export(&a, &out, &|_| true).unwrap();
    // Every resident, removed ones (除票) included.
    let counts = a.counts().unwrap();
    assert_eq!(report.rows, counts.residents);
    assert!(counts.residents > counts.active);
    assert_eq!(report.sha256.len(), 64);
    assert_eq!(mode(&out), 0o600);

    let b = db_at(&dir.path().join("b.redb"));
    let mut opts = ImportOptions::new(&out);
    opts.history = None;
    let imported = import(&b, &opts, Progress::Quiet).unwrap();
    assert_eq!(imported.written, report.rows);

    let before: Vec<Resident> = all(&a).into_values().collect();
    let imported = all(&b);
    assert_eq!(before.len(), imported.len());
    assert_eq!(b.counts().unwrap().active, counts.active);
    for x in &before {
        let y = &imported[&x.code];
        assert_eq!(
            (
                &x.my_number,
                &x.name,
                &x.kana,
                x.sex,
                x.birth,
                &x.address,
                x.postal,
                x.household,
                &x.relationship,
                x.resident_since,
                x.status,
                x.removed_on
            ),
            (
                &y.my_number,
                &y.name,
                &y.kana,
                y.sex,
                y.birth,
                &y.address,
                y.postal,
                y.household,
                &y.relationship,
                y.resident_since,
                y.status,
                y.removed_on
            )
        );
    }
    // A second export of the imported register is the same file, but for the 宛名番号,
    // which the importing register gives anew.
    let again = dir.path().join("again.csv");
    export(&b, &again, &|_| true).unwrap();
    let without_atena = |path: &std::path::Path| -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let i = header.iter().position(|c| *c == "atena_number").unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                let cells: Vec<&str> = r
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, c)| c)
                    .collect();
                cells.join("\u{1f}")
            })
            .collect()
    };
    assert_eq!(without_atena(&again), without_atena(&out));
}

#[test]
fn export_history_has_every_version() {
    let dir = tempfile::tempdir().unwrap();
    let a = register(dir.path(), "a.redb", 200);
    let out = dir.path().join("history.csv");
    let report = export_history(&a, &out, &|_| true).unwrap();
    assert_eq!(report.rows, a.counts().unwrap().versions);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        crate::io::export::with_item_columns(HISTORY_EXPORT_HEADER)
    );
    assert!(text.contains(",move_in,") && text.contains(",removed,"));
    assert_eq!(mode(&out), 0o600);
}

#[test]
fn consistency_of_a_copy_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let a = register(dir.path(), "a.redb", 300);
    let b = register(dir.path(), "b.redb", 300);
    let file = dir.path().join("a.consistency.csv");
    let report = export_consistency(&a, &file, &|_| true).unwrap();
    assert_eq!(report.rows, a.counts().unwrap().residents);
    assert_eq!(mode(&file), 0o600);
    let v = verify_consistency(&b, &file).unwrap();
    assert!(v.is_clean(), "{v}");
    assert_eq!(v.db_records, report.rows);
    assert_eq!(v.file_records, report.rows);
    assert!(v.to_string().starts_with("consistent"));
}

#[test]
fn verify_finds_missing_extra_and_different_residents() {
    let dir = tempfile::tempdir().unwrap();
    let a = register(dir.path(), "a.redb", 100);
    let opts = GenOptions::new(100, 21, today());
    let first = residents(&opts).next().unwrap();
    let file = dir.path().join("a.csv");
    export_consistency(&a, &file, &|_| true).unwrap();

    // A change in the database: one resident's name.
    let renamed = all(&a)
        .into_values()
        .find(|r| r.is_active() && r.code != first.code)
        .map(|r| r.code);
    if let Some(code) = renamed {
        record(
            &a,
            &[Change::new(Reason::Rename, code, today()).with(Fields {
                name: Some(Name::parse("改名 太郎").unwrap()),
                ..Fields::default()
            })],
        );
    }
    // A resident only in the database.
    let extra_in_db = crate::model::ResidentCode::from_serial(9_999_999_990);
    let mut p = residents(&GenOptions::new(1, 99, today()))
        .next()
        .unwrap()
        .to_move_in();
    p.code = extra_in_db;
    p.fields.household = Some(crate::model::HouseholdId::new(987_654_321));
    p.fields.relationship = Some(crate::model::Relationship::head());
    p.fields.my_number = Some(crate::model::MyNumber::from_serial(99_999_999_990));
    record(&a, &[p]);

    let v = verify_consistency(&a, &file).unwrap();
    assert!(!v.is_clean());
    assert_eq!(v.missing, vec![extra_in_db]);
    if let Some(code) = renamed {
        let d = v.different.iter().find(|d| d.code == code).unwrap();
        assert!(d
            .items
            .iter()
            .any(|i| i.item == "name_kanji" && i.db == "改名 太郎"));
        assert!(d.items.iter().any(|i| i.item == "reason"));
    }

    // Extra: the file has a resident the (smaller) database lacks.
    let small = register(dir.path(), "small.redb", 100);
    std::fs::remove_file(&file).unwrap();
    export_consistency(&a, &file, &|_| true).unwrap();
    let v = verify_consistency(&small, &file).unwrap();
    assert!(v.extra.contains(&extra_in_db.to_string()), "{v}");
    assert!(v.to_string().contains("NOT consistent"));
}

#[test]
fn verify_reports_a_damaged_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = register(dir.path(), "a.redb", 50);
    let file = dir.path().join("a.csv");
    export_consistency(&a, &file, &|_| true).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    // Alter one record without fixing its CRC.
    assert!(lines[3].contains("芦屋市"), "{}", lines[3]);
    lines[3] = lines[3].replacen("芦屋市", "芦尾市", 1);
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let v = verify_consistency(&a, &file).unwrap();
    assert!(
        v.damaged
            .iter()
            .any(|d| d.line == 4 && d.reason.contains("CRC32")),
        "{v}"
    );
    assert!(
        v.damaged.iter().any(|d| d.reason.contains("trailer")),
        "{v}"
    );
    assert_eq!(v.missing.len(), 1);

    // A truncated file has no trailer.
    let cut: Vec<&str> = text.lines().take(10).collect();
    std::fs::write(&file, cut.join("\n") + "\n").unwrap();
    let v = verify_consistency(&a, &file).unwrap();
    assert!(
        v.damaged.iter().any(|d| d.reason.contains("truncated")),
        "{v}"
    );
}

/// Every file an export writes is new: an existing file, a symbolic link (to a file or to
/// nowhere) is refused and left as it was; the new file is 0600 and no temporary file stays.
#[test]
fn exports_write_new_private_files_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = register(dir.path(), "r.juki", 30);
    let existing = dir.path().join("existing.csv");
    std::fs::write(&existing, "keep me").unwrap();
    std::fs::set_permissions(
        &existing,
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    let target = dir.path().join("target.csv");
    std::fs::write(&target, "elsewhere").unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let dangling = dir.path().join("dangling.csv");
    std::os::unix::fs::symlink(dir.path().join("nowhere.csv"), &dangling).unwrap();

    for path in [&existing, &link, &dangling] {
        for (what, result) in [
            ("EXPORT", export(&db, path, &|_| true).map(|_| ())),
            (
                "EXPORT HISTORY",
                export_history(&db, path, &|_| true).map(|_| ()),
            ),
            (
                "EXPORT CONSISTENCY",
                export_consistency(&db, path, &|_| true).map(|_| ()),
            ),
        ] {
            let e = result.expect_err(what);
            assert!(e.to_string().contains("already exists"), "{what}: {e}");
        }
    }
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me");
    assert_eq!(mode(&existing), 0o644);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "elsewhere");
    assert!(!dir.path().join("nowhere.csv").exists());

    let fresh = dir.path().join("fresh.csv");
    export(&db, &fresh, &|_| true).unwrap();
    assert_eq!(mode(&fresh), 0o600);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
}

/// The rejects files of `--skip-bad` are new files too, refused before anything is read.
#[test]
fn an_existing_rejects_file_is_refused_before_the_import() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_at(&dir.path().join("r.juki"));
    let csv = dir.path().join("in.csv");
    std::fs::write(&csv, "not even read").unwrap();
    let rejects = dir.path().join("rejects.csv");
    std::fs::write(&rejects, "keep me").unwrap();
    let mut opts = ImportOptions::new(&csv);
    opts.skip_bad = Some(rejects.clone());
    let e = import(&db, &opts, Progress::Quiet).unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    assert_eq!(std::fs::read_to_string(&rejects).unwrap(), "keep me");
    assert_eq!(db.counts().unwrap().residents, 0);
    // A symbolic link, to that file or to nowhere, is refused as well and not followed.
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&rejects, &link).unwrap();
    let dangling = dir.path().join("dangling.csv");
    std::os::unix::fs::symlink(dir.path().join("nowhere.csv"), &dangling).unwrap();
    for path in [link, dangling] {
        opts.skip_bad = Some(path);
        let e = import(&db, &opts, Progress::Quiet).unwrap_err();
        assert!(e.to_string().contains("already exists"), "{e}");
    }
    assert_eq!(std::fs::read_to_string(&rejects).unwrap(), "keep me");
    assert!(!dir.path().join("nowhere.csv").exists());
}
