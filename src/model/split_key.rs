//! A name search key that knows where its surname ends.
//!
//! The key text is the folded name with every space removed, so `鈴木次郎` and `鈴木 次郎` give
//! one key; `surname_len` is the byte length of the part that came before the first space
//! (the whole text when there was none). A query matches a key when it equals the whole text,
//! or, if the query itself had no space, the key's surname: never a mere prefix, so one
//! character cannot satisfy the two-attribute minimum of a search.
//!
//! In the 4情報 index the key is written as [`SplitKey::index_text`]: the text, U+0001 and the
//! surname length in decimal. The text comes first, so the keys of one name are one range of
//! the index; U+0001 never occurs in a name or reading (control characters are refused).

/// What separates the key text from the surname length in the index.
const MARK: u8 = 0x01;

/// A folded name or reading and the length of its surname part.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct SplitKey {
    text: String,
    surname_len: usize,
}

impl SplitKey {
    /// Folds `chars` with `fold` (`None` drops a character); an ASCII or ideographic space
    /// ends the surname and is dropped.
    pub(crate) fn build(
        chars: impl Iterator<Item = char>,
        fold: impl Fn(char) -> Option<char>,
    ) -> SplitKey {
        let mut text = String::new();
        let mut surname_len = None;
        for c in chars {
            if c == ' ' || c == '\u{3000}' {
                surname_len.get_or_insert(text.len());
                continue;
            }
            if let Some(f) = fold(c) {
                text.push(f);
            }
        }
        let surname_len = surname_len.unwrap_or(text.len());
        SplitKey { text, surname_len }
    }

    /// The key text: the whole name folded, without spaces.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the key was built from text with a given name after a space: as a query it
    /// then matches whole names only.
    pub(crate) fn has_given(&self) -> bool {
        self.surname_len < self.text.len()
    }

    /// The form written into the 4情報 index (see the module documentation).
    pub(crate) fn index_text(&self) -> String {
        format!("{}\u{1}{}", self.text, self.surname_len)
    }

    /// The index range a query scans: its text, followed by the mark when only whole names
    /// can match.
    pub(crate) fn scan_prefix(&self) -> Vec<u8> {
        let mut out = self.text.as_bytes().to_vec();
        if self.has_given() {
            out.push(MARK);
        }
        out
    }

    /// Whether the name or reading whose key is `key` matches this query.
    pub(crate) fn matches(&self, key: &SplitKey) -> bool {
        self.matches_parts(key.text.as_bytes(), key.surname_len)
    }

    /// [`SplitKey::matches`] on an index component written by [`SplitKey::index_text`];
    /// `false` for a component that is not of that form.
    pub(crate) fn matches_index(&self, component: &[u8]) -> bool {
        let Some(at) = component.iter().rposition(|&b| b == MARK) else {
            return false;
        };
        let len = std::str::from_utf8(&component[at + 1..])
            .ok()
            .and_then(|s| s.parse::<usize>().ok());
        len.is_some_and(|len| self.matches_parts(&component[..at], len))
    }

    fn matches_parts(&self, text: &[u8], surname_len: usize) -> bool {
        let q = self.text.as_bytes();
        text == q || (!self.has_given() && surname_len == q.len() && text.starts_with(q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> SplitKey {
        SplitKey::build(s.chars(), Some)
    }

    #[test]
    fn whole_name_with_or_without_the_space_or_the_surname() {
        let stored = key("鈴木 次郎");
        assert_eq!(stored.as_str(), "鈴木次郎");
        for q in ["鈴木 次郎", "鈴木次郎", "鈴木", "鈴木\u{3000}次郎"] {
            assert!(key(q).matches(&stored), "{q}");
            assert!(key(q).matches_index(stored.index_text().as_bytes()), "{q}");
        }
        for q in ["鈴", "鈴木次", "鈴木 次", "木", "鈴木 次郎 一"] {
            assert!(!key(q).matches(&stored), "{q}");
            assert!(!key(q).matches_index(stored.index_text().as_bytes()), "{q}");
        }
        // A name stored without the space is one surname: found whole, with or without it.
        let joined = key("鈴木次郎");
        assert!(key("鈴木 次郎").matches(&joined));
        assert!(!key("鈴木").matches(&joined));
        // A longer surname is not found by a shorter one.
        assert!(!key("山田").matches(&key("山田川 花")));
    }

    #[test]
    fn index_text_and_scan_prefix() {
        assert_eq!(key("鈴木 次郎").index_text(), "鈴木次郎\u{1}6");
        assert_eq!(key("鈴木").index_text(), "鈴木\u{1}6");
        assert_eq!(key("鈴木 次郎").scan_prefix(), "鈴木次郎\u{1}".as_bytes());
        assert_eq!(key("鈴木").scan_prefix(), "鈴木".as_bytes());
        assert!(!key("鈴木").matches_index("鈴木".as_bytes()));
        assert!(!key("鈴木").matches_index("鈴木\u{1}x".as_bytes()));
    }
}
