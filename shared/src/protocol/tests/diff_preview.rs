//! Comparing two documents, and previewing a protocol for a sample treatment.

use chrono::{DateTime, Duration, NaiveTime, Utc};

use super::utc;
use crate::domain::{Area, CombinedWith, Device, Locale, NeedleDepth};
use crate::protocol::document::ClinicInstruction;
use crate::protocol::{Change, ChangeKind, FieldChange, PreviewInput, Protocol, diff, preview};

fn fc(field: &str, before: &str, after: &str) -> FieldChange {
    FieldChange {
        field: field.into(),
        before: before.into(),
        after: after.into(),
    }
}

#[test]
fn diff_names_added_removed_and_changed_fields_in_plain_text() {
    let before = Protocol::load(None).unwrap().document();
    assert!(diff(&before, &before).is_empty());
    let mut after = before.clone();
    let i = after
        .prompts
        .iter()
        .position(|p| p.key == "day1_sun")
        .unwrap();
    after.prompts[i].day = 2;
    after.prompts[i].texts.es.body = "Usa protector solar.".into();
    after.prompts[i].conditions.areas = Some(vec!["face".into(), "neck".into()]);
    after.prompts.retain(|p| p.key != "day4_breakouts");
    let mut added = after.prompts[i].clone();
    added.key = "no_retinol".into();
    added.facts.clear();
    added.clinic_instruction = Some(ClinicInstruction {
        clinician: "Dr Ana Ruiz".into(),
    });
    after.prompts.insert(0, added);
    let r = after
        .triage
        .rules
        .iter()
        .position(|r| r.id == "redness_not_fading")
        .unwrap();
    after.triage.rules[r].when.redness_min = Some(5);
    let changes = diff(&before, &after);
    let subjects: Vec<(&str, ChangeKind)> = changes
        .iter()
        .map(|c| (c.subject.as_str(), c.kind))
        .collect();
    assert_eq!(
        subjects,
        [
            ("no_retinol", ChangeKind::Added),
            ("day1_sun", ChangeKind::Changed),
            ("day4_breakouts", ChangeKind::Removed),
            ("triage:redness_not_fading", ChangeKind::Changed),
        ]
    );
    assert_eq!(
        changes[1],
        Change {
            subject: "day1_sun".into(),
            kind: ChangeKind::Changed,
            fields: vec![
                fc("day", "1", "2"),
                fc("conditions.areas", "", "face, neck"),
                fc(
                    "texts.es.body",
                    &before.prompts[i].texts.es.body,
                    "Usa protector solar."
                ),
            ],
        }
    );
    let added = &changes[0].fields;
    assert!(
        added
            .iter()
            .all(|f| f.before.is_empty() && !f.after.is_empty())
    );
    assert!(added.contains(&fc("clinic_instruction.clinician", "", "Dr Ana Ruiz")));
    assert!(
        !added.iter().any(|f| f.field == "facts"),
        "empty fields are left out"
    );
    assert!(
        changes[2]
            .fields
            .contains(&fc("facts", "breakouts_milia, channels", ""))
    );
    assert_eq!(changes[3].fields, [fc("when.redness_min", "6", "5")]);
    // Serialised for the API: snake_case kinds.
    let json = serde_json::to_value(&changes[0]).unwrap();
    assert_eq!(json["kind"], "added");
}

fn sample() -> PreviewInput {
    PreviewInput {
        performed_at: utc("2026-03-02T21:30:00Z"),
        areas: vec![Area::Face],
        depth: NeedleDepth::parse(1.5).unwrap(),
        device: Device::Pen,
        combined_with: vec![],
        tz: chrono_tz::Europe::Madrid,
        locale: Locale::Es,
        session_number: 1,
        planned_sessions: 3,
        interval_weeks: 6,
        booking_at: None,
    }
}

#[test]
fn preview_plans_the_whole_course_from_the_treatment_without_quiet_hours() {
    let p = Protocol::load(None).unwrap();
    let plan = preview(&p, &sample());
    let keys = super::keys(&plan);
    // Day 0 in the evening: nothing dropped as past, deep-needling advice included.
    assert_eq!(
        &keys[..2],
        ["day0_expected", "day0_deep_needling"],
        "{keys:?}"
    );
    assert!(keys.contains(&"day7_warning_signs") && keys.contains(&"rebook"));
    assert!(!keys.iter().any(|k| k.starts_with("session_reminder")));
    assert!(!keys.contains(&"results"), "not the final session");
    assert_eq!(
        plan[0].due_at,
        utc("2026-03-02T22:00:00Z"),
        "shortly after, at 23:00 local"
    );
    let rebook = super::find(&plan, "rebook");
    assert!(rebook.body.contains("1 de 3"), "{}", rebook.body);
    assert_eq!(
        rebook.local_date,
        chrono::NaiveDate::from_ymd_opt(2026, 4, 13).unwrap()
    );
    // With a booking, its reminders (placeholders filled) replace the rebook nudge.
    let mut booked = sample();
    booked.booking_at = Some(utc("2026-04-20T08:30:00Z"));
    let plan = preview(&p, &booked);
    let keys = super::keys(&plan);
    assert!(!keys.contains(&"rebook"), "{keys:?}");
    let day_before = super::find(&plan, "session_reminder_1d");
    assert!(
        day_before.body.contains("lunes 20 de abril"),
        "{}",
        day_before.body
    );
    assert!(day_before.body.contains("10:30"), "{}", day_before.body);
    assert_eq!(
        day_before.local_time,
        NaiveTime::from_hms_opt(9, 0, 0).unwrap()
    );
    assert!(plan.windows(2).all(|w| w[0].due_at < w[1].due_at));
    // The final session of a PRP course on the neck: results and maintenance, no makeup.
    let mut last = sample();
    last.session_number = 3;
    last.areas = vec![Area::Neck];
    last.combined_with = vec![CombinedWith::Prp];
    let keys_last: Vec<String> = preview(&p, &last).into_iter().map(|p| p.key).collect();
    assert!(
        keys_last.iter().any(|k| k == "results") && keys_last.iter().any(|k| k == "maintenance")
    );
    assert!(
        !keys_last
            .iter()
            .any(|k| k == "day0_makeup" || k == "rebook")
    );
    // A draft's own words show in the preview.
    let mut doc = p.document();
    let i = doc
        .prompts
        .iter()
        .position(|d| d.key == "day1_sun")
        .unwrap();
    doc.prompts[i].texts.es.body = "Nada de sol en 48 horas.".into();
    let draft = p.with_document("clinic-2", &doc).unwrap();
    let plan = preview(&draft, &sample());
    assert_eq!(
        super::find(&plan, "day1_sun").body,
        "Nada de sol en 48 horas."
    );
    assert!(
        plan.iter()
            .all(|p| p.due_at >= sample().performed_at + Duration::minutes(30))
    );
}

#[test]
fn preview_is_total_over_absurd_samples() {
    let p = Protocol::load(None).unwrap();
    for performed_at in [
        DateTime::<Utc>::MAX_UTC,
        DateTime::<Utc>::MIN_UTC,
        utc("2026-03-02T10:00:00Z"),
    ] {
        for booking_at in [
            None,
            Some(DateTime::<Utc>::MAX_UTC),
            Some(DateTime::<Utc>::MIN_UTC),
            Some(performed_at),
        ] {
            for (number, planned, weeks) in
                [(i32::MAX, i32::MIN, i32::MAX), (-1, 0, i32::MIN), (0, 0, 0)]
            {
                let s = PreviewInput {
                    performed_at,
                    booking_at,
                    session_number: number,
                    planned_sessions: planned,
                    interval_weeks: weeks,
                    ..sample()
                };
                let _ = preview(&p, &s);
            }
        }
    }
}
