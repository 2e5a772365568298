//! Checking an email and password, with the failure throttle, and the app's login.

use std::net::IpAddr;

use chrono::Duration;

use super::{SignedIn, User, blocking, open_session};
use crate::auth::password;
use crate::db::throttle::{self, Limit};
use crate::db::{Db, users};
use crate::domain::Email;
use crate::error::{Error, Result};
use crate::time::now;

/// Failures per account (email) before it is locked for the rest of the window.
pub(super) const ACCOUNT_LIMIT: Limit = Limit {
    max_failures: 5,
    window: Duration::minutes(15),
};
/// Failures from one client address (any accounts) before it is locked.
pub(super) const ADDRESS_LIMIT: Limit = Limit {
    max_failures: 20,
    window: Duration::minutes(15),
};

/// An email and password as typed, and the client's address (the TCP peer, or the client a
/// trusted proxy forwarded; `None` when unknown, which counts as one shared address). Its
/// `Debug` leaves out the email and the password.
#[derive(Clone)]
pub struct LogInForm {
    pub email: String,
    pub password: String,
    pub address: Option<IpAddr>,
}

impl std::fmt::Debug for LogInForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogInForm")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// The throttle key of a client address.
pub(super) fn address_key(address: Option<IpAddr>) -> String {
    let ip = address.map(|ip| ip.to_string()).unwrap_or_default();
    format!("ip:{ip}")
}

/// The app's login (`POST /v1/auth/login`): checks the credentials as every sign-in does (one
/// argon2 verification per account with this email, whatever its state; a failure counted
/// against the account, 5 in 15 minutes, and the address, 20 in 15 minutes), narrowed to the
/// account in `clinic_id` when given (one email may have accounts in several clinics), then, in
/// one transaction, forgets the account's failures and opens a session whose refresh token lasts
/// `refresh_ttl_days`.
///
/// Errors: `Unauthorized` (401) for an unknown email, a wrong password, an inactive account or
/// another clinic's (one answer for all); `TooManyRequests` (429, with the seconds to wait) while
/// the account or the address is locked.
pub async fn login(
    db: &Db,
    credentials: LogInForm,
    clinic_id: Option<String>,
    refresh_ttl_days: i64,
) -> Result<SignedIn> {
    let accept = move |u: &User| clinic_id.as_deref().is_none_or(|c| u.clinic_id == c);
    let (user, account) = check_credentials(db, credentials, accept)
        .await?
        .ok_or(Error::Unauthorized)?;
    let signed_in = db
        .transaction(move |c| {
            throttle::reset(c, &account)?;
            open_session(c, refresh_ttl_days, user, now())
        })
        .await?;
    tracing::info!(user_id = %signed_in.user.id, "login succeeded");
    Ok(signed_in)
}

/// Checks an email and password as every sign-in does (the app's login and the console's):
/// refused outright while the account or the client address is locked, one full argon2
/// verification per candidate account whatever its state, and a failure counted against both
/// keys (5 per account, 20 per address, in 15 minutes), in the database, so the limits hold
/// across replicas. `accept` narrows which active account may sign in here (a clinic, a role); a
/// refused one counts as a failure. On success returns the account and its throttle key, which
/// the caller resets in the transaction that opens the session. `None` is a failed attempt (one
/// answer for every cause). Errors: `TooManyRequests` while locked.
pub(super) async fn check_credentials(
    db: &Db,
    credentials: LogInForm,
    accept: impl Fn(&User) -> bool + Send + 'static,
) -> Result<Option<(User, String)>> {
    let LogInForm {
        email,
        password: given,
        address,
    } = credentials;
    // Looked up in its stored form (one spelling per mailbox); an address the current rules
    // refuse is looked up as addresses were stored before them, and an empty one is just an
    // unknown one: same work, same answer.
    let email = Some(Email::lookup_form(&email)).filter(|e| !e.is_empty());
    let keys = vec![
        throttle::account_key(email.as_deref().unwrap_or_default()),
        address_key(address),
    ];
    let t = now();
    let probe = keys.clone();
    if let Some(retry_after_secs) = db.run(move |c| throttle::locked_for(c, &probe, t)).await? {
        return Err(Error::TooManyRequests { retry_after_secs });
    }
    let candidates = match email {
        Some(e) => db.run(move |c| users::find_by_email(c, &e)).await?,
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
            db.transaction(move |c| {
                throttle::record_failure(c, &keys[0], ACCOUNT_LIMIT, t)?;
                throttle::record_failure(c, &keys[1], ADDRESS_LIMIT, t)
            })
            .await?;
            tracing::info!("login failed");
            Ok(None)
        }
    }
}
