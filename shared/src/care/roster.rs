//! What staff read about their patients. Every read of a patient's data is audited in the
//! read's own transaction, so the audit log cannot miss one.

use chrono::NaiveDateTime;

use super::StaffActor;
use crate::db::roster;
use crate::db::{Db, audit, patients};
use crate::domain::AuditAction;
use crate::domain::PatientId;
use crate::error::Result;

pub use crate::db::roster::{
    LOW_ADHERENCE, ListQuery, ListStatus, PatientRecord, PatientSummary, RosterPage, RosterQuery,
    RosterSort,
};

/// One page of the actor's clinic's patients (up to `query.limit`, newest first). The first
/// `audited` rows (the ones the caller shows) are named by one `patient.list` audit entry for
/// the view.
pub async fn list(
    db: &Db,
    actor: &StaffActor,
    query: ListQuery,
    audited: usize,
    now: NaiveDateTime,
) -> Result<Vec<PatientSummary>> {
    let actor = actor.clone();
    db.transaction(move |c| {
        let rows = roster::list(c, &actor.clinic_id, &query)?;
        let shown: Vec<&PatientId> = rows.iter().take(audited).map(|r| &r.id).collect();
        audit::record_list(
            c,
            &actor.clinic_id,
            Some(&actor.user_id),
            AuditAction::PatientList,
            &shown,
            now,
        )?;
        Ok(rows)
    })
    .await
}

/// One page of the console's roster (filters, sort and cursor in `query`), with one
/// `patient.list` audit entry naming the rows shown, as in [`list`].
pub async fn browse(
    db: &Db,
    actor: &StaffActor,
    query: RosterQuery,
    now: NaiveDateTime,
) -> Result<RosterPage> {
    let actor = actor.clone();
    db.transaction(move |c| {
        let page = roster::browse(c, &actor.clinic_id, &query)?;
        let shown: Vec<&PatientId> = page.rows.iter().map(|r| &r.id).collect();
        audit::record_list(
            c,
            &actor.clinic_id,
            Some(&actor.user_id),
            AuditAction::PatientList,
            &shown,
            now,
        )?;
        Ok(page)
    })
    .await
}

/// One patient's whole record, with a `patient.read` audit entry; an erased patient's is the
/// de-identified clinical record. Errors: `NotFound` for a patient of another clinic or an
/// unknown one.
pub async fn record(
    db: &Db,
    actor: &StaffActor,
    patient_id: &PatientId,
    now: NaiveDateTime,
) -> Result<PatientRecord> {
    let (actor, id) = (actor.clone(), patient_id.to_owned());
    db.transaction(move |c| {
        let record = roster::record(c, &actor.clinic_id, &id)?;
        audit::record(
            c,
            &actor.clinic_id,
            Some(&actor.user_id),
            AuditAction::PatientRead,
            Some(&id),
            now,
        )?;
        Ok(record)
    })
    .await
}

/// Checks that `patient_id` is a patient of the actor's clinic (erased ones included), before a
/// form about them is shown; not audited, as nothing of the patient is read out. Errors:
/// `NotFound` (404) for another clinic's patient or an unknown id.
pub async fn check_patient(db: &Db, actor: &StaffActor, patient_id: &PatientId) -> Result<()> {
    let (clinic_id, id) = (actor.clinic_id.clone(), patient_id.to_owned());
    db.run(move |c| patients::find_in_clinic(c, &clinic_id, &id))
        .await?;
    Ok(())
}

/// The display names of the actor's clinic's patients among `ids` (for lists that show whose
/// row it is, such as the escalation queue, whose read is audited by its own use case).
pub async fn names(
    db: &Db,
    actor: &StaffActor,
    ids: Vec<PatientId>,
) -> Result<std::collections::HashMap<PatientId, String>> {
    let clinic_id = actor.clinic_id.clone();
    db.run(move |c| patients::display_names(c, &clinic_id, &ids))
        .await
}
