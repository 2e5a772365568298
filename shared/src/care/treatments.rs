//! The course, as the clinic runs it: record a treatment (its aftercare is planned in the same
//! transaction), book or cancel the next session (its reminders follow), discharge.
//!
//! A new treatment supersedes the previous one's course position: the earlier treatment's
//! future unsent prompts are cancelled and the new one's planned. Recording a treatment for a
//! discharged patient re-admits them; booking a session for one is a conflict.

use chrono::NaiveDateTime;

use super::StaffActor;
use super::protocols::Protocols;
use crate::db::{Db, DbConn, audit, bookings, patients, plans, prompts, treatments};
use crate::domain::AuditAction;
use crate::domain::{Area, CombinedWith, Contraindication, Device, NeedleDepth};
use crate::domain::{BookingId, PatientId, PromptStatus, TreatmentId};
use crate::error::{Error, Result};

mod course;

pub use crate::db::bookings::Booking;
pub use crate::db::prompts::Prompt;
pub use crate::db::treatments::Treatment;
pub use course::{CourseDraft, CourseWarning, MIN_INTERVAL_DAYS, course_warnings, suggest};

/// A treatment as the clinic records it, parsed and range-checked (docs/CONTRACT.md
/// `POST /v1/clinic/patients/{id}/treatments`).
#[derive(Debug, Clone)]
pub struct TreatmentForm {
    /// UTC, not in the future.
    pub performed_at: NaiveDateTime,
    pub areas: Vec<Area>,
    pub depth: NeedleDepth,
    pub device: Device,
    pub combined_with: Vec<CombinedWith>,
    /// 1 ≤ session_number ≤ planned_sessions ≤ 6.
    pub session_number: i32,
    pub planned_sessions: i32,
    /// 3–8 weeks (docs/FACTS.md, "The course").
    pub interval_weeks: i32,
    /// Screening findings; non-empty only with an `override_reason`.
    pub contraindications: Vec<Contraindication>,
    pub override_reason: Option<String>,
    pub notes: Option<String>,
}

/// A recorded treatment, the prompts planned from it (in delivery order), and what the course
/// check warned about ([`course_warnings`]; recorded all the same).
#[derive(Debug, Clone)]
pub struct Recorded {
    pub treatment: Treatment,
    pub prompts: Vec<Prompt>,
    pub warnings: Vec<CourseWarning>,
}

/// What [`record_checked`] did.
#[derive(Debug, Clone)]
pub enum Checked {
    Recorded(Box<Recorded>),
    /// Nothing recorded: the course check warned and nobody has confirmed yet.
    Unconfirmed(Vec<CourseWarning>),
}

/// Records a treatment for a patient of the actor's clinic and plans the patient's aftercare
/// from it, whatever the course check says: its warnings come back in [`Recorded::warnings`]
/// and a treatment recorded despite them is audited as `treatment.warned` (the API's v1
/// behaviour for callers that do not ask for the check; the demo). Errors: `NotFound` for a
/// patient of another clinic, an unknown or erased one.
pub async fn record(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    patient_id: &PatientId,
    form: TreatmentForm,
    now: NaiveDateTime,
) -> Result<Recorded> {
    let (protocols, actor, patient_id) = (protocols.clone(), actor.clone(), patient_id.to_owned());
    db.transaction(move |conn| {
        match record_in(
            conn,
            &protocols,
            &actor,
            &patient_id,
            form,
            &Confirmation::Any,
            now,
        )? {
            Checked::Recorded(r) => Ok(*r),
            Checked::Unconfirmed(_) => Err(Error::Internal(anyhow::anyhow!(
                "an accepted course check asked for confirmation"
            ))),
        }
    })
    .await
}

/// Which of the course check's warnings the person recording has seen and confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// None yet: any warning stops the recording.
    Nothing,
    /// The warnings with these codes ([`CourseWarning::code`]), as a form showed them; a
    /// warning not among them (the values were changed since) stops the recording.
    Shown(Vec<String>),
    /// Whatever the check says (an API caller's `confirm_warnings: true`).
    Any,
}

impl Confirmation {
    fn covers(&self, warnings: &[CourseWarning]) -> bool {
        match self {
            Self::Nothing => warnings.is_empty(),
            Self::Shown(codes) => warnings.iter().all(|w| codes.iter().any(|c| c == w.code())),
            Self::Any => true,
        }
    }
}

/// Records a treatment as [`record`] does when the course check finds nothing, or when
/// `confirmed` covers its warnings: a person saw them and records anyway (audited as
/// `treatment.warned` beside `treatment.create`). Otherwise nothing is written and the
/// warnings come back for a person to confirm (the console's first submission). Errors as for
/// [`record`].
pub async fn record_checked(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    patient_id: &PatientId,
    form: TreatmentForm,
    confirmed: Confirmation,
    now: NaiveDateTime,
) -> Result<Checked> {
    let (protocols, actor, patient_id) = (protocols.clone(), actor.clone(), patient_id.to_owned());
    db.transaction(move |conn| {
        record_in(conn, &protocols, &actor, &patient_id, form, &confirmed, now)
    })
    .await
}

fn record_in(
    conn: &mut DbConn,
    protocols: &Protocols,
    actor: &StaffActor,
    patient_id: &PatientId,
    form: TreatmentForm,
    confirmed: &Confirmation,
    now: NaiveDateTime,
) -> Result<Checked> {
    let profile = patients::lock_patient(conn, patient_id, Some(&actor.clinic_id))?;
    // Read under the patient's lock: two staff recording at once see each other's treatment.
    let warnings = course_warnings(treatments::current(conn, patient_id)?.as_ref(), &form);
    if !confirmed.covers(&warnings) {
        return Ok(Checked::Unconfirmed(warnings));
    }
    if profile.discharged_at.is_some() {
        patients::set_discharged(conn, patient_id, None, now)?;
    }
    let (protocol, protocol_id) = protocols.published(conn, &actor.clinic_id)?;
    let row = treatments::Treatment {
        id: TreatmentId::new(),
        clinic_id: actor.clinic_id.clone(),
        patient_id: patient_id.to_owned(),
        performed_at: form.performed_at,
        areas: form.areas.into(),
        needle_depth_mm: form.depth.mm(),
        device: form.device,
        combined_with: form.combined_with.into(),
        session_number: form.session_number,
        planned_sessions: form.planned_sessions,
        interval_weeks: form.interval_weeks,
        contraindications: form.contraindications.into(),
        override_reason: form.override_reason,
        notes: form.notes,
        protocol_version: protocol.version().to_owned(),
        recorded_by: actor.user_id.clone(),
        created_at: now,
        protocol_id,
    };
    treatments::insert(conn, &row)?;
    super::plan::replan(conn, protocols, patient_id, now)?;
    audit::record(
        conn,
        &actor.clinic_id,
        Some(&actor.user_id),
        AuditAction::TreatmentCreate,
        Some(patient_id),
        now,
    )?;
    if !warnings.is_empty() {
        audit::record(
            conn,
            &actor.clinic_id,
            Some(&actor.user_id),
            AuditAction::TreatmentWarned,
            Some(patient_id),
            now,
        )?;
    }
    let prompts = prompts::for_patient(conn, patient_id)?
        .into_iter()
        .filter(|p| p.treatment_id.as_ref() == Some(&row.id))
        .collect();
    tracing::info!(treatment_id = %row.id, warned = !warnings.is_empty(), "treatment recorded");
    Ok(Checked::Recorded(Box::new(Recorded {
        treatment: row,
        prompts,
        warnings,
    })))
}

/// What the treatment form starts from: whose it is, the course so far and the suggested next
/// treatment ([`suggest`]).
#[derive(Debug, Clone)]
pub struct Course {
    pub given_name: String,
    pub family_name: Option<String>,
    /// Erased: nothing can be recorded any more.
    pub erased: bool,
    /// The most recently performed treatment.
    pub last: Option<Treatment>,
    pub draft: CourseDraft,
}

/// The course of a patient of the actor's clinic, for the treatment form, with a
/// `patient.read` audit entry (the form shows the name and the last treatment). Errors:
/// `NotFound` for another clinic's patient or an unknown id.
pub async fn course(
    db: &Db,
    actor: &StaffActor,
    patient_id: &PatientId,
    now: NaiveDateTime,
) -> Result<Course> {
    let (actor, patient_id) = (actor.clone(), patient_id.to_owned());
    db.transaction(move |conn| {
        let profile = patients::find_in_clinic(conn, &actor.clinic_id, &patient_id)?;
        let last = treatments::current(conn, &patient_id)?;
        audit::record(
            conn,
            &actor.clinic_id,
            Some(&actor.user_id),
            AuditAction::PatientRead,
            Some(&patient_id),
            now,
        )?;
        Ok(Course {
            given_name: profile.given_name,
            family_name: profile.family_name,
            erased: profile.erased_at.is_some(),
            draft: suggest(last.as_ref()),
            last,
        })
    })
    .await
}

/// A booked session and the reminders planned before it.
#[derive(Debug, Clone)]
pub struct Booked {
    pub booking: Booking,
    pub reminders: Vec<Prompt>,
}

/// Books (or moves) the patient's next session to `starts_at` (UTC, checked by the caller to be
/// in the future); its reminders replace any earlier ones and the rebook nudge is withdrawn.
/// A move keeps the booking (its id, so the patient's calendar event is updated rather than
/// doubled) and counts the move in its `revision`. Booking the same time again changes
/// nothing. Errors: `NotFound` as for [`record`]; `Conflict` for a discharged patient.
pub async fn book_next_session(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    patient_id: &PatientId,
    starts_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Booked> {
    let (protocols, actor, patient_id) = (protocols.clone(), actor.clone(), patient_id.to_owned());
    db.transaction(move |conn| {
        let profile = patients::lock_patient(conn, &patient_id, Some(&actor.clinic_id))?;
        if profile.discharged_at.is_some() {
            return Err(Error::Conflict("the patient has been discharged".into()));
        }
        let booking = match bookings::live(conn, &patient_id)? {
            Some(b) if b.starts_at == starts_at => b,
            Some(b) => bookings::move_live(conn, &b, starts_at, now)?,
            None => {
                let b = Booking {
                    id: BookingId::new(),
                    clinic_id: actor.clinic_id.clone(),
                    patient_id: patient_id.clone(),
                    starts_at,
                    created_by: actor.user_id.clone(),
                    created_at: now,
                    cancelled_at: None,
                    revision: 0,
                    moved_at: None,
                };
                bookings::insert(conn, &b)?;
                b
            }
        };
        super::plan::replan(conn, &protocols, &patient_id, now)?;
        audit::record(
            conn,
            &actor.clinic_id,
            Some(&actor.user_id),
            AuditAction::BookingSet,
            Some(&patient_id),
            now,
        )?;
        // This revision's reminders: a move cancelled the earlier ones, and any sent before it
        // were for the old time.
        let keyed = format!("{patient_id}:{}:", booking.input().owner());
        let reminders = prompts::for_patient(conn, &patient_id)?
            .into_iter()
            .filter(|p| p.booking_id.as_ref() == Some(&booking.id))
            .filter(|p| p.idempotency_key.starts_with(&keyed))
            .filter(|p| p.status != PromptStatus::Cancelled)
            .collect();
        Ok(Booked { booking, reminders })
    })
    .await
}

/// Cancels the booked next session and its reminders; the rebook nudge returns while the course
/// continues. Idempotent. Errors: `NotFound` as for [`record`].
pub async fn cancel_next_session(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    patient_id: &PatientId,
    now: NaiveDateTime,
) -> Result<()> {
    let (protocols, actor, patient_id) = (protocols.clone(), actor.clone(), patient_id.to_owned());
    db.transaction(move |conn| {
        patients::lock_patient(conn, &patient_id, Some(&actor.clinic_id))?;
        bookings::cancel_live(conn, &patient_id, now)?;
        super::plan::replan(conn, &protocols, &patient_id, now)?;
        audit::record(
            conn,
            &actor.clinic_id,
            Some(&actor.user_id),
            AuditAction::BookingCancel,
            Some(&patient_id),
            now,
        )
    })
    .await
}

/// What a discharge did.
#[derive(Debug, Clone)]
pub struct Discharged {
    /// When the patient was discharged (the first discharge's time on a repeat).
    pub at: NaiveDateTime,
    /// Prompts and reminders cancelled by this call.
    pub cancelled_prompts: usize,
}

/// Discharges the patient: every prompt and reminder not yet sent is cancelled, the booked
/// session too, and nothing is planned afterwards. Idempotent. Errors: `NotFound` as for
/// [`record`].
pub async fn discharge(
    db: &Db,
    actor: &StaffActor,
    patient_id: &PatientId,
    now: NaiveDateTime,
) -> Result<Discharged> {
    let (actor, patient_id) = (actor.clone(), patient_id.to_owned());
    db.transaction(move |conn| {
        let profile = patients::lock_patient(conn, &patient_id, Some(&actor.clinic_id))?;
        let at = match profile.discharged_at {
            Some(at) => at,
            None => {
                patients::set_discharged(conn, &patient_id, Some(now), now)?;
                now
            }
        };
        bookings::cancel_live(conn, &patient_id, now)?;
        let cancelled_prompts = plans::cancel_pending(conn, &patient_id, now)?;
        audit::record(
            conn,
            &actor.clinic_id,
            Some(&actor.user_id),
            AuditAction::PatientDischarge,
            Some(&patient_id),
            now,
        )?;
        Ok(Discharged {
            at,
            cancelled_prompts,
        })
    })
    .await
}
