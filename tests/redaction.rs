//! The one redaction, end to end: My Numbers (valid, in every accepted form, one edit off)
//! and passwords planted in random statements run through a signed-in session are found
//! neither in the operation log nor in the error a console prints for them (message, line
//! and hint). The REPL history file has its own such test (src/repl/history.rs), and the
//! redaction itself its rules (src/query/redact/tests.rs).

mod common;
mod planted;

use common::leaks::{find_leak, Secrets};
use common::*;
use juki::{AuditQuery, Session};
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// What a console prints for the statement: nothing when it ran, else the message and the
/// rendered line with its caret and hint.
fn run(session: &Session, text: &str) -> String {
    let failed = match session.prepare(text) {
        Err(e) => Some(e),
        Ok(statements) => statements.iter().find_map(|s| session.execute(s).err()),
    };
    match failed {
        Some(e) => format!(
            "error[{}]: {}\n{}",
            e.code(),
            e.message_for(text),
            e.render(text)
        ),
        None => String::new(),
    }
}

#[test]
fn planted_numbers_and_passwords_reach_neither_the_log_nor_an_error() {
    let f = Fixture::new();
    let admin = f.juki.sign_in(ADMIN, PASSWORD, "counter-3").unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 192,
        ..Config::default()
    });
    let seen = std::cell::Cell::new(0usize);
    runner
        .run(&planted::planted(), |p| {
            let printed = run(&admin, &p.text);
            // A number of 12 digits (valid or one digit changed) and the password, in every
            // printed form the shared search knows.
            let mut secrets = Secrets::new();
            if let Some(d) = p.digits.as_ref().filter(|d| d.len() == 12) {
                secrets =
                    secrets.number(&d.iter().map(|d| char::from(b'0' + d)).collect::<String>());
            }
            if let Some(pw) = &p.password {
                secrets = secrets.password(pw);
            }
            if let Some(found) = find_leak(&printed, &secrets) {
                return Err(TestCaseError::fail(format!(
                    "{:?}: the error shows {found}:\n{printed}",
                    p.text
                )));
            }
            if let Some(found) = planted::leak(&printed, &p) {
                return Err(TestCaseError::fail(format!(
                    "{:?}: the error shows {found}:\n{printed}",
                    p.text
                )));
            }
            let log = admin.audit(&AuditQuery::default()).unwrap();
            for e in &log[seen.get().min(log.len())..] {
                if let Some(found) = find_leak(&format!("{e:?}"), &secrets) {
                    return Err(TestCaseError::fail(format!(
                        "{:?}: the log holds {found}: {e:?}",
                        p.text
                    )));
                }
                for field in [&e.text, &e.operator, &e.kind, &e.outcome] {
                    if let Some(found) = planted::leak(field, &p) {
                        return Err(TestCaseError::fail(format!(
                            "{:?}: the log holds {found}: {e:?}",
                            p.text
                        )));
                    }
                }
            }
            seen.set(log.len());
            Ok(())
        })
        .unwrap();
}

#[test]
fn an_error_shows_the_redacted_line_with_the_caret_under_the_token() {
    let f = Fixture::new();
    let admin = f.juki.sign_in(ADMIN, PASSWORD, "counter-3").unwrap();
    // The My Number is masked; the caret stands under the offending word after it.
    let text = "GET MYNUMBER '1234 5678 9018' extra";
    let printed = run(&admin, text);
    assert!(
        printed.ends_with("GET MYNUMBER '****' extra\n                    ^^^^^\nhint: usage: GET MYNUMBER <my number>"),
        "{printed}"
    );
    // Unquoted, its second group is the offending token: the caret is under the mask and
    // the message quotes the mask.
    let printed = run(&admin, "GET MYNUMBER 1234 5678 9018 extra");
    assert!(
        printed.starts_with(
            "error[SYNTAX]: unexpected '****'\nGET MYNUMBER **** extra\n             ^^^^\n"
        ),
        "{printed}"
    );
    // A password typed at the statement prompt is neither echoed nor logged.
    let printed = run(&admin, "Tr0ub4dor&3horse");
    assert!(!printed.contains("Tr0ub4dor"), "{printed}");
    assert!(printed.contains("****"), "{printed}");
    let log = admin.audit(&AuditQuery::default()).unwrap();
    assert!(log.iter().all(|e| !e.text.contains("Tr0ub4dor")));
    // The caret under a masked number covers its mask.
    let text = "GET MYNUMBER 1234-5678-9019";
    let printed = run(&admin, text);
    assert!(
        printed.contains("GET MYNUMBER ****\n             ^^^^"),
        "{printed}"
    );
    assert!(!printed.contains("9019"), "{printed}");
}

/// The statements fuzzing found slow (fuzz/slow/query_parse): the redaction of their error
/// messages once multiplied a mask's `*` by every copy of a secret `*`, to hundreds of
/// megabytes. Each error now renders as a text of about the statement's size.
#[test]
fn an_error_about_a_statement_full_of_masks_stays_its_size() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/slow/query_parse");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if let Err(e) = juki::testing::parse(text) {
            let rendered = e.render(text);
            assert!(
                rendered.len() < 16 * text.len() + 1024,
                "{} bytes of error for {} bytes of statement",
                rendered.len(),
                text.len()
            );
            seen += 1;
        }
    }
    assert!(seen > 0, "the slow statements are syntax errors");
    // The same by construction: a password of stars, many times.
    let text = format!(
        "CREATE OPERATOR a ROLE clerk PASSWORD {} (",
        "* ".repeat(200)
    );
    let e = juki::testing::parse(&text).unwrap_err();
    let rendered = e.render(&text);
    assert!(
        rendered.len() < 16 * text.len() + 1024,
        "{}",
        rendered.len()
    );
}
