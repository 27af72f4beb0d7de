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
        '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FF0D}' | '\u{2500}' | '\u{2501}'
    )
}

/// One character of an address as the key spells it: the 町名 spellings of one sound written
/// several ways folded (ケ, ヶ, ヵ, が and ガ as in 朝日ケ丘, 朝日ヶ丘, 朝日が丘; ノ, の and 之
/// as in 松ノ内, 松の内) and variant kanji folded as names are (髙 → 高, 﨑 → 崎, 濵 → 浜:
/// `model::variants`). One character maps to one.
pub(crate) fn fold_address_char(c: char) -> char {
    match c {
        'ケ' | 'ヶ' | 'ヵ' | 'が' | 'ガ' => 'ケ',
        'ノ' | 'の' | '之' => 'ノ',
        // 巿 (U+5DFF, ふつ) is typed for 市 by mistake often enough to be in the test data of
        // address normalisers.
        '巿' => '市',
        c => super::variants::fold_kanji(c),
    }
}

/// The value of a kanji numeral digit (〇 to 九).
fn kanji_digit(c: char) -> Option<u32> {
    "〇一二三四五六七八九"
        .chars()
        .position(|k| k == c)
        .map(|i| i as u32)
}

fn is_kanji_numeral(c: char) -> bool {
    kanji_digit(c).is_some() || matches!(c, '十' | '百' | '千')
}

/// The value of a run of kanji numerals: positional (一〇 = 10) or with 十, 百 and 千
/// (二十三 = 23, 百五 = 105).
fn kanji_number(run: &[char]) -> Option<u32> {
    if !run.iter().any(|&c| matches!(c, '十' | '百' | '千')) {
        return run.iter().try_fold(0u32, |acc, &c| {
            acc.checked_mul(10)?.checked_add(kanji_digit(c)?)
        });
    }
    let (mut total, mut pending) = (0u32, None::<u32>);
    for &c in run {
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => {
                if pending.replace(kanji_digit(c)?).is_some() {
                    return None;
                }
                continue;
            }
        };
        total = total.checked_add(pending.take().unwrap_or(1) * unit)?;
    }
    total.checked_add(pending.unwrap_or(0))
}

/// What follows a number in an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// 丁目, 番地, 番地の, 番, 番の, a dash, or の before another number: the key writes '-'.
    Separator,
    /// 号: the key writes nothing.
    Go,
}

/// The mark at `chars[i]` after a number, and its length. 番 directly followed by 町 or 丁
/// is part of a place name (一番町, 一番丁), and ノ (の, 之 folded) separates only when a
/// number follows it.
fn mark_at(chars: &[char], i: usize) -> Option<(Mark, usize)> {
    let at = |k: usize| chars.get(i + k).copied();
    let number_at = |k: usize| at(k).is_some_and(|c| c.is_ascii_digit() || is_kanji_numeral(c));
    match (at(0)?, at(1), at(2)) {
        ('丁', Some('目'), _) => Some((Mark::Separator, 2)),
        ('番', Some('地'), Some('ノ')) => Some((Mark::Separator, 3)),
        ('番', Some('地'), _) => Some((Mark::Separator, 2)),
        ('番', Some('町' | '丁'), _) => None,
        // 丁 for 丁目, as 堺市 writes it (北花田町二丁4-1), where a number or nothing follows.
        ('丁', next, _) if next.is_none_or(|c| c == '-') || number_at(1) => {
            Some((Mark::Separator, 1))
        }
        ('番', Some('ノ'), _) if number_at(2) => Some((Mark::Separator, 2)),
        ('番', _, _) => Some((Mark::Separator, 1)),
        ('号', _, _) => Some((Mark::Go, 1)),
        ('-' | 'ー', _, _) => Some((Mark::Separator, 1)),
        ('ノ', _, _) if number_at(1) => Some((Mark::Separator, 1)),
        _ => None,
    }
}

/// The characters of an address before its numbers are read: NFKC, spaces and variation
/// selectors dropped, every dash '-', spellings and variant kanji folded
/// ([`fold_address_char`]).
fn prepared(s: &str) -> Vec<char> {
    let chars: Vec<char> = super::text::nfkc(s)
        .filter(|c| !c.is_whitespace() && !super::variants::is_variation_selector(*c))
        .map(|c| {
            if is_dash(c) {
                '-'
            } else {
                fold_address_char(c)
            }
        })
        .collect();
    without_aza(chars)
}

/// `chars` without the 大字 and 字 that a 町字 may be written with or without (大字大谷口 =
/// 大谷口, 原田町字東三分一 = 原田町東三分一): 大字 wherever it stands, 字 after 町 or 村 (or
/// a 大字 taken out) before a name.
fn without_aza(chars: Vec<char>) -> Vec<char> {
    if !chars.contains(&'字') {
        return chars;
    }
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '大' && chars.get(i + 1) == Some(&'字') {
            i += 2;
            continue;
        }
        let after_town = out.last().is_some_and(|c| matches!(c, '町' | '村'));
        let name_follows = chars.get(i + 1).is_some_and(|c| !c.is_ascii() && *c != '-');
        if chars[i] == '字' && after_town && name_follows {
            i += 1;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// The number starting at `chars[i]` as the key writes it (ASCII digits), and where it ends.
/// ASCII digits are always a number. A run of kanji numerals is one only where a number
/// stands: a mark follows it, or it continues a number sequence (`out` ends in a separator
/// after a digit); directly after a digit it is not (7番6号十二号館 keeps 十二号館), nor in a
/// place name (一番町, 三条, 九十九里町).
fn number_at(chars: &[char], i: usize, out: &str) -> Option<(String, usize)> {
    let run_end = |pred: fn(char) -> bool| {
        (i..chars.len())
            .find(|&k| !pred(chars[k]))
            .unwrap_or(chars.len())
    };
    if chars[i].is_ascii_digit() {
        let end = run_end(|c| c.is_ascii_digit());
        return Some((chars[i..end].iter().collect(), end));
    }
    if !is_kanji_numeral(chars[i]) || out.ends_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let end = run_end(is_kanji_numeral);
    let in_sequence =
        out.ends_with('-') && out[..out.len() - 1].ends_with(|c: char| c.is_ascii_digit());
    if !in_sequence && mark_at(chars, end).is_none() {
        return None;
    }
    Some((kanji_number(&chars[i..end])?.to_string(), end))
}

/// The prefectures' names as keys spell them.
pub(crate) fn prefecture_keys() -> &'static [String] {
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        PREFECTURES
            .iter()
            .map(|p| p.chars().map(fold_address_char).collect())
            .collect()
    })
}

/// The matching key of an address, used both on stored addresses and on query text.
///
/// Steps: NFKC; spaces and variation selectors deleted; every hyphen, dash or minus becomes
/// '-'; the spellings of one 町名 and variant kanji folded ([`fold_address_char`]); 大字, and
/// 字 after 町 or 村, deleted; numbers (ASCII digits, or kanji numerals where a number stands)
/// written in ASCII digits; after a number, 丁目, 丁, 番地, 番地の, 番, 番の, a dash, ー, and の
/// before another number become '-', 号 is dropped (and a number right after it is set apart
/// with '-'); numerals in a place name (一番町, 三条町, 北二十四条) stay as written; runs of
/// '-' collapse to one
/// and a '-' at the very end is dropped; a leading prefecture name is removed (unless nothing
/// would remain). Building names and room numbers stay in the key.
///
/// `兵庫県芦屋市精道町7番6号`, `芦屋市精道町七番地の六` and `芦屋市精道町７－６` all give
/// `芦屋市精道町7-6`. How a query key meets a stored one (whole numbers, never 7-6 for
/// 7-60) is [`address_key_matches`].
pub fn address_key(s: &str) -> String {
    let chars = prepared(s);
    let mut out = String::with_capacity(chars.len() * 3);
    let mut i = 0;
    while i < chars.len() {
        if let Some((digits, end)) = number_at(&chars, i, &out) {
            out.push_str(&digits);
            i = end;
            match mark_at(&chars, i) {
                Some((Mark::Separator, len)) => {
                    out.push('-');
                    i += len;
                }
                Some((Mark::Go, len)) => {
                    i += len;
                    // A number after 号 is a room's (7番6号101号室): apart from the 号's.
                    if chars.get(i).is_some_and(char::is_ascii_digit) {
                        out.push('-');
                    }
                }
                None => {}
            }
            continue;
        }
        if is_kanji_numeral(chars[i]) {
            // Numerals that are not a number stay as written, all of them: 十二号館 after a
            // number is a name, not 十 and the number 2.
            while i < chars.len() && is_kanji_numeral(chars[i]) {
                out.push(chars[i]);
                i += 1;
            }
            continue;
        }
        let c = chars[i];
        i += 1;
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with('-') {
        out.pop();
    }
    strip_prefecture(out)
}

/// `key` without a leading prefecture name, unless nothing else would remain.
fn strip_prefecture(key: String) -> String {
    // Every prefecture's name ends in 都, 道, 府 or 県 within its first four characters.
    let may_name_one = key
        .chars()
        .take(4)
        .any(|c| matches!(c, '都' | '道' | '府' | '県'));
    if may_name_one {
        for prefecture in prefecture_keys() {
            if let Some(rest) = key.strip_prefix(prefecture.as_str()) {
                if !rest.is_empty() {
                    return rest.to_owned();
                }
                break;
            }
        }
    }
    key
}

/// Whether the address of key `stored` is at or within the address a query of key `query`
/// names: `stored` begins with `query`, and a number the query ends with is whole in
/// `stored` (精道町7-6 finds 精道町7-6 and 精道町7-6-301 and 精道町7-6コーポ芦屋, never
/// 精道町7-60). Works on the bytes, so that index entries are compared without decoding.
pub fn address_key_matches(stored: &[u8], query: &[u8]) -> bool {
    stored.starts_with(query)
        && !(query.last().is_some_and(u8::is_ascii_digit)
            && stored.get(query.len()).is_some_and(u8::is_ascii_digit))
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
    fn town_spellings_fold() {
        let key = address_key("朝日ケ丘町5-6");
        for written in [
            "兵庫県芦屋市朝日ヶ丘町5番6号",
            "朝日ヶ丘町５番６号",
            "朝日が丘町五番六号",
            "朝日ガ丘町5番地6",
            "朝日ヵ丘町5の6",
        ] {
            assert_eq!(address_key(written).replace("芦屋市", ""), key, "{written}");
        }
        assert_eq!(address_key("松の内町"), address_key("松ノ内町"));
        assert_eq!(address_key("松之内町"), address_key("松ノ内町"));
        assert_eq!(address_key("髙﨑町1番"), address_key("高崎町1"));
        assert_eq!(address_key("辻\u{E0100}町"), address_key("辻町"));
        // の stays a name's where no number follows it.
        assert_eq!(address_key("一の坂町"), "一ノ坂町");
    }

    #[test]
    fn every_way_of_writing_the_numbers() {
        for written in [
            "精道町7番地の6",
            "精道町7番地6",
            "精道町7番の6",
            "精道町7の6",
            "精道町七番地の六",
            "精道町七の六",
            "精道町7ー6",
            "精道町７－６",
            "精道町7―6",
            "精道町 7 - 6",
        ] {
            assert_eq!(address_key(written), "精道町7-6", "{written}");
        }
        assert_eq!(address_key("豊洲四-2-27"), "豊洲4-2-27");
        assert_eq!(
            address_key("北花田町二丁4-1"),
            address_key("北花田町2丁目4番1号")
        );
        // Numerals in a place name stay: 三条町 is not 3条町.
        assert_eq!(address_key("三条町5番"), "三条町5");
        assert_eq!(address_key("北二十四条西6丁目"), "北二十四条西6");
        assert_eq!(address_key("大字大谷口1520"), address_key("大谷口1520"));
        assert_eq!(
            address_key("原田町字東三分一1926番地1"),
            "原田町東三分一1926-1"
        );
        assert_eq!(
            address_key("巿川巿巿川1丁目"),
            address_key("市川市市川一丁目")
        );
        // A room number after 号 is apart from the 号's number.
        assert_eq!(address_key("精道町7番6号101号室"), "精道町7-6-101室");
        assert_eq!(
            address_key("豊洲1丁目2-27"),
            address_key("豊洲一丁目2番27号")
        );
        // A numeral right after a number belongs to the 方書, not to the number.
        assert_eq!(address_key("精道町7番6号十二号館"), "精道町7-6十二号館");
        // ー is a dash only after a number.
        assert_eq!(address_key("精道町7-6コーポ"), "精道町7-6コーポ");
    }

    #[test]
    fn numbers_match_whole() {
        let m = |stored: &str, query: &str| {
            address_key_matches(
                address_key(stored).as_bytes(),
                address_key(query).as_bytes(),
            )
        };
        assert!(m("精道町7番6号", "精道町7番6号"));
        assert!(m("精道町7番6号", "精道町7"));
        assert!(m("精道町7番6号", "精道町"));
        assert!(m("精道町7番6号 コーポ芦屋101", "精道町7-6"));
        assert!(m("精道町7-6-301", "精道町7-6"));
        assert!(!m("精道町7番60号", "精道町7番6号"));
        assert!(!m("精道町17番6号", "精道町1"));
        assert!(!m("精道町70番6号", "精道町7"));
        assert!(!m("精道町7番6号", "精道町7番6号101"));
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
