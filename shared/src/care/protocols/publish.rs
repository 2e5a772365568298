//! Publishing a draft, and re-planning the clinic's current patients with it.

use chrono::NaiveDateTime;

use super::versions::{build, document_of, immutable, record_edit, summaries};
use super::{Protocols, Summary};
use crate::care::StaffActor;
use crate::care::plan;
use crate::db::protocols as store;
use crate::db::{Db, DbConn, audit, patients, treatments};
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
///
/// With `replan_current`, every current patient of the clinic (neither discharged nor erased)
/// who has a treatment has their current treatment moved to this version (`protocol_id`, and
/// `protocol_version` = `clinic-<n>`) and is re-planned with it ([`plan::replan`]), each
/// audited `protocol.replan` naming the patient, with one `replan` edit row for the version;
/// `replanned` counts them. Everything is one transaction: all or nothing.
///
/// The caller checks the actor may publish (an admin). Errors: `NotFound` for an unknown or
/// another clinic's id; `Conflict` unless the version is a draft; `Validation` when the draft
/// no longer validates against the default (the default changed since it was saved).
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
        .transaction(move |c| publish_in(c, &registry, &actor2, &id2, replan_current, now))
        .await;
    if done.is_err() {
        // A re-plan may have loaded the version while it looked published; the rollback made it
        // a draft again, which may still change.
        protocols.forget(id);
    }
    done
}

fn publish_in(
    c: &mut DbConn,
    protocols: &Protocols,
    actor: &StaffActor,
    id: &ProtocolId,
    replan_current: bool,
    now: NaiveDateTime,
) -> Result<Published> {
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
    let same = || Some(stored.document.clone());
    record_edit(
        c,
        actor,
        id,
        ProtocolEditAction::Publish,
        same(),
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
    let mut replanned = 0;
    if replan_current {
        let label = stored.label();
        for patient in store::current_treated_patients(c, &actor.clinic_id)? {
            if replan_one(c, protocols, actor, &patient, id, &label, now)? {
                replanned += 1;
            }
        }
        if replanned > 0 {
            let after = stored.document.clone();
            record_edit(c, actor, id, ProtocolEditAction::Replan, same(), after, now)?;
        }
    }
    let stored = store::find(c, id)?.ok_or(Error::NotFound)?;
    let summary = summaries(c, vec![stored])?
        .pop()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("summary missing")))?;
    Ok(Published { summary, replanned })
}

/// Moves the patient's current treatment to the version and re-plans them; `false` when the
/// patient has no treatment any more (erased or discharged meanwhile: nothing to move).
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
    let Some(treatment) = treatments::current(c, patient)? else {
        return Ok(false);
    };
    store::move_treatment(c, &treatment.id, id, label)?;
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

/// How many current patients (neither discharged nor erased, with a treatment) a publish with
/// `replan_current` would move now: the count the console's confirmation shows.
pub async fn replan_candidates(db: &Db, actor: &StaffActor) -> Result<usize> {
    let clinic_id = actor.clinic_id.clone();
    let n = db
        .run(move |c| store::count_current_treated_patients(c, &clinic_id))
        .await?;
    Ok(usize::try_from(n).unwrap_or(0))
}
