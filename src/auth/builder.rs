//! [`Builder`]: the one way to open or create a register.
//!
//! Every option has a default that suits a counter process: the page cache sized to the
//! file ([`crate::store::cache_for`]), a plain (unencrypted) file, reads and writes (or,
//! with [`Builder::read_only`], nothing written at all), today by
//! the system clock in Japan. The two finishing calls say what must already be true of the
//! file: [`Builder::open`] needs it to exist, [`Builder::create_with_admin`] needs it not to,
//! and makes it with its first administrator in the same transaction, so a register never
//! exists without one.

use std::path::{Path, PathBuf};

use super::error::Result;
use super::session::Juki;
use crate::store::crypt::Key;
use crate::store::engine::place::NewPlace;
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
    place: Option<NewPlace>,
}

impl Builder {
    pub(super) fn new(path: &Path) -> Builder {
        Builder {
            path: path.to_path_buf(),
            cache_bytes: None,
            key: None,
            read_only: false,
            clock: Clock::System,
            place: None,
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

    /// Open the file read-only: nothing is written to it, not at the open, not at sign-in
    /// (no log entry, no failure counted), not by reads (their log entries are not kept)
    /// and not at the close. Every change, whatever the operator's role, answers
    /// `PERMISSION_DENIED`: 異動, imports, operator administration, COMPACT, password
    /// changes. A file that would need a write to open (redb's repair after a crash) is
    /// refused. See DESIGN.md, "Read-only opens". With [`Builder::create_with_admin`], the
    /// new file is made and then opened read-only.
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

    /// The municipality of a register being created (its 全国地方公共団体コード, five digits
    /// or six with the check digit, of the national list). Every resident's address is then
    /// placed in it by its address dictionary ([`Builder::towns`] or LOAD TOWNS), and the
    /// 異動 must fit where their addresses lie (DESIGN.md, "The municipality and its address
    /// dictionary"). It cannot be changed later. A register created without one places no
    /// address. Ignored by [`Builder::open`].
    pub fn municipality(mut self, code: &str) -> Result<Builder> {
        let code = crate::model::LocalGovCode::parse(code)?;
        let municipality = crate::model::Municipality::known(code).ok_or_else(|| {
            crate::model::InvalidValue::new(
                "municipality",
                format!("{code} is not a municipality of the national list"),
            )
        })?;
        self.place = Some(NewPlace {
            municipality: municipality.clone(),
            towns: Vec::new(),
        });
        Ok(self)
    }

    /// An address dictionary (CSV, docs/address-dictionary.md) in force from `from`, for
    /// the register being created; after [`Builder::municipality`]. Checked when the
    /// register is created.
    pub fn towns(mut self, from: crate::Date, csv: impl Into<Vec<u8>>) -> Result<Builder> {
        let Some(place) = self.place.as_mut() else {
            return Err(crate::model::InvalidValue::new(
                "towns",
                "an address dictionary needs the register's municipality first",
            )
            .into());
        };
        place.towns.push((from, csv.into()));
        Ok(self)
    }

    /// Whether the register being created is 芦屋市's, whose dictionary is built in
    /// ([`crate::TownDictionary::ashiya_csv`]).
    pub fn is_ashiya(&self) -> bool {
        self.place
            .as_ref()
            .is_some_and(|p| p.municipality.code().five() == 28206)
    }

    fn cache_bytes(&self) -> usize {
        self.cache_bytes
            .unwrap_or_else(|| crate::store::cache_for(&self.path))
    }

    /// Opens an existing register.
    pub fn open(self) -> Result<Juki> {
        let juki = Juki::open_with_cache(
            &self.path,
            self.key.as_ref(),
            self.cache_bytes(),
            self.read_only,
        )?;
        Ok(self.finish(juki))
    }

    /// Creates a new register file (0600) with its first administrator; the file must not
    /// exist. `password` must pass the password rules (at least [`crate::MIN_PASSWORD_CHARS`]
    /// characters, not the id, not a common password, not one kind of character only).
    pub fn create_with_admin(self, admin: &str, password: &str) -> Result<Juki> {
        let juki = Juki::create_keyed(
            &self.path,
            admin,
            password,
            self.key.as_ref(),
            self.place.as_ref(),
        )?;
        if self.read_only {
            // Made read-write with its administrator, then opened again read-only.
            drop(juki);
            return self.open();
        }
        Ok(self.finish(juki))
    }

    fn finish(self, juki: Juki) -> Juki {
        juki.set_clock(self.clock);
        juki
    }
}
