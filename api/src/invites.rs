//! Creating invited accounts and emailing their one-time codes: shared by the operator CLI
//! (first clinic admin), admins inviting staff and staff enrolling patients.

use shared::db::{DbConn, invitations, patients, users};
use shared::domain::{Locale, Role};
use shared::mail::Mailer;
use shared::mail::account::{self, Audience};

/// The language of a user's emails: a patient's profile locale; staff get English.
pub fn locale_of(conn: &mut DbConn, user: &users::User) -> shared::Result<Locale> {
    if user.role == Role::Patient.as_str() {
        if let Ok(p) = patients::find(conn, &user.id) {
            return Ok(Locale::parse(&p.locale).unwrap_or(Locale::En));
        }
    }
    Ok(Locale::En)
}

/// Emails an invitation code. Failures are returned for the caller to decide; the log records
/// the user id and outcome only.
pub async fn send_invitation(
    mailer: &Mailer,
    user_id: &str,
    to: &str,
    locale: Locale,
    audience: Audience,
    code: &str,
) -> Result<(), shared::mail::MailError> {
    let mail = account::invitation(
        to,
        locale,
        audience,
        code,
        invitations::INVITATION_TTL_HOURS,
    );
    let result = mailer.send(&mail).await;
    match &result {
        Ok(()) => tracing::info!(%user_id, "invitation emailed"),
        Err(_) => tracing::warn!(%user_id, "invitation email failed"),
    }
    result
}

/// Whether a database error is a unique-constraint violation (a concurrent duplicate).
pub fn is_unique_violation(e: &shared::Error) -> bool {
    matches!(
        e,
        shared::Error::Database(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

/// Takes back an invited account whose invitation could not be delivered (nobody could ever
/// activate it, and its email would block a retry with 409). Only while it is still invited.
pub fn undo_invited(conn: &mut DbConn, user_id: &str) -> shared::Result<()> {
    use diesel::prelude::*;
    use shared::db::schema::users as t;
    diesel::delete(
        t::table
            .filter(t::id.eq(user_id))
            .filter(t::status.eq(users::status::INVITED)),
    )
    .execute(conn)?;
    Ok(())
}
