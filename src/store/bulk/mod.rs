//! Bulk loading: versions staged in sorted runs on disk, merged once, and written through the
//! same [`crate::store::engine::ledger`] as single 異動, with the address-key memo and the
//! background flusher that keeps the staging budget.

pub(crate) mod carry;
pub(crate) mod flusher;
pub(crate) mod load;
pub(crate) mod recent;
pub(crate) mod spill;
pub(crate) mod staging;
