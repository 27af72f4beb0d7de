//! Arbitrary text as statements: the lexer and parser give statements or a syntax error,
//! never a panic; an error renders its caret without panicking, and redaction never fails.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match juki::testing::parse(text) {
        Ok(statements) => {
            for s in &statements {
                let _ = juki::testing::plan(s);
            }
        }
        Err(e) => {
            let _ = e.render(text);
        }
    }
    let _ = juki::testing::is_complete(text);
    let _ = juki::redact(text);
});
