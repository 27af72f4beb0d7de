//! juki: an embedded storage engine for Japan's Basic Resident Register (住民基本台帳).
//!
//! The crate is layered so that data flows one way, text → statement → plan → engine → rows:
//!
//! * [`model`] holds the validated domain types. Once a value of one of these types exists it
//!   is valid, so nothing further in checks it again.
//! * [`store`] keeps residents, their versions and every index in one redb file and applies
//!   each 異動 (change) as one transaction.
//! * [`query`] reads the query language: statement text → statement → plan → engine → rows.
//! * [`auth`] signs operators in and is the only public way to personal data: [`Juki`]
//!   opens a file, [`Session`] checks permissions and logs every operation.
//! * The `juki` command and the operator REPL are the crate's binary (src/main.rs), not part
//!   of the library: nothing here reads or draws on a terminal; a long job such as an import
//!   reports progress to a callback ([`io::import::Progress`]).
//! * [`io`] generates synthetic registers (and, later, imports and exports them).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
mod error;
pub mod io;
pub mod model;
pub mod query;
pub mod store;

pub use auth::{Juki, Session};
pub use error::{Error, ErrorCode, Result};
pub use query::{completion_words, statement_complete, Prepared};
pub use store::{Change, Database, Fields, Resident, SearchQuery, StoreError};
