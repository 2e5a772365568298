//! Many redemptions at once: every attempt is counted before its code is compared, so
//! parallel guesses get no more tries than sequential ones. On SQLite the writers take turns,
//! but the requests still interleave between the check and the count unless both are one
//! transaction, so the test holds there too.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{code_for, codes_of, forget_failures, other_than, redeem};
use crate::both_backends_with_smtp;
use crate::helpers::{TestApp, problem};

/// Sends every body to `…/redeem` at once and returns the statuses.
async fn redeem_all(app: &TestApp, bodies: Vec<Value>) -> Vec<StatusCode> {
    let mut tasks = tokio::task::JoinSet::new();
    for body in bodies {
        let r = app
            .request(Method::POST, "/v1/auth/sign-in-codes/redeem", None)
            .json(&body);
        tasks.spawn(async move { r.send().await.unwrap().status() });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.unwrap());
    }
    statuses
}

fn count(statuses: &[StatusCode], code: u16) -> usize {
    statuses.iter().filter(|s| s.as_u16() == code).count()
}

both_backends_with_smtp! {
    async fn fifty_parallel_wrong_codes_get_five_tries(app, smtp) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let email = patient.email.clone();
        let code = code_for(&app, &smtp, &email, 1).await;
        let wrong = json!({"email": email, "code": other_than(&code)});
        let statuses = redeem_all(&app, vec![wrong; 50]).await;
        // The account's throttle lets exactly 5 through to a comparison; the rest wait.
        assert_eq!(count(&statuses, 401), 5, "{statuses:?}");
        assert_eq!(count(&statuses, 429), 45, "{statuses:?}");
        let rows = codes_of(&app, &patient).await;
        assert_eq!(rows[0].failed_attempts, 5);
        assert!(rows[0].revoked_at.is_some() && rows[0].used_at.is_none());
        // Once the lock is gone, the right code no longer works.
        forget_failures(&app).await;
        problem(redeem(&app, json!({"email": email, "code": code})).await, 401).await;
    }

    async fn parallel_guesses_by_email_and_phone_get_five_tries_at_the_code(app, smtp) {
        let (staff, staff_token) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let r = app
            .request(Method::PATCH, &format!("/v1/clinic/patients/{}", patient.id), Some(&staff_token))
            .json(&json!({"phone": "+34 600 111 333"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let email = patient.email.clone();
        let code = code_for(&app, &smtp, &email, 1).await;
        // Two throttle keys (the email's and the phone's) let up to 10 through: the code's own
        // count still stops at 5.
        let bodies = (0..50)
            .map(|i| {
                let wrong = other_than(&code);
                if i % 2 == 0 {
                    json!({"email": email, "code": wrong})
                } else {
                    json!({"phone": "+34600111333", "code": wrong})
                }
            })
            .collect();
        let statuses = redeem_all(&app, bodies).await;
        assert_eq!(count(&statuses, 401) + count(&statuses, 429), 50, "{statuses:?}");
        assert!(count(&statuses, 401) <= 10, "{statuses:?}");
        let rows = codes_of(&app, &patient).await;
        assert_eq!(rows[0].failed_attempts, 5);
        assert!(rows[0].revoked_at.is_some() && rows[0].used_at.is_none());
        forget_failures(&app).await;
        problem(redeem(&app, json!({"email": email, "code": code})).await, 401).await;
        let by_phone = json!({"phone": "+34600111333", "code": code});
        problem(redeem(&app, by_phone).await, 401).await;
    }
}
