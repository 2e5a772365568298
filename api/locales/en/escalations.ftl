# The clinic console (en): escalations.
# Symptoms a patient can tick (docs/FACTS.md "Warning signs").
esc_symptom_pus = Pus or oozing
esc_symptom_fever = Fever
esc_symptom_spreading_redness = Spreading redness
esc_symptom_blisters = Blisters
esc_symptom_cold_sore = Cold sore
esc_symptom_severe_pain = Severe pain
esc_no_symptoms = No warning signs ticked
esc_and = and
# Severities of a check-in and of an alert.
esc_sev_urgent = Urgent
esc_sev_routine = Routine
esc_sev_none = As expected
# The triage rule that fired, in clinic language (docs/FACTS.md).
esc_rule_warning_sign = Warning sign reported: { $signs } — call the patient today
esc_rule_warning_sign_plain = Warning sign reported (possible infection) — call the patient today
esc_rule_redness_not_fading = Redness not fading by day 5 (6/10 or more) — contact the patient today or tomorrow
esc_rule_redness_worsening = Redness rising again after the first days — contact the patient today or tomorrow
esc_rule_strong_pain = Strong pain (7/10 or more), more than expected — contact the patient today or tomorrow
esc_rule_unknown = Outside the expected healing timeline — review the check-in
esc_score = { $name } { $score }/10
# The queue.
esc_reported = Reported
esc_why = Why
esc_call = Call { $phone }
esc_no_phone = No phone on file
esc_erased = Erased patient
esc_opened_at = Opened { $at }
esc_open_for = open { $time }
esc_alerts_in_group = { $count } alerts from this patient today
esc_resolve_group = { $count ->
    [one] Resolve
   *[other] Resolve all { $count }
}
esc_note_hint = What you did: called, booked a visit, advice given.
esc_note_empty = Write what you did before resolving (for example: called, booked a visit).
esc_note_too_long = The note is too long: at most 2,000 characters.
esc_note_invalid = The note holds characters that cannot be saved.
esc_more_open = Showing { $shown } open alerts, every urgent one first, then those waiting longest; more are open.
esc_resolved_by = Resolved by
esc_resolved_at = Resolved at
esc_time_to_resolve = Time to resolve
esc_open_badge_hidden = open
esc_confirmed = { $count ->
    [one] Resolved the alert for { $name } ({ $severity }, opened { $ago } ago). Note saved.
   *[other] Resolved { $count } alerts for { $name } ({ $severity }, the first opened { $ago } ago). Note saved.
}
esc_this_patient = this patient
esc_resolved_on_record = Alert resolved; your note is saved with it.
