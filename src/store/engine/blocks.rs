//! The 4情報 index stored in blocks: its sorted keys (see `schema::SearchComponents`) packed
//! into redb entries of about [`BLOCK_BYTES`] each, keyed by the block's first key.
//!
//! Nine million index keys as nine million redb entries cost a B-tree insert each and a
//! page header per few dozen keys; as blocks they cost one insert per few dozen keys, and
//! a block stores each key after the prefix it shares with the key before it. A lookup
//! reads the one or two blocks whose keys can fall in its range.
//!
//! A block's value is a run of entries `[shared varint][suffix length varint][suffix]`
//! (the first with `shared` 0), then the CRC-32 of those bytes, little-endian. Keys are
//! unique and increase within a block and from one block to the next; a block is never
//! empty, and its redb key is its first key. Keys are only ever added: the index keeps
//! every version's keys for as long as the version exists.
//!
//! [`Inserter`] writes its blocks in increasing order of their first keys through a
//! [`Sorted`] writer: the blocks after the index's last one (all of them, into an empty
//! index) are appended through one cursor at the end of the table.

use super::digest::hex;
use super::sorted::Sorted;
use crate::store::error::{Result, StoreError};
use redb::{ReadableTable, Table};
use std::ops::Bound;

/// The bytes a block's value (its encoded keys and CRC) is filled to when keys arrive in
/// order: two such values with their first keys (up to about 140 bytes each) fit one 4 KiB
/// redb leaf page (a 4-byte header, 8 bytes of offsets an entry), so that a page holds two
/// blocks and wastes little. Filled by key bytes instead (2,048 of them, before prefix
/// compression), the values varied from 1 to 2 KiB and a fifth of the index's pages was
/// empty space.
pub(crate) const BLOCK_BYTES: usize = 1_880;
/// The encoded bytes past which a block is split.
const MAX_BLOCK_BYTES: usize = 2 * BLOCK_BYTES;

/// The bytes [`put_varint`] writes for `v`.
fn varint_len(v: usize) -> usize {
    let bits = usize::BITS - v.leading_zeros();
    (bits.max(1) as usize).div_ceil(7)
}

/// The bytes `key` takes in a block after `prev` (the empty key for a block's first).
fn encoded_len(prev: &[u8], key: &[u8]) -> usize {
    let shared = shared_prefix(prev, key);
    varint_len(shared) + varint_len(key.len() - shared) + key.len() - shared
}

fn corrupt(detail: String) -> StoreError {
    StoreError::Corrupt {
        table: "search",
        detail,
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: usize) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn shared_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Encodes `keys` (increasing) as a block value into `out`.
pub(crate) fn encode<'k>(keys: impl IntoIterator<Item = &'k [u8]>, out: &mut Vec<u8>) {
    out.clear();
    let mut prev: &[u8] = &[];
    for key in keys {
        let shared = shared_prefix(prev, key);
        put_varint(out, shared);
        put_varint(out, key.len() - shared);
        out.extend_from_slice(&key[shared..]);
        prev = key;
    }
    let crc = crc32fast::hash(out);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// The keys of one block, read in order with [`Keys::next`].
pub(crate) struct Keys<'b> {
    body: &'b [u8],
    pos: usize,
    key: Vec<u8>,
}

impl<'b> Keys<'b> {
    /// Checks a block's CRC and starts reading its keys.
    pub(crate) fn new(block: &'b [u8]) -> Result<Keys<'b>> {
        let Some(split) = block.len().checked_sub(4).filter(|&s| s > 0) else {
            return Err(corrupt(format!(
                "a block of {} bytes is too short",
                block.len()
            )));
        };
        let (body, crc) = block.split_at(split);
        let stored = u32::from_le_bytes(crc.try_into().expect("four bytes"));
        if crc32fast::hash(body) != stored {
            return Err(corrupt("a block fails its CRC-32".into()));
        }
        Ok(Keys {
            body,
            pos: 0,
            key: Vec::with_capacity(96),
        })
    }

    fn varint(&mut self) -> Result<usize> {
        let mut v = 0usize;
        for shift in (0..64).step_by(7) {
            let Some(&b) = self.body.get(self.pos) else {
                return Err(corrupt("a block ends inside a length".into()));
            };
            self.pos += 1;
            v |= ((b & 0x7F) as usize) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(corrupt("a block holds an overlong length".into()))
    }

    /// The next key, or `None` after the last.
    #[allow(clippy::should_implement_trait)]
    pub(crate) fn next(&mut self) -> Result<Option<&[u8]>> {
        if self.pos == self.body.len() {
            return Ok(None);
        }
        let shared = self.varint()?;
        let len = self.varint()?;
        let end = self.pos.checked_add(len).filter(|&e| e <= self.body.len());
        let Some(end) = end.filter(|_| shared <= self.key.len()) else {
            return Err(corrupt("a block entry runs past its block".into()));
        };
        self.key.truncate(shared);
        self.key.extend_from_slice(&self.body[self.pos..end]);
        self.pos = end;
        Ok(Some(&self.key))
    }
}

/// Calls `f` with every key in `lo..hi`, in order.
pub(crate) fn scan(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    lo: &[u8],
    hi: &[u8],
    mut f: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    // The blocks that start before `hi`, back to the last one that starts at or before `lo`.
    let mut blocks = Vec::new();
    for entry in table.range::<&[u8]>(..hi)?.rev() {
        let (first, block) = entry?;
        let covers_lo = first.value() <= lo;
        blocks.push(block);
        if covers_lo {
            break;
        }
    }
    for block in blocks.iter().rev() {
        let mut keys = Keys::new(block.value())?;
        while let Some(key) = keys.next()? {
            if key >= hi {
                return Ok(());
            }
            if key >= lo {
                f(key)?;
            }
        }
    }
    Ok(())
}

/// Calls `f` with the keys in `lo..hi`, in order, skipping ahead where `f` asks: when it
/// returns `Some(to)`, the keys before `to` are not given to it. A skip inside the block
/// being read reads on; a skip past the start of the next block goes straight to the block
/// that holds its target, so that the blocks in between are never decoded. This is the
/// scan of a range whose keys fall into groups (one name, then its addresses), of which
/// only a part of each is wanted. Like [`scan`], it takes one descent of the table: the
/// blocks of the range are found from its end back to the one that holds `lo`.
pub(crate) fn scan_skipping(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    lo: &[u8],
    hi: &[u8],
    mut f: impl FnMut(&[u8]) -> Result<Option<Vec<u8>>>,
) -> Result<()> {
    let mut blocks = Vec::new();
    for entry in table.range::<&[u8]>(..hi)?.rev() {
        let (first, block) = entry?;
        let covers_lo = first.value() <= lo;
        blocks.push((first, block));
        if covers_lo {
            break;
        }
    }
    blocks.reverse();
    let mut from = lo.to_vec();
    let mut i = 0;
    while i < blocks.len() {
        if walk(blocks[i].1.value(), &mut from, hi, &mut f)? {
            return Ok(());
        }
        i += 1;
        // A block ends where the next begins: those that end at or before `from` hold
        // nothing more to read.
        while blocks
            .get(i + 1)
            .is_some_and(|(next, _)| next.value() <= from.as_slice())
        {
            i += 1;
        }
    }
    Ok(())
}

/// Gives `f` the keys of one block from `from` on, moving `from` where `f` skips to;
/// whether the range ended (a key at or past `hi`, or a skip to it).
fn walk(
    block: &[u8],
    from: &mut Vec<u8>,
    hi: &[u8],
    f: &mut impl FnMut(&[u8]) -> Result<Option<Vec<u8>>>,
) -> Result<bool> {
    let mut keys = Keys::new(block)?;
    while let Some(key) = keys.next()? {
        if key >= hi {
            return Ok(true);
        }
        if key < from.as_slice() {
            continue;
        }
        if let Some(to) = f(key)? {
            if to.as_slice() >= hi {
                return Ok(true);
            }
            if to > *from {
                *from = to;
            }
        }
    }
    Ok(false)
}

/// Whether the index holds `key`.
pub(crate) fn contains(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    key: &[u8],
) -> Result<bool> {
    let Some(entry) = table.range::<&[u8]>(..=key)?.next_back() else {
        return Ok(false);
    };
    let (_, block) = entry?;
    let mut keys = Keys::new(block.value())?;
    while let Some(k) = keys.next()? {
        if k >= key {
            return Ok(k == key);
        }
    }
    Ok(false)
}

/// Calls `f` with every key of the index, in order, checking the blocks' shape on the way:
/// each block's first key is its redb key, and keys increase within and across blocks.
pub(crate) fn for_each(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    mut f: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let mut last: Vec<u8> = Vec::new();
    let mut any = false;
    for entry in table.iter()? {
        let (first, block) = entry?;
        let first = first.value();
        let mut keys =
            Keys::new(block.value()).map_err(|e| corrupt(format!("block {}: {e}", hex(first))))?;
        let mut at_first = true;
        while let Some(key) = keys.next()? {
            if at_first && key != first {
                return Err(corrupt(format!(
                    "block {} begins with another key",
                    hex(first)
                )));
            }
            if any && key <= last.as_slice() {
                return Err(corrupt(format!("block {}: keys out of order", hex(first))));
            }
            at_first = false;
            any = true;
            last.clear();
            last.extend_from_slice(key);
            f(key)?;
        }
        if at_first {
            return Err(corrupt(format!("block {} is empty", hex(first))));
        }
    }
    Ok(())
}

/// Adds one key (a no-op when it is there).
pub(crate) fn insert(
    table: &mut Table<'_, &'static [u8], &'static [u8]>,
    key: &[u8],
) -> Result<()> {
    let mut ins = Inserter::single(table);
    ins.push(key)?;
    ins.finish()
}

/// Removes one key: damage for the checks to find (the engine never removes a key).
#[cfg(test)]
pub(crate) fn remove(
    table: &mut Table<'_, &'static [u8], &'static [u8]>,
    key: &[u8],
) -> Result<()> {
    let (first, rest) = {
        let Some(entry) = table.range::<&[u8]>(..=key)?.next_back() else {
            return Ok(());
        };
        let (first, block) = entry?;
        let mut keys = Keys::new(block.value())?;
        let mut rest = Vec::new();
        while let Some(k) = keys.next()? {
            if k != key {
                rest.push(k.to_vec());
            }
        }
        (first.value().to_vec(), rest)
    };
    table.remove(first.as_slice())?;
    if let Some(new_first) = rest.first() {
        let mut block = Vec::new();
        encode(rest.iter().map(|k| k.as_slice()), &mut block);
        table.insert(new_first.as_slice(), block.as_slice())?;
    }
    Ok(())
}

/// Keys stored back to back, with where each ends and the bytes each takes in a block
/// that begins with the first of them.
#[derive(Debug, Default)]
pub(crate) struct Packed {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    /// What key `i` takes in a block after key `i - 1` (the first: on its own).
    encoded: Vec<usize>,
    /// The sum of `encoded`: a block of every key held takes this and its CRC.
    encoded_total: usize,
}

impl Packed {
    fn with_capacity(bytes: usize, keys: usize) -> Packed {
        Packed {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(keys),
            encoded: Vec::with_capacity(keys),
            encoded_total: 0,
        }
    }

    pub(crate) fn push(&mut self, key: &[u8]) {
        let prev = match self.len() {
            0 => &[][..],
            n => self.get(n - 1),
        };
        let size = encoded_len(prev, key);
        self.encoded.push(size);
        self.encoded_total += size;
        self.bytes.extend_from_slice(key);
        self.ends.push(self.bytes.len());
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.encoded.clear();
        self.encoded_total = 0;
    }

    /// Drops the first `n` keys; the new first key then begins a block.
    fn drain_front(&mut self, n: usize) {
        let used = self.ends[n - 1];
        self.bytes.drain(..used);
        self.ends.drain(..n);
        for e in &mut self.ends {
            *e -= used;
        }
        self.encoded_total -= self.encoded.drain(..n).sum::<usize>();
        if let Some(first) = self.encoded.first_mut() {
            let alone = encoded_len(&[], &self.bytes[..self.ends[0]]);
            self.encoded_total = self.encoded_total - *first + alone;
            *first = alone;
        }
    }

    /// How many keys from the front make a block of at most `limit` bytes with its CRC; at
    /// least one.
    fn block_of(&self, limit: usize) -> usize {
        let mut size = 4;
        let mut n = 0;
        while n < self.len() && size + self.encoded[n] <= limit {
            size += self.encoded[n];
            n += 1;
        }
        n.max(1)
    }
}

/// Adds keys given in increasing order (a key may repeat, or be in the index already), each
/// block they fall into read and rewritten once; into an empty index it writes full blocks.
///
/// Blocks are written in increasing order of their first keys, so they go through one
/// [`Sorted`] writer; the table is read (and a block taken out) only while a range ends
/// at a later block, so before any block after the index's last one is written.
pub(crate) struct Inserter<'a, 't> {
    sink: Sorted<'a, 't, &'static [u8], &'static [u8]>,
    /// Whether a block's range is open: the keys of the block being rewritten (if any)
    /// are in `old`, and `bound` is the first key of the block after it.
    open: bool,
    bound: Option<Vec<u8>>,
    old: Packed,
    /// The old keys before this one are written (to `out`).
    old_pos: usize,
    /// Keys waiting to be written.
    out: Packed,
    last: Vec<u8>,
    any: bool,
    block: Vec<u8>,
}

impl<'a, 't> Inserter<'a, 't> {
    /// For a run of keys into `table`: the blocks after its last one are appended.
    pub(crate) fn new(table: &'a mut Table<'t, &'static [u8], &'static [u8]>) -> Result<Self> {
        Ok(Inserter::with(Sorted::new(table)?))
    }

    /// For one key or a few: every block is written with `insert`.
    pub(crate) fn single(table: &'a mut Table<'t, &'static [u8], &'static [u8]>) -> Self {
        Inserter::with(Sorted::insert_only(table))
    }

    fn with(sink: Sorted<'a, 't, &'static [u8], &'static [u8]>) -> Self {
        Inserter {
            sink,
            open: false,
            bound: None,
            old: Packed::default(),
            old_pos: 0,
            out: Packed::with_capacity(2 * MAX_BLOCK_BYTES, 128),
            last: Vec::new(),
            any: false,
            block: Vec::with_capacity(MAX_BLOCK_BYTES),
        }
    }

    /// Adds `key`, which is not below any key pushed before.
    pub(crate) fn push(&mut self, key: &[u8]) -> Result<()> {
        debug_assert!(!self.any || key >= self.last.as_slice());
        if self.any && key == self.last.as_slice() {
            return Ok(());
        }
        if self.open && self.bound.as_deref().is_some_and(|b| key >= b) {
            self.close()?;
        }
        if !self.open {
            self.open_at(key)?;
        }
        // The old keys before `key` go first; an old key equal to it is written as `key`.
        while self.old_pos < self.old.len() {
            let old = self.old.get(self.old_pos);
            if old > key {
                break;
            }
            self.old_pos += 1;
            if old != key {
                self.out.push(old);
                self.spill()?;
            }
        }
        self.out.push(key);
        self.last.clear();
        self.last.extend_from_slice(key);
        self.any = true;
        self.spill()
    }

    /// Writes a full block from the front of `out` when it holds more than two blocks'
    /// worth (so that what stays behind is never less than a block).
    fn spill(&mut self) -> Result<()> {
        if self.out.encoded_total + 4 <= MAX_BLOCK_BYTES {
            return Ok(());
        }
        let n = self.out.block_of(BLOCK_BYTES);
        self.write(n)
    }

    /// Writes the first `n` waiting keys as one block.
    fn write(&mut self, n: usize) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        let out = &self.out;
        encode((0..n).map(|i| out.get(i)), &mut self.block);
        self.sink.insert(out.get(0), self.block.as_slice())?;
        self.out.drain_front(n);
        Ok(())
    }

    /// Opens the range `key` falls in: takes out the block that holds it (the last one
    /// that starts at or before it), and notes where the next block starts. Every block
    /// written so far starts before `key`'s block, so the table is still written with
    /// `insert` and can be read.
    fn open_at(&mut self, key: &[u8]) -> Result<()> {
        let table = self.sink.table()?;
        self.old.clear();
        self.old_pos = 0;
        let holder = match table.range::<&[u8]>(..=key)?.next_back() {
            Some(entry) => {
                let (first, block) = entry?;
                let mut keys = Keys::new(block.value())?;
                while let Some(k) = keys.next()? {
                    self.old.push(k);
                }
                Some(first.value().to_vec())
            }
            None => None,
        };
        if let Some(first) = holder {
            table.remove(first.as_slice())?;
        }
        self.bound = match table
            .range::<&[u8]>((Bound::Excluded(key), Bound::Unbounded))?
            .next()
        {
            Some(entry) => Some(entry?.0.value().to_vec()),
            None => None,
        };
        self.open = true;
        Ok(())
    }

    /// Writes the rest of the open range: the old keys after the last one pushed, and what
    /// waits, as one block.
    fn close(&mut self) -> Result<()> {
        while self.old_pos < self.old.len() {
            self.out.push(self.old.get(self.old_pos));
            self.old_pos += 1;
            self.spill()?;
        }
        let n = self.out.len();
        self.write(n)?;
        self.open = false;
        Ok(())
    }

    /// Writes what waits; every key pushed is then in the table, or the error says why not.
    pub(crate) fn finish(mut self) -> Result<()> {
        if self.open {
            self.close()?;
        }
        self.sink.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use redb::ReadableDatabase;
    use std::collections::BTreeSet;

    const T: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new("t");

    fn all(db: &redb::Database) -> Vec<Vec<u8>> {
        let txn = db.begin_read().unwrap();
        let table = txn.open_table(T).unwrap();
        let mut out = Vec::new();
        for_each(&table, |k| {
            out.push(k.to_vec());
            Ok(())
        })
        .unwrap();
        out
    }

    /// Writes `keys` (increasing) into the empty table through an [`Inserter`], in one
    /// commit.
    fn load<'k>(db: &redb::Database, keys: impl IntoIterator<Item = &'k Vec<u8>>) {
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(T).unwrap();
            let mut ins = Inserter::new(&mut t).unwrap();
            for k in keys {
                ins.push(k).unwrap();
            }
            ins.finish().unwrap();
        }
        txn.commit().unwrap();
    }

    fn key(n: u32, len: usize) -> Vec<u8> {
        let mut k = n.to_be_bytes().to_vec();
        k.resize(4 + len, b'x');
        k
    }

    #[test]
    fn a_block_round_trips() {
        let keys = [
            b"a".to_vec(),
            b"ab".to_vec(),
            b"abc".to_vec(),
            b"b".to_vec(),
        ];
        let mut out = Vec::new();
        encode(keys.iter().map(|k| k.as_slice()), &mut out);
        let mut r = Keys::new(&out).unwrap();
        let mut back = Vec::new();
        while let Some(k) = r.next().unwrap() {
            back.push(k.to_vec());
        }
        assert_eq!(back, keys);
        out[1] ^= 1;
        assert!(Keys::new(&out).is_err());
    }

    /// Keys that arrive in order fill blocks to [`BLOCK_BYTES`], so that two blocks share a
    /// 4 KiB leaf page of redb's.
    #[test]
    fn keys_in_order_fill_blocks_two_to_a_page() {
        use redb::ReadableTableMetadata;
        let dir = tempfile::tempdir().unwrap();
        let db = redb::Database::create(dir.path().join("t.redb")).unwrap();
        // Keys like the index's: a shared head, a varying tail, a 12-byte suffix.
        let keys: Vec<Vec<u8>> = (0..20_000u32)
            .map(|n| {
                let mut k = format!("\u{3}芦屋市{}町{}-{}", n / 500, n / 20, n % 20).into_bytes();
                k.push(0);
                k.extend_from_slice(&u64::from(n).to_be_bytes());
                k.extend_from_slice(&1u32.to_be_bytes());
                k
            })
            .collect();
        let mut keys = keys;
        keys.sort();
        load(&db, &keys);
        let txn = db.begin_read().unwrap();
        let t = txn.open_table(T).unwrap();
        let sizes: Vec<usize> = t
            .iter()
            .unwrap()
            .map(|e| e.unwrap().1.value().len())
            .collect();
        let (last, full) = sizes.split_last().unwrap();
        assert!(*last <= MAX_BLOCK_BYTES);
        for size in full {
            assert!(
                (BLOCK_BYTES - 64..=BLOCK_BYTES).contains(size),
                "a block of {size} bytes"
            );
        }
        let pages = t.stats().unwrap().leaf_pages() as usize;
        assert!(
            pages <= sizes.len().div_ceil(2) + 1,
            "{pages} pages for {} blocks",
            sizes.len()
        );
        assert_eq!(all(&db), keys);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Batches of keys added in order, and single keys, leave exactly the set of keys
        /// added, readable in order and by range, whatever the block boundaries.
        #[test]
        fn the_index_holds_what_was_added(
            batches in proptest::collection::vec(
                proptest::collection::vec((0u32..3000, 0usize..200), 0..400), 1..6),
            lo in 0u32..3000,
            width in 0u32..800,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let db = redb::Database::create(dir.path().join("t.redb")).unwrap();
            let mut model = BTreeSet::new();
            for (i, batch) in batches.iter().enumerate() {
                let mut keys: Vec<Vec<u8>> = batch.iter().map(|&(n, l)| key(n, l)).collect();
                keys.sort();
                let txn = db.begin_write().unwrap();
                {
                    let mut t = txn.open_table(T).unwrap();
                    if i % 2 == 0 {
                        let mut ins = Inserter::new(&mut t).unwrap();
                        for k in &keys {
                            ins.push(k).unwrap();
                        }
                        ins.finish().unwrap();
                    } else {
                        for k in keys.iter().rev() {
                            insert(&mut t, k).unwrap();
                        }
                    }
                }
                txn.commit().unwrap();
                model.extend(keys);
            }
            let want: Vec<Vec<u8>> = model.iter().cloned().collect();
            prop_assert_eq!(all(&db), want);
            let txn = db.begin_read().unwrap();
            let t = txn.open_table(T).unwrap();
            let (lo, hi) = (lo.to_be_bytes().to_vec(), (lo + width).to_be_bytes().to_vec());
            let mut got = Vec::new();
            scan(&t, &lo, &hi, |k| { got.push(k.to_vec()); Ok(()) }).unwrap();
            let want: Vec<Vec<u8>> = model.range(lo.clone()..hi.clone()).cloned().collect();
            prop_assert_eq!(got, want);
            for k in model.iter().take(50) {
                prop_assert!(contains(&t, k).unwrap());
                let mut other = k.clone();
                other.push(0);
                prop_assert_eq!(contains(&t, &other).unwrap(), model.contains(&other));
            }
            // Every block stays within one key of the split size.
            for entry in t.iter().unwrap() {
                let (_, v) = entry.unwrap();
                prop_assert!(v.value().len() <= MAX_BLOCK_BYTES + 256);
            }
        }

        /// A skipping scan gives exactly the keys a plain scan gives that are not before
        /// the furthest skip asked for so far, whatever the skips and the block boundaries.
        #[test]
        fn a_skipping_scan_skips_exactly_what_it_is_asked_to(
            ns in proptest::collection::vec((0u32..4000, 0usize..120), 0..1500),
            lo in 0u32..4000,
            width in 0u32..4000,
            skips in proptest::collection::vec(0u32..300, 1..40),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let db = redb::Database::create(dir.path().join("t.redb")).unwrap();
            let model: BTreeSet<Vec<u8>> = ns.iter().map(|&(n, l)| key(n, l)).collect();
            load(&db, model.iter());
            let txn = db.begin_read().unwrap();
            let t = txn.open_table(T).unwrap();
            let (lo, hi) = (lo.to_be_bytes().to_vec(), (lo + width).to_be_bytes().to_vec());
            // After the i-th key given, skip to the number of that key plus skips[i]
            // (0: no skip).
            let mut got = Vec::new();
            scan_skipping(&t, &lo, &hi, |k| {
                let i = got.len();
                got.push(k.to_vec());
                let n = u32::from_be_bytes(k[..4].try_into().unwrap());
                let by = skips[i % skips.len()];
                Ok((by > 0).then(|| (n + by).to_be_bytes().to_vec()))
            })
            .unwrap();
            let mut want = Vec::new();
            let mut from = lo.clone();
            for k in model.range(lo.clone()..hi.clone()) {
                if *k < from {
                    continue;
                }
                let i = want.len();
                want.push(k.clone());
                let n = u32::from_be_bytes(k[..4].try_into().unwrap());
                let by = skips[i % skips.len()];
                if by > 0 {
                    from = from.max((n + by).to_be_bytes().to_vec());
                }
            }
            prop_assert_eq!(got, want);
        }
    }
}
