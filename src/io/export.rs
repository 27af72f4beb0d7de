//! EXPORT and EXPORT HISTORY: the register as CSV files.
//!
//! Both files are UTF-8 without a byte-order mark, LF line ends, RFC 4180 quoting, created
//! with mode 0600 (they hold personal data, My Numbers unmasked), and streamed from one
//! snapshot of the database.
//!
//! # EXPORT
//! The residents file format of docs/residents-csv.md, header [`EXPORT_HEADER`]: one row per
//! resident, **active and removed (除票)**, in resident code order: the current version
//! with 住民となった日 (`moved_in_date`), 住所を定めた日, 前住所, 転出先, its 異動日
//! (`valid_from`) and 届出日 (`reported`, empty when unknown), `status` (`active` or
//! `removed`) and, for a removed resident, 消除日 (`removed_on`) and 消除事由
//! (`removal_reason`, the English name of the 異動 that removed them). The 世帯番号 keeps
//! its leading zeros. Importing an export into an empty database gives the same current
//! register (every item above, as 移行 versions; see docs/residents-csv.md).
//!
//! # EXPORT HISTORY
//! Every version of every resident, active and removed, resident after resident (in the
//! order they were first recorded), oldest version first, as stored (a backdated
//! correction is its own row; `changed` says what it corrected). The columns of the
//! residents file (without `removal_reason`), then the version's bookkeeping: header
//! [`HISTORY_EXPORT_HEADER`].
//!
//! `reason` is the English name of the 異動事由 (`move_in`, `move` …), `status` is `active`
//! or `removed`, `valid_from` the 異動日, `reported` the 届出日, `seq` the 更新順番号,
//! `changed` the fields the version changed (space-separated names, as HISTORY shows
//! them), `recorded_at` the recording time (Unix µs), `operator` and `terminal` who
//! recorded it; dates and texts not set are empty.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::model::Status;
use crate::store::Database;
use crate::store::{link_into_place, temp_beside, Resident, StoreError, TempFile};

/// The header of an EXPORT file.
pub const EXPORT_HEADER: &str = "resident_code,my_number,name_kanji,name_kana,sex,birth_date,address,postal_code,household_id,relationship,moved_in_date,address_since,previous_address,destination,valid_from,reported,status,removed_on,removal_reason,atena_number,ward,town,block,katagaki,areas";

/// The header of an EXPORT HISTORY file.
pub const HISTORY_EXPORT_HEADER: &str = "resident_code,my_number,name_kanji,name_kana,sex,birth_date,address,postal_code,household_id,relationship,moved_in_date,address_since,previous_address,destination,valid_from,reported,status,removed_on,version,seq,reason,changed,recorded_at,operator,terminal,atena_number,prefix_max,change_mask,placed_by,ward,town,block,katagaki,areas";

/// A header followed by a column for every item beyond the core fields
/// ([`crate::model::ITEMS`], in their order): the files EXPORT and EXPORT HISTORY write.
pub fn with_item_columns(header: &str) -> String {
    let mut h = header.to_string();
    for rule in &crate::model::ITEMS {
        h.push(',');
        h.push_str(rule.key);
    }
    h
}

/// Appends a cell for every item (empty where the record does not hold it), each after a
/// comma, in the order of [`with_item_columns`].
fn item_cells(line: &mut String, items: &crate::model::Items) {
    for item in crate::model::Item::ALL {
        line.push(',');
        text_cell(line, items.get(item).unwrap_or(""));
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    /// Data rows written (without the header or a trailer).
    pub rows: u64,
    /// SHA-256 of the whole file, hexadecimal.
    pub sha256: String,
}

impl std::fmt::Display for ExportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} rows, sha256 {}", self.rows, self.sha256)
    }
}

/// Why an export or a verification failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing or reading the file failed.
    #[error("{0}")]
    Io(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ExportError {
    /// The error code of the command contract.
    pub fn code(&self) -> crate::ErrorCode {
        match self {
            ExportError::Io(_) => crate::ErrorCode::Io,
            ExportError::Store(e) => e.code(),
        }
    }
}

/// A file being written: buffered, hashed as it goes. It is written under a temporary name
/// beside `path` (a new file, 0600) and takes its name only when complete, never replacing
/// anything: an existing path (a file, or a symbolic link to anywhere) is refused before
/// a byte is written, one that appears meanwhile when the file is linked into place, and a
/// failure leaves nothing behind.
pub(crate) struct HashedWriter {
    out: BufWriter<File>,
    hash: Sha256,
    path: std::path::PathBuf,
    tmp: TempFile,
}

impl HashedWriter {
    pub(crate) fn create(path: &Path) -> Result<HashedWriter, ExportError> {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(StoreError::AlreadyExists(path.display().to_string()).into());
        }
        let tmp = TempFile::new(temp_beside(path, "export"));
        let file = crate::store::create_private_file(tmp.path())?;
        Ok(HashedWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            hash: Sha256::new(),
            path: path.to_path_buf(),
            tmp,
        })
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<(), ExportError> {
        self.hash.update(bytes);
        self.out
            .write_all(bytes)
            .map_err(|e| ExportError::Io(format!("{}: {e}", self.path.display())))
    }

    /// The SHA-256 of everything written so far.
    pub(crate) fn digest_so_far(&self) -> String {
        hex(&self.hash.clone().finalize())
    }

    /// Makes the file durable under its name; the SHA-256 of its content.
    pub(crate) fn finish(mut self) -> Result<String, ExportError> {
        let err = |e: std::io::Error| ExportError::Io(format!("{}: {e}", self.path.display()));
        self.out.flush().map_err(err)?;
        self.out.get_ref().sync_all().map_err(err)?;
        link_into_place(self.tmp, &self.path)?;
        Ok(hex(&self.hash.finalize()))
    }
}

/// An export file line by line: the header first, then the lines, counted as rows.
pub(crate) struct Lines {
    pub(crate) out: HashedWriter,
    line: String,
    pub(crate) rows: u64,
}

impl Lines {
    /// Creates the file and writes `header` (without its line end) to it.
    pub(crate) fn create(path: &Path, header: &str) -> Result<Lines, ExportError> {
        let mut out = HashedWriter::create(path)?;
        out.write(header.as_bytes())?;
        out.write(b"\n")?;
        Ok(Lines {
            out,
            line: String::with_capacity(320),
            rows: 0,
        })
    }

    /// Writes the line `fill` makes (with its line end) in a buffer reused line after line.
    pub(crate) fn push(&mut self, fill: impl FnOnce(&mut String)) -> Result<(), ExportError> {
        self.line.clear();
        fill(&mut self.line);
        self.rows += 1;
        self.out.write(self.line.as_bytes())
    }

    /// Flushes the file to disk: how many rows, and the SHA-256 of the whole file.
    pub(crate) fn finish(self) -> Result<ExportReport, ExportError> {
        Ok(ExportReport {
            rows: self.rows,
            sha256: self.out.finish()?,
        })
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends a text cell of EXPORT or EXPORT HISTORY: [`cell`], with a value that a
/// spreadsheet would take for a formula (one that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) neutralised by a leading `'`, and a value that starts with `'` given one
/// more, so that [`unguard`] (which every import applies to every cell) gives back each value
/// as stored.
pub(crate) fn text_cell(line: &mut String, s: &str) {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) {
        let guarded = format!("'{s}");
        cell(line, &guarded);
    } else {
        cell(line, s);
    }
}

/// A cell as read back from a file EXPORT wrote: one leading `'` (see [`text_cell`]) taken off.
pub(crate) fn unguard(s: &str) -> &str {
    s.strip_prefix('\'').unwrap_or(s)
}

/// A cell [`cell`] or [`text_cell`] wrote, as its value reads: quotes and the formula guard
/// taken off.
pub(crate) fn unquote(written: &str) -> String {
    let value = match written.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => written.to_string(),
    };
    unguard(&value).to_string()
}

/// Appends a CSV cell, quoted when RFC 4180 requires it.
pub(crate) fn cell(line: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&s.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(s);
    }
}

/// Appends an optional date (empty when none).
fn date(line: &mut String, d: Option<impl std::fmt::Display>) {
    if let Some(d) = d {
        line.push_str(&d.to_string());
    }
}

/// The cells both files share, of a version (without a line end): the identity items,
/// household, the dates and addresses the register keeps, status and 消除日.
fn resident_cells(line: &mut String, r: &Resident) {
    use std::fmt::Write as _;
    let number = r.my_number.map(|n| n.reveal().to_string());
    let _ = write!(line, "{},{},", r.code, number.unwrap_or_default());
    text_cell(line, r.name.as_str());
    line.push(',');
    text_cell(line, r.kana.as_str());
    let _ = write!(line, ",{},{},", r.sex.code(), r.birth);
    text_cell(line, r.address.written());
    let _ = write!(line, ",{},{},", r.postal, r.household);
    text_cell(line, r.relationship.as_str());
    let _ = write!(line, ",{},{},", r.resident_since, r.address_since);
    text_cell(line, r.previous_address.as_deref().unwrap_or(""));
    line.push(',');
    text_cell(line, r.destination.as_deref().unwrap_or(""));
    let _ = write!(line, ",{},", r.valid_from);
    date(line, r.reported);
    let _ = write!(line, ",{},", r.status.as_str());
    date(line, r.removed_on);
}

/// The address in parts (`ward`, `town`, `block`, `katagaki`, `areas`, each after a
/// comma): empty for an address stored without them. A residents import places the address
/// again and ignores them; an archive reads them back (with `placed_by`).
fn part_cells(line: &mut String, parts: Option<&crate::model::AddressParts>) {
    let Some(p) = parts else {
        line.push_str(",,,,,");
        return;
    };
    for text in [
        p.ward.clone().unwrap_or_default(),
        p.town.clone(),
        p.block(),
        p.katagaki.clone().unwrap_or_default(),
        p.areas_text(),
    ] {
        line.push(',');
        text_cell(line, &text);
    }
}

/// Which residents a copy out holds: a resident (any version of them) is written when it
/// answers true.
pub(crate) type Keep<'a> = &'a dyn Fn(&Resident) -> bool;

/// EXPORT: every resident's current version, active and removed, in the residents file
/// format (see the module documentation).
/// `keep` says which residents the file holds (the caller leaves out those under a
/// DV等支援措置 unless asked to include them).
pub(crate) fn export(
    db: &Database,
    path: &Path,
    keep: Keep<'_>,
) -> Result<ExportReport, ExportError> {
    use std::fmt::Write as _;
    let mut file = Lines::create(path, &with_item_columns(EXPORT_HEADER))?;
    db.for_each_resident(|r| -> Result<(), ExportError> {
        if !keep(&r) {
            return Ok(());
        }
        let removal = match r.status {
            Status::Removed => Some(removal_reason(db, &r)?),
            _ => None,
        };
        file.push(|line| {
            resident_cells(line, &r);
            line.push(',');
            if let Some(reason) = removal {
                line.push_str(reason.english());
            }
            let _ = write!(line, ",{}", r.atena_number);
            part_cells(line, r.parts.as_ref());
            item_cells(line, &r.items);
            line.push('\n');
        })
    })?;
    file.finish()
}

/// 消除事由: the reason of the version that removed a removed resident (their current
/// version's, unless a later change, a correction say, came after the removal).
fn removal_reason(db: &Database, r: &Resident) -> Result<crate::model::Reason, StoreError> {
    if r.reason.removes() {
        return Ok(r.reason);
    }
    let versions = db.history(r.code)?;
    versions
        .iter()
        .rev()
        .find(|v| v.reason.removes())
        .map(|v| v.reason)
        .ok_or_else(|| StoreError::Corrupt {
            table: "versions",
            detail: format!(
                "removed resident {} has no version that removed them",
                r.code
            ),
        })
}

/// EXPORT HISTORY: every version of every resident (see the module documentation).
/// Only the versions of the residents `keep` keeps.
pub(crate) fn export_history(
    db: &Database,
    path: &Path,
    keep: Keep<'_>,
) -> Result<ExportReport, ExportError> {
    let mut file = Lines::create(path, &with_item_columns(HISTORY_EXPORT_HEADER))?;
    db.for_each_version(|r| {
        if !keep(&r) {
            return Ok(());
        }
        file.push(|line| history_cells(line, &r))
    })?;
    file.finish()
}

/// The history-file line of a version (with its line end).
fn history_cells(line: &mut String, r: &Resident) {
    use std::fmt::Write as _;
    resident_cells(line, r);
    let changed: Vec<&str> = if r.changed.is_whole() {
        vec!["(all)"]
    } else {
        r.changed.iter().map(|f| f.name()).collect()
    };
    let _ = write!(
        line,
        ",{},{},{},{},{},",
        r.version,
        r.seq,
        r.reason.english(),
        changed.join(" "),
        r.recorded_at,
    );
    text_cell(line, r.operator.as_deref().unwrap_or(""));
    line.push(',');
    text_cell(line, r.terminal.as_deref().unwrap_or(""));
    let placed_by = r.parts.as_ref().map(|p| p.dictionary.to_string());
    let _ = write!(
        line,
        ",{},{},{:08x},{}",
        r.atena_number,
        r.prefix_max,
        r.changed.0,
        placed_by.unwrap_or_default()
    );
    part_cells(line, r.parts.as_ref());
    item_cells(line, &r.items);
    line.push('\n');
}
