//! [`Staging`]: a bulk load's 異動 applied in memory, then written to the tables in key order.
//!
//! A load of a million residents and their history is millions of B-tree inserts; made one
//! 異動 at a time they land all over the trees. Staging runs the engine's own write path
//! (`write::apply`, through the [`Ledger`] trait) against an in-memory overlay of the
//! tables: what the load writes is kept here, what it reads comes from here first and from
//! the transaction's tables second. [`Staging::flush`] then sorts each table's entries and
//! inserts them in key order, which keeps every insert on the right edge of its tree.
//!
//! The overlay holds versions encoded, in one arena, so a load's memory is about the size
//! of its records plus its 4情報 keys.

use super::error::{Result, StoreError};
use super::ledger::{household_ids_in, Ledger};
use super::record::StoredRecord;
use super::schema::{META_NEXT_ID, META_NEXT_SEQ};
use super::spill::Spill;
use super::tables::{View, WriteTables};
use redb::ReadableTableMetadata;
use std::collections::{HashMap, HashSet};

/// Byte ranges into an arena.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u64,
    len: u32,
}

/// Growable byte storage that hands out [`Span`]s.
#[derive(Debug, Default)]
struct Arena {
    bytes: Vec<u8>,
}

impl Arena {
    fn push(&mut self, data: &[u8]) -> Span {
        let start = self.bytes.len() as u64;
        self.bytes.extend_from_slice(data);
        Span {
            start,
            len: data.len() as u32,
        }
    }

    fn get(&self, s: Span) -> &[u8] {
        &self.bytes[s.start as usize..s.start as usize + s.len as usize]
    }
}

/// A load's writes, kept in memory over a write transaction's tables.
pub(crate) struct Staging<'a, 't> {
    base: &'a WriteTables<'t>,
    /// The tables held no resident when this overlay began: no read needs to reach them.
    base_empty: bool,
    /// What the whole load has written, across overlays.
    known: &'a mut Known,
    w: Writes,
}

/// What a load has written so far, kept across the overlays of a load that is written to
/// the tables in passes: when the tables held no resident before the load, a code, My
/// Number or household the load never wrote is in no table, and the overlay answers so
/// without a B-tree probe. About 20 bytes a resident.
#[derive(Debug, Default)]
pub(crate) struct Known {
    /// The tables held residents before the load began.
    base_had_residents: bool,
    codes: HashSet<u64>,
    my_numbers: HashSet<u64>,
    households: HashSet<u64>,
}

impl Known {
    /// For a load over `base`, before anything of the load is written to it.
    pub(crate) fn before(base: &WriteTables<'_>) -> Result<Known> {
        Ok(Known {
            base_had_residents: !base.versions.is_empty()?,
            ..Known::default()
        })
    }

    /// Whether the tables may hold `key` of `set` (a probe is needed).
    fn may_hold(&self, set: &HashSet<u64>, key: u64) -> bool {
        self.base_had_residents || set.contains(&key)
    }
}

/// What a [`Staging`] holds, apart from the tables it reads through to.
pub(crate) struct Writes {
    /// Ids from here on were handed out by this load.
    first_new_id: u64,
    next_id: u64,
    next_seq: u64,
    records: Arena,
    /// The versions this load wrote for residents it created, by `id - first_new_id`.
    new_versions: Vec<Vec<Span>>,
    /// The versions this load wrote for residents that were in the tables before it.
    old_versions: HashMap<u64, Vec<Span>>,
    codes: HashMap<u64, (u64, bool)>,
    my_numbers: HashMap<u64, (u64, bool)>,
    removed_codes: Vec<u64>,
    households: HashMap<u64, Vec<(u64, u32)>>,
    keys: Arena,
    search: Vec<Span>,
    changes: Vec<(u64, u64, u32)>,
    /// Versions and household entries staged (for [`Staging::approx_bytes`]).
    versions_staged: usize,
    household_entries: usize,
}

impl<'a, 't> Staging<'a, 't> {
    /// An empty overlay over `base`, for a load that has written what `known` says.
    pub(crate) fn new(base: &'a WriteTables<'t>, known: &'a mut Known) -> Result<Staging<'a, 't>> {
        let next_id = base.meta_value(META_NEXT_ID)?.unwrap_or(1);
        Ok(Staging {
            base,
            base_empty: base.versions.is_empty()?,
            known,
            w: Writes {
                first_new_id: next_id,
                next_id,
                next_seq: base.meta_value(META_NEXT_SEQ)?.unwrap_or(1),
                records: Arena::default(),
                new_versions: Vec::new(),
                old_versions: HashMap::new(),
                codes: HashMap::new(),
                my_numbers: HashMap::new(),
                removed_codes: Vec::new(),
                households: HashMap::new(),
                keys: Arena::default(),
                search: Vec::new(),
                changes: Vec::new(),
                versions_staged: 0,
                household_entries: 0,
            },
        })
    }

    /// What the load wrote, to be flushed once the tables are no longer borrowed.
    pub(crate) fn finish(self) -> Writes {
        self.w
    }

    /// About how many bytes of memory the overlay holds (what a load compares with its
    /// budget to decide when to flush).
    pub(crate) fn approx_bytes(&self) -> usize {
        let w = &self.w;
        // A hash map entry with its control byte and the map's spare capacity, roughly.
        const MAP_ENTRY: usize = 48;
        // A resident's list of versions: the vector, its first allocation and the
        // allocator's overhead.
        const VERSION_LIST: usize = 64;
        // Lengths, not capacities: the untouched tail of a grown vector is address space,
        // not memory.
        w.records.bytes.len()
            + w.keys.bytes.len()
            + w.search.len() * std::mem::size_of::<Span>()
            + (w.new_versions.len() + w.old_versions.len()) * VERSION_LIST
            + w.versions_staged * std::mem::size_of::<Span>()
            + (w.old_versions.len() + w.codes.len() + w.my_numbers.len()) * MAP_ENTRY
            + w.households.len() * (MAP_ENTRY + VERSION_LIST)
            + w.household_entries * 24
            + w.changes.len() * 24
    }

    fn staged_versions(&self, id: u64) -> Option<&Vec<Span>> {
        let w = &self.w;
        if id >= w.first_new_id {
            w.new_versions.get((id - w.first_new_id) as usize)
        } else {
            w.old_versions.get(&id)
        }
    }

    fn decode(&self, s: Span) -> Result<StoredRecord> {
        StoredRecord::decode("versions", self.w.records.get(s))
    }
}

impl Writes {
    /// Writes everything staged into `t` (the tables `self` was made over), each table's
    /// entries in key order.
    /// With `spill`, the `residents` and `search` entries go to sorted runs there instead
    /// (see `spill`), to be merged into the tables at the end of the load.
    pub(crate) fn flush(
        self,
        t: &mut WriteTables<'_>,
        mut spill: Option<&mut Spill>,
    ) -> Result<()> {
        let Writes {
            first_new_id,
            next_id,
            next_seq,
            records,
            new_versions,
            old_versions,
            codes,
            my_numbers,
            removed_codes,
            households,
            keys,
            mut search,
            changes,
            ..
        } = self;

        // Versions, in (id, version) order; ids this load made come after older ones.
        let mut old: Vec<(u64, Vec<Span>)> = old_versions.into_iter().collect();
        old.sort_unstable_by_key(|(id, _)| *id);
        for (id, spans) in &old {
            for s in spans {
                let version = StoredRecord::access("versions", records.get(*s))?
                    .version
                    .to_native();
                t.versions.insert((*id, version), records.get(*s))?;
            }
        }
        for (k, spans) in new_versions.iter().enumerate() {
            let id = first_new_id + k as u64;
            for (v, s) in spans.iter().enumerate() {
                t.versions.insert((id, v as u32 + 1), records.get(*s))?;
            }
        }

        // Current records by code: codes given up first, then each resident's latest.
        let mut current: Vec<(u64, Span)> = Vec::with_capacity(new_versions.len() + old.len());
        for spans in old.iter().map(|(_, s)| s).chain(new_versions.iter()) {
            if let Some(&last) = spans.last() {
                let rec = StoredRecord::access("versions", records.get(last))?;
                current.push((rec.code.to_native(), last));
            }
        }
        current.sort_unstable_by_key(|(code, _)| *code);
        match spill.as_deref_mut() {
            None => {
                for code in removed_codes {
                    t.residents.remove(code)?;
                }
                for &(code, s) in &current {
                    t.residents.insert(code, records.get(s))?;
                }
            }
            Some(spill) => {
                // One entry a code: a code given up and taken again within the pass keeps
                // its record.
                let mut gone = removed_codes;
                gone.sort_unstable();
                gone.dedup();
                gone.retain(|c| current.binary_search_by_key(c, |(k, _)| *k).is_err());
                let mut entries: Vec<(u64, Option<&[u8]>)> = current
                    .iter()
                    .map(|&(code, s)| (code, Some(records.get(s))))
                    .chain(gone.into_iter().map(|c| (c, None)))
                    .collect();
                entries.sort_unstable_by_key(|(code, _)| *code);
                spill.residents_run(entries.into_iter())?;
            }
        }
        drop(current);
        drop(records);

        let mut codes: Vec<(u64, (u64, bool))> = codes.into_iter().collect();
        codes.sort_unstable_by_key(|(k, _)| *k);
        for (k, v) in codes {
            t.codes.insert(k, v)?;
        }
        let mut numbers: Vec<(u64, (u64, bool))> = my_numbers.into_iter().collect();
        numbers.sort_unstable_by_key(|(k, _)| *k);
        for (k, v) in numbers {
            t.my_numbers.insert(k, v)?;
        }
        let mut members: Vec<(u64, u64, u32)> = households
            .into_iter()
            .flat_map(|(h, list)| list.into_iter().map(move |(id, v)| (h, id, v)))
            .collect();
        members.sort_unstable();
        for k in members {
            t.households.insert(k, ())?;
        }
        for (seq, id, v) in changes {
            t.changes.insert(seq, (id, v))?;
        }
        search.sort_unstable_by(|a, b| keys.get(*a).cmp(keys.get(*b)));
        match spill {
            None => {
                for s in search {
                    t.search.insert(keys.get(s), ())?;
                }
            }
            Some(spill) => spill.search_run(search.iter().map(|s| keys.get(*s)))?,
        }
        t.meta.insert(META_NEXT_ID, next_id)?;
        t.meta.insert(META_NEXT_SEQ, next_seq)?;
        Ok(())
    }
}

impl Ledger for Staging<'_, '_> {
    fn id_of_code(&self, code: u64) -> Result<Option<(u64, bool)>> {
        match self.w.codes.get(&code) {
            Some(&v) => Ok(Some(v)),
            None if self.base_empty || !self.known.may_hold(&self.known.codes, code) => Ok(None),
            None => View::id_of_code(self.base, code),
        }
    }

    fn id_of_my_number(&self, n: u64) -> Result<Option<(u64, bool)>> {
        match self.w.my_numbers.get(&n) {
            Some(&v) => Ok(Some(v)),
            None if self.base_empty || !self.known.may_hold(&self.known.my_numbers, n) => Ok(None),
            None => View::id_of_my_number(self.base, n),
        }
    }

    fn latest(&self, id: u64) -> Result<Option<StoredRecord>> {
        match self.staged_versions(id).and_then(|v| v.last()) {
            Some(&s) => self.decode(s).map(Some),
            None if self.base_empty || id >= self.w.first_new_id => Ok(None),
            None => View::latest(self.base, id),
        }
    }

    fn all_versions(&self, id: u64) -> Result<Vec<StoredRecord>> {
        let mut out = if self.base_empty || id >= self.w.first_new_id {
            Vec::new()
        } else {
            View::all_versions(self.base, id)?
        };
        if let Some(spans) = self.staged_versions(id) {
            for &s in spans {
                out.push(self.decode(s)?);
            }
        }
        Ok(out)
    }

    fn household_ids(&self, h: u64) -> Result<Vec<u64>> {
        let mut ids = if self.base_empty || !self.known.may_hold(&self.known.households, h) {
            Vec::new()
        } else {
            household_ids_in(&self.base.households, h)?
        };
        if let Some(list) = self.w.households.get(&h) {
            ids.extend(list.iter().map(|(id, _)| *id));
            ids.sort_unstable();
            ids.dedup();
        }
        Ok(ids)
    }

    fn next_id(&self) -> Result<u64> {
        Ok(self.w.next_id)
    }

    fn next_seq(&self) -> Result<u64> {
        Ok(self.w.next_seq)
    }

    fn set_next_id(&mut self, v: u64) -> Result<()> {
        self.w.next_id = v;
        Ok(())
    }

    fn set_next_seq(&mut self, v: u64) -> Result<()> {
        self.w.next_seq = v;
        Ok(())
    }

    fn put_version(&mut self, rec: &StoredRecord, bytes: &[u8]) -> Result<()> {
        let span = self.w.records.push(bytes);
        let list = if rec.id >= self.w.first_new_id {
            let k = (rec.id - self.w.first_new_id) as usize;
            if self.w.new_versions.len() <= k {
                self.w.new_versions.resize_with(k + 1, Vec::new);
            }
            &mut self.w.new_versions[k]
        } else {
            self.w.old_versions.entry(rec.id).or_default()
        };
        // Versions come in order; the flush numbers them from the first one.
        let expected = list.len() as u32 + 1;
        if rec.id >= self.w.first_new_id && rec.version != expected {
            return Err(StoreError::Storage(format!(
                "staging: version {} of resident {} out of order",
                rec.version, rec.id
            )));
        }
        list.push(span);
        self.w.versions_staged += 1;
        Ok(())
    }

    fn remove_resident(&mut self, code: u64) -> Result<()> {
        self.w.removed_codes.push(code);
        Ok(())
    }

    fn put_code(&mut self, code: u64, id: u64, current: bool) -> Result<()> {
        self.w.codes.insert(code, (id, current));
        self.known.codes.insert(code);
        Ok(())
    }

    fn put_my_number(&mut self, n: u64, id: u64, current: bool) -> Result<()> {
        self.w.my_numbers.insert(n, (id, current));
        self.known.my_numbers.insert(n);
        Ok(())
    }

    fn put_search(&mut self, key: &[u8]) -> Result<()> {
        let span = self.w.keys.push(key);
        self.w.search.push(span);
        Ok(())
    }

    fn put_household(&mut self, h: u64, id: u64, version: u32) -> Result<()> {
        self.w.households.entry(h).or_default().push((id, version));
        self.w.household_entries += 1;
        self.known.households.insert(h);
        Ok(())
    }

    fn put_change(&mut self, seq: u64, id: u64, version: u32) -> Result<()> {
        self.w.changes.push((seq, id, version));
        Ok(())
    }
}
