//! Table tests: "day N at 09:00 local" in zones with unusual offsets, across a DST transition
//! day in each (Kolkata has none: its row shows the offset does not move).

use chrono_tz::Tz;

use super::{Req, find, quiet, treatment, utc};
use crate::protocol::Protocol;

/// (zone, treatment instant, [(prompt key, expected due instant)]).
type Row = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const ROWS: &[Row] = &[
    // Madrid: CET +1 → CEST +2 on Sunday 2026-03-29. Treated Friday 10:00 CET.
    (
        "Europe/Madrid",
        "2026-03-27T09:00:00Z",
        &[
            ("day0_expected", "2026-03-27T09:30:00Z"),
            ("day1_settling", "2026-03-28T08:00:00Z"),
            ("day2_gentle_products", "2026-03-29T07:00:00Z"),
            ("day3_dry_peeling", "2026-03-30T07:00:00Z"),
        ],
    ),
    // Madrid: CEST → CET on Sunday 2026-10-25. Treated Friday 10:00 CEST.
    (
        "Europe/Madrid",
        "2026-10-23T08:00:00Z",
        &[
            ("day1_settling", "2026-10-24T07:00:00Z"),
            ("day2_gentle_products", "2026-10-25T08:00:00Z"),
        ],
    ),
    // New York: EST −5 → EDT −4 on 2026-03-08.
    (
        "America/New_York",
        "2026-03-06T15:00:00Z",
        &[
            ("day1_settling", "2026-03-07T14:00:00Z"),
            ("day2_gentle_products", "2026-03-08T13:00:00Z"),
        ],
    ),
    // New York: EDT → EST on 2026-11-01.
    (
        "America/New_York",
        "2026-10-30T14:00:00Z",
        &[
            ("day1_settling", "2026-10-31T13:00:00Z"),
            ("day2_gentle_products", "2026-11-01T14:00:00Z"),
        ],
    ),
    // Lord Howe: +10:30 → +11 (a 30-minute shift) on 2026-10-04.
    (
        "Australia/Lord_Howe",
        "2026-10-01T23:30:00Z",
        &[
            ("day1_settling", "2026-10-02T22:30:00Z"),
            ("day2_gentle_products", "2026-10-03T22:00:00Z"),
        ],
    ),
    // Lord Howe: +11 → +10:30 on 2026-04-05.
    (
        "Australia/Lord_Howe",
        "2026-04-02T23:00:00Z",
        &[
            ("day1_settling", "2026-04-03T22:00:00Z"),
            ("day2_gentle_products", "2026-04-04T22:30:00Z"),
        ],
    ),
    // Kolkata: +5:30 all year, including Madrid's transition weekend.
    (
        "Asia/Kolkata",
        "2026-03-27T04:30:00Z",
        &[
            ("day1_settling", "2026-03-28T03:30:00Z"),
            ("day2_gentle_products", "2026-03-29T03:30:00Z"),
            ("day7_warning_signs", "2026-04-03T03:30:00Z"),
        ],
    ),
    // Chatham: +12:45 → +13:45 on 2026-09-27.
    (
        "Pacific/Chatham",
        "2026-09-24T21:15:00Z",
        &[
            ("day1_settling", "2026-09-25T20:15:00Z"),
            ("day2_gentle_products", "2026-09-26T19:15:00Z"),
        ],
    ),
    // Chatham: +13:45 → +12:45 on 2026-04-05.
    (
        "Pacific/Chatham",
        "2026-04-02T20:15:00Z",
        &[
            ("day1_settling", "2026-04-03T19:15:00Z"),
            ("day2_gentle_products", "2026-04-04T20:15:00Z"),
        ],
    ),
];

#[test]
fn nine_oclock_local_across_dst_transitions() {
    let protocol = Protocol::builtin().unwrap();
    for (zone, performed, expected) in ROWS {
        let tz: Tz = zone.parse().unwrap();
        let plan = Req::new(tz, treatment(performed)).run(&protocol);
        for (key, due) in *expected {
            let p = find(&plan, key);
            assert_eq!(p.due_at, utc(due), "{zone} {performed} {key}");
            if *key != "day0_expected" {
                assert_eq!(p.local_time.to_string(), "09:00:00", "{zone} {key}");
            }
        }
    }
}

#[test]
fn quiet_hours_ending_on_the_transition_morning() {
    // New York, treated Saturday 2026-03-07 at 20:50 EST; day 0 (21:20) is inside 21:00–08:00
    // and moves to 08:00 on Sunday, which is already EDT (−4): 12:00Z.
    let mut req = Req::new(
        chrono_tz::America::New_York,
        treatment("2026-03-08T01:50:00Z"),
    );
    req.quiet = quiet("21:00", "08:00");
    let plan = req.run(&Protocol::builtin().unwrap());
    let d0 = find(&plan, "day0_expected");
    assert_eq!(d0.due_at, utc("2026-03-08T12:00:00Z"));
    assert_eq!(
        (d0.day, d0.local_date.to_string()),
        (0, "2026-03-08".to_owned())
    );
    // Lord Howe, quiet hours ending at 02:15, inside the 02:00–02:30 gap on 2026-10-04:
    // the window ends at the first instant after the gap (02:30, +11 = 15:30Z the day before).
    let mut req = Req::new(
        chrono_tz::Australia::Lord_Howe,
        treatment("2026-10-01T23:30:00Z"),
    );
    req.quiet = quiet("00:00", "02:15");
    let t = crate::protocol::local_time::leave_quiet(
        req.tz,
        req.quiet,
        utc("2026-10-03T13:45:00Z"), // 00:15 local, 2026-10-04
    );
    assert_eq!(t, utc("2026-10-03T15:30:00Z"));
    let _ = req.run(&Protocol::builtin().unwrap());
}
