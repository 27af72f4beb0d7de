//! 住所: the address as written and the key it is matched by.

use std::fmt;

use super::error::InvalidValue;
// The 47 prefectures (one list, with their codes), stripped from the front of an address key
// so that an address with or without its prefecture matches.
use super::place::code::PREFECTURE_NAMES as PREFECTURES;

const FIELD: &str = "address";
const MAX_CHARS: usize = 200;

/// An address: the form written on the 住民票 and its matching key (see `address_key`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    written: String,
}

impl Address {
    /// Parses an address: NFKC, runs of spaces folded into one ASCII space, trimmed; it must
    /// be non-empty, without control characters, and at most 200 characters.
    pub fn parse(input: &str) -> Result<Address, InvalidValue> {
        let written = super::text::written(input, FIELD, MAX_CHARS)?;
        Ok(Address { written })
    }

    /// Wraps an address that was validated when it was stored.
    pub(crate) fn from_trusted(written: String) -> Address {
        Address { written }
    }

    /// The address as written (normalised).
    pub fn written(&self) -> &str {
        &self.written
    }

    /// The matching key of the address (computed on each call; see `address_key`).
    pub fn key(&self) -> String {
        address_key(&self.written)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

/// Whether `c` is a hyphen, dash or minus that stands for '-' anywhere in an address.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}' // ‐
            | '\u{2011}' // ‑
            | '\u{2012}' // ‒
            | '\u{2013}' // –
            | '\u{2014}' // —
            | '\u{2015}' // ―
            | '\u{2212}' // −
            | '\u{FF0D}' // －
            | '\u{2500}' // ─
            | '\u{2501}' // ━
    )
}

/// The value of a kanji numeral digit (〇 to 九).
fn kanji_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn is_kanji_numeral(c: char) -> bool {
    kanji_digit(c).is_some() || c == '十' || c == '百'
}

/// The value of a run of kanji numerals: positional (一〇 = 10) or with 十 and 百 (二十三 = 23,
/// 百五 = 105).
fn kanji_number(run: &[char]) -> Option<u32> {
    if !run.iter().any(|&c| c == '十' || c == '百') {
        return run
            .iter()
            .try_fold(0u32, |acc, &c| Some(acc.checked_mul(10)? + kanji_digit(c)?));
    }
    let mut total = 0u32;
    let mut pending: Option<u32> = None;
    for &c in run {
        match c {
            '百' | '十' => {
                let unit = if c == '百' { 100 } else { 10 };
                total += pending.take().unwrap_or(1) * unit;
            }
            _ => {
                if pending.is_some() {
                    return None;
                }
                pending = Some(kanji_digit(c)?);
            }
        }
    }
    Some(total + pending.unwrap_or(0))
}

/// Whether the block-number suffix 丁目, 番地, 番 or 号 starts at `chars[i]`, and its length.
/// 番 directly followed by 町 or 丁 is part of a place name (一番町, 一番丁), not a number.
fn suffix_at(chars: &[char], i: usize) -> Option<usize> {
    match (chars.get(i), chars.get(i + 1)) {
        (Some('丁'), Some('目')) => Some(2),
        (Some('番'), Some('地')) => Some(2),
        (Some('番'), Some('町' | '丁')) => None,
        (Some('番'), _) => Some(1),
        (Some('号'), _) => Some(1),
        _ => None,
    }
}

/// Converts runs of kanji numerals directly before 丁目, 番地, 番 or 号 to ASCII digits.
fn kanji_numerals_to_digits(chars: Vec<char>) -> Vec<char> {
    if !chars.iter().any(|&c| is_kanji_numeral(c)) {
        return chars;
    }
    let chars = chars.as_slice();
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if is_kanji_numeral(chars[i]) {
            let start = i;
            while i < chars.len() && is_kanji_numeral(chars[i]) {
                i += 1;
            }
            let run = &chars[start..i];
            match kanji_number(run) {
                Some(n) if suffix_at(chars, i).is_some() => out.extend(n.to_string().chars()),
                _ => out.extend_from_slice(run),
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The matching key of an address, used both on stored addresses and on query text, so that
/// a query key is a prefix of the key of every address it should find.
///
/// Steps: NFKC; delete all spaces; every hyphen, dash or minus becomes '-' (and ー becomes
/// '-' after a digit); kanji numerals directly before 丁目, 番地, 番 or 号 become ASCII digits;
/// after a digit, 丁目, 番地 and 番 become '-' and 号 is dropped; runs of '-' collapse to one
/// and a '-' at the very end is dropped; a leading prefecture name is removed (unless nothing
/// would remain). Building names and room numbers stay in the key.
///
/// `兵庫県芦屋市精道町7番6号` and `芦屋市精道町7-6` both give `芦屋市精道町7-6`.
pub fn address_key(s: &str) -> String {
    // NFKC, spaces out, dashes unified.
    let mut chars: Vec<char> = Vec::with_capacity(s.len());
    for c in super::text::nfkc(s) {
        if c.is_whitespace() {
            continue;
        }
        let after_digit = chars.last().is_some_and(|p| p.is_ascii_digit());
        if is_dash(c) || (c == 'ー' && after_digit) {
            chars.push('-');
        } else {
            chars.push(c);
        }
    }

    let chars = kanji_numerals_to_digits(chars);

    // Block-number suffixes after a digit.
    let mut out = String::with_capacity(chars.len() * 3);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let after_digit = out.chars().last().is_some_and(|p| p.is_ascii_digit());
        if after_digit {
            if let Some(len) = suffix_at(&chars, i) {
                if c != '号' {
                    out.push('-');
                }
                i += len;
                continue;
            }
        }
        if c == '-' && out.ends_with('-') {
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    if out.ends_with('-') {
        out.pop();
    }

    // Every prefecture's name ends in 都, 道, 府 or 県 within its first four characters.
    let may_name_one = out
        .chars()
        .take(4)
        .any(|c| matches!(c, '都' | '道' | '府' | '県'));
    if may_name_one {
        for prefecture in PREFECTURES {
            if let Some(rest) = out.strip_prefix(prefecture) {
                if !rest.is_empty() {
                    return rest.to_owned();
                }
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every prefecture's name is removed from the front of a key, and kept when nothing
    /// else would remain.
    #[test]
    fn every_prefecture_is_removed() {
        for p in PREFECTURES {
            assert_eq!(
                address_key(&format!("{p}芦屋市精道町7番6号")),
                "芦屋市精道町7-6",
                "{p}"
            );
            assert_eq!(address_key(p), p);
        }
    }

    #[test]
    fn key_examples() {
        assert_eq!(address_key("兵庫県芦屋市精道町7番6号"), "芦屋市精道町7-6");
        assert_eq!(address_key("芦屋市精道町7-6"), "芦屋市精道町7-6");
        assert_eq!(address_key("芦屋市精道町７－６"), "芦屋市精道町7-6");
        assert_eq!(address_key("芦屋市精道町7丁目6番3号"), "芦屋市精道町7-6-3");
        assert_eq!(
            address_key("芦屋市精道町七丁目六番三号"),
            "芦屋市精道町7-6-3"
        );
        assert_eq!(address_key("芦屋市精道町7ー6"), "芦屋市精道町7-6");
        assert_eq!(address_key("芦屋市精道町7‐6"), "芦屋市精道町7-6");
        assert_eq!(address_key("芦屋市精道町7−6"), "芦屋市精道町7-6");
        assert_eq!(address_key("芦屋市精道町7番地6"), "芦屋市精道町7-6");
        assert_eq!(address_key("芦屋市精道町7番"), "芦屋市精道町7");
    }

    #[test]
    fn kanji_numerals() {
        assert_eq!(address_key("中央区三丁目"), "中央区3");
        assert_eq!(address_key("中央区三丁目十二番"), "中央区3-12");
        assert_eq!(address_key("本町二十三番地"), "本町23");
        assert_eq!(address_key("本町一〇番"), "本町10");
        assert_eq!(address_key("本町百五番地"), "本町105");
        // Numerals not before a block suffix are place names and stay.
        assert_eq!(address_key("九十九里町"), "九十九里町");
        assert_eq!(address_key("東京都千代田区一番町"), "千代田区一番町");
        assert_eq!(address_key("三重県四日市市"), "四日市市");
    }

    #[test]
    fn buildings_stay_and_spaces_go() {
        assert_eq!(
            address_key("兵庫県芦屋市精道町7番6号 ○○マンション101号"),
            "芦屋市精道町7-6○○マンション101"
        );
        assert_eq!(
            address_key("芦屋市精道町7-6　コーポ芦屋 2F"),
            "芦屋市精道町7-6コーポ芦屋2F"
        );
    }

    #[test]
    fn query_key_is_a_prefix() {
        let stored = Address::parse("兵庫県芦屋市精道町7番6号").unwrap();
        assert_eq!(stored.key(), "芦屋市精道町7-6");
        for q in [
            "芦屋市精道町",
            "兵庫県芦屋市",
            "芦屋市精道町7",
            "芦屋市精道町７－",
            "芦屋市精道町7番",
        ] {
            assert!(stored.key().starts_with(&address_key(q)), "{q}");
        }
    }

    #[test]
    fn prefectures() {
        assert_eq!(PREFECTURES.len(), 47);
        assert_eq!(
            address_key("北海道札幌市中央区北1条西2丁目"),
            "札幌市中央区北1条西2"
        );
        assert_eq!(address_key("京都府京都市"), "京都市");
        assert_eq!(address_key("神奈川県横浜市"), "横浜市");
        assert_eq!(address_key("東京都"), "東京都");
    }

    #[test]
    fn parse_written_form() {
        let a = Address::parse("  兵庫県芦屋市精道町７番６号　　○○マンション１０１号 ").unwrap();
        assert_eq!(a.written(), "兵庫県芦屋市精道町7番6号 ○○マンション101号");
        assert_eq!(a.to_string(), a.written());
        assert_eq!(a.key(), "芦屋市精道町7-6○○マンション101");
        assert_eq!(Address::parse("").unwrap_err().field, "address");
        assert!(Address::parse(" \u{3000} ").is_err());
        assert!(Address::parse("芦屋市\n精道町").is_err());
        assert!(Address::parse(&"町".repeat(200)).is_ok());
        assert!(Address::parse(&"町".repeat(201)).is_err());
    }
}
