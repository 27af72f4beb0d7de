//! Applying one 異動 inside a write transaction: the preconditions and logical checks of
//! docs/domain.md, the new version, and every table it touches (versions, the current
//! record, the identity indexes, the 4情報 index, households, the change feed).

use super::change::Change;
use super::household::plan_heads;
use super::keys::{components, new_search_keys, KeyTexts};
use super::ledger::Ledger;
use super::record::{Field, FieldSet, StoredRecord};
use super::schema::with_suffix;
use super::tables::fold_as_of;
use crate::model::{Date, Reason, Relationship, ResidentCode, Status};
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
}

fn corrupt(detail: String) -> StoreError {
    StoreError::Corrupt {
        table: "versions",
        detail,
    }
}

/// Checks `change` against the tables and writes it. The caller owns the transaction: on
/// an error nothing it wrote is committed.
pub(crate) fn apply(
    t: &mut impl Ledger,
    change: &Change,
    today: Date,
    now_micros: i64,
) -> Result<Receipt> {
    change.check_fields()?;
    let f = &change.fields;
    let reason = change.reason;
    let date = change.date;
    let reported = change.reported.unwrap_or(today);

    // Who the change is about.
    let code = change.code.get();
    let before = match t.id_of_code(code)? {
        Some((id, true)) => Some(t.latest(id)?.ok_or_else(|| {
            corrupt(format!(
                "code {code} points at resident {id} with no versions"
            ))
        })?),
        Some((id, false)) => {
            let now = t.latest(id)?.map(|r| r.code).unwrap_or_default();
            return Err(StoreError::illegal(
                Rule::FormerCode,
                format!("{code} is a former resident code; the current code is {now:011}"),
            ));
        }
        None => None,
    };
    let active = before
        .as_ref()
        .is_some_and(|b| b.status == Status::Active.code());

    // Preconditions of the reason.
    match reason {
        Reason::MoveIn | Reason::EntryExOfficio if active => {
            return Err(StoreError::illegal(
                Rule::AlreadyActive,
                format!(
                    "{} for {code:011}: the resident is already active (住民)",
                    reason
                ),
            ))
        }
        Reason::Birth if before.is_some() => {
            return Err(StoreError::Conflict(format!(
                "出生: resident code {code:011} already exists"
            )))
        }
        Reason::MoveIn | Reason::EntryExOfficio | Reason::Birth => {}
        _ if before.is_none() => {
            return Err(StoreError::NotFound(format!("resident {code:011}")));
        }
        Reason::Correction | Reason::CodeChange | Reason::MyNumberChange => {}
        _ if !active => {
            return Err(StoreError::illegal(
                Rule::NotActive,
                format!("{} for {code:011}: the record is removed (消除者)", reason),
            ))
        }
        _ => {}
    }

    // The new version.
    let mut after = match &before {
        Some(b) => b.clone(),
        None => StoredRecord {
            id: t.next_id()?,
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
        },
    };
    let d = date.to_yyyymmdd();
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
        after.birth = v.to_yyyymmdd();
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
    match reason {
        Reason::MoveIn | Reason::EntryExOfficio | Reason::Birth => {
            after.status = Status::Active.code();
            after.resident_since = d;
            after.address_since = d;
            after.removed_on = 0;
            after.destination = None;
            if reason == Reason::Birth {
                after.birth = d;
                after.previous_address = None;
            } else if f.previous_address.is_none() {
                after.previous_address = None;
            }
        }
        Reason::MoveOut | Reason::Death | Reason::RemovalExOfficio => {
            after.status = Status::Removed.code();
            after.removed_on = d;
        }
        _ => {}
    }

    // Dates.
    let birth = Date::from_yyyymmdd(after.birth)?;
    if reported > today {
        return Err(StoreError::illegal(
            Rule::ReportedInFuture,
            format!("届出日 {reported} is after today ({today})"),
        ));
    }
    if birth > today {
        return Err(StoreError::illegal(
            Rule::InFuture,
            format!("birth date {birth} is in the future"),
        ));
    }
    if date < birth {
        return Err(StoreError::illegal(
            Rule::BeforeBirth,
            format!("{reason}: 異動日 {date} is before the birth date {birth}"),
        ));
    }
    if reason == Reason::MoveOut {
        let limit = reported.add_days(MOVE_OUT_ADVANCE_DAYS);
        if date > limit {
            return Err(StoreError::illegal(
                Rule::AfterReported,
                format!("転出 on {date}: a 転出 may be notified at most {MOVE_OUT_ADVANCE_DAYS} days ahead (届出日 {reported})"),
            ));
        }
    } else {
        if date > today {
            return Err(StoreError::illegal(
                Rule::InFuture,
                format!(
                    "{reason}: 異動日 {date} is in the future (only 転出 may be notified ahead)"
                ),
            ));
        }
        if date > reported {
            return Err(StoreError::illegal(
                Rule::AfterReported,
                format!("{reason}: 異動日 {date} is after the 届出日 {reported}"),
            ));
        }
    }
    if let Some(b) = &before {
        if reason != Reason::Correction && d < b.prefix_max {
            return Err(StoreError::illegal(
                Rule::OutOfOrder,
                format!(
                    "{reason} dated {date} is before the latest version's 異動日 {}; a change of history needs CORRECT",
                    Date::from_yyyymmdd(b.prefix_max)?
                ),
            ));
        }
    }

    // Identity uniqueness among all records, current and former.
    if before
        .as_ref()
        .is_none_or(|b| b.my_number != after.my_number)
    {
        if let Some((holder, _)) = t.id_of_my_number(after.my_number)? {
            if holder != after.id {
                return Err(StoreError::Conflict(
                    "the My Number is held, now or formerly, by another resident".into(),
                ));
            }
        }
    }
    let code_changes = before.as_ref().is_some_and(|b| b.code != after.code);
    if code_changes && t.id_of_code(after.code)?.is_some() {
        return Err(StoreError::Conflict(format!(
            "resident code {:011} is already taken, now or formerly",
            after.code
        )));
    }

    // Bookkeeping of the version.
    after.version = before.as_ref().map_or(1, |b| b.version + 1);
    after.reason = reason.code();
    after.valid_from = d;
    after.reported = reported.to_yyyymmdd();
    after.recorded_at = now_micros;
    after.prefix_max = before.as_ref().map_or(d, |b| b.prefix_max.max(d));
    after.operator.clone_from(&change.operator);
    after.terminal.clone_from(&change.terminal);
    // A backdated correction changes the past: what it sets counts as changed even where
    // it equals the latest version, because the as-of fold lays these fields over earlier
    // versions.
    let backdated =
        reason == Reason::Correction && before.as_ref().is_some_and(|b| d < b.prefix_max);
    after.changed = match &before {
        Some(b) if backdated => b.diff(&after).0 | named_fields(change).0,
        Some(b) => b.diff(&after).0,
        None => FieldSet::ALL.0,
    };
    if after.changed == 0 {
        return Err(StoreError::illegal(
            Rule::NoChange,
            format!("{reason} for {code:011} changes nothing"),
        ));
    }

    let successor = plan_heads(t, before.as_ref(), &after, f.new_head)?;
    if before.is_none() {
        t.set_next_id(after.id + 1)?;
    }

    let id = after.id;
    let mut written = vec![write_version(t, before.as_ref(), after)?];
    if backdated {
        index_folds(t, id, d)?;
    }
    if let Some(prev) = successor {
        if d < prev.prefix_max {
            return Err(StoreError::illegal(
                Rule::OutOfOrder,
                format!(
                    "new_head={:011}: their latest version is dated after {date}",
                    prev.code
                ),
            ));
        }
        let mut head = prev.clone();
        head.relationship = Relationship::head().as_str().to_string();
        head.version = prev.version + 1;
        head.reason = Reason::HouseholdChange.code();
        head.valid_from = d;
        head.reported = reported.to_yyyymmdd();
        head.recorded_at = now_micros;
        head.prefix_max = prev.prefix_max.max(d);
        head.operator.clone_from(&change.operator);
        head.terminal.clone_from(&change.terminal);
        head.changed = prev.diff(&head).0;
        written.push(write_version(t, Some(&prev), head)?);
    }
    Ok(Receipt { written })
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

/// Writes one version and every entry that goes with it; assigns its 更新順番号.
fn write_version(
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
    t.put_change(seq, id, version)?;

    Ok(Written {
        code: ResidentCode::from_u64(after.code)?,
        version,
        seq,
        reason: Reason::from_code(after.reason)?,
    })
}
