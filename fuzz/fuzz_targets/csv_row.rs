//! Arbitrary bytes as an import file: the record splitter, the header check and the row
//! validator answer with rows or problems, never a panic, in either encoding.
#![no_main]

use juki::{Encoding, testing::{validate_row, Header, Records}};
use juki::Date;
use libfuzzer_sys::fuzz_target;

const HEADER: &[u8] = b"resident_code,my_number,name_kanji,name_kana,sex,birth_date,address,postal_code,household_id,relationship,moved_in_date\n";

fuzz_target!(|data: &[u8]| {
    let today = Date::from_ymd(2026, 4, 1).expect("a date");
    for encoding in [Encoding::Utf8, Encoding::Cp932] {
        // The input as a whole file, and as rows under a good header.
        for input in [data.to_vec(), [HEADER, data].concat()] {
            let mut records = Records::new(std::io::Cursor::new(input));
            let Ok(Some(first)) = records.next_record() else {
                continue;
            };
            let Ok(header) = Header::parse(&first, encoding) else {
                continue;
            };
            while let Ok(Some(record)) = records.next_record() {
                let _ = validate_row(&record, &header, encoding, today);
            }
        }
    }
});
