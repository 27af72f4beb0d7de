//! The files the register sends to the 住基ネット side: the 本人確認情報 notification (every
//! change, in 更新順番号 order, with the items the prefecture keeps) and the 送付先情報
//! (where the 個人番号通知書 of a newly numbered resident is sent). Both are CSV, UTF-8,
//! with a header; docs/cli.md gives their columns and the tests read them back.
//!
//! Each column is written by one row of a table ([`NOTIFICATION`], [`DESTINATIONS`]): its
//! name and how its cell is made, so that the header and the cells cannot drift apart.

use std::fmt::Write as _;
use std::path::Path;

use super::export::{cell, text_cell, ExportError, ExportReport, Lines};
use crate::model::{Date, Item, ResidentCode};
use crate::store::Resident;

/// One entry of the notification: a change and what it is read with.
pub(crate) struct Notice<'a> {
    /// The version the change wrote, its My Number present.
    pub change: &'a Resident,
    /// The resident code the change replaced (旧住民票コード), when it changed it.
    pub former_code: Option<ResidentCode>,
    /// The register's 全国地方公共団体コード.
    pub municipality: &'a str,
}

/// How one column's cell is made.
type NoticeFill = for<'a, 'b> fn(&mut String, &'b Notice<'a>);
type DestinationFill = for<'a, 'b> fn(&mut String, &'b Destination<'a>);

/// The columns of the 本人確認情報 notification, in order.
pub(crate) const NOTIFICATION: [(&str, NoticeFill); 22] = [
    ("seq", |l, n| push(l, n.change.seq)),
    ("resident_code", |l, n| push(l, n.change.code)),
    ("name", |l, n| text_cell(l, n.change.name.as_str())),
    ("name_kana", |l, n| text_cell(l, n.change.kana.as_str())),
    ("kana_key", |l, n| {
        text_cell(l, n.change.kana.key().as_str())
    }),
    ("birth_date", |l, n| push(l, n.change.birth)),
    ("sex", |l, n| push(l, n.change.sex.code())),
    ("municipality_code", |l, n| l.push_str(n.municipality)),
    ("postal_code", |l, n| push(l, n.change.postal)),
    ("address", |l, n| text_cell(l, n.change.address.written())),
    ("my_number", |l, n| {
        if let Some(m) = n.change.my_number {
            push(l, m.reveal());
        }
    }),
    ("resident_since", |l, n| push(l, n.change.resident_since)),
    ("address_since", |l, n| push(l, n.change.address_since)),
    ("reported", |l, n| date(l, n.change.reported)),
    ("previous_address", |l, n| {
        text_cell(l, n.change.previous_address.as_deref().unwrap_or(""))
    }),
    ("relationship", |l, n| {
        text_cell(l, n.change.relationship.as_str())
    }),
    ("reason", |l, n| push(l, n.change.reason)),
    ("valid_from", |l, n| push(l, n.change.valid_from)),
    ("former_resident_code", |l, n| {
        if let Some(c) = n.former_code {
            push(l, c);
        }
    }),
    ("operator", |l, n| {
        text_cell(l, n.change.operator.as_deref().unwrap_or(""))
    }),
    ("terminal", |l, n| {
        text_cell(l, n.change.terminal.as_deref().unwrap_or(""))
    }),
    ("recorded_at", |l, n| push(l, n.change.recorded_at)),
];

/// A notification file being written (a new file, 0600, named only when complete).
pub(crate) struct NotificationFile(Lines);

impl NotificationFile {
    pub(crate) fn create(path: &Path) -> Result<NotificationFile, ExportError> {
        Ok(NotificationFile(Lines::create(
            path,
            &header(NOTIFICATION.iter().map(|c| c.0)),
        )?))
    }

    pub(crate) fn push(&mut self, n: &Notice<'_>) -> Result<(), ExportError> {
        self.0.push(|line| {
            let cells = NOTIFICATION
                .iter()
                .map(|(_, f)| move |l: &mut String| f(l, n));
            fill(line, cells)
        })
    }

    pub(crate) fn finish(self) -> Result<ExportReport, ExportError> {
        self.0.finish()
    }
}

/// The notification of `notices` as rows under the columns of [`NOTIFICATION`], every cell
/// text as the file writes it (unquoted): the stream form of the notification.
pub(crate) fn notification_rows(notices: &[Notice<'_>]) -> crate::query::Rows {
    let mut rows = crate::query::Rows {
        columns: NOTIFICATION.iter().map(|(name, _)| *name).collect(),
        rows: Vec::with_capacity(notices.len()),
    };
    for n in notices {
        let cells = NOTIFICATION.iter().map(|(_, f)| {
            let mut cell = String::new();
            f(&mut cell, n);
            crate::query::Cell::from(super::export::unquote(&cell))
        });
        rows.rows.push(cells.collect());
    }
    rows
}

/// The municipality's office, as the 送付先情報 names it (交付場所 and カード送付場所 too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Office {
    /// 市町村名, e.g. 芦屋市.
    pub name: String,
    /// 全国地方公共団体コード.
    pub code: String,
    /// The office's postal code.
    pub postal: String,
    /// The office's address.
    pub address: String,
    /// The office's telephone number.
    pub phone: String,
}

/// One resident of the 送付先情報.
pub(crate) struct Destination<'a> {
    /// The resident's record as it stands now, its My Number present.
    pub resident: &'a Resident,
    /// 送付先管理番号.
    pub number: u64,
    /// The office.
    pub office: &'a Office,
    /// 対象となる人数: the residents of the batch.
    pub count: usize,
    /// 処理年月日.
    pub today: Date,
    /// 操作者ID and 操作端末ID.
    pub operator: &'a str,
    pub terminal: &'a str,
}

/// A text item with its 項目長 (characters) before it and, after it, its 外字数 (always 0:
/// the register holds no 外字; every character is Unicode).
fn sized(l: &mut String, s: &str) {
    push(l, s.chars().count());
    l.push(',');
    text_cell(l, s);
}

/// The columns of the 送付先情報: the 61 items of the source document's file layout, in its
/// order (a text item's 項目長 is written with it, as two columns).
pub(crate) const DESTINATIONS: [(&str, DestinationFill); 48] = [
    ("destination_number", |l, d| push(l, d.number)),
    ("destination_postal_code", |l, d| push(l, d.resident.postal)),
    ("destination_address_length,destination_address", |l, d| {
        sized(l, d.resident.address.written())
    }),
    ("destination_address_gaiji", |l, _| l.push('0')),
    ("destination_name_length,destination_name", |l, d| {
        sized(l, d.resident.name.as_str())
    }),
    ("destination_name_gaiji", |l, _| l.push('0')),
    ("municipality_code", |l, d| text_cell(l, &d.office.code)),
    ("municipality_name_length,municipality_name", |l, d| {
        sized(l, &d.office.name)
    }),
    ("municipality_postal_code", |l, d| {
        text_cell(l, &d.office.postal)
    }),
    (
        "municipality_address_length,municipality_address",
        |l, d| sized(l, &d.office.address),
    ),
    ("municipality_address_gaiji", |l, _| l.push('0')),
    ("municipality_phone", |l, d| text_cell(l, &d.office.phone)),
    ("issue_place_length,issue_place", |l, d| {
        sized(l, &d.office.name)
    }),
    ("issue_place_gaiji", |l, _| l.push('0')),
    ("issue_place_postal_code", |l, d| {
        text_cell(l, &d.office.postal)
    }),
    ("issue_place_address_length,issue_place_address", |l, d| {
        sized(l, &d.office.address)
    }),
    ("issue_place_address_gaiji", |l, _| l.push('0')),
    ("issue_place_phone", |l, d| text_cell(l, &d.office.phone)),
    ("card_place_length,card_place", |l, d| {
        sized(l, &d.office.name)
    }),
    ("card_place_gaiji", |l, _| l.push('0')),
    ("card_place_postal_code", |l, d| {
        text_cell(l, &d.office.postal)
    }),
    ("card_place_address_length,card_place_address", |l, d| {
        sized(l, &d.office.address)
    }),
    ("card_place_address_gaiji", |l, _| l.push('0')),
    ("card_place_phone", |l, d| text_cell(l, &d.office.phone)),
    ("count", |l, d| push(l, d.count)),
    ("processed_on", |l, d| push(l, d.today)),
    ("operator", |l, d| text_cell(l, d.operator)),
    ("terminal", |l, d| text_cell(l, d.terminal)),
    // 印刷区分: 1, the 個人番号通知書 is printed.
    ("print_kind", |l, _| l.push('1')),
    ("resident_code", |l, d| push(l, d.resident.code)),
    ("name_length,name", |l, d| {
        sized(l, d.resident.name.as_str())
    }),
    ("name_gaiji", |l, _| l.push('0')),
    ("name_kana_length,name_kana", |l, d| {
        sized(l, d.resident.kana.as_str())
    }),
    ("postal_code", |l, d| push(l, d.resident.postal)),
    ("address_length,address", |l, d| {
        sized(l, d.resident.address.written())
    }),
    ("address_gaiji", |l, _| l.push('0')),
    ("birth_date", |l, d| push(l, d.resident.birth)),
    ("sex", |l, d| push(l, d.resident.sex.code())),
    ("my_number", |l, d| {
        if let Some(m) = d.resident.my_number {
            push(l, m.reveal());
        }
    }),
    ("foreign_category", |l, d| {
        item(l, d.resident, Item::ForeignCategory)
    }),
    ("stay_expiry", |l, d| item(l, d.resident, Item::StayExpiry)),
    // 代替文字: none is needed when no character is a 外字.
    ("substitution_result", |l, _| l.push('0')),
    ("substitute_name_length,substitute_name", |l, _| {
        l.push_str("0,")
    }),
    ("substitute_address_length,substitute_address", |l, _| {
        l.push_str("0,")
    }),
    ("substitute_name_positions", |_, _| {}),
    ("substitute_address_positions", |_, _| {}),
    ("gaiji_flag", |l, _| l.push('0')),
    ("gaiji_pattern", |_, _| {}),
];

/// A 送付先情報 file being written (a new file, 0600, named only when complete).
pub(crate) struct DestinationsFile(Lines);

impl DestinationsFile {
    pub(crate) fn create(path: &Path) -> Result<DestinationsFile, ExportError> {
        Ok(DestinationsFile(Lines::create(
            path,
            &header(DESTINATIONS.iter().map(|c| c.0)),
        )?))
    }

    pub(crate) fn push(&mut self, d: &Destination<'_>) -> Result<(), ExportError> {
        self.0.push(|line| {
            let cells = DESTINATIONS
                .iter()
                .map(|(_, f)| move |l: &mut String| f(l, d));
            fill(line, cells)
        })
    }

    pub(crate) fn finish(self) -> Result<ExportReport, ExportError> {
        self.0.finish()
    }
}

fn header<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(",")
}

/// One line: the cells, separated by commas, and the line end.
fn fill<F: FnOnce(&mut String)>(line: &mut String, cells: impl Iterator<Item = F>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            line.push(',');
        }
        cell(line);
    }
    line.push('\n');
}

fn push(line: &mut String, v: impl std::fmt::Display) {
    let _ = write!(line, "{v}");
}

fn date(line: &mut String, d: Option<Date>) {
    if let Some(d) = d {
        push(line, d);
    }
}

fn item(line: &mut String, r: &Resident, item: Item) {
    if let Some(v) = r.items.get(item) {
        cell(line, v);
    }
}
