use super::Document;
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("x")]
    MissingGlyph { field: String, character: char },
}
pub fn to_text(d: &Document) -> String {
    format!("{d:?}")
}
pub fn to_pdf(d: &Document) -> Result<Vec<u8>, RenderError> {
    Ok(format!("{d:?}").into_bytes())
}
