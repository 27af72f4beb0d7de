//! The REPL's line-editing helper: completion of keywords and field names, and multi-line
//! input (the validator asks the lexer and parser whether a statement is complete).

use crate::query::{is_complete, parse};
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

/// Words offered by completion: statement keywords, clause words, field names, meta commands.
const WORDS: &[&str] = &[
    "GET",
    "MYNUMBER",
    "FIND",
    "HISTORY",
    "HOUSEHOLD",
    "OF",
    "SHOW",
    "STATS",
    "BY",
    "CHANGES",
    "SINCE",
    "LIMIT",
    "AS",
    "ON",
    "REPORTED",
    "MOVE",
    "IN",
    "OUT",
    "BIRTH",
    "ENTER",
    "DEATH",
    "REMOVE",
    "RENAME",
    "CHANGE",
    "CORRECT",
    "CODE",
    "HELP",
    "CHECK",
    "EXPORT",
    "AUDIT",
    "name=",
    "kana=",
    "address=",
    "birth=",
    "sex=",
    "my_number=",
    "postal=",
    "household=",
    "relationship=",
    "from=",
    "to=",
    "new=",
    "new_head=",
    "sex",
    "age",
    "town",
    "status",
    "検索",
    "照会",
    "履歴",
    "世帯",
    "転入",
    "転居",
    "転出",
    "出生",
    "死亡",
    "氏名変更",
    "世帯変更",
    "職権修正",
    "職権消除",
    "職権記載",
    "統計",
    "個人番号表示",
    "基準日",
    "\\timing",
    "\\x",
    "\\q",
];

/// The rustyline helper of the juki REPL.
#[derive(Default)]
pub struct JukiHelper;

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
        let pairs = WORDS
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

/// Whether `input` is a whole statement: quotes are closed, and the parser does not stop at
/// the very end of the input wanting more (`MOVE IN … name=` without ON, say). A blank last
/// line submits whatever is there.
pub fn input_complete(input: &str) -> bool {
    if input.trim_start().starts_with('\\')
        || input.ends_with("\n\n")
        || input.ends_with("\r\n\r\n")
    {
        return true;
    }
    if !is_complete(input) {
        return false;
    }
    match parse(input) {
        Ok(_) => true,
        Err(e) => e.span.start < input.trim_end().len(),
    }
}

impl Validator for JukiHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(if input_complete(ctx.input()) {
            ValidationResult::Valid(None)
        } else {
            ValidationResult::Incomplete
        })
    }
}

impl Helper for JukiHelper {}

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
}
