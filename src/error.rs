//! The one public error type, [`Error`], and its stable codes, [`ErrorCode`].
//!
//! Inside the crate each layer keeps an error of its own: `model::InvalidValue` (a value that
//! failed validation), `store::StoreError` (the engine), `query::ParseError` (a statement that
//! could not be read), the sign-in and permission errors of `auth`, and the file errors of
//! import and export. Every public function returns [`Error`], which wraps exactly one of them
//! and adds, for a statement, where in its text the problem is and how to fix it.
//!
//! Invariants:
//! * [`Error::code`] is one of the codes of the command contract (docs/cli.md), the same for
//!   the same cause whichever way the operation was called (library call, statement, batch).
//! * [`Error::source`](std::error::Error::source) is the underlying typed error (a
//!   `redb::Error`, a `std::io::Error` …), never a string copy of it.
//! * Messages say what is wrong and where; they never carry a My Number or a password, and
//!   never advice that belongs to one front end (command-line flags, key prompts): the `juki`
//!   binary adds its own advice from the code.

use std::fmt;
use std::ops::Range;

use crate::auth::AuthError;
use crate::io::export::ExportError;
use crate::io::import::ImportError;
use crate::model::InvalidValue;
use crate::query::redact::Redaction;
use crate::query::{ParseError, Span};
use crate::store::{Rule, StoreError};

/// The stable error codes of the command contract (docs/cli.md).
///
/// The binary prints them as `error[CODE]` and maps them to exit statuses; an embedder can
/// match on them. New codes may be added, so a `match` needs a wildcard arm.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A statement that could not be read (`SYNTAX`).
    Syntax,
    /// A 4情報 search without two pieces of information besides sex (`SEARCH_MINIMUM`).
    SearchMinimum,
    /// No resident, household, version or operator matches (`NOT_FOUND`).
    NotFound,
    /// The operator's role does not grant the operation, or it would change a file opened
    /// read-only (`PERMISSION_DENIED`).
    PermissionDenied,
    /// A sign-in failed, or a key does not open an encrypted file (`AUTH_FAILED`).
    AuthFailed,
    /// A value failed validation: check digit, date, sex, a short password … (`INVALID_VALUE`).
    InvalidValue,
    /// A resident code, My Number, operator or file is already taken, or the register is busy
    /// (`CONFLICT`).
    Conflict,
    /// A 異動 refused by a rule of the register (`ILLEGAL_CHANGE`); [`Error::rule`] names it.
    IllegalChange,
    /// Reading or writing a file failed, or the file is held by another process (`IO`).
    Io,
    /// The file is damaged, of another format version, or not a juki file (`CORRUPT`).
    Corrupt,
}

impl ErrorCode {
    /// Every code, in the order of the contract.
    pub const ALL: [ErrorCode; 10] = [
        ErrorCode::Syntax,
        ErrorCode::SearchMinimum,
        ErrorCode::NotFound,
        ErrorCode::PermissionDenied,
        ErrorCode::AuthFailed,
        ErrorCode::InvalidValue,
        ErrorCode::Conflict,
        ErrorCode::IllegalChange,
        ErrorCode::Io,
        ErrorCode::Corrupt,
    ];

    /// The code its contract spelling names (`SYNTAX`, `NOT_FOUND` …), if any does.
    pub fn parse(text: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// The code as the contract spells it: `SYNTAX`, `NOT_FOUND` …
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Syntax => "SYNTAX",
            ErrorCode::SearchMinimum => "SEARCH_MINIMUM",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::PermissionDenied => "PERMISSION_DENIED",
            ErrorCode::AuthFailed => "AUTH_FAILED",
            ErrorCode::InvalidValue => "INVALID_VALUE",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::IllegalChange => "ILLEGAL_CHANGE",
            ErrorCode::Io => "IO",
            ErrorCode::Corrupt => "CORRUPT",
        }
    }
}

/// A code equals its spelling: `err.code() == "NOT_FOUND"`.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an operation failed: a code, a message, and for a statement the place in its text.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// use juki::{ErrorCode, Juki};
/// let juki = Juki::builder(dir.path().join("city.redb"))
///     .create_with_admin("admin1", "correct horse battery")?;
/// let err = juki.sign_in("admin1", "wrong password!", "t1").unwrap_err();
/// assert_eq!(err.code(), ErrorCode::AuthFailed);
/// # Ok(()) }
/// ```
pub struct Error {
    inner: Box<Inner>,
}

/// What an [`Error`] wraps: one layer's error, with the statement position where known.
#[derive(Debug)]
pub(crate) enum Inner {
    /// The statement could not be read.
    Syntax(ParseError),
    /// A value failed validation; `span` is where it was written, for a statement.
    Invalid {
        error: InvalidValue,
        span: Option<Span>,
    },
    /// The engine refused or failed.
    Store {
        error: StoreError,
        span: Option<Span>,
        hint: Option<String>,
    },
    /// Sign-in, permission or operator administration refused it.
    Auth(AuthError),
    /// An import failed; nothing was written.
    Import(ImportError),
    /// An export or a consistency check could not be done.
    Export(ExportError),
    /// A certificate could not be rendered.
    Render(crate::certificate::RenderError),
    /// The statement is understood but this build does not run it.
    NotAvailable(&'static str),
    /// Change `index` (from 0) of a batch failed; nothing of the batch was written.
    InBatch { index: usize, error: Error },
    /// A server refused a request, or could not be reached (`juki serve`).
    Remote(crate::serve::RemoteError),
}

impl Error {
    pub(crate) fn new(inner: Inner) -> Self {
        Error {
            inner: Box::new(inner),
        }
    }

    /// A value written at `span` of a statement failed validation.
    pub(crate) fn invalid_at(error: InvalidValue, span: Span) -> Self {
        Error::new(Inner::Invalid {
            error,
            span: Some(span),
        })
    }

    /// The engine's error about the text at `span` of a statement, with a hint.
    pub(crate) fn store_at(error: StoreError, span: Option<Span>, hint: Option<String>) -> Self {
        Error::new(Inner::Store { error, span, hint })
    }

    /// Change `index` of a batch failed with `error`.
    pub(crate) fn in_batch(index: usize, error: Error) -> Self {
        Error::new(Inner::InBatch { index, error })
    }

    /// For a refused batch ([`crate::Session::record_batch`]): the position (from 0) of the
    /// change that failed. Nothing of the batch was written either way.
    pub fn batch_index(&self) -> Option<usize> {
        match &*self.inner {
            Inner::InBatch { index, .. } => Some(*index),
            _ => None,
        }
    }

    /// The statement `what` is understood but not run by this build.
    pub(crate) fn not_available(what: &'static str) -> Self {
        Error::new(Inner::NotAvailable(what))
    }

    /// The engine's error, when the engine refused or failed.
    pub(crate) fn as_store(&self) -> Option<&StoreError> {
        match &*self.inner {
            Inner::Store { error, .. } => Some(error),
            Inner::InBatch { error, .. } => error.as_store(),
            _ => None,
        }
    }

    /// The engine's error this is, or one that stands for it inside an engine transaction
    /// (where only the engine's error can be returned).
    pub(crate) fn into_store(self) -> StoreError {
        match *self.inner {
            Inner::Store { error, .. } => error,
            Inner::Invalid { error, .. } => StoreError::Invalid(error),
            other => StoreError::Storage(Error::new(other).to_string()),
        }
    }

    /// Whether the register file is open in another process (redb admits one process per
    /// file): the operation may succeed when that process has closed it. The code is `IO`.
    pub fn is_in_use(&self) -> bool {
        matches!(self.as_store(), Some(StoreError::InUse))
    }

    /// The stable code of the command contract.
    pub fn code(&self) -> ErrorCode {
        match &*self.inner {
            Inner::Syntax(_) | Inner::NotAvailable(_) => ErrorCode::Syntax,
            Inner::Invalid { .. } => ErrorCode::InvalidValue,
            Inner::Store { error, .. } => error.code(),
            Inner::Auth(e) => e.code(),
            Inner::Import(e) => e.code(),
            Inner::Export(e) => e.code(),
            // A value the certificate's font cannot print: the record holds it, the
            // certificate cannot show it.
            Inner::Render(_) => ErrorCode::InvalidValue,
            Inner::InBatch { error, .. } => error.code(),
            Inner::Remote(e) => e.code(),
        }
    }

    /// The rule that refused a 異動, when this is a refused 異動 (`ILLEGAL_CHANGE`).
    pub fn rule(&self) -> Option<Rule> {
        match &*self.inner {
            Inner::Store { error, .. } => error.rule(),
            Inner::Import(ImportError::Refused { error, .. }) => error.rule(),
            Inner::InBatch { error, .. } => error.rule(),
            _ => None,
        }
    }

    /// Where in the statement text the problem is (byte offsets), when it came from one.
    pub fn span(&self) -> Option<Range<usize>> {
        self.position().map(|s| s.start..s.end)
    }

    fn position(&self) -> Option<Span> {
        match &*self.inner {
            Inner::Syntax(e) => Some(e.span),
            Inner::Invalid { span, .. } | Inner::Store { span, .. } => *span,
            _ => None,
        }
    }

    /// How to fix it, when that can be said.
    pub fn hint(&self) -> Option<&str> {
        match &*self.inner {
            Inner::Syntax(e) => e.hint.as_deref(),
            Inner::Store { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }

    /// The line of `statement` that holds the problem with a caret under the offending text
    /// (as many as it takes terminal columns) and the hint; empty when there is neither.
    /// Both are redacted ([`crate::query::redact()`]): the line shows `****` for a My Number or
    /// a password, the caret still under the offending token.
    ///
    /// `statement` should be the text that was run; any other text renders without panicking.
    pub fn render(&self, statement: &str) -> String {
        if let Inner::Remote(e) = &*self.inner {
            // The server rendered it from the statement it ran.
            return e.detail().unwrap_or_default().to_string();
        }
        match self.position() {
            Some(span) => ParseError {
                message: String::new(),
                span,
                hint: self.hint().map(str::to_string),
            }
            .render(statement),
            None => self
                .hint()
                .map(|h| format!("hint: {}", Redaction::of(statement).scrub(h)))
                .unwrap_or_default(),
        }
    }

    /// The message (as `Display` has it) with whatever the redaction of `statement` masks
    /// taken out: what a console prints for an error of that statement.
    pub fn message_for(&self, statement: &str) -> String {
        Redaction::of(statement).scrub(&self.to_string())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("code", &self.code())
            .field("inner", &self.inner)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.inner {
            Inner::Syntax(e) => e.fmt(f),
            Inner::Invalid { error, .. } => error.fmt(f),
            Inner::Store { error, .. } => error.fmt(f),
            Inner::Auth(e) => e.fmt(f),
            Inner::Import(e) => e.fmt(f),
            Inner::Export(e) => e.fmt(f),
            Inner::Render(e) => e.fmt(f),
            Inner::NotAvailable(what) => {
                write!(f, "{what} is not available in this version of juki")
            }
            Inner::InBatch { index, error } => write!(f, "change {index} of the batch: {error}"),
            Inner::Remote(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    /// The error underneath: what the wrapped layer's error was caused by (a `redb::Error`,
    /// a `std::io::Error` …). The wrapped layer's own message is this error's message, so it
    /// is not repeated as a source.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.inner {
            Inner::Syntax(_) | Inner::NotAvailable(_) => None,
            Inner::Invalid { error, .. } => error.source(),
            Inner::Store { error, .. } => error.source(),
            Inner::Auth(e) => e.source(),
            Inner::Import(e) => e.source(),
            Inner::Export(e) => e.source(),
            Inner::Render(e) => e.source(),
            Inner::InBatch { error, .. } => error.source(),
            Inner::Remote(e) => e.source(),
        }
    }
}

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Self {
        Error::new(Inner::Syntax(e))
    }
}

impl From<InvalidValue> for Error {
    fn from(error: InvalidValue) -> Self {
        Error::new(Inner::Invalid { error, span: None })
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        // A value error inside the engine is the same INVALID_VALUE as one found earlier.
        match error {
            StoreError::Invalid(error) => Error::from(error),
            error => Error::store_at(error, None, None),
        }
    }
}

impl From<AuthError> for Error {
    fn from(e: AuthError) -> Self {
        Error::new(Inner::Auth(e))
    }
}

impl From<ImportError> for Error {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Store(error) => Error::from(error),
            e => Error::new(Inner::Import(e)),
        }
    }
}

impl From<ExportError> for Error {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::Store(error) => Error::from(error),
            e => Error::new(Inner::Export(e)),
        }
    }
}

impl From<crate::certificate::RenderError> for Error {
    fn from(e: crate::certificate::RenderError) -> Self {
        Error::new(Inner::Render(e))
    }
}

macro_rules! via_store {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::from(StoreError::from(e))
            }
        }
    )*};
}
via_store!(
    redb::Error,
    redb::StorageError,
    redb::TransactionError,
    redb::TableError,
    redb::CommitError
);

/// The result type of every public operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_spelled_as_the_contract_spells_them() {
        let spelled: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            spelled,
            [
                "SYNTAX",
                "SEARCH_MINIMUM",
                "NOT_FOUND",
                "PERMISSION_DENIED",
                "AUTH_FAILED",
                "INVALID_VALUE",
                "CONFLICT",
                "ILLEGAL_CHANGE",
                "IO",
                "CORRUPT"
            ]
        );
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("syntax"), None);
        assert_eq!(ErrorCode::parse(""), None);
    }

    #[test]
    fn a_storage_failure_keeps_its_io_error_as_source() {
        let io = std::io::Error::other("disk on fire");
        let e = Error::from(redb::StorageError::Io(io));
        assert_eq!(e.code(), ErrorCode::Io);
        let mut chain = Vec::new();
        let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(&e);
        while let Some(s) = cur {
            chain.push(s.to_string());
            cur = s.source();
        }
        assert!(
            chain.iter().any(|s| s.contains("disk on fire")),
            "the io error is in the chain: {chain:?}"
        );
    }

    #[test]
    fn a_value_error_from_the_engine_is_invalid_value() {
        let v = crate::model::ResidentCode::parse("12345678901").unwrap_err();
        let e = Error::from(StoreError::from(v));
        assert_eq!(e.code(), ErrorCode::InvalidValue);
        assert_eq!(e.span(), None);
    }
}
