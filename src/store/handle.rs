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

#[cfg(test)]
mod tests {
    use super::super::engine::schema::{HEADS, META};
    use super::super::{Database, StoreError};
    use crate::ErrorCode;

    fn bytes(path: &std::path::Path) -> Vec<u8> {
        std::fs::read(path).unwrap()
    }

    /// A register with one table entry beyond the empty layout, closed.
    fn closed_register(dir: &tempfile::TempDir) -> std::path::PathBuf {
        let path = dir.path().join("ro.redb");
        let db = Database::create(&path).unwrap();
        let txn = db.write_transaction().unwrap();
        txn.open_table(META).unwrap().insert("probe", 7).unwrap();
        txn.commit().unwrap();
        drop(db);
        path
    }

    #[test]
    fn a_read_only_open_reads_refuses_every_write_and_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = closed_register(&dir);
        let before = bytes(&path);
        let db = Database::open_read_only(&path, None, 1 << 20).unwrap();
        assert!(db.is_read_only());
        assert_eq!(db.counts().unwrap().residents, 0);
        let digest = db.content_digest().unwrap();
        for e in [
            db.write_transaction().map(drop).unwrap_err(),
            db.compact().map(drop).unwrap_err(),
        ] {
            assert!(matches!(e, StoreError::ReadOnly), "{e}");
            assert_eq!(e.code(), ErrorCode::PermissionDenied);
        }
        assert!(db.check().unwrap().is_clean());
        drop(db);
        assert_eq!(bytes(&path), before);
        // The same file opened read-write: the digest is the same, and the open writes.
        let db = Database::open(&path).unwrap();
        assert!(!db.is_read_only());
        assert_eq!(db.content_digest().unwrap(), digest);
        drop(db);
        assert_ne!(bytes(&path), before);
    }

    #[test]
    fn a_file_that_needs_a_write_to_open_is_refused_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = closed_register(&dir);
        {
            let raw = crate::store::crypt::open_plain_redb(&path).unwrap();
            let txn = raw.begin_write().unwrap();
            txn.delete_table(HEADS).unwrap();
            txn.commit().unwrap();
        }
        let before = bytes(&path);
        let e = Database::open_read_only(&path, None, 1 << 20).unwrap_err();
        assert!(matches!(e, StoreError::NeedsWrite { .. }), "{e}");
        assert!(e.to_string().contains("heads"), "{e}");
        assert_eq!(bytes(&path), before);
        // A read-write open builds the table; then the file opens read-only.
        drop(Database::open(&path).unwrap());
        assert!(Database::open_read_only(&path, None, 1 << 20).is_ok());
    }

    #[test]
    fn a_key_must_match_the_kind_of_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = closed_register(&dir);
        let key = crate::store::crypt::Key::passphrase("a-long-passphrase-for-tests");
        let e = Database::open_read_only(&path, Some(&key), 1 << 20).unwrap_err();
        assert!(matches!(e, StoreError::NotEncrypted(_)), "{e}");
        let sealed = dir.path().join("sealed.redb");
        drop(Database::create_encrypted(&sealed, &key).unwrap());
        let e = Database::open_read_only(&sealed, None, 1 << 20).unwrap_err();
        assert!(matches!(e, StoreError::Encrypted(_)), "{e}");
        let before = bytes(&sealed);
        let db = Database::open_read_only(&sealed, Some(&key), 1 << 20).unwrap();
        assert!(db.is_encrypted() && db.is_read_only());
        drop(db);
        assert_eq!(bytes(&sealed), before);
    }
}
