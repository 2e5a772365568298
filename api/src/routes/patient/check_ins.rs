//! `POST /v1/me/check-ins`: the patient reports how the skin is; the answer says what to do.

use actix_web::{HttpResponse, post, web};
use shared::care::check_ins;
use shared::delivery::Reason;
use shared::domain::Severity;
use shared::time::now;

use crate::error::{ApiResult, Problem};
use crate::extract::PatientUser;
use crate::json::Json;
use crate::state::AppState;
use crate::views::check_in::{CheckInCreated, CreateCheckIn};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create);
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(create), components(schemas(CreateCheckIn, CheckInCreated)))]
pub struct Doc;

/// Records a check-in for the current treatment and triages it against the expected healing
/// timeline. Anything outside it is escalated to the clinic at once (`urgent` ones by email
/// within a minute); the guidance says what to do now, in the patient's language.
#[utoipa::path(
    operation_id = "createCheckIn",
    tag = "patient",
    request_body = CreateCheckIn,
    responses(
        (status = 201, body = CheckInCreated),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "no treatment recorded yet", body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/v1/me/check-ins")]
pub async fn create(
    me: PatientUser,
    state: web::Data<AppState>,
    body: Json<CreateCheckIn>,
) -> ApiResult<HttpResponse> {
    let form = body.parse()?;
    let recorded =
        check_ins::record(&state.db, &state.protocol, &me.patient_id(), form, now()).await?;
    let urgent = recorded
        .escalation
        .as_ref()
        .is_some_and(|e| e.severity == Severity::Urgent);
    if let (true, Some(wakes)) = (urgent, &state.worker_wakes) {
        // The clinic's alert and the "your clinic has been told" prompt are due now.
        wakes.clinic_alerts.ring(Reason::Notify);
        wakes.dispatch.ring(Reason::Notify);
    }
    Ok(HttpResponse::Created().json(CheckInCreated::from(recorded)))
}
