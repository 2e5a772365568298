//! Bodies of the patient's routes (docs/CONTRACT.md "Patient"): profile, preferences, timeline,
//! devices.

use serde::{Deserialize, Deserializer, Serialize};
use shared::care::devices::{Device, DeviceForm};
use shared::care::preferences;
use shared::care::profile::{self, Booking};
use shared::domain::{ApnsEnvironment, PushProvider};
use shared::domain::{BookingId, DeviceId, PatientId};
use shared::domain::{LocalTime, Locale, LockScreenPreview, Platform, QuietHours, TimeZone};
use shared::{Error, FieldError};

use super::prompt::{PromptView, rfc3339};
use crate::validate;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RegisterDevice {
    #[schema(value_type = Platform)]
    pub platform: String,
    /// The FCM registration token (32–4096 characters of `A-Za-z0-9_-:.`) or the APNs device
    /// token (64–200 hexadecimal digits), depending on `provider`.
    pub token: String,
    pub app_version: Option<String>,
    /// The service the token belongs to (Flutter and React Native apps register FCM tokens on
    /// iOS). Default: `fcm` on android, `apns` on ios.
    #[schema(value_type = Option<PushProvider>)]
    pub provider: Option<String>,
    /// `sandbox` for builds installed from Xcode; APNs devices only. Default: `production`.
    #[schema(value_type = Option<ApnsEnvironment>)]
    pub apns_environment: Option<String>,
}

impl RegisterDevice {
    pub fn parse(self) -> Result<DeviceForm, Error> {
        let mut errors = Vec::new();
        let platform = Platform::parse(self.platform.trim());
        if platform.is_none() {
            errors.push(FieldError::new("platform", "must be ios or android"));
        }
        let app_version = validate::optional_text(self.app_version.as_deref(), 64)
            .map_err(|m| errors.push(FieldError::new("app_version", m)))
            .unwrap_or_default();
        let provider = match self.provider.as_deref().map(str::trim) {
            None => platform.map(PushProvider::default_for),
            Some(p) => {
                let parsed = PushProvider::parse(p);
                if parsed.is_none() {
                    errors.push(FieldError::new("provider", "must be fcm or apns"));
                }
                parsed
            }
        };
        let token = validate::push_token(&self.token, provider)
            .map_err(|m| errors.push(FieldError::new("token", m)))
            .unwrap_or_default();
        if platform == Some(Platform::Android) && provider == Some(PushProvider::Apns) {
            errors.push(FieldError::new(
                "provider",
                "APNs cannot reach an android device",
            ));
        }
        let apns_environment = match self.apns_environment.as_deref().map(str::trim) {
            None => (provider == Some(PushProvider::Apns)).then_some(ApnsEnvironment::Production),
            Some(e) => match ApnsEnvironment::parse(e) {
                None => {
                    errors.push(FieldError::new(
                        "apns_environment",
                        "must be production or sandbox",
                    ));
                    None
                }
                Some(_) if provider == Some(PushProvider::Fcm) => {
                    errors.push(FieldError::new(
                        "apns_environment",
                        "applies to APNs devices only",
                    ));
                    None
                }
                env => env,
            },
        };
        match (platform, provider) {
            (Some(platform), Some(provider)) if errors.is_empty() => Ok(DeviceForm {
                platform,
                token,
                app_version,
                provider,
                apns_environment,
            }),
            _ => Err(Error::Validation(errors)),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeviceView {
    pub id: DeviceId,
    pub platform: Platform,
    pub app_version: Option<String>,
    pub active: bool,
    pub provider: PushProvider,
    /// `null` for FCM devices.
    pub apns_environment: Option<ApnsEnvironment>,
}

impl From<Device> for DeviceView {
    fn from(d: Device) -> Self {
        Self {
            id: d.id,
            platform: d.platform,
            app_version: d.app_version,
            active: d.active,
            provider: d.provider,
            apns_environment: d.apns_environment,
        }
    }
}

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
    pub fn new(me: profile::Me) -> Me {
        let profile::Me {
            profile: p,
            email,
            clinic,
        } = me;
        Me {
            id: p.user_id,
            given_name: p.given_name,
            email,
            timezone: p.timezone.name().to_owned(),
            locale: p.locale.as_str().to_owned(),
            quiet_hours: p
                .quiet_start
                .zip(p.quiet_end)
                .map(|(start, end)| QuietHoursView { start, end }),
            channels: Channels {
                push: p.push_enabled,
                email: p.email_enabled,
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
