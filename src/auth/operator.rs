//! Operators as stored: id, role, argon2id password hash, state (disabled, failed sign-ins,
//! locked). No default or shared account exists: the first administrator is made when the
//! file is created, every other operator by an administrator.

use super::error::{AuthError, Result};
use super::role::Role;
use crate::store::record::{checked_body, frame};
use crate::store::StoreError;
use crate::Error;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use rkyv::rancor;

/// `operator id → framed StoredOperator`.
pub(crate) use crate::store::schema::OPERATORS;

/// Failed sign-ins in a row that lock an operator until an administrator unlocks them (an
/// administrator, for [`ADMIN_LOCK_MINUTES`]).
pub const LOCK_AFTER_FAILURES: u32 = 5;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Passwords long enough for the rule that every guessing list still tries first; refused
/// whatever their case. A small list by design: length and the other rules do the rest.
const COMMON_PASSWORDS: [&str; 24] = [
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789012345",
    "1234567890qwerty",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwertyuiopasdf",
    "qwerty123456",
    "password1234",
    "password12345",
    "password123456",
    "passwordpassword",
    "password!123",
    "p@ssw0rd1234",
    "administrator",
    "administrator1",
    "admin1234567",
    "adminadminadmin",
    "iloveyou1234",
    "letmein12345",
    "welcome12345",
    "changeme1234",
    "juki12345678",
];

/// How long failed sign-ins lock an administrator: after it the lock lapses, so that a
/// register cannot lose its last administrator to five wrong passwords. Other roles stay
/// locked until an administrator unlocks them.
pub const ADMIN_LOCK_MINUTES: i64 = 15;

const ADMIN_LOCK_MICROS: i64 = ADMIN_LOCK_MINUTES * 60 * 1_000_000;

/// The first bytes of a stored operator of the current layout (after the CRC). A record of
/// the first layout, without `locked_at`, starts with the text of its id or its hash, never
/// with 0xFF.
const LAYOUT_2: [u8; 2] = [0xFF, 2];

/// An operator record.
#[derive(rkyv::Archive, rkyv::Serialize, rkyv::Deserialize, Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredOperator {
    pub id: String,
    pub role: u8,
    /// PHC string of the argon2id hash.
    pub hash: String,
    pub disabled: bool,
    pub failed: u32,
    pub locked: bool,
    pub created_at: i64,
    pub created_by: String,
    /// When failed sign-ins locked the operator (Unix µs); 0 for a lock recorded before
    /// the time was kept, which for an administrator has lapsed.
    pub locked_at: i64,
}

/// The first layout of an operator record, read from files written before `locked_at`.
#[derive(rkyv::Archive, rkyv::Serialize, rkyv::Deserialize, Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredOperatorV1 {
    pub id: String,
    pub role: u8,
    pub hash: String,
    pub disabled: bool,
    pub failed: u32,
    pub locked: bool,
    pub created_at: i64,
    pub created_by: String,
}

impl From<StoredOperatorV1> for StoredOperator {
    fn from(v: StoredOperatorV1) -> StoredOperator {
        StoredOperator {
            id: v.id,
            role: v.role,
            hash: v.hash,
            disabled: v.disabled,
            failed: v.failed,
            locked: v.locked,
            created_at: v.created_at,
            created_by: v.created_by,
            locked_at: 0,
        }
    }
}

fn corrupt(e: rancor::Error) -> Error {
    Error::from(StoreError::Corrupt {
        table: "operators",
        detail: format!("operator does not decode: {e}"),
    })
}

impl StoredOperator {
    pub fn encode(&self) -> Vec<u8> {
        let archive = rkyv::to_bytes::<rancor::Error>(self).expect("in-memory serialisation");
        let mut body = Vec::with_capacity(LAYOUT_2.len() + archive.len());
        body.extend_from_slice(&LAYOUT_2);
        body.extend_from_slice(&archive);
        frame(&body)
    }

    /// Reads a record of either layout.
    pub fn decode(bytes: &[u8]) -> Result<StoredOperator> {
        let body = checked_body("operators", bytes)?;
        match body.strip_prefix(&LAYOUT_2) {
            Some(archive) => {
                rkyv::from_bytes::<StoredOperator, rancor::Error>(archive).map_err(corrupt)
            }
            None => rkyv::from_bytes::<StoredOperatorV1, rancor::Error>(body)
                .map(StoredOperator::from)
                .map_err(corrupt),
        }
    }

    pub fn role(&self) -> Result<Role> {
        Role::from_code(self.role).ok_or_else(|| {
            Error::from(StoreError::Corrupt {
                table: "operators",
                detail: format!("operator {} has unknown role code {}", self.id, self.role),
            })
        })
    }

    /// Whether failed sign-ins lock the operator at `now` (Unix µs): until an
    /// administrator unlocks them, or for an administrator until [`ADMIN_LOCK_MINUTES`]
    /// have passed.
    pub fn locked_at_time(&self, now: i64) -> bool {
        let lapsed = self.role == Role::Admin.code()
            && now.saturating_sub(self.locked_at) >= ADMIN_LOCK_MICROS;
        self.locked && !lapsed
    }

    /// Whether the operator may sign in (and keep a session) at `now` (Unix µs).
    pub fn usable_at(&self, now: i64) -> bool {
        !self.disabled && !self.locked_at_time(now)
    }

    /// Whether the operator may sign in (and keep a session) now.
    pub fn usable(&self) -> bool {
        self.usable_at(now_micros())
    }
}

fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// An operator as listed by LIST OPERATORS (no password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorInfo {
    /// The operator id.
    pub id: String,
    /// The role.
    pub role: Role,
    /// Disabled by an administrator.
    pub disabled: bool,
    /// Locked after failed sign-ins.
    pub locked: bool,
    /// Failed sign-ins since the last good one.
    pub failed_sign_ins: u32,
}

/// Checks an operator id: 1–32 ASCII letters, digits, `-`, `_` or `.`.
pub fn check_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 32
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(AuthError::Invalid {
            field: "operator id",
            reason: format!("{id:?}: use 1–32 ASCII letters, digits, '-', '_' or '.'"),
        }
        .into())
    }
}

/// Checks a new password for operator `id`: at least [`MIN_PASSWORD_CHARS`] characters, not
/// the operator id (in any case), not a common password, and not of one kind of character only (all
/// letters of one case, all digits …). The reason never repeats the password.
pub fn check_password(password: &str, id: &str) -> Result<()> {
    let refuse = |reason: String| -> Result<()> {
        Err(AuthError::Invalid {
            field: "password",
            reason,
        }
        .into())
    };
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return refuse(format!(
            "{n} characters; at least {MIN_PASSWORD_CHARS} are needed"
        ));
    }
    let lower = password.to_lowercase();
    if lower == id.to_lowercase() {
        return refuse("it is the operator id".into());
    }
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return refuse("it is one of the most common passwords".into());
    }
    let kinds = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password
            .chars()
            .any(|c| !c.is_lowercase() && !c.is_uppercase() && !c.is_ascii_digit()),
    ];
    if kinds.iter().filter(|k| **k).count() < 2 {
        return refuse(
            "it has one kind of character only; mix letters with digits, spaces or signs".into(),
        );
    }
    Ok(())
}

/// argon2id with the OWASP parameters: 19 MiB of memory, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string with a random salt.
pub(crate) fn hash_password(password: &str) -> Result<String> {
    count_run();
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| {
            AuthError::Invalid {
                field: "password",
                reason: e.to_string(),
            }
            .into()
        })
}

/// Whether `password` matches the stored hash.
pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    count_run();
    match PasswordHash::new(hash) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the operator does not exist, so that an unknown operator
/// costs the same work as a wrong password: one argon2id computation with the same
/// parameters. A constant (the hash of a random password nobody kept), so that no process
/// pays for making it on its first unknown operator, which timing would show.
pub(crate) const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$eNHlwo/fD8kN3v26SZSkUA$b3eH8TEuiOEuvJ6By4Znlb9ROuORVWjp7PiWvQObC9g";

thread_local! {
    /// argon2id computations made on this thread (hashes and verifications).
    static ARGON2_RUNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many argon2id computations this thread has made: what a sign-in's cost is counted
/// in by the tests, since every failure must cost the same.
#[cfg(test)]
pub(crate) fn argon2_runs() -> u64 {
    ARGON2_RUNS.with(|c| c.get())
}

fn count_run() {
    ARGON2_RUNS.with(|c| c.set(c.get() + 1));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterx", &h));
    }

    #[test]
    fn the_decoy_is_a_hash_with_the_parameters_of_every_other() {
        let real = hash_password("some password of an operator").unwrap();
        let params = |h: &str| h.rsplitn(3, '$').nth(2).unwrap().to_string();
        assert_eq!(params(DECOY_HASH), params(&real));
        assert!(PasswordHash::new(DECOY_HASH).is_ok());
        assert!(!verify_password("decoy-password-never-matches", DECOY_HASH));
    }

    #[test]
    fn short_passwords_and_odd_ids_are_refused() {
        let ok = |p: &str| check_password(p, "clerk-01").is_ok();
        assert!(!ok("short-pass1"), "11 characters");
        assert!(ok("twelve chars"));
        assert!(ok("correct horse battery"));
        assert!(!ok("aaaaaaaaaaaaaaaa"), "one kind");
        assert!(!ok("123456789012345678"), "one kind");
        assert!(!ok("ＡＢＣＤＥＦＧＨＩＪＫＬ"), "one kind");
        assert!(!ok("Password1234"), "common, whatever the case");
        assert!(
            check_password("operator-0001", "operator-0001").is_err(),
            "the id"
        );
        assert!(
            check_password("OPERATOR-0001", "operator-0001").is_err(),
            "the id"
        );
        assert!(check_password("operator-0001 at desk 3", "operator-0001").is_ok());
        let e = check_password("Password1234", "x").unwrap_err().to_string();
        assert!(
            !e.contains("Password1234") && !e.contains("assword1234"),
            "{e}"
        );
        assert!(check_id("clerk-01").is_ok());
        assert!(check_id("has space").is_err());
        assert!(check_id("").is_err());
    }
}
