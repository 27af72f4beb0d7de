//! The page cache an ordinary open gives a database file: redb's default of 1 GiB for a
//! register of a few million residents, more for a larger file, so that the pages a lookup
//! touches stay in memory as the register grows.
//!
//! Measured (BENCHMARKS.md, "Lookups at 10,000,000 residents"): a 10M register's 23 GiB
//! file with the default 1 GiB answered lookups 1.55–1.74 times slower than the 1M one;
//! with 4 GiB, 1.20–1.27. The cache grows with the file, a sixth of it, and never takes
//! more than a quarter of the machine's memory or 8 GiB. redb fills it only with pages
//! that are read, so a small register never uses what it is allowed.

use std::path::Path;

/// redb's own default page cache, and the least an ordinary open gives a file.
pub const DEFAULT_CACHE_BYTES: usize = 1 << 30;

/// The most an ordinary open gives a file.
const MAX_CACHE_BYTES: u64 = 8 << 30;

/// The page cache for an ordinary open of the file at `path`.
pub fn cache_for(path: &Path) -> usize {
    let file = std::fs::metadata(path).map_or(0, |m| m.len());
    sized(file, memory_total())
}

/// A sixth of a file of `file` bytes, at least [`DEFAULT_CACHE_BYTES`], at most a quarter
/// of `memory` (when known) and [`MAX_CACHE_BYTES`].
fn sized(file: u64, memory: Option<u64>) -> usize {
    let cap = memory
        .map_or(MAX_CACHE_BYTES, |m| m / 4)
        .min(MAX_CACHE_BYTES);
    let bytes = (file / 6).min(cap).max(DEFAULT_CACHE_BYTES as u64);
    usize::try_from(bytes).unwrap_or(DEFAULT_CACHE_BYTES)
}

/// The machine's memory, from `/proc/meminfo` (Linux); `None` elsewhere.
fn memory_total() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    #[test]
    fn a_small_file_gets_the_default() {
        assert_eq!(sized(0, Some(24 * GIB)), DEFAULT_CACHE_BYTES);
        assert_eq!(sized(4 * GIB, Some(24 * GIB)), DEFAULT_CACHE_BYTES);
    }

    #[test]
    fn a_large_file_gets_a_sixth_of_its_size_within_the_machine() {
        assert_eq!(sized(24 * GIB, Some(24 * GIB)), 4 * GIB as usize);
        // A quarter of the memory at most, and 8 GiB.
        assert_eq!(sized(24 * GIB, Some(8 * GIB)), 2 * GIB as usize);
        assert_eq!(sized(120 * GIB, Some(256 * GIB)), 8 * GIB as usize);
        assert_eq!(sized(120 * GIB, None), 8 * GIB as usize);
        // Never below the default, even on a small machine.
        assert_eq!(sized(24 * GIB, Some(2 * GIB)), DEFAULT_CACHE_BYTES);
    }

    #[test]
    fn the_machine_memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(memory_total().is_some_and(|m| m > 0));
        }
    }
}
