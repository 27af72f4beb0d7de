//! `juki restore`: puts a backup made by BACKUP TO in place of a database file, after
//! verifying it.
//!
//! Nothing is written at the target path until every check has passed:
//!
//! 1. the manifest beside the backup exists and parses;
//! 2. the target does not exist, or `force` is given and no process holds it open (redb's
//!    own lock tells: opening it answers `DatabaseAlreadyOpen`);
//! 3. the backup is copied to a temporary file next to the target, and the bytes copied
//!    have the size and SHA-256 the manifest names (a shorter file is "truncated");
//! 4. the copy opens as a juki database of this format version (every page checksum is
//!    verified on open), and its counts, last 更新順番号, operation-log length and content
//!    digest are the manifest's;
//! 5. over an existing register, the operator signs in there too and must hold the
//!    operators permission there (administrators); the restore is logged in that register's
//!    log, and its entries after the point its log shares with the backup's are written into
//!    the copy's `audit_archive` (`auth::replaced`), so that no entry is lost. A register
//!    that does not open (the damage a restore is for) is replaced without: the restore's
//!    entry says so;
//! 6. the operator signs in against the copy and must hold the operators permission there
//!    too;
//! 7. CHECK runs on the copy (every table, the operation log's hash chain and the archived
//!    logs), and the restore is logged in the copy's own operation log, naming the archived
//!    tail (`archived=<n>:<first>-<last>:<hash>`) or why there is none;
//! 8. the copy is closed, made durable and renamed over the target.
//!
//! A failure at any step removes the temporary file and leaves the target as it was (but
//! for the entries step 5 adds to its log).

use super::error::Result;
use super::session::Juki;
use crate::store::{
    copy_verified, manifest_path, sync_dir, temp_beside, Database, Manifest, StoreError, TempFile,
};
use crate::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `juki restore` is asked to do.
#[derive(Debug, Clone)]
pub struct Restore<'a> {
    /// The backup file (its manifest is `<from>.manifest.json`).
    pub from: &'a Path,
    /// The database file to write.
    pub to: &'a Path,
    /// Replace an existing file at `to` (never one that another process has open).
    pub force: bool,
    /// The operator signing in against the backup.
    pub operator: &'a str,
    /// Their password.
    pub password: &'a str,
    /// The terminal recorded in the log.
    pub terminal: &'a str,
    /// The key, when the backup is encrypted at rest (a backup has its database's key).
    pub key: Option<&'a crate::store::crypt::Key>,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    /// The database file written.
    pub path: PathBuf,
    /// The backup's manifest.
    pub manifest: Manifest,
    /// Residents CHECK went through.
    pub residents: u64,
    /// Versions CHECK went through.
    pub versions: u64,
    /// Operation-log entries whose chain CHECK verified.
    pub log_entries: u64,
    /// How long it took.
    pub seconds: f64,
}

impl std::fmt::Display for RestoreReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "restored {} from the backup of {} (seq {}, sha256 {}): CHECK found no problems in {} residents, {} versions and {} operation-log entries; {:.2} s",
            self.path.display(),
            self.manifest.created,
            self.manifest.last_seq,
            self.manifest.sha256,
            self.residents,
            self.versions,
            self.log_entries,
            self.seconds
        )
    }
}

/// Refuses when another process has the database at `path` open. A file that does not open
/// as a redb database at all is not held by anyone, and may be replaced.
pub(super) fn refuse_if_open(path: &Path) -> Result<()> {
    let held = || {
        StoreError::Conflict(format!(
            "{} is open in another process; close it there before restoring over it",
            path.display()
        ))
        .into()
    };
    let kind = crate::store::crypt::file_kind(path);
    if matches!(kind, Ok(k) if k != crate::store::crypt::FileKind::Redb) {
        // A file of sealed blocks does not open as a bare redb file (and an encrypted one
        // opens only with its key); ask for redb's lock instead. The open process holds its
        // writer lock, so a lock over the whole range conflicts.
        use redb::StorageBackend;
        use std::ops::Bound::Unbounded;
        let Ok(file) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
        else {
            return Ok(());
        };
        let Ok(probe) = redb::backends::FileBackend::new(file) else {
            return Err(held());
        };
        return match probe.try_lock_range(Unbounded, Unbounded) {
            Ok(true) => {
                let _ = probe.unlock_range(Unbounded, Unbounded);
                Ok(())
            }
            _ => Err(held()),
        };
    }
    let opened = std::panic::catch_unwind(|| redb::Database::builder().open(path).map(drop));
    match opened {
        Ok(Err(redb::DatabaseError::DatabaseAlreadyOpen)) => Err(held()),
        _ => Ok(()),
    }
}

/// Step 5 of the module documentation: the register at `r.to` consents, logs, and hands its
/// log's tail to `copy`. What the restore's entry says of it.
fn hand_over(r: &Restore<'_>, copy: &Database) -> Result<String> {
    let builder = Juki::builder(r.to);
    let builder = match r.key {
        Some(key) => builder.key(key.clone()),
        None => builder,
    };
    let juki = match builder.open() {
        Ok(juki) => juki,
        // The register does not open: nothing can be read of its log.
        Err(e) => return Ok(format!("replaced=unreadable({})", e.code().as_str())),
    };
    let session = juki.sign_in(r.operator, r.password, r.terminal)?;
    Ok(match session.hand_over_log(r.from, copy)? {
        Some(tail) => tail.token(),
        None => "replaced=same-log".to_owned(),
    })
}

impl Juki {
    /// Restores a backup (see the module documentation). Sign-in failures are
    /// `AUTH_FAILED`; a damaged backup is `CORRUPT`; nothing is written at the
    /// target unless every check passed.
    pub fn restore(r: &Restore<'_>) -> Result<RestoreReport> {
        let started = Instant::now();
        if r.from.symlink_metadata().is_err() {
            return Err(StoreError::NotFound(format!("backup {}", r.from.display())).into());
        }
        let manifest = Manifest::read(&manifest_path(r.from))?;
        if r.to.symlink_metadata().is_ok() {
            if !r.force {
                return Err(StoreError::AlreadyExists(r.to.display().to_string()).into());
            }
            refuse_if_open(r.to)?;
        }
        let tmp = TempFile::new(temp_beside(r.to, "restore"));
        copy_verified(r.from, tmp.path(), &manifest)?;
        let opened = match r.key {
            Some(key) if crate::store::crypt::is_encrypted(tmp.path()).unwrap_or(false) => {
                Database::open_encrypted(tmp.path(), key)
            }
            _ => Database::open(tmp.path()),
        };
        let db = opened.map_err(|e| match e {
            StoreError::Storage(detail) => StoreError::Corrupt {
                table: "(backup)",
                detail: format!("the backup does not open: {detail}"),
            },
            StoreError::Redb(e) => StoreError::Corrupt {
                table: "(backup)",
                detail: format!("the backup does not open: {e}"),
            },
            other => other,
        })?;
        db.verify_against(&manifest)?;
        let replaced = if r.to.symlink_metadata().is_ok() {
            hand_over(r, &db)?
        } else {
            "replaced=none".to_owned()
        };
        let juki = Juki::wrap(db);
        let session = juki.sign_in(r.operator, r.password, r.terminal)?;
        let (report, chain) = session.restored(r.from, &manifest, &replaced)?;
        drop(session);
        // The last reference: closing flushes the log and ends its thread.
        drop(juki);
        std::fs::File::open(tmp.path())
            .and_then(|f| f.sync_all())
            .and_then(|()| std::fs::rename(tmp.path(), r.to))
            .map_err(|e| Error::from(StoreError::io(r.to.display(), e)))?;
        tmp.keep();
        sync_dir(r.to);
        Ok(RestoreReport {
            path: r.to.to_path_buf(),
            manifest,
            residents: report.residents,
            versions: report.versions,
            log_entries: chain.entries,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}
