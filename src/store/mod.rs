//! The resident store: residents, their versions and every index in one redb file.
//!
//! * [`Database`] (`db.rs`) owns the file, hands out transactions and is the seam every other
//!   layer calls; `handle.rs` is the redb database under it, read-write or read-only (a
//!   read-only one writes nothing to its file); `error.rs` is the store's error.
//! * `engine/` is the register itself: `schema` names the tables and lays out their keys
//!   (DESIGN.md, "Storage layout"), `record` frames each version with a CRC32 around its rkyv
//!   archive, `write` applies a [`Change`] with the checks of docs/domain.md, `household`
//!   keeps the one-世帯主 rule, `search` answers 4情報 searches and `stats` population counts.
//! * `bulk/` loads a whole register through the same ledger as single 異動.
//! * `maintain/` checks a whole file (CHECK), copies it online (BACKUP) and compacts it.
//! * `crypt/` encrypts the whole file at rest (SQLCipher-like).
//! * `testing/` holds the fault-injecting backend and the in-memory model the property test
//!   and the differential fuzz target compare the engine with.
//!
//! Dependencies point one way: `bulk` and `maintain` use `engine`; `engine` uses neither.

pub(crate) mod bulk;
pub mod crypt;
mod db;
pub(crate) mod engine;
mod error;
mod handle;
pub(crate) mod maintain;
#[doc(hidden)]
pub mod testing;

pub(crate) use engine::{record, schema};

#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub use testing::model_test;

pub use bulk::load::{BulkLoad, STAGING_BUDGET_BYTES};
pub(crate) use db::create_private_file;
pub(crate) use db::open_for_upgrade;
pub use db::{BatchError, Clock, Counts, Database, Household, MyNumberMatch, LOAD_CACHE_BYTES};
pub use engine::cache::{cache_for, DEFAULT_CACHE_BYTES};
pub use engine::change::{Change, Fields, HouseholdMove};
pub use engine::record::{Field, FieldSet};
pub use engine::report::{HouseholdRow, Households, Movement, Period, Population, Report, Split};
#[cfg(any(test, feature = "testing"))]
pub use engine::resident::decode_stored_value;
pub use engine::resident::Resident;
pub use engine::schema::FORMAT_VERSION;
pub use engine::search::{NameQuery, SearchHit, SearchQuery};
#[cfg(any(test, feature = "testing"))]
pub use engine::stats::town_of;
pub use engine::stats::{StatDim, StatsRow};
pub use engine::warnings::{Warning, MAX_PLAUSIBLE_AGE};
pub use engine::write::{Receipt, Written, MOVE_OUT_ADVANCE_DAYS};
pub use error::{Result, Rule, StoreError};
pub(crate) use maintain::backup::{
    copy_verified, link_into_place, sync_dir, temp_beside, TempFile,
};
pub use maintain::backup::{manifest_path, BackupReport, Manifest};
pub use maintain::check::{CheckReport, Problem};
pub use maintain::compact::CompactReport;
pub use maintain::upgrade::kept_path;
pub(crate) use maintain::upgrade::{install_upgraded, upgrade_temp, write_upgraded_copy};
#[cfg(any(test, feature = "testing"))]
pub use testing::backend::{FaultOn, FaultyBackend};
