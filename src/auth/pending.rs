//! An operation-log entry before it has its place in the chain ([`PendingEntry`]), built on
//! the caller's thread for every read. It is made to cost no allocation there: the operator
//! and terminal are the session's [`Signer`], shared; a lookup's text is kept as its key
//! ([`EntryText::Code`]) and written out when the entry is committed; one resident code is
//! held inline ([`Codes::One`]). What the log stores is the same either way.

use crate::model::{Date, ResidentCode};
use std::borrow::Cow;
use std::sync::Arc;

/// Whom entries are logged for: the operator (as given, for a failed sign-in) and the
/// terminal. A session makes one and every entry it logs shares it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Signer {
    pub operator: String,
    pub terminal: String,
}

impl Signer {
    /// The operator and terminal as the log keeps them: printable and bounded
    /// ([`loggable`]), whatever a failed sign-in typed.
    pub fn new(operator: &str, terminal: &str) -> Arc<Signer> {
        Arc::new(Signer {
            operator: loggable(operator),
            terminal: loggable(terminal),
        })
    }
}

/// The most characters of an operator id or terminal name the log keeps.
pub(crate) const MAX_SIGNER_CHARS: usize = 64;

/// `s` as the log may keep it: control characters (newlines, escape codes, …) written as
/// `\u{..}` escapes, so that no entry can forge a row or change a terminal's colours, and
/// at most [`MAX_SIGNER_CHARS`] characters, the rest counted (`…(+N bytes)`), so that what
/// one failed sign-in adds to the file is bounded. Valid ids and terminal names pass
/// unchanged.
pub(crate) fn loggable(s: &str) -> String {
    escaped(s, MAX_SIGNER_CHARS)
}

/// `s` with every control and bidirectional-override character written as a `\u{..}`
/// escape ([`loggable`] without the bound): how a statement's text is logged and how AUDIT
/// shows any text of an entry, whatever an older file holds. Text without such characters
/// passes unchanged, so escaping twice is escaping once.
pub(crate) fn printable(s: &str) -> Cow<'_, str> {
    if s.chars().any(unprintable) {
        Cow::Owned(escaped(s, usize::MAX))
    } else {
        Cow::Borrowed(s)
    }
}

fn unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escaped(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars.saturating_mul(4)));
    for (n, (i, c)) in s.char_indices().enumerate() {
        if n == max_chars {
            out.push_str(&format!("…(+{} bytes)", s.len() - i));
            break;
        }
        if unprintable(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The text of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EntryText {
    /// Any text.
    Owned(String),
    /// A fixed text.
    Fixed(&'static str),
    /// `{prefix}{code}`, with ` AS OF {date}` when a date is given: the text of a lookup by
    /// resident code, the same as `format!("{prefix}{code} AS OF {date}")` writes.
    Code {
        prefix: &'static str,
        code: ResidentCode,
        as_of: Option<Date>,
    },
}

impl EntryText {
    /// Writes the text at the end of `out`.
    pub fn write_to(&self, out: &mut String) {
        match self {
            EntryText::Owned(s) => out.push_str(s),
            EntryText::Fixed(s) => out.push_str(s),
            EntryText::Code {
                prefix,
                code,
                as_of,
            } => code_text(out, prefix, *code, *as_of),
        }
    }

    /// The text as a string.
    #[cfg(test)]
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }
}

impl From<String> for EntryText {
    fn from(s: String) -> EntryText {
        EntryText::Owned(s)
    }
}

/// [`EntryText::Code`] written out, without the formatting machinery (the log thread
/// writes one for nearly every entry).
fn code_text(out: &mut String, prefix: &str, code: ResidentCode, date: Option<Date>) {
    fn digits(out: &mut String, mut v: u64, width: usize) {
        let mut buf = [b'0'; 20];
        let mut i = buf.len();
        while v > 0 || buf.len() - i < width {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        out.extend(buf[i..].iter().map(|&b| b as char));
    }
    out.push_str(prefix);
    digits(out, code.get(), 11);
    if let Some(d) = date {
        let v = d.to_yyyymmdd();
        let year = v / 10_000;
        if (1..=9999).contains(&year) {
            out.push_str(" AS OF ");
            digits(out, u64::from(year), 4);
            out.push('-');
            digits(out, u64::from(v / 100 % 100), 2);
            out.push('-');
            digits(out, u64::from(v % 100), 2);
        } else {
            out.push_str(&format!(" AS OF {d}"));
        }
    }
}

/// The resident codes an entry names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Codes {
    /// One code (a lookup's answer), held inline.
    One(u64),
    /// Any number of codes.
    Many(Vec<u64>),
}

impl Codes {
    /// No code.
    pub const NONE: Codes = Codes::Many(Vec::new());

    pub fn as_slice(&self) -> &[u64] {
        match self {
            Codes::One(c) => std::slice::from_ref(c),
            Codes::Many(v) => v,
        }
    }
}

impl FromIterator<u64> for Codes {
    fn from_iter<I: IntoIterator<Item = u64>>(iter: I) -> Codes {
        Codes::Many(iter.into_iter().collect())
    }
}

impl From<Vec<u64>> for Codes {
    fn from(v: Vec<u64>) -> Codes {
        Codes::Many(v)
    }
}

/// An entry before it has its place in the chain. The kind and outcome are almost always
/// fixed texts, so they are borrowed when they can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingEntry {
    pub time: i64,
    pub signer: Arc<Signer>,
    pub kind: Cow<'static, str>,
    pub text: EntryText,
    pub outcome: Cow<'static, str>,
    pub codes: Codes,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_text(prefix: &'static str, code: ResidentCode, as_of: Option<Date>) -> String {
        EntryText::Code {
            prefix,
            code,
            as_of,
        }
        .to_text()
    }

    #[test]
    fn a_lookups_log_text_is_what_format_writes() {
        let code = ResidentCode::from_u64(24727059608).unwrap();
        assert_eq!(code_text("GET ", code, None), format!("GET {code}"));
        for d in ["1900-01-01", "1989-01-08", "2026-04-01", "2024-12-31"] {
            let date: Date = d.parse().unwrap();
            assert_eq!(
                code_text("GET ", code, Some(date)),
                format!("GET {code} AS OF {date}")
            );
        }
        let small = (1..10_000_000_000u64)
            .find_map(|v| ResidentCode::from_u64(v).ok())
            .unwrap();
        assert_eq!(code_text("GET ", small, None), format!("GET {small}"));
    }

    #[test]
    fn one_code_reads_as_a_slice_of_one() {
        assert_eq!(Codes::One(7).as_slice(), &[7]);
        assert!(Codes::NONE.as_slice().is_empty());
    }
}
