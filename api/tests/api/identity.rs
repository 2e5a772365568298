//! Identities the service can keep its word on: only addresses the mailer can send to are
//! accepted (422 naming `email`), a permanent mail refusal is never a "try again" 503, one
//! mailbox has one spelling (IDNA), and password rules say what they check (the estimator's
//! feedback in the 422). API and console, both backends.

use serde_json::{Value, json};

use crate::auth_support::{accept, login, nth_code, tokens};
use crate::console_support::{location, signed_in};
use crate::helpers::{TestApp, problem};
use crate::{both_backends, both_backends_with_smtp};

const GOOD: &str = "blue-canyon-river-7";

/// Addresses that pass a permissive parser (lettre's own accepts each) but no mail goes to.
const UNSENDABLE: &[&str] = &[
    "\"a b\"@example.test",
    "\"ana\"@example.test",
    "user@[127.0.0.1]",
    "user@[IPv6:2001:db8::1]",
    "user@127.0.0.1",
    "josé@example.test",
    "ana@localhost",
];

fn patient_body(email: &str) -> Value {
    json!({"email": email, "given_name": "Inés", "family_name": "Marín",
           "timezone": "Europe/Madrid", "locale": "es"})
}

fn staff_body(email: &str) -> Value {
    json!({"email": email, "name": "Leo Vidal", "role": "clinician"})
}

/// Asserts a 422 whose only error is on `email`.
async fn refused_email(resp: reqwest::Response) -> String {
    let p = problem(resp, 422).await;
    let errors = p["errors"].as_array().unwrap();
    assert!(errors.iter().all(|e| e["field"] == "email"), "{p}");
    errors[0]["message"].as_str().unwrap().to_owned()
}

async fn patch_email(app: &TestApp, token: &str, id: &str, email: &str) -> reqwest::Response {
    app.request(
        reqwest::Method::PATCH,
        &format!("/v1/clinic/patients/{id}"),
        Some(token),
    )
    .json(&json!({ "email": email }))
    .send()
    .await
    .unwrap()
}

/// Stores `email` on the account as a release before these rules could have.
async fn store_email(app: &TestApp, user: &shared::domain::UserId, email: &str) {
    let (user, email) = (user.clone(), email.to_owned());
    app.db
        .run(move |c| {
            use diesel::prelude::*;
            use shared::db::schema::users;
            diesel::update(users::table.find(&user))
                .set(users::email.eq(email))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
}

both_backends_with_smtp! {
    async fn addresses_the_mailer_cannot_use_are_refused_before_anything_is_sent(app, smtp) {
        let (_, admin) = app.staff("clinic_admin").await;
        let r = app.post_json("/v1/clinic/patients", Some(&admin), &patient_body("ok@example.test")).await;
        assert_eq!(r.status(), 201);
        let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        for bad in UNSENDABLE {
            let why = refused_email(
                app.post_json("/v1/clinic/patients", Some(&admin), &patient_body(bad)).await,
            )
            .await;
            assert!(why.contains('@'), "{bad}: says what is wrong around the @: {why}");
            refused_email(app.post_json("/v1/clinic/staff", Some(&admin), &staff_body(bad)).await).await;
            refused_email(patch_email(&app, &admin, &id, bad).await).await;
        }
        // Only the one good enrolment reached the mail server; nothing was taken back.
        assert_eq!(smtp.received().len(), 1);
        let audit: Value = app.get("/v1/clinic/audit", Some(&admin)).await.json().await.unwrap();
        assert!(!audit.to_string().contains("invitation.undone"), "{audit}");
    }

    async fn a_permanent_refusal_is_422_and_only_a_passing_one_is_503(app, smtp) {
        let (_, admin) = app.staff("clinic_admin").await;
        for (code, text, status) in [
            (550, "5.1.1 no such mailbox", 422),
            (550, "no such user", 422),
            (554, "transaction failed", 422),
            (550, "5.7.1 Relaying denied", 422),
            (535, "5.7.8 Authentication credentials invalid", 503),
            (530, "5.7.0 Authentication required", 503),
            (421, "service not available", 503),
            (451, "4.3.0 try later", 503),
            (452, "4.5.3 too many recipients", 503),
        ] {
            smtp.refuse_recipients(code, text);
            for (path, body) in [
                ("/v1/clinic/patients", patient_body("ines@example.test")),
                ("/v1/clinic/staff", staff_body("leo@example.test")),
            ] {
                let r = app.post_json(path, Some(&admin), &body).await;
                if status == 422 {
                    assert!(r.headers().get("retry-after").is_none(), "{code} {text}");
                    refused_email(r).await;
                } else {
                    assert!(r.headers().get("retry-after").is_some(), "{code} {text}");
                    problem(r, 503).await;
                }
            }
        }
        // A server that stopped answering at all is worth a retry too.
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let port = closed.to_string();
        let settings = [("AFTERCARE_SMTP_HOST", "127.0.0.1"), ("AFTERCARE_SMTP_PORT", port.as_str()),
            ("AFTERCARE_SMTP_TLS", "none")];
        let down = TestApp::spawn_with(app.db.backend(), &settings).await.unwrap();
        let (_, other) = down.staff("clinic_admin").await;
        let r = down.post_json("/v1/clinic/patients", Some(&other), &patient_body("x@example.test")).await;
        problem(r, 503).await;
        down.destroy_database();
    }

    async fn an_account_stored_with_an_unsendable_address_gets_a_422_not_a_500(app, smtp) {
        let (admin_user, admin) = app.staff("clinic_admin").await;
        let r = app.post_json("/v1/clinic/patients", Some(&admin), &patient_body("ok2@example.test")).await;
        let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        nth_code(&smtp, "ok2@example.test", 1).await;
        store_email(&app, &shared::domain::UserId::from(id.clone()), "\"o k\"@example.test").await;
        let r = app
            .request(reqwest::Method::POST, &format!("/v1/clinic/patients/{id}/invitation"), Some(&admin))
            .send()
            .await
            .unwrap();
        refused_email(r).await;
        // Such an account can still sign in with the address it has.
        store_email(&app, &admin_user.id, "\"a b\"@example.test").await;
        let fixture = shared::testing::fixtures::FIXTURE_PASSWORD;
        tokens(login(&app, "\"A B\"@Example.test", fixture).await).await;
    }

    async fn guessable_passwords_get_the_estimators_feedback(app, smtp) {
        let (_, admin) = app.staff("clinic_admin").await;
        let r = app.post_json("/v1/clinic/patients", Some(&admin),
            &json!({"email": "ines.marin@example.test", "given_name": "Inés", "family_name": "Quintanilla",
                    "timezone": "Europe/Madrid", "locale": "es"})).await;
        assert_eq!(r.status(), 201);
        let (_, code) = nth_code(&smtp, "ines.marin@example.test", 1).await;
        let messages = |p: &Value| -> Vec<String> {
            p["errors"].as_array().unwrap().iter()
                .inspect(|e| assert_eq!(e["field"], "password"))
                .map(|e| e["message"].as_str().unwrap().to_owned()).collect()
        };
        let p = problem(accept(&app, &code, "password123").await, 422).await;
        let found = messages(&p);
        assert!(found[0].starts_with("is too easy to guess (strength "), "{p}");
        assert!(found.iter().any(|m| m.contains("common password")), "{p}");
        // The patient's own names are known to an attacker.
        let p = problem(accept(&app, &code, "Quintanilla1990").await, 422).await;
        assert!(messages(&p)[0].starts_with("is too easy to guess"), "{p}");
        // The email rule says which part it checks.
        let p = problem(accept(&app, &code, "ines.marin-walks-far-north").await, 422).await;
        assert_eq!(messages(&p), ["must not contain the part of your email before the @"], "{p}");
        // None of it spent the code.
        tokens(accept(&app, &code, GOOD).await).await;

        // The reset confirmation checks the same rules on its own field.
        let r = app.post_json("/v1/auth/password-reset", None, &json!({"email": "ines.marin@example.test"})).await;
        assert_eq!(r.status(), 202);
        let (_, reset) = nth_code(&smtp, "ines.marin@example.test", 2).await;
        let r = app.post_json("/v1/auth/password-reset/confirm", None,
            &json!({"code": reset, "new_password": "qwertyuiop"})).await;
        let p = problem(r, 422).await;
        assert_eq!(p["errors"][0]["field"], "new_password", "{p}");
        assert!(p.to_string().contains("common password"), "{p}");
    }
}

both_backends_with_smtp! {
    async fn the_console_says_the_password_rules_in_spanish(app, smtp) {
        let (_, admin) = app.staff("clinic_admin").await;
        let r = app.post_json("/v1/clinic/staff", Some(&admin), &staff_body("nuria.puig@example.test")).await;
        assert_eq!(r.status(), 201);
        let (_, code) = nth_code(&smtp, "nuria.puig@example.test", 1).await;
        let mut b = crate::console_support::Browser::new(&app);
        b.set_cookie("console_lang", "es");
        for (weak, said) in [
            ("password123", &["es demasiado fácil de adivinar (seguridad 0 de 4", "Es una contraseña muy común."][..]),
            ("nuria.puig-walks-far-north", &["no debe contener la parte de su correo electrónico anterior a la @"][..]),
            ("corto", &["debe tener al menos 10 caracteres"][..]),
        ] {
            let r = b
                .submit("/console/invitation", "/console/invitation", &[("code", code.as_str()), ("password", weak)])
                .await;
            assert_eq!(r.status(), 422, "{weak}");
            let html = r.text().await.unwrap();
            assert!(html.contains("id=\"password-error\""), "{weak}: {html}");
            for s in said {
                assert!(html.contains(s), "{weak}: {s}: {html}");
            }
        }
        let r = b
            .submit("/console/invitation", "/console/invitation", &[("code", code.as_str()), ("password", GOOD)])
            .await;
        assert_eq!(r.status(), 303);
    }
}

both_backends! {
    async fn one_mailbox_in_two_spellings_is_one_account(app) {
        let (_, admin) = app.staff("clinic_admin").await;
        let r = app.post_json("/v1/clinic/patients", Some(&admin), &patient_body("Ana@Bücher.example")).await;
        assert_eq!(r.status(), 201);
        let first: Value = r.json().await.unwrap();
        for other in ["ana@xn--bcher-kva.example", "ANA@BÜCHER.EXAMPLE", "ana@bu\u{308}cher.example"] {
            let r = app.post_json("/v1/clinic/patients", Some(&admin), &patient_body(other)).await;
            problem(r, 409).await;
        }
        let id = first["id"].as_str().unwrap();
        let record: Value = app.get(&format!("/v1/clinic/patients/{id}"), Some(&admin)).await.json().await.unwrap();
        assert_eq!(record["email"], "ana@xn--bcher-kva.example", "stored in the form SMTP sends: {record}");

        // Staff too, and a correction to another patient's mailbox in its other spelling.
        let r = app.post_json("/v1/clinic/staff", Some(&admin), &staff_body("leo@xn--bcher-kva.example")).await;
        assert_eq!(r.status(), 201);
        problem(app.post_json("/v1/clinic/staff", Some(&admin), &staff_body("leo@bücher.example")).await, 409).await;
        let r = app.post_json("/v1/clinic/patients", Some(&admin), &patient_body("bea@example.test")).await;
        let bea = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        problem(patch_email(&app, &admin, &bea, "ana@xn--BCHER-kva.example").await, 409).await;

        // Another clinic is another account.
        let (_, elsewhere) = app.staff("clinic_admin").await;
        let r = app.post_json("/v1/clinic/patients", Some(&elsewhere), &patient_body("ana@xn--bcher-kva.example")).await;
        assert_eq!(r.status(), 201);
    }

    async fn either_spelling_signs_in(app) {
        let (user, _) = app.staff("clinician").await;
        store_email(&app, &user.id, "nora@xn--clnica-4va.example").await;
        let fixture = shared::testing::fixtures::FIXTURE_PASSWORD;
        for spelling in ["nora@clínica.example", "Nora@XN--CLNICA-4VA.example"] {
            tokens(login(&app, spelling, fixture).await).await;
        }
    }

    async fn start_up_rewrites_domains_stored_in_unicode(app) {
        let (clinic_admin, admin) = app.staff("clinic_admin").await;
        let clinic = clinic_admin.clinic_id.clone();
        let (a, _) = app.patient_in(&clinic, "Europe/Madrid").await;
        let (b, _) = app.patient_in(&clinic, "Europe/Madrid").await;
        let (c, _) = app.patient_in(&clinic, "Europe/Madrid").await;
        let (d, _) = app.patient_in(&clinic, "Europe/Madrid").await;
        // Written by a release that kept the Unicode form: one alone, two spellings of one
        // mailbox, and a local part no mail can go to.
        store_email(&app, &a.id, "eva@clínica.example").await;
        store_email(&app, &b.id, "ana@bücher.example").await;
        store_email(&app, &c.id, "ana@xn--bcher-kva.example").await;
        store_email(&app, &d.id, "josé@example.test").await;
        let done = app.db.run(shared::db::users::normalise_stored_emails).await.unwrap();
        assert_eq!((done.rewritten, done.left), (1, 2));
        let email_of = |id: &shared::domain::UserId| {
            let id = id.clone();
            app.db.run(move |c| shared::db::users::find(c, &id))
        };
        assert_eq!(email_of(&a.id).await.unwrap().email, "eva@xn--clnica-4va.example");
        assert_eq!(email_of(&b.id).await.unwrap().email, "ana@bücher.example");
        assert_eq!(email_of(&d.id).await.unwrap().email, "josé@example.test");
        // The roster finds the patient by the stored address.
        for typed in ["xn--clnica", "clínica.example"] {
            let found: Value = app.get(&format!("/v1/clinic/patients?q={typed}"), Some(&admin)).await.json().await.unwrap();
            assert_eq!(found["items"].as_array().map(Vec::len), Some(1), "{typed}: {found}");
        }
        // Idempotent.
        let again = app.db.run(shared::db::users::normalise_stored_emails).await.unwrap();
        assert_eq!((again.rewritten, again.left), (0, 2));
    }

    async fn console_forms_refuse_unsendable_addresses_in_the_staff_language(app) {
        let (mut desk, _) = signed_in(&app, "clinic_admin").await;
        let r = desk.submit("/console/", "/console/language", &[("lang", "es"), ("back", "/console/")]).await;
        assert_eq!(r.status(), 303);
        for (bad, said) in [
            ("\"a b\"@example.test", "no debe llevar comillas antes de la @"),
            ("user@[127.0.0.1]", "no una dirección IP"),
            ("josé@example.test", "solo puede llevar letras sin acentos"),
            ("ana@localhost", "nombre de dominio válido"),
        ] {
            let r = desk
                .submit("/console/patients/new", "/console/patients/new", &[
                    ("email", bad), ("given_name", "Maya"),
                    ("timezone", "Europe/Madrid"), ("locale", "es")])
                .await;
            assert_eq!(r.status(), 422, "{bad}");
            let html = r.text().await.unwrap();
            assert!(html.contains("id=\"email-error\"") && html.contains(said), "{bad}: {html}");
            let r = desk
                .submit("/console/staff", "/console/staff", &[
                    ("email", bad), ("name", "Leo"), ("role", "clinician")])
                .await;
            assert_eq!(r.status(), 422, "{bad}");
            assert!(r.text().await.unwrap().contains(said), "{bad}");
        }
        // Two spellings of one mailbox: the second is the 409 form.
        let fields = |email: &'static str| [("email", email), ("given_name", "Maya"),
            ("timezone", "Europe/Madrid"), ("locale", "es")];
        let r = desk.submit("/console/patients/new", "/console/patients/new", &fields("maya@bücher.example")).await;
        assert_eq!(r.status(), 303, "{}", location(&r));
        let r = desk.submit("/console/patients/new", "/console/patients/new", &fields("maya@xn--bcher-kva.example")).await;
        assert_eq!(r.status(), 409);
    }
}
