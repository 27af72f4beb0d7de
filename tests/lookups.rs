//! Reading residents back: by code (current, former, as of a date), by My Number, history,
//! households over time, population counts, the change feed, and persistence of all of it
//! across closing and reopening the file.

mod common;
use common::*;
use juki::testing::Database;
use juki::{
    testing::StoreError,
    {Field, Fields, StatDim, FORMAT_VERSION},
};
use juki::{HouseholdId, Reason, Status};
use redb::ReadableTable;

fn story() -> Fixture {
    let f = Fixture::new();
    f.db.record(&move_in(1, &taro(), "2020-04-01")).unwrap();
    f.db.record(&move_in(2, &hanako(), "2020-04-01")).unwrap();
    // MOVE HOUSEHOLD: the head's 転居 (seq 3) and his wife's (seq 4) in one statement.
    f.db.record(&change(
        Reason::Move,
        1,
        "2022-07-01",
        moving_household(100, "芦屋市打出町2-3"),
    ))
    .unwrap();
    f
}

#[test]
fn get_as_of_answers_as_it_stood_on_each_date() {
    let f = story();
    assert!(f
        .db
        .get_as_of(code(1), date("2020-03-31"))
        .unwrap()
        .is_none());
    let first =
        f.db.get_as_of(code(1), date("2020-04-01"))
            .unwrap()
            .unwrap();
    assert_eq!(
        (first.version, first.address.written()),
        (1, "兵庫県芦屋市精道町7番6号")
    );
    let before_move =
        f.db.get_as_of(code(1), date("2022-06-30"))
            .unwrap()
            .unwrap();
    assert_eq!(before_move.version, 1);
    let moved =
        f.db.get_as_of(code(1), date("2022-07-01"))
            .unwrap()
            .unwrap();
    assert_eq!(
        (moved.version, moved.address.written()),
        (2, "芦屋市打出町2-3")
    );
    assert_eq!(f.db.get(code(1)).unwrap().unwrap(), moved);
}

#[test]
fn unknown_codes_are_none() {
    let f = story();
    assert!(f.db.get(code(999)).unwrap().is_none());
    assert!(f
        .db
        .get_as_of(code(999), date("2024-01-01"))
        .unwrap()
        .is_none());
    assert_eq!(f.db.history(code(999)).unwrap_err().code(), "NOT_FOUND");
}

#[test]
fn history_lists_every_version_oldest_first_with_what_changed() {
    let f = story();
    let h = f.db.history(code(1)).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!((h[0].version, h[0].reason), (1, Reason::MoveIn));
    assert_eq!((h[1].version, h[1].reason), (2, Reason::Move));
    assert_eq!(h[1].valid_from, date("2022-07-01"));
    assert!(h[1].changed.contains(Field::Address));
    assert!(!h[1].changed.contains(Field::Name));
    assert!(h[0].seq < h[1].seq);
}

#[test]
fn households_now_and_as_of_a_date() {
    let f = story();
    let mut child = taro();
    child.my_number = 3;
    child.name = "山田 一郎";
    child.kana = "ヤマダ イチロウ";
    child.birth = "2010-01-01";
    child.relationship = "子";
    child.address = "芦屋市打出町2-3";
    f.db.record(&move_in(3, &child, "2023-01-01")).unwrap();
    assert_eq!(
        member_codes(&f.db, 100, None),
        vec![code(1), code(2), code(3)]
    );
    assert_eq!(
        member_codes(&f.db, 100, Some("2022-12-31")),
        vec![code(1), code(2)]
    );
    assert_eq!(member_codes(&f.db, 100, Some("2019-01-01")), vec![]);
    let of = f.db.household_of(code(3), None).unwrap();
    assert_eq!(of.id, HouseholdId::new(100));
    assert!(of.members[0].relationship.is_head());
    f.db.record(&change(
        Reason::MoveOut,
        3,
        "2024-04-01",
        Fields {
            destination: Some(address("京都府京都市左京区1-1")),
            ..Fields::default()
        },
    ))
    .unwrap();
    assert_eq!(member_codes(&f.db, 100, None), vec![code(1), code(2)]);
    assert_eq!(member_codes(&f.db, 100, Some("2024-03-31")).len(), 3);
}

#[test]
fn stats_count_population_by_dimension_and_date() {
    let f = story();
    f.db.record(&change(Reason::Death, 2, "2025-01-01", Fields::default()))
        .unwrap();
    let by_sex = f.db.stats(&[StatDim::Sex], None).unwrap();
    assert_eq!(by_sex.len(), 1);
    assert_eq!((by_sex[0].keys[0].as_str(), by_sex[0].count), ("男", 1));
    let then =
        f.db.stats(&[StatDim::Sex], Some(date("2024-01-01")))
            .unwrap();
    assert_eq!(then.iter().map(|r| r.count).sum::<u64>(), 2);
    let by_status = f.db.stats(&[StatDim::Status], None).unwrap();
    assert_eq!(
        by_status
            .iter()
            .map(|r| (r.keys[0].clone(), r.count))
            .collect::<Vec<_>>(),
        vec![("active".to_string(), 1), ("removed".to_string(), 1)]
    );
    let by_town_age =
        f.db.stats(&[StatDim::Town, StatDim::Age], Some(date("2021-01-01")))
            .unwrap();
    assert_eq!(by_town_age.len(), 2);
    assert!(by_town_age.iter().all(|r| r.keys[0] == "精道町"));
    assert_eq!(by_town_age[0].keys[1], "35-39");
    assert_eq!(by_town_age[1].keys[1], "40-44");
}

#[test]
fn the_change_feed_is_gapless_and_in_recording_order() {
    let f = story();
    let feed = f.db.changes_since(0, usize::MAX).unwrap();
    assert_eq!(
        feed.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(feed[2].code, code(1));
    assert_eq!(feed[2].reason, Reason::Move);
    let tail = f.db.changes_since(2, 1).unwrap();
    assert_eq!(tail.len(), 1);
    assert_eq!(tail[0].seq, 3);
}

#[test]
fn everything_survives_close_and_reopen() {
    let f = story();
    let digest = f.db.content_digest().unwrap();
    let before = f.db.history(code(2)).unwrap();
    let f = f.reopen();
    assert_eq!(f.db.content_digest().unwrap(), digest);
    assert_eq!(f.db.history(code(2)).unwrap(), before);
    f.db.record(&change(Reason::Death, 2, "2025-01-01", Fields::default()))
        .unwrap();
    assert_eq!(f.db.counts().unwrap().last_seq, 5);
    assert_eq!(f.db.get(code(2)).unwrap().unwrap().status, Status::Removed);
}

#[test]
fn create_refuses_an_existing_file_and_open_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juki.redb");
    Database::create(&path).unwrap();
    assert!(matches!(
        Database::create(&path),
        Err(StoreError::AlreadyExists(_))
    ));
    let missing = dir.path().join("nope.redb");
    assert_eq!(Database::open(&missing).unwrap_err().code(), "NOT_FOUND");
}

#[cfg(unix)]
#[test]
fn a_new_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juki.redb");
    Database::create(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn another_format_version_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juki.redb");
    drop(Database::create(&path).unwrap());
    {
        let raw = juki::testing::crypt::open_plain_redb(&path).unwrap();
        let txn = raw.begin_write().unwrap();
        {
            let mut meta = txn
                .open_table(redb::TableDefinition::<&str, u64>::new("meta"))
                .unwrap();
            meta.insert("format_version", FORMAT_VERSION + 1).unwrap();
        }
        txn.commit().unwrap();
    }
    match Database::open(&path) {
        Err(e @ StoreError::FormatVersion { .. }) => {
            assert!(e
                .to_string()
                .contains(&format!("format version {}", FORMAT_VERSION + 1)));
        }
        other => panic!("expected a format version error, got {other:?}"),
    }
}

#[test]
fn a_redb_file_that_is_not_juki_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.redb");
    drop(redb::Database::create(&path).unwrap());
    assert!(matches!(Database::open(&path), Err(StoreError::NotJuki(_))));
}

#[test]
fn a_damaged_record_is_corrupt_not_a_panic() {
    let f = story();
    let (_dir, path) = f.close();
    {
        let raw = juki::testing::crypt::open_plain_redb(&path).unwrap();
        let txn = raw.begin_write().unwrap();
        {
            let mut t = txn
                .open_table(redb::TableDefinition::<u64, &[u8]>::new("residents"))
                .unwrap();
            let mut bytes = t.get(code(1).get()).unwrap().unwrap().value().to_vec();
            let n = bytes.len();
            bytes[n / 2] ^= 0x40;
            t.insert(code(1).get(), bytes.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let juki = juki::Juki::builder(&path).open().unwrap();
    let db = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
    let err = db.get(code(1)).unwrap_err();
    assert_eq!(err.code(), "CORRUPT");
    assert!(err.to_string().contains("residents"), "{err}");
    assert!(db.get(code(2)).unwrap().is_some());
}
