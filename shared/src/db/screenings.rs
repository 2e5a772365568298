//! Pre-visit screenings: what a patient reported before a booked session (contraindication
//! codes and an optional note). Every answer is kept with the booking's `revision` when it was
//! given; the latest one for the booking's current revision is what the clinic sees
//! (`crate::care::screenings`): a moved session (same booking, higher revision) counts as not
//! answered until the patient answers again.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::bookings::Booking;
use super::schema::{patient_profiles, screenings, session_bookings};
use super::types::JsonList;
use crate::domain::{BookingId, ClinicId, Contraindication, PatientId, ScreeningId};
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = screenings)]
pub struct Screening {
    pub id: ScreeningId,
    pub clinic_id: ClinicId,
    pub patient_id: PatientId,
    pub booking_id: BookingId,
    /// The codes reported, distinct, in the order given; empty for "none of these".
    pub contraindications: JsonList<Contraindication>,
    /// The patient's own words, trimmed, at most 1,000 characters.
    pub notes: Option<String>,
    /// Whether any code was reported.
    pub flagged: bool,
    pub created_at: NaiveDateTime,
    /// The booking's `revision` when the patient answered: lower than the booking's own once the
    /// session was moved, so the answer was about an earlier time.
    pub booking_revision: i32,
}

/// The join of an answer to its booking when it was given for the booking's current time.
macro_rules! current_booking {
    () => {
        session_bookings::table.on(session_bookings::id
            .eq(screenings::booking_id)
            .and(session_bookings::revision.eq(screenings::booking_revision)))
    };
}

pub fn insert(conn: &mut DbConn, row: &Screening) -> Result<()> {
    diesel::insert_into(screenings::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The latest answer for `booking` at its current time (its `revision`), if any.
pub fn latest_for_booking(conn: &mut DbConn, booking: &Booking) -> Result<Option<Screening>> {
    Ok(screenings::table
        .filter(screenings::booking_id.eq(&booking.id))
        .filter(screenings::booking_revision.eq(booking.revision))
        .order((screenings::created_at.desc(), screenings::id.desc()))
        .select(Screening::as_select())
        .first(conn)
        .optional()?)
}

/// How many answers were given for `booking` at its current time (its `revision`).
pub fn count_for_booking(conn: &mut DbConn, booking: &Booking) -> Result<i64> {
    Ok(screenings::table
        .filter(screenings::booking_id.eq(&booking.id))
        .filter(screenings::booking_revision.eq(booking.revision))
        .count()
        .get_result(conn)?)
}

/// The clinic's patient's answers, newest first (all of them: the export carries every one; the
/// record's views show the latest `care::screenings::RECORD_SHOWN`). At most
/// `care::screenings::MAX_ANSWERS` per booked time.
pub fn for_patient(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    patient_id: &PatientId,
) -> Result<Vec<Screening>> {
    Ok(screenings::table
        .filter(screenings::clinic_id.eq(clinic_id))
        .filter(screenings::patient_id.eq(patient_id))
        .order((screenings::created_at.desc(), screenings::id.desc()))
        .select(Screening::as_select())
        .load(conn)?)
}

/// The latest answer for each of the given bookings of the clinic at the booking's current time
/// (its `revision`); bookings without one are absent.
pub fn latest_for_bookings(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    booking_ids: &[BookingId],
) -> Result<HashMap<BookingId, Screening>> {
    let rows: Vec<Screening> = screenings::table
        .inner_join(current_booking!())
        .filter(screenings::clinic_id.eq(clinic_id))
        .filter(screenings::booking_id.eq_any(booking_ids))
        .order((screenings::created_at.asc(), screenings::id.asc()))
        .select(Screening::as_select())
        .load(conn)?;
    // Oldest first, so each booking ends with its latest.
    Ok(rows
        .into_iter()
        .map(|s| (s.booking_id.clone(), s))
        .collect())
}

/// The patients among `patient_ids` (all of the clinic's when `None`) whose live booking's
/// latest answer for its current time is flagged: the roster's flag.
pub fn flagged_next_sessions(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    patient_ids: Option<&[&str]>,
) -> Result<Vec<String>> {
    let mut query = screenings::table
        .inner_join(current_booking!())
        .filter(screenings::clinic_id.eq(clinic_id))
        .filter(session_bookings::clinic_id.eq(clinic_id))
        .filter(session_bookings::cancelled_at.is_null())
        .order((screenings::created_at.asc(), screenings::id.asc()))
        .select((screenings::patient_id, screenings::flagged))
        .into_boxed::<<DbConn as diesel::Connection>::Backend>();
    if let Some(ids) = patient_ids {
        query = query.filter(screenings::patient_id.eq_any(ids.to_vec()));
    }
    let rows: Vec<(String, bool)> = query.load(conn)?;
    // One live booking per patient, rows oldest first: the last one per patient is its latest.
    let latest: HashMap<String, bool> = rows.into_iter().collect();
    Ok(latest
        .into_iter()
        .filter(|(_, flagged)| *flagged)
        .map(|(id, _)| id)
        .collect())
}

/// Removes the patient's own words from their answers (erasure); the codes stay with the
/// clinical record.
pub fn redact_notes_for_patient(conn: &mut DbConn, patient_id: &PatientId) -> Result<usize> {
    Ok(
        diesel::update(screenings::table.filter(screenings::patient_id.eq(patient_id)))
            .set(screenings::notes.eq(None::<String>))
            .execute(conn)?,
    )
}

/// A booked session with its patient's names as the clinic reads them.
#[derive(Debug, Clone)]
pub struct BookedPatient {
    pub booking: Booking,
    pub given_name: String,
    pub family_name: Option<String>,
    /// Erased patients have no names left.
    pub erased: bool,
}

/// The clinic's live bookings starting in `[from, to)` (UTC), by start time.
pub fn booked_between(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<BookedPatient>> {
    let rows: Vec<(Booking, String, Option<String>, Option<NaiveDateTime>)> =
        session_bookings::table
            .inner_join(
                patient_profiles::table
                    .on(patient_profiles::user_id.eq(session_bookings::patient_id)),
            )
            .filter(session_bookings::clinic_id.eq(clinic_id))
            .filter(patient_profiles::clinic_id.eq(clinic_id))
            .filter(session_bookings::cancelled_at.is_null())
            .filter(session_bookings::starts_at.ge(from))
            .filter(session_bookings::starts_at.lt(to))
            .order((
                session_bookings::starts_at.asc(),
                session_bookings::id.asc(),
            ))
            .select((
                Booking::as_select(),
                patient_profiles::given_name,
                patient_profiles::family_name,
                patient_profiles::erased_at,
            ))
            .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(booking, given_name, family_name, erased_at)| BookedPatient {
                booking,
                given_name,
                family_name,
                erased: erased_at.is_some(),
            },
        )
        .collect())
}
