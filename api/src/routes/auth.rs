//! `/v1/auth/*`: login, token refresh and logout, invitations, password reset, one-time
//! sign-in codes.
//!
//! Access tokens are short-lived JWTs, signed here; refresh tokens are opaque, stored hashed, and
//! rotate on every use within one session. The workflows, with the login throttle counted in the
//! database per account and per client address, are `shared::care::auth`'s.

use std::net::IpAddr;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, WWW_AUTHENTICATE};
use actix_web::{HttpRequest, HttpResponse, post, web};
use shared::Error;
use shared::care::auth::{self, LogInForm, SignedIn};

use crate::error::{ApiError, ApiResult, Refusal};
use crate::extract::AuthUser;
use crate::json::Json;
use crate::state::AppState;
use crate::views::auth::{
    AcceptInvitation, ConfirmPasswordReset, LogIn, RedeemSignInCode, RefreshSession,
    RequestPasswordReset, RequestSignInCode, TokenResponse,
};

mod codes;
mod sign_in_codes;

pub(crate) use sign_in_codes::send_code_later;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(codes::accept_invitation)
        .service(codes::request_password_reset)
        .service(codes::confirm_password_reset)
        .service(sign_in_codes::request_sign_in_code)
        .service(sign_in_codes::redeem_sign_in_code);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        login,
        refresh,
        logout,
        codes::accept_invitation,
        codes::request_password_reset,
        codes::confirm_password_reset,
        sign_in_codes::request_sign_in_code,
        sign_in_codes::redeem_sign_in_code
    ),
    components(schemas(
        LogIn,
        TokenResponse,
        RefreshSession,
        AcceptInvitation,
        RequestPasswordReset,
        ConfirmPasswordReset,
        RequestSignInCode,
        RedeemSignInCode
    ))
)]
pub struct Doc;

/// The token pair of a session just opened or refreshed, the access token minted as of its
/// `issued_at` (so a duplicate refresh, answered with the first one's instant, gets the very
/// same pair).
fn token_response(state: &AppState, signed_in: SignedIn) -> TokenResponse {
    let SignedIn {
        user,
        session_id,
        refresh_token,
        issued_at,
    } = signed_in;
    let role = user.role;
    TokenResponse {
        access_token: state.tokens.issue(
            user.id.as_str(),
            role,
            user.clinic_id.as_str(),
            session_id.as_str(),
            issued_at.and_utc().timestamp(),
        ),
        refresh_token,
        token_type: "Bearer",
        expires_in: state.tokens.access_ttl_secs,
        role,
        user_id: user.id,
        clinic_id: user.clinic_id,
    }
}

/// The client's address as the throttles count it ([`crate::extract::client_ip`]: the TCP
/// peer, or the forwarded-for client when the peer is a trusted proxy).
pub(crate) fn client_address(req: &HttpRequest, state: &AppState) -> Option<IpAddr> {
    crate::extract::client_ip(req, &state.config.trusted_proxies)
}

/// Signs in with email and password.
#[utoipa::path(
    operation_id = "login",
    security(()),
    tag = "auth",
    request_body = LogIn,
    responses(
        (status = 200, body = TokenResponse, description = "Signed in: a token pair"),
        (status = 401, description = "Unknown email, wrong password or inactive account (one answer for all)", body = crate::error::Problem),
        (status = 429, description = "Too many failures for this account or address; see Retry-After", body = crate::error::Problem),
    )
)]
#[post("/v1/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LogIn>,
) -> actix_web::Result<web::Json<TokenResponse>> {
    let LogIn {
        email,
        password,
        clinic_id,
    } = body.into_inner();
    let credentials = LogInForm {
        email,
        password,
        address: client_address(&req, &state),
    };
    let ttl = state.config.jwt.refresh_ttl_days;
    let signed_in = auth::login(&state.db, credentials, clinic_id, ttl)
        .await
        .map_err(|e| match e {
            // Not the bearer-token answer: this request carries no token, it offered
            // credentials.
            Error::Unauthorized => wrong_credentials(),
            other => ApiError(other).into(),
        })?;
    Ok(web::Json(token_response(&state, signed_in)))
}

/// A failed login's 401: the same for an unknown email, a wrong password and an inactive
/// account, so it does not tell which emails have accounts.
fn wrong_credentials() -> actix_web::Error {
    Refusal::new(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        "The email or password is wrong.",
    )
    .with_header(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    .into()
}

/// Exchanges a refresh token for a new pair. Each refresh token works once; presenting a spent
/// one revokes its whole session.
#[utoipa::path(
    operation_id = "refreshToken",
    security(()),
    tag = "auth",
    request_body = RefreshSession,
    responses(
        (status = 200, body = TokenResponse, description = "A new token pair (the same one again within the reuse interval)"),
        (status = 401, description = "Unknown, expired, revoked or already used refresh token", body = crate::error::Problem),
    )
)]
#[post("/v1/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: Json<RefreshSession>,
) -> ApiResult<web::Json<TokenResponse>> {
    let token = body.into_inner().refresh_token;
    let jwt = &state.config.jwt;
    let signed_in = auth::refresh(
        &state.db,
        token,
        jwt.refresh_ttl_days,
        jwt.refresh_reuse_secs,
    )
    .await?;
    Ok(web::Json(token_response(&state, signed_in)))
}

/// Ends the session the refresh token belongs to (when it is the caller's).
#[utoipa::path(
    operation_id = "logout",
    tag = "auth",
    request_body = RefreshSession,
    security(("bearer" = [])),
    responses((status = 204, description = "Signed out: the refresh token's session ended"), (status = 401, body = crate::error::Problem))
)]
#[post("/v1/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<RefreshSession>,
) -> ApiResult<HttpResponse> {
    let token = body.into_inner().refresh_token;
    auth::logout(&state.db, &user.user_id, token).await?;
    Ok(HttpResponse::NoContent().finish())
}
