//! The clinic console's browser sessions: signing in and out, a new staff member's first visit,
//! and finding who a request's cookie belongs to.
//!
//! A console session is a random cookie secret, stored as its SHA-256 hash, pointing at a login
//! session; any API replica can serve any request. Revoking the login session for any reason
//! (sign-out, password reset, deactivation) ends the console session with it. A browser that
//! signs in again (another person at a shared clinic computer, say) ends the session it held, on
//! every replica, not only in that browser.

use chrono::Duration;

use super::login::check_credentials;
use super::{LogInForm, User};
use crate::db::{Db, clinics, console_sessions, escalations, sessions, throttle, users};
use crate::domain::Locale;
use crate::error::{Error, Result};
use crate::time::now;

pub use crate::db::clinics::Clinic;

/// A console session lasts one working day, then staff sign in again.
pub const SESSION_TTL: Duration = Duration::hours(12);

/// The staff member behind a live console session, and their clinic.
#[derive(Debug, Clone)]
pub struct ConsoleStaff {
    pub user: User,
    pub clinic: Clinic,
    /// The console language the staff member chose; `None` follows the browser.
    pub locale: Option<Locale>,
    /// The clinic's open escalations, for the navigation's badge.
    pub open_escalations: i64,
}

/// Signs a staff member in with email and password, checked as the app's login checks them
/// (same throttle, same timing) but narrowed to staff: a patient's correct password is a failed
/// sign-in like any other. In one transaction: forgets the account's failures, ends the
/// `previous` session this browser held (its cookie secret, if any), and opens a login session
/// with a console session in it, valid [`SESSION_TTL`]. Returns the new cookie secret, in clear
/// (stored only hashed).
///
/// Errors: `Unauthorized` for a failed attempt (one answer for every cause); `TooManyRequests`
/// while the account or the address is locked.
pub async fn sign_in(db: &Db, credentials: LogInForm, previous: Option<String>) -> Result<String> {
    let staff_only = |u: &User| u.role.is_staff();
    let (user, account) = check_credentials(db, credentials, staff_only)
        .await?
        .ok_or(Error::Unauthorized)?;
    let secret = db
        .transaction(move |c| {
            throttle::reset(c, &account)?;
            let t = now();
            if let Some(previous) = previous {
                console_sessions::end(c, &previous, t)?;
            }
            let sid = sessions::create(c, &user.id, t)?;
            console_sessions::create(c, &sid, SESSION_TTL, t)
        })
        .await?;
    tracing::info!("console sign-in");
    Ok(secret)
}

/// A new account's first visit to the console: activates it with its invitation code and a new
/// password ([`super::accept_invitation`], the app's own acceptance, refresh token valid
/// `refresh_ttl_days`), then ends the `previous` session this browser held and, for staff, opens
/// a console session in the new login session, valid [`SESSION_TTL`]. Returns its cookie secret;
/// `None` for a patient's code, which activates the patient's account as the app would but
/// opens no console session.
///
/// Errors: `Validation` (422) for a weak password (field `password`) or a code that is unknown,
/// used or expired (field `code`).
pub async fn accept_invitation(
    db: &Db,
    code: String,
    new_password: String,
    refresh_ttl_days: i64,
    previous: Option<String>,
) -> Result<Option<String>> {
    let signed_in = super::accept_invitation(db, code, new_password, refresh_ttl_days).await?;
    let staff = signed_in.user.role.is_staff();
    let sid = signed_in.session_id;
    db.transaction(move |c| {
        let t = now();
        if let Some(previous) = previous {
            console_sessions::end(c, &previous, t)?;
        }
        staff
            .then(|| console_sessions::create(c, &sid, SESSION_TTL, t))
            .transpose()
    })
    .await
}

/// The staff member a cookie secret signs in, with their clinic: a console session unexpired,
/// its login session not revoked, its account active and staff; with the clinic's open
/// escalation count (one `COUNT` on an index, for the navigation's badge). `None` otherwise (a
/// deactivated account or a patient never gets a page, whatever its cookie). One read, on the
/// blocking pool.
pub async fn session(db: &Db, secret: String) -> Result<Option<ConsoleStaff>> {
    db.run(move |c| {
        let Some((_, user)) = console_sessions::find(c, &secret, now())? else {
            return Ok(None);
        };
        if !user.is_active() || !user.role.is_staff() {
            return Ok(None);
        }
        let clinic = clinics::find(c, &user.clinic_id)?;
        let locale = users::locale(c, &user.id)?;
        let open_escalations = escalations::open_count(c, &user.clinic_id)?;
        Ok(Some(ConsoleStaff {
            user,
            clinic,
            locale,
            open_escalations,
        }))
    })
    .await
}

/// Signs out: revokes the login session behind the cookie secret (reason `logout`, on every
/// replica) and deletes its console sessions. An unknown or expired secret changes nothing.
pub async fn sign_out(db: &Db, secret: String) -> Result<()> {
    db.transaction(move |c| console_sessions::end(c, &secret, now()))
        .await
}
