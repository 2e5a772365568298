//! `GET /v1/me/devices` and `GET /v1/me/check-ins`: the patient's own, paged, newest first;
//! never a token; never another patient's.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, fcm_token, problem};
use crate::treatments::treatment_body;

async fn page(app: &TestApp, path: &str, token: &str) -> Value {
    let resp = app.get(path, Some(token)).await;
    assert_eq!(resp.status().as_u16(), 200, "{path}");
    resp.json().await.unwrap()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn register(app: &TestApp, token: &str, seed: &str) -> (String, String) {
    let device_token = fcm_token(seed);
    let body = json!({"platform": "android", "token": device_token, "app_version": "2.0.1"});
    let resp = app.post_json("/v1/me/devices", Some(token), &body).await;
    assert_eq!(resp.status().as_u16(), 201);
    let created: Value = resp.json().await.unwrap();
    (created["id"].as_str().unwrap().to_owned(), device_token)
}

both_backends! {
    async fn devices_are_the_callers_own_newest_first_in_pages_without_tokens(app) {
        let (admin, _) = app.staff("clinic_admin").await;
        let (_, token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let (_, other) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let mut mine = Vec::new();
        for seed in ["list-1", "list-2", "list-3"] {
            mine.push(register(&app, &token, seed).await);
        }
        let (theirs, _) = register(&app, &other, "list-other").await;

        let first = page(&app, "/v1/me/devices?limit=2", &token).await;
        assert_eq!(ids(&first), [mine[2].0.clone(), mine[1].0.clone()]);
        let cursor = first["next_cursor"].as_str().expect("a next page");
        let second = page(&app, &format!("/v1/me/devices?limit=2&cursor={cursor}"), &token).await;
        assert_eq!(ids(&second), [mine[0].0.clone()]);
        assert!(second["next_cursor"].is_null());

        let item = &first["items"][0];
        let secret = &mine[2].1;
        assert_eq!(item["token_hint"], secret[secret.len() - 4..]);
        assert_eq!((item["platform"].as_str(), item["provider"].as_str()), (Some("android"), Some("fcm")));
        assert_eq!(item["app_version"], "2.0.1");
        assert_eq!(item["active"], true);
        assert!(item["last_error"].is_null() && item["last_used_at"].is_null());
        assert!(item["created_at"].as_str().unwrap().ends_with('Z'));
        let text = serde_json::to_string(&first).unwrap();
        assert!(!text.contains(secret.as_str()) && item.get("token").is_none(), "{text}");

        let all = page(&app, "/v1/me/devices", &token).await;
        assert!(!ids(&all).contains(&theirs));
        assert_eq!(ids(&page(&app, "/v1/me/devices", &other).await), [theirs]);
    }

    async fn device_and_check_in_lists_are_for_signed_in_patients_only(app) {
        let (admin, staff_token) = app.staff("clinic_admin").await;
        let (_, token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        for path in ["/v1/me/devices", "/v1/me/check-ins"] {
            problem(app.get(path, Some(&staff_token)).await, 403).await;
            problem(app.get(path, None).await, 401).await;
            problem(app.get(&format!("{path}?limit=0"), Some(&token)).await, 422).await;
            let resp = app.get(&format!("{path}?cursor=not-a-cursor"), Some(&token)).await;
            assert!([400, 422].contains(&resp.status().as_u16()), "{path}: {}", resp.status());
        }
        let empty = page(&app, "/v1/me/check-ins", &token).await;
        assert_eq!(empty, json!({"items": [], "next_cursor": null}));
    }

    async fn an_erased_patient_lists_nothing(app) {
        let (admin, _) = app.staff("clinic_admin").await;
        let (patient, token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        register(&app, &token, "erased-1").await;
        let resp = app.request(Method::DELETE, "/v1/me", Some(&token)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 204);
        problem(app.get("/v1/me/devices", Some(&token)).await, 401).await;
        problem(app.get("/v1/me/check-ins", Some(&token)).await, 401).await;
        // The use cases refuse too, whatever the session: erased, or asked for another clinic.
        let pid = patient.id.as_patient();
        let listed = shared::care::devices::list(&app.db, &admin.clinic_id, &pid, None, 10).await;
        assert!(matches!(listed, Err(shared::Error::NotFound)), "{listed:?}");
        let elsewhere = shared::domain::ClinicId::new();
        let listed = shared::care::devices::list(&app.db, &elsewhere, &pid, None, 10).await;
        assert!(matches!(listed, Err(shared::Error::NotFound)));
    }

    async fn check_ins_are_the_callers_own_newest_first_with_their_guidance(app) {
        let (admin, admin_token) = app.staff("clinic_admin").await;
        let (patient, token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let (other, other_token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        for p in [&patient, &other] {
            let path = format!("/v1/clinic/patients/{}/treatments", p.id.as_str());
            let resp = app.post_json(&path, Some(&admin_token), &treatment_body(1)).await;
            assert_eq!(resp.status().as_u16(), 201);
        }
        let reports = [
            json!({"redness": 3, "swelling": 2, "pain": 1, "peeling": false, "symptoms": []}),
            json!({"redness": 5, "swelling": 3, "pain": 2, "peeling": true, "symptoms": []}),
            json!({"redness": 9, "swelling": 8, "pain": 9, "peeling": false, "symptoms": ["fever"]}),
        ];
        let mut answers = Vec::new();
        for r in &reports {
            let resp = app.post_json("/v1/me/check-ins", Some(&token), r).await;
            assert_eq!(resp.status().as_u16(), 201);
            answers.push(resp.json::<Value>().await.unwrap());
        }
        let resp = app.post_json("/v1/me/check-ins", Some(&other_token), &reports[0]).await;
        let theirs: Value = resp.json().await.unwrap();

        let first = page(&app, "/v1/me/check-ins?limit=2", &token).await;
        let cursor = first["next_cursor"].as_str().expect("a next page");
        let second = page(&app, &format!("/v1/me/check-ins?limit=2&cursor={cursor}"), &token).await;
        assert!(second["next_cursor"].is_null());
        let items: Vec<&Value> = first["items"].as_array().unwrap().iter()
            .chain(second["items"].as_array().unwrap()).collect();
        assert_eq!(items.len(), 3);
        for (item, (answer, report)) in items.iter().zip(answers.iter().zip(&reports).rev()) {
            assert_eq!(item["id"], answer["id"]);
            assert_eq!(item["day"], answer["day"]);
            assert_eq!(item["severity"], answer["severity"]);
            assert_eq!(item["guidance"], answer["guidance"], "the guidance the answer gave");
            for field in ["redness", "swelling", "pain", "peeling", "symptoms"] {
                assert_eq!(item[field], report[field], "{field}");
            }
            assert!(item["created_at"].as_str().unwrap().ends_with('Z'));
        }
        assert_eq!(items[0]["symptoms"], json!(["fever"]));
        assert_ne!(items[0]["guidance"], json!([]));

        let others = page(&app, "/v1/me/check-ins", &other_token).await;
        assert_eq!(ids(&others), [theirs["id"].as_str().unwrap()]);
        // Another patient's cursor is no cursor of this list.
        let resp = app.get(&format!("/v1/me/check-ins?cursor={cursor}"), Some(&other_token)).await;
        assert!([400, 422].contains(&resp.status().as_u16()), "{}", resp.status());
    }

    async fn bytes_the_database_refuses_in_list_queries_are_no_5xx(app) {
        let (admin, staff_token) = app.staff("clinic_admin").await;
        let (_, token) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        // "k:" and a NUL, in the cursor encoding of `api::pagination` before it was signed.
        for path in ["/v1/me/devices", "/v1/me/check-ins"] {
            let resp = app.get(&format!("{path}?cursor=azoA"), Some(&token)).await;
            assert!([400, 422].contains(&resp.status().as_u16()), "{path}: {}", resp.status());
        }
        let resp = app.get("/v1/clinic/patients?q=ana%00lopez", Some(&staff_token)).await;
        assert_eq!(resp.status().as_u16(), 200);
    }
}
