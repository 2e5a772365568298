//! Bodies of the patient's device routes (docs/CONTRACT.md `POST /v1/me/devices`): a phone's
//! FCM or APNs token, or a browser's Web Push subscription.

use serde::{Deserialize, Serialize};
use shared::care::devices::{Device, DeviceForm};
use shared::domain::{ApnsEnvironment, DeviceId, EndpointPolicy, Platform, PushProvider};
use shared::{Error, FieldError};

use crate::validate;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RegisterDevice {
    #[schema(value_type = Platform)]
    pub platform: String,
    /// The FCM registration token (32–4096 characters of `A-Za-z0-9_-:.`) or the APNs device
    /// token (64–200 hexadecimal digits), depending on `provider`. Absent for `webpush`.
    pub token: Option<String>,
    pub app_version: Option<String>,
    /// The service the token belongs to (Flutter and React Native apps register FCM tokens on
    /// iOS). Default: `fcm` on android, `apns` on ios, `webpush` on web.
    #[schema(value_type = Option<PushProvider>)]
    pub provider: Option<String>,
    /// `sandbox` for builds installed from Xcode; APNs devices only. Default: `production`.
    #[schema(value_type = Option<ApnsEnvironment>)]
    pub apns_environment: Option<String>,
    /// A browser's Web Push subscription (`PushSubscription.toJSON()`); `webpush` only, and
    /// then required instead of `token`.
    pub subscription: Option<RegisterSubscription>,
}

/// A Web Push subscription as the browser's Push API gives it (W3C Push API,
/// `PushSubscriptionJSON`; `expirationTime` is accepted and ignored).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterSubscription {
    /// The push service's URL for this subscription (RFC 8030 §5): https with a public DNS
    /// host; it is the device's token and is never shown again (`token_hint` only).
    pub endpoint: String,
    #[serde(rename = "expirationTime")]
    #[schema(value_type = Option<f64>)]
    pub expiration_time: Option<serde_json::Value>,
    pub keys: RegisterSubscriptionKeys,
}

/// The subscription's keys (RFC 8291 §2), base64url.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterSubscriptionKeys {
    /// The user agent's P-256 public key, an uncompressed point (65 bytes).
    pub p256dh: String,
    /// The authentication secret (16 bytes).
    pub auth: String,
}

impl RegisterDevice {
    /// The device to register. `policy` says whether a loopback push service may be named
    /// (tests, and `AFTERCARE_WEBPUSH_ALLOW_LOOPBACK` outside production).
    ///
    /// # Errors
    /// `Validation` naming every bad field (`platform`, `provider`, `token`, `subscription`,
    /// `subscription.endpoint`, `subscription.keys.p256dh`, `subscription.keys.auth`,
    /// `app_version`, `apns_environment`).
    pub fn parse(self, policy: EndpointPolicy) -> Result<DeviceForm, Error> {
        let web = self.platform.trim() == Platform::Web.as_str()
            || self.provider.as_deref().map(str::trim) == Some(PushProvider::WebPush.as_str());
        if web {
            return self.parse_web(policy);
        }
        let mut errors = Vec::new();
        if self.subscription.is_some() {
            errors.push(FieldError::new(
                "subscription",
                "applies to web push devices only (platform web, provider webpush)",
            ));
        }
        let platform = Platform::parse(self.platform.trim());
        if platform.is_none() {
            errors.push(FieldError::new("platform", "must be ios, android or web"));
        }
        let app_version = validate::optional_text(self.app_version.as_deref(), 64)
            .map_err(|m| errors.push(FieldError::new("app_version", m)))
            .unwrap_or_default();
        let provider = match self.provider.as_deref().map(str::trim) {
            None => platform.map(PushProvider::default_for),
            Some(p) => {
                let parsed = PushProvider::parse(p);
                if parsed.is_none() {
                    errors.push(FieldError::new("provider", "must be fcm, apns or webpush"));
                }
                parsed
            }
        };
        let token = validate::push_token(self.token.as_deref().unwrap_or_default(), provider)
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
                webpush: None,
            }),
            _ => Err(Error::Validation(errors)),
        }
    }

    /// `platform: web` with `provider: webpush` (or absent), a `subscription` and no `token`.
    fn parse_web(self, policy: EndpointPolicy) -> Result<DeviceForm, Error> {
        let mut errors = Vec::new();
        if self.platform.trim() != Platform::Web.as_str() {
            errors.push(FieldError::new(
                "provider",
                "webpush reaches web browsers only (platform web)",
            ));
        } else if let Some(p) = self.provider.as_deref().map(str::trim)
            && p != PushProvider::WebPush.as_str()
        {
            errors.push(FieldError::new("provider", "must be webpush on web"));
        }
        if self.token.is_some() {
            errors.push(FieldError::new(
                "token",
                "must be absent for web push: the subscription's endpoint identifies it",
            ));
        }
        if self.apns_environment.is_some() {
            errors.push(FieldError::new(
                "apns_environment",
                "applies to APNs devices only",
            ));
        }
        let app_version = validate::optional_text(self.app_version.as_deref(), 64)
            .map_err(|m| errors.push(FieldError::new("app_version", m)))
            .unwrap_or_default();
        let Some(sub) = self.subscription else {
            errors.push(FieldError::new(
                "subscription",
                "is required for web push: {endpoint, keys: {p256dh, auth}}",
            ));
            return Err(Error::Validation(errors));
        };
        let form = DeviceForm::web_push(
            &sub.endpoint,
            &sub.keys.p256dh,
            &sub.keys.auth,
            app_version.as_deref(),
            policy,
        );
        match form {
            Ok(form) if errors.is_empty() => Ok(form),
            Ok(_) => Err(Error::Validation(errors)),
            Err(Error::Validation(more)) => {
                errors.extend(more);
                Err(Error::Validation(errors))
            }
            Err(other) => Err(other),
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
