//! Undoing and re-dating: 異動取消, 転出取消, 転出確定, and a 転出 whose date or destination
//! changes while it is pending.
//!
//! Nothing is ever deleted: a cancellation is a new version that copies the state before the
//! version it cancels, and both stay in the history. What makes the as-of fold
//! (`tables::fold_as_of`) answer as if the cancelled version had never been is its
//! `prefix_max`, the rule of [`prefix_max_of`]:
//!
//! * a cancelling version (異動取消, 転出取消) takes the cancelled version's 異動日, and its
//!   `prefix_max` is the *restored* version's. From that bound on it is the base of every
//!   as-of answer, so the cancelled version is never read again; later 異動 are bounded by
//!   the restored state, not by the cancelled one (a 転出 dated ahead no longer holds back a
//!   change dated before it);
//! * a 転出 or 転出確定 that follows a 転出 replaces it: its `prefix_max` is the larger of the
//!   restored version's and its own 異動日. A replacement dated *after* the 転出 it replaces
//!   would leave that 転出 in force between the two dates, so it is written as a 転出取消
//!   first and then the new 転出 (two versions);
//! * cancelling a 転出確定 dated *before* the 転出 it replaced brings that 転出 back, not yet
//!   in force between the two dates. One version cannot say so (the 確定's own `prefix_max`
//!   makes it the base of every as-of answer from its date on, unless a later version's
//!   bound is earlier), so it is two: a 異動取消 on the 確定's date that restores the state
//!   before the 転出, its `prefix_max` that state's (the version three back), then the 転出
//!   again on its own date and with its own 届出日, a companion of the 異動取消 (as after a
//!   replaced 転出, its statement's first 更新順番号 is not the latest, so neither is
//!   cancelled by `seq=` afterwards: a pending 転出 is withdrawn by 転出取消);
//! * only a resident's latest version can be cancelled, together with the versions the same
//!   statement wrote for other residents (a new 世帯主, restated 続柄, a whole household's
//!   転居), each of which must be its resident's latest too: a later 異動 depends on it
//!   otherwise. A backdated 職権修正 and a 移行 are not cancelled (correct them instead).
//!
//! The household rules run after these writes like after any other (`household::check_after`),
//! so a cancellation that would leave a household without its head, or at two addresses, is
//! refused with the rule it breaks.

use super::change::Change;
use super::ledger::Ledger;
use super::record::{StoredRecord, COMPANION};
use super::write::{write_version, Stamp, Written};
use crate::model::{Date, Reason, Status};
use crate::store::error::{Result, Rule, StoreError};

fn reason_of(rec: &StoredRecord) -> Option<Reason> {
    Reason::from_code(rec.reason).ok()
}

/// Whether `rec` restores the state before the version it follows.
fn is_cancelling(rec: &StoredRecord) -> bool {
    matches!(
        reason_of(rec),
        Some(Reason::Cancellation | Reason::MoveOutCancel)
    )
}

/// Whether `rec` replaces the 転出 it follows (a new date or destination, or its 確定).
fn replaces_move_out(rec_reason: u8, prev: Option<&StoredRecord>) -> bool {
    let replacing =
        rec_reason == Reason::MoveOut.code() || rec_reason == Reason::MoveOutConfirm.code();
    replacing && prev.is_some_and(|p| p.reason == Reason::MoveOut.code())
}

/// Whether `cancelled`, following `prev`, is a 転出確定 that replaced that 転出 and took
/// effect before it: cancelling it restores the state before the 転出 and then the 転出 (see
/// the module documentation).
pub(crate) fn confirmed_early(cancelled: &StoredRecord, prev: Option<&StoredRecord>) -> bool {
    cancelled.reason == Reason::MoveOutConfirm.code()
        && prev.is_some_and(|p| {
            p.reason == Reason::MoveOut.code() && cancelled.valid_from < p.valid_from
        })
}

/// The versions before a version, newest first: `[prev, prev2, prev3]`.
pub(crate) type Before<'a> = [Option<&'a StoredRecord>; 3];

/// The `prefix_max` a version must carry, given the three versions before it, newest first
/// (`[prev, prev2, prev3]`): see the module documentation. CHECK verifies every version with
/// it.
pub(crate) fn prefix_max_of(rec_reason: u8, valid_from: u32, before: Before<'_>) -> u32 {
    let [prev, prev2, prev3] = before;
    let cancelling =
        rec_reason == Reason::Cancellation.code() || rec_reason == Reason::MoveOutCancel.code();
    if let (true, Some(cancelled)) = (cancelling, prev) {
        // The restored state's bound: the 確定's 転出 is not restored before its own date.
        let restored = if confirmed_early(cancelled, prev2) {
            prev3
        } else {
            prev2
        };
        return restored.map_or(valid_from, |p| p.prefix_max);
    }
    if replaces_move_out(rec_reason, prev) {
        return prev2.map_or(valid_from, |p| p.prefix_max.max(valid_from));
    }
    prev.map_or(valid_from, |p| p.prefix_max.max(valid_from))
}

/// The earliest 異動日 a version that is not a 職権修正 may carry after `prev`: the bound of
/// the state it follows (for a replacement of a 転出, the state the 転出 replaced).
pub(crate) fn date_floor(
    rec_reason: u8,
    prev: Option<&StoredRecord>,
    prev2: Option<&StoredRecord>,
) -> u32 {
    match prev {
        None => 0,
        Some(_) if replaces_move_out(rec_reason, prev) => prev2.map_or(0, |p| p.prefix_max),
        Some(p) => p.prefix_max,
    }
}

/// Whether `rec` is a 転出 that has not yet taken effect on `today`.
pub(crate) fn pending_move_out(rec: &StoredRecord, today: Date) -> bool {
    rec.reason == Reason::MoveOut.code() && rec.valid_from > today.to_yyyymmdd()
}

/// Why the record is removed, looking through cancellations to the version they restore:
/// `None` when it is active. A cancelled creation counts as removed by 異動取消.
pub(crate) fn removed_by(versions: &[StoredRecord]) -> Option<Reason> {
    let mut i = versions.len().checked_sub(1)?;
    loop {
        let v = &versions[i];
        if is_cancelling(v) {
            // The state is the one before the cancelled version (i - 1); before the 転出 too
            // when that was a 転出確定 dated before it.
            let early = i >= 2 && confirmed_early(&versions[i - 1], Some(&versions[i - 2]));
            match i.checked_sub(if early { 3 } else { 2 }) {
                Some(j) => i = j,
                None => return (v.status != Status::Active.code()).then_some(Reason::Cancellation),
            }
            continue;
        }
        if v.status == Status::Active.code() {
            return None;
        }
        if v.changed & (1 << super::record::Field::Status as u32) != 0 || i == 0 {
            return reason_of(v);
        }
        i -= 1;
    }
}

/// The version before `rec` of the same resident, if any.
fn previous(t: &impl Ledger, rec: &StoredRecord) -> Result<Option<StoredRecord>> {
    Ok(two_before(t, rec)?[0].take())
}

/// The two versions before `rec` of the same resident, newest first.
fn two_before(t: &impl Ledger, rec: &StoredRecord) -> Result<[Option<StoredRecord>; 2]> {
    if rec.version <= 1 {
        return Ok([None, None]);
    }
    let all = t.all_versions(rec.id)?;
    let version = |n: u32| all.iter().find(|v| v.version == n).cloned();
    Ok([version(rec.version - 1), version(rec.version - 2)])
}

/// Writes the version that cancels `cancelled` (the resident's latest), restoring `prev`, the
/// version before it (`prev2` is the one before that); a cancelled first version leaves the
/// record removed. A 転出確定 dated before its 転出 restores the state before the 転出 and
/// then the 転出 again ([`confirmed_early`]).
fn write_restore(
    t: &mut impl Ledger,
    cancelled: &StoredRecord,
    [prev, prev2]: [Option<&StoredRecord>; 2],
    reason: Reason,
    stamp: &Stamp<'_>,
    companion: bool,
) -> Result<Vec<Written>> {
    let early = confirmed_early(cancelled, prev);
    let restored = if early { prev2 } else { prev };
    let mut after = match restored {
        Some(p) => p.clone(),
        None => {
            let mut gone = cancelled.clone();
            gone.status = Status::Removed.code();
            gone.removed_on = cancelled.valid_from;
            gone
        }
    };
    stamp.apply(&mut after, Some(cancelled), reason);
    after.valid_from = cancelled.valid_from;
    after.prefix_max = prefix_max_of(
        reason.code(),
        after.valid_from,
        [Some(cancelled), prev, prev2],
    );
    after.changed = cancelled.diff(&after).0 | if companion { COMPANION } else { 0 };
    // The identifiers restored are the resident's own former ones: no other check applies.
    let mut written = vec![write_version(t, Some(cancelled), after.clone())?];
    if let (true, Some(move_out)) = (early, prev) {
        written.push(write_move_out_again(
            t,
            move_out,
            after,
            [Some(cancelled), prev],
            stamp,
        )?);
    }
    Ok(written)
}

/// The 転出 a cancelled early 転出確定 had replaced, written again after `restoring` (the
/// version that restored the state before it; `earlier` are the two versions before that,
/// newest first): its content, 異動日 and 届出日, flagged as the same statement's.
fn write_move_out_again(
    t: &mut impl Ledger,
    move_out: &StoredRecord,
    restoring: StoredRecord,
    [earlier, earlier2]: [Option<&StoredRecord>; 2],
    stamp: &Stamp<'_>,
) -> Result<Written> {
    let mut again = move_out.clone();
    stamp.apply(&mut again, Some(&restoring), Reason::MoveOut);
    again.valid_from = move_out.valid_from;
    again.reported = move_out.reported;
    again.prefix_max = prefix_max_of(
        Reason::MoveOut.code(),
        again.valid_from,
        [Some(&restoring), earlier, earlier2],
    );
    again.changed = restoring.diff(&again).0 | COMPANION;
    write_version(t, Some(&restoring), again)
}

/// 異動取消 (`seq=`) and 転出取消: the cancelled version and any the same statement wrote for
/// others are each restored to the version before them.
pub(crate) fn cancel(
    t: &mut impl Ledger,
    change: &Change,
    before: &StoredRecord,
    stamp: &Stamp<'_>,
    today: Date,
) -> Result<Vec<Written>> {
    let code = change.code;
    if change.reason == Reason::MoveOutCancel && !pending_move_out(before, today) {
        return Err(StoreError::illegal(
            Rule::NoMoveOut,
            format!("転出取消 for {code}: no 転出 is pending (a 転出 already in effect is undone by CANCEL CHANGE with its seq=)"),
        ));
    }
    if let Some(seq) = change.fields.seq {
        check_cancellable(t, before, seq)?;
    }
    if change.date.to_yyyymmdd() != before.valid_from {
        return Err(StoreError::illegal(
            Rule::Cancel,
            format!(
                "{} for {code}: the cancelled {} took effect on {}; give that date as ON",
                change.reason,
                reason_of(before).map_or("異動", |r| r.japanese()),
                Date::from_yyyymmdd(before.valid_from)?
            ),
        ));
    }
    let group = statement_group(t, before)?;
    let mut written = Vec::new();
    // The others first, so that the subject's restored version is the last word.
    for (i, rec) in std::iter::once(before).chain(group.iter()).enumerate() {
        let [prev, prev2] = two_before(t, rec)?;
        written.extend(write_restore(
            t,
            rec,
            [prev.as_ref(), prev2.as_ref()],
            change.reason,
            stamp,
            i > 0,
        )?);
    }
    Ok(written)
}

/// What a 異動取消 by 更新順番号 asks of the version: this resident's, their latest, not a
/// 移行 and not a backdated 職権修正.
fn check_cancellable(t: &impl Ledger, before: &StoredRecord, seq: u64) -> Result<()> {
    let code = format!("{:011}", before.code);
    if before.seq != seq {
        let versions = t.all_versions(before.id)?;
        return Err(StoreError::illegal(
            Rule::Cancel,
            match versions.iter().find(|v| v.seq == seq) {
                Some(v) => format!(
                    "seq={seq} for {code}: later 異動 depend on it (the latest is seq={}, version {} after version {}); cancel those first",
                    before.seq, before.version, v.version
                ),
                None => format!("seq={seq} is not a 異動 of resident {code}"),
            },
        ));
    }
    if before.changed & COMPANION != 0 {
        return Err(StoreError::illegal(
            Rule::Cancel,
            format!("seq={seq} for {code} was written by the same statement as an earlier 更新順番号 (a new 世帯主, a restated 続柄, a household's 転居); cancel that statement's first 異動"),
        ));
    }
    match reason_of(before) {
        Some(Reason::Migration) => Err(StoreError::illegal(
            Rule::Cancel,
            format!("seq={seq} for {code}: a 移行 record is not cancelled; correct it with CORRECT"),
        )),
        Some(Reason::Correction) if before.valid_from < before.prefix_max => {
            Err(StoreError::illegal(
                Rule::Cancel,
                format!("seq={seq} for {code}: a backdated 職権修正 is not cancelled; correct it again with CORRECT"),
            ))
        }
        _ => Ok(()),
    }
}

/// The versions the statement that wrote `rec` wrote for other residents: the run of
/// versions flagged [`COMPANION`] whose 更新順番号 follow `rec`'s, found among the members of
/// its households (before and after). Each must still be its resident's latest: a later
/// 異動 depends on it otherwise.
fn statement_group(t: &impl Ledger, rec: &StoredRecord) -> Result<Vec<StoredRecord>> {
    let mut households = vec![rec.household];
    if let Some(p) = previous(t, rec)? {
        households.push(p.household);
    }
    households.dedup();
    let mut flagged: Vec<(StoredRecord, u32)> = Vec::new();
    for h in households {
        for id in t.household_ids(h)? {
            if id == rec.id || flagged.iter().any(|(v, _)| v.id == id) {
                continue;
            }
            let versions = t.all_versions(id)?;
            let latest = versions.last().map_or(0, |v| v.version);
            flagged.extend(
                versions
                    .into_iter()
                    .filter(|v| v.changed & COMPANION != 0 && v.seq > rec.seq)
                    .map(|v| (v, latest)),
            );
        }
    }
    flagged.sort_by_key(|(v, _)| v.seq);
    let mut run = Vec::new();
    let mut next = rec.seq + 1;
    for (v, latest) in flagged {
        if v.seq != next {
            continue;
        }
        if v.version != latest {
            return Err(StoreError::illegal(
                Rule::Cancel,
                format!(
                    "seq={} also changed resident {:011} (seq={}), who has changed since; cancel that first",
                    rec.seq, v.code, v.seq
                ),
            ));
        }
        next += 1;
        run.push(v);
    }
    Ok(run)
}

/// A 転出 that replaces a pending one (new date or destination) and 転出確定 (the actual
/// date and destination): one version when it takes effect no later than the 転出 it
/// replaces, else a 転出取消 and then the new version.
pub(crate) fn redate_move_out(
    t: &mut impl Ledger,
    change: &Change,
    before: &StoredRecord,
    stamp: &Stamp<'_>,
) -> Result<Vec<Written>> {
    let code = change.code;
    if before.reason != Reason::MoveOut.code() {
        return Err(StoreError::illegal(
            Rule::NoMoveOut,
            format!(
                "{} for {code}: the latest 異動 is not a 転出",
                change.reason
            ),
        ));
    }
    let prev = previous(t, before)?;
    let floor = date_floor(change.reason.code(), Some(before), prev.as_ref());
    let d = change.date.to_yyyymmdd();
    if d < floor {
        return Err(StoreError::illegal(
            Rule::OutOfOrder,
            format!(
                "{} for {code} dated {} is before the latest 異動 it follows ({})",
                change.reason,
                change.date,
                Date::from_yyyymmdd(floor)?
            ),
        ));
    }
    if !statement_group(t, before)?.is_empty() {
        return Err(StoreError::illegal(
            Rule::MoveOutPending,
            format!("{} for {code}: the 転出 also changed other members of the household (a new 世帯主); cancel it with CANCEL MOVE OUT and record the 転出 again", change.reason),
        ));
    }
    let destination = change
        .fields
        .destination
        .as_ref()
        .map(|a| a.written().to_string());
    let new_move_out = change.reason == Reason::MoveOut;
    if new_move_out && d == before.valid_from && destination == before.destination {
        return Err(StoreError::illegal(
            Rule::NoChange,
            format!("{} for {code} changes nothing", change.reason),
        ));
    }
    let mut written = Vec::new();
    let mut base = before.clone();
    let mut base_prev = prev;
    // A new 転出 date or destination cancels the pending 転出 first, so that a later
    // 転出取消 restores the state before any 転出 (the cancelled version's predecessor); a
    // 転出確定 replaces the 転出 in one version unless it takes effect later (then the
    // replaced 転出 must not be in force in between), so that cancelling it restores the
    // 転出 it confirmed.
    if new_move_out || d > before.valid_from {
        let restore_stamp = Stamp {
            date: before.valid_from,
            ..*stamp
        };
        let w = write_restore(
            t,
            before,
            [base_prev.as_ref(), None],
            Reason::MoveOutCancel,
            &restore_stamp,
            false,
        )?;
        written.extend(w);
        base_prev = Some(before.clone());
        base = t
            .latest(before.id)?
            .ok_or_else(|| StoreError::Storage("restored version vanished".into()))?;
    }
    let mut after = base.clone();
    stamp.apply(&mut after, Some(&base), change.reason);
    after.status = Status::Removed.code();
    after.removed_on = d;
    after.destination = destination;
    after.prefix_max = prefix_max_of(
        change.reason.code(),
        d,
        [Some(&base), base_prev.as_ref(), None],
    );
    after.changed = base.diff(&after).0;
    if after.changed == 0 && written.is_empty() {
        return Err(StoreError::illegal(
            Rule::NoChange,
            format!("{} for {code} changes nothing", change.reason),
        ));
    }
    if !written.is_empty() {
        after.changed |= COMPANION;
    }
    written.push(write_version(t, Some(&base), after)?);
    Ok(written)
}
