//! `POST /v1/me/devices`, `DELETE /v1/me/devices/{id}`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{apns_token, fcm_token, problem};

both_backends! {
    async fn registering_a_device_then_again_is_201_then_200(app) {
        let (admin, _) = app.staff("clinic_admin").await;
        let (patient, token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let body = json!({"platform": "android", "token": fcm_token("1"), "app_version": "1.2.0"});
        let resp = app.post_json("/v1/me/devices", Some(&token), &body).await;
        assert_eq!(resp.status().as_u16(), 201);
        let first: Value = resp.json().await.unwrap();
        assert_eq!(first["platform"], "android");
        assert_eq!(first["active"], true);

        let resp = app.post_json("/v1/me/devices", Some(&token), &body).await;
        assert_eq!(resp.status().as_u16(), 200);
        let again: Value = resp.json().await.unwrap();
        assert_eq!(again["id"], first["id"]);

        let pid = patient.id.as_patient();
        let active = app.db.run(move |c| shared::db::devices::active_for_patient(c, &pid)).await.unwrap();
        assert_eq!(active.len(), 1);
    }

    async fn a_known_token_moves_to_the_new_patient_and_is_reactivated(app) {
        let (admin, _) = app.staff("clinic_admin").await;
        let (first, first_token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let (second, second_token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let body = json!({"platform": "ios", "token": apns_token("shared-phone")});
        let created: Value = app.post_json("/v1/me/devices", Some(&first_token), &body).await.json().await.unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        let dead = shared::domain::DeviceId::from(id.as_str());
        app.db.run(move |c| shared::db::devices::deactivate(c, &dead, "Unregistered", shared::time::now())).await.unwrap();

        let resp = app.post_json("/v1/me/devices", Some(&second_token), &body).await;
        assert_eq!(resp.status().as_u16(), 200);
        let d = app.db.run(move |c| shared::db::devices::find(c, &id.as_str().into())).await.unwrap();
        assert_eq!(d.patient_id, second.id.as_patient());
        assert!(d.active && d.last_error.is_none());
        let fid = first.id.as_patient();
        let left = app.db.run(move |c| shared::db::devices::active_for_patient(c, &fid)).await.unwrap();
        assert!(left.is_empty());
    }

    async fn bad_registrations_are_422_with_fields(app) {
        let (admin, _) = app.staff("clinic_admin").await;
        let (_, token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let resp = app
            .post_json("/v1/me/devices", Some(&token), &json!({"platform": "symbian", "token": " "}))
            .await;
        let body = problem(resp, 422).await;
        let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["platform", "token"]);
    }

    async fn only_patients_register_devices(app) {
        let (_, staff_token) = app.staff("clinician").await;
        let body = json!({"platform": "android", "token": "t"});
        problem(app.post_json("/v1/me/devices", Some(&staff_token), &body).await, 403).await;
        problem(app.post_json("/v1/me/devices", None, &body).await, 401).await;
    }

    async fn deleting_a_device_is_own_devices_only(app) {
        let (admin, _) = app.staff("clinic_admin").await;
        let (_, owner) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let (_, other) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let created: Value = app
            .post_json("/v1/me/devices", Some(&owner), &json!({"platform": "android", "token": fcm_token("del-1")}))
            .await.json().await.unwrap();
        let path = format!("/v1/me/devices/{}", created["id"].as_str().unwrap());

        let resp = app.request(Method::DELETE, &path, Some(&other)).send().await.unwrap();
        problem(resp, 404).await;
        let resp = app.request(Method::DELETE, &path, Some(&owner)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 204);
        let resp = app.request(Method::DELETE, &path, Some(&owner)).send().await.unwrap();
        problem(resp, 404).await;
    }

    async fn devices_say_which_push_service_and_apns_host_they_use(app) {
        let (admin, _) = app.staff("clinic_admin").await;
        let (patient, token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let register = |body: Value| {
            let (app, token) = (&app, token.clone());
            async move { app.post_json("/v1/me/devices", Some(&token), &body).await }
        };
        let cases = [
            (json!({"platform": "ios", "token": apns_token("ios-default")}), "apns", json!("production")),
            (json!({"platform": "android", "token": fcm_token("android-default")}), "fcm", Value::Null),
            (json!({"platform": "ios", "token": fcm_token("flutter-ios"), "provider": "fcm"}), "fcm", Value::Null),
            (json!({"platform": "ios", "token": apns_token("xcode"), "apns_environment": "sandbox"}), "apns", json!("sandbox")),
        ];
        for (body, provider, environment) in cases {
            let r = register(body.clone()).await;
            assert_eq!(r.status().as_u16(), 201, "{body}");
            let d: Value = r.json().await.unwrap();
            assert_eq!((d["provider"].as_str(), &d["apns_environment"]), (Some(provider), &environment), "{body}");
        }
        // Re-registering a token with another provider moves it to that service.
        let d: Value = register(json!({"platform": "ios", "token": apns_token("ios-default"), "provider": "fcm"})).await.json().await.unwrap();
        assert_eq!((d["provider"].as_str(), &d["apns_environment"]), (Some("fcm"), &Value::Null));
        let pid = patient.id.as_patient();
        let stored = app.db.run(move |c| shared::db::devices::for_patient(c, &pid)).await.unwrap();
        let xcode = stored.iter().find(|d| d.token == apns_token("xcode")).unwrap();
        assert_eq!(xcode.apns_environment, Some(shared::domain::ApnsEnvironment::Sandbox));

        for (body, field) in [
            (json!({"platform": "android", "token": apns_token("a1"), "provider": "apns"}), "provider"),
            (json!({"platform": "ios", "token": fcm_token("a2"), "provider": "webpush"}), "provider"),
            (json!({"platform": "ios", "token": fcm_token("a3"), "provider": "fcm", "apns_environment": "sandbox"}), "apns_environment"),
            (json!({"platform": "ios", "token": apns_token("a4"), "apns_environment": "staging"}), "apns_environment"),
        ] {
            let p = problem(register(body.clone()).await, 422).await;
            assert_eq!(p["errors"][0]["field"], field, "{body}");
        }

        // A token must have its provider's shape: nothing but hex digits reaches the APNs
        // URL path, and junk is not stored as an FCM token.
        let apns = apns_token("shape");
        for body in [
            json!({"platform": "ios", "token": format!("{apns}/../../3/device/x")}),
            json!({"platform": "ios", "token": format!("{apns}?x=1")}),
            json!({"platform": "ios", "token": &apns[..40]}),
            json!({"platform": "ios", "token": fcm_token("not-apns")}),
            json!({"platform": "android", "token": "t"}),
            json!({"platform": "android", "token": format!("{} x", fcm_token("space"))}),
            json!({"platform": "android", "token": format!("{}/x", fcm_token("slash"))}),
        ] {
            let p = problem(register(body.clone()).await, 422).await;
            assert_eq!(p["errors"][0]["field"], "token", "{body}");
        }
    }
}
