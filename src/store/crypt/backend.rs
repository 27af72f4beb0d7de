//! [`CryptBackend`]: a redb storage backend that encrypts every byte redb writes.
//!
//! redb sees a plain file of some logical length; the backend keeps it as fixed-size blocks
//! of [`BLOCK_BYTES`] logical bytes after the header. Block `i` is stored at
//! `HEADER_BYTES + i × PHYSICAL_BLOCK` as `[nonce 24][ciphertext 4096][tag 16]`, sealed with
//! XChaCha20-Poly1305 under the data key with a fresh random nonce on every write and
//! `file id ‖ i` as associated data, so a block cannot be moved to another place or another
//! file. A write that covers part of a block reads, decrypts and re-encrypts the whole block.
//! A block of zeros on disk is one never written (the file was extended over it) and reads
//! as zeros; anything else must authenticate, or the read fails with an `InvalidData` I/O
//! error that the store reports as CORRUPT, naming the block.

use super::header::{encode_length, BLOCK_BYTES, HEADER_BYTES, LENGTH_AT};
use super::key::KEY_BYTES;
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use redb::StorageBackend;
use std::io;
use std::ops::Bound;
use std::sync::RwLock;

const NONCE: usize = 24;
const TAG: usize = 16;
/// Bytes a block takes on disk.
pub const PHYSICAL_BLOCK: usize = NONCE + BLOCK_BYTES + TAG;

/// The lengths the backend keeps track of.
#[derive(Debug, Clone, Copy)]
struct Lengths {
    /// What redb sees.
    logical: u64,
    /// The length of the underlying storage.
    physical: u64,
}

/// An encrypting [`StorageBackend`] over another backend (redb's `FileBackend` for files).
pub struct CryptBackend<B: StorageBackend> {
    inner: B,
    cipher: XChaCha20Poly1305,
    file_id: [u8; 16],
    /// Readers share it; writes, which may read-modify-write a block, take it alone.
    lengths: RwLock<Lengths>,
}

impl<B: StorageBackend> std::fmt::Debug for CryptBackend<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CryptBackend")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

fn physical_offset(block: u64) -> u64 {
    HEADER_BYTES + block * PHYSICAL_BLOCK as u64
}

fn blocks_for(len: u64) -> u64 {
    len.div_ceil(BLOCK_BYTES as u64)
}

fn poisoned() -> io::Error {
    io::Error::other("encrypted storage: a thread panicked holding its lock")
}

impl<B: StorageBackend> CryptBackend<B> {
    /// A backend over `inner`, whose header (already written) names `file_id` and says the
    /// database is `logical` bytes long.
    pub(crate) fn new(
        inner: B,
        data_key: &[u8; KEY_BYTES],
        file_id: [u8; 16],
        logical: u64,
    ) -> io::Result<Self> {
        let physical = inner.len()?;
        Ok(CryptBackend {
            inner,
            cipher: XChaCha20Poly1305::new(data_key.into()),
            file_id,
            lengths: RwLock::new(Lengths { logical, physical }),
        })
    }

    fn ad(&self, block: u64) -> [u8; 24] {
        let mut ad = [0u8; 24];
        ad[..16].copy_from_slice(&self.file_id);
        ad[16..].copy_from_slice(&block.to_be_bytes());
        ad
    }

    /// Decrypts one physical block in place; its plaintext is then `p[NONCE..NONCE+BLOCK]`.
    fn open_block(&self, block: u64, p: &mut [u8]) -> io::Result<()> {
        if p.iter().all(|&b| b == 0) {
            return Ok(()); // never written: zeros
        }
        let (nonce, rest) = p.split_at_mut(NONCE);
        let (data, tag) = rest.split_at_mut(BLOCK_BYTES);
        self.cipher
            .decrypt_in_place_detached(
                XNonce::from_slice(nonce),
                &self.ad(block),
                data,
                Tag::from_slice(tag),
            )
            .map_err(|_| {
                let start = block * BLOCK_BYTES as u64;
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "encrypted block {block} (database bytes {start}..{}, file offset {}) \
                         does not authenticate: it was damaged or tampered with",
                        start + BLOCK_BYTES as u64,
                        physical_offset(block)
                    ),
                )
            })
    }

    /// Encrypts `p[NONCE..NONCE+BLOCK]` in place under the nonce already in `p[..NONCE]`.
    fn seal_block(&self, block: u64, p: &mut [u8]) -> io::Result<()> {
        let (nonce, rest) = p.split_at_mut(NONCE);
        let (data, tag) = rest.split_at_mut(BLOCK_BYTES);
        let t = self
            .cipher
            .encrypt_in_place_detached(XNonce::from_slice(nonce), &self.ad(block), data)
            .map_err(|_| io::Error::other("encrypting a block failed"))?;
        tag.copy_from_slice(&t);
        Ok(())
    }

    /// Reads blocks `first..first+n` from disk (missing bytes past the end read as zeros)
    /// and decrypts them in place.
    fn read_blocks(&self, first: u64, n: u64, physical: u64, buf: &mut [u8]) -> io::Result<()> {
        let start = physical_offset(first);
        let end = physical_offset(first + n);
        let have = physical.min(end).saturating_sub(start) as usize;
        if have > 0 {
            self.inner.read(start, &mut buf[..have])?;
        }
        buf[have..].fill(0);
        for (k, p) in buf.chunks_exact_mut(PHYSICAL_BLOCK).enumerate() {
            self.open_block(first + k as u64, p)?;
        }
        Ok(())
    }

    fn write_length(&self, logical: u64) -> io::Result<()> {
        self.inner.write(LENGTH_AT, &encode_length(logical))
    }
}

impl<B: StorageBackend> StorageBackend for CryptBackend<B> {
    fn len(&self) -> io::Result<u64> {
        Ok(self.lengths.read().map_err(|_| poisoned())?.logical)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        if out.is_empty() {
            return Ok(());
        }
        // Held to the end, so that no write changes a block while it is read.
        let guard = self.lengths.read().map_err(|_| poisoned())?;
        let lengths = *guard;
        let end = offset
            .checked_add(out.len() as u64)
            .filter(|&e| e <= lengths.logical)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "read of {} bytes at {offset} past the end ({})",
                        out.len(),
                        lengths.logical
                    ),
                )
            })?;
        let first = offset / BLOCK_BYTES as u64;
        let n = blocks_for(end) - first;
        let mut buf = vec![0u8; n as usize * PHYSICAL_BLOCK];
        self.read_blocks(first, n, lengths.physical, &mut buf)?;
        let mut pos = offset;
        let mut o = 0;
        while o < out.len() {
            let k = (pos / BLOCK_BYTES as u64 - first) as usize;
            let within = (pos % BLOCK_BYTES as u64) as usize;
            let take = (BLOCK_BYTES - within).min(out.len() - o);
            let from = k * PHYSICAL_BLOCK + NONCE + within;
            out[o..o + take].copy_from_slice(&buf[from..from + take]);
            o += take;
            pos += take as u64;
        }
        Ok(())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut lengths = self.lengths.write().map_err(|_| poisoned())?;
        let tail = len % BLOCK_BYTES as u64;
        let last = len / BLOCK_BYTES as u64;
        if len < lengths.logical && tail != 0 && physical_offset(last) < lengths.physical {
            // Bytes past the new end must read as zeros if the file grows again.
            let mut p = vec![0u8; PHYSICAL_BLOCK];
            self.read_blocks(last, 1, lengths.physical, &mut p)?;
            p[NONCE + tail as usize..NONCE + BLOCK_BYTES].fill(0);
            getrandom::fill(&mut p[..NONCE]).map_err(io::Error::other)?;
            self.seal_block(last, &mut p)?;
            self.inner.write(physical_offset(last), &p)?;
        }
        let physical = physical_offset(blocks_for(len));
        self.inner.set_len(physical)?;
        self.write_length(len)?;
        *lengths = Lengths {
            logical: len,
            physical,
        };
        Ok(())
    }

    fn sync_data(&self) -> io::Result<()> {
        self.inner.sync_data()
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        let mut lengths = self.lengths.write().map_err(|_| poisoned())?;
        let end = offset
            .checked_add(data.len() as u64)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "write past 2^64"))?;
        let first = offset / BLOCK_BYTES as u64;
        let n = blocks_for(end) - first;
        let mut buf = vec![0u8; n as usize * PHYSICAL_BLOCK];
        // Blocks only partly covered keep the rest of their bytes: read and decrypt them.
        let old_blocks = blocks_for(lengths.logical);
        for k in [0, n - 1] {
            let block = first + k;
            let start = block * BLOCK_BYTES as u64;
            let covered = offset <= start && end >= start + BLOCK_BYTES as u64;
            if !covered && block < old_blocks {
                let p = &mut buf[k as usize * PHYSICAL_BLOCK..(k as usize + 1) * PHYSICAL_BLOCK];
                if p.iter().all(|&b| b == 0) {
                    self.read_blocks(block, 1, lengths.physical, p)?;
                }
            }
        }
        let mut pos = offset;
        let mut i = 0;
        while i < data.len() {
            let k = (pos / BLOCK_BYTES as u64 - first) as usize;
            let within = (pos % BLOCK_BYTES as u64) as usize;
            let take = (BLOCK_BYTES - within).min(data.len() - i);
            let to = k * PHYSICAL_BLOCK + NONCE + within;
            buf[to..to + take].copy_from_slice(&data[i..i + take]);
            i += take;
            pos += take as u64;
        }
        let mut nonces = vec![0u8; n as usize * NONCE];
        getrandom::fill(&mut nonces).map_err(io::Error::other)?;
        for (k, p) in buf.chunks_exact_mut(PHYSICAL_BLOCK).enumerate() {
            p[..NONCE].copy_from_slice(&nonces[k * NONCE..(k + 1) * NONCE]);
            self.seal_block(first + k as u64, p)?;
        }
        let start = physical_offset(first);
        let physical_end = start + buf.len() as u64;
        if physical_end > lengths.physical {
            self.inner.set_len(physical_end)?;
            lengths.physical = physical_end;
        }
        self.inner.write(start, &buf)?;
        if end > lengths.logical {
            self.write_length(end)?;
            lengths.logical = end;
        }
        Ok(())
    }

    fn close(&self) -> io::Result<()> {
        self.inner.close()
    }

    fn try_lock_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, redb::BackendError> {
        self.inner.try_lock_range(start, end)
    }

    fn try_lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, redb::BackendError> {
        self.inner.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), redb::BackendError> {
        self.inner.lock_range(start, end)
    }

    fn lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<(), redb::BackendError> {
        self.inner.lock_shared_range(start, end)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), redb::BackendError> {
        self.inner.unlock_range(start, end)
    }

    fn query_lock_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, redb::BackendError> {
        self.inner.query_lock_range(start, end)
    }
}

#[cfg(test)]
impl<B: StorageBackend> CryptBackend<B> {
    /// The storage under the encryption, to damage it on purpose.
    pub(crate) fn inner_for_tests(&self) -> &B {
        &self.inner
    }
}
