//! A signed-in console session: runs statement text (from `-c`, standard input or the REPL)
//! through the executor and prints results and errors as cli.md fixes them.

use super::format::{print, Format, TableStyle};
use crate::query::{parse, Executor, QueryError};
use crate::store::Database;
use std::io::Write;
use std::time::Instant;

/// A database opened for an operator at a terminal, and how results are printed.
pub struct Session {
    /// The database.
    pub db: Database,
    /// The operator, recorded with every 異動.
    pub operator: Option<String>,
    /// The terminal, recorded with every 異動.
    pub terminal: String,
    /// The output format.
    pub format: Format,
    /// Table layout.
    pub style: TableStyle,
    /// Print the time each statement took.
    pub timing: bool,
}

impl Session {
    fn executor(&self) -> Executor<'_> {
        let exec = Executor::new(&self.db);
        match &self.operator {
            Some(op) => exec.signed(op.clone(), self.terminal.clone()),
            None => exec,
        }
    }

    /// Runs every statement in `text`, printing results to `out` and errors to `err`.
    /// Stops at the first failing statement and returns false.
    pub fn run_text(&self, text: &str, out: &mut dyn Write, err: &mut dyn Write) -> bool {
        let statements = match parse(text) {
            Ok(s) => s,
            Err(e) => {
                report(err, text, &QueryError::from(e));
                return false;
            }
        };
        let exec = self.executor();
        for stmt in &statements {
            let started = Instant::now();
            match exec.run_statement(stmt) {
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
