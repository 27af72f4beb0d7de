//! Reading the residents CSV (docs/residents-csv.md): records as they stand in the file, the
//! header, and the validation of one row.
//!
//! * [`Records`] splits a byte stream into records by RFC 4180, keeping each record's bytes
//!   verbatim (for a rejects file) and the physical line it starts on (the header is line 1).
//!   A record spans lines only inside a quoted field. Broken quoting (a quote inside an
//!   unquoted field, text after a closing quote, a quote never closed) is reported on the
//!   record, not as a failure of the stream. Blank lines are skipped.
//! * [`Header`] maps the columns named by the header row, in any order.
//! * [`validate_row`] is the one pure function from a record and a header to a validated
//!   [`ValidRow`] or the list of every problem in the row, each naming its column.
//!
//! Cells are decoded one by one (UTF-8 or CP932): the CSV delimiters are ASCII bytes that
//! never occur inside a CP932 double-byte character, so splitting before decoding is exact,
//! and an undecodable cell names its column.
//!
//! A problem never carries a value in full: what locates it is the line and the column.
//! [`Problem::new`] masks, in every reason, each run of digits that could be a My Number
//! and cuts each quoted value to [`shown`] (a few characters); the reasons of the value
//! types, which may quote what was read, are masked harder by [`masked_reason`] (every run
//! of five digits or more too), and a header cell that is no column name is shown cut. A
//! file whose lines end in CR alone (an old Mac file) reads as one record: its header is
//! refused with one problem that shows nothing of the file.

use std::borrow::Cow;
use std::io::{self, BufRead};

use crate::model::{
    Address, Date, HouseholdId, InvalidValue, Item, ItemChanges, Kana, MyNumber, Name, PartialDate,
    PostalCode, Reason, Relationship, ResidentCode, Sex,
};

/// The text encoding of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    #[default]
    Utf8,
    /// Shift_JIS as Windows writes it (CP932, Windows-31J).
    Cp932,
}

impl Encoding {
    /// Parses `utf-8`, `utf8`, `cp932`, `shift_jis`, `sjis` or `windows-31j` (any case).
    pub fn parse(s: &str) -> Option<Encoding> {
        match s.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "cp932" | "shift_jis" | "shift-jis" | "sjis" | "windows-31j" => Some(Encoding::Cp932),
            _ => None,
        }
    }

    /// Decodes one cell; `None` when its bytes are not valid in this encoding.
    pub fn decode<'a>(self, bytes: &'a [u8]) -> Result<std::borrow::Cow<'a, str>, String> {
        match self {
            Encoding::Utf8 => std::str::from_utf8(bytes)
                .map(std::borrow::Cow::Borrowed)
                .map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1)),
            Encoding::Cp932 => encoding_rs::SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(bytes)
                .ok_or_else(|| "invalid CP932 (Shift_JIS) bytes".to_string()),
        }
    }

    /// Encodes text for a file in this encoding (characters CP932 lacks become numeric
    /// character references).
    pub fn encode<'a>(self, text: &'a str) -> std::borrow::Cow<'a, [u8]> {
        match self {
            Encoding::Utf8 => std::borrow::Cow::Borrowed(text.as_bytes()),
            Encoding::Cp932 => encoding_rs::SHIFT_JIS.encode(text).0,
        }
    }
}

/// One problem of a row: the column it is in (`(row)` for the row as a whole) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The column name, or `(row)`.
    pub column: String,
    /// What is wrong.
    pub reason: String,
}

impl Problem {
    /// A problem in `column`. Each quoted value in `reason` is cut to [`shown`] and each
    /// run of digits that could be a My Number is masked.
    pub fn new(column: impl Into<String>, reason: impl Into<String>) -> Problem {
        Problem {
            column: column.into(),
            reason: mask_reason(&reason.into(), crate::query::redact::MASKED_DIGITS),
        }
    }

    /// A problem of the row as a whole.
    pub fn row(reason: impl Into<String>) -> Problem {
        Problem::new(ROW, reason)
    }
}

/// The column name used for problems of a whole row.
pub const ROW: &str = "(row)";

/// The fewest digits in a run that [`masked_reason`] masks: dates, postal codes, household
/// ids and resident codes have more, a year or a digit count fewer.
const MASKED_VALUE_DIGITS: usize = 5;

/// The problem of a file whose lines end in CR alone.
pub const CR_LINE_ENDS: &str =
    "the lines end in CR alone (an old Mac file): convert the line ends to LF or CRLF";

/// What a report may show of a value: at most a third of its characters and at most three,
/// then `…`; nothing of a value that holds a run of digits that could be a My Number.
pub fn shown(value: &str) -> String {
    let value = value.trim();
    if crate::query::redact::redact_digits(value) != value {
        return crate::query::redact::MASK.to_string();
    }
    let n = value.chars().count();
    let keep = (n / 3).min(3);
    let mut out: String = value.chars().take(keep).collect();
    if keep < n {
        out.push('…');
    }
    out
}

/// A reason from a value type, which may quote the value it read, made fit for a report:
/// each quoted part cut to [`shown`], every run of five digits or more masked.
pub fn masked_reason(reason: &str) -> String {
    mask_reason(reason, MASKED_VALUE_DIGITS)
}

/// `reason` with each `"…"` part (as `{:?}` writes a value) cut to [`shown`] and every run of
/// `digits` digits or more (spaces and hyphens between them allowed) masked.
fn mask_reason(reason: &str, digits: usize) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut rest = reason;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        // The closing quote: the first one that is not escaped.
        let mut close = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    close = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(close) = close else {
            out.push('"');
            out.push_str(&shown(after));
            rest = "";
            break;
        };
        out.push('"');
        out.push_str(&shown(&after[..close]));
        out.push('"');
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    mask_digits(&out, digits)
}

/// `text` with every run of `min` digits or more (ASCII or full-width, with spaces, hyphens
/// and dots between them) replaced by `****`.
fn mask_digits(text: &str, min: usize) -> String {
    let mut out = String::with_capacity(text.len());
    // The run under way: where it starts in `text`, where its last digit ends, its digits.
    let mut run: Option<(usize, usize, usize)> = None;
    let mut at = 0;
    let close = |run: &mut Option<(usize, usize, usize)>, out: &mut String, at: &mut usize| {
        if let Some((start, end, n)) = run.take() {
            if n >= min {
                out.push_str(&text[*at..start]);
                out.push_str(crate::query::redact::MASK);
                *at = end;
            }
        }
    };
    for (i, c) in text.char_indices() {
        if c.is_ascii_digit() || ('０'..='９').contains(&c) {
            let end = i + c.len_utf8();
            match &mut run {
                Some((_, e, n)) => {
                    *e = end;
                    *n += 1;
                }
                None => run = Some((i, end, 1)),
            }
        } else if !(c.is_whitespace()
            || matches!(c, '-' | '－' | '‐' | '−' | 'ー' | '.' | '/' | '_'))
        {
            close(&mut run, &mut out, &mut at);
        }
    }
    close(&mut run, &mut out, &mut at);
    out.push_str(&text[at..]);
    out
}

/// A header cell as a report may name it: in full when it could be a column name (ASCII
/// letters, digits, `_`, `-` and spaces, at most 32, no run of five digits), else cut.
pub fn header_cell(name: &str) -> String {
    let plausible = name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' '))
        && mask_digits(name, MASKED_VALUE_DIGITS) == name;
    if plausible {
        name.to_string()
    } else {
        shown(name)
    }
}

/// One record as it stands in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// The physical line the record starts on, from 1 (the header is line 1).
    pub line: u64,
    /// The byte offset of the record in the input.
    pub offset: u64,
    /// The record's bytes exactly as in the file, without its line end.
    pub bytes: Vec<u8>,
    /// The line end that followed it (`\r\n`, `\n`, or empty at the end of the file).
    pub ending: &'static [u8],
    /// The cells, unquoted, or the quoting problem that prevents splitting the record.
    cells: Result<Cells, Problem>,
}

impl RawRecord {
    /// Splits `bytes` (one complete record without its line end) into cells.
    pub fn from_bytes(line: u64, bytes: Vec<u8>) -> RawRecord {
        let cells = match split(&bytes) {
            Split::Cells(c) => Ok(c),
            Split::Broken(p) => Err(p),
            Split::Open => Err(Problem::row(
                "broken quoting: a quoted field is never closed",
            )),
        };
        RawRecord {
            line,
            offset: 0,
            bytes,
            ending: b"",
            cells,
        }
    }

    /// The unquoted cells, or the quoting problem.
    pub fn cells(&self) -> Result<&Cells, &Problem> {
        self.cells.as_ref()
    }
}

enum Split {
    Cells(Cells),
    Broken(Problem),
    /// A quoted field is still open at the end of the bytes.
    Open,
}

/// RFC 4180: cells separated by commas; a quoted cell may hold commas, line ends and
/// doubled quotes.
fn split(b: &[u8]) -> Split {
    let mut cells = Cells::default();
    let mut i = 0;
    loop {
        let n = cells.len() + 1;
        if i < b.len() && b[i] == b'"' {
            i += 1;
            loop {
                let Some(j) = memchr::memchr(b'"', &b[i..]).map(|j| i + j) else {
                    return Split::Open;
                };
                cells.text.extend_from_slice(&b[i..j]);
                if b.get(j + 1) == Some(&b'"') {
                    cells.text.push(b'"');
                    i = j + 2;
                } else {
                    i = j + 1;
                    break;
                }
            }
            cells.end_cell();
            match b.get(i) {
                None => return Split::Cells(cells),
                Some(b',') => i += 1,
                Some(_) => {
                    return Split::Broken(Problem::row(format!(
                        "broken quoting: text after the closing quote of field {n}"
                    )))
                }
            }
        } else {
            let j = memchr::memchr(b',', &b[i..]).map_or(b.len(), |j| i + j);
            let cell = &b[i..j];
            if memchr::memchr(b'"', cell).is_some() {
                return Split::Broken(Problem::row(format!(
                    "broken quoting: a quote inside unquoted field {n}"
                )));
            }
            cells.text.extend_from_slice(cell);
            cells.end_cell();
            if j == b.len() {
                return Split::Cells(cells);
            }
            i = j + 1;
        }
    }
}

/// The unquoted cells of a record, end to end in one buffer (two allocations a record,
/// however many cells it has).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cells {
    text: Vec<u8>,
    /// Where each cell ends in `text`.
    ends: Vec<usize>,
}

impl Cells {
    fn end_cell(&mut self) {
        self.ends.push(self.text.len());
    }

    /// How many cells there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none (never, for a split record: an empty line is one empty cell).
    #[cfg(any(test, feature = "testing"))]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Cell `i`, or `None` past the last.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..end])
    }

    /// The cells in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        (0..self.len()).map(|i| &self[i])
    }
}

impl std::ops::Index<usize> for Cells {
    type Output = [u8];

    fn index(&self, i: usize) -> &[u8] {
        self.get(i).expect("cell index within the record")
    }
}

/// The records of a stream, in order. A UTF-8 byte-order mark at the start is skipped.
pub struct Records<R: BufRead> {
    input: R,
    line: u64,
    started: bool,
    /// Bytes consumed so far (for progress).
    pub consumed: u64,
}

impl<R: BufRead> Records<R> {
    /// Reads records from `input`.
    pub fn new(input: R) -> Records<R> {
        Records {
            input,
            line: 0,
            started: false,
            consumed: 0,
        }
    }

    /// The physical lines read so far.
    pub fn line_count(&self) -> u64 {
        self.line
    }

    fn read_line(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let n = self.input.read_until(b'\n', buf)?;
        if n > 0 {
            self.line += 1;
            self.consumed += n as u64;
        }
        Ok(n)
    }

    /// The next record, `None` at the end of the input.
    pub fn next_record(&mut self) -> io::Result<Option<RawRecord>> {
        if !self.started {
            self.started = true;
            let head = self.input.fill_buf()?;
            if head.starts_with(b"\xEF\xBB\xBF") {
                self.input.consume(3);
                self.consumed += 3;
            }
        }
        let mut buf = Vec::new();
        let mut offset;
        loop {
            buf.clear();
            offset = self.consumed;
            if self.read_line(&mut buf)? == 0 {
                return Ok(None);
            }
            if !matches!(buf.as_slice(), b"\n" | b"\r\n") {
                break;
            }
        }
        let line = self.line;
        loop {
            let (body, ending) = strip_ending(&buf);
            match split(body) {
                Split::Open if !ending.is_empty() => {
                    if self.read_line(&mut buf)? == 0 {
                        // The file ends inside the quote.
                        let (body, ending) = strip_ending(&buf);
                        let mut rec = RawRecord::from_bytes(line, body.to_vec());
                        rec.ending = ending;
                        rec.offset = offset;
                        return Ok(Some(rec));
                    }
                }
                split => {
                    let cells = match split {
                        Split::Cells(c) => Ok(c),
                        Split::Broken(p) => Err(p),
                        Split::Open => Err(Problem::row(
                            "broken quoting: a quoted field is never closed",
                        )),
                    };
                    let bytes = body.to_vec();
                    return Ok(Some(RawRecord {
                        line,
                        offset,
                        bytes,
                        ending,
                        cells,
                    }));
                }
            }
        }
    }
}

fn strip_ending(buf: &[u8]) -> (&[u8], &'static [u8]) {
    if let Some(b) = buf.strip_suffix(b"\r\n") {
        (b, b"\r\n")
    } else if let Some(b) = buf.strip_suffix(b"\n") {
        (b, b"\n")
    } else {
        (buf, b"")
    }
}

/// The columns of the residents file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// `resident_code`.
    ResidentCode,
    /// `my_number`.
    MyNumber,
    /// `name_kanji`.
    NameKanji,
    /// `name_kana`.
    NameKana,
    /// `sex`.
    Sex,
    /// `birth_date`.
    BirthDate,
    /// `address`.
    Address,
    /// `postal_code`.
    PostalCode,
    /// `household_id`.
    HouseholdId,
    /// `relationship`.
    Relationship,
    /// `moved_in_date` (optional): 住民となった日.
    MovedInDate,
    /// `address_since` (optional): 住所を定めた日.
    AddressSince,
    /// `previous_address` (optional): 前住所.
    PreviousAddress,
    /// `destination` (optional): 転出先.
    Destination,
    /// `valid_from` (optional): the 異動日 of the state the row gives.
    ValidFrom,
    /// `reported` (optional): 届出日.
    Reported,
    /// `status` (optional): `active` (住民) or `removed` (消除者).
    Status,
    /// `removed_on` (optional): 消除日.
    RemovedOn,
    /// `removal_reason` (optional): 消除事由 (`move_out`, `death`, `removal_ex_officio`).
    RemovalReason,
}

impl Column {
    /// Every column, in the order `juki gen` and EXPORT write them.
    pub const ALL: [Column; 19] = [
        Column::ResidentCode,
        Column::MyNumber,
        Column::NameKanji,
        Column::NameKana,
        Column::Sex,
        Column::BirthDate,
        Column::Address,
        Column::PostalCode,
        Column::HouseholdId,
        Column::Relationship,
        Column::MovedInDate,
        Column::AddressSince,
        Column::PreviousAddress,
        Column::Destination,
        Column::ValidFrom,
        Column::Reported,
        Column::Status,
        Column::RemovedOn,
        Column::RemovalReason,
    ];

    /// How many of [`Column::ALL`], from the first, every file must have.
    pub const REQUIRED: usize = 10;

    /// The column's name in the header.
    pub fn name(self) -> &'static str {
        match self {
            Column::ResidentCode => "resident_code",
            Column::MyNumber => "my_number",
            Column::NameKanji => "name_kanji",
            Column::NameKana => "name_kana",
            Column::Sex => "sex",
            Column::BirthDate => "birth_date",
            Column::Address => "address",
            Column::PostalCode => "postal_code",
            Column::HouseholdId => "household_id",
            Column::Relationship => "relationship",
            Column::MovedInDate => "moved_in_date",
            Column::AddressSince => "address_since",
            Column::PreviousAddress => "previous_address",
            Column::Destination => "destination",
            Column::ValidFrom => "valid_from",
            Column::Reported => "reported",
            Column::Status => "status",
            Column::RemovedOn => "removed_on",
            Column::RemovalReason => "removal_reason",
        }
    }
}

/// The columns EXPORT writes that an import takes and reads nothing from: the 宛名番号
/// (a register gives its own to each person it records) and the address in parts (ward,
/// 町字, 丁目・番地・号, 方書, area codes: the import places the address again).
pub const DERIVED_COLUMNS: [&str; 6] =
    ["atena_number", "ward", "town", "block", "katagaki", "areas"];

/// Where each column stands in the file's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    index: [usize; 19],
    /// The item columns the file has ([`crate::model::ITEMS`] keys), with their positions.
    items: Vec<(Item, usize)>,
    width: usize,
}

impl Header {
    /// Reads the header record: every required column must be named once, an optional
    /// column at most once, and no other.
    pub fn parse(record: &RawRecord, encoding: Encoding) -> Result<Header, Vec<Problem>> {
        // A CR inside the header is a file whose lines end in CR alone: all of it is this
        // one record, and no cell of it may be shown.
        if record.bytes.contains(&b'\r') {
            return Err(vec![Problem::row(CR_LINE_ENDS)]);
        }
        let cells = record.cells().map_err(|p| vec![p.clone()])?;
        let mut problems = Vec::new();
        let mut index = [usize::MAX; 19];
        let mut items: Vec<(Item, usize)> = Vec::new();
        for (i, cell) in cells.iter().enumerate() {
            let name = match encoding.decode(cell) {
                Ok(n) => n.trim().to_string(),
                Err(reason) => {
                    problems.push(Problem::new(format!("header field {}", i + 1), reason));
                    continue;
                }
            };
            match Column::ALL.iter().position(|c| c.name() == name) {
                Some(c) if index[c] != usize::MAX => {
                    problems.push(Problem::new(name, "column named twice in the header"))
                }
                Some(c) => index[c] = i,
                None if DERIVED_COLUMNS.contains(&name.as_str()) => {}
                None => match Item::from_key(&name) {
                    Some(item) if items.iter().any(|(j, _)| *j == item) => {
                        problems.push(Problem::new(name, "column named twice in the header"))
                    }
                    Some(item) => items.push((item, i)),
                    None => problems.push(Problem::new(
                        header_cell(&name),
                        format!("unknown column (header field {})", i + 1),
                    )),
                },
            }
        }
        for (c, i) in Column::ALL.iter().zip(index).take(Column::REQUIRED) {
            if i == usize::MAX {
                problems.push(Problem::new(
                    c.name(),
                    format!("required column {} is missing", c.name()),
                ));
            }
        }
        if problems.is_empty() {
            Ok(Header {
                index,
                items,
                width: cells.len(),
            })
        } else {
            Err(problems)
        }
    }

    /// The number of columns a record must have.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The position of `column` in a record; `None` for an optional column the file does
    /// not have.
    pub fn position(&self, column: Column) -> Option<usize> {
        Some(self.index[column as usize]).filter(|&i| i != usize::MAX)
    }
}

/// A row that passed every check of its own (the checks across rows and against the
/// database come after).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRow {
    /// 住民票コード.
    pub code: ResidentCode,
    /// 個人番号.
    pub my_number: MyNumber,
    /// 氏名.
    pub name: Name,
    /// 振り仮名.
    pub kana: Kana,
    /// 性別.
    pub sex: Sex,
    /// 生年月日 (a month, a year or nothing when 不詳).
    pub birth: PartialDate,
    /// 住所.
    pub address: Address,
    /// 郵便番号.
    pub postal: PostalCode,
    /// 世帯番号.
    pub household: HouseholdId,
    /// 続柄.
    pub relationship: Relationship,
    /// 住民となった日 (the birth date when the file leaves it empty: born here), whole or
    /// known in part.
    pub moved_in: PartialDate,
    /// 住所を定めた日 (住民となった日 when the file leaves it empty), whole or known in part.
    pub address_since: PartialDate,
    /// 前住所.
    pub previous_address: Option<Address>,
    /// 転出先.
    pub destination: Option<Address>,
    /// The 異動日 of the state the row gives, when the file gives it.
    pub valid_from: Option<Date>,
    /// 届出日, when the file gives it.
    pub reported: Option<Date>,
    /// A removed resident's (消除者) removal; `None` for an active one.
    pub removed: Option<Removal>,
    /// The 異動日 of the 移行 version: the row's `valid_from` for an active resident, else
    /// the day [`in_force`] gives 住所を定めた日 (for a removed one, the day before which
    /// nothing is known of the state that ended with the removal), and never after the
    /// removal's.
    pub migration_date: Date,
    /// The items beyond the core fields the row gives (an empty cell gives none).
    pub items: ItemChanges,
}

/// The removal of a removed resident's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    /// 消除日, whole or known in part.
    pub on: PartialDate,
    /// 消除事由.
    pub reason: Reason,
    /// The 異動日 of the removal: the 消除日 when whole, else the day [`in_force`] gives it,
    /// or the 届出日 for a 消除日 of 不詳.
    pub effective: Date,
}

/// The day from which the register treats a fact dated `d` as done, when the day is
/// known only in part: its last possible day, and not after `today`; `None` for 不詳. So an
/// as-of read never shows a 住所 or a 消除 before the register knows it had happened (a
/// whole date is its own day).
pub fn in_force(d: PartialDate, today: Date) -> Option<Date> {
    match d {
        PartialDate::Exact(day) => Some(day),
        partial => partial.last_day().map(|last| last.min(today)),
    }
}

/// Whether `later` is surely before `earlier`: every day it can be precedes every day
/// `earlier` can be (never for 不詳).
fn surely_before(later: PartialDate, earlier: PartialDate) -> bool {
    match (later.last_day(), earlier.first_day()) {
        (Some(last), Some(first)) => last < first,
        _ => false,
    }
}

/// Validates one record against the header: the column count, the quoting, the encoding
/// of each cell and each value (check digits, digit counts, dates that exist and are not in
/// the future as of `today`, sex codes, non-empty names …). Returns every problem found.
pub fn validate_row(
    record: &RawRecord,
    header: &Header,
    encoding: Encoding,
    today: Date,
) -> Result<ValidRow, Vec<Problem>> {
    // The row's shape first: without the header's number of cells no cell can be named.
    let cells = record.cells().map_err(|p| vec![p.clone()])?;
    if cells.len() != header.width {
        return Err(vec![Problem::row(format!(
            "wrong column count: expected {} fields, got {}",
            header.width,
            cells.len()
        ))]);
    }
    // Then every cell, decoded and validated, keeping every problem so that one pass
    // reports them all; then the dates against today and each other.
    let mut problems = Vec::new();
    let texts: Vec<Option<Cow<'_, str>>> = Column::ALL
        .iter()
        .map(|&c| match header.position(c) {
            Some(i) => decode_cell(&cells[i], c, encoding, &mut problems),
            None => Some(Cow::Borrowed("")),
        })
        .collect();
    let values = Values::parse(&texts, &mut problems);
    let items = item_values(cells, header, encoding, &mut problems);
    check_dates(
        values.birth,
        values.moved_in.flatten(),
        today,
        &mut problems,
    );
    values.check_migration(today, &mut problems);
    // A row is valid only when nothing at all was found in it.
    match values.complete(today) {
        Some(row) if problems.is_empty() => Ok(ValidRow { items, ..row }),
        _ => Err(problems),
    }
}

/// The items of a row's item columns: each non-empty cell validated by its item (a problem
/// naming the column when it is not valid).
fn item_values(
    cells: &Cells,
    header: &Header,
    encoding: Encoding,
    problems: &mut Vec<Problem>,
) -> ItemChanges {
    let mut items = ItemChanges::new();
    for &(item, i) in &header.items {
        let Ok(text) = encoding.decode(cells.get(i).unwrap_or_default()) else {
            problems.push(Problem::new(item.key(), "the cell does not decode"));
            continue;
        };
        let text = unguarded(text);
        if text.trim().is_empty() {
            continue;
        }
        if let Err(e) = items.set(item, &text) {
            problems.push(Problem::new(item.key(), masked_reason(&e.reason)));
        }
    }
    items
}

/// A decoded cell with the `'` EXPORT puts before a value a spreadsheet would take for a
/// formula taken off (`export::unguard`).
fn unguarded(t: Cow<'_, str>) -> Cow<'_, str> {
    match t {
        Cow::Borrowed(b) => Cow::Borrowed(crate::io::export::unguard(b)),
        Cow::Owned(o) if o.starts_with('\'') => Cow::Owned(o[1..].to_owned()),
        owned => owned,
    }
}

/// One cell's text in `encoding`, or a problem naming its column.
fn decode_cell<'a>(
    cell: &'a [u8],
    column: Column,
    encoding: Encoding,
    problems: &mut Vec<Problem>,
) -> Option<Cow<'a, str>> {
    match encoding.decode(cell) {
        Ok(t) => Some(unguarded(t)),
        Err(reason) => {
            problems.push(Problem::new(column.name(), reason));
            None
        }
    }
}

/// Each value of a row that validated (`None` where its cell did not decode or validate).
struct Values {
    code: Option<ResidentCode>,
    my_number: Option<MyNumber>,
    name: Option<Name>,
    kana: Option<Kana>,
    sex: Option<Sex>,
    birth: Option<PartialDate>,
    address: Option<Address>,
    postal: Option<PostalCode>,
    household: Option<HouseholdId>,
    relationship: Option<Relationship>,
    /// Optional cells: `Some(None)` when empty, `None` when not valid.
    moved_in: Option<Option<PartialDate>>,
    address_since: Option<Option<PartialDate>>,
    previous_address: Option<Option<Address>>,
    destination: Option<Option<Address>>,
    valid_from: Option<Option<Date>>,
    reported: Option<Option<Date>>,
    removed: Option<Option<bool>>,
    removed_on: Option<Option<PartialDate>>,
    removal_reason: Option<Option<Reason>>,
}

impl Values {
    /// Validates each decoded cell by its column's type, noting a problem for each that
    /// fails (in the order of the columns).
    fn parse(texts: &[Option<Cow<'_, str>>], problems: &mut Vec<Problem>) -> Values {
        let p = problems;
        Values {
            code: value(texts, Column::ResidentCode, ResidentCode::parse, p),
            my_number: value(texts, Column::MyNumber, MyNumber::parse, p),
            name: value(texts, Column::NameKanji, Name::parse, p),
            kana: value(texts, Column::NameKana, Kana::parse, p),
            sex: value(texts, Column::Sex, Sex::parse, p),
            birth: value(texts, Column::BirthDate, PartialDate::parse, p),
            address: value(texts, Column::Address, Address::parse, p),
            postal: value(texts, Column::PostalCode, PostalCode::parse, p),
            household: value(texts, Column::HouseholdId, HouseholdId::parse, p),
            relationship: value(texts, Column::Relationship, Relationship::parse, p),
            moved_in: optional(texts, Column::MovedInDate, PartialDate::parse, p),
            address_since: optional(texts, Column::AddressSince, PartialDate::parse, p),
            previous_address: optional(texts, Column::PreviousAddress, Address::parse, p),
            destination: optional(texts, Column::Destination, Address::parse, p),
            valid_from: optional(texts, Column::ValidFrom, Date::parse, p),
            reported: optional(texts, Column::Reported, Date::parse, p),
            removed: optional(texts, Column::Status, parse_status, p),
            removed_on: optional(texts, Column::RemovedOn, PartialDate::parse, p),
            removal_reason: optional(texts, Column::RemovalReason, parse_removal, p),
        }
    }

    /// The checks of the optional columns against each other: a removed resident has a
    /// 消除日 and a 消除事由 (and an active one neither), a 転出 its 転出先; the dates
    /// follow each other (住民となった日 ≤ 住所を定めた日 ≤ 異動日 or 消除日 ≤ 届出日) and are
    /// not in the future (a 転出 may be notified up to 14 days ahead); a date known only
    /// in part is out of order or in the future only when every day it can be is.
    fn check_migration(&self, today: Date, p: &mut Vec<Problem>) {
        self.check_removal_columns(p);
        self.check_unknown_days(p);
        self.check_date_order(p);
        self.check_future(today, p);
    }

    fn removed(&self) -> bool {
        self.removed.flatten().unwrap_or(false)
    }

    fn check_removal_columns(&self, p: &mut Vec<Problem>) {
        let removed = self.removed();
        let (on, why) = (self.removed_on.flatten(), self.removal_reason.flatten());
        let col = |c: Column| c.name();
        if removed && self.removed_on == Some(None) {
            p.push(Problem::new(
                col(Column::RemovedOn),
                "a removed resident needs 消除日 (removed_on)",
            ));
        }
        if removed && self.removal_reason == Some(None) {
            p.push(Problem::new(
                col(Column::RemovalReason),
                "a removed resident needs 消除事由 (removal_reason)",
            ));
        }
        if !removed && (on.is_some() || why.is_some()) {
            p.push(Problem::new(
                col(Column::Status),
                "removed_on and removal_reason are for removed residents (status removed)",
            ));
        }
        if removed && why == Some(Reason::MoveOut) && self.destination == Some(None) {
            p.push(Problem::new(
                col(Column::Destination),
                "a resident removed by 転出 needs 転出先 (destination)",
            ));
        }
    }

    /// 住民となった日 as the row gives it, or the birth date when it is empty and that is
    /// known whole.
    fn since(&self) -> Option<PartialDate> {
        self.moved_in
            .flatten()
            .or(self.birth.and_then(|b| b.exact().map(PartialDate::from)))
    }

    fn address_since_or_since(&self) -> Option<PartialDate> {
        self.address_since.flatten().or(self.since())
    }

    /// The days the register needs whole and a 不詳 cannot give: the 住民となった日 for an
    /// empty one, the 異動日 of an active resident's 移行 (valid_from) when 住所を定めた日 is
    /// 不詳, the 異動日 of a removal (reported) when 消除日 is 不詳.
    fn check_unknown_days(&self, p: &mut Vec<Problem>) {
        let col = |c: Column| c.name();
        if self.moved_in == Some(None) && self.birth.is_some_and(|b| !b.is_exact()) {
            p.push(Problem::new(
                col(Column::MovedInDate),
                "a birth date known only in part (不詳) needs moved_in_date",
            ));
        }
        let unknown = |d: Option<PartialDate>| d == Some(PartialDate::Unknown);
        if !self.removed()
            && unknown(self.address_since_or_since())
            && self.valid_from == Some(None)
        {
            p.push(Problem::new(
                col(Column::ValidFrom),
                "a 住所を定めた日 of 不詳 needs valid_from, the day the state of the row took effect",
            ));
        }
        if self.removed() && unknown(self.removed_on.flatten()) && self.reported == Some(None) {
            p.push(Problem::new(
                col(Column::Reported),
                "a 消除日 of 不詳 needs reported (届出日), the day the removal takes effect",
            ));
        }
    }

    /// Each date against the one it may not precede (named, not shown: a report does not
    /// print the row's values).
    fn check_date_order(&self, p: &mut Vec<Problem>) {
        let (on, why) = (self.removed_on.flatten(), self.removal_reason.flatten());
        let since = self.since();
        let address_since = self.address_since_or_since();
        let whole = |d: Option<Date>| d.map(PartialDate::from);
        // A 転出 may be notified up to 14 days before it takes effect.
        let state = match (self.removed(), why) {
            (true, Some(Reason::MoveOut)) => on
                .and_then(|d| d.first_day())
                .map(|d| d.add_days(-14).into()),
            (true, _) => on,
            (false, _) => whole(self.valid_from.flatten()),
        };
        let order = [
            (
                Column::AddressSince,
                "moved_in_date (birth_date when empty)",
                since,
                address_since,
            ),
            (
                Column::ValidFrom,
                "address_since",
                address_since,
                whole(self.valid_from.flatten()),
            ),
            (Column::RemovedOn, "address_since", address_since, on),
            (
                Column::Reported,
                "the 異動日 of the row",
                state,
                whole(self.reported.flatten()),
            ),
        ];
        for (column, before, earlier, later) in order {
            if let (Some(a), Some(b)) = (earlier, later) {
                if surely_before(b, a) {
                    p.push(Problem::new(
                        column.name(),
                        format!("the date is before {before}"),
                    ));
                }
            }
        }
    }

    fn check_future(&self, today: Date, p: &mut Vec<Problem>) {
        let why = self.removal_reason.flatten();
        let ahead = if why == Some(Reason::MoveOut) { 14 } else { 0 };
        let whole = |d: Option<Date>| d.map(PartialDate::from);
        let future = [
            (Column::AddressSince, self.address_since.flatten(), 0),
            (Column::ValidFrom, whole(self.valid_from.flatten()), 0),
            (Column::Reported, whole(self.reported.flatten()), 0),
            (Column::RemovedOn, self.removed_on.flatten(), ahead),
        ];
        for (column, date, days) in future {
            if date.is_some_and(|d| d.surely_after(today.add_days(days))) {
                p.push(Problem::new(
                    column.name(),
                    format!("the date is in the future (today is {today})"),
                ));
            }
        }
    }

    /// The row, when every value validated.
    fn complete(self, today: Date) -> Option<ValidRow> {
        let moved_in = self.since()?;
        let address_since = self.address_since?.unwrap_or(moved_in);
        let valid_from = self.valid_from?;
        let reported = self.reported?;
        let removed = match self.removed?.unwrap_or(false) {
            true => {
                let on = self.removed_on??;
                Some(Removal {
                    on,
                    reason: self.removal_reason??,
                    effective: in_force(on, today).or(reported)?,
                })
            }
            false => None,
        };
        let settled = in_force(address_since, today);
        let migration_date = match (removed, valid_from) {
            (None, Some(d)) => d,
            (None, None) => settled?,
            (Some(r), _) => settled.map_or(r.effective, |d| d.min(r.effective)),
        };
        Some(ValidRow {
            code: self.code?,
            my_number: self.my_number?,
            name: self.name?,
            kana: self.kana?,
            sex: self.sex?,
            birth: self.birth?,
            address: self.address?,
            postal: self.postal?,
            household: self.household?,
            relationship: self.relationship?,
            moved_in,
            address_since,
            previous_address: self.previous_address?,
            destination: self.destination?,
            valid_from,
            reported,
            removed,
            migration_date,
            items: ItemChanges::new(),
        })
    }
}

/// The value of `column`, when its cell decoded and validated; a problem naming the column
/// when it did not validate.
fn value<T>(
    texts: &[Option<Cow<'_, str>>],
    column: Column,
    parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let text = texts[column as usize].as_deref()?;
    match parse(text) {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(Problem::new(column.name(), masked_reason(&e.reason)));
            None
        }
    }
}

/// The value of an optional column: `Some(None)` when its cell is empty (or the file has
/// no such column), `None` with a problem when it does not validate.
fn optional<T>(
    texts: &[Option<Cow<'_, str>>],
    column: Column,
    parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
    problems: &mut Vec<Problem>,
) -> Option<Option<T>> {
    let text = texts[column as usize].as_deref()?;
    if text.trim().is_empty() {
        return Some(None);
    }
    value(texts, column, parse, problems).map(Some)
}

/// `status`: `active`/住民 (false) or `removed`/消除者 (true).
fn parse_status(text: &str) -> Result<bool, InvalidValue> {
    match text.trim() {
        "active" | "住民" => Ok(false),
        "removed" | "消除者" => Ok(true),
        _ => Err(InvalidValue::new(
            "status",
            "unknown status, expected active or removed",
        )),
    }
}

/// `removal_reason`: a 異動事由 that removes a resident (転出, 死亡, 職権消除).
fn parse_removal(text: &str) -> Result<Reason, InvalidValue> {
    let r = Reason::parse(text)?;
    if !r.removes() {
        return Err(InvalidValue::new(
            "reason",
            format!(
                "{r} does not remove a resident (expected move_out, death or removal_ex_officio)"
            ),
        ));
    }
    Ok(r)
}

/// The dates of a row against today and each other: no birth or moving in in the future,
/// no moving in before the birth (a birth date known in part: before every day it can be).
fn check_dates(
    birth: Option<PartialDate>,
    moved_in: Option<PartialDate>,
    today: Date,
    p: &mut Vec<Problem>,
) {
    if let Some(b) = birth {
        if b.surely_after(today) {
            p.push(Problem::new(
                Column::BirthDate.name(),
                format!("the birth date is in the future (today is {today})"),
            ));
        }
    }
    if let Some(m) = moved_in {
        if m.surely_after(today) {
            p.push(Problem::new(
                Column::MovedInDate.name(),
                format!("the moved-in date is in the future (today is {today})"),
            ));
        } else if birth.is_some_and(|b| surely_before(m, b) && !b.surely_after(today)) {
            p.push(Problem::new(
                Column::MovedInDate.name(),
                "the moved-in date is before the birth date",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(input: &[u8]) -> Vec<RawRecord> {
        let mut r = Records::new(input);
        let mut out = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            out.push(rec);
        }
        out
    }

    #[test]
    fn splits_quoted_fields_and_keeps_lines() {
        let recs = records(b"\xEF\xBB\xBFa,b\r\n\"x,1\",\"y\"\"z\"\r\n\n\"multi\nline\",2\n3,4");
        assert_eq!(recs.len(), 4);
        assert_eq!(recs[0].line, 1);
        assert_eq!(recs[0].bytes, b"a,b");
        assert_eq!(
            recs[1].cells().unwrap().iter().collect::<Vec<_>>(),
            [&b"x,1"[..], &b"y\"z"[..]]
        );
        assert_eq!(recs[1].ending, b"\r\n");
        assert_eq!(recs[2].line, 4);
        assert_eq!(&recs[2].cells().unwrap()[0], b"multi\nline");
        assert_eq!(recs[3].line, 6);
        assert_eq!(recs[3].ending, b"");
    }

    #[test]
    fn broken_quoting_is_a_problem_of_the_record() {
        let recs = records(b"a\"b,c\n\"a\"b,c\nok,1\n\"open,2\n");
        assert!(recs[0]
            .cells()
            .unwrap_err()
            .reason
            .contains("inside unquoted"));
        assert!(recs[1]
            .cells()
            .unwrap_err()
            .reason
            .contains("after the closing"));
        assert_eq!(recs[2].cells().unwrap().len(), 2);
        assert!(recs[3].cells().unwrap_err().reason.contains("never closed"));
        assert_eq!(recs.len(), 4);
    }

    #[test]
    fn header_names_missing_and_unknown_columns() {
        let rec = RawRecord::from_bytes(1, b"resident_code,colour".to_vec());
        let problems = Header::parse(&rec, Encoding::Utf8).unwrap_err();
        assert!(problems.iter().any(|p| p.column == "colour"));
        assert!(problems.iter().any(|p| p.column == "my_number"));
    }

    #[test]
    fn reports_show_values_cut_and_no_number() {
        assert_eq!(shown("山田 太郎"), "山…");
        assert_eq!(shown("男"), "…");
        assert_eq!(shown("山田 太郎 様"), "山田…");
        assert_eq!(shown("x1234 5678 9018y"), "****");
        assert_eq!(
            masked_reason(r#""山田\"太郎" is not 1, 2, 男 or 女; 1980-04-01, 24727059608"#),
            r#""山田…" is not 1, 2, 男 or 女; ****, ****"#
        );
        // Every problem masks digits that could be a My Number, nothing shorter.
        let p = Problem::new("sex", "\"1234-5678-9018\" (lines 12345, 2)");
        assert_eq!(p.reason, "\"****\" (lines 12345, 2)");
        assert_eq!(header_cell("gender"), "gender");
        assert_eq!(header_cell("relationship\r24727059608"), "****");
        assert_eq!(header_cell("山田 太郎一"), "山田…");
    }

    #[test]
    fn a_header_with_a_cr_is_refused_with_one_problem() {
        let rec = RawRecord::from_bytes(1, b"resident_code,my_number\r1,2\r".to_vec());
        let problems = Header::parse(&rec, Encoding::Utf8).unwrap_err();
        assert_eq!(problems, vec![Problem::row(CR_LINE_ENDS)]);
    }
}
