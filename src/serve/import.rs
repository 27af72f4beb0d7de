//! `POST /v1/import`: `juki import` through the server. The files are the server's (the
//! socket admits only the server's own user, on its own machine), named by absolute paths;
//! the answer is JSON lines: the import's progress as it goes, then its report or refusal.
//!
//! An import is one write transaction: while it runs the counters' 異動 wait, and their
//! reads go on (read snapshots).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::body::Bytes;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::follow::Pages;
use super::http::{Answer, State};
use super::wire::text_field;
use crate::Refusal;
use crate::{Encoding, ErrorCode, ImportOptions, ImportReport, Phase, Progress, ProgressEvent};

/// The least time between two progress lines (a phase's first and last always go).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// The import's options from the request's JSON body: `path` (absolute), optional
/// `history`, `skip_bad` (absolute), `encoding` and `staging_bytes`.
pub(crate) fn options(body: &[u8]) -> std::result::Result<ImportOptions, Answer> {
    let invalid = |m: String| Answer::error(ErrorCode::InvalidValue, &m);
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
        return Err(invalid("the body is not a JSON object".into()));
    };
    let absolute = |key: &str| -> std::result::Result<Option<PathBuf>, Answer> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(p)) if PathBuf::from(p).is_absolute() => Ok(Some(p.into())),
            Some(_) => Err(invalid(format!("\"{key}\" is not an absolute path"))),
        }
    };
    let path = text_field(&body, "path").map_err(invalid)?;
    let mut options = ImportOptions::new(path);
    if !options.path.is_absolute() {
        return Err(invalid("\"path\" is not an absolute path".into()));
    }
    if body.contains_key("history") {
        options.history = absolute("history")?;
    }
    options.skip_bad = absolute("skip_bad")?;
    if let Some(name) = body.get("encoding").and_then(Value::as_str) {
        options.encoding = Encoding::parse(name)
            .ok_or_else(|| invalid(format!("encoding {name}: utf-8 or cp932")))?;
    }
    if let Some(bytes) = body.get("staging_bytes").and_then(Value::as_u64) {
        options.staging_budget = usize::try_from(bytes).unwrap_or(usize::MAX).max(1 << 20);
    }
    Ok(options)
}

/// Runs the import on the session `token` names; its lines.
pub(crate) fn start(state: Arc<State>, token: Option<String>, options: ImportOptions) -> Pages {
    let (lines, receiver) = mpsc::channel(16);
    tokio::task::spawn_blocking(move || {
        let last = match state.session(token.as_deref()) {
            Ok(held) => {
                let session = held.session.lock().unwrap_or_else(|e| e.into_inner());
                let mut progress = Throttle::new(&lines);
                match session.import(&options, Progress::To(&mut |e| progress.event(e))) {
                    Ok(report) => json!({ "report": report_json(&report) }),
                    Err(e) => json!({ "error": Refusal::of(&e, "").json() }),
                }
            }
            Err(answer) => json!({ "error": answer.body()["error"].clone() }),
        };
        let _ = lines.blocking_send(Bytes::from(last.to_string() + "\n"));
    });
    Pages::new(receiver)
}

/// Sends progress lines, at most one per [`PROGRESS_EVERY`] but a phase's first and last.
struct Throttle<'a> {
    lines: &'a mpsc::Sender<Bytes>,
    sent: Option<(Phase, Instant)>,
}

impl<'a> Throttle<'a> {
    fn new(lines: &'a mpsc::Sender<Bytes>) -> Throttle<'a> {
        Throttle { lines, sent: None }
    }

    fn event(&mut self, e: ProgressEvent) {
        let last_of_phase = e.total_bytes == Some(e.bytes) && e.bytes > 0;
        let due = match self.sent {
            Some((phase, at)) => phase != e.phase || at.elapsed() >= PROGRESS_EVERY,
            None => true,
        };
        if due || last_of_phase {
            self.sent = Some((e.phase, Instant::now()));
            let line = json!({ "progress": {
                "phase": phase_name(e.phase),
                "rows": e.rows,
                "bytes": e.bytes,
                "total_bytes": e.total_bytes,
            }});
            // A client that went away stops reading; the import goes on to its end.
            let _ = self
                .lines
                .blocking_send(Bytes::from(line.to_string() + "\n"));
        }
    }
}

/// The phases by the names the protocol uses.
const PHASES: [(Phase, &str); 4] = [
    (Phase::Checking, "checking"),
    (Phase::CrossChecking, "cross-checking"),
    (Phase::Writing, "writing"),
    (Phase::Committing, "committing"),
];

fn phase_name(phase: Phase) -> &'static str {
    PHASES
        .iter()
        .find(|(p, _)| *p == phase)
        .map_or("checking", |(_, n)| n)
}

/// A phase from its name in the protocol.
pub(crate) fn phase_of(name: &str) -> Option<Phase> {
    PHASES.iter().find(|(_, n)| *n == name).map(|(p, _)| *p)
}

fn report_json(r: &ImportReport) -> Value {
    json!({
        "read": r.read,
        "written": r.written,
        "rejected": r.rejected,
        "history_applied": r.history_applied,
        "history_skipped": r.history_skipped,
        "seconds": r.seconds,
        "rows_per_sec": r.rows_per_sec,
    })
}

/// A report read back from its JSON.
pub(crate) fn report_from_json(v: &Value) -> Option<ImportReport> {
    let n = |k: &str| v.get(k).and_then(Value::as_u64);
    let f = |k: &str| v.get(k).and_then(Value::as_f64);
    Some(ImportReport {
        read: n("read")?,
        written: n("written")?,
        rejected: n("rejected")?,
        history_applied: n("history_applied")?,
        history_skipped: n("history_skipped")?,
        seconds: f("seconds")?,
        rows_per_sec: f("rows_per_sec")?,
    })
}

/// A progress event read back from its JSON.
pub(crate) fn event_from_json(v: &Value) -> Option<ProgressEvent> {
    Some(ProgressEvent {
        phase: phase_of(v.get("phase")?.as_str()?)?,
        rows: v.get("rows")?.as_u64()?,
        bytes: v.get("bytes")?.as_u64()?,
        total_bytes: v.get("total_bytes").and_then(Value::as_u64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phase_and_a_report_come_back_as_they_went() {
        for (phase, name) in PHASES {
            assert_eq!(phase_of(phase_name(phase)), Some(phase), "{name}");
            let e = ProgressEvent {
                phase,
                rows: 7,
                bytes: 70,
                total_bytes: Some(700),
            };
            let line = json!({ "phase": name, "rows": 7, "bytes": 70, "total_bytes": 700 });
            assert_eq!(event_from_json(&line), Some(e));
        }
        let report = ImportReport {
            read: 3,
            written: 2,
            rejected: 1,
            history_applied: 5,
            history_skipped: 0,
            seconds: 0.5,
            rows_per_sec: 6.0,
        };
        assert_eq!(report_from_json(&report_json(&report)), Some(report));
    }

    #[test]
    fn the_options_take_absolute_paths_only() {
        let ok = options(
            br#"{"path": "/data/people.csv", "encoding": "cp932", "skip_bad": "/data/bad.csv"}"#,
        )
        .ok()
        .unwrap();
        assert_eq!(ok.path, PathBuf::from("/data/people.csv"));
        assert_eq!(ok.encoding, Encoding::Cp932);
        assert_eq!(ok.skip_bad, Some(PathBuf::from("/data/bad.csv")));
        for bad in [
            &br#"{"path": "people.csv"}"#[..],
            br#"{"path": "/p.csv", "skip_bad": "bad.csv"}"#,
            br#"{"path": "/p.csv", "encoding": "ebcdic"}"#,
            br#"{"file": "/p.csv"}"#,
            b"not json",
        ] {
            let Err(answer) = options(bad) else {
                panic!("refused")
            };
            assert_eq!(answer.body()["error"]["code"], "INVALID_VALUE");
        }
    }
}
