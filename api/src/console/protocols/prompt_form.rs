//! One prompt as a form: its values as typed (so a refused save shows exactly what was typed),
//! read from a stored prompt or from a posted form, and turned back into a `PromptDocument`.
//! Every input is named by the prompt's JSON path inside the document (`texts.es.body`,
//! `conditions.min_depth_mm`), so the document's validation findings land beside it.

use shared::FieldError;
use shared::domain::{Area, Device, PromptKind};
use shared::protocol::document::{
    ClinicInstruction, ConditionsDocument, PromptDocument, TextDocument, TextsDocument,
};

use super::errors::{one_line_break, printable};
use crate::console::labels;
use crate::console::session::Fields;
use crate::console::strings::Strings;

/// A choice of a select or a checkbox list.
pub struct Choice {
    pub code: String,
    pub label: String,
    pub picked: bool,
}

/// A prompt's fields as text, as the form shows them.
#[derive(Debug, Clone, Default)]
pub struct PromptValues {
    pub key: String,
    pub kind: String,
    pub anchor: String,
    pub day: String,
    pub time: String,
    pub areas: Vec<String>,
    pub min_depth: String,
    pub max_depth: String,
    pub devices: Vec<String>,
    /// `""` (either), `with` or `without`.
    pub prp: String,
    /// `""` (any), `continuing` or `final`.
    pub course: String,
    pub important: bool,
    pub ack_window: String,
    pub reassuring: bool,
    pub en_title: String,
    pub en_body: String,
    pub es_title: String,
    pub es_body: String,
    pub facts: Vec<String>,
    pub clinician: String,
}

/// The anchors a prompt may count its day from.
pub const ANCHORS: [&str; 3] = ["treatment", "booking", "course"];

fn depth_text(v: Option<f64>) -> String {
    v.map(|d| format!("{d}")).unwrap_or_default()
}

impl PromptValues {
    pub fn of(p: &PromptDocument) -> Self {
        let c = &p.conditions;
        Self {
            key: p.key.clone(),
            kind: p.kind.clone(),
            anchor: p.anchor.clone(),
            day: p.day.to_string(),
            time: p.time.clone(),
            areas: c.areas.clone().unwrap_or_default(),
            min_depth: depth_text(c.min_depth_mm),
            max_depth: depth_text(c.max_depth_mm),
            devices: c.devices.clone().unwrap_or_default(),
            prp: match c.prp {
                Some(true) => "with".into(),
                Some(false) => "without".into(),
                None => String::new(),
            },
            course: c.course.clone().unwrap_or_default(),
            important: p.important,
            ack_window: p
                .ack_window_minutes
                .map(|m| m.to_string())
                .unwrap_or_default(),
            reassuring: p.reassuring,
            en_title: p.texts.en.title.clone(),
            en_body: p.texts.en.body.clone(),
            es_title: p.texts.es.title.clone(),
            es_body: p.texts.es.body.clone(),
            facts: p.facts.clone(),
            clinician: p
                .clinic_instruction
                .as_ref()
                .map(|c| c.clinician.clone())
                .unwrap_or_default(),
        }
    }

    /// A new prompt's starting values: an aftercare prompt the day after the treatment.
    pub fn new_prompt() -> Self {
        Self {
            kind: "aftercare".into(),
            anchor: "treatment".into(),
            day: "1".into(),
            time: "09:00".into(),
            ..Self::default()
        }
    }

    /// The values as posted. Line breaks become `\n`: browsers send a textarea's as `\r\n`
    /// (HTML's form submission rules), and the document allows `\n` only.
    pub fn posted(f: &Fields) -> Self {
        let text = |name: &str| one_line_break(&f.raw(name)).trim().to_owned();
        Self {
            key: text("key"),
            kind: text("kind"),
            anchor: text("anchor"),
            day: text("day"),
            time: text("time"),
            areas: f.all("conditions.areas"),
            min_depth: text("conditions.min_depth_mm"),
            max_depth: text("conditions.max_depth_mm"),
            devices: f.all("conditions.devices"),
            prp: text("conditions.prp"),
            course: text("conditions.course"),
            important: f.has("important"),
            ack_window: text("ack_window_minutes"),
            reassuring: f.has("reassuring"),
            en_title: text("texts.en.title"),
            en_body: text("texts.en.body"),
            es_title: text("texts.es.title"),
            es_body: text("texts.es.body"),
            facts: f.all("facts"),
            clinician: text("clinic_instruction.clinician"),
        }
    }

    /// The values as a page may show them: control characters other than `\n` and `\t` (a
    /// refused NUL or ESC, say) are dropped, so an echoed value never puts them in the page.
    pub fn printable(mut self) -> Self {
        for s in [
            &mut self.key,
            &mut self.kind,
            &mut self.anchor,
            &mut self.day,
            &mut self.time,
            &mut self.min_depth,
            &mut self.max_depth,
            &mut self.prp,
            &mut self.course,
            &mut self.ack_window,
            &mut self.en_title,
            &mut self.en_body,
            &mut self.es_title,
            &mut self.es_body,
            &mut self.clinician,
        ] {
            *s = printable(s);
        }
        for list in [&mut self.areas, &mut self.devices, &mut self.facts] {
            for s in list.iter_mut() {
                *s = printable(s);
            }
        }
        self
    }

    /// The prompt these values describe; the fields that are not numbers are named (the
    /// document's validation judges everything else).
    pub fn document(&self, t: &Strings) -> Result<PromptDocument, Vec<FieldError>> {
        let mut errors = Vec::new();
        let whole = t.proto_err_whole_number;
        let day = match self.day.parse::<i32>() {
            Ok(d) => d,
            Err(_) => {
                errors.push(FieldError::new("day", whole));
                0
            }
        };
        let mut depth = |name: &str, raw: &str| -> Option<f64> {
            if raw.is_empty() {
                return None;
            }
            match raw.replace(',', ".").parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    errors.push(FieldError::new(name, t.proto_err_number));
                    None
                }
            }
        };
        let min_depth_mm = depth("conditions.min_depth_mm", &self.min_depth);
        let max_depth_mm = depth("conditions.max_depth_mm", &self.max_depth);
        let ack_window_minutes = if self.important {
            match self.ack_window.parse::<i64>() {
                Ok(m) => Some(m),
                Err(_) => {
                    errors.push(FieldError::new("ack_window_minutes", whole));
                    None
                }
            }
        } else {
            None
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let list = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
        let clinician = self.clinician.trim();
        Ok(PromptDocument {
            key: self.key.clone(),
            kind: self.kind.clone(),
            anchor: self.anchor.clone(),
            day,
            time: self.time.clone(),
            conditions: ConditionsDocument {
                areas: list(&self.areas),
                min_depth_mm,
                max_depth_mm,
                devices: list(&self.devices),
                prp: match self.prp.as_str() {
                    "with" => Some(true),
                    "without" => Some(false),
                    _ => None,
                },
                course: (!self.course.is_empty()).then(|| self.course.clone()),
            },
            important: self.important,
            ack_window_minutes,
            reassuring: self.reassuring,
            texts: TextsDocument {
                en: TextDocument {
                    title: self.en_title.clone(),
                    body: self.en_body.clone(),
                },
                es: TextDocument {
                    title: self.es_title.clone(),
                    body: self.es_body.clone(),
                },
            },
            facts: self.facts.clone(),
            clinic_instruction: (!clinician.is_empty()).then(|| ClinicInstruction {
                clinician: clinician.to_owned(),
            }),
        })
    }

    pub fn kinds(&self, t: &Strings) -> Vec<Choice> {
        PromptKind::ALL
            .iter()
            .map(|k| Choice {
                code: k.as_str().into(),
                label: short_kind(t, *k).into(),
                picked: self.kind == k.as_str(),
            })
            .collect()
    }

    pub fn anchors(&self, t: &Strings) -> Vec<Choice> {
        ANCHORS
            .iter()
            .map(|a| Choice {
                code: (*a).into(),
                label: anchor_word(t, a).into(),
                picked: self.anchor == *a,
            })
            .collect()
    }

    pub fn area_choices(&self, t: &Strings) -> Vec<Choice> {
        Area::ALL
            .iter()
            .map(|a| Choice {
                code: a.as_str().into(),
                label: labels::area(t, *a).into(),
                picked: self.areas.iter().any(|x| x == a.as_str()),
            })
            .collect()
    }

    pub fn device_choices(&self, t: &Strings) -> Vec<Choice> {
        Device::ALL
            .iter()
            .map(|d| Choice {
                code: d.as_str().into(),
                label: labels::device(t, *d).into(),
                picked: self.devices.iter().any(|x| x == d.as_str()),
            })
            .collect()
    }

    pub fn prp_choices(&self, t: &Strings) -> Vec<Choice> {
        [
            ("", t.proto_any),
            ("with", t.proto_prp_with),
            ("without", t.proto_prp_without),
        ]
        .into_iter()
        .map(|(code, label)| Choice {
            code: code.into(),
            label: label.into(),
            picked: self.prp == code,
        })
        .collect()
    }

    pub fn course_choices(&self, t: &Strings) -> Vec<Choice> {
        [
            ("", t.proto_any),
            ("continuing", t.proto_course_continuing),
            ("final", t.proto_course_final),
        ]
        .into_iter()
        .map(|(code, label)| Choice {
            code: code.into(),
            label: label.into(),
            picked: self.course == code,
        })
        .collect()
    }

    /// The facts a prompt may rest on (the default protocol's, `id: text`), ticked when used;
    /// a fact the prompt names that the list lacks is kept as a choice too.
    pub fn fact_choices<'a>(
        &self,
        all: impl Iterator<Item = (&'a String, &'a str)>,
    ) -> Vec<Choice> {
        let mut out: Vec<Choice> = all
            .map(|(id, text)| Choice {
                code: id.clone(),
                label: text.to_owned(),
                picked: self.facts.contains(id),
            })
            .collect();
        for f in &self.facts {
            if !out.iter().any(|c| &c.code == f) {
                out.push(Choice {
                    code: f.clone(),
                    label: String::new(),
                    picked: true,
                });
            }
        }
        out
    }
}

/// A prompt kind in a word or two (the form's select fits a phone in either language).
fn short_kind(t: &Strings, k: PromptKind) -> &'static str {
    match k {
        PromptKind::Aftercare => t.proto_kind_aftercare,
        PromptKind::CheckIn => t.proto_kind_check_in,
        PromptKind::WarningSigns => t.proto_kind_warning_signs,
        PromptKind::SessionReminder => t.proto_kind_session_reminder,
        PromptKind::Rebook => t.proto_kind_rebook,
        PromptKind::Results => t.proto_kind_results,
        PromptKind::Maintenance => t.proto_kind_maintenance,
    }
}

/// What a prompt's day counts from, in words.
pub fn anchor_word(t: &Strings, anchor: &str) -> &'static str {
    match anchor {
        "booking" => t.proto_anchor_booking,
        "course" => t.proto_anchor_course,
        _ => t.proto_anchor_treatment,
    }
}

/// The label of each input of the prompt page, by its field path (`None`: not on the page).
pub fn label(t: &Strings, field: &str) -> Option<String> {
    let l = match field {
        "key" => t.proto_f_key,
        "kind" => t.proto_f_kind,
        "anchor" => t.proto_f_anchor,
        "day" => t.proto_f_day,
        "time" => t.proto_f_time,
        "conditions.areas" => t.areas,
        "conditions.min_depth_mm" => t.proto_f_min_depth,
        "conditions.max_depth_mm" => t.proto_f_max_depth,
        "conditions.devices" => t.proto_f_devices,
        "conditions.prp" => t.proto_f_prp,
        "conditions.course" => t.proto_f_course,
        "important" => t.proto_f_important,
        "ack_window_minutes" => t.proto_f_ack_window,
        "reassuring" => t.proto_f_reassuring,
        "texts.en.title" => t.proto_f_en_title,
        "texts.en.body" => t.proto_f_en_body,
        "texts.es.title" => t.proto_f_es_title,
        "texts.es.body" => t.proto_f_es_body,
        "facts" => t.proto_f_facts,
        "clinic_instruction" | "clinic_instruction.clinician" => t.proto_f_clinician,
        _ => return None,
    };
    Some(l.to_owned())
}
