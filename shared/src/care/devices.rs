//! The patient's phones for push (docs/CONTRACT.md `POST /v1/me/devices`,
//! `DELETE /v1/me/devices/{id}`). Not audited: a device is a delivery address the patient
//! manages, not clinical data, and the export lists every device.

use chrono::NaiveDateTime;

use crate::db::{Db, devices};
use crate::domain::{DeviceId, PatientId};
use crate::error::{Error, Result};

pub use crate::db::devices::{Device, DeviceForm, Registered};

/// Registers a push token (already checked: platform, provider, token shape) for the patient.
/// A token already known is re-activated and moved to this patient (a phone changes hands, or
/// the app re-registers): [`Registered::Existing`] (200), else [`Registered::Created`] (201).
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
