//! The items of the 住民票 beyond the core record: 本籍・筆頭者, 旧氏, 通称, the 外国人住民 items
//! and the 住民票記載事項 of 住基法第7条 (国民健康保険, 後期高齢者医療, 介護保険, 国民年金,
//! 児童手当). [`ITEMS`] is the one table of them: the statement key and CSV column, the label,
//! the group, how a value is validated, and whether it is withheld like a My Number.
//!
//! Invariants of [`ITEMS`]:
//! * one row per [`Item`], in [`Item::ALL`] order, and the row's `item` is that item;
//! * keys are unique, lower-case ASCII, and never the name of a core field or a change key
//!   (`name`, `address`, `to` …), so a statement or a CSV header names one thing;
//! * a value is stored as the canonical text its `parse` returns, and `parse` of that text
//!   gives it back unchanged (tested for every row), so a stored value re-validates;
//! * an item's tag ([`Item::tag`]) is stored with its value and never reused for another
//!   item: a record written by one build reads the same in every later one.
//!
//! A record holds an item or does not (no empty values): most residents have none of the
//! foreign-resident items and only some of the insurance ones.

use std::fmt;

use std::str::FromStr;

use super::date::Date;
use super::error::InvalidValue;
use super::foreign::{
    CardKind, ForeignCategory, LatinName, Nationality, ResidenceCardNumber, ResidenceStatus,
    StayPeriod,
};
use super::insurance::{
    BasicPensionNumber, CareInsuredNumber, InsuredNumber8, NhiRetiredKind, PensionCategory,
};
use super::kana::Kana;
use super::name::Name;

/// An item of the record beyond the core fields. The discriminant is the stored tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u16)]
pub enum Item {
    /// 本籍 (items 97–103 of the source document's list).
    RegisteredDomicile = 1,
    /// 筆頭者氏名 (104–106).
    FamilyHead = 2,
    /// 旧氏 (57–62).
    FormerSurname = 10,
    /// 旧氏の振り仮名.
    FormerSurnameKana = 11,
    /// 通称 (44–56): the name a 外国人住民 uses in Japan, recorded on request.
    CommonName = 20,
    /// 通称の振り仮名.
    CommonNameKana = 21,
    /// 氏名 in Latin letters, as on the 在留カード (外国人住民).
    LatinName = 30,
    /// 国籍・地域 (stored as its code: ISO 3166-1 alpha-2, or XX 無国籍 …).
    Nationality = 31,
    /// 第30条の45に規定する区分.
    ForeignCategory = 32,
    /// 在留資格.
    ResidenceStatus = 33,
    /// 在留期間.
    StayPeriod = 34,
    /// 在留期間の満了の日.
    StayExpiry = 35,
    /// 在留カード等の種類 (在留カード or 特別永住者証明書).
    CardKind = 36,
    /// 在留カード等の番号: withheld in every output but an export.
    CardNumber = 37,
    /// 外国人住民となった日.
    ForeignResidentSince = 38,
    /// 国民健康保険 資格取得日 (243–244).
    NhiAcquired = 50,
    /// 国民健康保険 資格喪失日.
    NhiLost = 51,
    /// 国民健康保険 退職被保険者等の区分 (一般 or 退職).
    NhiRetired = 52,
    /// 後期高齢者医療 資格取得日 (245–246).
    LateElderAcquired = 55,
    /// 後期高齢者医療 資格喪失日.
    LateElderLost = 56,
    /// 後期高齢者医療 被保険者番号 (8 digits).
    LateElderNumber = 57,
    /// 介護保険 資格取得日 (247–248).
    CareAcquired = 60,
    /// 介護保険 資格喪失日.
    CareLost = 61,
    /// 介護保険 被保険者番号 (10 digits).
    CareNumber = 62,
    /// 国民年金 資格取得日 (249–250).
    PensionAcquired = 65,
    /// 国民年金 資格喪失日.
    PensionLost = 66,
    /// 基礎年金番号: withheld in every output but an export.
    BasicPensionNumber = 67,
    /// 国民年金 被保険者種別 (第1号, 第2号, 第3号).
    PensionCategory = 68,
    /// 児童手当 支給開始日 (251–252).
    ChildAllowanceFrom = 70,
    /// 児童手当 支給終了日.
    ChildAllowanceUntil = 71,
}

/// The groups items are changed and shown by: each is one bit of a version's change mask
/// and belongs to one function of the city hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemGroup {
    /// 本籍・筆頭者.
    FamilyRegister,
    /// 旧氏.
    FormerSurname,
    /// 通称.
    CommonName,
    /// The 外国人住民 items: the name in Latin letters, 国籍・地域, 区分, 在留資格 and
    /// 在留期間, the 在留カード等, 外国人住民となった日.
    ForeignResident,
    /// 国民健康保険, 後期高齢者医療, 介護保険 (the health-insurance department's items).
    Insurance,
    /// 国民年金.
    Pension,
    /// 児童手当.
    ChildAllowance,
}

impl ItemGroup {
    /// Every group, in display order.
    pub const ALL: [ItemGroup; 7] = [
        ItemGroup::FamilyRegister,
        ItemGroup::FormerSurname,
        ItemGroup::CommonName,
        ItemGroup::ForeignResident,
        ItemGroup::Insurance,
        ItemGroup::Pension,
        ItemGroup::ChildAllowance,
    ];

    /// The group's name as HISTORY lists it among the changed fields.
    pub fn name(self) -> &'static str {
        match self {
            ItemGroup::FamilyRegister => "registered_domicile",
            ItemGroup::FormerSurname => "former_surname",
            ItemGroup::CommonName => "common_name",
            ItemGroup::ForeignResident => "foreign_resident",
            ItemGroup::Insurance => "insurance",
            ItemGroup::Pension => "pension",
            ItemGroup::ChildAllowance => "child_allowance",
        }
    }

    /// The items of the group, in display order.
    pub fn items(self) -> impl Iterator<Item = Item> {
        Item::ALL.into_iter().filter(move |i| i.group() == self)
    }
}

/// One row of [`ITEMS`].
#[derive(Debug, Clone, Copy)]
pub struct ItemRule {
    /// The item.
    pub item: Item,
    /// The key in statements (`registered_domicile='…'`), the CSV column and the JSON field.
    pub key: &'static str,
    /// The item's name on the 住民票.
    pub label: &'static str,
    /// The group it is changed and shown with.
    pub group: ItemGroup,
    /// Validates what was typed and gives the canonical text that is stored.
    pub parse: fn(&str) -> Result<String, InvalidValue>,
    /// Withheld like a My Number: shown as `****` by every read; only an export (which
    /// needs the export permission) writes it.
    pub withheld: bool,
}

/// Every item, one row each, in [`Item::ALL`] order (see the module's invariants).
pub const ITEMS: [ItemRule; 30] = [
    rule(
        Item::RegisteredDomicile,
        "registered_domicile",
        "本籍",
        ItemGroup::FamilyRegister,
        domicile,
    ),
    rule(
        Item::FamilyHead,
        "family_head",
        "筆頭者",
        ItemGroup::FamilyRegister,
        name,
    ),
    rule(
        Item::FormerSurname,
        "former_surname",
        "旧氏",
        ItemGroup::FormerSurname,
        surname,
    ),
    rule(
        Item::FormerSurnameKana,
        "former_surname_kana",
        "旧氏の振り仮名",
        ItemGroup::FormerSurname,
        kana,
    ),
    rule(
        Item::CommonName,
        "common_name",
        "通称",
        ItemGroup::CommonName,
        name,
    ),
    rule(
        Item::CommonNameKana,
        "common_name_kana",
        "通称の振り仮名",
        ItemGroup::CommonName,
        kana,
    ),
    rule(
        Item::LatinName,
        "latin_name",
        "氏名（ローマ字）",
        ItemGroup::ForeignResident,
        canonical::<LatinName>,
    ),
    rule(
        Item::Nationality,
        "nationality",
        "国籍・地域",
        ItemGroup::ForeignResident,
        nationality,
    ),
    rule(
        Item::ForeignCategory,
        "foreign_category",
        "第30条の45に規定する区分",
        ItemGroup::ForeignResident,
        canonical::<ForeignCategory>,
    ),
    rule(
        Item::ResidenceStatus,
        "residence_status",
        "在留資格",
        ItemGroup::ForeignResident,
        canonical::<ResidenceStatus>,
    ),
    rule(
        Item::StayPeriod,
        "stay_period",
        "在留期間",
        ItemGroup::ForeignResident,
        canonical::<StayPeriod>,
    ),
    rule(
        Item::StayExpiry,
        "stay_expiry",
        "在留期間の満了の日",
        ItemGroup::ForeignResident,
        date,
    ),
    rule(
        Item::CardKind,
        "card_kind",
        "在留カード等の種類",
        ItemGroup::ForeignResident,
        canonical::<CardKind>,
    ),
    secret(rule(
        Item::CardNumber,
        "card_number",
        "在留カード等の番号",
        ItemGroup::ForeignResident,
        canonical::<ResidenceCardNumber>,
    )),
    rule(
        Item::ForeignResidentSince,
        "foreign_resident_since",
        "外国人住民となった日",
        ItemGroup::ForeignResident,
        date,
    ),
    rule(
        Item::NhiAcquired,
        "nhi_acquired",
        "国民健康保険 資格取得日",
        ItemGroup::Insurance,
        date,
    ),
    rule(
        Item::NhiLost,
        "nhi_lost",
        "国民健康保険 資格喪失日",
        ItemGroup::Insurance,
        date,
    ),
    rule(
        Item::NhiRetired,
        "nhi_retired",
        "国民健康保険 退職被保険者等の区分",
        ItemGroup::Insurance,
        canonical::<NhiRetiredKind>,
    ),
    rule(
        Item::LateElderAcquired,
        "late_elder_acquired",
        "後期高齢者医療 資格取得日",
        ItemGroup::Insurance,
        date,
    ),
    rule(
        Item::LateElderLost,
        "late_elder_lost",
        "後期高齢者医療 資格喪失日",
        ItemGroup::Insurance,
        date,
    ),
    rule(
        Item::LateElderNumber,
        "late_elder_number",
        "後期高齢者医療 被保険者番号",
        ItemGroup::Insurance,
        canonical::<InsuredNumber8>,
    ),
    rule(
        Item::CareAcquired,
        "care_acquired",
        "介護保険 資格取得日",
        ItemGroup::Insurance,
        date,
    ),
    rule(
        Item::CareLost,
        "care_lost",
        "介護保険 資格喪失日",
        ItemGroup::Insurance,
        date,
    ),
    rule(
        Item::CareNumber,
        "care_number",
        "介護保険 被保険者番号",
        ItemGroup::Insurance,
        canonical::<CareInsuredNumber>,
    ),
    rule(
        Item::PensionAcquired,
        "pension_acquired",
        "国民年金 資格取得日",
        ItemGroup::Pension,
        date,
    ),
    rule(
        Item::PensionLost,
        "pension_lost",
        "国民年金 資格喪失日",
        ItemGroup::Pension,
        date,
    ),
    secret(rule(
        Item::BasicPensionNumber,
        "basic_pension_number",
        "基礎年金番号",
        ItemGroup::Pension,
        canonical::<BasicPensionNumber>,
    )),
    rule(
        Item::PensionCategory,
        "pension_category",
        "国民年金 被保険者種別",
        ItemGroup::Pension,
        canonical::<PensionCategory>,
    ),
    rule(
        Item::ChildAllowanceFrom,
        "child_allowance_from",
        "児童手当 支給開始日",
        ItemGroup::ChildAllowance,
        date,
    ),
    rule(
        Item::ChildAllowanceUntil,
        "child_allowance_until",
        "児童手当 支給終了日",
        ItemGroup::ChildAllowance,
        date,
    ),
];

const fn rule(
    item: Item,
    key: &'static str,
    label: &'static str,
    group: ItemGroup,
    parse: fn(&str) -> Result<String, InvalidValue>,
) -> ItemRule {
    ItemRule {
        item,
        key,
        label,
        group,
        parse,
        withheld: false,
    }
}

/// A row whose value is withheld in reads ([`ItemRule::withheld`]).
const fn secret(rule: ItemRule) -> ItemRule {
    ItemRule {
        withheld: true,
        ..rule
    }
}

impl Item {
    /// Every item, in display order (the order of [`ITEMS`]).
    pub const ALL: [Item; 30] = [
        Item::RegisteredDomicile,
        Item::FamilyHead,
        Item::FormerSurname,
        Item::FormerSurnameKana,
        Item::CommonName,
        Item::CommonNameKana,
        Item::LatinName,
        Item::Nationality,
        Item::ForeignCategory,
        Item::ResidenceStatus,
        Item::StayPeriod,
        Item::StayExpiry,
        Item::CardKind,
        Item::CardNumber,
        Item::ForeignResidentSince,
        Item::NhiAcquired,
        Item::NhiLost,
        Item::NhiRetired,
        Item::LateElderAcquired,
        Item::LateElderLost,
        Item::LateElderNumber,
        Item::CareAcquired,
        Item::CareLost,
        Item::CareNumber,
        Item::PensionAcquired,
        Item::PensionLost,
        Item::BasicPensionNumber,
        Item::PensionCategory,
        Item::ChildAllowanceFrom,
        Item::ChildAllowanceUntil,
    ];

    /// The stored tag.
    pub fn tag(self) -> u16 {
        self as u16
    }

    /// The item with this stored tag, if this build knows it.
    pub fn from_tag(tag: u16) -> Option<Item> {
        Item::ALL.into_iter().find(|i| i.tag() == tag)
    }

    /// The item's row of [`ITEMS`].
    pub fn rule(self) -> &'static ItemRule {
        let i = Item::ALL
            .iter()
            .position(|x| *x == self)
            .expect("every item is in Item::ALL");
        &ITEMS[i]
    }

    /// The item named by a statement key or CSV column.
    pub fn from_key(key: &str) -> Option<Item> {
        ITEMS.iter().find(|r| r.key == key).map(|r| r.item)
    }

    /// The statement key, CSV column and JSON field.
    pub fn key(self) -> &'static str {
        self.rule().key
    }

    /// The item's name on the 住民票.
    pub fn label(self) -> &'static str {
        self.rule().label
    }

    /// The group the item belongs to.
    pub fn group(self) -> ItemGroup {
        self.rule().group
    }

    /// Validates a typed value and gives the canonical text to store.
    pub fn parse(self, input: &str) -> Result<String, InvalidValue> {
        (self.rule().parse)(input)
    }

    /// Whether reads withhold the value ([`ItemRule::withheld`]).
    pub fn withheld(self) -> bool {
        self.rule().withheld
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The items a record holds: each at most once, kept in [`Item::ALL`] order, every value
/// canonical text (validated by the item's `parse`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Items(Vec<(Item, String)>);

impl Items {
    /// No items.
    pub fn new() -> Items {
        Items(Vec::new())
    }

    /// Wraps items read back from storage (already validated when written), putting them in
    /// order.
    pub(crate) fn from_trusted(mut items: Vec<(Item, String)>) -> Items {
        items.sort_by_key(|(i, _)| order(*i));
        items.dedup_by_key(|(i, _)| *i);
        Items(items)
    }

    /// The value of `item`, if the record holds it.
    pub fn get(&self, item: Item) -> Option<&str> {
        self.0
            .iter()
            .find(|(i, _)| *i == item)
            .map(|(_, v)| v.as_str())
    }

    /// Sets `item` to a value that is already canonical (from [`Item::parse`]), or removes
    /// it with `None`.
    pub fn set(&mut self, item: Item, value: Option<String>) {
        self.0.retain(|(i, _)| *i != item);
        if let Some(v) = value {
            let at = self
                .0
                .iter()
                .position(|(i, _)| order(*i) > order(item))
                .unwrap_or(self.0.len());
            self.0.insert(at, (item, v));
        }
    }

    /// The items held, in display order.
    pub fn iter(&self) -> impl Iterator<Item = (Item, &str)> {
        self.0.iter().map(|(i, v)| (*i, v.as_str()))
    }

    /// Whether the record holds no item.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The groups in which `self` and `other` differ.
    pub fn groups_changed<'a>(&'a self, other: &'a Items) -> impl Iterator<Item = ItemGroup> + 'a {
        ItemGroup::ALL
            .into_iter()
            .filter(move |g| g.items().any(|i| self.get(i) != other.get(i)))
    }
}

/// The items a 異動 sets or clears: each at most once, every value validated by its
/// item's `parse` when it was added (so the engine stores it as it is).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemChanges(Vec<(Item, Option<String>)>);

impl ItemChanges {
    /// No item changes.
    pub fn new() -> ItemChanges {
        ItemChanges(Vec::new())
    }

    /// Sets `item` to the value typed (validated and made canonical), replacing what an
    /// earlier call set for it. An empty value clears the item.
    pub fn set(&mut self, item: Item, typed: &str) -> Result<(), InvalidValue> {
        let value = if typed.trim_matches([' ', '\u{3000}']).is_empty() {
            None
        } else {
            Some(item.parse(typed)?)
        };
        self.0.retain(|(i, _)| *i != item);
        self.0.push((item, value));
        self.0.sort_by_key(|(i, _)| order(*i));
        Ok(())
    }

    /// Clears `item` (the record no longer holds it).
    pub fn clear(&mut self, item: Item) {
        self.0.retain(|(i, _)| *i != item);
        self.0.push((item, None));
        self.0.sort_by_key(|(i, _)| order(*i));
    }

    /// What is set (`Some`) or cleared (`None`), in display order.
    pub fn iter(&self) -> impl Iterator<Item = (Item, Option<&str>)> {
        self.0.iter().map(|(i, v)| (*i, v.as_deref()))
    }

    /// Whether no item is touched.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The groups touched, each once, in display order.
    pub fn groups(&self) -> Vec<ItemGroup> {
        ItemGroup::ALL
            .into_iter()
            .filter(|g| self.0.iter().any(|(i, _)| i.group() == *g))
            .collect()
    }

    /// Applies the changes to `items`.
    pub fn apply(&self, items: &mut Items) {
        for (item, value) in &self.0 {
            items.set(*item, value.clone());
        }
    }
}

/// The other names a resident is found by in a 4情報 search, written and read: the 旧氏
/// with the given name of the current name, and the 通称. `items` are a record's items as
/// stored (tag, canonical text); `name` and `kana` its current 氏名 and 振り仮名.
pub fn other_names<'a>(
    name: &str,
    kana: &str,
    items: impl Iterator<Item = (u16, &'a str)>,
) -> (Vec<String>, Vec<String>) {
    let (mut written, mut read) = (Vec::new(), Vec::new());
    let with_given = |surname: &str, whole: &str| match whole.split_once(' ') {
        Some((_, given)) => format!("{surname} {given}"),
        None => surname.to_string(),
    };
    for (tag, value) in items {
        match Item::from_tag(tag) {
            Some(Item::FormerSurname) => written.push(with_given(value, name)),
            Some(Item::FormerSurnameKana) => read.push(with_given(value, kana)),
            Some(Item::CommonName) => written.push(value.to_string()),
            Some(Item::CommonNameKana) => read.push(value.to_string()),
            _ => {}
        }
    }
    (written, read)
}

/// The position of an item in [`Item::ALL`].
fn order(item: Item) -> usize {
    Item::ALL
        .iter()
        .position(|x| *x == item)
        .expect("every item is in Item::ALL")
}

// ---- the validators of the table -------------------------------------------------------

fn domicile(input: &str) -> Result<String, InvalidValue> {
    super::text::written(input, "registered domicile", 200)
}

fn name(input: &str) -> Result<String, InvalidValue> {
    Name::parse(input).map(|n| n.as_str().to_owned())
}

fn surname(input: &str) -> Result<String, InvalidValue> {
    let s = super::text::written(input, "former surname", 50)?;
    if s.contains(' ') {
        return Err(InvalidValue::new(
            "former surname",
            "the value holds a space: a 旧氏 is a surname alone",
        ));
    }
    Ok(s)
}

fn kana(input: &str) -> Result<String, InvalidValue> {
    Kana::parse(input).map(|k| k.as_str().to_owned())
}

fn date(input: &str) -> Result<String, InvalidValue> {
    Date::parse(input).map(|d| d.to_string())
}

/// The canonical text of a value of a validated type: its `Display`.
fn canonical<T: FromStr<Err = InvalidValue> + fmt::Display>(
    input: &str,
) -> Result<String, InvalidValue> {
    input.parse::<T>().map(|v| v.to_string())
}

/// 国籍・地域 is stored as its code (the Japanese name is shown from the table).
fn nationality(input: &str) -> Result<String, InvalidValue> {
    Nationality::parse(input).map(|n| n.code().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_one_row_per_item_in_order() {
        assert_eq!(ITEMS.len(), Item::ALL.len());
        for (row, item) in ITEMS.iter().zip(Item::ALL) {
            assert_eq!(row.item, item);
            assert_eq!(Item::from_key(row.key), Some(item));
            assert_eq!(Item::from_tag(item.tag()), Some(item));
        }
        let mut keys: Vec<_> = ITEMS.iter().map(|r| r.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), ITEMS.len(), "keys are unique");
        let mut tags: Vec<_> = Item::ALL.iter().map(|i| i.tag()).collect();
        tags.dedup();
        assert_eq!(tags.len(), ITEMS.len(), "tags are unique and ascending");
    }

    #[test]
    fn no_key_is_a_core_field_or_a_change_key() {
        for row in &ITEMS {
            assert!(
                super::super::ChangeField::ALL
                    .iter()
                    .all(|f| f.name() != row.key),
                "{} is a change key",
                row.key
            );
            assert!(row.key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }

    #[test]
    fn canonical_values_parse_to_themselves() {
        let samples = [
            (Item::RegisteredDomicile, "東京都千代田区千代田１番"),
            (Item::FamilyHead, "山田　太郎"),
            (Item::FormerSurname, " 佐藤 "),
            (Item::FormerSurnameKana, "さとう"),
            (Item::CommonName, "金田 一郎"),
            (Item::CommonNameKana, "カネダ イチロウ"),
            (Item::LatinName, "kim  mi young"),
            (Item::Nationality, "韓国"),
            (Item::ForeignCategory, "1"),
            (Item::ResidenceStatus, "永住者"),
            (Item::StayPeriod, "3年6月"),
            (Item::StayExpiry, "2030-01-31"),
            (Item::CardKind, "在留カード"),
            (Item::CardNumber, "ab１２３４５６７８cd"),
            (Item::ForeignResidentSince, "2019-04-01"),
            (Item::NhiAcquired, "令和2年4月1日"),
            (Item::NhiLost, "2021/4/1"),
            (Item::NhiRetired, "一般"),
            (Item::LateElderNumber, "12345678"),
            (Item::CareNumber, "1234567890"),
            (Item::BasicPensionNumber, "1234567890"),
            (Item::PensionCategory, "第1号"),
            (Item::LateElderAcquired, "2020-04-01"),
            (Item::LateElderLost, "2020-04-01"),
            (Item::CareAcquired, "2020-04-01"),
            (Item::CareLost, "2020-04-01"),
            (Item::PensionAcquired, "2020-04-01"),
            (Item::PensionLost, "2020-04-01"),
            (Item::ChildAllowanceFrom, "2020-04-01"),
            (Item::ChildAllowanceUntil, "2031-03-31"),
        ];
        assert_eq!(samples.len(), ITEMS.len(), "a sample for every item");
        for (item, typed) in samples {
            let canonical = item.parse(typed).unwrap();
            assert_eq!(item.parse(&canonical).unwrap(), canonical, "{item}");
        }
        assert_eq!(Item::FormerSurnameKana.parse("さとう").unwrap(), "サトウ");
        assert_eq!(
            Item::NhiAcquired.parse("令和2年4月1日").unwrap(),
            "2020-04-01"
        );
        assert_eq!(Item::FamilyHead.parse("山田　太郎").unwrap(), "山田 太郎");
        assert_eq!(Item::Nationality.parse("韓国").unwrap(), "KR");
        assert_eq!(
            Item::CardNumber.parse("ab１２３４５６７８cd").unwrap(),
            "AB12345678CD"
        );
        assert_eq!(
            Item::BasicPensionNumber.parse("1234567890").unwrap(),
            "1234-567890"
        );
        assert_eq!(
            Item::LatinName.parse("kim  mi young").unwrap(),
            "KIM MI YOUNG"
        );
        assert!(Item::CardNumber.withheld() && Item::BasicPensionNumber.withheld());
        assert!(!Item::Nationality.withheld());
    }

    #[test]
    fn bad_values_are_refused_naming_the_item() {
        let e = Item::FormerSurname.parse("佐藤 花子").unwrap_err();
        assert_eq!(e.field, "former surname");
        assert!(Item::NhiLost.parse("2020-02-30").is_err());
        assert!(Item::CommonNameKana.parse("金田").is_err());
        assert!(Item::RegisteredDomicile.parse("  ").is_err());
    }

    #[test]
    fn changes_validate_set_and_clear() {
        let mut changes = ItemChanges::new();
        changes.set(Item::PensionAcquired, "平成2年4月1日").unwrap();
        changes.set(Item::FormerSurname, "佐藤").unwrap();
        assert!(changes.set(Item::PensionLost, "2020-13-01").is_err());
        assert_eq!(
            changes.groups(),
            [ItemGroup::FormerSurname, ItemGroup::Pension]
        );
        let mut items = Items::new();
        items.set(Item::NhiAcquired, Some("2020-04-01".into()));
        changes.apply(&mut items);
        assert_eq!(items.get(Item::PensionAcquired), Some("1990-04-01"));
        let mut clear = ItemChanges::new();
        clear.set(Item::NhiAcquired, "").unwrap();
        clear.apply(&mut items);
        assert_eq!(items.get(Item::NhiAcquired), None);
        assert_eq!(items.iter().count(), 2);
    }

    #[test]
    fn items_stay_in_order_and_unique() {
        let mut items = Items::new();
        items.set(Item::NhiAcquired, Some("2020-04-01".into()));
        items.set(Item::RegisteredDomicile, Some("東京都".into()));
        items.set(Item::NhiAcquired, Some("2021-04-01".into()));
        let held: Vec<_> = items.iter().collect();
        assert_eq!(
            held,
            [
                (Item::RegisteredDomicile, "東京都"),
                (Item::NhiAcquired, "2021-04-01")
            ]
        );
        let mut other = items.clone();
        other.set(Item::NhiAcquired, None);
        assert_eq!(
            items.groups_changed(&other).collect::<Vec<_>>(),
            [ItemGroup::Insurance]
        );
    }
}
