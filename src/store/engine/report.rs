//! 異動 and households counted for the statistics office and the monthly report (月報):
//! `STATS BY reason`, `STATS BY household` and `REPORT`.
//!
//! Every count here is one pass over the `versions` table in key order: a resident's
//! versions are adjacent, so each resident's history is in memory once, and nothing is read
//! per resident or per day. What a count sees is the history as the register holds it now:
//!
//! * a 異動 counts by its 異動事由 unless a later version undid it ([`counted`]): a
//!   cancelled version (異動取消, 転出取消) and the cancellation itself count for nothing, a
//!   転出 replaced by a new 転出 or by its 転出確定 counts only as the replacement. This is
//!   the rule the as-of fold follows (`undo::prefix_max_of`), so the counts agree with every
//!   as-of answer;
//! * the population on a date is the as-of answer on that date ([`as_of`], the fold of
//!   `tables::fold_as_of` over the versions in memory);
//! * the 増 and 減 of a period are the changes of that population between consecutive
//!   異動日: a resident who is active at the end of a day and was not at the end of the
//!   day before is one 増 (一 減 the other way), so start + 増 − 減 = end holds by
//!   construction, for 日本人 and 外国人 apart (a change of nationality while active is one
//!   減 of the old and one 増 of the new, as その他).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use redb::ReadableTable;

use super::record::{FieldSet, StoredRecord};
use super::stats::{key_of, StatDim, StatsRow};
use super::tables::View;
use super::undo::confirmed_early;
use crate::model::{Date, InvalidValue, Item, Reason, Sex, Status};
use crate::store::error::Result;

/// A period of 異動日, both ends inclusive: FROM ≤ TO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: Date,
    to: Date,
}

impl Period {
    /// The days `from` to `to`, both included; refused when `from` is after `to`.
    pub fn new(from: Date, to: Date) -> std::result::Result<Period, InvalidValue> {
        if from > to {
            return Err(InvalidValue::new(
                "period",
                format!("FROM {from} is after TO {to}"),
            ));
        }
        Ok(Period { from, to })
    }

    /// The calendar month written `2026-11`, `2026/11`, `2026年11月`, `R8.11` or `令和8年11月`.
    pub fn month(text: &str) -> std::result::Result<Period, InvalidValue> {
        let trimmed = text.trim();
        let bad = || {
            InvalidValue::new(
                "month",
                format!("{trimmed:?} is not a month (2026-11, 2026年11月, R8.11)"),
            )
        };
        // A month is its first day written without the day.
        let first_day = if trimmed.ends_with('月') {
            format!("{trimmed}1日")
        } else {
            let sep = trimmed.chars().rev().find(|c| matches!(c, '-' | '/' | '.'));
            format!("{trimmed}{}1", sep.ok_or_else(bad)?)
        };
        let from = Date::parse(&first_day).map_err(|_| bad())?;
        let (y, m) = if from.month() == 12 {
            (from.year() + 1, 1)
        } else {
            (from.year(), from.month() + 1)
        };
        let to = Date::from_ymd(y, m, 1).map_err(|_| bad())?.add_days(-1);
        Period::new(from, to)
    }

    /// The first day.
    pub fn from(self) -> Date {
        self.from
    }

    /// The last day.
    pub fn to(self) -> Date {
        self.to
    }
}

/// The counts of 日本人 and 外国人 (a 外国人住民 is a record holding 国籍・地域).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Split {
    /// 日本人.
    pub japanese: u64,
    /// 外国人.
    pub foreign: u64,
}

impl Split {
    /// 計.
    pub fn total(self) -> u64 {
        self.japanese + self.foreign
    }

    fn add(&mut self, foreign: bool) {
        if foreign {
            self.foreign += 1;
        } else {
            self.japanese += 1;
        }
    }
}

/// Households by the nationality of their members. A 複数国籍世帯 (日本人 and 外国人 members)
/// is counted among the 日本人 households and among the 外国人 households, and once in the
/// total (the 総務省's rule for 住民基本台帳に基づく人口).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Households {
    /// Households with a 日本人 member (複数国籍世帯 included).
    pub japanese: u64,
    /// Households with a 外国人 member (複数国籍世帯 included).
    pub foreign: u64,
    /// 複数国籍世帯: households with both.
    pub mixed: u64,
}

impl Households {
    /// Every household once.
    pub fn total(self) -> u64 {
        self.japanese + self.foreign - self.mixed
    }
}

/// The population of one 町字 (or of the whole register) on a date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Population {
    /// The 町字, or 計 for the whole register.
    pub town: String,
    /// 男.
    pub male: Split,
    /// 女.
    pub female: Split,
    /// Every person (男 and 女, and a record of unknown sex).
    pub persons: Split,
    /// 世帯数.
    pub households: Households,
}

/// One line of the 増 or 減 of a period: the 異動事由 and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    /// 転入, 出生, 職権記載 …; その他 for a change of nationality.
    pub item: String,
    /// How many.
    pub count: Split,
}

/// The monthly report (月報): 異動 of the period and the population at its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The period.
    pub period: Period,
    /// The population on the day before the period.
    pub start: Split,
    /// 増: 転入, 出生, 職権記載 always, then any other 異動事由 that added a resident.
    pub increases: Vec<Movement>,
    /// 減: 転出, 死亡, 職権消除 always, then any other.
    pub decreases: Vec<Movement>,
    /// The population on the last day, per 町字 in 町字 order.
    pub towns: Vec<Population>,
    /// The population on the last day, in total.
    pub total: Population,
}

impl Report {
    /// The sum of the 増.
    pub fn increase(&self) -> Split {
        sum(&self.increases)
    }

    /// The sum of the 減.
    pub fn decrease(&self) -> Split {
        sum(&self.decreases)
    }
}

fn sum(lines: &[Movement]) -> Split {
    lines.iter().fold(Split::default(), |acc, m| Split {
        japanese: acc.japanese + m.count.japanese,
        foreign: acc.foreign + m.count.foreign,
    })
}

/// One row of `STATS BY household`: households of one size (or all, `size = None`), in one
/// 町字 (or all, `town = None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRow {
    /// The 町字, when counted by town; `None` in the rows of the whole register.
    pub town: Option<String>,
    /// The number of members; `None` in a total row.
    pub size: Option<u32>,
    /// How many households.
    pub households: u64,
    /// How many persons live in them.
    pub persons: u64,
}

/// Calls `f` with every resident's versions, oldest first: one pass over `versions`.
fn each_resident(t: &impl View, mut f: impl FnMut(&[StoredRecord])) -> Result<()> {
    let mut current: Option<u64> = None;
    let mut versions: Vec<StoredRecord> = Vec::new();
    for entry in t.versions().iter()? {
        let (k, v) = entry?;
        let (id, _) = k.value();
        if current != Some(id) {
            if !versions.is_empty() {
                f(&versions);
            }
            versions.clear();
            current = Some(id);
        }
        versions.push(StoredRecord::decode("versions", v.value())?);
    }
    if !versions.is_empty() {
        f(&versions);
    }
    Ok(())
}

/// The as-of rule (`tables::fold_as_of`) over one resident's versions in memory, oldest
/// first: the resident on `date`, or `None` before their first version.
pub(crate) fn as_of(versions: &[StoredRecord], date: u32) -> Option<Cow<'_, StoredRecord>> {
    let mut later: Vec<&StoredRecord> = Vec::new();
    for rec in versions.iter().rev() {
        if rec.prefix_max <= date {
            if later.is_empty() {
                return Some(Cow::Borrowed(rec));
            }
            let mut base = rec.clone();
            for l in later.iter().rev() {
                base.overlay(l, FieldSet(l.changed));
            }
            return Some(Cow::Owned(base));
        }
        if rec.valid_from <= date {
            later.push(rec);
        }
    }
    None
}

fn is_cancelling(rec: &StoredRecord) -> bool {
    rec.reason == Reason::Cancellation.code() || rec.reason == Reason::MoveOutCancel.code()
}

fn replaces_move_out(rec: &StoredRecord, prev: &StoredRecord) -> bool {
    (rec.reason == Reason::MoveOut.code() || rec.reason == Reason::MoveOutConfirm.code())
        && prev.reason == Reason::MoveOut.code()
}

/// Which of a resident's versions (oldest first) are 異動 the register holds now: after
/// each version, the 異動 in force are those after the state it builds on, plus itself.
/// A cancellation builds on the state before the version it cancels (before the 転出 too
/// when that was a 転出確定 dated before it) and adds nothing; a 転出 or 転出確定 that
/// replaces a 転出 builds on the state before that 転出.
pub(crate) fn counted(versions: &[StoredRecord]) -> Vec<bool> {
    // after[i]: the indices of the 異動 in force after version i.
    let mut after: Vec<Vec<usize>> = Vec::with_capacity(versions.len());
    for (i, v) in versions.iter().enumerate() {
        let state_before = |back: usize| -> Vec<usize> {
            i.checked_sub(back)
                .map_or_else(Vec::new, |j| after[j].clone())
        };
        let now = if is_cancelling(v) && i >= 1 {
            let early = i >= 2 && confirmed_early(&versions[i - 1], Some(&versions[i - 2]));
            state_before(if early { 3 } else { 2 })
        } else if i >= 1 && replaces_move_out(v, &versions[i - 1]) {
            let mut s = state_before(2);
            s.push(i);
            s
        } else if is_cancelling(v) {
            Vec::new()
        } else {
            let mut s = state_before(1);
            s.push(i);
            s
        };
        after.push(now);
    }
    let mut out = vec![false; versions.len()];
    if let Some(last) = after.last() {
        for &i in last {
            out[i] = true;
        }
    }
    out
}

/// `STATS BY reason[, dims] [FROM] [TO]`: the 異動 the register holds, by 異動事由 and
/// `dims` (read from the version the 異動 wrote, ages on its 異動日), whose 異動日 is in
/// `[from, to]`. Without other dimensions every 異動事由 has a row, zero or not.
pub(crate) fn by_reason(
    t: &impl View,
    dims: &[StatDim],
    from: Option<Date>,
    to: Option<Date>,
) -> Result<Vec<StatsRow>> {
    let low = from.map_or(0, Date::to_yyyymmdd);
    let high = to.map_or(u32::MAX, Date::to_yyyymmdd);
    let mut counts: BTreeMap<(u8, Vec<String>), u64> = BTreeMap::new();
    if dims.is_empty() {
        for r in Reason::ALL {
            counts.insert((r.code(), Vec::new()), 0);
        }
    }
    each_resident(t, |versions| {
        for (v, yes) in versions.iter().zip(counted(versions)) {
            if !yes || v.valid_from < low || v.valid_from > high {
                continue;
            }
            let on = Date::from_yyyymmdd(v.valid_from).unwrap_or(Date::today_jst());
            let keys = dims.iter().map(|d| key_of(v, *d, on)).collect();
            *counts.entry((v.reason, keys)).or_default() += 1;
        }
    })?;
    Ok(counts
        .into_iter()
        .map(|((reason, keys), count)| {
            let name = Reason::from_code(reason).map_or("?", Reason::japanese);
            let mut all = vec![name.to_string()];
            all.extend(keys);
            StatsRow { keys: all, count }
        })
        .collect())
}

/// What a household count keeps of an active resident.
struct Member {
    household: u64,
    head: bool,
    town: String,
}

fn is_active(rec: &StoredRecord) -> bool {
    rec.status == Status::Active.code()
}

fn is_foreign(rec: &StoredRecord) -> bool {
    let tag = Item::Nationality.tag();
    rec.items.iter().any(|i| i.tag == tag)
}

fn town(rec: &StoredRecord, on: Date) -> String {
    key_of(rec, StatDim::Town, on)
}

/// One household as counted: its 町字 (its 世帯主's, else its first member's) and members.
#[derive(Default)]
struct HouseholdAcc {
    town: Option<String>,
    head_town: bool,
    members: u32,
    japanese: bool,
    foreign: bool,
}

impl HouseholdAcc {
    fn add(&mut self, m: Member, foreign: bool) {
        self.members += 1;
        if foreign {
            self.foreign = true;
        } else {
            self.japanese = true;
        }
        if self.town.is_none() || (m.head && !self.head_town) {
            self.town = Some(m.town);
            self.head_town = m.head;
        }
    }
}

/// `STATS BY household [, town] [AS OF]`: households and their persons by the number of
/// active members on `on`, with a total row (per 町字 and for the register when by town).
pub(crate) fn by_household(t: &impl View, by_town: bool, on: Date) -> Result<Vec<HouseholdRow>> {
    let date = on.to_yyyymmdd();
    let mut households: HashMap<u64, HouseholdAcc> = HashMap::new();
    each_resident(t, |versions| {
        if let Some(rec) = as_of(versions, date).filter(|r| is_active(r)) {
            let member = Member {
                household: rec.household,
                head: rec.relationship == "世帯主",
                town: if by_town {
                    town(&rec, on)
                } else {
                    String::new()
                },
            };
            households
                .entry(member.household)
                .or_default()
                .add(member, is_foreign(&rec));
        }
    })?;
    // (town, size) → (households, persons); the town is "" when not counted by town.
    let mut counts: BTreeMap<(String, u32), (u64, u64)> = BTreeMap::new();
    for h in households.into_values() {
        let c = counts
            .entry((h.town.unwrap_or_default(), h.members))
            .or_default();
        c.0 += 1;
        c.1 += u64::from(h.members);
    }
    Ok(household_rows(counts, by_town))
}

/// The rows of [`by_household`]: sizes in order, a total after each 町字, the register's last.
fn household_rows(counts: BTreeMap<(String, u32), (u64, u64)>, by_town: bool) -> Vec<HouseholdRow> {
    let mut rows = Vec::new();
    let mut total = (0, 0);
    let mut town_total: Option<(String, u64, u64)> = None;
    let flush = |rows: &mut Vec<HouseholdRow>, t: Option<(String, u64, u64)>| {
        if let Some((town, households, persons)) = t {
            rows.push(HouseholdRow {
                town: Some(town),
                size: None,
                households,
                persons,
            });
        }
    };
    for ((town, size), (households, persons)) in counts {
        if by_town && town_total.as_ref().is_some_and(|(t, _, _)| *t != town) {
            flush(&mut rows, town_total.take());
        }
        if by_town {
            let t = town_total.get_or_insert_with(|| (town.clone(), 0, 0));
            t.1 += households;
            t.2 += persons;
        }
        rows.push(HouseholdRow {
            town: by_town.then_some(town),
            size: Some(size),
            households,
            persons,
        });
        total.0 += households;
        total.1 += persons;
    }
    flush(&mut rows, town_total);
    rows.push(HouseholdRow {
        town: None,
        size: None,
        households: total.0,
        persons: total.1,
    });
    rows
}

/// The 増 or 減 a resident's change of state between two days makes, with its 異動事由.
struct Step {
    increase: bool,
    foreign: bool,
    item: String,
}

/// Whether a 異動事由 makes a resident active (`Some(true)`) or removes them (`Some(false)`).
fn direction(reason: u8) -> Option<bool> {
    let r = Reason::from_code(reason).ok()?;
    match r {
        Reason::MoveIn | Reason::Birth | Reason::EntryExOfficio | Reason::Migration => Some(true),
        Reason::MoveOut | Reason::MoveOutConfirm | Reason::Death | Reason::RemovalExOfficio => {
            Some(false)
        }
        _ => None,
    }
}

/// The name a 増 or 減 on `date` goes under: the latest 異動 of that day that the register
/// holds and that moves the right way (a 転出確定 is the 転出), else the 異動事由 of the
/// state reached.
fn step_item(
    versions: &[StoredRecord],
    counted: &[bool],
    date: u32,
    increase: bool,
    reached: &StoredRecord,
) -> String {
    let reason = versions
        .iter()
        .zip(counted)
        .rev()
        .find(|(v, yes)| **yes && v.valid_from == date && direction(v.reason) == Some(increase))
        .map_or(reached.reason, |(v, _)| v.reason);
    let reason = if reason == Reason::MoveOutConfirm.code() {
        Reason::MoveOut.code()
    } else {
        reason
    };
    Reason::from_code(reason)
        .map_or("?", Reason::japanese)
        .to_string()
}

/// The 増 and 減 of one resident over the days `[from, to]`, and whether they were in the
/// population the day before (and as 外国人).
fn steps(versions: &[StoredRecord], period: Period) -> (Option<bool>, Vec<Step>) {
    let (from, to) = (period.from.to_yyyymmdd(), period.to.to_yyyymmdd());
    let day_before = period.from.add_days(-1).to_yyyymmdd();
    let state = |d: u32| {
        as_of(versions, d)
            .filter(|r| is_active(r))
            .map(|r| is_foreign(&r))
    };
    let start = state(day_before);
    let mut days: Vec<u32> = versions
        .iter()
        .map(|v| v.valid_from)
        .filter(|d| (from..=to).contains(d))
        .collect();
    days.sort_unstable();
    days.dedup();
    let mut out = Vec::new();
    if days.is_empty() {
        return (start, out);
    }
    let counted = counted(versions);
    let mut before = start;
    for day in days {
        let now = state(day);
        if now == before {
            continue;
        }
        let reached = || as_of(versions, day).expect("a version is in force on its own day");
        match (before, now) {
            (None, Some(f)) => out.push(Step {
                increase: true,
                foreign: f,
                item: step_item(versions, &counted, day, true, &reached()),
            }),
            (Some(f), None) => out.push(Step {
                increase: false,
                foreign: f,
                item: step_item(versions, &counted, day, false, &reached()),
            }),
            (Some(old), Some(new)) => {
                // Active on both days, another nationality: 減 of one, 増 of the other.
                for (increase, foreign) in [(false, old), (true, new)] {
                    out.push(Step {
                        increase,
                        foreign,
                        item: OTHER.into(),
                    });
                }
            }
            (None, None) => {}
        }
        before = now;
    }
    (start, out)
}

/// The 増 or 減 of a change of nationality.
pub(crate) const OTHER: &str = "その他";

/// Adds one person of the end population to `pop`.
fn tally(pop: &mut Population, rec: &StoredRecord, foreign: bool) {
    match Sex::from_code(rec.sex) {
        Ok(Sex::Male) => pop.male.add(foreign),
        Ok(Sex::Female) => pop.female.add(foreign),
        _ => {}
    }
    pop.persons.add(foreign);
}

fn add_households(pop: &mut Population, h: &HouseholdAcc) {
    if h.japanese {
        pop.households.japanese += 1;
    }
    if h.foreign {
        pop.households.foreign += 1;
    }
    if h.japanese && h.foreign {
        pop.households.mixed += 1;
    }
}

/// The lines of the 増 or 減: the usual 異動事由 first (zero or not), then the others.
fn movements(usual: &[Reason], counts: BTreeMap<String, Split>) -> Vec<Movement> {
    let mut counts = counts;
    let mut out: Vec<Movement> = usual
        .iter()
        .map(|r| Movement {
            item: r.japanese().to_string(),
            count: counts.remove(r.japanese()).unwrap_or_default(),
        })
        .collect();
    out.extend(
        counts
            .into_iter()
            .map(|(item, count)| Movement { item, count }),
    );
    out
}

/// `REPORT`: one pass over the versions gives each resident's state the day before the
/// period, their 増 and 減 in it, and their state on its last day.
pub(crate) fn report(t: &impl View, period: Period) -> Result<Report> {
    let end = period.to.to_yyyymmdd();
    let mut start = Split::default();
    let mut up: BTreeMap<String, Split> = BTreeMap::new();
    let mut down: BTreeMap<String, Split> = BTreeMap::new();
    let mut towns: BTreeMap<String, Population> = BTreeMap::new();
    let mut total = Population {
        town: "計".into(),
        ..Population::default()
    };
    let mut households: HashMap<u64, HouseholdAcc> = HashMap::new();
    each_resident(t, |versions| {
        // The day before, and the movements of the period.
        let (before, steps) = steps(versions, period);
        if let Some(foreign) = before {
            start.add(foreign);
        }
        for s in steps {
            let side = if s.increase { &mut up } else { &mut down };
            side.entry(s.item).or_default().add(s.foreign);
        }
        // The population on the last day.
        let Some(rec) = as_of(versions, end).filter(|r| is_active(r)) else {
            return;
        };
        let foreign = is_foreign(&rec);
        let name = town(&rec, period.to);
        tally(&mut total, &rec, foreign);
        let pop = towns.entry(name.clone()).or_insert_with(|| Population {
            town: name.clone(),
            ..Population::default()
        });
        tally(pop, &rec, foreign);
        let member = Member {
            household: rec.household,
            head: rec.relationship == "世帯主",
            town: name,
        };
        households
            .entry(member.household)
            .or_default()
            .add(member, foreign);
    })?;
    for h in households.values() {
        add_households(&mut total, h);
        if let Some(pop) = h.town.as_ref().and_then(|t| towns.get_mut(t)) {
            add_households(pop, h);
        }
    }
    Ok(Report {
        period,
        start,
        increases: movements(&[Reason::MoveIn, Reason::Birth, Reason::EntryExOfficio], up),
        decreases: movements(
            &[Reason::MoveOut, Reason::Death, Reason::RemovalExOfficio],
            down,
        ),
        towns: towns.into_values().collect(),
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn months() {
        let p = Period::month("2026-11").unwrap();
        assert_eq!((p.from(), p.to()), (d("2026-11-01"), d("2026-11-30")));
        let p = Period::month("2024年2月").unwrap();
        assert_eq!(p.to(), d("2024-02-29"));
        let p = Period::month("R8.12").unwrap();
        assert_eq!((p.from(), p.to()), (d("2026-12-01"), d("2026-12-31")));
        let e = Period::month("2026").unwrap_err();
        assert!(e.to_string().contains("not a month"), "{e}");
        assert!(Period::month("2026-13").is_err());
    }

    #[test]
    fn periods_run_forward() {
        let e = Period::new(d("2026-12-01"), d("2026-11-01")).unwrap_err();
        assert!(
            e.to_string()
                .contains("FROM 2026-12-01 is after TO 2026-11-01"),
            "{e}"
        );
        assert!(Period::new(d("2026-11-01"), d("2026-11-01")).is_ok());
    }

    #[test]
    fn mixed_households_count_once_in_the_total() {
        let h = Households {
            japanese: 5,
            foreign: 2,
            mixed: 1,
        };
        assert_eq!(h.total(), 6);
    }
}
