//! The upgrade of a file of an earlier storage format to [`FORMAT_VERSION`].
//!
//! Format 3 added the record's item list (`StoredRecord::items`: 本籍, 旧氏, 通称, the
//! insurance items …) at the end of every stored version; format 2 had none. Format 4 kept
//! format 3's values and changed the address keys of the 4情報 index (`model::address_key`:
//! the spellings of a 町名 and variant kanji folded, 番地の and the numbers read as one
//! structure). Format 5 kept format 4's layout and widened what the date codes of a record
//! may hold: a 生年月日 known only in part is stored as `yyyymm00`, `yyyy0000` or
//! `99999999` (不詳, `model::PartialDate`), which a format-4 build would read as damage, so
//! such a build must not open the file. Format 6 records each DV等支援措置 with its kind and
//! the authority that confirmed it (`support_measures`, in place of format 5's `restrictions`
//! of days alone): a format-5 build would not see those measures at all, and would show the
//! residents they protect, so it must not open the file either; the upgrade carries each
//! measure over with its days, its kind "unrecorded" (code 0) and no authority. The upgrade
//! never writes to the file it upgrades:
//!
//! 1. the file is opened as it is (a file of an earlier format opens only here;
//!    `Database::open` refuses it and names this upgrade);
//! 2. one read snapshot of every table is copied into a new file beside it (created new,
//!    0600, encrypted with the same data key when the file is encrypted): `residents` and
//!    `versions` with every format-2 value re-encoded in the current layout (a format-3
//!    value is checked and copied), `search` built again from the versions (format 3 came
//!    with new name keys: variants folded, the space between surname and given name
//!    optional, `crate::model::NAME_KEY_VERSION`; format 4 with new address keys), every
//!    other table as it is (their layout did not change), `format_version` set last;
//! 3. the caller opens the copy, runs CHECK on it and logs the upgrade in the copy's own
//!    operation log (`Juki::upgrade`);
//! 4. the original is kept under `<file>.format<N>` (a hard link, so it is never copied or
//!    half-written) and the copy is renamed over the file.
//!
//! A crash before step 4 leaves the original untouched and a temporary file that the next
//! attempt ignores; a crash inside step 4 leaves either the original or the upgraded file
//! at the path, with the original also under its kept name.
//!
//! How the record grows next time without a rewrite of every value: a new item is a new
//! row of `crate::model::item::ITEMS` with a tag never used before; a record without it
//! reads as not holding it. Only a change of the core fields needs another format and
//! another pass like this one.

use super::backup::{copy_table, sync_dir, temp_beside, TempFile};
use crate::store::crypt::database::create_like;
use crate::store::db::UpgradeSource;
use crate::store::engine::record::{checked_body, FieldSet, StoredRecord, COMPANION};
use crate::store::engine::schema::*;
use crate::store::error::{Result, StoreError};
use redb::{ReadTransaction, ReadableDatabase, ReadableTable, TableHandle};
use rkyv::rancor;
use std::path::{Path, PathBuf};

/// The formats this build upgrades from.
pub const UPGRADABLE_FROM: [u64; 4] = [2, 3, 4, 5];

/// A version as format 2 stored it: the fields of [`StoredRecord`] without its items.
#[derive(rkyv::Archive, rkyv::Serialize, rkyv::Deserialize, Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredRecordV2 {
    pub id: u64,
    pub version: u32,
    pub seq: u64,
    pub code: u64,
    pub my_number: u64,
    pub name: String,
    pub kana: String,
    pub sex: u8,
    pub birth: u32,
    pub address: String,
    pub postal: u32,
    pub household: u64,
    pub relationship: String,
    pub status: u8,
    pub reason: u8,
    pub valid_from: u32,
    pub reported: u32,
    pub recorded_at: i64,
    pub resident_since: u32,
    pub address_since: u32,
    pub previous_address: Option<String>,
    pub destination: Option<String>,
    pub removed_on: u32,
    pub changed: u32,
    pub prefix_max: u32,
    pub operator: Option<String>,
    pub terminal: Option<String>,
}

/// Every field of format 2's change mask: a first version's mask.
const V2_ALL_FIELDS: u32 = (1 << 15) - 1;

impl StoredRecordV2 {
    /// The same version in the current layout: no items; a first version's "every field"
    /// mask becomes the current one's, so HISTORY still says "(all)".
    fn upgraded(self) -> StoredRecord {
        let companion = self.changed & COMPANION;
        let fields = self.changed & !COMPANION;
        let changed = if fields == V2_ALL_FIELDS {
            companion | FieldSet::ALL.0
        } else {
            self.changed
        };
        StoredRecord {
            id: self.id,
            version: self.version,
            seq: self.seq,
            code: self.code,
            my_number: self.my_number,
            name: self.name,
            kana: self.kana,
            sex: self.sex,
            birth: self.birth,
            address: self.address,
            postal: self.postal,
            household: self.household,
            relationship: self.relationship,
            status: self.status,
            reason: self.reason,
            valid_from: self.valid_from,
            reported: self.reported,
            recorded_at: self.recorded_at,
            resident_since: self.resident_since,
            address_since: self.address_since,
            previous_address: self.previous_address,
            destination: self.destination,
            removed_on: self.removed_on,
            changed,
            prefix_max: self.prefix_max,
            operator: self.operator,
            terminal: self.terminal,
            items: Vec::new(),
        }
    }
}

/// One framed value of `table` of a format-`from` file in the current layout: a format-2
/// value re-encoded, a format-3 or 4 value (the same layout) checked and kept as it is.
fn upgrade_value(from: u64, table: &'static str, bytes: &[u8]) -> Result<Vec<u8>> {
    if from >= 3 {
        StoredRecord::decode(table, bytes)?;
        return Ok(bytes.to_vec());
    }
    let body = checked_body(table, bytes)?;
    let old = rkyv::from_bytes::<StoredRecordV2, rancor::Error>(body).map_err(|e| {
        StoreError::Corrupt {
            table,
            detail: format!("a format-2 record does not decode: {e}"),
        }
    })?;
    Ok(old.upgraded().encode())
}

/// What the copy held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpgradeCopy {
    /// The format the file had.
    pub from: u64,
    /// Values re-encoded (`residents` and `versions`).
    pub records: u64,
}

/// The name the original file is kept under: `<file>.format<N>`.
pub fn kept_path(path: &Path, format: u64) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".format{format}"));
    PathBuf::from(name)
}

/// Writes the upgraded copy of `source` to a new file at `dest` (see the module
/// documentation, step 2).
pub(crate) fn write_upgraded_copy(source: &UpgradeSource, dest: &Path) -> Result<UpgradeCopy> {
    let from = source.format;
    {
        if !UPGRADABLE_FROM.contains(&from) {
            return Err(StoreError::FormatVersion {
                found: from,
                expected: FORMAT_VERSION,
            });
        }
        let target = create_like(source.crypt.as_deref(), dest)?;
        let snapshot = source.db.begin_read()?;
        let present: Vec<String> = snapshot
            .list_tables()?
            .map(|h| h.name().to_string())
            .collect();
        let mut records = 0;
        for table in [RESIDENTS.name(), VERSIONS.name()] {
            records += copy_records(from, &snapshot, &target, table)?;
        }
        for name in &present {
            match name.as_str() {
                "residents" | "versions" => {}
                "meta" => drop(copy_table(&snapshot, &target, META, None)?),
                "codes" => drop(copy_table(&snapshot, &target, CODES, None)?),
                "my_numbers" => drop(copy_table(&snapshot, &target, MY_NUMBERS, None)?),
                // Built again below: the name keys changed with format 3, the address keys
                // with format 4 (format 5 kept them; building them again costs one pass and
                // keeps one path).
                "search" => {}
                "households" => drop(copy_table(&snapshot, &target, HOUSEHOLDS, None)?),
                "heads" => drop(copy_table(&snapshot, &target, HEADS, None)?),
                "changes" => drop(copy_table(&snapshot, &target, CHANGES, None)?),
                "operators" => drop(copy_table(&snapshot, &target, OPERATORS, None)?),
                "audit" => drop(copy_table(&snapshot, &target, AUDIT, None)?),
                "towns" => drop(copy_table(&snapshot, &target, TOWNS, None)?),
                "settings" => drop(copy_table(&snapshot, &target, SETTINGS, None)?),
                "restrictions" => drop(carry_restrictions(&snapshot, &target)?),
                "support_measures" => {
                    copy_table(&snapshot, &target, SUPPORT_MEASURES, None)?;
                }
                "audit_archive" => drop(copy_table(&snapshot, &target, AUDIT_ARCHIVE, None)?),
                other => {
                    return Err(StoreError::Storage(format!(
                        "the database holds a table {other} that this juki does not know; the upgrade would leave it out, so none was made"
                    )))
                }
            }
        }
        if !present.iter().any(|n| n == HEADS.name()) {
            crate::store::db::build_heads(&target)?;
        }
        super::reindex::rebuild_search(&target)?;
        // The format version last, in the commit that makes the copy durable: a copy cut
        // short never claims the new format.
        let txn = target.begin_write()?;
        txn.open_table(META)?.insert(META_FORMAT, FORMAT_VERSION)?;
        txn.commit()?;
        Ok(UpgradeCopy { from, records })
    }
}

/// Carries format 5's `restrictions` (宛名番号 → the days) into `support_measures`, each
/// measure with kind code 0 ("unrecorded") and no authority; the number carried.
fn carry_restrictions(snapshot: &ReadTransaction, target: &redb::Database) -> Result<u64> {
    let source = snapshot.open_table(LEGACY_RESTRICTIONS)?;
    let txn = target.begin_write()?;
    let mut carried = 0;
    {
        let mut out = txn.open_table(SUPPORT_MEASURES)?;
        for entry in source.iter()? {
            let (k, v) = entry?;
            let (from, until) = v.value();
            out.insert(k.value(), (from, until, 0u8, ""))?;
            carried += 1;
        }
    }
    txn.commit()?;
    Ok(carried)
}

/// Copies a table of framed records, re-encoding every value; the number copied.
fn copy_records(
    from: u64,
    snapshot: &ReadTransaction,
    target: &redb::Database,
    name: &'static str,
) -> Result<u64> {
    let mut copied = 0u64;
    let txn = target.begin_write()?;
    if name == RESIDENTS.name() {
        let source = snapshot.open_table(RESIDENTS)?;
        let mut out = txn.open_table(RESIDENTS)?;
        for entry in source.iter()? {
            let (k, v) = entry?;
            out.insert(k.value(), upgrade_value(from, name, v.value())?.as_slice())?;
            copied += 1;
        }
    } else {
        let source = snapshot.open_table(VERSIONS)?;
        let mut out = txn.open_table(VERSIONS)?;
        for entry in source.iter()? {
            let (k, v) = entry?;
            out.insert(k.value(), upgrade_value(from, name, v.value())?.as_slice())?;
            copied += 1;
        }
    }
    txn.commit()?;
    Ok(copied)
}

/// Puts the checked copy `tmp` in place of `path`, keeping the original under
/// [`kept_path`] (step 4 of the module documentation). Refuses when something other than
/// the original already stands under that name.
pub(crate) fn install_upgraded(tmp: TempFile, path: &Path, from: u64) -> Result<PathBuf> {
    let kept = kept_path(path, from);
    let io = |p: &Path, e: std::io::Error| StoreError::io(p.display(), e);
    match (kept.symlink_metadata(), path.metadata()) {
        (Err(_), _) => std::fs::hard_link(path, &kept).map_err(|e| io(&kept, e))?,
        (Ok(k), Ok(p)) if same_file(&k, &p) => {}
        (Ok(_), _) => return Err(StoreError::AlreadyExists(kept.display().to_string())),
    }
    std::fs::File::open(tmp.path())
        .and_then(|f| f.sync_all())
        .and_then(|()| std::fs::rename(tmp.path(), path))
        .map_err(|e| io(path, e))?;
    tmp.keep();
    sync_dir(path);
    Ok(kept)
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// A temporary file beside `path` for its upgraded copy.
pub(crate) fn upgrade_temp(path: &Path) -> TempFile {
    TempFile::new(temp_beside(path, "upgrade"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::engine::record::frame;
    use crate::store::engine::record::tests::sample;

    fn v2_of(r: &StoredRecord) -> StoredRecordV2 {
        StoredRecordV2 {
            id: r.id,
            version: r.version,
            seq: r.seq,
            code: r.code,
            my_number: r.my_number,
            name: r.name.clone(),
            kana: r.kana.clone(),
            sex: r.sex,
            birth: r.birth,
            address: r.address.clone(),
            postal: r.postal,
            household: r.household,
            relationship: r.relationship.clone(),
            status: r.status,
            reason: r.reason,
            valid_from: r.valid_from,
            reported: r.reported,
            recorded_at: r.recorded_at,
            resident_since: r.resident_since,
            address_since: r.address_since,
            previous_address: r.previous_address.clone(),
            destination: r.destination.clone(),
            removed_on: r.removed_on,
            changed: V2_ALL_FIELDS | COMPANION,
            prefix_max: r.prefix_max,
            operator: r.operator.clone(),
            terminal: r.terminal.clone(),
        }
    }

    #[test]
    fn a_format_2_value_reads_back_with_no_items_and_every_field() {
        let current = StoredRecord {
            items: Vec::new(),
            ..sample()
        };
        let old = v2_of(&current);
        let body = rkyv::to_bytes::<rancor::Error>(&old).unwrap();
        let upgraded = upgrade_value(2, "versions", &frame(&body)).unwrap();
        let back = StoredRecord::decode("versions", &upgraded).unwrap();
        assert_eq!(back.changed, FieldSet::ALL.0 | COMPANION);
        assert_eq!(
            StoredRecord {
                changed: current.changed | COMPANION,
                ..back
            },
            StoredRecord {
                changed: current.changed | COMPANION,
                ..current
            }
        );
    }

    #[test]
    fn a_damaged_format_2_value_is_corrupt() {
        let old = v2_of(&sample());
        let mut framed = frame(&rkyv::to_bytes::<rancor::Error>(&old).unwrap());
        let last = framed.len() - 1;
        framed[last] ^= 1;
        assert_eq!(
            upgrade_value(2, "versions", &framed).unwrap_err().code(),
            "CORRUPT"
        );
    }

    #[test]
    fn the_original_is_kept_beside() {
        assert_eq!(
            kept_path(Path::new("/x/juki.redb"), 2),
            PathBuf::from("/x/juki.redb.format2")
        );
    }
}
