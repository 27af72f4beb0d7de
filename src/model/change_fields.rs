//! Which fields each kind of 異動 takes: the one table both the query parser and the engine
//! consult.
//!
//! Invariants of [`FIELD_RULES`]:
//! * it holds exactly one row per [`Reason`], in [`Reason::ALL`] order;
//! * a row's `required` and `optional` fields are disjoint, and every field named in `one_of`
//!   or `pairs` is among the row's allowed fields;
//! * a field is never the resident code itself: the code is the statement's subject, and only
//!   住民票コード変更 changes it, through `new=`.
//!
//! The parser refuses a key the row does not allow (a syntax error with a caret under it); the
//! engine refuses a change that lacks a required field or carries one the row does not allow
//! (`ILLEGAL_CHANGE`, rules `missing-field` / `field-not-allowed`), so library callers get
//! the same answer as operators.
//!
//! 出生: the birth date is the 異動日 (住民となった日 = 生年月日, domain rule), so `birth=` is
//! optional and, when given, must equal the ON date; no previous address (`from=`) is taken.

use std::fmt;

use super::reason::Reason;

/// A field a 異動 may set, named as statements write it (`my_number=` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeField {
    /// `my_number=`: 個人番号.
    MyNumber,
    /// `name=`: 氏名.
    Name,
    /// `kana=`: 振り仮名.
    Kana,
    /// `sex=`: 性別.
    Sex,
    /// `birth=`: 生年月日.
    Birth,
    /// `address=`: 住所.
    Address,
    /// `postal=`: 郵便番号.
    Postal,
    /// `household=`: 世帯番号.
    Household,
    /// `relationship=`: 続柄.
    Relationship,
    /// `from=`: 転入前住所.
    From,
    /// `to=`: 転出先.
    To,
    /// `new=`: the new resident code of a 住民票コード変更.
    New,
    /// `new_head=`: the member who becomes 世帯主 when the change takes the head out.
    NewHead,
    /// `relationships=`: the 続柄 of every member who stays, restated against the new
    /// 世帯主 (`'<code>:<続柄> <code>:<続柄>'`).
    Relationships,
    /// `seq=`: the 更新順番号 of the 異動 a 異動取消 cancels.
    Seq,
    /// The items beyond the core fields, each under its own key (`registered_domicile=`,
    /// `nhi_acquired=` …: [`crate::model::ITEMS`]); `items` names them together in the
    /// table and in messages, and is not itself a key.
    Items,
}

impl ChangeField {
    /// Every field, in the order messages and documents list them.
    pub const ALL: [ChangeField; 16] = [
        ChangeField::MyNumber,
        ChangeField::Name,
        ChangeField::Kana,
        ChangeField::Sex,
        ChangeField::Birth,
        ChangeField::Address,
        ChangeField::Postal,
        ChangeField::Household,
        ChangeField::Relationship,
        ChangeField::From,
        ChangeField::To,
        ChangeField::New,
        ChangeField::NewHead,
        ChangeField::Relationships,
        ChangeField::Seq,
        ChangeField::Items,
    ];

    /// The key as written in a statement, e.g. `my_number`.
    pub fn name(self) -> &'static str {
        match self {
            ChangeField::MyNumber => "my_number",
            ChangeField::Name => "name",
            ChangeField::Kana => "kana",
            ChangeField::Sex => "sex",
            ChangeField::Birth => "birth",
            ChangeField::Address => "address",
            ChangeField::Postal => "postal",
            ChangeField::Household => "household",
            ChangeField::Relationship => "relationship",
            ChangeField::From => "from",
            ChangeField::To => "to",
            ChangeField::New => "new",
            ChangeField::NewHead => "new_head",
            ChangeField::Relationships => "relationships",
            ChangeField::Seq => "seq",
            ChangeField::Items => "items",
        }
    }

    /// The field a key (English form, as [`ChangeField::name`] gives it) names; an item's
    /// key (`nhi_acquired` …) names [`ChangeField::Items`], and `items` itself names none.
    pub fn from_name(name: &str) -> Option<ChangeField> {
        if super::item::Item::from_key(name).is_some() {
            return Some(ChangeField::Items);
        }
        ChangeField::ALL
            .into_iter()
            .find(|f| f.name() == name && *f != ChangeField::Items)
    }
}

impl fmt::Display for ChangeField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one kind of 異動 must and may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRule {
    /// The kind of 異動.
    pub reason: Reason,
    /// Fields the change must carry.
    pub required: &'static [ChangeField],
    /// Fields the change may carry.
    pub optional: &'static [ChangeField],
    /// When not empty, at least one of these must be given (e.g. 氏名変更: name or kana).
    pub one_of: &'static [ChangeField],
    /// `(a, b)`: when `a` is given, `b` must be too (a new household needs its 続柄).
    pub pairs: &'static [(ChangeField, ChangeField)],
}

impl FieldRule {
    /// Whether the change may carry `field` at all.
    pub fn allows(&self, field: ChangeField) -> bool {
        self.required.contains(&field) || self.optional.contains(&field)
    }

    /// Every field the change may carry, required first, each in [`ChangeField::ALL`] order.
    pub fn allowed(&self) -> impl Iterator<Item = ChangeField> + '_ {
        self.required.iter().chain(self.optional).copied()
    }

    /// The required fields absent from `given`.
    pub fn missing<'a>(
        &'a self,
        given: &'a [ChangeField],
    ) -> impl Iterator<Item = ChangeField> + 'a {
        self.required.iter().copied().filter(|f| !given.contains(f))
    }

    /// What `given` lacks of the one-of set or of a pair, as words naming the fields to add;
    /// `None` when both are met. Checked after [`FieldRule::missing`] and
    /// [`FieldRule::disallowed`].
    pub fn unmet(&self, given: &[ChangeField]) -> Option<String> {
        let has = |f: &ChangeField| given.contains(f);
        if !self.one_of.is_empty() && !self.one_of.iter().any(has) {
            let names: Vec<&str> = self.one_of.iter().map(|f| f.name()).collect();
            return Some(names.join(" or "));
        }
        self.pairs
            .iter()
            .find(|(a, b)| has(a) && !has(b))
            .map(|(a, b)| format!("{b} (with {a})"))
    }

    /// The fields among `given` the rule does not allow.
    pub fn disallowed<'a>(
        &'a self,
        given: &'a [ChangeField],
    ) -> impl Iterator<Item = ChangeField> + 'a {
        given.iter().copied().filter(|f| !self.allows(*f))
    }
}

use ChangeField as F;

/// 転入 and 職権記載: a whole person.
const PERSON: &[ChangeField] = &[
    F::MyNumber,
    F::Name,
    F::Kana,
    F::Sex,
    F::Birth,
    F::Address,
    F::Postal,
    F::Household,
    F::Relationship,
];

/// 出生: a whole person but the birth date, which is the 異動日.
const BORN: &[ChangeField] = &[
    F::MyNumber,
    F::Name,
    F::Kana,
    F::Sex,
    F::Address,
    F::Postal,
    F::Household,
    F::Relationship,
];

/// 職権修正: any field but the resident code.
const ANY_BUT_CODE: &[ChangeField] = &[
    F::MyNumber,
    F::Name,
    F::Kana,
    F::Sex,
    F::Birth,
    F::Address,
    F::Postal,
    F::Household,
    F::Relationship,
    F::From,
    F::To,
    F::NewHead,
    F::Relationships,
    F::Items,
];

/// 転出, 死亡, 職権消除: when the 世帯主 leaves, the new head and the restated 続柄.
const HEAD_LEAVES: &[ChangeField] = &[F::NewHead, F::Relationships];

/// A row with no one-of set and no pairs.
const fn row(
    reason: Reason,
    required: &'static [ChangeField],
    optional: &'static [ChangeField],
) -> FieldRule {
    FieldRule {
        reason,
        required,
        optional,
        one_of: &[],
        pairs: &[],
    }
}

/// MOVE HOUSEHOLD: a 転居 of the 世帯主 that moves every active member with them. Not a row
/// of [`FIELD_RULES`] (its versions are 転居): the engine takes it for a 転居 that names the
/// household moving (`Fields::whole_household`), and the statement's usage lists it. Nothing
/// but the address changes, so it takes no household, 続柄 or new 世帯主.
pub const HOUSEHOLD_MOVE: FieldRule = row(Reason::Move, &[F::Address], &[F::Postal]);

/// The table: one row per [`Reason`], in [`Reason::ALL`] order.
pub const FIELD_RULES: [FieldRule; 18] = [
    row(Reason::MoveIn, PERSON, &[F::From, F::Items]),
    row(Reason::Birth, BORN, &[F::Birth, F::Items]),
    row(Reason::EntryExOfficio, PERSON, &[F::From, F::Items]),
    FieldRule {
        pairs: &[(F::Household, F::Relationship)],
        ..row(
            Reason::Move,
            &[F::Address],
            &[
                F::Postal,
                F::Household,
                F::Relationship,
                F::NewHead,
                F::Relationships,
            ],
        )
    },
    row(Reason::MoveOut, &[F::To], HEAD_LEAVES),
    row(Reason::Death, &[], HEAD_LEAVES),
    row(Reason::RemovalExOfficio, &[], HEAD_LEAVES),
    FieldRule {
        one_of: &[F::Name, F::Kana],
        ..row(Reason::Rename, &[], &[F::Name, F::Kana])
    },
    FieldRule {
        one_of: &[F::Household, F::Relationship],
        pairs: &[(F::Household, F::Relationship)],
        ..row(
            Reason::HouseholdChange,
            &[],
            &[F::Household, F::Relationship, F::NewHead, F::Relationships],
        )
    },
    row(Reason::Correction, &[], ANY_BUT_CODE),
    row(Reason::CodeChange, &[F::New], &[]),
    row(Reason::MyNumberChange, &[F::MyNumber], &[]),
    row(Reason::Migration, PERSON, &[F::From, F::Items]),
    row(Reason::MoveOutCancel, &[], &[]),
    row(Reason::MoveOutConfirm, &[F::To], &[]),
    row(Reason::Cancellation, &[F::Seq], &[]),
    row(Reason::HeadChange, &[F::NewHead], &[F::Relationships]),
    row(Reason::ItemChange, &[F::Items], &[]),
];

impl Reason {
    /// Which fields a change of this reason must and may carry.
    pub fn fields(self) -> &'static FieldRule {
        // The table is in `Reason::ALL` order and codes run 1..=18 (tested below).
        &FIELD_RULES[usize::from(self.code()) - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_reason_in_order() {
        for (rule, reason) in FIELD_RULES.iter().zip(Reason::ALL) {
            assert_eq!(rule.reason, reason);
            assert_eq!(reason.fields().reason, reason);
        }
    }

    #[test]
    fn rows_are_consistent() {
        for rule in &FIELD_RULES {
            assert!(
                rule.required.iter().all(|f| !rule.optional.contains(f)),
                "{:?}",
                rule.reason
            );
            let named = rule
                .one_of
                .iter()
                .chain(rule.pairs.iter().flat_map(|(a, b)| [a, b]));
            for f in named {
                assert!(
                    rule.allows(*f),
                    "{:?} names {f} it does not allow",
                    rule.reason
                );
            }
        }
    }

    #[test]
    fn birth_takes_its_date_from_on() {
        let birth = Reason::Birth.fields();
        assert!(!birth.required.contains(&F::Birth));
        assert!(birth.allows(F::Birth));
        assert!(!birth.allows(F::From));
        assert!(Reason::MoveIn.fields().required.contains(&F::Birth));
    }

    #[test]
    fn missing_names_what_to_add() {
        let rename = Reason::Rename.fields();
        assert_eq!(rename.unmet(&[]).as_deref(), Some("name or kana"));
        assert_eq!(rename.unmet(&[F::Kana]), None);
        let mv = Reason::Move.fields();
        assert_eq!(mv.missing(&[]).collect::<Vec<_>>(), [F::Address]);
        assert_eq!(mv.missing(&[F::Address]).count(), 0);
        assert_eq!(
            mv.unmet(&[F::Address, F::Household]).as_deref(),
            Some("relationship (with household)")
        );
        let out: Vec<_> = Reason::MoveOut
            .fields()
            .disallowed(&[F::To, F::Name])
            .collect();
        assert_eq!(out, [F::Name]);
    }

    #[test]
    fn a_household_move_takes_the_address_only() {
        assert_eq!(HOUSEHOLD_MOVE.reason, Reason::Move);
        assert_eq!(
            HOUSEHOLD_MOVE.missing(&[]).collect::<Vec<_>>(),
            [F::Address]
        );
        let extra: Vec<_> = HOUSEHOLD_MOVE
            .disallowed(&[F::Address, F::Household, F::Relationship, F::NewHead])
            .collect();
        assert_eq!(extra, [F::Household, F::Relationship, F::NewHead]);
        assert!(HOUSEHOLD_MOVE.allows(F::Postal));
    }

    #[test]
    fn names_round_trip() {
        for f in ChangeField::ALL.into_iter().filter(|f| *f != F::Items) {
            assert_eq!(ChangeField::from_name(f.name()), Some(f));
        }
        assert_eq!(ChangeField::from_name("items"), None);
        assert_eq!(ChangeField::from_name("nhi_acquired"), Some(F::Items));
        assert_eq!(ChangeField::from_name("code"), None);
    }
}
