//! The engine: the tables and their key layout, the record codec, the 異動 write path with its
//! checks, lookups, 4情報 search, households and statistics.
//!
//! Everything here works on one redb transaction at a time; [`crate::store::Database`] owns
//! the file and hands transactions in.

pub(crate) mod blocks;
pub(crate) mod cache;
pub(crate) mod change;
pub(crate) mod digest;
pub(crate) mod geography;
pub(crate) mod group;
pub(crate) mod history;
pub(crate) mod household;
pub(crate) mod household_move;
pub(crate) mod keys;
pub(crate) mod ledger;
pub(crate) mod partial;
pub(crate) mod place;
pub(crate) mod record;
pub(crate) mod report;
pub(crate) mod resident;
pub(crate) mod schema;
pub(crate) mod search;
pub(crate) mod snapshot;
pub(crate) mod sorted;
pub(crate) mod stats;
pub(crate) mod tables;
pub(crate) mod undo;
pub(crate) mod warnings;
pub(crate) mod write;
