//! The redaction's rules, one test each, and a property test that planted My Numbers (in
//! every accepted form, and one edit away) and passwords never survive it.

use super::*;
use crate::model::MyNumber;
use proptest::prelude::*;

#[test]
fn valid_my_numbers_in_any_form_and_place_are_masked() {
    assert_eq!(redact("GET MYNUMBER 123456789018"), "GET MYNUMBER ****");
    assert_eq!(
        redact("MOVE IN 2472705960 my_number='1234 5678 9018' name=山田 ON R2.4.1"),
        "MOVE IN 2472705960 my_number='****' name=山田 ON R2.4.1"
    );
    assert_eq!(
        redact("CORRECT 2472705960 個人番号=１２３４５６７８９０１８ ON R2.4.1"),
        "CORRECT 2472705960 個人番号=**** ON R2.4.1"
    );
    for planted in [
        "1234-5678-9018",
        "1234　5678　9018",
        "１２３４－５６７８－９０１８",
        "1234\u{200B}5678\u{200B}9018",
    ] {
        assert_eq!(
            redact(&format!("GET MYNUMBER {planted}")),
            "GET MYNUMBER ****"
        );
    }
    assert_eq!(redact("FIND name=x123456789018y"), "FIND name=x****y");
    assert_eq!(redact("FIND name=山田123456789018"), "FIND name=山田****");
    assert_eq!(
        redact("GET 1 -- her number is 1234 5678 9018\n"),
        "GET 1 -- her number is ****\n"
    );
    assert_eq!(redact("FIND name='123456789018"), "FIND name='****");
}

#[test]
fn every_number_one_edit_from_a_valid_one_is_masked() {
    // 123456789018 is valid: changed, dropped, added and swapped digits.
    for typo in [
        "123456789019",
        "12345678901",
        "1234567890189",
        "213456789018",
    ] {
        assert_eq!(redact(&format!("GET {typo}")), "GET ****", "{typo}");
    }
    // A resident code is 11 digits too: masked (see the module documentation).
    assert_eq!(redact("GET 24727059608"), "GET ****");
}

#[test]
fn short_numbers_stay() {
    for kept in [
        "GET 2472705960 AS OF 2024-07-01",
        "MOVE 2472705960 address=芦屋市打出町2-3 postal=659-0012 ON R6.7.1",
        "CHANGES SINCE 1000000 LIMIT 100",
        "HOUSEHOLD 123456789 AS OF 令和6年7月1日",
    ] {
        assert_eq!(redact(kept), kept);
    }
}

#[test]
fn passwords_after_a_password_word_are_masked() {
    for (typed, logged) in [
        (
            "CREATE OPERATOR sato ROLE clerk PASSWORD 'correct horse'",
            "CREATE OPERATOR sato ROLE clerk PASSWORD ****",
        ),
        (
            "CREATE OPERATOR sato ROLE clerk PASSWORD 'one' 'two'",
            "CREATE OPERATOR sato ROLE clerk PASSWORD ****",
        ),
        (
            "CREATE OPERATOR sato PASSWORD 'it''s mine' ROLE clerk",
            "CREATE OPERATOR sato PASSWORD **** ROLE clerk",
        ),
        (
            "CREATE OPERATOR sato ROLE clerk PASS hunter2",
            "CREATE OPERATOR sato ROLE clerk PASS ****",
        ),
        (
            "CREATE OPERATOR sato ROLE clerk pasword=hunter2",
            "CREATE OPERATOR sato ROLE clerk pasword=****",
        ),
        ("PASSWORD hunter2", "PASSWORD ****"),
        ("PASSWORD pw:hunter2", "PASSWORD ****"),
        ("GET 1 -- pw:hunter2", "GET 1 -- pw:****"),
        (
            "CREATE OPERATOR a ROLE b パスワード＝秘密",
            "CREATE OPERATOR a ROLE b パスワード＝****",
        ),
        (
            "CREATE OPERATOR a ROLE b PASSWORD 'secret",
            "CREATE OPERATOR a ROLE b PASSWORD ****",
        ),
        (
            "CREATE OPERATOR a ROLE b PASSWORD\n'secret'; GET 1",
            "CREATE OPERATOR a ROLE b PASSWORD\n****; GET 1",
        ),
    ] {
        assert_eq!(redact(typed), logged, "{typed}");
    }
}

#[test]
fn text_that_is_not_a_statement_is_masked() {
    for (typed, logged) in [
        ("hunter2", "****"),
        ("'hunter2'", "****"),
        ("FIDN", "****"),
        ("GET 1; Tr0ub4dor&3", "GET 1; ****"),
        ("correct-horse battery staple", "****"),
        ("hunter2 -- oops", "**** -- oops"),
    ] {
        assert_eq!(redact(typed), logged, "{typed}");
    }
    // Statements, their aliases, meta commands and near misses with arguments stay.
    for kept in [
        "GET 1",
        "照会 1",
        "PASSWORD",
        "help",
        "\\timing",
        "quit",
        "GTE 1",
        "FIDN name=山田 birth=1980-04-01",
        "",
    ] {
        assert_eq!(redact(kept), kept);
    }
}

#[test]
fn spans_map_through_the_masks() {
    let text = "GET MYNUMBER 123456789018 extra";
    let r = Redaction::of(text);
    assert_eq!(r.text(), "GET MYNUMBER **** extra");
    let at = |s: &str| text.find(s).unwrap();
    // After a mask: shifted; inside one: the whole mask; before one: as is.
    assert_eq!(
        r.map_span(Span::new(at("extra"), text.len())),
        Span::new(18, 23)
    );
    assert_eq!(
        r.map_span(Span::new(at("5678"), at("5678") + 4)),
        Span::new(13, 17)
    );
    assert_eq!(r.map_span(Span::new(4, 12)), Span::new(4, 12));
    assert_eq!(r.map_span(Span::at(text.len())), Span::at(23));
}

#[test]
fn scrub_takes_masked_words_out_of_messages() {
    let r = Redaction::of("CREATE OPERATOR a ROLE b PASSWORD 'one' 'two-secret'");
    assert_eq!(
        r.scrub("unexpected the string 'two-secret'"),
        "unexpected the string '****'"
    );
    let r = Redaction::of("hunter2");
    assert_eq!(
        r.scrub("unknown statement 'hunter2'"),
        "unknown statement '****'"
    );
    let long = "x".repeat(40);
    let r = Redaction::of(&long);
    assert_eq!(
        r.scrub(&format!("unknown statement '{}…'", &long[..32])),
        "unknown statement '****…'"
    );
    // A masked number goes in the form typed and in ASCII; other numbers stay.
    let r = Redaction::of("GET １２３４５６７８９０１");
    assert_eq!(
        r.scrub("resident 12345678901 not found; write GET １２３４５６７８９０１"),
        "resident **** not found; write GET ****"
    );
    assert_eq!(
        r.scrub("resident 24727059608 moved"),
        "resident 24727059608 moved"
    );
    // A word that only contains a masked word is left.
    let r = Redaction::of("abc");
    assert_eq!(r.scrub("abcd 'abc'"), "abcd '****'");
}

#[test]
fn a_long_hostile_statement_is_redacted_in_one_pass() {
    // 64 KiB of password words, ROLE clauses, digits and open quotes.
    let text = "CREATE PASSWORD a ROLE 1234 5678 ; pw:x '9012 ".repeat(1400);
    let started = std::time::Instant::now();
    let out = redact(&text);
    // After the first statement each is a quote and a pw: word, masked whole.
    assert!(out.starts_with("CREATE PASSWORD **** ROLE 1234 5678 ; **** ; ****"));
    assert!(!out.contains("9012") && !out.contains("pw:x"));
    // Generous: it takes milliseconds; quadratic work would take far longer.
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

// ---- the property ----

#[path = "../../../tests/planted/mod.rs"]
mod planted;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// No planted number or password survives the redaction, nor the scrubbing of a
    /// message that quotes them.
    #[test]
    fn planted_numbers_and_passwords_never_survive(p in planted::planted()) {
        let r = Redaction::of(&p.text);
        prop_assert!(planted::leak(r.text(), &p).is_none(), "{:?} → {}", p.text, r.text());
        let mut message = String::from("unexpected");
        if let Some(pw) = &p.password {
            message.push_str(&format!(" the string '{pw}'"));
        }
        if let Some(d) = &p.digits {
            // A message quotes a word as typed, or writes an identifier in ASCII.
            message.push_str(&format!("; resident {} not found", planted::written(d, 0)));
            let typed = (0..planted::FORMS)
                .map(|f| planted::written(d, f))
                .find(|f| p.text.contains(f.as_str()));
            if let Some(typed) = typed {
                message.push_str(&format!("; write GET {typed}"));
            }
        }
        let scrubbed = r.scrub(&message);
        prop_assert!(planted::leak(&scrubbed, &p).is_none(), "{:?}: {scrubbed}", p.text);
    }

    #[test]
    fn the_planted_numbers_are_valid_by_the_crates_rule(first in proptest::array::uniform11(0u8..10)) {
        let text: String = planted::valid(first).iter().map(|&d| char::from(b'0' + d)).collect();
        prop_assert!(MyNumber::parse(&text).is_ok(), "{text}");
    }
}
