//! The address in parts: every version that writes an address stores the 町字, 丁目・番地・号,
//! 方書 and area codes the dictionary in force placed it into; GET, STATS, EXPORT and CHECK
//! read them; a later dictionary version changes no address already written.

use juki::{Clock, Date, ImportOptions, Juki, Output, Progress, Session, StatDim};

const OPERATOR: &str = "admin1";
const PASSWORD: &str = "address-parts-password";
const TODAY: &str = "2026-04-01";

/// 芦屋市's dictionary with area codes for two 町字.
fn towns_with_areas(seido_school: &str) -> String {
    let mut out = String::new();
    for line in juki::TownDictionary::ashiya_csv().lines() {
        if line.starts_with('#') || line.is_empty() {
            out.push_str(line);
        } else if line.starts_with("town,") {
            out.push_str(&format!("{line},areas"));
        } else if line.starts_with("精道町,") {
            out.push_str(&format!(
                "{line},elementary_school={seido_school};precinct=3;bus=7"
            ));
        } else if line.starts_with("打出町,") {
            out.push_str(&format!("{line},elementary_school=宮川;precinct=5"));
        } else {
            out.push_str(&format!("{line},"));
        }
        out.push('\n');
    }
    out
}

fn create(path: &std::path::Path) -> Session {
    let juki = Juki::builder(path)
        .municipality("282065")
        .unwrap()
        .towns(date("2000-01-01"), towns_with_areas("精道"))
        .unwrap()
        .create_with_admin(OPERATOR, PASSWORD)
        .unwrap();
    juki.set_clock(Clock::Fixed(date(TODAY)));
    juki.sign_in(OPERATOR, PASSWORD, "test").unwrap()
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn run(s: &Session, text: &str) -> Output {
    let mut out = s.run(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    out.pop().unwrap()
}

/// The `town`, `block`, `katagaki` and `areas` cells of GET (or GET … AS OF).
fn parts(s: &Session, get: &str) -> [String; 4] {
    let Output::Rows(r) = run(s, get) else {
        panic!("{get}: not rows")
    };
    let cell = |name: &str| {
        let i = r.columns.iter().position(|c| *c == name).unwrap();
        r.rows[0][i].text()
    };
    ["town", "block", "katagaki", "areas"].map(cell)
}

fn stats(s: &Session, dim: StatDim) -> Vec<(String, u64)> {
    s.stats(&[dim], None)
        .unwrap()
        .into_iter()
        .map(|r| (r.keys[0].clone(), r.count))
        .collect()
}

const TARO: &str = "24727059608";
const HANAKO: &str = "12345678903";

fn family(s: &Session) {
    run(s, "MOVE IN 24727059608 my_number=123456789018 name='山田 太郎' kana='ヤマダ タロウ' sex=男 birth=1980-04-01 address='兵庫県芦屋市精道町7番6号 コーポ芦屋101' postal=659-0064 household=100 relationship=世帯主 ON 2020-04-01");
    run(s, "MOVE IN 12345678903 my_number=614106526000 name='山田 花子' kana='ヤマダ ハナコ' sex=女 birth=1982-09-15 address='芦屋市精道町7-6 コーポ芦屋101' postal=659-0064 household=100 relationship=妻 ON 2020-04-01");
}

#[test]
fn a_written_address_is_kept_in_parts_and_counted_by_them() {
    let dir = tempfile::tempdir().unwrap();
    let s = create(&dir.path().join("r.juki"));
    family(&s);
    let seido = [
        "精道町".to_string(),
        "7-6".into(),
        "コーポ芦屋101".into(),
        "bus=7;elementary_school=精道;precinct=3".into(),
    ];
    // Written two ways, placed alike.
    assert_eq!(parts(&s, &format!("GET {TARO}")), seido);
    assert_eq!(parts(&s, &format!("GET {HANAKO}")), seido);
    assert_eq!(
        stats(&s, StatDim::Area(juki::AreaKind::ElementarySchool)),
        vec![("精道".to_string(), 2)]
    );

    // The household moves: every member takes the new address's parts, and no 方書.
    run(
        &s,
        "MOVE HOUSEHOLD 100 address='芦屋市打出町2番3号' ON 2024-07-01",
    );
    let uchide = [
        "打出町".to_string(),
        "2-3".into(),
        String::new(),
        "elementary_school=宮川;precinct=5".into(),
    ];
    assert_eq!(parts(&s, &format!("GET {TARO}")), uchide);
    assert_eq!(parts(&s, &format!("GET {HANAKO}")), uchide);
    assert_eq!(parts(&s, &format!("GET {HANAKO} AS OF 2024-06-30")), seido);
    assert_eq!(stats(&s, StatDim::Town), vec![("打出町".to_string(), 2)]);
    assert_eq!(
        stats(&s, StatDim::Area(juki::AreaKind::Precinct)),
        vec![("5".to_string(), 2)]
    );
    // A kind no 町字 of theirs has.
    assert_eq!(
        stats(&s, StatDim::Area(juki::AreaKind::Association)),
        vec![("(なし)".to_string(), 2)]
    );

    // Cancelling the move restores the parts with the address.
    let seq = s.history(juki::ResidentCode::parse(TARO).unwrap()).unwrap()[1].seq;
    run(&s, &format!("CANCEL CHANGE {TARO} seq={seq} ON 2024-07-01"));
    assert_eq!(parts(&s, &format!("GET {HANAKO}")), seido);

    let (report, _) = s.check().unwrap();
    assert!(report.is_clean(), "{report}");
}

#[test]
fn a_new_dictionary_version_changes_only_addresses_written_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = create(&dir.path().join("r.juki"));
    family(&s);
    let towns = dir.path().join("towns-2025.csv");
    std::fs::write(&towns, towns_with_areas("山手")).unwrap();
    run(
        &s,
        &format!("LOAD TOWNS '{}' ON 2025-04-01", towns.display()),
    );
    // Written under the first version: unchanged.
    assert_eq!(
        parts(&s, &format!("GET {TARO}"))[3],
        "bus=7;elementary_school=精道;precinct=3"
    );
    // 花子 leaves for a household of her own, to another room of the same building, after
    // the new version: her parts follow it.
    run(&s, "MOVE 12345678903 address='芦屋市精道町7-6 コーポ芦屋202' household=200 relationship=世帯主 ON 2025-05-01");
    assert_eq!(
        parts(&s, &format!("GET {HANAKO}")),
        [
            "精道町".to_string(),
            "7-6".into(),
            "コーポ芦屋202".into(),
            "bus=7;elementary_school=山手;precinct=3".into()
        ]
    );
    assert_eq!(
        stats(&s, StatDim::Area(juki::AreaKind::ElementarySchool)),
        vec![("山手".to_string(), 1), ("精道".to_string(), 1)]
    );
    let (report, _) = s.check().unwrap();
    assert!(report.is_clean(), "{report}");
}

#[test]
fn export_writes_the_parts_and_an_import_places_the_address_again() {
    let dir = tempfile::tempdir().unwrap();
    let s = create(&dir.path().join("a.juki"));
    family(&s);
    let file = dir.path().join("export.csv");
    s.export(&file).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    for (column, want) in [
        ("town", "精道町"),
        ("block", "7-6"),
        ("katagaki", "コーポ芦屋101"),
        ("areas", "bus=7;elementary_school=精道;precinct=3"),
    ] {
        let i = header.iter().position(|c| *c == column).unwrap();
        assert_eq!(row[i], want, "{column}");
    }

    let t = create(&dir.path().join("b.juki"));
    let opts = ImportOptions::new(&file);
    t.import(&opts, Progress::Quiet).unwrap();
    for code in [TARO, HANAKO] {
        assert_eq!(
            parts(&t, &format!("GET {code}")),
            parts(&s, &format!("GET {code}"))
        );
    }
}
