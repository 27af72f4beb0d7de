//! Items an import carries over from the register a city kept before (移行) that the write
//! path would otherwise derive: 住民となった日, 住所を定めた日, 前住所, 転出先 and the 届出日.
//!
//! A carried change goes through `write::apply` with every check, like any change; only
//! the version it writes for its own resident is then given the carried items before it
//! is stored ([`Carrying`] wraps the ledger). The items are none of the 4情報 index keys,
//! the household entry or the identity indexes, so what the write path wrote for them
//! stays true. Invariant: a carried 届出日 of `None` is stored as 0 (unknown) and read back
//! as `Resident::reported == None`.

use crate::model::{Date, PartialDate, Reason};
use crate::store::engine::change::Change;
use crate::store::engine::household::Member;
use crate::store::engine::ledger::Ledger;
use crate::store::engine::record::StoredRecord;
use crate::store::error::Result;

/// What a migrated version keeps from the file instead of what the write path derives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Carried {
    /// 住民となった日, whole or known in part.
    pub resident_since: PartialDate,
    /// 住所を定めた日, whole or known in part.
    pub address_since: PartialDate,
    /// 消除日 as the file gives it (whole or in part), for the version of a removal; `None`
    /// keeps the one the write path derives from the 異動日.
    pub removed_on: Option<PartialDate>,
    /// 前住所.
    pub previous_address: Option<String>,
    /// 転出先.
    pub destination: Option<String>,
    /// 届出日, `None` when the file does not give it.
    pub reported: Option<Date>,
    /// A removed resident's (除票) row: its 移行 is removed again by the next change of the
    /// same load, so the household rules do not apply to the 移行.
    pub removed: bool,
}

/// A change for a bulk load, with the items it carries when it is a migration's.
pub(crate) trait ToStage {
    /// The change.
    fn change(&self) -> &Change;
    /// The carried items, if any.
    fn carried(&self) -> Option<&Carried> {
        None
    }
}

impl<T: std::borrow::Borrow<Change>> ToStage for T {
    fn change(&self) -> &Change {
        self.borrow()
    }
}

/// A change with the items it carries, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Staged {
    pub change: Change,
    pub carried: Option<Carried>,
}

impl ToStage for Staged {
    fn change(&self) -> &Change {
        &self.change
    }

    fn carried(&self) -> Option<&Carried> {
        self.carried.as_ref()
    }
}

/// A ledger that gives the version written for `code` with `reason` the carried items.
pub(crate) struct Carrying<'a, L: Ledger> {
    pub inner: &'a mut L,
    pub code: u64,
    pub reason: Reason,
    pub carried: &'a Carried,
}

impl<L: Ledger> Ledger for Carrying<'_, L> {
    fn transient(&self) -> bool {
        self.reason == Reason::Migration && self.carried.removed
    }
    fn id_of_code(&self, code: u64) -> Result<Option<(u64, bool)>> {
        self.inner.id_of_code(code)
    }
    fn id_of_my_number(&self, n: u64) -> Result<Option<(u64, bool)>> {
        self.inner.id_of_my_number(n)
    }
    fn latest(&self, id: u64) -> Result<Option<StoredRecord>> {
        self.inner.latest(id)
    }
    fn member(&self, id: u64) -> Result<Option<Member>> {
        self.inner.member(id)
    }
    fn all_versions(&self, id: u64) -> Result<Vec<StoredRecord>> {
        self.inner.all_versions(id)
    }
    fn household_ids(&self, h: u64) -> Result<Vec<u64>> {
        self.inner.household_ids(h)
    }
    fn next_id(&self) -> Result<u64> {
        self.inner.next_id()
    }
    fn next_seq(&self) -> Result<u64> {
        self.inner.next_seq()
    }
    fn set_next_id(&mut self, v: u64) -> Result<()> {
        self.inner.set_next_id(v)
    }
    fn set_next_seq(&mut self, v: u64) -> Result<()> {
        self.inner.set_next_seq(v)
    }
    fn put_version(&mut self, rec: &StoredRecord, bytes: &[u8]) -> Result<()> {
        if rec.code != self.code || rec.reason != self.reason.code() {
            return self.inner.put_version(rec, bytes);
        }
        let mut rec = rec.clone();
        let c = self.carried;
        rec.resident_since = c.resident_since.code();
        rec.address_since = c.address_since.code();
        if let Some(on) = c.removed_on {
            rec.removed_on = on.code();
        }
        rec.previous_address.clone_from(&c.previous_address);
        rec.destination.clone_from(&c.destination);
        rec.reported = c.reported.map_or(0, Date::to_yyyymmdd);
        self.inner.put_version(&rec, &rec.encode())
    }
    fn remove_resident(&mut self, code: u64) -> Result<()> {
        self.inner.remove_resident(code)
    }
    fn put_code(&mut self, code: u64, id: u64, current: bool) -> Result<()> {
        self.inner.put_code(code, id, current)
    }
    fn put_my_number(&mut self, n: u64, id: u64, current: bool) -> Result<()> {
        self.inner.put_my_number(n, id, current)
    }
    fn put_search(&mut self, key: &[u8]) -> Result<()> {
        self.inner.put_search(key)
    }
    fn put_household(&mut self, h: u64, id: u64, version: u32) -> Result<()> {
        self.inner.put_household(h, id, version)
    }
    fn put_change(&mut self, seq: u64, id: u64, version: u32) -> Result<()> {
        self.inner.put_change(seq, id, version)
    }
    fn put_head(&mut self, h: u64, id: u64, name: &str) -> Result<()> {
        self.inner.put_head(h, id, name)
    }
    fn drop_head(&mut self, h: u64) -> Result<()> {
        self.inner.drop_head(h)
    }
}
