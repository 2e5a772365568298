//! The clinic as its staff read it: its own details (docs/CONTRACT.md `GET /v1/clinic`) and its
//! audit log (`GET /v1/clinic/audit`, the console's audit page).

use std::collections::HashMap;

use super::StaffActor;
use crate::db::{Db, DbConn, audit, clinics, patients, users};
use crate::domain::{AuditAction, ClinicId, PatientId, Role, UserId};
use crate::error::{Error, Result};

pub use crate::db::audit::AuditEntry;
pub use crate::db::clinics::Clinic;

/// The actor's clinic: name, time zone and the contact patients are given.
pub async fn find(db: &Db, actor: &StaffActor) -> Result<Clinic> {
    let clinic_id = actor.clinic_id.clone();
    db.run(move |c| clinics::find(c, &clinic_id)).await
}

/// Which audit entries to read.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only entries about this patient.
    pub patient_id: Option<PatientId>,
    /// Read the entries naming `patient_id` whether or not it is a patient of the clinic today
    /// (the console's free-text filter); otherwise an id that is not one is `NotFound`.
    pub any_patient_id: bool,
    /// Only entries of this action.
    pub action: Option<AuditAction>,
    /// Keyset cursor: only entries with an id below this one (ids are time-ordered).
    pub before_id: Option<String>,
    /// At most this many entries.
    pub limit: i64,
}

/// One page of the actor's clinic's audit log (an admin's reading), newest first, narrowed by
/// `query`. The log holds ids and action names only, no health content, so reading it is not
/// itself audited. A list view is one entry naming the patients it showed
/// ([`AuditEntry::patients`]); the patient filter finds it too. Errors: `NotFound` (404) when
/// `query.patient_id` is not a patient of the actor's clinic (another clinic's patient is as
/// unknown here as anywhere else), unless `query.any_patient_id` asks for whatever entries name
/// the id (an enrolment taken back after a bounced invitation leaves entries and no account).
pub async fn audit_log(db: &Db, actor: &StaffActor, query: AuditQuery) -> Result<Vec<AuditEntry>> {
    let clinic_id = actor.clinic_id.clone();
    db.run(move |c| read_log(c, &clinic_id, &query)).await
}

fn read_log(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    query: &AuditQuery,
) -> Result<Vec<AuditEntry>> {
    if let (Some(pid), false) = (&query.patient_id, query.any_patient_id) {
        let u = users::find_in_clinic(conn, clinic_id, &pid.as_user())?;
        if u.role != Role::Patient {
            return Err(Error::NotFound);
        }
    }
    audit::list_filtered(
        conn,
        clinic_id,
        query.patient_id.as_ref(),
        query.action,
        query.before_id.as_deref(),
        query.limit,
    )
}

/// A page of the audit log with the names to print it: the console's audit page.
#[derive(Debug, Clone, Default)]
pub struct AuditView {
    pub entries: Vec<AuditEntry>,
    /// The clinic's staff by id (any status), for the entries' actors.
    pub staff: HashMap<UserId, String>,
    /// The display names of the clinic's patients the page names (as subjects, as actors of
    /// their own entries, or as the filter), read in one batch. An erased patient, or one whose
    /// enrolment was taken back, has none.
    pub patients: HashMap<PatientId, String>,
}

/// [`audit_log`] with the names of everyone the page mentions, in one read of each kind (not
/// one per row). Only the actor's clinic's people are named; like the log, this read of names
/// is not audited (the page shows who did what, not anyone's health data).
pub async fn audit_view(db: &Db, actor: &StaffActor, query: AuditQuery) -> Result<AuditView> {
    let clinic_id = actor.clinic_id.clone();
    db.run(move |c| {
        let entries = read_log(c, &clinic_id, &query)?;
        let staff = users::staff_of(c, &clinic_id)?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let mut ids: Vec<PatientId> = query.patient_id.iter().cloned().collect();
        for e in &entries {
            ids.extend(e.patients().into_iter().cloned());
            ids.extend(e.actor_id.as_ref().map(UserId::as_patient));
        }
        ids.sort();
        ids.dedup();
        let patients = patients::display_names(c, &clinic_id, &ids)?;
        Ok(AuditView {
            entries,
            staff,
            patients,
        })
    })
    .await
}
