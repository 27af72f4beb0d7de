//! Statements on standard input, run as they arrive: a script, or a program that writes a
//! statement and waits for its answer.
//!
//! The input is read a line at a time, never whole, so memory does not grow with it: lines
//! gather until they make a whole statement by the REPL's rule
//! ([`crate::console::input_complete`]: quotes closed, the parser not stopped at the end
//! wanting more, or a blank line), which then runs at once and its answer is flushed before
//! the next line is read. A UTF-8 byte order mark before the first line is skipped. A line
//! that is not UTF-8 stops the run with an error naming it, after the statements before it
//! have run. The first statement that fails stops the run too.

use crate::console::{input_complete, Console};
use std::io::{BufRead, Read, Write};

/// The longest line, and the longest statement, read (bytes): a statement left open (an
/// unclosed quote, say) is refused at this size instead of gathering the rest of the input.
const MAX_STATEMENT_BYTES: usize = 1 << 20;

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why a script stopped before its end.
#[derive(Debug, PartialEq, Eq)]
pub enum Stopped {
    /// A statement failed; its error was printed.
    Failed,
    /// The input could not be read as statements; what and where.
    Input(String),
}

/// Runs the statements of `input` in order, printing results to `out` and errors to `err`.
pub fn run(
    console: &Console,
    mut input: impl BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Stopped> {
    let mut pending = String::new();
    let mut first_line = 0u64;
    let mut buf = Vec::new();
    for number in 1u64.. {
        buf.clear();
        let n = (&mut input)
            .take(MAX_STATEMENT_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| Stopped::Input(format!("reading standard input: {e}")))?;
        if n == 0 {
            break;
        }
        let line = decode(&buf, number)?;
        if pending.trim().is_empty() {
            pending.clear();
            first_line = number;
        }
        pending.push_str(line);
        if pending.len() > MAX_STATEMENT_BYTES {
            return Err(Stopped::Input(format!(
                "standard input line {first_line}: the statement is longer than {} MiB",
                MAX_STATEMENT_BYTES >> 20
            )));
        }
        if !pending.trim().is_empty() && input_complete(&pending) {
            statement(console, &pending, out, err)?;
            pending.clear();
        }
    }
    // At the end of the input whatever is left runs (and is reported if incomplete).
    if !pending.trim().is_empty() {
        statement(console, &pending, out, err)?;
    }
    Ok(())
}

/// Line `number` as text: without the byte order mark on the first, an error naming the
/// line when it is not UTF-8.
fn decode(bytes: &[u8], number: u64) -> Result<&str, Stopped> {
    let bytes = match number {
        1 => bytes.strip_prefix(BOM).unwrap_or(bytes),
        _ => bytes,
    };
    if bytes.len() > MAX_STATEMENT_BYTES {
        return Err(Stopped::Input(format!(
            "standard input line {number} is longer than {} MiB",
            MAX_STATEMENT_BYTES >> 20
        )));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        Stopped::Input(format!(
            "standard input line {number} is not valid UTF-8 (at byte {} of the line); \
             nothing from that line on was run",
            e.valid_up_to() + 1
        ))
    })
}

/// Runs one statement's text and flushes its answer.
fn statement(
    console: &Console,
    text: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Stopped> {
    let ok = console.run_text(text.trim_end(), out, err);
    let _ = out.flush();
    if ok {
        Ok(())
    } else {
        Err(Stopped::Failed)
    }
}
