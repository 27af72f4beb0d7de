//! A 異動 as the engine receives it: the reason, the resident, the dates and the fields it
//! sets, and which fields each kind of 異動 requires and allows.

use crate::model::{
    Address, Date, HouseholdId, Kana, MyNumber, Name, PostalCode, Reason, Relationship,
    ResidentCode, Sex,
};
use crate::store::error::{Result, Rule, StoreError};

/// The fields a 異動 may set. Which ones it must and may carry depends on its [`Reason`]
/// (see [`Change::check_fields`]).
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
    /// 生年月日.
    pub birth: Option<Date>,
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
}

/// A 異動 to record: one call of [`crate::Database::record`], one transaction.
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

/// Names of [`Fields`] members as used in statements, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    MyNumber,
    Name,
    Kana,
    Sex,
    Birth,
    Address,
    Postal,
    Household,
    Relationship,
    From,
    To,
    New,
    NewHead,
}

impl Slot {
    const ALL: [Slot; 13] = [
        Slot::MyNumber,
        Slot::Name,
        Slot::Kana,
        Slot::Sex,
        Slot::Birth,
        Slot::Address,
        Slot::Postal,
        Slot::Household,
        Slot::Relationship,
        Slot::From,
        Slot::To,
        Slot::New,
        Slot::NewHead,
    ];

    fn name(self) -> &'static str {
        match self {
            Slot::MyNumber => "my_number",
            Slot::Name => "name",
            Slot::Kana => "kana",
            Slot::Sex => "sex",
            Slot::Birth => "birth",
            Slot::Address => "address",
            Slot::Postal => "postal",
            Slot::Household => "household",
            Slot::Relationship => "relationship",
            Slot::From => "from",
            Slot::To => "to",
            Slot::New => "new",
            Slot::NewHead => "new_head",
        }
    }

    fn is_set(self, f: &Fields) -> bool {
        match self {
            Slot::MyNumber => f.my_number.is_some(),
            Slot::Name => f.name.is_some(),
            Slot::Kana => f.kana.is_some(),
            Slot::Sex => f.sex.is_some(),
            Slot::Birth => f.birth.is_some(),
            Slot::Address => f.address.is_some(),
            Slot::Postal => f.postal.is_some(),
            Slot::Household => f.household.is_some(),
            Slot::Relationship => f.relationship.is_some(),
            Slot::From => f.previous_address.is_some(),
            Slot::To => f.destination.is_some(),
            Slot::New => f.new_code.is_some(),
            Slot::NewHead => f.new_head.is_some(),
        }
    }
}

use Slot as S;

/// What a reason requires and allows: (required, optional).
fn shape(reason: Reason) -> (&'static [Slot], &'static [Slot]) {
    const PERSON: &[Slot] = &[
        S::MyNumber,
        S::Name,
        S::Kana,
        S::Sex,
        S::Birth,
        S::Address,
        S::Postal,
        S::Household,
        S::Relationship,
    ];
    const BORN: &[Slot] = &[
        S::MyNumber,
        S::Name,
        S::Kana,
        S::Sex,
        S::Address,
        S::Postal,
        S::Household,
        S::Relationship,
    ];
    match reason {
        Reason::MoveIn | Reason::EntryExOfficio => (PERSON, &[S::From]),
        Reason::Birth => (BORN, &[S::Birth]),
        Reason::Move => (
            &[S::Address],
            &[S::Postal, S::Household, S::Relationship, S::NewHead],
        ),
        Reason::MoveOut => (&[S::To], &[S::NewHead]),
        Reason::Death | Reason::RemovalExOfficio => (&[], &[S::NewHead]),
        Reason::Rename => (&[], &[S::Name, S::Kana]),
        Reason::HouseholdChange => (&[], &[S::Household, S::Relationship, S::NewHead]),
        Reason::Correction => (
            &[],
            &[
                S::MyNumber,
                S::Name,
                S::Kana,
                S::Sex,
                S::Birth,
                S::Address,
                S::Postal,
                S::Household,
                S::Relationship,
                S::From,
                S::To,
                S::NewHead,
            ],
        ),
        Reason::CodeChange => (&[S::New], &[]),
        Reason::MyNumberChange => (&[S::MyNumber], &[]),
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

    /// Checks that the change carries every field its reason requires and no field its
    /// reason does not allow (the ★ check of a 転居 that changes anything but the address).
    pub fn check_fields(&self) -> Result<()> {
        let (required, optional) = shape(self.reason);
        let missing: Vec<&str> = required
            .iter()
            .filter(|s| !s.is_set(&self.fields))
            .map(|s| s.name())
            .collect();
        if !missing.is_empty() {
            return Err(StoreError::illegal(
                Rule::MissingField,
                format!("{} needs {}", self.reason, missing.join(", ")),
            ));
        }
        let extra: Vec<&str> = Slot::ALL
            .iter()
            .filter(|s| s.is_set(&self.fields) && !required.contains(s) && !optional.contains(s))
            .map(|s| s.name())
            .collect();
        if !extra.is_empty() {
            let rule = if self.reason == Reason::HouseholdChange && self.fields.address.is_some() {
                Rule::HouseholdChangeMovesAddress
            } else {
                Rule::FieldNotAllowed
            };
            let allowed: Vec<&str> = required.iter().chain(optional).map(|s| s.name()).collect();
            let allowed = if allowed.is_empty() {
                "nothing".to_string()
            } else {
                allowed.join(", ")
            };
            return Err(StoreError::illegal(
                rule,
                format!(
                    "{} may not change {} (it may set: {allowed})",
                    self.reason,
                    extra.join(", ")
                ),
            ));
        }
        match self.reason {
            Reason::Rename if self.fields.name.is_none() && self.fields.kana.is_none() => Err(
                StoreError::illegal(Rule::MissingField, "氏名変更 needs name or kana"),
            ),
            Reason::HouseholdChange
                if self.fields.household.is_none() && self.fields.relationship.is_none() =>
            {
                Err(StoreError::illegal(
                    Rule::MissingField,
                    "世帯変更 needs household or relationship",
                ))
            }
            Reason::Move | Reason::HouseholdChange
                if self.fields.household.is_some() && self.fields.relationship.is_none() =>
            {
                Err(StoreError::illegal(
                    Rule::MissingField,
                    format!("{} into another household needs relationship", self.reason),
                ))
            }
            Reason::Birth if self.fields.birth.is_some_and(|b| b != self.date) => {
                Err(StoreError::illegal(
                    Rule::FieldNotAllowed,
                    "出生: the birth date is the 異動日 (ON); birth= must match it",
                ))
            }
            _ => Ok(()),
        }
    }
}
