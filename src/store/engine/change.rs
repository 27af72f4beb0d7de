//! A 異動 as the engine receives it: the reason, the resident, the dates and the fields it
//! sets. Which fields each kind of 異動 requires and allows is one table,
//! [`crate::model::change_fields`], which the query parser consults too.

use crate::model::{
    Address, ChangeField, Date, FieldRule, HouseholdId, ItemChanges, Kana, MyNumber, Name,
    PartialDate, PostalCode, Reason, Relationship, ResidentCode, Restatement, Sex, HOUSEHOLD_MOVE,
};
use crate::store::error::{Result, Rule, StoreError};

/// The fields a 異動 may set. Which ones it must and may carry depends on its [`Reason`]:
/// the fields table [`crate::FIELD_RULES`], checked by `Change::check_fields`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    /// 個人番号.
    pub my_number: Option<MyNumber>,
    /// 氏名.
    pub name: Option<Name>,
    /// 振り仮名.
    pub kana: Option<Kana>,
    /// 性別.
    pub sex: Option<Sex>,
    /// 生年月日 (a month, a year or nothing when 不詳).
    pub birth: Option<PartialDate>,
    /// 住所.
    pub address: Option<Address>,
    /// 郵便番号.
    pub postal: Option<PostalCode>,
    /// 世帯番号.
    pub household: Option<HouseholdId>,
    /// 続柄.
    pub relationship: Option<Relationship>,
    /// 転入前住所 (`from=`).
    pub previous_address: Option<Address>,
    /// 転出先 (`to=`).
    pub destination: Option<Address>,
    /// The new resident code of a 住民票コード変更 (`new=`).
    pub new_code: Option<ResidentCode>,
    /// The member who becomes 世帯主 when this change takes the head out of a household.
    pub new_head: Option<ResidentCode>,
    /// The 続柄 of every member who stays, restated against the new 世帯主.
    pub relationships: Option<Restatement>,
    /// The 更新順番号 of the 異動 a 異動取消 cancels.
    pub seq: Option<u64>,
    /// The items beyond the core fields the change sets or clears.
    pub items: ItemChanges,
    /// MOVE HOUSEHOLD: on a 転居 addressed to this household's 世帯主, every active member
    /// moves with them in the same transaction (one 転居 each, the head's first). Only the
    /// address and postal code may come with it ([`HOUSEHOLD_MOVE`]). Not a `key=value` of
    /// a statement: MOVE HOUSEHOLD names the household as its subject.
    pub whole_household: Option<HouseholdId>,
}

/// A 異動 to record: one call of [`crate::Session::record`], one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// 異動事由.
    pub reason: Reason,
    /// The resident's current code.
    pub code: ResidentCode,
    /// 異動日: the day the change took effect (for 出生, the birth date).
    pub date: Date,
    /// 届出日: the day it was notified; `None` means today.
    pub reported: Option<Date>,
    /// What the change sets.
    pub fields: Fields,
    /// The operator recording the change, kept with the version.
    pub operator: Option<String>,
    /// The terminal it was recorded from.
    pub terminal: Option<String>,
}

/// MOVE HOUSEHOLD as a statement gives it: the household, not its 世帯主. Recording it
/// (`Session::move_household`) finds the household's 世帯主 inside the write transaction and
/// records [`HouseholdMove::change_for`] them, so the head cannot change in between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdMove {
    /// The household that moves.
    pub household: HouseholdId,
    /// 異動日.
    pub date: Date,
    /// 届出日; `None` means today.
    pub reported: Option<Date>,
    /// The new address and, optionally, postal code ([`HOUSEHOLD_MOVE`] says what else is
    /// refused).
    pub fields: Fields,
}

impl HouseholdMove {
    /// The 転居 it records, addressed to the household's 世帯主 `head`.
    pub fn change_for(&self, head: ResidentCode) -> Change {
        let mut change = Change::new(Reason::Move, head, self.date).with(Fields {
            whole_household: Some(self.household),
            ..self.fields.clone()
        });
        change.reported = self.reported;
        change
    }
}

impl Fields {
    /// Which fields are set, in [`ChangeField::ALL`] order.
    pub fn given(&self) -> Vec<ChangeField> {
        ChangeField::ALL
            .into_iter()
            .filter(|f| self.is_set(*f))
            .collect()
    }

    /// Whether `field` is set.
    pub fn is_set(&self, field: ChangeField) -> bool {
        match field {
            ChangeField::MyNumber => self.my_number.is_some(),
            ChangeField::Name => self.name.is_some(),
            ChangeField::Kana => self.kana.is_some(),
            ChangeField::Sex => self.sex.is_some(),
            ChangeField::Birth => self.birth.is_some(),
            ChangeField::Address => self.address.is_some(),
            ChangeField::Postal => self.postal.is_some(),
            ChangeField::Household => self.household.is_some(),
            ChangeField::Relationship => self.relationship.is_some(),
            ChangeField::From => self.previous_address.is_some(),
            ChangeField::To => self.destination.is_some(),
            ChangeField::New => self.new_code.is_some(),
            ChangeField::NewHead => self.new_head.is_some(),
            ChangeField::Relationships => self.relationships.is_some(),
            ChangeField::Seq => self.seq.is_some(),
            ChangeField::Items => !self.items.is_empty(),
        }
    }
}

impl Change {
    /// A change of `reason` for `code` on `date`, with no fields yet.
    pub fn new(reason: Reason, code: ResidentCode, date: Date) -> Change {
        Change {
            reason,
            code,
            date,
            reported: None,
            fields: Fields::default(),
            operator: None,
            terminal: None,
        }
    }

    /// Sets the 届出日.
    pub fn reported(mut self, date: Date) -> Change {
        self.reported = Some(date);
        self
    }

    /// Sets the fields.
    pub fn with(mut self, fields: Fields) -> Change {
        self.fields = fields;
        self
    }

    /// Sets the operator and terminal kept with the new version.
    pub fn by(mut self, operator: impl Into<String>, terminal: impl Into<String>) -> Change {
        self.operator = Some(operator.into());
        self.terminal = Some(terminal.into());
        self
    }

    /// The row of the fields table the change is checked against: its reason's
    /// ([`Reason::fields`]), or [`HOUSEHOLD_MOVE`] for a 転居 of a whole household.
    pub fn field_rule(&self) -> &'static FieldRule {
        if self.moves_household() {
            &HOUSEHOLD_MOVE
        } else {
            self.reason.fields()
        }
    }

    /// Whether it is a 転居 of a whole household (MOVE HOUSEHOLD).
    pub fn moves_household(&self) -> bool {
        self.reason == Reason::Move && self.fields.whole_household.is_some()
    }

    /// The statement that records it, for messages and the operation log: `MOVE HOUSEHOLD`
    /// for a 転居 of a whole household, else its reason's ([`Reason::statement`]).
    pub fn statement(&self) -> &'static str {
        if self.moves_household() {
            "MOVE HOUSEHOLD"
        } else {
            self.reason.statement()
        }
    }

    /// Checks the change against its row of the fields table ([`Change::field_rule`]):
    /// every required field, no field the row does not allow (the ★ check of a 転居 that
    /// changes anything but the address), then the row's one-of set and pairs; that only a
    /// 転居 moves a whole household; and that a 出生's `birth`, when given, is its 異動日.
    pub(crate) fn check_fields(&self) -> Result<()> {
        if self.fields.whole_household.is_some() && self.reason != Reason::Move {
            return Err(StoreError::illegal(
                Rule::FieldNotAllowed,
                format!(
                    "{} does not move a whole household (only a 転居 does: MOVE HOUSEHOLD)",
                    self.reason
                ),
            ));
        }
        let rule = self.field_rule();
        let statement = if self.moves_household() {
            "MOVE HOUSEHOLD".to_string()
        } else {
            self.reason.to_string()
        };
        let given = self.fields.given();
        let missing: Vec<&str> = rule.missing(&given).map(|f| f.name()).collect();
        if !missing.is_empty() {
            return Err(StoreError::illegal(
                Rule::MissingField,
                format!("{statement} needs {}", missing.join(", ")),
            ));
        }
        let extra: Vec<&str> = rule.disallowed(&given).map(|f| f.name()).collect();
        if !extra.is_empty() {
            let rule_broken =
                if self.reason == Reason::HouseholdChange && self.fields.address.is_some() {
                    Rule::HouseholdChangeMovesAddress
                } else {
                    Rule::FieldNotAllowed
                };
            let allowed: Vec<&str> = rule.allowed().map(|f| f.name()).collect();
            let allowed = if allowed.is_empty() {
                "nothing".to_string()
            } else {
                allowed.join(", ")
            };
            return Err(StoreError::illegal(
                rule_broken,
                format!(
                    "{statement} may not change {} (it may set: {allowed})",
                    extra.join(", ")
                ),
            ));
        }
        if let Some(add) = rule.unmet(&given) {
            return Err(StoreError::illegal(
                Rule::MissingField,
                format!("{statement} needs {add}"),
            ));
        }
        if self.reason == Reason::Birth
            && self
                .fields
                .birth
                .is_some_and(|b| b != PartialDate::Exact(self.date))
        {
            return Err(StoreError::illegal(
                Rule::FieldNotAllowed,
                "出生: the birth date is the 異動日 (ON); birth= must match it",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Item;

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn code(serial: u64) -> ResidentCode {
        ResidentCode::from_serial(4_300_000 + serial)
    }

    fn address(written: &str) -> Option<Address> {
        Some(Address::parse(written).unwrap())
    }

    /// Every field set, each to a value of its kind.
    fn every_field() -> Fields {
        let mut items = ItemChanges::new();
        items.set(Item::FormerSurname, "佐藤").unwrap();
        Fields {
            my_number: Some(MyNumber::from_serial(77_000_001)),
            name: Some(Name::parse("山田 太郎").unwrap()),
            kana: Some(Kana::parse("ヤマダ タロウ").unwrap()),
            sex: Some(Sex::Male),
            birth: Some(PartialDate::Exact(date("1980-01-02"))),
            address: address("芦屋市精道町7番6号"),
            postal: Some(PostalCode::from_u32(6590064).unwrap()),
            household: Some(HouseholdId::new(101)),
            relationship: Some(Relationship::parse("子").unwrap()),
            previous_address: address("神戸市中央区加納町6丁目5番1号"),
            destination: address("西宮市六湛寺町10番3号"),
            new_code: Some(code(2)),
            new_head: Some(code(3)),
            relationships: Some(Restatement::parse(&format!("{}:子", code(4))).unwrap()),
            seq: Some(7),
            items,
            whole_household: Some(HouseholdId::new(101)),
        }
    }

    /// `fields` with `field` unset.
    fn without(mut fields: Fields, field: ChangeField) -> Fields {
        match field {
            ChangeField::MyNumber => fields.my_number = None,
            ChangeField::Name => fields.name = None,
            ChangeField::Kana => fields.kana = None,
            ChangeField::Sex => fields.sex = None,
            ChangeField::Birth => fields.birth = None,
            ChangeField::Address => fields.address = None,
            ChangeField::Postal => fields.postal = None,
            ChangeField::Household => fields.household = None,
            ChangeField::Relationship => fields.relationship = None,
            ChangeField::From => fields.previous_address = None,
            ChangeField::To => fields.destination = None,
            ChangeField::New => fields.new_code = None,
            ChangeField::NewHead => fields.new_head = None,
            ChangeField::Relationships => fields.relationships = None,
            ChangeField::Seq => fields.seq = None,
            ChangeField::Items => fields.items = ItemChanges::new(),
        }
        fields
    }

    /// A whole person, as a 転入 carries it (born 1980-01-02).
    fn person() -> Fields {
        Fields {
            previous_address: None,
            destination: None,
            new_code: None,
            new_head: None,
            relationships: None,
            seq: None,
            items: ItemChanges::new(),
            whole_household: None,
            ..every_field()
        }
    }

    /// Only the address (a 転居's).
    fn new_home() -> Fields {
        Fields {
            address: address("芦屋市打出小槌町1番1号"),
            ..Fields::default()
        }
    }

    /// The rule and the detail `change` is refused with.
    fn refusal(change: &Change) -> (Rule, String) {
        match change.check_fields() {
            Err(StoreError::Illegal { rule, detail }) => (rule, detail),
            other => panic!("{change:?} not refused by a rule: {other:?}"),
        }
    }

    #[test]
    fn the_fields_given_are_those_set_in_table_order() {
        assert!(Fields::default().given().is_empty());
        assert!(ChangeField::ALL
            .into_iter()
            .all(|f| !Fields::default().is_set(f)));
        assert_eq!(every_field().given(), ChangeField::ALL);
        for field in ChangeField::ALL {
            let fields = without(every_field(), field);
            assert!(!fields.is_set(field), "{field}");
            assert!(every_field().is_set(field), "{field}");
            let others: Vec<ChangeField> = ChangeField::ALL
                .into_iter()
                .filter(|f| *f != field)
                .collect();
            assert_eq!(fields.given(), others, "{field}");
        }
    }

    #[test]
    fn a_household_move_is_a_move_of_its_head_naming_the_household() {
        let household = HouseholdId::new(101);
        let mv = HouseholdMove {
            household,
            date: date("2024-05-01"),
            reported: Some(date("2024-05-02")),
            fields: new_home(),
        };
        let change = mv.change_for(code(1));
        assert_eq!(change.reason, Reason::Move);
        assert_eq!(change.code, code(1));
        assert_eq!(change.date, date("2024-05-01"));
        assert_eq!(change.reported, Some(date("2024-05-02")));
        assert_eq!(change.fields.whole_household, Some(household));
        assert_eq!(change.fields.address, new_home().address);
        assert!(change.moves_household());
        assert_eq!(change.statement(), "MOVE HOUSEHOLD");
        assert_eq!(change.field_rule(), &HOUSEHOLD_MOVE);
        assert!(change.check_fields().is_ok());
    }

    #[test]
    fn only_a_move_naming_a_household_moves_the_household() {
        let one = Change::new(Reason::Move, code(1), date("2024-05-01")).with(new_home());
        assert!(!one.moves_household());
        assert_eq!(one.statement(), "MOVE");
        assert_eq!(one.field_rule(), Reason::Move.fields());
        assert_ne!(one.field_rule(), &HOUSEHOLD_MOVE);

        let whole = Fields {
            whole_household: Some(HouseholdId::new(101)),
            ..new_home()
        };
        let household = Change::new(Reason::Move, code(1), date("2024-05-01")).with(whole);
        assert!(household.moves_household());
        assert_eq!(household.statement(), "MOVE HOUSEHOLD");

        let move_in = Fields {
            whole_household: Some(HouseholdId::new(101)),
            ..person()
        };
        let move_in = Change::new(Reason::MoveIn, code(1), date("2024-05-01")).with(move_in);
        assert!(!move_in.moves_household());
        assert_eq!(move_in.statement(), "MOVE IN");
        assert_eq!(move_in.field_rule(), Reason::MoveIn.fields());
    }

    #[test]
    fn only_a_move_may_name_a_household_to_move() {
        let fields = Fields {
            destination: address("西宮市六湛寺町10番3号"),
            whole_household: Some(HouseholdId::new(101)),
            ..Fields::default()
        };
        let out = Change::new(Reason::MoveOut, code(1), date("2024-05-01")).with(fields);
        let (rule, detail) = refusal(&out);
        assert_eq!(rule, Rule::FieldNotAllowed);
        assert!(
            detail.starts_with("転出 does not move a whole household"),
            "{detail}"
        );

        let fields = Fields {
            destination: address("西宮市六湛寺町10番3号"),
            ..Fields::default()
        };
        let out = Change::new(Reason::MoveOut, code(1), date("2024-05-01")).with(fields);
        assert!(out.check_fields().is_ok());
    }

    #[test]
    fn a_change_without_a_required_field_is_refused_naming_it() {
        let bare = Change::new(Reason::Move, code(1), date("2024-05-01"));
        assert_eq!(
            refusal(&bare),
            (Rule::MissingField, "転居 needs address".to_string())
        );
        let whole = bare.clone().with(Fields {
            whole_household: Some(HouseholdId::new(101)),
            ..Fields::default()
        });
        assert_eq!(
            refusal(&whole),
            (
                Rule::MissingField,
                "MOVE HOUSEHOLD needs address".to_string()
            )
        );
        let rename = Change::new(Reason::Rename, code(1), date("2024-05-01"));
        assert_eq!(
            refusal(&rename),
            (
                Rule::MissingField,
                "氏名変更 needs name or kana".to_string()
            )
        );
    }

    #[test]
    fn a_change_with_a_field_its_row_does_not_allow_is_refused_naming_what_it_may_set() {
        let whole = Fields {
            household: Some(HouseholdId::new(102)),
            whole_household: Some(HouseholdId::new(101)),
            ..new_home()
        };
        let whole = Change::new(Reason::Move, code(1), date("2024-05-01")).with(whole);
        assert_eq!(
            refusal(&whole),
            (
                Rule::FieldNotAllowed,
                "MOVE HOUSEHOLD may not change household (it may set: address, postal)".to_string()
            )
        );
        let name = Fields {
            name: every_field().name,
            ..Fields::default()
        };
        let cancel = Change::new(Reason::MoveOutCancel, code(1), date("2024-05-01")).with(name);
        assert_eq!(
            refusal(&cancel),
            (
                Rule::FieldNotAllowed,
                "転出取消 may not change name (it may set: nothing)".to_string()
            )
        );
    }

    #[test]
    fn a_household_change_that_moves_is_refused_by_its_own_rule() {
        let relationship = every_field().relationship;
        let moves = Fields {
            relationship: relationship.clone(),
            ..new_home()
        };
        let moves = Change::new(Reason::HouseholdChange, code(1), date("2024-05-01")).with(moves);
        assert_eq!(refusal(&moves).0, Rule::HouseholdChangeMovesAddress);
        let renames = Fields {
            relationship,
            name: every_field().name,
            ..Fields::default()
        };
        let renames =
            Change::new(Reason::HouseholdChange, code(1), date("2024-05-01")).with(renames);
        assert_eq!(refusal(&renames).0, Rule::FieldNotAllowed);
    }

    #[test]
    fn a_birth_date_given_with_a_birth_is_its_date_and_other_changes_keep_theirs() {
        let born = |birth: Option<&str>| {
            let fields = Fields {
                birth: birth.map(|b| PartialDate::Exact(date(b))),
                ..person()
            };
            Change::new(Reason::Birth, code(1), date("2024-05-01")).with(fields)
        };
        assert!(born(None).check_fields().is_ok());
        assert!(born(Some("2024-05-01")).check_fields().is_ok());
        let (rule, detail) = refusal(&born(Some("2024-04-30")));
        assert_eq!(rule, Rule::FieldNotAllowed);
        assert!(detail.contains("birth= must match it"), "{detail}");
        // A 転入's birth date is the person's, long before the 異動日.
        let move_in = Change::new(Reason::MoveIn, code(1), date("2024-05-01")).with(person());
        assert!(move_in.check_fields().is_ok());
    }
}
