//! A protocol as a clinic's document: the inverse of `apply` (`document()` of
//! `with_document(doc)` is `doc`).

use super::{
    CheckInWhenDocument, ClinicInstruction, ConditionsDocument, PromptDocument, ProtocolDocument,
    TextDocument, TextsDocument, TriageDocument, TriageRuleDocument,
};
use crate::protocol::Protocol;
use crate::protocol::content::{Conditions, CourseStage, PromptDef, Text};
use crate::protocol::triage::{CheckInConditions, Trend, TriageRule};
use crate::protocol::validate::Surface;

impl Protocol {
    /// This protocol's editable document: every prompt (in protocol order) and the triage
    /// rules' thresholds, as a clinic starts from them. Facts, guidance and the plan's check-in
    /// rules are not part of it (they stay the default's).
    pub fn document(&self) -> ProtocolDocument {
        ProtocolDocument {
            prompts: self.prompts().iter().map(prompt).collect(),
            triage: TriageDocument {
                rules: self.triage_rules().rules.iter().map(rule).collect(),
            },
        }
    }
}

fn prompt(def: &PromptDef) -> PromptDocument {
    PromptDocument {
        key: def.key.clone(),
        kind: def.kind.as_str().to_owned(),
        anchor: Surface::Document.anchor_name(def.anchor).to_owned(),
        day: def.day,
        time: def.time.format("%H:%M").to_string(),
        conditions: conditions(&def.when),
        important: def.important,
        ack_window_minutes: def.ack_window.map(|w| w.num_minutes()),
        reassuring: def.reassuring,
        texts: TextsDocument {
            en: text(&def.en),
            es: text(&def.es),
        },
        facts: def.facts.clone(),
        clinic_instruction: def
            .clinic_instruction
            .as_ref()
            .map(|clinician| ClinicInstruction {
                clinician: clinician.clone(),
            }),
    }
}

fn text(t: &Text) -> TextDocument {
    TextDocument {
        title: t.title.clone(),
        body: t.body.clone(),
    }
}

fn conditions(c: &Conditions) -> ConditionsDocument {
    ConditionsDocument {
        areas: c
            .areas
            .as_ref()
            .map(|l| l.iter().map(|a| a.as_str().to_owned()).collect()),
        min_depth_mm: c.min_depth_mm,
        max_depth_mm: c.max_depth_mm,
        devices: c
            .devices
            .as_ref()
            .map(|l| l.iter().map(|d| d.as_str().to_owned()).collect()),
        prp: c.prp,
        course: c.course.map(|s| {
            match s {
                CourseStage::Continuing => "continuing",
                CourseStage::Final => "final",
            }
            .to_owned()
        }),
    }
}

fn rule(r: &TriageRule) -> TriageRuleDocument {
    TriageRuleDocument {
        id: r.id.clone(),
        severity: r.severity.as_str().to_owned(),
        when: when(&r.when),
    }
}

fn when(c: &CheckInConditions) -> CheckInWhenDocument {
    CheckInWhenDocument {
        day_min: c.day.min,
        day_max: c.day.max,
        redness_min: c.redness.min,
        redness_max: c.redness.max,
        swelling_min: c.swelling.min,
        swelling_max: c.swelling.max,
        pain_min: c.pain.min,
        pain_max: c.pain.max,
        peeling: c.peeling,
        symptoms_any: c
            .symptoms_any
            .as_ref()
            .map(|l| l.iter().map(|s| s.as_str().to_owned()).collect()),
        redness_trend: c.redness_trend.map(|t| {
            match t {
                Trend::Rising => "rising",
                Trend::Falling => "falling",
            }
            .to_owned()
        }),
    }
}
