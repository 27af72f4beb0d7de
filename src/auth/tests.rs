//! Sign-in and operator administration against an insider: every failed sign-in costs the
//! same work, what a failed sign-in logs is printable and bounded, and administration
//! cannot be lost by disabling the last administrator.

use super::operator::argon2_runs;
use super::{AuditQuery, Juki, Role, LOCK_AFTER_FAILURES};

const ADMIN: &str = "admin1";
const PASSWORD: &str = "administrator-password";

fn register(dir: &tempfile::TempDir) -> Juki {
    Juki::builder(dir.path().join("r.juki"))
        .create_with_admin(ADMIN, PASSWORD)
        .unwrap()
}

/// The argon2id computations one sign-in makes, and whether it succeeded.
fn cost(juki: &Juki, id: &str, password: &str) -> (u64, bool) {
    let before = argon2_runs();
    let ok = juki.sign_in(id, password, "t1").is_ok();
    (argon2_runs() - before, ok)
}

#[test]
fn every_failed_sign_in_costs_one_hash_like_a_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let juki = register(&dir);
    let admin = juki.sign_in(ADMIN, PASSWORD, "t1").unwrap();
    for id in ["clerk1", "gone1", "locked1"] {
        admin
            .create_operator(id, Role::Clerk, "a-clerk-password")
            .unwrap();
    }
    admin.disable_operator("gone1").unwrap();
    for _ in 0..LOCK_AFTER_FAILURES {
        assert!(juki.sign_in("locked1", "wrong-password-x", "t1").is_err());
    }
    assert_eq!(cost(&juki, "clerk1", "a-clerk-password"), (1, true));
    assert_eq!(
        cost(&juki, "nobody1", "a-clerk-password"),
        (1, false),
        "unknown id"
    );
    assert_eq!(
        cost(&juki, "clerk1", "not-the-password"),
        (1, false),
        "wrong password"
    );
    assert_eq!(
        cost(&juki, "gone1", "a-clerk-password"),
        (1, false),
        "disabled"
    );
    assert_eq!(
        cost(&juki, "locked1", "a-clerk-password"),
        (1, false),
        "locked"
    );
    assert_eq!(
        cost(&juki, "bad id\n", "a-clerk-password"),
        (1, false),
        "invalid id"
    );
}

#[test]
fn a_failed_sign_in_logs_a_printable_bounded_operator_and_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let juki = register(&dir);
    let forged = "x\n| 99 | admin1 | SIGN IN | OK\u{1b}[31m";
    let long = "y".repeat(120_000);
    assert!(juki.sign_in(forged, "whatever-password", "t\r\n2").is_err());
    assert!(juki.sign_in(&long, "whatever-password", &long).is_err());
    let admin = juki.sign_in(ADMIN, PASSWORD, "t1").unwrap();
    let log = admin.audit(&AuditQuery::default()).unwrap();
    let failed: Vec<_> = log.iter().filter(|e| e.outcome == "AUTH_FAILED").collect();
    assert_eq!(failed.len(), 2);
    for e in &failed {
        for s in [&e.operator, &e.terminal] {
            assert!(!s.chars().any(char::is_control), "{s:?}");
            assert!(s.len() < 200, "{} bytes kept", s.len());
        }
    }
    assert_eq!(
        failed[0].operator,
        "x\\u{a}| 99 | admin1 | SIGN IN | OK\\u{1b}[31m"
    );
    assert_eq!(failed[0].terminal, "t\\u{d}\\u{a}2");
    assert!(
        failed[1].operator.ends_with("…(+119936 bytes)"),
        "{}",
        failed[1].operator
    );
}

#[test]
fn the_last_administrator_who_can_sign_in_cannot_be_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let juki = register(&dir);
    let admin = juki.sign_in(ADMIN, PASSWORD, "t1").unwrap();
    let refused = admin.disable_operator(ADMIN).unwrap_err();
    assert_eq!(refused.code().as_str(), "CONFLICT", "{refused}");
    assert!(
        refused.to_string().contains("last administrator"),
        "{refused}"
    );

    // A second administrator who is locked out does not count.
    admin
        .create_operator("admin2", Role::Admin, "second-admin-password")
        .unwrap();
    for _ in 0..LOCK_AFTER_FAILURES {
        assert!(juki.sign_in("admin2", "wrong-password-x", "t1").is_err());
    }
    assert!(admin.disable_operator(ADMIN).is_err());
    admin.unlock_operator("admin2").unwrap();

    // With one who can sign in, either may go; the other is then the last.
    admin.disable_operator(ADMIN).unwrap();
    let second = juki
        .sign_in("admin2", "second-admin-password", "t1")
        .unwrap();
    assert!(second.disable_operator("admin2").is_err());
    // Other roles are not affected.
    second
        .create_operator("clerk1", Role::Clerk, "a-clerk-password")
        .unwrap();
    second.disable_operator("clerk1").unwrap();
}

/// Moves the lock of operator `id` `minutes` into the past, in the file (the register is
/// closed meanwhile).
fn age_lock(path: &std::path::Path, id: &str, minutes: i64) {
    use super::operator::{StoredOperator, OPERATORS};
    use redb::ReadableTable;
    let db = crate::store::Database::open(path).unwrap();
    let txn = db.write_transaction().unwrap();
    {
        let mut t = txn.open_table(OPERATORS).unwrap();
        let stored = t.get(id).unwrap().unwrap().value().to_vec();
        let mut op = StoredOperator::decode(&stored).unwrap();
        assert!(op.locked, "{id} is locked");
        op.locked_at -= minutes * 60 * 1_000_000;
        t.insert(id, op.encode().as_slice()).unwrap();
    }
    txn.commit().unwrap();
}

#[test]
fn an_administrators_lock_lapses_after_fifteen_minutes_a_clerks_does_not() {
    use super::operator::ADMIN_LOCK_MINUTES;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.juki");
    let juki = register(&dir);
    let admin = juki.sign_in(ADMIN, PASSWORD, "t1").unwrap();
    admin
        .create_operator("clerk1", Role::Clerk, "a-clerk-password")
        .unwrap();
    drop(admin);
    for id in [ADMIN, "clerk1"] {
        for _ in 0..LOCK_AFTER_FAILURES {
            assert!(juki.sign_in(id, "wrong-password-x", "t1").is_err());
        }
    }
    // Locked: the right password does not help, nor do more wrong ones move the lock.
    assert!(juki.sign_in(ADMIN, PASSWORD, "t1").is_err());
    assert!(juki.sign_in(ADMIN, "wrong-password-x", "t1").is_err());
    drop(juki);

    age_lock(&path, ADMIN, ADMIN_LOCK_MINUTES - 1);
    let juki = Juki::builder(&path).open().unwrap();
    assert!(
        juki.sign_in(ADMIN, PASSWORD, "t1").is_err(),
        "14 minutes on"
    );
    drop(juki);

    age_lock(&path, ADMIN, 1);
    age_lock(&path, "clerk1", ADMIN_LOCK_MINUTES * 100);
    let juki = Juki::builder(&path).open().unwrap();
    assert!(juki.sign_in("clerk1", "a-clerk-password", "t1").is_err());
    // A wrong password after the lapse locks the administrator again at once (the count
    // stands) ...
    assert!(juki.sign_in(ADMIN, "wrong-password-x", "t1").is_err());
    assert!(juki.sign_in(ADMIN, PASSWORD, "t1").is_err());
    drop(juki);
    age_lock(&path, ADMIN, ADMIN_LOCK_MINUTES);
    // ... and after the next lapse the right one signs in and clears the count.
    let juki = Juki::builder(&path).open().unwrap();
    let admin = juki.sign_in(ADMIN, PASSWORD, "t1").unwrap();
    let listed = admin.list_operators().unwrap();
    let me = listed.iter().find(|o| o.id == ADMIN).unwrap();
    assert!(!me.locked && me.failed_sign_ins == 0, "{me:?}");
    assert!(listed.iter().find(|o| o.id == "clerk1").unwrap().locked);
}

/// A record written before the lock's time was kept still reads, and its lock, for an
/// administrator, has lapsed.
#[test]
fn an_operator_record_of_the_first_layout_reads() {
    use super::operator::{StoredOperator, StoredOperatorV1};
    let v1 = StoredOperatorV1 {
        id: "admin1".into(),
        role: Role::Admin.code(),
        hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into(),
        disabled: false,
        failed: 5,
        locked: true,
        created_at: 1_700_000_000_000_000,
        created_by: "admin1".into(),
    };
    let body = rkyv::to_bytes::<rkyv::rancor::Error>(&v1).unwrap();
    let bytes = crate::store::record::frame(&body);
    let op = StoredOperator::decode(&bytes).unwrap();
    assert_eq!(
        (op.id.as_str(), op.failed, op.locked, op.locked_at),
        ("admin1", 5, true, 0)
    );
    assert!(op.usable());
    let clerk = StoredOperator {
        role: Role::Clerk.code(),
        ..op.clone()
    };
    assert!(!clerk.usable());
    assert_eq!(StoredOperator::decode(&op.encode()).unwrap(), op);
}

/// A sign-in whose log entry cannot be written (a full disk, here every page write failing)
/// is an I/O failure (`IO`), not `AUTH_FAILED` (exit 3): the operator is not told their
/// password was wrong when it was the disk, and no session is given without its entry.
#[test]
fn a_sign_in_that_cannot_be_logged_is_io_not_auth_failed() {
    use crate::store::{Database, FaultOn, FaultyBackend};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.juki");
    drop(register(&dir));
    let countdown = Arc::new(AtomicU64::new(u64::MAX));
    let sealed = crate::store::crypt::open_checksummed(&path).unwrap();
    let backend = FaultyBackend::new(sealed, FaultOn::Write, countdown.clone());
    let juki = Juki::wrap(Database::open_with_backend(backend, &path).unwrap());
    countdown.store(0, Ordering::SeqCst);
    for (password, what) in [
        (PASSWORD, "the right password"),
        ("wrong-password-x", "a wrong one"),
    ] {
        let e = juki.sign_in(ADMIN, password, "t1").map(drop).unwrap_err();
        assert_eq!(e.code().as_str(), "IO", "{what}: {e}");
    }
}
