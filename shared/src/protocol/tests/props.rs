//! Properties over random zones (all of tzdb), treatment times near each zone's DST
//! transitions, quiet-hour windows, courses, bookings, recording delays and check-ins.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::{TZ_VARIANTS, Tz};
use proptest::prelude::*;

use super::{Req, protocol_with};
use crate::domain::{Area, Device, LocalTime, Locale, NeedleDepth, QuietHours, Severity};
use crate::protocol::local_time::{is_quiet, local_parts, resolve};
use crate::protocol::schedule::{BookingInput, TreatmentInput};
use crate::protocol::{CheckInSignal, Protocol};

/// Probes that make collisions and gaps likely: a prompt at 02:30 (inside most spring-forward
/// gaps), one at midnight, and an urgent one late at night.
const PROBES: &str = r#"
[[prompts]]
key = "probe_gap"
kind = "aftercare"
day = 2
time = "02:30"
facts = ["sun"]
en = { title = "T", body = "B" }
es = { title = "T", body = "B" }

[[prompts]]
key = "probe_midnight"
kind = "aftercare"
day = 1
time = "00:00"
facts = ["sun"]
en = { title = "T", body = "B" }
es = { title = "T", body = "B" }

[[prompts]]
key = "probe_urgent"
kind = "warning_signs"
day = 3
time = "23:30"
urgent = true
facts = ["infection_signs"]
en = { title = "T", body = "B" }
es = { title = "T", body = "B" }
"#;

fn offset_at(tz: Tz, d: NaiveDate) -> i32 {
    let noon = d.and_hms_opt(12, 0, 0).unwrap().and_utc();
    tz.offset_from_utc_datetime(&noon.naive_utc())
        .fix()
        .local_minus_utc()
}

/// The first date on or after `from` (within a year) whose offset differs from the day before.
fn next_transition(tz: Tz, from: NaiveDate) -> Option<NaiveDate> {
    (1..=366)
        .map(|i| from + Duration::days(i))
        .find(|d| offset_at(tz, *d) != offset_at(tz, *d - Duration::days(1)))
}

#[derive(Debug, Clone)]
struct Case {
    tz: Tz,
    performed_at: DateTime<Utc>,
    quiet: Option<QuietHours>,
    locale: Locale,
    treatment: TreatmentInput,
    booking: Option<BookingInput>,
    now: DateTime<Utc>,
    signals: Vec<CheckInSignal>,
    open_urgent: bool,
}

prop_compose! {
    fn quiet_window()(start in 0u32..1440, len in 60u32..=1320) -> QuietHours {
        // At least two waking hours a day, so spaced-out prompts always fit.
        let end = (start + len) % 1440;
        let t = |m: u32| LocalTime(NaiveTime::from_hms_opt(m / 60, m % 60, 0).unwrap());
        QuietHours::new(t(start), t(end)).unwrap()
    }
}

prop_compose! {
    fn case()(
        zone in 0..TZ_VARIANTS.len(),
        year in 2021i32..=2030,
        day_of_year in 0i64..365,
        near_transition in any::<bool>(),
        days_before in 0i64..16,
        minute in 0u32..1440,
        second in 0u32..60,
        quiet in proptest::option::of(quiet_window()),
        es in any::<bool>(),
        face in any::<bool>(),
        depth_tenths in 5u32..=25,
        planned in 1i32..=6,
        session_seed in 0i32..6,
        interval in 3i32..=8,
        booking in proptest::option::of((1i64..70, 0u32..1440)),
        record_delay in 0i64..=240,
        // Minutes after the treatment (a few before it: bad data must not break promises).
        check_ins in proptest::collection::vec((-30i64..14 * 1440, 0usize..3, any::<bool>()), 0..4),
        open_urgent in any::<bool>(),
    ) -> Case {
        let tz = TZ_VARIANTS[zone];
        let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap() + Duration::days(day_of_year);
        let date = match next_transition(tz, start).filter(|_| near_transition) {
            Some(t) => t - Duration::days(days_before),
            None => start,
        };
        let local = date.and_hms_opt(minute / 60, minute % 60, second).unwrap();
        let performed_at = resolve(tz, local) + Duration::seconds(i64::from(second));
        let treatment = TreatmentInput {
            id: "t".into(),
            performed_at,
            areas: if face { vec![Area::Face, Area::Neck] } else { vec![Area::Back] },
            depth: NeedleDepth::parse(f64::from(depth_tenths) / 10.0).unwrap(),
            device: Device::Pen,
            combined_with: vec![],
            session_number: 1 + session_seed % planned,
            planned_sessions: planned,
            interval_weeks: interval,
        };
        let booking = booking.map(|(days, m)| BookingInput {
            revision: 0,
            id: "b".into(),
            starts_at: resolve(
                tz,
                (date + Duration::days(days)).and_hms_opt(m / 60, m % 60, 0).unwrap(),
            ),
        });
        let signals: Vec<CheckInSignal> = check_ins
            .iter()
            .enumerate()
            .map(|(i, (minutes, severity, peeling))| CheckInSignal {
                id: format!("c{i}"),
                at: performed_at + Duration::minutes(*minutes) + Duration::seconds(i64::from(second)),
                severity: Severity::ALL[*severity],
                peeling: *peeling,
            })
            .collect();
        // Planned when the treatment was recorded, or at the latest check-in.
        let now = signals
            .iter()
            .map(|s| s.at)
            .fold(performed_at + Duration::minutes(record_delay), DateTime::max);
        Case {
            tz,
            performed_at,
            quiet,
            locale: if es { Locale::Es } else { Locale::En },
            treatment,
            booking,
            now,
            signals,
            open_urgent,
        }
    }
}

fn protocol() -> &'static Protocol {
    static P: std::sync::OnceLock<Protocol> = std::sync::OnceLock::new();
    P.get_or_init(|| protocol_with(&[PROBES]))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(768))]

    #[test]
    fn plans_keep_their_promises(c in case()) {
        let protocol = protocol();
        let mut req = Req::new(c.tz, c.treatment.clone());
        req.quiet = c.quiet;
        req.locale = c.locale;
        req.booking = c.booking.clone();
        req.now = c.now;
        req.signals = c.signals.clone();
        req.open_urgent = c.open_urgent;
        let plan = req.run(protocol);
        prop_assert!(!plan.is_empty());
        let earliest = c.performed_at + protocol.day0_min_delay();
        let mut previous: Option<&crate::protocol::PlannedPrompt> = None;
        let mut previous_routine: Option<&crate::protocol::PlannedPrompt> = None;
        for p in &plan {
            // The stored local date/time is exactly what the instant shows in the zone.
            prop_assert_eq!(local_parts(c.tz, p.due_at), (p.local_date, p.local_time));
            prop_assert_eq!(p.due_at.timestamp() % 60, 0);
            // The intended local date, or the next one (quiet hours ending the next morning,
            // a late-evening day-0 moved past midnight). Late prompts go out now instead.
            if !p.late {
                let drift = (p.local_date - p.intended_date).num_days();
                prop_assert!((0..=1).contains(&drift), "{} drifted {drift} days", p.key);
            } else {
                prop_assert!(p.due_at >= c.now);
            }
            if !p.urgent {
                prop_assert!(!is_quiet(c.tz, c.quiet, p.due_at), "{} in quiet hours", p.key);
            }
            prop_assert!(p.due_at >= earliest, "{} before the treatment", p.key);
            prop_assert!(p.due_at >= c.now - Duration::minutes(1));
            if let (Some(b), true) = (&c.booking, p.booking_id.is_some()) {
                prop_assert!(p.due_at < b.starts_at);
            }
            if let Some(prev) = previous {
                prop_assert!(prev.due_at < p.due_at, "{} not after {}", p.key, prev.key);
            }
            previous = Some(p);
            // Days go out in order; an urgent prompt bypasses quiet hours and may overtake
            // anything (a late day-0 prompt still relevant the next day, held by quiet hours).
            if !p.urgent {
                if let Some(prev) = previous_routine {
                    prop_assert!(prev.day <= p.day, "{} day before {}", p.key, prev.key);
                }
                previous_routine = Some(p);
            }
        }
        let mut keys: Vec<_> = plan.iter().map(|p| p.idempotency_key.clone()).collect();
        keys.sort();
        keys.dedup();
        prop_assert_eq!(keys.len(), plan.len());
        // Deterministic: the same inputs give the same plan.
        prop_assert_eq!(req.run(protocol), plan.clone());
        // Check-ins: reassurance is held while an urgent escalation is open; a recent urgent
        // check-in is confirmed within minutes, whatever the quiet hours.
        let def = |key: &str| protocol.prompts().iter().find(|d| d.key == key);
        if c.open_urgent {
            prop_assert!(plan.iter().all(|p| !def(&p.key).is_some_and(|d| d.reassuring)));
        }
        // One confirmation per local day: the day's first urgent check-in carries it.
        let mut urgent: Vec<_> = c.signals.iter().filter(|s| s.severity == Severity::Urgent).collect();
        urgent.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        let mut days = std::collections::HashSet::new();
        urgent.retain(|s| days.insert(s.at.with_timezone(&c.tz).date_naive()));
        for s in urgent {
            if c.now - s.at < Duration::hours(24) {
                let key = format!("p1:{}:urgent_check_in_received", s.id);
                let p = plan.iter().find(|p| p.idempotency_key == key);
                prop_assert!(p.is_some(), "{key} missing");
                let soonest = s.at.max(c.now).max(earliest);
                prop_assert!(p.is_some_and(|p| p.due_at - soonest < Duration::minutes(10)));
            }
        }
        let peeling = c.signals.iter().any(|s| s.peeling);
        // Without quiet hours, a later day's prompt sits at its protocol time whenever that
        // local time exists; only spacing after a collision may push it a little later.
        for p in plan.iter().filter(|p| !p.late && c.quiet.is_none() && p.day > 0) {
            // Follow-ups and prompts brought forward by peeling have their own times.
            let Some(def) = def(&p.key) else { continue };
            if peeling && protocol.adaptations().bring_forward.iter().any(|b| b.prompts.contains(&p.key)) {
                continue;
            }
            let intended = resolve(c.tz, p.intended_date.and_time(def.time));
            if local_parts(c.tz, intended) == (p.intended_date, def.time) {
                prop_assert!(p.due_at >= intended, "{} before its time", p.key);
                prop_assert!(p.due_at - intended < Duration::minutes(60), "{} moved", p.key);
            }
        }
    }

    /// A zone change (or any re-plan) after prompts were caught up: a late prompt keeps the
    /// instant it was given, but its local fields are that instant in the new zone and it
    /// stays out of the quiet hours there.
    #[test]
    fn late_prompts_follow_the_patient_to_a_new_zone(
        c in case(),
        zone in 0..TZ_VARIANTS.len(),
        after_secs in 0i64..600,
    ) {
        let protocol = protocol();
        let mut req = Req::new(c.tz, c.treatment.clone());
        req.quiet = c.quiet;
        req.now = c.now;
        req.signals = c.signals.clone();
        let first = req.run(protocol);
        req.tz = TZ_VARIANTS[zone];
        req.now = c.now + Duration::seconds(after_secs);
        for p in req.run(protocol).into_iter().filter(|p| p.late) {
            let Some(before) = first.iter().find(|f| f.idempotency_key == p.idempotency_key) else {
                continue;
            };
            if before.due_at <= req.now {
                continue;
            }
            let kept = p.keeping(before.due_at, c.quiet);
            prop_assert_eq!(local_parts(req.tz, kept.due_at), (kept.local_date, kept.local_time));
            prop_assert!(kept.due_at >= before.due_at);
            if !kept.urgent {
                prop_assert!(!is_quiet(req.tz, c.quiet, kept.due_at), "{} in quiet hours", kept.key);
            }
        }
    }
}
