//! Operators, permissions and the operation log: the risk measures of the source document,
//! enforced by the library itself.
//!
//! * [`Juki::builder`] gives the [`Builder`] that opens or creates a register;
//!   [`Juki::sign_in`] gives a [`Session`], the only public way to
//!   personal data. Every session operation checks the [`Role`]'s [`Permission`]s, checks the
//!   operator is still enabled, withholds My Numbers (but for [`Session::show_my_number`]),
//!   and writes an entry to the operation log (none on a file opened read-only, which
//!   nothing writes to).
//! * `operator` stores operators with argon2id password hashes and the lock-out;
//!   `audit` keeps the SHA-256-chained log; `journal` group-commits the entries of reads,
//!   which wait as `pending` entries in a `batch`.
//! * `restore` puts a verified backup in place (`juki restore`).

mod audit;
mod batch;
mod builder;
mod error;
mod journal;
mod measure;
mod operator;
mod pending;
mod replaced;
mod restore;
mod role;
mod session;
#[cfg(test)]
mod tests;
mod upgrade;

pub(crate) use audit::{check_problems, Redacted};
pub use audit::{AuditEntry, AuditQuery, ChainReport};
pub use builder::Builder;
pub(crate) use error::AuthError;
pub use measure::{
    extension_opens, one_year_from, Authority, Measure, MeasureKind, AUTHORITY_MAX_CHARS,
};
pub use operator::{OperatorInfo, ADMIN_LOCK_MINUTES, LOCK_AFTER_FAILURES, MIN_PASSWORD_CHARS};
pub use replaced::ArchivedTail;
pub use restore::{Restore, RestoreReport};
pub use role::{Permission, Role, Visibility};
pub use session::{
    Alert, BasicResident, Batch, Destination, FeedItems, Issued, Juki, Recovered, Session,
    SupportMeasure, WatchLimits, DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT,
};
pub use upgrade::{Upgrade, UpgradeReport};
