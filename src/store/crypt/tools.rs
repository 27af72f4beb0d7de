//! Whole-file operations on databases while no one has them open: rekey (every block
//! re-encrypted under a new data key into a new file that replaces the old one), the
//! carry-over of a plain file of the format before block checksums into a checksummed one,
//! and crypto-erase (the wrapped data key destroyed in every header that holds it).

use super::backend::{BlockSeal, CryptBackend, ReadFor, Sealing};
use super::file::{create_backend, open_inner, read_envelope, read_header, seal_new, FileCrypt};
use super::header::{Envelope, Header};
use super::key::Key;
use crate::store::db::create_private_file;
use crate::store::error::{Result, StoreError};
use redb::backends::FileBackend;
use redb::StorageBackend;
use std::ops::Bound;
use std::path::{Path, PathBuf};

/// Bytes copied at a time by rekey.
const COPY_CHUNK: usize = 1 << 20;

fn io_err(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Storage(format!("{}: {e}", path.display()))
}

/// Takes an exclusive lock over the whole file, as an open database holds it: refuses a
/// file that a database has open.
fn lock(inner: &FileBackend, path: &Path) -> Result<()> {
    match inner.try_lock_range(Bound::Unbounded, Bound::Unbounded) {
        Ok(true) => Ok(()),
        Ok(false) => Err(StoreError::Storage(format!(
            "{}: the database is open; close it first",
            path.display()
        ))),
        // No locks on this platform: go on, as redb does.
        Err(_) => Ok(()),
    }
}

/// What a rekey did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekeyReport {
    /// The database's logical size in bytes.
    pub bytes: u64,
    /// Blocks re-encrypted.
    pub blocks: u64,
}

/// Re-encrypts the database at `path` under a new random data key wrapped by `new`. `old`
/// is its current key, or `None` for a plain file (which becomes encrypted). The new file
/// is written next to the old one, synced and renamed over it: a crash leaves the old file.
pub fn rekey(path: &Path, old: Option<&Key>, new: &Key) -> Result<RekeyReport> {
    let sealed = seal_new(new)?;
    rewrite(path, old, |file, temp| {
        create_backend(file, temp, &sealed.header, &sealed.data_key)
    })
}

/// Carries a plain file of the format before block checksums (a bare redb file) over into
/// a plain file of checksummed blocks, in place: the old file is first opened with redb's
/// full integrity check (so that damage is not carried over), then copied block by block
/// into a new file renamed over it. A file that already has checksummed blocks is rewritten
/// the same way (its blocks verified as they are read).
#[cfg(any(test, feature = "testing"))]
pub fn checksum_plain(path: &Path) -> Result<RekeyReport> {
    if super::file_kind(path)? == super::FileKind::Redb {
        let verified = redb::Database::builder()
            .set_check_integrity_on_open(true)
            .open(path)?;
        drop(verified);
    }
    rewrite(path, None, super::file::create_checksummed)
}

/// The file a rewrite copies from.
enum Source {
    /// A bare redb file (the format before block checksums).
    Bare(FileBackend),
    /// A file of sealed blocks.
    Sealed(FileCrypt),
}

impl Source {
    fn len(&self) -> std::io::Result<u64> {
        match self {
            Source::Bare(b) => b.len(),
            Source::Sealed(b) => b.len(),
        }
    }

    /// Reads logical bytes: sealed blocks must verify, and a block never written (zeros)
    /// reads as zeros.
    fn read(&self, at: u64, out: &mut [u8]) -> std::io::Result<()> {
        match self {
            Source::Bare(b) => b.read(at, out),
            Source::Sealed(b) => b.read_as(at, out, ReadFor::Merge),
        }
    }
}

/// Writes the logical bytes of the plain database at `path` (checksummed blocks, each
/// verified as read) to a new file at `to` as a bare redb file: the format before block
/// checksums, which an older juki opens (with its whole-file check). For comparisons and
/// for carrying a file back; `to` must not exist.
#[cfg(any(test, feature = "testing"))]
pub fn strip_blocks(path: &Path, to: &Path) -> Result<RekeyReport> {
    let source = open_source(path, None)?;
    let file = create_private_file(to)?;
    let dest = FileBackend::new(file).map_err(|e| io_err(to, e))?;
    let copied = (|| -> Result<RekeyReport> {
        let len = source.len().map_err(|e| io_err(path, e))?;
        dest.set_len(len).map_err(|e| io_err(to, e))?;
        let mut buf = vec![0u8; COPY_CHUNK];
        let mut at = 0u64;
        while at < len {
            let n = COPY_CHUNK.min((len - at) as usize);
            source
                .read(at, &mut buf[..n])
                .map_err(|e| io_err(path, e))?;
            dest.write(at, &buf[..n]).map_err(|e| io_err(to, e))?;
            at += n as u64;
        }
        dest.sync_data().map_err(|e| io_err(to, e))?;
        Ok(RekeyReport {
            bytes: len,
            blocks: len.div_ceil(super::BLOCK_BYTES as u64),
        })
    })();
    if copied.is_err() {
        let _ = std::fs::remove_file(to);
    }
    copied
}

/// Opens the source of a rewrite: encrypted with `old`, or plain (checksummed or bare).
fn open_source(path: &Path, old: Option<&Key>) -> Result<Source> {
    let name = path.display().to_string();
    let source_inner = open_inner(path)?;
    lock(&source_inner, path)?;
    // Read through the locked handle: on some systems closing another handle of the file
    // would release the lock.
    let mut magic = [0u8; 8];
    let enveloped = source_inner.len().map_err(|e| io_err(path, e))? >= 8
        && source_inner
            .read(0, &mut magic)
            .map(|()| magic == super::header::MAGIC)
            .map_err(|e| io_err(path, e))?;
    if !enveloped {
        return match old {
            None => Ok(Source::Bare(source_inner)),
            Some(_) => Err(StoreError::NotEncrypted(name)),
        };
    }
    let (envelope, logical) = read_envelope(&source_inner, path)?;
    let backend = match (old, envelope) {
        (Some(key), Envelope::Encrypted(_)) => {
            let (header, logical) = read_header(&source_inner, path)?;
            let data_key = header.unwrap(key, &name)?;
            CryptBackend::new(source_inner, &data_key, header.file_id, logical)
        }
        (None, Envelope::Checksummed { file_id }) => CryptBackend::with_seal(
            source_inner,
            BlockSeal::new(Sealing::Checksum, file_id),
            logical,
        ),
        (Some(_), Envelope::Checksummed { .. }) => return Err(StoreError::NotEncrypted(name)),
        (None, Envelope::Encrypted(_)) => return Err(StoreError::Encrypted(name)),
    };
    Ok(Source::Sealed(backend.map_err(|e| io_err(path, e))?))
}

/// Copies the database at `path` (opened with `old`, see [`open_source`]) block by block
/// into a new file next to it made by `create`, syncs it and renames it over the old one:
/// a crash leaves the old file.
fn rewrite(
    path: &Path,
    old: Option<&Key>,
    create: impl FnOnce(std::fs::File, &Path) -> Result<FileCrypt>,
) -> Result<RekeyReport> {
    let name = path.display().to_string();
    let source = open_source(path, old)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "juki.redb".into());
    let temp: PathBuf = path.with_file_name(format!(".{file_name}.rekey-{}", std::process::id()));
    let file = create_private_file(&temp)?;
    let copied = (|| -> Result<RekeyReport> {
        let dest = create(file, &temp)?;
        let len = source.len().map_err(|e| io_err(path, e))?;
        dest.set_len(len).map_err(|e| io_err(&temp, e))?;
        let mut buf = vec![0u8; COPY_CHUNK];
        let mut at = 0u64;
        while at < len {
            let n = COPY_CHUNK.min((len - at) as usize);
            source.read(at, &mut buf[..n]).map_err(|e| {
                if e.kind() == std::io::ErrorKind::InvalidData {
                    StoreError::Corrupt {
                        table: "(file)",
                        detail: format!("{name}: {e}"),
                    }
                } else {
                    io_err(path, e)
                }
            })?;
            dest.write(at, &buf[..n]).map_err(|e| io_err(&temp, e))?;
            at += n as u64;
        }
        dest.sync_data().map_err(|e| io_err(&temp, e))?;
        dest.close().map_err(|e| io_err(&temp, e))?;
        Ok(RekeyReport {
            bytes: len,
            blocks: len.div_ceil(super::BLOCK_BYTES as u64),
        })
    })();
    let report = match copied {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
    };
    if let Err(e) = std::fs::rename(&temp, path) {
        let _ = std::fs::remove_file(&temp);
        return Err(io_err(path, e));
    }
    drop(source);
    sync_dir(path);
    Ok(report)
}

/// Makes a rename durable: syncs the directory that holds `path` (where that is possible).
fn sync_dir(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// What a crypto-erase destroyed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EraseReport {
    /// Files whose wrapped data key was overwritten (the database first).
    pub destroyed: Vec<PathBuf>,
    /// Files whose key slot had already been destroyed.
    pub already: Vec<PathBuf>,
    /// The key file deleted, if one was given.
    pub key_file: Option<PathBuf>,
}

/// Crypto-erase: overwrites the wrapped data key in the header of the database at `path` and
/// of each of `copies` (which must carry the same data key: checked by key id, and every file
/// is checked before any is changed), syncs each, and, when `key_file` is given and is this
/// database's key, overwrites and deletes it. The blocks stay on disk, unreadable without
/// the data key.
pub fn erase(path: &Path, copies: &[PathBuf], key_file: Option<&Path>) -> Result<EraseReport> {
    let mut files = Vec::new();
    let mut first: Option<Header> = None;
    for p in std::iter::once(path).chain(copies.iter().map(PathBuf::as_path)) {
        if !super::is_encrypted(p)? {
            return Err(StoreError::NotEncrypted(p.display().to_string()));
        }
        let inner = open_inner(p)?;
        lock(&inner, p)?;
        let (header, _) = read_header(&inner, p)?;
        if let Some(f) = &first {
            if f.key_id != header.key_id {
                return Err(StoreError::BadKey(format!(
                    "{} is encrypted with another data key than {}; nothing was erased",
                    p.display(),
                    path.display()
                )));
            }
        } else {
            first = Some(header.clone());
        }
        files.push((p.to_path_buf(), inner, header));
    }
    let key = match key_file {
        Some(kf) => {
            let key = Key::read_file(kf)?;
            let header = first.as_ref().expect("the database's header");
            if !header.accepts(&key)? {
                return Err(StoreError::BadKey(format!(
                    "{} is not the key file of {}; nothing was erased",
                    kf.display(),
                    path.display()
                )));
            }
            Some(kf)
        }
        None => None,
    };
    let mut report = EraseReport {
        destroyed: Vec::new(),
        already: Vec::new(),
        key_file: None,
    };
    for (p, inner, mut header) in files {
        if header.destroyed {
            report.already.push(p);
            continue;
        }
        header.destroy();
        inner
            .write(0, &header.encode_fixed())
            .and_then(|()| inner.sync_data())
            .map_err(|e| io_err(&p, e))?;
        report.destroyed.push(p);
    }
    if let Some(kf) = key {
        let len = std::fs::metadata(kf).map_err(|e| io_err(kf, e))?.len();
        let overwrite = std::fs::OpenOptions::new()
            .write(true)
            .open(kf)
            .and_then(|mut f| {
                use std::io::Write;
                f.write_all(&vec![0u8; len as usize])?;
                f.sync_all()
            });
        overwrite.map_err(|e| io_err(kf, e))?;
        std::fs::remove_file(kf).map_err(|e| io_err(kf, e))?;
        report.key_file = Some(kf.to_path_buf());
    }
    Ok(report)
}
