//! Publishing a draft, and re-planning the clinic's current patients with it.

use chrono::NaiveDateTime;

use super::{Protocols, Summary};
use crate::care::StaffActor;
use crate::db::Db;
use crate::domain::ProtocolId;
use crate::error::{Error, Result};

/// A version just published, and how many current patients were re-planned with it.
#[derive(Debug, Clone)]
pub struct Published {
    pub summary: Summary,
    pub replanned: usize,
}

/// Publishes a draft (the caller checks the actor is an admin). Errors: `NotFound`;
/// `Conflict` unless draft; `Validation` when the draft no longer validates.
pub async fn publish(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    id: &ProtocolId,
    replan_current: bool,
    now: NaiveDateTime,
) -> Result<Published> {
    let _ = (db, protocols, actor, id, replan_current, now);
    Err(Error::Internal(anyhow::anyhow!("todo")))
}

/// How many current patients a publish with `replan_current` would move.
pub async fn replan_candidates(db: &Db, actor: &StaffActor) -> Result<usize> {
    let _ = (db, actor);
    Err(Error::Internal(anyhow::anyhow!("todo")))
}
