//! `POST /v1/me/screenings`: before a booked session, the patient says whether anything that
//! makes the clinic wait applies now; any reported code flags the booking for the clinic
//! (`shared::care::screenings`).

use actix_web::{HttpResponse, post, web};
use shared::care::screenings;
use shared::time::now;

use crate::error::{ApiResult, Problem};
use crate::extract::PatientUser;
use crate::json::Json;
use crate::state::AppState;
use crate::views::screening::{CreateScreening, PatientRecordScreening, ScreeningCreated};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create),
    components(schemas(CreateScreening, ScreeningCreated, PatientRecordScreening))
)]
pub struct Doc;

/// Records the caller's answers for their booked session: the contraindication codes that
/// apply now (`[]` for none) and an optional note. Any code flags the booking; a newer answer
/// replaces what the clinic sees (every answer is kept). The questions open 72 hours before
/// the session and close when it starts; a moved session is asked about again. At most 20
/// answers per booked time: past that, 409 "you have already answered 20 times; call your
/// clinic".
#[utoipa::path(
    operation_id = "createScreening",
    tag = "patient",
    request_body = CreateScreening,
    responses(
        (status = 201, body = ScreeningCreated, description = "Recorded"),
        (status = 400, body = Problem, description = "malformed JSON"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem,
            description = "no session booked, the questions not open yet (72 hours before), the session started, or already answered 20 times for this time"),
        (status = 415, body = Problem),
        (status = 422, body = Problem,
            description = "an unknown code (`contraindications[i]`), a missing list, or notes over 1,000 characters"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/me/screenings")]
pub async fn create(
    me: PatientUser,
    state: web::Data<AppState>,
    body: Json<CreateScreening>,
) -> ApiResult<HttpResponse> {
    let form = body.parse()?;
    let recorded = screenings::record(&state.db, &me.patient_id(), form, now()).await?;
    Ok(HttpResponse::Created().json(ScreeningCreated::from(recorded)))
}
