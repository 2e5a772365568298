//! One-time codes: accepting an invitation, and resetting a forgotten password.

use std::net::IpAddr;

use chrono::Duration;

use super::login::address_key;
use super::{SignedIn, User, blocking, open_session};
use crate::auth::password;
use crate::care::invitations::mail_locale;
use crate::db::invitations::{self, Invitation};
use crate::db::throttle::{self, Limit};
use crate::db::{Db, DbConn, clinics, patients, sessions, users};
use crate::domain::{Email, InvitationPurpose, Role, UserStatus};
use crate::error::{Error, Result};
use crate::mail::Mailer;
use crate::time::now;

/// Password-reset emails per address per window (silently dropped beyond).
const RESET_LIMIT: Limit = Limit {
    max_failures: 5,
    window: Duration::hours(1),
};

/// The message of a code that is unknown, used or expired, for the pages that translate it.
pub const BAD_CODE: &str = "is not valid: it may be mistyped, already used or expired";

/// The answer to a code that is unknown, used or expired (422 on field `code`).
fn bad_code() -> Error {
    Error::invalid("code", BAD_CODE)
}

/// A usable code of `purpose` and its user, who must be in one of `states`, with the account's
/// own words (see [`own_words`]).
async fn find_code(
    db: &Db,
    code: String,
    purpose: InvitationPurpose,
    states: &'static [UserStatus],
) -> Result<(Invitation, User, Vec<String>)> {
    let found = db
        .run(move |c| {
            let Some(inv) = invitations::find_usable(c, &code, purpose, now())? else {
                return Ok(None);
            };
            let user = users::find(c, &inv.user_id)?;
            if !states.contains(&user.status) {
                return Ok(None);
            }
            let words = own_words(c, &user)?;
            Ok(Some((inv, user, words)))
        })
        .await?;
    found.ok_or_else(bad_code)
}

/// What an attacker may know of the account, for the password rules: its name, a patient's
/// given and family names, the clinic's name (the email is passed on its own).
fn own_words(c: &mut DbConn, user: &User) -> Result<Vec<String>> {
    let mut words = vec![user.name.clone(), clinics::find(c, &user.clinic_id)?.name];
    if user.role == Role::Patient {
        let profile = patients::find(c, &user.id.as_patient())?;
        words.push(profile.given_name);
        words.extend(profile.family_name);
    }
    Ok(words)
}

/// Checks the password rules (field `field`) for `user`, then hashes the password, off the
/// async executor (the estimator and argon2 both take milliseconds).
async fn checked_hash(
    field: &'static str,
    new_password: String,
    user: &User,
    words: Vec<String>,
) -> Result<String> {
    let email = user.email.clone();
    blocking(move || {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        password::check_strength(field, &new_password, Some(&email), &words)?;
        password::hash(&new_password)
    })
    .await?
}

/// Activates an invited account (staff or patient) with its invitation `code` and a new
/// password, and opens its first session (refresh token valid `refresh_ttl_days`): the app's
/// `POST /v1/auth/invitations/accept` and the console's first visit. Spends the code and every
/// other invitation code of the account, in one transaction with the password.
///
/// Errors: `Validation` (422) for a weak password (field `password`) or a code that is unknown,
/// used, expired or not an invited account's (field `code`), including one a concurrent
/// acceptance spent first.
pub async fn accept_invitation(
    db: &Db,
    code: String,
    new_password: String,
    refresh_ttl_days: i64,
) -> Result<SignedIn> {
    let (inv, user, words) = find_code(
        db,
        code,
        InvitationPurpose::Invitation,
        &[UserStatus::Invited],
    )
    .await?;
    let hash = checked_hash("password", new_password, &user, words).await?;
    let signed_in = db
        .transaction(move |c| {
            let t = now();
            if !invitations::consume(c, &inv.id, t)? {
                return Ok(None);
            }
            invitations::consume_all(c, &user.id, InvitationPurpose::Invitation, t)?;
            users::set_password(c, &user.id, &hash, t)?;
            let user = users::find(c, &user.id)?;
            open_session(c, refresh_ttl_days, user, t).map(Some)
        })
        .await?
        .ok_or_else(bad_code)?;
    tracing::info!(user_id = %signed_in.user.id, "invitation accepted");
    Ok(signed_in)
}

/// Emails a password-reset code (valid one hour, in the account's language) to every active
/// account with this email, superseding its earlier reset codes: the work behind
/// `POST /v1/auth/password-reset`, which answers 202 before it runs so its timing reveals
/// nothing. At most 5 requests per email and 20 per client `address` an hour; beyond, or for
/// no active account, nothing is sent and nothing fails. A failed send is logged, not returned.
///
/// Errors: the database's only (the caller logs them: nobody waits for this answer).
pub async fn request_password_reset(
    db: &Db,
    mailer: &Mailer,
    email: Email,
    address: Option<IpAddr>,
) -> Result<()> {
    let account = throttle::reset_request_key(email.as_str());
    let address = format!("reset:{}", address_key(address));
    let to = email.clone();
    let codes = db
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
        let mail = crate::mail::account::password_reset(
            to.as_str(),
            locale,
            &code,
            invitations::RESET_TTL_HOURS,
        );
        match mailer.send(&mail).await {
            Ok(()) => tracing::info!(%user_id, "password reset code emailed"),
            Err(_) => tracing::warn!(%user_id, "password reset email failed"),
        }
    }
    Ok(())
}

/// Sets a new password with a reset code (`POST /v1/auth/password-reset/confirm`) and, in the
/// same transaction, revokes every session of the account (reason `password_reset`: its access
/// tokens stop working at once, console sessions included) and forgets its login failures.
///
/// Errors: `Validation` (422) for a weak password (field `new_password`) or a code that is
/// unknown, used, expired or not an active account's (field `code`).
pub async fn confirm_password_reset(db: &Db, code: String, new_password: String) -> Result<()> {
    let (inv, user, words) = find_code(
        db,
        code,
        InvitationPurpose::PasswordReset,
        &[UserStatus::Active],
    )
    .await?;
    let hash = checked_hash("new_password", new_password, &user, words).await?;
    let user_id = user.id.clone();
    let done = db
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
    Ok(())
}
