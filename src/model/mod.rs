//! Validated domain types.
//!
//! A value of one of these types is valid by construction: parsing normalises what people
//! type (full-width digits, separators, era dates, hiragana) and refuses what cannot be right
//! with an [`InvalidValue`] that names the field and the reason.

pub mod address;
pub mod change_fields;
mod coded;
pub mod date;
mod digits;
pub mod error;
pub mod foreign;
pub mod household;
pub mod identifiers;
pub mod insurance;
pub mod item;
pub mod kana;
pub mod name;
pub mod partial_date;
pub mod place;
pub mod postal;
pub mod reason;
pub mod sex;
mod split_key;
pub mod status;
pub(crate) mod text;
mod variants;

pub use address::{address_key, address_key_matches, Address};
pub use change_fields::{ChangeField, FieldRule, FIELD_RULES, HOUSEHOLD_MOVE};
pub use date::Date;
pub use error::InvalidValue;
pub use foreign::{
    CardKind, ForeignCategory, LatinName, Nationality, ResidenceCardNumber, ResidenceStatus,
    StayPeriod,
};
pub use household::{HouseholdId, Relationship, Restatement};
pub use identifiers::{MyNumber, ResidentCode, RevealedMyNumber};
pub use insurance::{
    BasicPensionNumber, CareInsuredNumber, InsuredNumber8, NhiRetiredKind, PensionCategory,
};
pub use item::{other_names, Item, ItemChanges, ItemGroup, ItemRule, Items, ITEMS};
pub use kana::{is_kana_text, Kana, KanaKey};
pub use name::{Name, NameKey, NAME_KEY_VERSION};
pub use partial_date::{codes_overlap, PartialDate, UNKNOWN_CODE};
pub use place::{
    address_condition, AddressCondition, AddressParts, AreaKind, BlockNumbers, ConditionError,
    DictionaryError, Elsewhere, Inside, LocalGovCode, Municipality, Outside, PlaceBook, PlaceError,
    Placement, Prefecture, Town, TownDictionary, Ward,
};
pub use postal::PostalCode;
pub use reason::Reason;
pub use sex::Sex;
pub use status::Status;
