//! Creates a database with its first administrator, signs in, records a 転入 and a 転居,
//! and reads the resident as of both dates.
//!
//! Run with `cargo run --example first_steps`.

use juki::{
    Address, Date, HouseholdId, Kana, MyNumber, Name, PartialDate, PostalCode, Reason,
    Relationship, ResidentCode, Sex,
};
use juki::{Change, Fields, Juki, SearchQuery};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("city.redb");
    Juki::builder(&path).create_with_admin("admin1", "first-admin-password")?;
    let juki = Juki::builder(&path).open()?;
    // Every read and write goes through a signed-in session: permissions are checked and the
    // operation is logged.
    let db = juki.sign_in("admin1", "first-admin-password", "example")?;
    println!("database: {}", path.display());

    // 転入: every identity item, the household and the previous address.
    let code = ResidentCode::parse("24727059608")?;
    let moved_in = Date::parse("令和2年4月1日")?;
    db.record(&Change::new(Reason::MoveIn, code, moved_in).with(Fields {
        my_number: Some(MyNumber::parse("1234-5678-9018")?),
        name: Some(Name::parse("山田　太郎")?),
        kana: Some(Kana::parse("やまだ たろう")?),
        sex: Some(Sex::parse("男")?),
        birth: Some(PartialDate::parse("S55.4.1")?),
        address: Some(Address::parse("兵庫県芦屋市精道町7番6号")?),
        postal: Some(PostalCode::parse("659-8501")?),
        household: Some(HouseholdId::parse("1001")?),
        relationship: Some(Relationship::parse("世帯主")?),
        previous_address: Some(Address::parse("大阪府大阪市北区梅田1-1")?),
        ..Fields::default()
    }))?;

    // 転居: only the address (and postal code) may change.
    let moved = Date::parse("2024-07-01")?;
    db.record(&Change::new(Reason::Move, code, moved).with(Fields {
        address: Some(Address::parse("芦屋市打出町2-3")?),
        postal: Some(PostalCode::parse("6590012")?),
        ..Fields::default()
    }))?;

    for date in [moved_in, moved] {
        let r = db.get_as_of(code, date)?.expect("recorded by then");
        println!(
            "as of {date} ({}): {} {} version {} ({}), My Number {}",
            date.to_era_string(),
            r.name,
            r.address,
            r.version,
            r.reason,
            if r.my_number.is_some() {
                "shown"
            } else {
                "withheld"
            }
        );
    }

    let hits = db.find(&SearchQuery::new().name("ヤマダ")?.address("芦屋市精道町"))?;
    for hit in hits {
        println!(
            "found {} by a former address (version {}, current: {})",
            hit.resident.code, hit.resident.version, hit.current
        );
    }
    Ok(())
}
