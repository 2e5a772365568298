//! The native push providers' settings: FCM (project, service account, endpoint, HTTP version,
//! the project's shared quota) and APNs (key, team, topic, hosts), each all or nothing.

use super::{ConfigError, Vars, err, s};
use crate::config::{ApnsConfig, FcmConfig, HttpVersion};

pub(super) fn fcm(v: &Vars<'_>) -> Result<Option<FcmConfig>, ConfigError> {
    match (
        v.owned(&s::FCM_PROJECT_ID),
        v.owned(&s::FCM_SERVICE_ACCOUNT_FILE),
    ) {
        (Some(project_id), Some(service_account_file)) => Ok(Some(FcmConfig {
            project_id,
            service_account_file,
            base_url: v.value(&s::FCM_BASE_URL).to_owned(),
            http: v.choice(&s::FCM_HTTP, &HttpVersion::WORDS)?,
            token_url: v.owned(&s::FCM_TOKEN_URL),
            quota_per_minute: quota_per_minute(v)?,
        })),
        (None, None) => Ok(None),
        _ => Err(err(
            &s::FCM_PROJECT_ID,
            "set both AFTERCARE_FCM_PROJECT_ID and AFTERCARE_FCM_SERVICE_ACCOUNT_FILE, or neither",
        )),
    }
}

fn quota_per_minute(v: &Vars<'_>) -> Result<i64, ConfigError> {
    let quota: i64 = v.parse(&s::FCM_QUOTA_PER_MINUTE)?;
    if !(60..=100_000_000).contains(&quota) {
        return Err(err(
            &s::FCM_QUOTA_PER_MINUTE,
            "must be between 60 and 100000000",
        ));
    }
    Ok(quota)
}

pub(super) fn apns(v: &Vars<'_>) -> Result<Option<ApnsConfig>, ConfigError> {
    let parts = [
        v.owned(&s::APNS_KEY_FILE),
        v.owned(&s::APNS_KEY_ID),
        v.owned(&s::APNS_TEAM_ID),
        v.owned(&s::APNS_TOPIC),
    ];
    match parts {
        [Some(key_file), Some(key_id), Some(team_id), Some(topic)] => Ok(Some(ApnsConfig {
            key_file,
            key_id,
            team_id,
            topic,
            base_url: v.value(&s::APNS_BASE_URL).to_owned(),
            sandbox_base_url: v.value(&s::APNS_SANDBOX_BASE_URL).to_owned(),
        })),
        [None, None, None, None] => Ok(None),
        _ => Err(err(
            &s::APNS_KEY_FILE,
            "APNs needs AFTERCARE_APNS_KEY_FILE, _KEY_ID, _TEAM_ID and _TOPIC together",
        )),
    }
}
