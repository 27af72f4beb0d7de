//! Synthetic residents of a Japanese city, with households and a history of 異動.
//!
//! The generator makes residents who look like those of 芦屋市 in 2025: an ageing pyramid
//! (about 29% aged 65 or over), about 47.5% men, households of one to six (about 38% living
//! alone) with exactly one 世帯主 and 続柄 that fit the ages, names with their readings from
//! frequency-weighted lists (`data/*.tsv`, including variant kanji such as 髙橋 and 山﨑, and
//! readings with small kana and dakuten), a few repeated names (same name and birth date at
//! another address), and addresses in the city's real towns with a 郵便番号 each. Resident
//! codes and My Numbers carry valid check digits, are unique, and are not sequential.
//!
//! The same [`GenOptions`] give the same residents and the same history, byte for byte, on
//! every platform: the random numbers come from a fixed algorithm (xoshiro256**, see `rng`),
//! and only integer arithmetic turns them into data. The residents do not depend on whether
//! a history is asked for.
//!
//! # Use
//! * [`residents`] streams the residents as typed values; [`GenResident::to_move_in`] makes
//!   each one's 転入 (in the order given, every 世帯主 comes before the rest of the
//!   household).
//! * [`history`] gives the 異動 to record after every 転入, in order; [`GenChange::to_change`]
//!   makes each a [`Change`].
//! * [`write_csv`] writes the residents in the import format (docs/residents-csv.md) and, when
//!   asked, the history in the format below.
//!
//! # The history file
//! UTF-8, LF line ends, RFC 4180 quoting, one header row:
//!
//! ```text
//! seq,resident_code,reason,date,my_number,name_kanji,name_kana,sex,birth_date,address,postal_code,household_id,relationship,destination,new_head,relationships,items
//! ```
//!
//! One 異動 a row, to be recorded in `seq` order (1, 2, 3 …; the rows of a file come in
//! ascending `seq` order) after the residents file has been loaded (each resident's 転入 dated `moved_in_date`). An empty cell means the change does not
//! set that field.
//!
//! | column | content |
//! | --- | --- |
//! | `seq` | the order of recording, from 1 |
//! | `resident_code` | the resident the change is about (for `birth`, the newborn's new code) |
//! | `reason` | 異動事由 as [`Reason::english`]: `move` (転居), `move_out` (転出), `death` (死亡), `rename` (氏名変更), `household_change` (世帯変更), `head_change` (世帯主変更), `birth` (出生); or `household_move` (MOVE HOUSEHOLD: the 転居 of the 世帯主 `resident_code` and every member of `household_id`) |
//! | `date` | 異動日, `YYYY-MM-DD`; never after the generation date, never before the resident's previous version |
//! | `my_number`, `sex`, `birth_date` | set by `birth` only (`birth_date` equals `date`) |
//! | `name_kanji`, `name_kana` | the new 氏名 and 振り仮名: `rename` and `birth` |
//! | `address`, `postal_code` | the new address: `move`, `household_move` and `birth` |
//! | `household_id`, `relationship` | the household joined and the 続柄 in it: `move` into another household (a grown child's own household, a marriage), `birth`; `relationship` alone for `household_change`; `household_id` alone for `household_move`: the household that moves |
//! | `destination` | 転出先: `move_out` |
//! | `new_head` | the resident code of the member who becomes 世帯主 when the change takes the head out of a household with others left (`death`, `move_out`, `head_change`) |
//! | `relationships` | with `new_head`: the 続柄 of every other member who stays, restated against the new head, as `<resident code>:<続柄>` pairs separated by spaces (for `head_change`, the former head's too) |
//! | `items` | items of the residents file as `key=value` pairs separated by `;` (a child born to a 外国人住民: 国籍, 第30条の45 区分, 外国人住民となった日) |
//!
//! The columns are named as in the residents file, so a `birth` row carries a complete
//! resident. Every row is a change the engine accepts when recorded in order, with today
//! set to the generation date.

mod address;
mod data;
mod history;
mod items;
mod population;
mod rng;
#[cfg(test)]
mod tests;

use std::io::{self, Write};

use chrono::{Datelike, NaiveDate};

use self::data::lists;
use self::history::{simulate, RawChange, RawName};
use self::population::{Home, Identities, Person, PopulationGen};
use crate::model::{
    Address, Date, HouseholdId, InvalidValue, ItemChanges, Kana, MyNumber, Name, PartialDate,
    PostalCode, Reason, Relationship, ResidentCode, Restatement, Sex,
};
use crate::store::{Change, Fields};

/// The header of the residents file.
pub const RESIDENTS_HEADER: &str = "resident_code,my_number,name_kanji,name_kana,sex,birth_date,address,postal_code,household_id,relationship,moved_in_date";

/// The header of the residents file with its item columns: [`RESIDENTS_HEADER`], then one
/// column per item ([`crate::model::ITEMS`]), empty where a resident does not hold it.
pub fn residents_header() -> String {
    crate::io::export::with_item_columns(RESIDENTS_HEADER)
}

/// The `reason` of a history row that moves a whole household (MOVE HOUSEHOLD): a 転居 of
/// the 世帯主 named by `resident_code`, with every member of `household_id`.
pub const HOUSEHOLD_MOVE_REASON: &str = "household_move";

/// The header of the history file (see the module documentation).
pub const HISTORY_HEADER: &str = "seq,resident_code,reason,date,my_number,name_kanji,name_kana,sex,birth_date,address,postal_code,household_id,relationship,destination,new_head,relationships,items";

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenOptions {
    /// Number of residents in the residents file (births in the history come on top).
    pub count: usize,
    /// The seed: the same seed gives the same output.
    pub seed: u64,
    /// Whether [`write_csv`] also writes the history.
    pub history: bool,
    /// The generation date: no birth, 転入 or 異動 is dated after it, and ages are counted
    /// on it.
    pub today: Date,
    /// Whether residents hold the other names a search finds them by (通称): on by default.
    /// A comparison with an engine that indexes the 氏名 alone (the SQLite side of the
    /// benches) turns it off, so that both answer the same searches.
    pub other_names: bool,
}

impl GenOptions {
    /// Options for `count` residents with `seed` as of `today`, without history.
    pub fn new(count: usize, seed: u64, today: Date) -> GenOptions {
        GenOptions {
            count,
            seed,
            history: false,
            today,
            other_names: true,
        }
    }

    fn today_days(&self) -> i32 {
        self.today.naive().num_days_from_ce()
    }
}

/// One generated resident, as typed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenResident {
    /// 住民票コード.
    pub code: ResidentCode,
    /// 個人番号.
    pub my_number: MyNumber,
    /// 氏名.
    pub name: Name,
    /// 振り仮名.
    pub kana: Kana,
    /// 性別.
    pub sex: Sex,
    /// 生年月日 (a few foreign residents' known only in part, see `items::recorded_birth`).
    pub birth: PartialDate,
    /// 住所.
    pub address: Address,
    /// 郵便番号.
    pub postal: PostalCode,
    /// 世帯番号.
    pub household: HouseholdId,
    /// 続柄.
    pub relationship: Relationship,
    /// 住民となった日: the birth date for those born in the city.
    pub moved_in: Date,
    /// The items beyond the core fields (本籍, the 外国人住民 items, 年金 and 保険 …).
    pub items: ItemChanges,
}

impl GenResident {
    /// The resident's 転入, dated `moved_in`, with every field a 転入 requires.
    pub fn to_move_in(&self) -> Change {
        Change::new(Reason::MoveIn, self.code, self.moved_in).with(Fields {
            my_number: Some(self.my_number),
            name: Some(self.name.clone()),
            kana: Some(self.kana.clone()),
            sex: Some(self.sex),
            birth: Some(self.birth),
            address: Some(self.address.clone()),
            postal: Some(self.postal),
            household: Some(self.household),
            relationship: Some(self.relationship.clone()),
            items: self.items.clone(),
            ..Fields::default()
        })
    }
}

/// One generated 異動 of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenChange {
    /// Its place in the history, from 1: record in this order.
    pub seq: u64,
    /// 異動事由.
    pub reason: Reason,
    /// The resident (for 出生, the newborn).
    pub code: ResidentCode,
    /// 異動日.
    pub date: Date,
    /// What the change sets.
    pub fields: Fields,
}

impl GenChange {
    /// The change to record.
    pub fn to_change(&self) -> Change {
        Change::new(self.reason, self.code, self.date).with(self.fields.clone())
    }
}

/// What [`write_csv`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GenStats {
    /// Rows of the residents file.
    pub residents: usize,
    /// Households in the residents file.
    pub households: usize,
    /// Rows of the history file (0 without history).
    pub changes: usize,
    /// 出生 among the changes: residents who exist only in the history.
    pub births: usize,
    /// Versions a database holds after recording every 転入 and every change: one per row of
    /// either file, plus one for each version a change writes for another resident (a
    /// `new_head`, a restated 続柄, a member moved by a `household_move`).
    pub versions: u64,
}

impl GenStats {
    /// Average versions per resident after the history is recorded.
    pub fn versions_per_resident(&self) -> f64 {
        let people = self.residents + self.births;
        if people == 0 {
            0.0
        } else {
            self.versions as f64 / people as f64
        }
    }
}

// ---------------------------------------------------------------------------------------
// Conversions from the generator's compact form.

fn date_of(days: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(days).expect("generated dates are in range")
}

fn typed_date(days: i32) -> Date {
    let d = date_of(days);
    Date::from_ymd(d.year(), d.month(), d.day()).expect("generated dates are valid")
}

/// The written name and the reading of a (surname, given name, sex) triple.
fn name_strings(surname: u32, given: u32, sex: Sex) -> (String, String) {
    let l = lists();
    let s = l.surname(surname);
    let g = l.given(sex, given);
    (
        [s.kanji, " ", g.kanji].concat(),
        [s.reading, " ", g.reading].concat(),
    )
}

/// What a person's row holds beyond the population: the 氏名 and reading (in Latin letters
/// as on the card for a 外国人住民) and the items (`items`).
struct Extras {
    name: String,
    kana: String,
    /// The birth date as recorded: the population's day, or a part of it.
    birth: PartialDate,
    items: Vec<(crate::model::Item, String)>,
}

fn extras(opts: &GenOptions, home: &Home, head: &Person, p: &Person) -> Extras {
    let foreign = items::foreign_household(opts.seed, p.household);
    let (name, kana) = match foreign {
        Some(nat) => items::foreign_name(opts.seed, nat, p),
        None => name_strings(p.surname, p.given, p.sex),
    };
    let birth = items::recorded_birth(opts.seed, foreign.is_some(), p, typed_date(p.birth));
    let date = |days: i32| typed_date(days).to_string();
    let mut items = items::items_of(opts.seed, opts.today_days(), home, head, p, date);
    if !opts.other_names {
        items.retain(|(i, _)| {
            !matches!(
                i,
                crate::model::Item::CommonName | crate::model::Item::CommonNameKana
            )
        });
    }
    Extras {
        name,
        kana,
        birth,
        items,
    }
}

fn typed_resident(ids: &Identities, home: &Home, p: &Person, extra: Extras) -> GenResident {
    let Extras {
        name,
        kana,
        birth,
        items,
    } = extra;
    let mut changes = ItemChanges::new();
    for (item, value) in items {
        changes
            .set(item, &value)
            .expect("generated items are valid");
    }
    GenResident {
        items: changes,
        code: ids.code(p.serial),
        my_number: ids.my_number(p.serial),
        name: Name::from_trusted(name),
        kana: Kana::from_trusted(kana),
        sex: p.sex,
        birth,
        address: Address::from_trusted(home.address.clone()),
        postal: PostalCode::from_u32(home.postal).expect("generated postal codes are valid"),
        household: HouseholdId::new(ids.household(home.id)),
        relationship: Relationship::from_trusted(p.rel.as_str().to_string()),
        moved_in: typed_date(p.moved_in),
    }
}

/// `<code>:<続柄>` pairs, as `relationships=` and the history file write them.
fn restatement_text(ids: &Identities, pairs: &[(u64, population::Rel)]) -> String {
    pairs
        .iter()
        .map(|(serial, rel)| format!("{:011}:{}", ids.code(*serial).get(), rel.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The written name and the reading of a generated name.
fn raw_name_strings(name: &RawName) -> (String, String) {
    match name {
        RawName::Listed(s, g, x) => name_strings(*s, *g, *x),
        RawName::Written(name, kana) => (name.clone(), kana.clone()),
    }
}

/// The `items` cell of the history file: `key=value` pairs separated by `;`.
fn items_cell(items: &[(crate::model::Item, String)]) -> String {
    items
        .iter()
        .map(|(item, value)| format!("{}={value}", item.key()))
        .collect::<Vec<_>>()
        .join(";")
}

/// Reads an `items` cell ([`items_cell`]): each key an item of the residents file's, each
/// value valid for it.
fn parse_items_cell(cell: &str) -> Result<ItemChanges, InvalidValue> {
    let mut changes = ItemChanges::new();
    for pair in cell.split(';').filter(|p| !p.trim().is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(InvalidValue::new(
                "items",
                format!("{pair:?} is not key=value"),
            ));
        };
        let item = crate::model::Item::from_key(key.trim()).ok_or_else(|| {
            InvalidValue::new("items", format!("{:?} is not an item", key.trim()))
        })?;
        changes.set(item, value.trim())?;
    }
    Ok(changes)
}

fn typed_change(ids: &Identities, seq: u64, raw: &RawChange) -> GenChange {
    let f = &raw.fields;
    let (name, kana) = f.name.as_ref().map(raw_name_strings).unzip();
    let mut items = ItemChanges::new();
    for (item, value) in &f.items {
        items.set(*item, value).expect("generated items are valid");
    }
    GenChange {
        seq,
        reason: raw.reason,
        code: ids.code(raw.serial),
        date: typed_date(raw.date),
        fields: Fields {
            my_number: f.my_number.map(|s| ids.my_number(s)),
            name: name.map(Name::from_trusted),
            kana: kana.map(Kana::from_trusted),
            sex: f.sex,
            birth: f.birth.map(|d| typed_date(d).into()),
            address: f
                .address
                .as_deref()
                .map(|a| Address::from_trusted(a.to_string())),
            postal: f
                .postal
                .map(|p| PostalCode::from_u32(p).expect("generated postal codes are valid")),
            household: f.household.map(|h| HouseholdId::new(ids.household(h))),
            relationship: f
                .relationship
                .map(|r| Relationship::from_trusted(r.as_str().to_string())),
            destination: f
                .destination
                .as_deref()
                .map(|a| Address::from_trusted(a.to_string())),
            new_head: f.new_head.map(|s| ids.code(s)),
            relationships: (!f.relationships.is_empty()).then(|| {
                Restatement::parse(&restatement_text(ids, &f.relationships))
                    .expect("generated restatements are valid")
            }),
            whole_household: f
                .whole_household
                .map(|h| HouseholdId::new(ids.household(h))),
            items,
            ..Fields::default()
        },
    }
}

// ---------------------------------------------------------------------------------------
// The streaming API.

/// The residents of [`residents`], one household after another, 世帯主 first.
pub struct Residents {
    gen: PopulationGen,
    ids: Identities,
    opts: GenOptions,
    remaining: usize,
    home: Option<(Home, Vec<Person>)>,
    members: std::vec::IntoIter<Person>,
}

impl Iterator for Residents {
    type Item = GenResident;

    fn next(&mut self) -> Option<GenResident> {
        loop {
            if let (Some((home, members)), Some(p)) = (&self.home, self.members.next()) {
                let extra = extras(&self.opts, home, population::koseki_head(members, &p), &p);
                return Some(typed_resident(&self.ids, home, &p, extra));
            }
            if self.remaining == 0 {
                return None;
            }
            let (home, people) = self.gen.next_household(self.remaining);
            self.remaining -= people.len();
            self.home = Some((home, people.clone()));
            self.members = people.into_iter();
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.remaining + self.members.len();
        (n, Some(n))
    }
}

/// The `opts.count` residents of `opts.seed`, streamed.
pub fn residents(opts: &GenOptions) -> Residents {
    Residents {
        gen: PopulationGen::new(opts.seed, opts.today_days()),
        ids: Identities::new(opts.seed),
        opts: *opts,
        remaining: opts.count,
        home: None,
        members: Vec::new().into_iter(),
    }
}

/// Every household of the population, in order.
fn households(opts: &GenOptions) -> impl Iterator<Item = (Home, Vec<Person>)> {
    let mut gen = PopulationGen::new(opts.seed, opts.today_days());
    let mut remaining = opts.count;
    std::iter::from_fn(move || {
        (remaining > 0).then(|| {
            let (home, people) = gen.next_household(remaining);
            remaining -= people.len();
            (home, people)
        })
    })
}

/// The history of the residents of `opts` (whatever `opts.history` says), in recording
/// order. It is computed in full on the first call to `next`.
pub fn history(opts: &GenOptions) -> impl Iterator<Item = GenChange> {
    let opts = *opts;
    let mut changes: Option<std::iter::Enumerate<std::vec::IntoIter<RawChange>>> = None;
    let ids = Identities::new(opts.seed);
    std::iter::from_fn(move || {
        let it = changes.get_or_insert_with(|| {
            let (homes, people): (Vec<Home>, Vec<Vec<Person>>) = households(&opts).unzip();
            let people = people.into_iter().flatten().collect();
            simulate(opts.seed, opts.today_days(), people, homes)
                .changes
                .into_iter()
                .enumerate()
        });
        it.next()
            .map(|(i, raw)| typed_change(&ids, i as u64 + 1, &raw))
    })
}

// ---------------------------------------------------------------------------------------
// CSV.

/// Buffers rows and hands them to a writer in large pieces.
struct CsvOut<W: Write> {
    buf: Vec<u8>,
    out: W,
}

impl<W: Write> CsvOut<W> {
    fn new(out: W) -> CsvOut<W> {
        CsvOut {
            buf: Vec::with_capacity(1 << 17),
            out,
        }
    }

    /// A field, quoted when RFC 4180 requires it.
    fn text(&mut self, s: &str) {
        if s.contains([',', '"', '\n', '\r']) {
            self.buf.push(b'"');
            for b in s.bytes() {
                if b == b'"' {
                    self.buf.push(b'"');
                }
                self.buf.push(b);
            }
            self.buf.push(b'"');
        } else {
            self.buf.extend_from_slice(s.as_bytes());
        }
    }

    fn digits(&mut self, value: u64, width: usize) {
        let mut tmp = [b'0'; 20];
        let mut v = value;
        let mut i = tmp.len();
        while v > 0 || tmp.len() - i < width.max(1) {
            i -= 1;
            tmp[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        self.buf.extend_from_slice(&tmp[i..]);
    }

    fn date(&mut self, days: i32) {
        let d = date_of(days);
        self.digits(d.year() as u64, 4);
        self.buf.push(b'-');
        self.digits(u64::from(d.month()), 2);
        self.buf.push(b'-');
        self.digits(u64::from(d.day()), 2);
    }

    fn postal(&mut self, p: u32) {
        self.digits(u64::from(p / 10_000), 3);
        self.buf.push(b'-');
        self.digits(u64::from(p % 10_000), 4);
    }

    fn name(&mut self, surname: u32, given: u32, sex: Sex) {
        let l = lists();
        let (s, g) = (l.surname(surname), l.given(sex, given));
        self.text(s.kanji);
        self.buf.push(b' ');
        self.text(g.kanji);
        self.buf.push(b',');
        self.text(s.reading);
        self.buf.push(b' ');
        self.text(g.reading);
    }

    fn comma(&mut self) {
        self.buf.push(b',');
    }

    fn end_row(&mut self) -> io::Result<()> {
        self.buf.push(b'\n');
        if self.buf.len() >= 1 << 16 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()
    }

    fn resident(
        &mut self,
        ids: &Identities,
        home: &Home,
        p: &Person,
        extra: Extras,
    ) -> io::Result<()> {
        self.digits(ids.code(p.serial).get(), 11);
        self.comma();
        self.digits(ids.my_number(p.serial).get(), 12);
        self.comma();
        self.text(&extra.name);
        self.comma();
        self.text(&extra.kana);
        self.comma();
        self.digits(u64::from(p.sex.code()), 1);
        self.comma();
        self.text(&extra.birth.to_string());
        self.comma();
        self.text(&home.address);
        self.comma();
        self.postal(home.postal);
        self.comma();
        self.digits(ids.household(home.id), 1);
        self.comma();
        self.text(p.rel.as_str());
        self.comma();
        self.date(p.moved_in);
        for item in crate::model::Item::ALL {
            self.comma();
            if let Some((_, v)) = extra.items.iter().find(|(i, _)| *i == item) {
                self.text(v);
            }
        }
        self.end_row()
    }

    fn change(&mut self, ids: &Identities, seq: u64, c: &RawChange) -> io::Result<()> {
        let f = &c.fields;
        self.digits(seq, 1);
        self.comma();
        self.digits(ids.code(c.serial).get(), 11);
        self.comma();
        self.text(match f.whole_household {
            Some(_) => HOUSEHOLD_MOVE_REASON,
            None => c.reason.english(),
        });
        self.comma();
        self.date(c.date);
        self.comma();
        if let Some(s) = f.my_number {
            self.digits(ids.my_number(s).get(), 12);
        }
        self.comma();
        match &f.name {
            Some(RawName::Listed(s, g, x)) => self.name(*s, *g, *x),
            Some(RawName::Written(name, kana)) => {
                self.text(name);
                self.comma();
                self.text(kana);
            }
            None => self.comma(),
        }
        self.comma();
        if let Some(s) = f.sex {
            self.digits(u64::from(s.code()), 1);
        }
        self.comma();
        if let Some(b) = f.birth {
            self.date(b);
        }
        self.comma();
        if let Some(a) = &f.address {
            self.text(a);
        }
        self.comma();
        if let Some(p) = f.postal {
            self.postal(p);
        }
        self.comma();
        if let Some(h) = f.household.or(f.whole_household) {
            self.digits(ids.household(h), 1);
        }
        self.comma();
        if let Some(r) = f.relationship {
            self.text(r.as_str());
        }
        self.comma();
        if let Some(d) = &f.destination {
            self.text(d);
        }
        self.comma();
        if let Some(s) = f.new_head {
            self.digits(ids.code(s).get(), 11);
        }
        self.comma();
        if !f.relationships.is_empty() {
            self.text(&restatement_text(ids, &f.relationships));
        }
        self.comma();
        self.text(&items_cell(&f.items));
        self.end_row()
    }
}

/// Writes the residents of `opts` to `residents_out` in the import format and, when
/// `opts.history` is set and `history_out` is given, their history to `history_out` (see the
/// module documentation). With `history_out` but without `opts.history`, the history file
/// gets its header only.
pub fn write_csv(
    opts: &GenOptions,
    residents_out: impl Write,
    history_out: Option<&mut dyn Write>,
) -> io::Result<GenStats> {
    let ids = Identities::new(opts.seed);
    let keep = opts.history && history_out.is_some();
    let mut stats = GenStats::default();
    let mut out = CsvOut::new(residents_out);
    out.buf.extend_from_slice(residents_header().as_bytes());
    out.end_row()?;
    let mut homes = Vec::new();
    let mut people = Vec::new();
    for (home, members) in households(opts) {
        for p in &members {
            let head = population::koseki_head(&members, p);
            out.resident(&ids, &home, p, extras(opts, &home, head, p))?;
        }
        stats.residents += members.len();
        stats.households += 1;
        if keep {
            homes.push(home);
            people.extend(members);
        }
    }
    out.flush()?;
    stats.versions = stats.residents as u64;
    if let Some(h) = history_out {
        let mut out = CsvOut::new(h);
        out.buf.extend_from_slice(HISTORY_HEADER.as_bytes());
        out.end_row()?;
        if keep {
            let history = simulate(opts.seed, opts.today_days(), people, homes);
            for (i, c) in history.changes.iter().enumerate() {
                out.change(&ids, i as u64 + 1, c)?;
                if c.reason == Reason::Birth {
                    stats.births += 1;
                }
            }
            stats.changes = history.changes.len();
            stats.versions += stats.changes as u64 + history.extra_versions;
        }
        out.flush()?;
    }
    Ok(stats)
}

/// Reads one row of the history file: `record` holds its cells in [`HISTORY_HEADER`] order.
pub fn parse_history_record(record: &[&str]) -> Result<GenChange, InvalidValue> {
    const COLUMNS: usize = 17;
    if record.len() != COLUMNS {
        return Err(InvalidValue::new(
            "history row",
            format!("expected {COLUMNS} cells, got {}", record.len()),
        ));
    }
    fn opt<T>(
        cell: &str,
        parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
    ) -> Result<Option<T>, InvalidValue> {
        if cell.is_empty() {
            Ok(None)
        } else {
            parse(cell).map(Some)
        }
    }
    let seq = record[0]
        .parse()
        .map_err(|_| InvalidValue::new("seq", format!("{:?} is not a number", record[0])))?;
    let whole = record[2] == HOUSEHOLD_MOVE_REASON;
    let reason = if whole {
        Reason::Move
    } else {
        Reason::parse(record[2])?
    };
    let household = opt(record[11], HouseholdId::parse)?;
    if whole && household.is_none() {
        return Err(InvalidValue::new(
            "household_id",
            "a household_move row names the household that moves",
        ));
    }
    let (household, whole_household) = if whole {
        (None, household)
    } else {
        (household, None)
    };
    Ok(GenChange {
        seq,
        code: ResidentCode::parse(record[1])?,
        reason,
        date: Date::parse(record[3])?,
        fields: Fields {
            my_number: opt(record[4], MyNumber::parse)?,
            name: opt(record[5], Name::parse)?,
            kana: opt(record[6], Kana::parse)?,
            sex: opt(record[7], Sex::parse)?,
            birth: opt(record[8], PartialDate::parse)?,
            address: opt(record[9], Address::parse)?,
            postal: opt(record[10], PostalCode::parse)?,
            household,
            relationship: opt(record[12], Relationship::parse)?,
            destination: opt(record[13], Address::parse)?,
            new_head: opt(record[14], ResidentCode::parse)?,
            relationships: opt(record[15], Restatement::parse)?,
            whole_household,
            items: parse_items_cell(record[16])?,
            ..Fields::default()
        },
    })
}
