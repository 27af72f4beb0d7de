//! Redaction of statement text before it is kept anywhere (the REPL's history file, the
//! operation log): every My Number and every password typed in a statement is replaced.
//!
//! A My Number is recognised by what it is, not where it stands: any value that is 12
//! digits with a valid check digit (in any of the accepted forms) is replaced, so a number
//! typed in an unexpected place is caught too. A password is the value after `PASSWORD`.

use super::lexer::{tokenize, TokenKind};
use crate::model::MyNumber;

/// What a redacted value is replaced with.
pub const MASK: &str = "****";

/// The statement text with My Numbers and passwords replaced by [`MASK`]. Text that does
/// not tokenize (an open quote) is redacted from the open quote on, and any run of digits
/// that forms a valid My Number is masked all the same.
pub fn redact(text: &str) -> String {
    let tokens = match tokenize(text) {
        Ok(t) => t,
        Err(e) => {
            // Keep what precedes the unreadable part, redacted; drop the rest.
            let cut = e.span.start.min(text.len());
            let cut = (0..=cut)
                .rev()
                .find(|i| text.is_char_boundary(*i))
                .unwrap_or(0);
            return format!("{}{MASK}", redact(&text[..cut]));
        }
    };
    let mut spans = Vec::new();
    let mut after_password = false;
    for t in &tokens {
        let value = match &t.kind {
            TokenKind::Word(w) | TokenKind::String(w) => Some(w.as_str()),
            _ => None,
        };
        if let Some(v) = value {
            if after_password || MyNumber::parse(v).is_ok() {
                spans.push(t.span);
            }
            after_password = v.eq_ignore_ascii_case("password") || v == "パスワード";
        } else if !matches!(t.kind, TokenKind::Equals) {
            after_password = false;
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in spans {
        out.push_str(&text[at..s.start]);
        out.push_str(MASK);
        at = s.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn my_numbers_in_any_form_and_place_are_masked() {
        assert_eq!(redact("GET MYNUMBER 123456789018"), "GET MYNUMBER ****");
        assert_eq!(
            redact("MOVE IN 24727059608 my_number='1234 5678 9018' name=山田 ON R2.4.1"),
            "MOVE IN 24727059608 my_number=**** name=山田 ON R2.4.1"
        );
        assert_eq!(
            redact("CORRECT 24727059608 個人番号=１２３４５６７８９０１８ ON R2.4.1"),
            "CORRECT 24727059608 個人番号=**** ON R2.4.1"
        );
        // A resident code or a 12-digit number with a wrong check digit stays.
        assert_eq!(redact("GET 24727059608"), "GET 24727059608");
        assert_eq!(
            redact("GET MYNUMBER 123456789019"),
            "GET MYNUMBER 123456789019"
        );
    }

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            redact("CREATE OPERATOR sato ROLE clerk PASSWORD 'correct horse'"),
            "CREATE OPERATOR sato ROLE clerk PASSWORD ****"
        );
    }

    #[test]
    fn unreadable_text_is_cut_at_the_open_quote() {
        assert_eq!(
            redact("CREATE OPERATOR a ROLE b PASSWORD 'secret"),
            "CREATE OPERATOR a ROLE b PASSWORD ****"
        );
    }
}
