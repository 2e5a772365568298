//! The patient's own check-ins (docs/CONTRACT.md `GET /v1/me/check-ins`): what they reported,
//! newest first, each with the guidance it gave.

use crate::care::protocols::Protocols;
use crate::db::{Db, check_ins, clinics, patients, treatments};
use crate::domain::{ClinicId, PatientId};
use crate::error::{Error, Result};
use crate::protocol::triage::{CheckInFacts, PreviousCheckIn};

use super::CheckIn;

/// A check-in as the patient reported it, with what to do about it.
#[derive(Debug, Clone)]
pub struct Reported {
    pub check_in: CheckIn,
    /// The guidance the protocol gives for these answers (compared, as when it was recorded,
    /// with the check-in before it for the same treatment), in the patient's language now.
    pub guidance: Vec<String>,
}

/// One page of the patient's check-ins in their clinic, newest first: at most `limit`, after the
/// keyset cursor `before_id` (a check-in id) when given. Errors: `NotFound` for a patient erased
/// or not of `clinic_id`; `Validation` on `cursor` when `before_id` is no check-in of theirs.
pub async fn history(
    db: &Db,
    protocols: &Protocols,
    clinic_id: &ClinicId,
    patient_id: &PatientId,
    before_id: Option<String>,
    limit: i64,
) -> Result<Vec<Reported>> {
    let (protocols, clinic_id, patient_id) = (
        protocols.clone(),
        clinic_id.to_owned(),
        patient_id.to_owned(),
    );
    let before_id = crate::care::devices::cursor_id(before_id)?;
    db.run(move |c| {
        let profile = patients::find(c, &patient_id)?;
        if profile.clinic_id != clinic_id || profile.erased_at.is_some() {
            return Err(Error::NotFound);
        }
        let page =
            check_ins::page_for_patient(c, &clinic_id, &patient_id, before_id.as_deref(), limit)?
                .ok_or_else(|| Error::invalid("cursor", "is not a cursor returned by this list"))?;
        let all = check_ins::scores_for_patient(c, &patient_id)?;
        let clinic = clinics::find(c, &clinic_id)?;
        // Each check-in is read with the rules of the protocol its treatment was planned with.
        let mut planned_with = std::collections::HashMap::new();
        for t in treatments::list_for_patient(c, &patient_id)? {
            planned_with.insert(t.id, protocols.of(c, t.protocol_id.as_ref())?);
        }
        Ok(page
            .into_iter()
            .map(|check_in| {
                let protocol = check_in
                    .treatment_id
                    .as_ref()
                    .and_then(|t| planned_with.get(t))
                    .unwrap_or(protocols.default_protocol());
                let at = all.iter().position(|s| s.id == check_in.id).unwrap_or(0);
                let previous = all[..at]
                    .iter()
                    .rev()
                    .find(|s| s.treatment_id.is_some() && s.treatment_id == check_in.treatment_id)
                    .and_then(|s| {
                        Some(PreviousCheckIn {
                            day: s.day?,
                            redness: s.redness,
                        })
                    });
                let facts = CheckInFacts {
                    day: check_in.day.unwrap_or(0),
                    redness: check_in.redness,
                    swelling: check_in.swelling,
                    pain: check_in.pain,
                    peeling: check_in.peeling,
                    symptoms: check_in.symptoms.0.clone(),
                };
                let triage = protocol.triage(
                    &facts,
                    previous,
                    profile.locale,
                    clinic.contact_phone.as_deref(),
                );
                Reported {
                    check_in,
                    guidance: triage.guidance,
                }
            })
            .collect())
    })
    .await
}
