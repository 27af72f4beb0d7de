//! The query language: statement text → [`Statement`].
//!
//! This module owns the language of `docs/query-language.md`. The [`catalogue`] lists every
//! statement once (keywords, aliases, usage, example, permissions, help); the [`lexer`] turns
//! text into tokens with byte spans, the [`parser`] turns tokens into the [`ast`] by the
//! catalogue and the fields table ([`crate::model::change_fields`]), and [`error`] reports
//! what could not be read with a caret under it. Values stay
//! text at this stage; the [`plan`]ner validates them into domain values and picks the index
//! of a FIND, and the [`exec`]utor runs the plan against the engine and returns [`Rows`].

pub mod ast;
pub mod catalogue;
pub mod error;
pub mod exec;
pub mod help;
mod keywords;
pub mod lexer;
pub mod parser;
pub mod plan;
pub mod redact;
pub mod rows;
mod statement;
mod step;

pub(crate) use error::ParseError;
pub use help::completion_words;
pub(crate) use lexer::Span;
pub use redact::redact;
pub use rows::{Cell, Output, Rows};
pub use statement::{is_complete as statement_complete, Prepared};
pub use step::{Ran, Refusal, Step};
#[cfg(any(test, feature = "testing"))]
pub use {
    ast::{ChangeKind, Statement},
    exec::Executor,
    help::{help, help_for},
    lexer::is_complete,
    parser::{parse, parse_statement},
    plan::{plan, Plan},
};

#[cfg(test)]
mod tests;
