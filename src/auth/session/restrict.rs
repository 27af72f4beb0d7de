//! DV等支援措置: a resident under a support measure (住基法第12条第6項, 住民基本台帳事務処理
//! 要領 第5-10) is one whose 写し the register hands to no one but themself while the
//! measure is in force.
//!
//! A measure is kept per person (宛名番号, so it follows a resident code change) with the
//! days it runs from and until (both inclusive; a measure is granted for a year and
//! extended). While it is in force, every certificate that carries the person is refused
//! unless the person themself asks for it (`REQUESTED BY` their resident code): the
//! household, third parties and unnamed requesters are refused, and the refusal is logged
//! like any other. Setting and lifting one needs the `restrict` permission.

use super::Session;
use crate::auth::error::{AuthError, Result};
use crate::auth::role::Permission;
use crate::certificate::Requester;
use crate::model::{Date, ResidentCode};
use crate::store::engine::schema::RESTRICTIONS;
use crate::store::{Database, Resident, StoreError};

impl Session {
    /// Puts a resident under a DV等支援措置 from `from` until `until` (replacing the days of
    /// one already set).
    pub fn restrict(&self, code: ResidentCode, from: Date, until: Date) -> Result<()> {
        if until < from {
            return Err(AuthError::Invalid {
                field: "until",
                reason: format!("{until} is before {from}"),
            }
            .into());
        }
        let text = format!("RESTRICT {code} FROM {from} UNTIL {until}");
        let atena = self.atena_of(code)?;
        self.admin_write("RESTRICT", text, &[Permission::Restrict], |txn| {
            txn.open_table(RESTRICTIONS)?
                .insert(atena, (from.to_yyyymmdd(), until.to_yyyymmdd()))?;
            Ok(())
        })
    }

    /// Ends a resident's DV等支援措置.
    pub fn lift_restriction(&self, code: ResidentCode) -> Result<()> {
        let text = format!("LIFT RESTRICTION {code}");
        let atena = self.atena_of(code)?;
        self.admin_write("LIFT RESTRICTION", text, &[Permission::Restrict], |txn| {
            let removed = txn.open_table(RESTRICTIONS)?.remove(atena)?.is_some();
            if removed {
                Ok(())
            } else {
                Err(StoreError::NotFound(format!("a support measure for resident {code}")).into())
            }
        })
    }

    fn atena_of(&self, code: ResidentCode) -> Result<u64> {
        Ok(self
            .db()
            .get(code)?
            .ok_or_else(|| StoreError::NotFound(format!("resident {code}")))?
            .atena_number)
    }
}

/// The days of a person's support measure, when one is recorded.
fn measure(db: &Database, atena: u64) -> Result<Option<(Date, Date)>> {
    let txn = db.read_transaction()?;
    let table = match txn.open_table(RESTRICTIONS) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(StoreError::from(e).into()),
    };
    let Some(v) = table.get(atena).map_err(StoreError::from)? else {
        return Ok(None);
    };
    let (from, until) = v.value();
    Ok(Some((
        Date::from_yyyymmdd(from)?,
        Date::from_yyyymmdd(until)?,
    )))
}

/// Refuses a certificate of `persons` when one of them is under a support measure in force
/// `today` and the requester is not that person.
pub(super) fn check_measures(
    db: &Database,
    persons: &[Resident],
    requester: &Requester,
    today: Date,
) -> Result<()> {
    for r in persons {
        let Some((from, until)) = measure(db, r.atena_number)? else {
            continue;
        };
        if today < from || today > until {
            continue;
        }
        let themself = match requester {
            Requester::Resident(code) => db
                .get(*code)?
                .is_some_and(|q| q.atena_number == r.atena_number),
            _ => false,
        };
        if !themself {
            return Err(AuthError::SupportMeasure(r.code.to_string()).into());
        }
    }
    Ok(())
}
