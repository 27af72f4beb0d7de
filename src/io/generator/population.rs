//! The population: households drawn one at a time, each with exactly one 世帯主 and 続柄
//! that fit the members' ages.
//!
//! Household types and their shares follow a Japanese city around 2025: single persons
//! (about 38%), couples, couples with children (children 20 to 45 years younger than their
//! parents), single parents, three generations, unmarried couples (妻(未届)), siblings, and a
//! few with a 同居人 or a 祖母. Ages are drawn per type so that the whole comes out as an
//! ageing pyramid (about 29% aged 65 or over) with about 47.5% men.

use chrono::{Datelike, NaiveDate};

use super::address;
use super::data::lists;
use super::rng::Rng;
use crate::model::{MyNumber, ResidentCode, Sex};

/// Days in a year, for turning ages into dates (the error is a day at most per four years).
const YEAR: i32 = 365;

/// 続柄 used by the generator, written from the head's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rel {
    Head,
    Wife,
    Husband,
    WifeUnregistered,
    HusbandUnregistered,
    Child,
    Father,
    Mother,
    ChildWife,
    ChildHusband,
    Grandchild,
    Grandfather,
    Grandmother,
    ElderBrother,
    ElderSister,
    YoungerBrother,
    YoungerSister,
    Lodger,
}

impl Rel {
    /// The 続柄 as written on the register.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Rel::Head => "世帯主",
            Rel::Wife => "妻",
            Rel::Husband => "夫",
            Rel::WifeUnregistered => "妻(未届)",
            Rel::HusbandUnregistered => "夫(未届)",
            Rel::Child => "子",
            Rel::Father => "父",
            Rel::Mother => "母",
            Rel::ChildWife => "子の妻",
            Rel::ChildHusband => "子の夫",
            Rel::Grandchild => "孫",
            Rel::Grandfather => "祖父",
            Rel::Grandmother => "祖母",
            Rel::ElderBrother => "兄",
            Rel::ElderSister => "姉",
            Rel::YoungerBrother => "弟",
            Rel::YoungerSister => "妹",
            Rel::Lodger => "同居人",
        }
    }

    /// Whether a member of this 続柄 is the married child of a three-generation household's
    /// couple, or that child's spouse or child (their own 戸籍).
    fn of_the_young_family(self) -> bool {
        matches!(self, Rel::ChildWife | Rel::ChildHusband | Rel::Grandchild)
    }

    /// The spouse of a head of `sex`'s spouse, by sex.
    pub(crate) fn spouse(sex: Sex) -> Rel {
        match sex {
            Sex::Male => Rel::Husband,
            Sex::Female => Rel::Wife,
        }
    }
}

/// One generated person.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    /// Serial number of the person (0, 1, 2 … in order of generation); the resident code
    /// and My Number are derived from it.
    pub(crate) serial: u64,
    pub(crate) sex: Sex,
    /// Birth date as days from the common era (chrono's `num_days_from_ce`).
    pub(crate) birth: i32,
    pub(crate) surname: u32,
    pub(crate) given: u32,
    /// Index of the household (see [`Home`]).
    pub(crate) household: u32,
    pub(crate) rel: Rel,
    /// 住民となった日, as days from the common era.
    pub(crate) moved_in: i32,
}

/// The 筆頭者 of the 戸籍 that member `p` of a household (`members`) is in, as a city keeps
/// families together: a married couple and their unmarried children share one, headed by
/// the husband (or by the 世帯主 without one); the married child of a three-generation
/// household heads their own with their spouse and children; the 世帯主's parents and
/// siblings are in the parents' (the father's, else the mother's, else their own); the
/// grandparents in theirs; an unmarried partner and a lodger in their own.
pub(crate) fn koseki_head<'a>(members: &'a [Person], p: &'a Person) -> &'a Person {
    let find = |rel: Rel| members.iter().find(|m| m.rel == rel);
    let married_child = members.iter().any(|m| m.rel.of_the_young_family());
    let couple = || find(Rel::Husband).or_else(|| find(Rel::Head)).unwrap_or(p);
    match p.rel {
        Rel::Head | Rel::Wife | Rel::Husband => couple(),
        Rel::Child if married_child => p,
        Rel::Child => couple(),
        Rel::ChildWife | Rel::ChildHusband | Rel::Grandchild => find(Rel::Child).unwrap_or(p),
        Rel::Father
        | Rel::Mother
        | Rel::ElderBrother
        | Rel::ElderSister
        | Rel::YoungerBrother
        | Rel::YoungerSister => find(Rel::Father).or_else(|| find(Rel::Mother)).unwrap_or(p),
        Rel::Grandfather | Rel::Grandmother => find(Rel::Grandfather).unwrap_or(p),
        Rel::WifeUnregistered | Rel::HusbandUnregistered | Rel::Lodger => p,
    }
}

/// One household's serial (its 世帯番号 is [`Identities::household`] of it) and address.
#[derive(Debug, Clone)]
pub(crate) struct Home {
    pub(crate) id: u64,
    pub(crate) address: String,
    pub(crate) postal: u32,
}

/// The serial of the household with index `k` (its 世帯番号 is [`Identities::household`]).
pub(crate) fn household_serial(k: u32) -> u64 {
    u64::from(k)
}

/// A keyed bijection on `0..limit`: a four-round Feistel network on the smallest even
/// number of bits that holds `limit`, walked again while the result is out of range (which
/// keeps it a bijection on `0..limit`). Serial numbers become identifiers that are unique
/// and look random.
#[derive(Debug, Clone, Copy)]
struct Shuffle {
    limit: u64,
    half_bits: u32,
    keys: [u64; 4],
}

impl Shuffle {
    fn new(rng: &mut Rng, limit: u64) -> Shuffle {
        let bits = 64 - (limit - 1).leading_zeros();
        Shuffle {
            limit,
            half_bits: bits.div_ceil(2),
            keys: [
                rng.next_u64(),
                rng.next_u64(),
                rng.next_u64(),
                rng.next_u64(),
            ],
        }
    }

    fn round(x: u64, key: u64) -> u64 {
        let mut z = (x ^ key).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z ^= z >> 29;
        z = z.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z ^ (z >> 32)
    }

    fn once(&self, x: u64) -> u64 {
        let mask = (1u64 << self.half_bits) - 1;
        let (mut l, mut r) = (x >> self.half_bits, x & mask);
        for key in self.keys {
            (l, r) = (r, l ^ (Self::round(r, key) & mask));
        }
        (l << self.half_bits) | r
    }

    fn apply(&self, x: u64) -> u64 {
        debug_assert!(x < self.limit);
        let mut y = self.once(x);
        while y >= self.limit {
            y = self.once(y);
        }
        y
    }
}

/// Turns serial numbers into resident codes, My Numbers and 世帯番号 (see `Shuffle`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Identities {
    codes: Shuffle,
    numbers: Shuffle,
    households: Shuffle,
}

/// The first 世帯番号 of a generated register: they are ten digits, spread by a keyed
/// permutation over [`HOUSEHOLD_ID_SPAN`] numbers, so that walking ids (HOUSEHOLD 1,
/// HOUSEHOLD 2 …) does not enumerate the households: a city's 50,000 households hold about
/// one number in 180,000.
pub(crate) const FIRST_HOUSEHOLD_ID: u64 = 1_000_000_000;
/// How many numbers the 世帯番号 are spread over.
pub(crate) const HOUSEHOLD_ID_SPAN: u64 = 9_000_000_000;

impl Identities {
    pub(crate) fn new(seed: u64) -> Identities {
        let mut rng = Rng::new(seed, 2);
        Identities {
            codes: Shuffle::new(&mut rng, 10_000_000_000),
            numbers: Shuffle::new(&mut rng, 100_000_000_000),
            // Drawn after the others, so that codes and numbers stay what they were.
            households: Shuffle::new(&mut rng, HOUSEHOLD_ID_SPAN),
        }
    }

    /// The 世帯番号 of the household with this serial.
    pub(crate) fn household(&self, serial: u64) -> u64 {
        FIRST_HOUSEHOLD_ID + self.households.apply(serial)
    }

    pub(crate) fn code(&self, serial: u64) -> ResidentCode {
        ResidentCode::from_serial(self.codes.apply(serial))
    }

    pub(crate) fn my_number(&self, serial: u64) -> MyNumber {
        MyNumber::from_serial(self.numbers.apply(serial))
    }
}

/// The year of a date given as days from the common era.
pub(crate) fn year_of(days: i32) -> i32 {
    NaiveDate::from_num_days_from_ce_opt(days)
        .map(|d| d.year())
        .unwrap_or(2000)
}

/// The 続柄 of a brother or sister born on `birth` to a head born on `head`.
pub(crate) fn sibling(head: i32, birth: i32, sex: Sex) -> Rel {
    match (birth < head, sex) {
        (true, Sex::Male) => Rel::ElderBrother,
        (true, Sex::Female) => Rel::ElderSister,
        (false, Sex::Male) => Rel::YoungerBrother,
        (false, Sex::Female) => Rel::YoungerSister,
    }
}

/// Draws from `(lo, hi, weight)` bands: a band by weight, then a value in it uniformly.
fn band(rng: &mut Rng, bands: &[(i32, i32, u64)]) -> i32 {
    let total: u64 = bands.iter().map(|b| b.2).sum();
    let mut x = rng.below(total);
    for &(lo, hi, w) in bands {
        if x < w {
            return rng.range(i64::from(lo), i64::from(hi)) as i32;
        }
        x -= w;
    }
    bands[bands.len() - 1].0
}

/// A member being composed: everything but the name and the dates of arrival.
struct Draft {
    rel: Rel,
    sex: Sex,
    birth: i32,
    /// Carries the family's surname (otherwise draws one of their own).
    family: bool,
    /// Joined the household later than its founding (a spouse of a child, a 同居人 …).
    joined: bool,
}

impl Draft {
    /// A member of the family there since the household was founded.
    fn founder(rel: Rel, sex: Sex, birth: i32) -> Draft {
        Draft {
            rel,
            sex,
            birth,
            family: true,
            joined: false,
        }
    }

    /// A member of the family who joined later (a parent, a child's spouse).
    fn joined(rel: Rel, sex: Sex, birth: i32) -> Draft {
        Draft {
            joined: true,
            ..Draft::founder(rel, sex, birth)
        }
    }

    /// Someone outside the family, with a surname of their own, who joined later.
    fn outsider(rel: Rel, sex: Sex, birth: i32) -> Draft {
        Draft {
            family: false,
            joined: true,
            ..Draft::founder(rel, sex, birth)
        }
    }
}

/// The ages of adults living alone.
const SINGLE_AGES: &[(i32, i32, u64)] = &[
    (18, 19, 1),
    (20, 24, 5),
    (25, 29, 6),
    (30, 34, 4),
    (35, 39, 4),
    (40, 44, 5),
    (45, 49, 6),
    (50, 54, 7),
    (55, 59, 6),
    (60, 64, 6),
    (65, 69, 12),
    (70, 74, 13),
    (75, 79, 12),
    (80, 84, 11),
    (85, 89, 9),
    (90, 99, 4),
];

/// How many years a wife is younger than her husband.
const SPOUSE_GAP: &[(i32, i32, u64)] = &[(-3, -1, 2), (0, 2, 5), (3, 5, 3), (6, 8, 1)];

/// A mother's age when her child is born.
const MOTHER_AGE: &[(i32, i32, u64)] = &[(23, 27, 3), (28, 34, 6), (35, 40, 3)];

/// Repeated names (same name and birth date at another address): per million single-person
/// households. Single-person households are about 18% of residents, so this is about 0.1%
/// of residents.
const REPEAT_PER_MILLION: u32 = 5_500;

/// Draws households one at a time.
pub(crate) struct PopulationGen {
    rng: Rng,
    today: i32,
    next_serial: u64,
    next_household: u32,
    /// Recent adults living alone, whose name and birth date a later one may repeat.
    recent: Vec<(u32, u32, Sex, i32)>,
    recent_at: usize,
}

impl PopulationGen {
    pub(crate) fn new(seed: u64, today: i32) -> PopulationGen {
        PopulationGen {
            rng: Rng::new(seed, 0),
            today,
            next_serial: 0,
            next_household: 0,
            recent: Vec::with_capacity(1024),
            recent_at: 0,
        }
    }

    /// A birth date for someone aged `years` today.
    fn born_aged(&mut self, years: i32) -> i32 {
        let years = years.max(0);
        self.today - (years * YEAR + years / 4) - self.rng.below(365) as i32
    }

    /// A child's birth date for a mother born on `mother`, or `None` when it would be in the
    /// future.
    fn child_of(&mut self, mother: i32) -> Option<i32> {
        let at = band(&mut self.rng, MOTHER_AGE);
        let birth = mother + at * YEAR + at / 4 + self.rng.below(365) as i32;
        (birth <= self.today).then_some(birth)
    }

    fn sex(&mut self, male_per_mille: u64) -> Sex {
        if self.rng.below(1000) < male_per_mille {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Adds `n` children of the woman born on `mother`, as `rel`.
    fn children(&mut self, out: &mut Vec<Draft>, mother: i32, n: usize, rel: Rel) {
        for _ in 0..n {
            if let Some(birth) = self.child_of(mother) {
                let sex = self.sex(512);
                out.push(Draft::founder(rel, sex, birth));
            }
        }
    }

    /// Head and spouse of a married couple with the husband aged `husband_age`; the head is
    /// the husband unless `wife_heads`. Returns the wife's birth date.
    fn couple(&mut self, out: &mut Vec<Draft>, husband_age: i32, wife_heads: bool) -> i32 {
        let gap = band(&mut self.rng, SPOUSE_GAP);
        let husband = self.born_aged(husband_age);
        let wife = self.born_aged((husband_age - gap).max(20));
        let (h, w) = if wife_heads {
            (Rel::Husband, Rel::Head)
        } else {
            (Rel::Head, Rel::Wife)
        };
        out.push(Draft::founder(h, Sex::Male, husband));
        out.push(Draft::founder(w, Sex::Female, wife));
        wife
    }

    /// The members of one household, head first: a kind of household drawn by its share of
    /// households, then its members. The order of the draws is the generator's output, so
    /// each kind draws in the order written.
    fn compose(&mut self) -> Vec<Draft> {
        let mut m: Vec<Draft> = Vec::with_capacity(6);
        let kind = band(
            &mut self.rng,
            &[
                (0, 0, 380),
                (1, 1, 215),
                (2, 2, 235),
                (3, 3, 85),
                (4, 4, 35),
                (5, 5, 25),
                (6, 6, 15),
                (7, 7, 10),
                (8, 8, 5),
                (9, 9, 5),
            ],
        );
        match kind {
            0 => self.alone(&mut m),
            1 => self.couple_alone(&mut m),
            2 => self.couple_with_children(&mut m),
            3 => self.single_parent(&mut m),
            4 => self.with_parents(&mut m),
            5 => self.with_son_and_wife(&mut m),
            6 => self.unmarried_couple(&mut m),
            7 => self.siblings(&mut m),
            8 => self.sharing(&mut m),
            _ => self.with_grandmother(&mut m),
        }
        // Head first, then the others from the oldest.
        m.sort_by_key(|d| (d.rel != Rel::Head, d.birth));
        m
    }

    /// Living alone.
    fn alone(&mut self, m: &mut Vec<Draft>) {
        let age = band(&mut self.rng, SINGLE_AGES);
        let male = match age {
            0..=64 => 600,
            65..=74 => 400,
            _ => 250,
        };
        let sex = self.sex(male);
        let birth = self.born_aged(age);
        m.push(Draft::founder(Rel::Head, sex, birth));
    }

    /// A couple.
    fn couple_alone(&mut self, m: &mut Vec<Draft>) {
        let age = band(
            &mut self.rng,
            &[
                (23, 29, 3),
                (30, 39, 5),
                (40, 49, 5),
                (50, 59, 7),
                (60, 69, 20),
                (70, 79, 36),
                (80, 89, 22),
                (90, 97, 4),
            ],
        );
        let wife_heads = self.rng.below(100) < 7;
        self.couple(m, age, wife_heads);
    }

    /// A couple with children.
    fn couple_with_children(&mut self, m: &mut Vec<Draft>) {
        let age = band(
            &mut self.rng,
            &[(27, 34, 8), (35, 44, 25), (45, 54, 37), (55, 64, 30)],
        );
        let wife_heads = self.rng.below(100) < 4;
        let wife = self.couple(m, age, wife_heads);
        let n = band(&mut self.rng, &[(1, 1, 40), (2, 2, 45), (3, 3, 15)]) as usize;
        self.children(m, wife, n, Rel::Child);
    }

    /// A single parent.
    fn single_parent(&mut self, m: &mut Vec<Draft>) {
        let sex = self.sex(150);
        let age = band(
            &mut self.rng,
            &[
                (25, 34, 3),
                (35, 44, 4),
                (45, 54, 4),
                (55, 64, 2),
                (65, 80, 2),
            ],
        );
        let birth = self.born_aged(age);
        m.push(Draft::founder(Rel::Head, sex, birth));
        let n = band(&mut self.rng, &[(1, 1, 60), (2, 2, 40)]) as usize;
        // The other parent's age is close enough to the head's for the gap rule.
        self.children(m, birth, n, Rel::Child);
    }

    /// Three generations: a couple, their children and the head's parents.
    fn with_parents(&mut self, m: &mut Vec<Draft>) {
        let age = self.rng.range(38, 62) as i32;
        let wife = self.couple(m, age, false);
        let head_birth = m[0].birth;
        let n = self.rng.below(3) as usize;
        self.children(m, wife, n, Rel::Child);
        let which = self.rng.below(100);
        let mother_birth = head_birth - band(&mut self.rng, MOTHER_AGE) * YEAR;
        if which < 85 {
            m.push(Draft::joined(Rel::Mother, Sex::Female, mother_birth));
        }
        if which >= 60 {
            let father_birth = mother_birth - self.rng.range(0, 5) as i32 * YEAR;
            m.push(Draft::joined(Rel::Father, Sex::Male, father_birth));
        }
    }

    /// Three generations: an older couple, their son, his wife and their children.
    fn with_son_and_wife(&mut self, m: &mut Vec<Draft>) {
        let age = self.rng.range(60, 84) as i32;
        let wife = self.couple(m, age, false);
        if self.rng.below(100) < 20 {
            m.pop();
        }
        // Usually a son and his wife; sometimes a daughter and her husband.
        let son_age_at = band(&mut self.rng, MOTHER_AGE);
        let child = (wife + son_age_at * YEAR).min(self.today - 25 * YEAR);
        let gap = band(&mut self.rng, SPOUSE_GAP) * YEAR + self.rng.below(365) as i32;
        let daughter = self.rng.below(100) < 15;
        let (child_sex, spouse_rel, spouse_sex, spouse) = if daughter {
            (Sex::Female, Rel::ChildHusband, Sex::Male, child - gap)
        } else {
            (Sex::Male, Rel::ChildWife, Sex::Female, child + gap)
        };
        let spouse = spouse.min(self.today - 20 * YEAR);
        m.push(Draft::founder(Rel::Child, child_sex, child));
        m.push(Draft::joined(spouse_rel, spouse_sex, spouse));
        let mother = if daughter { child } else { spouse };
        let n = 1 + self.rng.below(2) as usize;
        let n = n.min(6 - m.len());
        self.children(m, mother, n, Rel::Grandchild);
    }

    /// An unmarried couple: 妻(未届) or 夫(未届) keeps their own surname.
    fn unmarried_couple(&mut self, m: &mut Vec<Draft>) {
        let age = self.rng.range(25, 70) as i32;
        let gap = band(&mut self.rng, SPOUSE_GAP);
        let man = self.born_aged(age);
        let woman = self.born_aged((age - gap).max(20));
        let (head_sex, head, rel, other_sex, other) = if self.rng.below(100) < 15 {
            (Sex::Female, woman, Rel::HusbandUnregistered, Sex::Male, man)
        } else {
            (Sex::Male, man, Rel::WifeUnregistered, Sex::Female, woman)
        };
        m.push(Draft::founder(Rel::Head, head_sex, head));
        m.push(Draft::outsider(rel, other_sex, other));
    }

    /// Two siblings.
    fn siblings(&mut self, m: &mut Vec<Draft>) {
        let age = self.rng.range(40, 85) as i32;
        let head_sex = self.sex(450);
        let head = self.born_aged(age);
        let d = self.rng.range(-10, 10) as i32;
        let other = self.born_aged(age + d);
        let sex = self.sex(400);
        m.push(Draft::founder(Rel::Head, head_sex, head));
        m.push(Draft::founder(sibling(head, other, sex), sex, other));
    }

    /// Sharing with a 同居人.
    fn sharing(&mut self, m: &mut Vec<Draft>) {
        let age = self.rng.range(22, 40) as i32;
        let sex = self.sex(500);
        let head = self.born_aged(age);
        let d = self.rng.range(-5, 5) as i32;
        let other = self.born_aged(age + d);
        m.push(Draft::founder(Rel::Head, sex, head));
        m.push(Draft::outsider(Rel::Lodger, sex, other));
    }

    /// A young head living with a grandmother.
    fn with_grandmother(&mut self, m: &mut Vec<Draft>) {
        let age = self.rng.range(20, 35) as i32;
        let sex = self.sex(500);
        let head = self.born_aged(age);
        let d = self.rng.range(45, 62) as i32;
        let grandmother = self.born_aged((age + d).min(100));
        m.push(Draft::founder(Rel::Head, sex, head));
        m.push(Draft::joined(Rel::Grandmother, Sex::Female, grandmother));
    }

    /// A day uniformly in `lo..=hi` (or `hi` when the range is empty).
    fn day_between(&mut self, lo: i32, hi: i32) -> i32 {
        if lo >= hi {
            hi
        } else {
            self.rng.range(i64::from(lo), i64::from(hi)) as i32
        }
    }

    /// The next household, with at most `room` members (at least one): its members, its
    /// home, when it settled, then each member's name and day of arrival.
    pub(crate) fn next_household(&mut self, room: usize) -> (Home, Vec<Person>) {
        let l = lists();
        let mut drafts = self.compose();
        drafts.truncate(room.max(1));
        let k = self.next_household;
        self.next_household += 1;
        let (address, postal) = address::home(&mut self.rng);
        let home = Home {
            id: household_serial(k),
            address,
            postal,
        };
        let (head_arrival, founded) = self.settled(drafts[0].birth);

        let single = drafts.len() == 1;
        let surname = l.pick_surname(&mut self.rng);
        let mut out = Vec::with_capacity(drafts.len());
        for (i, d) in drafts.iter().enumerate() {
            let (family, given, sex, birth) = self.name_of(d, surname, single);
            let moved_in = if i == 0 {
                head_arrival
            } else if d.joined {
                let lo = founded.max(birth + 18 * YEAR);
                self.day_between(lo, self.today)
            } else {
                founded
            }
            .max(birth)
            .min(self.today);
            if single {
                self.remember((family, given, sex, birth));
            }
            out.push(Person {
                serial: self.next_serial,
                sex,
                birth,
                surname: family,
                given,
                household: k,
                rel: d.rel,
                moved_in: if i == 0 {
                    moved_in.max(birth)
                } else {
                    moved_in
                },
            });
            self.next_serial += 1;
        }
        (home, out)
    }

    /// When a household whose head was born on `head_birth` settled in the city: the day the
    /// head arrived, and the day those who came with the head arrived. The head was born
    /// here, or arrived some years ago (never before turning 18); those who came with the
    /// head came on the day the head settled, or (born here) on the day the head's own
    /// household was founded.
    fn settled(&mut self, head_birth: i32) -> (i32, i32) {
        let adult = head_birth + 18 * YEAR + 5;
        let born_here = self.rng.below(100) < 12;
        let head_arrival = if born_here {
            head_birth
        } else {
            let years = band(
                &mut self.rng,
                &[
                    (0, 2, 25),
                    (3, 9, 25),
                    (10, 19, 20),
                    (20, 39, 20),
                    (40, 69, 10),
                ],
            );
            let arrival = self.today - years * YEAR - self.rng.below(365) as i32;
            if arrival < adult {
                self.day_between(adult, self.today)
            } else {
                arrival
            }
        };
        let founded = if born_here {
            let lo = (head_birth + 20 * YEAR).min(self.today);
            self.day_between(lo, self.today)
        } else {
            head_arrival
        };
        (head_arrival, founded)
    }

    /// A member's surname, given name, sex and birth date. Someone living alone may repeat
    /// a recent one's name and birth date (the same person, as far as 4情報 can tell).
    fn name_of(&mut self, d: &Draft, surname: u32, single: bool) -> (u32, u32, Sex, i32) {
        let l = lists();
        let family = if d.family {
            surname
        } else {
            l.pick_surname(&mut self.rng)
        };
        let given = l.pick_given(&mut self.rng, d.sex, year_of(d.birth));
        if single && !self.recent.is_empty() && self.rng.chance(REPEAT_PER_MILLION) {
            return self.recent[self.rng.index(self.recent.len())];
        }
        (family, given, d.sex, d.birth)
    }

    /// Keeps someone living alone among the last 1,024, whom a later one may repeat.
    fn remember(&mut self, entry: (u32, u32, Sex, i32)) {
        if self.recent.len() < 1024 {
            self.recent.push(entry);
        } else {
            self.recent[self.recent_at] = entry;
            self.recent_at = (self.recent_at + 1) % 1024;
        }
    }
}

/// The shuffle on `0..limit`, for tests.
#[cfg(test)]
pub(crate) fn tests_shuffle(rng: &mut Rng, limit: u64) -> impl Fn(u64) -> u64 {
    let s = Shuffle::new(rng, limit);
    move |x| s.apply(x)
}
