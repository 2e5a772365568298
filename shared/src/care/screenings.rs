//! Pre-visit screenings (docs/CONTRACT.md `POST /v1/me/screenings`): before a booked session
//! the patient says whether anything that makes a clinic wait applies to them now (cold sores,
//! sunburn, a skin infection, isotretinoin, pregnancy… docs/FACTS.md "Who should not be
//! treated"). Any reported code flags the booking; the clinic sees the latest answer on the
//! roster, the patient's record and the list of tomorrow's sessions ([`tomorrow`]).
//!
//! The questions open [`OPENS_BEFORE_HOURS`] hours before the session and close when it starts:
//! earlier answers would be stale by the day of the session. Every answer is kept, stamped with
//! the booking's `revision`; a newer one for the same booking and revision replaces what the
//! clinic sees. Moving the session (`care::treatments::book_next_session` keeps the booking and
//! raises its revision) leaves it not answered: the clinic sees "not answered yet" and the app
//! asks again, and the earlier answers stay in the record's history as about an earlier time.
//! At most [`MAX_ANSWERS`] answers are taken per booked time.

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone as _};

use super::StaffActor;
use crate::db::{Db, audit, bookings, clinics, patients, screenings};
use crate::domain::{AuditAction, Contraindication, PatientId, ScreeningId};
use crate::error::{Error, Result};

pub use crate::db::bookings::Booking;
pub use crate::db::screenings::{BookedPatient, Screening};

/// How long before a booked session the questions open: 72 hours (3 days), so the day-before
/// reminder always finds them open and a moved session is asked about again.
pub const OPENS_BEFORE_HOURS: i64 = 72;

/// The most answers a patient may give for one booked time (one booking `revision`); past it
/// [`record`] refuses with `Conflict` (the clinic's phone is the way to say more).
pub const MAX_ANSWERS: i64 = 20;

/// How many answers the patient record shows (the console's "Before the session" panel and the
/// API record's `screenings`): the latest 10. `GET /v1/me/export` carries every answer.
pub const RECORD_SHOWN: usize = 10;

/// The longest note a patient may add, in characters.
pub const NOTES_MAX_CHARS: usize = 1000;

/// What the patient reports (parsed): distinct codes, empty for "none of these", and an
/// optional note (trimmed, 1–[`NOTES_MAX_CHARS`] characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningForm {
    pub contraindications: Vec<Contraindication>,
    pub notes: Option<String>,
}

/// When the questions about a session starting at `starts_at` open.
pub fn opens_at(starts_at: NaiveDateTime) -> NaiveDateTime {
    starts_at - Duration::hours(OPENS_BEFORE_HOURS)
}

/// Records the patient's answers for their booked session, audited `screening.create` with the
/// patient as actor. Errors: `Conflict` when no session is booked, before the questions open
/// ([`OPENS_BEFORE_HOURS`]), once the session has started, or after [`MAX_ANSWERS`] answers for
/// the booked time; `NotFound` for an erased patient.
pub async fn record(
    db: &Db,
    patient_id: &PatientId,
    form: ScreeningForm,
    now: NaiveDateTime,
) -> Result<Screening> {
    let id = patient_id.clone();
    db.transaction(move |conn| {
        let profile = patients::lock_patient(conn, &id, None)?;
        let Some(booking) = bookings::live(conn, &id)? else {
            return Err(Error::Conflict(
                "no session is booked: there is nothing to answer before".into(),
            ));
        };
        if now < opens_at(booking.starts_at) {
            return Err(Error::Conflict(format!(
                "the questions open {OPENS_BEFORE_HOURS} hours before the session"
            )));
        }
        if now >= booking.starts_at {
            return Err(Error::Conflict(
                "the session has started: tell the clinic in person".into(),
            ));
        }
        let given = screenings::count_for_booking(conn, &booking)?;
        if given >= MAX_ANSWERS {
            return Err(Error::Conflict(format!(
                "you have already answered {given} times; call your clinic"
            )));
        }
        let row = Screening {
            id: ScreeningId::new(),
            clinic_id: profile.clinic_id.clone(),
            patient_id: id.clone(),
            booking_id: booking.id.clone(),
            flagged: !form.contraindications.is_empty(),
            contraindications: form.contraindications.into(),
            notes: form.notes,
            created_at: now,
            booking_revision: booking.revision,
        };
        screenings::insert(conn, &row)?;
        audit::record(
            conn,
            &profile.clinic_id,
            Some(&id.as_user()),
            AuditAction::ScreeningCreate,
            Some(&id),
            now,
        )?;
        tracing::info!(screening_id = %row.id, "screening recorded");
        Ok(row)
    })
    .await
}

/// The patient's booked session as the screening sees it.
#[derive(Debug, Clone)]
pub struct BeforeSession {
    pub booking: Booking,
    /// When the questions open ([`opens_at`]).
    pub opens_at: NaiveDateTime,
    /// Whether they can be answered now.
    pub open: bool,
    /// The latest answer for this booking at its current time (none after a move until the
    /// patient answers again).
    pub latest: Option<Screening>,
    /// How many answers were given for the booking's current time (at most [`MAX_ANSWERS`]).
    pub answers: i64,
}

impl BeforeSession {
    /// Open and not answered yet: what the app's Today page asks for.
    pub fn waiting(&self) -> bool {
        self.open && self.latest.is_none()
    }
}

/// The patient's booked session with its latest answer (the app's pages); `None` when no
/// session is booked. Not audited: the patient reads their own data.
pub async fn before_next_session(
    db: &Db,
    patient_id: &PatientId,
    now: NaiveDateTime,
) -> Result<Option<BeforeSession>> {
    let id = patient_id.clone();
    db.run(move |conn| {
        let Some(booking) = bookings::live(conn, &id)? else {
            return Ok(None);
        };
        let latest = screenings::latest_for_booking(conn, &booking)?;
        let answers = screenings::count_for_booking(conn, &booking)?;
        let opens_at = opens_at(booking.starts_at);
        Ok(Some(BeforeSession {
            open: opens_at <= now && now < booking.starts_at,
            opens_at,
            latest,
            answers,
            booking,
        }))
    })
    .await
}

/// One booked session of the day, with its patient and the latest answer for its current time.
#[derive(Debug, Clone)]
pub struct DayEntry {
    pub patient: BookedPatient,
    pub latest: Option<Screening>,
}

/// The sessions booked on the clinic's next local day.
#[derive(Debug, Clone)]
pub struct Day {
    /// The clinic's local date.
    pub date: NaiveDate,
    /// By start time.
    pub entries: Vec<DayEntry>,
}

/// Tomorrow's booked sessions (the clinic's local date after `now`'s, in the clinic's time
/// zone), by start time, each with its patient and latest answer; one `patient.list` audit entry
/// names the patients shown.
pub async fn tomorrow(db: &Db, actor: &StaffActor, now: NaiveDateTime) -> Result<Day> {
    let actor = actor.clone();
    db.transaction(move |conn| {
        let tz = clinics::find(conn, &actor.clinic_id)?.timezone.0;
        let today = now.and_utc().with_timezone(&tz).date_naive();
        let date = today + Duration::days(1);
        let start = |d: NaiveDate| -> Result<NaiveDateTime> {
            let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
            // A day that starts inside a gap (a DST change at midnight) starts when the gap ends.
            let local = tz
                .from_local_datetime(&midnight)
                .earliest()
                .or_else(|| {
                    tz.from_local_datetime(&(midnight + Duration::hours(1)))
                        .earliest()
                })
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("no local midnight on {d}")))?;
            Ok(local.naive_utc())
        };
        let (from, to) = (start(date)?, start(date + Duration::days(1))?);
        let booked = screenings::booked_between(conn, &actor.clinic_id, from, to)?;
        let ids: Vec<_> = booked.iter().map(|b| b.booking.id.clone()).collect();
        let mut latest = screenings::latest_for_bookings(conn, &actor.clinic_id, &ids)?;
        let shown: Vec<&PatientId> = booked.iter().map(|b| &b.booking.patient_id).collect();
        audit::record_list(
            conn,
            &actor.clinic_id,
            Some(&actor.user_id),
            AuditAction::PatientList,
            &shown,
            now,
        )?;
        let entries = booked
            .into_iter()
            .map(|patient| DayEntry {
                latest: latest.remove(&patient.booking.id),
                patient,
            })
            .collect();
        Ok(Day { date, entries })
    })
    .await
}
