# The console: the clinic's own protocol (list, editor, preview, compare, publish).
nav_protocols = Protocol
proto_title = Aftercare protocol
proto_intro = Every treatment is planned with the version published when it was recorded. Edit a draft, preview it for a sample treatment, compare it, then publish it.
proto_in_use_default = Treatments recorded now use the product's default protocol.
proto_in_use_version = Treatments recorded now use { $version }.
proto_new_draft = New draft
proto_start_from = Start from
proto_the_default = The product's default
proto_an_earlier_version = An earlier version
proto_create_draft = Create the draft
proto_versions = Versions
proto_no_versions = No versions yet: your clinic uses the product's default protocol.
proto_version = Version
proto_version_n = Version { $n }
proto_based_on = Based on
proto_published = Published
proto_published_by = { $when } by { $who }
proto_last_changed = Last changed
proto_status_draft = Draft
proto_status_published = Published
proto_status_retired = Retired
proto_not_a_draft = Only a draft can be changed. Make a new draft from this version to change it.
proto_prompt_count = Prompts
proto_add_prompt = Add a prompt
proto_publish = Publish…
proto_publish_admins = A clinic administrator publishes a draft.
proto_notice_saved = Saved.
proto_notice_removed = The prompt was removed.
proto_notice_published = { $count ->
    [0] Published. Treatments recorded from now on use this version.
    [one] Published. 1 current patient was re-planned with this version.
   *[other] Published. { $count } current patients were re-planned with this version.
}
proto_history = History
proto_edit_create = Draft created { $when } by { $who }
proto_edit_update = Changed { $when } by { $who }
proto_edit_publish = Published { $when } by { $who }
proto_edit_replan = Current patients re-planned { $when } by { $who }
proto_anchor_booking = Before the booked session
proto_anchor_treatment = After the treatment
proto_anchor_course = When the course interval ends
proto_day_n = Day { $day }
proto_days_before = { $days ->
    [one] 1 day before
   *[other] { $days } days before
}
proto_days_after_course = { $days ->
    [0] The day the interval ends
    [one] 1 day after the interval
   *[other] { $days } days after the interval
}
proto_important_badge = Important
proto_some_patients = some patients only
proto_prompt_title = { $day }: { $key }
proto_new_prompt = New prompt
proto_read_only = This version is published or retired and cannot be changed.
proto_read_only_legend = Read only
proto_when = When
proto_f_anchor = Counted from
proto_f_day = Day
proto_day_hint = After the treatment 0 to 730; before a booking −30 to −1; after the course interval 0 to 60.
proto_f_time = Time
proto_time_hint = Local time as HH:MM, e.g. 09:00.
proto_english = English
proto_spanish = Spanish
proto_f_title = Title
proto_f_body = Message
proto_f_en_title = English title
proto_f_en_body = English message
proto_f_es_title = Spanish title
proto_f_es_body = Spanish message
proto_placeholders_hint = Titles up to 80 characters, messages up to 600. Booking prompts may use {"{"}session_date{"}"} and {"{"}session_time{"}"}; the others {"{"}session_number{"}"} and {"{"}planned_sessions{"}"}.
proto_for_whom = Who it is for
proto_for_whom_hint = Leave everything empty for every patient. Each condition given must hold.
proto_f_min_depth = Needle depth from (mm)
proto_f_max_depth = Needle depth up to (mm)
proto_f_devices = Devices
proto_f_prp = Combined with PRP
proto_any = Any
proto_prp_with = With PRP
proto_prp_without = Without PRP
proto_f_course = Course
proto_course_continuing = Sessions remain
proto_course_final = Last planned session
proto_delivery = Kind and delivery
proto_f_kind = Kind
proto_f_important = Important: send by text or email too when not opened in time
proto_f_ack_window = Minutes to open it before the next channel
proto_ack_hint = 5 to 1440, for important prompts only.
proto_f_reassuring = Reassuring: held back while an urgent escalation is open
proto_f_key = Key
proto_key_hint = Lower-case letters, digits and underscores; unique in the protocol.
proto_source = What it rests on
proto_source_hint = Tick the facts it rests on, or name the clinician who vouches for your clinic's own instruction.
proto_f_facts = Facts
proto_f_clinician = Clinician who vouches for it
proto_clinician_hint = 1 to 120 characters.
proto_save_prompt = Save the prompt
proto_remove_prompt = Remove…
proto_remove_title = Remove this prompt?
proto_remove_explain = The prompt is removed from this draft only. Published versions keep it.
proto_remove_confirm = Remove the prompt
proto_keep_prompt = Keep it
proto_errors_title = Nothing was saved: please correct these
proto_err_whole_number = must be a whole number
proto_err_number = must be a number such as 1.5
proto_triage_title = Triage thresholds
proto_triage_intro = A check-in that meets a rule is shown to the clinic as routine or urgent. Warning-sign rules can only be widened; the other thresholds stay within 2 of the default.
proto_t_severity = Severity
proto_t_urgent_kept = always urgent
proto_t_day_min = From day
proto_t_day_max = Up to day
proto_t_redness_min = Redness at least
proto_t_redness_max = Redness at most
proto_t_swelling_min = Swelling at least
proto_t_swelling_max = Swelling at most
proto_t_pain_min = Pain at least
proto_t_pain_max = Pain at most
proto_t_range = Allowed { $low } to { $high } (default { $default })
proto_t_symptoms = Warning signs that trigger it
proto_t_symptoms_hint = Signs may be added, not removed.
proto_save_triage = Save the thresholds
proto_preview_title = Preview
proto_preview_intro = Every prompt this version plans for a sample treatment, day by day, as the patient reads it.
proto_booking_at = Next session booked for
proto_booking_hint = Optional: shows the prompts before a booked session.
proto_preview_lang = Patient's language
proto_preview_show = Show the plan
proto_preview_plan = The plan
proto_preview_nothing = This version plans no prompt for this treatment.
proto_preview_day = { $date } · day { $day }
proto_compare_title = Compare versions
proto_compare_with_default = Compare with the default
proto_compare_before = From
proto_compare_after = To
proto_compare_show = Compare
proto_compare_heading = From { $before } to { $after }
proto_compare_same = No differences.
proto_change_added = added
proto_change_removed = removed
proto_change_changed = changed
proto_change_prompt = Prompt { $key }
proto_change_rule = Triage: { $rule }
proto_before = Before
proto_after = After
proto_publish_title = Publish { $version }
proto_publish_new_treatments = Every treatment recorded from now on is planned with this version.
proto_publish_replaces = { $version } is retired; the treatments planned with it keep it.
proto_publish_replaces_default = The product's default stops applying to new treatments; treatments planned with it keep it.
proto_publish_final = A published version cannot be changed; changes go into a new draft.
proto_replan_legend = Current patients
proto_replan_label = { $count ->
    [one] Also re-plan the 1 current patient with this version
   *[other] Also re-plan the { $count } current patients with this version
}
proto_replan_hint = Their prompts still to come are planned again; what was already sent stays. Each re-plan is recorded in the audit log.
proto_not_now = Not now
