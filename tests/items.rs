//! The items of the record beyond the core fields (本籍, 旧氏, 通称, the 国保・年金・児童手当
//! items): set and cleared by AMEND (記載事項変更) under the permission of the function that
//! owns each group, carried by 転入, shown by GET and HISTORY, validated like any field,
//! kept as of a date, checked by CHECK and surviving a reopen.

mod common;
use common::*;
use juki::{Cell, ErrorCode, Output, Role, Session};

const SECRET: &str = "operator-pass-1";

fn city() -> Fixture {
    let f = Fixture::new();
    f.db.record(&move_in(1, &taro(), "2020-04-01")).unwrap();
    for role in [
        Role::Clerk,
        Role::Health,
        Role::Pension,
        Role::Viewer,
        Role::Tax,
    ] {
        f.db.create_operator(role.name(), role, SECRET).unwrap();
    }
    f
}

fn as_role(f: &Fixture, role: Role) -> Session {
    f.juki.sign_in(role.name(), SECRET, "counter-1").unwrap()
}

/// Rows as (column, text) pairs.
type Table = Vec<Vec<(String, String)>>;

/// Runs one statement; its rows' cells by column name, or the error code and message.
fn run(s: &Session, text: &str) -> Result<Table, (ErrorCode, String)> {
    let outputs = s.run(text).map_err(|e| (e.code(), e.to_string()))?;
    Ok(match outputs.into_iter().last() {
        Some(Output::Rows(r)) => r
            .rows
            .iter()
            .map(|row| {
                r.columns
                    .iter()
                    .zip(row)
                    .map(|(c, v)| (c.to_string(), v.text()))
                    .collect()
            })
            .collect(),
        _ => Vec::new(),
    })
}

fn cell(rows: &[Vec<(String, String)>], row: usize, column: &str) -> String {
    rows[row]
        .iter()
        .find(|(c, _)| c == column)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no column {column}"))
}

fn code1() -> String {
    code(1).to_string()
}

#[test]
fn amend_sets_items_that_get_history_and_as_of_show() {
    let f = city();
    let c = code1();
    run(
        &f.db,
        &format!("AMEND {c} 本籍='東京都千代田区千代田１番' 筆頭者='山田　一郎' former_surname=佐藤 ON 2024-04-01"),
    )
    .unwrap();
    let got = run(&f.db, &format!("GET {c}")).unwrap();
    assert_eq!(
        cell(&got, 0, "items"),
        "registered_domicile=東京都千代田区千代田1番; family_head=山田 一郎; former_surname=佐藤"
    );
    assert_eq!(cell(&got, 0, "reason"), "記載事項変更");
    let history = run(&f.db, &format!("HISTORY {c}")).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        cell(&history, 1, "changed"),
        "registered_domicile former_surname"
    );
    assert_eq!(cell(&history, 0, "items"), "");
    let before = run(&f.db, &format!("GET {c} AS OF 2024-03-31")).unwrap();
    assert_eq!(cell(&before, 0, "items"), "");

    // An empty value clears one item and leaves the others.
    run(&f.db, &format!("AMEND {c} family_head='' ON 2024-05-01")).unwrap();
    let got = run(&f.db, &format!("GET {c}")).unwrap();
    assert_eq!(
        cell(&got, 0, "items"),
        "registered_domicile=東京都千代田区千代田1番; former_surname=佐藤"
    );
    let (report, chain) = f.db.check().unwrap();
    assert!(report.is_clean(), "{report}");
    assert!(chain.first_broken.is_none(), "{chain}");
    let f = f.reopen();
    let got = run(&f.db, &format!("GET {c}")).unwrap();
    assert_eq!(
        cell(&got, 0, "items"),
        "registered_domicile=東京都千代田区千代田1番; former_surname=佐藤"
    );
}

#[test]
fn each_group_is_changed_by_the_function_that_owns_it() {
    let f = city();
    let c = code1();
    let health = as_role(&f, Role::Health);
    let pension = as_role(&f, Role::Pension);
    let clerk = as_role(&f, Role::Clerk);
    let viewer = as_role(&f, Role::Viewer);
    run(
        &health,
        &format!("AMEND {c} nhi_acquired=2024-04-01 ON 2024-04-01"),
    )
    .unwrap();
    run(
        &pension,
        &format!("AMEND {c} pension_acquired=2000-04-01 ON 2024-04-02"),
    )
    .unwrap();
    run(
        &clerk,
        &format!("AMEND {c} former_surname=佐藤 ON 2024-04-03"),
    )
    .unwrap();
    for (who, text) in [
        (
            &health,
            format!("AMEND {c} former_surname=田中 ON 2024-05-01"),
        ),
        (
            &health,
            format!("AMEND {c} pension_lost=2024-05-01 ON 2024-05-01"),
        ),
        (
            &clerk,
            format!("AMEND {c} nhi_lost=2024-05-01 ON 2024-05-01"),
        ),
        (
            &pension,
            format!("AMEND {c} nhi_lost=2024-05-01 pension_lost=2024-05-01 ON 2024-05-01"),
        ),
        (
            &viewer,
            format!("AMEND {c} former_surname=田中 ON 2024-05-01"),
        ),
    ] {
        let (code, message) = run(who, &text).unwrap_err();
        assert_eq!(code, ErrorCode::PermissionDenied, "{text}: {message}");
    }
    let got = run(&f.db, &format!("GET {c}")).unwrap();
    assert_eq!(
        cell(&got, 0, "items"),
        "former_surname=佐藤; nhi_acquired=2024-04-01; pension_acquired=2000-04-01"
    );
    // A department sees 氏名, 住所, 生年月日 and 性別, and the items of its own function
    // only: health the 国保 item, pension the 年金 item, neither the 旧氏.
    let seen = run(&health, &format!("GET {c}")).unwrap();
    let columns: Vec<&str> = seen[0].iter().map(|(col, _)| col.as_str()).collect();
    assert_eq!(
        columns,
        ["name", "address", "birth_date", "sex", "status", "items"]
    );
    assert_eq!(cell(&seen, 0, "items"), "nhi_acquired=2024-04-01");
    let seen = run(&pension, &format!("GET {c}")).unwrap();
    assert_eq!(cell(&seen, 0, "items"), "pension_acquired=2000-04-01");
    let found = run(&pension, "FIND name=ヤマダ birth=1980-04-01").unwrap();
    assert_eq!(cell(&found, 0, "items"), "pension_acquired=2000-04-01");
    // A department without items of its own (tax) sees the four alone.
    let tax = as_role(&f, Role::Tax);
    let seen = run(&tax, &format!("GET {c}")).unwrap();
    assert!(seen[0].iter().all(|(col, _)| col != "items"));
}

#[test]
fn bad_values_and_misplaced_items_are_refused_naming_the_item() {
    let f = city();
    let c = code1();
    let (code, message) = run(
        &f.db,
        &format!("AMEND {c} former_surname='佐藤 花子' ON 2024-04-01"),
    )
    .unwrap_err();
    assert_eq!(code, ErrorCode::InvalidValue, "{message}");
    assert!(message.contains("former surname"), "{message}");
    let (code, message) = run(
        &f.db,
        &format!("AMEND {c} nhi_acquired=2024-02-30 ON 2024-04-01"),
    )
    .unwrap_err();
    assert_eq!(code, ErrorCode::InvalidValue, "{message}");
    // A 転居 takes no items; AMEND takes nothing else, and needs one.
    let (code, message) = run(
        &f.db,
        &format!("MOVE {c} address=芦屋市打出町2-3 former_surname=佐藤 ON 2024-04-01"),
    )
    .unwrap_err();
    assert_eq!(code, ErrorCode::Syntax, "{message}");
    let (code, message) =
        run(&f.db, &format!("AMEND {c} name='佐藤 太郎' ON 2024-04-01")).unwrap_err();
    assert_eq!(code, ErrorCode::Syntax, "{message}");
    let (code, message) = run(&f.db, &format!("AMEND {c} ON 2024-04-01")).unwrap_err();
    assert!(
        matches!(code, ErrorCode::Syntax | ErrorCode::IllegalChange),
        "{message}"
    );
    // `items` is not itself a key.
    let (code, _) = run(&f.db, &format!("AMEND {c} items=x ON 2024-04-01")).unwrap_err();
    assert_eq!(code, ErrorCode::Syntax);
    let history = run(&f.db, &format!("HISTORY {c}")).unwrap();
    assert_eq!(history.len(), 1, "nothing was written");
}

#[test]
fn a_move_in_carries_items_and_a_removed_record_takes_none_by_amend() {
    let f = city();
    run(
        &f.db,
        "MOVE IN 24727059608 my_number=123456789018 name='金 美英' kana='キム ミヨン' sex=女 birth=1990-01-01 address='兵庫県芦屋市精道町7番6号' postal=659-8501 household=900 relationship=世帯主 common_name='金田 美英' common_name_kana=かねだみえい ON 2024-04-01",
    )
    .unwrap();
    let got = run(&f.db, "GET 24727059608").unwrap();
    assert_eq!(
        cell(&got, 0, "items"),
        "common_name=金田 美英; common_name_kana=カネダミエイ"
    );
    run(&f.db, "DEATH 24727059608 ON 2024-06-01").unwrap();
    let (code, _) = run(&f.db, "AMEND 24727059608 nhi_lost=2024-06-01 ON 2024-06-01").unwrap_err();
    assert_eq!(code, ErrorCode::IllegalChange);
}

#[test]
fn every_item_of_the_catalogue_is_taken_by_amend_by_its_key() {
    // Every item key works in AMEND, by its key.
    let f = city();
    let c = code1();
    let samples: Vec<(&str, &str)> = juki::ITEMS
        .iter()
        .map(|r| {
            let v = match r.key {
                "registered_domicile" => "'東京都千代田区千代田1番'",
                "family_head" | "common_name" => "'山田 一郎'",
                "former_surname" => "佐藤",
                "former_surname_kana" | "common_name_kana" => "サトウ",
                "latin_name" => "'KIM MI YOUNG'",
                "nationality" => "韓国",
                "foreign_category" => "中長期在留者",
                "residence_status" => "永住者",
                "stay_period" => "無期限",
                "card_kind" => "在留カード",
                "card_number" => "AB12345678CD",
                "nhi_retired" => "一般",
                "late_elder_number" => "12345678",
                "care_number" => "1234567890",
                "basic_pension_number" => "1234-567890",
                "pension_category" => "第1号",
                _ => "2024-04-01",
            };
            (r.key, v)
        })
        .collect();
    let assignments: Vec<String> = samples.iter().map(|(k, v)| format!("{k}={v}")).collect();
    run(
        &f.db,
        &format!("AMEND {c} {} ON 2024-04-01", assignments.join(" ")),
    )
    .unwrap();
    let got = run(&f.db, &format!("GET {c}")).unwrap();
    assert_eq!(
        cell(&got, 0, "items").matches("; ").count(),
        juki::ITEMS.len() - 1
    );
    let history = run(&f.db, &format!("HISTORY {c}")).unwrap();
    assert_eq!(
        cell(&history, 1, "changed"),
        "registered_domicile former_surname common_name foreign_resident insurance pension child_allowance"
    );
    // The 在留カード等の番号 and the 基礎年金番号 are withheld like a My Number; 国籍 is
    // kept as its code.
    let items = cell(&got, 0, "items");
    assert!(items.contains("card_number=****"), "{items}");
    assert!(items.contains("basic_pension_number=****"), "{items}");
    assert!(
        !items.contains("AB12345678CD") && !items.contains("1234-567890"),
        "{items}"
    );
    assert!(items.contains("nationality=KR"), "{items}");
    assert!(matches!(
        f.db.run(&format!("GET {c}")).unwrap()[0],
        Output::Rows(ref r) if matches!(r.rows[0].last(), Some(Cell::Text(_)))
    ));
}

#[test]
fn a_married_woman_is_found_by_her_former_surname_and_a_foreign_resident_by_the_common_name() {
    let f = city();
    for text in [
        "MOVE IN 12345678903 my_number=614106526000 name='鈴木 花子' kana='スズキ ハナコ' sex=女 birth=1985-05-05 address='兵庫県芦屋市精道町7番6号' postal=659-8501 household=700 relationship=世帯主 ON 2024-04-01",
        "AMEND 12345678903 former_surname=山田 former_surname_kana=ヤマダ ON 2024-04-02",
        "MOVE IN 24727059608 my_number=123456789018 name='金 美英' kana='キム ミヨン' sex=女 birth=1990-01-01 address='兵庫県芦屋市打出町2-3' postal=659-0012 household=900 relationship=世帯主 nationality=韓国 residence_status=特別永住者 common_name='金田 美英' common_name_kana='カネダ ミエイ' ON 2024-04-01",
    ] {
        run(&f.db, text).unwrap();
    }
    let found = |text: &str| -> Vec<String> {
        run(&f.db, text)
            .unwrap()
            .iter()
            .map(|row| cell(std::slice::from_ref(row), 0, "resident_code"))
            .collect()
    };
    // 旧氏 with the given name, written or read, with or without the space.
    for text in [
        "FIND name='山田 花子' birth=1985-05-05",
        "FIND name=山田花子 birth=1985-05-05",
        "FIND name=ヤマダハナコ birth=1985-05-05",
        "FIND name='鈴木 花子' birth=1985-05-05",
    ] {
        assert_eq!(found(text), ["12345678903"], "{text}");
    }
    // The 旧氏 alone is a whole surname: she and 山田 太郎 of the same address.
    assert_eq!(
        found("FIND name=山田 address=芦屋市精道町7番6号"),
        ["12345678903", code1().as_str()]
    );
    // 通称, written or read.
    for text in [
        "FIND name='金田 美英' birth=1990-01-01",
        "FIND name=カネダミエイ address=芦屋市打出町2-3",
        "FIND name='金 美英' birth=1990-01-01",
    ] {
        assert_eq!(found(text), ["24727059608"], "{text}");
    }
    assert!(found("FIND name='山田 美英' birth=1990-01-01").is_empty());
    // A 通称 deleted stays findable as a former name, not as of a day after.
    run(
        &f.db,
        "AMEND 24727059608 common_name='' common_name_kana='' ON 2024-06-01",
    )
    .unwrap();
    assert_eq!(
        found("FIND name='金田 美英' birth=1990-01-01"),
        ["24727059608"]
    );
    assert!(found("FIND name='金田 美英' birth=1990-01-01 AS OF 2024-06-02").is_empty());
    assert_eq!(
        found("FIND name='金田 美英' birth=1990-01-01 AS OF 2024-05-01"),
        ["24727059608"]
    );
    let (report, _) = f.db.check().unwrap();
    assert!(report.is_clean(), "{report}");
}
