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
