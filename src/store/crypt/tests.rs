//! The block mapping against a plain `Vec<u8>`, and the backend under redb.

use super::backend::{CryptBackend, PHYSICAL_BLOCK};
use super::header::{BLOCK_BYTES, HEADER_BYTES};
use proptest::prelude::*;
use redb::backends::InMemoryBackend;
use redb::{ReadableDatabase, StorageBackend};

fn backend() -> CryptBackend<InMemoryBackend> {
    let inner = InMemoryBackend::new();
    inner.set_len(HEADER_BYTES).unwrap();
    CryptBackend::new(inner, &[3u8; 32], [4u8; 16], 0).unwrap()
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
    fn random_writes_and_reads_match_a_plain_vec(ops in proptest::collection::vec(op(), 1..40)) {
        let b = backend();
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
                    let mut out = vec![0xAAu8; n];
                    let r = b.read(o, &mut out);
                    if o as usize + n <= model.len() || n == 0 {
                        r.unwrap();
                        if n > 0 {
                            prop_assert_eq!(&out[..], &model[o as usize..o as usize + n]);
                        }
                    } else {
                        prop_assert!(r.is_err());
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
        b.read(0, &mut all).unwrap();
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
