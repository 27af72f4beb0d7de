//! The header at the start of a juki file of sealed blocks: what it is, how its blocks are
//! sealed and, encrypted, how its key is derived and the data key wrapped by the
//! key-encryption key. See DESIGN.md, "Encryption at rest" and "Storage layout".
//!
//! A plain (checksummed) file has the same header with cipher 0, key source 0 and zeros in
//! every key field; only its file id is set. A plain redb file (no header) is the format
//! before block checksums.
//!
//! ```text
//! offset size  field
//!      0    8  magic "JUKIENC\0"
//!      8    2  header format version (1), u16 LE
//!     10    1  cipher (0 = none, CRC-32 per block; 1 = XChaCha20-Poly1305)
//!     11    1  key source (0 = none, 1 = passphrase through argon2id, 2 = key file)
//!     12    4  logical block size (4096), u32 LE
//!     16   12  argon2id m (KiB), t, p: u32 LE each (zero for a key file)
//!     28    4  reserved (zero)
//!     32   16  salt of the key derivation
//!     48   16  key id: random, shared by every file encrypted with this data key
//!     64   16  key-check value: SHA-256("juki key check v1\0" ‖ KEK)[..16]
//!     80   16  file id: random, this file's own (associated data of every block)
//!     96    1  key slot state (1 = live, 2 = destroyed by crypto-erase)
//!     97    7  reserved (zero)
//!    104   24  wrap nonce
//!    128   32  data key encrypted under the KEK (XChaCha20-Poly1305, associated data:
//!              bytes 0..80)
//!    160   16  its tag
//!    176    4  CRC-32 of bytes 0..176
//!    512    8  logical length of the database, u64 LE
//!    520    4  CRC-32 of bytes 512..520
//! ```
//! The header takes [`HEADER_BYTES`]; the blocks follow it.

use super::key::{derive_kek, key_check, random, KdfParams, Key, KeySource, KEY_BYTES};
use crate::store::error::{Result, StoreError};
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

/// The first bytes of every encrypted juki file.
pub const MAGIC: [u8; 8] = *b"JUKIENC\0";

/// The header's format version.
pub(crate) const HEADER_VERSION: u16 = 1;

/// No encryption: blocks carry a CRC-32 each.
pub(crate) const CIPHER_NONE_CRC32: u8 = 0;
/// XChaCha20-Poly1305.
pub(crate) const CIPHER_XCHACHA20_POLY1305: u8 = 1;
/// Where the cipher id is.
pub(crate) const CIPHER_AT: usize = 10;

/// Bytes reserved for the header before the first block.
pub const HEADER_BYTES: u64 = 4096;

/// Logical bytes in a block.
pub const BLOCK_BYTES: usize = 4096;

const AD_END: usize = 80;
const STATE: usize = 96;
const WRAP_NONCE: usize = 104;
const WRAPPED: usize = 128;
const WRAP_TAG: usize = 160;
const CRC: usize = 176;
const FIXED_END: usize = 180;
/// Where the logical length is kept.
pub(crate) const LENGTH_AT: u64 = 512;
/// The length and its CRC.
pub(crate) const LENGTH_SLOT: usize = 12;

const SLOT_LIVE: u8 = 1;
const SLOT_DESTROYED: u8 = 2;

/// The fixed part of a header, decoded.
#[derive(Clone)]
pub(crate) struct Header {
    pub source: KeySource,
    pub kdf: KdfParams,
    pub salt: [u8; 16],
    pub key_id: [u8; 16],
    pub check: [u8; 16],
    pub file_id: [u8; 16],
    pub destroyed: bool,
    pub wrap_nonce: [u8; 24],
    pub wrapped: [u8; KEY_BYTES],
    pub tag: [u8; 16],
}

/// Why a header could not be used.
fn damaged(path: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table: "(file header)",
        detail: format!("{path}: {what}"),
    }
}

impl Header {
    /// A header for a new data key under `key`: fresh salt, key id and file id.
    pub fn seal(key: &Key, data_key: &[u8; KEY_BYTES]) -> Result<Header> {
        let mut salt = [0u8; 16];
        let mut key_id = [0u8; 16];
        let mut file_id = [0u8; 16];
        random(&mut salt)?;
        random(&mut key_id)?;
        random(&mut file_id)?;
        let kdf = match key.source() {
            KeySource::Passphrase => KdfParams::DEFAULT,
            KeySource::KeyFile => KdfParams { m: 0, t: 0, p: 0 },
        };
        let kek = derive_kek(key, &salt, kdf)?;
        let mut h = Header {
            source: key.source(),
            kdf,
            salt,
            key_id,
            check: key_check(&kek),
            file_id,
            destroyed: false,
            wrap_nonce: [0; 24],
            wrapped: [0; KEY_BYTES],
            tag: [0; 16],
        };
        random(&mut h.wrap_nonce)?;
        let ad = h.encode_fixed();
        let mut wrapped = Zeroizing::new(*data_key);
        let tag = XChaCha20Poly1305::new(kek.as_ref().into())
            .encrypt_in_place_detached(
                XNonce::from_slice(&h.wrap_nonce),
                &ad[..AD_END],
                wrapped.as_mut(),
            )
            .map_err(|_| StoreError::Storage("wrapping the data key failed".into()))?;
        h.wrapped = *wrapped;
        h.tag.copy_from_slice(&tag);
        Ok(h)
    }

    /// The same data key and key-encryption key for another file: a new file id.
    pub fn for_new_file(&self) -> Result<Header> {
        let mut h = self.clone();
        random(&mut h.file_id)?;
        Ok(h)
    }

    /// The fixed part, with its CRC.
    pub fn encode_fixed(&self) -> [u8; FIXED_END] {
        let mut b = [0u8; FIXED_END];
        b[0..8].copy_from_slice(&MAGIC);
        b[8..10].copy_from_slice(&HEADER_VERSION.to_le_bytes());
        b[CIPHER_AT] = CIPHER_XCHACHA20_POLY1305;
        b[11] = self.source.code();
        b[12..16].copy_from_slice(&(BLOCK_BYTES as u32).to_le_bytes());
        b[16..20].copy_from_slice(&self.kdf.m.to_le_bytes());
        b[20..24].copy_from_slice(&self.kdf.t.to_le_bytes());
        b[24..28].copy_from_slice(&self.kdf.p.to_le_bytes());
        b[32..48].copy_from_slice(&self.salt);
        b[48..64].copy_from_slice(&self.key_id);
        b[64..80].copy_from_slice(&self.check);
        b[80..96].copy_from_slice(&self.file_id);
        b[STATE] = if self.destroyed {
            SLOT_DESTROYED
        } else {
            SLOT_LIVE
        };
        b[WRAP_NONCE..WRAPPED].copy_from_slice(&self.wrap_nonce);
        b[WRAPPED..WRAP_TAG].copy_from_slice(&self.wrapped);
        b[WRAP_TAG..CRC].copy_from_slice(&self.tag);
        let crc = crc32fast::hash(&b[..CRC]);
        b[CRC..FIXED_END].copy_from_slice(&crc.to_le_bytes());
        b
    }

    /// Reads the fixed part of an encrypted file's header. `path` is for messages; a
    /// checksummed plain file is [`StoreError::NotEncrypted`].
    #[cfg(test)]
    pub fn decode(b: &[u8], path: &str) -> Result<Header> {
        match decode_envelope(b, path)? {
            Envelope::Encrypted(h) => Ok(h),
            Envelope::Checksummed { .. } => Err(StoreError::NotEncrypted(path.to_string())),
        }
    }

    /// Unwraps the data key with `key`: [`StoreError::KeyDestroyed`] after a crypto-erase,
    /// [`StoreError::WrongKey`] for another key, CORRUPT for a header that was tampered with.
    pub fn unwrap(&self, key: &Key, path: &str) -> Result<Zeroizing<[u8; KEY_BYTES]>> {
        if self.destroyed {
            return Err(StoreError::KeyDestroyed(path.to_string()));
        }
        if key.source() != self.source {
            return Err(StoreError::WrongKey {
                path: path.to_string(),
                takes: self.source.describe(),
            });
        }
        let kek = derive_kek(key, &self.salt, self.kdf)?;
        if key_check(&kek) != self.check {
            return Err(StoreError::WrongKey {
                path: path.to_string(),
                takes: self.source.describe(),
            });
        }
        let ad = self.encode_fixed();
        let mut data_key = Zeroizing::new(self.wrapped);
        XChaCha20Poly1305::new(kek.as_ref().into())
            .decrypt_in_place_detached(
                XNonce::from_slice(&self.wrap_nonce),
                &ad[..AD_END],
                data_key.as_mut(),
                Tag::from_slice(&self.tag),
            )
            .map_err(|_| damaged(path, "the wrapped data key does not authenticate"))?;
        Ok(data_key)
    }

    /// Whether `key` is this header's key (its key-check value matches), without unwrapping.
    pub fn accepts(&self, key: &Key) -> Result<bool> {
        if key.source() != self.source {
            return Ok(false);
        }
        let kek = derive_kek(key, &self.salt, self.kdf)?;
        Ok(key_check(&kek) == self.check)
    }

    /// Destroys the wrapped data key: the slot is overwritten with zeros and marked.
    pub fn destroy(&mut self) {
        self.destroyed = true;
        self.wrap_nonce = [0; 24];
        self.wrapped = [0; KEY_BYTES];
        self.tag = [0; 16];
    }
}

/// What a header says a file is.
pub(crate) enum Envelope {
    /// Encrypted: the header with its wrapped data key.
    Encrypted(Header),
    /// Plain with checksummed blocks.
    Checksummed {
        /// The file's own id (seeds every block's checksum).
        file_id: [u8; 16],
    },
}

/// The fixed header of a new checksummed plain file with id `file_id`.
pub(crate) fn encode_checksummed(file_id: [u8; 16]) -> [u8; FIXED_END] {
    let mut b = [0u8; FIXED_END];
    b[0..8].copy_from_slice(&MAGIC);
    b[8..10].copy_from_slice(&HEADER_VERSION.to_le_bytes());
    b[CIPHER_AT] = CIPHER_NONE_CRC32;
    b[12..16].copy_from_slice(&(BLOCK_BYTES as u32).to_le_bytes());
    b[80..96].copy_from_slice(&file_id);
    let crc = crc32fast::hash(&b[..CRC]);
    b[CRC..FIXED_END].copy_from_slice(&crc.to_le_bytes());
    b
}

/// Reads the fixed part of a header (of either kind). `path` is for messages.
pub(crate) fn decode_envelope(b: &[u8], path: &str) -> Result<Envelope> {
    if b.len() < MAGIC.len() || b[0..8] != MAGIC {
        return Err(StoreError::NotEncrypted(path.to_string()));
    }
    if b.len() < FIXED_END {
        return Err(damaged(path, "the file ends inside its header"));
    }
    let crc = u32::from_le_bytes(b[CRC..FIXED_END].try_into().expect("4 bytes"));
    if crc != crc32fast::hash(&b[..CRC]) {
        return Err(damaged(path, "the file header is damaged (checksum)"));
    }
    let version = u16::from_le_bytes([b[8], b[9]]);
    if version != HEADER_VERSION {
        return Err(damaged(
            path,
            format!("file header version {version}; this juki reads {HEADER_VERSION}"),
        ));
    }
    let block = u32::from_le_bytes(b[12..16].try_into().expect("4 bytes"));
    if block as usize != BLOCK_BYTES {
        return Err(damaged(path, format!("block size {block}")));
    }
    let arr16 = |at: usize| -> [u8; 16] { b[at..at + 16].try_into().expect("16 bytes") };
    match b[CIPHER_AT] {
        CIPHER_NONE_CRC32 => Ok(Envelope::Checksummed { file_id: arr16(80) }),
        CIPHER_XCHACHA20_POLY1305 => {
            let source =
                KeySource::from_code(b[11]).ok_or_else(|| damaged(path, "unknown key source"))?;
            let u = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"));
            Ok(Envelope::Encrypted(Header {
                source,
                kdf: KdfParams {
                    m: u(16),
                    t: u(20),
                    p: u(24),
                },
                salt: arr16(32),
                key_id: arr16(48),
                check: arr16(64),
                file_id: arr16(80),
                destroyed: match b[STATE] {
                    SLOT_LIVE => false,
                    SLOT_DESTROYED => true,
                    other => return Err(damaged(path, format!("key slot state {other}"))),
                },
                wrap_nonce: b[WRAP_NONCE..WRAPPED].try_into().expect("24 bytes"),
                wrapped: b[WRAPPED..WRAP_TAG].try_into().expect("32 bytes"),
                tag: arr16(WRAP_TAG),
            }))
        }
        other => Err(damaged(path, format!("unknown cipher {other}"))),
    }
}

/// The logical-length slot: the length and its CRC.
pub(crate) fn encode_length(len: u64) -> [u8; LENGTH_SLOT] {
    let mut b = [0u8; LENGTH_SLOT];
    b[..8].copy_from_slice(&len.to_le_bytes());
    let crc = crc32fast::hash(&b[..8]);
    b[8..].copy_from_slice(&crc.to_le_bytes());
    b
}

/// Reads the logical-length slot.
pub(crate) fn decode_length(b: &[u8; LENGTH_SLOT], path: &str) -> Result<u64> {
    let crc = u32::from_le_bytes(b[8..].try_into().expect("4 bytes"));
    if crc != crc32fast::hash(&b[..8]) {
        return Err(damaged(path, "the length in the file header is damaged"));
    }
    Ok(u64::from_le_bytes(b[..8].try_into().expect("8 bytes")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_round_trips_and_tells_wrong_keys_and_damage_apart() {
        let key = Key::key_file_bytes(vec![9; 32]).unwrap();
        let data_key = [5u8; KEY_BYTES];
        let h = Header::seal(&key, &data_key).unwrap();
        let bytes = h.encode_fixed();
        let back = Header::decode(&bytes, "f").unwrap();
        assert_eq!(*back.unwrap(&key, "f").unwrap(), data_key);
        let other = Key::key_file_bytes(vec![8; 32]).unwrap();
        assert!(matches!(
            back.unwrap(&other, "f"),
            Err(StoreError::WrongKey { .. })
        ));
        let mut flipped = bytes;
        flipped[130] ^= 1;
        let e = Header::decode(&flipped, "f").err().unwrap();
        assert_eq!(e.code(), "CORRUPT", "{e}");
        let mut gone = back.clone();
        gone.destroy();
        let again = Header::decode(&gone.encode_fixed(), "f").unwrap();
        assert!(matches!(
            again.unwrap(&key, "f"),
            Err(StoreError::KeyDestroyed(_))
        ));
        let copy = back.for_new_file().unwrap();
        assert_ne!(copy.file_id, back.file_id);
        assert_eq!(*copy.unwrap(&key, "f").unwrap(), data_key);
        assert_eq!(decode_length(&encode_length(12345), "f").unwrap(), 12345);
    }
}
