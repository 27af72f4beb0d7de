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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Date, Kana, MyNumber, Name, PartialDate, PostalCode, Restatement};
    use crate::store::engine::change::Fields;
    use crate::store::engine::record::tests::sample;
    use crate::store::{Clock, Database, Receipt};

    /// Household 101's address.
    const HOME: &str = "芦屋市精道町7番6号";
    /// Household 202's address.
    const AWAY: &str = "芦屋市打出小槌町1番1号";
    const DESTINATION: &str = "大阪府大阪市北区梅田1丁目1番";

    const HEAD_1: u64 = 1;
    const WIFE_2: u64 = 2;
    const CHILD_3: u64 = 3;
    /// 世帯主 of household 202, alone (`lone_head`).
    const LONE_4: u64 = 4;
    const NEWCOMER_5: u64 = 5;

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn code(serial: u64) -> ResidentCode {
        ResidentCode::from_serial(4_220_000 + serial)
    }

    /// A register without a municipality (its addresses are not placed), today 2024-06-01.
    fn register(dir: &tempfile::TempDir) -> Database {
        let db = Database::create(dir.path().join("r.juki")).unwrap();
        db.set_clock(Clock::Fixed(date("2024-06-01")));
        db
    }

    /// Everything a 転入 of resident `serial` into household `h` at `address` gives.
    fn person(serial: u64, sex: Sex, birth: &str, h: u64, rel: &str, address: &str) -> Fields {
        Fields {
            my_number: Some(MyNumber::from_serial(78_000_100 + serial)),
            name: Some(Name::parse("山田 太郎").unwrap()),
            kana: Some(Kana::parse("ヤマダ タロウ").unwrap()),
            sex: Some(sex),
            birth: Some(PartialDate::Exact(date(birth))),
            address: Some(Address::parse(address).unwrap()),
            postal: Some(PostalCode::from_u32(6590064).unwrap()),
            household: Some(HouseholdId::new(h)),
            relationship: Some(Relationship::parse(rel).unwrap()),
            ..Fields::default()
        }
    }

    fn record(
        db: &Database,
        reason: Reason,
        serial: u64,
        on: &str,
        fields: Fields,
    ) -> Result<Receipt> {
        db.record(&Change::new(reason, code(serial), date(on)).with(fields))
    }

    /// A 転入 on 2020-04-01.
    fn move_in(
        db: &Database,
        serial: u64,
        sex: Sex,
        birth: &str,
        h: u64,
        rel: &str,
        address: &str,
    ) -> Result<Receipt> {
        record(
            db,
            Reason::MoveIn,
            serial,
            "2020-04-01",
            person(serial, sex, birth, h, rel, address),
        )
    }

    /// Household 101 at `HOME`: the 世帯主 (1), his 妻 (2) and their 子 (3), entered on
    /// 2020-04-01.
    fn family(db: &Database) {
        move_in(db, HEAD_1, Sex::Male, "1970-01-01", 101, "世帯主", HOME).unwrap();
        move_in(db, WIFE_2, Sex::Female, "1972-02-02", 101, "妻", HOME).unwrap();
        move_in(db, CHILD_3, Sex::Male, "2000-03-03", 101, "子", HOME).unwrap();
    }

    /// A fresh register holding [`family`], with the directory that keeps it.
    fn with_family() -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let db = register(&dir);
        family(&db);
        (dir, db)
    }

    /// Household 202 at `AWAY`: its 世帯主 (4) alone.
    fn lone_head(db: &Database) {
        move_in(db, LONE_4, Sex::Male, "1980-04-04", 202, "世帯主", AWAY).unwrap();
    }

    /// The members of household `h` now, in the order a listing gives them, with their 続柄.
    fn members(db: &Database, h: u64) -> Vec<(ResidentCode, String)> {
        db.household(HouseholdId::new(h), None)
            .unwrap()
            .members
            .iter()
            .map(|r| (r.code, r.relationship.as_str().to_string()))
            .collect()
    }

    fn written(receipt: &Receipt) -> Vec<(ResidentCode, u32)> {
        receipt
            .written
            .iter()
            .map(|w| (w.code, w.version))
            .collect()
    }

    /// The refusal's text, after checking its rule.
    fn refused(result: Result<Receipt>, rule: Rule) -> String {
        let e = result.unwrap_err();
        assert_eq!(e.rule(), Some(rule), "{e}");
        e.to_string()
    }

    fn moving(address: &str) -> Fields {
        Fields {
            address: Some(Address::parse(address).unwrap()),
            ..Fields::default()
        }
    }

    fn joining(h: u64, rel: &str) -> Fields {
        Fields {
            household: Some(HouseholdId::new(h)),
            relationship: Some(Relationship::parse(rel).unwrap()),
            ..Fields::default()
        }
    }

    fn moving_out() -> Fields {
        Fields {
            destination: Some(Address::parse(DESTINATION).unwrap()),
            ..Fields::default()
        }
    }

    fn restated(pairs: &[(u64, &str)]) -> Option<Restatement> {
        let text: Vec<String> = pairs
            .iter()
            .map(|(s, r)| format!("{}:{r}", code(*s)))
            .collect();
        Some(Restatement::parse(&text.join(" ")).unwrap())
    }

    fn family_members() -> Vec<(ResidentCode, String)> {
        vec![
            (code(HEAD_1), "世帯主".into()),
            (code(WIFE_2), "妻".into()),
            (code(CHILD_3), "子".into()),
        ]
    }

    #[test]
    fn a_household_is_listed_head_first_then_by_birth_date_then_by_code() {
        let dir = tempfile::tempdir().unwrap();
        let db = register(&dir);
        // Entered out of order: the 世帯主 is the youngest; two members share a birth date.
        move_in(&db, 9, Sex::Male, "1990-01-01", 101, "世帯主", HOME).unwrap();
        move_in(&db, 8, Sex::Female, "1950-05-05", 101, "母", HOME).unwrap();
        move_in(&db, 7, Sex::Male, "1950-05-05", 101, "父", HOME).unwrap();
        move_in(&db, 6, Sex::Female, "1960-06-06", 101, "同居人", HOME).unwrap();
        assert_eq!(
            members(&db, 101),
            [
                (code(9), "世帯主".to_string()),
                (code(7), "父".to_string()),
                (code(8), "母".to_string()),
                (code(6), "同居人".to_string()),
            ]
        );
    }

    #[test]
    fn a_member_whose_move_out_is_pending_is_listed_until_the_day() {
        let (_dir, db) = with_family();
        record(&db, Reason::MoveOut, CHILD_3, "2024-06-10", moving_out()).unwrap();
        assert_eq!(members(&db, 101), family_members());
        db.set_clock(Clock::Fixed(date("2024-06-10")));
        assert_eq!(members(&db, 101), family_members()[..2]);
    }

    #[test]
    fn the_heads_lone_move_is_refused_pointing_to_move_household() {
        let (_dir, db) = with_family();
        let e = refused(
            record(&db, Reason::Move, HEAD_1, "2024-05-01", moving(AWAY)),
            Rule::HouseholdAddress,
        );
        let head = code(HEAD_1);
        assert!(
            e.contains(&format!(
                "転居 of the 世帯主 {head} alone: 2 other member(s) of household 101 stay at {HOME}; a household lives at one address: move it whole with MOVE HOUSEHOLD 101"
            )),
            "{e}"
        );
        assert_eq!(members(&db, 101), family_members());
        assert_eq!(db.get(head).unwrap().unwrap().address.written(), HOME);
    }

    #[test]
    fn a_members_lone_move_is_refused_pointing_to_move_household_or_leaving() {
        let (_dir, db) = with_family();
        let e = refused(
            record(&db, Reason::Move, CHILD_3, "2024-05-01", moving(AWAY)),
            Rule::HouseholdAddress,
        );
        let child = code(CHILD_3);
        assert!(
            e.contains(&format!(
                "転居 of {child} alone: 2 other member(s) of household 101 stay at {HOME}; a member lives at the 世帯主's address: move the whole household with MOVE HOUSEHOLD 101, or leave it with household= and relationship= (a new household, or one at {AWAY})"
            )),
            "{e}"
        );
        assert_eq!(db.get(child).unwrap().unwrap().address.written(), HOME);
    }

    #[test]
    fn a_move_into_a_household_at_another_address_names_both_addresses() {
        let (_dir, db) = with_family();
        lone_head(&db);
        let third = "芦屋市大原町3番3号";
        let fields = Fields {
            address: Some(Address::parse(third).unwrap()),
            ..joining(101, "同居人")
        };
        let e = refused(
            record(&db, Reason::Move, LONE_4, "2024-05-01", fields),
            Rule::HouseholdAddress,
        );
        let lone = code(LONE_4);
        assert!(
            e.contains(&format!(
                "転居 of {lone} into household 101 at {third}: household 101 is at {HOME}; a member lives at the 世帯主's address"
            )),
            "{e}"
        );
        assert_eq!(members(&db, 101), family_members());
        assert_eq!(members(&db, 202), [(lone, "世帯主".to_string())]);
    }

    #[test]
    fn an_entry_into_a_household_at_another_address_names_the_households_address() {
        let (_dir, db) = with_family();
        let e = refused(
            move_in(
                &db,
                NEWCOMER_5,
                Sex::Female,
                "1990-05-05",
                101,
                "同居人",
                AWAY,
            ),
            Rule::HouseholdAddress,
        );
        let newcomer = code(NEWCOMER_5);
        assert!(
            e.contains(&format!(
                "転入 of {newcomer} at {AWAY}: household 101 is at {HOME}; a member lives at the household's address"
            )),
            "{e}"
        );
        assert_eq!(db.get(newcomer).unwrap(), None);
    }

    #[test]
    fn a_correction_of_the_heads_address_alone_names_a_member_left_at_the_old_one() {
        let (_dir, db) = with_family();
        let e = refused(
            record(&db, Reason::Correction, HEAD_1, "2024-05-01", moving(AWAY)),
            Rule::HouseholdAddress,
        );
        let (head, wife) = (code(HEAD_1), code(WIFE_2));
        assert!(
            e.contains(&format!(
                "household 101 would have members at two addresses ({wife} at {HOME}; the 世帯主 {head} at {AWAY})"
            )),
            "{e}"
        );
        assert_eq!(db.get(head).unwrap().unwrap().address.written(), HOME);
    }

    #[test]
    fn an_address_written_another_way_is_the_households_address() {
        let (_dir, db) = with_family();
        // 7-6 is how 7番6号 is also written: the same place.
        move_in(
            &db,
            NEWCOMER_5,
            Sex::Female,
            "1990-05-05",
            101,
            "同居人",
            "芦屋市精道町7-6",
        )
        .unwrap();
        let mut all = family_members();
        // Born before the 子: listed before him.
        all.insert(2, (code(NEWCOMER_5), "同居人".into()));
        assert_eq!(members(&db, 101), all);
    }

    #[test]
    fn a_household_holds_one_spouse_of_the_head() {
        let (_dir, db) = with_family();
        let e = refused(
            move_in(
                &db,
                NEWCOMER_5,
                Sex::Male,
                "1990-05-05",
                101,
                "夫(未届)",
                HOME,
            ),
            Rule::Relationship,
        );
        let (wife, newcomer) = (code(WIFE_2), code(NEWCOMER_5));
        assert!(
            e.contains(&format!(
                "household 101 would have 2 spouses of the 世帯主 ({wife} 妻, {newcomer} 夫(未届))"
            )),
            "{e}"
        );
        assert_eq!(members(&db, 101), family_members());
    }

    #[test]
    fn a_wife_is_female_and_a_husband_male() {
        let dir = tempfile::tempdir().unwrap();
        let db = register(&dir);
        move_in(&db, 1, Sex::Female, "1970-01-01", 301, "世帯主", HOME).unwrap();
        move_in(&db, 2, Sex::Male, "1970-01-01", 302, "世帯主", AWAY).unwrap();
        let e = refused(
            move_in(&db, 3, Sex::Female, "1971-01-01", 301, "夫", HOME),
            Rule::Relationship,
        );
        let not_male = format!(
            "{} is recorded as 夫 of the 世帯主 but the sex is not 男",
            code(3)
        );
        assert!(e.contains(&not_male), "{e}");
        let e = refused(
            move_in(&db, 4, Sex::Male, "1971-01-01", 302, "妻(未届)", AWAY),
            Rule::Relationship,
        );
        let not_female = format!(
            "{} is recorded as 妻(未届) of the 世帯主 but the sex is not 女",
            code(4)
        );
        assert!(e.contains(&not_female), "{e}");
        move_in(&db, 3, Sex::Male, "1971-01-01", 301, "夫", HOME).unwrap();
        move_in(&db, 4, Sex::Female, "1971-01-01", 302, "妻(未届)", AWAY).unwrap();
        assert_eq!(members(&db, 301)[1], (code(3), "夫".to_string()));
        assert_eq!(members(&db, 302)[1], (code(4), "妻(未届)".to_string()));
    }

    #[test]
    fn the_first_member_of_a_household_is_its_head() {
        let dir = tempfile::tempdir().unwrap();
        let db = register(&dir);
        let e = refused(
            move_in(&db, 1, Sex::Male, "1970-01-01", 303, "子", HOME),
            Rule::HouseholdWithoutHead,
        );
        assert!(
            e.contains("household 303 has no members; its first member must be 世帯主"),
            "{e}"
        );
        move_in(&db, 1, Sex::Male, "1970-01-01", 303, "世帯主", HOME).unwrap();
        assert_eq!(members(&db, 303), [(code(1), "世帯主".to_string())]);
    }

    #[test]
    fn a_second_head_is_refused() {
        let (_dir, db) = with_family();
        let e = refused(
            move_in(
                &db,
                NEWCOMER_5,
                Sex::Male,
                "1990-05-05",
                101,
                "世帯主",
                HOME,
            ),
            Rule::HouseholdTwoHeads,
        );
        assert!(e.contains("household 101 already has a 世帯主"), "{e}");
        // Nor does a member become a second one.
        let e = refused(
            record(
                &db,
                Reason::HouseholdChange,
                CHILD_3,
                "2024-05-01",
                joining(101, "世帯主"),
            ),
            Rule::HouseholdTwoHeads,
        );
        assert!(e.contains("household 101 already has a 世帯主"), "{e}");
        assert_eq!(members(&db, 101), family_members());
    }

    #[test]
    fn a_member_who_changes_household_is_checked_against_the_one_joined() {
        let (_dir, db) = with_family();
        lone_head(&db);
        let e = refused(
            record(
                &db,
                Reason::HouseholdChange,
                CHILD_3,
                "2024-05-01",
                joining(303, "子"),
            ),
            Rule::HouseholdWithoutHead,
        );
        assert!(
            e.contains("household 303 has no members; its first member must be 世帯主"),
            "{e}"
        );
        let e = refused(
            record(
                &db,
                Reason::HouseholdChange,
                CHILD_3,
                "2024-05-01",
                joining(202, "世帯主"),
            ),
            Rule::HouseholdTwoHeads,
        );
        assert!(e.contains("household 202 already has a 世帯主"), "{e}");
        // 世帯分離: a household of their own, at the same address.
        let receipt = record(
            &db,
            Reason::HouseholdChange,
            CHILD_3,
            "2024-05-01",
            joining(303, "世帯主"),
        )
        .unwrap();
        assert_eq!(written(&receipt), [(code(CHILD_3), 2)]);
        assert_eq!(members(&db, 101), family_members()[..2]);
        assert_eq!(members(&db, 303), [(code(CHILD_3), "世帯主".to_string())]);
    }

    #[test]
    fn a_resident_entered_again_into_their_empty_household_is_its_head() {
        let dir = tempfile::tempdir().unwrap();
        let db = register(&dir);
        lone_head(&db);
        record(&db, Reason::MoveOut, LONE_4, "2024-05-01", moving_out()).unwrap();
        assert_eq!(members(&db, 202), []);
        let again = |rel| {
            let fields = person(LONE_4, Sex::Male, "1980-04-04", 202, rel, AWAY);
            record(&db, Reason::MoveIn, LONE_4, "2024-05-20", fields)
        };
        let e = refused(again("子"), Rule::HouseholdWithoutHead);
        assert!(
            e.contains("household 202 has no members; its first member must be 世帯主"),
            "{e}"
        );
        assert_eq!(written(&again("世帯主").unwrap()), [(code(LONE_4), 3)]);
        assert_eq!(members(&db, 202), [(code(LONE_4), "世帯主".to_string())]);
    }

    #[test]
    fn a_removed_residents_record_is_corrected_though_their_household_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let db = register(&dir);
        lone_head(&db);
        record(&db, Reason::MoveOut, LONE_4, "2024-05-01", moving_out()).unwrap();
        let name = Fields {
            name: Some(Name::parse("山田 四郎").unwrap()),
            ..Fields::default()
        };
        let receipt = record(&db, Reason::Correction, LONE_4, "2024-05-01", name).unwrap();
        assert_eq!(written(&receipt), [(code(LONE_4), 3)]);
        let now = db.get(code(LONE_4)).unwrap().unwrap();
        assert_eq!(now.name.as_str(), "山田 四郎");
        assert_eq!(now.status, Status::Removed);
        assert_eq!(members(&db, 202), []);
    }

    #[test]
    fn a_head_who_leaves_names_the_new_head_among_those_who_stay() {
        let (_dir, db) = with_family();
        lone_head(&db);
        let leaving = |new_head: Option<u64>, pairs: &[(u64, &str)]| {
            let fields = Fields {
                new_head: new_head.map(code),
                relationships: if pairs.is_empty() {
                    None
                } else {
                    restated(pairs)
                },
                ..moving_out()
            };
            record(&db, Reason::MoveOut, HEAD_1, "2024-05-01", fields)
        };
        let e = refused(leaving(None, &[]), Rule::HouseholdWithoutHead);
        assert!(
            e.contains("household 101 would keep 2 member(s) and no 世帯主; name the new head with new_head=<resident code>"),
            "{e}"
        );
        let e = refused(leaving(Some(LONE_4), &[(WIFE_2, "母")]), Rule::NewHead);
        let not_member = format!(
            "new_head={} is not an active member of household 101",
            code(LONE_4)
        );
        assert!(e.contains(&not_member), "{e}");
        assert_eq!(members(&db, 101), family_members());
        // The 子 becomes 世帯主; his mother is restated against him.
        let receipt = leaving(Some(CHILD_3), &[(WIFE_2, "母")]).unwrap();
        assert_eq!(
            written(&receipt),
            [(code(HEAD_1), 2), (code(CHILD_3), 2), (code(WIFE_2), 2)]
        );
        assert_eq!(
            members(&db, 101),
            [
                (code(CHILD_3), "世帯主".to_string()),
                (code(WIFE_2), "母".to_string())
            ]
        );
    }

    #[test]
    fn a_lone_head_leaves_without_a_new_head() {
        let (_dir, db) = with_family();
        lone_head(&db);
        let fields = Fields {
            new_head: Some(code(CHILD_3)),
            ..moving_out()
        };
        let e = refused(
            record(&db, Reason::MoveOut, LONE_4, "2024-05-01", fields),
            Rule::NewHead,
        );
        let alone = format!(
            "new_head={}: no one else remains in household 202",
            code(CHILD_3)
        );
        assert!(e.contains(&alone), "{e}");
        let receipt = record(&db, Reason::MoveOut, LONE_4, "2024-05-01", moving_out()).unwrap();
        assert_eq!(written(&receipt), [(code(LONE_4), 2)]);
        assert_eq!(members(&db, 202), []);
        assert_eq!(members(&db, 101), family_members());
    }

    #[test]
    fn only_a_change_that_takes_the_head_out_names_a_new_head_or_restates() {
        let (_dir, db) = with_family();
        let fields = Fields {
            new_head: Some(code(WIFE_2)),
            ..joining(303, "世帯主")
        };
        let e = refused(
            record(&db, Reason::HouseholdChange, CHILD_3, "2024-05-01", fields),
            Rule::NewHead,
        );
        let not_head = format!(
            "new_head={}: only a change that takes the 世帯主 out of a household names a new head",
            code(WIFE_2)
        );
        assert!(e.contains(&not_head), "{e}");
        let fields = Fields {
            relationships: restated(&[(WIFE_2, "母")]),
            ..joining(303, "世帯主")
        };
        let e = refused(
            record(&db, Reason::HouseholdChange, CHILD_3, "2024-05-01", fields),
            Rule::Restatement,
        );
        assert!(
            e.contains(
                "relationships= restates 続柄 against a new 世帯主; name one with new_head="
            ),
            "{e}"
        );
        assert_eq!(members(&db, 101), family_members());
    }

    #[test]
    fn a_new_head_has_everyone_who_stays_restated_and_no_one_else() {
        let (_dir, db) = with_family();
        let death = |pairs: &[(u64, &str)]| {
            let fields = Fields {
                new_head: Some(code(WIFE_2)),
                relationships: if pairs.is_empty() {
                    None
                } else {
                    restated(pairs)
                },
                ..Fields::default()
            };
            record(&db, Reason::Death, HEAD_1, "2024-05-01", fields)
        };
        let (head, wife, child) = (code(HEAD_1), code(WIFE_2), code(CHILD_3));
        let e = refused(death(&[]), Rule::Restatement);
        assert!(
            e.contains(&format!(
                "{wife} becomes 世帯主 of household 101: restate the 続柄 of {child} against the new head"
            )),
            "{e}"
        );
        let e = refused(death(&[(CHILD_3, "子"), (HEAD_1, "夫")]), Rule::Restatement);
        assert!(
            e.contains(&format!(
                "relationships= names {head}, who is not a member staying in household 101"
            )),
            "{e}"
        );
        assert_eq!(members(&db, 101), family_members());
        // The 子 stays 子: only the new head's version is written beside the death.
        let receipt = death(&[(CHILD_3, "子")]).unwrap();
        assert_eq!(written(&receipt), [(head, 2), (wife, 2)]);
        assert_eq!(
            members(&db, 101),
            [(wife, "世帯主".to_string()), (child, "子".to_string())]
        );
    }

    #[test]
    fn the_head_who_steps_down_is_restated_with_those_who_stay() {
        let (_dir, db) = with_family();
        let step_down = |pairs: &[(u64, &str)]| {
            let fields = Fields {
                new_head: Some(code(WIFE_2)),
                relationships: restated(pairs),
                ..Fields::default()
            };
            record(&db, Reason::HeadChange, HEAD_1, "2024-05-01", fields)
        };
        let (head, wife, child) = (code(HEAD_1), code(WIFE_2), code(CHILD_3));
        let e = refused(step_down(&[(CHILD_3, "子")]), Rule::Restatement);
        assert!(
            e.contains(&format!(
                "世帯主変更: give the 続柄 of {head} (the head who steps down)"
            )),
            "{e}"
        );
        let receipt = step_down(&[(HEAD_1, "夫"), (CHILD_3, "子")]).unwrap();
        assert_eq!(written(&receipt), [(head, 2), (wife, 2)]);
        assert_eq!(
            members(&db, 101),
            [
                (wife, "世帯主".to_string()),
                (head, "夫".to_string()),
                (child, "子".to_string())
            ]
        );
    }

    /// `sample()` as member `serial` of household 101 at `address`.
    fn stored(serial: u64, rel: &str, sex: Sex, address: &str) -> StoredRecord {
        StoredRecord {
            id: serial,
            code: code(serial).get(),
            household: 101,
            relationship: rel.into(),
            sex: sex.code(),
            address: address.into(),
            ..sample()
        }
    }

    #[test]
    fn check_words_what_a_household_breaks() {
        let head = stored(1, "世帯主", Sex::Male, HOME);
        let wife = stored(2, "妻", Sex::Female, HOME);
        let described = |members: &[StoredRecord], address: bool| {
            household_problem(101, members, address).map(|p| p.describe())
        };
        assert_eq!(described(&[], true), None);
        assert_eq!(described(&[head.clone(), wife.clone()], true), None);
        // Written another way, the same address.
        let written_so = stored(2, "妻", Sex::Female, "芦屋市精道町7-6");
        assert_eq!(described(&[head.clone(), written_so], true), None);
        let away = stored(2, "妻", Sex::Female, AWAY);
        let (h, w) = (code(1), code(2));
        assert_eq!(
            described(&[head.clone(), away.clone()], true),
            Some(format!(
                "members at two addresses ({h} at {HOME}; {w} at {AWAY})"
            ))
        );
        // The address is weighed only at the end of a day's 異動 (CHECK).
        assert_eq!(described(&[head.clone(), away], false), None);
        let two = [head.clone(), stored(2, "世帯主", Sex::Female, HOME)];
        assert_eq!(
            described(&two, true),
            Some(
                "household 101: 2 世帯主 among 2 active members (rule household-two-heads)".into()
            )
        );
        let none = [stored(2, "妻", Sex::Female, HOME)];
        assert_eq!(
            described(&none, true),
            Some(
                "household 101: 0 世帯主 among 1 active members (rule household-without-head)"
                    .into()
            )
        );
        let husband = [head, stored(2, "夫", Sex::Female, HOME)];
        assert_eq!(
            described(&husband, true),
            Some(format!(
                "{w} is recorded as 夫 of the 世帯主 but the sex is not 男 (rule relationship)"
            ))
        );
    }

    #[test]
    fn a_member_read_from_its_archive_is_the_member_read_from_its_record() {
        let head = stored(1, "世帯主", Sex::Male, HOME);
        let child = stored(3, "子", Sex::Male, HOME);
        let removed_head = StoredRecord {
            status: Status::Removed.code(),
            ..head.clone()
        };
        let expected = [
            (&head, true, true),
            (&child, true, false),
            (&removed_head, false, false),
        ];
        for (rec, active, is_head) in expected {
            let member = Member::of(rec);
            assert_eq!(
                (
                    member.id,
                    member.code,
                    member.household,
                    member.active,
                    member.head
                ),
                (rec.id, rec.code, 101, active, is_head),
                "{}",
                rec.relationship
            );
            let bytes = rec.encode();
            let archived = StoredRecord::access("versions", &bytes).unwrap();
            assert_eq!(
                Member::of_archived(archived),
                member,
                "{}",
                rec.relationship
            );
        }
    }
}
