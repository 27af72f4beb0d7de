//! EXPORT → import into an empty register (移行) reproduces the register's content.
//!
//! A byte-equal content digest is what the archive gives (EXPORT HISTORY → import,
//! tests/archive.rs), not this: an import of the residents file records each resident
//! as a 移行 version (plus its removal, for a removed one) instead of replaying the 異動
//! that made them, so version numbers, 異動事由, 更新順番号, recording times, operators
//! and the versions before the current one differ. What must be equal is what every read
//! answers about the current register: GET (all columns but `version` and `reason`, the
//! address parts included: the import places each address again), the
//! latest HISTORY row's items, FIND, HOUSEHOLD and STATS.

use juki::{Clock, Date, ImportOptions, Juki, Output, Progress, Session};

const OPERATOR: &str = "admin1";
const PASSWORD: &str = "migration-test-password";
const TODAY: &str = "2026-04-01";

const TARO: &str = "24727059608";
const HANAKO: &str = "12345678903";
const ICHIRO: &str = "00000000019";
const JIRO: &str = "00000000027";
const CODES: [&str; 4] = [TARO, HANAKO, ICHIRO, JIRO];

fn open(path: &std::path::Path) -> Session {
    let juki = Juki::builder(path)
        .municipality("282065")
        .unwrap()
        .towns(
            Date::parse("1900-01-01").unwrap(),
            juki::TownDictionary::ashiya_csv(),
        )
        .unwrap()
        .create_with_admin(OPERATOR, PASSWORD)
        .unwrap();
    juki.set_clock(Clock::Fixed(Date::parse(TODAY).unwrap()));
    juki.sign_in(OPERATOR, PASSWORD, "test").unwrap()
}

fn run(s: &Session, text: &str) -> Output {
    let mut out = s.run(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    out.pop().unwrap()
}

/// The register: a household whose 世帯番号 has leading zeros (head and wife, the wife
/// renamed, with her 旧氏, 本籍 and a 国保 item), a one-person household that moved within the city, and one that moved out.
fn build(s: &Session) {
    for text in [
        "MOVE IN 24727059608 my_number=123456789018 name='山田 太郎' kana='ヤマダ タロウ' sex=男 birth=1980-04-01 address='兵庫県芦屋市精道町7番6号' postal=659-8501 household=0018305826 relationship=世帯主 from='大阪府大阪市北区梅田1-1' ON 2020-04-01 REPORTED 2020-04-03",
        "MOVE IN 12345678903 my_number=614106526000 name='山田 花子' kana='ヤマダ ハナコ' sex=女 birth=1982-09-15 address='兵庫県芦屋市精道町7番6号' postal=659-8501 household=0018305826 relationship=妻 ON 2020-04-01",
        "RENAME 12345678903 name='鈴木 花子' kana='スズキ ハナコ' ON 2025-01-10",
        "AMEND 12345678903 former_surname=山田 former_surname_kana=やまだ registered_domicile='兵庫県芦屋市精道町7番' family_head='山田 太郎' nhi_acquired=2025-01-10 ON 2025-01-10",
        "MOVE IN 00000000019 my_number=111111111118 name='佐藤 一郎' kana='サトウ イチロウ' sex=男 birth=1970-01-01 address='兵庫県芦屋市打出町2-3' postal=659-0012 household=2002 relationship=世帯主 ON 2019-05-01",
        "MOVE 00000000019 address='兵庫県芦屋市月若町6-3' ON 2024-07-01 REPORTED 2024-07-02",
        "MOVE IN 00000000027 my_number=222222222225 name='田中 次郎' kana='タナカ ジロウ' sex=男 birth=1990-02-02 address='兵庫県芦屋市西芦屋町11番13号' postal=659-0094 household=3003 relationship=世帯主 ON 2021-06-01",
        "MOVE OUT 00000000027 to='東京都港区芝公園4-2-8' ON 2025-03-01 REPORTED 2025-02-20",
    ] {
        run(s, text);
    }
}

fn rows(out: Output) -> (Vec<&'static str>, Vec<Vec<String>>) {
    match out {
        Output::Rows(r) => (
            r.columns,
            r.rows
                .into_iter()
                .map(|row| row.iter().map(|c| c.text()).collect())
                .collect(),
        ),
        Output::Message(m) => panic!("expected rows, got {m}"),
    }
}

/// The answer without the columns that name how a version was recorded.
fn content(out: Output, drop: &[&str]) -> Vec<Vec<(String, String)>> {
    let (columns, rows) = rows(out);
    rows.into_iter()
        .map(|row| {
            columns
                .iter()
                .zip(row)
                .filter(|(c, _)| !drop.contains(c))
                .map(|(c, v)| (c.to_string(), v))
                .collect()
        })
        .collect()
}

const BOOKKEEPING: [&str; 5] = ["version", "reason", "seq", "changed", "atena_number"];

/// What every read answers about the register, bookkeeping aside.
fn answers(s: &Session) -> Vec<Vec<Vec<(String, String)>>> {
    let mut out = Vec::new();
    for code in CODES {
        out.push(content(run(s, &format!("GET {code}")), &BOOKKEEPING));
        let history = content(run(s, &format!("HISTORY {code}")), &BOOKKEEPING);
        out.push(history.last().cloned().into_iter().collect());
    }
    for text in [
        "HOUSEHOLD 0018305826",
        "HOUSEHOLD 2002",
        "FIND name=スズキ birth=1982-09-15",
        "FIND name='佐藤 一郎' address=芦屋市月若町",
        "FIND name=タナカ birth=1990-02-02",
        "STATS BY sex",
        "STATS BY status",
    ] {
        out.push(content(run(s, text), &BOOKKEEPING));
    }
    out
}

#[test]
fn export_then_import_reproduces_the_register() {
    let dir = tempfile::tempdir().unwrap();
    let original = open(&dir.path().join("a.juki"));
    build(&original);
    let csv = dir.path().join("export.csv");
    run(&original, &format!("EXPORT '{}'", csv.display()));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.contains(",0018305826,"), "{text}");
    assert!(text.contains(",removed,2025-03-01,move_out"), "{text}");
    assert!(
        text.contains(",兵庫県芦屋市精道町7番,山田 太郎,山田,ヤマダ,"),
        "{text}"
    );

    let copy = open(&dir.path().join("b.juki"));
    copy.import(&ImportOptions::new(&csv), Progress::Quiet)
        .unwrap();

    let (a, b) = (answers(&original), answers(&copy));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    assert_eq!(a.len(), b.len());

    // Imported versions say 移行, and keep the 届出日 the file gave.
    let (columns, got) = rows(run(&copy, &format!("HISTORY {ICHIRO}")));
    let col = |name: &str| columns.iter().position(|c| *c == name).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0][col("reason")], "移行");
    assert_eq!(got[0][col("valid_from")], "2024-07-01");
    assert_eq!(got[0][col("reported")], "2024-07-02");
    assert_eq!(got[0][col("resident_since")], "2019-05-01");
    assert_eq!(got[0][col("previous_address")], "兵庫県芦屋市打出町2-3");
    let (_, removed) = rows(run(&copy, &format!("HISTORY {JIRO}")));
    assert_eq!(removed.len(), 2, "a 移行 version, then the removal");
}

#[test]
fn a_backdated_correction_shows_what_it_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir.path().join("a.juki"));
    build(&s);
    // Her reading is corrected back to 2020: the correction's row shows the name she had
    // then (山田), not the later one (鈴木) beside its old 異動日.
    run(&s, "CORRECT 12345678903 kana='ヤマダ ハナコ' ON 2020-04-01");
    let (columns, got) = rows(run(&s, "HISTORY 12345678903"));
    let col = |name: &str| columns.iter().position(|c| *c == name).unwrap();
    let last = got.last().unwrap();
    assert_eq!(last[col("reason")], "職権修正");
    assert_eq!(last[col("valid_from")], "2020-04-01");
    assert_eq!(last[col("name")], "山田 花子");
    assert_eq!(last[col("name_kana")], "ヤマダ ハナコ");
    assert_eq!(last[col("head_name")], "山田 太郎");
    // GET still answers the latest state, with the correction laid over it.
    let (columns, now) = rows(run(&s, "GET 12345678903"));
    let col = |name: &str| columns.iter().position(|c| *c == name).unwrap();
    assert_eq!(now[0][col("name")], "鈴木 花子");
    assert_eq!(now[0][col("household_id")], "0018305826");
}
