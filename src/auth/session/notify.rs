//! The batches the register sends out with a cursor it keeps: the 本人確認情報
//! notification ([`Session::notify`]) and the 送付先情報 ([`Session::export_destinations`]).
//!
//! Both pick up where the last batch stopped: the last 更新順番号 sent is kept in the
//! register (META `last_notified`, `last_destinations`). The order of a batch, and why:
//! the file is written and made durable under its name first; then one write transaction
//! moves the cursor and appends the batch's log entry (its range, rows and SHA-256) and
//! commits, so that the cursor never passes a change whose file does not exist; if that
//! commit fails the file is removed, so that a file on disk is always one the log names.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use redb::ReadableTable;

use super::Session;
use crate::auth::error::Result;
use crate::auth::journal::append_in;
use crate::auth::pending::{Codes, EntryText, PendingEntry};
use crate::auth::role::Permission;
use crate::io::export::ExportReport;
use crate::io::notify::{Destination, DestinationsFile, Notice, NotificationFile, Office};
use crate::model::{Elsewhere, Reason};
use crate::store::engine::schema::{META, SETTINGS};
use crate::store::{Database, Resident, StoreError};

const LAST_NOTIFIED: &str = "last_notified";
const LAST_DESTINATIONS: &str = "last_destinations";
const LAST_DESTINATION_NUMBER: &str = "last_destination_number";
const OFFICE_POSTAL: &str = "office_postal";
const OFFICE_ADDRESS: &str = "office_address";
const OFFICE_PHONE: &str = "office_phone";

/// Changes read per page while a batch is written.
const PAGE: usize = 10_000;

/// A batch sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The 更新順番号 the batch started after.
    pub after: u64,
    /// The last 更新順番号 it covers (`after` when there was nothing new).
    pub through: u64,
    /// The rows written.
    pub rows: u64,
    /// SHA-256 of the file.
    pub sha256: String,
}

impl Session {
    /// Writes the 本人確認情報 notification of every change after the last one notified
    /// (or after `since`, to send a range again) to a new file: the items of docs/cli.md,
    /// My Numbers in full. Needs the notification permission, made for this duty alone.
    pub fn notify(&self, path: &Path, since: Option<u64>) -> Result<Batch> {
        let text = match since {
            Some(s) => format!("NOTIFY SINCE {s} TO '{}'", path.display()),
            None => format!("NOTIFY TO '{}'", path.display()),
        };
        self.batch("NOTIFY", text, LAST_NOTIFIED, since, |db, after| {
            write_notification(db, path, after)
        })
    }

    /// Writes the 送付先情報 of every resident given a My Number since the last batch (出生,
    /// a 転入 from abroad, 個人番号変更), each once, as they are recorded now. Needs the
    /// notification permission.
    pub fn export_destinations(&self, path: &Path) -> Result<Batch> {
        let text = format!("EXPORT DESTINATIONS TO '{}'", path.display());
        let (operator, terminal) = (self.signer.operator.clone(), self.signer.terminal.clone());
        self.batch(
            "EXPORT DESTINATIONS",
            text,
            LAST_DESTINATIONS,
            None,
            |db, after| write_destinations(db, path, after, &operator, &terminal),
        )
    }

    /// The notification as a stream: the changes after `since` (at most `limit`) under the
    /// columns of the notification file, My Numbers in full; the reader keeps its own place
    /// (`juki changes --notification`). Needs the notification permission; logged with the
    /// range read.
    pub fn notification_since(&self, since: u64, limit: usize) -> Result<crate::query::Rows> {
        self.read(
            "NOTIFY STREAM",
            || format!("NOTIFY STREAM SINCE {since} LIMIT {limit}"),
            &[Permission::Changes, Permission::Notification],
            |db| {
                let (code, _) = municipality(db)?;
                let page = db.changes_with_former_codes(since, limit)?;
                let notices: Vec<Notice<'_>> = page
                    .iter()
                    .map(|(change, former_code)| Notice {
                        change,
                        former_code: *former_code,
                        municipality: &code,
                    })
                    .collect();
                let codes = page.iter().map(|(r, _)| r.code.get()).collect::<Vec<_>>();
                Ok((crate::io::notify::notification_rows(&notices), codes))
            },
            |(_, codes)| Some(crate::auth::pending::Codes::Many(codes.clone())),
        )
        .map(|(rows, _)| rows)
    }

    /// The office the 送付先情報 names (postal code, address, telephone). Needs the
    /// operators permission.
    pub fn set_office(&self, postal: &str, address: &str, phone: &str) -> Result<()> {
        let text = format!("SET OFFICE postal='{postal}' address='{address}' phone='{phone}'");
        self.admin_write("SET OFFICE", text, &[Permission::Operators], |txn| {
            let mut t = txn.open_table(SETTINGS)?;
            t.insert(OFFICE_POSTAL, postal.trim())?;
            t.insert(OFFICE_ADDRESS, address.trim())?;
            t.insert(OFFICE_PHONE, phone.trim())?;
            Ok(())
        })
    }

    /// Runs one batch: `write` makes the file of the changes after `after` and says how far
    /// it went, and how many numbers it used (送付先管理番号); the module's documentation
    /// gives the order.
    fn batch(
        &self,
        kind: &'static str,
        text: String,
        cursor: &'static str,
        since: Option<u64>,
        write: impl FnOnce(&Database, u64) -> Result<(ExportReport, u64, u64)>,
    ) -> Result<Batch> {
        let result = self.batch_checked(kind, &text, cursor, since, write);
        if let Err(e) = &result {
            let entry = self.batch_entry(kind, text, "", e.code().as_str());
            self.juki.inner.journal.push(self.db(), entry)?;
        }
        result
    }

    fn batch_checked(
        &self,
        kind: &'static str,
        text: &str,
        cursor: &'static str,
        since: Option<u64>,
        write: impl FnOnce(&Database, u64) -> Result<(ExportReport, u64, u64)>,
    ) -> Result<Batch> {
        self.admit(&[Permission::Changes, Permission::Notification])?;
        self.refuse_if_read_only()?;
        let last = read_meta(self.db(), cursor)?;
        let after = since.unwrap_or(last);
        let (report, through, numbers) = write(self.db(), after)?;
        let batch = Batch {
            after,
            through: through.max(after),
            rows: report.rows,
            sha256: report.sha256,
        };
        let extra = format!(
            " seq={}..{} rows={} sha256={}",
            batch.after + 1,
            batch.through,
            batch.rows,
            batch.sha256
        );
        let committed = (|| -> Result<()> {
            let txn = self.db().write_transaction()?;
            {
                let mut meta = txn.open_table(META)?;
                meta.insert(cursor, last.max(batch.through))?;
                if numbers > 0 {
                    let used = meta.get(LAST_DESTINATION_NUMBER)?.map_or(0, |v| v.value());
                    meta.insert(LAST_DESTINATION_NUMBER, used + numbers)?;
                }
            }
            let mut entries = self.juki.inner.journal.take();
            entries.push(self.batch_entry(kind, text.to_string(), &extra, "OK"));
            append_in(&txn, entries)?;
            txn.commit().map_err(StoreError::from)?;
            Ok(())
        })();
        committed.map(|()| batch)
    }

    fn batch_entry(
        &self,
        kind: &'static str,
        text: String,
        extra: &str,
        outcome: &'static str,
    ) -> PendingEntry {
        let (kind, mut text) = match &*self.statement.borrow() {
            Some((k, t)) => (Cow::Owned(k.clone()), t.clone()),
            None => (Cow::Borrowed(kind), text),
        };
        text.push_str(extra);
        PendingEntry {
            time: super::now_micros(),
            signer: Arc::clone(&self.signer),
            kind,
            text: EntryText::Owned(text),
            outcome: Cow::Borrowed(outcome),
            codes: Codes::NONE,
        }
    }
}

fn read_meta(db: &Database, key: &str) -> Result<u64> {
    let txn = db.read_transaction()?;
    let meta = txn.open_table(META).map_err(StoreError::from)?;
    Ok(meta
        .get(key)
        .map_err(StoreError::from)?
        .map_or(0, |v| v.value()))
}

fn setting(db: &Database, key: &str) -> Result<String> {
    let txn = db.read_transaction()?;
    match txn.open_table(SETTINGS) {
        Ok(t) => Ok(t
            .get(key)
            .map_err(StoreError::from)?
            .map(|v| v.value().to_string())
            .unwrap_or_default()),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(String::new()),
        Err(e) => Err(StoreError::from(e).into()),
    }
}

/// The municipality's code, or a refusal for a register without one.
fn municipality(db: &Database) -> Result<(String, String)> {
    let book = db.place().ok_or_else(|| {
        StoreError::Conflict("the register has no municipality: its 市町村コード is needed".into())
    })?;
    let m = book.municipality();
    Ok((m.code().to_string(), m.name().to_string()))
}

/// The notification file: every change after `after`, page by page. Returns the report, the
/// last 更新順番号 written, and no numbers used.
fn write_notification(db: &Database, path: &Path, after: u64) -> Result<(ExportReport, u64, u64)> {
    let (code, _) = municipality(db)?;
    let mut file = NotificationFile::create(path)?;
    let mut through = after;
    loop {
        let page = db.changes_with_former_codes(through, PAGE)?;
        for (change, former_code) in &page {
            file.push(&Notice {
                change,
                former_code: *former_code,
                municipality: &code,
            })?;
            through = change.seq;
        }
        if page.len() < PAGE {
            break;
        }
    }
    Ok((file.finish()?, through, 0))
}

/// Whether a change gives the resident a My Number the 機構 must send a notice of.
fn gives_a_number(db: &Database, r: &Resident) -> bool {
    match r.reason {
        Reason::Birth | Reason::MyNumberChange => true,
        Reason::MoveIn => {
            let (Some(book), Some(from)) = (db.place(), r.previous_address.as_deref()) else {
                return false;
            };
            let Ok(from) = crate::model::Address::parse(from) else {
                return false;
            };
            matches!(
                book.elsewhere(r.valid_from, &from),
                Some(Ok(Elsewhere::Abroad))
            )
        }
        _ => false,
    }
}

/// The 送付先情報 file: the residents numbered by the changes after `after`, each once, as
/// recorded now. Returns the report, the last 更新順番号 read and the 送付先管理番号 used.
fn write_destinations(
    db: &Database,
    path: &Path,
    after: u64,
    operator: &str,
    terminal: &str,
) -> Result<(ExportReport, u64, u64)> {
    let (code, name) = municipality(db)?;
    let office = Office {
        name,
        code,
        postal: setting(db, OFFICE_POSTAL)?,
        address: setting(db, OFFICE_ADDRESS)?,
        phone: setting(db, OFFICE_PHONE)?,
    };
    // Who: each resident once, in the order first numbered.
    let (mut through, mut who) = (after, Vec::new());
    loop {
        let page = db.changes_since(through, PAGE)?;
        for change in &page {
            through = change.seq;
            if gives_a_number(db, change) && !who.contains(&change.atena_number) {
                who.push(change.atena_number);
            }
        }
        if page.len() < PAGE {
            break;
        }
    }
    let first_number = read_meta(db, LAST_DESTINATION_NUMBER)? + 1;
    let today = db.today();
    let mut file = DestinationsFile::create(path)?;
    let mut count = 0u64;
    for atena in &who {
        let Some(code) = db.code_of_atena(*atena)? else {
            continue;
        };
        let Some(resident) = db.get(code)? else {
            continue;
        };
        file.push(&Destination {
            resident: &resident,
            number: first_number + count,
            office: &office,
            count: who.len(),
            today,
            operator,
            terminal,
        })?;
        count += 1;
    }
    Ok((file.finish()?, through, count))
}
