//! The register a restore replaces: its administrator's consent, logged, and its operation log
//! handed to the restored copy (`auth::replaced`).

use super::Session;
use crate::auth::error::Result;
use crate::auth::replaced::{archive_tail, common_prefix, ArchivedTail};
use crate::auth::role::Permission;
use crate::store::engine::schema::AUDIT;
use crate::store::Database;
use std::path::Path;

impl Session {
    /// `juki restore --force` over this register: the operator needs the operators
    /// permission here too (a backup's operator table may be older than the register's);
    /// the restore is logged in this register's own log, durably, and then every entry after
    /// the point this log shares with the copy's is written into the copy's
    /// `audit_archive`. `None` when the two logs are the same.
    pub(crate) fn hand_over_log(
        &self,
        from: &Path,
        copy: &Database,
    ) -> Result<Option<ArchivedTail>> {
        let text = format!("RESTORE FROM '{}' OVER THIS REGISTER", from.display());
        if let Err(e) = self.admit(&[Permission::Operators]) {
            self.juki.inner.journal.push(
                self.db(),
                self.entry("RESTORE", text, e.code().as_str(), Vec::new()),
            )?;
            self.juki.flush_log()?;
            return Err(e);
        }
        // Logged and flushed first, so that the entry is in the tail it announces.
        self.juki
            .inner
            .journal
            .push(self.db(), self.entry("RESTORE", text, "OK", Vec::new()))?;
        self.juki.flush_log()?;
        let ours = self.db().read_transaction()?;
        let our_log = ours.open_table(AUDIT)?;
        let theirs = copy.read_transaction()?;
        let their_log = theirs.open_table(AUDIT)?;
        let prefix = common_prefix(&our_log, &their_log)?;
        drop(their_log);
        drop(theirs);
        archive_tail(&our_log, prefix, copy.redb().writable()?)
    }
}
