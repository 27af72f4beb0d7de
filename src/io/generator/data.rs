//! The name and town lists under `data/`, compiled into the binary and parsed once.
//!
//! Each is tab-separated text:
//!
//! * `data/surnames.tsv`: kanji, reading, weight
//! * `data/given_male.tsv`, `data/given_female.tsv`: kanji, reading, weight, peak year
//! * `data/towns.tsv`: town, postal code, weight, highest 番
//!
//! Lines starting with `#` are comments (each file names its source there).

use std::sync::OnceLock;

use super::rng::{Rng, Weighted};
use crate::model::Sex;

const SURNAMES: &str = include_str!("../../../data/surnames.tsv");
const GIVEN_MALE: &str = include_str!("../../../data/given_male.tsv");
const GIVEN_FEMALE: &str = include_str!("../../../data/given_female.tsv");
const TOWNS: &str = include_str!("../../../data/towns.tsv");

/// First birth year covered by the per-period given-name tables.
const FIRST_YEAR: i32 = 1900;
/// Width of one period of the given-name tables, in years.
const PERIOD: i32 = 5;
/// Number of periods (1900 to 2034).
const PERIODS: usize = 27;

/// A name (surname or given name) as written, with its reading.
#[derive(Debug, Clone)]
pub(crate) struct NameEntry {
    pub(crate) kanji: &'static str,
    pub(crate) reading: &'static str,
}

/// A town of the city.
#[derive(Debug, Clone)]
pub(crate) struct Town {
    pub(crate) name: &'static str,
    pub(crate) postal: u32,
    pub(crate) max_ban: u32,
}

/// Every list, parsed, with its drawing tables.
pub(crate) struct Lists {
    pub(crate) surnames: Vec<NameEntry>,
    surname_table: Weighted,
    given: [Vec<NameEntry>; 2],
    /// Per sex, per birth period: a weighted table over that sex's given names.
    given_tables: [Vec<Weighted>; 2],
    pub(crate) towns: Vec<Town>,
    town_table: Weighted,
}

fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
}

fn number<T: std::str::FromStr>(file: &str, row: &[&str], i: usize) -> T {
    row.get(i)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{file}: bad column {i} in {row:?}"))
}

/// How much a name given mostly around `peak` is used for someone born in `year`.
fn era_factor(year: i32, peak: i32) -> u64 {
    match (year - peak).unsigned_abs() {
        0..=4 => 100,
        5..=9 => 70,
        10..=14 => 35,
        15..=19 => 12,
        20..=29 => 3,
        _ => 1,
    }
}

/// The names of a list (kanji, reading) and what `weight` reads from each row.
fn name_list<W>(
    text: &'static str,
    weight: impl Fn(&[&'static str]) -> W,
) -> (Vec<NameEntry>, Vec<W>) {
    rows(text)
        .map(|row| {
            let name = NameEntry {
                kanji: row[0],
                reading: row[1],
            };
            (name, weight(&row))
        })
        .unzip()
}

fn given_list(file: &str, text: &'static str) -> (Vec<NameEntry>, Vec<Weighted>) {
    let (names, weights) = name_list(text, |row| {
        (number::<u64>(file, row, 2), number::<i32>(file, row, 3))
    });
    let tables = (0..PERIODS)
        .map(|p| {
            let year = FIRST_YEAR + p as i32 * PERIOD + PERIOD / 2;
            Weighted::new(weights.iter().map(|&(w, peak)| w * era_factor(year, peak)))
        })
        .collect();
    (names, tables)
}

fn load() -> Lists {
    let (surnames, surname_weights) =
        name_list(SURNAMES, |row| number::<u64>("surnames.tsv", row, 2));
    let (male, male_tables) = given_list("given_male.tsv", GIVEN_MALE);
    let (female, female_tables) = given_list("given_female.tsv", GIVEN_FEMALE);
    let mut towns = Vec::new();
    let mut town_weights = Vec::new();
    for row in rows(TOWNS) {
        let postal: String = row[1].chars().filter(char::is_ascii_digit).collect();
        towns.push(Town {
            name: row[0],
            postal: postal.parse().expect("towns.tsv: postal code"),
            max_ban: number("towns.tsv", &row, 3),
        });
        town_weights.push(number::<u64>("towns.tsv", &row, 2));
    }
    Lists {
        surname_table: Weighted::new(surname_weights),
        surnames,
        given: [male, female],
        given_tables: [male_tables, female_tables],
        town_table: Weighted::new(town_weights),
        towns,
    }
}

/// The lists, parsed on first use.
pub(crate) fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(load)
}

fn sex_slot(sex: Sex) -> usize {
    match sex {
        Sex::Male => 0,
        Sex::Female => 1,
    }
}

impl Lists {
    /// Draws a surname by frequency.
    pub(crate) fn pick_surname(&self, rng: &mut Rng) -> u32 {
        self.surname_table.pick(rng) as u32
    }

    /// Draws a given name for a person of `sex` born in `year`, favouring the names of that
    /// period.
    pub(crate) fn pick_given(&self, rng: &mut Rng, sex: Sex, year: i32) -> u32 {
        let period = ((year - FIRST_YEAR).max(0) / PERIOD).min(PERIODS as i32 - 1) as usize;
        self.given_tables[sex_slot(sex)][period].pick(rng) as u32
    }

    /// The given name `i` of `sex`.
    pub(crate) fn given(&self, sex: Sex, i: u32) -> &NameEntry {
        &self.given[sex_slot(sex)][i as usize]
    }

    /// The surname `i`.
    pub(crate) fn surname(&self, i: u32) -> &NameEntry {
        &self.surnames[i as usize]
    }

    /// Draws a town by its share of residents.
    pub(crate) fn pick_town(&self, rng: &mut Rng) -> u32 {
        self.town_table.pick(rng) as u32
    }

    /// The number of given names listed for `sex`.
    #[cfg(test)]
    pub(crate) fn given_count(&self, sex: Sex) -> usize {
        self.given[sex_slot(sex)].len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TownDictionary;

    /// Every town the generator draws is a 町字 of 芦屋市's address dictionary, with one of
    /// its postal codes: generated addresses are ones the dictionary places.
    #[test]
    fn every_town_is_in_the_dictionary() {
        let dictionary = TownDictionary::ashiya();
        let towns = &lists().towns;
        assert!(towns.len() >= 50);
        for t in towns {
            let entry = dictionary
                .get(None, t.name)
                .unwrap_or_else(|| panic!("{} is not in data/ashiya-towns.csv", t.name));
            assert_eq!(entry.name(), t.name);
            assert!(
                entry.postal_codes().iter().any(|p| p.get() == t.postal),
                "{}: {} is not its postal code",
                t.name,
                t.postal
            );
        }
    }
}
