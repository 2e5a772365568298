//! The clinic's own aftercare protocol (issue 29): its versions, a draft's editor, a preview for
//! a sample treatment, a comparison of two versions and publishing. Every page reads and writes
//! through `shared::care::protocols`; a draft is saved whole (`care::protocols::update`) with the
//! one prompt or the triage thresholds a page edits replaced, so the validation of the whole
//! document (`Protocol::with_document`) answers every save, its findings shown beside their
//! fields and in a summary at the top.
//!
//! A long protocol (up to 300 prompts) stays usable on a phone: the version page lists the
//! prompts grouped by anchor and day, each linking to a page of its own
//! (`/console/protocols/{id}/prompt?n=<position>`; positions, not keys, because a key can be
//! edited and the path carries only ids). A posted form names its prompt by its stored key and
//! carries the draft's revision, so a stale form is refused rather than saved over another
//! staff member's change ([`conflict`]).
//!
//! - [`version`]: the list of versions, a new draft, and one version's page;
//! - [`prompt`] (with [`prompt_form`]): edit, add and remove a prompt;
//! - [`triage`]: the check-in triage thresholds, within the bounds the default allows;
//! - [`preview`], [`compare`], [`publish`] (clinic admins only).

mod compare;
mod conflict;
mod errors;
mod preview;
mod prompt;
mod prompt_form;
mod publish;
mod triage;
mod version;

use actix_web::web;
use shared::care;
use shared::care::protocols::Versioned;
use shared::domain::{ProtocolId, ProtocolStatus};

use super::page::{ConsoleError, texts};
use super::session::ConsoleUser;
use super::strings::Strings;
use crate::state::AppState;

/// The protocol pages' routes, under `/console`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use web::{get, resource};
    cfg.service(
        resource("/protocols")
            .get(version::list)
            .post(version::create),
    )
    .route("/protocols/compare", get().to(compare::compare))
    .route("/protocols/{id}", get().to(version::show))
    .service(
        resource("/protocols/{id}/prompt")
            .get(prompt::edit_form)
            .post(prompt::save),
    )
    .service(
        resource("/protocols/{id}/prompt/new")
            .get(prompt::new_form)
            .post(prompt::add),
    )
    .service(
        resource("/protocols/{id}/prompt/remove")
            .get(prompt::confirm_remove)
            .post(prompt::remove),
    )
    .service(
        resource("/protocols/{id}/triage")
            .get(triage::form)
            .post(triage::save),
    )
    .route("/protocols/{id}/preview", get().to(preview::preview))
    .service(
        resource("/protocols/{id}/publish")
            .get(publish::confirm)
            .post(publish::publish),
    );
}

/// A version as staff name it: "Version 3".
pub fn version_name(t: &Strings, version: i32) -> String {
    t.fmt("proto_version_n", &[("n", version.into())])
}

/// The words for a version's status.
pub fn status_word(t: &Strings, s: ProtocolStatus) -> &'static str {
    match s {
        ProtocolStatus::Draft => t.proto_status_draft,
        ProtocolStatus::Published => t.proto_status_published,
        ProtocolStatus::Retired => t.proto_status_retired,
    }
}

/// The clinic's version `id` (another clinic's is the 404 page).
async fn load(
    state: &AppState,
    user: &ConsoleUser,
    id: &ProtocolId,
) -> Result<Versioned, ConsoleError> {
    Ok(care::protocols::get(&state.db, &user.actor(), id).await?)
}

/// The draft `id`; a published or retired version cannot be edited (the 409 page, saying so).
async fn load_draft(
    state: &AppState,
    user: &ConsoleUser,
    id: &ProtocolId,
) -> Result<Versioned, ConsoleError> {
    let v = load(state, user, id).await?;
    if v.summary.status != ProtocolStatus::Draft {
        return Err(ConsoleError(shared::Error::Conflict(
            texts().proto_not_a_draft.to_owned(),
        )));
    }
    Ok(v)
}
