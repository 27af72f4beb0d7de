//! A pass over every block of a file of sealed blocks, for CHECK: each block that was
//! written must verify (checksum or authentication tag, bound to its place and its file).
//!
//! Reads never take this pass (a block is verified when it is read); CHECK takes it to find
//! damage in blocks no lookup reads: free pages, redb's own tables. A block of zeros is one
//! never written (the file was extended over it) and passes here; a zeroed block that redb
//! uses fails when redb reads it, which CHECK's walk of the tables and redb's page check do.
//! The file is read through its own handle, from the header, while the caller keeps writers
//! out (CHECK holds the write slot).

use super::super::error::{Result, StoreError};
use super::backend::{BlockSeal, ReadFor, Sealing};
use super::file::Sealed;
use super::header::{
    decode_envelope, decode_length, Envelope, BLOCK_BYTES, LENGTH_AT, LENGTH_SLOT,
};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Blocks read at a time.
const CHUNK_BLOCKS: usize = 256;

/// A block that does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadBlock {
    /// Its index (logical bytes `block × 4096 ..`).
    pub block: u64,
    /// What is wrong, naming the block and its file offset.
    pub what: String,
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Storage(format!("{}: {e}", path.display()))
}

/// Verifies every block of the file at `path`: `None` for a bare redb file (the format
/// before block checksums, which has no blocks of its own), else the blocks that fail.
/// `sealed` is the key material of the open database when it is encrypted.
pub(crate) fn scan_blocks(path: &Path, sealed: Option<&Sealed>) -> Result<Option<Vec<BadBlock>>> {
    if super::file_kind(path)? == super::FileKind::Redb {
        return Ok(None);
    }
    let name = path.display().to_string();
    let mut file = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let physical = file.metadata().map_err(|e| io_err(path, e))?.len();
    let mut head = vec![0u8; LENGTH_AT as usize + LENGTH_SLOT];
    file.read_exact(&mut head).map_err(|e| io_err(path, e))?;
    let slot: [u8; LENGTH_SLOT] = head[LENGTH_AT as usize..].try_into().expect("slot");
    let logical = decode_length(&slot, &name)?;
    let seal = match (decode_envelope(&head, &name)?, sealed) {
        (Envelope::Checksummed { file_id }, None) => BlockSeal::new(Sealing::Checksum, file_id),
        (Envelope::Encrypted(header), Some(s)) if header.key_id == s.header.key_id => {
            BlockSeal::new(Sealing::aead(&s.data_key), header.file_id)
        }
        _ => {
            return Err(StoreError::Storage(format!(
                "{name}: the file is not of the kind of the open database"
            )))
        }
    };
    let size = seal.physical_block();
    let blocks = logical.div_ceil(BLOCK_BYTES as u64);
    let mut bad = Vec::new();
    let mut buf = vec![0u8; CHUNK_BLOCKS * size];
    let mut block = 0u64;
    file.seek(SeekFrom::Start(seal.physical_offset(0)))
        .map_err(|e| io_err(path, e))?;
    while block < blocks {
        let n = (blocks - block).min(CHUNK_BLOCKS as u64) as usize;
        let want = n * size;
        let have = physical
            .saturating_sub(seal.physical_offset(block))
            .min(want as u64) as usize;
        file.read_exact(&mut buf[..have])
            .map_err(|e| io_err(path, e))?;
        for (k, p) in buf[..want].chunks_exact_mut(size).enumerate() {
            let b = block + k as u64;
            if (k + 1) * size > have {
                bad.push(BadBlock {
                    block: b,
                    what: format!(
                        "block {b} lies past the end of the file (file offset {}): the file was cut short",
                        seal.physical_offset(b)
                    ),
                });
                continue;
            }
            if let Err(e) = seal.open_block(b, p, ReadFor::Merge, false) {
                bad.push(BadBlock {
                    block: b,
                    what: e.to_string(),
                });
            }
        }
        block += n as u64;
    }
    Ok(Some(bad))
}
