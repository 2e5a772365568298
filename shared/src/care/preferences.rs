//! The patient's own delivery settings (docs/CONTRACT.md `PATCH /v1/me`).

use chrono::NaiveDateTime;

use super::protocols::Protocols;
use crate::db::patients::{self, DetailsUpdate};
use crate::db::{Db, audit, plans, users};
use crate::domain::{AuditAction, PatientId};
use crate::error::Result;

pub use crate::db::patients::PreferencesForm;

/// Applies the patient's changed settings and re-plans their future prompts in the same
/// transaction: a new zone or quiet hours re-times them, a new language re-renders them. Turning
/// both channels off keeps the plan (the timeline still shows it). A changed phone (E.164,
/// validated by the caller) is written with the other contact details and audited
/// `patient.phone_update` with the patient as the actor (never the number). Returns how many
/// prompts the re-plan changed. Errors: `NotFound` for an erased patient.
pub async fn update(
    db: &Db,
    protocols: &Protocols,
    patient_id: &PatientId,
    update: PreferencesForm,
    now: NaiveDateTime,
) -> Result<plans::Outcome> {
    let (protocols, patient_id) = (protocols.clone(), patient_id.to_owned());
    db.transaction(move |conn| {
        let current = patients::lock_patient(conn, &patient_id, None)?;
        patients::update_preferences(conn, &current, &update, now)?;
        if let Some(phone) = update.phone.clone().filter(|p| *p != current.phone) {
            let user = users::find(conn, &patient_id.as_user())?;
            let details = DetailsUpdate {
                email: user.email,
                phone,
                given_name: current.given_name.clone(),
                family_name: current.family_name.clone(),
            };
            patients::update_details(conn, &patient_id, &details, now)?;
            audit::record(
                conn,
                &current.clinic_id,
                Some(&user.id),
                AuditAction::PatientPhoneUpdate,
                Some(&patient_id),
                now,
            )?;
        }
        super::plan::replan(conn, &protocols, &patient_id, now)
    })
    .await
}
