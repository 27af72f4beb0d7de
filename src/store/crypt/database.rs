//! The [`Database`] constructors for encrypted files, and the files made with an open
//! database's data key (backups).

use super::file::{
    create_backend, create_checksummed, open_backend, open_backend_like, open_checksummed,
    open_redb,
};
use super::key::Key;
use crate::store::db::create_private_file;
use crate::store::db::Database;
use crate::store::error::{Result, StoreError};
use std::path::Path;

impl Database {
    /// Creates a new, empty database file encrypted under `key` (mode 0600, never over an
    /// existing file).
    #[cfg(any(test, feature = "testing"))]
    pub fn create_encrypted(path: impl AsRef<Path>, key: &Key) -> Result<Database> {
        Self::create_keyed(path, Some(key), |_| Ok(()))
    }

    /// Opens an encrypted database file with its key. A wrong key is
    /// [`StoreError::WrongKey`]; a plain file is [`StoreError::NotEncrypted`].
    pub fn open_encrypted(path: impl AsRef<Path>, key: &Key) -> Result<Database> {
        let path = path.as_ref();
        Self::open_encrypted_with_cache(path, key, crate::store::cache_for(path))
    }

    /// [`Database::open_encrypted`] with a page cache of `cache_bytes` (see
    /// [`Database::open_with_cache`]).
    pub fn open_encrypted_with_cache(
        path: impl AsRef<Path>,
        key: &Key,
        cache_bytes: usize,
    ) -> Result<Database> {
        let path = path.as_ref();
        if !super::is_encrypted(path)? {
            return Err(StoreError::NotEncrypted(path.display().to_string()));
        }
        let (backend, sealed) = open_backend(path, key)?;
        let db = open_redb(backend, path, cache_bytes)?;
        let mut database = Database::from_opened(db, path)?;
        database.crypt = Some(sealed);
        Ok(database)
    }

    /// Whether the file is encrypted at rest.
    pub fn is_encrypted(&self) -> bool {
        self.crypt.is_some()
    }

    /// Creates a new, empty redb file at `path` (0600, never over an existing file) like this
    /// database's: encrypted with the same data key (its own header holds its own copy of
    /// the wrapped key, and its own file id) when this one is encrypted, plain with
    /// checksummed blocks otherwise. For
    /// backups: a backup of an encrypted database is as well protected, opens with the same
    /// key, and is destroyed by the same crypto-erase.
    pub(crate) fn create_file_like(&self, path: &Path) -> Result<redb::Database> {
        create_like(self.crypt.as_deref(), path)
    }
}

/// [`Database::create_file_like`] for a database sealed with `crypt` (plain with checksummed
/// blocks when `None`).
pub(crate) fn create_like(
    crypt: Option<&super::file::Sealed>,
    path: &Path,
) -> Result<redb::Database> {
    let file = create_private_file(path)?;
    let made = match crypt {
        None => create_checksummed(file, path).and_then(|backend| {
            redb::Database::builder()
                .create_with_backend(backend)
                .map_err(StoreError::from)
        }),
        Some(sealed) => {
            let header = sealed.header.for_new_file()?;
            create_backend(file, path, &header, &sealed.data_key).and_then(|backend| {
                redb::Database::builder()
                    .create_with_backend(backend)
                    .map_err(StoreError::from)
            })
        }
    };
    if made.is_err() {
        let _ = std::fs::remove_file(path);
    }
    made
}

impl Database {
    /// Opens a file made by [`Database::create_file_like`] (of this database or of another
    /// with the same data key), checking every page. A file with another data key is refused.
    #[allow(dead_code)] // called by the backup code
    pub(crate) fn open_file_like(&self, path: &Path) -> Result<redb::Database> {
        let builder = {
            let mut b = redb::Database::builder();
            b.set_check_integrity_on_open(true);
            b
        };
        match &self.crypt {
            None => match super::file_kind(path)? {
                super::FileKind::Encrypted => {
                    Err(StoreError::Encrypted(path.display().to_string()))
                }
                super::FileKind::Checksummed => {
                    Ok(builder.create_with_backend(open_checksummed(path)?)?)
                }
                super::FileKind::Redb => Ok(builder.open(path)?),
            },
            Some(sealed) => {
                let backend = open_backend_like(path, sealed)?;
                Ok(builder.create_with_backend(backend)?)
            }
        }
    }
}

/// Opens a plain juki file as a bare redb database, behind the engine's back: checksummed
/// blocks through their backend (verified as read), a file of the format before block
/// checksums as it is. A testing aid, for tests that damage tables on purpose.
#[cfg(any(test, feature = "testing"))]
pub fn open_plain_redb(path: &Path) -> Result<redb::Database> {
    match super::file_kind(path)? {
        super::FileKind::Encrypted => Err(StoreError::Encrypted(path.display().to_string())),
        super::FileKind::Checksummed => {
            Ok(redb::Database::builder().create_with_backend(open_checksummed(path)?)?)
        }
        super::FileKind::Redb => Ok(redb::Database::open(path)?),
    }
}
