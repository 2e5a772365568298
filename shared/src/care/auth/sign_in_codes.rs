//! One-time sign-in codes: a patient signs in with a 6-digit code sent to them instead of a
//! password (`POST /v1/auth/sign-in-codes`, `…/redeem`; docs/CONTRACT.md, v1 additions).
//!
//! - Patients only. Staff keep their password (and the console's sign-in): a staff account
//!   reaches every patient of the clinic, and a clinic's shared inbox is a weaker second factor
//!   than a password. A staff email or phone is answered like an unknown one.
//! - By email: every active patient account with that email (one email may have accounts in
//!   several clinics) gets its own code, in its own message.
//! - By phone: the active patient accounts whose stored phone has the same digits. SMS is not
//!   built yet, so the code goes to the account's email (every account has one); when SMS comes,
//!   it goes by SMS to a patient who consented.
//! - The request's answer is the same whatever happens (202, sent before the work runs, so its
//!   timing reveals nothing either); requests are limited per email or phone (5 an hour) and per
//!   client address (20 an hour), silently.
//! - Redeeming is throttled exactly as the password login, on the same counters (5 failures per
//!   account in 15 minutes, 20 per client address): wrong codes and wrong passwords add up.

use std::net::IpAddr;

use chrono::{Duration, NaiveDateTime};

use super::login::{ACCOUNT_LIMIT, ADDRESS_LIMIT, address_key};
use super::{SignedIn, User, open_session};
use crate::care::invitations::mail_locale;
use crate::db::sign_in_codes as codes;
use crate::db::throttle::{self, Limit};
use crate::db::{Db, DbConn, users};
use crate::domain::{Email, Locale, Role, UserId};
use crate::error::{Error, Result};
use crate::mail::Mailer;
use crate::time::now;

/// Code requests per email or phone per window (silently dropped beyond).
const REQUEST_LIMIT: Limit = Limit {
    max_failures: 5,
    window: Duration::hours(1),
};
/// Code requests per client address per window.
const REQUEST_ADDRESS_LIMIT: Limit = Limit {
    max_failures: 20,
    window: Duration::hours(1),
};

/// Who asks for a code or types it back: an email or a phone number, as typed. Its `Debug`
/// leaves the value out.
#[derive(Clone)]
pub enum SignInId {
    /// Looked up as [`Email::lookup_form`] gives.
    Email(String),
    /// Compared by its digits (`+34 600 111 222` is `34600111222`).
    Phone(String),
}

impl std::fmt::Debug for SignInId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignInId::Email(_) => "SignInId::Email(..)",
            SignInId::Phone(_) => "SignInId::Phone(..)",
        })
    }
}

/// The normalised identifier: its throttle key and the form to look accounts up by (`None`:
/// nothing can match, but the same work is done).
struct Lookup {
    key: String,
    by: Option<SignInId>,
}

impl SignInId {
    fn lookup(&self) -> Lookup {
        match self {
            SignInId::Email(raw) => {
                let email = Email::lookup_form(raw);
                Lookup {
                    key: throttle::account_key(&email),
                    by: Some(SignInId::Email(email)).filter(|_| !raw.trim().is_empty()),
                }
            }
            SignInId::Phone(raw) => {
                let digits = crate::domain::search::digits(raw);
                Lookup {
                    key: throttle::phone_key(&digits),
                    by: Some(SignInId::Phone(digits.clone())).filter(|_| !digits.is_empty()),
                }
            }
        }
    }
}

/// The active patient accounts `by` names (none for `None`).
fn patients(c: &mut DbConn, by: Option<&SignInId>) -> Result<Vec<User>> {
    let found = match by {
        Some(SignInId::Email(email)) if !email.is_empty() => users::find_by_email(c, email)?,
        Some(SignInId::Phone(digits)) => users::find_patients_by_phone_digits(c, digits)?,
        _ => Vec::new(),
    };
    Ok(found
        .into_iter()
        .filter(|u| u.role == Role::Patient && u.is_active())
        .collect())
}

/// Sends a sign-in code to every active patient account `who` names: the work behind
/// `POST /v1/auth/sign-in-codes`, which answers 202 before it runs. Each account's unused codes
/// are revoked and a new one (6 digits, valid 15 minutes) is emailed in the account's language
/// with a link to `<link_base>/app/sign-in/code/redeem?email=<address>` (the page where the code
/// is typed; the link carries no code, so a mail scanner opening it spends nothing). By phone,
/// the code goes to the account's email (SMS is not built yet). At most 5 requests per email or
/// phone and 20 per client `address` an hour; beyond, or for no such account, nothing is sent
/// and nothing fails. A failed send is logged (user id and error class), not returned.
///
/// Errors: the database's only (the caller logs them: nobody waits for this answer).
pub async fn request_sign_in_code(
    db: &Db,
    mailer: &Mailer,
    who: SignInId,
    address: Option<IpAddr>,
    link_base: &str,
) -> Result<()> {
    let Lookup { key, by } = who.lookup();
    let account = throttle::sign_in_request_key(&key);
    let address = throttle::sign_in_request_key(&address_key(address));
    let codes = db
        .transaction(move |c| {
            let t = now();
            if throttle::locked_for(c, &[account.clone(), address.clone()], t)?.is_some() {
                return Ok(Vec::new());
            }
            // Counted before the work, so concurrent requests cannot all pass the check.
            let over = throttle::take_attempt(c, &account, REQUEST_LIMIT, t)?.is_some();
            if over | throttle::take_attempt(c, &address, REQUEST_ADDRESS_LIMIT, t)?.is_some() {
                return Ok(Vec::new());
            }
            let mut sent: Vec<(UserId, String, Locale, String)> = Vec::new();
            for user in patients(c, by.as_ref())? {
                codes::revoke_unused(c, &user.id, t)?;
                let code = codes::create(c, &user.id, t)?;
                let locale = mail_locale(c, &user)?;
                sent.push((user.id, user.email, locale, code));
            }
            Ok(sent)
        })
        .await?;
    for (user_id, email, locale, code) in codes {
        let link = redeem_link(link_base, &email);
        let mail =
            crate::mail::account::sign_in_code(&email, locale, &code, codes::TTL_MINUTES, &link);
        match mailer.send(&mail).await {
            Ok(()) => tracing::info!(%user_id, "sign-in code emailed"),
            Err(e) => tracing::warn!(%user_id, class = e.class(), "sign-in code email failed"),
        }
    }
    Ok(())
}

/// `<base>/app/sign-in/code/redeem?email=<email, form-urlencoded>`.
pub fn redeem_link(base: &str, email: &str) -> String {
    let page = format!("{}/app/sign-in/code/redeem", base.trim_end_matches('/'));
    match reqwest::Url::parse_with_params(&page, &[("email", email)]) {
        Ok(url) => url.to_string(),
        Err(_) => page,
    }
}

/// Signs in with a code sent by [`request_sign_in_code`] (`POST /v1/auth/sign-in-codes/redeem`):
/// [`check_sign_in_code`], then, in the same transaction as spending the code, opens a session
/// whose refresh token lasts `refresh_ttl_days`.
///
/// Errors: as [`check_sign_in_code`].
pub async fn redeem_sign_in_code(
    db: &Db,
    who: SignInId,
    code: String,
    address: Option<IpAddr>,
    refresh_ttl_days: i64,
) -> Result<SignedIn> {
    let signed_in = redeem_with(db, who, code, address, move |c, user, t| {
        open_session(c, refresh_ttl_days, user, t)
    })
    .await?;
    tracing::info!(user_id = %signed_in.user.id, "sign-in code redeemed");
    Ok(signed_in)
}

/// Checks and spends a sign-in code, returning the patient's account, for a caller that opens
/// its own kind of session afterwards (the web app's cookie session): refused outright while
/// the account (the email's login counter, or the phone's) or the client address is locked.
/// Otherwise, in one transaction, the attempt is counted first, against the login throttle's
/// keys and against the live code of every active patient account `who` names (a code with 5
/// attempts counted is no longer compared), and only then is the code compared with those
/// codes, in constant time. A match spends it (single use), gives the attempts back and
/// forgets the account's failures; a miss leaves them counted and revokes a code at its 5th.
/// Counting before comparing means concurrent requests cannot outrun the limits: at most 5
/// comparisons per code and per account key in a window, whatever the parallelism.
///
/// Errors: `Unauthorized` (401) for a wrong, used, revoked or expired code, an unknown or
/// inactive account, or a staff account (one answer for all); `TooManyRequests` (429, with the
/// seconds to wait) while locked.
pub async fn check_sign_in_code(
    db: &Db,
    who: SignInId,
    code: String,
    address: Option<IpAddr>,
) -> Result<User> {
    let user = redeem_with(db, who, code, address, |_, user, _| Ok(user)).await?;
    tracing::info!(user_id = %user.id, "sign-in code redeemed");
    Ok(user)
}

/// What one redemption came to, committed either way.
enum Outcome<T> {
    Locked(u64),
    Refused,
    Done(T),
}

/// [`check_sign_in_code`], running `then` with the account in the transaction that spends the
/// code. Everything from counting the attempt to spending or revoking the code is one
/// transaction, and every count is taken before the comparison: the login throttle's keys
/// ([`throttle::take_attempt`]) and one attempt on each live code
/// ([`codes::reserve_attempts`]), so however many requests race, a code is compared at most
/// [`codes::MAX_FAILED_ATTEMPTS`] times and a key lets through at most its limit. A match
/// gives the attempts back.
async fn redeem_with<T: Send + 'static>(
    db: &Db,
    who: SignInId,
    code: String,
    address: Option<IpAddr>,
    then: impl FnOnce(&mut DbConn, User, NaiveDateTime) -> Result<T> + Send + 'static,
) -> Result<T> {
    let Lookup { key, by } = who.lookup();
    let keys = vec![key, address_key(address)];
    let t = now();
    // A cheap read first, so a locked key costs no write (SQLite has one writer).
    let probe = keys.clone();
    if let Some(retry_after_secs) = db.run(move |c| throttle::locked_for(c, &probe, t)).await? {
        return Err(Error::TooManyRequests { retry_after_secs });
    }
    let outcome = db
        .transaction(move |c| {
            let t = now();
            if let Some(secs) = throttle::locked_for(c, &keys, t)? {
                return Ok(Outcome::Locked(secs));
            }
            let account = throttle::take_attempt(c, &keys[0], ACCOUNT_LIMIT, t)?;
            let address = throttle::take_attempt(c, &keys[1], ADDRESS_LIMIT, t)?;
            if let Some(secs) = account.max(address) {
                return Ok(Outcome::Locked(secs));
            }
            let accounts = patients(c, by.as_ref())?;
            let ids: Vec<UserId> = accounts.iter().map(|u| u.id.clone()).collect();
            let reserved = codes::reserve_attempts(c, &ids, t)?;
            // Every reserved code is compared, even after a match, and a dummy when there is
            // none.
            let mut matched = None;
            for row in &reserved {
                if codes::matches(row, &code) && matched.is_none() {
                    matched = Some(row);
                }
            }
            if reserved.is_empty() {
                codes::match_nothing(&code);
            }
            let reserved_ids: Vec<_> = reserved.iter().map(|row| row.id.clone()).collect();
            let spent = match matched {
                Some(row) => codes::consume(c, &row.id, t)?.then_some(row),
                None => None,
            };
            if let Some(row) = spent {
                codes::give_back(c, &reserved_ids)?;
                throttle::reset(c, &keys[0])?;
                throttle::give_back(c, &keys[1], ADDRESS_LIMIT)?;
                let user = users::find(c, &row.user_id)?;
                return then(c, user, t).map(Outcome::Done);
            }
            codes::revoke_spent(c, &reserved_ids, t)?;
            Ok(Outcome::Refused)
        })
        .await?;
    match outcome {
        Outcome::Done(done) => Ok(done),
        Outcome::Locked(retry_after_secs) => Err(Error::TooManyRequests { retry_after_secs }),
        Outcome::Refused => {
            tracing::info!("sign-in code refused");
            Err(Error::Unauthorized)
        }
    }
}
