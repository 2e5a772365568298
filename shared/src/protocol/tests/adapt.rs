//! The plan adapting to check-ins, on the built-in protocol: a follow-up the next local
//! morning after a routine check-in, an immediate confirmation after an urgent one,
//! reassurance held while an urgent escalation is open, and peeling bringing the moisturiser
//! advice forward. Madrid is CEST (+2) in June.

use chrono::Duration;
use chrono_tz::Europe::Madrid;

use super::{Req, find, keys, quiet, treatment, utc};
use crate::domain::Severity;
use crate::protocol::{CheckInSignal, Kind, PlannedPrompt, Protocol};

fn builtin() -> Protocol {
    Protocol::builtin().unwrap()
}

fn signal(id: &str, at: &str, severity: Severity, peeling: bool) -> CheckInSignal {
    CheckInSignal {
        id: id.into(),
        at: utc(at),
        severity,
        peeling,
    }
}

/// Treated 2026-06-10 at 10:00 in Madrid; planned at `now` with these check-ins.
fn req(now: &str, signals: Vec<CheckInSignal>) -> Req {
    let mut r = Req::new(Madrid, treatment("2026-06-10T08:00:00Z"));
    r.now = utc(now);
    r.signals = signals;
    r
}

fn with_key<'a>(plan: &'a [PlannedPrompt], key: &str) -> Vec<&'a PlannedPrompt> {
    plan.iter().filter(|p| p.key == key).collect()
}

const FOLLOW_UP: &str = "check_in_follow_up";
const CONFIRMATION: &str = "urgent_check_in_received";

#[test]
fn a_routine_check_in_asks_again_the_next_local_morning() {
    // Day 5 at 18:00 local.
    let plan = req(
        "2026-06-15T16:00:00Z",
        vec![signal(
            "ci1",
            "2026-06-15T16:00:00Z",
            Severity::Routine,
            false,
        )],
    )
    .run(&builtin());
    let f = find(&plan, FOLLOW_UP);
    assert_eq!(f.kind, Kind::CheckIn);
    assert_eq!((f.day, f.due_at), (6, utc("2026-06-16T08:00:00Z")));
    assert_eq!(f.local_time.to_string(), "10:00:00");
    assert_eq!(f.idempotency_key, "p1:ci1:check_in_follow_up");
    assert_eq!(f.treatment_id.as_deref(), Some("t1"));
    assert!(!f.urgent && !f.late);
    assert_eq!(f.title, "How is your skin today?");
    assert!(with_key(&plan, CONFIRMATION).is_empty());

    // 00:30 local on day 6 is still 22:30Z on day 5: the next local morning is day 7's.
    let plan = req(
        "2026-06-15T22:30:00Z",
        vec![signal(
            "ci2",
            "2026-06-15T22:30:00Z",
            Severity::Routine,
            false,
        )],
    )
    .run(&builtin());
    assert_eq!(find(&plan, FOLLOW_UP).due_at, utc("2026-06-17T08:00:00Z"));

    // One per routine check-in; none for `none` ones.
    let plan = req(
        "2026-06-16T16:00:00Z",
        vec![
            signal("ci1", "2026-06-15T16:00:00Z", Severity::Routine, false),
            signal("ci2", "2026-06-16T15:00:00Z", Severity::None, false),
            signal("ci3", "2026-06-16T16:00:00Z", Severity::Routine, false),
        ],
    )
    .run(&builtin());
    let follow_ups: Vec<_> = with_key(&plan, FOLLOW_UP)
        .iter()
        .map(|p| (p.idempotency_key.as_str(), p.due_at))
        .collect();
    // ci1's morning (day 6, 10:00) passed earlier today: like any prompt of today it goes
    // out now if it has not been (a stored row already sent is left as it is).
    assert_eq!(
        follow_ups,
        [
            ("p1:ci1:check_in_follow_up", utc("2026-06-16T16:00:00Z")),
            ("p1:ci3:check_in_follow_up", utc("2026-06-17T08:00:00Z")),
        ]
    );
    // A day later it is stale and no longer planned.
    let mut r = req("2026-06-17T12:00:00Z", vec![]);
    r.signals = vec![signal(
        "ci1",
        "2026-06-15T16:00:00Z",
        Severity::Routine,
        false,
    )];
    assert!(with_key(&r.run(&builtin()), FOLLOW_UP).is_empty());
}

#[test]
fn follow_ups_keep_quiet_hours_and_the_wall_clock_across_dst() {
    // Madrid springs forward on Sunday 2026-03-29. Treated Friday 2026-03-20 10:00 CET; a
    // routine check-in on Saturday 2026-03-28 at 20:00 CET (day 8).
    let mut r = Req::new(Madrid, treatment("2026-03-20T09:00:00Z"));
    r.now = utc("2026-03-28T19:00:00Z");
    r.signals = vec![signal(
        "ci",
        "2026-03-28T19:00:00Z",
        Severity::Routine,
        false,
    )];
    let f = find(&r.run(&builtin()), FOLLOW_UP).clone();
    // 10:00 CEST (+2), not 10:00 CET.
    assert_eq!((f.day, f.due_at), (9, utc("2026-03-29T08:00:00Z")));
    assert_eq!(f.local_time.to_string(), "10:00:00");
    // Quiet until 10:30: it waits for the end of the window, on the new offset.
    r.quiet = quiet("22:00", "10:30");
    let f = find(&r.run(&builtin()), FOLLOW_UP).clone();
    assert_eq!(f.due_at, utc("2026-03-29T08:30:00Z"));
    assert_eq!(f.local_time.to_string(), "10:30:00");

    // Falling back on Sunday 2026-10-25: 10:00 CET (+1).
    let mut r = Req::new(Madrid, treatment("2026-10-16T08:00:00Z"));
    r.now = utc("2026-10-24T18:00:00Z");
    r.signals = vec![signal(
        "ci",
        "2026-10-24T18:00:00Z",
        Severity::Routine,
        false,
    )];
    let f = find(&r.run(&builtin()), FOLLOW_UP).clone();
    assert_eq!((f.day, f.due_at), (9, utc("2026-10-25T09:00:00Z")));

    // A summer check-in late in the evening, quiet 22:00–11:00: the next day at 11:00.
    let mut r = req(
        "2026-06-18T21:00:00Z",
        vec![signal(
            "ci",
            "2026-06-18T21:00:00Z",
            Severity::Routine,
            false,
        )],
    );
    r.quiet = quiet("22:00", "11:00");
    let f = find(&r.run(&builtin()), FOLLOW_UP).clone();
    assert_eq!(f.due_at, utc("2026-06-19T09:00:00Z"));
}

#[test]
fn an_urgent_check_in_is_confirmed_right_away_even_in_quiet_hours() {
    // Day 2 at 23:10:30 local, inside quiet hours.
    let at = "2026-06-12T21:10:30Z";
    let mut r = req(at, vec![signal("ci9", at, Severity::Urgent, false)]);
    r.quiet = quiet("21:00", "08:00");
    r.open_urgent = true;
    let plan = r.run(&builtin());
    let c = find(&plan, CONFIRMATION);
    assert_eq!(
        (c.kind, c.urgent, c.late),
        (Kind::WarningSigns, true, false)
    );
    assert_eq!((c.day, c.due_at), (2, utc("2026-06-12T21:11:00Z")));
    assert_eq!(c.idempotency_key, "p1:ci9:urgent_check_in_received");
    assert_eq!(c.title, "Your clinic has been told");
    assert!(with_key(&plan, FOLLOW_UP).is_empty());

    // It does not queue behind a prompt that quiet hours pushed past it: day 2 at 10:00
    // local, quiet 08:00–16:00, the day's 09:00 prompt waits until 16:00.
    let at = "2026-06-12T08:00:00Z";
    let mut r = req(at, vec![signal("ci9", at, Severity::Urgent, false)]);
    r.quiet = quiet("08:00", "16:00");
    r.open_urgent = true;
    let plan = r.run(&builtin());
    assert_eq!(plan[0].key, CONFIRMATION);
    assert_eq!(plan[0].due_at, utc(at));
    assert_eq!(
        find(&plan, "day2_gentle_products").due_at,
        utc("2026-06-12T14:00:00Z")
    );

    // A re-plan a few minutes later (not yet sent) sends it now; a day later it is gone.
    r.now = utc(at) + Duration::seconds(150);
    let c = find(&r.run(&builtin()), CONFIRMATION).clone();
    assert!(c.late && c.due_at == utc("2026-06-12T08:03:00Z"));
    r.now = utc(at) + Duration::hours(25);
    assert!(with_key(&r.run(&builtin()), CONFIRMATION).is_empty());
}

#[test]
fn reassuring_prompts_are_held_while_an_urgent_escalation_is_open() {
    let p = builtin();
    let reassuring: Vec<&str> = p
        .prompts()
        .iter()
        .filter(|d| d.reassuring)
        .map(|d| d.key.as_str())
        .collect();
    assert_eq!(
        reassuring,
        [
            "day0_expected",
            "day0_deep_needling",
            "day1_settling",
            "day3_dry_peeling",
            "day4_breakouts"
        ]
    );
    // Day 2 at 12:00 local, an urgent escalation open.
    let mut r = req("2026-06-12T10:00:00Z", vec![]);
    let open = {
        r.open_urgent = true;
        r.run(&p)
    };
    let resolved = {
        r.open_urgent = false;
        r.run(&p)
    };
    assert_eq!(
        keys(&open),
        [
            "day2_gentle_products",
            "day5_check_in",
            "day7_warning_signs",
            "day14_keep_protecting",
            "rebook"
        ]
    );
    // Once resolved, the future ones come back, with the keys and times they had.
    let back: Vec<&PlannedPrompt> = resolved
        .iter()
        .filter(|x| !open.iter().any(|o| o.key == x.key))
        .collect();
    let back_keys: Vec<&str> = back.iter().map(|x| x.key.as_str()).collect();
    assert_eq!(back_keys, ["day3_dry_peeling", "day4_breakouts"]);
    assert_eq!(back[0].idempotency_key, "p1:t1:day3_dry_peeling");
    assert_eq!(back[0].due_at, utc("2026-06-13T07:00:00Z"));
    // Everything else is untouched by the hold.
    let kept: Vec<_> = resolved.iter().filter(|x| !back.contains(x)).collect();
    assert_eq!(kept, open.iter().collect::<Vec<_>>());
}

#[test]
fn peeling_brings_the_moisturiser_advice_forward() {
    let key = "day3_dry_peeling";
    let due_with = |signals: Vec<CheckInSignal>| {
        let now = signals.last().map_or(utc("2026-06-10T08:00:00Z"), |s| s.at);
        let mut r = req("2026-06-10T08:00:00Z", signals);
        r.now = now;
        let plan = r.run(&builtin());
        let p = find(&plan, key);
        assert_eq!(p.idempotency_key, "p1:t1:day3_dry_peeling");
        (p.day, p.due_at)
    };
    let planned = (3, utc("2026-06-13T07:00:00Z"));
    assert_eq!(due_with(vec![]), planned);
    // Peeling on day 1 at 18:00: day 2 at 10:00 local.
    let day1 = signal("a", "2026-06-11T16:00:00Z", Severity::None, true);
    assert_eq!(due_with(vec![day1]), (2, utc("2026-06-12T08:00:00Z")));
    // Peeling on the evening of day 0 and again early on day 1: the earliest counts (day 1
    // at 10:00).
    let day0 = signal("b", "2026-06-10T18:00:00Z", Severity::None, true);
    let day1_early = signal("b2", "2026-06-11T06:00:00Z", Severity::None, true);
    assert_eq!(
        due_with(vec![day0, day1_early]),
        (1, utc("2026-06-11T08:00:00Z"))
    );
    // Not earlier than planned (day 2's evening → day 3 10:00): unchanged.
    let day2 = signal("c", "2026-06-12T16:00:00Z", Severity::None, true);
    assert_eq!(due_with(vec![day2]), planned);
    // No peeling, or peeling reported after the prompt's time: unchanged.
    let dry = signal("d", "2026-06-11T16:00:00Z", Severity::None, false);
    assert_eq!(due_with(vec![dry]), planned);
    let late = signal("e", "2026-06-13T07:30:00Z", Severity::None, true);
    let mut r = req("2026-06-12T12:00:00Z", vec![late]);
    assert_eq!(find(&r.run(&builtin()), key).due_at, planned.1);
    // A routine check-in with peeling: both the follow-up and the advice the next morning,
    // a minute apart. With an urgent escalation open, the reassuring advice is held anyway.
    r.signals = vec![signal("f", "2026-06-11T16:00:00Z", Severity::Routine, true)];
    r.now = utc("2026-06-11T16:00:00Z");
    let plan = r.run(&builtin());
    assert_eq!(find(&plan, FOLLOW_UP).due_at, utc("2026-06-12T08:01:00Z"));
    assert_eq!(find(&plan, key).due_at, utc("2026-06-12T08:00:00Z"));
    r.open_urgent = true;
    assert!(with_key(&r.run(&builtin()), key).is_empty());
}

#[test]
fn adaptive_plans_are_idempotent() {
    let signals = vec![
        signal("ci1", "2026-06-11T16:00:00Z", Severity::None, true),
        signal("ci2", "2026-06-12T09:00:00Z", Severity::Routine, false),
        signal("ci3", "2026-06-12T10:00:00Z", Severity::Urgent, false),
    ];
    let mut r = req("2026-06-12T10:00:00Z", signals.clone());
    r.open_urgent = true;
    r.quiet = quiet("22:00", "07:00");
    let a = r.run(&builtin());
    let b = r.run(&builtin());
    assert_eq!(a, b);
    // The order the check-ins come in does not matter.
    r.signals.reverse();
    assert_eq!(r.run(&builtin()), a);
    let mut ids: Vec<_> = a.iter().map(|p| p.idempotency_key.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), a.len());
    for key in [
        "p1:ci2:check_in_follow_up",
        "p1:ci3:urgent_check_in_received",
    ] {
        assert!(ids.contains(&key), "{key}: {ids:?}");
    }
    // Without a treatment, check-ins change nothing.
    r.treatment = None;
    assert!(r.run(&builtin()).is_empty());
}
