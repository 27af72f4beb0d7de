//! The REPL's line-editing helper: completion of keywords and field names.

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
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

/// Every line is accepted as typed: a statement that is not whole yet is continued by the
/// REPL's loop under its own prompt (rustyline's in-buffer continuation shows none).
impl Validator for JukiHelper {}

impl Helper for JukiHelper {}
