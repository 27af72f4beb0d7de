//! The executor: runs a [`Plan`] through a signed-in [`Session`] (which checks permissions
//! and logs) and shapes the answer into [`Rows`].

use super::ast::Statement;
use super::help::help_for;
use super::plan::{HouseholdOf, Plan};
use super::rows::{resident_cells, Cell, Output, Rows};
use crate::auth::{BasicResident, Permission, Redacted, Session};
use crate::store::{FieldSet, StoreError};
use crate::Error as QueryError;

/// Runs plans for one session.
pub struct Executor<'a> {
    session: &'a Session,
}

fn basic_rows(rows: &[BasicResident]) -> Rows {
    Rows {
        columns: vec!["name", "address", "birth_date", "sex"],
        rows: rows
            .iter()
            .map(|b| {
                vec![
                    b.name.as_str().into(),
                    b.address.as_str().into(),
                    b.birth.to_string().into(),
                    b.sex.to_string().into(),
                ]
            })
            .collect(),
    }
}

/// The statement text as the operation log may hold it.
pub(crate) fn redacted(text: &str) -> Redacted {
    Redacted::from_redacted(super::redact(text))
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
    pub fn run(&self, text: &str) -> Result<Output, QueryError> {
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

    /// Runs a plan.
    pub fn execute(&self, plan: Plan) -> Result<Output, QueryError> {
        let s = self.session;
        let full = s.may(Permission::Details);
        Ok(match plan {
            Plan::Get { code, as_of } if !full => {
                let b = s
                    .get_basic(code, as_of)?
                    .ok_or_else(|| not_found(format!("resident {code}")))?;
                Output::Rows(basic_rows(&[b]))
            }
            Plan::Get { code, as_of } => {
                let found = match as_of {
                    Some(d) => s.get_as_of(code, d)?,
                    None => s.get(code)?,
                };
                let r = found.ok_or_else(|| {
                    not_found(match as_of {
                        Some(d) => format!("resident {code} as of {d}"),
                        None => format!("resident {code}"),
                    })
                })?;
                Output::Rows(Rows::residents([&r]))
            }
            Plan::GetMyNumber { number } => {
                let m = s
                    .get_by_my_number(number)?
                    .ok_or_else(|| not_found("no resident holds or held this My Number".into()))?;
                let mut rows = Rows::residents([&m.resident]);
                rows.columns.push("my_number_current");
                rows.rows[0].push(Cell::Bool(m.current));
                Output::Rows(rows)
            }
            Plan::Find { query, .. } if !full => Output::Rows(basic_rows(&s.find_basic(&query)?)),
            Plan::Find { query, .. } => Output::Rows(Rows::hits(&s.find(&query)?)),
            Plan::History { code } => {
                let versions = s.history(code)?;
                let mut rows = Rows {
                    columns: vec![
                        "version",
                        "reason",
                        "valid_from",
                        "reported",
                        "seq",
                        "changed",
                        "resident_code",
                        "name",
                        "address",
                        "household_id",
                        "relationship",
                        "status",
                    ],
                    rows: Vec::new(),
                };
                for v in &versions {
                    let changed: Vec<&str> = if v.changed == FieldSet::ALL {
                        vec!["(all)"]
                    } else {
                        v.changed.iter().map(|f| f.name()).collect()
                    };
                    rows.rows.push(vec![
                        Cell::Int(v.version.into()),
                        v.reason.japanese().into(),
                        v.valid_from.to_string().into(),
                        v.reported.to_string().into(),
                        Cell::Int(v.seq as i64),
                        changed.join(" ").into(),
                        v.code.to_string().into(),
                        v.name.as_str().into(),
                        v.address.written().into(),
                        v.household.to_string().into(),
                        v.relationship.as_str().into(),
                        v.status.as_str().into(),
                    ]);
                }
                Output::Rows(rows)
            }
            Plan::Household { target, as_of } => {
                let h = match target {
                    HouseholdOf::Id(id) => s.household(id, as_of)?,
                    HouseholdOf::Resident(code) => s.household_of(code, as_of)?,
                };
                if h.members.is_empty() {
                    return Err(not_found(match as_of {
                        Some(d) => format!("household {} has no members as of {d}", h.id),
                        None => format!("household {} has no members", h.id),
                    }));
                }
                Output::Rows(Rows::residents(&h.members))
            }
            Plan::ShowMyNumber { code } => {
                let (r, n) = s.show_my_number(code)?;
                let mut rows = Rows::residents([&r]);
                rows.rows[0] = resident_cells(&r, false);
                rows.rows[0][1] = n.to_string().into();
                Output::Rows(rows)
            }
            Plan::Stats { by, as_of } => {
                let counts = s.stats(&by, as_of)?;
                let mut columns: Vec<&'static str> = by.iter().map(|d| d.name()).collect();
                columns.push("count");
                Output::Rows(Rows {
                    columns,
                    rows: counts
                        .into_iter()
                        .map(|r| {
                            let mut row: Vec<Cell> = r.keys.into_iter().map(Cell::Text).collect();
                            row.push(Cell::Int(r.count as i64));
                            row
                        })
                        .collect(),
                })
            }
            Plan::Changes { since, limit } => {
                Output::Rows(Rows::changes(&s.changes_since(since, limit)?, None))
            }
            Plan::Record(change) => {
                let receipt = s.record(&change)?;
                Output::Rows(Rows {
                    columns: vec!["resident_code", "version", "seq", "reason"],
                    rows: receipt
                        .written
                        .iter()
                        .map(|w| {
                            vec![
                                w.code.to_string().into(),
                                Cell::Int(w.version.into()),
                                Cell::Int(w.seq as i64),
                                w.reason.japanese().into(),
                            ]
                        })
                        .collect(),
                })
            }
            Plan::CreateOperator { id, role, password } => {
                s.create_operator(&id, role, &password)?;
                Output::Message(format!("operator {id} created with role {role}"))
            }
            Plan::DisableOperator(id) => {
                s.disable_operator(&id)?;
                Output::Message(format!("operator {id} disabled"))
            }
            Plan::UnlockOperator(id) => {
                s.unlock_operator(&id)?;
                Output::Message(format!("operator {id} unlocked"))
            }
            Plan::Password => {
                return Err(QueryError::not_available(
                    "PASSWORD outside the interactive console",
                ))
            }
            Plan::ListOperators => Output::Rows(Rows {
                columns: vec!["operator", "role", "disabled", "locked", "failed_sign_ins"],
                rows: s
                    .list_operators()?
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
            }),
            Plan::Audit(q) => Output::Rows(Rows {
                columns: vec![
                    "seq", "time", "operator", "terminal", "kind", "text", "outcome", "codes",
                ],
                rows: s
                    .audit(&q)?
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
            }),
            Plan::AuditVerify => {
                let report = s.audit_verify()?;
                if let Some((seq, why)) = &report.first_broken {
                    return Err(StoreError::Corrupt {
                        table: "audit",
                        detail: format!("the operation log is broken at entry {seq}: {why}"),
                    }
                    .into());
                }
                Output::Message(report.to_string())
            }
            Plan::Check => {
                let (report, chain) = s.check()?;
                let mut problems: Vec<String> =
                    report.problems.iter().map(|p| p.to_string()).collect();
                if report.omitted > 0 {
                    problems.push(format!("… and {} more problems", report.omitted));
                }
                if let Some((seq, why)) = &chain.first_broken {
                    problems.push(format!("audit {seq}: {why}"));
                }
                if !problems.is_empty() {
                    return Err(StoreError::Corrupt {
                        table: "(check)",
                        detail: format!("{} problem(s):\n{}", problems.len(), problems.join("\n")),
                    }
                    .into());
                }
                Output::Message(format!(
                    "CHECK: no problems in {} residents, {} versions and {} operation-log entries",
                    report.residents, report.versions, chain.entries
                ))
            }
            Plan::Export(path) => Output::Message(format!(
                "exported to {}: {}",
                path.display(),
                s.export(&path)?
            )),
            Plan::ExportHistory(path) => Output::Message(format!(
                "exported every version to {}: {}",
                path.display(),
                s.export_history(&path)?
            )),
            Plan::ExportConsistency(path) => Output::Message(format!(
                "wrote the consistency file {}: {}",
                path.display(),
                s.export_consistency(&path)?
            )),
            Plan::VerifyConsistency(path) => {
                let report = s.verify_consistency(&path)?;
                if !report.is_clean() {
                    return Err(StoreError::Conflict(format!(
                        "the register and {} differ:\n{report}",
                        path.display()
                    ))
                    .into());
                }
                Output::Message(report.to_string())
            }
            Plan::Backup(path) => Output::Message(s.backup(&path)?.to_string()),
            Plan::Compact => Output::Message(format!(
                "compacted {}: {}",
                s.juki().path().display(),
                s.compact()?
            )),
            Plan::Help(topic) => Output::Message(help_for(topic.as_deref(), Some(s.role()))),
        })
    }
}

/// A log time (Unix µs) in Japan time, `YYYY-MM-DD HH:MM:SS.ffffff`.
fn format_time(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros + 9 * 3_600 * 1_000_000)
        .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f").to_string())
        .unwrap_or_else(|| micros.to_string())
}
