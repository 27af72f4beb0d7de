//! Testing aids: a storage backend that fails on purpose, and the in-memory model of the
//! register that the property test and the differential fuzz target run the engine against.

#[cfg(any(test, feature = "testing"))]
pub(crate) mod backend;
#[cfg(any(test, fuzzing))]
pub mod model_test;
