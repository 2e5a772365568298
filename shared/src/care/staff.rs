//! The clinic's staff as an admin manages them: the list, and deactivation. (Inviting is
//! [`super::invitations::invite_staff`]; the audit log is [`super::clinic::audit_log`].)

use chrono::NaiveDateTime;

use super::StaffActor;
use crate::db::{Db, audit, invitations, sessions, users};
use crate::domain::AuditAction;
use crate::domain::{InvitationPurpose, Locale, UserId, UserStatus};
use crate::error::{Error, Result};

pub use crate::db::users::User;

/// The actor's clinic's staff accounts (admins and clinicians, any status), by name.
pub async fn list(db: &Db, actor: &StaffActor) -> Result<Vec<User>> {
    let clinic_id = actor.clinic_id.clone();
    db.run(move |c| users::staff_of(c, &clinic_id)).await
}

/// Stores the console language the actor chose for themself (`None`: follow the browser's
/// `Accept-Language`). Not audited: a display preference, not access to health data.
pub async fn set_own_locale(db: &Db, actor: &StaffActor, locale: Option<Locale>) -> Result<()> {
    let id = actor.user_id.clone();
    db.run(move |c| users::set_locale(c, &id, locale, crate::time::now()))
        .await
}

/// Deactivates a staff account of the actor's clinic: it can no longer sign in, every session
/// it holds (API tokens' refresh families and console sessions) is revoked, and an unused
/// invitation is withdrawn. Idempotent on an account already disabled. Audited as
/// `staff.deactivate`. Errors: `NotFound` for an unknown id, another clinic's account or a
/// patient; `Conflict` for the actor's own account (an admin cannot lock the clinic out by
/// disabling themself, so the clinic always keeps one admin).
pub async fn deactivate(
    db: &Db,
    actor: &StaffActor,
    user_id: &UserId,
    now: NaiveDateTime,
) -> Result<()> {
    let (actor, id) = (actor.clone(), user_id.clone());
    db.transaction(move |c| {
        let user = users::find_in_clinic(c, &actor.clinic_id, &id)?;
        if !user.role.is_staff() {
            return Err(Error::NotFound);
        }
        if user.id == actor.user_id {
            return Err(Error::Conflict(
                "you cannot deactivate your own account".into(),
            ));
        }
        if user.status != UserStatus::Disabled {
            users::set_status(c, &id, UserStatus::Disabled, now)?;
        }
        sessions::revoke_all_for_user(c, &id, sessions::reason::DEACTIVATED, now)?;
        invitations::consume_all(c, &id, InvitationPurpose::Invitation, now)?;
        audit::record(
            c,
            &actor.clinic_id,
            Some(&actor.user_id),
            AuditAction::StaffDeactivate,
            None,
            now,
        )
    })
    .await
}
