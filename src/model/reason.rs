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
    /// 移行: carried over from the register the city kept before (import only).
    Migration = 13,
    /// 転出取消: a 転出 notified ahead is cancelled before it takes effect.
    MoveOutCancel = 14,
    /// 転出確定: the actual destination and date of a 転出, from the 転入通知 of the
    /// municipality the resident moved to.
    MoveOutConfirm = 15,
    /// 異動取消: a mistaken 異動 is cancelled; the state before it is restored.
    Cancellation = 16,
    /// 世帯主変更: the household's head changes; every remaining member's 続柄 is restated.
    HeadChange = 17,
    /// 記載事項変更: items of the record beyond the core fields are set or cleared (本籍,
    /// 旧氏, 通称, the 国民健康保険・国民年金・児童手当 items of 住基法第7条 …), each group by
    /// the function that owns it.
    ItemChange = 18,
}

impl Reason {
    /// Every reason, in code order.
    pub const ALL: [Reason; 18] = [
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
        Reason::Migration,
        Reason::MoveOutCancel,
        Reason::MoveOutConfirm,
        Reason::Cancellation,
        Reason::HeadChange,
        Reason::ItemChange,
    ];

    /// The numeric code (1..=18).
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The reason with the given numeric code.
    pub fn from_code(code: u8) -> Result<Reason, InvalidValue> {
        Reason::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .ok_or_else(|| {
                InvalidValue::new(FIELD, format!("unknown code {code}, expected 1..=18"))
            })
    }

    /// The Japanese name, e.g. 転入.
    pub const fn japanese(self) -> &'static str {
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
            Reason::Migration => "移行",
            Reason::MoveOutCancel => "転出取消",
            Reason::MoveOutConfirm => "転出確定",
            Reason::Cancellation => "異動取消",
            Reason::HeadChange => "世帯主変更",
            Reason::ItemChange => "記載事項変更",
        }
    }

    /// The statement that records it, e.g. `MOVE IN`; `IMPORT` for 移行.
    pub const fn statement(self) -> &'static str {
        match self {
            Reason::MoveIn => "MOVE IN",
            Reason::Birth => "BIRTH",
            Reason::EntryExOfficio => "ENTER",
            Reason::Move => "MOVE",
            Reason::MoveOut => "MOVE OUT",
            Reason::Death => "DEATH",
            Reason::RemovalExOfficio => "REMOVE",
            Reason::Rename => "RENAME",
            Reason::HouseholdChange => "CHANGE HOUSEHOLD",
            Reason::Correction => "CORRECT",
            Reason::CodeChange => "CHANGE CODE",
            Reason::MyNumberChange => "CHANGE MYNUMBER",
            Reason::Migration => "IMPORT",
            Reason::MoveOutCancel => "CANCEL MOVE OUT",
            Reason::MoveOutConfirm => "CONFIRM MOVE OUT",
            Reason::Cancellation => "CANCEL CHANGE",
            Reason::HeadChange => "CHANGE HEAD",
            Reason::ItemChange => "AMEND",
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
            Reason::Migration => "migration",
            Reason::MoveOutCancel => "move_out_cancel",
            Reason::MoveOutConfirm => "move_out_confirm",
            Reason::Cancellation => "cancellation",
            Reason::HeadChange => "head_change",
            Reason::ItemChange => "item_change",
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

    /// Whether a change for this reason creates a resident (転入, 出生, 職権記載, 移行).
    pub fn creates(self) -> bool {
        matches!(
            self,
            Reason::MoveIn | Reason::Birth | Reason::EntryExOfficio | Reason::Migration
        )
    }

    /// Whether operators record this reason with a statement of its own; 移行 is written
    /// only by an import.
    pub fn by_statement(self) -> bool {
        self != Reason::Migration
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
        assert!(Reason::from_code(19).is_err());
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
            [
                Reason::MoveIn,
                Reason::Birth,
                Reason::EntryExOfficio,
                Reason::Migration
            ]
        );
        let removes: Vec<_> = Reason::ALL.into_iter().filter(|r| r.removes()).collect();
        assert_eq!(
            removes,
            [Reason::MoveOut, Reason::Death, Reason::RemovalExOfficio]
        );
    }
}
