//! Pre-visit screenings on both backends (`shared::care::screenings`): the 72-hour window before
//! a booked session, the latest answer as what the clinic sees, tomorrow's sessions by the
//! clinic's local date (a daylight-saving day included), the roster's flag, erasure of the
//! patient's own words, a moved session counting as not answered, and at most 20 answers per
//! booked time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use shared::care::StaffActor;
use shared::care::screenings::{self, ScreeningForm};
use shared::db::schema::{audit_log, screenings as screenings_table};
use shared::db::{Backend, Db, DbConn, bookings, migrate, roster};
use shared::domain::{BookingId, ClinicId, Contraindication, PatientId, UserId};
use shared::error::Error;
use shared::testing::{TestDatabase, fixtures};

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

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

struct Clinic {
    id: ClinicId,
    staff: UserId,
}

fn clinic(c: &mut DbConn) -> Clinic {
    let clinic = fixtures::clinic(c, "Clinica Sol"); // Europe/Madrid
    let staff = fixtures::user(c, &clinic.id, "clinician").id;
    Clinic {
        id: clinic.id,
        staff,
    }
}

fn patient(c: &mut DbConn, clinic: &Clinic) -> PatientId {
    fixtures::patient(c, &clinic.id, "Europe/Madrid")
        .0
        .id
        .as_patient()
}

fn book(c: &mut DbConn, clinic: &Clinic, p: &PatientId, starts_at: NaiveDateTime) -> BookingId {
    let b = bookings::Booking {
        id: BookingId::new(),
        clinic_id: clinic.id.clone(),
        patient_id: p.clone(),
        starts_at,
        created_by: clinic.staff.clone(),
        created_at: starts_at - Duration::days(30),
        cancelled_at: None,
        revision: 0,
        moved_at: None,
    };
    bookings::insert(c, &b).unwrap();
    b.id
}

fn form(codes: &[Contraindication], notes: Option<&str>) -> ScreeningForm {
    ScreeningForm {
        contraindications: codes.to_vec(),
        notes: notes.map(str::to_owned),
    }
}

#[tokio::test]
async fn answers_are_taken_from_72_hours_before_the_session_until_it_starts() {
    for (_t, db) in databases() {
        let (a, p) = {
            let c = &mut db.get().unwrap();
            let a = clinic(c);
            let p = patient(c, &a);
            (a, p)
        };
        let none = screenings::record(&db, &p, form(&[], None), at("2026-12-01 10:00")).await;
        assert!(matches!(none, Err(Error::Conflict(m)) if m.contains("no session is booked")));
        let session = at("2026-12-10 09:00");
        let booking = book(&mut db.get().unwrap(), &a, &p, session);

        let early = session - Duration::hours(72) - Duration::minutes(1);
        let r = screenings::record(&db, &p, form(&[], None), early).await;
        assert!(matches!(r, Err(Error::Conflict(m)) if m.contains("72 hours")));
        let before = screenings::before_next_session(&db, &p, early)
            .await
            .unwrap()
            .unwrap();
        assert!(!before.open && !before.waiting());
        assert_eq!(before.opens_at, session - Duration::hours(72));

        let opened = session - Duration::hours(72);
        let before = screenings::before_next_session(&db, &p, opened)
            .await
            .unwrap()
            .unwrap();
        assert!(before.open && before.waiting());
        let first = screenings::record(
            &db,
            &p,
            form(
                &[Contraindication::Sunburn, Contraindication::ColdSores],
                Some("Red nose"),
            ),
            opened,
        )
        .await
        .unwrap();
        assert!(first.flagged);
        assert_eq!(first.booking_id, booking);
        let second = screenings::record(&db, &p, form(&[], None), session - Duration::minutes(1))
            .await
            .unwrap();
        assert!(!second.flagged);
        let before = screenings::before_next_session(&db, &p, session - Duration::minutes(1))
            .await
            .unwrap()
            .unwrap();
        assert!(before.open && !before.waiting(), "answered");
        assert_eq!(
            before.latest.unwrap().id,
            second.id,
            "the newer answer is what counts"
        );

        let started = screenings::record(&db, &p, form(&[], None), session).await;
        assert!(matches!(started, Err(Error::Conflict(m)) if m.contains("started")));

        // Every answer is kept, and each is audited.
        let c = &mut db.get().unwrap();
        let kept: i64 = screenings_table::table
            .filter(screenings_table::patient_id.eq(&p))
            .count()
            .get_result(c)
            .unwrap();
        assert_eq!(kept, 2);
        let audited: i64 = audit_log::table
            .filter(audit_log::action.eq("screening.create"))
            .filter(audit_log::patient_id.eq(&p))
            .filter(audit_log::actor_id.eq(p.as_str()))
            .count()
            .get_result(c)
            .unwrap();
        assert_eq!(audited, 2);
    }
}

#[tokio::test]
async fn tomorrow_is_the_clinics_next_local_day_with_each_state() {
    for (_t, db) in databases() {
        let (a, b, flagged, clear, silent, late, early, cancelled, other) = {
            let c = &mut db.get().unwrap();
            let a = clinic(c);
            let b = clinic(c);
            let (flagged, clear, silent, late, early, cancelled) = (
                patient(c, &a),
                patient(c, &a),
                patient(c, &a),
                patient(c, &a),
                patient(c, &a),
                patient(c, &a),
            );
            let other = patient(c, &b);
            (a, b, flagged, clear, silent, late, early, cancelled, other)
        };
        // Madrid moves to summer time on Sunday 2026-03-29: that day runs from 23:00 UTC on the
        // 28th to 22:00 UTC on the 29th.
        let now = at("2026-03-28 12:00");
        {
            let c = &mut db.get().unwrap();
            book(c, &a, &flagged, at("2026-03-29 08:00"));
            book(c, &a, &clear, at("2026-03-28 23:00")); // 00:00 local on the 29th
            book(c, &a, &silent, at("2026-03-29 21:59")); // 23:59 local
            book(c, &a, &late, at("2026-03-29 22:00")); // 00:00 local on the 30th
            book(c, &a, &early, at("2026-03-28 22:59")); // 23:59 local on the 28th
            book(c, &a, &cancelled, at("2026-03-29 09:00"));
            bookings::cancel_live(c, &cancelled, now).unwrap();
            book(c, &b, &other, at("2026-03-29 09:00"));
        }
        let t = at("2026-03-28 12:00");
        screenings::record(&db, &flagged, form(&[Contraindication::Pregnancy], None), t)
            .await
            .unwrap();
        screenings::record(&db, &clear, form(&[], Some("All fine")), t)
            .await
            .unwrap();
        let actor = StaffActor {
            clinic_id: a.id.clone(),
            user_id: a.staff.clone(),
        };
        let day = screenings::tomorrow(&db, &actor, now).await.unwrap();
        assert_eq!(day.date, NaiveDate::from_ymd_opt(2026, 3, 29).unwrap());
        let ids: Vec<&PatientId> = day
            .entries
            .iter()
            .map(|e| &e.patient.booking.patient_id)
            .collect();
        assert_eq!(
            ids,
            [&clear, &flagged, &silent],
            "by time, that local day only"
        );
        let states: Vec<Option<bool>> = day
            .entries
            .iter()
            .map(|e| e.latest.as_ref().map(|s| s.flagged))
            .collect();
        assert_eq!(states, [Some(false), Some(true), None]);
        assert_eq!(day.entries[0].patient.given_name, "Ana");

        // One list entry names the patients shown.
        let c = &mut db.get().unwrap();
        let lists: i64 = audit_log::table
            .filter(audit_log::action.eq("patient.list"))
            .filter(audit_log::actor_id.eq(a.staff.as_str()))
            .count()
            .get_result(c)
            .unwrap();
        assert_eq!(lists, 1);
    }
}

#[tokio::test]
async fn the_roster_flags_a_session_whose_latest_answer_reported_something() {
    for (_t, db) in databases() {
        let mut conn = db.get().unwrap();
        let c = &mut conn;
        let a = clinic(c);
        let (p, q) = (patient(c, &a), patient(c, &a));
        let session = shared::time::now() + Duration::hours(20);
        book(c, &a, &p, session);
        book(c, &a, &q, session);
        drop(conn);
        let now = shared::time::now();
        screenings::record(
            &db,
            &p,
            form(&[Contraindication::OpenWound], Some("Cut on my cheek")),
            now,
        )
        .await
        .unwrap();
        screenings::record(&db, &q, form(&[], None), now)
            .await
            .unwrap();
        let flags = |db: &Db| {
            let c = &mut db.get().unwrap();
            let q = roster::ListQuery {
                limit: 10,
                ..Default::default()
            };
            let rows = roster::list(c, &a.id, &q).unwrap();
            rows.into_iter()
                .filter(|r| r.screening_flagged)
                .map(|r| r.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(flags(&db), vec![p.clone()]);
        // A newer answer clears it.
        screenings::record(&db, &p, form(&[], None), now + Duration::seconds(1))
            .await
            .unwrap();
        assert!(flags(&db).is_empty());
        screenings::record(
            &db,
            &p,
            form(&[Contraindication::Sunburn], None),
            now + Duration::seconds(2),
        )
        .await
        .unwrap();
        assert_eq!(flags(&db), vec![p.clone()]);
        // Cancelling the session: nothing left to flag.
        bookings::cancel_live(&mut db.get().unwrap(), &p, now).unwrap();
        assert!(flags(&db).is_empty());

        // Erasure removes the patient's own words and keeps the codes.
        shared::care::rights::erase(&db, &q, now).await.unwrap();
        shared::care::rights::erase(&db, &p, now).await.unwrap();
        let c = &mut db.get().unwrap();
        let notes: Vec<Option<String>> = screenings_table::table
            .select(screenings_table::notes)
            .load(c)
            .unwrap();
        assert!(notes.iter().all(Option::is_none), "{notes:?}");
        let codes: Vec<String> = screenings_table::table
            .filter(screenings_table::flagged.eq(true))
            .select(screenings_table::contraindications)
            .load(c)
            .unwrap();
        assert!(codes.iter().any(|c| c.contains("open_wound")), "{codes:?}");
    }
}

#[tokio::test]
async fn a_moved_session_is_not_answered_until_the_patient_answers_again() {
    for (_t, db) in databases() {
        let now = at("2026-03-27 12:00");
        let (a, p) = {
            let c = &mut db.get().unwrap();
            let a = clinic(c);
            let p = patient(c, &a);
            book(c, &a, &p, at("2026-03-28 09:00"));
            (a, p)
        };
        let old = screenings::record(&db, &p, form(&[Contraindication::Sunburn], None), now)
            .await
            .unwrap();
        assert_eq!(old.booking_revision, 0);
        let actor = StaffActor {
            clinic_id: a.id.clone(),
            user_id: a.staff.clone(),
        };
        let flagged = |db: &Db| {
            let c = &mut db.get().unwrap();
            let q = roster::ListQuery {
                limit: 10,
                ..Default::default()
            };
            roster::list(c, &a.id, &q).unwrap()[0].screening_flagged
        };
        assert!(flagged(&db));

        // The clinic moves the session by an hour, still tomorrow: same booking, next revision.
        let moved_at = now + Duration::minutes(5);
        {
            let c = &mut db.get().unwrap();
            let live = bookings::live(c, &p).unwrap().unwrap();
            let moved = bookings::move_live(c, &live, at("2026-03-28 10:00"), moved_at).unwrap();
            assert_eq!((moved.id, moved.revision), (old.booking_id.clone(), 1));
        }
        let later = moved_at + Duration::minutes(1);
        let before = screenings::before_next_session(&db, &p, later)
            .await
            .unwrap()
            .unwrap();
        assert!(
            before.latest.is_none(),
            "the old answer was about the old time"
        );
        assert!(before.waiting(), "the app asks again");
        assert_eq!(before.answers, 0);
        assert!(!flagged(&db), "the roster no longer flags it");
        let day = screenings::tomorrow(&db, &actor, later).await.unwrap();
        assert_eq!(day.entries.len(), 1);
        assert!(
            day.entries[0].latest.is_none(),
            "tomorrow: not answered yet"
        );

        let new = screenings::record(&db, &p, form(&[], None), later)
            .await
            .unwrap();
        assert_eq!(new.booking_revision, 1);
        let day = screenings::tomorrow(&db, &actor, later).await.unwrap();
        assert_eq!(day.entries[0].latest.as_ref().map(|s| &s.id), Some(&new.id));
        assert!(!flagged(&db));
        let before = screenings::before_next_session(&db, &p, later)
            .await
            .unwrap()
            .unwrap();
        assert!(!before.waiting());
        // Both answers are kept.
        let c = &mut db.get().unwrap();
        let revisions: Vec<i32> = screenings_table::table
            .order(screenings_table::created_at.asc())
            .select(screenings_table::booking_revision)
            .load(c)
            .unwrap();
        assert_eq!(revisions, [0, 1]);
    }
}

#[tokio::test]
async fn at_most_twenty_answers_are_taken_per_booked_time() {
    for (_t, db) in databases() {
        let now = at("2026-03-27 12:00");
        let p = {
            let c = &mut db.get().unwrap();
            let a = clinic(c);
            let p = patient(c, &a);
            book(c, &a, &p, at("2026-03-28 09:00"));
            p
        };
        for i in 0..screenings::MAX_ANSWERS {
            screenings::record(&db, &p, form(&[], None), now + Duration::seconds(i))
                .await
                .unwrap();
        }
        let t = now + Duration::minutes(1);
        let r = screenings::record(&db, &p, form(&[Contraindication::Sunburn], None), t).await;
        assert!(
            matches!(&r, Err(Error::Conflict(m)) if m == "you have already answered 20 times; call your clinic"),
            "{r:?}"
        );
        let before = screenings::before_next_session(&db, &p, t)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(before.answers, 20);
        assert!(
            !before.latest.unwrap().flagged,
            "the refused answer was not kept"
        );

        // A moved session may be answered again.
        {
            let c = &mut db.get().unwrap();
            let live = bookings::live(c, &p).unwrap().unwrap();
            bookings::move_live(c, &live, at("2026-03-28 11:00"), t).unwrap();
        }
        screenings::record(&db, &p, form(&[], None), t + Duration::minutes(1))
            .await
            .unwrap();
    }
}
