//! 住所辞書: every 町字 of the register's municipality, loaded from CSV
//! (docs/address-dictionary.md).
//!
//! Invariants of a [`TownDictionary`]: every town has a name (NFKC, no spaces, no ASCII digit,
//! not ending in 丁目), a katakana reading, at least one postal code and no repeated one; a
//! town's ward is one of the municipality's wards, and every town of a 政令指定都市 has one;
//! no two towns of one ward have the same [`fold`]ed name, so a written name finds at most
//! one town per ward.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use super::municipality::Municipality;
use crate::model::{Kana, PostalCode};

const MAX_TOWN_CHARS: usize = 40;
const MAX_CHOME: u32 = 99;

/// A 町字 name folded for matching, as an address key folds it
/// (`model::address::fold_address_char`): the spellings ケ, ヶ, ヵ, が and ガ (朝日ケ丘,
/// 朝日ヶ丘, 朝日が丘) become ケ, ノ, の and 之 (松ノ内, 松の内) become ノ, variant kanji their
/// representative. One character maps to one, so a folded prefix is as long as the written
/// one.
pub(crate) fn fold(c: char) -> char {
    crate::model::address::fold_address_char(c)
}

/// The one town of `towns` (the towns of one name, as [`TownDictionary::longest_at`] finds
/// them), or, when wards share the name, the name and those wards.
pub(crate) fn the_one<'d>(towns: &[&'d Town]) -> Result<&'d Town, (String, Vec<String>)> {
    match towns {
        [town] => Ok(*town),
        several => Err((
            several[0].name().to_owned(),
            several
                .iter()
                .filter_map(|t| t.ward().map(str::to_owned))
                .collect(),
        )),
    }
}

/// [`fold`] over a whole name.
pub(crate) fn fold_str(s: &str) -> String {
    s.chars().map(fold).collect()
}

/// One 町字 of the dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Town {
    name: String,
    kana: Kana,
    postal: Vec<PostalCode>,
    ward: Option<String>,
    chome: Option<u32>,
    areas: BTreeMap<String, String>,
    line: u64,
}

impl Town {
    /// The name as the dictionary writes it, e.g. 朝日ケ丘町.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The reading in katakana, e.g. アサヒガオカチョウ.
    pub fn kana(&self) -> &Kana {
        &self.kana
    }

    /// The postal codes of the town (at least one).
    pub fn postal_codes(&self) -> &[PostalCode] {
        &self.postal
    }

    /// The ward (区) the town lies in, for a 政令指定都市.
    pub fn ward(&self) -> Option<&str> {
        self.ward.as_deref()
    }

    /// The highest 丁目, if the town is divided into 丁目.
    pub fn chome(&self) -> Option<u32> {
        self.chome
    }

    /// The area codes (key → value, e.g. `school` → `精道`).
    pub fn areas(&self) -> &BTreeMap<String, String> {
        &self.areas
    }

    /// The line of the CSV the town was read from.
    pub fn line(&self) -> u64 {
        self.line
    }
}

/// A CSV line of the dictionary that could not be read: its line, its column and what is
/// wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("address dictionary, line {line}{}: {reason}", column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default())]
pub struct DictionaryError {
    /// The 1-based line of the CSV text.
    pub line: u64,
    /// The column's header name, when one column is at fault.
    pub column: Option<String>,
    /// What is wrong.
    pub reason: String,
}

fn error(line: u64, column: Option<&str>, reason: impl Into<String>) -> DictionaryError {
    DictionaryError {
        line,
        column: column.map(str::to_owned),
        reason: reason.into(),
    }
}

/// The columns of the CSV; `town`, `kana` and `postal` are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Town,
    Kana,
    Postal,
    Ward,
    Chome,
    Areas,
}

const COLUMNS: [(&str, Column); 6] = [
    ("town", Column::Town),
    ("kana", Column::Kana),
    ("postal", Column::Postal),
    ("ward", Column::Ward),
    ("chome", Column::Chome),
    ("areas", Column::Areas),
];

/// Where each column is in a record.
struct Header {
    columns: Vec<Column>,
}

impl Header {
    fn read(names: &csv::StringRecord, line: u64) -> Result<Header, DictionaryError> {
        let mut columns = Vec::with_capacity(names.len());
        for name in names {
            let name = name.trim();
            let (_, column) = COLUMNS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
                error(line, Some(name), "not a column of the address dictionary (town, kana, postal, ward, chome, areas)")
            })?;
            if columns.contains(column) {
                return Err(error(line, Some(name), "the column is named twice"));
            }
            columns.push(*column);
        }
        for (name, required) in &COLUMNS[..3] {
            if !columns.contains(required) {
                return Err(error(
                    line,
                    None,
                    format!("the header has no column {name}"),
                ));
            }
        }
        Ok(Header { columns })
    }

    fn name(column: Column) -> &'static str {
        COLUMNS
            .iter()
            .find(|(_, c)| *c == column)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

/// The 住所辞書 of one municipality.
#[derive(Debug, Clone)]
pub struct TownDictionary {
    municipality: Municipality,
    towns: Vec<Town>,
    /// (ward or "", folded name) → index in `towns`.
    by_key: HashMap<(String, String), usize>,
    longest_name: usize,
    /// The `address_key` of every town's name (ward, key), in the order of `towns`: made on
    /// first use by a search condition (`place::condition`).
    address_keys: std::sync::OnceLock<Vec<String>>,
}

impl TownDictionary {
    /// Reads the dictionary of `municipality` from CSV text with a header row (lines starting
    /// with `#` are comments). Every error names the line and, where one is at fault, the
    /// column; a town repeated (after folding ケ/ヶ/ヵ/が and ノ/の/之) names both lines.
    pub fn from_csv(
        municipality: &Municipality,
        input: impl Read,
    ) -> Result<TownDictionary, DictionaryError> {
        let text = without_comments(input)?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(text.as_bytes());
        let mut dictionary = TownDictionary {
            municipality: municipality.clone(),
            towns: Vec::new(),
            by_key: HashMap::new(),
            longest_name: 0,
            address_keys: std::sync::OnceLock::new(),
        };
        let mut header: Option<Header> = None;
        let mut record = csv::StringRecord::new();
        loop {
            let more = reader
                .read_record(&mut record)
                .map_err(|e| csv_error(&text, &e))?;
            if !more {
                break;
            }
            let line = line_at(&text, record.position().map_or(0, |p| p.byte()));
            match &header {
                None => header = Some(Header::read(&record, line)?),
                Some(h) => {
                    let town = read_town(h, &record, line, municipality)?;
                    dictionary.insert(town)?;
                }
            }
        }
        if header.is_none() {
            return Err(error(1, None, "no header row"));
        }
        if dictionary.towns.is_empty() {
            return Err(error(line_at(&text, text.len() as u64), None, "no 町字"));
        }
        Ok(dictionary)
    }

    fn insert(&mut self, town: Town) -> Result<(), DictionaryError> {
        let key = (town.ward.clone().unwrap_or_default(), fold_str(&town.name));
        if let Some(&i) = self.by_key.get(&key) {
            let other = &self.towns[i];
            return Err(error(
                town.line,
                Some("town"),
                format!(
                    "{} repeats {} of line {}",
                    town.name, other.name, other.line
                ),
            ));
        }
        self.longest_name = self.longest_name.max(town.name.chars().count());
        self.by_key.insert(key, self.towns.len());
        self.towns.push(town);
        Ok(())
    }

    /// The municipality whose 町字 these are.
    pub fn municipality(&self) -> &Municipality {
        &self.municipality
    }

    /// Every town, in the order of the CSV.
    pub fn towns(&self) -> &[Town] {
        &self.towns
    }

    /// The town named `name` (compared with ケ/ヶ/ヵ/が and ノ/の/之 folded) in `ward` (None outside a 政令指定都市).
    pub fn get(&self, ward: Option<&str>, name: &str) -> Option<&Town> {
        let key = (ward.unwrap_or_default().to_owned(), fold_str(name));
        self.by_key.get(&key).map(|&i| &self.towns[i])
    }

    /// The towns whose name, the longest that does, begins `text` (compared [`fold`]ed), in
    /// `ward` if given, else in any ward; with the length in bytes of the name in `text`.
    pub(crate) fn longest_at(&self, ward: Option<&str>, text: &str) -> Option<(Vec<&Town>, usize)> {
        let folded = fold_str(text);
        let ends: Vec<usize> = text.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
        let folded_ends: Vec<usize> = folded
            .char_indices()
            .map(|(i, c)| i + c.len_utf8())
            .collect();
        (0..ends.len().min(self.longest_name)).rev().find_map(|k| {
            let name = &folded[..folded_ends[k]];
            let found: Vec<&Town> = match ward {
                Some(w) => self
                    .by_key
                    .get(&(w.to_owned(), name.to_owned()))
                    .map(|&i| &self.towns[i])
                    .into_iter()
                    .collect(),
                None => self
                    .wards_and_none()
                    .filter_map(|w| self.by_key.get(&(w.to_owned(), name.to_owned())))
                    .map(|&i| &self.towns[i])
                    .collect(),
            };
            (!found.is_empty()).then_some((found, ends[k]))
        })
    }

    /// The `address_key` of each town's name, in the order of [`TownDictionary::towns`].
    pub(crate) fn address_keys(&self) -> &[String] {
        self.address_keys.get_or_init(|| {
            self.towns
                .iter()
                .map(|t| crate::model::address_key(t.name()))
                .collect()
        })
    }

    fn wards_and_none(&self) -> impl Iterator<Item = &str> {
        std::iter::once("").chain(self.municipality.wards().iter().map(|w| w.name()))
    }
}

/// The CSV text with each comment line (starting with `#`) left empty, so that byte offsets
/// and lines stay those of the input.
fn without_comments(mut input: impl Read) -> Result<String, DictionaryError> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| error(0, None, format!("cannot be read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let line = bytes[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        error(line as u64 + 1, None, "not UTF-8")
    })?;
    Ok(text
        .split_inclusive('\n')
        .map(|line| if line.starts_with('#') { "\n" } else { line })
        .collect())
}

/// The 1-based line of the record at byte offset `byte` of `text`. The reader gives a
/// record's offset from before the empty lines it skipped, so those are passed over first.
fn line_at(text: &str, byte: u64) -> u64 {
    let bytes = text.as_bytes();
    let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    while end < bytes.len() && matches!(bytes[end], b'\n' | b'\r') {
        end += 1;
    }
    bytes[..end].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

fn csv_error(text: &str, e: &csv::Error) -> DictionaryError {
    let line = line_at(text, e.position().map_or(0, |p| p.byte()));
    error(line, None, format!("not CSV: {e}"))
}

/// One record as a town: every cell validated in the order of the header.
fn read_town(
    header: &Header,
    record: &csv::StringRecord,
    line: u64,
    municipality: &Municipality,
) -> Result<Town, DictionaryError> {
    if record.len() != header.columns.len() {
        return Err(error(
            line,
            None,
            format!(
                "{} fields, the header has {}",
                record.len(),
                header.columns.len()
            ),
        ));
    }
    let mut town = Town {
        name: String::new(),
        kana: Kana::from_trusted(String::new()),
        postal: Vec::new(),
        ward: None,
        chome: None,
        areas: BTreeMap::new(),
        line,
    };
    for (&column, cell) in header.columns.iter().zip(record) {
        let at = |reason: String| error(line, Some(Header::name(column)), reason);
        let cell = cell.trim();
        match column {
            Column::Town => town.name = town_name(cell).map_err(at)?,
            Column::Kana => {
                town.kana = Kana::parse(cell).map_err(|e| at(e.reason))?;
            }
            Column::Postal => town.postal = postal_codes(cell).map_err(at)?,
            Column::Ward => town.ward = ward(cell, municipality).map_err(at)?,
            Column::Chome => town.chome = chome(cell).map_err(at)?,
            Column::Areas => town.areas = areas(cell).map_err(at)?,
        }
    }
    if town.ward.is_none() && !municipality.wards().is_empty() {
        return Err(error(
            line,
            Some("ward"),
            format!(
                "{} is a 政令指定都市: every 町字 needs its ward",
                municipality.name()
            ),
        ));
    }
    Ok(town)
}

fn town_name(cell: &str) -> Result<String, String> {
    let name: String = crate::model::text::nfkc(cell).collect();
    if name.is_empty() {
        return Err("empty".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || c.is_ascii_digit() || *c == '-')
    {
        return Err(format!("{name:?} contains {c:?}"));
    }
    if name.ends_with("丁目") {
        return Err(format!(
            "{name:?} ends in 丁目: name the 町字 without it and give the highest 丁目 in the column chome"
        ));
    }
    if name.chars().count() > MAX_TOWN_CHARS {
        return Err(format!(
            "{name:?} is longer than {MAX_TOWN_CHARS} characters"
        ));
    }
    Ok(name)
}

fn postal_codes(cell: &str) -> Result<Vec<PostalCode>, String> {
    let mut codes = Vec::new();
    for part in cell.split([' ', ';']).filter(|p| !p.is_empty()) {
        let code = PostalCode::parse(part).map_err(|e| format!("{part:?}: {}", e.reason))?;
        if codes.contains(&code) {
            return Err(format!("{code} is given twice"));
        }
        codes.push(code);
    }
    if codes.is_empty() {
        return Err("empty: a 町字 has at least one postal code".into());
    }
    Ok(codes)
}

fn ward(cell: &str, municipality: &Municipality) -> Result<Option<String>, String> {
    if cell.is_empty() {
        return Ok(None);
    }
    let name: String = crate::model::text::nfkc(cell).collect();
    match municipality.ward(&name) {
        Some(w) => Ok(Some(w.name().to_owned())),
        None if municipality.wards().is_empty() => {
            Err(format!("{name:?}: {} has no wards", municipality.name()))
        }
        None => Err(format!("{name:?} is not a ward of {}", municipality.name())),
    }
}

fn chome(cell: &str) -> Result<Option<u32>, String> {
    if cell.is_empty() {
        return Ok(None);
    }
    match cell.parse::<u32>() {
        Ok(n @ 1..=MAX_CHOME) => Ok(Some(n)),
        _ => Err(format!(
            "{cell:?}: the highest 丁目 is a number from 1 to {MAX_CHOME}, or empty"
        )),
    }
}

fn areas(cell: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for pair in cell.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("{pair:?} is not key=value"))?;
        let (key, value) = (key.trim(), value.trim());
        let key_ok = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            return Err(format!(
                "{key:?}: a key is lower-case ASCII letters, digits and _"
            ));
        }
        if value.is_empty() {
            return Err(format!("{key}: the value is empty"));
        }
        if value.chars().any(char::is_control) {
            return Err(format!("{key}: the value holds a control character"));
        }
        if out.insert(key.to_owned(), value.to_owned()).is_some() {
            return Err(format!("{key} is given twice"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
