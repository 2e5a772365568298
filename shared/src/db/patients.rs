//! Patient profiles: where and how a patient wants to be reached.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::patient_profiles;
use crate::domain::{Locale, LockScreenPreview, QuietHours, TimeZone};
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = patient_profiles)]
pub struct PatientProfile {
    pub user_id: String,
    pub clinic_id: String,
    pub given_name: String,
    pub family_name: Option<String>,
    pub phone: Option<String>,
    pub timezone: String,
    pub locale: String,
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    pub push_enabled: bool,
    pub email_enabled: bool,
    pub lock_screen_preview: String,
    pub discharged_at: Option<NaiveDateTime>,
    pub erased_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PatientProfile {
    /// A new patient's profile with the product defaults: quiet hours 21:00–08:00, push and
    /// email on, and a private lock-screen preview (no health text on a locked phone).
    pub fn with_defaults(
        user_id: &str,
        clinic_id: &str,
        given_name: &str,
        timezone: TimeZone,
        locale: Locale,
        at: NaiveDateTime,
    ) -> Self {
        let quiet = QuietHours::default_night();
        Self {
            user_id: user_id.to_owned(),
            clinic_id: clinic_id.to_owned(),
            given_name: given_name.to_owned(),
            family_name: None,
            phone: None,
            timezone: timezone.name().to_owned(),
            locale: locale.as_str().to_owned(),
            quiet_start: Some(quiet.start.to_string()),
            quiet_end: Some(quiet.end.to_string()),
            push_enabled: true,
            email_enabled: true,
            lock_screen_preview: LockScreenPreview::Private.as_str().to_owned(),
            discharged_at: None,
            erased_at: None,
            created_at: at,
            updated_at: at,
        }
    }
}

pub fn insert(conn: &mut DbConn, profile: &PatientProfile) -> Result<()> {
    diesel::insert_into(patient_profiles::table)
        .values(profile)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, user_id: &str) -> Result<PatientProfile> {
    Ok(patient_profiles::table
        .find(user_id)
        .select(PatientProfile::as_select())
        .first(conn)?)
}

/// A patient of the given clinic; another clinic's patient is `NotFound`.
pub fn find_in_clinic(conn: &mut DbConn, clinic_id: &str, user_id: &str) -> Result<PatientProfile> {
    Ok(patient_profiles::table
        .filter(patient_profiles::user_id.eq(user_id))
        .filter(patient_profiles::clinic_id.eq(clinic_id))
        .select(PatientProfile::as_select())
        .first(conn)?)
}
