//! Encrypted files: telling one from a plain redb file by its magic, writing a new one's
//! header, and opening one with a key (or with a data key already unwrapped, for a backup of
//! an open database) into a [`CryptBackend`] that redb runs on.

use super::backend::CryptBackend;
use super::header::{
    decode_length, encode_length, Header, HEADER_BYTES, LENGTH_AT, LENGTH_SLOT, MAGIC,
};
use super::key::{Key, KEY_BYTES};
use crate::store::error::{Result, StoreError};
use redb::backends::FileBackend;
use redb::StorageBackend;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The key material of an open encrypted database: its header (with the wrapped data key)
/// and the data key itself, kept to make files with the same key (backups).
pub(crate) struct Sealed {
    pub header: Header,
    pub data_key: Zeroizing<[u8; KEY_BYTES]>,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealed(****)")
    }
}

/// The redb backend of an encrypted file.
pub(crate) type FileCrypt = CryptBackend<FileBackend>;

fn io_err(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Storage(format!("{}: {e}", path.display()))
}

fn backend_err(path: &Path, e: std::io::Error) -> StoreError {
    if matches!(
        e.kind(),
        std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
    ) {
        StoreError::Corrupt {
            table: "(file)",
            detail: format!("{}: {e}", path.display()),
        }
    } else {
        io_err(path, e)
    }
}

/// Whether the file at `path` is an encrypted juki file (starts with the magic). A missing
/// file is NOT_FOUND; a file shorter than the magic is not encrypted.
pub fn is_encrypted(path: &Path) -> Result<bool> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::NotFound(format!(
                "database file {}",
                path.display()
            )))
        }
        Err(e) => return Err(io_err(path, e)),
    };
    let mut magic = [0u8; MAGIC.len()];
    match file.read_exact(&mut magic) {
        Ok(()) => Ok(magic == MAGIC),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(io_err(path, e)),
    }
}

/// Writes `header` (length 0) into the new, empty `file` and returns the backend over it.
pub(crate) fn create_backend(
    file: std::fs::File,
    path: &Path,
    header: &Header,
    data_key: &[u8; KEY_BYTES],
) -> Result<FileCrypt> {
    let inner = FileBackend::new(file).map_err(|e| io_err(path, e))?;
    let write = || -> std::io::Result<()> {
        inner.set_len(HEADER_BYTES)?;
        inner.write(0, &header.encode_fixed())?;
        inner.write(LENGTH_AT, &encode_length(0))?;
        inner.sync_data()
    };
    write().map_err(|e| io_err(path, e))?;
    CryptBackend::new(inner, data_key, header.file_id, 0).map_err(|e| io_err(path, e))
}

/// A new encrypted file's key material under `key`: a fresh random data key.
pub(crate) fn seal_new(key: &Key) -> Result<Arc<Sealed>> {
    key.check_strength()?;
    let data_key = super::key::new_data_key()?;
    let header = Header::seal(key, &data_key)?;
    Ok(Arc::new(Sealed { header, data_key }))
}

/// Reads the header and the logical length of an encrypted file.
pub(crate) fn read_header(inner: &FileBackend, path: &Path) -> Result<(Header, u64)> {
    let name = path.display().to_string();
    let physical = inner.len().map_err(|e| io_err(path, e))?;
    let mut fixed = vec![0u8; 512.min(physical as usize)];
    inner.read(0, &mut fixed).map_err(|e| io_err(path, e))?;
    let header = Header::decode(&fixed, &name)?;
    if physical < HEADER_BYTES {
        return Err(StoreError::Corrupt {
            table: "(encryption header)",
            detail: format!("{name}: the file ends inside its header"),
        });
    }
    let mut slot = [0u8; LENGTH_SLOT];
    inner
        .read(LENGTH_AT, &mut slot)
        .map_err(|e| io_err(path, e))?;
    Ok((header, decode_length(&slot, &name)?))
}

/// Opens `path` read-write with redb's file backend.
pub(crate) fn open_inner(path: &Path) -> Result<FileBackend> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                StoreError::NotFound(format!("database file {}", path.display()))
            } else {
                io_err(path, e)
            }
        })?;
    FileBackend::new(file).map_err(|e| io_err(path, e))
}

/// Opens an encrypted file with `key`.
pub(crate) fn open_backend(path: &Path, key: &Key) -> Result<(FileCrypt, Arc<Sealed>)> {
    let inner = open_inner(path)?;
    let (header, logical) = read_header(&inner, path)?;
    let data_key = header.unwrap(key, &path.display().to_string())?;
    let backend = CryptBackend::new(inner, &data_key, header.file_id, logical)
        .map_err(|e| backend_err(path, e))?;
    Ok((backend, Arc::new(Sealed { header, data_key })))
}

/// Opens an encrypted file made with the same data key as `sealed` (a backup).
pub(crate) fn open_backend_like(path: &Path, sealed: &Sealed) -> Result<FileCrypt> {
    let inner = open_inner(path)?;
    let (header, logical) = read_header(&inner, path)?;
    if header.destroyed {
        return Err(StoreError::KeyDestroyed(path.display().to_string()));
    }
    if header.key_id != sealed.header.key_id {
        return Err(StoreError::BadKey(format!(
            "{} is encrypted with another data key",
            path.display()
        )));
    }
    CryptBackend::new(inner, &sealed.data_key, header.file_id, logical)
        .map_err(|e| backend_err(path, e))
}
