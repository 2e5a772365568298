//! The patient's profile and plan: `GET/PATCH /v1/me`, `GET /v1/me/timeline`.
//!
//! Changing zone, quiet hours or language re-plans the patient's future prompts in the same
//! transaction (re-timed, re-rendered). Turning both channels off keeps the plan: the timeline
//! still shows it and delivery resumes when a channel is turned back on.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use sha2::{Digest, Sha256};
use shared::care::sms::{self, ConsentChange};
use shared::care::{preferences, profile};
use shared::domain::{CONSENT_TEXT_VERSION, ConsentMethod, ConsentSource, E164, PatientId};
use shared::time::now;

use crate::error::{ApiResult, Problem, invalid};
use crate::extract::{Deferred, PatientUser};
use crate::json::Json;
use crate::state::AppState;
use crate::views::patient::{
    Channels, ClinicContact, Me, NextSessionView, QuietHoursView, SmsConsentView, Timeline,
    UpdateChannels, UpdateMe,
};
use crate::views::prompt::{DeliveryView, PromptView, ShownChannel};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_me).service(patch_me).service(timeline);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(get_me, patch_me, timeline),
    components(schemas(
        Me,
        UpdateMe,
        QuietHoursView,
        Channels,
        UpdateChannels,
        SmsConsentView,
        ClinicContact,
        Timeline,
        NextSessionView,
        PromptView,
        DeliveryView,
        ShownChannel,
        shared::care::delivery_log::DeliveryStepStatus
    ))
)]
pub struct Doc;

async fn load_me(state: &AppState, patient_id: PatientId) -> ApiResult<Me> {
    let me = profile::me(&state.db, &patient_id).await?;
    let consent = sms::consent(&state.db, &patient_id).await?;
    Ok(Me::new(me, consent))
}

/// The caller's profile and clinic contact.
#[utoipa::path(
    operation_id = "getMe",
    tag = "patient",
    responses((status = 200, body = Me, description = "The caller's profile"), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = []))
)]
#[get("/v1/me")]
pub async fn get_me(me: PatientUser, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(load_me(&state, me.patient_id()).await?))
}

/// Changes delivery preferences; future prompts follow the new zone, quiet hours and language.
/// `phone` takes an international number (stored in E.164); `sms_consent: true` records the
/// patient's consent to texts (the current wording's version; 422 on `sms_consent` without a
/// valid phone on file or in the same request), `false` withdraws it.
#[utoipa::path(
    operation_id = "updateMe",
    tag = "patient",
    request_body = UpdateMe,
    responses(
        (status = 200, body = Me, description = "The updated profile"), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[patch("/v1/me")]
pub async fn patch_me(
    me: PatientUser,
    state: web::Data<AppState>,
    body: Json<UpdateMe>,
) -> ApiResult<HttpResponse> {
    let update = body.parse()?;
    if body.sms_consent == Some(true) {
        // Consent is given for a number: the one on file after this change.
        let phone = match &update.phone {
            Some(phone) => phone.clone(),
            None => {
                profile::me(&state.db, &me.patient_id())
                    .await?
                    .profile
                    .phone
            }
        };
        if phone.is_none_or(|p| E164::parse(&p).is_err()) {
            return Err(invalid(
                "sms_consent",
                "needs a mobile number on file, written with the country code (+34 600 111 222)",
            ));
        }
    }
    let outcome =
        preferences::update(&state.db, &state.protocols, &me.patient_id(), update, now()).await?;
    tracing::info!(patient_id = %me.user_id, updated = outcome.updated, "preferences changed");
    if let Some(granted) = body.sms_consent {
        let change = ConsentChange {
            clinic_id: me.clinic_id.clone(),
            patient_id: me.patient_id(),
            granted,
            text_version: CONSENT_TEXT_VERSION.to_owned(),
            source: ConsentSource::Patient,
            method: ConsentMethod::Api,
            recorded_by: Some(me.user_id.clone()),
        };
        sms::record_consent(&state.db, change, now()).await?;
        tracing::info!(patient_id = %me.user_id, granted, "text consent recorded");
    }
    Ok(HttpResponse::Ok().json(load_me(&state, me.patient_id()).await?))
}

/// The caller's plan: every prompt (past and future) and the booked next session. Answers
/// 304 when `If-None-Match` carries the current `ETag`.
#[utoipa::path(
    operation_id = "getTimeline",
    tag = "patient",
    responses(
        (status = 200, body = Timeline, description = "The plan", headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag"), (status = 401, body = Problem), (status = 403, body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/v1/me/timeline")]
pub async fn timeline(
    me: Deferred<PatientUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    // The session is checked on the same checkout as the read (`CHECKED_BY_HANDLER`).
    let profile::Timeline {
        prompts: rows,
        next_session: booking,
        deliveries,
    } = me
        .run(&state.db, move |conn, me| {
            profile::timeline(conn, &me.patient_id())
        })
        .await?;
    // The tag covers what the response shows: each row's id, status and last change (text
    // and times change only with `updated_at`), its delivery steps, and the booking.
    let mut hash = Sha256::new();
    for p in &rows {
        hash.update(format!(
            "{}|{}|{}|{:?}|{};",
            p.id, p.status, p.updated_at, p.acknowledged_at, p.important
        ));
        for s in deliveries.get(&p.id).into_iter().flatten() {
            hash.update(format!("{}|{}|{};", s.channel, s.at, s.status.as_str()));
        }
    }
    if let Some(b) = &booking {
        hash.update(format!("booking|{}|{}", b.id, b.starts_at));
    }
    let digest = hash.finalize();
    let etag = format!(
        "\"{}\"",
        digest[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        });
    if matches {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let body = Timeline {
        prompts: rows
            .iter()
            .map(|p| PromptView::with_deliveries(p, deliveries.get(&p.id)))
            .collect(),
        next_session: booking.map(NextSessionView::new),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .json(body))
}
