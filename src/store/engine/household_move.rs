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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Address, Kana, MyNumber, Name, PostalCode, Relationship, Sex};
    use crate::store::engine::change::{Fields, HouseholdMove};
    use crate::store::{Clock, Database, Receipt};

    const HOUSEHOLD: u64 = 101;
    const NEW_HOME: &str = "芦屋市打出小槌町1番1号";

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    /// A register without a municipality (its addresses are not placed), today 2024-06-01.
    fn register(dir: &tempfile::TempDir) -> Database {
        let db = Database::create(dir.path().join("r.juki")).unwrap();
        db.set_clock(Clock::Fixed(date("2024-06-01")));
        db
    }

    /// A 転入 into household 101 at 芦屋市精道町7番6号 on 2020-04-01.
    fn move_in(db: &Database, serial: u64, relationship: &str, birth: &str) -> ResidentCode {
        let code = ResidentCode::from_serial(4_210_000 + serial);
        let fields = Fields {
            my_number: Some(MyNumber::from_serial(77_000_100 + serial)),
            name: Some(Name::parse("山田 太郎").unwrap()),
            kana: Some(Kana::parse("ヤマダ タロウ").unwrap()),
            sex: Some(Sex::Male),
            birth: Some(PartialDate::Exact(date(birth))),
            address: Some(Address::parse("芦屋市精道町7番6号").unwrap()),
            postal: Some(PostalCode::from_u32(6590064).unwrap()),
            household: Some(HouseholdId::new(HOUSEHOLD)),
            relationship: Some(Relationship::parse(relationship).unwrap()),
            ..Fields::default()
        };
        let change = Change::new(Reason::MoveIn, code, date("2020-04-01")).with(fields);
        db.record(&change).unwrap();
        code
    }

    /// A 転出 of `code` on `on`, notified on 2024-06-01.
    fn move_out(db: &Database, code: ResidentCode, on: &str) {
        let change = Change::new(Reason::MoveOut, code, date(on)).with(Fields {
            destination: Some(Address::parse("大阪府大阪市北区梅田1丁目1番").unwrap()),
            ..Fields::default()
        });
        db.record(&change).unwrap();
    }

    /// MOVE HOUSEHOLD 101 to `NEW_HOME` on `on`, as a statement records it.
    fn move_household(db: &Database, on: &str) -> crate::store::Result<Receipt> {
        let mv = HouseholdMove {
            household: HouseholdId::new(HOUSEHOLD),
            date: date(on),
            reported: None,
            fields: Fields {
                address: Some(Address::parse(NEW_HOME).unwrap()),
                ..Fields::default()
            },
        };
        db.record_household_move_with(mv.household, |head| mv.change_for(head), |_, _| Ok(()))
    }
    #[test]
    fn the_whole_household_moves_in_its_order_each_to_the_heads_new_address() {
        let dir = tempfile::tempdir().unwrap();
        let db = register(&dir);
        let head = move_in(&db, 1, "世帯主", "1970-01-01");
        // Entered out of the household's order (birth date, then code).
        let child = move_in(&db, 2, "子", "2000-01-01");
        let lodger = move_in(&db, 3, "同居人", "1972-01-01");
        let receipt = move_household(&db, "2024-05-01").unwrap();
        let written: Vec<(ResidentCode, Reason, u64)> = receipt
            .written
            .iter()
            .map(|w| (w.code, w.reason, w.seq))
            .collect();
        assert_eq!(
            written,
            [
                (head, Reason::Move, 4),
                (lodger, Reason::Move, 5),
                (child, Reason::Move, 6)
            ]
        );
        for code in [head, lodger, child] {
            let now = db.get(code).unwrap().unwrap();
            assert_eq!(now.address.written(), NEW_HOME, "{code}");
            assert_eq!(now.household, HouseholdId::new(HOUSEHOLD), "{code}");
        }
    }

    #[test]
    fn a_member_whose_move_out_is_pending_keeps_the_household_from_moving() {
        let dir = tempfile::tempdir().unwrap();
        let db = register(&dir);
        move_in(&db, 1, "世帯主", "1970-01-01");
        let child = move_in(&db, 2, "子", "2000-01-01");
        move_out(&db, child, "2024-06-10");
        let e = move_household(&db, "2024-06-01").unwrap_err();
        assert_eq!(e.rule(), Some(Rule::MoveOutPending), "{e}");
        assert!(e.to_string().contains(&format!("member {child}")), "{e}");
    }

    #[test]
    fn a_head_whose_move_out_is_pending_is_still_the_head_of_the_household() {
        let dir = tempfile::tempdir().unwrap();
        let db = register(&dir);
        let head = move_in(&db, 1, "世帯主", "1970-01-01");
        move_out(&db, head, "2024-06-10");
        // The change is addressed to the 世帯主 and refused by their pending 転出, not
        // taken for a household without a head.
        let e = move_household(&db, "2024-06-01").unwrap_err();
        assert_eq!(e.rule(), Some(Rule::MoveOutPending), "{e}");
        let gone = tempfile::tempdir().unwrap();
        let empty = register(&gone);
        let e = move_household(&empty, "2024-06-01").unwrap_err();
        assert_eq!(e.code(), "NOT_FOUND", "{e}");
    }

    #[test]
    fn a_member_moves_with_the_household_on_the_day_of_their_latest_change_not_before() {
        let dir = tempfile::tempdir().unwrap();
        let db = register(&dir);
        let head = move_in(&db, 1, "世帯主", "1970-01-01");
        let child = move_in(&db, 2, "子", "2000-01-01");
        let rename = Change::new(Reason::Rename, child, date("2024-05-01")).with(Fields {
            name: Some(Name::parse("山田 次郎").unwrap()),
            ..Fields::default()
        });
        db.record(&rename).unwrap();
        let e = move_household(&db, "2024-04-30").unwrap_err();
        assert_eq!(e.rule(), Some(Rule::OutOfOrder), "{e}");
        assert!(e.to_string().contains(&format!("member {child}")), "{e}");
        let receipt = move_household(&db, "2024-05-01").unwrap();
        let moved: Vec<ResidentCode> = receipt.written.iter().map(|w| w.code).collect();
        assert_eq!(moved, [head, child]);
    }
}
