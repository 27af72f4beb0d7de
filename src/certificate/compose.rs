//! From the residents a certificate is about to the [`Document`] that prints them.
//!
//! Invariants:
//! * the persons come in the order given (the caller sorts them in 記載順位);
//! * a part is printed only when it is in `parts`: the caller decides what the requester
//!   may see, this module never adds an item on its own;
//! * every date is written in 和暦, as the counter writes it;
//! * a My Number is printed only when the [`Resident`] carries one and `parts` holds
//!   [`Part::MyNumber`]: a withheld record (`my_number: None`) prints nothing.

use super::document::{Document, Field, Person};
use super::request::{Kind, Part};
use crate::model::{Date, Item, Nationality};
use crate::store::Resident;

/// Who signs: the municipality and its head, from the register's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// The title, with the municipality: "兵庫県芦屋市長".
    pub title: String,
    /// The head's name.
    pub name: String,
}

/// Everything a certificate prints besides its persons.
#[derive(Debug, Clone)]
pub struct Sheet<'a> {
    /// Which certificate.
    pub kind: Kind,
    /// The parts it carries, in [`Part::ALL`] order.
    pub parts: &'a [Part],
    /// Whether it is the whole household (世帯全員) or some of its members (世帯一部).
    pub whole_household: bool,
    /// The day whose record it shows, when not today.
    pub as_of: Option<Date>,
    /// Its serial number.
    pub serial: u64,
    /// The day it is issued.
    pub issued_on: Date,
    /// Who signs.
    pub issuer: &'a Issuer,
}

/// The document of `persons` (at least one, in 記載順位).
pub fn compose(sheet: &Sheet<'_>, persons: &[Resident]) -> Document {
    let has = |p: Part| sheet.parts.contains(&p);
    let first = &persons[0];
    let mut header = vec![Field::new("住所", first.address.to_string())];
    if has(Part::Household) {
        let head = first
            .head_name
            .as_ref()
            .map_or("（なし）".to_string(), |n| n.to_string());
        header.push(Field::new("世帯主", head));
    }
    let mut footer_notes = Vec::new();
    if let Some(d) = sheet.as_of {
        footer_notes.push(format!("{}現在の記載事項", d.to_era_string()));
    }
    footer_notes.push("以下余白".to_string());
    Document {
        title: title(sheet),
        serial: format!("第 {:06} 号", sheet.serial),
        header,
        persons: persons.iter().map(|r| person(sheet, r)).collect(),
        footer_notes,
        attestation: attestation(sheet.kind).to_string(),
        issued_on: sheet.issued_on.to_era_string(),
        issuer: format!("{}　{}", sheet.issuer.title, sheet.issuer.name),
    }
}

impl Document {
    /// The certificate as data: `{"title", "serial", "header": [{"label", "value"}],
    /// "persons": [[[{"label", "value"}]]], "footer_notes", "attestation", "issued_on",
    /// "issuer"}` (each person a list of rows, each row a list of fields), pretty-printed.
    pub fn to_json(&self) -> String {
        let field = |f: &Field| serde_json::json!({ "label": f.label, "value": f.value });
        let value = serde_json::json!({
            "title": self.title,
            "serial": self.serial,
            "header": self.header.iter().map(field).collect::<Vec<_>>(),
            "persons": self
                .persons
                .iter()
                .map(|p| {
                    p.rows
                        .iter()
                        .map(|row| row.iter().map(field).collect::<Vec<_>>())
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>(),
            "footer_notes": self.footer_notes,
            "attestation": self.attestation,
            "issued_on": self.issued_on,
            "issuer": self.issuer,
        });
        let mut text = serde_json::to_string_pretty(&value).expect("a JSON value serialises");
        text.push('\n');
        text
    }
}

fn title(sheet: &Sheet<'_>) -> String {
    match sheet.kind {
        Kind::Copy if sheet.whole_household => "住民票の写し（世帯全員）".to_string(),
        Kind::Copy => "住民票の写し（世帯一部）".to_string(),
        kind => kind.title().to_string(),
    }
}

/// 認証文.
fn attestation(kind: Kind) -> &'static str {
    match kind {
        Kind::Copy => "この写しは、住民票の原本と相違ないことを証明する。",
        Kind::RemovedCopy => "この写しは、除票の原本と相違ないことを証明する。",
        Kind::ItemsCertificate => "上記のとおり住民票に記載されていることを証明する。",
        Kind::MoveOutCertificate => "上記のとおり転出の届出があったことを証明する。",
    }
}

/// One person's block: the name rows, then each part asked for, then (on a 除票) the
/// removal.
fn person(sheet: &Sheet<'_>, r: &Resident) -> Person {
    let has = |p: Part| sheet.parts.contains(&p);
    let mut rows = name_rows(r);
    let mut row = Vec::new();
    if has(Part::Birth) {
        row.push(Field::new("生年月日", r.birth.to_era_string()));
    }
    if has(Part::Sex) {
        row.push(Field::new("性別", r.sex.to_string()));
    }
    if has(Part::Household) {
        row.push(Field::new("続柄", r.relationship.as_str()));
    }
    push_row(&mut rows, row);
    rows.extend(date_rows(sheet, r));
    if has(Part::Domicile) && !is_foreign(r) {
        let item = |i: Item| r.items.get(i).unwrap_or("（記載なし）").to_string();
        rows.push(vec![
            Field::new("本籍", item(Item::RegisteredDomicile)),
            Field::new("筆頭者", item(Item::FamilyHead)),
        ]);
    }
    if has(Part::Foreign) && is_foreign(r) {
        rows.extend(foreign_rows(r));
    }
    let mut row = Vec::new();
    if has(Part::Code) {
        row.push(Field::new("住民票コード", r.code.to_string()));
    }
    if let (true, Some(n)) = (has(Part::MyNumber), &r.my_number) {
        row.push(Field::new("個人番号", n.reveal().to_string()));
    }
    if let (true, Some(card)) = (has(Part::CardNumber), r.items.get(Item::CardNumber)) {
        row.push(Field::new("在留カード等の番号", card));
    }
    push_row(&mut rows, row);
    match sheet.kind {
        Kind::RemovedCopy => rows.extend(removal_rows(r)),
        Kind::MoveOutCertificate => {
            rows.extend(insurance_rows(r));
            rows.push(vec![
                Field::new("転出先", r.destination.as_deref().unwrap_or("")),
                Field::new("転出予定日", r.valid_from.to_era_string()),
            ]);
        }
        _ => {}
    }
    Person { rows }
}

/// 氏名 and its 振り仮名, then the 旧氏 and the 通称 when recorded (a 写し cannot leave
/// them out once recorded), and the Latin name of a 外国人住民.
fn name_rows(r: &Resident) -> Vec<Vec<Field>> {
    let mut rows = vec![vec![
        Field::new("氏名", r.name.to_string()),
        Field::new("ふりがな", r.kana.to_string()),
    ]];
    let pair = |name: Item, kana: Item, label: &str| {
        r.items.get(name).map(|n| {
            let mut row = vec![Field::new(label, n)];
            if let Some(k) = r.items.get(kana) {
                row.push(Field::new(format!("{label}の振り仮名"), k));
            }
            row
        })
    };
    rows.extend(pair(Item::FormerSurname, Item::FormerSurnameKana, "旧氏"));
    rows.extend(pair(Item::CommonName, Item::CommonNameKana, "通称"));
    if let Some(latin) = r.items.get(Item::LatinName) {
        rows.push(vec![Field::new("氏名（ローマ字）", latin)]);
    }
    rows
}

/// 住民となった日, 住所を定めた日 (with the day it was reported) and 前住所, those asked for.
fn date_rows(sheet: &Sheet<'_>, r: &Resident) -> Vec<Vec<Field>> {
    let has = |p: Part| sheet.parts.contains(&p);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    if has(Part::ResidentSince) {
        row.push(Field::new(
            "住民となった日",
            r.resident_since.to_era_string(),
        ));
    }
    if has(Part::AddressSince) {
        let mut since = r.address_since.to_era_string();
        if let Some(reported) = r.reported {
            since.push_str(&format!("\n（{}届出）", reported.to_era_string()));
        }
        row.push(Field::new("住所を定めた日", since));
    }
    push_row(&mut rows, row);
    if has(Part::Previous) {
        if let Some(previous) = &r.previous_address {
            rows.push(vec![Field::new("前住所", previous.as_str())]);
        }
    }
    rows
}

/// The 外国人住民 items of 住基法第30条の45 the record holds.
fn foreign_rows(r: &Resident) -> Vec<Vec<Field>> {
    let text = |i: Item| r.items.get(i).map(|v| item_text(i, v));
    let mut rows = Vec::new();
    let mut row = Vec::new();
    for (item, label) in [
        (Item::Nationality, "国籍・地域"),
        (Item::ForeignCategory, "第30条の45に規定する区分"),
    ] {
        if let Some(v) = text(item) {
            row.push(Field::new(label, v));
        }
    }
    push_row(&mut rows, row);
    let mut row = Vec::new();
    for item in [Item::ResidenceStatus, Item::StayPeriod, Item::StayExpiry] {
        if let Some(v) = text(item) {
            row.push(Field::new(item.label(), v));
        }
    }
    push_row(&mut rows, row);
    if let Some(v) = text(Item::ForeignResidentSince) {
        rows.push(vec![Field::new(Item::ForeignResidentSince.label(), v)]);
    }
    rows
}

/// The items of 住基法第7条第10号から第11号の2まで the record holds (国民健康保険,
/// 後期高齢者医療, 介護保険, 国民年金, 児童手当), one row each.
fn insurance_rows(r: &Resident) -> Vec<Vec<Field>> {
    use crate::model::ItemGroup as G;
    r.items
        .iter()
        .filter(|(i, _)| matches!(i.group(), G::Insurance | G::Pension | G::ChildAllowance))
        .map(|(i, v)| vec![Field::new(i.label(), item_text(i, v))])
        .collect()
}

/// 消除日 and its 事由, and the 転出先 when there is one.
fn removal_rows(r: &Resident) -> Vec<Vec<Field>> {
    let mut row = Vec::new();
    if let Some(on) = r.removed_on {
        row.push(Field::new("消除日", on.to_era_string()));
    }
    row.push(Field::new("消除事由", r.reason.to_string()));
    let mut rows = vec![row];
    if let Some(to) = &r.destination {
        rows.push(vec![Field::new("転出先", to.as_str())]);
    }
    rows
}

/// Whether the record is a 外国人住民's (it holds a 国籍・地域).
fn is_foreign(r: &Resident) -> bool {
    r.items.get(Item::Nationality).is_some()
}

/// A stored item value as a certificate writes it: dates in 和暦, a nationality by name.
fn item_text(item: Item, stored: &str) -> String {
    if item == Item::Nationality {
        if let Ok(n) = Nationality::from_code(stored) {
            return n.name().to_string();
        }
    }
    match Date::parse(stored) {
        Ok(d) if stored.len() == 10 && stored.as_bytes()[4] == b'-' => d.to_era_string(),
        _ => stored.to_string(),
    }
}

fn push_row(rows: &mut Vec<Vec<Field>>, row: Vec<Field>) {
    if !row.is_empty() {
        rows.push(row);
    }
}
