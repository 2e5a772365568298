//! The clinic's escalation queue: `GET /v1/clinic/escalations`,
//! `POST /v1/clinic/escalations/{id}/resolve`. Scoped to the caller's clinic in the query.

use actix_web::{get, post, web};
use shared::care::check_ins;
use shared::domain::{EscalationId, EscalationStatus};
use shared::time::now;

use crate::error::{ApiResult, Problem, invalid};
use crate::extract::Staff;
use crate::json::Json;
use crate::pagination;
use crate::path_id::PathId;
use crate::state::AppState;
use crate::validate;
use crate::views::check_in::{
    EscalationItem, EscalationPage, EscalationParams, NOTE_MAX, ResolveEscalation, Scores,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(resolve);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, resolve),
    components(schemas(EscalationItem, EscalationPage, ResolveEscalation, Scores))
)]
pub struct Doc;

/// The clinic's escalations, newest first, each with the check-in that raised it: what was
/// reported (symptoms, scores), the triage rule that fired, the patient's phone, and who
/// resolved it when.
#[utoipa::path(
    operation_id = "listEscalations",
    tag = "clinic",
    params(EscalationParams),
    responses(
        (status = 200, body = EscalationPage, description = "A page of escalations"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/v1/clinic/escalations")]
pub async fn list(
    staff: Staff,
    state: web::Data<AppState>,
    params: web::Query<EscalationParams>,
) -> ApiResult<web::Json<EscalationPage>> {
    const LIST: &str = "/v1/clinic/escalations";
    let p = params.into_inner();
    let limit = pagination::limit(p.limit)?;
    let status = match p.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            EscalationStatus::parse(s)
                .ok_or_else(|| invalid("status", "must be open or resolved"))?,
        ),
    };
    let before = state.cursors.read(LIST, p.cursor.as_deref())?;
    let shown = usize::try_from(limit).unwrap_or(0);
    let rows = check_ins::queue(
        &state.db,
        &staff.actor(),
        status,
        before,
        limit + 1,
        shown,
        now(),
    )
    .await?;
    let (rows, next_cursor) = state
        .cursors
        .split(LIST, rows, limit, |i| i.escalation.id.to_string());
    Ok(web::Json(EscalationPage {
        items: rows.into_iter().map(EscalationItem::from).collect(),
        next_cursor,
    }))
}

/// Resolves an escalation with a note (audited). The first resolution stands: a second one is
/// 409.
#[utoipa::path(
    operation_id = "resolveEscalation",
    tag = "clinic",
    params(("id" = String, Path, description = "escalation id")),
    request_body = ResolveEscalation,
    responses(
        (status = 200, body = EscalationItem, description = "Resolved: the escalation as it now stands"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "already resolved", body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/v1/clinic/escalations/{id}/resolve")]
pub async fn resolve(
    staff: Staff,
    state: web::Data<AppState>,
    path: PathId<EscalationId>,
    body: Json<ResolveEscalation>,
) -> ApiResult<web::Json<EscalationItem>> {
    let note = validate::multiline_text(&body.note, NOTE_MAX).map_err(|m| invalid("note", m))?;
    let item = check_ins::resolve(
        &state.db,
        &state.protocols,
        &staff.actor(),
        &path,
        note,
        now(),
    )
    .await?;
    Ok(web::Json(EscalationItem::from(item)))
}
