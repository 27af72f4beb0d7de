//! The planner: a parsed [`Statement`] with text values becomes a [`Plan`] with validated
//! domain values, ready for the engine. An invalid value is reported with the span it came
//! from; a FIND gets its index chosen here (and refused here too when it names fewer than
//! two of name, address and birth).

use super::ast::{
    Change as ChangeStmt, Cond, Field, HouseholdTarget, Issue, ReportPeriod, StatDim, Statement,
    Value,
};
use super::parser::search_minimum_hint;
use crate::certificate::{Kind, Part, Persons, Request, Requester};
use crate::model::{
    Address, Date, HouseholdId, InvalidValue, Kana, MyNumber, Name, PartialDate, PostalCode,
    Relationship, ResidentCode, Restatement, Sex,
};
use crate::store::{self, Fields, SearchQuery};
use crate::Error as QueryError;

/// What a statement asks the engine to do, with every value validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// `GET <code> [AS OF <date>]`.
    Get {
        /// The resident code (current or former).
        code: ResidentCode,
        /// The date to answer as of.
        as_of: Option<Date>,
    },
    /// `GET MYNUMBER <n>`.
    GetMyNumber {
        /// The number looked up.
        number: MyNumber,
    },
    /// `GET ATENA <n> [AS OF <date>]`.
    GetAtena {
        /// The 宛名番号.
        number: u64,
        /// The date to answer as of.
        as_of: Option<Date>,
    },
    /// `FIND …`.
    Find {
        /// The search.
        query: SearchQuery,
        /// The index the engine will scan (see [`SearchQuery::index_name`]).
        index: &'static str,
    },
    /// `HISTORY <code>`.
    History {
        /// The resident.
        code: ResidentCode,
    },
    /// `HOUSEHOLD <id>` or `HOUSEHOLD OF <code>`.
    Household {
        /// Which household.
        target: HouseholdOf,
        /// The date to answer as of.
        as_of: Option<Date>,
    },
    /// `SHOW MYNUMBER <code>`.
    ShowMyNumber {
        /// The resident.
        code: ResidentCode,
    },
    /// `STATS [BY …] [AS OF …]`.
    Stats {
        /// The dimensions.
        by: Vec<store::StatDim>,
        /// The date to count as of.
        as_of: Option<Date>,
    },
    /// `STATS BY REASON [, …] [FROM …] [TO …]`.
    StatsByReason {
        /// The dimensions after the 異動事由.
        by: Vec<store::StatDim>,
        /// The first 異動日 counted.
        from: Option<Date>,
        /// The last 異動日 counted.
        to: Option<Date>,
    },
    /// `STATS BY HOUSEHOLD [, town] [AS OF …]`.
    StatsByHousehold {
        /// Per 町字.
        by_town: bool,
        /// The date to count as of.
        as_of: Option<Date>,
    },
    /// `REPORT …`: the period's monthly report.
    Report(store::Period),
    /// `CHANGES SINCE <seq> [LIMIT n]`.
    Changes {
        /// Entries after this 更新順番号.
        since: u64,
        /// At most this many.
        limit: usize,
    },
    /// A 異動.
    Record(Box<store::Change>),
    /// `MOVE HOUSEHOLD <世帯番号> …`: the engine finds the household's 世帯主.
    MoveHousehold(Box<store::HouseholdMove>),
    /// `CREATE OPERATOR <id> ROLE <role> PASSWORD '<initial>'`.
    CreateOperator {
        /// The new operator's id.
        id: String,
        /// Their role.
        role: crate::auth::Role,
        /// The initial password.
        password: String,
    },
    /// `DISABLE OPERATOR <id>`.
    DisableOperator(String),
    /// `UNLOCK OPERATOR <id>`.
    UnlockOperator(String),
    /// `PASSWORD`: the console asks for the old and the new password.
    Password,
    /// `LIST OPERATORS`.
    ListOperators,
    /// `AUDIT [operator=…] [since=…] [LIMIT n]`.
    Audit(crate::auth::AuditQuery),
    /// `AUDIT VERIFY`.
    AuditVerify,
    /// `AUDIT ALERTS`.
    AuditAlerts,
    /// `SET SEARCH LIMIT <role> <n>`.
    SetSearchLimit {
        /// The role.
        role: crate::auth::Role,
        /// Its ceiling.
        limit: usize,
    },
    /// `SET WATCH …`.
    SetWatch(crate::WatchLimits),
    /// `CHECK`.
    Check,
    /// `EXPORT '<path>' [INCLUDE RESTRICTED]`.
    Export(std::path::PathBuf, bool),
    /// `EXPORT HISTORY '<path>' [INCLUDE RESTRICTED]`.
    ExportHistory(std::path::PathBuf, bool),
    /// `EXPORT CONSISTENCY '<path>' [INCLUDE RESTRICTED]`.
    ExportConsistency(std::path::PathBuf, bool),
    /// `VERIFY CONSISTENCY '<path>'`.
    VerifyConsistency(std::path::PathBuf),
    /// `BACKUP TO '<path>'`.
    Backup(std::path::PathBuf),
    /// `COMPACT`.
    Compact,
    /// `LOAD TOWNS '<path>' ON <date>`.
    LoadTowns {
        /// The CSV file.
        path: std::path::PathBuf,
        /// The day it takes effect.
        from: Date,
    },
    /// `SHOW REGISTER`.
    ShowRegister,
    /// `ISSUE …`.
    Issue {
        /// The request.
        request: Request,
        /// The PDF file (`TO`), or the console.
        to: crate::Destination,
    },
    /// `RESTRICT <code> KIND <kind> AUTHORITY '<name>' FROM <date> [UNTIL <date>]`.
    Restrict {
        /// The resident.
        code: ResidentCode,
        /// The kind.
        kind: crate::auth::MeasureKind,
        /// The authority that confirmed the need.
        authority: crate::auth::Authority,
        /// The first day.
        from: Date,
        /// The last day (a year less a day when not given).
        until: Option<Date>,
    },
    /// `EXTEND RESTRICTION <code> [UNTIL <date>]`.
    ExtendRestriction {
        /// The resident.
        code: ResidentCode,
        /// The new last day (another year when not given).
        until: Option<Date>,
    },
    /// `RESTRICTIONS`.
    Restrictions,
    /// `LIFT RESTRICTION <code>`.
    LiftRestriction(ResidentCode),
    /// `SET OFFICE …`.
    SetOffice {
        /// The postal code.
        postal: String,
        /// The address.
        address: String,
        /// The telephone number.
        phone: String,
    },
    /// `NOTIFY [SINCE <seq>] TO '<path>'`.
    Notify {
        /// Where to start, when not at the register's cursor.
        since: Option<u64>,
        /// The file.
        path: std::path::PathBuf,
    },
    /// `EXPORT DESTINATIONS TO '<path>'`.
    ExportDestinations(std::path::PathBuf),
    /// `SET ISSUER title='…' name='…'`.
    SetIssuer {
        /// The title.
        title: String,
        /// The name.
        name: String,
    },
    /// `HELP [topic]`.
    Help(Option<String>),
}

/// Which household a HOUSEHOLD statement asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HouseholdOf {
    /// By 世帯番号.
    Id(HouseholdId),
    /// The household of a resident.
    Resident(ResidentCode),
}

/// The first microsecond of a date in Japan (UTC+9), as Unix time.
fn start_of_day_micros(d: Date) -> i64 {
    let days = d
        .naive()
        .signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch"))
        .num_days();
    (days * 86_400 - 9 * 3_600) * 1_000_000
}

/// The default LIMIT of CHANGES.
pub const DEFAULT_CHANGES_LIMIT: usize = 1000;

fn value<T>(
    v: &Value,
    parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
) -> Result<T, QueryError> {
    parse(&v.text).map_err(|error| QueryError::invalid_at(error, v.span))
}

fn opt<T>(
    v: &Option<Value>,
    parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
) -> Result<Option<T>, QueryError> {
    v.as_ref().map(|v| value(v, parse)).transpose()
}

fn count(field: &'static str) -> impl Fn(&str) -> Result<u64, InvalidValue> {
    move |s: &str| {
        s.parse::<u64>()
            .map_err(|_| InvalidValue::new(field, format!("{s:?} is not a whole number")))
    }
}

fn small_count(field: &'static str) -> impl Fn(&str) -> Result<u32, InvalidValue> {
    move |s: &str| {
        s.parse::<u32>().map_err(|_| {
            InvalidValue::new(field, format!("{s:?} is not a whole number below 2^32"))
        })
    }
}

/// Plans one statement.
pub fn plan(stmt: &Statement) -> Result<Plan, QueryError> {
    Ok(match stmt {
        Statement::Get { code, as_of } => Plan::Get {
            code: value(code, ResidentCode::parse)?,
            as_of: opt(as_of, Date::parse)?,
        },
        Statement::GetMyNumber { number } => Plan::GetMyNumber {
            number: value(number, MyNumber::parse)?,
        },
        Statement::GetAtena { number, as_of } => Plan::GetAtena {
            number: value(number, atena_number)?,
            as_of: opt(as_of, Date::parse)?,
        },
        Statement::Find {
            conds,
            as_of,
            limit,
        } => plan_find(stmt, conds, as_of, limit)?,
        Statement::History { code } => Plan::History {
            code: value(code, ResidentCode::parse)?,
        },
        Statement::Household { target, as_of } => Plan::Household {
            target: match target {
                HouseholdTarget::Id(v) => HouseholdOf::Id(value(v, HouseholdId::parse)?),
                HouseholdTarget::Of(v) => HouseholdOf::Resident(value(v, ResidentCode::parse)?),
            },
            as_of: opt(as_of, Date::parse)?,
        },
        Statement::ShowMyNumber { code } => Plan::ShowMyNumber {
            code: value(code, ResidentCode::parse)?,
        },
        Statement::Stats { by, as_of } => Plan::Stats {
            by: by.iter().map(|(d, _)| stat_dim(*d)).collect(),
            as_of: opt(as_of, Date::parse)?,
        },
        Statement::StatsByReason { by, from, to } => plan_stats_by_reason(by, from, to)?,
        Statement::StatsByHousehold { by_town, as_of } => Plan::StatsByHousehold {
            by_town: *by_town,
            as_of: opt(as_of, Date::parse)?,
        },
        Statement::Report(period) => Plan::Report(plan_period(period)?),
        Statement::Changes { since, limit } => Plan::Changes {
            since: value(since, count("update sequence number"))?,
            limit: opt(limit, count("limit"))?.map_or(DEFAULT_CHANGES_LIMIT, |n| n as usize),
        },
        Statement::Change(c) if c.kind.names_household() => {
            Plan::MoveHousehold(Box::new(plan_household_move(c)?))
        }
        Statement::Change(c) => Plan::Record(Box::new(plan_change(c)?)),
        Statement::Help { topic } => Plan::Help(topic.clone()),
        Statement::CreateOperator { id, role, password } => Plan::CreateOperator {
            id: id.text.clone(),
            role: value(role, parse_role)?,
            password: password.text.clone(),
        },
        Statement::DisableOperator { id } => Plan::DisableOperator(id.text.clone()),
        Statement::UnlockOperator { id } => Plan::UnlockOperator(id.text.clone()),
        Statement::Password => Plan::Password,
        Statement::ListOperators => Plan::ListOperators,
        Statement::Audit {
            operator,
            kind,
            since,
            limit,
        } => Plan::Audit(crate::auth::AuditQuery {
            operator: operator.as_ref().map(|o| o.text.clone()),
            kind: kind.as_ref().map(|k| k.text.to_uppercase()),
            since_micros: opt(since, Date::parse)?.map(start_of_day_micros),
            limit: opt(limit, count("limit"))?.map(|n| n as usize),
        }),
        Statement::AuditVerify => Plan::AuditVerify,
        Statement::AuditAlerts => Plan::AuditAlerts,
        Statement::SetSearchLimit { role, limit } => Plan::SetSearchLimit {
            role: value(role, parse_role)?,
            limit: value(limit, count("search limit"))? as usize,
        },
        Statement::SetWatch {
            searches,
            residents,
            minutes,
        } => Plan::SetWatch(crate::WatchLimits {
            searches: value(searches, small_count("searches"))?,
            residents: value(residents, small_count("residents"))?,
            minutes: value(minutes, small_count("minutes"))?,
        }),
        Statement::Check => Plan::Check,
        Statement::Export {
            path,
            include_restricted,
        } => Plan::Export(path.text.clone().into(), *include_restricted),
        Statement::ExportHistory {
            path,
            include_restricted,
        } => Plan::ExportHistory(path.text.clone().into(), *include_restricted),
        Statement::ExportConsistency {
            path,
            include_restricted,
        } => Plan::ExportConsistency(path.text.clone().into(), *include_restricted),
        Statement::VerifyConsistency { path } => Plan::VerifyConsistency(path.text.clone().into()),
        Statement::BackupTo { path } => Plan::Backup(path.text.clone().into()),
        Statement::Compact => Plan::Compact,
        Statement::LoadTowns { path, from } => Plan::LoadTowns {
            path: path.text.clone().into(),
            from: value(from, Date::parse)?,
        },
        Statement::ShowRegister => Plan::ShowRegister,
        Statement::Issue(issue) => plan_issue(issue)?,
        Statement::Restrict {
            code,
            kind,
            authority,
            from,
            until,
        } => Plan::Restrict {
            code: value(code, ResidentCode::parse)?,
            kind: value(kind, crate::auth::MeasureKind::parse)?,
            authority: value(authority, crate::auth::Authority::parse)?,
            from: value(from, Date::parse)?,
            until: until.as_ref().map(|u| value(u, Date::parse)).transpose()?,
        },
        Statement::ExtendRestriction { code, until } => Plan::ExtendRestriction {
            code: value(code, ResidentCode::parse)?,
            until: until.as_ref().map(|u| value(u, Date::parse)).transpose()?,
        },
        Statement::Restrictions => Plan::Restrictions,
        Statement::LiftRestriction { code } => {
            Plan::LiftRestriction(value(code, ResidentCode::parse)?)
        }
        Statement::SetOffice {
            postal,
            address,
            phone,
        } => Plan::SetOffice {
            postal: value(postal, |s| {
                crate::model::PostalCode::parse(s).map(|p| p.to_string())
            })?,
            address: address.text.clone(),
            phone: phone.text.clone(),
        },
        Statement::Notify { since, path } => Plan::Notify {
            since: opt(since, count("since"))?,
            path: path.text.clone().into(),
        },
        Statement::ExportDestinations { path } => {
            Plan::ExportDestinations(path.text.clone().into())
        }
        Statement::SetIssuer { title, name } => Plan::SetIssuer {
            title: title.text.clone(),
            name: name.text.clone(),
        },
    })
}

/// An ISSUE statement: its codes, date, parts and requester validated.
fn plan_issue(issue: &Issue) -> Result<Plan, QueryError> {
    let codes = issue
        .codes
        .iter()
        .map(|c| value(c, ResidentCode::parse))
        .collect::<Result<Vec<_>, _>>()?;
    let persons = if issue.household {
        Persons::HouseholdOf(codes[0])
    } else {
        Persons::These(codes)
    };
    let mut with = Vec::new();
    for v in &issue.with {
        let part = value(v, |s| {
            Part::parse(s).ok_or_else(|| {
                let names: Vec<&str> = Part::ALL.iter().map(|p| p.key()).collect();
                InvalidValue::new(
                    "part",
                    format!(
                        "{s:?} is not a part of a certificate; the parts are {}",
                        names.join(", ")
                    ),
                )
            })
        })?;
        if with.contains(&part) {
            return Err(QueryError::invalid_at(
                InvalidValue::new("part", format!("{part} is given twice")),
                v.span,
            ));
        }
        with.push(part);
    }
    if issue.kind == Kind::ItemsCertificate && with.is_empty() {
        return Err(QueryError::invalid_at(
            InvalidValue::new(
                "part",
                "a 記載事項証明書 certifies the parts it lists: add WITH <part>, …",
            ),
            issue.codes[0].span,
        ));
    }
    let requester = match &issue.requester {
        None => Requester::Unnamed,
        Some(v) if v.text.chars().all(|c| c.is_ascii_digit() || c == '-') => {
            Requester::Resident(value(v, ResidentCode::parse)?)
        }
        Some(v) => Requester::Other(v.text.clone()),
    };
    Ok(Plan::Issue {
        request: Request {
            kind: issue.kind,
            persons,
            as_of: opt(&issue.as_of, Date::parse)?,
            with,
            requester,
        },
        to: match &issue.to {
            Some(path) if path.text.to_ascii_lowercase().ends_with(".json") => {
                crate::Destination::Json(path.text.clone().into())
            }
            Some(path) => crate::Destination::Pdf(path.text.clone().into()),
            None => crate::Destination::Text,
        },
    })
}

/// STATS BY REASON: the dates checked, and FROM not after TO (the refusal under TO).
fn plan_stats_by_reason(
    by: &[(StatDim, super::lexer::Span)],
    from: &Option<Value>,
    to: &Option<Value>,
) -> Result<Plan, QueryError> {
    let (first, last) = (opt(from, Date::parse)?, opt(to, Date::parse)?);
    if let (Some(f), Some(l), Some(to)) = (first, last, to) {
        store::Period::new(f, l).map_err(|e| QueryError::invalid_at(e, to.span))?;
    }
    Ok(Plan::StatsByReason {
        by: by.iter().map(|(d, _)| stat_dim(*d)).collect(),
        from: first,
        to: last,
    })
}

/// The period of a REPORT: a calendar month, or two dates with FROM not after TO.
fn plan_period(period: &ReportPeriod) -> Result<store::Period, QueryError> {
    match period {
        ReportPeriod::Month(m) => value(m, store::Period::month),
        ReportPeriod::Range { from, to } => {
            let first = value(from, Date::parse)?;
            let last = value(to, Date::parse)?;
            store::Period::new(first, last).map_err(|e| QueryError::invalid_at(e, to.span))
        }
    }
}

/// A STATS dimension of the statement as the engine names it.
fn stat_dim(d: StatDim) -> store::StatDim {
    match d {
        StatDim::Sex => store::StatDim::Sex,
        StatDim::Age => store::StatDim::Age,
        StatDim::Town => store::StatDim::Town,
        StatDim::Status => store::StatDim::Status,
        StatDim::Ward => store::StatDim::Ward,
        StatDim::Area(kind) => store::StatDim::Area(kind),
    }
}

/// A role by name; an unknown one is refused with the names there are.
fn parse_role(s: &str) -> Result<crate::auth::Role, InvalidValue> {
    crate::auth::Role::parse(s).ok_or_else(|| {
        InvalidValue::new(
            "role",
            format!(
                "unknown role {s:?}; roles: {}",
                crate::auth::Role::ALL.map(|r| r.name()).join(", ")
            ),
        )
    })
}

fn plan_find(
    stmt: &Statement,
    conds: &[Cond],
    as_of: &Option<Value>,
    limit: &Option<Value>,
) -> Result<Plan, QueryError> {
    let mut q = SearchQuery::new();
    for c in conds {
        match c.field {
            Field::Name => q.name = Some(value(&c.value, store::NameQuery::parse)?),
            Field::Address => q = q.address(&c.value.text),
            Field::Birth => q.birth = Some(value(&c.value, PartialDate::parse)?),
            Field::Sex => q.sex = Some(value(&c.value, Sex::parse)?),
        }
    }
    q.as_of = opt(as_of, Date::parse)?;
    q.limit = opt(limit, count("limit"))?.map(|n| n as usize);
    let Some(index) = q.index_name() else {
        let err = q
            .check_minimum()
            .expect_err("no index means the minimum is not met");
        let span = match stmt {
            Statement::Find { conds, .. } if !conds.is_empty() => {
                super::lexer::Span::new(conds[0].span.start, conds[conds.len() - 1].span.end)
            }
            _ => Default::default(),
        };
        return Err(QueryError::store_at(
            err,
            Some(span),
            search_minimum_hint(conds),
        ));
    };
    Ok(Plan::Find { query: q, index })
}

/// A 更新順番号 as written in `seq=`: digits only.
fn parse_seq(text: &str) -> Result<u64, InvalidValue> {
    text.trim()
        .parse()
        .map_err(|_| InvalidValue::new("seq", format!("{text:?} is not a 更新順番号")))
}

/// The fields of a 異動 statement's `key=value` pairs, each validated.
fn plan_fields(c: &ChangeStmt) -> Result<Fields, QueryError> {
    let mut f = Fields::default();
    for a in &c.assignments {
        let v = &a.value;
        match a.key.as_str() {
            "my_number" => f.my_number = Some(value(v, MyNumber::parse)?),
            "name" => f.name = Some(value(v, Name::parse)?),
            "kana" => f.kana = Some(value(v, Kana::parse)?),
            "sex" => f.sex = Some(value(v, Sex::parse)?),
            "birth" => f.birth = Some(value(v, PartialDate::parse)?),
            "address" => f.address = Some(value(v, Address::parse)?),
            "postal" => f.postal = Some(value(v, PostalCode::parse)?),
            "household" => f.household = Some(value(v, HouseholdId::parse)?),
            "relationship" => f.relationship = Some(value(v, Relationship::parse)?),
            "from" => f.previous_address = Some(value(v, Address::parse)?),
            "to" => f.destination = Some(value(v, Address::parse)?),
            "new" => f.new_code = Some(value(v, ResidentCode::parse)?),
            "new_head" => f.new_head = Some(value(v, ResidentCode::parse)?),
            "relationships" => f.relationships = Some(value(v, Restatement::parse)?),
            "seq" => f.seq = Some(value(v, parse_seq)?),
            other if crate::model::Item::from_key(other).is_some() => {
                let item = crate::model::Item::from_key(other).expect("checked by the guard");
                value(v, |t| f.items.set(item, t))?;
            }
            other => {
                return Err(QueryError::invalid_at(
                    InvalidValue::new(
                        "field",
                        format!("{other} is not a field of {}", c.kind.name()),
                    ),
                    a.key_span,
                ))
            }
        }
    }
    Ok(f)
}

fn plan_change(c: &ChangeStmt) -> Result<store::Change, QueryError> {
    let f = plan_fields(c)?;
    let mut change = store::Change::new(
        c.kind.to_reason(),
        value(&c.code, ResidentCode::parse)?,
        value(&c.on, Date::parse)?,
    )
    .with(f);
    change.reported = opt(&c.reported, Date::parse)?;
    Ok(change)
}

/// MOVE HOUSEHOLD: the subject is the 世帯番号.
fn plan_household_move(c: &ChangeStmt) -> Result<store::HouseholdMove, QueryError> {
    let fields = plan_fields(c)?;
    Ok(store::HouseholdMove {
        household: value(&c.code, HouseholdId::parse)?,
        date: value(&c.on, Date::parse)?,
        reported: opt(&c.reported, Date::parse)?,
        fields,
    })
}

/// A 宛名番号: a positive whole number (ASCII or full-width digits).
fn atena_number(text: &str) -> Result<u64, crate::model::InvalidValue> {
    let digits = crate::model::text::nfkc(text).collect::<String>();
    match digits.parse::<u64>() {
        Ok(n) if n > 0 && digits.chars().all(|c| c.is_ascii_digit()) => Ok(n),
        _ => Err(crate::model::InvalidValue::new(
            "宛名番号",
            "expected a positive whole number",
        )),
    }
}
