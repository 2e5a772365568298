//! Choosing and using the channels for one prompt (its recipient, read with its window, is
//! `shared::care::delivery::Recipient`): push to every active device of the patient
//! through the service its token belongs to (`devices.provider`: FCM, APNs on the device's
//! production or sandbox host, or Web Push to a browser's subscription), email when the patient
//! chose email or no push can reach them.
//! Returns what happened; the caller records it.

use std::sync::Arc;
use std::time::Duration;

use shared::care::delivery::{self, Device, Recipient, new_id};
use shared::care::outbox::{Attempt, Prompt, Resolution, backoff};
use shared::config::Config;
use shared::domain::{ApnsEnvironment, DeliveryChannel, DeliveryOutcome, DeviceId, PushProvider};
use shared::mail::MailError;
use shared::push::apns::ApnsClient;
use shared::push::fcm::FcmClient;
use shared::push::webpush::{Subscription, WebPushClient};
use shared::push::{PushMessage, PushOutcome, PushSetupError, visible_text};
use shared::time::now;

use crate::Worker;
use crate::quota::Gate;
use crate::sms::Texted;

/// How long a provider keeps trying to reach an offline phone: a care reminder is stale after.
const PUSH_TTL_SECS: u64 = 12 * 3600;

/// The configured push providers; a device whose provider is not configured cannot be reached
/// by push.
#[derive(Clone, Default)]
pub struct Push {
    pub fcm: Option<Arc<FcmClient>>,
    pub apns: Option<Arc<ApnsClient>>,
    /// The FCM project's send rate shared with every other worker (with `fcm`).
    pub fcm_quota: Option<Arc<Gate>>,
    /// Web Push, when a VAPID key is configured or kept (`shared::care::web_push`).
    pub webpush: Option<Arc<WebPushClient>>,
}

impl Push {
    pub fn from_config(config: &Config) -> Result<Self, PushSetupError> {
        Ok(Self {
            fcm: match &config.fcm {
                Some(c) => Some(Arc::new(FcmClient::from_config(c)?)),
                None => None,
            },
            apns: match &config.apns {
                Some(c) => Some(Arc::new(ApnsClient::from_config(c)?)),
                None => None,
            },
            fcm_quota: Gate::fcm(config),
            webpush: WebPushClient::from_config(&config.webpush)?.map(Arc::new),
        })
    }

    fn reaches(&self, provider: PushProvider) -> bool {
        match provider {
            PushProvider::Fcm => self.fcm.is_some(),
            PushProvider::Apns => self.apns.is_some(),
            PushProvider::WebPush => self.webpush.is_some(),
        }
    }
}

/// The result of sending one prompt: how to resolve it and what to log.
pub struct Delivery {
    pub resolution: Resolution,
    pub attempts: Vec<Attempt>,
}

/// Sends `prompt` on every channel that applies and folds the answers into one resolution:
/// any delivery → sent; otherwise a retryable failure → retry (or dead letter at the attempt
/// limit); otherwise failed. A text (SMS) only when neither push nor email could be tried
/// ([`crate::sms`], which records its own attempt), sent by `deadline` or not at all.
pub async fn send(
    w: &Worker,
    prompt: &Prompt,
    to: Recipient,
    deadline: chrono::NaiveDateTime,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Delivery {
    let (email, preview, push_enabled, email_enabled, devices) = match to {
        Recipient::Skip(reason) => {
            return Delivery {
                resolution: Resolution::Cancelled {
                    reason: reason.to_owned(),
                },
                attempts: Vec::new(),
            };
        }
        Recipient::Seen => {
            return Delivery {
                resolution: Resolution::Acknowledged,
                attempts: Vec::new(),
            };
        }
        Recipient::Send {
            email,
            preview,
            push_enabled,
            email_enabled,
            devices,
        } => (email, preview, push_enabled, email_enabled, devices),
    };
    let locale = prompt.locale;
    let mut fold = Fold::default();

    if push_enabled {
        let visible = visible_text(preview, locale, &prompt.title, &prompt.body);
        for device in devices.iter().filter(|d| w.push.reaches(d.provider)) {
            let msg = PushMessage {
                device_token: device.token.clone(),
                visible: visible.clone(),
                prompt_id: prompt.id.to_string(),
                kind: prompt.kind.as_str().to_owned(),
                idempotency_key: prompt.idempotency_key.clone(),
                ttl_secs: PUSH_TTL_SECS,
            };
            let (channel, outcome) = match (device.provider, &w.push.fcm, &w.push.apns) {
                (PushProvider::Fcm, Some(fcm), _) => {
                    let outcome = w.timed("fcm", fcm.send(&msg)).await;
                    if let (
                        PushOutcome::Retry {
                            status: Some(429),
                            after,
                            ..
                        },
                        Some(gate),
                    ) = (&outcome, &w.push.fcm_quota)
                    {
                        gate.throttled(w, *after).await;
                    }
                    (DeliveryChannel::Fcm, outcome)
                }
                (PushProvider::Apns, _, Some(apns)) => {
                    // Rows from before providers were recorded are APNs production tokens.
                    let env = device
                        .apns_environment
                        .unwrap_or(ApnsEnvironment::Production);
                    (
                        DeliveryChannel::Apns,
                        w.timed("apns", apns.send(&msg, env)).await,
                    )
                }
                (PushProvider::WebPush, _, _) => {
                    let (Some(webpush), Some(p256dh), Some(auth)) = (
                        &w.push.webpush,
                        device.webpush_p256dh.as_deref(),
                        device.webpush_auth.as_deref(),
                    ) else {
                        continue;
                    };
                    let to = Subscription {
                        endpoint: &device.token,
                        p256dh,
                        auth,
                    };
                    let sent = webpush.send(&msg, to, prompt.urgent);
                    (DeliveryChannel::WebPush, w.timed("webpush", sent).await)
                }
                _ => continue,
            };
            match &outcome {
                PushOutcome::InvalidToken { reason, .. } => deactivate(w, device, reason).await,
                PushOutcome::Misconfigured { status, reason } => {
                    misconfigured(w, channel, *status, reason);
                }
                _ => {}
            }
            fold.push(w, prompt, Some(&device.id), channel, outcome);
        }
    }

    // Email when nothing reached the patient by push and nothing is waiting for a retry:
    // the patient chose email, has no (live) device, or push failed for good. An urgent prompt
    // ("your clinic has been told") does not wait out a push retry's backoff (up to an hour
    // for an unreachable push service): the email goes now and resolves it.
    if fold.sent.is_none() && (fold.retry.is_none() || prompt.urgent) && email_enabled {
        let mail = shared::mail::prompt::prompt_email(
            &email,
            preview,
            locale,
            &prompt.title,
            &prompt.body,
            &prompt.idempotency_key,
        );
        let channel = if w.mailer.is_smtp() {
            DeliveryChannel::Email
        } else {
            DeliveryChannel::Log
        };
        let outcome = match w.timed(channel.as_str(), w.mailer.send(&mail)).await {
            Ok(()) => PushOutcome::Sent { provider_id: None },
            Err(MailError::Transient(e) | MailError::Setup(e)) => PushOutcome::Retry {
                status: None,
                after: None,
                reason: one_line(&e),
            },
            Err(e) => PushOutcome::Failed {
                status: None,
                reason: one_line(&e.to_string()),
            },
        };
        fold.push(w, prompt, None, channel, outcome);
    }
    if fold.attempts.is_empty() && !email_enabled {
        match crate::sms::text_unreachable(w, prompt, deadline, stop).await {
            Texted::Done(outcome) => {
                fold.texts += 1;
                fold.note(DeliveryChannel::Sms, outcome);
            }
            Texted::AlreadyTexted => fold.sent = Some(DeliveryChannel::Sms),
            Texted::Unsent(resolution) => {
                return Delivery {
                    resolution,
                    attempts: Vec::new(),
                };
            }
            Texted::Off => {}
        }
    }
    fold.finish(w, prompt)
}

async fn deactivate(w: &Worker, device: &Device, reason: &str) {
    tracing::info!(device_id = %device.id, reason = %reason, "device token rejected; deactivated");
    if let Err(e) = delivery::deactivate_device(&w.db, &device.id, reason, now()).await {
        tracing::warn!(error = %e, "could not deactivate device");
    }
}

/// A provider refused our own settings: the device is kept (every device would be refused
/// alike), the refusal counted (`aftercare_push_config_errors_total{provider,reason}`) and shown
/// by the readiness probes, and logged at ERROR the first time for its cause (no token, no
/// patient: the operator's to fix).
fn misconfigured(w: &Worker, channel: DeliveryChannel, status: Option<u16>, reason: &str) {
    let provider = channel.as_str();
    if w.metrics.push_config_error(provider, reason) {
        let setting = match channel {
            DeliveryChannel::Apns => {
                "AFTERCARE_APNS_TOPIC (the app's bundle id) and the APNs key settings"
            }
            DeliveryChannel::WebPush => "AFTERCARE_VAPID_PRIVATE_KEY and AFTERCARE_VAPID_SUBJECT",
            _ => "AFTERCARE_FCM_PROJECT_ID and the service-account file",
        };
        tracing::error!(
            provider,
            reason,
            status,
            "push provider refused our settings, not the device: check {setting}; devices are kept and prompts fall back to email until it is fixed"
        );
    }
}

/// SMTP replies can span lines; keep stored errors to one.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(300)
        .collect()
}

#[derive(Default)]
struct Fold {
    attempts: Vec<Attempt>,
    sent: Option<DeliveryChannel>,
    retry: Option<(Option<Duration>, String)>,
    failed: Option<String>,
    /// A provider refused our settings (the operator's): retried while email cannot stand in.
    setup: Option<String>,
    /// Texts sent or refused (their attempts recorded by `crate::sms`).
    texts: usize,
}

impl Fold {
    fn push(
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
    fn note(
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

    fn finish(self, w: &Worker, prompt: &Prompt) -> Delivery {
        // Push refused for our settings and no email stood in: wait for the operator's fix as
        // for a busy provider.
        let retry = self.retry.or_else(|| {
            self.setup
                .map(|reason| (None, format!("push settings refused: {reason}")))
        });
        let resolution = if let Some(channel) = self.sent {
            Resolution::Sent { channel }
        } else if let Some((after, reason)) = retry {
            let attempt = prompt.attempts + 1;
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
        } else if let Some(reason) = self.failed {
            Resolution::Failed { error: reason }
        } else if self.attempts.is_empty() && self.texts == 0 {
            Resolution::Failed {
                error: "no_reachable_channel".to_owned(),
            }
        } else {
            // Only dead tokens, and email not allowed.
            Resolution::Failed {
                error: "no_valid_device".to_owned(),
            }
        };
        Delivery {
            resolution,
            attempts: self.attempts,
        }
    }
}
