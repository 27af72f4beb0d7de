//! The risk measures as requirements on the system: what a department sees, no change from
//! a refusal, an entry in the operation log for every statement, a hash chain that catches
//! an entry edited behind juki's back, lock-out, unlock and disable, and My Numbers and
//! passwords kept out of every output and the log. Who may do what, every role against
//! every statement of the catalogue, is tests/permissions.rs.

mod common;
use common::leaks::{assert_no_leak, find_leak, my_numbers, Secrets};
use common::*;
use juki::Clock;
use juki::{AuditQuery, Juki, Role, LOCK_AFTER_FAILURES};
use juki::{Cell, Output};
use juki::{ErrorCode, Session};

const SECRET: &str = "operator-pass-1";

/// 太郎's and 花子's My Numbers, then one nobody holds: realistic numbers, so that a leak
/// cannot hide behind digits that are mostly zeros.
fn numbers() -> Vec<String> {
    my_numbers(3)
}

/// Every secret of [`city`]: the My Numbers and the passwords of the operators.
fn secrets() -> Secrets {
    numbers()
        .iter()
        .fold(Secrets::new(), |s, n| s.number(n))
        .password(SECRET)
        .password(PASSWORD)
}

/// The serial (first eleven digits) that `common::my_number` makes `n` of.
fn serial(n: &str) -> u64 {
    n[..11].parse().unwrap()
}

/// A database with two residents and one operator of every role (ids are the role names).
fn city() -> Fixture {
    let f = Fixture::new();
    let n = numbers();
    let taro = Person {
        my_number: serial(&n[0]),
        ..taro()
    };
    let hanako = Person {
        my_number: serial(&n[1]),
        ..hanako()
    };
    f.db.record(&move_in(1, &taro, "2020-04-01")).unwrap();
    f.db.record(&move_in(2, &hanako, "2020-04-01")).unwrap();
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
/// format) and the error as the console prints it: `error[CODE]: message`, then the message
/// for the text and the line with its caret.
fn run(c: &Session, statement: &str) -> (bool, String, String) {
    let printed = |e: juki::Error| {
        format!(
            "error[{}]: {e}\n{}\n{}\n",
            e.code(),
            e.message_for(statement),
            e.render(statement)
        )
    };
    let statements = match c.prepare(statement) {
        Ok(s) => s,
        Err(e) => return (false, String::new(), printed(e)),
    };
    let mut out = String::new();
    for stmt in &statements {
        match c.execute(stmt) {
            Ok(output) => out.push_str(&json_lines(&output)),
            Err(e) => return (false, out, printed(e)),
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

/// Replaces `{1}`, `{2}` with the fixture's resident codes, `{n1}` with 太郎's My Number
/// and `{n3}` with the one nobody holds.
fn fill(s: &str) -> String {
    let n = numbers();
    s.replace("{1}", &code(1).to_string())
        .replace("{2}", &code(2).to_string())
        .replace("{n1}", &n[0])
        .replace("{n3}", &n[2])
}

#[test]
fn departments_see_name_address_birth_and_sex_only() {
    let f = city();
    let c = console(&f, "tax");
    let (ok, out, _) = run(&c, &fill("GET {1}"));
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, ["name", "address", "birth_date", "sex", "status"]);
    let (ok, out, _) = run(&c, "FIND name=ヤマダ address=芦屋市精道町");
    assert!(ok);
    assert_eq!(out.lines().count(), 2);
    assert!(!out.contains("my_number") && !out.contains("household"));
}

/// Every output format prints the cells the library hands it (tests/cli.rs runs the
/// formats of the `juki` command), so the cells are what is checked here.
#[test]
fn my_numbers_are_masked_in_every_output_but_show_mynumber() {
    let f = city();
    let digits = numbers()[0].clone();
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
            assert_no_leak(&out, &secrets(), s);
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
    assert!(err.starts_with("error[CONFLICT]"), "{err}");
    assert_no_leak(
        &err,
        &secrets(),
        "the error of a CHANGE MYNUMBER to a number held",
    );
}

#[test]
fn a_role_without_the_my_number_permission_neither_writes_one_nor_learns_of_one() {
    let f = city();
    // A number the register holds (resident 1's), offered for resident 2 by a correction.
    let taken = fill("CORRECT {2} my_number={n1} ON 2024-02-01");
    let before = f.db.content_digest().unwrap();
    let (ok, _, err) = run(&console(&f, "clerk"), &taken);
    assert!(!ok);
    assert!(err.starts_with("error[PERMISSION_DENIED]: "), "{err}");
    assert!(
        err.contains("mynumber"),
        "the refusal names the permission: {err}"
    );
    assert_no_leak(&err, &secrets(), "the clerk's refusal");
    assert_eq!(f.db.content_digest().unwrap(), before);
    // The registrar, who may look the number up anyway, is told of the conflict.
    let (ok, _, err) = run(&console(&f, "registrar"), &taken);
    assert!(!ok);
    assert!(err.starts_with("error[CONFLICT]: "), "{err}");
    assert_no_leak(&err, &secrets(), "the registrar's conflict");
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
    for e in &log {
        assert_no_leak(&format!("{e:?}"), &secrets(), "the operation log");
    }
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
    let planted = Secrets::new().password("very secret words");
    assert_no_leak(&format!("{log:?}"), &planted, "the operation log");
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

/// A My Number as typed in 4-4-4 with hyphens, in full-width digits, or 4-4-4 with spaces.
fn typed(n: &str, form: usize) -> String {
    let groups = format!("{} {} {}", &n[..4], &n[4..8], &n[8..]);
    match form {
        0 => groups.replace(' ', "-"),
        1 => n
            .chars()
            .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
            .collect(),
        _ => groups,
    }
}

/// Realistic numbers and passwords, typed in several forms, reach none of the places a
/// console prints or keeps: the rows and messages of each statement, its error as the
/// console prints it (a bad statement holding a My Number, a refused GET MYNUMBER, a
/// refused EXPORT, a failed sign-in), the AUDIT rows and the raw entries of the log.
#[test]
fn no_secret_reaches_an_output_an_error_or_the_log() {
    let f = city();
    let n = numbers();
    let initial = "Kz7#initial-words";
    let wrong = "Wq9%not-the-password";
    let secrets = secrets().password(initial).password(wrong);
    let failed = f.juki.sign_in("clerk", wrong, "counter-3").unwrap_err();
    assert_no_leak(&failed.to_string(), &secrets, "a failed sign-in");
    let admin = console(&f, ADMIN);
    let clerk = console(&f, "clerk");
    let registrar = console(&f, "registrar");
    let file = |name: &str| f.dir.path().join(name).display().to_string();
    let (c1, c2) = (code(1), code(2));
    let move_in = format!(
        "MOVE IN {} my_number={} name='山田 三郎' kana='ヤマダ サブロウ' sex=1 \
         birth=2000-01-01 address=芦屋市精道町7-6 postal=659-8501 household=300 \
         relationship=世帯主 ON 2025-02-01",
        code(7),
        n[0]
    );
    // (what, who, statement, the outcome expected).
    let runs: Vec<(&str, &Session, String, &str)> = vec![
        (
            "CREATE OPERATOR",
            &admin,
            format!("CREATE OPERATOR sato ROLE clerk PASSWORD '{initial}'"),
            "OK",
        ),
        (
            "a refused GET MYNUMBER",
            &clerk,
            format!("GET MYNUMBER {}", typed(&n[0], 0)),
            "PERMISSION_DENIED",
        ),
        (
            "a refused GET MYNUMBER (full-width)",
            &clerk,
            format!("GET MYNUMBER {}", typed(&n[0], 1)),
            "PERMISSION_DENIED",
        ),
        (
            "a refused SHOW MYNUMBER",
            &clerk,
            format!("SHOW MYNUMBER {c1}"),
            "PERMISSION_DENIED",
        ),
        (
            "a bad statement",
            &clerk,
            format!("FND name=山田 {}", n[0]),
            "SYNTAX",
        ),
        (
            "a bad statement (spaces)",
            &clerk,
            format!("GET {} AS OF", typed(&n[1], 2)),
            "SYNTAX",
        ),
        (
            "a My Number as a resident code",
            &clerk,
            format!("GET {}", n[1]),
            "INVALID_VALUE",
        ),
        (
            "a refused EXPORT",
            &clerk,
            format!("EXPORT '{}'", file("clerk.csv")),
            "PERMISSION_DENIED",
        ),
        (
            "a refused EXPORT HISTORY",
            &clerk,
            format!("EXPORT HISTORY '{}'", file("clerk-history.csv")),
            "PERMISSION_DENIED",
        ),
        (
            "a refused correction with a number",
            &clerk,
            format!("CORRECT {c2} my_number={} ON 2024-02-01", n[2]),
            "PERMISSION_DENIED",
        ),
        (
            "GET MYNUMBER",
            &registrar,
            format!("GET MYNUMBER {}", typed(&n[0], 1)),
            "OK",
        ),
        (
            "CHANGE MYNUMBER",
            &registrar,
            format!(
                "CHANGE MYNUMBER {c2} my_number='{}' ON 2025-01-01",
                typed(&n[2], 2)
            ),
            "OK",
        ),
        (
            "GET MYNUMBER of a former number",
            &registrar,
            format!("GET MYNUMBER {}", n[1]),
            "OK",
        ),
        (
            "a MOVE IN with a number held",
            &registrar,
            move_in,
            "CONFLICT",
        ),
        (
            "EXPORT",
            &registrar,
            format!("EXPORT '{}'", file("registrar.csv")),
            "OK",
        ),
        ("HISTORY", &registrar, format!("HISTORY {c2}"), "OK"),
        ("CHANGES", &registrar, "CHANGES SINCE 0".into(), "OK"),
        ("LIST OPERATORS", &admin, "LIST OPERATORS".into(), "OK"),
        ("AUDIT", &admin, "AUDIT LIMIT 1000".into(), "OK"),
    ];
    for (what, session, text, expected) in &runs {
        let (ok, out, err) = run(session, text);
        if *expected == "OK" {
            assert!(ok, "{what}: {err}");
        } else {
            assert!(
                err.starts_with(&format!("error[{expected}]")),
                "{what}: {err}"
            );
        }
        assert_no_leak(&out, &secrets, &format!("the output of {what}"));
        assert_no_leak(&err, &secrets, &format!("the error of {what}"));
    }
    // The refused copies wrote nothing; the registrar's did (and holds the numbers: a copy
    // out is what the export permission is for).
    assert!(!f.dir.path().join("clerk.csv").exists());
    assert!(!f.dir.path().join("clerk-history.csv").exists());
    assert!(f.dir.path().join("registrar.csv").exists());
    for e in f.db.audit(&AuditQuery::default()).unwrap() {
        assert_no_leak(&format!("{e:?}"), &secrets, "an entry of the operation log");
    }
}

#[test]
fn the_chain_catches_an_entry_edited_through_redb() {
    let f = city();
    let c = console(&f, "clerk");
    run(&c, &fill("GET {1}"));
    drop(c);
    assert!(f.db.audit_verify().unwrap().first_broken.is_none());
    let (_dir, path) = f.close();
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

/// The leak search itself finds each printed form (and not the masks).
#[test]
fn the_leak_search_finds_every_printed_form() {
    let numbers = my_numbers(4);
    assert!(numbers[0].starts_with('0') && !numbers[1].starts_with('0'));
    let n = &numbers[0];
    let secrets = Secrets::new().number(n).password("pw \"quoted\" 秘密");
    let wide: String = n
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
        .collect();
    for printed in [
        n.clone(),
        format!("{}-{}-{}", &n[..4], &n[4..8], &n[8..]),
        format!("x{wide}y"),
        n.trim_start_matches('0').to_string(),
        n.chars().map(String::from).collect::<Vec<_>>().join(" "),
        serde_json::json!({ "n": n }).to_string(),
        serde_json::to_string("pw \"quoted\" 秘密").unwrap(),
        wide.chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect(),
    ] {
        assert!(
            find_leak(&printed, &secrets).is_some(),
            "{printed:?} was not caught"
        );
    }
    assert_no_leak("****-****-**** 24727059608", &secrets, "masked");
}

#[test]
fn roles_without_history_see_the_register_as_it_is_today() {
    let f = city();
    let admin = console(&f, "admin");
    // 花子 dies; 太郎 is renamed, so 山田 太郎 is a former name.
    let (ok, _, err) = run(&admin, &fill("DEATH {2} ON 2024-01-10"));
    assert!(ok, "{err}");
    let (ok, _, err) = run(
        &admin,
        &fill("RENAME {1} name='佐藤 太郎' kana='サトウ タロウ' ON 2024-02-01"),
    );
    assert!(ok, "{err}");
    // A clerk (history) sees both, the dead one as removed and by a former name.
    let clerk = console(&f, "clerk");
    let (_, out, _) = run(&clerk, &fill("GET {2}"));
    assert!(out.contains("\"removed\""), "{out}");
    let (_, out, _) = run(&clerk, "FIND name='山田 太郎' address=芦屋市精道町");
    assert!(out.contains("\"current\":false"), "{out}");
    for role in ["viewer", "tax", "health"] {
        let s = console(&f, role);
        // The dead resident is nobody to them; the living one is found as they are now.
        let (ok, out, err) = run(&s, &fill("GET {2}"));
        assert!(
            !ok && err.starts_with("error[NOT_FOUND]"),
            "{role}: {out}{err}"
        );
        let (ok, out, _) = run(&s, "FIND name=ヤマダ address=芦屋市精道町");
        assert!(ok && out.trim().is_empty(), "{role} found {out}");
        let (ok, out, _) = run(&s, "FIND name='山田 太郎' address=芦屋市精道町");
        assert!(
            ok && out.trim().is_empty(),
            "{role} found by a former name: {out}"
        );
        let (ok, out, err) = run(&s, "FIND name=サトウ address=芦屋市精道町");
        assert!(ok, "{role}: {err}");
        assert_eq!(out.lines().count(), 1, "{role}: {out}");
        assert!(
            out.contains("active"),
            "{role}: every answer says the status: {out}"
        );
        // Nor the past.
        for past in [
            fill("GET {1} AS OF 2023-01-01"),
            "FIND name=ヤマダ address=芦屋市精道町 AS OF 2023-01-01".to_string(),
        ] {
            let (ok, _, err) = run(&s, &past);
            assert!(
                !ok && err.starts_with("error[PERMISSION_DENIED]"),
                "{role}: {past}: {err}"
            );
        }
    }
}

/// The auditor reads who did what, when, to which residents and how it ended, but no
/// resident's name, reading, birth date or address: not in a 異動's text, a search's, a
/// statement that did not parse, nor a comment. An administrator reads the texts whole.
#[test]
fn the_auditor_reads_the_log_without_personal_data() {
    let f = city();
    let clerk = console(&f, "clerk");
    for s in [
        "FIND name='山田 太郎' birth=1980-04-01",
        "RENAME {1} name='佐藤 一郎' kana='サトウ イチロウ' ON 2024-02-01",
        "MOVE HOUSEHOLD 100 address=芦屋市打出町2-3 ON 2025-01-01",
        "FND 山田 花子 1980-04-01 芦屋市精道町",
        "GET {2} -- 山田 花子 S55.4.1",
    ] {
        run(&clerk, &fill(s));
    }
    let personal = [
        "山田",
        "ヤマダ",
        "佐藤",
        "サトウ",
        "イチロウ",
        "1980",
        "S55",
        "芦屋",
        "精道町",
        "打出町",
    ];
    let (ok, out, err) = run(&console(&f, "auditor"), "AUDIT LIMIT 1000");
    assert!(ok, "{err}");
    for word in personal {
        assert!(!out.contains(word), "the auditor reads {word}: {out}");
    }
    // What the auditor still learns: the kind, the resident codes and the outcome.
    let rename = out
        .lines()
        .find(|l| l.contains("\"kind\":\"RENAME\""))
        .expect("the RENAME is listed");
    assert!(
        rename.contains(&format!("\"codes\":\"{}\"", code(1)))
            && rename.contains("\"outcome\":\"OK\"")
            && rename.contains("\"operator\":\"clerk\"")
            && rename.contains("RENAME **** name=**** kana=**** ON ****"),
        "{rename}"
    );
    let (ok, out, err) = run(&console(&f, "admin"), "AUDIT LIMIT 1000");
    assert!(ok, "{err}");
    assert!(out.contains("name='佐藤 一郎'"), "{out}");
}

/// A statement's text reaches the log printable: a newline or an escape code typed into a
/// statement (one that does not even parse) can neither forge an AUDIT row nor reach the
/// reader's terminal as a control sequence, in any output format (each prints the cells).
#[test]
fn control_characters_in_a_statement_are_logged_and_shown_escaped() {
    let f = city();
    let clerk = console(&f, "clerk");
    let forged = "GET '\u{1b}[31mx\n| 99 | admin | SIGN IN | OK\u{202e}'";
    let (ok, _, _) = run(&clerk, forged);
    assert!(!ok);
    run(
        &clerk,
        "FIND name='\u{7}ヤマダ' address=芦屋市精道町\tbirth=1980-04-01",
    );
    f.juki.flush_log().unwrap();
    let admin = console(&f, "admin");
    let outputs = admin.run("AUDIT LIMIT 1000").unwrap();
    let Output::Rows(rows) = &outputs[0] else {
        panic!("AUDIT gives rows")
    };
    let mut seen = 0;
    for row in &rows.rows {
        for cell in row {
            let text = cell.text();
            assert!(
                !text.chars().any(|c| c.is_control() || c == '\u{202e}'),
                "{text:?}"
            );
            seen += usize::from(text.contains("\\u{1b}[31mx\\u{a}| 99 |"));
        }
    }
    assert_eq!(seen, 1, "the forged text is there, escaped: {rows:?}");
    // The log itself keeps it so: the stored entries, read past juki.
    drop((clerk, admin));
    let (_dir, path) = f.close();
    let raw = juki::testing::crypt::open_plain_redb(&path).unwrap();
    let txn = redb::ReadableDatabase::begin_read(&raw).unwrap();
    let table = txn
        .open_table(redb::TableDefinition::<u64, &[u8]>::new("audit"))
        .unwrap();
    let stored: Vec<u8> = redb::ReadableTable::iter(&table)
        .unwrap()
        .flat_map(|e| e.unwrap().1.value().to_vec())
        .collect();
    let holds = |s: &str| stored.windows(s.len()).any(|w| w == s.as_bytes());
    assert!(!holds("\u{1b}[31mx\n| 99 |") && !holds("\u{7}ヤマダ"));
    assert!(holds("\\u{1b}[31mx\\u{a}| 99 |") && holds("\\u{7}ヤマダ"));
}
