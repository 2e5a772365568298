//! One-time codes: accepting an invitation (`/v1/auth/invitations/accept`) and resetting a
//! password (`/v1/auth/password-reset`, `/confirm`).

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Duration;
use shared::auth::password;
use shared::db::invitations;
use shared::db::throttle::{self, Limit};
use shared::db::{sessions, users};
use shared::domain::{Email, InvitationPurpose, SessionId, UserStatus};
use shared::time::now;

use super::{address_key, blocking, open_session, token_response};
use crate::error::{ApiError, ApiResult, invalid};
use crate::state::AppState;
use crate::views::auth::{
    AcceptInvitation, PasswordResetConfirm, PasswordResetRequest, TokenResponse,
};
use shared::care::invitations::mail_locale;

/// Password-reset emails per address per window (silently dropped beyond: the answer is 202).
const RESET_LIMIT: Limit = Limit {
    max_failures: 5,
    window: Duration::hours(1),
};

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
    purpose: InvitationPurpose,
    states: &'static [UserStatus],
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
        .filter(|(_, u)| states.contains(&u.status))
        .ok_or_else(bad_code)
}

/// Activates an invited account (staff or patient): sets its password and signs in.
#[utoipa::path(
    operation_id = "acceptInvitation",
    security(()),
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
    let opened = activate_invitation(&state, code, new).await?;
    Ok(web::Json(token_response(&state, opened)?))
}

/// Activates an invited account with its code and a new password and opens its first session
/// (the API's acceptance and the console's). Errors: 422 for a weak password or a code that is
/// unknown, used or expired.
pub(crate) async fn activate_invitation(
    state: &AppState,
    code: String,
    new: String,
) -> ApiResult<(users::User, SessionId, String)> {
    let (inv, user) = find_code(
        state,
        code,
        InvitationPurpose::Invitation,
        &[UserStatus::Invited],
    )
    .await?;
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
            invitations::consume_all(c, &user.id, InvitationPurpose::Invitation, t)?;
            users::set_password(c, &user.id, &hash, t)?;
            let user = users::find(c, &user.id)?;
            open_session(c, ttl, user).map(Some)
        })
        .await?
        .ok_or_else(bad_code)?;
    tracing::info!(user_id = %opened.0.id, "invitation accepted");
    Ok(opened)
}

/// Emails a reset code to every active account with this email. Always 202, whether or not
/// one exists; the work happens after the answer so its timing reveals nothing either.
#[utoipa::path(
    operation_id = "requestPasswordReset",
    security(()),
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
    let address = format!("reset:{}", address_key(&req, &state));
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
    let account = throttle::reset_request_key(email.as_str());
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
                invitations::consume_all(c, &user.id, InvitationPurpose::PasswordReset, t)?;
                let code = invitations::create(
                    c,
                    &user.id,
                    InvitationPurpose::PasswordReset,
                    invitations::RESET_TTL_HOURS,
                    t,
                )?;
                let locale = mail_locale(c, &user)?;
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
    operation_id = "confirmPasswordReset",
    security(()),
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
        InvitationPurpose::PasswordReset,
        &[UserStatus::Active],
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
            throttle::reset(c, &throttle::account_key(&user.email))?;
            Ok(true)
        })
        .await?;
    if !done {
        return Err(bad_code());
    }
    tracing::info!(%user_id, "password reset; sessions revoked");
    Ok(HttpResponse::NoContent().finish())
}
