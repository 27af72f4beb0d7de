//! The statement catalogue, the fields table, `help`, the parser and the documents agree.
//!
//! * every catalogue statement is listed by `help`, parses from its example to a statement
//!   of its own name, and is described in docs/query-language.md;
//! * the generated parts of docs/query-language.md (the statement reference and the fields of
//!   each 異動) equal what the catalogue and the fields table say now;
//! * the permissions the catalogue names are the ones a session enforces;
//! * every subcommand `juki --help` lists is described in docs/cli.md;
//! * no document or source file links outside the repository.
//!
//! When the catalogue or the fields table change on purpose, rewrite the generated parts
//! with `JUKI_WRITE_DOCS=1 cargo test --test catalogue`, then read the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{Fixture, ADMIN, PASSWORD};
use juki::testing::{change_entry, Entry, Group, CATALOGUE};
use juki::testing::{help, parse_statement, ChangeKind, Executor};
use juki::{ChangeField, FIELD_RULES};
use juki::{Permission, Role};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---- the generated parts of docs/query-language.md ----

/// The statement reference, one section per group.
fn statement_reference() -> String {
    let mut out = String::new();
    for group in Group::ALL {
        out.push_str(&format!("\n### {}\n", group.title()));
        for e in CATALOGUE.iter().filter(|e| e.group == group) {
            out.push_str(&statement_section(e));
        }
    }
    out.push('\n');
    out
}

fn statement_section(e: &Entry) -> String {
    let aliases = if e.aliases.is_empty() {
        String::new()
    } else {
        format!(" ({})", e.aliases.join(", "))
    };
    let needs = if e.needs.is_empty() {
        "nothing (any signed-in operator)".to_string()
    } else {
        let names: Vec<&str> = e.needs.iter().map(|p| p.name()).collect();
        names.join(", ")
    };
    let needs = if e.my_number_when_given() {
        format!(
            "{needs}; with my_number=, {} too",
            Permission::MyNumber.name()
        )
    } else {
        needs
    };
    let mut what = e.what.chars();
    let what: String = what
        .next()
        .map(|first| first.to_uppercase().chain(what).collect())
        .unwrap_or_default();
    format!(
        "\n#### {}{aliases}\n\n`{}`\n\n{what}. Needs: {needs}.\n\n```\n{}\n```\n",
        e.name,
        e.usage(),
        e.example
    )
}

/// The fields each 異動 takes, from the fields table.
fn fields_table() -> String {
    let list = |fields: &[ChangeField]| -> String {
        let names: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
        if names.is_empty() {
            "—".to_string()
        } else {
            names.join(" ")
        }
    };
    let mut out = String::from(
        "\n| statement | 異動事由 | required | optional | at least one of | needs with it |\n\
         | --- | --- | --- | --- | --- | --- |\n",
    );
    for kind in ChangeKind::ALL {
        let rule = kind.fields();
        let pairs: Vec<String> = rule
            .pairs
            .iter()
            .map(|(a, b)| format!("`{b}` with `{a}`"))
            .collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            kind.name(),
            kind.reason(),
            list(rule.required),
            list(rule.optional),
            list(rule.one_of),
            if pairs.is_empty() {
                "—".to_string()
            } else {
                pairs.join(", ")
            }
        ));
    }
    out.push('\n');
    out
}

/// The text between `<!-- BEGIN generated: name -->` and `<!-- END generated: name -->`.
fn generated<'a>(doc: &'a str, name: &str) -> (usize, usize, &'a str) {
    let begin = format!("<!-- BEGIN generated: {name} -->");
    let end = format!("<!-- END generated: {name} -->");
    let start = doc
        .find(&begin)
        .unwrap_or_else(|| panic!("docs/query-language.md lacks {begin}"))
        + begin.len();
    let stop = doc[start..]
        .find(&end)
        .unwrap_or_else(|| panic!("docs/query-language.md lacks {end}"))
        + start;
    (start, stop, &doc[start..stop])
}

#[test]
fn query_language_doc_matches_the_catalogue_and_the_fields_table() {
    let path = root().join("docs/query-language.md");
    let mut doc = read(&path);
    let parts = [
        ("statements", statement_reference()),
        ("fields", fields_table()),
    ];
    if std::env::var_os("JUKI_WRITE_DOCS").is_some() {
        for (name, text) in &parts {
            let (start, stop, _) = generated(&doc, name);
            doc.replace_range(start..stop, text);
        }
        std::fs::write(&path, &doc).expect("writing docs/query-language.md");
    }
    for (name, text) in &parts {
        let (_, _, found) = generated(&doc, name);
        assert!(
            found == text,
            "the {name} part of docs/query-language.md differs from the code; \
             run JUKI_WRITE_DOCS=1 cargo test --test catalogue and read the diff.\n\
             expected:\n{text}"
        );
    }
}

#[test]
fn the_fields_table_has_a_row_per_change_statement() {
    // MOVE HOUSEHOLD records 転居 as MOVE does, with a row of its own (HOUSEHOLD_MOVE).
    let mut reasons: Vec<_> = ChangeKind::ALL.iter().map(|k| k.to_reason()).collect();
    reasons.sort();
    reasons.dedup();
    let mut rows: Vec<_> = FIELD_RULES
        .iter()
        .map(|r| r.reason)
        .filter(|r| r.by_statement())
        .collect();
    rows.sort();
    assert_eq!(reasons, rows);
    for kind in ChangeKind::ALL {
        let usage = change_entry(kind).usage();
        for field in kind.fields().allowed() {
            // The items stand under their own keys: `<item>=…`.
            let key = match field {
                juki::ChangeField::Items => "<item>".to_string(),
                f => f.name().to_string(),
            };
            assert!(usage.contains(&format!("{key}=")), "{usage} lacks {field}");
        }
    }
}

// ---- help and the parser ----

#[test]
fn every_statement_is_in_help_and_parses_from_its_example() {
    let all = help(None);
    for e in CATALOGUE {
        assert!(all.contains(&e.usage()), "help lacks {}", e.name);
        assert!(
            help(Some(e.name)).starts_with(e.name),
            "help {} finds another statement",
            e.name
        );
        let parsed = parse_statement(e.example)
            .unwrap_or_else(|err| panic!("the example of {}: {}", e.name, err.render(e.example)));
        assert_eq!(parsed.kind_name(), e.name, "the example of {}", e.name);
        for alias in e.aliases {
            let text = e.example.replacen(e.name, alias, 1);
            let parsed = parse_statement(&text)
                .unwrap_or_else(|err| panic!("{alias}: {}", err.render(&text)));
            assert_eq!(parsed.kind_name(), e.name, "{text}");
        }
    }
}

#[test]
fn every_statement_is_in_the_query_language_doc() {
    let doc = read(&root().join("docs/query-language.md"));
    for e in CATALOGUE {
        assert!(
            doc.contains(&format!("#### {}", e.name)),
            "docs/query-language.md lacks {}",
            e.name
        );
    }
}

// ---- permissions ----

#[test]
fn the_permissions_named_are_the_ones_enforced() {
    const SECRET: &str = "operator-pass-1";
    let f = Fixture::new();
    for role in Role::ALL {
        if role != Role::Admin {
            f.db.create_operator(role.name(), role, SECRET).unwrap();
        }
    }
    for role in Role::ALL {
        let (id, password) = match role {
            Role::Admin => (ADMIN, PASSWORD),
            _ => (role.name(), SECRET),
        };
        let session = f.juki.sign_in(id, password, "test").unwrap();
        let exec = Executor::new(&session);
        for e in CATALOGUE.iter().filter(|e| !e.needs.is_empty()) {
            let denied = exec
                .run(e.example)
                .err()
                .is_some_and(|err| err.code() == "PERMISSION_DENIED");
            // A 異動 that writes a My Number needs that permission too (help says so).
            let writes_my_number = e.example.contains("my_number=") && e.my_number_when_given();
            let allowed = e.allowed_for(role)
                && (!writes_my_number || role.allows(Permission::MyNumber))
                && (!e.reads_history(e.example) || role.allows(Permission::History));
            assert_eq!(
                denied, !allowed,
                "{role} running {}: the catalogue says it needs {:?}",
                e.name, e.needs
            );
        }
    }
}

// ---- the command line ----

/// The subcommands `juki --help` lists (without clap's own `help`).
fn subcommands() -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_juki"))
        .arg("--help")
        .output()
        .expect("running juki --help");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("UTF-8 help");
    text.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_subcommand_is_described_in_the_cli_doc() {
    let doc = read(&root().join("docs/cli.md"));
    let names = subcommands();
    assert!(names.len() >= 9, "juki --help lists {names:?}");
    for name in names {
        assert!(
            doc.contains(&format!("### `juki {name}")),
            "docs/cli.md does not describe juki {name}"
        );
    }
}

// ---- links ----

/// Every file under `dir` (recursively) whose name ends with one of `exts`.
fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("target") && !path.ends_with("corpus") {
                files(&path, exts, out);
            }
        } else if exts
            .iter()
            .any(|ext| path.extension().is_some_and(|e| e == *ext))
        {
            out.push(path);
        }
    }
}

#[test]
fn nothing_links_outside_the_repository() {
    let root = root();
    let mut paths = Vec::new();
    for dir in ["src", "tests", "benches", "fuzz", "examples", "docs"] {
        files(&root.join(dir), &["rs", "md"], &mut paths);
    }
    for file in ["README.md", "DESIGN.md", "BENCHMARKS.md"] {
        paths.push(root.join(file));
    }
    let outside = [
        "../shared",
        "shared/spec",
        "shared/domain",
        "spec/",
        "domain/",
    ];
    for path in paths {
        if path.ends_with("tests/catalogue.rs") {
            continue;
        }
        let text = read(&path);
        for (n, line) in text.lines().enumerate() {
            if let Some(bad) = outside.iter().find(|o| line.contains(*o)) {
                panic!(
                    "{}:{}: links outside ({bad}): {line}",
                    path.display(),
                    n + 1
                );
            }
        }
    }
}
