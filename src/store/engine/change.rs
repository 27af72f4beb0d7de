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
