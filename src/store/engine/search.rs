//! 4情報検索: finding residents by at least two of name, address and birth date, with sex
//! as an optional filter, now (including former names and addresses) or as of a date.
//!
//! The planner picks the SEARCH index ranges from the attributes given (one for a name and
//! an address, stepped through by address under each name; two with a birth date: the
//! day's and the dates known in part); each candidate is then checked against the record
//! itself (the current version, a former version, or the version in force on the date), so
//! the index only has to be a superset.

use super::blocks;
use super::record::{ArchivedStoredRecord, StoredRecord};
use super::resident::Resident;
use super::schema::{prefix_end, split_suffix, IndexKind};
use super::tables::{fold_archived, with_as_of, View};
use crate::model::{
    address_condition, address_key, codes_overlap, is_kana_text, other_names, AddressCondition,
    Date, InvalidValue, KanaKey, NameKey, PartialDate, PlaceBook, Sex,
};
use crate::store::error::{Result, StoreError};
use redb::ReadableTable;

/// How a name condition matches. Either kind matches a whole name, with or without the space
/// between surname and given name, or, when the query has no space, a whole surname; never a
/// prefix (see `model::split_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameQuery {
    /// The written name's key: variant kanji folded, variation selectors, spaces and Latin
    /// case ignored.
    Kanji(NameKey),
    /// The 清音化 key of the reading.
    Kana(KanaKey),
}

impl NameQuery {
    /// Reads a name condition: kana text matches the reading, anything else the written
    /// name.
    pub fn parse(text: &str) -> std::result::Result<NameQuery, InvalidValue> {
        if is_kana_text(text) {
            Ok(NameQuery::Kana(KanaKey::from_query(text)?))
        } else {
            Ok(NameQuery::Kanji(NameKey::from_query(text)?))
        }
    }

    fn matches(&self, name: &str, kana: &str) -> bool {
        match self {
            NameQuery::Kanji(q) => q.split().matches(NameKey::of_written(name).split()),
            NameQuery::Kana(q) => q.split().matches(KanaKey::of_reading(kana).split()),
        }
    }

    /// Whether one of the other names a resident is found by (旧氏, 通称:
    /// `model::other_names`, written and read) matches.
    fn matches_other(&self, written: &[String], read: &[String]) -> bool {
        match self {
            NameQuery::Kanji(q) => written
                .iter()
                .any(|n| q.split().matches(NameKey::of_written(n).split())),
            NameQuery::Kana(q) => read
                .iter()
                .any(|k| q.split().matches(KanaKey::of_reading(k).split())),
        }
    }

    /// Whether a name component of an index key (a `SplitKey::index_text`) matches.
    fn matches_index(&self, component: &[u8]) -> bool {
        match self {
            NameQuery::Kanji(q) => q.split().matches_index(component),
            NameQuery::Kana(q) => q.split().matches_index(component),
        }
    }

    /// The index kind for this name with or without a birth date, and the range of names to
    /// scan in it.
    fn index(&self, with_birth: bool) -> (IndexKind, Vec<u8>) {
        match (self, with_birth) {
            (NameQuery::Kanji(k), true) => (IndexKind::BirthKanji, k.split().scan_prefix()),
            (NameQuery::Kana(k), true) => (IndexKind::BirthKana, k.split().scan_prefix()),
            (NameQuery::Kanji(k), false) => (IndexKind::KanjiAddress, k.split().scan_prefix()),
            (NameQuery::Kana(k), false) => (IndexKind::KanaAddress, k.split().scan_prefix()),
        }
    }
}

/// The conditions of a query a version is known to meet without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Proven {
    name: bool,
    address: bool,
    birth: bool,
}

impl Proven {
    const NOTHING: Proven = Proven {
        name: false,
        address: false,
        birth: false,
    };
}

/// A 4情報 search. Build it with [`SearchQuery::new`] and the setters; the engine refuses
/// it unless at least two of name, address and birth date are set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// 氏名 condition.
    pub name: Option<NameQuery>,
    /// 住所 condition: an address key (see `address_key`) with what it excludes; the engine
    /// reads it in the register's municipality (`model::address_condition`) before it
    /// searches.
    pub address: Option<AddressCondition>,
    /// 生年月日: a day, or a month or a year when only that is known. It finds a birth date
    /// whose range shares a day with it (`PartialDate::overlaps`): a day finds that day and
    /// the month, the year and 不詳 that can be it.
    pub birth: Option<PartialDate>,
    /// 性別 filter (never counts toward the two attributes).
    pub sex: Option<Sex>,
    /// Search the residents as they stood on this date instead of every version.
    pub as_of: Option<Date>,
    /// The ceiling: a search that matches more residents than this is refused
    /// (`SEARCH_MINIMUM` with the count, nobody returned); `None`, no ceiling.
    pub limit: Option<usize>,
}

impl SearchQuery {
    /// An empty query.
    pub fn new() -> SearchQuery {
        SearchQuery::default()
    }

    /// Adds a name condition (kana or kanji, see [`NameQuery::parse`]).
    pub fn name(mut self, text: &str) -> std::result::Result<SearchQuery, InvalidValue> {
        self.name = Some(NameQuery::parse(text)?);
        Ok(self)
    }

    /// Adds an address condition: the address or its beginning, numbers whole (7番6号 never
    /// finds 7番60号); a 町字 without the municipality's name is the register's own.
    pub fn address(mut self, text: &str) -> SearchQuery {
        self.address = Some(AddressCondition::as_written(address_key(text)));
        self
    }

    /// The query with its address condition read in the register's municipality
    /// (`model::address_condition`): refused with SEARCH_MINIMUM when it names only a
    /// prefecture or a municipality, or inside the municipality no whole 町字.
    pub(crate) fn resolved(&self, book: Option<&PlaceBook>) -> Result<SearchQuery> {
        let Some(address) = &self.address else {
            return Ok(self.clone());
        };
        // An address of nothing (spaces, or nothing at all) is no condition: it neither
        // counts toward the minimum (`check_minimum`) nor narrows the search.
        if address.key.is_empty() {
            return Ok(SearchQuery {
                address: None,
                ..self.clone()
            });
        }
        let condition =
            address_condition(book, &address.key).map_err(|e| StoreError::SearchAddress {
                reason: e.to_string(),
            })?;
        Ok(SearchQuery {
            address: Some(condition),
            ..self.clone()
        })
    }

    /// Adds a birth-date condition: a [`Date`], or a [`PartialDate`] (a month or a year).
    pub fn birth(mut self, date: impl Into<PartialDate>) -> SearchQuery {
        self.birth = Some(date.into());
        self
    }

    /// Adds a sex filter.
    pub fn sex(mut self, sex: Sex) -> SearchQuery {
        self.sex = Some(sex);
        self
    }

    /// Searches as of a date.
    pub fn as_of(mut self, date: Date) -> SearchQuery {
        self.as_of = Some(date);
        self
    }

    /// Sets the ceiling: a search matching more than `n` residents is refused.
    pub fn limit(mut self, n: usize) -> SearchQuery {
        self.limit = Some(n);
        self
    }

    /// The birth condition the index is scanned by: none for 不詳, which every date shares
    /// (the record check lets it pass).
    fn birth_index(&self) -> Option<PartialDate> {
        self.birth.filter(|b| *b != PartialDate::Unknown)
    }

    /// Refuses a search that names fewer than two of name, address and birth date.
    pub(crate) fn check_minimum(&self) -> Result<()> {
        let given = [
            self.name.is_some(),
            self.address.as_ref().is_some_and(|a| !a.key.is_empty()),
            // 不詳 is every day: no information.
            self.birth_index().is_some(),
        ];
        if given.iter().filter(|g| **g).count() >= 2 {
            return Ok(());
        }
        let mut names = Vec::new();
        for (set, n) in given.iter().zip(["name", "address", "birth"]) {
            if *set {
                names.push(n);
            }
        }
        if self.sex.is_some() {
            names.push("sex");
        }
        Err(StoreError::SearchMinimum {
            given: if names.is_empty() {
                "nothing".into()
            } else {
                names.join(", ")
            },
        })
    }

    /// Whether a version matches every condition. The exact ones (birth, sex) are checked
    /// first; the name and address keys are computed only when they pass, and the other
    /// names (`others`: 旧氏, 通称) only when the 氏名 does not match.
    #[allow(clippy::too_many_arguments)]
    fn matches_fields(
        &self,
        proven: Proven,
        name: &str,
        kana: &str,
        address: &str,
        birth: u32,
        sex: u8,
        others: impl FnOnce() -> (Vec<String>, Vec<String>),
        seen: &mut SeenAddress,
    ) -> bool {
        let name_matches = |n: &NameQuery| {
            n.matches(name, kana) || {
                let (written, read) = others();
                n.matches_other(&written, &read)
            }
        };
        (proven.birth || self.birth.is_none_or(|b| birth_matches(b, birth)))
            && self.sex.is_none_or(|s| sex == s.code())
            && (proven.name || self.name.as_ref().is_none_or(name_matches))
            && (proven.address
                || self
                    .address
                    .as_ref()
                    .is_none_or(|a| seen.matches(a, address)))
    }

    fn matches(&self, rec: &StoredRecord, seen: &mut SeenAddress) -> bool {
        self.matches_fields(
            Proven::NOTHING,
            &rec.name,
            &rec.kana,
            &rec.address,
            rec.birth,
            rec.sex,
            || {
                let items = rec.items.iter().map(|i| (i.tag, i.value.as_str()));
                other_names(&rec.name, &rec.kana, items)
            },
            seen,
        )
    }

    /// [`SearchQuery::matches`] on a checked archive, read in place, given what the index
    /// entries that named it already prove.
    fn matches_archived(
        &self,
        rec: &ArchivedStoredRecord,
        proven: Proven,
        seen: &mut SeenAddress,
    ) -> bool {
        self.matches_fields(
            proven,
            rec.name.as_str(),
            rec.kana.as_str(),
            rec.address.as_str(),
            rec.birth.to_native(),
            rec.sex,
            || {
                let items = rec
                    .items
                    .iter()
                    .map(|i| (i.tag.to_native(), i.value.as_str()));
                other_names(rec.name.as_str(), rec.kana.as_str(), items)
            },
            seen,
        )
    }

    /// The 4情報 index the engine scans for this query: `birth+kanji`, `birth+kana`,
    /// `kanji+address`, `kana+address` or `birth+address`; `None` when the query does not
    /// meet the two-attribute minimum.
    pub fn index_name(&self) -> Option<&'static str> {
        self.check_minimum().ok()?;
        Some(match (&self.name, self.birth_index()) {
            (Some(NameQuery::Kanji(_)), Some(_)) => "birth+kanji",
            (Some(NameQuery::Kana(_)), Some(_)) => "birth+kana",
            (Some(NameQuery::Kanji(_)), None) => "kanji+address",
            (Some(NameQuery::Kana(_)), None) => "kana+address",
            (None, _) => "birth+address",
        })
    }

    /// Whether an index entry (its key without the `[id][version]` suffix) can belong to a
    /// matching version: the name and address it holds are checked here, on the key's bytes,
    /// so that a candidate whose entry cannot match is never read. Sex and a birth date the
    /// key does not hold are checked on the record.
    fn key_may_match(&self, head: &[u8]) -> bool {
        let Some((&kind, rest)) = head.split_first() else {
            return false;
        };
        let name_ok = |name: &[u8]| self.name.as_ref().is_none_or(|q| q.matches_index(name));
        let addr_ok = |addr: &[u8]| self.address.as_ref().is_none_or(|a| a.matches(addr));
        match kind {
            k if k == IndexKind::BirthKanji as u8 || k == IndexKind::BirthKana as u8 => rest
                .get(4..)
                .and_then(|r| r.split(|b| *b == 0).next())
                .is_some_and(name_ok),
            k if k == IndexKind::KanjiAddress as u8 || k == IndexKind::KanaAddress as u8 => {
                let mut parts = rest.split(|b| *b == 0);
                match (parts.next(), parts.next()) {
                    (Some(n), Some(a)) => name_ok(n) && addr_ok(a),
                    _ => false,
                }
            }
            k if k == IndexKind::BirthAddress as u8 => rest
                .get(4..)
                .and_then(|r| r.split(|b| *b == 0).next())
                .is_some_and(addr_ok),
            k if k == IndexKind::PartialBirthKanji as u8
                || k == IndexKind::PartialBirthKana as u8 =>
            {
                self.partial_entry(rest).is_some_and(name_ok)
            }
            k if k == IndexKind::PartialBirthAddress as u8 => {
                self.partial_entry(rest).is_some_and(addr_ok)
            }
            _ => false,
        }
    }

    /// Where a scan of a name-and-address range (kinds 3 and 4: `[kind][name][0][address][0]`)
    /// goes on from an entry that did not match (`head`, its key without the suffix): to
    /// the query's addresses under the entry's name when its address comes before them,
    /// past the entry's name when its address comes after them or the name is not the
    /// query's (a longer name that begins with a surname asked for, whose surname is
    /// another); `None` to read on. The entries of one name are sorted by address, so a
    /// common name's entries in other 町字 are stepped over instead of read one by one.
    fn skip_to(&self, head: &[u8]) -> Option<Vec<u8>> {
        let kind = IndexKind::from_byte(*head.first()?)?;
        if !kind.is_name_address() {
            return None;
        }
        let address = self.address.as_ref()?;
        let name_end = head.iter().position(|b| *b == 0)?;
        let (group, rest) = head.split_at(name_end);
        let past_name = || {
            let mut to = group.to_vec();
            to.push(1);
            Some(to)
        };
        if !self
            .name
            .as_ref()
            .is_none_or(|q| q.matches_index(&group[1..]))
        {
            return past_name();
        }
        let stored = &rest[1..];
        let want = address.key.as_bytes();
        if stored.starts_with(want) {
            None
        } else if stored < want {
            let mut to = group.to_vec();
            to.push(0);
            to.extend_from_slice(want);
            Some(to)
        } else {
            past_name()
        }
    }

    /// The text of a partial-birth entry (`[text][0][birth code]`, kinds 6–8), when its
    /// birth date can be the query's; `None` when it cannot or the entry is malformed.
    fn partial_entry<'k>(&self, rest: &'k [u8]) -> Option<&'k [u8]> {
        let end = rest.iter().position(|b| *b == 0)?;
        let code = u32::from_be_bytes(rest.get(end + 1..end + 5)?.try_into().ok()?);
        self.birth
            .is_none_or(|b| codes_overlap(b.code(), code))
            .then_some(&rest[..end])
    }

    /// What an index entry that passed [`SearchQuery::key_may_match`] proves of the version it
    /// names, for the index this query scans: the components its key holds (the range fixes
    /// the birth date where the key starts with it). The index is written from the same keys
    /// the record check computes (`store::keys::components`, verified by CHECK), so a
    /// version named by such an entry needs only the other conditions checked.
    fn proven_by_entry(&self) -> Proven {
        match (&self.name, self.birth_index()) {
            (Some(_), Some(_)) => Proven {
                name: true,
                address: false,
                birth: true,
            },
            (Some(_), None) => Proven {
                name: true,
                address: true,
                birth: false,
            },
            (None, _) => Proven {
                name: false,
                address: true,
                birth: true,
            },
        }
    }

    /// The index ranges to scan, each `[start, end)`. Without a birth date, one key prefix
    /// (name, then address). With one, two: the whole days it holds in the birth kind (1, 2
    /// or 5: one day and the name or address prefix after it, or the range of a month's or a
    /// year's days), and the name or address prefix in the partial-birth kind (6, 7 or 8),
    /// where every birth date known only in part of that name or address sits, checked on
    /// the entry's bytes (`key_may_match`).
    fn plan(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let Some(birth) = self.birth_index() else {
            let name = self
                .name
                .as_ref()
                .expect("check_minimum refuses a search without name and birth");
            let (kind, names) = name.index(false);
            let mut key = vec![kind as u8];
            key.extend_from_slice(&names);
            let end = prefix_end(&key);
            return vec![(key, end)];
        };
        let (kind, text) = match &self.name {
            Some(name) => name.index(true),
            None => (
                IndexKind::BirthAddress,
                self.address
                    .as_ref()
                    .map_or(&[][..], |a| a.key.as_bytes())
                    .to_vec(),
            ),
        };
        let with_code = |code: u32| {
            let mut key = Vec::with_capacity(5 + text.len());
            key.push(kind as u8);
            key.extend_from_slice(&code.to_be_bytes());
            key
        };
        let days = match birth {
            PartialDate::Exact(day) => {
                let mut key = with_code(day.to_yyyymmdd());
                key.extend_from_slice(&text);
                let end = prefix_end(&key);
                (key, end)
            }
            partial => {
                let (first, last) = (partial.first_day(), partial.last_day());
                let (first, last) = (first.expect("not 不詳"), last.expect("not 不詳"));
                (
                    with_code(first.to_yyyymmdd()),
                    prefix_end(&with_code(last.to_yyyymmdd())),
                )
            }
        };
        let mut partial = vec![kind.for_partial_birth() as u8];
        partial.extend_from_slice(&text);
        let partial_end = prefix_end(&partial);
        vec![days, (partial, partial_end)]
    }
}

/// The last address text a resident's versions were matched against the query's address
/// condition, with the answer. A resident's versions mostly share their address (a change
/// of name or of items keeps it), and the address key is the costly part of a check, so
/// it is computed once for each text met in a row.
#[derive(Debug, Default)]
struct SeenAddress {
    last: Option<(String, bool)>,
}

impl SeenAddress {
    fn matches(&mut self, condition: &AddressCondition, address: &str) -> bool {
        if let Some((text, matched)) = &self.last {
            if text == address {
                return *matched;
            }
        }
        let matched = condition.matches(address_key(address).as_bytes());
        self.last = Some((address.to_string(), matched));
        matched
    }
}

/// Whether a stored birth code matches a birth condition: the same code, or a date known in
/// part (stored or asked) whose range shares a day with the other.
fn birth_matches(condition: PartialDate, stored: u32) -> bool {
    codes_overlap(condition.code(), stored)
}

/// One resident found by a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// The version that matched: the current one, a former one (a former name or
    /// address), or the one in force on the as-of date.
    pub resident: Resident,
    /// Whether the matched version is the resident's current one: without AS OF, the one in
    /// force today (for a resident whose 転出 notified ahead is pending, the state before the
    /// 転出); with AS OF, one whose content is the latest version's.
    pub current: bool,
}

/// A hit with the key it is ordered by (the 清音化 key of its reading).
type Ordered = (String, SearchHit);

/// Runs a search on a snapshot: the index range gives the candidates, each resident named
/// is matched on their own versions, and the hits are ordered; more hits than the query's
/// ceiling ([`SearchQuery::limit`]) refuse the whole search, so that it returns nobody.
/// `not_yet_in_force` gives today (`yyyymmdd`) for a resident whose versions reach
/// `prefix_max` past it (a 転出 notified ahead), else `None`
/// (`Database::not_yet_in_force`): without AS OF such a resident is searched as of today.
pub(crate) fn find(
    t: &impl View,
    q: &SearchQuery,
    not_yet_in_force: impl Fn(u32) -> Option<u32>,
) -> Result<Vec<SearchHit>> {
    q.check_minimum()?;
    let named = named_versions(t, q)?;
    let by_entry = q.proven_by_entry();
    let versions = t.versions();
    let mut hits: Vec<Ordered> = Vec::new();
    for group in named.chunk_by(|a, b| a.0 == b.0) {
        if let Some(hit) = resident_hit(versions, q, group, by_entry, &not_yet_in_force)? {
            hits.push(hit);
        }
    }
    if let Some(ceiling) = q.limit.filter(|c| hits.len() > *c) {
        return Err(StoreError::TooManyMatches {
            matched: hits.len(),
            ceiling,
        });
    }
    hits.sort_by(|a, b| {
        (&a.0, a.1.resident.birth, a.1.resident.code).cmp(&(
            &b.0,
            b.1.resident.birth,
            b.1.resident.code,
        ))
    });
    Ok(hits.into_iter().map(|(_, h)| h).collect())
}

/// The versions named by the entries of the query's index range that pass
/// [`SearchQuery::key_may_match`], as `(id, version)`, sorted and each once (so the versions
/// of one resident are adjacent).
fn named_versions(t: &impl View, q: &SearchQuery) -> Result<Vec<(u64, u32)>> {
    let mut named: Vec<(u64, u32)> = Vec::new();
    for (start, end) in q.plan() {
        let mut take = |key: &[u8]| {
            let (head, id, version) = split_suffix(key).ok_or_else(|| StoreError::Corrupt {
                table: "search",
                detail: "index key shorter than its suffix".into(),
            })?;
            if q.key_may_match(head) {
                named.push((id, version));
                return Ok(None);
            }
            Ok(q.skip_to(head))
        };
        if IndexKind::from_byte(start[0]).is_some_and(IndexKind::is_name_address) {
            blocks::scan_skipping(t.search(), &start, &end, take)?;
        } else {
            scan_range(t, &start, &end, |key| take(key).map(drop))?;
        }
    }
    named.sort_unstable();
    named.dedup();
    Ok(named)
}

/// Calls `f` with every index key in `start..end`: from the snapshot's copy of a
/// partial-birth kind where it keeps one (`engine::partial`), else from the index.
fn scan_range(
    t: &impl View,
    start: &[u8],
    end: &[u8],
    f: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let copy = match (
        t.partial_births(),
        start.first().and_then(|k| IndexKind::from_byte(*k)),
    ) {
        (Some(p), Some(kind)) => p.keys(t.search(), kind)?,
        _ => None,
    };
    match copy {
        Some(run) => super::partial::scan(run, start, end, f),
        None => blocks::scan(t.search(), start, end, f),
    }
}

/// What is known of a version of a resident: the index's conditions when an entry named
/// that very version and the version was not backdated. An entry's version can also be that
/// of a backdated change folded over an earlier version (the entries of the as-of states a
/// backdated change makes, see `store::write`), whose keys are the folded record's; a
/// version that is not backdated (its 異動日 is its `prefix_max`) is never folded over
/// another, so an entry naming it holds its own keys.
fn proven(by_entry: Proven, named: &[(u64, u32)], rec: &ArchivedStoredRecord) -> Proven {
    let v = rec.version.to_native();
    if rec.prefix_max == rec.valid_from && named.iter().any(|&(_, n)| n == v) {
        by_entry
    } else {
        Proven::NOTHING
    }
}

/// A hit on a stored version, copied out of its archive.
fn hit(rec: &ArchivedStoredRecord, current: bool) -> Result<Ordered> {
    let order = KanaKey::of_reading(rec.kana.as_str()).as_str().to_string();
    let resident = Resident::from_archived(rec)?;
    Ok((order, SearchHit { resident, current }))
}

/// The hit of one resident, whose versions `named` are: without AS OF the current version
/// if it matches, else the latest former one that does; with AS OF the version in force.
/// The current version is the latest, or, while a 転出 notified ahead is pending, the
/// answer as of today (the pending versions are neither current nor former). Every version
/// is checked (CRC32 and bytecheck) and matched in place; only a hit is copied out.
fn resident_hit(
    versions: &impl ReadableTable<(u64, u32), &'static [u8]>,
    q: &SearchQuery,
    named: &[(u64, u32)],
    by_entry: Proven,
    not_yet_in_force: &impl Fn(u32) -> Option<u32>,
) -> Result<Option<Ordered>> {
    let id = named[0].0;
    // One descent: the latest version, then (read on backwards) the former ones.
    let mut all = versions.range((id, 0)..=(id, u32::MAX))?;
    let Some(entry) = all.next_back() else {
        return Err(StoreError::Corrupt {
            table: "search",
            detail: format!("index entry for resident {id} with no versions"),
        });
    };
    let (_, latest_value) = entry?;
    let latest = StoredRecord::access("versions", latest_value.value())?;
    let proven = |rec: &ArchivedStoredRecord| proven(by_entry, named, rec);
    let seen = &mut SeenAddress::default();
    if let Some(d) = q.as_of {
        return as_of_hit(versions, q, id, d, latest, proven, seen);
    }
    let now_version = match not_yet_in_force(latest.prefix_max.to_native()) {
        None if q.matches_archived(latest, proven(latest), seen) => {
            return hit(latest, true).map(Some)
        }
        None => latest.version.to_native(),
        Some(today) => match today_hit(versions, q, id, today, proven, seen)? {
            Today::Hit(h) => return Ok(Some(*h)),
            Today::Missed(version) => version,
        },
    };
    former_hit(all, q, now_version, proven, seen)
}

/// The answer as of today of a resident with a version not yet in force: a hit when it
/// matches, else the version number it carries (the versions before it are former ones).
enum Today {
    Hit(Box<Ordered>),
    Missed(u32),
}

/// The resident as of `today` (the as-of rule, backdated corrections folded in), matched
/// against the query; a match is current.
fn today_hit(
    versions: &impl ReadableTable<(u64, u32), &'static [u8]>,
    q: &SearchQuery,
    id: u64,
    today: u32,
    proven: impl Fn(&ArchivedStoredRecord) -> Proven,
    seen: &mut SeenAddress,
) -> Result<Today> {
    let found = with_as_of(versions, id, today, |base, later| {
        let Some(last) = later.last() else {
            if q.matches_archived(base, proven(base), seen) {
                return hit(base, true).map(|h| Today::Hit(Box::new(h)));
            }
            return Ok(Today::Missed(base.version.to_native()));
        };
        let rec = fold_archived(base, later)?;
        if !q.matches(&rec, seen) {
            return Ok(Today::Missed(last.version.to_native()));
        }
        let order = KanaKey::of_reading(&rec.kana).as_str().to_string();
        let resident = Resident::from_stored(rec)?;
        Ok(Today::Hit(Box::new((
            order,
            SearchHit {
                resident,
                current: true,
            },
        ))))
    })?;
    // A resident always has a version in force today: only a 転出 is dated ahead, and it
    // never is a first version.
    found.ok_or_else(|| StoreError::Corrupt {
        table: "versions",
        detail: format!("resident {id} has no version in force on {today}"),
    })
}

/// The latest version before version `now` that matches: a former name or address.
/// `earlier` holds the resident's versions not yet read, read from the back.
fn former_hit(
    mut earlier: redb::Range<'_, (u64, u32), &'static [u8]>,
    q: &SearchQuery,
    now: u32,
    proven: impl Fn(&ArchivedStoredRecord) -> Proven,
    seen: &mut SeenAddress,
) -> Result<Option<Ordered>> {
    while let Some(entry) = earlier.next_back() {
        let (k, v) = entry?;
        if k.value().1 >= now {
            continue;
        }
        let rec = StoredRecord::access("versions", v.value())?;
        if q.matches_archived(rec, proven(rec), seen) {
            return hit(rec, false).map(Some);
        }
    }
    Ok(None)
}

/// The hit of one resident as of `d`: the version in force, with any backdated correction
/// in force folded over it.
fn as_of_hit(
    versions: &impl ReadableTable<(u64, u32), &'static [u8]>,
    q: &SearchQuery,
    id: u64,
    d: Date,
    latest: &ArchivedStoredRecord,
    proven: impl Fn(&ArchivedStoredRecord) -> Proven,
    seen: &mut SeenAddress,
) -> Result<Option<Ordered>> {
    let latest_version = latest.version.to_native();
    let found = with_as_of(versions, id, d.to_yyyymmdd(), |base, later| {
        if later.is_empty() {
            if !q.matches_archived(base, proven(base), seen) {
                return Ok(None);
            }
            // Versions of one resident differ in their version number, so this is the
            // latest one exactly when the numbers agree.
            hit(base, base.version.to_native() == latest_version).map(Some)
        } else {
            // A folded answer carries the bookkeeping of the latest correction it folds in,
            // so compare content, not version numbers.
            let rec = fold_archived(base, later)?;
            if !q.matches(&rec, seen) {
                return Ok(None);
            }
            let current = rec == StoredRecord::from_archived("versions", latest)?;
            let order = KanaKey::of_reading(&rec.kana).as_str().to_string();
            let resident = Resident::from_stored(rec)?;
            Ok(Some((order, SearchHit { resident, current })))
        }
    })?;
    Ok(found.flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_match(q: &str, stored_name: &str) -> bool {
        let q = NameQuery::parse(q).unwrap();
        let key = NameKey::of_written(stored_name).split().index_text();
        let by_record = q.matches(stored_name, "ヤマダ タロウ");
        let by_index = q.matches_index(key.as_bytes());
        assert_eq!(by_record, by_index, "{q:?} / {stored_name}");
        by_index
    }

    #[test]
    fn a_surname_alone_matches_the_surname_only() {
        for (q, k, expected) in [
            ("山田", "山田 太郎", true),
            ("山田", "山田", true),
            ("山田", "山田川 花子", false),
            ("山田 太郎", "山田 太郎", true),
            ("山田太郎", "山田 太郎", true),
            ("山田 太郎", "山田太郎", true),
            ("山田 太", "山田 太郎", false),
            ("山田", "山", false),
            ("山", "山田 太郎", false),
        ] {
            assert_eq!(index_match(q, k), expected, "{q} / {k}");
        }
    }

    #[test]
    fn the_scan_range_holds_every_match() {
        for (q, stored) in [
            ("山田", "山田 太郎"),
            ("山田太郎", "山田 太郎"),
            ("山田 太郎", "山田太郎"),
        ] {
            let (_, prefix) = NameQuery::parse(q).unwrap().index(true);
            let key = NameKey::of_written(stored).split().index_text();
            assert!(key.as_bytes().starts_with(&prefix), "{q} / {stored}");
        }
    }

    #[test]
    fn kana_matches_a_whole_surname_or_name_never_a_prefix() {
        let q = |t: &str| {
            NameQuery::parse(t)
                .unwrap()
                .matches("山田 太郎", "ヤマダ タロウ")
        };
        assert!(q("やまだ"));
        assert!(q("ヤマタ"));
        assert!(q("ヤマダタロウ"));
        assert!(!q("ヤマ"));
        assert!(!q("ヤマダ タ"));
    }

    #[test]
    fn fewer_than_two_attributes_are_refused() {
        let q = SearchQuery::new().name("山田").unwrap().sex(Sex::Male);
        let err = q.check_minimum().unwrap_err();
        assert_eq!(err.code(), "SEARCH_MINIMUM");
        assert!(err.to_string().contains("name, sex"));
        let q = SearchQuery::new()
            .name("山田")
            .unwrap()
            .address("芦屋市精道町");
        assert!(q.check_minimum().is_ok());
    }

    #[test]
    fn an_address_of_only_the_municipality_is_refused() {
        let d = crate::model::TownDictionary::ashiya();
        let mut book = PlaceBook::new(d.municipality().clone());
        book.add(PlaceBook::first_day(), d).unwrap();
        for text in ["芦屋市", "兵庫県芦屋市", "兵庫県", "芦屋市精"] {
            let q = SearchQuery::new().name("山田").unwrap().address(text);
            assert!(q.check_minimum().is_ok());
            let err = q.resolved(Some(&book)).unwrap_err();
            assert_eq!(err.code(), "SEARCH_MINIMUM", "{text}");
        }
        let q = SearchQuery::new()
            .name("山田")
            .unwrap()
            .address("朝日ヶ丘町5番6号");
        let address = q.resolved(Some(&book)).unwrap().address.unwrap();
        assert_eq!(address.key, "芦屋市朝日ケ丘町5-6");
        // An empty address is no condition, and not a refusal either.
        let q = SearchQuery::new()
            .name("山田")
            .unwrap()
            .birth(Date::parse("1980-04-01").unwrap())
            .address(" ");
        assert!(q.check_minimum().is_ok());
        assert_eq!(q.resolved(Some(&book)).unwrap().address, None);
    }
}
