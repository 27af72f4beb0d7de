//! Keys of encrypted databases on the command line: an encrypted file is told by its header
//! magic, and its key comes from `--key-file FILE`, else `$JUKI_KEY`, else the terminal (no
//! echo). Also `juki rekey` and `juki erase`.

use super::{fail, signin, EXIT_AUTH, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use juki::Key;
use juki::{ErrorCode, Juki};

use super::Failure;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// A passphrase from `var`, else asked on the terminal (twice when `twice`).
fn passphrase(var: &str, prompt: &str, twice: bool) -> Result<Key, String> {
    if let Ok(p) = std::env::var(var) {
        return Ok(Key::passphrase(&p));
    }
    if !interactive() {
        return Err(format!(
            "no terminal to ask for the passphrase: set ${var} or give a key file"
        ));
    }
    let first = zeroize::Zeroizing::new(
        rpassword::prompt_password(prompt).map_err(|e| format!("reading the passphrase: {e}"))?,
    );
    if twice {
        let again = zeroize::Zeroizing::new(
            rpassword::prompt_password("again: ")
                .map_err(|e| format!("reading the passphrase: {e}"))?,
        );
        if *again != *first {
            return Err("the two passphrases differ".into());
        }
    }
    Ok(Key::passphrase(&first))
}

/// The key of an existing encrypted database: the key file, else `$JUKI_KEY`, else asked on
/// the terminal; when there is none of them, `AUTH_FAILED` saying where a key can come from.
pub fn for_open(path: &Path, key_file: Option<&Path>) -> Result<Key, Failure> {
    if let Some(f) = key_file {
        return Ok(Key::read_key_file(f)?);
    }
    passphrase("JUKI_KEY", &format!("key for {}: ", path.display()), false).map_err(|_| {
        Failure::own(
            ErrorCode::AuthFailed,
            format!(
                "{} is encrypted: give its key (--key-file FILE, $JUKI_KEY, or at the prompt)",
                path.display()
            ),
        )
    })
}

/// A new key: the key file (made if it does not exist; the second value says so), else a
/// passphrase from `var` or asked twice.
fn for_new(key_file: Option<&Path>, var: &str, prompt: &str) -> Result<(Key, bool), String> {
    match key_file {
        Some(f) if f.exists() => Key::read_key_file(f)
            .map(|k| (k, false))
            .map_err(|e| e.to_string()),
        Some(f) => Key::generate_key_file(f)
            .map(|k| (k, true))
            .map_err(|e| e.to_string()),
        None => passphrase(var, prompt, true).map(|k| (k, false)),
    }
}

/// Opens the database, with its key when its header says it is encrypted; read-only when
/// `read_only`.
pub fn open(path: &Path, key_file: Option<&Path>, read_only: bool) -> Result<Juki, Failure> {
    open_with_cache(path, key_file, juki::cache_for(path), read_only)
}

/// [`open`] with a page cache of `cache_bytes`.
pub fn open_with_cache(
    path: &Path,
    key_file: Option<&Path>,
    cache_bytes: usize,
    read_only: bool,
) -> Result<Juki, Failure> {
    let builder = Juki::builder(path)
        .cache_size(cache_bytes)
        .read_only(read_only);
    let builder = match juki::is_encrypted(path) {
        Ok(true) => builder.key(for_open(path, key_file)?),
        Ok(false) if key_file.is_some() => {
            return Err(Failure::own(
                ErrorCode::InvalidValue,
                format!(
                    "{} is not encrypted; open it without --key-file",
                    path.display()
                ),
            ))
        }
        // A missing file is the builder's to report, as for any open.
        Err(e) if e.code() != ErrorCode::NotFound => return Err(e.into()),
        _ => builder,
    };
    Ok(builder.open()?)
}

/// `juki init --encrypt`: the key for a new database. Prints where a new key file went.
pub fn for_init(key_file: Option<&Path>) -> Result<Key, String> {
    let (key, made) = for_new(
        key_file,
        "JUKI_KEY",
        &format!(
            "passphrase for the database (at least {} characters): ",
            juki::MIN_PASSPHRASE_CHARS
        ),
    )?;
    if made {
        if let Some(f) = key_file {
            println!(
                "wrote a new key file {} (keep it apart from the database)",
                f.display()
            );
        }
    }
    Ok(key)
}

/// `juki rekey`: an administrator signs in and is admitted, the new key is had, then the
/// file is re-encrypted with the database closed and the end is logged under the new key.
pub fn rekey(
    path: &Path,
    key_file: Option<&Path>,
    new_key_file: Option<&Path>,
    encrypt: bool,
    operator: Option<String>,
    terminal: &str,
) -> u8 {
    let what = if encrypt { "REKEY ENCRYPT" } else { "REKEY" };
    let admitted = match admit(path, key_file, encrypt, operator, terminal, what) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let (new, made) = match for_new(
        new_key_file,
        "JUKI_NEW_KEY",
        &format!(
            "new passphrase for {} (at least {} characters): ",
            path.display(),
            juki::MIN_PASSPHRASE_CHARS
        ),
    ) {
        Ok(k) => k,
        Err(e) => return fail("INVALID_VALUE", e),
    };
    let report = match juki::rekey(path, admitted.old.as_ref(), &new) {
        Ok(r) => r,
        Err(e) => {
            if made {
                if let Some(f) = new_key_file {
                    let _ = std::fs::remove_file(f);
                }
            }
            return fail(e.code(), e);
        }
    };
    // The new key opens the file (every page is checked), the administrator signs in again
    // and the log records the end.
    let done = format!("{} done", admitted.what);
    let logged = Juki::builder(path).key(new.clone()).open().and_then(|j| {
        j.sign_in(&admitted.operator, &admitted.password, terminal)?
            .admit_key_change(&done)
    });
    if let Err(e) = logged {
        return fail(e.code(), e);
    }
    if made {
        if let Some(f) = new_key_file {
            println!("wrote a new key file {}", f.display());
        }
    }
    println!(
        "re-encrypted {} under a new data key ({} bytes, {} blocks)",
        path.display(),
        report.bytes,
        report.blocks
    );
    EXIT_OK
}

/// An administrator admitted to change a file's key; the file is closed again.
struct Admitted {
    /// The key the file is encrypted under now, if it is.
    old: Option<Key>,
    operator: String,
    /// Kept to sign in again once the file is under its new key.
    password: zeroize::Zeroizing<String>,
    /// `REKEY` or `REKEY ENCRYPT`, as logged.
    what: &'static str,
}

/// Opens the file (with its key when encrypted), signs the operator in and admits the key
/// change `what` (`REKEY`, `REKEY ENCRYPT` or `ERASE`), logged; the exit status on failure.
fn admit(
    path: &Path,
    key_file: Option<&Path>,
    encrypt: bool,
    operator: Option<String>,
    terminal: &str,
    what: &'static str,
) -> Result<Admitted, u8> {
    let encrypted = juki::is_encrypted(path).map_err(|e| fail(e.code(), e))?;
    if !encrypted && !encrypt {
        return Err(fail(
            "INVALID_VALUE",
            format!(
                "{} is not encrypted; give --encrypt to encrypt it",
                path.display()
            ),
        ));
    }
    let old = if encrypted {
        Some(for_open(path, key_file).map_err(|e| fail(e.code(), e))?)
    } else {
        None
    };
    let juki = match &old {
        Some(k) => Juki::builder(path).key(k.clone()).open(),
        None => Juki::builder(path).open(),
    }
    .map_err(|e| fail(e.code(), e))?;
    let credentials = signin::operator(operator).and_then(|op| {
        let password = signin::password(&format!("password for {op}: "))?;
        Ok((op, zeroize::Zeroizing::new(password)))
    });
    let (operator, password) = credentials.map_err(|e| {
        eprintln!("error[AUTH_FAILED]: {}", e.0);
        EXIT_AUTH
    })?;
    let session = juki
        .sign_in(&operator, &password, terminal)
        .map_err(|e| fail(e.code(), e))?;
    session
        .admit_key_change(what)
        .map_err(|e| fail(e.code(), e))?;
    Ok(Admitted {
        old,
        operator,
        password,
        what,
    })
}

/// `juki erase`: an administrator signs in with the file's key (so both the key and an
/// administrator's password are needed, and the erase is logged before the key goes), then
/// confirms.
pub fn erase(
    path: &Path,
    copies: &[PathBuf],
    key_file: Option<&Path>,
    yes: bool,
    operator: Option<String>,
    terminal: &str,
) -> u8 {
    // A file that is not encrypted (or not there) is juki::erase's to refuse: nothing of it
    // is opened.
    if matches!(juki::is_encrypted(path), Ok(true)) {
        if let Err(code) = admit(path, key_file, false, operator, terminal, "ERASE") {
            return code;
        }
    }
    if !yes {
        if !interactive() {
            eprintln!("error: erase asks for confirmation on a terminal; give --yes to skip it");
            return EXIT_USAGE;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!(
            "This destroys the data key of {} and of {} backup(s): their contents become \
             unrecoverable, with any passphrase or key file.",
            path.display(),
            copies.len()
        );
        print!("Type the database file name ({name}) to go on: ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line).is_err() || line.trim() != name {
            eprintln!("not erased");
            return EXIT_FAILED;
        }
    }
    match juki::erase(path, copies, key_file) {
        Ok(report) => {
            for p in &report.destroyed {
                println!("destroyed the data key in {}", p.display());
            }
            for p in &report.already {
                println!("{}: its data key was already destroyed", p.display());
            }
            if let Some(k) = &report.key_file {
                println!("overwrote and deleted the key file {}", k.display());
            }
            println!(
                "the encrypted blocks remain on disk and cannot be decrypted without the data key"
            );
            EXIT_OK
        }
        Err(e) => fail(e.code(), e),
    }
}
