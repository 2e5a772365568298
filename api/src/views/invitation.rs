//! What an invitation became, and correcting a patient's details (docs/CONTRACT.md "v1
//! additions": `invitation` in the 201 of `POST /v1/clinic/patients` and the 202 of
//! `POST /v1/clinic/patients/{id}/invitation`; `PATCH /v1/clinic/patients/{id}`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use shared::Error;
use shared::care::invitations::Invitation;
use shared::care::patient_details::{Corrected, DetailsForm};
use shared::care::sms::SmsConsent;
use shared::domain::{CONSENT_TEXT_VERSION, Email, Locale, PatientId};
use shared::time::to_utc;

use super::clinic::NAME_MAX;
use super::patient::SmsConsentView;
use super::record::PatientStatus;
use crate::validate::{self, Fields};

/// The invitation just issued: the one-time code for the front desk to hand over when no message
/// reached the person, and what was sent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvitationView {
    /// The one-time code (`ABCD-EFGH-JKMN-PQRS`); case, spaces and dashes do not matter when it
    /// is typed.
    pub code: String,
    pub expires_at: DateTime<Utc>,
    /// Opens the invitation in the patient web app (`/app/invitation?code=…`); for staff, the
    /// console's invitation page.
    pub link: String,
    /// An SMTP server accepted the email. `false` when email is not set up: hand the code over.
    pub emailed: bool,
    /// A text message with the code was sent (SMS set up, a phone on file and the patient's
    /// consent in force).
    pub texted: bool,
}

impl From<Invitation> for InvitationView {
    fn from(i: Invitation) -> Self {
        Self {
            expires_at: to_utc(i.expires_at),
            code: i.code,
            link: i.link,
            emailed: i.emailed,
            texted: i.texted,
        }
    }
}

/// The 202 of a resent invitation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationSent {
    pub invitation: InvitationView,
}

/// `PATCH /v1/clinic/patients/{id}`: any of the fields; an absent field stays as it is, `null`
/// (or an empty string) clears `phone` or `family_name`. Any other field is a 422.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectPatient {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// E.164 preferred (`+34600111222`); `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub given_name: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub family_name: Option<Option<String>>,
    /// Records the patient's consent to texts (or its withdrawal), given with the patient
    /// present; `granted: true` needs a valid phone on file (or in this request).
    #[serde(default)]
    pub sms_consent: Option<ConsentGrant>,
}

/// The patient's answer to the consent wording, as the clinic records it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentGrant {
    pub granted: bool,
    /// The version of the wording the patient was read: must be the current one
    /// (`shared::domain::CONSENT_TEXT_VERSION`).
    pub text_version: String,
}

impl ConsentGrant {
    /// Adds this grant's errors to `f`: a text version other than the current one, and a grant
    /// without a phone when `has_phone` says there is none (`None`: not known here).
    pub fn check(&self, f: &mut Fields, has_phone: Option<bool>) {
        if self.text_version.trim() != CONSENT_TEXT_VERSION {
            f.check::<()>(
                "sms_consent.text_version",
                Err(format!(
                    "must be the current consent wording, {CONSENT_TEXT_VERSION}"
                )),
            );
        }
        if self.granted && has_phone == Some(false) {
            f.check::<()>("sms_consent", Err(NO_PHONE.to_owned()));
        }
    }
}

/// The 422 message of a consent granted without a phone to text.
pub const NO_PHONE: &str =
    "needs a mobile number on file, written with the country code (+34 600 111 222)";

/// A field that is present (`Some`), with its value or `null` (`Some(None)`); absent fields get
/// the `default` (`None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl CorrectPatient {
    /// Every invalid field is reported at once (422).
    pub fn parse(self) -> Result<DetailsForm, Error> {
        let mut f = Fields::default();
        let required = |v: Option<String>| v.ok_or_else(|| "cannot be removed".to_owned());
        let email = self
            .email
            .map(|v| f.check("email", required(v).and_then(|s| Email::parse(&s))));
        let given_name = self.given_name.map(|v| {
            f.check(
                "given_name",
                required(v).and_then(|s| validate::text(&s, NAME_MAX)),
            )
        });
        let family_name = self.family_name.map(|v| {
            f.check(
                "family_name",
                validate::optional_text(v.as_deref(), NAME_MAX),
            )
        });
        let phone = self
            .phone
            .map(|v| f.check("phone", validate::optional_e164(v.as_deref())));
        if let Some(consent) = &self.sms_consent {
            // A phone in the request decides; else the one on file, checked after.
            let has_phone = phone.as_ref().and_then(|p| p.as_ref().map(Option::is_some));
            consent.check(&mut f, has_phone);
        }
        f.finish()?;
        let bad = || Error::invalid("body", "is invalid");
        Ok(DetailsForm {
            email: email.map(|e| e.ok_or_else(bad)).transpose()?,
            phone: phone.map(|p| p.ok_or_else(bad)).transpose()?,
            given_name: given_name.map(|g| g.ok_or_else(bad)).transpose()?,
            family_name: family_name.map(|g| g.ok_or_else(bad)).transpose()?,
        })
    }
}

/// A field a correction can change (`shared::care::patient_details`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangedField {
    Email,
    Phone,
    GivenName,
    FamilyName,
    SmsConsent,
}

/// A patient's profile after a correction.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PatientDetailsView {
    pub id: PatientId,
    pub email: String,
    pub given_name: String,
    pub family_name: Option<String>,
    pub phone: Option<String>,
    /// IANA zone name.
    pub timezone: String,
    #[schema(value_type = Locale)]
    pub locale: String,
    #[schema(value_type = PatientStatus)]
    pub status: String,
    /// The consent to texts in force; null when the patient was never asked.
    pub sms_consent: Option<SmsConsentView>,
    /// The fields this request changed.
    #[schema(value_type = Vec<ChangedField>)]
    pub changed: Vec<String>,
    /// The new invitation, when the email of a patient who has not activated the app changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation: Option<InvitationView>,
}

impl PatientDetailsView {
    /// The corrected profile with the consent in force (`consent_recorded`: this request
    /// recorded it, so `changed` names `sms_consent`).
    pub fn new(c: Corrected, consent: Option<SmsConsent>, consent_recorded: bool) -> Self {
        let mut view = Self::from(c);
        view.sms_consent = consent.map(SmsConsentView::from);
        if consent_recorded {
            view.changed.push("sms_consent".to_owned());
        }
        view
    }
}

impl From<Corrected> for PatientDetailsView {
    fn from(c: Corrected) -> Self {
        let p = c.profile;
        Self {
            id: p.user_id,
            email: c.email,
            given_name: p.given_name,
            family_name: p.family_name,
            phone: p.phone,
            timezone: p.timezone.name().to_owned(),
            locale: p.locale.to_string(),
            status: c.status,
            sms_consent: None,
            changed: c.changed.iter().map(|f| f.as_str().to_owned()).collect(),
            invitation: c.invitation.map(InvitationView::from),
        }
    }
}
