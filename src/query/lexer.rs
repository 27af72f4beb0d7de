//! The lexer: statement text → tokens, each with the byte span it came from.
//!
//! The language has few token kinds. A bare word is anything up to whitespace or punctuation,
//! so keywords, resident codes, dates in every accepted form (`1980-04-01`, `S55.4.1`,
//! `昭和55年4月1日`) and Japanese text all arrive as [`TokenKind::Word`]; the parser decides
//! what a word means where it stands. Full-width punctuation and the full-width space are the
//! same as their ASCII forms (they are NFKC-equivalent, and IME users type them). `--`
//! starts a comment to the end of the line anywhere outside quotes, as in SQL.

use super::error::ParseError;

/// A byte range `start..end` in the input text. Both ends are on char boundaries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset just past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// The empty span at `pos`, for positions such as the end of the input.
    pub fn at(pos: usize) -> Self {
        Self::new(pos, pos)
    }

    /// The smallest span that covers both `self` and `other`.
    pub fn to(self, other: Span) -> Self {
        Self::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// A bare word: a keyword, an identifier or an unquoted value such as `12345678903`,
    /// `1980-04-01`, `S55.4.1`, `昭和55年4月1日`, `男` or `山田`.
    Word(String),
    /// A single- or double-quoted string, unescaped (`''` or `""` inside stands for one quote).
    String(String),
    /// `=` or `＝`.
    Equals,
    /// `,` or `，`.
    Comma,
    /// `;` or `；`.
    Semicolon,
    /// `(` or `（`.
    LParen,
    /// `)` or `）`.
    RParen,
}

/// A token and where it stands in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// The bytes of the input it was read from (quotes included for strings).
    pub span: Span,
}

/// Splits `input` into tokens, dropping whitespace and `--` comments.
pub fn tokenize(input: &str) -> Result<Vec<Token>, ParseError> {
    Lexer::new(input).collect()
}

/// Whether `input` is complete enough to parse: false when it ends inside an open quote, so
/// that a line-based reader knows to ask for another line. Other errors count as complete
/// (the parser reports them).
pub fn is_complete(input: &str) -> bool {
    let mut lexer = Lexer::new(input);
    for token in lexer.by_ref() {
        if token.is_err() {
            break;
        }
    }
    !lexer.open_quote
}

/// Whitespace: ASCII whitespace, the full-width space U+3000 and the rest of Unicode's.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// The punctuation token for `c`, ASCII or full-width.
fn punctuation(c: char) -> Option<TokenKind> {
    Some(match c {
        '=' | '＝' => TokenKind::Equals,
        ',' | '，' => TokenKind::Comma,
        ';' | '；' => TokenKind::Semicolon,
        '(' | '（' => TokenKind::LParen,
        ')' | '）' => TokenKind::RParen,
        _ => return None,
    })
}

/// The ASCII quote that `c` stands for, if `c` is a quote (ASCII or full-width).
fn quote(c: char) -> Option<char> {
    match c {
        '\'' | '＇' => Some('\''),
        '"' | '＂' => Some('"'),
        _ => None,
    }
}

/// Control characters other than whitespace have no place in a statement.
fn is_forbidden(c: char) -> bool {
    c.is_control() && !is_space(c)
}

/// A lexer over one input; an iterator of tokens that stops after the first error.
struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    failed: bool,
    /// Set when the input ended inside a quoted string.
    open_quote: bool,
}

impl<'a> Lexer<'a> {
    fn new(input: &'a str) -> Self {
        Self {
            input,
            pos: 0,
            failed: false,
            open_quote: false,
        }
    }

    fn peek(&self) -> Option<char> {
        self.input[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn at_comment(&self) -> bool {
        self.input[self.pos..].starts_with("--")
    }

    /// Skips whitespace and comments.
    fn skip_blank(&mut self) {
        loop {
            while self.peek().is_some_and(is_space) {
                self.bump();
            }
            if !self.at_comment() {
                return;
            }
            match self.input[self.pos..].find('\n') {
                Some(n) => self.pos += n + 1,
                None => self.pos = self.input.len(),
            }
        }
    }

    fn forbidden(&self, c: char) -> ParseError {
        let span = Span::new(self.pos, self.pos + c.len_utf8());
        ParseError::new(
            format!("unexpected control character U+{:04X}", c as u32),
            span,
        )
        .with_hint("remove it; only text, spaces and tabs belong in a statement")
    }

    fn scan(&mut self) -> Result<Option<Token>, ParseError> {
        self.skip_blank();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(None);
        };
        if is_forbidden(c) {
            return Err(self.forbidden(c));
        }
        if let Some(kind) = punctuation(c) {
            self.bump();
            return Ok(Some(Token {
                kind,
                span: Span::new(start, self.pos),
            }));
        }
        if let Some(q) = quote(c) {
            return self.scan_string(q).map(Some);
        }
        while let Some(c) = self.peek() {
            if is_space(c) || punctuation(c).is_some() || quote(c).is_some() || self.at_comment() {
                break;
            }
            if is_forbidden(c) {
                return Err(self.forbidden(c));
            }
            self.bump();
        }
        let text = self.input[start..self.pos].to_string();
        Ok(Some(Token {
            kind: TokenKind::Word(text),
            span: Span::new(start, self.pos),
        }))
    }

    /// Reads a string opened by quote `q` (the lexer stands on the opening quote).
    fn scan_string(&mut self, q: char) -> Result<Token, ParseError> {
        let start = self.pos;
        self.bump();
        let mut text = String::new();
        loop {
            let Some(c) = self.peek() else {
                self.open_quote = true;
                return Err(
                    ParseError::new("unterminated string", Span::new(start, self.pos))
                        .with_hint(format!("close it with {q}")),
                );
            };
            if is_forbidden(c) {
                return Err(self.forbidden(c));
            }
            self.bump();
            if quote(c) == Some(q) {
                if self.peek().and_then(quote) == Some(q) {
                    self.bump();
                    text.push(q);
                    continue;
                }
                let span = Span::new(start, self.pos);
                return Ok(Token {
                    kind: TokenKind::String(text),
                    span,
                });
            }
            text.push(c);
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Result<Token, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let result = self.scan().transpose();
        if matches!(result, Some(Err(_))) {
            self.failed = true;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kinds(input: &str) -> Vec<TokenKind> {
        tokenize(input)
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    fn word(s: &str) -> TokenKind {
        TokenKind::Word(s.to_string())
    }

    #[test]
    fn words_and_punctuation() {
        assert_eq!(
            kinds("GET 12345678903 AS OF 1980-04-01;"),
            vec![
                word("GET"),
                word("12345678903"),
                word("AS"),
                word("OF"),
                word("1980-04-01"),
                TokenKind::Semicolon
            ]
        );
        assert_eq!(
            kinds("name=山田 sex=男,(x)"),
            vec![
                word("name"),
                TokenKind::Equals,
                word("山田"),
                word("sex"),
                TokenKind::Equals,
                word("男"),
                TokenKind::Comma,
                TokenKind::LParen,
                word("x"),
                TokenKind::RParen,
            ]
        );
    }

    #[test]
    fn japanese_dates_are_single_words() {
        assert_eq!(
            kinds("S55.4.1 昭和55年4月1日 令和元年5月1日"),
            vec![
                word("S55.4.1"),
                word("昭和55年4月1日"),
                word("令和元年5月1日")
            ]
        );
    }

    #[test]
    fn full_width_forms() {
        assert_eq!(
            kinds("照会　123；name＝山田，x（y）"),
            vec![
                word("照会"),
                word("123"),
                TokenKind::Semicolon,
                word("name"),
                TokenKind::Equals,
                word("山田"),
                TokenKind::Comma,
                word("x"),
                TokenKind::LParen,
                word("y"),
                TokenKind::RParen,
            ]
        );
        assert_eq!(kinds("＇a＇"), vec![TokenKind::String("a".into())]);
    }

    #[test]
    fn spans_are_byte_offsets() {
        let tokens = tokenize("照会　24727059608").unwrap();
        assert_eq!(tokens[0].span, Span::new(0, 6));
        assert_eq!(tokens[1].span, Span::new(9, 20));
        let tokens = tokenize("a = 'b c'").unwrap();
        assert_eq!(tokens[1].span, Span::new(2, 3));
        assert_eq!(tokens[2].span, Span::new(4, 9));
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(kinds("'it''s'"), vec![TokenKind::String("it's".into())]);
        assert_eq!(
            kinds(r#""say ""hi""""#),
            vec![TokenKind::String(r#"say "hi""#.into())]
        );
        assert_eq!(
            kinds(r#"'a "b" c'"#),
            vec![TokenKind::String(r#"a "b" c"#.into())]
        );
        assert_eq!(kinds("''"), vec![TokenKind::String(String::new())]);
        assert_eq!(
            kinds("'山田 太郎'"),
            vec![TokenKind::String("山田 太郎".into())]
        );
        assert_eq!(kinds("'a -- b'"), vec![TokenKind::String("a -- b".into())]);
    }

    #[test]
    fn quotes_end_words() {
        assert_eq!(
            kinds("ab'c'"),
            vec![word("ab"), TokenKind::String("c".into())]
        );
    }

    #[test]
    fn comments() {
        assert_eq!(
            kinds("GET 1 -- the first\nGET 2"),
            vec![word("GET"), word("1"), word("GET"), word("2")]
        );
        assert_eq!(kinds("-- only a comment"), vec![]);
        assert_eq!(kinds("GET 1-- trailing"), vec![word("GET"), word("1")]);
        assert_eq!(kinds("1980-04-01"), vec![word("1980-04-01")]);
    }

    #[test]
    fn unterminated_string() {
        let err = tokenize("PASSWORD 'abc").unwrap_err();
        assert_eq!(err.message, "unterminated string");
        assert_eq!(err.span, Span::new(9, 13));
        let err = tokenize("x = \"ab''").unwrap_err();
        assert_eq!(err.span, Span::new(4, 9));
    }

    #[test]
    fn control_characters_are_errors() {
        let err = tokenize("GET \u{0}1").unwrap_err();
        assert_eq!(err.span, Span::new(4, 5));
        assert!(err.message.contains("U+0000"));
        assert!(tokenize("GET 1\u{7}").is_err());
        assert!(tokenize("'a\u{1b}'").is_err());
        assert!(tokenize("a\tb\r\n").is_ok());
    }

    #[test]
    fn completeness() {
        assert!(is_complete("GET 1"));
        assert!(is_complete(""));
        assert!(is_complete("x = 'a''b'"));
        assert!(!is_complete("x = 'a"));
        assert!(!is_complete("x = 'a''"));
        assert!(!is_complete("x = \"a\nb"));
        assert!(is_complete("-- it's a comment"));
        assert!(is_complete("\u{0} 'open"));
    }

    #[test]
    fn span_helpers() {
        let a = Span::new(2, 4);
        assert_eq!(a.to(Span::new(6, 9)), Span::new(2, 9));
        assert_eq!(a.len(), 2);
        assert!(Span::at(3).is_empty());
    }

    proptest! {
        #[test]
        fn token_spans_are_in_bounds(input in "\\PC{0,80}|[a-z= ,;()'\"　＝-]{0,40}") {
            if let Ok(tokens) = tokenize(&input) {
                let mut last = 0;
                for token in tokens {
                    let Span { start, end } = token.span;
                    prop_assert!(last <= start && start < end && end <= input.len());
                    prop_assert!(input.is_char_boundary(start) && input.is_char_boundary(end));
                    last = end;
                }
            }
        }

        #[test]
        fn error_spans_are_in_bounds(input in any::<String>()) {
            if let Err(err) = tokenize(&input) {
                let Span { start, end } = err.span;
                prop_assert!(start <= end && end <= input.len());
                prop_assert!(input.is_char_boundary(start) && input.is_char_boundary(end));
            }
        }
    }
}
