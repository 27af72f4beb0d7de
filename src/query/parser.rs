//! The parser: tokens → statements, by hand-written recursive descent.
//!
//! Each statement starts with its keywords (English, case-insensitive, or a Japanese alias) as
//! the [`super::catalogue`] lists them, and one method reads each [`Form`]. The parser checks
//! shape only: which keys a change statement accepts (its row of the fields table,
//! [`crate::model::change_fields`]), that none repeats, that a change has its ON date. Whether values are valid, and
//! whether a FIND holds enough conditions, is for the engine, so that those errors carry their
//! own codes (`INVALID_VALUE`, `SEARCH_MINIMUM`).

use super::ast::{
    Assignment, Change, ChangeKind, Cond, Field, HouseholdTarget, Issue, Secret, StatDim,
    Statement, Value,
};
use super::catalogue::{self, Form};
use super::error::ParseError;
use super::keywords::{self as kw, fold, is};
use super::lexer::{tokenize, Span, Token, TokenKind};
use crate::model::ChangeField;

mod report;

/// Parses every statement in `input`; statements are separated by `;` (a trailing `;` is
/// allowed). Blank input, or input holding only comments, gives no statements; an empty
/// statement between two `;` is an error.
pub fn parse(input: &str) -> Result<Vec<Statement>, ParseError> {
    let mut parser = Parser::new(input)?;
    let mut statements = Vec::new();
    while parser.peek().is_some() {
        statements.push(parser.statement()?);
        parser.eat_semicolon();
    }
    Ok(statements)
}

/// Parses exactly one statement, optionally followed by `;`.
#[cfg(any(test, feature = "testing"))]
pub fn parse_statement(input: &str) -> Result<Statement, ParseError> {
    let mut parser = Parser::new(input)?;
    if parser.peek().is_none() {
        return Err(ParseError::new("empty statement", Span::at(0)).with_hint(START_HINT));
    }
    let statement = parser.statement()?;
    parser.eat_semicolon();
    if let Some(token) = parser.peek() {
        return Err(
            ParseError::new("only one statement can be given here", token.span)
                .with_hint("run the statements one at a time"),
        );
    }
    Ok(statement)
}

/// Why a FIND with `conds` falls short of the two-of-name-address-birth minimum, with what to
/// add; `None` when it has enough. The engine reports the shortfall as `SEARCH_MINIMUM`.
pub fn search_minimum_hint(conds: &[Cond]) -> Option<String> {
    const COUNTED: [Field; 3] = [Field::Birth, Field::Address, Field::Name];
    let missing: Vec<String> = COUNTED
        .iter()
        .filter(|field| !conds.iter().any(|cond| cond.field == **field))
        .map(|field| format!("{}=…", field.name()))
        .collect();
    let add = match missing.len() {
        0 | 1 => return None,
        2 => missing.join(" or "),
        _ => format!("two of {}", missing.join(", ")),
    };
    Some(format!("FIND needs two of name, address, birth: add {add}"))
}

/// The hint for input that does not start with a statement.
const START_HINT: &str =
    "statements start with a keyword such as GET, FIND, HISTORY or MOVE IN; HELP lists them";

/// The longest part of a word or string quoted in a message.
const QUOTE_CHARS: usize = 32;

/// `s`, shortened to fit in a message.
fn short(s: &str) -> String {
    match s.char_indices().nth(QUOTE_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// How a token (or its absence) is named in a message.
fn describe(token: Option<&Token>) -> String {
    let Some(token) = token else {
        return "the end of the statement".to_string();
    };
    match &token.kind {
        TokenKind::Word(word) => format!("'{}'", short(word)),
        TokenKind::String(text) => format!("the string '{}'", short(text)),
        TokenKind::Equals => "'='".to_string(),
        TokenKind::Comma => "','".to_string(),
        TokenKind::Semicolon => "';'".to_string(),
        TokenKind::LParen => "'('".to_string(),
        TokenKind::RParen => "')'".to_string(),
    }
}

/// A usage line as a hint.
fn usage_hint(usage: &str) -> String {
    format!("usage: {usage}")
}

/// The error for a clause given twice.
fn given_twice(what: &str, span: Span) -> ParseError {
    ParseError::new(format!("{what} given twice"), span).with_hint(format!("keep one {what}"))
}

/// A recursive-descent parser over the tokens of one input.
struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str) -> Result<Self, ParseError> {
        Ok(Self {
            input,
            tokens: tokenize(input)?,
            pos: 0,
        })
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_nth(&self, n: usize) -> Option<&Token> {
        self.tokens.get(self.pos + n)
    }

    fn advance(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        if token.is_some() {
            self.pos += 1;
        }
        token
    }

    /// Whether the statement ends here: at the end of input or a `;`.
    fn at_end(&self) -> bool {
        matches!(
            self.peek(),
            None | Some(Token {
                kind: TokenKind::Semicolon,
                ..
            })
        )
    }

    /// The empty span just past the last token read.
    fn end_span(&self) -> Span {
        match self.pos.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(token) => Span::at(token.span.end),
            None => Span::at(0),
        }
    }

    /// The span of the next token, or of the end of the statement.
    fn here(&self) -> Span {
        match self.peek() {
            Some(token) if !self.at_end() => token.span,
            _ => self.end_span(),
        }
    }

    /// The next token, folded, if it is a word.
    fn peek_folded(&self, n: usize) -> Option<String> {
        match &self.peek_nth(n)?.kind {
            TokenKind::Word(word) => Some(fold(word)),
            _ => None,
        }
    }

    fn peek_is(&self, words: &[&str]) -> bool {
        self.peek_folded(0).is_some_and(|w| is(&w, words))
    }

    /// Whether the token after the next one is `=` (the next is a key).
    fn key_follows(&self) -> bool {
        matches!(
            self.peek_nth(1),
            Some(Token {
                kind: TokenKind::Equals,
                ..
            })
        )
    }

    /// Reads the next token if it is one of `words`, and returns its span.
    fn eat(&mut self, words: &[&str]) -> Option<Span> {
        if self.peek_is(words) {
            self.advance().map(|t| t.span)
        } else {
            None
        }
    }

    /// `[INCLUDE RESTRICTED]` after a copy out's path.
    fn include_restricted(&mut self, usage: &str) -> Result<bool, ParseError> {
        if self.eat(&["include"]).is_none() {
            return Ok(false);
        }
        self.expect(&["restricted"], "INCLUDE RESTRICTED", usage)?;
        Ok(true)
    }

    /// `[UNTIL <date>]`.
    fn until(&mut self, usage: &str) -> Result<Option<Value>, ParseError> {
        match self.eat(&["until"]) {
            Some(_) => Ok(Some(self.value("a date after UNTIL", usage)?)),
            None => Ok(None),
        }
    }

    /// `RESTRICT <code> KIND <kind> AUTHORITY '<name>' FROM <date> [UNTIL <date>]`.
    fn restrict(&mut self, usage: &str) -> Result<Statement, ParseError> {
        let code = self.positional("a resident code", usage)?;
        self.expect(&["kind"], "KIND <kind>", usage)?;
        let kind = self.value(
            "a kind after KIND (dv, stalking, child_abuse, other)",
            usage,
        )?;
        self.expect(&["authority"], "AUTHORITY '<相談機関>'", usage)?;
        let authority = self.value("the authority's name after AUTHORITY", usage)?;
        self.expect(&["from"], "FROM <date>", usage)?;
        let from = self.value("a date after FROM", usage)?;
        let until = self.until(usage)?;
        self.end(usage)?;
        Ok(Statement::Restrict {
            code,
            kind,
            authority,
            from,
            until,
        })
    }

    fn eat_kind(&mut self, kind: &TokenKind) -> bool {
        if self.peek().is_some_and(|t| t.kind == *kind) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn eat_semicolon(&mut self) {
        self.eat_kind(&TokenKind::Semicolon);
    }

    /// The error "expected `what`" at the next token.
    fn expected(&self, what: &str) -> ParseError {
        let found = if self.at_end() { None } else { self.peek() };
        ParseError::new(
            format!("expected {what}, found {}", describe(found)),
            self.here(),
        )
    }

    /// Reads one of `words`, which the statement requires here.
    fn expect(&mut self, words: &[&str], what: &str, usage: &str) -> Result<Span, ParseError> {
        self.eat(words)
            .ok_or_else(|| self.expected(what).with_hint(usage_hint(usage)))
    }

    /// Checks that the statement ends here.
    fn end(&self, usage: &str) -> Result<(), ParseError> {
        let Some(token) = self.peek().filter(|_| !self.at_end()) else {
            return Ok(());
        };
        let err = ParseError::new(format!("unexpected {}", describe(Some(token))), token.span);
        let gap = &self.input[self.end_span().start..token.span.start];
        Err(if gap.contains('\n') {
            err.with_hint("separate statements with ';'")
        } else {
            err.with_hint(usage_hint(usage))
        })
    }

    /// A value: a quoted string, or a bare word with any parenthesised part written against
    /// it (`夫(未届)`) glued on.
    fn value(&mut self, what: &str, usage: &str) -> Result<Value, ParseError> {
        let token = match self.peek() {
            Some(token) if !self.at_end() => token.clone(),
            _ => return Err(self.expected(what).with_hint(usage_hint(usage))),
        };
        match token.kind {
            TokenKind::String(text) => {
                self.advance();
                Ok(Value {
                    text,
                    span: token.span,
                })
            }
            TokenKind::Word(_) => {
                self.advance();
                let span = self.glue(token.span)?;
                Ok(Value {
                    text: self.input[span.start..span.end].to_string(),
                    span,
                })
            }
            _ => Err(self.expected(what).with_hint(usage_hint(usage))),
        }
    }

    /// Extends the word at `span` over parentheses and words written against it.
    fn glue(&mut self, mut span: Span) -> Result<Span, ParseError> {
        let mut open: Vec<Span> = Vec::new();
        while let Some(token) = self.peek().filter(|t| t.span.start == span.end) {
            match token.kind {
                TokenKind::LParen => open.push(token.span),
                TokenKind::RParen if !open.is_empty() => {
                    open.pop();
                }
                TokenKind::Word(_) => {}
                _ => break,
            }
            span.end = token.span.end;
            self.advance();
        }
        match open.first() {
            Some(paren) => Err(ParseError::new("unclosed '(' in a value", *paren)
                .with_hint("close it, or quote the whole value")),
            None => Ok(span),
        }
    }

    /// A value that stands in its own place (a code, an id, a path): like [`Self::value`],
    /// but a clause keyword or a known `key=` there means the value was left out.
    fn positional(&mut self, what: &str, usage: &str) -> Result<Value, ParseError> {
        if let Some(folded) = self.peek_folded(0) {
            let key = kw::assignment_key(&folded).is_some() || kw::field(&folded).is_some();
            if kw::RESERVED.iter().any(|words| is(&folded, words)) || (key && self.key_follows()) {
                return Err(self.expected(what).with_hint(usage_hint(usage)));
            }
        }
        self.value(what, usage)
    }

    /// An optional `AS OF <date>` (or `基準日 <date>`).
    fn as_of(&mut self, usage: &str) -> Result<Option<Value>, ParseError> {
        if self.eat(kw::AS).is_some() {
            self.expect(kw::OF, "OF after AS", usage)?;
        } else if self.eat(kw::AS_OF).is_none() {
            return Ok(None);
        }
        self.eat_kind(&TokenKind::Equals);
        self.value("a date after AS OF", usage).map(Some)
    }

    /// The value of a clause whose keyword was just read, with an optional `=` before it.
    fn clause(&mut self, what: &str, usage: &str) -> Result<Value, ParseError> {
        self.eat_kind(&TokenKind::Equals);
        self.value(what, usage)
    }

    /// The hint for a stray word right after `key=value`: most likely a value with a space.
    fn stray_word_hint(&self, key: &str, value: &Value, word: &str) -> Option<String> {
        let quoted = self.input[value.span.start..].starts_with(['\'', '"', '＇', '＂']);
        (!quoted).then(|| {
            let text = format!("{} {}", short(&value.text), short(word));
            format!("a value with a space needs quotes: {key}='{text}'")
        })
    }

    fn statement(&mut self) -> Result<Statement, ParseError> {
        let Some(token) = self.peek().cloned() else {
            return Err(ParseError::new("empty statement", self.end_span()).with_hint(START_HINT));
        };
        let word = match &token.kind {
            TokenKind::Word(word) => word.clone(),
            TokenKind::Semicolon => {
                return Err(ParseError::new("empty statement", token.span)
                    .with_hint("remove the extra ';'"));
            }
            _ => return Err(self.expected("a statement").with_hint(START_HINT)),
        };
        let Some(entry) = self.keywords(&word)? else {
            self.advance();
            return Err(self.unknown_statement(&word, &fold(&word), token.span));
        };
        self.dispatch(entry, token.span)
    }

    /// Reads the keywords that start a statement, by the catalogue: the longest run of words
    /// that names one. `None` (nothing read) when `word` starts no statement; an error when it
    /// starts only longer keywords that do not follow (`CHANGE` without `HOUSEHOLD` …).
    fn keywords(&mut self, word: &str) -> Result<Option<&'static catalogue::Entry>, ParseError> {
        const LONGEST: usize = 4;
        let words: Vec<String> = (0..LONGEST).map_while(|n| self.peek_folded(n)).collect();
        if let Some((entry, taken)) = catalogue::match_start(&words) {
            self.pos += taken;
            return Ok(Some(entry));
        }
        let first = fold(word);
        let longer = catalogue::continuations(&first);
        let Some(only) = longer.first() else {
            return Ok(None);
        };
        self.advance();
        let next: Vec<String> = longer
            .iter()
            .map(|e| e.words[1][0].to_uppercase())
            .collect();
        let next = match next.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => next.join(""),
        };
        let err = self.expected(&format!("{next} after {}", first.to_uppercase()));
        Err(if longer.len() == 1 {
            err.with_hint(usage_hint(&only.usage()))
        } else {
            let names: Vec<&str> = longer.iter().map(|e| e.name).collect();
            let (last, rest) = names.split_last().expect("two or more");
            err.with_hint(format!("{} and {last} are statements", rest.join(", ")))
        })
    }

    /// Reads the rest of the statement `entry` names; its keywords, which started at `start`,
    /// have been read.
    fn dispatch(
        &mut self,
        entry: &'static catalogue::Entry,
        start: Span,
    ) -> Result<Statement, ParseError> {
        let usage = entry.usage();
        let usage = usage.as_str();
        let statement = match entry.form {
            Form::Get => return self.get(usage),
            Form::GetMyNumber => {
                let number = self.positional("a My Number", usage)?;
                Statement::GetMyNumber { number }
            }
            Form::GetAtena => {
                let number = self.positional("a 宛名番号", usage)?;
                let as_of = self.as_of(usage)?;
                self.end(usage)?;
                return Ok(Statement::GetAtena { number, as_of });
            }
            Form::Find => return self.find(usage),
            Form::History => Statement::History {
                code: self.positional("a resident code", usage)?,
            },
            Form::Household => return self.household(usage),
            Form::ShowMyNumber => Statement::ShowMyNumber {
                code: self.positional("a resident code", usage)?,
            },
            Form::Stats => return self.stats(usage),
            Form::StatsByReason => return self.stats_by_reason(usage),
            Form::StatsByHousehold => return self.stats_by_household(usage),
            Form::Report => return self.report(usage),
            Form::Changes => return self.changes(usage),
            Form::Change(kind) => return self.change(kind, start, usage),
            Form::CreateOperator => return self.create_operator(usage),
            Form::DisableOperator => Statement::DisableOperator {
                id: self.positional("an operator id", usage)?,
            },
            Form::UnlockOperator => Statement::UnlockOperator {
                id: self.positional("an operator id", usage)?,
            },
            Form::Password => Statement::Password,
            Form::ListOperators => Statement::ListOperators,
            Form::Audit => return self.audit(usage),
            Form::AuditVerify => Statement::AuditVerify,
            Form::AuditAlerts => Statement::AuditAlerts,
            Form::SetSearchLimit => Statement::SetSearchLimit {
                role: self.positional("a role", usage)?,
                limit: self.positional("the most residents a search may return", usage)?,
            },
            Form::SetWatch => {
                let mut keyed = |key: &'static str| -> Result<Value, ParseError> {
                    self.expect(&[key], &format!("{key}=<n>"), usage)?;
                    self.clause(&format!("a number after {key}="), usage)
                };
                let (searches, residents, minutes) =
                    (keyed("searches")?, keyed("residents")?, keyed("minutes")?);
                Statement::SetWatch {
                    searches,
                    residents,
                    minutes,
                }
            }
            Form::Export => Statement::Export {
                path: self.positional("a path", usage)?,
                include_restricted: self.include_restricted(usage)?,
            },
            Form::ExportHistory => Statement::ExportHistory {
                path: self.positional("a path", usage)?,
                include_restricted: self.include_restricted(usage)?,
            },
            Form::ExportConsistency => Statement::ExportConsistency {
                path: self.positional("a path", usage)?,
                include_restricted: self.include_restricted(usage)?,
            },
            Form::VerifyConsistency => Statement::VerifyConsistency {
                path: self.positional("a path", usage)?,
            },
            Form::Check => Statement::Check,
            Form::BackupTo => Statement::BackupTo {
                path: self.positional("a path", usage)?,
            },
            Form::Compact => Statement::Compact,
            Form::LoadTowns => {
                let path = self.positional("a path", usage)?;
                self.expect(
                    kw::ON,
                    "ON <date>, the day the dictionary takes effect",
                    usage,
                )?;
                let from = self.value("a date after ON", usage)?;
                Statement::LoadTowns { path, from }
            }
            Form::ShowRegister => Statement::ShowRegister,
            Form::Issue(kind) => return self.issue(kind, usage),
            Form::Restrict => return self.restrict(usage),
            Form::ExtendRestriction => {
                let code = self.positional("a resident code", usage)?;
                let until = self.until(usage)?;
                Statement::ExtendRestriction { code, until }
            }
            Form::LiftRestriction => Statement::LiftRestriction {
                code: self.positional("a resident code", usage)?,
            },
            Form::Restrictions => Statement::Restrictions,
            Form::SetOffice => {
                let mut keyed = |key: &'static str| -> Result<Value, ParseError> {
                    self.expect(&[key], &format!("{key}='…'"), usage)?;
                    self.clause(&format!("a value after {key}="), usage)
                };
                let (postal, address, phone) =
                    (keyed("postal")?, keyed("address")?, keyed("phone")?);
                Statement::SetOffice {
                    postal,
                    address,
                    phone,
                }
            }
            Form::Notify => {
                let since = match self.eat(kw::SINCE) {
                    Some(_) => Some(self.clause("a sequence number after SINCE", usage)?),
                    None => None,
                };
                self.expect(kw::TO, "TO '<path>'", usage)?;
                Statement::Notify {
                    since,
                    path: self.positional("a path", usage)?,
                }
            }
            Form::ExportDestinations => {
                self.expect(kw::TO, "TO '<path>'", usage)?;
                Statement::ExportDestinations {
                    path: self.positional("a path", usage)?,
                }
            }
            Form::SetIssuer => {
                self.expect(&["title"], "title='<title>'", usage)?;
                let title = self.clause("a title after title=", usage)?;
                self.expect(&["name"], "name='<name>'", usage)?;
                let name = self.clause("a name after name=", usage)?;
                Statement::SetIssuer { title, name }
            }
            Form::Help => return self.help(),
        };
        self.end(usage)?;
        Ok(statement)
    }

    fn unknown_statement(&self, word: &str, folded: &str, span: Span) -> ParseError {
        let err = ParseError::new(format!("unknown statement '{}'", short(word)), span);
        if self.peek().is_some_and(|t| t.kind == TokenKind::Equals) {
            err.with_hint("a search starts with FIND: FIND name=… birth=…")
        } else if let Some(keyword) = kw::suggest(folded) {
            err.with_hint(format!("did you mean {}?", keyword.to_uppercase()))
        } else if !word.is_empty() && word.chars().all(|c| c.is_ascii_digit()) {
            err.with_hint(format!("to look a resident up, write GET {}", short(word)))
        } else {
            err.with_hint(START_HINT)
        }
    }

    fn get(&mut self, usage: &str) -> Result<Statement, ParseError> {
        let code = self.positional("a resident code", usage)?;
        let as_of = self.as_of(usage)?;
        self.end(usage)?;
        Ok(Statement::Get { code, as_of })
    }

    fn household(&mut self, usage: &str) -> Result<Statement, ParseError> {
        let target = if self.eat(kw::OF).is_some() {
            HouseholdTarget::Of(self.positional("a resident code", usage)?)
        } else {
            HouseholdTarget::Id(self.positional("a household id", usage)?)
        };
        let as_of = self.as_of(usage)?;
        self.end(usage)?;
        Ok(Statement::Household { target, as_of })
    }

    fn find(&mut self, usage: &str) -> Result<Statement, ParseError> {
        let (mut conds, mut as_of, mut limit) = (Vec::<Cond>::new(), None, None);
        while !self.at_end() {
            if self.peek_is(kw::AS) || self.peek_is(kw::AS_OF) {
                let span = self.here();
                if as_of.is_some() {
                    return Err(given_twice("AS OF", span));
                }
                as_of = self.as_of(usage)?;
            } else if let Some(span) = self.eat(kw::LIMIT) {
                if limit.is_some() {
                    return Err(given_twice("LIMIT", span));
                }
                limit = Some(self.clause("a number after LIMIT", usage)?);
            } else {
                let cond = self.cond(&conds, usage)?;
                conds.push(cond);
            }
        }
        if conds.is_empty() {
            let hint = search_minimum_hint(&conds).unwrap_or_default();
            return Err(ParseError::new("FIND needs conditions", self.here()).with_hint(hint));
        }
        Ok(Statement::Find {
            conds,
            as_of,
            limit,
        })
    }

    /// One FIND condition, `field=value`.
    fn cond(&mut self, done: &[Cond], usage: &str) -> Result<Cond, ParseError> {
        let what = "a condition such as name=…";
        let token = self.peek().cloned().filter(|_| !self.at_end());
        let Some((token, word)) = token.and_then(|t| match &t.kind {
            TokenKind::Word(word) => Some((t.clone(), word.clone())),
            _ => None,
        }) else {
            return Err(self.expected(what).with_hint(usage_hint(usage)));
        };
        let field = kw::field(&fold(&word));
        if !self.key_follows() {
            return Err(match (field, done.last()) {
                (Some(field), _) => self.missing_equals(&word, field.name()),
                (None, Some(last)) => {
                    let err = ParseError::new(format!("unexpected '{}'", short(&word)), token.span);
                    match self.stray_word_hint(last.field.name(), &last.value, &word) {
                        Some(hint) => err.with_hint(hint),
                        None => err.with_hint(usage_hint(usage)),
                    }
                }
                (None, None) => self.expected(what).with_hint(usage_hint(usage)),
            });
        }
        let Some(field) = field else {
            return Err(ParseError::new(
                format!("unknown search field '{}'", short(&word)),
                token.span,
            )
            .with_hint("FIND searches by name, address, birth and sex"));
        };
        if done.iter().any(|cond| cond.field == field) {
            return Err(given_twice(&format!("{}=", field.name()), token.span));
        }
        self.advance();
        self.advance();
        let value = self.value(&format!("a value after '{}='", short(&word)), usage)?;
        let span = token.span.to(value.span);
        Ok(Cond { field, value, span })
    }

    /// The error for `key` written without its `=`.
    fn missing_equals(&self, word: &str, key: &str) -> ParseError {
        let span = self
            .peek_nth(1)
            .map_or(Span::at(self.here().end), |t| t.span);
        ParseError::new(format!("expected '=' after '{}'", short(word)), span)
            .with_hint(format!("write {key}=<value>"))
    }

    /// `ISSUE <kind> HOUSEHOLD OF <code> | OF <code>[, …]`, then its clauses in any order.
    fn issue(
        &mut self,
        kind: crate::certificate::Kind,
        usage: &str,
    ) -> Result<Statement, ParseError> {
        let household = self.eat(kw::HOUSEHOLD).is_some();
        self.expect(
            kw::OF,
            "OF <resident code> or HOUSEHOLD OF <resident code>",
            usage,
        )?;
        let mut codes = vec![self.positional("a resident code", usage)?];
        while !household && self.eat_kind(&TokenKind::Comma) {
            codes.push(self.positional("a resident code after ','", usage)?);
        }
        let mut issue = Issue {
            kind,
            household,
            codes,
            as_of: None,
            with: Vec::new(),
            requester: None,
            to: None,
        };
        while !self.at_end() {
            let span = self.here();
            if self.peek_is(kw::AS) || self.peek_is(kw::AS_OF) {
                if issue.as_of.is_some() {
                    return Err(given_twice("AS OF", span));
                }
                issue.as_of = self.as_of(usage)?;
            } else if self.eat(kw::WITH).is_some() {
                if !issue.with.is_empty() {
                    return Err(given_twice("WITH", span));
                }
                issue.with.push(self.value("a part after WITH", usage)?);
                while self.eat_kind(&TokenKind::Comma) {
                    issue.with.push(self.value("a part after ','", usage)?);
                }
            } else if self.eat(kw::REQUESTED).is_some() {
                if issue.requester.is_some() {
                    return Err(given_twice("REQUESTED BY", span));
                }
                self.expect(kw::BY, "BY after REQUESTED", usage)?;
                issue.requester = Some(self.value("a resident code or a quoted name", usage)?);
            } else if self.eat(kw::TO).is_some() {
                if issue.to.is_some() {
                    return Err(given_twice("TO", span));
                }
                issue.to = Some(self.value("a path after TO", usage)?);
            } else {
                return Err(self.end(usage).expect_err("not at the end"));
            }
        }
        Ok(Statement::Issue(issue))
    }

    fn stats(&mut self, usage: &str) -> Result<Statement, ParseError> {
        let mut by: Vec<(StatDim, Span)> = Vec::new();
        if self.eat(kw::BY).is_some() {
            loop {
                let dim = self.peek_folded(0).and_then(|w| kw::stat_dim(&w));
                let Some(dim) = dim.filter(|_| !self.at_end()) else {
                    let err = match self.peek().filter(|_| !self.at_end()) {
                        Some(
                            token @ Token {
                                kind: TokenKind::Word(word),
                                ..
                            },
                        ) => ParseError::new(
                            format!("unknown STATS dimension '{}'", short(word)),
                            token.span,
                        ),
                        _ => self.expected("a dimension"),
                    };
                    return Err(err.with_hint(
                        "STATS counts by sex, age, town, status, ward, association, neighborhood, elementary_school, junior_high_school, precinct",
                    ));
                };
                let span = self.here();
                if by.iter().any(|(d, _)| *d == dim) {
                    return Err(given_twice(dim.name(), span));
                }
                self.advance();
                by.push((dim, span));
                let comma = self.eat_kind(&TokenKind::Comma);
                let next_is_dim = self.peek_folded(0).and_then(|w| kw::stat_dim(&w)).is_some();
                if !comma && !next_is_dim {
                    break;
                }
            }
        }
        let as_of = self.as_of(usage)?;
        self.end(usage)?;
        Ok(Statement::Stats { by, as_of })
    }

    fn changes(&mut self, usage: &str) -> Result<Statement, ParseError> {
        if self.eat(kw::SINCE).is_none() {
            return Err(self
                .expected("SINCE <sequence number>")
                .with_hint("CHANGES SINCE 0 lists the whole change feed"));
        }
        let since = self.clause("a sequence number after SINCE", usage)?;
        let limit = match self.eat(kw::LIMIT) {
            Some(_) => Some(self.clause("a number after LIMIT", usage)?),
            None => None,
        };
        self.end(usage)?;
        Ok(Statement::Changes { since, limit })
    }

    fn change(
        &mut self,
        kind: ChangeKind,
        start: Span,
        usage: &str,
    ) -> Result<Statement, ParseError> {
        let subject = if kind.names_household() {
            "a household id"
        } else {
            "a resident code"
        };
        let code = self.positional(subject, usage)?;
        let mut assignments: Vec<Assignment> = Vec::new();
        let (mut on, mut reported) = (None, None);
        while !self.at_end() {
            if let Some(span) = self.eat(kw::ON) {
                if on.is_some() {
                    return Err(given_twice("ON", span));
                }
                on = Some(self.clause("the 異動日 after ON", usage)?);
            } else if let Some(span) = self.eat(kw::REPORTED) {
                if reported.is_some() {
                    return Err(given_twice("REPORTED", span));
                }
                reported = Some(self.clause("the 届出日 after REPORTED", usage)?);
            } else {
                let assignment = self.assignment(kind, &assignments, usage)?;
                assignments.push(assignment);
            }
        }
        let Some(on) = on else {
            let message = format!("{} needs ON <date>, the 異動日", kind.name());
            return Err(ParseError::new(message, self.end_span()).with_hint("add ON <date>"));
        };
        let span = start.to(self.end_span());
        Ok(Statement::Change(Change {
            kind,
            code,
            assignments,
            on,
            reported,
            span,
        }))
    }

    /// One `key=value` of a change statement of `kind`.
    fn assignment(
        &mut self,
        kind: ChangeKind,
        done: &[Assignment],
        usage: &str,
    ) -> Result<Assignment, ParseError> {
        let what = "key=value";
        let Some(token) = self.peek().cloned() else {
            return Err(self.expected(what).with_hint(usage_hint(usage)));
        };
        let TokenKind::Word(word) = &token.kind else {
            return Err(self.expected(what).with_hint(usage_hint(usage)));
        };
        let key = kw::assignment_key(&fold(word));
        if !self.key_follows() {
            return Err(match (key, done.last()) {
                (Some(key), _) => self.missing_equals(word, key),
                (None, Some(last)) => {
                    let err = ParseError::new(format!("unexpected '{}'", short(word)), token.span);
                    match self.stray_word_hint(&last.key, &last.value, word) {
                        Some(hint) => err.with_hint(hint),
                        None => err.with_hint(usage_hint(usage)),
                    }
                }
                (None, None) => self.expected(what).with_hint(usage_hint(usage)),
            });
        }
        let rule = kind.fields();
        let takes: Vec<&str> = rule.allowed().map(ChangeField::name).collect();
        let takes = format!("{} takes {}", kind.name(), takes.join(", "));
        let field = key.and_then(ChangeField::from_name);
        let named = |f: ChangeField| match (f, key) {
            // An item keeps its own key; `items` names them all in the table.
            (ChangeField::Items, Some(item)) => item,
            _ => f.name(),
        };
        let Some(key) = field.filter(|f| rule.allows(*f)).map(named) else {
            let message = match key {
                Some(_) => format!("{} does not take '{}'", kind.name(), short(word)),
                None => format!("unknown key '{}'", short(word)),
            };
            return Err(ParseError::new(message, token.span).with_hint(takes));
        };
        if done.iter().any(|a| a.key == key) {
            return Err(given_twice(&format!("{key}="), token.span));
        }
        self.advance();
        self.advance();
        let value = self.value(&format!("a value after '{}='", short(word)), usage)?;
        Ok(Assignment {
            key: key.to_string(),
            key_span: token.span,
            value,
        })
    }

    fn create_operator(&mut self, usage: &str) -> Result<Statement, ParseError> {
        let id = self.positional("an operator id", usage)?;
        let (mut role, mut password) = (None, None);
        while !self.at_end() {
            if let Some(span) = self.eat(kw::ROLE) {
                if role.is_some() {
                    return Err(given_twice("ROLE", span));
                }
                role = Some(self.clause("a role after ROLE", usage)?);
            } else if let Some(span) = self.eat(kw::PASSWORD) {
                if password.is_some() {
                    return Err(given_twice("PASSWORD", span));
                }
                let Value { text, span } = self.clause("a password after PASSWORD", usage)?;
                password = Some(Secret { text, span });
            } else {
                return Err(self
                    .expected("ROLE or PASSWORD")
                    .with_hint(usage_hint(usage)));
            }
        }
        let missing = |what: &str| {
            ParseError::new(format!("CREATE OPERATOR needs {what}"), self.end_span())
                .with_hint(usage_hint(usage))
        };
        let role = role.ok_or_else(|| missing("ROLE <role>"))?;
        let password = password.ok_or_else(|| missing("PASSWORD '<initial password>'"))?;
        Ok(Statement::CreateOperator { id, role, password })
    }

    fn audit(&mut self, usage: &str) -> Result<Statement, ParseError> {
        let (mut operator, mut kind, mut since, mut limit) = (None, None, None, None);
        while !self.at_end() {
            let span = self.here();
            let slot = if self.eat(kw::LIMIT).is_some() {
                &mut limit
            } else if self.key_follows() && self.peek_is(&["operator"]) {
                self.advance();
                &mut operator
            } else if self.key_follows() && self.peek_is(&["kind"]) {
                self.advance();
                &mut kind
            } else if self.key_follows() && self.peek_is(kw::SINCE) {
                self.advance();
                &mut since
            } else {
                return Err(self
                    .expected("operator=…, kind=…, since=… or LIMIT")
                    .with_hint(usage_hint(usage)));
            };
            if slot.is_some() {
                return Err(given_twice(&self.input[span.start..span.end], span));
            }
            *slot = Some(self.clause("a value", usage)?);
        }
        Ok(Statement::Audit {
            operator,
            kind,
            since,
            limit,
        })
    }

    fn help(&mut self) -> Result<Statement, ParseError> {
        let mut words = Vec::new();
        while !self.at_end() {
            if let Some(token) = self.advance() {
                words.push(match token.kind {
                    TokenKind::Word(text) | TokenKind::String(text) => text,
                    _ => self.input[token.span.start..token.span.end].to_string(),
                });
            }
        }
        let topic = (!words.is_empty()).then(|| words.join(" "));
        Ok(Statement::Help { topic })
    }
}
