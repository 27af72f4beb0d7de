//! The one-世帯主 rule: every household with members has exactly one head. A change that
//! takes the head out (転出, 死亡, 転居 to another household, a new 続柄 …) must name the new
//! head in the same statement; a change that brings a second head in is refused.
//!
//! The rule is checked on the household as it stands after the change: the latest version
//! of every member (DESIGN.md, "The one-head rule").

use super::ledger::{household_ids_in, Ledger};
use super::record::{ArchivedStoredRecord, StoredRecord};
use super::tables::View;
use crate::model::{ResidentCode, Status};
use crate::store::error::{Result, Rule, StoreError};

const HEAD: &str = "世帯主";

pub(crate) fn is_head(rec: &StoredRecord) -> bool {
    rec.status == Status::Active.code() && rec.relationship == HEAD
}

fn is_active(rec: &StoredRecord) -> bool {
    rec.status == Status::Active.code()
}

/// The active members of household `h` as they stand now (latest versions), head first,
/// then by birth date and code.
pub(crate) fn members_now(t: &impl View, h: u64) -> Result<Vec<StoredRecord>> {
    members_of(h, household_ids_in(t.households(), h)?, |id| t.latest(id))
}

/// What the one-head rule needs of a member's latest version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Member {
    pub id: u64,
    pub code: u64,
    pub household: u64,
    pub active: bool,
    pub head: bool,
}

impl Member {
    pub(crate) fn of(rec: &StoredRecord) -> Member {
        Member {
            id: rec.id,
            code: rec.code,
            household: rec.household,
            active: is_active(rec),
            head: is_head(rec),
        }
    }

    /// The same, read from a checked archive without decoding its text.
    pub(crate) fn of_archived(rec: &ArchivedStoredRecord) -> Member {
        let active = rec.status == Status::Active.code();
        Member {
            id: rec.id.to_native(),
            code: rec.code.to_native(),
            household: rec.household.to_native(),
            active,
            head: active && rec.relationship.as_str() == HEAD,
        }
    }
}

/// The active members of household `h` as a 異動 being checked sees it, in id order.
fn members_in(t: &impl Ledger, h: u64) -> Result<Vec<Member>> {
    let mut out = Vec::new();
    for id in t.household_ids(h)? {
        if let Some(m) = t.member(id)? {
            if m.active && m.household == h {
                out.push(m);
            }
        }
    }
    Ok(out)
}

/// The active members among residents with an entry in household `h`, sorted.
fn members_of(
    h: u64,
    ids: Vec<u64>,
    latest: impl Fn(u64) -> Result<Option<StoredRecord>>,
) -> Result<Vec<StoredRecord>> {
    let mut out: Vec<StoredRecord> = Vec::new();
    for id in ids {
        if let Some(rec) = latest(id)? {
            if is_active(&rec) && rec.household == h {
                out.push(rec);
            }
        }
    }
    sort_members(&mut out);
    Ok(out)
}

/// Orders members head first, then by birth date, then by code.
pub(crate) fn sort_members(members: &mut [StoredRecord]) {
    members.sort_by_key(|r| (r.relationship != HEAD, r.birth, r.code));
}

/// Checks the one-head rule for `before → after` and returns the latest version of the
/// member who becomes head, when the change takes the head out and names a successor. The
/// household left is checked first (it needs the successor), then the household the
/// resident is in after the change, counting the successor as its head.
pub(crate) fn plan_heads(
    t: &impl Ledger,
    before: Option<&StoredRecord>,
    after: &StoredRecord,
    new_head: Option<ResidentCode>,
) -> Result<Option<StoredRecord>> {
    let was_head = before.is_some_and(is_head);
    let stays_head_here = is_head(after) && before.is_some_and(|b| b.household == after.household);
    let successor = match before {
        Some(old) if was_head && !stays_head_here => successor_of(t, old, after, new_head)?,
        _ => {
            if let Some(code) = new_head {
                return Err(StoreError::illegal(
                    Rule::NewHead,
                    format!("new_head={code}: only a change that takes the 世帯主 out of a household names a new head"),
                ));
            }
            None
        }
    };
    check_household_after(t, before, after, successor.as_ref())?;
    Ok(successor)
}

/// The head `old` leaves its household (or stops being its head): whoever remains needs a
/// new head, named by `new_head` among the active members.
fn successor_of(
    t: &impl Ledger,
    old: &StoredRecord,
    after: &StoredRecord,
    new_head: Option<ResidentCode>,
) -> Result<Option<StoredRecord>> {
    let remaining: Vec<Member> = members_in(t, old.household)?
        .into_iter()
        .filter(|m| m.id != after.id)
        .collect();
    match (remaining.is_empty(), new_head) {
        (true, None) => Ok(None),
        (true, Some(code)) => Err(StoreError::illegal(
            Rule::NewHead,
            format!(
                "new_head={code}: no one else remains in household {}",
                old.household
            ),
        )),
        (false, None) => Err(StoreError::illegal(
            Rule::HouseholdWithoutHead,
            format!(
                "household {} would keep {} member(s) and no 世帯主; name the new head with new_head=<resident code>",
                old.household,
                remaining.len()
            ),
        )),
        (false, Some(code)) => {
            let found = remaining.into_iter().find(|m| m.code == code.get());
            match found.map(|m| t.latest(m.id)).transpose()?.flatten() {
                Some(next) => Ok(Some(next)),
                None => Err(StoreError::illegal(
                    Rule::NewHead,
                    format!(
                        "new_head={code} is not an active member of household {}",
                        old.household
                    ),
                )),
            }
        }
    }
}

/// The household the resident is in after the change, when they join it or their being
/// head changes: exactly one head among its members (the successor counts as one).
fn check_household_after(
    t: &impl Ledger,
    before: Option<&StoredRecord>,
    after: &StoredRecord,
    successor: Option<&StoredRecord>,
) -> Result<()> {
    let joins =
        is_active(after) && before.is_none_or(|b| !is_active(b) || b.household != after.household);
    let head_changed = is_active(after) && before.is_some_and(|b| is_head(b) != is_head(after));
    if !(joins || head_changed) {
        return Ok(());
    }
    let h = after.household;
    let others: Vec<Member> = members_in(t, h)?
        .into_iter()
        .filter(|m| m.id != after.id)
        .collect();
    let heads = others
        .iter()
        .filter(|m| m.head || successor.is_some_and(|s| s.id == m.id))
        .count();
    if is_head(after) && heads > 0 {
        return Err(StoreError::illegal(
            Rule::HouseholdTwoHeads,
            format!("household {h} already has a 世帯主"),
        ));
    }
    if !is_head(after) && heads == 0 {
        return Err(StoreError::illegal(
            Rule::HouseholdWithoutHead,
            if others.is_empty() {
                format!("household {h} has no members; its first member must be 世帯主")
            } else {
                format!("household {h} has no 世帯主; record the head first")
            },
        ));
    }
    Ok(())
}
