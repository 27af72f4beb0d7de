//! The syntax error: what went wrong, where in the statement text, and how to fix it.
//!
//! Every malformed statement becomes a [`ParseError`]; the command line prints it as
//! `error[SYNTAX]: message` followed by [`ParseError::render`], the offending line with a
//! caret under the offending token.
//!
//! What is rendered of a statement is always its redaction ([`super::redact`]): the line is
//! taken from the redacted text, the span is mapped through the masks (a caret under a
//! masked value stands under its `****`), and the hint is scrubbed of what was masked.

use unicode_width::UnicodeWidthChar;

use super::lexer::Span;
use super::redact::Redaction;

/// A statement that could not be read: the message, the span of the offending text and,
/// where there is one, a hint on how to write it instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// What is wrong, in one line.
    pub message: String,
    /// The offending bytes of the input (empty for a position such as the end of input).
    pub span: Span,
    /// How to fix it, when that can be said.
    pub hint: Option<String>,
}

impl ParseError {
    /// The error code the command line reports syntax errors under.
    pub const CODE: &'static str = "SYNTAX";

    /// An error without a hint.
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        Self {
            message: message.into(),
            span,
            hint: None,
        }
    }

    /// The same error with `hint` attached.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The input line that holds the error, redacted, a line of carets under the offending
    /// text (as many as it takes terminal columns: a kanji takes two) and the hint if there
    /// is one, scrubbed of what the redaction masked.
    ///
    /// `input` should be the text that was parsed; any other text renders without panicking.
    pub fn render(&self, input: &str) -> String {
        let start = floor_boundary(input, self.span.start);
        let end = floor_boundary(input, self.span.end).max(start);
        let redaction = Redaction::of(input);
        let span = redaction.map_span(Span::new(start, end));
        let hint = self.hint.as_deref().map(|h| redaction.scrub(h));
        excerpt(redaction.text(), span, hint.as_deref())
    }
}

/// The line of `text` that holds `span` (on char boundaries), carets under the span, and
/// the hint.
fn excerpt(text: &str, span: Span, hint: Option<&str>) -> String {
    let (start, end) = (span.start, span.end);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);

    let mut out = String::new();
    for c in text[line_start..line_end].trim_end_matches('\r').chars() {
        out.push(if shown(c) { c } else { '\u{FFFD}' });
    }
    out.push('\n');
    for c in text[line_start..start].chars() {
        if c == '\t' {
            out.push('\t');
        } else {
            out.extend(std::iter::repeat_n(' ', width(c)));
        }
    }
    let carets: usize = text[start..end.min(line_end)].chars().map(width).sum();
    out.extend(std::iter::repeat_n('^', carets.max(1)));
    if let Some(hint) = hint {
        out.push_str("\nhint: ");
        out.push_str(hint);
    }
    out
}

/// Whether `c` is printed as itself (control characters other than tab are replaced).
fn shown(c: char) -> bool {
    c == '\t' || !c.is_control()
}

/// The terminal columns `c` takes as printed by [`ParseError::render`].
fn width(c: char) -> usize {
    if shown(c) {
        c.width().unwrap_or(0)
    } else {
        1
    }
}

/// `pos` clamped to `s` and moved back to a char boundary.
fn floor_boundary(s: &str, pos: usize) -> usize {
    let mut pos = pos.min(s.len());
    while !s.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_message() {
        let err = ParseError::new("unknown statement 'FOO'", Span::new(0, 3)).with_hint("x");
        assert_eq!(err.to_string(), "unknown statement 'FOO'");
        assert_eq!(ParseError::CODE, "SYNTAX");
    }

    #[test]
    fn caret_under_ascii_token() {
        let err = ParseError::new("m", Span::new(4, 7)).with_hint("do this");
        assert_eq!(err.render("GET abc"), "GET abc\n    ^^^\nhint: do this");
    }

    #[test]
    fn caret_under_japanese_token_counts_two_columns_per_kanji() {
        // 照会 and the full-width space take six columns; 山田 takes four.
        let input = "照会　山田";
        let err = ParseError::new("m", Span::new(9, 15));
        assert_eq!(err.render(input), "照会　山田\n      ^^^^");
    }

    #[test]
    fn picks_the_line_of_the_error() {
        let input = "GET 1\r\nFIND 名前=x\nGET 3";
        let start = input.find("名前").unwrap();
        let err = ParseError::new("m", Span::new(start, start + "名前".len()));
        assert_eq!(err.render(input), "FIND 名前=x\n     ^^^^");
    }

    #[test]
    fn empty_span_at_end_gets_one_caret() {
        let err = ParseError::new("m", Span::at(3));
        assert_eq!(err.render("GET"), "GET\n   ^");
        assert_eq!(err.render(""), "\n^");
    }

    #[test]
    fn span_over_several_lines_stops_at_the_line_end() {
        let err = ParseError::new("m", Span::new(4, 10));
        assert_eq!(err.render("GET 'ab\ncd"), "GET 'ab\n    ^^^");
    }

    #[test]
    fn tabs_and_control_characters_keep_alignment() {
        let err = ParseError::new("m", Span::new(6, 7));
        assert_eq!(err.render("\tGET a\u{0}"), "\tGET a\u{FFFD}\n\t     ^");
    }

    #[test]
    fn the_line_is_redacted_and_the_caret_follows_the_token() {
        let input = "GET MYNUMBER １２３４　５６７８　９０１８ x";
        let x = input.len() - 1;
        let err = ParseError::new("m", Span::new(x, x + 1)).with_hint("not 123456789018");
        // (the hint names the number in ASCII, as the statement held it in full width)
        assert_eq!(
            err.render(input),
            "GET MYNUMBER **** x\n                  ^\nhint: not ****"
        );
        // A span on the number covers its mask.
        let err = ParseError::new("m", Span::new(13, 20));
        assert_eq!(err.render(input), "GET MYNUMBER **** x\n             ^^^^");
        // A password typed as a statement: masked, and out of the hint.
        let err = ParseError::new("m", Span::new(0, 7)).with_hint("not hunter2");
        assert_eq!(err.render("hunter2"), "****\n^^^^\nhint: not ****");
    }

    #[test]
    fn foreign_spans_do_not_panic() {
        let err = ParseError::new("m", Span::new(1, 100));
        let _ = err.render("あい");
        let err = ParseError::new("m", Span::new(50, 10));
        let _ = err.render("abc");
    }
}
