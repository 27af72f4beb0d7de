//! One version of one resident as stored: the rkyv layout, the CRC32 frame around it, and the
//! field mask that says what a version changed.
//!
//! A stored value is `[crc32 of the rest, u32 little-endian][rkyv archive of StoredRecord]`.
//! rkyv is built with `unaligned`, so the archive can be read in place at any offset redb
//! hands out. The CRC is checked before the archive is touched, and the archive is then
//! validated by bytecheck, so a damaged value is an error, never undefined behaviour.

use crate::model::place::is_part_tag;
use crate::model::{AddressParts, Item, ItemGroup, Items};
use crate::store::error::{Result, StoreError};
use rkyv::rancor;

/// Which fields of a resident a version changed (a bit set over [`Field`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FieldSet(pub(crate) u32);

/// A field of a resident record, as named in HISTORY and in CORRECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Field {
    /// 住民票コード
    Code = 0,
    /// 個人番号
    MyNumber = 1,
    /// 氏名
    Name = 2,
    /// 振り仮名
    Kana = 3,
    /// 性別
    Sex = 4,
    /// 生年月日
    Birth = 5,
    /// 住所
    Address = 6,
    /// 郵便番号
    Postal = 7,
    /// 世帯番号
    Household = 8,
    /// 続柄
    Relationship = 9,
    /// active or removed
    Status = 10,
    /// 前住所 / 転入前住所
    PreviousAddress = 11,
    /// 転出先
    Destination = 12,
    /// 住民となった日
    ResidentSince = 13,
    /// 住所を定めた日
    AddressSince = 14,
    /// 本籍・筆頭者 (the [`ItemGroup::FamilyRegister`] items)
    FamilyRegister = 15,
    /// 旧氏
    FormerSurname = 16,
    /// 通称
    CommonName = 17,
    /// 国民健康保険, 後期高齢者医療, 介護保険
    Insurance = 18,
    /// 国民年金
    Pension = 19,
    /// 児童手当
    ChildAllowance = 20,
    /// The 外国人住民 items
    ForeignResident = 21,
}

impl Field {
    /// Every field, in display order.
    pub const ALL: [Field; 22] = [
        Field::Code,
        Field::MyNumber,
        Field::Name,
        Field::Kana,
        Field::Sex,
        Field::Birth,
        Field::Address,
        Field::Postal,
        Field::Household,
        Field::Relationship,
        Field::Status,
        Field::PreviousAddress,
        Field::Destination,
        Field::ResidentSince,
        Field::AddressSince,
        Field::FamilyRegister,
        Field::FormerSurname,
        Field::CommonName,
        Field::ForeignResident,
        Field::Insurance,
        Field::Pension,
        Field::ChildAllowance,
    ];

    /// The field's name as used in statements and JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Field::Code => "resident_code",
            Field::MyNumber => "my_number",
            Field::Name => "name",
            Field::Kana => "name_kana",
            Field::Sex => "sex",
            Field::Birth => "birth_date",
            Field::Address => "address",
            Field::Postal => "postal_code",
            Field::Household => "household_id",
            Field::Relationship => "relationship",
            Field::Status => "status",
            Field::PreviousAddress => "previous_address",
            Field::Destination => "destination",
            Field::ResidentSince => "resident_since",
            Field::AddressSince => "address_since",
            Field::FamilyRegister
            | Field::FormerSurname
            | Field::CommonName
            | Field::ForeignResident
            | Field::Insurance
            | Field::Pension
            | Field::ChildAllowance => self.group().map_or("", ItemGroup::name),
        }
    }

    /// The field that stands for a group of items in the change mask.
    pub fn of_group(group: ItemGroup) -> Field {
        match group {
            ItemGroup::FamilyRegister => Field::FamilyRegister,
            ItemGroup::FormerSurname => Field::FormerSurname,
            ItemGroup::CommonName => Field::CommonName,
            ItemGroup::ForeignResident => Field::ForeignResident,
            ItemGroup::Insurance => Field::Insurance,
            ItemGroup::Pension => Field::Pension,
            ItemGroup::ChildAllowance => Field::ChildAllowance,
        }
    }

    /// The group of items the field stands for, if it is one.
    pub fn group(self) -> Option<ItemGroup> {
        ItemGroup::ALL
            .into_iter()
            .find(|g| Field::of_group(*g) == self)
    }
}

impl std::ops::BitOr for FieldSet {
    type Output = FieldSet;
    fn bitor(self, rhs: FieldSet) -> FieldSet {
        FieldSet(self.0 | rhs.0)
    }
}

impl FieldSet {
    /// The empty set.
    pub const EMPTY: FieldSet = FieldSet(0);
    /// Every field.
    pub const ALL: FieldSet = FieldSet((1 << 22) - 1);

    /// Whether the set names every core field (住民票コード … 住所を定めた日): the mask of
    /// a first version, which HISTORY shows as "(all)". Only core fields are asked for, so
    /// that a first version written before a group of items existed still reads so.
    pub fn is_whole(self) -> bool {
        const CORE: u32 = (1 << 15) - 1;
        self.0 & CORE == CORE
    }

    /// Whether `f` is in the set.
    pub fn contains(self, f: Field) -> bool {
        self.0 & (1 << f as u8) != 0
    }

    /// Adds `f`.
    pub fn insert(&mut self, f: Field) {
        self.0 |= 1 << f as u8;
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The fields in the set, in display order.
    pub fn iter(self) -> impl Iterator<Item = Field> {
        Field::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

/// A flag in a version's `changed` mask (beside the [`Field`] bits): the version was
/// written by the same statement as the version with the 更新順番号 before it (a new
/// 世帯主, restated 続柄, the members of a cancelled statement). A 異動取消 undoes a statement
/// whole by following these flags.
pub(crate) const COMPANION: u32 = 1 << 31;

/// One version of a resident, as stored. Dates are `yyyymmdd` integers (0 = none), codes and
/// numbers plain integers; strings hold already-validated, normalised text.
#[derive(rkyv::Archive, rkyv::Serialize, rkyv::Deserialize, Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredRecord {
    /// Internal id (宛名番号-like): never changes, even when the resident code does.
    pub id: u64,
    /// Version number, from 1, gapless per resident.
    pub version: u32,
    /// 更新順番号 of the change that wrote this version.
    pub seq: u64,
    pub code: u64,
    pub my_number: u64,
    pub name: String,
    pub kana: String,
    pub sex: u8,
    pub birth: u32,
    pub address: String,
    pub postal: u32,
    pub household: u64,
    pub relationship: String,
    pub status: u8,
    pub reason: u8,
    /// 異動日: the valid-time start of this version.
    pub valid_from: u32,
    /// 届出日.
    pub reported: u32,
    /// When the version was recorded (Unix time, microseconds).
    pub recorded_at: i64,
    /// 住民となった日.
    pub resident_since: u32,
    /// 住所を定めた日.
    pub address_since: u32,
    /// 前住所 (転入前住所 for a 転入, the former address after a 転居).
    pub previous_address: Option<String>,
    /// 転出先 (転出予定先).
    pub destination: Option<String>,
    /// 消除日 when removed.
    pub removed_on: u32,
    /// The fields this version changed against the previous one (all for a first version).
    pub changed: u32,
    /// The largest 異動日 among versions 1..=this one; equal to `valid_from` unless a
    /// backdated correction came before. Lets an as-of read stop at one version.
    pub prefix_max: u32,
    /// The operator and terminal that recorded the change, when known.
    pub operator: Option<String>,
    pub terminal: Option<String>,
    /// The items beyond the core fields ([`crate::model::item`]) and, under tags of their
    /// own, the parts of the address (`AddressParts`), in ascending tag order,
    /// each at most once. Empty for most residents.
    pub items: Vec<StoredItem>,
}

/// One item of a record: its tag ([`Item::tag`]) and its canonical text.
#[derive(rkyv::Archive, rkyv::Serialize, rkyv::Deserialize, Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredItem {
    pub tag: u16,
    pub value: String,
}

/// The typed items of a stored list, without the address parts (`AddressParts`, read
/// apart). A tag this build does not know is damage (a file of a
/// later format is refused on open, so a known build wrote every tag it holds).
pub(crate) fn typed_items<'a>(
    stored: impl Iterator<Item = (u16, &'a str)>,
) -> std::result::Result<Items, crate::model::InvalidValue> {
    let mut items = Vec::new();
    for (tag, value) in stored.filter(|(tag, _)| !is_part_tag(*tag)) {
        let item = Item::from_tag(tag).ok_or_else(|| {
            crate::model::InvalidValue::new("item", format!("tag {tag} is not an item"))
        })?;
        items.push((item, value.to_owned()));
    }
    Ok(Items::from_trusted(items))
}

/// Bytes of the CRC32 that opens every stored value.
pub(crate) const CRC_LEN: usize = 4;

impl StoredRecord {
    /// Serialises and frames the record with its CRC32.
    pub fn encode(&self) -> Vec<u8> {
        let body = rkyv::to_bytes::<rancor::Error>(self)
            .expect("serialising a record into memory cannot fail");
        frame(&body)
    }

    /// Checks the frame and gives the validated archive, without copying.
    pub fn access<'a>(table: &'static str, bytes: &'a [u8]) -> Result<&'a ArchivedStoredRecord> {
        let body = checked_body(table, bytes)?;
        rkyv::access::<ArchivedStoredRecord, rancor::Error>(body).map_err(|e| StoreError::Corrupt {
            table,
            detail: format!("record does not decode: {e}"),
        })
    }

    /// Checks the frame and decodes an owned record.
    pub fn decode(table: &'static str, bytes: &[u8]) -> Result<StoredRecord> {
        Self::from_archived(table, Self::access(table, bytes)?)
    }

    /// An owned copy of an archive already checked by [`StoredRecord::access`].
    pub fn from_archived(
        table: &'static str,
        archived: &ArchivedStoredRecord,
    ) -> Result<StoredRecord> {
        rkyv::deserialize::<StoredRecord, rancor::Error>(archived).map_err(|e| {
            StoreError::Corrupt {
                table,
                detail: format!("record does not decode: {e}"),
            }
        })
    }

    /// The fields that differ between `self` and `other`.
    pub fn diff(&self, other: &StoredRecord) -> FieldSet {
        let mut set = FieldSet::EMPTY;
        let pairs = [
            (Field::Code, self.code != other.code),
            (Field::MyNumber, self.my_number != other.my_number),
            (Field::Name, self.name != other.name),
            (Field::Kana, self.kana != other.kana),
            (Field::Sex, self.sex != other.sex),
            (Field::Birth, self.birth != other.birth),
            (Field::Address, self.address != other.address),
            (Field::Postal, self.postal != other.postal),
            (Field::Household, self.household != other.household),
            (Field::Relationship, self.relationship != other.relationship),
            (
                Field::Status,
                self.status != other.status || self.removed_on != other.removed_on,
            ),
            (
                Field::PreviousAddress,
                self.previous_address != other.previous_address,
            ),
            (Field::Destination, self.destination != other.destination),
            (
                Field::ResidentSince,
                self.resident_since != other.resident_since,
            ),
            (
                Field::AddressSince,
                self.address_since != other.address_since,
            ),
        ];
        for (field, differs) in pairs {
            if differs {
                set.insert(field);
            }
        }
        for group in ItemGroup::ALL {
            fn value(r: &StoredRecord, item: Item) -> Option<&str> {
                r.items
                    .iter()
                    .find(|s| s.tag == item.tag())
                    .map(|s| s.value.as_str())
            }
            if group.items().any(|i| value(self, i) != value(other, i)) {
                set.insert(Field::of_group(group));
            }
        }
        set
    }

    /// Replaces the address parts (`AddressParts`) with `parts`, or drops them.
    pub fn set_parts(&mut self, parts: Option<&AddressParts>) {
        self.items.retain(|s| !is_part_tag(s.tag));
        if let Some(p) = parts {
            self.items.extend(
                p.to_tagged()
                    .into_iter()
                    .map(|(tag, value)| StoredItem { tag, value }),
            );
        }
        self.items.sort_by_key(|s| s.tag);
    }

    /// Takes `other`'s address parts (for the same address), or none if it has none.
    pub fn copy_parts(&mut self, other: &StoredRecord) {
        self.items.retain(|s| !is_part_tag(s.tag));
        self.items
            .extend(other.items.iter().filter(|s| is_part_tag(s.tag)).cloned());
        self.items.sort_by_key(|s| s.tag);
    }

    /// The address parts stored with the version, if any.
    pub fn parts(&self) -> std::result::Result<Option<AddressParts>, crate::model::InvalidValue> {
        AddressParts::from_tagged(self.items.iter().map(|s| (s.tag, s.value.as_str())))
    }

    /// Copies the fields in `fields` from `later` onto `self` (used to fold a backdated
    /// correction into an as-of answer), and takes the later version's bookkeeping.
    pub fn overlay(&mut self, later: &StoredRecord, fields: FieldSet) {
        for f in fields.iter() {
            match f {
                Field::Code => self.code = later.code,
                Field::MyNumber => self.my_number = later.my_number,
                Field::Name => self.name.clone_from(&later.name),
                Field::Kana => self.kana.clone_from(&later.kana),
                Field::Sex => self.sex = later.sex,
                Field::Birth => self.birth = later.birth,
                Field::Address => {
                    self.address.clone_from(&later.address);
                    self.copy_parts(later);
                }
                Field::Postal => self.postal = later.postal,
                Field::Household => self.household = later.household,
                Field::Relationship => self.relationship.clone_from(&later.relationship),
                Field::Status => {
                    self.status = later.status;
                    self.removed_on = later.removed_on;
                }
                Field::PreviousAddress => self.previous_address.clone_from(&later.previous_address),
                Field::Destination => self.destination.clone_from(&later.destination),
                Field::ResidentSince => self.resident_since = later.resident_since,
                Field::AddressSince => self.address_since = later.address_since,
                Field::FamilyRegister
                | Field::FormerSurname
                | Field::CommonName
                | Field::ForeignResident
                | Field::Insurance
                | Field::Pension
                | Field::ChildAllowance => {
                    let group = f.group().expect("an item field has a group");
                    let of_group =
                        |s: &StoredItem| Item::from_tag(s.tag).is_some_and(|i| i.group() == group);
                    self.items.retain(|s| !of_group(s));
                    self.items
                        .extend(later.items.iter().filter(|s| of_group(s)).cloned());
                    self.items.sort_by_key(|s| s.tag);
                }
            }
        }
        self.version = later.version;
        self.seq = later.seq;
        self.reason = later.reason;
        self.valid_from = later.valid_from;
        self.reported = later.reported;
        self.recorded_at = later.recorded_at;
        self.changed = later.changed;
        self.prefix_max = later.prefix_max;
        self.operator.clone_from(&later.operator);
        self.terminal.clone_from(&later.terminal);
    }
}

/// Frames an archive with its CRC32, as every stored value is.
pub(crate) fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(CRC_LEN + body.len());
    out.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// Checks the CRC frame of a stored value and returns the archive bytes.
pub(crate) fn checked_body<'a>(table: &'static str, bytes: &'a [u8]) -> Result<&'a [u8]> {
    if bytes.len() < CRC_LEN {
        return Err(StoreError::Corrupt {
            table,
            detail: format!(
                "value of {} bytes is shorter than its checksum",
                bytes.len()
            ),
        });
    }
    let (crc, body) = bytes.split_at(CRC_LEN);
    let stored = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    let actual = crc32fast::hash(body);
    if stored != actual {
        return Err(StoreError::Corrupt {
            table,
            detail: format!("checksum mismatch (stored {stored:08x}, computed {actual:08x})"),
        });
    }
    Ok(body)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> StoredRecord {
        StoredRecord {
            id: 7,
            version: 1,
            seq: 1,
            code: 24727059608,
            my_number: 123456789018,
            name: "山田 太郎".into(),
            kana: "ヤマダ タロウ".into(),
            sex: 1,
            birth: 19800401,
            address: "芦屋市精道町7番6号".into(),
            postal: 6598501,
            household: 100,
            relationship: "世帯主".into(),
            status: 1,
            reason: 1,
            valid_from: 20200401,
            reported: 20200401,
            recorded_at: 0,
            resident_since: 20200401,
            address_since: 20200401,
            previous_address: Some("大阪市北区梅田1-1".into()),
            destination: None,
            removed_on: 0,
            changed: FieldSet::ALL.0,
            prefix_max: 20200401,
            operator: None,
            terminal: None,
            items: vec![StoredItem {
                tag: Item::RegisteredDomicile.tag(),
                value: "東京都千代田区千代田1番".into(),
            }],
        }
    }

    #[test]
    fn round_trips() {
        let r = sample();
        let bytes = r.encode();
        assert_eq!(StoredRecord::decode("t", &bytes).unwrap(), r);
        assert_eq!(
            StoredRecord::access("t", &bytes).unwrap().name.as_str(),
            "山田 太郎"
        );
    }

    #[test]
    fn reads_at_an_odd_offset() {
        let bytes = sample().encode();
        let mut shifted = vec![0u8];
        shifted.extend_from_slice(&bytes);
        assert_eq!(StoredRecord::decode("t", &shifted[1..]).unwrap(), sample());
    }

    #[test]
    fn every_flipped_bit_is_an_error() {
        let bytes = sample().encode();
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut damaged = bytes.clone();
                damaged[i] ^= 1 << bit;
                let err = StoredRecord::decode("residents", &damaged).unwrap_err();
                assert_eq!(err.code(), "CORRUPT");
            }
        }
    }

    /// `value` does not decode: `CORRUPT`, naming the table and, in the detail, `what`.
    fn assert_corrupt(value: &[u8], what: &str) {
        match StoredRecord::decode("residents", value) {
            Err(e @ StoreError::Corrupt { table, .. }) => {
                assert_eq!(e.code(), "CORRUPT");
                assert_eq!(table, "residents");
                assert!(e.to_string().contains(what), "{e}");
            }
            other => panic!("{} bytes: {other:?}", value.len()),
        }
    }

    #[test]
    fn truncation_is_an_error() {
        let bytes = sample().encode();
        for len in 0..CRC_LEN {
            assert_corrupt(&bytes[..len], "shorter than its checksum");
        }
        for len in CRC_LEN..bytes.len() {
            assert_corrupt(&bytes[..len], "checksum mismatch");
        }
    }

    #[test]
    fn arbitrary_bytes_with_a_valid_crc_are_an_error_not_a_panic() {
        for len in 0..64usize {
            let body: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_corrupt(&frame(&body), "record does not decode");
        }
    }

    #[test]
    fn diff_and_overlay_agree() {
        let a = sample();
        let mut b = sample();
        b.version = 2;
        b.address = "芦屋市打出町1-1".into();
        b.status = 2;
        b.removed_on = 20240101;
        let d = a.diff(&b);
        assert!(d.contains(Field::Address) && d.contains(Field::Status));
        assert!(!d.contains(Field::Name));
        let mut folded = a.clone();
        folded.overlay(&b, d);
        assert_eq!(folded.address, b.address);
        assert_eq!(folded.status, 2);
        assert_eq!(folded.version, 2);
    }
}
