//! The prompts no clinic can take from a patient (issue 29: "warning-sign rules cannot be
//! removed or weakened"): the warning signs (when to call the clinic) and the check-in that
//! routine triage needs (the day-5 redness check fires only on a check-in).
//!
//! Each must be kept as one prompt that reaches every treatment by construction: anchored on
//! the treatment within its days, with no conditions at all, important (so a patient who has
//! not opened it is reached by the next channel) and not reassuring (reassuring prompts are
//! held back while an urgent check-in is open, exactly when these matter). Several narrowed
//! prompts are never counted together: their depth bands, areas or devices can leave a gap
//! (a band ending at 1.0 mm and another starting at 1.05 mm miss a 1.02 mm treatment). Other
//! prompts of the same kind may carry any conditions.

use std::ops::RangeInclusive;

use super::{ConditionsDocument, FieldError, PromptDocument};
use crate::protocol::content::{Anchor, Kind};
use crate::protocol::validate::Surface;

/// The last treatment day the warning signs may be told on and still count (the default
/// tells them on day 7; infection shows in the first days, docs/FACTS.md).
pub const WARNING_SIGNS_BY_DAY: i32 = 14;

/// The treatment days the kept check-in may fall on (the default asks on day 5; the
/// redness-not-fading rule looks at days 3–7, `shared/protocol/v1/triage.toml`).
pub const CHECK_IN_DAYS: RangeInclusive<i32> = 3..=7;

/// A prompt every patient keeps, whatever the clinic changes.
struct Kept {
    kind: Kind,
    days: RangeInclusive<i32>,
    /// What it does for the patient, for the messages.
    why: &'static str,
}

const KEPT: [Kept; 2] = [
    Kept {
        kind: Kind::WarningSigns,
        days: 0..=WARNING_SIGNS_BY_DAY,
        why: "tells every patient when to call the clinic",
    },
    Kept {
        kind: Kind::CheckIn,
        days: CHECK_IN_DAYS,
        why: "asks every patient how their skin is healing, so the clinic sees early what is \
              not",
    },
];

/// Pushes an error for each kept prompt the document lacks: on `prompts` when no prompt of
/// the kind is on the treatment within its days, else on the fields (`prompts[i].conditions`,
/// `.important`, `.reassuring`) of the one closest to qualifying (the first of equals).
pub(super) fn check(prompts: &[PromptDocument], errors: &mut Vec<FieldError>) {
    for kept in &KEPT {
        let candidates: Vec<(usize, Vec<(&str, String)>)> = prompts
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.kind == kept.kind.as_str()
                    && Surface::Document.anchor(&p.anchor) == Some(Anchor::Treatment)
                    && kept.days.contains(&p.day)
            })
            .map(|(i, p)| (i, kept.failures(p)))
            .collect();
        if candidates.iter().any(|(_, failures)| failures.is_empty()) {
            continue;
        }
        match candidates.into_iter().min_by_key(|(_, f)| f.len()) {
            None => errors.push(FieldError::new("prompts", kept.missing())),
            Some((i, failures)) => {
                for (field, message) in failures {
                    errors.push(FieldError::new(format!("prompts[{i}].{field}"), message));
                }
            }
        }
    }
}

impl Kept {
    fn code(&self) -> &'static str {
        self.kind.as_str()
    }

    fn missing(&self) -> String {
        format!(
            "must keep a {} prompt on the treatment, day {}–{}, that every patient gets (no \
             conditions, important, not reassuring): it {}",
            self.code(),
            self.days.start(),
            self.days.end(),
            self.why
        )
    }

    /// What keeps `p` (of the kind, on the treatment within the days) from being the prompt
    /// every patient gets, by field. An important prompt's acknowledgement window is the
    /// prompt validator's to check.
    fn failures(&self, p: &PromptDocument) -> Vec<(&'static str, String)> {
        let code = self.code();
        let mut out = Vec::new();
        if p.conditions != ConditionsDocument::default() {
            out.push((
                "conditions",
                format!(
                    "must be left empty on this {code} prompt: it is the one every patient \
                     gets and {}, so with conditions some patients would get none. For words \
                     meant for some patients only, add another {code} prompt with conditions",
                    self.why
                ),
            ));
        }
        if !p.important {
            out.push((
                "important",
                format!(
                    "must stay on (with an acknowledgement window) for this {code} prompt: it \
                     is the one every patient gets and {}, so a patient who has not opened it \
                     in time is reached another way",
                    self.why
                ),
            ));
        }
        if p.reassuring {
            out.push((
                "reassuring",
                format!(
                    "must be off for this {code} prompt: it is the one every patient gets and \
                     {}, and reassuring prompts are held back while an urgent check-in is open",
                    self.why
                ),
            ));
        }
        out
    }
}
