//! A content digest of a database: SHA-256 over every table's keys and values in key order.
//! Used to prove that a refused change left the data as it was, and by backups (the copy
//! computes the digest of the snapshot it copies with the same [`ContentHasher`]).

use super::tables::View;
use crate::store::error::Result;
use redb::{Key, ReadableTable, Value};
use sha2::{Digest, Sha256};

/// The tables the digest covers, in the order it takes them: the store's tables (not the
/// operators or the operation log, which change with every sign-in).
pub(crate) const DIGEST_TABLES: [&str; 8] = [
    "meta",
    "residents",
    "versions",
    "codes",
    "my_numbers",
    "search",
    "households",
    "changes",
];

/// The digest being computed: each table's name, then its entries in key order.
pub(crate) struct ContentHasher(Sha256);

impl ContentHasher {
    pub(crate) fn new() -> ContentHasher {
        ContentHasher(Sha256::new())
    }

    /// Starts the next table.
    pub(crate) fn table(&mut self, name: &str) {
        self.0.update(name.as_bytes());
        self.0.update([0]);
    }

    /// One entry of the current table, as redb stores its key and value.
    pub(crate) fn entry(&mut self, key: &[u8], value: &[u8]) {
        self.0.update((key.len() as u64).to_le_bytes());
        self.0.update(key);
        self.0.update((value.len() as u64).to_le_bytes());
        self.0.update(value);
    }

    pub(crate) fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

fn hash_table<K, V, T>(h: &mut ContentHasher, name: &str, table: &T) -> Result<()>
where
    K: Key + 'static,
    V: Value + 'static,
    T: ReadableTable<K, V>,
{
    h.table(name);
    for entry in table.iter()? {
        let (k, v) = entry?;
        let (kv, vv) = (k.value(), v.value());
        h.entry(K::as_bytes(&kv).as_ref(), V::as_bytes(&vv).as_ref());
    }
    Ok(())
}

/// The 4情報 index by its keys, each as an entry with an empty value, whatever blocks hold
/// them: two databases with the same keys have the same digest.
pub(crate) fn hash_search(
    h: &mut ContentHasher,
    name: &str,
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
) -> Result<()> {
    h.table(name);
    super::blocks::for_each(table, |key| {
        h.entry(key, &[]);
        Ok(())
    })
}

pub(crate) fn digest(t: &impl View) -> Result<[u8; 32]> {
    let mut h = ContentHasher::new();
    let [meta, residents, versions, codes, my_numbers, search, households, changes] = DIGEST_TABLES;
    hash_table(&mut h, meta, t.meta())?;
    hash_table(&mut h, residents, t.residents())?;
    hash_table(&mut h, versions, t.versions())?;
    hash_table(&mut h, codes, t.codes())?;
    hash_table(&mut h, my_numbers, t.my_numbers())?;
    hash_search(&mut h, search, t.search())?;
    hash_table(&mut h, households, t.households())?;
    hash_table(&mut h, changes, t.changes())?;
    Ok(h.finish())
}

/// Lower-case hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
