//! The 4情報 index entries of birth dates known only in part (kinds 6–8), held in memory
//! for the life of one read snapshot.
//!
//! A search by a birth date scans two ranges: the days of the date in a birth kind (1, 2 or
//! 5), and the name or address in the partial-birth kind beside it (6, 7 or 8), where every
//! birth date known only to a month, a year or as 不詳 sits (`schema::IndexKind`). The
//! second range is almost always empty (a city records a few hundred such dates), yet
//! probing it costs a descent of redb's tree and the decoding of a block: about as much as
//! the first. So a read snapshot copies a partial-birth kind into memory the first time a
//! search asks for it, and answers that range from the copy for as long as the snapshot
//! serves reads (`snapshot::SnapshotCache`: until a 異動 commits, or [`MAX_AGE`]).
//!
//! Invariants:
//! - A copy holds exactly the keys of its kind in the snapshot it was read from (the
//!   snapshot never changes), in order, so a range of the copy is the range of the index.
//! - A kind with more than [`MAX_KEYS`] keys is not copied: the search probes the index as
//!   before, so memory stays bounded whatever a register holds.
//! - Only read snapshots hold copies; a search inside a write transaction probes the index.
//!
//! [`MAX_AGE`]: super::snapshot::MAX_AGE

use super::blocks::{self, Packed};
use super::schema::IndexKind;
use crate::store::error::Result;
use redb::ReadableTable;
use std::sync::OnceLock;

/// The most keys of one kind a snapshot copies (about 64 bytes each).
pub(crate) const MAX_KEYS: usize = 1 << 16;

/// The keys of one partial-birth kind, in index order.
pub(crate) type KeyRun = Packed;

/// Calls `f` with every key of `run` in `lo..hi`, in order.
pub(crate) fn scan(
    run: &KeyRun,
    lo: &[u8],
    hi: &[u8],
    mut f: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let first = partition_point(run.len(), |i| run.get(i) < lo);
    for i in first..run.len() {
        let key = run.get(i);
        if key >= hi {
            break;
        }
        f(key)?;
    }
    Ok(())
}

/// The first index in `0..n` for which `before` is false (`before` true, then false).
fn partition_point(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The copies of one snapshot, each read at its first use.
#[derive(Debug, Default)]
pub(crate) struct PartialBirths {
    kinds: [OnceLock<Option<KeyRun>>; 3],
}

impl PartialBirths {
    /// The copy of a partial-birth kind of this snapshot's `search` table, read now if it
    /// has not been; `None` for another kind or one over [`MAX_KEYS`].
    pub(crate) fn keys(
        &self,
        search: &impl ReadableTable<&'static [u8], &'static [u8]>,
        kind: IndexKind,
    ) -> Result<Option<&KeyRun>> {
        let slot = match kind {
            IndexKind::PartialBirthKanji => &self.kinds[0],
            IndexKind::PartialBirthKana => &self.kinds[1],
            IndexKind::PartialBirthAddress => &self.kinds[2],
            _ => return Ok(None),
        };
        if let Some(run) = slot.get() {
            return Ok(run.as_ref());
        }
        // Two readers may both read it; the snapshot is the same, so either copy will do.
        let run = read_kind(search, kind, MAX_KEYS)?;
        Ok(slot.get_or_init(|| run).as_ref())
    }
}

/// Every key of `kind`, or `None` when there are more than `max`.
fn read_kind(
    search: &impl ReadableTable<&'static [u8], &'static [u8]>,
    kind: IndexKind,
    max: usize,
) -> Result<Option<KeyRun>> {
    let (lo, hi) = ([kind as u8], [kind as u8 + 1]);
    let mut run = KeyRun::default();
    let mut over = false;
    blocks::scan(search, &lo, &hi, |key| {
        if run.len() == max {
            over = true;
        } else if !over {
            run.push(key);
        }
        Ok(())
    })?;
    Ok((!over).then_some(run))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(keys: &[&[u8]]) -> KeyRun {
        let mut r = KeyRun::default();
        for k in keys {
            r.push(k);
        }
        r
    }

    fn scanned(r: &KeyRun, lo: &[u8], hi: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        scan(r, lo, hi, |k| {
            out.push(k.to_vec());
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn a_range_of_the_copy_is_the_keys_in_it() {
        let r = run(&[b"a", b"ab", b"b", b"ba", b"c"]);
        assert_eq!(
            scanned(&r, b"ab", b"c"),
            vec![b"ab".to_vec(), b"b".to_vec(), b"ba".to_vec()]
        );
        assert_eq!(
            scanned(&r, b"a", b"a\xff"),
            vec![b"a".to_vec(), b"ab".to_vec()]
        );
        assert_eq!(scanned(&r, b"", b"a"), Vec::<Vec<u8>>::new());
        assert_eq!(scanned(&r, b"c", b"d"), vec![b"c".to_vec()]);
        assert_eq!(scanned(&r, b"d", b"e"), Vec::<Vec<u8>>::new());
        assert_eq!(scanned(&run(&[]), b"a", b"z"), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn a_kind_is_copied_whole_and_alone_or_not_at_all() {
        use redb::ReadableDatabase;
        let db = redb::Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .unwrap();
        let def = redb::TableDefinition::<&[u8], &[u8]>::new("search");
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(def).unwrap();
            for key in [&b"\x05a"[..], b"\x06a", b"\x06b", b"\x06c", b"\x07a"] {
                blocks::insert(&mut t, key).unwrap();
            }
        }
        txn.commit().unwrap();
        let read = db.begin_read().unwrap();
        let t = read.open_table(def).unwrap();
        let kind = IndexKind::PartialBirthKanji;
        let copy = read_kind(&t, kind, 3).unwrap().unwrap();
        assert_eq!(
            scanned(&copy, b"", b"\xff"),
            vec![b"\x06a".to_vec(), b"\x06b".to_vec(), b"\x06c".to_vec()]
        );
        assert!(read_kind(&t, kind, 2).unwrap().is_none());
        // A snapshot copies a partial-birth kind only.
        let p = PartialBirths::default();
        assert_eq!(p.keys(&t, kind).unwrap().unwrap().len(), 3);
        assert!(p.keys(&t, IndexKind::BirthKanji).unwrap().is_none());
    }

    #[test]
    fn the_partition_point_is_the_first_key_not_before() {
        for n in 0..6 {
            for cut in 0..=n {
                assert_eq!(partition_point(n, |i| i < cut), cut, "{n} {cut}");
            }
        }
    }
}
