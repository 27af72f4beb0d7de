//! The history: a day-by-day simulation of the population after each resident's 転入, whose
//! every step is a 異動 the engine accepts in order.
//!
//! The simulation runs over the last [`YEARS`] years up to `today`. Each day a number of
//! trials of each kind of event is drawn in proportion to the population; a trial picks a
//! resident or a household at random and becomes an event only when it fits (age, 続柄,
//! household) and when every resident it touches has no version dated after the day. The
//! kinds:
//!
//! * 転居 of a whole household within the city: one MOVE HOUSEHOLD addressed to the 世帯主
//!   (the engine writes every member's 転居), keeping the 世帯番号;
//! * 転居 of a grown child (20–40) into a household of their own, as its 世帯主;
//! * marriage: 氏名変更 of the partner who takes the other's surname, then 転居 into the
//!   other's household as 妻 or 夫. Only people living alone or grown children marry, and
//!   they marry people living alone, so no household loses its head. An unmarried couple's
//!   marriage is 氏名変更 plus 世帯変更 (妻(未届) → 妻);
//! * 出生 into a household, to a 妻 or 子の妻 aged 20–44, as 子 or 孫;
//! * 死亡, more likely with age; a 世帯主 who leaves others names the oldest of them as
//!   `new_head`;
//! * 転出 to another city: a grown child alone, or a whole household with the 世帯主 last;
//! * 世帯主 handed from a head aged 68 or more to the oldest child (30 or more): 世帯主変更
//!   of the head (to 父/母) with `new_head` and every other member's 続柄 restated as seen
//!   from the new head; a head who dies or moves out leaving others names the oldest as
//!   `new_head` and restates the others the same way.

use super::address;
use super::data::lists;
use super::items;
use super::population::{household_serial, sibling, year_of, Home, Person, Rel};
use super::rng::Rng;
use crate::model::{Item, Reason, Sex};

/// How many years of history are simulated.
pub(crate) const YEARS: i32 = 20;

/// The fields a generated change sets, as the generator keeps them.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawFields {
    /// Serial number whose My Number is set (births).
    pub(crate) my_number: Option<u64>,
    /// The name set.
    pub(crate) name: Option<RawName>,
    pub(crate) sex: Option<Sex>,
    pub(crate) birth: Option<i32>,
    pub(crate) address: Option<String>,
    pub(crate) postal: Option<u32>,
    pub(crate) household: Option<u64>,
    pub(crate) relationship: Option<Rel>,
    pub(crate) destination: Option<String>,
    /// Serial number of the new 世帯主.
    pub(crate) new_head: Option<u64>,
    /// The 続柄 of the members who stay, restated against the new 世帯主 (serial, 続柄).
    pub(crate) relationships: Vec<(u64, Rel)>,
    /// MOVE HOUSEHOLD: the 世帯番号 of the household that moves with its 世帯主.
    pub(crate) whole_household: Option<u64>,
    /// The items set (a 外国人住民's at birth: `items::newborn_items`).
    pub(crate) items: Vec<(Item, String)>,
}

/// A name as the generator sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawName {
    /// From the Japanese name lists: surname index, given-name index and sex.
    Listed(u32, u32, Sex),
    /// Written out with its reading: a 外国人住民's name as on the card.
    Written(String, String),
}

/// One generated 異動.
#[derive(Debug, Clone)]
pub(crate) struct RawChange {
    pub(crate) reason: Reason,
    /// Serial number of the resident.
    pub(crate) serial: u64,
    /// 異動日, days from the common era.
    pub(crate) date: i32,
    pub(crate) fields: RawFields,
}

/// The result of a simulation.
pub(crate) struct History {
    pub(crate) changes: Vec<RawChange>,
    /// Versions the engine writes beyond one per change (for each `new_head`, each restated
    /// 続柄 and each member a MOVE HOUSEHOLD moves with its head).
    pub(crate) extra_versions: u64,
}

struct P {
    person: Person,
    /// For a 外国人住民, the nationality and the household their name is drawn from
    /// (`items::foreign_name`): the household they were generated in, or their mother's.
    foreign: Option<Origin>,
    active: bool,
    latest: i32,
}

#[derive(Debug, Clone, Copy)]
struct Origin {
    nationality: usize,
    household: u32,
}

struct H {
    home: Home,
    /// Active members, the 世帯主 first.
    members: Vec<u32>,
}

/// Event kinds, with trials per year per million residents (or households).
#[derive(Clone, Copy)]
enum Kind {
    HouseholdMove,
    LeaveHome,
    Marriage,
    Birth,
    Death,
    MoveOut,
    Handover,
}

const KINDS: [(Kind, u64, bool); 7] = [
    // (kind, trials per year per million, per household rather than per resident)
    (Kind::HouseholdMove, 170_000, true),
    (Kind::LeaveHome, 60_000, false),
    (Kind::Marriage, 80_000, false),
    (Kind::Birth, 120_000, false),
    (Kind::Death, 250_000, false),
    (Kind::MoveOut, 8_000, false),
    (Kind::Handover, 300_000, true),
];

/// Yearly probability of death per million, by age, interpolated between decades.
fn mortality(age: i32) -> u32 {
    const TABLE: [u32; 12] = [
        300, 100, 300, 500, 1_000, 2_500, 6_000, 15_000, 45_000, 140_000, 350_000, 600_000,
    ];
    let a = age.clamp(0, 110) as usize;
    let (i, f) = (a / 10, (a % 10) as u32);
    let lo = TABLE[i];
    let hi = TABLE[(i + 1).min(11)];
    lo + (hi.saturating_sub(lo)) * f / 10 - (lo.saturating_sub(hi)) * f / 10
}

/// Chance per trial that an eligible woman gives birth, per million, by age.
fn fertility(age: i32) -> u32 {
    match age {
        20..=24 => 250_000,
        25..=29 => 450_000,
        30..=34 => 500_000,
        35..=39 => 300_000,
        40..=44 => 80_000,
        _ => 0,
    }
}

struct Sim {
    /// The generation's seed: which households are 外国人住民 (`items::foreign_household`).
    seed: u64,
    rng: Rng,
    today: i32,
    ps: Vec<P>,
    hs: Vec<H>,
    out: Vec<RawChange>,
    active: u64,
    live_households: u64,
    extra_versions: u64,
}

/// Runs the simulation over `people` (in serial order) living in `homes`.
pub(crate) fn simulate(seed: u64, today: i32, people: Vec<Person>, homes: Vec<Home>) -> History {
    let mut hs: Vec<H> = homes
        .into_iter()
        .map(|home| H {
            home,
            members: Vec::new(),
        })
        .collect();
    let mut ps = Vec::with_capacity(people.len() + people.len() / 10);
    for person in people {
        let h = &mut hs[person.household as usize];
        if person.rel == Rel::Head {
            h.members.insert(0, ps.len() as u32);
        } else {
            h.members.push(ps.len() as u32);
        }
        let latest = person.moved_in;
        let foreign = items::foreign_household(seed, person.household).map(|nationality| Origin {
            nationality,
            household: person.household,
        });
        ps.push(P {
            foreign,
            person,
            active: true,
            latest,
        });
    }
    let mut sim = Sim {
        seed,
        rng: Rng::new(seed, 1),
        today,
        active: ps.len() as u64,
        live_households: hs.iter().filter(|h| !h.members.is_empty()).count() as u64,
        ps,
        hs,
        out: Vec::new(),
        extra_versions: 0,
    };
    sim.run();
    History {
        changes: sim.out,
        extra_versions: sim.extra_versions,
    }
}

impl Sim {
    fn run(&mut self) {
        const PER_DAY: u64 = 365 * 1_000_000;
        let mut acc = [0u64; KINDS.len()];
        let start = self.today - YEARS * 365;
        for day in start..=self.today {
            for (k, &(kind, rate, per_household)) in KINDS.iter().enumerate() {
                let base = if per_household {
                    self.live_households
                } else {
                    self.active
                };
                acc[k] += base * rate;
                let trials = acc[k] / PER_DAY;
                acc[k] %= PER_DAY;
                for _ in 0..trials {
                    self.trial(kind, day);
                }
            }
        }
    }

    fn trial(&mut self, kind: Kind, day: i32) {
        match kind {
            Kind::HouseholdMove => {
                if let Some(h) = self.random_household() {
                    self.household_move(h, day);
                }
            }
            Kind::Handover => {
                if let Some(h) = self.random_household() {
                    self.handover(h, day);
                }
            }
            _ => {
                let Some(p) = self.random_person(day) else {
                    return;
                };
                match kind {
                    Kind::LeaveHome => self.leave_home(p, day),
                    Kind::Marriage => self.marriage(p, day),
                    Kind::Birth => self.birth(p, day),
                    Kind::Death => self.death(p, day),
                    _ => self.move_out(p, day),
                }
            }
        }
    }

    /// An active resident with no version after `day`, or `None` after a few misses.
    fn random_person(&mut self, day: i32) -> Option<u32> {
        for _ in 0..4 {
            let i = self.rng.index(self.ps.len());
            let p = &self.ps[i];
            if p.active && p.latest <= day {
                return Some(i as u32);
            }
        }
        None
    }

    fn random_household(&mut self) -> Option<u32> {
        for _ in 0..4 {
            let i = self.rng.index(self.hs.len());
            if !self.hs[i].members.is_empty() {
                return Some(i as u32);
            }
        }
        None
    }

    /// Whether every member of household `h` has no version after `day`.
    fn settled(&self, h: u32, day: i32) -> bool {
        let members = &self.hs[h as usize].members;
        !members.is_empty() && members.iter().all(|&m| self.ps[m as usize].latest <= day)
    }

    /// Age in years on `day`, counted as 365.25-day years (close enough for choosing who
    /// an event may happen to, and much cheaper than calendar arithmetic).
    fn age(&self, p: u32, day: i32) -> i32 {
        (day - self.ps[p as usize].person.birth) * 4 / 1461
    }

    fn emit(&mut self, reason: Reason, p: u32, day: i32, fields: RawFields) {
        let person = &mut self.ps[p as usize];
        debug_assert!(person.latest <= day);
        person.latest = day;
        self.out.push(RawChange {
            reason,
            serial: person.person.serial,
            date: day,
            fields,
        });
    }

    fn remove_member(&mut self, p: u32) {
        let h = self.ps[p as usize].person.household as usize;
        self.hs[h].members.retain(|&m| m != p);
        if self.hs[h].members.is_empty() {
            self.live_households -= 1;
        }
    }

    /// A new address different from household `h`'s: another place, not the same one
    /// written another way (伊勢町10-8 is 伊勢町10番8号), which the engine refuses as no
    /// change.
    fn new_address(&mut self, old: &str) -> (String, u32) {
        loop {
            let (a, p) = address::home(&mut self.rng);
            if !address::same_place(&a, old) {
                return (a, p);
            }
        }
    }

    fn household_move(&mut self, h: u32, day: i32) {
        if !self.settled(h, day) {
            return;
        }
        let (addr, postal) = self.new_address(&self.hs[h as usize].home.address.clone());
        let members = self.hs[h as usize].members.clone();
        let Some((&head, others)) = members.split_first() else {
            return;
        };
        debug_assert_eq!(self.ps[head as usize].person.rel, Rel::Head);
        // One MOVE HOUSEHOLD, addressed to the 世帯主: the engine writes every member's 転居.
        self.emit(
            Reason::Move,
            head,
            day,
            RawFields {
                address: Some(addr.clone()),
                postal: Some(postal),
                whole_household: Some(self.hs[h as usize].home.id),
                ..RawFields::default()
            },
        );
        for &m in others {
            self.ps[m as usize].latest = day;
        }
        self.extra_versions += others.len() as u64;
        let home = &mut self.hs[h as usize].home;
        home.address = addr;
        home.postal = postal;
    }

    /// Opens a new household for `p` at a new address and moves `p` there as 世帯主.
    fn leave_home(&mut self, p: u32, day: i32) {
        let person = &self.ps[p as usize].person;
        if person.rel != Rel::Child || !(20..=40).contains(&self.age(p, day)) {
            return;
        }
        let old = self.hs[person.household as usize].home.address.clone();
        let (address, postal) = self.new_address(&old);
        let k = self.hs.len() as u32;
        let id = household_serial(k);
        self.emit(
            Reason::Move,
            p,
            day,
            RawFields {
                address: Some(address.clone()),
                postal: Some(postal),
                household: Some(id),
                relationship: Some(Rel::Head),
                ..RawFields::default()
            },
        );
        self.remove_member(p);
        self.hs.push(H {
            home: Home {
                id,
                address,
                postal,
            },
            members: vec![p],
        });
        self.live_households += 1;
        let person = &mut self.ps[p as usize].person;
        person.household = k;
        person.rel = Rel::Head;
    }

    fn lives_alone(&self, p: u32) -> bool {
        let person = &self.ps[p as usize].person;
        person.rel == Rel::Head && self.hs[person.household as usize].members.len() == 1
    }

    /// 氏名変更 of `p` to the surname of `spouse` on marriage, when that changes the name.
    /// A marriage changes no name where either is a 外国人住民: a foreign spouse keeps the
    /// name on the card, and a Japanese one who marries a foreigner keeps the 氏 (a 国際結婚
    /// changes it only on a request the generator does not make).
    fn take_surname(&mut self, p: u32, spouse: u32, day: i32) {
        let (person, other) = (&self.ps[p as usize], &self.ps[spouse as usize]);
        let surname = other.person.surname;
        if person.person.surname == surname || person.foreign.is_some() || other.foreign.is_some() {
            return;
        }
        let person = &person.person;
        let (given, sex) = (person.given, person.sex);
        self.emit(
            Reason::Rename,
            p,
            day,
            RawFields {
                name: Some(RawName::Listed(surname, given, sex)),
                ..RawFields::default()
            },
        );
        self.ps[p as usize].person.surname = surname;
    }

    /// A 世帯変更 that gives `p` the 続柄 `rel` on `day`.
    fn change_relationship(&mut self, p: u32, rel: Rel, day: i32) {
        self.emit(
            Reason::HouseholdChange,
            p,
            day,
            RawFields {
                relationship: Some(rel),
                ..RawFields::default()
            },
        );
        self.ps[p as usize].person.rel = rel;
    }

    fn marriage(&mut self, a: u32, day: i32) {
        let rel = self.ps[a as usize].person.rel;
        let age_a = self.age(a, day);
        if matches!(rel, Rel::WifeUnregistered | Rel::HusbandUnregistered) {
            // An unmarried couple registers their marriage.
            let h = self.ps[a as usize].person.household as usize;
            let head = self.hs[h].members[0];
            self.take_surname(a, head, day);
            let rel = Rel::spouse(self.ps[a as usize].person.sex);
            self.change_relationship(a, rel, day);
            return;
        }
        if !(22..=45).contains(&age_a) || !(rel == Rel::Child || self.lives_alone(a)) {
            return;
        }
        // A partner of the other sex, of a similar age, living alone.
        let sex_a = self.ps[a as usize].person.sex;
        let mut partner = None;
        for _ in 0..40 {
            let Some(b) = self.random_person(day) else {
                continue;
            };
            let pb = &self.ps[b as usize].person;
            if pb.sex != sex_a
                && self.lives_alone(b)
                && pb.household != self.ps[a as usize].person.household
                && (self.age(b, day) - age_a).abs() <= 8
            {
                partner = Some(b);
                break;
            }
        }
        let Some(b) = partner else {
            return;
        };
        // Usually the wife joins the husband's household and takes his surname; a grown
        // child always joins the partner.
        let (joiner, host) =
            if !self.lives_alone(a) || (sex_a == Sex::Female) == self.rng.chance(900_000) {
                (a, b)
            } else {
                (b, a)
            };
        let host_h = self.ps[host as usize].person.household as usize;
        self.take_surname(joiner, host, day);
        let rel = Rel::spouse(self.ps[joiner as usize].person.sex);
        let home = self.hs[host_h].home.clone();
        let joiner_home = &self.hs[self.ps[joiner as usize].person.household as usize].home;
        // Two households at one address (a building's rooms are not told apart when the
        // 方書 is left out): joining is a 世帯変更, not a 転居.
        let fields = if address::same_place(&joiner_home.address, &home.address) {
            RawFields {
                household: Some(home.id),
                relationship: Some(rel),
                ..RawFields::default()
            }
        } else {
            RawFields {
                address: Some(home.address),
                postal: Some(home.postal),
                household: Some(home.id),
                relationship: Some(rel),
                ..RawFields::default()
            }
        };
        let reason = if fields.address.is_some() {
            Reason::Move
        } else {
            Reason::HouseholdChange
        };
        self.emit(reason, joiner, day, fields);
        self.remove_member(joiner);
        self.hs[host_h].members.push(joiner);
        let person = &mut self.ps[joiner as usize].person;
        person.household = host_h as u32;
        person.rel = rel;
    }

    fn birth(&mut self, m: u32, day: i32) {
        let mother = &self.ps[m as usize].person;
        let rel = match mother.rel {
            Rel::Wife | Rel::WifeUnregistered => Rel::Child,
            Rel::ChildWife => Rel::Grandchild,
            _ => return,
        };
        let h = mother.household as usize;
        let surname = mother.surname;
        if mother.sex != Sex::Female || self.hs[h].members.len() >= 6 {
            return;
        }
        let chance = fertility(self.age(m, day));
        if chance == 0 || !self.rng.chance(chance) {
            return;
        }
        let sex = if self.rng.below(1000) < 512 {
            Sex::Male
        } else {
            Sex::Female
        };
        let given = lists().pick_given(&mut self.rng, sex, year_of(day));
        let serial = self.ps.len() as u64;
        let home = self.hs[h].home.clone();
        let child = Person {
            serial,
            sex,
            birth: day,
            surname,
            given,
            household: h as u32,
            rel,
            moved_in: day,
        };
        // A child of a 外国人住民 is one too: of the mother's nationality, named with her
        // surname, with the items of a birth (`items::newborn_items`).
        let foreign = self.ps[m as usize].foreign;
        let (name, items) = match foreign {
            Some(o) => {
                let named = Person {
                    household: o.household,
                    ..child.clone()
                };
                let (name, kana) = items::foreign_name(self.seed, o.nationality, &named);
                (
                    RawName::Written(name, kana),
                    items::newborn_items(o.nationality, day),
                )
            }
            None => (RawName::Listed(surname, given, sex), Vec::new()),
        };
        self.out.push(RawChange {
            reason: Reason::Birth,
            serial,
            date: day,
            fields: RawFields {
                my_number: Some(serial),
                name: Some(name),
                items,
                sex: Some(sex),
                birth: Some(day),
                address: Some(home.address),
                postal: Some(home.postal),
                household: Some(home.id),
                relationship: Some(rel),
                ..RawFields::default()
            },
        });
        self.hs[h].members.push(serial as u32);
        self.ps.push(P {
            person: child,
            foreign,
            active: true,
            latest: day,
        });
        self.active += 1;
    }

    /// Removes `p` (死亡 or 転出), naming the oldest remaining member as the new 世帯主 when
    /// `p` is the head of others. Returns false (and changes nothing) when that member has a
    /// later version.
    fn remove(&mut self, p: u32, day: i32, reason: Reason, destination: Option<String>) -> bool {
        let person = &self.ps[p as usize].person;
        let h = person.household as usize;
        let mut new_head = None;
        if person.rel == Rel::Head && self.hs[h].members.len() > 1 {
            if !self.settled(h as u32, day) {
                return false;
            }
            new_head = self.hs[h]
                .members
                .iter()
                .copied()
                .filter(|&m| m != p)
                .min_by_key(|&m| (self.ps[m as usize].person.birth, m));
        }
        let restated = match new_head {
            Some(n) => match self.restated(h, p, n) {
                Some(r) => r,
                None => return false,
            },
            None => Vec::new(),
        };
        self.emit(
            reason,
            p,
            day,
            RawFields {
                destination,
                new_head: new_head.map(|n| self.ps[n as usize].person.serial),
                relationships: self.serials(&restated),
                ..RawFields::default()
            },
        );
        self.ps[p as usize].active = false;
        self.active -= 1;
        self.remove_member(p);
        if let Some(n) = new_head {
            self.extra_versions += 1;
            let members = &mut self.hs[h].members;
            members.retain(|&m| m != n);
            members.insert(0, n);
            let next = &mut self.ps[n as usize];
            next.person.rel = Rel::Head;
            next.latest = day;
            self.apply_restated(&restated, day);
        }
        true
    }

    /// The 続柄 of every member of household `h` but `old` and `heir`, restated against
    /// `heir` as the new 世帯主; `None` when one cannot be said simply.
    fn restated(&self, h: usize, old: u32, heir: u32) -> Option<Vec<(u32, Rel)>> {
        let heir_person = &self.ps[heir as usize].person;
        let (heir_rel, heir_birth, heir_sex) =
            (heir_person.rel, heir_person.birth, heir_person.sex);
        let mut spouse_given = false;
        let mut out = Vec::new();
        for &m in &self.hs[h].members {
            if m == old || m == heir {
                continue;
            }
            let person = &self.ps[m as usize].person;
            let rel = match (heir_rel, person.rel) {
                (
                    Rel::Wife | Rel::Husband,
                    r @ (Rel::Child | Rel::ChildWife | Rel::ChildHusband | Rel::Grandchild),
                ) => r,
                (Rel::Child, Rel::Child) => sibling(heir_birth, person.birth, person.sex),
                (Rel::Child, Rel::Wife) => Rel::Mother,
                (Rel::Child, Rel::Husband) => Rel::Father,
                (Rel::Child, Rel::ChildWife) if heir_sex == Sex::Male && !spouse_given => {
                    spouse_given = true;
                    Rel::Wife
                }
                (Rel::Child, Rel::ChildHusband) if heir_sex == Sex::Female && !spouse_given => {
                    spouse_given = true;
                    Rel::Husband
                }
                (Rel::Child, Rel::Grandchild) => Rel::Child,
                (Rel::Child, Rel::Father) => Rel::Grandfather,
                (Rel::Child, Rel::Mother) => Rel::Grandmother,
                _ => Rel::Lodger,
            };
            out.push((m, rel));
        }
        Some(out)
    }

    fn serials(&self, restated: &[(u32, Rel)]) -> Vec<(u64, Rel)> {
        restated
            .iter()
            .map(|&(m, r)| (self.ps[m as usize].person.serial, r))
            .collect()
    }

    /// The engine writes a version for each member whose 続柄 changes.
    fn apply_restated(&mut self, restated: &[(u32, Rel)], day: i32) {
        for &(m, rel) in restated {
            let person = &mut self.ps[m as usize];
            if person.person.rel != rel {
                self.extra_versions += 1;
                person.person.rel = rel;
                person.latest = day;
            }
        }
    }

    fn death(&mut self, p: u32, day: i32) {
        // Trials come at a quarter of the population a year, so each accepts with four
        // times the yearly probability.
        if self
            .rng
            .chance(mortality(self.age(p, day)).saturating_mul(4))
        {
            self.remove(p, day, Reason::Death, None);
        }
    }

    fn move_out(&mut self, p: u32, day: i32) {
        let person = &self.ps[p as usize].person;
        let h = person.household as usize;
        let to = address::destination(&mut self.rng);
        if person.rel == Rel::Child && (18..=35).contains(&self.age(p, day)) {
            self.remove(p, day, Reason::MoveOut, Some(to));
            return;
        }
        if !self.settled(h as u32, day) || (self.hs[h].members.len() > 1 && self.rng.below(2) == 0)
        {
            return;
        }
        // The whole household leaves, the 世帯主 last.
        let members = self.hs[h].members.clone();
        for &m in members.iter().skip(1).chain(members.first()) {
            self.remove(m, day, Reason::MoveOut, Some(to.clone()));
        }
    }

    /// Hands the 世帯主 from an elderly head to the oldest child.
    fn handover(&mut self, h: u32, day: i32) {
        if !self.settled(h, day) {
            return;
        }
        let members = self.hs[h as usize].members.clone();
        let head = members[0];
        if self.age(head, day) < 68 {
            return;
        }
        // The oldest child, if aged 30 or more, takes over; brothers and sisters become 兄, 姉, 弟
        // or 妹 of the new head.
        let Some(heir) = members
            .iter()
            .copied()
            .filter(|&m| self.ps[m as usize].person.rel == Rel::Child)
            .min_by_key(|&m| (self.ps[m as usize].person.birth, m))
        else {
            return;
        };
        if self.age(heir, day) < 30 {
            return;
        }
        let Some(restated) = self.restated(h as usize, head, heir) else {
            return;
        };
        let head_rel = match self.ps[head as usize].person.sex {
            Sex::Male => Rel::Father,
            Sex::Female => Rel::Mother,
        };
        let heir_serial = self.ps[heir as usize].person.serial;
        let mut relationships = vec![(self.ps[head as usize].person.serial, head_rel)];
        relationships.extend(self.serials(&restated));
        self.emit(
            Reason::HeadChange,
            head,
            day,
            RawFields {
                new_head: Some(heir_serial),
                relationships,
                ..RawFields::default()
            },
        );
        self.extra_versions += 1;
        self.ps[head as usize].person.rel = head_rel;
        self.ps[heir as usize].person.rel = Rel::Head;
        self.ps[heir as usize].latest = day;
        self.apply_restated(&restated, day);
        let members = &mut self.hs[h as usize].members;
        members.retain(|&m| m != heir);
        members.insert(0, heir);
    }
}
