//! What a certificate request asks for: [`Request`], the kind, the persons, the date, the
//! items the requester chose and who the requester is.
//!
//! A 写し always carries 氏名 (with the 旧氏 and 通称 when recorded), 住所 and the parts
//! [`Part::on_every_copy`] names (生年月日, 性別, 住民となった日, 住所を定めた日, 前住所); the
//! others are the ones 住基法第12条第5項 lets a 写し leave out unless asked for. A
//! 記載事項証明書 certifies 氏名, 住所 and the parts listed, nothing else.

use std::fmt;

use crate::model::{Date, ResidentCode};

/// Which certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// 住民票の写し: active residents of one household.
    Copy,
    /// 除票の写し: a removed resident's last record.
    RemovedCopy,
    /// 住民票記載事項証明書: the chosen items of the chosen residents.
    ItemsCertificate,
    /// 転出証明書: residents whose 転出 is recorded, with the items 住基法施行令第23条 lists.
    MoveOutCertificate,
}

impl Kind {
    /// Its name on the certificate and in the log.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Copy => "住民票の写し",
            Kind::RemovedCopy => "除票の写し",
            Kind::ItemsCertificate => "住民票記載事項証明書",
            Kind::MoveOutCertificate => "転出証明書",
        }
    }
}

/// A part of the record a certificate can carry beside 氏名 and 住所.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// 生年月日.
    Birth,
    /// 性別.
    Sex,
    /// 住民となった日.
    ResidentSince,
    /// 住所を定めた日 and the day it was reported.
    AddressSince,
    /// 前住所 (従前の住所, 第7条第8号).
    Previous,
    /// 世帯主の氏名及び続柄 (第7条第4号).
    Household,
    /// 本籍・筆頭者 (第7条第5号).
    Domicile,
    /// 住民票コード (第7条第13号): only for the person themself or their household.
    Code,
    /// 個人番号 (第7条第8号の2): only for the person themself or their household, and only
    /// by an operator with the My Number permission.
    MyNumber,
    /// 国籍・地域, 第30条の45に規定する区分, 在留資格, 在留期間 and its expiry (外国人住民).
    Foreign,
    /// 在留カード等の番号: like the 住民票コード, only for the person or their household.
    CardNumber,
}

impl Part {
    /// Every part, in the order a certificate prints them.
    pub const ALL: [Part; 11] = [
        Part::Birth,
        Part::Sex,
        Part::ResidentSince,
        Part::AddressSince,
        Part::Previous,
        Part::Household,
        Part::Domicile,
        Part::Code,
        Part::MyNumber,
        Part::Foreign,
        Part::CardNumber,
    ];

    /// Whether every 写し carries it, asked for or not.
    pub fn on_every_copy(self) -> bool {
        matches!(
            self,
            Part::Birth | Part::Sex | Part::ResidentSince | Part::AddressSince | Part::Previous
        )
    }

    /// Its name in a statement (`WITH household, domicile …`).
    pub fn key(self) -> &'static str {
        match self {
            Part::Birth => "birth",
            Part::Sex => "sex",
            Part::ResidentSince => "resident_since",
            Part::AddressSince => "address_since",
            Part::Previous => "previous_address",
            Part::Household => "household",
            Part::Domicile => "domicile",
            Part::Code => "code",
            Part::MyNumber => "mynumber",
            Part::Foreign => "foreign",
            Part::CardNumber => "card_number",
        }
    }

    /// Reads a key (ASCII case folded; `my_number` and the Japanese names too).
    pub fn parse(key: &str) -> Option<Part> {
        let k = key.to_ascii_lowercase();
        Part::ALL.into_iter().find(|o| {
            o.key() == k
                || matches!(
                    (o, k.as_str()),
                    (Part::Birth, "生年月日")
                        | (Part::Sex, "性別")
                        | (Part::ResidentSince, "住民となった日")
                        | (Part::AddressSince, "住所を定めた日")
                        | (Part::Previous, "前住所")
                        | (Part::Household, "世帯主" | "続柄")
                        | (Part::Domicile, "本籍" | "筆頭者")
                        | (Part::Code, "住民票コード")
                        | (Part::MyNumber, "my_number" | "個人番号")
                        | (Part::Foreign, "国籍" | "在留資格")
                        | (Part::CardNumber, "在留カード番号")
                )
        })
    }

    /// Whether only the person themself or a member of their household may ask for it
    /// (住基法第12条第1項; 第12条の3 gives third parties no 住民票コード or 個人番号).
    pub fn only_for_themself(self) -> bool {
        matches!(self, Part::Code | Part::MyNumber | Part::CardNumber)
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The parts a 転出証明書 carries (住基法施行令第23条: 第7条第1号から第5号まで, 第7号,
/// 第8号の2, 第10号から第11号の2まで and 第13号; the 外国人住民's items of 第30条の45),
/// whatever is asked.
pub const MOVE_OUT_PARTS: [Part; 8] = [
    Part::Birth,
    Part::Sex,
    Part::AddressSince,
    Part::Household,
    Part::Domicile,
    Part::Code,
    Part::MyNumber,
    Part::Foreign,
];

/// Whose certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Persons {
    /// Every member of the resident's household (世帯全員).
    HouseholdOf(ResidentCode),
    /// These residents (世帯一部; all of one household for a 写し).
    These(Vec<ResidentCode>),
}

/// Who asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requester {
    /// A resident of the register: the person themself or a member of their household
    /// when they are on the certificate or in its household today (本人等の請求).
    Resident(ResidentCode),
    /// Anyone else, named as the request form gives them (第三者, 国・地方公共団体 …).
    Other(String),
    /// Not named: treated as a third party.
    Unnamed,
}

impl fmt::Display for Requester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requester::Resident(code) => write!(f, "{code}"),
            Requester::Other(name) => write!(f, "'{name}'"),
            Requester::Unnamed => f.write_str("(not named)"),
        }
    }
}

/// A certificate request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Which certificate.
    pub kind: Kind,
    /// Whose.
    pub persons: Persons,
    /// The day whose record it shows (today when `None`).
    pub as_of: Option<Date>,
    /// The parts asked for beyond those on every 写し (for a 記載事項証明書: every part it
    /// certifies beside 氏名 and 住所).
    pub with: Vec<Part>,
    /// Who asks.
    pub requester: Requester,
}
