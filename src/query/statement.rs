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
use super::exec::{redacted, Executor};
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
    /// that no statement of it runs.
    pub fn prepare(&self, text: &str) -> Result<Vec<Prepared>> {
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
mod tests {
    use crate::{ErrorCode, Juki};

    #[test]
    fn a_text_that_does_not_parse_runs_nothing_and_is_logged() {
        let dir = tempfile::tempdir().unwrap();
        let juki = Juki::builder(dir.path().join("t.redb"))
            .create_with_admin("admin1", "correct horse battery")
            .unwrap();
        let s = juki
            .sign_in("admin1", "correct horse battery", "t")
            .unwrap();
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
}
