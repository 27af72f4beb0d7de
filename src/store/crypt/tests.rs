//! The block mapping against a plain `Vec<u8>`, and the backend under redb.

use super::backend::{
    BlockSeal, CryptBackend, ReadFor, Sealing, CHECKSUM_PHYSICAL_BLOCK, PHYSICAL_BLOCK,
};
use super::header::{BLOCK_BYTES, HEADER_BYTES};
use proptest::prelude::*;
use redb::backends::InMemoryBackend;
use redb::{ReadableDatabase, ReadableTable, StorageBackend};

fn backend() -> CryptBackend<InMemoryBackend> {
    backend_sealed(false)
}

/// An encrypting backend, or a checksumming one when `checksum`.
fn backend_sealed(checksum: bool) -> CryptBackend<InMemoryBackend> {
    let inner = InMemoryBackend::new();
    inner.set_len(HEADER_BYTES).unwrap();
    if checksum {
        CryptBackend::with_seal(inner, BlockSeal::new(Sealing::Checksum, [4u8; 16]), 0).unwrap()
    } else {
        CryptBackend::new(inner, &[3u8; 32], [4u8; 16], 0).unwrap()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Write(u64, Vec<u8>),
    Read(u64, usize),
    SetLen(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let span = 5 * BLOCK_BYTES as u64;
    prop_oneof![
        4 => (0..span, proptest::collection::vec(any::<u8>(), 0..3 * BLOCK_BYTES))
            .prop_map(|(o, d)| Op::Write(o, d)),
        4 => (0..span, 0..3 * BLOCK_BYTES).prop_map(|(o, n)| Op::Read(o, n)),
        1 => (0..span).prop_map(Op::SetLen),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_writes_and_reads_match_a_plain_vec(
        ops in proptest::collection::vec(op(), 1..40),
        checksum in any::<bool>(),
    ) {
        let b = backend_sealed(checksum);
        let mut model: Vec<u8> = Vec::new();
        for op in ops {
            match op {
                Op::Write(o, d) => {
                    b.write(o, &d).unwrap();
                    if !d.is_empty() {
                        let end = o as usize + d.len();
                        if model.len() < end {
                            model.resize(end, 0);
                        }
                        model[o as usize..end].copy_from_slice(&d);
                    }
                }
                Op::Read(o, n) => {
                    // As a whole-file copy reads: blocks never written are zeros.
                    let mut out = vec![0xAAu8; n];
                    let r = b.read_as(o, &mut out, ReadFor::Merge);
                    let inside = o as usize + n <= model.len() || n == 0;
                    if inside {
                        r.unwrap();
                        if n > 0 {
                            prop_assert_eq!(&out[..], &model[o as usize..o as usize + n]);
                        }
                    } else {
                        prop_assert!(r.is_err());
                    }
                    // As redb reads: the same bytes, or InvalidData for a block never written.
                    let mut strict = vec![0xAAu8; n];
                    match b.read(o, &mut strict) {
                        Ok(()) => prop_assert_eq!(&strict, &out),
                        Err(e) => prop_assert!(
                            !inside || e.kind() == std::io::ErrorKind::InvalidData,
                            "{}", e
                        ),
                    }
                }
                Op::SetLen(l) => {
                    b.set_len(l).unwrap();
                    model.resize(l as usize, 0);
                }
            }
            prop_assert_eq!(b.len().unwrap(), model.len() as u64);
        }
        let mut all = vec![0u8; model.len()];
        b.read_as(0, &mut all, ReadFor::Merge).unwrap();
        prop_assert_eq!(all, model);
    }
}

#[test]
fn a_block_is_sealed_with_a_fresh_nonce_each_write_and_holds_no_plaintext() {
    let b = backend();
    let text = b"resident 1234567890 yamada taro ".repeat(128);
    b.write(0, &text).unwrap();
    let inner_copy = |b: &CryptBackend<InMemoryBackend>| {
        let mut raw = vec![0u8; PHYSICAL_BLOCK];
        b.inner_for_tests().read(HEADER_BYTES, &mut raw).unwrap();
        raw
    };
    let first = inner_copy(&b);
    assert!(!first.windows(10).any(|w| w == b"yamada tar"));
    b.write(0, &text).unwrap();
    let second = inner_copy(&b);
    assert_ne!(
        first[..24],
        second[..24],
        "the nonce must change on every write"
    );
    assert_ne!(first, second);
}

#[test]
fn a_tampered_block_fails_to_read_naming_the_block() {
    let b = backend();
    b.write(0, &vec![7u8; 3 * BLOCK_BYTES]).unwrap();
    let at = HEADER_BYTES + PHYSICAL_BLOCK as u64 + 100;
    let mut byte = [0u8];
    b.inner_for_tests().read(at, &mut byte).unwrap();
    b.inner_for_tests().write(at, &[byte[0] ^ 1]).unwrap();
    let mut out = vec![0u8; 10];
    b.read(0, &mut out).unwrap();
    let e = b.read(BLOCK_BYTES as u64 + 5, &mut out).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
    assert!(e.to_string().contains("block 1"), "{e}");
}

#[test]
fn a_block_moved_to_another_place_does_not_authenticate() {
    let b = backend();
    b.write(0, &vec![1u8; 2 * BLOCK_BYTES]).unwrap();
    let mut block0 = vec![0u8; PHYSICAL_BLOCK];
    b.inner_for_tests().read(HEADER_BYTES, &mut block0).unwrap();
    b.inner_for_tests()
        .write(HEADER_BYTES + PHYSICAL_BLOCK as u64, &block0)
        .unwrap();
    let mut out = vec![0u8; 10];
    assert!(b.read(BLOCK_BYTES as u64, &mut out).is_err());
}

#[test]
fn redb_runs_on_the_encrypted_backend() {
    let db = redb::Database::builder()
        .create_with_backend(backend())
        .unwrap();
    let table: redb::TableDefinition<u64, &str> = redb::TableDefinition::new("t");
    let txn = db.begin_write().unwrap();
    {
        let mut t = txn.open_table(table).unwrap();
        for i in 0..2000u64 {
            t.insert(i, format!("value {i}").as_str()).unwrap();
        }
    }
    txn.commit().unwrap();
    let r = db.begin_read().unwrap();
    let t = r.open_table(table).unwrap();
    assert_eq!(t.get(1234).unwrap().unwrap().value(), "value 1234");
}

#[test]
fn a_file_like_an_encrypted_database_shares_its_key_and_nothing_else() {
    use crate::store::Database;
    let dir = tempfile::tempdir().unwrap();
    let key = super::Key::key_file_bytes(vec![42u8; 32]).unwrap();
    let db = Database::create_encrypted(dir.path().join("a.redb"), &key).unwrap();
    assert!(db.is_encrypted());
    let copy_path = dir.path().join("copy.redb");
    let table: redb::TableDefinition<u64, u64> = redb::TableDefinition::new("t");
    {
        let copy = db.create_file_like(&copy_path).unwrap();
        let txn = copy.begin_write().unwrap();
        txn.open_table(table).unwrap().insert(1, 2).unwrap();
        txn.commit().unwrap();
    }
    assert!(super::is_encrypted(&copy_path).unwrap());
    let again = db.open_file_like(&copy_path).unwrap();
    let r = again.begin_read().unwrap();
    assert_eq!(
        r.open_table(table)
            .unwrap()
            .get(1)
            .unwrap()
            .unwrap()
            .value(),
        2
    );
    drop(r);
    drop(again);
    // Another database's key is refused.
    let other_key = super::Key::key_file_bytes(vec![43u8; 32]).unwrap();
    let other = Database::create_encrypted(dir.path().join("b.redb"), &other_key).unwrap();
    let e = other.open_file_like(&copy_path).unwrap_err();
    assert_eq!(e.code(), "INVALID_VALUE", "{e}");

    let plain = Database::create(dir.path().join("plain.redb")).unwrap();
    assert!(!plain.is_encrypted());
    let plain_copy = dir.path().join("plain-copy.redb");
    drop(plain.create_file_like(&plain_copy).unwrap());
    assert!(!super::is_encrypted(&plain_copy).unwrap());
    drop(plain.open_file_like(&plain_copy).unwrap());
}

#[test]
fn a_block_never_written_fails_a_read_for_redb_and_reads_as_zeros_for_a_copy() {
    for checksum in [false, true] {
        let b = backend_sealed(checksum);
        b.write(0, &[5u8; BLOCK_BYTES]).unwrap();
        b.set_len(3 * BLOCK_BYTES as u64).unwrap();
        b.write(2 * BLOCK_BYTES as u64, &[6u8; BLOCK_BYTES])
            .unwrap();
        let mut out = vec![0xAAu8; 100];
        let e = b.read(BLOCK_BYTES as u64, &mut out).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("block 1 "), "{e}");
        assert!(e.to_string().contains("all zeros"), "{e}");
        b.read_as(BLOCK_BYTES as u64, &mut out, ReadFor::Merge)
            .unwrap();
        assert_eq!(out, vec![0u8; 100]);
        b.read(2 * BLOCK_BYTES as u64, &mut out).unwrap();
        assert_eq!(out, vec![6u8; 100]);
    }
}

#[test]
fn a_checksummed_block_is_plain_on_disk_and_a_flipped_bit_or_a_move_fails_naming_it() {
    let b = backend_sealed(true);
    let text = b"resident 1234567890 yamada taro ".repeat(256);
    b.write(0, &text).unwrap();
    let physical = |block: u64| HEADER_BYTES + block * CHECKSUM_PHYSICAL_BLOCK as u64;
    let mut raw = vec![0u8; BLOCK_BYTES];
    b.inner_for_tests().read(physical(1), &mut raw).unwrap();
    assert_eq!(&raw[..], &text[BLOCK_BYTES..2 * BLOCK_BYTES]);
    // A flipped bit in block 1 fails block 1 only.
    b.inner_for_tests()
        .write(physical(1) + 7, &[raw[7] ^ 0x10])
        .unwrap();
    let mut out = vec![0u8; 10];
    b.read(0, &mut out).unwrap();
    let e = b.read(BLOCK_BYTES as u64 + 5, &mut out).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
    assert!(e.to_string().contains("block 1 "), "{e}");
    assert!(e.to_string().contains("checksum"), "{e}");
    // Block 0 copied over block 1 (a misplaced write) fails too.
    let mut block0 = vec![0u8; CHECKSUM_PHYSICAL_BLOCK];
    b.inner_for_tests().read(physical(0), &mut block0).unwrap();
    b.inner_for_tests().write(physical(1), &block0).unwrap();
    assert!(b.read(BLOCK_BYTES as u64, &mut out).is_err());
    // Cut short: a backend opened over the file without its last block.
    let mut kept = vec![0u8; (physical(1) + 100) as usize];
    b.inner_for_tests().read(0, &mut kept).unwrap();
    let cut = InMemoryBackend::new();
    cut.set_len(kept.len() as u64).unwrap();
    cut.write(0, &kept).unwrap();
    let len = b.len().unwrap();
    let b =
        CryptBackend::with_seal(cut, BlockSeal::new(Sealing::Checksum, [4u8; 16]), len).unwrap();
    b.read(0, &mut out).unwrap();
    let e = b.read(BLOCK_BYTES as u64, &mut out).unwrap_err();
    assert!(e.to_string().contains("cut short"), "{e}");
}

/// A backend that remembers which blocks were written and counts reads of blocks that
/// were not (its locks always succeed, so that a database dropped without closing can be
/// opened again over the same storage).
#[derive(Debug)]
struct Tracking {
    inner: std::sync::Arc<InMemoryBackend>,
    written: std::sync::Arc<std::sync::Mutex<std::collections::BTreeSet<u64>>>,
    unwritten_reads: std::sync::Arc<std::sync::Mutex<Vec<u64>>>,
}

impl Tracking {
    fn again(&self) -> Tracking {
        Tracking {
            inner: self.inner.clone(),
            written: self.written.clone(),
            unwritten_reads: self.unwritten_reads.clone(),
        }
    }
}

fn blocks_of(offset: u64, len: usize) -> std::ops::Range<u64> {
    offset / BLOCK_BYTES as u64..(offset + len as u64).div_ceil(BLOCK_BYTES as u64)
}

impl StorageBackend for Tracking {
    fn len(&self) -> std::io::Result<u64> {
        self.inner.len()
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> std::io::Result<()> {
        let written = self.written.lock().unwrap();
        for b in blocks_of(offset, out.len()) {
            if !written.contains(&b) {
                self.unwritten_reads.lock().unwrap().push(b);
            }
        }
        self.inner.read(offset, out)
    }
    fn set_len(&self, len: u64) -> std::io::Result<()> {
        self.written
            .lock()
            .unwrap()
            .retain(|&b| b < len.div_ceil(BLOCK_BYTES as u64));
        self.inner.set_len(len)
    }
    fn sync_data(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn write(&self, offset: u64, data: &[u8]) -> std::io::Result<()> {
        self.written
            .lock()
            .unwrap()
            .extend(blocks_of(offset, data.len()));
        self.inner.write(offset, data)
    }
    fn close(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn try_lock_range(
        &self,
        _: std::ops::Bound<u64>,
        _: std::ops::Bound<u64>,
    ) -> Result<bool, redb::BackendError> {
        Ok(true)
    }
    fn try_lock_shared_range(
        &self,
        _: std::ops::Bound<u64>,
        _: std::ops::Bound<u64>,
    ) -> Result<bool, redb::BackendError> {
        Ok(true)
    }
    fn lock_range(
        &self,
        _: std::ops::Bound<u64>,
        _: std::ops::Bound<u64>,
    ) -> Result<(), redb::BackendError> {
        Ok(())
    }
    fn lock_shared_range(
        &self,
        _: std::ops::Bound<u64>,
        _: std::ops::Bound<u64>,
    ) -> Result<(), redb::BackendError> {
        Ok(())
    }
    fn unlock_range(
        &self,
        _: std::ops::Bound<u64>,
        _: std::ops::Bound<u64>,
    ) -> Result<(), redb::BackendError> {
        Ok(())
    }
    fn query_lock_range(
        &self,
        _: std::ops::Bound<u64>,
        _: std::ops::Bound<u64>,
    ) -> Result<bool, redb::BackendError> {
        Ok(false)
    }
}

/// The ground for reading an all-zero block as damage: redb reads only blocks it wrote,
/// through inserts, deletes, large values, a compaction, a clean reopen, an integrity
/// check and the repair after a handle dropped without closing. (A small cache makes redb
/// write pages out before a commit and read them back.)
#[test]
fn redb_never_reads_a_block_it_did_not_write() {
    let table: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("t");
    let tracking = Tracking {
        inner: std::sync::Arc::new(InMemoryBackend::new()),
        written: Default::default(),
        unwritten_reads: Default::default(),
    };
    let open = |t: &Tracking, check: bool| {
        redb::Database::builder()
            .set_cache_size(256 << 10)
            .set_check_integrity_on_open(check)
            .create_with_backend(t.again())
            .unwrap()
    };
    let mut db = open(&tracking, false);
    for round in 0..12u64 {
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(table).unwrap();
            for i in 0..600u64 {
                let k = (i * 7919 + round * 31) % 2000;
                if (i + round) % 5 == 0 {
                    t.remove(k).unwrap();
                } else {
                    let len = if i % 97 == 0 {
                        9000
                    } else {
                        40 + (i % 300) as usize
                    };
                    t.insert(k, vec![(i % 251) as u8; len].as_slice()).unwrap();
                }
            }
        }
        txn.commit().unwrap();
        if round == 6 {
            assert!(db.compact().is_ok());
        }
    }
    drop(db);
    let mut db = open(&tracking, false);
    {
        let r = db.begin_read().unwrap();
        let t = r.open_table(table).unwrap();
        assert!(t.iter().unwrap().count() > 100);
    }
    assert!(db.check_integrity().unwrap());
    let txn = db.begin_write().unwrap();
    txn.open_table(table)
        .unwrap()
        .insert(1, [1u8; 50].as_slice())
        .unwrap();
    txn.commit().unwrap();
    // Dropped without closing: the next open repairs.
    std::mem::forget(db);
    let db = open(&tracking, false);
    drop(db);
    let db = open(&tracking, true);
    drop(db);
    let unwritten = tracking.unwritten_reads.lock().unwrap().clone();
    assert!(
        unwritten.is_empty(),
        "redb read blocks it never wrote: {unwritten:?}"
    );
}
