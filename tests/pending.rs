//! A 転出 notified ahead (転出予定) is not in force before its day, for every read and every
//! 異動 that meets it: FIND without AS OF answers as of today, as GET does; MOVE HOUSEHOLD
//! does not move a household while a member's 転出 is pending; cancelling a 転出確定 dated
//! before its 転出 brings the 転出 back, still pending between the two dates. Today is
//! 2026-11-27.

mod common;
use common::*;
use juki::{Date, Fields, HouseholdId, HouseholdMove, Name, Reason, Rule, SearchQuery, Status};

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

fn move_out(c: u64, on: &str) -> juki::Change {
    change(
        Reason::MoveOut,
        c,
        on,
        Fields {
            destination: Some(address("大阪府大阪市北区梅田1-1")),
            ..Fields::default()
        },
    )
}

fn by_number(h: u64, addr: &str, on: &str) -> HouseholdMove {
    HouseholdMove {
        household: HouseholdId::new(h),
        date: date(on),
        reported: None,
        fields: moving_to(addr),
    }
}

/// FIND by 花子's name and birth date: (code, status, version, current) of each hit.
fn find_hanako(f: &Fixture, name: &str, as_of: Option<&str>) -> Vec<(u64, Status, u32, bool)> {
    let mut q = SearchQuery::new()
        .name(name)
        .unwrap()
        .birth(date("1982-09-15"));
    if let Some(d) = as_of {
        q = q.as_of(date(d));
    }
    f.db.find(&q)
        .unwrap()
        .iter()
        .map(|h| {
            (
                h.resident.code.get(),
                h.resident.status,
                h.resident.version,
                h.current,
            )
        })
        .collect()
}

#[test]
fn find_without_as_of_shows_a_pending_move_out_as_of_today() {
    let f = family();
    f.db.record(&move_out(2, "2026-12-05")).unwrap();
    let get = f.db.get(code(2)).unwrap().unwrap();
    assert_eq!((get.status, get.version), (Status::Active, 1));
    // As GET: active, the version in force, and current.
    assert_eq!(
        find_hanako(&f, "山田 花子", None),
        vec![(code(2).get(), Status::Active, 1, true)]
    );
    // On the 転出's day and after, the 転出.
    assert_eq!(
        find_hanako(&f, "山田 花子", Some("2026-12-05")),
        vec![(code(2).get(), Status::Removed, 2, true)]
    );
    // Withdrawn, the resident is the same again.
    f.db.record(&change(
        Reason::MoveOutCancel,
        2,
        "2026-12-05",
        Fields::default(),
    ))
    .unwrap();
    assert_eq!(
        find_hanako(&f, "山田 花子", None),
        vec![(code(2).get(), Status::Active, 3, true)]
    );
}

#[test]
fn a_former_name_is_found_before_a_pending_move_out() {
    let f = family();
    let renamed = Fields {
        name: Some(Name::parse("鈴木 花子").unwrap()),
        ..Fields::default()
    };
    f.db.record(&change(Reason::Rename, 2, "2026-06-01", renamed))
        .unwrap();
    f.db.record(&move_out(2, "2026-12-05")).unwrap();
    // The name in force today is current; the former one is a former version; the 転出
    // not yet in force is neither.
    assert_eq!(
        find_hanako(&f, "鈴木 花子", None),
        vec![(code(2).get(), Status::Active, 2, true)]
    );
    assert_eq!(
        find_hanako(&f, "山田 花子", None),
        vec![(code(2).get(), Status::Active, 1, false)]
    );
}

#[test]
fn move_household_is_refused_while_a_members_move_out_is_pending() {
    let f = family();
    f.db.record(&move_out(2, "2026-12-05")).unwrap();
    let before = f.db.content_digest().unwrap();
    for result in [
        f.db.move_household(&by_number(100, "芦屋市打出町2-3", "2026-11-20")),
        f.db.record(&change(
            Reason::Move,
            1,
            "2026-11-20",
            moving_household(100, "芦屋市打出町2-3"),
        )),
    ] {
        let err = result.unwrap_err();
        assert_eq!(err.rule(), Some(Rule::MoveOutPending), "{err}");
        let text = err.to_string();
        assert!(text.contains(&code(2).to_string()), "{text}");
        assert!(text.contains("2026-12-05"), "{text}");
        assert!(text.contains("CANCEL MOVE OUT"), "{text}");
    }
    assert_eq!(f.db.content_digest().unwrap(), before);
    // The 転出 withdrawn, the household moves whole, 花子 with it.
    f.db.record(&change(
        Reason::MoveOutCancel,
        2,
        "2026-12-05",
        Fields::default(),
    ))
    .unwrap();
    let receipt =
        f.db.move_household(&by_number(100, "芦屋市打出町2-3", "2026-11-20"))
            .unwrap();
    assert_eq!(receipt.written.len(), 3);
    let hanako = f.db.get(code(2)).unwrap().unwrap();
    assert_eq!(hanako.address, address("芦屋市打出町2-3"));
}

#[test]
fn a_lone_heads_pending_move_out_is_named_not_a_missing_household() {
    let f = Fixture::new();
    f.db.record(&move_in(1, &taro(), "2020-04-01")).unwrap();
    f.db.record(&move_out(1, "2026-12-05")).unwrap();
    let err =
        f.db.move_household(&by_number(100, "芦屋市打出町2-3", "2026-11-20"))
            .unwrap_err();
    assert_eq!(err.rule(), Some(Rule::MoveOutPending), "{err}");
    assert!(err.to_string().contains(&code(1).to_string()), "{err}");
}

#[test]
fn cancelling_a_confirmation_dated_before_its_move_out_brings_the_move_out_back() {
    let f = Fixture::new();
    f.db.record(&move_in(1, &taro(), "2020-04-01")).unwrap();
    f.db.record(&move_out(1, "2026-12-05")).unwrap();
    let confirm = change(
        Reason::MoveOutConfirm,
        1,
        "2026-11-20",
        Fields {
            destination: Some(address("大阪府大阪市北区梅田2-2")),
            ..Fields::default()
        },
    );
    let seq = f.db.record(&confirm).unwrap().written[0].seq;
    let cancel = change(
        Reason::Cancellation,
        1,
        "2026-11-20",
        Fields {
            seq: Some(seq),
            ..Fields::default()
        },
    );
    let written = f.db.record(&cancel).unwrap().written;
    let reasons: Vec<Reason> = written.iter().map(|w| w.reason).collect();
    assert_eq!(reasons, vec![Reason::Cancellation, Reason::MoveOut]);

    let status_on = |d: &str| f.db.get_as_of(code(1), date(d)).unwrap().unwrap().status;
    for d in ["2026-11-19", "2026-11-20", "2026-11-27", "2026-12-04"] {
        assert_eq!(status_on(d), Status::Active, "as of {d}");
    }
    let gone =
        f.db.get_as_of(code(1), date("2026-12-05"))
            .unwrap()
            .unwrap();
    assert_eq!(gone.status, Status::Removed);
    assert_eq!(gone.removed_on, Some(date("2026-12-05").into()));
    assert_eq!(gone.destination.as_deref(), Some("大阪府大阪市北区梅田1-1"));
    assert_eq!(f.db.get(code(1)).unwrap().unwrap().status, Status::Active);

    // HISTORY: the 異動取消 restores the state before the 転出, then the 転出 again.
    let history: Vec<(Reason, Status, Date)> =
        f.db.history(code(1))
            .unwrap()
            .iter()
            .map(|v| (v.reason, v.status, v.valid_from))
            .collect();
    assert_eq!(
        history[3..],
        [
            (Reason::Cancellation, Status::Active, date("2026-11-20")),
            (Reason::MoveOut, Status::Removed, date("2026-12-05")),
        ]
    );
    let (report, _) = f.db.check().unwrap();
    assert!(report.is_clean(), "{report}");

    // The 転出 is pending again: it can be withdrawn, and the resident stays at every date.
    f.db.record(&change(
        Reason::MoveOutCancel,
        1,
        "2026-12-05",
        Fields::default(),
    ))
    .unwrap();
    for d in ["2026-11-20", "2026-12-05", "2026-12-31"] {
        assert_eq!(status_on(d), Status::Active, "as of {d}");
    }
    let (report, _) = f.db.check().unwrap();
    assert!(report.is_clean(), "{report}");
}
