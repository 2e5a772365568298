//! The label sets of [`super::Metrics`]' families.

use prometheus_client::encoding::EncodeLabelSet;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    /// The route pattern (`/v1/clinic/patients/{id}`), never the concrete path with ids.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    pub channel: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChannelLabels {
    /// `fcm`, `apns`, `email` or `log`.
    pub channel: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueueLabels {
    /// `prompts` or `clinic_alerts`.
    pub queue: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WakeupLabels {
    /// The worker's job: `dispatch` or `clinic_alerts` (the others run on their cron only).
    pub job: String,
    /// `cron` (its schedule), `due` (the earliest waiting item's time came), `notify` (a
    /// PostgreSQL notification) or `catch_up` (at start, and when the listener (re)connects).
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PushFaultLabels {
    /// `fcm` or `apns`.
    pub provider: String,
    /// The provider's code (`DeviceTokenNotForTopic`, `SENDER_ID_MISMATCH`, …).
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EncodingLabels {
    /// A text's alphabet: `gsm7` or `ucs2` (`crate::sms::segments::Encoding`).
    pub encoding: String,
}
