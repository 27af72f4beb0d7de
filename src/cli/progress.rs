//! The import's progress as a bar on standard error: the library reports
//! [`ProgressEvent`]s, this draws them (percent, rows, rows/s and time left while a file is
//! read; a spinner while nothing is read). Nothing is drawn when standard error is not a
//! terminal, so scripts see only the closing report.

use indicatif::{ProgressBar, ProgressStyle};
use juki::{Phase, ProgressEvent};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// A progress bar fed by progress events.
pub struct Bar {
    bar: Option<ProgressBar>,
    phase: Option<Phase>,
    start: Instant,
}

impl Bar {
    /// A bar on standard error when it is a terminal; otherwise one that draws nothing.
    pub fn on_stderr() -> Bar {
        Bar {
            bar: std::io::stderr()
                .is_terminal()
                .then(ProgressBar::new_spinner),
            phase: None,
            start: Instant::now(),
        }
    }

    /// Draws one event: a new phase restyles the bar, then its position moves.
    pub fn show(&mut self, e: ProgressEvent) {
        let Some(b) = &self.bar else { return };
        if self.phase != Some(e.phase) {
            self.phase = Some(e.phase);
            restyle(b, e);
        }
        if e.total_bytes.is_some() {
            b.set_position(e.bytes);
            let secs = self.start.elapsed().as_secs_f64().max(1e-3);
            b.set_message(format!(
                "{} rows, {:.0} rows/s",
                e.rows,
                e.rows as f64 / secs
            ));
        }
    }

    /// Clears the bar (the import is over, done or not).
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// What the bar says a phase is doing.
fn label(phase: Phase) -> &'static str {
    match phase {
        Phase::Checking | Phase::CrossChecking => "checking",
        Phase::Writing => "writing",
        Phase::Committing => "committing",
        // A phase added by a later library: named generically until the bar knows it.
        _ => "working",
    }
}

/// A bar with percent and time left for a phase that reads a known number of bytes, a
/// spinner for one that does not.
fn restyle(b: &ProgressBar, e: ProgressEvent) {
    b.set_prefix(label(e.phase));
    match e.total_bytes {
        Some(len) => {
            b.disable_steady_tick();
            b.set_style(
                ProgressStyle::with_template(
                    "{prefix:>10} [{wide_bar}] {percent:>3}% {msg} ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.set_length(len);
            b.set_position(0);
        }
        None => {
            b.set_style(
                ProgressStyle::with_template("{prefix:>10} {spinner} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(200));
        }
    }
}
