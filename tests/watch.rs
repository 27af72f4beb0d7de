//! The register's measures against browsing: the search ceiling (a FIND matching more than
//! its role's limit returns nobody, with the count; LIMIT only lowers it), the watch on
//! browsing (a burst of searches or of residents logs an ALERT and locks the operator's
//! sessions until they sign in again), AUDIT ALERTS, and the settings behind them.

mod common;
use common::*;
use juki::{Output, Role, Session};

const SECRET: &str = "operator-pass-1";

/// A register holding `n` residents born on 1980-04-01 in 精道町 (one household each),
/// with a clerk, a second clerk, a viewer, an auditor and a tax operator.
fn register(n: u64) -> Fixture {
    let f = Fixture::new();
    for i in 1..=n {
        let mut p = taro();
        p.my_number = i;
        p.household = 1000 + i;
        f.db.record(&move_in(i, &p, "2020-04-01")).unwrap();
    }
    for (id, role) in [
        ("clerk1", Role::Clerk),
        ("clerk2", Role::Clerk),
        ("viewer1", Role::Viewer),
        ("auditor1", Role::Auditor),
        ("tax1", Role::Tax),
    ] {
        f.db.create_operator(id, role, SECRET).unwrap();
    }
    f
}

fn sign_in(f: &Fixture, id: &str) -> Session {
    f.juki.sign_in(id, SECRET, "counter-1").unwrap()
}

/// The rows of a statement's one answer.
fn rows(s: &Session, text: &str) -> Vec<Vec<String>> {
    match s
        .run(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .remove(0)
    {
        Output::Rows(r) => r
            .rows
            .iter()
            .map(|row| row.iter().map(|c| c.to_string()).collect())
            .collect(),
        other => panic!("{text}: {other:?}"),
    }
}

fn refusal(s: &Session, text: &str) -> juki::Error {
    match s.run(text) {
        Ok(out) => panic!("{text} was not refused: {out:?}"),
        Err(e) => e,
    }
}

const SEARCH: &str = "FIND birth=1980-04-01 address=芦屋市精道町";

#[test]
fn the_ceiling_refuses_with_the_count_and_limit_only_lowers_it() {
    let f = register(7);
    let clerk = sign_in(&f, "clerk1");
    assert_eq!(clerk.search_limit().unwrap(), juki::DEFAULT_SEARCH_LIMIT);
    assert_eq!(rows(&clerk, SEARCH).len(), 7);

    // LIMIT lowers the ceiling: 7 matches with LIMIT 5 are refused with the count, and
    // nobody is returned.
    let err = refusal(&clerk, &format!("{SEARCH} LIMIT 5"));
    assert_eq!(err.code(), "SEARCH_MINIMUM");
    let msg = err.to_string();
    assert!(msg.contains("7 residents match"), "{msg}");
    assert!(msg.contains("more than the 5"), "{msg}");
    assert!(msg.contains("add name, address or birth"), "{msg}");
    assert_eq!(rows(&clerk, &format!("{SEARCH} LIMIT 7")).len(), 7);

    // The role's limit refuses alike, and a LIMIT above it does not raise it.
    f.db.run("SET SEARCH LIMIT clerk 6").unwrap();
    assert_eq!(clerk.search_limit().unwrap(), 6);
    for text in [SEARCH.to_string(), format!("{SEARCH} LIMIT 100")] {
        let err = refusal(&clerk, &text);
        assert_eq!(err.code(), "SEARCH_MINIMUM", "{text}");
        assert!(
            err.to_string()
                .contains("7 residents match, more than the 6"),
            "{err}"
        );
    }
    // Other roles keep theirs.
    let viewer = sign_in(&f, "viewer1");
    assert_eq!(rows(&viewer, SEARCH).len(), 7);
    // A department role's basic answer is under the ceiling too.
    f.db.run("SET SEARCH LIMIT tax 3").unwrap();
    let tax = sign_in(&f, "tax1");
    assert_eq!(refusal(&tax, SEARCH).code(), "SEARCH_MINIMUM");

    // The refusal is logged as the FIND's outcome, with no resident named.
    let log = f.db.audit(&juki::AuditQuery::default()).unwrap();
    let refused: Vec<_> = log
        .iter()
        .filter(|e| e.kind == "FIND" && e.outcome == "SEARCH_MINIMUM")
        .collect();
    assert_eq!(refused.len(), 4);
    assert!(refused.iter().all(|e| e.codes.is_empty()));
}

#[test]
fn set_search_limit_and_set_watch_need_an_administrator_and_are_logged() {
    let f = register(1);
    for id in ["clerk1", "auditor1", "viewer1"] {
        let s = sign_in(&f, id);
        for text in [
            "SET SEARCH LIMIT clerk 1000",
            "SET WATCH searches=1000 residents=1000 minutes=1",
        ] {
            let err = refusal(&s, text);
            assert_eq!(err.code(), "PERMISSION_DENIED", "{id}: {text}");
            assert!(err.to_string().contains("operators"), "{err}");
        }
        assert_eq!(s.search_limit().unwrap(), 100);
    }
    for text in [
        "SET SEARCH LIMIT clerk 0",
        "SET SEARCH LIMIT clerk 100001",
        "SET SEARCH LIMIT nobody 10",
        "SET WATCH searches=0 residents=10 minutes=10",
        "SET WATCH searches=10 residents=10 minutes=0",
        "SET WATCH searches=10 residents=10 minutes=1441",
    ] {
        assert_eq!(refusal(&f.db, text).code(), "INVALID_VALUE", "{text}");
    }
    f.db.run("SET SEARCH LIMIT clerk 40").unwrap();
    f.db.run("SET WATCH searches=12 residents=34 minutes=5")
        .unwrap();
    let log = f.db.audit(&juki::AuditQuery::default()).unwrap();
    let ok = |kind: &str, text: &str| {
        log.iter()
            .any(|e| e.kind == kind && e.text == text && e.outcome == "OK")
    };
    assert!(ok("SET SEARCH LIMIT", "SET SEARCH LIMIT clerk 40"));
    assert!(ok(
        "SET WATCH",
        "SET WATCH searches=12 residents=34 minutes=5"
    ));
    assert!(log
        .iter()
        .any(|e| e.kind == "SET SEARCH LIMIT" && e.outcome == "PERMISSION_DENIED"));

    // Stored in the register: another process (a reopen) reads them.
    let f = f.reopen();
    let clerk = sign_in(&f, "clerk1");
    assert_eq!(clerk.search_limit().unwrap(), 40);
    assert_eq!(
        clerk.watch_limits().unwrap(),
        juki::WatchLimits {
            searches: 12,
            residents: 34,
            minutes: 5
        }
    );
}

#[test]
fn a_burst_of_searches_raises_an_alert_and_locks_the_operators_sessions() {
    let f = register(3);
    let one = |n: u64| format!("FIND name='山田 太郎' birth=1980-04-01 LIMIT {n}");
    // Under the default watch (30 searches) ten searches are nothing.
    let clerk2 = sign_in(&f, "clerk2");
    for _ in 0..10 {
        assert_eq!(rows(&clerk2, &one(10)).len(), 3);
    }
    f.db.run("SET WATCH searches=5 residents=200 minutes=10")
        .unwrap();
    let (a, b) = (sign_in(&f, "clerk1"), sign_in(&f, "clerk1"));
    for i in 0..5 {
        let s = if i % 2 == 0 { &a } else { &b };
        assert_eq!(rows(s, &one(10)).len(), 3, "search {i}");
    }
    // The sixth within ten minutes crosses the line: refused, and both sessions locked.
    let err = refusal(&a, &one(10));
    assert_eq!(err.code(), "AUTH_FAILED");
    assert!(err.to_string().contains("locked"), "{err}");
    for s in [&a, &b] {
        for text in [format!("GET {}", code(1)), "STATS".into(), "HELP".into()] {
            let e = s.run(&text).map(|_| ()).unwrap_err();
            assert_eq!(e.code(), "AUTH_FAILED", "{text}");
        }
    }
    // Another operator is not locked (clerk2's ten searches and one more are 11 > 5 under
    // the new setting: their next search alerts too, their own).
    let viewer = sign_in(&f, "viewer1");
    assert_eq!(rows(&viewer, &one(10)).len(), 3);

    // AUDIT ALERTS names who, when and the counts; no resident.
    let auditor = sign_in(&f, "auditor1");
    let alerts = rows(&auditor, "AUDIT ALERTS");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert[2], "clerk1");
    assert_eq!(alert[3], "counter-1");
    assert_eq!(&alert[4..], ["6", "3", "10"]);
    let log = f.db.audit(&juki::AuditQuery::default()).unwrap();
    let entry = log.iter().find(|e| e.kind == "ALERT").unwrap();
    assert!(entry.codes.is_empty());
    assert!(
        entry.text.contains("searches=6 residents=3 minutes=10"),
        "{}",
        entry.text
    );
    assert!(!entry.text.contains("山田") && !entry.text.contains(&code(1).to_string()));
    // The crossing search is logged as refused, with nobody named.
    let crossing = log
        .iter()
        .rev()
        .find(|e| e.kind == "FIND" && e.operator == "clerk1")
        .unwrap();
    assert_eq!(crossing.outcome, "AUTH_FAILED");
    assert!(crossing.codes.is_empty());

    // Signing in again unlocks: the new session searches, the window starting over.
    let again = sign_in(&f, "clerk1");
    for _ in 0..5 {
        assert_eq!(rows(&again, &one(10)).len(), 3);
    }
    // The old sessions stay locked.
    assert_eq!(
        a.run("STATS").map(|_| ()).unwrap_err().code(),
        "AUTH_FAILED"
    );
    // Auditors and administrators read the alerts; others may not.
    assert_eq!(rows(&f.db, "AUDIT ALERTS").len(), 1);
    assert_eq!(refusal(&again, "AUDIT ALERTS").code(), "PERMISSION_DENIED");
}

#[test]
fn too_many_distinct_residents_raise_an_alert() {
    let f = register(7);
    f.db.run("SET WATCH searches=100 residents=10 minutes=10")
        .unwrap();
    let clerk = sign_in(&f, "clerk1");
    // The same seven residents again and again count once.
    for _ in 0..5 {
        assert_eq!(rows(&clerk, SEARCH).len(), 7);
    }
    let mut p = taro();
    p.my_number = 50;
    p.household = 2050;
    p.birth = "1990-01-01";
    for i in 50..54 {
        p.my_number = i;
        p.household = 2000 + i;
        f.db.record(&move_in(i, &p, "2020-04-01")).unwrap();
    }
    // Four more residents make 11 > 10.
    let err = refusal(&clerk, "FIND birth=1990-01-01 address=芦屋市精道町");
    assert_eq!(err.code(), "AUTH_FAILED");
    let alerts = rows(&f.db, "AUDIT ALERTS");
    assert_eq!(&alerts[0][4..], ["6", "11", "10"]);
}

#[test]
fn household_lookups_by_id_count_as_searches_and_need_the_household_permission() {
    let f = register(3);
    f.db.run("SET WATCH searches=2 residents=200 minutes=10")
        .unwrap();
    for id in ["viewer1", "tax1", "auditor1"] {
        let s = sign_in(&f, id);
        let err = refusal(&s, "HOUSEHOLD 1001");
        assert_eq!(err.code(), "PERMISSION_DENIED", "{id}");
        assert!(err.to_string().contains("household"), "{err}");
    }
    let clerk = sign_in(&f, "clerk1");
    assert_eq!(rows(&clerk, "HOUSEHOLD 1001").len(), 1);
    // A number with nobody behind it counts as well: walking ids is what is watched.
    assert_eq!(refusal(&clerk, "HOUSEHOLD 9999").code(), "NOT_FOUND");
    assert_eq!(refusal(&clerk, "HOUSEHOLD 1002").code(), "AUTH_FAILED");
    assert_eq!(rows(&f.db, "AUDIT ALERTS")[0][4], "3");
}

#[test]
fn administrators_are_not_watched() {
    let f = register(3);
    f.db.run("SET WATCH searches=1 residents=1 minutes=10")
        .unwrap();
    for _ in 0..10 {
        assert_eq!(rows(&f.db, SEARCH).len(), 3);
        assert_eq!(rows(&f.db, "HOUSEHOLD 1001").len(), 1);
    }
    assert!(rows(&f.db, "AUDIT ALERTS").is_empty());
    // The ceiling holds for them too.
    f.db.run("SET SEARCH LIMIT admin 2").unwrap();
    assert_eq!(refusal(&f.db, SEARCH).code(), "SEARCH_MINIMUM");
}

#[test]
fn the_password_again_unlocks_the_session_it_is_given_to() {
    let f = register(1);
    f.db.run("SET WATCH searches=1 residents=200 minutes=10")
        .unwrap();
    let (a, b) = (sign_in(&f, "clerk1"), sign_in(&f, "clerk1"));
    assert_eq!(rows(&a, SEARCH).len(), 1);
    assert_eq!(refusal(&a, SEARCH).code(), "AUTH_FAILED");
    assert!(a.is_locked() && b.is_locked());
    // A wrong password unlocks nothing (and counts toward the lock-out).
    assert_eq!(
        a.reauthenticate("wrong-password-9").unwrap_err().code(),
        "AUTH_FAILED"
    );
    assert!(a.is_locked());
    a.reauthenticate(SECRET).unwrap();
    assert!(!a.is_locked() && b.is_locked());
    assert_eq!(rows(&a, SEARCH).len(), 1);
}
