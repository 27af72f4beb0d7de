//! The batches sent to the 住基ネット side: the 本人確認情報 notification and the 送付先情報,
//! read back column by column against the register, resumed where they stopped, logged.

use juki::{Clock, Date, ErrorCode, Juki, MyNumber, ResidentCode, Session};

const TODAY: &str = "2026-11-27";

struct City {
    dir: tempfile::TempDir,
    juki: Juki,
    admin: Session,
}

fn code(n: u64) -> ResidentCode {
    ResidentCode::from_serial(n)
}

fn number(n: u64) -> String {
    MyNumber::from_serial(n).reveal().to_string()
}

fn city() -> City {
    let dir = tempfile::tempdir().unwrap();
    let juki = Juki::builder(dir.path().join("city.redb"))
        .municipality("282065")
        .and_then(|b| {
            b.towns(
                Date::parse("1900-01-01").unwrap(),
                juki::TownDictionary::ashiya_csv(),
            )
        })
        .and_then(|b| b.create_with_admin("admin1", "admin-password-1"))
        .unwrap();
    juki.set_clock(Clock::Fixed(Date::parse(TODAY).unwrap()));
    let admin = juki
        .sign_in("admin1", "admin-password-1", "counter-1")
        .unwrap();
    admin
        .run("SET OFFICE postal='659-8501' address='兵庫県芦屋市精道町7番6号' phone='0797-31-2121'")
        .unwrap();
    City { dir, juki, admin }
}

fn run(s: &Session, statement: &str) {
    s.run(statement)
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// 転入 from 大阪市 (1), a birth (2), a 転入 from abroad (3), then a code change of 1 and a
/// My Number change of 2.
fn record_some(c: &City) {
    run(&c.admin, &format!("MOVE IN {} my_number={} name='山田 太郎' kana='ヤマダ タロウ' sex=1 birth=1980-04-01 address=芦屋市精道町7-6 postal=659-0064 household=3001 relationship=世帯主 from='大阪府大阪市北区梅田1-1' ON 2026-04-01 REPORTED 2026-04-03", code(1), number(1)));
    run(&c.admin, &format!("BIRTH {} my_number={} name='山田 一郎' kana='ヤマダ イチロウ' sex=1 address=芦屋市精道町7-6 postal=659-0064 household=3001 relationship=子 ON 2026-05-05", code(2), number(2)));
    run(&c.admin, &format!("MOVE IN {} my_number={} name='スミス ジョン' kana='スミス ジョン' sex=1 birth=1990-01-01 address=芦屋市打出町2-3 postal=659-0066 household=3002 relationship=世帯主 from='アメリカ合衆国 ニューヨーク州' nationality=US ON 2026-06-01", code(3), number(3)));
    run(
        &c.admin,
        &format!("CHANGE CODE {} new={} ON 2026-07-01", code(1), code(11)),
    );
    run(
        &c.admin,
        &format!(
            "CHANGE MYNUMBER {} my_number={} ON 2026-08-01",
            code(2),
            number(22)
        ),
    );
}

fn read_csv(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

#[test]
fn the_notification_carries_every_change_with_the_items_the_prefecture_keeps() {
    let c = city();
    record_some(&c);
    let path = c.dir.path().join("n1.csv");
    let batch = c.admin.notify(&path, None).unwrap();
    assert_eq!((batch.after, batch.through, batch.rows), (0, 5, 5));
    let (header, rows) = read_csv(&path);
    assert_eq!(header.len(), 22);
    let at = |row: &Vec<String>, name: &str| row[column(&header, name)].clone();
    let seqs: Vec<String> = rows.iter().map(|r| at(r, "seq")).collect();
    assert_eq!(seqs, ["1", "2", "3", "4", "5"]);
    let first = &rows[0];
    assert_eq!(at(first, "resident_code"), code(1).to_string());
    assert_eq!(at(first, "name"), "山田 太郎");
    assert_eq!(at(first, "name_kana"), "ヤマダ タロウ");
    assert_eq!(at(first, "kana_key"), "ヤマタタロウ");
    assert_eq!(at(first, "birth_date"), "1980-04-01");
    assert_eq!(at(first, "sex"), "1");
    assert_eq!(at(first, "municipality_code"), "282065");
    assert_eq!(at(first, "postal_code"), "659-0064");
    assert_eq!(at(first, "my_number"), number(1));
    assert_eq!(at(first, "reported"), "2026-04-03");
    assert_eq!(at(first, "previous_address"), "大阪府大阪市北区梅田1-1");
    assert_eq!(at(first, "relationship"), "世帯主");
    assert_eq!(at(first, "reason"), "転入");
    assert_eq!(at(first, "valid_from"), "2026-04-01");
    assert_eq!(at(first, "operator"), "admin1");
    assert_eq!(at(first, "terminal"), "counter-1");
    assert_eq!(at(first, "former_resident_code"), "");
    // The code change carries the new code and the one it replaced.
    let changed = &rows[3];
    assert_eq!(at(changed, "resident_code"), code(11).to_string());
    assert_eq!(at(changed, "former_resident_code"), code(1).to_string());
    // The My Number change carries the new number.
    assert_eq!(at(&rows[4], "my_number"), number(22));
    // The file's hash is the one the log holds, with the range.
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(std::fs::read(&path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(batch.sha256, digest);
    c.juki.flush_log().unwrap();
    let log = c.admin.audit(&Default::default()).unwrap();
    let entry = log.iter().find(|e| e.kind == "NOTIFY").unwrap();
    assert!(
        entry
            .text
            .contains(&format!("seq=1..5 rows=5 sha256={digest}")),
        "{}",
        entry.text
    );
    assert!(!entry.text.contains(&number(1)));
}

#[test]
fn the_notification_resumes_where_it_stopped_and_resends_a_range_on_request() {
    let c = city();
    record_some(&c);
    c.admin.notify(&c.dir.path().join("a.csv"), None).unwrap();
    let empty = c.admin.notify(&c.dir.path().join("b.csv"), None).unwrap();
    assert_eq!((empty.after, empty.through, empty.rows), (5, 5, 0));
    assert_eq!(read_csv(&c.dir.path().join("b.csv")).1.len(), 0);
    run(
        &c.admin,
        &format!(
            "MOVE {} address=芦屋市大原町9-20 postal=659-0068 ON 2026-09-01",
            code(3)
        ),
    );
    let next = c.admin.notify(&c.dir.path().join("c.csv"), None).unwrap();
    assert_eq!((next.after, next.through, next.rows), (5, 6, 1));
    let again = c
        .admin
        .notify(&c.dir.path().join("d.csv"), Some(3))
        .unwrap();
    assert_eq!((again.after, again.through, again.rows), (3, 6, 3));
    // Resending does not move the cursor back.
    let after = c.admin.notify(&c.dir.path().join("e.csv"), None).unwrap();
    assert_eq!(after.rows, 0);
    // An existing file is refused and the cursor stays.
    run(
        &c.admin,
        &format!(
            "MOVE {} address=芦屋市大原町9-21 postal=659-0068 ON 2026-10-01",
            code(3)
        ),
    );
    let e = c
        .admin
        .notify(&c.dir.path().join("a.csv"), None)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Io);
    assert_eq!(
        c.admin
            .notify(&c.dir.path().join("f.csv"), None)
            .unwrap()
            .rows,
        1
    );
}

#[test]
fn only_the_notification_duty_sends_batches() {
    let c = city();
    record_some(&c);
    for (id, role, allowed) in [
        ("c1", "clerk", false),
        ("v1", "viewer", false),
        ("a1", "auditor", false),
        ("r1", "registrar", true),
    ] {
        run(
            &c.admin,
            &format!("CREATE OPERATOR {id} ROLE {role} PASSWORD 'password-of-{id}'"),
        );
        let s = c
            .juki
            .sign_in(id, &format!("password-of-{id}"), "t")
            .unwrap();
        let path = c.dir.path().join(format!("{id}.csv"));
        let result = s.notify(&path, Some(0));
        assert_eq!(result.is_ok(), allowed, "{role}: {result:?}");
        if !allowed {
            assert_eq!(result.unwrap_err().code(), ErrorCode::PermissionDenied);
            assert!(!path.exists(), "{role} left a file");
            let e = s.export_destinations(&path).unwrap_err();
            assert_eq!(e.code(), ErrorCode::PermissionDenied);
        }
    }
}

#[test]
fn the_destinations_name_each_newly_numbered_resident_once() {
    let c = city();
    record_some(&c);
    let path = c.dir.path().join("dest1.csv");
    let batch = c.admin.export_destinations(&path).unwrap();
    let (header, rows) = read_csv(&path);
    assert_eq!(header.len(), 61, "{header:?}");
    assert!(rows.iter().all(|r| r.len() == 61));
    let at = |row: &Vec<String>, name: &str| row[column(&header, name)].clone();
    // The birth (numbered, then renumbered: once) and the 転入 from abroad; not the 転入
    // from 大阪市, whose number came with them.
    let codes: Vec<String> = rows.iter().map(|r| at(r, "resident_code")).collect();
    assert_eq!(codes, [code(2).to_string(), code(3).to_string()]);
    assert_eq!(batch.rows, 2);
    let child = &rows[0];
    assert_eq!(
        at(child, "my_number"),
        number(22),
        "the number as recorded now"
    );
    assert_eq!(at(child, "name"), "山田 一郎");
    assert_eq!(at(child, "name_length"), "5");
    assert_eq!(at(child, "municipality_code"), "282065");
    assert_eq!(at(child, "municipality_name"), "芦屋市");
    assert_eq!(at(child, "municipality_postal_code"), "659-8501");
    assert_eq!(at(child, "count"), "2");
    assert_eq!(at(child, "processed_on"), TODAY);
    assert_eq!(at(child, "destination_number"), "1");
    assert_eq!(at(&rows[1], "destination_number"), "2");
    // The next batch starts after them and goes on numbering.
    assert_eq!(
        c.admin
            .export_destinations(&c.dir.path().join("dest2.csv"))
            .unwrap()
            .rows,
        0
    );
    run(&c.admin, &format!("BIRTH {} my_number={} name='スミス メアリー' kana='スミス メアリー' sex=2 address=芦屋市打出町2-3 postal=659-0066 household=3002 relationship=子 nationality=US ON 2026-11-01", code(4), number(4)));
    c.admin
        .export_destinations(&c.dir.path().join("dest3.csv"))
        .unwrap();
    let (_, rows) = read_csv(&c.dir.path().join("dest3.csv"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], "3");
}

/// The column names docs/cli.md gives a file, in order: the backticked names of the lines
/// between `start` and the next heading.
fn documented_columns(start: &str) -> Vec<String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cli.md")).unwrap();
    let section = doc
        .split(start)
        .nth(1)
        .unwrap_or_else(|| panic!("no {start} in docs/cli.md"));
    let section = section.split("\n#").next().unwrap();
    let mut names = Vec::new();
    for line in section.lines() {
        // The notification's table names its columns in the first cell; the 送付先情報's
        // paragraph names them all, each before its description.
        let text = match line.strip_prefix("| ") {
            Some(row) => row.split(" | ").next().unwrap_or(""),
            None => line,
        };
        let mut rest = text;
        while let Some(i) = rest.find('`') {
            let after = &rest[i + 1..];
            let Some(j) = after.find('`') else { break };
            let name = &after[..j];
            if name.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !name.is_empty() {
                names.push(name.to_string());
            }
            rest = &after[j + 1..];
        }
    }
    names
}

#[test]
fn the_files_have_the_columns_docs_cli_md_gives() {
    let c = city();
    record_some(&c);
    let notification = c.dir.path().join("n.csv");
    c.admin.notify(&notification, None).unwrap();
    assert_eq!(
        read_csv(&notification).0,
        documented_columns("### The 本人確認情報 notification")
    );
    let destinations = c.dir.path().join("d.csv");
    c.admin.export_destinations(&destinations).unwrap();
    assert_eq!(
        read_csv(&destinations).0,
        documented_columns("### The 送付先情報")
    );
}
