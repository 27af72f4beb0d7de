//! Roles and the permissions each grants: who may do what (per-function permissions).
//!
//! Department roles follow the source document's 移転先 (the departments the register hands
//! subsets to): they look up and search, and see 氏名, 住所, 生年月日 and 性別; the health,
//! pension and childcare roles also see (and AMEND) the items of their own function.

use std::fmt;

/// A function of the system that needs a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Permission {
    /// Look a resident up by resident code (now or as of a date).
    Lookup,
    /// See the whole record of a resident, beyond 氏名, 住所, 生年月日 and 性別 (every role
    /// but the department roles).
    Details,
    /// 4情報検索.
    Search,
    /// Every version of a resident.
    History,
    /// Household composition.
    Household,
    /// Record a 異動.
    Record,
    /// See a My Number (SHOW MYNUMBER) or look up by one (GET MYNUMBER).
    MyNumber,
    /// Population statistics.
    Stats,
    /// Issue certificates: 住民票の写し, 除票の写し, 住民票記載事項証明書.
    Certificate,
    /// The change feed to the prefecture.
    Changes,
    /// Send the 本人確認情報 notification and the 送付先情報 with full My Numbers: a duty of
    /// its own, granted apart from the My Number permission.
    Notification,
    /// Copy data out: EXPORT, EXPORT HISTORY, EXPORT CONSISTENCY, BACKUP.
    Export,
    /// Read and verify the operation log.
    Audit,
    /// Integrity check of the file (no personal data).
    Check,
    /// Create, disable and unlock operators; COMPACT (which shuts everyone else out while it
    /// runs, so it is an administrator's task).
    Operators,
    /// Put a resident under a DV等支援措置, or lift it.
    Restrict,
    /// Set the 国民健康保険, 後期高齢者医療 and 介護保険 items (AMEND).
    Insurance,
    /// Set the 国民年金 items (AMEND).
    Pension,
    /// Set the 児童手当 items (AMEND).
    ChildAllowance,
}

impl Permission {
    /// Whether the permission is one to change the register, or to hand a copy of it out
    /// (EXPORT, BACKUP, certificates, the notification), which is always recorded: a
    /// read-only handle, which records nothing, refuses it whatever the role.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Permission::Record
                | Permission::Operators
                | Permission::Restrict
                | Permission::Insurance
                | Permission::Pension
                | Permission::ChildAllowance
                | Permission::Export
                | Permission::Certificate
                | Permission::Notification
        )
    }

    /// The permission that changes a group of items: the department that owns the items
    /// of 住基法第7条, the counter's record permission for the others.
    pub fn for_items(group: crate::model::ItemGroup) -> Permission {
        use crate::model::ItemGroup as G;
        match group {
            G::FamilyRegister | G::FormerSurname | G::CommonName | G::ForeignResident => {
                Permission::Record
            }
            G::Insurance => Permission::Insurance,
            G::Pension => Permission::Pension,
            G::ChildAllowance => Permission::ChildAllowance,
        }
    }

    /// The permission's name as it appears in refusals.
    pub fn name(self) -> &'static str {
        match self {
            Permission::Lookup => "lookup",
            Permission::Details => "details",
            Permission::Search => "search",
            Permission::History => "history",
            Permission::Household => "household",
            Permission::Record => "record",
            Permission::MyNumber => "mynumber",
            Permission::Stats => "stats",
            Permission::Certificate => "certificate",
            Permission::Changes => "changes",
            Permission::Notification => "notification",
            Permission::Export => "export",
            Permission::Audit => "audit",
            Permission::Check => "check",
            Permission::Operators => "operators",
            Permission::Restrict => "restrict",
            Permission::Insurance => "insurance",
            Permission::Pension => "pension",
            Permission::ChildAllowance => "child_allowance",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a role sees of a resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The whole record (the My Number still masked unless asked for with the permission).
    Full,
    /// 氏名, 住所, 生年月日 and 性別, and the items of the role's own function.
    Basic,
}

/// An operator's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// Everything.
    Admin,
    /// The resident counter: look up, search, history, household, statistics, certificates
    /// without a 個人番号, record 異動 that write no My Number (転居, 転出, 死亡, 世帯変更 …; 転入, 出生 and 職権記載 carry one).
    Clerk,
    /// A clerk who also handles My Numbers and copies data out.
    Registrar,
    /// Look up and search.
    Viewer,
    /// The operation log and the integrity check; no personal data.
    Auditor,
    /// 税務 (tax).
    Tax,
    /// 国民健康保険・医療 (health insurance).
    Health,
    /// 福祉 (welfare).
    Welfare,
    /// 年金 (national pension).
    Pension,
    /// 教育 (school enrolment).
    Education,
    /// 子育て支援 (child allowance and care).
    Childcare,
}

use Permission as P;

impl Role {
    /// Every role.
    pub const ALL: [Role; 11] = [
        Role::Admin,
        Role::Clerk,
        Role::Registrar,
        Role::Viewer,
        Role::Auditor,
        Role::Tax,
        Role::Health,
        Role::Welfare,
        Role::Pension,
        Role::Education,
        Role::Childcare,
    ];

    /// The role's name as written in CREATE OPERATOR.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Clerk => "clerk",
            Role::Registrar => "registrar",
            Role::Viewer => "viewer",
            Role::Auditor => "auditor",
            Role::Tax => "tax",
            Role::Health => "health",
            Role::Welfare => "welfare",
            Role::Pension => "pension",
            Role::Education => "education",
            Role::Childcare => "childcare",
        }
    }

    /// Reads a role name.
    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim().to_ascii_lowercase();
        Role::ALL.into_iter().find(|r| r.name() == s)
    }

    /// The permissions the role grants: the one table of who may do what.
    pub fn permissions(self) -> &'static [Permission] {
        const ADMIN: &[Permission] = &[
            P::Lookup,
            P::Details,
            P::Search,
            P::History,
            P::Household,
            P::Record,
            P::MyNumber,
            P::Stats,
            P::Certificate,
            P::Changes,
            P::Notification,
            P::Export,
            P::Audit,
            P::Check,
            P::Operators,
            P::Restrict,
            P::Insurance,
            P::Pension,
            P::ChildAllowance,
        ];
        const CLERK: &[Permission] = &[
            P::Lookup,
            P::Details,
            P::Search,
            P::History,
            P::Household,
            P::Record,
            P::Stats,
            P::Certificate,
        ];
        const REGISTRAR: &[Permission] = &[
            P::Lookup,
            P::Details,
            P::Search,
            P::History,
            P::Household,
            P::Record,
            P::Stats,
            P::Certificate,
            P::MyNumber,
            P::Changes,
            P::Notification,
            P::Export,
            P::Restrict,
        ];
        const VIEWER: &[Permission] = &[P::Lookup, P::Details, P::Search];
        const AUDITOR: &[Permission] = &[P::Audit, P::Check];
        const DEPARTMENT: &[Permission] = &[P::Lookup, P::Search];
        const HEALTH: &[Permission] = &[P::Lookup, P::Search, P::Insurance];
        const PENSION: &[Permission] = &[P::Lookup, P::Search, P::Pension];
        const CHILDCARE: &[Permission] = &[P::Lookup, P::Search, P::ChildAllowance];
        match self {
            Role::Admin => ADMIN,
            Role::Clerk => CLERK,
            Role::Registrar => REGISTRAR,
            Role::Viewer => VIEWER,
            Role::Auditor => AUDITOR,
            Role::Health => HEALTH,
            Role::Pension => PENSION,
            Role::Childcare => CHILDCARE,
            Role::Tax | Role::Welfare | Role::Education => DEPARTMENT,
        }
    }

    /// Whether the role grants `p`.
    pub fn allows(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }

    /// What the role sees of a resident.
    pub fn visibility(self) -> Visibility {
        match self {
            Role::Tax
            | Role::Health
            | Role::Welfare
            | Role::Pension
            | Role::Education
            | Role::Childcare => Visibility::Basic,
            _ => Visibility::Full,
        }
    }

    /// A stable code for storage.
    pub(crate) fn code(self) -> u8 {
        Role::ALL.iter().position(|r| *r == self).expect("in ALL") as u8
    }

    /// The role of a stored code.
    pub(crate) fn from_code(c: u8) -> Option<Role> {
        Role::ALL.get(c as usize).copied()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_reads_back_from_its_name_and_its_stored_code() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.name()), Some(role));
            assert_eq!(
                Role::parse(&format!(" {} ", role.name().to_uppercase())),
                Some(role)
            );
            assert_eq!(Role::from_code(role.code()), Some(role));
            assert_eq!(role.to_string(), role.name());
        }
        let codes: std::collections::BTreeSet<u8> = Role::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), Role::ALL.len(), "codes are distinct");
        assert_eq!(Role::from_code(Role::ALL.len() as u8), None);
        for unknown in ["", "administrator", "clerk2", "root"] {
            assert_eq!(Role::parse(unknown), None, "{unknown:?}");
        }
    }

    #[test]
    fn a_permission_shows_its_name() {
        for (p, name) in [
            (Permission::MyNumber, "mynumber"),
            (Permission::ChildAllowance, "child_allowance"),
            (Permission::Audit, "audit"),
        ] {
            assert_eq!(p.to_string(), name);
            assert_eq!(p.name(), name);
        }
    }

    #[test]
    fn only_the_department_roles_see_the_basic_items() {
        for role in Role::ALL {
            let department = !role.allows(Permission::Details) && role.allows(Permission::Lookup);
            let expected = if department {
                Visibility::Basic
            } else {
                Visibility::Full
            };
            assert_eq!(role.visibility(), expected, "{role}");
        }
        assert_eq!(Role::Tax.visibility(), Visibility::Basic);
        assert_eq!(Role::Clerk.visibility(), Visibility::Full);
    }

    #[test]
    fn copies_and_changes_are_writes_and_reads_are_not() {
        for p in [
            Permission::Record,
            Permission::Export,
            Permission::Certificate,
            Permission::Notification,
            Permission::Operators,
            Permission::Restrict,
            Permission::Insurance,
        ] {
            assert!(p.writes(), "{p}");
        }
        for p in [
            Permission::Lookup,
            Permission::Search,
            Permission::History,
            Permission::Audit,
            Permission::Check,
            Permission::MyNumber,
            Permission::Changes,
        ] {
            assert!(!p.writes(), "{p}");
        }
        assert!(Role::Auditor.allows(Permission::Audit));
        assert!(!Role::Auditor.allows(Permission::Details));
    }
}
