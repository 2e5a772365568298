//! What a stored delivery failure or cancellation means, whoever reads it: the provider's or the
//! worker's text on a prompt (`prompts.last_error`) or a device (`devices.last_error`) read into a
//! closed set, so a page or a client labels the set and never parses provider strings itself.

/// What a stored delivery failure or cancellation means for the clinic. The stored text is the
/// provider's or the worker's (`Unregistered`, `APNs 410 …`, `gave up after 5 attempts: …`,
/// `patient_discharged`); it is read here and never shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryFailure {
    /// The push token is dead: the app was removed or the phone stopped accepting notifications.
    DeviceGone,
    /// No channel could reach the patient (no live device, email off).
    NoChannel,
    /// The clinic's provider credentials were refused (ours to fix, not the patient's).
    ServiceSetup,
    /// The provider could not be reached or was busy: it is tried again.
    Unreachable,
    /// The worker stopped retrying.
    GaveUp,
    /// The provider refused the message for another reason.
    Refused,
    /// Not sent, by design: the patient was discharged, erased, not active or opted out.
    Discharged,
    Erased,
    Inactive,
    Missing,
    ChannelsOff,
    /// Anything else.
    Other,
}

impl DeliveryFailure {
    /// Reads a stored failure or cancellation text.
    pub fn classify(stored: &str) -> DeliveryFailure {
        let s = stored.trim();
        match s {
            "patient_discharged" => return DeliveryFailure::Discharged,
            "patient_erased" => return DeliveryFailure::Erased,
            "patient_inactive" => return DeliveryFailure::Inactive,
            "patient_missing" => return DeliveryFailure::Missing,
            "channels_off" => return DeliveryFailure::ChannelsOff,
            "no_reachable_channel" => return DeliveryFailure::NoChannel,
            "no_valid_device" => return DeliveryFailure::DeviceGone,
            _ => {}
        }
        const GONE: [&str; 6] = [
            "Unregistered",
            "subscription gone",
            "BadDeviceToken",
            "UNREGISTERED",
            "INVALID_REGISTRATION_TOKEN",
            " 410",
        ];
        // What `crate::push::PushOutcome::Misconfigured` stores: a device token "not for this
        // topic" means the app's bundle id in our settings is wrong, a sender-id mismatch the
        // Firebase project: the operator's to fix, not the patient's phone. Checked first, so
        // "DeviceTokenNotForTopic" never reads as a bad token.
        const SETUP: [&str; 13] = [
            "DeviceTokenNotForTopic",
            "VAPID",
            "Topic",
            "ProviderToken",
            "BadCertificate",
            "Forbidden",
            "signing the",
            "token endpoint",
            "SENDER_ID_MISMATCH",
            "THIRD_PARTY_AUTH_ERROR",
            "PERMISSION_DENIED",
            "UNAUTHENTICATED",
            "push settings refused",
        ];
        const BUSY: [&str; 8] = [
            "timeout",
            "connect",
            "network",
            "HTTP 429",
            "HTTP 5",
            "UNAVAILABLE",
            "INTERNAL",
            "QUOTA_EXCEEDED",
        ];
        if s.starts_with("gave up after") {
            DeliveryFailure::GaveUp
        } else if SETUP.iter().any(|k| s.contains(k)) {
            DeliveryFailure::ServiceSetup
        } else if GONE.iter().any(|k| s.contains(k)) {
            DeliveryFailure::DeviceGone
        } else if BUSY.iter().any(|k| s.contains(k)) {
            DeliveryFailure::Unreachable
        } else if s.starts_with("HTTP 4") || s.starts_with("INVALID_ARGUMENT") {
            DeliveryFailure::Refused
        } else {
            DeliveryFailure::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DeliveryFailure;

    #[test]
    fn a_topic_mismatch_is_the_setup_not_the_phone() {
        assert_eq!(
            DeliveryFailure::classify("APNs 400 DeviceTokenNotForTopic"),
            DeliveryFailure::ServiceSetup
        );
        assert_eq!(
            DeliveryFailure::classify("APNs 410 Unregistered"),
            DeliveryFailure::DeviceGone
        );
        for setup in [
            "BadTopic",
            "TopicDisallowed",
            "InvalidProviderToken",
            "BadCertificate",
            "SENDER_ID_MISMATCH",
            "THIRD_PARTY_AUTH_ERROR",
            "token endpoint answered 401",
        ] {
            assert_eq!(
                DeliveryFailure::classify(setup),
                DeliveryFailure::ServiceSetup,
                "{setup}"
            );
        }
    }
}
