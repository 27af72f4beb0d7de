//! The risk measures as requirements on the system: who may do what (every role against
//! every kind of statement), no change from a refusal, an entry in the operation log for
//! every statement, a hash chain that catches an entry edited behind juki's back, lock-out,
//! unlock and disable, and My Numbers and passwords kept out of every output and the log.

mod common;
use common::*;
use juki::Clock;
use juki::{AuditQuery, Juki, Role, LOCK_AFTER_FAILURES};
use juki::{Cell, Output};
use juki::{ErrorCode, Session};

const SECRET: &str = "operator-pass-1";

/// A database with two residents and one operator of every role (ids are the role names).
fn city() -> Fixture {
    let f = Fixture::new();
    f.db.record(&move_in(1, &taro(), "2020-04-01")).unwrap();
    f.db.record(&move_in(2, &hanako(), "2020-04-01")).unwrap();
    for role in Role::ALL {
        if role != Role::Admin {
            f.db.create_operator(role.name(), role, SECRET).unwrap();
        }
    }
    f
}

fn console(f: &Fixture, operator: &str) -> Session {
    let operator = if operator == "admin" { ADMIN } else { operator };
    let password = if operator == ADMIN { PASSWORD } else { SECRET };
    f.juki.sign_in(operator, password, "counter-3").unwrap()
}

/// Runs statement text as the `juki` console does: parsed (text that does not parse is
/// logged as such), each statement through the executor until one fails. Returns whether
/// all ran, the results as JSON Lines (every cell as the library hands it to any output
/// format) and the error as `error[CODE]: message`.
fn run(c: &Session, statement: &str) -> (bool, String, String) {
    let statements = match c.prepare(statement) {
        Ok(s) => s,
        Err(e) => return (false, String::new(), format!("error[{}]: {e}\n", e.code())),
    };
    let mut out = String::new();
    for stmt in &statements {
        match c.execute(stmt) {
            Ok(output) => out.push_str(&json_lines(&output)),
            Err(e) => return (false, out, format!("error[{}]: {e}\n", e.code())),
        }
    }
    (true, out, String::new())
}

fn json_lines(output: &Output) -> String {
    let rows = match output {
        Output::Message(m) => return format!("{}\n", serde_json::json!({ "message": m })),
        Output::Rows(rows) => rows,
    };
    let mut text = String::new();
    for row in &rows.rows {
        let obj: serde_json::Map<String, serde_json::Value> = rows
            .columns
            .iter()
            .zip(row)
            .map(|(col, cell)| {
                let v = match cell {
                    Cell::Text(s) => serde_json::Value::String(s.clone()),
                    Cell::Int(n) => serde_json::Value::from(*n),
                    Cell::Bool(b) => serde_json::Value::Bool(*b),
                    Cell::Date(d) => serde_json::Value::String(d.to_string()),
                    Cell::Null => serde_json::Value::Null,
                };
                ((*col).to_string(), v)
            })
            .collect();
        text.push_str(&format!("{}\n", serde_json::Value::Object(obj)));
    }
    text
}

/// Replaces `{1}`, `{2}` with the fixture's resident codes and `{n1}` with 太郎's My Number.
fn fill(s: &str) -> String {
    s.replace("{1}", &code(1).to_string())
        .replace("{2}", &code(2).to_string())
        .replace("{n1}", &my_number(1).reveal().to_string())
}

/// (statement, which roles may run it). `{role}` is replaced by the role running it.
fn matrix() -> Vec<(&'static str, &'static [&'static str])> {
    const ALL_FULL: &[&str] = &["admin", "clerk", "registrar", "viewer"];
    const DEPARTMENTS: &[&str] = &[
        "tax",
        "health",
        "welfare",
        "pension",
        "education",
        "childcare",
    ];
    let lookup: &'static [&'static str] = Box::leak(
        ALL_FULL
            .iter()
            .chain(DEPARTMENTS)
            .copied()
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    vec![
        ("GET {1}", lookup),
        ("FIND name=ヤマダ birth=1980-04-01", lookup),
        ("HISTORY {1}", &["admin", "clerk", "registrar"]),
        ("HOUSEHOLD 100", &["admin", "clerk", "registrar"]),
        ("SHOW MYNUMBER {1}", &["admin", "registrar"]),
        ("GET MYNUMBER {n1}", &["admin", "registrar"]),
        ("STATS BY sex", &["admin", "clerk", "registrar"]),
        ("CHANGES SINCE 0", &["admin", "registrar"]),
        (
            "CHANGE HOUSEHOLD {2} household=2002 relationship=世帯主 ON 2024-01-01",
            &["admin", "clerk", "registrar"],
        ),
        // Writing a My Number needs the My Number permission.
        (
            "CHANGE MYNUMBER {2} my_number={n1} ON 2024-02-01",
            &["admin", "registrar"],
        ),
        ("LIST OPERATORS", &["admin"]),
        ("AUDIT LIMIT 3", &["admin", "auditor"]),
        ("AUDIT VERIFY", &["admin", "auditor"]),
        (
            "BACKUP TO '{dir}/backup-{role}.redb'",
            &["admin", "registrar"],
        ),
        ("COMPACT", &["admin"]),
    ]
}

#[test]
fn every_role_against_every_statement() {
    let f = city();
    let consoles: Vec<(Role, Session)> = Role::ALL
        .into_iter()
        .map(|r| (r, console(&f, r.name())))
        .collect();
    for (statement, allowed) in matrix() {
        let statement = fill(statement).replace("{dir}", &f.dir.path().display().to_string());
        for (role, c) in &consoles {
            let statement = statement.replace("{role}", role.name());
            let before = f.db.content_digest().unwrap();
            let (ok, out, err) = run(c, &statement);
            if allowed.contains(&role.name()) {
                // Allowed: it runs (a repeated 異動 may then be refused by its own rules, never
                // for want of a permission).
                assert!(
                    ok || !err.contains("PERMISSION_DENIED"),
                    "{role} running {statement}: {err}"
                );
                if statement == "COMPACT" {
                    // Every role's session is open, so the administrator gets past the
                    // permission and is refused for want of the database to itself.
                    assert!(err.starts_with("error[CONFLICT]: "), "{err}");
                } else if !statement.starts_with("CHANGE") {
                    assert!(ok, "{role} running {statement}: {err}");
                }
            } else {
                assert!(!ok, "{role} ran {statement}");
                assert!(
                    err.starts_with("error[PERMISSION_DENIED]: "),
                    "{role} {statement}: {err}"
                );
                assert!(
                    err.contains("lacks the"),
                    "the refusal names what is missing: {err}"
                );
                assert_eq!(
                    f.db.content_digest().unwrap(),
                    before,
                    "a refusal changed data"
                );
                assert!(out.is_empty());
            }
        }
    }
}

#[test]
fn departments_see_name_address_birth_and_sex_only() {
    let f = city();
    let c = console(&f, "tax");
    let (ok, out, _) = run(&c, &fill("GET {1}"));
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, ["name", "address", "birth_date", "sex"]);
    let (ok, out, _) = run(&c, "FIND name=ヤマダ address=芦屋市");
    assert!(ok);
    assert_eq!(out.lines().count(), 2);
    assert!(!out.contains("my_number") && !out.contains("household"));
}

/// Every output format prints the cells the library hands it (tests/cli.rs runs the
/// formats of the `juki` command), so the cells are what is checked here.
#[test]
fn my_numbers_are_masked_in_every_output_but_show_mynumber() {
    let f = city();
    let digits = my_number(1).reveal().to_string();
    {
        let c = console(&f, "registrar");
        for s in [
            "GET {1}",
            "GET MYNUMBER {n1}",
            "FIND name=ヤマダ birth=1980-04-01",
            "HISTORY {1}",
            "HOUSEHOLD OF {1}",
            "CHANGES SINCE 0",
        ] {
            let (ok, out, err) = run(&c, &fill(s));
            assert!(ok, "{s}: {err}");
            assert!(!out.contains(&digits), "{s} shows the My Number: {out}");
            if !s.starts_with("HISTORY") {
                assert!(out.contains("****-****-****"), "{s}: {out}");
            }
        }
        let (ok, out, _) = run(&c, &fill("SHOW MYNUMBER {1}"));
        assert!(ok);
        assert!(out.contains(&digits), "{out}");
    }
    // Errors never carry it either.
    let c = console(&f, "registrar");
    let taken = fill("CHANGE MYNUMBER {2} my_number={n1} ON 2025-01-01");
    let (ok, _, err) = run(&c, &taken);
    assert!(!ok);
    assert!(
        err.starts_with("error[CONFLICT]") && !err.contains(&digits),
        "{err}"
    );
}

#[test]
fn a_role_without_the_my_number_permission_neither_writes_one_nor_learns_of_one() {
    let f = city();
    // A number the register holds (resident 1's), offered for resident 2 by a correction.
    let taken = fill("CORRECT {2} my_number={n1} ON 2024-02-01");
    let digits = my_number(1).reveal().to_string();
    let before = f.db.content_digest().unwrap();
    let (ok, _, err) = run(&console(&f, "clerk"), &taken);
    assert!(!ok);
    assert!(err.starts_with("error[PERMISSION_DENIED]: "), "{err}");
    assert!(
        err.contains("mynumber"),
        "the refusal names the permission: {err}"
    );
    assert!(!err.contains(&digits), "{err}");
    assert_eq!(f.db.content_digest().unwrap(), before);
    // The registrar, who may look the number up anyway, is told of the conflict.
    let (ok, _, err) = run(&console(&f, "registrar"), &taken);
    assert!(!ok);
    assert!(err.starts_with("error[CONFLICT]: "), "{err}");
    assert!(!err.contains(&digits), "{err}");
    assert_eq!(f.db.content_digest().unwrap(), before);
    // A correction without a My Number stays the clerk's.
    let (ok, _, err) = run(
        &console(&f, "clerk"),
        &fill("CORRECT {2} kana='ヤマダ ハナエ' ON 2024-02-01"),
    );
    assert!(ok, "{err}");
}

#[test]
fn every_statement_gets_one_log_entry_with_its_outcome() {
    let f = city();
    f.juki.flush_log().unwrap();
    let before = f.db.audit(&AuditQuery::default()).unwrap().len();
    let c = console(&f, "clerk");
    let statements = [
        ("GET {1}", "OK"),
        ("GET 99999999999", "INVALID_VALUE"),
        ("GET 11111111113", "NOT_FOUND"),
        ("FND x", "SYNTAX"),
        ("FIND name=山田 sex=1", "SEARCH_MINIMUM"),
        ("SHOW MYNUMBER {1}", "PERMISSION_DENIED"),
        ("MOVE HOUSEHOLD 100 address=芦屋市打出町2-3 ON 2025-01-01", "OK"),
        // Writing a My Number is the registrar's: refused before it is checked.
        ("MOVE IN {1} my_number={n1} name='山田 太郎' kana='ヤマダ タロウ' sex=1 birth=1980-04-01 address=芦屋市精道町7-6 postal=659-8501 household=100 relationship=世帯主 ON 2025-02-01", "PERMISSION_DENIED"),
        ("DEATH {1} ON 2024-01-01", "ILLEGAL_CHANGE"),
    ];
    for (s, _) in &statements {
        run(&c, &fill(s));
    }
    let log = f.db.audit(&AuditQuery::default()).unwrap();
    // The clerk's sign-in, the statements, and the admin's AUDIT of before.
    let clerk: Vec<_> = log[before..]
        .iter()
        .filter(|e| e.operator == "clerk")
        .collect();
    assert_eq!(clerk.len(), 1 + statements.len(), "{clerk:#?}");
    assert_eq!(clerk[0].kind, "SIGN IN");
    for (e, (s, outcome)) in clerk[1..].iter().zip(&statements) {
        assert_eq!(e.outcome, *outcome, "{s}: {e:?}");
        assert_eq!(e.terminal, "counter-3");
    }
    assert_eq!(clerk[1].codes, vec![code(1).get()]);
    assert_eq!(clerk[7].kind, "MOVE HOUSEHOLD");
    assert_eq!(clerk[7].codes, vec![code(1).get(), code(2).get()]);
    // The MOVE IN statement's text is logged with its My Number redacted.
    assert!(
        clerk[8].text.contains("my_number=****"),
        "{}",
        clerk[8].text
    );
    assert!(!clerk[8].text.contains(&my_number(1).reveal().to_string()));
}

#[test]
fn passwords_never_reach_the_log() {
    let f = city();
    let c = console(&f, ADMIN);
    let (ok, _, err) = run(
        &c,
        "CREATE OPERATOR sato ROLE clerk PASSWORD 'very secret words'",
    );
    assert!(ok, "{err}");
    let log = f.db.audit(&AuditQuery::default()).unwrap();
    let all = format!("{log:?}");
    assert!(!all.contains("very secret words"));
    assert!(log
        .iter()
        .any(|e| e.kind == "CREATE OPERATOR" && e.text.contains("PASSWORD ****")));
    let (ok, _, err) = run(&c, "CREATE OPERATOR sato2 ROLE clerk PASSWORD 'short'");
    assert!(!ok);
    assert!(
        err.starts_with("error[INVALID_VALUE]") && err.contains("at least 12"),
        "{err}"
    );
}

#[test]
fn the_chain_catches_an_entry_edited_through_redb() {
    let f = city();
    let c = console(&f, "clerk");
    run(&c, &fill("GET {1}"));
    drop(c);
    assert!(f.db.audit_verify().unwrap().first_broken.is_none());
    let path = f.path();
    let Fixture {
        dir: _dir,
        juki,
        db,
    } = f;
    drop(db);
    drop(juki);
    {
        // Rewrite entry 3 with other content but the same framing (a valid checksum).
        let raw = juki::testing::crypt::open_plain_redb(&path).unwrap();
        let entries: Vec<(u64, Vec<u8>)> = {
            let txn = redb::ReadableDatabase::begin_read(&raw).unwrap();
            let t = txn
                .open_table(redb::TableDefinition::<u64, &[u8]>::new("audit"))
                .unwrap();
            redb::ReadableTable::iter(&t)
                .unwrap()
                .map(|e| {
                    let (k, v) = e.unwrap();
                    (k.value(), v.value().to_vec())
                })
                .collect()
        };
        let (seq, mut bytes) = entries[2].clone();
        // Change one ASCII letter of the operator id inside the archive, then re-frame.
        let body = &mut bytes[4..];
        let at = body
            .windows(5)
            .position(|w| w == b"admin")
            .expect("operator id in entry 3");
        body[at] = b'b';
        let crc = crc32fast::hash(body).to_le_bytes();
        bytes[..4].copy_from_slice(&crc);
        let txn = raw.begin_write().unwrap();
        {
            let mut t = txn
                .open_table(redb::TableDefinition::<u64, &[u8]>::new("audit"))
                .unwrap();
            t.insert(seq, bytes.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let juki = Juki::builder(&path).open().unwrap();
    juki.set_clock(Clock::Fixed(date(TODAY)));
    let admin = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
    let report = admin.audit_verify().unwrap();
    assert_eq!(
        report.first_broken.as_ref().map(|b| b.0),
        Some(3),
        "{report}"
    );
    let (ok, _, err) = run(&admin, "AUDIT VERIFY");
    assert!(!ok);
    assert!(
        err.starts_with("error[CORRUPT]") && err.contains("entry 3"),
        "{err}"
    );
}

#[test]
fn five_failures_lock_until_an_administrator_unlocks() {
    let f = city();
    for _ in 0..LOCK_AFTER_FAILURES {
        assert_eq!(
            f.juki
                .sign_in("clerk", "wrong password", "t")
                .unwrap_err()
                .code(),
            ErrorCode::AuthFailed
        );
    }
    // Locked: even the right password fails, and looks like any other failure.
    let locked = f.juki.sign_in("clerk", SECRET, "t").unwrap_err();
    let unknown = f.juki.sign_in("nobody", SECRET, "t").unwrap_err();
    assert_eq!(locked.to_string(), unknown.to_string());
    assert_eq!(locked.code(), "AUTH_FAILED");
    let info = f.db.list_operators().unwrap();
    assert!(info.iter().any(|o| o.id == "clerk" && o.locked));
    f.db.unlock_operator("clerk").unwrap();
    assert!(f.juki.sign_in("clerk", SECRET, "t").is_ok());
}

#[test]
fn a_disabled_operator_is_stopped_at_their_next_statement() {
    let f = city();
    let clerk = f.juki.sign_in("clerk", SECRET, "t").unwrap();
    assert!(clerk.get(code(1)).unwrap().is_some());
    f.db.disable_operator("clerk").unwrap();
    assert_eq!(
        clerk.get(code(1)).unwrap_err().code(),
        ErrorCode::AuthFailed
    );
    assert!(f.juki.sign_in("clerk", SECRET, "t").is_err());
    // Only administrators manage operators.
    let viewer = f.juki.sign_in("viewer", SECRET, "t").unwrap();
    assert_eq!(
        viewer.unlock_operator("clerk").unwrap_err().code(),
        "PERMISSION_DENIED"
    );
}

#[test]
fn passwords_change_only_with_the_old_one() {
    let f = city();
    let clerk = f.juki.sign_in("clerk", SECRET, "t").unwrap();
    assert_eq!(
        clerk
            .change_password("not it at all", "new-password-22")
            .unwrap_err()
            .code(),
        "AUTH_FAILED"
    );
    clerk.change_password(SECRET, "new-password-22").unwrap();
    assert!(f.juki.sign_in("clerk", SECRET, "t").is_err());
    assert!(f.juki.sign_in("clerk", "new-password-22", "t").is_ok());
}

#[test]
fn a_batch_refused_for_its_permission_says_so_and_writes_nothing() {
    let f = city();
    let before = f.db.content_digest().unwrap();
    let viewer = f.juki.sign_in("viewer", SECRET, "t").unwrap();
    let batch = [move_in(3, &taro(), "2024-03-01")];
    let err = viewer.record_batch(&batch).unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
    assert_eq!(err.batch_index(), None);
    assert_eq!(f.db.content_digest().unwrap(), before);
}

#[test]
fn a_read_only_handle_refuses_every_change_whatever_the_role() {
    let f = city();
    let path = f.juki.path().to_path_buf();
    drop(f.db);
    drop(f.juki);
    let juki = Juki::builder(&path).read_only(true).open().unwrap();
    let admin = juki.sign_in(ADMIN, PASSWORD, "t").unwrap();
    assert!(admin.get(code(1)).unwrap().is_some());
    let refused = [
        admin
            .record(&move_in(3, &taro(), "2024-03-01"))
            .unwrap_err(),
        admin
            .create_operator("newclerk", Role::Clerk, SECRET)
            .unwrap_err(),
        admin
            .change_password(PASSWORD, "another-password-1")
            .unwrap_err(),
        admin.compact().unwrap_err(),
    ];
    for e in refused {
        assert_eq!(e.code(), ErrorCode::PermissionDenied, "{e}");
        assert!(e.to_string().contains("read-only"), "{e}");
    }
}
