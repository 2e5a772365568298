//! Android devices through FCM HTTP v1: request shape, token caching, each error path.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use shared::testing::smtp::SmtpServer;
use wiremock::ResponseTemplate;

use crate::both_backends;
use crate::fakes::{FCM_ACCESS_TOKEN, FCM_CLIENT_EMAIL, FakeFcm, key_path};
use crate::helpers::drain;

fn unregistered() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({"error": {
        "code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND",
        "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]
    }}))
}

both_backends! {
    async fn android_prompt_reaches_fcm_in_the_v1_shape(env) {
        let fcm = FakeFcm::start().await;
        env.set(fcm.settings());
        let (clinic, patient) = env.patient().await;
        env.device(&patient.id, "android", "android-token-1").await;
        let first = env.prompt(&clinic.id, &patient.id).await;
        let second = env.prompt(&clinic.id, &patient.id).await;

        assert_eq!(drain(&env.worker()).await, 2);

        let p = env.reload(&first.id).await;
        assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str()), p.attempts), ("sent", Some("fcm"), 1));
        assert!(p.lease_owner.is_none() && p.sent_at.is_some());
        let attempts = env.attempts(&first.id).await;
        assert_eq!(attempts.len(), 1);
        assert_eq!((attempts[0].channel.as_str(), attempts[0].outcome.as_str()), ("fcm", "sent"));
        assert!(attempts[0].provider_id.as_deref().unwrap().starts_with("projects/test-project/messages/"));

        let reqs = fcm.requests();
        assert_eq!(reqs.len(), 2);
        let r = reqs.iter().find(|r| r.key() == first.idempotency_key).unwrap();
        assert_eq!(r.authorization, format!("Bearer {FCM_ACCESS_TOKEN}"));
        let m = &r.body["message"];
        assert_eq!(m["token"], "android-token-1");
        // Lock-screen safe by default: neutral text, ids only.
        assert_eq!(m["notification"], json!({"title": "Aftercare", "body": "You have a new care reminder"}));
        assert_eq!(m["data"], json!({"prompt_id": first.id, "kind": "aftercare", "idempotency_key": first.idempotency_key}));
        assert_eq!(m["android"]["collapse_key"], first.idempotency_key.as_str());
        assert_eq!(m["android"]["notification"]["tag"], first.idempotency_key.as_str());
        assert_eq!(m["android"]["ttl"], "43200s");
        assert_eq!(m["android"]["priority"], "HIGH");
        assert_eq!(m["apns"]["headers"]["apns-collapse-id"], first.idempotency_key.as_str());
        assert!(!r.body.to_string().contains("redness"), "no prompt text in a private push");
        assert!(reqs.iter().any(|r| r.key() == second.idempotency_key));

        // One OAuth2 exchange for both sends (cached), signed RS256 by the service account.
        let assertions = fcm.assertions.lock().unwrap().clone();
        assert_eq!(assertions.len(), 1);
        let public = std::fs::read(key_path("fcm_test_rsa.pub.pem")).unwrap();
        let mut v = Validation::new(Algorithm::RS256);
        v.set_audience(&[format!("{}/token", fcm.server.uri())]);
        v.set_issuer(&[FCM_CLIENT_EMAIL]);
        let token = jsonwebtoken::decode::<Value>(&assertions[0], &DecodingKey::from_rsa_pem(&public).unwrap(), &v).unwrap();
        assert_eq!(token.header.kid.as_deref(), Some("test-key-1"));
        assert_eq!(token.claims["scope"], "https://www.googleapis.com/auth/firebase.messaging");
    }

    async fn full_preview_shows_the_prompt_text(env) {
        let fcm = FakeFcm::start().await;
        env.set(fcm.settings());
        let (clinic, patient) = env.patient().await;
        env.profile(&patient.id, |p| p.lock_screen_preview = shared::domain::LockScreenPreview::Full).await;
        env.device(&patient.id, "android", "android-token-full").await;
        env.prompt(&clinic.id, &patient.id).await;
        drain(&env.worker()).await;
        let reqs = fcm.requests();
        assert_eq!(reqs[0].body["message"]["notification"]["title"], "Redness check");
        assert_eq!(reqs[0].body["message"]["notification"]["body"], "Is the redness fading since yesterday?");
    }

    async fn unregistered_token_deactivates_the_device_and_email_takes_over(env) {
        let fcm = FakeFcm::start().await;
        let smtp = SmtpServer::start().await;
        env.set(fcm.settings());
        env.set(smtp.settings());
        let (clinic, patient) = env.patient().await;
        let device = env.device(&patient.id, "android", "stale-token").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        fcm.answer([unregistered()]);

        drain(&env.worker()).await;

        let d = env.device_row(&device.id).await;
        assert!(!d.active);
        assert_eq!(d.last_error.as_deref(), Some("UNREGISTERED"));
        assert_eq!(smtp.wait_for(&patient.email, 1).await.len(), 1);
        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str())), ("sent", Some("email")));
        let outcomes: Vec<_> = env.attempts(&prompt.id).await.into_iter().map(|a| (a.channel.as_str(), a.outcome.as_str())).collect();
        assert_eq!(outcomes, [("fcm", "invalid_token"), ("email", "sent")]);

        // The dead device is not tried again.
        env.prompt(&clinic.id, &patient.id).await;
        drain(&env.worker()).await;
        assert_eq!(fcm.count(), 1);
    }

    async fn not_a_valid_registration_token_without_email_is_a_dead_letter(env) {
        let fcm = FakeFcm::start().await;
        env.set(fcm.settings());
        let (clinic, patient) = env.patient().await;
        env.profile(&patient.id, |p| p.email_enabled = false).await;
        let device = env.device(&patient.id, "android", "garbage").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        fcm.answer([ResponseTemplate::new(400).set_body_json(json!({"error": {
            "code": 400, "status": "INVALID_ARGUMENT",
            "message": "The registration token is not a valid FCM registration token"}}))]);

        drain(&env.worker()).await;

        assert!(!env.device_row(&device.id).await.active);
        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.last_error.as_deref()), ("failed", Some("no_valid_device")));
    }

    async fn too_many_requests_retries_no_sooner_than_retry_after(env) {
        let fcm = FakeFcm::start().await;
        env.set(fcm.settings());
        let (clinic, patient) = env.patient().await;
        env.device(&patient.id, "android", "busy-token").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        fcm.answer([ResponseTemplate::new(429).insert_header("Retry-After", "900")]);
        let before = shared::time::now();

        drain(&env.worker()).await;

        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.attempts), ("scheduled", 1));
        assert!(p.lease_owner.is_none() && p.lease_expires_at.is_none());
        assert!(p.available_at >= before + chrono::Duration::seconds(900), "{:?}", p.available_at);
        let a = env.attempts(&prompt.id).await;
        assert_eq!((a[0].outcome.as_str(), a[0].status_code), ("retry", Some(429)));
        // Not due yet: a second tick sends nothing.
        assert_eq!(drain(&env.worker()).await, 0);
        assert_eq!(fcm.count(), 1);
    }

    async fn server_errors_back_off_then_become_a_dead_letter(env) {
        let fcm = FakeFcm::start().await;
        env.set(fcm.settings());
        let (clinic, patient) = env.patient().await;
        env.device(&patient.id, "android", "flaky-token").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        fcm.answer([ResponseTemplate::new(503), ResponseTemplate::new(500), ResponseTemplate::new(503)]);
        let w = env.worker();

        drain(&w).await;
        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.attempts), ("scheduled", 1));
        // Exponential with jitter: the first wait is 15–30 s.
        let wait = (p.available_at - shared::time::now()).num_seconds();
        assert!((13..=30).contains(&wait), "{wait}");
        env.make_due(&prompt.id).await;
        drain(&w).await;
        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.attempts), ("scheduled", 2));
        env.make_due(&prompt.id).await;
        drain(&w).await;

        // AFTERCARE_MAX_ATTEMPTS=3: the third failure is final and visible.
        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.attempts), ("failed", 3));
        assert!(p.last_error.as_deref().unwrap().starts_with("gave up after 3 attempts"));
        assert_eq!(env.attempts(&prompt.id).await.len(), 3);
        env.make_due(&prompt.id).await;
        assert_eq!(drain(&w).await, 0);
    }
}
