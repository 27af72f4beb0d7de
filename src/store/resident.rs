//! [`Resident`]: one version of a resident as the API hands it out, with typed fields.

use super::error::{Result, StoreError};
use super::record::{FieldSet, StoredRecord};
use crate::model::{
    Address, Date, HouseholdId, InvalidValue, Kana, MyNumber, Name, PostalCode, Reason,
    Relationship, ResidentCode, Sex, Status,
};

/// One version of a resident: the record as it stood from `valid_from` until the next
/// version. The My Number is masked when displayed; [`MyNumber::reveal`] shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    /// 住民票コード (current as of this version).
    pub code: ResidentCode,
    /// 個人番号: `None` when withheld, which a signed-in session does everywhere but SHOW
    /// MYNUMBER. Displayed masked either way.
    pub my_number: Option<MyNumber>,
    /// 氏名.
    pub name: Name,
    /// 振り仮名.
    pub kana: Kana,
    /// 性別.
    pub sex: Sex,
    /// 生年月日.
    pub birth: Date,
    /// 住所 (with 方書).
    pub address: Address,
    /// 郵便番号.
    pub postal: PostalCode,
    /// 世帯番号.
    pub household: HouseholdId,
    /// 続柄.
    pub relationship: Relationship,
    /// 住民 (active) or 消除者 (removed).
    pub status: Status,
    /// Version number, from 1.
    pub version: u32,
    /// 更新順番号 of the change that wrote this version.
    pub seq: u64,
    /// 異動事由 of this version.
    pub reason: Reason,
    /// 異動日: the day this version took effect.
    pub valid_from: Date,
    /// 届出日.
    pub reported: Date,
    /// When the version was recorded, Unix time in microseconds.
    pub recorded_at: i64,
    /// 住民となった日.
    pub resident_since: Date,
    /// 住所を定めた日.
    pub address_since: Date,
    /// 前住所 (転入前住所 after a 転入, the former address after a 転居).
    pub previous_address: Option<String>,
    /// 転出先.
    pub destination: Option<String>,
    /// 消除日, when removed.
    pub removed_on: Option<Date>,
    /// The fields this version changed against the one before it.
    pub changed: FieldSet,
    /// The operator who recorded the change, when known.
    pub operator: Option<String>,
    /// The terminal the change was recorded from, when known.
    pub terminal: Option<String>,
}

impl Resident {
    /// Whether the resident is active (住民) in this version.
    pub fn is_active(&self) -> bool {
        self.status == Status::Active
    }

    /// Types a stored version. Its values were validated when written and its frame was
    /// checked on read, so a value that does not fit its type means a damaged file.
    pub(crate) fn from_stored(r: StoredRecord) -> Result<Resident> {
        let (id, version) = (r.id, r.version);
        Self::typed(r).map_err(|e| StoreError::Corrupt {
            table: "versions",
            detail: format!("version {version} of resident {id}: {e}"),
        })
    }

    fn typed(r: StoredRecord) -> Result<Resident, InvalidValue> {
        let date = Date::from_yyyymmdd;
        Ok(Resident {
            code: ResidentCode::from_u64(r.code)?,
            my_number: Some(MyNumber::from_u64(r.my_number)?),
            sex: Sex::from_code(r.sex)?,
            birth: date(r.birth)?,
            postal: PostalCode::from_u32(r.postal)?,
            household: HouseholdId::new(r.household),
            status: Status::from_code(r.status)?,
            version: r.version,
            seq: r.seq,
            reason: Reason::from_code(r.reason)?,
            valid_from: date(r.valid_from)?,
            reported: date(r.reported)?,
            recorded_at: r.recorded_at,
            resident_since: date(r.resident_since)?,
            address_since: date(r.address_since)?,
            removed_on: match r.removed_on {
                0 => None,
                v => Some(date(v)?),
            },
            changed: FieldSet(r.changed),
            name: Name::from_trusted(r.name),
            kana: Kana::from_trusted(r.kana),
            address: Address::from_trusted(r.address),
            relationship: Relationship::from_trusted(r.relationship),
            previous_address: r.previous_address,
            destination: r.destination,
            operator: r.operator,
            terminal: r.terminal,
        })
    }
}

/// Decodes one stored value of the `residents` or `versions` table: checks its CRC32,
/// validates the archive and types every field. Any damage is [`StoreError::Corrupt`]; no
/// input makes it panic. Used by integrity checks and by the decoder's fuzz target.
pub fn decode_stored_value(bytes: &[u8]) -> Result<Resident> {
    Resident::from_stored(StoredRecord::decode("versions", bytes)?)
}
