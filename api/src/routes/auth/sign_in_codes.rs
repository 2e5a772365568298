//! One-time sign-in codes: `POST /v1/auth/sign-in-codes` (send one) and
//! `POST /v1/auth/sign-in-codes/redeem` (sign in with it). The rules are
//! `shared::care::auth::request_sign_in_code`'s and `redeem_sign_in_code`'s.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, WWW_AUTHENTICATE};
use std::sync::atomic::{AtomicI64, Ordering};

use actix_web::{HttpRequest, HttpResponse, post, web};
use shared::Error;
use shared::care::auth;
use tokio::sync::Semaphore;

use super::{client_address, token_response};
use crate::error::{ApiError, ApiResult, Refusal};
use crate::json::Json;
use crate::state::AppState;
use crate::views::auth::{RedeemSignInCode, RequestSignInCode, TokenResponse, sign_in_id};

/// The one answer to a code that is wrong, used, revoked or expired, or an account that cannot
/// sign in this way: the same body whatever the cause.
pub const WRONG_CODE: &str = "The code is wrong, already used or expired. Ask for a new one.";

/// Sends a one-time sign-in code to the patient account with this email or phone. Always 202,
/// whether or not one exists; the work happens after the answer so its timing reveals nothing
/// either. The code (6 digits, valid 15 minutes, single use; a new one revokes the old) goes
/// by email with a link to the web app's page where it is typed; by phone it goes to the
/// account's email too (SMS is not built yet). Patients only: a staff email is answered the
/// same and gets nothing.
#[utoipa::path(
    operation_id = "requestSignInCode",
    security(()),
    tag = "auth",
    request_body = RequestSignInCode,
    responses(
        (status = 202, description = "Accepted, whether or not an account exists"),
        (status = 422, description = "Neither or both of `email` and `phone`, or a `phone` that is not a telephone number", body = crate::error::Problem),
    )
)]
#[post("/v1/auth/sign-in-codes")]
pub async fn request_sign_in_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<RequestSignInCode>,
) -> ApiResult<HttpResponse> {
    let RequestSignInCode { email, phone } = body.into_inner();
    let who = sign_in_id(email, phone)?;
    send_code_later(&state, &req, who);
    Ok(HttpResponse::Accepted().finish())
}

/// Code requests being worked on at once, in this process. The work (a write transaction, then
/// the mail) runs after the answer, before any throttle can refuse it; a flood beyond this is
/// dropped rather than queued.
pub const MAX_SENDING: usize = 32;
static SENDING: Semaphore = Semaphore::const_new(MAX_SENDING);
/// When a dropped request was last logged (seconds since the Unix epoch): at most once a minute.
static LAST_DROP_LOGGED: AtomicI64 = AtomicI64::new(0);

/// Sends a sign-in code to whoever `who` names, after the answer (the API's 202, the web app's
/// page): nobody waits for it, so its timing reveals nothing. At most [`MAX_SENDING`] are
/// worked on at once; beyond, the request is dropped (its answer is the same) and a warning
/// without the identifier is logged, at most once a minute. Errors are logged.
pub fn send_code_later(state: &web::Data<AppState>, req: &HttpRequest, who: auth::SignInId) {
    let Ok(permit) = SENDING.try_acquire() else {
        let now = chrono::Utc::now().timestamp();
        let last = LAST_DROP_LOGGED.load(Ordering::Relaxed);
        if now - last >= 60
            && LAST_DROP_LOGGED
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                limit = MAX_SENDING,
                "sign-in code requests dropped: too many at once"
            );
        }
        return;
    };
    let address = client_address(req, state);
    let state = state.clone().into_inner();
    tokio::spawn(async move {
        let _permit = permit;
        let base = state.config.public_url.clone();
        let sent = auth::request_sign_in_code(&state.db, &state.mailer, who, address, &base);
        if let Err(e) = sent.await {
            tracing::warn!(error = %e, "sign-in code not sent");
        }
    });
}

/// Signs in with a one-time code: the same token pair as `POST /v1/auth/login`. The code works
/// once; after 5 wrong codes it is revoked. Throttled as the login, on the same counters.
#[utoipa::path(
    operation_id = "redeemSignInCode",
    security(()),
    tag = "auth",
    request_body = RedeemSignInCode,
    responses(
        (status = 200, body = TokenResponse, description = "Signed in: a token pair"),
        (status = 401, description = "A wrong, used or expired code, or no patient account for the email or phone (one answer for all)", body = crate::error::Problem),
        (status = 422, description = "Neither or both of `email` and `phone`, or a `phone` that is not a telephone number", body = crate::error::Problem),
        (status = 429, description = "Too many failures for this account or address; see Retry-After", body = crate::error::Problem),
    )
)]
#[post("/v1/auth/sign-in-codes/redeem")]
pub async fn redeem_sign_in_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<RedeemSignInCode>,
) -> actix_web::Result<web::Json<TokenResponse>> {
    let RedeemSignInCode { email, phone, code } = body.into_inner();
    let who = sign_in_id(email, phone).map_err(ApiError)?;
    let address = client_address(&req, &state);
    let ttl = state.config.jwt.refresh_ttl_days;
    let signed_in = auth::redeem_sign_in_code(&state.db, who, code, address, ttl)
        .await
        .map_err(|e| match e {
            Error::Unauthorized => wrong_code(),
            other => ApiError(other).into(),
        })?;
    Ok(web::Json(token_response(&state, signed_in)))
}

fn wrong_code() -> actix_web::Error {
    Refusal::new(StatusCode::UNAUTHORIZED, "Unauthorized", WRONG_CODE)
        .with_header(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
        .into()
}
