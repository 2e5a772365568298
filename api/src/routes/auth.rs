//! `/v1/auth/*`: login, token refresh and logout, invitations, password reset.
//!
//! Access tokens are short-lived JWTs; refresh tokens are opaque, stored hashed, and rotate on
//! every use within one session (see `shared::db::sessions`). Login failures are counted in the
//! database per account and per client address, so the limits hold across API replicas.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Duration;
use shared::Error;
use shared::auth::password;
use shared::db::throttle::{self, Limit};
use shared::db::{DbConn, sessions, users};
use shared::domain::{Email, SessionId};
use shared::time::now;

use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;
use crate::views::auth::{
    AcceptInvitation, LoginRequest, PasswordResetConfirm, PasswordResetRequest, RefreshRequest,
    TokenResponse,
};

mod codes;

pub(crate) use codes::activate_invitation;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(codes::accept_invitation)
        .service(codes::request_password_reset)
        .service(codes::confirm_password_reset);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        login,
        refresh,
        logout,
        codes::accept_invitation,
        codes::request_password_reset,
        codes::confirm_password_reset
    ),
    components(schemas(
        LoginRequest,
        TokenResponse,
        RefreshRequest,
        AcceptInvitation,
        PasswordResetRequest,
        PasswordResetConfirm
    ))
)]
pub struct Doc;

/// Failures per account (email) before it is locked for the rest of the window.
const ACCOUNT_LIMIT: Limit = Limit {
    max_failures: 5,
    window: Duration::minutes(15),
};
/// Failures from one client address (any accounts) before it is locked.
const ADDRESS_LIMIT: Limit = Limit {
    max_failures: 20,
    window: Duration::minutes(15),
};

/// Opens a session for `user` and issues its first token pair (inside the caller's transaction).
pub(crate) fn open_session(
    conn: &mut DbConn,
    ttl_days: i64,
    user: users::User,
) -> shared::Result<(users::User, SessionId, String)> {
    let t = now();
    let sid = sessions::create(conn, &user.id, t)?;
    let token = sessions::issue_refresh(conn, &sid, ttl_days, t)?;
    Ok((user, sid, token))
}

fn token_response(
    state: &AppState,
    issued: (users::User, SessionId, String),
) -> ApiResult<TokenResponse> {
    token_response_at(state, issued, chrono::Utc::now())
}

/// The token pair, the access token minted as of `at` (so a duplicate refresh, answered with
/// the first one's instant, gets the very same pair).
fn token_response_at(
    state: &AppState,
    (user, sid, refresh_token): (users::User, SessionId, String),
    at: chrono::DateTime<chrono::Utc>,
) -> ApiResult<TokenResponse> {
    let role = user.role;
    Ok(TokenResponse {
        access_token: state.tokens.issue(
            user.id.as_str(),
            role,
            user.clinic_id.as_str(),
            sid.as_str(),
            at.timestamp(),
        ),
        refresh_token,
        token_type: "Bearer",
        expires_in: state.tokens.access_ttl_secs,
        role,
        user_id: user.id,
        clinic_id: user.clinic_id,
    })
}

/// The client's address ([`crate::extract::client_ip`]: the TCP peer, or the forwarded-for
/// client when the peer is a trusted proxy).
fn address_key(req: &HttpRequest, state: &AppState) -> String {
    let ip = crate::extract::client_ip(req, &state.config.trusted_proxies)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    format!("ip:{ip}")
}

/// Runs argon2 off the async executor.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> ApiResult<T> {
    web::block(f).await.map_err(|e| {
        ApiError(Error::Internal(anyhow::anyhow!(
            "blocking task failed: {e}"
        )))
    })
}

/// Signs in with email and password.
#[utoipa::path(
    operation_id = "login",
    security(()),
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "Unknown email, wrong password or inactive account (one answer for all)", body = crate::error::Problem),
        (status = 429, description = "Too many failures for this account or address; see Retry-After", body = crate::error::Problem),
    )
)]
#[post("/v1/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let LoginRequest {
        email,
        password: given,
        clinic_id,
    } = body.into_inner();
    let accept = move |u: &users::User| clinic_id.as_deref().is_none_or(|c| u.clinic_id == c);
    let Some((user, account)) = check_credentials(&state, &req, &email, given, accept).await?
    else {
        return Err(ApiError(Error::Unauthorized));
    };
    let ttl = state.config.jwt.refresh_ttl_days;
    let opened = state
        .db
        .transaction(move |c| {
            throttle::reset(c, &account)?;
            open_session(c, ttl, user)
        })
        .await?;
    tracing::info!(user_id = %opened.0.id, "login succeeded");
    Ok(web::Json(token_response(&state, opened)?))
}

/// Checks an email and password as every sign-in does (the API's login and the console's):
/// refused outright while the account or the client address is locked (429), one full argon2
/// verification per candidate account whatever its state, and a failure counted against both
/// keys, in the database, so the limits hold across replicas. `accept` narrows which active
/// account may sign in here (a clinic, a role); a refused one counts as a failure. On success
/// returns the account and its throttle key, which the caller resets in the transaction that
/// opens the session. `None` is a failed attempt (one answer for every cause).
pub(crate) async fn check_credentials(
    state: &AppState,
    req: &HttpRequest,
    email: &str,
    given: String,
    accept: impl Fn(&users::User) -> bool + Send + 'static,
) -> ApiResult<Option<(users::User, String)>> {
    // An unparsable email is just an unknown one: same work, same answer.
    let email = Email::parse(email).map(|e| e.as_str().to_owned()).ok();
    let keys = vec![
        throttle::account_key(email.as_deref().unwrap_or_default()),
        address_key(req, state),
    ];
    let t = now();
    let probe = keys.clone();
    if let Some(retry_after_secs) = state
        .db
        .run(move |c| throttle::locked_for(c, &probe, t))
        .await?
    {
        return Err(ApiError(Error::TooManyRequests { retry_after_secs }));
    }
    let candidates = match email.clone() {
        Some(e) => state.db.run(move |c| users::find_by_email(c, &e)).await?,
        None => Vec::new(),
    };
    let matched = blocking(move || {
        if candidates.is_empty() {
            password::verify_dummy(&given);
            return None;
        }
        // Every candidate costs one full verification, whatever its state, so an inactive
        // account answers as slowly as an active one.
        candidates.into_iter().find(|u| {
            let ok = match &u.password_hash {
                Some(h) => password::verify(&given, h),
                None => {
                    password::verify_dummy(&given);
                    false
                }
            };
            ok && u.is_active() && accept(u)
        })
    })
    .await?;
    match matched {
        Some(user) => Ok(Some((user, keys[0].clone()))),
        None => {
            state
                .db
                .transaction(move |c| {
                    throttle::record_failure(c, &keys[0], ACCOUNT_LIMIT, t)?;
                    throttle::record_failure(c, &keys[1], ADDRESS_LIMIT, t)
                })
                .await?;
            tracing::info!("login failed");
            Ok(None)
        }
    }
}

/// Exchanges a refresh token for a new pair. Each refresh token works once; presenting a spent
/// one revokes its whole session.
#[utoipa::path(
    operation_id = "refreshToken",
    security(()),
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or already used refresh token", body = crate::error::Problem),
    )
)]
#[post("/v1/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let token = body.into_inner().refresh_token;
    let ttl = state.config.jwt.refresh_ttl_days;
    let reuse = state.config.jwt.refresh_reuse_secs;
    // The transaction commits in every outcome: a reuse must leave its session revoked.
    let outcome = state
        .db
        .transaction(move |c| {
            let t = now();
            let spent = sessions::spend_refresh(c, &token, t)?;
            let Some((row, session)) = sessions::find_refresh(c, &token)? else {
                return Ok(None);
            };
            let user = users::find(c, &session.user_id)?;
            let live = session.revoked_at.is_none() && user.is_active();
            if !spent {
                let Some(used_at) = row.used_at else {
                    return Ok(None);
                };
                // A duplicate of a refresh just made gets the same pair (minted at the same
                // instant); any later reuse means the token was copied.
                match sessions::kept_successor(c, &token, reuse, t)? {
                    Some(next) if live => return Ok(Some(((user, session.id, next), used_at))),
                    _ => {
                        tracing::warn!(session_id = %session.id, "refresh token reuse: session revoked");
                        sessions::revoke(c, &session.id, sessions::reason::REUSE, t)?;
                        return Ok(None);
                    }
                }
            }
            if !live {
                return Ok(None);
            }
            let next = sessions::issue_refresh(c, &session.id, ttl, t)?;
            sessions::keep_successor(c, &session.id, &token, &next, reuse, t)?;
            Ok(Some(((user, session.id, next), t)))
        })
        .await?;
    match outcome {
        Some((issued, at)) => Ok(web::Json(token_response_at(&state, issued, at.and_utc())?)),
        None => Err(ApiError(Error::Unauthorized)),
    }
}

/// Ends the session the refresh token belongs to (when it is the caller's).
#[utoipa::path(
    operation_id = "logout",
    tag = "auth",
    request_body = RefreshRequest,
    security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::Problem))
)]
#[post("/v1/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let token = body.into_inner().refresh_token;
    state
        .db
        .transaction(move |c| {
            if let Some((_, session)) = sessions::find_refresh(c, &token)? {
                if session.user_id == user.user_id {
                    sessions::revoke(c, &session.id, sessions::reason::LOGOUT, now())?;
                }
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
