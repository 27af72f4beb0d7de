//! Placing a written address: inside the register's municipality (a 町字 of its dictionary
//! with 丁目, 番地, 号 and a 方書), in another municipality of Japan, or nowhere we can name.
//!
//! The rules, in order:
//! 1. A prefecture's name at the start is taken off; without one, any prefecture may follow.
//! 2. The register's own municipality's name next (its prefecture written or not) places the
//!    address inside: then the ward of a 政令指定都市 if written, the 町字 (the longest name
//!    of the dictionary that begins the rest, compared with ケ/ヶ/ヵ/が and ノ/の/之 folded), the 丁目 if the
//!    町字 has them, the 番地 and the 号; what follows is the 方書. A municipality of the same
//!    name in another prefecture must be written with its prefecture, or it is taken as the
//!    register's own.
//! 3. Otherwise the longest municipality name of the national list (of the written prefecture
//!    if any) that begins the text places it outside; a 町 or 村 may follow a 郡 or island
//!    name (石狩郡当別町, 三宅島三宅村), which is not checked. A name of several prefectures
//!    without the prefecture written (府中市) is refused as ambiguous.
//! 4. Anything else is refused. An address that begins with a 町字 of the dictionary but not
//!    with the municipality is refused too: without the municipality's name it could be a
//!    town of the same name elsewhere, and the error says what to write.

use super::dictionary::{Town, TownDictionary};
use super::municipality::{national, Municipality, National};
use super::numbers::{self, is_dash, Mark};
use super::Prefecture;
use crate::model::Address;

/// 丁目, 番地 and 号 of an address inside the municipality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockNumbers {
    /// The 丁目, for a 町字 divided into 丁目.
    pub chome: Option<u32>,
    /// The 番地 (or 番 of 住居表示).
    pub ban: u32,
    /// The 号 (or 番地の枝番), if written.
    pub go: Option<u32>,
}

/// An address inside the register's municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inside<'a> {
    /// The 町字 of the dictionary.
    pub town: &'a Town,
    /// 丁目, 番地 and 号.
    pub numbers: BlockNumbers,
    /// The 方書 (building, room) after the numbers, if any.
    pub katagaki: Option<String>,
}

/// An address in another municipality of Japan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outside {
    /// The municipality (of the national list).
    pub municipality: &'static Municipality,
    /// What follows the municipality's name (ward, town, numbers), as written.
    pub rest: String,
}

impl Outside {
    /// The municipality's prefecture.
    pub fn prefecture(&self) -> Prefecture {
        self.municipality.prefecture()
    }
}

/// Where an address lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement<'a> {
    /// Inside the register's municipality, in a 町字 of its dictionary.
    Inside(Inside<'a>),
    /// In another municipality.
    Outside(Outside),
}

/// Why an address could not be placed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceError {
    /// Inside the municipality, but nothing follows its name.
    #[error("no 町字 after {municipality}")]
    NoTown {
        /// The municipality (and ward) written.
        municipality: String,
    },
    /// Inside the municipality, but no 町字 of the dictionary begins what follows.
    #[error("{written} is not a 町字 of {municipality}")]
    UnknownTown {
        /// The municipality.
        municipality: String,
        /// What was written where the 町字 should be (up to a number or a space).
        written: String,
    },
    /// A 町字 of several wards, written without its ward.
    #[error("{town} is a 町字 of several wards ({}): write the ward", wards.join(", "))]
    WardMissing {
        /// The 町字.
        town: String,
        /// The wards that have it.
        wards: Vec<String>,
    },
    /// The 丁目, 番地 or 号 after the 町字 are missing or wrong.
    #[error("{town}: {reason}")]
    Numbers {
        /// The 町字.
        town: String,
        /// What is wrong.
        reason: String,
    },
    /// A municipality's name written without its prefecture, and several prefectures have
    /// one of that name.
    #[error("{name} is in several prefectures ({}): write the prefecture", prefectures.join(", "))]
    Ambiguous {
        /// The municipality's name.
        name: String,
        /// The prefectures with a municipality of that name.
        prefectures: Vec<&'static str>,
    },
    /// No municipality could be recognised.
    #[error("no municipality: {reason}")]
    NoMunicipality {
        /// Why, and what to write.
        reason: String,
    },
}

impl TownDictionary {
    /// Places `address` (see the module's rules): inside the municipality in one of this
    /// dictionary's 町字, or in another municipality, or an error that says why neither.
    pub fn place(&self, address: &Address) -> Result<Placement<'_>, PlaceError> {
        place_text(self, address.written())
    }

    /// Whether nothing of Japan begins `text`: no prefecture, no municipality of the national
    /// list, neither this municipality nor one of its 町字. Such an address is taken as one
    /// abroad (国外) where an address out of the municipality is asked for.
    pub(crate) fn is_abroad(&self, text: &str) -> bool {
        Prefecture::strip_from(text).is_none()
            && !text.starts_with(self.municipality().name())
            && matches!(outside(national(), None, text), Ok(None))
            && self.longest_at(None, text).is_none()
    }
}

fn place_text<'a>(dictionary: &'a TownDictionary, text: &str) -> Result<Placement<'a>, PlaceError> {
    let own = dictionary.municipality();
    // The prefecture, if written.
    let (prefecture, rest) = match Prefecture::strip_from(text) {
        Some((p, rest)) => (Some(p), rest.trim_start()),
        None => (None, text),
    };
    // The register's own municipality comes before the national list: see rule 2.
    if prefecture.is_none_or(|p| p == own.prefecture()) {
        if let Some(after) = rest.strip_prefix(own.name()) {
            return inside(dictionary, after.trim_start()).map(Placement::Inside);
        }
    }
    match outside(national(), prefecture, rest)? {
        Some(o) => Ok(Placement::Outside(o)),
        None => Err(not_placed(dictionary, prefecture, rest)),
    }
}

/// The rest of an address after the register's municipality: ward, 町字, numbers, 方書.
fn inside<'a>(dictionary: &'a TownDictionary, text: &str) -> Result<Inside<'a>, PlaceError> {
    let own = dictionary.municipality();
    let (ward, text) = match own.wards().iter().find(|w| text.starts_with(w.name())) {
        Some(w) => (Some(w.name()), text[w.name().len()..].trim_start()),
        None => (None, text),
    };
    if text.is_empty() {
        let municipality = format!("{}{}", own.name(), ward.unwrap_or_default());
        return Err(PlaceError::NoTown { municipality });
    }
    let (towns, len) =
        dictionary
            .longest_at(ward, text)
            .ok_or_else(|| PlaceError::UnknownTown {
                municipality: format!("{}{}", own.name(), ward.unwrap_or_default()),
                written: town_part(text).to_owned(),
            })?;
    let town = super::dictionary::the_one(&towns)
        .map_err(|(town, wards)| PlaceError::WardMissing { town, wards })?;
    let (numbers, rest) = block_numbers(town, text[len..].trim_start())?;
    let katagaki = rest
        .trim_start_matches(|c: char| c == ' ' || c == '、' || c == ',' || is_dash(c))
        .trim_end();
    Ok(Inside {
        town,
        numbers,
        katagaki: (!katagaki.is_empty()).then(|| katagaki.to_owned()),
    })
}

/// What was written where a 町字 should be: up to a digit, a hyphen or a space.
fn town_part(text: &str) -> &str {
    let end = text
        .find(|c: char| c.is_ascii_digit() || c == ' ' || is_dash(c))
        .unwrap_or(text.len());
    if end == 0 {
        text
    } else {
        &text[..end]
    }
}

/// 丁目 (for a 町字 divided into 丁目), 番地 and 号 at the start of `text`, and the text after.
fn block_numbers<'t>(town: &Town, text: &'t str) -> Result<(BlockNumbers, &'t str), PlaceError> {
    let error = |reason: String| PlaceError::Numbers {
        town: town.name().to_owned(),
        reason,
    };
    let max = if town.chome().is_some() { 3 } else { 2 };
    let (parts, rest) = numbers::parts(text, max).map_err(error)?;
    if parts.is_empty() {
        return Err(error("no 番地 after the 町字".into()));
    }
    if parts.iter().any(|p| p.value == 0) {
        return Err(error("0 is not a 丁目, 番地 or 号".into()));
    }
    if parts.iter().skip(1).any(|p| p.mark == Mark::Chome) {
        return Err(error("the 丁目 comes before the 番地".into()));
    }
    let (first, later) = (parts[0], &parts[1..]);
    let numbers = match town.chome() {
        Some(highest) => {
            if first.mark != Mark::Chome && first.mark != Mark::Dash {
                return Err(error(format!(
                    "the 町字 is divided into 丁目 (1 to {highest}): write the 丁目 first, as in 2丁目8番9号 or 2-8-9"
                )));
            }
            if first.value > highest {
                return Err(error(format!(
                    "{}丁目 does not exist (1 to {highest})",
                    first.value
                )));
            }
            let Some(ban) = later.first() else {
                return Err(error(format!("no 番地 after {}丁目", first.value)));
            };
            BlockNumbers {
                chome: Some(first.value),
                ban: ban.value,
                go: later.get(1).map(|p| p.value),
            }
        }
        None => {
            if first.mark == Mark::Chome {
                return Err(error("the 町字 has no 丁目".into()));
            }
            BlockNumbers {
                chome: None,
                ban: first.value,
                go: later.first().map(|p| p.value),
            }
        }
    };
    Ok((numbers, rest))
}

/// The municipality of the national list that begins `text` (rule 3), if any.
fn outside(
    list: &'static National,
    prefecture: Option<Prefecture>,
    text: &str,
) -> Result<Option<Outside>, PlaceError> {
    let found = list
        .longest_at(text, prefecture, |_| true)
        .map(|(name, found)| (name.len(), found))
        .or_else(|| after_county(list, prefecture, text));
    let Some((len, found)) = found else {
        return Ok(None);
    };
    if let [municipality] = found.as_slice() {
        return Ok(Some(Outside {
            municipality,
            rest: text[len..].trim_start().to_owned(),
        }));
    }
    Err(PlaceError::Ambiguous {
        name: found[0].name().to_owned(),
        prefectures: found.iter().map(|m| m.prefecture().name()).collect(),
    })
}

/// A 町 or 村 after a 郡 or an island's name within the first six characters, with the length
/// in bytes up to the end of its name.
fn after_county(
    list: &'static National,
    prefecture: Option<Prefecture>,
    text: &str,
) -> Option<(usize, Vec<&'static Municipality>)> {
    text.char_indices()
        .take(6)
        .filter(|&(_, c)| c == '郡' || c == '島')
        .find_map(|(i, c)| {
            let start = i + c.len_utf8();
            list.longest_at(&text[start..], prefecture, |n| n.ends_with(['町', '村']))
                .map(|(name, found)| (start + name.len(), found))
        })
}

/// The error for text that begins with no municipality we know.
fn not_placed(
    dictionary: &TownDictionary,
    prefecture: Option<Prefecture>,
    text: &str,
) -> PlaceError {
    let own = dictionary.municipality();
    let snippet: String = text.chars().take(12).collect();
    let reason = if text.is_empty() {
        "the address is only a prefecture".into()
    } else if let Some((towns, _)) = dictionary.longest_at(None, text) {
        let town = towns[0].name();
        format!(
            "{town} is a 町字 of {own}, but no municipality is written: write {}{town}…",
            own.name()
        )
    } else if let Some(p) = prefecture {
        format!("no municipality of {p} begins {snippet:?}")
    } else {
        format!("no prefecture or municipality begins {snippet:?}")
    };
    PlaceError::NoMunicipality { reason }
}

#[cfg(test)]
mod tests;
