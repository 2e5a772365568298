//! `POST /v1/me/prompts/{id}/ack`: the patient acknowledges a prompt.

use actix_web::{HttpResponse, post, web};
use shared::care::prompts;
use shared::domain::PromptId;
use shared::time::now;

use crate::error::{ApiResult, Problem};
use crate::extract::PatientUser;
use crate::path_id::PathId;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(acknowledge);
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(acknowledge))]
pub struct Doc;

/// Acknowledges one of the caller's prompts. Idempotent: a second call keeps the first time.
/// The timeline then shows it `acknowledged` with `acknowledged_at`.
#[utoipa::path(
    operation_id = "acknowledgePrompt",
    tag = "patient",
    params(("id" = String, Path, description = "prompt id")),
    responses(
        (status = 204, description = "acknowledged (now or before)"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "the prompt was cancelled", body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/v1/me/prompts/{id}/ack")]
pub async fn acknowledge(
    me: PatientUser,
    state: web::Data<AppState>,
    path: PathId<PromptId>,
) -> ApiResult<HttpResponse> {
    prompts::acknowledge(&state.db, &me.patient_id(), &path, now()).await?;
    Ok(HttpResponse::NoContent().finish())
}
