//! Creating invited accounts and emailing their one-time codes: shared by the operator CLI
//! (first clinic admin), admins inviting staff and staff enrolling patients.

use shared::Error;
use shared::db::invitations::{self, purpose};
use shared::db::{Db, DbConn, audit, patients, users};
use shared::domain::{Locale, Role};
use shared::mail::Mailer;
use shared::mail::account::{self, Audience};
use shared::time::now;

use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;

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

/// The answer for an email already used in this clinic.
pub fn duplicate_email() -> Error {
    Error::Conflict("an account with this email already exists in this clinic".into())
}

/// Creates an invited account and its invitation code in one transaction. `rows` writes the
/// account's rows (user, profile, audit entry) after the clinic-scoped duplicate check; a
/// concurrent duplicate that slips past the check is caught by the unique index. Both are 409.
pub async fn create_invited(
    db: &Db,
    user: users::User,
    rows: impl FnOnce(&mut DbConn, &users::User) -> shared::Result<()> + Send + 'static,
) -> shared::Result<String> {
    db.transaction(move |c| {
        if users::find_by_email_in_clinic(c, &user.clinic_id, &user.email)?.is_some() {
            return Err(duplicate_email());
        }
        rows(c, &user)?;
        invitations::create(
            c,
            &user.id,
            purpose::INVITATION,
            invitations::INVITATION_TTL_HOURS,
            user.created_at,
        )
    })
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            duplicate_email()
        } else {
            e
        }
    })
}

/// Who is invited, and how to tell them.
pub struct Invitee<'a> {
    pub user_id: &'a str,
    pub email: &'a str,
    pub locale: Locale,
    pub audience: Audience,
    /// The patient the account is for (audit), when it is a patient's.
    pub patient_id: Option<&'a str>,
}

/// Emails the code. When it cannot be delivered, the account is taken back (nobody could ever
/// activate it, and its email would block a retry with 409), the undo is audited, and the
/// caller gets 503 to retry.
pub async fn deliver_or_undo(
    db: &Db,
    mailer: &Mailer,
    actor: &AuthUser,
    invitee: Invitee<'_>,
    code: &str,
) -> ApiResult<()> {
    let sent = send_invitation(
        mailer,
        invitee.user_id,
        invitee.email,
        invitee.locale,
        invitee.audience,
        code,
    )
    .await;
    if sent.is_ok() {
        return Ok(());
    }
    let (clinic, actor_id) = (actor.clinic_id.clone(), actor.user_id.clone());
    let undo = invitee.user_id.to_owned();
    let patient = invitee.patient_id.map(str::to_owned);
    db.transaction(move |c| {
        undo_invited(c, &undo)?;
        audit::record(
            c,
            &clinic,
            Some(&actor_id),
            "invitation.undone",
            patient.as_deref(),
            now(),
        )
    })
    .await?;
    Err(ApiError(Error::Unavailable(
        "the invitation email could not be sent".into(),
    )))
}
