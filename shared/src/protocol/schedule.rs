//! The schedule engine: a patient's current treatment, booking, preferences and triaged
//! check-ins, and the time now, in; the prompt rows of their plan out. Pure: no clock, no
//! database, no I/O.
//!
//! Rules, in the order they apply to each prompt:
//! 1. it applies to this treatment (areas, needle depth band, device, PRP, course stage), and
//!    is not a `reassuring` prompt held while an urgent escalation is open ([`super::adapt`]);
//! 2. its intended local time is its anchor's local date + `day`, at its `time`, in the
//!    patient's zone (DST gaps move forward, repeated hours take the first occurrence);
//!    reported peeling may bring it forward, and check-ins add follow-ups ([`super::adapt`]);
//! 3. nothing goes out before the treatment: treatment prompts move to shortly after it
//!    (`day0_min_delay_minutes`), other prompts that would land before it are dropped;
//! 4. a time already past: a prompt past its relevance is stale and dropped, one still relevant
//!    is sent now (marked late). Relevance follows how long the guidance stays true, not the
//!    calendar: a day-0 prompt (what is normal today, ice, bleeding after deep needling) stays
//!    relevant for the protocol's `day0_relevant_hours` (24) after the treatment, so a session
//!    at 22:45 recorded after local midnight, or the next morning, still gets it, and one
//!    recorded days late does not (it must also go out within that time, spacing and quiet hours
//!    included); any other prompt on today's local date is sent now; a rebook nudge whose date
//!    passed less than four weeks ago is sent now (still useful; older ones would only be noise
//!    when a clinic enters past treatments), and so is a "right away" follow-up of a check-in
//!    less than a day old;
//! 5. outside quiet hours, unless urgent (moved to the end of the window);
//! 6. in delivery order (due time, then intended time, then protocol order) every prompt is
//!    strictly later than the one before; collisions (e.g. two prompts moved to the end of
//!    quiet hours) are spaced a minute apart. Ordering by due time keeps an urgent prompt from
//!    queueing behind one that quiet hours pushed past it;
//! 7. a session reminder that would land at or after the session is dropped.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::Protocol;
use super::adapt::CheckInSignal;
use super::content::{Anchor, Conditions, CourseStage, PromptDef};
use super::local_time::{ceil_to_minute, leave_quiet, local_parts, resolve};
use super::render::{Vars, render};
/// The plan's rows are plain domain data, so the storage layer can reconcile them.
pub use crate::domain::PlannedPrompt;
use crate::domain::{Area, CombinedWith, Device, Locale, NeedleDepth, QuietHours};

/// The treatment a plan is for (the patient's most recent one).
#[derive(Debug, Clone)]
pub struct TreatmentInput {
    pub id: String,
    pub performed_at: DateTime<Utc>,
    pub areas: Vec<Area>,
    pub depth: NeedleDepth,
    pub device: Device,
    pub combined_with: Vec<CombinedWith>,
    pub session_number: i32,
    pub planned_sessions: i32,
    pub interval_weeks: i32,
}

impl TreatmentInput {
    fn stage(&self) -> CourseStage {
        if self.session_number < self.planned_sessions {
            CourseStage::Continuing
        } else {
            CourseStage::Final
        }
    }
}

/// The booked next session of the course.
#[derive(Debug, Clone)]
pub struct BookingInput {
    pub id: String,
    pub starts_at: DateTime<Utc>,
    /// How many times the session was moved (0 for a new booking). A moved session stays the
    /// same booking (and calendar event), but its reminders are keyed by this too, so they are
    /// planned afresh for the new time: a reminder already sent for the old time does not stand
    /// in for the one before the new time.
    pub revision: i32,
}

impl BookingInput {
    /// What the booking's reminders' idempotency keys name it by: its id, then `~revision`
    /// once it has been moved.
    pub fn owner(&self) -> String {
        if self.revision == 0 {
            self.id.clone()
        } else {
            format!("{}~{}", self.id, self.revision)
        }
    }
}

/// Everything a plan depends on. Channel choices are deliberately not an input: a patient with
/// every channel off keeps a plan (shown in the app's timeline); the worker decides delivery.
#[derive(Debug, Clone)]
pub struct PlanInput<'a> {
    pub patient_id: &'a str,
    pub tz: Tz,
    pub quiet: Option<QuietHours>,
    pub locale: Locale,
    pub treatment: Option<&'a TreatmentInput>,
    pub booking: Option<&'a BookingInput>,
    pub now: DateTime<Utc>,
    /// The triaged check-ins of `treatment` (any order; ignored without a treatment). Empty
    /// for a plan that does not adapt to check-ins.
    pub signals: &'a [CheckInSignal],
    /// An urgent escalation of this patient is open: `reassuring` prompts are held back.
    pub open_urgent: bool,
}

impl PlannedPrompt {
    /// This late prompt at the instant an earlier plan gave it (`kept`, a re-plan must not
    /// chase the clock), made valid for this plan: out of quiet hours unless urgent (rule 5),
    /// and with the local date and time `kept` shows in this plan's zone, which may have
    /// changed since.
    pub fn keeping(mut self, kept: DateTime<Utc>, quiet: Option<QuietHours>) -> Self {
        self.due_at = if self.urgent {
            kept
        } else {
            leave_quiet(self.timezone, quiet, kept)
        };
        (self.local_date, self.local_time) = local_parts(self.timezone, self.due_at);
        self
    }
}

/// How long after the interval ended a missed rebook nudge is still worth sending.
const LATE_REBOOK_DAYS: i64 = 28;

struct Candidate<'p> {
    def: &'p PromptDef,
    order: usize,
    intended: NaiveDateTime,
    due: DateTime<Utc>,
    late: bool,
    /// Rule 4's end of relevance for a day-0 prompt, checked again after spacing.
    relevant_until: Option<DateTime<Utc>>,
    treatment_id: Option<String>,
    booking_id: Option<String>,
    check_in_id: Option<String>,
}

/// What rules 3–5 need to know about the request.
struct Frame {
    tz: Tz,
    quiet: Option<QuietHours>,
    now: DateTime<Utc>,
    earliest: Option<DateTime<Utc>>,
}

impl Frame {
    /// Rules 3–5: the due instant and whether it is late; `None` when the prompt is dropped.
    fn place(
        &self,
        def: &PromptDef,
        mut due: DateTime<Utc>,
        keep_if_past: bool,
    ) -> Option<(DateTime<Utc>, bool)> {
        let mut late = false;
        if let Some(earliest) = self.earliest {
            if due < earliest {
                if def.anchor != Anchor::Treatment {
                    return None;
                }
                due = earliest;
            }
        }
        if due < self.now {
            if !keep_if_past {
                return None;
            }
            due = ceil_to_minute(self.now);
            late = true;
        }
        if !def.urgent {
            due = leave_quiet(self.tz, self.quiet, due);
        }
        Some((due, late))
    }
}

/// The plan for one patient, in delivery order.
pub fn plan(protocol: &Protocol, req: &PlanInput<'_>) -> Vec<PlannedPrompt> {
    let tz = req.tz;
    let today = local_parts(tz, req.now).0;
    let treatment_date = req.treatment.map(|t| local_parts(tz, t.performed_at).0);
    let frame = Frame {
        tz,
        quiet: req.quiet,
        now: req.now,
        earliest: req
            .treatment
            .map(|t| ceil_to_minute(t.performed_at + protocol.day0_min_delay())),
    };
    let adapt = protocol.adaptations();
    let signals = if req.treatment.is_some() {
        req.signals
    } else {
        &[]
    };

    let mut candidates = Vec::new();
    for (order, def) in protocol.prompts().iter().enumerate() {
        if adapt.held(def, req.open_urgent) {
            continue;
        }
        let (anchor_date, treatment_id, booking_id) =
            match anchor(def, req.treatment, treatment_date, req.booking, tz) {
                Some(a) => a,
                None => continue,
            };
        let Some(date) = anchor_date.checked_add_signed(Duration::days(i64::from(def.day))) else {
            continue;
        };
        let mut intended = date.and_time(def.time);
        if def.anchor == Anchor::Treatment {
            if let Some(earlier) = adapt.brought_forward(def, intended, tz, signals) {
                intended = earlier;
            }
        }
        let date = intended.date();
        let recent_rebook =
            def.anchor == Anchor::IntervalEnd && (today - date).num_days() <= LATE_REBOOK_DAYS;
        // Rule 4: a day-0 prompt is relevant for a span after the treatment, not a date.
        let relevant_until = req
            .treatment
            .filter(|_| def.anchor == Anchor::Treatment && def.day == 0)
            .map(|t| t.performed_at + protocol.day0_relevant());
        let keep_if_past = match relevant_until {
            Some(until) => req.now < until,
            None => date == today || recent_rebook,
        };
        if let Some((due, late)) = frame.place(def, resolve(tz, intended), keep_if_past) {
            if late && relevant_until.is_some_and(|until| due >= until) {
                continue;
            }
            candidates.push(Candidate {
                def,
                order,
                intended,
                due,
                late,
                relevant_until,
                treatment_id,
                booking_id,
                check_in_id: None,
            });
        }
    }
    let treatment_id = req.treatment.map(|t| t.id.clone());
    for (i, f) in adapt
        .follow_ups(tz, signals, req.now)
        .into_iter()
        .enumerate()
    {
        if let Some((due, late)) = frame.place(f.def, f.due, f.keep_if_past) {
            candidates.push(Candidate {
                def: f.def,
                order: protocol.prompts().len() + i,
                intended: f.intended,
                due,
                late,
                relevant_until: None,
                treatment_id: treatment_id.clone(),
                booking_id: None,
                check_in_id: Some(f.check_in_id),
            });
        }
    }

    candidates.sort_by_key(|c| (c.due, c.intended, c.order));
    let booking_owner = req.booking.map(BookingInput::owner);
    let mut previous: Option<DateTime<Utc>> = None;
    for c in &mut candidates {
        if let Some(prev) = previous {
            if c.due <= prev {
                c.due = prev + Duration::minutes(1);
                if !c.def.urgent {
                    c.due = leave_quiet(tz, req.quiet, c.due);
                }
            }
        }
        previous = Some(c.due);
    }

    let booking_local = req.booking.map(|b| local_parts(tz, b.starts_at));
    candidates
        .into_iter()
        .filter(|c| match (c.def.anchor, req.booking) {
            (Anchor::Booking, Some(b)) => c.due < b.starts_at,
            _ => true,
        })
        // Rule 4 again: spacing and quiet hours may have pushed a late day-0 prompt past its
        // relevance.
        .filter(|c| !(c.late && c.relevant_until.is_some_and(|until| c.due >= until)))
        .map(|c| {
            let (local_date, local_time) = local_parts(tz, c.due);
            let vars = Vars {
                session_date: booking_local.map(|(d, _)| d),
                session_time: booking_local.map(|(_, t)| t),
                session_number: req.treatment.map(|t| t.session_number),
                planned_sessions: req.treatment.map(|t| t.planned_sessions),
            };
            let text = c.def.text(req.locale);
            let day = match treatment_date {
                Some(d0) => i32::try_from((c.intended.date() - d0).num_days()).unwrap_or(i32::MAX),
                None => c.def.day,
            };
            let owner = c
                .check_in_id
                .as_deref()
                .or(c.booking_id.as_ref().and(booking_owner.as_deref()))
                .or(c.treatment_id.as_deref())
                .unwrap_or_default();
            PlannedPrompt {
                key: c.def.key.clone(),
                kind: c.def.kind,
                day,
                urgent: c.def.urgent,
                important: c.def.important,
                ack_window_secs: c
                    .def
                    .ack_window
                    .and_then(|w| i32::try_from(w.num_seconds()).ok()),
                idempotency_key: format!("{}:{}:{}", req.patient_id, owner, c.def.key),
                treatment_id: c.treatment_id,
                booking_id: c.booking_id,
                title: render(&text.title, req.locale, &vars),
                body: render(&text.body, req.locale, &vars),
                locale: req.locale,
                timezone: tz,
                intended_date: c.intended.date(),
                local_date,
                local_time,
                due_at: c.due,
                late: c.late,
            }
        })
        .collect()
}

/// The local date a prompt counts from, and the rows it belongs to; `None` when the prompt
/// does not apply to this patient now.
fn anchor(
    def: &PromptDef,
    treatment: Option<&TreatmentInput>,
    treatment_date: Option<NaiveDate>,
    booking: Option<&BookingInput>,
    tz: Tz,
) -> Option<(NaiveDate, Option<String>, Option<String>)> {
    match def.anchor {
        Anchor::Treatment => {
            let t = treatment?;
            let d0 = treatment_date?;
            applies(&def.when, t).then(|| (d0, Some(t.id.clone()), None))
        }
        Anchor::IntervalEnd => {
            let t = treatment?;
            if booking.is_some() || !applies(&def.when, t) {
                return None;
            }
            let end =
                treatment_date?.checked_add_signed(Duration::weeks(i64::from(t.interval_weeks)))?;
            Some((end, Some(t.id.clone()), None))
        }
        Anchor::Booking => {
            let b = booking?;
            let ok = match treatment {
                Some(t) => applies(&def.when, t),
                // Without a treatment only unconditional reminders make sense.
                None => def.when == Conditions::default(),
            };
            ok.then(|| (local_parts(tz, b.starts_at).0, None, Some(b.id.clone())))
        }
    }
}

/// Whether every condition of a prompt holds for this treatment.
pub fn applies(when: &Conditions, t: &TreatmentInput) -> bool {
    let areas = when
        .areas
        .as_ref()
        .is_none_or(|list| t.areas.iter().any(|a| list.contains(a)));
    let depth = when.min_depth_mm.is_none_or(|lo| t.depth.mm() >= lo)
        && when.max_depth_mm.is_none_or(|hi| t.depth.mm() <= hi);
    let device = when
        .devices
        .as_ref()
        .is_none_or(|list| list.contains(&t.device));
    let prp = when
        .prp
        .is_none_or(|want| t.combined_with.contains(&CombinedWith::Prp) == want);
    let course = when.course.is_none_or(|stage| stage == t.stage());
    areas && depth && device && prp && course
}
