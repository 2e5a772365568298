//! Wall-clock time in the patient's zone: turning "day N at 09:00 local" into an instant, and
//! moving instants out of quiet hours. Pure functions over chrono-tz; no clock, no database.
//!
//! Rules (the product's, not chrono's defaults):
//! - a local time that does not exist (the hour skipped when clocks go forward) becomes the first
//!   valid instant after the gap (02:30 on a 02:00→03:00 day is 03:00);
//! - a local time that happens twice (clocks go back) is the first of the two;
//! - an instant inside quiet hours moves to the next end of the quiet window.

use chrono::{
    DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;

use crate::domain::QuietHours;

/// Longest run of local times that do not exist. Real gaps are an hour or less, except a
/// zone skipping a whole calendar day (Pacific/Apia, 2011-12-30).
const MAX_GAP_MINUTES: i64 = 48 * 60;

/// The instant a local wall-clock time denotes in `tz`.
pub fn resolve(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, second) => first.min(second).with_timezone(&Utc),
        LocalResult::None => after_gap(tz, local),
    }
}

/// The first valid instant after a nonexistent local time: the local minutes are walked
/// forward until one exists (gaps are whole minutes in every modern zone).
fn after_gap(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let start = truncate_to_minute(local);
    for m in 1..=MAX_GAP_MINUTES {
        let candidate = start + Duration::minutes(m);
        match tz.from_local_datetime(&candidate) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(a, b) => return a.min(b).with_timezone(&Utc),
            LocalResult::None => continue,
        }
    }
    // Unreachable with tzdb data: read the time with the offset the zone has at that UTC
    // reading, which is still an instant near the gap.
    let offset = tz.offset_from_utc_datetime(&local).fix();
    (local - Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc()
}

/// The local date and time (to the minute) an instant shows in `tz`.
pub fn local_parts(tz: Tz, t: DateTime<Utc>) -> (NaiveDate, NaiveTime) {
    let local = t.with_timezone(&tz).naive_local();
    (local.date(), truncate_to_minute(local).time())
}

/// Whether `t` falls inside the quiet window, read on the patient's wall clock.
pub fn is_quiet(tz: Tz, quiet: Option<QuietHours>, t: DateTime<Utc>) -> bool {
    quiet.is_some_and(|q| q.contains(t.with_timezone(&tz).time()))
}

/// Moves `t` to the end of the quiet window it falls in (unchanged when outside one). The end
/// is on the same local date, or the next one when the window wraps midnight and `t` is in its
/// evening part. The result is never earlier than `t`.
pub fn leave_quiet(tz: Tz, quiet: Option<QuietHours>, t: DateTime<Utc>) -> DateTime<Utc> {
    let Some(q) = quiet else { return t };
    let mut current = t;
    // A window end that falls in a DST gap resolves past the gap, which can land in the next
    // window when the awake window is tiny; a few rounds always settle.
    for _ in 0..8 {
        let local = current.with_timezone(&tz).naive_local();
        if !q.contains(local.time()) {
            return current;
        }
        let wraps = q.start.0 > q.end.0;
        let end_date = if wraps && local.time() >= q.start.0 {
            local.date().succ_opt().unwrap_or(local.date())
        } else {
            local.date()
        };
        let end = resolve_not_before(tz, end_date.and_time(q.end.0), current);
        if end <= current {
            return current;
        }
        current = end;
    }
    current
}

/// Like [`resolve`], but when the local time happens twice, the first occurrence that is not
/// before `floor` (leaving quiet hours during a repeated hour must not go back in time).
fn resolve_not_before(tz: Tz, local: NaiveDateTime, floor: DateTime<Utc>) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Ambiguous(a, b) => {
            let (first, second) = (a.min(b).with_timezone(&Utc), a.max(b).with_timezone(&Utc));
            if first > floor { first } else { second }
        }
        _ => resolve(tz, local),
    }
}

/// Rounds up to a whole minute: prompt times are shown as HH:MM and must map back exactly.
pub fn ceil_to_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    let floor = t
        - Duration::nanoseconds(i64::from(t.timestamp_subsec_nanos()))
        - Duration::seconds(t.timestamp().rem_euclid(60));
    if floor == t {
        t
    } else {
        floor + Duration::minutes(1)
    }
}

fn truncate_to_minute(t: NaiveDateTime) -> NaiveDateTime {
    use chrono::Timelike;
    t.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LocalTime;

    fn at(tz: Tz, s: &str) -> NaiveDateTime {
        let _ = tz;
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn quiet(s: &str, e: &str) -> Option<QuietHours> {
        Some(QuietHours::new(LocalTime::parse(s).unwrap(), LocalTime::parse(e).unwrap()).unwrap())
    }

    #[test]
    fn gaps_move_to_the_first_valid_instant_and_overlaps_take_the_first() {
        use chrono_tz::{America, Australia, Europe, Pacific};
        let cases = [
            // Madrid: 02:00 → 03:00 CEST (+2) on 2026-03-29.
            (Europe::Madrid, "2026-03-29 02:30", "2026-03-29T01:00:00Z"),
            // Madrid: 03:00 → 02:00 on 2026-10-25; 02:30 first as CEST.
            (Europe::Madrid, "2026-10-25 02:30", "2026-10-25T00:30:00Z"),
            (
                America::New_York,
                "2026-03-08 02:30",
                "2026-03-08T07:00:00Z",
            ),
            (
                America::New_York,
                "2026-11-01 01:30",
                "2026-11-01T05:30:00Z",
            ),
            // Lord Howe: 02:00 → 02:30 (+11) on 2026-10-04.
            (
                Australia::Lord_Howe,
                "2026-10-04 02:15",
                "2026-10-03T15:30:00Z",
            ),
            // Lord Howe: 02:00 → 01:30 on 2026-04-05; 01:45 first as +11.
            (
                Australia::Lord_Howe,
                "2026-04-05 01:45",
                "2026-04-04T14:45:00Z",
            ),
            // Chatham: 02:45 → 03:45 (+13:45) on 2026-09-27.
            (Pacific::Chatham, "2026-09-27 03:00", "2026-09-26T14:00:00Z"),
            // Chatham: 03:45 → 02:45 on 2026-04-05; 03:00 first as +13:45.
            (Pacific::Chatham, "2026-04-05 03:00", "2026-04-04T13:15:00Z"),
        ];
        for (tz, local, expected) in cases {
            assert_eq!(resolve(tz, at(tz, local)), utc(expected), "{tz} {local}");
        }
    }

    #[test]
    fn quiet_hours_move_to_their_end() {
        let tz = chrono_tz::Europe::Madrid;
        let q = quiet("21:00", "08:00");
        // 22:00 local on 2026-06-01 (CEST) → 08:00 the next morning.
        assert_eq!(
            leave_quiet(tz, q, utc("2026-06-01T20:00:00Z")),
            utc("2026-06-02T06:00:00Z")
        );
        // 06:30 local → 08:00 the same morning.
        assert_eq!(
            leave_quiet(tz, q, utc("2026-06-02T04:30:00Z")),
            utc("2026-06-02T06:00:00Z")
        );
        // Outside: unchanged. No quiet hours: unchanged.
        let noon = utc("2026-06-02T10:00:00Z");
        assert_eq!(leave_quiet(tz, q, noon), noon);
        assert_eq!(
            leave_quiet(tz, None, utc("2026-06-01T20:00:00Z")),
            utc("2026-06-01T20:00:00Z")
        );
        // A window ending inside the spring-forward gap ends at the first instant after it.
        let q = quiet("00:00", "02:30");
        assert_eq!(
            leave_quiet(tz, q, utc("2026-03-28T23:30:00Z")),
            utc("2026-03-29T01:00:00Z")
        );
    }

    #[test]
    fn leaving_quiet_hours_in_a_repeated_hour_never_goes_back() {
        let tz = chrono_tz::America::New_York;
        let q = quiet("01:00", "01:30");
        // 01:15 EST (the second 01:15) on 2026-11-01 is 06:15Z; the first 01:30 (05:30Z) is in
        // the past, so it leaves at the second 01:30 (06:30Z).
        assert_eq!(
            leave_quiet(tz, q, utc("2026-11-01T06:15:00Z")),
            utc("2026-11-01T06:30:00Z")
        );
    }

    #[test]
    fn rounding_up_to_minutes() {
        assert_eq!(
            ceil_to_minute(utc("2026-01-01T10:00:00Z")),
            utc("2026-01-01T10:00:00Z")
        );
        assert_eq!(
            ceil_to_minute(utc("2026-01-01T10:00:01Z")),
            utc("2026-01-01T10:01:00Z")
        );
        assert_eq!(
            ceil_to_minute(utc("2026-01-01T10:00:00.5Z")),
            utc("2026-01-01T10:01:00Z")
        );
    }
}
