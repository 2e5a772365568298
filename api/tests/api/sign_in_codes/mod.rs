//! One-time sign-in codes: `POST /v1/auth/sign-in-codes` and `POST /v1/auth/sign-in-codes/redeem`
//! (docs/CONTRACT.md, v1 additions), with the mail caught by the loopback SMTP server.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use shared::testing::smtp::{ReceivedMail, SmtpServer};

use crate::auth_support::{login, str_of, tokens};
use crate::both_backends_with_smtp;
use crate::helpers::{TestApp, problem};

/// The 6-digit code in a message.
fn six_digits_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no 6-digit code in {text:?}"))
        .to_owned()
}

/// A code that is not `code`.
fn other_than(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

async fn ask(app: &TestApp, body: Value) -> reqwest::Response {
    app.post_json("/v1/auth/sign-in-codes", None, &body).await
}

async fn redeem(app: &TestApp, body: Value) -> reqwest::Response {
    app.post_json("/v1/auth/sign-in-codes/redeem", None, &body)
        .await
}

/// Waits for the `n`th message to `to` and returns it with its code.
async fn nth_sign_in_code(smtp: &SmtpServer, to: &str, n: usize) -> (ReceivedMail, String) {
    let got = smtp.wait_for(to, n).await;
    assert!(got.len() >= n, "expected {n} message(s), got {}", got.len());
    let mail = got[n - 1].clone();
    let code = six_digits_in(&mail.body_text());
    (mail, code)
}

/// Asks for a code by email and returns it.
async fn code_for(app: &TestApp, smtp: &SmtpServer, email: &str, n: usize) -> String {
    let r = ask(app, json!({"email": email})).await;
    assert_eq!(r.status(), 202);
    nth_sign_in_code(smtp, email, n).await.1
}

/// Gives time to the work that runs after a 202, then checks nothing was mailed.
async fn assert_no_mail(smtp: &SmtpServer) {
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(smtp.received().is_empty(), "{:?}", smtp.received());
}

async fn set_locale_es(app: &TestApp, patient: &shared::db::users::User) {
    let id = patient.id.clone();
    app.db
        .run(move |c| {
            use diesel::prelude::*;
            use shared::db::schema::patient_profiles as p;
            diesel::update(p::table.filter(p::user_id.eq(id.as_str())))
                .set(p::locale.eq("es"))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn codes_of(
    app: &TestApp,
    patient: &shared::db::users::User,
) -> Vec<shared::db::sign_in_codes::SignInCode> {
    let id = patient.id.clone();
    app.db
        .run(move |c| shared::db::sign_in_codes::all_for(c, &id))
        .await
        .unwrap()
}

async fn forget_failures(app: &TestApp) {
    app.db
        .run(|c| {
            use diesel::prelude::*;
            diesel::delete(shared::db::schema::login_throttle::table).execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
}

both_backends_with_smtp! {
    async fn a_code_by_email_signs_a_patient_in_once(app, smtp) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let r = ask(&app, json!({"email": patient.email.to_uppercase()})).await;
        assert_eq!(r.status(), 202);
        assert!(r.text().await.unwrap().is_empty());
        let (mail, code) = nth_sign_in_code(&smtp, &patient.email, 1).await;
        assert_eq!(mail.header("Subject").as_deref(), Some("Your sign-in code"));
        let text = mail.body_text();
        let link = format!(
            "{}/app/sign-in/code/redeem?email={}",
            app.config.public_url,
            patient.email.replace('@', "%40")
        );
        assert!(text.contains(&link), "{text}");
        assert!(text.contains("15 minutes"), "{text}");

        // The stored row holds a hash, never the code; it expires 15 minutes after it was made.
        let rows = codes_of(&app, &patient).await;
        assert_eq!(rows.len(), 1);
        assert!(!rows[0].code_hash.contains(&code));
        assert_eq!(rows[0].expires_at - rows[0].created_at, chrono::Duration::minutes(15));

        // The same token pair as the login, spaces typed in the code ignored.
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        let t = tokens(redeem(&app, json!({"email": patient.email, "code": spaced})).await).await;
        assert_eq!(t["user_id"], patient.id.as_str());
        assert_eq!(t["role"], "patient");
        let me = app.get("/v1/me", t["access_token"].as_str()).await;
        assert_eq!(me.status(), 200);
        let r = app.post_json("/v1/auth/refresh", None, &json!({"refresh_token": t["refresh_token"]})).await;
        assert_eq!(r.status(), 200);

        // Single use.
        problem(redeem(&app, json!({"email": patient.email, "code": code})).await, 401).await;
    }

    async fn the_message_is_in_the_patients_language(app, smtp) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        set_locale_es(&app, &patient).await;
        code_for(&app, &smtp, &patient.email, 1).await;
        let (mail, _) = nth_sign_in_code(&smtp, &patient.email, 1).await;
        assert!(mail.body_text().contains("Tu código para iniciar sesión"), "{}", mail.body_text());
        assert!(mail.body_text().contains("15 minutos"));
    }

    async fn unknown_and_staff_emails_get_the_same_202_and_no_mail(app, smtp) {
        let (staff, _) = app.staff("clinician").await;
        for email in ["nobody@example.test", staff.email.as_str(), "not an address"] {
            let r = ask(&app, json!({"email": email})).await;
            assert_eq!(r.status(), 202, "{email}");
            assert!(r.text().await.unwrap().is_empty());
        }
        let r = ask(&app, json!({"phone": "+34 699 000 111"})).await;
        assert_eq!(r.status(), 202);
        assert_no_mail(&smtp).await;

        // A staff member cannot sign in with a code either.
        let r = redeem(&app, json!({"email": staff.email, "code": "123456"})).await;
        problem(r, 401).await;

        // Neither or both identifiers, or a phone that is none: 422.
        for body in [
            json!({}),
            json!({"email": " "}),
            json!({"email": "a@example.test", "phone": "+34600111222"}),
            json!({"phone": "call me"}),
        ] {
            problem(ask(&app, body.clone()).await, 422).await;
            let mut with_code = body;
            with_code["code"] = json!("123456");
            problem(redeem(&app, with_code).await, 422).await;
        }
    }

    async fn wrong_used_and_expired_codes_get_one_answer(app, smtp) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let email = patient.email.clone();
        let code = code_for(&app, &smtp, &email, 1).await;
        let wrong = problem(redeem(&app, json!({"email": email, "code": other_than(&code)})).await, 401).await;
        tokens(redeem(&app, json!({"email": email, "code": code})).await).await;
        let used = problem(redeem(&app, json!({"email": email, "code": code})).await, 401).await;

        let code = code_for(&app, &smtp, &email, 2).await;
        let id = patient.id.clone();
        app.db
            .run(move |c| {
                use diesel::prelude::*;
                use shared::db::schema::sign_in_codes as s;
                diesel::update(s::table.filter(s::user_id.eq(id.as_str())))
                    .set(s::expires_at.eq(shared::time::now() - chrono::Duration::seconds(1)))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        let r = redeem(&app, json!({"email": email, "code": code})).await;
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        let expired = problem(r, 401).await;
        let unknown = problem(
            redeem(&app, json!({"email": "nobody@example.test", "code": code})).await,
            401,
        )
        .await;
        assert_eq!(wrong, used);
        assert_eq!(wrong, expired);
        assert_eq!(wrong, unknown);
        assert!(str_of(&wrong, "detail").contains("wrong, already used or expired"));
    }

    async fn five_wrong_codes_revoke_the_code(app, smtp) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let email = patient.email.clone();
        let code = code_for(&app, &smtp, &email, 1).await;
        for _ in 0..5 {
            let r = redeem(&app, json!({"email": email, "code": other_than(&code)})).await;
            problem(r, 401).await;
        }
        // The account is locked as a login would be…
        let r = redeem(&app, json!({"email": email, "code": code})).await;
        assert!(r.headers().contains_key("retry-after"));
        problem(r, 429).await;
        let rows = codes_of(&app, &patient).await;
        assert_eq!(rows[0].failed_attempts, 5);
        assert!(rows[0].revoked_at.is_some() && rows[0].used_at.is_none());
        // …and once the lock is gone the right code no longer works either.
        forget_failures(&app).await;
        problem(redeem(&app, json!({"email": email, "code": code})).await, 401).await;
        // A new code does.
        let code = code_for(&app, &smtp, &email, 2).await;
        tokens(redeem(&app, json!({"email": email, "code": code})).await).await;
    }

    async fn a_new_code_revokes_the_old_one(app, smtp) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let email = patient.email.clone();
        let old = code_for(&app, &smtp, &email, 1).await;
        let new = code_for(&app, &smtp, &email, 2).await;
        if old != new {
            problem(redeem(&app, json!({"email": email, "code": old})).await, 401).await;
        }
        let rows = codes_of(&app, &patient).await;
        assert_eq!(rows.len(), 2);
        assert!(rows[0].revoked_at.is_some());
        tokens(redeem(&app, json!({"email": email, "code": new})).await).await;
    }

    async fn code_failures_and_password_failures_share_the_login_throttle(app, smtp) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let email = patient.email.clone();
        let code = code_for(&app, &smtp, &email, 1).await;
        for _ in 0..4 {
            problem(login(&app, &email, "not-the-password").await, 401).await;
        }
        problem(redeem(&app, json!({"email": email, "code": other_than(&code)})).await, 401).await;
        let r = redeem(&app, json!({"email": email, "code": code})).await;
        let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=15 * 60 + 1).contains(&retry), "{retry}");
        problem(r, 429).await;
        problem(login(&app, &email, shared::testing::fixtures::FIXTURE_PASSWORD).await, 429).await;
        // The code itself lives on (one failure against it) for when the lock ends.
        forget_failures(&app).await;
        tokens(redeem(&app, json!({"email": email, "code": code})).await).await;
    }

    async fn a_code_by_phone_goes_to_the_accounts_email(app, smtp) {
        let (staff, staff_token) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let r = app
            .request(Method::PATCH, &format!("/v1/clinic/patients/{}", patient.id), Some(&staff_token))
            .json(&json!({"phone": "+34 600 111 222"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = ask(&app, json!({"phone": "+34600111222"})).await;
        assert_eq!(r.status(), 202);
        let (_, code) = nth_sign_in_code(&smtp, &patient.email, 1).await;
        let wrong = json!({"phone": "+34 600-111-222", "code": other_than(&code)});
        problem(redeem(&app, wrong).await, 401).await;
        // Another number's digits do not reach this account's code.
        problem(redeem(&app, json!({"phone": "+34600111223", "code": code})).await, 401).await;
        let t = tokens(redeem(&app, json!({"phone": "+34 600-111-222", "code": code})).await).await;
        assert_eq!(t["user_id"], patient.id.as_str());
        assert_eq!(smtp.received().len(), 1);
    }

    async fn an_erased_patient_gets_no_code(app, smtp) {
        let (staff, _) = app.staff("clinician").await;
        let (patient, token) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let email = patient.email.clone();
        code_for(&app, &smtp, &email, 1).await;
        let r = app.request(Method::DELETE, "/v1/me", Some(&token)).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        assert!(codes_of(&app, &patient).await.is_empty());
        let r = ask(&app, json!({"email": email})).await;
        assert_eq!(r.status(), 202);
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(smtp.received().len(), 1);
    }
}

mod concurrency;
/// The web app's pages: `/app/sign-in/code` and `/app/sign-in/code/redeem`.
mod pages;
