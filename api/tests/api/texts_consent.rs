//! Consent to text messages on the human surfaces, on both backends: the patient app's "Text
//! messages" page (one tap on or off, recorded as the patient in the app), the console's record
//! (consent with the patient present, recorded as the clinic in the console; the texts the
//! patient sent) and the enrolment form's consent checkbox. Every form is refused without its
//! token.

use diesel::prelude::*;
use shared::care::sms::{Inbound, receive};
use shared::db::schema::{delivery_attempts, patient_profiles, sms_consents};
use shared::domain::search::search_key;
use shared::domain::{CONSENT_TEXT_VERSION, PatientId};
use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::app_web::{sign_in, signed_in_patient};
use crate::both_backends;
use crate::console_support::{Browser, location, signed_in, signed_in_to};
use crate::helpers::TestApp;
use crate::treatments::{record, treatment_body};

/// The patient's consent records, oldest first: (granted, source, method, recorded_by, version).
async fn consents(
    app: &TestApp,
    patient: &str,
) -> Vec<(bool, String, String, Option<String>, String)> {
    let patient = patient.to_owned();
    app.db
        .run(move |c| {
            Ok(sms_consents::table
                .filter(sms_consents::patient_id.eq(&patient))
                .order(sms_consents::created_at.asc())
                .select((
                    sms_consents::granted,
                    sms_consents::source,
                    sms_consents::method,
                    sms_consents::recorded_by,
                    sms_consents::text_version,
                ))
                .load(c)?)
        })
        .await
        .unwrap()
}

/// Sets the patient's phone as a correction does (the search key, by which an inbound text
/// finds its patient, follows it).
pub async fn set_phone(app: &TestApp, patient: &str, phone: Option<&str>) {
    let (patient, phone) = (patient.to_owned(), phone.map(str::to_owned));
    app.db
        .run(move |c| {
            let (given, family): (String, Option<String>) = patient_profiles::table
                .find(&patient)
                .select((patient_profiles::given_name, patient_profiles::family_name))
                .first(c)?;
            let key = search_key(&given, family.as_deref(), None, phone.as_deref());
            diesel::update(patient_profiles::table.find(&patient))
                .set((
                    patient_profiles::phone.eq(phone),
                    patient_profiles::search_key.eq(key),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
}

/// Sets the patient's language (`en`, `es`).
pub async fn set_locale(app: &TestApp, patient: &str, locale: &str) {
    let (patient, locale) = (patient.to_owned(), locale.to_owned());
    app.db
        .run(move |c| {
            diesel::update(patient_profiles::table.find(&patient))
                .set(patient_profiles::locale.eq(locale))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
}

/// Records that `prompt` was pushed to two phones that refused it, then texted, and the text's
/// `delivered` receipt came (as the worker and the status callback record them).
pub async fn tried_push_then_text(app: &TestApp, prompt: &str) {
    let at = shared::time::now();
    let steps = [
        ("fcm", "invalid_token", None, 0),
        ("fcm", "invalid_token", None, 1),
        ("sms", "sent", Some("delivered"), 2),
    ];
    let prompt_id = prompt.to_owned();
    app.db
        .run(move |c| {
            for (channel, outcome, receipt, secs) in steps {
                diesel::insert_into(delivery_attempts::table)
                    .values((
                        delivery_attempts::id.eq(uuid::Uuid::new_v4().to_string()),
                        delivery_attempts::prompt_id.eq(&prompt_id),
                        delivery_attempts::channel.eq(channel),
                        delivery_attempts::outcome.eq(outcome),
                        delivery_attempts::worker_id.eq("test"),
                        delivery_attempts::attempted_at.eq(at + chrono::Duration::seconds(secs)),
                        delivery_attempts::receipt.eq(receipt),
                    ))
                    .execute(c)?;
            }
            Ok(())
        })
        .await
        .unwrap();
}

both_backends! {
    async fn a_patient_turns_texts_on_and_off_in_the_app(app) {
        let (mut b, _, patient) = signed_in_patient(&app).await;
        set_phone(&app, &patient, None).await;

        // Settings lead to the page; without a number it asks for one and offers no button.
        let (_, html) = b.page("/app/settings").await;
        assert!(html.contains("href=\"/app/texts\""), "{html}");
        let (status, html) = b.page("/app/texts").await;
        assert_eq!(status, 200);
        assert!(html.contains("Ask your clinic to add your mobile number"), "{html}");
        assert!(!html.contains("id=\"texts-on\""), "{html}");
        let r = b.submit("/app/texts", "/app/texts", &[("consent", "on")]).await;
        assert_eq!(r.status(), 409);
        assert!(r.text().await.unwrap().contains("Your clinic needs your mobile number first."));
        assert!(consents(&app, &patient).await.is_empty(), "nothing recorded");

        // With a number: the number, the wording with the clinic's name and its version.
        set_phone(&app, &patient, Some("+34 600 111 222")).await;
        let (_, html) = b.page("/app/texts").await;
        assert!(html.contains("+34 600 111 222"), "{html}");
        assert!(html.contains("I agree to receive text messages from Test Clinic about my aftercare"), "{html}");
        assert!(html.contains("Reply STOP to stop, HELP for help."), "{html}");
        assert!(html.contains(CONSENT_TEXT_VERSION), "{html}");
        assert!(html.contains("Texts are off."), "{html}");

        // Without the form's token: refused, nothing recorded.
        let r = b.post("/app/texts", &[("csrf", "forged"), ("consent", "on")]).await;
        assert_eq!(r.status(), 403);
        assert!(consents(&app, &patient).await.is_empty());
        // A value that is neither on nor off: the 400 page.
        let r = b.submit("/app/texts", "/app/texts", &[("consent", "maybe")]).await;
        assert_eq!(r.status(), 400);

        // One tap on: the patient's own consent, in the app, to the current wording.
        let r = b.submit("/app/texts", "/app/texts", &[("consent", "on")]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/app/texts?done=on");
        let (_, html) = b.page(&location(&r)).await;
        assert!(html.contains("Texts are on. You agreed on"), "{html}");
        assert!(html.contains("id=\"texts-off\""), "{html}");
        let rows = consents(&app, &patient).await;
        assert_eq!(
            rows,
            vec![(true, "patient".into(), "app".into(), Some(patient.clone()), CONSENT_TEXT_VERSION.into())]
        );

        // One tap off: withdrawn.
        let r = b.submit("/app/texts", "/app/texts", &[("consent", "off")]).await;
        assert_eq!(r.status(), 303);
        let (_, html) = b.page(&location(&r)).await;
        assert!(html.contains("Nothing more will be sent to you by text."), "{html}");
        assert!(html.contains("Texts are off since"), "{html}");
        let rows = consents(&app, &patient).await;
        assert_eq!(rows.len(), 2);
        assert!(!rows[1].0, "withdrawn");
        assert_eq!((rows[1].1.as_str(), rows[1].2.as_str()), ("patient", "app"));

        // On again, then STOP from the phone: the page says so and how to get texts back.
        b.submit("/app/texts", "/app/texts", &[("consent", "on")]).await;
        receive(&app.db, Inbound {
            provider_id: "SM0100".into(),
            from: "+34600111222".into(),
            to: "+15005550006".into(),
            body: "Stop".into(),
        }, shared::time::now()).await.unwrap();
        let (_, html) = b.page("/app/texts").await;
        assert!(html.contains("Texts are off: you replied STOP on"), "{html}");
        assert!(html.contains("id=\"texts-start-hint\""), "{html}");
        assert!(html.contains("id=\"texts-on\""), "{html}");

        // Texts as a channel of reminders (`channels.sms`): on by default, off with the form.
        let (_, html) = b.page("/app/preferences").await;
        assert!(html.contains("name=\"sms\" value=\"1\" checked"), "{html}");
        let r = b.submit("/app/preferences", "/app/preferences", &[
            ("quiet_start", "22:00"), ("quiet_end", "08:00"), ("push", "1"),
            ("preview", "private"), ("locale", "en"), ("timezone", "Europe/Madrid"),
        ]).await;
        assert_eq!(r.status(), 303);
        let id = PatientId::from(patient.as_str());
        let p = app.db.run(move |c| shared::db::patients::find(c, &id)).await.unwrap();
        assert!(!p.sms_enabled && p.push_enabled);
        let (_, html) = b.page("/app/preferences").await;
        assert!(html.contains("name=\"sms\" value=\"1\">"), "{html}");
    }

    async fn the_texts_page_speaks_spanish(app) {
        let (mut b, _, patient) = signed_in_patient(&app).await;
        set_phone(&app, &patient, Some("+34 600 111 222")).await;
        set_locale(&app, &patient, "es").await;
        let (_, html) = b.page("/app/texts").await;
        assert!(html.contains("Acepto recibir mensajes de texto de Test Clinic"), "{html}");
        assert!(html.contains("Responde STOP"), "{html}");
        assert!(html.contains("Acepto: activar los SMS"), "{html}");
    }

    async fn the_clinic_records_consent_with_the_patient_present_and_sees_their_texts(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let id = patient.id.as_str().to_owned();
        let record = format!("/console/patients/{id}");
        let form = format!("{record}/sms-consent");

        // No number: the record says so and has no button; granting is refused.
        set_phone(&app, &id, None).await;
        let (_, html) = b.page(&record).await;
        assert!(html.contains("id=\"sms-no-phone\""), "{html}");
        assert!(html.contains("Never asked."), "{html}");
        let r = b.submit(&record, &form, &[("granted", "yes")]).await;
        assert_eq!(r.status(), 409);
        assert!(r.text().await.unwrap().contains("id=\"sms-error\""));
        assert!(consents(&app, &id).await.is_empty());

        // With a number: the wording to read, in the patient's language.
        set_phone(&app, &id, Some("+34 600 222 333")).await;
        let (_, html) = b.page(&record).await;
        assert!(html.contains("id=\"sms-grant\""), "{html}");
        assert!(html.contains("I agree to receive text messages from Test Clinic"), "{html}");

        // Without the token: refused.
        let r = b.post(&form, &[("csrf", "forged"), ("granted", "yes")]).await;
        assert_eq!(r.status(), 403);
        let r = b.submit(&record, &form, &[("granted", "perhaps")]).await;
        assert_eq!(r.status(), 400);
        assert!(consents(&app, &id).await.is_empty());

        // Recorded: the clinic, in the console, by this staff member, the current wording.
        let r = b.submit(&record, &form, &[("granted", "yes")]).await;
        assert_eq!(r.status(), 303);
        assert!(location(&r).starts_with(&format!("{record}?done=sms-consent")));
        let (_, html) = b.page(&location(&r)).await;
        assert!(html.contains("Consent to text messages recorded."), "{html}");
        assert!(html.contains(&format!("recorded by {}.", staff.name)), "{html}");
        assert!(html.contains(&format!("Wording version {CONSENT_TEXT_VERSION}")), "{html}");
        assert_eq!(
            consents(&app, &id).await,
            vec![(true, "clinic".into(), "console".into(), Some(staff.id.as_str().to_owned()), CONSENT_TEXT_VERSION.into())]
        );

        // The patient texts a question, then STOP: both listed, newest first; consent withdrawn.
        for (sid, body) in [("SM0001", "Can I wear makeup tomorrow?"), ("SM0002", "STOP")] {
            receive(&app.db, Inbound {
                provider_id: sid.into(),
                from: "+34600222333".into(),
                to: "+15005550006".into(),
                body: body.into(),
            }, shared::time::now()).await.unwrap();
        }
        let (_, html) = b.page(&record).await;
        let (stop, question) = (html.find("<q>STOP</q>").expect(&html), html.find("Can I wear makeup").expect(&html));
        assert!(stop < question, "newest first: {html}");
        assert!(html.contains("STOP: no more texts"), "{html}");
        assert!(html.contains("the patient replied STOP."), "{html}");
        assert!(html.contains("id=\"sms-grant\""), "consent can be recorded again: {html}");

        // Another clinic's staff: the 404 page, nothing recorded.
        let (other, _) = app.staff("clinician").await;
        let (mut stranger, _) = signed_in_to(&app, &other.clinic_id, "clinician").await;
        let r = stranger.submit("/console/", &form, &[("granted", "no")]).await;
        assert_eq!(r.status(), 404);
        assert_eq!(consents(&app, &id).await.len(), 2, "the grant and the STOP only");

        // Withdrawn at the desk.
        b.submit(&record, &form, &[("granted", "yes")]).await;
        let r = b.submit(&record, &form, &[("granted", "no")]).await;
        assert_eq!(r.status(), 303);
        let (_, html) = b.page(&location(&r)).await;
        assert!(html.contains("Consent to text messages withdrawn"), "{html}");
        let last = consents(&app, &id).await.pop().unwrap();
        assert_eq!((last.0, last.1.as_str(), last.2.as_str()), (false, "clinic", "console"));
    }

    async fn enrolment_records_consent_when_the_patient_agrees(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let (_, html) = b.page("/console/patients/new").await;
        assert!(html.contains("The patient agreed to text messages (read them the wording)"), "{html}");
        assert!(html.contains("I agree to receive text messages from"), "{html}");

        // Ticked without a number: the form again, the reason by the phone.
        let fields = |email: &'static str, phone: &'static str| vec![
            ("email", email), ("given_name", "Lucía"), ("phone", phone),
            ("timezone", "Europe/Madrid"), ("locale", "es"), ("sms_consent", "yes"),
        ];
        let r = b.submit("/console/patients/new", "/console/patients/new", &fields("a@example.test", "")).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"phone-error\">Add the patient&#39;s mobile number"), "{html}");
        assert!(html.contains("id=\"sms_consent\" aria-describedby=\"sms-wording-hint sms-wording\" checked"), "kept: {html}");

        let r = b.submit("/console/patients/new", "/console/patients/new", &fields("b@example.test", "+34 600 111 222")).await;
        assert_eq!(r.status(), 303);
        let id = location(&r)
            .strip_prefix("/console/patients/").unwrap()
            .strip_suffix("/invitation").unwrap()
            .to_owned();
        assert_eq!(
            consents(&app, &id).await,
            vec![(true, "clinic".into(), "console".into(), Some(staff.id.as_str().to_owned()), CONSENT_TEXT_VERSION.into())]
        );

        // Not ticked: nothing recorded.
        let mut unticked = fields("c@example.test", "+34 600 111 223");
        unticked.pop();
        let r = b.submit("/console/patients/new", "/console/patients/new", &unticked).await;
        assert_eq!(r.status(), 303);
        let id = PatientId::from(location(&r).split('/').nth(3).unwrap().to_owned());
        assert!(consents(&app, id.as_str()).await.is_empty());

        // In Spanish: the wording to read and a number without its country code, in Spanish.
        let r = b.submit("/console/", "/console/language", &[("lang", "es"), ("back", "/console/patients/new")]).await;
        assert_eq!(r.status(), 303);
        let (_, html) = b.page("/console/patients/new").await;
        assert!(html.contains("Acepto recibir mensajes de texto de Test Clinic"), "{html}");
        assert!(html.contains("El paciente acepta recibir mensajes de texto (léale el texto)"), "{html}");
        let r = b.submit("/console/patients/new", "/console/patients/new", &fields("d@example.test", "600 111 222")).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"phone-error\">escríbalo con el prefijo del país, como +34 600 111 222"), "{html}");
    }

    async fn each_prompt_shows_the_channels_it_was_tried_on(app) {
        let (mut desk, staff) = signed_in(&app, "clinician").await;
        let token = app.token_for(&staff);
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let id = patient.id.as_str().to_owned();
        record(&app, &token, &id, &treatment_body(1)).await;
        let pid = PatientId::from(id.as_str());
        let prompt = app
            .db
            .run(move |c| shared::db::prompts::for_patient(c, &pid))
            .await
            .unwrap()
            .remove(0)
            .id;
        // Two phones refused the push, then the text was delivered (the provider's receipt).
        tried_push_then_text(&app, prompt.as_str()).await;

        let (_, html) = desk.page(&format!("/console/patients/{id}")).await;
        assert!(html.contains("Push notification (Android) · failed ×2, Text message (SMS) · delivered"), "{html}");

        let mut b = Browser::new(&app);
        assert_eq!(sign_in(&mut b, &patient.email, FIXTURE_PASSWORD).await.status(), 303);
        let (_, html) = b.page(&format!("/app/prompts/{prompt}")).await;
        assert!(html.contains("id=\"sent-by\">Sent by notification · text</p>"), "{html}");
        let (_, html) = b.page("/app/timeline").await;
        assert_eq!(html.matches("Sent by notification · text").count(), 1, "that prompt only: {html}");
    }
}
