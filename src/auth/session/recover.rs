//! Offline recovery of administration: for a register whose administrators are all locked,
//! disabled or forgotten, the operating-system owner of the file (who can read and replace
//! it anyway, and must hold its key when it is encrypted) gives an administrator a new
//! password, or makes a new one. It runs on the closed file, outside any session, and is
//! logged in the register's own operation log (kind `RECOVER`, with the owner's name as the
//! operator), in the transaction that writes the operator. The command line checks the
//! ownership (`juki recover`); this is the library's half.

use super::{now_micros, read_operator, write_operator, Juki};
use crate::auth::error::{AuthError, Result};
use crate::auth::journal::append_in;
use crate::auth::operator::{check_id, check_password, hash_password, StoredOperator};
use crate::auth::pending::{Codes, EntryText, PendingEntry, Signer};
use crate::auth::role::Role;
use crate::store::StoreError;
use std::sync::atomic::Ordering;

/// What a recovery did to the administrator it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovered {
    /// An administrator of that id was given the new password, enabled and unlocked.
    Reset,
    /// No operator had that id: a new administrator was made.
    Created,
}

impl Juki {
    /// Gives the administrator `id` the password `password`, enabled and unlocked, or makes
    /// a new administrator of that id; refused for an id that is another role's (choose
    /// another id). `owner` and `terminal` are logged as who did it and where. The password
    /// rules are those of CREATE OPERATOR.
    pub fn recover_administrator(
        &self,
        id: &str,
        password: &str,
        owner: &str,
        terminal: &str,
    ) -> Result<Recovered> {
        check_id(id)?;
        check_password(password, id)?;
        let db = &self.inner.db;
        let existing = read_operator(db, id)?;
        let (op, recovered) = match existing {
            Some(op) if op.role()? != Role::Admin => {
                return Err(AuthError::Invalid {
                    field: "admin",
                    reason: format!(
                        "{id} is an operator of role {}, not an administrator: recover another id",
                        op.role()?
                    ),
                }
                .into())
            }
            Some(op) => (
                StoredOperator {
                    hash: hash_password(password)?,
                    disabled: false,
                    failed: 0,
                    locked: false,
                    locked_at: 0,
                    ..op
                },
                Recovered::Reset,
            ),
            None => (
                StoredOperator {
                    id: id.to_string(),
                    role: Role::Admin.code(),
                    hash: hash_password(password)?,
                    disabled: false,
                    failed: 0,
                    locked: false,
                    created_at: now_micros(),
                    created_by: owner.to_string(),
                    locked_at: 0,
                },
                Recovered::Created,
            ),
        };
        let what = match recovered {
            Recovered::Reset => "password reset, enabled, unlocked",
            Recovered::Created => "created",
        };
        let entry = PendingEntry {
            time: now_micros(),
            signer: Signer::new(owner, terminal),
            kind: "RECOVER".into(),
            text: EntryText::Owned(format!(
                "RECOVER ADMINISTRATOR {id} ({what}; offline, by the owner of the file)"
            )),
            outcome: "OK".into(),
            codes: Codes::NONE,
        };
        let txn = db.write_transaction()?;
        let mut pending = self.inner.journal.take();
        pending.push(entry);
        write_operator(&txn, &op)?;
        append_in(&txn, pending)?;
        txn.commit().map_err(StoreError::from)?;
        self.inner.operators_changed.fetch_add(1, Ordering::AcqRel);
        Ok(recovered)
    }
}
