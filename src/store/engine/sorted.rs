//! [`Sorted`]: entries written into one table in increasing key order, those that fall after
//! every key the table held through one redb cursor at the end of the table.
//!
//! `Table::insert` descends the tree for every entry. A `CursorMut` at the end of the table
//! (`upper_bound_mut(Unbounded)`) takes ascending `insert_before`s, buffers them and splices
//! them into the right edge of the tree a leaf at a time (redb's changelog: "around 3x
//! faster" for sorted data; see BENCHMARKS.md, "Sorted inserts through the cursor", for what
//! it gives here). A cursor never overwrites an entry and refuses a key that does not sort
//! strictly between its neighbours, so a writer notes the table's greatest key when it is
//! made, writes the entries up to that key with `insert` (they may replace entries or fall
//! between them) and every entry after it through the cursor.
//!
//! Invariants:
//! * Entries (and removals) come in strictly increasing key order. Once the cursor is open,
//!   a key out of order is refused with an error naming the table; nothing is skipped.
//! * `last` is never below the table's greatest key while the writer writes with `insert`:
//!   an insert of a key up to `last` does not raise the greatest key, and a removal only
//!   lowers it, so a caller may read and remove through [`Sorted::table`] until the cursor
//!   opens.
//! * Every key above `last` in the table was written by this writer, so a removal of a key
//!   above `last` has nothing to remove.
//! * [`Sorted::finish`] must end the writing: it closes the cursor, which applies the
//!   inserts still pending, and returns their error if that fails. A writer dropped without
//!   it (on a path that is already returning an error) still closes its cursor; should that
//!   fail, redb poisons the transaction, so its commit is refused and nothing half-written
//!   can be committed.

use crate::store::error::{Result, StoreError};
use redb::{CursorError, CursorMut, Key, ReadableTable, Table, TableHandle, Value};
use std::borrow::Borrow;
use std::cmp::Ordering;
use std::ops::Bound;

/// Writes entries in increasing key order into one table (see the module doc).
pub(crate) struct Sorted<'a, 't, K: Key + 'static, V: Value + 'static> {
    at: At<'a, 't, K, V>,
    /// The table's greatest key when the writer was made (`None`: the table was empty).
    last: Option<Vec<u8>>,
    /// Whether keys above `last` go through the cursor (otherwise every key is inserted).
    appending: bool,
    name: String,
}

/// What a [`Sorted`] writes through.
enum At<'a, 't, K: Key + 'static, V: Value + 'static> {
    /// The table itself, with `insert`.
    Table(&'a mut Table<'t, K, V>),
    /// The cursor at the end of the table (boxed: it is much larger than a reference).
    Cursor(Box<CursorMut<'a, K, V>>),
    /// Opening the cursor failed; the writer is unusable.
    Failed,
}

impl<'a, 't, K: Key + 'static, V: Value + 'static> Sorted<'a, 't, K, V> {
    /// A writer into `table` that appends the keys above its current greatest key through a
    /// cursor.
    pub(crate) fn new(table: &'a mut Table<'t, K, V>) -> Result<Self> {
        let last = table
            .last()?
            .map(|(k, _)| K::as_bytes(&k.value()).as_ref().to_vec());
        Ok(Sorted {
            name: table.name().to_string(),
            at: At::Table(table),
            last,
            appending: true,
        })
    }

    /// A writer into `table` that inserts every key (for a few keys, where looking up the
    /// greatest key would cost more than the cursor saves).
    pub(crate) fn insert_only(table: &'a mut Table<'t, K, V>) -> Self {
        Sorted {
            name: table.name().to_string(),
            at: At::Table(table),
            last: None,
            appending: false,
        }
    }

    /// Whether `key` goes through the cursor: it falls after every key the table held when
    /// the writer was made.
    fn after_last(&self, key: &[u8]) -> bool {
        self.appending
            && self
                .last
                .as_deref()
                .is_none_or(|last| K::compare(key, last) == Ordering::Greater)
    }

    /// Writes `key` with `value`; `key` is above every key given before.
    pub(crate) fn insert<'k, 'v>(
        &mut self,
        key: impl Borrow<K::SelfType<'k>>,
        value: impl Borrow<V::SelfType<'v>>,
    ) -> Result<()> {
        if let At::Table(_) = self.at {
            if !self.after_last(K::as_bytes(key.borrow()).as_ref()) {
                self.table()?.insert(key.borrow(), value.borrow())?;
                return Ok(());
            }
            self.open_cursor()?;
        }
        match &mut self.at {
            At::Cursor(cursor) => cursor.insert_before(key, value).map_err(|e| match e {
                CursorError::UnorderedKey => self.out_of_order("an entry"),
                CursorError::Storage(e) => e.into(),
                other => StoreError::Redb(other.into()),
            }),
            At::Table(_) | At::Failed => Err(self.failed()),
        }
    }

    /// Removes `key` if the table holds it; `key` is above every key given before.
    pub(crate) fn remove<'k>(&mut self, key: impl Borrow<K::SelfType<'k>>) -> Result<()> {
        let bytes = K::as_bytes(key.borrow());
        let after = self.after_last(bytes.as_ref());
        match &mut self.at {
            At::Table(table) => {
                // Above `last` only this writer's own entries, all below `key`: nothing to
                // remove.
                if !after {
                    table.remove(key.borrow())?;
                }
                Ok(())
            }
            At::Cursor(cursor) => {
                let above_prev = match cursor.peek_prev()? {
                    Some((prev, _)) => {
                        K::compare(bytes.as_ref(), K::as_bytes(&prev.value()).as_ref())
                            == Ordering::Greater
                    }
                    None => true,
                };
                if after && above_prev {
                    Ok(())
                } else {
                    Err(self.out_of_order("a removal"))
                }
            }
            At::Failed => Err(self.failed()),
        }
    }

    fn out_of_order(&self, what: &str) -> StoreError {
        StoreError::Storage(format!(
            "table {}: {what} given out of key order to the sorted writer",
            self.name
        ))
    }

    /// The table, while the writer still writes with `insert` (before any key above `last`).
    pub(crate) fn table(&mut self) -> Result<&mut Table<'t, K, V>> {
        match &mut self.at {
            At::Table(table) => Ok(table),
            _ => Err(StoreError::Storage(format!(
                "table {}: read after its sorted writer opened its cursor",
                self.name
            ))),
        }
    }

    /// Switches from the table to a cursor after its greatest key.
    fn open_cursor(&mut self) -> Result<()> {
        let At::Table(table) = std::mem::replace(&mut self.at, At::Failed) else {
            return Err(self.failed());
        };
        let cursor = table.upper_bound_mut(Bound::<K::SelfType<'_>>::Unbounded)?;
        self.at = At::Cursor(Box::new(cursor));
        Ok(())
    }

    fn failed(&self) -> StoreError {
        StoreError::Storage(format!(
            "table {}: the sorted writer failed before",
            self.name
        ))
    }

    /// Ends the writing: every entry given is in the table, or the error says why not.
    pub(crate) fn finish(self) -> Result<()> {
        match self.at {
            At::Table(_) => Ok(()),
            // Closing applies the pending inserts; only `close` reports their failure.
            At::Cursor(cursor) => Ok(cursor.close()?),
            At::Failed => Err(StoreError::Storage(format!(
                "table {}: the sorted writer failed before",
                self.name
            ))),
        }
    }
}

/// Writes `entries` (in strictly increasing key order) into `table` through a [`Sorted`]
/// writer: the one way the load appends a table's sorted entries.
pub(crate) fn write_sorted<'e, K: Key + 'static, V: Value + 'static>(
    table: &mut Table<'_, K, V>,
    entries: impl IntoIterator<Item = (K::SelfType<'e>, V::SelfType<'e>)>,
) -> Result<()> {
    let mut w = Sorted::new(table)?;
    for (k, v) in entries {
        w.insert(k, v)?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use redb::{ReadableDatabase, TableDefinition};
    use std::collections::BTreeMap;

    const T: TableDefinition<u64, u64> = TableDefinition::new("t");

    fn db() -> (tempfile::TempDir, redb::Database) {
        let dir = tempfile::tempdir().unwrap();
        let db = redb::Database::create(dir.path().join("t.redb")).unwrap();
        (dir, db)
    }

    fn contents(db: &redb::Database) -> BTreeMap<u64, u64> {
        let txn = db.begin_read().unwrap();
        let t = txn.open_table(T).unwrap();
        t.iter()
            .unwrap()
            .map(|e| {
                let (k, v) = e.unwrap();
                (k.value(), v.value())
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Over a table that already holds keys, sorted entries and removals leave what
        /// `insert` and `remove` one by one would: keys below the greatest key replace or
        /// fall between entries, keys above it are appended.
        #[test]
        fn sorted_writes_equal_inserts_one_by_one(
            before in proptest::collection::btree_map(0u64..2000, any::<u64>(), 0..300),
            writes in proptest::collection::btree_map(0u64..3000, proptest::option::of(any::<u64>()), 0..600),
        ) {
            let (_dir, db) = db();
            let txn = db.begin_write().unwrap();
            {
                let mut t = txn.open_table(T).unwrap();
                for (k, v) in &before {
                    t.insert(k, v).unwrap();
                }
            }
            txn.commit().unwrap();
            let txn = db.begin_write().unwrap();
            {
                let mut t = txn.open_table(T).unwrap();
                let mut w = Sorted::new(&mut t).unwrap();
                for (&k, v) in &writes {
                    match v {
                        Some(v) => w.insert(k, v).unwrap(),
                        None => w.remove(k).unwrap(),
                    }
                }
                w.finish().unwrap();
            }
            txn.commit().unwrap();
            let mut model = before.clone();
            for (&k, &v) in &writes {
                match v {
                    Some(v) => model.insert(k, v),
                    None => model.remove(&k),
                };
            }
            prop_assert_eq!(contents(&db), model);
        }
    }

    /// A key out of order once the cursor is open is an error naming the table, and the
    /// transaction's other entries are untouched.
    #[test]
    fn a_key_out_of_order_is_refused() {
        let (_dir, db) = db();
        let txn = db.begin_write().unwrap();
        {
            let mut t = txn.open_table(T).unwrap();
            t.insert(10, 1).unwrap();
            let mut w = Sorted::new(&mut t).unwrap();
            w.insert(5u64, 2u64).unwrap();
            w.insert(20u64, 3u64).unwrap();
            let err = w.insert(15u64, 4u64).unwrap_err().to_string();
            assert!(
                err.contains("table t") && err.contains("out of key order"),
                "{err}"
            );
            let err = w.remove(7u64).unwrap_err().to_string();
            assert!(err.contains("out of key order"), "{err}");
            w.finish().unwrap();
        }
        txn.commit().unwrap();
        assert_eq!(contents(&db), BTreeMap::from([(5, 2), (10, 1), (20, 3)]));
    }

    /// An equal key given twice through the cursor is refused, never silently dropped.
    #[test]
    fn a_key_given_twice_is_refused() {
        let (_dir, db) = db();
        let txn = db.begin_write().unwrap();
        let mut t = txn.open_table(T).unwrap();
        let mut w = Sorted::new(&mut t).unwrap();
        w.insert(1u64, 1u64).unwrap();
        assert!(w.insert(1u64, 2u64).is_err());
    }
}
