//! A prompt as clients see it (patient timeline, treatment and booking responses).

use chrono::{NaiveDateTime, SecondsFormat};
use serde::Serialize;
use shared::care::prompts::Prompt;
use shared::domain::PromptId;
use shared::domain::{PromptKind, PromptStatus};

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
        }
    }
}
