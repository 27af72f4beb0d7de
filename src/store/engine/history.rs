//! Reads that show a resident as each version recorded them: HISTORY's rows and the
//! 世帯主's name beside a resident.
//!
//! Invariants:
//! * a HISTORY row of version V is the as-of answer on V's 異動日 over versions 1..=V only
//!   (the fold of DESIGN.md, "Versioning model"), so a backdated 職権修正 shows the state it
//!   recorded for its date, not the latest state beside an old 異動日; a version with no
//!   backdated correction before it is shown as stored;
//! * the 世帯主 of a household on a date is the active member whose 続柄 is 世帯主 in the
//!   version in force on that date; now, the one `heads` names, which the write path keeps
//!   equal to the member whose latest version is the household's 世帯主; `None` when the
//!   household has none.

use super::record::{ArchivedStoredRecord, StoredRecord};
use super::tables::{fold_archived, fold_as_of, with_as_of, View};
use crate::model::{Name, Status};
use crate::store::error::Result;
use redb::ReadableTable;

const HEAD: &str = "世帯主";

/// Every version of a resident (given oldest first) as it stood on its own 異動日 when it
/// was recorded: version V folded over versions 1..=V.
pub(crate) fn as_recorded(versions: Vec<StoredRecord>) -> Result<Vec<StoredRecord>> {
    let mut out = Vec::with_capacity(versions.len());
    for (i, v) in versions.iter().enumerate() {
        if v.prefix_max == v.valid_from {
            // No backdated correction reaches past this version: the fold is the version.
            out.push(v.clone());
            continue;
        }
        let upto = versions[..=i].iter().rev().cloned().map(Ok);
        let folded = fold_as_of(upto, v.valid_from)?.unwrap_or_else(|| v.clone());
        out.push(folded);
    }
    Ok(out)
}

/// The name of the 世帯主 of household `h` on `date` (`yyyymmdd`), or now when `date` is
/// `None`.
///
/// On the hot path of every read. Now, it is one probe in `heads`. On a date, the members
/// are walked in internal-id order (the first member ever recorded, most often the head,
/// first), each version checked in place and only the head's name copied out.
pub(crate) fn head_name(t: &impl View, h: u64, date: Option<u32>) -> Result<Option<Name>> {
    let Some(d) = date else {
        let head = t.heads().get(h)?;
        return Ok(head.map(|g| Name::from_trusted(g.value().1.to_string())));
    };
    let is_head = |rec: &ArchivedStoredRecord| {
        rec.household.to_native() == h
            && rec.status == Status::Active.code()
            && rec.relationship.as_str() == HEAD
    };
    first_of_members(t, h, |id| {
        let found = with_as_of(t.versions(), id, d, |base, later| {
            Ok(if later.is_empty() {
                is_head(base).then(|| Name::from_trusted(base.name.as_str().to_string()))
            } else {
                let rec = fold_archived(base, later)?;
                is_head_of(&rec, h).then(|| Name::from_trusted(rec.name))
            })
        })?;
        Ok(found.flatten())
    })
}

/// Each internal id with an entry in household `h`, once, in id order, given to `visit`
/// until it returns an answer.
fn first_of_members<T>(
    t: &impl View,
    h: u64,
    mut visit: impl FnMut(u64) -> Result<Option<T>>,
) -> Result<Option<T>> {
    let mut last = None;
    for entry in t.households().range((h, 0, 0)..=(h, u64::MAX, u32::MAX))? {
        let (k, _) = entry?;
        let (_, id, _) = k.value();
        if last == Some(id) {
            continue;
        }
        last = Some(id);
        if let Some(found) = visit(id)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Each resident with an entry in household `h`, once, as they stood on `date` (`yyyymmdd`;
/// their latest version when `None`), given to `visit` until it returns an answer. The
/// version may be in another household by then: `visit` checks.
pub(crate) fn find_in_household<T>(
    t: &impl View,
    h: u64,
    date: Option<u32>,
    mut visit: impl FnMut(StoredRecord) -> Option<T>,
) -> Result<Option<T>> {
    first_of_members(t, h, |id| {
        let rec = match date {
            Some(d) => t.as_of(id, d)?,
            None => t.latest(id)?,
        };
        Ok(rec.and_then(&mut visit))
    })
}

/// Whether `rec` is the active 世帯主 of household `h`.
pub(crate) fn is_head_of(rec: &StoredRecord, h: u64) -> bool {
    rec.household == h && rec.status == Status::Active.code() && rec.relationship == HEAD
}
