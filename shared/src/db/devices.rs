//! Push devices of patients. A token identifies one app install: registering a token another
//! patient had moves it (the phone changed hands or accounts), and providers' "unregistered"
//! answers deactivate it so nothing more is sent there.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::devices;
use crate::domain::Platform;
use crate::domain::{DeviceId, PatientId};
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = devices)]
pub struct Device {
    pub id: DeviceId,
    pub patient_id: PatientId,
    pub platform: Platform,
    pub token: String,
    pub app_version: Option<String>,
    pub active: bool,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Whether a registration created a device or re-used the token's existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    Created,
    Existing,
}

/// Registers `token` for `patient_id`, re-activating it (and moving it from another patient)
/// when it is already known.
pub fn register(
    conn: &mut DbConn,
    patient_id: &PatientId,
    platform: Platform,
    token: &str,
    app_version: Option<&str>,
    now: NaiveDateTime,
) -> Result<(Device, Registered)> {
    if let Some(d) = reactivate(conn, patient_id, platform, token, app_version, now)? {
        return Ok((d, Registered::Existing));
    }
    let device = Device {
        id: DeviceId::new(),
        patient_id: patient_id.to_owned(),
        platform,
        token: token.to_owned(),
        app_version: app_version.map(str::to_owned),
        active: true,
        last_error: None,
        created_at: now,
        updated_at: now,
    };
    match diesel::insert_into(devices::table)
        .values(&device)
        .execute(conn)
    {
        Ok(_) => Ok((device, Registered::Created)),
        // A concurrent registration of the same token won the insert: take that row over.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => reactivate(conn, patient_id, platform, token, app_version, now)?
            .map(|d| (d, Registered::Existing))
            .ok_or(crate::Error::Conflict("device token".into())),
        Err(e) => Err(e.into()),
    }
}

fn reactivate(
    conn: &mut DbConn,
    patient_id: &PatientId,
    platform: Platform,
    token: &str,
    app_version: Option<&str>,
    now: NaiveDateTime,
) -> Result<Option<Device>> {
    let n = diesel::update(devices::table.filter(devices::token.eq(token)))
        .set((
            devices::patient_id.eq(patient_id),
            devices::platform.eq(platform.as_str()),
            devices::app_version.eq(app_version),
            devices::active.eq(true),
            devices::last_error.eq(None::<String>),
            devices::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(devices::table
        .filter(devices::token.eq(token))
        .select(Device::as_select())
        .first(conn)
        .optional()?)
}

/// Deletes one of the patient's own devices; `false` when it is not theirs (or gone).
pub fn delete_own(conn: &mut DbConn, patient_id: &PatientId, id: &DeviceId) -> Result<bool> {
    let n = diesel::delete(
        devices::table
            .filter(devices::id.eq(id))
            .filter(devices::patient_id.eq(patient_id)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

pub fn active_for_patient(conn: &mut DbConn, patient_id: &PatientId) -> Result<Vec<Device>> {
    Ok(devices::table
        .filter(devices::patient_id.eq(patient_id))
        .filter(devices::active.eq(true))
        .order(devices::created_at.asc())
        .select(Device::as_select())
        .load(conn)?)
}

/// The active devices of all `patients`, oldest first: one query for a worker's batch.
pub fn active_for_patients(conn: &mut DbConn, patients: &[&PatientId]) -> Result<Vec<Device>> {
    Ok(devices::table
        .filter(devices::patient_id.eq_any(patients))
        .filter(devices::active.eq(true))
        .order(devices::created_at.asc())
        .select(Device::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConn, id: &DeviceId) -> Result<Device> {
    Ok(devices::table
        .find(id)
        .select(Device::as_select())
        .first(conn)?)
}

/// The provider said the token is dead: stop sending to it until the app registers again.
pub fn deactivate(
    conn: &mut DbConn,
    id: &DeviceId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(devices::table.find(id))
        .set((
            devices::active.eq(false),
            devices::last_error.eq(reason),
            devices::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
