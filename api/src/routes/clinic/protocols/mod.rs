//! The clinic's own protocol versions (docs/CONTRACT.md "Clinic additions"):
//! `GET/POST /v1/clinic/protocols`, `GET/PUT /v1/clinic/protocols/{id}`, and in [`publish`]
//! `POST …/{id}/publish` and `GET …/{id}/preview`. The workflows are `shared::care::protocols`:
//! every query is scoped to the caller's clinic (another clinic's version is 404), every
//! change audited with its before and after.

mod publish;

use actix_web::{HttpResponse, get, post, put, web};
use shared::care::protocols::{self, BasedOn};
use shared::domain::{ProtocolId, ProtocolStatus};
use shared::protocol::ProtocolDocument;
use shared::time::now;

use crate::error::{ApiResult, Problem, invalid};
use crate::extract::Staff;
use crate::json::Json;
use crate::pagination;
use crate::path_id::{PathId, is_canonical_uuid};
use crate::state::AppState;
use crate::views::protocols::{
    CreateProtocol, DOCUMENT_LIMIT, ProtocolListParams, ProtocolPage, ProtocolPreview,
    ProtocolPublished, ProtocolSummary, ProtocolView, PublishProtocol, UpdateProtocol,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(show)
        .service(update)
        .service(publish::publish)
        .service(publish::preview);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, publish::publish, publish::preview),
    components(schemas(
        ProtocolSummary,
        ProtocolPage,
        CreateProtocol,
        ProtocolView,
        ProtocolDocument,
        PublishProtocol,
        ProtocolPublished,
        ProtocolPreview,
    ))
)]
pub struct Doc;

const LIST: &str = "/v1/clinic/protocols";

/// The clinic's protocol versions, newest first. A clinic that never made one plans with the
/// product's default protocol, which a new draft can start from (`based_on: "default"`).
#[utoipa::path(
    operation_id = "listProtocols",
    tag = "clinic",
    params(ProtocolListParams),
    responses(
        (status = 200, body = ProtocolPage, description = "A page of versions, newest first"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/v1/clinic/protocols")]
pub async fn list(
    staff: Staff,
    state: web::Data<AppState>,
    params: web::Query<ProtocolListParams>,
) -> ApiResult<web::Json<ProtocolPage>> {
    let limit = pagination::limit(params.limit)?;
    let before = state.cursors.read(LIST, params.cursor.as_deref())?;
    let rows = protocols::list(&state.db, &staff.actor(), before, limit + 1).await?;
    let (rows, next_cursor) = state
        .cursors
        .split(LIST, rows, limit, |s| s.id.as_str().to_owned());
    Ok(web::Json(ProtocolPage {
        items: rows.iter().map(ProtocolSummary::from).collect(),
        next_cursor,
    }))
}

/// Starts a draft: a copy of the product's default protocol (`"default"`) or of one of the
/// clinic's versions (its id), each exactly (no surrounding spaces). Numbered after the clinic's last version; audited
/// `protocol.create`.
#[utoipa::path(
    operation_id = "createProtocol",
    tag = "clinic",
    request_body = CreateProtocol,
    responses(
        (status = 201, body = ProtocolView, description = "The new draft and its document"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem, description = "`based_on` is neither `default` nor a version of this clinic"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/clinic/protocols")]
pub async fn create(
    staff: Staff,
    state: web::Data<AppState>,
    body: Json<CreateProtocol>,
) -> ApiResult<HttpResponse> {
    // Exact: `" default"` or an id with a space is as unknown as any other value.
    let raw = body.based_on.as_str().unwrap_or_default();
    let based_on = if raw == "default" {
        BasedOn::Default
    } else if is_canonical_uuid(raw) {
        BasedOn::Version(ProtocolId::from(raw.to_owned()))
    } else {
        return Err(invalid(
            "based_on",
            "must be \"default\" or the id of one of the clinic's protocol versions",
        ));
    };
    let created =
        protocols::create(&state.db, &state.protocols, &staff.actor(), based_on, now()).await?;
    Ok(HttpResponse::Created().json(ProtocolView::from(created)))
}

/// A version and its document: every prompt, and the triage rules.
#[utoipa::path(
    operation_id = "getProtocol",
    tag = "clinic",
    params(("id" = String, Path, description = "protocol version id")),
    responses(
        (status = 200, body = ProtocolView, description = "The version and its document"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/v1/clinic/protocols/{id}")]
pub async fn show(
    staff: Staff,
    state: web::Data<AppState>,
    id: PathId<ProtocolId>,
) -> ApiResult<web::Json<ProtocolView>> {
    let found = protocols::get(&state.db, &staff.actor(), &id).await?;
    Ok(web::Json(ProtocolView::from(found)))
}

/// Replaces a draft's document. The body is `{prompts, triage}`; the read-only members of the
/// `GET` answer (`id`, `version`, `status`, `based_on`, `*_at`, `published_by*`) may be sent
/// back and are ignored. Every bad entry is named by its JSON path
/// (`prompts[3].texts.es.body`, `triage.rules[1].when.redness_min`); warning-sign rules cannot
/// be removed or weakened. A published or retired version is 409 whatever the body (judged
/// first). Audited `protocol.update` with the document before and after.
#[utoipa::path(
    operation_id = "updateProtocol",
    tag = "clinic",
    params(("id" = String, Path, description = "protocol version id")),
    request_body(content = ProtocolDocument, description = "The document; the read-only members of the `GET` answer may be sent back and are ignored"),
    responses(
        (status = 200, body = ProtocolView, description = "The draft with its new document"),
        (status = 400, body = Problem, description = "Malformed JSON, or a body over 1 MiB"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The version is not a draft: published and retired versions never change"),
        (status = 422, body = Problem, description = "`errors` names each bad entry by its JSON path"),
    ),
    security(("bearer" = []))
)]
#[put("/v1/clinic/protocols/{id}")]
pub async fn update(
    staff: Staff,
    state: web::Data<AppState>,
    id: PathId<ProtocolId>,
    body: Json<UpdateProtocol, DOCUMENT_LIMIT>,
) -> ApiResult<web::Json<ProtocolView>> {
    let actor = staff.actor();
    // A published or retired version never changes, whatever the body says: 409 before the
    // body is judged (the update checks again under the version's lock).
    let current = protocols::get(&state.db, &actor, &id).await?;
    if current.summary.status != ProtocolStatus::Draft {
        return Err(shared::Error::Conflict(format!(
            "version {} is {}: only a draft can change; create a new draft from it",
            current.summary.version,
            current.summary.status.as_str()
        ))
        .into());
    }
    let doc = body.into_inner().parse()?;
    let updated =
        protocols::update(&state.db, &state.protocols, &actor, &id, doc, None, now()).await?;
    Ok(web::Json(ProtocolView::from(updated)))
}
