//! The patient record's phones: which app installs take the patient's notifications, and why
//! one no longer does, in words (the stored provider answer and the token are never shown).

use shared::care::devices::Device;
use shared::domain::{DeliveryChannel, PushProvider, TimeZone};

use super::labels;
use super::page::local;
use super::strings::Strings;

pub struct DeviceRow {
    pub platform: &'static str,
    /// How notifications reach it (FCM or APNs), in words.
    pub service: &'static str,
    pub app_version: String,
    pub registered: String,
    pub live: bool,
    /// Whether it takes notifications; for one that stopped, why.
    pub state: &'static str,
}

pub fn rows(t: &Strings, devices: &[Device], tz: &TimeZone) -> Vec<DeviceRow> {
    devices
        .iter()
        .map(|d| DeviceRow {
            platform: labels::platform(t, d.platform),
            service: labels::channel(
                t,
                match d.provider {
                    PushProvider::Fcm => DeliveryChannel::Fcm,
                    PushProvider::Apns => DeliveryChannel::Apns,
                    PushProvider::WebPush => DeliveryChannel::WebPush,
                },
            ),
            app_version: d.app_version.clone().unwrap_or_else(|| t.none.to_owned()),
            registered: local(d.created_at, tz),
            live: d.active,
            state: match (d.active, d.last_error.as_deref()) {
                (true, _) => t.device_live,
                (false, Some(e)) if !e.trim().is_empty() => labels::failure(t, e),
                (false, _) => t.device_off,
            },
        })
        .collect()
}
