//! Bodies of the clinic's routes (docs/CONTRACT.md "Clinic"): the clinic, staff, enrolment, the
//! roster and the audit log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::Error;
use shared::care::invitations::{Enrolment, StaffInvitation};
use shared::domain::{AuditAction, Email, Locale, Role, TimeZone, UserStatus};
use shared::domain::{ClinicId, PatientId, UserId};

use super::record::PatientSummaryView;
use crate::validate::{self, Fields};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EnrolPatient {
    pub email: String,
    pub given_name: String,
    #[serde(default)]
    pub family_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// IANA time zone, e.g. `Europe/Madrid`.
    pub timezone: String,
    #[schema(value_type = Locale)]
    pub locale: String,
    /// The patient's answer to the consent wording, read to them at enrolment; `granted: true`
    /// needs `phone`.
    #[serde(default)]
    pub sms_consent: Option<super::invitation::ConsentGrant>,
}

/// A newly invited account, and what became of its invitation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: String,
    /// Always `invited`.
    pub status: UserStatus,
    pub invitation: super::invitation::InvitationView,
}

/// Longest given or family name, in characters.
pub const NAME_MAX: usize = 100;

impl EnrolPatient {
    /// Every invalid field is reported at once (422).
    pub fn parse(self) -> Result<Enrolment, Error> {
        let mut f = Fields::default();
        let email = f.check("email", Email::parse(&self.email));
        let given = f.check("given_name", validate::text(&self.given_name, NAME_MAX));
        let family = f.check(
            "family_name",
            validate::optional_text(self.family_name.as_deref(), NAME_MAX),
        );
        let phone = f.check("phone", validate::optional_e164(self.phone.as_deref()));
        if let Some(consent) = &self.sms_consent {
            consent.check(&mut f, phone.as_ref().map(Option::is_some));
        }
        let tz = f.check("timezone", TimeZone::parse(&self.timezone));
        let locale = f.check(
            "locale",
            Locale::parse(self.locale.trim()).ok_or_else(|| "must be en or es".to_owned()),
        );
        f.finish()?;
        match (email, given, family, phone, tz, locale) {
            (
                Some(email),
                Some(given_name),
                Some(family_name),
                Some(phone),
                Some(timezone),
                Some(locale),
            ) => Ok(Enrolment {
                email,
                given_name,
                family_name,
                phone,
                timezone,
                locale,
            }),
            _ => Err(Error::invalid("body", "is invalid")),
        }
    }
}

/// The statuses the roster can be filtered by: a [`super::record::PatientStatus`] but `disabled` (a patient
/// account is never disabled; staff accounts are).
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // Describes the filter's values in the document; the query takes text.
pub enum PatientStatusFilter {
    Invited,
    Active,
    Discharged,
    Erased,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// Only patients in this status; all when absent.
    #[param(value_type = Option<PatientStatusFilter>, inline)]
    pub status: Option<String>,
    /// Part of a name or email.
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "crate::pagination::limit_param")]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PatientPage {
    pub items: Vec<PatientSummaryView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClinicView {
    pub id: ClinicId,
    pub name: String,
    pub timezone: String,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct InviteStaff {
    pub email: String,
    pub name: String,
    #[schema(value_type = StaffRole)]
    pub role: String,
}

/// The roles staff can be invited to: the staff ones of `shared::domain::Role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    ClinicAdmin,
    Clinician,
}

impl InviteStaff {
    /// Every invalid field is reported at once (422).
    pub fn parse(self) -> Result<StaffInvitation, Error> {
        let mut f = Fields::default();
        let email = f.check("email", Email::parse(&self.email));
        let name = f.check("name", validate::text(&self.name, 200));
        let role = f.check(
            "role",
            Role::parse(self.role.trim())
                .filter(|r| r.is_staff())
                .ok_or_else(|| "must be clinic_admin or clinician".to_owned()),
        );
        f.finish()?;
        match (email, name, role) {
            (Some(email), Some(name), Some(role)) => Ok(StaffInvitation { email, name, role }),
            _ => Err(Error::invalid("body", "is invalid")),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditParams {
    /// Only entries about this patient.
    pub patient_id: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "crate::pagination::limit_param")]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditItem {
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    #[schema(value_type = AuditAction)]
    pub action: String,
    /// The patient the entry is about. A list view (`patient.list`, `escalation.list`) is one
    /// entry naming every patient it showed in `patient_ids`; read with `?patient_id=`, such an
    /// entry carries that patient here too.
    pub patient_id: Option<PatientId>,
    /// The patients a list view showed, in the order shown; empty for every other entry.
    pub patient_ids: Vec<PatientId>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditItem>,
    pub next_cursor: Option<String>,
}
