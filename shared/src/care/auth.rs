//! Signing in and staying signed in: the app's login, token refresh and logout, accepting an
//! invitation, resetting a password, the clinic console's browser sessions, and the check every
//! request's access token makes against its login session (docs/CONTRACT.md "Auth").
//!
//! A login session is one refresh-token family: each refresh spends the presented token and
//! issues the next one in the same session, and presenting a spent token revokes the session
//! (unless it is a duplicate within the reuse interval, which gets the same successor). Login
//! failures are counted in the database per account and per client address, so the limits hold
//! across API replicas. Access tokens are signed by the caller (`crate::auth::TokenKeys`) from
//! the [`SignedIn`] these return; passwords are hashed and verified by `crate::auth::password`
//! on the blocking pool, never on the async executor.
//!
//! - [`login`], [`refresh`], [`logout`] — the app's tokens.
//! - [`accept_invitation`], [`request_password_reset`], [`confirm_password_reset`] — one-time
//!   codes.
//! - [`request_sign_in_code`], [`redeem_sign_in_code`] — a patient's one-time sign-in code
//!   (6 digits by email, 15 minutes, single use), instead of a password.
//! - [`console`] — the console's sign-in, session lookup, sign-out and first visit.
//! - [`app`] — the patient web app's sign-in, session lookup, sign-out and first visit (the
//!   console's kind of browser session, narrowed to patients).
//! - [`check_session`], [`run_in_session`] — whether an access token's session is still live.
//!
//! None of these writes an audit entry: signing in and out is logged (`tracing`), without
//! emails or tokens.

use chrono::NaiveDateTime;

use crate::db::sessions;
use crate::domain::SessionId;
use crate::error::{Error, Result};

pub mod app;
mod codes;
pub mod console;
mod login;
mod refresh;
mod session;
mod sign_in_codes;

pub use crate::db::users::User;
pub use codes::{BAD_CODE, accept_invitation, confirm_password_reset, request_password_reset};
pub use login::{LogInForm, login};
pub use refresh::{logout, refresh};
pub use session::{DbConn, SESSION_UNAVAILABLE, check_session, run_in_session};
pub use sign_in_codes::{
    SignInId, check_sign_in_code, redeem_link, redeem_sign_in_code, request_sign_in_code,
};

/// A login session just opened or refreshed: what the caller turns into a token pair. Its
/// `Debug` leaves out the refresh token and the account's password hash.
#[derive(Clone)]
pub struct SignedIn {
    /// The account, as it is now (active).
    pub user: User,
    pub session_id: SessionId,
    /// The session's current refresh token, in clear (the database holds only its hash).
    pub refresh_token: String,
    /// The instant to mint the access token at (UTC): a duplicate refresh within the reuse
    /// interval gets the first refresh's instant, so both get the very same pair.
    pub issued_at: NaiveDateTime,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("user_id", &self.user.id)
            .field("session_id", &self.session_id)
            .field("issued_at", &self.issued_at)
            .finish_non_exhaustive()
    }
}

/// Opens a session for `user` and issues its first refresh token, valid `ttl_days` (inside the
/// caller's transaction).
fn open_session(
    conn: &mut DbConn,
    ttl_days: i64,
    user: User,
    now: NaiveDateTime,
) -> Result<SignedIn> {
    let session_id = sessions::create(conn, &user.id, now)?;
    let refresh_token = sessions::issue_refresh(conn, &session_id, ttl_days, now)?;
    Ok(SignedIn {
        user,
        session_id,
        refresh_token,
        issued_at: now,
    })
}

/// Runs password hashing or verification (argon2) on the blocking pool, off the async executor.
/// Errors: `Internal` when the task panicked or was cancelled.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("blocking task failed: {e}")))
}
