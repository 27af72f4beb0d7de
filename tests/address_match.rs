//! Address matching measured on data no one here wrote: the input → normalised pairs of the
//! open-source normaliser geolonia/normalize-japanese-addresses (tests/fixtures/
//! geolonia-addresses.csv, MIT licence, extracted by scripts/extract-geolonia.py).
//!
//! For every pair, juki treats the input and the normalised address as the same address when
//! their keys are equal (`address_key`). A false match is an input whose key equals the key
//! of another pair's normalised address of the same municipality that is a different address.
//! For the municipality with the most pairs (世田谷区), the input is also typed the way a clerk
//! of that city types it, without the prefecture and the municipality, and read as a search
//! condition in a register of that city (`address_condition`, `AddressCondition::matches`);
//! a false match is then a different address of the city that the condition meets.
//!
//! The table in docs/address-matching.md is this test's output: `JUKI_WRITE_DOCS=1` writes
//! it, and otherwise the test fails when the doc says something else. `JUKI_SHOW_MISSES=1`
//! prints the pairs written in full whose keys differ.

use juki::testing::address_key;
use juki::{address_condition, LocalGovCode, Municipality, PlaceBook};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;
use std::path::Path;

/// One pair: the input and its normalised parts.
struct Pair {
    input: String,
    prefecture: String,
    municipality: String,
    /// 町字, 番地号 and その他 joined: the normalised address after the municipality.
    rest: String,
}

impl Pair {
    fn normalised(&self) -> String {
        format!("{}{}{}", self.prefecture, self.municipality, self.rest)
    }

    /// The input without its prefecture and municipality, as a clerk of the city types it;
    /// `None` when the input does not begin with them as the normaliser names them.
    fn as_clerk_types_it(&self) -> Option<String> {
        let text = self.input.trim();
        let text = text
            .strip_prefix(&self.prefecture)
            .unwrap_or(text)
            .trim_start();
        let text = text.strip_prefix(&self.municipality)?.trim_start();
        Some(text.to_owned())
    }
}

fn pairs() -> Vec<Pair> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/geolonia-addresses.csv");
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(path)
        .unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            Pair {
                input: r[0].to_owned(),
                prefecture: r[1].to_owned(),
                municipality: r[2].to_owned(),
                rest: format!("{}{}{}", &r[3], &r[4], &r[5]),
            }
        })
        .collect()
}

/// What was measured on a set of pairs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Rate {
    pairs: usize,
    same: usize,
    false_matches: usize,
}

impl Rate {
    fn percent(&self) -> f64 {
        100.0 * self.same as f64 / self.pairs.max(1) as f64
    }
}

/// The pairs of one municipality compared by their whole keys.
fn written_in_full(pairs: &[&Pair]) -> Rate {
    let mut by_key: HashMap<String, HashSet<String>> = HashMap::new();
    for p in pairs {
        by_key
            .entry(address_key(&p.normalised()))
            .or_default()
            .insert(p.normalised());
    }
    let mut rate = Rate {
        pairs: pairs.len(),
        ..Rate::default()
    };
    for p in pairs {
        let key = address_key(&p.input);
        if key == address_key(&p.normalised()) {
            rate.same += 1;
        } else if std::env::var_os("JUKI_SHOW_MISSES").is_some() {
            eprintln!("{} → {key} ≠ {}", p.input, address_key(&p.normalised()));
        }
        if let Some(addresses) = by_key.get(&key) {
            rate.false_matches += addresses.iter().filter(|a| **a != p.normalised()).count();
        }
    }
    rate
}

/// The pairs of one municipality typed without prefecture and municipality, read as search
/// conditions in a register of that municipality, against every normalised address there.
fn typed_by_a_clerk(pairs: &[&Pair], municipality: &Municipality) -> (Rate, usize) {
    let book = PlaceBook::new(municipality.clone());
    let stored: Vec<(String, String)> = pairs
        .iter()
        .map(|p| (p.normalised(), address_key(&p.normalised())))
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .collect();
    let mut rate = Rate::default();
    let mut skipped = 0;
    for p in pairs {
        let Some(typed) = p.as_clerk_types_it() else {
            skipped += 1;
            continue;
        };
        rate.pairs += 1;
        let Ok(condition) = address_condition(Some(&book), &address_key(&typed)) else {
            continue;
        };
        let own = address_key(&p.normalised());
        if condition.matches(own.as_bytes()) {
            rate.same += 1;
        }
        rate.false_matches += stored
            .iter()
            .filter(|(address, key)| {
                *address != p.normalised()
                    && condition.matches(key.as_bytes())
                    // A 方書 at the same lot is the same address, more finely written.
                    && !juki::testing::address_key_matches(key.as_bytes(), own.as_bytes())
            })
            .count();
    }
    (rate, skipped)
}

fn municipality_named(prefecture: &str, name: &str) -> Municipality {
    let list = include_str!("../data/municipalities.csv");
    let line = list
        .lines()
        .find(|l| l.ends_with(&format!(",{prefecture},{name}")))
        .unwrap_or_else(|| panic!("{prefecture}{name} is not in data/municipalities.csv"));
    let code = LocalGovCode::parse(line.split(',').next().unwrap()).unwrap();
    Municipality::known(code).unwrap().clone()
}

/// The table of docs/address-matching.md.
fn table() -> (String, Rate, Rate) {
    let pairs = pairs();
    let mut by_municipality: BTreeMap<(String, String), Vec<&Pair>> = BTreeMap::new();
    for p in &pairs {
        by_municipality
            .entry((p.prefecture.clone(), p.municipality.clone()))
            .or_default()
            .push(p);
    }
    let mut largest: Vec<(&(String, String), &Vec<&Pair>)> = by_municipality.iter().collect();
    largest.sort_by_key(|(name, ps)| (std::cmp::Reverse(ps.len()), (*name).clone()));

    let mut out = String::new();
    out.push_str("| Written | Municipality | Same address | Rate | False matches |\n");
    out.push_str("|---|---|---:|---:|---:|\n");
    let mut all = Rate::default();
    for ps in by_municipality.values() {
        let r = written_in_full(ps);
        all.pairs += r.pairs;
        all.same += r.same;
        all.false_matches += r.false_matches;
    }
    for ((prefecture, name), ps) in largest.iter().take(5) {
        let r = written_in_full(ps);
        let _ = writeln!(
            out,
            "| written in full | {prefecture}{name} | {} of {} | {:.1} % | {} |",
            r.same,
            r.pairs,
            r.percent(),
            r.false_matches
        );
    }
    let _ = writeln!(
        out,
        "| written in full | all {} municipalities | {} of {} | {:.1} % | {} |",
        by_municipality.len(),
        all.same,
        all.pairs,
        all.percent(),
        all.false_matches
    );
    let ((prefecture, name), ps) = largest[0];
    let municipality = municipality_named(prefecture, name);
    let (clerk, skipped) = typed_by_a_clerk(ps, &municipality);
    let _ = writeln!(
        out,
        "| typed by a clerk of the city | {name} (without {prefecture}{name}) | {} of {} | {:.1} % | {} |",
        clerk.same,
        clerk.pairs,
        clerk.percent(),
        clerk.false_matches
    );
    if skipped > 0 {
        let _ = writeln!(
            out,
            "\n{skipped} inputs of {name} do not begin with the municipality as the normaliser names it and are left out of the last row."
        );
    }
    (out, all, clerk)
}

const DOC: &str = "docs/address-matching.md";
const BEGIN: &str = "<!-- table: tests/address_match.rs -->\n";
const END: &str = "<!-- end of table -->";

#[test]
fn the_geolonia_pairs_match_and_nothing_else_does() {
    let (table, all, clerk) = table();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DOC);
    let doc = std::fs::read_to_string(&path).unwrap();
    let start = doc
        .find(BEGIN)
        .expect("the doc has the table's start marker")
        + BEGIN.len();
    let end = doc.find(END).expect("the doc has the table's end marker");
    if std::env::var_os("JUKI_WRITE_DOCS").is_some() {
        let new = format!("{}{table}{}", &doc[..start], &doc[end..]);
        std::fs::write(&path, new).unwrap();
    } else {
        assert_eq!(
            &doc[start..end],
            table,
            "{DOC} is out of date: run JUKI_WRITE_DOCS=1 cargo test --test address_match"
        );
    }
    assert!(all.percent() >= 95.0, "{all:?}");
    assert_eq!(all.false_matches, 0, "{all:?}");
    assert!(clerk.percent() >= 95.0, "{clerk:?}");
    assert_eq!(clerk.false_matches, 0, "{clerk:?}");
}
