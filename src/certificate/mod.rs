//! Certificates the counter hands out: 住民票の写し, 除票の写し, 住民票記載事項証明書 and
//! 転出証明書.
//!
//! A [`Request`] says which certificate, whose, as of which day, with which parts and for
//! whom; `Session::issue` checks it against the law's rules and the operator's permissions,
//! reads the persons and [`compose`]s the [`Document`]: every printed string in its final
//! form. Two renderers place it: [`to_pdf`] (A4 portrait, IPAex明朝 embedded as a subset) and
//! [`to_text`] (the console); [`Document::to_json`] gives it as data.
//!
//! Invariants of the PDF renderer:
//! * Nothing is left out or replaced: a character the font cannot draw is refused with
//!   [`RenderError::MissingGlyph`] before anything is drawn, never printed as tofu.
//! * A person's block is never split across pages; the serial number, the title, the header
//!   and "page/pages" are on every page; the closing (notes, 認証文, date, issuer and the
//!   seal box) is on the last page, after the last person.
//! * The output depends on the document alone: the same document gives the same bytes (no
//!   creation date, no system font, an ID derived from the content).
//! * An error names where the problem is (a label, "title" …) and never carries a value,
//!   which could be a My Number.

mod compose;
mod document;
mod pdf;
mod request;
mod text;

pub use compose::{compose, Issuer, Sheet};
pub use document::{Document, Field, Person};
pub use pdf::to_pdf;
pub use request::{Kind, Part, Persons, Request, Requester, MOVE_OUT_PARTS};
pub use text::to_text;

/// Why a certificate could not be rendered. No variant carries a printed value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The certificate's font has no glyph for a character of the document.
    #[error("the certificate's font has no glyph for U+{code:04X} in {field}", code = u32::from(*character))]
    MissingGlyph {
        /// Where the character is: the field's label, or "title", "serial", "footer note",
        /// "attestation", "issued on", "issuer".
        field: String,
        /// The character.
        character: char,
    },
    /// A row of a table has no cell or more than three.
    #[error("{part}, row {row}, has {cells} cells; a row holds 1 to 3")]
    BadRow {
        /// "header" or "person N" (counted from 1).
        part: String,
        /// The row, counted from 1.
        row: usize,
        /// How many cells it has.
        cells: usize,
    },
    /// A part that may not be split is taller than the space a page has for it.
    #[error("{part} is taller than a page")]
    TooTall {
        /// "header", "person N" (counted from 1) or "closing" (notes, 認証文, issuer).
        part: String,
    },
    /// The PDF writer failed.
    #[error("the PDF could not be written: {reason}")]
    Pdf {
        /// What failed, in the writer's words (never a value of the document).
        reason: String,
    },
}
