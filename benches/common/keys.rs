//! The lookups bench's sample and its SQL: residents drawn from the dataset, the keys of
//! every group taken from their current records, the SQLite twin of each juki lookup, and
//! the check that both engines answer every key alike. Shared by `lookups` (criterion) and
//! `latency` (p50 and p99 of each group).

use super::{columns_of, ReadSnapshot, SplitMix, SqlResident};
use juki::{
    testing::address_key,
    {Date, Kana, MyNumber, Name, PartialDate, ResidentCode},
};
use juki::{Resident, SearchQuery, Session};
use juki::{SearchHit, Status};
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
    // A birth date known only in part is asked by its first day (不詳: any day), which finds
    // it in both engines (juki by overlap, SQLite by `BIRTH_CODES` of that day: the day, its
    // month, its year and 不詳, as juki reads a day).
    let birth = PartialDate::from_code(r.birth)
        .expect("a stored date")
        .first_day()
        .unwrap_or_else(|| Date::from_ymd(1900, 1, 1).expect("a real day"));
    let name = Name::parse(&r.name).expect("a stored name");
    let kana = Kana::parse(&r.kana).expect("a stored reading");
    let town = town_prefix(&r.address);
    let name_birth = Search {
        juki: SearchQuery::new()
            .name(name.as_str())
            .expect("a stored name")
            .birth(birth),
        sql: vec![
            i64::from(birth.to_yyyymmdd()).into(),
            name.key().as_str().to_string().into(),
        ],
    };
    let kana_key = kana.key().as_str().to_string();
    let name_address = Search {
        juki: SearchQuery::new()
            .name(kana.as_str())
            .expect("a stored reading")
            .address(&town),
        // The whole reading (juki matches whole names, never a prefix).
        sql: vec![
            kana_key.clone().into(),
            town.clone().into(),
            prefix_end(&town).into(),
        ],
    };
    let birth_address = Search {
        juki: SearchQuery::new().birth(birth).address(&town),
        sql: vec![
            i64::from(birth.to_yyyymmdd()).into(),
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
    let mut by_code = conn
        .prepare(&format!(
            "SELECT {} FROM residents r WHERE r.code = ?1",
            columns_of("r")
        ))
        .expect("prepare");
    let mut first = conn
        .prepare("SELECT min(valid_from) FROM versions WHERE id = ?1")
        .expect("prepare");
    let mut rng = SplitMix(SAMPLE_SEED);
    let mut keys = Vec::with_capacity(n);
    for _ in 0..n {
        let code = ResidentCode::from_u64(codes[rng.below(codes.len() as u64) as usize])
            .expect("a stored code");
        let r = by_code
            .query_row([code.get() as i64], SqlResident::from_row)
            .expect("a sampled resident");
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

/// The name of the 世帯主 of household `{h}` on date `{d}`, as juki's `head_name` finds it
/// on a date: the first member ever recorded in the household (internal-id order) whose
/// version in force on the date is its active 世帯主.
fn head_query(h: &str, d: &str) -> String {
    let active = Status::Active.code();
    format!(
        "SELECT hv.name FROM households hm JOIN versions hv ON hv.id = hm.id \
         WHERE hm.household = {h} AND hv.version = \
         (SELECT max(hw.version) FROM versions hw WHERE hw.id = hm.id AND hw.valid_from <= {d}) \
         AND hv.household = hm.household AND hv.status = {active} \
         AND hv.relationship = '世帯主' ORDER BY hm.id LIMIT 1"
    )
}

/// The 世帯主's name beside the row `{a}` read as of `{d}`, as juki's `with_head`: the
/// resident's own name when they are the 世帯主, else [`head_query`].
fn head_on(a: &str, d: &str) -> String {
    format!(
        "CASE WHEN {a}.relationship = '世帯主' THEN {a}.name ELSE ({}) END",
        head_query(&format!("{a}.household"), d)
    )
}

/// The 世帯主's name beside a resident read "now" (GET, GET MYNUMBER), as juki's
/// `with_head`: their own when they are the 世帯主; for an active resident the one `heads`
/// names; for a removed one, the 世帯主 on the day of the removal.
fn head_now(a: &str) -> String {
    let active = Status::Active.code();
    format!(
        "CASE WHEN {a}.relationship = '世帯主' THEN {a}.name \
         WHEN {a}.status = {active} THEN (SELECT name FROM heads WHERE household = {a}.household) \
         ELSE ({}) END",
        head_query(&format!("{a}.household"), &format!("{a}.valid_from"))
    )
}

/// GET: the current record by code (one probe of `residents`) and its 世帯主.
pub fn by_code_sql() -> String {
    format!(
        "SELECT {}, {} FROM residents r WHERE r.code = ?1",
        columns_of("r"),
        head_now("r")
    )
}

/// GET MYNUMBER: the entry of `my_numbers` gives the internal id, then the latest version
/// of that id (one descent of `versions`, as juki reads it) and its 世帯主.
pub fn by_my_number_sql() -> String {
    format!(
        "SELECT {}, {}, m.current FROM my_numbers m JOIN versions v ON v.id = m.id \
         WHERE m.number = ?1 ORDER BY v.version DESC LIMIT 1",
        columns_of("v"),
        head_now("v")
    )
}

/// GET … AS OF, first step: the current record, which is the answer when no version was
/// in force after the date (`prefix_max <= date`, juki's shortcut); then (column 28) its
/// `prefix_max` and (column 27) the 世帯主 on the date, computed only when it is the answer.
pub fn as_of_current_sql() -> String {
    format!(
        "SELECT {}, CASE WHEN r.prefix_max > ?2 THEN NULL ELSE {} END, r.prefix_max \
         FROM residents r WHERE r.code = ?1",
        columns_of("r"),
        head_on("r", "?2")
    )
}

/// GET … AS OF, second step: the version of internal id `?1` in force on `?2`, newest first.
pub fn as_of_versions_sql() -> String {
    format!(
        "SELECT {}, {} FROM versions v WHERE v.id = ?1 AND v.valid_from <= ?2 \
         ORDER BY v.version DESC LIMIT 1",
        columns_of("v"),
        head_on("v", "?2")
    )
}

/// A former resident code's internal id (the as-of lookup of a code not in `residents`).
pub const ID_OF_CODE: &str = "SELECT id FROM codes WHERE code = ?1";

/// The 世帯主's name now, by household.
pub const HEAD_NOW: &str = "SELECT name FROM heads WHERE household = ?1";

/// One 4情報 search: the query giving the internal ids the index names (its partial index
/// holds juki's entries), and the query reading one such resident's versions newest first
/// with, as the last column, whether the version matches (its parameters are the search's,
/// then the id).
pub struct SearchSql {
    pub name: &'static str,
    pub ids: String,
    pub versions: String,
    pub index: &'static str,
}

/// The birth codes a search by the day `?1` matches, as juki's search does: the day, its
/// month (`yyyymm00`), its year (`yyyy0000`) and 不詳 (`99999999`), for the birth dates
/// known only in part.
const BIRTH_CODES: &str = "(?1, ?1 / 100 * 100, ?1 / 10000 * 10000, 99999999)";

/// The three searches of the sample, their SQL and the index each must use.
pub fn search_sql() -> [SearchSql; 3] {
    let versions = |matches: &str, id: usize| {
        format!(
            "SELECT {}, NULL, {matches} FROM versions v WHERE v.id = ?{id} \
             ORDER BY v.version DESC",
            columns_of("v")
        )
    };
    [
        SearchSql {
            name: "search_name_birth",
            ids: format!(
                "SELECT id FROM versions WHERE e_bn = 1 AND birth IN {BIRTH_CODES} AND name_key = ?2"
            ),
            versions: versions(&format!("v.birth IN {BIRTH_CODES} AND v.name_key = ?2"), 3),
            index: "versions_birth_name",
        },
        SearchSql {
            name: "search_name_address",
            ids: "SELECT id FROM versions WHERE e_ka = 1 AND kana_key = ?1 \
                  AND address_key >= ?2 AND address_key < ?3"
                .to_string(),
            versions: versions(
                "v.kana_key = ?1 AND v.address_key >= ?2 AND v.address_key < ?3",
                4,
            ),
            index: "versions_kana_address",
        },
        SearchSql {
            name: "search_birth_address",
            ids: format!(
                "SELECT id FROM versions WHERE e_ba = 1 AND birth IN {BIRTH_CODES} \
                 AND address_key >= ?2 AND address_key < ?3"
            ),
            versions: versions(
                &format!(
                    "v.birth IN {BIRTH_CODES} AND v.address_key >= ?2 AND v.address_key < ?3"
                ),
                4,
            ),
            index: "versions_birth_address",
        },
    ]
}

/// The SQLite side of every lookup, as an application over SQLite would run it: prepared
/// statements along juki's access paths, inside one read transaction renewed at juki's
/// snapshot cadence ([`ReadSnapshot`]). Each answer carries what juki's does, the
/// 世帯主's name included.
pub struct SqlLookups<'c> {
    snapshot: ReadSnapshot<'c>,
    by_code: Statement<'c>,
    by_my_number: Statement<'c>,
    as_of_current: Statement<'c>,
    as_of_versions: Statement<'c>,
    id_of_code: Statement<'c>,
    head_now: Statement<'c>,
    head_on: Statement<'c>,
    search_ids: Vec<Statement<'c>>,
    search_versions: Vec<Statement<'c>>,
}

impl<'c> SqlLookups<'c> {
    pub fn new(conn: &'c Connection) -> SqlLookups<'c> {
        let prepare = |sql: &str| conn.prepare(sql).expect("prepare");
        let searches = search_sql();
        SqlLookups {
            by_code: prepare(&by_code_sql()),
            by_my_number: prepare(&by_my_number_sql()),
            as_of_current: prepare(&as_of_current_sql()),
            as_of_versions: prepare(&as_of_versions_sql()),
            id_of_code: prepare(ID_OF_CODE),
            head_now: prepare(HEAD_NOW),
            head_on: prepare(&head_query("?1", "?2")),
            search_ids: searches.iter().map(|s| prepare(&s.ids)).collect(),
            search_versions: searches.iter().map(|s| prepare(&s.versions)).collect(),
            snapshot: ReadSnapshot::new(conn),
        }
    }

    /// GET.
    pub fn by_code(&mut self, code: ResidentCode) -> Option<SqlResident> {
        self.snapshot.fresh();
        self.by_code
            .query_row([code.get() as i64], SqlResident::from_row)
            .optional()
            .expect("by code")
    }

    /// GET MYNUMBER: the resident and whether the number is their current one.
    pub fn by_my_number(&mut self, n: MyNumber) -> Option<(SqlResident, bool)> {
        self.snapshot.fresh();
        self.by_my_number
            .query_row([n.get() as i64], |r| {
                Ok((SqlResident::from_row(r)?, r.get(27)?))
            })
            .optional()
            .expect("by my number")
    }

    /// GET … AS OF.
    pub fn as_of(&mut self, code: ResidentCode, date: Date) -> Option<SqlResident> {
        self.snapshot.fresh();
        let d = date.to_yyyymmdd();
        let current = self
            .as_of_current
            .query_row(params![code.get() as i64, d], |r| {
                Ok((SqlResident::from_row(r)?, r.get::<_, u32>(27)?))
            })
            .optional()
            .expect("as of");
        let id = match current {
            Some((r, prefix_max)) if prefix_max <= d => return Some(r),
            Some((r, _)) => r.id,
            None => self
                .id_of_code
                .query_row([code.get() as i64], |r| r.get::<_, i64>(0))
                .optional()
                .expect("a former code")? as u64,
        };
        self.as_of_versions
            .query_row(params![id as i64, d], SqlResident::from_row)
            .optional()
            .expect("as of")
    }

    /// 4情報検索 number `n` of [`search_sql`]: each resident the index names, with the
    /// current version when it matches, else the latest former one that does (and whether
    /// it is current), ordered by reading, birth date and code, as juki's `find`.
    pub fn search(&mut self, n: usize, q: &Search) -> Vec<(SqlResident, bool)> {
        self.snapshot.fresh();
        let mut ids: Vec<i64> = self.search_ids[n]
            .query_map(rusqlite::params_from_iter(&q.sql), |r| r.get(0))
            .and_then(|rows| rows.collect())
            .expect("search");
        ids.sort_unstable();
        ids.dedup();
        let mut hits = Vec::with_capacity(ids.len());
        for id in ids {
            let stmt = &mut self.search_versions[n];
            for (i, v) in q.sql.iter().enumerate() {
                stmt.raw_bind_parameter(i + 1, v).expect("bind");
            }
            stmt.raw_bind_parameter(q.sql.len() + 1, id).expect("bind");
            let mut rows = stmt.raw_query();
            let mut latest = true;
            let mut hit = None;
            while let Some(row) = rows.next().expect("versions") {
                if row.get::<_, bool>(27).expect("match") {
                    hit = Some((SqlResident::from_row(row).expect("a version"), latest));
                    break;
                }
                latest = false;
            }
            drop(rows);
            if let Some((mut r, current)) = hit {
                r.head_name = if r.relationship == "世帯主" {
                    Some(r.name.clone())
                } else if current {
                    self.head_now
                        .query_row([r.household as i64], |row| row.get(0))
                        .optional()
                        .expect("head now")
                } else {
                    self.head_on
                        .query_row(params![r.household as i64, r.valid_from], |row| row.get(0))
                        .optional()
                        .expect("head on a date")
                };
                hits.push((r, current));
            }
        }
        hits.sort_by(|(a, _), (b, _)| (&a.kana, a.birth, a.code).cmp(&(&b.kana, b.birth, b.code)));
        hits
    }
}

/// Every statement's plan uses the index meant for it and scans no table: printed, and a
/// panic naming the statement otherwise.
pub fn check_plans(conn: &Connection) {
    let mut statements: Vec<(String, String, Option<&str>)> = vec![
        ("by code".into(), by_code_sql(), None),
        ("by My Number".into(), by_my_number_sql(), None),
        ("as of, current".into(), as_of_current_sql(), None),
        ("as of, versions".into(), as_of_versions_sql(), None),
    ];
    for s in search_sql() {
        statements.push((format!("{} ids", s.name), s.ids.to_string(), Some(s.index)));
        statements.push((format!("{} versions", s.name), s.versions, None));
    }
    for (name, text, index) in statements {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {text}"))
            .expect("query plan");
        let count = stmt.parameter_count();
        let nulls = vec![rusqlite::types::Value::Null; count];
        let plan: Vec<String> = stmt
            .query_map(rusqlite::params_from_iter(&nulls), |r| {
                r.get::<_, String>(3)
            })
            .and_then(|rows| rows.collect())
            .expect("query plan");
        let plan = plan.join(" / ");
        eprintln!("SQLite plan, {name}: {plan}");
        assert!(
            !plan.contains("SCAN ") && !plan.contains("TEMP B-TREE"),
            "{name}: the plan scans or sorts: {plan}"
        );
        if let Some(index) = index {
            assert!(
                plan.contains(&format!("COVERING INDEX {index} ")),
                "{name}: the plan does not use {index}: {plan}"
            );
        }
    }
}

/// The same version of the same resident (a session withholds the My Number), with the
/// same 世帯主's name.
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
        && j.head_name.as_ref().map(|n| n.as_str()) == s.head_name.as_deref()
}

/// A search's answer as `(code, version, current, 世帯主)`, sorted.
pub fn juki_hits(hits: &[SearchHit]) -> Vec<(u64, u32, bool, Option<String>)> {
    let mut c: Vec<_> = hits
        .iter()
        .map(|h| {
            let r = &h.resident;
            let head = r.head_name.as_ref().map(|n| n.as_str().to_string());
            (r.code.get(), r.version, h.current, head)
        })
        .collect();
    c.sort_unstable();
    c
}

/// [`juki_hits`] of SQLite's answer.
pub fn sql_hits(rows: &[(SqlResident, bool)]) -> Vec<(u64, u32, bool, Option<String>)> {
    let mut c: Vec<_> = rows
        .iter()
        .map(|(r, current)| (r.code, r.version, *current, r.head_name.clone()))
        .collect();
    c.sort_unstable();
    c
}

/// Asks every key of both engines and compares the answers; prints the hit counts and
/// checks the SQLite plans.
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
    check_plans(conn);
    let mut sql = SqlLookups::new(conn);
    let mut multi_version = 0;
    for k in keys {
        let j = db.get(k.code).expect("get").expect("found");
        let s = sql.by_code(k.code).expect("found");
        assert!(same(&j, &s), "by code {}: {j:?} / {s:?}", k.code);
        multi_version += usize::from(j.version > 1);

        let j = db
            .get_by_my_number(k.my_number)
            .expect("get")
            .expect("found");
        let (s, current) = sql.by_my_number(k.my_number).expect("found");
        assert!(
            same(&j.resident, &s) && j.current == current,
            "by My Number: {j:?} / {s:?}"
        );

        let j = db.get_as_of(k.code, k.as_of).expect("as of");
        let s = sql.as_of(k.code, k.as_of);
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
    for (n, (name, pick)) in searches().into_iter().enumerate() {
        let mut hits = 0usize;
        let mut most = 0usize;
        let mut former = 0usize;
        for k in keys {
            let q = pick(k);
            let j = db.find(&q.juki).expect("find");
            let s = sql.search(n, q);
            assert_eq!(juki_hits(&j), sql_hits(&s), "{name}: {:?}", q.juki);
            hits += j.len();
            most = most.max(j.len());
            former += j.iter().filter(|h| !h.current).count();
        }
        eprintln!(
            "{name}: {:.2} hits a search on average, at most {most}, {former} hits on a \
             former version; juki index {}",
            hits as f64 / keys.len() as f64,
            pick(&keys[0]).juki.index_name().unwrap_or("-"),
        );
    }
}

pub type Pick = fn(&Keys) -> &Search;

/// The three searches, in [`search_sql`] order.
pub fn searches() -> [(&'static str, Pick); 3] {
    [
        ("search_name_birth", |k| &k.name_birth),
        ("search_name_address", |k| &k.name_address),
        ("search_birth_address", |k| &k.birth_address),
    ]
}
