//! The monthly report (月報) and the counts beside STATS: `STATS BY reason`, `STATS BY
//! household` and `REPORT`, with explicit numbers on a small register, and the report's
//! reconciliation (start + 増 − 減 = end) over a generated register with a month of history.

mod common;
use common::*;
use juki::generator::{self, GenOptions};
use juki::{Cell, Output, Period, Rows, StatDim};

fn c(n: u64) -> String {
    code(n).to_string()
}

fn mn(n: u64) -> String {
    my_number(n).reveal().to_string()
}

/// A 転入 statement for resident `n` (My Number `n` too).
#[allow(clippy::too_many_arguments)]
fn move_in(
    n: u64,
    name: &str,
    kana: &str,
    sex: &str,
    birth: &str,
    address: &str,
    household: u64,
    relationship: &str,
    extra: &str,
    on: &str,
) -> String {
    format!(
        "MOVE IN {} my_number={} name='{name}' kana='{kana}' sex={sex} birth={birth} address={address} postal=659-0068 household={household} relationship={relationship} {extra} ON {on}",
        c(n),
        mn(n)
    )
}

fn rows(f: &Fixture, text: &str) -> Rows {
    match f.db.run(text).unwrap().pop().unwrap() {
        Output::Rows(r) => r,
        Output::Message(m) => panic!("{text}: a message: {m}"),
    }
}

/// The rows as text, each cell by `Cell::text`, joined by `|`.
fn lines(r: &Rows) -> Vec<String> {
    r.rows
        .iter()
        .map(|row| row.iter().map(Cell::text).collect::<Vec<_>>().join("|"))
        .collect()
}

/// Before November 2026: 山田 太郎 (世帯主) and 花子 in household 100 at 精道町; 金 美英
/// (外国人, 世帯主) and her husband 鈴木 一 (日本人) in household 200 at 打出町, a
/// 複数国籍世帯; 高橋 進 alone in household 500 at 大原町.
/// In November: 次郎 born into household 100 (11-03); 李 明 (外国人) moves in alone at
/// 大原町 (11-05); 佐藤 恵 moves in (11-10) and the 転入 is cancelled; 太郎 dies (11-15,
/// 花子 becomes 世帯主); 高橋 moves out (11-20); household 100 moves to 打出町 (11-25).
fn register() -> Fixture {
    let f = Fixture::new();
    let korean = "nationality=韓国 residence_status=特別永住者";
    let statements = [
        move_in(1, "山田 太郎", "ヤマダ タロウ", "1", "1980-04-01", "芦屋市精道町7-6", 100, "世帯主", "", "2020-04-01"),
        move_in(2, "山田 花子", "ヤマダ ハナコ", "2", "1982-09-15", "芦屋市精道町7-6", 100, "妻", "", "2020-04-01"),
        move_in(3, "金 美英", "キム ミヨン", "2", "1990-01-01", "芦屋市打出町2-3", 200, "世帯主", korean, "2024-04-01"),
        move_in(4, "鈴木 一", "スズキ ハジメ", "1", "1988-02-02", "芦屋市打出町2-3", 200, "夫", "", "2024-04-01"),
        move_in(5, "高橋 進", "タカハシ ススム", "1", "1970-07-07", "芦屋市大原町9-20", 500, "世帯主", "", "2022-06-01"),
        format!(
            "BIRTH {} my_number={} name='山田 次郎' kana='ヤマダ ジロウ' sex=1 address=芦屋市精道町7-6 postal=659-0068 household=100 relationship=子 ON 2026-11-03",
            c(6),
            mn(6)
        ),
        move_in(7, "李 明", "リ メイ", "1", "1995-05-05", "芦屋市大原町9-20", 300, "世帯主", "nationality=中国", "2026-11-05"),
        move_in(8, "佐藤 恵", "サトウ メグミ", "2", "1999-09-09", "芦屋市大原町1-1", 400, "世帯主", "", "2026-11-10"),
    ];
    for s in &statements {
        f.db.run(s).unwrap();
    }
    let seq = f.db.counts().unwrap().last_seq;
    let more = [
        format!("CANCEL CHANGE {} seq={seq} ON 2026-11-10", c(8)),
        format!(
            "DEATH {} new_head={} relationships='{}:子' ON 2026-11-15",
            c(1),
            c(2),
            c(6)
        ),
        format!("MOVE OUT {} to='東京都港区芝公園4-2-8' ON 2026-11-20", c(5)),
        "MOVE HOUSEHOLD 100 address=芦屋市打出町5-5 ON 2026-11-25".to_string(),
    ];
    for s in &more {
        f.db.run(s).unwrap();
    }
    f
}

#[test]
fn stats_by_reason_counts_the_changes_the_register_holds() {
    let f = register();
    let r = rows(&f, "STATS BY reason FROM 2026-11-01 TO 2026-11-30");
    assert_eq!(r.columns, ["reason", "count"]);
    let got = lines(&r);
    // Every 異動事由 has a row; the cancelled 転入 and its 異動取消 count for nothing.
    assert_eq!(got.len(), juki::Reason::ALL.len());
    for expected in [
        "転入|1",
        "出生|1",
        "職権記載|0",
        "転居|2",
        "転出|1",
        "死亡|1",
        "世帯主変更|1",
        "異動取消|0",
        "転出取消|0",
    ] {
        assert!(got.contains(&expected.to_string()), "{expected} in {got:?}");
    }
    // Without a period, every 異動: six 転入 (the cancelled one not among them).
    let all = lines(&rows(&f, "STATS BY reason"));
    assert!(all.contains(&"転入|6".to_string()), "{all:?}");
    // Both ends are included: 11-05 to 11-15 holds the 転入, the cancelled one and the 死亡.
    let mid = lines(&rows(&f, "STATS BY reason FROM 2026-11-05 TO 2026-11-15"));
    assert!(mid.contains(&"転入|1".to_string()), "{mid:?}");
    assert!(mid.contains(&"死亡|1".to_string()), "{mid:?}");
    assert!(mid.contains(&"出生|0".to_string()), "{mid:?}");
}

#[test]
fn stats_by_reason_combines_with_sex_and_town() {
    let f = register();
    let r = rows(
        &f,
        "STATS BY reason, sex, town FROM 2026-11-01 TO 2026-11-30",
    );
    assert_eq!(r.columns, ["reason", "sex", "town", "count"]);
    assert_eq!(
        lines(&r),
        [
            "転入|男|大原町|1",
            "出生|男|精道町|1",
            "転居|女|打出町|1",
            "転居|男|打出町|1",
            "転出|男|大原町|1",
            "死亡|男|精道町|1",
            "世帯主変更|女|精道町|1",
        ]
    );
    // The library answers the same.
    let lib =
        f.db.stats_by_reason(&[StatDim::Sex], Some(date("2026-11-01")), None)
            .unwrap();
    assert_eq!(lib.iter().map(|r| r.count).sum::<u64>(), 7);
}

#[test]
fn stats_by_reason_refuses_what_does_not_combine() {
    let f = register();
    let e = f.db.run("STATS BY reason, status").unwrap_err();
    assert_eq!(e.code(), "SYNTAX");
    assert!(
        e.to_string()
            .contains("status does not combine with reason"),
        "{e}"
    );
    let e = f.db.run("STATS BY reason AS OF 2026-11-01").unwrap_err();
    assert!(e.to_string().contains("not as of a date"), "{e}");
    let e =
        f.db.run("STATS BY reason FROM 2026-12-01 TO 2026-11-01")
            .unwrap_err();
    assert_eq!(e.code(), "INVALID_VALUE");
    assert!(
        e.to_string()
            .contains("FROM 2026-12-01 is after TO 2026-11-01"),
        "{e}"
    );
    let e = f.db.run("STATS BY household, sex").unwrap_err();
    assert!(
        e.to_string()
            .contains("sex does not combine with household"),
        "{e}"
    );
}

#[test]
fn stats_by_household_counts_households_by_size() {
    let f = register();
    // Today (2026-11-27): 100 (花子, 次郎), 200 (金, 鈴木), 300 (李).
    let r = rows(&f, "STATS BY household");
    assert_eq!(r.columns, ["size", "households", "persons"]);
    assert_eq!(lines(&r), ["1人|1|1", "2人|2|4", "計|3|5"]);
    // On 11-10: 100 of three, 200 of two, 300 and 500 of one; 佐藤's 転入 was cancelled.
    let r = rows(&f, "STATS BY household AS OF 2026-11-10");
    assert_eq!(lines(&r), ["1人|2|2", "2人|1|2", "3人|1|3", "計|4|7"]);
    let r = rows(&f, "統計 BY 世帯, town");
    assert_eq!(r.columns, ["town", "size", "households", "persons"]);
    assert_eq!(
        lines(&r),
        [
            "大原町|1人|1|1",
            "大原町|計|1|1",
            "打出町|2人|2|4",
            "打出町|計|2|4",
            "計|計|3|5"
        ]
    );
}

#[test]
fn the_monthly_report_of_the_small_register() {
    let f = register();
    let r = rows(&f, "REPORT MONTH 2026-11");
    assert_eq!(
        r.columns,
        ["section", "town", "item", "japanese", "foreign", "total"]
    );
    assert_eq!(
        lines(&r),
        [
            "期首人口|計|人口|4|1|5",
            "増|計|転入|0|1|1",
            "増|計|出生|1|0|1",
            "増|計|職権記載|0|0|0",
            "増|計|計|1|1|2",
            "減|計|転出|1|0|1",
            "減|計|死亡|1|0|1",
            "減|計|職権消除|0|0|0",
            "減|計|計|2|0|2",
            "期末人口|大原町|男|0|1|1",
            "期末人口|大原町|女|0|0|0",
            "期末人口|大原町|計|0|1|1",
            "期末人口|大原町|世帯数|0|1|1",
            "期末人口|大原町|うち複数国籍世帯|0|0|0",
            "期末人口|打出町|男|2|0|2",
            "期末人口|打出町|女|1|1|2",
            "期末人口|打出町|計|3|1|4",
            "期末人口|打出町|世帯数|2|1|2",
            "期末人口|打出町|うち複数国籍世帯|1|1|1",
            "期末人口|計|男|2|1|3",
            "期末人口|計|女|1|1|2",
            "期末人口|計|計|3|2|5",
            "期末人口|計|世帯数|2|2|3",
            "期末人口|計|うち複数国籍世帯|1|1|1",
        ]
    );
    // The other spellings of the period give the same report.
    for text in [
        "REPORT FROM 2026-11-01 TO 2026-11-30",
        "月報 2026-11",
        "月報 MONTH R8.11",
    ] {
        assert_eq!(rows(&f, text), r, "{text}");
    }
    // Before the month: 10-31 is the day before November, and 11-01 alone changes nothing.
    let day = rows(&f, "REPORT FROM 2026-11-01 TO 2026-11-01");
    assert!(lines(&day).contains(&"増|計|計|0|0|0".to_string()));
}

#[test]
fn the_report_needs_the_stats_permission_and_is_logged() {
    let f = register();
    f.db.run("CREATE OPERATOR kubo ROLE auditor PASSWORD 'initial-Passw0rd'")
        .unwrap();
    let auditor = f.juki.sign_in("kubo", "initial-Passw0rd", "t").unwrap();
    let e = auditor.run("REPORT MONTH 2026-11").unwrap_err();
    assert_eq!(e.code(), "PERMISSION_DENIED", "{e}");
    rows(&f, "REPORT MONTH 2026-11");
    let log = lines(&rows(&f, "AUDIT LIMIT 5"));
    let report: Vec<_> = log.iter().filter(|l| l.contains("|REPORT|")).collect();
    assert_eq!(report.len(), 2, "{log:?}");
    assert!(
        report
            .iter()
            .any(|l| l.contains("|admin1|") && l.contains("|OK|")),
        "{log:?}"
    );
    assert!(report
        .iter()
        .any(|l| l.contains("|kubo|") && l.contains("|PERMISSION_DENIED|")));
}

#[test]
fn a_bad_month_is_named() {
    let f = register();
    let e = f.db.run("REPORT MONTH 2026-13").unwrap_err();
    assert_eq!(e.code(), "INVALID_VALUE");
    assert!(e.to_string().contains("not a month"), "{e}");
    let e = f.db.run("REPORT").unwrap_err();
    assert_eq!(e.code(), "SYNTAX");
}

/// Start + 増 − 減 = end, 日本人 and 外国人 apart, over a generated register and its
/// history, for the last whole month; start and end agree with STATS AS OF.
#[test]
fn the_report_reconciles_over_a_generated_register() {
    let f = Fixture::new();
    let mut opts = GenOptions::new(800, 11, date(TODAY));
    opts.history = true;
    let moves_in: Vec<_> = generator::residents(&opts)
        .map(|r| r.to_move_in())
        .collect();
    let history: Vec<_> = generator::history(&opts).map(|c| c.to_change()).collect();
    f.db.record_batch(moves_in.iter().chain(&history)).unwrap();

    let mut months_with_changes = 0;
    for month in ["2026-08", "2026-09", "2026-10"] {
        let period = Period::month(month).unwrap();
        let report = f.db.report(period).unwrap();
        let (up, down) = (report.increase(), report.decrease());
        let end = report.total.persons;
        assert_eq!(
            report.start.japanese + up.japanese - down.japanese,
            end.japanese,
            "{month} 日本人"
        );
        assert_eq!(
            report.start.foreign + up.foreign - down.foreign,
            end.foreign,
            "{month} 外国人"
        );
        // The same populations as STATS counts them, each by its own read.
        let count = |d: juki::Date| f.db.stats(&[], Some(d)).unwrap()[0].count;
        assert_eq!(report.start.total(), count(period.from().add_days(-1)));
        assert_eq!(end.total(), count(period.to()));
        // The towns add up to the total.
        let towns: u64 = report.towns.iter().map(|t| t.persons.total()).sum();
        assert_eq!(towns, end.total());
        let households: u64 = report.towns.iter().map(|t| t.households.total()).sum();
        assert_eq!(households, report.total.households.total());
        if up.total() + down.total() > 0 {
            months_with_changes += 1;
        }
    }
    assert!(months_with_changes > 0, "the history reaches these months");
}
