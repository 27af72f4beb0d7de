//! The words the parser recognises inside statements: clause keywords with their Japanese
//! aliases, the FIND fields, the assignment keys and the STATS dimensions. The words that
//! start a statement, its usage line and its help are in the [`super::catalogue`]; which keys
//! each 異動 takes is the fields table ([`crate::model::change_fields`]).
//!
//! Words are compared after [`fold`]: NFKC (so `ＧＥＴ` is `GET` and half-width katakana is
//! full-width) and lowercase. Each list below holds folded forms.

use unicode_normalization::UnicodeNormalization;

use super::ast::{Field, StatDim};

/// The form words are compared in: NFKC, then lowercase.
pub(crate) fn fold(word: &str) -> String {
    word.nfkc().flat_map(char::to_lowercase).collect()
}

/// `AS` of `AS OF`.
pub(crate) const AS: &[&str] = &["as"];
/// `OF` of `AS OF` and `HOUSEHOLD OF`.
pub(crate) const OF: &[&str] = &["of"];
/// One word that stands for `AS OF`.
pub(crate) const AS_OF: &[&str] = &["基準日"];
/// `ON <date>`: the 異動日.
pub(crate) const ON: &[&str] = &["on", "異動日"];
/// `REPORTED <date>`: the 届出日.
pub(crate) const REPORTED: &[&str] = &["reported", "届出日"];
/// `LIMIT <n>`.
pub(crate) const LIMIT: &[&str] = &["limit", "件数"];
/// `SINCE <seq>` of CHANGES.
pub(crate) const SINCE: &[&str] = &["since"];
/// `BY` of STATS.
pub(crate) const BY: &[&str] = &["by"];
/// `REASON` of STATS BY REASON.
pub(crate) const REASON: &[&str] = &["reason", "異動事由"];
/// `FROM <date>` of STATS BY REASON and REPORT.
pub(crate) const FROM: &[&str] = &["from", "期間開始"];
/// `MONTH <month>` of REPORT.
pub(crate) const MONTH: &[&str] = &["month", "年月"];
/// `ROLE` of CREATE OPERATOR.
pub(crate) const ROLE: &[&str] = &["role"];
/// `PASSWORD` of CREATE OPERATOR.
pub(crate) const PASSWORD: &[&str] = &["password"];
/// `MYNUMBER` of GET MYNUMBER, SHOW MYNUMBER and CHANGE MYNUMBER.
pub(crate) const MYNUMBER: &[&str] = &["mynumber", "my_number", "個人番号"];
/// 宛名番号, after GET.
pub(crate) const ATENA: &[&str] = &["atena", "atena_number", "宛名番号"];
/// `IN` of MOVE IN.
pub(crate) const IN: &[&str] = &["in"];
/// `OUT` of MOVE OUT.
pub(crate) const OUT: &[&str] = &["out"];
/// `HOUSEHOLD` of CHANGE HOUSEHOLD.
pub(crate) const HOUSEHOLD: &[&str] = &["household", "世帯"];
/// `CODE` of CHANGE CODE.
pub(crate) const CODE: &[&str] = &["code"];
/// `OPERATOR` of CREATE / DISABLE / UNLOCK OPERATOR.
pub(crate) const OPERATOR: &[&str] = &["operator"];
/// `OPERATORS` of LIST OPERATORS.
pub(crate) const OPERATORS: &[&str] = &["operators"];
/// `VERIFY` of AUDIT VERIFY.
pub(crate) const VERIFY: &[&str] = &["verify"];
/// `CONSISTENCY` of EXPORT / VERIFY CONSISTENCY.
pub(crate) const CONSISTENCY: &[&str] = &["consistency"];
/// `HISTORY` of EXPORT HISTORY.
pub(crate) const HISTORY: &[&str] = &["history"];
/// `TO` of BACKUP TO and ISSUE.
pub(crate) const TO: &[&str] = &["to"];
/// `WITH` of ISSUE.
pub(crate) const WITH: &[&str] = &["with"];
/// `REQUESTED BY` of ISSUE.
pub(crate) const REQUESTED: &[&str] = &["requested"];

/// Clause words that cannot stand unquoted where a value is expected: `GET ON` is a
/// forgotten code, not a resident called ON.
pub(crate) const RESERVED: &[&[&str]] = &[AS, OF, AS_OF, ON, REPORTED, LIMIT, SINCE, BY, ROLE];

/// Whether the folded word `folded` is one of `words`.
pub(crate) fn is(folded: &str, words: &[&str]) -> bool {
    words.contains(&folded)
}

/// The FIND field a folded key names.
pub(crate) fn field(folded: &str) -> Option<Field> {
    Some(match folded {
        "name" | "氏名" => Field::Name,
        "address" | "住所" => Field::Address,
        "birth" | "生年月日" => Field::Birth,
        "sex" | "性別" => Field::Sex,
        _ => return None,
    })
}

/// The English assignment key a folded key names, in any statement.
pub(crate) fn assignment_key(folded: &str) -> Option<&'static str> {
    Some(match folded {
        "my_number" | "mynumber" | "個人番号" => "my_number",
        "name" | "氏名" => "name",
        "kana" | "振り仮名" | "ふりがな" | "フリガナ" => "kana",
        "sex" | "性別" => "sex",
        "birth" | "生年月日" => "birth",
        "address" | "住所" => "address",
        "postal" | "郵便番号" => "postal",
        "household" | "世帯" | "世帯番号" => "household",
        "relationship" | "続柄" => "relationship",
        "from" | "転入前住所" => "from",
        "to" | "転出先" => "to",
        "new_head" | "新世帯主" => "new_head",
        "new" | "新住民票コード" => "new",
        "relationships" | "続柄一覧" => "relationships",
        "seq" | "更新順番号" => "seq",
        // The items beyond the core fields, by key or by their name on the 住民票 (本籍,
        // 旧氏 …).
        _ => {
            return crate::model::ITEMS
                .iter()
                .find(|r| r.key == folded || r.label == folded)
                .map(|r| r.key)
        }
    })
}

/// The STATS dimension a folded word names.
pub(crate) fn stat_dim(folded: &str) -> Option<StatDim> {
    Some(match folded {
        "sex" | "性別" => StatDim::Sex,
        "age" | "年齢" => StatDim::Age,
        "town" | "町丁" | "町名" => StatDim::Town,
        "status" | "状態" => StatDim::Status,
        "ward" | "行政区" => StatDim::Ward,
        other => {
            let kind = crate::model::AreaKind::ALL
                .into_iter()
                .find(|k| k.key() == other || k.label() == other)?;
            StatDim::Area(kind)
        }
    })
}

/// The statement keyword closest to a misspelt `folded`, if one is close enough to suggest.
pub(crate) fn suggest(folded: &str) -> Option<&'static str> {
    let len = folded.chars().count();
    if !(3..=16).contains(&len) || !folded.is_ascii() {
        return None;
    }
    super::catalogue::first_keywords()
        .into_iter()
        .filter(|kw| kw.is_ascii())
        .map(|kw| (distance(folded, kw), kw))
        .filter(|&(d, kw)| d <= 2 && d < kw.len() / 2 + 1)
        .min_by_key(|&(d, _)| d)
        .map(|(_, kw)| kw)
}

/// Levenshtein distance between two ASCII strings.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(fold("GeT"), "get");
        assert_eq!(fold("ＧＥＴ"), "get");
        assert_eq!(fold("ﾌﾘｶﾞﾅ"), "フリガナ");
        assert_eq!(fold("照会"), "照会");
    }

    #[test]
    fn aliases() {
        assert_eq!(field("氏名"), Some(Field::Name));
        assert_eq!(field("kana"), None);
        assert_eq!(assignment_key("振り仮名"), Some("kana"));
        assert_eq!(assignment_key("世帯番号"), Some("household"));
        assert_eq!(assignment_key("新世帯主"), Some("new_head"));
        assert_eq!(stat_dim("年齢"), Some(StatDim::Age));
    }

    #[test]
    fn every_change_key_has_a_name() {
        for field in crate::model::ChangeField::ALL {
            if field != crate::model::ChangeField::Items {
                assert_eq!(assignment_key(field.name()), Some(field.name()));
            }
        }
        // The items go under their own keys, and 本籍, 旧氏 … under their labels too.
        for rule in &crate::model::ITEMS {
            assert_eq!(assignment_key(rule.key), Some(rule.key));
        }
        assert_eq!(assignment_key("本籍"), Some("registered_domicile"));
        assert_eq!(assignment_key("items"), None);
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("fnd"), Some("find"));
        assert_eq!(suggest("histroy"), Some("history"));
        assert_eq!(suggest("xyzzy"), None);
        assert_eq!(suggest("照会す"), None);
    }
}
