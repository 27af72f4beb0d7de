//! The operator REPL: line editing with history (redacted, 0600), completion, multi-line
//! statements, `help`, a timing toggle (`\timing`), expanded output (`\x`), `PASSWORD`, and
//! the idle lock; Ctrl-C cancels the line, Ctrl-D (or `\q`) exits.

mod helper;
mod history;
mod idle;

pub use helper::{input_complete, JukiHelper};

use crate::cli::console::Console;
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
    for _ in 0..UNLOCK_ATTEMPTS {
        let prompt = format!("password for {}: ", console.session.operator());
        let Ok(pw) = rpassword::prompt_password(prompt) else {
            return false;
        };
        match console.session.reauthenticate(&pw) {
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
    match console.session.change_password(&old, &new) {
        Ok(()) => println!("password changed"),
        Err(e) => eprintln!("error[{}]: {e}", e.code()),
    }
}

/// Runs the REPL until the operator leaves. Returns false if the terminal failed or the
/// idle lock was not answered.
pub fn run(console: &mut Console, idle_minutes: u64) -> bool {
    let config = Config::builder().auto_add_history(false).build();
    let mut editor: Editor<JukiHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error[IO]: cannot open the terminal: {e}");
            return false;
        }
    };
    editor.set_helper(Some(JukiHelper));
    let history = history::path();
    if let Some(p) = &history {
        if history::secure(p).is_ok() {
            let _ = editor.load_history(p);
        }
    }
    let idle = match editor.create_external_printer() {
        Ok(printer) if idle_minutes > 0 => Some(IdleLock::start(
            Duration::from_secs(idle_minutes * 60),
            printer,
        )),
        _ => None,
    };
    println!(
        "juki {}: {} as {} ({}) — type help, or \\q to leave",
        env!("CARGO_PKG_VERSION"),
        console.session.juki().path().display(),
        console.session.operator(),
        console.session.role()
    );
    loop {
        let line = editor.readline("juki> ");
        if let Some(lock) = &idle {
            if lock.is_locked() {
                if !unlock(console) {
                    return false;
                }
                lock.unlock();
                continue;
            }
            lock.touch();
        }
        match line {
            Ok(line) => {
                let text = line.trim();
                if text.is_empty() {
                    continue;
                }
                let _ = editor.add_history_entry(history::entry(text));
                if let Some(p) = &history {
                    let _ = editor.save_history(p);
                    let _ = history::secure(p);
                }
                match text {
                    "\\q" | "quit" | "exit" => break,
                    "\\timing" => {
                        console.timing = !console.timing;
                        println!("timing is {}", if console.timing { "on" } else { "off" });
                        continue;
                    }
                    "\\x" => {
                        console.style.expanded = !console.style.expanded;
                        println!(
                            "expanded display is {}",
                            if console.style.expanded { "on" } else { "off" }
                        );
                        continue;
                    }
                    t if t.trim_end_matches(';').eq_ignore_ascii_case("password") => {
                        change_password(console);
                        continue;
                    }
                    _ => {}
                }
                if let Some(width) = terminal_size::terminal_size().map(|(w, _)| w.0 as usize) {
                    console.style.width = width;
                }
                let mut out = std::io::stdout();
                let mut err = std::io::stderr();
                console.run_text(text, &mut out, &mut err);
                let _ = out.flush();
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error[IO]: {e}");
                return false;
            }
        }
    }
    true
}
