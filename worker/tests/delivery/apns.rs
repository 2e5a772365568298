//! iOS devices through the APNs provider API over HTTP/2.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use shared::push::apns::apns_id;
use shared::testing::fixtures::apns_token;

use crate::both_backends;
use crate::fakes::{APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC, FakeApns, FakeFcm, key_path};
use crate::helpers::drain;

both_backends! {
    async fn ios_prompt_reaches_apns_over_http2_with_every_header(env) {
        let apns = FakeApns::start().await;
        env.set(apns.settings());
        let (clinic, patient) = env.patient().await;
        env.device(&patient.id, "ios", &apns_token("ios-token-1")).await;
        let first = env.prompt(&clinic.id, &patient.id).await;
        let second = env.prompt(&clinic.id, &patient.id).await;
        let before = chrono::Utc::now().timestamp();

        assert_eq!(drain(&env.worker()).await, 2);

        let p = env.reload(&first.id).await;
        assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str())), ("sent", Some("apns")));
        let a = env.attempts(&first.id).await;
        assert_eq!(a[0].provider_id.as_deref(), Some(apns_id(&first.idempotency_key).as_str()));

        let reqs = apns.requests();
        assert_eq!(reqs.len(), 2);
        let r = reqs.iter().find(|r| r.headers["apns-collapse-id"] == first.idempotency_key).unwrap();
        assert_eq!(r.version, hyper::Version::HTTP_2);
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", format!("/3/device/{}", apns_token("ios-token-1")).as_str()));
        assert_eq!(r.headers["apns-topic"], APNS_TOPIC);
        assert_eq!(r.headers["apns-push-type"], "alert");
        assert_eq!(r.headers["apns-priority"], "10");
        assert_eq!(r.headers["apns-id"], apns_id(&first.idempotency_key));
        let expiration: i64 = r.headers["apns-expiration"].parse().unwrap();
        assert!(expiration >= before + 12 * 3600 && expiration <= before + 12 * 3600 + 60);
        assert_eq!(r.body["aps"]["alert"], json!({"title": "Aftercare", "body": "You have a new care reminder"}));
        assert_eq!(r.body["prompt_id"], first.id.as_str());
        assert_eq!(r.body["kind"], "aftercare");

        // Provider token: ES256 with kid and iss, reused for the second request.
        let jwt = r.headers["authorization"].strip_prefix("bearer ").unwrap();
        let header = jsonwebtoken::decode_header(jwt).unwrap();
        assert_eq!((header.alg, header.kid.as_deref()), (Algorithm::ES256, Some(APNS_KEY_ID)));
        let public = std::fs::read(key_path("apns_test_key.pub.pem")).unwrap();
        let mut v = Validation::new(Algorithm::ES256);
        v.required_spec_claims.clear();
        v.validate_exp = false;
        let claims = jsonwebtoken::decode::<Value>(jwt, &DecodingKey::from_ec_pem(&public).unwrap(), &v).unwrap().claims;
        assert_eq!(claims["iss"], APNS_TEAM_ID);
        assert!(claims["iat"].as_i64().unwrap() >= before - 1);
        let other = reqs.iter().find(|r| r.headers["apns-collapse-id"] == second.idempotency_key).unwrap();
        assert_eq!(other.headers["authorization"], r.headers["authorization"]);
    }

    async fn gone_and_bad_tokens_deactivate_while_other_devices_still_deliver(env) {
        let apns = FakeApns::start().await;
        let fcm = FakeFcm::start().await;
        env.set(apns.settings());
        env.set(fcm.settings());
        let (clinic, patient) = env.patient().await;
        let ios = env.device(&patient.id, "ios", &apns_token("ios-gone")).await;
        env.device(&patient.id, "android", "android-ok").await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        apns.answer([(410, Some("Unregistered"), vec![])]);

        drain(&env.worker()).await;

        assert!(!env.device_row(&ios.id).await.active);
        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str())), ("sent", Some("fcm")));

        let (clinic2, patient2) = env.patient().await;
        let bad = env.device(&patient2.id, "ios", &apns_token("ios-bad")).await;
        env.profile(&patient2.id, |p| p.email_enabled = false).await;
        let prompt2 = env.prompt(&clinic2.id, &patient2.id).await;
        apns.answer([(400, Some("BadDeviceToken"), vec![])]);
        drain(&env.worker()).await;
        assert_eq!(env.device_row(&bad.id).await.last_error.as_deref(), Some("BadDeviceToken"));
        assert_eq!(env.reload(&prompt2.id).await.status.as_str(), "failed");

        // A stored token that is not hex (registered before the API checked the shape) never
        // reaches the URL path: retired as APNs would retire it, with no request made.
        let (clinic3, patient3) = env.patient().await;
        let hostile = env.device(&patient3.id, "ios", "../../3/device/x?y=1").await;
        env.profile(&patient3.id, |p| p.email_enabled = false).await;
        let prompt3 = env.prompt(&clinic3.id, &patient3.id).await;
        let requests = apns.requests().len();
        drain(&env.worker()).await;
        assert_eq!(apns.requests().len(), requests, "a request was made");
        let row = env.device_row(&hostile.id).await;
        assert!(!row.active && row.last_error.as_deref().is_some_and(|e| e.starts_with("BadDeviceToken")), "{row:?}");
        assert_eq!(env.reload(&prompt3.id).await.status.as_str(), "failed");
    }

    async fn unavailable_apns_is_retried_after_its_retry_after(env) {
        let apns = FakeApns::start().await;
        env.set(apns.settings());
        let (clinic, patient) = env.patient().await;
        env.device(&patient.id, "ios", &apns_token("ios-busy")).await;
        let prompt = env.prompt(&clinic.id, &patient.id).await;
        apns.answer([(503, Some("ServiceUnavailable"), vec![("retry-after", "600".to_owned())])]);
        let before = shared::time::now();

        drain(&env.worker()).await;

        let p = env.reload(&prompt.id).await;
        assert_eq!((p.status.as_str(), p.attempts), ("scheduled", 1));
        assert!(p.available_at >= before + chrono::Duration::seconds(600));
        assert_eq!(p.last_error.as_deref(), Some("ServiceUnavailable"));
    }
}
