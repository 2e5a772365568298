//! Staff correcting a patient's contact details and names (docs/CONTRACT.md
//! `PATCH /v1/clinic/patients/{id}`, the console's "Edit details" page): one audited
//! transaction. A corrected email of a patient who has not activated the app yet gets a new
//! invitation (the code sent to the wrong address stops working), emailed after the commit.

use chrono::NaiveDateTime;

use super::StaffActor;
use super::invitations::{Invitation, reissue_in, send_reissued};
use crate::db::patients::{self, DetailsUpdate, PatientProfile};
use crate::db::{Db, audit, users};
use crate::domain::{AuditAction, Email, InvitationPurpose, PatientId, UserStatus};
use crate::error::{Error, Result};
use crate::mail::Mailer;

/// What to change; `None` leaves a field as it is. `phone` and `family_name` may be cleared
/// (`Some(None)`); the email and the given name cannot.
#[derive(Debug, Clone, Default)]
pub struct DetailsForm {
    pub email: Option<Email>,
    pub phone: Option<Option<String>>,
    pub given_name: Option<String>,
    pub family_name: Option<Option<String>>,
}

/// A field staff can correct, as the audit log names its change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailField {
    Email,
    Phone,
    GivenName,
    FamilyName,
}

impl DetailField {
    pub fn as_str(self) -> &'static str {
        match self {
            DetailField::Email => "email",
            DetailField::Phone => "phone",
            DetailField::GivenName => "given_name",
            DetailField::FamilyName => "family_name",
        }
    }

    fn audit(self) -> AuditAction {
        match self {
            DetailField::Email => AuditAction::PatientEmailUpdate,
            DetailField::Phone => AuditAction::PatientPhoneUpdate,
            DetailField::GivenName => AuditAction::PatientGivenNameUpdate,
            DetailField::FamilyName => AuditAction::PatientFamilyNameUpdate,
        }
    }
}

/// The patient after the correction.
#[derive(Debug, Clone)]
pub struct Corrected {
    pub profile: PatientProfile,
    pub email: String,
    /// `invited` or `active` (`discharged` when discharged).
    pub status: String,
    /// The fields whose value changed (empty when the form changed nothing).
    pub changed: Vec<DetailField>,
    /// The new invitation, when a waiting patient's email changed.
    pub invitation: Option<Invitation>,
}

/// Corrects the actor's clinic's patient. Each changed field is audited as its own entry
/// (`patient.email_update`, …; never the values); a form that changes nothing is audited as a
/// read. Errors: `NotFound` for another clinic's patient or an unknown id; `Conflict` when the
/// email belongs to another account of the clinic, or when the patient's data was erased
/// (an erased record is never filled in again).
pub async fn correct(
    db: &Db,
    mailer: &Mailer,
    actor: &StaffActor,
    patient_id: &PatientId,
    form: DetailsForm,
    public_url: &str,
    now: NaiveDateTime,
) -> Result<Corrected> {
    let (actor, id) = (actor.clone(), patient_id.clone());
    let (mut corrected, reissued) = db
        .transaction(move |c| {
            let current = patients::lock_patient(c, &id, Some(&actor.clinic_id)).map_err(|e| {
                match e {
                    // Erased profiles are not lockable; tell them apart from unknown ids.
                    Error::NotFound => erased_or_unknown(c, &actor, &id),
                    other => other,
                }
            })?;
            let user = users::find(c, &id.as_user())?;
            let next = DetailsUpdate {
                email: form
                    .email
                    .map_or_else(|| user.email.clone(), |e| e.as_str().to_owned()),
                phone: form.phone.unwrap_or_else(|| current.phone.clone()),
                given_name: form
                    .given_name
                    .unwrap_or_else(|| current.given_name.clone()),
                family_name: form
                    .family_name
                    .unwrap_or_else(|| current.family_name.clone()),
            };
            let changed: Vec<DetailField> = [
                (DetailField::Email, next.email != user.email),
                (DetailField::Phone, next.phone != current.phone),
                (
                    DetailField::GivenName,
                    next.given_name != current.given_name,
                ),
                (
                    DetailField::FamilyName,
                    next.family_name != current.family_name,
                ),
            ]
            .into_iter()
            .filter_map(|(f, differs)| differs.then_some(f))
            .collect();
            if changed.contains(&DetailField::Email)
                && users::find_by_email_in_clinic(c, &actor.clinic_id, &next.email)?
                    .is_some_and(|other| other.id != user.id)
            {
                return Err(duplicate_email());
            }
            if changed.is_empty() {
                audit::record(
                    c,
                    &actor.clinic_id,
                    Some(&actor.user_id),
                    AuditAction::PatientRead,
                    Some(&id),
                    now,
                )?;
            } else {
                patients::update_details(c, &id, &next, now)?;
            }
            for f in &changed {
                audit::record(
                    c,
                    &actor.clinic_id,
                    Some(&actor.user_id),
                    f.audit(),
                    Some(&id),
                    now,
                )?;
            }
            let waiting = user.status == UserStatus::Invited;
            let status = if current.discharged_at.is_some() {
                "discharged".to_owned()
            } else {
                user.status.to_string()
            };
            let user = users::find(c, &user.id)?;
            if changed.contains(&DetailField::Email) {
                // A reset or sign-in code sent to the old (perhaps mistyped) address must not
                // outlive it.
                crate::db::invitations::consume_all(
                    c,
                    &user.id,
                    InvitationPurpose::PasswordReset,
                    now,
                )?;
                crate::db::sign_in_codes::revoke_unused(c, &user.id, now)?;
            }
            let reissued = if waiting && changed.contains(&DetailField::Email) {
                Some(reissue_in(c, user.clone(), &actor.user_id, now)?)
            } else {
                None
            };
            let corrected = Corrected {
                profile: patients::find(c, &id)?,
                email: user.email,
                status,
                changed,
                invitation: None,
            };
            Ok((corrected, reissued))
        })
        .await
        .map_err(|e| {
            if e.is_unique_violation() {
                duplicate_email()
            } else {
                e
            }
        })?;
    tracing::info!(
        patient_id = %patient_id,
        fields = ?corrected.changed.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        "patient details corrected"
    );
    if let Some(r) = reissued {
        corrected.invitation = Some(send_reissued(mailer, r, public_url, now).await);
    }
    Ok(corrected)
}

fn duplicate_email() -> Error {
    Error::Conflict("another account of this clinic already has this email".into())
}

/// Why a patient could not be locked: erased (`Conflict`) or not this clinic's (`NotFound`).
fn erased_or_unknown(c: &mut crate::db::DbConn, actor: &StaffActor, id: &PatientId) -> Error {
    match patients::find_in_clinic(c, &actor.clinic_id, id) {
        Ok(p) if p.erased_at.is_some() => {
            Error::Conflict("this patient's personal data was erased: it cannot be changed".into())
        }
        Ok(_) | Err(Error::NotFound) => Error::NotFound,
        Err(e) => e,
    }
}
