//! The state of a resident record: 住民 (active) or 消除者 (removed).

use std::fmt;

use super::error::InvalidValue;

/// Whether a record is of a current resident or of one removed (moved out, died, or removed
/// ex officio). Removed records are kept, never deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum Status {
    /// 住民: a current resident.
    Active = 1,
    /// 消除者: moved out, died or removed ex officio.
    Removed = 2,
}

impl Status {
    /// The numeric code: 1 active, 2 removed.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The status with the given numeric code.
    pub fn from_code(code: u8) -> Result<Status, InvalidValue> {
        match code {
            1 => Ok(Status::Active),
            2 => Ok(Status::Removed),
            other => Err(InvalidValue::new(
                "status",
                format!("unknown code {other}, expected 1 or 2"),
            )),
        }
    }

    /// The English name: `active` or `removed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Removed => "removed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names() {
        for s in [Status::Active, Status::Removed] {
            assert_eq!(Status::from_code(s.code()), Ok(s));
        }
        assert_eq!(Status::Active.code(), 1);
        assert_eq!(Status::Removed.to_string(), "removed");
        assert_eq!(Status::Active.as_str(), "active");
        assert_eq!(Status::from_code(3).unwrap_err().field, "status");
    }
}
