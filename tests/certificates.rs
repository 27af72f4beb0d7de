//! Certificates: who may issue what, to whom, of whom; numbering, the log and the file.

use juki::certificate::{Kind, Part, Persons, Request, Requester};
use juki::{Clock, Date, Destination, ErrorCode, Juki, Output, ResidentCode, Session};

const TODAY: &str = "2026-11-27";

struct City {
    dir: tempfile::TempDir,
    juki: Juki,
    admin: Session,
}

/// 芦屋市's register with its mayor set, a household of three (世帯主, 妻, 子) at 精道町,
/// one of one at 打出町, and a resident who moved out.
fn city() -> City {
    let dir = tempfile::tempdir().unwrap();
    let juki = Juki::builder(dir.path().join("city.redb"))
        .municipality("282065")
        .and_then(|b| {
            b.towns(
                Date::parse("1900-01-01").unwrap(),
                juki::TownDictionary::ashiya_csv(),
            )
        })
        .and_then(|b| b.create_with_admin("admin1", "admin-password-1"))
        .unwrap();
    juki.set_clock(Clock::Fixed(Date::parse(TODAY).unwrap()));
    let admin = juki
        .sign_in("admin1", "admin-password-1", "counter-1")
        .unwrap();
    for statement in [
        "SET ISSUER title='兵庫県芦屋市長' name='芦屋 一郎'",
        "MOVE IN 50000000016 my_number=700000000010 name='山田 太郎' kana='ヤマダ タロウ' sex=1 birth=1960-04-01 address=芦屋市精道町7-6 postal=659-0064 household=3001 relationship=世帯主 from='大阪府大阪市北区梅田1-1' ON 2020-04-01",
        // The child before the wife: a certificate lists by 記載順位, not by the order
        // recorded.
        "MOVE IN 50000000032 my_number=700000000037 name='山田 一郎' kana='ヤマダ イチロウ' sex=1 birth=1990-05-05 address=芦屋市精道町7-6 postal=659-0064 household=3001 relationship=子 from='大阪府大阪市北区梅田1-1' ON 2020-04-01",
        "MOVE IN 50000000024 my_number=700000000029 name='山田 花子' kana='ヤマダ ハナコ' sex=2 birth=1962-09-15 address=芦屋市精道町7-6 postal=659-0064 household=3001 relationship=妻 from='大阪府大阪市北区梅田1-1' ON 2020-04-01",
        "MOVE IN 50000000059 my_number=700000000053 name='佐藤 健' kana='サトウ ケン' sex=1 birth=1950-01-01 address=芦屋市打出町2-3 postal=659-0066 household=3002 relationship=世帯主 ON 2020-04-01",
        "MOVE OUT 50000000032 to='東京都千代田区千代田1-1' ON 2026-10-01",
    ] {
        admin.run(statement).unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    City { dir, juki, admin }
}

fn code(s: &str) -> ResidentCode {
    ResidentCode::parse(s).unwrap()
}

fn copy_of_household(of: &str, with: &[Part], requester: Requester) -> Request {
    Request {
        kind: Kind::Copy,
        persons: Persons::HouseholdOf(code(of)),
        as_of: None,
        with: with.to_vec(),
        requester,
    }
}

fn text_of(s: &Session, statement: &str) -> String {
    match s
        .run(statement)
        .unwrap_or_else(|e| panic!("{statement}: {e}"))
        .pop()
    {
        Some(Output::Message(m)) => m,
        other => panic!("{statement}: {other:?}"),
    }
}

fn signed_in(c: &City, id: &str, role: &str) -> Session {
    c.admin
        .run(&format!(
            "CREATE OPERATOR {id} ROLE {role} PASSWORD 'password-of-{id}'"
        ))
        .unwrap();
    c.juki
        .sign_in(id, &format!("password-of-{id}"), "counter-2")
        .unwrap()
}

#[test]
fn a_household_copy_lists_the_members_in_order_with_what_was_asked_for() {
    let c = city();
    let issued = c
        .admin
        .issue(
            &copy_of_household(
                "50000000024",
                &[Part::Household],
                Requester::Other("山田 花子".into()),
            ),
            &Destination::Text,
        )
        .unwrap();
    let d = &issued.document;
    assert_eq!(d.title, "住民票の写し（世帯全員）");
    assert_eq!(d.serial, "第 000001 号");
    assert_eq!(d.issued_on, "令和8年11月27日");
    assert_eq!(d.issuer, "兵庫県芦屋市長　芦屋 一郎");
    let header: Vec<(&str, &str)> = d
        .header
        .iter()
        .map(|f| (f.label.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(
        header,
        [("住所", "芦屋市精道町7-6"), ("世帯主", "山田 太郎")]
    );
    // The son moved out: two members, 世帯主 first, then 妻.
    let names: Vec<&str> = d
        .persons
        .iter()
        .map(|p| p.rows[0][0].value.as_str())
        .collect();
    assert_eq!(names, ["山田 太郎", "山田 花子"]);
    let labels: Vec<&str> = d.persons[1]
        .rows
        .iter()
        .flatten()
        .map(|f| f.label.as_str())
        .collect();
    for wanted in [
        "氏名",
        "ふりがな",
        "生年月日",
        "性別",
        "続柄",
        "住民となった日",
        "住所を定めた日",
        "前住所",
    ] {
        assert!(labels.contains(&wanted), "{wanted} missing from {labels:?}");
    }
    for absent in ["住民票コード", "個人番号", "本籍"] {
        assert!(
            !labels.contains(&absent),
            "{absent} printed unasked: {labels:?}"
        );
    }
    let wife: Vec<(&str, &str)> = d.persons[1]
        .rows
        .iter()
        .flatten()
        .map(|f| (f.label.as_str(), f.value.as_str()))
        .collect();
    assert!(wife.contains(&("生年月日", "昭和37年9月15日")), "{wife:?}");
    assert!(wife.contains(&("続柄", "妻")));
    assert!(wife.contains(&("前住所", "大阪府大阪市北区梅田1-1")));
    assert_eq!(
        d.attestation,
        "この写しは、住民票の原本と相違ないことを証明する。"
    );
}

#[test]
fn without_household_the_copy_leaves_out_the_head_and_relationships() {
    let c = city();
    let d = c
        .admin
        .issue(
            &copy_of_household("50000000016", &[], Requester::Unnamed),
            &Destination::Text,
        )
        .unwrap()
        .document;
    assert!(d.header.iter().all(|f| f.label != "世帯主"));
    assert!(d
        .persons
        .iter()
        .flat_map(|p| p.rows.iter().flatten())
        .all(|f| f.label != "続柄"));
}

#[test]
fn codes_and_my_numbers_go_only_to_the_person_or_their_household() {
    let c = city();
    for part in [Part::Code, Part::MyNumber] {
        for requester in [
            Requester::Unnamed,
            Requester::Other("株式会社 不動産".into()),
            // 佐藤 is in another household.
            Requester::Resident(code("50000000059")),
        ] {
            let e = c
                .admin
                .issue(
                    &copy_of_household("50000000016", &[part], requester.clone()),
                    &Destination::Text,
                )
                .unwrap_err();
            assert_eq!(
                e.code(),
                ErrorCode::PermissionDenied,
                "{part} for {requester}: {e}"
            );
            assert!(e.to_string().contains("REQUESTED BY"), "{e}");
        }
    }
    // The wife asks for her household's copy with codes and numbers.
    let issued = c
        .admin
        .issue(
            &copy_of_household(
                "50000000016",
                &[Part::Code, Part::MyNumber],
                Requester::Resident(code("50000000024")),
            ),
            &Destination::Text,
        )
        .unwrap();
    let values: Vec<(&str, &str)> = issued.document.persons[0]
        .rows
        .iter()
        .flatten()
        .map(|f| (f.label.as_str(), f.value.as_str()))
        .collect();
    assert!(
        values.contains(&("住民票コード", "50000000016")),
        "{values:?}"
    );
    assert!(values.contains(&("個人番号", "700000000010")), "{values:?}");
    // The failures were logged without a serial; the success took number 1.
    assert_eq!(issued.serial, 1);
}

#[test]
fn a_my_number_needs_the_permission_and_a_clerk_issues_without_it() {
    let c = city();
    let clerk = signed_in(&c, "clerk1", "clerk");
    let wife = Requester::Resident(code("50000000024"));
    let e = clerk
        .issue(
            &copy_of_household("50000000016", &[Part::MyNumber], wife.clone()),
            &Destination::Text,
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::PermissionDenied);
    assert!(e.to_string().contains("mynumber"), "{e}");
    let issued = clerk
        .issue(
            &copy_of_household("50000000016", &[Part::Code], wife),
            &Destination::Text,
        )
        .unwrap();
    assert!(!issued.text.contains("700000000010"));
    for role in ["viewer", "auditor", "tax", "health"] {
        let s = signed_in(&c, &format!("{role}1"), role);
        let e = s
            .issue(
                &copy_of_household("50000000016", &[], Requester::Unnamed),
                &Destination::Text,
            )
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::PermissionDenied, "{role}");
    }
}

#[test]
fn a_copy_is_of_residents_and_a_removed_copy_of_removed_ones() {
    let c = city();
    let e = c.admin.run("ISSUE COPY OF 50000000032").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(
        e.to_string().contains("ISSUE REMOVED COPY OF 50000000032"),
        "{e}"
    );
    let e = c
        .admin
        .run("ISSUE REMOVED COPY OF 50000000016")
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict, "{e}");
    // Before he moved out he was on his household's copy.
    let text = text_of(
        &c.admin,
        "ISSUE COPY HOUSEHOLD OF 50000000016 AS OF 2026-09-30 WITH household",
    );
    assert!(text.contains("山田 一郎"), "{text}");
    assert!(text.contains("令和8年9月30日現在"), "{text}");
    let removed = c
        .admin
        .issue(
            &Request {
                kind: Kind::RemovedCopy,
                persons: Persons::These(vec![code("50000000032")]),
                as_of: None,
                with: vec![],
                requester: Requester::Unnamed,
            },
            &Destination::Text,
        )
        .unwrap()
        .document;
    let rows: Vec<(&str, &str)> = removed.persons[0]
        .rows
        .iter()
        .flatten()
        .map(|f| (f.label.as_str(), f.value.as_str()))
        .collect();
    assert!(rows.contains(&("消除日", "令和8年10月1日")), "{rows:?}");
    assert!(rows.contains(&("消除事由", "転出")), "{rows:?}");
    assert!(
        rows.contains(&("転出先", "東京都千代田区千代田1-1")),
        "{rows:?}"
    );
    assert_eq!(
        removed.attestation,
        "この写しは、除票の原本と相違ないことを証明する。"
    );
}

#[test]
fn some_members_must_be_of_one_household() {
    let c = city();
    let e = c
        .admin
        .run("ISSUE COPY OF 50000000016, 50000000059")
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(e.to_string().contains("one household"), "{e}");
    let text = text_of(&c.admin, "ISSUE COPY OF 50000000024, 50000000016");
    assert!(text.contains("世帯一部"), "{text}");
    // 世帯主 first whatever the order written.
    assert!(
        text.find("山田 太郎").unwrap() < text.find("山田 花子").unwrap(),
        "{text}"
    );
    let e = c
        .admin
        .run("ISSUE COPY OF 50000000016, 50000000016")
        .unwrap_err();
    assert!(e.to_string().contains("twice"), "{e}");
}

#[test]
fn an_items_certificate_carries_only_the_parts_listed() {
    let c = city();
    let e = c
        .admin
        .run("ISSUE ITEMS CERTIFICATE OF 50000000016")
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidValue);
    let text = text_of(
        &c.admin,
        "ISSUE ITEMS CERTIFICATE OF 50000000016 WITH birth",
    );
    assert!(text.contains("昭和35年4月1日"), "{text}");
    assert!(
        !text.contains("住民となった日") && !text.contains("性別"),
        "{text}"
    );
    assert!(
        text.contains("上記のとおり住民票に記載されていることを証明する。"),
        "{text}"
    );
    let e = c
        .admin
        .run("ISSUE ITEMS CERTIFICATE OF 50000000016 WITH blood_type")
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidValue);
    assert!(e.to_string().contains("resident_since"), "{e}");
}

#[test]
fn each_issuance_is_numbered_and_logged_with_its_kind_and_hash() {
    let c = city();
    let pdf = c.dir.path().join("copy.pdf");
    let issued = c
        .admin
        .issue(
            &copy_of_household(
                "50000000016",
                &[Part::MyNumber],
                Requester::Resident(code("50000000016")),
            ),
            &Destination::Pdf(pdf.clone()),
        )
        .unwrap();
    let bytes = std::fs::read(&pdf).unwrap();
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(issued.sha256, digest);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&pdf).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // An existing file is never written over, and the refusal takes no number.
    let e = c
        .admin
        .issue(
            &copy_of_household("50000000016", &[], Requester::Unnamed),
            &Destination::Pdf(pdf.clone()),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Io, "{e}");
    assert!(e.to_string().contains("will not overwrite"), "{e}");
    assert_eq!(std::fs::read(&pdf).unwrap(), bytes);
    let second = c
        .admin
        .issue(
            &copy_of_household(
                "50000000016",
                &[Part::Code],
                Requester::Resident(code("50000000016")),
            ),
            &Destination::Text,
        )
        .unwrap();
    assert_eq!(second.serial, 2);
    c.juki.flush_log().unwrap();
    let log = c.admin.audit(&Default::default()).unwrap();
    let with_number = log
        .iter()
        .find(|e| e.kind == "ISSUE MYNUMBER")
        .expect("ISSUE MYNUMBER entry");
    assert_eq!(with_number.outcome, "OK");
    assert!(
        with_number.text.contains(&format!("sha256={digest}")),
        "{}",
        with_number.text
    );
    assert!(
        with_number.text.contains("serial=1"),
        "{}",
        with_number.text
    );
    assert!(
        with_number.text.contains("REQUESTED BY 50000000016"),
        "{}",
        with_number.text
    );
    assert!(
        with_number.text.contains("WITH mynumber"),
        "{}",
        with_number.text
    );
    let with_code = log
        .iter()
        .find(|e| e.kind == "ISSUE CODE")
        .expect("ISSUE CODE entry");
    assert!(with_code.text.contains("serial=2"));
    let refused = log
        .iter()
        .find(|e| e.kind == "ISSUE" && e.outcome == "IO")
        .expect("refusal logged");
    assert!(!refused.text.contains("serial="), "{}", refused.text);
    for e in &log {
        assert!(
            !e.text.contains("700000000010"),
            "a My Number in the log: {}",
            e.text
        );
    }
    // The serial survives a reopen.
    let path = c.juki.path().to_path_buf();
    drop(c.admin);
    drop(c.juki);
    let juki = Juki::builder(&path).open().unwrap();
    let s = juki.sign_in("admin1", "admin-password-1", "t").unwrap();
    let third = s
        .issue(
            &copy_of_household("50000000016", &[], Requester::Unnamed),
            &Destination::Text,
        )
        .unwrap();
    assert_eq!(third.serial, 3);
}

#[test]
fn without_an_issuer_nothing_is_issued() {
    let dir = tempfile::tempdir().unwrap();
    let juki = Juki::builder(dir.path().join("c.redb"))
        .municipality("282065")
        .and_then(|b| {
            b.towns(
                Date::parse("1900-01-01").unwrap(),
                juki::TownDictionary::ashiya_csv(),
            )
        })
        .and_then(|b| b.create_with_admin("admin1", "admin-password-1"))
        .unwrap();
    let s = juki.sign_in("admin1", "admin-password-1", "t").unwrap();
    s.run("MOVE IN 50000000016 my_number=700000000010 name='山田 太郎' kana='ヤマダ タロウ' sex=1 birth=1960-04-01 address=芦屋市精道町7-6 postal=659-0064 household=3001 relationship=世帯主 ON 2020-04-01").unwrap();
    let e = s.run("ISSUE COPY HOUSEHOLD OF 50000000016").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(e.to_string().contains("SET ISSUER"), "{e}");
    assert_eq!(s.issuer().unwrap().unwrap().title, "兵庫県芦屋市長");
    let clerk_refused = {
        s.run("CREATE OPERATOR clerk1 ROLE clerk PASSWORD 'password-of-clerk1'")
            .unwrap();
        let clerk = juki.sign_in("clerk1", "password-of-clerk1", "t").unwrap();
        clerk
            .run("SET ISSUER title='兵庫県芦屋市長' name='誰か'")
            .unwrap_err()
    };
    assert_eq!(clerk_refused.code(), ErrorCode::PermissionDenied);
}

#[test]
fn a_move_out_certificate_carries_what_the_law_lists_and_needs_the_my_number_permission() {
    let c = city();
    // The whole household moves out ahead: the 転出 is notified for a day to come.
    c.admin
        .run("MOVE OUT 50000000024 to='京都府京都市中京区寺町通御池上る上本能寺前町488' ON 2026-12-10")
        .unwrap();
    c.admin
        .run("MOVE OUT 50000000016 to='京都府京都市中京区寺町通御池上る上本能寺前町488' ON 2026-12-10")
        .unwrap();
    let json = c.dir.path().join("moveout.json");
    let text = text_of(
        &c.admin,
        &format!(
            "ISSUE MOVE OUT CERTIFICATE HOUSEHOLD OF 50000000024 TO '{}'",
            json.display()
        ),
    );
    assert!(text.contains("転出証明書"), "{text}");
    let data: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(data["title"], "転出証明書");
    let persons = data["persons"].as_array().unwrap();
    assert_eq!(persons.len(), 2, "{data}");
    let fields: Vec<(String, String)> = persons[0]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter())
        .map(|f| {
            (
                f["label"].as_str().unwrap().to_string(),
                f["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |label: &str, value: &str| fields.iter().any(|(l, v)| l == label && v == value);
    assert!(has("氏名", "山田 太郎"), "{fields:?}");
    assert!(has("続柄", "世帯主"), "{fields:?}");
    assert!(has("住民票コード", "50000000016"), "{fields:?}");
    assert!(has("個人番号", "700000000010"), "{fields:?}");
    assert!(
        has("転出先", "京都府京都市中京区寺町通御池上る上本能寺前町488"),
        "{fields:?}"
    );
    assert!(has("転出予定日", "令和8年12月10日"), "{fields:?}");
    assert!(fields.iter().any(|(l, _)| l == "本籍"), "{fields:?}");
    // Not for someone without a recorded 転出, and not for a clerk.
    let e = c
        .admin
        .run("ISSUE MOVE OUT CERTIFICATE OF 50000000059")
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(e.to_string().contains("MOVE OUT"), "{e}");
    let clerk = signed_in(&c, "clerk9", "clerk");
    let e = clerk
        .run("ISSUE MOVE OUT CERTIFICATE OF 50000000016")
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::PermissionDenied);
    let e = c
        .admin
        .run("ISSUE MOVE OUT CERTIFICATE OF 50000000016 WITH household")
        .unwrap_err();
    assert!(e.to_string().contains("WITH"), "{e}");
    c.juki.flush_log().unwrap();
    let log = c.admin.audit(&Default::default()).unwrap();
    assert!(
        log.iter()
            .any(|e| e.kind == "ISSUE MYNUMBER" && e.text.contains("MOVE OUT CERTIFICATE")),
        "{log:?}"
    );
}

#[test]
fn a_backup_keeps_the_issuer_and_the_serial_numbers() {
    let c = city();
    c.admin
        .issue(
            &copy_of_household("50000000016", &[], Requester::Unnamed),
            &Destination::Text,
        )
        .unwrap();
    let backup = c.dir.path().join("backup.redb");
    c.admin.backup(&backup).unwrap();
    // Opened as a copy (opening may write to a file).
    let copy = c.dir.path().join("copy.redb");
    std::fs::copy(&backup, &copy).unwrap();
    let juki = Juki::builder(&copy).open().unwrap();
    juki.set_clock(Clock::Fixed(Date::parse(TODAY).unwrap()));
    let s = juki.sign_in("admin1", "admin-password-1", "t").unwrap();
    let issued = s
        .issue(
            &copy_of_household("50000000016", &[], Requester::Unnamed),
            &Destination::Text,
        )
        .unwrap();
    assert_eq!(issued.serial, 2);
    assert_eq!(issued.document.issuer, "兵庫県芦屋市長　芦屋 一郎");
}

#[test]
fn under_a_support_measure_a_certificate_goes_to_the_person_alone() {
    let c = city();
    c.admin
        .run("RESTRICT 50000000024 KIND dv AUTHORITY '芦屋警察署' FROM 2026-11-01 UNTIL 2027-10-31")
        .unwrap();
    // The household's copy carries her: refused to the 世帯主, to a third party, unnamed.
    for requester in [
        "REQUESTED BY 50000000016",
        "REQUESTED BY '株式会社 調査'",
        "",
    ] {
        let e = c
            .admin
            .run(&format!("ISSUE COPY HOUSEHOLD OF 50000000016 {requester}"))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::PermissionDenied, "{requester}: {e}");
        assert!(e.to_string().contains("DV等支援措置"), "{e}");
    }
    // His own copy does not carry her; hers goes to her.
    text_of(&c.admin, "ISSUE COPY OF 50000000016");
    let text = text_of(
        &c.admin,
        "ISSUE COPY OF 50000000024 REQUESTED BY 50000000024",
    );
    assert!(text.contains("山田 花子"), "{text}");
    // A clerk may not set or lift one.
    let clerk = signed_in(&c, "clerk2", "clerk");
    assert_eq!(
        clerk
            .run("LIFT RESTRICTION 50000000024")
            .unwrap_err()
            .code(),
        ErrorCode::PermissionDenied
    );
    // Before it starts and after it is lifted, the household copy is issued again.
    let e = c
        .admin
        .run("ISSUE COPY HOUSEHOLD OF 50000000016 AS OF 2026-10-01");
    assert!(
        e.is_err(),
        "the measure is judged on the day of issue, not the record's"
    );
    c.admin.run("LIFT RESTRICTION 50000000024").unwrap();
    text_of(&c.admin, "ISSUE COPY HOUSEHOLD OF 50000000016");
    assert_eq!(
        c.admin
            .run("LIFT RESTRICTION 50000000024")
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    c.juki.flush_log().unwrap();
    let log = c.admin.audit(&Default::default()).unwrap();
    let refused = log
        .iter()
        .filter(|e| e.kind == "ISSUE" && e.outcome == "PERMISSION_DENIED")
        .count();
    assert_eq!(refused, 4, "every refusal is logged");
    assert!(log
        .iter()
        .any(|e| e.kind == "RESTRICT" && e.outcome == "OK"));
}

/// The text of the PDF an issuance wrote, as a reader extracts it, whitespace removed.
fn pdf_text(path: &std::path::Path) -> String {
    let parsed = lopdf::Document::load_mem(&std::fs::read(path).unwrap()).expect("the PDF parses");
    let pages: Vec<u32> = parsed.get_pages().keys().copied().collect();
    let text = parsed.extract_text(&pages).expect("its text extracts");
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn the_pdf_written_holds_what_the_document_says_in_order() {
    let c = city();
    let path = c.dir.path().join("household.pdf");
    let issued = c
        .admin
        .issue(
            &copy_of_household(
                "50000000016",
                &[Part::Household],
                Requester::Resident(code("50000000016")),
            ),
            &Destination::Pdf(path.clone()),
        )
        .unwrap();
    let text = pdf_text(&path);
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    // Every string of the document, in the order it was composed.
    let d = &issued.document;
    let mut expected = vec![squeeze(&d.serial), squeeze(&d.title)];
    for f in d
        .header
        .iter()
        .chain(d.persons.iter().flat_map(|p| p.rows.iter().flatten()))
    {
        expected.push(squeeze(&f.label));
        expected.push(squeeze(&f.value));
    }
    expected.extend(d.footer_notes.iter().map(|n| squeeze(n)));
    expected.push(squeeze(&d.attestation));
    expected.push(squeeze(&d.issued_on));
    expected.push(squeeze(&d.issuer));
    let mut at = 0;
    for s in &expected {
        match text[at..].find(s.as_str()) {
            Some(i) => at += i + s.len(),
            None => panic!("{s:?} missing, or out of order, after byte {at} of {text:?}"),
        }
    }
    assert!(text.contains("1/1"), "the page number: {text}");
    // And exactly the text of the golden file (`JUKI_BLESS=1` writes it again).
    let parsed = lopdf::Document::load_mem(&std::fs::read(&path).unwrap()).unwrap();
    let pages: Vec<u32> = parsed.get_pages().keys().copied().collect();
    let extracted = parsed.extract_text(&pages).unwrap();
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/certificate_household_pdf.txt");
    if std::env::var_os("JUKI_BLESS").is_some() {
        std::fs::write(&golden, &extracted).unwrap();
    }
    assert_eq!(extracted, std::fs::read_to_string(&golden).unwrap());
    // No My Number was asked for: none is printed.
    assert!(!text.contains("700000000010"));
}
