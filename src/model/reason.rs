//! 異動事由: the reason a resident record changed.

use std::fmt;
use std::str::FromStr;

use super::error::InvalidValue;

const FIELD: &str = "reason";

/// 異動事由: why a version of a resident record was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum Reason {
    /// 転入: moved in from another municipality.
    MoveIn = 1,
    /// 出生: born.
    Birth = 2,
    /// 職権記載: recorded ex officio.
    EntryExOfficio = 3,
    /// 転居: moved within the municipality.
    Move = 4,
    /// 転出: moved out of the municipality.
    MoveOut = 5,
    /// 死亡: died.
    Death = 6,
    /// 職権消除: removed ex officio.
    RemovalExOfficio = 7,
    /// 氏名変更: name changed (marriage, divorce …).
    Rename = 8,
    /// 世帯変更: household or 続柄 changed without a change of address.
    HouseholdChange = 9,
    /// 職権修正: a correction ex officio.
    Correction = 10,
    /// 住民票コード変更: the resident code changed.
    CodeChange = 11,
    /// 個人番号変更: the My Number changed.
    MyNumberChange = 12,
}

impl Reason {
    /// Every reason, in code order.
    pub const ALL: [Reason; 12] = [
        Reason::MoveIn,
        Reason::Birth,
        Reason::EntryExOfficio,
        Reason::Move,
        Reason::MoveOut,
        Reason::Death,
        Reason::RemovalExOfficio,
        Reason::Rename,
        Reason::HouseholdChange,
        Reason::Correction,
        Reason::CodeChange,
        Reason::MyNumberChange,
    ];

    /// The numeric code (1..=12).
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The reason with the given numeric code.
    pub fn from_code(code: u8) -> Result<Reason, InvalidValue> {
        Reason::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .ok_or_else(|| {
                InvalidValue::new(FIELD, format!("unknown code {code}, expected 1..=12"))
            })
    }

    /// The Japanese name, e.g. 転入.
    pub fn japanese(self) -> &'static str {
        match self {
            Reason::MoveIn => "転入",
            Reason::Birth => "出生",
            Reason::EntryExOfficio => "職権記載",
            Reason::Move => "転居",
            Reason::MoveOut => "転出",
            Reason::Death => "死亡",
            Reason::RemovalExOfficio => "職権消除",
            Reason::Rename => "氏名変更",
            Reason::HouseholdChange => "世帯変更",
            Reason::Correction => "職権修正",
            Reason::CodeChange => "住民票コード変更",
            Reason::MyNumberChange => "個人番号変更",
        }
    }

    /// The English snake-case name, e.g. `move_in`.
    pub fn english(self) -> &'static str {
        match self {
            Reason::MoveIn => "move_in",
            Reason::Birth => "birth",
            Reason::EntryExOfficio => "entry_ex_officio",
            Reason::Move => "move",
            Reason::MoveOut => "move_out",
            Reason::Death => "death",
            Reason::RemovalExOfficio => "removal_ex_officio",
            Reason::Rename => "rename",
            Reason::HouseholdChange => "household_change",
            Reason::Correction => "correction",
            Reason::CodeChange => "code_change",
            Reason::MyNumberChange => "my_number_change",
        }
    }

    /// Parses the Japanese name (転入 …) or the English snake-case name (`move_in` …,
    /// case-insensitive).
    pub fn parse(input: &str) -> Result<Reason, InvalidValue> {
        let text: String = super::text::nfkc(input).collect();
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        Reason::ALL
            .into_iter()
            .find(|r| r.japanese() == text || r.english() == lower)
            .ok_or_else(|| InvalidValue::new(FIELD, format!("unknown reason {text:?}")))
    }

    /// Whether a change for this reason removes the resident (転出, 死亡, 職権消除).
    pub fn removes(self) -> bool {
        matches!(
            self,
            Reason::MoveOut | Reason::Death | Reason::RemovalExOfficio
        )
    }

    /// Whether a change for this reason creates a resident (転入, 出生, 職権記載).
    pub fn creates(self) -> bool {
        matches!(
            self,
            Reason::MoveIn | Reason::Birth | Reason::EntryExOfficio
        )
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.japanese())
    }
}

impl FromStr for Reason {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reason::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for (i, r) in Reason::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(r.code()), i + 1);
            assert_eq!(Reason::from_code(r.code()), Ok(r));
            assert_eq!(Reason::parse(r.japanese()), Ok(r));
            assert_eq!(Reason::parse(r.english()), Ok(r));
            assert_eq!(r.to_string(), r.japanese());
        }
        assert!(Reason::from_code(0).is_err());
        assert!(Reason::from_code(13).is_err());
    }

    #[test]
    fn parses_names() {
        assert_eq!(Reason::parse("転入"), Ok(Reason::MoveIn));
        assert_eq!(Reason::parse("move_out"), Ok(Reason::MoveOut));
        assert_eq!(Reason::parse(" MOVE_IN "), Ok(Reason::MoveIn));
        assert_eq!(Reason::parse("住民票コード変更"), Ok(Reason::CodeChange));
        assert_eq!(
            Reason::parse("my_number_change"),
            Ok(Reason::MyNumberChange)
        );
        let e = Reason::parse("引越し").unwrap_err();
        assert_eq!(e.field, "reason");
        assert!(Reason::parse("").is_err());
    }

    #[test]
    fn creates_and_removes() {
        let creates: Vec<_> = Reason::ALL.into_iter().filter(|r| r.creates()).collect();
        assert_eq!(
            creates,
            [Reason::MoveIn, Reason::Birth, Reason::EntryExOfficio]
        );
        let removes: Vec<_> = Reason::ALL.into_iter().filter(|r| r.removes()).collect();
        assert_eq!(
            removes,
            [Reason::MoveOut, Reason::Death, Reason::RemovalExOfficio]
        );
    }
}
