//! [`Document`]: a certificate ready to print, every string in its final form.

/// A certificate ready to print: every string already in its final form (dates in 和暦 …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// "住民票の写し", "除票の写し", "住民票記載事項証明書".
    pub title: String,
    /// "第 000123 号": printed on every page.
    pub serial: String,
    /// Above the persons: 住所, 世帯主 … (one row each).
    pub header: Vec<Field>,
    /// In 記載順位 order, one framed block each.
    pub persons: Vec<Person>,
    /// After the last person ("以下余白" …).
    pub footer_notes: Vec<String>,
    /// 認証文.
    pub attestation: String,
    /// The date of issue, "令和8年12月7日".
    pub issued_on: String,
    /// "兵庫県芦屋市長　山田　一郎".
    pub issuer: String,
}

/// One person's block: rows of one to three cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Each inner `Vec` is one table row.
    pub rows: Vec<Vec<Field>>,
}

/// A labelled value; the value may hold `'\n'` for two lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The item's name on the certificate.
    pub label: String,
    /// Its value.
    pub value: String,
}

impl Field {
    /// A field.
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Field {
        Field {
            label: label.into(),
            value: value.into(),
        }
    }
}
