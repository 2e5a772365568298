//! Booked next sessions of a course. At most one live (not cancelled) booking per patient,
//! enforced by a partial unique index.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::session_bookings;
use crate::domain::{BookingId, ClinicId, PatientId, UserId};
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = session_bookings)]
pub struct Booking {
    pub id: BookingId,
    pub clinic_id: ClinicId,
    pub patient_id: PatientId,
    pub starts_at: NaiveDateTime,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub cancelled_at: Option<NaiveDateTime>,
    /// How many times the session was moved: its calendar event's SEQUENCE (RFC 5545
    /// §3.8.7.4).
    pub revision: i32,
    /// When it was last moved, if ever.
    pub moved_at: Option<NaiveDateTime>,
}

impl Booking {
    /// When the booking last changed: its move, or its creation.
    pub fn changed_at(&self) -> NaiveDateTime {
        self.moved_at.unwrap_or(self.created_at)
    }
}

pub fn insert(conn: &mut DbConn, b: &Booking) -> Result<()> {
    diesel::insert_into(session_bookings::table)
        .values(b)
        .execute(conn)?;
    Ok(())
}

/// The patient's live booking, if any.
pub fn live(conn: &mut DbConn, patient_id: &PatientId) -> Result<Option<Booking>> {
    Ok(super::on_backend!(conn, |c| session_bookings::table
        .filter(session_bookings::patient_id.eq(patient_id))
        .filter(session_bookings::cancelled_at.is_null())
        .select(Booking::as_select())
        .first(c)
        .optional()?))
}

/// Moves the live booking `b` to `starts_at` in place (same id, so the same calendar event),
/// counting the move in `revision`; returns it as stored.
pub fn move_live(
    conn: &mut DbConn,
    b: &Booking,
    starts_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Booking> {
    let moved = Booking {
        starts_at,
        revision: b.revision + 1,
        moved_at: Some(now),
        ..b.clone()
    };
    diesel::update(session_bookings::table.find(&b.id))
        .set((
            session_bookings::starts_at.eq(moved.starts_at),
            session_bookings::revision.eq(moved.revision),
            session_bookings::moved_at.eq(moved.moved_at),
        ))
        .execute(conn)?;
    Ok(moved)
}

/// Cancels the live booking; returns whether there was one.
pub fn cancel_live(conn: &mut DbConn, patient_id: &PatientId, now: NaiveDateTime) -> Result<bool> {
    let n = diesel::update(
        session_bookings::table
            .filter(session_bookings::patient_id.eq(patient_id))
            .filter(session_bookings::cancelled_at.is_null()),
    )
    .set(session_bookings::cancelled_at.eq(now))
    .execute(conn)?;
    Ok(n > 0)
}
