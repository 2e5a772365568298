//! The SMS provider's callbacks (docs/CONTRACT.md "SMS provider callbacks"): an inbound text
//! (`POST /v1/webhooks/sms/inbound`) and a sent text's delivery status
//! (`POST /v1/webhooks/sms/status`), as a Twilio-compatible provider posts them.
//!
//! Both are form-encoded (`application/x-www-form-urlencoded`, at most 16 KiB) and signed with
//! `X-Twilio-Signature` over `AFTERCARE_PUBLIC_URL` + the route's path (+ its query, if any) and
//! the sorted form parameters, keyed with the SMS auth token (`shared::sms::signature`). A
//! missing or wrong signature, or a callback already recorded (the same `MessageSid`, or the
//! same `MessageSid` and `MessageStatus`: a replay), is 403 and records nothing. Without SMS
//! settings both routes are 404. Like `/app/`, they are not in the OpenAPI document: no client
//! of the API calls them.
//!
//! Nothing of a callback is logged but its outcome: never the number, the text or the sid.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use shared::care::sms::{self, Inbound, Receipt, Received, Reply};
use shared::domain::SmsReceipt;
use shared::sms::{replies, signature};
use shared::time::now;

use crate::error::{ApiError, Refusal};
use crate::state::AppState;

/// Largest callback body read, in bytes (Twilio's are well under 4 KiB; an inbound text is at
/// most 1,600 characters).
pub const FORM_LIMIT: usize = 16 * 1024;

pub const INBOUND: &str = "/v1/webhooks/sms/inbound";
pub const STATUS: &str = "/v1/webhooks/sms/status";

pub fn configure(cfg: &mut web::ServiceConfig) {
    for (path, handler) in [(INBOUND, Hook::Inbound), (STATUS, Hook::Status)] {
        cfg.service(
            web::resource(path)
                .route(web::post().to(move |req, state, body| hook(handler, req, state, body)))
                .default_service(web::to(|| async { Err::<HttpResponse, _>(only_post()) })),
        );
    }
}

#[derive(Debug, Clone, Copy)]
enum Hook {
    Inbound,
    Status,
}

async fn hook(
    hook: Hook,
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let Some(sms) = &state.config.sms else {
        return Err(ApiError(shared::Error::NotFound).into());
    };
    let form = read_form(&req, body).await?;
    let url = signed_url(&state.config.public_url, &req);
    let given = req
        .headers()
        .get(signature::HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if given.is_empty() || !signature::verify(sms.auth_token.expose(), &url, &form, given) {
        tracing::warn!(hook = ?hook, "SMS callback refused: missing or wrong signature");
        return Err(forbidden("The request is not signed by the SMS provider.").into());
    }
    match hook {
        Hook::Inbound => inbound(&state, &form).await,
        Hook::Status => status(&state, &form).await,
    }
}

async fn inbound(
    state: &AppState,
    form: &[(String, String)],
) -> Result<HttpResponse, actix_web::Error> {
    let text = Inbound {
        provider_id: required(form, "MessageSid")?,
        from: required(form, "From")?,
        to: field(form, "To").unwrap_or_default(),
        body: field(form, "Body").unwrap_or_default(),
    };
    let reply = match sms::receive(&state.db, text, now())
        .await
        .map_err(ApiError)?
    {
        Received::Replay => {
            tracing::warn!("SMS inbound refused: already recorded (replay)");
            return Err(forbidden("This message was already received.").into());
        }
        Received::Recorded { reply } => reply,
    };
    let message = match reply {
        Reply::None => None,
        Reply::Help {
            clinic_name,
            clinic_phone,
            locale,
        } => Some(replies::help(&clinic_name, clinic_phone.as_deref(), locale)),
        Reply::Notice {
            clinic_name,
            clinic_phone,
            locale,
        } => Some(replies::notice(
            &clinic_name,
            clinic_phone.as_deref(),
            locale,
        )),
    };
    tracing::info!(replied = message.is_some(), "SMS inbound recorded");
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/xml; charset=utf-8"))
        .body(replies::twiml(message.as_deref())))
}

async fn status(
    state: &AppState,
    form: &[(String, String)],
) -> Result<HttpResponse, actix_web::Error> {
    let provider_id = required(form, "MessageSid")?;
    let raw = required(form, "MessageStatus")?;
    // Twilio also reports `accepted`, `scheduled`, `sending`, `receiving`, `received`, `read`,
    // `canceled`: none is a delivery outcome of a sent text, so they are acknowledged and
    // ignored.
    let Some(receipt) = SmsReceipt::parse(&raw) else {
        return Ok(HttpResponse::NoContent().finish());
    };
    let error_code = field(form, "ErrorCode").filter(|c| !c.is_empty());
    match sms::record_receipt(&state.db, &provider_id, receipt, error_code, now())
        .await
        .map_err(ApiError)?
    {
        Receipt::Replay => {
            tracing::warn!("SMS status refused: already recorded (replay)");
            Err(forbidden("This status was already received.").into())
        }
        Receipt::Recorded => {
            tracing::info!(receipt = %receipt, "SMS delivery receipt recorded");
            Ok(HttpResponse::NoContent().finish())
        }
    }
}

/// The URL the provider signed: the public URL it was given and the path (and query) it
/// called. The service's own public URL, never the `Host` header, so a proxy rewriting the host
/// changes nothing.
fn signed_url(public_url: &str, req: &HttpRequest) -> String {
    let base = public_url.trim_end_matches('/');
    match req.query_string() {
        "" => format!("{base}{}", req.path()),
        q => format!("{base}{}?{q}", req.path()),
    }
}

/// The body as form pairs, in order: 415 for another content type, 413 over [`FORM_LIMIT`].
async fn read_form(
    req: &HttpRequest,
    body: web::Payload,
) -> Result<Vec<(String, String)>, actix_web::Error> {
    let form_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.split(';').next())
        .is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type",
            "Send the body as application/x-www-form-urlencoded.",
        )
        .into());
    }
    let bytes = match body.to_bytes_limited(FORM_LIMIT).await {
        Ok(read) => read?,
        Err(_) => {
            return Err(Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Content Too Large",
                format!("The request body is larger than {FORM_LIMIT} bytes."),
            )
            .into());
        }
    };
    Ok(form_urlencoded::parse(&bytes).into_owned().collect())
}

fn field(form: &[(String, String)], name: &str) -> Option<String> {
    form.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
}

/// A parameter every such callback carries: without it the (signed) request is a 400.
fn required(form: &[(String, String)], name: &str) -> Result<String, actix_web::Error> {
    field(form, name)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("the form lacks {name}")).into())
}

fn forbidden(detail: &str) -> Refusal {
    Refusal::new(StatusCode::FORBIDDEN, "Forbidden", detail)
}

fn only_post() -> actix_web::Error {
    Refusal::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method Not Allowed",
        "This path is served for POST only.",
    )
    .with_header(header::ALLOW, HeaderValue::from_static("POST"))
    .into()
}
