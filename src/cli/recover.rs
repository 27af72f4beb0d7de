//! `juki recover`: administration given back by the owner of the file (DESIGN.md, "Security
//! model").

use super::{fail, key, signin, EXIT_OK};
use std::path::Path;

/// The operating-system user the process runs as, if it owns `path`: found by making a
/// file beside it (which also shows the directory is writable) and comparing owners.
#[cfg(unix)]
fn owner_of(path: &Path) -> Result<u32, String> {
    use std::os::unix::fs::MetadataExt;
    let file = path
        .metadata()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let probe = tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new(".")))
        .map_err(|e| format!("cannot write beside {}: {e}", path.display()))?;
    let me = probe.as_file().metadata().map_err(|e| e.to_string())?.uid();
    if file.uid() != me {
        return Err(format!(
            "{} belongs to another user: only the owner of the file may recover it",
            path.display()
        ));
    }
    Ok(me)
}

#[cfg(not(unix))]
fn owner_of(_path: &Path) -> Result<u32, String> {
    Err("recovery checks the owner of the file, which this system does not tell".into())
}

/// `juki recover --admin ID`; the exit status.
pub fn run(path: &Path, admin: &str, key_file: Option<&Path>, terminal: &str) -> u8 {
    let uid = match owner_of(path) {
        Ok(uid) => uid,
        Err(e) => return fail("PERMISSION_DENIED", e),
    };
    let juki = match key::open(path, key_file, false) {
        Ok(j) => j,
        Err(e) => return fail(e.code(), e),
    };
    let password = match signin::password(&format!("new password for {admin}: ")) {
        Ok(p) => zeroize::Zeroizing::new(p),
        Err(e) => return fail("AUTH_FAILED", e.0),
    };
    let owner = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .map(|name| format!("{name} (uid {uid})"))
        .unwrap_or_else(|_| format!("uid {uid}"));
    match juki.recover_administrator(admin, &password, &owner, terminal) {
        Ok(juki::Recovered::Reset) => {
            println!(
                "{admin} has a new password, and is enabled and unlocked; the recovery is logged"
            );
            EXIT_OK
        }
        Ok(juki::Recovered::Created) => {
            println!("{admin} is a new administrator; the recovery is logged");
            EXIT_OK
        }
        Err(e) => fail(e.code(), e),
    }
}
