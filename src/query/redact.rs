//! The one redaction of statement text: what the operation log keeps, what the REPL's
//! history file keeps, and what every error message shows of a statement. Every My Number
//! and every password in the text becomes [`MASK`].
//!
//! It works on the raw text, not on tokens, so text in `--` comments, in quotes that are
//! never closed and inside words is covered like the rest. It is one linear scan for the
//! digits and one for the words (each word is folded only when it could be a password
//! keyword), cheap enough to run on every logged statement.
//!
//! # My Numbers: every run of 11 digits or more
//!
//! A *digit run* is a maximal sequence of digits (ASCII or full-width) in which any digits
//! may be separated by *joiners*: any Unicode space (U+3000 included), any hyphen or dash
//! (`-`, `－`, `‐`, `–`, `—`, `−`, `ー` …), `.`, `・`, `_` and the invisible zero-width
//! characters. So `1234 5678 9012`, `1234-5678-9012`, `１２３４　５６７８　９０１２`,
//! `x123456789012y` and `山田123456789018` each hold one run of 12 digits.
//!
//! A run of [`MASKED_DIGITS`] (11) digits or more is masked whole, from its first digit to
//! its last. That is exactly the rule "a valid My Number, or one edit away from one (one
//! digit changed, dropped, added, or two neighbours swapped)": every 12-digit sequence is
//! one changed digit (its check digit) away from a valid number; every 11-digit sequence is
//! one dropped digit (the check digit) away; and a longer run holds an 11-digit stretch.
//! Fewer than 11 digits are two edits or more away, so dates, postal codes, household ids,
//! sequence numbers and limits stay. The check digit therefore narrows nothing, and no
//! check is made. One consequence is stated plainly: a 住民票コード (11 digits) is masked
//! too. The operation log still names the residents an operation read or changed (the
//! entry's resident codes), and an 11-digit number could as well be a My Number with a
//! digit left out.
//!
//! # Passwords: after a password word, and text that is not a statement
//!
//! Passwords are typed in `CREATE OPERATOR … PASSWORD '…'`; `PASSWORD` (the console's
//! own command) asks for them at the terminal without echo, as do the sign-in and the idle
//! lock. So a password reaches statement text when it is typed after a password word or
//! typed at the statement prompt instead of at a password prompt. The rules:
//!
//! 1. A *password word* is a word (in a statement, a comment or a quote) whose folded form
//!    (NFKC, lowercase) starts with `pass` or `pw`, is within two edits of `password`
//!    (`pasword`, `passwrod`), or starts with `パスワ`, `パス` alone, or `暗証`. After it,
//!    everything to the end of the statement is masked (every argument, whatever the
//!    quoting, `=` or `:` after the word kept), up to a `ROLE` clause outside comments
//!    and quotes, which CREATE OPERATOR may have after the password. A word that begins
//!    with a password word and a colon (`pw:secret`) is masked after the colon likewise.
//! 2. A statement (text between `;`s outside quotes and comments) that does not start
//!    with a statement keyword or alias, a meta command (`\…`, `quit`, `exit`) or, when it
//!    has more than one item, a near miss of a statement keyword (`GTE 1` is a typo, kept)
//!    is masked whole: it is what someone types at the statement prompt when the password
//!    was meant for a password prompt (a single word, `hunter2`, or several). A lone word
//!    that is not a statement keyword is masked even when it is a near miss.
//!
//! What cannot be told from a statement stays: a password that is also a statement's
//! first word (`correct horse …` starts a CORRECT) is kept as a statement.
//!
//! # Positions and messages
//!
//! [`Redaction`] keeps where each mask stands, so an error's span in the statement maps to
//! the redacted text ([`Redaction::map_span`]) and the caret stays under the right token;
//! [`Redaction::scrub`] takes out of an error message or hint every word the redaction
//! masked in the statement (a masked number also in plain ASCII digits, the form in which
//! a message writes an identifier).

use std::ops::Range;

use super::catalogue::CATALOGUE;
use super::keywords::{self as kw, fold};
use super::lexer::Span;

/// What a redacted value is replaced with.
pub const MASK: &str = "****";

/// The fewest digits in a run that is masked (see the module documentation).
pub const MASKED_DIGITS: usize = 11;

/// The longest part of a word a message quotes (the parser's messages cut words there).
const QUOTED_CHARS: usize = 32;

/// The statement text with My Numbers and passwords replaced by [`MASK`].
pub fn redact(text: &str) -> String {
    Redaction::of(text).into_text()
}

/// A text redacted, with where each mask stands in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction<'a> {
    original: &'a str,
    text: String,
    /// Each masked range of the original, in order and disjoint, with where its mask
    /// starts in the redacted text.
    masks: Vec<(Range<usize>, usize)>,
}

impl<'a> Redaction<'a> {
    /// Redacts `original`.
    pub fn of(original: &'a str) -> Redaction<'a> {
        let mut ranges = digit_runs(original);
        ranges.extend(password_ranges(original));
        let ranges = merge(ranges);
        let mut text = String::with_capacity(original.len());
        let mut masks = Vec::with_capacity(ranges.len());
        let mut at = 0;
        for r in ranges {
            text.push_str(&original[at..r.start]);
            masks.push((r.clone(), text.len()));
            text.push_str(MASK);
            at = r.end;
        }
        text.push_str(&original[at..]);
        Redaction {
            original,
            text,
            masks,
        }
    }

    /// The redacted text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The redacted text, owned.
    pub fn into_text(self) -> String {
        self.text
    }

    /// Whether anything was masked.
    pub fn masked_anything(&self) -> bool {
        !self.masks.is_empty()
    }

    /// Where byte `pos` of the original stands in the redacted text. A position inside a
    /// masked range goes to the start of its mask (`end` false) or past it (`end` true).
    pub fn map(&self, pos: usize, end: bool) -> usize {
        let (mut orig, mut red) = (0, 0);
        for (r, at) in &self.masks {
            if pos <= r.start {
                break;
            }
            if pos < r.end {
                return if end { at + MASK.len() } else { *at };
            }
            (orig, red) = (r.end, at + MASK.len());
        }
        red + pos.saturating_sub(orig)
    }

    /// A span of the original as a span of the redacted text: a span that touches a mask
    /// covers all of it.
    pub fn map_span(&self, span: Span) -> Span {
        let start = self.map(span.start, false);
        Span::new(start, self.map(span.end, true).max(start))
    }

    /// `message` (an error message or hint about the original text) without anything the
    /// redaction masked: each word of a masked range (and the cut form a message quotes of
    /// a long one), and the digits of a masked number as ASCII (as a message writes an
    /// identifier), standing on their own in the message become [`MASK`]. Numbers the
    /// statement did not hold stay: a message may name the residents it is about.
    pub fn scrub(&self, message: &str) -> String {
        let mut secrets: Vec<String> = Vec::new();
        for (r, _) in &self.masks {
            let masked = &self.original[r.clone()];
            secrets.push(masked.trim().to_string());
            for w in masked.split(|c: char| is_space(c) || is_punct(c) || quote(c)) {
                secrets.push(w.to_string());
                if let Some((i, _)) = w.char_indices().nth(QUOTED_CHARS) {
                    secrets.push(w[..i].to_string());
                }
            }
            for run in digit_runs(masked) {
                secrets.extend(ascii_numbers(&masked[run]));
            }
        }
        secrets.retain(|s| !s.is_empty());
        secrets.sort_unstable();
        secrets.dedup();
        // Every occurrence is found in the message as given and masked once: a mask is never
        // searched again (a secret `*` would otherwise grow every `****` before it).
        let mut found: Vec<Range<usize>> = Vec::new();
        for s in &secrets {
            standalone(message, s, &mut found);
        }
        let mut out = String::with_capacity(message.len());
        let mut at = 0;
        for r in merge(found) {
            out.push_str(&message[at..r.start]);
            out.push_str(MASK);
            at = r.end;
        }
        out.push_str(&message[at..]);
        out
    }
}

/// `text` with every digit run of [`MASKED_DIGITS`] or more masked (and nothing else).
pub fn redact_digits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in digit_runs(text) {
        out.push_str(&text[at..r.start]);
        out.push_str(MASK);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The ranges of `text` where `secret` stands with no letter or digit right before or after
/// it, added to `out`.
fn standalone(text: &str, secret: &str, out: &mut Vec<Range<usize>>) {
    let mut from = 0;
    while let Some(i) = text[from..].find(secret).map(|i| from + i) {
        let end = i + secret.len();
        let before = text[..i].chars().next_back();
        let after = text[end..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            out.push(i..end);
        }
        from = i + secret.chars().next().map_or(1, char::len_utf8);
    }
}

/// Sorted, overlapping or touching ranges joined.
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges.into_iter().filter(|r| !r.is_empty()) {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

// ---- digits ----

/// An ASCII or full-width digit.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// The numbers a digit run may stand for, in ASCII: its digits, and (for a run of a few
/// groups) every stretch of consecutive groups of [`MASKED_DIGITS`] or more, since a run
/// may join a number to digits before or after it.
fn ascii_numbers(run: &str) -> Vec<String> {
    let mut groups: Vec<String> = vec![String::new()];
    for c in run.chars() {
        match c
            .to_digit(10)
            .filter(|_| c.is_ascii_digit())
            .or_else(|| wide_digit(c))
        {
            Some(d) => groups
                .last_mut()
                .expect("one group at least")
                .push(char::from(b'0' + d as u8)),
            None if !groups.last().is_some_and(String::is_empty) => groups.push(String::new()),
            None => {}
        }
    }
    let mut out = vec![groups.concat()];
    if groups.len() <= 16 {
        for i in 0..groups.len() {
            let mut stretch = String::new();
            for g in &groups[i..] {
                stretch.push_str(g);
                if stretch.len() >= MASKED_DIGITS {
                    out.push(stretch.clone());
                }
            }
        }
    }
    out
}

/// The value of a full-width digit.
fn wide_digit(c: char) -> Option<u32> {
    ('０'..='９').contains(&c).then(|| c as u32 - '０' as u32)
}

/// What may stand between the digits of one number: spaces, hyphens and dashes, dots,
/// underscores, and the invisible characters.
fn is_joiner(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '‐'
                | '‑'
                | '‒'
                | '–'
                | '—'
                | '―'
                | '−'
                | '－'
                | 'ー'
                | 'ｰ'
                | '﹣'
                | '.'
                | '．'
                | '・'
                | '･'
                | '_'
                | '＿'
                | '\u{00AD}'
                | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
        )
}

/// The byte ranges (first digit to last) of the digit runs of [`MASKED_DIGITS`] or more.
fn digit_runs(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    // The run under way: its range and how many digits it has.
    let mut run: Option<(Range<usize>, usize)> = None;
    let mut close = |run: &mut Option<(Range<usize>, usize)>| {
        if let Some((r, n)) = run.take() {
            if n >= MASKED_DIGITS {
                out.push(r);
            }
        }
    };
    for (i, c) in text.char_indices() {
        if is_digit(c) {
            let end = i + c.len_utf8();
            match &mut run {
                Some((r, n)) => {
                    r.end = end;
                    *n += 1;
                }
                None => run = Some((i..end, 1)),
            }
        } else if !is_joiner(c) {
            close(&mut run);
        }
    }
    close(&mut run);
    out
}

// ---- statements and passwords ----

/// Whitespace as the lexer has it.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Punctuation tokens of the lexer, ASCII or full-width (`;` ends a statement).
fn is_punct(c: char) -> bool {
    matches!(
        c,
        '=' | '＝' | ',' | '，' | ';' | '；' | '(' | '（' | ')' | '）'
    )
}

/// A quote character, ASCII or full-width.
fn quote(c: char) -> bool {
    matches!(c, '\'' | '"' | '＇' | '＂')
}

/// What an item of a statement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Quoted,
    Punct,
    Comment,
}

/// One item of a statement as the lexer would split it, but never failing: an unclosed
/// quote runs to the end of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    kind: Kind,
    range: Range<usize>,
}

/// The statements of `text` (split at `;` outside quotes and comments), each as its range
/// and its items.
fn statements(text: &str) -> Vec<(Range<usize>, Vec<Item>)> {
    let mut out = Vec::new();
    let mut items = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let rest = &text[i..];
        let (kind, end) = if is_space(c) {
            continue;
        } else if rest.starts_with("--") {
            (Kind::Comment, rest.find('\n').map_or(text.len(), |n| i + n))
        } else if c == ';' || c == '；' {
            out.push((start..i, std::mem::take(&mut items)));
            start = i + c.len_utf8();
            continue;
        } else if is_punct(c) {
            (Kind::Punct, i + c.len_utf8())
        } else if quote(c) {
            (Kind::Quoted, quoted_end(text, i, c))
        } else {
            let end = rest
                .char_indices()
                .find(|&(k, d)| {
                    is_space(d) || is_punct(d) || quote(d) || rest[k..].starts_with("--")
                })
                .map_or(text.len(), |(k, _)| i + k);
            (Kind::Word, end)
        };
        items.push(Item {
            kind,
            range: i..end,
        });
        while chars.peek().is_some_and(|&(k, _)| k < end) {
            chars.next();
        }
    }
    out.push((start..text.len(), items));
    out
}

/// The end of the string opened by quote `q` at `at` (a doubled quote inside stands for
/// one); the end of the text when it is never closed.
fn quoted_end(text: &str, at: usize, q: char) -> usize {
    let same = |c: char| {
        c == q
            || matches!(
                (q, c),
                ('\'', '＇') | ('＇', '\'') | ('"', '＂') | ('＂', '"')
            )
    };
    let mut chars = text[at..].char_indices().skip(1).peekable();
    while let Some((k, c)) = chars.next() {
        if same(c) {
            match chars.peek() {
                Some(&(_, d)) if same(d) => {
                    chars.next();
                }
                _ => return at + k + c.len_utf8(),
            }
        }
    }
    text.len()
}

/// The ranges masked for passwords: after each password word, and statements that are not
/// statements (rules 1 and 2 of the module documentation).
fn password_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for (range, items) in statements(text) {
        out.extend(not_a_statement(text, &items));
        out.extend(after_password_words(text, range, &items));
    }
    out
}

/// Rule 2: the statement's items from the first to the last (comments aside), when the
/// statement does not start like one.
fn not_a_statement(text: &str, items: &[Item]) -> Option<Range<usize>> {
    let mut code = items.iter().filter(|i| i.kind != Kind::Comment);
    let first = code.next()?;
    let last = code.next_back().unwrap_or(first);
    if first.kind == Kind::Word {
        let folded = fold(&text[first.range.clone()]);
        let alone = first.range == last.range;
        if starts_statement(&folded) || (!alone && near_keyword(&folded)) {
            return None;
        }
    }
    Some(first.range.start..last.range.end)
}

/// Whether a folded word starts a statement or is a console meta command.
fn starts_statement(folded: &str) -> bool {
    folded.starts_with('\\')
        || matches!(folded, "quit" | "exit")
        || CATALOGUE.iter().any(|e| {
            e.words[0].contains(&folded)
                || e.aliases
                    .iter()
                    .any(|a| a.split(' ').next() == Some(folded))
        })
}

/// Whether a folded word is a typo of a statement's first keyword: ASCII, three letters or
/// more, within two edits of one.
fn near_keyword(folded: &str) -> bool {
    folded.is_ascii()
        && folded.len() >= 3
        && CATALOGUE
            .iter()
            .flat_map(|e| e.words[0].iter())
            .any(|k| k.is_ascii() && within_two_edits(folded, k))
}

/// Rule 1: after each password word of the statement `range`, to the statement's end or
/// the `ROLE` clause after it.
fn after_password_words(text: &str, range: Range<usize>, items: &[Item]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    // Where the statement's ROLE clauses start (outside comments and quotes), in order.
    let roles: Vec<usize> = items
        .iter()
        .filter(|i| i.kind == Kind::Word && i.range.len() <= "ＲＯＬＥ".len())
        .filter(|i| kw::is(&fold(&text[i.range.clone()]), kw::ROLE))
        .map(|i| i.range.start)
        .collect();
    let statement = &text[range.clone()];
    let words = statement
        .split(|c: char| is_space(c) || is_punct(c) || quote(c))
        .filter(|w| !w.is_empty())
        .map(|w| {
            let start = range.start + (w.as_ptr() as usize - statement.as_ptr() as usize);
            start..start + w.len()
        });
    for w in words {
        let word = &text[w.clone()];
        let colon = word
            .find([':', '：'])
            .filter(|&k| is_password_word(&word[..k]));
        let from = match colon {
            Some(k) => w.start + k,
            None if is_password_word(word) => w.end,
            None => continue,
        };
        // Skip what joins the value to the word; the value runs to the statement's end
        // or to a ROLE clause after it.
        let from = text[from..range.end]
            .find(|c: char| !(is_space(c) || matches!(c, '=' | '＝' | ':' | '：')))
            .map_or(range.end, |k| from + k);
        let to = roles
            .get(roles.partition_point(|&r| r <= from))
            .map_or(range.end, |&r| r);
        let to = from + text[from..to].trim_end().len();
        if from < to {
            out.push(from..to);
        }
    }
    out
}

/// Whether `word` is a password word (rule 1 of the module documentation).
fn is_password_word(word: &str) -> bool {
    // Only a word with a p (any width) or パ/ﾊ/暗 can be one; others are not folded.
    if !word.contains(['p', 'P', 'ｐ', 'Ｐ', 'パ', 'ﾊ', '暗']) {
        return false;
    }
    let f = fold(word);
    f.starts_with("pass")
        || f.starts_with("pw")
        || (f.is_ascii() && (5..=10).contains(&f.len()) && within_two_edits(&f, "password"))
        || f.starts_with("パスワ")
        || f == "パス"
        || f.starts_with("暗証")
}

/// Whether the ASCII strings `a` and `b` are at most two edits apart (Levenshtein).
fn within_two_edits(a: &str, b: &str) -> bool {
    super::keywords::distance(a, b) <= 2
}

#[cfg(test)]
mod tests;
