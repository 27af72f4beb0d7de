//! [`Redb`]: the redb database a [`super::Database`] runs on, opened for reads and writes,
//! or read-only ([`open_read_only`]).
//!
//! Invariants of a read-only one:
//! * the file was opened for reading only, and redb runs on it through its read-only
//!   backend, which has no write path: no byte of the file changes while it is open, nor
//!   when it is closed (redb records no open-file mark in it and repairs nothing);
//! * every write transaction asked of it is refused with [`StoreError::ReadOnly`]
//!   (`PERMISSION_DENIED`) before redb is reached, and so are COMPACT and redb's page check
//!   (which may repair the file);
//! * a file that was not closed cleanly is refused rather
//!   than repaired ([`StoreError::NeedsWrite`]), and so is one that lacks a derived table a
//!   read-write open would build.

use super::crypt::{FileKind, Key, Sealed};
use super::error::{Result, StoreError};
use redb::{ReadTransaction, ReadableDatabase, TransactionError, WriteTransaction};
use std::path::Path;
use std::sync::Arc;

/// A redb database opened for reads and writes, or read-only.
pub(crate) enum Redb {
    /// Opened for reads and writes.
    Writable(redb::Database),
    /// Opened read-only: nothing is ever written to its file.
    ReadOnly(redb::ReadOnlyDatabase),
}

impl From<redb::Database> for Redb {
    fn from(db: redb::Database) -> Redb {
        Redb::Writable(db)
    }
}

impl Redb {
    /// Begins a read transaction (a snapshot).
    pub(crate) fn begin_read(&self) -> std::result::Result<ReadTransaction, TransactionError> {
        match self {
            Redb::Writable(db) => db.begin_read(),
            Redb::ReadOnly(db) => db.begin_read(),
        }
    }

    /// Begins a write transaction; [`StoreError::ReadOnly`] when the file was opened
    /// read-only.
    pub(crate) fn begin_write(&self) -> Result<WriteTransaction> {
        Ok(self.writable()?.begin_write()?)
    }

    /// The database for an operation that writes (COMPACT, a rebuilt table, the archived
    /// log of a restore); [`StoreError::ReadOnly`] when the file was opened read-only.
    pub(crate) fn writable(&self) -> Result<&redb::Database> {
        match self {
            Redb::Writable(db) => Ok(db),
            Redb::ReadOnly(_) => Err(StoreError::ReadOnly),
        }
    }

    /// [`Redb::writable`], for an operation that needs the database to itself.
    pub(crate) fn writable_mut(&mut self) -> Result<&mut redb::Database> {
        match self {
            Redb::Writable(db) => Ok(db),
            Redb::ReadOnly(_) => Err(StoreError::ReadOnly),
        }
    }

    /// Whether the file was opened read-only.
    pub(crate) fn is_read_only(&self) -> bool {
        matches!(self, Redb::ReadOnly(_))
    }
}

/// Opens the juki file at `path` read-only, with its key when it is encrypted (a key given
/// for a plain file is `NotEncrypted`, none for an encrypted one `Encrypted`, as for a
/// read-write open). The file is opened for reading only: a file the process may not write
/// opens too. Gives redb's database and, when encrypted, the file's seal.
pub(crate) fn open_read_only(
    path: &Path,
    key: Option<&Key>,
    cache_bytes: usize,
) -> Result<(redb::ReadOnlyDatabase, Option<Arc<Sealed>>)> {
    let mut builder = redb::Database::builder();
    builder.set_cache_size(cache_bytes);
    let named = || path.display().to_string();
    let (opened, sealed) = match (super::crypt::file_kind(path)?, key) {
        (FileKind::Encrypted, None) => return Err(StoreError::Encrypted(named())),
        (FileKind::Encrypted, Some(key)) => {
            let (backend, sealed) = super::crypt::open_backend_read_only(path, key)?;
            (builder.open_read_only_with_backend(backend), Some(sealed))
        }
        (_, Some(_)) => return Err(StoreError::NotEncrypted(named())),
        (FileKind::Checksummed, None) => (
            builder.open_read_only_with_backend(super::crypt::open_checksummed_read_only(path)?),
            None,
        ),
        (FileKind::Redb, None) => (builder.open_read_only(path), None),
    };
    match opened {
        Ok(db) => Ok((db, sealed)),
        Err(redb::DatabaseError::RepairAborted) => Err(StoreError::NeedsWrite {
            path: named(),
            why: "it was not closed cleanly, and redb would have to repair it",
        }),
        Err(e) => Err(e.into()),
    }
}

impl super::Database {
    /// Opens an existing juki file read-only ([`Redb::ReadOnly`]): encrypted with `key`, or
    /// plain without one; with a page cache of `cache_bytes`. Nothing is written to the file
    /// then or later; every write is refused with `PERMISSION_DENIED`.
    pub fn open_read_only(
        path: impl AsRef<Path>,
        key: Option<&Key>,
        cache_bytes: usize,
    ) -> Result<super::Database> {
        let path = path.as_ref();
        let (db, sealed) = open_read_only(path, key, cache_bytes)?;
        let mut database = super::Database::from_opened(Redb::ReadOnly(db), path)?;
        database.crypt = sealed;
        Ok(database)
    }
}
