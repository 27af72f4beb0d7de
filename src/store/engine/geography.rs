//! Where a 異動's addresses lie, against the register's place book (`PlaceBook`): the
//! address a resident lives at is inside the municipality, in a 町字 of the dictionary in
//! force on the 異動日; a 転入 comes from outside (or from an unknown place), a 転出 goes
//! outside, a 転居 moves to another address inside. A register without a municipality
//! places nothing (DESIGN.md, "The municipality and its address dictionary").
//!
//! Rules: [`Rule::Geography`] for an address on the wrong side of the boundary,
//! [`Rule::AddressDictionary`] for an address inside that the dictionary cannot place;
//! a 転居 to the same place written differently is [`Rule::NoChange`].

use super::change::Change;
use super::record::StoredRecord;
use crate::model::{
    Address, AddressParts, Date, Elsewhere, PlaceBook, PlaceError, Placement, Reason,
};
use crate::store::{Result, Rule, StoreError};

/// Checks the addresses `change` carries; `before` is the resident's current version.
/// Gives the parts of the address the resident is to live at, when the change writes one.
pub(crate) fn check(
    book: &PlaceBook,
    change: &Change,
    before: Option<&StoredRecord>,
) -> Result<Option<AddressParts>> {
    let reason = change.reason;
    let f = &change.fields;
    let parts = match &f.address {
        Some(address) => Some(check_home(book, change.date, reason, address, before)?),
        None => None,
    };
    match reason {
        Reason::MoveIn => {
            if let Some(from) = &f.previous_address {
                check_away(book, change.date, reason, "転入前住所 (from)", from)?;
            }
        }
        Reason::MoveOut | Reason::MoveOutConfirm => {
            if let Some(to) = &f.destination {
                check_away(book, change.date, reason, "転出先 (to)", to)?;
            }
        }
        _ => {}
    }
    Ok(parts)
}

/// The address a resident lives at: inside, placed by the dictionary in force on `date`;
/// gives its parts.
fn check_home(
    book: &PlaceBook,
    date: Date,
    reason: Reason,
    address: &Address,
    before: Option<&StoredRecord>,
) -> Result<AddressParts> {
    let own = book.municipality();
    let Some((first_day, dictionary)) = book.dated(date) else {
        return Err(StoreError::illegal(
            Rule::AddressDictionary,
            format!("{reason}: no address dictionary of {own} is loaded (LOAD TOWNS)"),
        ));
    };
    let placed = dictionary.place(address).map_err(|e| {
        StoreError::illegal(
            Rule::AddressDictionary,
            format!("{reason}: address {}: {}", shown(address), why(address, &e)),
        )
    })?;
    let inside = match placed {
        Placement::Inside(inside) => inside,
        Placement::Outside(o) => {
            let what = if reason == Reason::Move {
                format!(
                    "a 転居 stays inside {own}; a move to {} is a 転出",
                    o.municipality
                )
            } else {
                format!(
                    "a resident's address lies in {own}, and {} does not",
                    o.municipality
                )
            };
            return Err(StoreError::illegal(
                Rule::Geography,
                format!("{reason}: {what} ({})", shown(address)),
            ));
        }
    };
    if reason == Reason::Move {
        let old = before.map(|b| Address::from_trusted(b.address.clone()));
        let same = old.is_some_and(|old| match dictionary.place(&old) {
            Ok(Placement::Inside(was)) => was == inside,
            _ => false,
        });
        if same {
            return Err(StoreError::illegal(
                Rule::NoChange,
                format!(
                    "転居 to {}: that is the address already recorded, written differently",
                    shown(address)
                ),
            ));
        }
    }
    Ok(AddressParts::of(&inside, first_day))
}

/// An address out of the municipality: in another municipality of Japan or abroad.
fn check_away(
    book: &PlaceBook,
    date: Date,
    reason: Reason,
    item: &str,
    address: &Address,
) -> Result<()> {
    let own = book.municipality();
    let Some(placed) = book.elsewhere(date, address) else {
        return Ok(());
    };
    match placed {
        Ok(Elsewhere::Municipality(_) | Elsewhere::Abroad) => Ok(()),
        Ok(Elsewhere::Inside(_)) => {
            let what = if reason == Reason::MoveIn {
                format!("a 転入 comes from outside {own}; a move from inside is a 転居")
            } else {
                format!("a 転出 leaves {own}; a move inside is a 転居")
            };
            Err(StoreError::illegal(
                Rule::Geography,
                format!("{reason}: {item} {}: {what}", shown(address)),
            ))
        }
        Err(e) => Err(StoreError::illegal(
            Rule::AddressDictionary,
            format!("{reason}: {item} {}: {}", shown(address), why(address, &e)),
        )),
    }
}

/// How an address appears in a refusal: as written, unless it holds twelve or more digits,
/// which could be a My Number typed in the wrong place.
pub(crate) fn shown(address: &Address) -> String {
    if holds_twelve_digits(address) {
        "(an address of twelve or more digits)".to_string()
    } else {
        address.written().to_string()
    }
}

/// Why an address is not placed, without quoting it when it holds twelve or more digits.
pub(crate) fn why(address: &Address, e: &PlaceError) -> String {
    if holds_twelve_digits(address) {
        "it cannot be placed".to_string()
    } else {
        e.to_string()
    }
}

fn holds_twelve_digits(address: &Address) -> bool {
    address
        .written()
        .chars()
        .filter(|c| c.is_ascii_digit() || ('０'..='９').contains(c))
        .count()
        >= 12
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ResidentCode, TownDictionary};
    use crate::store::Fields;

    fn book() -> PlaceBook {
        let ashiya = TownDictionary::ashiya();
        let mut book = PlaceBook::new(ashiya.municipality().clone());
        book.add(PlaceBook::first_day(), ashiya).unwrap();
        book
    }

    fn address(written: &str) -> Option<Address> {
        Some(Address::parse(written).unwrap())
    }

    /// What `check` says of a change of `reason` with `fields` for a resident with no
    /// version yet.
    fn checked(reason: Reason, fields: Fields) -> Result<Option<AddressParts>> {
        let code = ResidentCode::from_serial(4_210_000);
        let date = Date::parse("2024-04-01").unwrap();
        check(&book(), &Change::new(reason, code, date).with(fields), None)
    }

    fn refusal(reason: Reason, fields: Fields) -> (Rule, String) {
        let e = checked(reason, fields).unwrap_err();
        (e.rule().expect("a refused change"), e.to_string())
    }

    #[test]
    fn a_move_out_of_the_city_is_refused_as_a_move_out() {
        let (rule, text) = refusal(
            Reason::Move,
            Fields {
                address: address("大阪府大阪市北区梅田1丁目1番"),
                ..Fields::default()
            },
        );
        assert_eq!(rule, Rule::Geography);
        assert!(
            text.contains("a 転居 stays inside 兵庫県芦屋市; a move to 大阪府大阪市 is a 転出"),
            "{text}"
        );
    }

    #[test]
    fn a_home_out_of_the_city_is_refused_as_not_the_citys() {
        let (rule, text) = refusal(
            Reason::MoveIn,
            Fields {
                address: address("大阪府大阪市北区梅田1丁目1番"),
                ..Fields::default()
            },
        );
        assert_eq!(rule, Rule::Geography);
        assert!(
            text.contains("a resident's address lies in 兵庫県芦屋市, and 大阪府大阪市 does not"),
            "{text}"
        );
        assert!(!text.contains("転居 stays inside"), "{text}");
    }

    #[test]
    fn a_move_in_from_inside_the_city_is_refused_as_a_move() {
        let (rule, text) = refusal(
            Reason::MoveIn,
            Fields {
                address: address("芦屋市精道町7番6号"),
                previous_address: address("芦屋市打出小槌町1番1号"),
                ..Fields::default()
            },
        );
        assert_eq!(rule, Rule::Geography);
        assert!(text.contains("(from) 芦屋市打出小槌町1番1号:"), "{text}");
        assert!(
            text.contains("a 転入 comes from outside 兵庫県芦屋市; a move from inside is a 転居"),
            "{text}"
        );
    }

    #[test]
    fn a_move_out_to_inside_the_city_is_refused_as_a_move() {
        let (rule, text) = refusal(
            Reason::MoveOut,
            Fields {
                destination: address("芦屋市打出小槌町1番1号"),
                ..Fields::default()
            },
        );
        assert_eq!(rule, Rule::Geography);
        assert!(text.contains("(to) 芦屋市打出小槌町1番1号:"), "{text}");
        assert!(
            text.contains("a 転出 leaves 兵庫県芦屋市; a move inside is a 転居"),
            "{text}"
        );
    }

    #[test]
    fn an_unplaced_address_is_quoted_with_the_reason() {
        let (rule, text) = refusal(
            Reason::Move,
            Fields {
                address: address("芦屋市虹ケ丘町3-3"),
                ..Fields::default()
            },
        );
        assert_eq!(rule, Rule::AddressDictionary);
        assert!(text.contains("address 芦屋市虹ケ丘町3-3:"), "{text}");
        assert!(text.contains("虹ケ丘町 is not a 町字 of"), "{text}");
    }

    #[test]
    fn an_address_of_twelve_digits_is_not_quoted_in_a_refusal() {
        let (rule, text) = refusal(
            Reason::Move,
            Fields {
                address: address("芦屋市虹ケ丘町123456789012"),
                ..Fields::default()
            },
        );
        assert_eq!(rule, Rule::AddressDictionary);
        assert!(!text.contains("123456789012"), "{text}");
        assert!(!text.contains("虹ケ丘町"), "{text}");
        assert!(
            text.contains("(an address of twelve or more digits): it cannot be placed"),
            "{text}"
        );
    }

    #[test]
    fn twelve_digits_in_any_width_hide_an_address_and_eleven_do_not() {
        let e = PlaceError::NoTown {
            municipality: "芦屋市".into(),
        };
        // Stored addresses are trusted as written, so full-width digits count as digits.
        for written in ["芦屋市1234567-89012", "芦屋市１２３４５６７８９０１２"] {
            let a = Address::from_trusted(written.into());
            assert_eq!(shown(&a), "(an address of twelve or more digits)");
            assert_eq!(why(&a, &e), "it cannot be placed");
        }
        let a = Address::from_trusted("芦屋市1234567-8901".into());
        assert_eq!(shown(&a), "芦屋市1234567-8901");
        assert_eq!(why(&a, &e), "no 町字 after 芦屋市");
    }
}
