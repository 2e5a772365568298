//! `/v1/auth/*`: login, token refresh and logout, invitations, password reset.
//!
//! Access tokens are short-lived JWTs; refresh tokens are opaque, stored hashed, and rotate on
//! every use within one session (see `shared::db::sessions`). Login failures are counted in the
//! database per account and per client address, so the limits hold across API replicas.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use shared::Error;
use shared::auth::password;
use shared::crypto::token_hash;
use shared::db::invitations::{self, purpose};
use shared::db::throttle::{self, Limit};
use shared::db::{DbConn, sessions, users};
use shared::domain::{Email, Role};
use shared::time::now;

use crate::error::{ApiError, ApiResult, invalid};
use crate::extract::AuthUser;
use crate::invites as account_mail;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(accept_invitation)
        .service(request_password_reset)
        .service(confirm_password_reset);
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        login,
        refresh,
        logout,
        accept_invitation,
        request_password_reset,
        confirm_password_reset
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
/// Password-reset emails per address per window (silently dropped beyond: the answer is 202).
const RESET_LIMIT: Limit = Limit {
    max_failures: 5,
    window: Duration::hours(1),
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// Only needed when the same email has accounts in several clinics.
    #[serde(default)]
    pub clinic_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Lifetime of the access token, in seconds.
    pub expires_in: i64,
    pub role: Role,
    pub user_id: String,
    pub clinic_id: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AcceptInvitation {
    pub code: String,
    pub password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordResetRequest {
    pub email: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordResetConfirm {
    pub code: String,
    pub new_password: String,
}

/// Opens a session for `user` and issues its first token pair (inside the caller's transaction).
fn open_session(
    conn: &mut DbConn,
    ttl_days: i64,
    user: users::User,
) -> shared::Result<(users::User, String, String)> {
    let t = now();
    let sid = sessions::create(conn, &user.id, t)?;
    let token = sessions::issue_refresh(conn, &sid, ttl_days, t)?;
    Ok((user, sid, token))
}

fn token_response(
    state: &AppState,
    (user, sid, refresh_token): (users::User, String, String),
) -> ApiResult<TokenResponse> {
    let role = user.role()?;
    Ok(TokenResponse {
        access_token: state.tokens.issue(
            &user.id,
            role,
            &user.clinic_id,
            &sid,
            chrono::Utc::now().timestamp(),
        ),
        refresh_token,
        token_type: "Bearer",
        expires_in: state.tokens.access_ttl_secs,
        role,
        user_id: user.id,
        clinic_id: user.clinic_id,
    })
}

fn account_key(email: &str) -> String {
    format!("email:{}", token_hash(email))
}

/// The TCP peer: forwarded-for headers are client-controlled and not trusted.
fn address_key(req: &HttpRequest) -> String {
    let ip = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    format!("ip:{ip}")
}

/// Runs argon2 off the async executor.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    web::block(f).await.map_err(|e| {
        ApiError(Error::Internal(anyhow::anyhow!(
            "blocking task failed: {e}"
        )))
    })
}

/// Signs in with email and password.
#[utoipa::path(
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
    // An unparsable email is just an unknown one: same work, same answer.
    let email = Email::parse(&email).map(|e| e.as_str().to_owned()).ok();
    let keys = vec![
        account_key(email.as_deref().unwrap_or_default()),
        address_key(&req),
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
            ok && u.is_active() && clinic_id.as_ref().is_none_or(|c| *c == u.clinic_id)
        })
    })
    .await?;

    let ttl = state.config.jwt.refresh_ttl_days;
    match matched {
        Some(user) => {
            let key = keys[0].clone();
            let opened = state
                .db
                .transaction(move |c| {
                    throttle::reset(c, &key)?;
                    open_session(c, ttl, user)
                })
                .await?;
            tracing::info!(user_id = %opened.0.id, "login succeeded");
            Ok(web::Json(token_response(&state, opened)?))
        }
        None => {
            state
                .db
                .transaction(move |c| {
                    throttle::record_failure(c, &keys[0], ACCOUNT_LIMIT, t)?;
                    throttle::record_failure(c, &keys[1], ADDRESS_LIMIT, t)
                })
                .await?;
            tracing::info!("login failed");
            Err(ApiError(Error::Unauthorized))
        }
    }
}

/// Exchanges a refresh token for a new pair. Each refresh token works once; presenting a spent
/// one revokes its whole session.
#[utoipa::path(
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
    // The transaction commits in every outcome: a reuse must leave its session revoked.
    let outcome = state
        .db
        .transaction(move |c| {
            let t = now();
            let spent = sessions::spend_refresh(c, &token, t)?;
            let Some((row, session)) = sessions::find_refresh(c, &token)? else {
                return Ok(None);
            };
            if !spent {
                if row.used_at.is_some() {
                    tracing::warn!(session_id = %session.id, "refresh token reuse: session revoked");
                    sessions::revoke(c, &session.id, sessions::reason::REUSE, t)?;
                }
                return Ok(None);
            }
            let user = users::find(c, &session.user_id)?;
            if session.revoked_at.is_some() || !user.is_active() {
                return Ok(None);
            }
            let next = sessions::issue_refresh(c, &session.id, ttl, t)?;
            Ok(Some((user, session.id, next)))
        })
        .await?;
    match outcome {
        Some(issued) => Ok(web::Json(token_response(&state, issued)?)),
        None => Err(ApiError(Error::Unauthorized)),
    }
}

/// Ends the session the refresh token belongs to (when it is the caller's).
#[utoipa::path(
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

fn bad_code() -> ApiError {
    invalid(
        "code",
        "is not valid: it may be mistyped, already used or expired",
    )
}

/// A usable code of `purpose` and its user, who must be in one of `states`.
async fn find_code(
    state: &AppState,
    code: String,
    purpose: &'static str,
    states: &'static [&'static str],
) -> ApiResult<(invitations::Invitation, users::User)> {
    let found = state
        .db
        .run(move |c| {
            let Some(inv) = invitations::find_usable(c, &code, purpose, now())? else {
                return Ok(None);
            };
            let user = users::find(c, &inv.user_id)?;
            Ok(Some((inv, user)))
        })
        .await?;
    found
        .filter(|(_, u)| states.contains(&u.status.as_str()))
        .ok_or_else(bad_code)
}

/// Activates an invited account (staff or patient): sets its password and signs in.
#[utoipa::path(
    tag = "auth",
    request_body = AcceptInvitation,
    responses(
        (status = 200, body = TokenResponse),
        (status = 422, description = "Weak password, or a code that is unknown, used or expired", body = crate::error::Problem),
    )
)]
#[post("/v1/auth/invitations/accept")]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    body: web::Json<AcceptInvitation>,
) -> ApiResult<web::Json<TokenResponse>> {
    let AcceptInvitation {
        code,
        password: new,
    } = body.into_inner();
    let (inv, user) =
        find_code(&state, code, purpose::INVITATION, &[users::status::INVITED]).await?;
    password::check_strength("password", &new, Some(&user.email))?;
    let hash = blocking(move || password::hash(&new)).await??;
    let ttl = state.config.jwt.refresh_ttl_days;
    let opened = state
        .db
        .transaction(move |c| {
            let t = now();
            if !invitations::consume(c, &inv.id, t)? {
                return Ok(None);
            }
            invitations::consume_all(c, &user.id, purpose::INVITATION, t)?;
            users::set_password(c, &user.id, &hash, t)?;
            let user = users::find(c, &user.id)?;
            open_session(c, ttl, user).map(Some)
        })
        .await?
        .ok_or_else(bad_code)?;
    tracing::info!(user_id = %opened.0.id, "invitation accepted");
    Ok(web::Json(token_response(&state, opened)?))
}

/// Emails a reset code to every active account with this email. Always 202, whether or not
/// one exists; the work happens after the answer so its timing reveals nothing either.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetRequest,
    responses((status = 202))
)]
#[post("/v1/auth/password-reset")]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<PasswordResetRequest>,
) -> HttpResponse {
    let address = format!("reset:{}", address_key(&req));
    if let Ok(email) = Email::parse(&body.email) {
        let state = state.into_inner();
        tokio::spawn(async move {
            if let Err(e) = send_reset(&state, email, address).await {
                tracing::warn!(error = %e.0, "password reset email not sent");
            }
        });
    }
    HttpResponse::Accepted().finish()
}

async fn send_reset(state: &AppState, email: Email, address: String) -> ApiResult<()> {
    let account = format!("reset:{}", account_key(email.as_str()));
    let to = email.clone();
    let codes = state
        .db
        .transaction(move |c| {
            let t = now();
            if throttle::locked_for(c, &[account.clone(), address.clone()], t)?.is_some() {
                return Ok(Vec::new());
            }
            throttle::record_failure(c, &account, RESET_LIMIT, t)?;
            throttle::record_failure(
                c,
                &address,
                Limit {
                    max_failures: 4 * RESET_LIMIT.max_failures,
                    ..RESET_LIMIT
                },
                t,
            )?;
            let mut codes = Vec::new();
            for user in users::find_by_email(c, email.as_str())? {
                if !user.is_active() {
                    continue;
                }
                invitations::consume_all(c, &user.id, purpose::PASSWORD_RESET, t)?;
                let code = invitations::create(
                    c,
                    &user.id,
                    purpose::PASSWORD_RESET,
                    invitations::RESET_TTL_HOURS,
                    t,
                )?;
                let locale = account_mail::locale_of(c, &user)?;
                codes.push((user.id, locale, code));
            }
            Ok(codes)
        })
        .await?;
    for (user_id, locale, code) in codes {
        let mail = shared::mail::account::password_reset(
            to.as_str(),
            locale,
            &code,
            invitations::RESET_TTL_HOURS,
        );
        match state.mailer.send(&mail).await {
            Ok(()) => tracing::info!(%user_id, "password reset code emailed"),
            Err(_) => tracing::warn!(%user_id, "password reset email failed"),
        }
    }
    Ok(())
}

/// Sets a new password with a reset code and signs the account out everywhere.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetConfirm,
    responses(
        (status = 204),
        (status = 422, description = "Weak password, or a code that is unknown, used or expired", body = crate::error::Problem),
    )
)]
#[post("/v1/auth/password-reset/confirm")]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    body: web::Json<PasswordResetConfirm>,
) -> ApiResult<HttpResponse> {
    let PasswordResetConfirm { code, new_password } = body.into_inner();
    let (inv, user) = find_code(
        &state,
        code,
        purpose::PASSWORD_RESET,
        &[users::status::ACTIVE],
    )
    .await?;
    password::check_strength("new_password", &new_password, Some(&user.email))?;
    let hash = blocking(move || password::hash(&new_password)).await??;
    let user_id = user.id.clone();
    let done = state
        .db
        .transaction(move |c| {
            let t = now();
            if !invitations::consume(c, &inv.id, t)? {
                return Ok(false);
            }
            users::set_password(c, &user.id, &hash, t)?;
            sessions::revoke_all_for_user(c, &user.id, sessions::reason::PASSWORD_RESET, t)?;
            throttle::reset(c, &account_key(&user.email))?;
            Ok(true)
        })
        .await?;
    if !done {
        return Err(bad_code());
    }
    tracing::info!(%user_id, "password reset; sessions revoked");
    Ok(HttpResponse::NoContent().finish())
}
