//! The REPL's line-editing helper: completion of keywords and field names.

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

/// The console's own meta commands, offered beside the library's words.
const META: &[&str] = &["\\timing", "\\x", "\\dates", "\\q"];

/// The rustyline helper of the juki REPL.
pub struct JukiHelper {
    /// Words offered by completion: the library's statement catalogue and fields table
    /// ([`juki::completion_words`]) and the meta commands.
    words: Vec<String>,
}

impl Default for JukiHelper {
    fn default() -> Self {
        let mut words = juki::completion_words();
        words.extend(META.iter().map(|m| m.to_string()));
        JukiHelper { words }
    }
}

impl Completer for JukiHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let start = line[..pos]
            .rfind(|c: char| c.is_whitespace() || c == '\u{3000}')
            .map_or(0, |i| {
                i + line[i..].chars().next().map_or(1, char::len_utf8)
            });
        let word = &line[start..pos];
        if word.is_empty() {
            return Ok((pos, Vec::new()));
        }
        let lower = word.to_lowercase();
        let upper_case = word.chars().next().is_some_and(char::is_uppercase);
        let pairs = self
            .words
            .iter()
            .filter(|w| w.to_lowercase().starts_with(&lower) && w.len() > word.len())
            .map(|w| {
                let shown = if upper_case || !w.is_ascii() || w.ends_with('=') {
                    w.to_string()
                } else {
                    w.to_lowercase()
                };
                Pair {
                    display: shown.clone(),
                    replacement: shown,
                }
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for JukiHelper {
    type Hint = String;
}

impl Highlighter for JukiHelper {}

/// Every line is accepted as typed: a statement that is not whole yet is continued by the
/// REPL's loop under its own prompt (rustyline's in-buffer continuation shows none).
impl Validator for JukiHelper {}

impl Helper for JukiHelper {}
