//! My Numbers and passwords planted in random statements, and the search for them in any
//! text: shared by the redaction's property tests (the redaction itself, the operation log
//! and the rendered error in tests/redaction.rs, the REPL history file in the binary).
//!
//! A planted number is a valid My Number (random first eleven digits, its check digit by
//! docs/domain.md, computed here independently of the crate), then maybe mistyped by one
//! edit (a digit changed, dropped or added, two neighbours swapped), written in one of the
//! accepted forms (ASCII, full-width, 4-4-4 with hyphens, spaces, ideographic spaces or
//! full-width hyphens). It is searched for in every form and as an integer.
#![allow(dead_code)]

use proptest::prelude::*;

/// The My Number check digit of the first eleven digits (weights 6 5 4 3 2 7 6 5 4 3 2;
/// r = Σ mod 11; 0 if r ≤ 1, else 11 − r).
pub fn check_digit(first: &[u8; 11]) -> u8 {
    const WEIGHTS: [u32; 11] = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let r = first
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum::<u32>()
        % 11;
    if r <= 1 {
        0
    } else {
        (11 - r) as u8
    }
}

/// A valid My Number from its first eleven digits.
pub fn valid(first: [u8; 11]) -> [u8; 12] {
    let mut d = [0u8; 12];
    d[..11].copy_from_slice(&first);
    d[11] = check_digit(&first);
    d
}

/// The digits with one edit: 0 none, 1 a digit changed, 2 one dropped, 3 one added, 4 two
/// neighbours swapped.
pub fn edited(d: [u8; 12], edit: u8, at: usize, digit: u8) -> Vec<u8> {
    let mut v = d.to_vec();
    match edit % 5 {
        1 => v[at % 12] = (v[at % 12] + 1 + digit % 9) % 10,
        2 => {
            v.remove(at % 12);
        }
        3 => v.insert(at % 13, digit % 10),
        4 => v.swap(at % 11, at % 11 + 1),
        _ => {}
    }
    v
}

/// The number of forms [`written`] knows.
pub const FORMS: u8 = 6;

/// The digits in form `form`: ASCII, full-width, 4-4-4 with hyphens, with spaces, with
/// ideographic spaces, full-width with full-width hyphens.
pub fn written(digits: &[u8], form: u8) -> String {
    let ascii = |d: u8| char::from(b'0' + d);
    let wide = |d: u8| char::from_u32('０' as u32 + u32::from(d)).unwrap();
    let (digit, sep): (&dyn Fn(u8) -> char, &str) = match form % FORMS {
        0 => (&ascii, ""),
        1 => (&wide, ""),
        2 => (&ascii, "-"),
        3 => (&ascii, " "),
        4 => (&ascii, "\u{3000}"),
        _ => (&wide, "－"),
    };
    let mut s = String::new();
    for (i, &d) in digits.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            s.push_str(sep);
        }
        s.push(digit(d));
    }
    s
}

/// A statement with a number or a password (or both) planted in it.
#[derive(Debug, Clone)]
pub struct Planted {
    /// The statement text.
    pub text: String,
    /// The digits planted, if a number was.
    pub digits: Option<Vec<u8>>,
    /// The password planted, if one was.
    pub password: Option<String>,
}

/// The statement templates: `{n}` stands for the number, `{p}` for the password, `{x}` for
/// a few letters.
pub const TEMPLATES: &[&str] = &[
    "GET MYNUMBER {n}",
    "MOVE IN 2472705960 my_number='{n}' name=山田 ON R2.4.1",
    "FIND name={x}{n}y birth=1980-04-01",
    "GET 1 -- {n}\n",
    "HISTORY {n}",
    "FIND name='{n}",
    "SHOW MYNUMBER {n}",
    "CREATE OPERATOR sato ROLE clerk PASSWORD '{p}' {n}",
    "CREATE OPERATOR sato ROLE clerk PASS {p}",
    "{p}",
    "{p}; GET 1",
    "FIND name='{n} -- pw {p}",
    "CREATE OPERATOR sato ROLE clerk PASSWORD 'x' '{p}'",
    "CREATE OPERATOR sato PASSWORD '{p} ROLE clerk",
    "SET PASSWORD {p}",
    "CREATE OPERATOR sato ROLE clerk password={p} -- {n}",
];

/// A password: 12 to 21 letters, digits and signs, not a statement's first word.
pub fn password() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9!#%&*+]{11,20}".prop_filter("not a statement word", |p| {
        let l = p.to_ascii_lowercase();
        !l.contains("role")
            && !l.starts_with("pass")
            && ![
                "get",
                "find",
                "history",
                "household",
                "show",
                "stats",
                "changes",
                "move",
                "birth",
                "death",
                "correct",
                "change",
                "cancel",
                "confirm",
                "create",
                "disable",
                "unlock",
                "password",
                "list",
                "audit",
                "export",
                "verify",
                "check",
                "backup",
                "compact",
                "load",
                "help",
                "quit",
                "exit",
            ]
            .contains(&l.as_str())
    })
}

/// Statements with a planted number or password.
pub fn planted() -> impl Strategy<Value = Planted> {
    (
        proptest::array::uniform11(0u8..10),
        (0u8..5, 0usize..13, 0u8..10, 0u8..FORMS),
        0..TEMPLATES.len(),
        password(),
        "[a-zA-Z山田]{0,3}",
    )
        .prop_map(
            |(first, (edit, at, digit, form), template, password, letters)| {
                let digits = edited(valid(first), edit, at, digit);
                let t = TEMPLATES[template];
                let text = t
                    .replace("{n}", &written(&digits, form))
                    .replace("{p}", &password)
                    .replace("{x}", &letters);
                Planted {
                    text,
                    digits: t.contains("{n}").then_some(digits),
                    password: t.contains("{p}").then_some(password),
                }
            },
        )
}

/// Whether the digits a haystack holds in any form, or the password, are in `haystack`:
/// what was found, if so. A run of eleven digits or more of any kind counts too.
pub fn leak(haystack: &str, p: &Planted) -> Option<String> {
    if let Some(pw) = &p.password {
        if haystack.contains(pw.as_str()) {
            return Some(pw.clone());
        }
    }
    if let Some(digits) = &p.digits {
        let mut forms: Vec<String> = (0..FORMS).map(|f| written(digits, f)).collect();
        let integer: u64 = digits.iter().fold(0, |n, &d| n * 10 + u64::from(d));
        if integer >= 10_000_000 {
            forms.push(integer.to_string());
        }
        if let Some(f) = forms.into_iter().find(|f| haystack.contains(f.as_str())) {
            return Some(f);
        }
    }
    let mut run = 0;
    for c in haystack.chars() {
        if c.is_ascii_digit() || ('０'..='９').contains(&c) {
            run += 1;
            if run >= 11 {
                return Some(format!("a run of 11 digits in {haystack:?}"));
            }
        } else if !(c.is_whitespace() || matches!(c, '-' | '－')) {
            run = 0;
        }
    }
    None
}
