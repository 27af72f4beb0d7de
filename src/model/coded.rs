//! Closed lists of the 住民票 (在留資格, 区分, 種別 …) as enums with a stable `u8` code and a
//! Japanese name each.
//!
//! Invariant: a value's code never changes once stored; a new value takes the next free code.
//! Names are compared after NFKC with every space removed ([`name_key`]).

use super::error::InvalidValue;

/// NFKC with every space (ASCII or ideographic) removed: the key names are compared by.
pub(super) fn name_key(input: &str) -> String {
    super::text::nfkc(input)
        .filter(|c| !matches!(c, ' ' | '\u{3000}'))
        .collect()
}

/// Defines a closed list as an enum with a stable `u8` code and a Japanese name each,
/// `ALL`, `code`, `from_code`, `name`, `Display` (the name) and `FromStr` (its `parse`).
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $ty:ident, $field:literal {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal, $name:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        pub enum $ty {
            $($(#[$vmeta])* $variant = $code,)+
        }

        impl $ty {
            const FIELD: &'static str = $field;

            /// Every value, in code order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant,)+];

            /// The stored code.
            pub fn code(self) -> u8 {
                self as u8
            }

            /// The value with a stored code.
            pub fn from_code(code: u8) -> Result<$ty, $crate::model::error::InvalidValue> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == code)
                    .ok_or_else(|| {
                        $crate::model::error::InvalidValue::new(
                            Self::FIELD,
                            format!(
                                "unknown code {code}, expected {}..={}",
                                Self::ALL[0].code(),
                                Self::ALL[Self::ALL.len() - 1].code()
                            ),
                        )
                    })
            }

            /// The Japanese name, as the 住民票 writes it.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }

            /// The value whose name is `key` (NFKC, without spaces).
            fn by_name(key: &str) -> Option<$ty> {
                Self::ALL.iter().copied().find(|v| v.name() == key)
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::model::error::InvalidValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::parse(s)
            }
        }
    };
}

pub(super) use coded_enum;

/// Parses a value of a coded enum by its name or, when `by_code`, by its code in digits.
pub(super) fn parse_coded<T: Copy>(
    input: &str,
    field: &'static str,
    by_name: impl Fn(&str) -> Option<T>,
    by_code: Option<&dyn Fn(u8) -> Result<T, InvalidValue>>,
    expected: &str,
) -> Result<T, InvalidValue> {
    let key = name_key(input);
    if key.is_empty() {
        return Err(InvalidValue::new(field, "empty"));
    }
    if let Some(value) = by_name(&key) {
        return Ok(value);
    }
    if let (Some(from_code), Ok(code)) = (by_code, key.parse::<u8>()) {
        return from_code(code);
    }
    Err(InvalidValue::new(
        field,
        format!("{key:?} is not {expected}"),
    ))
}
