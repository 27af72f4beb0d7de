//! 丁目, 番地 and 号 as people write them after a 町字: `7-6`, `7番6号`, `7番地の6`, `7番地6`,
//! `2丁目8番9号`, `2-8-9`, with ASCII digits (full-width ones are ASCII after NFKC) or kanji
//! numerals (七, 十二, 一〇). The text after the numbers is left for the 方書.

/// What follows a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    /// 丁目
    Chome,
    /// 番地 or 番 (番地の, 番の included)
    Ban,
    /// 号: the last number
    Go,
    /// A hyphen or dash, or の: another number follows
    Dash,
    /// Nothing that continues the numbers
    End,
}

/// A number as written and the mark after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Part {
    pub(crate) value: u32,
    pub(crate) mark: Mark,
}

/// The largest number accepted (丁目, 番地 or 号).
pub(crate) const MAX_NUMBER: u32 = 99_999;

fn kanji_digit(c: char) -> Option<u32> {
    "〇一二三四五六七八九"
        .chars()
        .position(|k| k == c)
        .map(|i| i as u32)
}

fn is_kanji_numeral(c: char) -> bool {
    kanji_digit(c).is_some() || matches!(c, '十' | '百' | '千')
}

/// The value of kanji numerals: positional (一〇 = 10) or with 十, 百 and 千 (二十三 = 23,
/// 千二百 = 1200).
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
        total += pending.take().unwrap_or(1) * unit;
    }
    Some(total + pending.unwrap_or(0))
}

/// Whether `c` stands for a hyphen between numbers (ー only counts there, after a number).
pub(crate) fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{2500}' | '\u{2501}' | 'ー'
    )
}

/// The number at the start of `text`, and the text after it.
fn number(text: &str) -> Option<(u32, &str)> {
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 {
        let value = text[..digits].parse().unwrap_or(u32::MAX);
        return Some((value, &text[digits..]));
    }
    let run: Vec<char> = text.chars().take_while(|&c| is_kanji_numeral(c)).collect();
    if run.is_empty() {
        return None;
    }
    let len: usize = run.iter().map(|c| c.len_utf8()).sum();
    Some((kanji_number(&run)?, &text[len..]))
}

/// The mark at the start of `text` and the text after it. 番 directly followed by 町 or 丁 is
/// part of a name, not a mark.
fn mark(text: &str) -> (Mark, &str) {
    for (prefix, mark) in [
        ("丁目", Mark::Chome),
        ("番地の", Mark::Ban),
        ("番地", Mark::Ban),
        ("番の", Mark::Ban),
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return (mark, rest);
        }
    }
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some('番'), Some('町' | '丁')) => (Mark::End, text),
        (Some('番'), _) => (Mark::Ban, &text['番'.len_utf8()..]),
        (Some('号'), _) => (Mark::Go, &text['号'.len_utf8()..]),
        (Some(c), _) if is_dash(c) || c == 'の' => (Mark::Dash, &text[c.len_utf8()..]),
        _ => (Mark::End, text),
    }
}

/// Up to `max` numbers at the start of `text`, each with its mark, and the text after the
/// last. A kanji number counts only when a mark, a space or the end follows it (so 三号館 in
/// a 方書 after the numbers is not read). A mark that is not followed by a number ends the numbers and is
/// consumed (`7-6-` leaves ``); a number too large is an error.
pub(crate) fn parts(text: &str, max: usize) -> Result<(Vec<Part>, &str), String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while parts.len() < max {
        let Some((value, after)) = number(rest) else {
            break;
        };
        let ascii = rest.starts_with(|c: char| c.is_ascii_digit());
        let (mark, after_mark) = mark(after);
        if !ascii && mark == Mark::End && !(after.is_empty() || after.starts_with(' ')) {
            break;
        }
        let written = &rest[..rest.len() - after.len()];
        if value > MAX_NUMBER {
            return Err(format!(
                "{written} is too large a number (at most {MAX_NUMBER})"
            ));
        }
        parts.push(Part { value, mark });
        rest = after_mark;
        if matches!(mark, Mark::Go | Mark::End) {
            break;
        }
    }
    Ok((parts, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str, max: usize) -> (Vec<(u32, Mark)>, &str) {
        let (parts, rest) = parts(text, max).unwrap();
        (parts.iter().map(|p| (p.value, p.mark)).collect(), rest)
    }

    #[test]
    fn the_usual_writings() {
        use Mark::*;
        for text in [
            "7-6",
            "7番6号",
            "7番地の6",
            "7番地6",
            "七番六号",
            "7の6",
            "7ー6",
            "7−6",
        ] {
            let (v, rest) = values(text, 2);
            assert_eq!(
                v[0],
                (7, if text.contains('番') { Ban } else { Dash }),
                "{text}"
            );
            assert_eq!(v[1].0, 6, "{text}");
            assert_eq!(rest, "", "{text}");
        }
        assert_eq!(values("2丁目8番9号", 3).0, [(2, Chome), (8, Ban), (9, Go)]);
        assert_eq!(
            values("二丁目八-九", 3).0,
            [(2, Chome), (8, Dash), (9, End)]
        );
        assert_eq!(values("7番地", 2), (vec![(7, Ban)], ""));
        assert_eq!(values("7", 2), (vec![(7, End)], ""));
    }

    #[test]
    fn the_rest_is_left() {
        use Mark::*;
        assert_eq!(
            values("7番6号芦屋ハイツ101号室", 2),
            (vec![(7, Ban), (6, Go)], "芦屋ハイツ101号室")
        );
        assert_eq!(
            values("7-6 コーポ2F", 2),
            (vec![(7, Dash), (6, End)], " コーポ2F")
        );
        assert_eq!(values("7-6-301", 2), (vec![(7, Dash), (6, Dash)], "301"));
        // After a space, what follows is the 方書 even if it begins with a numeral.
        assert_eq!(values("7番地 三号館", 2), (vec![(7, Ban)], " 三号館"));
        assert_eq!(values("精道町", 2), (vec![], "精道町"));
        assert_eq!(values("三条", 2), (vec![], "三条"));
        assert!(parts("123456-1", 2)
            .unwrap_err()
            .contains("123456 is too large"));
        assert!(parts("99999999999999-1", 2).is_err());
    }
}
