//! The operator REPL: line editing with history (redacted, 0600), completion, multi-line
//! statements (a statement that is not whole yet goes on under the ` ...> ` prompt),
//! `help`, a timing toggle (`\timing`), expanded output (`\x`), dates in 和暦 or ISO
//! (`\dates era`, `\dates iso`), `PASSWORD`, and the idle lock; Ctrl-C cancels the
//! statement, Ctrl-D (or `\q`) exits.

mod helper;
mod history;
mod idle;

use crate::console::{input_complete, Console, DATES_COMMAND};
use helper::JukiHelper;
use idle::{IdleLock, CLEAR_SCREEN};
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};
use std::io::Write;
use std::time::Duration;

/// Wrong passwords accepted at the idle lock before the console closes.
const UNLOCK_ATTEMPTS: u32 = 3;

/// Asks for the password until it is right; false when the console must close.
fn unlock(console: &Console) -> bool {
    print!("{CLEAR_SCREEN}");
    if console.link.is_locked() {
        println!("the session is locked: too many searches (an alert was logged); sign in again");
    }
    for _ in 0..UNLOCK_ATTEMPTS {
        let prompt = format!("password for {}: ", console.link.operator());
        let Ok(pw) = rpassword::prompt_password(prompt) else {
            return false;
        };
        match console.link.reauthenticate(&pw) {
            Ok(()) => return true,
            Err(e) => eprintln!("error[{}]: {e}", e.code()),
        }
    }
    false
}

/// `PASSWORD`: asks for the old and the new password (twice) and changes it.
fn change_password(console: &Console) {
    let ask = |p: &str| rpassword::prompt_password(p).unwrap_or_default();
    let old = ask("current password: ");
    let new = ask("new password: ");
    if ask("again: ") != new {
        eprintln!("error[INVALID_VALUE]: the two passwords differ");
        return;
    }
    match console.link.change_password(&old, &new) {
        Ok(()) => println!("password changed"),
        Err(e) => eprintln!("error[{}]: {e}", e.code()),
    }
}

/// The prompt of a new statement.
const PROMPT: &str = "juki> ";
/// The prompt of a statement's next line, while it is not whole yet.
const CONTINUATION: &str = " ...> ";

/// Runs the REPL until the operator leaves. Returns false if the terminal failed or the
/// idle lock was not answered.
pub fn run(console: &mut Console, idle_minutes: u64) -> bool {
    let Some(mut lines) = Lines::open(idle_minutes) else {
        return false;
    };
    println!(
        "juki {}: {} as {} ({}) — type help, or \\q to leave",
        env!("CARGO_PKG_VERSION"),
        console.link.place(),
        console.link.operator(),
        console.link.role()
    );
    loop {
        match lines.statement(console) {
            Read::Text(text) => {
                lines.remember(&text);
                if !dispatch(console, &text) {
                    return true;
                }
                // The watch on browsing locked the session: the operator signs in again
                // (the password, as at the idle lock) or the console closes.
                if console.link.is_locked() && !unlock(console) {
                    return false;
                }
            }
            Read::Nothing => {}
            Read::Leave => return true,
            Read::Failed => return false,
        }
    }
}

/// What reading the next statement gave.
enum Read {
    /// A whole statement (or meta command), trimmed.
    Text(String),
    /// Nothing to run: a blank line, a cancelled statement, or the idle lock answered.
    Nothing,
    /// End of input (Ctrl-D): the operator leaves.
    Leave,
    /// The terminal failed or the idle lock was not answered.
    Failed,
}

/// The line editor with its history file and idle lock.
struct Lines {
    editor: Editor<JukiHelper, DefaultHistory>,
    history: Option<std::path::PathBuf>,
    idle: Option<IdleLock>,
}

impl Lines {
    /// The editor on the terminal, its history loaded, the idle lock started.
    fn open(idle_minutes: u64) -> Option<Lines> {
        let config = Config::builder().auto_add_history(false).build();
        let mut editor: Editor<JukiHelper, DefaultHistory> = match Editor::with_config(config) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error[IO]: cannot open the terminal: {e}");
                return None;
            }
        };
        editor.set_helper(Some(JukiHelper::default()));
        let history = history::path();
        if let Some(p) = &history {
            match history::secure(p) {
                Ok(()) => {
                    let _ = editor.load_history(p);
                }
                Err(e) => eprintln!("note: no history is kept: {e}"),
            }
        }
        let idle = match editor.create_external_printer() {
            Ok(printer) if idle_minutes > 0 => Some(IdleLock::start(
                Duration::from_secs(idle_minutes * 60),
                printer,
            )),
            _ => None,
        };
        Some(Lines {
            editor,
            history,
            idle,
        })
    }

    /// Reads lines until they make a whole statement ([`input_complete`]): the first under
    /// [`PROMPT`], the rest under [`CONTINUATION`]. A blank line submits what is there;
    /// Ctrl-C drops the whole statement. The idle lock is answered before anything typed
    /// while it was on is used.
    fn statement(&mut self, console: &Console) -> Read {
        let mut text = String::new();
        loop {
            let prompt = if text.is_empty() {
                PROMPT
            } else {
                CONTINUATION
            };
            let line = self.editor.readline(prompt);
            if let Some(lock) = &self.idle {
                if lock.is_locked() {
                    if !unlock(console) {
                        return Read::Failed;
                    }
                    lock.unlock();
                    return Read::Nothing;
                }
                lock.touch();
            }
            let line = match line {
                Ok(line) => line,
                Err(ReadlineError::Interrupted) => return Read::Nothing,
                Err(ReadlineError::Eof) => return Read::Leave,
                Err(e) => {
                    eprintln!("error[IO]: {e}");
                    return Read::Failed;
                }
            };
            if text.is_empty() && line.trim().is_empty() {
                return Read::Nothing;
            }
            text.push_str(&line);
            text.push('\n');
            if input_complete(&text) {
                return Read::Text(text.trim().to_string());
            }
        }
    }

    /// Adds the statement (redacted) to the history and saves it.
    fn remember(&mut self, text: &str) {
        let _ = self.editor.add_history_entry(history::entry(text));
        if let Some(p) = &self.history {
            if history::secure(p).is_ok() {
                let _ = self.editor.save_history(p);
            }
        }
    }
}

/// Runs a meta command or a statement; false when the operator leaves.
fn dispatch(console: &mut Console, text: &str) -> bool {
    match text {
        "\\q" | "quit" | "exit" => return false,
        "\\timing" => {
            console.timing = !console.timing;
            println!("timing is {}", if console.timing { "on" } else { "off" });
        }
        "\\x" => {
            console.style.expanded = !console.style.expanded;
            println!(
                "expanded display is {}",
                if console.style.expanded { "on" } else { "off" }
            );
        }
        t if t
            .strip_prefix(DATES_COMMAND)
            .is_some_and(|arg| arg.is_empty() || arg.starts_with(char::is_whitespace)) =>
        {
            match console.dates_command(&t[DATES_COMMAND.len()..]) {
                Ok(shown) => println!("{shown}"),
                Err(why) => eprintln!("error[INVALID_VALUE]: {why}"),
            }
        }
        t if t.trim_end_matches(';').eq_ignore_ascii_case("password") => {
            change_password(console);
        }
        _ => {
            if let Some(width) = terminal_size::terminal_size().map(|(w, _)| w.0 as usize) {
                console.style.width = width;
            }
            let mut out = std::io::stdout();
            console.run_text(text, &mut out, &mut std::io::stderr());
            let _ = out.flush();
        }
    }
    true
}
