//! `POST /v1/clinic/protocols/{id}/publish` (administrators) and
//! `GET /v1/clinic/protocols/{id}/preview`.

use std::future::Future;
use std::pin::Pin;

use actix_web::error::JsonPayloadError;
use actix_web::{FromRequest, HttpRequest, dev, get, post, web};
use serde::de::DeserializeOwned;
use shared::care::clinic;
use shared::care::protocols;
use shared::domain::ProtocolId;
use shared::time::{now, to_utc};

use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Admin, Staff};
use crate::extractors_config::{JSON_LIMIT, json_error};
use crate::json::Json;
use crate::path_id::PathId;
use crate::state::AppState;
use crate::views::protocols::{
    PreviewParams, PreviewPrompt, ProtocolPreview, ProtocolPublished, PublishProtocol,
};

/// A JSON body that may be left out: an empty payload (whatever the headers say: an HTTP/2
/// request may carry a body with neither `Content-Length` nor `Transfer-Encoding`) is `None`;
/// any other body is read as [`Json`] reads it (415, 400 and 422 alike; over [`JSON_LIMIT`]
/// bytes is 400).
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Payload::from_request(&req, payload);
        Box::pin(async move {
            let bytes = match body.await?.to_bytes_limited(JSON_LIMIT).await {
                Err(_) => return Err(json_error(JsonPayloadError::Overflow { limit: JSON_LIMIT })),
                Ok(Err(_)) => {
                    return Err(ApiError::bad_request("the request body could not be read").into());
                }
                Ok(Ok(bytes)) => bytes,
            };
            if bytes.is_empty() {
                return Ok(OptionalJson(None));
            }
            let mut read = dev::Payload::from(bytes);
            let parsed = Json::<T>::from_request(&req, &mut read).await?;
            Ok(OptionalJson(Some(parsed.into_inner())))
        })
    }
}

/// Publishes a draft (administrators only): from now on it is immutable, the clinic's
/// previously published version is retired, and treatments recorded afterwards are planned
/// with it (`protocol_version: "clinic-<version>"`). Two publishes at once take turns (both
/// succeed, the later retiring the earlier). The body is optional (an empty payload is none);
/// with `{"replan_current_patients": true}`, once the publish is committed, every current
/// patient with a treatment or a live booking is re-planned on their own (a treatment moved to
/// it; each audited `protocol.replan`; one who fails is logged and skipped). Audited
/// `protocol.publish`.
#[utoipa::path(
    operation_id = "publishProtocol",
    tag = "clinic",
    params(("id" = String, Path, description = "protocol version id")),
    request_body(content = Option<PublishProtocol>, description = "Optional; no body re-plans nobody"),
    responses(
        (status = 200, body = ProtocolPublished, description = "Published, with how many current patients were re-planned"),
        (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Only a clinic administrator may publish"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The version is not a draft"),
        (status = 422, body = Problem, description = "The draft does not validate (`errors` names each bad entry), or the body is of the wrong shape"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/clinic/protocols/{id}/publish")]
pub async fn publish(
    admin: Admin,
    state: web::Data<AppState>,
    id: PathId<ProtocolId>,
    body: OptionalJson<PublishProtocol>,
) -> ApiResult<web::Json<ProtocolPublished>> {
    let replan = body.0.unwrap_or_default().replan_current_patients;
    let published = protocols::publish(
        &state.db,
        &state.protocols,
        &admin.actor(),
        &id,
        replan,
        now(),
    )
    .await?;
    Ok(web::Json(ProtocolPublished::from(published)))
}

/// What a version (a draft too) plans for a sample treatment, in delivery order and the
/// sample's language, as if planned when the treatment was performed (nothing dropped as past)
/// and without quiet hours. Every parameter has a default (see each); a bad one is a 422
/// naming it, and so is a draft that does not validate.
#[utoipa::path(
    operation_id = "previewProtocol",
    tag = "clinic",
    params(("id" = String, Path, description = "protocol version id"), PreviewParams),
    responses(
        (status = 200, body = ProtocolPreview, description = "The prompts the version plans for the sample"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 422, body = Problem, description = "A parameter is invalid, or the draft does not validate; `errors` names each"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/clinic/protocols/{id}/preview")]
pub async fn preview(
    staff: Staff,
    state: web::Data<AppState>,
    id: PathId<ProtocolId>,
    params: web::Query<PreviewParams>,
) -> ApiResult<web::Json<ProtocolPreview>> {
    let actor = staff.actor();
    let home = clinic::find(&state.db, &actor).await?;
    let sample = params.parse(to_utc(now()), home.timezone.0)?;
    let planned = protocols::preview(&state.db, &state.protocols, &actor, &id, sample).await?;
    Ok(web::Json(ProtocolPreview {
        prompts: planned.iter().map(PreviewPrompt::from).collect(),
    }))
}
