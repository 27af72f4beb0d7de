//! The error of running a statement: a syntax error, an invalid value (with the span it was
//! written at), or an engine error; each with the error code of the command contract.

use super::error::ParseError;
use super::lexer::Span;
use crate::model::InvalidValue;
use crate::store::StoreError;

/// Why a statement did not run.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The statement could not be read.
    #[error(transparent)]
    Syntax(#[from] ParseError),
    /// A value in the statement is invalid.
    #[error("{error}")]
    Invalid {
        /// What is wrong with it.
        error: InvalidValue,
        /// Where it was written.
        span: Span,
    },
    /// The engine refused or failed.
    #[error("{error}")]
    Store {
        /// The engine's error.
        error: StoreError,
        /// The part of the statement it concerns, when known.
        span: Option<Span>,
        /// How to fix it, when that can be said.
        hint: Option<String>,
    },
    /// Sign-in, permission or operator administration refused it.
    #[error(transparent)]
    Auth(crate::auth::Error),
    /// The statement is understood but this build does not run it.
    #[error("{0} is not available in this version of juki")]
    NotAvailable(&'static str),
}

impl From<crate::auth::Error> for QueryError {
    fn from(e: crate::auth::Error) -> Self {
        match e {
            crate::auth::Error::Store(error) => QueryError::Store {
                error,
                span: None,
                hint: None,
            },
            other => QueryError::Auth(other),
        }
    }
}

impl From<StoreError> for QueryError {
    fn from(error: StoreError) -> Self {
        QueryError::Store {
            error,
            span: None,
            hint: None,
        }
    }
}

impl QueryError {
    /// The error code of the command contract (docs/cli.md).
    pub fn code(&self) -> &'static str {
        match self {
            QueryError::Syntax(_) | QueryError::NotAvailable(_) => ParseError::CODE,
            QueryError::Invalid { .. } => "INVALID_VALUE",
            QueryError::Store { error, .. } => error.code(),
            QueryError::Auth(e) => e.code(),
        }
    }

    /// Where in the statement the problem is, when known.
    pub fn span(&self) -> Option<Span> {
        match self {
            QueryError::Syntax(e) => Some(e.span),
            QueryError::Invalid { span, .. } => Some(*span),
            QueryError::Store { span, .. } => *span,
            QueryError::NotAvailable(_) | QueryError::Auth(_) => None,
        }
    }

    /// How to fix it, when that can be said.
    pub fn hint(&self) -> Option<&str> {
        match self {
            QueryError::Syntax(e) => e.hint.as_deref(),
            QueryError::Store { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }

    /// The statement with a caret under the offending text and the hint, for display under
    /// the `error[CODE]: message` line; empty when the error has no position.
    pub fn render(&self, input: &str) -> String {
        match self.span() {
            Some(span) => ParseError {
                message: String::new(),
                span,
                hint: self.hint().map(str::to_string),
            }
            .render(input),
            None => self
                .hint()
                .map(|h| format!("hint: {h}"))
                .unwrap_or_default(),
        }
    }
}
