//! Invited accounts: a clinic admin invites staff, staff enrol a patient, an operator creates a
//! clinic with its first admin. Each writes the account (and the patient's profile) with a
//! one-time invitation code in one transaction, then emails the code.
//!
//! Each returns what actually happened ([`Invitation`]): the code, its expiry, the link, and
//! whether an SMTP server accepted the email. With no SMTP server configured the enrolment
//! stands and the clinic hands the code over. With SMTP configured, an invitation the server
//! did not accept is taken back: nobody could ever activate the account, and its email would
//! block a retry with 409. The undo is audited and the caller gets `Unavailable` (503) to retry
//! when a retry may work, or `Validation` (422 on `email`) when the refusal is permanent
//! (`delivery::undeliverable`).

use chrono::NaiveDateTime;

use super::StaffActor;
use crate::db::invitations as codes;
use crate::db::patients::{self, PatientProfile};
use crate::db::{Db, DbConn, audit, clinics, users};
use crate::domain::AuditAction;
use crate::domain::{ClinicId, PatientId, UserId};
use crate::domain::{Email, InvitationPurpose, Locale, Role, TimeZone, UserStatus};
use crate::error::{Error, Result};
use crate::mail::account::Audience;
use crate::mail::{MailError, Mailer};

mod delivery;
mod handover;
mod resend;

pub use delivery::send;
use delivery::{Invitee, deliver_new_account};
pub use handover::{Handover, HeldCode, handover};
pub use resend::{Resent, Whose, resend, resend_by_email};
pub(crate) use resend::{reissue_in, send_reissued};

/// What became of an invitation: the one-time code (for the clinic to hand over when no message
/// reached the person), when it expires, the link that opens it, and what was sent. `Debug`
/// leaves the code out: it is a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Invitation {
    pub code: String,
    pub expires_at: NaiveDateTime,
    /// A patient's: `<AFTERCARE_PUBLIC_URL>/app/invitation?code=<code>` (the patient web app);
    /// a staff member's: the console's invitation page (the code is typed there).
    pub link: String,
    /// An SMTP server accepted the email. `false` when email is not set up.
    pub emailed: bool,
    /// A text message was sent (never yet: SMS comes with its own issue).
    pub texted: bool,
}

impl std::fmt::Debug for Invitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invitation")
            .field("code", &"<secret>")
            .field("expires_at", &self.expires_at)
            .field("emailed", &self.emailed)
            .field("texted", &self.texted)
            .finish_non_exhaustive()
    }
}

impl Invitation {
    fn new(
        code: String,
        role: Role,
        issued_at: NaiveDateTime,
        public_url: &str,
        emailed: bool,
    ) -> Self {
        Self {
            link: link(public_url, role, &code),
            expires_at: expiry(issued_at),
            code,
            emailed,
            texted: false,
        }
    }
}

/// When a code issued at `issued_at` stops working.
pub fn expiry(issued_at: NaiveDateTime) -> NaiveDateTime {
    issued_at + chrono::Duration::hours(codes::INVITATION_TTL_HOURS)
}

/// The link an invitation opens: the patient web app's invitation page with the code (a later
/// issue serves `/app/`), or the console's invitation page for staff, who type the code.
pub fn link(public_url: &str, role: Role, code: &str) -> String {
    let base = public_url.trim_end_matches('/');
    if role == Role::Patient {
        format!("{base}/app/invitation?code={code}")
    } else {
        format!("{base}/console/invitation")
    }
}

/// How long a one-time invitation code stays valid, in hours.
pub use crate::db::invitations::INVITATION_TTL_HOURS;

/// A patient to enrol (docs/CONTRACT.md `POST /v1/clinic/patients`), parsed.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub email: Email,
    pub given_name: String,
    pub family_name: Option<String>,
    pub phone: Option<String>,
    pub timezone: TimeZone,
    pub locale: Locale,
}

/// A staff member to invite (docs/CONTRACT.md `POST /v1/clinic/staff`), parsed; `role` is a staff
/// role.
#[derive(Debug, Clone)]
pub struct StaffInvitation {
    pub email: Email,
    pub name: String,
    pub role: Role,
}

/// Enrols a patient in the actor's clinic and emails the invitation (in the patient's
/// language) when email is set up. Returns the new patient's id and what became of the
/// invitation; `public_url` is `AFTERCARE_PUBLIC_URL`, for the link. Errors: `Conflict` when
/// the email is already used in this clinic; `Unavailable` (a retry may work) or `Validation`
/// on `email` (a permanent refusal) when a configured SMTP server did not accept the email
/// (the enrolment is undone).
pub async fn enrol_patient(
    db: &Db,
    mailer: &Mailer,
    actor: &StaffActor,
    p: Enrolment,
    public_url: &str,
    now: NaiveDateTime,
) -> Result<(PatientId, Invitation)> {
    let user = invited_user(
        &actor.clinic_id,
        &p.email,
        match &p.family_name {
            Some(fam) => format!("{} {fam}", p.given_name),
            None => p.given_name.clone(),
        },
        Role::Patient,
        now,
    );
    let id = user.id.as_patient();
    let profile = PatientProfile {
        family_name: p.family_name,
        phone: p.phone,
        ..PatientProfile::with_defaults(
            &id,
            &actor.clinic_id,
            &p.given_name,
            p.timezone,
            p.locale,
            now,
        )
    };
    let user_id = user.id.clone();
    let code = create_invited(db, actor, user, Some(profile), AuditAction::PatientEnrol).await?;
    let invitee = Invitee {
        user_id: &user_id,
        email: &p.email,
        locale: p.locale,
        audience: Audience::Patient,
        patient_id: Some(&id),
    };
    let emailed = deliver_new_account(db, mailer, actor, invitee, &code).await?;
    Ok((
        id,
        Invitation::new(code, Role::Patient, now, public_url, emailed),
    ))
}

/// Invites a staff member to the actor's clinic (emails in English). Returns the new user's id
/// and what became of the invitation. Errors as for [`enrol_patient`].
pub async fn invite_staff(
    db: &Db,
    mailer: &Mailer,
    actor: &StaffActor,
    s: StaffInvitation,
    public_url: &str,
    now: NaiveDateTime,
) -> Result<(UserId, Invitation)> {
    let role = s.role;
    let user = invited_user(&actor.clinic_id, &s.email, s.name, s.role, now);
    let id = user.id.clone();
    let code = create_invited(db, actor, user, None, AuditAction::StaffInvite).await?;
    let invitee = Invitee {
        user_id: &id,
        email: &s.email,
        locale: Locale::En,
        audience: Audience::Staff,
        patient_id: None,
    };
    let emailed = deliver_new_account(db, mailer, actor, invitee, &code).await?;
    Ok((id, Invitation::new(code, role, now, public_url, emailed)))
}

/// A new clinic (the operator's `api clinic create`), parsed.
#[derive(Debug, Clone)]
pub struct ClinicForm {
    pub name: String,
    pub timezone: TimeZone,
    pub contact_phone: Option<String>,
    pub admin_email: Email,
    pub admin_name: String,
}

/// What creating a clinic produced. The code is for the operator to hand over when the email
/// could not be sent (`emailed` says what happened).
#[derive(Debug)]
pub struct ClinicCreated {
    pub clinic_id: ClinicId,
    pub admin_id: UserId,
    /// The admin's one-time invitation code (valid [`codes::INVITATION_TTL_HOURS`]).
    pub code: String,
    pub emailed: std::result::Result<(), MailError>,
}

/// Creates a clinic and its invited first admin in one transaction and emails the admin's code.
/// Unlike a staff invitation, a failed email keeps the clinic: the operator holds the code.
/// Errors: `Conflict` when a clinic of that name exists (a second run of the same command is
/// far likelier than two clinics sharing a name).
pub async fn create_clinic(
    db: &Db,
    mailer: &Mailer,
    c: ClinicForm,
    now: NaiveDateTime,
) -> Result<ClinicCreated> {
    let clinic = clinics::Clinic {
        id: ClinicId::new(),
        name: c.name,
        timezone: c.timezone,
        contact_phone: c.contact_phone,
        contact_email: None,
        created_at: now,
        updated_at: now,
    };
    let admin = invited_user(
        &clinic.id,
        &c.admin_email,
        c.admin_name,
        Role::ClinicAdmin,
        now,
    );
    let (clinic_id, admin_id) = (clinic.id.clone(), admin.id.clone());
    let code = db
        .transaction(move |conn| {
            if clinics::find_by_name(conn, &clinic.name)?.is_some() {
                return Err(Error::Conflict(format!(
                    "a clinic named {:?} already exists",
                    clinic.name
                )));
            }
            clinics::insert(conn, &clinic)?;
            users::insert(conn, &admin)?;
            codes::create(
                conn,
                &admin.id,
                InvitationPurpose::Invitation,
                codes::INVITATION_TTL_HOURS,
                now,
            )
        })
        .await?;
    let emailed = send(
        mailer,
        &admin_id,
        &c.admin_email,
        Locale::En,
        Audience::Staff,
        &code,
    )
    .await;
    Ok(ClinicCreated {
        clinic_id,
        admin_id,
        code,
        emailed,
    })
}

/// The language of a user's account emails: a patient's profile locale; staff get English.
/// Errors: `Internal` for a patient whose stored locale is corrupt.
pub fn mail_locale(conn: &mut DbConn, user: &users::User) -> Result<Locale> {
    if user.role != Role::Patient {
        return Ok(Locale::En);
    }
    match patients::find(conn, &user.id.as_patient()) {
        Ok(p) => patients::Preferences::of(&p).map(|prefs| prefs.locale),
        Err(Error::NotFound) => Ok(Locale::En),
        Err(e) => Err(e),
    }
}

fn invited_user(
    clinic_id: &ClinicId,
    email: &Email,
    name: String,
    role: Role,
    now: NaiveDateTime,
) -> users::User {
    users::User {
        id: UserId::new(),
        clinic_id: clinic_id.clone(),
        email: email.as_str().to_owned(),
        name,
        role,
        status: UserStatus::Invited,
        password_hash: None,
        created_at: now,
        updated_at: now,
    }
}

fn duplicate_email() -> Error {
    Error::Conflict("an account with this email already exists in this clinic".into())
}

/// Writes the invited account, its profile and audit entry, and its code, in one transaction;
/// returns the code. A concurrent duplicate that slips past the clinic-scoped check is caught
/// by the unique index: both are `Conflict`.
async fn create_invited(
    db: &Db,
    actor: &StaffActor,
    user: users::User,
    profile: Option<PatientProfile>,
    action: AuditAction,
) -> Result<String> {
    let actor = actor.clone();
    db.transaction(move |c| {
        if users::find_by_email_in_clinic(c, &user.clinic_id, &user.email)?.is_some() {
            return Err(duplicate_email());
        }
        users::insert(c, &user)?;
        if let Some(profile) = &profile {
            patients::insert(c, profile)?;
        }
        let patient = profile.as_ref().map(|p| &p.user_id);
        audit::record(
            c,
            &actor.clinic_id,
            Some(&actor.user_id),
            action,
            patient,
            user.created_at,
        )?;
        codes::create(
            c,
            &user.id,
            InvitationPurpose::Invitation,
            codes::INVITATION_TTL_HOURS,
            user.created_at,
        )
    })
    .await
    .map_err(|e| {
        if e.is_unique_violation() {
            duplicate_email()
        } else {
            e
        }
    })
}
