//! Choosing and using the channels for one prompt: push to every active device of the patient
//! through the service its token belongs to (`devices.provider`: FCM, or APNs on the device's
//! production or sandbox host), email when the patient chose email or no push can reach them.
//! Returns what happened; the caller records it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use shared::config::Config;
use shared::db::deliveries::{Attempt, Resolution};
use shared::db::devices::{self, Device};
use shared::db::patients::PatientProfile;
use shared::db::prompts::Prompt;
use shared::db::users::User;
use shared::db::{DbConn, new_id, patients, users};
use shared::domain::{
    ApnsEnvironment, DeliveryChannel, DeliveryOutcome, DeviceId, LockScreenPreview, PatientId,
    PushProvider, UserId, UserStatus,
};
use shared::mail::MailError;
use shared::push::apns::ApnsClient;
use shared::push::fcm::FcmClient;
use shared::push::{PushMessage, PushOutcome, PushSetupError, visible_text};
use shared::time::now;

use crate::Worker;
use crate::quota::Gate;

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
        })
    }

    fn reaches(&self, provider: PushProvider) -> bool {
        match provider {
            PushProvider::Fcm => self.fcm.is_some(),
            PushProvider::Apns => self.apns.is_some(),
        }
    }
}

/// Who the prompt goes to, read just before sending.
pub enum Recipient {
    /// Not to be sent; the reason is recorded on the prompt.
    Skip(&'static str),
    Send {
        email: String,
        preview: LockScreenPreview,
        push_enabled: bool,
        email_enabled: bool,
        devices: Vec<Device>,
    },
}

impl Recipient {
    /// How many FCM requests sending to this recipient makes: one per device on FCM, when FCM
    /// is configured (each takes a permit of the project's shared rate).
    pub fn fcm_sends(&self, push: &Push) -> usize {
        match self {
            Recipient::Send { devices, .. } if push.fcm.is_some() => devices
                .iter()
                .filter(|d| d.provider == PushProvider::Fcm)
                .count(),
            _ => 0,
        }
    }
}

/// Who each prompt of a read window goes to, in the window's order: three queries for the
/// whole window (users, profiles, active devices), not three per prompt. Applies the skip rules:
/// discharged or erased patients, disabled accounts, both channels off.
pub fn recipients(conn: &mut DbConn, batch: &[Prompt]) -> shared::Result<Vec<Recipient>> {
    let mut patient_ids: Vec<&PatientId> = batch.iter().map(|p| &p.patient_id).collect();
    patient_ids.sort();
    patient_ids.dedup();
    let user_ids: Vec<UserId> = patient_ids.iter().map(|p| p.as_user()).collect();
    let users: HashMap<UserId, User> =
        users::find_many(conn, &user_ids.iter().collect::<Vec<_>>())?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect();
    let profiles: HashMap<PatientId, PatientProfile> = patients::find_many(conn, &patient_ids)?
        .into_iter()
        .map(|p| (p.user_id.clone(), p))
        .collect();
    let wants_push: Vec<&PatientId> = profiles
        .values()
        .filter(|p| p.push_enabled)
        .map(|p| &p.user_id)
        .collect();
    let mut devices: HashMap<PatientId, Vec<Device>> = HashMap::new();
    for d in devices::active_for_patients(conn, &wants_push)? {
        devices.entry(d.patient_id.clone()).or_default().push(d);
    }
    Ok(batch
        .iter()
        .map(|prompt| {
            let user = users.get(&prompt.patient_id.as_user());
            let profile = profiles.get(&prompt.patient_id);
            recipient(user, profile, devices.get(&prompt.patient_id))
        })
        .collect())
}

fn recipient(
    user: Option<&User>,
    profile: Option<&PatientProfile>,
    devices: Option<&Vec<Device>>,
) -> Recipient {
    let (Some(user), Some(profile)) = (user, profile) else {
        return Recipient::Skip("patient_missing");
    };
    // Invited patients still get their prompts (by email until the app is set up).
    if user.status == UserStatus::Disabled || user.status == UserStatus::Erased {
        return Recipient::Skip("patient_inactive");
    }
    if profile.erased_at.is_some() {
        return Recipient::Skip("patient_erased");
    }
    if profile.discharged_at.is_some() {
        return Recipient::Skip("patient_discharged");
    }
    if !profile.push_enabled && !profile.email_enabled {
        return Recipient::Skip("channels_off");
    }
    Recipient::Send {
        email: user.email.clone(),
        preview: profile.lock_screen_preview,
        push_enabled: profile.push_enabled,
        email_enabled: profile.email_enabled,
        devices: match devices {
            Some(d) if profile.push_enabled => d.clone(),
            _ => Vec::new(),
        },
    }
}

/// The result of sending one prompt: how to resolve it and what to log.
pub struct Delivery {
    pub resolution: Resolution,
    pub attempts: Vec<Attempt>,
}

/// Sends `prompt` on every channel that applies and folds the answers into one resolution:
/// any delivery → sent; otherwise a retryable failure → retry (or dead letter at the attempt
/// limit); otherwise failed.
pub async fn send(w: &Worker, prompt: &Prompt, to: Recipient) -> Delivery {
    let (email, preview, push_enabled, email_enabled, devices) = match to {
        Recipient::Skip(reason) => {
            return Delivery {
                resolution: Resolution::Cancelled {
                    reason: reason.to_owned(),
                },
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
                _ => continue,
            };
            if let PushOutcome::InvalidToken { reason, .. } = &outcome {
                deactivate(w, device, reason).await;
            }
            fold.push(w, prompt, Some(&device.id), channel, outcome);
        }
    }

    // Email when nothing reached the patient by push and nothing is waiting for a retry:
    // the patient chose email, has no (live) device, or push failed for good.
    if fold.sent.is_none() && fold.retry.is_none() && email_enabled {
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
            Err(MailError::Transient(e)) => PushOutcome::Retry {
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
    fold.finish(w, prompt)
}

async fn deactivate(w: &Worker, device: &Device, reason: &str) {
    let (id, reason) = (device.id.clone(), reason.to_owned());
    tracing::info!(device_id = %device.id, reason = %reason, "device token rejected; deactivated");
    if let Err(e) =
        w.db.run(move |c| devices::deactivate(c, &id, &reason, now()))
            .await
    {
        tracing::warn!(error = %e, "could not deactivate device");
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
        let (label, status, error, provider_id) = match outcome {
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
        };
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

    fn finish(self, w: &Worker, prompt: &Prompt) -> Delivery {
        let resolution = if let Some(channel) = self.sent {
            Resolution::Sent { channel }
        } else if let Some((after, reason)) = self.retry {
            let attempt = prompt.attempts + 1;
            if attempt >= w.config.worker.max_attempts {
                Resolution::Failed {
                    error: format!("gave up after {attempt} attempts: {reason}"),
                }
            } else {
                let after = after.and_then(|d| chrono::Duration::from_std(d).ok());
                Resolution::Retry {
                    at: now() + shared::db::deliveries::backoff(attempt, after),
                    error: reason,
                }
            }
        } else if let Some(reason) = self.failed {
            Resolution::Failed { error: reason }
        } else if self.attempts.is_empty() {
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
