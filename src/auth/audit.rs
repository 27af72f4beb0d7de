//! The operation log (操作ログ): one entry per operation — sign-ins, reads and writes,
//! succeeded, failed or refused — chained with SHA-256 so that an entry altered or removed
//! behind juki's back is found by AUDIT VERIFY. No operation edits or deletes an entry.
//!
//! Entry `n` stores `hash_n = SHA-256(hash_{n-1} ‖ canonical bytes of entry n)`, with
//! `hash_0` all zeros. The canonical bytes are the fields in a fixed order, each
//! length-prefixed, so no two entries share them.

use super::error::Result;
use super::pending::PendingEntry;
use crate::store::record::{checked_body, CRC_LEN};
use crate::store::StoreError;
use crate::Error;
use redb::{ReadableTable, Table};
use rkyv::rancor;
use sha2::{Digest, Sha256};

/// What CHECK found, one line a problem: the tables' problems (with a count of those not
/// listed), then the first break in the operation log's chain. Empty when all is well.
pub(crate) fn check_problems(
    report: &crate::store::CheckReport,
    chain: &ChainReport,
) -> Vec<String> {
    let mut problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    if report.omitted > 0 {
        problems.push(format!("… and {} more problems", report.omitted));
    }
    if let Some((seq, why)) = &chain.first_broken {
        problems.push(format!("audit {seq}: {why}"));
    }
    for tail in chain.archived.iter().filter(|t| t.broken.is_some()) {
        problems.push(format!("audit_archive: {tail}"));
    }
    problems
}

/// Statement text with every My Number and password already taken out: the only form in
/// which the text of a statement reaches the operation log. The query layer, which can read
/// statements, makes it (`query::redact`); the log cannot redact for itself without
/// depending on the layer above it.
#[derive(Debug, Clone)]
pub(crate) struct Redacted(String);

impl Redacted {
    /// Text that has been through `query::redact`; kept printable
    /// ([`super::pending::printable`]: a newline or an escape code in a statement cannot
    /// forge an AUDIT row or reach an auditor's terminal as a control sequence).
    pub(crate) fn from_redacted(text: String) -> Redacted {
        match super::pending::printable(&text) {
            std::borrow::Cow::Borrowed(_) => Redacted(text),
            std::borrow::Cow::Owned(escaped) => Redacted(escaped),
        }
    }

    pub(crate) fn into_string(self) -> String {
        self.0
    }
}

/// `sequence number → framed AuditEntry`: the log, gapless from 1.
pub(crate) use crate::store::schema::AUDIT;

/// One operation as logged.
#[derive(rkyv::Archive, rkyv::Serialize, rkyv::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the log, from 1.
    pub seq: u64,
    /// When, Unix time in microseconds.
    pub time: i64,
    /// The operator (as given, for a failed sign-in).
    pub operator: String,
    /// The terminal.
    pub terminal: String,
    /// The statement kind (`GET`, `FIND`, `MOVE IN`, `SIGN IN` …).
    pub kind: String,
    /// The statement text with My Numbers and passwords redacted.
    pub text: String,
    /// `OK` or the error code.
    pub outcome: String,
    /// The resident codes returned or changed.
    pub codes: Vec<u64>,
    /// The chain hash of this entry.
    pub hash: [u8; 32],
}

fn put(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// The chain hash of an entry given the previous hash.
pub(crate) fn chain_hash(prev: &[u8; 32], e: &AuditEntry) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(e.seq.to_le_bytes());
    h.update(e.time.to_le_bytes());
    put(&mut h, e.operator.as_bytes());
    put(&mut h, e.terminal.as_bytes());
    put(&mut h, e.kind.as_bytes());
    put(&mut h, e.text.as_bytes());
    put(&mut h, e.outcome.as_bytes());
    h.update((e.codes.len() as u64).to_le_bytes());
    for c in &e.codes {
        h.update(c.to_le_bytes());
    }
    h.finalize().into()
}

impl AuditEntry {
    #[cfg(test)]
    pub(crate) fn encode(&self) -> Vec<u8> {
        let body = rkyv::to_bytes::<rancor::Error>(self).expect("in-memory serialisation");
        crate::store::record::frame(&body)
    }

    /// [`AuditEntry::encode`] into `out`, whose memory is reused: the archive is written
    /// after room for the CRC, which is filled in last. Archives have alignment 1 (rkyv's
    /// `unaligned`), so where the archive starts in `out` changes none of its bytes.
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(&[0; CRC_LEN]);
        rkyv::api::high::to_bytes_in::<_, rancor::Error>(self, &mut *out)
            .expect("in-memory serialisation");
        let crc = crc32fast::hash(&out[CRC_LEN..]);
        out[..CRC_LEN].copy_from_slice(&crc.to_le_bytes());
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<AuditEntry> {
        let body = checked_body("audit", bytes)?;
        rkyv::from_bytes::<AuditEntry, rancor::Error>(body).map_err(|e| {
            Error::from(StoreError::Corrupt {
                table: "audit",
                detail: format!("entry does not decode: {e}"),
            })
        })
    }
}

/// Appends entries at the end of the chain inside the caller's write transaction. One
/// [`AuditEntry`] and one output buffer serve every entry: each entry's fields are copied
/// into the strings of the one before, whose memory is reused.
pub(crate) fn append_all<'e>(
    table: &mut Table<'_, u64, &'static [u8]>,
    entries: impl IntoIterator<Item = &'e PendingEntry>,
) -> Result<()> {
    let (mut seq, prev) = match table.last()? {
        Some((k, v)) => (k.value(), AuditEntry::decode(v.value())?.hash),
        None => (0, [0u8; 32]),
    };
    let mut e = AuditEntry {
        seq,
        time: 0,
        operator: String::new(),
        terminal: String::new(),
        kind: String::new(),
        text: String::new(),
        outcome: String::new(),
        codes: Vec::new(),
        hash: prev,
    };
    let mut bytes = Vec::new();
    for p in entries {
        seq += 1;
        let prev = e.hash;
        e.seq = seq;
        e.time = p.time;
        set(&mut e.operator, &p.signer.operator);
        set(&mut e.terminal, &p.signer.terminal);
        set(&mut e.kind, &p.kind);
        e.text.clear();
        p.text.write_to(&mut e.text);
        set(&mut e.outcome, &p.outcome);
        e.codes.clear();
        e.codes.extend_from_slice(p.codes.as_slice());
        e.hash = chain_hash(&prev, &e);
        e.encode_into(&mut bytes);
        table.insert(seq, bytes.as_slice())?;
    }
    Ok(())
}

fn set(s: &mut String, to: &str) {
    s.clear();
    s.push_str(to);
}

/// What AUDIT VERIFY found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Entries checked.
    pub entries: u64,
    /// The first entry that does not verify, and why; `None` when the chain is intact.
    pub first_broken: Option<(u64, String)>,
    /// The logs of registers a restore replaced, kept in the file (`auth::replaced`), each
    /// verified.
    pub archived: Vec<super::replaced::ArchivedTail>,
}

impl std::fmt::Display for ChainReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.first_broken {
            None => write!(
                f,
                "the operation log is intact: {} entries verified",
                self.entries
            ),
            Some((seq, why)) => write!(
                f,
                "the operation log is broken at entry {seq}: {why} ({} entries before it verified)",
                seq.saturating_sub(1)
            ),
        }?;
        for tail in &self.archived {
            write!(f, "\n{tail}")?;
        }
        Ok(())
    }
}

/// Recomputes the chain over the whole log, and verifies the logs of replaced registers
/// the file keeps (`auth::replaced`).
pub(crate) fn verify_all(txn: &redb::ReadTransaction) -> Result<ChainReport> {
    verify_all_but(txn, &[])
}

/// [`verify_all`], with the tails that `pending` RESTORE tokens name taken as named (see
/// `replaced::verify_archived`).
pub(crate) fn verify_all_but(txn: &redb::ReadTransaction, pending: &[&str]) -> Result<ChainReport> {
    let mut report = verify(&txn.open_table(crate::store::engine::schema::AUDIT)?)?;
    report.archived = super::replaced::verify_archived(txn, pending)?;
    Ok(report)
}

/// Recomputes the chain over the whole log.
pub(crate) fn verify(table: &impl ReadableTable<u64, &'static [u8]>) -> Result<ChainReport> {
    let mut prev = [0u8; 32];
    let mut entries = 0;
    for (expected, item) in (1u64..).zip(table.iter()?) {
        let (k, v) = item?;
        let seq = k.value();
        if seq != expected {
            return Ok(ChainReport {
                entries,
                first_broken: Some((
                    expected,
                    format!("entry {expected} is missing (next is {seq})"),
                )),
                archived: Vec::new(),
            });
        }
        let e = match AuditEntry::decode(v.value()) {
            Ok(e) => e,
            Err(err) => {
                return Ok(ChainReport {
                    entries,
                    first_broken: Some((seq, err.to_string())),
                    archived: Vec::new(),
                })
            }
        };
        if e.seq != seq {
            return Ok(ChainReport {
                entries,
                first_broken: Some((seq, format!("stored under {seq} but numbered {}", e.seq))),
                archived: Vec::new(),
            });
        }
        if chain_hash(&prev, &e) != e.hash {
            return Ok(ChainReport {
                entries,
                first_broken: Some((
                    seq,
                    "its hash does not match its content and the entry before".into(),
                )),
                archived: Vec::new(),
            });
        }
        prev = e.hash;
        entries += 1;
    }
    Ok(ChainReport {
        entries,
        first_broken: None,
        archived: Vec::new(),
    })
}

/// Which entries AUDIT reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this operator's entries.
    pub operator: Option<String>,
    /// Only entries of this kind (`GET`, `EXPORT`, `RESTRICTED SHOWN` …), as logged.
    pub kind: Option<String>,
    /// Only entries at or after this time (Unix µs).
    pub since_micros: Option<i64>,
    /// At most this many (the latest ones).
    pub limit: Option<usize>,
}

/// Reads entries matching `q`, oldest first (the last `limit` of them).
pub(crate) fn read(
    table: &impl ReadableTable<u64, &'static [u8]>,
    q: &AuditQuery,
) -> Result<Vec<AuditEntry>> {
    let mut out = std::collections::VecDeque::new();
    for item in table.iter()? {
        let (_, v) = item?;
        let e = AuditEntry::decode(v.value())?;
        if q.operator.as_ref().is_some_and(|o| *o != e.operator)
            || q.kind.as_ref().is_some_and(|k| *k != e.kind)
        {
            continue;
        }
        if q.since_micros.is_some_and(|s| e.time < s) {
            continue;
        }
        out.push_back(e);
        if q.limit.is_some_and(|l| out.len() > l) {
            out.pop_front();
        }
    }
    Ok(out.into())
}

/// An entry as AUDIT shows it: every text printable ([`super::pending::printable`], for the
/// entries of a file written before statement texts were kept so), and for a role that may
/// not see a resident's details (the auditor) the statement text without its values
/// ([`without_values`]): who, when, what kind of statement, which resident codes and the
/// outcome, but no name, reading, birth date or address.
pub(crate) fn shown(mut e: AuditEntry, details: bool) -> AuditEntry {
    let printable = |s: &mut String| {
        if let std::borrow::Cow::Owned(escaped) = super::pending::printable(s) {
            *s = escaped;
        }
    };
    for s in [
        &mut e.operator,
        &mut e.terminal,
        &mut e.kind,
        &mut e.outcome,
    ] {
        printable(s);
    }
    if details {
        printable(&mut e.text);
    } else {
        e.text = without_values(&e.text);
    }
    e
}

/// A statement text with every value masked (`****`): it keeps the words of ASCII letters
/// (keywords, field and role names) and the field names of `field=value`; a quoted text, a
/// value, a number, a date, a word with any other character, and a comment to the end of
/// the text each become `****`. The statement's resident codes are the entry's `codes`.
pub(crate) fn without_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        } else if rest.starts_with("--") {
            out.push_str("-- ****");
            break;
        } else {
            let end = word_end(rest);
            out.push_str(&masked_word(&rest[..end]));
            rest = &rest[end..];
        }
    }
    out
}

/// Where the word at the start of `s` ends: at whitespace outside quotes.
fn word_end(s: &str) -> usize {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c.is_whitespace() => return i,
            None => {}
        }
    }
    s.len()
}

fn masked_word(word: &str) -> String {
    let plain = |w: &str| {
        w.chars()
            .all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | ',' | ';' | '(' | ')' | '*'))
    };
    if plain(word) {
        return word.to_owned();
    }
    match word.split_once('=') {
        Some((field, _)) if !field.is_empty() && plain(field) => format!("{field}=****"),
        _ => "****".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_encoded_into_a_used_buffer_is_encoded_alike() {
        let mut e = AuditEntry {
            seq: 41,
            time: 1_700_000_000_000_000,
            operator: "clerk1".into(),
            terminal: "窓口3".into(),
            kind: "GET".into(),
            text: "GET 24727059608 AS OF 2020-01-01".into(),
            outcome: "OK".into(),
            codes: vec![24727059608],
            hash: [7; 32],
        };
        let mut out = vec![1, 2, 3];
        e.encode_into(&mut out);
        assert_eq!(out, e.encode());
        assert_eq!(AuditEntry::decode(&out).unwrap(), e);
        e.seq = 42;
        e.codes.clear();
        e.text = "FIND".into();
        e.encode_into(&mut out);
        assert_eq!(out, e.encode());
    }

    #[test]
    fn without_values_keeps_the_words_and_masks_every_value() {
        for (text, shown) in [
            (
                "RENAME **** name='佐藤 太郎' kana='サトウ タロウ' ON 2024-02-01",
                "RENAME **** name=**** kana=**** ON ****",
            ),
            (
                "FIND name=ヤマダ birth=1980-04-01 address=芦屋市精道町",
                "FIND name=**** birth=**** address=****",
            ),
            ("FND 山田 花子 S55.4.1", "FND **** **** ****"),
            ("GET 24727059608 -- 山田 太郎", "GET **** -- ****"),
            (
                "ISSUE COPY OF **** REQUESTED BY 'Smith John'",
                "ISSUE COPY OF **** REQUESTED BY ****",
            ),
            ("STATS BY sex, town", "STATS BY sex, town"),
            ("FIND name='unclosed 山田", "FIND name=****"),
        ] {
            assert_eq!(without_values(text), shown, "{text}");
        }
    }

    #[test]
    fn an_entry_is_shown_printable_and_to_an_auditor_without_values() {
        let e = AuditEntry {
            seq: 1,
            time: 0,
            operator: "a\u{1b}[2J".into(),
            terminal: "t\n".into(),
            kind: "SYNTAX".into(),
            text: "GET '\u{1b}[31m山田\n| 2 | admin1 | OK'".into(),
            outcome: "SYNTAX".into(),
            codes: vec![],
            hash: [0; 32],
        };
        let admin = shown(e.clone(), true);
        assert_eq!(admin.operator, "a\\u{1b}[2J");
        assert_eq!(admin.terminal, "t\\u{a}");
        assert_eq!(admin.text, "GET '\\u{1b}[31m山田\\u{a}| 2 | admin1 | OK'");
        let auditor = shown(e, false);
        assert_eq!(auditor.text, "GET ****");
    }
}
