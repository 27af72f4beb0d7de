//! The redb tables of a juki file and the byte layout of their composite keys.
//!
//! Every table and key is described in DESIGN.md ("Storage layout"); keep the two in step.

use redb::TableDefinition;

/// The on-disk format this build reads and writes. Stored under `format_version` in META.
pub const FORMAT_VERSION: u64 = 6;

/// `&str → u64`: `format_version`, `next_id` (the next internal id), `next_seq` (the next
/// 更新順番号), `municipality` (the register's 全国地方公共団体コード, six digits, once set).
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// `current resident code → framed record`: the latest version of every resident, active or
/// removed. A lookup by code is one probe here.
pub const RESIDENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("residents");
/// `(internal id, version) → framed record`: every version of every resident.
pub const VERSIONS: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("versions");
/// `resident code → (internal id, is current)`: current and former codes.
pub const CODES: TableDefinition<u64, (u64, bool)> = TableDefinition::new("codes");
/// `My Number → (internal id, is current)`: current and former numbers.
pub const MY_NUMBERS: TableDefinition<u64, (u64, bool)> = TableDefinition::new("my_numbers");
/// The 4情報 index: keys `[kind][components…][id u64 BE][version u32 BE]`, stored in blocks
/// of sorted keys, `first key → block` (see `store::blocks`).
pub const SEARCH: TableDefinition<&[u8], &[u8]> = TableDefinition::new("search");
/// `(household id, internal id, version) → ()`: the version at which a resident entered a
/// household (or re-entered it). Candidates for household answers now and as of a date.
pub const HOUSEHOLDS: TableDefinition<(u64, u64, u32), ()> = TableDefinition::new("households");
/// `household id → (internal id, name)`: the 世帯主 of each household as the latest versions
/// record it (the active member whose 続柄 is 世帯主), so that a read finds the name beside
/// a resident with one probe. A household with no head has no entry. Derived: written with
/// every version; built from `residents` when a file written before it existed is opened.
pub const HEADS: TableDefinition<u64, (u64, &str)> = TableDefinition::new("heads");
/// `更新順番号 → (internal id, version)`: the change feed, gapless from 1.
pub const CHANGES: TableDefinition<u64, (u64, u32)> = TableDefinition::new("changes");
/// `operators`: operator id → framed `StoredOperator` (argon2id hash, role, state). The
/// store names it so that backups and CHECK know every table of the file; `auth` owns what
/// is in it.
pub const OPERATORS: TableDefinition<&str, &[u8]> = TableDefinition::new("operators");
/// `audit`: log sequence number → framed `AuditEntry`, the SHA-256-chained operation log
/// (owned by `auth`, named here like `operators`).
pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");
/// `(restore number, log sequence number) → framed AuditEntry`: the operation log of each
/// register a restore replaced, after the point its log shares with the backup (owned by
/// `auth::replaced`, named here like `audit`).
pub const AUDIT_ARCHIVE: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("audit_archive");

/// `first day (yyyymmdd) → CSV text`: each version of the municipality's address
/// dictionary (docs/address-dictionary.md), as loaded, under the day it takes effect.
pub const TOWNS: TableDefinition<u32, &[u8]> = TableDefinition::new("towns");

/// `宛名番号 → (from, until, kind, authority)` (days as yyyymmdd, the kind's code, the
/// 相談機関's name): the residents under a DV等支援措置 (format 6; `auth::measure` owns
/// what is in it).
pub const SUPPORT_MEASURES: TableDefinition<u64, (u32, u32, u8, &str)> =
    TableDefinition::new("support_measures");
/// `宛名番号 → (from, until)`: the measures of format 5 and earlier, without kind or
/// authority. Only the upgrade reads it (into `support_measures`, kind "unrecorded").
pub const LEGACY_RESTRICTIONS: TableDefinition<u64, (u32, u32)> =
    TableDefinition::new("restrictions");

/// `setting → text`: the register's settings an operator sets (`SET ISSUER`): the title
/// and name certificates are issued under (`issuer_title`, `issuer_name`).
pub const SETTINGS: TableDefinition<&str, &str> = TableDefinition::new("settings");

pub const META_FORMAT: &str = "format_version";
pub const META_NEXT_ID: &str = "next_id";
pub const META_NEXT_SEQ: &str = "next_seq";
pub const META_MUNICIPALITY: &str = "municipality";
/// The serial number of the last certificate issued (none issued: absent).
pub const META_LAST_CERTIFICATE: &str = "last_certificate";

/// The kinds of 4情報 index entries: the first byte of a SEARCH key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum IndexKind {
    /// `[1][birth u32 BE][kanji name key][0]…`
    BirthKanji = 1,
    /// `[2][birth u32 BE][清音化 key][0]…`
    BirthKana = 2,
    /// `[3][kanji name key][0][address key][0]…`
    KanjiAddress = 3,
    /// `[4][清音化 key][0][address key][0]…`
    KanaAddress = 4,
    /// `[5][birth u32 BE][address key][0]…`
    BirthAddress = 5,
    /// `[6][kanji name key][0][birth u32 BE]…`: kind 1 for a birth date known only in part
    /// (a month, a year, 不詳), which a search by any day it can be must find: under the
    /// name, so that one probe of the name finds every such entry whatever its date.
    PartialBirthKanji = 6,
    /// `[7][清音化 key][0][birth u32 BE]…`: kind 2 for a birth date known in part.
    PartialBirthKana = 7,
    /// `[8][address key][0][birth u32 BE]…`: kind 5 for a birth date known in part.
    PartialBirthAddress = 8,
}

impl IndexKind {
    /// Every kind, in the order of their first bytes.
    pub const ALL: [IndexKind; 8] = [
        IndexKind::BirthKanji,
        IndexKind::BirthKana,
        IndexKind::KanjiAddress,
        IndexKind::KanaAddress,
        IndexKind::BirthAddress,
        IndexKind::PartialBirthKanji,
        IndexKind::PartialBirthKana,
        IndexKind::PartialBirthAddress,
    ];

    /// The kind a key's first byte names.
    pub fn from_byte(byte: u8) -> Option<IndexKind> {
        IndexKind::ALL.into_iter().find(|k| *k as u8 == byte)
    }

    /// Whether keys of this kind hold a name and then an address (kinds 3 and 4).
    pub fn is_name_address(self) -> bool {
        matches!(self, IndexKind::KanjiAddress | IndexKind::KanaAddress)
    }

    /// The kind that holds an entry of this birth kind (1, 2 or 5) for a birth date known
    /// only in part (6, 7 or 8); the others unchanged.
    pub fn for_partial_birth(self) -> IndexKind {
        match self {
            IndexKind::BirthKanji => IndexKind::PartialBirthKanji,
            IndexKind::BirthKana => IndexKind::PartialBirthKana,
            IndexKind::BirthAddress => IndexKind::PartialBirthAddress,
            other => other,
        }
    }
}

/// Whether a stored birth code is a date known only in part (`yyyymm00`, `yyyy0000`, 不詳).
pub fn is_partial_birth(code: u32) -> bool {
    code.is_multiple_of(100) || code == crate::model::UNKNOWN_CODE
}

/// The components one version contributes to the 4情報 index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchComponents {
    pub birth: u32,
    pub name_key: String,
    pub kana_key: String,
    pub address_key: String,
    /// The name keys of the other names the resident is found by (旧氏, 通称:
    /// `model::other_names`), written and read.
    pub other_name_keys: Vec<String>,
    pub other_kana_keys: Vec<String>,
}

impl SearchComponents {
    /// The index keys of these components, without the `[id][version]` suffix: the five
    /// kinds of the 氏名 (6, 7 and 8 in place of 1, 2 and 5 for a birth date known only in
    /// part), then for each other name the two kinds that hold a name.
    pub fn prefixes(&self) -> Vec<Vec<u8>> {
        let birth = self.birth.to_be_bytes();
        let cat = |kind: IndexKind, parts: &[&[u8]]| {
            // Room for the `[id][version]` suffix too, so adding it never reallocates.
            let len = 1 + parts.iter().map(|p| p.len()).sum::<usize>() + 12;
            let mut k = Vec::with_capacity(len);
            k.push(kind as u8);
            for p in parts {
                k.extend_from_slice(p);
            }
            k
        };
        // A birth kind's key: the date first for a whole day, after the text for a date
        // known in part (kinds 6–8).
        let partial = is_partial_birth(self.birth);
        let by_birth = |kind: IndexKind, text: &[u8]| {
            if partial {
                cat(kind.for_partial_birth(), &[text, &[0], &birth])
            } else {
                cat(kind, &[&birth, text, &[0]])
            }
        };
        let name = self.name_key.as_bytes();
        let kana = self.kana_key.as_bytes();
        let addr = self.address_key.as_bytes();
        let mut keys = vec![
            by_birth(IndexKind::BirthKanji, name),
            by_birth(IndexKind::BirthKana, kana),
            cat(IndexKind::KanjiAddress, &[name, &[0], addr, &[0]]),
            cat(IndexKind::KanaAddress, &[kana, &[0], addr, &[0]]),
            by_birth(IndexKind::BirthAddress, addr),
        ];
        for other in &self.other_name_keys {
            let other = other.as_bytes();
            keys.push(by_birth(IndexKind::BirthKanji, other));
            keys.push(cat(IndexKind::KanjiAddress, &[other, &[0], addr, &[0]]));
        }
        for other in &self.other_kana_keys {
            let other = other.as_bytes();
            keys.push(by_birth(IndexKind::BirthKana, other));
            keys.push(cat(IndexKind::KanaAddress, &[other, &[0], addr, &[0]]));
        }
        keys
    }
}

/// Appends the `[id u64 BE][version u32 BE]` suffix that makes an index key unique.
pub fn with_suffix(mut prefix: Vec<u8>, id: u64, version: u32) -> Vec<u8> {
    prefix.extend_from_slice(&id.to_be_bytes());
    prefix.extend_from_slice(&version.to_be_bytes());
    prefix
}

/// Splits the `[id][version]` suffix off a SEARCH key.
pub fn split_suffix(key: &[u8]) -> Option<(&[u8], u64, u32)> {
    if key.len() < 13 {
        return None;
    }
    let (head, tail) = key.split_at(key.len() - 12);
    let id = u64::from_be_bytes(tail[..8].try_into().ok()?);
    let version = u32::from_be_bytes(tail[8..].try_into().ok()?);
    Some((head, id, version))
}

/// The smallest key strictly greater than every key that starts with `prefix`. Keys hold
/// UTF-8 text and big-endian integers after the kind byte; text never holds 0xFF, and the
/// integers come in fixed places, so `prefix + [0xFF; 13]` bounds the range.
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    end.extend_from_slice(&[0xFF; 13]);
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_round_trips() {
        let k = with_suffix(vec![1, 2, 3], 42, 7);
        assert_eq!(split_suffix(&k), Some((&[1u8, 2, 3][..], 42, 7)));
    }

    #[test]
    fn prefix_range_covers_longer_names() {
        let c = SearchComponents {
            birth: 19800401,
            name_key: "山田 太郎".into(),
            kana_key: "ヤマタタロウ".into(),
            address_key: "芦屋市精道町7-6".into(),
            other_name_keys: Vec::new(),
            other_kana_keys: Vec::new(),
        };
        let full = with_suffix(c.prefixes()[0].clone(), u64::MAX, u32::MAX);
        let mut q = vec![IndexKind::BirthKanji as u8];
        q.extend_from_slice(&19800401u32.to_be_bytes());
        q.extend_from_slice("山田".as_bytes());
        assert!(full.as_slice() >= q.as_slice());
        assert!(full.as_slice() < prefix_end(&q).as_slice());
    }
}
