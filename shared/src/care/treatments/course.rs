//! The course check: what a new treatment should look like after the last one (the treatment
//! form's pre-fill, [`suggest`]) and what about it deserves a second look before it is
//! recorded ([`course_warnings`]). Warnings, not rules: a repeated session or a short interval
//! can be right (a session redone, a clinician's judgement), so they ask for a confirmation and
//! never refuse.

use chrono::{Duration, NaiveDateTime};

use super::TreatmentForm;
use crate::db::treatments::Treatment;
use crate::domain::{Area, CombinedWith, Device};

/// Sessions closer than this are flagged: docs/FACTS.md, "The course": sessions 3–8 weeks apart.
pub const MIN_INTERVAL_DAYS: i64 = 21;

/// Something about a new treatment that does not follow the patient's course so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CourseWarning {
    /// The session number is the last treatment's again.
    SessionRepeated {
        session: i32,
        last_at: NaiveDateTime,
    },
    /// The session number is below the last treatment's.
    SessionBackwards { session: i32, last_session: i32 },
    /// The session number goes past the sessions the course was planned with.
    BeyondPlanned { session: i32, planned: i32 },
    /// Fewer than [`MIN_INTERVAL_DAYS`] days since the last treatment (`days` to the nearest
    /// day, so 11 days and 23 hours reads as 12).
    TooSoon { days: i64, last_at: NaiveDateTime },
    /// Dated before the last recorded treatment (recorded out of order).
    BeforeLast { last_at: NaiveDateTime },
}

impl CourseWarning {
    /// A stable code for API callers.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SessionRepeated { .. } => "session_repeated",
            Self::SessionBackwards { .. } => "session_backwards",
            Self::BeyondPlanned { .. } => "beyond_planned_sessions",
            Self::TooSoon { .. } => "interval_too_short",
            Self::BeforeLast { .. } => "before_last_treatment",
        }
    }
}

/// What `form` would change in the course whose last treatment is `last` (none: a first
/// treatment, nothing to compare). Session 1 after a completed course (the last session was
/// the planned count or past it) starts a new course and is not "backwards".
pub fn course_warnings(last: Option<&Treatment>, form: &TreatmentForm) -> Vec<CourseWarning> {
    let Some(last) = last else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    let new_course = form.session_number == 1 && last.session_number >= last.planned_sessions;
    let session = form.session_number;
    if !new_course {
        if session == last.session_number {
            warnings.push(CourseWarning::SessionRepeated {
                session,
                last_at: last.performed_at,
            });
        } else if session < last.session_number {
            warnings.push(CourseWarning::SessionBackwards {
                session,
                last_session: last.session_number,
            });
        } else if session > last.planned_sessions {
            warnings.push(CourseWarning::BeyondPlanned {
                session,
                planned: last.planned_sessions,
            });
        }
    }
    let gap = form.performed_at - last.performed_at;
    if gap < Duration::zero() {
        warnings.push(CourseWarning::BeforeLast {
            last_at: last.performed_at,
        });
    } else if gap < Duration::days(MIN_INTERVAL_DAYS) {
        let nearest = (gap.num_minutes() + 12 * 60) / (24 * 60);
        warnings.push(CourseWarning::TooSoon {
            days: nearest.min(MIN_INTERVAL_DAYS - 1),
            last_at: last.performed_at,
        });
    }
    warnings
}

/// The treatment form's starting values.
#[derive(Debug, Clone, PartialEq)]
pub struct CourseDraft {
    pub session_number: i32,
    pub planned_sessions: i32,
    pub interval_weeks: i32,
    pub needle_depth_mm: f64,
    pub areas: Vec<Area>,
    pub device: Device,
    pub combined_with: Vec<CombinedWith>,
}

/// The next treatment as the course so far suggests it: the next session of the last
/// treatment's course with its planned count, interval, depth, areas, device and combination;
/// session 1 of a like course once the last one was completed; for a first treatment, session
/// 1 of 3, four weeks apart, 1.0 mm with a pen (docs/FACTS.md: 3–6 sessions, 3–8 weeks apart),
/// areas to be ticked.
pub fn suggest(last: Option<&Treatment>) -> CourseDraft {
    let Some(last) = last else {
        return CourseDraft {
            session_number: 1,
            planned_sessions: 3,
            interval_weeks: 4,
            needle_depth_mm: 1.0,
            areas: Vec::new(),
            device: Device::Pen,
            combined_with: Vec::new(),
        };
    };
    let session_number = if last.session_number >= last.planned_sessions {
        1
    } else {
        last.session_number + 1
    };
    CourseDraft {
        session_number,
        planned_sessions: last.planned_sessions,
        interval_weeks: last.interval_weeks,
        needle_depth_mm: last.needle_depth_mm,
        areas: last.areas.0.clone(),
        device: last.device,
        combined_with: last.combined_with.0.clone(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::{ClinicId, NeedleDepth, PatientId, TreatmentId, UserId};

    fn day(d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, d)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap_or_default()
    }

    fn last(session: i32, planned: i32, at: NaiveDateTime) -> Treatment {
        Treatment {
            id: TreatmentId::new(),
            clinic_id: ClinicId::from("c".to_owned()),
            patient_id: PatientId::from("p".to_owned()),
            performed_at: at,
            areas: vec![Area::Face, Area::Neck].into(),
            needle_depth_mm: 1.5,
            device: Device::Stamp,
            combined_with: vec![CombinedWith::Prp].into(),
            session_number: session,
            planned_sessions: planned,
            interval_weeks: 6,
            contraindications: Vec::new().into(),
            override_reason: None,
            notes: None,
            protocol_version: "1".into(),
            protocol_id: None,
            recorded_by: UserId::from("u".to_owned()),
            created_at: at,
        }
    }

    fn form(session: i32, planned: i32, at: NaiveDateTime) -> TreatmentForm {
        TreatmentForm {
            performed_at: at,
            areas: vec![Area::Face],
            depth: NeedleDepth::parse(1.0).unwrap_or_else(|e| panic!("{e}")),
            device: Device::Pen,
            combined_with: Vec::new(),
            session_number: session,
            planned_sessions: planned,
            interval_weeks: 4,
            contraindications: Vec::new(),
            override_reason: None,
            notes: None,
        }
    }

    #[test]
    fn a_first_treatment_has_nothing_to_compare() {
        assert!(course_warnings(None, &form(2, 3, day(20))).is_empty());
        let draft = suggest(None);
        assert_eq!((draft.session_number, draft.planned_sessions), (1, 3));
        assert_eq!(draft.interval_weeks, 4);
    }

    #[test]
    fn the_next_session_four_weeks_on_is_quiet() {
        let l = last(1, 3, day(1));
        assert!(course_warnings(Some(&l), &form(2, 3, day(29))).is_empty());
        // Exactly three weeks is within the course.
        assert!(course_warnings(Some(&l), &form(2, 3, day(22))).is_empty());
    }

    #[test]
    fn session_2_after_session_3_twelve_days_later_warns_twice() {
        let l = last(3, 4, day(1));
        let w = course_warnings(Some(&l), &form(2, 4, day(13)));
        assert_eq!(
            w,
            vec![
                CourseWarning::SessionBackwards {
                    session: 2,
                    last_session: 3
                },
                CourseWarning::TooSoon {
                    days: 12,
                    last_at: day(1)
                },
            ]
        );
        assert_eq!(w[0].code(), "session_backwards");
        assert_eq!(w[1].code(), "interval_too_short");
    }

    #[test]
    fn a_repeated_session_warns() {
        let l = last(2, 3, day(1));
        let w = course_warnings(Some(&l), &form(2, 3, day(29)));
        assert_eq!(
            w,
            vec![CourseWarning::SessionRepeated {
                session: 2,
                last_at: day(1)
            }]
        );
    }

    #[test]
    fn going_past_the_planned_sessions_warns() {
        let l = last(3, 3, day(1));
        let w = course_warnings(Some(&l), &form(4, 4, day(29)));
        assert_eq!(
            w,
            vec![CourseWarning::BeyondPlanned {
                session: 4,
                planned: 3
            }]
        );
    }

    #[test]
    fn session_1_after_a_completed_course_starts_a_new_one() {
        let l = last(3, 3, day(1));
        assert!(course_warnings(Some(&l), &form(1, 3, day(29))).is_empty());
        // Still too soon if it is.
        let w = course_warnings(Some(&l), &form(1, 3, day(8)));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].code(), "interval_too_short");
        // Session 1 in the middle of a course is backwards.
        let mid = last(2, 3, day(1));
        assert_eq!(
            course_warnings(Some(&mid), &form(1, 3, day(29)))[0].code(),
            "session_backwards"
        );
    }

    #[test]
    fn the_short_interval_is_told_to_the_nearest_day() {
        let l = last(1, 3, day(1));
        let days = |at: NaiveDateTime| match &course_warnings(Some(&l), &form(2, 3, at))[..] {
            [CourseWarning::TooSoon { days, .. }] => *days,
            other => panic!("{other:?}"),
        };
        assert_eq!(days(day(13) - Duration::minutes(5)), 12);
        assert_eq!(days(day(13) + Duration::hours(11)), 12);
        assert_eq!(days(day(1)), 0);
        // Still under three weeks, never said as three weeks.
        assert_eq!(days(day(22) - Duration::minutes(1)), 20);
    }

    #[test]
    fn a_date_before_the_last_treatment_warns() {
        let l = last(1, 3, day(20));
        let w = course_warnings(Some(&l), &form(2, 3, day(10)));
        assert_eq!(w, vec![CourseWarning::BeforeLast { last_at: day(20) }]);
    }

    #[test]
    fn the_draft_continues_the_course() {
        let draft = suggest(Some(&last(1, 4, day(1))));
        assert_eq!(
            draft,
            CourseDraft {
                session_number: 2,
                planned_sessions: 4,
                interval_weeks: 6,
                needle_depth_mm: 1.5,
                areas: vec![Area::Face, Area::Neck],
                device: Device::Stamp,
                combined_with: vec![CombinedWith::Prp],
            }
        );
        // After the last planned session: session 1 of a like course.
        let draft = suggest(Some(&last(4, 4, day(1))));
        assert_eq!((draft.session_number, draft.planned_sessions), (1, 4));
        // The suggestion itself never warns about the session number.
        let l = last(1, 4, day(1));
        let d = suggest(Some(&l));
        let mut f = form(d.session_number, d.planned_sessions, day(29));
        f.interval_weeks = d.interval_weeks;
        assert!(course_warnings(Some(&l), &f).is_empty());
    }
}
