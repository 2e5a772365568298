//! The delivery ladder: an important prompt goes on the first channel that can reach the
//! patient (push → SMS → email), falls through at once past one that fails for good, and, not
//! acknowledged within its window, goes again on the next one; an acknowledgement stops it,
//! quiet hours hold a follow-up that is not urgent, texts need a consent in force. Ordinary
//! prompts keep their channels. Windows are shortened by writing `ack_window_secs` on the row.

use chrono::{Duration, Timelike};
use diesel::prelude::*;
use serde_json::json;
use shared::db::follow_ups::{self, FollowUp};
use shared::db::schema::sms_consents as sc;
use shared::db::schema::{patient_profiles as pp, prompt_follow_ups as fu, prompts as pr};
use shared::domain::{PromptId, PromptStatus};
use shared::testing::smtp::SmtpServer;
use shared::time::now;
use tokio::sync::watch;
use wiremock::ResponseTemplate;

use crate::both_backends;
use crate::fake_twilio::FakeTwilio;
use crate::fakes::FakeFcm;
use crate::helpers::{Env, drain};

const PHONE: &str = "+34600111222";

fn unregistered() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({"error": {
        "code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND",
        "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]
    }}))
}

/// A patient with a phone, no quiet hours (the tests set their own), and optionally a consent
/// to texts in force; returns (clinic id, patient id, patient email).
async fn patient(env: &Env, consent: bool) -> (String, String, String) {
    let (clinic, user) = env.patient().await;
    let (cid, pid) = (clinic.id.to_string(), user.id.to_string());
    let (c2, p2) = (cid.clone(), pid.clone());
    env.run(move |c| {
        diesel::update(pp::table.find(&p2))
            .set((
                pp::phone.eq(Some("+34 600 111 222")),
                pp::quiet_start.eq(None::<String>),
                pp::quiet_end.eq(None::<String>),
            ))
            .execute(c)
            .unwrap();
        if consent {
            consent_row(c, &c2, &p2, true, now());
        }
    })
    .await;
    (cid, pid, user.email)
}

fn consent_row(
    c: &mut shared::db::DbConn,
    cid: &str,
    pid: &str,
    granted: bool,
    at: chrono::NaiveDateTime,
) {
    diesel::insert_into(sc::table)
        .values((
            sc::id.eq(shared::db::new_id()),
            sc::clinic_id.eq(cid),
            sc::patient_id.eq(pid),
            sc::granted.eq(granted),
            sc::text_version.eq(shared::domain::CONSENT_TEXT_VERSION),
            sc::source.eq("clinic"),
            sc::method.eq("console"),
            sc::phone.eq(Some(PHONE)),
            sc::created_at.eq(at),
        ))
        .execute(c)
        .unwrap();
}

/// An important prompt due now with an acknowledgement window of `window_secs`.
async fn important(env: &Env, cid: &str, pid: &str, window_secs: i32, urgent: bool) -> PromptId {
    let prompt = env.prompt(cid, pid).await;
    let id = prompt.id.to_string();
    env.run(move |c| {
        diesel::update(pr::table.find(&id))
            .set((
                pr::important.eq(true),
                pr::ack_window_secs.eq(Some(window_secs)),
                pr::urgent.eq(urgent),
            ))
            .execute(c)
            .unwrap()
    })
    .await;
    prompt.id
}

async fn follow_up(env: &Env, id: &PromptId) -> Option<FollowUp> {
    let id = id.clone();
    env.run(move |c| follow_ups::for_prompt(c, &id).unwrap())
        .await
}

/// Makes the prompt's follow-up due (instead of waiting out its window).
async fn window_ends(env: &Env, id: &PromptId) {
    let id = id.to_string();
    env.run(move |c| {
        diesel::update(fu::table.filter(fu::prompt_id.eq(&id)))
            .set(fu::available_at.eq(now() - Duration::seconds(1)))
            .execute(c)
            .unwrap()
    })
    .await;
}

async fn drain_ladder(env: &Env) -> usize {
    let (_tx, rx) = watch::channel(false);
    worker::ladder::drain(&env.worker(), &rx).await.unwrap()
}

async fn channels(env: &Env, id: &PromptId) -> Vec<(String, String)> {
    env.attempts(id)
        .await
        .into_iter()
        .map(|a| (a.channel.as_str().to_owned(), a.outcome.as_str().to_owned()))
        .collect()
}

fn pair(channel: &str, outcome: &str) -> (String, String) {
    (channel.to_owned(), outcome.to_owned())
}

both_backends! {
    async fn a_dead_device_falls_through_to_a_text_at_once_and_email_follows_unacknowledged(env) {
        let (fcm, smtp, texts) = (FakeFcm::start().await, SmtpServer::start().await, FakeTwilio::start().await);
        env.set(fcm.settings());
        env.set(smtp.settings());
        env.set(texts.settings());
        fcm.answer([unregistered()]);
        let (cid, pid, email) = patient(&env, true).await;
        env.device(&pid, "android", "dead-phone").await;
        let id = important(&env, &cid, &pid, 60, false).await;

        drain(&env.worker()).await;

        assert_eq!((fcm.count(), texts.count()), (1, 1), "push tried, then texted at once");
        assert!(smtp.received().is_empty(), "no email while the text may be read");
        let p = env.reload(&id).await;
        assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str())), ("sent", Some("sms")));
        assert_eq!(channels(&env, &id).await, [pair("fcm", "invalid_token"), pair("sms", "sent")]);
        let f = follow_up(&env, &id).await.expect("email is a later rung");
        assert_eq!((f.rung, f.status.as_str()), (follow_ups::EMAIL, "pending"));
        let window = (f.available_at - now()).num_seconds();
        assert!((50..=60).contains(&window), "due at the end of the window: {window}s");
        let text = texts.requests()[0].clone();
        assert_eq!(text.field("To"), Some(PHONE));
        assert!(!text.body().to_lowercase().contains("redness"), "no prompt text in a text");

        // Not acknowledged within the window: the next rung, email, and the ladder ends.
        assert_eq!(drain_ladder(&env).await, 0, "not due before the window ends");
        window_ends(&env, &id).await;
        assert_eq!(drain_ladder(&env).await, 1);
        assert_eq!(smtp.wait_for(&email, 1).await.len(), 1);
        assert_eq!(texts.count(), 1, "no second text");
        let f = follow_up(&env, &id).await.unwrap();
        assert_eq!((f.status.as_str(), f.lease_owner), ("sent", None));
        assert_eq!(
            channels(&env, &id).await,
            [pair("fcm", "invalid_token"), pair("sms", "sent"), pair("email", "sent")]
        );
    }

    async fn a_text_of_unknown_fate_is_not_sent_again_and_email_stands_in(env) {
        let (fcm, smtp, texts) = (FakeFcm::start().await, SmtpServer::start().await, FakeTwilio::start().await);
        env.set(fcm.settings());
        env.set(smtp.settings());
        env.set(texts.settings());
        fcm.answer([unregistered()]);
        // A 5xx may come after the text was accepted: the text stays pending, unconfirmed.
        texts.answer([ResponseTemplate::new(500)]);
        let (cid, pid, email) = patient(&env, true).await;
        env.device(&pid, "android", "dead-phone").await;
        let id = important(&env, &cid, &pid, 60, false).await;

        drain(&env.worker()).await;

        assert_eq!(smtp.wait_for(&email, 1).await.len(), 1, "email stands in at once");
        let p = env.reload(&id).await;
        assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str())), ("sent", Some("email")));
        assert_eq!(channels(&env, &id).await, [pair("fcm", "invalid_token"), pair("sms", "pending"), pair("email", "sent")]);
        drain(&env.worker()).await;
        drain_ladder(&env).await;
        assert_eq!(texts.count(), 1, "exactly one text");
    }

    async fn unacknowledged_push_moves_to_the_next_rung_after_its_window(env) {
        let (fcm, smtp, texts) = (FakeFcm::start().await, SmtpServer::start().await, FakeTwilio::start().await);
        env.set(fcm.settings());
        env.set(smtp.settings());
        env.set(texts.settings());
        let (cid, pid, email) = patient(&env, true).await;
        env.device(&pid, "android", "live-phone").await;
        let id = important(&env, &cid, &pid, 5, false).await;

        drain(&env.worker()).await;
        assert_eq!((fcm.count(), texts.count()), (1, 0), "push first, alone");
        let f = follow_up(&env, &id).await.unwrap();
        assert_eq!(f.rung, follow_ups::SMS);

        window_ends(&env, &id).await;
        drain_ladder(&env).await;
        assert_eq!(texts.count(), 1, "texted after the window");
        assert!(smtp.received().is_empty());
        let f = follow_up(&env, &id).await.unwrap();
        assert_eq!((f.rung, f.status.as_str()), (follow_ups::EMAIL, "pending"));

        window_ends(&env, &id).await;
        drain_ladder(&env).await;
        assert_eq!(smtp.wait_for(&email, 1).await.len(), 1, "then emailed");
        assert_eq!(follow_up(&env, &id).await.unwrap().status.as_str(), "sent");
        assert_eq!((fcm.count(), texts.count()), (1, 1), "nothing sent twice");
        assert_eq!(
            channels(&env, &id).await,
            [pair("fcm", "sent"), pair("sms", "sent"), pair("email", "sent")]
        );
        // Nothing more is due.
        assert_eq!(drain_ladder(&env).await, 0);
    }

    async fn an_acknowledgement_stops_the_ladder(env) {
        let (fcm, smtp) = (FakeFcm::start().await, SmtpServer::start().await);
        env.set(fcm.settings());
        env.set(smtp.settings());
        let (cid, pid, _) = patient(&env, false).await;
        env.device(&pid, "android", "live-phone").await;
        let id = important(&env, &cid, &pid, 5, false).await;
        drain(&env.worker()).await;
        assert_eq!(follow_up(&env, &id).await.unwrap().rung, follow_ups::SMS);

        let (patient_id, prompt_id) = (shared::domain::PatientId::from(pid.as_str()), id.clone());
        env.run(move |c| shared::db::prompts::acknowledge(c, &patient_id, &prompt_id, now()).unwrap())
            .await;
        window_ends(&env, &id).await;
        assert_eq!(drain_ladder(&env).await, 1);

        assert!(smtp.received().is_empty(), "acknowledged: no email");
        assert_eq!(follow_up(&env, &id).await.unwrap().status.as_str(), "sent");
        assert_eq!(channels(&env, &id).await, [pair("fcm", "sent")]);
        assert_eq!(env.reload(&id).await.status, PromptStatus::Acknowledged);
    }

    async fn quiet_hours_hold_a_follow_up_unless_the_prompt_is_urgent(env) {
        let (fcm, smtp) = (FakeFcm::start().await, SmtpServer::start().await);
        env.set(fcm.settings());
        env.set(smtp.settings());
        let (cid, pid, email) = patient(&env, false).await;
        env.device(&pid, "android", "live-phone").await;
        // Quiet from an hour ago to two hours from now, on the patient's clock (Madrid).
        let madrid = shared::domain::TimeZone::parse("Europe/Madrid").unwrap().0;
        let local = now().and_utc().with_timezone(&madrid).naive_local();
        let hm = |t: chrono::NaiveDateTime| format!("{:02}:{:02}", t.hour(), t.minute());
        let (start, end) = (hm(local - Duration::hours(1)), hm(local + Duration::hours(2)));
        let p2 = pid.clone();
        env.run(move |c| {
            diesel::update(pp::table.find(&p2))
                .set((pp::quiet_start.eq(Some(start)), pp::quiet_end.eq(Some(end))))
                .execute(c)
                .unwrap()
        })
        .await;
        let calm = important(&env, &cid, &pid, 5, false).await;
        let urgent = important(&env, &cid, &pid, 5, true).await;
        drain(&env.worker()).await;
        assert_eq!(fcm.count(), 2, "the prompts themselves were due");

        let held = follow_up(&env, &calm).await.unwrap();
        let wait = (held.available_at - now()).num_minutes();
        assert!((100..=121).contains(&wait), "the follow-up waits for the end of quiet hours: {wait} min");
        let at_once = follow_up(&env, &urgent).await.unwrap();
        assert!((at_once.available_at - now()).num_seconds() <= 5, "urgent: not held");

        window_ends(&env, &calm).await;
        window_ends(&env, &urgent).await;
        drain_ladder(&env).await;
        let mails = smtp.wait_for(&email, 1).await;
        assert_eq!(mails.len(), 1, "only the urgent prompt's follow-up went");
        assert_eq!(channels(&env, &urgent).await, [pair("fcm", "sent"), pair("email", "sent")]);
        assert_eq!(channels(&env, &calm).await, [pair("fcm", "sent")]);
        let held = follow_up(&env, &calm).await.unwrap();
        assert_eq!(held.status.as_str(), "pending");
        assert!((held.available_at - now()).num_minutes() >= 100, "deferred again to the end");
    }

    async fn without_a_consent_in_force_the_text_rung_is_skipped(env) {
        let (fcm, smtp, texts) = (FakeFcm::start().await, SmtpServer::start().await, FakeTwilio::start().await);
        env.set(fcm.settings());
        env.set(smtp.settings());
        env.set(texts.settings());
        fcm.answer([unregistered(), unregistered()]);
        // Never asked; and granted, then withdrawn (STOP).
        let (cid, never, never_email) = patient(&env, false).await;
        let (cid2, stopped, stopped_email) = patient(&env, true).await;
        let (c2, p2) = (cid2.clone(), stopped.clone());
        env.run(move |c| consent_row(c, &c2, &p2, false, now() + Duration::seconds(1))).await;
        env.device(&never, "android", "dead-1").await;
        env.device(&stopped, "android", "dead-2").await;
        let a = important(&env, &cid, &never, 60, false).await;
        let b = important(&env, &cid2, &stopped, 60, false).await;

        drain(&env.worker()).await;

        assert_eq!(texts.count(), 0, "no text without a consent in force");
        assert_eq!(smtp.wait_for(&never_email, 1).await.len(), 1);
        assert_eq!(smtp.wait_for(&stopped_email, 1).await.len(), 1);
        for id in [&a, &b] {
            assert_eq!(channels(&env, id).await, [pair("fcm", "invalid_token"), pair("email", "sent")]);
            assert!(follow_up(&env, id).await.is_none(), "email is the last rung");
        }
    }

    async fn ordinary_prompts_keep_their_channels(env) {
        let (fcm, smtp, texts) = (FakeFcm::start().await, SmtpServer::start().await, FakeTwilio::start().await);
        env.set(fcm.settings());
        env.set(smtp.settings());
        env.set(texts.settings());
        let (cid, pid, _) = patient(&env, true).await;
        env.device(&pid, "android", "live-phone").await;
        let pushed = env.prompt(&cid, &pid).await;
        // Email off and no device: a text stands in.
        let (cid2, alone, _) = patient(&env, true).await;
        env.profile(&alone, |p| p.email_enabled = false).await;
        let texted = env.prompt(&cid2, &alone).await;

        drain(&env.worker()).await;

        assert_eq!(channels(&env, &pushed.id).await, [pair("fcm", "sent")]);
        assert!(follow_up(&env, &pushed.id).await.is_none(), "no ladder for an ordinary prompt");
        assert!(smtp.received().is_empty());
        assert_eq!(channels(&env, &texted.id).await, [pair("sms", "sent")]);
        assert_eq!(env.reload(&texted.id).await.channel.map(|c| c.as_str()), Some("sms"));
        assert!(follow_up(&env, &texted.id).await.is_none());
        assert_eq!(texts.count(), 1);
    }
}

/// Books a session for the patient and ties the prompt to it (a session reminder); returns the
/// booking's id.
async fn booked(env: &Env, cid: &str, pid: &str, id: &PromptId) -> String {
    use shared::db::schema::session_bookings as sb;
    let booking = shared::db::new_id();
    let (b, c, p, prompt) = (
        booking.clone(),
        cid.to_owned(),
        pid.to_owned(),
        id.to_string(),
    );
    env.run(move |conn| {
        diesel::insert_into(sb::table)
            .values((
                sb::id.eq(&b),
                sb::clinic_id.eq(&c),
                sb::patient_id.eq(&p),
                sb::starts_at.eq(now() + Duration::days(1)),
                sb::created_by.eq(&p),
                sb::created_at.eq(now()),
            ))
            .execute(conn)
            .unwrap();
        diesel::update(pr::table.find(&prompt))
            .set(pr::booking_id.eq(Some(&b)))
            .execute(conn)
            .unwrap();
    })
    .await;
    booking
}

both_backends! {
    async fn a_follow_up_of_a_cancelled_or_moved_session_sends_nothing(env) {
        use shared::db::schema::session_bookings as sb;
        let (fcm, smtp) = (FakeFcm::start().await, SmtpServer::start().await);
        env.set(fcm.settings());
        env.set(smtp.settings());
        let (cid, pid, _) = patient(&env, false).await;
        env.device(&pid, "android", "live-phone").await;
        let cancelled = important(&env, &cid, &pid, 5, false).await;
        let booking = booked(&env, &cid, &pid, &cancelled).await;
        drain(&env.worker()).await;
        assert!(follow_up(&env, &cancelled).await.is_some(), "the reminder went by push");

        // The session is cancelled after the reminder went.
        env.run(move |c| {
            diesel::update(sb::table.find(&booking))
                .set(sb::cancelled_at.eq(Some(now())))
                .execute(c)
                .unwrap()
        })
        .await;
        // A second patient's reminder, whose session is moved after it went.
        let (cid2, pid2, _) = patient(&env, false).await;
        env.device(&pid2, "android", "live-phone-2").await;
        let moved = important(&env, &cid2, &pid2, 5, false).await;
        let booking2 = booked(&env, &cid2, &pid2, &moved).await;
        drain(&env.worker()).await;
        env.run(move |c| {
            diesel::update(sb::table.find(&booking2))
                .set(sb::moved_at.eq(Some(now() + Duration::seconds(1))))
                .execute(c)
                .unwrap()
        })
        .await;

        window_ends(&env, &cancelled).await;
        window_ends(&env, &moved).await;
        drain_ladder(&env).await;

        assert!(smtp.received().is_empty(), "no email about a session that no longer stands");
        for (id, why) in [(&cancelled, "booking_cancelled"), (&moved, "booking_moved")] {
            let f = follow_up(&env, id).await.unwrap();
            assert_eq!((f.status.as_str(), f.last_error.as_deref(), f.lease_owner), ("sent", Some(why), None));
            assert_eq!(channels(&env, id).await, [pair("fcm", "sent")]);
        }
        assert_eq!(drain_ladder(&env).await, 0, "nothing more is due");
    }

    async fn a_follow_up_of_a_discharged_or_erased_patient_sends_nothing(env) {
        let (fcm, smtp) = (FakeFcm::start().await, SmtpServer::start().await);
        env.set(fcm.settings());
        env.set(smtp.settings());
        let mut ids = Vec::new();
        for (n, why) in ["patient_discharged", "patient_erased"].into_iter().enumerate() {
            let (cid, pid, _) = patient(&env, false).await;
            env.device(&pid, "android", &format!("live-phone-{n}")).await;
            let id = important(&env, &cid, &pid, 5, false).await;
            ids.push((pid, id, why));
        }
        drain(&env.worker()).await;
        for (pid, id, why) in &ids {
            assert!(follow_up(&env, id).await.is_some());
            match *why {
                "patient_discharged" => env.profile(pid, |p| p.discharged_at = Some(now())).await,
                _ => env.profile(pid, |p| p.erased_at = Some(now())).await,
            }
            window_ends(&env, id).await;
        }
        drain_ladder(&env).await;

        assert!(smtp.received().is_empty(), "nothing sent after the first send");
        for (_, id, why) in &ids {
            let f = follow_up(&env, id).await.unwrap();
            assert_eq!((f.status.as_str(), f.last_error.as_deref()), ("sent", Some(*why)));
            assert_eq!(channels(&env, id).await, [pair("fcm", "sent")]);
        }
    }

    async fn a_push_outage_falls_through_to_email(env) {
        let (fcm, smtp) = (FakeFcm::start().await, SmtpServer::start().await);
        env.set(fcm.settings());
        env.set(smtp.settings());
        fcm.answer([ResponseTemplate::new(503), ResponseTemplate::new(500)]);
        // A short window: the retry would come after it ends.
        let (cid, pid, short_email) = patient(&env, false).await;
        env.device(&pid, "android", "phone-1").await;
        let short = important(&env, &cid, &pid, 5, false).await;
        // A long window, but the retries are spent (AFTERCARE_MAX_ATTEMPTS=3).
        let (cid2, pid2, spent_email) = patient(&env, false).await;
        env.device(&pid2, "android", "phone-2").await;
        let spent = important(&env, &cid2, &pid2, 3600, false).await;
        let id = spent.to_string();
        env.run(move |c| {
            diesel::update(pr::table.find(&id)).set(pr::attempts.eq(2)).execute(c).unwrap()
        })
        .await;

        drain(&env.worker()).await;

        assert_eq!(smtp.wait_for(&short_email, 1).await.len(), 1, "emailed past the window");
        assert_eq!(smtp.wait_for(&spent_email, 1).await.len(), 1, "emailed with retries spent");
        for id in [&short, &spent] {
            let p = env.reload(id).await;
            assert_eq!((p.status.as_str(), p.channel.map(|c| c.as_str())), ("sent", Some("email")));
            assert_eq!(channels(&env, id).await, [pair("fcm", "retry"), pair("email", "sent")]);
            assert!(follow_up(&env, id).await.is_none(), "email is the last rung");
        }
    }
}
