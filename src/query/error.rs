//! The syntax error: what went wrong, where in the statement text, and how to fix it.
//!
//! Every malformed statement becomes a [`ParseError`]; the command line prints it as
//! `error[SYNTAX]: message` followed by [`ParseError::render`], the offending line with a
//! caret under the offending token.

use unicode_width::UnicodeWidthChar;

use super::lexer::Span;

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

    /// The input line that holds the error, a line of carets under the offending text (as
    /// many as it takes terminal columns: a kanji takes two) and the hint if there is one.
    ///
    /// `input` should be the text that was parsed; any other text renders without panicking.
    pub fn render(&self, input: &str) -> String {
        let start = floor_boundary(input, self.span.start);
        let end = floor_boundary(input, self.span.end).max(start);
        let line_start = input[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = input[start..].find('\n').map_or(input.len(), |i| start + i);

        let mut out = String::new();
        for c in input[line_start..line_end].trim_end_matches('\r').chars() {
            out.push(if shown(c) { c } else { '\u{FFFD}' });
        }
        out.push('\n');
        for c in input[line_start..start].chars() {
            if c == '\t' {
                out.push('\t');
            } else {
                out.extend(std::iter::repeat_n(' ', width(c)));
            }
        }
        let carets: usize = input[start..end.min(line_end)].chars().map(width).sum();
        out.extend(std::iter::repeat_n('^', carets.max(1)));
        if let Some(hint) = &self.hint {
            out.push_str("\nhint: ");
            out.push_str(hint);
        }
        out
    }
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
        let err = ParseError::new("m", Span::new(2, 8));
        assert_eq!(err.render("x 'ab\ncd"), "x 'ab\n  ^^^");
    }

    #[test]
    fn tabs_and_control_characters_keep_alignment() {
        let err = ParseError::new("m", Span::new(2, 3));
        assert_eq!(err.render("\ta\u{0}"), "\ta\u{FFFD}\n\t ^");
    }

    #[test]
    fn foreign_spans_do_not_panic() {
        let err = ParseError::new("m", Span::new(1, 100));
        let _ = err.render("あい");
        let err = ParseError::new("m", Span::new(50, 10));
        let _ = err.render("abc");
    }
}
