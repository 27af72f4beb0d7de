//! The operation log of a register that a restore replaced, carried into the restored file.
//!
//! A backup holds the log up to the moment it was made; the register it replaces may have
//! logged much since (the 異動, the reads, the restore itself). Those entries are not lost:
//! `juki restore --force` copies every entry of the replaced register after the point where
//! its log and the backup's part (the longest common prefix of the two chains, found by
//! comparing chain hashes) into the table `audit_archive` of the restored file, under the
//! number of the restore (1 for the file's first restore over a register, then 2 …), and the
//! RESTORE entry of the restored log names the tail: `archived=<n>:<first>-<last>:<hash>`,
//! the last entry's chain hash in hexadecimal.
//!
//! Invariants, verified by AUDIT VERIFY and CHECK ([`verify_archived`]): the entries of one
//! tail are numbered without a gap; the first continues the chain of the restored log's own
//! entry before it (the common prefix is in the restored log too); every hash matches its
//! entry and the one before; and a RESTORE entry of the restored log, itself in the chain,
//! names the tail's number, range and last hash. So a tail altered, cut or added behind
//! juki's back is found like an altered entry of the log.

use super::audit::{chain_hash, AuditEntry};
use super::error::Result;
use crate::store::engine::schema::{AUDIT, AUDIT_ARCHIVE};
use redb::{ReadTransaction, ReadableTable};

/// A replaced register's log tail as the restored file keeps it, and what verifying it
/// found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedTail {
    /// The restore that carried it (1, 2 …).
    pub restore: u64,
    /// The first and last entry numbers (as the replaced register numbered them).
    pub first: u64,
    /// See `first`.
    pub last: u64,
    /// The chain hash of the last entry.
    pub last_hash: [u8; 32],
    /// What does not verify, if anything.
    pub broken: Option<String>,
}

impl ArchivedTail {
    /// The token of the RESTORE entry that names this tail.
    pub(crate) fn token(&self) -> String {
        format!(
            "archived={}:{}-{}:{}",
            self.restore,
            self.first,
            self.last,
            hex(&self.last_hash)
        )
    }

    /// Entries in the tail.
    pub fn entries(&self) -> u64 {
        self.last + 1 - self.first
    }
}

impl std::fmt::Display for ArchivedTail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.broken {
            None => write!(
                f,
                "restore {}: the replaced register's entries {} to {} ({}) are archived and verify",
                self.restore,
                self.first,
                self.last,
                self.entries()
            ),
            Some(why) => write!(
                f,
                "restore {}: the archived entries {} to {} do not verify: {why}",
                self.restore, self.first, self.last
            ),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The chain hash of entry `seq` of a log table, if it holds it.
fn hash_at(table: &impl ReadableTable<u64, &'static [u8]>, seq: u64) -> Result<Option<[u8; 32]>> {
    match table.get(seq)? {
        Some(v) => Ok(Some(AuditEntry::decode(v.value())?.hash)),
        None => Ok(None),
    }
}

/// How many entries the two logs share: the largest `n` whose entry `n` has the same chain
/// hash in both (a chain hash covers every entry before it, so the shared entries are a
/// prefix and a binary search finds its end).
pub(crate) fn common_prefix(
    our_log: &impl ReadableTable<u64, &'static [u8]>,
    their_log: &impl ReadableTable<u64, &'static [u8]>,
) -> Result<u64> {
    let (mut lo, mut hi) = (0u64, our_log.len()?.min(their_log.len()?));
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if hash_at(our_log, mid)? == hash_at(their_log, mid)? {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(lo)
}

/// Copies the entries of `replaced` after `prefix` into `audit_archive` of `target` under
/// the next restore number; the tail written, or `None` when there is nothing after it.
pub(crate) fn archive_tail(
    replaced: &impl ReadableTable<u64, &'static [u8]>,
    prefix: u64,
    target: &redb::Database,
) -> Result<Option<ArchivedTail>> {
    let txn = target
        .begin_write()
        .map_err(crate::store::StoreError::from)?;
    let restore = {
        let table = txn.open_table(AUDIT_ARCHIVE)?;
        let last = table.last()?.map(|(k, _)| k.value().0);
        last.unwrap_or(0) + 1
    };
    let mut tail: Option<ArchivedTail> = None;
    {
        let mut table = txn.open_table(AUDIT_ARCHIVE)?;
        for entry in replaced.range(prefix + 1..)? {
            let (k, v) = entry?;
            let e = AuditEntry::decode(v.value())?;
            table.insert((restore, k.value()), v.value())?;
            let t = tail.get_or_insert(ArchivedTail {
                restore,
                first: e.seq,
                last: e.seq,
                last_hash: e.hash,
                broken: None,
            });
            t.last = e.seq;
            t.last_hash = e.hash;
        }
    }
    txn.commit().map_err(crate::store::StoreError::from)?;
    Ok(tail)
}

/// Verifies every archived tail of the file against its log (see the module's invariants).
/// `pending` holds the token of a RESTORE entry about to be written (the restore's CHECK
/// of its copy runs before the entry that names the tail it carried).
pub(crate) fn verify_archived(
    txn: &ReadTransaction,
    pending: &[&str],
) -> Result<Vec<ArchivedTail>> {
    let archive = match txn.open_table(AUDIT_ARCHIVE) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(crate::store::StoreError::from(e).into()),
    };
    let log = txn.open_table(AUDIT)?;
    let named: Vec<String> = restore_tokens(&log)?;
    let mut tails: Vec<ArchivedTail> = Vec::new();
    let mut prev = [0u8; 32];
    for item in archive.iter()? {
        let (k, v) = item?;
        let (restore, seq) = k.value();
        let entry = AuditEntry::decode(v.value());
        let starts = tails.last().is_none_or(|t| t.restore != restore);
        if starts {
            prev = match seq {
                1 => [0u8; 32],
                n => hash_at(&log, n - 1)?.unwrap_or([0xff; 32]),
            };
            tails.push(ArchivedTail {
                restore,
                first: seq,
                last: seq - 1,
                last_hash: prev,
                broken: None,
            });
        }
        let t = tails.last_mut().expect("a tail was pushed");
        if t.broken.is_some() {
            continue;
        }
        let why = match entry {
            _ if seq != t.last + 1 => Some(format!("entry {} is missing", t.last + 1)),
            Err(e) => Some(format!("entry {seq}: {e}")),
            Ok(e) if e.seq != seq || chain_hash(&prev, &e) != e.hash => Some(format!(
                "entry {seq}: its hash does not match its content and the entry before"
            )),
            Ok(e) => {
                prev = e.hash;
                t.last = seq;
                t.last_hash = e.hash;
                None
            }
        };
        t.broken = why;
    }
    for t in &mut tails {
        let token = t.token();
        if t.broken.is_none() && !named.contains(&token) && !pending.contains(&token.as_str()) {
            t.broken = Some("no RESTORE entry of the log names this tail as it is".into());
        }
    }
    Ok(tails)
}

/// The `archived=…` tokens of the log's successful RESTORE entries.
fn restore_tokens(log: &impl ReadableTable<u64, &'static [u8]>) -> Result<Vec<String>> {
    let mut tokens = Vec::new();
    for item in log.iter()? {
        let (_, v) = item?;
        let e = AuditEntry::decode(v.value())?;
        if e.kind == "RESTORE" && e.outcome == "OK" {
            tokens.extend(
                e.text
                    .split(' ')
                    .filter(|w| w.starts_with("archived="))
                    .map(str::to_owned),
            );
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::backends::InMemoryBackend;
    use redb::ReadableDatabase;

    /// Entries `from..=to` of a chain after `prev`, each of `kind` with `text`.
    fn chain(prev: [u8; 32], from: u64, to: u64, text: &str) -> Vec<AuditEntry> {
        let mut prev = prev;
        (from..=to)
            .map(|seq| {
                let mut e = AuditEntry {
                    seq,
                    time: seq as i64,
                    operator: "admin1".into(),
                    terminal: "t".into(),
                    kind: "GET".into(),
                    text: format!("{text} {seq}"),
                    outcome: "OK".into(),
                    codes: vec![seq],
                    hash: [0; 32],
                };
                e.hash = chain_hash(&prev, &e);
                prev = e.hash;
                e
            })
            .collect()
    }

    fn restore_entry(prev: [u8; 32], seq: u64, token: &str) -> AuditEntry {
        let mut e = AuditEntry {
            seq,
            time: 0,
            operator: "admin1".into(),
            terminal: "t".into(),
            kind: "RESTORE".into(),
            text: format!("RESTORE FROM 'b' {token}"),
            outcome: "OK".into(),
            codes: Vec::new(),
            hash: [0; 32],
        };
        e.hash = chain_hash(&prev, &e);
        e
    }

    /// A replaced register's log (a shared prefix of 3, then 4 of its own) and a restored
    /// one (the prefix, then its RESTORE entry naming the archived tail of 4 to 7).
    fn restored(token_of: impl Fn(&ArchivedTail) -> String) -> redb::Database {
        let db = redb::Database::builder()
            .create_with_backend(InMemoryBackend::new())
            .unwrap();
        let prefix = chain([0; 32], 1, 3, "shared");
        let theirs: Vec<AuditEntry> = prefix
            .iter()
            .cloned()
            .chain(chain(prefix[2].hash, 4, 7, "replaced"))
            .collect();
        let txn = db.begin_write().unwrap();
        {
            let mut replaced = txn.open_table(AUDIT).unwrap();
            for e in &theirs {
                replaced.insert(e.seq, e.encode().as_slice()).unwrap();
            }
        }
        txn.commit().unwrap();
        // Archive the replaced log's tail after the shared prefix into the same file (the
        // test's "restored" log is then written over the AUDIT table).
        let tail = {
            let txn = db.begin_read().unwrap();
            let log = txn.open_table(AUDIT).unwrap();
            archive_tail(&log, 3, &db).unwrap().unwrap()
        };
        let txn = db.begin_write().unwrap();
        {
            let mut log = txn.open_table(AUDIT).unwrap();
            for seq in 4..=7 {
                log.remove(seq).unwrap();
            }
            let e = restore_entry(prefix[2].hash, 4, &token_of(&tail));
            log.insert(4, e.encode().as_slice()).unwrap();
        }
        txn.commit().unwrap();
        db
    }

    fn verified(db: &redb::Database) -> Vec<ArchivedTail> {
        verify_archived(&db.begin_read().unwrap(), &[]).unwrap()
    }

    #[test]
    fn an_archived_tail_verifies() {
        let db = restored(ArchivedTail::token);
        let tails = verified(&db);
        assert_eq!(tails.len(), 1);
        let t = &tails[0];
        assert_eq!((t.restore, t.first, t.last, t.entries()), (1, 4, 7, 4));
        assert_eq!(t.broken, None, "{t}");
    }

    #[test]
    fn a_tail_no_restore_entry_names_is_found() {
        let db = restored(|t| format!("archived={}:{}-{}:00", t.restore, t.first, t.last));
        let t = &verified(&db)[0];
        assert!(
            t.broken.as_deref().unwrap().contains("no RESTORE entry"),
            "{t}"
        );
        // Pending (the restore's own CHECK, before its entry is written), it verifies.
        let token = ArchivedTail {
            broken: None,
            ..t.clone()
        }
        .token();
        let tails = verify_archived(&db.begin_read().unwrap(), &[token.as_str()]).unwrap();
        assert_eq!(tails[0].broken, None);
    }

    #[test]
    fn an_altered_or_missing_archived_entry_is_found() {
        let db = restored(ArchivedTail::token);
        let txn = db.begin_write().unwrap();
        {
            let mut archive = txn.open_table(AUDIT_ARCHIVE).unwrap();
            let mut e = AuditEntry::decode(archive.get((1, 5)).unwrap().unwrap().value()).unwrap();
            e.text = "replaced 5, edited".into();
            archive.insert((1, 5), e.encode().as_slice()).unwrap();
        }
        txn.commit().unwrap();
        let t = &verified(&db)[0];
        assert!(t.broken.as_deref().unwrap().contains("entry 5"), "{t}");

        let db = restored(ArchivedTail::token);
        let txn = db.begin_write().unwrap();
        txn.open_table(AUDIT_ARCHIVE)
            .unwrap()
            .remove((1, 6))
            .unwrap();
        txn.commit().unwrap();
        let t = &verified(&db)[0];
        assert!(
            t.broken.as_deref().unwrap().contains("entry 6 is missing"),
            "{t}"
        );
    }

    #[test]
    fn the_shared_prefix_is_found_by_hash() {
        let db = redb::Database::builder()
            .create_with_backend(InMemoryBackend::new())
            .unwrap();
        const OURS: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("ours");
        let shared = chain([0; 32], 1, 5, "shared");
        let ours: Vec<AuditEntry> = shared
            .iter()
            .cloned()
            .chain(chain(shared[4].hash, 6, 9, "ours"))
            .collect();
        let theirs: Vec<AuditEntry> = shared
            .iter()
            .cloned()
            .chain(chain(shared[4].hash, 6, 12, "theirs"))
            .collect();
        let txn = db.begin_write().unwrap();
        {
            let mut a = txn.open_table(OURS).unwrap();
            for e in &ours {
                a.insert(e.seq, e.encode().as_slice()).unwrap();
            }
            let mut b = txn.open_table(AUDIT).unwrap();
            for e in &theirs {
                b.insert(e.seq, e.encode().as_slice()).unwrap();
            }
        }
        txn.commit().unwrap();
        let txn = db.begin_read().unwrap();
        let (a, b) = (
            txn.open_table(OURS).unwrap(),
            txn.open_table(AUDIT).unwrap(),
        );
        assert_eq!(common_prefix(&a, &b).unwrap(), 5);
        assert_eq!(common_prefix(&b, &b).unwrap(), 12);
    }
}
