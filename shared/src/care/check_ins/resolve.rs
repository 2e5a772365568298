//! Resolving: one escalation (the API), or a patient's same-day group at once (the console),
//! each resolution audited, the patient's plan re-planned once.

use chrono::NaiveDateTime;

use super::super::StaffActor;
use super::Escalation;
use super::queue::{Confirmation, QueueGroup, QueueItem};
use crate::care::protocols::Protocols;
use crate::db::escalations::QueueSelect;
use crate::db::{Db, DbConn, audit, escalations, patients};
use crate::domain::{AuditAction, EscalationId, EscalationStatus, PatientId};
use crate::error::{Error, Result};

/// The patient of the actor's clinic's escalation `id`. Errors: `NotFound` for another clinic's
/// or an unknown id.
pub async fn patient_of(db: &Db, actor: &StaffActor, id: &EscalationId) -> Result<PatientId> {
    let (clinic_id, id) = (actor.clinic_id.clone(), id.clone());
    db.run(move |conn| {
        escalations::find(conn, &clinic_id, &id)?
            .map(|e| e.patient_id)
            .ok_or(Error::NotFound)
    })
    .await
}

/// Resolves one of the actor's clinic's escalations with a note (already checked: non-empty,
/// bounded), audited; the patient's plan is re-planned (reassurance held back for an urgent
/// escalation returns). Errors: `NotFound` for another clinic's or an unknown id; `Conflict`
/// when it was resolved already (the first resolution stands).
pub async fn resolve(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    id: &EscalationId,
    note: String,
    now: NaiveDateTime,
) -> Result<QueueItem> {
    let (protocols, actor, id) = (protocols.clone(), actor.clone(), id.clone());
    db.transaction(move |conn| {
        let current = escalations::lock(conn, &actor.clinic_id, &id)?;
        if !resolve_one(conn, &actor, &current, &note, now)? {
            return Err(Error::Conflict(
                "this escalation was already resolved; the first resolution stands".into(),
            ));
        }
        replan(conn, &protocols, &actor, &current.patient_id, now)?;
        let select = QueueSelect::ResolvedTogether {
            patient_id: &current.patient_id,
            by: &actor.user_id,
            at: now,
        };
        escalations::queue(conn, &actor.clinic_id, select, 100)?
            .into_iter()
            .find(|r| r.escalation.id == id)
            .map(QueueItem::from)
            .ok_or(Error::NotFound)
    })
    .await
}

/// Resolves a group of one patient's escalations with one note, in one transaction: each open
/// one is resolved and audited (`escalation.resolve`, one entry per escalation, as resolving it
/// alone would be: the audit log counts resolutions, not clicks); the plan is re-planned once.
/// Ones already resolved are left as they are (their first resolution stands). Returns the id
/// of one resolved now (for [`board`]'s confirmation) and the patient's.
///
/// Errors: `NotFound` when any id is unknown or another clinic's; `Validation` when the ids
/// are of different patients or none is given; `Conflict` when every one was resolved already.
pub async fn resolve_group(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    ids: Vec<EscalationId>,
    note: String,
    now: NaiveDateTime,
) -> Result<(EscalationId, PatientId)> {
    let (protocols, actor) = (protocols.clone(), actor.clone());
    db.transaction(move |conn| {
        let mut ids = ids;
        ids.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        ids.dedup();
        let mut locked = Vec::with_capacity(ids.len());
        for id in &ids {
            locked.push(escalations::lock(conn, &actor.clinic_id, id)?);
        }
        let Some(first) = locked.first() else {
            return Err(Error::invalid(
                "escalations",
                "name at least one escalation",
            ));
        };
        let patient_id = first.patient_id.clone();
        if locked.iter().any(|e| e.patient_id != patient_id) {
            return Err(Error::invalid(
                "escalations",
                "a group holds one patient's escalations",
            ));
        }
        let mut resolved = None;
        for e in &locked {
            if resolve_one(conn, &actor, e, &note, now)? {
                resolved.get_or_insert_with(|| e.id.clone());
            }
        }
        let Some(resolved) = resolved else {
            return Err(Error::Conflict(
                "these escalations were already resolved; the first resolution stands".into(),
            ));
        };
        replan(conn, &protocols, &actor, &patient_id, now)?;
        Ok((resolved, patient_id))
    })
    .await
}

/// Resolves `e` if it is still open, with its audit entry; `false` when it was resolved.
fn resolve_one(
    conn: &mut DbConn,
    actor: &StaffActor,
    e: &Escalation,
    note: &str,
    now: NaiveDateTime,
) -> Result<bool> {
    if e.status == EscalationStatus::Resolved
        || !escalations::resolve(conn, &e.id, &actor.user_id, note, now)?
    {
        return Ok(false);
    }
    audit::record(
        conn,
        &actor.clinic_id,
        Some(&actor.user_id),
        AuditAction::EscalationResolve,
        Some(&e.patient_id),
        now,
    )?;
    Ok(true)
}

/// Re-plans the patient after a resolution (reassurance held back for an urgent escalation
/// returns). An erased patient has no plan left to adapt.
fn replan(
    conn: &mut DbConn,
    protocols: &Protocols,
    actor: &StaffActor,
    patient_id: &PatientId,
    now: NaiveDateTime,
) -> Result<()> {
    match patients::lock_patient(conn, patient_id, Some(&actor.clinic_id)) {
        Ok(_) => {
            super::super::plan::replan(conn, protocols, patient_id, now)?;
            Ok(())
        }
        Err(Error::NotFound) => Ok(()),
        Err(e) => Err(e),
    }
}

/// What the actor's resolution of `id` did (the escalations resolved with it), for the page
/// it returns to; `None` when `id` is not the actor's resolution.
pub(super) fn confirmation(
    conn: &mut DbConn,
    actor: &StaffActor,
    id: &EscalationId,
) -> Result<Option<Confirmation>> {
    let Some(e) = escalations::find(conn, &actor.clinic_id, id)? else {
        return Ok(None);
    };
    let (Some(by), Some(at)) = (&e.resolved_by, e.resolved_at) else {
        return Ok(None);
    };
    if by != &actor.user_id {
        return Ok(None);
    }
    let select = QueueSelect::ResolvedTogether {
        patient_id: &e.patient_id,
        by,
        at,
    };
    let together: Vec<QueueItem> = escalations::queue(conn, &actor.clinic_id, select, 100)?
        .into_iter()
        .map(QueueItem::from)
        .collect();
    let group = QueueGroup {
        patient_id: e.patient_id.clone(),
        items: together,
    };
    Ok(Some(Confirmation {
        patient_name: group.patient_name().map(str::to_owned),
        count: group.items.len().max(1),
        severity: group.severity(),
        opened_at: group.opened_at(),
    }))
}
