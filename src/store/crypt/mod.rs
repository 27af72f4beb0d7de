//! Encryption at rest, in the manner of SQLCipher: the whole redb file (records, indexes,
//! operators, the operation log, redb's own metadata) is stored as authenticated encrypted
//! blocks behind a small header. See DESIGN.md, "Encryption at rest".
//!
//! * `key`: [`Key`] (a passphrase or a key file), the key-encryption key derived from it, the
//!   random data key.
//! * `header`: the file header: magic, version, cipher, KDF parameters, key check, the
//!   wrapped data key.
//! * `backend`: [`CryptBackend`], the redb storage backend that maps redb's byte ranges onto
//!   encrypted blocks.
//! * `file`: making and opening encrypted files.
//! * `database`: `Database::create_encrypted`, `open_encrypted` and files with the same key.
//! * `tools`: [`rekey`] and crypto-[`erase`].

mod backend;
mod database;
mod file;
mod header;
mod key;
mod tools;

#[cfg(test)]
mod tests;

pub use backend::{CryptBackend, PHYSICAL_BLOCK};
pub use file::is_encrypted;
pub(crate) use file::{create_backend, seal_new, Sealed};
pub use header::{BLOCK_BYTES, HEADER_BYTES, MAGIC};
pub use key::{Key, KeySource, MIN_KEY_FILE_BYTES, MIN_PASSPHRASE_CHARS};
pub use tools::{erase, rekey, EraseReport, RekeyReport};
