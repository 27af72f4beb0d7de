//! The error of a signed-in operation: the engine's errors, plus failed sign-ins and refused
//! permissions.

use super::role::{Permission, Role};
use crate::store::{Rule, StoreError};

/// Why an operation of a session failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The engine refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A sign-in failed: unknown operator, wrong password, disabled or locked — which one is
    /// deliberately not said. Also an open session whose operator was disabled or locked.
    #[error("sign-in failed")]
    AuthFailed,
    /// The operator's role does not grant what the operation needs.
    #[error("permission denied: role {role} lacks the {missing} permission")]
    PermissionDenied {
        /// The operator's role.
        role: Role,
        /// The permission that is missing.
        missing: Permission,
    },
    /// A value given to an administering operation is invalid (a short password, an
    /// operator id with spaces …).
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// What was being given.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An operator id that is taken.
    #[error("conflict: operator {0} already exists")]
    OperatorExists(String),
    /// An operator id that does not exist.
    #[error("not found: operator {0}")]
    UnknownOperator(String),
    /// An import failed (its rows or the engine refused it); nothing was written.
    #[error(transparent)]
    Import(crate::io::import::ImportError),
    /// An export or a consistency check could not be done.
    #[error(transparent)]
    Export(#[from] crate::io::export::ExportError),
}

impl Error {
    /// The error code of the command contract (docs/cli.md).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Store(e) => e.code(),
            Error::AuthFailed => "AUTH_FAILED",
            Error::PermissionDenied { .. } => "PERMISSION_DENIED",
            Error::Invalid { .. } => "INVALID_VALUE",
            Error::OperatorExists(_) => "CONFLICT",
            Error::UnknownOperator(_) => "NOT_FOUND",
            Error::Import(e) => e.code(),
            Error::Export(e) => e.code(),
        }
    }

    /// The rule that refused a 異動, if this is a refused 異動.
    pub fn rule(&self) -> Option<Rule> {
        match self {
            Error::Store(e) => e.rule(),
            _ => None,
        }
    }
}

impl From<crate::model::InvalidValue> for Error {
    fn from(e: crate::model::InvalidValue) -> Self {
        Error::Store(e.into())
    }
}

macro_rules! via_store {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Store(StoreError::from(e))
            }
        }
    )*};
}
via_store!(
    redb::StorageError,
    redb::TransactionError,
    redb::TableError,
    redb::CommitError
);

/// The result type of signed-in operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
