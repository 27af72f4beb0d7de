//! Applying one 異動 inside a write transaction: the preconditions and logical checks of
//! docs/domain.md, the new version, and every table it touches (versions, the current
//! record, the identity indexes, the 4情報 index, households, the change feed).
//!
//! [`apply`] runs in phases, each a function of its own: load the current state, check the
//! precondition of the change's kind, build the new version, check its dates and
//! identifiers, stamp its bookkeeping, check the one-世帯主 rule, and write it (then the new
//! head's version, if the change names one). Every rule is checked before the first
//! write; the order of the checks decides which error a change breaking several rules gets.

use super::change::{Change, Fields};
use super::geography;
use super::history::is_head_of;
use super::household::{self, is_active, plan_heads};
use super::household_move;
use super::keys::{components, new_search_keys, KeyTexts};
use super::ledger::Ledger;
use super::record::{Field, FieldSet, StoredItem, StoredRecord, COMPANION};
use super::schema::with_suffix;
use super::tables::fold_as_of;
use super::undo;
use super::warnings::{self, Warning};
use crate::model::{
    AddressParts, Date, InvalidValue, PartialDate, PlaceBook, Reason, Relationship, ResidentCode,
    Status,
};
use crate::store::error::{Result, Rule, StoreError};

/// How many days ahead a 転出 may be notified (転出予定日). Practice at city counters is
/// "from 14 days before the move"; see DESIGN.md.
pub const MOVE_OUT_ADVANCE_DAYS: i64 = 14;

/// One version written by a 異動.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// The resident's code after the change.
    pub code: ResidentCode,
    /// The new version number.
    pub version: u32,
    /// Its 更新順番号.
    pub seq: u64,
    /// Its 異動事由.
    pub reason: Reason,
}

/// What a committed 異動 wrote: the resident's new version first, then any version it wrote
/// for another resident (the new 世帯主 named by `new_head`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The versions written, in 更新順番号 order.
    pub written: Vec<Written>,
    /// What is possible but implausible about the residents written (recorded, not
    /// refused; see `warnings`).
    pub warnings: Vec<Warning>,
}

fn corrupt(detail: String) -> StoreError {
    StoreError::Corrupt {
        table: "versions",
        detail,
    }
}

/// The kinds of 異動 by what they ask of the record they are addressed to and what they do
/// to its status (the precondition column of DESIGN.md, "異動: checks and effects").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// 転入, 職権記載, 出生: a new record, or a removed one entered again; it becomes active.
    Entry,
    /// 転出, 死亡, 職権消除: an active record is removed.
    Removal,
    /// 転居, 氏名変更, 世帯変更, 世帯主変更, 記載事項変更: an active record changes and stays
    /// active.
    Update,
    /// 職権修正, 住民票コード変更, 個人番号変更: any record, active or removed.
    AnyRecord,
}

impl Kind {
    fn of(reason: Reason) -> Kind {
        match reason {
            Reason::MoveIn | Reason::EntryExOfficio | Reason::Birth | Reason::Migration => {
                Kind::Entry
            }
            Reason::MoveOut | Reason::Death | Reason::RemovalExOfficio => Kind::Removal,
            Reason::Move
            | Reason::Rename
            | Reason::HouseholdChange
            | Reason::HeadChange
            | Reason::ItemChange => Kind::Update,
            Reason::Correction | Reason::CodeChange | Reason::MyNumberChange => Kind::AnyRecord,
            Reason::MoveOutCancel | Reason::MoveOutConfirm | Reason::Cancellation => {
                Kind::AnyRecord
            }
        }
    }
}

/// The bookkeeping every version a 異動 writes shares: its dates, when it was recorded and
/// by whom.
#[derive(Clone, Copy)]
pub(crate) struct Stamp<'a> {
    /// 異動日 as `yyyymmdd`.
    pub(crate) date: u32,
    /// 届出日 as `yyyymmdd`.
    pub(crate) reported: u32,
    pub(crate) recorded_at: i64,
    pub(crate) change: &'a Change,
}

impl Stamp<'_> {
    /// Stamps `rec`, the version of `reason` that follows `prev` (none: a first version).
    pub(crate) fn apply(
        &self,
        rec: &mut StoredRecord,
        prev: Option<&StoredRecord>,
        reason: Reason,
    ) {
        rec.version = prev.map_or(1, |p| p.version + 1);
        rec.reason = reason.code();
        rec.valid_from = self.date;
        rec.reported = self.reported;
        rec.recorded_at = self.recorded_at;
        rec.prefix_max = prev.map_or(self.date, |p| p.prefix_max.max(self.date));
        rec.operator.clone_from(&self.change.operator);
        rec.terminal.clone_from(&self.change.terminal);
    }
}

/// Refuses a change of a reason no statement records (移行, written only by an import): the
/// record paths ([`crate::store::Database`]'s `record`, `record_with`, `record_batch`) call it
/// before [`apply`]; the import's bulk load does not.
pub(crate) fn check_by_statement(change: &Change) -> Result<()> {
    if change.reason.by_statement() {
        return Ok(());
    }
    Err(StoreError::Invalid(InvalidValue::new(
        "reason",
        format!(
            "{} for {}: a {} is written only by an import, not recorded as a 異動",
            change.reason, change.code, change.reason
        ),
    )))
}

/// Checks `change` against the tables and writes it. The caller owns the transaction: on
/// an error nothing it wrote is committed, so the household rules can be checked after the
/// writes, on the state they leave. `place` is the register's place book, `None` for a
/// register without a municipality (addresses are then not placed).
pub(crate) fn apply(
    t: &mut impl Ledger,
    change: &Change,
    place: Option<&PlaceBook>,
    today: Date,
    now_micros: i64,
) -> Result<Receipt> {
    change.check_fields()?;
    let reported = change.reported.unwrap_or(today);
    let code = change.code.get();

    // Load the current state and check what the kind asks of it.
    let before = current_of(t, code)?;
    // A pending 転出 leaves the record removed in its latest version but active until its
    // day: what may follow it is its own rule, not the removed record's.
    if let Some(b) = before.as_ref().filter(|b| undo::pending_move_out(b, today)) {
        check_pending(change, b)?;
    } else {
        check_precondition(t, change.reason, code, before.as_ref())?;
    }
    // The parts of the address the change writes, as the dictionary in force places it.
    let parts = match place {
        Some(book) => geography::check(book, change, before.as_ref())?,
        None => None,
    };
    let stamp = Stamp {
        date: change.date.to_yyyymmdd(),
        reported: reported.to_yyyymmdd(),
        recorded_at: now_micros,
        change,
    };

    let before_household = before.as_ref().map(|b| b.household);
    let written = match (change.reason, &before) {
        (Reason::Cancellation | Reason::MoveOutCancel, Some(b)) => {
            if reported > today {
                return Err(reported_in_future(reported, today));
            }
            undo::cancel(t, change, b, &stamp, today)?
        }
        (Reason::MoveOutConfirm, Some(b)) => {
            if reported > today {
                return Err(reported_in_future(reported, today));
            }
            check_notified(change.reason, change.date, today, reported)?;
            undo::redate_move_out(t, change, b, &stamp)?
        }
        (Reason::MoveOut, Some(b)) if undo::pending_move_out(b, today) => {
            if reported > today {
                return Err(reported_in_future(reported, today));
            }
            check_notified(change.reason, change.date, today, reported)?;
            undo::redate_move_out(t, change, b, &stamp)?
        }
        (Reason::Move, Some(b)) if change.moves_household() => household_move(
            t,
            change,
            b.clone(),
            &stamp,
            parts.as_ref(),
            today,
            reported,
        )?,
        _ => one_resident(t, change, before, &stamp, parts.as_ref(), today, reported)?,
    };
    // The households the change left or joined: the subject's before and after (a new 世帯主,
    // restated members and a cancelled statement's others are in one of them).
    let mut households: Vec<u64> = before_household.into_iter().collect();
    if let Some((id, _)) = t.id_of_code(written[0].code.get())? {
        households.extend(t.member(id)?.map(|m| m.household));
    }
    if t.transient() {
        return Ok(Receipt {
            written,
            warnings: Vec::new(),
        });
    }
    let members = household::check_after(t, &households, change)?;
    let warnings = warnings_of(t, &written, &members, change.date, place)?;
    Ok(Receipt { written, warnings })
}

/// The implausible facts (`warnings`) about the residents the change wrote, as they now
/// stand, on its 異動日. `members` are the active members of the households the change
/// left or joined, as it leaves them ([`household::check_after`]): a written resident who is
/// active is among them, and so is the 世帯主 of their household.
fn warnings_of(
    t: &impl Ledger,
    written: &[Written],
    members: &[StoredRecord],
    on: Date,
    place: Option<&PlaceBook>,
) -> Result<Vec<Warning>> {
    let mut out = Vec::new();
    for w in written {
        let code = w.code.get();
        let read;
        let rec = match members.iter().find(|m| m.code == code) {
            Some(rec) => rec,
            None => {
                // Not an active member of a household the change touched: read as stored.
                let Some((id, _)) = t.id_of_code(code)? else {
                    continue;
                };
                let Some(rec) = t.latest(id)? else { continue };
                read = rec;
                &read
            }
        };
        let head_birth = || match members
            .iter()
            .find(|m| m.household == rec.household && household::is_head(m))
        {
            Some(head) => Ok(Some(head.birth)),
            None => head_birth(t, rec.household),
        };
        let found = warnings::of(rec, on, place, head_birth)?;
        for f in found {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

/// The birth date of household `h`'s active 世帯主, if it has one.
fn head_birth(t: &impl Ledger, h: u64) -> Result<Option<u32>> {
    for id in t.household_ids(h)? {
        if let Some(rec) = t.latest(id)? {
            if rec.household == h && is_active(&rec) && household::is_head(&rec) {
                return Ok(Some(rec.birth));
            }
        }
    }
    Ok(None)
}

/// A 異動 of one resident (and the new 世帯主 it names): build the new version, check it,
/// write it. `parts` are those of the address the change writes, when placed.
fn one_resident(
    t: &mut impl Ledger,
    change: &Change,
    before: Option<StoredRecord>,
    stamp: &Stamp<'_>,
    parts: Option<&AddressParts>,
    today: Date,
    reported: Date,
) -> Result<Vec<Written>> {
    let mut after = match &before {
        Some(b) => b.clone(),
        None => first_version(t.next_id()?, change.code.get()),
    };

    // The new version's content, then every check of it against the dates and the other
    // records.
    let d = stamp.date;
    set_fields(&mut after, change.reason, &change.fields, d);
    if change.fields.address.is_some() {
        // A new address drops the parts of the old one, placed or not.
        after.set_parts(parts);
    }
    set_status(&mut after, change.reason, &change.fields, d);
    if change.reason == Reason::HeadChange {
        check_steps_down(before.as_ref(), change)?;
        after.relationship = household::former_head_relationship(change)?
            .as_str()
            .to_string();
    }
    check_dates(change, &after, before.as_ref(), today, reported)?;
    check_identity(t, before.as_ref(), &after)?;

    stamp.apply(&mut after, before.as_ref(), change.reason);
    let backdated = set_changed(&mut after, before.as_ref(), change)?;
    let successor = if t.transient() {
        None
    } else {
        plan_heads(t, before.as_ref(), &after, change.fields.new_head)?
    };
    if let Some(prev) = &successor {
        check_head_date(prev, change.date)?;
    }
    let restated =
        household::plan_restatement(t, before.as_ref(), &after, successor.as_ref(), change)?;

    // The writes, once every rule has passed.
    if before.is_none() {
        t.set_next_id(after.id + 1)?;
    }
    let id = after.id;
    let mut written = vec![write_version(t, before.as_ref(), after)?];
    if backdated {
        index_folds(t, id, d)?;
    }
    if let Some(prev) = successor {
        written.push(write_new_head(t, prev, stamp)?);
    }
    for (prev, relationship) in restated {
        written.push(write_restated(t, prev, relationship, stamp)?);
    }
    Ok(written)
}

/// MOVE HOUSEHOLD: the members are checked first, then the 世帯主's 転居 is written as any
/// 転居 is, then every member's after it (`household_move`).
fn household_move(
    t: &mut impl Ledger,
    change: &Change,
    head: StoredRecord,
    stamp: &Stamp<'_>,
    parts: Option<&AddressParts>,
    today: Date,
    reported: Date,
) -> Result<Vec<Written>> {
    let members = household_move::plan(t, change, &head, today)?;
    let id = head.id;
    let mut written = one_resident(t, change, Some(head), stamp, parts, today, reported)?;
    let moved = t
        .latest(id)?
        .ok_or_else(|| corrupt(format!("resident {id} lost the version just written")))?;
    written.extend(household_move::write_members(
        t, members, &moved, change, stamp,
    )?);
    Ok(written)
}

/// A 世帯主変更 is addressed to the head who steps down.
fn check_steps_down(before: Option<&StoredRecord>, change: &Change) -> Result<()> {
    if before.is_some_and(household::is_head) {
        return Ok(());
    }
    Err(StoreError::illegal(
        Rule::NewHead,
        format!(
            "世帯主変更 is addressed to the current 世帯主; {} is not one",
            change.code
        ),
    ))
}

fn reported_in_future(reported: Date, today: Date) -> StoreError {
    StoreError::illegal(
        Rule::ReportedInFuture,
        format!("届出日 {reported} is after today ({today})"),
    )
}

/// While a 転出 notified ahead is pending, only what acts on it may follow.
fn check_pending(change: &Change, b: &StoredRecord) -> Result<()> {
    let acts_on_it = matches!(
        change.reason,
        Reason::MoveOut | Reason::MoveOutCancel | Reason::MoveOutConfirm | Reason::Cancellation
    );
    if acts_on_it {
        return Ok(());
    }
    Err(StoreError::illegal(
        Rule::MoveOutPending,
        format!(
            "{} for {:011}: a 転出 on {} is pending; cancel it first (CANCEL MOVE OUT), or change its date or destination with MOVE OUT",
            change.reason,
            b.code,
            Date::from_yyyymmdd(b.valid_from)?
        ),
    ))
}

/// The latest version of the resident a change is addressed to; `None` for a code never
/// recorded. A former code is refused: changes go to the current one.
fn current_of(t: &impl Ledger, code: u64) -> Result<Option<StoredRecord>> {
    match t.id_of_code(code)? {
        Some((id, true)) => Ok(Some(t.latest(id)?.ok_or_else(|| {
            corrupt(format!(
                "code {code} points at resident {id} with no versions"
            ))
        })?)),
        Some((id, false)) => {
            let now = t.latest(id)?.map(|r| r.code).unwrap_or_default();
            Err(StoreError::illegal(
                Rule::FormerCode,
                format!("{code} is a former resident code; the current code is {now:011}"),
            ))
        }
        None => Ok(None),
    }
}

/// What the change's kind asks of the record it is addressed to. A record removed by 死亡
/// is not entered again: only a 異動取消 of the 死亡 brings it back.
fn check_precondition(
    t: &impl Ledger,
    reason: Reason,
    code: u64,
    before: Option<&StoredRecord>,
) -> Result<()> {
    let active = before.is_some_and(is_active);
    if let (Kind::Entry, Some(b)) = (Kind::of(reason), before) {
        if reason != Reason::Birth
            && !active
            && undo::removed_by(&t.all_versions(b.id)?) == Some(Reason::Death)
        {
            return Err(StoreError::illegal(
                Rule::DeathIsFinal,
                format!("{reason} for {code:011}: the resident is recorded as dead (死亡); only a 異動取消 of the 死亡 restores the record"),
            ));
        }
    }
    match (Kind::of(reason), before) {
        (Kind::Entry, Some(_)) if reason == Reason::Birth => Err(StoreError::Conflict(format!(
            "出生: resident code {code:011} already exists"
        ))),
        (Kind::Entry, Some(_)) if active => Err(StoreError::illegal(
            Rule::AlreadyActive,
            format!("{reason} for {code:011}: the resident is already active (住民)"),
        )),
        (Kind::Entry, _) | (Kind::AnyRecord, Some(_)) => Ok(()),
        (_, None) => Err(StoreError::NotFound(format!("resident {code:011}"))),
        (Kind::Removal | Kind::Update, Some(_)) if !active => Err(StoreError::illegal(
            Rule::NotActive,
            format!("{reason} for {code:011}: the record is removed (消除者)"),
        )),
        (Kind::Removal | Kind::Update, Some(_)) => Ok(()),
    }
}

/// The record of a resident not yet recorded, before the change's fields are set.
fn first_version(id: u64, code: u64) -> StoredRecord {
    StoredRecord {
        id,
        version: 0,
        seq: 0,
        code,
        my_number: 0,
        name: String::new(),
        kana: String::new(),
        sex: 0,
        birth: 0,
        address: String::new(),
        postal: 0,
        household: 0,
        relationship: String::new(),
        status: Status::Active.code(),
        reason: 0,
        valid_from: 0,
        reported: 0,
        recorded_at: 0,
        resident_since: 0,
        address_since: 0,
        previous_address: None,
        destination: None,
        removed_on: 0,
        changed: 0,
        prefix_max: 0,
        operator: None,
        terminal: None,
        items: Vec::new(),
    }
}

/// Sets the fields the change carries. A 転居 keeps the old address as 前住所 and dates
/// 住所を定めた日; a `from` the change carries comes after, so it wins.
fn set_fields(after: &mut StoredRecord, reason: Reason, f: &Fields, d: u32) {
    if let Some(v) = f.my_number {
        after.my_number = v.get();
    }
    if let Some(v) = &f.name {
        after.name = v.as_str().to_string();
    }
    if let Some(v) = &f.kana {
        after.kana = v.as_str().to_string();
    }
    if let Some(v) = f.sex {
        after.sex = v.code();
    }
    if let Some(v) = f.birth {
        after.birth = v.code();
    }
    if let Some(v) = &f.address {
        if reason == Reason::Move {
            after.previous_address = Some(after.address.clone());
            after.address_since = d;
        }
        after.address = v.written().to_string();
    }
    if let Some(v) = f.postal {
        after.postal = v.get();
    }
    if let Some(v) = f.household {
        after.household = v.get();
    }
    if let Some(v) = &f.relationship {
        after.relationship = v.as_str().to_string();
    }
    if let Some(v) = &f.previous_address {
        after.previous_address = Some(v.written().to_string());
    }
    if let Some(v) = &f.destination {
        after.destination = Some(v.written().to_string());
    }
    if let Some(v) = f.new_code {
        after.code = v.get();
    }
    for (item, value) in f.items.iter() {
        after.items.retain(|s| s.tag != item.tag());
        if let Some(v) = value {
            after.items.push(StoredItem {
                tag: item.tag(),
                value: v.to_owned(),
            });
        }
    }
    after.items.sort_by_key(|s| s.tag);
}

/// What the change's kind does to the status and its dates: an entry makes the record
/// active from `d` (a 出生 is born on `d`), a removal removes it on `d`.
fn set_status(after: &mut StoredRecord, reason: Reason, f: &Fields, d: u32) {
    match Kind::of(reason) {
        Kind::Entry => {
            after.status = Status::Active.code();
            after.resident_since = d;
            after.address_since = d;
            after.removed_on = 0;
            after.destination = None;
            if reason == Reason::Birth {
                after.birth = d;
                after.previous_address = None;
            } else if f.previous_address.is_none() {
                // A 再転入 without `from` does not keep the 前住所 of its earlier stay.
                after.previous_address = None;
            }
        }
        Kind::Removal => {
            after.status = Status::Removed.code();
            after.removed_on = d;
        }
        Kind::Update | Kind::AnyRecord => {}
    }
}

/// The date rules: the 届出日 and the birth date not in the future, the 異動日 not before the
/// birth, not in the future nor after the 届出日 (a 転出 may be notified ahead), and not
/// before the latest version's unless a correction.
fn check_dates(
    change: &Change,
    after: &StoredRecord,
    before: Option<&StoredRecord>,
    today: Date,
    reported: Date,
) -> Result<()> {
    let (reason, date) = (change.reason, change.date);
    let birth = PartialDate::from_code(after.birth)?;
    if reported > today {
        return Err(reported_in_future(reported, today));
    }
    // A birth date known only in part is refused only when every day it can be is later.
    if birth.surely_after(today) {
        return Err(StoreError::illegal(
            Rule::InFuture,
            format!("birth date {birth} is in the future"),
        ));
    }
    if birth.surely_after(date) {
        return Err(StoreError::illegal(
            Rule::BeforeBirth,
            format!("{reason}: 異動日 {date} is before the birth date {birth}"),
        ));
    }
    check_notified(reason, date, today, reported)?;
    match before {
        Some(b) if reason != Reason::Correction && date.to_yyyymmdd() < b.prefix_max => {
            Err(StoreError::illegal(
                Rule::OutOfOrder,
                format!(
                    "{reason} dated {date} is before the latest version's 異動日 {}; a change of history needs CORRECT",
                    Date::from_yyyymmdd(b.prefix_max)?
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// The 異動日 against today and the 届出日: only a 転出 may take effect after it is
/// notified, and at most [`MOVE_OUT_ADVANCE_DAYS`] after.
fn check_notified(reason: Reason, date: Date, today: Date, reported: Date) -> Result<()> {
    if reason == Reason::MoveOut {
        if date > reported.add_days(MOVE_OUT_ADVANCE_DAYS) {
            return Err(StoreError::illegal(
                Rule::AfterReported,
                format!("転出 on {date}: a 転出 may be notified at most {MOVE_OUT_ADVANCE_DAYS} days ahead (届出日 {reported})"),
            ));
        }
        return Ok(());
    }
    if date > today {
        return Err(StoreError::illegal(
            Rule::InFuture,
            format!("{reason}: 異動日 {date} is in the future (only 転出 may be notified ahead)"),
        ));
    }
    if date > reported {
        return Err(StoreError::illegal(
            Rule::AfterReported,
            format!("{reason}: 異動日 {date} is after the 届出日 {reported}"),
        ));
    }
    Ok(())
}

/// Resident codes and My Numbers are unique among all records, current and former: a new
/// one must not be held, now or formerly, by anyone else.
fn check_identity(
    t: &impl Ledger,
    before: Option<&StoredRecord>,
    after: &StoredRecord,
) -> Result<()> {
    if before.is_none_or(|b| b.my_number != after.my_number) {
        if let Some((holder, _)) = t.id_of_my_number(after.my_number)? {
            if holder != after.id {
                return Err(StoreError::Conflict(
                    "the My Number is held, now or formerly, by another resident".into(),
                ));
            }
        }
    }
    let code_changes = before.is_some_and(|b| b.code != after.code);
    if code_changes && t.id_of_code(after.code)?.is_some() {
        return Err(StoreError::Conflict(format!(
            "resident code {:011} is already taken, now or formerly",
            after.code
        )));
    }
    Ok(())
}

/// Sets what the version changed and refuses a change that changes nothing. Returns
/// whether it is a backdated correction.
fn set_changed(
    after: &mut StoredRecord,
    before: Option<&StoredRecord>,
    change: &Change,
) -> Result<bool> {
    // A backdated correction changes the past: what it sets counts as changed even where
    // it equals the latest version, because the as-of fold lays these fields over earlier
    // versions.
    let d = after.valid_from;
    let backdated = change.reason == Reason::Correction && before.is_some_and(|b| d < b.prefix_max);
    after.changed = match before {
        Some(b) if backdated => b.diff(after).0 | named_fields(change).0,
        Some(b) => b.diff(after).0,
        None => FieldSet::ALL.0,
    };
    if after.changed == 0 {
        return Err(StoreError::illegal(
            Rule::NoChange,
            format!(
                "{} for {:011} changes nothing",
                change.reason,
                change.code.get()
            ),
        ));
    }
    Ok(backdated)
}

/// The new 世帯主's version is dated on the change's 異動日, so their history must not
/// already run past it.
fn check_head_date(prev: &StoredRecord, date: Date) -> Result<()> {
    if date.to_yyyymmdd() < prev.prefix_max {
        return Err(StoreError::illegal(
            Rule::OutOfOrder,
            format!(
                "new_head={:011}: their latest version is dated after {date}",
                prev.code
            ),
        ));
    }
    Ok(())
}

/// Writes the version that makes `prev` the household's 世帯主 (a 世帯主変更 on the same
/// 異動日).
fn write_new_head(t: &mut impl Ledger, prev: StoredRecord, stamp: &Stamp<'_>) -> Result<Written> {
    write_restated(t, prev, Relationship::head(), stamp)
}

/// Writes the version that gives `prev` the 続柄 restated against the new 世帯主.
fn write_restated(
    t: &mut impl Ledger,
    prev: StoredRecord,
    relationship: Relationship,
    stamp: &Stamp<'_>,
) -> Result<Written> {
    let mut next = prev.clone();
    next.relationship = relationship.as_str().to_string();
    stamp.apply(&mut next, Some(&prev), Reason::HeadChange);
    next.changed = prev.diff(&next).0 | COMPANION;
    write_version(t, Some(&prev), next)
}

/// The fields a change names (for a correction: the fields it corrects).
fn named_fields(change: &Change) -> FieldSet {
    let f = &change.fields;
    let mut set = FieldSet::EMPTY;
    let named = [
        (Field::MyNumber, f.my_number.is_some()),
        (Field::Name, f.name.is_some()),
        (Field::Kana, f.kana.is_some()),
        (Field::Sex, f.sex.is_some()),
        (Field::Birth, f.birth.is_some()),
        (Field::Address, f.address.is_some()),
        (Field::Postal, f.postal.is_some()),
        (Field::Household, f.household.is_some()),
        (Field::Relationship, f.relationship.is_some()),
        (Field::PreviousAddress, f.previous_address.is_some()),
        (Field::Destination, f.destination.is_some()),
        (Field::Code, f.new_code.is_some()),
    ];
    for (field, set_here) in named {
        if set_here {
            set.insert(field);
        }
    }
    // The items it sets or clears count by their group.
    for group in f.items.groups() {
        set.insert(Field::of_group(group));
    }
    set
}

/// After a backdated correction, the resident as of a past date is a fold of versions that
/// no single stored version equals. Index each such answer (one per 異動日 from the
/// correction on: the answer only changes on those dates) so that 4情報 searches and
/// households as of those dates find it.
fn index_folds(t: &mut impl Ledger, id: u64, from: u32) -> Result<()> {
    let versions = t.all_versions(id)?;
    let mut dates: Vec<u32> = versions
        .iter()
        .map(|v| v.valid_from)
        .filter(|v| *v >= from)
        .collect();
    dates.sort_unstable();
    dates.dedup();
    for date in dates {
        let Some(rec) = fold_as_of(versions.iter().rev().cloned().map(Ok), date)? else {
            continue;
        };
        for key in components(&rec).prefixes() {
            t.put_search(&with_suffix(key, id, rec.version))?;
        }
        if rec.status == Status::Active.code() {
            t.put_household(rec.household, id, rec.version)?;
        }
    }
    Ok(())
}

/// A version of an archive written back as it was first recorded (`Database::load_archive`):
/// the same table writes, given in 更新順番号 order. It must be the next version of its
/// person (a first version takes the next 宛名番号) under the next 更新順番号, so the
/// register ends as the exported one was.
pub(crate) fn write_archived(t: &mut impl Ledger, after: StoredRecord) -> Result<()> {
    let before = t.latest(after.id)?;
    let wrong = |what: String| {
        StoreError::Invalid(InvalidValue::new(
            "archive",
            format!(
                "version {} of 宛名番号 {} (seq {}): {what}",
                after.version, after.id, after.seq
            ),
        ))
    };
    let version = before.as_ref().map_or(1, |b| b.version + 1);
    if after.version != version {
        return Err(wrong(format!("expected version {version} here")));
    }
    let seq = t.next_seq()?;
    if after.seq != seq {
        return Err(wrong(format!(
            "the 更新順番号 run 1, 2, … without gaps; expected {seq} here"
        )));
    }
    if before.is_none() {
        let id = t.next_id()?;
        if after.id != id {
            return Err(wrong(format!(
                "宛名番号 are given in the order people are first recorded; expected {id} here"
            )));
        }
        t.set_next_id(id + 1)?;
    }
    // A backdated correction indexed the answers it folds, as `one_resident` does.
    let backdated = after.reason == Reason::Correction.code()
        && before
            .as_ref()
            .is_some_and(|b| after.valid_from < b.prefix_max);
    let (id, d) = (after.id, after.valid_from);
    write_version(t, before.as_ref(), after)?;
    if backdated {
        index_folds(t, id, d)?;
    }
    Ok(())
}

/// Keeps `heads` in step with a resident's new latest version: the entry of the household
/// they headed goes to the member who heads it now (if any) when they stop heading it, and
/// they are named (again) when they head a household they did not, or under a new name.
fn write_head(
    t: &mut impl Ledger,
    before: Option<&StoredRecord>,
    after: &StoredRecord,
) -> Result<()> {
    let headed = |r: &StoredRecord| is_head_of(r, r.household).then_some(r.household);
    let (was, is) = (before.and_then(headed), headed(after));
    if let Some(h) = was.filter(|h| is != Some(*h)) {
        t.drop_head(h)?;
        // Within one statement another member may already head the household (a new
        // 世帯主, or the head a 転出取消 restored beside one): they keep, or get, the entry.
        for id in t.household_ids(h)? {
            if id == after.id || !t.member(id)?.is_some_and(|m| m.household == h && m.head) {
                continue;
            }
            if let Some(rec) = t.latest(id)? {
                t.put_head(h, id, &rec.name)?;
            }
            break;
        }
    }
    if let Some(h) = is {
        if was != is || before.is_some_and(|b| b.name != after.name) {
            t.put_head(h, after.id, &after.name)?;
        }
    }
    Ok(())
}

/// Writes one version and every entry that goes with it; assigns its 更新順番号.
pub(crate) fn write_version(
    t: &mut impl Ledger,
    before: Option<&StoredRecord>,
    mut after: StoredRecord,
) -> Result<Written> {
    let seq = t.next_seq()?;
    after.seq = seq;
    t.set_next_seq(seq + 1)?;
    let (id, version) = (after.id, after.version);
    let bytes = after.encode();

    t.put_version(&after, &bytes)?;
    // An identifier the resident keeps already points at them as current; only a new one
    // is written, and the one it replaces is marked as no longer current.
    match before {
        Some(b) if b.code == after.code => {}
        Some(b) => {
            t.remove_resident(b.code)?;
            t.put_code(b.code, id, false)?;
            t.put_code(after.code, id, true)?;
        }
        None => t.put_code(after.code, id, true)?,
    }
    match before {
        Some(b) if b.my_number == after.my_number => {}
        Some(b) => {
            t.put_my_number(b.my_number, id, false)?;
            t.put_my_number(after.my_number, id, true)?;
        }
        None => t.put_my_number(after.my_number, id, true)?,
    }

    let (texts_before, texts_after) = (before.map(KeyTexts::of), KeyTexts::of(&after));
    new_search_keys(texts_before, texts_after, id, version, |k| t.put_search(k))?;

    let active = after.status == Status::Active.code();
    let joined = active
        && before
            .is_none_or(|b| b.status != Status::Active.code() || b.household != after.household);
    if joined {
        t.put_household(after.household, id, version)?;
    }
    write_head(t, before, &after)?;
    t.put_change(seq, id, version)?;

    Ok(Written {
        code: ResidentCode::from_u64(after.code)?,
        version,
        seq,
        reason: Reason::from_code(after.reason)?,
    })
}
