//! The 4情報 index keys of a version: the normalised name, reading and address keys
//! (`model`'s search keys) with the birth date, laid out as the five `search` prefixes, and
//! which of them a new version adds over the version before it.

use super::record::{StoredItem, StoredRecord};
use super::schema::{with_suffix, SearchComponents};
use crate::model::{address_key, other_names, KanaKey, NameKey};
use crate::store::error::Result;
use std::cell::RefCell;

/// The texts a version's 4情報 keys are made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyTexts<'a> {
    pub(crate) birth: u32,
    pub(crate) name: &'a str,
    pub(crate) kana: &'a str,
    pub(crate) address: &'a str,
    /// The record's items, for the other names it is found by (旧氏, 通称).
    pub(crate) items: &'a [StoredItem],
}

impl<'a> KeyTexts<'a> {
    /// The texts of a stored version.
    pub(crate) fn of(rec: &'a StoredRecord) -> KeyTexts<'a> {
        KeyTexts {
            birth: rec.birth,
            name: &rec.name,
            kana: &rec.kana,
            address: &rec.address,
            items: &rec.items,
        }
    }

    /// The keys of the other names (旧氏, 通称), written and read.
    fn other_keys(self) -> (Vec<String>, Vec<String>) {
        if self.items.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let items = self.items.iter().map(|i| (i.tag, i.value.as_str()));
        let (written, read) = other_names(self.name, self.kana, items);
        (
            written
                .iter()
                .map(|n| NameKey::of_written(n).split().index_text())
                .collect(),
            read.iter()
                .map(|k| KanaKey::of_reading(k).split().index_text())
                .collect(),
        )
    }

    /// The index components of these texts.
    fn components(self) -> SearchComponents {
        let (other_name_keys, other_kana_keys) = self.other_keys();
        SearchComponents {
            other_name_keys,
            other_kana_keys,
            birth: self.birth,
            name_key: NameKey::of_written(self.name).split().index_text(),
            kana_key: KanaKey::of_reading(self.kana).split().index_text(),
            address_key: remembered_address_key(self.address),
        }
    }

    /// The index components of these texts, taking each key `other` already has (in
    /// `theirs`) where the two hold the same text, instead of normalising it again.
    fn components_beside(self, other: KeyTexts<'_>, theirs: &SearchComponents) -> SearchComponents {
        let (other_name_keys, other_kana_keys) = self.other_keys();
        SearchComponents {
            other_name_keys,
            other_kana_keys,
            birth: self.birth,
            name_key: if self.name == other.name {
                theirs.name_key.clone()
            } else {
                NameKey::of_written(self.name).split().index_text()
            },
            kana_key: if self.kana == other.kana {
                theirs.kana_key.clone()
            } else {
                KanaKey::of_reading(self.kana).split().index_text()
            },
            address_key: if self.address == other.address {
                theirs.address_key.clone()
            } else {
                remembered_address_key(self.address)
            },
        }
    }
}

/// The 4情報 index components of a version.
pub(crate) fn components(rec: &StoredRecord) -> SearchComponents {
    KeyTexts::of(rec).components()
}

/// Hands `put` each 4情報 key of version `version` of resident `id` (texts `after`), with
/// its `[id][version]` suffix, that the version before it (texts `before`) did not have: a
/// key both have stays where the earlier version put it.
pub(crate) fn new_search_keys(
    before: Option<KeyTexts<'_>>,
    after: KeyTexts<'_>,
    id: u64,
    version: u32,
    mut put: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let new_parts = after.components();
    let old_keys = before.map(|b| b.components_beside(after, &new_parts).prefixes());
    for key in new_parts.prefixes() {
        if old_keys.as_ref().is_some_and(|old| old.contains(&key)) {
            continue;
        }
        put(&with_suffix(key, id, version))?;
    }
    Ok(())
}

/// How many addresses [`remembered_address_key`] keeps.
const REMEMBERED_ADDRESSES: usize = 4;

thread_local! {
    /// The last addresses this thread turned into keys, with their keys, oldest replaced
    /// first.
    static ADDRESS_KEYS: RefCell<(usize, Vec<(String, String)>)> =
        const { RefCell::new((0, Vec::new())) };
}

/// [`address_key`] of `text`, from the last few answers when `text` is among them.
/// The members of a household come one after another in a load and move together, so the
/// same address text is asked for again and again; the key is a function of the text alone.
fn remembered_address_key(text: &str) -> String {
    ADDRESS_KEYS.with(|memo| {
        let mut memo = memo.borrow_mut();
        let (next, entries) = &mut *memo;
        if let Some((_, key)) = entries.iter().find(|(t, _)| t == text) {
            return key.clone();
        }
        let key = address_key(text);
        let entry = (text.to_string(), key.clone());
        if entries.len() < REMEMBERED_ADDRESSES {
            entries.push(entry);
        } else {
            entries[*next] = entry;
            *next = (*next + 1) % REMEMBERED_ADDRESSES;
        }
        key
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_address_keys_match_fresh_ones() {
        // More distinct addresses than are remembered, revisited out of order, so entries
        // are replaced and found again.
        let texts: Vec<String> = (1..=7)
            .map(|n| format!("兵庫県芦屋市精道町{n}番{}号", n * 3))
            .collect();
        let order = [0, 1, 0, 2, 3, 4, 1, 5, 6, 0, 6, 6, 2, 5, 3, 4, 4, 0];
        for &i in &order {
            assert_eq!(remembered_address_key(&texts[i]), address_key(&texts[i]));
        }
        assert_eq!(remembered_address_key("芦屋市精道町7-6"), "芦屋市精道町7-6");
        assert_eq!(
            remembered_address_key("兵庫県芦屋市精道町7番6号"),
            "芦屋市精道町7-6"
        );
    }

    fn texts<'a>(name: &'a str, kana: &'a str, address: &'a str) -> KeyTexts<'a> {
        KeyTexts {
            birth: 19800101,
            name,
            kana,
            address,
            items: &[],
        }
    }

    fn keys(before: Option<KeyTexts<'_>>, after: KeyTexts<'_>) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        new_search_keys(before, after, 7, 2, |k| {
            out.push(k.to_vec());
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn a_first_version_gets_all_five_keys_and_a_move_only_the_address_ones() {
        let home = texts("山田 太郎", "ヤマダ タロウ", "兵庫県芦屋市精道町7番6号");
        let first = keys(None, home);
        assert_eq!(first.len(), 5);
        assert!(first
            .iter()
            .all(|k| k.ends_with(&[0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 2])));
        // The same place written another way gives the same keys: nothing new.
        let same = texts("山田 太郎", "ヤマダ タロウ", "芦屋市精道町7-6");
        assert!(keys(Some(home), same).is_empty());
        // A move: the three keys with the address.
        let moved = texts("山田 太郎", "ヤマダ タロウ", "兵庫県芦屋市大原町1番2号");
        let after_move = keys(Some(home), moved);
        assert_eq!(after_move.len(), 3);
        assert!(after_move.iter().all(|k| first.iter().all(|f| f != k)));
        // A new name: the two keys with the kanji name.
        let renamed = texts("佐藤 太郎", "ヤマダ タロウ", "兵庫県芦屋市精道町7番6号");
        assert_eq!(keys(Some(home), renamed).len(), 2);
    }
}
