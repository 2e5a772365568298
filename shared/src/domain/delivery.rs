//! Codes of the prompt outbox and its delivery log (`prompts`, `delivery_attempts`). The codes are
//! the stored strings, which the migrations' `CHECK` constraints also list.

use super::code_enum;

code_enum!(
    /// What a prompt is for. Stored in `prompts.kind`; the app may style each differently.
    ///
    /// - `aftercare`: what is normal today and how to look after the skin;
    /// - `check_in`: asks the patient to report how the skin is doing (day 5);
    /// - `warning_signs`: the signs that mean "contact the clinic";
    /// - `session_reminder`: before a booked session of the course;
    /// - `rebook`: the interval has ended and no next session is booked;
    /// - `results`: what to expect from the results after the final session;
    /// - `maintenance`: about a year after the course, a maintenance session may help.
    PromptKind {
        Aftercare => "aftercare",
        CheckIn => "check_in",
        WarningSigns => "warning_signs",
        SessionReminder => "session_reminder",
        Rebook => "rebook",
        Results => "results",
        Maintenance => "maintenance",
    }
);

code_enum!(
    /// Where a prompt is in the outbox (`prompts.status`): `scheduled` waits for its
    /// `available_at`, `sending` is leased to one worker, `acknowledged` means the patient opened
    /// it, `failed` is a dead letter shown to the clinic.
    PromptStatus {
        Scheduled => "scheduled",
        Sending => "sending",
        Sent => "sent",
        Acknowledged => "acknowledged",
        Cancelled => "cancelled",
        Failed => "failed",
    }
);

impl PromptStatus {
    /// The one status word a prompt is shown with, by the API (`GET /v1/me/prompts`, the
    /// timeline, the clinic's patient record) and the console alike: `acknowledged` once the
    /// patient acknowledged it in the app, whatever became of its delivery (sent, not sent yet
    /// — then it is never sent —, being sent, or failed), unless it was cancelled; else its
    /// stored status. `sending` is an internal state and is shown as `scheduled`.
    pub fn shown(self, acknowledged: bool) -> PromptStatus {
        match self {
            PromptStatus::Cancelled => self,
            _ if acknowledged => PromptStatus::Acknowledged,
            PromptStatus::Sending => PromptStatus::Scheduled,
            other => other,
        }
    }
}

code_enum!(
    /// How a message went out (`prompts.channel`, `delivery_attempts.channel`). `log` is the
    /// mail channel when no SMTP server is configured: the message is written to the log only.
    DeliveryChannel {
        Fcm => "fcm",
        Apns => "apns",
        WebPush => "webpush",
        Sms => "sms",
        Email => "email",
        Log => "log",
    }
);

code_enum!(
    /// What one delivery attempt came to (`delivery_attempts.outcome`): `invalid_token` means the
    /// provider rejected the device token for good, so the device is deactivated; `pending` is a
    /// text recorded before the provider was called and not yet completed (a crash in between
    /// leaves it so, and the text is not sent again).
    DeliveryOutcome {
        Pending => "pending",
        Sent => "sent",
        Retry => "retry",
        InvalidToken => "invalid_token",
        Failed => "failed",
    }
);

code_enum!(
    /// The push service a device's token belongs to (`devices.provider`). Apps built with
    /// Flutter or React Native register FCM tokens on iOS too, so the platform alone does not
    /// tell; a device that does not say gets FCM on android and APNs on ios. `webpush` is a
    /// browser's Web Push subscription (RFC 8030), the only provider of platform `web`.
    PushProvider { Fcm => "fcm", Apns => "apns", WebPush => "webpush" }
);

impl PushProvider {
    /// What a device of `platform` that names no provider uses.
    pub fn default_for(platform: super::Platform) -> Self {
        match platform {
            super::Platform::Android => PushProvider::Fcm,
            super::Platform::Ios => PushProvider::Apns,
            super::Platform::Web => PushProvider::WebPush,
        }
    }
}

code_enum!(
    /// Which APNs host an APNs token is valid on (`devices.apns_environment`): builds installed
    /// from Xcode get `sandbox` tokens, which only `api.sandbox.push.apple.com` accepts
    /// (Apple, "Sending notification requests to APNs"); App Store and TestFlight builds get
    /// `production` ones.
    ApnsEnvironment { Production => "production", Sandbox => "sandbox" }
);

code_enum!(
    /// What became of one step of a prompt's delivery: `sent` (the provider took it),
    /// `delivered` (the provider confirmed it reached the handset: a text's receipt), `failed`
    /// (refused, now or for good, or reported undelivered).
    DeliveryStepStatus {
        Sent => "sent",
        Delivered => "delivered",
        Failed => "failed",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_codes_are_the_ones_the_migrations_allow() {
        let codes = |all: &[PromptStatus]| all.iter().map(|s| s.as_str()).collect::<Vec<_>>();
        assert_eq!(
            codes(PromptStatus::ALL),
            [
                "scheduled",
                "sending",
                "sent",
                "acknowledged",
                "cancelled",
                "failed"
            ]
        );
        assert_eq!(PromptKind::parse("check_in"), Some(PromptKind::CheckIn));
        assert_eq!(DeliveryChannel::parse("log"), Some(DeliveryChannel::Log));
        assert_eq!(
            DeliveryOutcome::parse("invalid_token"),
            Some(DeliveryOutcome::InvalidToken)
        );
    }
}
