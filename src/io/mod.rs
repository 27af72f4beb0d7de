//! Input and output around the store: the synthetic resident generator (`juki gen`, the
//! demo, benchmarks), the residents CSV import, the exports and the consistency files.

pub(crate) mod archive;
pub mod consistency;
pub mod csv_row;
pub mod export;
pub mod generator;
pub mod import;
pub(crate) mod notify;
mod pipeline;

#[cfg(test)]
mod export_tests;
#[cfg(test)]
mod import_tests;
