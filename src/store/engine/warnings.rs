//! Facts that are possible but implausible: recorded, not refused (a 子 may be older than a
//! 世帯主 who is not their parent's generation; a birth date may be mistyped and corrected
//! later), shown to the operator with the receipt of the 異動, written into its operation-log
//! entry, and reported by CHECK for the register as it stands.
//!
//! * [`Warning::AgeOver120`]: an active resident more than 120 years old on the date looked at
//!   (the 異動日, or today for CHECK);
//! * [`Warning::OlderThanHead`]: a 子 (any 続柄 beginning with 子) born before the household's
//!   世帯主;
//! * [`Warning::PostalOfAnotherTown`]: a postal code that is not one of the 町字's in the
//!   address dictionary (only where the register has one).

use std::fmt;

use super::record::StoredRecord;
use crate::model::{Address, Date, PartialDate, PlaceBook, Placement, ResidentCode, Status};

/// The oldest age juki takes without a word.
pub const MAX_PLAUSIBLE_AGE: u32 = 120;

/// An implausible fact about one resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// Older than [`MAX_PLAUSIBLE_AGE`] on the date.
    AgeOver120 {
        /// The resident.
        code: ResidentCode,
        /// The age in years.
        age: u32,
    },
    /// A 子 born before the 世帯主.
    OlderThanHead {
        /// The resident.
        code: ResidentCode,
        /// The resident's birth date.
        birth: Date,
        /// The 世帯主's.
        head_birth: Date,
    },
    /// A postal code that is not one of the 町字's.
    PostalOfAnotherTown {
        /// The resident.
        code: ResidentCode,
        /// The postal code recorded (seven digits).
        postal: u32,
        /// The 町字.
        town: String,
    },
}

impl Warning {
    /// The stable name of the warning.
    pub fn name(&self) -> &'static str {
        match self {
            Warning::AgeOver120 { .. } => "age-over-120",
            Warning::OlderThanHead { .. } => "older-than-head",
            Warning::PostalOfAnotherTown { .. } => "postal-of-another-town",
        }
    }

    /// The resident it is about.
    pub fn code(&self) -> ResidentCode {
        match self {
            Warning::AgeOver120 { code, .. }
            | Warning::OlderThanHead { code, .. }
            | Warning::PostalOfAnotherTown { code, .. } => *code,
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::AgeOver120 { code, age } => {
                write!(f, "{code}: {age} years old ({})", self.name())
            }
            Warning::OlderThanHead {
                code,
                birth,
                head_birth,
            } => write!(
                f,
                "{code}: a 子 born {birth}, before the 世帯主 ({head_birth}) ({})",
                self.name()
            ),
            Warning::PostalOfAnotherTown { code, postal, town } => write!(
                f,
                "{code}: postal code {:03}-{:04} is not one of {town}'s ({})",
                postal / 10_000,
                postal % 10_000,
                self.name()
            ),
        }
    }
}

/// The warnings about `rec` on `on`; `head_birth` gives the birth date (`yyyymmdd`) of its
/// household's 世帯主 when asked (only for a 子).
pub(crate) fn of<E>(
    rec: &StoredRecord,
    on: Date,
    place: Option<&PlaceBook>,
    head_birth: impl FnOnce() -> Result<Option<u32>, E>,
) -> Result<Vec<Warning>, E> {
    let mut out = Vec::new();
    if rec.status != Status::Active.code() {
        return Ok(out);
    }
    let Ok(code) = ResidentCode::from_u64(rec.code) else {
        return Ok(out);
    };
    // A birth date known in part is weighed by its latest possible day (the youngest the
    // resident can be); the order against the 世帯主 only when both are known whole.
    let partial = PartialDate::from_code(rec.birth).ok();
    if let Some(youngest) = partial.and_then(PartialDate::last_day) {
        let age = youngest.age_on(on);
        if age > MAX_PLAUSIBLE_AGE {
            out.push(Warning::AgeOver120 { code, age });
        }
    }
    let birth = partial.and_then(PartialDate::exact);
    if rec.relationship.starts_with('子') {
        let head = head_birth()?.and_then(|d| Date::from_yyyymmdd(d).ok());
        if let (Some(birth), Some(head_birth)) = (birth, head) {
            if birth < head_birth {
                out.push(Warning::OlderThanHead {
                    code,
                    birth,
                    head_birth,
                });
            }
        }
    }
    if let Some(dictionary) = place.and_then(|p| p.at(on)) {
        // The 町字 the stored parts name, when this dictionary still has it; otherwise the
        // written address placed again.
        let stored = rec.parts().ok().flatten();
        let town = match stored.as_ref() {
            Some(parts) => dictionary.get(parts.ward.as_deref(), &parts.town),
            None => None,
        };
        let town = match town {
            Some(town) => Some(town),
            None => match dictionary.place(&Address::from_trusted(rec.address.clone())) {
                Ok(Placement::Inside(inside)) => Some(inside.town),
                _ => None,
            },
        };
        if let Some(town) = town {
            let codes = town.postal_codes();
            if !codes.is_empty() && !codes.iter().any(|p| p.get() == rec.postal) {
                out.push(Warning::PostalOfAnotherTown {
                    code,
                    postal: rec.postal,
                    town: town.name().to_string(),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TownDictionary;
    use crate::store::engine::record::tests::sample;
    use std::convert::Infallible;

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn ashiya() -> PlaceBook {
        let dictionary = TownDictionary::ashiya();
        let mut book = PlaceBook::new(dictionary.municipality().clone());
        book.add(PlaceBook::first_day(), dictionary).unwrap();
        book
    }

    /// A 世帯主 born 1980-04-01 at 芦屋市精道町7番6号 with 精道町's postal code.
    fn resident() -> StoredRecord {
        StoredRecord {
            code: code().get(),
            postal: 6590064,
            ..sample()
        }
    }

    fn code() -> ResidentCode {
        ResidentCode::from_serial(4_210_000)
    }

    /// The warnings about `rec` on `on` with no place book, its 世帯主 born on `head`.
    fn warnings(rec: &StoredRecord, on: &str, head: Option<u32>) -> Vec<Warning> {
        of(rec, date(on), None, || Ok::<_, Infallible>(head)).unwrap()
    }

    #[test]
    fn a_resident_is_warned_of_past_120_years_of_age_and_not_at_120() {
        let rec = resident();
        assert_eq!(warnings(&rec, "2100-03-31", None), vec![]);
        assert_eq!(warnings(&rec, "2100-04-01", None), vec![]);
        assert_eq!(
            warnings(&rec, "2101-04-01", None),
            vec![Warning::AgeOver120 {
                code: code(),
                age: 121
            }]
        );
    }

    #[test]
    fn a_removed_resident_is_not_warned_of() {
        let rec = StoredRecord {
            status: Status::Removed.code(),
            ..resident()
        };
        assert_eq!(warnings(&rec, "2101-04-01", None), vec![]);
    }

    #[test]
    fn a_child_born_before_the_head_is_warned_of_and_one_born_on_the_same_day_is_not() {
        let child = StoredRecord {
            relationship: "子".into(),
            ..resident()
        };
        let on = "2024-04-01";
        assert_eq!(warnings(&child, on, Some(19800401)), vec![]);
        assert_eq!(warnings(&child, on, Some(19800331)), vec![]);
        assert_eq!(
            warnings(&child, on, Some(19800402)),
            vec![Warning::OlderThanHead {
                code: code(),
                birth: date("1980-04-01"),
                head_birth: date("1980-04-02"),
            }]
        );
        // Only a 子 is weighed against the 世帯主.
        assert_eq!(warnings(&resident(), on, Some(19800402)), vec![]);
    }

    #[test]
    fn a_postal_code_of_another_town_is_warned_of() {
        let book = ashiya();
        let on = date("2024-04-01");
        let head = || Ok::<_, Infallible>(None);
        assert_eq!(of(&resident(), on, Some(&book), head).unwrap(), vec![]);
        let other = StoredRecord {
            postal: 6598501,
            ..resident()
        };
        assert_eq!(
            of(&other, on, Some(&book), head).unwrap(),
            vec![Warning::PostalOfAnotherTown {
                code: code(),
                postal: 6598501,
                town: "精道町".into(),
            }]
        );
        // Without an address dictionary nothing is known of postal codes.
        assert_eq!(of(&other, on, None, head).unwrap(), vec![]);
    }

    #[test]
    fn a_warning_names_its_resident_and_itself() {
        let warnings = [
            Warning::AgeOver120 {
                code: code(),
                age: 121,
            },
            Warning::OlderThanHead {
                code: code(),
                birth: date("1980-04-01"),
                head_birth: date("1980-04-02"),
            },
            Warning::PostalOfAnotherTown {
                code: code(),
                postal: 6598501,
                town: "精道町".into(),
            },
        ];
        let shown: Vec<(String, &str, ResidentCode)> = warnings
            .iter()
            .map(|w| (w.to_string(), w.name(), w.code()))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    format!("{}: 121 years old (age-over-120)", code()),
                    "age-over-120",
                    code()
                ),
                (
                    format!(
                        "{}: a 子 born 1980-04-01, before the 世帯主 (1980-04-02) (older-than-head)",
                        code()
                    ),
                    "older-than-head",
                    code()
                ),
                (
                    format!(
                        "{}: postal code 659-8501 is not one of 精道町's (postal-of-another-town)",
                        code()
                    ),
                    "postal-of-another-town",
                    code()
                ),
            ]
        );
    }
}
