//! Statement text run on a session: [`Session::prepare`] reads it, [`Session::execute`]
//! runs one statement of it.
//!
//! This is how the `juki` console runs what an operator types, and how an embedder runs
//! statements of the query language (docs/query-language.md) instead of calling the
//! session's methods one by one. Whatever the outcome, every statement is in the operation
//! log: text that does not parse is logged as a SYNTAX failure by `prepare`, and each
//! statement by `execute` with the text it came from, redacted.

use std::sync::Arc;

use super::ast::Statement;
use super::exec::{redacted, refuse_oversized, Executor};
use super::rows::Output;
use crate::auth::Session;
use crate::Result;

/// One statement of a text, read and ready to run; made by [`Session::prepare`].
#[derive(Debug, Clone)]
pub struct Prepared {
    statement: Statement,
    /// The whole text it was read from: what the operation log records (redacted) and what
    /// an error's position refers to.
    text: Arc<str>,
}

impl Prepared {
    /// The statement's kind as the log names it: `GET`, `FIND`, `MOVE` …
    pub fn kind(&self) -> &'static str {
        self.statement.kind_name()
    }

    /// The text the statement was read from (all of it, when it held several).
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// Whether `text` is whole: its quotes are closed and reading it does not stop at the very
/// end wanting more (`MOVE IN … name=` without `ON`, say). A console asks for another line
/// while this is false. Text that is whole may still be wrong: [`Session::prepare`] says.
pub fn is_complete(text: &str) -> bool {
    if !super::lexer::is_complete(text) {
        return false;
    }
    match super::parser::parse(text) {
        Ok(_) => true,
        Err(e) => e.span.start < text.trim_end().len(),
    }
}

impl Session {
    /// Reads `text`: one or more statements separated by `;`. Text that does not parse is
    /// refused whole (`SYNTAX`, with the position in [`crate::Error::span`]) and logged, so
    /// that no statement of it runs; a text over 64 KiB is refused unread (`INVALID_VALUE`)
    /// and logged by its length and SHA-256 only.
    pub fn prepare(&self, text: &str) -> Result<Vec<Prepared>> {
        refuse_oversized(self, text)?;
        match super::parser::parse(text) {
            Ok(statements) => {
                let text: Arc<str> = Arc::from(text);
                Ok(statements
                    .into_iter()
                    .map(|statement| Prepared {
                        statement,
                        text: Arc::clone(&text),
                    })
                    .collect())
            }
            Err(e) => {
                self.log_failure("SYNTAX", redacted(text), "SYNTAX");
                Err(e.into())
            }
        }
    }

    /// Runs one prepared statement: checked against the operator's permissions and logged
    /// like the session method it stands for.
    pub fn execute(&self, statement: &Prepared) -> Result<Output> {
        Executor::new(self).run_statement(&statement.statement, &statement.text)
    }

    /// Reads and runs every statement of `text` in order, stopping at the first that fails;
    /// the outputs of those that ran.
    pub fn run(&self, text: &str) -> Result<Vec<Output>> {
        self.prepare(text)?
            .iter()
            .map(|s| self.execute(s))
            .collect()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use crate::{ErrorCode, Juki, Session};

    /// An administrator signed in on a new register in `dir`.
    pub(in crate::query) fn admin(dir: &tempfile::TempDir) -> Session {
        let juki = Juki::builder(dir.path().join("t.redb"))
            .create_with_admin("admin1", "correct horse battery")
            .unwrap();
        juki.sign_in("admin1", "correct horse battery", "t")
            .unwrap()
    }

    #[test]
    fn a_text_that_does_not_parse_runs_nothing_and_is_logged() {
        let dir = tempfile::tempdir().unwrap();
        let s = admin(&dir);
        let before = s.audit(&Default::default()).unwrap().len();
        let e = s.prepare("STATS; GET 12345678901 AS OF").unwrap_err();
        assert_eq!(e.code(), ErrorCode::Syntax);
        assert!(e.span().is_some());
        let log = s.audit(&Default::default()).unwrap();
        // The failed text, then the AUDIT read that listed it.
        assert!(log[before..].iter().any(|e| e.kind == "SYNTAX"), "{log:?}");
        let outputs = s.run("STATS; STATS").unwrap();
        assert_eq!(outputs.len(), 2);
    }

    #[test]
    fn a_text_over_64_kib_is_refused_unread_and_logged_by_length_and_hash() {
        let dir = tempfile::tempdir().unwrap();
        let s = admin(&dir);
        // A valid-looking statement padded past the limit, with a My Number in it.
        let text = format!("GET 12345678903 -- 123456789018 {}", "x".repeat(70_000));
        for e in [s.prepare(&text).unwrap_err(), s.run(&text).unwrap_err()] {
            assert_eq!(e.code(), ErrorCode::InvalidValue, "{e}");
            let shown = e.to_string();
            assert!(
                shown.contains("70032 bytes") && shown.len() < 200,
                "{shown}"
            );
        }
        let log = s.audit(&Default::default()).unwrap();
        let refused: Vec<_> = log
            .iter()
            .filter(|e| e.outcome == "INVALID_VALUE")
            .collect();
        assert_eq!(refused.len(), 2, "{log:?}");
        for e in refused {
            assert!(
                e.text.starts_with("(a text of 70032 bytes, SHA-256 "),
                "{}",
                e.text
            );
            assert!(e.text.len() < 150 && !e.text.contains("123456789018"));
        }
        // Exactly at the limit it is read (and here refused as bad syntax, not as too long).
        let at_limit = format!(
            "STATS {}",
            "x".repeat(super::super::exec::MAX_STATEMENT_BYTES - 6)
        );
        assert_eq!(s.prepare(&at_limit).unwrap_err().code(), ErrorCode::Syntax);
    }
}
