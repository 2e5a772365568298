//! Folding one prompt's answers (every device, a text, an email) into one resolution, and the
//! attempt rows to record with it.

use std::time::Duration;

use shared::care::delivery::new_id;
use shared::care::outbox::{Attempt, Prompt, Resolution, backoff};
use shared::domain::{DeliveryChannel, DeliveryOutcome, DeviceId};
use shared::push::PushOutcome;
use shared::time::now;

use crate::Worker;

#[derive(Default)]
pub(crate) struct Fold {
    pub attempts: Vec<Attempt>,
    pub sent: Option<DeliveryChannel>,
    pub retry: Option<(Option<Duration>, String)>,
    pub failed: Option<String>,
    /// A provider refused our settings (the operator's): retried while email cannot stand in.
    pub setup: Option<String>,
    /// Texts sent or refused (their attempts recorded by `crate::sms`).
    pub texts: usize,
}

impl Fold {
    /// Folds one answer in and records its attempt.
    pub fn push(
        &mut self,
        w: &Worker,
        prompt: &Prompt,
        device_id: Option<&DeviceId>,
        channel: DeliveryChannel,
        outcome: PushOutcome,
    ) {
        let (label, status, error, provider_id) = self.note(channel, outcome);
        w.metrics.delivery(channel.as_str(), label.as_str());
        tracing::debug!(prompt_id = %prompt.id, channel = channel.as_str(), outcome = label.as_str(), status = ?status, "delivery attempt");
        self.attempts.push(Attempt {
            id: new_id(),
            prompt_id: prompt.id.clone(),
            device_id: device_id.cloned(),
            channel,
            outcome: label,
            status_code: status.map(i32::from),
            error,
            provider_id,
            worker_id: w.config.worker.worker_id.clone(),
            attempted_at: now(),
        });
    }

    /// Folds one answer into the prompt's resolution; returns what its attempt records.
    pub fn note(
        &mut self,
        channel: DeliveryChannel,
        outcome: PushOutcome,
    ) -> (DeliveryOutcome, Option<u16>, Option<String>, Option<String>) {
        match outcome {
            PushOutcome::Sent { provider_id } => {
                self.sent.get_or_insert(channel);
                (DeliveryOutcome::Sent, None, None, provider_id)
            }
            PushOutcome::InvalidToken { status, reason } => (
                DeliveryOutcome::InvalidToken,
                Some(status),
                Some(reason),
                None,
            ),
            PushOutcome::Retry {
                status,
                after,
                reason,
            } => {
                let longest = match (self.retry.as_ref().and_then(|r| r.0), after) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                self.retry = Some((longest, reason.clone()));
                (DeliveryOutcome::Retry, status, Some(reason), None)
            }
            PushOutcome::Failed { status, reason } => {
                self.failed = Some(reason.clone());
                (DeliveryOutcome::Failed, status, Some(reason), None)
            }
            PushOutcome::Misconfigured { status, reason } => {
                self.setup = Some(reason.clone());
                (DeliveryOutcome::Failed, status, Some(reason), None)
            }
        }
    }

    /// Whether anything was tried (an attempt, or a text recorded by `crate::sms`).
    pub fn tried(&self) -> bool {
        !self.attempts.is_empty() || self.texts > 0
    }

    /// The resolution: any delivery → sent; otherwise a retryable failure → retry at a backoff
    /// after try number `tries + 1` (or a dead letter at the attempt limit); otherwise failed.
    pub fn resolution(&mut self, w: &Worker, tries: i32) -> Resolution {
        // Push refused for our settings and no email stood in: wait for the operator's fix as
        // for a busy provider.
        let retry = self.retry.take().or_else(|| {
            self.setup
                .take()
                .map(|reason| (None, format!("push settings refused: {reason}")))
        });
        if let Some(channel) = self.sent {
            Resolution::Sent { channel }
        } else if let Some((after, reason)) = retry {
            let attempt = tries + 1;
            if attempt >= w.config.worker.max_attempts {
                Resolution::Failed {
                    error: format!("gave up after {attempt} attempts: {reason}"),
                }
            } else {
                let after = after.and_then(|d| chrono::Duration::from_std(d).ok());
                Resolution::Retry {
                    at: now() + backoff(attempt, after),
                    error: reason,
                }
            }
        } else if let Some(reason) = self.failed.take() {
            Resolution::Failed { error: reason }
        } else if !self.tried() {
            Resolution::Failed {
                error: "no_reachable_channel".to_owned(),
            }
        } else {
            // Only dead tokens, and email not allowed.
            Resolution::Failed {
                error: "no_valid_device".to_owned(),
            }
        }
    }
}
