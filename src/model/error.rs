//! The one error type of the domain layer: a value that failed validation.

/// A value that could not be parsed or failed a domain rule.
///
/// `field` names what was being parsed in short English ("resident code", "date", …) and
/// `reason` says precisely what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
pub struct InvalidValue {
    /// What was being parsed, e.g. "resident code", "My Number", "date".
    pub field: &'static str,
    /// What is wrong with the value, e.g. "check digit is 9, expected 8".
    pub reason: String,
}

impl InvalidValue {
    /// Builds an error for `field` with the given reason.
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        InvalidValue {
            field,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_field_and_reason() {
        let e = InvalidValue::new("date", "2023-02-30 is not a date");
        assert_eq!(e.to_string(), "invalid date: 2023-02-30 is not a date");
    }
}
