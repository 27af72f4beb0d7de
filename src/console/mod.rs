//! A console on a signed-in session: runs statement text (from `-c`, standard input or the
//! REPL) through the executor and prints results and errors as docs/cli.md fixes them.
//!
//! Both the command line ([`crate::cli`]) and the REPL ([`crate::repl`]) print through this
//! module; it uses neither, so the binary's modules depend one way: cli → repl → console.

pub mod format;
#[cfg(test)]
mod scripts;

use format::{print, DateStyle, Format, TableStyle};
use juki::{Refusal, Session, Step};
use std::io::Write;

/// Where statements go: a session on the register file this process opened, or a session
/// in the server that holds the file (`juki serve`).
pub enum Link {
    /// A session on the file, opened here.
    Local(Session),
    /// A session in the server, through its socket.
    Remote(juki::RemoteSession),
}

impl Link {
    /// The operator signed in.
    pub fn operator(&self) -> &str {
        match self {
            Link::Local(s) => s.operator(),
            Link::Remote(s) => s.operator(),
        }
    }

    /// Their role, by name.
    pub fn role(&self) -> String {
        match self {
            Link::Local(s) => s.role().to_string(),
            Link::Remote(s) => s.role().to_string(),
        }
    }

    /// What the statements reach: the register file, or the server's socket.
    pub fn place(&self) -> String {
        match self {
            Link::Local(s) => s.juki().path().display().to_string(),
            Link::Remote(s) => format!("{} (served)", s.address()),
        }
    }

    /// Whether the watch on browsing locked the session.
    pub fn is_locked(&self) -> bool {
        match self {
            Link::Local(s) => s.is_locked(),
            Link::Remote(s) => s.is_locked(),
        }
    }

    /// Checks the operator's password again (the idle lock).
    pub fn reauthenticate(&self, password: &str) -> juki::Result<()> {
        match self {
            Link::Local(s) => s.reauthenticate(password),
            Link::Remote(s) => s.reauthenticate(password),
        }
    }

    /// Changes the operator's own password.
    pub fn change_password(&self, old: &str, new: &str) -> juki::Result<()> {
        match self {
            Link::Local(s) => s.change_password(old, new),
            Link::Remote(s) => s.change_password(old, new),
        }
    }

    /// Runs the statements of `text` in order, handing each result to `each` (which returns
    /// false to stop), as [`Session::run_each`] does; through a server, the statements run
    /// there and their results are handed over when the last has run.
    fn run_each(&self, text: &str, mut each: impl FnMut(Result<Step, Refusal>) -> bool) {
        match self {
            Link::Local(s) => s.run_each(text, each),
            Link::Remote(s) => match s.run(text) {
                Ok(ran) => {
                    for step in ran.steps {
                        if !each(Ok(step)) {
                            return;
                        }
                    }
                    if let Some(refusal) = ran.refused {
                        each(Err(refusal));
                    }
                }
                Err(e) => {
                    each(Err(Refusal::of(&e, text)));
                }
            },
        }
    }
}

/// A signed-in session and how its results are printed.
pub struct Console {
    /// The operator's session.
    pub link: Link,
    /// The output format.
    pub format: Format,
    /// Table layout.
    pub style: TableStyle,
    /// How dates are written (ISO unless 和暦 is asked for).
    pub dates: DateStyle,
    /// Print the time each statement took.
    pub timing: bool,
}

/// The meta command that sets how dates are written.
pub const DATES_COMMAND: &str = "\\dates";

impl Console {
    /// `\dates`, `\dates era`, `\dates iso`: shows or sets how dates are written. The
    /// confirmation to print, or what is wrong with `arg`.
    pub fn dates_command(&mut self, arg: &str) -> Result<String, String> {
        self.dates = match arg.trim() {
            "" => self.dates,
            "era" => DateStyle::Era,
            "iso" => DateStyle::Iso,
            // What was typed is not echoed: it could be anything, a My Number too.
            _ => return Err(format!("{DATES_COMMAND} takes era or iso")),
        };
        let example = juki::Date::from_ymd(1980, 4, 1).expect("a real date");
        let shown = match self.dates {
            DateStyle::Iso => example.to_string(),
            DateStyle::Era => example.to_era_string(),
        };
        Ok(format!("dates: {} ({shown})", self.dates.name()))
    }

    /// Runs every statement in `text`, printing results to `out` and errors to `err`.
    /// Stops at the first failing statement and returns false. Every statement is logged,
    /// including one that does not parse.
    pub fn run_text(&self, text: &str, out: &mut dyn Write, err: &mut dyn Write) -> bool {
        let mut ok = true;
        self.link.run_each(text, |result| match result {
            Ok(step) => {
                if let Err(e) = print(out, &step.output, self.format, self.style, self.dates) {
                    let _ = writeln!(err, "error[IO]: writing the result: {e}");
                    ok = false;
                    return false;
                }
                warn_restricted(err, &step.restricted);
                if self.timing {
                    let ms = step.elapsed.as_secs_f64() * 1e3;
                    let _ = writeln!(err, "time: {ms:.3} ms");
                }
                true
            }
            Err(refusal) => {
                report(err, &refusal);
                ok = false;
                false
            }
        });
        let _ = out.flush();
        ok
    }
}

/// Warns, on the error stream (so that JSON and CSV output stay whole), when the statement
/// showed residents under a DV等支援措置 or in the household of one (only a role with the
/// restrict permission is ever shown them): one line naming their codes.
fn warn_restricted(err: &mut dyn Write, shown: &[juki::ResidentCode]) {
    if shown.is_empty() {
        return;
    }
    let codes: Vec<String> = shown.iter().map(|c| c.to_string()).collect();
    let _ = writeln!(
        err,
        "warning: 支援措置対象者: {} under a DV等支援措置 or in the household of one; shown under the restrict permission, and this access is logged",
        codes.join(", ")
    );
}

/// Prints `error[CODE]: message`, then the statement with a caret under the offending text
/// and the hint, when there are any: all of it redacted ([`Refusal::of`]), so no My Number
/// or password typed in the statement is printed.
pub fn report(err: &mut dyn Write, refusal: &Refusal) {
    let _ = writeln!(err, "error[{}]: {}", refusal.code, refusal.message);
    if !refusal.detail.is_empty() {
        let _ = writeln!(err, "{}", refusal.detail);
    }
}

/// Whether `input` is a whole statement: quotes are closed, and the parser does not stop at
/// the very end of the input wanting more (`MOVE IN … name=` without ON, say). A blank last
/// line submits whatever is there, and a meta command (`\timing`) is always whole. The REPL
/// asks for another line while this is false; a script on standard input reads one.
pub fn input_complete(input: &str) -> bool {
    input.trim_start().starts_with('\\')
        || input.ends_with("\n\n")
        || input.ends_with("\r\n\r\n")
        || juki::statement_complete(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_continue_until_they_are_whole() {
        assert!(input_complete("GET 24727059608"));
        assert!(!input_complete("FIND name='山田"));
        assert!(!input_complete("MOVE 24727059608 address=芦屋市打出町2-3"));
        assert!(input_complete(
            "MOVE 24727059608 address=芦屋市打出町2-3\nON 2024-07-01"
        ));
        assert!(input_complete(
            "MOVE 24727059608 address=芦屋市打出町2-3\n\n"
        ));
        // An error in the middle is submitted (and reported), not continued.
        assert!(input_complete("GTE 24727059608"));
    }

    #[test]
    fn the_dates_command_shows_and_sets_the_date_style() {
        let dir = tempfile::tempdir().unwrap();
        let juki = juki::Juki::builder(dir.path().join("c.redb"))
            .create_with_admin("admin1", "console-password")
            .unwrap();
        let mut console = Console {
            link: Link::Local(juki.sign_in("admin1", "console-password", "test").unwrap()),
            format: Format::Table,
            style: TableStyle {
                width: 80,
                expanded: false,
            },
            dates: DateStyle::Iso,
            timing: false,
        };
        assert_eq!(
            console.dates_command(""),
            Ok("dates: iso (1980-04-01)".into())
        );
        assert_eq!(
            console.dates_command(" era "),
            Ok("dates: era (昭和55年4月1日)".into())
        );
        assert_eq!(console.dates, DateStyle::Era);
        let refused = console.dates_command("123456789018").unwrap_err();
        assert_eq!(refused, "\\dates takes era or iso");
        assert_eq!(
            console.dates,
            DateStyle::Era,
            "a bad argument changes nothing"
        );
        assert_eq!(
            console.dates_command("iso"),
            Ok("dates: iso (1980-04-01)".into())
        );
    }
}
