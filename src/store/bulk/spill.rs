//! Sorted runs of a load's write-only entries (4情報 `search` keys, `residents` records and
//! `versions`), kept in unnamed temporary files beside the database between the passes of
//! a load and merged into their tables once, in key order, at its end.
//!
//! A load written in passes (see `staging`) would otherwise insert each pass's entries
//! between those of the passes before, rewriting most pages of the three largest trees
//! once a pass (a history row adds a version to a resident written passes before) and
//! leaving their pages half full. Nothing a load does reads these tables back for what it
//! wrote itself (identities and households are answered from memory, versions from
//! `recent`), so their entries can wait.
//!
//! Each run is its own file made by `tempfile::tempfile_in` in the database's directory:
//! it has no name, only this process can open it, and it disappears when the load ends or
//! the process dies. It holds what the database file holds, in the same form (plain text
//! keys, framed records), so a load of an encrypted database does not spill: it writes
//! every pass to the tables instead.
//!
//! The merges go through `engine::sorted` writers (the 4情報 keys through the block
//! `Inserter`, which uses one): their entries come in key order, each key once, and those
//! after the table's last key (all of them in a load into an empty register, since only the
//! load wrote these tables since it began) are appended through one cursor.

use crate::store::engine::blocks::Inserter;
use crate::store::engine::sorted::Sorted;
use crate::store::error::{Result, StoreError};
use redb::Table;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

/// The length that marks a code given up (no current record) in a residents run.
const GONE: u32 = u32::MAX;

fn io(what: &str) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::io(format_args!("load spill file ({what})"), e)
}

/// The runs of one load: its 4情報 keys, and its records (the two merges may run on two
/// threads).
pub(crate) struct Spill {
    pub(crate) search: SearchRuns,
    pub(crate) records: RecordRuns,
}

/// Sorted runs of current records and of versions.
pub(crate) struct RecordRuns {
    pub(crate) residents: ResidentRuns,
    pub(crate) versions: VersionRuns,
}

/// Sorted runs of versions by (id, version).
pub(crate) struct VersionRuns {
    dir: PathBuf,
    runs: Vec<File>,
}

/// Sorted runs of 4情報 keys.
pub(crate) struct SearchRuns {
    dir: PathBuf,
    runs: Vec<File>,
}

/// Sorted runs of current records by resident code.
pub(crate) struct ResidentRuns {
    dir: PathBuf,
    runs: Vec<File>,
}

/// Writes one run.
struct RunWriter {
    out: BufWriter<File>,
}

impl RunWriter {
    fn new(dir: &PathBuf) -> Result<RunWriter> {
        let file = tempfile::tempfile_in(dir).map_err(io("create"))?;
        Ok(RunWriter {
            out: BufWriter::with_capacity(1 << 20, file),
        })
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).map_err(io("write"))
    }

    fn finish(self) -> Result<File> {
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| io("write")(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(io("seek"))?;
        Ok(file)
    }
}

/// Reads one run back.
struct RunReader {
    input: BufReader<File>,
}

impl RunReader {
    fn new(file: File) -> RunReader {
        RunReader {
            input: BufReader::with_capacity(256 << 10, file),
        }
    }

    /// Fills `buf` exactly, or returns `false` at a clean end of the run.
    fn fill(&mut self, buf: &mut [u8]) -> Result<bool> {
        match self.input.read_exact(buf) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
            Err(e) => Err(io("read")(e)),
        }
    }

    /// Fills `buf` exactly: the rest of an entry whose start was read.
    fn rest(&mut self, buf: &mut [u8]) -> Result<()> {
        if self.fill(buf)? {
            Ok(())
        } else {
            Err(StoreError::Storage(
                "load spill file: a run ends early".into(),
            ))
        }
    }

    fn bytes(&mut self, len: usize) -> Result<Vec<u8>> {
        let mut v = vec![0; len];
        self.rest(&mut v)?;
        Ok(v)
    }

    /// The next 4情報 key of a search run, read into `key`.
    fn next_key(&mut self, key: &mut Vec<u8>) -> Result<bool> {
        let mut len = [0u8; 2];
        if !self.fill(&mut len)? {
            return Ok(false);
        }
        key.resize(u16::from_le_bytes(len) as usize, 0);
        self.rest(key)?;
        Ok(true)
    }

    /// The next entry of a residents run: the code and its current record, or `None` for a
    /// code given up.
    #[allow(clippy::type_complexity)]
    fn next_resident(&mut self) -> Result<Option<(u64, Option<Vec<u8>>)>> {
        let mut head = [0u8; 12];
        if !self.fill(&mut head)? {
            return Ok(None);
        }
        let code = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
        let len = u32::from_le_bytes(head[8..].try_into().expect("4 bytes"));
        if len == GONE {
            return Ok(Some((code, None)));
        }
        Ok(Some((code, Some(self.bytes(len as usize)?))))
    }

    /// The next entry of a versions run: its key, with its record read into `record`.
    fn next_version(&mut self, record: &mut Vec<u8>) -> Result<Option<(u64, u32)>> {
        let mut head = [0u8; 16];
        if !self.fill(&mut head)? {
            return Ok(None);
        }
        let id = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
        let version = u32::from_le_bytes(head[8..12].try_into().expect("4 bytes"));
        let len = u32::from_le_bytes(head[12..].try_into().expect("4 bytes"));
        record.resize(len as usize, 0);
        self.rest(record)?;
        Ok(Some((id, version)))
    }
}

impl Spill {
    /// No runs yet, to be kept in `dir`.
    pub(crate) fn new(dir: PathBuf) -> Spill {
        Spill {
            search: SearchRuns {
                dir: dir.clone(),
                runs: Vec::new(),
            },
            records: RecordRuns {
                residents: ResidentRuns {
                    dir: dir.clone(),
                    runs: Vec::new(),
                },
                versions: VersionRuns {
                    dir,
                    runs: Vec::new(),
                },
            },
        }
    }

    /// Whether no run has been written.
    pub(crate) fn is_empty(&self) -> bool {
        self.search.runs.is_empty()
            && self.records.residents.runs.is_empty()
            && self.records.versions.runs.is_empty()
    }
}

impl RecordRuns {
    /// Merges the runs of current records into `residents` and those of versions into
    /// `versions`.
    pub(crate) fn merge_into(
        self,
        residents: &mut Table<'_, u64, &'static [u8]>,
        versions: &mut Table<'_, (u64, u32), &'static [u8]>,
    ) -> Result<()> {
        self.residents.merge_into(residents)?;
        self.versions.merge_into(versions)
    }
}

impl VersionRuns {
    /// Writes one run of versions (`entries` in (id, version) order, each once).
    pub(crate) fn run<'r>(
        &mut self,
        entries: impl Iterator<Item = ((u64, u32), &'r [u8])>,
    ) -> Result<()> {
        let mut w = RunWriter::new(&self.dir)?;
        for ((id, version), record) in entries {
            let len = u32::try_from(record.len())
                .map_err(|_| StoreError::Storage("a record is too long".into()))?;
            w.put(&id.to_le_bytes())?;
            w.put(&version.to_le_bytes())?;
            w.put(&len.to_le_bytes())?;
            w.put(record)?;
        }
        self.runs.push(w.finish()?);
        Ok(())
    }

    /// Inserts the versions of every run into `versions`, in key order.
    pub(crate) fn merge_into(
        self,
        versions: &mut Table<'_, (u64, u32), &'static [u8]>,
    ) -> Result<()> {
        let mut runs: Vec<RunReader> = self.runs.into_iter().map(RunReader::new).collect();
        let mut pending: Vec<Vec<u8>> = vec![Vec::new(); runs.len()];
        let mut heap = BinaryHeap::new();
        for (i, r) in runs.iter_mut().enumerate() {
            if let Some(key) = r.next_version(&mut pending[i])? {
                heap.push(Reverse((key, i)));
            }
        }
        let mut out = Sorted::new(versions)?;
        while let Some(Reverse((key, i))) = heap.pop() {
            out.insert(key, pending[i].as_slice())?;
            if let Some(key) = runs[i].next_version(&mut pending[i])? {
                heap.push(Reverse((key, i)));
            }
        }
        out.finish()
    }
}

impl SearchRuns {
    /// Writes one run of 4情報 keys (`keys` in order, each once).
    pub(crate) fn run<'k>(&mut self, keys: impl Iterator<Item = &'k [u8]>) -> Result<()> {
        let mut w = RunWriter::new(&self.dir)?;
        for k in keys {
            let len = u16::try_from(k.len()).map_err(|_| {
                StoreError::Storage(format!("a 4情報 key of {} bytes is too long", k.len()))
            })?;
            w.put(&len.to_le_bytes())?;
            w.put(k)?;
        }
        self.runs.push(w.finish()?);
        Ok(())
    }

    /// Inserts the keys of every run into `search`, in key order, each once.
    pub(crate) fn merge_into(
        self,
        search: &mut Table<'_, &'static [u8], &'static [u8]>,
    ) -> Result<()> {
        let mut runs: Vec<RunReader> = self.runs.into_iter().map(RunReader::new).collect();
        let mut heap = BinaryHeap::new();
        for (i, r) in runs.iter_mut().enumerate() {
            let mut k = Vec::new();
            if r.next_key(&mut k)? {
                heap.push(Reverse((k, i)));
            }
        }
        // Each key's buffer goes back to its run for the run's next key.
        let mut ins = Inserter::new(search)?;
        while let Some(Reverse((mut key, i))) = heap.pop() {
            ins.push(&key)?;
            if runs[i].next_key(&mut key)? {
                heap.push(Reverse((key, i)));
            }
        }
        ins.finish()
    }
}

impl ResidentRuns {
    /// Writes one run of current records (`entries` in code order, each code once; `None`
    /// for a code given up).
    pub(crate) fn run<'r>(
        &mut self,
        entries: impl Iterator<Item = (u64, Option<&'r [u8]>)>,
    ) -> Result<()> {
        let mut w = RunWriter::new(&self.dir)?;
        for (code, record) in entries {
            w.put(&code.to_le_bytes())?;
            match record {
                Some(r) => {
                    let len = u32::try_from(r.len())
                        .ok()
                        .filter(|&l| l != GONE)
                        .ok_or_else(|| StoreError::Storage("a record is too long".into()))?;
                    w.put(&len.to_le_bytes())?;
                    w.put(r)?;
                }
                None => w.put(&GONE.to_le_bytes())?,
            }
        }
        self.runs.push(w.finish()?);
        Ok(())
    }

    /// Writes every run into `residents`, in code order; for a code in several runs the
    /// latest run's entry stands.
    pub(crate) fn merge_into(self, residents: &mut Table<'_, u64, &'static [u8]>) -> Result<()> {
        let mut runs: Vec<RunReader> = self.runs.into_iter().map(RunReader::new).collect();
        let mut pending: Vec<Option<Vec<u8>>> = vec![None; runs.len()];
        let mut heap = BinaryHeap::new();
        let mut out = Sorted::new(residents)?;
        for (i, r) in runs.iter_mut().enumerate() {
            if let Some((code, rec)) = r.next_resident()? {
                pending[i] = rec;
                heap.push(Reverse((code, i)));
            }
        }
        while let Some(Reverse((code, first))) = heap.pop() {
            // Every run with an entry for this code; the latest run's entry stands.
            let mut with = vec![first];
            while let Some(Reverse((c, i))) = heap.peek().copied() {
                if c != code {
                    break;
                }
                heap.pop();
                with.push(i);
            }
            let latest = *with.iter().max().expect("at least one run");
            match pending[latest].take() {
                Some(rec) => out.insert(code, rec.as_slice())?,
                None => out.remove(code)?,
            }
            for i in with {
                pending[i] = None;
                if let Some((c, rec)) = runs[i].next_resident()? {
                    pending[i] = rec;
                    heap.push(Reverse((c, i)));
                }
            }
        }
        out.finish()
    }
}
