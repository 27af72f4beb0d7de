//! What travels between `juki serve` and its clients: JSON bodies over HTTP/1.1
//! (docs/serve.md is the contract).
//!
//! Invariants:
//! * Every [`Output`] survives the trip unchanged: [`output_from_json`] of [`output_json`]
//!   is the output itself (a unit test holds every kind of cell to it). A cell's JSON is
//!   text → string, whole number → number, yes/no → boolean, no value → null, and a calendar
//!   date → `{"date": "1980-04-01"}`, so that a date is never mistaken for text that looks
//!   like one and each client can write it as it likes (和暦 or ISO).
//! * Nothing here writes a password into a response, and a refusal carries only what a
//!   local console would print: the redacted message and the caret line.

use std::collections::HashSet;
use std::sync::Mutex;

use serde_json::{json, Map, Value};

use crate::model::Date;
use crate::query::{Cell, Output, Ran, Refusal, Rows, Step};
use crate::ErrorCode;

/// The JSON of one output: `{"columns": […], "rows": [[…], …]}` or `{"message": "…"}`.
pub(crate) fn output_json(output: &Output) -> Value {
    match output {
        Output::Message(m) => json!({ "message": m }),
        Output::Rows(rows) => json!({
            "columns": rows.columns,
            "rows": rows
                .rows
                .iter()
                .map(|r| Value::Array(r.iter().map(cell_json).collect()))
                .collect::<Vec<_>>(),
        }),
    }
}

fn cell_json(cell: &Cell) -> Value {
    match cell {
        Cell::Text(s) => Value::String(s.clone()),
        Cell::Int(n) => json!(n),
        Cell::Bool(b) => Value::Bool(*b),
        Cell::Date(d) => json!({ "date": d.to_string() }),
        Cell::Null => Value::Null,
    }
}

/// An output read back from its JSON; what is wrong with it otherwise.
pub(crate) fn output_from_json(value: &Value) -> Result<Output, String> {
    let object = value.as_object().ok_or("an output is not an object")?;
    if let Some(m) = object.get("message") {
        let m = m.as_str().ok_or("a message is not text")?;
        return Ok(Output::Message(m.to_string()));
    }
    let columns = object
        .get("columns")
        .and_then(Value::as_array)
        .ok_or("an output has neither message nor columns")?
        .iter()
        .map(|c| {
            c.as_str()
                .map(column_name)
                .ok_or("a column name is not text")
        })
        .collect::<Result<Vec<_>, _>>()?;
    let rows = object
        .get("rows")
        .and_then(Value::as_array)
        .ok_or("an output's rows are missing")?
        .iter()
        .map(|row| {
            let cells = row.as_array().ok_or("a row is not an array")?;
            if cells.len() != columns.len() {
                return Err(format!(
                    "a row has {} cells under {} columns",
                    cells.len(),
                    columns.len()
                ));
            }
            cells.iter().map(cell_from_json).collect()
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Output::Rows(Rows { columns, rows }))
}

fn cell_from_json(value: &Value) -> Result<Cell, String> {
    Ok(match value {
        Value::String(s) => Cell::Text(s.clone()),
        Value::Bool(b) => Cell::Bool(*b),
        Value::Null => Cell::Null,
        Value::Number(n) => Cell::Int(n.as_i64().ok_or("a number is not a whole number")?),
        Value::Object(o) => {
            let text = o
                .get("date")
                .and_then(Value::as_str)
                .ok_or("an object cell is not a date")?;
            Cell::Date(Date::parse(text).map_err(|e| format!("a date cell: {e}"))?)
        }
        Value::Array(_) => return Err("a cell is an array".into()),
    })
}

/// The most column names a client keeps: more than every result of the language has, so
/// that a server sending endless new names cannot grow a client without bound.
const MAX_COLUMN_NAMES: usize = 4096;

/// A column name as the `&'static str` [`Rows::columns`] holds: the library's result
/// columns are constants, so a client keeps each name it is sent once, for its lifetime.
fn column_name(name: &str) -> &'static str {
    static NAMES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    let names = names.get_or_insert_with(HashSet::new);
    if let Some(known) = names.get(name) {
        return known;
    }
    if names.len() >= MAX_COLUMN_NAMES {
        return "column";
    }
    let kept: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(kept);
    kept
}

impl Refusal {
    pub(crate) fn json(&self) -> Value {
        json!({ "code": self.code.as_str(), "message": self.message, "detail": self.detail })
    }

    pub(crate) fn from_json(value: &Value) -> Result<Refusal, String> {
        let text = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or(format!("an error without {key}"))
        };
        let code = text("code")?;
        Ok(Refusal {
            code: ErrorCode::parse(&code).ok_or(format!("an unknown error code {code}"))?,
            message: text("message")?,
            detail: value
                .get("detail")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        })
    }
}

/// The JSON of one step of a run.
pub(crate) fn step_json(step: &Step) -> Value {
    json!({
        "output": output_json(&step.output),
        "restricted": step.restricted.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        "ms": step.elapsed.as_secs_f64() * 1e3,
    })
}

/// The JSON of a run: its steps' JSON, the refusal that stopped it, whether the session
/// is locked.
pub(crate) fn ran_json(steps: Vec<Value>, refused: Option<&Refusal>, locked: bool) -> Value {
    json!({
        "results": steps,
        "error": refused.map(Refusal::json),
        "locked": locked,
    })
}

/// The HTTP status for a code: the request was wrong (400), the operator is not signed in
/// (401) or not allowed (403), nothing matches (404), the register refused the change (409),
/// the server failed (500).
pub(crate) fn status_of(code: ErrorCode) -> u16 {
    match code {
        ErrorCode::AuthFailed => 401,
        ErrorCode::PermissionDenied => 403,
        ErrorCode::NotFound => 404,
        ErrorCode::Conflict | ErrorCode::IllegalChange => 409,
        ErrorCode::Io | ErrorCode::Corrupt => 500,
        _ => 400,
    }
}

impl Ran {
    pub(crate) fn json(&self) -> Value {
        let steps: Vec<Value> = self.steps.iter().map(step_json).collect();
        ran_json(steps, self.refused.as_ref(), self.locked)
    }

    pub(crate) fn from_json(value: &Value) -> Result<Ran, String> {
        let results = value
            .get("results")
            .and_then(Value::as_array)
            .ok_or("a response without results")?;
        let steps = results
            .iter()
            .map(step_from_json)
            .collect::<Result<Vec<_>, String>>()?;
        let refused = match value.get("error") {
            None | Some(Value::Null) => None,
            Some(e) => Some(Refusal::from_json(e)?),
        };
        Ok(Ran {
            steps,
            refused,
            locked: value
                .get("locked")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }
}

fn step_from_json(value: &Value) -> Result<Step, String> {
    let output = output_from_json(value.get("output").ok_or("a result without output")?)?;
    let restricted = value
        .get("restricted")
        .and_then(Value::as_array)
        .map(|codes| {
            codes
                .iter()
                .map(|c| {
                    c.as_str()
                        .and_then(|c| crate::ResidentCode::parse(c).ok())
                        .ok_or("a restricted code is not a resident code".to_string())
                })
                .collect::<Result<Vec<_>, String>>()
        })
        .transpose()?
        .unwrap_or_default();
    let ms = value.get("ms").and_then(Value::as_f64).unwrap_or(0.0);
    Ok(Step {
        output,
        restricted,
        // A time that is no time (negative, endless, not a number) reads as none.
        elapsed: std::time::Duration::try_from_secs_f64(ms / 1e3).unwrap_or_default(),
    })
}

/// A JSON object's text field, or what is missing.
pub(crate) fn text_field<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    object
        .get(key)
        .and_then(Value::as_str)
        .ok_or(format!("the body has no text field \"{key}\""))
}

/// Arbitrary bytes through every reader of the protocol, as a fuzz target gives them: a
/// query string of the feed, and as JSON an output, a run's answer, a refusal, a sign-in's
/// body. None may panic, and what reads as an output or a run reads back the same after it
/// is written again.
#[cfg(feature = "testing")]
pub fn read_anything(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = super::follow::Ask::parse(Some(text));
    }
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if let Ok(output) = output_from_json(&value) {
        let again = output_from_json(&output_json(&output));
        assert_eq!(
            again.as_ref(),
            Ok(&output),
            "an output written back reads the same"
        );
    }
    if let Ok(ran) = Ran::from_json(&value) {
        let again = Ran::from_json(&ran.json()).expect("a run written back reads again");
        let outputs = |r: &Ran| r.steps.iter().map(|s| s.output.clone()).collect::<Vec<_>>();
        assert_eq!(outputs(&again), outputs(&ran));
        assert_eq!(again.refused, ran.refused);
    }
    let _ = Refusal::from_json(&value);
    if let Value::Object(body) = &value {
        let _ = text_field(body, "operator");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_cell_comes_back_as_it_went() {
        let output = Output::Rows(Rows {
            columns: vec!["resident_code", "version", "active", "birth_date", "note"],
            rows: vec![
                vec![
                    Cell::Text("24727059608".into()),
                    Cell::Int(-3),
                    Cell::Bool(true),
                    Cell::Date(Date::from_ymd(1980, 4, 1).unwrap()),
                    Cell::Null,
                ],
                vec![
                    Cell::Text("1980-04-01".into()),
                    Cell::Int(i64::MAX),
                    Cell::Bool(false),
                    Cell::Text("1980-04".into()),
                    Cell::Text(String::new()),
                ],
            ],
        });
        let back = output_from_json(&output_json(&output)).unwrap();
        assert_eq!(back, output);
        let message = Output::Message("転居 recorded".into());
        assert_eq!(output_from_json(&output_json(&message)).unwrap(), message);
    }

    #[test]
    fn a_malformed_output_is_named() {
        let short = json!({"columns": ["a", "b"], "rows": [[1]]});
        assert_eq!(
            output_from_json(&short).unwrap_err(),
            "a row has 1 cells under 2 columns"
        );
        let bad_date = json!({"columns": ["d"], "rows": [[{"date": "1980-13-01"}]]});
        assert!(output_from_json(&bad_date)
            .unwrap_err()
            .starts_with("a date cell"));
        assert!(output_from_json(&json!([1])).is_err());
        assert!(output_from_json(&json!({"columns": ["a"], "rows": [[1.5]]})).is_err());
    }

    #[test]
    fn a_time_that_is_no_time_reads_as_none() {
        for ms in [json!(-5.0), json!(1e300), json!("soon")] {
            let step = json!({"output": {"message": "m"}, "ms": ms});
            let step = step_from_json(&step).unwrap();
            assert_eq!(step.elapsed, std::time::Duration::ZERO);
        }
    }

    #[cfg(feature = "testing")]
    #[test]
    fn the_fuzz_targets_reader_takes_what_it_is_given() {
        read_anything(br#"{"results": [{"output": {"message": "m"}, "ms": 1e308}]}"#);
        read_anything(br#"{"columns": ["d"], "rows": [[{"date": "2024-02-29"}, 1]]}"#);
        read_anything(b"since=1&items=x&follow=maybe");
        read_anything(&[0xff, 0xfe, b'{']);
    }

    #[test]
    fn a_run_and_its_refusal_come_back_as_they_went() {
        let ran = Ran {
            steps: vec![Step {
                output: Output::Message("ok".into()),
                restricted: vec![crate::ResidentCode::parse("24727059608").unwrap()],
                elapsed: std::time::Duration::from_micros(1500),
            }],
            refused: Some(Refusal {
                code: ErrorCode::SearchMinimum,
                message: "a search needs two".into(),
                detail: "FIND name=ア\n     ^".into(),
            }),
            locked: true,
        };
        let back = Ran::from_json(&ran.json()).unwrap();
        assert_eq!(back.steps[0].output, ran.steps[0].output);
        assert_eq!(back.steps[0].restricted, ran.steps[0].restricted);
        assert_eq!(back.refused, ran.refused);
        assert!(back.locked);
        assert_eq!(status_of(ran.refused.as_ref().unwrap().code), 400);
    }
}
