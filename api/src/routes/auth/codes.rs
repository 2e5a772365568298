//! One-time codes: accepting an invitation (`/v1/auth/invitations/accept`) and resetting a
//! password (`/v1/auth/password-reset`, `/confirm`).

use actix_web::{HttpRequest, HttpResponse, post, web};
use shared::care::auth;
use shared::domain::Email;

use super::{client_address, token_response};
use crate::error::ApiResult;
use crate::json::Json;
use crate::state::AppState;
use crate::views::auth::{
    AcceptInvitation, ConfirmPasswordReset, RequestPasswordReset, TokenResponse,
};

/// Activates an invited account (staff or patient): sets its password and signs in.
#[utoipa::path(
    operation_id = "acceptInvitation",
    security(()),
    tag = "auth",
    request_body = AcceptInvitation,
    responses(
        (status = 200, body = TokenResponse, description = "Activated and signed in: a token pair"),
        (status = 422, description = "Weak password, or a code that is unknown, used or expired", body = crate::error::Problem),
    )
)]
#[post("/v1/auth/invitations/accept")]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    body: Json<AcceptInvitation>,
) -> ApiResult<web::Json<TokenResponse>> {
    let AcceptInvitation { code, password } = body.into_inner();
    let ttl = state.config.jwt.refresh_ttl_days;
    let signed_in = auth::accept_invitation(&state.db, code, password, ttl).await?;
    Ok(web::Json(token_response(&state, signed_in)))
}

/// Emails a reset code to every active account with this email. Always 202, whether or not
/// one exists; the work happens after the answer so its timing reveals nothing either.
#[utoipa::path(
    operation_id = "requestPasswordReset",
    security(()),
    tag = "auth",
    request_body = RequestPasswordReset,
    responses((status = 202, description = "Accepted, whether or not the email has an account"))
)]
#[post("/v1/auth/password-reset")]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<RequestPasswordReset>,
) -> HttpResponse {
    let address = client_address(&req, &state);
    if let Ok(email) = Email::parse(&body.email) {
        let state = state.into_inner();
        tokio::spawn(async move {
            let sent = auth::request_password_reset(&state.db, &state.mailer, email, address);
            if let Err(e) = sent.await {
                tracing::warn!(error = %e, "password reset email not sent");
            }
        });
    }
    HttpResponse::Accepted().finish()
}

/// Sets a new password with a reset code and signs the account out everywhere.
#[utoipa::path(
    operation_id = "confirmPasswordReset",
    security(()),
    tag = "auth",
    request_body = ConfirmPasswordReset,
    responses(
        (status = 204, description = "Password set; every session of the account ended"),
        (status = 422, description = "Weak password, or a code that is unknown, used or expired", body = crate::error::Problem),
    )
)]
#[post("/v1/auth/password-reset/confirm")]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    body: Json<ConfirmPasswordReset>,
) -> ApiResult<HttpResponse> {
    let ConfirmPasswordReset { code, new_password } = body.into_inner();
    auth::confirm_password_reset(&state.db, code, new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}
