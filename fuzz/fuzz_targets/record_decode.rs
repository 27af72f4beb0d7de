//! Arbitrary bytes as a stored record value: decoding gives a resident or an error, never a
//! panic or undefined behaviour. Inputs get a valid CRC prepended half of the time so the
//! fuzzer reaches the archive validation behind the checksum.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = juki::testing::decode_stored_value(data);
    if let Some((&flag, body)) = data.split_first() {
        if flag & 1 == 1 {
            let mut framed = crc32fast::hash(body).to_le_bytes().to_vec();
            framed.extend_from_slice(body);
            let _ = juki::testing::decode_stored_value(&framed);
        }
    }
});
