//! `juki import`: loads a residents CSV (docs/residents-csv.md) and, when there is one, its
//! history companion, in one write transaction.
//!
//! # What happens
//! 1. The residents file is read a first time as a stream of records, every row validated
//!    ([`crate::io::csv_row::validate_row`]) on worker threads while the next records are
//!    read ([`crate::io::pipeline`]). Only what the checks across rows need is kept of each
//!    row (line, place in the file, code, My Number, household, 世帯主 or not, problems):
//!    about 100 bytes a row, not its values.
//! 2. The checks across rows and against the database, inside the import's own write
//!    transaction: resident codes and My Numbers already in the database, codes and numbers
//!    that repeat within the file (every occurrence is bad), households that already have
//!    active members in the database, and households without exactly one valid 世帯主 in
//!    the file. With `skip_bad`, a household whose 世帯主 row is bad cannot be loaded, so its
//!    other rows are bad too, and the reason says so.
//! 3. Without `skip_bad`, any bad row ends the import before anything is written, with every
//!    bad row's problems in the error (line, column, reason; its message lists the first
//!    [`LISTED_PROBLEMS`] and counts the rest). No reason shows a value in full: the line and
//!    the column locate it (see [`crate::io::csv_row`]). With it, the bad rows go to the rejects file
//!    verbatim (same encoding, same line ends) with a `reason` column added.
//! 4. The residents file is read a second time (validated again on worker threads) and each
//!    good row becomes a 転入 dated `moved_in_date`, 世帯主 first in each household; then the
//!    history companion, if any, is read and parsed on worker threads, its rows in ascending
//!    `seq` order. Both go, as they are read, through the engine's write path
//!    (`write::apply`, every check of a statement) into a staging that is written to the
//!    tables in key order whenever it passes its memory budget
//!    ([`crate::store::BulkLoad::record_staged`]), all in one transaction. A change the
//!    engine refuses ends the import (nothing is written); so does a bad history row, once
//!    the rest of the file has been read to report every bad row. With `skip_bad`, bad
//!    history rows and rows about a rejected resident or household (and the later rows of
//!    residents born in skipped rows) are skipped and written to `REJECTS.history.csv` (the
//!    rejects path with its extension replaced by `history.csv`).
//! 5. One durable commit. Killed before it, the database is as it was.
//!
//! Memory stays flat in the size of the files: the per-row notes of step 1, a few chunks of
//! records in flight, the staging's budget and the database's page cache.
//!
//! # The history companion
//! [`ImportOptions::new`] takes `FILE.history.csv` beside `FILE.csv` when it exists (the
//! name `juki gen --history` writes); `history: None` imports the residents only. Its
//! format is described in [`crate::io::generator`]; it is read in the same encoding as the
//! residents file.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::csv_row::{
    header_cell, masked_reason, validate_row, Encoding, Header, Problem, RawRecord, Records,
    ValidRow, CR_LINE_ENDS,
};
use super::generator::{parse_history_record, HISTORY_HEADER};
use crate::model::{HouseholdId, MyNumber, Reason, ResidentCode};
use crate::store::bulk::carry::{Carried, Staged};
use crate::store::Database;
use crate::store::{Change, Fields, StoreError};

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
    /// How much memory the load may stage before writing it to the tables (see
    /// `STAGING_BUDGET_BYTES`, the default).
    pub staging_budget: usize,
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
            staging_budget: crate::store::STAGING_BUDGET_BYTES,
        }
    }

    /// The companion history file of a residents file: `FILE.history.csv` for `FILE.csv`.
    pub fn companion_of(path: &Path) -> PathBuf {
        path.with_extension("history.csv")
    }
}

/// The part of an import a [`ProgressEvent`] is about, in the order they come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// The first reading of the residents file: every row validated.
    Checking,
    /// The checks across rows and against the database (no bytes are read).
    CrossChecking,
    /// The second reading: residents, then history rows, handed to the load.
    Writing,
    /// The durable commit.
    Committing,
}

/// How far an import has come. One is sent when a phase starts (rows and bytes 0), then
/// as chunks of rows are read, and a reading phase ends with its bytes equal to its total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressEvent {
    /// The phase under way.
    pub phase: Phase,
    /// Rows done in this phase: read and checked, or written.
    pub rows: u64,
    /// Bytes of input read in this phase.
    pub bytes: u64,
    /// The bytes this phase reads in all, when it reads any.
    pub total_bytes: Option<u64>,
}

/// Where an import reports its progress. The library draws nothing itself: the `juki`
/// command renders the events as a progress bar on a terminal.
pub enum Progress<'a> {
    /// No reports.
    Quiet,
    /// Every [`ProgressEvent`] goes to this callback, on the thread that called the import.
    To(&'a mut dyn FnMut(ProgressEvent)),
}

impl fmt::Debug for Progress<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Progress::Quiet => "Progress::Quiet",
            Progress::To(_) => "Progress::To(..)",
        })
    }
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

/// The most problems an import's error lists; the rest are counted.
pub const LISTED_PROBLEMS: usize = 100;

/// One bad row: the file, its line (1-based physical line, header = 1), column and reason.
/// The reason shows no value in full (`io::csv_row::Problem::new`).
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
    /// The error code of the command contract.
    pub fn code(&self) -> crate::ErrorCode {
        match self {
            ImportError::BadRows(_) => crate::ErrorCode::InvalidValue,
            ImportError::Refused { error, .. } => error.code(),
            ImportError::Io(_) => crate::ErrorCode::Io,
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
                write!(f, "{} bad row(s), nothing was imported:", lines.len())?;
                for r in rows.iter().take(LISTED_PROBLEMS) {
                    write!(f, "\n  {r}")?;
                }
                if rows.len() > LISTED_PROBLEMS {
                    let more = rows.len() - LISTED_PROBLEMS;
                    write!(f, "\n  … and {more} more problem(s) not listed")?;
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

/// A data row of the residents file after the first reading: where it is, what it claims,
/// and what is wrong with it. The values themselves are read again when they are written,
/// so the import never holds the whole file's values.
struct Row {
    line: u64,
    offset: u64,
    len: u32,
    /// The identifiers of a row valid on its own; `None` when it is bad on its own.
    ids: Option<Ids>,
    /// For a row bad on its own: its household and whether it names the 世帯主, when those
    /// two cells are readable.
    claims: Option<(u64, bool)>,
    problems: Vec<Problem>,
}

/// What the checks across rows need of a valid row.
#[derive(Debug, Clone, Copy)]
struct Ids {
    code: ResidentCode,
    my_number: MyNumber,
    household: HouseholdId,
    head: bool,
    /// A removed resident (除票): loaded apart from the households' active members.
    removed: bool,
}

impl Row {
    fn is_good(&self) -> bool {
        self.ids.is_some() && self.problems.is_empty()
    }

    /// The household and head flag the row claims, valid or not; `None` for a removed
    /// resident, who is no member of a household.
    fn claim(&self) -> Option<(u64, bool)> {
        match &self.ids {
            Some(v) if v.removed => None,
            Some(v) => Some((v.household.get(), v.head)),
            None => self.claims,
        }
    }

    fn is_removed(&self) -> bool {
        self.ids.is_some_and(|v| v.removed)
    }
}

/// Records handed to a worker at a time.
const CHUNK: usize = 4096;

/// A chunk of records and how far into the file it ends.
type Chunk = (Vec<RawRecord>, u64);

/// Imports a residents file (and its history companion) into `db`; see the module
/// documentation.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn import(
    db: &Database,
    opts: &ImportOptions,
    progress: Progress<'_>,
) -> Result<ImportReport, ImportError> {
    import_with(db, opts, progress, |_, _| Ok(()))
}

/// [`import`], running `before_commit` in the import's transaction with the rows read and
/// written (the seam for the operation-log entry of the import).
pub(crate) fn import_with(
    db: &Database,
    opts: &ImportOptions,
    progress: Progress<'_>,
    before_commit: impl FnOnce(&redb::WriteTransaction, (u64, u64)) -> crate::store::Result<()>,
) -> Result<ImportReport, ImportError> {
    let start = Instant::now();
    let report = Reporter::new(progress);
    let today = db.today();
    refuse_existing_rejects(opts)?;
    let (header_rec, header, records, size) = open_residents(opts)?;

    // 1. Read and validate every row on worker threads, keeping what the checks across
    //    rows need.
    report.start(Phase::Checking, Some(size));
    let mut rows = check_rows(records, &header, opts.encoding, today, &report, &opts.path)?;
    let read = rows.len() as u64;

    // 2. Checks across rows and against the database, in the load's own transaction; any
    //    bad row ends an all-or-nothing import here, before anything is written.
    let mut load = db.begin_bulk()?;
    load.set_budget(opts.staging_budget);
    report.start(Phase::CrossChecking, None);
    cross_check(&load, &mut rows, opts.skip_bad.is_some())?;
    let rejected = Rejected::of(&rows, opts)?;

    // 3. The history companion's header, before anything is written.
    let history = opts.history.as_deref().map(open_history).transpose()?;
    let history_header = history.as_ref().map(|h| h.header.clone());

    // 4. Write: the residents file read a second time, each good row a 転入 (世帯主 first
    //    in each household), then the history rows in seq order, streamed through the
    //    engine's write path into the load.
    let total = size + history.as_ref().map_or(0, |h| h.size);
    report.start(Phase::Writing, Some(total));
    let source = Sources {
        opts,
        header: &header,
        header_rec: &header_rec,
        today,
        history,
        residents_size: size,
    };
    let written = write_rows(&mut load, source, &rows, &rejected, &report)?;
    report.advance(total, written.moves + written.history_applied);

    // 5. The rejects files, then one durable commit.
    if let Some(rejects) = &opts.skip_bad {
        let bad = &rejected.rows;
        write_rejects(&opts.path, rejects, &header_rec, opts.encoding, &rows, bad)?;
        if let (Some(header), Some(path)) = (&history_header, &opts.history) {
            if !written.skipped.is_empty() {
                write_history_rejects(path, rejects, header, &written.skipped, opts.encoding)?;
            }
        }
    }
    report.start(Phase::Committing, None);
    load.commit_with(|txn| before_commit(txn, (read, written.moves)))?;
    let seconds = start.elapsed().as_secs_f64();
    Ok(ImportReport {
        read,
        written: written.moves,
        rejected: rejected.rows.len() as u64,
        history_applied: written.history_applied,
        history_skipped: written.skipped.len() as u64,
        seconds,
        rows_per_sec: if seconds > 0.0 {
            read as f64 / seconds
        } else {
            0.0
        },
    })
}

/// The checks across rows and against the database: codes, My Numbers and households
/// already in the database, codes and My Numbers repeated within the file, and the one-head
/// rule. Each finding becomes a problem of the rows it concerns.
fn cross_check(
    load: &crate::store::BulkLoad<'_>,
    rows: &mut [Row],
    skip_bad: bool,
) -> Result<(), ImportError> {
    let good: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].is_good()).collect();
    let taken = load.taken(good.iter().map(|&i| {
        let v = rows[i].ids.expect("good rows are valid");
        (v.code, v.my_number, v.household)
    }))?;
    for (&i, t) in good.iter().zip(taken) {
        let removed = rows[i].is_removed();
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
        if t.household && !removed {
            p.push(Problem::new(
                "household_id",
                "conflict: the household already has residents in the database",
            ));
        }
    }
    repeats(rows, &good, "resident_code", "resident code", |v| {
        v.code.get()
    });
    repeats(rows, &good, "my_number", "My Number", |v| v.my_number.get());
    households(rows, skip_bad);
    Ok(())
}

/// The rows that are not loaded (with `skip_bad`; without it any such row is an error) and
/// the residents and households they name, whose history rows are skipped too.
struct Rejected {
    /// Indexes of the bad rows, in file order.
    rows: Vec<usize>,
    codes: HashSet<u64>,
    households: HashSet<u64>,
}

impl Rejected {
    /// The bad rows after the checks; without `skip_bad`, the error listing every one.
    fn of(rows: &[Row], opts: &ImportOptions) -> Result<Rejected, ImportError> {
        let bad: Vec<usize> = (0..rows.len()).filter(|&i| !rows[i].is_good()).collect();
        if !bad.is_empty() && opts.skip_bad.is_none() {
            let errors = bad
                .iter()
                .flat_map(|&i| {
                    let line = rows[i].line;
                    rows[i]
                        .problems
                        .iter()
                        .map(move |p| row_error(&opts.path, line, p.clone()))
                })
                .collect();
            return Err(ImportError::BadRows(errors));
        }
        let ids = || bad.iter().filter_map(|&i| rows[i].ids);
        Ok(Rejected {
            codes: ids().map(|v| v.code.get()).collect(),
            households: ids().map(|v| v.household.get()).collect(),
            rows: bad,
        })
    }
}

/// What the second reading reads: the residents file (its header known from the first
/// reading) and the history companion, opened.
struct Sources<'a> {
    opts: &'a ImportOptions,
    header: &'a Header,
    header_rec: &'a RawRecord,
    today: crate::model::Date,
    history: Option<HistoryFile>,
    /// The residents file's size: history positions come after it.
    residents_size: u64,
}

/// What the writing phase did.
struct Written {
    moves: u64,
    history_applied: u64,
    /// History rows skipped (with `skip_bad`) and why.
    skipped: Vec<(RawRecord, String)>,
}

/// The second reading: the good residents rows as 転入, then the history rows, validated
/// and parsed on worker threads and handed in order to the load. Ends at the first change
/// the engine refuses, or with every bad history row when there is one.
fn write_rows(
    load: &mut crate::store::BulkLoad<'_>,
    src: Sources<'_>,
    rows: &[Row],
    rejected: &Rejected,
    report: &Reporter<'_>,
) -> Result<Written, ImportError> {
    let Sources {
        opts,
        header,
        header_rec,
        today,
        history,
        residents_size,
    } = src;
    let mut feed = Feed::new(opts, report, rows, residents_size, rejected);
    (feed.removed_heads, feed.removed_others) = removed_rows(opts, header, rows, today)?;
    std::thread::scope(|s| -> Result<(), ImportError> {
        let residents = reopen_residents(opts, header_rec)?;
        let validating = crate::io::pipeline::ordered(s, read_chunks(residents), |chunk| {
            validate_chunk(chunk, header, opts.encoding, today)
        });
        let mut moves = MoveIns::new(validating);
        // The history is opened on its worker threads only once the residents are written.
        let mut later = None;
        let mut history = history;
        let mut changes = std::iter::from_fn(|| {
            if let Some(c) = feed.next_removed(true) {
                return Some(c);
            }
            if let Some(c) = feed.next_move(&mut moves) {
                return Some(c);
            }
            if let Some(c) = feed.next_removed(false) {
                return Some(c);
            }
            if feed.fatal.is_some() {
                return None;
            }
            let parsing = later.get_or_insert_with(|| {
                history.take().map(|h| {
                    let order = h.order;
                    crate::io::pipeline::ordered(s, read_chunks(h.records), move |chunk| {
                        parse_history_chunk(chunk, &order, opts)
                    })
                })
            });
            feed.next_history(parsing.as_mut()?)
        });
        let applied = load.record_staged(changes.by_ref(), |_| {});
        if let Err(e) = applied {
            // Keep reading: bad history rows are reported before a refused change.
            changes.by_ref().for_each(drop);
            return Err(feed.refusal(e));
        }
        if let Some(f) = feed.fatal.take() {
            return Err(f);
        }
        moves.finish(&opts.path)?;
        if let Some(Some(p)) = later {
            p.finish()
                .map_err(io_err(opts.history.as_deref().unwrap_or(&opts.path)))?;
        }
        Ok(())
    })?;
    if let Some(f) = feed.fatal.take() {
        return Err(f);
    }
    if !feed.errors.is_empty() {
        return Err(ImportError::BadRows(std::mem::take(&mut feed.errors)));
    }
    Ok(Written {
        moves: feed.moves,
        history_applied: feed.history_applied,
        skipped: feed.skipped,
    })
}

/// Opens the residents file and reads its header: the header record, the parsed header,
/// the records after it, and the file's size.
#[allow(clippy::type_complexity)]
fn open_residents(
    opts: &ImportOptions,
) -> Result<(RawRecord, Header, Records<BufReader<File>>, u64), ImportError> {
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
    Ok((header_rec, header, records, size))
}

/// Opens the residents file again for the second reading, past a header equal to the
/// first reading's.
fn reopen_residents(
    opts: &ImportOptions,
    header: &RawRecord,
) -> Result<Records<BufReader<File>>, ImportError> {
    let file = File::open(&opts.path).map_err(io_err(&opts.path))?;
    let mut records = Records::new(BufReader::with_capacity(1 << 20, file));
    let again = records.next_record().map_err(io_err(&opts.path))?;
    if again.as_ref().map(|r| &r.bytes) != Some(&header.bytes) {
        return Err(changed(&opts.path, 1));
    }
    Ok(records)
}

fn changed(path: &Path, line: u64) -> ImportError {
    ImportError::Io(format!(
        "{}:{line}: the file changed while it was being imported; nothing was imported",
        path.display()
    ))
}

/// A reader for [`crate::io::pipeline::ordered`]: chunks of [`CHUNK`] records.
fn read_chunks<R: std::io::BufRead + Send>(
    mut records: Records<R>,
) -> impl FnMut() -> std::io::Result<Option<Chunk>> + Send {
    move || {
        let mut chunk = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            match records.next_record()? {
                Some(r) => chunk.push(r),
                None => break,
            }
        }
        Ok((!chunk.is_empty()).then_some((chunk, records.consumed)))
    }
}

/// A row validated on its own: its line and its values or problems.
type Validated = (u64, Result<ValidRow, Vec<Problem>>);

fn validate_chunk(
    (chunk, consumed): Chunk,
    header: &Header,
    encoding: Encoding,
    today: crate::model::Date,
) -> (Vec<Validated>, u64) {
    let rows = chunk
        .iter()
        .map(|rec| (rec.line, validate_row(rec, header, encoding, today)))
        .collect();
    (rows, consumed)
}

/// The first reading: every data record validated on worker threads, in order, keeping
/// only what the checks across rows need.
fn check_rows(
    records: Records<BufReader<File>>,
    header: &Header,
    encoding: Encoding,
    today: crate::model::Date,
    report: &Reporter<'_>,
    path: &Path,
) -> Result<Vec<Row>, ImportError> {
    std::thread::scope(|s| {
        let mut checked =
            crate::io::pipeline::ordered(s, read_chunks(records), |(chunk, consumed): Chunk| {
                let rows: Vec<Row> = chunk
                    .iter()
                    .map(|rec| {
                        let (ids, problems) = match validate_row(rec, header, encoding, today) {
                            Ok(v) => (
                                Some(Ids {
                                    code: v.code,
                                    my_number: v.my_number,
                                    household: v.household,
                                    head: v.relationship.is_head(),
                                    removed: v.removed.is_some(),
                                }),
                                Vec::new(),
                            ),
                            Err(p) => (None, p),
                        };
                        let claims = if ids.is_none() {
                            claims(rec, header, encoding)
                        } else {
                            None
                        };
                        Row {
                            line: rec.line,
                            offset: rec.offset,
                            len: (rec.bytes.len() + rec.ending.len()) as u32,
                            ids,
                            claims,
                            problems,
                        }
                    })
                    .collect();
                (rows, consumed)
            });
        let mut out: Vec<Row> = Vec::new();
        for (rows, consumed) in checked.by_ref() {
            out.extend(rows);
            report.advance(consumed, out.len() as u64);
        }
        checked.finish().map_err(io_err(path))?;
        Ok(out)
    })
}

/// The good rows of the second reading as 転入, 世帯主 first in each household.
struct MoveIns<'scope> {
    validated: crate::io::pipeline::Ordered<'scope, (Vec<Validated>, u64), std::io::Error>,
    current: std::vec::IntoIter<Validated>,
    /// How far into the file the current chunk ends.
    consumed: u64,
    /// The index of the next row of the first reading.
    index: usize,
    heads_seen: HashSet<u64>,
    waiting: HashMap<u64, Vec<(u64, ValidRow)>>,
    ready: std::collections::VecDeque<(u64, ValidRow)>,
}

impl<'scope> MoveIns<'scope> {
    fn new(
        validated: crate::io::pipeline::Ordered<'scope, (Vec<Validated>, u64), std::io::Error>,
    ) -> MoveIns<'scope> {
        MoveIns {
            validated,
            current: Vec::new().into_iter(),
            consumed: 0,
            index: 0,
            heads_seen: HashSet::new(),
            waiting: HashMap::new(),
            ready: Default::default(),
        }
    }

    /// The next good row to write as a 転入 (line, values), or `None` at the end.
    fn next(&mut self, rows: &[Row], path: &Path) -> Result<Option<(u64, ValidRow)>, ImportError> {
        loop {
            if let Some(r) = self.ready.pop_front() {
                return Ok(Some(r));
            }
            let (line, result) = match self.current.next() {
                Some(v) => v,
                None => match self.validated.next() {
                    Some((rows, consumed)) => {
                        self.current = rows.into_iter();
                        self.consumed = consumed;
                        continue;
                    }
                    None => {
                        if self.index != rows.len() || !self.waiting.is_empty() {
                            let line = rows.get(self.index).map_or(0, |r| r.line);
                            return Err(changed(path, line));
                        }
                        return Ok(None);
                    }
                },
            };
            let Some(row) = rows.get(self.index) else {
                return Err(changed(path, line));
            };
            self.index += 1;
            if row.line != line {
                return Err(changed(path, line));
            }
            if !row.is_good() || row.is_removed() {
                continue;
            }
            let Ok(v) = result else {
                return Err(changed(path, line));
            };
            let h = v.household.get();
            if v.relationship.is_head() {
                self.heads_seen.insert(h);
                self.ready.push_back((line, v));
                self.ready
                    .extend(self.waiting.remove(&h).unwrap_or_default());
            } else if self.heads_seen.contains(&h) {
                self.ready.push_back((line, v));
            } else {
                self.waiting.entry(h).or_default().push((line, v));
            }
        }
    }

    /// Ends the second reading, with the reader's error if it stopped on one.
    fn finish(self, path: &Path) -> Result<(), ImportError> {
        self.validated.finish().map_err(io_err(path))
    }
}

/// The history companion, opened and its header checked.
struct HistoryFile {
    header: RawRecord,
    /// For each column of [`HISTORY_HEADER`], its position in the file.
    order: Vec<usize>,
    records: Records<BufReader<File>>,
    size: u64,
}

fn open_history(path: &Path) -> Result<HistoryFile, ImportError> {
    let file = File::open(path).map_err(io_err(path))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
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
    if header.bytes.contains(&b'\r') {
        return Err(ImportError::BadRows(vec![row_error(
            path,
            1,
            Problem::row(CR_LINE_ENDS),
        )]));
    }
    let expected: Vec<&str> = HISTORY_HEADER.split(',').collect();
    let names: Vec<String> = match header.cells() {
        Ok(cells) => cells
            .iter()
            .map(|c| String::from_utf8_lossy(c).trim().to_string())
            .collect(),
        Err(p) => return Err(ImportError::BadRows(vec![row_error(path, 1, p.clone())])),
    };
    let mut problems = Vec::new();
    for (i, n) in names.iter().enumerate() {
        if !expected.contains(&n.as_str()) {
            problems.push(row_error(
                path,
                1,
                Problem::new(
                    header_cell(n),
                    format!("unknown column (header field {})", i + 1),
                ),
            ));
        }
    }
    let mut order = Vec::new();
    for e in &expected {
        match names.iter().position(|n| n == e) {
            Some(i) => order.push(i),
            // A file written before the column existed sets no items.
            None if *e == OPTIONAL_HISTORY_COLUMN => order.push(ABSENT),
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
    Ok(HistoryFile {
        header,
        order,
        records,
        size,
    })
}

/// The history column a file may leave out (`items`, added after the others).
const OPTIONAL_HISTORY_COLUMN: &str = "items";
/// The place in `order` of a column the file does not have.
const ABSENT: usize = usize::MAX;

/// A history row parsed on its own: the record, and its seq and change or its problem.
type Parsed = (RawRecord, Result<(u64, Change), Problem>);

fn parse_history_chunk(
    (chunk, consumed): Chunk,
    order: &[usize],
    opts: &ImportOptions,
) -> (Vec<Parsed>, u64) {
    let expected: Vec<&str> = HISTORY_HEADER.split(',').collect();
    let parse = |rec: &RawRecord| -> Result<(u64, Change), Problem> {
        let cells = rec.cells().map_err(Clone::clone)?;
        let columns = order.iter().filter(|&&i| i != ABSENT).count();
        if cells.len() != columns {
            return Err(Problem::row(format!(
                "wrong column count: expected {columns} fields, got {}",
                cells.len()
            )));
        }
        let mut texts = Vec::with_capacity(order.len());
        for (k, &i) in order.iter().enumerate() {
            texts.push(match cells.get(i) {
                Some(cell) => opts
                    .encoding
                    .decode(cell)
                    .map_err(|r| Problem::new(expected[k], r))?,
                None => "".into(),
            });
        }
        let refs: Vec<&str> = texts.iter().map(|t| t.as_ref()).collect();
        let g =
            parse_history_record(&refs).map_err(|e| Problem::row(masked_reason(&e.to_string())))?;
        let mut c = g.to_change();
        c.operator.clone_from(&opts.operator);
        c.terminal.clone_from(&opts.terminal);
        Ok((g.seq, c))
    };
    let rows = chunk
        .into_iter()
        .map(|rec| {
            let parsed = parse(&rec);
            (rec, parsed)
        })
        .collect();
    (rows, consumed)
}

/// The history rows being parsed on worker threads.
type Parsing<'scope> = crate::io::pipeline::Ordered<'scope, (Vec<Parsed>, u64), std::io::Error>;

/// Where a file's rows stand while they are written: the changes handed to the load and
/// what the import learns on the way.
struct Feed<'a, 'r> {
    opts: &'a ImportOptions,
    report: &'a Reporter<'r>,
    rows: &'a [Row],
    /// The residents file's size: history positions in the progress come after it.
    history_base: u64,
    rejected_codes: HashSet<u64>,
    rejected_households: HashSet<u64>,
    /// The file and line of the change handed out last.
    last: Option<(bool, u64)>,
    moves: u64,
    history_applied: u64,
    /// History rows skipped (with `skip_bad`) and why.
    skipped: Vec<(RawRecord, String)>,
    /// Bad history rows (without `skip_bad`): once there is one, nothing more is handed
    /// out, but the rest of the file is still read to report them all.
    errors: Vec<RowError>,
    /// An error that ends the import (a read failure, a file changed under it).
    fatal: Option<ImportError>,
    /// The residents file's rows are all handed out.
    moves_done: bool,
    /// The history rows of the chunk being handed out.
    current_history: Option<std::vec::IntoIter<Parsed>>,
    /// The seq and line of the last history row in order.
    last_seq: Option<(u64, u64)>,
    /// Changes handed to the load so far.
    handed: u64,
    /// The removed residents who were 世帯主 (loaded first) and the other removed residents
    /// (loaded after the active ones), each as its changes with its line.
    removed_heads: VecDeque<(u64, Staged)>,
    removed_others: VecDeque<(u64, Staged)>,
}

impl<'a, 'r> Feed<'a, 'r> {
    fn new(
        opts: &'a ImportOptions,
        report: &'a Reporter<'r>,
        rows: &'a [Row],
        history_base: u64,
        rejected: &Rejected,
    ) -> Feed<'a, 'r> {
        Feed {
            opts,
            report,
            rows,
            history_base,
            rejected_codes: rejected.codes.clone(),
            rejected_households: rejected.households.clone(),
            last: None,
            moves: 0,
            history_applied: 0,
            skipped: Vec::new(),
            errors: Vec::new(),
            fatal: None,
            moves_done: false,
            current_history: None,
            last_seq: None,
            handed: 0,
            removed_heads: VecDeque::new(),
            removed_others: VecDeque::new(),
        }
    }

    /// The next change of a removed resident's rows (the heads', or the others').
    fn next_removed(&mut self, heads: bool) -> Option<Staged> {
        if self.fatal.is_some() {
            return None;
        }
        let queue = if heads {
            &mut self.removed_heads
        } else {
            &mut self.removed_others
        };
        let (line, c) = queue.pop_front()?;
        if c.change.reason == Reason::Migration {
            self.moves += 1;
        }
        self.last = Some((false, line));
        self.handed += 1;
        Some(c)
    }

    fn next_move(&mut self, moves: &mut MoveIns<'_>) -> Option<Staged> {
        if self.fatal.is_some() || self.moves_done {
            return None;
        }
        match moves.next(self.rows, &self.opts.path) {
            Ok(Some((line, v))) => {
                self.last = Some((false, line));
                self.moves += 1;
                if self.moves.is_multiple_of(CHUNK as u64) {
                    self.report.advance(moves.consumed, self.moves);
                }
                self.handed += 1;
                Some(migration(&v, self.opts))
            }
            Ok(None) => {
                self.moves_done = true;
                None
            }
            Err(e) => {
                self.fatal = Some(e);
                None
            }
        }
    }

    fn next_history(&mut self, parsing: &mut Parsing<'_>) -> Option<Staged> {
        let path = self.opts.history.as_deref().unwrap_or(&self.opts.path);
        loop {
            if self.fatal.is_some() {
                return None;
            }
            let (rec, parsed) = match self.current_history.as_mut().and_then(Iterator::next) {
                Some(p) => p,
                None => {
                    let (rows, consumed) = parsing.next()?;
                    self.report.advance(
                        self.history_base + consumed,
                        self.moves + self.history_applied,
                    );
                    self.current_history = Some(rows.into_iter());
                    continue;
                }
            };
            let outcome = parsed.and_then(|(seq, c)| match self.last_seq {
                Some((prev, line)) if seq <= prev => Err(Problem::new(
                    "seq",
                    format!(
                        "seq {seq} does not follow seq {prev} (line {line}): rows must be in ascending seq order"
                    ),
                )),
                _ => {
                    self.last_seq = Some((seq, rec.line));
                    Ok(c)
                }
            });
            let c = match outcome {
                Ok(c) => c,
                Err(p) if self.opts.skip_bad.is_some() => {
                    let reason = format!("{}: {}", p.column, p.reason);
                    self.skipped.push((rec, reason));
                    continue;
                }
                Err(p) => {
                    self.errors.push(row_error(path, rec.line, p));
                    continue;
                }
            };
            if !self.errors.is_empty() {
                continue;
            }
            let about_rejected = self.rejected_codes.contains(&c.code.get())
                || c.fields
                    .new_head
                    .is_some_and(|h| self.rejected_codes.contains(&h.get()))
                || c.fields
                    .household
                    .is_some_and(|h| self.rejected_households.contains(&h.get()));
            if about_rejected {
                self.rejected_codes.insert(c.code.get());
                self.skipped.push((
                    rec,
                    "the change names a resident or household that was rejected".to_string(),
                ));
                continue;
            }
            self.last = Some((true, rec.line));
            self.history_applied += 1;
            self.handed += 1;
            return Some(Staged {
                change: c,
                carried: None,
            });
        }
    }

    /// The error of a load that stopped at a change: bad history rows first, then the
    /// refused row, or the storage error when no row was at fault.
    fn refusal(&mut self, e: crate::store::BatchError) -> ImportError {
        if let Some(f) = self.fatal.take() {
            return f;
        }
        if !self.errors.is_empty() {
            return ImportError::BadRows(std::mem::take(&mut self.errors));
        }
        let handed_out = self.handed as usize;
        match self.last {
            Some((history, line)) if e.index + 1 == handed_out => {
                let file = if history {
                    self.opts.history.as_deref().unwrap_or(&self.opts.path)
                } else {
                    &self.opts.path
                };
                refused(file, line, e.error)
            }
            _ => ImportError::Store(e.error),
        }
    }
}

fn refused(file: &Path, line: u64, error: StoreError) -> ImportError {
    ImportError::Refused {
        row: Box::new(RowError {
            file: file.to_path_buf(),
            line,
            column: super::csv_row::ROW.into(),
            reason: masked_reason(&error.to_string()),
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

/// The 移行 version of a row (see docs/residents-csv.md): dated [`ValidRow::migration_date`],
/// carrying 住民となった日, 住所を定めた日 and 前住所 (and, for an active resident, 転出先 and
/// 届出日) as the file gives them; a 届出日 the file does not give stays unknown.
fn migration(v: &ValidRow, opts: &ImportOptions) -> Staged {
    let date = v.migration_date;
    let mut c = Change::new(Reason::Migration, v.code, date).with(Fields {
        my_number: Some(v.my_number),
        name: Some(v.name.clone()),
        kana: Some(v.kana.clone()),
        sex: Some(v.sex),
        birth: Some(v.birth),
        address: Some(v.address.clone()),
        postal: Some(v.postal),
        household: Some(v.household),
        relationship: Some(v.relationship.clone()),
        items: v.items.clone(),
        ..Fields::default()
    });
    let active = v.removed.is_none();
    let reported = if active { v.reported } else { None };
    // The write path's date checks need a 届出日; the stored one is the carried one.
    c.reported = Some(reported.unwrap_or(date));
    c.operator.clone_from(&opts.operator);
    c.terminal.clone_from(&opts.terminal);
    Staged {
        change: c,
        carried: Some(carried(
            v,
            reported,
            active.then(|| v.destination.clone()).flatten(),
        )),
    }
}

/// The removal (消除) of a removed resident's row, after its 移行 version: its 消除事由 on
/// its 消除日 (the day `Removal::effective` gives one known in part), with the file's 届出日
/// (unknown when not given) and 転出先; the version keeps the 消除日 as the file gives it.
fn removal(v: &ValidRow, opts: &ImportOptions, today: crate::model::Date) -> Option<Staged> {
    let super::csv_row::Removal {
        on: removed_on,
        reason,
        effective: on,
    } = v.removed?;
    let mut c = Change::new(reason, v.code, on).with(Fields {
        destination: (reason == Reason::MoveOut)
            .then(|| v.destination.clone())
            .flatten(),
        ..Fields::default()
    });
    c.reported = Some(v.reported.unwrap_or(on.min(today)));
    c.operator.clone_from(&opts.operator);
    c.terminal.clone_from(&opts.terminal);
    let mut carried = carried(v, v.reported, v.destination.clone());
    carried.removed_on = Some(removed_on);
    Some(Staged {
        change: c,
        carried: Some(carried),
    })
}

fn carried(
    v: &ValidRow,
    reported: Option<crate::model::Date>,
    destination: Option<crate::model::Address>,
) -> Carried {
    Carried {
        resident_since: v.moved_in,
        address_since: v.address_since,
        previous_address: v.previous_address.as_ref().map(|a| a.written().to_string()),
        destination: destination.map(|a| a.written().to_string()),
        reported,
        removed: v.removed.is_some(),
        removed_on: None,
    }
}

/// The removed residents' rows (除票), read again by their place in the file: the 世帯主
/// among them (loaded before the households' active members, so that a removed head
/// never meets a current one), then the others (loaded after them, so that their
/// household has its head), each as its 移行 and its removal.
#[allow(clippy::type_complexity)]
fn removed_rows(
    opts: &ImportOptions,
    header: &Header,
    rows: &[Row],
    today: crate::model::Date,
) -> Result<(VecDeque<(u64, Staged)>, VecDeque<(u64, Staged)>), ImportError> {
    let (mut heads, mut others) = (VecDeque::new(), VecDeque::new());
    let mut file = File::open(&opts.path).map_err(io_err(&opts.path))?;
    let mut buf = Vec::new();
    for r in rows.iter().filter(|r| r.is_good() && r.is_removed()) {
        buf.resize(r.len as usize, 0);
        file.seek(SeekFrom::Start(r.offset))
            .map_err(io_err(&opts.path))?;
        file.read_exact(&mut buf).map_err(io_err(&opts.path))?;
        let body = buf
            .strip_suffix(b"\r\n")
            .or_else(|| buf.strip_suffix(b"\n"))
            .unwrap_or(&buf);
        let rec = RawRecord::from_bytes(r.line, body.to_vec());
        let v = validate_row(&rec, header, opts.encoding, today)
            .map_err(|_| changed(&opts.path, r.line))?;
        let to = if v.relationship.is_head() {
            &mut heads
        } else {
            &mut others
        };
        to.push_back((r.line, migration(&v, opts)));
        if let Some(gone) = removal(&v, opts, today) {
            to.push_back((r.line, gone));
        }
    }
    Ok((heads, others))
}

/// The household and head flag of a row that failed validation, when readable.
fn claims(rec: &RawRecord, header: &Header, encoding: Encoding) -> Option<(u64, bool)> {
    use super::csv_row::Column;
    use crate::model::Relationship;
    let cells = rec.cells().ok()?;
    if cells.len() != header.width() {
        return None;
    }
    let text = |c: Column| encoding.decode(&cells[header.position(c)?]).ok();
    let h = HouseholdId::parse(&text(Column::HouseholdId)?).ok()?;
    let r = Relationship::parse(&text(Column::Relationship)?).ok()?;
    Some((h.get(), r.is_head()))
}

/// Marks every good row whose key repeats within the file.
fn repeats(rows: &mut [Row], good: &[usize], column: &str, what: &str, key: impl Fn(&Ids) -> u64) {
    let mut keyed: Vec<(u64, usize)> = good
        .iter()
        .map(|&i| (key(rows[i].ids.as_ref().expect("good rows are valid")), i))
        .collect();
    keyed.sort_unstable();
    for group in keyed.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        let lines: Vec<String> = group
            .iter()
            .map(|&(_, i)| rows[i].line.to_string())
            .collect();
        for &(_, i) in group {
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
    let mut members: Vec<(u64, usize)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_good() || skip_bad)
        .filter_map(|(i, r)| r.claim().map(|(h, _)| (h, i)))
        .collect();
    members.sort_unstable();
    for group in members.chunk_by(|a, b| a.0 == b.0) {
        let heads: Vec<usize> = group
            .iter()
            .map(|&(_, i)| i)
            .filter(|&i| rows[i].claim().is_some_and(|(_, head)| head))
            .collect();
        let good_heads = heads.iter().filter(|&&i| rows[i].is_good()).count();
        let reason = match (heads.len(), good_heads) {
            (0, _) => Some("the household has no valid 世帯主 row in the file".to_string()),
            (1, 0) => Some(format!(
                "the household's 世帯主 (line {}) is rejected, so the household cannot be loaded",
                rows[heads[0]].line
            )),
            (1, 1) => None,
            (n, _) => Some(format!(
                "the household has {n} 世帯主 (lines {})",
                heads
                    .iter()
                    .map(|&i| rows[i].line.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        if let Some(reason) = reason {
            for &(_, i) in group {
                if rows[i].is_good() || heads.len() != 1 {
                    rows[i]
                        .problems
                        .push(Problem::new("household_id", reason.clone()));
                }
            }
        }
    }
}

/// The rejects files are new files (`create_private`): a path that exists is refused before
/// anything is read, not after the whole import has been checked.
fn refuse_existing_rejects(opts: &ImportOptions) -> Result<(), ImportError> {
    let Some(rejects) = &opts.skip_bad else {
        return Ok(());
    };
    for path in [rejects.clone(), ImportOptions::companion_of(rejects)] {
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(ImportError::Io(format!(
                "{}: already exists; juki will not overwrite it",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Creates a new file for personal data, mode 0600. An existing path is refused
/// (`AlreadyExists`), a symbolic link included, whatever it points at: a file that holds
/// residents' data is never written over, nor through a link to somewhere else.
pub(crate) fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
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
        buf.resize(r.len as usize, 0);
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

/// The import's side of [`Progress`]: remembers the phase under way and passes events on.
/// Reached through shared references from the readers on the calling thread, hence the
/// cells.
struct Reporter<'a> {
    sink: std::cell::RefCell<Option<&'a mut dyn FnMut(ProgressEvent)>>,
    phase: std::cell::Cell<(Phase, Option<u64>)>,
}

impl<'a> Reporter<'a> {
    fn new(progress: Progress<'a>) -> Reporter<'a> {
        let sink = match progress {
            Progress::Quiet => None,
            Progress::To(f) => Some(f),
        };
        Reporter {
            sink: std::cell::RefCell::new(sink),
            phase: std::cell::Cell::new((Phase::Checking, None)),
        }
    }

    /// A phase starts, reading `total_bytes` in all when it reads any.
    fn start(&self, phase: Phase, total_bytes: Option<u64>) {
        self.phase.set((phase, total_bytes));
        self.advance(0, 0);
    }

    /// The phase under way has read `bytes` and done `rows`.
    fn advance(&self, bytes: u64, rows: u64) {
        if let Some(f) = self.sink.borrow_mut().as_mut() {
            let (phase, total_bytes) = self.phase.get();
            f(ProgressEvent {
                phase,
                rows,
                bytes,
                total_bytes,
            });
        }
    }
}
