//! The `[adapt]` tables of the protocol files (how check-ins change the plan), validated at
//! start like the prompts.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveTime;

use super::adapt::{Adaptations, BringForward, FollowUp, FollowUpSend, Hold};
use super::checkin_content::{check_code, check_facts};
use super::content::{Anchor, Fact, PromptDef, validate_prompt};
use super::format::{AdaptDoc, PromptDoc};
use crate::domain::Severity;

/// Validates one file's `[adapt]` tables into `adapt`, every problem pushed to `errs` naming
/// the rule. `keys` are the prompt keys used so far: a follow-up's key must be new (it is
/// stored as the prompt key of its rows).
pub(super) fn adaptations(
    doc: AdaptDoc,
    facts: &BTreeMap<String, Fact>,
    prompts: &[PromptDef],
    keys: &mut BTreeSet<String>,
    adapt: &mut Adaptations,
    errs: &mut Vec<String>,
) {
    for f in doc.follow_ups {
        let before = errs.len();
        let label = format!("follow-up {:?}", f.key);
        if !keys.insert(f.key.trim().to_owned()) {
            errs.push(format!("{label}: key is used twice"));
        }
        let after = Severity::parse(&f.after);
        if !matches!(after, Some(Severity::Routine | Severity::Urgent)) {
            errs.push(format!(
                "{label}: after {:?} must be routine or urgent",
                f.after
            ));
        }
        let send = match (f.send.as_str(), f.time.as_deref()) {
            ("now", None) => Some((FollowUpSend::Now, "00:00")),
            ("next_morning", Some(t)) => Some((FollowUpSend::NextMorning, t)),
            ("now", Some(_)) => {
                errs.push(format!("{label}: send = \"now\" takes no time"));
                None
            }
            ("next_morning", None) => {
                errs.push(format!("{label}: send = \"next_morning\" needs a time"));
                None
            }
            (other, _) => {
                errs.push(format!(
                    "{label}: send {other:?} must be now or next_morning"
                ));
                None
            }
        };
        let def = validate_prompt(
            "follow-up",
            PromptDoc {
                key: f.key,
                kind: f.kind,
                anchor: "treatment".into(),
                day: 0,
                time: send.map_or("00:00", |(_, t)| t).to_owned(),
                urgent: f.urgent,
                reassuring: false,
                important: f.important,
                ack_window_minutes: f.ack_window_minutes,
                facts: f.facts,
                when: Default::default(),
                note: f.note,
                en: f.en,
                es: f.es,
            },
            facts,
            errs,
        );
        if let (Some(def), Some(after), Some((send, _)), true) =
            (def, after, send, errs.len() == before)
        {
            adapt.follow_ups.push(FollowUp { def, after, send });
        }
    }
    for b in doc.bring_forward {
        let before = errs.len();
        let label = format!("bring_forward {:?}", b.id);
        check_code(&label, &b.id, errs);
        if b.on != "peeling" {
            errs.push(format!("{label}: on {:?} must be peeling", b.on));
        }
        let time = NaiveTime::parse_from_str(&b.time, "%H:%M").ok();
        if time.is_none() {
            errs.push(format!("{label}: time {:?} is not HH:MM", b.time));
        }
        if b.prompts.is_empty() {
            errs.push(format!("{label}: names no prompts"));
        }
        for key in &b.prompts {
            match prompts.iter().find(|p| p.key == *key) {
                None => errs.push(format!("{label}: prompt {key:?} does not exist")),
                Some(p) if p.anchor != Anchor::Treatment => errs.push(format!(
                    "{label}: prompt {key:?} is not anchored on the treatment"
                )),
                Some(_) => {}
            }
        }
        check_facts(&label, &b.facts, facts, errs);
        if let (Some(time), true) = (time, errs.len() == before) {
            adapt.bring_forward.push(BringForward {
                id: b.id,
                prompts: b.prompts,
                time,
                facts: b.facts,
            });
        }
    }
    if let Some(h) = doc.hold_reassuring {
        let before = errs.len();
        if adapt.hold_reassuring.is_some() {
            errs.push("adapt.hold_reassuring is given in more than one file".into());
        }
        check_facts("adapt.hold_reassuring", &h.facts, facts, errs);
        if errs.len() == before {
            adapt.hold_reassuring = Some(Hold { facts: h.facts });
        }
    }
}
