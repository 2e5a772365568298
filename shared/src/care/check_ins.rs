//! The clinical loop, patient → clinic: a check-in is stored with the treatment day it belongs
//! to, triaged against the expected healing timeline (the rules are protocol data:
//! `shared/protocol/v1/triage.toml`, applied by `crate::protocol::triage`), and anything outside
//! that timeline becomes an escalation for the clinic in the check-in's own transaction. An
//! urgent one is also queued for the clinic's alert email (`crate::db::alerts`), and the
//! patient's plan adapts (follow-up, confirmation, reassurance held back) through the same
//! re-plan as every other change.
//!
//! The clinic answers from its queue ([`queue`], [`board`]): [`resolve`] closes an escalation
//! once, with a note; [`resolve_group`] closes a patient's same-day escalations together.

mod history;
mod queue;
mod resolve;

pub use history::{Reported, history};
pub use queue::{
    Board, BoardTab, Confirmation, OPEN_SHOWN, QueueGroup, QueueItem, board, group_same_day, queue,
};
pub use resolve::{patient_of, resolve, resolve_group};

use chrono::NaiveDateTime;

use super::protocols::Protocols;
use crate::db::{Db, DbConn, alerts, audit, check_ins, clinics, escalations, patients, treatments};
use crate::domain::AuditAction;
use crate::domain::{CheckInId, EscalationId, EscalationStatus, PatientId, Severity, Symptom};
use crate::error::{Error, Result};
use crate::protocol::triage::{CheckInFacts, PreviousCheckIn, Triage};

pub use crate::db::check_ins::CheckIn;
pub use crate::db::escalations::Escalation;

/// What the patient reports (docs/CONTRACT.md `POST /v1/me/check-ins`), range-checked: scores 0–10.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInForm {
    pub redness: i32,
    pub swelling: i32,
    pub pain: i32,
    pub peeling: bool,
    /// Distinct warning signs, each a red flag (docs/FACTS.md "Warning signs").
    pub symptoms: Vec<Symptom>,
}

/// A stored check-in, its triage (guidance in the patient's language) and the escalation it
/// raised, if any.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub check_in: CheckIn,
    pub triage: Triage,
    pub escalation: Option<Escalation>,
}

/// Records the patient's check-in for their current treatment, triages it and escalates
/// anything outside the expected healing timeline, all in one transaction; then the plan is
/// re-planned with the new signal. A discharged patient may still check in (the clinic wants
/// to know). Errors: `Conflict` when no treatment is recorded; `NotFound` for an erased
/// patient.
pub async fn record(
    db: &Db,
    protocols: &Protocols,
    patient_id: &PatientId,
    form: CheckInForm,
    now: NaiveDateTime,
) -> Result<Recorded> {
    let (p, id) = (protocols.clone(), patient_id.clone());
    let recorded = db
        .transaction(move |conn| record_in(conn, &p, &id, form, now))
        .await?;
    // The plan adapts in a transaction of its own: the check-in, its escalation and the
    // clinic's alert are committed whatever the plan's rows hold. A failure here is logged and
    // mended by the next re-plan (any change, or the next check-in).
    let (p, id) = (protocols.clone(), patient_id.clone());
    let replanned = db
        .transaction(move |conn| {
            patients::lock_patient(conn, &id, None)?;
            super::plan::replan(conn, &p, &id, now)
        })
        .await;
    if let Err(e) = replanned {
        tracing::error!(check_in_id = %recorded.check_in.id, error = %e, "re-plan after check-in failed");
    }
    Ok(recorded)
}

fn record_in(
    conn: &mut DbConn,
    protocols: &Protocols,
    patient_id: &PatientId,
    form: CheckInForm,
    now: NaiveDateTime,
) -> Result<Recorded> {
    let profile = patients::lock_patient(conn, patient_id, None)?;
    let Some(treatment) = treatments::current(conn, patient_id)? else {
        return Err(Error::Conflict(
            "no treatment has been recorded yet: there is nothing to check in about".into(),
        ));
    };
    let tz = profile.timezone.0;
    let local = |t: NaiveDateTime| t.and_utc().with_timezone(&tz).date_naive();
    // A treatment is never recorded in the future (beyond a few minutes' clock skew), so a
    // negative difference can only be that skew: it is day 0.
    let day = i32::try_from((local(now) - local(treatment.performed_at)).num_days())
        .map_err(|_| {
            Error::Internal(anyhow::anyhow!(
                "treatment {} is out of range",
                treatment.id
            ))
        })?
        .max(0);
    let previous = check_ins::latest_scores(conn, &treatment.id)?
        .map(|(day, redness)| PreviousCheckIn { day, redness });
    let clinic = clinics::find(conn, &profile.clinic_id)?;
    let facts = CheckInFacts {
        day,
        redness: form.redness,
        swelling: form.swelling,
        pain: form.pain,
        peeling: form.peeling,
        symptoms: form.symptoms.clone(),
    };
    let protocol = protocols.of(conn, treatment.protocol_id.as_ref())?;
    let triage = protocol.triage(
        &facts,
        previous,
        profile.locale,
        clinic.contact_phone.as_deref(),
    );
    let escalated = triage.severity != Severity::None;
    let check_in = CheckIn {
        id: CheckInId::new(),
        clinic_id: profile.clinic_id.clone(),
        patient_id: patient_id.clone(),
        treatment_id: Some(treatment.id.clone()),
        day: Some(day),
        redness: form.redness,
        swelling: form.swelling,
        pain: form.pain,
        peeling: form.peeling,
        symptoms: form.symptoms.into(),
        severity: triage.severity,
        escalated,
        created_at: now,
    };
    check_ins::insert(conn, &check_in)?;
    // A patient who reports the same trouble again while the clinic is already on it adds to
    // that escalation: no second entry in the queue, no second alert email.
    let open = escalations::open_for_patient(conn, patient_id)?
        .into_iter()
        .find(|e| e.severity >= triage.severity);
    let escalation = if !escalated {
        None
    } else if let Some(e) = open {
        Some(e)
    } else {
        let e = Escalation {
            id: EscalationId::new(),
            clinic_id: profile.clinic_id.clone(),
            patient_id: patient_id.clone(),
            check_in_id: Some(check_in.id.clone()),
            reason: triage.reason.clone(),
            severity: triage.severity,
            status: EscalationStatus::Open,
            resolution_note: None,
            resolved_by: None,
            resolved_at: None,
            created_at: now,
        };
        escalations::insert(conn, &e)?;
        if e.severity == Severity::Urgent {
            alerts::enqueue(conn, &e.clinic_id, &e.id, now)?;
        }
        Some(e)
    };
    audit::record(
        conn,
        &profile.clinic_id,
        Some(&patient_id.as_user()),
        AuditAction::CheckInCreate,
        Some(patient_id),
        now,
    )?;
    tracing::info!(check_in_id = %check_in.id, "check-in recorded");
    Ok(Recorded {
        check_in,
        triage,
        escalation,
    })
}
