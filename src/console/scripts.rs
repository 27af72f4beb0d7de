//! Script tests of the console: files under tests/scripts/ hold statements (lines starting with `> `) each
//! followed by the exact output the `juki` console prints for it, errors included, up to the
//! next statement or comment. Each file
//! runs against a fresh database whose "today" is 2026-11-27. Lines starting with `#` are
//! comments. The directives `\format table|json|csv`, `\x` and `\dates era|iso` change
//! how what follows is printed. `UPDATE_SCRIPTS=1 cargo test --bin juki scripts` rewrites the
//! expected output (read the diff before committing it).

use super::format::{DateStyle, Format, TableStyle};
use super::Console;
use juki::Clock;
use juki::Date;
use std::path::Path;

fn run_script(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The scripts' register is 芦屋市's, with its address dictionary in force from the
    // scripts' first day.
    let juki = juki::Juki::builder(dir.path().join("script.redb"))
        .municipality("282065")
        .and_then(|b| {
            b.towns(
                juki::Date::parse("1900-01-01").unwrap(),
                juki::TownDictionary::ashiya_csv(),
            )
        })
        .and_then(|b| b.create_with_admin("admin1", "script-password"))
        .unwrap();
    juki.set_clock(Clock::Fixed(Date::parse("2026-11-27").unwrap()));
    let mut session = Console {
        link: super::Link::Local(juki.sign_in("admin1", "script-password", "test").unwrap()),
        format: Format::Table,
        style: TableStyle {
            width: 400,
            expanded: false,
        },
        dates: DateStyle::Iso,
        timing: false,
    };
    let mut actual = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(stmt) = line.strip_prefix("> ") {
            actual.push_str(line);
            actual.push('\n');
            // Skip the recorded output: everything up to the next statement or comment (an
            // output may hold blank lines, as a certificate does). The blank lines it ends
            // with beyond those the new output ends with separate it from what follows, and
            // are kept.
            let mut blank_after = 0;
            while let Some(l) = lines.next_if(|l| !l.starts_with("> ") && !l.starts_with('#')) {
                blank_after = if l.is_empty() { blank_after + 1 } else { 0 };
            }
            if let Some(directive) = stmt.strip_prefix("\\format ") {
                session.format = match directive.trim() {
                    "json" => Format::Json,
                    "csv" => Format::Csv,
                    _ => Format::Table,
                };
                continue;
            }
            if let Some(arg) = stmt.strip_prefix(super::DATES_COMMAND) {
                session.dates_command(arg).expect("\\dates era or iso");
                continue;
            }
            if stmt.trim() == "\\x" {
                session.style.expanded = !session.style.expanded;
                continue;
            }
            let mut out = Vec::new();
            let mut err = Vec::new();
            session.run_text(stmt, &mut out, &mut err);
            let printed = String::from_utf8(out).unwrap() + &String::from_utf8(err).unwrap();
            let blank_in_output = printed.lines().rev().take_while(|l| l.is_empty()).count();
            actual.push_str(&printed);
            for _ in blank_in_output..blank_after {
                actual.push('\n');
            }
        } else {
            actual.push_str(line);
            actual.push('\n');
        }
    }
    (text, actual)
}

#[test]
fn scripts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "test"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scripts in {}", dir.display());
    let update = std::env::var_os("UPDATE_SCRIPTS").is_some();
    let mut failed = Vec::new();
    for f in &files {
        let (expected, actual) = run_script(f);
        if expected != actual {
            if update {
                std::fs::write(f, &actual).unwrap();
            } else {
                eprintln!(
                    "--- {} expected\n{expected}\n--- actual\n{actual}",
                    f.display()
                );
                failed.push(f.display().to_string());
            }
        }
    }
    assert!(failed.is_empty(), "scripts differ: {failed:?}");
}
