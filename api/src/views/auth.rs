//! Bodies of `/v1/auth/*` (docs/CONTRACT.md "Auth").

use serde::{Deserialize, Serialize};
use shared::domain::Role;
use shared::domain::{ClinicId, UserId};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LogIn {
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
    #[schema(value_type = TokenType)]
    pub token_type: &'static str,
    /// Lifetime of the access token, in seconds.
    pub expires_in: i64,
    pub role: Role,
    pub user_id: UserId,
    pub clinic_id: ClinicId,
}

/// How to present the access token: always `Bearer` (RFC 6750).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub enum TokenType {
    Bearer,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshSession {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AcceptInvitation {
    pub code: String,
    pub password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RequestPasswordReset {
    pub email: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ConfirmPasswordReset {
    pub code: String,
    pub new_password: String,
}
