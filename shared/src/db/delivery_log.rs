//! What the delivery log says of a set of prompts: each recorded attempt's channel, outcome,
//! the provider's latest receipt (texts) and time, for the timeline and the patient record.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::delivery_attempts;
use super::{DbConn, deliveries};
pub use crate::domain::DeliveryStepStatus;
use crate::domain::{DeliveryChannel, DeliveryOutcome, PromptId, SmsReceipt};
use crate::error::Result;

/// One attempt of a prompt's delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryStep {
    /// `fcm`, `apns`, `webpush`, `sms` or `email` (the mail channel's `log`, mail written to
    /// the log when no SMTP server is set up, is shown as `email`).
    pub channel: DeliveryChannel,
    /// When it was attempted (UTC).
    pub at: NaiveDateTime,
    pub status: DeliveryStepStatus,
}

impl From<&AttemptTrace> for DeliveryStep {
    fn from(a: &AttemptTrace) -> Self {
        let status = match (a.outcome, a.receipt) {
            (_, Some(SmsReceipt::Delivered)) => DeliveryStepStatus::Delivered,
            (_, Some(SmsReceipt::Undelivered | SmsReceipt::Failed)) => DeliveryStepStatus::Failed,
            (DeliveryOutcome::Pending | DeliveryOutcome::Sent, _) => DeliveryStepStatus::Sent,
            (
                DeliveryOutcome::Retry | DeliveryOutcome::InvalidToken | DeliveryOutcome::Failed,
                _,
            ) => DeliveryStepStatus::Failed,
        };
        let channel = match a.channel {
            DeliveryChannel::Log => DeliveryChannel::Email,
            other => other,
        };
        DeliveryStep {
            channel,
            at: a.attempted_at,
            status,
        }
    }
}

/// One recorded attempt, as much of it as a reader is shown.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct AttemptTrace {
    pub prompt_id: PromptId,
    pub channel: DeliveryChannel,
    pub outcome: DeliveryOutcome,
    /// The provider's latest delivery status of a text (`None` for other channels, and for a
    /// text before its first callback).
    pub receipt: Option<SmsReceipt>,
    pub attempted_at: NaiveDateTime,
}

/// Ids per statement: under SQLite's smallest host-parameter limit (999), far above one page.
const CHUNK: usize = 500;

/// The attempts of `prompt_ids`, the sends recorded on the prompt rows among them
/// (`deliveries::inline`), by prompt and oldest first within a prompt (by time, then id): two
/// queries per 500 ids (two for any page the API shows).
pub fn for_prompts(conn: &mut DbConn, prompt_ids: &[PromptId]) -> Result<Vec<AttemptTrace>> {
    let mut out = Vec::new();
    for chunk in prompt_ids.chunks(CHUNK) {
        let mut rows: Vec<(String, AttemptTrace)> = delivery_attempts::table
            .filter(delivery_attempts::prompt_id.eq_any(chunk))
            .select((
                delivery_attempts::id,
                (
                    delivery_attempts::prompt_id,
                    delivery_attempts::channel,
                    delivery_attempts::outcome,
                    delivery_attempts::receipt,
                    delivery_attempts::attempted_at,
                ),
            ))
            .load(conn)?;
        rows.extend(
            deliveries::inline::attempts_for(conn, chunk)?
                .into_iter()
                .map(|a| {
                    let trace = AttemptTrace {
                        prompt_id: a.prompt_id,
                        channel: a.channel,
                        outcome: a.outcome,
                        receipt: None,
                        attempted_at: a.attempted_at,
                    };
                    (a.id, trace)
                }),
        );
        rows.sort_by(|(x_id, x), (y_id, y)| {
            (&x.prompt_id, x.attempted_at, x_id).cmp(&(&y.prompt_id, y.attempted_at, y_id))
        });
        out.extend(rows.into_iter().map(|(_, trace)| trace));
    }
    Ok(out)
}

/// Each prompt's steps ([`DeliveryStep`]), oldest first; a prompt never attempted has no entry.
pub fn steps_for_prompts(
    conn: &mut DbConn,
    prompt_ids: &[PromptId],
) -> Result<HashMap<PromptId, Vec<DeliveryStep>>> {
    let mut out: HashMap<PromptId, Vec<DeliveryStep>> = HashMap::new();
    for a in for_prompts(conn, prompt_ids)? {
        out.entry(a.prompt_id.clone())
            .or_default()
            .push(DeliveryStep::from(&a));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(
        channel: DeliveryChannel,
        outcome: DeliveryOutcome,
        receipt: Option<SmsReceipt>,
    ) -> DeliveryStepStatus {
        let step = DeliveryStep::from(&AttemptTrace {
            prompt_id: PromptId::new(),
            channel,
            outcome,
            receipt,
            attempted_at: NaiveDateTime::default(),
        });
        step.status
    }

    #[test]
    fn outcomes_and_receipts_make_the_step_status() {
        use DeliveryChannel::*;
        use DeliveryOutcome as O;
        use DeliveryStepStatus as S;
        assert_eq!(trace(Fcm, O::Sent, None), S::Sent);
        assert_eq!(trace(Sms, O::Pending, None), S::Sent);
        assert_eq!(trace(Sms, O::Sent, Some(SmsReceipt::Queued)), S::Sent);
        assert_eq!(
            trace(Sms, O::Sent, Some(SmsReceipt::Delivered)),
            S::Delivered
        );
        assert_eq!(
            trace(Sms, O::Sent, Some(SmsReceipt::Undelivered)),
            S::Failed
        );
        assert_eq!(trace(Sms, O::Sent, Some(SmsReceipt::Failed)), S::Failed);
        assert_eq!(trace(Apns, O::Retry, None), S::Failed);
        assert_eq!(trace(Fcm, O::InvalidToken, None), S::Failed);
        assert_eq!(trace(Email, O::Failed, None), S::Failed);
    }

    #[test]
    fn the_log_channel_is_shown_as_email() {
        let step = DeliveryStep::from(&AttemptTrace {
            prompt_id: PromptId::new(),
            channel: DeliveryChannel::Log,
            outcome: DeliveryOutcome::Sent,
            receipt: None,
            attempted_at: NaiveDateTime::default(),
        });
        assert_eq!(step.channel, DeliveryChannel::Email);
    }
}
