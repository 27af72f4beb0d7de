//! Every kind of 異動 as the engine records it, and every logical check that refuses one.
//! Each refusal is checked to leave the database content exactly as it was.

mod common;
use common::*;
use juki::{Field, Fields, Rule};
use juki::{Kana, MyNumber, Name, Reason, Sex, Status};

fn family() -> Fixture {
    let f = Fixture::new();
    f.db.record(&move_in(1, &taro(), "2020-04-01")).unwrap();
    f.db.record(&move_in(2, &hanako(), "2020-04-01")).unwrap();
    f
}

#[test]
fn move_in_creates_the_first_version() {
    let f = Fixture::new();
    let receipt =
        f.db.record(&move_in(1, &taro(), "2020-04-01").reported(date("2020-04-03")))
            .unwrap();
    assert_eq!(receipt.written.len(), 1);
    assert_eq!(receipt.written[0].version, 1);
    assert_eq!(receipt.written[0].seq, 1);
    let r = f.db.get(code(1)).unwrap().unwrap();
    assert_eq!(r.name.as_str(), "山田 太郎");
    assert_eq!(r.status, Status::Active);
    assert_eq!(r.reason, Reason::MoveIn);
    assert_eq!(r.resident_since, date("2020-04-01").into());
    assert_eq!(r.address_since, date("2020-04-01").into());
    assert_eq!(r.reported, Some(date("2020-04-03")));
    assert!(
        r.my_number.is_none(),
        "a session never hands out the My Number"
    );
}

#[test]
fn move_in_of_an_active_resident_is_refused() {
    let f = family();
    assert_refused(
        &f.db,
        &move_in(1, &taro(), "2021-01-01"),
        Rule::AlreadyActive,
    );
}

#[test]
fn move_in_with_another_persons_my_number_is_a_conflict() {
    // 花子 holds a realistic number (varied digits, a valid check digit).
    let held = common::leaks::my_numbers(1).remove(0);
    let serial: u64 = held[..11].parse().unwrap();
    let f = Fixture::new();
    let hanako = Person {
        my_number: serial,
        relationship: "世帯主",
        ..hanako()
    };
    f.db.record(&move_in(2, &hanako, "2020-04-01")).unwrap();
    let mut p = taro();
    p.household = 200;
    p.my_number = serial; // 花子's
    let msg = assert_refused_with(&f.db, &move_in(3, &p, "2021-01-01"), "CONFLICT");
    let secrets = common::leaks::Secrets::new().number(&held);
    common::leaks::assert_no_leak(&msg, &secrets, "the CONFLICT of a My Number held");
}

#[test]
fn moving_back_in_after_moving_out_adds_a_version() {
    let f = Fixture::new();
    f.db.record(&move_in(1, &taro(), "2020-04-01")).unwrap();
    let out = Fields {
        destination: Some(address("東京都千代田区千代田1-1")),
        ..Fields::default()
    };
    f.db.record(&change(Reason::MoveOut, 1, "2021-03-31", out))
        .unwrap();
    let mut back = taro();
    back.address = "芦屋市打出町2-3";
    f.db.record(&move_in(1, &back, "2023-06-01")).unwrap();
    let r = f.db.get(code(1)).unwrap().unwrap();
    assert_eq!(r.version, 3);
    assert_eq!(r.status, Status::Active);
    assert_eq!(r.resident_since, date("2023-06-01").into());
    assert_eq!(r.destination, None);
    let gone =
        f.db.get_as_of(code(1), date("2022-01-01"))
            .unwrap()
            .unwrap();
    assert_eq!(gone.status, Status::Removed);
    assert_eq!(gone.destination.as_deref(), Some("東京都千代田区千代田1-1"));
}

#[test]
fn birth_registers_a_child_with_the_birth_date_as_its_start() {
    let f = family();
    let child = juki::Change::new(Reason::Birth, code(3), date("2025-05-05")).with(Fields {
        birth: None,
        previous_address: None,
        ..Person {
            my_number: 3,
            name: "山田 一郎",
            kana: "やまだ いちろう",
            sex: Sex::Male,
            birth: "2025-05-05",
            address: "芦屋市精道町7-6",
            household: 100,
            relationship: "子",
        }
        .fields()
    });
    f.db.record(&child).unwrap();
    let r = f.db.get(code(3)).unwrap().unwrap();
    assert_eq!(r.birth, date("2025-05-05").into());
    assert_eq!(r.resident_since, date("2025-05-05").into());
    assert_eq!(r.kana.as_str(), "ヤマダ イチロウ");
    assert_eq!(r.previous_address, None);
}

#[test]
fn birth_of_an_existing_code_or_in_the_future_is_refused() {
    let f = family();
    let mut c = move_in(1, &taro(), "2025-01-01");
    c.reason = Reason::Birth;
    c.fields.birth = None;
    assert_refused_with(&f.db, &c, "CONFLICT");
    let mut c = move_in(9, &taro(), "2027-01-01");
    c.reason = Reason::Birth;
    c.fields.birth = None;
    c.fields.my_number = Some(my_number(9));
    c.fields.household = Some(juki::HouseholdId::new(900));
    assert_refused(&f.db, &c, Rule::InFuture);
}

#[test]
fn a_move_within_the_city_keeps_the_former_address() {
    let f = family();
    f.db.record(&change(
        Reason::Move,
        1,
        "2024-02-01",
        moving_household(100, "芦屋市打出町2-3"),
    ))
    .unwrap();
    let r = f.db.get(code(1)).unwrap().unwrap();
    assert_eq!(r.address.written(), "芦屋市打出町2-3");
    assert_eq!(
        r.previous_address.as_deref(),
        Some("兵庫県芦屋市精道町7番6号")
    );
    assert_eq!(r.address_since, date("2024-02-01").into());
    assert_eq!(
        r.changed.iter().collect::<Vec<_>>(),
        vec![Field::Address, Field::PreviousAddress, Field::AddressSince]
    );
}

#[test]
fn a_move_that_changes_anything_but_the_address_is_refused() {
    let f = family();
    let mut fields = moving_to("芦屋市打出町2-3");
    fields.name = Some(Name::parse("山田 次郎").unwrap());
    let c = change(Reason::Move, 1, "2024-02-01", fields);
    assert_refused(&f.db, &c, Rule::FieldNotAllowed);
    let err = f.db.record(&c).unwrap_err().to_string();
    assert!(err.contains("name"), "{err}");
}

#[test]
fn a_household_change_that_moves_the_address_is_refused() {
    let f = family();
    let mut fields = household(200, "世帯主");
    fields.address = Some(address("芦屋市打出町2-3"));
    assert_refused(
        &f.db,
        &change(Reason::HouseholdChange, 2, "2024-02-01", fields),
        Rule::HouseholdChangeMovesAddress,
    );
}

#[test]
fn changes_to_a_removed_record_are_refused() {
    let f = family();
    f.db.record(&change(Reason::Death, 2, "2024-01-10", Fields::default()))
        .unwrap();
    for reason in [
        Reason::Move,
        Reason::Death,
        Reason::Rename,
        Reason::RemovalExOfficio,
    ] {
        let fields = match reason {
            Reason::Move => moving_to("芦屋市打出町2-3"),
            Reason::Rename => Fields {
                name: Some(Name::parse("鈴木 花子").unwrap()),
                ..Fields::default()
            },
            _ => Fields::default(),
        };
        assert_refused(
            &f.db,
            &change(reason, 2, "2024-02-01", fields),
            Rule::NotActive,
        );
    }
}

#[test]
fn changes_to_an_unknown_resident_are_not_found() {
    let f = family();
    assert_refused_with(
        &f.db,
        &change(Reason::Death, 7, "2024-02-01", Fields::default()),
        "NOT_FOUND",
    );
}

#[test]
fn death_before_birth_is_refused() {
    let f = family();
    assert_refused(
        &f.db,
        &change(Reason::Death, 2, "1970-01-01", Fields::default()),
        Rule::BeforeBirth,
    );
}

#[test]
fn only_a_move_out_may_be_dated_ahead_and_only_by_fourteen_days() {
    let f = family();
    // 転居 in the future.
    assert_refused(
        &f.db,
        &change(Reason::Move, 1, "2026-12-01", moving_to("芦屋市打出町2-3")),
        Rule::InFuture,
    );
    // 転出 notified today for 20 days ahead.
    let out = |on: &str| {
        change(
            Reason::MoveOut,
            1,
            on,
            Fields {
                destination: Some(address("大阪府大阪市北区梅田1-1")),
                new_head: Some(code(2)),
                ..Fields::default()
            },
        )
    };
    assert_refused(&f.db, &out("2026-12-17"), Rule::AfterReported);
    f.db.record(&out("2026-12-10")).unwrap();
    // Active until the day, removed from it.
    let r = f.db.get(code(1)).unwrap().unwrap();
    assert_eq!(r.status, Status::Active);
    let r =
        f.db.get_as_of(code(1), date("2026-12-10"))
            .unwrap()
            .unwrap();
    assert_eq!(r.status, Status::Removed);
    assert_eq!(r.removed_on, Some(date("2026-12-10").into()));
}

#[test]
fn a_change_after_its_notification_date_is_refused() {
    let f = family();
    let c = change(Reason::Move, 1, "2024-02-10", moving_to("芦屋市打出町2-3"))
        .reported(date("2024-02-01"));
    assert_refused(&f.db, &c, Rule::AfterReported);
    let c = change(Reason::Move, 1, "2024-02-10", moving_to("芦屋市打出町2-3"))
        .reported(date("2027-01-01"));
    assert_refused(&f.db, &c, Rule::ReportedInFuture);
}

#[test]
fn a_change_dated_before_the_latest_version_needs_correct() {
    let f = family();
    f.db.record(&change(
        Reason::Move,
        1,
        "2024-02-01",
        moving_household(100, "芦屋市打出町2-3"),
    ))
    .unwrap();
    assert_refused(
        &f.db,
        &change(Reason::Move, 1, "2023-01-01", moving_to("芦屋市精道町1-1")),
        Rule::OutOfOrder,
    );
}

#[test]
fn a_change_that_changes_nothing_is_refused() {
    let f = family();
    let same = Fields {
        name: Some(Name::parse("山田 太郎").unwrap()),
        ..Fields::default()
    };
    assert_refused(
        &f.db,
        &change(Reason::Rename, 1, "2024-02-01", same),
        Rule::NoChange,
    );
}

#[test]
fn missing_fields_are_named() {
    let f = Fixture::new();
    let mut c = move_in(1, &taro(), "2020-04-01");
    c.fields.kana = None;
    c.fields.postal = None;
    assert_refused(&f.db, &c, Rule::MissingField);
    let err = f.db.record(&c).unwrap_err().to_string();
    assert!(err.contains("kana") && err.contains("postal"), "{err}");
}

#[test]
fn rename_changes_name_and_reading_and_keeps_the_old_ones_findable() {
    let f = family();
    let fields = Fields {
        name: Some(Name::parse("鈴木 花子").unwrap()),
        kana: Some(Kana::parse("スズキ ハナコ").unwrap()),
        ..Fields::default()
    };
    f.db.record(&change(Reason::Rename, 2, "2024-06-01", fields))
        .unwrap();
    let r = f.db.get(code(2)).unwrap().unwrap();
    assert_eq!(r.name.as_str(), "鈴木 花子");
    let q = juki::SearchQuery::new()
        .name("山田 花子")
        .unwrap()
        .birth(date("1982-09-15"));
    let hits = f.db.find(&q).unwrap();
    assert_eq!(hits.len(), 1);
    assert!(!hits[0].current);
    assert_eq!(hits[0].resident.version, 1);
}

#[test]
fn the_head_cannot_leave_without_naming_a_new_head() {
    let f = family();
    let out = Fields {
        destination: Some(address("東京都港区芝公園4-2-8")),
        ..Fields::default()
    };
    assert_refused(
        &f.db,
        &change(Reason::MoveOut, 1, "2024-03-01", out.clone()),
        Rule::HouseholdWithoutHead,
    );
    assert_refused(
        &f.db,
        &change(Reason::Death, 1, "2024-03-01", Fields::default()),
        Rule::HouseholdWithoutHead,
    );
    let with_head = Fields {
        new_head: Some(code(2)),
        ..out
    };
    let receipt =
        f.db.record(&change(Reason::MoveOut, 1, "2024-03-01", with_head))
            .unwrap();
    assert_eq!(receipt.written.len(), 2);
    assert_eq!(receipt.written[1].code, code(2));
    assert_eq!(receipt.written[1].reason, Reason::HeadChange);
    assert_eq!(receipt.written[1].seq, receipt.written[0].seq + 1);
    let wife = f.db.get(code(2)).unwrap().unwrap();
    assert!(wife.relationship.is_head());
    assert_eq!(member_codes(&f.db, 100, None), vec![code(2)]);
    assert_eq!(
        member_codes(&f.db, 100, Some("2024-02-29")),
        vec![code(1), code(2)]
    );
}

#[test]
fn new_head_must_be_a_member_and_only_when_the_head_leaves() {
    let f = family();
    let mut p = taro();
    p.my_number = 5;
    p.household = 500;
    f.db.record(&move_in(5, &p, "2021-01-01")).unwrap();
    let out = Fields {
        destination: Some(address("東京都港区芝公園4-2-8")),
        new_head: Some(code(5)),
        ..Fields::default()
    };
    assert_refused(
        &f.db,
        &change(Reason::MoveOut, 1, "2024-03-01", out),
        Rule::NewHead,
    );
    assert_refused(
        &f.db,
        &change(Reason::Death, 2, "2024-03-01", new_head(1)),
        Rule::NewHead,
    );
}

#[test]
fn a_household_gets_one_head_only() {
    let f = family();
    let mut second = taro();
    second.my_number = 3;
    second.name = "佐藤 三郎";
    second.kana = "サトウ サブロウ";
    assert_refused(
        &f.db,
        &move_in(3, &second, "2021-01-01"),
        Rule::HouseholdTwoHeads,
    );
    second.relationship = "同居人";
    second.household = 300;
    assert_refused(
        &f.db,
        &move_in(3, &second, "2021-01-01"),
        Rule::HouseholdWithoutHead,
    );
    second.household = 100;
    f.db.record(&move_in(3, &second, "2021-01-01")).unwrap();
    assert_refused(
        &f.db,
        &change(
            Reason::HouseholdChange,
            3,
            "2022-01-01",
            household(100, "世帯主"),
        ),
        Rule::HouseholdTwoHeads,
    );
}

#[test]
fn heads_swap_in_one_statement() {
    let f = family();
    let mut fields = household(100, "夫");
    fields.new_head = Some(code(2));
    f.db.record(&change(Reason::HouseholdChange, 1, "2024-04-01", fields))
        .unwrap();
    assert_eq!(member_codes(&f.db, 100, None), vec![code(2), code(1)]);
    assert!(f.db.get(code(2)).unwrap().unwrap().relationship.is_head());
}

#[test]
fn moving_to_a_new_household_as_its_head() {
    let f = family();
    let mut fields = moving_to("芦屋市打出町2-3");
    fields.household = Some(juki::HouseholdId::new(200));
    fields.relationship = Some(juki::Relationship::parse("世帯主").unwrap());
    f.db.record(&change(Reason::Move, 2, "2024-05-01", fields))
        .unwrap();
    assert_eq!(member_codes(&f.db, 100, None), vec![code(1)]);
    assert_eq!(member_codes(&f.db, 200, None), vec![code(2)]);
    assert_eq!(member_codes(&f.db, 200, Some("2024-04-30")), vec![]);
}

#[test]
fn resident_code_change_keeps_the_old_code_findable() {
    let f = family();
    let c = juki::Change::new(Reason::CodeChange, code(1), date("2025-01-01")).with(Fields {
        new_code: Some(code(11)),
        ..Fields::default()
    });
    f.db.record(&c).unwrap();
    let now = f.db.get(code(11)).unwrap().unwrap();
    assert_eq!(now.code, code(11));
    let via_old = f.db.get(code(1)).unwrap().unwrap();
    assert_eq!(via_old.code, code(11));
    assert_eq!(f.db.history(code(1)).unwrap().len(), 2);
    // A change addressed to the former code is refused; the new code is taken by nobody else.
    assert_refused(
        &f.db,
        &change(Reason::Move, 1, "2025-02-01", moving_to("芦屋市打出町2-3")),
        Rule::FormerCode,
    );
    let taken = juki::Change::new(Reason::CodeChange, code(2), date("2025-01-01")).with(Fields {
        new_code: Some(code(1)),
        ..Fields::default()
    });
    assert_refused_with(&f.db, &taken, "CONFLICT");
}

#[test]
fn my_number_change_keeps_the_former_number_findable() {
    let f = family();
    let c = juki::Change::new(Reason::MyNumberChange, code(1), date("2025-01-01")).with(Fields {
        my_number: Some(my_number(77)),
        ..Fields::default()
    });
    f.db.record(&c).unwrap();
    let now = f.db.get_by_my_number(my_number(77)).unwrap().unwrap();
    assert!(now.current);
    let old = f.db.get_by_my_number(my_number(1)).unwrap().unwrap();
    assert!(!old.current);
    assert_eq!(old.resident.code, code(1));
    // A former number is still taken.
    let again =
        juki::Change::new(Reason::MyNumberChange, code(2), date("2025-01-01")).with(Fields {
            my_number: Some(my_number(1)),
            ..Fields::default()
        });
    assert_refused_with(&f.db, &again, "CONFLICT");
    assert!(f
        .db
        .get_by_my_number(MyNumber::from_serial(424242))
        .unwrap()
        .is_none());
}

#[test]
fn a_backdated_correction_applies_from_its_date() {
    let f = family();
    f.db.record(&change(
        Reason::Move,
        1,
        "2022-01-01",
        moving_household(100, "芦屋市打出町2-3"),
    ))
    .unwrap();
    let fix = Fields {
        name: Some(Name::parse("山田 太朗").unwrap()),
        ..Fields::default()
    };
    f.db.record(&change(Reason::Correction, 1, "2021-01-01", fix))
        .unwrap();
    let at = |d: &str| f.db.get_as_of(code(1), date(d)).unwrap().unwrap();
    assert_eq!(at("2020-06-01").name.as_str(), "山田 太郎");
    let mid = at("2021-06-01");
    assert_eq!(mid.name.as_str(), "山田 太朗");
    assert_eq!(mid.address.written(), "兵庫県芦屋市精道町7番6号");
    let late = at("2023-01-01");
    assert_eq!(late.name.as_str(), "山田 太朗");
    assert_eq!(late.address.written(), "芦屋市打出町2-3");
    // Ordinary changes stay after the latest 異動日, not the correction's.
    assert_refused(
        &f.db,
        &change(Reason::Move, 1, "2021-06-01", moving_to("芦屋市精道町1-1")),
        Rule::OutOfOrder,
    );
}

#[test]
fn removal_ex_officio_and_entry_ex_officio() {
    let f = family();
    f.db.record(&change(
        Reason::RemovalExOfficio,
        2,
        "2024-01-01",
        Fields::default(),
    ))
    .unwrap();
    assert_eq!(f.db.get(code(2)).unwrap().unwrap().status, Status::Removed);
    let mut again = move_in(2, &hanako(), "2024-06-01");
    again.reason = Reason::EntryExOfficio;
    f.db.record(&again).unwrap();
    let r = f.db.get(code(2)).unwrap().unwrap();
    assert_eq!(
        (r.status, r.version, r.reason),
        (Status::Active, 3, Reason::EntryExOfficio)
    );
}

#[test]
fn nothing_is_deleted_by_any_change() {
    let f = family();
    f.db.record(&change(Reason::Death, 2, "2024-01-10", Fields::default()))
        .unwrap();
    f.db.record(&change(
        Reason::MoveOut,
        1,
        "2024-02-10",
        Fields {
            destination: Some(address("京都府京都市左京区1-1")),
            ..Fields::default()
        },
    ))
    .unwrap();
    let counts = f.db.counts().unwrap();
    assert_eq!(
        (
            counts.residents,
            counts.active,
            counts.versions,
            counts.last_seq
        ),
        (2, 0, 4, 4)
    );
    let hits =
        f.db.find(
            &juki::SearchQuery::new()
                .name("ヤマダ")
                .unwrap()
                .address("芦屋市精道町"),
        )
        .unwrap();
    assert_eq!(hits.len(), 2);
    assert!(hits
        .iter()
        .all(|h| h.resident.status == Status::Removed && h.current));
}

#[test]
fn a_batch_is_all_or_nothing() {
    let f = family();
    let before = f.db.content_digest().unwrap();
    let batch = [
        change(
            Reason::Rename,
            2,
            "2024-01-01",
            Fields {
                name: Some(Name::parse("山田 華子").unwrap()),
                ..Fields::default()
            },
        ),
        change(
            Reason::Move,
            1,
            "2024-02-01",
            moving_household(100, "芦屋市打出町2-3"),
        ),
        move_in(1, &taro(), "2024-03-01"),
    ];
    let err = f.db.record_batch(&batch).unwrap_err();
    assert_eq!(err.batch_index(), Some(2));
    assert_eq!(err.rule(), Some(Rule::AlreadyActive));
    assert_eq!(f.db.content_digest().unwrap(), before);
    let receipts = f.db.record_batch(&batch[..2]).unwrap();
    assert_eq!(receipts.len(), 2);
    assert_eq!(
        f.db.get(code(2)).unwrap().unwrap().address.written(),
        "芦屋市打出町2-3"
    );
}
