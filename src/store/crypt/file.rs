//! Files of sealed blocks: telling an encrypted, a checksummed and a plain redb file apart by
//! the header, writing a new one's header, opening one (encrypted: with a key, or with a data
//! key already unwrapped, for a backup of an open database) into a [`CryptBackend`] that
//! redb runs on, and the open of redb over it ([`open_redb`]).

use super::backend::CryptBackend;
use super::backend::{BlockSeal, Sealing};
use super::header::{
    decode_envelope, decode_length, encode_checksummed, encode_length, Envelope, Header, CIPHER_AT,
    CIPHER_XCHACHA20_POLY1305, HEADER_BYTES, LENGTH_AT, LENGTH_SLOT, MAGIC,
};
use super::key::{Key, KEY_BYTES};
use crate::store::error::{Result, StoreError};
use redb::backends::FileBackend;
use redb::StorageBackend;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::Ordering;
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

/// What kind of juki file a file is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A plain redb file: the format before block checksums (or not a juki file at all).
    Redb,
    /// A plain file of checksummed blocks behind a juki header.
    Checksummed,
    /// An encrypted file behind a juki header.
    Encrypted,
}

/// What kind of file `path` is (see [`FileKind`]). A missing file is NOT_FOUND; a file
/// shorter than the magic is a plain redb file (redb refuses it).
pub fn file_kind(path: &Path) -> Result<FileKind> {
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
    let mut start = [0u8; CIPHER_AT + 1];
    let mut got = 0;
    while got < start.len() {
        match file.read(&mut start[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_err(path, e)),
        }
    }
    Ok(if got < MAGIC.len() || start[..MAGIC.len()] != MAGIC {
        FileKind::Redb
    } else if got > CIPHER_AT && start[CIPHER_AT] == CIPHER_XCHACHA20_POLY1305 {
        FileKind::Encrypted
    } else {
        // A damaged cipher id is found when the header is decoded (its CRC).
        FileKind::Checksummed
    })
}

/// Whether the file at `path` is an encrypted juki file. A missing file is NOT_FOUND.
pub fn is_encrypted(path: &Path) -> Result<bool> {
    Ok(file_kind(path)? == FileKind::Encrypted)
}

/// Writes the header of a new checksummed plain file into the new, empty `file` and returns
/// the backend over it.
pub(crate) fn create_checksummed(file: std::fs::File, path: &Path) -> Result<FileCrypt> {
    let mut file_id = [0u8; 16];
    super::key::random(&mut file_id)?;
    let inner = FileBackend::new(file).map_err(|e| io_err(path, e))?;
    let write = || -> std::io::Result<()> {
        inner.set_len(HEADER_BYTES)?;
        inner.write(0, &encode_checksummed(file_id))?;
        inner.write(LENGTH_AT, &encode_length(0))?;
        inner.sync_data()
    };
    write().map_err(|e| io_err(path, e))?;
    CryptBackend::with_seal(inner, BlockSeal::new(Sealing::Checksum, file_id), 0)
        .map_err(|e| io_err(path, e))
}

/// Opens a checksummed plain file (an encrypted one is [`StoreError::Encrypted`]).
pub(crate) fn open_checksummed(path: &Path) -> Result<FileCrypt> {
    checksummed_over(open_inner(path)?, path)
}

/// [`open_checksummed`] with the file opened for reading only (a read-only open).
pub(crate) fn open_checksummed_read_only(path: &Path) -> Result<FileCrypt> {
    checksummed_over(open_inner_for(path, false)?, path)
}

fn checksummed_over(inner: FileBackend, path: &Path) -> Result<FileCrypt> {
    let (envelope, logical) = read_envelope(&inner, path)?;
    match envelope {
        Envelope::Checksummed { file_id } => {
            CryptBackend::with_seal(inner, BlockSeal::new(Sealing::Checksum, file_id), logical)
                .map_err(|e| backend_err(path, e))
        }
        Envelope::Encrypted(_) => Err(StoreError::Encrypted(path.display().to_string())),
    }
}

/// Opens redb over a backend of sealed blocks, with a page cache of `cache_bytes`.
///
/// The fast path trusts redb's record of a clean close, as redb does, because every block
/// is verified when it is read. Two cases take the slow path, in which redb verifies the
/// whole file against its own page checksums with the backend lenient (so that redb, not
/// the backend, judges a torn commit and falls back to the previous one):
/// * redb's header block (block 0) does not verify: a torn write of redb's header, which
///   redb recovers from with its two commit slots, or damage, which redb reports;
/// * redb finds the file was not closed cleanly and repairs it (its repair callback).
///
/// Afterwards every read verifies again.
pub(crate) fn open_redb(
    backend: FileCrypt,
    path: &Path,
    cache_bytes: usize,
) -> Result<redb::Database> {
    let logical = backend.len().map_err(|e| backend_err(path, e))?;
    if logical == 0 {
        // redb would lay out a new database in it.
        return Err(StoreError::Corrupt {
            table: "(file header)",
            detail: format!("{}: the file holds no database (length 0)", path.display()),
        });
    }
    let header_intact = backend
        .block_verifies(0)
        .map_err(|e| backend_err(path, e))?;
    let lenient = backend.leniency();
    lenient.store(!header_intact, Ordering::SeqCst);
    let on_repair = Arc::clone(&lenient);
    let opened = redb::Database::builder()
        .set_cache_size(cache_bytes)
        .set_check_integrity_on_open(!header_intact)
        .set_repair_callback(move |_| on_repair.store(true, Ordering::SeqCst))
        .create_with_backend(backend);
    lenient.store(false, Ordering::SeqCst);
    match (opened, header_intact) {
        (Ok(db), _) => Ok(db),
        (Err(e), true) => Err(e.into()),
        (Err(e), false) => Err(match StoreError::from(e) {
            StoreError::Corrupt { table, detail } => StoreError::Corrupt {
                table,
                detail: format!(
                    "{}: block 0 (redb's header) does not verify, and redb could not recover \
                     from its commit slots: {detail}",
                    path.display()
                ),
            },
            other => other,
        }),
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
    match read_envelope(inner, path)? {
        (Envelope::Encrypted(header), logical) => Ok((header, logical)),
        (Envelope::Checksummed { .. }, _) => {
            Err(StoreError::NotEncrypted(path.display().to_string()))
        }
    }
}

/// Reads the header (of either kind) and the logical length of a file of sealed blocks.
pub(crate) fn read_envelope(inner: &FileBackend, path: &Path) -> Result<(Envelope, u64)> {
    let name = path.display().to_string();
    let physical = inner.len().map_err(|e| io_err(path, e))?;
    let mut fixed = vec![0u8; 512.min(physical as usize)];
    inner.read(0, &mut fixed).map_err(|e| io_err(path, e))?;
    let header = decode_envelope(&fixed, &name)?;
    if physical < HEADER_BYTES {
        return Err(StoreError::Corrupt {
            table: "(file header)",
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
    open_inner_for(path, true)
}

/// Opens `path` with redb's file backend, for reading and writing or (`write` false) for
/// reading only.
fn open_inner_for(path: &Path, write: bool) -> Result<FileBackend> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(write)
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
    backend_over(open_inner(path)?, path, key)
}

/// [`open_backend`] with the file opened for reading only (a read-only open).
pub(crate) fn open_backend_read_only(path: &Path, key: &Key) -> Result<(FileCrypt, Arc<Sealed>)> {
    backend_over(open_inner_for(path, false)?, path, key)
}

fn backend_over(inner: FileBackend, path: &Path, key: &Key) -> Result<(FileCrypt, Arc<Sealed>)> {
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
