//! The store's error type: every way a lookup or a 異動 can fail, each one a thing a user can
//! act on, and the rules (with names) that a refused 異動 broke.

use crate::model::InvalidValue;
use crate::ErrorCode;
use std::fmt;

/// A logical check of docs/domain.md that a 異動 failed. Each rule has a stable name that
/// appears in the error message, so an operator can look it up.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// 転入 or 職権記載 for a code that already has an active record.
    AlreadyActive,
    /// The change needs an active record and the record is removed.
    NotActive,
    /// The change names a former resident code; changes go to the current code.
    FormerCode,
    /// A field the change needs is missing.
    MissingField,
    /// The change carries a field that this kind of 異動 may not change (e.g. a 転居 that
    /// renames).
    FieldNotAllowed,
    /// 異動日 before the birth date.
    BeforeBirth,
    /// 異動日 or a birth date in the future.
    InFuture,
    /// 異動日 after the 届出日 (only 転出 may be notified in advance).
    AfterReported,
    /// 届出日 before the 異動日 window or in the future.
    ReportedInFuture,
    /// A change dated before the resident's latest version (only CORRECT may do that).
    OutOfOrder,
    /// A 世帯変更 that changes the address (that is a 転居).
    HouseholdChangeMovesAddress,
    /// The change leaves a household with members and no 世帯主.
    HouseholdWithoutHead,
    /// The change gives a household a second 世帯主.
    HouseholdTwoHeads,
    /// `new_head` names someone who cannot become the head, or is given when not needed.
    NewHead,
    /// The change would change nothing.
    NoChange,
    /// A resident recorded as dead is entered again (only a 異動取消 of the 死亡 restores).
    DeathIsFinal,
    /// A 転出 notified ahead is pending: until its day only 転出取消, a new 転出 date or
    /// destination, 転出確定 or 異動取消 may follow.
    MoveOutPending,
    /// 転出取消 or 転出確定 without a 転出 to act on.
    NoMoveOut,
    /// A 異動取消 that cannot be done: the 更新順番号 is another resident's, later 異動 depend
    /// on it, its 異動日 is not the one given, or it is not a 異動 that can be cancelled.
    Cancel,
    /// A household's members at more than one address.
    HouseholdAddress,
    /// The 続柄 of the members who stay is not restated against the new 世帯主.
    Restatement,
    /// A 続柄 the head's household cannot hold: a second 妻 or 夫, a 妻 recorded male, a 夫
    /// recorded female.
    Relationship,
    /// Where an address lies does not fit the 異動: a 転入 from inside the municipality, a
    /// 転出 to inside it, a 転居 or any resident's address outside it.
    Geography,
    /// An address of the municipality that its address dictionary cannot place: an unknown
    /// 町字, wrong 丁目・番地・号, or no dictionary loaded.
    AddressDictionary,
}

impl Rule {
    /// The stable name of the rule, as printed in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Rule::AlreadyActive => "already-active",
            Rule::NotActive => "not-active",
            Rule::FormerCode => "former-code",
            Rule::MissingField => "missing-field",
            Rule::FieldNotAllowed => "field-not-allowed",
            Rule::BeforeBirth => "before-birth",
            Rule::InFuture => "in-future",
            Rule::AfterReported => "after-reported",
            Rule::ReportedInFuture => "reported-in-future",
            Rule::OutOfOrder => "out-of-order",
            Rule::HouseholdChangeMovesAddress => "household-change-moves-address",
            Rule::HouseholdWithoutHead => "household-without-head",
            Rule::HouseholdTwoHeads => "household-two-heads",
            Rule::NewHead => "new-head",
            Rule::NoChange => "no-change",
            Rule::DeathIsFinal => "death-is-final",
            Rule::MoveOutPending => "move-out-pending",
            Rule::NoMoveOut => "no-move-out",
            Rule::Cancel => "cancel",
            Rule::HouseholdAddress => "household-address",
            Rule::Restatement => "relationships-restated",
            Rule::Relationship => "relationship",
            Rule::Geography => "geography",
            Rule::AddressDictionary => "address-dictionary",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A value failed validation (check digit, date, sex …).
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// No resident (or household, or version) matches.
    #[error("not found: {0}")]
    NotFound(String),
    /// A resident code or My Number is already taken by another record.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A 異動 refused by a logical check.
    #[error("refused by rule {rule}: {detail}")]
    Illegal {
        /// The rule that refused the change.
        rule: Rule,
        /// What exactly was wrong.
        detail: String,
    },
    /// A 4情報 search that names fewer than two of name, address and birth date.
    #[error("a 4情報 search needs at least two of name, address and birth date (sex does not count); given: {given}")]
    SearchMinimum {
        /// The attributes that were given, e.g. "name, sex".
        given: String,
    },
    /// A 4情報 search whose address is no information about a resident (only a prefecture or
    /// a municipality) or names no whole 町字 of the register's municipality.
    #[error("a 4情報 search needs a real address: {reason}")]
    SearchAddress {
        /// Why the address does not count.
        reason: String,
    },
    /// A 4情報 search that matches more residents than it may return (the role's search
    /// limit, or a lower LIMIT): nobody is returned, only how many matched.
    #[error("{matched} residents match, more than the {ceiling} a search may return: nobody is shown; narrow the search (add name, address or birth, or give them more fully)")]
    TooManyMatches {
        /// How many residents matched.
        matched: usize,
        /// The most the search could return.
        ceiling: usize,
    },
    /// A stored value failed its checksum or could not be decoded.
    #[error("corrupt data in table {table}: {detail}")]
    Corrupt {
        /// The table holding the damaged value.
        table: &'static str,
        /// What was found.
        detail: String,
    },
    /// The file was written by another format version of juki.
    #[error(
        "the database file has format version {found}; this juki reads version {expected}{}",
        upgrade_hint(*found, *expected)
    )]
    FormatVersion {
        /// The version found in the file.
        found: u64,
        /// The version this build reads and writes.
        expected: u64,
    },
    /// The file is a redb database but not a juki one.
    #[error("{0} is not a juki database")]
    NotJuki(String),
    /// `create` was asked to make a file that already exists.
    #[error("{0} already exists; juki will not overwrite it")]
    AlreadyExists(String),
    /// Another process has the database file open (redb admits one process at a time).
    #[error(
        "the database file is open in another process; juki opens a file in one process at a time"
    )]
    InUse,
    /// A write asked of a file opened read-only (`--read-only`, a backup): refused before
    /// anything reaches the file.
    #[error("permission denied: the register was opened read-only; nothing is written to it")]
    ReadOnly,
    /// A file that cannot be opened read-only because opening it needs a write first (redb's
    /// repair of a file not closed cleanly, a derived table to build).
    #[error(
        "{path} cannot be opened read-only: {why}; open it read-write once (or restore a backup)"
    )]
    NeedsWrite {
        /// The file.
        path: String,
        /// What the open would have to write.
        why: &'static str,
    },
    /// redb failed (I/O, locks, a commit).
    #[error("storage error: {0}")]
    Redb(#[source] redb::Error),
    /// Reading or writing a file failed; `what` names the file or the step.
    #[error("{what}: {source}")]
    Io {
        /// The file or the step that failed.
        what: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The storage layer failed in a way no underlying error describes (a worker thread
    /// stopped, a value too long for its frame).
    #[error("storage error: {0}")]
    Storage(String),
    /// An encrypted file was opened without a key.
    #[error("{0} is encrypted and no key was given")]
    Encrypted(String),
    /// The key does not open this encrypted file.
    #[error("wrong key for encrypted database {path} (it takes {takes})")]
    WrongKey {
        /// The file.
        path: String,
        /// The kind of key it takes ("a passphrase", "a key file").
        takes: &'static str,
    },
    /// The file's data key was destroyed by a crypto-erase.
    #[error("the key of encrypted database {0} was destroyed (crypto-erase); its contents cannot be recovered with any key")]
    KeyDestroyed(String),
    /// A plain file was opened with a key.
    #[error("{0} is not encrypted; open it without a key")]
    NotEncrypted(String),
    /// A key that cannot be used (a short passphrase, a short key file, a file with another
    /// data key).
    #[error("unusable key: {0}")]
    BadKey(String),
}

impl StoreError {
    /// The error code of the command contract (docs/cli.md) for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::Invalid(_) => ErrorCode::InvalidValue,
            StoreError::NotFound(_) => ErrorCode::NotFound,
            StoreError::Conflict(_) => ErrorCode::Conflict,
            StoreError::Illegal { .. } => ErrorCode::IllegalChange,
            StoreError::SearchMinimum { .. }
            | StoreError::SearchAddress { .. }
            | StoreError::TooManyMatches { .. } => ErrorCode::SearchMinimum,
            StoreError::Corrupt { .. }
            | StoreError::FormatVersion { .. }
            | StoreError::NotJuki(_) => ErrorCode::Corrupt,
            StoreError::AlreadyExists(_)
            | StoreError::Redb(_)
            | StoreError::Io { .. }
            | StoreError::Storage(_)
            | StoreError::InUse => ErrorCode::Io,
            StoreError::Encrypted(_)
            | StoreError::WrongKey { .. }
            | StoreError::KeyDestroyed(_) => ErrorCode::AuthFailed,
            StoreError::NotEncrypted(_) | StoreError::BadKey(_) => ErrorCode::InvalidValue,
            StoreError::ReadOnly => ErrorCode::PermissionDenied,
            StoreError::NeedsWrite { .. } => ErrorCode::Io,
        }
    }

    /// A failed file operation; `what` names the file (or the step) in the message.
    pub(crate) fn io(what: impl fmt::Display, source: std::io::Error) -> Self {
        StoreError::Io {
            what: what.to_string(),
            source,
        }
    }

    pub(crate) fn illegal(rule: Rule, detail: impl Into<String>) -> Self {
        StoreError::Illegal {
            rule,
            detail: detail.into(),
        }
    }

    /// The rule that refused a change, if this is a refused change.
    pub fn rule(&self) -> Option<Rule> {
        match self {
            StoreError::Illegal { rule, .. } => Some(*rule),
            _ => None,
        }
    }
}

/// An I/O error that means the file is not (or no longer) a whole redb file: redb reports a
/// wrong magic number or an empty file as `InvalidData`, and a truncated file as a short read.
fn damaged_file(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
    )
}

fn storage(e: redb::StorageError) -> StoreError {
    match e {
        redb::StorageError::Corrupted(detail) => StoreError::Corrupt {
            table: "(file)",
            detail,
        },
        redb::StorageError::Io(e) if damaged_file(&e) => StoreError::Corrupt {
            table: "(file)",
            detail: e.to_string(),
        },
        other => StoreError::Redb(other.into()),
    }
}

impl From<redb::StorageError> for StoreError {
    fn from(e: redb::StorageError) -> Self {
        storage(e)
    }
}

impl From<redb::Error> for StoreError {
    fn from(e: redb::Error) -> Self {
        match e {
            redb::Error::DatabaseAlreadyOpen => StoreError::InUse,
            redb::Error::Corrupted(detail) => StoreError::Corrupt {
                table: "(file)",
                detail,
            },
            redb::Error::Io(e) if damaged_file(&e) => StoreError::Corrupt {
                table: "(file)",
                detail: e.to_string(),
            },
            other => StoreError::Redb(other),
        }
    }
}

macro_rules! via_redb_error {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::from(redb::Error::from(e))
            }
        }
    )*};
}
via_redb_error!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::CommitError
);

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What to do about a file of another format version.
fn upgrade_hint(found: u64, expected: u64) -> &'static str {
    if crate::store::maintain::upgrade::UPGRADABLE_FROM.contains(&found) {
        "; `juki upgrade` upgrades it (the original is kept beside it)"
    } else if found > expected {
        "; it was written by a later juki"
    } else {
        ""
    }
}
