//! `help` and `help <statement>`: what each statement does, its Japanese alias, its form
//! and an example.

/// One statement's help entry.
struct Entry {
    /// The statement's keywords.
    name: &'static str,
    /// Its Japanese alias.
    alias: &'static str,
    /// The form.
    usage: &'static str,
    /// What it does.
    what: &'static str,
    /// A runnable example.
    example: &'static str,
}

const ENTRIES: &[Entry] = &[
    Entry { name: "GET", alias: "照会", usage: "GET <resident_code> [AS OF <date>]", what: "the resident as recorded now, or as they stood on a date; a former code finds the resident", example: "GET 24727059608 AS OF R2.4.1" },
    Entry { name: "GET MYNUMBER", alias: "照会 個人番号", usage: "GET MYNUMBER <my_number>", what: "the resident who holds, or held, a My Number (my_number_current says which)", example: "GET MYNUMBER 1234-5678-9018" },
    Entry { name: "FIND", alias: "検索", usage: "FIND name=… address=… birth=… [sex=…] [AS OF <date>] [LIMIT n]", what: "4情報検索: at least two of name, address and birth (sex does not count); kana names match the 清音化 key, kanji names the written name (a surname alone matches the surname), addresses match as a prefix; former names and addresses are found too (current=false)", example: "FIND name=やまだ birth=S55.4.1" },
    Entry { name: "HISTORY", alias: "履歴", usage: "HISTORY <resident_code>", what: "every version, oldest first, with 異動事由, 異動日, 届出日, 更新順番号 and what changed", example: "HISTORY 24727059608" },
    Entry { name: "HOUSEHOLD", alias: "世帯", usage: "HOUSEHOLD <household_id> [AS OF <date>] | HOUSEHOLD OF <resident_code> [AS OF <date>]", what: "the members, 世帯主 first, with 続柄", example: "HOUSEHOLD OF 24727059608 AS OF 2020-04-01" },
    Entry { name: "SHOW MYNUMBER", alias: "個人番号表示", usage: "SHOW MYNUMBER <resident_code>", what: "the unmasked My Number: a separate, explicit step", example: "SHOW MYNUMBER 24727059608" },
    Entry { name: "STATS", alias: "統計", usage: "STATS [BY sex|age|town|status, …] [AS OF <date>]", what: "population counts (active residents unless status is a dimension); age in 5-year bands", example: "STATS BY town, sex AS OF R6.4.1" },
    Entry { name: "CHANGES", alias: "", usage: "CHANGES SINCE <seq> [LIMIT n]", what: "the change feed in 更新順番号 order, with the items notified to the prefecture", example: "CHANGES SINCE 0 LIMIT 20" },
    Entry { name: "MOVE IN", alias: "転入", usage: "MOVE IN <code> my_number=… name=… kana=… sex=… birth=… address=… postal=… household=… relationship=… [from=…] ON <date> [REPORTED <date>]", what: "転入 (also 再転入 of a removed record)", example: "MOVE IN 24727059608 my_number=123456789018 name='山田 太郎' kana='ヤマダ タロウ' sex=男 birth=S55.4.1 address=芦屋市精道町7-6 postal=659-8501 household=1001 relationship=世帯主 from=大阪市北区梅田1-1 ON R2.4.1" },
    Entry { name: "BIRTH", alias: "出生", usage: "BIRTH <code> my_number=… name=… kana=… sex=… address=… postal=… household=… relationship=… ON <birth date>", what: "出生: a new record whose birth date is the ON date", example: "BIRTH 12345678903 my_number=614106526000 name='山田 一郎' kana='ヤマダ イチロウ' sex=1 address=芦屋市精道町7-6 postal=659-8501 household=1001 relationship=子 ON R7.5.5" },
    Entry { name: "ENTER", alias: "職権記載", usage: "ENTER <code> (the fields of MOVE IN) ON <date>", what: "職権記載: a record written ex officio", example: "ENTER 24727059608 … ON R7.1.1" },
    Entry { name: "MOVE", alias: "転居", usage: "MOVE <code> address=… [postal=…] [household=… relationship=…] [new_head=<code>] ON <date>", what: "転居 within the city; nothing but address, postal code, household and 続柄 may change", example: "MOVE 24727059608 address=芦屋市打出町2-3 postal=659-0012 ON 2024-07-01" },
    Entry { name: "MOVE OUT", alias: "転出", usage: "MOVE OUT <code> to=<destination> [new_head=<code>] ON <date>", what: "転出; may be notified up to 14 days ahead", example: "MOVE OUT 24727059608 to='東京都港区芝公園4-2-8' ON 2025-03-31" },
    Entry { name: "DEATH", alias: "死亡", usage: "DEATH <code> [new_head=<code>] ON <date>", what: "死亡; a 世帯主 with others in the household needs new_head", example: "DEATH 24727059608 new_head=12345678903 ON 2025-01-10" },
    Entry { name: "REMOVE", alias: "職権消除", usage: "REMOVE <code> [new_head=<code>] ON <date>", what: "職権消除", example: "REMOVE 24727059608 ON 2025-01-10" },
    Entry { name: "RENAME", alias: "氏名変更", usage: "RENAME <code> name=… kana=… ON <date>", what: "氏名変更; the former name stays findable", example: "RENAME 24727059608 name='鈴木 太郎' kana='スズキ タロウ' ON 2025-06-01" },
    Entry { name: "CHANGE HOUSEHOLD", alias: "世帯変更", usage: "CHANGE HOUSEHOLD <code> household=… relationship=… [new_head=<code>] ON <date>", what: "世帯変更 without a move (changing the address is a MOVE)", example: "CHANGE HOUSEHOLD 24727059608 household=2002 relationship=世帯主 ON 2025-06-01" },
    Entry { name: "CORRECT", alias: "職権修正", usage: "CORRECT <code> <field>=<value> … ON <date>", what: "職権修正 of any field but the code; may be dated before the latest version", example: "CORRECT 24727059608 kana='ヤマダ タロウ' ON R2.4.1" },
    Entry { name: "CHANGE CODE", alias: "住民票コード変更", usage: "CHANGE CODE <code> new=<code> ON <date>", what: "住民票コード変更; the old code keeps finding the resident", example: "CHANGE CODE 24727059608 new=12345678903 ON 2025-06-01" },
    Entry { name: "CHANGE MYNUMBER", alias: "個人番号変更", usage: "CHANGE MYNUMBER <code> my_number=… ON <date>", what: "個人番号変更; the former number keeps finding the resident", example: "CHANGE MYNUMBER 24727059608 my_number=614106526000 ON 2025-06-01" },
    Entry { name: "BACKUP TO", alias: "バックアップ", usage: "BACKUP TO '<path>'", what: "an online, consistent copy of the whole database (one snapshot; others keep working) with <path>.manifest.json (counts, last 更新順番号, size, SHA-256); refuses an existing path; needs the export permission; put it back with `juki restore --from <path> --db <file>`", example: "BACKUP TO '/backups/juki-2026-11-27.redb'" },
    Entry { name: "COMPACT", alias: "圧縮", usage: "COMPACT", what: "gives the free space inside the file back and prints the sizes before and after; needs the database to itself (refused while other sessions are signed in) and the operators permission", example: "COMPACT" },
];

/// The help text: the list of statements, or one statement in detail.
pub fn help(topic: Option<&str>) -> String {
    match topic {
        None => {
            let mut out = String::from("statements (keywords are case-insensitive; dates are ISO or era: S55.4.1, 令和元年5月1日):\n");
            for e in ENTRIES {
                let alias = if e.alias.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", e.alias)
                };
                out.push_str(&format!("  {}{alias}\n      {}\n", e.usage, e.what));
            }
            out.push_str("help <statement> shows one statement with an example.\n");
            out.push_str("in the console: \\timing shows each statement's time, \\x shows one field a line, \\q or Ctrl-D leaves, Ctrl-C cancels the line.");
            out
        }
        Some(t) => {
            let t = t.trim().to_uppercase();
            let found = ENTRIES
                .iter()
                .find(|e| e.name == t || e.alias == t)
                .or_else(|| ENTRIES.iter().find(|e| e.name.starts_with(&t)));
            match found {
                Some(e) => format!(
                    "{}{}\n  {}\n  {}\nexample:\n  {}",
                    e.name,
                    if e.alias.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", e.alias)
                    },
                    e.usage,
                    e.what,
                    e.example
                ),
                None => format!(
                    "no statement {t}; statements: {}",
                    ENTRIES
                        .iter()
                        .map(|e| e.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
    }
}

/// Statement keywords, for completion.
pub fn keywords() -> impl Iterator<Item = &'static str> {
    ENTRIES.iter().map(|e| e.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_statement_and_finds_by_alias() {
        let all = help(None);
        assert!(all.contains("FIND") && all.contains("検索"));
        assert!(help(Some("転入")).starts_with("MOVE IN"));
        assert!(help(Some("find")).contains("example:"));
        assert!(help(Some("nonsense")).starts_with("no statement"));
        assert!(help(Some("backup")).contains("manifest"));
        assert!(help(Some("COMPACT")).contains("to itself"));
    }
}
