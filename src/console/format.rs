//! Printing results: an aligned table (display width aware: a kanji takes two columns),
//! switching to one field a line when a row is too wide for the terminal (like psql's
//! expanded mode); JSON Lines and CSV for scripts.
//!
//! Every date cell ([`Cell::Date`]) is written as [`DateStyle`] says, in all three formats:
//! ISO `1980-04-01` by default, 和暦 `昭和55年4月1日` on request. Nothing else changes with it.

use juki::{Cell, Output, Rows};
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON object a line.
    Json,
    /// RFC 4180 CSV with a header row.
    Csv,
}

/// How dates are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DateStyle {
    /// ISO 8601: 1980-04-01 (the default).
    #[default]
    Iso,
    /// 和暦: 昭和55年4月1日, 元年 for year 1; a day two eras share is written with the new era.
    Era,
}

impl DateStyle {
    /// The name the option and `\dates` take.
    pub fn name(self) -> &'static str {
        match self {
            DateStyle::Iso => "iso",
            DateStyle::Era => "era",
        }
    }
}

/// The cell as text: dates as `dates` says, the rest as [`Cell::text`].
fn cell_text(cell: &Cell, dates: DateStyle) -> String {
    match (cell, dates) {
        (Cell::Date(d), DateStyle::Era) => d.to_era_string(),
        _ => cell.text(),
    }
}

/// The cell as a JSON value: numbers and yes/no as such, dates as strings.
fn json_value(cell: &Cell, dates: DateStyle) -> serde_json::Value {
    match cell {
        Cell::Text(s) => serde_json::Value::String(s.clone()),
        Cell::Int(n) => serde_json::Value::from(*n),
        Cell::Bool(b) => serde_json::Value::Bool(*b),
        Cell::Date(_) => serde_json::Value::String(cell_text(cell, dates)),
        Cell::Null => serde_json::Value::Null,
    }
}

/// Table options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableStyle {
    /// The terminal width; wider rows are shown one field a line.
    pub width: usize,
    /// Always one field a line.
    pub expanded: bool,
}

/// Prints one statement's result, its dates written as `dates` says.
pub fn print(
    out: &mut dyn Write,
    output: &Output,
    format: Format,
    style: TableStyle,
    dates: DateStyle,
) -> io::Result<()> {
    match (output, format) {
        (Output::Message(m), Format::Json) => {
            writeln!(out, "{}", serde_json::json!({ "message": m }))
        }
        (Output::Message(m), _) => writeln!(out, "{m}"),
        (Output::Rows(rows), Format::Table) => table(out, rows, style, dates),
        (Output::Rows(rows), Format::Json) => json(out, rows, dates),
        (Output::Rows(rows), Format::Csv) => csv_rows(out, rows, dates),
    }
}

fn json(out: &mut dyn Write, rows: &Rows, dates: DateStyle) -> io::Result<()> {
    for row in &rows.rows {
        let obj: serde_json::Map<String, serde_json::Value> = rows
            .columns
            .iter()
            .zip(row)
            .map(|(col, cell)| ((*col).to_string(), json_value(cell, dates)))
            .collect();
        writeln!(out, "{}", serde_json::Value::Object(obj))?;
    }
    Ok(())
}

fn csv_rows(out: &mut dyn Write, rows: &Rows, dates: DateStyle) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(&rows.columns)?;
    for row in &rows.rows {
        w.write_record(row.iter().map(|c| cell_text(c, dates)))?;
    }
    w.flush()
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(s.width()));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

fn table(out: &mut dyn Write, rows: &Rows, style: TableStyle, dates: DateStyle) -> io::Result<()> {
    let texts: Vec<Vec<String>> = rows
        .rows
        .iter()
        .map(|r| r.iter().map(|c| cell_text(c, dates)).collect())
        .collect();
    let mut widths: Vec<usize> = rows.columns.iter().map(|c| c.width()).collect();
    for r in &texts {
        for (w, t) in widths.iter_mut().zip(r) {
            *w = (*w).max(t.width());
        }
    }
    let total: usize = widths.iter().sum::<usize>() + 3 * widths.len().saturating_sub(1);
    if style.expanded || (total > style.width && !texts.is_empty()) {
        return vertical(out, rows, &texts);
    }
    let numeric: Vec<bool> = (0..rows.columns.len())
        .map(|i| !rows.rows.is_empty() && rows.rows.iter().all(|r| matches!(r[i], Cell::Int(_))))
        .collect();
    let line = |cells: Vec<String>| cells.join(" | ").trim_end().to_string();
    writeln!(
        out,
        "{}",
        line(
            rows.columns
                .iter()
                .zip(&widths)
                .map(|(c, w)| pad(c, *w, false))
                .collect()
        )
    )?;
    writeln!(
        out,
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-+-")
    )?;
    for r in &texts {
        writeln!(
            out,
            "{}",
            line(
                r.iter()
                    .enumerate()
                    .map(|(i, t)| pad(t, widths[i], numeric[i]))
                    .collect()
            )
        )?;
    }
    writeln!(
        out,
        "({} row{})",
        texts.len(),
        if texts.len() == 1 { "" } else { "s" }
    )
}

fn vertical(out: &mut dyn Write, rows: &Rows, texts: &[Vec<String>]) -> io::Result<()> {
    let label = rows.columns.iter().map(|c| c.width()).max().unwrap_or(0);
    for (i, r) in texts.iter().enumerate() {
        writeln!(
            out,
            "-[ RECORD {} ]{}",
            i + 1,
            "-".repeat(label.saturating_sub(4).max(8))
        )?;
        for (c, t) in rows.columns.iter().zip(r) {
            writeln!(out, "{} | {t}", pad(c, label, false))?;
        }
    }
    if texts.is_empty() {
        writeln!(out, "(0 rows)")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Output {
        Output::Rows(Rows {
            columns: vec!["name", "count"],
            rows: vec![
                vec![Cell::Text("山田 太郎".into()), Cell::Int(3)],
                vec![Cell::Text("Li".into()), Cell::Int(12)],
            ],
        })
    }

    fn render(o: &Output, f: Format, width: usize) -> String {
        render_dates(o, f, width, DateStyle::Iso)
    }

    fn render_dates(o: &Output, f: Format, width: usize, dates: DateStyle) -> String {
        let mut buf = Vec::new();
        let style = TableStyle {
            width,
            expanded: false,
        };
        print(&mut buf, o, f, style, dates).unwrap();
        String::from_utf8(buf).unwrap()
    }

    fn dated() -> Output {
        let date = |s: &str| Cell::Date(juki::Date::parse(s).unwrap());
        Output::Rows(Rows {
            columns: vec!["name", "birth_date"],
            rows: vec![
                vec![Cell::Text("山田 太郎".into()), date("1980-04-01")],
                vec![Cell::Text("山田 一郎".into()), date("1926-12-25")],
                vec![Cell::Text("1980-04-01".into()), Cell::Null],
            ],
        })
    }

    #[test]
    fn tables_align_by_display_width() {
        let t = render(&sample(), Format::Table, 80);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "name      | count");
        assert_eq!(lines[2], "山田 太郎 |     3");
        assert_eq!(lines[3], "Li        |    12");
        assert_eq!(lines[4], "(2 rows)");
    }

    #[test]
    fn too_wide_rows_are_shown_vertically() {
        let t = render(&sample(), Format::Table, 10);
        assert!(t.starts_with("-[ RECORD 1 ]"), "{t}");
        assert!(t.contains("name  | 山田 太郎"), "{t}");
    }

    #[test]
    fn json_lines_and_csv() {
        let j = render(&sample(), Format::Json, 80);
        assert_eq!(
            j.lines().next().unwrap(),
            r#"{"name":"山田 太郎","count":3}"#
        );
        let c = render(&sample(), Format::Csv, 80);
        assert_eq!(c, "name,count\n山田 太郎,3\nLi,12\n");
    }

    #[test]
    fn dates_are_iso_unless_era_is_asked_for() {
        let t = render(&dated(), Format::Table, 80);
        assert!(t.contains("山田 太郎  | 1980-04-01\n"), "{t}");
        let t = render_dates(&dated(), Format::Table, 80, DateStyle::Era);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "name       | birth_date");
        assert_eq!(lines[2], "山田 太郎  | 昭和55年4月1日");
        assert_eq!(lines[3], "山田 一郎  | 昭和元年12月25日");
        // Text that looks like a date is not a date cell: it stays as it is.
        assert_eq!(lines[4], "1980-04-01 |");
    }

    #[test]
    fn era_dates_in_json_and_csv() {
        let j = render_dates(&dated(), Format::Json, 80, DateStyle::Era);
        let lines: Vec<&str> = j.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"name":"山田 太郎","birth_date":"昭和55年4月1日"}"#
        );
        assert_eq!(lines[2], r#"{"name":"1980-04-01","birth_date":null}"#);
        let j = render(&dated(), Format::Json, 80);
        assert!(
            j.starts_with(r#"{"name":"山田 太郎","birth_date":"1980-04-01"}"#),
            "{j}"
        );
        let c = render_dates(&dated(), Format::Csv, 80, DateStyle::Era);
        assert_eq!(
            c,
            "name,birth_date\n山田 太郎,昭和55年4月1日\n山田 一郎,昭和元年12月25日\n1980-04-01,\n"
        );
    }
}
