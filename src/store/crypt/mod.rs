//! Files of sealed blocks. Encryption at rest, in the manner of SQLCipher: the whole redb
//! file (records, indexes, operators, the operation log, redb's own metadata) is stored as
//! authenticated encrypted blocks behind a small header. A plain file is stored the same
//! way with a CRC-32 per block instead, so that damage is found when a block is read and
//! opening needs no pass over the whole file. See DESIGN.md, "Encryption at rest" and
//! "Robustness".
//!
//! * `key`: [`Key`] (a passphrase or a key file), the key-encryption key derived from it, the
//!   random data key.
//! * `header`: the file header: magic, version, cipher, KDF parameters, key check, the
//!   wrapped data key.
//! * `backend`: [`CryptBackend`], the redb storage backend that maps redb's byte ranges onto
//!   sealed (encrypted or checksummed) blocks.
//! * `file`: telling the kinds of file apart, making and opening them.
//! * `database`: `Database::create_encrypted`, `open_encrypted` and files with the same key.
//! * `tools`: [`rekey`] and crypto-[`erase`].

mod backend;
pub(crate) mod database;
mod file;
mod header;
mod key;
mod tools;

#[cfg(test)]
mod tests;

#[cfg(any(test, feature = "testing"))]
pub use backend::{CryptBackend, CHECKSUM_PHYSICAL_BLOCK, PHYSICAL_BLOCK};
#[cfg(any(test, feature = "testing"))]
pub use database::open_plain_redb;
pub(crate) use file::{
    create_backend, create_checksummed, open_backend, open_backend_read_only, open_checksummed,
    open_checksummed_read_only, open_redb, seal_new, Sealed,
};
pub use file::{file_kind, is_encrypted, FileKind};
pub use header::BLOCK_BYTES;
#[cfg(any(test, feature = "testing"))]
pub use header::{HEADER_BYTES, MAGIC};
pub use key::{Key, KeySource, MIN_KEY_FILE_BYTES, MIN_PASSPHRASE_CHARS};
#[cfg(any(test, feature = "testing"))]
pub use tools::{checksum_plain, strip_blocks};
pub use tools::{erase, rekey, EraseReport, RekeyReport};
