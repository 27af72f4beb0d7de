//! Arbitrary 異動 sequences applied to the engine and to the in-memory model of the
//! register: every acceptance, refusal (code and rule), lookup, as-of answer, household,
//! search and change-feed entry must agree, and a refusal must leave the content unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    juki::testing::model_test::differential(data);
});
