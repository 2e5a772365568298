//! Bodies of `/v1/auth/*` (docs/CONTRACT.md "Auth").

use serde::{Deserialize, Serialize};
use shared::Error;
use shared::care::auth::SignInId;
use shared::domain::Role;
use shared::domain::{ClinicId, UserId};

use crate::validate;

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

/// `POST /v1/auth/sign-in-codes`: either `email` or `phone` (E.164, e.g. `+34600111222`;
/// spaces and dashes are ignored), not both.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RequestSignInCode {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// `POST /v1/auth/sign-in-codes/redeem`: the `email` or `phone` the code was asked with, and
/// the 6-digit `code` (spaces and dashes ignored).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RedeemSignInCode {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub code: String,
}

/// Longest email accepted to look an account up by, in bytes (RFC 5321 §4.5.3.1.3's path).
const EMAIL_MAX: usize = 254;

/// Exactly one of an email or a phone (422 naming the field otherwise). The email is only
/// checked for being there (an address the rules refuse is just an unknown account); the
/// phone must look like one.
pub fn sign_in_id(email: Option<String>, phone: Option<String>) -> Result<SignInId, Error> {
    let email = email.filter(|e| !e.trim().is_empty());
    let phone = phone.filter(|p| !p.trim().is_empty());
    match (email, phone) {
        (Some(_), Some(_)) => Err(Error::invalid(
            "phone",
            "give either an email or a phone, not both",
        )),
        (None, None) => Err(Error::invalid("email", "is required (or give a phone)")),
        (Some(email), None) if email.len() > EMAIL_MAX => {
            Err(Error::invalid("email", "is too long"))
        }
        (Some(email), None) => Ok(SignInId::Email(email)),
        (None, Some(phone)) => validate::phone(&phone)
            .map(SignInId::Phone)
            .map_err(|why| Error::invalid("phone", why)),
    }
}
