//! DV等支援措置 for every role: while a measure is in force, a role without the restrict
//! permission gets for the person, and for everyone in their household now, exactly the
//! answer it gets for a resident code no one holds (or the row absent from a list); a role
//! with it sees them, warned, each access logged with a flagged entry; copies out leave them
//! out unless INCLUDE RESTRICTED. A measure that has ended hides nothing; an extension and
//! a lift; a format-5 register's measures carried over by the upgrade.

mod common;

use common::{date, TODAY};
use juki::{AuditQuery, Clock, ErrorCode, Juki, Output, Permission, ResidentCode, Role, Session};

/// 花子, under the measure, 世帯主 of household 4001 at 打出町 with her son.
const HANAKO: &str = "50000000024";
/// Her son, in her household (no measure of his own).
const SON: &str = "50000000032";
/// 太郎, whom she fled: household 3001 at 精道町.
const TARO: &str = "50000000016";
/// 佐藤, whom no measure touches.
const SATO: &str = "50000000059";

const PASSWORD: &str = "password-of-operator";

struct City {
    dir: tempfile::TempDir,
    juki: Juki,
    admin: Session,
}

fn city() -> City {
    let dir = tempfile::tempdir().unwrap();
    let juki = Juki::builder(dir.path().join("city.redb"))
        .municipality("282065")
        .and_then(|b| b.towns(date("1900-01-01"), juki::TownDictionary::ashiya_csv()))
        .and_then(|b| b.create_with_admin("admin1", "admin-password-1"))
        .unwrap();
    juki.set_clock(Clock::Fixed(date(TODAY)));
    let admin = juki.sign_in("admin1", "admin-password-1", "t").unwrap();
    for statement in [
        "SET ISSUER title='兵庫県芦屋市長' name='芦屋 一郎'",
        "MOVE IN 50000000016 my_number=700000000010 name='山田 太郎' kana='ヤマダ タロウ' sex=1 birth=1960-04-01 address=芦屋市精道町7-6 postal=659-0064 household=3001 relationship=世帯主 from='大阪府大阪市北区梅田1-1' ON 2020-04-01",
        "MOVE IN 50000000024 my_number=700000000029 name='山田 花子' kana='ヤマダ ハナコ' sex=2 birth=1962-09-15 address=芦屋市打出町2-3 postal=659-0066 household=4001 relationship=世帯主 from='大阪府大阪市北区梅田1-1' ON 2020-04-01",
        "MOVE IN 50000000032 my_number=700000000037 name='山田 一郎' kana='ヤマダ イチロウ' sex=1 birth=1990-05-05 address=芦屋市打出町2-3 postal=659-0066 household=4001 relationship=子 from='大阪府大阪市北区梅田1-1' ON 2020-04-01",
        "MOVE IN 50000000059 my_number=700000000053 name='佐藤 健' kana='サトウ ケン' sex=1 birth=1950-01-01 address=芦屋市精道町1-1 postal=659-0064 household=3002 relationship=世帯主 ON 2020-04-01",
    ] {
        admin.run(statement).unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
        admin
            .run(&format!(
                "CREATE OPERATOR {role} ROLE {role} PASSWORD '{PASSWORD}'"
            ))
            .unwrap();
    }
    City { dir, juki, admin }
}

fn sign_in(c: &City, role: Role) -> Session {
    match role {
        Role::Admin => c.juki.sign_in("admin1", "admin-password-1", "t").unwrap(),
        _ => c.juki.sign_in(role.name(), PASSWORD, "t").unwrap(),
    }
}

/// A resident code no one holds.
fn nobody() -> String {
    ResidentCode::from_serial(5_830_017_294).to_string()
}

/// What a statement gave: the rows (or the message), or the error's code and message.
#[derive(Debug, PartialEq)]
enum Answer {
    Rows(usize),
    Message(String),
    Refused(ErrorCode, String),
}

fn answer(s: &Session, text: &str) -> Answer {
    match s.run(text) {
        Ok(mut out) => match out.pop() {
            Some(Output::Rows(r)) => Answer::Rows(r.rows.len()),
            Some(Output::Message(m)) => Answer::Message(m),
            None => Answer::Rows(0),
        },
        Err(e) => Answer::Refused(e.code(), e.to_string()),
    }
}

/// The statements that show a resident, for `code` (its 4情報 for FIND).
fn reads(code: &str) -> Vec<String> {
    let find = match code {
        HANAKO => "FIND name='山田 花子' birth=1962-09-15".to_string(),
        SON => "FIND name='山田 一郎' birth=1990-05-05".to_string(),
        SATO => "FIND name='佐藤 健' birth=1950-01-01".to_string(),
        _ => "FIND name='田中 一' birth=1970-01-01".to_string(),
    };
    vec![
        format!("GET {code}"),
        find,
        format!("HOUSEHOLD OF {code}"),
        format!("HISTORY {code}"),
        format!("ISSUE COPY OF {code} REQUESTED BY {code}"),
    ]
}

fn measure(c: &City) {
    c.admin
        .run(&format!(
            "RESTRICT {HANAKO} KIND dv AUTHORITY '芦屋警察署' FROM 2026-11-01"
        ))
        .unwrap();
}

#[test]
fn each_role_gets_for_a_screened_resident_what_it_gets_for_nobody_or_sees_them_warned() {
    let c = city();
    measure(&c);
    for role in Role::ALL {
        let s = sign_in(&c, role);
        let permitted = role.allows(Permission::Restrict);
        for screened in [HANAKO, SON] {
            let (theirs, sato, none) = (reads(screened), reads(SATO), reads(&nobody()));
            for i in 0..theirs.len() {
                let got = answer(&s, &theirs[i]);
                let shown = s.restricted_shown();
                let control = answer(&s, &sato[i]);
                assert!(s.restricted_shown().is_empty(), "{role}: {}", sato[i]);
                if permitted {
                    // As for anyone: answered when 佐藤 is, and warned.
                    assert_eq!(
                        matches!(got, Answer::Refused(..)),
                        matches!(control, Answer::Refused(..)),
                        "{role}: {} gave {got:?}, {} gave {control:?}",
                        theirs[i],
                        sato[i]
                    );
                    if !matches!(got, Answer::Refused(..)) {
                        let code = ResidentCode::parse(screened).unwrap();
                        assert!(shown.contains(&code), "{role}: {} {shown:?}", theirs[i]);
                    }
                } else {
                    // Exactly the answer for a code no one holds, that code put back.
                    let for_nobody = match answer(&s, &none[i]) {
                        Answer::Refused(code, m) => {
                            Answer::Refused(code, m.replace(&nobody(), screened))
                        }
                        other => other,
                    };
                    assert_eq!(got, for_nobody, "{role}: {}", theirs[i]);
                    assert!(shown.is_empty(), "{role}: {}", theirs[i]);
                }
            }
        }
    }
}

#[test]
fn a_screened_household_is_a_household_no_one_is_in() {
    let c = city();
    measure(&c);
    let clerk = sign_in(&c, Role::Clerk);
    let hidden = answer(&clerk, "HOUSEHOLD 4001");
    let empty = answer(&clerk, "HOUSEHOLD 4999");
    let Answer::Refused(code, m) = empty else {
        panic!("{empty:?}")
    };
    assert_eq!(hidden, Answer::Refused(code, m.replace("4999", "4001")));
    // The household she fled is not screened; its answer does not name her.
    assert_eq!(
        answer(&clerk, &format!("HOUSEHOLD OF {TARO}")),
        Answer::Rows(1)
    );
    let registrar = sign_in(&c, Role::Registrar);
    assert_eq!(answer(&registrar, "HOUSEHOLD 4001"), Answer::Rows(2));
    let shown: Vec<String> = registrar
        .restricted_shown()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(shown.contains(&HANAKO.to_string()) && shown.contains(&SON.to_string()));
}

#[test]
fn a_write_addressed_to_a_screened_resident_is_refused_as_for_nobody() {
    let c = city();
    measure(&c);
    let clerk = sign_in(&c, Role::Clerk);
    let move_of = |code: &str| format!("MOVE {code} address=芦屋市打出町2-4 ON 2026-11-20");
    let hidden = answer(&clerk, &move_of(HANAKO));
    let Answer::Refused(code, m) = answer(&clerk, &move_of(&nobody())) else {
        panic!()
    };
    assert_eq!(code, ErrorCode::NotFound);
    assert_eq!(hidden, Answer::Refused(code, m.replace(&nobody(), HANAKO)));
    // Nor is anyone put into her household by a role that may not see it.
    let joined = answer(
        &clerk,
        &format!("CHANGE HOUSEHOLD {SATO} household=4001 relationship=同居人 ON 2026-11-20"),
    );
    assert!(
        matches!(joined, Answer::Refused(ErrorCode::NotFound, _)),
        "{joined:?}"
    );
    // Her household cannot be moved either: it is a household no one is in.
    let move_household =
        |h: &str| format!("MOVE HOUSEHOLD {h} address=芦屋市打出町2-4 ON 2026-11-20");
    let Answer::Refused(code, m) = answer(&clerk, &move_household("4999")) else {
        panic!()
    };
    assert_eq!(
        answer(&clerk, &move_household("4001")),
        Answer::Refused(code, m.replace("4999", "4001"))
    );
    // A registrar records it, warned.
    let registrar = sign_in(&c, Role::Registrar);
    registrar.run(&move_household("4001")).unwrap();
    assert!(!registrar.restricted_shown().is_empty());
}

#[test]
fn copies_out_leave_the_screened_out_unless_a_permitted_role_includes_them() {
    let c = city();
    measure(&c);
    for role in Role::ALL {
        let s = sign_in(&c, role);
        for (kind, has) in [
            ("EXPORT", 2),
            ("EXPORT HISTORY", 2),
            ("EXPORT CONSISTENCY", 2),
        ] {
            let path = c
                .dir
                .path()
                .join(format!("{role}-{}.csv", kind.replace(' ', "-")));
            let plain = s.run(&format!("{kind} '{}'", path.display()));
            if !role.allows(Permission::Export) {
                assert_eq!(plain.unwrap_err().code(), ErrorCode::PermissionDenied);
                continue;
            }
            plain.unwrap();
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.contains(SATO) && text.contains(TARO), "{role} {kind}");
            assert!(
                !text.contains(HANAKO) && !text.contains(SON),
                "{role} {kind}"
            );
            let all = c
                .dir
                .path()
                .join(format!("{role}-{}-all.csv", kind.replace(' ', "-")));
            let included = s.run(&format!("{kind} '{}' INCLUDE RESTRICTED", all.display()));
            if !role.allows(Permission::Restrict) {
                assert_eq!(included.unwrap_err().code(), ErrorCode::PermissionDenied);
                continue;
            }
            included.unwrap();
            let text = std::fs::read_to_string(&all).unwrap();
            let found = [HANAKO, SON].iter().filter(|c| text.contains(**c)).count();
            assert_eq!(found, has, "{role} {kind}");
            assert_eq!(s.restricted_shown().len(), 2, "{role} {kind}");
        }
    }
}

#[test]
fn every_access_is_logged_flagged_and_the_chain_holds() {
    let c = city();
    measure(&c);
    let clerk = sign_in(&c, Role::Clerk);
    assert!(clerk.run(&format!("GET {HANAKO}")).is_err());
    c.admin.run(&format!("GET {HANAKO}")).unwrap();
    c.juki.flush_log().unwrap();
    let log = c.admin.audit(&Default::default()).unwrap();
    let hanako = ResidentCode::parse(HANAKO).unwrap().get();
    let flagged = |kind: &str, operator: &str| {
        log.iter()
            .any(|e| e.kind == kind && e.operator == operator && e.codes.contains(&hanako))
    };
    assert!(flagged("RESTRICTED HIDDEN", "clerk"));
    assert!(flagged("RESTRICTED SHOWN", "admin1"));
    // The clerk's lookup itself is logged as one for nobody.
    assert!(log
        .iter()
        .any(|e| e.kind == "GET" && e.operator == "clerk" && e.outcome == "NOT_FOUND"));
    // An auditor finds them by kind, and only them.
    let shown = c
        .admin
        .audit(&AuditQuery {
            kind: Some("RESTRICTED SHOWN".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(!shown.is_empty());
    assert!(
        shown.iter().all(|e| e.kind == "RESTRICTED SHOWN"),
        "{shown:?}"
    );
    let auditor = sign_in(&c, Role::Auditor);
    let listed = auditor.run("AUDIT kind='restricted hidden'").unwrap();
    let listed = format!("{listed:?}");
    assert!(listed.contains("RESTRICTED HIDDEN"), "{listed}");
    assert!(!listed.contains("RESTRICTED SHOWN"), "{listed}");
    let text = answer(&c.admin, "AUDIT VERIFY");
    assert!(
        matches!(&text, Answer::Message(m) if m.contains("intact")),
        "{text:?}"
    );
}

#[test]
fn a_measure_that_has_ended_hides_nothing_and_a_lifted_one_neither() {
    let c = city();
    c.admin
        .run(&format!(
            "RESTRICT {HANAKO} KIND stalking AUTHORITY '芦屋警察署' FROM 2025-01-01 UNTIL 2025-12-31"
        ))
        .unwrap();
    let clerk = sign_in(&c, Role::Clerk);
    assert_eq!(answer(&clerk, &format!("GET {HANAKO}")), Answer::Rows(1));
    assert!(c.admin.run(&format!("GET {HANAKO}")).is_ok());
    assert!(
        c.admin.restricted_shown().is_empty(),
        "no warning once ended"
    );
    measure(&c);
    assert!(matches!(
        answer(&clerk, &format!("GET {HANAKO}")),
        Answer::Refused(ErrorCode::NotFound, _)
    ));
    c.admin.run(&format!("LIFT RESTRICTION {HANAKO}")).unwrap();
    assert_eq!(answer(&clerk, &format!("GET {HANAKO}")), Answer::Rows(1));
    assert_eq!(
        answer(&clerk, &format!("HOUSEHOLD OF {SON}")),
        Answer::Rows(2)
    );
}

#[test]
fn an_extension_is_taken_in_the_last_month_and_runs_another_year() {
    let c = city();
    // Runs until 2026-11-30: today (2026-11-27) is within its last month.
    c.admin
        .run(&format!(
            "RESTRICT {HANAKO} KIND child_abuse AUTHORITY 'こども家庭センター' FROM 2025-12-01"
        ))
        .unwrap();
    let rows = c.admin.restrictions().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].measure.until, date("2026-11-30"));
    assert_eq!(rows[0].measure.kind, juki::MeasureKind::ChildAbuse);
    assert_eq!(rows[0].measure.authority.as_str(), "こども家庭センター");
    let said = answer(&c.admin, &format!("EXTEND RESTRICTION {HANAKO}"));
    assert!(
        matches!(&said, Answer::Message(m) if m.contains("2027-11-30")),
        "{said:?}"
    );
    // Too early for the next one; a clerk may neither extend nor list.
    assert!(matches!(
        answer(&c.admin, &format!("EXTEND RESTRICTION {HANAKO}")),
        Answer::Refused(ErrorCode::Conflict, _)
    ));
    let clerk = sign_in(&c, Role::Clerk);
    for text in [
        format!("EXTEND RESTRICTION {HANAKO}"),
        "RESTRICTIONS".into(),
    ] {
        assert!(matches!(
            answer(&clerk, &text),
            Answer::Refused(ErrorCode::PermissionDenied, _)
        ));
    }
    assert_eq!(answer(&c.admin, "RESTRICTIONS"), Answer::Rows(1));
    // A measure's kind and authority are checked.
    for bad in [
        format!("RESTRICT {SATO} KIND anger AUTHORITY '芦屋警察署' FROM 2026-11-01"),
        format!("RESTRICT {SATO} KIND dv AUTHORITY '' FROM 2026-11-01"),
        format!("RESTRICT {SATO} KIND dv AUTHORITY '芦屋警察署' FROM 2026-11-01 UNTIL 2026-10-01"),
    ] {
        assert!(
            matches!(
                answer(&c.admin, &bad),
                Answer::Refused(ErrorCode::InvalidValue, _)
            ),
            "{bad}"
        );
    }
}

#[test]
fn a_format_5_register_keeps_its_measures_through_the_upgrade() {
    let c = city();
    let (dir, path) = (c.dir, c.juki.path().to_path_buf());
    let atena = c
        .admin
        .get(ResidentCode::parse(HANAKO).unwrap())
        .unwrap()
        .unwrap()
        .atena_number;
    drop(c.admin);
    drop(c.juki);
    // The register as a format-5 build left it: the days alone, in `restrictions`.
    {
        let raw = juki::testing::crypt::open_plain_redb(&path).unwrap();
        let txn = raw.begin_write().unwrap();
        {
            let mut old = txn
                .open_table(redb::TableDefinition::<u64, (u32, u32)>::new(
                    "restrictions",
                ))
                .unwrap();
            old.insert(atena, (20261101, 20271031)).unwrap();
            let mut meta = txn
                .open_table(redb::TableDefinition::<&str, u64>::new("meta"))
                .unwrap();
            meta.insert("format_version", 5).unwrap();
        }
        txn.commit().unwrap();
    }
    assert!(
        Juki::builder(&path).open().is_err(),
        "a format-5 file is upgraded first"
    );
    let report = Juki::upgrade(&juki::Upgrade {
        path: &path,
        operator: "admin1",
        password: "admin-password-1",
        terminal: "t",
        key: None,
    })
    .unwrap();
    assert_eq!(report.from, Some(5));
    let juki = Juki::builder(&path).open().unwrap();
    juki.set_clock(Clock::Fixed(date(TODAY)));
    let admin = juki.sign_in("admin1", "admin-password-1", "t").unwrap();
    let rows = admin.restrictions().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].code.to_string(), HANAKO);
    assert_eq!(rows[0].measure.kind, juki::MeasureKind::Unrecorded);
    assert_eq!(rows[0].measure.until, date("2027-10-31"));
    let clerk = juki.sign_in("clerk", PASSWORD, "t").unwrap();
    assert!(matches!(
        answer(&clerk, &format!("GET {HANAKO}")),
        Answer::Refused(ErrorCode::NotFound, _)
    ));
    drop(dir);
}
