//! The register's place: its municipality (市区町村) with its 全国地方公共団体コード, the
//! municipality's address dictionary (住所辞書) of 町字, and placing a written address inside
//! the municipality, in another one, or nowhere.
//!
//! * [`LocalGovCode`]: five digits and a check digit that verifies; the first two are the
//!   [`Prefecture`].
//! * [`Municipality`]: code, prefecture and name agree with each other and with the list of
//!   Japan's municipalities (data/municipalities.csv, 総務省's codes) when it holds the code;
//!   the wards of a 政令指定都市 each have their own code.
//! * [`TownDictionary`]: every 町字 of one municipality from CSV (docs/address-dictionary.md),
//!   no two the same after folding ケ/ヶ/が and ノ/の/之; data/ashiya-towns.csv is
//!   芦屋市's, from Japan Post's postal code data.
//! * [`TownDictionary::place`]: a [`Placement`] (inside with the 町字, [`BlockNumbers`] and
//!   方書, or outside with the municipality) or a [`PlaceError`] naming what is wrong; the
//!   rules are those of the `placing` module.
//!
//! * [`address_condition`]: an address as a 4情報 search condition, read in the
//!   municipality (a 町字 without the city's name is the city's) and refused when it names
//!   only a prefecture or a municipality.
//!
//! * [`AddressParts`]: a placed address in the parts a version stores beside the written
//!   form (町字, 丁目・番地・号, 方書, area codes).
//!
//! Everything here is pure: values and lookups, no storage.

mod book;
pub(crate) mod code;
mod condition;
mod dictionary;
mod municipality;
mod numbers;
mod parts;
mod placing;

pub use book::{Elsewhere, PlaceBook};
pub use code::{LocalGovCode, Prefecture};
pub use condition::{address_condition, AddressCondition, ConditionError};
pub use dictionary::{DictionaryError, Town, TownDictionary};
pub use municipality::{Municipality, Ward};
pub use parts::{is_part_tag, AddressParts, AreaKind};
pub use placing::{BlockNumbers, Inside, Outside, PlaceError, Placement};

/// 芦屋市's address dictionary (data/ashiya-towns.csv) as CSV text.
const ASHIYA_TOWNS_CSV: &str = include_str!("../../../data/ashiya-towns.csv");

impl TownDictionary {
    /// The CSV text of 芦屋市's dictionary (data/ashiya-towns.csv), as built in.
    pub fn ashiya_csv() -> &'static str {
        ASHIYA_TOWNS_CSV
    }

    /// 兵庫県芦屋市 (282065) with its dictionary, data/ashiya-towns.csv: the demonstration
    /// city of the generator and the examples.
    pub fn ashiya() -> TownDictionary {
        let municipality = Municipality::parse("282065", "兵庫県", "芦屋市")
            .expect("芦屋市 is a valid municipality");
        TownDictionary::from_csv(&municipality, ASHIYA_TOWNS_CSV.as_bytes())
            .expect("data/ashiya-towns.csv is a valid dictionary")
    }
}
