//! Dates known only in part (不詳): a month, a year or nothing at all. A birth date is
//! recorded, shown as written, found by every day it can be, checked only where every
//! possible day breaks a rule; 住民となった日, 住所を定めた日 and 消除日 come with an import
//! and take effect, in as-of reads, on the last day they can have happened. All are carried
//! through an export and an import unchanged.

mod common;

use common::*;
use juki::{ImportOptions, PartialDate, Progress, Reason, Rule, SearchQuery, Sex};

/// Four residents of one surname: born on 1961-02-03, in 1961-02, in 1961, and 不詳.
const BIRTHS: [(u64, &str, &str, &str); 4] = [
    (1_001, "ガルシア アナ", "ガルシア アナ", "1961-02-03"),
    (1_002, "ガルシア ルイス", "ガルシア ルイス", "1961年2月"),
    (1_003, "ガルシア マリア", "ガルシア マリア", "昭和36年"),
    (1_004, "ガルシア ホセ", "ガルシア ホセ", "不詳"),
];

fn garcias() -> (Fixture, Vec<u64>) {
    let f = Fixture::in_ashiya();
    let mut codes = Vec::new();
    for (i, (n, name, kana, birth)) in BIRTHS.iter().enumerate() {
        let c = *n;
        let p = Person {
            my_number: 100 + i as u64,
            name,
            kana,
            sex: Sex::Female,
            birth,
            address: "兵庫県芦屋市精道町7番6号",
            household: 500 + i as u64,
            relationship: "世帯主",
        };
        f.db.record(&move_in(c, &p, "2026-04-01")).unwrap();
        codes.push(c);
    }
    (f, codes)
}

/// The codes a search finds, in the order of [`BIRTHS`].
fn found(f: &Fixture, codes: &[u64], q: SearchQuery) -> Vec<u64> {
    let hits = f.db.find(&q).unwrap();
    codes
        .iter()
        .copied()
        .filter(|c| hits.iter().any(|h| h.resident.code == code(*c)))
        .collect()
}

fn born(s: &str) -> PartialDate {
    PartialDate::parse(s).unwrap()
}

#[test]
fn a_birth_date_finds_every_recorded_birth_that_can_be_it() {
    let (f, c) = garcias();
    let by_name = |b: &str| SearchQuery::new().name("ガルシア").unwrap().birth(born(b));
    let by_address = |b: &str| SearchQuery::new().address("精道町7番6号").birth(born(b));
    for q in [by_name as fn(&str) -> SearchQuery, by_address] {
        // A day: itself, its month, its year, 不詳.
        assert_eq!(found(&f, &c, q("1961-02-03")), c);
        // Another day of the month: the month, the year, 不詳.
        assert_eq!(found(&f, &c, q("1961-02-28")), c[1..]);
        // A day of another month of the year: the year, 不詳.
        assert_eq!(found(&f, &c, q("1961-03-01")), c[2..]);
        // Another year: 不詳 alone.
        assert_eq!(found(&f, &c, q("1962-02-03")), c[3..]);
        // A month finds its days and itself, its year and 不詳; a year everything in it.
        assert_eq!(found(&f, &c, q("S36.2")), c);
        assert_eq!(found(&f, &c, q("1961-03")), c[2..]);
        assert_eq!(found(&f, &c, q("1961")), c);
        assert_eq!(found(&f, &c, q("1960")), c[3..]);
    }
}

#[test]
fn a_birth_known_in_part_recorded_after_a_search_is_found_by_the_next() {
    let (f, c) = garcias();
    let by_name = || {
        SearchQuery::new()
            .name("ガルシア")
            .unwrap()
            .birth(born("1970-05-05"))
    };
    let by_address = || {
        SearchQuery::new()
            .address("精道町7番6号")
            .birth(born("1970-05-05"))
    };
    // Searched first: the read snapshot now holds its copy of the partial births.
    assert_eq!(found(&f, &c, by_name()), c[3..]);
    assert_eq!(found(&f, &c, by_address()), c[3..]);
    let p = Person {
        my_number: 200,
        name: "ガルシア ペドロ",
        kana: "ガルシア ペドロ",
        sex: Sex::Male,
        birth: "1970年5月",
        address: "兵庫県芦屋市精道町7番6号",
        household: 600,
        relationship: "世帯主",
    };
    f.db.record(&move_in(1_005, &p, "2026-04-01")).unwrap();
    let mut all = c.clone();
    all.push(1_005);
    assert_eq!(found(&f, &all, by_name()), [c[3], 1_005]);
    assert_eq!(found(&f, &all, by_address()), [c[3], 1_005]);
    let kana = SearchQuery::new()
        .name("ガルシア ペドロ")
        .unwrap()
        .birth(born("1970-05-31"));
    assert_eq!(found(&f, &all, kana), [1_005]);
}

#[test]
fn birth_unknown_carries_no_information_for_the_minimum() {
    let (f, _) = garcias();
    let q = SearchQuery::new()
        .name("ガルシア")
        .unwrap()
        .birth(born("不詳"));
    let err = f.db.find(&q).unwrap_err();
    assert_eq!(err.code().as_str(), "SEARCH_MINIMUM", "{err}");
    // With a name and an address it is no condition at all: everyone of them is found.
    let q = q.address("精道町7番6号");
    assert_eq!(f.db.find(&q).unwrap().len(), 4);
}

#[test]
fn a_birth_date_known_in_part_reads_back_as_written() {
    let (f, c) = garcias();
    let shown: Vec<String> = c
        .iter()
        .map(|&n| f.db.get(code(n)).unwrap().unwrap().birth.to_string())
        .collect();
    assert_eq!(shown, ["1961-02-03", "1961-02", "1961", "不詳"]);
    let era: Vec<String> = c
        .iter()
        .map(|&n| f.db.get(code(n)).unwrap().unwrap().birth.to_era_string())
        .collect();
    assert_eq!(
        era,
        [
            "昭和36年2月3日",
            "昭和36年2月日不詳",
            "昭和36年月日不詳",
            "不詳"
        ]
    );
    let said = format!("{:?}", f.db.run(&format!("GET {}", code(c[2]))).unwrap());
    assert!(said.contains("1961"), "{said}");
}

#[test]
fn rules_refuse_only_what_every_possible_day_breaks() {
    let f = Fixture::in_ashiya();
    let person = |birth: &'static str| Person { birth, ..taro() };
    // Every day of 2027 is after today (2026-11-27): refused.
    let c = move_in(2_001, &person("2027"), "2026-04-01");
    assert_eq!(f.db.record(&c).unwrap_err().rule(), Some(Rule::InFuture));
    // Every day of 2026-05 is after the 異動日 2026-04-01: refused.
    let c = move_in(2_002, &person("2026-05"), "2026-04-01");
    assert_eq!(f.db.record(&c).unwrap_err().rule(), Some(Rule::BeforeBirth));
    // 2026 can be a day before 2026-04-01, and 不詳 any day: accepted.
    let c = move_in(2_003, &person("2026"), "2026-04-01");
    f.db.record(&c).unwrap();
    let c = move_in(
        2_004,
        &Person {
            my_number: 9,
            household: 101,
            ..person("不詳")
        },
        "2026-04-01",
    );
    f.db.record(&c).unwrap();
    // A 出生 is recorded on its day: birth= must be that whole day.
    let mut fields = person("2026-11").fields();
    fields.my_number = Some(my_number(10));
    fields.household = Some(juki::HouseholdId::new(102));
    let c = change(Reason::Birth, 2_005, "2026-11-01", fields);
    assert_eq!(
        f.db.record(&c).unwrap_err().rule(),
        Some(Rule::FieldNotAllowed)
    );
}

#[test]
fn a_correction_makes_a_whole_date_a_year_and_history_keeps_the_day() {
    let (f, c) = garcias();
    let out =
        f.db.run(&format!("CORRECT {} birth=1961 ON 2026-04-01", code(c[0])))
            .unwrap();
    assert!(!out.is_empty());
    assert_eq!(f.db.get(code(c[0])).unwrap().unwrap().birth, born("1961"));
    let history = f.db.history(code(c[0])).unwrap();
    assert_eq!(history.first().unwrap().birth, born("1961-02-03"));
    assert_eq!(history.last().unwrap().birth, born("1961"));
    // Found now by a day of another month of 1961 (as a year), and by its former day.
    let q = SearchQuery::new()
        .name("ガルシア アナ")
        .unwrap()
        .birth(born("1961-07-07"));
    assert_eq!(found(&f, &c, q), c[..1]);
}

#[test]
fn ages_not_fixed_by_the_birth_date_are_counted_apart() {
    let (f, _) = garcias();
    let said = format!("{:?}", f.db.run("STATS BY age").unwrap());
    // On 2026-11-27: 1961-02-03 and 1961-02 are 65; 1961 is 64 or 65; 不詳 is not known.
    assert!(said.contains("65-69"), "{said}");
    assert!(said.contains("不詳"), "{said}");
}

#[test]
fn export_and_import_carry_a_birth_date_known_in_part() {
    let (f, c) = garcias();
    let csv = f.dir.path().join("out.csv");
    f.db.run(&format!("EXPORT '{}'", csv.display())).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    for b in [",1961-02,", ",1961,", ",不詳,"] {
        assert!(text.contains(b), "{b} not in the export");
    }
    let g = Fixture::in_ashiya();
    let report = g.db.import(&ImportOptions::new(&csv), Progress::Quiet);
    assert!(report.is_ok(), "{report:?}");
    for (n, want) in c.iter().zip(["1961-02-03", "1961-02", "1961", "不詳"]) {
        assert_eq!(g.db.get(code(*n)).unwrap().unwrap().birth, born(want));
    }
}

const HEADER: &str = "resident_code,my_number,name_kanji,name_kana,sex,birth_date,address,\
postal_code,household_id,relationship,moved_in_date,address_since,valid_from,reported,status,\
removed_on,removal_reason";

/// A row of [`HEADER`] for serial `n`, with the dates and status cells given.
fn row(n: u64, birth: &str, dates: &str) -> String {
    format!(
        "{},{},ガルシア アナ,ガルシア アナ,2,{birth},兵庫県芦屋市精道町7番6号,659-0068,{},世帯主,{dates}",
        code(n),
        my_number(n).reveal(),
        700 + n
    )
}

fn import(f: &Fixture, rows: &[String]) -> Result<juki::ImportReport, juki::Error> {
    let csv = f.dir.path().join("in.csv");
    std::fs::write(&csv, format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    f.db.import(&ImportOptions::new(&csv), Progress::Quiet)
}

fn stands_on(f: &Fixture, n: u64, on: &str) -> Option<juki::Status> {
    f.db.get_as_of(code(n), date(on)).unwrap().map(|r| r.status)
}

#[test]
fn an_import_carries_residence_dates_known_in_part_and_they_count_from_their_last_day() {
    let f = Fixture::in_ashiya();
    import(
        &f,
        &[
            // 住民となった日 1990 (the year), 住所を定めた日 1995-06 (the month).
            row(1, "1961-02-03", "1990,1995-06,,,active,,"),
            // Removed by death in 2000 (the year).
            row(2, "1950", "1960-04-01,1960-04-01,,,removed,2000,death"),
            // Removed, 消除日 不詳, the removal notified on 2010-03-01.
            row(
                3,
                "不詳",
                "1970-01-01,1970-01-01,,2010-03-01,removed,不詳,death",
            ),
        ],
    )
    .unwrap();
    let r = f.db.get(code(1)).unwrap().unwrap();
    assert_eq!(r.resident_since, born("1990"));
    assert_eq!(r.address_since, born("1995-06"));
    // At the address from the last day of 1995-06: not before.
    assert_eq!(stands_on(&f, 1, "1995-06-29"), None);
    assert_eq!(stands_on(&f, 1, "1995-06-30"), Some(juki::Status::Active));
    // Removed on the last day of 2000: still a resident on any earlier day.
    let r = f.db.get(code(2)).unwrap().unwrap();
    assert_eq!(r.removed_on, Some(born("2000")));
    assert_eq!(stands_on(&f, 2, "2000-06-01"), Some(juki::Status::Active));
    assert_eq!(stands_on(&f, 2, "2000-12-31"), Some(juki::Status::Removed));
    // 消除日 不詳: removed on the day it was notified.
    let r = f.db.get(code(3)).unwrap().unwrap();
    assert_eq!(r.removed_on, Some(PartialDate::Unknown));
    assert_eq!(stands_on(&f, 3, "2010-02-28"), Some(juki::Status::Active));
    assert_eq!(stands_on(&f, 3, "2010-03-01"), Some(juki::Status::Removed));
    let said = format!("{:?}", f.db.run("CHECK").unwrap());
    assert!(said.contains("no problems"), "{said}");

    // Exported and imported again: the same dates, as written.
    let csv = f.dir.path().join("out.csv");
    f.db.run(&format!("EXPORT '{}'", csv.display())).unwrap();
    let g = Fixture::in_ashiya();
    g.db.import(&ImportOptions::new(&csv), Progress::Quiet)
        .unwrap();
    for n in 1..=3 {
        let (a, b) = (
            f.db.get(code(n)).unwrap().unwrap(),
            g.db.get(code(n)).unwrap().unwrap(),
        );
        assert_eq!(
            (a.birth, a.resident_since, a.address_since, a.removed_on),
            (b.birth, b.resident_since, b.address_since, b.removed_on)
        );
    }
}

#[test]
fn a_day_the_register_needs_and_a_date_of_unknown_cannot_give_is_asked_for() {
    let f = Fixture::in_ashiya();
    let problems = |rows: &[String]| format!("{:?}", import(&f, rows).unwrap_err());
    // 住所を定めた日 不詳 for an active resident: valid_from named.
    let said = problems(&[row(1, "1961-02-03", "1990,不詳,,,active,,")]);
    assert!(said.contains("valid_from"), "{said}");
    // 消除日 不詳 without a 届出日: reported named.
    let said = problems(&[row(2, "1950", "1960-04-01,1960-04-01,,,removed,不詳,death")]);
    assert!(said.contains("reported"), "{said}");
    // A 消除日 surely before the 住所を定めた日 is out of order; one that can be after it is not.
    let said = problems(&[row(3, "1950", "1960-04-01,1995,,,removed,1994-12,death")]);
    assert!(said.contains("removed_on"), "{said}");
    import(
        &f,
        &[row(4, "1950", "1960-04-01,1995,,,removed,1995-03,death")],
    )
    .unwrap();
    // Given valid_from, a 住所を定めた日 of 不詳 is taken.
    import(
        &f,
        &[row(5, "1961-02-03", "1990,不詳,2001-04-01,,active,,")],
    )
    .unwrap();
    assert_eq!(
        f.db.get(code(5)).unwrap().unwrap().address_since,
        PartialDate::Unknown
    );
}
