//! Encryption at rest, as an embedder meets it: a [`Key`], and the operations on a whole
//! file that run while it is closed (`rekey`, `erase`). The file format and the encrypting
//! storage backend are the store's (`store::crypt`; DESIGN.md, "Encryption at rest").

use std::path::{Path, PathBuf};

use crate::store::crypt;
pub use crate::store::crypt::{
    EraseReport, Key, KeySource, RekeyReport, MIN_KEY_FILE_BYTES, MIN_PASSPHRASE_CHARS,
};
use crate::Result;

/// Whether the file at `path` is encrypted at rest (told by its header, without a key).
/// `NOT_FOUND` when there is no file.
pub fn is_encrypted(path: &Path) -> Result<bool> {
    Ok(crypt::is_encrypted(path)?)
}

/// Re-encrypts a closed file under a new data key and `new`, or encrypts a plain one
/// (`old` is `None`); the old file stays whole until the new one is in place.
pub fn rekey(path: &Path, old: Option<&Key>, new: &Key) -> Result<RekeyReport> {
    Ok(crypt::rekey(path, old, new)?)
}

/// Crypto-erase: destroys the wrapped data key in the header of the file at `path` and of
/// each of `copies` (its backups, which share the key), and the key file when given, so
/// that nothing in them can be decrypted again.
pub fn erase(path: &Path, copies: &[PathBuf], key_file: Option<&Path>) -> Result<EraseReport> {
    Ok(crypt::erase(path, copies, key_file)?)
}
