//! MOVE HOUSEHOLD: a whole household's 転居 in one transaction.
//!
//! A household lives at one address at every date (住民基本台帳法; DESIGN.md, "The household
//! rules"), so the 世帯主 does not move alone while others remain: the household moves
//! together. The change is a 転居 addressed to the 世帯主 that names their household
//! (`Fields::whole_household`); it writes the head's 転居 (by the ordinary path, every check
//! of a 転居) and then one 転居 for every other active member, in the household's order
//! (birth date, then code), each with 前住所 and 住所を定めた日 as a 転居 sets them, the same
//! 異動日 and consecutive 更新順番号.
//!
//! Invariants:
//! * every rule is checked before the first write: the subject is the named household's
//!   世帯主, and each member's history admits a 転居 on the 異動日 (not before their birth
//!   date, not before their latest 異動日);
//! * the members' versions carry the companion flag ([`COMPANION`]), so a 異動取消 of the
//!   head's 更新順番号 restores every member too, and a member's own is refused;
//! * a member whose 転出 notified ahead is pending (its 異動日 after today) still lives in the
//!   household until that day, so the household does not move without them: the move is
//!   refused [move-out-pending], naming the member, until the clerk cancels the 転出 (CANCEL
//!   MOVE OUT) or confirms it (CONFIRM MOVE OUT). A 世帯主 whose 転出 is pending is found as
//!   the household's head (and refused by the same rule, as any 異動 of theirs would be).

use super::change::Change;
use super::household::{is_active, is_head, sort_members};
use super::ledger::Ledger;
use super::record::{StoredRecord, COMPANION};
use super::undo::pending_move_out;
use super::write::{write_version, Stamp, Written};
use crate::model::{Date, HouseholdId, PartialDate, Reason, ResidentCode};
use crate::store::error::{Result, Rule, StoreError};

/// The household's 世帯主 now, for a MOVE HOUSEHOLD that names the household: the active
/// 世帯主 of the latest versions or, when there is none, a 世帯主 whose 転出 is pending on
/// `today` (still the head until that day; the change addressed to them is then refused by
/// the pending 転出's rule, naming it). `NOT_FOUND` when the household has neither.
pub(crate) fn head_of(t: &impl Ledger, h: HouseholdId, today: Date) -> Result<ResidentCode> {
    let (active, pending) = household_now(t, h, today)?;
    if let Some(m) = active.iter().find(|m| is_head(m)) {
        return Ok(ResidentCode::from_u64(m.code)?);
    }
    if let Some(m) = pending
        .iter()
        .find(|m| m.relationship == super::household::HEAD)
    {
        return Ok(ResidentCode::from_u64(m.code)?);
    }
    Err(StoreError::NotFound(format!(
        "household {h} (no active 世帯主)"
    )))
}

/// The residents of household `h` by their latest versions, each read once: its active
/// members, and those whose latest version is a 転出 still pending on `today` (removed in
/// that version, yet members until its day); both in the household's order.
fn household_now(
    t: &impl Ledger,
    h: HouseholdId,
    today: Date,
) -> Result<(Vec<StoredRecord>, Vec<StoredRecord>)> {
    let (mut active, mut pending) = (Vec::new(), Vec::new());
    for id in t.household_ids(h.get())? {
        if let Some(rec) = t.latest(id)? {
            if rec.household != h.get() {
                continue;
            }
            if is_active(&rec) {
                active.push(rec);
            } else if pending_move_out(&rec, today) {
                pending.push(rec);
            }
        }
    }
    sort_members(&mut active);
    sort_members(&mut pending);
    Ok((active, pending))
}

/// Refuses to move a household while a member's 転出 is pending: the member lives in it until
/// the 転出's day (after the move's, which is never in the future), so a move without them
/// would split the household and a move with them would put a 転居 before a 異動 already
/// recorded. Named first in the household's order.
fn refuse_pending_members(pending: &[StoredRecord], h: HouseholdId, date: Date) -> Result<()> {
    let Some(m) = pending.first() else {
        return Ok(());
    };
    Err(StoreError::illegal(
        Rule::MoveOutPending,
        format!(
            "MOVE HOUSEHOLD {h} on {date}: member {:011} has a 転出 on {} pending and lives in the household until then; cancel it (CANCEL MOVE OUT) or confirm it (CONFIRM MOVE OUT) first",
            m.code,
            Date::from_yyyymmdd(m.valid_from)?
        ),
    ))
}

/// Checks what a whole household's 転居 asks before anything is written, and returns the
/// latest version of every other active member, in the household's order. `head` is the
/// latest version of the resident the change is addressed to.
pub(crate) fn plan(
    t: &impl Ledger,
    change: &Change,
    head: &StoredRecord,
    today: Date,
) -> Result<Vec<StoredRecord>> {
    let Some(h) = change.fields.whole_household else {
        return Ok(Vec::new());
    };
    if !is_head(head) || head.household != h.get() {
        return Err(StoreError::illegal(
            Rule::HouseholdAddress,
            format!(
                "MOVE HOUSEHOLD {h} is addressed to its 世帯主; {} is not the 世帯主 of household {h}",
                change.code
            ),
        ));
    }
    let (mut members, pending) = household_now(t, h, today)?;
    refuse_pending_members(&pending, h, change.date)?;
    members.retain(|m| m.id != head.id);
    let d = change.date.to_yyyymmdd();
    for m in &members {
        check_member_date(m, d, change.date)?;
    }
    Ok(members)
}

/// A member's 転居 on `date` keeps their history in order: not before their birth date nor
/// their latest 異動日.
fn check_member_date(m: &StoredRecord, d: u32, date: Date) -> Result<()> {
    let birth = PartialDate::from_code(m.birth)?;
    if birth.surely_after(date) {
        return Err(StoreError::illegal(
            Rule::BeforeBirth,
            format!(
                "MOVE HOUSEHOLD on {date}: member {:011} was born on {birth}",
                m.code,
            ),
        ));
    }
    if d < m.prefix_max {
        return Err(StoreError::illegal(
            Rule::OutOfOrder,
            format!(
                "MOVE HOUSEHOLD on {date}: member {:011} has a 異動 dated {}; a change of history needs CORRECT",
                m.code,
                Date::from_yyyymmdd(m.prefix_max)?
            ),
        ));
    }
    Ok(())
}

/// Writes each member's 転居 to the address the 世帯主's version (`head`, just written) holds,
/// in order, each flagged as the same statement's.
pub(crate) fn write_members(
    t: &mut impl Ledger,
    members: Vec<StoredRecord>,
    head: &StoredRecord,
    change: &Change,
    stamp: &Stamp<'_>,
) -> Result<Vec<Written>> {
    let mut written = Vec::with_capacity(members.len());
    for before in members {
        let mut after = before.clone();
        after.previous_address = Some(before.address.clone());
        after.address_since = stamp.date;
        after.address.clone_from(&head.address);
        after.copy_parts(head);
        if change.fields.postal.is_some() {
            after.postal = head.postal;
        }
        stamp.apply(&mut after, Some(&before), Reason::Move);
        after.changed = before.diff(&after).0 | COMPANION;
        written.push(write_version(t, Some(&before), after)?);
    }
    Ok(written)
}
