//! Bodies of the patient's routes (docs/CONTRACT.md "Patient"): profile, preferences, timeline,
//! devices.

use serde::{Deserialize, Deserializer, Serialize};
use shared::care::preferences;
use shared::care::profile::{self, Booking};
use shared::care::sms::SmsConsent;
use shared::domain::{BookingId, ConsentSource, PatientId};
use shared::domain::{LocalTime, Locale, LockScreenPreview, QuietHours, TimeZone};
use shared::{Error, FieldError};

use super::prompt::{PromptView, rfc3339};
use crate::validate;

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHoursView {
    /// HH:MM local
    pub start: String,
    /// HH:MM local
    pub end: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Channels {
    pub push: bool,
    pub email: bool,
    /// The patient's own switch for texts: a text goes out only with it on, a granted
    /// `sms_consent` and a phone on file.
    pub sms: bool,
}

/// The patient's consent to text messages (the record in force).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SmsConsentView {
    /// Whether consent is in force (false once withdrawn: in the app, or by texting STOP).
    pub granted: bool,
    /// When the consent in force was given, RFC 3339 UTC; null when withdrawn.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub granted_at: Option<String>,
    /// The version of the consent wording of the latest record (`sms-2026-12`).
    pub text_version: String,
    /// Who made the latest record: the clinic (at enrolment, with the patient present) or the
    /// patient (in the app, or by a STOP/START text).
    pub source: ConsentSource,
}

impl From<SmsConsent> for SmsConsentView {
    fn from(c: SmsConsent) -> Self {
        Self {
            granted: c.granted,
            granted_at: c.granted_at.map(rfc3339),
            text_version: c.text_version,
            source: c.source,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClinicContact {
    pub name: String,
    pub contact_phone: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: PatientId,
    pub given_name: String,
    pub email: String,
    /// E.164 (`+34600111222`); null when none is on file.
    pub phone: Option<String>,
    /// null when the patient was never asked.
    pub sms_consent: Option<SmsConsentView>,
    /// IANA zone name.
    pub timezone: String,
    #[schema(value_type = Locale)]
    pub locale: String,
    /// `null` when the patient has no quiet hours.
    pub quiet_hours: Option<QuietHoursView>,
    pub channels: Channels,
    /// What a push may show on a locked screen: `private` shows a neutral text only.
    #[schema(value_type = LockScreenPreview)]
    pub lock_screen_preview: String,
    pub clinic: ClinicContact,
}

impl Me {
    pub fn new(me: profile::Me, consent: Option<SmsConsent>) -> Me {
        let profile::Me {
            profile: p,
            email,
            clinic,
        } = me;
        Me {
            id: p.user_id,
            given_name: p.given_name,
            email,
            phone: p.phone,
            sms_consent: consent.map(SmsConsentView::from),
            timezone: p.timezone.name().to_owned(),
            locale: p.locale.as_str().to_owned(),
            quiet_hours: p
                .quiet_start
                .zip(p.quiet_end)
                .map(|(start, end)| QuietHoursView { start, end }),
            channels: Channels {
                push: p.push_enabled,
                email: p.email_enabled,
                sms: p.sms_enabled,
            },
            lock_screen_preview: p.lock_screen_preview.as_str().to_owned(),
            clinic: ClinicContact {
                name: clinic.name,
                contact_phone: clinic.contact_phone,
            },
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateChannels {
    pub push: Option<bool>,
    pub email: Option<bool>,
    pub sms: Option<bool>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    /// IANA zone name.
    pub timezone: Option<String>,
    #[schema(value_type = Option<Locale>)]
    pub locale: Option<String>,
    /// `{start, end}`; `null` turns quiet hours off.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<QuietHoursView>)]
    pub quiet_hours: Option<Option<QuietHoursView>>,
    pub channels: Option<UpdateChannels>,
    #[schema(value_type = Option<LockScreenPreview>)]
    pub lock_screen_preview: Option<String>,
    /// With the country code (`+34 600 111 222`), stored in E.164; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// `true` records consent to text messages (the current consent wording's version; needs a
    /// phone on file), `false` withdraws it.
    pub sms_consent: Option<bool>,
}

impl UpdateMe {
    pub fn parse(&self) -> Result<preferences::PreferencesForm, Error> {
        let mut errors = Vec::new();
        let mut u = preferences::PreferencesForm::default();
        if let Some(tz) = &self.timezone {
            match TimeZone::parse(tz) {
                Ok(tz) => u.timezone = Some(tz),
                Err(m) => errors.push(FieldError::new("timezone", m)),
            }
        }
        if let Some(l) = &self.locale {
            match Locale::parse(l) {
                Some(l) => u.locale = Some(l),
                None => errors.push(FieldError::new("locale", "must be en or es")),
            }
        }
        match &self.quiet_hours {
            None => {}
            Some(None) => u.quiet_hours = Some(None),
            Some(Some(q)) => {
                let start = LocalTime::parse(&q.start)
                    .map_err(|m| errors.push(FieldError::new("quiet_hours.start", m)))
                    .ok();
                let end = LocalTime::parse(&q.end)
                    .map_err(|m| errors.push(FieldError::new("quiet_hours.end", m)))
                    .ok();
                if let (Some(s), Some(e)) = (start, end) {
                    match QuietHours::new(s, e) {
                        Ok(q) => u.quiet_hours = Some(Some(q)),
                        Err(m) => errors.push(FieldError::new("quiet_hours", m)),
                    }
                }
            }
        }
        if let Some(c) = &self.channels {
            u.push_enabled = c.push;
            u.email_enabled = c.email;
            u.sms_enabled = c.sms;
        }
        match &self.phone {
            None => {}
            Some(raw) => match validate::optional_e164(raw.as_deref()) {
                Ok(phone) => u.phone = Some(phone),
                Err(m) => errors.push(FieldError::new("phone", m)),
            },
        }
        if let Some(p) = &self.lock_screen_preview {
            match LockScreenPreview::parse(p) {
                Some(p) => u.lock_screen_preview = Some(p),
                None => errors.push(FieldError::new(
                    "lock_screen_preview",
                    "must be private or full",
                )),
            }
        }
        if errors.is_empty() {
            Ok(u)
        } else {
            Err(Error::Validation(errors))
        }
    }
}

/// Tells an explicit `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NextSessionView {
    pub id: BookingId,
    /// RFC 3339 UTC.
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Timeline {
    pub prompts: Vec<PromptView>,
    /// `null` when nothing is booked.
    pub next_session: Option<NextSessionView>,
}

impl NextSessionView {
    pub fn new(b: Booking) -> Self {
        Self {
            id: b.id,
            starts_at: rfc3339(b.starts_at),
        }
    }
}
