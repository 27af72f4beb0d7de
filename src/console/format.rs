//! Printing results: an aligned table (display width aware: a kanji takes two columns),
//! switching to one field a line when a row is too wide for the terminal (like psql's
//! expanded mode); JSON Lines and CSV for scripts.

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

/// Table options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableStyle {
    /// The terminal width; wider rows are shown one field a line.
    pub width: usize,
    /// Always one field a line.
    pub expanded: bool,
}

/// Prints one statement's result.
pub fn print(
    out: &mut dyn Write,
    output: &Output,
    format: Format,
    style: TableStyle,
) -> io::Result<()> {
    match (output, format) {
        (Output::Message(m), Format::Json) => {
            writeln!(out, "{}", serde_json::json!({ "message": m }))
        }
        (Output::Message(m), _) => writeln!(out, "{m}"),
        (Output::Rows(rows), Format::Table) => table(out, rows, style),
        (Output::Rows(rows), Format::Json) => json(out, rows),
        (Output::Rows(rows), Format::Csv) => csv_rows(out, rows),
    }
}

fn json(out: &mut dyn Write, rows: &Rows) -> io::Result<()> {
    for row in &rows.rows {
        let mut obj = serde_json::Map::new();
        for (col, cell) in rows.columns.iter().zip(row) {
            let v = match cell {
                Cell::Text(s) => serde_json::Value::String(s.clone()),
                Cell::Int(n) => serde_json::Value::from(*n),
                Cell::Bool(b) => serde_json::Value::Bool(*b),
                Cell::Null => serde_json::Value::Null,
            };
            obj.insert((*col).to_string(), v);
        }
        writeln!(out, "{}", serde_json::Value::Object(obj))?;
    }
    Ok(())
}

fn csv_rows(out: &mut dyn Write, rows: &Rows) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(&rows.columns)?;
    for row in &rows.rows {
        w.write_record(row.iter().map(Cell::text))?;
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

fn table(out: &mut dyn Write, rows: &Rows, style: TableStyle) -> io::Result<()> {
    let texts: Vec<Vec<String>> = rows
        .rows
        .iter()
        .map(|r| r.iter().map(Cell::text).collect())
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
        let mut buf = Vec::new();
        print(
            &mut buf,
            o,
            f,
            TableStyle {
                width,
                expanded: false,
            },
        )
        .unwrap();
        String::from_utf8(buf).unwrap()
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
}
