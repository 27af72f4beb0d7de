//! A console on a signed-in session: runs statement text (from `-c`, standard input or the
//! REPL) through the executor and prints results and errors as docs/cli.md fixes them.

use super::format::{print, Format, TableStyle};
use crate::auth::Session;
use crate::query::{parse, Executor, QueryError};
use std::io::Write;
use std::time::Instant;

/// A signed-in session and how its results are printed.
pub struct Console {
    /// The operator's session.
    pub session: Session,
    /// The output format.
    pub format: Format,
    /// Table layout.
    pub style: TableStyle,
    /// Print the time each statement took.
    pub timing: bool,
}

impl Console {
    /// Runs every statement in `text`, printing results to `out` and errors to `err`.
    /// Stops at the first failing statement and returns false. Every statement is logged,
    /// including one that does not parse.
    pub fn run_text(&self, text: &str, out: &mut dyn Write, err: &mut dyn Write) -> bool {
        let exec = Executor::new(&self.session);
        let statements = match parse(text) {
            Ok(s) => s,
            Err(e) => {
                self.session.log_failure("SYNTAX", text, "SYNTAX");
                report(err, text, &QueryError::from(e));
                return false;
            }
        };
        for stmt in &statements {
            let started = Instant::now();
            match exec.run_statement(stmt, text) {
                Ok(output) => {
                    if let Err(e) = print(out, &output, self.format, self.style) {
                        let _ = writeln!(err, "error[IO]: writing the result: {e}");
                        return false;
                    }
                }
                Err(e) => {
                    report(err, text, &e);
                    return false;
                }
            }
            if self.timing {
                let _ = writeln!(err, "time: {:.3} ms", started.elapsed().as_secs_f64() * 1e3);
            }
        }
        let _ = out.flush();
        true
    }
}

/// Prints `error[CODE]: message`, then the statement with a caret under the offending text
/// and the hint, when there are any.
pub fn report(err: &mut dyn Write, text: &str, e: &QueryError) {
    let _ = writeln!(err, "error[{}]: {e}", e.code());
    let detail = e.render(text);
    if !detail.is_empty() {
        let _ = writeln!(err, "{detail}");
    }
}
