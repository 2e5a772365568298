//! Publishing a draft (clinic admins only; another role gets the 403 page): a confirmation
//! saying what publishing does, with a "re-plan current patients" box and how many patients it
//! would re-plan (`care::protocols::replan_candidates`), then `care::protocols::publish`. A draft
//! that no longer validates comes back to the confirmation with every finding.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use shared::Error;
use shared::care;
use shared::care::protocols::Versioned;
use shared::domain::{ProtocolId, ProtocolStatus};
use shared::time::now;

use super::errors::{SummaryLine, split};
use super::{load_draft, version_name};
use crate::console::page::{self, ConsoleError, Nav, see_other, texts};
use crate::console::session::{ConsoleUser, SessionForm};
use crate::console::strings::Strings;
use crate::path_id::PathId;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "console/protocols_publish.html")]
struct PublishPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    id: String,
    version: String,
    /// What happens to the version in use now.
    replaces: String,
    replan_label: String,
    replan: bool,
    summary: Vec<SummaryLine>,
}

async fn publish_page(
    state: &AppState,
    user: &ConsoleUser,
    v: &Versioned,
    replan: bool,
    summary: Vec<SummaryLine>,
) -> Result<PublishPage, ConsoleError> {
    let t = texts();
    let actor = user.actor();
    let count = care::protocols::replan_candidates(&state.db, &actor).await?;
    let all = care::protocols::list(&state.db, &actor, None, 100).await?;
    let replaces = match all.iter().find(|s| s.status == ProtocolStatus::Published) {
        Some(p) => t.fmt(
            "proto_publish_replaces",
            &[("version", version_name(t, p.version).into())],
        ),
        None => t.proto_publish_replaces_default.to_owned(),
    };
    let version = version_name(t, v.summary.version);
    Ok(PublishPage {
        t,
        nav: Nav::of(user),
        title: t.fmt(
            "proto_publish_title",
            &[("version", version.clone().into())],
        ),
        csrf: user.csrf.clone(),
        id: v.summary.id.to_string(),
        version,
        replaces,
        replan_label: t.fmt("proto_replan_label", &[("count", (count as i64).into())]),
        replan,
        summary,
    })
}

/// `GET /console/protocols/{id}/publish`.
pub async fn confirm(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
) -> Result<HttpResponse, ConsoleError> {
    user.require_admin()?;
    let id = ProtocolId::from(id.into_inner());
    let v = load_draft(&state, &user, &id).await?;
    page::ok(&publish_page(&state, &user, &v, false, vec![]).await?)
}

/// `POST /console/protocols/{id}/publish` (`replan_current` ticked or not).
pub async fn publish(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    user.require_admin()?;
    let id = ProtocolId::from(id.into_inner());
    let v = load_draft(&state, &user, &id).await?;
    let replan = form.has("replan_current");
    match care::protocols::publish(
        &state.db,
        &state.protocols,
        &user.actor(),
        &id,
        replan,
        now(),
    )
    .await
    {
        Ok(p) => Ok(see_other(&format!(
            "/console/protocols/{id}?published={}",
            p.replanned
        ))),
        Err(Error::Validation(found)) => {
            let (_, summary) = split(found, "", |_| None);
            let page = publish_page(&state, &user, &v, replan, summary).await?;
            page::html(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(ConsoleError(e)),
    }
}
