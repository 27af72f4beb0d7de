//! A content digest of a database: SHA-256 over every table's keys and values in key order.
//! Used to prove that a refused change left the data as it was, and by backups.

use super::error::Result;
use super::tables::View;
use redb::{Key, ReadableTable, Value};
use sha2::{Digest, Sha256};

fn hash_table<K, V, T>(h: &mut Sha256, name: &str, table: &T) -> Result<()>
where
    K: Key + 'static,
    V: Value + 'static,
    T: ReadableTable<K, V>,
{
    h.update(name.as_bytes());
    h.update([0]);
    for entry in table.iter()? {
        let (k, v) = entry?;
        let (kv, vv) = (k.value(), v.value());
        let kb = K::as_bytes(&kv);
        let vb = V::as_bytes(&vv);
        h.update((kb.as_ref().len() as u64).to_le_bytes());
        h.update(kb.as_ref());
        h.update((vb.as_ref().len() as u64).to_le_bytes());
        h.update(vb.as_ref());
    }
    Ok(())
}

pub(crate) fn digest(t: &impl View) -> Result<[u8; 32]> {
    let mut h = Sha256::new();
    hash_table(&mut h, "meta", t.meta())?;
    hash_table(&mut h, "residents", t.residents())?;
    hash_table(&mut h, "versions", t.versions())?;
    hash_table(&mut h, "codes", t.codes())?;
    hash_table(&mut h, "my_numbers", t.my_numbers())?;
    hash_table(&mut h, "search", t.search())?;
    hash_table(&mut h, "households", t.households())?;
    hash_table(&mut h, "changes", t.changes())?;
    Ok(h.finalize().into())
}
