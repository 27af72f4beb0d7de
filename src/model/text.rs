//! Text as written on the register (names, addresses): NFKC, runs of ASCII or ideographic
//! spaces folded into one ASCII space, trimmed; no control characters; a length limit.

use super::error::InvalidValue;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// The characters of `s` in NFKC. Text already in NFKC (nearly all register text: kanji,
/// kana, ASCII) is recognised by the quick check and passed through without the
/// decompose-recompose round trip.
pub(crate) fn nfkc(s: &str) -> Nfkc<'_> {
    if s.is_ascii() || is_nfkc_quick(s.chars()) == IsNormalized::Yes {
        Nfkc::Already(s.chars())
    } else {
        Nfkc::Normalised(s.nfkc())
    }
}

/// The iterator of [`nfkc`].
pub(crate) enum Nfkc<'a> {
    Already(std::str::Chars<'a>),
    Normalised(unicode_normalization::Recompositions<std::str::Chars<'a>>),
}

impl Iterator for Nfkc<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        match self {
            Nfkc::Already(c) => c.next(),
            Nfkc::Normalised(c) => c.next(),
        }
    }
}

/// Normalises written text for `field`; refuses empty text, control characters and text of
/// more than `max_chars` characters.
pub(crate) fn written(
    input: &str,
    field: &'static str,
    max_chars: usize,
) -> Result<String, InvalidValue> {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    let mut count = 0usize;
    for c in nfkc(input) {
        if c == ' ' || c == '\u{3000}' {
            pending_space = true;
            continue;
        }
        if c.is_control() {
            return Err(InvalidValue::new(
                field,
                format!("control character U+{:04X}", c as u32),
            ));
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        pending_space = false;
        out.push(c);
        count += 1;
    }
    if out.is_empty() {
        return Err(InvalidValue::new(field, "empty"));
    }
    if count > max_chars {
        return Err(InvalidValue::new(
            field,
            format!("{count} characters, at most {max_chars} allowed"),
        ));
    }
    Ok(out)
}
