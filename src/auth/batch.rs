//! [`Batch`]: operation-log entries waiting to be committed, oldest first, in chunks of
//! [`CHUNK`]. A chunk never moves once it is allocated, so adding an entry never copies the
//! entries before it; and the chunks of a committed batch are emptied and handed back for
//! the next ones ([`Batch::push_reusing`]), so a reader's entry lands in memory the process
//! has already written rather than in fresh pages the kernel has to fault in and zero under
//! the lookup.

use super::pending::PendingEntry;

/// Entries per chunk.
pub(crate) const CHUNK: usize = 1024;

/// Waiting entries, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    chunks: Vec<Vec<PendingEntry>>,
    len: usize,
}

impl Batch {
    /// Adds an entry at the end.
    pub fn push(&mut self, e: PendingEntry) {
        self.push_reusing(e, &mut Vec::new());
    }

    /// Adds an entry at the end, taking a new chunk from `free` when one is needed.
    pub fn push_reusing(&mut self, e: PendingEntry, free: &mut Vec<Vec<PendingEntry>>) {
        match self.chunks.last_mut() {
            // Never past the capacity: a chunk is not reallocated.
            Some(c) if c.len() < c.capacity() => c.push(e),
            _ => {
                let mut c = free.pop().unwrap_or_else(|| Vec::with_capacity(CHUNK));
                c.push(e);
                self.chunks.push(c);
            }
        }
        self.len += 1;
    }

    /// Entries waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The entries, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &PendingEntry> {
        self.chunks.iter().flatten()
    }

    /// Puts `later` after these entries.
    pub fn append(&mut self, mut later: Batch) {
        self.chunks.append(&mut later.chunks);
        self.len += later.len;
    }

    /// Empties the batch, dropping its entries, and gives its chunks back for reuse.
    pub fn into_chunks(self) -> Vec<Vec<PendingEntry>> {
        let mut chunks = self.chunks;
        for c in &mut chunks {
            c.clear();
        }
        chunks
    }
}

impl From<Vec<PendingEntry>> for Batch {
    fn from(entries: Vec<PendingEntry>) -> Batch {
        Batch {
            len: entries.len(),
            chunks: vec![entries],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::pending::{Codes, EntryText, Signer};
    use super::*;

    fn entry(n: i64) -> PendingEntry {
        PendingEntry {
            time: n,
            signer: Signer::new("op", "t"),
            kind: "GET".into(),
            text: EntryText::Fixed("GET"),
            outcome: "OK".into(),
            codes: Codes::NONE,
        }
    }

    #[test]
    fn entries_keep_their_order_across_chunks_and_reuse() {
        let mut b = Batch::from(vec![entry(0)]);
        let mut free = Vec::new();
        for n in 1..(3 * CHUNK as i64) {
            b.push_reusing(entry(n), &mut free);
        }
        let mut later = Batch::default();
        later.push(entry(3 * CHUNK as i64));
        b.append(later);
        assert_eq!(b.len(), 3 * CHUNK + 1);
        assert!(b.iter().map(|e| e.time).eq(0..=3 * CHUNK as i64));
        let mut free = b.into_chunks();
        assert!(free.iter().all(|c| c.is_empty()));
        let mut again = Batch::default();
        again.push_reusing(entry(7), &mut free);
        assert_eq!(again.iter().map(|e| e.time).collect::<Vec<_>>(), [7]);
    }
}
