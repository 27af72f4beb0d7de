//! The engine against an in-memory model of the register.
//!
//! Random sequences of 異動 over a small universe (six resident codes, eight My Numbers, three
//! households, names with shared surnames and a variant kanji, six homes in four 町字 of
//! 芦屋市 with shared prefixes, one place in two writings and one with a 方書, addresses no
//! resident of the city lives at, a few items with two values each, a handful of birth
//! dates, a clock that advances by days, sometimes not at all) are recorded in the engine
//! (`store::Database`, a register of 芦屋市 with its built-in address dictionary) and
//! applied to a model written here from DESIGN.md and docs/domain.md alone: a map of
//! resident → versions plus the resident-code and My Number maps. Every kind of 異動 is
//! generated (`MODELLED`; a 転居 is now and then MOVE HOUSEHOLD). Where an address lies is
//! the model's own table (`ADDRESSES`, `NOT_HOMES`, `ELSEWHERE`), not the engine's placing
//! code: the geography and address-dictionary refusals, the 転居 to the same place written
//! another way, and the parts (町字, 番地-号, 方書) every read shows. About seven changes in
//! ten are built to be valid against the model's state so that sequences get deep (再転入,
//! heads leaving with `new_head`, 世帯主変更 with restated 続柄, backdated corrections, code
//! and number changes, 転出 notified ahead and then re-dated, confirmed or cancelled, 異動取消
//! of a statement's first version with the new head and restated 続柄 it wrote, a household
//! moved whole and moved back by 異動取消, items set and cleared); the rest
//! are broken on purpose (future or out-of-order dates, missing and extra fields, taken
//! identifiers, no-change, two heads, a `seq=` that is not the latest, an ON that is not the
//! cancelled 異動日 …). 移行 is refused by the record path (`INVALID_VALUE`: an import writes
//! it). The model keeps which versions a statement wrote after its first one (companions):
//! a 異動取消 restores them with it, and refuses when one is no longer its resident's latest.
//!
//! What a passing run shows:
//! 1. the engine accepts exactly the changes the model accepts, with the same versions and
//!    更新順番号, and refuses the others with the same error code (and, for ILLEGAL_CHANGE,
//!    the same rule), leaving the content digest untouched;
//! 2. every lookup agrees with the model after every step: `get` (former codes resolve),
//!    `get_by_my_number` (current or former), `history`, `household` now, the change feed
//!    (gapless, in recorded order); and at intermediate points and at the end also `get_as_of`
//!    on every interesting date (before the first version, on and around every 異動日, after),
//!    `household` as of those dates, and 4情報 `find` with and without `AS OF` — including
//!    the as-of fold of backdated corrections (items and address parts included);
//! 3. closing and reopening the file changes neither the digest nor any answer.
//!
//! The cases default to 48; `PROPTEST_CASES` overrides (CI runs 512). A run counts the changes
//! of each kind accepted and refused and fails when a kind falls below its minimum; a failing
//! case's seed is kept in `proptest-regressions/store/testing/model_test.txt` and replayed
//! first by every later run.

use crate::model::{
    Address, Date, HouseholdId, Item, ItemChanges, ItemGroup, Kana, MyNumber, Name, PartialDate,
    PostalCode, Reason, Relationship, ResidentCode, Restatement, Sex, Status,
};
use crate::store::{Change, Database, Resident, StoreError};
use crate::store::{Clock, Fields, Rule, SearchQuery};
#[cfg(test)]
use proptest::prelude::*;
#[cfg(test)]
use proptest::strategy::ValueTree;
#[cfg(test)]
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------------------------
// The universe
// ---------------------------------------------------------------------------------------------

const CODES: u64 = 6;
const NUMBERS: u64 = 8;
const HOUSEHOLDS: [u64; 3] = [101, 102, 103];
/// Written names: two share the surname 山田; 髙田 is searched as 高田.
const NAMES: [&str; 3] = ["山田 太郎", "山田 花子", "髙田 太郎"];
const KANAS: [&str; 3] = ["ヤマダ タロウ", "ヤマダ ハナコ", "タカダ タロウ"];
/// A place in 芦屋市 a resident may live at: the address as written, its search key
/// (prefecture dropped, 番/号 as digits, spaces out) and the parts the address dictionary
/// places it into (町字, 番地-号 as a 住民票 shows them, 方書). Two writings of one place
/// share their parts (and here their key).
struct Home {
    written: &'static str,
    key: &'static str,
    town: &'static str,
    block: &'static str,
    katagaki: Option<&'static str>,
}

const fn home(
    written: &'static str,
    key: &'static str,
    town: &'static str,
    block: &'static str,
    katagaki: Option<&'static str>,
) -> Home {
    Home {
        written,
        key,
        town,
        block,
        katagaki,
    }
}

/// The places of the universe, in several 町字 and both writings of the numbers; the
/// fourth is the first written another way, the fifth has a 方書.
const ADDRESSES: [Home; 6] = [
    home(
        "兵庫県芦屋市精道町7番6号",
        "芦屋市精道町7-6",
        "精道町",
        "7-6",
        None,
    ),
    home(
        "芦屋市精道町7番12号",
        "芦屋市精道町7-12",
        "精道町",
        "7-12",
        None,
    ),
    home(
        "芦屋市打出小槌町1番1号",
        "芦屋市打出小槌町1-1",
        "打出小槌町",
        "1-1",
        None,
    ),
    home("芦屋市精道町7-6", "芦屋市精道町7-6", "精道町", "7-6", None),
    home(
        "芦屋市大原町5-3 コーポ大原201",
        "芦屋市大原町5-3コーポ大原201",
        "大原町",
        "5-3",
        Some("コーポ大原201"),
    ),
    home("芦屋市春日町12番", "芦屋市春日町12", "春日町", "12", None),
];
/// Addresses no resident of 芦屋市 lives at, and the rule a home there breaks: another
/// city (geography), a 町字 the dictionary does not hold or no 番地 (address-dictionary).
const NOT_HOMES: [(&str, Rule); 4] = [
    ("大阪府大阪市北区梅田1-1", Rule::Geography),
    ("東京都港区芝公園4-2-8", Rule::Geography),
    ("芦屋市虹ケ丘町3-3", Rule::AddressDictionary),
    ("兵庫県芦屋市精道町", Rule::AddressDictionary),
];
/// Places outside the city: 転入前住所 and 転出先.
const ELSEWHERE: [&str; 3] = [
    "大阪府大阪市北区梅田1丁目1番",
    "東京都千代田区千代田1番1号",
    "東京都港区芝公園4-2-8",
];
const POSTALS: [u32; 2] = [6598501, 6590066];
const HEAD: &str = "世帯主";
const MEMBERS: [&str; 3] = ["妻", "子", "同居人"];

fn code(i: u64) -> ResidentCode {
    ResidentCode::from_serial(4_210_000 + i)
}

fn number(i: u64) -> MyNumber {
    MyNumber::from_serial(77_000_100 + i)
}

fn ymd(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd(y, m, d).unwrap()
}

fn start() -> Date {
    ymd(2020, 1, 1)
}

/// A date the engine must have written whole (from a 異動日).
fn whole(d: PartialDate) -> Date {
    d.exact().expect("a date written from a 異動日 is whole")
}

/// Birth dates: long before the clock starts, two that it only reaches later, and three
/// known only in part (a month that holds the second, a year that holds the first, 不詳).
fn births() -> [PartialDate; 8] {
    [
        ymd(1950, 3, 1).into(),
        ymd(1980, 4, 1).into(),
        ymd(2000, 2, 29).into(),
        ymd(2020, 1, 20).into(),
        ymd(2020, 6, 15).into(),
        PartialDate::parse("1980-04").unwrap(),
        PartialDate::parse("1950").unwrap(),
        PartialDate::Unknown,
    ]
}

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

/// The fields of one version of a resident, as the model keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rec {
    code: u64,
    my_number: u64,
    name: String,
    kana: String,
    sex: u8,
    birth: PartialDate,
    address: String,
    postal: u32,
    household: u64,
    relationship: String,
    active: bool,
    removed_on: Option<Date>,
    previous_address: Option<String>,
    destination: Option<String>,
    resident_since: Date,
    address_since: Date,
    /// The items beyond the core fields the record holds (canonical text).
    items: BTreeMap<Item, String>,
    /// The address in parts, as GET shows them: 町字, 番地-号, 方書.
    parts: Option<Parts>,
}

/// An address in parts as the model compares them: 町字, 丁目・番地・号 as a 住民票 shows
/// them, 方書.
type Parts = (String, String, Option<String>);

/// The parts of a home of the universe.
fn parts_of(written: &str) -> Parts {
    let h = home_of(written);
    (
        h.town.to_string(),
        h.block.to_string(),
        h.katagaki.map(str::to_string),
    )
}

fn home_of(written: &str) -> &'static Home {
    ADDRESSES
        .iter()
        .find(|h| h.written == written)
        .unwrap_or_else(|| panic!("address {written} is not a home of the universe"))
}

/// Whether two written addresses are one place (the same 町字, numbers and 方書).
fn same_place(a: &str, b: &str) -> bool {
    let place = |w: &str| {
        ADDRESSES
            .iter()
            .find(|h| h.written == w)
            .map(|h| (h.town, h.block, h.katagaki))
    };
    place(a).is_some() && place(a) == place(b)
}

/// One version: the fields and its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ver {
    rec: Rec,
    version: u32,
    seq: u64,
    reason: Reason,
    valid_from: Date,
    reported: Date,
    changed: Vec<&'static str>,
}

/// Field names as the engine reports them in a version's changed set, in display order
/// (the last seven are the groups of items; a first version reports every field).
const ALL_FIELDS: [&str; 22] = [
    "resident_code",
    "my_number",
    "name",
    "name_kana",
    "sex",
    "birth_date",
    "address",
    "postal_code",
    "household_id",
    "relationship",
    "status",
    "previous_address",
    "destination",
    "resident_since",
    "address_since",
    "registered_domicile",
    "former_surname",
    "common_name",
    "foreign_resident",
    "insurance",
    "pension",
    "child_allowance",
];

/// The fields that differ between two versions.
fn diff(a: &Rec, b: &Rec) -> Vec<&'static str> {
    let differs = [
        a.code != b.code,
        a.my_number != b.my_number,
        a.name != b.name,
        a.kana != b.kana,
        a.sex != b.sex,
        a.birth != b.birth,
        a.address != b.address,
        a.postal != b.postal,
        a.household != b.household,
        a.relationship != b.relationship,
        a.active != b.active || a.removed_on != b.removed_on,
        a.previous_address != b.previous_address,
        a.destination != b.destination,
        a.resident_since != b.resident_since,
        a.address_since != b.address_since,
    ];
    let groups = ItemGroup::ALL.map(|g| group_items(&a.items, g) != group_items(&b.items, g));
    ALL_FIELDS
        .iter()
        .zip(differs.into_iter().chain(groups))
        .filter(|(_, d)| *d)
        .map(|(f, _)| *f)
        .collect()
}

/// The items of group `g` a record holds.
fn group_items(items: &BTreeMap<Item, String>, g: ItemGroup) -> BTreeMap<Item, String> {
    items
        .iter()
        .filter(|(i, _)| i.group() == g)
        .map(|(i, v)| (*i, v.clone()))
        .collect()
}

/// Lays the named fields of a later version over an earlier one.
fn overlay(base: &mut Rec, later: &Rec, fields: &[&str]) {
    for f in fields {
        match *f {
            "resident_code" => base.code = later.code,
            "my_number" => base.my_number = later.my_number,
            "name" => base.name.clone_from(&later.name),
            "name_kana" => base.kana.clone_from(&later.kana),
            "sex" => base.sex = later.sex,
            "birth_date" => base.birth = later.birth,
            "address" => {
                base.address.clone_from(&later.address);
                base.parts.clone_from(&later.parts);
            }
            "postal_code" => base.postal = later.postal,
            "household_id" => base.household = later.household,
            "relationship" => base.relationship.clone_from(&later.relationship),
            "status" => {
                base.active = later.active;
                base.removed_on = later.removed_on;
            }
            "previous_address" => base.previous_address.clone_from(&later.previous_address),
            "destination" => base.destination.clone_from(&later.destination),
            "resident_since" => base.resident_since = later.resident_since,
            "address_since" => base.address_since = later.address_since,
            other => {
                let g = ItemGroup::ALL
                    .into_iter()
                    .find(|g| g.name() == other)
                    .unwrap_or_else(|| panic!("unknown field {other}"));
                base.items.retain(|i, _| i.group() != g);
                base.items.extend(group_items(&later.items, g));
            }
        }
    }
}

/// The version in force on `d` (DESIGN.md, "Versioning model"): the newest version V such
/// that every version up to V took effect on or before `d`, with the changed fields of every
/// later version that took effect by `d` (backdated corrections) laid over it in recorded
/// order. The answer carries the bookkeeping of the last version laid over.
fn as_of(versions: &[Ver], d: Date) -> Option<Ver> {
    let bounds = prefix_bounds(versions);
    // The newest version whose bound is on or before `d` is the base; later versions that
    // took effect by `d` are laid over it.
    let k = (0..versions.len()).rev().find(|&i| bounds[i] <= d)?;
    let mut out = versions[k].clone();
    for later in &versions[k + 1..] {
        if later.valid_from <= d {
            overlay(&mut out.rec, &later.rec, &later.changed);
            out.version = later.version;
            out.seq = later.seq;
            out.reason = later.reason;
            out.valid_from = later.valid_from;
            out.reported = later.reported;
            out.changed.clone_from(&later.changed);
        }
    }
    Some(out)
}

/// HISTORY's rows: each version as it stood on its own 異動日 when it was recorded, the
/// as-of answer over the versions up to it (a backdated 職権修正 shows the state it
/// recorded for its date); a version no backdated one reaches past is shown as stored.
fn as_recorded(versions: &[Ver]) -> Vec<Ver> {
    let bounds = prefix_bounds(versions);
    versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if bounds[i] == v.valid_from {
                v.clone()
            } else {
                as_of(&versions[..=i], v.valid_from).unwrap_or_else(|| v.clone())
            }
        })
        .collect()
}

/// Whether version `i` is a 転出確定 that replaced the 転出 before it and took effect
/// earlier: cancelling it restores the state before that 転出, then the 転出.
fn confirmed_early(versions: &[Ver], i: usize) -> bool {
    let v = &versions[i];
    v.reason == Reason::MoveOutConfirm
        && i.checked_sub(1).is_some_and(|j| {
            versions[j].reason == Reason::MoveOut && v.valid_from < versions[j].valid_from
        })
}

/// Each version's bound (DESIGN.md, "Cancelling a 異動"): the latest 異動日 of the state it
/// stands on. A 転出取消 stands on the state before the 転出 it cancels; a 転出 that follows
/// a 転出 replaces it and stands on the state before that one; a cancelled 転出確定 dated
/// before its 転出 leaves the state before that 転出.
fn prefix_bounds(versions: &[Ver]) -> Vec<Date> {
    let mut out: Vec<Date> = Vec::with_capacity(versions.len());
    for (i, v) in versions.iter().enumerate() {
        let two_back = i.checked_sub(2).map(|j| out[j]);
        let three_back = i.checked_sub(3).map(|j| out[j]);
        let prev = i.checked_sub(1).map(|j| (out[j], versions[j].reason));
        let bound = match (v.reason, prev) {
            (Reason::MoveOutCancel | Reason::Cancellation, Some(_))
                if confirmed_early(versions, i - 1) =>
            {
                three_back.unwrap_or(v.valid_from)
            }
            (Reason::MoveOutCancel | Reason::Cancellation, Some(_)) => {
                two_back.unwrap_or(v.valid_from)
            }
            (Reason::MoveOut | Reason::MoveOutConfirm, Some((_, Reason::MoveOut))) => {
                two_back.map_or(v.valid_from, |b| b.max(v.valid_from))
            }
            (_, Some((b, _))) => b.max(v.valid_from),
            (_, None) => v.valid_from,
        };
        out.push(bound);
    }
    out
}

/// An expected refusal: the error code and, for ILLEGAL_CHANGE, the rule.
type Refusal = (&'static str, Option<Rule>);

fn illegal(rule: Rule) -> Refusal {
    ("ILLEGAL_CHANGE", Some(rule))
}

const NOT_FOUND: Refusal = ("NOT_FOUND", None);
const CONFLICT: Refusal = ("CONFLICT", None);
const INVALID: Refusal = ("INVALID_VALUE", None);

fn refusal_of(e: &StoreError) -> Refusal {
    (e.code().as_str(), e.rule())
}

/// A version written by a change: (code, version, seq, reason).
type Wrote = (u64, u32, u64, Reason);

#[derive(Debug, Default, Clone)]
struct Model {
    /// Every resident (by a model-internal number) and their versions, oldest first.
    people: BTreeMap<usize, Vec<Ver>>,
    /// Resident code → (resident, current).
    codes: BTreeMap<u64, (usize, bool)>,
    /// My Number → (resident, current).
    numbers: BTreeMap<u64, (usize, bool)>,
    /// The change feed: (resident, version index) in recorded order.
    feed: Vec<(usize, usize)>,
    /// The 更新順番号 of the versions a statement wrote after its first one (a new 世帯主,
    /// restated 続柄, the others a cancellation restores, a 転出 written after the 転出取消
    /// of the one it replaces): cancelled only with the statement's first version.
    companions: BTreeSet<u64>,
}

/// Where the addresses a change carries lie (DESIGN.md, "The register's place in the
/// file, and the geography rule"), decided from the universe's own tables: a home is one of
/// `ADDRESSES`, and `NOT_HOMES` says which rule refuses the others; a 転入's `from=` and a
/// 転出's or 転出確定's `to=` are not a home of the city (geography) and not a place the
/// dictionary cannot read (address-dictionary); a 転居 to the place already recorded,
/// written another way, changes nothing.
fn geography(ch: &Change, before: Option<&Rec>) -> Result<(), Refusal> {
    let f = &ch.fields;
    if let Some(a) = &f.address {
        let w = a.written();
        if let Some((_, rule)) = NOT_HOMES.iter().find(|(n, _)| *n == w) {
            return Err(illegal(*rule));
        }
        home_of(w);
        if ch.reason == Reason::Move && before.is_some_and(|b| same_place(&b.address, w)) {
            return Err(illegal(Rule::NoChange));
        }
    }
    let away = match ch.reason {
        Reason::MoveIn => f.previous_address.as_ref(),
        Reason::MoveOut | Reason::MoveOutConfirm => f.destination.as_ref(),
        _ => None,
    };
    if let Some(a) = away {
        let w = a.written();
        if ADDRESSES.iter().any(|h| h.written == w) {
            return Err(illegal(Rule::Geography));
        }
        let unreadable = NOT_HOMES
            .iter()
            .any(|(n, r)| *n == w && *r == Rule::AddressDictionary);
        if unreadable {
            return Err(illegal(Rule::AddressDictionary));
        }
        assert!(
            ELSEWHERE.contains(&w) || NOT_HOMES.iter().any(|(n, _)| *n == w),
            "address {w} is not in the universe"
        );
    }
    Ok(())
}

/// Which fields each reason must and may carry (DESIGN.md, "異動: checks and effects").
fn shape(reason: Reason) -> (&'static [&'static str], &'static [&'static str]) {
    const PERSON: &[&str] = &[
        "my_number",
        "name",
        "kana",
        "sex",
        "birth",
        "address",
        "postal",
        "household",
        "relationship",
    ];
    const BORN: &[&str] = &[
        "my_number",
        "name",
        "kana",
        "sex",
        "address",
        "postal",
        "household",
        "relationship",
    ];
    const ANY_BUT_CODE: &[&str] = &[
        "my_number",
        "name",
        "kana",
        "sex",
        "birth",
        "address",
        "postal",
        "household",
        "relationship",
        "from",
        "to",
        "new_head",
        "relationships",
        "items",
    ];
    match reason {
        Reason::MoveIn | Reason::EntryExOfficio | Reason::Migration => (PERSON, &["from", "items"]),
        Reason::Birth => (BORN, &["birth", "items"]),
        Reason::Move => (
            &["address"],
            &[
                "postal",
                "household",
                "relationship",
                "new_head",
                "relationships",
            ],
        ),
        Reason::MoveOut => (&["to"], &["new_head", "relationships"]),
        Reason::Death | Reason::RemovalExOfficio => (&[], &["new_head", "relationships"]),
        Reason::Rename => (&[], &["name", "kana"]),
        Reason::HouseholdChange => (
            &[],
            &["household", "relationship", "new_head", "relationships"],
        ),
        Reason::Correction => (&[], ANY_BUT_CODE),
        Reason::CodeChange => (&["new"], &[]),
        Reason::MyNumberChange => (&["my_number"], &[]),
        Reason::MoveOutCancel => (&[], &[]),
        Reason::MoveOutConfirm => (&["to"], &[]),
        Reason::Cancellation => (&["seq"], &[]),
        Reason::HeadChange => (&["new_head"], &["relationships"]),
        Reason::ItemChange => (&["items"], &[]),
    }
}

fn present(f: &Fields) -> BTreeSet<&'static str> {
    let slots = [
        ("my_number", f.my_number.is_some()),
        ("name", f.name.is_some()),
        ("kana", f.kana.is_some()),
        ("sex", f.sex.is_some()),
        ("birth", f.birth.is_some()),
        ("address", f.address.is_some()),
        ("postal", f.postal.is_some()),
        ("household", f.household.is_some()),
        ("relationship", f.relationship.is_some()),
        ("from", f.previous_address.is_some()),
        ("to", f.destination.is_some()),
        ("new", f.new_code.is_some()),
        ("new_head", f.new_head.is_some()),
        ("relationships", f.relationships.is_some()),
        ("seq", f.seq.is_some()),
        ("items", !f.items.is_empty()),
    ];
    slots
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(n, _)| n)
        .collect()
}

fn check_shape(ch: &Change) -> Result<(), Refusal> {
    // MOVE HOUSEHOLD is a 転居 that names the household; it takes the address and the
    // postal code only.
    let whole = ch.fields.whole_household.is_some();
    if whole && ch.reason != Reason::Move {
        return Err(illegal(Rule::FieldNotAllowed));
    }
    let (need, may) = if whole {
        (&["address"][..], &["postal"][..])
    } else {
        shape(ch.reason)
    };
    let has = present(&ch.fields);
    if need.iter().any(|n| !has.contains(n)) {
        return Err(illegal(Rule::MissingField));
    }
    if has.iter().any(|h| !need.contains(h) && !may.contains(h)) {
        return Err(illegal(
            if ch.reason == Reason::HouseholdChange && has.contains("address") {
                Rule::HouseholdChangeMovesAddress
            } else {
                Rule::FieldNotAllowed
            },
        ));
    }
    let f = &ch.fields;
    match ch.reason {
        _ if whole => Ok(()),
        Reason::Rename if f.name.is_none() && f.kana.is_none() => Err(illegal(Rule::MissingField)),
        Reason::HouseholdChange if f.household.is_none() && f.relationship.is_none() => {
            Err(illegal(Rule::MissingField))
        }
        // Into another household needs the 続柄 there.
        Reason::Move | Reason::HouseholdChange
            if f.household.is_some() && f.relationship.is_none() =>
        {
            Err(illegal(Rule::MissingField))
        }
        Reason::Birth if f.birth.is_some_and(|b| b != PartialDate::Exact(ch.date)) => {
            Err(illegal(Rule::FieldNotAllowed))
        }
        _ => Ok(()),
    }
}

fn is_head(r: &Rec) -> bool {
    r.active && r.relationship == HEAD
}

impl Model {
    fn versions(&self, p: usize) -> &[Ver] {
        &self.people[&p]
    }

    fn latest(&self, p: usize) -> &Ver {
        self.people[&p].last().expect("a resident has versions")
    }

    /// The latest 異動日 of the state the resident's latest version stands on.
    fn max_valid(&self, p: usize) -> Date {
        *prefix_bounds(&self.people[&p])
            .last()
            .expect("a resident has versions")
    }

    /// Whether the resident's latest version is a 転出 not yet in effect on `today`.
    fn pending(&self, p: usize, today: Date) -> bool {
        let v = self.latest(p);
        v.reason == Reason::MoveOut && v.valid_from > today
    }

    /// The reason of the version that removed the resident (none while active), looking
    /// through cancellations: a cancelling version stands for the version before the one it
    /// cancels, and a cancelled first version leaves the record removed by the 異動取消.
    fn removed_by(&self, p: usize) -> Option<Reason> {
        let vs = &self.people[&p];
        let mut i = vs.len() - 1;
        loop {
            let v = &vs[i];
            if matches!(v.reason, Reason::Cancellation | Reason::MoveOutCancel) {
                let back = if i > 0 && confirmed_early(vs, i - 1) {
                    3
                } else {
                    2
                };
                if i < back {
                    return (!v.rec.active).then_some(Reason::Cancellation);
                }
                i -= back;
                continue;
            }
            if v.rec.active {
                return None;
            }
            if i == 0 || v.changed.contains(&"status") {
                return Some(v.reason);
            }
            i -= 1;
        }
    }

    /// The versions the statement that wrote `p`'s latest version wrote for others: the
    /// companions whose 更新順番号 follow it, each with whether it is still its resident's
    /// latest version.
    fn statement_group(&self, p: usize) -> Vec<(usize, bool)> {
        let mut out = Vec::new();
        let mut seq = self.latest(p).seq + 1;
        while self.companions.contains(&seq) {
            let (q, i) = self.feed[seq as usize - 1];
            if q == p {
                break;
            }
            out.push((q, i + 1 == self.people[&q].len()));
            seq += 1;
        }
        out
    }

    fn current_code(&self, p: usize) -> ResidentCode {
        ResidentCode::from_u64(self.latest(p).rec.code).unwrap()
    }

    /// The residents whose latest version is active in household `h`.
    fn members_now(&self, h: u64) -> Vec<usize> {
        self.people
            .keys()
            .copied()
            .filter(|p| {
                let r = &self.latest(*p).rec;
                r.active && r.household == h
            })
            .collect()
    }

    fn has_head(&self, h: u64, except: Option<usize>) -> bool {
        self.members_now(h)
            .into_iter()
            .any(|p| Some(p) != except && is_head(&self.latest(p).rec))
    }

    /// Applies a change as the rules say; on success returns the versions written.
    fn apply(&mut self, ch: &Change, today: Date) -> Result<Vec<Wrote>, Refusal> {
        // 移行 is written by an import only: a change recorded one by one is refused before
        // anything else is looked at.
        if ch.reason == Reason::Migration {
            return Err(INVALID);
        }
        check_shape(ch)?;
        let f = &ch.fields;
        let reason = ch.reason;
        let d = ch.date;
        let reported = ch.reported.unwrap_or(today);

        let (person, before) = match self.codes.get(&ch.code.get()) {
            Some(&(p, true)) => (Some(p), Some(self.latest(p).rec.clone())),
            Some(&(_, false)) => return Err(illegal(Rule::FormerCode)),
            None => (None, None),
        };
        let active = before.as_ref().is_some_and(|b| b.active);
        let creates = matches!(
            reason,
            Reason::MoveIn | Reason::EntryExOfficio | Reason::Birth
        );
        // A 転出 notified ahead: until its day only a new 転出 date or destination, its
        // 確定 or a cancellation follows.
        if let Some(p) = person.filter(|p| self.pending(*p, today)) {
            return match reason {
                Reason::MoveOut | Reason::MoveOutConfirm => {
                    geography(ch, before.as_ref())?;
                    self.redate(p, ch, today)
                }
                Reason::MoveOutCancel | Reason::Cancellation => self.cancel(p, ch, today),
                _ => Err(illegal(Rule::MoveOutPending)),
            };
        }
        if matches!(reason, Reason::MoveIn | Reason::EntryExOfficio)
            && !active
            && person.is_some_and(|p| self.removed_by(p) == Some(Reason::Death))
        {
            return Err(illegal(Rule::DeathIsFinal));
        }
        match reason {
            Reason::MoveIn | Reason::EntryExOfficio if active => {
                return Err(illegal(Rule::AlreadyActive))
            }
            // A birth needs an unknown code: an existing one is a taken identifier.
            Reason::Birth if before.is_some() => return Err(CONFLICT),
            _ if creates => {}
            _ if before.is_none() => return Err(NOT_FOUND),
            Reason::Correction | Reason::CodeChange | Reason::MyNumberChange => {}
            // Any record: whether there is something to undo or confirm is their own rule.
            Reason::MoveOutCancel | Reason::Cancellation | Reason::MoveOutConfirm => {}
            _ if !active => return Err(illegal(Rule::NotActive)),
            _ => {}
        }
        // Where the addresses lie, right after the precondition.
        geography(ch, before.as_ref())?;
        match reason {
            Reason::MoveOutCancel | Reason::Cancellation => {
                return self.cancel(person.unwrap(), ch, today)
            }
            Reason::MoveOutConfirm => return self.redate(person.unwrap(), ch, today),
            _ => {}
        }
        // MOVE HOUSEHOLD: the household's members, checked before anything is written.
        let movers = match (f.whole_household, person, &before) {
            (Some(h), Some(p), Some(head)) => {
                Some(self.plan_household_move(p, head, h.get(), d, today)?)
            }
            _ => None,
        };

        // The new version.
        let mut after = before.clone().unwrap_or_else(|| Rec {
            code: ch.code.get(),
            my_number: 0,
            name: String::new(),
            kana: String::new(),
            sex: 0,
            birth: d.into(),
            address: String::new(),
            postal: 0,
            household: 0,
            relationship: String::new(),
            active: true,
            removed_on: None,
            previous_address: None,
            destination: None,
            resident_since: d,
            address_since: d,
            items: BTreeMap::new(),
            parts: None,
        });
        if let Some(n) = f.my_number {
            after.my_number = n.get();
        }
        if let Some(n) = &f.name {
            after.name = n.as_str().to_string();
        }
        if let Some(k) = &f.kana {
            after.kana = k.as_str().to_string();
        }
        if let Some(s) = f.sex {
            after.sex = s.code();
        }
        if let Some(b) = f.birth {
            after.birth = b;
        }
        if let Some(a) = &f.address {
            if reason == Reason::Move {
                // 転居: 前住所 is the old address, 住所を定めた日 the 異動日.
                after.previous_address = Some(after.address.clone());
                after.address_since = d;
            }
            after.address = a.written().to_string();
            after.parts = Some(parts_of(a.written()));
        }
        if let Some(p) = f.postal {
            after.postal = p.get();
        }
        if let Some(h) = f.household {
            after.household = h.get();
        }
        if let Some(r) = &f.relationship {
            after.relationship = r.as_str().to_string();
        }
        if let Some(a) = &f.previous_address {
            after.previous_address = Some(a.written().to_string());
        }
        if let Some(a) = &f.destination {
            after.destination = Some(a.written().to_string());
        }
        if let Some(c) = f.new_code {
            after.code = c.get();
        }
        for (item, value) in f.items.iter() {
            match value {
                Some(v) => after.items.insert(item, v.to_string()),
                None => after.items.remove(&item),
            };
        }
        match reason {
            Reason::MoveIn | Reason::EntryExOfficio | Reason::Birth => {
                after.active = true;
                after.removed_on = None;
                after.destination = None;
                after.resident_since = d;
                after.address_since = d;
                if reason == Reason::Birth {
                    after.birth = d.into();
                    after.previous_address = None;
                } else if f.previous_address.is_none() {
                    after.previous_address = None;
                }
            }
            Reason::MoveOut | Reason::Death | Reason::RemovalExOfficio => {
                after.active = false;
                after.removed_on = Some(d);
            }
            _ => {}
        }
        // 世帯主変更: addressed to the head who steps down, whose own 続柄 is restated too.
        if reason == Reason::HeadChange {
            if !before.as_ref().is_some_and(is_head) {
                return Err(illegal(Rule::NewHead));
            }
            let own = f.relationships.as_ref().and_then(|r| r.of(ch.code));
            match own {
                Some(r) => after.relationship = r.as_str().to_string(),
                None => return Err(illegal(Rule::Restatement)),
            }
        }

        // Dates.
        if reported > today {
            return Err(illegal(Rule::ReportedInFuture));
        }
        if after.birth.surely_after(today) {
            return Err(illegal(Rule::InFuture));
        }
        if after.birth.surely_after(d) {
            return Err(illegal(Rule::BeforeBirth));
        }
        if reason == Reason::MoveOut {
            if d > reported.add_days(14) {
                return Err(illegal(Rule::AfterReported));
            }
        } else {
            if d > today {
                return Err(illegal(Rule::InFuture));
            }
            if d > reported {
                return Err(illegal(Rule::AfterReported));
            }
        }
        if let Some(p) = person {
            if reason != Reason::Correction && d < self.max_valid(p) {
                return Err(illegal(Rule::OutOfOrder));
            }
        }

        // Identifiers are unique among all records, current and former.
        if before
            .as_ref()
            .is_none_or(|b| b.my_number != after.my_number)
        {
            if let Some(&(holder, _)) = self.numbers.get(&after.my_number) {
                if Some(holder) != person {
                    return Err(CONFLICT);
                }
            }
        }
        if before.as_ref().is_some_and(|b| b.code != after.code)
            && self.codes.contains_key(&after.code)
        {
            return Err(CONFLICT);
        }

        // A backdated correction counts what it names as changed, even where the value
        // equals the latest version's: the as-of fold lays those fields over the past.
        let backdated =
            reason == Reason::Correction && person.is_some_and(|p| d < self.max_valid(p));
        let changed = match &before {
            Some(b) if backdated => {
                let differs = diff(b, &after);
                let named = [
                    ("my_number", f.my_number.is_some()),
                    ("name", f.name.is_some()),
                    ("name_kana", f.kana.is_some()),
                    ("sex", f.sex.is_some()),
                    ("birth_date", f.birth.is_some()),
                    ("address", f.address.is_some()),
                    ("postal_code", f.postal.is_some()),
                    ("household_id", f.household.is_some()),
                    ("relationship", f.relationship.is_some()),
                    ("previous_address", f.previous_address.is_some()),
                    ("destination", f.destination.is_some()),
                ];
                // The groups of the items it sets or clears.
                let groups: Vec<&str> = f.items.groups().into_iter().map(|g| g.name()).collect();
                ALL_FIELDS
                    .iter()
                    .filter(|n| {
                        differs.contains(n)
                            || named.iter().any(|(m, set)| *set && m == *n)
                            || groups.contains(n)
                    })
                    .copied()
                    .collect()
            }
            Some(b) => diff(b, &after),
            None => ALL_FIELDS.to_vec(),
        };
        if changed.is_empty() {
            return Err(illegal(Rule::NoChange));
        }

        // The one-head rule, on the households as they stand after the change.
        let was_head = before.as_ref().is_some_and(is_head);
        let stays_head = is_head(&after)
            && before
                .as_ref()
                .is_some_and(|b| b.household == after.household);
        let mut successor = None;
        if was_head && !stays_head {
            let old = before.as_ref().unwrap().household;
            let remaining: Vec<usize> = self
                .members_now(old)
                .into_iter()
                .filter(|m| Some(*m) != person)
                .collect();
            match (remaining.is_empty(), f.new_head) {
                (true, None) => {}
                (true, Some(_)) => return Err(illegal(Rule::NewHead)),
                (false, None) => return Err(illegal(Rule::HouseholdWithoutHead)),
                (false, Some(c)) => {
                    match remaining
                        .into_iter()
                        .find(|m| self.latest(*m).rec.code == c.get())
                    {
                        Some(m) => successor = Some(m),
                        None => return Err(illegal(Rule::NewHead)),
                    }
                }
            }
        } else if f.new_head.is_some() {
            return Err(illegal(Rule::NewHead));
        }
        let joins = after.active
            && before
                .as_ref()
                .is_none_or(|b| !b.active || b.household != after.household);
        let head_changed = after.active
            && before
                .as_ref()
                .is_some_and(|b| is_head(b) != is_head(&after));
        if joins || head_changed {
            let heads = self
                .members_now(after.household)
                .into_iter()
                .filter(|m| Some(*m) != person)
                .filter(|m| is_head(&self.latest(*m).rec) || Some(*m) == successor)
                .count();
            if is_head(&after) && heads > 0 {
                return Err(illegal(Rule::HouseholdTwoHeads));
            }
            if !is_head(&after) && heads == 0 {
                return Err(illegal(Rule::HouseholdWithoutHead));
            }
        }
        // The new head's version is an ordinary change of theirs, dated on the 異動日.
        if let Some(s) = successor {
            if d < self.max_valid(s) {
                return Err(illegal(Rule::OutOfOrder));
            }
        }

        // The 続柄 of those who stay, restated against the new head.
        let restated = self.restatement(person, before.as_ref(), &after, successor, f)?;

        // Written on a copy, kept when the households it leaves hold.
        let mut next = self.clone();
        let p = person.unwrap_or(self.people.len());
        let mut touched = vec![after.household];
        touched.extend(before.as_ref().map(|b| b.household));
        touched.sort_unstable();
        touched.dedup();
        let mut wrote = vec![next.write(p, after, reason, d, reported, changed)];
        let mut changed_people = vec![p];
        changed_people.extend(successor);
        changed_people.extend(restated.iter().map(|(m, _)| *m));
        for (m, rel) in successor
            .map(|s| (s, HEAD.to_string()))
            .into_iter()
            .chain(restated)
        {
            let old = next.latest(m).rec.clone();
            let mut rec = old.clone();
            rec.relationship = rel;
            let changed = diff(&old, &rec);
            let w = next.write(m, rec, Reason::HeadChange, d, reported, changed);
            next.companions.insert(w.2);
            wrote.push(w);
        }
        // MOVE HOUSEHOLD: every other member after the 世帯主, to the head's new address.
        for m in movers.unwrap_or_default() {
            let head = next.latest(p).rec.clone();
            let old = next.latest(m).rec.clone();
            let mut rec = old.clone();
            rec.previous_address = Some(old.address.clone());
            rec.address_since = d;
            rec.address.clone_from(&head.address);
            rec.parts.clone_from(&head.parts);
            if f.postal.is_some() {
                rec.postal = head.postal;
            }
            let changed = diff(&old, &rec);
            let w = next.write(m, rec, Reason::Move, d, reported, changed);
            next.companions.insert(w.2);
            wrote.push(w);
            changed_people.push(m);
        }
        next.check_households(&touched, &changed_people)?;
        *self = next;
        Ok(wrote)
    }

    /// MOVE HOUSEHOLD's checks before anything is written (DESIGN.md, "The household
    /// rules"): the subject is household `h`'s 世帯主; no member's 転出 is pending; each
    /// other member's history admits a 転居 on `d`. Returns the other members in the
    /// household's order (birth date, then code).
    fn plan_household_move(
        &self,
        p: usize,
        head: &Rec,
        h: u64,
        d: Date,
        today: Date,
    ) -> Result<Vec<usize>, Refusal> {
        if !is_head(head) || head.household != h {
            return Err(illegal(Rule::HouseholdAddress));
        }
        let pending = self
            .people
            .keys()
            .any(|q| self.pending(*q, today) && self.latest(*q).rec.household == h);
        if pending {
            return Err(illegal(Rule::MoveOutPending));
        }
        let mut members: Vec<usize> = self
            .members_now(h)
            .into_iter()
            .filter(|m| *m != p)
            .collect();
        members.sort_by_key(|m| {
            let r = &self.latest(*m).rec;
            (r.birth, r.code)
        });
        for &m in &members {
            if self.latest(m).rec.birth.surely_after(d) {
                return Err(illegal(Rule::BeforeBirth));
            }
            if d < self.max_valid(m) {
                return Err(illegal(Rule::OutOfOrder));
            }
        }
        Ok(members)
    }

    /// When a new head is named, every other member who stays needs a restated 続柄, and
    /// nobody else may be named (but the subject when they stay: a 世帯主変更 restates the
    /// former head); without one, `relationships=` is refused. Returns the members whose
    /// 続柄 changes.
    fn restatement(
        &self,
        person: Option<usize>,
        before: Option<&Rec>,
        after: &Rec,
        successor: Option<usize>,
        f: &Fields,
    ) -> Result<Vec<(usize, String)>, Refusal> {
        let (Some(old), Some(s)) = (before, successor) else {
            return match f.relationships {
                Some(_) => Err(illegal(Rule::Restatement)),
                None => Ok(Vec::new()),
            };
        };
        let stay: Vec<usize> = self
            .members_now(old.household)
            .into_iter()
            .filter(|m| Some(*m) != person && *m != s)
            .collect();
        let given = f.relationships.clone().unwrap_or_default();
        let of = |m: usize| {
            let c = ResidentCode::from_u64(self.latest(m).rec.code).unwrap();
            given.of(c).map(|r| r.as_str().to_string())
        };
        if stay.iter().any(|m| of(*m).is_none()) {
            return Err(illegal(Rule::Restatement));
        }
        // The subject may be named when they stay (a 世帯主変更 restates the former head).
        let subject_stays = after.active && after.household == old.household;
        let named_ok = |c: u64| {
            stay.iter().any(|m| self.latest(*m).rec.code == c) || (subject_stays && after.code == c)
        };
        if given.pairs().iter().any(|(c, _)| !named_ok(c.get())) {
            return Err(illegal(Rule::Restatement));
        }
        Ok(stay
            .into_iter()
            .filter_map(|m| {
                let rel = of(m)?;
                (rel != self.latest(m).rec.relationship).then_some((m, rel))
            })
            .collect())
    }

    /// The household rules on the state after a change: every member, the head included,
    /// lives at the 世帯主's address (so the head's lone 転居 is refused while others
    /// remain); one 世帯主; one 妻 or 夫 of the head (a 妻 female, a 夫 male).
    fn check_households(&self, touched: &[u64], _changed: &[usize]) -> Result<(), Refusal> {
        for &h in touched {
            let members: Vec<&Rec> = self
                .members_now(h)
                .into_iter()
                .map(|m| &self.latest(m).rec)
                .collect();
            if members.is_empty() {
                continue;
            }
            if let Some(head) = members.iter().find(|r| is_head(r)) {
                let key = address_key_of(&head.address);
                let away = members.iter().any(|r| address_key_of(&r.address) != key);
                if away {
                    return Err(illegal(Rule::HouseholdAddress));
                }
            }
            match members.iter().filter(|r| is_head(r)).count() {
                0 => return Err(illegal(Rule::HouseholdWithoutHead)),
                1 => {}
                _ => return Err(illegal(Rule::HouseholdTwoHeads)),
            }
            let spouses: Vec<&&Rec> = members
                .iter()
                .filter(|r| r.relationship == "妻" || r.relationship == "夫")
                .collect();
            let wrong_sex = spouses
                .iter()
                .any(|r| r.sex != if r.relationship == "妻" { 2 } else { 1 });
            if spouses.len() > 1 || wrong_sex {
                return Err(illegal(Rule::Relationship));
            }
        }
        Ok(())
    }

    /// A 転出 replaced: a new 転出 date or destination while one is pending, or its 転出確定
    /// (the latest version a 転出, in effect or not). One version when the replacement takes
    /// effect no later than the 転出 it replaces, else a 転出取消 restoring the state before
    /// that 転出 and then the new version (written with it, so a companion).
    fn redate(&mut self, p: usize, ch: &Change, today: Date) -> Result<Vec<Wrote>, Refusal> {
        let d = ch.date;
        let reported = ch.reported.unwrap_or(today);
        if reported > today {
            return Err(illegal(Rule::ReportedInFuture));
        }
        if ch.reason == Reason::MoveOut {
            if d > reported.add_days(14) {
                return Err(illegal(Rule::AfterReported));
            }
        } else if d > today {
            return Err(illegal(Rule::InFuture));
        } else if d > reported {
            return Err(illegal(Rule::AfterReported));
        }
        let vs = &self.people[&p];
        let replaced = vs.last().unwrap().clone();
        if replaced.reason != Reason::MoveOut {
            return Err(illegal(Rule::NoMoveOut));
        }
        // A 転出 is never a first version: something entered the resident before.
        let restored = vs[vs.len() - 2].clone();
        let bounds = prefix_bounds(vs);
        if d < bounds[bounds.len() - 2] {
            return Err(illegal(Rule::OutOfOrder));
        }
        // A 転出 that named a new head is cancelled and recorded again, not replaced.
        let group = self.statement_group(p);
        if group.iter().any(|(_, latest)| !latest) {
            return Err(illegal(Rule::Cancel));
        }
        if !group.is_empty() {
            return Err(illegal(Rule::MoveOutPending));
        }
        let destination = ch
            .fields
            .destination
            .as_ref()
            .map(|a| a.written().to_string());
        let new_move_out = ch.reason == Reason::MoveOut;
        if new_move_out && d == replaced.valid_from && destination == replaced.rec.destination {
            return Err(illegal(Rule::NoChange));
        }
        let before_household = replaced.rec.household;
        let mut next = self.clone();
        let mut base = replaced.rec.clone();
        let mut wrote = Vec::new();
        // A new 転出 always cancels the pending one first; a 転出確定 only when later.
        if new_move_out || d > replaced.valid_from {
            let changed = diff(&replaced.rec, &restored.rec);
            let v = next.write(
                p,
                restored.rec.clone(),
                Reason::MoveOutCancel,
                replaced.valid_from,
                reported,
                changed,
            );
            wrote.push(v);
            base = restored.rec;
        }
        let mut rec = base.clone();
        rec.active = false;
        rec.removed_on = Some(d);
        rec.destination = destination;
        let changed = diff(&base, &rec);
        if changed.is_empty() && wrote.is_empty() {
            return Err(illegal(Rule::NoChange));
        }
        let w = next.write(p, rec, ch.reason, d, reported, changed);
        if !wrote.is_empty() {
            next.companions.insert(w.2);
        }
        wrote.push(w);
        let after_household = next.latest(p).rec.household;
        next.check_households(&[before_household, after_household], &[p])?;
        *self = next;
        Ok(wrote)
    }

    /// 異動取消 (`seq=`) and 転出取消: the resident's latest version, and every version the
    /// same statement wrote for others, each restored to the version before it, on its own
    /// 異動日; a cancelled first version leaves the record removed. The household rules hold
    /// after it as after any change.
    fn cancel(&mut self, p: usize, ch: &Change, today: Date) -> Result<Vec<Wrote>, Refusal> {
        let reported = ch.reported.unwrap_or(today);
        if reported > today {
            return Err(illegal(Rule::ReportedInFuture));
        }
        if ch.reason == Reason::MoveOutCancel && !self.pending(p, today) {
            return Err(illegal(Rule::NoMoveOut));
        }
        let latest = self.latest(p).clone();
        if let Some(seq) = ch.fields.seq {
            let bound = self.max_valid(p);
            let backdated = latest.reason == Reason::Correction && latest.valid_from < bound;
            if latest.seq != seq
                || self.companions.contains(&seq)
                || latest.reason == Reason::Migration
                || backdated
            {
                return Err(illegal(Rule::Cancel));
            }
        }
        // ON repeats the cancelled 異動日.
        if ch.date != latest.valid_from {
            return Err(illegal(Rule::Cancel));
        }
        let group = self.statement_group(p);
        if group.iter().any(|(_, latest)| !latest) {
            return Err(illegal(Rule::Cancel));
        }
        let mut next = self.clone();
        let mut wrote = Vec::new();
        let mut touched = vec![latest.rec.household];
        let everyone: Vec<usize> = std::iter::once(p)
            .chain(group.iter().map(|(q, _)| *q))
            .collect();
        for (i, &q) in everyone.iter().enumerate() {
            let vs = &next.people[&q];
            let cancelled = vs.last().unwrap().clone();
            let n = vs.len();
            // A 転出確定 dated before its 転出: the state before the 転出, then the 転出.
            let again = confirmed_early(vs, n - 1).then(|| vs[n - 2].clone());
            let rec = match (n, &again) {
                (1, _) => {
                    let mut gone = cancelled.rec.clone();
                    gone.active = false;
                    gone.removed_on = Some(cancelled.valid_from);
                    gone
                }
                (_, Some(_)) => vs[n - 3].rec.clone(),
                _ => vs[n - 2].rec.clone(),
            };
            let changed = diff(&cancelled.rec, &rec);
            let w = next.write(
                q,
                rec.clone(),
                ch.reason,
                cancelled.valid_from,
                reported,
                changed,
            );
            if i > 0 {
                next.companions.insert(w.2);
            }
            wrote.push(w);
            if let Some(move_out) = again {
                let changed = diff(&rec, &move_out.rec);
                let w = next.write(
                    q,
                    move_out.rec,
                    Reason::MoveOut,
                    move_out.valid_from,
                    move_out.reported,
                    changed,
                );
                next.companions.insert(w.2);
                wrote.push(w);
            }
        }
        touched.push(next.latest(p).rec.household);
        touched.sort_unstable();
        touched.dedup();
        next.check_households(&touched, &everyone)?;
        *self = next;
        Ok(wrote)
    }

    fn write(
        &mut self,
        p: usize,
        rec: Rec,
        reason: Reason,
        d: Date,
        reported: Date,
        changed: Vec<&'static str>,
    ) -> Wrote {
        let seq = self.feed.len() as u64 + 1;
        let old = self
            .people
            .get(&p)
            .and_then(|v| v.last())
            .map(|v| v.rec.clone());
        if let Some(old) = &old {
            if old.code != rec.code {
                self.codes.insert(old.code, (p, false));
            }
            if old.my_number != rec.my_number {
                self.numbers.insert(old.my_number, (p, false));
            }
        }
        self.codes.insert(rec.code, (p, true));
        self.numbers.insert(rec.my_number, (p, true));
        let versions = self.people.entry(p).or_default();
        let version = versions.len() as u32 + 1;
        let code = rec.code;
        versions.push(Ver {
            rec,
            version,
            seq,
            reason,
            valid_from: d,
            reported,
            changed,
        });
        self.feed.push((p, version as usize - 1));
        (code, version, seq, reason)
    }

    /// Household members now or on a date: 世帯主 first, then by birth date, then by code.
    fn household(&self, h: u64, on: Option<Date>) -> Vec<Ver> {
        let mut out: Vec<Ver> = self
            .people
            .values()
            .filter_map(|vs| match on {
                None => vs.last().cloned(),
                Some(d) => as_of(vs, d),
            })
            .filter(|v| v.rec.active && v.rec.household == h)
            .collect();
        out.sort_by_key(|v| (v.rec.relationship != HEAD, v.rec.birth, v.rec.code));
        out
    }

    /// 4情報検索: without a date the current version if it matches, else the newest former
    /// version that does; with a date the version in force then. The current version is the
    /// latest, or the answer as of `today` while a version is not yet in force (a 転出
    /// notified ahead): the versions before that answer's are the former ones. Ordered by
    /// 清音化 key, birth date, code.
    fn find(&self, q: &Query, on: Option<Date>, today: Date) -> Vec<(Ver, bool)> {
        let mut hits: Vec<(Ver, bool)> = Vec::new();
        for vs in self.people.values() {
            let latest = vs.last().unwrap();
            let pending = prefix_bounds(vs).last().is_some_and(|b| *b > today);
            let hit = match on {
                // An as-of answer folded from corrections carries the bookkeeping of the
                // newest correction in it; it is current only if it is the latest version.
                Some(d) => as_of(vs, d).filter(|v| q.matches(&v.rec)).map(|v| {
                    let current = v.version == latest.version && v.rec == latest.rec;
                    (v, current)
                }),
                None if pending => {
                    let now = as_of(vs, today).expect("a version is in force today");
                    if q.matches(&now.rec) {
                        Some((now, true))
                    } else {
                        vs[..now.version as usize - 1]
                            .iter()
                            .rev()
                            .find(|v| q.matches(&v.rec))
                            .map(|v| (v.clone(), false))
                    }
                }
                None => vs.iter().rev().find(|v| q.matches(&v.rec)).map(|v| {
                    let current = v.version == latest.version;
                    (v.clone(), current)
                }),
            };
            hits.extend(hit);
        }
        hits.sort_by(|a, b| {
            (kana_key(&a.0.rec.kana), a.0.rec.birth, a.0.rec.code).cmp(&(
                kana_key(&b.0.rec.kana),
                b.0.rec.birth,
                b.0.rec.code,
            ))
        });
        hits
    }
}

// ---------------------------------------------------------------------------------------------
// Search in the model
// ---------------------------------------------------------------------------------------------

/// The 清音化 key of a reading from the universe: spaces dropped, voiced kana made plain.
fn kana_key(reading: &str) -> String {
    reading
        .chars()
        .filter(|c| *c != ' ')
        .map(|c| match c {
            'ダ' => 'タ',
            'ガ' => 'カ',
            'ド' => 'ト',
            'バ' => 'ハ',
            other => other,
        })
        .collect()
}

/// A written name with variant kanji folded (the one variant in the universe), spaces dropped.
fn name_key(name: &str) -> String {
    name.replace('髙', "高").replace(' ', "")
}

/// The part of a name or reading before its first space.
fn surname(text: &str) -> &str {
    text.split(' ').next().unwrap_or(text)
}

/// Whether an address of key `key` lies at or within the query key `query`: it begins
/// with it, and a number the query ends with is not the start of a longer one there.
/// Whether two birth dates, each a day or known in part, can be the same day: the model's
/// own reading, by the ranges of days they stand for.
fn days_shared(a: PartialDate, b: PartialDate) -> bool {
    match (
        a.first_day().zip(a.last_day()),
        b.first_day().zip(b.last_day()),
    ) {
        (Some((a_first, a_last)), Some((b_first, b_last))) => {
            a_first <= b_last && b_first <= a_last
        }
        _ => true,
    }
}

fn within(key: &str, query: &str) -> bool {
    key.strip_prefix(query).is_some_and(|rest| {
        !(query.ends_with(|c: char| c.is_ascii_digit())
            && rest.starts_with(|c: char| c.is_ascii_digit()))
    })
}

fn address_key_of(written: &str) -> &'static str {
    home_of(written).key
}

#[derive(Debug, Clone, Copy)]
enum NameMatch {
    /// The folded kanji key: the whole name or the whole surname.
    Kanji(&'static str),
    /// The 清音化 key: the whole reading or the whole surname.
    Kana(&'static str),
}

#[derive(Debug, Clone)]
struct Query {
    /// The text given to the engine and how the model matches it.
    name: Option<(&'static str, NameMatch)>,
    /// The text given to the engine and its address key.
    address: Option<(&'static str, &'static str)>,
    birth: Option<PartialDate>,
    sex: Option<Sex>,
}

impl Query {
    fn matches(&self, r: &Rec) -> bool {
        let name_ok = match self.name {
            None => true,
            Some((_, NameMatch::Kanji(q))) => {
                name_key(&r.name) == q || name_key(surname(&r.name)) == q
            }
            Some((_, NameMatch::Kana(q))) => {
                kana_key(&r.kana) == q || kana_key(surname(&r.kana)) == q
            }
        };
        name_ok
            && self
                .address
                .is_none_or(|(_, k)| within(address_key_of(&r.address), k))
            && self.birth.is_none_or(|b| days_shared(r.birth, b))
            && self.sex.is_none_or(|s| r.sex == s.code())
    }

    fn engine(&self, on: Option<Date>) -> SearchQuery {
        let mut q = SearchQuery::new();
        if let Some((text, _)) = self.name {
            q = q.name(text).unwrap();
        }
        if let Some((text, _)) = self.address {
            q = q.address(text);
        }
        if let Some(b) = self.birth {
            q = q.birth(b);
        }
        if let Some(s) = self.sex {
            q = q.sex(s);
        }
        if let Some(d) = on {
            q = q.as_of(d);
        }
        q
    }
}

fn queries() -> Vec<Query> {
    let b = births();
    let q = |name, address, birth, sex| Query {
        name,
        address,
        birth,
        sex,
    };
    vec![
        q(
            Some(("山田", NameMatch::Kanji("山田"))),
            Some(("芦屋市精道町7", "芦屋市精道町7")),
            None,
            None,
        ),
        q(
            Some(("やまだ", NameMatch::Kana("ヤマタ"))),
            None,
            Some(b[1]),
            None,
        ),
        q(
            Some(("山田 花子", NameMatch::Kanji("山田花子"))),
            Some(("大原町", "芦屋市大原町")),
            None,
            None,
        ),
        q(
            Some(("高田", NameMatch::Kanji("高田"))),
            None,
            Some(b[2]),
            None,
        ),
        q(None, Some(("精道町", "芦屋市精道町")), Some(b[0]), None),
        q(
            Some(("たかだ", NameMatch::Kana("タカタ"))),
            Some(("芦屋市打出小槌町", "芦屋市打出小槌町")),
            None,
            Some(Sex::Male),
        ),
        q(
            Some(("ヤマダ ハナコ", NameMatch::Kana("ヤマタハナコ"))),
            Some(("兵庫県芦屋市春日町", "芦屋市春日町")),
            None,
            None,
        ),
        q(
            Some(("山田 太郎", NameMatch::Kanji("山田太郎"))),
            None,
            Some(b[3]),
            None,
        ),
        q(
            None,
            Some(("芦屋市精道町７－６", "芦屋市精道町7-6")),
            Some(b[1]),
            None,
        ),
        // 7-1 is not 7-12: numbers are whole.
        q(
            Some(("山田", NameMatch::Kanji("山田"))),
            Some(("精道町七番一号", "芦屋市精道町7-1")),
            None,
            None,
        ),
        // A month finds its days, the month, its year and 不詳; a year its months and days.
        q(
            Some(("やまだ", NameMatch::Kana("ヤマタ"))),
            None,
            Some(b[5]),
            None,
        ),
        q(None, Some(("大原町", "芦屋市大原町")), Some(b[6]), None),
    ]
}

// ---------------------------------------------------------------------------------------------
// Generating changes
// ---------------------------------------------------------------------------------------------

/// One step of a case: the clock advances, then a change of `reason` is built against the
/// model's state from `seed`, valid or deliberately broken.
#[derive(Debug, Clone)]
struct Op {
    reason: Reason,
    valid: bool,
    advance: u16,
    seed: u64,
}

/// The kinds of 異動 generated, each with its weight: every kind there is (a 転居 is now and
/// then MOVE HOUSEHOLD). 移行 is refused by the record path (an import writes it), so it
/// stays rare.
const MODELLED: [(u32, Reason); 18] = [
    (5, Reason::MoveIn),
    (2, Reason::Birth),
    (1, Reason::EntryExOfficio),
    (3, Reason::Move),
    (3, Reason::MoveOut),
    (1, Reason::Death),
    (1, Reason::RemovalExOfficio),
    (2, Reason::Rename),
    (3, Reason::HouseholdChange),
    (4, Reason::Correction),
    (1, Reason::CodeChange),
    (1, Reason::MyNumberChange),
    (1, Reason::Migration),
    (3, Reason::MoveOutCancel),
    (2, Reason::MoveOutConfirm),
    (3, Reason::Cancellation),
    (2, Reason::HeadChange),
    (2, Reason::ItemChange),
];

/// The items changes set, each with two values (canonical text): 本籍 and 筆頭者, 旧氏
/// (a surname no search of the universe looks for), the insurance items, 国民年金.
const ITEM_VALUES: [(Item, [&str; 2]); 6] = [
    (
        Item::RegisteredDomicile,
        ["兵庫県芦屋市精道町7番地", "大阪府大阪市北区梅田1丁目"],
    ),
    (Item::FamilyHead, ["山田 太郎", "髙田 太郎"]),
    (Item::FormerSurname, ["鈴木", "佐藤"]),
    (Item::NhiAcquired, ["2020-04-01", "2021-01-01"]),
    (Item::CareNumber, ["0123456789", "0987654321"]),
    (Item::PensionCategory, ["第1号", "第3号"]),
];

#[cfg(test)]
fn reason_strategy() -> impl Strategy<Value = Reason> {
    prop::strategy::Union::new_weighted(
        MODELLED
            .iter()
            .map(|&(w, r)| (w, Just(r).boxed()))
            .collect(),
    )
}

#[cfg(test)]
fn op_strategy() -> impl Strategy<Value = Op> {
    (
        reason_strategy(),
        prop::bool::weighted(0.7),
        prop_oneof![3 => Just(0u16), 6 => 1u16..30, 1 => 30u16..400],
        any::<u64>(),
    )
        .prop_map(|(reason, valid, advance, seed)| Op {
            reason,
            valid,
            advance,
            seed,
        })
}

#[cfg(test)]
fn ops_strategy() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op_strategy(), 1..40)
}

/// splitmix64 over the step's seed: the choices a step makes.
struct Pick(u64);

impl Pick {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn one<T: Clone>(&mut self, xs: &[T]) -> Option<T> {
        if xs.is_empty() {
            None
        } else {
            Some(xs[self.below(xs.len())].clone())
        }
    }
}

fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

fn kana(s: &str) -> Kana {
    Kana::parse(s).unwrap()
}

fn address(s: &str) -> Address {
    Address::parse(s).unwrap()
}

fn relationship(s: &str) -> Relationship {
    Relationship::parse(s).unwrap()
}

fn postal(n: u32) -> PostalCode {
    PostalCode::from_u32(n).unwrap()
}

fn sex_of(i: usize) -> Sex {
    if i.is_multiple_of(2) {
        Sex::Male
    } else {
        Sex::Female
    }
}

struct Builder<'a> {
    m: &'a Model,
    today: Date,
    r: Pick,
    /// A 転出 built now is notified ahead (there was no pending one to cancel).
    ahead: bool,
    /// A MOVE HOUSEHOLD built now is of a household with a pending 転出, if there is one.
    pending_first: bool,
}

impl Builder<'_> {
    fn everyone(&self) -> Vec<usize> {
        self.m.people.keys().copied().collect()
    }

    fn with_status(&self, active: bool) -> Vec<usize> {
        self.m
            .people
            .keys()
            .copied()
            .filter(|p| self.m.latest(*p).rec.active == active)
            .collect()
    }

    fn fresh_code(&mut self) -> ResidentCode {
        let fresh: Vec<ResidentCode> = (0..CODES)
            .map(code)
            .filter(|c| !self.m.codes.contains_key(&c.get()))
            .collect();
        match self.r.one(&fresh) {
            Some(c) => c,
            None => code(self.r.below(CODES as usize) as u64),
        }
    }

    fn fresh_number(&mut self) -> MyNumber {
        let fresh: Vec<MyNumber> = (0..NUMBERS)
            .map(number)
            .filter(|n| !self.m.numbers.contains_key(&n.get()))
            .collect();
        match self.r.one(&fresh) {
            Some(n) => n,
            None => number(self.r.below(NUMBERS as usize) as u64),
        }
    }

    /// A date on or a few days before today.
    fn recent(&mut self) -> Date {
        let back = [0, 0, 0, 1, 2, 7][self.r.below(6)];
        self.today.add_days(-back)
    }

    /// A recent date, but not before the resident's latest 異動日.
    fn in_order(&mut self, p: usize) -> Date {
        self.recent().max(self.m.max_valid(p))
    }

    /// A 続柄 fit for joining household `h` (head when it has none).
    fn joining(&mut self, h: u64, me: Option<usize>) -> Relationship {
        if self.m.has_head(h, me) {
            relationship(self.r.one(&MEMBERS).unwrap())
        } else {
            Relationship::head()
        }
    }

    /// The new head to name when `p` is a head leaving others behind.
    fn successor(&mut self, p: usize) -> Option<ResidentCode> {
        let rec = &self.m.latest(p).rec;
        if !is_head(rec) {
            return None;
        }
        let others: Vec<usize> = self
            .m
            .members_now(rec.household)
            .into_iter()
            .filter(|m| *m != p)
            .collect();
        self.r.one(&others).map(|m| self.m.current_code(m))
    }

    /// The restated 続柄 of everyone but `p` who stays with the new head `next`.
    fn restate(&mut self, p: usize, next: Option<ResidentCode>) -> Option<Restatement> {
        let next = next?;
        let h = self.m.latest(p).rec.household;
        let stay: Vec<usize> = self
            .m
            .members_now(h)
            .into_iter()
            .filter(|m| *m != p && self.m.latest(*m).rec.code != next.get())
            .collect();
        if stay.is_empty() {
            return None;
        }
        let pairs: Vec<String> = stay
            .iter()
            .map(|m| {
                let rel = if self.r.chance(85) {
                    "子"
                } else {
                    "同居人"
                };
                format!("{:011}:{rel}", self.m.latest(*m).rec.code)
            })
            .collect();
        Some(Restatement::parse(&pairs.join(" ")).unwrap())
    }

    /// Where household `h` lives, when it has members.
    fn address_of(&self, h: u64) -> Option<Address> {
        let m = *self.m.members_now(h).first()?;
        Some(address(&self.m.latest(m).rec.address))
    }

    fn birth_by(&mut self, d: Date) -> PartialDate {
        let fit: Vec<PartialDate> = births()
            .into_iter()
            .filter(|b| !b.surely_after(d))
            .collect();
        self.r.one(&fit).unwrap_or(births()[0])
    }

    fn other_household(&mut self, h: u64) -> u64 {
        let others: Vec<u64> = HOUSEHOLDS.iter().copied().filter(|x| *x != h).collect();
        self.r.one(&others).unwrap()
    }

    /// Another home than `current`: mostly another place; now and then the same place
    /// written the same or another way (a 転居 there changes nothing), or an address no
    /// resident of the city lives at.
    fn other_address(&mut self, current: &str) -> Address {
        let roll = self.r.below(100);
        let pool: Vec<&str> = ADDRESSES
            .iter()
            .map(|h| h.written)
            .filter(|w| (roll < 7) == same_place(w, current))
            .collect();
        match self.r.one(&pool) {
            Some(w) if roll < 93 => address(w),
            _ => self.not_home(),
        }
    }

    /// An address no resident of the city lives at (another city, an unknown 町字, no 番地).
    fn not_home(&mut self) -> Address {
        address(NOT_HOMES[self.r.below(NOT_HOMES.len())].0)
    }

    /// A 転入前住所 or 転出先: mostly another city; now and then a home of the city
    /// (geography) or a 町字 the dictionary does not hold (address-dictionary).
    fn away(&mut self) -> Address {
        match self.r.below(100) {
            0..=5 => address(ADDRESSES[self.r.below(ADDRESSES.len())].written),
            6..=9 => address(NOT_HOMES[2].0),
            _ => address(ELSEWHERE[self.r.below(ELSEWHERE.len())]),
        }
    }

    /// One to two items set (to a value of `ITEM_VALUES` other than the one held) or
    /// cleared (mostly only when held).
    fn item_changes(&mut self, held: &BTreeMap<Item, String>, clear: bool) -> ItemChanges {
        let mut out = ItemChanges::new();
        for _ in 0..1 + self.r.below(2) {
            let (item, values) = ITEM_VALUES[self.r.below(ITEM_VALUES.len())];
            let now = held.get(&item);
            if clear && (now.is_some() && self.r.chance(40) || self.r.chance(5)) {
                out.clear(item);
            } else {
                let fresh: Vec<&str> = values
                    .iter()
                    .copied()
                    .filter(|v| now.is_none_or(|n| n != v) || self.r.chance(5))
                    .collect();
                let v = self.r.one(&fresh).unwrap_or(values[0]);
                out.set(item, v).unwrap();
            }
        }
        out
    }

    /// MOVE HOUSEHOLD: mostly the 世帯主 of a household with others (now and then one with
    /// a member whose 転出 is pending), dated so that every member's history admits it;
    /// sometimes addressed to a member, or naming another household.
    fn household_move(&mut self, f: &mut Fields) -> Option<(ResidentCode, Date)> {
        let heads: Vec<usize> = self
            .with_status(true)
            .into_iter()
            .filter(|p| is_head(&self.m.latest(*p).rec))
            .collect();
        let with_pending: Vec<usize> = heads
            .iter()
            .copied()
            .filter(|p| {
                let h = self.m.latest(*p).rec.household;
                self.m
                    .people
                    .keys()
                    .any(|q| self.m.pending(*q, self.today) && self.m.latest(*q).rec.household == h)
            })
            .collect();
        let crowded: Vec<usize> = heads
            .iter()
            .copied()
            .filter(|p| self.m.members_now(self.m.latest(*p).rec.household).len() > 1)
            .collect();
        let pool = if !with_pending.is_empty() && (self.pending_first || self.r.chance(80)) {
            with_pending
        } else if !crowded.is_empty() && self.r.chance(85) {
            crowded
        } else {
            heads
        };
        let p = self.r.one(&pool)?;
        let rec = self.m.latest(p).rec.clone();
        let members = self.m.members_now(rec.household);
        let mut d = self.in_order(p);
        if self.r.chance(85) {
            for &m in &members {
                d = d.max(self.m.max_valid(m));
            }
        }
        let mut target = self.m.current_code(p);
        let mut h = rec.household;
        match self.r.below(14) {
            0 => {
                let others: Vec<usize> = members.into_iter().filter(|m| *m != p).collect();
                if let Some(m) = self.r.one(&others) {
                    target = self.m.current_code(m);
                }
            }
            1 => h = self.other_household(h),
            _ => {}
        }
        f.address = Some(self.other_address(&rec.address));
        if self.r.chance(50) {
            f.postal = Some(postal(POSTALS[self.r.below(2)]));
        }
        f.whole_household = Some(HouseholdId::new(h));
        Some((target, d))
    }

    /// A resident to address a change to, preferring the given list.
    /// Often the resident the previous change was about, so that changes pile up on one
    /// record (a correction and then an ordinary change, say).
    fn someone(&mut self, preferred: &[usize]) -> Option<usize> {
        if let Some(&(last, _)) = self.m.feed.last() {
            if preferred.contains(&last) && self.r.chance(35) {
                return Some(last);
            }
        }
        let all = self.everyone();
        self.r.one(preferred).or_else(|| self.r.one(&all))
    }

    fn person_fields(&mut self, f: &mut Fields, d: Date, me: Option<usize>) {
        f.name = Some(name(NAMES[self.r.below(3)]));
        f.kana = Some(kana(KANAS[self.r.below(3)]));
        f.sex = Some(sex_of(self.r.below(2)));
        f.birth = Some(self.birth_by(d));
        f.address = Some(address(ADDRESSES[self.r.below(ADDRESSES.len())].written));
        f.postal = Some(postal(POSTALS[self.r.below(2)]));
        let h = HOUSEHOLDS[self.r.below(3)];
        f.household = Some(HouseholdId::new(h));
        f.relationship = Some(self.joining(h, me));
        if let Some(a) = self.address_of(h).filter(|_| self.r.chance(85)) {
            f.address = Some(a);
        }
        if self.r.chance(6) {
            f.address = Some(self.not_home());
        }
        if self.r.chance(25) {
            let held = me.map(|p| self.m.latest(p).rec.items.clone());
            f.items = self.item_changes(&held.unwrap_or_default(), false);
        }
    }

    /// A change meant to be accepted.
    fn valid(&mut self, reason: Reason) -> Change {
        let mut f = Fields::default();
        let unknown = ResidentCode::from_serial(9_999_999);
        let (target, date) = match reason {
            Reason::MoveIn | Reason::EntryExOfficio | Reason::Migration => {
                let removed = self.with_status(false);
                let fresh_left = (0..CODES).any(|i| !self.m.codes.contains_key(&code(i).get()));
                let again = !removed.is_empty() && (!fresh_left || self.r.chance(40));
                let entry = if again {
                    // 再転入 of a removed record.
                    let p = self.r.one(&removed).unwrap();
                    let d = self.in_order(p);
                    self.person_fields(&mut f, d, Some(p));
                    if self.r.chance(70) {
                        f.my_number =
                            Some(MyNumber::from_u64(self.m.latest(p).rec.my_number).unwrap());
                    } else {
                        f.my_number = Some(self.fresh_number());
                    }
                    (self.m.current_code(p), d)
                } else {
                    let d = self.recent();
                    self.person_fields(&mut f, d, None);
                    f.my_number = Some(self.fresh_number());
                    (self.fresh_code(), d)
                };
                if reason == Reason::MoveIn && self.r.chance(50) {
                    f.previous_address = Some(self.away());
                }
                entry
            }
            Reason::ItemChange => {
                let Some(p) = self.someone(&self.with_status(true)) else {
                    return Change::new(reason, unknown, self.today);
                };
                let d = self.in_order(p);
                let held = self.m.latest(p).rec.items.clone();
                f.items = self.item_changes(&held, true);
                (self.m.current_code(p), d)
            }
            Reason::Birth => {
                let d = self.recent();
                self.person_fields(&mut f, d, None);
                f.my_number = Some(self.fresh_number());
                f.birth = if self.r.chance(30) {
                    Some(d.into())
                } else {
                    None
                };
                if f.relationship.as_ref().is_some_and(|r| !r.is_head()) {
                    f.relationship = Some(relationship("子"));
                }
                (self.fresh_code(), d)
            }
            Reason::Move => {
                let whole = if self.r.chance(45) {
                    self.household_move(&mut f)
                } else {
                    None
                };
                if let Some(whole) = whole {
                    return self.stamped(reason, whole, f);
                }
                let Some(p) = self.someone(&self.with_status(true)) else {
                    return Change::new(reason, unknown, self.today);
                };
                let d = self.in_order(p);
                let rec = self.m.latest(p).rec.clone();
                f.address = Some(self.other_address(&rec.address));
                if self.r.chance(50) {
                    f.postal = Some(postal(POSTALS[self.r.below(2)]));
                }
                let alone = self.m.members_now(rec.household).len() <= 1;
                if self.r.chance(if alone { 40 } else { 90 }) {
                    let h = self.other_household(rec.household);
                    f.household = Some(HouseholdId::new(h));
                    f.relationship = Some(self.joining(h, Some(p)));
                    if let Some(a) = self
                        .address_of(h)
                        .filter(|a| !same_place(a.written(), &rec.address))
                    {
                        f.address = Some(a);
                    }
                    f.new_head = self.successor(p);
                    f.relationships = self.restate(p, f.new_head);
                }
                (self.m.current_code(p), d)
            }
            Reason::MoveOut | Reason::Death | Reason::RemovalExOfficio => {
                let Some(p) = self.someone(&self.with_status(true)) else {
                    return Change::new(reason, unknown, self.today);
                };
                let mut d = self.in_order(p);
                if reason == Reason::MoveOut {
                    f.destination = Some(self.away());
                    if self.ahead || self.r.chance(40) {
                        // 転出予定日: notified ahead.
                        d = self.today.add_days(1 + self.r.below(14) as i64).max(d);
                    }
                }
                f.new_head = self.successor(p);
                f.relationships = self.restate(p, f.new_head);
                (self.m.current_code(p), d)
            }
            Reason::Rename => {
                let Some(p) = self.someone(&self.with_status(true)) else {
                    return Change::new(reason, unknown, self.today);
                };
                let d = self.in_order(p);
                let rec = self.m.latest(p).rec.clone();
                let n = NAMES[self.r.below(3)];
                let k = KANAS[self.r.below(3)];
                match self.r.below(3) {
                    0 => f.name = Some(name(n)),
                    1 => f.kana = Some(kana(k)),
                    _ => {
                        f.name = Some(name(n));
                        f.kana = Some(kana(k));
                    }
                }
                if f.name.as_ref().is_some_and(|x| x.as_str() == rec.name)
                    && f.kana.as_ref().is_none_or(|x| x.as_str() == rec.kana)
                {
                    let others: Vec<&str> =
                        NAMES.iter().copied().filter(|x| *x != rec.name).collect();
                    f.name = Some(name(self.r.one(&others).unwrap()));
                }
                (self.m.current_code(p), d)
            }
            Reason::HouseholdChange => {
                let Some(p) = self.someone(&self.with_status(true)) else {
                    return Change::new(reason, unknown, self.today);
                };
                let d = self.in_order(p);
                let rec = self.m.latest(p).rec.clone();
                let others_here = self
                    .m
                    .members_now(rec.household)
                    .into_iter()
                    .any(|m| m != p);
                if self.r.chance(50) && (others_here || !is_head(&rec)) {
                    // A new 続柄 within the household.
                    if is_head(&rec) {
                        f.relationship = Some(relationship("子"));
                        f.new_head = self.successor(p);
                        f.relationships = self.restate(p, f.new_head);
                    } else {
                        let others: Vec<&str> = MEMBERS
                            .iter()
                            .copied()
                            .filter(|x| *x != rec.relationship)
                            .collect();
                        f.relationship = Some(relationship(self.r.one(&others).unwrap()));
                    }
                } else {
                    let h = self.other_household(rec.household);
                    f.household = Some(HouseholdId::new(h));
                    f.relationship = Some(self.joining(h, Some(p)));
                    f.new_head = self.successor(p);
                    f.relationships = self.restate(p, f.new_head);
                }
                (self.m.current_code(p), d)
            }
            Reason::Correction => {
                let everyone = self.everyone();
                let Some(p) = self.someone(&everyone) else {
                    return Change::new(reason, unknown, self.today);
                };
                let rec = self.m.latest(p).rec.clone();
                let d = if self.r.chance(50) {
                    // Backdated: anywhere in the resident's life so far.
                    let born = rec.birth.first_day().unwrap_or(ymd(1950, 1, 1));
                    let span = born.days_until(self.today).max(0) as usize;
                    self.today
                        .add_days(-(self.r.below(span.min(900) + 1) as i64))
                } else {
                    self.recent()
                };
                for _ in 0..1 + self.r.below(2) {
                    match self.r.below(10) {
                        0 => f.name = Some(name(NAMES[self.r.below(3)])),
                        1 => f.kana = Some(kana(KANAS[self.r.below(3)])),
                        2 => f.sex = Some(sex_of(self.r.below(2))),
                        3 => f.birth = Some(self.birth_by(d)),
                        4 => f.address = Some(self.other_address(&rec.address)),
                        5 => f.postal = Some(postal(POSTALS[self.r.below(2)])),
                        6 => f.my_number = Some(self.fresh_number()),
                        7 => f.previous_address = Some(self.away()),
                        8 if self.r.chance(40) => {
                            f.items = self.item_changes(&rec.items, true);
                        }
                        8 => f.destination = Some(self.away()),
                        _ if !rec.active => {
                            f.household = Some(HouseholdId::new(HOUSEHOLDS[self.r.below(3)]));
                            f.relationship = Some(relationship(self.r.one(&MEMBERS).unwrap()));
                        }
                        _ if !is_head(&rec) => {
                            let others: Vec<&str> = MEMBERS
                                .iter()
                                .copied()
                                .filter(|x| *x != rec.relationship)
                                .collect();
                            f.relationship = Some(relationship(self.r.one(&others).unwrap()));
                        }
                        _ => f.name = Some(name(NAMES[self.r.below(3)])),
                    }
                }
                (self.m.current_code(p), d)
            }
            Reason::CodeChange => {
                let everyone = self.everyone();
                let Some(p) = self.someone(&everyone) else {
                    return Change::new(reason, unknown, self.today);
                };
                let d = self.in_order(p);
                f.new_code = Some(self.fresh_code());
                (self.m.current_code(p), d)
            }
            Reason::MyNumberChange => {
                let everyone = self.everyone();
                let Some(p) = self.someone(&everyone) else {
                    return Change::new(reason, unknown, self.today);
                };
                let d = self.in_order(p);
                f.my_number = Some(self.fresh_number());
                (self.m.current_code(p), d)
            }
            Reason::MoveOutCancel | Reason::MoveOutConfirm => {
                // A pending 転出 to cancel; for a 確定 any 転出, in effect or not.
                let want = |v: &Ver| {
                    v.reason == Reason::MoveOut
                        && (reason == Reason::MoveOutConfirm || v.valid_from > self.today)
                };
                let fit: Vec<usize> = self
                    .everyone()
                    .into_iter()
                    .filter(|p| want(self.m.latest(*p)))
                    .collect();
                if fit.is_empty() && self.r.chance(70) {
                    // Nothing to act on: a 転出 notified ahead, for a later step to.
                    self.ahead = true;
                    return self.valid(Reason::MoveOut);
                }
                if !fit.is_empty() && self.r.chance(15) {
                    // The household of a pending 転出 moves first: refused while it is.
                    self.pending_first = true;
                    if let Some(whole) = self.household_move(&mut f) {
                        return self.stamped(Reason::Move, whole, f);
                    }
                }
                let Some(p) = self.someone(&fit) else {
                    return Change::new(reason, unknown, self.today);
                };
                let latest = self.m.latest(p).clone();
                let d = if reason == Reason::MoveOutCancel {
                    latest.valid_from
                } else {
                    f.destination = Some(self.away());
                    // The actual day: on or after the state the 転出 stood on, by today.
                    let vs = self.m.versions(p);
                    let floor = prefix_bounds(vs)[vs.len().saturating_sub(2)];
                    let span = floor.days_until(self.today).max(0) as usize;
                    match self.r.below(3) {
                        0 => latest.valid_from.min(self.today),
                        _ => floor.add_days(self.r.below(span + 1) as i64),
                    }
                };
                (self.m.current_code(p), d)
            }
            Reason::Cancellation => {
                // Most often the first version of the latest statement (so that a new head
                // and restated 続柄 are cancelled with it), else someone's latest version.
                let first_of_last = self.m.feed.iter().rev().find_map(|&(q, i)| {
                    let v = &self.m.versions(q)[i];
                    (!self.m.companions.contains(&v.seq)).then_some(q)
                });
                let everyone = self.everyone();
                // Now and then a 転出確定 (one dated before its 転出 brings the 転出 back).
                let confirmed: Vec<usize> = everyone
                    .iter()
                    .copied()
                    .filter(|p| self.m.latest(*p).reason == Reason::MoveOutConfirm)
                    .collect();
                let confirmed = if !confirmed.is_empty() && self.r.chance(40) {
                    self.someone(&confirmed)
                } else {
                    None
                };
                // Now and then a statement that wrote for others (a new head, restated 続柄,
                // a household's move), all still their residents' latest.
                let grouped: Vec<usize> = everyone
                    .iter()
                    .copied()
                    .filter(|p| {
                        let g = self.m.statement_group(*p);
                        !g.is_empty() && g.iter().all(|(_, latest)| *latest)
                    })
                    .collect();
                let grouped = if self.r.chance(30) {
                    self.r.one(&grouped)
                } else {
                    None
                };
                let first = first_of_last.filter(|_| self.r.chance(50));
                let p = match confirmed.or(grouped).or(first) {
                    Some(p) => p,
                    None => match self.someone(&everyone) {
                        Some(p) => p,
                        None => return Change::new(reason, unknown, self.today),
                    },
                };
                let latest = self.m.latest(p);
                f.seq = Some(latest.seq);
                (self.m.current_code(p), latest.valid_from)
            }
            Reason::HeadChange => {
                // A head with others in the household hands over to one of them.
                let heads: Vec<usize> = self
                    .with_status(true)
                    .into_iter()
                    .filter(|p| {
                        let r = &self.m.latest(*p).rec;
                        is_head(r) && self.m.members_now(r.household).len() > 1
                    })
                    .collect();
                if heads.is_empty() && self.r.chance(70) {
                    // No household to hand over: a new member, for a later step to.
                    return self.valid(Reason::Birth);
                }
                let Some(p) = self.someone(&heads) else {
                    return Change::new(reason, unknown, self.today);
                };
                let d = self.in_order(p);
                f.new_head = self.successor(p);
                let mut pairs: Vec<(ResidentCode, Relationship)> = self
                    .restate(p, f.new_head)
                    .map(|r| r.pairs().to_vec())
                    .unwrap_or_default();
                let own = match self.r.below(10) {
                    0 => "妻",
                    1 | 2 => "同居人",
                    _ => "父",
                };
                pairs.push((self.m.current_code(p), relationship(own)));
                let text: Vec<String> = pairs.iter().map(|(c, r)| format!("{c}:{r}")).collect();
                f.relationships = Some(Restatement::parse(&text.join(" ")).unwrap());
                (self.m.current_code(p), d)
            }
        };
        self.stamped(reason, (target, date), f)
    }

    /// The change addressed to `target` on `date`, sometimes notified some days after it
    /// took effect.
    fn stamped(
        &mut self,
        reason: Reason,
        (target, date): (ResidentCode, Date),
        f: Fields,
    ) -> Change {
        let mut ch = Change::new(reason, target, date).with(f);
        if self.r.chance(30) && date <= self.today {
            // Notified some days after it took effect.
            let gap = date.days_until(self.today).max(0) as usize;
            ch = ch.reported(date.add_days(self.r.below(gap + 1) as i64));
        }
        ch
    }

    /// A change broken in one way (which may happen to be harmless: the model decides).
    fn broken(&mut self, reason: Reason) -> Change {
        let mut ch = self.valid(reason);
        let f = &mut ch.fields;
        // Dates are where ordering bugs hide: out-of-order dates get extra weight.
        match self.r.below(19) {
            0 => {
                ch.date = if reason == Reason::MoveOut {
                    self.today.add_days(15 + self.r.below(20) as i64)
                } else {
                    self.today.add_days(1 + self.r.below(20) as i64)
                }
            }
            1 => ch.reported = Some(self.today.add_days(1 + self.r.below(3) as i64)),
            2 => ch.reported = Some(ch.date.add_days(-1 - self.r.below(3) as i64)),
            3 | 14..=17 => {
                if let Some(&(p, _)) = self.m.codes.get(&ch.code.get()) {
                    let first = self.m.versions(p)[0].valid_from;
                    let newest = self.m.latest(p).valid_from;
                    let last = self.m.max_valid(p);
                    ch.date = match self.r.below(4) {
                        // After a backdated correction: on or after the latest version's
                        // 異動日, but before the largest one.
                        0 | 1 if newest < last => {
                            newest.add_days(self.r.below(newest.days_until(last) as usize) as i64)
                        }
                        0..=2 => last.add_days(-1),
                        _ => first.add_days(-(self.r.below(30) as i64)),
                    };
                }
            }
            4 => {
                let former: Vec<u64> = self
                    .m
                    .codes
                    .iter()
                    .filter(|(_, (_, current))| !current)
                    .map(|(c, _)| *c)
                    .collect();
                ch.code = match self.r.one(&former) {
                    Some(c) => ResidentCode::from_u64(c).unwrap(),
                    None => code(self.r.below(CODES as usize + 1) as u64),
                };
            }
            5 => match self.r.below(6) {
                0 => f.my_number = None,
                1 => f.address = None,
                2 => f.destination = None,
                3 => f.relationship = None,
                4 => f.new_code = None,
                _ => {
                    f.name = None;
                    f.kana = None;
                }
            },
            6 => match self.r.below(7) {
                5 => f.whole_household = Some(HouseholdId::new(HOUSEHOLDS[self.r.below(3)])),
                6 => {
                    f.items
                        .set(Item::RegisteredDomicile, ITEM_VALUES[0].1[0])
                        .unwrap();
                }
                0 => f.name = Some(name(NAMES[0])),
                1 => f.address = Some(address(ADDRESSES[1].written)),
                2 => f.new_code = Some(code(self.r.below(CODES as usize) as u64)),
                3 => f.destination = Some(address(ELSEWHERE[0])),
                _ => f.household = Some(HouseholdId::new(HOUSEHOLDS[self.r.below(3)])),
            },
            7 => {
                // Someone else's identifier, current or former.
                let numbers: Vec<u64> = self.m.numbers.keys().copied().collect();
                if let Some(n) = self.r.one(&numbers) {
                    f.my_number = Some(MyNumber::from_u64(n).unwrap());
                }
                let codes: Vec<u64> = self.m.codes.keys().copied().collect();
                if let Some(c) = self.r.one(&codes) {
                    let c = ResidentCode::from_u64(c).unwrap();
                    if reason == Reason::CodeChange {
                        f.new_code = Some(c);
                    } else if matches!(reason, Reason::Birth | Reason::MoveIn) {
                        ch.code = c;
                    }
                }
            }
            8 => {
                // Changes nothing.
                if let Some(&(p, true)) = self.m.codes.get(&ch.code.get()) {
                    let rec = self.m.latest(p).rec.clone();
                    match reason {
                        Reason::Rename => {
                            f.name = Some(name(&rec.name));
                            f.kana = Some(kana(&rec.kana));
                        }
                        Reason::MyNumberChange => {
                            f.my_number = Some(MyNumber::from_u64(rec.my_number).unwrap())
                        }
                        Reason::CodeChange => f.new_code = Some(ch.code),
                        _ => {
                            *f = Fields::default();
                            f.relationship = Some(relationship(&rec.relationship));
                            ch.reason = if self.r.chance(50) {
                                Reason::Correction
                            } else {
                                Reason::HouseholdChange
                            };
                        }
                    }
                }
            }
            9 => {
                f.new_head = match f.new_head {
                    Some(_) => None,
                    None => Some(code(self.r.below(CODES as usize) as u64)),
                }
            }
            18 => {
                // Another 更新順番号: an earlier version, someone else's, a companion, none
                // yet; on another kind a field it does not take.
                let n = self.m.feed.len() + 1;
                f.seq = match self.r.below(4) {
                    0 if reason == Reason::Cancellation => None,
                    _ => Some(1 + self.r.below(n) as u64),
                };
            }
            10 => f.relationship = Some(Relationship::head()),
            11 => f.relationship = Some(relationship("子")),
            12 => {
                // A birth date after the 異動日 (for 出生: a birth= that is not the ON date).
                f.birth = Some(ch.date.add_days(1 + self.r.below(400) as i64).into());
            }
            _ => {
                // The wrong status for the reason.
                let pool = if matches!(reason, Reason::MoveIn | Reason::EntryExOfficio) {
                    self.with_status(true)
                } else {
                    self.with_status(false)
                };
                if let Some(p) = self.r.one(&pool) {
                    ch.code = self.m.current_code(p);
                }
            }
        }
        ch
    }
}

fn build(op: &Op, m: &Model, today: Date) -> Change {
    let mut b = Builder {
        m,
        today,
        r: Pick(op.seed),
        ahead: false,
        pending_first: false,
    };
    if op.valid {
        b.valid(op.reason)
    } else {
        b.broken(op.reason)
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing the engine with the model
// ---------------------------------------------------------------------------------------------

/// A version as the engine hands it out, in the model's terms.
fn observed(r: &Resident) -> Ver {
    Ver {
        rec: Rec {
            code: r.code.get(),
            my_number: r
                .my_number
                .expect("the engine answers with the number")
                .get(),
            name: r.name.as_str().to_string(),
            kana: r.kana.as_str().to_string(),
            sex: r.sex.code(),
            birth: r.birth,
            address: r.address.written().to_string(),
            postal: r.postal.get(),
            household: r.household.get(),
            relationship: r.relationship.as_str().to_string(),
            active: r.status == Status::Active,
            // A statement writes these from its 異動日: whole days.
            removed_on: r.removed_on.map(whole),
            previous_address: r.previous_address.clone(),
            destination: r.destination.clone(),
            resident_since: whole(r.resident_since),
            address_since: whole(r.address_since),
            items: r.items.iter().map(|(i, v)| (i, v.to_string())).collect(),
            parts: r.parts.as_ref().map(|p| {
                assert_eq!(
                    p.dictionary,
                    dictionary_from(),
                    "the dictionary that placed it"
                );
                (p.town.clone(), p.block(), p.katagaki.clone())
            }),
        },
        version: r.version,
        seq: r.seq,
        reason: r.reason,
        valid_from: r.valid_from,
        reported: r.reported.expect("a statement records its 届出日"),
        changed: r.changed.iter().map(|f| f.name()).collect(),
    }
}

/// The dates worth asking about: before the first version, on, just before and just after
/// every 異動日, today and later.
fn interesting_dates(m: &Model, today: Date) -> Vec<Date> {
    let mut dates = BTreeSet::new();
    dates.insert(start().add_days(-1));
    dates.insert(today);
    dates.insert(today.add_days(30));
    for vs in m.people.values() {
        for v in vs {
            dates.insert(v.valid_from);
            dates.insert(v.valid_from.add_days(-1));
            dates.insert(v.valid_from.add_days(1));
        }
    }
    dates.into_iter().collect()
}

/// At most `n` dates spread over `dates`.
fn sample(dates: &[Date], n: usize) -> Vec<Date> {
    if dates.len() <= n {
        return dates.to_vec();
    }
    (0..n).map(|i| dates[i * dates.len() / n]).collect()
}

/// Every lookup of the universe against the model. `full` adds the as-of reads, households
/// as of dates and 4情報 searches.
fn check_state(db: &Database, m: &Model, today: Date, full: bool, ctx: &str) {
    for i in 0..CODES {
        let c = code(i);
        let want = m.codes.get(&c.get()).map(|(p, _)| *p);
        let got = db.get(c).unwrap().map(|r| observed(&r));
        // Now is as of today: a 転出 notified ahead is not yet in force.
        let now = want.and_then(|p| as_of(m.versions(p), today));
        assert_eq!(got, now, "get({c}) {ctx}");
        match (db.history(c), want) {
            (Ok(h), Some(p)) => {
                let h: Vec<Ver> = h.iter().map(observed).collect();
                assert_eq!(h, as_recorded(m.versions(p)), "history({c}) {ctx}");
            }
            (Err(e), None) => assert_eq!(e.code(), "NOT_FOUND", "history({c}) {ctx}"),
            (got, _) => panic!("history({c}) {ctx}: engine {got:?}, model knows {want:?}"),
        }
    }
    for i in 0..NUMBERS {
        let n = number(i);
        let got = db
            .get_by_my_number(n)
            .unwrap()
            .map(|x| (observed(&x.resident), x.current));
        // As GET: a 転出 notified ahead is not yet in force.
        let want = m
            .numbers
            .get(&n.get())
            .and_then(|(p, current)| as_of(m.versions(*p), today).map(|v| (v, *current)));
        assert_eq!(got, want, "get_by_my_number(#{i}) {ctx}");
    }
    for h in HOUSEHOLDS {
        let got: Vec<Ver> = db
            .household(HouseholdId::new(h), None)
            .unwrap()
            .members
            .iter()
            .map(observed)
            .collect();
        assert_eq!(got, m.household(h, Some(today)), "household({h}) {ctx}");
    }
    // The 世帯主 each household's read shows now is kept by the write path in `heads`;
    // CHECK derives it again from the current records.
    let report = db.check().unwrap();
    let heads: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.table == "heads")
        .collect();
    assert!(heads.is_empty(), "heads {ctx}: {heads:?}");
    let feed = db.changes_since(0, usize::MAX).unwrap();
    assert_eq!(feed.len(), m.feed.len(), "change feed length {ctx}");
    for (i, (entry, (p, v))) in feed.iter().zip(&m.feed).enumerate() {
        assert_eq!(entry.seq, i as u64 + 1, "change feed is gapless {ctx}");
        assert_eq!(
            observed(entry),
            m.versions(*p)[*v],
            "change feed entry {} {ctx}",
            i + 1
        );
    }
    if !full {
        return;
    }

    let dates = interesting_dates(m, today);
    for i in 0..CODES {
        let c = code(i);
        let vs = m.codes.get(&c.get()).map(|(p, _)| m.versions(*p));
        for &d in &dates {
            let got = db.get_as_of(c, d).unwrap().map(|r| observed(&r));
            let want = vs.and_then(|vs| as_of(vs, d));
            assert_eq!(got, want, "get_as_of({c}, {d}) {ctx}");
        }
    }
    for h in HOUSEHOLDS {
        for &d in &sample(&dates, 40) {
            let got: Vec<Ver> = db
                .household(HouseholdId::new(h), Some(d))
                .unwrap()
                .members
                .iter()
                .map(observed)
                .collect();
            let want: Vec<Ver> = m.household(h, Some(d));
            assert_eq!(got, want, "household({h}, {d}) {ctx}");
        }
    }
    let on: Vec<Option<Date>> = std::iter::once(None)
        .chain(sample(&dates, 12).into_iter().map(Some))
        .collect();
    for q in queries() {
        for &d in &on {
            let got: Vec<(Ver, bool)> = db
                .find(&q.engine(d))
                .unwrap()
                .iter()
                .map(|h| (observed(&h.resident), h.current))
                .collect();
            let want: Vec<(Ver, bool)> = m.find(&q, d, today);
            assert_eq!(got, want, "find({q:?}, as of {d:?}) {ctx}");
        }
    }
}

/// The first day of the register's address dictionary.
fn dictionary_from() -> Date {
    ymd(1900, 1, 1)
}

/// 芦屋市's place book as the register of `create_in_ashiya` holds it.
#[cfg(test)]
fn ashiya_book() -> crate::model::PlaceBook {
    let dictionary = crate::model::TownDictionary::ashiya();
    let mut book = crate::model::PlaceBook::new(dictionary.municipality().clone());
    book.add(dictionary_from(), dictionary).unwrap();
    book
}

/// A new register of 芦屋市 (282065) with its built-in address dictionary in force from
/// `dictionary_from()`.
fn create_in_ashiya(path: &std::path::Path) -> Database {
    use crate::store::engine::place::{write_book, NewPlace};
    let ashiya = crate::model::TownDictionary::ashiya();
    let new = NewPlace {
        municipality: ashiya.municipality().clone(),
        towns: vec![(
            dictionary_from(),
            crate::model::TownDictionary::ashiya_csv()
                .as_bytes()
                .to_vec(),
        )],
    };
    Database::create_with(path, |txn| write_book(txn, &new)).unwrap()
}

/// How many changes of each kind the engine accepted and refused, over one or many cases.
#[derive(Debug, Default)]
struct Tally {
    accepted: BTreeMap<Reason, usize>,
    refused: BTreeMap<Reason, usize>,
}

impl Tally {
    fn count(&mut self, reason: Reason, accepted: bool) {
        let counts = if accepted {
            &mut self.accepted
        } else {
            &mut self.refused
        };
        *counts.entry(reason).or_default() += 1;
    }

    /// Every kind of `MODELLED` was tried, accepted and refused at least as often as
    /// `fewest` says (移行 never accepted: the record path refuses it; the kinds in
    /// `rare` need not be accepted): a generator that stops producing a kind, or produces it
    /// only broken or only valid, fails here.
    #[cfg(test)]
    fn assert_every_kind(&self, fewest: Fewest, rare: &[Reason], what: &str) {
        let n = |counts: &BTreeMap<Reason, usize>, r| counts.get(&r).copied().unwrap_or(0);
        for (_, r) in MODELLED {
            let (accepted, refused) = (n(&self.accepted, r), n(&self.refused, r));
            let want = if r == Reason::Migration || rare.contains(&r) {
                0
            } else {
                fewest.accepted
            };
            assert!(
                accepted >= want && refused >= fewest.refused && accepted + refused >= fewest.tried,
                "{what}: {r} accepted {accepted} and refused {refused} times, wanted at least \
                 {fewest:?} (accepted {want}): {self:?}"
            );
            if r == Reason::Migration {
                assert_eq!(accepted, 0, "{what}: {r} accepted");
            }
        }
    }
}

/// The fewest times each kind of 異動 is to be tried, accepted and refused over a run.
#[cfg(test)]
#[derive(Debug, Clone, Copy)]
struct Fewest {
    tried: usize,
    accepted: usize,
    refused: usize,
}

/// Records `ops` in a fresh database and in the model, checking each step; returns both.
fn run(ops: &[Op], full_every: usize) -> (tempfile::TempDir, Database, Model, Date) {
    run_tallied(ops, full_every, &mut Tally::default())
}

/// `run`, counting into `tally` which changes the engine accepted and refused.
fn run_tallied(
    ops: &[Op],
    full_every: usize,
    tally: &mut Tally,
) -> (tempfile::TempDir, Database, Model, Date) {
    let dir = tempfile::tempdir().unwrap();
    let db = create_in_ashiya(&dir.path().join("juki.redb"));
    let mut m = Model::default();
    let mut today = start();
    for (i, op) in ops.iter().enumerate() {
        today = today.add_days(i64::from(op.advance));
        db.set_clock(Clock::Fixed(today));
        let change = build(op, &m, today);
        let ctx = format!("after step {} ({change:?}, today {today})", i + 1);
        let digest = db.content_digest().unwrap();
        let want = m.apply(&change, today);
        tally.count(change.reason, want.is_ok());
        match (db.record(&change), want) {
            (Ok(receipt), Ok(wrote)) => {
                let got: Vec<Wrote> = receipt
                    .written
                    .iter()
                    .map(|w| (w.code.get(), w.version, w.seq, w.reason))
                    .collect();
                assert_eq!(got, wrote, "receipt {ctx}");
            }
            (Err(e), Err(refusal)) => {
                assert_eq!(refusal_of(&e), refusal, "refusal {ctx}: {e}");
                assert_eq!(
                    db.content_digest().unwrap(),
                    digest,
                    "a refused change left the content unchanged {ctx}"
                );
            }
            (Ok(receipt), Err(refusal)) => {
                panic!("engine accepted ({receipt:?}) what the model refuses ({refusal:?}) {ctx}")
            }
            (Err(e), Ok(wrote)) => {
                panic!("engine refused ({e}) what the model accepts ({wrote:?}) {ctx}")
            }
        }
        let full = (i + 1) % full_every == 0 || i + 1 == ops.len();
        check_state(&db, &m, today, full, &ctx);
    }
    (dir, db, m, today)
}

#[cfg(test)]
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    ProptestConfig {
        cases,
        // A failing case's seed is written to proptest-regressions/store/testing/
        // model_test.txt and replayed first by every later run.
        failure_persistence: Some(Box::new(FileFailurePersistence::SourceParallel(
            "proptest-regressions",
        ))),
        source_file: Some(file!()),
        ..ProptestConfig::default()
    }
}

/// The fewest times a run of random seeds over `cases` cases is to try each kind of 異動
/// (one in 12 cases), accept it and refuse it (one in 64 cases each): 4, 0 and 0 for the
/// default 48 cases, 42, 8 and 8 for CI's 512. Over 200 runs of 256 cases the rarest kind was
/// accepted 10 times and refused 21 times, except 転出取消 (`RARE`) (DESIGN.md, "Testing").
#[cfg(test)]
fn fewest_per_kind(cases: u32) -> Fewest {
    let cases = cases as usize;
    Fewest {
        tried: cases / 12,
        accepted: cases / 64,
        refused: cases / 64,
    }
}

/// The kinds a run of random seeds may never accept: a 転出取消 needs a 転出 notified ahead
/// and still pending. The fixed 1,000 sequences of `generated_sequences_reach_every_kind`
/// accept 38, but unevenly: a run of 256 random cases accepted only one.
/// `generated_sequences_reach_every_kind` holds them to its minimum.
#[cfg(test)]
const RARE: [Reason; 1] = [Reason::MoveOutCancel];

/// The changes of `ops` that the model accepts when they are all made on the last day, built
/// as `run` builds them (against the state of their own day), and that last day. Made on one
/// day some change differently or not at all (a 転出 notified ahead is no longer pending);
/// a second model on the last day decides which are kept.
#[cfg(test)]
fn accepted_changes(ops: &[Op]) -> (Vec<Change>, Date) {
    let last = ops
        .iter()
        .fold(start(), |d, op| d.add_days(i64::from(op.advance)));
    let mut m = Model::default();
    let mut replay = Model::default();
    let mut today = start();
    let mut out = Vec::new();
    for op in ops {
        today = today.add_days(i64::from(op.advance));
        let change = build(op, &m, today);
        let _ = m.apply(&change, today);
        if replay.apply(&change, last).is_ok() {
            out.push(change);
        }
    }
    (out, last)
}

/// Records `changes` one transaction each through the engine's write path, on `today`, at
/// recording time 1,000.
#[cfg(test)]
pub(crate) fn one_by_one(db: &Database, changes: &[Change], today: Date) {
    use crate::store::engine::tables::WriteTables;
    for (i, c) in changes.iter().enumerate() {
        let txn = db.redb().begin_write().unwrap();
        {
            let mut t = WriteTables::open(&txn).unwrap();
            if let Err(e) = crate::store::engine::write::apply(&mut t, c, None, today, 1_000) {
                panic!("change {i} ({c:?}) refused one by one: {e}");
            }
        }
        txn.commit().unwrap();
    }
}

/// A bulk load through the staging writes the same bytes as the same changes recorded one
/// transaction each, whatever the changes (corrections of the past, code and My Number
/// changes, households losing and gaining heads, removals and re-entries), into an empty
/// register and into one that holds the residents the first part of the changes made.
#[cfg(test)]
fn staged_equals_one_by_one(ops: &[Op]) {
    let (changes, today) = accepted_changes(ops);
    let dir = tempfile::tempdir().unwrap();
    let one = Database::create(dir.path().join("one.redb")).unwrap();
    one_by_one(&one, &changes, today);
    // (name, changes recorded one by one first, staging budget: 1 writes the staging to the
    // tables after every change, spill, the load's changes given in two calls)
    let half = changes.len() / 2;
    for (name, split, budget, spill, two_calls) in [
        ("all", 0, usize::MAX, true, false),
        ("half", half, usize::MAX, true, false),
        ("passes", half, 1, true, false),
        ("passes-unspilled", half, 1, false, false),
        ("two-calls", 0, usize::MAX, true, true),
        ("two-calls-passes", 0, 1, true, true),
    ] {
        let staged = Database::create(dir.path().join(format!("{name}.redb"))).unwrap();
        staged.set_clock(Clock::Fixed(today));
        one_by_one(&staged, &changes[..split], today);
        let mut load = staged.begin_bulk().unwrap();
        load.set_now(1_000);
        load.set_budget(budget);
        if !spill {
            load.no_spill();
        }
        let rest = &changes[split..];
        let cut = if two_calls {
            rest.len() / 2
        } else {
            rest.len()
        };
        load.record_staged(&rest[..cut], |_| {}).unwrap();
        load.record_staged(&rest[cut..], |_| {}).unwrap();
        load.commit().unwrap();
        assert_eq!(
            one.content_digest().unwrap(),
            staged.content_digest().unwrap(),
            "{} changes, the first {split} recorded one by one, staging budget {budget}, spill {spill}, two calls {two_calls}",
            changes.len()
        );
        // `heads` is outside the digest: compare it apart.
        assert_eq!(
            heads_of(&one),
            heads_of(&staged),
            "heads, budget {budget}, spill {spill}"
        );
    }
}

/// Every `heads` entry of a database, in key order.
#[cfg(test)]
fn heads_of(db: &Database) -> Vec<(u64, u64, String)> {
    use crate::store::engine::tables::View;
    use redb::ReadableTable;
    let t = db.read().unwrap();
    let rows = t.heads().iter().unwrap().map(|e| {
        let (k, v) = e.unwrap();
        let (id, name) = v.value();
        (k.value(), id, name.to_string())
    });
    rows.collect()
}

/// The engine agrees with the model over `config().cases` generated sequences, and the run
/// accepted and refused every kind of 異動 at least `fewest_per_kind` times.
#[test]
fn engine_agrees_with_the_model() {
    let config = config();
    let cases = config.cases;
    let tally = std::cell::RefCell::new(Tally::default());
    let mut runner = TestRunner::new(config);
    let result = runner.run(&ops_strategy(), |ops| {
        run_tallied(&ops, 8, &mut tally.borrow_mut());
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}\n{runner}");
    }
    let tally = tally.into_inner();
    println!("{cases} cases: {tally:?}");
    tally.assert_every_kind(fewest_per_kind(cases), &RARE, &format!("{cases} cases"));
}

#[cfg(test)]
proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_staged_load_writes_what_the_changes_one_by_one_write(ops in ops_strategy()) {
        staged_equals_one_by_one(&ops);
    }
}

// ---------------------------------------------------------------------------------------------
// Plain tests
// ---------------------------------------------------------------------------------------------

/// The model's hand-written keys are the ones the domain types compute.
#[test]
fn universe_constants_match_the_domain_types() {
    for n in NAMES {
        assert_eq!(Name::parse(n).unwrap().as_str(), n);
        assert_eq!(Name::parse(n).unwrap().key().as_str(), name_key(n));
    }
    for k in KANAS {
        assert_eq!(Kana::parse(k).unwrap().as_str(), k);
        assert_eq!(Kana::parse(k).unwrap().key().as_str(), kana_key(k));
    }
    // The homes' 町字 are the dictionary's, whole (no 丁目); the unknown one is not.
    let ashiya = crate::model::TownDictionary::ashiya();
    let town = |name: &str| ashiya.towns().iter().find(|t| t.name() == name);
    for h in &ADDRESSES {
        assert_eq!(Address::parse(h.written).unwrap().written(), h.written);
        assert_eq!(crate::model::address_key(h.written), h.key);
        let t = town(h.town).unwrap_or_else(|| panic!("{} is not a 町字", h.town));
        assert_eq!(t.chome(), None, "{}", h.town);
    }
    assert!(town("虹ケ丘町").is_none());
    for (w, _) in NOT_HOMES {
        assert_eq!(Address::parse(w).unwrap().written(), w);
    }
    for w in ELSEWHERE {
        assert_eq!(Address::parse(w).unwrap().written(), w);
    }
    for (item, values) in ITEM_VALUES {
        for v in values {
            assert_eq!(item.parse(v).unwrap(), v, "{item} {v}");
        }
    }
    for q in queries() {
        if let Some((text, key)) = q.address {
            let book = ashiya_book();
            let condition =
                crate::model::address_condition(Some(&book), &crate::model::address_key(text));
            assert_eq!(condition.unwrap().key, key);
        }
        match q.name {
            Some((text, NameMatch::Kana(key))) => {
                assert_eq!(
                    crate::model::KanaKey::from_query(text).unwrap().as_str(),
                    key
                )
            }
            Some((text, NameMatch::Kanji(key))) => {
                assert_eq!(
                    crate::model::NameKey::from_query(text).unwrap().as_str(),
                    key
                )
            }
            None => {}
        }
    }
    for i in 0..CODES {
        assert_eq!(ResidentCode::from_u64(code(i).get()).unwrap(), code(i));
    }
}

/// A sequence long enough to touch every reason, generated deterministically.
#[cfg(test)]
fn deterministic_ops(seed_round: u32) -> Vec<Op> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let strategy = prop::collection::vec(op_strategy(), 60..61);
    let mut ops = Vec::new();
    for _ in 0..=seed_round {
        ops = strategy.new_tree(&mut runner).unwrap().current();
    }
    ops
}

/// A backdated correction that sets an item to the value the latest version already holds
/// still changes the past (DESIGN.md, "Versioning model": its changed set holds every field
/// it names): it is recorded, names the item's group, and the as-of answer shows the value.
#[test]
fn a_backdated_correction_of_an_item_changes_the_past() {
    let dir = tempfile::tempdir().unwrap();
    let db = create_in_ashiya(&dir.path().join("juki.redb"));
    db.set_clock(Clock::Fixed(ymd(2020, 3, 1)));
    let c = code(0);
    let person = Fields {
        my_number: Some(number(0)),
        name: Some(name(NAMES[0])),
        kana: Some(kana(KANAS[0])),
        sex: Some(Sex::Male),
        birth: Some(births()[0]),
        address: Some(address(ADDRESSES[0].written)),
        postal: Some(postal(POSTALS[0])),
        household: Some(HouseholdId::new(HOUSEHOLDS[0])),
        relationship: Some(Relationship::head()),
        ..Fields::default()
    };
    db.record(&Change::new(Reason::MoveIn, c, ymd(2020, 1, 1)).with(person))
        .unwrap();
    let (item, values) = ITEM_VALUES[4];
    let care = |date| {
        let mut items = ItemChanges::new();
        items.set(item, values[0]).unwrap();
        let reason = if date == ymd(2020, 2, 1) {
            Reason::ItemChange
        } else {
            Reason::Correction
        };
        Change::new(reason, c, date).with(Fields {
            items,
            ..Fields::default()
        })
    };
    db.record(&care(ymd(2020, 2, 1))).unwrap();
    db.record(&care(ymd(2020, 1, 15))).unwrap();
    let then = db.get_as_of(c, ymd(2020, 1, 20)).unwrap().unwrap();
    assert_eq!(then.items.get(item), Some(values[0]));
    assert!(then.changed.iter().any(|f| f.name() == "insurance"));
    let before = db.get_as_of(c, ymd(2020, 1, 10)).unwrap().unwrap();
    assert_eq!(before.items.get(item), None);
}

#[test]
fn reopening_changes_nothing() {
    let ops = deterministic_ops(2);
    let (dir, db, m, today) = run(&ops, 20);
    assert!(
        m.feed.len() >= 10,
        "the sequence recorded only {} versions",
        m.feed.len()
    );
    let digest = db.content_digest().unwrap();
    let counts = db.counts().unwrap();
    let path = db.path().to_path_buf();
    drop(db);
    let db = Database::open(&path).unwrap();
    db.set_clock(Clock::Fixed(today));
    assert_eq!(db.content_digest().unwrap(), digest);
    assert_eq!(db.counts().unwrap(), counts);
    check_state(&db, &m, today, true, "after reopening");
    drop(dir);
}

/// The generator is not vacuous: over 1,000 generated sequences the model tries every kind of
/// 異動 at least 400 times, accepts each at least 30 times and refuses each at least 100
/// times (移行 is tried and refused: an import writes it), and the deep cases
/// of the cancellations happen: a 異動取消 that restores a new head or restated 続柄 with
/// its subject, a 転出 replaced by a 転出取消 and a new version, a 世帯主変更 that writes the
/// new head's version. So do the cases of the place and the household: MOVE HOUSEHOLD that
/// moves others with the head, and its 異動取消; AMEND setting and clearing items; refusals
/// by the geography and the address-dictionary rules, and MOVE HOUSEHOLD refused while a
/// member's 転出 is pending.
#[test]
fn generated_sequences_reach_every_kind() {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let strategy = ops_strategy();
    let mut tally = Tally::default();
    // (MOVE HOUSEHOLD with members, its 異動取消, AMEND that sets, AMEND that clears, a
    // refusal by geography, by address-dictionary, MOVE HOUSEHOLD refused by a pending 転出)
    let mut place = [0usize; 7];
    // (a cancellation with companions, a replacement in two versions, a 世帯主変更 with the
    // new head's version, a cancelled 転出確定 dated before its 転出, which brings the 転出
    // back)
    let mut deep = [0usize; 4];
    for _ in 0..1000 {
        let ops = strategy.new_tree(&mut runner).unwrap().current();
        let mut m = Model::default();
        let mut today = start();
        for op in &ops {
            today = today.add_days(i64::from(op.advance));
            let change = build(op, &m, today);
            let applied = m.apply(&change, today);
            tally.count(change.reason, applied.is_ok());
            match applied {
                Ok(wrote) => {
                    let many = wrote.len() > 1;
                    let kind = match change.reason {
                        Reason::Cancellation | Reason::MoveOutCancel => Some(0),
                        Reason::MoveOut | Reason::MoveOutConfirm => Some(1),
                        Reason::HeadChange => Some(2),
                        _ => None,
                    };
                    if let Some(k) = kind.filter(|_| many) {
                        deep[k] += 1;
                    }
                    if change.reason == Reason::Cancellation
                        && wrote.iter().any(|w| w.3 == Reason::MoveOut)
                    {
                        deep[3] += 1;
                    }
                    if change.fields.whole_household.is_some() && many {
                        place[0] += 1;
                    }
                    let moved_others = wrote.iter().skip(1).any(|w| {
                        let (p, i) = m.feed[w.2 as usize - 1];
                        m.versions(p)[i.saturating_sub(1)].reason == Reason::Move
                    });
                    if change.reason == Reason::Cancellation && moved_others {
                        place[1] += 1;
                    }
                    for (_, value) in change.fields.items.iter() {
                        place[if value.is_some() { 2 } else { 3 }] += 1;
                    }
                }
                Err(e) => {
                    let whole = change.fields.whole_household.is_some();
                    match e {
                        (_, Some(Rule::Geography)) => place[4] += 1,
                        (_, Some(Rule::AddressDictionary)) => place[5] += 1,
                        (_, Some(Rule::MoveOutPending)) if whole => place[6] += 1,
                        _ => {}
                    }
                }
            }
        }
    }
    println!("{tally:?}\ndeep {deep:?}");
    println!("place and household {place:?}");
    // The rarest counts of these fixed sequences: 479 tries (移行, all refused), 38
    // accepted (転出取消), 127 refused (職権記載).
    let fewest = Fewest {
        tried: 400,
        accepted: 30,
        refused: 100,
    };
    tally.assert_every_kind(fewest, &[], "1,000 fixed sequences");
    assert!(deep.iter().all(|n| *n > 0), "deep cases {deep:?}");
    assert!(
        place.iter().all(|n| *n > 0),
        "place and household cases {place:?}"
    );
}

/// The differential fuzz target's entry: arbitrary bytes become a sequence of 異動 (twelve
/// bytes a step: the reason, valid or broken, the days the clock moves, the seed of the
/// step's choices), recorded in the engine and applied to the model; any disagreement
/// panics.
#[cfg(fuzzing)]
pub fn differential(bytes: &[u8]) {
    let ops: Vec<Op> = bytes
        .chunks_exact(12)
        .take(40)
        .map(|c| Op {
            reason: MODELLED[usize::from(c[0]) % MODELLED.len()].1,
            valid: c[1] % 10 < 7,
            advance: match c[2] % 10 {
                0..=2 => 0,
                3..=8 => u16::from(c[3] % 29) + 1,
                _ => u16::from_le_bytes([c[3], c[2]]) % 370 + 30,
            },
            seed: u64::from_le_bytes(c[4..12].try_into().expect("eight bytes")),
        })
        .collect();
    if !ops.is_empty() {
        run(&ops, 4);
    }
}
