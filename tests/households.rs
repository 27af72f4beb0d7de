//! One household, one address: MOVE HOUSEHOLD (a 転居 of the 世帯主 naming the household,
//! or `Session::move_household` by the household's number) moves every member in one
//! transaction; a 世帯主's or a member's lone 転居 that would split the household is refused
//! and writes nothing; 異動取消 of the head's 更新順番号 undoes the whole move.

mod common;
use common::*;
use juki::{Fields, HouseholdId, HouseholdMove, Reason, Rule};

/// 太郎 (世帯主), 花子 (妻) and their son 一郎 in household 100.
fn family() -> Fixture {
    let f = Fixture::new();
    f.db.record(&move_in(1, &taro(), "2020-04-01")).unwrap();
    f.db.record(&move_in(2, &hanako(), "2020-04-01")).unwrap();
    let mut son = taro();
    son.my_number = 3;
    son.name = "山田 一郎";
    son.kana = "ヤマダ イチロウ";
    son.birth = "2005-05-05";
    son.relationship = "子";
    f.db.record(&move_in(3, &son, "2020-04-01")).unwrap();
    f
}

fn by_number(h: u64, addr: &str, on: &str) -> HouseholdMove {
    HouseholdMove {
        household: HouseholdId::new(h),
        date: date(on),
        reported: None,
        fields: moving_to(addr),
    }
}

#[test]
fn the_heads_lone_move_is_refused_and_names_move_household() {
    let f = family();
    let alone = change(Reason::Move, 1, "2024-02-01", moving_to("芦屋市打出町2-3"));
    assert_refused(&f.db, &alone, Rule::HouseholdAddress);
    let err = f.db.record(&alone).unwrap_err().to_string();
    assert!(err.contains("MOVE HOUSEHOLD 100"), "{err}");
    assert!(err.contains("2 other member(s)"), "{err}");
}

#[test]
fn a_members_lone_move_is_refused_unless_they_leave_the_household() {
    let f = family();
    let alone = change(Reason::Move, 3, "2024-02-01", moving_to("芦屋市打出町2-3"));
    assert_refused(&f.db, &alone, Rule::HouseholdAddress);
    // 世帯分離: the son leaves for a household of his own at the new address.
    let mut fields = household(300, "世帯主");
    fields.address = Some(address("芦屋市打出町2-3"));
    f.db.record(&change(Reason::Move, 3, "2024-02-01", fields))
        .unwrap();
    assert_eq!(member_codes(&f.db, 100, None), vec![code(1), code(2)]);
    assert_eq!(member_codes(&f.db, 300, None), vec![code(3)]);
}

#[test]
fn move_household_moves_every_member_in_one_statement() {
    let f = family();
    let receipt =
        f.db.move_household(&by_number(100, "芦屋市打出町2-3", "2024-02-01"))
            .unwrap();
    let written: Vec<_> = receipt
        .written
        .iter()
        .map(|w| (w.code, w.version, w.seq, w.reason))
        .collect();
    // The head first, then the others by birth date; consecutive 更新順番号.
    assert_eq!(
        written,
        vec![
            (code(1), 2, 4, Reason::Move),
            (code(2), 2, 5, Reason::Move),
            (code(3), 2, 6, Reason::Move),
        ]
    );
    for c in [1, 2, 3] {
        let r = f.db.get(code(c)).unwrap().unwrap();
        assert_eq!(r.address.written(), "芦屋市打出町2-3");
        assert_eq!(
            r.previous_address.as_deref(),
            Some("兵庫県芦屋市精道町7番6号")
        );
        assert_eq!(r.address_since, date("2024-02-01").into());
        assert_eq!(r.valid_from, date("2024-02-01"));
    }
    assert!(f.db.check().unwrap().0.is_clean());
}

#[test]
fn move_household_is_a_move_of_the_head_naming_the_household() {
    let f = family();
    let c = change(
        Reason::Move,
        1,
        "2024-02-01",
        moving_household(100, "芦屋市打出町2-3"),
    );
    assert_eq!(c.statement(), "MOVE HOUSEHOLD");
    assert_eq!(f.db.record(&c).unwrap().written.len(), 3);
    // Addressed to a member who is not the 世帯主, or naming another household: refused.
    let f = family();
    let member = change(
        Reason::Move,
        2,
        "2024-02-01",
        moving_household(100, "芦屋市打出町2-3"),
    );
    assert_refused(&f.db, &member, Rule::HouseholdAddress);
    let other = change(
        Reason::Move,
        1,
        "2024-02-01",
        moving_household(101, "芦屋市打出町2-3"),
    );
    assert_refused(&f.db, &other, Rule::HouseholdAddress);
    // Only a 転居 moves a household, and it moves the address only.
    let rename = change(
        Reason::Rename,
        1,
        "2024-02-01",
        Fields {
            name: Some(juki::Name::parse("山田 次郎").unwrap()),
            whole_household: Some(HouseholdId::new(100)),
            ..Fields::default()
        },
    );
    assert_refused(&f.db, &rename, Rule::FieldNotAllowed);
    let mut joining = moving_household(100, "芦屋市打出町2-3");
    joining.household = Some(HouseholdId::new(200));
    joining.relationship = Some(juki::Relationship::head());
    let joining = change(Reason::Move, 1, "2024-02-01", joining);
    assert_refused(&f.db, &joining, Rule::FieldNotAllowed);
}

#[test]
fn a_member_whose_history_runs_past_the_date_stops_the_whole_move() {
    let f = family();
    f.db.record(&change(
        Reason::Rename,
        3,
        "2024-05-01",
        Fields {
            name: Some(juki::Name::parse("山田 一朗").unwrap()),
            ..Fields::default()
        },
    ))
    .unwrap();
    let c = change(
        Reason::Move,
        1,
        "2024-02-01",
        moving_household(100, "芦屋市打出町2-3"),
    );
    assert_refused(&f.db, &c, Rule::OutOfOrder);
    let err = f.db.record(&c).unwrap_err().to_string();
    assert!(err.contains(&format!("{}", code(3))), "{err}");
}

#[test]
fn an_unknown_household_is_not_found_and_writes_nothing() {
    let f = family();
    let before = f.db.content_digest().unwrap();
    let err =
        f.db.move_household(&by_number(999, "芦屋市打出町2-3", "2024-02-01"))
            .unwrap_err();
    assert_eq!(err.code(), "NOT_FOUND");
    assert_eq!(f.db.content_digest().unwrap(), before);
}

#[test]
fn cancelling_the_heads_seq_undoes_the_whole_move() {
    let f = family();
    let before = f.db.content_digest().unwrap();
    let receipt =
        f.db.move_household(&by_number(100, "芦屋市打出町2-3", "2024-02-01"))
            .unwrap();
    let head_seq = receipt.written[0].seq;
    let wife_seq = receipt.written[1].seq;
    let cancel = |c: u64, seq: u64| {
        change(
            Reason::Cancellation,
            c,
            "2024-02-01",
            Fields {
                seq: Some(seq),
                ..Fields::default()
            },
        )
    };
    assert_refused(&f.db, &cancel(2, wife_seq), Rule::Cancel);
    let undone = f.db.record(&cancel(1, head_seq)).unwrap();
    assert_eq!(undone.written.len(), 3);
    for c in [1, 2, 3] {
        let r = f.db.get(code(c)).unwrap().unwrap();
        assert_eq!(r.address.written(), "兵庫県芦屋市精道町7番6号");
        assert_eq!(r.reason, Reason::Cancellation);
    }
    assert_ne!(f.db.content_digest().unwrap(), before);
    assert!(f.db.check().unwrap().0.is_clean());
}
