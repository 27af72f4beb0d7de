//! [`Resident`]: one version of a resident as the API hands it out, with typed fields.

use super::record::{typed_items, ArchivedStoredRecord, FieldSet, StoredRecord};
use crate::model::{
    Address, AddressParts, Date, HouseholdId, InvalidValue, Items, Kana, MyNumber, Name,
    PartialDate, PostalCode, Reason, Relationship, ResidentCode, Sex, Status,
};
use crate::store::error::{Result, StoreError};

/// One version of a resident: the record as it stood from `valid_from` until the next
/// version. The My Number is masked when displayed; [`MyNumber::reveal`] shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    /// 宛名番号: the register's own number of the person, given when they are first
    /// recorded and never changed, even when the 住民票コード is.
    pub atena_number: u64,
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
    /// 生年月日: a day, or a month, a year or nothing when 不詳.
    pub birth: PartialDate,
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
    /// 届出日: `None` when unknown (a version carried over by an import (移行) whose file
    /// did not give it; stored as 0).
    pub reported: Option<Date>,
    /// When the version was recorded, Unix time in microseconds.
    pub recorded_at: i64,
    /// 住民となった日 (a month, a year or nothing when 不詳: carried over by an import).
    pub resident_since: PartialDate,
    /// 住所を定めた日 (known in part as the 住民となった日 can be).
    pub address_since: PartialDate,
    /// 前住所 (転入前住所 after a 転入, the former address after a 転居).
    pub previous_address: Option<String>,
    /// 転出先.
    pub destination: Option<String>,
    /// 消除日, when removed (known in part when an import carried it so).
    pub removed_on: Option<PartialDate>,
    /// The fields this version changed against the one before it.
    pub changed: FieldSet,
    /// The latest 異動日 among the versions up to this one (bookkeeping of the as-of
    /// reads; an archive keeps it).
    pub(crate) prefix_max: u32,
    /// The operator who recorded the change, when known.
    pub operator: Option<String>,
    /// The terminal the change was recorded from, when known.
    pub terminal: Option<String>,
    /// The items beyond the core fields (本籍, 旧氏, 通称, the insurance items …).
    pub items: Items,
    /// The address in parts (町字, 丁目・番地・号, 方書, area codes), as placed when it was
    /// written; `None` for a register without a municipality.
    pub parts: Option<AddressParts>,
    /// The name of the household's 世帯主 on the same date, when the read looked it up
    /// (GET, HISTORY, HOUSEHOLD, FIND) and the household has one; `None` otherwise.
    pub head_name: Option<Name>,
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

    /// Types a validated archive in place: the same as [`Resident::from_stored`] of its
    /// deserialised record, without the owned record in between (each string is copied
    /// once, straight into the `Resident`).
    pub(crate) fn from_archived(r: &ArchivedStoredRecord) -> Result<Resident> {
        Self::typed_archived(r).map_err(|e| StoreError::Corrupt {
            table: "versions",
            detail: format!(
                "version {} of resident {}: {e}",
                r.version.to_native(),
                r.id.to_native()
            ),
        })
    }

    fn typed_archived(r: &ArchivedStoredRecord) -> Result<Resident, InvalidValue> {
        let date = Date::from_yyyymmdd;
        let text = |s: &rkyv::string::ArchivedString| s.as_str().to_owned();
        let opt = |s: &rkyv::option::ArchivedOption<rkyv::string::ArchivedString>| {
            s.as_ref().map(|s| s.as_str().to_owned())
        };
        Ok(Resident {
            atena_number: r.id.to_native(),
            prefix_max: r.prefix_max.to_native(),
            code: ResidentCode::from_u64(r.code.to_native())?,
            my_number: Some(MyNumber::from_u64(r.my_number.to_native())?),
            sex: Sex::from_code(r.sex)?,
            birth: PartialDate::from_code(r.birth.to_native())?,
            postal: PostalCode::from_u32(r.postal.to_native())?,
            household: HouseholdId::new(r.household.to_native()),
            status: Status::from_code(r.status)?,
            version: r.version.to_native(),
            seq: r.seq.to_native(),
            reason: Reason::from_code(r.reason)?,
            valid_from: date(r.valid_from.to_native())?,
            reported: optional_date(r.reported.to_native())?,
            recorded_at: r.recorded_at.to_native(),
            resident_since: PartialDate::from_code(r.resident_since.to_native())?,
            address_since: PartialDate::from_code(r.address_since.to_native())?,
            removed_on: optional_partial(r.removed_on.to_native())?,
            changed: FieldSet(r.changed.to_native()),
            name: Name::from_trusted(text(&r.name)),
            kana: Kana::from_trusted(text(&r.kana)),
            address: Address::from_trusted(text(&r.address)),
            relationship: Relationship::from_trusted(text(&r.relationship)),
            previous_address: opt(&r.previous_address),
            destination: opt(&r.destination),
            operator: opt(&r.operator),
            terminal: opt(&r.terminal),
            items: typed_items(
                r.items
                    .iter()
                    .map(|i| (i.tag.to_native(), i.value.as_str())),
            )?,
            parts: AddressParts::from_tagged(
                r.items
                    .iter()
                    .map(|i| (i.tag.to_native(), i.value.as_str())),
            )?,
            head_name: None,
        })
    }

    fn typed(r: StoredRecord) -> Result<Resident, InvalidValue> {
        let date = Date::from_yyyymmdd;
        Ok(Resident {
            atena_number: r.id,
            prefix_max: r.prefix_max,
            code: ResidentCode::from_u64(r.code)?,
            my_number: Some(MyNumber::from_u64(r.my_number)?),
            sex: Sex::from_code(r.sex)?,
            birth: PartialDate::from_code(r.birth)?,
            postal: PostalCode::from_u32(r.postal)?,
            household: HouseholdId::new(r.household),
            status: Status::from_code(r.status)?,
            version: r.version,
            seq: r.seq,
            reason: Reason::from_code(r.reason)?,
            valid_from: date(r.valid_from)?,
            reported: optional_date(r.reported)?,
            recorded_at: r.recorded_at,
            resident_since: PartialDate::from_code(r.resident_since)?,
            address_since: PartialDate::from_code(r.address_since)?,
            removed_on: optional_partial(r.removed_on)?,
            changed: FieldSet(r.changed),
            name: Name::from_trusted(r.name),
            kana: Kana::from_trusted(r.kana),
            address: Address::from_trusted(r.address),
            relationship: Relationship::from_trusted(r.relationship),
            previous_address: r.previous_address,
            destination: r.destination,
            operator: r.operator,
            terminal: r.terminal,
            items: typed_items(r.items.iter().map(|i| (i.tag, i.value.as_str())))?,
            parts: AddressParts::from_tagged(r.items.iter().map(|i| (i.tag, i.value.as_str())))?,
            head_name: None,
        })
    }
}

/// A stored date where 0 means none.
fn optional_date(v: u32) -> Result<Option<Date>, InvalidValue> {
    match v {
        0 => Ok(None),
        v => Date::from_yyyymmdd(v).map(Some),
    }
}

/// A stored date known whole or in part, where 0 means none.
fn optional_partial(v: u32) -> Result<Option<PartialDate>, InvalidValue> {
    match v {
        0 => Ok(None),
        v => PartialDate::from_code(v).map(Some),
    }
}

/// Decodes one stored value of the `residents` or `versions` table: checks its CRC32,
/// validates the archive and types every field. Any damage is [`StoreError::Corrupt`]; no
/// input makes it panic. Used by integrity checks and by the decoder's fuzz target.
#[cfg(any(test, feature = "testing"))]
pub fn decode_stored_value(bytes: &[u8]) -> Result<Resident> {
    Resident::from_archived(StoredRecord::access("versions", bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The record tests' sample, as a later, removed version with its bookkeeping set.
    fn sample() -> StoredRecord {
        StoredRecord {
            version: 3,
            seq: 12,
            status: 2,
            reported: 20200402,
            recorded_at: 1_700_000_000_000_000,
            removed_on: 20240101,
            operator: Some("clerk1".into()),
            ..crate::store::record::tests::sample()
        }
    }

    #[test]
    fn archived_and_owned_records_type_alike() {
        let r = sample();
        let bytes = r.encode();
        let archived = StoredRecord::access("t", &bytes).unwrap();
        assert_eq!(
            Resident::from_archived(archived).unwrap(),
            Resident::from_stored(r).unwrap()
        );
    }

    #[test]
    fn a_bad_check_digit_is_corrupt_either_way() {
        let mut r = sample();
        r.code += 1;
        let bytes = r.encode();
        let archived = StoredRecord::access("t", &bytes).unwrap();
        assert_eq!(
            Resident::from_archived(archived).unwrap_err().code(),
            "CORRUPT"
        );
        assert_eq!(Resident::from_stored(r).unwrap_err().code(), "CORRUPT");
    }
}
