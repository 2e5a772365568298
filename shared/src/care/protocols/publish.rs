//! Publishing a draft, and re-planning the clinic's current patients with it.

use chrono::NaiveDateTime;

use super::versions::{build, document_of, immutable, record_edit, summaries};
use super::{Protocols, Summary};
use crate::care::StaffActor;
use crate::care::plan;
use crate::db::protocols as store;
use crate::db::protocols::StoredProtocol;
use crate::db::{Db, DbConn, audit, bookings, patients, treatments};
use crate::domain::{AuditAction, PatientId, ProtocolEditAction, ProtocolId, ProtocolStatus};
use crate::error::{Error, Result};

/// A version just published, and how many current patients were re-planned with it.
#[derive(Debug, Clone)]
pub struct Published {
    pub summary: Summary,
    pub replanned: usize,
}

/// Publishes a draft: it becomes the clinic's immutable published version, which every
/// treatment recorded from now on is planned with, and the clinic's previously published
/// version is retired in the same transaction. Audited `protocol.publish` (with an edit row).
/// Two publishes of one clinic at once take turns on the clinic's row
/// ([`store::lock_clinic`]): both succeed, the later one retiring the earlier.
///
/// With `replan_current`, once the publish is committed, every current patient of the clinic
/// (neither discharged nor erased) who has a treatment or a live booking is re-planned
/// ([`plan::replan`]), each in a short transaction of their own audited `protocol.replan`
/// naming the patient: a current treatment is first moved to this version (`protocol_id`, and
/// `protocol_version` = `clinic-<n>`); a patient with only a booking is re-planned with the
/// clinic's published version (this one) for their preparation prompts. A patient whose
/// re-plan fails is logged (ids only) and skipped, the others go on; the publish stands.
/// `replanned` counts the patients re-planned, and one `replan` edit row for the version
/// records that some were.
///
/// The caller checks the actor may publish (an admin). Errors: `NotFound` for an unknown or
/// another clinic's id; `Conflict` unless the version is a draft (or, as a backstop, when the
/// one-published-per-clinic index refuses it); `Validation` when the draft no longer validates
/// against the default (the default changed since it was saved).
pub async fn publish(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    id: &ProtocolId,
    replan_current: bool,
    now: NaiveDateTime,
) -> Result<Published> {
    let (actor2, id2, registry) = (actor.clone(), id.clone(), protocols.clone());
    let done = db
        .transaction(move |c| publish_in(c, &registry, &actor2, &id2, now))
        .await;
    let (summary, stored) = match done {
        Ok(done) => done,
        Err(e) => {
            // The row is still a draft, which may change: no cached copy may outlive this.
            protocols.forget(id);
            return Err(if e.is_unique_violation() {
                Error::Conflict(
                    "another version of this clinic's protocol was published at the same time; \
                     reload and try again"
                        .to_owned(),
                )
            } else {
                e
            });
        }
    };
    let mut replanned = 0;
    if replan_current {
        replanned = replan_all(db, protocols, actor, id, &stored.label(), now).await?;
        if replanned > 0 {
            let (actor, id, doc) = (actor.clone(), id.clone(), stored.document.clone());
            db.transaction(move |c| {
                let before = Some(doc.clone());
                record_edit(c, &actor, &id, ProtocolEditAction::Replan, before, doc, now)
            })
            .await?;
        }
    }
    Ok(Published { summary, replanned })
}

fn publish_in(
    c: &mut DbConn,
    protocols: &Protocols,
    actor: &StaffActor,
    id: &ProtocolId,
    now: NaiveDateTime,
) -> Result<(Summary, StoredProtocol)> {
    store::lock_clinic(c, &actor.clinic_id)?;
    let stored = store::lock_in_clinic(c, &actor.clinic_id, id)?.ok_or(Error::NotFound)?;
    if stored.status != ProtocolStatus::Draft {
        return Err(immutable(&stored));
    }
    let doc = document_of(&stored)?;
    build(protocols.default_protocol(), &stored.label(), &doc)?;
    let (_, published) = store::publish(c, &actor.clinic_id, id, &actor.user_id, now)?;
    if !published {
        return Err(immutable(&stored));
    }
    record_edit(
        c,
        actor,
        id,
        ProtocolEditAction::Publish,
        Some(stored.document.clone()),
        stored.document.clone(),
        now,
    )?;
    audit::record(
        c,
        &actor.clinic_id,
        Some(&actor.user_id),
        AuditAction::ProtocolPublish,
        None,
        now,
    )?;
    let stored = store::find(c, id)?.ok_or(Error::NotFound)?;
    let summary = summaries(c, vec![stored.clone()])?
        .pop()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("summary missing")))?;
    Ok((summary, stored))
}

/// Re-plans every candidate, one short transaction each, so no write lock is held for long;
/// returns how many were re-planned. Only listing the candidates can fail the whole.
async fn replan_all(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    id: &ProtocolId,
    label: &str,
    now: NaiveDateTime,
) -> Result<usize> {
    let clinic_id = actor.clinic_id.clone();
    let patients = db
        .run(move |c| store::replan_candidates(c, &clinic_id))
        .await?;
    let mut replanned = 0;
    for patient in patients {
        let (registry, actor2, id2) = (protocols.clone(), actor.clone(), id.clone());
        let (label, patient2) = (label.to_owned(), patient.clone());
        let done = db
            .transaction(move |c| replan_one(c, &registry, &actor2, &patient2, &id2, &label, now))
            .await;
        match done {
            Ok(true) => replanned += 1,
            Ok(false) => {}
            Err(e) => tracing::error!(
                protocol_id = %id,
                patient_id = %patient,
                error = %e,
                "re-planning a patient with a newly published protocol failed: skipped"
            ),
        }
    }
    Ok(replanned)
}

/// Moves the patient's current treatment (if any) to the version and re-plans them; `false`
/// when there is nothing to re-plan any more (erased or discharged meanwhile, or neither a
/// treatment nor a live booking left).
fn replan_one(
    c: &mut DbConn,
    protocols: &Protocols,
    actor: &StaffActor,
    patient: &PatientId,
    id: &ProtocolId,
    label: &str,
    now: NaiveDateTime,
) -> Result<bool> {
    let profile = match patients::lock_patient(c, patient, Some(&actor.clinic_id)) {
        Ok(p) => p,
        Err(Error::NotFound) => return Ok(false),
        Err(e) => return Err(e),
    };
    if profile.discharged_at.is_some() {
        return Ok(false);
    }
    match treatments::current(c, patient)? {
        Some(treatment) => store::move_treatment(c, &treatment.id, id, label)?,
        // A first session booked: its preparation prompts follow the clinic's published one.
        None if bookings::live(c, patient)?.is_some() => {}
        None => return Ok(false),
    }
    plan::replan(c, protocols, patient, now)?;
    audit::record(
        c,
        &actor.clinic_id,
        Some(&actor.user_id),
        AuditAction::ProtocolReplan,
        Some(patient),
        now,
    )?;
    Ok(true)
}

/// How many current patients (neither discharged nor erased, with a treatment or a live
/// booking) a publish with `replan_current` would re-plan now: the count the console's
/// confirmation shows.
pub async fn replan_candidates(db: &Db, actor: &StaffActor) -> Result<usize> {
    let clinic_id = actor.clinic_id.clone();
    let ids = db
        .run(move |c| store::replan_candidates(c, &clinic_id))
        .await?;
    Ok(ids.len())
}
