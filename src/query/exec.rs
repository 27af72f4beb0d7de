//! The executor: runs a [`Plan`] through a signed-in [`Session`] (which checks permissions
//! and logs) and shapes the answer into [`Rows`].

use std::path::Path;

mod report;

use super::ast::Statement;
use super::help::help_for;
use super::plan::{HouseholdOf, Plan};
use super::rows::{resident_cells, Cell, Output, Rows, RESIDENT_COLUMNS};
use crate::auth::{AuditEntry, BasicResident, OperatorInfo, Permission, Redacted, Session};
use crate::model::{Date, MyNumber, ResidentCode};
use crate::store::{Receipt, Resident, StatDim, StatsRow, StoreError};
use crate::Error as QueryError;

/// Runs plans for one session.
pub struct Executor<'a> {
    session: &'a Session,
}

/// What a department role sees: the four items, and the items of its own function when it
/// has one (an `items` column, as in a full read).
fn basic_rows(rows: &[BasicResident], with_items: bool) -> Rows {
    let mut columns = vec!["name", "address", "birth_date", "sex", "status"];
    if with_items {
        columns.push("items");
    }
    Rows {
        columns,
        rows: rows
            .iter()
            .map(|b| {
                let mut row = vec![
                    b.name.as_str().into(),
                    b.address.as_str().into(),
                    b.birth.into(),
                    b.sex.to_string().into(),
                    b.status.to_string().into(),
                ];
                if with_items {
                    row.push(super::rows::items_cell(&b.items));
                }
                row
            })
            .collect(),
    }
}

/// RESTRICTIONS: one row a measure.
fn measure_rows(measures: &[crate::auth::SupportMeasure], today: Date) -> Rows {
    Rows {
        columns: vec![
            "resident_code",
            "atena_number",
            "kind",
            "authority",
            "from",
            "until",
            "in_force",
        ],
        rows: measures
            .iter()
            .map(|m| {
                vec![
                    m.code.to_string().into(),
                    Cell::Int(m.atena_number as i64),
                    m.measure.kind.key().into(),
                    m.measure.authority.as_str().into(),
                    Cell::Date(m.measure.from),
                    Cell::Date(m.measure.until),
                    Cell::Bool(m.measure.in_force(today)),
                ]
            })
            .collect(),
    }
}

/// The statement text as the operation log may hold it.
pub(crate) fn redacted(text: &str) -> Redacted {
    Redacted::from_redacted(super::redact(text))
}

/// The longest statement text juki reads: 64 KiB, far beyond any statement a counter types
/// or a script writes (a 転入 with every item is well under 1 KiB).
pub const MAX_STATEMENT_BYTES: usize = 64 << 10;

/// Refuses a text longer than [`MAX_STATEMENT_BYTES`] before it is parsed, and logs it by its
/// length and SHA-256 only: neither the log nor the error carries what it says, and what a
/// runaway or hostile text adds to the file is bounded.
pub(crate) fn refuse_oversized(
    session: &crate::auth::Session,
    text: &str,
) -> Result<(), QueryError> {
    if text.len() <= MAX_STATEMENT_BYTES {
        return Ok(());
    }
    use sha2::{Digest, Sha256};
    let digest = crate::store::engine::digest::hex(&Sha256::digest(text.as_bytes()));
    let logged = format!("(a text of {} bytes, SHA-256 {digest})", text.len());
    session.log_failure("SYNTAX", Redacted::from_redacted(logged), "INVALID_VALUE");
    Err(crate::model::InvalidValue::new(
        "statement",
        format!(
            "{} bytes; a statement text is at most {MAX_STATEMENT_BYTES} bytes",
            text.len()
        ),
    )
    .into())
}

fn not_found(what: String) -> QueryError {
    StoreError::NotFound(what).into()
}

impl<'a> Executor<'a> {
    /// An executor for `session`.
    pub fn new(session: &'a Session) -> Executor<'a> {
        Executor { session }
    }

    /// Parses, plans and runs one statement, logging it whatever the outcome.
    #[cfg(any(test, feature = "testing"))]
    pub fn run(&self, text: &str) -> Result<Output, QueryError> {
        refuse_oversized(self.session, text)?;
        match super::parser::parse_statement(text) {
            Ok(stmt) => self.run_statement(&stmt, text),
            Err(e) => {
                self.session.log_failure("SYNTAX", redacted(text), "SYNTAX");
                Err(e.into())
            }
        }
    }

    /// Plans and runs one parsed statement; `text` is what the operation log records
    /// (redacted).
    pub fn run_statement(&self, stmt: &Statement, text: &str) -> Result<Output, QueryError> {
        let kind = stmt.kind_name();
        // A session the watch on browsing locked runs nothing, HELP included.
        if let Err(e) = self.session.refuse_if_locked() {
            self.session
                .log_failure(kind, redacted(text), e.code().as_str());
            return Err(e);
        }
        match super::plan::plan(stmt) {
            Ok(plan) => self
                .session
                .with_statement(kind, redacted(text), || self.execute(plan)),
            Err(e) => {
                self.session
                    .log_failure(kind, redacted(text), e.code().as_str());
                Err(e)
            }
        }
    }

    /// Runs a plan: one arm a statement, each handing the session's answer to the function
    /// that shapes it. A reader without the details permission gets the basic four items
    /// (氏名, 住所, 生年月日, 性別) of GET and FIND.
    pub fn execute(&self, plan: Plan) -> Result<Output, QueryError> {
        let s = self.session;
        let full = s.may(Permission::Details);
        let own_items = [
            Permission::Insurance,
            Permission::Pension,
            Permission::ChildAllowance,
        ]
        .into_iter()
        .any(|p| s.may(p));
        let message = Output::Message;
        Ok(match plan {
            Plan::Get { code, as_of } if !full => {
                let b = s
                    .get_basic(code, as_of)?
                    .ok_or_else(|| not_found(format!("resident {code}")))?;
                Output::Rows(basic_rows(&[b], own_items))
            }
            Plan::Get { code, as_of } => Output::Rows(self.get(code, as_of)?),
            Plan::GetMyNumber { number } => Output::Rows(self.get_my_number(number)?),
            Plan::GetAtena { number, as_of } => {
                let r = s.get_by_atena(number, as_of)?.ok_or_else(|| {
                    not_found(match as_of {
                        Some(d) => format!("宛名番号 {number} as of {d}"),
                        None => format!("宛名番号 {number}"),
                    })
                })?;
                Output::Rows(Rows::residents([&r]))
            }
            Plan::Find { query, .. } if !full => {
                Output::Rows(basic_rows(&s.find_basic(&query)?, own_items))
            }
            Plan::Find { query, .. } => Output::Rows(Rows::hits(&s.find(&query)?)),
            Plan::History { code } => Output::Rows(history_rows(&s.history(code)?)),
            Plan::Household { target, as_of } => Output::Rows(self.household(target, as_of)?),
            Plan::ShowMyNumber { code } => {
                let (r, n) = s.show_my_number(code)?;
                let mut rows = Rows::residents([&r]);
                rows.rows[0] = resident_cells(&r, false);
                rows.rows[0][1] = n.to_string().into();
                Output::Rows(rows)
            }
            Plan::Stats { by, as_of } => Output::Rows(stats_rows(&by, s.stats(&by, as_of)?)),
            Plan::StatsByReason { by, from, to } => {
                Output::Rows(report::reason_rows(&by, s.stats_by_reason(&by, from, to)?))
            }
            Plan::StatsByHousehold { by_town, as_of } => Output::Rows(report::household_rows(
                by_town,
                s.stats_by_household(by_town, as_of)?,
            )),
            Plan::Report(period) => Output::Rows(report::report_rows(&s.report(period)?)),
            Plan::Changes { since, limit } => {
                Output::Rows(Rows::changes(&s.changes_since(since, limit)?, None))
            }
            Plan::Record(change) => Output::Rows(receipt_rows(&s.record(&change)?)),
            Plan::MoveHousehold(mv) => Output::Rows(receipt_rows(&s.move_household(&mv)?)),
            Plan::CreateOperator { id, role, password } => {
                s.create_operator(&id, role, &password)?;
                message(format!("operator {id} created with role {role}"))
            }
            Plan::DisableOperator(id) => {
                s.disable_operator(&id)?;
                message(format!("operator {id} disabled"))
            }
            Plan::UnlockOperator(id) => {
                s.unlock_operator(&id)?;
                message(format!("operator {id} unlocked"))
            }
            Plan::Password => {
                return Err(QueryError::not_available(
                    "PASSWORD outside the interactive console",
                ))
            }
            Plan::ListOperators => Output::Rows(operator_rows(s.list_operators()?)),
            Plan::Audit(q) => Output::Rows(audit_rows(s.audit(&q)?)),
            Plan::AuditVerify => message(self.audit_verify()?),
            Plan::AuditAlerts => Output::Rows(alert_rows(s.audit_alerts()?)),
            Plan::SetSearchLimit { role, limit } => {
                s.set_search_limit(role, limit)?;
                let residents = if limit == 1 { "resident" } else { "residents" };
                message(format!(
                    "a FIND of role {role} returns at most {limit} {residents}"
                ))
            }
            Plan::SetWatch(w) => {
                s.set_watch(w)?;
                message(format!(
                    "an alert is raised on more than {} searches or {} residents within {} minutes",
                    w.searches, w.residents, w.minutes
                ))
            }
            Plan::Check => message(self.check()?),
            Plan::Export(path, all) => {
                message(done(&path, "exported to", s.export_with(&path, all)?))
            }
            Plan::ExportHistory(path, all) => message(done(
                &path,
                "exported every version to",
                s.export_history_with(&path, all)?,
            )),
            Plan::ExportConsistency(path, all) => message(done(
                &path,
                "wrote the consistency file",
                s.export_consistency_with(&path, all)?,
            )),
            Plan::VerifyConsistency(path) => message(self.verify_consistency(&path)?),
            Plan::Backup(path) => message(s.backup(&path)?.to_string()),
            Plan::Compact => message(done(s.juki().path(), "compacted", s.compact()?)),
            Plan::LoadTowns { path, from } => {
                let towns = s.load_towns(&path, from)?;
                message(format!("{towns} 町字 loaded, in force from {from}"))
            }
            Plan::ShowRegister => Output::Rows(register_rows(s.juki().place().as_deref())),
            Plan::Issue { request, to } => message(issued(&s.issue(&request, &to)?)),
            Plan::Restrict {
                code,
                kind,
                authority,
                from,
                until,
            } => {
                let m = s.restrict(code, kind, &authority, from, until)?;
                message(format!(
                    "resident {code} is under a DV等支援措置 ({}, {}) from {} until {}",
                    m.kind.japanese(),
                    m.authority,
                    m.from,
                    m.until
                ))
            }
            Plan::ExtendRestriction { code, until } => {
                let m = s.extend_restriction(code, until)?;
                message(format!(
                    "the DV等支援措置 of resident {code} is extended until {}",
                    m.until
                ))
            }
            Plan::Restrictions => Output::Rows(measure_rows(&s.restrictions()?, s.today())),
            Plan::LiftRestriction(code) => {
                s.lift_restriction(code)?;
                message(format!("the DV等支援措置 of resident {code} is lifted"))
            }
            Plan::SetOffice {
                postal,
                address,
                phone,
            } => {
                s.set_office(&postal, &address, &phone)?;
                message(format!("the office is {postal} {address} ({phone})"))
            }
            Plan::Notify { since, path } => message(batch_done(&path, &s.notify(&path, since)?)),
            Plan::ExportDestinations(path) => {
                message(batch_done(&path, &s.export_destinations(&path)?))
            }
            Plan::SetIssuer { title, name } => {
                s.set_issuer(&title, &name)?;
                message(format!("certificates are signed by {title}　{name}"))
            }
            Plan::Help(topic) => message(help_for(topic.as_deref(), Some(s.role()))),
        })
    }

    /// GET with the details permission: the current version, or the one in force on a date.
    fn get(&self, code: ResidentCode, as_of: Option<Date>) -> Result<Rows, QueryError> {
        let found = match as_of {
            Some(d) => self.session.get_as_of(code, d)?,
            None => self.session.get(code)?,
        };
        let r = found.ok_or_else(|| {
            not_found(match as_of {
                Some(d) => format!("resident {code} as of {d}"),
                None => format!("resident {code}"),
            })
        })?;
        Ok(Rows::residents([&r]))
    }

    /// GET MYNUMBER: the resident who holds or held the number, and whether it is theirs now.
    fn get_my_number(&self, number: MyNumber) -> Result<Rows, QueryError> {
        let m = self
            .session
            .get_by_my_number(number)?
            .ok_or_else(|| not_found("no resident holds or held this My Number".into()))?;
        let mut rows = Rows::residents([&m.resident]);
        rows.columns.push("my_number_current");
        rows.rows[0].push(Cell::Bool(m.current));
        Ok(rows)
    }

    /// HOUSEHOLD: its members; a household without members is `NOT_FOUND`.
    fn household(&self, target: HouseholdOf, as_of: Option<Date>) -> Result<Rows, QueryError> {
        let h = match target {
            HouseholdOf::Id(id) => self.session.household(id, as_of)?,
            HouseholdOf::Resident(code) => self.session.household_of(code, as_of)?,
        };
        if h.members.is_empty() {
            return Err(not_found(match as_of {
                Some(d) => format!("household {} has no members as of {d}", h.id),
                None => format!("household {} has no members", h.id),
            }));
        }
        Ok(Rows::residents(&h.members))
    }

    /// VERIFY CONSISTENCY: any difference between the register and the file is `CONFLICT`.
    fn verify_consistency(&self, path: &Path) -> Result<String, QueryError> {
        let report = self.session.verify_consistency(path)?;
        if !report.is_clean() {
            return Err(StoreError::Conflict(format!(
                "the register and {} differ:\n{report}",
                path.display()
            ))
            .into());
        }
        Ok(report.to_string())
    }

    /// AUDIT VERIFY: a broken hash chain is `CORRUPT`.
    fn audit_verify(&self) -> Result<String, QueryError> {
        let report = self.session.audit_verify()?;
        if let Some((seq, why)) = &report.first_broken {
            return Err(StoreError::Corrupt {
                table: "audit",
                detail: format!("the operation log is broken at entry {seq}: {why}"),
            }
            .into());
        }
        Ok(report.to_string())
    }

    /// CHECK: every problem in the tables or the operation log makes it `CORRUPT`.
    fn check(&self) -> Result<String, QueryError> {
        let (report, chain) = self.session.check()?;
        let problems = crate::auth::check_problems(&report, &chain);
        if !problems.is_empty() {
            return Err(StoreError::Corrupt {
                table: "(check)",
                detail: format!("{} problem(s):\n{}", problems.len(), problems.join("\n")),
            }
            .into());
        }
        let mut out = format!(
            "CHECK: no problems in {} residents, {} versions and {} operation-log entries",
            report.residents, report.versions, chain.entries
        );
        if self.session.juki().is_read_only() {
            // `Database::check` leaves redb's page check out of a read-only open.
            out.push_str(" (opened read-only: every block the tables use was verified, but not redb's own page check, which needs a read-write open)");
        }
        if !report.warnings.is_empty() {
            out.push_str(&format!("; {} warning(s):", report.warnings.len()));
            for w in &report.warnings {
                out.push_str(&format!("\n  {w}"));
            }
        }
        Ok(out)
    }
}

/// The confirmation of a statement that wrote a file: `{what} {path}: {report}`.
fn done(path: &Path, what: &str, report: impl std::fmt::Display) -> String {
    format!("{what} {}: {report}", path.display())
}

/// What the console shows of a batch sent.
fn batch_done(path: &Path, b: &crate::Batch) -> String {
    format!(
        "{} rows (更新順番号 {}..{}) written to {} (SHA-256 {})",
        b.rows,
        b.after + 1,
        b.through,
        path.display(),
        b.sha256
    )
}

/// What the console shows of an issued certificate: the text rendering, or where the PDF
/// went.
fn issued(i: &crate::Issued) -> String {
    match &i.path {
        Some(path) => format!(
            "{} {} written to {} (SHA-256 {})",
            i.document.title,
            i.document.serial,
            path.display(),
            i.sha256
        ),
        None => i.text.clone(),
    }
}

/// HISTORY: every version, oldest first, as it stood on its 異動日 when it was recorded
/// (see `store::engine::history`): the version's bookkeeping and the fields it changed, then
/// every item of the resident under the columns of GET (My Number masked).
/// SHOW REGISTER: one row for the municipality, one for each dictionary version.
fn register_rows(place: Option<&crate::model::PlaceBook>) -> Rows {
    let mut rows = Rows {
        columns: vec!["item", "value", "from", "towns"],
        rows: Vec::new(),
    };
    let Some(book) = place else {
        rows.rows.push(vec![
            "municipality".into(),
            "not set: addresses are not placed".into(),
            Cell::Null,
            Cell::Null,
        ]);
        return rows;
    };
    let m = book.municipality();
    rows.rows.push(vec![
        "municipality".into(),
        format!("{m} ({})", m.code()).into(),
        Cell::Null,
        Cell::Null,
    ]);
    for (i, (from, dictionary)) in book.versions().enumerate() {
        rows.rows.push(vec![
            "address dictionary".into(),
            format!("version {}", i + 1).into(),
            from.into(),
            Cell::Int(dictionary.towns().len() as i64),
        ]);
    }
    rows
}

fn history_rows(versions: &[Resident]) -> Rows {
    let mut columns = vec![
        "version",
        "reason",
        "valid_from",
        "reported",
        "seq",
        "changed",
    ];
    let items: Vec<usize> = (0..RESIDENT_COLUMNS.len())
        .filter(|&i| !columns.contains(&RESIDENT_COLUMNS[i]))
        .collect();
    columns.extend(items.iter().map(|&i| RESIDENT_COLUMNS[i]));
    let rows = versions
        .iter()
        .map(|v| {
            let changed: Vec<&str> = if v.changed.is_whole() {
                vec!["(all)"]
            } else {
                v.changed.iter().map(|f| f.name()).collect()
            };
            let mut cells = resident_cells(v, false);
            let mut row = vec![
                Cell::Int(v.version.into()),
                v.reason.japanese().into(),
                v.valid_from.into(),
                v.reported.into(),
                Cell::Int(v.seq as i64),
                changed.join(" ").into(),
            ];
            row.extend(
                items
                    .iter()
                    .map(|&i| std::mem::replace(&mut cells[i], Cell::Null)),
            );
            row
        })
        .collect();
    Rows { columns, rows }
}

/// STATS: one column a dimension, then the count.
fn stats_rows(by: &[StatDim], counts: Vec<StatsRow>) -> Rows {
    let mut columns: Vec<&'static str> = by.iter().map(|d| d.name()).collect();
    columns.push("count");
    let rows = counts
        .into_iter()
        .map(|r| {
            let mut row: Vec<Cell> = r.keys.into_iter().map(Cell::Text).collect();
            row.push(Cell::Int(r.count as i64));
            row
        })
        .collect();
    Rows { columns, rows }
}

/// A change: every version it wrote.
/// A change: every version it wrote, with the warnings about its resident (possible but
/// implausible facts, recorded and not refused).
fn receipt_rows(receipt: &Receipt) -> Rows {
    Rows {
        columns: vec!["resident_code", "version", "seq", "reason", "warnings"],
        rows: receipt
            .written
            .iter()
            .map(|w| {
                let warnings: Vec<String> = receipt
                    .warnings
                    .iter()
                    .filter(|x| x.code() == w.code)
                    .map(ToString::to_string)
                    .collect();
                vec![
                    w.code.to_string().into(),
                    Cell::Int(w.version.into()),
                    Cell::Int(w.seq as i64),
                    w.reason.japanese().into(),
                    (!warnings.is_empty()).then(|| warnings.join("; ")).into(),
                ]
            })
            .collect(),
    }
}

/// LIST OPERATORS.
fn operator_rows(operators: Vec<OperatorInfo>) -> Rows {
    Rows {
        columns: vec!["operator", "role", "disabled", "locked", "failed_sign_ins"],
        rows: operators
            .into_iter()
            .map(|o| {
                vec![
                    o.id.into(),
                    o.role.name().into(),
                    Cell::Bool(o.disabled),
                    Cell::Bool(o.locked),
                    Cell::Int(o.failed_sign_ins.into()),
                ]
            })
            .collect(),
    }
}

/// AUDIT: the entries of the operation log, resident codes space-separated.
fn audit_rows(entries: Vec<AuditEntry>) -> Rows {
    Rows {
        columns: vec![
            "seq", "time", "operator", "terminal", "kind", "text", "outcome", "codes",
        ],
        rows: entries
            .into_iter()
            .map(|e| {
                vec![
                    Cell::Int(e.seq as i64),
                    format_time(e.time).into(),
                    e.operator.into(),
                    e.terminal.into(),
                    e.kind.into(),
                    e.text.into(),
                    e.outcome.into(),
                    e.codes
                        .iter()
                        .map(|c| format!("{c:011}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                        .into(),
                ]
            })
            .collect(),
    }
}

/// AUDIT ALERTS: who crossed the watch on browsing, when, and the counts.
fn alert_rows(alerts: Vec<crate::Alert>) -> Rows {
    Rows {
        columns: vec![
            "seq",
            "time",
            "operator",
            "terminal",
            "searches",
            "residents",
            "minutes",
        ],
        rows: alerts
            .into_iter()
            .map(|a| {
                vec![
                    Cell::Int(a.seq as i64),
                    format_time(a.time).into(),
                    a.operator.into(),
                    a.terminal.into(),
                    Cell::Int(a.searches as i64),
                    Cell::Int(a.residents as i64),
                    Cell::Int(a.minutes as i64),
                ]
            })
            .collect(),
    }
}

/// A log time (Unix µs) in Japan time, `YYYY-MM-DD HH:MM:SS.ffffff`.
fn format_time(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros + 9 * 3_600 * 1_000_000)
        .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f").to_string())
        .unwrap_or_else(|| micros.to_string())
}
