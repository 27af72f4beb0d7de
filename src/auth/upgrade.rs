//! `juki upgrade`: rewrites a file of an earlier storage format in the current one.
//!
//! The store writes the upgraded copy beside the file (`crate::store` documents the steps
//! and why a crash cannot leave a half-upgraded register). Then, on the copy: an
//! administrator signs in (the copy's own operator table decides, as it was the file's),
//! CHECK runs on every table and on the operation log's hash chain, and the upgrade is
//! logged in that log; only then is the copy put in place, the original kept as
//! `<file>.format<N>`. A failure at any step removes the copy and leaves the file as it
//! was.

use super::error::Result;
use super::session::Juki;
use crate::store::{Database, StoreError, FORMAT_VERSION};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `juki upgrade` is asked to do.
#[derive(Debug, Clone)]
pub struct Upgrade<'a> {
    /// The database file.
    pub path: &'a Path,
    /// The administrator signing in.
    pub operator: &'a str,
    /// Their password.
    pub password: &'a str,
    /// The terminal recorded in the log.
    pub terminal: &'a str,
    /// The key, when the file is encrypted at rest.
    pub key: Option<&'a crate::store::crypt::Key>,
}

/// What an upgrade did.
#[derive(Debug, Clone)]
pub struct UpgradeReport {
    /// The database file, now of [`FORMAT_VERSION`].
    pub path: PathBuf,
    /// The format it had; `None` when it already had the current one (nothing was done).
    pub from: Option<u64>,
    /// Where the original is kept.
    pub kept: Option<PathBuf>,
    /// Stored values re-encoded.
    pub records: u64,
    /// Residents and versions CHECK went through on the copy.
    pub residents: u64,
    /// Versions CHECK went through.
    pub versions: u64,
    /// How long it took.
    pub seconds: f64,
}

impl std::fmt::Display for UpgradeReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.from, &self.kept) {
            (Some(from), Some(kept)) => write!(
                f,
                "upgraded {} from format {from} to {FORMAT_VERSION}: {} values rewritten; CHECK found no problems in {} residents and {} versions; the original is kept as {}; {:.2} s",
                self.path.display(),
                self.records,
                self.residents,
                self.versions,
                kept.display(),
                self.seconds
            ),
            _ => write!(
                f,
                "{} already has format {FORMAT_VERSION}: nothing to do",
                self.path.display()
            ),
        }
    }
}

impl Juki {
    /// Upgrades a file of an earlier format (see the module documentation). A file already
    /// of the current format is left alone; one of a later format is refused.
    pub fn upgrade(u: &Upgrade<'_>) -> Result<UpgradeReport> {
        let started = Instant::now();
        super::restore::refuse_if_open(u.path)?;
        let source = crate::store::open_for_upgrade(u.path, u.key)?;
        let from = source.format;
        if from == FORMAT_VERSION {
            return Ok(UpgradeReport {
                path: u.path.to_path_buf(),
                from: None,
                kept: None,
                records: 0,
                residents: 0,
                versions: 0,
                seconds: started.elapsed().as_secs_f64(),
            });
        }
        let tmp = crate::store::upgrade_temp(u.path);
        let copied = crate::store::write_upgraded_copy(&source, tmp.path())?;
        drop(source);
        let db = match u.key {
            Some(key) => Database::open_encrypted(tmp.path(), key),
            None => Database::open(tmp.path()),
        }
        .map_err(|e| StoreError::Corrupt {
            table: "(upgrade)",
            detail: format!("the upgraded copy does not open: {e}"),
        })?;
        let juki = Juki::wrap(db);
        let session = juki.sign_in(u.operator, u.password, u.terminal)?;
        let report = session.upgraded(u.path, from, copied.records)?;
        drop(session);
        // The last reference: closing flushes the log and ends its thread.
        drop(juki);
        let kept = crate::store::install_upgraded(tmp, u.path, from)?;
        Ok(UpgradeReport {
            path: u.path.to_path_buf(),
            from: Some(from),
            kept: Some(kept),
            records: copied.records,
            residents: report.residents,
            versions: report.versions,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}
