//! The certificate as plain text for the console.
//!
//! One cell a line: the labels padded (by display width, as a terminal shows East Asian
//! wide characters) to one column, so that every value starts at the same column; a value's
//! further lines (its own '\n', or wrapped at `WIDTH` columns) start there too. Persons are
//! numbered in their order.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::document::{Document, Field};

/// Spaces between the label column and the values.
const GAP: usize = 2;
/// The columns of the text: the title is centred in them, the serial number right-aligned
/// to them, and values wrap within them (a label wider than a third of them still fits).
const WIDTH: usize = 72;
/// Values always get at least this many columns, however wide the labels.
const MIN_VALUE_WIDTH: usize = 24;

/// The same certificate for the console: title, serial, header, each person with labels and
/// values, notes, 認証文, date of issue and issuer.
pub fn to_text(doc: &Document) -> String {
    let label_width = doc
        .header
        .iter()
        .chain(doc.persons.iter().flat_map(|p| p.rows.iter().flatten()))
        .map(|f| f.label.width())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    let title_pad = WIDTH.saturating_sub(doc.title.width()) / 2;
    out.push_str(&format!("{}{}\n", " ".repeat(title_pad), doc.title));
    let serial_pad = WIDTH.saturating_sub(doc.serial.width());
    out.push_str(&format!("{}{}\n\n", " ".repeat(serial_pad), doc.serial));
    out.push_str(&render_body(doc, label_width));
    out
}

/// Everything below the title and the serial number.
fn render_body(doc: &Document, label_width: usize) -> String {
    let mut out = String::new();
    for field in &doc.header {
        push_field(&mut out, field, label_width);
    }
    for (i, person) in doc.persons.iter().enumerate() {
        let rule = format!("-- {} ", i + 1);
        let fill = WIDTH.saturating_sub(rule.width());
        out.push_str(&format!("\n{rule}{}\n", "-".repeat(fill)));
        for field in person.rows.iter().flatten() {
            push_field(&mut out, field, label_width);
        }
    }
    out.push('\n');
    for note in &doc.footer_notes {
        out.push_str(&format!("{note}\n"));
    }
    out.push_str(&format!("\n{}\n\n", doc.attestation));
    out.push_str(&format!("{}\n", doc.issued_on));
    out.push_str(&format!("{}　印\n", doc.issuer));
    out
}

/// One field: its label padded to the label column, then its value; a value's further
/// lines start at the value column.
fn push_field(out: &mut String, field: &Field, label_width: usize) {
    let value_width = WIDTH.saturating_sub(label_width + GAP).max(MIN_VALUE_WIDTH);
    let indent = " ".repeat(label_width + GAP);
    let pad = " ".repeat(label_width - field.label.width() + GAP);
    let lines = field
        .value
        .split('\n')
        .flat_map(|line| wrap(line, value_width));
    for (i, line) in lines.enumerate() {
        let lead = if i == 0 {
            format!("{}{pad}", field.label)
        } else {
            indent.clone()
        };
        out.push_str(format!("{lead}{line}").trim_end());
        out.push('\n');
    }
}

/// A line cut into pieces of at most `width` columns (at least one character each).
fn wrap(line: &str, width: usize) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut used = 0;
    for c in line.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width && used > 0 {
            pieces.push(String::new());
            used = 0;
        }
        if let Some(piece) = pieces.last_mut() {
            piece.push(c);
        }
        used += w;
    }
    pieces
}
