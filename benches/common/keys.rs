//! The lookups bench's sample and its SQL: residents drawn from the dataset, the keys of
//! every group taken from their current records, the SQLite twin of each juki lookup, and
//! the check that both engines answer every key alike. Shared by `lookups` (criterion) and
//! `latency` (p50 and p99 of each group).

use super::{columns_of, SplitMix, SqlResident, COLUMNS};
use juki::SearchHit;
use juki::{
    testing::address_key,
    {Date, Kana, MyNumber, Name, ResidentCode},
};
use juki::{Resident, SearchQuery, Session};
use rusqlite::{params, Connection, OptionalExtension, Statement};

/// Keys in the sample.
pub const SAMPLE: usize = 1_000;

/// The sample's seed.
pub const SAMPLE_SEED: u64 = 0x6a75_6b69;

/// The address key up to the first digit: `芦屋市精道町7-6…` → `芦屋市精道町`.
pub fn town_prefix(address: &str) -> String {
    let key = address_key(address);
    let end = key.find(|c: char| c.is_ascii_digit()).unwrap_or(key.len());
    key[..end].to_string()
}

/// The smallest text above every text that starts with `prefix` (SQLite compares text
/// bytewise, and U+10FFFF is the largest UTF-8 character).
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// A two-attribute search, as juki takes it and as SQLite parameters.
pub struct Search {
    pub juki: SearchQuery,
    /// Bound in order to the SQL's `?1`, `?2` …
    pub sql: Vec<rusqlite::types::Value>,
}

/// One sampled resident and every key drawn from it.
pub struct Keys {
    pub code: ResidentCode,
    pub my_number: MyNumber,
    pub name_birth: Search,
    pub name_address: Search,
    pub birth_address: Search,
    pub as_of: Date,
}

/// The three two-attribute searches of a resident, keys taken from its record: the full
/// kanji name + birth date, the full reading + the town (the address key up to its first
/// digit), birth date + town.
pub fn searches_of(r: &SqlResident) -> [Search; 3] {
    let birth = Date::from_yyyymmdd(r.birth).expect("a stored date");
    let name = Name::parse(&r.name).expect("a stored name");
    let kana = Kana::parse(&r.kana).expect("a stored reading");
    let town = town_prefix(&r.address);
    let name_birth = Search {
        juki: SearchQuery::new()
            .name(name.as_str())
            .expect("a stored name")
            .birth(birth),
        sql: vec![
            i64::from(r.birth).into(),
            name.key().as_str().to_string().into(),
        ],
    };
    let kana_key = kana.key().as_str().to_string();
    let name_address = Search {
        juki: SearchQuery::new()
            .name(kana.as_str())
            .expect("a stored reading")
            .address(&town),
        // The whole reading (juki matches whole names, never a prefix): the range holds
        // exactly the key.
        sql: vec![
            kana_key.clone().into(),
            format!("{kana_key}\u{1}").into(),
            town.clone().into(),
            prefix_end(&town).into(),
        ],
    };
    let birth_address = Search {
        juki: SearchQuery::new().birth(birth).address(&town),
        sql: vec![
            i64::from(r.birth).into(),
            town.clone().into(),
            prefix_end(&town).into(),
        ],
    };
    [name_birth, name_address, birth_address]
}

/// The sample: residents drawn from the whole register (active and removed), keys taken
/// from their current records.
pub fn sample(conn: &Connection, today: Date) -> Vec<Keys> {
    sample_of(conn, today, SAMPLE)
}

/// [`sample`] of `n` residents.
pub fn sample_of(conn: &Connection, today: Date, n: usize) -> Vec<Keys> {
    let codes: Vec<u64> = conn
        .prepare("SELECT code FROM residents ORDER BY code")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, i64>(0).map(|c| c as u64))?
                .collect()
        })
        .expect("codes");
    let mut by_code = conn.prepare(&sql(BY_CODE)).expect("prepare");
    let mut first = conn
        .prepare("SELECT min(valid_from) FROM versions WHERE id = ?1")
        .expect("prepare");
    let mut rng = SplitMix(SAMPLE_SEED);
    let mut keys = Vec::with_capacity(n);
    for _ in 0..n {
        let code = ResidentCode::from_u64(codes[rng.below(codes.len() as u64) as usize])
            .expect("a stored code");
        let r = sql_by_code(&mut by_code, code).expect("a sampled resident");
        let first: u32 = first
            .query_row([r.id as i64], |row| row.get(0))
            .expect("first version");
        let first = Date::from_yyyymmdd(first).expect("a stored date");
        let [name_birth, name_address, birth_address] = searches_of(&r);
        let span = first.days_until(today).max(0) as u64;
        let as_of = first.add_days(rng.below(span + 1) as i64);
        keys.push(Keys {
            code,
            my_number: MyNumber::from_u64(r.my_number).expect("a stored My Number"),
            name_birth,
            name_address,
            birth_address,
            as_of,
        });
    }
    keys
}

pub const BY_CODE: &str = "SELECT {cols} FROM residents WHERE code = ?1";

pub const BY_MY_NUMBER: &str = "SELECT {rcols}, m.current FROM my_numbers m \
     JOIN residents r ON r.id = m.id WHERE m.number = ?1";

pub const NAME_BIRTH: &str = "SELECT {cols} FROM residents WHERE id IN \
     (SELECT id FROM versions WHERE birth = ?1 AND name_key = ?2) ORDER BY kana, birth, code";

pub const NAME_ADDRESS: &str = "SELECT {cols} FROM residents WHERE id IN \
     (SELECT id FROM versions WHERE kana_key >= ?1 AND kana_key < ?2 \
     AND address_key >= ?3 AND address_key < ?4) ORDER BY kana, birth, code";

pub const BIRTH_ADDRESS: &str = "SELECT {cols} FROM residents WHERE id IN \
     (SELECT id FROM versions WHERE birth = ?1 AND address_key >= ?2 AND address_key < ?3) \
     ORDER BY kana, birth, code";

pub const AS_OF: &str = "SELECT {cols} FROM versions \
     WHERE id = (SELECT id FROM codes WHERE code = ?1) AND valid_from <= ?2 \
     ORDER BY valid_from DESC, version DESC LIMIT 1";

pub fn sql(template: &str) -> String {
    template
        .replace("{cols}", COLUMNS)
        .replace("{rcols}", &columns_of("r"))
}

pub fn sql_by_code(s: &mut Statement<'_>, code: ResidentCode) -> Option<SqlResident> {
    s.query_row([code.get() as i64], SqlResident::from_row)
        .optional()
        .expect("by code")
}

pub fn sql_by_my_number(s: &mut Statement<'_>, n: MyNumber) -> Option<(SqlResident, bool)> {
    s.query_row([n.get() as i64], |r| {
        Ok((SqlResident::from_row(r)?, r.get(26)?))
    })
    .optional()
    .expect("by my number")
}

pub fn sql_search(s: &mut Statement<'_>, q: &Search) -> Vec<SqlResident> {
    s.query_map(rusqlite::params_from_iter(&q.sql), SqlResident::from_row)
        .and_then(|rows| rows.collect())
        .expect("search")
}

pub fn sql_as_of(s: &mut Statement<'_>, code: ResidentCode, date: Date) -> Option<SqlResident> {
    s.query_row(
        params![code.get() as i64, date.to_yyyymmdd()],
        SqlResident::from_row,
    )
    .optional()
    .expect("as of")
}

/// The same version of the same resident (a session withholds the My Number).
pub fn same(j: &Resident, s: &SqlResident) -> bool {
    same_content(j, s) && j.recorded_at == s.recorded_at
}

/// [`same`] but for the recorded time (two loads of the same input record different times).
pub fn same_content(j: &Resident, s: &SqlResident) -> bool {
    j.code.get() == s.code
        && j.version == s.version
        && j.seq == s.seq
        && j.name.as_str() == s.name
        && j.address.written() == s.address
        && j.valid_from.to_yyyymmdd() == s.valid_from
}

pub fn hit_codes(hits: &[SearchHit]) -> Vec<u64> {
    let mut c: Vec<u64> = hits.iter().map(|h| h.resident.code.get()).collect();
    c.sort_unstable();
    c
}

pub fn row_codes(rows: &[SqlResident]) -> Vec<u64> {
    let mut c: Vec<u64> = rows.iter().map(|r| r.code).collect();
    c.sort_unstable();
    c
}

/// Asks every key of both engines and compares the answers; prints the hit counts.
pub fn check(db: &Session, conn: &Connection, keys: &[Keys]) {
    check_with(db, conn, keys, same)
}

/// [`check`] with another comparison of two records.
pub fn check_with(
    db: &Session,
    conn: &Connection,
    keys: &[Keys],
    same: fn(&Resident, &SqlResident) -> bool,
) {
    let mut by_code = conn.prepare(&sql(BY_CODE)).expect("prepare");
    let mut by_number = conn.prepare(&sql(BY_MY_NUMBER)).expect("prepare");
    let mut as_of = conn.prepare(&sql(AS_OF)).expect("prepare");
    let mut multi_version = 0;
    for k in keys {
        let j = db.get(k.code).expect("get").expect("found");
        let s = sql_by_code(&mut by_code, k.code).expect("found");
        assert!(same(&j, &s), "by code {}: {j:?} / {s:?}", k.code);
        multi_version += usize::from(j.version > 1);

        let j = db
            .get_by_my_number(k.my_number)
            .expect("get")
            .expect("found");
        let (s, current) = sql_by_my_number(&mut by_number, k.my_number).expect("found");
        assert!(same(&j.resident, &s) && j.current == current);

        let j = db.get_as_of(k.code, k.as_of).expect("as of");
        let s = sql_as_of(&mut as_of, k.code, k.as_of);
        match (&j, &s) {
            (Some(j), Some(s)) => assert!(same(j, s), "as of {}: {j:?} / {s:?}", k.as_of),
            (None, None) => {}
            _ => panic!("as of {} {}: {j:?} / {s:?}", k.code, k.as_of),
        }
    }
    eprintln!(
        "sample: {} residents, {multi_version} with more than one version",
        keys.len()
    );
    for (name, template, pick) in searches() {
        let mut stmt = conn.prepare(&sql(template)).expect("prepare");
        let mut hits = 0usize;
        let mut most = 0usize;
        let mut former = 0usize;
        for k in keys {
            let q = pick(k);
            let j = db.find(&q.juki).expect("find");
            let s = sql_search(&mut stmt, q);
            assert_eq!(hit_codes(&j), row_codes(&s), "{name}: {:?}", q.juki);
            hits += j.len();
            most = most.max(j.len());
            former += j.iter().filter(|h| !h.current).count();
        }
        if name == "search_name_address" {
            // juki's kana+address range is the reading prefix alone (a prefix cannot be
            // followed by the address in the key): every resident under it is a candidate.
            let mut range = conn
                .prepare(
                    "SELECT count(DISTINCT id) FROM versions \
                     WHERE kana_key >= ?1 AND kana_key < ?2",
                )
                .expect("prepare");
            let candidates: i64 = keys
                .iter()
                .map(|k| {
                    range
                        .query_row(rusqlite::params_from_iter(&k.name_address.sql[..2]), |r| {
                            r.get::<_, i64>(0)
                        })
                        .expect("candidates")
                })
                .sum();
            eprintln!(
                "{name}: {:.1} residents a search under the reading prefix, any address",
                candidates as f64 / keys.len() as f64
            );
        }
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", sql(template)))
            .and_then(|mut s| {
                s.query_map(rusqlite::params_from_iter(&pick(&keys[0]).sql), |r| {
                    r.get::<_, String>(3)
                })?
                .collect()
            })
            .expect("query plan");
        eprintln!(
            "{name}: {:.2} hits a search on average, at most {most}, {former} hits on a \
             former version; juki index {}; SQLite plan: {}",
            hits as f64 / keys.len() as f64,
            pick(&keys[0]).juki.index_name().unwrap_or("-"),
            plan.join(" / ")
        );
    }
}

pub type Pick = fn(&Keys) -> &Search;

pub fn searches() -> [(&'static str, &'static str, Pick); 3] {
    [
        ("search_name_birth", NAME_BIRTH, |k| &k.name_birth),
        ("search_name_address", NAME_ADDRESS, |k| &k.name_address),
        ("search_birth_address", BIRTH_ADDRESS, |k| &k.birth_address),
    ]
}
