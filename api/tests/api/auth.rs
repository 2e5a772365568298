//! Accounts end to end: invitation codes read out of real SMTP deliveries, login, refresh-token
//! rotation and reuse detection, logout, password reset, throttling.

use reqwest::Method;
use serde_json::{Value, json};

use crate::auth_support::{accept, login, nth_code, refresh, str_of, tokens};
use crate::helpers::problem;
use crate::{both_backends, both_backends_with_smtp};

const GOOD: &str = "blue-canyon-river-7";

both_backends_with_smtp! {
    async fn invite_accept_login_refresh_reuse_logout(app, smtp) {
        let (_, admin) = app.staff("clinic_admin").await;
        let r = app
            .post_json(
                "/v1/clinic/staff",
                Some(&admin),
                &json!({"email": "Nora@Example.test", "name": "Nora Ruiz", "role": "clinician"}),
            )
            .await;
        assert_eq!(r.status(), 201);
        let created: Value = r.json().await.unwrap();
        assert_eq!(created["status"], "invited");

        // The invitation arrives over SMTP, in English for staff, with the code and nothing else.
        let (mail, code) = nth_code(&smtp, "nora@example.test", 1).await;
        assert_eq!(mail.header("Subject").unwrap(), "Your aftercare staff account invitation");
        assert!(!mail.body_text().contains("Nora"), "no personal data beyond the code");

        // Invited accounts cannot sign in yet; the answer is the ordinary 401.
        problem(login(&app, "nora@example.test", GOOD).await, 401).await;

        let first = tokens(accept(&app, &code, GOOD).await).await;
        assert_eq!(first["role"], "clinician");
        assert_eq!(first["user_id"], created["id"]);
        let access = str_of(&first, "access_token");
        assert_eq!(app.get("/v1/clinic", Some(&access)).await.status(), 200);

        // The code is spent.
        let p = problem(accept(&app, &code, GOOD).await, 422).await;
        assert_eq!(p["errors"][0]["field"], "code");

        // Login (email is case-insensitive) opens a second, independent session.
        let session = tokens(login(&app, "NORA@example.test", GOOD).await).await;
        let r1 = str_of(&session, "refresh_token");
        let rotated = tokens(refresh(&app, &r1).await).await;
        let r2 = str_of(&rotated, "refresh_token");
        assert_ne!(r1, r2);
        assert_eq!(app.get("/v1/clinic", Some(&str_of(&rotated, "access_token"))).await.status(), 200);

        // Presenting the spent r1 again at once (a duplicate from a second screen or a retry)
        // gets the same pair; a reuse after the interval revokes the family
        // (`refresh_reuse.rs`).
        let again = tokens(refresh(&app, &r1).await).await;
        assert_eq!((str_of(&again, "refresh_token"), str_of(&again, "access_token")), (r2, str_of(&rotated, "access_token")));
        // The other session (from accepting the invitation) is untouched.
        let other = tokens(refresh(&app, &str_of(&first, "refresh_token")).await).await;

        // Logout needs a signed-in caller and ends that session.
        let r3 = str_of(&other, "refresh_token");
        let body = json!({"refresh_token": r3});
        problem(app.post_json("/v1/auth/logout", None, &body).await, 401).await;
        let r = app
            .post_json("/v1/auth/logout", Some(&str_of(&other, "access_token")), &body)
            .await;
        assert_eq!(r.status(), 204);
        problem(refresh(&app, &r3).await, 401).await;
        problem(refresh(&app, "not-a-token").await, 401).await;
    }

    async fn patients_are_invited_in_their_language(app, smtp) {
        let (_, staff) = app.staff("clinician").await;
        let r = app
            .post_json(
                "/v1/clinic/patients",
                Some(&staff),
                &json!({"email": "lucia@example.test", "given_name": "Lucía",
                        "timezone": "Europe/Madrid", "locale": "es"}),
            )
            .await;
        assert_eq!(r.status(), 201);
        let (mail, code) = nth_code(&smtp, "lucia@example.test", 1).await;
        let body = mail.body_text();
        assert!(body.contains("Te han invitado") && body.contains("72 horas"), "{body}");
        assert!(!body.contains("Lucía"));

        // A weak password is a 422 naming the field, and does not spend the code.
        let p = problem(accept(&app, &code, "short").await, 422).await;
        assert_eq!(p["errors"][0]["field"], "password");
        let p = problem(accept(&app, &code, "lucia@example").await, 422).await;
        assert!(p["errors"].as_array().unwrap().iter().any(|e| e["message"].as_str().unwrap().contains("email")));
        let t = tokens(accept(&app, &code, GOOD).await).await;
        assert_eq!(t["role"], "patient");
        // A patient's token is refused on clinic routes.
        problem(app.get("/v1/clinic", Some(&str_of(&t, "access_token"))).await, 403).await;
        problem(app.get("/v1/clinic/patients", Some(&str_of(&t, "access_token"))).await, 403).await;
    }

    async fn expired_invitations_are_refused(app, smtp) {
        let (_, admin) = app.staff("clinic_admin").await;
        let r = app
            .post_json(
                "/v1/clinic/staff",
                Some(&admin),
                &json!({"email": "late@example.test", "name": "Late", "role": "clinic_admin"}),
            )
            .await;
        assert_eq!(r.status(), 201);
        let (_, code) = nth_code(&smtp, "late@example.test", 1).await;
        app.db
            .run(|c| {
                use diesel::prelude::*;
                use shared::db::schema::invitations as i;
                diesel::update(i::table)
                    .set(i::expires_at.eq(shared::time::now() - chrono::Duration::minutes(1)))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        problem(accept(&app, &code, GOOD).await, 422).await;
    }

    async fn a_corrected_email_revokes_reset_codes_sent_to_the_old_one(app, smtp) {
        let (staff, staff_token) = app.staff("clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let r = app.post_json("/v1/auth/password-reset", None, &json!({"email": patient.email})).await;
        assert_eq!(r.status(), 202);
        let (_, code) = nth_code(&smtp, &patient.email, 1).await;
        let r = app
            .request(Method::PATCH, &format!("/v1/clinic/patients/{}", patient.id), Some(&staff_token))
            .json(&json!({"email": "corrected.address@example.test"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        problem(confirm(&app, &code, GOOD).await, 422).await;
    }

    async fn password_reset_emails_a_code_and_revokes_sessions(app, smtp) {
        let (user, _) = app.staff("clinician").await;
        let old = tokens(login(&app, &user.email, shared::testing::fixtures::FIXTURE_PASSWORD).await).await;

        for email in [user.email.as_str(), "nobody@example.test", "not an email"] {
            let r = app.post_json("/v1/auth/password-reset", None, &json!({"email": email})).await;
            assert_eq!(r.status(), 202, "{email}");
        }
        let (mail, code) = nth_code(&smtp, &user.email, 1).await;
        assert_eq!(mail.header("Subject").unwrap(), "Reset your password");

        let p = problem(confirm(&app, &code, "password123").await, 422).await;
        assert_eq!(p["errors"][0]["field"], "new_password");
        assert_eq!(confirm(&app, &code, GOOD).await.status(), 204);
        problem(confirm(&app, &code, "another-good-pass-9").await, 422).await;

        // Every earlier session is gone; only the new password works.
        problem(refresh(&app, &str_of(&old, "refresh_token")).await, 401).await;
        problem(login(&app, &user.email, shared::testing::fixtures::FIXTURE_PASSWORD).await, 401).await;
        tokens(login(&app, &user.email, GOOD).await).await;
    }
}

both_backends! {
    async fn unknown_email_wrong_password_and_inactive_answer_alike(app) {
        let (user, _) = app.staff("clinician").await;
        let unknown = problem(login(&app, "ghost@example.test", GOOD).await, 401).await;
        let wrong = problem(login(&app, &user.email, "wrong-password-1").await, 401).await;
        let garbage = problem(login(&app, "not an email", GOOD).await, 401).await;
        assert_eq!(unknown, wrong);
        assert_eq!(unknown, garbage);
        let id = user.id.clone();
        app.db
            .run(move |c| {
                use diesel::prelude::*;
                use shared::db::schema::users as u;
                diesel::update(u::table.find(id)).set(u::status.eq("disabled")).execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        let disabled = problem(
            login(&app, &user.email, shared::testing::fixtures::FIXTURE_PASSWORD).await,
            401,
        )
        .await;
        assert_eq!(unknown, disabled);
    }

    async fn repeated_failures_for_an_account_are_throttled(app) {
        let (user, _) = app.staff("clinician").await;
        for _ in 0..5 {
            problem(login(&app, &user.email, "wrong-password-1").await, 401).await;
        }
        let r = login(&app, &user.email, shared::testing::fixtures::FIXTURE_PASSWORD).await;
        let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=15 * 60 + 1).contains(&retry), "{retry}");
        problem(r, 429).await;
        // Other accounts from the same address are not locked by five failures.
        let (other, _) = app.staff("clinician").await;
        tokens(login(&app, &other.email, shared::testing::fixtures::FIXTURE_PASSWORD).await).await;
    }

    async fn repeated_failures_from_an_address_are_throttled(app) {
        for i in 0..20 {
            problem(login(&app, &format!("guess{i}@example.test"), GOOD).await, 401).await;
        }
        let (user, _) = app.staff("clinician").await;
        let r = login(&app, &user.email, shared::testing::fixtures::FIXTURE_PASSWORD).await;
        assert!(r.headers().contains_key("retry-after"));
        problem(r, 429).await;
    }

    async fn success_resets_the_account_counter(app) {
        let (user, _) = app.staff("clinician").await;
        for _ in 0..4 {
            problem(login(&app, &user.email, "wrong-password-1").await, 401).await;
        }
        tokens(login(&app, &user.email, shared::testing::fixtures::FIXTURE_PASSWORD).await).await;
        for _ in 0..4 {
            problem(login(&app, &user.email, "wrong-password-1").await, 401).await;
        }
        tokens(login(&app, &user.email, shared::testing::fixtures::FIXTURE_PASSWORD).await).await;
    }

    async fn auth_bodies_are_checked(app) {
        let r = app
            .request(Method::POST, "/v1/auth/login", None)
            .header("content-type", "application/json")
            .body("{\"email\": ")
            .send()
            .await
            .unwrap();
        problem(r, 400).await;
        let r = app
            .request(Method::POST, "/v1/auth/login", None)
            .header("content-type", "text/plain")
            .body("email=a&password=b")
            .send()
            .await
            .unwrap();
        problem(r, 415).await;
        let p = problem(
            app.post_json("/v1/auth/login", None, &json!({"email": "a@example.test"})).await,
            422,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "password");
        let p = problem(
            app.post_json("/v1/auth/invitations/accept", None, &json!({"code": 5, "password": GOOD})).await,
            422,
        )
        .await;
        assert!(p["errors"].is_array());
    }

    async fn forged_access_tokens_are_401(app) {
        let (user, good) = app.staff("clinic_admin").await;
        assert_eq!(app.get("/v1/clinic", Some(&good)).await.status(), 200);
        for (what, token) in forged(&app, &user) {
            let p = problem(app.get("/v1/clinic", Some(&token)).await, 401).await;
            assert_eq!(p["status"], 401, "{what}");
        }
        problem(app.get("/v1/clinic", None).await, 401).await;
    }
}

async fn confirm(app: &crate::helpers::TestApp, code: &str, pw: &str) -> reqwest::Response {
    app.post_json(
        "/v1/auth/password-reset/confirm",
        None,
        &json!({"code": code, "new_password": pw}),
    )
    .await
}

/// Tokens that must all be refused: each differs from a valid one in one respect.
fn forged(
    app: &crate::helpers::TestApp,
    user: &shared::db::users::User,
) -> Vec<(&'static str, String)> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};

    let now = chrono::Utc::now().timestamp();
    let claims = |iss: &str, aud: &str, exp: i64| {
        json!({"sub": user.id, "role": user.role, "cid": user.clinic_id, "sid": "s",
               "iat": now - 10, "exp": exp, "iss": iss, "aud": aud})
    };
    let cfg = &app.config.jwt;
    let key = EncodingKey::from_secret(cfg.secret.expose());
    let sign = |c: &Value| encode(&Header::new(Algorithm::HS256), c, &key).unwrap();
    let valid = claims(&cfg.issuer, &cfg.audience, now + 600);
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());

    // HS/RS confusion: an RS256 header over an HMAC signature made with the server's secret.
    let rs_header = b64(&json!({"alg": "RS256", "typ": "JWT"}));
    let rs_message = format!("{rs_header}.{}", b64(&valid));
    let rs_sig = jsonwebtoken::crypto::sign(rs_message.as_bytes(), &key, Algorithm::HS256).unwrap();
    // The same claims signed with HS512 (another HMAC algorithm than the pinned one).
    let hs512 = encode(&Header::new(Algorithm::HS512), &valid, &key).unwrap();

    vec![
        (
            "wrong key",
            encode(
                &Header::new(Algorithm::HS256),
                &valid,
                &EncodingKey::from_secret(b"another-secret-0123456789abcdef0123"),
            )
            .unwrap(),
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT"})),
                b64(&valid)
            ),
        ),
        ("hs/rs confusion", format!("{rs_message}.{rs_sig}")),
        ("hs512", hs512),
        (
            "expired",
            sign(&claims(&cfg.issuer, &cfg.audience, now - 120)),
        ),
        (
            "wrong audience",
            sign(&claims(&cfg.issuer, "other-api", now + 600)),
        ),
        (
            "wrong issuer",
            sign(&claims("someone-else", &cfg.audience, now + 600)),
        ),
        ("garbage", "not.a.jwt".to_owned()),
    ]
}

both_backends! {
    async fn a_refresh_token_raced_twice_yields_one_pair(app) {
        let (user, _) = app.staff("clinician").await;
        let t = tokens(login(&app, &user.email, shared::testing::fixtures::FIXTURE_PASSWORD).await).await;
        let r = str_of(&t, "refresh_token");
        // Both get the one successor pair: never two live pairs, never a revoked session.
        let (a, b) = tokio::join!(refresh(&app, &r), refresh(&app, &r));
        let (a, b) = (tokens(a).await, tokens(b).await);
        assert_eq!(str_of(&a, "refresh_token"), str_of(&b, "refresh_token"));
        assert_eq!(str_of(&a, "access_token"), str_of(&b, "access_token"));
        assert_ne!(str_of(&a, "refresh_token"), r);
        tokens(refresh(&app, &str_of(&a, "refresh_token")).await).await;
    }

    async fn one_email_in_two_clinics_signs_in_where_the_password_fits(app) {
        let (a, _) = app.staff("clinician").await;
        let (b_staff, _) = app.staff("clinic_admin").await;
        // The same person works at clinic B too, with another password.
        let (email, b_clinic) = (a.email.clone(), b_staff.clinic_id.clone());
        let b_user = app
            .db
            .run(move |c| {
                let hash = shared::auth::password::hash(GOOD)?;
                let t = shared::time::now();
                let u = shared::db::users::User {
                    id: shared::domain::UserId::new(),
                    clinic_id: b_clinic,
                    email,
                    name: "Twin".into(),
                    role: shared::domain::Role::Clinician,
                    status: shared::domain::UserStatus::Active,
                    password_hash: Some(hash),
                    created_at: t,
                    updated_at: t,
                };
                shared::db::users::insert(c, &u)?;
                Ok(u)
            })
            .await
            .unwrap();
        let in_a = tokens(login(&app, &a.email, shared::testing::fixtures::FIXTURE_PASSWORD).await).await;
        assert_eq!(in_a["clinic_id"], a.clinic_id.as_str());
        let in_b = tokens(login(&app, &a.email, GOOD).await).await;
        assert_eq!(in_b["clinic_id"], b_user.clinic_id.as_str());
        assert_eq!(in_b["user_id"], b_user.id.as_str());
    }

    async fn the_served_document_describes_the_account_and_clinic_routes(app) {
        let doc: Value = app.get("/openapi.json", None).await.json().await.unwrap();
        for (method, path) in [
            ("post", "/v1/auth/login"),
            ("post", "/v1/auth/refresh"),
            ("post", "/v1/auth/logout"),
            ("post", "/v1/auth/invitations/accept"),
            ("post", "/v1/auth/password-reset"),
            ("post", "/v1/auth/password-reset/confirm"),
            ("get", "/v1/clinic"),
            ("post", "/v1/clinic/staff"),
            ("post", "/v1/clinic/patients"),
            ("get", "/v1/clinic/patients"),
            ("get", "/v1/clinic/patients/{id}"),
            ("get", "/v1/clinic/audit"),
        ] {
            assert!(doc["paths"][path][method].is_object(), "{method} {path} missing");
        }
    }
}

both_backends_with_smtp! {
    async fn an_undeliverable_invitation_is_taken_back(app, smtp) {
        let (_, token) = app.staff("clinic_admin").await;
        let patient = json!({"email": "ines@example.test", "given_name": "Inés",
                             "timezone": "Europe/Madrid", "locale": "es"});
        let staff = json!({"email": "leo@example.test", "name": "Leo", "role": "clinician"});
        // A refused mailbox (RFC 3463 5.1.1) is the address's fault (422 on `email`); any
        // other permanent refusal (a relay refusing us) will not pass on a retry either (422,
        // and the operator is told in the log); a server that says "later", or refuses our own
        // credentials (the operator's to fix, named in the log), is worth a retry (503).
        for (code, text, status) in [
            (550, "5.1.1 no such mailbox", 422),
            (550, "5.7.1 Relaying denied", 422),
            (535, "5.7.8 Authentication credentials invalid", 503),
            (451, "4.3.0 try later", 503),
        ] {
            smtp.refuse_recipients(code, text);
            for (path, body) in [("/v1/clinic/patients", &patient), ("/v1/clinic/staff", &staff)] {
                let p = problem(app.post_json(path, Some(&token), body).await, status).await;
                if status == 422 {
                    assert_eq!(p["errors"][0]["field"], "email", "{p}");
                }
            }
        }

        // Nothing half-made is left behind: once mail works, the same emails enrol fine (no 409).
        smtp.accept_recipients();
        for (path, body) in [("/v1/clinic/patients", &patient), ("/v1/clinic/staff", &staff)] {
            assert_eq!(app.post_json(path, Some(&token), body).await.status(), 201, "{path}");
        }
        let r = app.get("/v1/clinic/audit", Some(&token)).await;
        let audit: Value = r.json().await.unwrap();
        let undone = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "invitation.undone")
            .count();
        assert_eq!(undone, 8, "{audit}");
        assert_eq!(smtp.to("ines@example.test").len(), 1);
    }
}
