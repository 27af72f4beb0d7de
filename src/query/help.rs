//! `help` and `help <statement>`: every statement of the [`super::catalogue`] with its
//! Japanese alias, its form, what it does and an example. Given a role, the statements the
//! role may not run are marked, with the permissions they need.

use std::fmt::Write as _;

use crate::auth::{Permission, Role};

use super::catalogue::{self, Entry, Group, CATALOGUE};
use super::keywords::fold;

/// The mark before a statement the role may not run.
const NOT_PERMITTED: &str = "×";

/// The help text: the list of statements, or one statement in detail. Nothing is marked as
/// not permitted; see [`help_for`].
#[cfg(any(test, feature = "testing"))]
pub fn help(topic: Option<&str>) -> String {
    help_for(topic, None)
}

/// The help text as [`help`] gives it, with the statements `role` may not run marked `×` and
/// the permissions they need named.
pub fn help_for(topic: Option<&str>, role: Option<Role>) -> String {
    match topic.map(str::trim).filter(|t| !t.is_empty()) {
        None => list(role),
        Some(t) => match find(t) {
            Some(e) => detail(e, role),
            None => {
                let names: Vec<&str> = CATALOGUE.iter().map(|e| e.name).collect();
                format!(
                    "no statement {}; statements: {}",
                    t.to_uppercase(),
                    names.join(", ")
                )
            }
        },
    }
}

/// Every word a console may offer to complete, each once: the words of every statement's
/// keywords and its Japanese aliases (from the catalogue), the clause words, the field keys
/// of FIND and of every 異動 (from the fields table, as `key=`) and the STATS dimensions.
pub fn completion_words() -> Vec<String> {
    use super::keywords as kw;
    let mut words: Vec<String> = Vec::new();
    let mut add = |w: String| {
        if !words.contains(&w) {
            words.push(w);
        }
    };
    for e in CATALOGUE {
        e.name.split_whitespace().for_each(|w| add(w.to_string()));
        e.aliases.iter().for_each(|a| add(a.to_string()));
    }
    for clause in [
        kw::AS,
        kw::OF,
        kw::ON,
        kw::REPORTED,
        kw::LIMIT,
        kw::SINCE,
        kw::BY,
    ] {
        add(clause[0].to_uppercase());
    }
    for key in ["name", "address", "birth", "sex"] {
        add(format!("{key}="));
    }
    for f in crate::model::ChangeField::ALL {
        add(format!("{}=", f.name()));
    }
    for dim in ["sex", "age", "town", "status"] {
        add(dim.to_string());
    }
    words
}

/// The entry a topic names: its keywords or an alias (`move in`, `転入`), else the first whose
/// name starts with it (`backup` is BACKUP TO).
fn find(topic: &str) -> Option<&'static Entry> {
    let words: Vec<String> = topic.split_whitespace().map(fold).collect();
    if let Some((e, n)) = catalogue::match_start(&words) {
        if n == words.len() {
            return Some(e);
        }
    }
    let upper = topic.to_uppercase();
    CATALOGUE.iter().find(|e| e.name.starts_with(&upper))
}

/// The Japanese aliases, as ` (転入)`, or nothing.
fn aliases(e: &Entry) -> String {
    if e.aliases.is_empty() {
        String::new()
    } else {
        format!(" ({})", e.aliases.join(", "))
    }
}

/// Why `role` may not run `e`, or `None` when it may (or no role is given).
fn refusal(e: &Entry, role: Option<Role>) -> Option<String> {
    let role = role?;
    let missing = e.missing_for(role);
    (!missing.is_empty()).then(|| {
        let names: Vec<&str> = missing.iter().map(|p| p.name()).collect();
        format!("not permitted for {role}: needs {}", names.join(", "))
    })
}

fn list(role: Option<Role>) -> String {
    let mut out = String::from(
        "statements (keywords are case-insensitive; dates are ISO or era: S55.4.1, 令和元年5月1日):\n",
    );
    if let Some(role) = role {
        let _ = writeln!(out, "{NOT_PERMITTED} marks what role {role} may not run");
    }
    for group in Group::ALL {
        let _ = writeln!(out, "{}:", group.title().to_lowercase());
        for e in CATALOGUE.iter().filter(|e| e.group == group) {
            let mark = if refusal(e, role).is_some() {
                NOT_PERMITTED
            } else {
                " "
            };
            let _ = writeln!(out, " {mark} {}{}\n      {}", e.usage(), aliases(e), e.what);
        }
    }
    out.push_str("help <statement> shows one statement with an example.\n");
    out.push_str("in the console: \\timing shows each statement's time, \\x shows one field a line, \\dates era|iso writes dates in 和暦 or ISO, \\q or Ctrl-D leaves, Ctrl-C cancels the line.");
    out
}

fn detail(e: &Entry, role: Option<Role>) -> String {
    let mut out = format!("{}{}\n  {}\n  {}", e.name, aliases(e), e.usage(), e.what);
    if !e.needs.is_empty() {
        let names: Vec<&str> = e.needs.iter().map(|p| p.name()).collect();
        let noun = if names.len() == 1 {
            "permission"
        } else {
            "permissions"
        };
        let _ = write!(out, "\n  needs the {noun}: {}", names.join(", "));
    }
    if e.my_number_when_given() {
        let _ = write!(
            out,
            "\n  my_number= needs the {} permission too",
            Permission::MyNumber.name()
        );
    }
    if let Some(why) = refusal(e, role) {
        let _ = write!(out, "\n  {NOT_PERMITTED} {why}");
    }
    let _ = write!(out, "\nexample:\n  {}", e.example);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_statement_and_finds_by_alias() {
        let all = help(None);
        for e in CATALOGUE {
            assert!(all.contains(&e.usage()), "{}", e.name);
        }
        assert!(all.contains("FIND") && all.contains("検索"));
        assert!(!all.contains(NOT_PERMITTED));
        assert!(help(Some("転入")).starts_with("MOVE IN"));
        assert!(help(Some("move in")).starts_with("MOVE IN"));
        assert!(help(Some("move")).starts_with("MOVE ("));
        assert!(help(Some("find")).contains("example:"));
        assert!(help(Some("nonsense")).starts_with("no statement"));
        assert!(help(Some("backup")).contains("manifest"));
        assert!(help(Some("backup")).contains("needs the permission: export"));
        assert!(help(Some("COMPACT")).contains("to itself"));
        assert!(help(Some("audit verify")).starts_with("AUDIT VERIFY"));
    }

    #[test]
    fn marks_what_a_role_may_not_run() {
        let viewer = help_for(None, Some(Role::Viewer));
        let marked = |name: &str| {
            let usage = catalogue::entry(name).unwrap().usage();
            viewer
                .lines()
                .any(|l| l.starts_with(&format!(" {NOT_PERMITTED} {usage}")))
        };
        assert!(marked("MOVE IN"));
        assert!(marked("SHOW MYNUMBER"));
        assert!(!marked("FIND"));
        assert!(!marked("HELP"));
        let one = help_for(Some("EXPORT"), Some(Role::Clerk));
        assert!(
            one.contains("not permitted for clerk: needs export"),
            "{one}"
        );
        assert!(!help_for(Some("EXPORT"), Some(Role::Admin)).contains(NOT_PERMITTED));
    }
}
