//! A prompt as clients see it (patient timeline, treatment and booking responses).

use chrono::{NaiveDateTime, SecondsFormat};
use serde::Serialize;
use shared::care::prompts::Prompt;
use shared::domain::PromptId;
use shared::domain::PromptStatus;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PromptView {
    pub id: PromptId,
    /// aftercare | check_in | warning_signs | session_reminder | rebook | results | maintenance
    pub kind: String,
    /// The protocol prompt it comes from (e.g. `day5_check_in`).
    pub key: String,
    /// Days since the treatment (the intended date, before any quiet-hours move).
    pub day: i32,
    pub title: String,
    pub body: String,
    /// When it is due, RFC 3339 UTC.
    pub send_at: String,
    /// The patient's local date (YYYY-MM-DD) and time (HH:MM) `send_at` shows.
    pub local_date: String,
    pub local_time: String,
    /// scheduled | sent | acknowledged | cancelled | failed
    pub status: &'static str,
    pub acknowledged_at: Option<String>,
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
