//! The SMS provider's settings (a Twilio-compatible Messages API): declared here, listed in
//! [`super::SETTINGS`] after the mail settings.

use super::Setting;

pub const SMS_BASE_URL: Setting = Setting::with_default(
    "AFTERCARE_SMS_BASE_URL",
    "https://api.twilio.com",
    "Twilio-compatible Messages API endpoint (https; http to 127.0.0.1, ::1 or localhost only outside production)",
);
pub const SMS_ACCOUNT_SID: Setting = Setting::optional(
    "AFTERCARE_SMS_ACCOUNT_SID",
    "the provider's account SID (Twilio `AC…`); with the auth token and a sender, enables texts (SMS)",
);
pub const SMS_AUTH_TOKEN: Setting = Setting::optional(
    "AFTERCARE_SMS_AUTH_TOKEN",
    "the account's auth token: authenticates requests (HTTP Basic) and checks the provider's callbacks (X-Twilio-Signature)",
);
pub const SMS_AUTH_TOKEN_FILE: Setting = Setting::optional(
    "AFTERCARE_SMS_AUTH_TOKEN_FILE",
    "file holding AFTERCARE_SMS_AUTH_TOKEN (a Docker or Kubernetes secret); setting both is an error",
);
pub const SMS_FROM: Setting = Setting::optional(
    "AFTERCARE_SMS_FROM",
    "the sender number in E.164 (e.g. +15005550006); set this or AFTERCARE_SMS_MESSAGING_SERVICE_SID, not both",
);
pub const SMS_MESSAGING_SERVICE_SID: Setting = Setting::optional(
    "AFTERCARE_SMS_MESSAGING_SERVICE_SID",
    "the sender as a messaging service SID (Twilio `MG…`), instead of AFTERCARE_SMS_FROM",
);
pub const SMS_RATE_PER_SEC: Setting = Setting::with_default(
    "AFTERCARE_SMS_RATE_PER_SEC",
    "1",
    "texts per second from the sender, shared by every worker through the database (1-1000; a long code sends about 1 a second, a messaging service or short code more)",
);
