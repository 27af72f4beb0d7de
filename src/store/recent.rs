//! [`Recent`]: the latest version of every resident a bulk load has written, kept in an
//! unnamed temporary file beside the database so that the load never reads it back from
//! the tables it is writing.
//!
//! A load's history rows change residents written passes before; without this file each
//! would read the resident's latest version back from the `versions` B-tree, a probe that
//! also has to wait until the pass holding it is in the tables. Here it is one positioned
//! read. Every version is appended (a later one supersedes the earlier by id), through a
//! write buffer that reads also consult. Like the spill runs, the file holds records as the
//! database does, unencrypted: a load of an encrypted database keeps none and reads the
//! tables instead.

use super::error::{Result, StoreError};
use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Bytes appended in memory before they are written to the file.
const BUFFER: usize = 1 << 20;

fn io(what: &str) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Storage(format!("load record file ({what}): {e}"))
}

/// Where a record sits in the file (or its buffer).
#[derive(Debug, Clone, Copy)]
struct Slot {
    at: u64,
    len: u32,
}

/// The latest record of each resident a load wrote.
pub(crate) struct Recent {
    file: File,
    /// Bytes of the file written; what follows is in `pending`.
    written: u64,
    pending: Vec<u8>,
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
            first_id,
            dense: Vec::new(),
            older: HashMap::new(),
        })
    }

    /// Records `bytes` as the latest version of resident `id`.
    pub(crate) fn put(&mut self, id: u64, bytes: &[u8]) -> Result<()> {
        if self.pending.len() + bytes.len() > BUFFER && !self.pending.is_empty() {
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
        self.pending.extend_from_slice(bytes);
        if id >= self.first_id {
            let k = (id - self.first_id) as usize;
            if self.dense.len() <= k {
                self.dense.resize(k + 1, None);
            }
            self.dense[k] = Some(slot);
        } else {
            self.older.insert(id, slot);
        }
        Ok(())
    }

    /// The latest version of resident `id` this load wrote, if any, into `out`.
    pub(crate) fn get(&self, id: u64, out: &mut Vec<u8>) -> Result<bool> {
        let slot = if id >= self.first_id {
            self.dense
                .get((id - self.first_id) as usize)
                .copied()
                .flatten()
        } else {
            self.older.get(&id).copied()
        };
        let Some(Slot { at, len }) = slot else {
            return Ok(false);
        };
        out.clear();
        if at >= self.written {
            let from = (at - self.written) as usize;
            out.extend_from_slice(&self.pending[from..from + len as usize]);
        } else {
            out.resize(len as usize, 0);
            self.file.read_exact_at(out, at).map_err(io("read"))?;
        }
        Ok(true)
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
}
