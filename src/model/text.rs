//! Text as written on the register (names, addresses): NFKC, runs of ASCII or ideographic
//! spaces folded into one ASCII space, trimmed; no control characters; a length limit.

use super::error::InvalidValue;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Characters that NFKC leaves as they are and that nothing composes with: ASCII, hiragana
/// and katakana letters with the long vowel mark and the middle dot, 々 and 〇, and the CJK
/// unified ideographs with extension A. Text made only of these is in NFKC; this range
/// test is what lets nearly all register text skip the quick check's table lookups.
fn stable(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{7F}'
        | '\u{3005}' | '\u{3007}'
        | '\u{3041}'..='\u{3096}'
        | '\u{30A1}'..='\u{30FC}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}')
}

/// The characters of `s` in NFKC. Text already in NFKC (nearly all register text: kanji,
/// kana, ASCII) is recognised by [`stable`] or the quick check and passed through without
/// the decompose-recompose round trip.
pub(crate) fn nfkc(s: &str) -> Nfkc<'_> {
    if s.chars().all(stable) || is_nfkc_quick(s.chars()) == IsNormalized::Yes {
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

#[cfg(test)]
mod stable_tests {
    use super::*;

    /// Every character [`stable`] passes is one the quick check passes too, starts no
    /// reordering (combining class 0) and is its own NFKC, so text of them is in NFKC.
    #[test]
    fn the_stable_ranges_are_in_nfkc() {
        let mut n = 0;
        for c in (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| stable(c))
        {
            n += 1;
            assert_eq!(
                is_nfkc_quick(std::iter::once(c)),
                IsNormalized::Yes,
                "{c:?}"
            );
            assert_eq!(unicode_normalization::char::canonical_combining_class(c), 0);
            assert_eq!(c.to_string().nfkc().collect::<String>(), c.to_string());
        }
        assert!(n > 27_000, "{n}");
        assert!(!stable('\u{3099}') && !stable('\u{FF21}') && !stable('\u{3000}'));
        assert_eq!(nfkc("ｶﾞ１").collect::<String>(), "ガ1");
    }
}
