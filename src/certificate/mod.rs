//! Certificates the counter hands out: 住民票の写し, 除票の写し and 住民票記載事項証明書.
//!
//! A [`Request`] says which certificate, whose, as of which day, with which parts and for
//! whom; `Session::issue` (in `auth`) checks it against the law's rules and the operator's
//! permissions, reads the persons, [`compose`]s the [`Document`] and renders it.

mod compose;
mod document;
mod request;

pub use compose::{compose, Issuer, Sheet};
pub use document::{Document, Field, Person};
pub use request::{Kind, Part, Persons, Request, Requester, MOVE_OUT_PARTS};
mod render_tmp;
pub use render_tmp::{to_pdf, to_text, RenderError};
