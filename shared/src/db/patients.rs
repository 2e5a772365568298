//! Patient profiles: where and how a patient wants to be reached.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{patient_profiles, users};
use crate::domain::{ClinicId, PatientId};
use crate::domain::{LocalTime, Locale, LockScreenPreview, QuietHours, TimeZone};
use crate::error::{Error, Result};

mod search;

pub use search::{BACKFILL_BATCH, backfill_search_keys, refresh_search_key};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = patient_profiles)]
pub struct PatientProfile {
    pub user_id: PatientId,
    pub clinic_id: ClinicId,
    pub given_name: String,
    pub family_name: Option<String>,
    pub phone: Option<String>,
    pub timezone: TimeZone,
    pub locale: Locale,
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    pub push_enabled: bool,
    pub email_enabled: bool,
    pub lock_screen_preview: LockScreenPreview,
    pub discharged_at: Option<NaiveDateTime>,
    pub erased_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The patient's own switch for texts (`channels.sms`); a text also needs a granted consent
    /// in force and a valid E.164 phone.
    pub sms_enabled: bool,
}

impl PatientProfile {
    /// A new patient's profile with the product defaults: quiet hours 21:00–08:00, push and
    /// email on, and a private lock-screen preview (no health text on a locked phone).
    pub fn with_defaults(
        user_id: &PatientId,
        clinic_id: &ClinicId,
        given_name: &str,
        timezone: TimeZone,
        locale: Locale,
        at: NaiveDateTime,
    ) -> Self {
        let quiet = QuietHours::default_night();
        Self {
            user_id: user_id.clone(),
            clinic_id: clinic_id.to_owned(),
            given_name: given_name.to_owned(),
            family_name: None,
            phone: None,
            timezone,
            locale,
            quiet_start: Some(quiet.start.to_string()),
            quiet_end: Some(quiet.end.to_string()),
            push_enabled: true,
            email_enabled: true,
            lock_screen_preview: LockScreenPreview::Private,
            discharged_at: None,
            erased_at: None,
            created_at: at,
            updated_at: at,
            sms_enabled: true,
        }
    }
}

/// Inserts the profile and computes its search key (the account's email is in `users`, written
/// first).
pub fn insert(conn: &mut DbConn, profile: &PatientProfile) -> Result<()> {
    diesel::insert_into(patient_profiles::table)
        .values(profile)
        .execute(conn)?;
    refresh_search_key(conn, &profile.user_id)
}

pub fn find(conn: &mut DbConn, user_id: &PatientId) -> Result<PatientProfile> {
    Ok(patient_profiles::table
        .find(user_id)
        .select(PatientProfile::as_select())
        .first(conn)?)
}

/// The profiles among `ids` that exist, in no particular order: one query for a worker's read window.
pub fn find_many(conn: &mut DbConn, ids: &[&PatientId]) -> Result<Vec<PatientProfile>> {
    Ok(patient_profiles::table
        .filter(patient_profiles::user_id.eq_any(ids))
        .select(PatientProfile::as_select())
        .load(conn)?)
}

/// A patient of the given clinic; another clinic's patient is `NotFound`.
pub fn find_in_clinic(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    user_id: &PatientId,
) -> Result<PatientProfile> {
    Ok(patient_profiles::table
        .filter(patient_profiles::user_id.eq(user_id))
        .filter(patient_profiles::clinic_id.eq(clinic_id))
        .select(PatientProfile::as_select())
        .first(conn)?)
}

/// Takes the patient's row lock (a no-op update: PostgreSQL row lock, SQLite write lock) and
/// returns the profile. With `clinic_id`, a patient of another clinic is `NotFound`; an erased
/// patient is `NotFound` to everyone.
pub fn lock_patient(
    conn: &mut DbConn,
    patient_id: &PatientId,
    clinic_id: Option<&ClinicId>,
) -> Result<PatientProfile> {
    let touch = patient_profiles::updated_at.eq(patient_profiles::updated_at);
    let base = patient_profiles::table
        .filter(patient_profiles::user_id.eq(patient_id))
        .filter(patient_profiles::erased_at.is_null());
    let n = match clinic_id {
        Some(c) => diesel::update(base.filter(patient_profiles::clinic_id.eq(c)))
            .set(touch)
            .execute(conn)?,
        None => diesel::update(base).set(touch).execute(conn)?,
    };
    if n == 0 {
        return Err(Error::NotFound);
    }
    find(conn, patient_id)
}

/// The patient's preferences as the engine reads them.
pub struct Preferences {
    pub tz: TimeZone,
    pub quiet: Option<QuietHours>,
    pub locale: Locale,
}

impl Preferences {
    pub fn of(p: &PatientProfile) -> Result<Self> {
        let corrupt = |what: &str| {
            Error::Internal(anyhow::anyhow!("patient {} has invalid {what}", p.user_id))
        };
        let (tz, locale) = (p.timezone, p.locale);
        let quiet = match (&p.quiet_start, &p.quiet_end) {
            (Some(s), Some(e)) => {
                let s = LocalTime::parse(s).map_err(|_| corrupt("quiet hours"))?;
                let e = LocalTime::parse(e).map_err(|_| corrupt("quiet hours"))?;
                Some(QuietHours::new(s, e).map_err(|_| corrupt("quiet hours"))?)
            }
            _ => None,
        };
        Ok(Self { tz, quiet, locale })
    }
}

/// Erases the profile's personal fields (names, phone, quiet hours, the search key and the
/// earlier search text),
/// turns every channel off and marks it erased. What remains is the pseudonymous id, the
/// clinic, the zone and language the clinical record's local times were planned in, and the
/// enrolment and discharge times.
pub fn erase(conn: &mut DbConn, patient_id: &PatientId, now: NaiveDateTime) -> Result<()> {
    diesel::update(patient_profiles::table.find(patient_id))
        .set((
            patient_profiles::given_name.eq(""),
            patient_profiles::family_name.eq(None::<String>),
            patient_profiles::phone.eq(None::<String>),
            patient_profiles::quiet_start.eq(None::<String>),
            patient_profiles::quiet_end.eq(None::<String>),
            patient_profiles::push_enabled.eq(false),
            patient_profiles::email_enabled.eq(false),
            patient_profiles::sms_enabled.eq(false),
            patient_profiles::search_text.eq(""),
            patient_profiles::search_key.eq(Some("")),
            patient_profiles::erased_at.eq(now),
            patient_profiles::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks the patient discharged (or re-admitted with `None`).
pub fn set_discharged(
    conn: &mut DbConn,
    patient_id: &PatientId,
    at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(patient_profiles::table.find(patient_id))
        .set((
            patient_profiles::discharged_at.eq(at),
            patient_profiles::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The delivery preferences a patient may change themselves; `None` leaves a field as is
/// (`quiet_hours: Some(None)` clears the window).
#[derive(Debug, Clone, Default)]
pub struct PreferencesForm {
    pub timezone: Option<TimeZone>,
    pub locale: Option<Locale>,
    pub quiet_hours: Option<Option<QuietHours>>,
    pub push_enabled: Option<bool>,
    pub email_enabled: Option<bool>,
    pub lock_screen_preview: Option<LockScreenPreview>,
}

/// Applies `u` to the profile (values already parsed), in the caller's transaction.
pub fn update_preferences(
    conn: &mut DbConn,
    current: &PatientProfile,
    u: &PreferencesForm,
    now: NaiveDateTime,
) -> Result<()> {
    let (quiet_start, quiet_end) = match u.quiet_hours {
        Some(Some(q)) => (Some(q.start.to_string()), Some(q.end.to_string())),
        Some(None) => (None, None),
        None => (current.quiet_start.clone(), current.quiet_end.clone()),
    };
    diesel::update(patient_profiles::table.find(&current.user_id))
        .set((
            patient_profiles::timezone.eq(u.timezone.unwrap_or(current.timezone)),
            patient_profiles::locale.eq(u.locale.unwrap_or(current.locale)),
            patient_profiles::quiet_start.eq(quiet_start),
            patient_profiles::quiet_end.eq(quiet_end),
            patient_profiles::push_enabled.eq(u.push_enabled.unwrap_or(current.push_enabled)),
            patient_profiles::email_enabled.eq(u.email_enabled.unwrap_or(current.email_enabled)),
            patient_profiles::lock_screen_preview
                .eq(u.lock_screen_preview.unwrap_or(current.lock_screen_preview)),
            patient_profiles::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A patient's corrected details, already parsed and compared: each field is the new value to
/// write (the caller passes the current one for a field that did not change).
#[derive(Debug, Clone)]
pub struct DetailsUpdate {
    pub email: String,
    pub phone: Option<String>,
    pub given_name: String,
    pub family_name: Option<String>,
}

/// Writes a patient's contact details and names: the profile, the account's email and display
/// name, and everything derived from them. Every write of these fields goes through here, in
/// the caller's transaction.
pub fn update_details(
    conn: &mut DbConn,
    patient_id: &PatientId,
    d: &DetailsUpdate,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(patient_profiles::table.find(patient_id))
        .set((
            patient_profiles::given_name.eq(&d.given_name),
            patient_profiles::family_name.eq(&d.family_name),
            patient_profiles::phone.eq(&d.phone),
            // The previous release's column: emptied rather than left with the old names.
            patient_profiles::search_text.eq(""),
            patient_profiles::updated_at.eq(now),
        ))
        .execute(conn)?;
    let display = match &d.family_name {
        Some(f) => format!("{} {f}", d.given_name),
        None => d.given_name.clone(),
    };
    diesel::update(users::table.find(patient_id.as_user()))
        .set((
            users::email.eq(&d.email),
            users::name.eq(display),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    // Names, email and phone are what patients are searched by.
    refresh_search_key(conn, patient_id)
}

/// The display names ("given family") of the clinic's patients among `ids`; erased patients
/// and other clinics' ids are left out.
pub fn display_names(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    ids: &[PatientId],
) -> Result<std::collections::HashMap<PatientId, String>> {
    let rows: Vec<(PatientId, String, Option<String>)> = patient_profiles::table
        .filter(patient_profiles::clinic_id.eq(clinic_id))
        .filter(patient_profiles::user_id.eq_any(ids))
        .filter(patient_profiles::erased_at.is_null())
        .select((
            patient_profiles::user_id,
            patient_profiles::given_name,
            patient_profiles::family_name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, given, family)| {
            let name = match family {
                Some(f) => format!("{given} {f}"),
                None => given,
            };
            (id, name)
        })
        .collect())
}
