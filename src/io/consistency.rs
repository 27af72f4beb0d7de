//! 整合性確認: EXPORT CONSISTENCY writes the identity items of every resident to a file
//! with a checksum per record and one over the whole file; VERIFY CONSISTENCY compares a
//! database with such a file, possibly made by another copy of the register.
//!
//! # The file
//! UTF-8, LF line ends, RFC 4180 quoting, created with mode 0600 (it holds My Numbers). A
//! header, one line per resident (active and removed), in resident code order, and a
//! trailer:
//!
//! ```text
//! resident_code,name_kanji,name_kana,birth_date,sex,address,my_number,reason,change_date,crc32
//! 24727059608,山田 太郎,ヤマダ タロウ,1980-04-01,1,兵庫県芦屋市精道町7番6号,123456789018,転入,2020-04-01,1c291ca3
//! #end,1,9f86d08…
//! ```
//!
//! `reason` is the 異動事由 of the resident's current version (Japanese), `change_date` its
//! 異動日 (異動年月日), `sex` 1 or 2, `my_number` the 12 digits. `crc32` is the CRC-32
//! (IEEE, lowercase hexadecimal, 8 digits) of the line's bytes before its last comma. The
//! trailer holds the number of resident lines and the SHA-256 (hexadecimal) of every byte
//! of the file before the trailer line.
//!
//! # Verifying
//! Both sides are read in resident code order and merged, one record at a time, so memory
//! does not grow with the register. A resident in the database and not in the file is
//! *missing*; in the file and not in the database, *extra*; in both with any item unlike,
//! *different* (each item named). A line whose CRC does not match, that cannot be read, or
//! that is out of code order is *damaged* (and takes no part in the comparison); a missing
//! or wrong trailer is damage too.

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::csv_row::{Cells, Records};
use super::export::{cell, hex, ExportError, ExportReport, Lines};
use crate::model::ResidentCode;
use crate::store::Database;
use crate::store::Resident;

/// The header of a consistency file.
pub const CONSISTENCY_HEADER: &str =
    "resident_code,name_kanji,name_kana,birth_date,sex,address,my_number,reason,change_date,crc32";

const TRAILER: &str = "#end";

/// The compared items, in file order (after the resident code).
const ITEMS: [&str; 8] = [
    "name_kanji",
    "name_kana",
    "birth_date",
    "sex",
    "address",
    "my_number",
    "reason",
    "change_date",
];

/// The cells of a resident's line, without the CRC.
fn items(r: &Resident) -> [String; 8] {
    [
        r.name.as_str().to_string(),
        r.kana.as_str().to_string(),
        r.birth.to_string(),
        r.sex.code().to_string(),
        r.address.written().to_string(),
        r.my_number
            .map(|n| n.reveal().to_string())
            .unwrap_or_default(),
        r.reason.japanese().to_string(),
        r.valid_from.to_string(),
    ]
}

/// EXPORT CONSISTENCY: writes the file described in the module documentation.
/// Only the residents `keep` keeps.
pub(crate) fn export_consistency(
    db: &Database,
    path: &Path,
    keep: crate::io::export::Keep<'_>,
) -> Result<ExportReport, ExportError> {
    let mut file = Lines::create(path, CONSISTENCY_HEADER)?;
    db.for_each_resident(|r| {
        if !keep(&r) {
            return Ok(());
        }
        file.push(|line| {
            line.push_str(&r.code.to_string());
            for item in items(&r) {
                line.push(',');
                cell(line, &item);
            }
            let crc = crc32fast::hash(line.as_bytes());
            line.push_str(&format!(",{crc:08x}\n"));
        })
    })?;
    // The trailer's digest covers every byte before the trailer line.
    let trailer = format!("{TRAILER},{},{}\n", file.rows, file.out.digest_so_far());
    file.out.write(trailer.as_bytes())?;
    file.finish()
}

/// One item that differs between the database and the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemDiff {
    /// The item's column name.
    pub item: &'static str,
    /// The value in the database (empty for the My Number, which is not shown).
    pub db: String,
    /// The value in the file (empty for the My Number).
    pub file: String,
}

/// A resident whose items differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The resident.
    pub code: ResidentCode,
    /// The items that differ.
    pub items: Vec<ItemDiff>,
}

/// A line of the file that could not take part in the comparison, or a bad trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The line (header = 1).
    pub line: u64,
    /// What is wrong.
    pub reason: String,
}

/// The outcome of VERIFY CONSISTENCY.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConsistencyReport {
    /// Residents in the database.
    pub db_records: u64,
    /// Resident lines in the file.
    pub file_records: u64,
    /// In the database, not in the file.
    pub missing: Vec<ResidentCode>,
    /// In the file, not in the database (the code as written).
    pub extra: Vec<String>,
    /// In both, with items that differ.
    pub different: Vec<Difference>,
    /// Damaged lines and trailer problems.
    pub damaged: Vec<Damage>,
}

impl ConsistencyReport {
    /// Whether the database and the file agree and the file is undamaged.
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty()
            && self.extra.is_empty()
            && self.different.is_empty()
            && self.damaged.is_empty()
    }
}

impl fmt::Display for ConsistencyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_clean() {
            return write!(
                f,
                "consistent: {} residents in the database and in the file",
                self.db_records
            );
        }
        write!(
            f,
            "NOT consistent: {} in the database, {} in the file; {} missing, {} extra, {} different, {} damaged",
            self.db_records,
            self.file_records,
            self.missing.len(),
            self.extra.len(),
            self.different.len(),
            self.damaged.len()
        )?;
        for c in &self.missing {
            write!(f, "\n  missing {c}: in the database, not in the file")?;
        }
        for c in &self.extra {
            write!(f, "\n  extra {c}: in the file, not in the database")?;
        }
        for d in &self.different {
            write!(f, "\n  different {}:", d.code)?;
            for i in &d.items {
                if i.item == "my_number" {
                    write!(f, " my_number differs;")?;
                } else {
                    write!(f, " {} database {:?} file {:?};", i.item, i.db, i.file)?;
                }
            }
        }
        for d in &self.damaged {
            write!(f, "\n  damaged line {}: {}", d.line, d.reason)?;
        }
        Ok(())
    }
}

/// A resident line of the file, checked.
struct FileRecord {
    code: u64,
    code_text: String,
    items: Vec<String>,
}

/// Reads the file's resident lines in order, checking CRCs, order and the trailer.
struct FileSide {
    records: Records<BufReader<File>>,
    hash: Sha256,
    last_code: Option<u64>,
    count: u64,
    trailer_seen: bool,
    done: bool,
    damaged: Vec<Damage>,
}

impl FileSide {
    fn next(&mut self) -> Result<Option<FileRecord>, ExportError> {
        while !self.done {
            let Some(rec) = self
                .records
                .next_record()
                .map_err(|e| ExportError::Io(e.to_string()))?
            else {
                self.done = true;
                break;
            };
            if rec.bytes.starts_with(TRAILER.as_bytes()) {
                self.trailer(&rec.bytes, rec.line);
                self.done = true;
                break;
            }
            self.hash.update(&rec.bytes);
            self.hash.update(rec.ending);
            if self.trailer_seen {
                continue;
            }
            self.count += 1;
            match check_line(&rec.bytes, rec.cells().ok()) {
                Err(reason) => self.damaged.push(Damage {
                    line: rec.line,
                    reason,
                }),
                Ok(r) if self.last_code.is_some_and(|l| r.code <= l) => self.damaged.push(Damage {
                    line: rec.line,
                    reason: format!("resident {} is out of resident code order", r.code_text),
                }),
                Ok(r) => {
                    self.last_code = Some(r.code);
                    return Ok(Some(r));
                }
            }
        }
        Ok(None)
    }

    fn trailer(&mut self, bytes: &[u8], line: u64) {
        self.trailer_seen = true;
        let text = String::from_utf8_lossy(bytes);
        let parts: Vec<&str> = text.split(',').collect();
        let digest = hex(&self.hash.clone().finalize());
        let ok = parts.len() == 3
            && parts[1].parse::<u64>().ok() == Some(self.count)
            && parts[2] == digest;
        if !ok {
            self.damaged.push(Damage {
                line,
                reason: format!(
                    "the trailer does not match the file ({} records, checksum {digest} computed)",
                    self.count
                ),
            });
        }
    }
}

fn check_line(bytes: &[u8], cells: Option<&Cells>) -> Result<FileRecord, String> {
    let cells = cells.ok_or("broken quoting")?;
    if cells.len() != ITEMS.len() + 2 {
        return Err(format!(
            "expected {} fields, got {}",
            ITEMS.len() + 2,
            cells.len()
        ));
    }
    let comma = memchr::memrchr(b',', bytes).ok_or("no CRC")?;
    let crc = format!("{:08x}", crc32fast::hash(&bytes[..comma]));
    if &cells[ITEMS.len() + 1] != crc.as_bytes() {
        return Err(
            "record checksum (CRC32) does not match: the line was altered or damaged".into(),
        );
    }
    let text = |c: &[u8]| String::from_utf8(c.to_vec()).map_err(|_| "invalid UTF-8".to_string());
    let code_text = text(&cells[0])?;
    let code = code_text
        .parse::<u64>()
        .map_err(|_| format!("{code_text:?} is not a resident code"))?;
    let items = cells
        .iter()
        .skip(1)
        .take(ITEMS.len())
        .map(text)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FileRecord {
        code,
        code_text,
        items,
    })
}

/// VERIFY CONSISTENCY: compares the database with a consistency file (see the module
/// documentation). `Ok` with a report either way; [`ConsistencyReport::is_clean`] says
/// whether they agree.
pub(crate) fn verify_consistency(
    db: &Database,
    path: &Path,
) -> Result<ConsistencyReport, ExportError> {
    let file = File::open(path).map_err(|e| ExportError::Io(format!("{}: {e}", path.display())))?;
    let mut records = Records::new(BufReader::with_capacity(1 << 20, file));
    let mut report = ConsistencyReport::default();
    let mut hash = Sha256::new();
    match records
        .next_record()
        .map_err(|e| ExportError::Io(e.to_string()))?
    {
        Some(h) if h.bytes == CONSISTENCY_HEADER.as_bytes() => {
            hash.update(&h.bytes);
            hash.update(h.ending);
        }
        _ => {
            report.damaged.push(Damage {
                line: 1,
                reason: "not a consistency file: the header is missing or wrong".into(),
            });
            return Ok(report);
        }
    }
    let mut side = FileSide {
        records,
        hash,
        last_code: None,
        count: 0,
        trailer_seen: false,
        done: false,
        damaged: Vec::new(),
    };
    // Both sides in resident code order, merged: a file line before the database's next
    // code is extra, a database code the file skips is missing.
    let mut pending = side.next()?;
    db.for_each_resident(|r| -> Result<(), ExportError> {
        report.db_records += 1;
        let code = r.code.get();
        while let Some(f) = pending.as_ref().filter(|f| f.code < code) {
            report.extra.push(f.code_text.clone());
            pending = side.next()?;
        }
        match pending.as_ref() {
            Some(f) if f.code == code => {
                let diffs = differences(&r, f);
                if !diffs.is_empty() {
                    report.different.push(Difference {
                        code: r.code,
                        items: diffs,
                    });
                }
                pending = side.next()?;
            }
            _ => report.missing.push(r.code),
        }
        Ok(())
    })?;
    while let Some(f) = pending {
        report.extra.push(f.code_text);
        pending = side.next()?;
    }
    // Every line is read now, so a trailer not seen is missing.
    if !side.trailer_seen {
        side.damaged.push(Damage {
            line: side.records.line_count() + 1,
            reason: "the trailer is missing: the file is truncated".into(),
        });
    }
    report.file_records = side.count;
    report.damaged.append(&mut side.damaged);
    Ok(report)
}

/// The items of a resident that differ from the file's line; the My Number is named but
/// neither value is shown.
fn differences(r: &Resident, f: &FileRecord) -> Vec<ItemDiff> {
    let ours = items(r);
    ITEMS
        .iter()
        .zip(ours.iter().zip(&f.items))
        .filter(|(_, (a, b))| a != b)
        .map(|(&item, (a, b))| {
            let hide = item == "my_number";
            ItemDiff {
                item,
                db: if hide { String::new() } else { a.clone() },
                file: if hide { String::new() } else { b.clone() },
            }
        })
        .collect()
}
