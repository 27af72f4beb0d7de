//! Issuing certificates: [`Session::issue`], and the issuer the register signs them with
//! ([`Session::set_issuer`]).
//!
//! The order of an issuance, and why:
//! 1. the request is checked against the law's rules before anything is read (a 住民票コード,
//!    個人番号 or 在留カード番号 only for the person themself or their household, the My
//!    Number permission for a 個人番号);
//! 2. the persons are read from one snapshot and checked (active on the day for a 写し, all
//!    of one household, removed for a 除票);
//! 3. the serial number is taken in a write transaction that also appends the issuance's
//!    log entry; the file is written and made durable under its name BEFORE that
//!    transaction commits, so that a logged issuance always has its file, and it is removed
//!    again if the commit fails, so that no certificate exists without its entry. A failed
//!    issuance is logged too, with its error code and without a serial number.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{ReadableTable, WriteTransaction};
use sha2::{Digest, Sha256};

use super::Session;
use crate::auth::error::{AuthError, Result};
use crate::auth::journal::append_in;
use crate::auth::pending::{Codes, EntryText, PendingEntry};
use crate::auth::role::Permission;
use crate::certificate::{
    compose, Document, Issuer, Kind, Part, Persons, Request, Requester, Sheet,
};
use crate::model::{Date, HouseholdId, ResidentCode};
use crate::store::engine::schema::{META, META_LAST_CERTIFICATE, SETTINGS};
use crate::store::{Database, Resident, StoreError};

const ISSUER_TITLE: &str = "issuer_title";
const ISSUER_NAME: &str = "issuer_name";

/// Where an issued certificate goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A PDF file, created new (0600); an existing path is refused.
    Pdf(PathBuf),
    /// The certificate as data: a JSON file (docs/cli.md gives its form), created new
    /// (0600).
    Json(PathBuf),
    /// The plain-text rendering only (for the console).
    Text,
}

/// A certificate issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// Its serial number (第 N 号), one more than the last issued by the register.
    pub serial: u64,
    /// What it says.
    pub document: Document,
    /// The plain-text rendering.
    pub text: String,
    /// The PDF file written, when one was asked for.
    pub path: Option<PathBuf>,
    /// SHA-256 of what was handed out (the PDF file, or the text), as the log records it.
    pub sha256: String,
}

impl Session {
    /// The title and name certificates are signed with: "兵庫県芦屋市長" and the mayor's
    /// name. Needs the operators permission (an administrator's setting).
    pub fn set_issuer(&self, title: &str, name: &str) -> Result<()> {
        let (title, name) = (title.trim(), name.trim());
        for (field, value) in [("issuer title", title), ("issuer name", name)] {
            if value.is_empty() || value.chars().count() > 40 || value.chars().any(char::is_control)
            {
                return Err(AuthError::Invalid {
                    field: if field == "issuer title" {
                        "issuer title"
                    } else {
                        "issuer name"
                    },
                    reason: "must be 1 to 40 characters, without control characters".into(),
                }
                .into());
            }
        }
        self.admin_write(
            "SET ISSUER",
            format!("SET ISSUER title='{title}' name='{name}'"),
            &[Permission::Operators],
            |txn| {
                let mut t = txn.open_table(SETTINGS)?;
                t.insert(ISSUER_TITLE, title)?;
                t.insert(ISSUER_NAME, name)?;
                Ok(())
            },
        )
    }

    /// The issuer certificates are signed with: the one set with [`Session::set_issuer`],
    /// else the municipality's head by title ("兵庫県芦屋市長") with no name; `None` for a
    /// register without a municipality and no issuer set.
    pub fn issuer(&self) -> Result<Option<Issuer>> {
        issuer_of(self.db())
    }

    /// Issues a certificate: checked, read, numbered, rendered, written and logged (the
    /// module's documentation gives the order). Needs the certificate permission, and the
    /// My Number permission for a 個人番号.
    pub fn issue(&self, request: &Request, to: &Destination) -> Result<Issued> {
        let result = self.issue_checked(request, to);
        if let Err(e) = &result {
            let entry = self.issuance_entry(request, to, e.code().as_str(), Vec::new(), "");
            self.juki.inner.journal.push(self.db(), entry)?;
        }
        self.push_flag_entries("ISSUE")?;
        result
    }

    fn issue_checked(&self, request: &Request, to: &Destination) -> Result<Issued> {
        let mut needs = vec![Permission::Certificate];
        if request.with.contains(&Part::MyNumber) || request.kind == Kind::MoveOutCertificate {
            needs.push(Permission::MyNumber);
        }
        self.admit(&needs)?;
        self.refuse_if_read_only()?;
        check_request(request)?;
        let issuer = issuer_of(self.db())?
            .filter(|i| !i.name.is_empty())
            .ok_or_else(|| {
                StoreError::Conflict(
                    "no issuer is set: an administrator sets the mayor's title and name with SET ISSUER title='…' name='…'".into(),
                )
            })?;
        let today = self.db().today();
        let (persons, whole) = read_persons(self.db(), request, today)?;
        let persons = self.screened_persons(request, persons, today)?;
        check_requester(self.db(), request, &persons)?;
        let screen = self.screen(self.db())?;
        super::restrict::check_measures(self.db(), &screen, &persons, &request.requester)?;
        let parts = parts_of(request);
        let codes: Vec<u64> = persons.iter().map(|r| r.code.get()).collect();
        let txn = self.db().write_transaction()?;
        let serial = next_serial(&txn)?;
        let sheet = Sheet {
            kind: request.kind,
            parts: &parts,
            whole_household: whole,
            as_of: request.as_of,
            serial,
            issued_on: today,
            issuer: &issuer,
        };
        let document = compose(&sheet, &persons);
        let text = crate::certificate::to_text(&document);
        let (path, sha256) = match to {
            Destination::Pdf(path) => {
                let pdf = crate::certificate::to_pdf(&document)?;
                (Some(path.clone()), write_new(path, &pdf)?)
            }
            Destination::Json(path) => {
                let json = document.to_json();
                (Some(path.clone()), write_new(path, json.as_bytes())?)
            }
            Destination::Text => (None, hex(&Sha256::digest(text.as_bytes()))),
        };
        let extra = format!(" serial={serial} sha256={sha256}");
        let mut entries = self.juki.inner.journal.take();
        entries.push(self.issuance_entry(request, to, "OK", codes, &extra));
        let committed = append_in(&txn, entries)
            .and_then(|()| txn.commit().map_err(|e| StoreError::from(e).into()));
        if let Err(e) = committed {
            if let Some(p) = &path {
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
        Ok(Issued {
            serial,
            document,
            text,
            path,
            sha256,
        })
    }

    /// The persons of a certificate, checked by the one screen of `restrict`: a role
    /// without the `restrict` permission is answered as for a resident no one is, when one
    /// of them is under a support measure or in the household of one (whoever asks).
    fn screened_persons(
        &self,
        request: &Request,
        persons: Vec<Resident>,
        today: Date,
    ) -> Result<Vec<Resident>> {
        let all: Vec<ResidentCode> = persons.iter().map(|r| r.code).collect();
        let kept = self.screened(self.db(), persons, |r| r)?;
        if kept.len() == all.len() {
            return Ok(kept);
        }
        let named = match &request.persons {
            Persons::HouseholdOf(code) => *code,
            Persons::These(codes) => codes
                .iter()
                .copied()
                .find(|c| all.contains(c) && !kept.iter().any(|r| r.code == *c))
                .unwrap_or(codes[0]),
        };
        let what = match request.kind {
            Kind::RemovedCopy | Kind::MoveOutCertificate => format!("resident {named}"),
            _ => format!("resident {named} on {}", request.as_of.unwrap_or(today)),
        };
        Err(StoreError::NotFound(what).into())
    }

    /// The log entry of an issuance: its own kind when it carries a 個人番号 (`ISSUE
    /// MYNUMBER`) or a 住民票コード (`ISSUE CODE`), so that an auditor finds every such
    /// issuance by kind; the text names the certificate, the persons, the parts, the
    /// requester and the file, never a My Number.
    fn issuance_entry(
        &self,
        request: &Request,
        to: &Destination,
        outcome: &'static str,
        codes: Vec<u64>,
        extra: &str,
    ) -> PendingEntry {
        let kind =
            if request.with.contains(&Part::MyNumber) || request.kind == Kind::MoveOutCertificate {
                "ISSUE MYNUMBER"
            } else if request.with.contains(&Part::Code) {
                "ISSUE CODE"
            } else {
                "ISSUE"
            };
        let mut text = describe(request, to);
        text.push_str(extra);
        PendingEntry {
            time: super::now_micros(),
            signer: Arc::clone(&self.signer),
            kind: Cow::Borrowed(kind),
            text: EntryText::Owned(text),
            outcome: Cow::Borrowed(outcome),
            codes: Codes::Many(codes),
        }
    }
}

/// The request as the log records it: `ISSUE COPY HOUSEHOLD OF 24727059608 AS OF 2020-04-01
/// WITH household,code REQUESTED BY 24727059608 TO '/out/c.pdf'`.
fn describe(request: &Request, to: &Destination) -> String {
    let kind = match request.kind {
        Kind::Copy => "COPY",
        Kind::RemovedCopy => "REMOVED COPY",
        Kind::ItemsCertificate => "ITEMS CERTIFICATE",
        Kind::MoveOutCertificate => "MOVE OUT CERTIFICATE",
    };
    let mut text = format!("ISSUE {kind} ");
    match &request.persons {
        Persons::HouseholdOf(code) => text.push_str(&format!("HOUSEHOLD OF {code}")),
        Persons::These(codes) => {
            let codes: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
            text.push_str(&format!("OF {}", codes.join(",")));
        }
    }
    if let Some(d) = request.as_of {
        text.push_str(&format!(" AS OF {d}"));
    }
    if !request.with.is_empty() {
        let parts: Vec<&str> = request.with.iter().map(|p| p.key()).collect();
        text.push_str(&format!(" WITH {}", parts.join(",")));
    }
    text.push_str(&format!(" REQUESTED BY {}", request.requester));
    if let Destination::Pdf(path) | Destination::Json(path) = to {
        text.push_str(&format!(" TO '{}'", path.display()));
    }
    text
}

/// The rules a request must meet before anything is read.
fn check_request(request: &Request) -> Result<()> {
    if !matches!(request.requester, Requester::Resident(_)) {
        if let Some(part) = request.with.iter().find(|p| p.only_for_themself()) {
            return Err(AuthError::OnlyForThemself(part.key()).into());
        }
    }
    if request.kind == Kind::MoveOutCertificate && !request.with.is_empty() {
        return Err(StoreError::Conflict(
            "a 転出証明書 carries the items 住基法施行令第23条 lists; it takes no WITH".into(),
        )
        .into());
    }
    match (&request.kind, &request.persons) {
        (Kind::RemovedCopy, Persons::HouseholdOf(_)) => Err(StoreError::Conflict(
            "a 除票の写し is of named residents: ISSUE REMOVED COPY OF <resident code>".into(),
        )
        .into()),
        (_, Persons::These(codes)) if codes.is_empty() => {
            Err(StoreError::Conflict("a certificate names at least one resident".into()).into())
        }
        (_, Persons::These(codes)) => {
            for (i, c) in codes.iter().enumerate() {
                if codes[..i].contains(c) {
                    return Err(StoreError::Conflict(format!("resident {c} is named twice")).into());
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The parts the certificate carries, in print order: those of every 写し and the ones
/// asked for (a 記載事項証明書: only the ones asked for).
fn parts_of(request: &Request) -> Vec<Part> {
    if request.kind == Kind::MoveOutCertificate {
        return crate::certificate::MOVE_OUT_PARTS.to_vec();
    }
    Part::ALL
        .into_iter()
        .filter(|p| {
            request.with.contains(p)
                || (request.kind != Kind::ItemsCertificate && p.on_every_copy())
        })
        .collect()
}

/// The persons of the certificate in 記載順位, and whether they are the whole household.
/// Their My Numbers are kept only when one is asked for.
fn read_persons(db: &Database, request: &Request, today: Date) -> Result<(Vec<Resident>, bool)> {
    let on = request.as_of.unwrap_or(today);
    let (mut persons, whole) = match (&request.kind, &request.persons) {
        (Kind::MoveOutCertificate, persons) => (moving_out(db, persons)?, false),
        (Kind::RemovedCopy, Persons::These(codes)) => (removed(db, codes, request.as_of)?, false),
        (_, Persons::HouseholdOf(code)) => {
            let r = active_on(db, *code, on)?;
            let members = db.household(r.household, Some(on))?.members;
            (members, true)
        }
        (_, Persons::These(codes)) => {
            let persons = codes
                .iter()
                .map(|c| active_on(db, *c, on))
                .collect::<Result<Vec<_>>>()?;
            one_household(&persons)?;
            (persons, false)
        }
    };
    if persons.is_empty() {
        return Err(StoreError::NotFound(format!("no member of the household on {on}")).into());
    }
    // 住所を定めた日 is printed with the day that address was reported: the 届出日 of the
    // version that set it, not of the latest change (a later 記載事項変更 has its own).
    for r in &mut persons {
        r.reported = address_reported(db, r)?;
    }
    if !parts_of(request).contains(&Part::MyNumber) {
        for r in &mut persons {
            r.my_number = None;
        }
    }
    persons.sort_by(|a, b| {
        (a.relationship.listing_rank(), a.birth, a.atena_number).cmp(&(
            b.relationship.listing_rank(),
            b.birth,
            b.atena_number,
        ))
    });
    Ok((persons, whole))
}

/// The residents of a 転出証明書: each named resident's 転出 as recorded (in force or
/// notified ahead); for HOUSEHOLD OF, every member of the resident's household whose 転出
/// has the same day and 転出先.
fn moving_out(db: &Database, persons: &Persons) -> Result<Vec<Resident>> {
    let out = |code: ResidentCode| -> Result<Resident> {
        let latest = db.history(code)?.pop();
        match latest {
            Some(r) if r.reason == crate::model::Reason::MoveOut => Ok(r),
            _ => Err(StoreError::Conflict(format!(
                "no 転出 is recorded for resident {code}: a 転出証明書 is issued when one is (MOVE OUT)"
            ))
            .into()),
        }
    };
    match persons {
        Persons::These(codes) => codes.iter().map(|c| out(*c)).collect(),
        Persons::HouseholdOf(code) => {
            let first = out(*code)?;
            let before = first.valid_from.add_days(-1);
            let mut all = Vec::new();
            for member in db.household(first.household, Some(before))?.members {
                match out(member.code) {
                    Ok(r)
                        if r.valid_from == first.valid_from
                            && r.destination == first.destination =>
                    {
                        all.push(r)
                    }
                    _ => {}
                }
            }
            Ok(all)
        }
    }
}

/// The 届出日 of the version that set the address `r` holds: the earliest of the run of
/// versions up to `r` that hold that address and its 住所を定めた日.
fn address_reported(db: &Database, r: &Resident) -> Result<Option<Date>> {
    let history = db.history(r.code)?;
    let mut reported = r.reported;
    for v in history.iter().rev().filter(|v| v.version <= r.version) {
        if v.address != r.address || v.address_since != r.address_since {
            break;
        }
        reported = v.reported;
    }
    Ok(reported)
}

/// The resident as they stood on `on`, who must be a resident that day.
fn active_on(db: &Database, code: ResidentCode, on: Date) -> Result<Resident> {
    let r = db
        .get_as_of(code, on)?
        .ok_or_else(|| StoreError::NotFound(format!("resident {code} on {on}")))?;
    if !r.is_active() {
        return Err(StoreError::Conflict(format!(
            "resident {code} was not a resident on {on} (removed by {}): issue a 除票の写し with ISSUE REMOVED COPY OF {code}",
            r.reason
        ))
        .into());
    }
    Ok(r)
}

/// The removed residents' last records (as of `as_of` when given): each must be removed.
fn removed(db: &Database, codes: &[ResidentCode], as_of: Option<Date>) -> Result<Vec<Resident>> {
    codes
        .iter()
        .map(|&code| {
            let found = match as_of {
                Some(d) => db.get_as_of(code, d)?,
                None => db.get(code)?,
            };
            let r = found.ok_or_else(|| StoreError::NotFound(format!("resident {code}")))?;
            if r.is_active() {
                return Err(StoreError::Conflict(format!(
                    "resident {code} is not removed: a 除票の写し is of a removed resident; issue a 住民票の写し with ISSUE COPY OF {code}"
                ))
                .into());
            }
            Ok(r)
        })
        .collect()
}

/// A 写し of some members is of one household.
fn one_household(persons: &[Resident]) -> Result<()> {
    let first = &persons[0];
    match persons.iter().find(|r| r.household != first.household) {
        Some(other) => Err(StoreError::Conflict(format!(
            "a 住民票の写し is of one household: {} is in household {}, {} in household {}",
            first.code, first.household, other.code, other.household
        ))
        .into()),
        None => Ok(()),
    }
}

/// A 住民票コード, 個人番号 or 在留カード番号 is given to the person themself or a member of
/// their household (住基法第12条): the requester must be on the certificate, or a member
/// today of the household it is of.
fn check_requester(db: &Database, request: &Request, persons: &[Resident]) -> Result<()> {
    let Some(part) = request.with.iter().find(|p| p.only_for_themself()) else {
        return Ok(());
    };
    let Requester::Resident(code) = &request.requester else {
        return Err(AuthError::OnlyForThemself(part.key()).into());
    };
    let requester = db
        .get(*code)?
        .ok_or_else(|| StoreError::NotFound(format!("requester {code}")))?;
    let on_it = persons
        .iter()
        .any(|r| r.atena_number == requester.atena_number);
    let households: Vec<HouseholdId> = persons.iter().map(|r| r.household).collect();
    if on_it || (requester.is_active() && households.contains(&requester.household)) {
        Ok(())
    } else {
        Err(AuthError::OnlyForThemself(part.key()).into())
    }
}

/// One more than the last serial number, stored in the same transaction.
fn next_serial(txn: &WriteTransaction) -> Result<u64> {
    let mut meta = txn.open_table(META)?;
    let last = meta.get(META_LAST_CERTIFICATE)?.map_or(0, |v| v.value());
    meta.insert(META_LAST_CERTIFICATE, last + 1)?;
    Ok(last + 1)
}

fn issuer_of(db: &Database) -> Result<Option<Issuer>> {
    let txn = db.read_transaction()?;
    let set = match txn.open_table(SETTINGS) {
        Ok(t) => {
            let get = |k: &str| -> Result<Option<String>> {
                Ok(t.get(k)?.map(|v| v.value().to_string()))
            };
            get(ISSUER_TITLE)?.zip(get(ISSUER_NAME)?)
        }
        Err(redb::TableError::TableDoesNotExist(_)) => None,
        Err(e) => return Err(StoreError::from(e).into()),
    };
    Ok(match set {
        Some((title, name)) => Some(Issuer { title, name }),
        None => db.place().map(|book| Issuer {
            title: format!("{}長", book.municipality()),
            name: String::new(),
        }),
    })
}

/// Writes a new file (0600) and makes it durable under its name; its SHA-256.
fn write_new(path: &Path, bytes: &[u8]) -> Result<String> {
    let mut out = crate::io::export::HashedWriter::create(path)?;
    out.write(bytes)?;
    Ok(out.finish()?)
}

fn hex(bytes: &[u8]) -> String {
    crate::io::export::hex(bytes)
}
