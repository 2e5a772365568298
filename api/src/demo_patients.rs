//! The demo clinic's caseload for the console (`AFTERCARE_DEMO=on`): a dozen patients at
//! different days of recovery, check-ins including a rising-redness case, an open urgent and
//! open routine escalations, a failed delivery, prompts acknowledged in varied shares (so the
//! roster's adherence reads like a real caseload's) and a booked next session. Everything clinical
//! goes through the use cases (treatments, check-ins with their triage, bookings), so the demo
//! shows what the product would have done. Seeded once: a clinic that already has the first
//! demo patient is left alone.

use chrono::{Duration, NaiveDateTime};
use shared::Error;
use shared::care::check_ins::CheckInForm;
use shared::care::demo::{DemoAccount, DemoPatient};
use shared::care::treatments::TreatmentForm;
use shared::care::{self, StaffActor};
use shared::domain::{
    Area, Contraindication, Device, Locale, NeedleDepth, PatientId, Role, Symptom, TimeZone,
    UserStatus,
};
use shared::time::now;

use crate::state::AppState;

/// How many of every ten prompts each patient of [`CASELOAD`] acknowledged, in its order (Ana
/// and Noémie below the roster's "low adherence" line).
const ACKNOWLEDGED_OF_TEN: [u32; 12] = [7, 9, 10, 8, 6, 10, 4, 9, 5, 8, 7, 0];

/// `(given, family, email, days since treatment or None for invited)`.
const CASELOAD: &[(&str, &str, &str, Option<i64>)] = &[
    ("Lucía", "Fernández", "lucia@demo.aftercare.local", Some(6)),
    ("Zoë", "Müller", "zoe@demo.aftercare.local", Some(2)),
    ("Ólafur", "Jónsson", "olafur@demo.aftercare.local", Some(0)),
    ("Chloé", "Dubois", "chloe@demo.aftercare.local", Some(1)),
    (
        "María José",
        "Núñez",
        "mariajose@demo.aftercare.local",
        Some(3),
    ),
    (
        "Søren",
        "Kierkegaard",
        "soren@demo.aftercare.local",
        Some(4),
    ),
    ("Ana", "Łukasiewicz", "ana.l@demo.aftercare.local", Some(5)),
    ("İlkay", "Öztürk", "ilkay@demo.aftercare.local", Some(8)),
    ("Noémie", "Laurent", "noemie@demo.aftercare.local", Some(12)),
    ("Jürgen", "Weiß", "juergen@demo.aftercare.local", Some(21)),
    ("Beatriz", "Gómez", "beatriz@demo.aftercare.local", Some(40)),
    ("Hana", "Kobayashi", "hana@demo.aftercare.local", None),
];

pub async fn seed(state: &AppState, clinic_name: &str, staff_email: &str) -> anyhow::Result<()> {
    let caseload = CASELOAD
        .iter()
        .enumerate()
        .map(|(i, (given, family, email, treated))| DemoAccount {
            email: (*email).into(),
            name: format!("{given} {family}"),
            role: Role::Patient,
            status: if treated.is_some() {
                UserStatus::Active
            } else {
                UserStatus::Invited
            },
            patient: Some(DemoPatient {
                given_name: (*given).into(),
                family_name: Some((*family).into()),
                // Each demo patient a number of their own, so search and call links tell them apart.
                phone: Some(format!("+34 600 111 {:03}", 200 + i)),
                timezone: TimeZone(chrono_tz::Europe::Madrid),
                locale: Locale::Es,
            }),
        })
        .collect();
    let created =
        care::demo::seed_caseload(&state.db, clinic_name, staff_email, caseload, now()).await?;
    let Some((actor, ids)) = created else {
        return Ok(());
    };
    let ids: Vec<(PatientId, Option<i64>)> =
        ids.into_iter().zip(CASELOAD.iter().map(|c| c.3)).collect();
    let t = now();
    for (i, (id, treated)) in ids.iter().enumerate() {
        let Some(days) = treated else { continue };
        let at = t - Duration::days(*days) - Duration::hours(2);
        treat(state, &actor, id, at, i).await?;
        if i == 0 {
            // Lucía's first prompt is now the earliest due one: her push fails for good.
            fail_one_delivery(state).await?;
        }
    }
    // Lucía: redness settles, then rises again and stays high past day 5.
    let lucia = &ids[0].0;
    let lucia_at = t - Duration::days(6) - Duration::hours(2);
    for (day, redness, swelling, pain) in [(1, 6, 4, 3), (2, 4, 3, 2), (4, 6, 3, 3), (6, 7, 3, 4)] {
        check_in(state, lucia, lucia_at, day, redness, swelling, pain, vec![]).await?;
    }
    // Zoë: a warning sign on day 2, an urgent escalation still open.
    let zoe_at = t - Duration::days(2) - Duration::hours(2);
    check_in(state, &ids[1].0, zoe_at, 1, 5, 4, 3, vec![]).await?;
    check_in(state, &ids[1].0, zoe_at, 2, 7, 5, 6, vec![Symptom::Pus]).await?;
    // Expected healing for a few others, so the chart has ordinary cases too.
    for (n, days) in [(4usize, 3i64), (5, 4), (6, 5)] {
        let at = t - Duration::days(days) - Duration::hours(2);
        check_in(state, &ids[n].0, at, 1, 5, 3, 2, vec![]).await?;
        check_in(state, &ids[n].0, at, days.min(3), 3, 1, 1, vec![]).await?;
    }
    // Each patient acknowledged some of the prompts they had so far, as they would have in the
    // app. The seed backdates treatments, so those prompts are still waiting to be sent. Read
    // the clock again: a session recorded late (today's) has its day-0 prompts due from the
    // moment it was recorded, after `t`.
    let seen_by = now();
    for (i, (id, treated)) in ids.iter().enumerate() {
        if treated.is_some() {
            acknowledge_share(state, id, ACKNOWLEDGED_OF_TEN[i % 12], seen_by).await?;
        }
    }
    // Jürgen's next session of the course is booked.
    let next = t + Duration::days(7);
    care::treatments::book_next_session(&state.db, &state.protocols, &actor, &ids[9].0, next, t)
        .await?;
    // Beatriz finished her course.
    care::treatments::discharge(&state.db, &actor, &ids[10].0, t).await?;
    Ok(())
}

async fn treat(
    state: &AppState,
    actor: &StaffActor,
    id: &PatientId,
    at: NaiveDateTime,
    i: usize,
) -> Result<(), Error> {
    let depth = NeedleDepth::parse(if i % 2 == 0 { 1.0 } else { 0.5 })
        .map_err(|m| Error::Internal(anyhow::anyhow!(m)))?;
    // One patient was treated despite a screening finding, with the reason recorded.
    let (contraindications, override_reason) = if i == 7 {
        (
            vec![Contraindication::Rosacea],
            Some("Mild rosacea, stable for a year; shallow depth agreed with the patient".into()),
        )
    } else {
        (Vec::new(), None)
    };
    let form = TreatmentForm {
        performed_at: at,
        areas: vec![Area::Face],
        depth,
        device: Device::Pen,
        combined_with: Vec::new(),
        session_number: 1 + (i as i32 % 3),
        planned_sessions: 3,
        interval_weeks: 4,
        contraindications,
        override_reason,
        notes: None,
    };
    care::treatments::record(&state.db, &state.protocols, actor, id, form, at).await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn check_in(
    state: &AppState,
    id: &PatientId,
    treated_at: NaiveDateTime,
    day: i64,
    redness: i32,
    swelling: i32,
    pain: i32,
    symptoms: Vec<Symptom>,
) -> Result<(), Error> {
    let form = CheckInForm {
        redness,
        swelling,
        pain,
        peeling: day >= 3,
        symptoms,
    };
    let at = treated_at + Duration::days(day) + Duration::hours(1);
    care::check_ins::record(&state.db, &state.protocols, id, form, at).await?;
    Ok(())
}

/// Acknowledges `of_ten` of every ten of the patient's due prompts, spread evenly, each a while
/// after it was due (never after `now`).
async fn acknowledge_share(
    state: &AppState,
    id: &PatientId,
    of_ten: u32,
    now: NaiveDateTime,
) -> Result<(), Error> {
    let due = care::demo::due_prompts(&state.db, id, now).await?;
    for (j, (prompt, due_at)) in due.into_iter().enumerate() {
        let j = j as u32;
        if (j + 1) * of_ten / 10 == j * of_ten / 10 {
            continue;
        }
        let read_at = (due_at + Duration::minutes(20 + i64::from(j * 37 % 180))).min(now);
        care::prompts::acknowledge(&state.db, id, &prompt, read_at).await?;
    }
    Ok(())
}

/// Marks the earliest due prompt as a dead letter, as the worker does after its last attempt,
/// so the timeline shows a failed delivery with its reason.
async fn fail_one_delivery(state: &AppState) -> Result<(), Error> {
    let error = "APNs 410 Unregistered: the device token is no longer valid".to_owned();
    care::demo::fail_earliest_delivery(&state.db, error, now()).await
}
