//! What a statement returns: a table of typed cells (or a message), independent of how it
//! is printed. The command line renders it as an aligned table, JSON Lines or CSV.
//!
//! Every calendar date in a result is a [`Cell::Date`], never text, so that a printer can
//! write it as it is asked to (the library writes ISO `1980-04-01`; the console writes
//! 和暦 on request).

use std::fmt;

use crate::model::{Date, PartialDate, RevealedMyNumber};
use crate::store::{Resident, SearchHit};

/// One cell of a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A yes/no value.
    Bool(bool),
    /// A calendar date.
    Date(Date),
    /// No value.
    Null,
}

impl Cell {
    /// The cell as text for tables and CSV (`Null` is empty, a date ISO `1980-04-01`).
    pub fn text(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Text(s) => f.write_str(s),
            Cell::Int(n) => n.fmt(f),
            Cell::Bool(b) => b.fmt(f),
            Cell::Date(d) => d.fmt(f),
            Cell::Null => Ok(()),
        }
    }
}

impl From<Date> for Cell {
    fn from(d: Date) -> Self {
        Cell::Date(d)
    }
}

impl From<PartialDate> for Cell {
    /// A whole date is a date; a month, a year or 不詳 its text (`1980-04`, `1980`, `不詳`).
    fn from(d: PartialDate) -> Self {
        match d {
            PartialDate::Exact(d) => Cell::Date(d),
            partial => Cell::Text(partial.to_string()),
        }
    }
}

impl From<Option<PartialDate>> for Cell {
    fn from(d: Option<PartialDate>) -> Self {
        d.map_or(Cell::Null, Cell::from)
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Self {
        s.map_or(Cell::Null, Cell::Text)
    }
}

impl From<Option<Date>> for Cell {
    fn from(d: Option<Date>) -> Self {
        d.map_or(Cell::Null, Cell::Date)
    }
}

/// The result of one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Rows under named columns.
    Rows(Rows),
    /// A line of text (help, a confirmation).
    Message(String),
}

/// Rows under named columns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rows {
    /// Column names (the keys of a JSON object).
    pub columns: Vec<&'static str>,
    /// The rows, each as long as `columns`.
    pub rows: Vec<Vec<Cell>>,
}

/// How a My Number is shown everywhere but SHOW MYNUMBER.
pub const MASKED: &str = "****-****-****";

/// The columns of a resident, as docs/cli.md names them: the items of the record, then the
/// version's bookkeeping, then the dates and addresses the register keeps, then the name of
/// the household's 世帯主, then the 宛名番号, then the address in parts (町字, 丁目・番地・号,
/// 方書, area codes; empty in a register without a municipality), then the items beyond the
/// core fields the record holds.
pub const RESIDENT_COLUMNS: [&str; 27] = [
    "resident_code",
    "my_number",
    "name",
    "name_kana",
    "sex",
    "birth_date",
    "address",
    "postal_code",
    "household_id",
    "relationship",
    "status",
    "version",
    "valid_from",
    "reason",
    "reported",
    "resident_since",
    "address_since",
    "previous_address",
    "destination",
    "removed_on",
    "head_name",
    "atena_number",
    "town",
    "block",
    "katagaki",
    "areas",
    "items",
];

/// The cells of a resident under [`RESIDENT_COLUMNS`]. The My Number is masked unless
/// `reveal` is set (SHOW MYNUMBER only).
pub fn resident_cells(r: &Resident, reveal: bool) -> Vec<Cell> {
    vec![
        r.code.to_string().into(),
        match (reveal, r.my_number) {
            (true, Some(n)) => n.reveal().to_string().into(),
            _ => MASKED.into(),
        },
        r.name.as_str().into(),
        r.kana.as_str().into(),
        r.sex.to_string().into(),
        r.birth.into(),
        r.address.written().into(),
        r.postal.to_string().into(),
        r.household.to_string().into(),
        r.relationship.as_str().into(),
        r.status.as_str().into(),
        Cell::Int(r.version.into()),
        r.valid_from.into(),
        r.reason.japanese().into(),
        r.reported.into(),
        r.resident_since.into(),
        r.address_since.into(),
        r.previous_address.clone().into(),
        r.destination.clone().into(),
        r.removed_on.into(),
        r.head_name.as_ref().map(|n| n.as_str().to_string()).into(),
        r.atena_number.to_string().into(),
        r.parts.as_ref().map(|p| p.town_with_ward()).into(),
        r.parts.as_ref().map(|p| p.block()).into(),
        r.parts.as_ref().and_then(|p| p.katagaki.clone()).into(),
        r.parts
            .as_ref()
            .map(|p| p.areas_text())
            .filter(|a| !a.is_empty())
            .into(),
        items_cell(&r.items),
    ]
}

/// The items a record holds beyond the core fields, as `key=value` pairs joined by `; `
/// in display order (the keys AMEND takes, [`crate::model::ITEMS`]); empty when none. A
/// withheld item (在留カード等の番号, 基礎年金番号) shows as `****`.
pub fn items_cell(items: &crate::model::Items) -> Cell {
    if items.is_empty() {
        return Cell::Null;
    }
    let pairs: Vec<String> = items
        .iter()
        .map(|(i, v)| {
            let shown = if i.withheld() {
                crate::query::redact::MASK
            } else {
                v
            };
            format!("{}={shown}", i.key())
        })
        .collect();
    pairs.join("; ").into()
}

impl Rows {
    /// Residents, one a row.
    pub fn residents<'a>(residents: impl IntoIterator<Item = &'a Resident>) -> Rows {
        Rows {
            columns: RESIDENT_COLUMNS.to_vec(),
            rows: residents
                .into_iter()
                .map(|r| resident_cells(r, false))
                .collect(),
        }
    }

    /// Change feed entries with the items the prefecture is notified of; My Numbers masked
    /// unless `numbers` gives them (one per entry, revealed by a permitted, logged read).
    pub fn changes(feed: &[Resident], numbers: Option<&[RevealedMyNumber]>) -> Rows {
        let mut rows = Rows {
            columns: vec![
                "seq",
                "resident_code",
                "name",
                "name_kana",
                "birth_date",
                "sex",
                "address",
                "my_number",
                "reason",
                "valid_from",
                "version",
            ],
            rows: Vec::with_capacity(feed.len()),
        };
        for (i, c) in feed.iter().enumerate() {
            let number = match numbers.and_then(|n| n.get(i)) {
                Some(n) => n.to_string(),
                None => MASKED.to_string(),
            };
            rows.rows.push(vec![
                Cell::Int(c.seq as i64),
                c.code.to_string().into(),
                c.name.as_str().into(),
                c.kana.as_str().into(),
                c.birth.into(),
                c.sex.to_string().into(),
                c.address.written().into(),
                number.into(),
                c.reason.japanese().into(),
                c.valid_from.into(),
                Cell::Int(c.version.into()),
            ]);
        }
        rows
    }

    /// Search hits: residents plus whether the matched version is current.
    pub fn hits(hits: &[SearchHit]) -> Rows {
        let mut columns = RESIDENT_COLUMNS.to_vec();
        columns.push("current");
        Rows {
            columns,
            rows: hits
                .iter()
                .map(|h| {
                    let mut row = resident_cells(&h.resident, false);
                    row.push(Cell::Bool(h.current));
                    row
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_cell_is_iso_text() {
        let date = Date::parse("昭和55年4月1日").unwrap();
        let cell = Cell::from(date);
        assert_eq!(cell, Cell::Date(date));
        assert_eq!(cell.text(), "1980-04-01");
        assert_eq!(cell.to_string(), "1980-04-01");
        assert_eq!(Cell::Null.text(), "");
        assert_eq!(Cell::Int(-3).text(), "-3");
    }
}
