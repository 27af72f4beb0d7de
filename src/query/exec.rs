//! The executor: runs a [`Plan`] against the engine and shapes the answer into [`Rows`].

use super::ast::Statement;
use super::exec_error::QueryError;
use super::help::help;
use super::plan::{HouseholdOf, Plan};
use super::rows::{resident_cells, Cell, Output, Rows};
use crate::store::{Database, StoreError};

/// Runs plans against one database.
pub struct Executor<'a> {
    db: &'a Database,
    operator: Option<String>,
    terminal: Option<String>,
}

impl<'a> Executor<'a> {
    /// An executor on `db`.
    pub fn new(db: &'a Database) -> Executor<'a> {
        Executor {
            db,
            operator: None,
            terminal: None,
        }
    }

    /// Records `operator` and `terminal` with every 異動 this executor writes.
    pub fn signed(mut self, operator: impl Into<String>, terminal: impl Into<String>) -> Self {
        self.operator = Some(operator.into());
        self.terminal = Some(terminal.into());
        self
    }

    /// Parses, plans and runs one statement.
    pub fn run(&self, text: &str) -> Result<Output, QueryError> {
        self.run_statement(&super::parser::parse_statement(text)?)
    }

    /// Plans and runs one parsed statement.
    pub fn run_statement(&self, stmt: &Statement) -> Result<Output, QueryError> {
        self.execute(super::plan::plan(stmt)?)
    }

    /// Runs a plan.
    pub fn execute(&self, plan: Plan) -> Result<Output, QueryError> {
        let db = self.db;
        Ok(match plan {
            Plan::Get { code, as_of } => {
                let found = match as_of {
                    Some(d) => db.get_as_of(code, d)?,
                    None => db.get(code)?,
                };
                let r = found.ok_or_else(|| {
                    StoreError::NotFound(match as_of {
                        Some(d) => format!("resident {code} as of {d}"),
                        None => format!("resident {code}"),
                    })
                })?;
                Output::Rows(Rows::residents([&r]))
            }
            Plan::GetMyNumber { number } => {
                let m = db.get_by_my_number(number)?.ok_or_else(|| {
                    StoreError::NotFound("no resident holds or held this My Number".into())
                })?;
                let mut rows = Rows::residents([&m.resident]);
                rows.columns.push("my_number_current");
                rows.rows[0].push(Cell::Bool(m.current));
                Output::Rows(rows)
            }
            Plan::Find { query, .. } => Output::Rows(Rows::hits(&db.find(&query)?)),
            Plan::History { code } => {
                let versions = db.history(code)?;
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
                    let changed: Vec<&str> = if v.changed == crate::store::FieldSet::ALL {
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
                    HouseholdOf::Id(id) => db.household(id, as_of)?,
                    HouseholdOf::Resident(code) => db.household_of(code, as_of)?,
                };
                if h.members.is_empty() {
                    return Err(StoreError::NotFound(match as_of {
                        Some(d) => format!("household {} has no members as of {d}", h.id),
                        None => format!("household {} has no members", h.id),
                    })
                    .into());
                }
                Output::Rows(Rows::residents(&h.members))
            }
            Plan::ShowMyNumber { code } => {
                let r = db
                    .get(code)?
                    .ok_or_else(|| StoreError::NotFound(format!("resident {code}")))?;
                let mut rows = Rows::residents([&r]);
                rows.rows[0] = resident_cells(&r, true);
                Output::Rows(rows)
            }
            Plan::Stats { by, as_of } => {
                let counts = db.stats(&by, as_of)?;
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
                let feed = db.changes_since(since, limit)?;
                let mut rows = Rows {
                    columns: vec![
                        "seq",
                        "resident_code",
                        "name",
                        "name_kana",
                        "birth_date",
                        "sex",
                        "address",
                        "my_number",
                        "reason",
                        "valid_from",
                        "version",
                    ],
                    rows: Vec::new(),
                };
                for c in &feed {
                    rows.rows.push(vec![
                        Cell::Int(c.seq as i64),
                        c.code.to_string().into(),
                        c.name.as_str().into(),
                        c.kana.as_str().into(),
                        c.birth.to_string().into(),
                        c.sex.to_string().into(),
                        c.address.written().into(),
                        c.my_number.to_string().into(),
                        c.reason.japanese().into(),
                        c.valid_from.to_string().into(),
                        Cell::Int(c.version.into()),
                    ]);
                }
                Output::Rows(rows)
            }
            Plan::Record(mut change) => {
                change.operator.clone_from(&self.operator);
                change.terminal.clone_from(&self.terminal);
                let receipt = db.record(&change)?;
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
            Plan::Help(topic) => Output::Message(help(topic.as_deref())),
            Plan::NotAvailable(kind) => return Err(QueryError::NotAvailable(kind)),
        })
    }
}
