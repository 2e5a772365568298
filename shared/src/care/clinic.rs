//! The clinic as its staff read it: its own details (docs/CONTRACT.md `GET /v1/clinic`) and its
//! audit log (`GET /v1/clinic/audit`, the console's audit page).

use super::StaffActor;
use crate::db::{Db, audit, clinics, users};
use crate::domain::{AuditAction, PatientId, Role};
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
/// itself audited. Errors: `NotFound` (404) when `query.patient_id` is not a patient of the
/// actor's clinic (another clinic's patient is as unknown here as anywhere else), unless
/// `query.any_patient_id` asks for whatever entries name the id (the console's free-text filter:
/// an enrolment taken back after a bounced invitation leaves entries and no account).
pub async fn audit_log(db: &Db, actor: &StaffActor, query: AuditQuery) -> Result<Vec<AuditEntry>> {
    let clinic_id = actor.clinic_id.clone();
    db.run(move |c| {
        if let (Some(pid), false) = (&query.patient_id, query.any_patient_id) {
            let u = users::find_in_clinic(c, &clinic_id, &pid.as_user())?;
            if u.role != Role::Patient {
                return Err(Error::NotFound);
            }
        }
        audit::list_filtered(
            c,
            &clinic_id,
            query.patient_id.as_ref(),
            query.action,
            query.before_id.as_deref(),
            query.limit,
        )
    })
    .await
}
