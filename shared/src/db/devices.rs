//! Push devices of patients. A token identifies one app install: registering a token another
//! patient had moves it (the phone changed hands or accounts), and providers' "unregistered"
//! answers deactivate it so nothing more is sent there.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{delivery_attempts, devices, patient_profiles};
use super::{DbConn, deliveries};
use crate::domain::{ApnsEnvironment, DeliveryOutcome, Platform, PushProvider};
use crate::domain::{ClinicId, DeviceId, EndpointPolicy, PatientId, WebPushSubscription};

/// The most active Web Push subscriptions a patient keeps: a browser's endpoint is free for
/// anyone to mint, so registering one more retires the least recently registered.
pub const MAX_WEB_PUSH_DEVICES: i64 = 10;
/// The `last_error` of a subscription retired by [`MAX_WEB_PUSH_DEVICES`].
pub const REPLACED: &str = "Web Push subscription replaced by a newer one";
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = devices)]
pub struct Device {
    pub id: DeviceId,
    pub patient_id: PatientId,
    pub platform: Platform,
    pub token: String,
    pub app_version: Option<String>,
    pub active: bool,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub provider: PushProvider,
    /// The APNs host the token is valid on; `None` for FCM devices.
    pub apns_environment: Option<ApnsEnvironment>,
    /// A Web Push subscription's keys (base64url, RFC 8291 §2): the user agent's P-256 public
    /// key and its authentication secret; `None` for FCM and APNs devices. Its endpoint URL is
    /// the `token`.
    pub webpush_p256dh: Option<String>,
    pub webpush_auth: Option<String>,
}

/// A phone registering for push (docs/CONTRACT.md `POST /v1/me/devices`), parsed: `provider` and
/// `apns_environment` already defaulted (FCM on android, APNs production on ios) and consistent
/// (an environment only for APNs). A Web Push subscription is built by [`DeviceForm::web_push`]
/// only, so its keys are always checked.
#[derive(Debug, Clone)]
pub struct DeviceForm {
    pub platform: Platform,
    pub token: String,
    pub app_version: Option<String>,
    pub provider: PushProvider,
    pub apns_environment: Option<ApnsEnvironment>,
    /// A Web Push subscription's keys; `None` for the other providers.
    pub webpush: Option<WebPushKeys>,
}

/// A Web Push subscription's keys as stored (unpadded base64url).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebPushKeys {
    pub p256dh: String,
    pub auth: String,
}

impl DeviceForm {
    /// A browser's Web Push subscription as a device (`platform: web`, `provider: webpush`):
    /// the endpoint is the device's token, the keys are kept beside it. `app_version` is the
    /// web app's, already checked by the caller (at most 64 characters, no control character).
    ///
    /// # Errors
    /// `Validation` (422) naming `subscription.endpoint`, `subscription.keys.p256dh`,
    /// `subscription.keys.auth` — the rules of [`WebPushSubscription::parse`] (https with a
    /// public DNS host; loopback only when `policy` allows it: tests, and `AFTERCARE_WEBPUSH_ALLOW_LOOPBACK`).
    pub fn web_push(
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        app_version: Option<&str>,
        policy: EndpointPolicy,
    ) -> Result<Self> {
        let sub = WebPushSubscription::parse(endpoint, p256dh, auth, policy)?;
        Ok(Self {
            platform: Platform::Web,
            token: sub.endpoint,
            app_version: app_version.map(str::to_owned),
            provider: PushProvider::WebPush,
            apns_environment: None,
            webpush: Some(WebPushKeys {
                p256dh: sub.p256dh,
                auth: sub.auth,
            }),
        })
    }

    /// A device with the defaults of its platform.
    pub fn of_platform(platform: Platform, token: &str, app_version: Option<&str>) -> Self {
        let provider = PushProvider::default_for(platform);
        Self {
            platform,
            token: token.to_owned(),
            app_version: app_version.map(str::to_owned),
            provider,
            apns_environment: (provider == PushProvider::Apns)
                .then_some(ApnsEnvironment::Production),
            webpush: None,
        }
    }
}

/// Whether a registration created a device or re-used the token's existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    Created,
    Existing,
}

/// Registers `token` for `patient_id`, re-activating it (and moving it from another patient)
/// when it is already known. A Web Push subscription past the patient's
/// [`MAX_WEB_PUSH_DEVICES`] retires the least recently registered others.
pub fn register(
    conn: &mut DbConn,
    patient_id: &PatientId,
    new: &DeviceForm,
    now: NaiveDateTime,
) -> Result<(Device, Registered)> {
    let registered = register_one(conn, patient_id, new, now)?;
    if new.provider == PushProvider::WebPush {
        retire_extra_web_push(conn, patient_id, &registered.0.id, now)?;
    }
    Ok(registered)
}

/// Deactivates the patient's active Web Push devices beyond the [`MAX_WEB_PUSH_DEVICES`] most
/// recently registered (`updated_at`, set by every registration), `keep` always among those
/// kept. Returns how many were retired.
fn retire_extra_web_push(
    conn: &mut DbConn,
    patient_id: &PatientId,
    keep: &DeviceId,
    now: NaiveDateTime,
) -> Result<usize> {
    let older: Vec<DeviceId> = devices::table
        .filter(devices::patient_id.eq(patient_id))
        .filter(devices::provider.eq(PushProvider::WebPush))
        .filter(devices::active.eq(true))
        .filter(devices::id.ne(keep))
        .order((devices::updated_at.desc(), devices::id.desc()))
        .offset(MAX_WEB_PUSH_DEVICES - 1)
        .limit(1000)
        .select(devices::id)
        .load(conn)?;
    if older.is_empty() {
        return Ok(0);
    }
    Ok(
        diesel::update(devices::table.filter(devices::id.eq_any(&older)))
            .set((
                devices::active.eq(false),
                devices::last_error.eq(REPLACED),
                devices::updated_at.eq(now),
            ))
            .execute(conn)?,
    )
}

fn register_one(
    conn: &mut DbConn,
    patient_id: &PatientId,
    new: &DeviceForm,
    now: NaiveDateTime,
) -> Result<(Device, Registered)> {
    if let Some(d) = reactivate(conn, patient_id, new, now)? {
        return Ok((d, Registered::Existing));
    }
    let device = Device {
        id: DeviceId::new(),
        patient_id: patient_id.to_owned(),
        platform: new.platform,
        token: new.token.clone(),
        app_version: new.app_version.clone(),
        active: true,
        last_error: None,
        created_at: now,
        updated_at: now,
        provider: new.provider,
        apns_environment: new.apns_environment,
        webpush_p256dh: new.webpush.as_ref().map(|k| k.p256dh.clone()),
        webpush_auth: new.webpush.as_ref().map(|k| k.auth.clone()),
    };
    match diesel::insert_into(devices::table)
        .values(&device)
        .execute(conn)
    {
        Ok(_) => Ok((device, Registered::Created)),
        // A concurrent registration of the same token won the insert: take that row over.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => reactivate(conn, patient_id, new, now)?
            .map(|d| (d, Registered::Existing))
            .ok_or(crate::Error::Conflict("device token".into())),
        Err(e) => Err(e.into()),
    }
}

fn reactivate(
    conn: &mut DbConn,
    patient_id: &PatientId,
    new: &DeviceForm,
    now: NaiveDateTime,
) -> Result<Option<Device>> {
    // A Web Push endpoint moves to another patient only with the keys it was registered with:
    // the same browser, signed in by someone else. Another account naming the endpoint with other
    // keys would divert the first patient's reminders (409 through the insert's conflict).
    macro_rules! changes {
        () => {
            (
                devices::patient_id.eq(patient_id),
                devices::platform.eq(new.platform),
                devices::app_version.eq(&new.app_version),
                devices::provider.eq(new.provider),
                devices::apns_environment.eq(new.apns_environment),
                devices::webpush_p256dh.eq(new.webpush.as_ref().map(|k| k.p256dh.clone())),
                devices::webpush_auth.eq(new.webpush.as_ref().map(|k| k.auth.clone())),
                devices::active.eq(true),
                devices::last_error.eq(None::<String>),
                devices::updated_at.eq(now),
            )
        };
    }
    let same_token = devices::token.eq(&new.token);
    let n = match &new.webpush {
        Some(keys) => diesel::update(
            devices::table.filter(same_token).filter(
                devices::patient_id
                    .eq(patient_id)
                    .or(devices::webpush_p256dh
                        .assume_not_null()
                        .eq(&keys.p256dh)
                        .and(devices::webpush_auth.assume_not_null().eq(&keys.auth))),
            ),
        )
        .set(changes!())
        .execute(conn)?,
        None => diesel::update(devices::table.filter(same_token))
            .set(changes!())
            .execute(conn)?,
    };
    if n == 0 {
        return Ok(None);
    }
    Ok(devices::table
        .filter(devices::token.eq(&new.token))
        .select(Device::as_select())
        .first(conn)
        .optional()?)
}

/// Deletes one of the patient's own devices; `false` when it is not theirs (or gone).
pub fn delete_own(conn: &mut DbConn, patient_id: &PatientId, id: &DeviceId) -> Result<bool> {
    let n = diesel::delete(
        devices::table
            .filter(devices::id.eq(id))
            .filter(devices::patient_id.eq(patient_id)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes the patient's active Web Push device of endpoint `token`, in one statement scoped to
/// the patient of `clinic_id` who is not erased; `false` when there is none.
pub fn delete_web_push_by_token(
    conn: &mut DbConn,
    clinic_id: &ClinicId,
    patient_id: &PatientId,
    token: &str,
) -> Result<bool> {
    let patient_of_clinic = patient_profiles::table
        .filter(patient_profiles::user_id.eq(patient_id))
        .filter(patient_profiles::clinic_id.eq(clinic_id))
        .filter(patient_profiles::erased_at.is_null());
    let n = diesel::delete(
        devices::table
            .filter(devices::token.eq(token))
            .filter(devices::patient_id.eq(patient_id))
            .filter(devices::provider.eq(PushProvider::WebPush))
            .filter(devices::active.eq(true))
            .filter(diesel::dsl::exists(patient_of_clinic)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// Every device of the patient, live or not, oldest first (the patient's data export).
pub fn for_patient(conn: &mut DbConn, patient_id: &PatientId) -> Result<Vec<Device>> {
    Ok(devices::table
        .filter(devices::patient_id.eq(patient_id))
        .order(devices::created_at.asc())
        .select(Device::as_select())
        .load(conn)?)
}

/// One page of the patient's devices, live or not, newest first (ids are time-ordered): at
/// most `limit`, only those with an id below `before_id` when given (the keyset cursor of
/// docs/CONTRACT.md `GET /v1/me/devices`).
pub fn page_for_patient(
    conn: &mut DbConn,
    patient_id: &PatientId,
    before_id: Option<&str>,
    limit: i64,
) -> Result<Vec<Device>> {
    let mut q = devices::table
        .filter(devices::patient_id.eq(patient_id))
        .into_boxed::<<DbConn as diesel::Connection>::Backend>();
    if let Some(before) = before_id {
        q = q.filter(devices::id.lt(before.to_owned()));
    }
    Ok(q.order(devices::id.desc())
        .limit(limit)
        .select(Device::as_select())
        .load(conn)?)
}

/// When something was last sent to each of `ids` (an attempt the provider accepted, an attempt
/// row or a send recorded on its prompt, `super::deliveries::inline`); devices never reached
/// are absent.
pub fn last_sent(conn: &mut DbConn, ids: &[&DeviceId]) -> Result<Vec<(DeviceId, NaiveDateTime)>> {
    let rows: Vec<(Option<DeviceId>, Option<NaiveDateTime>)> = delivery_attempts::table
        .filter(delivery_attempts::device_id.eq_any(ids))
        .filter(delivery_attempts::outcome.eq(DeliveryOutcome::Sent))
        .group_by(delivery_attempts::device_id)
        .select((
            delivery_attempts::device_id,
            diesel::dsl::max(delivery_attempts::attempted_at),
        ))
        .load(conn)?;
    let mut last: Vec<(DeviceId, NaiveDateTime)> = rows
        .into_iter()
        .filter_map(|(id, at)| Some((id?, at?)))
        .collect();
    for (id, at) in deliveries::inline::last_sent_by_device(conn, ids)? {
        match last.iter_mut().find(|(known, _)| *known == id) {
            Some((_, known)) => *known = (*known).max(at),
            None => last.push((id, at)),
        }
    }
    Ok(last)
}

/// Deletes every device of the patient (erasure); returns how many. The sends recorded on the
/// patient's prompts lose the device id too, as the attempt rows do by their foreign key.
pub fn delete_for_patient(conn: &mut DbConn, patient_id: &PatientId) -> Result<usize> {
    deliveries::inline::forget_devices_for_patient(conn, patient_id)?;
    Ok(diesel::delete(devices::table.filter(devices::patient_id.eq(patient_id))).execute(conn)?)
}

pub fn active_for_patient(conn: &mut DbConn, patient_id: &PatientId) -> Result<Vec<Device>> {
    Ok(devices::table
        .filter(devices::patient_id.eq(patient_id))
        .filter(devices::active.eq(true))
        .order(devices::created_at.asc())
        .select(Device::as_select())
        .load(conn)?)
}

/// The active devices of all `patients`, oldest first: one query for a worker's read window.
pub fn active_for_patients(conn: &mut DbConn, patients: &[&PatientId]) -> Result<Vec<Device>> {
    Ok(devices::table
        .filter(devices::patient_id.eq_any(patients))
        .filter(devices::active.eq(true))
        .order(devices::created_at.asc())
        .select(Device::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConn, id: &DeviceId) -> Result<Device> {
    Ok(devices::table
        .find(id)
        .select(Device::as_select())
        .first(conn)?)
}

/// The provider said the token is dead: stop sending to it until the app registers again.
pub fn deactivate(
    conn: &mut DbConn,
    id: &DeviceId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(devices::table.find(id))
        .set((
            devices::active.eq(false),
            devices::last_error.eq(reason),
            devices::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
