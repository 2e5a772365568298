//! Resending an invitation (docs/CONTRACT.md `POST /v1/clinic/patients/{id}/invitation`,
//! `POST /v1/clinic/staff/{id}/invitation`, the operator's `api invitation resend`). An
//! invitation expires after [`codes::INVITATION_TTL_HOURS`], and re-enrolling the same email is
//! a 409, so an account that was never activated needs a new code: the old ones are revoked
//! and a new one is emailed, in one audited transaction.

use chrono::NaiveDateTime;

use super::delivery::{Invitee, Undo, audited, deliver_or_undo, send};
use super::{Invitation, mail_locale};
use crate::care::StaffActor;
use crate::db::invitations as codes;
use crate::db::{Db, DbConn, audit, users};
use crate::domain::AuditAction;
use crate::domain::{
    ClinicId, Email, InvitationPurpose, Locale, PatientId, Role, UserId, UserStatus,
};
use crate::error::{Error, Result};
use crate::mail::account::Audience;
use crate::mail::{MailError, Mailer, refusal};

/// Whose invitation staff resend: the route says which kind of account the id must be.
#[derive(Debug, Clone)]
pub enum Whose {
    Patient(PatientId),
    Staff(UserId),
}

/// Revokes the account's outstanding codes, issues a new one and emails it (in the patient's
/// language; staff get English) when email is set up; returns what became of it (`public_url`
/// for the link). Errors: `NotFound` for an id of another clinic or of the other kind of
/// account; `Conflict` when the account is not waiting for activation (active, disabled,
/// erased); `Unavailable` (a retry may work) or `Validation` on `email` (a permanent refusal,
/// or an address stored before the current rules that the mailer cannot send to) when the
/// email was not accepted (the new code is revoked too, and the account stays invited for
/// another try).
pub async fn resend(
    db: &Db,
    mailer: &Mailer,
    actor: &StaffActor,
    whose: Whose,
    public_url: &str,
    now: NaiveDateTime,
) -> Result<Invitation> {
    let by = audited(actor);
    let (clinic_id, actor_id) = (actor.clinic_id.clone(), actor.user_id.clone());
    let issued = db
        .transaction(move |c| {
            let (user_id, wanted_patient) = match whose {
                Whose::Patient(id) => (id.as_user(), true),
                Whose::Staff(id) => (id, false),
            };
            let user = users::find_in_clinic(c, &clinic_id, &user_id)?;
            if user.role.is_staff() == wanted_patient {
                return Err(Error::NotFound);
            }
            reissue(c, user, Some(&actor_id), now)
        })
        .await?;
    let Issued {
        user,
        email,
        locale,
        code,
    } = issued;
    let patient = patient_of(&user);
    let invitee = Invitee {
        user_id: &user.id,
        email: &email,
        locale,
        audience: audience_of(&user),
        patient_id: patient.as_ref(),
    };
    let emailed = deliver_or_undo(db, mailer, &by, invitee, &code, Undo::RevokeCode).await?;
    Ok(Invitation::new(code, user.role, now, public_url, emailed))
}

/// A new code for an invited account within the caller's transaction (a corrected email):
/// the old codes are revoked, audited `invitation.resend` by `actor`. Send it after the commit
/// with [`send_reissued`]. Errors: `Conflict` when the account is not `invited`.
pub(crate) fn reissue_in(
    c: &mut DbConn,
    user: users::User,
    actor: &UserId,
    now: NaiveDateTime,
) -> Result<Reissued> {
    reissue(c, user, Some(actor), now).map(Reissued)
}

/// A code [`reissue_in`] issued, not yet sent.
pub(crate) struct Reissued(Issued);

/// Emails a code [`reissue_in`] issued. Unlike [`resend`], nothing is taken back when the
/// server refuses: the change that asked for it is committed, and the code stays for the clinic
/// to hand over (`emailed: false`) or to resend.
pub(crate) async fn send_reissued(
    mailer: &Mailer,
    r: Reissued,
    public_url: &str,
    now: NaiveDateTime,
) -> Invitation {
    let i = r.0;
    let sent = send(
        mailer,
        &i.user.id,
        &i.email,
        i.locale,
        audience_of(&i.user),
        &i.code,
    )
    .await;
    let emailed = mailer.is_smtp() && sent.is_ok();
    Invitation::new(i.code, i.user.role, now, public_url, emailed)
}

/// One invitation the operator resent.
#[derive(Debug)]
pub struct Resent {
    pub clinic_id: ClinicId,
    pub user_id: UserId,
    /// The new one-time code, for the operator to hand over when the email did not go out.
    pub code: String,
    pub emailed: std::result::Result<(), MailError>,
}

/// The operator's resend: every account with this email (one per clinic at most) that is still
/// waiting for activation gets a new code, emailed; audited without an actor. Unlike a clinic's
/// resend, a failed email keeps the code: the operator holds it. Errors: `NotFound` when no
/// account has this email; `Conflict` when none of them is waiting for activation.
pub async fn resend_by_email(
    db: &Db,
    mailer: &Mailer,
    email: &Email,
    now: NaiveDateTime,
) -> Result<Vec<Resent>> {
    let address = email.as_str().to_owned();
    let issued = db
        .transaction(move |c| {
            let accounts = users::find_by_email(c, &address)?;
            if accounts.is_empty() {
                return Err(Error::NotFound);
            }
            let waiting: Vec<users::User> = accounts
                .into_iter()
                .filter(|u| u.status == UserStatus::Invited)
                .collect();
            if waiting.is_empty() {
                return Err(not_waiting());
            }
            waiting
                .into_iter()
                .map(|user| reissue(c, user, None, now))
                .collect::<Result<Vec<_>>>()
        })
        .await?;
    let mut resent = Vec::with_capacity(issued.len());
    for i in issued {
        let emailed = send(
            mailer,
            &i.user.id,
            &i.email,
            i.locale,
            audience_of(&i.user),
            &i.code,
        )
        .await;
        resent.push(Resent {
            clinic_id: i.user.clinic_id,
            user_id: i.user.id,
            code: i.code,
            emailed,
        });
    }
    Ok(resent)
}

/// A new code for an invited account, written with its audit entry.
struct Issued {
    user: users::User,
    email: Email,
    locale: Locale,
    code: String,
}

/// Revokes the account's outstanding invitation codes and issues a new one, audited as
/// `invitation.resend` in the account's clinic by `actor` (`None`: the operator). Errors:
/// `Conflict` when the account is not `invited`.
fn reissue(
    c: &mut DbConn,
    user: users::User,
    actor: Option<&UserId>,
    now: NaiveDateTime,
) -> Result<Issued> {
    if user.status != UserStatus::Invited {
        return Err(not_waiting());
    }
    // An address stored before the current rules may be one the mailer cannot send to.
    let email = Email::parse(&user.email).map_err(|_| Error::invalid("email", refusal::ADDRESS))?;
    let locale = mail_locale(c, &user)?;
    codes::consume_all(c, &user.id, InvitationPurpose::Invitation, now)?;
    let code = codes::create(
        c,
        &user.id,
        InvitationPurpose::Invitation,
        codes::INVITATION_TTL_HOURS,
        now,
    )?;
    let patient = patient_of(&user);
    audit::record(
        c,
        &user.clinic_id,
        actor,
        AuditAction::InvitationResend,
        patient.as_ref(),
        now,
    )?;
    Ok(Issued {
        user,
        email,
        locale,
        code,
    })
}

fn not_waiting() -> Error {
    Error::Conflict(
        "the account is not waiting for activation: only invited accounts get a new invitation"
            .into(),
    )
}

fn patient_of(user: &users::User) -> Option<PatientId> {
    (user.role == Role::Patient).then(|| user.id.as_patient())
}

fn audience_of(user: &users::User) -> Audience {
    if user.role == Role::Patient {
        Audience::Patient
    } else {
        Audience::Staff
    }
}
