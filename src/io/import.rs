//! `juki import`: loads a residents CSV (`residents-csv.md`) and, when there is one, its
//! history companion, in one write transaction.
//!
//! # What happens
//! 1. The residents file is read as a stream of records and every row is validated
//!    ([`crate::io::csv_row::validate_row`]) on worker threads while the next records are
//!    read. The validated rows are kept in memory (about the size of the file) because the
//!    checks across rows need the whole file.
//! 2. The checks across rows and against the database, inside the import's own write
//!    transaction: resident codes and My Numbers already in the database, codes and numbers
//!    that repeat within the file (every occurrence is bad), households that already have
//!    active members in the database, and households without exactly one valid 世帯主 in
//!    the file. With `skip_bad`, a household whose 世帯主 row is bad cannot be loaded, so its
//!    other rows are bad too, and the reason says so.
//! 3. Without `skip_bad`, any bad row ends the import before anything is written, with every
//!    bad row listed (line, column, reason). With it, the bad rows go to the rejects file
//!    verbatim (same encoding, same line ends) with a `reason` column added.
//! 4. Each good row becomes a 転入 dated `moved_in_date`, 世帯主 first in each household.
//! 5. The history companion, if any, follows the 転入 in `seq` order. Both go through the
//!    engine's write path (`write::apply`, every check of a statement), staged in memory
//!    and inserted into the tables in key order ([`crate::store::BulkLoad::record_staged`]),
//!    in one transaction. A change the engine refuses ends the import (nothing is
//!    written). With `skip_bad`, history rows about a rejected resident or household (and
//!    the later rows of residents born in skipped rows) are skipped and written to
//!    `REJECTS.history.csv` (the rejects path with its extension replaced by
//!    `history.csv`).
//! 6. One durable commit. Killed before it, the database is as it was.
//!
//! # The history companion
//! [`ImportOptions::new`] takes `FILE.history.csv` beside `FILE.csv` when it exists (the
//! name `juki gen --history` writes); `history: None` imports the residents only. Its
//! format is described in [`crate::io::generator`]; it is read in the same encoding as the
//! residents file.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::csv_row::{validate_row, Encoding, Header, Problem, RawRecord, Records, ValidRow};
use super::generator::{parse_history_record, HISTORY_HEADER};
use crate::model::Reason;
use crate::store::{Change, Fields, StoreError};
use crate::Database;

/// What to import and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// The residents file.
    pub path: PathBuf,
    /// The history companion to apply after the residents, if any.
    pub history: Option<PathBuf>,
    /// Write the good rows and put the bad ones in this file, instead of refusing the
    /// whole import.
    pub skip_bad: Option<PathBuf>,
    /// The files' encoding.
    pub encoding: Encoding,
    /// The operator recorded with every version written.
    pub operator: Option<String>,
    /// The terminal recorded with every version written.
    pub terminal: Option<String>,
}

impl ImportOptions {
    /// Options for `path`, UTF-8, all or nothing, with the companion
    /// ([`ImportOptions::companion_of`]) when that file exists.
    pub fn new(path: impl Into<PathBuf>) -> ImportOptions {
        let path = path.into();
        let companion = Self::companion_of(&path);
        ImportOptions {
            history: companion.is_file().then_some(companion),
            path,
            skip_bad: None,
            encoding: Encoding::Utf8,
            operator: None,
            terminal: None,
        }
    }

    /// The companion history file of a residents file: `FILE.history.csv` for `FILE.csv`.
    pub fn companion_of(path: &Path) -> PathBuf {
        path.with_extension("history.csv")
    }
}

/// Whether to draw a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A bar on standard error when it is a terminal (rows/s and time left); nothing
    /// otherwise.
    Bar,
    /// Nothing.
    Quiet,
}

/// The closing report of an import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    /// Data rows read from the residents file.
    pub read: u64,
    /// Residents written.
    pub written: u64,
    /// Rows rejected (written to the rejects file).
    pub rejected: u64,
    /// History rows applied.
    pub history_applied: u64,
    /// History rows skipped because their resident or household was rejected.
    pub history_skipped: u64,
    /// Seconds from start to commit.
    pub seconds: f64,
    /// Rows read per second.
    pub rows_per_sec: f64,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read {} rows, wrote {}, rejected {}",
            self.read, self.written, self.rejected
        )?;
        if self.history_applied > 0 || self.history_skipped > 0 {
            write!(f, "; history: {} applied", self.history_applied)?;
            if self.history_skipped > 0 {
                write!(f, ", {} skipped", self.history_skipped)?;
            }
        }
        write!(
            f,
            "; {:.1} s, {:.0} rows/s",
            self.seconds, self.rows_per_sec
        )
    }
}

/// One bad row: the file, its line (1-based physical line, header = 1), column and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The file the row is in.
    pub file: PathBuf,
    /// The line the row starts on.
    pub line: u64,
    /// The column (`(row)` for the row as a whole).
    pub column: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.reason
        )
    }
}

/// Why an import wrote nothing.
#[derive(Debug)]
pub enum ImportError {
    /// Bad rows (every one of them); nothing was written.
    BadRows(Vec<RowError>),
    /// The engine refused a change (a history row, or a 転入); nothing was written.
    Refused {
        /// The file and line of the row.
        row: Box<RowError>,
        /// The engine's error.
        error: Box<StoreError>,
    },
    /// Reading an input or writing the rejects file failed.
    Io(String),
    /// The database failed.
    Store(StoreError),
}

impl ImportError {
    /// The error code of the `juki` command contract.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::BadRows(_) => "INVALID_VALUE",
            ImportError::Refused { error, .. } => error.code(),
            ImportError::Io(_) => "IO",
            ImportError::Store(e) => e.code(),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::BadRows(rows) => {
                let lines: HashSet<(&Path, u64)> =
                    rows.iter().map(|r| (r.file.as_path(), r.line)).collect();
                write!(
                    f,
                    "{} bad row(s), nothing was imported (use --skip-bad REJECTS.csv to load the good rows):",
                    lines.len()
                )?;
                for r in rows {
                    write!(f, "\n  {r}")?;
                }
                Ok(())
            }
            ImportError::Refused { row, error } => write!(
                f,
                "{}:{}: {error}; nothing was imported",
                row.file.display(),
                row.line
            ),
            ImportError::Io(e) => write!(f, "{e}"),
            ImportError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ImportError {}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        ImportError::Store(e)
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> ImportError + '_ {
    move |e| ImportError::Io(format!("{}: {e}", path.display()))
}

/// A data row of the residents file after reading.
struct Row {
    line: u64,
    offset: u64,
    len: usize,
    /// The validated values, or `None` when the row is bad on its own.
    valid: Option<ValidRow>,
    /// For a row bad on its own: its household and whether it names the 世帯主, when those
    /// two cells are readable.
    claims: Option<(u64, bool)>,
    problems: Vec<Problem>,
}

impl Row {
    fn is_good(&self) -> bool {
        self.valid.is_some() && self.problems.is_empty()
    }
}

const CHUNK: usize = 4096;

/// Imports a residents file (and its history companion) into `db`; see the module
/// documentation.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn import(
    db: &Database,
    opts: &ImportOptions,
    progress: Progress,
) -> Result<ImportReport, ImportError> {
    import_with(db, opts, progress, |_, _| Ok(()))
}

/// [`import`], running `before_commit` in the import's transaction with the rows read and
/// written (the seam for the operation-log entry of the import).
pub(crate) fn import_with(
    db: &Database,
    opts: &ImportOptions,
    progress: Progress,
    before_commit: impl FnOnce(&redb::WriteTransaction, (u64, u64)) -> crate::store::Result<()>,
) -> Result<ImportReport, ImportError> {
    let start = Instant::now();
    let bar = Bar::new(progress);
    let today = db.today();
    let file = File::open(&opts.path).map_err(io_err(&opts.path))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut records = Records::new(BufReader::with_capacity(1 << 20, file));
    let header_rec = records
        .next_record()
        .map_err(io_err(&opts.path))?
        .ok_or_else(|| {
            ImportError::BadRows(vec![row_error(
                &opts.path,
                1,
                Problem::row("the file is empty: no header"),
            )])
        })?;
    let header = Header::parse(&header_rec, opts.encoding).map_err(|ps| {
        ImportError::BadRows(
            ps.into_iter()
                .map(|p| row_error(&opts.path, header_rec.line, p))
                .collect(),
        )
    })?;

    // 1. Read and validate, in parallel with reading.
    bar.start_bytes(size, "reading");
    let mut rows =
        read_rows(&mut records, &header, opts.encoding, today, &bar).map_err(io_err(&opts.path))?;
    let read = rows.len() as u64;

    // 2. Checks across rows and against the database.
    let mut load = db.begin_bulk()?;
    bar.spin("checking");
    let good: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].is_good()).collect();
    let taken = load.taken(good.iter().map(|&i| {
        let v = rows[i].valid.as_ref().expect("good rows are valid");
        (v.code, v.my_number, v.household)
    }))?;
    for (&i, t) in good.iter().zip(taken) {
        let v = rows[i].valid.as_ref().expect("good rows are valid");
        let h = v.household;
        let p = &mut rows[i].problems;
        if t.code {
            p.push(Problem::new(
                "resident_code",
                "conflict: the resident code already exists in the database",
            ));
        }
        if t.my_number {
            p.push(Problem::new(
                "my_number",
                "conflict: the My Number already exists in the database",
            ));
        }
        if t.household {
            p.push(Problem::new(
                "household_id",
                format!("conflict: household {h} already has residents in the database"),
            ));
        }
    }
    repeats(&mut rows, &good, "resident_code", "resident code", |v| {
        v.code.get()
    });
    repeats(&mut rows, &good, "my_number", "My Number", |v| {
        v.my_number.get()
    });
    households(&mut rows, opts.skip_bad.is_some());

    let bad: Vec<usize> = (0..rows.len()).filter(|&i| !rows[i].is_good()).collect();
    if !bad.is_empty() && opts.skip_bad.is_none() {
        bar.finish();
        let mut errors = Vec::new();
        for &i in &bad {
            for p in &rows[i].problems {
                errors.push(row_error(&opts.path, rows[i].line, p.clone()));
            }
        }
        return Err(ImportError::BadRows(errors));
    }

    // 3. The 転入, 世帯主 first in each household.
    let mut changes: Vec<Change> = Vec::with_capacity(rows.len() - bad.len());
    let mut lines: Vec<u64> = Vec::with_capacity(rows.len() - bad.len());
    {
        let mut heads_seen: HashSet<u64> = HashSet::new();
        let mut waiting: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            if !row.is_good() {
                continue;
            }
            let v = row.valid.as_ref().expect("good rows are valid");
            let h = v.household.get();
            if v.relationship.is_head() {
                heads_seen.insert(h);
                changes.push(move_in(v, opts));
                lines.push(row.line);
                for j in waiting.remove(&h).unwrap_or_default() {
                    changes.push(move_in(rows[j].valid.as_ref().expect("valid"), opts));
                    lines.push(rows[j].line);
                }
            } else if heads_seen.contains(&h) {
                changes.push(move_in(v, opts));
                lines.push(row.line);
            } else {
                waiting.entry(h).or_default().push(i);
            }
        }
    }
    let rejected_codes: HashSet<u64> = bad
        .iter()
        .filter_map(|&i| rows[i].valid.as_ref().map(|v| v.code.get()))
        .collect();
    let rejected_households: HashSet<u64> = bad
        .iter()
        .filter_map(|&i| rows[i].valid.as_ref().map(|v| v.household.get()))
        .collect();

    // 4. The history companion: read and check every row before writing anything.
    let history = match &opts.history {
        Some(path) => Some(read_history(
            path,
            opts,
            rejected_codes,
            rejected_households,
        )?),
        None => None,
    };

    // 5. Write: the 転入, then the history, through the engine's write path (staged in
    //    memory, inserted in key order), then the rejects, then commit.
    // The validated rows of good records are in `changes` now; free them.
    for row in rows.iter_mut().filter(|r| r.is_good()) {
        row.valid = None;
    }
    let n_moves = changes.len();
    let (history_lines, history_changes, history_skipped) = match history {
        Some(h) => {
            let (lines, changes): (Vec<u64>, Vec<Change>) = h.changes.into_iter().unzip();
            (lines, changes, Some((h.skipped, h.header)))
        }
        None => (Vec::new(), Vec::new(), None),
    };
    let n_history = history_changes.len();
    bar.start_rows((n_moves + n_history) as u64, "writing");
    let all = changes.into_iter().chain(history_changes);
    let total = n_moves + n_history;
    load.record_staged(all, |done| {
        if done == total {
            bar.spin("writing the tables in key order");
        } else {
            bar.set_rows(done as u64);
        }
    })
    .map_err(|e| {
        if e.index < n_moves {
            refused(
                &opts.path,
                lines.get(e.index).copied().unwrap_or(0),
                e.error,
            )
        } else {
            let file = opts.history.as_deref().unwrap_or(&opts.path);
            let line = history_lines.get(e.index - n_moves).copied().unwrap_or(0);
            refused(file, line, e.error)
        }
    })?;
    let written = n_moves as u64;
    let history_applied = n_history as u64;
    if let Some(rejects) = &opts.skip_bad {
        write_rejects(&opts.path, rejects, &header_rec, opts.encoding, &rows, &bad)?;
        if let (Some((skipped, header)), Some(path)) = (&history_skipped, &opts.history) {
            if !skipped.is_empty() {
                write_history_rejects(path, rejects, header, skipped, opts.encoding)?;
            }
        }
    }
    bar.spin("committing");
    load.commit_with(|txn| before_commit(txn, (read, written)))?;
    bar.finish();
    let seconds = start.elapsed().as_secs_f64();
    Ok(ImportReport {
        read,
        written,
        rejected: bad.len() as u64,
        history_applied,
        history_skipped: history_skipped.as_ref().map_or(0, |(s, _)| s.len() as u64),
        seconds,
        rows_per_sec: if seconds > 0.0 {
            read as f64 / seconds
        } else {
            0.0
        },
    })
}

fn refused(file: &Path, line: u64, error: StoreError) -> ImportError {
    ImportError::Refused {
        row: Box::new(RowError {
            file: file.to_path_buf(),
            line,
            column: super::csv_row::ROW.into(),
            reason: error.to_string(),
        }),
        error: Box::new(error),
    }
}

fn row_error(file: &Path, line: u64, p: Problem) -> RowError {
    RowError {
        file: file.to_path_buf(),
        line,
        column: p.column,
        reason: p.reason,
    }
}

fn move_in(v: &ValidRow, opts: &ImportOptions) -> Change {
    let mut c = Change::new(Reason::MoveIn, v.code, v.moved_in).with(Fields {
        my_number: Some(v.my_number),
        name: Some(v.name.clone()),
        kana: Some(v.kana.clone()),
        sex: Some(v.sex),
        birth: Some(v.birth),
        address: Some(v.address.clone()),
        postal: Some(v.postal),
        household: Some(v.household),
        relationship: Some(v.relationship.clone()),
        ..Fields::default()
    });
    c.operator.clone_from(&opts.operator);
    c.terminal.clone_from(&opts.terminal);
    c
}

/// Reads every data record and validates it on worker threads, in order.
fn read_rows<R: std::io::BufRead>(
    records: &mut Records<R>,
    header: &Header,
    encoding: Encoding,
    today: crate::model::Date,
    bar: &Bar,
) -> std::io::Result<Vec<Row>> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    let mut out: Vec<Row> = Vec::new();
    std::thread::scope(|s| -> std::io::Result<()> {
        let (done_tx, done_rx) = mpsc::channel::<(usize, Vec<Row>)>();
        let mut senders = Vec::new();
        for _ in 0..workers {
            let (tx, rx) = mpsc::sync_channel::<(usize, Vec<RawRecord>)>(4);
            senders.push(tx);
            let done = done_tx.clone();
            s.spawn(move || {
                for (k, chunk) in rx {
                    let rows = chunk
                        .into_iter()
                        .map(|rec| {
                            let (valid, problems) =
                                match validate_row(&rec, header, encoding, today) {
                                    Ok(v) => (Some(v), Vec::new()),
                                    Err(p) => (None, p),
                                };
                            let claims = if valid.is_none() {
                                claims(&rec, header, encoding)
                            } else {
                                None
                            };
                            Row {
                                line: rec.line,
                                offset: rec.offset,
                                len: rec.bytes.len() + rec.ending.len(),
                                valid,
                                claims,
                                problems,
                            }
                        })
                        .collect();
                    if done.send((k, rows)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let mut pending: std::collections::BTreeMap<usize, Vec<Row>> = Default::default();
        let mut next = 0usize;
        let mut sent = 0usize;
        let take = |pending: &mut std::collections::BTreeMap<usize, Vec<Row>>,
                    next: &mut usize,
                    out: &mut Vec<Row>| {
            while let Some(rows) = pending.remove(next) {
                out.extend(rows);
                *next += 1;
            }
        };
        loop {
            let mut chunk = Vec::with_capacity(CHUNK);
            while chunk.len() < CHUNK {
                match records.next_record()? {
                    Some(r) => chunk.push(r),
                    None => break,
                }
            }
            let last = chunk.len() < CHUNK;
            if !chunk.is_empty() {
                senders[sent % workers]
                    .send((sent, chunk))
                    .expect("workers live until their channel closes");
                sent += 1;
            }
            while let Ok((k, rows)) = done_rx.try_recv() {
                pending.insert(k, rows);
            }
            take(&mut pending, &mut next, &mut out);
            bar.set_bytes(records.consumed, out.len() as u64);
            if last {
                break;
            }
        }
        drop(senders);
        for (k, rows) in done_rx {
            pending.insert(k, rows);
        }
        take(&mut pending, &mut next, &mut out);
        Ok(())
    })?;
    Ok(out)
}

/// The household and head flag of a row that failed validation, when readable.
fn claims(rec: &RawRecord, header: &Header, encoding: Encoding) -> Option<(u64, bool)> {
    use super::csv_row::Column;
    use crate::model::{HouseholdId, Relationship};
    let cells = rec.cells().ok()?;
    if cells.len() != header.width() {
        return None;
    }
    let text = |c: Column| encoding.decode(&cells[header.position(c)]).ok();
    let h = HouseholdId::parse(&text(Column::HouseholdId)?).ok()?;
    let r = Relationship::parse(&text(Column::Relationship)?).ok()?;
    Some((h.get(), r.is_head()))
}

/// Marks every good row whose key repeats within the file.
fn repeats(
    rows: &mut [Row],
    good: &[usize],
    column: &str,
    what: &str,
    key: impl Fn(&ValidRow) -> u64,
) {
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::with_capacity(good.len());
    for &i in good {
        let k = key(rows[i].valid.as_ref().expect("good rows are valid"));
        seen.entry(k).or_default().push(i);
    }
    for group in seen.into_values().filter(|g| g.len() > 1) {
        let lines: Vec<String> = group.iter().map(|&i| rows[i].line.to_string()).collect();
        for &i in &group {
            rows[i].problems.push(Problem::new(
                column,
                format!(
                    "the {what} repeats within the file (lines {})",
                    lines.join(", ")
                ),
            ));
        }
    }
}

/// The one-head rule across the file: every household of good rows needs exactly one good
/// 世帯主 row.
fn households(rows: &mut [Row], skip_bad: bool) {
    let mut groups: HashMap<u64, Vec<usize>> = HashMap::new();
    let claim = |r: &Row| match &r.valid {
        Some(v) => Some((v.household.get(), v.relationship.is_head())),
        None => r.claims,
    };
    for (i, r) in rows.iter().enumerate() {
        if let Some((h, _)) = claim(r) {
            if r.is_good() || skip_bad {
                groups.entry(h).or_default().push(i);
            }
        }
    }
    for (h, members) in groups {
        let heads: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| claim(&rows[i]).is_some_and(|(_, head)| head))
            .collect();
        let good_heads: Vec<usize> = heads
            .iter()
            .copied()
            .filter(|&i| rows[i].is_good())
            .collect();
        let reason = match (heads.len(), good_heads.len()) {
            (0, _) => Some(format!("household {h} has no valid 世帯主 row in the file")),
            (1, 0) => Some(format!(
                "household {h}: its 世帯主 (line {}) is rejected, so the household cannot be loaded",
                rows[heads[0]].line
            )),
            (1, 1) => None,
            (n, _) => Some(format!(
                "household {h} has {n} 世帯主 (lines {})",
                heads
                    .iter()
                    .map(|&i| rows[i].line.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        if let Some(reason) = reason {
            for &i in &members {
                if rows[i].is_good() || heads.len() != 1 {
                    rows[i]
                        .problems
                        .push(Problem::new("household_id", reason.clone()));
                }
            }
        }
    }
}

/// The history rows to apply (line, change) in `seq` order, and those skipped.
struct History {
    changes: Vec<(u64, Change)>,
    skipped: Vec<(RawRecord, String)>,
    header: RawRecord,
}

fn read_history(
    path: &Path,
    opts: &ImportOptions,
    mut rejected_codes: HashSet<u64>,
    rejected_households: HashSet<u64>,
) -> Result<History, ImportError> {
    let file = File::open(path).map_err(io_err(path))?;
    let mut records = Records::new(BufReader::with_capacity(1 << 20, file));
    let header = records
        .next_record()
        .map_err(io_err(path))?
        .ok_or_else(|| {
            ImportError::BadRows(vec![row_error(
                path,
                1,
                Problem::row("the file is empty: no header"),
            )])
        })?;
    let expected: Vec<&str> = HISTORY_HEADER.split(',').collect();
    let order: Vec<usize> = {
        let names: Vec<String> = match header.cells() {
            Ok(cells) => cells
                .iter()
                .map(|c| String::from_utf8_lossy(c).trim().to_string())
                .collect(),
            Err(p) => return Err(ImportError::BadRows(vec![row_error(path, 1, p.clone())])),
        };
        let mut problems = Vec::new();
        for n in &names {
            if !expected.contains(&n.as_str()) {
                problems.push(row_error(
                    path,
                    1,
                    Problem::new(n.clone(), format!("unknown column {n:?}")),
                ));
            }
        }
        let mut order = Vec::new();
        for e in &expected {
            match names.iter().position(|n| n == e) {
                Some(i) => order.push(i),
                None => problems.push(row_error(
                    path,
                    1,
                    Problem::new(*e, format!("required column {e} is missing")),
                )),
            }
        }
        if !problems.is_empty() {
            return Err(ImportError::BadRows(problems));
        }
        order
    };
    // Split the file into records here, parse and validate them on worker threads (each a
    // contiguous share, so the results come back in file order).
    let mut raw: Vec<RawRecord> = Vec::new();
    while let Some(rec) = records.next_record().map_err(io_err(path))? {
        raw.push(rec);
    }
    let parse = |rec: &RawRecord| -> Result<(u64, Change), Problem> {
        let cells = rec.cells().map_err(Clone::clone)?;
        if cells.len() != order.len() {
            return Err(Problem::row(format!(
                "wrong column count: expected {} fields, got {}",
                order.len(),
                cells.len()
            )));
        }
        let mut texts = Vec::with_capacity(order.len());
        for (k, &i) in order.iter().enumerate() {
            texts.push(
                opts.encoding
                    .decode(&cells[i])
                    .map_err(|r| Problem::new(expected[k], r))?,
            );
        }
        let refs: Vec<&str> = texts.iter().map(|t| t.as_ref()).collect();
        let g = parse_history_record(&refs).map_err(|e| Problem::row(e.to_string()))?;
        let mut c = g.to_change();
        c.operator.clone_from(&opts.operator);
        c.terminal.clone_from(&opts.terminal);
        Ok((g.seq, c))
    };
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    let share = raw.len().div_ceil(workers).max(1);
    let outcomes: Vec<Result<(u64, Change), Problem>> = std::thread::scope(|s| {
        let handles: Vec<_> = raw
            .chunks(share)
            .map(|part| s.spawn(|| part.iter().map(parse).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a history worker panicked"))
            .collect()
    });
    let mut errors = Vec::new();
    let mut parsed: Vec<(u64, u64, RawRecord, Change)> = Vec::with_capacity(raw.len());
    let mut skipped = Vec::new();
    for (rec, result) in raw.into_iter().zip(outcomes) {
        match result {
            Ok((seq, c)) => parsed.push((seq, rec.line, rec, c)),
            Err(p) if opts.skip_bad.is_some() => {
                let reason = format!("{}: {}", p.column, p.reason);
                skipped.push((rec, reason));
            }
            Err(p) => errors.push(row_error(path, rec.line, p)),
        }
    }
    parsed.sort_by_key(|(seq, line, _, _)| (*seq, *line));
    for w in parsed.windows(2) {
        if w[0].0 == w[1].0 {
            errors.push(row_error(
                path,
                w[1].1,
                Problem::new("seq", format!("seq {} repeats (line {})", w[1].0, w[0].1)),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::BadRows(errors));
    }
    let mut changes = Vec::with_capacity(parsed.len());
    for (_, line, rec, c) in parsed {
        let about_rejected = rejected_codes.contains(&c.code.get())
            || c.fields
                .new_head
                .is_some_and(|h| rejected_codes.contains(&h.get()))
            || c.fields
                .household
                .is_some_and(|h| rejected_households.contains(&h.get()));
        if about_rejected {
            rejected_codes.insert(c.code.get());
            skipped.push((
                rec,
                format!(
                    "the change names a resident or household that was rejected (resident {})",
                    c.code
                ),
            ));
        } else {
            changes.push((line, c));
        }
    }
    Ok(History {
        changes,
        skipped,
        header,
    })
}

/// Creates a file for personal data: mode 0600, truncating an existing file.
pub(crate) fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn quoted(reason: &str) -> String {
    format!("\"{}\"", reason.replace('"', "\"\""))
}

fn write_rejects(
    input: &Path,
    rejects: &Path,
    header: &RawRecord,
    encoding: Encoding,
    rows: &[Row],
    bad: &[usize],
) -> Result<(), ImportError> {
    let mut src = File::open(input).map_err(io_err(input))?;
    let mut out = BufWriter::new(create_private(rejects).map_err(io_err(rejects))?);
    let err = io_err(rejects);
    let end: &[u8] = if header.ending.is_empty() {
        b"\n"
    } else {
        header.ending
    };
    out.write_all(&header.bytes).map_err(&err)?;
    out.write_all(b",reason").map_err(&err)?;
    out.write_all(end).map_err(&err)?;
    let mut buf = Vec::new();
    for &i in bad {
        let r = &rows[i];
        buf.resize(r.len, 0);
        src.seek(SeekFrom::Start(r.offset)).map_err(io_err(input))?;
        src.read_exact(&mut buf).map_err(io_err(input))?;
        let (body, ending) = if let Some(b) = buf.strip_suffix(b"\r\n") {
            (b, &b"\r\n"[..])
        } else if let Some(b) = buf.strip_suffix(b"\n") {
            (b, &b"\n"[..])
        } else {
            (&buf[..], end)
        };
        let reason: Vec<String> = r
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.column, p.reason))
            .collect();
        out.write_all(body).map_err(&err)?;
        out.write_all(b",").map_err(&err)?;
        out.write_all(&encoding.encode(&quoted(&reason.join("; "))))
            .map_err(&err)?;
        out.write_all(ending).map_err(&err)?;
    }
    out.flush().map_err(&err)?;
    Ok(())
}

fn write_history_rejects(
    _input: &Path,
    rejects: &Path,
    header: &RawRecord,
    skipped: &[(RawRecord, String)],
    encoding: Encoding,
) -> Result<(), ImportError> {
    let path = ImportOptions::companion_of(rejects);
    let err = io_err(&path);
    let mut out = BufWriter::new(create_private(&path).map_err(&err)?);
    out.write_all(&header.bytes).map_err(&err)?;
    out.write_all(b",reason\n").map_err(&err)?;
    for (rec, reason) in skipped {
        out.write_all(&rec.bytes).map_err(&err)?;
        out.write_all(b",").map_err(&err)?;
        out.write_all(&encoding.encode(&quoted(reason)))
            .map_err(&err)?;
        out.write_all(b"\n").map_err(&err)?;
    }
    out.flush().map_err(&err)?;
    Ok(())
}

/// The progress bar, drawn only on a terminal.
struct Bar {
    bar: Option<ProgressBar>,
    start: Instant,
}

impl Bar {
    fn new(progress: Progress) -> Bar {
        let bar = (progress == Progress::Bar && std::io::stderr().is_terminal())
            .then(ProgressBar::new_spinner);
        Bar {
            bar,
            start: Instant::now(),
        }
    }

    fn start_bytes(&self, len: u64, what: &str) {
        if let Some(b) = &self.bar {
            b.set_style(
                ProgressStyle::with_template(
                    "{prefix:>9} [{wide_bar}] {percent:>3}% {msg} ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.set_prefix(what.to_string());
            b.set_length(len);
            b.set_position(0);
        }
    }

    fn set_bytes(&self, pos: u64, rows: u64) {
        if let Some(b) = &self.bar {
            b.set_position(pos);
            let secs = self.start.elapsed().as_secs_f64().max(1e-3);
            b.set_message(format!("{rows} rows, {:.0} rows/s", rows as f64 / secs));
        }
    }

    fn start_rows(&self, len: u64, what: &str) {
        if let Some(b) = &self.bar {
            b.set_style(
                ProgressStyle::with_template(
                    "{prefix:>9} [{wide_bar}] {pos}/{len} rows, {per_sec} ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.set_prefix(what.to_string());
            b.set_length(len);
            b.set_position(0);
            b.enable_steady_tick(Duration::from_millis(200));
        }
    }

    fn set_rows(&self, pos: u64) {
        if let Some(b) = &self.bar {
            b.set_position(pos);
        }
    }

    fn spin(&self, what: &str) {
        if let Some(b) = &self.bar {
            b.set_style(
                ProgressStyle::with_template("{prefix:>9} {spinner} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.set_prefix(what.to_string());
            b.enable_steady_tick(Duration::from_millis(200));
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
