//! The patient's phones for push (docs/CONTRACT.md `POST /v1/me/devices`, `GET /v1/me/devices`,
//! `DELETE /v1/me/devices/{id}`). Not audited: a device is a delivery address the patient
//! manages, not clinical data, and the export lists every device.

use chrono::NaiveDateTime;

use crate::db::{Db, devices, patients};
use crate::domain::{ClinicId, DeviceId, PatientId};
use crate::error::{Error, Result};

pub use crate::db::devices::{Device, DeviceForm, MAX_WEB_PUSH_DEVICES, Registered, WebPushKeys};
pub use crate::domain::EndpointPolicy;

/// Registers a push token (already checked: platform, provider, token shape) for the patient.
/// A token already known is re-activated and moved to this patient (a phone changes hands, or
/// the app re-registers): [`Registered::Existing`] (200), else [`Registered::Created`] (201).
/// A Web Push subscription beyond the patient's [`MAX_WEB_PUSH_DEVICES`] active ones retires the
/// least recently registered (`last_error` [`crate::db::devices::REPLACED`]).
/// Runs without an enclosing transaction on purpose: when a concurrent registration of the same
/// token wins the insert, the unique violation is answered by taking that row over, which a
/// PostgreSQL transaction aborted by the violation could not do. Errors: `Conflict` only if the
/// token vanished again in between.
pub async fn register(
    db: &Db,
    patient_id: &PatientId,
    new: DeviceForm,
    now: NaiveDateTime,
) -> Result<(Device, Registered)> {
    let patient_id = patient_id.to_owned();
    db.run(move |c| devices::register(c, &patient_id, &new, now))
        .await
}

/// A registered device and when something was last sent to it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub device: Device,
    /// The last delivery attempt the push service accepted; `None` when none was.
    pub last_used_at: Option<NaiveDateTime>,
}

/// One page of the patient's own devices, live or not, newest first: at most `limit`, below the
/// keyset cursor `before_id` (a device id) when given. Scoped to the caller's clinic.
/// Errors: `NotFound` for a patient erased or not of `clinic_id`.
pub async fn list(
    db: &Db,
    clinic_id: &ClinicId,
    patient_id: &PatientId,
    before_id: Option<String>,
    limit: i64,
) -> Result<Vec<Listed>> {
    let (clinic_id, patient_id) = (clinic_id.to_owned(), patient_id.to_owned());
    let before_id = cursor_id(before_id)?;
    db.run(move |c| {
        let profile = patients::find(c, &patient_id)?;
        if profile.clinic_id != clinic_id || profile.erased_at.is_some() {
            return Err(Error::NotFound);
        }
        let page = devices::page_for_patient(c, &patient_id, before_id.as_deref(), limit)?;
        let ids: Vec<&DeviceId> = page.iter().map(|d| &d.id).collect();
        let used = devices::last_sent(c, &ids)?;
        Ok(page
            .into_iter()
            .map(|device| Listed {
                last_used_at: used.iter().find(|(id, _)| *id == device.id).map(|u| u.1),
                device,
            })
            .collect())
    })
    .await
}

/// A keyset cursor's row id, checked: ids are UUID text, so anything else (a byte the database
/// refuses included) is no cursor of a list. Errors: `Validation` on `cursor`.
pub(crate) fn cursor_id(before_id: Option<String>) -> Result<Option<String>> {
    match before_id {
        Some(b) if uuid::Uuid::parse_str(&b).is_err() => Err(Error::invalid(
            "cursor",
            "is not a cursor returned by this list",
        )),
        other => Ok(other),
    }
}

/// Removes the patient's own active Web Push device whose endpoint is `endpoint` (the web app's
/// "Turn notifications off", `DELETE /app/push-subscriptions`): one statement, scoped to the
/// patient of `clinic_id` (erased or another clinic's: nothing removed). Returns whether a
/// device was removed (`false` answers 404).
pub async fn remove_by_token(
    db: &Db,
    clinic_id: &ClinicId,
    patient_id: &PatientId,
    endpoint: &str,
) -> Result<bool> {
    let (clinic_id, patient_id) = (clinic_id.to_owned(), patient_id.to_owned());
    let endpoint = endpoint.to_owned();
    db.run(move |c| devices::delete_web_push_by_token(c, &clinic_id, &patient_id, &endpoint))
        .await
}

/// Unregisters one of the patient's devices. Errors: `NotFound` (404) for another patient's
/// device, an unknown id or one already removed.
pub async fn remove(db: &Db, patient_id: &PatientId, id: &DeviceId) -> Result<()> {
    let (patient_id, id) = (patient_id.to_owned(), id.to_owned());
    let deleted = db
        .run(move |c| devices::delete_own(c, &patient_id, &id))
        .await?;
    if deleted {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}
