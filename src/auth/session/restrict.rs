//! DV等支援措置 (住基法第12条第6項, 住民基本台帳事務処理要領 第5-10): setting, extending,
//! lifting and listing measures, and the one check every read, write, certificate and copy
//! of a resident goes through while one is in force.
//!
//! A measure is kept per person (宛名番号, so it follows a resident code change) in the
//! `support_measures` table, with its kind, the authority that confirmed it and the days it
//! runs (`auth::measure`). Setting, extending, lifting and listing need the `restrict`
//! permission.
//!
//! **Who is hidden.** While a measure is in force (on the register's today) the person
//! under it, and every member now of their household, is *screened*: for a role without the
//! `restrict` permission every read answers as for nobody (the same `NOT_FOUND` and message
//! as a code no one holds, or the row absent from a list), a write addressed to them is
//! refused the same way, and a certificate or copy out leaves them out. A role with the
//! permission sees them; each answer that shows one carries their codes
//! ([`Session::restricted_shown`]) for the console's warning, and is logged with a flagged
//! entry of kind [`SHOWN`] naming them. A lookup that was answered as for nobody is logged as
//! NOT_FOUND, as for nobody, and beside it an entry of kind [`HIDDEN`] naming who was
//! screened, which only the operation log's readers see.
//!
//! **Cost.** The measures are read once into memory ([`MeasureCache`]) and read again only
//! after RESTRICT, EXTEND RESTRICTION or LIFT RESTRICTION commit. With no measure recorded a
//! check costs a lock and a look at an empty map. With measures recorded, who is screened
//! (the persons and the members of their households) is worked out once per register state:
//! it is kept with the register's next 更新順番号 and today, and a check costs one keyed
//! read of that number and hash look-ups, never a scan.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use redb::ReadableTable;

use super::Session;
use crate::auth::error::{AuthError, Result};
use crate::auth::measure::{extension_opens, one_year_from, Authority, Measure, MeasureKind};
use crate::auth::pending::{Codes, EntryText, PendingEntry};
use crate::auth::role::Permission;
use crate::certificate::Requester;
use crate::model::{Date, HouseholdId, ResidentCode};
use crate::store::engine::schema::{META, META_NEXT_SEQ, SUPPORT_MEASURES};
use crate::store::{Database, Household, Resident, StoreError};

/// The log kind of an answer that showed a screened resident to a permitted role.
pub(crate) const SHOWN: &str = "RESTRICTED SHOWN";
/// The log kind of an answer that screened a resident from a role without the permission.
pub(crate) const HIDDEN: &str = "RESTRICTED HIDDEN";

/// A support measure of a resident, as RESTRICTIONS lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportMeasure {
    /// The resident's current code.
    pub code: ResidentCode,
    /// The 宛名番号 the measure is kept under.
    pub atena_number: u64,
    /// The measure.
    pub measure: Measure,
}

/// The measures, read once, and who they screen (see the module documentation).
#[derive(Default)]
pub(crate) struct MeasureCache {
    state: Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    measures: Option<Arc<HashMap<u64, Measure>>>,
    /// The screen, with the today and next 更新順番号 it was worked out for.
    screen: Option<(Date, u64, Arc<Screen>)>,
    empty: Arc<Screen>,
}

impl MeasureCache {
    /// Forgets what was read: the next check reads the measures again.
    pub(crate) fn invalidate(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.measures = None;
        st.screen = None;
    }
}

/// Who is screened today.
#[derive(Debug, Default)]
pub(crate) struct Screen {
    /// 宛名番号 of the residents under a measure in force.
    restricted: HashSet<u64>,
    /// 宛名番号 of those and of every member now of their households.
    hidden: HashSet<u64>,
    /// Their households now, with the resident codes of their members.
    households: HashMap<u64, Vec<u64>>,
}

impl Screen {
    fn is_empty(&self) -> bool {
        self.hidden.is_empty() && self.households.is_empty()
    }

    /// Whether `r` (any version of them) is screened.
    pub(crate) fn hides(&self, r: &Resident) -> bool {
        self.hidden.contains(&r.atena_number)
    }

    /// Whether the household `id` is screened: it holds a screened resident now.
    fn hides_household(&self, id: HouseholdId) -> bool {
        self.households.contains_key(&id.get())
    }
}

/// Every recorded measure, by 宛名番号.
fn load_measures(db: &Database) -> Result<HashMap<u64, Measure>> {
    let txn = db.read_transaction()?;
    let table = match txn.open_table(SUPPORT_MEASURES) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(HashMap::new()),
        Err(e) => return Err(StoreError::from(e).into()),
    };
    let mut out = HashMap::new();
    for entry in table.iter().map_err(StoreError::from)? {
        let (k, v) = entry.map_err(StoreError::from)?;
        out.insert(k.value(), Measure::from_stored(v.value())?);
    }
    Ok(out)
}

/// The register's next 更新順番号: it moves with every version written, so a screen worked
/// out for it holds until the next 異動.
fn register_stamp(db: &Database) -> Result<u64> {
    let txn = db.read_transaction()?;
    let meta = txn.open_table(META).map_err(StoreError::from)?;
    let seq = meta.get(META_NEXT_SEQ).map_err(StoreError::from)?;
    Ok(seq.map(|v| v.value()).unwrap_or(0))
}

/// Works out who the measures in force on `today` screen: each person, and the members now
/// of the household they are active in.
fn build_screen(db: &Database, measures: &HashMap<u64, Measure>, today: Date) -> Result<Screen> {
    let mut screen = Screen::default();
    for (&atena, m) in measures {
        if !m.in_force(today) {
            continue;
        }
        screen.restricted.insert(atena);
        screen.hidden.insert(atena);
        let Some(code) = db.code_of_atena(atena)? else {
            continue;
        };
        let Some(r) = db.get(code)? else { continue };
        if !r.is_active() {
            continue;
        }
        let members = db.household(r.household, None)?.members;
        for member in &members {
            screen.hidden.insert(member.atena_number);
        }
        let codes = members.iter().map(|m| m.code.get()).collect();
        screen.households.insert(r.household.get(), codes);
    }
    Ok(screen)
}

impl Session {
    /// Who is screened now (see the module documentation for what it costs).
    pub(super) fn screen(&self, db: &Database) -> Result<Arc<Screen>> {
        let cache = &self.juki.inner.measures;
        let mut st = cache.state.lock().unwrap_or_else(|e| e.into_inner());
        let measures = match &st.measures {
            Some(m) => Arc::clone(m),
            None => {
                let m = Arc::new(load_measures(db)?);
                st.measures = Some(Arc::clone(&m));
                m
            }
        };
        if measures.is_empty() {
            return Ok(Arc::clone(&st.empty));
        }
        let today = db.today();
        let stamp = register_stamp(db)?;
        if let Some((d, s, screen)) = &st.screen {
            if *d == today && *s == stamp {
                return Ok(Arc::clone(screen));
            }
        }
        let screen = Arc::new(build_screen(db, &measures, today)?);
        st.screen = Some((today, stamp, Arc::clone(&screen)));
        Ok(screen)
    }

    /// Whether the role sees screened residents.
    fn sees_restricted(&self) -> bool {
        self.may(Permission::Restrict)
    }

    /// The one check of an answer: of `items`, the ones whose resident this session may be
    /// shown. A permitted role keeps them all (the screened ones noted for the warning and
    /// the flagged entry); any other loses the screened ones (noted for the log).
    pub(super) fn screened<T>(
        &self,
        db: &Database,
        items: Vec<T>,
        resident: impl Fn(&T) -> &Resident,
    ) -> Result<Vec<T>> {
        let screen = self.screen(db)?;
        if screen.is_empty() {
            return Ok(items);
        }
        if self.sees_restricted() {
            let shown = items.iter().map(&resident).filter(|r| screen.hides(r));
            self.note(&self.shown, shown.map(|r| r.code.get()));
            return Ok(items);
        }
        let (hidden, kept): (Vec<T>, Vec<T>) =
            items.into_iter().partition(|t| screen.hides(resident(t)));
        self.note(&self.hidden, hidden.iter().map(|t| resident(t).code.get()));
        Ok(kept)
    }

    /// [`Session::screened`] for an answer of at most one.
    pub(super) fn screened_one<T>(
        &self,
        db: &Database,
        item: Option<T>,
        resident: impl Fn(&T) -> &Resident,
    ) -> Result<Option<T>> {
        Ok(self
            .screened(db, item.into_iter().collect(), resident)?
            .pop())
    }

    /// [`Session::screened_one`] of a resident.
    pub(super) fn shown_one(&self, db: &Database, r: Option<Resident>) -> Result<Option<Resident>> {
        self.screened_one(db, r, |r| r)
    }

    /// Refuses, as for nobody, a change a role without the permission addresses to a
    /// screened resident (`NOT_FOUND` "resident …", the engine's words for a code no one
    /// holds) or that would put someone into a screened household.
    pub(super) fn refuse_screened_change(
        &self,
        db: &Database,
        c: &crate::store::Change,
    ) -> Result<()> {
        if self.screens_code(db, c.code)? {
            return Err(StoreError::NotFound(format!("resident {:011}", c.code)).into());
        }
        if let Some(h) = c.fields.household {
            if self.screens_household(db, h)? {
                return Err(
                    StoreError::NotFound(format!("household {h} (no active 世帯主)")).into(),
                );
            }
        }
        Ok(())
    }

    /// A household answer: for a role without the permission, a household that holds a
    /// screened resident (or is screened now) answers with no members, as a household no
    /// one is in; a permitted role sees it, noted.
    pub(super) fn screened_household(&self, db: &Database, h: Household) -> Result<Household> {
        let screen = self.screen(db)?;
        if screen.is_empty() {
            return Ok(h);
        }
        let any = screen.hides_household(h.id) || h.members.iter().any(|m| screen.hides(m));
        if !any {
            return Ok(h);
        }
        let codes = h.members.iter().map(|m| m.code.get());
        if self.sees_restricted() {
            self.note(&self.shown, codes);
            return Ok(h);
        }
        self.note(&self.hidden, codes);
        Ok(Household {
            id: h.id,
            members: Vec::new(),
        })
    }

    /// Whether the resident with `code` is screened from this session (a permitted role:
    /// never; it is noted as shown). Costs a read only while some measure is in force.
    pub(super) fn screens_code(&self, db: &Database, code: ResidentCode) -> Result<bool> {
        if self.screen(db)?.is_empty() {
            return Ok(false);
        }
        let found = db.get(code)?;
        Ok(found.is_some() && self.screened_one(db, found, |r| r)?.is_none())
    }

    /// Whether the household `id` is screened from this session.
    pub(super) fn screens_household(&self, db: &Database, id: HouseholdId) -> Result<bool> {
        let screen = self.screen(db)?;
        let Some(codes) = screen.households.get(&id.get()) else {
            return Ok(false);
        };
        if self.sees_restricted() {
            self.note(&self.shown, codes.iter().copied());
            return Ok(false);
        }
        self.note(&self.hidden, codes.iter().copied());
        Ok(true)
    }

    fn note(&self, list: &std::cell::RefCell<Vec<u64>>, codes: impl Iterator<Item = u64>) {
        let mut list = list.borrow_mut();
        for c in codes {
            if !list.contains(&c) {
                list.push(c);
            }
        }
    }

    /// The residents under a support measure, or in the household of one, that the last
    /// statement (or, outside a statement, the last operation) showed this session: a role
    /// with the `restrict` permission is warned of them. Empty for every other role, which
    /// is never shown one.
    pub fn restricted_shown(&self) -> Vec<ResidentCode> {
        self.warned
            .borrow()
            .iter()
            .filter_map(|c| ResidentCode::from_u64(*c).ok())
            .collect()
    }

    /// The flagged entries of what the operation just done showed or screened (none when it
    /// touched no screened resident); the shown ones become the session's warning.
    pub(super) fn flag_entries(&self, kind: &str) -> Vec<PendingEntry> {
        let shown = std::mem::take(&mut *self.shown.borrow_mut());
        let hidden = std::mem::take(&mut *self.hidden.borrow_mut());
        let mut entries = Vec::new();
        for (flag, codes) in [(SHOWN, shown), (HIDDEN, hidden)] {
            if codes.is_empty() {
                continue;
            }
            if flag == SHOWN {
                self.note(&self.warned, codes.iter().copied());
            }
            entries.push(PendingEntry {
                time: super::now_micros(),
                signer: Arc::clone(&self.signer),
                kind: std::borrow::Cow::Borrowed(flag),
                text: EntryText::Owned(format!("{flag} by {kind}")),
                outcome: std::borrow::Cow::Borrowed("OK"),
                codes: Codes::Many(codes),
            });
        }
        entries
    }

    /// Pushes the flagged entries of the operation just done to the log.
    pub(super) fn push_flag_entries(&self, kind: &str) -> Result<()> {
        let statement_kind = self.statement.borrow().as_ref().map(|(k, _)| k.clone());
        for e in self.flag_entries(statement_kind.as_deref().unwrap_or(kind)) {
            self.juki.inner.journal.push(self.db(), e)?;
        }
        Ok(())
    }
}

impl Session {
    /// Puts a resident under a DV等支援措置 of `kind`, confirmed by `authority`, from `from`
    /// until `until` (a year less a day when not given, [`one_year_from`]), replacing one
    /// already recorded. The measure as recorded.
    pub fn restrict(
        &self,
        code: ResidentCode,
        kind: MeasureKind,
        authority: &Authority,
        from: Date,
        until: Option<Date>,
    ) -> Result<Measure> {
        let until = until.unwrap_or_else(|| one_year_from(from));
        if until < from {
            return Err(AuthError::Invalid {
                field: "until",
                reason: format!("{until} is before {from}"),
            }
            .into());
        }
        if kind == MeasureKind::Unrecorded {
            return Err(
                crate::model::InvalidValue::new("kind", "a measure is set with its kind").into(),
            );
        }
        let measure = Measure {
            kind,
            authority: authority.clone(),
            from,
            until,
        };
        let text = format!(
            "RESTRICT {code} KIND {kind} AUTHORITY '{authority}' FROM {from} UNTIL {until}"
        );
        let atena = self.atena_of(code)?;
        self.admin_write("RESTRICT", text, &[Permission::Restrict], |txn| {
            txn.open_table(SUPPORT_MEASURES)?
                .insert(atena, measure.to_stored())?;
            Ok(())
        })?;
        self.juki.inner.measures.invalidate();
        Ok(measure)
    }

    /// Extends a resident's DV等支援措置 until `until` (another year from the day after its
    /// last day when not given). Accepted from one month before the measure's last day
    /// ([`extension_opens`]) until that day, while it runs: a measure that has ended is set
    /// again with RESTRICT. The measure as extended.
    pub fn extend_restriction(&self, code: ResidentCode, until: Option<Date>) -> Result<Measure> {
        let mut text = format!("EXTEND RESTRICTION {code}");
        if let Some(u) = until {
            text.push_str(&format!(" UNTIL {u}"));
        }
        let atena = self.atena_of(code)?;
        let today = self.today();
        let mut extended = None;
        self.admin_write("EXTEND RESTRICTION", text, &[Permission::Restrict], |txn| {
            let mut table = txn.open_table(SUPPORT_MEASURES)?;
            let Some(m) = table
                .get(atena)?
                .map(|v| Measure::from_stored(v.value()))
                .transpose()?
            else {
                return Err(no_measure(code));
            };
            let m = extended_measure(m, until, today)?;
            table.insert(atena, m.to_stored())?;
            extended = Some(m);
            Ok(())
        })?;
        self.juki.inner.measures.invalidate();
        extended.ok_or_else(|| no_measure(code))
    }

    /// Ends a resident's DV等支援措置.
    pub fn lift_restriction(&self, code: ResidentCode) -> Result<()> {
        let text = format!("LIFT RESTRICTION {code}");
        let atena = self.atena_of(code)?;
        self.admin_write("LIFT RESTRICTION", text, &[Permission::Restrict], |txn| {
            let removed = txn.open_table(SUPPORT_MEASURES)?.remove(atena)?.is_some();
            if removed {
                Ok(())
            } else {
                Err(no_measure(code))
            }
        })?;
        self.juki.inner.measures.invalidate();
        Ok(())
    }

    /// Every recorded measure, in force or not, by resident code (the `restrict`
    /// permission). Logged with the codes it lists.
    pub fn restrictions(&self) -> Result<Vec<SupportMeasure>> {
        self.read(
            "RESTRICTIONS",
            || EntryText::Fixed("RESTRICTIONS"),
            &[Permission::Restrict],
            |db| {
                let mut out = Vec::new();
                for (atena, measure) in load_measures(db)? {
                    // A measure follows the person: their code now (one they were removed
                    // with is still theirs).
                    if let Some(code) = db.code_of_atena(atena)? {
                        out.push(SupportMeasure {
                            code,
                            atena_number: atena,
                            measure,
                        });
                    }
                }
                out.sort_by_key(|m| m.code.get());
                Ok(out)
            },
            |v: &Vec<SupportMeasure>| Some(v.iter().map(|m| m.code.get()).collect()),
        )
    }

    fn atena_of(&self, code: ResidentCode) -> Result<u64> {
        Ok(self
            .db()
            .get(code)?
            .ok_or_else(|| StoreError::NotFound(format!("resident {code}")))?
            .atena_number)
    }
}

fn no_measure(code: ResidentCode) -> crate::Error {
    StoreError::NotFound(format!("a support measure for resident {code}")).into()
}

/// The measure `m` extended on `today` (see [`Session::extend_restriction`]).
fn extended_measure(m: Measure, until: Option<Date>, today: Date) -> Result<Measure> {
    let opens = extension_opens(m.until);
    if !m.in_force(today) || today < opens {
        return Err(StoreError::Conflict(format!(
            "the measure runs from {} until {}: an extension is accepted from {opens} until {} (after it has ended, set a new one with RESTRICT)",
            m.from, m.until, m.until
        ))
        .into());
    }
    let until = until.unwrap_or_else(|| one_year_from(m.until.add_days(1)));
    if until <= m.until {
        return Err(AuthError::Invalid {
            field: "until",
            reason: format!("{until} is not after the measure's last day {}", m.until),
        }
        .into());
    }
    Ok(Measure { until, ..m })
}

/// Refuses a certificate of `persons` when one of them is under a support measure in force
/// `today` and the requester is not that person.
pub(super) fn check_measures(
    db: &Database,
    screen: &Screen,
    persons: &[Resident],
    requester: &Requester,
) -> Result<()> {
    for r in persons {
        if !screen.restricted.contains(&r.atena_number) {
            continue;
        }
        let themself = match requester {
            Requester::Resident(code) => db
                .get(*code)?
                .is_some_and(|q| q.atena_number == r.atena_number),
            _ => false,
        };
        if !themself {
            return Err(AuthError::SupportMeasure(r.code.to_string()).into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn measure() -> Measure {
        Measure {
            kind: MeasureKind::Dv,
            authority: Authority::parse("芦屋警察署").unwrap(),
            from: d("2026-12-01"),
            until: d("2027-11-30"),
        }
    }

    #[test]
    fn an_extension_is_accepted_from_a_month_before_the_end_until_the_end() {
        for refused in ["2026-12-01", "2027-10-29", "2027-12-01"] {
            let e = extended_measure(measure(), None, d(refused)).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::Conflict, "{refused}");
        }
        for accepted in ["2027-10-30", "2027-11-30"] {
            let m = extended_measure(measure(), None, d(accepted)).unwrap();
            assert_eq!(m.until, d("2028-11-30"), "{accepted}");
            assert_eq!(m.from, d("2026-12-01"));
        }
        let m = extended_measure(measure(), Some(d("2028-03-31")), d("2027-11-01")).unwrap();
        assert_eq!(m.until, d("2028-03-31"));
        let e = extended_measure(measure(), Some(d("2027-11-30")), d("2027-11-01")).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::InvalidValue);
    }
}
