//! BACKUP TO: an online, consistent copy of a database, and the manifest that lets a restore
//! verify it.
//!
//! [`Database::backup_to`] opens ONE read transaction and copies every table of that
//! snapshot, entry by entry in key order, into a new redb file. A read transaction does not
//! block writers: operators keep recording 異動 while the copy runs, and none of what they
//! write after the snapshot reaches the copy. The copy is logical (it does not copy pages), so
//! it carries no free space and every value is read, and therefore checked, on the way.
//!
//! * The destination is refused if it (or its manifest) exists. The copy is written to a
//!   temporary name in the same directory (0600) and linked into place only when it is
//!   complete and durable; a failure removes it.
//! * The destination file is made by [`Database::create_copy_target`], the one place that
//!   decides how a copy of this database is opened for writing (so that a database encrypted
//!   at rest can make its backups with the same key by changing that function alone).
//! * Every juki table is copied: the store's eight (`meta`, `residents`, `versions`, `codes`,
//!   `my_numbers`, `search`, `households`, `changes`) and the operators and the operation log
//!   (`operators`, `audit`). The snapshot's own list of tables is checked first: a table this
//!   build does not know refuses the backup rather than leave it out silently.
//! * The manifest, `<backup>.manifest.json`, records the format of the manifest and of the
//!   database, when it was made (UTC, RFC 3339), the last 更新順番号 of the snapshot, record
//!   counts, the size and SHA-256 of the backup file, and the content digest of the snapshot
//!   (the SHA-256 of [`Database::content_digest`], computed while copying).
//!
//! The operation-log entry that records a backup is written after the snapshot was taken, so
//! it is never in the backup it records; it is in the source database's log.

use crate::store::db::{counts_in, create_private_file, Database};
use crate::store::engine::digest::{hash_search, hex, ContentHasher, DIGEST_TABLES};
use crate::store::engine::schema::*;
use crate::store::engine::schema::{
    AUDIT, AUDIT_ARCHIVE, OPERATORS, SETTINGS, SUPPORT_MEASURES, TOWNS,
};
use crate::store::engine::tables::ReadTables;
use crate::store::error::{Result, StoreError};
use redb::{
    Key, MultimapTableHandle, ReadTransaction, ReadableTable, ReadableTableMetadata,
    TableDefinition, TableHandle, Value,
};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The version of the manifest's layout.
pub const MANIFEST_VERSION: u64 = 1;

/// What tells a juki manifest from any other JSON file.
const MANIFEST_KIND: &str = "juki-backup";

/// Key and value bytes copied per write transaction of the destination.
const BATCH_BYTES: usize = 64 << 20;

/// The manifest of a backup: what it holds and how to recognise it unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// `MANIFEST_VERSION` when it was written.
    pub manifest_version: u64,
    /// When the backup was made, UTC, RFC 3339.
    pub created: String,
    /// The database format version ([`FORMAT_VERSION`]) of the backup.
    pub format_version: u64,
    /// The last 更新順番号 in the snapshot.
    pub last_seq: u64,
    /// Residents, active and removed.
    pub residents: u64,
    /// Active residents.
    pub active: u64,
    /// Versions of all residents.
    pub versions: u64,
    /// Entries of the operation log.
    pub audit_entries: u64,
    /// The size of the backup file in bytes.
    pub bytes: u64,
    /// The SHA-256 of the backup file, lower-case hex.
    pub sha256: String,
    /// The content digest of the snapshot (`Database::content_digest`), lower-case hex.
    pub content_digest: String,
}

/// The manifest that belongs to a backup file: `<backup>.manifest.json`.
pub fn manifest_path(backup: &Path) -> PathBuf {
    let mut name = backup.as_os_str().to_os_string();
    name.push(".manifest.json");
    PathBuf::from(name)
}

fn bad_manifest(path: &Path, what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table: "(manifest)",
        detail: format!("{}: {what}", path.display()),
    }
}

impl Manifest {
    /// The manifest as JSON (one object, keys in a fixed order).
    pub fn to_json(&self) -> String {
        let v = serde_json::json!({
            "kind": MANIFEST_KIND,
            "manifest_version": self.manifest_version,
            "created": self.created,
            "format_version": self.format_version,
            "last_seq": self.last_seq,
            "residents": self.residents,
            "active": self.active,
            "versions": self.versions,
            "audit_entries": self.audit_entries,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "content_digest": self.content_digest,
        });
        let mut s = serde_json::to_string_pretty(&v).expect("a JSON object prints");
        s.push('\n');
        s
    }

    /// Reads and checks a manifest file: it exists, parses, is a juki backup manifest of a
    /// version this build reads, and has every field. Anything else is CORRUPT.
    pub fn read(path: &Path) -> crate::Result<Manifest> {
        Ok(Manifest::load(path)?)
    }

    fn load(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => bad_manifest(
                path,
                "the backup has no manifest beside it, so it cannot be verified",
            ),
            _ => bad_manifest(path, e),
        })?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad_manifest(path, e))?;
        let text_field = |key: &str| -> Result<String> {
            v.get(key)
                .and_then(|x| x.as_str())
                .map(str::to_string)
                .ok_or_else(|| bad_manifest(path, format!("no text field {key}")))
        };
        let number = |key: &str| -> Result<u64> {
            v.get(key)
                .and_then(|x| x.as_u64())
                .ok_or_else(|| bad_manifest(path, format!("no whole-number field {key}")))
        };
        if text_field("kind")? != MANIFEST_KIND {
            return Err(bad_manifest(path, "not a juki backup manifest"));
        }
        let manifest_version = number("manifest_version")?;
        if manifest_version != MANIFEST_VERSION {
            return Err(bad_manifest(
                path,
                format!("manifest version {manifest_version}; this juki reads {MANIFEST_VERSION}"),
            ));
        }
        Ok(Manifest {
            manifest_version,
            created: text_field("created")?,
            format_version: number("format_version")?,
            last_seq: number("last_seq")?,
            residents: number("residents")?,
            active: number("active")?,
            versions: number("versions")?,
            audit_entries: number("audit_entries")?,
            bytes: number("bytes")?,
            sha256: text_field("sha256")?,
            content_digest: text_field("content_digest")?,
        })
    }
}

/// What a backup wrote ([`crate::Session::backup`]).
#[derive(Debug, Clone, PartialEq)]
pub struct BackupReport {
    /// The backup file.
    pub path: PathBuf,
    /// Its manifest.
    pub manifest_path: PathBuf,
    /// What the manifest says.
    pub manifest: Manifest,
    /// How long the backup took.
    pub seconds: f64,
}

impl std::fmt::Display for BackupReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = &self.manifest;
        write!(
            f,
            "backup written to {}: seq {}, {} residents ({} active), {} versions, {} log entries, {} bytes, sha256 {}, {:.2} s",
            self.path.display(),
            m.last_seq,
            m.residents,
            m.active,
            m.versions,
            m.audit_entries,
            m.bytes,
            m.sha256,
            self.seconds
        )
    }
}

/// A temporary name in the directory of `path`, for a file that becomes `path` when it is
/// complete: `.<name>.<purpose>-<pid>-<nanos>.tmp`.
pub(crate) fn temp_beside(path: &Path, purpose: &str) -> PathBuf {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "juki".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    dir.join(format!(
        ".{name}.{purpose}-{}-{nanos}.tmp",
        std::process::id()
    ))
}

/// Removes a file when dropped, unless [`TempFile::keep`] was called: a failure anywhere
/// leaves nothing behind.
pub(crate) struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl TempFile {
    pub(crate) fn new(path: PathBuf) -> TempFile {
        TempFile { path, keep: false }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Storage(format!("{}: {e}", path.display()))
}

/// The size and SHA-256 (hex) of a file, read once.
pub(crate) fn file_sha256(path: &Path) -> Result<(u64, String)> {
    let mut f = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| io_error(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        len += n as u64;
    }
    Ok((len, hex(&h.finalize())))
}

/// Flushes a directory's entries (a rename or link in it) to disk. Best effort where the
/// platform cannot open a directory.
pub(crate) fn sync_dir(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Gives a complete temporary file its final name without ever replacing a file that
/// appeared there meanwhile (a hard link fails on an existing name), then drops the
/// temporary name.
pub(crate) fn link_into_place(tmp: TempFile, path: &Path) -> Result<()> {
    std::fs::hard_link(tmp.path(), path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => StoreError::AlreadyExists(path.display().to_string()),
        _ => io_error(path, e),
    })?;
    drop(tmp);
    sync_dir(path);
    Ok(())
}

/// Copies a backup file to `to` (a new file, 0600) and checks on the way that it is the
/// file its manifest describes: the same size (a shorter one is reported as truncated) and
/// the same SHA-256. A difference is CORRUPT naming it; the copy is durable when this
/// returns. The backup itself is only read. (The caller removes `to` on failure.)
pub(crate) fn copy_verified(from: &Path, to: &Path, manifest: &Manifest) -> Result<()> {
    let mut src = std::fs::File::open(from).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => StoreError::NotFound(format!("backup {}", from.display())),
        _ => io_error(from, e),
    })?;
    let mut dst = create_private_file(to)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = src.read(&mut buf).map_err(|e| io_error(from, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        dst.write_all(&buf[..n]).map_err(|e| io_error(to, e))?;
        len += n as u64;
    }
    dst.sync_all().map_err(|e| io_error(to, e))?;
    let damaged = |detail: String| StoreError::Corrupt {
        table: "(backup)",
        detail: format!("{}: {detail}", from.display()),
    };
    if len < manifest.bytes {
        return Err(damaged(format!(
            "the backup is truncated: {len} bytes where its manifest says {}",
            manifest.bytes
        )));
    }
    if len != manifest.bytes {
        return Err(damaged(format!(
            "the backup is {len} bytes where its manifest says {}",
            manifest.bytes
        )));
    }
    let sha256 = hex(&h.finalize());
    if sha256 != manifest.sha256 {
        return Err(damaged(format!(
            "SHA-256 mismatch: the file's is {sha256}, its manifest says {}; the backup was changed or damaged",
            manifest.sha256
        )));
    }
    Ok(())
}

/// What one snapshot held, found while copying it.
struct Copied {
    counts: crate::store::db::Counts,
    audit_entries: u64,
    content_digest: [u8; 32],
}

impl Database {
    /// Creates the redb file a copy of this database is written to (a backup; a restore's
    /// target is a byte copy of a backup and needs no such function). The file is new
    /// (refused if it exists) and 0600. This is the one place that decides how a copy is
    /// opened for writing: a database encrypted at rest makes its backups with its own key by
    /// changing this function alone.
    pub(crate) fn create_copy_target(&self, path: &Path) -> Result<redb::Database> {
        self.create_file_like(path)
    }

    /// BACKUP TO: copies one read snapshot of every table to a new file at `dest` and
    /// writes its manifest beside it (see the module documentation). Writers are not held
    /// up while it runs.
    pub fn backup_to(&self, dest: &Path) -> Result<BackupReport> {
        let started = Instant::now();
        let manifest_path = manifest_path(dest);
        for p in [dest, manifest_path.as_path()] {
            if p.symlink_metadata().is_ok() {
                return Err(StoreError::AlreadyExists(p.display().to_string()));
            }
        }
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(StoreError::Storage(format!(
                    "{}: there is no directory {}",
                    dest.display(),
                    dir.display()
                )));
            }
        }
        let tmp = TempFile::new(temp_beside(dest, "backup"));
        let copied = {
            let target = self.create_copy_target(tmp.path())?;
            let snapshot = self.read_transaction()?;
            let copied = copy_snapshot(&snapshot, &target)?;
            drop(snapshot);
            drop(target);
            copied
        };
        std::fs::File::open(tmp.path())
            .and_then(|f| f.sync_all())
            .map_err(|e| io_error(tmp.path(), e))?;
        let (bytes, sha256) = file_sha256(tmp.path())?;
        let manifest = Manifest {
            manifest_version: MANIFEST_VERSION,
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            format_version: FORMAT_VERSION,
            last_seq: copied.counts.last_seq,
            residents: copied.counts.residents,
            active: copied.counts.active,
            versions: copied.counts.versions,
            audit_entries: copied.audit_entries,
            bytes,
            sha256,
            content_digest: hex(&copied.content_digest),
        };
        // The manifest first, under its temporary name, so that the backup never stands
        // without one.
        let tmp_manifest = TempFile::new(temp_beside(&manifest_path, "backup"));
        {
            let mut f = create_private_file(tmp_manifest.path())?;
            f.write_all(manifest.to_json().as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| io_error(tmp_manifest.path(), e))?;
        }
        link_into_place(tmp, dest)?;
        if let Err(e) = link_into_place(tmp_manifest, &manifest_path) {
            let _ = std::fs::remove_file(dest);
            return Err(e);
        }
        Ok(BackupReport {
            path: dest.to_path_buf(),
            manifest_path,
            manifest,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Checks a database restored from a backup against the backup's manifest: format
    /// version, record counts, last 更新順番号, operation-log entries and content digest.
    /// A difference is CORRUPT naming it. (The integrity check and the operation log's hash
    /// chain are checked by the caller, which reports them with the CHECK statement.)
    pub fn verify_against(&self, manifest: &Manifest) -> Result<()> {
        let differs = |what: &str, found: String, expected: String| StoreError::Corrupt {
            table: "(backup)",
            detail: format!("{what} is {found}; the manifest says {expected}"),
        };
        if manifest.format_version != FORMAT_VERSION {
            return Err(StoreError::FormatVersion {
                found: manifest.format_version,
                expected: FORMAT_VERSION,
            });
        }
        let snapshot = self.read_transaction()?;
        let t = ReadTables::open(&snapshot)?;
        let counts = counts_in(&t)?;
        for (what, found, expected) in [
            (
                "the last update sequence number",
                counts.last_seq,
                manifest.last_seq,
            ),
            (
                "the number of residents",
                counts.residents,
                manifest.residents,
            ),
            (
                "the number of active residents",
                counts.active,
                manifest.active,
            ),
            ("the number of versions", counts.versions, manifest.versions),
            (
                "the number of operation-log entries",
                audit_len(&snapshot)?,
                manifest.audit_entries,
            ),
        ] {
            if found != expected {
                return Err(differs(what, found.to_string(), expected.to_string()));
            }
        }
        let digest = hex(&crate::store::engine::digest::digest(&t)?);
        if digest != manifest.content_digest {
            return Err(differs(
                "the content digest",
                digest,
                manifest.content_digest.clone(),
            ));
        }
        Ok(())
    }
}

fn audit_len(snapshot: &ReadTransaction) -> Result<u64> {
    match snapshot.open_table(AUDIT) {
        Ok(t) => Ok(t.len()?),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// Every table juki keeps, by name: the store's (in the content digest's order) and the
/// auth layer's.
const ALL_TABLES: [&str; 15] = [
    "meta",
    "residents",
    "versions",
    "codes",
    "my_numbers",
    "search",
    "households",
    "changes",
    "heads",
    "operators",
    "audit",
    "towns",
    "settings",
    "support_measures",
    "audit_archive",
];

/// Copies every table of `snapshot` into `target`, computing the content digest and the
/// counts of the snapshot on the way.
fn copy_snapshot(snapshot: &ReadTransaction, target: &redb::Database) -> Result<Copied> {
    debug_assert_eq!(ALL_TABLES[..8], DIGEST_TABLES);
    debug_assert_eq!(ALL_TABLES[8], HEADS.name());
    let present: Vec<String> = snapshot
        .list_tables()?
        .map(|h| h.name().to_string())
        .collect();
    if let Some(unknown) = present.iter().find(|n| !ALL_TABLES.contains(&n.as_str())) {
        return Err(StoreError::Storage(format!(
            "the database holds a table {unknown} that this juki does not know; a backup would leave it out, so none was made"
        )));
    }
    if let Some(h) = snapshot.list_multimap_tables()?.next() {
        return Err(StoreError::Storage(format!(
            "the database holds a multimap table {} that this juki does not know; a backup would leave it out, so none was made",
            h.name()
        )));
    }
    // The store's tables must all be there (this also reads the counts).
    let counts = counts_in(&ReadTables::open(snapshot)?)?;
    let mut h = ContentHasher::new();
    copy_table(snapshot, target, META, Some(&mut h))?;
    copy_table(snapshot, target, RESIDENTS, Some(&mut h))?;
    copy_table(snapshot, target, VERSIONS, Some(&mut h))?;
    copy_table(snapshot, target, CODES, Some(&mut h))?;
    copy_table(snapshot, target, MY_NUMBERS, Some(&mut h))?;
    copy_table(snapshot, target, SEARCH, None)?;
    hash_search(&mut h, SEARCH.name(), &snapshot.open_table(SEARCH)?)?;
    copy_table(snapshot, target, HOUSEHOLDS, Some(&mut h))?;
    copy_table(snapshot, target, CHANGES, Some(&mut h))?;
    // Derived from `residents`: copied, not in the digest (see `Database::open`).
    copy_table(snapshot, target, HEADS, None)?;
    let has = |name: &str| present.iter().any(|n| n == name);
    if has(OPERATORS.name()) {
        copy_table(snapshot, target, OPERATORS, None)?;
    }
    let audit_entries = if has(AUDIT.name()) {
        copy_table(snapshot, target, AUDIT, None)?
    } else {
        0
    };
    if has(TOWNS.name()) {
        copy_table(snapshot, target, TOWNS, None)?;
    }
    if has(SETTINGS.name()) {
        copy_table(snapshot, target, SETTINGS, None)?;
    }
    if has(SUPPORT_MEASURES.name()) {
        copy_table(snapshot, target, SUPPORT_MEASURES, None)?;
    }
    if has(AUDIT_ARCHIVE.name()) {
        copy_table(snapshot, target, AUDIT_ARCHIVE, None)?;
    }
    // A last durable commit: everything before it is on disk when it returns.
    target.begin_write()?.commit()?;
    Ok(Copied {
        counts,
        audit_entries,
        content_digest: h.finish(),
    })
}

/// Copies one table in key order, in write transactions of about [`BATCH_BYTES`]; feeds
/// the entries to `hasher` when given. Returns the number of entries.
pub(crate) fn copy_table<K: Key + 'static, V: Value + 'static>(
    snapshot: &ReadTransaction,
    target: &redb::Database,
    def: TableDefinition<K, V>,
    mut hasher: Option<&mut ContentHasher>,
) -> Result<u64> {
    let source = snapshot.open_table(def)?;
    if let Some(h) = hasher.as_deref_mut() {
        h.table(def.name());
    }
    let mut entries = source.iter()?;
    let mut copied = 0u64;
    loop {
        let txn = target.begin_write()?;
        let mut more = false;
        {
            let mut table = txn.open_table(def)?;
            let mut bytes = 0usize;
            for entry in entries.by_ref() {
                let (k, v) = entry?;
                let (kv, vv) = (k.value(), v.value());
                let (kb, vb) = (K::as_bytes(&kv), V::as_bytes(&vv));
                if let Some(h) = hasher.as_deref_mut() {
                    h.entry(kb.as_ref(), vb.as_ref());
                }
                bytes += kb.as_ref().len() + vb.as_ref().len();
                table.insert(&kv, &vv)?;
                copied += 1;
                if bytes >= BATCH_BYTES {
                    more = true;
                    break;
                }
            }
        }
        txn.commit()?;
        if !more {
            return Ok(copied);
        }
    }
}
