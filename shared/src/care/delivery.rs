//! What the delivery worker needs of the database besides the outbox itself (`super::outbox`):
//! who a prompt goes to, a device whose token a provider rejected, the FCM project's shared send
//! rate (`push_quotas`), the clinics' daily digest and its once-per-period claim (`job_runs`),
//! pruning, and the PostgreSQL notifications that wake it ([`Listener`]).
//!
//! Errors: `Unavailable` when no connection came free within the connection wait; the
//! database's otherwise (`Internal`).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;

use super::Db;
use crate::db::patients::PatientProfile;
use crate::db::patients::Preferences;
use crate::db::prompts::Prompt;
use crate::db::users::User;
use crate::db::{DbConn, console_sessions, deliveries, devices, escalations, jobs, patients};
use crate::db::{clinics, quotas, sms, users};
use crate::domain::{ClinicId, DeviceId, E164, LockScreenPreview, PatientId, PushProvider};
use crate::domain::{QuietHours, TimeZone, UserId, UserStatus};
use crate::error::Result;
use crate::sms::SmsTarget;

pub use crate::db::devices::Device;
pub use crate::db::escalations::Digest;
pub use crate::db::new_id;
pub use crate::db::notify::{Due, Listener};
pub use crate::db::quotas::{Grant, MAX_PAUSE_SECS};

/// Who the prompt goes to, read just before sending.
pub enum Recipient {
    /// Not to be sent; the reason is recorded on the prompt.
    Skip(&'static str),
    /// The patient acknowledged the prompt in the app before it was sent: not to be sent, and
    /// recorded `acknowledged` ([`crate::db::prompts::acknowledge`]).
    Seen,
    Send {
        email: String,
        preview: LockScreenPreview,
        push_enabled: bool,
        email_enabled: bool,
        devices: Vec<Device>,
        /// The patient's number and clinic for a text, when one may be sent: texts on
        /// (`sms_enabled`), a granted consent in force (`sms_consents`), a valid E.164 phone.
        /// Read only for a prompt that may need it (an important one, or one whose patient has
        /// email off): `None` otherwise.
        sms: Option<SmsTarget>,
        /// The patient's quiet hours and zone now (a follow-up up the ladder waits for their
        /// end unless the prompt is urgent).
        quiet: Option<QuietHours>,
        timezone: TimeZone,
    },
}

impl Recipient {
    /// How many of the recipient's devices are reached through FCM: the FCM requests sending
    /// to them makes when FCM is configured (each takes a permit of the project's shared rate).
    pub fn fcm_devices(&self) -> usize {
        match self {
            Recipient::Send { devices, .. } => devices
                .iter()
                .filter(|d| d.provider == PushProvider::Fcm)
                .count(),
            Recipient::Skip(_) | Recipient::Seen => 0,
        }
    }
}

/// Who each prompt of a read window goes to, in the window's order: three queries for the
/// whole window (users, profiles, active devices), not three per prompt, and two more (consents
/// in force, clinic names) only for a window holding a prompt that may be texted (see
/// [`Recipient::Send`]'s `sms`). Applies the skip rules: acknowledged in the app before it was
/// sent, discharged or erased patients, disabled accounts, every channel off.
pub(crate) fn recipients(conn: &mut DbConn, batch: &[Prompt]) -> Result<Vec<Recipient>> {
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
    let texts = sms_targets(conn, batch, &profiles)?;
    Ok(batch
        .iter()
        .map(|prompt| {
            if prompt.acknowledged_at.is_some() {
                return Recipient::Seen;
            }
            let user = users.get(&prompt.patient_id.as_user());
            let profile = profiles.get(&prompt.patient_id);
            let sms = texts.get(&prompt.patient_id).cloned();
            recipient(user, profile, devices.get(&prompt.patient_id), sms)
        })
        .collect())
}

/// Where each patient of `batch` who may be texted for one of its prompts can be texted: an
/// important prompt (the ladder's SMS rung), or an ordinary one whose patient has email off
/// (SMS stands in when no device reaches them). No query when no such patient has texts on and
/// a valid number, as for every ordinary prompt of a patient with email on.
fn sms_targets(
    conn: &mut DbConn,
    batch: &[Prompt],
    profiles: &HashMap<PatientId, PatientProfile>,
) -> Result<HashMap<PatientId, SmsTarget>> {
    let mut phones: HashMap<&PatientId, (E164, &ClinicId)> = HashMap::new();
    for prompt in batch {
        let Some(p) = profiles.get(&prompt.patient_id) else {
            continue;
        };
        let may_text = prompt.important || !p.email_enabled;
        if !may_text || !p.sms_enabled {
            continue;
        }
        if phones.contains_key(&p.user_id) {
            continue;
        }
        if let Some(phone) = p.phone.as_deref().and_then(|n| E164::parse(n).ok()) {
            phones.insert(&p.user_id, (phone, &p.clinic_id));
        }
    }
    if phones.is_empty() {
        return Ok(HashMap::new());
    }
    let asked: Vec<&PatientId> = phones.keys().copied().collect();
    let consents = sms::consents_in_force(conn, &asked)?;
    phones.retain(|p, _| consents.get(*p).copied().unwrap_or(false));
    if phones.is_empty() {
        return Ok(HashMap::new());
    }
    let mut clinic_ids: Vec<&ClinicId> = phones.values().map(|(_, c)| *c).collect();
    clinic_ids.sort();
    clinic_ids.dedup();
    let names = clinics::names(conn, &clinic_ids)?;
    Ok(phones
        .into_iter()
        .filter_map(|(patient, (phone, clinic))| {
            let clinic_name = names.get(clinic)?.clone();
            Some((
                patient.clone(),
                SmsTarget {
                    phone: phone.as_str().to_owned(),
                    clinic_name,
                },
            ))
        })
        .collect())
}

fn recipient(
    user: Option<&User>,
    profile: Option<&PatientProfile>,
    devices: Option<&Vec<Device>>,
    sms: Option<SmsTarget>,
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
    if !profile.push_enabled && !profile.email_enabled && sms.is_none() {
        return Recipient::Skip("channels_off");
    }
    // Quiet hours that do not parse are a corrupt row: the ladder then waits for none.
    let quiet = Preferences::of(profile).ok().and_then(|p| p.quiet);
    Recipient::Send {
        email: user.email.clone(),
        preview: profile.lock_screen_preview,
        push_enabled: profile.push_enabled,
        email_enabled: profile.email_enabled,
        devices: match devices {
            Some(d) if profile.push_enabled => d.clone(),
            _ => Vec::new(),
        },
        sms,
        quiet,
        timezone: profile.timezone,
    }
}

/// Marks a device whose token the provider rejected for good as inactive, with the provider's
/// reason; its patient is no longer sent to it.
pub async fn deactivate_device(
    db: &Db,
    id: &DeviceId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<()> {
    let (id, reason) = (id.clone(), reason.to_owned());
    db.run(move |c| devices::deactivate(c, &id, &reason, now))
        .await
}

/// Reserves up to `want` of the `capacity` permits of the one-second window starting at
/// `window_start` for the provider project `key` (`fcm:<project>`), for every worker together
/// (`crate::db::quotas::reserve`: one upsert).
pub async fn reserve_quota(
    db: &Db,
    key: &str,
    want: i64,
    capacity: i64,
    window_start: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Grant> {
    let key = key.to_owned();
    db.run(move |c| quotas::reserve(c, &key, want, capacity, window_start, now))
        .await
}

/// Pauses the provider project `key` until `until` for every worker, or keeps a later pause
/// already set; returns the pause in force (`crate::db::quotas::pause`).
pub async fn pause_quota(
    db: &Db,
    key: &str,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<NaiveDateTime> {
    let key = key.to_owned();
    db.run(move |c| quotas::pause(c, &key, until, now)).await
}

/// Every clinic with open escalations: its counts, time zone and the digest's recipients.
pub async fn digests(db: &Db) -> Result<Vec<Digest>> {
    db.run(escalations::digests).await
}

/// Claims `period` of the periodic `job` for `worker`; `false` when another worker has it.
pub async fn claim_period(
    db: &Db,
    job: &'static str,
    period: &str,
    worker: &str,
    now: NaiveDateTime,
) -> Result<bool> {
    let (period, worker) = (period.to_owned(), worker.to_owned());
    db.run(move |c| jobs::claim(c, job, &period, &worker, now))
        .await
}

/// Which of `periods` of `job` some worker already claimed.
pub async fn claimed_periods(
    db: &Db,
    job: &'static str,
    periods: Vec<String>,
) -> Result<HashSet<String>> {
    db.run(move |c| jobs::claimed(c, job, &periods)).await
}

/// Marks `period` of `job` done.
pub async fn finish_period(
    db: &Db,
    job: &'static str,
    period: &str,
    now: NaiveDateTime,
) -> Result<()> {
    let period = period.to_owned();
    db.run(move |c| jobs::finish(c, job, &period, now)).await
}

/// Gives `period` of `job` back (nothing was achieved), if `worker` holds it, for a later run.
pub async fn unclaim_period(db: &Db, job: &'static str, period: &str, worker: &str) -> Result<()> {
    let (period, worker) = (period.to_owned(), worker.to_owned());
    db.run(move |c| jobs::unclaim(c, job, &period, &worker))
        .await
}

/// Deletes delivery attempt records older than `before`, and forgets the device, provider
/// message id, status and worker of the sends of that age recorded on their prompts (the prompt
/// stays sent, at its time, on its channel); returns how many records of either kind.
pub async fn prune_attempts(db: &Db, before: NaiveDateTime) -> Result<usize> {
    db.run(move |c| deliveries::prune(c, before)).await
}

/// Deletes console sessions that expired by `now`; returns how many.
pub async fn prune_console_sessions(db: &Db, now: NaiveDateTime) -> Result<usize> {
    db.run(move |c| console_sessions::prune(c, now)).await
}

/// Fills the search key of patients who have none (written by a process of a release before the
/// key, during a rolling update, after the start-up backfill ran), as the start-up does; returns
/// how many it wrote. Idempotent.
pub async fn fill_search_keys(db: &Db) -> Result<usize> {
    db.run(crate::db::patients::backfill_search_keys).await
}
