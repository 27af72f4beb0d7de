//! Shared fixtures for the integration tests: a fresh database in a temporary directory
//! with a fixed "today", and short builders for the 異動 the tests record.
#![allow(dead_code)]

pub mod leaks;
pub mod tls;

use juki::{
    Address, Date, HouseholdId, Kana, MyNumber, Name, PostalCode, Reason, Relationship,
    ResidentCode, Sex,
};
use juki::{Change, Juki, Session};
use juki::{Clock, Fields};

pub const TODAY: &str = "2026-11-27";

/// The first administrator of every test database.
pub const ADMIN: &str = "admin1";
pub const PASSWORD: &str = "admin-password-1";

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub juki: Juki,
    /// The administrator's session: every call goes through the same checks and log as an
    /// operator's.
    pub db: Session,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let juki = Juki::builder(dir.path().join("juki.redb"))
            .create_with_admin(ADMIN, PASSWORD)
            .unwrap();
        juki.set_clock(Clock::Fixed(date(TODAY)));
        let db = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
        Fixture { dir, juki, db }
    }

    /// A register of 芦屋市 (282065) with its built-in address dictionary, as
    /// `juki init --municipality 282065` makes it.
    pub fn in_ashiya() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let juki = Juki::builder(dir.path().join("juki.redb"))
            .municipality("282065")
            .unwrap()
            .towns(date("1900-01-01"), juki::TownDictionary::ashiya_csv())
            .unwrap()
            .create_with_admin(ADMIN, PASSWORD)
            .unwrap();
        juki.set_clock(Clock::Fixed(date(TODAY)));
        let db = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
        Fixture { dir, juki, db }
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.juki.path().to_path_buf()
    }

    /// Signs out and closes the register, keeping its directory: the directory and the
    /// file's path, for tests that work on the closed file.
    pub fn close(self) -> (tempfile::TempDir, std::path::PathBuf) {
        let path = self.path();
        let Fixture { dir, juki, db } = self;
        drop(db);
        drop(juki);
        (dir, path)
    }

    pub fn reopen(self) -> Fixture {
        let (dir, path) = self.close();
        let juki = Juki::builder(&path).open().unwrap();
        juki.set_clock(Clock::Fixed(date(TODAY)));
        let db = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
        Fixture { dir, juki, db }
    }
}

pub fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

pub fn code(n: u64) -> ResidentCode {
    ResidentCode::from_serial(n)
}

pub fn my_number(n: u64) -> MyNumber {
    MyNumber::from_serial(n)
}

pub fn address(s: &str) -> Address {
    Address::parse(s).unwrap()
}

/// A person to move in or register, with everything a 転入 needs.
pub struct Person<'a> {
    pub my_number: u64,
    pub name: &'a str,
    pub kana: &'a str,
    pub sex: Sex,
    pub birth: &'a str,
    pub address: &'a str,
    pub household: u64,
    pub relationship: &'a str,
}

impl Person<'_> {
    pub fn fields(&self) -> Fields {
        Fields {
            my_number: Some(my_number(self.my_number)),
            name: Some(Name::parse(self.name).unwrap()),
            kana: Some(Kana::parse(self.kana).unwrap()),
            sex: Some(self.sex),
            birth: Some(juki::PartialDate::parse(self.birth).unwrap()),
            address: Some(address(self.address)),
            postal: Some(PostalCode::parse("659-0068").unwrap()),
            household: Some(HouseholdId::new(self.household)),
            relationship: Some(Relationship::parse(self.relationship).unwrap()),
            ..Fields::default()
        }
    }
}

pub fn taro() -> Person<'static> {
    Person {
        my_number: 1,
        name: "山田 太郎",
        kana: "ヤマダ タロウ",
        sex: Sex::Male,
        birth: "1980-04-01",
        address: "兵庫県芦屋市精道町7番6号",
        household: 100,
        relationship: "世帯主",
    }
}

pub fn hanako() -> Person<'static> {
    Person {
        my_number: 2,
        name: "山田 花子",
        kana: "ヤマダ ハナコ",
        sex: Sex::Female,
        birth: "1982-09-15",
        address: "兵庫県芦屋市精道町7番6号",
        household: 100,
        relationship: "妻",
    }
}

pub fn move_in(c: u64, p: &Person, on: &str) -> Change {
    Change::new(Reason::MoveIn, code(c), date(on)).with(p.fields())
}

pub fn change(reason: Reason, c: u64, on: &str, fields: Fields) -> Change {
    Change::new(reason, code(c), date(on)).with(fields)
}

pub fn moving_to(addr: &str) -> Fields {
    Fields {
        address: Some(address(addr)),
        ..Fields::default()
    }
}

/// MOVE HOUSEHOLD as a change addressed to the 世帯主: household `h` moves to `addr`.
pub fn moving_household(h: u64, addr: &str) -> Fields {
    Fields {
        whole_household: Some(HouseholdId::new(h)),
        ..moving_to(addr)
    }
}

pub fn household(h: u64, rel: &str) -> Fields {
    Fields {
        household: Some(HouseholdId::new(h)),
        relationship: Some(Relationship::parse(rel).unwrap()),
        ..Fields::default()
    }
}

pub fn new_head(c: u64) -> Fields {
    Fields {
        new_head: Some(code(c)),
        ..Fields::default()
    }
}

/// The resident codes of a household's members, in the order given.
pub fn member_codes(db: &Session, h: u64, as_of: Option<&str>) -> Vec<ResidentCode> {
    db.household(HouseholdId::new(h), as_of.map(date))
        .unwrap()
        .members
        .iter()
        .map(|m| m.code)
        .collect()
}

/// Asserts that `result` is a refusal by `rule` and that the database content did not move.
pub fn assert_refused(db: &Session, c: &Change, rule: juki::Rule) {
    let before = db.content_digest().unwrap();
    let err = db.record(c).unwrap_err();
    assert_eq!(err.rule(), Some(rule), "expected rule {rule}, got: {err}");
    assert!(
        err.to_string().contains(rule.name()),
        "message names the rule: {err}"
    );
    assert_eq!(
        db.content_digest().unwrap(),
        before,
        "a refused change wrote something"
    );
}

/// Asserts a refusal with the given error code and an unchanged database.
pub fn assert_refused_with(db: &Session, c: &Change, code: &str) -> String {
    let before = db.content_digest().unwrap();
    let err = db.record(c).unwrap_err();
    assert_eq!(err.code(), code, "expected {code}, got: {err}");
    assert_eq!(
        db.content_digest().unwrap(),
        before,
        "a refused change wrote something"
    );
    err.to_string()
}
