use super::*;
use serde_json::json;

#[test]
fn answers_are_classified() {
    let unregistered = json!({"error": {"code": 404, "status": "NOT_FOUND",
        "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}});
    assert!(matches!(
        classify(404, None, &unregistered),
        PushOutcome::InvalidToken { .. }
    ));
    let bad_token = json!({"error": {"code": 400, "status": "INVALID_ARGUMENT",
        "message": "The registration token is not a valid FCM registration token"}});
    assert!(matches!(
        classify(400, None, &bad_token),
        PushOutcome::InvalidToken { .. }
    ));
    let other_400 =
        json!({"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "bad ttl"}});
    assert!(matches!(
        classify(400, None, &other_400),
        PushOutcome::Failed { .. }
    ));
    for code in ["SENDER_ID_MISMATCH", "THIRD_PARTY_AUTH_ERROR"] {
        let body = json!({"error": {"code": 403, "status": "PERMISSION_DENIED",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}]}});
        assert_eq!(
            classify(403, None, &body),
            PushOutcome::Misconfigured {
                status: Some(403),
                reason: code.into()
            }
        );
    }
    let denied = json!({"error": {"code": 403, "status": "PERMISSION_DENIED"}});
    assert!(matches!(
        classify(403, None, &denied),
        PushOutcome::Misconfigured { .. }
    ));
    let after = Some(Duration::from_secs(7));
    assert_eq!(
        classify(429, after, &Value::Null),
        PushOutcome::Retry {
            status: Some(429),
            after,
            reason: "HTTP 429".into()
        }
    );
    assert!(matches!(
        classify(503, None, &Value::Null),
        PushOutcome::Retry { .. }
    ));
    assert_eq!(
        classify(200, None, &json!({"name": "projects/p/messages/1"})),
        PushOutcome::Sent {
            provider_id: Some("projects/p/messages/1".into())
        }
    );
}
