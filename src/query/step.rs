//! A text of statements run one by one, each statement's result as a console shows it: the
//! output, the warning about residents under a support measure, the time it took, or the
//! refusal with its redacted message and caret line.
//!
//! The console of the `juki` binary and `juki serve` both run statement text through
//! [`Session::run_each`], so that a statement behaves the same typed at a local REPL or sent
//! to a server: the same log entries, the same stop at the first failure, the same redaction.

use std::time::{Duration, Instant};

use crate::auth::Session;
use crate::model::ResidentCode;
use crate::query::Output;
use crate::{Error, ErrorCode};

/// Why a statement (or a request to a server) was refused, as a console prints it: the
/// code, the message with whatever the statement's redaction masks taken out, and the caret
/// line with the hint (empty when there is neither).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The stable code.
    pub code: ErrorCode,
    /// What is wrong.
    pub message: String,
    /// The statement's line with a caret under the problem, and the hint.
    pub detail: String,
}

impl Refusal {
    /// The refusal of `error`, raised by the statement text `text`.
    pub fn of(error: &Error, text: &str) -> Refusal {
        Refusal {
            code: error.code(),
            message: error.message_for(text),
            detail: error.render(text),
        }
    }
}

/// One statement that ran: its output, the residents under a support measure it showed
/// (a role with the restrict permission is warned of them), and how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What the statement returned.
    pub output: Output,
    /// Resident codes under a DV等支援措置, or in the household of one, that it showed.
    pub restricted: Vec<ResidentCode>,
    /// The time it took where it ran.
    pub elapsed: Duration,
}

/// What running a text of statements gave: the steps of those that ran, in order, and the
/// refusal of the one that stopped it, if one did.
#[derive(Debug, Clone, PartialEq)]
pub struct Ran {
    /// The statements that ran.
    pub steps: Vec<Step>,
    /// The statement that failed, stopping the rest.
    pub refused: Option<Refusal>,
    /// Whether the watch on browsing has locked the session (sign in again to go on).
    pub locked: bool,
}

impl Ran {
    /// Whether every statement ran.
    pub fn is_ok(&self) -> bool {
        self.refused.is_none()
    }
}

impl Session {
    /// Reads `text` and runs its statements in order, handing each result to `each` as it
    /// comes: a [`Step`], or the [`Refusal`] of the statement that failed, after which
    /// nothing more runs. `each` returns false to stop early (a console that cannot write
    /// its output). Text that does not parse runs nothing and gives its refusal. Every
    /// statement is logged, as [`Session::execute`] logs it.
    pub fn run_each(&self, text: &str, mut each: impl FnMut(Result<Step, Refusal>) -> bool) {
        let statements = match self.prepare(text) {
            Ok(s) => s,
            Err(e) => {
                each(Err(Refusal::of(&e, text)));
                return;
            }
        };
        for statement in &statements {
            let started = Instant::now();
            let result = self.execute(statement).map(|output| Step {
                output,
                restricted: self.restricted_shown(),
                elapsed: started.elapsed(),
            });
            let failed = result.is_err();
            if !each(result.map_err(|e| Refusal::of(&e, text))) || failed {
                return;
            }
        }
    }

    /// [`Session::run_each`] gathered: the steps of the statements that ran and the refusal
    /// that stopped them, if one did.
    pub fn run_all(&self, text: &str) -> Ran {
        let mut ran = Ran {
            steps: Vec::new(),
            refused: None,
            locked: false,
        };
        self.run_each(text, |result| {
            match result {
                Ok(step) => ran.steps.push(step),
                Err(refusal) => ran.refused = Some(refusal),
            }
            true
        });
        ran.locked = self.is_locked();
        ran
    }
}

#[cfg(test)]
mod tests {
    use crate::query::statement::tests::admin;
    use crate::{ErrorCode, Output};

    #[test]
    fn statements_run_until_the_first_refusal_and_the_rest_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let s = admin(&dir);
        let ran = s.run_all("STATS; GET 24727059608; STATS");
        assert_eq!(ran.steps.len(), 1, "the STATS before the refusal ran");
        assert!(matches!(ran.steps[0].output, Output::Rows(_)));
        let refused = ran.refused.expect("GET of nobody is refused");
        assert_eq!(refused.code, ErrorCode::NotFound);
        assert!(!ran.locked);

        let ran = s.run_all("STATS; GTE 1");
        assert!(
            ran.steps.is_empty(),
            "a text that does not parse runs nothing"
        );
        let refused = ran.refused.unwrap();
        assert_eq!(refused.code, ErrorCode::Syntax);
        assert!(refused.detail.contains('^'), "{}", refused.detail);
    }

    #[test]
    fn a_refusal_masks_the_my_number_it_was_given() {
        let dir = tempfile::tempdir().unwrap();
        let s = admin(&dir);
        let ran = s.run_all("GET mynumber=1234-5678-9018 x");
        let refused = ran.refused.unwrap();
        let all = format!("{} {}", refused.message, refused.detail);
        assert!(!all.contains("1234-5678-9018"), "{all}");
        assert!(!all.contains("9018"), "{all}");
    }
}
