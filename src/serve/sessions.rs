//! The sessions a server holds, each named by a token its client was given at sign-in.
//!
//! Invariants:
//! * A token is 32 random bytes from the operating system, written as 64 hex digits; the
//!   table keeps the SHA-256 of each token, never the token, so that the tokens cannot be
//!   read out of the server's memory image or compared a byte at a time.
//! * One statement at a time per session: a session's requests wait for each other (a
//!   [`crate::Session`] is one operator at one terminal); different sessions run at once.
//! * A session unused for the idle limit is gone by the next request that names it, and
//!   taken out of the table by the next sweep at the latest.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::auth::Session;

/// A session the server holds, with the time it was last used.
pub(crate) struct Held {
    pub session: Mutex<Session>,
    last_used: Mutex<Instant>,
}

impl Held {
    fn idle_for(&self, now: Instant) -> Duration {
        let last = *self.last_used.lock().unwrap_or_else(|e| e.into_inner());
        now.saturating_duration_since(last)
    }

    fn touch(&self) {
        *self.last_used.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }
}

/// Why a token names no session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gone {
    /// No session was ever given this token, or it signed out.
    Unknown,
    /// The session was idle longer than the limit and has ended.
    Idle,
}

/// The table of sessions.
pub(crate) struct Sessions {
    held: Mutex<HashMap<[u8; 32], Arc<Held>>>,
    idle: Duration,
    most: usize,
}

impl Sessions {
    pub fn new(idle: Duration, most: usize) -> Sessions {
        Sessions {
            held: Mutex::new(HashMap::new()),
            idle,
            most,
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Arc<Held>>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Holds `session` and gives its token; `None` when the table is full (after the idle
    /// sessions are swept out).
    pub fn insert(&self, session: Session) -> Option<String> {
        self.sweep();
        let mut table = self.table();
        if table.len() >= self.most {
            return None;
        }
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw).ok()?;
        let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        table.insert(
            digest(&token),
            Arc::new(Held {
                session: Mutex::new(session),
                last_used: Mutex::new(Instant::now()),
            }),
        );
        Some(token)
    }

    /// The session `token` names, marked as used now.
    pub fn get(&self, token: &str) -> Result<Arc<Held>, Gone> {
        let key = digest(token);
        let mut table = self.table();
        let held = table.get(&key).cloned().ok_or(Gone::Unknown)?;
        if held.idle_for(Instant::now()) > self.idle {
            table.remove(&key);
            return Err(Gone::Idle);
        }
        held.touch();
        Ok(held)
    }

    /// Ends the session `token` names; whether there was one.
    pub fn remove(&self, token: &str) -> bool {
        self.table().remove(&digest(token)).is_some()
    }

    /// Ends every session idle longer than the limit.
    pub fn sweep(&self) {
        let now = Instant::now();
        self.table()
            .retain(|_, held| held.idle_for(now) <= self.idle);
    }

    /// Ends every session.
    pub fn clear(&self) {
        self.table().clear();
    }

    /// How many sessions are held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.table().len()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(dir: &tempfile::TempDir) -> (crate::Juki, Session) {
        let juki = crate::Juki::builder(dir.path().join("t.redb"))
            .create_with_admin("admin1", "correct horse battery")
            .unwrap();
        let s = juki
            .sign_in("admin1", "correct horse battery", "t")
            .unwrap();
        (juki, s)
    }

    #[test]
    fn a_token_names_its_session_until_it_signs_out() {
        let dir = tempfile::tempdir().unwrap();
        let (juki, s) = session(&dir);
        let table = Sessions::new(Duration::from_secs(60), 2);
        let token = table.insert(s).unwrap();
        assert_eq!(token.len(), 64);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(table.get(&token).is_ok());
        assert_eq!(table.get("0").err(), Some(Gone::Unknown));
        let mut other = token.clone().into_bytes();
        other[0] = if other[0] == b'a' { b'b' } else { b'a' };
        assert_eq!(
            table.get(std::str::from_utf8(&other).unwrap()).err(),
            Some(Gone::Unknown)
        );
        assert!(table.remove(&token));
        assert_eq!(table.get(&token).err(), Some(Gone::Unknown));
        assert!(!table.remove(&token));
        assert_eq!(juki.sessions(), 0, "the session ended with its removal");
    }

    #[test]
    fn the_table_holds_at_most_its_limit_and_idle_sessions_end() {
        let dir = tempfile::tempdir().unwrap();
        let (juki, s) = session(&dir);
        let table = Sessions::new(Duration::from_secs(60), 1);
        let first = table.insert(s).unwrap();
        let second = juki
            .sign_in("admin1", "correct horse battery", "t")
            .unwrap();
        assert!(table.insert(second).is_none(), "the table is full");
        assert_eq!(table.len(), 1);
        assert!(table.get(&first).is_ok());

        let idle = Sessions::new(Duration::ZERO, 4);
        let s = juki
            .sign_in("admin1", "correct horse battery", "t")
            .unwrap();
        let token = idle.insert(s).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(idle.get(&token).err(), Some(Gone::Idle));
        assert_eq!(idle.len(), 0);
    }
}
