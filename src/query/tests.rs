//! Tests of the whole front end: every statement form of the spec, each Japanese alias, each
//! syntax error with its message and position, and properties over arbitrary input.

use proptest::prelude::*;

use super::ast::*;
use super::lexer::tokenize;
use super::parser::{parse, parse_statement, search_minimum_hint};
use super::*;

/// Parses one statement, failing the test with the rendered error.
fn ok(input: &str) -> Statement {
    parse_statement(input).unwrap_or_else(|e| panic!("{input}: {e}\n{}", e.render(input)))
}

/// The error for an input that must not parse.
fn err(input: &str) -> ParseError {
    match parse_statement(input) {
        Ok(statement) => panic!("{input} parsed as {statement:?}"),
        Err(e) => e,
    }
}

/// The value `text` as written at its first occurrence in `input`.
fn at(input: &str, text: &str) -> Value {
    let start = input
        .find(text)
        .unwrap_or_else(|| panic!("{text} not in {input}"));
    Value {
        text: text.to_string(),
        span: Span::new(start, start + text.len()),
    }
}

/// The value `text` as written at its last occurrence in `input`.
fn last(input: &str, text: &str) -> Value {
    let start = input
        .rfind(text)
        .unwrap_or_else(|| panic!("{text} not in {input}"));
    Value {
        text: text.to_string(),
        span: Span::new(start, start + text.len()),
    }
}

/// The span of the first occurrence of `text` in `input`.
fn span(input: &str, text: &str) -> Span {
    at(input, text).span
}

fn change(input: &str) -> Change {
    match ok(input) {
        Statement::Change(change) => change,
        other => panic!("{input} parsed as {other:?}"),
    }
}

/// The assignments of a change as (key, value text) pairs.
fn pairs(change: &Change) -> Vec<(&str, &str)> {
    change
        .assignments
        .iter()
        .map(|a| (a.key.as_str(), a.value.text.as_str()))
        .collect()
}

// ---- looking up ----

#[test]
fn get() {
    let input = "GET 24727059608";
    assert_eq!(
        ok(input),
        Statement::Get {
            code: at(input, "24727059608"),
            as_of: None
        }
    );
    let input = "get 24727059608 as of 2019-05-01;";
    assert_eq!(
        ok(input),
        Statement::Get {
            code: at(input, "24727059608"),
            as_of: Some(at(input, "2019-05-01"))
        }
    );
    let input = "GET '24727059608'";
    let Statement::Get { code, .. } = ok(input) else {
        panic!()
    };
    assert_eq!(code.text, "24727059608");
    assert_eq!(code.span, Span::new(4, 17));
}

#[test]
fn get_with_japanese_alias_and_as_of() {
    let input = "照会 24727059608 基準日 R1.5.1";
    assert_eq!(
        ok(input),
        Statement::Get {
            code: at(input, "24727059608"),
            as_of: Some(at(input, "R1.5.1"))
        }
    );
    let input = "照会　24727059608　基準日　令和元年5月1日";
    let Statement::Get { as_of, .. } = ok(input) else {
        panic!()
    };
    assert_eq!(as_of, Some(at(input, "令和元年5月1日")));
}

#[test]
fn full_width_keywords_fold() {
    let input = "ＧＥＴ 1 ＡＳ ＯＦ S55.4.1；";
    assert!(matches!(ok(input), Statement::Get { as_of: Some(_), .. }));
}

#[test]
fn get_mynumber() {
    let input = "GET MYNUMBER 123456789018";
    assert_eq!(
        ok(input),
        Statement::GetMyNumber {
            number: at(input, "123456789018")
        }
    );
    assert!(matches!(
        ok("照会 個人番号 123456789018"),
        Statement::GetMyNumber { .. }
    ));
}

#[test]
fn find() {
    let input = "FIND name=山田太郎 birth=1980-04-01 sex=男 AS OF R7.1.1 LIMIT 20";
    let Statement::Find {
        conds,
        as_of,
        limit,
    } = ok(input)
    else {
        panic!()
    };
    let fields: Vec<_> = conds
        .iter()
        .map(|c| (c.field, c.value.text.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            (Field::Name, "山田太郎"),
            (Field::Birth, "1980-04-01"),
            (Field::Sex, "男")
        ]
    );
    assert_eq!(conds[0].span, span(input, "name=山田太郎"));
    assert_eq!(conds[0].value, at(input, "山田太郎"));
    assert_eq!(as_of, Some(at(input, "R7.1.1")));
    assert_eq!(limit, Some(at(input, "20")));
}

#[test]
fn find_clauses_in_any_order_and_quoted_values() {
    let input = "find LIMIT 5 address='東京都千代田区 一丁目' name=ﾔﾏﾀﾞ";
    let Statement::Find {
        conds,
        as_of,
        limit,
    } = ok(input)
    else {
        panic!()
    };
    assert_eq!(conds[0].field, Field::Address);
    assert_eq!(conds[0].value.text, "東京都千代田区 一丁目");
    assert_eq!(conds[1].value.text, "ﾔﾏﾀﾞ");
    assert_eq!(as_of, None);
    assert_eq!(limit.map(|l| l.text), Some("5".into()));
}

#[test]
fn find_japanese_aliases() {
    let input = "検索 氏名=山田太郎 住所=東京都 生年月日=S55.4.1 性別=1 基準日 R7.1.1";
    let Statement::Find { conds, as_of, .. } = ok(input) else {
        panic!()
    };
    let fields: Vec<_> = conds.iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        vec![Field::Name, Field::Address, Field::Birth, Field::Sex]
    );
    assert_eq!(as_of.map(|v| v.text), Some("R7.1.1".into()));
}

#[test]
fn find_with_one_condition_parses_for_the_engine_to_refuse() {
    let Statement::Find { conds, .. } = ok("FIND name=山田") else {
        panic!()
    };
    assert_eq!(
        search_minimum_hint(&conds).as_deref(),
        Some("FIND needs two of name, address, birth: add birth=… or address=…")
    );
}

#[test]
fn search_minimum_hints() {
    let conds = |input: &str| match ok(input) {
        Statement::Find { conds, .. } => conds,
        _ => panic!(),
    };
    assert_eq!(search_minimum_hint(&conds("FIND name=a birth=1")), None);
    assert_eq!(
        search_minimum_hint(&conds("FIND address=a birth=1 sex=1")),
        None
    );
    assert_eq!(
        search_minimum_hint(&conds("FIND birth=1 sex=2")).as_deref(),
        Some("FIND needs two of name, address, birth: add address=… or name=…")
    );
    assert_eq!(
        search_minimum_hint(&conds("FIND sex=2")).as_deref(),
        Some("FIND needs two of name, address, birth: add two of birth=…, address=…, name=…")
    );
}

#[test]
fn history() {
    let input = "HISTORY 24727059608";
    assert_eq!(
        ok(input),
        Statement::History {
            code: at(input, "24727059608")
        }
    );
    assert_eq!(
        ok("履歴 1"),
        Statement::History {
            code: at("履歴 1", "1")
        }
    );
}

#[test]
fn household() {
    let input = "HOUSEHOLD 0001234 AS OF 2020-01-01";
    assert_eq!(
        ok(input),
        Statement::Household {
            target: HouseholdTarget::Id(at(input, "0001234")),
            as_of: Some(at(input, "2020-01-01")),
        }
    );
    let input = "household of 24727059608";
    assert_eq!(
        ok(input),
        Statement::Household {
            target: HouseholdTarget::Of(at(input, "24727059608")),
            as_of: None
        }
    );
    let input = "世帯 OF 1 基準日 H31.4.30";
    assert!(matches!(
        ok(input),
        Statement::Household {
            target: HouseholdTarget::Of(_),
            as_of: Some(_)
        }
    ));
}

#[test]
fn show_mynumber() {
    let input = "SHOW MYNUMBER 24727059608";
    assert_eq!(
        ok(input),
        Statement::ShowMyNumber {
            code: at(input, "24727059608")
        }
    );
    let input = "個人番号表示 24727059608";
    assert_eq!(
        ok(input),
        Statement::ShowMyNumber {
            code: at(input, "24727059608")
        }
    );
}

#[test]
fn stats() {
    assert_eq!(
        ok("STATS"),
        Statement::Stats {
            by: vec![],
            as_of: None
        }
    );
    let input = "STATS BY sex, age,town ,status, ward, association neighborhood, 小学校区, junior_high_school, 投票区 AS OF R7.4.1";
    let Statement::Stats { by, as_of } = ok(input) else {
        panic!()
    };
    let dims: Vec<_> = by.iter().map(|(d, _)| *d).collect();
    assert_eq!(dims, StatDim::ALL.to_vec());
    assert_eq!(by[1].1, span(input, "age"));
    assert_eq!(as_of.map(|v| v.text), Some("R7.4.1".into()));
    let Statement::Stats { by, .. } = ok("統計 BY 性別 年齢") else {
        panic!()
    };
    assert_eq!(by.len(), 2);
}

#[test]
fn changes() {
    let input = "CHANGES SINCE 1200 LIMIT 100";
    assert_eq!(
        ok(input),
        Statement::Changes {
            since: at(input, "1200"),
            limit: Some(at(input, "100"))
        }
    );
    assert!(matches!(
        ok("changes since 0"),
        Statement::Changes { limit: None, .. }
    ));
}

// ---- changes (異動) ----

#[test]
fn move_in() {
    let input = "MOVE IN 24727059608 my_number=123456789018 name='山田 太郎' kana=ヤマダタロウ \
                 sex=1 birth=S55.4.1 address=東京都千代田区一丁目1番1号 postal=100-0001 \
                 household=0001234 relationship=世帯主 from='大阪府大阪市北区' ON R7.6.1 \
                 REPORTED R7.6.3";
    let c = change(input);
    assert_eq!(c.kind, ChangeKind::MoveIn);
    assert_eq!(c.code, at(input, "24727059608"));
    assert_eq!(
        pairs(&c),
        vec![
            ("my_number", "123456789018"),
            ("name", "山田 太郎"),
            ("kana", "ヤマダタロウ"),
            ("sex", "1"),
            ("birth", "S55.4.1"),
            ("address", "東京都千代田区一丁目1番1号"),
            ("postal", "100-0001"),
            ("household", "0001234"),
            ("relationship", "世帯主"),
            ("from", "大阪府大阪市北区"),
        ]
    );
    assert_eq!(c.assignments[0].key_span, span(input, "my_number"));
    assert_eq!(c.on, at(input, "R7.6.1"));
    assert_eq!(c.reported, Some(at(input, "R7.6.3")));
    assert_eq!(c.span, Span::new(0, input.len()));
    assert_eq!(Statement::Change(c).kind_name(), "MOVE IN");
}

#[test]
fn move_in_in_japanese() {
    let input =
        "転入 1 個人番号=2 氏名=山田太郎 振り仮名=ヤマダタロウ 性別=男 生年月日=昭和55年4月1日 \
                 住所=東京都 郵便番号=100-0001 世帯番号=3 続柄=世帯主 転入前住所=大阪府 \
                 異動日 R7.6.1 届出日 R7.6.2";
    let c = change(input);
    assert_eq!(c.kind, ChangeKind::MoveIn);
    let keys: Vec<_> = c.assignments.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "my_number",
            "name",
            "kana",
            "sex",
            "birth",
            "address",
            "postal",
            "household",
            "relationship",
            "from"
        ]
    );
    assert_eq!(c.on.text, "R7.6.1");
    assert_eq!(c.reported.map(|v| v.text), Some("R7.6.2".into()));
    let c = change("転入 1 ふりがな=ヤマダ 世帯=3 異動日=R7.6.1");
    assert_eq!(pairs(&c), vec![("kana", "ヤマダ"), ("household", "3")]);
}

#[test]
fn birth() {
    let input = "BIRTH 1 my_number=2 name=山田花子 kana=ヤマダハナコ sex=2 address=東京都 \
                 postal=100-0001 household=3 relationship=子 ON R7.6.1";
    let c = change(input);
    assert_eq!(c.kind, ChangeKind::Birth);
    assert_eq!(c.assignments.len(), 8);
    assert_eq!(change("出生 1 ON R7.6.1").kind, ChangeKind::Birth);
}

#[test]
fn enter() {
    let c = change("ENTER 1 name=山田 birth=S1.1.1 ON R7.6.1");
    assert_eq!(c.kind, ChangeKind::EntryExOfficio);
    assert_eq!(
        change("職権記載 1 ON R7.6.1").kind,
        ChangeKind::EntryExOfficio
    );
    assert_eq!(Statement::Change(c).kind_name(), "ENTER");
}

#[test]
fn move_within_the_city() {
    let input = "MOVE 1 address=東京都千代田区二丁目 postal=100-0002 household=9 \
                 relationship=世帯主 new_head=5 ON 2025-06-01";
    let c = change(input);
    assert_eq!(c.kind, ChangeKind::Move);
    assert_eq!(c.get("new_head").map(|v| v.text.as_str()), Some("5"));
    assert_eq!(c.on, at(input, "2025-06-01"));
    assert_eq!(
        change("転居 1 住所=東京都 新世帯主=5 異動日 R7.6.1").kind,
        ChangeKind::Move
    );
}

#[test]
fn move_out() {
    let input = "MOVE OUT 1 to='大阪府大阪市' new_head=2 ON R7.7.1";
    let c = change(input);
    assert_eq!(c.kind, ChangeKind::MoveOut);
    assert_eq!(pairs(&c), vec![("to", "大阪府大阪市"), ("new_head", "2")]);
    assert_eq!(
        change("転出 1 転出先=大阪府 異動日 R7.7.1").kind,
        ChangeKind::MoveOut
    );
}

#[test]
fn death_and_remove() {
    let input = "DEATH 24727059608 ON R7.6.1";
    let c = change(input);
    assert_eq!(c.kind, ChangeKind::Death);
    assert!(c.assignments.is_empty());
    assert_eq!(c.code, at(input, "24727059608"));
    assert_eq!(
        change("死亡 1 新世帯主=2 異動日 R7.6.1").kind,
        ChangeKind::Death
    );
    assert_eq!(
        change("REMOVE 1 new_head=2 ON R7.6.1").kind,
        ChangeKind::Remove
    );
    assert_eq!(change("職権消除 1 異動日 R7.6.1").kind, ChangeKind::Remove);
}

#[test]
fn rename() {
    let c = change("RENAME 1 name=佐藤花子 kana=サトウハナコ ON R7.6.1");
    assert_eq!(c.kind, ChangeKind::Rename);
    assert_eq!(
        pairs(&c),
        vec![("name", "佐藤花子"), ("kana", "サトウハナコ")]
    );
    assert_eq!(
        change("氏名変更 1 氏名=佐藤 異動日 R7.6.1").kind,
        ChangeKind::Rename
    );
}

#[test]
fn change_household() {
    let c = change("CHANGE HOUSEHOLD 1 household=2 relationship=妻 ON R7.6.1");
    assert_eq!(c.kind, ChangeKind::ChangeHousehold);
    assert_eq!(pairs(&c), vec![("household", "2"), ("relationship", "妻")]);
    let c = change("世帯変更 1 世帯=2 続柄=子の妻 異動日 R7.6.1");
    assert_eq!(c.kind, ChangeKind::ChangeHousehold);
    assert_eq!(
        c.get("relationship").map(|v| v.text.as_str()),
        Some("子の妻")
    );
}

#[test]
fn relationship_with_parentheses_is_one_value() {
    let input = "CHANGE HOUSEHOLD 1 relationship=夫(未届) ON R7.6.1";
    let c = change(input);
    assert_eq!(c.get("relationship"), Some(&at(input, "夫(未届)")));
    let input = "CHANGE HOUSEHOLD 1 続柄＝妻（未届） 異動日 R7.6.1";
    let c = change(input);
    assert_eq!(c.get("relationship"), Some(&at(input, "妻（未届）")));
}

#[test]
fn correct() {
    let c = change("CORRECT 1 birth=S55.4.2 name=山田 from=x to=y ON R7.6.1");
    assert_eq!(c.kind, ChangeKind::Correct);
    assert_eq!(c.assignments.len(), 4);
    assert_eq!(
        change("職権修正 1 生年月日=S55.4.2 異動日 R7.6.1").kind,
        ChangeKind::Correct
    );
}

#[test]
fn change_code_and_mynumber() {
    let c = change("CHANGE CODE 1 new=24727059608 ON R7.6.1");
    assert_eq!(c.kind, ChangeKind::ChangeCode);
    assert_eq!(pairs(&c), vec![("new", "24727059608")]);
    let c = change("change mynumber 1 my_number=123456789018 on R7.6.1");
    assert_eq!(c.kind, ChangeKind::ChangeMyNumber);
    assert_eq!(Statement::Change(c).kind_name(), "CHANGE MYNUMBER");
    assert_eq!(
        change("住民票コード変更 1 new=2 異動日 R7.6.1").kind,
        ChangeKind::ChangeCode
    );
    assert_eq!(
        change("個人番号変更 1 個人番号=2 異動日 R7.6.1").kind,
        ChangeKind::ChangeMyNumber
    );
}

#[test]
fn on_may_come_first_and_keys_are_case_insensitive() {
    let c = change("move 1 ON R7.6.1 ADDRESS=東京都 Postal=100-0001");
    assert_eq!(
        pairs(&c),
        vec![("address", "東京都"), ("postal", "100-0001")]
    );
    assert_eq!(
        c.span,
        Span::new(0, "move 1 ON R7.6.1 ADDRESS=東京都 Postal=100-0001".len())
    );
}

// ---- administering ----

#[test]
fn operators() {
    let input = "CREATE OPERATOR tanaka ROLE clerk PASSWORD 'Initial''1'";
    let Statement::CreateOperator { id, role, password } = ok(input) else {
        panic!()
    };
    assert_eq!(id, at(input, "tanaka"));
    assert_eq!(role, at(input, "clerk"));
    assert_eq!(password.text, "Initial'1");
    assert_eq!(password.span, span(input, "'Initial''1'"));
    assert!(matches!(
        ok("create operator a password 'x' role tax"),
        Statement::CreateOperator { .. }
    ));
    assert_eq!(
        ok("DISABLE OPERATOR tanaka"),
        Statement::DisableOperator {
            id: at("DISABLE OPERATOR tanaka", "tanaka")
        }
    );
    assert_eq!(
        ok("UNLOCK OPERATOR tanaka"),
        Statement::UnlockOperator {
            id: at("UNLOCK OPERATOR tanaka", "tanaka")
        }
    );
    assert_eq!(ok("PASSWORD"), Statement::Password);
    assert_eq!(ok("list operators;"), Statement::ListOperators);
}

#[test]
fn audit() {
    assert_eq!(
        ok("AUDIT"),
        Statement::Audit {
            operator: None,
            kind: None,
            since: None,
            limit: None
        }
    );
    let input = "AUDIT operator=tanaka kind=EXPORT since=2025-01-01 LIMIT 50";
    assert_eq!(
        ok(input),
        Statement::Audit {
            operator: Some(at(input, "tanaka")),
            kind: Some(at(input, "EXPORT")),
            since: Some(at(input, "2025-01-01")),
            limit: Some(at(input, "50")),
        }
    );
    assert_eq!(ok("AUDIT VERIFY"), Statement::AuditVerify);
}

#[test]
fn exports_backup_and_maintenance() {
    let input = "EXPORT '/tmp/residents.csv'";
    let Statement::Export { path, .. } = ok(input) else {
        panic!()
    };
    assert_eq!(path.text, "/tmp/residents.csv");
    assert!(matches!(
        ok("EXPORT HISTORY 'h.csv'"),
        Statement::ExportHistory { .. }
    ));
    assert!(matches!(
        ok("EXPORT CONSISTENCY 'c.csv'"),
        Statement::ExportConsistency { .. }
    ));
    assert!(matches!(
        ok("VERIFY CONSISTENCY 'c.csv'"),
        Statement::VerifyConsistency { .. }
    ));
    let Statement::BackupTo { path } = ok("BACKUP TO \"/backups/juki 1.redb\"") else {
        panic!()
    };
    assert_eq!(path.text, "/backups/juki 1.redb");
    assert_eq!(ok("CHECK"), Statement::Check);
    assert_eq!(ok("COMPACT"), Statement::Compact);
    assert!(matches!(
        ok("EXPORT 'consistency'"),
        Statement::Export { .. }
    ));
}

#[test]
fn help() {
    assert_eq!(ok("HELP"), Statement::Help { topic: None });
    assert_eq!(
        ok("help move in"),
        Statement::Help {
            topic: Some("move in".into())
        }
    );
    assert_eq!(ok("?"), Statement::Help { topic: None });
}

#[test]
fn kind_names() {
    let cases = [
        ("GET 1", "GET"),
        ("GET MYNUMBER 1", "GET MYNUMBER"),
        ("FIND name=a", "FIND"),
        ("HISTORY 1", "HISTORY"),
        ("HOUSEHOLD 1", "HOUSEHOLD"),
        ("SHOW MYNUMBER 1", "SHOW MYNUMBER"),
        ("STATS", "STATS"),
        ("CHANGES SINCE 1", "CHANGES"),
        ("MOVE OUT 1 ON x", "MOVE OUT"),
        ("CREATE OPERATOR a ROLE b PASSWORD c", "CREATE OPERATOR"),
        ("AUDIT VERIFY", "AUDIT VERIFY"),
        ("BACKUP TO x", "BACKUP TO"),
    ];
    for (input, name) in cases {
        assert_eq!(ok(input).kind_name(), name, "{input}");
    }
}

// ---- several statements ----

#[test]
fn parse_several() {
    let statements = parse("GET 1; HISTORY 1 -- versions\n;STATS;").unwrap();
    let names: Vec<_> = statements.iter().map(Statement::kind_name).collect();
    assert_eq!(names, vec!["GET", "HISTORY", "STATS"]);
    assert_eq!(parse("").unwrap(), vec![]);
    assert_eq!(parse("  -- nothing but a comment\n").unwrap(), vec![]);
}

#[test]
fn statements_on_separate_lines_need_a_semicolon() {
    let input = "GET 1\nGET 2";
    let e = parse(input).unwrap_err();
    assert_eq!(e.span, last(input, "GET").span);
    assert_eq!(e.hint.as_deref(), Some("separate statements with ';'"));
}

// ---- errors ----

#[test]
fn empty_input() {
    let e = err("");
    assert_eq!(e.message, "empty statement");
    assert_eq!(e.span, Span::at(0));
    assert_eq!(err("   -- comment").message, "empty statement");
}

#[test]
fn only_semicolons() {
    let e = err(";");
    assert_eq!(
        (e.message.as_str(), e.span),
        ("empty statement", Span::new(0, 1))
    );
    let e = parse("GET 1;;").unwrap_err();
    assert_eq!(
        (e.message.as_str(), e.span),
        ("empty statement", Span::new(6, 7))
    );
    assert!(parse(";").is_err());
}

#[test]
fn parse_statement_takes_one() {
    let e = err("GET 1; GET 2");
    assert_eq!(e.message, "only one statement can be given here");
    assert_eq!(e.span, Span::new(7, 10));
}

#[test]
fn lone_punctuation() {
    let e = err("=");
    assert_eq!(e.message, "expected a statement, found '='");
    assert_eq!(e.span, Span::new(0, 1));
    assert_eq!(
        err("'GET'").message,
        "expected a statement, found the string 'GET'"
    );
    assert_eq!(err("（").span, Span::new(0, 3));
}

#[test]
fn unknown_statement() {
    let e = err("FIDN name=a");
    assert_eq!(e.message, "unknown statement 'FIDN'");
    assert_eq!(e.span, Span::new(0, 4));
    assert_eq!(e.hint.as_deref(), Some("did you mean FIND?"));
    let e = err("24727059608");
    assert_eq!(
        e.hint.as_deref(),
        Some("to look a resident up, write GET 24727059608")
    );
    let e = err("name=山田 birth=1");
    assert_eq!(
        e.hint.as_deref(),
        Some("a search starts with FIND: FIND name=… birth=…")
    );
    let e = err("照会する 1");
    assert_eq!(e.message, "unknown statement '照会する'");
}

#[test]
fn keywords_with_nothing_after_them() {
    for (input, message) in [
        (
            "GET",
            "expected a resident code, found the end of the statement",
        ),
        (
            "GET MYNUMBER",
            "expected a My Number, found the end of the statement",
        ),
        (
            "HISTORY;",
            "expected a resident code, found the end of the statement",
        ),
        (
            "HOUSEHOLD OF",
            "expected a resident code, found the end of the statement",
        ),
        (
            "SHOW",
            "expected MYNUMBER or REGISTER after SHOW, found the end of the statement",
        ),
        (
            "CHANGES",
            "expected SINCE <sequence number>, found the end of the statement",
        ),
        (
            "CHANGES SINCE",
            "expected a sequence number after SINCE, found the end of the statement",
        ),
        (
            "MOVE",
            "expected a resident code, found the end of the statement",
        ),
        (
            "MOVE IN",
            "expected a resident code, found the end of the statement",
        ),
        (
            "CHANGE",
            "expected HOUSEHOLD, CODE, MYNUMBER or HEAD after CHANGE, found the end of the statement",
        ),
        (
            "CREATE",
            "expected OPERATOR after CREATE, found the end of the statement",
        ),
        ("EXPORT", "expected a path, found the end of the statement"),
        (
            "BACKUP",
            "expected TO after BACKUP, found the end of the statement",
        ),
        (
            "STATS BY",
            "expected a dimension, found the end of the statement",
        ),
        (
            "GET 1 AS",
            "expected OF after AS, found the end of the statement",
        ),
        (
            "GET 1 AS OF",
            "expected a date after AS OF, found the end of the statement",
        ),
        ("FIND", "FIND needs conditions"),
        (
            "LIST",
            "expected OPERATORS after LIST, found the end of the statement",
        ),
        (
            "VERIFY",
            "expected CONSISTENCY after VERIFY, found the end of the statement",
        ),
    ] {
        let e = err(input);
        assert_eq!(e.message, message, "{input}");
        assert!(e.span.end <= input.len(), "{input}");
    }
    let e = err("GET");
    assert_eq!(e.span, Span::at(3));
    assert_eq!(
        e.render("GET"),
        "GET\n   ^\nhint: usage: GET <resident code> [AS OF <date>]"
    );
}

#[test]
fn missing_code_before_a_keyword_or_key() {
    let e = err("GET AS OF R1.5.1");
    assert_eq!(e.message, "expected a resident code, found 'AS'");
    assert_eq!(e.span, Span::new(4, 6));
    let e = err("MOVE IN name=山田 ON R7.6.1");
    assert_eq!(e.message, "expected a resident code, found 'name'");
    let e = err("DEATH ON R7.6.1");
    assert_eq!(e.message, "expected a resident code, found 'ON'");
}

#[test]
fn trailing_words() {
    let input = "GET 1 2";
    let e = err(input);
    assert_eq!(e.message, "unexpected '2'");
    assert_eq!(e.span, Span::new(6, 7));
    assert_eq!(
        e.hint.as_deref(),
        Some("usage: GET <resident code> [AS OF <date>]")
    );
    assert_eq!(err("CHECK now").message, "unexpected 'now'");
}

#[test]
fn change_without_on() {
    let input = "DEATH 24727059608";
    let e = err(input);
    assert_eq!(e.message, "DEATH needs ON <date>, the 異動日");
    assert_eq!(e.span, Span::at(input.len()));
    assert_eq!(e.hint.as_deref(), Some("add ON <date>"));
    let e = err("転居 1 住所=東京都;");
    assert_eq!(e.message, "MOVE needs ON <date>, the 異動日");
    assert_eq!(
        err("DEATH 1 ON").message,
        "expected the 異動日 after ON, found the end of the statement"
    );
}

#[test]
fn unknown_and_unaccepted_keys() {
    let input = "MOVE 1 name=佐藤 ON R7.6.1";
    let e = err(input);
    assert_eq!(e.message, "MOVE does not take 'name'");
    assert_eq!(e.span, span(input, "name"));
    assert_eq!(
        e.hint.as_deref(),
        Some("MOVE takes address, postal, household, relationship, new_head, relationships")
    );
    let e = err("MOVE OUT 1 destination=大阪 ON R7.6.1");
    assert_eq!(e.message, "unknown key 'destination'");
    assert_eq!(
        e.hint.as_deref(),
        Some("MOVE OUT takes to, new_head, relationships")
    );
    let e = err("DEATH 1 氏名=x ON R7.6.1");
    assert_eq!(e.message, "DEATH does not take '氏名'");
    assert_eq!(
        e.hint.as_deref(),
        Some("DEATH takes new_head, relationships")
    );
    // 出生: the birth date is the ON date; birth= may repeat it, from= is refused.
    assert_eq!(
        err("BIRTH 1 from=x ON R7.6.1").message,
        "BIRTH does not take 'from'"
    );
    assert_eq!(
        change("BIRTH 1 birth=R7.6.1 ON R7.6.1").assignments.len(),
        1
    );
    assert_eq!(
        err("RENAME 1 address=x ON R7.6.1").hint.as_deref(),
        Some("RENAME takes name, kana")
    );
    assert_eq!(
        err("CHANGE CODE 1 code=2 ON x").hint.as_deref(),
        Some("CHANGE CODE takes new")
    );
}

#[test]
fn repeated_keys_and_clauses() {
    let input = "RENAME 1 name=a 氏名=b ON R7.6.1";
    let e = err(input);
    assert_eq!(e.message, "name= given twice");
    assert_eq!(e.span, span(input, "氏名"));
    let input = "DEATH 1 ON R7.6.1 ON R7.6.2";
    let e = err(input);
    assert_eq!(e.message, "ON given twice");
    assert_eq!(e.span, Span::new(18, 20));
    assert_eq!(
        err("DEATH 1 ON a REPORTED b 届出日 c").message,
        "REPORTED given twice"
    );
    let e = err("FIND name=a birth=1 NAME=b");
    assert_eq!(e.message, "name= given twice");
    assert_eq!(e.span, Span::new(20, 24));
    assert_eq!(
        err("FIND name=a birth=1 LIMIT 1 LIMIT 2").message,
        "LIMIT given twice"
    );
    assert_eq!(
        err("FIND name=a birth=1 AS OF x 基準日 y").message,
        "AS OF given twice"
    );
    assert_eq!(err("STATS BY sex, sex").message, "sex given twice");
    assert_eq!(err("AUDIT since=1 since=2").message, "since given twice");
    assert_eq!(
        err("CREATE OPERATOR a ROLE b ROLE c PASSWORD d").message,
        "ROLE given twice"
    );
}

#[test]
fn find_errors() {
    let input = "FIND nam=山田 birth=1";
    let e = err(input);
    assert_eq!(e.message, "unknown search field 'nam'");
    assert_eq!(e.span, Span::new(5, 8));
    assert_eq!(
        e.hint.as_deref(),
        Some("FIND searches by name, address, birth and sex")
    );
    let e = err("FIND kana=ヤマダ");
    assert_eq!(e.message, "unknown search field 'kana'");
    let e = err("FIND name 山田");
    assert_eq!(e.message, "expected '=' after 'name'");
    assert_eq!(e.span, Span::new(10, 16));
    let e = err("FIND name=");
    assert_eq!(
        e.message,
        "expected a value after 'name=', found the end of the statement"
    );
    assert_eq!(e.span, Span::at(10));
    let e = err("FIND name==x");
    assert_eq!(e.message, "expected a value after 'name=', found '='");
    assert_eq!(
        err("FIND (name=x)").message,
        "expected a condition such as name=…, found '('"
    );
    assert_eq!(
        err("FIND name=a birth=1 LIMIT").message,
        "expected a number after LIMIT, found the end of the statement"
    );
}

#[test]
fn unquoted_value_with_a_space() {
    let input = "FIND name=山田　太郎 birth=S55.4.1";
    let e = err(input);
    assert_eq!(e.message, "unexpected '太郎'");
    assert_eq!(e.span, span(input, "太郎"));
    assert_eq!(
        e.hint.as_deref(),
        Some("a value with a space needs quotes: name='山田 太郎'")
    );
    let e = err("MOVE 1 address=東京都 千代田区 ON R7.6.1");
    assert_eq!(
        e.hint.as_deref(),
        Some("a value with a space needs quotes: address='東京都 千代田区'")
    );
    let e = err("MOVE 1 address='東京都' 千代田区 ON R7.6.1");
    assert_eq!(e.message, "unexpected '千代田区'");
    assert!(e.hint.unwrap().starts_with("usage: MOVE"));
}

#[test]
fn assignment_errors() {
    let e = err("RENAME 1 name 佐藤 ON x");
    assert_eq!(e.message, "expected '=' after 'name'");
    assert_eq!(e.hint.as_deref(), Some("write name=<value>"));
    let e = err("RENAME 1 =佐藤 ON x");
    assert_eq!(e.message, "expected key=value, found '='");
    let e = err("RENAME 1 佐藤 ON x");
    assert_eq!(e.message, "expected key=value, found '佐藤'");
    let e = err("CHANGE HOUSEHOLD 1 relationship=夫(未届 ON x");
    assert_eq!(e.message, "unclosed '(' in a value");
    let e = err("DEATH 1 ON R7.6.1)");
    assert_eq!(e.message, "expected key=value, found ')'");
}

#[test]
fn other_errors() {
    assert_eq!(
        err("STATS BY color").message,
        "unknown STATS dimension 'color'"
    );
    assert_eq!(
        err("STATS BY sex,").message,
        "expected a dimension, found the end of the statement"
    );
    assert_eq!(
        err("CREATE OPERATOR a ROLE clerk").message,
        "CREATE OPERATOR needs PASSWORD '<initial password>'"
    );
    assert_eq!(
        err("CREATE OPERATOR a PASSWORD 'x'").message,
        "CREATE OPERATOR needs ROLE <role>"
    );
    assert_eq!(
        err("CREATE OPERATOR a NAME b").message,
        "expected ROLE or PASSWORD, found 'NAME'"
    );
    assert_eq!(
        err("AUDIT tanaka").message,
        "expected operator=…, kind=…, since=… or LIMIT, found 'tanaka'"
    );
    assert_eq!(
        err("CHANGES 5").hint.as_deref(),
        Some("CHANGES SINCE 0 lists the whole change feed")
    );
}

#[test]
fn unterminated_string_through_the_parser() {
    let input = "CREATE OPERATOR a ROLE clerk PASSWORD 'secret";
    let e = err(input);
    assert_eq!(e.message, "unterminated string");
    assert_eq!(e.span, Span::new(38, input.len()));
    assert!(!is_complete(input));
}

#[test]
fn render_puts_the_caret_under_a_japanese_token() {
    let input = "照会 24727059608 基準日";
    let e = err(input);
    assert_eq!(
        e.message,
        "expected a date after AS OF, found the end of the statement"
    );
    // 照会 (4 columns) + space + the code's mask (4) + space + 基準日 (6 columns) = 16: the
    // line is redacted, and an 11-digit code is masked like a My Number one digit short.
    assert_eq!(
        e.render(input),
        "照会 **** 基準日\n                ^\nhint: usage: GET <resident code> [AS OF <date>]"
    );
    let input = "検索 氏名=山田 誕生日=S55.4.1";
    let e = err(input);
    assert_eq!(e.message, "unknown search field '誕生日'");
    // 検索 (4) + space + 氏名=山田 (9) + space = 15 columns; 誕生日 takes 6.
    assert_eq!(
        e.render(input),
        "検索 氏名=山田 誕生日=S55.4.1\n               ^^^^^^\nhint: FIND searches by name, address, birth and sex"
    );
}

#[test]
fn huge_inputs() {
    let long_word = "x".repeat(100_000);
    let e = err(&long_word);
    assert!(e.message.len() < 100);
    let many = "GET 1;".repeat(10_000);
    assert_eq!(parse(&many).unwrap().len(), 10_000);
    let conds = format!("FIND name=a {}", "birth=1 ".repeat(1_000));
    assert_eq!(err(&conds).message, "birth= given twice");
    let parens = format!("FIND name=a{}", "(".repeat(50_000));
    assert_eq!(err(&parens).message, "unclosed '(' in a value");
}

// ---- properties ----

/// Fragments that reach deep into the grammar when strung together at random.
const FRAGMENTS: &[&str] = &[
    "GET ",
    "FIND ",
    "MOVE ",
    "IN ",
    "OUT ",
    "CHANGE ",
    "HOUSEHOLD ",
    "CODE ",
    "MYNUMBER ",
    "AS ",
    "OF ",
    "ON ",
    "REPORTED ",
    "LIMIT ",
    "BY ",
    "STATS ",
    "SINCE ",
    "CHANGES ",
    "CREATE ",
    "OPERATOR ",
    "ROLE ",
    "PASSWORD ",
    "AUDIT ",
    "EXPORT ",
    "BACKUP ",
    "TO ",
    "照会 ",
    "基準日 ",
    "転入 ",
    "異動日 ",
    "氏名",
    "name",
    "birth",
    "sex",
    "new_head",
    "=",
    "＝",
    ",",
    ";",
    "(",
    ")",
    "'",
    "\"",
    "'a b'",
    "1",
    "S55.4.1",
    "山田",
    "　",
    " ",
    "\n",
    "-- c\n",
    "?",
];

fn fragments() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..24).prop_map(|f| f.concat())
}

fn check_error_span(input: &str, e: &ParseError) -> Result<(), TestCaseError> {
    prop_assert!(e.span.start <= e.span.end && e.span.end <= input.len());
    prop_assert!(input.is_char_boundary(e.span.start) && input.is_char_boundary(e.span.end));
    let _ = e.render(input);
    Ok(())
}

proptest! {
    #[test]
    fn parse_never_panics(input in any::<String>()) {
        if let Err(e) = parse(&input) {
            check_error_span(&input, &e)?;
        }
        let _ = parse_statement(&input);
        let _ = is_complete(&input);
    }

    #[test]
    fn parse_never_panics_on_statement_like_input(input in fragments()) {
        match parse(&input) {
            Err(e) => check_error_span(&input, &e)?,
            Ok(statements) => {
                for statement in statements {
                    if let Statement::Change(change) = statement {
                        prop_assert!(change.span.end <= input.len());
                        prop_assert!(input.is_char_boundary(change.code.span.start));
                    }
                }
            }
        }
        if let Err(e) = parse_statement(&input) {
            check_error_span(&input, &e)?;
        }
    }

    #[test]
    fn token_spans_are_within_the_input_on_char_boundaries(
        input in prop_oneof![any::<String>(), fragments()]
    ) {
        if let Ok(tokens) = tokenize(&input) {
            for token in tokens {
                let Span { start, end } = token.span;
                prop_assert!(start < end && end <= input.len());
                prop_assert!(input.is_char_boundary(start) && input.is_char_boundary(end));
            }
        }
    }
}
