//! The errors only a signed-in operation has: failed sign-ins, refused permissions and
//! operator administration. Everything else a session reports is the engine's or the file
//! layer's error, carried as it is in [`crate::Error`].

use super::role::{Permission, Role};
use crate::ErrorCode;

/// Why sign-in, a permission check or operator administration refused an operation.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AuthError {
    /// A sign-in failed: unknown operator, wrong password, disabled or locked — which one is
    /// deliberately not said. Also an open session whose operator was disabled or locked.
    #[error("sign-in failed")]
    AuthFailed,
    /// A session locked by the watch on browsing: its operator's searches crossed the
    /// line; every operation is refused until the operator signs in again.
    #[error("sign-in failed: this session is locked because its searches crossed the watch on browsing (an alert was logged); sign in again")]
    Locked,
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
    /// A change through a handle opened read-only.
    #[error("permission denied: the register was opened read-only")]
    ReadOnly,
    /// An operator id that is taken.
    #[error("conflict: operator {0} already exists")]
    OperatorExists(String),
    /// An operator id that does not exist.
    #[error("not found: operator {0}")]
    UnknownOperator(String),
    /// Disabling the last administrator who can sign in would leave nobody able to
    /// administer the register.
    #[error("permission denied: the {0} is given only to the person themself or a member of their household (住基法第12条); name them with REQUESTED BY <resident code>")]
    OnlyForThemself(&'static str),
    #[error("permission denied: resident {0} is under a DV等支援措置: a certificate of them is issued only to them (REQUESTED BY their resident code)")]
    SupportMeasure(String),
    #[error("conflict: operator {0} is the last administrator who can sign in; create or unlock another administrator first")]
    LastAdministrator(String),
}

impl AuthError {
    /// The error code of the command contract (docs/cli.md).
    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            AuthError::AuthFailed | AuthError::Locked => ErrorCode::AuthFailed,
            AuthError::PermissionDenied { .. }
            | AuthError::ReadOnly
            | AuthError::OnlyForThemself(_)
            | AuthError::SupportMeasure(_) => ErrorCode::PermissionDenied,
            AuthError::Invalid { .. } => ErrorCode::InvalidValue,
            AuthError::OperatorExists(_) | AuthError::LastAdministrator(_) => ErrorCode::Conflict,
            AuthError::UnknownOperator(_) => ErrorCode::NotFound,
        }
    }
}

/// The result type of signed-in operations.
pub type Result<T, E = crate::Error> = std::result::Result<T, E>;
