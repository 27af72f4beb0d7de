//! Encryption at rest: round trips, no plaintext on disk, wrong and missing keys, damage,
//! rekey and crypto-erase, through the library and the `juki` binary.

mod common;

use common::*;
use juki::generator::{self, GenOptions};
use juki::testing::crypt::{self, Key};
use juki::testing::Database;
use juki::Clock;
use juki::{Change, Juki};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const PASSPHRASE: &str = "sakura-kaiun-2026-passphrase";

fn passphrase() -> Key {
    Key::passphrase(PASSPHRASE)
}

/// An encrypted register with 山田 太郎 and 60 generated residents.
fn encrypted(dir: &Path, key: &Key) -> (PathBuf, [u8; 32]) {
    let path = dir.join("city.redb");
    let juki = Juki::builder(&path)
        .key(key.clone())
        .create_with_admin(ADMIN, PASSWORD)
        .unwrap();
    assert!(juki.is_encrypted());
    juki.set_clock(Clock::Fixed(date(TODAY)));
    let s = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
    s.record(&move_in(24727059608, &taro(), "2020-04-01"))
        .unwrap();
    let opts = GenOptions::new(60, 7, date("2024-03-31"));
    let changes: Vec<Change> = generator::residents(&opts)
        .map(|r| r.to_move_in())
        .collect();
    s.record_batch(&changes).unwrap();
    let digest = s.content_digest().unwrap();
    (path, digest)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The key slot of an encrypted file's header as the bytes on disk (`store::crypt::header`):
/// its state (byte 96: 1 live, 2 destroyed) and the wrapped data key (bytes 104..176: the
/// wrap nonce, the data key encrypted under the key-encryption key, its tag).
fn key_slot(path: &Path) -> (u8, Vec<u8>) {
    let raw = std::fs::read(path).unwrap();
    (raw[96], raw[104..176].to_vec())
}

/// The file at `path` no longer holds its wrapped data key `wrapped` (read before the
/// erase): the slot is zeros, marked destroyed, and the old bytes are nowhere in the file.
fn assert_key_gone(path: &Path, wrapped: &[u8]) {
    let (state, slot) = key_slot(path);
    assert_eq!(state, 2, "{} key slot state", path.display());
    assert!(slot.iter().all(|b| *b == 0), "{}: {slot:?}", path.display());
    let raw = std::fs::read(path).unwrap();
    assert!(!contains(&raw, wrapped), "{}", path.display());
    assert!(!contains(&raw, &wrapped[24..56]), "{}", path.display());
}

fn reads_taro(juki: &Juki) {
    juki.set_clock(Clock::Fixed(date(TODAY)));
    let s = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
    let r = s.get(code(24727059608)).unwrap().unwrap();
    assert_eq!(r.name.as_str(), "山田 太郎");
}

#[test]
fn an_encrypted_register_round_trips_and_holds_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let (path, digest) = encrypted(dir.path(), &passphrase());
    let juki = Juki::builder(&path).key(passphrase()).open().unwrap();
    reads_taro(&juki);
    let s = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
    assert_eq!(s.content_digest().unwrap(), digest);
    assert_eq!(s.counts().unwrap().residents, 61);
    let (report, chain) = s.check().unwrap();
    assert!(report.is_clean(), "{report}");
    assert!(chain.first_broken.is_none());
    drop(s);
    drop(juki);

    let raw = std::fs::read(&path).unwrap();
    assert!(raw.starts_with(&crypt::MAGIC));
    let code_value = code(24727059608).get();
    // redb keeps a u64 key little-endian; composite keys hold it big-endian.
    let code_key = code_value.to_le_bytes();
    let code_key_be = code_value.to_be_bytes();
    let code_text = code_value.to_string();
    for needle in [
        "山田 太郎".as_bytes(),
        "ヤマダ".as_bytes(),
        "精道町".as_bytes(),
        code_text.as_bytes(),
        &code_key,
        &code_key_be,
        ADMIN.as_bytes(),
        b"residents",
    ] {
        assert!(
            !contains(&raw, needle),
            "{needle:?} is in the encrypted file"
        );
    }

    // The same search finds them in a plain file, so the test can see plaintext.
    let plain = dir.path().join("plain.redb");
    let juki = Juki::builder(&plain)
        .create_with_admin(ADMIN, PASSWORD)
        .unwrap();
    juki.set_clock(Clock::Fixed(date(TODAY)));
    let s = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
    s.record(&move_in(24727059608, &taro(), "2020-04-01"))
        .unwrap();
    drop(s);
    drop(juki);
    let raw = std::fs::read(&plain).unwrap();
    assert!(contains(&raw, "山田 太郎".as_bytes()));
    assert!(contains(&raw, &code_key));
}

#[test]
fn wrong_and_missing_keys_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = encrypted(dir.path(), &passphrase());
    let e = Juki::builder(&path)
        .key(Key::passphrase("not-the-passphrase-at-all"))
        .open()
        .unwrap_err();
    assert_eq!(e.code(), "AUTH_FAILED", "{e}");
    assert!(
        e.to_string().contains("wrong key for encrypted database"),
        "{e}"
    );
    let file_key = Key::key_file_bytes(vec![1; 32]).unwrap();
    let e = Juki::builder(&path)
        .key(file_key.clone())
        .open()
        .unwrap_err();
    assert!(e.to_string().contains("wrong key"), "{e}");
    let e = Juki::builder(&path).open().unwrap_err();
    assert_eq!(e.code(), "AUTH_FAILED", "{e}");
    assert!(e.to_string().contains("is encrypted"), "{e}");
    let e = Database::open(&path).unwrap_err();
    assert!(e.to_string().contains("is encrypted"), "{e}");

    let plain = dir.path().join("plain.redb");
    drop(
        Juki::builder(&plain)
            .create_with_admin(ADMIN, PASSWORD)
            .unwrap(),
    );
    let e = Juki::builder(&plain).key(passphrase()).open().unwrap_err();
    assert!(e.to_string().contains("is not encrypted"), "{e}");

    // A key file database refuses another key file.
    let kf = dir.path().join("city.key");
    let key = Key::generate_key_file(&kf).unwrap();
    let other = dir.path().join("other.redb");
    drop(
        Juki::builder(&other)
            .key(key.clone())
            .create_with_admin(ADMIN, PASSWORD)
            .unwrap(),
    );
    let e = Juki::builder(&other)
        .key(Key::key_file_bytes(vec![2; 32]).unwrap())
        .open()
        .unwrap_err();
    assert!(e.to_string().contains("wrong key"), "{e}");
    assert!(e.to_string().contains("a key file"), "{e}");
    reads_none(
        &Juki::builder(&other)
            .key(Key::read_key_file(&kf).unwrap())
            .open()
            .unwrap(),
    );
    // A key file others may read is refused, naming the file and the fix, not used.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&kf, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Key::read_key_file(&kf).unwrap_err().to_string();
        assert!(e.contains("chmod 600"), "{e}");
        assert!(e.contains("city.key"), "{e}");
        std::fs::set_permissions(&kf, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(Key::read_key_file(&kf).is_ok());
    }
    // A short passphrase is refused at creation.
    let e = Database::create_encrypted(dir.path().join("weak.redb"), &Key::passphrase("short"))
        .unwrap_err();
    assert_eq!(e.code(), "INVALID_VALUE");
    assert!(!dir.path().join("weak.redb").exists());
}

fn reads_none(juki: &Juki) {
    let s = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
    assert!(s.get(code(24727059608)).unwrap().is_none());
}

fn flip(path: &Path, at: u64) {
    let mut raw = std::fs::read(path).unwrap();
    raw[at as usize] ^= 0x10;
    std::fs::write(path, raw).unwrap();
}

#[test]
fn a_damaged_block_is_corrupt_and_a_damaged_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = encrypted(dir.path(), &passphrase());
    let len = std::fs::metadata(&path).unwrap().len();
    let blocks = (len - crypt::HEADER_BYTES) / crypt::PHYSICAL_BLOCK as u64;
    let mut seen_corrupt = 0;
    for block in [0, 1, blocks / 2, blocks - 1] {
        let copy = dir.path().join(format!("damaged-{block}.redb"));
        std::fs::copy(&path, &copy).unwrap();
        flip(
            &copy,
            crypt::HEADER_BYTES + block * crypt::PHYSICAL_BLOCK as u64 + 100,
        );
        let outcome = Juki::builder(&copy).key(passphrase()).open().and_then(|j| {
            let s = j.sign_in(ADMIN, PASSWORD, "test")?;
            s.check().map(|(report, _)| report)
        });
        // Refused, or found by CHECK (which reads every block in use); a block redb no
        // longer uses (free space) is never read: no error.
        match outcome {
            Err(e) => {
                assert_eq!(e.code(), "CORRUPT", "block {block}: {e}");
                assert!(e.to_string().contains("block"), "{e}");
                seen_corrupt += 1;
            }
            Ok(report) if !report.is_clean() => {
                let text = report.to_string();
                assert!(text.contains(&format!("block {block} ")), "{text}");
                seen_corrupt += 1;
            }
            Ok(_) => {}
        }
    }
    assert!(
        seen_corrupt >= 2,
        "only {seen_corrupt} damaged blocks were noticed"
    );

    for at in [3u64, 20, 40, 140, 515] {
        let copy = dir.path().join(format!("header-{at}.redb"));
        std::fs::copy(&path, &copy).unwrap();
        flip(&copy, at);
        let e = Juki::builder(&copy).key(passphrase()).open().unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("header") || text.contains("not encrypted"),
            "byte {at}: {text}"
        );
    }
}

#[test]
fn rekey_changes_the_key_and_keeps_the_content() {
    let dir = tempfile::tempdir().unwrap();
    let (path, digest) = encrypted(dir.path(), &passphrase());
    let before = std::fs::read(&path).unwrap();
    let new = Key::passphrase("a-completely-new-passphrase");
    let report = crypt::rekey(&path, Some(&passphrase()), &new).unwrap();
    assert!(report.blocks > 0);
    let after = std::fs::read(&path).unwrap();
    assert_ne!(before[48..64], after[48..64], "a new key id");
    let e = Juki::builder(&path).key(passphrase()).open().unwrap_err();
    assert!(e.to_string().contains("wrong key"), "{e}");
    let juki = Juki::builder(&path).key(new.clone()).open().unwrap();
    let s = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
    assert_eq!(s.content_digest().unwrap(), digest);
    let (report, chain) = s.check().unwrap();
    assert!(report.is_clean(), "{report}");
    assert!(chain.first_broken.is_none());
    // Rekey refuses an open database.
    let e = crypt::rekey(&path, Some(&new), &passphrase()).unwrap_err();
    assert!(e.to_string().contains("open"), "{e}");
    drop(s);
    drop(juki);
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");

    // A plain file becomes encrypted.
    let plain = dir.path().join("plain.redb");
    let juki = Juki::builder(&plain)
        .create_with_admin(ADMIN, PASSWORD)
        .unwrap();
    juki.set_clock(Clock::Fixed(date(TODAY)));
    let s = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
    s.record(&move_in(24727059608, &taro(), "2020-04-01"))
        .unwrap();
    let digest = s.content_digest().unwrap();
    drop(s);
    drop(juki);
    crypt::rekey(&plain, None, &new).unwrap();
    assert!(crypt::is_encrypted(&plain).unwrap());
    let juki = Juki::builder(&plain).key(new.clone()).open().unwrap();
    reads_taro(&juki);
    let s = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
    assert_eq!(s.content_digest().unwrap(), digest);
}

#[test]
fn crypto_erase_destroys_the_key_of_the_database_and_its_backups() {
    let dir = tempfile::tempdir().unwrap();
    let kf = dir.path().join("city.key");
    let key = Key::generate_key_file(&kf).unwrap();
    let (path, _) = encrypted(dir.path(), &key);
    let db = Database::open_encrypted(&path, &key).unwrap();
    drop(db);
    let (state, wrapped) = key_slot(&path);
    assert_eq!(state, 1);
    assert!(wrapped.iter().any(|b| *b != 0));
    // A file of another key is refused and nothing is erased.
    let other = dir.path().join("other.redb");
    drop(Database::create_encrypted(&other, &passphrase()).unwrap());
    let other_slot = key_slot(&other);
    let e = crypt::erase(&path, std::slice::from_ref(&other), Some(&kf)).unwrap_err();
    assert!(e.to_string().contains("another data key"), "{e}");
    assert_eq!(key_slot(&path), (1, wrapped.clone()));
    assert_eq!(key_slot(&other), other_slot);
    Juki::builder(&path).key(key.clone()).open().unwrap();
    assert!(kf.exists());

    let report = crypt::erase(&path, &[], Some(&kf)).unwrap();
    assert_eq!(report.destroyed, vec![path.clone()]);
    assert_eq!(report.key_file.as_deref(), Some(kf.as_path()));
    assert!(!kf.exists());
    assert_key_gone(&path, &wrapped);
    // Not even the key file opens it: the data key it unwrapped is gone.
    let e = Database::open_encrypted(&path, &key).unwrap_err();
    assert!(e.to_string().contains("destroyed"), "{e}");
    let e = Juki::builder(&path).key(key.clone()).open().unwrap_err();
    assert!(e.to_string().contains("destroyed"), "{e}");
    let again = crypt::erase(&path, &[], None).unwrap();
    assert_eq!(again.already, vec![path.clone()]);
}

// The binary -----------------------------------------------------------------------------

fn juki(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_juki"));
    cmd.args(args)
        .env_remove("JUKI_DB")
        .env_remove("JUKI_OPERATOR")
        .env_remove("JUKI_KEY")
        .env_remove("JUKI_NEW_KEY")
        .env("JUKI_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const MOVE_IN: &str = "MOVE IN 24727059608 my_number=123456789018 name='山田 太郎' kana='ヤマダ タロウ' sex=1 birth=1980-04-01 address=芦屋市精道町7-6 postal=659-8501 household=1001 relationship=世帯主 ON 2020-04-01";

#[test]
fn the_binary_inits_and_opens_an_encrypted_database_with_juki_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("city.redb").display().to_string();
    let env = [("JUKI_KEY", PASSPHRASE)];
    let out = juki(
        &[
            "init",
            "--db",
            &db,
            "--admin",
            ADMIN,
            "--municipality",
            "282065",
            "--encrypt",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(crypt::is_encrypted(Path::new(&db)).unwrap());
    let out = juki(&["--db", &db, "--operator", ADMIN, "-c", MOVE_IN], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = juki(
        &["--db", &db, "--operator", ADMIN, "-c", "GET 24727059608"],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("山田 太郎"));

    let out = juki(
        &["--db", &db, "--operator", ADMIN, "-c", "GET 24727059608"],
        &[],
    );
    // No key is a failed sign-in: the contract's exit status 3.
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("error[AUTH_FAILED]"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("is encrypted"),
        "{}",
        text(&out.stderr)
    );
    let out = juki(
        &["--db", &db, "--operator", ADMIN, "-c", "GET 24727059608"],
        &[("JUKI_KEY", "wrong-passphrase-here")],
    );
    assert!(
        text(&out.stderr).contains("wrong key for encrypted database"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(3), "a wrong key is AUTH_FAILED");

    // rekey to a new passphrase, then erase.
    let out = juki(
        &["rekey", "--db", &db, "--operator", ADMIN],
        &[
            ("JUKI_KEY", PASSPHRASE),
            ("JUKI_NEW_KEY", "the-new-passphrase-2027"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = juki(
        &["--db", &db, "--operator", ADMIN, "-c", "GET 24727059608"],
        &[("JUKI_KEY", "the-new-passphrase-2027")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let new_key = [("JUKI_KEY", "the-new-passphrase-2027")];
    // Not without an administrator's sign-in, nor with the wrong key or a wrong password.
    let out = juki(&["erase", "--db", &db, "--yes"], &new_key);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let out = juki(
        &["erase", "--db", &db, "--yes", "--operator", ADMIN],
        &[("JUKI_KEY", PASSPHRASE)],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_juki"));
    let out = cmd
        .args(["erase", "--db", &db, "--yes", "--operator", ADMIN])
        .env_remove("JUKI_DB")
        .env("JUKI_KEY", "the-new-passphrase-2027")
        .env("JUKI_PASSWORD", "not-the-password-9")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let out = juki(&["erase", "--db", &db, "--operator", ADMIN], &new_key);
    assert_eq!(
        out.status.code(),
        Some(2),
        "asks for --yes without a terminal"
    );
    let (_, wrapped) = key_slot(Path::new(&db));
    let out = juki(
        &["erase", "--db", &db, "--yes", "--operator", ADMIN],
        &new_key,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("destroyed the data key"));
    assert_key_gone(Path::new(&db), &wrapped);
    let out = juki(
        &["--db", &db, "--operator", ADMIN, "-c", "GET 24727059608"],
        &[("JUKI_KEY", "the-new-passphrase-2027")],
    );
    assert!(
        text(&out.stderr).contains("destroyed"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_binary_inits_with_a_key_file_and_rekey_needs_an_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("city.redb").display().to_string();
    let kf = dir.path().join("city.key").display().to_string();
    let out = juki(
        &[
            "init",
            "--db",
            &db,
            "--admin",
            ADMIN,
            "--municipality",
            "282065",
            "--encrypt",
            "--key-file",
            &kf,
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("wrote a new key file"));
    assert_eq!(std::fs::read(&kf).unwrap().len(), 32);
    let out = juki(
        &[
            "--db",
            &db,
            "--operator",
            ADMIN,
            "--key-file",
            &kf,
            "-c",
            "CREATE OPERATOR clerk1 ROLE clerk PASSWORD 'clerk-password-1'",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = juki(&["--db", &db, "--operator", ADMIN, "-c", "CHECK"], &[]);
    assert!(
        text(&out.stderr).contains("is encrypted"),
        "{}",
        text(&out.stderr)
    );

    let new_kf = dir.path().join("new.key").display().to_string();
    let mut cmd_env = vec![("JUKI_PASSWORD", "clerk-password-1")];
    let out = juki(
        &[
            "rekey",
            "--db",
            &db,
            "--operator",
            "clerk1",
            "--key-file",
            &kf,
            "--new-key-file",
            &new_kf,
        ],
        &cmd_env,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("PERMISSION_DENIED"),
        "{}",
        text(&out.stderr)
    );
    assert!(!Path::new(&new_kf).exists());
    cmd_env.clear();
    let out = juki(
        &[
            "rekey",
            "--db",
            &db,
            "--operator",
            ADMIN,
            "--key-file",
            &kf,
            "--new-key-file",
            &new_kf,
        ],
        &cmd_env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = juki(
        &[
            "--db",
            &db,
            "--operator",
            ADMIN,
            "--key-file",
            &kf,
            "-c",
            "CHECK",
        ],
        &[],
    );
    assert!(
        text(&out.stderr).contains("wrong key"),
        "{}",
        text(&out.stderr)
    );
    let out = juki(
        &[
            "--db",
            &db,
            "--operator",
            ADMIN,
            "--key-file",
            &new_kf,
            "-c",
            "AUDIT VERIFY",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = juki(
        &[
            "--db",
            &db,
            "--operator",
            ADMIN,
            "--key-file",
            &new_kf,
            "-c",
            "AUDIT",
        ],
        &[],
    );
    let log = text(&out.stdout);
    assert!(log.contains("REKEY done"), "{log}");
    assert!(log.contains("PERMISSION_DENIED"), "{log}");
    let (_, wrapped) = key_slot(Path::new(&db));
    let out = juki(
        &[
            "erase",
            "--db",
            &db,
            "--yes",
            "--operator",
            ADMIN,
            "--key-file",
            &new_kf,
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!Path::new(&new_kf).exists());
    assert_key_gone(Path::new(&db), &wrapped);
}

#[test]
fn an_encrypted_database_makes_encrypted_backups_that_restore_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let (path, digest) = encrypted(dir.path(), &passphrase());
    let backup = dir.path().join("city-backup.redb");
    {
        let juki = Juki::builder(&path).key(passphrase()).open().unwrap();
        let s = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
        s.backup(&backup).unwrap();
    }
    // The backup is encrypted, under the same data key, with no plaintext in it.
    let raw = std::fs::read(&backup).unwrap();
    assert!(raw.starts_with(&crypt::MAGIC));
    assert!(!contains(&raw, "山田 太郎".as_bytes()));

    // Restored through the binary with the key: same content, CHECK clean (restore runs it).
    let restored = dir.path().join("restored.redb");
    let (b, r) = (backup.display().to_string(), restored.display().to_string());
    let args = ["restore", "--from", &b, "--db", &r, "--operator", ADMIN];
    let out = juki(&args, &[]);
    assert!(!out.status.success(), "a restore without the key must fail");
    assert!(!restored.exists());
    let out = juki(&args, &[("JUKI_KEY", PASSPHRASE)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let juki = Juki::builder(&restored).key(passphrase()).open().unwrap();
    reads_taro(&juki);
    let s = juki.sign_in(ADMIN, PASSWORD, "test").unwrap();
    assert_eq!(s.content_digest().unwrap(), digest);
    assert!(s.check().unwrap().0.is_clean());
    drop(s);
    drop(juki);

    // Crypto-erase of the database takes its backup (same data key) with it.
    let (_, wrapped) = key_slot(&path);
    let (_, backup_wrapped) = key_slot(&backup);
    let report = crypt::erase(&path, std::slice::from_ref(&backup), None).unwrap();
    assert_eq!(report.destroyed.len(), 2);
    assert_key_gone(&path, &wrapped);
    assert_key_gone(&backup, &backup_wrapped);
    assert!(Juki::builder(&backup).key(passphrase()).open().is_err());
}
