//! Every text of the console, in one Fluent catalogue per language (Project Fluent, `.ftl`):
//! `api/locales/<lang>/*.ftl`, compiled into the binary. Each message id is a field of
//! [`Strings`], declared once in the `catalogue!` list below, so a template reads `t.<id>` and a
//! missing or misspelt id is a compile error. Both catalogues are checked at start-up and by the
//! `every_message_in_both_languages` test: an id missing in either language, an extra message or
//! a message that does not parse fails it.
//!
//! Messages with arguments (Fluent variables such as `{ $count }`) are read with
//! [`Strings::fmt`], which formats them per call; every id passed to `fmt` must be in the list too.
//!
//! The language is chosen per request ([`page::texts`](super::page::texts)): the staff member's
//! own choice once signed in, else the browser's `Accept-Language`, else English.
//!
//! Adding a text: add the id to the list in its area's section, then the message to
//! `api/locales/en/<area>.ftl` and `api/locales/es/<area>.ftl`.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language the console speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    /// Every language, in the order the language picker lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The BCP 47 tag (also the value stored as the staff member's locale).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's own name, for the picker.
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    /// A stored locale or a language tag (`es`, `es-MX`, `EN`); `None` for any other language.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// The first language of an `Accept-Language` header (RFC 9110 §12.5.4) that the console
    /// speaks, by quality then order; `None` when none is.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(u16, Lang)> = None;
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_tag) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(1000, |q| {
                    (q.trim().parse::<f32>().unwrap_or(0.0) * 1000.0) as u16
                });
            if q > 0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }
}

/// The `.ftl` files of one language, in load order.
fn sources(lang: Lang) -> &'static [&'static str] {
    macro_rules! ftl {
        ($lang:literal) => {
            &[
                include_str!(concat!("../../locales/", $lang, "/console.ftl")),
                include_str!(concat!("../../locales/", $lang, "/escalations.ftl")),
                include_str!(concat!("../../locales/", $lang, "/onboarding.ftl")),
                include_str!(concat!("../../locales/", $lang, "/forms.ftl")),
                include_str!(concat!("../../locales/", $lang, "/words.ftl")),
                include_str!(concat!("../../locales/", $lang, "/layout.ftl")),
            ]
        };
    }
    match lang {
        Lang::En => ftl!("en"),
        Lang::Es => ftl!("es"),
    }
}

macro_rules! catalogue {
    ($( $(#[$doc:meta])* $name:ident, )*) => {
        /// The console's texts in one language: one field per message of the catalogue.
        pub struct Strings {
            /// The language these texts are in.
            pub lang: Lang,
            bundle: FluentBundle<FluentResource>,
            $( $(#[$doc])* pub $name: &'static str, )*
        }

        /// Every message id of the catalogue, in declaration order.
        pub const IDS: &[&str] = &[$(stringify!($name)),*];

        impl Strings {
            fn build(lang: Lang, bundle: FluentBundle<FluentResource>) -> Strings {
                $( let $name = format(&bundle, stringify!($name), None); )*
                Strings { lang, bundle, $($name,)* }
            }
        }
    };
}

catalogue! {
    // Validation messages of the shared parsers (field_messages.rs).
    field_required,
    field_at_most_chars,
    field_at_least_chars,
    field_control_chars,
    field_email,
    field_too_long,
    field_phone,
    field_future,
    field_not_future,
    field_within_two_years,
    field_one_area,
    field_choose,
    field_interval_weeks,
    field_session_range,
    field_planned_range,
    field_invalid,
    field_password_common,
    field_password_distinct,
    field_password_email,
    field_start_end_differ,
    field_time_zone,
    field_time_of_day,

    app,
    skip_to_content,
    nav_roster,
    nav_enrol,
    nav_escalations,
    nav_audit,
    nav_staff,
    sign_out,
    signed_in_as,
    change_language,

    sign_in_title,
    email,
    password,
    sign_in,
    sign_in_failed,
    sign_in_locked,
    first_visit,
    invitation_title,
    invitation_intro,
    invitation_code,
    new_password,
    activate,

    roster_title,
    search,
    search_hint,
    status,
    any,
    invited,
    active,
    discharged,
    erased,
    /// Shown for the name of a patient whose personal data was erased.
    erased_name,
    only_open_escalations,
    only_low_adherence,
    sort_by,
    sort_newest,
    sort_next_session,
    sort_last_treatment,
    apply,
    patient,
    recovery,
    open_escalations,
    adherence,
    last_treatment,
    next_session,
    next_page,
    first_page,
    no_patients,
    none,

    profile,
    phone,
    timezone,
    language,
    treatments,
    record_treatment,
    timeline,
    check_ins,
    escalations,
    chart_title,
    chart_table_caption,
    day,
    redness,
    swelling,
    pain,
    expected_redness,
    severity,
    symptoms,
    when,
    kind,
    title,
    acknowledged,
    channel,
    failure_reason,
    reason,
    opened,
    open_for,
    note,
    resolve,
    resolved,
    book,
    rebook,
    cancel_booking,
    starts_at,
    times_in,
    discharge,
    discharge_title,
    discharge_warning,
    discharge_confirm,
    back_to_patient,
    nothing_yet,

    enrol_title,
    given_name,
    family_name,
    enrol,
    enrolled,
    treatment_title,
    performed_at,
    areas,
    needle_depth,
    device,
    combined_with_prp,
    session_number,
    planned_sessions,
    interval_weeks,
    contraindications,
    contraindications_hint,
    override_reason,
    notes,
    save_treatment,
    treatment_saved,
    generated_plan,
    fix_errors,
    date_time_needed,

    queue_title,
    show_open,
    show_resolved,
    no_escalations,

    audit_title,
    audit_action,
    audit_actor,
    audit_patient_id,
    audit_filter_action,

    staff_title,
    name,
    role,
    clinic_admin,
    clinician,
    invite,
    invited_note,
    resend_invitation,
    resent_note,
    deactivate,
    deactivated,
    you,

    error_title,
    not_found,
    forbidden,
    csrf_failed,
    conflict,
    bad_request,
    unavailable,
    internal,
    too_many,
    back_to_roster,

    // escalations.ftl
    esc_symptom_pus, esc_symptom_fever, esc_symptom_spreading_redness, esc_symptom_blisters,
    esc_symptom_cold_sore, esc_symptom_severe_pain, esc_no_symptoms, esc_and, esc_sev_urgent,
    esc_sev_routine, esc_sev_none, esc_rule_warning_sign, esc_rule_warning_sign_plain,
    esc_rule_redness_not_fading, esc_rule_redness_worsening, esc_rule_strong_pain,
    esc_rule_unknown, esc_score, esc_reported, esc_why, esc_call, esc_no_phone, esc_erased,
    esc_opened_at, esc_open_for, esc_alerts_in_group, esc_resolve_group, esc_note_hint,
    esc_note_empty, esc_note_too_long, esc_note_invalid, esc_more_open, esc_resolved_by,
    esc_resolved_at, esc_time_to_resolve, esc_open_badge_hidden, esc_confirmed, esc_this_patient,

    // onboarding.ftl
    invitation_for,
    invitation_emailed_to,
    email_not_set_up,
    email_failed_give_code,
    invitation_code_label,
    invitation_valid_until,
    invitation_link_label,
    print_sheet,
    code_not_held,
    already_active,
    email_new_code,
    make_new_code,
    new_code_note,
    new_code_hint,
    view_invitation,
    edit_details,
    details_title,
    details_intro,
    details_saved,
    details_unchanged,
    save_details,
    email_taken,
    erased_cannot_change,
    staff_new_code_for,
    staff_email_not_set_up,
    staff_email_failed,
    sheet_title,
    sheet_hello,
    sheet_intro,
    sheet_scan,
    sheet_open_link,
    sheet_enter_code,
    sheet_valid_until,
    sheet_qr_label,
    sheet_print_hint,
    back_to_invitation,

    // forms.ftl
    // The treatment form (`treatment_for`: $name; `course_last`: $date $session $planned $weeks;
    // `warn_*`: $session $last $planned $days $date), then the record's confirmations.
    treatment_for, course_last, course_first, course_warnings_title, course_warnings_hint,
    record_anyway, warn_session_repeated, warn_session_backwards, warn_beyond_planned,
    warn_too_soon, warn_before_last, booking_saved, booking_cancelled, booking_discharged,
    discharge_done,

    // words.ftl
    // (packed: the console's labels for stored codes, then the audit page)
    channel_fcm, channel_apns, channel_email, channel_log,
    failure_device_gone, failure_no_channel, failure_service_setup, failure_unreachable,
    failure_gave_up, failure_refused, failure_other,
    cancelled_discharged, cancelled_erased, cancelled_inactive, cancelled_missing,
    cancelled_channels_off,
    kind_aftercare, kind_check_in, kind_warning_signs, kind_session_reminder, kind_rebook,
    kind_results, kind_maintenance,
    prompt_scheduled, prompt_sending, prompt_sent, prompt_acknowledged, prompt_cancelled,
    prompt_failed,
    role_patient,
    platform_ios, platform_android,
    devices_title, device_platform, device_service, device_app_version, device_registered,
    device_state, device_live, device_off,
    lang_en, lang_es,
    area_face, area_neck, area_chest, area_hands, area_back, area_legs, area_scalp,
    device_pen, device_roller, device_stamp,
    combined_prp,
    ci_active_acne, ci_isotretinoin, ci_active_infection, ci_open_wound, ci_sunburn,
    ci_rash_or_inflammation, ci_blood_thinners_or_clotting_disorder, ci_chemo_or_radiation,
    ci_cold_sores, ci_keloid_tendency, ci_changing_moles, ci_eczema, ci_psoriasis, ci_rosacea,
    ci_poor_healing, ci_solar_keratosis, ci_pregnancy,
    audit_patient_read, audit_patient_list, audit_patient_enrol, audit_patient_discharge,
    audit_patient_export, audit_patient_erase, audit_treatment_create, audit_booking_set,
    audit_booking_cancel, audit_escalation_list, audit_escalation_resolve, audit_staff_invite,
    audit_staff_deactivate, audit_check_in_create, audit_invitation_undone,
    audit_invitation_resend, audit_patient_email_update, audit_patient_phone_update,
    audit_patient_given_name_update, audit_patient_family_name_update, audit_treatment_warned,
    audit_patient, audit_system, audit_find_patient, audit_find_hint,
    audit_find, audit_matches, audit_show_patient, audit_no_match, audit_showing, audit_everyone,
    audit_shown_patients, audit_shown_with,

    // layout.ftl
    chart_x_axis,
    chart_y_axis,
    chart_urgent,
    chart_routine,
    chart_desc_empty,
    chart_desc,
    chart_desc_band,
    chart_desc_marks,
}

/// Formats one message; its id when missing (which the catalogue test rules out).
fn format(
    bundle: &FluentBundle<FluentResource>,
    id: &str,
    args: Option<&FluentArgs>,
) -> &'static str {
    leak(format_owned(bundle, id, args))
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn format_owned(
    bundle: &FluentBundle<FluentResource>,
    id: &str,
    args: Option<&FluentArgs>,
) -> String {
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        return id.to_owned();
    };
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned()
}

impl Strings {
    /// A message with arguments, e.g. `t.fmt("open_count", &[("count", 3.into())])`.
    pub fn fmt(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut a = FluentArgs::new();
        for (k, v) in args {
            a.set(*k, v.clone());
        }
        format_owned(&self.bundle, id, Some(&a))
    }
}

/// What is wrong with one language's catalogue: unparsable entries, ids missing from it, and
/// messages it has that the list does not declare. All empty when it is complete.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CatalogueReport {
    pub parse_errors: Vec<String>,
    pub missing: Vec<String>,
    pub unknown: Vec<String>,
}

fn load(lang: Lang) -> (FluentBundle<FluentResource>, CatalogueReport) {
    let tag: LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    // HTML, not bidirectional plain text: no Unicode isolation marks around arguments.
    bundle.set_use_isolating(false);
    let mut report = CatalogueReport::default();
    let mut seen = BTreeSet::new();
    for src in sources(lang) {
        let resource = match FluentResource::try_new((*src).to_owned()) {
            Ok(r) => r,
            Err((r, errors)) => {
                report
                    .parse_errors
                    .extend(errors.iter().map(|e| format!("{}: {e}", lang.tag())));
                r
            }
        };
        for entry in resource.entries() {
            if let fluent_syntax::ast::Entry::Message(m) = entry {
                seen.insert(m.id.name.to_owned());
            }
        }
        if let Err(errors) = bundle.add_resource(resource) {
            report
                .parse_errors
                .extend(errors.iter().map(|e| format!("{}: {e:?}", lang.tag())));
        }
    }
    report.missing = IDS
        .iter()
        .filter(|id| !seen.contains(**id))
        .map(|id| (*id).to_owned())
        .collect();
    let declared: BTreeSet<&str> = IDS.iter().copied().collect();
    report.unknown = seen
        .into_iter()
        .filter(|id| !declared.contains(id.as_str()))
        .collect();
    (bundle, report)
}

/// What is wrong with `lang`'s catalogue (the catalogue test, and the log at start-up).
pub fn check(lang: Lang) -> CatalogueReport {
    load(lang).1
}

/// The console's texts in `lang`, built once.
pub fn strings(lang: Lang) -> &'static Strings {
    static EN: OnceLock<Strings> = OnceLock::new();
    static ES: OnceLock<Strings> = OnceLock::new();
    let cell = match lang {
        Lang::En => &EN,
        Lang::Es => &ES,
    };
    cell.get_or_init(|| Strings::build(lang, load(lang).0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_in_both_languages() {
        for lang in Lang::ALL {
            assert_eq!(check(lang), CatalogueReport::default(), "{}", lang.tag());
        }
        // Spanish is Spanish: a catalogue copied from English would pass the check above.
        let (en, es) = (strings(Lang::En), strings(Lang::Es));
        assert_ne!(en.sign_in_title, es.sign_in_title);
        assert_eq!(es.lang, Lang::Es);
    }

    /// Every id read with `Strings::fmt` in the console's sources is declared (and so checked
    /// in both languages above).
    #[test]
    fn every_formatted_id_is_declared() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/console");
        let mut files = vec![std::path::PathBuf::from(dir)];
        let mut used = Vec::new();
        while let Some(p) = files.pop() {
            if p.is_dir() {
                for e in std::fs::read_dir(&p).unwrap() {
                    files.push(e.unwrap().path());
                }
            } else if p.extension().is_some_and(|e| e == "rs") && !p.ends_with("strings.rs") {
                let src = std::fs::read_to_string(&p).unwrap();
                for part in src.split(".fmt(\"").skip(1) {
                    used.push(part.split('"').next().unwrap().to_owned());
                }
            }
        }
        for id in used {
            assert!(IDS.contains(&id.as_str()), "{id} is not in the catalogue");
        }
    }

    #[test]
    fn accept_language_picks_the_best_spoken_language() {
        assert_eq!(
            Lang::from_accept_language("es-ES,es;q=0.9,en;q=0.8"),
            Some(Lang::Es)
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, en;q=0.5, es;q=0.7"),
            Some(Lang::Es)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(
            Lang::from_accept_language("es;q=0, en;q=0.1"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language(""), None);
        assert_eq!(Lang::from_tag("ES-mx"), Some(Lang::Es));
    }
}
