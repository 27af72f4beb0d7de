//! `juki changes --since N [--follow]`: the change feed as JSON Lines, for another system
//! (the prefecture's server) to consume.
//!
//! Without `--follow` it prints every change after N and exits. With it, it keeps going:
//! after printing what there is it closes the database (a redb file is open in one process
//! at a time, and the operators' consoles need it), waits until the file changes, opens it
//! again, signs in again with the same credentials, and prints what was committed since.
//! While another process holds the file it waits for it. Each round is an ordinary audited
//! `CHANGES SINCE` read. My Numbers are masked unless `--with-my-number` is given and the
//! operator is permitted to see them (the read is then logged as such). With
//! `--notification` each entry carries the items of the 本人確認情報 notification
//! (docs/cli.md), for an operator with the notification permission.
//!
//! While `juki serve` holds the register, the feed comes from the server instead: one
//! session, and with `--follow` every change pushed as soon as it is durable, with no
//! rounds of opening and no interval.

use super::{fail, key, signin, EXIT_AUTH, EXIT_OK};
use crate::console::format::{print, DateStyle, Format, TableStyle};
use juki::{FeedItems, Output};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Changes fetched per statement.
const PAGE: usize = 1000;

/// What `juki changes` was asked.
pub struct Feed {
    /// The server to go through, when there is one; else the file is opened.
    pub remote: Option<super::Remote>,
    pub db: PathBuf,
    pub key_file: Option<PathBuf>,
    pub operator: Option<String>,
    pub terminal: Option<String>,
    pub since: u64,
    pub follow: bool,
    pub interval: Duration,
    pub items: FeedItems,
    /// Open the file read-only: the rounds leave no trace in it (`--read-only`, a backup).
    pub read_only: bool,
}

/// Why a round ended without printing everything.
enum Round {
    /// The file is held by another process (or briefly unreadable): try again later.
    Busy,
    /// A failure to report; the exit status.
    Failed(u8),
}

/// Runs the feed; the exit status.
pub fn run(f: Feed) -> u8 {
    let terminal = signin::terminal(f.terminal.clone());
    let credentials = signin::operator(f.operator.clone())
        .and_then(|op| signin::password(&format!("password for {op}: ")).map(|pw| (op, pw)));
    let (operator, password) = match credentials {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error[AUTH_FAILED]: {}", e.0);
            return EXIT_AUTH;
        }
    };
    if let Some(server) = &f.remote {
        return through_server(&f, server, (&operator, &password, &terminal));
    }
    let key = match juki::is_encrypted(&f.db) {
        Ok(true) => match key::for_open(&f.db, f.key_file.as_deref()) {
            Ok(k) => Some(k),
            Err(e) => return fail(e.code(), e),
        },
        _ => None,
    };
    let mut next = f.since;
    let mut seen: Option<SystemTime> = None;
    loop {
        let stamp = modified(&f.db);
        if seen.is_none() || stamp != seen {
            let who = (operator.as_str(), password.as_str(), terminal.as_str());
            match round(&f.db, key.as_ref(), who, (f.items, f.read_only), &mut next) {
                // Stamped after the round: its own log entries changed the file too.
                Ok(()) => seen = modified(&f.db),
                Err(Round::Busy) if !f.follow => {
                    return fail(
                        "IO",
                        format!(
                            "{} is open in another process; try again when it is free, or follow with --follow",
                            f.db.display()
                        ),
                    )
                }
                Err(Round::Busy) => {}
                Err(Round::Failed(code)) => return code,
            }
        }
        if !f.follow {
            return EXIT_OK;
        }
        std::thread::sleep(f.interval);
    }
}

/// The feed from the server that holds the register: pushed by it, no rounds of opening.
fn through_server(
    f: &Feed,
    server: &super::Remote,
    (operator, password, terminal): (&str, &str, &str),
) -> u8 {
    let session = match server
        .connect()
        .and_then(|c| c.sign_in(operator, password, terminal))
    {
        Ok(s) => s,
        Err(e) => return fail(e.code(), e),
    };
    let mut out = std::io::stdout().lock();
    let mut failed = None;
    let fed = session.changes(f.since, f.items, f.follow, |rows| {
        let printed = print(
            &mut out,
            &Output::Rows(rows),
            Format::Json,
            STYLE,
            DateStyle::Iso,
        )
        .and_then(|()| out.flush());
        match printed {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        }
    });
    match (fed, failed) {
        (_, Some(e)) => fail("IO", format!("writing the feed: {e}")),
        (Err(e), None) => fail(e.code(), e),
        (Ok(()), None) => EXIT_OK,
    }
}

/// JSON Lines ignore the table's layout.
const STYLE: TableStyle = TableStyle {
    width: 120,
    expanded: false,
};

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Opens the database, prints every change after `*next`, advances `*next`, closes it.
fn round(
    db: &Path,
    key: Option<&juki::Key>,
    (operator, password, terminal): (&str, &str, &str),
    (items, read_only): (FeedItems, bool),
    next: &mut u64,
) -> Result<(), Round> {
    let builder = juki::Juki::builder(db).read_only(read_only);
    let opened = match key {
        Some(k) => builder.key(k.clone()).open(),
        None => builder.open(),
    };
    let juki = match opened {
        Ok(j) => j,
        Err(e) if in_use(&e) => return Err(Round::Busy),
        Err(e) => return Err(Round::Failed(fail(e.code(), e))),
    };
    let session = juki.sign_in(operator, password, terminal).map_err(|e| {
        eprintln!("error[AUTH_FAILED]: {e}");
        Round::Failed(EXIT_AUTH)
    })?;
    let mut out = std::io::stdout().lock();
    loop {
        let page = session.feed_page(*next, items, PAGE);
        let rows = page.map_err(|e| Round::Failed(fail(e.code(), e)))?;
        let n = rows.rows.len();
        let last = rows.last_seq();
        print(
            &mut out,
            &Output::Rows(rows),
            Format::Json,
            STYLE,
            DateStyle::Iso,
        )
        .and_then(|()| out.flush())
        .map_err(|e| Round::Failed(fail("IO", format!("writing the feed: {e}"))))?;
        match last {
            Some(seq) => *next = seq,
            None => return Ok(()),
        }
        if n < PAGE {
            return Ok(());
        }
    }
}

/// Whether opening failed because another process has the file.
fn in_use(e: &juki::Error) -> bool {
    e.is_in_use()
}
