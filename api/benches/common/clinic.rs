//! The clinic the API benches seed, written through the use cases: `patients` patients in one
//! clinic (time zone Europe/Madrid), each with a treatment in the last 30 days and its planned
//! prompts, every tenth with check-ins on days 1, 3 and 5 (those already past), every seventh
//! with a booked next session.
// Each bench reads part of what is seeded.
#![allow(dead_code)]

use chrono::Duration as Span;
use shared::care::Protocols;
use shared::care::check_ins::CheckInForm;
use shared::care::treatments::TreatmentForm;
use shared::care::{self, StaffActor};
use shared::db::{Db, clinics, users};
use shared::domain::{Area, Device, NeedleDepth, PatientId};
use shared::testing::fixtures;
use shared::time::now;

pub struct Seeded {
    pub clinic: clinics::Clinic,
    /// The clinician who recorded the treatments.
    pub staff: users::User,
    /// Each patient's id and sign-in email (password `fixtures::FIXTURE_PASSWORD`).
    pub patients: Vec<(PatientId, String)>,
}

pub async fn clinic(db: &Db, protocol: &Protocols, patients: usize) -> Seeded {
    let (clinic, staff) = db
        .run(|c| {
            let clinic = fixtures::clinic(c, "Bench");
            let staff = fixtures::user(c, &clinic.id, "clinician");
            Ok((clinic, staff))
        })
        .await
        .unwrap();
    let actor = StaffActor {
        clinic_id: clinic.id.clone(),
        user_id: staff.id.clone(),
    };
    let mut seeded = Vec::with_capacity(patients);
    for i in 0..patients {
        let cid = clinic.id.clone();
        let (u, _) = db
            .run(move |c| Ok(fixtures::patient(c, &cid, "Europe/Madrid")))
            .await
            .unwrap();
        let id = u.id.as_patient();
        let at = now() - Span::days((i % 30) as i64) - Span::hours(1);
        let form = TreatmentForm {
            performed_at: at,
            areas: vec![Area::Face],
            depth: NeedleDepth::parse(1.0).unwrap(),
            device: Device::Pen,
            combined_with: Vec::new(),
            session_number: 1,
            planned_sessions: 3,
            interval_weeks: 4,
            contraindications: Vec::new(),
            override_reason: None,
            notes: None,
        };
        care::treatments::record(db, protocol, &actor, &id, form, at)
            .await
            .unwrap();
        if i % 10 == 0 {
            for day in [1, 3, 5] {
                let when = at + Span::days(day.into());
                if when < now() {
                    let form = CheckInForm {
                        redness: 8 - day,
                        swelling: 3,
                        pain: 2,
                        peeling: day > 2,
                        symptoms: vec![],
                    };
                    care::check_ins::record(db, protocol, &id, form, when)
                        .await
                        .unwrap();
                }
            }
        }
        if i % 7 == 0 {
            let at = now() + Span::days(10 + (i % 20) as i64);
            care::treatments::book_next_session(db, protocol, &actor, &id, at, now())
                .await
                .unwrap();
        }
        seeded.push((id, u.email));
    }
    Seeded {
        clinic,
        staff,
        patients: seeded,
    }
}
