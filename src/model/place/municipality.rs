//! 市区町村: a municipality with its code and prefecture, its wards (区) if it is a 政令指定都市,
//! and the list of Japan's municipalities (data/municipalities.csv) that an address in another
//! municipality is recognised by.
//!
//! Invariants of a [`Municipality`]: its code is a municipality's (not a prefecture's) and
//! begins with its prefecture's code; its name ends in 市, 区, 町 or 村; a code that the
//! national list holds names the same prefecture and municipality there; wards are only of a
//! 政令指定都市 (a 市 whose municipality digits are 100, 110 … 190), each named …区, with a
//! code above the city's and at most its prefecture's 199, no two wards sharing a name or a
//! code.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use super::code::{LocalGovCode, Prefecture};
use crate::model::InvalidValue;

const FIELD: &str = "municipality";
const MAX_NAME_CHARS: usize = 20;

/// Japan's municipalities, one a line: code, prefecture, municipality (see the file's header
/// for its source and licence).
const NATIONAL: &str = include_str!("../../../data/municipalities.csv");

/// A ward (行政区) of a 政令指定都市, with its own code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ward {
    code: LocalGovCode,
    name: String,
}

impl Ward {
    /// The ward's code, e.g. 271276 for 大阪市北区.
    pub fn code(&self) -> LocalGovCode {
        self.code
    }

    /// The ward's name, e.g. 北区.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A municipality (市, 特別区, 町 or 村): the one a register is kept by, or one of the national
/// list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Municipality {
    code: LocalGovCode,
    name: String,
    wards: Vec<Ward>,
}

/// A name as written: NFKC, trimmed, without spaces, at most [`MAX_NAME_CHARS`] characters,
/// ending in one of `suffixes`.
fn place_name(input: &str, what: &str, suffixes: &[char]) -> Result<String, InvalidValue> {
    let name: String = crate::model::text::nfkc(input.trim()).collect();
    if name.is_empty() {
        return Err(InvalidValue::new(
            FIELD,
            format!("the {what} name is empty"),
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(InvalidValue::new(
            FIELD,
            format!("the {what} name {name:?} contains {c:?}"),
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(InvalidValue::new(
            FIELD,
            format!("the {what} name {name:?} is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    if !name.ends_with(suffixes) {
        let list: Vec<String> = suffixes.iter().map(char::to_string).collect();
        return Err(InvalidValue::new(
            FIELD,
            format!(
                "the {what} name {name:?} does not end in {}",
                list.join(", ")
            ),
        ));
    }
    Ok(name)
}

impl Municipality {
    /// A municipality from its code (five or six digits), its prefecture's name and its own
    /// name, e.g. `("282065", "兵庫県", "芦屋市")`. The code's first two digits must be the
    /// prefecture's, and a code of the national list must name the same municipality there.
    pub fn parse(code: &str, prefecture: &str, name: &str) -> Result<Municipality, InvalidValue> {
        let m = Municipality::unlisted(code, prefecture, name)?;
        if let Some(listed) = Municipality::known(m.code) {
            if listed.name != m.name {
                return Err(InvalidValue::new(
                    FIELD,
                    format!(
                        "code {} is {}{} in the list of municipalities, not {}",
                        m.code,
                        listed.prefecture(),
                        listed.name,
                        m.name
                    ),
                ));
            }
        }
        Ok(m)
    }

    /// As [`Municipality::parse`], without the national list.
    fn unlisted(code: &str, prefecture: &str, name: &str) -> Result<Municipality, InvalidValue> {
        let code = LocalGovCode::parse(code).map_err(|e| InvalidValue::new(FIELD, e.reason))?;
        if code.is_prefecture() {
            return Err(InvalidValue::new(
                FIELD,
                format!("code {code} is the prefecture's own, not a municipality's"),
            ));
        }
        let prefecture =
            Prefecture::parse(prefecture).map_err(|e| InvalidValue::new(FIELD, e.reason))?;
        if code.prefecture() != prefecture {
            return Err(InvalidValue::new(
                FIELD,
                format!(
                    "code {code} is of {}, not of {prefecture}",
                    code.prefecture()
                ),
            ));
        }
        let name = place_name(name, "municipality", &['市', '区', '町', '村'])?;
        Ok(Municipality {
            code,
            name,
            wards: Vec::new(),
        })
    }

    /// The municipality with a ward (区) of a 政令指定都市 added: its code and name.
    pub fn with_ward(mut self, code: &str, name: &str) -> Result<Municipality, InvalidValue> {
        let code = LocalGovCode::parse(code).map_err(|e| InvalidValue::new(FIELD, e.reason))?;
        let name = place_name(name, "ward", &['区'])?;
        let base = self.code.five();
        if !self.name.ends_with('市')
            || !(100..=190).contains(&(base % 1_000))
            || !base.is_multiple_of(10)
        {
            return Err(InvalidValue::new(
                FIELD,
                format!(
                    "{} ({}) is not a 政令指定都市 and has no wards",
                    self.name, self.code
                ),
            ));
        }
        let last = base - base % 1_000 + 199;
        if !(base + 1..=last).contains(&code.five()) {
            return Err(InvalidValue::new(
                FIELD,
                format!(
                    "ward {name}'s code {code} is not one of {}'s ({:05}x to {last:05}x)",
                    self.name,
                    base + 1,
                ),
            ));
        }
        if let Some(w) = self.wards.iter().find(|w| w.name == name || w.code == code) {
            return Err(InvalidValue::new(
                FIELD,
                format!("ward {name} ({code}) repeats ward {} ({})", w.name, w.code),
            ));
        }
        self.wards.push(Ward { code, name });
        Ok(self)
    }

    /// The municipality of `code` in the national list, if it holds it.
    pub fn known(code: LocalGovCode) -> Option<&'static Municipality> {
        let list = national();
        list.by_code.get(&code).map(|&i| &list.all[i])
    }

    /// The code, e.g. 282065.
    pub fn code(&self) -> LocalGovCode {
        self.code
    }

    /// The prefecture.
    pub fn prefecture(&self) -> Prefecture {
        self.code.prefecture()
    }

    /// The name without the prefecture, e.g. 芦屋市.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The wards, empty unless a 政令指定都市.
    pub fn wards(&self) -> &[Ward] {
        &self.wards
    }

    /// The ward named `name`.
    pub fn ward(&self, name: &str) -> Option<&Ward> {
        self.wards.iter().find(|w| w.name == name)
    }
}

impl fmt::Display for Municipality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.prefecture(), self.name)
    }
}

/// The national list, parsed once, with its lookups.
pub(crate) struct National {
    pub(crate) all: Vec<Municipality>,
    by_code: HashMap<LocalGovCode, usize>,
    by_name: HashMap<String, Vec<usize>>,
    longest_name: usize,
}

impl National {
    /// The municipalities named exactly `name`, in `prefecture` if given.
    pub(crate) fn named<'a>(
        &'a self,
        name: &str,
        prefecture: Option<Prefecture>,
    ) -> impl Iterator<Item = &'a Municipality> + 'a {
        self.by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| &self.all[i])
            .filter(move |m| prefecture.is_none_or(|p| m.prefecture() == p))
    }

    /// The longest name of a municipality (in `prefecture` if given) that begins `text`,
    /// with every municipality of that name; `accept` filters names.
    pub(crate) fn longest_at<'a>(
        &'a self,
        text: &str,
        prefecture: Option<Prefecture>,
        accept: impl Fn(&str) -> bool,
    ) -> Option<(&'a str, Vec<&'a Municipality>)> {
        let ends: Vec<usize> = text.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
        ends.iter().take(self.longest_name).rev().find_map(|&end| {
            let name = &text[..end];
            if !accept(name) {
                return None;
            }
            let found: Vec<&Municipality> = self.named(name, prefecture).collect();
            (!found.is_empty()).then(|| (found[0].name.as_str(), found))
        })
    }
}

fn load_national() -> National {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(NATIONAL.as_bytes());
    let mut all = Vec::new();
    for record in reader.records() {
        let r = record.expect("data/municipalities.csv: a CSV record");
        let m = Municipality::unlisted(&r[0], &r[1], &r[2])
            .unwrap_or_else(|e| panic!("data/municipalities.csv: {r:?}: {e}"));
        all.push(m);
    }
    let by_code = all.iter().enumerate().map(|(i, m)| (m.code, i)).collect();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, m) in all.iter().enumerate() {
        by_name.entry(m.name.clone()).or_default().push(i);
    }
    let longest_name = all
        .iter()
        .map(|m| m.name.chars().count())
        .max()
        .unwrap_or(0);
    National {
        all,
        by_code,
        by_name,
        longest_name,
    }
}

/// The national list, parsed on first use.
pub(crate) fn national() -> &'static National {
    static LIST: OnceLock<National> = OnceLock::new();
    LIST.get_or_init(load_national)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_municipality() {
        let m = Municipality::parse("282065", "兵庫県", "芦屋市").unwrap();
        assert_eq!(m.code().five(), 28206);
        assert_eq!(m.prefecture().name(), "兵庫県");
        assert_eq!(m.name(), "芦屋市");
        assert!(m.wards().is_empty());
        assert_eq!(m.to_string(), "兵庫県芦屋市");
        assert_eq!(
            Municipality::parse("28206", " 兵庫県 ", "芦屋市").unwrap(),
            m
        );
        assert_eq!(Municipality::known(m.code()), Some(&m));
    }

    #[test]
    fn refuses_what_disagrees() {
        let reason = |c, p, n| Municipality::parse(c, p, n).unwrap_err().reason;
        assert_eq!(
            reason("282065", "大阪府", "芦屋市"),
            "code 282065 is of 兵庫県, not of 大阪府"
        );
        assert_eq!(
            reason("282065", "兵庫県", "西宮市"),
            "code 282065 is 兵庫県芦屋市 in the list of municipalities, not 西宮市"
        );
        assert_eq!(
            reason("282064", "兵庫県", "芦屋市"),
            "check digit of 282064 is 4, expected 5"
        );
        assert_eq!(
            reason("280003", "兵庫県", "兵庫県"),
            "code 280003 is the prefecture's own, not a municipality's"
        );
        assert_eq!(
            reason("28206", "兵庫", "芦屋市"),
            "\"兵庫\" is not a prefecture"
        );
        assert_eq!(
            reason("28206", "兵庫県", "芦屋"),
            "the municipality name \"芦屋\" does not end in 市, 区, 町, 村"
        );
        assert_eq!(
            reason("28206", "兵庫県", ""),
            "the municipality name is empty"
        );
        // A code not in the list (a municipality formed later) is taken as given.
        assert!(Municipality::parse("28299", "兵庫県", "新市").is_ok());
    }

    #[test]
    fn wards_of_a_designated_city() {
        let osaka = Municipality::parse("271004", "大阪府", "大阪市")
            .and_then(|m| m.with_ward("271276", "北区"))
            .and_then(|m| m.with_ward("27128", "中央区"))
            .unwrap();
        assert_eq!(osaka.wards().len(), 2);
        assert_eq!(osaka.ward("北区").unwrap().code().to_string(), "271276");
        assert_eq!(osaka.ward("中央区").unwrap().code().to_string(), "271284");
        let e = osaka.clone().with_ward("271276", "北区").unwrap_err();
        assert_eq!(e.reason, "ward 北区 (271276) repeats ward 北区 (271276)");
        let e = osaka.clone().with_ward("282065", "芦屋区").unwrap_err();
        assert_eq!(
            e.reason,
            "ward 芦屋区's code 282065 is not one of 大阪市's (27101x to 27199x)"
        );
        assert!(osaka.with_ward("271292", "北町").is_err());
        let ashiya = Municipality::parse("282065", "兵庫県", "芦屋市").unwrap();
        assert!(ashiya.with_ward("282073", "北区").is_err());
        let chiyoda = Municipality::parse("131016", "東京都", "千代田区").unwrap();
        assert_eq!(
            chiyoda.with_ward("131024", "中央区").unwrap_err().reason,
            "千代田区 (131016) is not a 政令指定都市 and has no wards"
        );
    }

    /// Every row of the national list is a valid municipality (its check digit verifies: the
    /// rule holds on 1,741 real codes), codes are unique, and the same name recurs only in
    /// different prefectures.
    #[test]
    fn the_national_list_is_valid() {
        let list = national();
        assert!(list.all.len() > 1_700, "{}", list.all.len());
        assert_eq!(list.by_code.len(), list.all.len());
        for indexes in list.by_name.values() {
            let mut prefectures: Vec<_> =
                indexes.iter().map(|&i| list.all[i].prefecture()).collect();
            prefectures.dedup();
            assert_eq!(prefectures.len(), indexes.len());
        }
        let fuchu: Vec<_> = list
            .named("府中市", None)
            .map(|m| m.prefecture().name())
            .collect();
        assert_eq!(fuchu, ["東京都", "広島県"]);
        assert_eq!(
            list.named("大阪市", None)
                .next()
                .unwrap()
                .code()
                .to_string(),
            "271004"
        );
    }
}
