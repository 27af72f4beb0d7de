//! The REPL's history file: created 0600, and every line redacted (My Numbers and passwords)
//! before it is remembered, so neither ever reaches the disk.

use juki::redact;
use std::path::PathBuf;

/// Where the history is kept: `$JUKI_HISTORY`, else `~/.juki_history`.
pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("JUKI_HISTORY") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".juki_history"))
}

/// Creates the history file if it is missing and makes it readable by its owner only. A
/// symbolic link is refused (the history is then not kept): it is never written, nor its
/// mode changed, through a link to somewhere else.
pub fn secure(path: &std::path::Path) -> std::io::Result<()> {
    if path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} is a symbolic link; the history is not written through it",
                path.display()
            ),
        ));
    }
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        options.open(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    options.open(path)?;
    Ok(())
}

/// The line as it may be remembered.
pub fn entry(line: &str) -> String {
    redact(line)
}

#[cfg(test)]
#[path = "../../tests/planted/mod.rs"]
mod planted;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rustyline::history::{DefaultHistory, History};

    /// A history path that is a symbolic link (to a file or to nowhere) is refused: the
    /// file it points at is neither written nor made, nor its mode changed.
    #[cfg(unix)]
    #[test]
    fn a_history_path_that_is_a_symbolic_link_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "keep me").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("history");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        for path in [&link, &dangling] {
            assert!(secure(path).is_err(), "{}", path.display());
        }
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        assert!(!dir.path().join("nowhere").exists());
        // A plain path is made 0600.
        let plain = dir.path().join("plain");
        secure(&plain).unwrap();
        let mode = std::fs::metadata(&plain).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// What the REPL remembers of a statement, saved as it saves its history, holds
        /// no planted number or password.
        #[test]
        fn the_history_file_holds_no_planted_number_or_password(p in super::planted::planted()) {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("history");
            secure(&file).unwrap();
            let mut history = DefaultHistory::new();
            history.add(&entry(&p.text)).unwrap();
            history.save(&file).unwrap();
            let kept = std::fs::read_to_string(&file).unwrap();
            prop_assert!(super::planted::leak(&kept, &p).is_none(), "{:?}: {kept}", p.text);
        }
    }
}
