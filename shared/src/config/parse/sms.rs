//! The SMS provider's settings: all of account SID, auth token and one sender, or none.

use super::{ConfigError, Vars, err, s};
use crate::config::{Environment, Secret, SmsConfig, SmsSender};

const PARTIAL: &str = "texts need AFTERCARE_SMS_ACCOUNT_SID, AFTERCARE_SMS_AUTH_TOKEN (or its _FILE) and AFTERCARE_SMS_FROM or AFTERCARE_SMS_MESSAGING_SERVICE_SID together; unset them all to leave texts off";

pub(super) fn sms(v: &Vars<'_>, env: Environment) -> Result<Option<SmsConfig>, ConfigError> {
    let sid = v.owned(&s::SMS_ACCOUNT_SID);
    let token = v.owned(&s::SMS_AUTH_TOKEN);
    let from = v.owned(&s::SMS_FROM);
    let service = v.owned(&s::SMS_MESSAGING_SERVICE_SID);
    let sender = match (from, service) {
        (Some(_), Some(_)) => {
            return Err(err(
                &s::SMS_FROM,
                "set AFTERCARE_SMS_FROM or AFTERCARE_SMS_MESSAGING_SERVICE_SID, not both",
            ));
        }
        (Some(number), None) => Some(SmsSender::From(e164(&number)?)),
        (None, Some(service)) => Some(SmsSender::MessagingService(identifier(
            &s::SMS_MESSAGING_SERVICE_SID,
            &service,
        )?)),
        (None, None) => None,
    };
    let (account_sid, auth_token, sender) = match (sid, token, sender) {
        (None, None, None) => return Ok(None),
        (Some(sid), Some(token), Some(sender)) => (sid, token, sender),
        _ => return Err(err(&s::SMS_ACCOUNT_SID, PARTIAL)),
    };
    let rate_per_sec: u32 = v.parse(&s::SMS_RATE_PER_SEC)?;
    if !(1..=1000).contains(&rate_per_sec) {
        return Err(err(&s::SMS_RATE_PER_SEC, "must be between 1 and 1000"));
    }
    Ok(Some(SmsConfig {
        base_url: base_url(v.value(&s::SMS_BASE_URL), env)?,
        account_sid: identifier(&s::SMS_ACCOUNT_SID, &account_sid)?,
        auth_token: Secret::new(token_text(&auth_token)?),
        sender,
        rate_per_sec,
    }))
}

/// An account or service SID: letters and digits only (it goes into the request path).
fn identifier(setting: &s::Setting, raw: &str) -> Result<String, ConfigError> {
    if raw.len() > 64 || !raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(err(
            setting,
            "expected the provider's SID: letters and digits (e.g. AC followed by 32 hexadecimal digits)",
        ));
    }
    Ok(raw.to_owned())
}

fn token_text(raw: &str) -> Result<String, ConfigError> {
    if raw.chars().any(char::is_control) || raw.contains(' ') {
        return Err(err(
            &s::SMS_AUTH_TOKEN,
            "the auth token has spaces or control characters (a file with more than one line?)",
        ));
    }
    Ok(raw.to_owned())
}

/// The sender number in E.164 (`+15017122661`), spaces and punctuation allowed on input;
/// validated with the libphonenumber metadata (`phonenumber`).
fn e164(raw: &str) -> Result<String, ConfigError> {
    let refuse = || {
        err(
            &s::SMS_FROM,
            format!(
                "{raw:?}: expected a phone number in E.164 with its country code, such as +15017122661"
            ),
        )
    };
    if !raw.trim_start().starts_with('+') {
        return Err(refuse());
    }
    let number = phonenumber::parse(None, raw).map_err(|_| refuse())?;
    if !phonenumber::is_valid(&number) {
        return Err(refuse());
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// `https://…`, or `http://` to a loopback host (127.0.0.1, ::1, localhost) outside production
/// (a fake provider on the same machine); no query or fragment; kept without a trailing `/`.
fn base_url(raw: &str, env: Environment) -> Result<String, ConfigError> {
    let setting = &s::SMS_BASE_URL;
    let url =
        reqwest::Url::parse(raw).map_err(|e| err(setting, format!("{raw:?}: not a URL ({e})")))?;
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if loopback && env != Environment::Production => {}
        "http" if loopback => {
            return Err(err(
                setting,
                "plain http to a loopback provider is for tests only, never with AFTERCARE_ENV=production",
            ));
        }
        _ => {
            return Err(err(
                setting,
                format!(
                    "{raw:?}: must be https (http only to 127.0.0.1, ::1 or localhost, outside production)"
                ),
            ));
        }
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(err(
            setting,
            format!("{raw:?}: no credentials, query or fragment"),
        ));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}
