//! Reading a version before and after publishing: its plan for a sample treatment, what
//! changed against another version, and who changed it when.

use chrono::NaiveDateTime;

use super::Protocols;
use super::versions::{build, document_of};
use crate::care::StaffActor;
use crate::db::Db;
use crate::db::protocols as store;
use crate::domain::{PlannedPrompt, ProtocolEditAction, ProtocolId};
use crate::error::{Error, Result};
use crate::protocol::{Change, PreviewInput, ProtocolDocument, diff};

/// One change in a version's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub action: ProtocolEditAction,
    /// The acting staff member's display name.
    pub actor_name: Option<String>,
    pub at: NaiveDateTime,
}

/// The plan one of the clinic's versions (drafts too) makes for a sample treatment, in
/// delivery order, as [`crate::protocol::preview`] plans it (nothing dropped as past, no quiet
/// hours). Not audited: no patient data. Errors: `NotFound` for an unknown or another clinic's
/// id; `Validation` when the version is not valid against the default.
pub async fn preview(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    id: &ProtocolId,
    sample: PreviewInput,
) -> Result<Vec<PlannedPrompt>> {
    let stored = find(db, actor, id).await?;
    let doc = document_of(&stored)?;
    let protocol = build(protocols.default_protocol(), &stored.label(), &doc)?;
    Ok(crate::protocol::preview(&protocol, &sample))
}

/// What changed from `before` (`None`: the product's default) to `after`, both versions of
/// the actor's clinic: prompts matched by key in document order, then triage rules
/// ([`crate::protocol::diff`]). Errors: `NotFound` for an unknown or another clinic's id.
pub async fn compare(
    db: &Db,
    protocols: &Protocols,
    actor: &StaffActor,
    before: Option<&ProtocolId>,
    after: &ProtocolId,
) -> Result<Vec<Change>> {
    let before: ProtocolDocument = match before {
        None => protocols.default_protocol().document(),
        Some(id) => document_of(&find(db, actor, id).await?)?,
    };
    let after = document_of(&find(db, actor, after).await?)?;
    Ok(diff(&before, &after))
}

/// A version's changes (create, each update, publish, re-plan), oldest first, with who made
/// them. Errors: `NotFound` for an unknown or another clinic's id.
pub async fn history(db: &Db, actor: &StaffActor, id: &ProtocolId) -> Result<Vec<Edit>> {
    let (clinic_id, id) = (actor.clinic_id.clone(), id.clone());
    db.run(move |c| {
        store::find_in_clinic(c, &clinic_id, &id)?.ok_or(Error::NotFound)?;
        Ok(store::edits(c, &id)?
            .into_iter()
            .map(|(row, name)| Edit {
                action: row.action,
                actor_name: Some(name),
                at: row.at,
            })
            .collect())
    })
    .await
}

async fn find(db: &Db, actor: &StaffActor, id: &ProtocolId) -> Result<store::StoredProtocol> {
    let (clinic_id, id) = (actor.clinic_id.clone(), id.clone());
    db.run(move |c| store::find_in_clinic(c, &clinic_id, &id)?.ok_or(Error::NotFound))
        .await
}
