//! Building the 4情報 index (`search`) again from the versions, for a file whose index was
//! made with other search keys (the upgrade of a format-2 file: the name keys changed with
//! it, `crate::model::NAME_KEY_VERSION`).
//!
//! The entries are those CHECK expects (`maintain::check`): for every version, the keys
//! the version before it did not have (`keys::new_search_keys`, the write path's own
//! function), and for every backdated 職権修正 the keys of each as-of answer it folded, on
//! each 異動日 from its own on, among the versions written up to it. The keys are collected,
//! sorted and written into the emptied table in one pass of full blocks.

use crate::model::Reason;
use crate::store::engine::blocks::Inserter;
use crate::store::engine::keys::{components, new_search_keys, KeyTexts};
use crate::store::engine::record::StoredRecord;
use crate::store::engine::schema::{with_suffix, SEARCH, VERSIONS};
use crate::store::engine::tables::fold_as_of;
use crate::store::error::Result;
use redb::{ReadableDatabase, ReadableTable};
use std::collections::BTreeSet;

/// Empties `search` and writes every entry the versions call for; the number of entries.
pub(crate) fn rebuild_search(db: &redb::Database) -> Result<u64> {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    {
        let txn = db.begin_read()?;
        let versions = txn.open_table(VERSIONS)?;
        let mut group: Vec<StoredRecord> = Vec::new();
        for entry in versions.iter()? {
            let (_, value) = entry?;
            let rec = StoredRecord::decode("versions", value.value())?;
            if group.first().is_some_and(|r| r.id != rec.id) {
                keys_of(&group, &mut keys)?;
                group.clear();
            }
            group.push(rec);
        }
        keys_of(&group, &mut keys)?;
    }
    keys.sort_unstable();
    keys.dedup();
    let txn = db.begin_write()?;
    txn.delete_table(SEARCH)?;
    {
        let mut table = txn.open_table(SEARCH)?;
        let mut inserter = Inserter::new(&mut table)?;
        for key in &keys {
            inserter.push(key)?;
        }
        inserter.finish()?;
    }
    txn.commit()?;
    Ok(keys.len() as u64)
}

/// The index entries of one resident's versions (in version order).
fn keys_of(versions: &[StoredRecord], out: &mut Vec<Vec<u8>>) -> Result<()> {
    for (w, rec) in versions.iter().enumerate() {
        let before = w.checked_sub(1).map(|p| KeyTexts::of(&versions[p]));
        new_search_keys(before, KeyTexts::of(rec), rec.id, rec.version, |k| {
            out.push(k.to_vec());
            Ok(())
        })?;
        let backdated = w > 0
            && rec.reason == Reason::Correction.code()
            && rec.valid_from < versions[w - 1].prefix_max;
        if !backdated {
            continue;
        }
        let upto = &versions[..=w];
        let dates: BTreeSet<u32> = upto
            .iter()
            .map(|v| v.valid_from)
            .filter(|d| *d >= rec.valid_from)
            .collect();
        for d in dates {
            if let Some(folded) = fold_as_of(upto.iter().rev().cloned().map(Ok), d)? {
                for prefix in components(&folded).prefixes() {
                    out.push(with_suffix(prefix, rec.id, folded.version));
                }
            }
        }
    }
    Ok(())
}
