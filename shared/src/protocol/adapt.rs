//! The adaptive plan: how a patient's triaged check-ins change their prompts. The rules are
//! data (`[adapt]` in `triage.toml`); the schedule engine calls these helpers and then applies
//! its usual rules (nothing before the treatment, quiet hours, spacing) to the result.
//!
//! - follow-ups: a check-in of a given severity adds a prompt, sent at once or on the next
//!   local morning, one per local day (its idempotency key carries that day's first check-in id);
//! - bring forward: peeling reported before a prompt's time moves it to the next local
//!   morning after that check-in, when that is earlier;
//! - hold: while an urgent escalation is open, `reassuring` prompts are left out of the plan,
//!   so a re-plan cancels the future ones and a re-plan after resolution brings them back.

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use super::content::PromptDef;
use super::local_time::{ceil_to_minute, local_parts, resolve};
use crate::domain::Severity;

/// A triaged check-in of the patient's current treatment, as the schedule engine reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInSignal {
    /// The check-in's id; follow-up prompts' idempotency keys are derived from it.
    pub id: String,
    /// When it was recorded; "the next local morning" is read in the patient's zone.
    pub at: DateTime<Utc>,
    pub severity: Severity,
    pub peeling: bool,
}

/// When a follow-up goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpSend {
    /// As soon as the check-in is recorded.
    Now,
    /// At the prompt's `time` on the local date after the check-in.
    NextMorning,
}

/// A prompt a check-in result adds to the plan.
#[derive(Debug, Clone)]
pub struct FollowUp {
    /// The prompt (its key, kind, urgency, time for `NextMorning`, facts and texts).
    pub def: PromptDef,
    /// The check-in severity that triggers it.
    pub after: Severity,
    pub send: FollowUpSend,
}

/// Peeling reported before one of `prompts` is due brings it forward to `time` on the local
/// date after that check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BringForward {
    pub id: String,
    pub prompts: Vec<String>,
    pub time: NaiveTime,
    pub facts: Vec<String>,
}

/// While an urgent escalation is open, prompts marked `reassuring` are not planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub facts: Vec<String>,
}

/// The `[adapt]` rules of the protocol.
#[derive(Debug, Clone, Default)]
pub struct Adaptations {
    pub follow_ups: Vec<FollowUp>,
    pub bring_forward: Vec<BringForward>,
    pub hold_reassuring: Option<Hold>,
}

/// A check-in older than this no longer gets its "right away" follow-up on a re-plan.
const NOW_FOLLOW_UP_WINDOW: Duration = Duration::hours(24);

/// A follow-up to be placed by the engine.
pub(super) struct Placement<'p> {
    pub def: &'p PromptDef,
    pub check_in_id: String,
    pub intended: NaiveDateTime,
    pub due: DateTime<Utc>,
    /// Whether it is still worth sending when its time has already passed.
    pub keep_if_past: bool,
}

impl Adaptations {
    /// Whether `def` stays out of the plan now.
    pub(super) fn held(&self, def: &PromptDef, open_urgent: bool) -> bool {
        open_urgent && def.reassuring && self.hold_reassuring.is_some()
    }

    /// The earlier local time peeling gives `def` (planned at `intended`), if any.
    pub(super) fn brought_forward(
        &self,
        def: &PromptDef,
        intended: NaiveDateTime,
        tz: Tz,
        signals: &[CheckInSignal],
    ) -> Option<NaiveDateTime> {
        let planned = resolve(tz, intended);
        self.bring_forward
            .iter()
            .filter(|b| b.prompts.contains(&def.key))
            .flat_map(|b| {
                signals
                    .iter()
                    .filter(move |s| s.peeling && s.at < planned)
                    .filter_map(move |s| next_morning(tz, s.at, b.time))
            })
            .filter(|t| *t < intended)
            .min()
    }

    /// The follow-ups the check-ins call for, oldest check-in first.
    pub(super) fn follow_ups(
        &self,
        tz: Tz,
        signals: &[CheckInSignal],
        now: DateTime<Utc>,
    ) -> Vec<Placement<'_>> {
        let mut ordered: Vec<&CheckInSignal> = signals.iter().collect();
        ordered.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        let today = local_parts(tz, now).0;
        let mut out = Vec::new();
        for f in &self.follow_ups {
            // One follow-up of a kind per local day: a patient who reports the same thing
            // three times in an evening gets one answer, keyed by the day's first check-in.
            let mut days = std::collections::HashSet::new();
            for s in ordered
                .iter()
                .filter(|s| s.severity == f.after)
                .filter(|s| days.insert(local_parts(tz, s.at).0))
            {
                let placed = match f.send {
                    FollowUpSend::Now => Some((
                        s.at.with_timezone(&tz).naive_local(),
                        ceil_to_minute(s.at),
                        now - s.at < NOW_FOLLOW_UP_WINDOW,
                    )),
                    FollowUpSend::NextMorning => next_morning(tz, s.at, f.def.time)
                        .map(|t| (t, resolve(tz, t), t.date() == today)),
                };
                if let Some((intended, due, keep_if_past)) = placed {
                    out.push(Placement {
                        def: &f.def,
                        check_in_id: s.id.clone(),
                        intended,
                        due,
                        keep_if_past,
                    });
                }
            }
        }
        out
    }
}

/// `time` on the local date after `at`.
fn next_morning(tz: Tz, at: DateTime<Utc>, time: NaiveTime) -> Option<NaiveDateTime> {
    local_parts(tz, at)
        .0
        .succ_opt()
        .map(|date| date.and_time(time))
}
