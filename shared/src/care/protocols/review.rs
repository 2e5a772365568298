//! Reading a version before and after publishing: its plan for a sample treatment, what
//! changed against another version, and who changed it when.

use chrono::NaiveDateTime;

use super::Protocols;
use crate::care::StaffActor;
use crate::db::Db;
use crate::domain::{PlannedPrompt, ProtocolEditAction, ProtocolId};
use crate::error::{Error, Result};
use crate::protocol::{Change, PreviewInput};

/// One change in a version's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub action: ProtocolEditAction,
    pub actor_name: Option<String>,
    pub at: NaiveDateTime,
}

/// The plan a version (drafts too) makes for `sample`. Errors: `NotFound`; `Validation` when
/// the draft is not valid.
pub async fn preview(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    id: &ProtocolId,
    sample: PreviewInput,
) -> Result<Vec<PlannedPrompt>> {
    let _ = (db, protocols, actor, id, sample);
    Err(Error::Internal(anyhow::anyhow!("todo")))
}

/// What changed from `before` (`None`: the default) to `after`. Errors: `NotFound`.
pub async fn compare(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    before: Option<&ProtocolId>,
    after: &ProtocolId,
) -> Result<Vec<Change>> {
    let _ = (db, protocols, actor, before, after);
    Err(Error::Internal(anyhow::anyhow!("todo")))
}

/// A version's edits, oldest first. Errors: `NotFound`.
pub async fn history(db: &Db, actor: &StaffActor, id: &ProtocolId) -> Result<Vec<Edit>> {
    let _ = (db, actor, id);
    Err(Error::Internal(anyhow::anyhow!("todo")))
}
