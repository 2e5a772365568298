use super::*;

// A throwaway P-256 key for these tests only.
const TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg31sF5oATwybqRqcm
mVj+DaHWvd1SQiSuWqcT2pOWq9GhRANCAAR7aNfL0oW6rDRWKoHXhyZgfiIXRfQj
jO64Nt4u1Zq1fayVnMnMTyWJY8sgO7f1FiDzTvnrHlUVMYQKHwXG0jLM
-----END PRIVATE KEY-----
";

fn token() -> ProviderToken {
    let key = EncodingKey::from_ec_pem(TEST_KEY.as_bytes()).unwrap();
    ProviderToken::new(key, "KEYID12345", "TEAMID1234")
}

#[test]
fn provider_token_is_reused_then_refreshed_within_apples_window() {
    let mut t = token();
    let start = 1_700_000_000;
    let first = t.get(start).unwrap();
    assert_eq!(t.get(start + 49 * 60).unwrap(), first, "reused for 49 min");
    let second = t.get(start + 50 * 60).unwrap();
    assert_ne!(second, first, "replaced at 50 min, before Apple's 60");
    // APNs calling a 5-minute-old token expired does not make us refresh (20-min floor).
    t.expire(start + 55 * 60);
    assert_eq!(t.get(start + 55 * 60).unwrap(), second);
    t.expire(start + 71 * 60);
    assert_ne!(t.get(start + 71 * 60).unwrap(), second);

    let header = jsonwebtoken::decode_header(&second).unwrap();
    assert_eq!(header.alg, Algorithm::ES256);
    assert_eq!(header.kid.as_deref(), Some("KEYID12345"));
}

#[test]
fn ids_are_stable_and_within_apple_limits() {
    let long = "x".repeat(100);
    assert_eq!(collapse_id("short-key"), "short-key");
    assert_eq!(collapse_id(&long).len(), 64);
    assert_eq!(apns_id("k"), apns_id("k"));
    assert_ne!(apns_id("k"), apns_id("j"));
    assert!(uuid::Uuid::parse_str(&apns_id("k")).is_ok());
}

#[test]
fn answers_are_classified() {
    assert!(matches!(
        classify(410, None, "Unregistered", None),
        PushOutcome::InvalidToken { .. }
    ));
    assert!(matches!(
        classify(400, None, "BadDeviceToken", None),
        PushOutcome::InvalidToken { .. }
    ));
    assert!(matches!(
        classify(400, None, "BadCollapseId", None),
        PushOutcome::Failed { .. }
    ));
    for (status, reason) in [
        (400, "DeviceTokenNotForTopic"),
        (400, "BadTopic"),
        (400, "MissingTopic"),
        (400, "TopicDisallowed"),
        (403, "InvalidProviderToken"),
        (403, "BadCertificate"),
        (403, "BadCertificateEnvironment"),
    ] {
        assert_eq!(
            classify(status, None, reason, None),
            PushOutcome::Misconfigured {
                status: Some(status),
                reason: reason.into()
            }
        );
    }
    assert!(
        matches!(
            classify(403, None, "ExpiredProviderToken", None),
            PushOutcome::Retry { .. }
        ),
        "an expired provider token is refreshed by the next attempt"
    );
    assert!(matches!(
        classify(429, None, "TooManyRequests", None),
        PushOutcome::Retry { .. }
    ));
    assert!(matches!(
        classify(503, None, "ServiceUnavailable", None),
        PushOutcome::Retry { .. }
    ));
}
