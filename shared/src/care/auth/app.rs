//! The patient web app's browser sessions (`/app/`): signing in and out, a patient's first visit
//! from the invitation link, and finding who a request's cookie belongs to.
//!
//! An app session is the console's kind of browser session (`db::console_sessions`: a random
//! cookie secret stored as its SHA-256 hash, pointing at a login session), narrowed to patients:
//! the console's lookup refuses a patient and this one refuses staff, so one table serves both
//! and a secret of one kind never opens the other's pages. Revoking the login session for any
//! reason (sign-out, password reset, erasure) ends the app session with it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Duration;

use super::login::check_credentials;
use super::{LogInForm, User};
use crate::db::{Db, console_sessions, invitations, sessions, throttle, users};
use crate::domain::{InvitationPurpose, PatientId, Role, UserId, UserStatus};
use crate::error::{Error, Result};
use crate::time::now;

/// A patient stays signed in to the web app for 30 days (an aftercare course spans weeks; the
/// phone is personal), then signs in again.
pub const SESSION_TTL: Duration = Duration::days(30);

/// Signs a patient in with email and password, checked as every sign-in checks them (same
/// throttle, same timing). In one transaction: forgets the account's failures, ends the
/// `previous` session this browser held (its cookie secret, if any) and opens a login session
/// with an app session in it, valid [`SESSION_TTL`]. Returns the cookie secret in clear (stored
/// only hashed).
///
/// Errors: `Unauthorized` for a failed attempt (one answer for every cause); `Forbidden` when
/// the password is right but the account is a clinic's staff (who use the console; the attempt
/// counts as a failure); `TooManyRequests` while the account or the address is locked.
pub async fn sign_in(db: &Db, credentials: LogInForm, previous: Option<String>) -> Result<String> {
    let staff_matched = Arc::new(AtomicBool::new(false));
    let seen = staff_matched.clone();
    let patient_only = move |u: &User| {
        if u.role.is_staff() {
            seen.store(true, Ordering::Relaxed);
        }
        u.role == Role::Patient
    };
    let Some((user, account)) = check_credentials(db, credentials, patient_only).await? else {
        return Err(if staff_matched.load(Ordering::Relaxed) {
            Error::Forbidden
        } else {
            Error::Unauthorized
        });
    };
    let secret = db
        .transaction(move |c| {
            throttle::reset(c, &account)?;
            open_in(c, &user.id, previous)
        })
        .await?;
    tracing::info!("app sign-in");
    Ok(secret)
}

fn open_in(
    c: &mut crate::db::DbConn,
    user_id: &UserId,
    previous: Option<String>,
) -> Result<String> {
    let t = now();
    if let Some(previous) = previous {
        console_sessions::end(c, &previous, t)?;
    }
    let sid = sessions::create(c, user_id, t)?;
    console_sessions::create(c, &sid, SESSION_TTL, t)
}

/// Opens an app session for a patient the caller has already authenticated (a redeemed
/// sign-in code, say): ends the `previous` session this browser held and opens a login session
/// with an app session in it. Returns the cookie secret in clear.
///
/// Errors: `Forbidden` when the account is not an active patient's.
pub async fn open(db: &Db, user_id: &UserId, previous: Option<String>) -> Result<String> {
    let user_id = user_id.clone();
    db.transaction(move |c| {
        let user = users::find(c, &user_id)?;
        if user.role != Role::Patient || !user.is_active() {
            return Err(Error::Forbidden);
        }
        open_in(c, &user.id, previous)
    })
    .await
}

/// Whose invitation an invitation code is, while it is usable: `Some(Role::Patient)` for a
/// patient's, the staff role for a staff member's, `None` for a code that is unknown, used or
/// expired. Changes nothing (the page shows the password form only for a usable code).
pub async fn invitation_role(db: &Db, code: String) -> Result<Option<Role>> {
    db.run(move |c| {
        let Some(inv) = invitations::find_usable(c, &code, InvitationPurpose::Invitation, now())?
        else {
            return Ok(None);
        };
        let user = users::find(c, &inv.user_id)?;
        Ok((user.status == UserStatus::Invited).then_some(user.role))
    })
    .await
}

/// A patient's first visit from the invitation link: activates the account with its code and a
/// new password ([`super::accept_invitation`], the app's own acceptance), then ends the
/// `previous` session this browser held and opens an app session in the new login session.
/// Returns its cookie secret.
///
/// Errors: `Validation` (422) for a weak password (field `password`) or a code that is unknown,
/// used or expired (field `code`); `Forbidden` for a staff member's code, which is left unused
/// (staff accept theirs in the console).
pub async fn accept_invitation(
    db: &Db,
    code: String,
    new_password: String,
    refresh_ttl_days: i64,
    previous: Option<String>,
) -> Result<String> {
    if invitation_role(db, code.clone())
        .await?
        .is_some_and(|r| r.is_staff())
    {
        return Err(Error::Forbidden);
    }
    let signed_in = super::accept_invitation(db, code, new_password, refresh_ttl_days).await?;
    let sid = signed_in.session_id;
    db.transaction(move |c| {
        let t = now();
        if let Some(previous) = previous {
            console_sessions::end(c, &previous, t)?;
        }
        console_sessions::create(c, &sid, SESSION_TTL, t)
    })
    .await
}

/// The patient a cookie secret signs in: an app session unexpired, its login session not
/// revoked, its account active and a patient's. `None` otherwise (staff never get an app page,
/// whatever their cookie). One primary-key read, on the blocking pool.
pub async fn session(db: &Db, secret: String) -> Result<Option<PatientId>> {
    db.run(move |c| {
        Ok(console_sessions::find(c, &secret, now())?
            .filter(|(_, u)| u.is_active() && u.role == Role::Patient)
            .map(|(_, u)| u.id.as_patient()))
    })
    .await
}

/// Signs out: revokes the login session behind the cookie secret (reason `logout`) and deletes
/// its browser session. An unknown or expired secret changes nothing.
pub async fn sign_out(db: &Db, secret: String) -> Result<()> {
    db.transaction(move |c| console_sessions::end(c, &secret, now()))
        .await
}
