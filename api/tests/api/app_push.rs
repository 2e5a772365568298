//! The patient web app's notifications: `GET /app/notifications`, `POST` and
//! `DELETE /app/push-subscriptions` (cookie session, the CSRF token in `X-CSRF-Token`).

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, problem};

/// RFC 8291 §5's user agent public key and authentication secret: a valid P-256 point.
pub const UA_PUBLIC: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
pub const UA_AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

/// A patient of a new clinic signed in to the app: the session cookie's secret and the CSRF
/// token of its pages.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

pub async fn signed_in_patient(app: &TestApp) -> Browser {
    let (admin, _) = app.staff("clinic_admin").await;
    let (patient, _) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
    let secret = shared::care::auth::app::open(&app.db, &patient.id, None)
        .await
        .unwrap();
    Browser {
        cookie: format!("{}={secret}", api::app_web::session::SESSION_COOKIE),
        csrf: api::app_web::session::csrf_for(&secret),
    }
}

fn subscription(endpoint: &str) -> Value {
    json!({
        "endpoint": endpoint,
        "expirationTime": null,
        "keys": { "p256dh": UA_PUBLIC, "auth": UA_AUTH },
    })
}

async fn send(
    app: &TestApp,
    method: Method,
    cookie: Option<&str>,
    csrf: Option<&str>,
    body: &Value,
) -> Response {
    let mut req = app
        .client
        .request(method, format!("{}/app/push-subscriptions", app.address))
        .json(body);
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    if let Some(t) = csrf {
        req = req.header("X-CSRF-Token", t);
    }
    req.send().await.unwrap()
}

async fn page(app: &TestApp, b: &Browser, path: &str) -> String {
    let resp = app
        .client
        .get(format!("{}{path}", app.address))
        .header("Cookie", &b.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{path}");
    resp.text().await.unwrap()
}

const ENDPOINT: &str = "https://fcm.googleapis.com/fcm/send/app-push-test";

both_backends! {
    async fn a_push_subscription_needs_the_session_and_its_csrf_token(app) {
        let b = signed_in_patient(&app).await;
        let body = subscription(ENDPOINT);
        let resp = send(&app, Method::POST, None, Some(&b.csrf), &body).await;
        problem(resp, 401).await;
        let resp = send(&app, Method::POST, Some(&b.cookie), None, &body).await;
        problem(resp, 403).await;
        let resp = send(&app, Method::POST, Some(&b.cookie), Some("not-the-token"), &body).await;
        problem(resp, 403).await;
        // Another session's token is not this one's.
        let other = signed_in_patient(&app).await;
        let resp = send(&app, Method::POST, Some(&b.cookie), Some(&other.csrf), &body).await;
        problem(resp, 403).await;
        let resp = send(&app, Method::DELETE, Some(&b.cookie), None, &json!({"endpoint": ENDPOINT})).await;
        problem(resp, 403).await;
        // Nothing was registered.
        let devices = page(&app, &b, "/app/devices").await;
        assert!(devices.contains("id=\"no-devices\""), "{devices}");
    }

    async fn a_bad_subscription_is_422_naming_the_field(app) {
        let b = signed_in_patient(&app).await;
        for (body, field) in [
            (subscription("http://push.example.com/x"), "subscription.endpoint"),
            (subscription("not a url"), "subscription.endpoint"),
            (subscription("https://10.0.0.1/push"), "subscription.endpoint"),
            (
                json!({"endpoint": ENDPOINT, "keys": {"p256dh": "AAAA", "auth": UA_AUTH}}),
                "subscription.keys.p256dh",
            ),
            (
                json!({"endpoint": ENDPOINT, "keys": {"p256dh": UA_PUBLIC, "auth": "short"}}),
                "subscription.keys.auth",
            ),
        ] {
            let resp = send(&app, Method::POST, Some(&b.cookie), Some(&b.csrf), &body).await;
            let p = problem(resp, 422).await;
            let fields: Vec<&str> = p["errors"].as_array().unwrap().iter()
                .filter_map(|e| e["field"].as_str()).collect();
            assert!(fields.contains(&field), "{body}: {p}");
        }
        // Not a subscription at all: 422 too, never a 5xx.
        let resp = send(&app, Method::POST, Some(&b.cookie), Some(&b.csrf), &json!({"endpoint": 3})).await;
        problem(resp, 422).await;
    }

    async fn a_registered_subscription_shows_on_my_devices_until_turned_off(app) {
        let b = signed_in_patient(&app).await;
        // The page: explained, the button and its script when this service sends Web Push (the
        // embedded SQLite default keeps a generated key; PostgreSQL without a key has Web Push
        // off, and the page says so instead), the token for the script, no inline script.
        let html = page(&app, &b, "/app/notifications").await;
        let on = app.get("/v1/push/vapid-public-key", None).await.status().as_u16() == 200;
        assert_eq!(html.contains("id=\"turn-on\""), on, "{html}");
        assert_eq!(html.contains("src=\"/app/notifications.js\""), on);
        assert_eq!(html.contains("<p id=\"state-unavailable\">"), !on, "{html}");
        assert!(html.contains(&format!("<meta name=\"csrf-token\" content=\"{}\">", b.csrf)));
        assert!(!html.contains("<script>"), "no inline script (CSP)");

        let body = subscription(ENDPOINT);
        let resp = send(&app, Method::POST, Some(&b.cookie), Some(&b.csrf), &body).await;
        assert_eq!(resp.status().as_u16(), 201);
        let first: Value = resp.json().await.unwrap();
        let resp = send(&app, Method::POST, Some(&b.cookie), Some(&b.csrf), &body).await;
        assert_eq!(resp.status().as_u16(), 200, "the same endpoint again");
        let again: Value = resp.json().await.unwrap();
        assert_eq!(first["id"], again["id"]);

        let devices = page(&app, &b, "/app/devices").await;
        assert!(!devices.contains("id=\"no-devices\""), "{devices}");
        assert!(devices.contains("Browser"), "{devices}");
        assert!(devices.contains(first["id"].as_str().unwrap()));
        assert!(!devices.contains(ENDPOINT), "the endpoint is not shown");

        // Turned off: the device is gone; again is 404.
        let off = json!({"endpoint": ENDPOINT});
        let resp = send(&app, Method::DELETE, Some(&b.cookie), Some(&b.csrf), &off).await;
        assert_eq!(resp.status().as_u16(), 204);
        let devices = page(&app, &b, "/app/devices").await;
        assert!(devices.contains("id=\"no-devices\""), "{devices}");
        let resp = send(&app, Method::DELETE, Some(&b.cookie), Some(&b.csrf), &off).await;
        problem(resp, 404).await;
    }

    async fn the_notifications_script_is_served_compiled_in(app) {
        let resp = app.get("/app/notifications.js", None).await;
        assert_eq!(resp.status().as_u16(), 200);
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("text/javascript"), "{ct}");
        let js = resp.text().await.unwrap();
        assert!(js.contains("pushManager.subscribe") && js.contains("X-CSRF-Token"));
        // Permission is asked only from the button's click handler.
        let asked = js.find("requestPermission").unwrap();
        let handler = js.find("function turnOn").unwrap();
        assert!(asked > handler, "requestPermission inside turnOn");
        assert_eq!(js.matches("requestPermission").count(), 1);
    }

    async fn turning_off_removes_only_the_patients_own_subscription(app) {
        let mine = signed_in_patient(&app).await;
        let other = signed_in_patient(&app).await;
        let resp = send(&app, Method::POST, Some(&other.cookie), Some(&other.csrf), &subscription(ENDPOINT)).await;
        assert_eq!(resp.status().as_u16(), 201);
        let theirs: Value = resp.json().await.unwrap();

        // Another patient's endpoint is no device of mine: 404, and theirs stays.
        let off = json!({"endpoint": ENDPOINT});
        let resp = send(&app, Method::DELETE, Some(&mine.cookie), Some(&mine.csrf), &off).await;
        problem(resp, 404).await;
        let id = theirs["id"].as_str().unwrap().to_owned();
        let d = app.db.run(move |c| shared::db::devices::find(c, &id.as_str().into())).await.unwrap();
        assert!(d.active);

        let resp = send(&app, Method::DELETE, Some(&other.cookie), Some(&other.csrf), &off).await;
        assert_eq!(resp.status().as_u16(), 204);
        let unknown = json!({"endpoint": "https://fcm.googleapis.com/fcm/send/never-registered"});
        let resp = send(&app, Method::DELETE, Some(&other.cookie), Some(&other.csrf), &unknown).await;
        problem(resp, 404).await;
    }
}
