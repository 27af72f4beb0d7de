//! The items of a 外国人住民's 住民票 (住民基本台帳法 第30条の45): 国籍・地域, 在留資格,
//! 在留期間, 在留カード等番号, the 区分 of 第30条の45 and the kind of card, and the name in
//! Latin letters as the card writes it.
//!
//! Every type here is valid by construction; parsing folds full-width input (NFKC) and
//! refuses what the law's closed lists or the card's formats do not allow, naming the field
//! and what is wrong. Enum codes are stable: they are what is stored, and a new value takes
//! the next free code.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use super::coded::{coded_enum, name_key, parse_coded};
use super::error::InvalidValue;

/// NFKC, trimmed of ASCII and ideographic spaces.
fn normalised(input: &str) -> String {
    let text: String = super::text::nfkc(input).collect();
    text.trim_matches([' ', '\u{3000}']).to_string()
}

// ---------------------------------------------------------------------------------------
// 国籍・地域
// ---------------------------------------------------------------------------------------

/// The ISO 3166-1 codes and Japanese names (see the file's header for source and licence).
const COUNTRIES_TSV: &str = include_str!("data/countries.tsv");

/// The register's values outside the source's list, with codes of ISO 3166-1's
/// user-assigned range (X…).
const EXTRA: [(&str, &str); 3] = [
    // Stateless: ICAO Doc 9303 writes XXA for a stateless person; XX is its alpha-2 stem.
    ("XX", "無国籍"),
    // 朝鮮: the region name on cards of people of the Korean peninsula who hold neither
    // nationality on record; it is not 北朝鮮 (KP).
    ("XN", "朝鮮"),
    // Kosovo, recognised by Japan; CLDR's code, missing from the source's list.
    ("XK", "コソボ"),
];

/// Short or official names a clerk types where the source's name is another one.
const ALIASES: [(&str, &str); 13] = [
    ("米国", "US"),
    ("アメリカ", "US"),
    ("英国", "GB"),
    ("大韓民国", "KR"),
    ("中華人民共和国", "CN"),
    ("朝鮮民主主義人民共和国", "KP"),
    ("香港", "HK"),
    ("マカオ", "MO"),
    ("ミャンマー", "MM"),
    ("パレスチナ", "PS"),
    ("バチカン", "VA"),
    ("ロシア連邦", "RU"),
    ("ステートレス", "XX"),
];

/// The code a 日本人住民's nationality would have; a 外国人住民 never has it.
const JAPAN: [u8; 2] = *b"JP";

/// The table of nationalities, read once from [`COUNTRIES_TSV`], [`EXTRA`] and [`ALIASES`].
struct Countries {
    /// By code, sorted.
    by_code: Vec<([u8; 2], &'static str)>,
    /// Name key (see [`name_key`]) to code, for names and aliases.
    by_name: HashMap<String, [u8; 2]>,
}

/// Reads one data line `CODE<TAB>名前`; panics on a malformed line, which a unit test rules
/// out for the shipped file.
fn country_line(line: &'static str) -> ([u8; 2], &'static str) {
    let (code, name) = line.split_once('\t').expect("CODE<TAB>name");
    let code: [u8; 2] = code.as_bytes().try_into().expect("two-letter code");
    assert!(code.iter().all(u8::is_ascii_uppercase), "{line}");
    (code, name)
}

fn countries() -> &'static Countries {
    static TABLE: OnceLock<Countries> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut by_code: Vec<([u8; 2], &'static str)> = COUNTRIES_TSV
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(country_line)
            .chain(EXTRA.iter().map(|&(c, n)| country_line_parts(c, n)))
            .filter(|(code, _)| *code != JAPAN)
            .collect();
        by_code.sort_unstable();
        let mut by_name: HashMap<String, [u8; 2]> = by_code
            .iter()
            .map(|&(code, name)| (name_key(name), code))
            .collect();
        for (alias, code) in ALIASES {
            by_name.insert(name_key(alias), code_bytes(code));
        }
        Countries { by_code, by_name }
    })
}

fn country_line_parts(code: &'static str, name: &'static str) -> ([u8; 2], &'static str) {
    (code_bytes(code), name)
}

fn code_bytes(code: &str) -> [u8; 2] {
    code.as_bytes().try_into().expect("two-letter code")
}

/// 国籍・地域: a country or region as an ISO 3166-1 alpha-2 code, with its Japanese name.
///
/// The list is CLDR's Japanese names (src/model/data/countries.tsv, from
/// umpirsky/country-list) without 日本 (a Japanese national is a 日本人住民 and has no such
/// item), plus three values of the user-assigned range: `XX` 無国籍 (stateless), `XN` 朝鮮
/// (the region name cards carry for people of the Korean peninsula; not 北朝鮮, `KP`) and
/// `XK` コソボ. Canonical form: the code is what is stored ([`Nationality::code`]);
/// `Display` writes the Japanese name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Nationality([u8; 2]);

impl Nationality {
    const FIELD: &'static str = "nationality";

    /// 無国籍 (stateless), code `XX`.
    pub const STATELESS: Nationality = Nationality(*b"XX");

    /// Parses a code (`CN`, `cn`, `ＣＮ`) or a Japanese name (`中国`, `ベトナム`, `無国籍`)
    /// or a common short name (`米国`, `英国`, `大韓民国`, `香港`), after NFKC; spaces in
    /// a name are ignored.
    pub fn parse(input: &str) -> Result<Nationality, InvalidValue> {
        let text = normalised(input);
        if text.is_empty() {
            return Err(InvalidValue::new(Self::FIELD, "empty"));
        }
        if text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Self::from_code(&text.to_ascii_uppercase());
        }
        if text == "日本" {
            return Err(Self::japan());
        }
        match countries().by_name.get(&name_key(&text)) {
            Some(&code) => Ok(Nationality(code)),
            None => Err(InvalidValue::new(
                Self::FIELD,
                format!("{text:?} is no country or region of the list; write its name or its ISO 3166-1 code"),
            )),
        }
    }

    /// The nationality with a stored code: two upper-case ASCII letters of the list.
    pub fn from_code(code: &str) -> Result<Nationality, InvalidValue> {
        let bytes: [u8; 2] = code
            .as_bytes()
            .try_into()
            .ok()
            .filter(|b: &[u8; 2]| b.iter().all(u8::is_ascii_uppercase))
            .ok_or_else(|| {
                InvalidValue::new(
                    Self::FIELD,
                    format!("code {code:?} is not two upper-case letters"),
                )
            })?;
        if bytes == JAPAN {
            return Err(Self::japan());
        }
        countries()
            .by_code
            .binary_search_by_key(&bytes, |&(c, _)| c)
            .map(|_| Nationality(bytes))
            .map_err(|_| {
                InvalidValue::new(
                    Self::FIELD,
                    format!("{code} is not an ISO 3166-1 alpha-2 code of the list"),
                )
            })
    }

    fn japan() -> InvalidValue {
        InvalidValue::new(
            Self::FIELD,
            "日本 (JP) is not a nationality of a 外国人住民; a Japanese national is a 日本人住民",
        )
    }

    /// The ISO 3166-1 alpha-2 code (or `XX`, `XN`, `XK`), e.g. `CN`.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).expect("codes are ASCII")
    }

    /// The Japanese name, e.g. `中国`.
    pub fn name(self) -> &'static str {
        let table = &countries().by_code;
        let i = table
            .binary_search_by_key(&self.0, |&(c, _)| c)
            .expect("a Nationality is in the table");
        table[i].1
    }

    /// Every nationality of the list, by code.
    pub fn all() -> impl Iterator<Item = Nationality> {
        countries().by_code.iter().map(|&(c, _)| Nationality(c))
    }
}

impl fmt::Display for Nationality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Nationality {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Nationality::parse(s)
    }
}

coded_enum! {
    /// 在留資格: the status of residence the card shows, from the closed lists of
    /// 出入国管理及び難民認定法 別表第一 and 別表第二, plus 特別永住者 (not a 在留資格 but what
    /// the 住民票 shows in its place for a 特別永住者).
    ///
    /// 外交, 公用 and 短期滞在 are in the law's lists though their holders are not
    /// 中長期在留者 and so not 住民. 育成就労 (令和6年法律第60号) takes effect on 2027-04-01
    /// and is not in the list yet; it will take code 40, and 技能実習 stays for those who
    /// hold it then. Canonical form: the name as the law writes it, e.g. `技術・人文知識・国際業務`.
    ResidenceStatus, "residence status" {
        /// 外交 (別表第一の一).
        Diplomat = 1, "外交";
        /// 公用.
        Official = 2, "公用";
        /// 教授.
        Professor = 3, "教授";
        /// 芸術.
        Artist = 4, "芸術";
        /// 宗教.
        ReligiousActivities = 5, "宗教";
        /// 報道.
        Journalist = 6, "報道";
        /// 高度専門職1号イ (別表第一の二).
        HighlySkilled1a = 7, "高度専門職1号イ";
        /// 高度専門職1号ロ.
        HighlySkilled1b = 8, "高度専門職1号ロ";
        /// 高度専門職1号ハ.
        HighlySkilled1c = 9, "高度専門職1号ハ";
        /// 高度専門職2号.
        HighlySkilled2 = 10, "高度専門職2号";
        /// 経営・管理.
        BusinessManager = 11, "経営・管理";
        /// 法律・会計業務.
        LegalAccounting = 12, "法律・会計業務";
        /// 医療.
        MedicalServices = 13, "医療";
        /// 研究.
        Researcher = 14, "研究";
        /// 教育.
        Instructor = 15, "教育";
        /// 技術・人文知識・国際業務.
        EngineerHumanitiesInternational = 16, "技術・人文知識・国際業務";
        /// 企業内転勤.
        IntraCompanyTransferee = 17, "企業内転勤";
        /// 介護.
        NursingCare = 18, "介護";
        /// 興行.
        Entertainer = 19, "興行";
        /// 技能.
        SkilledLabor = 20, "技能";
        /// 特定技能1号.
        SpecifiedSkilled1 = 21, "特定技能1号";
        /// 特定技能2号.
        SpecifiedSkilled2 = 22, "特定技能2号";
        /// 技能実習1号イ.
        TechnicalIntern1a = 23, "技能実習1号イ";
        /// 技能実習1号ロ.
        TechnicalIntern1b = 24, "技能実習1号ロ";
        /// 技能実習2号イ.
        TechnicalIntern2a = 25, "技能実習2号イ";
        /// 技能実習2号ロ.
        TechnicalIntern2b = 26, "技能実習2号ロ";
        /// 技能実習3号イ.
        TechnicalIntern3a = 27, "技能実習3号イ";
        /// 技能実習3号ロ.
        TechnicalIntern3b = 28, "技能実習3号ロ";
        /// 文化活動 (別表第一の三).
        CulturalActivities = 29, "文化活動";
        /// 短期滞在.
        TemporaryVisitor = 30, "短期滞在";
        /// 留学 (別表第一の四).
        Student = 31, "留学";
        /// 研修.
        Trainee = 32, "研修";
        /// 家族滞在.
        Dependent = 33, "家族滞在";
        /// 特定活動 (別表第一の五).
        DesignatedActivities = 34, "特定活動";
        /// 永住者 (別表第二).
        PermanentResident = 35, "永住者";
        /// 日本人の配偶者等.
        SpouseOfJapanese = 36, "日本人の配偶者等";
        /// 永住者の配偶者等.
        SpouseOfPermanentResident = 37, "永住者の配偶者等";
        /// 定住者.
        LongTermResident = 38, "定住者";
        /// 特別永住者 (入管特例法; not a 在留資格).
        SpecialPermanentResident = 39, "特別永住者";
    }
}

impl ResidenceStatus {
    /// Parses the name exactly as the law writes it, after NFKC (so `経営･管理` and
    /// `特定技能１号` are read) and with spaces ignored.
    pub fn parse(input: &str) -> Result<ResidenceStatus, InvalidValue> {
        parse_coded(
            input,
            Self::FIELD,
            Self::by_name,
            None,
            "a 在留資格 of 入管法 別表第一・第二 or 特別永住者",
        )
    }

    /// Whether the status has no end (在留期間 無期限): 永住者, 高度専門職2号, 特別永住者.
    pub fn is_indefinite(self) -> bool {
        matches!(
            self,
            ResidenceStatus::PermanentResident
                | ResidenceStatus::HighlySkilled2
                | ResidenceStatus::SpecialPermanentResident
        )
    }
}

coded_enum! {
    /// The 区分 of a 外国人住民 (住民基本台帳法 第30条の45 の表): which of the six kinds of
    /// foreign resident the record is of. Canonical form: the name; code 1–6.
    ForeignCategory, "foreign resident category" {
        /// 中長期在留者 (入管法 第19条の3).
        MidToLongTerm = 1, "中長期在留者";
        /// 特別永住者 (入管特例法).
        SpecialPermanent = 2, "特別永住者";
        /// 一時庇護許可者 (入管法 第18条の2).
        TemporaryRefuge = 3, "一時庇護許可者";
        /// 仮滞在許可者 (入管法 第61条の2の4).
        ProvisionalStay = 4, "仮滞在許可者";
        /// 出生による経過滞在者 (入管法 第22条の2).
        TransitionalByBirth = 5, "出生による経過滞在者";
        /// 国籍喪失による経過滞在者 (入管法 第22条の2).
        TransitionalByLossOfNationality = 6, "国籍喪失による経過滞在者";
    }
}

impl ForeignCategory {
    /// Parses the name or the code `1`..=`6` (NFKC, spaces ignored).
    pub fn parse(input: &str) -> Result<ForeignCategory, InvalidValue> {
        parse_coded(
            input,
            Self::FIELD,
            Self::by_name,
            Some(&Self::from_code),
            "a 区分 of 住基法第30条の45 (中長期在留者, 特別永住者, 一時庇護許可者, 仮滞在許可者, \
             出生による経過滞在者, 国籍喪失による経過滞在者) or its code 1..=6",
        )
    }
}

coded_enum! {
    /// The card whose number the 住民票 records (在留カード等番号): 在留カード (code 1) for a
    /// 中長期在留者, 特別永住者証明書 (code 2) for a 特別永住者. Canonical form: the name.
    CardKind, "card kind" {
        /// 在留カード.
        ResidenceCard = 1, "在留カード";
        /// 特別永住者証明書.
        SpecialPermanentResidentCertificate = 2, "特別永住者証明書";
    }
}

impl CardKind {
    /// Parses the name or the code `1` or `2` (NFKC, spaces ignored).
    pub fn parse(input: &str) -> Result<CardKind, InvalidValue> {
        parse_coded(
            input,
            Self::FIELD,
            Self::by_name,
            Some(&Self::from_code),
            "在留カード, 特別永住者証明書 or a code 1 or 2",
        )
    }
}

// ---------------------------------------------------------------------------------------
// 在留カード等番号
// ---------------------------------------------------------------------------------------

/// 在留カード等番号: the number of a 在留カード or 特別永住者証明書, two Latin letters,
/// eight digits and two Latin letters (`AB12345678CD`). Canonical form: upper-case ASCII, no
/// separators. The card has no check digit to verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResidenceCardNumber([u8; 12]);

impl ResidenceCardNumber {
    const FIELD: &'static str = "residence card number";

    /// Parses the number as typed: full-width and lower case accepted (NFKC, upper-cased),
    /// spaces and hyphens between the characters ignored.
    pub fn parse(input: &str) -> Result<ResidenceCardNumber, InvalidValue> {
        let text: String = super::text::nfkc(input)
            .filter(|c| !matches!(c, ' ' | '\u{3000}' | '-'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let count = text.chars().count();
        if count != 12 {
            return Err(InvalidValue::new(
                Self::FIELD,
                format!("expected 12 characters (2 letters, 8 digits, 2 letters), got {count}"),
            ));
        }
        let mut out = [0u8; 12];
        for (i, c) in text.chars().enumerate() {
            let letter = !(2..10).contains(&i);
            let fits = if letter {
                c.is_ascii_uppercase()
            } else {
                c.is_ascii_digit()
            };
            if !fits {
                return Err(InvalidValue::new(
                    Self::FIELD,
                    format!(
                        "character {} is {c:?}, expected {}",
                        i + 1,
                        if letter { "a Latin letter" } else { "a digit" }
                    ),
                ));
            }
            out[i] = c as u8;
        }
        Ok(ResidenceCardNumber(out))
    }

    /// The number, e.g. `AB12345678CD`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("checked ASCII")
    }
}

impl fmt::Display for ResidenceCardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ResidenceCardNumber {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResidenceCardNumber::parse(s)
    }
}

// ---------------------------------------------------------------------------------------
// 氏名 in Latin letters
// ---------------------------------------------------------------------------------------

/// A 外国人住民's name as the card writes it in Latin letters (the 住民票's 氏名 of a
/// foreign resident, e.g. `NGUYEN VAN AN`). Canonical form: upper-case ASCII letters,
/// single spaces, `-`, `'`, `,` and `.`, trimmed, at most 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LatinName(String);

impl LatinName {
    const FIELD: &'static str = "Latin name";
    const MAX_CHARS: usize = 100;

    /// Parses a name: NFKC (full-width folded), runs of spaces collapsed, trimmed,
    /// upper-cased; refuses any character but ASCII letters, spaces, `-`, `'`, `,` and `.`
    /// (naming it and its position), an empty name and one over 100 characters.
    pub fn parse(input: &str) -> Result<LatinName, InvalidValue> {
        let text = super::text::written(input, Self::FIELD, Self::MAX_CHARS)?;
        for (i, c) in text.chars().enumerate() {
            if !(c.is_ascii_alphabetic() || matches!(c, ' ' | '-' | '\'' | ',' | '.')) {
                return Err(InvalidValue::new(
                    Self::FIELD,
                    format!(
                        "character {c:?} at position {} is not a Latin letter, space, \
                         hyphen, apostrophe, comma or full stop",
                        i + 1
                    ),
                ));
            }
        }
        Ok(LatinName(text.to_ascii_uppercase()))
    }

    /// The name as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LatinName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for LatinName {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LatinName::parse(s)
    }
}

// ---------------------------------------------------------------------------------------
// 在留期間
// ---------------------------------------------------------------------------------------

/// 在留期間 as the card writes it: `5年`, `3年6月`, `6月`, `90日`, or `無期限` (永住者,
/// 高度専門職2号).
///
/// Invariants: a finite period is years and months (months 1..=11 after years, or alone) or
/// days alone; it is not zero and not longer than 5年, the longest 在留期間 that
/// 入管法施行規則 別表第二 grants; days are at most 365. Canonical form: as above, without
/// zero parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StayPeriod(Period);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Period {
    Indefinite,
    Finite { years: u8, months: u8, days: u16 },
}

impl StayPeriod {
    /// 無期限.
    pub const INDEFINITE: StayPeriod = StayPeriod(Period::Indefinite);

    const FIELD: &'static str = "period of stay";
    const MAX_YEARS: u32 = 5;
    const MAX_DAYS: u32 = 365;

    /// Parses `5年`, `3年6月`, `6月`, `90日` or `無期限` (NFKC, spaces ignored; `か月`,
    /// `ヶ月`, `カ月` and `ヵ月` are read as `月`).
    pub fn parse(input: &str) -> Result<StayPeriod, InvalidValue> {
        let key = name_key(input);
        if key.is_empty() {
            return Err(InvalidValue::new(Self::FIELD, "empty"));
        }
        if key == "無期限" {
            return Ok(StayPeriod::INDEFINITE);
        }
        let text = ["か月", "ヶ月", "カ月", "ヵ月", "ケ月"]
            .iter()
            .fold(key.clone(), |t, long| t.replace(long, "月"));
        let bad = || {
            InvalidValue::new(
                Self::FIELD,
                format!("{key:?} is not a period; expected 5年, 3年6月, 6月, 90日 or 無期限"),
            )
        };
        let (years, rest) = match text.split_once('年') {
            Some((y, rest)) => (number(y).ok_or_else(bad)?, rest),
            None => (0, text.as_str()),
        };
        let (months, rest) = match rest.split_once('月') {
            Some((m, rest)) => (number(m).ok_or_else(bad)?, rest),
            None => (0, rest),
        };
        let days = match rest.strip_suffix('日') {
            Some(d) if years == 0 && months == 0 => number(d).ok_or_else(bad)?,
            None if rest.is_empty() => 0,
            _ => return Err(bad()),
        };
        StayPeriod::finite(years, months, days)
    }

    /// A finite period, refused when it is zero or breaks the invariants above.
    pub fn finite(years: u32, months: u32, days: u32) -> Result<StayPeriod, InvalidValue> {
        let fail = |reason: String| Err(InvalidValue::new(Self::FIELD, reason));
        if years == 0 && months == 0 && days == 0 {
            return fail("a period of no time".into());
        }
        if days > 0 && (years > 0 || months > 0) {
            return fail("days are written alone, not after years or months".into());
        }
        if months > 11 {
            return fail(format!(
                "{months}月: months are 1..=11; write whole years as 年"
            ));
        }
        if years > Self::MAX_YEARS || (years == Self::MAX_YEARS && months > 0) {
            return fail(format!(
                "longer than {} years, the longest 在留期間",
                Self::MAX_YEARS
            ));
        }
        if days > Self::MAX_DAYS {
            return fail(format!(
                "{days}日: at most {} days; write longer periods in 年 and 月",
                Self::MAX_DAYS
            ));
        }
        Ok(StayPeriod(Period::Finite {
            years: years as u8,
            months: months as u8,
            days: days as u16,
        }))
    }

    /// Whether the period is 無期限.
    pub fn is_indefinite(self) -> bool {
        self.0 == Period::Indefinite
    }

    /// The years, months and days of a finite period (None for 無期限).
    pub fn parts(self) -> Option<(u32, u32, u32)> {
        match self.0 {
            Period::Indefinite => None,
            Period::Finite {
                years,
                months,
                days,
            } => Some((u32::from(years), u32::from(months), u32::from(days))),
        }
    }
}

/// Reads 1..=3 ASCII digits.
fn number(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl fmt::Display for StayPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Period::Indefinite => f.write_str("無期限"),
            Period::Finite {
                years,
                months,
                days,
            } => {
                if years > 0 {
                    write!(f, "{years}年")?;
                }
                if months > 0 {
                    write!(f, "{months}月")?;
                }
                if days > 0 {
                    write!(f, "{days}日")?;
                }
                Ok(())
            }
        }
    }
}

impl FromStr for StayPeriod {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StayPeriod::parse(s)
    }
}

#[cfg(test)]
mod tests;
