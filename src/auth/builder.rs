//! [`Builder`]: the one way to open or create a register.
//!
//! Every option has a default that suits a counter process: the page cache sized to the
//! file ([`crate::store::cache_for`]), a plain (unencrypted) file, reads and writes, today by
//! the system clock in Japan. The two finishing calls say what must already be true of the
//! file: [`Builder::open`] needs it to exist, [`Builder::create_with_admin`] needs it not to,
//! and makes it with its first administrator in the same transaction, so a register never
//! exists without one.

use std::path::{Path, PathBuf};

use super::error::Result;
use super::session::Juki;
use crate::store::crypt::Key;
use crate::store::Clock;

/// Options for opening or creating a register; made by [`Juki::builder`].
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("city.redb");
/// use juki::Juki;
/// Juki::builder(&path).create_with_admin("admin1", "correct horse battery")?;
/// let juki = Juki::builder(&path)
///     .cache_size(64 << 20)
///     .read_only(true)
///     .open()?;
/// assert!(juki.is_read_only());
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until open() or create_with_admin()"]
pub struct Builder {
    path: PathBuf,
    cache_bytes: Option<usize>,
    key: Option<Key>,
    read_only: bool,
    clock: Clock,
}

impl Builder {
    pub(super) fn new(path: &Path) -> Builder {
        Builder {
            path: path.to_path_buf(),
            cache_bytes: None,
            key: None,
            read_only: false,
            clock: Clock::System,
        }
    }

    /// The page cache, in bytes. By default it is sized to the file
    /// ([`crate::store::cache_for`]): a process that loads a whole register wants more
    /// ([`crate::store::LOAD_CACHE_BYTES`]).
    pub fn cache_size(mut self, bytes: usize) -> Builder {
        self.cache_bytes = Some(bytes);
        self
    }

    /// The key of a register encrypted at rest. Opening a plain file with a key, or an
    /// encrypted one without, fails (`INVALID_VALUE`, `AUTH_FAILED`); creating with a key
    /// makes an encrypted file.
    pub fn key(mut self, key: Key) -> Builder {
        self.key = Some(key);
        self
    }

    /// Refuse every change to the register through this handle, whatever the operator's
    /// role: 異動, imports, operator administration, COMPACT and password changes answer
    /// `PERMISSION_DENIED`. Reads are still recorded in the operation log, which is the
    /// one thing such a handle writes.
    pub fn read_only(mut self, read_only: bool) -> Builder {
        self.read_only = read_only;
        self
    }

    /// Where "today" comes from (the date checks and ages depend on it); the system clock
    /// in Japan by default.
    pub fn clock(mut self, clock: Clock) -> Builder {
        self.clock = clock;
        self
    }

    fn cache_bytes(&self) -> usize {
        self.cache_bytes
            .unwrap_or_else(|| crate::store::cache_for(&self.path))
    }

    /// Opens an existing register.
    pub fn open(self) -> Result<Juki> {
        let juki = Juki::open_with_cache(&self.path, self.key.as_ref(), self.cache_bytes())?;
        Ok(self.finish(juki))
    }

    /// Creates a new register file (0600) with its first administrator; the file must not
    /// exist. `password` must have at least [`crate::MIN_PASSWORD_CHARS`] characters.
    pub fn create_with_admin(self, admin: &str, password: &str) -> Result<Juki> {
        let juki = Juki::create_keyed(&self.path, admin, password, self.key.as_ref())?;
        Ok(self.finish(juki))
    }

    fn finish(self, juki: Juki) -> Juki {
        juki.set_clock(self.clock);
        juki.set_read_only(self.read_only);
        juki
    }
}
