//! The patient's profile and plan: `GET/PATCH /v1/me`, `GET /v1/me/timeline`.
//!
//! Changing zone, quiet hours or language re-plans the patient's future prompts in the same
//! transaction (re-timed, re-rendered). Turning both channels off keeps the plan: the timeline
//! still shows it and delivery resumes when a channel is turned back on.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};
use shared::db::{bookings, clinics, patients, plans, users};
use shared::domain::{LocalTime, Locale, LockScreenPreview, QuietHours, TimeZone};
use shared::time::now;
use shared::{Error, FieldError};

use crate::error::{ApiResult, Problem};
use crate::extract::PatientUser;
use crate::routes::prompt_view::{PromptView, rfc3339};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_me).service(patch_me).service(timeline);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(get_me, patch_me, timeline),
    components(schemas(
        Me,
        MePatch,
        QuietHoursBody,
        Channels,
        ChannelsPatch,
        ClinicContact,
        Timeline,
        NextSessionView,
        PromptView
    ))
)]
pub struct Doc;

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHoursBody {
    /// HH:MM local
    pub start: String,
    /// HH:MM local
    pub end: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Channels {
    pub push: bool,
    pub email: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClinicContact {
    pub name: String,
    pub contact_phone: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: String,
    pub given_name: String,
    pub email: String,
    pub timezone: String,
    pub locale: String,
    /// `null` when the patient has no quiet hours.
    pub quiet_hours: Option<QuietHoursBody>,
    pub channels: Channels,
    /// private | full
    pub lock_screen_preview: String,
    pub clinic: ClinicContact,
}

async fn load_me(state: &AppState, user_id: String) -> ApiResult<Me> {
    Ok(state
        .db
        .run(move |conn| {
            let profile = patients::find(conn, &user_id)?;
            if profile.erased_at.is_some() {
                return Err(Error::NotFound);
            }
            let user = users::find(conn, &user_id)?;
            let clinic = clinics::find(conn, &profile.clinic_id)?;
            Ok(me_view(profile, user.email, clinic))
        })
        .await?)
}

fn me_view(p: patients::PatientProfile, email: String, clinic: clinics::Clinic) -> Me {
    Me {
        id: p.user_id,
        given_name: p.given_name,
        email,
        timezone: p.timezone,
        locale: p.locale,
        quiet_hours: p
            .quiet_start
            .zip(p.quiet_end)
            .map(|(start, end)| QuietHoursBody { start, end }),
        channels: Channels {
            push: p.push_enabled,
            email: p.email_enabled,
        },
        lock_screen_preview: p.lock_screen_preview,
        clinic: ClinicContact {
            name: clinic.name,
            contact_phone: clinic.contact_phone,
        },
    }
}

/// The caller's profile and clinic contact.
#[utoipa::path(
    tag = "patient",
    responses((status = 200, body = Me), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = []))
)]
#[get("/v1/me")]
pub async fn get_me(me: PatientUser, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(load_me(&state, me.user_id.clone()).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelsPatch {
    pub push: Option<bool>,
    pub email: Option<bool>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    /// IANA zone name.
    pub timezone: Option<String>,
    /// en | es
    pub locale: Option<String>,
    /// `{start, end}`; `null` turns quiet hours off.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<QuietHoursBody>)]
    pub quiet_hours: Option<Option<QuietHoursBody>>,
    pub channels: Option<ChannelsPatch>,
    /// private | full
    pub lock_screen_preview: Option<String>,
}

/// Tells an explicit `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

impl MePatch {
    fn parse(&self) -> Result<plans::PreferencesUpdate, Error> {
        let mut errors = Vec::new();
        let mut u = plans::PreferencesUpdate::default();
        if let Some(tz) = &self.timezone {
            match TimeZone::parse(tz) {
                Ok(tz) => u.timezone = Some(tz),
                Err(m) => errors.push(FieldError::new("timezone", m)),
            }
        }
        if let Some(l) = &self.locale {
            match Locale::parse(l) {
                Some(l) => u.locale = Some(l),
                None => errors.push(FieldError::new("locale", "must be en or es")),
            }
        }
        match &self.quiet_hours {
            None => {}
            Some(None) => u.quiet_hours = Some(None),
            Some(Some(q)) => {
                let start = LocalTime::parse(&q.start)
                    .map_err(|m| errors.push(FieldError::new("quiet_hours.start", m)))
                    .ok();
                let end = LocalTime::parse(&q.end)
                    .map_err(|m| errors.push(FieldError::new("quiet_hours.end", m)))
                    .ok();
                if let (Some(s), Some(e)) = (start, end) {
                    match QuietHours::new(s, e) {
                        Ok(q) => u.quiet_hours = Some(Some(q)),
                        Err(m) => errors.push(FieldError::new("quiet_hours", m)),
                    }
                }
            }
        }
        if let Some(c) = &self.channels {
            u.push_enabled = c.push;
            u.email_enabled = c.email;
        }
        if let Some(p) = &self.lock_screen_preview {
            match LockScreenPreview::parse(p) {
                Some(p) => u.lock_screen_preview = Some(p.as_str().to_owned()),
                None => errors.push(FieldError::new(
                    "lock_screen_preview",
                    "must be private or full",
                )),
            }
        }
        if errors.is_empty() {
            Ok(u)
        } else {
            Err(Error::Validation(errors))
        }
    }
}

/// Changes delivery preferences; future prompts follow the new zone, quiet hours and language.
#[utoipa::path(
    tag = "patient",
    request_body = MePatch,
    responses(
        (status = 200, body = Me), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[patch("/v1/me")]
pub async fn patch_me(
    me: PatientUser,
    state: web::Data<AppState>,
    body: web::Json<MePatch>,
) -> ApiResult<HttpResponse> {
    let update = body.parse()?;
    let user_id = me.user_id.clone();
    let protocol = state.protocol.clone();
    let outcome = state
        .db
        .transaction(move |conn| {
            let t = now();
            let current = plans::lock_patient(conn, &user_id, None)?;
            plans::update_preferences(conn, &current, &update, t)?;
            plans::replan(conn, &protocol, &user_id, t)
        })
        .await?;
    tracing::info!(patient_id = %me.user_id, updated = outcome.updated, "preferences changed");
    Ok(HttpResponse::Ok().json(load_me(&state, me.user_id.clone()).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NextSessionView {
    pub id: String,
    pub starts_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Timeline {
    pub prompts: Vec<PromptView>,
    /// `null` when nothing is booked.
    pub next_session: Option<NextSessionView>,
}

/// The caller's plan: every prompt (past and future) and the booked next session. Answers
/// 304 when `If-None-Match` carries the current `ETag`.
#[utoipa::path(
    tag = "patient",
    responses(
        (status = 200, body = Timeline, headers(("ETag" = String))),
        (status = 304), (status = 401, body = Problem), (status = 403, body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/v1/me/timeline")]
pub async fn timeline(
    me: PatientUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let user_id = me.user_id.clone();
    let (rows, booking) = state
        .db
        .run(move |conn| {
            let rows = plans::timeline(conn, &user_id)?;
            let booking = bookings::live(conn, &user_id)?;
            Ok((rows, booking))
        })
        .await?;
    // The tag covers what the response shows: each row's id, status and last change (text
    // and times change only with `updated_at`), and the booking.
    let mut hash = Sha256::new();
    for p in &rows {
        hash.update(format!(
            "{}|{}|{}|{:?};",
            p.id, p.status, p.updated_at, p.acknowledged_at
        ));
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
        prompts: rows.iter().map(PromptView::from).collect(),
        next_session: booking.map(|b| NextSessionView {
            id: b.id,
            starts_at: rfc3339(b.starts_at),
        }),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .json(body))
}
