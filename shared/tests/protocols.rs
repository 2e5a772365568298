//! Clinic protocol versions on both backends (`shared::care::protocols`): drafts from the
//! default or from a version, edits with their before and after, publishing (the previous
//! version retired), treatments planned with the published version's words, re-planning current
//! patients, tenant isolation, and the content-safety check over every published version.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use shared::care::protocols::{self, BasedOn, Protocols};
use shared::care::{StaffActor, treatments};
use shared::db::schema::{audit_log, clinic_protocol_edits, prompts, treatments as treatments_t};
use shared::db::{Backend, Db, DbConn, migrate};
use shared::domain::{
    Area, Device, Locale, NeedleDepth, PatientId, ProtocolEditAction, ProtocolId, ProtocolStatus,
};
use shared::error::Error;
use shared::protocol::document::ClinicInstruction;
use shared::protocol::{ChangeKind, PreviewInput, Protocol, ProtocolDocument};
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

fn registry() -> Protocols {
    Protocols::new(Arc::new(Protocol::builtin().unwrap()))
}

fn now() -> NaiveDateTime {
    shared::time::now()
}

/// A clinic with an admin and a clinician.
struct Clinic {
    admin: StaffActor,
    clinician: StaffActor,
}

fn clinic(c: &mut DbConn, name: &str) -> Clinic {
    let clinic = fixtures::clinic(c, name);
    let actor = |role: &str, c: &mut DbConn| StaffActor {
        clinic_id: clinic.id.clone(),
        user_id: fixtures::user(c, &clinic.id, role).id,
    };
    Clinic {
        admin: actor("clinic_admin", c),
        clinician: actor("clinician", c),
    }
}

/// The prompt a clinic rewrites in these tests: day 2, for every treatment.
const EDITED: &str = "day2_gentle_products";
const CLINIC_EN: &str =
    "Clinica Sol: no retinol or acids for five days, then only what we gave you.";
const CLINIC_ES: &str =
    "Clínica Sol: nada de retinol ni ácidos durante cinco días; después, solo lo que te dimos.";

/// `doc` with the clinic's own words for [`EDITED`], vouched for by a clinician.
fn edited(mut doc: ProtocolDocument) -> ProtocolDocument {
    let p = doc
        .prompts
        .iter_mut()
        .find(|p| p.key == EDITED)
        .expect("the default has the day-2 prompt");
    p.texts.en.body = CLINIC_EN.to_owned();
    p.texts.es.body = CLINIC_ES.to_owned();
    p.facts.clear();
    p.clinic_instruction = Some(ClinicInstruction {
        clinician: "Dr. Ruiz".to_owned(),
    });
    doc
}

fn form(performed_at: NaiveDateTime) -> treatments::TreatmentForm {
    treatments::TreatmentForm {
        performed_at,
        areas: vec![Area::Face],
        depth: NeedleDepth::parse(1.0).unwrap(),
        device: Device::Pen,
        combined_with: vec![],
        session_number: 1,
        planned_sessions: 3,
        interval_weeks: 4,
        contraindications: vec![],
        override_reason: None,
        notes: None,
    }
}

/// A patient of the clinic (English) with a treatment recorded an hour ago.
async fn treated(db: &Db, p: &Protocols, staff: &StaffActor) -> PatientId {
    let patient = {
        let c = &mut db.get().unwrap();
        fixtures::patient(c, &staff.clinic_id, "Europe/Madrid")
            .0
            .id
            .as_patient()
    };
    let t = now();
    treatments::record(db, p, staff, &patient, form(t - Duration::hours(1)), t)
        .await
        .unwrap();
    patient
}

/// The patient's current treatment's `(protocol_id, protocol_version)`.
fn treatment_version(db: &Db, patient: &PatientId) -> (Option<ProtocolId>, String) {
    treatments_t::table
        .filter(treatments_t::patient_id.eq(patient))
        .order(treatments_t::performed_at.desc())
        .select((treatments_t::protocol_id, treatments_t::protocol_version))
        .first(&mut db.get().unwrap())
        .unwrap()
}

/// The body of the patient's scheduled prompt `key`.
fn scheduled_body(db: &Db, patient: &PatientId, key: &str) -> Option<String> {
    prompts::table
        .filter(prompts::patient_id.eq(patient))
        .filter(prompts::prompt_key.eq(key))
        .filter(prompts::status.eq("scheduled"))
        .select(prompts::body)
        .first(&mut db.get().unwrap())
        .optional()
        .unwrap()
}

/// Books the patient's first session in a week.
fn book(c: &mut DbConn, staff: &StaffActor, patient: &PatientId) {
    let t = now();
    shared::db::bookings::insert(
        c,
        &shared::db::bookings::Booking {
            id: shared::domain::BookingId::new(),
            clinic_id: staff.clinic_id.clone(),
            patient_id: patient.clone(),
            starts_at: t + Duration::days(7),
            created_by: staff.user_id.clone(),
            created_at: t,
            cancelled_at: None,
            revision: 0,
            moved_at: None,
        },
    )
    .unwrap();
}

/// How many audit entries of `action` the clinic has, and for which patients.
fn audited(db: &Db, actor: &StaffActor, action: &str) -> Vec<Option<String>> {
    audit_log::table
        .filter(audit_log::clinic_id.eq(&actor.clinic_id))
        .filter(audit_log::action.eq(action))
        .select(audit_log::patient_id)
        .load(&mut db.get().unwrap())
        .unwrap()
}

/// The version's edit rows: action, before and after.
fn edit_rows(db: &Db, id: &ProtocolId) -> Vec<(String, Option<String>, String)> {
    clinic_protocol_edits::table
        .filter(clinic_protocol_edits::protocol_id.eq(id))
        .order((
            clinic_protocol_edits::at.asc(),
            clinic_protocol_edits::id.asc(),
        ))
        .select((
            clinic_protocol_edits::action,
            clinic_protocol_edits::before,
            clinic_protocol_edits::after,
        ))
        .load(&mut db.get().unwrap())
        .unwrap()
}

fn json(doc: &ProtocolDocument) -> serde_json::Value {
    serde_json::to_value(doc).unwrap()
}

fn parsed(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[tokio::test]
async fn drafts_are_created_from_the_default_or_from_a_version() {
    for (_t, db) in databases() {
        let p = registry();
        let (a, b) = {
            let c = &mut db.get().unwrap();
            (clinic(c, "Clinica Sol"), clinic(c, "Clinica Luna"))
        };
        let t = now();
        let first = protocols::create(&db, &p, &a.clinician, BasedOn::Default, t)
            .await
            .unwrap();
        assert_eq!(first.summary.version, 1);
        assert_eq!(first.summary.status, ProtocolStatus::Draft);
        assert_eq!(first.summary.based_on, "default");
        assert_eq!(first.summary.published_at, None);
        assert_eq!(first.document, p.default_protocol().document());

        let first = protocols::update(
            &db,
            &p,
            &a.clinician,
            &first.summary.id,
            edited(first.document),
            None,
            t,
        )
        .await
        .unwrap();
        let second = protocols::create(
            &db,
            &p,
            &a.admin,
            BasedOn::Version(first.summary.id.clone()),
            t,
        )
        .await
        .unwrap();
        assert_eq!(second.summary.version, 2);
        assert_eq!(second.summary.based_on, first.summary.id.as_str());
        assert_eq!(second.document, first.document, "copied with its edits");

        // Clinic B's numbering is its own, and it cannot copy clinic A's version.
        let theirs = protocols::create(&db, &p, &b.admin, BasedOn::Default, t)
            .await
            .unwrap();
        assert_eq!(theirs.summary.version, 1);
        let err = protocols::create(
            &db,
            &p,
            &b.admin,
            BasedOn::Version(first.summary.id.clone()),
            t,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&err, Error::Validation(e) if e[0].field == "based_on"),
            "{err:?}"
        );

        assert_eq!(audited(&db, &a.admin, "protocol.create").len(), 2);
        let rows = edit_rows(&db, &second.summary.id);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, "create");
        assert_eq!(rows[0].1, None, "nothing before a new draft");
        assert_eq!(parsed(&rows[0].2), json(&second.document));

        let history = protocols::history(&db, &a.admin, &first.summary.id)
            .await
            .unwrap();
        let actions: Vec<_> = history.iter().map(|e| e.action).collect();
        assert_eq!(
            actions,
            [ProtocolEditAction::Create, ProtocolEditAction::Update]
        );
        assert_eq!(history[0].actor_name.as_deref(), Some("Test clinician"));
    }
}

#[tokio::test]
async fn a_draft_is_updated_with_its_before_and_after_and_bad_fields_are_named() {
    for (_t, db) in databases() {
        let p = registry();
        let a = clinic(&mut db.get().unwrap(), "Clinica Sol");
        let t = now();
        let draft = protocols::create(&db, &p, &a.clinician, BasedOn::Default, t)
            .await
            .unwrap();
        let before = draft.document.clone();
        let id = draft.summary.id.clone();
        let later = t + Duration::minutes(5);
        let saved = protocols::update(
            &db,
            &p,
            &a.clinician,
            &id,
            edited(before.clone()),
            None,
            later,
        )
        .await
        .unwrap();
        assert_eq!(saved.document, edited(before.clone()));
        assert_eq!(saved.summary.updated_at, later);
        assert_eq!(
            protocols::get(&db, &a.admin, &id).await.unwrap().document,
            saved.document
        );

        let rows = edit_rows(&db, &id);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, "update");
        assert_eq!(parsed(rows[1].1.as_deref().unwrap()), json(&before));
        assert_eq!(parsed(&rows[1].2), json(&saved.document));
        assert_eq!(audited(&db, &a.admin, "protocol.update").len(), 1);

        // An empty Spanish body is refused by its path, and nothing is stored.
        let mut bad = saved.document.clone();
        bad.prompts[3].texts.es.body = String::new();
        let err = protocols::update(&db, &p, &a.clinician, &id, bad, None, later)
            .await
            .unwrap_err();
        match &err {
            Error::Validation(errors) => assert!(
                errors.iter().any(|e| e.field == "prompts[3].texts.es.body"),
                "{errors:?}"
            ),
            other => panic!("expected validation, got {other:?}"),
        }
        assert_eq!(
            protocols::get(&db, &a.admin, &id).await.unwrap().document,
            saved.document
        );
        assert_eq!(
            edit_rows(&db, &id).len(),
            2,
            "no edit row for a refused update"
        );
    }
}

#[tokio::test]
async fn publishing_retires_the_previous_version_and_freezes_the_published_one() {
    for (_t, db) in databases() {
        let p = registry();
        let a = clinic(&mut db.get().unwrap(), "Clinica Sol");
        let t = now();
        let v1 = protocols::create(&db, &p, &a.clinician, BasedOn::Default, t)
            .await
            .unwrap()
            .summary
            .id;
        let published = protocols::publish(&db, &p, &a.admin, &v1, false, t)
            .await
            .unwrap();
        assert_eq!(published.replanned, 0);
        assert_eq!(published.summary.status, ProtocolStatus::Published);
        assert_eq!(published.summary.published_at, Some(t));
        assert_eq!(
            published.summary.published_by,
            Some(a.admin.user_id.clone())
        );
        assert_eq!(
            published.summary.published_by_name.as_deref(),
            Some("Test clinic_admin")
        );

        // Published is immutable: no edit, no second publish.
        let doc = protocols::get(&db, &a.admin, &v1).await.unwrap().document;
        let err = protocols::update(&db, &p, &a.admin, &v1, edited(doc), None, t)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");
        let err = protocols::publish(&db, &p, &a.admin, &v1, false, t)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");

        let v2 = protocols::create(&db, &p, &a.clinician, BasedOn::Version(v1.clone()), t)
            .await
            .unwrap()
            .summary
            .id;
        let later = t + Duration::hours(1);
        protocols::publish(&db, &p, &a.admin, &v2, false, later)
            .await
            .unwrap();
        let list = protocols::list(&db, &a.clinician, None, 10).await.unwrap();
        let seen: Vec<_> = list.iter().map(|s| (s.version, s.status)).collect();
        assert_eq!(
            seen,
            [(2, ProtocolStatus::Published), (1, ProtocolStatus::Retired)]
        );
        let page = protocols::list(&db, &a.clinician, Some(v2.to_string()), 10)
            .await
            .unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(page[0].id, v1);
        assert_eq!(
            protocols::list(&db, &a.clinician, None, 1).await.unwrap()[0].id,
            v2
        );
        assert_eq!(audited(&db, &a.admin, "protocol.publish").len(), 2);
        let history = protocols::history(&db, &a.admin, &v1).await.unwrap();
        assert_eq!(history.last().unwrap().action, ProtocolEditAction::Publish);
    }
}

#[tokio::test]
async fn treatments_recorded_after_publish_carry_the_clinic_version_and_its_words() {
    for (_t, db) in databases() {
        let p = registry();
        let a = clinic(&mut db.get().unwrap(), "Clinica Sol");
        let before = treated(&db, &p, &a.clinician).await;
        assert_eq!(
            treatment_version(&db, &before),
            (None, p.default_protocol().version().to_owned())
        );

        let t = now();
        let draft = protocols::create(&db, &p, &a.clinician, BasedOn::Default, t)
            .await
            .unwrap();
        let id = draft.summary.id.clone();
        protocols::update(&db, &p, &a.clinician, &id, edited(draft.document), None, t)
            .await
            .unwrap();
        protocols::publish(&db, &p, &a.admin, &id, false, t)
            .await
            .unwrap();

        let after = treated(&db, &p, &a.clinician).await;
        assert_eq!(
            treatment_version(&db, &after),
            (Some(id.clone()), "clinic-1".to_owned())
        );
        assert_eq!(
            scheduled_body(&db, &after, EDITED).as_deref(),
            Some(CLINIC_EN)
        );

        // The patient treated before keeps the default: a version applies from its publish on.
        assert_eq!(treatment_version(&db, &before).0, None);
        assert_ne!(
            scheduled_body(&db, &before, EDITED).as_deref(),
            Some(CLINIC_EN)
        );
    }
}

#[tokio::test]
async fn publishing_with_replan_moves_current_patients_and_audits_each() {
    for (_t, db) in databases() {
        let p = registry();
        let (a, b) = {
            let c = &mut db.get().unwrap();
            (clinic(c, "Clinica Sol"), clinic(c, "Clinica Luna"))
        };
        let one = treated(&db, &p, &a.clinician).await;
        let two = treated(&db, &p, &a.clinician).await;
        let gone = treated(&db, &p, &a.clinician).await;
        treatments::discharge(&db, &a.clinician, &gone, now())
            .await
            .unwrap();
        let untreated = fixtures::patient(&mut db.get().unwrap(), &a.admin.clinic_id, "UTC")
            .0
            .id
            .as_patient();
        let elsewhere = treated(&db, &p, &b.clinician).await;
        // A first session booked, no treatment yet: its preparation prompts are re-planned.
        let booked = fixtures::patient(&mut db.get().unwrap(), &a.admin.clinic_id, "UTC")
            .0
            .id
            .as_patient();
        book(&mut db.get().unwrap(), &a.admin, &booked);
        assert_eq!(
            protocols::replan_candidates(&db, &a.admin).await.unwrap(),
            3
        );
        assert_eq!(
            protocols::replan_candidates(&db, &b.admin).await.unwrap(),
            1
        );

        let t = now();
        let draft = protocols::create(&db, &p, &a.clinician, BasedOn::Default, t)
            .await
            .unwrap();
        let id = draft.summary.id.clone();
        protocols::update(&db, &p, &a.clinician, &id, edited(draft.document), None, t)
            .await
            .unwrap();
        let published = protocols::publish(&db, &p, &a.admin, &id, true, t)
            .await
            .unwrap();
        assert_eq!(published.replanned, 3, "two moved, one booked");

        for moved in [&one, &two] {
            assert_eq!(
                treatment_version(&db, moved),
                (Some(id.clone()), "clinic-1".to_owned())
            );
            assert_eq!(
                scheduled_body(&db, moved, EDITED).as_deref(),
                Some(CLINIC_EN)
            );
        }
        assert_eq!(
            treatment_version(&db, &gone).0,
            None,
            "discharged: not moved"
        );
        assert_eq!(
            scheduled_body(&db, &gone, EDITED),
            None,
            "and nothing planned"
        );
        assert_eq!(treatment_version(&db, &elsewhere).0, None, "another clinic");
        let mut replanned: Vec<_> = audited(&db, &a.admin, "protocol.replan")
            .into_iter()
            .map(Option::unwrap)
            .collect();
        replanned.sort();
        assert_eq!(treatment_version(&db, &one).0, Some(id.clone()));
        let mut want = vec![one.to_string(), two.to_string(), booked.to_string()];
        want.sort();
        assert_eq!(replanned, want);
        assert!(!replanned.contains(&untreated.to_string()));
        let actions: Vec<_> = edit_rows(&db, &id).into_iter().map(|r| r.0).collect();
        assert_eq!(actions, ["create", "update", "publish", "replan"]);
        assert!(audited(&db, &b.admin, "protocol.replan").is_empty());
    }
}

#[tokio::test]
async fn another_clinic_finds_nothing() {
    for (_t, db) in databases() {
        let p = registry();
        let (a, b) = {
            let c = &mut db.get().unwrap();
            (clinic(c, "Clinica Sol"), clinic(c, "Clinica Luna"))
        };
        let t = now();
        let draft = protocols::create(&db, &p, &a.clinician, BasedOn::Default, t)
            .await
            .unwrap();
        let id = draft.summary.id.clone();
        let nf = |r: Result<(), Error>| assert!(matches!(r, Err(Error::NotFound)), "{r:?}");
        nf(protocols::get(&db, &b.admin, &id).await.map(drop));
        nf(
            protocols::update(&db, &p, &b.admin, &id, draft.document.clone(), None, t)
                .await
                .map(drop),
        );
        nf(protocols::publish(&db, &p, &b.admin, &id, true, t)
            .await
            .map(drop));
        nf(protocols::preview(&db, &p, &b.admin, &id, sample(t))
            .await
            .map(drop));
        nf(protocols::compare(&db, &p, &b.admin, None, &id)
            .await
            .map(drop));
        nf(
            protocols::compare(&db, &p, &a.admin, Some(&ProtocolId::new()), &id)
                .await
                .map(drop),
        );
        nf(protocols::history(&db, &b.admin, &id).await.map(drop));
        assert!(
            protocols::list(&db, &b.admin, None, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            protocols::get(&db, &a.admin, &id)
                .await
                .unwrap()
                .summary
                .status,
            ProtocolStatus::Draft,
            "untouched"
        );
    }
}

fn sample(performed_at: NaiveDateTime) -> PreviewInput {
    PreviewInput {
        performed_at: performed_at.and_utc(),
        areas: vec![Area::Face],
        depth: NeedleDepth::parse(1.0).unwrap(),
        device: Device::Pen,
        combined_with: vec![],
        tz: chrono_tz::Europe::Madrid,
        locale: Locale::Es,
        session_number: 1,
        planned_sessions: 3,
        interval_weeks: 4,
        booking_at: None,
    }
}

#[tokio::test]
async fn a_draft_is_previewed_and_compared_with_the_default() {
    for (_t, db) in databases() {
        let p = registry();
        let a = clinic(&mut db.get().unwrap(), "Clinica Sol");
        let t = now();
        let draft = protocols::create(&db, &p, &a.clinician, BasedOn::Default, t)
            .await
            .unwrap();
        let id = draft.summary.id.clone();
        protocols::update(&db, &p, &a.clinician, &id, edited(draft.document), None, t)
            .await
            .unwrap();

        let plan = protocols::preview(&db, &p, &a.clinician, &id, sample(t))
            .await
            .unwrap();
        let day2 = plan
            .iter()
            .find(|x| x.key == EDITED)
            .expect("day 2 planned");
        assert_eq!(day2.body, CLINIC_ES, "in the sample's language");
        assert_eq!(day2.day, 2);

        let changes = protocols::compare(&db, &p, &a.clinician, None, &id)
            .await
            .unwrap();
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].subject, EDITED);
        assert_eq!(changes[0].kind, ChangeKind::Changed);
        assert!(
            changes[0]
                .fields
                .iter()
                .any(|f| f.field == "texts.es.body" && f.after == CLINIC_ES),
            "{changes:?}"
        );
        let copy = protocols::create(&db, &p, &a.clinician, BasedOn::Version(id.clone()), t)
            .await
            .unwrap();
        let same = protocols::compare(&db, &p, &a.clinician, Some(&id), &copy.summary.id)
            .await
            .unwrap();
        assert!(same.is_empty(), "{same:?}");
    }
}

#[tokio::test]
async fn every_published_version_of_two_clinics_passes_the_safety_check() {
    for (_t, db) in databases() {
        let p = registry();
        let (a, b) = {
            let c = &mut db.get().unwrap();
            (clinic(c, "Clinica Sol"), clinic(c, "Clinica Luna"))
        };
        let t = now();

        // Clinic A rewrites a prompt; clinic B narrows one to deep needling on the neck with
        // long words in both languages, and keeps a retired version behind it.
        let draft = protocols::create(&db, &p, &a.clinician, BasedOn::Default, t)
            .await
            .unwrap();
        let a1 = draft.summary.id.clone();
        protocols::update(&db, &p, &a.clinician, &a1, edited(draft.document), None, t)
            .await
            .unwrap();
        protocols::publish(&db, &p, &a.admin, &a1, false, t)
            .await
            .unwrap();

        let old = protocols::create(&db, &p, &b.clinician, BasedOn::Default, t)
            .await
            .unwrap();
        protocols::publish(&db, &p, &b.admin, &old.summary.id, false, t)
            .await
            .unwrap();
        let mut doc = edited(old.document.clone());
        let prompt = doc.prompts.iter_mut().find(|x| x.key == EDITED).unwrap();
        prompt.conditions.areas = Some(vec!["neck".to_owned()]);
        prompt.conditions.min_depth_mm = Some(1.5);
        prompt.texts.en.body = "Ñ ".repeat(290);
        prompt.texts.es.title = "Cuello: cuidados después del tratamiento profundo".to_owned();
        let draft = protocols::create(&db, &p, &b.clinician, BasedOn::Default, t)
            .await
            .unwrap();
        let b2 = draft.summary.id.clone();
        protocols::update(&db, &p, &b.clinician, &b2, doc, None, t)
            .await
            .unwrap();
        protocols::publish(&db, &p, &b.admin, &b2, false, t)
            .await
            .unwrap();

        let problems = protocols::check_published(&db, &p).await.unwrap();
        assert!(problems.is_empty(), "{problems:?}");

        // Every published version is visited: one that no longer builds (its warning signs
        // dropped behind the use cases' back) is reported by its id, the refused entry named.
        let mut broken = p.default_protocol().document();
        broken.prompts.retain(|x| x.kind != "warning_signs");
        let c = clinic(&mut db.get().unwrap(), "Clinica Estrella");
        let draft = protocols::create(&db, &p, &c.clinician, BasedOn::Default, t)
            .await
            .unwrap();
        protocols::publish(&db, &p, &c.admin, &draft.summary.id, false, t)
            .await
            .unwrap();
        {
            use shared::db::schema::clinic_protocols;
            diesel::update(clinic_protocols::table.find(&draft.summary.id))
                .set(clinic_protocols::document.eq(serde_json::to_string(&broken).unwrap()))
                .execute(&mut db.get().unwrap())
                .unwrap();
        }
        let fresh = registry();
        let found = protocols::check_published(&db, &fresh).await.unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, draft.summary.id);
        assert!(
            found[0].1.iter().any(|x| x.prompt_key == "prompts"
                && x.message.contains("no longer valid against the default")),
            "{found:?}"
        );
    }
}

#[tokio::test]
async fn drafts_created_at_once_take_distinct_versions() {
    for (_t, db) in databases() {
        let p = registry();
        let a = clinic(&mut db.get().unwrap(), "Clinica Sol");
        let t = now();
        let made = futures_join(
            protocols::create(&db, &p, &a.clinician, BasedOn::Default, t),
            protocols::create(&db, &p, &a.admin, BasedOn::Default, t),
            protocols::create(&db, &p, &a.admin, BasedOn::Default, t),
        )
        .await;
        let mut versions: Vec<i32> = made
            .into_iter()
            .map(|v| v.unwrap().summary.version)
            .collect();
        versions.sort();
        assert_eq!(versions, [1, 2, 3]);
    }
}

async fn futures_join<T>(
    a: impl std::future::Future<Output = T>,
    b: impl std::future::Future<Output = T>,
    c: impl std::future::Future<Output = T>,
) -> Vec<T> {
    let (a, b, c) = tokio::join!(a, b, c);
    vec![a, b, c]
}

#[tokio::test]
async fn a_draft_that_no_longer_validates_is_not_published_and_nothing_changes() {
    for (_t, db) in databases() {
        let p = registry();
        let (a, b) = {
            let c = &mut db.get().unwrap();
            (clinic(c, "Clinica Sol"), clinic(c, "Clinica Luna"))
        };
        let t = now();
        let v1 = protocols::create(&db, &p, &a.clinician, BasedOn::Default, t)
            .await
            .unwrap()
            .summary
            .id;
        protocols::publish(&db, &p, &a.admin, &v1, false, t)
            .await
            .unwrap();
        // Another clinic's publish leaves this clinic's version published.
        let theirs = protocols::create(&db, &p, &b.clinician, BasedOn::Default, t)
            .await
            .unwrap()
            .summary
            .id;
        protocols::publish(&db, &p, &b.admin, &theirs, false, t)
            .await
            .unwrap();

        // A draft stored before the default changed under it: its warning signs are gone.
        let v2 = protocols::create(&db, &p, &a.clinician, BasedOn::Default, t)
            .await
            .unwrap();
        let mut doc = v2.document.clone();
        doc.prompts.retain(|x| x.kind != "warning_signs");
        {
            use shared::db::schema::clinic_protocols;
            diesel::update(clinic_protocols::table.find(&v2.summary.id))
                .set(clinic_protocols::document.eq(serde_json::to_string(&doc).unwrap()))
                .execute(&mut db.get().unwrap())
                .unwrap();
        }
        let patient = treated(&db, &p, &a.clinician).await;
        let err = protocols::publish(&db, &p, &a.admin, &v2.summary.id, true, t)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Validation(_)), "{err:?}");

        let status = |id: ProtocolId, who: StaffActor| {
            let (db, id) = (&db, id);
            async move { protocols::get(db, &who, &id).await.unwrap().summary.status }
        };
        assert_eq!(
            status(v1.clone(), a.admin.clone()).await,
            ProtocolStatus::Published
        );
        assert_eq!(
            status(v2.summary.id.clone(), a.admin.clone()).await,
            ProtocolStatus::Draft
        );
        assert_eq!(
            status(theirs, b.admin.clone()).await,
            ProtocolStatus::Published
        );
        assert_eq!(
            treatment_version(&db, &patient),
            (Some(v1), "clinic-1".to_owned()),
            "the patient stays on the published version"
        );
        assert!(audited(&db, &a.admin, "protocol.replan").is_empty());
    }
}

#[tokio::test]
async fn two_drafts_published_at_once_both_succeed_in_turn() {
    // The clinic's row is locked first: the later publish retires the earlier one, never a
    // second published version nor a database error.
    for (_t, db) in databases() {
        let p = registry();
        let a = clinic(&mut db.get().unwrap(), "Clinica Sol");
        let t = now();
        let old = protocols::create(&db, &p, &a.clinician, BasedOn::Default, t)
            .await
            .unwrap();
        protocols::publish(&db, &p, &a.admin, &old.summary.id, false, t)
            .await
            .unwrap();
        for _ in 0..3 {
            let one = protocols::create(&db, &p, &a.clinician, BasedOn::Default, t)
                .await
                .unwrap();
            let two = protocols::create(&db, &p, &a.clinician, BasedOn::Default, t)
                .await
                .unwrap();
            let (x, y) = tokio::join!(
                protocols::publish(&db, &p, &a.admin, &one.summary.id, false, t),
                protocols::publish(&db, &p, &a.admin, &two.summary.id, true, t),
            );
            x.unwrap();
            y.unwrap();
            let all = protocols::list(&db, &a.admin, None, 100).await.unwrap();
            let published: Vec<_> = all
                .iter()
                .filter(|s| s.status == ProtocolStatus::Published)
                .collect();
            assert_eq!(published.len(), 1, "{all:?}");
            assert!(all.iter().all(|s| s.status != ProtocolStatus::Draft));
        }
    }
}

#[tokio::test]
async fn the_safety_check_covers_retired_versions_a_treatment_still_records() {
    for (_t, db) in databases() {
        let p = registry();
        let a = clinic(&mut db.get().unwrap(), "Clinica Sol");
        let t = now();
        let mut ids = Vec::new();
        for _ in 0..3 {
            let draft = protocols::create(&db, &p, &a.clinician, BasedOn::Default, t)
                .await
                .unwrap();
            protocols::publish(&db, &p, &a.admin, &draft.summary.id, false, t)
                .await
                .unwrap();
            ids.push(draft.summary.id);
            if ids.len() == 2 {
                // Recorded while version 2 was published: it keeps being planned with it.
                treated(&db, &p, &a.clinician).await;
            }
        }
        let (unused, recorded) = (&ids[0], &ids[1]);
        assert!(
            protocols::check_published(&db, &p)
                .await
                .unwrap()
                .is_empty()
        );
        let corrupt = |id: &ProtocolId| {
            use shared::db::schema::clinic_protocols;
            diesel::update(clinic_protocols::table.find(id))
                .set(clinic_protocols::document.eq("{\"not\": \"a document\"}"))
                .execute(&mut db.get().unwrap())
                .unwrap();
        };
        // A retired version nobody records sends nothing: not checked.
        corrupt(unused);
        assert!(
            protocols::check_published(&db, &registry())
                .await
                .unwrap()
                .is_empty()
        );
        // A retired version a treatment records still sends its prompts: checked.
        corrupt(recorded);
        let err = protocols::check_published(&db, &registry())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Internal(e) if e.to_string().contains(recorded.as_str())),
            "{err:?}"
        );
    }
}
