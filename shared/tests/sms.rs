//! Texts (SMS) on both backends (`shared::care::sms`): consent records with their audit
//! entries, inbound texts with the carrier keywords and the automatic answers, delivery
//! receipts that never go back, and erasure of what identifies the patient.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use shared::care::sms::{
    self, ConsentChange, Inbound, Receipt, Received, Reply, SmsConsent, record_consent,
};
use shared::db::schema::{audit_log, patient_profiles, sms_consents, sms_inbound};
use shared::db::{Backend, Db, DbConn, migrate, patients};
use shared::domain::{
    CONSENT_TEXT_VERSION, ClinicId, ConsentMethod, ConsentSource, Locale, PatientId, SmsKeyword,
    UserId,
};
use shared::error::Error;
use shared::testing::{TestDatabase, fixtures};

/// A migrated database on each reachable backend.
fn databases() -> Vec<(TestDatabase, Db)> {
    [Backend::Sqlite, Backend::Postgres]
        .into_iter()
        .filter_map(TestDatabase::new)
        .map(|t| {
            let db = Db::connect(&t.url, 4).unwrap();
            migrate::run_pending(&mut db.get().unwrap()).unwrap();
            (t, db)
        })
        .collect()
}

fn now() -> NaiveDateTime {
    shared::time::now()
}

struct Clinic {
    id: ClinicId,
    staff: UserId,
}

fn clinic(c: &mut DbConn, name: &str) -> Clinic {
    let clinic = fixtures::clinic(c, name);
    let staff = fixtures::user(c, &clinic.id, "clinician").id;
    Clinic {
        id: clinic.id,
        staff,
    }
}

/// A patient of `clinic` whose phone is stored as typed (`phone`).
fn patient(c: &mut DbConn, clinic: &Clinic, phone: Option<&str>) -> PatientId {
    let (user, _) = fixtures::patient(c, &clinic.id, "Europe/Madrid");
    let id = user.id.as_patient();
    diesel::update(patient_profiles::table.find(&id))
        .set(patient_profiles::phone.eq(phone))
        .execute(c)
        .unwrap();
    patients::refresh_search_key(c, &id).unwrap();
    id
}

fn change(clinic: &Clinic, patient: &PatientId, granted: bool) -> ConsentChange {
    ConsentChange {
        clinic_id: clinic.id.clone(),
        patient_id: patient.clone(),
        granted,
        text_version: CONSENT_TEXT_VERSION.to_owned(),
        source: ConsentSource::Clinic,
        method: ConsentMethod::Console,
        recorded_by: Some(clinic.staff.clone()),
    }
}

fn text(provider_id: &str, from: &str, body: &str) -> Inbound {
    Inbound {
        provider_id: provider_id.to_owned(),
        from: from.to_owned(),
        to: "+15005550006".to_owned(),
        body: body.to_owned(),
    }
}

fn in_force(db: &Db, patients: &[&PatientId]) -> Vec<bool> {
    let map = shared::db::sms::consents_in_force(&mut db.get().unwrap(), patients).unwrap();
    patients.iter().map(|p| map[*p]).collect()
}

fn audit_actions(db: &Db, patient: &PatientId) -> Vec<(String, Option<String>)> {
    audit_log::table
        .filter(audit_log::patient_id.eq(patient))
        .order(audit_log::at.asc())
        .select((audit_log::action, audit_log::actor_id))
        .load(&mut db.get().unwrap())
        .unwrap()
}

fn inbound_rows(db: &Db) -> i64 {
    sms_inbound::table
        .count()
        .get_result(&mut db.get().unwrap())
        .unwrap()
}

#[tokio::test]
async fn consent_is_recorded_with_its_phone_and_audit_and_the_newest_is_in_force() {
    for (_t, db) in databases() {
        let (a, p, other, never) = {
            let c = &mut db.get().unwrap();
            let a = clinic(c, "Clinica Sol");
            let p = patient(c, &a, Some("0034 600-111-222"));
            let other = patient(c, &a, Some("+34 600 999 888"));
            let never = patient(c, &a, None);
            (a, p, other, never)
        };
        assert_eq!(sms::consent(&db, &p).await.unwrap(), None, "never asked");

        let t0 = now();
        let granted = record_consent(&db, change(&a, &p, true), t0).await.unwrap();
        let want = SmsConsent {
            granted: true,
            granted_at: Some(t0),
            text_version: CONSENT_TEXT_VERSION.to_owned(),
            source: ConsentSource::Clinic,
            method: ConsentMethod::Console,
            recorded_by: Some(a.staff.clone()),
            at: t0,
        };
        assert_eq!(granted, want);
        assert_eq!(sms::consent(&db, &p).await.unwrap(), Some(want));
        let phone: Option<String> = sms_consents::table
            .filter(sms_consents::patient_id.eq(&p))
            .select(sms_consents::phone)
            .first(&mut db.get().unwrap())
            .unwrap();
        assert_eq!(phone.as_deref(), Some("+34600111222"), "stored as E.164");

        record_consent(&db, change(&a, &other, true), t0)
            .await
            .unwrap();
        let t1 = t0 + Duration::seconds(5);
        let withdrawn = ConsentChange {
            source: ConsentSource::Patient,
            method: ConsentMethod::App,
            recorded_by: None,
            ..change(&a, &other, false)
        };
        let now_in_force = record_consent(&db, withdrawn, t1).await.unwrap();
        assert!(!now_in_force.granted);
        assert_eq!((now_in_force.granted_at, now_in_force.at), (None, t1));
        assert_eq!(in_force(&db, &[&p, &other, &never]), [true, false, false]);
        assert!(in_force(&db, &[]).is_empty());

        assert_eq!(
            audit_actions(&db, &p),
            [("sms_consent.grant".into(), Some(a.staff.to_string()))]
        );
        assert_eq!(
            audit_actions(&db, &other),
            [
                ("sms_consent.grant".into(), Some(a.staff.to_string())),
                // Given by the patient in the app: the patient is the actor.
                ("sms_consent.withdraw".into(), Some(other.to_string())),
            ]
        );
    }
}

#[tokio::test]
async fn a_consent_holds_only_for_the_number_it_was_given_for() {
    for (_t, db) in databases() {
        let (a, p) = {
            let c = &mut db.get().unwrap();
            let a = clinic(c, "Clinica Luna");
            let p = patient(c, &a, Some("+34 600 111 222"));
            (a, p)
        };
        record_consent(&db, change(&a, &p, true), now())
            .await
            .unwrap();
        assert_eq!(in_force(&db, &[&p]), [true]);
        // The same number written another way is the same number.
        set_phone(&db, &p, Some("0034 600 111 222"));
        assert_eq!(in_force(&db, &[&p]), [true]);
        // Corrected to another number: that number never agreed to texts.
        set_phone(&db, &p, Some("+34 600 333 444"));
        assert_eq!(in_force(&db, &[&p]), [false]);
        let shown = sms::consent(&db, &p).await.unwrap().unwrap();
        assert_eq!((shown.granted, shown.granted_at), (false, None));
        set_phone(&db, &p, None);
        assert_eq!(in_force(&db, &[&p]), [false]);
        // A new grant for the new number holds again.
        set_phone(&db, &p, Some("+34 600 333 444"));
        record_consent(&db, change(&a, &p, true), now())
            .await
            .unwrap();
        assert_eq!(in_force(&db, &[&p]), [true]);
    }
}

fn set_phone(db: &Db, patient: &PatientId, phone: Option<&str>) {
    diesel::update(patient_profiles::table.find(patient))
        .set(patient_profiles::phone.eq(phone))
        .execute(&mut db.get().unwrap())
        .unwrap();
}

#[tokio::test]
async fn consent_refuses_another_clinics_patient_and_an_erased_one() {
    for (_t, db) in databases() {
        let (a, b, p) = {
            let c = &mut db.get().unwrap();
            let a = clinic(c, "A");
            let b = clinic(c, "B");
            let p = patient(c, &a, Some("+34 600 111 222"));
            (a, b, p)
        };
        let wrong = ConsentChange {
            clinic_id: b.id.clone(),
            ..change(&a, &p, true)
        };
        assert!(matches!(
            record_consent(&db, wrong, now()).await,
            Err(Error::NotFound)
        ));
        shared::care::rights::erase(&db, &p, now()).await.unwrap();
        assert!(matches!(
            record_consent(&db, change(&a, &p, true), now()).await,
            Err(Error::Conflict(_))
        ));
        assert_eq!(in_force(&db, &[&p]), [false]);
    }
}

#[tokio::test]
async fn stop_withdraws_for_every_patient_with_the_number_and_start_grants_again() {
    for (_t, db) in databases() {
        let (a, b, pa, pb, unrelated, never) = {
            let c = &mut db.get().unwrap();
            let a = clinic(c, "A");
            let b = clinic(c, "B");
            // The same phone, typed differently in two clinics.
            let pa = patient(c, &a, Some("+34 600 111 222"));
            let pb = patient(c, &b, Some("0034 (600) 11 12 22"));
            let unrelated = patient(c, &a, Some("+34 600 111 223"));
            let never = patient(c, &b, Some("+34600111222"));
            (a, b, pa, pb, unrelated, never)
        };
        // A row written before the search key existed (not yet backfilled) is still found.
        diesel::update(patient_profiles::table.find(&pb))
            .set(patient_profiles::search_key.eq(None::<String>))
            .execute(&mut db.get().unwrap())
            .unwrap();
        let t0 = now();
        for (clinic, p) in [(&a, &pa), (&b, &pb), (&a, &unrelated)] {
            record_consent(&db, change(clinic, p, true), t0)
                .await
                .unwrap();
        }
        let t1 = t0 + Duration::seconds(1);
        let got = sms::receive(&db, text("SM1", "+34600111222", " Stop. "), t1)
            .await
            .unwrap();
        assert_eq!(got, Received::Recorded { reply: Reply::None });
        assert_eq!(
            in_force(&db, &[&pa, &pb, &unrelated, &never]),
            [false, false, true, false]
        );
        let c = sms::consent(&db, &pb).await.unwrap().unwrap();
        assert_eq!(
            (c.source, c.method, c.recorded_by, c.at),
            (ConsentSource::Patient, ConsentMethod::Keyword, None, t1)
        );
        assert_eq!(
            audit_actions(&db, &pb).last().unwrap(),
            &("sms_consent.withdraw".to_owned(), Some(pb.to_string()))
        );
        // The text is kept once, for one conversation (both consented for this number: the
        // newer consent's), the keyword noted.
        let ta = sms::texts_for_patient(&db, &a.id, &pa, 10).await.unwrap();
        let tb = sms::texts_for_patient(&db, &b.id, &pb, 10).await.unwrap();
        assert_eq!(ta.len() + tb.len(), 1);
        assert_eq!(
            ta.iter().chain(&tb).next().unwrap().keyword,
            Some(SmsKeyword::Stop)
        );
        assert_eq!(inbound_rows(&db), 1);
        // STOP again changes nothing more.
        sms::receive(&db, text("SM2", "+34600111222", "STOPALL"), t1)
            .await
            .unwrap();
        assert_eq!(audit_actions(&db, &pa).len(), 2);

        let t2 = t1 + Duration::seconds(1);
        let got = sms::receive(&db, text("SM3", "+34 600 111 222", "unstop"), t2)
            .await
            .unwrap();
        assert_eq!(got, Received::Recorded { reply: Reply::None });
        // Back in for those who had consented; never asked stays without consent.
        assert_eq!(
            in_force(&db, &[&pa, &pb, &unrelated, &never]),
            [true, true, true, false]
        );
        let c = sms::consent(&db, &pa).await.unwrap().unwrap();
        assert_eq!(
            (c.granted_at, c.text_version.as_str(), c.method),
            (Some(t2), CONSENT_TEXT_VERSION, ConsentMethod::Keyword)
        );
        assert_eq!(sms::consent(&db, &never).await.unwrap(), None);
    }
}

#[tokio::test]
async fn a_text_belongs_to_the_clinic_that_texted_the_number_and_no_other() {
    for (_t, db) in databases() {
        let (a, b, ana, bob) = {
            let c = &mut db.get().unwrap();
            let a = clinic(c, "Clinica Sol");
            let b = clinic(c, "Clinica Luna");
            let ana = patient(c, &a, Some("+34 699 888 777"));
            // Clinic B typed Ana's number for its own patient by mistake.
            let bob = patient(c, &b, Some("+34 699 888 777"));
            (a, b, ana, bob)
        };
        // Neither texted nor consented: whose the text is cannot be told, so nobody's.
        let got = sms::receive(&db, text("SM1", "+34699888777", "hello?"), now())
            .await
            .unwrap();
        assert_eq!(got, Received::Recorded { reply: Reply::None });
        assert!(
            sms::texts_for_patient(&db, &b.id, &bob, 10)
                .await
                .unwrap()
                .is_empty()
        );
        // Clinic A texted Ana: her reply is clinic A's only, and the answer names clinic A.
        {
            let c = &mut db.get().unwrap();
            let prompt = prompt_of(c, &a.id, &ana);
            let sql = format!(
                "INSERT INTO delivery_attempts (id, prompt_id, channel, outcome, worker_id, attempted_at) \
                 VALUES ('att-1', '{}', 'sms', 'sent', 'w', CURRENT_TIMESTAMP)",
                prompt
            );
            diesel::sql_query(sql).execute(c).unwrap();
        }
        let got = sms::receive(&db, text("SM2", "+34699888777", "is this normal?"), now())
            .await
            .unwrap();
        let Received::Recorded {
            reply: Reply::Notice { clinic_name, .. },
        } = got
        else {
            panic!("a notice: {got:?}");
        };
        assert_eq!(clinic_name, "Clinica Sol");
        let texts = sms::texts_for_patient(&db, &a.id, &ana, 10).await.unwrap();
        assert_eq!(texts.len(), 1);
        assert!(
            sms::texts_for_patient(&db, &b.id, &bob, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn help_names_the_clinic_and_an_unknown_number_gets_no_answer() {
    for (_t, db) in databases() {
        let (p, clinic_name) = {
            let c = &mut db.get().unwrap();
            let a = clinic(c, "Clinica Sol");
            let p = patient(c, &a, Some("+44 7911 123456"));
            diesel::update(patient_profiles::table.find(&p))
                .set(patient_profiles::locale.eq(Locale::Es))
                .execute(c)
                .unwrap();
            (p, "Clinica Sol".to_owned())
        };
        let got = sms::receive(&db, text("SM1", "+447911123456", "help"), now())
            .await
            .unwrap();
        assert_eq!(
            got,
            Received::Recorded {
                reply: Reply::Help {
                    clinic_name,
                    clinic_phone: Some("+34 600 000 000".into()),
                    locale: Locale::Es,
                }
            }
        );
        assert_eq!(in_force(&db, &[&p]), [false], "HELP changes no consent");
        let got = sms::receive(&db, text("SM2", "+14155552671", "INFO"), now())
            .await
            .unwrap();
        assert_eq!(got, Received::Recorded { reply: Reply::None });
        let unmatched: i64 = sms_inbound::table
            .filter(sms_inbound::patient_id.is_null())
            .count()
            .get_result(&mut db.get().unwrap())
            .unwrap();
        assert_eq!(unmatched, 1, "stored without a patient");
    }
}

#[tokio::test]
async fn other_text_is_stored_and_answered_once_a_day_and_a_replay_records_nothing() {
    for (_t, db) in databases() {
        let (a, p) = {
            let c = &mut db.get().unwrap();
            let a = clinic(c, "Clinica Sol");
            let p = patient(c, &a, Some("+34 600 111 222"));
            (a, p)
        };
        let t0 = now();
        let notice = Reply::Notice {
            clinic_name: "Clinica Sol".into(),
            clinic_phone: Some("+34 600 000 000".into()),
            locale: Locale::En,
        };
        let first = sms::receive(&db, text("SM1", "+34600111222", "It itches"), t0)
            .await
            .unwrap();
        assert_eq!(
            first,
            Received::Recorded {
                reply: notice.clone()
            }
        );
        // A keyword in between does not count as the notice.
        sms::receive(&db, text("SM2", "+34600111222", "HELP"), t0)
            .await
            .unwrap();
        let later = t0 + Duration::hours(23);
        let second = sms::receive(&db, text("SM3", "+34600111222", "Still itches"), later)
            .await
            .unwrap();
        assert_eq!(second, Received::Recorded { reply: Reply::None });
        let next_day = t0 + Duration::hours(25);
        let third = sms::receive(&db, text("SM4", "+34600111222", "Better now"), next_day)
            .await
            .unwrap();
        assert_eq!(third, Received::Recorded { reply: notice });

        let before = inbound_rows(&db);
        let replay = sms::receive(&db, text("SM3", "+34600111222", "Still itches"), next_day)
            .await
            .unwrap();
        assert_eq!(replay, Received::Replay);
        assert_eq!(inbound_rows(&db), before, "a replay records nothing");

        let texts = sms::texts_for_patient(&db, &a.id, &p, 10).await.unwrap();
        let bodies: Vec<&str> = texts.iter().map(|t| t.body.as_str()).collect();
        assert_eq!(bodies, ["Better now", "Still itches", "HELP", "It itches"]);
        assert_eq!(texts[0].at, next_day);
        assert_eq!(texts[2].keyword, Some(SmsKeyword::Help));
        // A NUL (PostgreSQL refuses one in text) is dropped, on both backends alike.
        let nul = sms::receive(&db, text("SM5\0", "+34600111222", "a\0b"), next_day).await;
        assert_eq!(nul.unwrap(), Received::Recorded { reply: Reply::None });
        let newest = sms::texts_for_patient(&db, &a.id, &p, 1).await.unwrap();
        assert_eq!(newest[0].body, "ab");
        assert_eq!(newest.len(), 1);
        let b = clinic(&mut db.get().unwrap(), "B");
        assert!(matches!(
            sms::texts_for_patient(&db, &b.id, &p, 10).await,
            Err(Error::NotFound)
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_text_delivered_twice_at_once_is_recorded_once() {
    for (_t, db) in databases() {
        {
            let c = &mut db.get().unwrap();
            let a = clinic(c, "A");
            patient(c, &a, Some("+34 600 111 222"));
        }
        for round in 0..5 {
            let sid = format!("SMrace{round}");
            let (x, y) = tokio::join!(
                sms::receive(&db, text(&sid, "+34600111222", "hello"), now()),
                sms::receive(&db, text(&sid, "+34600111222", "hello"), now()),
            );
            let mut got = [x.unwrap(), y.unwrap()];
            got.sort_by_key(|r| *r == Received::Replay);
            assert!(matches!(got[0], Received::Recorded { .. }), "{got:?}");
            assert_eq!(got[1], Received::Replay);
        }
        assert_eq!(inbound_rows(&db), 5);
    }
}

#[tokio::test]
async fn erasure_empties_the_texts_and_the_consent_phone() {
    for (_t, db) in databases() {
        let (a, p) = {
            let c = &mut db.get().unwrap();
            let a = clinic(c, "A");
            let p = patient(c, &a, Some("+34 600 111 222"));
            (a, p)
        };
        record_consent(&db, change(&a, &p, true), now())
            .await
            .unwrap();
        sms::receive(&db, text("SM1", "+34600111222", "My name is Ana"), now())
            .await
            .unwrap();
        shared::care::rights::erase(&db, &p, now()).await.unwrap();
        let c = &mut db.get().unwrap();
        let texts: Vec<(String, String)> = sms_inbound::table
            .filter(sms_inbound::patient_id.eq(&p))
            .select((sms_inbound::body, sms_inbound::from_phone))
            .load(c)
            .unwrap();
        assert_eq!(texts, [(String::new(), String::new())]);
        let phones: Vec<Option<String>> = sms_consents::table
            .filter(sms_consents::patient_id.eq(&p))
            .select(sms_consents::phone)
            .load(c)
            .unwrap();
        assert_eq!(phones, [None]);
        let enabled: bool = patient_profiles::table
            .find(&p)
            .select(patient_profiles::sms_enabled)
            .first(c)
            .unwrap();
        assert!(!enabled);
        // The erased patient's number reaches no one any more.
        let got = sms::receive(&db, text("SM2", "+34600111222", "STOP"), now())
            .await
            .unwrap();
        assert_eq!(got, Received::Recorded { reply: Reply::None });
        let unmatched: i64 = sms_inbound::table
            .filter(sms_inbound::patient_id.is_null())
            .count()
            .get_result(c)
            .unwrap();
        assert_eq!(unmatched, 1);
    }
}

mod receipts {
    use super::*;
    use shared::db::deliveries::Attempt;
    use shared::db::schema::{delivery_attempts, sms_status_events};
    use shared::domain::{DeliveryChannel, DeliveryOutcome, PromptId, SmsReceipt};

    /// A sent text's attempt with the provider's message id `sid`, on a prompt of its own.
    fn sent_text(c: &mut DbConn, sid: &str) -> String {
        let a = clinic(c, "A");
        let p = patient(c, &a, Some("+34 600 111 222"));
        let t = now();
        let prompt = shared::db::prompts::Prompt {
            id: PromptId::new(),
            clinic_id: a.id.clone(),
            patient_id: p,
            treatment_id: None,
            booking_id: None,
            kind: shared::domain::PromptKind::Aftercare,
            prompt_key: "day3_redness".into(),
            day: 3,
            urgent: false,
            idempotency_key: format!("key-{sid}"),
            title: "t".into(),
            body: "b".into(),
            locale: Locale::En,
            timezone: shared::domain::TimeZone::parse("Europe/Madrid").unwrap(),
            local_date: t.date().to_string(),
            local_time: "10:00".into(),
            due_at: t,
            available_at: t,
            status: shared::domain::PromptStatus::Sent,
            attempts: 1,
            lease_owner: None,
            lease_expires_at: None,
            channel: Some(DeliveryChannel::Sms),
            last_error: None,
            sent_at: Some(t),
            acknowledged_at: None,
            cancelled_at: None,
            created_at: t,
            updated_at: t,
            important: true,
            ack_window_secs: Some(600),
        };
        shared::db::prompts::insert(c, std::slice::from_ref(&prompt)).unwrap();
        let id = shared::db::new_id();
        diesel::insert_into(delivery_attempts::table)
            .values(Attempt {
                id: id.clone(),
                prompt_id: prompt.id,
                device_id: None,
                channel: DeliveryChannel::Sms,
                outcome: DeliveryOutcome::Sent,
                status_code: Some(201),
                error: None,
                provider_id: Some(sid.to_owned()),
                worker_id: "w".into(),
                attempted_at: t,
            })
            .execute(c)
            .unwrap();
        id
    }

    fn receipt_of(db: &Db, attempt: &str) -> (Option<String>, Option<NaiveDateTime>) {
        delivery_attempts::table
            .find(attempt)
            .select((delivery_attempts::receipt, delivery_attempts::receipt_at))
            .first(&mut db.get().unwrap())
            .unwrap()
    }

    fn events(db: &Db) -> i64 {
        sms_status_events::table
            .count()
            .get_result(&mut db.get().unwrap())
            .unwrap()
    }

    #[tokio::test]
    async fn a_receipt_never_goes_back_and_a_replay_records_nothing() {
        for (_t, db) in databases() {
            let attempt = sent_text(&mut db.get().unwrap(), "SM0001");
            let t0 = now();
            let rec = |s, t| sms::record_receipt(&db, "SM0001", s, None, t);
            assert_eq!(
                rec(SmsReceipt::Queued, t0).await.unwrap(),
                Receipt::Recorded
            );
            assert_eq!(receipt_of(&db, &attempt), (Some("queued".into()), Some(t0)));
            let t1 = t0 + Duration::seconds(2);
            assert_eq!(
                rec(SmsReceipt::Delivered, t1).await.unwrap(),
                Receipt::Recorded
            );
            // `sent` arrives after `delivered`: recorded as an event, the attempt keeps
            // `delivered`.
            let t2 = t1 + Duration::seconds(1);
            assert_eq!(rec(SmsReceipt::Sent, t2).await.unwrap(), Receipt::Recorded);
            assert_eq!(
                receipt_of(&db, &attempt),
                (Some("delivered".into()), Some(t1))
            );
            // A final receipt stays final.
            let failed =
                sms::record_receipt(&db, "SM0001", SmsReceipt::Failed, Some("30003".into()), t2);
            assert_eq!(failed.await.unwrap(), Receipt::Recorded);
            assert_eq!(receipt_of(&db, &attempt).0.as_deref(), Some("delivered"));
            assert_eq!(events(&db), 4);

            let replay = rec(SmsReceipt::Delivered, t2).await.unwrap();
            assert_eq!(replay, Receipt::Replay);
            assert_eq!(events(&db), 4, "a replay records nothing");
            assert_eq!(
                receipt_of(&db, &attempt),
                (Some("delivered".into()), Some(t1))
            );
        }
    }

    #[tokio::test]
    async fn an_unknown_message_is_still_recorded_and_undelivered_is_final() {
        for (_t, db) in databases() {
            let attempt = sent_text(&mut db.get().unwrap(), "SM0002");
            let nul =
                sms::record_receipt(&db, "SM\0x", SmsReceipt::Sent, Some("3\0".into()), now());
            assert_eq!(nul.await.unwrap(), Receipt::Recorded);
            let got = sms::record_receipt(&db, "SMunknown", SmsReceipt::Delivered, None, now())
                .await
                .unwrap();
            assert_eq!(got, Receipt::Recorded);
            assert_eq!(events(&db), 2);
            assert_eq!(
                receipt_of(&db, &attempt).0,
                None,
                "another message's attempt"
            );
            for s in [
                SmsReceipt::Sent,
                SmsReceipt::Undelivered,
                SmsReceipt::Delivered,
            ] {
                sms::record_receipt(&db, "SM0002", s, None, now())
                    .await
                    .unwrap();
            }
            assert_eq!(receipt_of(&db, &attempt).0.as_deref(), Some("undelivered"));
        }
    }
}

/// A sent prompt of `patient`, for a text to be recorded against; returns its id.
fn prompt_of(c: &mut DbConn, clinic: &ClinicId, patient: &PatientId) -> String {
    use shared::db::prompts::{self, Prompt};
    use shared::domain::{PromptId, PromptKind, PromptStatus, TimeZone};
    let t = now();
    let row = Prompt {
        id: PromptId::new(),
        clinic_id: clinic.clone(),
        patient_id: patient.clone(),
        treatment_id: None,
        booking_id: None,
        kind: PromptKind::CheckIn,
        prompt_key: "day5_check_in".into(),
        day: 5,
        urgent: false,
        idempotency_key: format!("k-{patient}"),
        title: "t".into(),
        body: "b".into(),
        locale: Locale::En,
        timezone: TimeZone::parse("Europe/Madrid").unwrap(),
        local_date: "2026-12-07".into(),
        local_time: "09:00".into(),
        due_at: t,
        available_at: t,
        status: PromptStatus::Sent,
        attempts: 1,
        lease_owner: None,
        lease_expires_at: None,
        channel: None,
        last_error: None,
        sent_at: Some(t),
        acknowledged_at: None,
        cancelled_at: None,
        created_at: t,
        updated_at: t,
        important: true,
        ack_window_secs: Some(14_400),
    };
    prompts::insert(c, std::slice::from_ref(&row)).unwrap();
    row.id.to_string()
}
