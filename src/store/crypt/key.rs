//! Keys: what an operator gives ([`Key`]: a passphrase or the bytes of a key file), the
//! key-encryption key derived from it (argon2id for a passphrase, SHA-256 for a key file),
//! and the random data key that actually encrypts the blocks. Every buffer that holds key
//! material is zeroized when dropped.

use crate::store::db::create_private_file;
use crate::store::error::{Result, StoreError};
use sha2::{Digest, Sha256};
use std::path::Path;
use zeroize::Zeroizing;

/// The fewest characters a passphrase may have.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// The fewest bytes a key file may have.
pub const MIN_KEY_FILE_BYTES: usize = 32;

/// Bytes in a data key and in a key-encryption key (256 bits).
pub(crate) const KEY_BYTES: usize = 32;

/// Where the key-encryption key of a file comes from (stored in the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// A passphrase through argon2id.
    Passphrase,
    /// The bytes of a key file through SHA-256.
    KeyFile,
}

impl KeySource {
    pub(crate) fn code(self) -> u8 {
        match self {
            KeySource::Passphrase => 1,
            KeySource::KeyFile => 2,
        }
    }

    pub(crate) fn from_code(c: u8) -> Option<KeySource> {
        match c {
            1 => Some(KeySource::Passphrase),
            2 => Some(KeySource::KeyFile),
            _ => None,
        }
    }

    /// How an operator gives a key of this kind, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            KeySource::Passphrase => "a passphrase",
            KeySource::KeyFile => "a key file",
        }
    }
}

/// The key an operator gives to create or open an encrypted database.
#[derive(Clone)]
pub enum Key {
    /// A passphrase (UTF-8 bytes, as typed).
    Passphrase(Zeroizing<Vec<u8>>),
    /// The whole content of a key file.
    KeyFile(Zeroizing<Vec<u8>>),
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Passphrase(_) => f.write_str("Key::Passphrase(****)"),
            Key::KeyFile(_) => f.write_str("Key::KeyFile(****)"),
        }
    }
}

impl Key {
    /// A passphrase.
    pub fn passphrase(text: &str) -> Key {
        Key::Passphrase(Zeroizing::new(text.as_bytes().to_vec()))
    }

    /// The content of a key file (at least [`MIN_KEY_FILE_BYTES`] bytes).
    pub fn key_file_bytes(bytes: Vec<u8>) -> crate::Result<Key> {
        Ok(Key::from_file_bytes(bytes)?)
    }

    /// Reads a key file.
    pub fn read_key_file(path: &Path) -> crate::Result<Key> {
        Ok(Key::read_file(path)?)
    }

    /// Writes a new key file of 32 random bytes (mode 0600, never over an existing file)
    /// and returns its key.
    pub fn generate_key_file(path: &Path) -> crate::Result<Key> {
        Ok(Key::generate_file(path)?)
    }

    fn from_file_bytes(bytes: Vec<u8>) -> Result<Key> {
        let bytes = Zeroizing::new(bytes);
        if bytes.len() < MIN_KEY_FILE_BYTES {
            return Err(StoreError::BadKey(format!(
                "a key file must hold at least {MIN_KEY_FILE_BYTES} bytes; this one has {}",
                bytes.len()
            )));
        }
        Ok(Key::KeyFile(bytes))
    }

    pub(crate) fn read_file(path: &Path) -> Result<Key> {
        check_private(path)?;
        let bytes = std::fs::read(path)
            .map_err(|e| StoreError::io(format_args!("key file {}", path.display()), e))?;
        Key::from_file_bytes(bytes)
            .map_err(|e| StoreError::BadKey(format!("key file {}: {e}", path.display())))
    }

    fn generate_file(path: &Path) -> Result<Key> {
        use std::io::Write;
        let mut bytes = Zeroizing::new(vec![0u8; KEY_BYTES]);
        random(&mut bytes)?;
        let mut file = create_private_file(path)?;
        let written = file.write_all(&bytes).and_then(|()| file.sync_all());
        if let Err(e) = written {
            let _ = std::fs::remove_file(path);
            return Err(StoreError::io(path.display(), e));
        }
        Ok(Key::KeyFile(bytes))
    }

    /// Which kind of key this is.
    pub fn source(&self) -> KeySource {
        match self {
            Key::Passphrase(_) => KeySource::Passphrase,
            Key::KeyFile(_) => KeySource::KeyFile,
        }
    }

    /// Refuses a passphrase too short to stand up to guessing.
    pub(crate) fn check_strength(&self) -> Result<()> {
        if let Key::Passphrase(p) = self {
            let chars = String::from_utf8_lossy(p).chars().count();
            if chars < MIN_PASSPHRASE_CHARS {
                return Err(StoreError::BadKey(format!(
                    "a passphrase needs at least {MIN_PASSPHRASE_CHARS} characters"
                )));
            }
        }
        Ok(())
    }
}

/// The argon2id cost of deriving a key-encryption key from a passphrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KdfParams {
    /// Memory in KiB.
    pub m: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// 64 MiB, 3 passes, 1 lane (argon2's RFC 9106 second recommendation).
    pub const DEFAULT: KdfParams = KdfParams {
        m: 64 * 1024,
        t: 3,
        p: 1,
    };
}

/// Derives the key-encryption key. `salt` is the header's; for a passphrase `params` is its
/// argon2id cost.
pub(crate) fn derive_kek(
    key: &Key,
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; KEY_BYTES]>> {
    let mut out = Zeroizing::new([0u8; KEY_BYTES]);
    match key {
        Key::Passphrase(p) => {
            let params = argon2::Params::new(params.m, params.t, params.p, Some(KEY_BYTES))
                .map_err(|e| StoreError::Corrupt {
                    table: "(encryption header)",
                    detail: format!("argon2id parameters: {e}"),
                })?;
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                .hash_password_into(p, salt, out.as_mut())
                .map_err(|e| StoreError::Storage(format!("argon2id: {e}")))?;
        }
        Key::KeyFile(bytes) => {
            let mut h = Sha256::new();
            h.update(b"juki key file v1\0");
            h.update(salt);
            h.update(bytes.as_slice());
            out.copy_from_slice(&h.finalize());
        }
    }
    Ok(out)
}

/// The key-check value stored in the header: tells a wrong key from a damaged header
/// without trying to unwrap the data key, and reveals nothing useful about the key.
pub(crate) fn key_check(kek: &[u8; KEY_BYTES]) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update(b"juki key check v1\0");
    h.update(kek);
    let d = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&d[..16]);
    out
}

/// Fills `buf` from the operating system's random source.
pub(crate) fn random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| StoreError::Storage(format!("random numbers: {e}")))
}

/// A new random data key.
pub(crate) fn new_data_key() -> Result<Zeroizing<[u8; KEY_BYTES]>> {
    let mut k = Zeroizing::new([0u8; KEY_BYTES]);
    random(k.as_mut())?;
    Ok(k)
}

/// A key file must be its owner's alone (no permission for group or others, as `juki` writes
/// them): one that others can read may have been copied, and is refused rather than used
/// silently.
#[cfg(unix)]
fn check_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .map_err(|e| StoreError::io(format_args!("key file {}", path.display()), e))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(StoreError::BadKey(format!(
            "key file {} is readable or writable by others (mode {mode:o}): make it the owner's alone (chmod 600) before using it",
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new key file is a new file of mode 0600: an existing path, a symbolic link to a
    /// file or to nowhere, is refused and nothing is written through it.
    #[cfg(unix)]
    #[test]
    fn a_key_file_is_made_new_and_private_and_never_over_a_path() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("city.key");
        Key::generate_key_file(&fresh).unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let existing = dir.path().join("existing");
        std::fs::write(&existing, "keep me").unwrap();
        let link = dir.path().join("link.key");
        std::os::unix::fs::symlink(&existing, &link).unwrap();
        let dangling = dir.path().join("dangling.key");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        for path in [&fresh, &existing, &link, &dangling] {
            let e = Key::generate_key_file(path).unwrap_err();
            assert_eq!(e.code().as_str(), "IO", "{}: {e}", path.display());
        }
        assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me");
        assert!(!dir.path().join("nowhere").exists());
    }

    #[test]
    fn key_files_and_passphrases_derive_different_keys() {
        let salt = [7u8; 16];
        let fast = KdfParams { m: 64, t: 1, p: 1 };
        let a = derive_kek(&Key::passphrase("correct horse battery"), &salt, fast).unwrap();
        let b = derive_kek(&Key::passphrase("correct horse batterz"), &salt, fast).unwrap();
        assert_ne!(*a, *b);
        let f = Key::key_file_bytes(vec![1; 32]).unwrap();
        let c = derive_kek(&f, &salt, fast).unwrap();
        assert_ne!(*a, *c);
        assert_eq!(*c, *derive_kek(&f, &salt, fast).unwrap());
        assert!(Key::key_file_bytes(vec![1; 31]).is_err());
        assert!(Key::passphrase("short").check_strength().is_err());
    }
}
