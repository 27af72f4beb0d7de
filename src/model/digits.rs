//! Reading digit strings as people type them: full-width digits, spaces and hyphens.

/// Whether `c` is a separator that digit input may contain: a space or any hyphen or dash.
fn is_digit_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{3000}'
            | '-'
            | '\u{2010}' // ‐ hyphen
            | '\u{2011}' // ‑ non-breaking hyphen
            | '\u{2012}' // ‒ figure dash
            | '\u{2013}' // – en dash
            | '\u{2014}' // — em dash
            | '\u{2015}' // ― horizontal bar
            | '\u{2212}' // − minus sign
            | '\u{30FC}' // ー katakana long vowel mark
            | '\u{FF0D}' // － full-width hyphen-minus
            | '\u{FF70}' // ｰ half-width long vowel mark
    )
}

/// Normalises `input` to a string of ASCII digits.
///
/// Applies NFKC (so full-width digits become ASCII), removes spaces (ASCII and U+3000) and
/// hyphens or dashes of every kind, and then requires that only ASCII digits remain. The error
/// names the first offending character and its 1-based position in the normalised text.
pub(crate) fn ascii_digits(input: &str) -> Result<String, String> {
    let normalised: String = super::text::nfkc(input).collect();
    let mut out = String::with_capacity(normalised.len());
    for (i, c) in normalised.chars().enumerate() {
        if c.is_ascii_digit() {
            out.push(c);
        } else if !is_digit_separator(c) {
            return Err(format!("unexpected character {c:?} at position {}", i + 1));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_separators_and_full_width() {
        assert_eq!(ascii_digits("1234-5678-9018").unwrap(), "123456789018");
        assert_eq!(ascii_digits("1234 5678 9018").unwrap(), "123456789018");
        assert_eq!(
            ascii_digits("１２３４５６７８９０１８").unwrap(),
            "123456789018"
        );
        assert_eq!(ascii_digits("12\u{3000}34ー56－78−9").unwrap(), "123456789");
        assert_eq!(ascii_digits("1‐2‑3–4—5").unwrap(), "12345");
        assert_eq!(ascii_digits("").unwrap(), "");
    }

    #[test]
    fn names_the_bad_character() {
        assert_eq!(
            ascii_digits("12x4").unwrap_err(),
            "unexpected character 'x' at position 3"
        );
        assert!(ascii_digits("12.4").is_err());
        assert!(ascii_digits("12\t4").is_err());
    }
}
