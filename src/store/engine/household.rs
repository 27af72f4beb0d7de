//! The household rules (DESIGN.md, "The household rules"): every household with members has
//! exactly one head; a change that takes the head out (転出, 死亡, 転居 to another household,
//! a new 続柄 …) names the new head in the same statement and restates the 続柄 of everyone
//! who stays; one household, one address: every active member, the head included, lives at
//! the 世帯主's address after every change (a household moves whole, by MOVE HOUSEHOLD,
//! `household_move`); the head's household holds one 妻 or 夫 at most, of the matching sex.
//!
//! The one-head rule is planned before the writes (it decides the new head's version); the
//! rest is checked after them, on the household as the change leaves it (the latest version
//! of every member), inside the same transaction, so a refusal writes nothing.

use super::change::Change;
use super::ledger::{household_ids_in, Ledger};
use super::record::{ArchivedStoredRecord, StoredRecord};
use super::tables::View;
use crate::model::{Address, HouseholdId, Reason, Relationship, ResidentCode, Sex, Status};
use crate::store::error::{Result, Rule, StoreError};

pub(crate) const HEAD: &str = "世帯主";

pub(crate) fn is_head(rec: &StoredRecord) -> bool {
    rec.status == Status::Active.code() && rec.relationship == HEAD
}

/// Whether the version is of an active resident.
pub(crate) fn is_active(rec: &StoredRecord) -> bool {
    rec.status == Status::Active.code()
}

/// The active members of household `h` as they stand now (latest versions), head first,
/// then by birth date and code.
/// A member whose latest version is not yet in force on `today` (a 転出 notified ahead) is
/// seen as of today.
pub(crate) fn members_now(t: &impl View, h: u64, today: u32) -> Result<Vec<StoredRecord>> {
    members_of(h, household_ids_in(t.households(), h)?, |id| {
        match t.latest(id)? {
            Some(rec) if rec.prefix_max > today => t.as_of(id, today),
            other => Ok(other),
        }
    })
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
pub(crate) fn members_in(t: &impl Ledger, h: u64) -> Result<Vec<Member>> {
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
                HouseholdId::new(old.household)
            ),
        )),
        (false, None) => Err(StoreError::illegal(
            Rule::HouseholdWithoutHead,
            format!(
                "household {} would keep {} member(s) and no 世帯主; name the new head with new_head=<resident code>",
                HouseholdId::new(old.household),
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
                        HouseholdId::new(old.household)
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
            format!("household {} already has a 世帯主", HouseholdId::new(h)),
        ));
    }
    if !is_head(after) && heads == 0 {
        return Err(StoreError::illegal(
            Rule::HouseholdWithoutHead,
            if others.is_empty() {
                format!(
                    "household {} has no members; its first member must be 世帯主",
                    HouseholdId::new(h)
                )
            } else {
                format!(
                    "household {} has no 世帯主; record the head first",
                    HouseholdId::new(h)
                )
            },
        ));
    }
    Ok(())
}

/// The 続柄 of the members who stay when a change gives the household a new 世帯主
/// (`successor`): every one of them restated by `relationships=`, none left out and no one
/// else named. Returns the versions to write: each member whose 続柄 changes, with it.
/// Without a new head, `relationships=` is refused.
pub(crate) fn plan_restatement(
    t: &impl Ledger,
    before: Option<&StoredRecord>,
    after: &StoredRecord,
    successor: Option<&StoredRecord>,
    change: &Change,
) -> Result<Vec<(StoredRecord, Relationship)>> {
    let given = change.fields.relationships.as_ref();
    let (Some(old), Some(next)) = (before, successor) else {
        return match given {
            Some(_) => Err(StoreError::illegal(
                Rule::Restatement,
                "relationships= restates 続柄 against a new 世帯主; name one with new_head=",
            )),
            None => Ok(Vec::new()),
        };
    };
    let mut stay: Vec<StoredRecord> = Vec::new();
    for m in members_in(t, old.household)? {
        if m.id != after.id && m.id != next.id {
            stay.extend(t.latest(m.id)?);
        }
    }
    let subject_stays = is_active(after) && after.household == old.household;
    let missing: Vec<String> = stay
        .iter()
        .filter(|m| code_of(m).is_none_or(|c| given.and_then(|g| g.of(c)).is_none()))
        .map(|m| format!("{:011}", m.code))
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::illegal(
            Rule::Restatement,
            format!(
                "{:011} becomes 世帯主 of household {}: restate the 続柄 of {} against the new head with relationships='<code>:<続柄> …'",
                next.code,
                HouseholdId::new(old.household),
                missing.join(", ")
            ),
        ));
    }
    if let Some(g) = given {
        for (code, _) in g.pairs() {
            let named = stay.iter().any(|m| m.code == code.get())
                || (subject_stays && after.code == code.get());
            if !named {
                return Err(StoreError::illegal(
                    Rule::Restatement,
                    format!(
                        "relationships= names {code}, who is not a member staying in household {}",
                        HouseholdId::new(old.household)
                    ),
                ));
            }
        }
    }
    let given = given.cloned().unwrap_or_default();
    Ok(stay
        .into_iter()
        .filter_map(|m| {
            let rel = code_of(&m).and_then(|c| given.of(c))?.clone();
            (rel.as_str() != m.relationship).then_some((m, rel))
        })
        .collect())
}

fn code_of(rec: &StoredRecord) -> Option<ResidentCode> {
    ResidentCode::from_u64(rec.code).ok()
}

/// The 続柄 a 世帯主変更 gives the head who steps down, from `relationships=`.
pub(crate) fn former_head_relationship(change: &Change) -> Result<Relationship> {
    change
        .fields
        .relationships
        .as_ref()
        .and_then(|r| r.of(change.code))
        .cloned()
        .ok_or_else(|| {
            StoreError::illegal(
                Rule::Restatement,
                format!(
                    "世帯主変更: give the 続柄 of {} (the head who steps down) against the new head in relationships=",
                    change.code
                ),
            )
        })
}

/// The household rules on the state a change leaves, for every household its versions left
/// or joined: exactly one 世帯主 among the active members and 続柄 the head's household can
/// hold (one 妻 or 夫, 妻 female, 夫 male); and every active member, the head included,
/// lives at the 世帯主's address (one household, one address: the head does not move alone
/// while others remain; MOVE HOUSEHOLD moves them together). Returns the active members of
/// those households as the change leaves them, each household's head first.
pub(crate) fn check_after(
    t: &impl Ledger,
    households: &[u64],
    change: &Change,
) -> Result<Vec<StoredRecord>> {
    let mut touched = households.to_vec();
    touched.sort_unstable();
    touched.dedup();
    let mut all = Vec::new();
    for h in touched {
        // Each member's latest version is read once: whether it is an active member of
        // `h` is read from it too.
        let members = members_of(h, t.household_ids(h)?, |id| t.latest(id))?;
        check_one_household(h, &members, change)?;
        all.extend(members);
    }
    Ok(all)
}

/// Whether two written addresses are the same place: the same text, or the same address
/// key (written forms that differ only in how they are written).
fn same_address(a: &str, b: &str, b_key: &mut Option<String>) -> bool {
    if a == b {
        return true;
    }
    let b_key = b_key.get_or_insert_with(|| Address::from_trusted(b.to_string()).key());
    Address::from_trusted(a.to_string()).key() == *b_key
}

/// The rules of [`check_after`] for one household's active members: the one-address rule
/// first (with words for what the change did), then the others.
fn check_one_household(h: u64, members: &[StoredRecord], change: &Change) -> Result<()> {
    if let Some(head) = members.iter().find(|m| is_head(m)) {
        let mut key = None;
        let away = members
            .iter()
            .find(|m| !same_address(&m.address, &head.address, &mut key));
        if let Some(m) = away {
            return Err(address_split(HouseholdId::new(h), m, head, members, change));
        }
    }
    match household_problem(h, members, false) {
        None => Ok(()),
        Some(Problem::Address(a, b)) => {
            Err(address_split(HouseholdId::new(h), a, b, members, change))
        }
        Some(Problem::Other(rule, detail)) => Err(StoreError::illegal(rule, detail)),
    }
}

/// What is wrong with a household's active members, by the rules of [`check_after`].
pub(crate) enum Problem<'a> {
    /// Two members at different addresses.
    Address(&'a StoredRecord, &'a StoredRecord),
    /// Another rule, with what breaks it.
    Other(Rule, String),
}

impl Problem<'_> {
    /// The problem in words, as CHECK reports it.
    pub(crate) fn describe(&self) -> String {
        match self {
            Problem::Address(a, b) => format!(
                "members at two addresses ({:011} at {}; {:011} at {})",
                a.code, a.address, b.code, b.address
            ),
            Problem::Other(rule, detail) => format!("{detail} (rule {rule})"),
        }
    }
}

/// The first household rule `members` (the active members of household `h`) break, if any;
/// the one-address rule only when `address` is set (CHECK, at the end of a day).
pub(crate) fn household_problem(
    h: u64,
    members: &[StoredRecord],
    address: bool,
) -> Option<Problem<'_>> {
    let first = members.first()?;
    let id = HouseholdId::new(h);
    let heads = members.iter().filter(|m| is_head(m)).count();
    if heads != 1 {
        let rule = if heads == 0 {
            Rule::HouseholdWithoutHead
        } else {
            Rule::HouseholdTwoHeads
        };
        return Some(Problem::Other(
            rule,
            format!(
                "household {id}: {heads} 世帯主 among {} active members",
                members.len()
            ),
        ));
    }
    if address {
        let mut key = None;
        let other = members
            .iter()
            .find(|m| !same_address(&m.address, &first.address, &mut key));
        if let Some(other) = other {
            return Some(Problem::Address(first, other));
        }
    }
    relationship_problem(id, members).map(|d| Problem::Other(Rule::Relationship, d))
}

/// The refusal of a household at two addresses (`away` is a member not at the 世帯主
/// `head`'s address), worded for what the change did: a 世帯主's lone 転居 is pointed to
/// MOVE HOUSEHOLD, a member's to MOVE HOUSEHOLD or to leaving the household.
fn address_split(
    id: HouseholdId,
    away: &StoredRecord,
    head: &StoredRecord,
    members: &[StoredRecord],
    change: &Change,
) -> StoreError {
    let subject = change.code.get();
    let others = members.len() - 1;
    let is_move = change.reason == Reason::Move;
    let detail = if head.code == subject && is_move {
        format!(
            "転居 of the 世帯主 {subject:011} alone: {others} other member(s) of household {id} stay at {}; a household lives at one address: move it whole with MOVE HOUSEHOLD {id}, or let the 世帯主 leave it with household= and relationship= (naming new_head= and relationships=)",
            away.address
        )
    } else if away.code == subject && is_move && change.fields.household == Some(id) {
        format!(
            "{} of {subject:011} into household {id} at {}: household {id} is at {}; a member lives at the 世帯主's address",
            change.reason, away.address, head.address
        )
    } else if away.code == subject && is_move {
        format!(
            "転居 of {subject:011} alone: {others} other member(s) of household {id} stay at {}; a member lives at the 世帯主's address: move the whole household with MOVE HOUSEHOLD {id}, or leave it with household= and relationship= (a new household, or one at {})",
            head.address, away.address
        )
    } else if away.code == subject {
        format!(
            "{} of {subject:011} at {}: household {id} is at {}; a member lives at the household's address",
            change.reason, away.address, head.address
        )
    } else {
        format!(
            "household {id} would have members at two addresses ({:011} at {}; the 世帯主 {:011} at {})",
            away.code, away.address, head.code, head.address
        )
    };
    StoreError::illegal(Rule::HouseholdAddress, detail)
}

/// One 妻 or 夫 of the head at most; a 妻 is female and a 夫 male (住民票 practice; a
/// (未届) spouse counts as one).
fn relationship_problem(id: HouseholdId, members: &[StoredRecord]) -> Option<String> {
    let spouse = |m: &&StoredRecord| {
        let r = m
            .relationship
            .strip_suffix("(未届)")
            .unwrap_or(&m.relationship);
        matches!(r, "妻" | "夫")
    };
    let spouses: Vec<&StoredRecord> = members.iter().filter(spouse).collect();
    if spouses.len() > 1 {
        return Some(format!(
            "household {id} would have {} spouses of the 世帯主 ({})",
            spouses.len(),
            spouses
                .iter()
                .map(|m| format!("{:011} {}", m.code, m.relationship))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    spouses.into_iter().find_map(|m| {
        let wife = m.relationship.starts_with('妻');
        let (want, word) = if wife {
            (Sex::Female, "女")
        } else {
            (Sex::Male, "男")
        };
        (m.sex != want.code()).then(|| {
            format!(
                "{:011} is recorded as {} of the 世帯主 but the sex is not {word}",
                m.code, m.relationship
            )
        })
    })
}
