//! Clinic-facing labels for the clinical codes (symptoms, triage rules, severities): never a raw
//! code on a page. Each match is exhaustive, so a new code is a compile error until it has its
//! label (and its message in both languages of `api/locales/*/escalations.ftl`).

use shared::domain::{Severity, Symptom, TriageReason};

use super::strings::Strings;

/// What the patient ticked, as the clinic says it.
pub fn symptom(t: &Strings, s: Symptom) -> &'static str {
    match s {
        Symptom::Pus => t.esc_symptom_pus,
        Symptom::Fever => t.esc_symptom_fever,
        Symptom::SpreadingRedness => t.esc_symptom_spreading_redness,
        Symptom::Blisters => t.esc_symptom_blisters,
        Symptom::ColdSore => t.esc_symptom_cold_sore,
        Symptom::SeverePain => t.esc_symptom_severe_pain,
    }
}

/// The symptoms as a sentence part: "Pus or oozing, Fever"; a clear "none ticked" when empty.
pub fn symptoms(t: &Strings, list: &[Symptom]) -> String {
    if list.is_empty() {
        return t.esc_no_symptoms.to_owned();
    }
    list.iter()
        .map(|s| symptom(t, *s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A severity label: "Urgent", "Routine", "As expected".
pub fn severity(t: &Strings, s: Severity) -> &'static str {
    match s {
        Severity::Urgent => t.esc_sev_urgent,
        Severity::Routine => t.esc_sev_routine,
        Severity::None => t.esc_sev_none,
    }
}

/// The rule that fired, in clinic language, naming the warning signs reported for
/// `warning_sign` ("Warning sign reported: pus or oozing and fever — call the patient today").
/// `None` (a reason this version does not know) still reads as something to review.
pub fn rule(t: &Strings, rule: Option<TriageReason>, reported: &[Symptom]) -> String {
    let Some(rule) = rule else {
        return t.esc_rule_unknown.to_owned();
    };
    match rule {
        TriageReason::WarningSign if reported.is_empty() => {
            t.esc_rule_warning_sign_plain.to_owned()
        }
        TriageReason::WarningSign => {
            let signs: Vec<String> = reported
                .iter()
                .map(|s| symptom(t, *s).to_lowercase())
                .collect();
            let signs = match signs.split_last() {
                Some((last, rest)) if !rest.is_empty() => {
                    format!("{} {} {last}", rest.join(", "), t.esc_and)
                }
                _ => signs.join(""),
            };
            t.fmt("esc_rule_warning_sign", &[("signs", signs.into())])
        }
        TriageReason::RednessNotFading => t.esc_rule_redness_not_fading.to_owned(),
        TriageReason::RednessWorsening => t.esc_rule_redness_worsening.to_owned(),
        TriageReason::StrongPain => t.esc_rule_strong_pain.to_owned(),
    }
}

/// One score in words: "Redness 8/10".
pub fn score(t: &Strings, name: &str, score: i32) -> String {
    t.fmt(
        "esc_score",
        &[("name", name.to_owned().into()), ("score", score.into())],
    )
}

/// The three scores: "Redness 8/10 · Swelling 2/10 · Pain 3/10".
pub fn scores(t: &Strings, redness: i32, swelling: i32, pain: i32) -> String {
    [
        score(t, t.redness, redness),
        score(t, t.swelling, swelling),
        score(t, t.pain, pain),
    ]
    .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::strings::{Lang, strings};

    #[test]
    fn every_code_has_a_label_in_both_languages() {
        for lang in Lang::ALL {
            let t = strings(lang);
            for s in Symptom::ALL {
                let label = symptom(t, *s);
                assert!(!label.is_empty() && !label.contains('_'), "{s}: {label}");
            }
            for r in TriageReason::ALL {
                let label = rule(t, Some(*r), &[Symptom::Pus]);
                assert!(!label.contains('_') && !label.contains('{'), "{r}: {label}");
            }
            for s in Severity::ALL {
                assert!(!severity(t, *s).is_empty());
            }
        }
    }

    #[test]
    fn the_warning_sign_names_what_was_reported() {
        let t = strings(Lang::En);
        assert_eq!(
            rule(
                t,
                Some(TriageReason::WarningSign),
                &[Symptom::Pus, Symptom::SpreadingRedness]
            ),
            "Warning sign reported: pus or oozing and spreading redness — call the patient today"
        );
        assert_eq!(
            scores(t, 8, 2, 3),
            "Redness 8/10 · Swelling 2/10 · Pain 3/10"
        );
        let es = strings(Lang::Es);
        assert_eq!(score(es, es.redness, 8), format!("{} 8/10", es.redness));
    }
}
