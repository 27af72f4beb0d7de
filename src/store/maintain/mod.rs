//! Maintenance of a whole file: CHECK (every table cross-checked), online BACKUP with its
//! manifest, and COMPACT.

pub(crate) mod backup;
pub(crate) mod check;
pub(crate) mod compact;
pub(crate) mod reindex;
pub(crate) mod upgrade;
