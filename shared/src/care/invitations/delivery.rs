//! Delivering an invitation code by email, and what the caller is told of it.
//!
//! With no SMTP server configured nothing is emailed and nothing is taken back: the code is
//! returned (`emailed: false`) for the front desk to hand over. With SMTP configured, a
//! message the server did not accept takes the invitation back: a new account nobody could
//! activate is deleted (its email would block a retry with 409), a resent code nobody received
//! is revoked. Each undo is audited and the caller gets `Unavailable` (503) to retry only when a
//! retry may work (a network failure, a timeout, a 4xx reply); a permanent refusal (a 5xx reply,
//! the recipient's server refusing the address itself with an RFC 3463 `5.1.x` code, an address
//! the mailer cannot send to) is `Validation` (422) on `email`: retrying it is futile.

use crate::care::StaffActor;
use crate::db::invitations as codes;
use crate::db::{Db, audit, users};
use crate::domain::AuditAction;
use crate::domain::{ClinicId, Email, InvitationPurpose, Locale, PatientId, UserId};
use crate::error::{Error, Result};
use crate::mail::account::{self, Audience};
use crate::mail::{MailError, Mailer};

/// Who is invited, and how to tell them.
pub(super) struct Invitee<'a> {
    pub(super) user_id: &'a UserId,
    pub(super) email: &'a Email,
    pub(super) locale: Locale,
    pub(super) audience: Audience,
    /// The patient the account is for (audit), when it is a patient's.
    pub(super) patient_id: Option<&'a PatientId>,
}

/// Emails an invitation code. The log records the user id and outcome only. With no SMTP server
/// configured the log transport answers `Ok` without sending: callers that report what happened
/// check [`Mailer::is_smtp`].
pub async fn send(
    mailer: &Mailer,
    user_id: &UserId,
    to: &Email,
    locale: Locale,
    audience: Audience,
    code: &str,
) -> std::result::Result<(), MailError> {
    let mail = account::invitation(
        to.as_str(),
        locale,
        audience,
        code,
        codes::INVITATION_TTL_HOURS,
    );
    let result = mailer.send(&mail).await;
    match &result {
        Ok(()) => tracing::info!(%user_id, "invitation emailed"),
        Err(e) => tracing::warn!(%user_id, class = e.class(), "invitation email failed"),
    }
    result
}

/// Who an invitation's audit entries name: the clinic, and the staff member acting (`None`
/// for the operator's CLI).
#[derive(Debug, Clone)]
pub(super) struct Auditor {
    clinic_id: ClinicId,
    actor_id: Option<UserId>,
}

pub(super) fn audited(actor: &StaffActor) -> Auditor {
    Auditor {
        clinic_id: actor.clinic_id.clone(),
        actor_id: Some(actor.user_id.clone()),
    }
}

/// How an undeliverable invitation is taken back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Undo {
    /// A new account nobody could activate: deleted (while still `invited`), so its email does
    /// not block a retry with 409.
    DeleteAccount,
    /// A resent code nobody received: revoked; the account stays invited for another resend.
    RevokeCode,
}

/// A new account's invitation: delivered (`true`), left for the front desk when email is not
/// set up (`false`), or the account is deleted again.
pub(super) async fn deliver_new_account(
    db: &Db,
    mailer: &Mailer,
    actor: &StaffActor,
    invitee: Invitee<'_>,
    code: &str,
) -> Result<bool> {
    let by = audited(actor);
    deliver_or_undo(db, mailer, &by, invitee, code, Undo::DeleteAccount).await
}

/// Emails the code: `true` when the SMTP server accepted it, `false` when no SMTP server is
/// configured (the code is for the front desk to hand over). When a configured server does not
/// accept it, takes the invitation back (audited `invitation.undone`) and answers as
/// [`undeliverable`] says: `Unavailable` (503) when a retry may work, `Validation` (422,
/// `email`) when the refusal is permanent.
pub(super) async fn deliver_or_undo(
    db: &Db,
    mailer: &Mailer,
    by: &Auditor,
    invitee: Invitee<'_>,
    code: &str,
    undo: Undo,
) -> Result<bool> {
    if !mailer.is_smtp() {
        // The log transport sends nothing: the code is the clinic's to hand over.
        let _ = send(
            mailer,
            invitee.user_id,
            invitee.email,
            invitee.locale,
            invitee.audience,
            code,
        )
        .await;
        return Ok(false);
    }
    let sent = send(
        mailer,
        invitee.user_id,
        invitee.email,
        invitee.locale,
        invitee.audience,
        code,
    )
    .await;
    let failure = match sent {
        Ok(()) => return Ok(true),
        Err(e) => e,
    };
    let by = by.clone();
    let user_id = invitee.user_id.clone();
    let patient = invitee.patient_id.cloned();
    let at = crate::time::now();
    db.transaction(move |c| {
        match undo {
            Undo::DeleteAccount => {
                users::delete_if_invited(c, &user_id)?;
            }
            Undo::RevokeCode => {
                codes::consume_all(c, &user_id, InvitationPurpose::Invitation, at)?;
            }
        }
        audit::record(
            c,
            &by.clinic_id,
            by.actor_id.as_ref(),
            AuditAction::InvitationUndone,
            patient.as_ref(),
            at,
        )
    })
    .await?;
    Err(undeliverable(&failure))
}

/// The caller's answer for an invitation email the mailer did not send: `Unavailable` (503,
/// retry) only when trying again may work ([`MailError::is_transient`]); `Validation` (422 on
/// `email`, [`MailError::refusal`]) when it never will as the address is; `Internal` (500) for
/// a message the service could not build. A refusal of the service's own SMTP settings
/// ([`MailError::Setup`]: authentication, TLS) is `Unavailable` too, logged at error naming the
/// settings; another refusal that is not the address's own (a relay refusing the service) is
/// logged at error for the operator. Neither log names the address.
pub(crate) fn undeliverable(failure: &MailError) -> Error {
    if let MailError::Setup(_) = failure {
        tracing::error!(
            class = failure.class(),
            "the mail server refused the service's own SMTP settings (authentication, TLS): \
             check AFTERCARE_SMTP_USERNAME, AFTERCARE_SMTP_PASSWORD and AFTERCARE_SMTP_TLS; \
             invitations answer 503 until it is fixed"
        );
        return Error::Unavailable("the invitation email could not be sent".into());
    }
    if failure.is_transient() {
        return Error::Unavailable("the invitation email could not be sent".into());
    }
    if let MailError::Permanent(_) = failure {
        tracing::error!(
            class = failure.class(),
            "the mail server refused an invitation for good; if the address is right, check \
             the SMTP settings"
        );
    }
    match failure.refusal() {
        Some(why) => Error::invalid("email", why),
        None => Error::Internal(anyhow::anyhow!(
            "the invitation email could not be built ({})",
            failure.class()
        )),
    }
}
