//! The patient's own delivery settings (docs/CONTRACT.md `PATCH /v1/me`).

use std::sync::Arc;

use chrono::NaiveDateTime;

use crate::db::patients;
use crate::db::{Db, plans};
use crate::domain::PatientId;
use crate::error::Result;
use crate::protocol::Protocol;

pub use crate::db::patients::PreferencesForm;

/// Applies the patient's changed settings and re-plans their future prompts in the same
/// transaction: a new zone or quiet hours re-times them, a new language re-renders them. Turning
/// both channels off keeps the plan (the timeline still shows it). Returns how many prompts the
/// re-plan changed. Errors: `NotFound` for an erased patient.
pub async fn update(
    db: &Db,
    protocol: &Arc<Protocol>,
    patient_id: &PatientId,
    update: PreferencesForm,
    now: NaiveDateTime,
) -> Result<plans::Outcome> {
    let (protocol, patient_id) = (protocol.clone(), patient_id.to_owned());
    db.transaction(move |conn| {
        let current = patients::lock_patient(conn, &patient_id, None)?;
        patients::update_preferences(conn, &current, &update, now)?;
        super::plan::replan(conn, &protocol, &patient_id, now)
    })
    .await
}
