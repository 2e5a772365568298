//! Choosing and using the channels for one prompt (its recipient, read with its window, is
//! `shared::care::delivery::Recipient`): push to every active device of the patient
//! through the service its token belongs to (`devices.provider`: FCM, APNs on the device's
//! production or sandbox host, or Web Push to a browser's subscription), email when the patient
//! chose email or no push can reach them, a text (SMS) when neither can; an important prompt
//! climbs the delivery ladder instead ([`rungs`]). Returns what happened; the caller records
//! it.

use std::sync::Arc;

use chrono::NaiveDateTime;
use shared::care::delivery::{self, Device, Recipient};
use shared::care::outbox::{Attempt, NextRung, Prompt, Resolution};
use shared::config::Config;
use shared::domain::{ApnsEnvironment, DeliveryChannel, LockScreenPreview, PushProvider};
use shared::domain::{QuietHours, TimeZone};
use shared::mail::MailError;
use shared::push::apns::ApnsClient;
use shared::push::fcm::FcmClient;
use shared::push::webpush::{Subscription, WebPushClient};
use shared::push::{PushMessage, PushOutcome, PushSetupError, visible_text};
use shared::sms::SmsTarget;
use shared::time::now;
use tokio::sync::watch;

use crate::Worker;
use crate::quota::Gate;
use crate::sms::Texted;

pub(crate) mod fold;
pub(crate) mod rungs;

use fold::Fold;

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

/// The result of sending one prompt: how to resolve it, what to log, and for an important
/// prompt sent with a later rung of the ladder available, its follow-up.
pub struct Delivery {
    pub resolution: Resolution,
    pub attempts: Vec<Attempt>,
    pub follow_up: Option<NextRung>,
}

impl Delivery {
    fn unsent(resolution: Resolution) -> Self {
        Self {
            resolution,
            attempts: Vec::new(),
            follow_up: None,
        }
    }
}

/// Everything a prompt's recipient can be reached by (`Recipient::Send`).
pub(crate) struct Reach {
    pub email: String,
    pub preview: LockScreenPreview,
    pub push_enabled: bool,
    pub email_enabled: bool,
    pub devices: Vec<Device>,
    pub sms: Option<SmsTarget>,
    pub quiet: Option<QuietHours>,
    pub timezone: TimeZone,
}

impl Reach {
    /// The recipient's channels, or the resolution of a prompt not to be sent.
    pub(crate) fn of(to: Recipient) -> Result<Self, Resolution> {
        match to {
            Recipient::Skip(reason) => Err(Resolution::Cancelled {
                reason: reason.to_owned(),
            }),
            Recipient::Seen => Err(Resolution::Acknowledged),
            Recipient::Send {
                email,
                preview,
                push_enabled,
                email_enabled,
                devices,
                sms,
                quiet,
                timezone,
            } => Ok(Self {
                email,
                preview,
                push_enabled,
                email_enabled,
                devices,
                sms,
                quiet,
                timezone,
            }),
        }
    }
}

/// Sends `prompt` and folds the answers into one resolution: any delivery → sent; otherwise a
/// retryable failure → retry (or dead letter at the attempt limit); otherwise failed.
///
/// An important prompt climbs the ladder ([`rungs`]): the first available rung of push, SMS,
/// email, falling through at once past a rung that fails for good. Any other prompt goes by
/// push to every device, by email when push cannot reach the patient or failed for good (or at
/// once when it is urgent and push must wait for a retry), and by text (SMS) only when the
/// patient has neither a reachable device nor email on. A text ([`crate::sms`], which records
/// its own attempt) goes by `deadline` or not at all.
pub async fn send(
    w: &Worker,
    prompt: &Prompt,
    to: Recipient,
    deadline: NaiveDateTime,
    stop: &watch::Receiver<bool>,
) -> Delivery {
    let reach = match Reach::of(to) {
        Ok(reach) => reach,
        Err(resolution) => return Delivery::unsent(resolution),
    };
    if prompt.important {
        return rungs::first_send(w, prompt, &reach, deadline, stop).await;
    }
    let mut fold = Fold::default();
    if reach.push_enabled {
        push_all(w, prompt, &reach, &mut fold).await;
    }
    // Email when nothing reached the patient by push and nothing is waiting for a retry:
    // the patient chose email, has no (live) device, or push failed for good. An urgent prompt
    // ("your clinic has been told") does not wait out a push retry's backoff (up to an hour
    // for an unreachable push service): the email goes now and resolves it.
    if fold.sent.is_none() && (fold.retry.is_none() || prompt.urgent) && reach.email_enabled {
        email(w, prompt, &reach, &mut fold).await;
    }
    if fold.sent.is_none() && fold.retry.is_none() && !reach.email_enabled {
        if let Some(to) = &reach.sms {
            if let Some(held) = text(w, prompt, to, deadline, stop, &mut fold).await {
                return Delivery {
                    resolution: held,
                    attempts: fold.attempts,
                    follow_up: None,
                };
            }
        }
    }
    Delivery {
        resolution: fold.resolution(w, prompt.attempts),
        attempts: fold.attempts,
        follow_up: None,
    }
}

/// Push to every active device of the patient whose provider is configured.
pub(crate) async fn push_all(w: &Worker, prompt: &Prompt, reach: &Reach, fold: &mut Fold) {
    let visible = visible_text(reach.preview, prompt.locale, &prompt.title, &prompt.body);
    for device in reach.devices.iter().filter(|d| w.push.reaches(d.provider)) {
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

/// The private email (no prompt text), or the log when SMTP is not configured.
pub(crate) async fn email(w: &Worker, prompt: &Prompt, reach: &Reach, fold: &mut Fold) {
    let mail = shared::mail::prompt::prompt_email(
        &reach.email,
        reach.preview,
        prompt.locale,
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

/// The prompt's text ([`crate::sms`], which records its attempt: none is added here). `Some`
/// with the prompt's resolution when nothing was sent and the prompt must wait (no permit of
/// the sender's rate before `deadline`, stopping, the database did not answer).
pub(crate) async fn text(
    w: &Worker,
    prompt: &Prompt,
    to: &SmsTarget,
    deadline: NaiveDateTime,
    stop: &watch::Receiver<bool>,
    fold: &mut Fold,
) -> Option<Resolution> {
    match crate::sms::text_prompt(w, prompt, to, deadline, stop).await {
        Texted::Done(outcome) => {
            fold.texts += 1;
            fold.note(DeliveryChannel::Sms, outcome);
            None
        }
        // Texted before (by a worker that died before recording the prompt): it went.
        Texted::AlreadyTexted => {
            fold.sent.get_or_insert(DeliveryChannel::Sms);
            None
        }
        // The text may have gone but is not confirmed: counted tried, never sent again; the
        // next channel (the ladder's email rung) stands in.
        Texted::Unconfirmed => {
            fold.texts += 1;
            fold.failed
                .get_or_insert_with(|| "sms_unconfirmed".to_owned());
            None
        }
        Texted::Unsent(held) => Some(held),
        Texted::Off | Texted::Refused => None,
    }
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
