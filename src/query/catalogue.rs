//! The statement catalogue: one row per statement of the query language, with its keywords,
//! Japanese aliases, usage, an example, the permissions it needs and its help text.
//!
//! The catalogue drives the parser's statement keywords and its "did you mean" list, the usage
//! hints of parse errors, `help` and `help <statement>`, completion in the console, and
//! `docs/query-language.md` (tests/catalogue.rs fails when that document, `help` or the
//! parser disagree with it).
//!
//! Invariants of [`CATALOGUE`]:
//! * every statement the parser accepts has exactly one row, and every row's [`Form`] is
//!   distinct; a row's `name` is its keywords, each the first (English) form of its word set in
//!   `words`, uppercased, and equals [`super::Statement::kind_name`] of what its example
//!   parses to;
//! * keywords and aliases are stored folded ([`super::keywords::fold`]: NFKC, lowercase);
//! * the usage of a 異動 is built from the one fields table ([`crate::model::change_fields`]),
//!   so the fields it lists cannot drift from what the parser and the engine accept.
//!
//! The permissions are the auth layer's [`Permission`]s: the query layer already depends on
//! `auth` (the executor runs statements through a [`crate::auth::Session`]), and `auth` uses
//! only the query layer's redaction, so naming them here makes no new dependency.

use crate::auth::{Permission, Role};

use super::ast::ChangeKind;
use super::keywords as kw;

/// Which part of `help` and of the documentation a statement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Reading the register.
    LookingUp,
    /// Issuing certificates.
    Issuing,
    /// Recording a 異動.
    Recording,
    /// Operators, the operation log, copies, checks and maintenance.
    Administering,
    /// The console itself.
    Console,
}

impl Group {
    /// Every group, in the order `help` lists them.
    pub const ALL: [Group; 5] = [
        Group::LookingUp,
        Group::Issuing,
        Group::Recording,
        Group::Administering,
        Group::Console,
    ];

    /// The group's heading in `help` and in the documentation.
    pub fn title(self) -> &'static str {
        match self {
            Group::LookingUp => "Looking up",
            Group::Issuing => "Issuing certificates",
            Group::Recording => "Recording a change (異動)",
            Group::Administering => "Administering",
            Group::Console => "The console",
        }
    }
}

/// The shape of a statement: which parser method reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `GET <code> [AS OF <date>]`.
    Get,
    /// `GET MYNUMBER <number>`.
    GetMyNumber,
    /// `GET ATENA <宛名番号>`.
    GetAtena,
    /// `FIND <cond> …`.
    Find,
    /// `HISTORY <code>`.
    History,
    /// `HOUSEHOLD <id>` / `HOUSEHOLD OF <code>`.
    Household,
    /// `SHOW MYNUMBER <code>`.
    ShowMyNumber,
    /// `STATS [BY …]`.
    Stats,
    /// `STATS BY REASON …`.
    StatsByReason,
    /// `STATS BY HOUSEHOLD …`.
    StatsByHousehold,
    /// `REPORT MONTH <month>` / `REPORT FROM <date> TO <date>`.
    Report,
    /// `CHANGES SINCE <seq>`.
    Changes,
    /// A 異動 of the given kind.
    Change(ChangeKind),
    /// `CREATE OPERATOR …`.
    CreateOperator,
    /// `DISABLE OPERATOR <id>`.
    DisableOperator,
    /// `UNLOCK OPERATOR <id>`.
    UnlockOperator,
    /// `PASSWORD`.
    Password,
    /// `LIST OPERATORS`.
    ListOperators,
    /// `AUDIT [filters]`.
    Audit,
    /// `AUDIT VERIFY`.
    AuditVerify,
    /// `EXPORT '<path>'`.
    Export,
    /// `EXPORT HISTORY '<path>'`.
    ExportHistory,
    /// `EXPORT CONSISTENCY '<path>'`.
    ExportConsistency,
    /// `VERIFY CONSISTENCY '<path>'`.
    VerifyConsistency,
    /// `CHECK`.
    Check,
    /// `BACKUP TO '<path>'`.
    BackupTo,
    /// `COMPACT`.
    Compact,
    /// `LOAD TOWNS '<path>' ON <date>`.
    LoadTowns,
    /// `SHOW REGISTER`.
    ShowRegister,
    /// `ISSUE …`: a certificate of the kind.
    Issue(crate::certificate::Kind),
    /// `SET ISSUER title='…' name='…'`.
    SetIssuer,
    /// `SET OFFICE postal='…' address='…' phone='…'`.
    SetOffice,
    /// `SET SEARCH LIMIT <role> <n>`.
    SetSearchLimit,
    /// `SET WATCH searches=<n> residents=<n> minutes=<n>`.
    SetWatch,
    /// `AUDIT ALERTS`.
    AuditAlerts,
    /// `RESTRICT <code> KIND <kind> AUTHORITY '<name>' FROM <date> [UNTIL <date>]`.
    Restrict,
    /// `EXTEND RESTRICTION <code> [UNTIL <date>]`.
    ExtendRestriction,
    /// `LIFT RESTRICTION <code>`.
    LiftRestriction,
    /// `RESTRICTIONS`.
    Restrictions,
    /// `NOTIFY [SINCE <seq>] TO '<path>'`.
    Notify,
    /// `EXPORT DESTINATIONS TO '<path>'`.
    ExportDestinations,
    /// `HELP [topic]`.
    Help,
}

/// One statement of the language.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The keywords, e.g. `MOVE IN`: also the statement's kind name in logs and messages.
    pub name: &'static str,
    /// The words that start the statement, one set of accepted (folded) forms per position:
    /// `[["get", "照会"], ["mynumber", "my_number", "個人番号"]]` for GET MYNUMBER.
    pub words: &'static [&'static [&'static str]],
    /// Japanese aliases that stand for all of the keywords, e.g. `転入` for MOVE IN.
    pub aliases: &'static [&'static str],
    /// The form. For a 異動, only its keywords and the resident code (`MOVE IN <code>`):
    /// [`Entry::usage`] adds the fields from the fields table and the dates.
    pub syntax: &'static str,
    /// A statement that parses (tests/catalogue.rs parses every one).
    pub example: &'static str,
    /// The permissions an operator needs to run it at all (a role without one of them is
    /// refused with `PERMISSION_DENIED`); empty when any signed-in operator may.
    pub needs: &'static [Permission],
    /// What it does.
    pub what: &'static str,
    /// Where `help` lists it.
    pub group: Group,
    /// Which parser method reads it.
    pub form: Form,
}

impl Entry {
    /// The usage line, e.g. `GET <resident code> [AS OF <date>]`. A 異動's lists its required
    /// fields, then its optional ones in brackets, from the fields table.
    pub fn usage(&self) -> String {
        let Form::Change(kind) = self.form else {
            return self.syntax.to_string();
        };
        let rule = kind.fields();
        let mut out = String::from(self.syntax);
        // The items go under their own keys: `<item>=…` stands for any of them.
        let key = |f: &crate::model::ChangeField| match f {
            crate::model::ChangeField::Items => "<item>".to_string(),
            f => f.name().to_string(),
        };
        for field in rule.required {
            out.push_str(&format!(" {}=…", key(field)));
        }
        for field in rule.optional {
            out.push_str(&format!(" [{}=…]", key(field)));
        }
        out.push_str(" ON <date> [REPORTED <date>]");
        out
    }

    /// Whether `text`, a statement of this entry, reads residents as they stood on another
    /// day (`AS OF` on GET, GET ATENA or FIND): it then needs the history permission beside
    /// [`Entry::needs`].
    #[cfg(any(test, feature = "testing"))]
    pub fn reads_history(&self, text: &str) -> bool {
        use crate::query::ast::Statement;
        crate::query::parser::parse(text).is_ok_and(|statements| {
            statements.iter().any(|s| {
                matches!(
                    s,
                    Statement::Get { as_of: Some(_), .. }
                        | Statement::GetAtena { as_of: Some(_), .. }
                        | Statement::Find { as_of: Some(_), .. }
                )
            })
        })
    }

    /// Whether the statement is a 異動 that writes a My Number only when `my_number=` is
    /// given: it then needs the My Number permission beside [`Entry::needs`].
    pub fn my_number_when_given(&self) -> bool {
        let Form::Change(kind) = self.form else {
            return false;
        };
        let rule = kind.fields();
        let takes = rule
            .required
            .iter()
            .chain(rule.optional)
            .any(|f| *f == crate::model::ChangeField::MyNumber);
        takes && !self.needs.contains(&Permission::MyNumber)
    }

    /// Whether `role` grants every permission the statement needs.
    #[cfg(any(test, feature = "testing"))]
    pub fn allowed_for(&self, role: Role) -> bool {
        self.needs.iter().all(|p| role.allows(*p))
    }

    /// The permissions the statement needs that `role` does not grant.
    pub fn missing_for(&self, role: Role) -> Vec<Permission> {
        self.needs
            .iter()
            .copied()
            .filter(|p| !role.allows(*p))
            .collect()
    }
}

use Permission as P;

const GET: &[&str] = &["get", "照会"];
const CHANGE: &[&str] = &["change"];
const EXPORT: &[&str] = &["export"];
const AUDIT: &[&str] = &["audit"];
const CANCEL: &[&str] = &["cancel"];
const ISSUE: &[&str] = &["issue", "交付"];
const STATS: &[&str] = &["stats", "統計"];

/// A 異動's row: its keywords and alias come from `kind`'s name and 異動事由.
const fn change(
    kind: ChangeKind,
    words: &'static [&'static [&'static str]],
    aliases: &'static [&'static str],
    syntax: &'static str,
    what: &'static str,
    example: &'static str,
) -> Entry {
    Entry {
        name: kind.name(),
        words,
        aliases,
        syntax,
        example,
        needs: &[P::Record],
        what,
        group: Group::Recording,
        form: Form::Change(kind),
    }
}

/// A 異動 that always writes a My Number (`my_number=` is required, or it is the change of
/// one): it needs the My Number permission beside the record one.
const fn change_writing_my_number(
    kind: ChangeKind,
    words: &'static [&'static [&'static str]],
    aliases: &'static [&'static str],
    syntax: &'static str,
    what: &'static str,
    example: &'static str,
) -> Entry {
    Entry {
        needs: &[P::Record, P::MyNumber],
        ..change(kind, words, aliases, syntax, what, example)
    }
}

/// Every statement, in the order `help` lists them.
pub const CATALOGUE: &[Entry] = &[
    // ---- looking up ----
    Entry {
        name: "GET",
        words: &[GET],
        aliases: &["照会"],
        syntax: "GET <resident code> [AS OF <date>]",
        example: "GET 24727059608 AS OF R2.4.1",
        needs: &[P::Lookup],
        what: "the resident as recorded now, or as they stood on a date; a former code finds the resident. AS OF needs the history permission, and a role without it (viewer, the department roles) sees active residents only: a removed one is answered as nobody. Department roles see 氏名, 住所, 生年月日, 性別 and the status, and the items of their own function (health: the insurance items; pension: 国民年金; childcare: 児童手当)",
        group: Group::LookingUp,
        form: Form::Get,
    },
    Entry {
        name: "GET MYNUMBER",
        words: &[GET, kw::MYNUMBER],
        aliases: &["照会 個人番号"],
        syntax: "GET MYNUMBER <my number>",
        example: "GET MYNUMBER 1234-5678-9018",
        needs: &[P::Lookup, P::Details, P::MyNumber],
        what: "the resident who holds, or held, a My Number (my_number_current says which)",
        group: Group::LookingUp,
        form: Form::GetMyNumber,
    },
    Entry {
        name: "GET ATENA",
        words: &[GET, kw::ATENA],
        aliases: &["照会 宛名番号"],
        syntax: "GET ATENA <宛名番号> [AS OF <date>]",
        example: "GET ATENA 1042",
        needs: &[P::Lookup, P::Details],
        what: "the person with this 宛名番号 (the register's own number, never changed), as GET answers for their current resident code (AS OF needs the history permission)",
        group: Group::LookingUp,
        form: Form::GetAtena,
    },
    Entry {
        name: "FIND",
        words: &[&["find", "検索"]],
        aliases: &["検索"],
        syntax: "FIND name=… address=… birth=… [sex=…] [AS OF <date>] [LIMIT <n>]",
        example: "FIND name=やまだ birth=S55.4.1",
        needs: &[P::Search],
        what: "4情報検索: at least two of name, address and birth (sex does not count); a search that matches more residents than the role's search limit (100 unless SET SEARCH LIMIT gives another) returns nobody and is refused with SEARCH_MINIMUM and the count; LIMIT n lowers that ceiling to n (7 matches with LIMIT 5 are refused), it never raises it; searches count for the watch on browsing (SET WATCH); kana names match the 清音化 key of a whole surname or whole name, kanji names the written name (and the 旧氏 and 通称 the record holds); addresses match a 町字 or a finer address; a birth date may be a day, a month or a year (1980-04, S55) and finds every birth date that can be it: a day finds the residents whose birth is recorded only to its month or year, or as 不詳; without AS OF, the residents as of today (a 転出 notified ahead is not yet in force), and former names and addresses are found too (current=false). A role without the history permission (viewer, the department roles) finds active residents by what they are now only, and may not search AS OF",
        group: Group::LookingUp,
        form: Form::Find,
    },
    Entry {
        name: "HISTORY",
        words: &[&["history", "履歴"]],
        aliases: &["履歴"],
        syntax: "HISTORY <resident code>",
        example: "HISTORY 24727059608",
        needs: &[P::History, P::Details],
        what: "every version, oldest first, with 異動事由, 異動日, 届出日, 更新順番号 and what changed",
        group: Group::LookingUp,
        form: Form::History,
    },
    Entry {
        name: "HOUSEHOLD",
        words: &[kw::HOUSEHOLD],
        aliases: &["世帯"],
        syntax: "HOUSEHOLD <household id> [AS OF <date>] or HOUSEHOLD OF <resident code> [AS OF <date>]",
        example: "HOUSEHOLD OF 24727059608 AS OF 2020-04-01",
        needs: &[P::Household, P::Details],
        what: "the members, 世帯主 first, with 続柄; a lookup by the household id counts as a search for the watch on browsing (SET WATCH)",
        group: Group::LookingUp,
        form: Form::Household,
    },
    Entry {
        name: "SHOW MYNUMBER",
        words: &[&["show"], kw::MYNUMBER],
        aliases: &["個人番号表示"],
        syntax: "SHOW MYNUMBER <resident code>",
        example: "SHOW MYNUMBER 24727059608",
        needs: &[P::Lookup, P::Details, P::MyNumber],
        what: "the unmasked My Number: a separate, explicit, audited step",
        group: Group::LookingUp,
        form: Form::ShowMyNumber,
    },
    Entry {
        name: "STATS",
        words: &[STATS],
        aliases: &["統計"],
        syntax: "STATS [BY sex, age, town, status, ward, <area>] [AS OF <date>]",
        example: "STATS BY town, sex AS OF R6.4.1",
        needs: &[P::Stats],
        what: "population counts (active residents unless status is a dimension); age in 5-year bands; town is the 町字; an <area> is an area code of the address dictionary: association (自治会), neighborhood (町内会), elementary_school (小学校区), junior_high_school (中学校区), precinct (投票区)",
        group: Group::LookingUp,
        form: Form::Stats,
    },
    Entry {
        name: "STATS BY REASON",
        words: &[STATS, kw::BY, kw::REASON],
        aliases: &["異動統計"],
        syntax: "STATS BY reason[, sex, age, town, ward, <area>] [FROM <date>] [TO <date>]",
        example: "STATS BY reason, town FROM 2026-11-01 TO 2026-11-30",
        needs: &[P::Stats],
        what: "異動 counted by 異動事由 (every reason has a row when counted by reason alone), by 異動日 from FROM to TO (both included; without them every 異動); a cancelled 異動 and its 異動取消 or 転出取消 count for nothing, a 転出 replaced by a new 転出 or its 転出確定 only as the replacement; sex, age (on the 異動日), town and the areas are those of the version the 異動 wrote (for a 転出, 死亡 or 消除, the last address in the city); status does not combine",
        group: Group::LookingUp,
        form: Form::StatsByReason,
    },
    Entry {
        name: "STATS BY HOUSEHOLD",
        words: &[STATS, kw::BY, kw::HOUSEHOLD],
        aliases: &["世帯統計"],
        syntax: "STATS BY household[, town] [AS OF <date>]",
        example: "STATS BY household, town AS OF 2026-11-30",
        needs: &[P::Stats],
        what: "households (of active residents) and their persons by the number of members (1人, 2人 …), with the total; with town, per 町字 (the 世帯主's) with a total for each; now (as of today) or as of a date",
        group: Group::LookingUp,
        form: Form::StatsByHousehold,
    },
    Entry {
        name: "REPORT",
        words: &[&["report", "月報"]],
        aliases: &["月報"],
        syntax: "REPORT MONTH <yyyy-mm> or REPORT FROM <date> TO <date>",
        example: "REPORT MONTH 2026-11",
        needs: &[P::Stats],
        what: "the monthly report (住民基本台帳人口・世帯数 and 異動件数): the population the day before the period; 増 (転入, 出生, 職権記載 …) and 減 (転出, 死亡, 職権消除 …) of the period; the population on its last day (男, 女, 計 and 世帯数) per 町字 and in total; each 日本人, 外国人 (a record holding 国籍・地域) and 計. A 複数国籍世帯 counts among both the 日本人 and the 外国人 households and once in 計. Start + 増 − 減 = end in every column",
        group: Group::LookingUp,
        form: Form::Report,
    },
    Entry {
        name: "CHANGES",
        words: &[&["changes"]],
        aliases: &[],
        syntax: "CHANGES SINCE <sequence number> [LIMIT <n>]",
        example: "CHANGES SINCE 0 LIMIT 20",
        needs: &[P::Changes, P::Details],
        what: "the change feed in 更新順番号 order, with the items notified to the prefecture",
        group: Group::LookingUp,
        form: Form::Changes,
    },
    // ---- issuing certificates ----
    Entry {
        name: "ISSUE COPY",
        words: &[ISSUE, &["copy"]],
        aliases: &["住民票の写し"],
        syntax: "ISSUE COPY HOUSEHOLD OF <resident code> | OF <resident code>[, …] [AS OF <date>] [WITH <part>, …] [REQUESTED BY <resident code> | '<name>'] [TO '<file.pdf>']",
        example: "ISSUE COPY HOUSEHOLD OF 24727059608 WITH household REQUESTED BY 24727059608 TO '/tmp/copy.pdf'",
        needs: &[P::Certificate],
        what: "住民票の写し of the whole household (HOUSEHOLD OF) or of some of its members (OF), as of today or a date, as a PDF (TO) or as text; it always carries 氏名 (with 旧氏 and 通称), 住所, 生年月日, 性別, 住民となった日, 住所を定めた日 and 前住所; WITH adds household (世帯主・続柄), domicile (本籍・筆頭者), foreign (国籍・在留資格 …), and for the person themself or their household only (REQUESTED BY their resident code) code (住民票コード), card_number (在留カード番号) and mynumber (個人番号, which also needs the mynumber permission). Numbered and logged (ISSUE, ISSUE CODE, ISSUE MYNUMBER) with the file's SHA-256",
        group: Group::Issuing,
        form: Form::Issue(crate::certificate::Kind::Copy),
    },
    Entry {
        name: "ISSUE REMOVED COPY",
        words: &[ISSUE, &["removed"], &["copy"]],
        aliases: &["除票の写し"],
        syntax: "ISSUE REMOVED COPY OF <resident code>[, …] [AS OF <date>] [WITH <part>, …] [REQUESTED BY <resident code> | '<name>'] [TO '<file.pdf>']",
        example: "ISSUE REMOVED COPY OF 24727059608 TO '/tmp/removed.pdf'",
        needs: &[P::Certificate],
        what: "除票の写し of a removed resident (転出, 死亡, 職権消除): the last record with 消除日, 消除事由 and 転出先; WITH as for ISSUE COPY",
        group: Group::Issuing,
        form: Form::Issue(crate::certificate::Kind::RemovedCopy),
    },
    Entry {
        name: "ISSUE MOVE OUT CERTIFICATE",
        words: &[ISSUE, &["move"], &["out"], &["certificate"]],
        aliases: &["転出証明書"],
        syntax: "ISSUE MOVE OUT CERTIFICATE HOUSEHOLD OF <resident code> | OF <resident code>[, …] [REQUESTED BY <resident code> | '<name>'] [TO '<file.pdf>' | '<file.json>']",
        example: "ISSUE MOVE OUT CERTIFICATE HOUSEHOLD OF 24727059608 TO '/tmp/moveout.pdf'",
        needs: &[P::Certificate, P::MyNumber],
        what: "転出証明書 of residents whose 転出 is recorded (HOUSEHOLD OF: every member moving out with them on the same day to the same place), with the items 住基法施行令第23条 lists: 氏名, 生年月日, 性別, 世帯主・続柄, 本籍・筆頭者, 住所 and 住所を定めた日, 個人番号, 住民票コード, the insurance and pension items, 転出先 and 転出予定日; as PDF, as data (a .json file) or as text; logged as ISSUE MYNUMBER",
        group: Group::Issuing,
        form: Form::Issue(crate::certificate::Kind::MoveOutCertificate),
    },
    Entry {
        name: "ISSUE ITEMS CERTIFICATE",
        words: &[ISSUE, &["items"], &["certificate"]],
        aliases: &["記載事項証明書"],
        syntax: "ISSUE ITEMS CERTIFICATE HOUSEHOLD OF <resident code> | OF <resident code>[, …] WITH <part>, … [AS OF <date>] [REQUESTED BY <resident code> | '<name>'] [TO '<file.pdf>']",
        example: "ISSUE ITEMS CERTIFICATE OF 24727059608 WITH birth, sex, resident_since",
        needs: &[P::Certificate],
        what: "住民票記載事項証明書: 氏名, 住所 and the parts listed (birth, sex, resident_since, address_since, previous_address and those of ISSUE COPY), nothing else",
        group: Group::Issuing,
        form: Form::Issue(crate::certificate::Kind::ItemsCertificate),
    },
    // ---- recording a change ----
    change_writing_my_number(
        ChangeKind::MoveIn,
        &[&["move"], kw::IN],
        &["転入"],
        "MOVE IN <code>",
        "転入 from another municipality (also 再転入 of a removed record); from= is the 転入前住所",
        "MOVE IN 24727059608 my_number=123456789018 name='山田 太郎' kana='ヤマダ タロウ' sex=男 birth=S55.4.1 address=芦屋市精道町7-6 postal=659-8501 household=1001 relationship=世帯主 from=大阪市北区梅田1-1 ON R2.4.1",
    ),
    change_writing_my_number(
        ChangeKind::Birth,
        &[&["birth"]],
        &["出生"],
        "BIRTH <code>",
        "出生: a new record whose birth date is the ON date (birth=, if given, must equal it); no previous address",
        "BIRTH 12345678903 my_number=614106526000 name='山田 一郎' kana='ヤマダ イチロウ' sex=1 address=芦屋市精道町7-6 postal=659-8501 household=1001 relationship=子 ON R7.5.5",
    ),
    change_writing_my_number(
        ChangeKind::EntryExOfficio,
        &[&["enter"]],
        &["職権記載"],
        "ENTER <code>",
        "職権記載: a record written ex officio (the fields of MOVE IN)",
        "ENTER 24727059608 my_number=123456789018 name='山田 太郎' kana='ヤマダ タロウ' sex=男 birth=S55.4.1 address=芦屋市精道町7-6 postal=659-8501 household=1001 relationship=世帯主 ON R7.1.1",
    ),
    change(
        ChangeKind::Move,
        &[&["move"]],
        &["転居"],
        "MOVE <code>",
        "転居 within the city; nothing but address, postal code, household and 続柄 may change (a new household needs its relationship)",
        "MOVE 24727059608 address=芦屋市打出町2-3 postal=659-0012 ON 2024-07-01",
    ),
    change(
        ChangeKind::MoveHousehold,
        &[&["move"], kw::HOUSEHOLD],
        &["世帯転居"],
        "MOVE HOUSEHOLD <household id>",
        "転居 of a whole household within the city: the 世帯主 and every active member, one 転居 each in one transaction (the same 異動日, consecutive 更新順番号); CANCEL CHANGE of the 世帯主's seq= cancels them all; refused while a member's 転出 notified ahead is pending",
        "MOVE HOUSEHOLD 1001 address=芦屋市打出町2-3 postal=659-0012 ON 2024-07-01",
    ),
    change(
        ChangeKind::MoveOut,
        &[&["move"], kw::OUT],
        &["転出"],
        "MOVE OUT <code>",
        "転出; to= is the destination; may be notified up to 14 days ahead",
        "MOVE OUT 24727059608 to='東京都港区芝公園4-2-8' ON 2025-03-31",
    ),
    change(
        ChangeKind::Death,
        &[&["death"]],
        &["死亡"],
        "DEATH <code>",
        "死亡; a 世帯主 with others in the household needs new_head",
        "DEATH 24727059608 new_head=12345678903 ON 2025-01-10",
    ),
    change(
        ChangeKind::Remove,
        &[&["remove"]],
        &["職権消除"],
        "REMOVE <code>",
        "職権消除; a 世帯主 with others in the household needs new_head",
        "REMOVE 24727059608 ON 2025-01-10",
    ),
    change(
        ChangeKind::Rename,
        &[&["rename"]],
        &["氏名変更"],
        "RENAME <code>",
        "氏名変更 (name, kana or both); the former name stays findable",
        "RENAME 24727059608 name='鈴木 太郎' kana='スズキ タロウ' ON 2025-06-01",
    ),
    change(
        ChangeKind::ChangeHousehold,
        &[CHANGE, kw::HOUSEHOLD],
        &["世帯変更"],
        "CHANGE HOUSEHOLD <code>",
        "世帯変更 without a move (household, relationship or both; a new household needs its relationship; changing the address is a MOVE)",
        "CHANGE HOUSEHOLD 24727059608 household=2002 relationship=世帯主 ON 2025-06-01",
    ),
    change(
        ChangeKind::Correct,
        &[&["correct"]],
        &["職権修正"],
        "CORRECT <code>",
        "職権修正 of any field but the code; may be dated before the latest version",
        "CORRECT 24727059608 kana='ヤマダ タロウ' ON R2.4.1",
    ),
    change(
        ChangeKind::ChangeCode,
        &[CHANGE, kw::CODE],
        &["住民票コード変更"],
        "CHANGE CODE <code>",
        "住民票コード変更; new= is the new code; the old code keeps finding the resident",
        "CHANGE CODE 24727059608 new=12345678903 ON 2025-06-01",
    ),
    change_writing_my_number(
        ChangeKind::ChangeMyNumber,
        &[CHANGE, kw::MYNUMBER],
        &["個人番号変更"],
        "CHANGE MYNUMBER <code>",
        "個人番号変更; the former number keeps finding the resident",
        "CHANGE MYNUMBER 24727059608 my_number=614106526000 ON 2025-06-01",
    ),
    change(
        ChangeKind::CancelMoveOut,
        &[CANCEL, &["move"], kw::OUT],
        &["転出取消"],
        "CANCEL MOVE OUT <code>",
        "転出取消 of a 転出 notified ahead, before its day: the resident stays as before; ON is the cancelled 転出's date",
        "CANCEL MOVE OUT 24727059608 ON 2025-03-31",
    ),
    change(
        ChangeKind::ConfirmMoveOut,
        &[&["confirm"], &["move"], kw::OUT],
        &["転出確定"],
        "CONFIRM MOVE OUT <code>",
        "転出確定 from the new municipality's 転入通知: to= is the actual address, ON the actual date of the move",
        "CONFIRM MOVE OUT 24727059608 to='東京都港区芝公園4-2-8' ON 2025-04-02",
    ),
    change(
        ChangeKind::CancelChange,
        &[CANCEL, CHANGE],
        &["異動取消"],
        "CANCEL CHANGE <code>",
        "異動取消 of a mistaken 異動, named by its 更新順番号 (seq=) with its 異動日 (ON); the state before it is restored and both stay in the history (a 転出確定 dated before its 転出 cancelled, the 転出 is pending again); refused when later 異動 depend on it",
        "CANCEL CHANGE 24727059608 seq=1042 ON 2025-06-01",
    ),
    change(
        ChangeKind::ChangeHead,
        &[CHANGE, &["head"]],
        &["世帯主変更"],
        "CHANGE HEAD <code>",
        "世帯主変更 of a living head (the code is the head's): new_head= names the member who becomes head, relationships= restates every other member's 続柄, the former head's included",
        "CHANGE HEAD 24727059608 new_head=12345678903 relationships='24727059608:父' ON 2025-06-01",
    ),
    Entry {
        needs: &[],
        ..change(
            ChangeKind::Amend,
            &[&["amend"]],
            &["記載事項変更"],
            "AMEND <code>",
            "記載事項変更: sets items beyond the core fields (registered_domicile, family_head, former_surname …; an empty value clears one); each group of items needs its own permission: record for 本籍・筆頭者, 旧氏 and 通称, insurance for the 国民健康保険・後期高齢者医療・介護保険 items, pension for 国民年金, child_allowance for 児童手当",
            "AMEND 24727059608 nhi_acquired=2025-04-01 ON 2025-04-01",
        )
    },
    // ---- administering ----
    Entry {
        name: "CREATE OPERATOR",
        words: &[&["create"], kw::OPERATOR],
        aliases: &[],
        syntax: "CREATE OPERATOR <id> ROLE <role> PASSWORD '<initial password>'",
        example: "CREATE OPERATOR sato ROLE clerk PASSWORD 'initial-Passw0rd'",
        needs: &[P::Operators],
        what: "a new operator; roles: admin, clerk, registrar, viewer, auditor, and the department roles tax, health, welfare, pension, education, childcare (which see 氏名, 住所, 生年月日 and 性別, and health, pension and childcare the items of their own function); the operator changes the password at first sign-in",
        group: Group::Administering,
        form: Form::CreateOperator,
    },
    Entry {
        name: "DISABLE OPERATOR",
        words: &[&["disable"], kw::OPERATOR],
        aliases: &[],
        syntax: "DISABLE OPERATOR <id>",
        example: "DISABLE OPERATOR sato",
        needs: &[P::Operators],
        what: "the operator can no longer sign in (the record and its log entries stay); refused for the last administrator who can sign in",
        group: Group::Administering,
        form: Form::DisableOperator,
    },
    Entry {
        name: "UNLOCK OPERATOR",
        words: &[&["unlock"], kw::OPERATOR],
        aliases: &[],
        syntax: "UNLOCK OPERATOR <id>",
        example: "UNLOCK OPERATOR sato",
        needs: &[P::Operators],
        what: "lifts the lock after five failed sign-ins in a row (an administrator's lapses by itself after 15 minutes)",
        group: Group::Administering,
        form: Form::UnlockOperator,
    },
    Entry {
        name: "PASSWORD",
        words: &[kw::PASSWORD],
        aliases: &[],
        syntax: "PASSWORD",
        example: "PASSWORD",
        needs: &[],
        what: "changes the signed-in operator's own password (asked for at the terminal; interactive console only)",
        group: Group::Administering,
        form: Form::Password,
    },
    Entry {
        name: "LIST OPERATORS",
        words: &[&["list"], kw::OPERATORS],
        aliases: &[],
        syntax: "LIST OPERATORS",
        example: "LIST OPERATORS",
        needs: &[P::Operators],
        what: "every operator with role and state",
        group: Group::Administering,
        form: Form::ListOperators,
    },
    Entry {
        name: "AUDIT",
        words: &[AUDIT],
        aliases: &[],
        syntax: "AUDIT [operator=<id>] [kind=<kind>] [since=<date>] [LIMIT <n>]",
        example: "AUDIT kind='RESTRICTED SHOWN' since=2025-04-01 LIMIT 50",
        needs: &[P::Audit],
        what: "the operation log, oldest first, LIMIT n the latest n (every statement, read or write; My Numbers and passwords redacted; a role without the details permission, the auditor, reads each statement without its values); kind= keeps the entries of one kind as logged (GET, EXPORT, ISSUE, RESTRICTED SHOWN for each access to a resident under a DV等支援措置 …)",
        group: Group::Administering,
        form: Form::Audit,
    },
    Entry {
        name: "AUDIT VERIFY",
        words: &[AUDIT, kw::VERIFY],
        aliases: &[],
        syntax: "AUDIT VERIFY",
        example: "AUDIT VERIFY",
        needs: &[P::Audit],
        what: "recomputes the operation log's hash chain and reports the first broken link",
        group: Group::Administering,
        form: Form::AuditVerify,
    },
    Entry {
        name: "AUDIT ALERTS",
        words: &[AUDIT, &["alerts", "警告"]],
        aliases: &[],
        syntax: "AUDIT ALERTS",
        example: "AUDIT ALERTS",
        needs: &[P::Audit],
        what: "the ALERT entries of the operation log, oldest first: who crossed the watch on browsing, when, with how many searches and distinct residents in how many minutes",
        group: Group::Administering,
        form: Form::AuditAlerts,
    },
    Entry {
        name: "EXPORT",
        words: &[EXPORT],
        aliases: &[],
        syntax: "EXPORT '<path>' [INCLUDE RESTRICTED]",
        example: "EXPORT '/exports/residents.csv'",
        needs: &[P::Export],
        what: "every resident, active and removed (除票), in the residents CSV format (docs/residents-csv.md), to a new file (an existing path is refused); recorded. The residents under a DV等支援措置 and their households are left out unless INCLUDE RESTRICTED (which needs the restrict permission too)",
        group: Group::Administering,
        form: Form::Export,
    },
    Entry {
        name: "NOTIFY",
        words: &[&["notify", "本人確認情報通知"]],
        aliases: &[],
        syntax: "NOTIFY [SINCE <sequence number>] TO '<path>'",
        example: "NOTIFY TO '/exports/notification-0001.csv'",
        needs: &[P::Changes, P::Notification],
        what: "the 本人確認情報 notification to the prefecture: every change after the last one notified (or after SINCE, to send a range again), in 更新順番号 order, with the items of docs/cli.md and the full My Number, to a new file; the register keeps where it stopped, and the batch is logged with its range, rows and SHA-256",
        group: Group::Administering,
        form: Form::Notify,
    },
    Entry {
        name: "EXPORT DESTINATIONS",
        words: &[EXPORT, &["destinations", "送付先情報"]],
        aliases: &["送付先情報"],
        syntax: "EXPORT DESTINATIONS TO '<path>'",
        example: "EXPORT DESTINATIONS TO '/exports/destinations-0001.csv'",
        needs: &[P::Changes, P::Notification],
        what: "the 送付先情報 for the 個人番号通知書: each resident given a My Number since the last batch (出生, 転入 from abroad, 個人番号変更) once, as recorded now, with the office SET OFFICE names; logged with its range, rows and SHA-256",
        group: Group::Administering,
        form: Form::ExportDestinations,
    },
    Entry {
        name: "EXPORT HISTORY",
        words: &[EXPORT, kw::HISTORY],
        aliases: &[],
        syntax: "EXPORT HISTORY '<path>' [INCLUDE RESTRICTED]",
        example: "EXPORT HISTORY '/exports/history.csv'",
        needs: &[P::Export],
        what: "every version of every resident, to a new file (an existing path is refused); recorded. The residents under a DV等支援措置 and their households are left out unless INCLUDE RESTRICTED (which needs the restrict permission too)",
        group: Group::Administering,
        form: Form::ExportHistory,
    },
    Entry {
        name: "EXPORT CONSISTENCY",
        words: &[EXPORT, kw::CONSISTENCY],
        aliases: &[],
        syntax: "EXPORT CONSISTENCY '<path>' [INCLUDE RESTRICTED]",
        example: "EXPORT CONSISTENCY '/exports/consistency.csv'",
        needs: &[P::Export],
        what: "the 整合性確認 file: what the register holds, for comparison with another system; a new file (an existing path is refused). The residents under a DV等支援措置 and their households are left out unless INCLUDE RESTRICTED (which needs the restrict permission too; a file to compare with the prefecture's holds everyone)",
        group: Group::Administering,
        form: Form::ExportConsistency,
    },
    Entry {
        name: "VERIFY CONSISTENCY",
        words: &[kw::VERIFY, kw::CONSISTENCY],
        aliases: &[],
        syntax: "VERIFY CONSISTENCY '<path>'",
        example: "VERIFY CONSISTENCY '/exports/consistency.csv'",
        needs: &[P::Export],
        what: "compares a 整合性確認 file with the register and lists the differences (CONFLICT when there are any)",
        group: Group::Administering,
        form: Form::VerifyConsistency,
    },
    Entry {
        name: "CHECK",
        words: &[&["check"]],
        aliases: &[],
        syntax: "CHECK",
        example: "CHECK",
        needs: &[P::Check],
        what: "integrity: every index against every record, version chains, the change feed and the audit chain",
        group: Group::Administering,
        form: Form::Check,
    },
    Entry {
        name: "BACKUP TO",
        words: &[&["backup"], kw::TO],
        aliases: &["バックアップ"],
        syntax: "BACKUP TO '<path>'",
        example: "BACKUP TO '/backups/juki-2026-11-27.redb'",
        needs: &[P::Export],
        what: "an online, consistent copy of the whole database (one snapshot; others keep working) with <path>.manifest.json (counts, last 更新順番号, size, SHA-256); refuses an existing path; put it back with `juki restore --from <path> --db <file>`",
        group: Group::Administering,
        form: Form::BackupTo,
    },
    Entry {
        name: "COMPACT",
        words: &[&["compact"]],
        aliases: &["圧縮"],
        syntax: "COMPACT",
        example: "COMPACT",
        needs: &[P::Operators],
        what: "gives the free space inside the file back and prints the sizes before and after; needs the database to itself (refused while other sessions are signed in)",
        group: Group::Administering,
        form: Form::Compact,
    },
    Entry {
        name: "LOAD TOWNS",
        words: &[&["load"], &["towns", "住所辞書"]],
        aliases: &["住所辞書登録"],
        syntax: "LOAD TOWNS '<path>' ON <date>",
        example: "LOAD TOWNS '/data/ashiya-towns.csv' ON 2027-04-01",
        needs: &[P::Operators],
        what: "a new version of the municipality's address dictionary (CSV: docs/address-dictionary.md), in force from the date, after the latest version's; the earlier versions stay, so past addresses keep resolving",
        group: Group::Administering,
        form: Form::LoadTowns,
    },
    Entry {
        name: "RESTRICT",
        words: &[&["restrict", "支援措置"]],
        aliases: &[],
        syntax: "RESTRICT <resident code> KIND <dv | stalking | child_abuse | other> AUTHORITY '<相談機関 or court>' FROM <date> [UNTIL <date>]",
        example: "RESTRICT 24727059608 KIND dv AUTHORITY '芦屋警察署' FROM 2026-12-01",
        needs: &[P::Restrict],
        what: "puts a resident under a DV等支援措置 of the kind (配偶者からの暴力, ストーカー行為等, 児童虐待, その他これらに準ずる), as the authority that confirmed the need (警察署, 配偶者暴力相談支援センター, 児童相談所, a court's 保護命令 …), from the day given until UNTIL or for a year (until the day before the same day a year on); replaces a measure already set. While it runs, the resident and everyone in their household now are found and shown only to roles with the restrict permission (others get the answer for nobody), every answer that shows them warns and is logged as RESTRICTED SHOWN, copies out leave them out unless INCLUDE RESTRICTED, and a certificate that carries the person is issued to no one but them (REQUESTED BY their resident code)",
        group: Group::Administering,
        form: Form::Restrict,
    },
    Entry {
        name: "EXTEND RESTRICTION",
        words: &[&["extend"], &["restriction"]],
        aliases: &["支援措置延長"],
        syntax: "EXTEND RESTRICTION <resident code> [UNTIL <date>]",
        example: "EXTEND RESTRICTION 24727059608",
        needs: &[P::Restrict],
        what: "extends a resident's DV等支援措置 until the day given, or for another year from the day after its last day; accepted from one month before its last day until that day (CONFLICT otherwise: a measure that has ended is set again with RESTRICT)",
        group: Group::Administering,
        form: Form::ExtendRestriction,
    },
    Entry {
        name: "LIFT RESTRICTION",
        words: &[&["lift"], &["restriction"]],
        aliases: &["支援措置終了"],
        syntax: "LIFT RESTRICTION <resident code>",
        example: "LIFT RESTRICTION 24727059608",
        needs: &[P::Restrict],
        what: "ends a resident's DV等支援措置",
        group: Group::Administering,
        form: Form::LiftRestriction,
    },
    Entry {
        name: "RESTRICTIONS",
        words: &[&["restrictions"]],
        aliases: &["支援措置一覧"],
        syntax: "RESTRICTIONS",
        example: "RESTRICTIONS",
        needs: &[P::Restrict],
        what: "every DV等支援措置 recorded, in force or not: the resident code, 宛名番号, kind, authority, first and last day and whether it runs today",
        group: Group::Administering,
        form: Form::Restrictions,
    },
    Entry {
        name: "SET ISSUER",
        words: &[&["set"], &["issuer", "証明者"]],
        aliases: &[],
        syntax: "SET ISSUER title='<title>' name='<name>'",
        example: "SET ISSUER title='兵庫県芦屋市長' name='山田 一郎'",
        needs: &[P::Operators],
        what: "the title and name every certificate is signed with (the mayor's); until it is set, certificates are refused",
        group: Group::Administering,
        form: Form::SetIssuer,
    },
    Entry {
        name: "SET OFFICE",
        words: &[&["set"], &["office", "市町村窓口"]],
        aliases: &[],
        syntax: "SET OFFICE postal='<postal code>' address='<address>' phone='<telephone>'",
        example: "SET OFFICE postal='659-8501' address='兵庫県芦屋市精道町7番6号' phone='0797-31-2121'",
        needs: &[P::Operators],
        what: "the municipality's office as the 送付先情報 names it (市町村, 交付場所 and カード送付場所)",
        group: Group::Administering,
        form: Form::SetOffice,
    },
    Entry {
        name: "SET SEARCH LIMIT",
        words: &[&["set"], &["search", "検索"], kw::LIMIT],
        aliases: &[],
        syntax: "SET SEARCH LIMIT <role> <n>",
        example: "SET SEARCH LIMIT viewer 50",
        needs: &[P::Operators],
        what: "the most residents a FIND of the role may return (1 to 100000; 100 until set): a search matching more returns nobody and is refused with SEARCH_MINIMUM and the count; logged",
        group: Group::Administering,
        form: Form::SetSearchLimit,
    },
    Entry {
        name: "SET WATCH",
        words: &[&["set"], &["watch", "監視"]],
        aliases: &[],
        syntax: "SET WATCH searches=<n> residents=<n> minutes=<n>",
        example: "SET WATCH searches=30 residents=200 minutes=10",
        needs: &[P::Operators],
        what: "the watch on browsing: an operator (not an administrator) who makes more than <searches> searches (FIND, HOUSEHOLD by id), or whose searches return more than <residents> distinct residents, within <minutes> minutes gets an ALERT in the operation log and every session of theirs is locked until they sign in again (defaults 30, 200 and 10; counted per process); logged",
        group: Group::Administering,
        form: Form::SetWatch,
    },
    Entry {
        name: "SHOW REGISTER",
        words: &[&["show"], &["register", "台帳"]],
        aliases: &[],
        syntax: "SHOW REGISTER",
        example: "SHOW REGISTER",
        needs: &[],
        what: "the register's municipality (name, prefecture, 全国地方公共団体コード) and its address dictionary versions",
        group: Group::LookingUp,
        form: Form::ShowRegister,
    },
    // ---- the console ----
    Entry {
        name: "HELP",
        words: &[&["help", "?"]],
        aliases: &["ヘルプ"],
        syntax: "HELP [<statement>]",
        example: "HELP MOVE IN",
        needs: &[],
        what: "the statements, or one statement with an example",
        group: Group::Console,
        form: Form::Help,
    },
];

/// The entry named `name` (its keywords, e.g. `MOVE IN`).
#[cfg(any(test, feature = "testing"))]
pub fn entry(name: &str) -> Option<&'static Entry> {
    CATALOGUE.iter().find(|e| e.name == name)
}

/// The entry of a 異動 kind.
#[cfg(any(test, feature = "testing"))]
pub fn change_entry(kind: ChangeKind) -> &'static Entry {
    CATALOGUE
        .iter()
        .find(|e| e.form == Form::Change(kind))
        .expect("every change kind has a catalogue row (tested)")
}

/// The entry whose keywords or alias start `words` (folded), with the number of words they
/// take: the longest match, so `move in` is MOVE IN and not MOVE.
pub(crate) fn match_start(words: &[String]) -> Option<(&'static Entry, usize)> {
    let mut best: Option<(&'static Entry, usize)> = None;
    for e in CATALOGUE {
        let by_keywords = (e.words.len() <= words.len()
            && e.words
                .iter()
                .zip(words)
                .all(|(set, w)| set.contains(&w.as_str())))
        .then_some(e.words.len());
        let by_alias = e.aliases.iter().find_map(|alias| {
            let parts: Vec<&str> = alias.split(' ').collect();
            (parts.len() <= words.len() && parts.iter().zip(words).all(|(p, w)| p == w))
                .then_some(parts.len())
        });
        let taken = by_keywords.max(by_alias);
        if let Some(n) = taken.filter(|n| best.is_none_or(|(_, b)| *n > b)) {
            best = Some((e, n));
        }
    }
    best
}

/// The entries whose first keyword is `first` (folded) and that need more words after it:
/// CHANGE HOUSEHOLD, CHANGE CODE and CHANGE MYNUMBER for `change`.
pub(crate) fn continuations(first: &str) -> Vec<&'static Entry> {
    CATALOGUE
        .iter()
        .filter(|e| e.words.len() > 1 && e.words[0].contains(&first))
        .collect()
}

/// The first keyword of every statement, folded and without repeats, for "did you mean".
pub(crate) fn first_keywords() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for e in CATALOGUE {
        let first = e.words[0][0];
        if !out.contains(&first) {
            out.push(first);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_first_forms_of_the_words() {
        for e in CATALOGUE {
            let derived: Vec<String> = e.words.iter().map(|set| set[0].to_uppercase()).collect();
            assert_eq!(derived.join(" "), e.name);
            for set in e.words {
                for w in *set {
                    assert_eq!(kw::fold(w), *w, "{} has an unfolded word", e.name);
                }
            }
            for alias in e.aliases {
                assert_eq!(kw::fold(alias), *alias, "{} has an unfolded alias", e.name);
            }
        }
    }

    #[test]
    fn forms_and_names_are_distinct() {
        for (i, a) in CATALOGUE.iter().enumerate() {
            for b in &CATALOGUE[i + 1..] {
                assert_ne!(a.form, b.form, "{} and {}", a.name, b.name);
                assert_ne!(a.name, b.name);
            }
        }
        for kind in ChangeKind::ALL {
            assert_eq!(change_entry(kind).name, kind.name());
        }
    }

    #[test]
    fn longest_match_wins() {
        let words = |s: &str| s.split(' ').map(kw::fold).collect::<Vec<_>>();
        let name = |s: &str| match_start(&words(s)).map(|(e, n)| (e.name, n));
        assert_eq!(name("move in 1"), Some(("MOVE IN", 2)));
        assert_eq!(name("move 1"), Some(("MOVE", 1)));
        assert_eq!(name("転入 1"), Some(("MOVE IN", 1)));
        assert_eq!(name("照会 個人番号 1"), Some(("GET MYNUMBER", 2)));
        assert_eq!(name("GET my_number 1"), Some(("GET MYNUMBER", 2)));
        assert_eq!(name("change 世帯 1"), Some(("CHANGE HOUSEHOLD", 2)));
        assert_eq!(name("change 1"), None);
        assert_eq!(name("nonsense"), None);
        let after_change: Vec<_> = continuations("change").iter().map(|e| e.name).collect();
        assert_eq!(
            after_change,
            [
                "CHANGE HOUSEHOLD",
                "CHANGE CODE",
                "CHANGE MYNUMBER",
                "CHANGE HEAD"
            ]
        );
    }

    #[test]
    fn change_usage_comes_from_the_fields_table() {
        assert_eq!(
            change_entry(ChangeKind::MoveOut).usage(),
            "MOVE OUT <code> to=… [new_head=…] [relationships=…] ON <date> [REPORTED <date>]"
        );
        assert!(change_entry(ChangeKind::Birth)
            .usage()
            .contains("relationship=… [birth=…] [<item>=…] ON"));
        assert_eq!(
            entry("GET").unwrap().usage(),
            "GET <resident code> [AS OF <date>]"
        );
    }

    #[test]
    fn a_change_that_always_writes_a_my_number_needs_the_permission() {
        use crate::model::ChangeField;
        for e in CATALOGUE {
            let Form::Change(kind) = e.form else {
                continue;
            };
            let always = kind.fields().required.contains(&ChangeField::MyNumber)
                || kind == ChangeKind::ChangeMyNumber;
            assert_eq!(
                e.needs.contains(&P::MyNumber),
                always,
                "{}: needs {:?}",
                e.name,
                e.needs
            );
            let optional = kind.fields().optional.contains(&ChangeField::MyNumber);
            assert_eq!(e.my_number_when_given(), optional && !always, "{}", e.name);
        }
    }

    #[test]
    fn permissions_follow_the_roles() {
        let record = change_entry(ChangeKind::Move);
        assert!(record.allowed_for(Role::Clerk));
        assert!(!record.allowed_for(Role::Viewer));
        assert_eq!(record.missing_for(Role::Auditor), [Permission::Record]);
        assert!(entry("HELP").unwrap().allowed_for(Role::Tax));
        assert!(!entry("SHOW MYNUMBER").unwrap().allowed_for(Role::Clerk));
        assert!(entry("SHOW MYNUMBER").unwrap().allowed_for(Role::Registrar));
    }
}
