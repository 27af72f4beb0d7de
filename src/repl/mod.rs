//! The operator REPL: line editing with history (redacted, 0600), completion, multi-line
//! statements, `help`, a timing toggle (`\timing`), expanded output (`\x`); Ctrl-C cancels
//! the line, Ctrl-D (or `\q`) exits.

mod helper;
mod history;

pub use helper::{input_complete, JukiHelper};

use crate::cli::session::Session;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};
use std::io::Write;

/// Runs the REPL until the operator leaves. Returns false if the terminal failed.
pub fn run(session: &mut Session) -> bool {
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
    println!(
        "juki {}: {} — type help, or \\q to leave",
        env!("CARGO_PKG_VERSION"),
        session.db.path().display()
    );
    loop {
        match editor.readline("juki> ") {
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
                        session.timing = !session.timing;
                        println!("timing is {}", if session.timing { "on" } else { "off" });
                        continue;
                    }
                    "\\x" => {
                        session.style.expanded = !session.style.expanded;
                        println!(
                            "expanded display is {}",
                            if session.style.expanded { "on" } else { "off" }
                        );
                        continue;
                    }
                    _ => {}
                }
                if let Some(width) = terminal_size::terminal_size().map(|(w, _)| w.0 as usize) {
                    session.style.width = width;
                }
                let mut out = std::io::stdout();
                let mut err = std::io::stderr();
                session.run_text(text, &mut out, &mut err);
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
