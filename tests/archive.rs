//! EXPORT HISTORY is an archive: imported into an empty register of the same municipality,
//! it gives back the register it was written from, with the same content digest (every
//! version, 宛名番号, 更新順番号, operator and recording time, every index).

use juki::generator::{write_csv, GenOptions};
use juki::{Clock, Date, ImportOptions, Juki, Output, Progress, Session};

const OPERATOR: &str = "admin1";
const PASSWORD: &str = "archive-test-password";
const TODAY: &str = "2026-04-01";

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// A register of 芦屋市 with its built-in dictionary, as `juki init --municipality 282065`.
fn create(path: &std::path::Path) -> Session {
    let juki = Juki::builder(path)
        .municipality("282065")
        .unwrap()
        .towns(date("1900-01-01"), juki::TownDictionary::ashiya_csv())
        .unwrap()
        .create_with_admin(OPERATOR, PASSWORD)
        .unwrap();
    juki.set_clock(Clock::Fixed(date(TODAY)));
    juki.sign_in(OPERATOR, PASSWORD, "test").unwrap()
}

fn run(s: &Session, text: &str) -> Output {
    let mut out = s.run(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    out.pop().unwrap()
}

/// A generated register with its history, then the 異動 whose bookkeeping is hardest to
/// reproduce: a backdated correction (its folded index entries), a 異動取消 of a whole
/// MOVE HOUSEHOLD (companion versions), a 転出 notified ahead, items and a 方書.
fn build(dir: &std::path::Path, s: &Session) {
    let mut opts = GenOptions::new(400, 11, date(TODAY));
    opts.history = true;
    let residents = dir.join("gen.csv");
    let history = dir.join("gen.history.csv");
    let mut h = std::fs::File::create(&history).unwrap();
    write_csv(
        &opts,
        std::fs::File::create(&residents).unwrap(),
        Some(&mut h),
    )
    .unwrap();
    drop(h);
    s.import(&ImportOptions::new(&residents), Progress::Quiet)
        .unwrap();
    for text in [
        "MOVE IN 24727059608 my_number=123456789018 name='山田 太郎' kana='ヤマダ タロウ' sex=男 birth=1980-04-01 address='兵庫県芦屋市精道町7番6号 コーポ芦屋101' postal=659-0064 household=0018305826 relationship=世帯主 from='大阪府大阪市北区梅田1-1' ON 2026-01-10 REPORTED 2026-01-12",
        "MOVE IN 12345678903 my_number=614106526000 name='山田 花子' kana='ヤマダ ハナコ' sex=女 birth=1982-09-15 address='芦屋市精道町7-6 コーポ芦屋101' postal=659-0064 household=0018305826 relationship=妻 ON 2026-01-10",
        "AMEND 12345678903 former_surname=鈴木 registered_domicile='兵庫県芦屋市精道町7番' nhi_acquired=2026-01-10 ON 2026-01-20",
        "MOVE HOUSEHOLD 0018305826 address='芦屋市打出町2-3' ON 2026-02-01",
    ] {
        run(s, text);
    }
    let Output::Rows(r) = run(s, "HISTORY 24727059608") else {
        panic!()
    };
    let seq = r.columns.iter().position(|c| *c == "seq").unwrap();
    let move_seq = r.rows[1][seq].text();
    for text in [
        format!("CANCEL CHANGE 24727059608 seq={move_seq} ON 2026-02-01"),
        "CORRECT 12345678903 kana='ヤマダ ハナエ' ON 2026-01-10".into(),
        "MOVE OUT 24727059608 to='東京都港区芝公園4-2-8' new_head=12345678903 ON 2026-04-10".into(),
        "CANCEL MOVE OUT 24727059608 ON 2026-04-10".into(),
    ] {
        run(s, &text);
    }
}

#[test]
fn export_history_then_import_gives_the_same_content_digest() {
    let dir = tempfile::tempdir().unwrap();
    let original = create(&dir.path().join("a.juki"));
    build(dir.path(), &original);
    let archive = dir.path().join("archive.csv");
    original.export_history(&archive).unwrap();

    let copy = create(&dir.path().join("b.juki"));
    let report = copy
        .import(&ImportOptions::new(&archive), Progress::Quiet)
        .unwrap();
    assert!(report.read > report.written, "{report}");
    assert_eq!(
        copy.content_digest().unwrap(),
        original.content_digest().unwrap()
    );
    let (check, _) = copy.check().unwrap();
    assert!(check.is_clean(), "{check}");
    // The copy answers like the original, and goes on from where it stopped.
    for text in [
        "GET 12345678903",
        "HISTORY 24727059608",
        "STATS BY town, status",
    ] {
        assert_eq!(run(&copy, text), run(&original, text), "{text}");
    }
    // The load is logged with the file's SHA-256.
    let Output::Rows(log) = run(&copy, "AUDIT LIMIT 50") else {
        panic!()
    };
    let text = format!("{log:?}");
    assert!(text.contains("IMPORT ARCHIVE"), "{text}");
}

#[test]
fn an_archive_loads_only_into_an_empty_register_and_only_whole() {
    let dir = tempfile::tempdir().unwrap();
    let original = create(&dir.path().join("a.juki"));
    build(dir.path(), &original);
    let archive = dir.path().join("archive.csv");
    original.export_history(&archive).unwrap();

    // Not into a register that holds residents.
    let digest = original.content_digest().unwrap();
    let err = original
        .import(&ImportOptions::new(&archive), Progress::Quiet)
        .unwrap_err();
    assert_eq!(err.code().as_str(), "CONFLICT", "{err}");
    assert_eq!(original.content_digest().unwrap(), digest);

    // A row taken out leaves a gap in the 更新順番号: nothing is written.
    let text = std::fs::read_to_string(&archive).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(lines.len() / 2);
    let gapped = dir.path().join("gapped.csv");
    std::fs::write(&gapped, lines.join("\n") + "\n").unwrap();
    let copy = create(&dir.path().join("b.juki"));
    let empty = copy.content_digest().unwrap();
    let err = copy
        .import(&ImportOptions::new(&gapped), Progress::Quiet)
        .unwrap_err();
    assert!(err.to_string().contains("更新順番号"), "{err}");
    assert_eq!(copy.content_digest().unwrap(), empty);

    // A damaged cell is named by line and column, its value not quoted.
    let damaged = text.replacen(",614106526000,", ",614106526001,", 1);
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, damaged).unwrap();
    let err = copy
        .import(&ImportOptions::new(&bad), Progress::Quiet)
        .unwrap_err()
        .to_string();
    assert!(err.contains("my_number"), "{err}");
    assert!(!err.contains("614106526001"), "{err}");
    assert_eq!(copy.content_digest().unwrap(), empty);
}

#[test]
fn a_clerk_cannot_load_an_archive() {
    let dir = tempfile::tempdir().unwrap();
    let original = create(&dir.path().join("a.juki"));
    run(&original, "MOVE IN 24727059608 my_number=123456789018 name='山田 太郎' kana='ヤマダ タロウ' sex=男 birth=1980-04-01 address='兵庫県芦屋市精道町7番6号' postal=659-0064 household=100 relationship=世帯主 ON 2026-01-10");
    let archive = dir.path().join("archive.csv");
    original.export_history(&archive).unwrap();
    let copy = create(&dir.path().join("b.juki"));
    run(
        &copy,
        "CREATE OPERATOR clerk9 ROLE clerk PASSWORD 'clerk-password-2026'",
    );
    let clerk = copy
        .juki()
        .sign_in("clerk9", "clerk-password-2026", "t")
        .unwrap();
    let err = clerk
        .import(&ImportOptions::new(&archive), Progress::Quiet)
        .unwrap_err();
    assert_eq!(err.code().as_str(), "PERMISSION_DENIED", "{err}");
}

#[test]
fn cells_a_spreadsheet_would_run_are_neutralised_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let original = create(&dir.path().join("a.juki"));
    run(&original, "MOVE IN 24727059608 my_number=123456789018 name='山田 太郎' kana='ヤマダ タロウ' sex=男 birth=1980-04-01 address='兵庫県芦屋市精道町7番6号' postal=659-0064 household=100 relationship=世帯主 from='@SUM(1+1)' ON 2026-01-10");
    run(
        &original,
        "AMEND 24727059608 registered_domicile='=1+2' family_head='山田 太郎' ON 2026-01-11",
    );
    let export = dir.path().join("export.csv");
    original.export(&export).unwrap();
    let text = std::fs::read_to_string(&export).unwrap();
    assert!(text.contains(",'@SUM(1+1),"), "{text}");
    assert!(text.contains(",'=1+2,"), "{text}");
    assert!(!text.contains(",=1+2"), "{text}");

    // The residents file reads back as stored.
    let migrated = create(&dir.path().join("b.juki"));
    migrated
        .import(&ImportOptions::new(&export), Progress::Quiet)
        .unwrap();
    let got = run(&migrated, "GET 24727059608");
    let Output::Rows(r) = got else { panic!() };
    let col = |name: &str| r.columns.iter().position(|c| *c == name).unwrap();
    assert_eq!(r.rows[0][col("previous_address")].text(), "@SUM(1+1)");
    assert!(r.rows[0][col("items")]
        .text()
        .contains("registered_domicile==1+2"));

    // And so does the archive, to the content digest.
    let archive = dir.path().join("archive.csv");
    original.export_history(&archive).unwrap();
    let copy = create(&dir.path().join("c.juki"));
    copy.import(&ImportOptions::new(&archive), Progress::Quiet)
        .unwrap();
    assert_eq!(
        copy.content_digest().unwrap(),
        original.content_digest().unwrap()
    );
}
