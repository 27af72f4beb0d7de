//! The statements beside STATS that count 異動 and households, and the monthly report:
//! `STATS BY REASON`, `STATS BY HOUSEHOLD` and `REPORT`. Their keywords (up to `reason` or
//! `household`) have been read by the catalogue match; what combines with what is checked
//! here, so that a refusal points at the word at fault.

use super::{given_twice, short, usage_hint, Parser};
use crate::query::ast::{ReportPeriod, StatDim, Statement};
use crate::query::error::ParseError;
use crate::query::keywords as kw;
use crate::query::lexer::{Span, TokenKind};

impl Parser<'_> {
    /// The dimensions after `reason` or `household`: each after a comma (which may be left
    /// out before a dimension), none twice.
    fn more_dims(&mut self, first: &str) -> Result<Vec<(StatDim, Span)>, ParseError> {
        let mut by: Vec<(StatDim, Span)> = Vec::new();
        loop {
            let comma = self.eat_kind(&TokenKind::Comma);
            let dim = self
                .peek_folded(0)
                .and_then(|w| kw::stat_dim(&w))
                .filter(|_| !self.at_end());
            let Some(dim) = dim else {
                if !comma {
                    return Ok(by);
                }
                let err = match self.peek_folded(0).filter(|_| !self.at_end()) {
                    Some(word) => ParseError::new(
                        format!("unknown STATS dimension '{}'", short(&word)),
                        self.here(),
                    ),
                    None => self.expected("a dimension"),
                };
                return Err(err.with_hint(format!(
                    "{first} combines with sex, age, town, ward and the areas"
                )));
            };
            let span = self.here();
            if by.iter().any(|(d, _)| *d == dim) {
                return Err(given_twice(dim.name(), span));
            }
            self.advance();
            by.push((dim, span));
        }
    }

    /// `STATS BY REASON [, dims] [FROM <date>] [TO <date>]`.
    pub(super) fn stats_by_reason(&mut self, usage: &str) -> Result<Statement, ParseError> {
        let by = self.more_dims("reason")?;
        if let Some((_, span)) = by.iter().find(|(d, _)| *d == StatDim::Status) {
            return Err(ParseError::new(
                "status does not combine with reason: a 異動 has no status",
                *span,
            )
            .with_hint("STATS BY status counts residents, STATS BY reason counts 異動"));
        }
        let (mut from, mut to) = (None, None);
        while !self.at_end() {
            let span = self.here();
            if self.eat(kw::FROM).is_some() {
                if from.is_some() {
                    return Err(given_twice("FROM", span));
                }
                from = Some(self.clause("a date after FROM", usage)?);
            } else if self.eat(kw::TO).is_some() {
                if to.is_some() {
                    return Err(given_twice("TO", span));
                }
                to = Some(self.clause("a date after TO", usage)?);
            } else if self.peek_is(kw::AS) || self.peek_is(kw::AS_OF) {
                return Err(ParseError::new(
                    "STATS BY reason counts 異動 by their 異動日, not as of a date",
                    span,
                )
                .with_hint("give the period: FROM <date> TO <date>"));
            } else {
                return Err(self.end(usage).expect_err("not at the end"));
            }
        }
        Ok(Statement::StatsByReason { by, from, to })
    }

    /// `STATS BY HOUSEHOLD [, town] [AS OF <date>]`.
    pub(super) fn stats_by_household(&mut self, usage: &str) -> Result<Statement, ParseError> {
        let by = self.more_dims("household")?;
        if let Some((dim, span)) = by.iter().find(|(d, _)| *d != StatDim::Town) {
            return Err(ParseError::new(
                format!("{} does not combine with household", dim.name()),
                *span,
            )
            .with_hint("STATS BY household counts by size, and per 町字 with town"));
        }
        let as_of = self.as_of(usage)?;
        self.end(usage)?;
        Ok(Statement::StatsByHousehold {
            by_town: !by.is_empty(),
            as_of,
        })
    }

    /// `REPORT MONTH <month>`, `REPORT <month>` or `REPORT FROM <date> TO <date>`.
    pub(super) fn report(&mut self, usage: &str) -> Result<Statement, ParseError> {
        let period = if self.eat(kw::MONTH).is_some() {
            ReportPeriod::Month(self.clause("a month after MONTH (2026-11)", usage)?)
        } else if self.eat(kw::FROM).is_some() {
            let from = self.clause("a date after FROM", usage)?;
            self.expect(kw::TO, "TO <date>", usage)?;
            let to = self.clause("a date after TO", usage)?;
            ReportPeriod::Range { from, to }
        } else if !self.at_end() && !self.peek_is(kw::TO) {
            ReportPeriod::Month(self.value("a month (2026-11)", usage)?)
        } else {
            return Err(self
                .expected("MONTH <yyyy-mm> or FROM <date> TO <date>")
                .with_hint(usage_hint(usage)));
        };
        self.end(usage)?;
        Ok(Statement::Report(period))
    }
}
