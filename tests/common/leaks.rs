//! Looking for secrets in what juki prints: every form a My Number or a password could be
//! printed in, and [`assert_no_leak`], which fails naming the place and the form found.
//!
//! The My Numbers are realistic ([`my_numbers`]: valid check digits computed here, by
//! docs/domain.md, independently of the crate; varied digits, one with a leading zero), so
//! that a leak cannot hide behind a number of mostly zeros, which many unrelated digits
//! would also match. A number is looked for as:
//! * its 12 digits, and 4-4-4 with hyphens, spaces or ideographic spaces;
//! * in full-width digits (０-９), alone or 4-4-4 with full-width hyphens;
//! * as an integer without its leading zeros (when it has them and keeps 10 digits or more);
//! * digit by digit separated by spaces;
//! * each of those as a JSON string would write it, with non-ASCII escaped (`\uff11`).
//!
//! A password is looked for as written and as a JSON string writes it.
#![allow(dead_code)]

/// The secrets a test planted: My Numbers (their 12 digits) and passwords.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    numbers: Vec<[u8; 12]>,
    passwords: Vec<String>,
}

/// The My Number check digit of the first eleven digits: weights 6 5 4 3 2 7 6 5 4 3 2,
/// r = Σ mod 11, 0 if r ≤ 1, else 11 − r.
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

/// `n` realistic, valid My Numbers (12 digits each), the same every run: no digit more than
/// three times, at least seven different digits, and the first one starts with a zero.
pub fn my_numbers(n: usize) -> Vec<String> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out: Vec<String> = Vec::new();
    while out.len() < n {
        let mut first = [0u8; 11];
        for d in first.iter_mut() {
            // A 64-bit linear congruential step (Knuth's MMIX constants); the high bits.
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            *d = ((state >> 33) % 10) as u8;
        }
        if out.is_empty() {
            first[0] = 0;
        } else if first[0] == 0 {
            continue;
        }
        let mut digits = [0u8; 12];
        digits[..11].copy_from_slice(&first);
        digits[11] = check_digit(&first);
        let mut seen = [0u8; 10];
        for d in digits {
            seen[d as usize] += 1;
        }
        let varied = seen.iter().all(|&c| c <= 3) && seen.iter().filter(|&&c| c > 0).count() >= 7;
        if varied {
            out.push(digits.iter().map(|d| char::from(b'0' + d)).collect());
        }
    }
    out
}

impl Secrets {
    pub fn new() -> Secrets {
        Secrets::default()
    }

    /// Adds a My Number, given as typed (separators and full-width digits are dropped).
    pub fn number(mut self, n: &str) -> Secrets {
        let digits: Vec<u8> = n
            .chars()
            .filter_map(|c| match c {
                '0'..='9' => Some(c as u8 - b'0'),
                '０'..='９' => Some((c as u32 - '０' as u32) as u8),
                _ => None,
            })
            .collect();
        let digits: [u8; 12] = digits
            .try_into()
            .unwrap_or_else(|d: Vec<u8>| panic!("a My Number has 12 digits, not {}", d.len()));
        self.numbers.push(digits);
        self
    }

    /// Adds a password.
    pub fn password(mut self, p: &str) -> Secrets {
        self.passwords.push(p.to_string());
        self
    }

    /// Every form to look for, each with what it is.
    pub fn forms(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut add = |what: String, form: String| {
            for (how, form) in [
                ("", form.clone()),
                (" in JSON", json(&form, false)),
                (" in JSON, escaped", json(&form, true)),
            ] {
                if !out.iter().any(|(_, f)| *f == form) {
                    out.push((format!("{what}{how}"), form));
                }
            }
        };
        for digits in &self.numbers {
            for (what, form) in number_forms(digits) {
                add(format!("a My Number {what}"), form);
            }
        }
        for p in &self.passwords {
            add("a password".to_string(), p.clone());
        }
        out
    }
}

/// A string as a JSON string writes it, quotes dropped; with `ascii`, non-ASCII escaped as
/// `\uXXXX`.
fn json(s: &str, ascii: bool) -> String {
    let quoted = serde_json::to_string(s).expect("a string");
    let inner = &quoted[1..quoted.len() - 1];
    let mut out = String::new();
    for c in inner.chars() {
        if c.is_ascii() || !ascii {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{:04x}", u));
            }
        }
    }
    out
}

/// The printed forms of one number, each with a name.
fn number_forms(digits: &[u8; 12]) -> Vec<(&'static str, String)> {
    let ascii = |d: u8| char::from(b'0' + d);
    let wide = |d: u8| char::from_u32('０' as u32 + u32::from(d)).expect("a full-width digit");
    let grouped = |digit: &dyn Fn(u8) -> char, sep: &str| {
        let mut s = String::new();
        for (i, &d) in digits.iter().enumerate() {
            if i > 0 && i % 4 == 0 {
                s.push_str(sep);
            }
            s.push(digit(d));
        }
        s
    };
    let mut forms = vec![
        ("as 12 digits", grouped(&ascii, "")),
        ("4-4-4 with hyphens", grouped(&ascii, "-")),
        ("4-4-4 with spaces", grouped(&ascii, " ")),
        ("4-4-4 with ideographic spaces", grouped(&ascii, "\u{3000}")),
        ("in full-width digits", grouped(&wide, "")),
        ("in full-width digits, 4-4-4", grouped(&wide, "－")),
        (
            "digit by digit with spaces",
            digits
                .iter()
                .map(|&d| ascii(d).to_string())
                .collect::<Vec<_>>()
                .join(" "),
        ),
    ];
    let integer = digits
        .iter()
        .fold(0u64, |n, &d| n * 10 + u64::from(d))
        .to_string();
    if integer.len() < 12 && integer.len() >= 10 {
        forms.push(("as an integer without its leading zeros", integer));
    }
    forms
}

/// The first form of a secret `haystack` holds: what it is, and a few characters around it.
pub fn find_leak(haystack: &str, secrets: &Secrets) -> Option<String> {
    let (what, form, at) = secrets
        .forms()
        .into_iter()
        .find_map(|(what, form)| haystack.find(&form).map(|at| (what, form, at)))?;
    let mut start = at.saturating_sub(60);
    while !haystack.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + form.len() + 60).min(haystack.len());
    while !haystack.is_char_boundary(end) {
        end += 1;
    }
    Some(format!("{what} ({form:?}): …{}…", &haystack[start..end]))
}

/// Fails when `haystack` holds any form of a secret, naming `place` and the form.
#[track_caller]
pub fn assert_no_leak(haystack: &str, secrets: &Secrets, place: &str) {
    if let Some(found) = find_leak(haystack, secrets) {
        panic!("{place} holds {found}");
    }
}
