//! [`Recent`]: every version a bulk load has written, kept in an unnamed temporary file
//! beside the database so that the load never reads them back from the tables it is
//! writing.
//!
//! A load's history rows change residents written passes before; without this file each
//! would read the resident's latest version back from the `versions` B-tree, a probe that
//! also has to wait until the pass holding it is in the tables. Here it is one positioned
//! read. Every version is appended through a write buffer that reads also consult, after
//! a header naming where the resident's version before it sits, so a resident's versions
//! form a chain from its latest back (what a backdated correction needs, see
//! [`Recent::since_merge`]); memory holds one slot a resident. Like the spill runs, the
//! file holds records as the database does, unencrypted: a load of an encrypted database
//! keeps none and reads the tables instead.

use crate::store::error::{Result, StoreError};
use foldhash::{HashMap, HashMapExt};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Bytes appended in memory before they are written to the file.
const BUFFER: usize = 1 << 20;

fn io(what: &str) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::io(format_args!("load record file ({what})"), e)
}

/// Where a record sits in the file (or its buffer): its header is at `at`, its bytes
/// follow the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    at: u64,
    len: u32,
}

/// A record's header: the slot of the resident's version before it (`NONE` for none).
const HEADER: usize = 12;
const NONE: Slot = Slot {
    at: u64::MAX,
    len: 0,
};

/// The records a load wrote, by resident.
pub(crate) struct Recent {
    file: File,
    /// Bytes of the file written; what follows is in `pending`.
    written: u64,
    pending: Vec<u8>,
    /// Records from here on are not yet in the tables (see [`Recent::merged`]).
    unmerged_from: u64,
    /// Ids from here on were handed out by the load, and are indexed densely.
    first_id: u64,
    dense: Vec<Option<Slot>>,
    /// Residents that were in the tables before the load.
    older: HashMap<u64, Slot>,
}

impl Recent {
    /// An empty file in `dir`, for a load whose first new resident gets `first_id`.
    pub(crate) fn new(dir: &Path, first_id: u64) -> Result<Recent> {
        Ok(Recent {
            file: tempfile::tempfile_in(dir).map_err(io("create"))?,
            written: 0,
            pending: Vec::with_capacity(BUFFER),
            unmerged_from: 0,
            first_id,
            dense: Vec::new(),
            older: HashMap::new(),
        })
    }

    /// Records `bytes` as the latest version of resident `id`.
    pub(crate) fn put(&mut self, id: u64, bytes: &[u8]) -> Result<()> {
        if self.pending.len() + HEADER + bytes.len() > BUFFER && !self.pending.is_empty() {
            self.file
                .write_all_at(&self.pending, self.written)
                .map_err(io("write"))?;
            self.written += self.pending.len() as u64;
            self.pending.clear();
        }
        let slot = Slot {
            at: self.written + self.pending.len() as u64,
            len: u32::try_from(bytes.len())
                .map_err(|_| StoreError::Storage("a record is too long".into()))?,
        };
        let before = if id >= self.first_id {
            let k = (id - self.first_id) as usize;
            if self.dense.len() <= k {
                self.dense.resize(k + 1, None);
            }
            self.dense[k].replace(slot)
        } else {
            self.older.insert(id, slot)
        }
        .unwrap_or(NONE);
        self.pending.extend_from_slice(&before.at.to_le_bytes());
        self.pending.extend_from_slice(&before.len.to_le_bytes());
        self.pending.extend_from_slice(bytes);
        Ok(())
    }

    fn slot_of(&self, id: u64) -> Option<Slot> {
        if id >= self.first_id {
            self.dense
                .get((id - self.first_id) as usize)
                .copied()
                .flatten()
        } else {
            self.older.get(&id).copied()
        }
    }

    /// Reads `len` bytes at `at` (in the file or its buffer) into `out`.
    fn read(&self, at: u64, len: usize, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        if at >= self.written {
            let from = (at - self.written) as usize;
            out.extend_from_slice(&self.pending[from..from + len]);
        } else {
            out.resize(len, 0);
            self.file.read_exact_at(out, at).map_err(io("read"))?;
        }
        Ok(())
    }

    /// The latest version of resident `id` this load wrote, if any, into `out`.
    pub(crate) fn get(&self, id: u64, out: &mut Vec<u8>) -> Result<bool> {
        let Some(Slot { at, len }) = self.slot_of(id) else {
            return Ok(false);
        };
        self.read(at + HEADER as u64, len as usize, out)?;
        Ok(true)
    }

    /// The versions of resident `id` this load wrote that are not yet in the tables
    /// (recorded after the last [`Recent::merged`]), oldest first.
    pub(crate) fn since_merge(&self, id: u64) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        let mut slot = self.slot_of(id).unwrap_or(NONE);
        let mut head = Vec::with_capacity(HEADER);
        while slot != NONE && slot.at >= self.unmerged_from {
            let mut rec = Vec::new();
            self.read(slot.at + HEADER as u64, slot.len as usize, &mut rec)?;
            out.push(rec);
            self.read(slot.at, HEADER, &mut head)?;
            slot = Slot {
                at: u64::from_le_bytes(head[..8].try_into().expect("8 bytes")),
                len: u32::from_le_bytes(head[8..].try_into().expect("4 bytes")),
            };
        }
        out.reverse();
        Ok(out)
    }

    /// Notes that every version recorded so far is in the tables.
    pub(crate) fn merged(&mut self) {
        self.unmerged_from = self.written + self.pending.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_put_stands_across_the_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = Recent::new(dir.path(), 10).unwrap();
        let big = vec![7u8; BUFFER / 3];
        for round in 0..8u8 {
            for id in [3u64, 10, 12] {
                let mut v = big.clone();
                v[0] = round;
                v[1] = id as u8;
                r.put(id, &v).unwrap();
            }
        }
        assert!(r.written > 0, "some records went to the file");
        let mut out = Vec::new();
        for id in [3u64, 10, 12] {
            assert!(r.get(id, &mut out).unwrap());
            assert_eq!((out[0], out[1], out.len()), (7, id as u8, big.len()));
        }
        assert!(!r.get(11, &mut out).unwrap());
        assert!(!r.get(4, &mut out).unwrap());
        assert!(!r.get(99, &mut out).unwrap());
    }

    #[test]
    fn a_residents_versions_chain_back_to_the_last_merge() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = Recent::new(dir.path(), 10).unwrap();
        let rec = |id: u64, v: u8| {
            let mut b = vec![v; BUFFER / 5];
            b[1] = id as u8;
            b
        };
        for v in 1..=3u8 {
            for id in [4u64, 10, 11] {
                r.put(id, &rec(id, v)).unwrap();
            }
        }
        r.merged();
        assert!(r.since_merge(10).unwrap().is_empty());
        for v in 4..=9u8 {
            for id in [4u64, 10] {
                r.put(id, &rec(id, v)).unwrap();
            }
        }
        assert!(r.written > 0, "some records went to the file");
        for id in [4u64, 10] {
            let got = r.since_merge(id).unwrap();
            let want: Vec<Vec<u8>> = (4..=9u8).map(|v| rec(id, v)).collect();
            assert_eq!(got, want, "resident {id}");
        }
        assert!(r.since_merge(11).unwrap().is_empty());
        assert!(r.since_merge(12).unwrap().is_empty());
        let mut out = Vec::new();
        assert!(r.get(11, &mut out).unwrap());
        assert_eq!(out, rec(11, 3));
    }
}
