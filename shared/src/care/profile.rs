//! What the patient reads of their own care (docs/CONTRACT.md "Patient"): their profile with
//! the clinic's contact (`GET /v1/me`), their plan (`GET /v1/me/timeline`) and the booked next
//! session as a calendar entry (`GET /v1/me/next-session.ics`). A patient reading their own
//! data is not audited (the audit log records staff reads and every change).

use std::collections::HashMap;

use crate::db::{Db, DbConn, bookings, clinics, delivery_log, patients, prompts, users};
use crate::domain::{Locale, PatientId, PromptId};
use crate::error::{Error, Result};

pub use crate::db::bookings::Booking;
pub use crate::db::clinics::Clinic;
pub use crate::db::delivery_log::{DeliveryStep, DeliveryStepStatus};
pub use crate::db::patients::PatientProfile;
pub use crate::db::prompts::Prompt;

/// The patient's profile (preferences included), their account's email and their clinic.
#[derive(Debug, Clone)]
pub struct Me {
    pub profile: PatientProfile,
    pub email: String,
    pub clinic: Clinic,
}

/// The caller's profile, account email and clinic, read on one connection. Errors: `NotFound`
/// for an erased patient (404; their session is gone too, so the API answers 401 first).
pub async fn me(db: &Db, patient_id: &PatientId) -> Result<Me> {
    let patient_id = patient_id.to_owned();
    db.run(move |conn| {
        let profile = patients::find(conn, &patient_id)?;
        if profile.erased_at.is_some() {
            return Err(Error::NotFound);
        }
        let user = users::find(conn, &patient_id.as_user())?;
        let clinic = clinics::find(conn, &profile.clinic_id)?;
        Ok(Me {
            profile,
            email: user.email,
            clinic,
        })
    })
    .await
}

/// The patient's plan as the timeline shows it.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// Every prompt, past and future, in delivery order (due time, then id).
    pub prompts: Vec<Prompt>,
    /// The live booking of the next session, if one is booked.
    pub next_session: Option<Booking>,
    /// Each prompt's delivery steps (channels tried, what was confirmed), oldest first; a
    /// prompt never attempted has no entry.
    pub deliveries: HashMap<PromptId, Vec<DeliveryStep>>,
}

/// The patient's timeline, read on `conn`: the connection the caller already checked out. It
/// takes a connection rather than [`Db`] because `GET /v1/me/timeline` checks the caller's
/// session on the same checkout (`Deferred::run` in the API hands it over), so the request
/// makes one trip to the blocking pool (BENCHMARKS.md, "One trip to the blocking pool per
/// timeline read"); a caller holding only a [`Db`] runs it with
/// `db.run(|c| timeline(c, &id))`. Three reads (prompts, their delivery steps, the booking), no
/// transaction: each is one statement, and a row changing between them shows at the next poll
/// (the `ETag` covers all three).
pub fn timeline(conn: &mut DbConn, patient_id: &PatientId) -> Result<Timeline> {
    let prompts = prompts::for_patient(conn, patient_id)?;
    let ids: Vec<PromptId> = prompts.iter().map(|p| p.id.clone()).collect();
    Ok(Timeline {
        deliveries: delivery_log::steps_for_prompts(conn, &ids)?,
        prompts,
        next_session: bookings::live(conn, patient_id)?,
    })
}

/// [`timeline`] on a connection of its own, for a caller holding only a [`Db`] (the patient web
/// app's pages, which check their cookie session first).
pub async fn timeline_of(db: &Db, patient_id: &PatientId) -> Result<Timeline> {
    let patient_id = patient_id.to_owned();
    db.run(move |conn| timeline(conn, &patient_id)).await
}

/// What the calendar entry of the next session is made of.
#[derive(Debug, Clone)]
pub struct NextSession {
    pub booking: Booking,
    /// Its name and phone are the event's summary and location.
    pub clinic: Clinic,
    /// The patient's language, which the event's texts are written in.
    pub locale: Locale,
}

/// The patient's booked next session with their clinic and language. Errors: `NotFound` when
/// no session is booked (404).
pub async fn next_session(db: &Db, patient_id: &PatientId) -> Result<NextSession> {
    let patient_id = patient_id.to_owned();
    db.run(move |conn| {
        let profile = patients::find(conn, &patient_id)?;
        let booking = bookings::live(conn, &patient_id)?.ok_or(Error::NotFound)?;
        let clinic = clinics::find(conn, &profile.clinic_id)?;
        Ok(NextSession {
            booking,
            clinic,
            locale: profile.locale,
        })
    })
    .await
}
