//! A prompt as clients see it (patient timeline, treatment and booking responses).

use chrono::{NaiveDateTime, SecondsFormat};
use serde::Serialize;
use shared::care::delivery_log::{DeliveryStep, DeliveryStepStatus};
use shared::care::prompts::Prompt;
use shared::domain::PromptId;
use shared::domain::{DeliveryChannel, PromptKind, PromptStatus};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PromptView {
    pub id: PromptId,
    /// What the prompt is for; the app may style each kind differently.
    #[schema(value_type = PromptKind)]
    pub kind: String,
    /// The protocol prompt it comes from (e.g. `day5_check_in`).
    pub key: String,
    /// Days since the treatment (the intended date, before any quiet-hours move).
    pub day: i32,
    pub title: String,
    pub body: String,
    /// When it is due, RFC 3339 UTC.
    #[schema(value_type = String, format = DateTime)]
    pub send_at: String,
    /// The patient's local date (YYYY-MM-DD) `send_at` shows.
    #[schema(value_type = String, format = Date)]
    pub local_date: String,
    /// The patient's local time (HH:MM) `send_at` shows.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub local_time: String,
    #[schema(value_type = TimelineStatus)]
    pub status: &'static str,
    /// When the patient acknowledged it, RFC 3339 UTC; null until then.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acknowledged_at: Option<String>,
    /// Whether the protocol marks it important: not acknowledged within its window, it is sent
    /// again on the next channel available (push → text → email).
    pub important: bool,
    /// Each channel it was tried on and what was confirmed, oldest first (empty before its first
    /// send; always empty in the treatment and booking responses, whose prompts are just
    /// planned).
    pub deliveries: Vec<DeliveryView>,
}

/// One step of a prompt's delivery: a push to one device, a text or an email.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub channel: ShownChannel,
    /// When it was attempted, RFC 3339 UTC.
    #[schema(value_type = String, format = DateTime)]
    pub at: String,
    /// `sent`: the provider took it; `delivered`: the provider confirmed it reached the phone
    /// (texts only: push and email have no receipts); `failed`: refused or undelivered.
    pub status: DeliveryStepStatus,
}

/// The channel of a delivery step (email written to the log when no SMTP server is set up is
/// `email`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ShownChannel {
    Fcm,
    Apns,
    WebPush,
    Sms,
    Email,
}

impl From<&DeliveryStep> for DeliveryView {
    fn from(s: &DeliveryStep) -> Self {
        Self {
            channel: match s.channel {
                DeliveryChannel::Fcm => ShownChannel::Fcm,
                DeliveryChannel::Apns => ShownChannel::Apns,
                DeliveryChannel::WebPush => ShownChannel::WebPush,
                DeliveryChannel::Sms => ShownChannel::Sms,
                DeliveryChannel::Email | DeliveryChannel::Log => ShownChannel::Email,
            },
            at: rfc3339(s.at),
            status: s.status,
        }
    }
}

/// The delivery steps of one prompt, as shown.
pub fn deliveries(steps: Option<&Vec<DeliveryStep>>) -> Vec<DeliveryView> {
    steps
        .map(|s| s.iter().map(DeliveryView::from).collect())
        .unwrap_or_default()
}

/// Where a prompt is, as clients see it: [`PromptStatus`] without the worker's internal
/// `sending` (still `scheduled` to a client). `acknowledged`: the patient has seen it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimelineStatus {
    Scheduled,
    Sent,
    Acknowledged,
    Cancelled,
    Failed,
}

pub fn rfc3339(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Internal states clients need not know collapse: a prompt being sent is still scheduled.
pub fn public_status(s: PromptStatus) -> &'static str {
    match s {
        PromptStatus::Sending => PromptStatus::Scheduled.as_str(),
        other => other.as_str(),
    }
}

impl PromptView {
    /// The prompt with its delivery steps.
    pub fn with_deliveries(p: &Prompt, steps: Option<&Vec<DeliveryStep>>) -> Self {
        Self {
            deliveries: deliveries(steps),
            ..Self::from(p)
        }
    }
}

/// Without delivery steps: a prompt just planned (treatment and booking responses).
impl From<&Prompt> for PromptView {
    fn from(p: &Prompt) -> Self {
        Self {
            id: p.id.clone(),
            kind: p.kind.as_str().to_owned(),
            key: p.prompt_key.clone(),
            day: p.day,
            title: p.title.clone(),
            body: p.body.clone(),
            send_at: rfc3339(p.due_at),
            local_date: p.local_date.clone(),
            local_time: p.local_time.clone(),
            status: public_status(p.status.shown(p.acknowledged_at.is_some())),
            acknowledged_at: p.acknowledged_at.map(rfc3339),
            important: p.important,
            deliveries: Vec::new(),
        }
    }
}
