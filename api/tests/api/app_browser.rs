//! The patient web app in a real browser (issue 27, "Tests"): Debian's headless Chromium driven
//! through chromedriver with fantoccini, against the real server. A patient enrolled by the
//! clinic (a treatment recorded, the next session booked) follows the invitation link, sets a
//! password, lands on Today, acknowledges a prompt, checks in with an urgent symptom and gets
//! "your clinic has been told" with the clinic's phone as a `tel:` link, downloads the next
//! session's calendar file (text/calendar, no health words), turns on notifications (the
//! permission granted through the DevTools protocol), gets a prompt as a Web Push message that
//! the service worker shows — the neutral text with the default lock-screen preview, the
//! prompt's own text once the patient chooses "the whole message" — whose `data.url` opens the
//! prompt, turns notifications off, and signs out: Cache Storage then holds no health data
//! (every cache opened, every entry read). How Web Push is reached without a real push service
//! is [`push`]'s module documentation.
//!
//! Every page on the way goes through [`harness::app_page_problems`] (axe-core with no serious or
//! critical violation, no sideways scroll, 44-px touch targets at 390 and 320 px; screenshots
//! under `target/app-screenshots/<lang>-<page>-<width>.png`), in English and in Spanish (the
//! patient's language; the signed-out pages follow the browser's).
//!
//! Runs where `chromedriver` and `chromium` are installed; elsewhere it is skipped with a note,
//! unless `CI` is set, where it fails (the console's harness decides).

pub mod harness;
mod push;

use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use shared::db::Backend;
use shared::domain::Locale;

use crate::console_browser::harness::{browser, click_through, el, text};
use crate::helpers::TestApp;
use crate::treatments::{put_session, record, treatment_body};
use harness::{Cdp, app_page_problems, cache_storage, notifications, page_fetch, registration_id};
use push::FakePushService;

const PASSWORD: &str = "lantern-orchard-velvet-27";

#[tokio::test]
async fn a_patient_uses_the_web_app_in_english() {
    patient_walk("en").await;
}

#[tokio::test]
async fn a_patient_uses_the_web_app_in_spanish() {
    patient_walk("es").await;
}

/// The clinic's side: a patient enrolled in `lang` with a treatment recorded two days ago (so
/// prompts are due) and the next session booked. Returns the invitation link's path and query.
async fn enrolled(app: &TestApp, lang: &str) -> (String, String) {
    let clinic = app
        .db
        .run(|c| Ok(shared::testing::fixtures::clinic(c, "Clínica Lumen")))
        .await
        .unwrap();
    let (_, staff) = app.staff_in(&clinic.id, "clinician").await;
    let body = json!({
        "email": format!("{lang}.patient@example.test"),
        "given_name": if lang == "es" { "Lucía" } else { "Hannah" },
        "family_name": "Ortega",
        "timezone": "Europe/Madrid",
        "locale": lang,
    });
    let r = app
        .post_json("/v1/clinic/patients", Some(&staff), &body)
        .await;
    assert_eq!(r.status(), 201);
    let enrolled: Value = r.json().await.unwrap();
    let patient = enrolled["id"].as_str().unwrap().to_owned();
    let link = reqwest::Url::parse(enrolled["invitation"]["link"].as_str().unwrap()).unwrap();
    assert_eq!(link.path(), "/app/invitation");
    // No quiet hours: the walk waits for a prompt due within the minute, which quiet hours
    // (21:00–08:00 in Madrid by default) would hold until the morning at some times of day.
    let pid = shared::domain::PatientId::from(patient.as_str());
    app.db
        .run(move |c| {
            use diesel::prelude::*;
            use shared::db::schema::patient_profiles as pp;
            diesel::update(pp::table.find(&pid))
                .set((
                    pp::quiet_start.eq(None::<String>),
                    pp::quiet_end.eq(None::<String>),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    // Two days ago: the plan has prompts whose time has come (today's morning ones).
    let mut treatment = treatment_body(1);
    treatment["performed_at"] = json!(
        (chrono::Utc::now() - chrono::Duration::hours(50))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    record(app, &staff, &patient, &treatment).await;
    let at = chrono::Utc::now() + chrono::Duration::days(28);
    assert_eq!(put_session(app, &staff, &patient, at).await.status(), 200);
    // Today needs a prompt to acknowledge. Which of the plan's prompts are due now depends on
    // the time of day in Madrid (just after local midnight none is), so the walk brings the
    // first one forward to now, as if its time had come.
    let pid = shared::domain::PatientId::from(patient.as_str());
    app.db
        .run(move |c| {
            use diesel::prelude::*;
            use shared::db::schema::prompts as p;
            let first: String = p::table
                .filter(p::patient_id.eq(&pid))
                .filter(p::status.eq("scheduled"))
                .order(p::available_at.asc())
                .select(p::id)
                .first(c)?;
            let now = shared::time::now();
            diesel::update(p::table.find(first))
                .set((p::due_at.eq(now), p::available_at.eq(now)))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    // The embedded delivery loop sends it within its tick.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    (
        patient,
        format!("{}?{}", link.path(), link.query().unwrap()),
    )
}

async fn patient_walk(lang: &str) {
    let fake = FakePushService::start().await;
    let vapid = shared::push::webpush::VapidKey::generate().unwrap();
    let private = vapid.private_key_base64url();
    let Some(app) = TestApp::spawn_configured(
        Backend::Sqlite,
        &[("AFTERCARE_VAPID_PRIVATE_KEY", private.as_str())],
        |c| c.webpush.allow_loopback_endpoints = true,
    )
    .await
    else {
        return;
    };
    let (patient, invitation) = enrolled(&app, lang).await;
    let profile = std::env::temp_dir().join(format!("aftercare-chromium-{}", uuid::Uuid::new_v4()));
    let Some((driver, c)) = browser(&profile, lang).await else {
        return;
    };
    let cdp = Cdp::new(&driver.url, &c).await;
    cdp.before_every_document(&push::shim(&fake.endpoint()))
        .await;
    let result = tokio::spawn({
        let c = c.clone();
        let walk = Walk {
            base: app.address.clone(),
            lang: lang.to_owned(),
            patient,
            private,
            problems: std::sync::Mutex::new(Vec::new()),
        };
        async move { walk.run(&c, &cdp, &app, &fake, &invitation).await }
    })
    .await;
    let _ = c.close().await;
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile);
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

struct Walk {
    base: String,
    lang: String,
    patient: String,
    /// The VAPID private key the server signs with.
    private: String,
    /// What [`Walk::check`] found on every page so far.
    problems: std::sync::Mutex<Vec<String>>,
}

impl Walk {
    fn page(&self, name: &str) -> String {
        format!("{}-{name}", self.lang)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Checks the page (see [`harness::app_page_problems`]), keeping its problems for the end of
    /// the walk, so one run lists every page's.
    async fn check(&self, c: &Client, name: &str) {
        let found = app_page_problems(c, &self.page(name)).await;
        if !found.is_empty() {
            let url = c.current_url().await.map(|u| u.path().to_owned());
            let mut all = self.problems.lock().unwrap();
            all.push(format!(
                "page {:?} ({url:?}):\n{}",
                self.page(name),
                found.join("\n")
            ));
        }
    }

    async fn go(&self, c: &Client, path: &str, name: &str) {
        c.goto(&self.url(path)).await.unwrap();
        el(c, Locator::Css("main h1")).await;
        self.check(c, name).await;
    }

    fn es(&self) -> bool {
        self.lang == "es"
    }

    async fn run(
        &self,
        c: &Client,
        cdp: &Cdp,
        app: &TestApp,
        fake: &FakePushService,
        invitation: &str,
    ) {
        // Signed out: the sign-in page, in the browser's language.
        self.go(c, "/app/sign-in", "sign-in").await;
        let lang = el(c, Locator::Css("html"))
            .await
            .attr("lang")
            .await
            .unwrap();
        assert_eq!(lang.as_deref(), Some(self.lang.as_str()));

        // The invitation link: set a password, and Today.
        self.go(c, invitation, "invitation").await;
        el(c, Locator::Id("password"))
            .await
            .send_keys(PASSWORD)
            .await
            .unwrap();
        click_through(c, el(c, Locator::Id("activate")).await).await;
        assert_eq!(c.current_url().await.unwrap().path(), "/app/");
        el(c, Locator::Css("article.card.new")).await;
        self.check(c, "today").await;
        let call = el(c, Locator::Id("call-clinic")).await;
        assert_eq!(
            call.attr("href").await.unwrap().as_deref(),
            Some("tel:+34600000000"),
            "the clinic's phone one tap away"
        );

        // Acknowledge the first new prompt.
        let card = el(c, Locator::Css("article.card.new")).await;
        let card_id = card.attr("id").await.unwrap().unwrap();
        let prompt_id = card_id.trim_start_matches("p-").to_owned();
        let title = card
            .find(Locator::Css("h3"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        click_through(c, card.find(Locator::Css("button.ack")).await.unwrap()).await;
        let seen = el(c, Locator::Id(&card_id)).await;
        assert!(
            seen.attr("class")
                .await
                .unwrap()
                .unwrap_or_default()
                .contains("seen"),
            "acknowledged"
        );

        // The timeline and one prompt; their titles are the health words to look for later.
        self.go(c, "/app/timeline", "timeline").await;
        let mut health: Vec<String> = Vec::new();
        for h in c.find_all(Locator::Css("article h3")).await.unwrap() {
            health.push(h.text().await.unwrap());
        }
        assert!(health.contains(&title), "{health:?}");
        self.go(c, &format!("/app/prompts/{prompt_id}"), "prompt")
            .await;
        assert_eq!(text(c, "main h1").await, title);

        // A check-in with an urgent symptom: the clinic has been told, and its phone.
        self.go(c, "/app/check-in", "check-in").await;
        for (scale, value) in [("redness", 6), ("swelling", 4), ("pain", 5)] {
            let xpath = format!("//input[@name='{scale}'][@value='{value}']/parent::label");
            el(c, Locator::XPath(&xpath)).await.click().await.unwrap();
        }
        el(c, Locator::Css("input[name=peeling][value=no]"))
            .await
            .click()
            .await
            .unwrap();
        el(c, Locator::Css("input[name=symptoms][value=fever]"))
            .await
            .click()
            .await
            .unwrap();
        click_through(c, el(c, Locator::Id("send-check-in")).await).await;
        let urgent = text(c, "#urgent").await;
        let told = if self.es() {
            "clínica"
        } else {
            "clinic has been told"
        };
        assert!(urgent.contains(told), "{urgent}");
        let call = el(c, Locator::Id("call-now")).await;
        assert_eq!(
            call.attr("href").await.unwrap().as_deref(),
            Some("tel:+34600000000")
        );
        self.check(c, "check-in-urgent").await;

        // The next session and its calendar file: a calendar, with no health words in it.
        self.go(c, "/app/next-session", "next-session").await;
        let href = el(c, Locator::Id("add-to-calendar"))
            .await
            .attr("href")
            .await
            .unwrap()
            .unwrap();
        let (status, content_type, ics) = page_fetch(c, &href).await;
        assert_eq!(status, 200);
        assert!(content_type.starts_with("text/calendar"), "{content_type}");
        assert!(ics.starts_with("BEGIN:VCALENDAR"), "{ics}");
        for word in health_words(&health) {
            assert!(
                !ics.to_lowercase().contains(&word.to_lowercase()),
                "{word:?} in the calendar file:\n{ics}"
            );
        }

        // Settings, preferences, devices (none yet), account, erasure's confirmation.
        self.go(c, "/app/settings", "settings").await;
        self.go(c, "/app/preferences", "preferences").await;
        self.go(c, "/app/devices", "devices-none").await;
        el(c, Locator::Id("no-devices")).await;
        self.go(c, "/app/account", "account").await;
        self.go(c, "/app/account/erase", "erase-confirm").await;

        // Notifications: explained, off, nothing asked on load.
        self.go(c, "/app/notifications", "notifications-off").await;
        let permission = c
            .execute("return Notification.permission", vec![])
            .await
            .unwrap();
        assert_eq!(permission, json!("default"), "no permission asked on load");
        assert!(
            el(c, Locator::Id("turn-on"))
                .await
                .is_displayed()
                .await
                .unwrap()
        );
        // The patient presses the button and answers "Allow".
        cdp.grant_notifications(&self.base).await;
        el(c, Locator::Id("turn-on")).await.click().await.unwrap();
        el(c, Locator::Css("#notifications-state[data-state=state-on]")).await;
        assert!(
            el(c, Locator::Id("turn-off"))
                .await
                .is_displayed()
                .await
                .unwrap()
        );
        assert!(
            !el(c, Locator::Id("turn-on"))
                .await
                .is_displayed()
                .await
                .unwrap(),
            "only one of the two buttons at a time"
        );
        self.check(c, "notifications-on").await;
        let device = self.web_push_device(app).await;
        assert_eq!(device.token, fake.endpoint());
        self.go(c, "/app/devices", "devices").await;
        assert!(c.find(Locator::Id("no-devices")).await.is_err());

        // A prompt as Web Push, with the default lock-screen preview: the neutral text.
        let registration = registration_id(c, &self.url("/app/")).await;
        let neutral = shared::push::neutral_text(self.locale());
        let shown = self
            .push_and_show(c, cdp, app, fake, &device, &prompt_id, &registration)
            .await;
        assert_eq!(
            (shown.title.as_str(), shown.body.as_str()),
            (neutral.title.as_str(), neutral.body.as_str())
        );
        assert!(!shown.body.contains(&title) && !shown.title.contains(&title));

        // "The whole message" on a locked screen: the prompt's own title.
        self.go(c, "/app/preferences", "preferences").await;
        el(c, Locator::Css("input[name=preview][value=full]"))
            .await
            .click()
            .await
            .unwrap();
        click_through(c, el(c, Locator::Id("save")).await).await;
        el(c, Locator::Id("saved")).await;
        let shown = self
            .push_and_show(c, cdp, app, fake, &device, &prompt_id, &registration)
            .await;
        assert_eq!(shown.title, title);
        // The notification's click opens its url: the prompt.
        let url = shown.data["url"].as_str().unwrap().to_owned();
        assert_eq!(url, format!("/app/prompts/{prompt_id}"));
        c.goto(&self.url(&url)).await.unwrap();
        assert_eq!(text(c, "main h1").await, title);

        // Turned off: unsubscribed, and the device is gone.
        self.go(c, "/app/notifications", "notifications-on-again")
            .await;
        el(c, Locator::Css("#notifications-state[data-state=state-on]")).await;
        el(c, Locator::Id("turn-off")).await.click().await.unwrap();
        el(
            c,
            Locator::Css("#notifications-state[data-state=state-off]"),
        )
        .await;
        assert!(
            !el(c, Locator::Id("turn-off"))
                .await
                .is_displayed()
                .await
                .unwrap()
        );
        assert!(self.web_push_devices(app).await.is_empty());

        // On again before signing out: signing out must end it (a shared browser's next
        // patient gets none of this patient's notifications).
        self.go(c, "/app/notifications", "notifications-off-again")
            .await;
        el(c, Locator::Id("turn-on")).await.click().await.unwrap();
        el(c, Locator::Css("#notifications-state[data-state=state-on]")).await;
        assert_eq!(self.web_push_devices(app).await.len(), 1);
        // A page load sends the subscription it finds again (idempotent): still one device.
        c.refresh().await.unwrap();
        el(c, Locator::Css("#notifications-state[data-state=state-on]")).await;
        assert_eq!(self.web_push_devices(app).await.len(), 1);

        // Offline page and the 404 page.
        self.go(c, "/app/offline", "offline").await;
        self.go(c, "/app/no-such-page", "not-found").await;

        // Before signing out the service worker keeps today and the timeline (so the check
        // below is not vacuous); after, no cache holds a health word.
        self.go(c, "/app/timeline", "timeline").await;
        let started = std::time::Instant::now();
        while !cache_storage(c)
            .await
            .iter()
            .any(|e| e.url.ends_with("/app/timeline"))
        {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "the service worker keeps the timeline for offline reading"
            );
            c.refresh().await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        click_through(c, el(c, Locator::Id("sign-out")).await).await;
        assert_eq!(c.current_url().await.unwrap().path(), "/app/signed-out");
        self.check(c, "signed-out").await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert!(
            self.web_push_devices(app).await.is_empty(),
            "signing out deletes this browser's push subscription on the server"
        );
        let held = c
            .execute(
                "return localStorage.getItem('test-push-subscription')",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(held, json!(null), "and in the browser");
        let words = health_words(&health);
        for entry in cache_storage(c).await {
            assert!(
                !entry.url.ends_with("/app/") && !entry.url.ends_with("/app/timeline"),
                "a signed-in page is still cached: {} in {}",
                entry.url,
                entry.cache
            );
            for word in &words {
                assert!(
                    !entry.body.contains(word.as_str()),
                    "{word:?} in the cached {} ({})",
                    entry.url,
                    entry.cache
                );
            }
        }
        // Signed out means signed out.
        c.goto(&self.url("/app/")).await.unwrap();
        assert_eq!(c.current_url().await.unwrap().path(), "/app/sign-in");
        let problems = self.problems.lock().unwrap();
        assert!(
            problems.is_empty(),
            "{} page(s) with problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }

    fn locale(&self) -> Locale {
        if self.es() { Locale::Es } else { Locale::En }
    }

    async fn web_push_devices(&self, app: &TestApp) -> Vec<shared::db::devices::Device> {
        let pid = shared::domain::PatientId::from(self.patient.as_str());
        app.db
            .run(move |c| shared::db::devices::active_for_patient(c, &pid))
            .await
            .unwrap()
            .into_iter()
            .filter(|d| d.provider == shared::domain::PushProvider::WebPush)
            .collect()
    }

    async fn web_push_device(&self, app: &TestApp) -> shared::db::devices::Device {
        let mut found = self.web_push_devices(app).await;
        assert_eq!(found.len(), 1, "one browser subscription registered");
        found.remove(0)
    }

    /// Sends prompt `prompt_id` to the browser's subscription as the worker's Web Push channel
    /// does (the patient's stored lock-screen preview and language, `visible_text`, the
    /// client's payload, encryption and VAPID), decrypts it at the fake push service, hands it
    /// to the service worker, and returns the notification it shows for that prompt.
    #[allow(clippy::too_many_arguments)]
    async fn push_and_show(
        &self,
        c: &Client,
        cdp: &Cdp,
        app: &TestApp,
        fake: &FakePushService,
        device: &shared::db::devices::Device,
        prompt_id: &str,
        registration: &str,
    ) -> harness::Shown {
        let pid = shared::domain::PatientId::from(self.patient.as_str());
        let me = shared::care::profile::me(&app.db, &pid).await.unwrap();
        let pid2 = pid.clone();
        let prompt = app
            .db
            .run(move |c| shared::db::prompts::for_patient(c, &pid2))
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.id.as_str() == prompt_id)
            .expect("the prompt is the patient's");
        let visible = shared::push::visible_text(
            me.profile.lock_screen_preview,
            me.profile.locale,
            &prompt.title,
            &prompt.body,
        );
        let key = shared::push::webpush::VapidKey::parse(&self.private).unwrap();
        let client = shared::push::webpush::WebPushClient::new(
            key,
            "mailto:clinic@example.test".into(),
            shared::domain::EndpointPolicy {
                allow_loopback: true,
            },
        )
        .unwrap();
        let msg = shared::push::PushMessage {
            device_token: device.token.clone(),
            visible,
            prompt_id: prompt_id.to_owned(),
            kind: "prompt".into(),
            idempotency_key: prompt.idempotency_key.clone(),
            ttl_secs: 3600,
        };
        let before = fake.received().await;
        let outcome = client
            .send(
                &msg,
                shared::push::webpush::Subscription {
                    endpoint: &device.token,
                    p256dh: device.webpush_p256dh.as_deref().unwrap(),
                    auth: device.webpush_auth.as_deref().unwrap(),
                },
                false,
            )
            .await;
        assert!(
            matches!(outcome, shared::push::PushOutcome::Sent { .. }),
            "{outcome:?}"
        );
        assert_eq!(fake.received().await, before + 1);
        let (headers, payload) = fake.decrypt_last().await;
        assert!(
            headers
                .iter()
                .any(|(k, v)| k == "content-encoding" && v == "aes128gcm"),
            "{headers:?}"
        );
        let parsed: Value = serde_json::from_str(&payload).unwrap();
        // Back on an app page (registration_id reads chrome://serviceworker-internals).
        c.goto(&self.url("/app/")).await.unwrap();
        el(c, Locator::Css("main h1")).await;
        // The service worker is active and the page controlled before the message is handed
        // over; a message handed to a worker still starting can be lost, so it is handed over
        // again (same tag: the notification is replaced, not doubled) until it shows.
        c.execute_async(
            "const done = arguments[arguments.length - 1]; navigator.serviceWorker.ready.then(() => done(true));",
            vec![],
        )
        .await
        .unwrap();
        let tag = parsed["tag"].as_str().unwrap().to_owned();
        for _ in 0..4 {
            cdp.deliver_push(&self.base, registration, &payload).await;
            let started = std::time::Instant::now();
            while started.elapsed() < std::time::Duration::from_secs(5) {
                let shown = notifications(c).await;
                if let Some(n) = shown
                    .into_iter()
                    .find(|n| n.tag == tag && n.title == parsed["title"])
                {
                    return n;
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        }
        panic!("no notification for {payload}");
    }
}

/// What must never reach a calendar file or a cache after sign-out: the patient's prompts'
/// titles, and the symptom words of both languages.
fn health_words(titles: &[String]) -> Vec<String> {
    let mut words: Vec<String> = titles.iter().filter(|t| t.len() > 3).cloned().collect();
    words.extend(
        [
            "redness",
            "swelling",
            "fever",
            "blister",
            "cold sore",
            "enrojecimiento",
            "hinchazón",
            "fiebre",
            "ampolla",
        ]
        .iter()
        .map(|w| w.to_string()),
    );
    words
}
