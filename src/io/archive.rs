//! Reading an archive: an EXPORT HISTORY file (`export::HISTORY_EXPORT_HEADER` and the item
//! columns) back into the versions it was written from, for a register that is to hold
//! exactly what the exported one held (`Database::load_archive`).
//!
//! Every cell is read with the parser of its type and must give back the text EXPORT
//! HISTORY wrote; the version's bookkeeping (宛名番号, version, 更新順番号, `prefix_max`,
//! the change mask, when and by whom it was recorded) and the address parts (with the
//! dictionary version that placed them) are taken as written. What the rows must say
//! together (gapless 更新順番号 from 1, each person's versions 1, 2, … in that order) is
//! checked by the load, which writes nothing unless every row is good.
//!
//! Errors name the file, the line and the column; a value is never quoted in full (they
//! hold My Numbers).

use std::collections::BTreeMap;
use std::path::Path;

use crate::io::csv_row::{Problem, ROW};
use crate::io::export::unguard;
use crate::io::import::{ImportError, RowError};
use crate::model::{
    Address, AddressParts, Date, HouseholdId, Item, Kana, MyNumber, Name, PartialDate, PostalCode,
    Reason, Relationship, ResidentCode, Sex, Status,
};
use crate::store::engine::record::{StoredItem, StoredRecord};

/// The columns that tell an archive from a residents file.
pub const ARCHIVE_COLUMNS: [&str; 4] = ["seq", "atena_number", "prefix_max", "change_mask"];

/// The most problems reported before reading stops.
const MAX_PROBLEMS: usize = 100;

/// Whether the header names an archive (an EXPORT HISTORY file).
pub fn is_archive_header(header: &[&str]) -> bool {
    ARCHIVE_COLUMNS.iter().all(|c| header.contains(c))
}

/// Whether the file at `path` begins with an archive's header.
pub fn is_archive(path: &Path) -> std::io::Result<bool> {
    use std::io::BufRead;
    let mut first = String::new();
    std::io::BufReader::new(std::fs::File::open(path)?).read_line(&mut first)?;
    let header: Vec<&str> = first
        .trim_start_matches('\u{feff}')
        .trim_end()
        .split(',')
        .collect();
    Ok(is_archive_header(&header))
}

/// Reads every version of the archive at `path`, in file order.
pub fn read(path: &Path) -> Result<Vec<StoredRecord>, ImportError> {
    let file = std::fs::File::open(path)
        .map_err(|e| ImportError::Io(format!("{}: {e}", path.display())))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(std::io::BufReader::new(file));
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Io(format!("{}: {e}", path.display())))?
        .clone();
    let columns = Columns::of(&headers).map_err(|p| bad(path, 1, p))?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(row_error(path, line, Problem::row(e.to_string())));
                break;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        match columns.version(&record) {
            Ok(v) => out.push(v),
            Err(p) => problems.push(row_error(path, line, p)),
        }
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(ImportError::BadRows(problems))
    }
}

fn row_error(path: &Path, line: u64, p: Problem) -> RowError {
    RowError {
        file: path.to_path_buf(),
        line,
        column: p.column,
        reason: p.reason,
    }
}

fn bad(path: &Path, line: u64, p: Problem) -> ImportError {
    ImportError::BadRows(vec![row_error(path, line, p)])
}

/// Where each column of the archive stands.
struct Columns {
    at: BTreeMap<&'static str, usize>,
    items: Vec<(Item, usize)>,
}

/// The columns an archive must have: every column of EXPORT HISTORY's header (the item
/// columns after it are optional).
fn archive_columns() -> impl Iterator<Item = &'static str> {
    crate::io::export::HISTORY_EXPORT_HEADER.split(',')
}

impl Columns {
    fn of(headers: &csv::StringRecord) -> Result<Columns, Problem> {
        let mut at = BTreeMap::new();
        let mut items = Vec::new();
        for (i, name) in headers.iter().enumerate() {
            let name = name.trim_start_matches('\u{feff}');
            if let Some(known) = archive_columns().find(|c| *c == name) {
                at.insert(known, i);
            } else if let Some(item) = Item::from_key(name) {
                items.push((item, i));
            } else {
                return Err(Problem::new(
                    ROW,
                    format!(
                        "{name:?} is not a column of an archive (header field {})",
                        i + 1
                    ),
                ));
            }
        }
        if let Some(missing) = archive_columns().find(|c| !at.contains_key(c)) {
            return Err(Problem::new(
                missing,
                format!("required column {missing} is missing"),
            ));
        }
        Ok(Columns { at, items })
    }

    /// One row as the stored version it was exported from.
    fn version(&self, r: &csv::StringRecord) -> Result<StoredRecord, Problem> {
        let cell = |c: &'static str| unguard(r.get(self.at[c]).unwrap_or(""));
        let date =
            |c: &'static str| required(c, cell(c), |s| Date::parse(s).map(|d| d.to_yyyymmdd()));
        let optional_date = |c: &'static str| match cell(c) {
            "" => Ok(0),
            s => field(c, Date::parse(s).map(|d| d.to_yyyymmdd())),
        };
        // The dates the register may hold known only in part (不詳), as their codes.
        let partial = |c: &'static str| {
            required(c, cell(c), |s| PartialDate::parse(s).map(PartialDate::code))
        };
        let optional_partial = |c: &'static str| match cell(c) {
            "" => Ok(0),
            s => field(c, PartialDate::parse(s).map(PartialDate::code)),
        };
        let text = |c: &'static str| match cell(c) {
            "" => None,
            s => Some(s.to_owned()),
        };
        let number = |c: &'static str| -> Result<u64, Problem> {
            cell(c)
                .parse::<u64>()
                .map_err(|_| Problem::new(c, "expected a whole number"))
        };
        let mut rec = StoredRecord {
            id: number("atena_number")?,
            version: u32::try_from(number("version")?)
                .map_err(|_| Problem::new("version", "out of range"))?,
            seq: number("seq")?,
            code: field("resident_code", ResidentCode::parse(cell("resident_code")))?.get(),
            my_number: field("my_number", MyNumber::parse(cell("my_number")))?.get(),
            name: canonical("name_kanji", cell("name_kanji"), |s| {
                Name::parse(s).map(|n| n.as_str().to_owned())
            })?,
            kana: canonical("name_kana", cell("name_kana"), |s| {
                Kana::parse(s).map(|k| k.as_str().to_owned())
            })?,
            sex: field("sex", Sex::parse(cell("sex")))?.code(),
            birth: partial("birth_date")?,
            address: canonical("address", cell("address"), |s| {
                Address::parse(s).map(|a| a.written().to_owned())
            })?,
            postal: field("postal_code", PostalCode::parse(cell("postal_code")))?.get(),
            household: field("household_id", HouseholdId::parse(cell("household_id")))?.get(),
            relationship: canonical("relationship", cell("relationship"), |s| {
                Relationship::parse(s).map(|r| r.as_str().to_owned())
            })?,
            status: status(cell("status"))?,
            reason: field("reason", Reason::parse(cell("reason")))?.code(),
            valid_from: date("valid_from")?,
            reported: optional_date("reported")?,
            recorded_at: cell("recorded_at")
                .parse::<i64>()
                .map_err(|_| Problem::new("recorded_at", "expected a whole number"))?,
            resident_since: partial("moved_in_date")?,
            address_since: partial("address_since")?,
            previous_address: text("previous_address"),
            destination: text("destination"),
            removed_on: optional_partial("removed_on")?,
            changed: u32::from_str_radix(cell("change_mask"), 16)
                .map_err(|_| Problem::new("change_mask", "expected eight hexadecimal digits"))?,
            prefix_max: date("prefix_max")?,
            operator: text("operator"),
            terminal: text("terminal"),
            items: Vec::new(),
        };
        for &(item, i) in &self.items {
            let value = unguard(r.get(i).unwrap_or(""));
            if value.is_empty() {
                continue;
            }
            let stored = canonical(item.key(), value, item.rule().parse)?;
            rec.items.push(StoredItem {
                tag: item.tag(),
                value: stored,
            });
        }
        rec.items.sort_by_key(|s| s.tag);
        let parts = self.parts(r)?;
        rec.set_parts(parts.as_ref());
        Ok(rec)
    }

    /// The address parts, when the row has them (`placed_by` set).
    fn parts(&self, r: &csv::StringRecord) -> Result<Option<AddressParts>, Problem> {
        let cell = |c: &'static str| unguard(r.get(self.at[c]).unwrap_or(""));
        if cell("placed_by").is_empty() {
            return Ok(None);
        }
        let dictionary = required("placed_by", cell("placed_by"), Date::parse)?;
        let numbers = AddressParts::parse_block(cell("block")).ok_or_else(|| {
            Problem::new(
                "block",
                "expected 番地, 番地-号 or N丁目 before them (7-6, 2丁目8-9)",
            )
        })?;
        let areas = AddressParts::parse_areas(cell("areas"))
            .map_err(|e| Problem::new("areas", e.to_string()))?;
        let some = |c: &'static str| (!cell(c).is_empty()).then(|| cell(c).to_owned());
        if cell("town").is_empty() {
            return Err(Problem::new("town", "a placed address needs its 町字"));
        }
        Ok(Some(AddressParts {
            dictionary,
            ward: some("ward"),
            town: cell("town").to_owned(),
            numbers,
            katagaki: some("katagaki"),
            areas,
        }))
    }
}

fn field<T>(column: &str, v: Result<T, crate::model::InvalidValue>) -> Result<T, Problem> {
    v.map_err(|e| Problem::new(column, e.to_string()))
}

fn required<T>(
    column: &str,
    s: &str,
    parse: impl Fn(&str) -> Result<T, crate::model::InvalidValue>,
) -> Result<T, Problem> {
    if s.is_empty() {
        return Err(Problem::new(column, "empty"));
    }
    field(column, parse(s))
}

/// A text cell read with its parser, which must give the same text back: an archive holds
/// stored values, already canonical.
fn canonical(
    column: &str,
    s: &str,
    parse: impl Fn(&str) -> Result<String, crate::model::InvalidValue>,
) -> Result<String, Problem> {
    let v = required(column, s, parse)?;
    if v != s {
        return Err(Problem::new(
            column,
            "not as EXPORT HISTORY writes it (an archive holds the stored text)",
        ));
    }
    Ok(v)
}

fn status(s: &str) -> Result<u8, Problem> {
    match s {
        "active" => Ok(Status::Active.code()),
        "removed" => Ok(Status::Removed.code()),
        _ => Err(Problem::new("status", "expected active or removed")),
    }
}
