//! The statement AST: what a parsed statement says, before any of its values are validated.
//!
//! Values stay text with the span they came from ([`Value`]); turning them into domain types
//! (resident codes, dates, sexes …) happens later, so that an invalid value is reported as
//! `INVALID_VALUE` with a caret under it, not as a syntax error.

use std::fmt;

use super::lexer::Span;
use crate::model::{FieldRule, Reason, HOUSEHOLD_MOVE};

/// A value as written: a bare word, or a quoted string without its quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// The text (unescaped for a quoted string).
    pub text: String,
    /// Where it was written, quotes included.
    pub span: Span,
}

/// A value that must not appear in logs, such as an initial password: like [`Value`], but its
/// `Debug` output hides the text.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// The text (unescaped).
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("text", &"***")
            .field("span", &self.span)
            .finish()
    }
}

/// A field a FIND can search by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `name=`: the kanji name, or the kana reading when the text is kana.
    Name,
    /// `address=`: an address prefix.
    Address,
    /// `birth=`: the date of birth.
    Birth,
    /// `sex=`: `1`/`2` or `男`/`女`. Does not count toward the two-condition minimum.
    Sex,
}

impl Field {
    /// Every field, in the order error messages list them.
    #[cfg(any(test, feature = "testing"))]
    pub const ALL: [Field; 4] = [Field::Name, Field::Address, Field::Birth, Field::Sex];

    /// The field's name as written in a statement.
    pub fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Address => "address",
            Field::Birth => "birth",
            Field::Sex => "sex",
        }
    }
}

/// One FIND condition, `field=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    /// The field searched.
    pub field: Field,
    /// The value searched for.
    pub value: Value,
    /// The whole condition, field to value.
    pub span: Span,
}

/// Which household a HOUSEHOLD statement asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HouseholdTarget {
    /// `HOUSEHOLD <household_id>`.
    Id(Value),
    /// `HOUSEHOLD OF <resident_code>`: the household the resident belongs to.
    Of(Value),
}

/// A dimension STATS can break counts down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatDim {
    /// By sex.
    Sex,
    /// By age, in 5-year bands.
    Age,
    /// By town (町丁).
    Town,
    /// By status: active or removed.
    Status,
    /// By ward (行政区) of a 政令指定都市.
    Ward,
    /// By an area code of the 町字 (自治会, 町内会, 小学校区, 中学校区, 投票区).
    Area(crate::model::AreaKind),
}

impl StatDim {
    /// Every dimension, in the order error messages list them.
    #[cfg(any(test, feature = "testing"))]
    pub const ALL: [StatDim; 10] = [
        StatDim::Sex,
        StatDim::Age,
        StatDim::Town,
        StatDim::Status,
        StatDim::Ward,
        StatDim::Area(crate::model::AreaKind::Association),
        StatDim::Area(crate::model::AreaKind::Neighborhood),
        StatDim::Area(crate::model::AreaKind::ElementarySchool),
        StatDim::Area(crate::model::AreaKind::JuniorHighSchool),
        StatDim::Area(crate::model::AreaKind::Precinct),
    ];

    /// The dimension's name as written in a statement.
    pub fn name(self) -> &'static str {
        match self {
            StatDim::Sex => "sex",
            StatDim::Age => "age",
            StatDim::Town => "town",
            StatDim::Status => "status",
            StatDim::Ward => "ward",
            StatDim::Area(kind) => kind.key(),
        }
    }
}

/// The period a REPORT covers, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportPeriod {
    /// `MONTH <month>` (or the month right after REPORT): a calendar month.
    Month(Value),
    /// `FROM <date> TO <date>`, both days included.
    Range {
        /// The first day.
        from: Value,
        /// The last day.
        to: Value,
    },
}

/// The kind of a 異動: which statement recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// `MOVE IN` (転入): a resident arrives from another municipality.
    MoveIn,
    /// `BIRTH` (出生): a new record from a birth; ON is the birth date.
    Birth,
    /// `ENTER` (職権記載): a record written ex officio.
    EntryExOfficio,
    /// `MOVE` (転居): a move within the municipality.
    Move,
    /// `MOVE HOUSEHOLD <世帯番号>` (転居 of every member): the whole household moves.
    MoveHousehold,
    /// `MOVE OUT` (転出): the resident leaves the municipality.
    MoveOut,
    /// `DEATH` (死亡).
    Death,
    /// `REMOVE` (職権消除): the record is removed ex officio.
    Remove,
    /// `RENAME` (氏名変更): a new name and kana, e.g. after marriage.
    Rename,
    /// `CHANGE HOUSEHOLD` (世帯変更): a new household or 続柄 without a move.
    ChangeHousehold,
    /// `CORRECT` (職権修正): a correction of any field but the resident code.
    Correct,
    /// `CHANGE CODE <code> new=<code>` (住民票コード変更).
    ChangeCode,
    /// `CHANGE MYNUMBER <code> my_number=<n>` (個人番号変更).
    ChangeMyNumber,
    /// `CANCEL MOVE OUT <code>` (転出取消): a 転出 notified ahead is cancelled.
    CancelMoveOut,
    /// `CONFIRM MOVE OUT <code> to=…` (転出確定): the actual destination and date.
    ConfirmMoveOut,
    /// `CANCEL CHANGE <code> seq=<n>` (異動取消): a mistaken 異動 is undone.
    CancelChange,
    /// `CHANGE HEAD <code> new_head=…` (世帯主変更): a living head hands over.
    ChangeHead,
    /// `AMEND <code> <item>=…` (記載事項変更): items beyond the core fields are set or
    /// cleared (本籍, 旧氏, 通称, the insurance, pension and child-allowance items).
    Amend,
}

impl ChangeKind {
    /// Every kind.
    #[cfg(any(test, feature = "testing"))]
    pub const ALL: [ChangeKind; 18] = [
        ChangeKind::MoveIn,
        ChangeKind::Birth,
        ChangeKind::EntryExOfficio,
        ChangeKind::Move,
        ChangeKind::MoveHousehold,
        ChangeKind::MoveOut,
        ChangeKind::Death,
        ChangeKind::Remove,
        ChangeKind::Rename,
        ChangeKind::ChangeHousehold,
        ChangeKind::Correct,
        ChangeKind::ChangeCode,
        ChangeKind::ChangeMyNumber,
        ChangeKind::CancelMoveOut,
        ChangeKind::ConfirmMoveOut,
        ChangeKind::CancelChange,
        ChangeKind::ChangeHead,
        ChangeKind::Amend,
    ];

    /// The statement's keywords, e.g. `MOVE IN`.
    pub const fn name(self) -> &'static str {
        match self {
            ChangeKind::MoveHousehold => "MOVE HOUSEHOLD",
            _ => self.to_reason().statement(),
        }
    }

    /// Whether the statement's subject is a 世帯番号 rather than a resident code.
    pub fn names_household(self) -> bool {
        self == ChangeKind::MoveHousehold
    }

    /// The 異動事由 recorded for it, e.g. `転入`.
    #[cfg(any(test, feature = "testing"))]
    pub fn reason(self) -> &'static str {
        self.to_reason().japanese()
    }

    /// The 異動事由 the statement records.
    pub const fn to_reason(self) -> Reason {
        match self {
            ChangeKind::MoveIn => Reason::MoveIn,
            ChangeKind::Birth => Reason::Birth,
            ChangeKind::EntryExOfficio => Reason::EntryExOfficio,
            ChangeKind::Move | ChangeKind::MoveHousehold => Reason::Move,
            ChangeKind::MoveOut => Reason::MoveOut,
            ChangeKind::Death => Reason::Death,
            ChangeKind::Remove => Reason::RemovalExOfficio,
            ChangeKind::Rename => Reason::Rename,
            ChangeKind::ChangeHousehold => Reason::HouseholdChange,
            ChangeKind::Correct => Reason::Correction,
            ChangeKind::ChangeCode => Reason::CodeChange,
            ChangeKind::ChangeMyNumber => Reason::MyNumberChange,
            ChangeKind::CancelMoveOut => Reason::MoveOutCancel,
            ChangeKind::ConfirmMoveOut => Reason::MoveOutConfirm,
            ChangeKind::CancelChange => Reason::Cancellation,
            ChangeKind::ChangeHead => Reason::HeadChange,
            ChangeKind::Amend => Reason::ItemChange,
        }
    }

    /// Which keys the statement must and may carry: its 異動事由's row of the one fields
    /// table (MOVE HOUSEHOLD: [`HOUSEHOLD_MOVE`]), which the engine checks again.
    pub fn fields(self) -> &'static FieldRule {
        match self {
            ChangeKind::MoveHousehold => &HOUSEHOLD_MOVE,
            _ => self.to_reason().fields(),
        }
    }
}

/// One `key=value` of a change statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The key, lowercased and in its English form (`氏名=` gives `name`); always one the
    /// statement's [`ChangeKind::fields`] allow.
    pub key: String,
    /// Where the key was written.
    pub key_span: Span,
    /// The value assigned.
    pub value: Value,
}

/// A 異動 statement: every change to a resident record has this one shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Which change.
    pub kind: ChangeKind,
    /// The resident code the change is about (MOVE HOUSEHOLD: the 世帯番号).
    pub code: Value,
    /// The `key=value` pairs, in the order written; no key appears twice.
    pub assignments: Vec<Assignment>,
    /// `ON <date>`: the 異動日 (required by the parser).
    pub on: Value,
    /// `REPORTED <date>`: the 届出日; the engine takes today when absent.
    pub reported: Option<Value>,
    /// The whole statement.
    pub span: Span,
}

impl Change {
    /// The value assigned to `key` (English form), if any.
    #[cfg(any(test, feature = "testing"))]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.assignments
            .iter()
            .find(|a| a.key == key)
            .map(|a| &a.value)
    }
}

/// An ISSUE statement: which certificate, of whom, and its clauses as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Which certificate.
    pub kind: crate::certificate::Kind,
    /// `HOUSEHOLD OF <code>` (the whole household) rather than `OF <code>, …`.
    pub household: bool,
    /// The resident codes written.
    pub codes: Vec<Value>,
    /// `AS OF <date>`.
    pub as_of: Option<Value>,
    /// `WITH <part>, …`: the parts, as written.
    pub with: Vec<Value>,
    /// `REQUESTED BY <code> | '<name>'`.
    pub requester: Option<Value>,
    /// `TO '<file.pdf>'`.
    pub to: Option<Value>,
}

/// One statement of the query language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// `GET <resident_code> [AS OF <date>]`: one resident, now or as of a date.
    Get {
        /// The resident code.
        code: Value,
        /// The date to look back to.
        as_of: Option<Value>,
    },
    /// `GET MYNUMBER <my_number>`: the resident who holds or held a My Number.
    GetMyNumber {
        /// The My Number.
        number: Value,
    },
    /// `GET ATENA <宛名番号> [AS OF <date>]`: the person with this 宛名番号.
    GetAtena {
        /// The 宛名番号.
        number: Value,
        /// The date to look back to.
        as_of: Option<Value>,
    },
    /// `FIND <cond> <cond> [...] [AS OF <date>] [LIMIT <n>]`: the 4情報 search.
    Find {
        /// The conditions, in the order written; no field appears twice.
        conds: Vec<Cond>,
        /// The date to search as of; without it former names and addresses match too.
        as_of: Option<Value>,
        /// Lowers the search's ceiling: more matches than this are refused.
        limit: Option<Value>,
    },
    /// `HISTORY <resident_code>`: every version of a resident, oldest first.
    History {
        /// The resident code.
        code: Value,
    },
    /// `HOUSEHOLD <id> [AS OF <date>]` / `HOUSEHOLD OF <code> [AS OF <date>]`: the members.
    Household {
        /// The household asked for.
        target: HouseholdTarget,
        /// The date to look back to.
        as_of: Option<Value>,
    },
    /// `SHOW MYNUMBER <resident_code>`: the unmasked My Number (audited).
    ShowMyNumber {
        /// The resident code.
        code: Value,
    },
    /// `STATS [BY <dim>[, <dim> ...]] [AS OF <date>]`: population counts.
    Stats {
        /// The dimensions, in the order written, each with where it was written.
        by: Vec<(StatDim, Span)>,
        /// The date to count as of.
        as_of: Option<Value>,
    },
    /// `STATS BY REASON [, <dim> ...] [FROM <date>] [TO <date>]`: 異動 by 異動事由.
    StatsByReason {
        /// The dimensions after `reason`, each with where it was written.
        by: Vec<(StatDim, Span)>,
        /// The first 異動日 counted.
        from: Option<Value>,
        /// The last 異動日 counted.
        to: Option<Value>,
    },
    /// `STATS BY HOUSEHOLD [, town] [AS OF <date>]`: households by size.
    StatsByHousehold {
        /// Whether counted per 町字.
        by_town: bool,
        /// The date to count as of.
        as_of: Option<Value>,
    },
    /// `REPORT MONTH <month>` or `REPORT FROM <date> TO <date>`: the monthly report.
    Report(ReportPeriod),
    /// `CHANGES SINCE <seq> [LIMIT <n>]`: the change feed.
    Changes {
        /// The update sequence number to start after.
        since: Value,
        /// The most entries to return.
        limit: Option<Value>,
    },
    /// Any 異動: MOVE IN, BIRTH, ENTER, MOVE, MOVE OUT, DEATH, REMOVE, RENAME,
    /// CHANGE HOUSEHOLD, CORRECT, CHANGE CODE, CHANGE MYNUMBER.
    Change(Change),
    /// `CREATE OPERATOR <id> ROLE <role> PASSWORD '<initial>'`.
    CreateOperator {
        /// The new operator's id.
        id: Value,
        /// The role: admin, clerk, viewer, auditor or a department role.
        role: Value,
        /// The initial password.
        password: Secret,
    },
    /// `DISABLE OPERATOR <id>`.
    DisableOperator {
        /// The operator.
        id: Value,
    },
    /// `UNLOCK OPERATOR <id>`: lifts a lock after failed sign-ins.
    UnlockOperator {
        /// The operator.
        id: Value,
    },
    /// `PASSWORD`: changes the signed-in operator's password (asked for at the terminal).
    Password,
    /// `LIST OPERATORS`.
    ListOperators,
    /// `AUDIT [operator=<id>] [kind=<kind>] [since=<date>] [LIMIT <n>]`: the operation log.
    Audit {
        /// Only this operator's entries.
        operator: Option<Value>,
        /// Only entries of this kind (`RESTRICTED SHOWN`, `EXPORT` …).
        kind: Option<Value>,
        /// Only entries from this date.
        since: Option<Value>,
        /// The most entries to return.
        limit: Option<Value>,
    },
    /// `AUDIT VERIFY`: checks the audit hash chain.
    AuditVerify,
    /// `AUDIT ALERTS`: the ALERT entries of the operation log.
    AuditAlerts,
    /// `SET SEARCH LIMIT <role> <n>`: the ceiling of a role's FIND.
    SetSearchLimit {
        /// The role.
        role: Value,
        /// The most residents a FIND may return.
        limit: Value,
    },
    /// `SET WATCH searches=<n> residents=<n> minutes=<n>`: the watch on browsing.
    SetWatch {
        /// Searches allowed in the window.
        searches: Value,
        /// Distinct residents allowed in the window.
        residents: Value,
        /// The window in minutes.
        minutes: Value,
    },
    /// `EXPORT '<path>' [INCLUDE RESTRICTED]`: the current residents, copied out (recorded).
    Export {
        /// The file to write.
        path: Value,
        /// `INCLUDE RESTRICTED`: the residents under a DV等支援措置 too.
        include_restricted: bool,
    },
    /// `EXPORT HISTORY '<path>' [INCLUDE RESTRICTED]`: every version of every resident,
    /// copied out (recorded).
    ExportHistory {
        /// The file to write.
        path: Value,
        /// `INCLUDE RESTRICTED`.
        include_restricted: bool,
    },
    /// `EXPORT CONSISTENCY '<path>' [INCLUDE RESTRICTED]`: the 整合性確認 file.
    ExportConsistency {
        /// The file to write.
        path: Value,
        /// `INCLUDE RESTRICTED`.
        include_restricted: bool,
    },
    /// `VERIFY CONSISTENCY '<path>'`: compares a 整合性確認 file against the database.
    VerifyConsistency {
        /// The file to read.
        path: Value,
    },
    /// `CHECK`: checks every index, version chain, the change feed and the audit chain.
    Check,
    /// `BACKUP TO '<path>'`: an online consistent backup with a manifest.
    BackupTo {
        /// The file to write.
        path: Value,
    },
    /// `COMPACT`: reclaims free space.
    Compact,
    /// `LOAD TOWNS '<path>' ON <date>`: a new version of the address dictionary.
    LoadTowns {
        /// The CSV file to read.
        path: Value,
        /// The day the version takes effect.
        from: Value,
    },
    /// `SHOW REGISTER`: the municipality and its dictionaries.
    ShowRegister,
    /// `ISSUE COPY | REMOVED COPY | ITEMS CERTIFICATE …`: a certificate.
    Issue(Issue),
    /// `RESTRICT <code> KIND <kind> AUTHORITY '<name>' FROM <date> [UNTIL <date>]`: a
    /// DV等支援措置.
    Restrict {
        /// The resident.
        code: Value,
        /// The kind.
        kind: Value,
        /// The authority that confirmed the need.
        authority: Value,
        /// The first day.
        from: Value,
        /// The last day, when given.
        until: Option<Value>,
    },
    /// `EXTEND RESTRICTION <code> [UNTIL <date>]`.
    ExtendRestriction {
        /// The resident.
        code: Value,
        /// The new last day, when given.
        until: Option<Value>,
    },
    /// `RESTRICTIONS`.
    Restrictions,
    /// `LIFT RESTRICTION <code>`.
    LiftRestriction {
        /// The resident.
        code: Value,
    },
    /// `SET OFFICE postal='…' address='…' phone='…'`: the office of the 送付先情報.
    SetOffice {
        /// The postal code.
        postal: Value,
        /// The address.
        address: Value,
        /// The telephone number.
        phone: Value,
    },
    /// `NOTIFY [SINCE <seq>] TO '<path>'`: the 本人確認情報 notification.
    Notify {
        /// Where to start, when not where the last batch stopped.
        since: Option<Value>,
        /// The file.
        path: Value,
    },
    /// `EXPORT DESTINATIONS TO '<path>'`: the 送付先情報.
    ExportDestinations {
        /// The file.
        path: Value,
    },
    /// `SET ISSUER title='…' name='…'`: who certificates are signed by.
    SetIssuer {
        /// The title, e.g. 兵庫県芦屋市長.
        title: Value,
        /// The name.
        name: Value,
    },
    /// `HELP [topic]`: the statements, or one of them.
    Help {
        /// The words after HELP as written, joined by single spaces (e.g. `MOVE IN`).
        topic: Option<String>,
    },
}

impl Statement {
    /// The statement's keywords, e.g. `GET`, `FIND`, `MOVE IN`; for logs and messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Statement::Get { .. } => "GET",
            Statement::GetMyNumber { .. } => "GET MYNUMBER",
            Statement::GetAtena { .. } => "GET ATENA",
            Statement::Find { .. } => "FIND",
            Statement::History { .. } => "HISTORY",
            Statement::Household { .. } => "HOUSEHOLD",
            Statement::ShowMyNumber { .. } => "SHOW MYNUMBER",
            Statement::Stats { .. } => "STATS",
            Statement::StatsByReason { .. } => "STATS BY REASON",
            Statement::StatsByHousehold { .. } => "STATS BY HOUSEHOLD",
            Statement::Report(_) => "REPORT",
            Statement::Changes { .. } => "CHANGES",
            Statement::Change(change) => change.kind.name(),
            Statement::CreateOperator { .. } => "CREATE OPERATOR",
            Statement::DisableOperator { .. } => "DISABLE OPERATOR",
            Statement::UnlockOperator { .. } => "UNLOCK OPERATOR",
            Statement::Password => "PASSWORD",
            Statement::ListOperators => "LIST OPERATORS",
            Statement::Audit { .. } => "AUDIT",
            Statement::AuditVerify => "AUDIT VERIFY",
            Statement::AuditAlerts => "AUDIT ALERTS",
            Statement::SetSearchLimit { .. } => "SET SEARCH LIMIT",
            Statement::SetWatch { .. } => "SET WATCH",
            Statement::Export { .. } => "EXPORT",
            Statement::ExportHistory { .. } => "EXPORT HISTORY",
            Statement::ExportConsistency { .. } => "EXPORT CONSISTENCY",
            Statement::VerifyConsistency { .. } => "VERIFY CONSISTENCY",
            Statement::Check => "CHECK",
            Statement::BackupTo { .. } => "BACKUP TO",
            Statement::Compact => "COMPACT",
            Statement::LoadTowns { .. } => "LOAD TOWNS",
            Statement::ShowRegister => "SHOW REGISTER",
            Statement::Issue(issue) => match issue.kind {
                crate::certificate::Kind::Copy => "ISSUE COPY",
                crate::certificate::Kind::RemovedCopy => "ISSUE REMOVED COPY",
                crate::certificate::Kind::ItemsCertificate => "ISSUE ITEMS CERTIFICATE",
                crate::certificate::Kind::MoveOutCertificate => "ISSUE MOVE OUT CERTIFICATE",
            },
            Statement::SetIssuer { .. } => "SET ISSUER",
            Statement::SetOffice { .. } => "SET OFFICE",
            Statement::Restrict { .. } => "RESTRICT",
            Statement::LiftRestriction { .. } => "LIFT RESTRICTION",
            Statement::ExtendRestriction { .. } => "EXTEND RESTRICTION",
            Statement::Restrictions => "RESTRICTIONS",
            Statement::Notify { .. } => "NOTIFY",
            Statement::ExportDestinations { .. } => "EXPORT DESTINATIONS",
            Statement::Help { .. } => "HELP",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_leak_through_debug() {
        let secret = Secret {
            text: "hunter2".into(),
            span: Span::new(0, 9),
        };
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn change_kinds_have_distinct_names_and_keys() {
        let mut names: Vec<_> = ChangeKind::ALL.iter().map(|k| k.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ChangeKind::ALL.len());
        // MOVE HOUSEHOLD records 転居, as MOVE does; every other kind has its own reason.
        let mut reasons: Vec<_> = ChangeKind::ALL.iter().map(|k| k.to_reason()).collect();
        reasons.sort();
        reasons.dedup();
        assert_eq!(reasons.len(), ChangeKind::ALL.len() - 1);
        assert_eq!(ChangeKind::MoveHousehold.to_reason(), Reason::Move);
        assert_eq!(ChangeKind::MoveHousehold.name(), "MOVE HOUSEHOLD");
        assert!(!ChangeKind::MoveHousehold
            .fields()
            .allows(crate::model::ChangeField::Household));
        use crate::model::ChangeField as F;
        assert!(ChangeKind::MoveOut.fields().allows(F::To));
        assert!(!ChangeKind::Move.fields().allows(F::Name));
        assert_eq!(ChangeKind::ChangeCode.fields().required, &[F::New]);
    }

    #[test]
    fn change_get_finds_by_key() {
        let value = |text: &str| Value {
            text: text.into(),
            span: Span::default(),
        };
        let change = Change {
            kind: ChangeKind::Rename,
            code: value("1"),
            assignments: vec![Assignment {
                key: "name".into(),
                key_span: Span::default(),
                value: value("山田花子"),
            }],
            on: value("R7.6.1"),
            reported: None,
            span: Span::default(),
        };
        assert_eq!(
            change.get("name").map(|v| v.text.as_str()),
            Some("山田花子")
        );
        assert!(change.get("kana").is_none());
        assert_eq!(Statement::Change(change).kind_name(), "RENAME");
    }
}
