//! The renderer-neutral certificate: what is printed, not how.
//!
//! A [`Document`] holds every string in its final printed form (dates already in 和暦, the
//! serial number already formatted): the renderers only place it, they neither look anything
//! up nor format a value. The persons stay in the order given (記載順位).

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
    /// E.g. "以下余白", "個人番号は省略" (after the last person).
    pub footer_notes: Vec<String>,
    /// 認証文: "この写しは、住民票の原本と相違ないことを証明する。"
    pub attestation: String,
    /// The date of issue, "令和8年12月7日".
    pub issued_on: String,
    /// "兵庫県芦屋市長　山田　一郎".
    pub issuer: String,
}

/// One person's block: its rows in printed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Each inner Vec is one table row of 1–3 cells, sharing the row's width.
    pub rows: Vec<Vec<Field>>,
}

/// One labelled cell: 氏名 / 山田　太郎.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// What the cell is: 氏名, 生年月日 …
    pub label: String,
    /// What it says; may hold '\n' for a second line.
    pub value: String,
}

impl Field {
    /// A cell with its label and value.
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Field {
        Field {
            label: label.into(),
            value: value.into(),
        }
    }
}

impl Person {
    /// A person's block from its rows.
    pub fn new(rows: Vec<Vec<Field>>) -> Person {
        Person { rows }
    }
}

impl Document {
    /// Every string of the document with the name an error gives for where it is: the
    /// label for a field's label and value, else "title", "serial", "footer note",
    /// "attestation", "issued on" or "issuer". In printed order.
    pub(crate) fn texts(&self) -> Vec<(&str, &str)> {
        let mut out = vec![
            ("title", self.title.as_str()),
            ("serial", self.serial.as_str()),
        ];
        let fields = self
            .header
            .iter()
            .chain(self.persons.iter().flat_map(|p| p.rows.iter().flatten()));
        for field in fields {
            out.push((field.label.as_str(), field.label.as_str()));
            out.push((field.label.as_str(), field.value.as_str()));
        }
        out.extend(
            self.footer_notes
                .iter()
                .map(|n| ("footer note", n.as_str())),
        );
        out.push(("attestation", self.attestation.as_str()));
        out.push(("issued on", self.issued_on.as_str()));
        out.push(("issuer", self.issuer.as_str()));
        out
    }
}
