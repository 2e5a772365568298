//! Web Push subscriptions as devices (`POST /v1/me/devices` with `subscription`) and the VAPID
//! public key (`GET /v1/push/vapid-public-key`), docs/CONTRACT.md v1 additions.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use shared::db::Backend;

use crate::both_backends;
use crate::helpers::{TestApp, problem};

// RFC 8291 Appendix A's user agent key and authentication secret: a valid subscription.
const P256DH: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

fn subscription(endpoint: &str, p256dh: &str, auth: &str) -> Value {
    json!({
        "platform": "web",
        "provider": "webpush",
        "app_version": "web-1",
        "subscription": {"endpoint": endpoint, "expirationTime": null, "keys": {"p256dh": p256dh, "auth": auth}},
    })
}

fn fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

both_backends! {
    async fn a_browser_subscription_is_a_device_listed_by_its_hint_only(app) {
        let (admin, _) = app.staff("clinic_admin").await;
        let (_, token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let endpoint = "https://fcm.googleapis.com/fcm/send/dWx0cmEtc2VjcmV0LWVuZHBvaW50:APA91bXyZ9";
        let body = subscription(endpoint, P256DH, AUTH);
        let resp = app.post_json("/v1/me/devices", Some(&token), &body).await;
        assert_eq!(resp.status().as_u16(), 201);
        let created: Value = resp.json().await.unwrap();
        assert_eq!((created["platform"].as_str(), created["provider"].as_str()), (Some("web"), Some("webpush")));
        assert_eq!(created["apns_environment"], Value::Null);
        let again = app.post_json("/v1/me/devices", Some(&token), &body).await;
        assert_eq!(again.status().as_u16(), 200);

        let list = app.get("/v1/me/devices", Some(&token)).await.text().await.unwrap();
        assert!(!list.contains("fcm.googleapis.com") && !list.contains(P256DH) && !list.contains(AUTH), "{list}");
        let list: Value = serde_json::from_str(&list).unwrap();
        assert_eq!(list["items"][0]["token_hint"], "XyZ9");
        assert_eq!(list["items"][0]["platform"], "web");

        let id = created["id"].as_str().unwrap().to_owned();
        let d = app.db.run(move |c| shared::db::devices::find(c, &id.as_str().into())).await.unwrap();
        assert_eq!((d.token.as_str(), d.webpush_p256dh.as_deref(), d.webpush_auth.as_deref()), (endpoint, Some(P256DH), Some(AUTH)));
    }

    async fn another_account_cannot_take_a_subscription_over_with_other_keys(app) {
        // RFC 8291 Appendix A's application server key: another valid point.
        const OTHER_P256DH: &str =
            "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
        let (admin, _) = app.staff("clinic_admin").await;
        let (_, ana) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let (_, other) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let endpoint = "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABn-shared-browser";
        let mine = subscription(endpoint, P256DH, AUTH);
        assert_eq!(app.post_json("/v1/me/devices", Some(&ana), &mine).await.status().as_u16(), 201);

        let forged = subscription(endpoint, OTHER_P256DH, "AAAAAAAAAAAAAAAAAAAAAA");
        let resp = app.post_json("/v1/me/devices", Some(&other), &forged).await;
        assert_eq!(resp.status().as_u16(), 409, "another account's keys");
        let list: Value = app.get("/v1/me/devices", Some(&ana)).await.json().await.unwrap();
        assert_eq!((list["items"].as_array().unwrap().len(), &list["items"][0]["active"]), (1, &json!(true)));

        // The same browser (the same keys) signed in by someone else moves to them.
        assert_eq!(app.post_json("/v1/me/devices", Some(&other), &mine).await.status().as_u16(), 200);
        let list: Value = app.get("/v1/me/devices", Some(&ana)).await.json().await.unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");
    }

    async fn subscriptions_must_name_a_public_https_push_service(app) {
        let (admin, _) = app.staff("clinic_admin").await;
        let (_, token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        for endpoint in [
            "http://push.example.com/x",
            "https://127.0.0.1:8443/push",
            "http://127.0.0.1:8443/push",
            "https://localhost/push",
            "https://10.0.0.7/push",
            "https://192.168.1.20/push",
            "https://169.254.169.254/latest/meta-data",
            "https://[fe80::1]/push",
            "https://[::1]/push",
            "https://push.example.com:8443/push",
            "https://push.example.com:22/push",
            "not a url",
        ] {
            let resp = app.post_json("/v1/me/devices", Some(&token), &subscription(endpoint, P256DH, AUTH)).await;
            let body = problem(resp, 422).await;
            assert_eq!(fields(&body), ["subscription.endpoint"], "{endpoint}");
        }
    }

    async fn an_eleventh_subscription_retires_the_least_recently_registered(app) {
        let (admin, _) = app.staff("clinic_admin").await;
        let (patient, token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let mut ids = Vec::new();
        for n in 0..=shared::care::devices::MAX_WEB_PUSH_DEVICES {
            let endpoint = format!("https://push.example.com/sub/{n}");
            let resp = app.post_json("/v1/me/devices", Some(&token), &subscription(&endpoint, P256DH, AUTH)).await;
            assert_eq!(resp.status().as_u16(), 201);
            let created: Value = resp.json().await.unwrap();
            ids.push(created["id"].as_str().unwrap().to_owned());
            // Registrations in distinct instants, as browsers make them.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let pid = shared::domain::PatientId::from(patient.id.as_str());
        let all = app.db.run(move |c| shared::db::devices::for_patient(c, &pid)).await.unwrap();
        let active: Vec<_> = all.iter().filter(|d| d.active).map(|d| d.id.to_string()).collect();
        assert_eq!(active.len() as i64, shared::care::devices::MAX_WEB_PUSH_DEVICES);
        let first = all.iter().find(|d| d.id.to_string() == ids[0]).unwrap();
        assert!(!first.active, "the oldest is retired");
        assert_eq!(first.last_error.as_deref(), Some(shared::db::devices::REPLACED));
        assert!(active.contains(&ids[ids.len() - 1]), "the newest is kept");
    }

    async fn bad_subscription_keys_and_shapes_are_422_naming_each(app) {
        let (admin, _) = app.staff("clinic_admin").await;
        let (_, token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let off_curve = URL_SAFE_NO_PAD.encode([&[4u8][..], &[7u8; 64]].concat());
        let resp = app.post_json("/v1/me/devices", Some(&token), &subscription("https://push.example.com/a", &off_curve, "c2hvcnQ")).await;
        let body = problem(resp, 422).await;
        assert_eq!(fields(&body), ["subscription.keys.p256dh", "subscription.keys.auth"]);

        let mut with_token = subscription("https://push.example.com/a", P256DH, AUTH);
        with_token["token"] = json!("abc");
        let body = problem(app.post_json("/v1/me/devices", Some(&token), &with_token).await, 422).await;
        assert_eq!(fields(&body), ["token"]);

        let body = problem(app.post_json("/v1/me/devices", Some(&token), &json!({"platform": "web"})).await, 422).await;
        assert_eq!(fields(&body), ["subscription"]);

        let mut android = subscription("https://push.example.com/a", P256DH, AUTH);
        android["platform"] = json!("android");
        let body = problem(app.post_json("/v1/me/devices", Some(&token), &android).await, 422).await;
        assert_eq!(fields(&body), ["provider"]);
    }

    async fn the_vapid_public_key_is_served_on_the_embedded_default_and_404_without_a_key(app) {
        let resp = app.get("/v1/push/vapid-public-key", None).await;
        if app.db.backend() == Backend::Sqlite {
            assert_eq!(resp.status().as_u16(), 200);
            let body: Value = resp.json().await.unwrap();
            let key = URL_SAFE_NO_PAD.decode(body["public_key"].as_str().unwrap()).unwrap();
            assert_eq!((key.len(), key[0]), (65, 4));
            // Kept in the database: the same key on every request.
            let again: Value = app.get("/v1/push/vapid-public-key", None).await.json().await.unwrap();
            assert_eq!(again, body);
        } else {
            problem(resp, 404).await;
            let ready: Value = app.get("/readyz", None).await.json().await.unwrap();
            assert!(ready["not_configured"].as_array().unwrap().contains(&json!("webpush")), "{ready}");
        }
    }
}

#[tokio::test]
async fn a_configured_vapid_key_is_the_one_served_on_both_backends() {
    let key = shared::push::webpush::VapidKey::generate().unwrap();
    let private = key.private_key_base64url();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) =
            TestApp::spawn_with(backend, &[("AFTERCARE_VAPID_PRIVATE_KEY", &private)]).await
        else {
            continue;
        };
        let body: Value = app
            .get("/v1/push/vapid-public-key", None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["public_key"], key.public_key(), "{backend}");
    }
}

#[tokio::test]
async fn the_embedded_default_keeps_its_generated_key_across_restarts() {
    let Some(first) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let key: Value = first
        .get("/v1/push/vapid-public-key", None)
        .await
        .json()
        .await
        .unwrap();
    let mut config = first.config.clone();
    config.bind = "127.0.0.1:0".parse().unwrap();
    let second = api::app::Application::build(config, |db, config, metrics, mailer| {
        worker::Worker::new(db, config, metrics, mailer).embedded()
    })
    .await
    .unwrap();
    assert_eq!(
        second.state.vapid_public_key.as_deref(),
        key["public_key"].as_str()
    );
}

#[test]
fn api_vapid_generate_prints_a_pair_that_parses_without_any_settings() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_api"))
        .args(["vapid", "generate"])
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let private = text
        .lines()
        .find_map(|l| l.strip_prefix("AFTERCARE_VAPID_PRIVATE_KEY="))
        .unwrap();
    let key = shared::push::webpush::VapidKey::parse(private).unwrap();
    assert!(text.contains(key.public_key()), "{text}");
}
