//! Input and output around the store: the synthetic resident generator (`juki gen`, the
//! demo, benchmarks).

pub mod generator;
