//! The resident store: residents, their versions and every index in one redb file.
//!
//! * [`Database`] opens a file, records 異動 and answers lookups.
//! * `schema` names the tables and lays out their keys (DESIGN.md, "Storage layout").
//! * `record` frames each version with a CRC32 around its rkyv archive.
//! * `write` applies a [`Change`] with the checks of docs/domain.md; `household` keeps
//!   the one-世帯主 rule.
//! * `search` answers 4情報 searches, `stats` population counts.
//! * `backup` makes an online copy of one snapshot with its manifest; `compact` gives free
//!   space back.
//! * `crypt` encrypts the whole file at rest (SQLCipher-like).

mod backend;
mod backup;
mod blocks;
mod bulk;
mod cache;
mod change;
mod check;
mod compact;
pub mod crypt;
mod db;
mod digest;
mod error;
mod flusher;
mod household;
mod keys;
mod ledger;
mod recent;
pub(crate) mod record;
mod resident;
pub(crate) mod schema;
mod search;
mod snapshot;
mod spill;
mod staging;
mod stats;
pub(crate) mod tables;
mod write;

#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub mod model_test;

#[doc(hidden)]
pub use backend::{FaultOn, FaultyBackend};
pub(crate) use backup::{copy_verified, sync_dir, temp_beside, TempFile};
pub use backup::{manifest_path, BackupReport, Manifest, MANIFEST_VERSION};
pub use bulk::{BulkLoad, Taken, STAGING_BUDGET_BYTES};
pub use cache::{cache_for, DEFAULT_CACHE_BYTES};
pub use change::{Change, Fields};
pub use check::{CheckReport, Problem};
pub use compact::CompactReport;
pub use db::{
    BatchError, ChangeEntry, Clock, Counts, Database, Household, MyNumberMatch, LOAD_CACHE_BYTES,
};
pub use error::{Result, Rule, StoreError};
pub use record::{Field, FieldSet};
pub use resident::{decode_stored_value, Resident};
pub use schema::FORMAT_VERSION;
pub use search::{NameQuery, SearchHit, SearchQuery};
pub use stats::{town_of, StatDim, StatsRow};
pub use write::{Receipt, Written, MOVE_OUT_ADVANCE_DAYS};
