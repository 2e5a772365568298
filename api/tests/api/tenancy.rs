//! Tenancy: every clinic route that takes a patient id answers 404 — never 403, never data —
//! for another clinic's patient, an unknown id, or a staff member's id; and patients are
//! refused (403) on every clinic route.
//!
//! The matrix is a table: a new clinic route is one more row in `ROUTES`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, problem};

/// A clinic route taking a patient id: method, path (`{id}` is the patient), body, and the
/// status the caller's own clinic gets for its own patient (proving the 404s are about tenancy).
struct Route {
    method: Method,
    path: &'static str,
    body: fn() -> Option<Value>,
    own_status: u16,
}

fn no_body() -> Option<Value> {
    None
}

const ROUTES: &[Route] = &[
    Route {
        method: Method::GET,
        path: "/v1/clinic/patients/{id}",
        body: no_body,
        own_status: 200,
    },
    Route {
        method: Method::GET,
        path: "/v1/clinic/audit?patient_id={id}",
        body: no_body,
        own_status: 200,
    },
    Route {
        method: Method::POST,
        path: "/v1/clinic/patients/{id}/treatments",
        body: treatment_body,
        own_status: 201,
    },
    Route {
        method: Method::PUT,
        path: "/v1/clinic/patients/{id}/next-session",
        body: booking_body,
        own_status: 200,
    },
    Route {
        method: Method::DELETE,
        path: "/v1/clinic/patients/{id}/next-session",
        body: no_body,
        own_status: 204,
    },
    // Last: it ends the own patient's care.
    Route {
        method: Method::POST,
        path: "/v1/clinic/patients/{id}/discharge",
        body: no_body,
        own_status: 200,
    },
];

fn treatment_body() -> Option<Value> {
    let performed = chrono::Utc::now() - chrono::Duration::hours(1);
    Some(serde_json::json!({
        "performed_at": performed.to_rfc3339(),
        "areas": ["face"],
        "needle_depth_mm": 1.0,
        "device": "pen",
        "session_number": 1,
        "planned_sessions": 3,
        "interval_weeks": 4,
        "contraindications": [],
    }))
}

fn booking_body() -> Option<Value> {
    let starts = chrono::Utc::now() + chrono::Duration::days(28);
    Some(serde_json::json!({ "starts_at": starts.to_rfc3339() }))
}

/// Every clinic route, for the patient-token check (ids are irrelevant: refused before lookup).
const ALL_CLINIC_ROUTES: &[(&str, &str)] = &[
    ("GET", "/v1/clinic"),
    ("POST", "/v1/clinic/staff"),
    ("POST", "/v1/clinic/patients"),
    ("GET", "/v1/clinic/patients"),
    ("GET", "/v1/clinic/patients/{id}"),
    ("GET", "/v1/clinic/audit"),
    ("POST", "/v1/clinic/patients/{id}/treatments"),
    ("PUT", "/v1/clinic/patients/{id}/next-session"),
    ("DELETE", "/v1/clinic/patients/{id}/next-session"),
    ("POST", "/v1/clinic/patients/{id}/discharge"),
];

async fn call(app: &TestApp, route: &Route, id: &str, token: &str) -> reqwest::Response {
    let mut rb = app.request(
        route.method.clone(),
        &route.path.replace("{id}", id),
        Some(token),
    );
    if let Some(body) = (route.body)() {
        rb = rb.json(&body);
    }
    rb.send().await.unwrap()
}

both_backends! {
    async fn other_clinics_and_unknown_ids_are_404_on_every_route(app) {
        // Clinic A's admin (admin-only routes are in the table too) and patient.
        let (a_admin, a_token) = app.staff("clinic_admin").await;
        let (a_patient, _) = app.patient_in(&a_admin.clinic_id, "Europe/Madrid").await;
        // Clinic B with its own patient and a clinician.
        let (b_staff, b_token) = app.staff("clinic_admin").await;
        let (b_patient, _) = app.patient_in(&b_staff.clinic_id, "Europe/Madrid").await;

        for route in ROUTES {
            let own = call(&app, route, a_patient.id.as_str(), &a_token).await;
            assert_eq!(own.status().as_u16(), route.own_status, "{} {} own patient", route.method, route.path);
            for (what, id) in [
                ("another clinic's patient", b_patient.id.as_str()),
                ("an unknown id", "0190aaaa-0000-7000-8000-000000000000"),
                ("a staff member's id", a_admin.id.as_str()),
            ] {
                let r = call(&app, route, id, &a_token).await;
                let p = problem(r, 404).await;
                assert_eq!(p["status"], 404, "{} {} with {what}", route.method, route.path);
            }
            // And the other way round: B cannot see A's patient either.
            problem(call(&app, route, a_patient.id.as_str(), &b_token).await, 404).await;
        }
    }

    async fn patient_tokens_are_refused_on_every_clinic_route(app) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, token) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        for (method, path) in ALL_CLINIC_ROUTES {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let mut rb = app.request(method.clone(), &path.replace("{id}", patient.id.as_str()), Some(&token));
            if method == Method::POST || method == Method::PUT {
                rb = rb.json(&json!({}));
            }
            let p = problem(rb.send().await.unwrap(), 403).await;
            assert_eq!(p["status"], 403, "{method} {path}");
        }
    }

    async fn lists_never_show_another_clinics_patients(app) {
        let (a, a_token) = app.staff("clinic_admin").await;
        let (b, _) = app.staff("clinic_admin").await;
        let (mine, _) = app.patient_in(&a.clinic_id, "Europe/Madrid").await;
        app.patient_in(&b.clinic_id, "Europe/Madrid").await;
        let page: Value = app.get("/v1/clinic/patients", Some(&a_token)).await.json().await.unwrap();
        let ids: Vec<_> = page["items"].as_array().unwrap().iter().map(|p| p["id"].clone()).collect();
        assert_eq!(ids, [json!(mine.id)]);
        let audit: Value = app.get("/v1/clinic/audit", Some(&a_token)).await.json().await.unwrap();
        // The roster view is one entry naming the patients it showed.
        assert!(audit["items"].as_array().unwrap().iter().all(|e| e["patient_id"] == json!(mine.id)
            || e["patient_ids"] == json!([mine.id])));
    }
}
