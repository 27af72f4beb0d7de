//! The certificate as a PDF: A4 portrait, IPAex明朝 embedded as a subset.
//!
//! Rendering runs in phases, each finished before the next starts:
//! 1. check: every character of the document has a glyph in the font (else
//!    [`RenderError::MissingGlyph`]) and every row has 1 to 3 cells;
//! 2. layout: each table (the header, each person) and the closing are wrapped into lines,
//!    measured with the font's advances, and given their heights;
//! 3. pagination: persons are placed page by page, a person that does not fit going whole to
//!    the next page, then the closing after the last person (or on a page of its own);
//! 4. drawing: only now, with the page count known for "1/N", is anything written.
//!
//! Coordinates are PDF points from the page's top-left corner, y growing downwards (as
//! krilla takes them); a text's y is its baseline. Glyphs are placed by this module, one a
//! character with the font's advance, so what is measured is exactly what is drawn, and each
//! glyph maps back to its character (the ToUnicode map krilla writes), so the text extracts.

use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::SerializeSettings;
use skrifa::instance::{LocationRef, Size};
use skrifa::MetadataProvider;

use super::document::{Document, Field};
use super::RenderError;

/// IPAex明朝 (IPA Font License v1.0, beside the file): the certificates' only font.
const FONT_DATA: &[u8] = include_bytes!("../../assets/fonts/ipaexm.ttf");

// The page: A4 portrait, in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 50.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
const RIGHT: f32 = PAGE_W - MARGIN_X;

// What every page has above and below the body.
const SERIAL_BASELINE: f32 = 40.0;
const SERIAL_SIZE: f32 = 9.0;
const TITLE_BASELINE: f32 = 80.0;
const TITLE_SIZE: f32 = 18.0;
const HEADER_TOP: f32 = 102.0;
const BODY_BOTTOM: f32 = PAGE_H - 62.0;
const PAGE_NUMBER_BASELINE: f32 = PAGE_H - 36.0;
const PAGE_NUMBER_SIZE: f32 = 9.0;

// Tables.
const LABEL_SIZE: f32 = 9.0;
const VALUE_SIZE: f32 = 10.0;
const LINE: f32 = 14.0;
const PAD_X: f32 = 4.0;
const PAD_Y: f32 = 3.0;
/// The label part of every cell: 7 characters of a label a line, the same in every row so
/// that the first column lines up.
const LABEL_W: f32 = 76.0;
const RULE_W: f32 = 0.5;
const FRAME_W: f32 = 1.0;
const LABEL_SHADE: u8 = 232;
/// Space between two tables, and between the last table and the closing.
const BLOCK_GAP: f32 = 10.0;

// The closing on the last page.
const NOTE_SIZE: f32 = 10.0;
const CLOSING_SIZE: f32 = 11.0;
const CLOSING_LINE: f32 = 17.0;
const ISSUER_SIZE: f32 = 12.0;
const SEAL: f32 = 56.0;
const SEAL_GAP: f32 = 14.0;
const DATE_INDENT: f32 = 22.0;

/// Characters a line may not begin with (行頭禁則): they are taken down together with the
/// character before them.
const NO_LINE_START: &str =
    "、。，．,.）)」』】〕］｝!?！？ー々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ";

/// Characters a line may not end with (行末禁則): they are taken down to the next line.
const NO_LINE_END: &str = "（(「『【〔［｛";

/// The certificate as the bytes of a PDF file (A4 portrait, IPAex明朝 embedded as a
/// subset). The same document always gives the same bytes.
pub fn to_pdf(doc: &Document) -> Result<Vec<u8>, RenderError> {
    let face = Face::load()?;
    check(doc, &face)?;
    let header = layout_table(&face, &header_rows(doc), "header")?;
    let persons = doc
        .persons
        .iter()
        .enumerate()
        .map(|(i, p)| layout_table(&face, &p.rows, &format!("person {}", i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    let closing = layout_closing(&face, doc);
    let plan = paginate(&header, &persons, &closing)?;
    draw(doc, &face, &header, &persons, &closing, &plan)
}

// ---------------------------------------------------------------------------------------
// The font.

/// The font as the layout reads it (skrifa) and as krilla embeds it.
struct Face {
    font: skrifa::FontRef<'static>,
    embedded: Font,
    units_per_em: f32,
    /// Ascender and descender in ems (positive both).
    ascent: f32,
    descent: f32,
}

impl Face {
    fn load() -> Result<Face, RenderError> {
        let unreadable = || RenderError::Pdf {
            reason: "the embedded font could not be read".to_string(),
        };
        let font = skrifa::FontRef::new(FONT_DATA).map_err(|_| unreadable())?;
        let embedded = Font::new(FONT_DATA.into(), 0).ok_or_else(unreadable)?;
        let metrics = font.metrics(Size::unscaled(), LocationRef::default());
        let units_per_em = f32::from(metrics.units_per_em);
        Ok(Face {
            font,
            embedded,
            units_per_em,
            ascent: metrics.ascent / units_per_em,
            descent: -metrics.descent / units_per_em,
        })
    }

    /// The glyph for a character, if the font has one.
    fn glyph(&self, c: char) -> Option<skrifa::GlyphId> {
        self.font
            .charmap()
            .map(c)
            .filter(|g| *g != skrifa::GlyphId::NOTDEF)
    }

    /// A character's advance in ems (0 for one without a glyph, which `check` has refused).
    fn advance(&self, c: char) -> f32 {
        let metrics = self
            .font
            .glyph_metrics(Size::unscaled(), LocationRef::default());
        self.glyph(c)
            .and_then(|g| metrics.advance_width(g))
            .map_or(0.0, |a| a / self.units_per_em)
    }

    /// The width of a line of text at a size, in points.
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }

    /// The baseline of a line of text at `size` centred in a line box of height `line`
    /// whose top is `top`.
    fn baseline(&self, top: f32, line: f32, size: f32) -> f32 {
        top + (line - (self.ascent + self.descent) * size) / 2.0 + self.ascent * size
    }

    /// A text broken into lines no wider than `width`: at each '\n', and between any two
    /// characters elsewhere, keeping 、。) … off the start of a line and ( 「 … off its end. A character wider than
    /// `width` on its own still gets a line.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line: Vec<char> = Vec::new();
            let mut line_w = 0.0;
            for c in paragraph.chars() {
                let w = self.advance(c) * size;
                if line_w + w > width && !line.is_empty() {
                    // Take the last character down with one that may not start a line,
                    // or when it may not end one.
                    let carried = match line.last() {
                        Some(&last)
                            if line.len() > 1
                                && (NO_LINE_START.contains(c) || NO_LINE_END.contains(last)) =>
                        {
                            line.pop()
                        }
                        _ => None,
                    };
                    lines.push(line.iter().collect());
                    line = carried.into_iter().collect();
                    line_w = line.iter().map(|&c| self.advance(c) * size).sum();
                }
                line.push(c);
                line_w += w;
            }
            lines.push(line.into_iter().collect());
        }
        lines
    }
}

// ---------------------------------------------------------------------------------------
// Phase 1: the checks.

/// Refuses a document with a character the font cannot draw, or a row of 0 or 4+ cells.
fn check(doc: &Document, face: &Face) -> Result<(), RenderError> {
    for (field, text) in doc.texts() {
        if let Some(character) = text.chars().find(|&c| c != '\n' && face.glyph(c).is_none()) {
            return Err(RenderError::MissingGlyph {
                field: field.to_string(),
                character,
            });
        }
    }
    for (i, person) in doc.persons.iter().enumerate() {
        for (r, row) in person.rows.iter().enumerate() {
            if row.is_empty() || row.len() > 3 {
                return Err(RenderError::BadRow {
                    part: format!("person {}", i + 1),
                    row: r + 1,
                    cells: row.len(),
                });
            }
        }
    }
    Ok(())
}

/// The header's fields, one row each.
fn header_rows(doc: &Document) -> Vec<Vec<Field>> {
    doc.header.iter().map(|f| vec![f.clone()]).collect()
}

// ---------------------------------------------------------------------------------------
// Phase 2: layout.

/// One cell of a table, placed within its row at `x`: a shaded label part (`LABEL_W`) then
/// the value part.
struct Cell {
    x: f32,
    label: Vec<String>,
    value: Vec<String>,
}

/// One row of a table: its cells share the content width equally.
struct Row {
    height: f32,
    cells: Vec<Cell>,
}

/// A ruled table (the header, or one person), never split across pages.
struct Table {
    rows: Vec<Row>,
}

impl Table {
    fn height(&self) -> f32 {
        self.rows.iter().map(|r| r.height).sum()
    }
}

fn layout_table(face: &Face, rows: &[Vec<Field>], part: &str) -> Result<Table, RenderError> {
    let rows: Vec<Row> = rows.iter().map(|fields| layout_row(face, fields)).collect();
    let table = Table { rows };
    if table.height() > BODY_BOTTOM - HEADER_TOP {
        return Err(RenderError::TooTall {
            part: part.to_string(),
        });
    }
    Ok(table)
}

/// A row's cells: equal widths, each a label part of `LABEL_W` and the rest for the value.
fn layout_row(face: &Face, fields: &[Field]) -> Row {
    let width = CONTENT_W / fields.len().max(1) as f32;
    let cells: Vec<Cell> = fields
        .iter()
        .enumerate()
        .map(|(i, field)| Cell {
            x: MARGIN_X + width * i as f32,
            label: face.wrap(&field.label, LABEL_SIZE, LABEL_W - 2.0 * PAD_X),
            value: face.wrap(&field.value, VALUE_SIZE, width - LABEL_W - 2.0 * PAD_X),
        })
        .collect();
    let lines = cells
        .iter()
        .map(|c| c.label.len().max(c.value.len()))
        .max()
        .unwrap_or(1);
    Row {
        height: lines as f32 * LINE + 2.0 * PAD_Y,
        cells,
    }
}

/// The last page's closing, wrapped: notes, 認証文, the date of issue and the issuer.
struct Closing {
    notes: Vec<String>,
    attestation: Vec<String>,
    issued_on: Vec<String>,
    issuer: Vec<String>,
}

impl Closing {
    fn notes_height(&self) -> f32 {
        self.notes.len() as f32 * LINE
    }

    fn issuer_height(&self) -> f32 {
        (self.issuer.len() as f32 * CLOSING_LINE).max(SEAL)
    }

    /// From the top of the notes to the bottom of the seal box.
    fn height(&self) -> f32 {
        self.notes_height()
            + BLOCK_GAP
            + (self.attestation.len() + self.issued_on.len()) as f32 * CLOSING_LINE
            + BLOCK_GAP
            + self.issuer_height()
    }
}

fn layout_closing(face: &Face, doc: &Document) -> Closing {
    let notes = doc
        .footer_notes
        .iter()
        .flat_map(|n| face.wrap(n, NOTE_SIZE, CONTENT_W))
        .collect();
    let issuer_w = CONTENT_W - SEAL - SEAL_GAP;
    Closing {
        notes,
        attestation: face.wrap(&doc.attestation, CLOSING_SIZE, CONTENT_W),
        issued_on: face.wrap(&doc.issued_on, CLOSING_SIZE, CONTENT_W - DATE_INDENT),
        issuer: face.wrap(&doc.issuer, ISSUER_SIZE, issuer_w),
    }
}

// ---------------------------------------------------------------------------------------
// Phase 3: pagination.

/// What one page holds: a run of persons (by index), and on the last page the closing.
struct PagePlan {
    persons: std::ops::Range<usize>,
    closing: bool,
}

/// Persons page by page, each whole; the closing after the last of them, on the same page
/// if it fits, else alone on one more page. Every page repeats the header.
fn paginate(
    header: &Table,
    persons: &[Table],
    closing: &Closing,
) -> Result<Vec<PagePlan>, RenderError> {
    let body_top = body_top(header);
    let room = BODY_BOTTOM - body_top;
    if closing.height() > room {
        return Err(RenderError::TooTall {
            part: "closing".to_string(),
        });
    }
    let mut pages = Vec::new();
    let (mut start, mut y) = (0, body_top);
    for (i, person) in persons.iter().enumerate() {
        let h = person.height();
        if h > room {
            return Err(RenderError::TooTall {
                part: format!("person {}", i + 1),
            });
        }
        if y + h > BODY_BOTTOM {
            pages.push(PagePlan {
                persons: start..i,
                closing: false,
            });
            (start, y) = (i, body_top);
        }
        y += h + BLOCK_GAP;
    }
    if y + closing.height() > BODY_BOTTOM {
        pages.push(PagePlan {
            persons: start..persons.len(),
            closing: false,
        });
        start = persons.len();
    }
    pages.push(PagePlan {
        persons: start..persons.len(),
        closing: true,
    });
    Ok(pages)
}

/// Where the persons start on every page: below the header (and a gap) if there is one.
fn body_top(header: &Table) -> f32 {
    if header.rows.is_empty() {
        HEADER_TOP
    } else {
        HEADER_TOP + header.height() + BLOCK_GAP
    }
}

// ---------------------------------------------------------------------------------------
// Phase 4: drawing.

fn draw(
    doc: &Document,
    face: &Face,
    header: &Table,
    persons: &[Table],
    closing: &Closing,
    plan: &[PagePlan],
) -> Result<Vec<u8>, RenderError> {
    // Content streams compressed; no XMP packet and no creation date, so the bytes depend
    // on the document alone (krilla derives the file ID from the content).
    let settings = SerializeSettings {
        xmp_metadata: false,
        ..SerializeSettings::default()
    };
    let mut pdf = krilla::Document::new_with(settings);
    pdf.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .language("ja".to_string()),
    );
    let page_settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| RenderError::Pdf {
        reason: "invalid page size".to_string(),
    })?;
    for (n, page_plan) in plan.iter().enumerate() {
        let mut page = pdf.start_page_with(page_settings.clone());
        let mut surface = page.surface();
        let page_number = format!("{}/{}", n + 1, plan.len());
        draw_frame(&mut surface, face, doc, &page_number);
        if !header.rows.is_empty() {
            draw_table(&mut surface, face, header, HEADER_TOP);
        }
        let mut y = body_top(header);
        for person in &persons[page_plan.persons.clone()] {
            draw_table(&mut surface, face, person, y);
            y += person.height() + BLOCK_GAP;
        }
        if page_plan.closing {
            draw_closing(&mut surface, face, closing, y);
        }
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| RenderError::Pdf {
        reason: writer_error(&e),
    })
}

/// krilla's error, by kind only (its font variant would print the font, never a value, but
/// the kind is all a reader needs).
fn writer_error(e: &krilla::error::KrillaError) -> String {
    use krilla::error::KrillaError as E;
    match e {
        E::Font(..) => "the font could not be embedded",
        E::Validation(..) => "the document failed validation",
        E::Limit(..) => "a limit of the PDF format was exceeded",
        _ => "the writer failed",
    }
    .to_string()
}

/// What every page has: serial number top-right, title centred, page number at the foot.
fn draw_frame(surface: &mut Surface, face: &Face, doc: &Document, page_number: &str) {
    let serial_x = RIGHT - face.width(&doc.serial, SERIAL_SIZE);
    draw_line(
        surface,
        face,
        &doc.serial,
        serial_x,
        SERIAL_BASELINE,
        SERIAL_SIZE,
    );
    let title_lines = face.wrap(&doc.title, TITLE_SIZE, CONTENT_W);
    for (i, line) in title_lines.iter().enumerate() {
        let x = MARGIN_X + (CONTENT_W - face.width(line, TITLE_SIZE)) / 2.0;
        let baseline = TITLE_BASELINE - (title_lines.len() - 1 - i) as f32 * TITLE_SIZE * 1.2;
        draw_line(surface, face, line, x, baseline, TITLE_SIZE);
    }
    let x = (PAGE_W - face.width(page_number, PAGE_NUMBER_SIZE)) / 2.0;
    draw_line(
        surface,
        face,
        page_number,
        x,
        PAGE_NUMBER_BASELINE,
        PAGE_NUMBER_SIZE,
    );
}

/// A table with its top at `top`: shaded label cells, thin rules between rows and cells,
/// a heavier frame around the whole, then the text (labels and values each centred
/// vertically in their row).
fn draw_table(surface: &mut Surface, face: &Face, table: &Table, top: f32) {
    let mut shades = PathBuilder::new();
    let mut rules = PathBuilder::new();
    let mut y = top;
    for (r, row) in table.rows.iter().enumerate() {
        if r > 0 {
            rules.move_to(MARGIN_X, y);
            rules.line_to(RIGHT, y);
        }
        for (c, cell) in row.cells.iter().enumerate() {
            push_rect(&mut shades, cell.x, y, LABEL_W, row.height);
            if c > 0 {
                rules.move_to(cell.x, y);
                rules.line_to(cell.x, y + row.height);
            }
            rules.move_to(cell.x + LABEL_W, y);
            rules.line_to(cell.x + LABEL_W, y + row.height);
        }
        y += row.height;
    }
    fill_path(surface, shades, LABEL_SHADE);
    stroke_path(surface, rules, RULE_W);
    let mut frame = PathBuilder::new();
    push_rect(&mut frame, MARGIN_X, top, CONTENT_W, table.height());
    stroke_path(surface, frame, FRAME_W);

    let mut y = top;
    for row in &table.rows {
        for cell in &row.cells {
            draw_cell_text(surface, face, cell, y, row.height);
        }
        y += row.height;
    }
}

fn draw_cell_text(surface: &mut Surface, face: &Face, cell: &Cell, top: f32, height: f32) {
    let label_top = top + (height - cell.label.len() as f32 * LINE) / 2.0;
    for (i, line) in cell.label.iter().enumerate() {
        let baseline = face.baseline(label_top + i as f32 * LINE, LINE, LABEL_SIZE);
        draw_line(surface, face, line, cell.x + PAD_X, baseline, LABEL_SIZE);
    }
    let value_x = cell.x + LABEL_W + PAD_X;
    let value_top = top + (height - cell.value.len() as f32 * LINE) / 2.0;
    for (i, line) in cell.value.iter().enumerate() {
        let baseline = face.baseline(value_top + i as f32 * LINE, LINE, VALUE_SIZE);
        draw_line(surface, face, line, value_x, baseline, VALUE_SIZE);
    }
}

/// The closing from `top`: the notes, the 認証文, the date of issue (indented), then the
/// issuer right-aligned against the seal box at the right margin.
fn draw_closing(surface: &mut Surface, face: &Face, closing: &Closing, top: f32) {
    let mut y = top;
    for note in &closing.notes {
        let baseline = face.baseline(y, LINE, NOTE_SIZE);
        draw_line(surface, face, note, MARGIN_X, baseline, NOTE_SIZE);
        y += LINE;
    }
    y += BLOCK_GAP;
    for line in &closing.attestation {
        let baseline = face.baseline(y, CLOSING_LINE, CLOSING_SIZE);
        draw_line(surface, face, line, MARGIN_X, baseline, CLOSING_SIZE);
        y += CLOSING_LINE;
    }
    for line in &closing.issued_on {
        let baseline = face.baseline(y, CLOSING_LINE, CLOSING_SIZE);
        draw_line(
            surface,
            face,
            line,
            MARGIN_X + DATE_INDENT,
            baseline,
            CLOSING_SIZE,
        );
        y += CLOSING_LINE;
    }
    y += BLOCK_GAP;
    draw_issuer(surface, face, closing, y);
}

/// The issuer's lines, right-aligned and centred vertically beside the seal box (印).
fn draw_issuer(surface: &mut Surface, face: &Face, closing: &Closing, top: f32) {
    let height = closing.issuer_height();
    let seal_x = RIGHT - SEAL;
    let seal_y = top + (height - SEAL) / 2.0;
    let mut seal = PathBuilder::new();
    push_rect(&mut seal, seal_x, seal_y, SEAL, SEAL);
    stroke_path(surface, seal, RULE_W);
    let mark_x = seal_x + (SEAL - face.width("印", LABEL_SIZE)) / 2.0;
    let mark_baseline = face.baseline(seal_y, SEAL, LABEL_SIZE);
    draw_line(surface, face, "印", mark_x, mark_baseline, LABEL_SIZE);

    let lines_top = top + (height - closing.issuer.len() as f32 * CLOSING_LINE) / 2.0;
    for (i, line) in closing.issuer.iter().enumerate() {
        let x = seal_x - SEAL_GAP - face.width(line, ISSUER_SIZE);
        let baseline = face.baseline(
            lines_top + i as f32 * CLOSING_LINE,
            CLOSING_LINE,
            ISSUER_SIZE,
        );
        draw_line(surface, face, line, x, baseline, ISSUER_SIZE);
    }
}

/// One line of text, its baseline at `baseline`: one glyph a character, each mapped back
/// to its character for extraction.
fn draw_line(surface: &mut Surface, face: &Face, text: &str, x: f32, baseline: f32, size: f32) {
    if text.is_empty() {
        return;
    }
    let glyphs: Vec<KrillaGlyph> = text
        .char_indices()
        .map(|(at, c)| {
            let id = face.glyph(c).map_or(0, |g| g.to_u32());
            let range = at..at + c.len_utf8();
            KrillaGlyph::new(
                GlyphId::new(id),
                face.advance(c),
                0.0,
                0.0,
                0.0,
                range,
                None,
            )
        })
        .collect();
    surface.set_fill(Some(Fill::default()));
    surface.set_stroke(None);
    surface.draw_glyphs(
        Point::from_xy(x, baseline),
        &glyphs,
        face.embedded.clone(),
        text,
        size,
        false,
    );
}

fn push_rect(path: &mut PathBuilder, x: f32, y: f32, w: f32, h: f32) {
    if let Some(rect) = Rect::from_xywh(x, y, w, h) {
        path.push_rect(rect);
    }
}

fn fill_path(surface: &mut Surface, path: PathBuilder, lightness: u8) {
    if let Some(path) = path.finish() {
        surface.set_stroke(None);
        surface.set_fill(Some(Fill {
            paint: luma::Color::new(lightness).into(),
            ..Fill::default()
        }));
        surface.draw_path(&path);
    }
}

fn stroke_path(surface: &mut Surface, path: PathBuilder, width: f32) {
    if let Some(path) = path.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            width,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_renderers_own_characters_have_glyphs() {
        let face = Face::load().unwrap();
        for c in "印0123456789/".chars() {
            assert!(face.glyph(c).is_some(), "{c}");
        }
        assert!(face.glyph('\u{E000}').is_none());
        assert!(face.glyph('\t').is_none());
    }

    #[test]
    fn wrapping_keeps_to_the_width_and_the_kinsoku_rules() {
        let face = Face::load().unwrap();
        // Full-width characters are 1 em: ten of them at 10 pt fill 100 pt.
        let lines = face.wrap("あいうえおかきくけこさしすせそ", 10.0, 100.0);
        assert_eq!(lines, ["あいうえおかきくけこ", "さしすせそ"]);
        // 。 may not start a line: こ goes down with it.
        let lines = face.wrap("あいうえおかきくけこ。さ", 10.0, 100.0);
        assert_eq!(lines, ["あいうえおかきくけ", "こ。さ"]);
        // （ may not end a line: it goes down.
        let lines = face.wrap("あいうえおかきくけ（こ）", 10.0, 100.0);
        assert_eq!(lines, ["あいうえおかきくけ", "（こ）"]);
        assert_eq!(face.wrap("一\n二", 10.0, 100.0), ["一", "二"]);
        for line in face.wrap(&"住民基本台帳".repeat(20), 10.0, 137.0) {
            assert!(face.width(&line, 10.0) <= 137.0, "{line}");
        }
    }

    #[test]
    fn a_person_that_does_not_fit_goes_whole_to_the_next_page() {
        let face = Face::load().unwrap();
        let header = layout_table(&face, &[], "header").unwrap();
        let person = || {
            let rows = vec![vec![Field::new("備考", "一行\n二行\n三行")]; 3];
            layout_table(&face, &rows, "person").unwrap()
        };
        let height = person().height();
        let room = BODY_BOTTOM - body_top(&header);
        let per_page = ((room + BLOCK_GAP) / (height + BLOCK_GAP)) as usize;
        assert!(per_page >= 2, "{per_page}");
        let persons: Vec<Table> = (0..per_page + 1).map(|_| person()).collect();
        let closing = layout_closing(
            &face,
            &Document {
                title: String::new(),
                serial: String::new(),
                header: vec![],
                persons: vec![],
                footer_notes: vec![],
                attestation: "証明する。".to_string(),
                issued_on: "令和8年12月7日".to_string(),
                issuer: "市長".to_string(),
            },
        );
        let plan = paginate(&header, &persons, &closing).unwrap();
        assert!(plan.len() >= 2);
        assert_eq!(plan[0].persons, 0..per_page);
        assert_eq!(plan[1].persons.start, per_page);
        assert!(plan.last().unwrap().closing);
        assert!(plan[..plan.len() - 1].iter().all(|p| !p.closing));
    }
}
