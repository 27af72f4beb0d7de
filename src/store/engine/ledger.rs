//! [`Ledger`]: what a 異動 reads and writes, as one trait, so that the engine's write path
//! (`write::apply`, the one-世帯主 rule) runs the same code over a redb write transaction
//! ([`WriteTables`]) and over a bulk load's in-memory staging (`staging::Staging`).

use super::household::Member;
use super::record::StoredRecord;
use super::schema::{META_NEXT_ID, META_NEXT_SEQ};
use super::tables::{View, WriteTables};
use crate::store::error::Result;
use redb::ReadableTable;

/// The reads and writes of one 異動.
pub(crate) trait Ledger {
    /// The internal id of a resident code (current or former), and whether it is current.
    fn id_of_code(&self, code: u64) -> Result<Option<(u64, bool)>>;
    /// The internal id of a My Number (current or former), and whether it is current.
    fn id_of_my_number(&self, n: u64) -> Result<Option<(u64, bool)>>;
    /// The latest version of a resident.
    fn latest(&self, id: u64) -> Result<Option<StoredRecord>>;
    /// What the one-head rule needs of a resident's latest version.
    fn member(&self, id: u64) -> Result<Option<Member>> {
        Ok(self.latest(id)?.as_ref().map(Member::of))
    }
    /// Every version of a resident, oldest first.
    fn all_versions(&self, id: u64) -> Result<Vec<StoredRecord>>;
    /// The internal ids with an entry in household `h` (each once, in id order).
    fn household_ids(&self, h: u64) -> Result<Vec<u64>>;
    /// The next internal id to hand out.
    fn next_id(&self) -> Result<u64>;
    /// The next 更新順番号.
    fn next_seq(&self) -> Result<u64>;
    /// Whether the change being written is the 移行 of a removed resident (除票), written
    /// only to be removed by the next change of the same load: the household rules, which
    /// are about active members, do not apply to it.
    fn transient(&self) -> bool {
        false
    }

    /// Sets the next internal id.
    fn set_next_id(&mut self, v: u64) -> Result<()>;
    /// Sets the next 更新順番号.
    fn set_next_seq(&mut self, v: u64) -> Result<()>;
    /// Stores a version (`bytes` is `rec` encoded) and makes it the resident's current
    /// record under its code.
    fn put_version(&mut self, rec: &StoredRecord, bytes: &[u8]) -> Result<()>;
    /// Removes the current record under a code the resident no longer holds.
    fn remove_resident(&mut self, code: u64) -> Result<()>;
    /// Maps a resident code to a resident.
    fn put_code(&mut self, code: u64, id: u64, current: bool) -> Result<()>;
    /// Maps a My Number to a resident.
    fn put_my_number(&mut self, n: u64, id: u64, current: bool) -> Result<()>;
    /// Adds a 4情報 index key (with its `[id][version]` suffix).
    fn put_search(&mut self, key: &[u8]) -> Result<()>;
    /// Records that a resident entered household `h` at `version`.
    fn put_household(&mut self, h: u64, id: u64, version: u32) -> Result<()>;
    /// Adds a change feed entry.
    fn put_change(&mut self, seq: u64, id: u64, version: u32) -> Result<()>;
    /// Makes resident `id`, named `name`, the 世帯主 of household `h`.
    fn put_head(&mut self, h: u64, id: u64, name: &str) -> Result<()>;
    /// Household `h` has no 世帯主 (until a `put_head`).
    fn drop_head(&mut self, h: u64) -> Result<()>;
}

impl Ledger for WriteTables<'_> {
    fn id_of_code(&self, code: u64) -> Result<Option<(u64, bool)>> {
        View::id_of_code(self, code)
    }

    fn id_of_my_number(&self, n: u64) -> Result<Option<(u64, bool)>> {
        View::id_of_my_number(self, n)
    }

    fn latest(&self, id: u64) -> Result<Option<StoredRecord>> {
        View::latest(self, id)
    }

    fn all_versions(&self, id: u64) -> Result<Vec<StoredRecord>> {
        View::all_versions(self, id)
    }

    fn household_ids(&self, h: u64) -> Result<Vec<u64>> {
        household_ids_in(&self.households, h)
    }

    fn next_id(&self) -> Result<u64> {
        Ok(self.meta_value(META_NEXT_ID)?.unwrap_or(1))
    }

    fn next_seq(&self) -> Result<u64> {
        Ok(self.meta_value(META_NEXT_SEQ)?.unwrap_or(1))
    }

    fn set_next_id(&mut self, v: u64) -> Result<()> {
        self.meta.insert(META_NEXT_ID, v)?;
        Ok(())
    }

    fn set_next_seq(&mut self, v: u64) -> Result<()> {
        self.meta.insert(META_NEXT_SEQ, v)?;
        Ok(())
    }

    fn put_version(&mut self, rec: &StoredRecord, bytes: &[u8]) -> Result<()> {
        self.versions.insert((rec.id, rec.version), bytes)?;
        self.residents.insert(rec.code, bytes)?;
        Ok(())
    }

    fn remove_resident(&mut self, code: u64) -> Result<()> {
        self.residents.remove(code)?;
        Ok(())
    }

    fn put_code(&mut self, code: u64, id: u64, current: bool) -> Result<()> {
        self.codes.insert(code, (id, current))?;
        Ok(())
    }

    fn put_my_number(&mut self, n: u64, id: u64, current: bool) -> Result<()> {
        self.my_numbers.insert(n, (id, current))?;
        Ok(())
    }

    fn put_search(&mut self, key: &[u8]) -> Result<()> {
        super::blocks::insert(&mut self.search, key)
    }

    fn put_household(&mut self, h: u64, id: u64, version: u32) -> Result<()> {
        self.households.insert((h, id, version), ())?;
        Ok(())
    }

    fn put_change(&mut self, seq: u64, id: u64, version: u32) -> Result<()> {
        self.changes.insert(seq, (id, version))?;
        Ok(())
    }

    fn put_head(&mut self, h: u64, id: u64, name: &str) -> Result<()> {
        self.heads.insert(h, (id, name))?;
        Ok(())
    }

    fn drop_head(&mut self, h: u64) -> Result<()> {
        self.heads.remove(h)?;
        Ok(())
    }
}

/// The internal ids with an entry in household `h` of a households table, each once.
pub(crate) fn household_ids_in(
    households: &impl ReadableTable<(u64, u64, u32), ()>,
    h: u64,
) -> Result<Vec<u64>> {
    let mut out: Vec<u64> = Vec::new();
    for entry in households.range((h, 0, 0)..=(h, u64::MAX, u32::MAX))? {
        let (k, _) = entry?;
        let (_, id, _) = k.value();
        if out.last() != Some(&id) {
            out.push(id);
        }
    }
    Ok(out)
}
