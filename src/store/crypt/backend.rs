//! [`CryptBackend`]: a redb storage backend that keeps every byte redb writes in sealed
//! blocks, so that a damaged block is found when it is read.
//!
//! redb sees a plain file of some logical length; the backend keeps it as fixed-size blocks
//! of [`BLOCK_BYTES`] logical bytes after the header. Block `i` is stored at
//! `HEADER_BYTES + i × physical` in one of two sealings ([`Sealing`]):
//!
//! * encrypted: `[nonce 24][ciphertext 4096][tag 16]` ([`PHYSICAL_BLOCK`] bytes), sealed
//!   with XChaCha20-Poly1305 under the data key with a fresh random nonce on every write
//!   and `file id ‖ i` as associated data;
//! * checksummed (a plain file): `[data 4096][CRC-32 4]` ([`CHECKSUM_PHYSICAL_BLOCK`]
//!   bytes), the CRC-32 of `file id ‖ i ‖ data`.
//!
//! Either way a block cannot be moved to another place or another file without failing.
//! A write that covers part of a block reads the whole block, merges and reseals it.
//!
//! Invariants:
//! * A read for redb verifies every block it touches. A block that fails, an all-zero
//!   block (redb never reads a block it has not written: it allocates pages as zeros in its
//!   own cache, see DESIGN.md "Robustness") and a block past the end of the file fail the
//!   read with an `InvalidData` I/O error naming the block, which the store reports as
//!   CORRUPT. redb's page cache sits above, so a cached page is not verified again.
//! * Only the backend's own read-modify-write treats an all-zero block as never written
//!   (the file was extended over it) and reads it as zeros.
//! * While the backend is lenient (only during an open that verifies or repairs the whole
//!   file with redb's own checksums, see [`CryptBackend::leniency`]) a failing block is
//!   handed to redb as it is (checksummed) or as zeros (encrypted), so that redb's
//!   recovery can tell a torn commit from a good one and fall back to the previous commit.

use super::header::{encode_length, BLOCK_BYTES, HEADER_BYTES, LENGTH_AT};
use super::key::KEY_BYTES;
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use redb::StorageBackend;
use std::io;
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

const NONCE: usize = 24;
const TAG: usize = 16;
const CRC: usize = 4;
/// Bytes an encrypted block takes on disk.
pub const PHYSICAL_BLOCK: usize = NONCE + BLOCK_BYTES + TAG;
/// Bytes a checksummed block takes on disk.
pub const CHECKSUM_PHYSICAL_BLOCK: usize = BLOCK_BYTES + CRC;

/// How the blocks of a file are sealed.
pub enum Sealing {
    /// Encrypted and authenticated under the data key.
    Aead(Box<XChaCha20Poly1305>),
    /// Plain, with a CRC-32 per block.
    Checksum,
}

impl Sealing {
    /// Encryption under `data_key`.
    pub(crate) fn aead(data_key: &[u8; KEY_BYTES]) -> Sealing {
        Sealing::Aead(Box::new(XChaCha20Poly1305::new(data_key.into())))
    }

    /// Bytes a block takes on disk.
    pub fn physical_block(&self) -> usize {
        match self {
            Sealing::Aead(_) => PHYSICAL_BLOCK,
            Sealing::Checksum => CHECKSUM_PHYSICAL_BLOCK,
        }
    }

    /// Where a block's logical bytes start within its physical block.
    fn data_at(&self) -> usize {
        match self {
            Sealing::Aead(_) => NONCE,
            Sealing::Checksum => 0,
        }
    }
}

/// Who a block is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadFor {
    /// redb (or a whole-file copy or scan): every block must verify.
    Redb,
    /// The backend's own read-modify-write: an all-zero block was never written.
    Merge,
}

/// Seals and opens the blocks of one file: the sealing and the file id it is bound to.
pub struct BlockSeal {
    sealing: Sealing,
    file_id: [u8; 16],
}

impl BlockSeal {
    /// The seal of the file `file_id`.
    pub fn new(sealing: Sealing, file_id: [u8; 16]) -> BlockSeal {
        BlockSeal { sealing, file_id }
    }

    /// Bytes a block takes on disk.
    pub fn physical_block(&self) -> usize {
        self.sealing.physical_block()
    }

    /// Where block `block` starts in the file.
    pub fn physical_offset(&self, block: u64) -> u64 {
        HEADER_BYTES + block * self.physical_block() as u64
    }

    fn ad(&self, block: u64) -> [u8; 24] {
        let mut ad = [0u8; 24];
        ad[..16].copy_from_slice(&self.file_id);
        ad[16..].copy_from_slice(&block.to_be_bytes());
        ad
    }

    fn crc(&self, block: u64, data: &[u8]) -> u32 {
        let mut h = crc32fast::Hasher::new();
        h.update(&self.ad(block));
        h.update(data);
        h.finalize()
    }

    fn damaged(&self, block: u64, what: &str) -> io::Error {
        let start = block * BLOCK_BYTES as u64;
        let kind = match self.sealing {
            Sealing::Aead(_) => "encrypted block",
            Sealing::Checksum => "block",
        };
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{kind} {block} (database bytes {start}..{}, file offset {}) {what}",
                start + BLOCK_BYTES as u64,
                self.physical_offset(block)
            ),
        )
    }

    /// Checks (and, encrypted, decrypts) one physical block in place; its logical bytes are
    /// then `p[data_at..data_at + BLOCK_BYTES]`. `lenient` hands a failing block on (see the
    /// module documentation) instead of failing.
    pub(crate) fn open_block(
        &self,
        block: u64,
        p: &mut [u8],
        read_for: ReadFor,
        lenient: bool,
    ) -> io::Result<()> {
        if p.iter().all(|&b| b == 0) {
            return match read_for {
                ReadFor::Merge => Ok(()),
                ReadFor::Redb if lenient => Ok(()),
                ReadFor::Redb => Err(self.damaged(
                    block,
                    "is all zeros: it was wiped, or the file was cut short",
                )),
            };
        }
        let verified = match &self.sealing {
            Sealing::Checksum => {
                let (data, crc) = p.split_at(BLOCK_BYTES);
                let stored = u32::from_le_bytes(crc.try_into().expect("4 bytes"));
                stored == self.crc(block, data)
            }
            Sealing::Aead(cipher) => {
                let (nonce, rest) = p.split_at_mut(NONCE);
                let (data, tag) = rest.split_at_mut(BLOCK_BYTES);
                let opened = cipher.decrypt_in_place_detached(
                    XNonce::from_slice(nonce),
                    &self.ad(block),
                    data,
                    Tag::from_slice(tag),
                );
                if opened.is_err() && lenient {
                    data.fill(0);
                }
                opened.is_ok()
            }
        };
        match (verified, &self.sealing) {
            (true, _) => Ok(()),
            (false, _) if lenient => Ok(()),
            (false, Sealing::Aead(_)) => Err(self.damaged(
                block,
                "does not authenticate: it was damaged or tampered with",
            )),
            (false, Sealing::Checksum) => {
                Err(self.damaged(block, "does not match its checksum: it was damaged"))
            }
        }
    }

    /// Seals the logical bytes of `buf`'s physical blocks (the first is block `first`) in
    /// place, each encrypted one under a fresh random nonce.
    fn seal_blocks(&self, first: u64, buf: &mut [u8]) -> io::Result<()> {
        let physical = self.physical_block();
        match &self.sealing {
            Sealing::Checksum => {
                for (k, p) in buf.chunks_exact_mut(physical).enumerate() {
                    let (data, crc) = p.split_at_mut(BLOCK_BYTES);
                    crc.copy_from_slice(&self.crc(first + k as u64, data).to_le_bytes());
                }
            }
            Sealing::Aead(cipher) => {
                let n = buf.len() / physical;
                let mut nonces = vec![0u8; n * NONCE];
                getrandom::fill(&mut nonces).map_err(io::Error::other)?;
                for (k, p) in buf.chunks_exact_mut(physical).enumerate() {
                    let (nonce, rest) = p.split_at_mut(NONCE);
                    nonce.copy_from_slice(&nonces[k * NONCE..(k + 1) * NONCE]);
                    let (data, tag) = rest.split_at_mut(BLOCK_BYTES);
                    let t = cipher
                        .encrypt_in_place_detached(
                            XNonce::from_slice(nonce),
                            &self.ad(first + k as u64),
                            data,
                        )
                        .map_err(|_| io::Error::other("encrypting a block failed"))?;
                    tag.copy_from_slice(&t);
                }
            }
        }
        Ok(())
    }
}

/// The lengths the backend keeps track of.
#[derive(Debug, Clone, Copy)]
struct Lengths {
    /// What redb sees.
    logical: u64,
    /// The length of the underlying storage.
    physical: u64,
}

/// A [`StorageBackend`] of sealed blocks over another backend (redb's `FileBackend` for
/// files): encrypted or checksummed, see the module documentation.
pub struct CryptBackend<B: StorageBackend> {
    inner: B,
    seal: BlockSeal,
    /// Set while an open verifies or repairs the whole file (see [`CryptBackend::leniency`]).
    lenient: Arc<AtomicBool>,
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

fn blocks_for(len: u64) -> u64 {
    len.div_ceil(BLOCK_BYTES as u64)
}

fn poisoned() -> io::Error {
    io::Error::other("sealed storage: a thread panicked holding its lock")
}

impl<B: StorageBackend> CryptBackend<B> {
    /// An encrypting backend over `inner`, whose header (already written) names `file_id`
    /// and says the database is `logical` bytes long.
    pub(crate) fn new(
        inner: B,
        data_key: &[u8; KEY_BYTES],
        file_id: [u8; 16],
        logical: u64,
    ) -> io::Result<Self> {
        Self::with_seal(
            inner,
            BlockSeal::new(Sealing::aead(data_key), file_id),
            logical,
        )
    }

    /// A backend over `inner` sealing its blocks with `seal`.
    pub(crate) fn with_seal(inner: B, seal: BlockSeal, logical: u64) -> io::Result<Self> {
        let physical = inner.len()?;
        Ok(CryptBackend {
            inner,
            seal,
            lenient: Arc::new(AtomicBool::new(false)),
            lengths: RwLock::new(Lengths { logical, physical }),
        })
    }

    /// The switch that makes reads lenient: a failing block is handed to redb instead of
    /// failing the read. Only for an open that has redb verify or repair the whole file
    /// against its own checksums; it must be cleared before the database is used.
    pub(crate) fn leniency(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.lenient)
    }

    /// Whether block `block` is intact on disk (present, and verifies; an all-zero block
    /// does not).
    pub(crate) fn block_verifies(&self, block: u64) -> io::Result<bool> {
        let lengths = *self.lengths.read().map_err(|_| poisoned())?;
        let mut p = vec![0u8; self.seal.physical_block()];
        Ok(self
            .read_blocks(block, 1, lengths.physical, &mut p, ReadFor::Redb, false)
            .is_ok())
    }

    /// Reads blocks `first..first+n` from disk and opens them in place. Bytes past the end
    /// of the storage read as zeros for a merge; for redb they fail (the file was cut
    /// short).
    fn read_blocks(
        &self,
        first: u64,
        n: u64,
        physical: u64,
        buf: &mut [u8],
        read_for: ReadFor,
        lenient: bool,
    ) -> io::Result<()> {
        let start = self.seal.physical_offset(first);
        let end = self.seal.physical_offset(first + n);
        let have = physical.min(end).saturating_sub(start) as usize;
        if have > 0 {
            self.inner.read(start, &mut buf[..have])?;
        }
        buf[have..].fill(0);
        let size = self.seal.physical_block();
        for (k, p) in buf.chunks_exact_mut(size).enumerate() {
            let block = first + k as u64;
            let cut = self.seal.physical_offset(block + 1) > physical;
            if cut && read_for == ReadFor::Redb && !lenient {
                return Err(self.seal.damaged(
                    block,
                    "lies past the end of the file: the file was cut short",
                ));
            }
            self.seal.open_block(block, p, read_for, lenient)?;
        }
        Ok(())
    }

    /// Reads logical bytes for `read_for`: for redb every block must verify (see the module
    /// documentation); for a whole-file copy ([`ReadFor::Merge`]) an all-zero block is one
    /// never written and reads as zeros, and every other block must verify.
    pub(crate) fn read_as(&self, offset: u64, out: &mut [u8], read_for: ReadFor) -> io::Result<()> {
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
        let size = self.seal.physical_block();
        let data_at = self.seal.sealing.data_at();
        let mut buf = vec![0u8; n as usize * size];
        let lenient = self.lenient.load(Ordering::SeqCst);
        self.read_blocks(first, n, lengths.physical, &mut buf, read_for, lenient)?;
        let mut pos = offset;
        let mut o = 0;
        while o < out.len() {
            let k = (pos / BLOCK_BYTES as u64 - first) as usize;
            let within = (pos % BLOCK_BYTES as u64) as usize;
            let take = (BLOCK_BYTES - within).min(out.len() - o);
            let from = k * size + data_at + within;
            out[o..o + take].copy_from_slice(&buf[from..from + take]);
            o += take;
            pos += take as u64;
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
        self.read_as(offset, out, ReadFor::Redb)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut lengths = self.lengths.write().map_err(|_| poisoned())?;
        let tail = len % BLOCK_BYTES as u64;
        let last = len / BLOCK_BYTES as u64;
        let size = self.seal.physical_block();
        let data_at = self.seal.sealing.data_at();
        if len < lengths.logical && tail != 0 && self.seal.physical_offset(last) < lengths.physical
        {
            // Bytes past the new end must read as zeros if the file grows again.
            let mut p = vec![0u8; size];
            self.read_blocks(last, 1, lengths.physical, &mut p, ReadFor::Merge, false)?;
            p[data_at + tail as usize..data_at + BLOCK_BYTES].fill(0);
            self.seal.seal_blocks(last, &mut p)?;
            self.inner.write(self.seal.physical_offset(last), &p)?;
        }
        let physical = self.seal.physical_offset(blocks_for(len));
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
        let size = self.seal.physical_block();
        let data_at = self.seal.sealing.data_at();
        let mut buf = vec![0u8; n as usize * size];
        // Blocks only partly covered keep the rest of their bytes: read and open them.
        let old_blocks = blocks_for(lengths.logical);
        let lenient = self.lenient.load(Ordering::SeqCst);
        for k in [0, n - 1] {
            let block = first + k;
            let start = block * BLOCK_BYTES as u64;
            let covered = offset <= start && end >= start + BLOCK_BYTES as u64;
            if !covered && block < old_blocks {
                let p = &mut buf[k as usize * size..(k as usize + 1) * size];
                if p.iter().all(|&b| b == 0) {
                    self.read_blocks(block, 1, lengths.physical, p, ReadFor::Merge, lenient)?;
                }
            }
        }
        let mut pos = offset;
        let mut i = 0;
        while i < data.len() {
            let k = (pos / BLOCK_BYTES as u64 - first) as usize;
            let within = (pos % BLOCK_BYTES as u64) as usize;
            let take = (BLOCK_BYTES - within).min(data.len() - i);
            let to = k * size + data_at + within;
            buf[to..to + take].copy_from_slice(&data[i..i + take]);
            i += take;
            pos += take as u64;
        }
        self.seal.seal_blocks(first, &mut buf)?;
        let start = self.seal.physical_offset(first);
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
