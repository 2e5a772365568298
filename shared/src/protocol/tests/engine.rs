//! The engine's rules, one at a time, on the built-in protocol.

use chrono::Duration;
use chrono_tz::Europe::Madrid;

use super::{Req, find, keys, protocol_with, quiet, treatment, utc};
use crate::domain::{Area, CombinedWith, Device, Locale, NeedleDepth};
use crate::protocol::schedule::BookingInput;
use crate::protocol::{Kind, Protocol};

fn builtin() -> Protocol {
    Protocol::builtin().unwrap()
}

#[test]
fn a_first_face_session_gets_the_aftercare_days_and_a_rebook_nudge() {
    // 2026-06-10 10:00 in Madrid (CEST, +2).
    let plan = Req::new(Madrid, treatment("2026-06-10T08:00:00Z")).run(&builtin());
    assert_eq!(
        keys(&plan),
        [
            "day0_expected",
            "day0_makeup",
            "day1_settling",
            "day1_sun",
            "day2_gentle_products",
            "day3_dry_peeling",
            "day4_breakouts",
            "day5_check_in",
            "day7_warning_signs",
            "day14_keep_protecting",
            "rebook",
        ]
    );
    // Day 0 at 09:00 would be before the 10:00 treatment: 30 minutes after it instead, and
    // the next day-0 prompt a minute later.
    assert_eq!(
        find(&plan, "day0_expected").due_at,
        utc("2026-06-10T08:30:00Z")
    );
    assert_eq!(
        find(&plan, "day0_makeup").due_at,
        utc("2026-06-10T08:31:00Z")
    );
    let day5 = find(&plan, "day5_check_in");
    assert_eq!(day5.kind, Kind::CheckIn);
    assert_eq!(
        (
            day5.day,
            day5.local_date.to_string(),
            day5.local_time.to_string()
        ),
        (5, "2026-06-15".into(), "09:00:00".into())
    );
    assert_eq!(day5.due_at, utc("2026-06-15T07:00:00Z"));
    assert_eq!(day5.idempotency_key, "p1:t1:day5_check_in");
    // Four weeks after the treatment date, at 10:00 local.
    let rebook = find(&plan, "rebook");
    assert_eq!(
        (rebook.day, rebook.due_at),
        (28, utc("2026-07-08T08:00:00Z"))
    );
    assert!(rebook.body.contains("Session 1 of 3"), "{}", rebook.body);
}

#[test]
fn body_areas_get_no_makeup_advice_and_deep_needling_adds_the_bleeding_note() {
    let mut t = treatment("2026-06-10T08:00:00Z");
    t.areas = vec![Area::Back, Area::Legs];
    t.depth = NeedleDepth::parse(2.0).unwrap();
    let plan = Req::new(Madrid, t.clone()).run(&builtin());
    let k = keys(&plan);
    assert!(
        !k.contains(&"day0_makeup") && k.contains(&"day0_deep_needling"),
        "{k:?}"
    );
    // Exactly at the 1.5 mm boundary the note is sent; below it, not.
    t.depth = NeedleDepth::parse(1.5).unwrap();
    assert!(keys(&Req::new(Madrid, t.clone()).run(&builtin())).contains(&"day0_deep_needling"));
    t.depth = NeedleDepth::parse(1.4).unwrap();
    assert!(!keys(&Req::new(Madrid, t.clone()).run(&builtin())).contains(&"day0_deep_needling"));
    // Face among other areas still gets it.
    t.areas = vec![Area::Neck, Area::Face];
    assert!(keys(&Req::new(Madrid, t).run(&builtin())).contains(&"day0_makeup"));
}

#[test]
fn the_final_session_gets_results_and_maintenance_instead_of_a_rebook() {
    let mut t = treatment("2026-06-10T08:00:00Z");
    t.session_number = 3;
    let plan = Req::new(Madrid, t).run(&builtin());
    let k = keys(&plan);
    assert!(!k.contains(&"rebook"), "{k:?}");
    assert_eq!(find(&plan, "results").day, 30);
    let m = find(&plan, "maintenance");
    assert_eq!((m.day, m.kind), (365, Kind::Maintenance));
    assert_eq!(m.local_date.to_string(), "2027-06-10");
}

#[test]
fn a_booking_brings_reminders_and_removes_the_rebook_nudge() {
    let mut req = Req::new(Madrid, treatment("2026-06-10T08:00:00Z"));
    // Next session 2026-07-08 at 11:30 local (09:30Z).
    req.booking = Some(BookingInput {
        revision: 0,
        id: "b1".into(),
        starts_at: utc("2026-07-08T09:30:00Z"),
    });
    let plan = req.run(&builtin());
    assert!(!keys(&plan).contains(&"rebook"));
    let r7 = find(&plan, "session_reminder_7d");
    assert_eq!(r7.due_at, utc("2026-07-01T07:00:00Z"));
    assert_eq!(r7.idempotency_key, "p1:b1:session_reminder_7d");
    assert_eq!(
        (r7.booking_id.as_deref(), r7.treatment_id.as_deref()),
        (Some("b1"), None)
    );
    assert!(r7.body.contains("Wednesday 8 July at 11:30"), "{}", r7.body);
    let r1 = find(&plan, "session_reminder_1d");
    assert_eq!((r1.day, r1.due_at), (27, utc("2026-07-07T07:00:00Z")));
    // The day-before reminder climbs the delivery ladder after three hours; the week-before
    // one does not.
    assert_eq!((r1.important, r1.ack_window_secs), (true, Some(3 * 3600)));
    assert_eq!((r7.important, r7.ack_window_secs), (false, None));
    // Moved (a second revision of the same booking): its reminders get their own keys, still
    // tied to the same booking.
    let original = req.booking.replace(BookingInput {
        revision: 2,
        id: "b1".into(),
        starts_at: utc("2026-07-15T09:30:00Z"),
    });
    let plan = req.run(&builtin());
    req.booking = original;
    let m7 = find(&plan, "session_reminder_7d");
    assert_eq!(m7.idempotency_key, "p1:b1~2:session_reminder_7d");
    assert_eq!(m7.booking_id.as_deref(), Some("b1"));
    assert_eq!(m7.due_at, utc("2026-07-08T07:00:00Z"));
    // Booked for three days ahead: the week-before reminder is already past and dropped.
    req.now = utc("2026-07-05T12:00:00Z");
    let plan = req.run(&builtin());
    assert!(!keys(&plan).contains(&"session_reminder_7d"));
    assert!(keys(&plan).contains(&"session_reminder_1d"));
    // Booked for early tomorrow morning before 09:00? The day-before reminder still goes out
    // the day before; one that would land at or after the session is dropped.
    req.booking = Some(BookingInput {
        revision: 0,
        id: "b2".into(),
        starts_at: utc("2026-07-06T06:30:00Z"),
    });
    req.now = utc("2026-07-06T05:00:00Z");
    assert!(!keys(&req.run(&builtin())).contains(&"session_reminder_1d"));
}

#[test]
fn a_booking_without_a_treatment_gets_unconditional_reminders_only() {
    let mut req = Req::new(Madrid, treatment("2026-06-10T08:00:00Z"));
    req.treatment = None;
    req.booking = Some(BookingInput {
        revision: 0,
        id: "b1".into(),
        starts_at: utc("2026-07-08T09:30:00Z"),
    });
    let plan = req.run(&builtin());
    assert_eq!(keys(&plan), ["session_reminder_7d", "session_reminder_1d"]);
    assert_eq!(find(&plan, "session_reminder_7d").day, -7);
}

#[test]
fn stale_prompts_are_dropped_and_todays_passed_ones_go_out_now() {
    // Recorded two days later, at 15:20 local: day 0 and 1 are gone; day 2's 09:00 prompt
    // goes out now, marked late.
    let mut req = Req::new(Madrid, treatment("2026-06-10T08:00:00Z"));
    req.now = utc("2026-06-12T13:20:07Z");
    let plan = req.run(&builtin());
    assert_eq!(keys(&plan)[0], "day2_gentle_products");
    let first = &plan[0];
    assert!(first.late);
    assert_eq!(first.due_at, utc("2026-06-12T13:21:00Z"));
    assert!(plan[1..].iter().all(|p| !p.late && p.due_at > first.due_at));
    // The rebook nudge is still useful after the interval has ended: it goes out now.
    req.now = utc("2026-07-20T10:00:00Z");
    let plan = req.run(&builtin());
    assert_eq!(keys(&plan), ["rebook"]);
    assert!(plan[0].late && plan[0].due_at == utc("2026-07-20T10:00:00Z"));
    // Months later (a past treatment entered late) it is noise: dropped.
    req.now = utc("2026-09-20T10:00:00Z");
    assert!(req.run(&builtin()).is_empty());
}

#[test]
fn a_late_evening_session_recorded_after_midnight_keeps_its_day0_guidance() {
    // 22:45 in Madrid (20:45Z), 1.5 mm on the face: day 0 is what is normal, makeup and the
    // deep-needling note.
    let mut t = treatment("2026-06-10T20:45:00Z");
    t.depth = NeedleDepth::parse(1.5).unwrap();
    let day0 = ["day0_expected", "day0_deep_needling", "day0_makeup"];
    let mut req = Req::new(Madrid, t);
    // Recorded at 00:30 the next local day: the day-0 prompts go out now, in protocol order.
    req.now = utc("2026-06-10T22:30:00Z");
    let plan = req.run(&builtin());
    assert_eq!(&keys(&plan)[..3], day0);
    assert!(plan[..3].iter().all(|p| p.late && p.day == 0));
    assert_eq!(plan[0].due_at, utc("2026-06-10T22:30:00Z"));
    assert_eq!(plan[2].due_at, utc("2026-06-10T22:32:00Z"));
    assert_eq!(
        find(&plan, "day1_settling").due_at,
        utc("2026-06-11T07:00:00Z")
    );
    // Recorded the next morning at 09:00: still within 24 h, day 0 first, then day 1.
    req.now = utc("2026-06-11T07:00:00Z");
    let plan = req.run(&builtin());
    assert_eq!(
        &keys(&plan)[..5],
        [day0[0], day0[1], day0[2], "day1_settling", "day1_sun"]
    );
    assert!(plan[..3].iter().all(|p| p.late));
    assert_eq!(plan[3].due_at, utc("2026-06-11T07:03:00Z"));
    // Quiet hours until 09:30: the day-0 prompts wait for their end, still within the day.
    req.quiet = quiet("22:00", "09:30");
    let plan = req.run(&builtin());
    assert_eq!(&keys(&plan)[..3], day0);
    assert_eq!(plan[0].due_at, utc("2026-06-11T07:30:00Z"));
    // …but not past the first 24 hours: recorded at 22:40 the next day, quiet hours from
    // 22:00 would hold them until the morning after, when they are stale; without quiet hours
    // they go out at once.
    req.quiet = quiet("22:00", "07:00");
    req.now = utc("2026-06-11T20:40:00Z");
    assert!(!keys(&req.run(&builtin())).contains(&"day0_expected"));
    req.quiet = None;
    assert_eq!(&keys(&req.run(&builtin()))[..3], day0);
    // Recorded three days late: no day-0 prompt (nor day 1 or 2); day 3 onwards as usual.
    req.now = utc("2026-06-13T20:45:00Z");
    let plan = req.run(&builtin());
    assert!(plan.iter().all(|p| p.day >= 3), "{:?}", keys(&plan));
    // Recorded just over a day late: day 0 is stale, today's day-1 prompts are not.
    req.now = utc("2026-06-11T20:46:00Z");
    let plan = req.run(&builtin());
    assert!(plan.iter().all(|p| p.day >= 1), "{:?}", keys(&plan));
}

#[test]
fn spacing_into_quiet_hours_does_not_push_a_day0_prompt_past_its_relevance() {
    // Treated at 22:45 in Madrid (20:45Z), recorded at 21:58 the next day, quiet from 22:00:
    // the first day-0 prompt fits before the quiet hours; the ones spaced after it would be
    // held until 07:00, past the 24 hours, so they are dropped, not sent the morning after.
    let mut t = treatment("2026-06-10T20:45:00Z");
    t.depth = NeedleDepth::parse(1.5).unwrap();
    let mut req = Req::new(Madrid, t);
    req.quiet = quiet("22:00", "07:00");
    req.now = utc("2026-06-11T19:58:00Z");
    let plan = req.run(&builtin());
    let until = utc("2026-06-11T20:45:00Z");
    let day0: Vec<_> = plan.iter().filter(|p| p.day == 0).collect();
    assert!(!day0.is_empty(), "{:?}", keys(&plan));
    assert!(
        day0.iter().all(|p| p.due_at < until),
        "{:?}",
        day0.iter().map(|p| (&p.key, p.due_at)).collect::<Vec<_>>()
    );
}

#[test]
fn day0_relevance_is_the_protocols_and_checked() {
    assert_eq!(builtin().day0_relevant(), Duration::hours(24));
    let mut files = super::builtin_files();
    for (name, text) in &mut files {
        if name == "protocol.toml" {
            *text = text.replace("day0_relevant_hours = 24", "day0_relevant_hours = 0");
        }
    }
    let err = Protocol::from_files(&files).unwrap_err().to_string();
    assert!(err.contains("day0_relevant_hours must be 1–48"), "{err}");
}

#[test]
fn quiet_hours_move_prompts_to_their_end_and_urgent_ones_bypass_them() {
    let urgent = r#"
[[prompts]]
key = "late_urgent"
kind = "warning_signs"
day = 2
time = "23:30"
urgent = true
facts = ["infection_signs"]
en.title = "T"
en.body = "B"
es.title = "T"
es.body = "B"
"#;
    let protocol = protocol_with(&[urgent]);
    // Treated at 20:45 local; day 0 would go at 21:15, inside 21:00–08:00: next morning 08:00,
    // then a minute apart; the day-1 09:00 prompt stays.
    let mut req = Req::new(Madrid, treatment("2026-06-10T18:45:00Z"));
    req.quiet = quiet("21:00", "08:00");
    let plan = req.run(&protocol);
    let d0 = find(&plan, "day0_expected");
    assert_eq!((d0.day, d0.due_at), (0, utc("2026-06-11T06:00:00Z")));
    assert_eq!(d0.local_date.to_string(), "2026-06-11");
    assert_eq!(
        find(&plan, "day0_makeup").due_at,
        utc("2026-06-11T06:01:00Z")
    );
    assert_eq!(
        find(&plan, "day1_settling").due_at,
        utc("2026-06-11T07:00:00Z")
    );
    // The urgent prompt keeps 23:30.
    assert_eq!(
        find(&plan, "late_urgent").due_at,
        utc("2026-06-12T21:30:00Z")
    );
    // A daytime window (13:00–15:00) moves the 09:00 prompts? No; a 08:00–10:00 one does.
    req.quiet = quiet("08:00", "10:00");
    let plan = req.run(&protocol);
    assert_eq!(
        find(&plan, "day3_dry_peeling").local_time.to_string(),
        "10:00:00"
    );
}

#[test]
fn spanish_patients_get_spanish_text() {
    let mut req = Req::new(Madrid, treatment("2026-06-10T08:00:00Z"));
    req.locale = Locale::Es;
    req.booking = Some(BookingInput {
        revision: 0,
        id: "b1".into(),
        starts_at: utc("2026-07-08T09:30:00Z"),
    });
    let plan = req.run(&builtin());
    assert_eq!(
        find(&plan, "day5_check_in").title,
        "¿Cómo está tu piel hoy?"
    );
    let r = find(&plan, "session_reminder_1d");
    assert!(
        r.body.contains("miércoles 8 de julio a las 11:30"),
        "{}",
        r.body
    );
    assert!(
        plan.iter()
            .all(|p| p.locale == Locale::Es && !p.body.contains('{'))
    );
}

#[test]
fn device_and_prp_conditions_select_prompts() {
    let extra = r#"
[[prompts]]
key = "prp_roller"
kind = "aftercare"
day = 1
time = "18:00"
facts = ["collagen"]
when.prp = true
when.devices = ["roller", "stamp"]
when.max_depth_mm = 1.0
en.title = "T"
en.body = "B"
es.title = "T"
es.body = "B"
"#;
    let protocol = protocol_with(&[extra]);
    let mut t = treatment("2026-06-10T08:00:00Z");
    let has = |t: &crate::protocol::TreatmentInput| {
        keys(&Req::new(Madrid, t.clone()).run(&protocol)).contains(&"prp_roller")
    };
    assert!(!has(&t), "pen, no PRP");
    t.device = Device::Roller;
    assert!(!has(&t), "no PRP");
    t.combined_with = vec![CombinedWith::Prp];
    assert!(has(&t));
    t.depth = NeedleDepth::parse(1.2).unwrap();
    assert!(!has(&t), "too deep");
}

#[test]
fn keys_are_unique_and_planning_is_deterministic() {
    let mut req = Req::new(Madrid, treatment("2026-06-10T08:00:00Z"));
    req.quiet = quiet("22:00", "07:00");
    let a = req.run(&builtin());
    let b = req.run(&builtin());
    assert_eq!(a, b);
    let mut keys: Vec<_> = a.iter().map(|p| &p.idempotency_key).collect();
    keys.dedup();
    assert_eq!(keys.len(), a.len());
    // Planning an hour later changes nothing that was not already due; the two day-0 prompts
    // now due are late (sent as soon as possible).
    req.now += Duration::hours(1);
    let c = req.run(&builtin());
    assert_eq!(&a[2..], &c[2..]);
    assert!(c[0].late && c[1].late && c[1].due_at < c[2].due_at);
}
