//! A planned prompt: what the schedule engine (`crate::protocol::plan`) produces and the
//! prompts table stores (`crate::db::plans::reconcile`). Plain data, so the storage layer
//! reconciles plans without knowing how they are made.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use super::{Locale, PromptKind};

/// One row of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedPrompt {
    pub key: String,
    pub kind: PromptKind,
    /// Days since the treatment's local date (the intended date, before quiet-hour moves);
    /// without a treatment, the protocol's offset from the booking.
    pub day: i32,
    pub urgent: bool,
    /// Climbs the delivery ladder when not acknowledged within `ack_window_secs` of a send.
    pub important: bool,
    /// The acknowledgement window of an important prompt, seconds; `None` for the others.
    pub ack_window_secs: Option<i32>,
    pub idempotency_key: String,
    pub treatment_id: Option<String>,
    pub booking_id: Option<String>,
    pub title: String,
    pub body: String,
    pub locale: Locale,
    pub timezone: Tz,
    /// The local date the prompt was meant for (its anchor date + day).
    pub intended_date: NaiveDate,
    /// The local date and time `due_at` shows on the patient's clock.
    pub local_date: NaiveDate,
    pub local_time: NaiveTime,
    pub due_at: DateTime<Utc>,
    /// Its intended time had passed when planned, so it goes out as soon as allowed. Re-plans
    /// keep an already planned late prompt's time rather than chasing the clock.
    pub late: bool,
}
