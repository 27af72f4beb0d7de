//! The query language: statement text → [`Statement`].
//!
//! This module owns the front end of the language in `../../shared/spec/query-language.md`:
//! the [`lexer`] turns text into tokens with byte spans, the [`parser`] turns tokens into the
//! [`ast`], and [`error`] reports what could not be read with a caret under it. Values stay
//! text at this stage; the planner and executor that join this module later validate them and
//! run the statements.

pub mod ast;
pub mod error;
mod keywords;
pub mod lexer;
pub mod parser;

pub use ast::{
    Assignment, Change, ChangeKind, Cond, Field, HouseholdTarget, Secret, StatDim, Statement, Value,
};
pub use error::ParseError;
pub use lexer::{is_complete, tokenize, Span, Token, TokenKind};
pub use parser::{parse, parse_statement, search_minimum_hint};

#[cfg(test)]
mod tests;
