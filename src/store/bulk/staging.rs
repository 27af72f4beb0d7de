//! [`Staging`]: a bulk load's 異動 applied in memory, then written to the tables in key order.
//!
//! A load of a million residents and their history is millions of B-tree inserts; made one
//! 異動 at a time they land all over the trees. Staging runs the engine's own write path
//! (`write::apply`, through the [`Ledger`] trait) against an in-memory overlay of the
//! tables: what the load writes is kept here, what it reads comes from here first and from
//! the transaction's tables second. [`Writes::flush`] then sorts each table's entries and
//! inserts them in key order, which keeps every insert on the right edge of its tree; the
//! entries that fall after a table's last key (all of them, in a load into an empty
//! register) go through one cursor at the end of the table (see `engine::sorted`).
//!
//! The overlay holds versions encoded, in an arena of fixed-size chunks, and the lists of
//! versions and household members as chains through shared vectors: a staged change
//! allocates nothing of its own, and a load in several passes reuses the same memory for
//! every pass (see [`Writes::reset`]).

use super::flusher::Flusher;
use super::recent::Recent;
use super::spill::{RecordRuns, SearchRuns, Spill};
use crate::store::engine::blocks::Inserter;
use crate::store::engine::household::Member;
use crate::store::engine::ledger::{household_ids_in, Ledger};
use crate::store::engine::record::StoredRecord;
use crate::store::engine::schema::{META_NEXT_ID, META_NEXT_SEQ};
use crate::store::engine::sorted::write_sorted;
use crate::store::engine::tables::{PassTables, View, WriteTables};
use crate::store::error::{Result, StoreError};
use foldhash::{HashMap, HashMapExt};
use redb::{ReadableTableMetadata, Table};
use std::cell::RefCell;
use std::path::Path;

/// Where a byte string sits in an [`Arena`].
#[derive(Debug, Clone, Copy)]
struct Span {
    chunk: u32,
    start: u32,
    len: u32,
}

/// A version the overlay holds: its bytes, its number and the code it was recorded under,
/// kept beside the bytes so a flush orders versions and current records without reading
/// them back.
#[derive(Debug, Clone, Copy)]
struct Staged {
    span: Span,
    version: u32,
    code: u64,
}

/// The size of an arena chunk: large enough that a chunk holds thousands of records, small
/// enough that the last chunk's unused tail does not matter.
const CHUNK: usize = 4 << 20;

/// Byte storage in fixed-size chunks that hands out [`Span`]s. Growing never moves what is
/// stored; [`Arena::clear`] keeps the chunks for the next pass.
#[derive(Debug, Default)]
struct Arena {
    chunks: Vec<Vec<u8>>,
    /// The chunk being filled.
    current: usize,
    /// Bytes stored since the last clear.
    used: usize,
}

impl Arena {
    fn push(&mut self, data: &[u8]) -> Span {
        let fits = |c: &Vec<u8>| c.capacity() - c.len() >= data.len();
        if self.chunks.is_empty() {
            self.chunks.push(Vec::with_capacity(CHUNK.max(data.len())));
        }
        while !fits(&self.chunks[self.current]) {
            self.current += 1;
            if self.current == self.chunks.len() {
                self.chunks.push(Vec::with_capacity(CHUNK.max(data.len())));
            }
        }
        let chunk = &mut self.chunks[self.current];
        let start = chunk.len();
        chunk.extend_from_slice(data);
        self.used += data.len();
        Span {
            chunk: self.current as u32,
            start: start as u32,
            len: data.len() as u32,
        }
    }

    fn get(&self, s: Span) -> &[u8] {
        &self.chunks[s.chunk as usize][s.start as usize..(s.start + s.len) as usize]
    }

    fn clear(&mut self) {
        for c in &mut self.chunks {
            c.clear();
        }
        self.current = 0;
        self.used = 0;
    }
}

/// No node: the end of a chain, or an empty list.
const NONE: u32 = u32::MAX;

/// Many short lists kept as chains through one vector of nodes: a list is its first and
/// last node, each node the index of the next. Pushing allocates nothing once the vector
/// has grown.
#[derive(Debug)]
struct Chains<T> {
    nodes: Vec<(T, u32)>,
}

/// A list in [`Chains`]: its first and last node and its length.
#[derive(Debug, Clone, Copy)]
struct Chain {
    first: u32,
    last: u32,
    len: u32,
}

impl Chain {
    const EMPTY: Chain = Chain {
        first: NONE,
        last: NONE,
        len: 0,
    };
}

impl<T: Copy> Chains<T> {
    fn new() -> Chains<T> {
        Chains { nodes: Vec::new() }
    }

    fn push(&mut self, chain: &mut Chain, item: T) {
        let at = self.nodes.len() as u32;
        self.nodes.push((item, NONE));
        if chain.last == NONE {
            chain.first = at;
        } else {
            self.nodes[chain.last as usize].1 = at;
        }
        chain.last = at;
        chain.len += 1;
    }

    fn last(&self, chain: Chain) -> Option<T> {
        (chain.last != NONE).then(|| self.nodes[chain.last as usize].0)
    }

    fn iter(&self, chain: Chain) -> impl Iterator<Item = T> + '_ {
        let mut at = chain.first;
        std::iter::from_fn(move || {
            (at != NONE).then(|| {
                let (item, next) = self.nodes[at as usize];
                at = next;
                item
            })
        })
    }

    fn len(&self) -> usize {
        self.nodes.len()
    }

    fn clear(&mut self) {
        self.nodes.clear();
    }
}

/// A load's writes, kept in memory over a write transaction's tables.
pub(crate) struct Staging<'a, 't> {
    base: &'a Flusher<'a, 't>,
    /// No resident is in the tables yet: no read needs to reach them.
    base_empty: bool,
    /// What the whole load has written, across overlays.
    known: &'a mut Known,
    w: Writes,
    /// A record read back from [`Known::recent`].
    buf: RefCell<Vec<u8>>,
}

/// What a load has written so far, kept across its passes, so that the load reads the
/// tables only for what was there before it began: the codes and My Numbers it wrote with
/// their residents, the residents it entered in each household, and (in [`Recent`], a
/// temporary file) each resident's latest version. About 100 bytes of memory a resident.
pub(crate) struct Known {
    /// The tables held residents before the load began.
    base_had_residents: bool,
    /// A pass of the load has been handed to the tables.
    flushed: bool,
    codes: HashMap<u64, (u64, bool)>,
    my_numbers: HashMap<u64, (u64, bool)>,
    households: HashMap<u64, Vec<u64>>,
    /// Without it (a load of an encrypted database) latest versions are read from the
    /// tables.
    recent: Option<Recent>,
}

impl Known {
    /// For a load over `base`, before anything of the load is written to it, whose first
    /// new resident gets `first_id`; with `dir`, the latest versions the load writes are
    /// kept in a temporary file there.
    pub(crate) fn before(
        base: &WriteTables<'_>,
        first_id: u64,
        dir: Option<&Path>,
    ) -> Result<Known> {
        Ok(Known {
            base_had_residents: !base.versions.is_empty()?,
            flushed: false,
            codes: HashMap::new(),
            my_numbers: HashMap::new(),
            households: HashMap::new(),
            recent: dir.map(|d| Recent::new(d, first_id)).transpose()?,
        })
    }

    /// Notes that a pass is on its way to the tables.
    pub(crate) fn flushing(&mut self) {
        self.flushed = true;
    }

    /// Notes that everything the load has written so far is in the tables.
    pub(crate) fn merged(&mut self) {
        self.flushed = true;
        if let Some(recent) = &mut self.recent {
            recent.merged();
        }
    }
}

/// What a [`Staging`] holds, apart from the tables it reads through to. One `Writes`
/// serves every pass of a load: [`Writes::reset`] empties it and keeps its memory.
pub(crate) struct Writes {
    /// Ids from here on were handed out by this overlay.
    first_new_id: u64,
    next_id: u64,
    next_seq: u64,
    records: Arena,
    versions: Chains<Staged>,
    /// The versions this overlay wrote for residents it created, by `id - first_new_id`.
    new_versions: Vec<Chain>,
    /// The versions this overlay wrote for residents that were in the tables before it.
    old_versions: HashMap<u64, Chain>,
    codes: HashMap<u64, (u64, bool)>,
    my_numbers: HashMap<u64, (u64, bool)>,
    removed_codes: Vec<u64>,
    members: Chains<(u64, u32)>,
    households: HashMap<u64, Chain>,
    /// The `heads` entries of the pass: set, or dropped (`None`).
    heads: HashMap<u64, Option<(u64, String)>>,
    pub(crate) search: SearchStage,
    changes: Vec<(u64, u64, u32)>,
}

/// The 4情報 keys of a pass, written to `search` (or to a run) apart from the rest of the
/// pass, possibly on another thread.
#[derive(Default)]
pub(crate) struct SearchStage {
    keys: Arena,
    /// Each key's first 16 bytes as two big-endian integers, then where the key is: sorting
    /// by the integers first settles most comparisons without touching the arena.
    search: Vec<(u64, u64, Span)>,
}

/// The first 16 bytes of `key` as two big-endian integers, zero-padded: ordering by them
/// agrees with ordering the keys, and equal pairs leave the rest of the keys to compare.
fn head(key: &[u8]) -> (u64, u64) {
    let mut b = [0u8; 16];
    let n = key.len().min(16);
    b[..n].copy_from_slice(&key[..n]);
    (
        u64::from_be_bytes(b[..8].try_into().expect("8 bytes")),
        u64::from_be_bytes(b[8..].try_into().expect("8 bytes")),
    )
}

impl SearchStage {
    fn push(&mut self, key: &[u8]) {
        let span = self.keys.push(key);
        let (a, b) = head(key);
        self.search.push((a, b, span));
    }

    fn clear(&mut self) {
        self.keys.clear();
        self.search.clear();
    }

    fn approx_bytes(&self) -> usize {
        self.keys.used + self.search.len() * std::mem::size_of::<(u64, u64, Span)>()
    }

    /// Writes the keys in key order into `search`, or with `runs` as one run there.
    pub(crate) fn flush(
        &mut self,
        search: &mut Table<'_, &'static [u8], &'static [u8]>,
        runs: Option<&mut SearchRuns>,
    ) -> Result<()> {
        let keys = &self.keys;
        self.search.sort_unstable_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| keys.get(a.2).cmp(keys.get(b.2)))
        });
        match runs {
            None => {
                let mut ins = Inserter::new(search)?;
                for &(_, _, s) in &self.search {
                    ins.push(keys.get(s))?;
                }
                ins.finish()?;
            }
            Some(runs) => runs.run(self.search.iter().map(|s| keys.get(s.2)))?,
        }
        Ok(())
    }
}

impl Writes {
    pub(crate) fn new() -> Writes {
        Writes {
            first_new_id: 1,
            next_id: 1,
            next_seq: 1,
            records: Arena::default(),
            versions: Chains::new(),
            new_versions: Vec::new(),
            old_versions: HashMap::new(),
            codes: HashMap::new(),
            my_numbers: HashMap::new(),
            removed_codes: Vec::new(),
            members: Chains::new(),
            households: HashMap::new(),
            heads: HashMap::new(),
            search: SearchStage::default(),
            changes: Vec::new(),
        }
    }

    /// Empties `self` for an overlay that hands out ids from `next_id` and 更新順番号 from
    /// `next_seq`, keeping the memory it has grown.
    pub(crate) fn reset(&mut self, next_id: u64, next_seq: u64) {
        self.first_new_id = next_id;
        self.next_id = next_id;
        self.next_seq = next_seq;
        self.records.clear();
        self.versions.clear();
        self.new_versions.clear();
        self.old_versions.clear();
        self.codes.clear();
        self.my_numbers.clear();
        self.removed_codes.clear();
        self.members.clear();
        self.households.clear();
        self.heads.clear();
        self.search.clear();
        self.changes.clear();
    }

    /// The next id and 更新順番号 after what `self` holds.
    pub(crate) fn counters(&self) -> (u64, u64) {
        (self.next_id, self.next_seq)
    }

    /// The counters of the tables a load begins over.
    pub(crate) fn counters_of(base: &WriteTables<'_>) -> Result<(u64, u64)> {
        Ok((
            base.meta_value(META_NEXT_ID)?.unwrap_or(1),
            base.meta_value(META_NEXT_SEQ)?.unwrap_or(1),
        ))
    }
}

impl<'a, 't> Staging<'a, 't> {
    /// An overlay over the tables `base` writes, for a load that has written what `known`
    /// says, staging into `w` (reset by the caller).
    pub(crate) fn new(
        base: &'a Flusher<'a, 't>,
        known: &'a mut Known,
        w: Writes,
    ) -> Staging<'a, 't> {
        Staging {
            base,
            base_empty: !known.base_had_residents && !known.flushed,
            known,
            w,
            buf: RefCell::new(Vec::new()),
        }
    }

    /// What the overlay staged, to be written to the tables, and what the load knows.
    pub(crate) fn finish(self) -> (Writes, &'a mut Known) {
        (self.w, self.known)
    }

    /// About how many bytes of memory the overlay holds (what a load compares with its
    /// budget to decide when to flush).
    pub(crate) fn approx_bytes(&self) -> usize {
        let w = &self.w;
        // A hash map entry with its control byte and the map's spare capacity, roughly.
        const MAP_ENTRY: usize = 48;
        // Lengths, not capacities: the untouched tail of a grown vector is address space,
        // not memory.
        w.records.used
            + w.search.approx_bytes()
            + w.versions.len() * std::mem::size_of::<(Staged, u32)>()
            + w.new_versions.len() * std::mem::size_of::<Chain>()
            + (w.old_versions.len()
                + w.codes.len()
                + w.my_numbers.len()
                + w.households.len()
                + w.heads.len())
                * MAP_ENTRY
            + w.members.len() * std::mem::size_of::<((u64, u32), u32)>()
            + w.changes.len() * std::mem::size_of::<(u64, u64, u32)>()
    }

    fn staged_versions(&self, id: u64) -> Chain {
        let w = &self.w;
        let chain = if id >= w.first_new_id {
            w.new_versions.get((id - w.first_new_id) as usize)
        } else {
            w.old_versions.get(&id)
        };
        chain.copied().unwrap_or(Chain::EMPTY)
    }

    fn decode(&self, s: Span) -> Result<StoredRecord> {
        StoredRecord::decode("versions", self.w.records.get(s))
    }

    /// Runs `f` over the bytes of resident `id`'s latest version when the load holds them
    /// (in this pass, or in its record file), or says where else to look.
    fn with_latest<R>(&self, id: u64, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<Held<R>> {
        if let Some(v) = self.w.versions.last(self.staged_versions(id)) {
            return f(self.w.records.get(v.span)).map(Held::Here);
        }
        if self.base_empty || id >= self.w.first_new_id {
            return Ok(Held::Nowhere);
        }
        if let Some(recent) = &self.known.recent {
            let mut buf = self.buf.borrow_mut();
            if recent.get(id, &mut buf)? {
                return f(&buf).map(Held::Here);
            }
            if !self.known.base_had_residents {
                return Ok(Held::Nowhere);
            }
        }
        Ok(Held::InTables)
    }
}

/// Where a resident's latest version is, as far as the staging knows.
enum Held<R> {
    /// The load holds it; what was read from it.
    Here(R),
    /// The resident has no version.
    Nowhere,
    /// Only the tables can say.
    InTables,
}

impl Writes {
    /// Writes everything staged into `t` (the tables `self` was made over), each table's
    /// entries in key order.
    /// With `spill`, the `residents` and `search` entries go to sorted runs there instead
    /// (see `spill`), to be merged into the tables at the end of the load.
    pub(crate) fn flush(
        &mut self,
        t: &mut WriteTables<'_>,
        spill: Option<&mut Spill>,
    ) -> Result<()> {
        let (search, mut rest) = t.split();
        match spill {
            None => {
                self.flush_rest(&mut rest, None)?;
                self.search.flush(search, None)
            }
            Some(spill) => {
                self.flush_rest(&mut rest, Some(&mut spill.records))?;
                self.search.flush(search, Some(&mut spill.search))
            }
        }
    }

    /// Writes everything staged but the 4情報 keys into `t`; with `runs`, the versions and
    /// the current records go to runs there.
    pub(crate) fn flush_rest(
        &mut self,
        t: &mut PassTables<'_, '_>,
        mut runs: Option<&mut RecordRuns>,
    ) -> Result<()> {
        // Residents that were in the tables before this overlay, in id order; ids this
        // overlay made come after them.
        let mut old: Vec<(u64, Chain)> = self.old_versions.iter().map(|(&k, &c)| (k, c)).collect();
        old.sort_unstable_by_key(|(id, _)| *id);
        self.flush_versions(&old, t, runs.as_deref_mut())?;
        self.flush_current(&old, t, runs)?;
        drop(old);
        self.flush_indexes(t)
    }

    /// The versions, in (id, version) order: `old` residents first (among the versions in
    /// the table), then the new ones (after every version in the table: their ids were
    /// handed out after every id in it).
    fn flush_versions(
        &self,
        old: &[(u64, Chain)],
        t: &mut PassTables<'_, '_>,
        runs: Option<&mut RecordRuns>,
    ) -> Result<()> {
        let (records, versions) = (&self.records, &self.versions);
        let mut staged: Vec<((u64, u32), Span)> = Vec::with_capacity(versions.len());
        for &(id, chain) in old {
            staged.extend(versions.iter(chain).map(|v| ((id, v.version), v.span)));
        }
        for (k, &chain) in self.new_versions.iter().enumerate() {
            let id = self.first_new_id + k as u64;
            staged.extend(versions.iter(chain).map(|v| ((id, v.version), v.span)));
        }
        match runs {
            None => write_sorted(
                t.versions,
                staged.iter().map(|&(key, s)| (key, records.get(s))),
            ),
            Some(runs) => runs
                .versions
                .run(staged.iter().map(|&(key, s)| (key, records.get(s)))),
        }
    }

    /// The current records by code: the codes given up are removed first, then each
    /// resident's latest version is written under its code.
    fn flush_current(
        &mut self,
        old: &[(u64, Chain)],
        t: &mut PassTables<'_, '_>,
        runs: Option<&mut RecordRuns>,
    ) -> Result<()> {
        let (records, versions) = (&self.records, &self.versions);
        let mut current: Vec<(u64, Span)> = Vec::with_capacity(self.new_versions.len() + old.len());
        for &chain in old.iter().map(|(_, c)| c).chain(self.new_versions.iter()) {
            if let Some(last) = versions.last(chain) {
                current.push((last.code, last.span));
            }
        }
        current.sort_unstable_by_key(|(code, _)| *code);
        let Some(runs) = runs.map(|r| &mut r.residents) else {
            for &code in &self.removed_codes {
                t.residents.remove(code)?;
            }
            let entries = current.iter().map(|&(code, s)| (code, records.get(s)));
            return write_sorted(t.residents, entries);
        };
        // One entry a code: a code given up and taken again within the pass keeps its
        // record.
        let mut gone = std::mem::take(&mut self.removed_codes);
        gone.sort_unstable();
        gone.dedup();
        gone.retain(|c| current.binary_search_by_key(c, |(k, _)| *k).is_err());
        let mut entries: Vec<(u64, Option<&[u8]>)> = current
            .iter()
            .map(|&(code, s)| (code, Some(records.get(s))))
            .chain(gone.into_iter().map(|c| (c, None)))
            .collect();
        entries.sort_unstable_by_key(|(code, _)| *code);
        runs.run(entries.into_iter())
    }

    /// The identity indexes, the household entries, the change feed and the counters, each
    /// in key order (each key once, as the cursor of `write_sorted` needs).
    fn flush_indexes(&mut self, t: &mut PassTables<'_, '_>) -> Result<()> {
        write_sorted(t.codes, sorted(self.codes.drain()))?;
        write_sorted(t.my_numbers, sorted(self.my_numbers.drain()))?;
        let mut members: Vec<(u64, u64, u32)> = Vec::with_capacity(self.members.len());
        for (&h, &chain) in &self.households {
            members.extend(self.members.iter(chain).map(|(id, v)| (h, id, v)));
        }
        members.sort_unstable();
        members.dedup();
        write_sorted(t.households, members.into_iter().map(|k| (k, ())))?;
        let mut heads: Vec<_> = self.heads.drain().collect();
        heads.sort_unstable_by_key(|(h, _)| *h);
        for (h, head) in heads {
            match head {
                Some((id, name)) => t.heads.insert(h, (id, name.as_str()))?,
                None => t.heads.remove(h)?,
            };
        }
        // 更新順番号 are handed out in order, each once, after every one in the table: the
        // feed always appends.
        self.changes.sort_unstable_by_key(|&(seq, _, _)| seq);
        let changes = self.changes.iter().map(|&(seq, id, v)| (seq, (id, v)));
        write_sorted(t.changes, changes)?;
        t.meta.insert(META_NEXT_ID, self.next_id)?;
        t.meta.insert(META_NEXT_SEQ, self.next_seq)?;
        Ok(())
    }
}

/// A map's entries in key order.
fn sorted(entries: impl Iterator<Item = (u64, (u64, bool))>) -> Vec<(u64, (u64, bool))> {
    let mut v: Vec<_> = entries.collect();
    v.sort_unstable_by_key(|(k, _)| *k);
    v
}

impl Ledger for Staging<'_, '_> {
    fn id_of_code(&self, code: u64) -> Result<Option<(u64, bool)>> {
        // What the load wrote is in `known`; the tables add only what was there before.
        match self.known.codes.get(&code) {
            Some(&v) => Ok(Some(v)),
            None if !self.known.base_had_residents => Ok(None),
            None => self.base.read(|t| View::id_of_code(t, code)),
        }
    }

    fn id_of_my_number(&self, n: u64) -> Result<Option<(u64, bool)>> {
        match self.known.my_numbers.get(&n) {
            Some(&v) => Ok(Some(v)),
            None if !self.known.base_had_residents => Ok(None),
            None => self.base.read(|t| View::id_of_my_number(t, n)),
        }
    }

    fn latest(&self, id: u64) -> Result<Option<StoredRecord>> {
        match self.with_latest(id, |b| StoredRecord::decode("versions", b))? {
            Held::Here(rec) => Ok(Some(rec)),
            Held::Nowhere => Ok(None),
            Held::InTables => self.base.read(|t| View::latest(t, id)),
        }
    }

    fn member(&self, id: u64) -> Result<Option<Member>> {
        let of = |b: &[u8]| StoredRecord::access("versions", b).map(Member::of_archived);
        match self.with_latest(id, of)? {
            Held::Here(m) => Ok(Some(m)),
            Held::Nowhere => Ok(None),
            Held::InTables => Ok(self
                .base
                .read(|t| View::latest(t, id))?
                .as_ref()
                .map(Member::of)),
        }
    }

    fn all_versions(&self, id: u64) -> Result<Vec<StoredRecord>> {
        let mut out = if self.base_empty || id >= self.w.first_new_id {
            Vec::new()
        } else {
            self.base.read(|t| View::all_versions(t, id))?
        };
        match &self.known.recent {
            // Versions of the load not yet in the tables (they wait in runs): in `recent`,
            // this pass's too.
            Some(recent) => {
                for bytes in recent.since_merge(id)? {
                    out.push(StoredRecord::decode("versions", &bytes)?);
                }
            }
            None => {
                for v in self.w.versions.iter(self.staged_versions(id)) {
                    out.push(self.decode(v.span)?);
                }
            }
        }
        Ok(out)
    }

    fn household_ids(&self, h: u64) -> Result<Vec<u64>> {
        let mut ids = if self.known.base_had_residents {
            self.base.read(|t| household_ids_in(&t.households, h))?
        } else {
            Vec::new()
        };
        if let Some(known) = self.known.households.get(&h) {
            ids.extend_from_slice(known);
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
        let w = &mut self.w;
        let span = w.records.push(bytes);
        let chain = if rec.id >= w.first_new_id {
            let k = (rec.id - w.first_new_id) as usize;
            if w.new_versions.len() <= k {
                w.new_versions.resize(k + 1, Chain::EMPTY);
            }
            // Versions come in order; the flush numbers them from the first one.
            let expected = w.new_versions[k].len + 1;
            if rec.version != expected {
                return Err(StoreError::Storage(format!(
                    "staging: version {} of resident {} out of order",
                    rec.version, rec.id
                )));
            }
            &mut w.new_versions[k]
        } else {
            w.old_versions.entry(rec.id).or_insert(Chain::EMPTY)
        };
        w.versions.push(
            chain,
            Staged {
                span,
                version: rec.version,
                code: rec.code,
            },
        );
        if let Some(recent) = &mut self.known.recent {
            recent.put(rec.id, bytes)?;
        }
        Ok(())
    }

    fn remove_resident(&mut self, code: u64) -> Result<()> {
        self.w.removed_codes.push(code);
        Ok(())
    }

    fn put_code(&mut self, code: u64, id: u64, current: bool) -> Result<()> {
        self.w.codes.insert(code, (id, current));
        self.known.codes.insert(code, (id, current));
        Ok(())
    }

    fn put_my_number(&mut self, n: u64, id: u64, current: bool) -> Result<()> {
        self.w.my_numbers.insert(n, (id, current));
        self.known.my_numbers.insert(n, (id, current));
        Ok(())
    }

    fn put_search(&mut self, key: &[u8]) -> Result<()> {
        self.w.search.push(key);
        Ok(())
    }

    fn put_household(&mut self, h: u64, id: u64, version: u32) -> Result<()> {
        let w = &mut self.w;
        let chain = w.households.entry(h).or_insert(Chain::EMPTY);
        w.members.push(chain, (id, version));
        self.known.households.entry(h).or_default().push(id);
        Ok(())
    }

    fn put_change(&mut self, seq: u64, id: u64, version: u32) -> Result<()> {
        self.w.changes.push((seq, id, version));
        Ok(())
    }

    fn put_head(&mut self, h: u64, id: u64, name: &str) -> Result<()> {
        self.w.heads.insert(h, Some((id, name.to_string())));
        Ok(())
    }

    fn drop_head(&mut self, h: u64) -> Result<()> {
        // The last word of the pass for `h` is the one flushed (passes flush in order).
        self.w.heads.insert(h, None);
        Ok(())
    }
}
