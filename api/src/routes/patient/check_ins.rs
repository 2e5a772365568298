//! `POST /v1/me/check-ins`: the patient reports how the skin is; the answer says what to do.
//! `GET /v1/me/check-ins`: what they reported, with that guidance.

use actix_web::{HttpResponse, get, post, web};
use shared::care::check_ins;
use shared::delivery::Reason;
use shared::domain::Severity;
use shared::time::now;

use crate::error::{ApiResult, Problem};
use crate::extract::PatientUser;
use crate::json::Json;
use crate::pagination;
use crate::state::AppState;
use crate::views::check_in::{CheckInCreated, CreateCheckIn};
use crate::views::my_lists::{CheckInPage, CheckInSummary, PageParams};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create).service(list);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, list),
    components(schemas(CreateCheckIn, CheckInCreated, CheckInPage, CheckInSummary))
)]
pub struct Doc;

/// The caller's check-ins, newest first: the scores and symptoms reported, the triage's
/// severity and the guidance it gave, in the patient's language.
#[utoipa::path(
    operation_id = "listMyCheckIns",
    tag = "patient",
    params(PageParams),
    responses(
        (status = 200, body = CheckInPage, description = "A page of check-ins, newest first"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem,
            description = "`limit` out of range, or a `cursor` this list did not issue"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/me/check-ins")]
pub async fn list(
    me: PatientUser,
    state: web::Data<AppState>,
    params: web::Query<PageParams>,
) -> ApiResult<web::Json<CheckInPage>> {
    let p = params.into_inner();
    let limit = pagination::limit(p.limit)?;
    const LIST: &str = "/v1/me/check-ins";
    let before = state.cursors.read(LIST, p.cursor.as_deref())?;
    let rows = check_ins::history(
        &state.db,
        &state.protocols,
        &me.clinic_id,
        &me.patient_id(),
        before,
        limit + 1,
    )
    .await?;
    let (rows, next_cursor) = state
        .cursors
        .split(LIST, rows, limit, |r| r.check_in.id.to_string());
    Ok(web::Json(CheckInPage {
        items: rows.into_iter().map(CheckInSummary::from).collect(),
        next_cursor,
    }))
}

/// Records a check-in for the current treatment and triages it against the expected healing
/// timeline. Anything outside it is escalated to the clinic at once (`urgent` ones by email
/// within a minute); the guidance says what to do now, in the patient's language.
#[utoipa::path(
    operation_id = "createCheckIn",
    tag = "patient",
    request_body = CreateCheckIn,
    responses(
        (status = 201, body = CheckInCreated, description = "Recorded and triaged"),
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
        check_ins::record(&state.db, &state.protocols, &me.patient_id(), form, now()).await?;
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
