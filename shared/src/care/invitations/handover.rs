//! The clinic handing an invitation over in person: the console's invitation page and printable
//! sheet read the patient (audited as any read of a patient) and show a code only when it is
//! still this patient's usable invitation code.
//!
//! Codes are stored hashed, so the database cannot give one back: the console keeps the code it
//! was just given in the staff member's own browser and asks here whether it is still good.
//! A stale code (used, expired, replaced) or another patient's is never shown.

use chrono::NaiveDateTime;

use super::{Invitation, link};
use crate::care::StaffActor;
use crate::db::invitations as codes;
use crate::db::{Db, audit, patients, users};
use crate::domain::{AuditAction, InvitationPurpose, PatientId, Role, UserStatus};
use crate::error::Result;

/// A patient's invitation as the front desk hands it over.
#[derive(Debug, Clone)]
pub struct Handover {
    pub patient_id: PatientId,
    pub given_name: String,
    pub family_name: Option<String>,
    pub email: String,
    /// The patient's language (the printed sheet is in it).
    pub locale: crate::domain::Locale,
    /// Still waiting for activation (invited, not erased): a new code can be made.
    pub waiting: bool,
    /// The patient's personal data was erased.
    pub erased: bool,
    /// The code the console holds, when it is still this patient's usable code.
    pub invitation: Option<Invitation>,
}

/// The code a console holds for a patient, and whether an SMTP server accepted its email.
#[derive(Clone)]
pub struct HeldCode {
    pub code: String,
    pub emailed: bool,
}

/// Reads the actor's clinic's patient for the invitation page, audited `patient.read`; `held`
/// is the code the console holds for them, returned only while it is this patient's usable
/// invitation code (`public_url` for its link). Errors: `NotFound` for another clinic's patient
/// or an unknown id.
pub async fn handover(
    db: &Db,
    actor: &StaffActor,
    patient_id: &PatientId,
    held: Option<HeldCode>,
    public_url: &str,
    now: NaiveDateTime,
) -> Result<Handover> {
    let (actor, id, public_url) = (actor.clone(), patient_id.clone(), public_url.to_owned());
    db.transaction(move |c| {
        let profile = patients::find_in_clinic(c, &actor.clinic_id, &id)?;
        let user = users::find(c, &id.as_user())?;
        audit::record(
            c,
            &actor.clinic_id,
            Some(&actor.user_id),
            AuditAction::PatientRead,
            Some(&id),
            now,
        )?;
        let waiting = user.status == UserStatus::Invited && profile.erased_at.is_none();
        let invitation = match held.filter(|_| waiting) {
            None => None,
            Some(h) => codes::find_usable(c, &h.code, InvitationPurpose::Invitation, now)?
                .filter(|i| i.user_id == user.id)
                .map(|i| Invitation {
                    link: link(&public_url, Role::Patient, &h.code),
                    expires_at: i.expires_at,
                    code: h.code,
                    emailed: h.emailed,
                    texted: false,
                }),
        };
        Ok(Handover {
            patient_id: id,
            given_name: profile.given_name,
            family_name: profile.family_name,
            email: user.email,
            locale: profile.locale,
            waiting,
            erased: profile.erased_at.is_some(),
            invitation,
        })
    })
    .await
}
