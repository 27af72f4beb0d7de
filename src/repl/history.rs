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

/// Creates the history file if it is missing and makes it readable by its owner only.
pub fn secure(path: &std::path::Path) -> std::io::Result<()> {
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
