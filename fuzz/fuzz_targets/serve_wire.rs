//! Arbitrary bytes as what crosses `juki serve`'s socket: a query string of the change feed,
//! and as JSON an output, a run's answer, a refusal, a sign-in's body. Nothing panics, and
//! what reads as an output or a run reads back the same once written again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    juki::testing::read_protocol(data);
});
