//! Every text of the patient web app, in one Fluent catalogue per language
//! (`api/locales/<lang>/app.ftl`), compiled into the binary. Each message id is a field of
//! [`Texts`], declared once in the list below, so a template reads `t.<id>` and a misspelt id
//! is a compile error; the `both_languages_are_complete` test fails on an id missing in either
//! language, an extra message or one that does not parse. Messages with arguments
//! (`{ $day }`) are read with [`Texts::fmt`]. The language type is the console's
//! ([`Lang`]): the app speaks the same two.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use shared::domain::Locale;
use shared::push::{Visible, neutral_text};
use unic_langid::LanguageIdentifier;

pub use crate::console::strings::Lang;

macro_rules! catalogue {
    ($( $name:ident, )*) => {
        /// The app's texts in one language: one field per message of the catalogue.
        pub struct Texts {
            pub lang: Lang,
            bundle: FluentBundle<FluentResource>,
            $( pub $name: String, )*
        }

        /// Every message id, in declaration order.
        pub const IDS: &[&str] = &[$(stringify!($name)),*];

        impl Texts {
            fn build(lang: Lang, bundle: FluentBundle<FluentResource>) -> Texts {
                let args = common_args(lang);
                $( let $name = format(&bundle, stringify!($name), Some(&args)); )*
                Texts { lang, bundle, $($name,)* }
            }
        }
    };
}

catalogue! {
    app_name,
    skip_to_content,
    call_clinic,
    main_nav,
    nav_today,
    nav_timeline,
    nav_check_in,
    nav_next_session,
    nav_settings,
    sign_out,
    sign_in_title,
    sign_in_intro,
    email,
    password,
    sign_in,
    sign_in_failed,
    sign_in_locked,
    sign_in_staff,
    open_console,
    email_code_instead,
    first_visit_hint,
    code_title,
    code_intro,
    email_or_phone,
    email_or_phone_hint,
    send_code,
    code_missing,
    code_sent,
    code_redeem_title,
    code_redeem_intro,
    code_label,
    code_hint,
    code_wrong,
    send_new_code,
    use_password,
    invitation_title,
    invitation_intro,
    new_password,
    password_hint,
    activate,
    invitation_bad_title,
    invitation_bad,
    invitation_staff,
    signed_out_title,
    signed_out_body,
    sign_in_again,
    today_title,
    hello,
    today_nothing,
    got_it,
    seen,
    check_in_prompt,
    check_in_start,
    see_timeline,
    next_on,
    timeline_title,
    timeline_empty,
    status_new,
    status_seen,
    status_coming,
    status_cancelled,
    day_label,
    back_to_timeline,
    prompt_not_yet,
    check_in_title,
    check_in_intro,
    redness,
    swelling,
    pain,
    scale_low,
    scale_high,
    peeling,
    yes,
    no,
    symptoms_legend,
    symptoms_hint,
    symptom_pus,
    symptom_fever,
    symptom_spreading_redness,
    symptom_blisters,
    symptom_cold_sore,
    symptom_severe_pain,
    send_check_in,
    check_in_missing,
    check_in_no_treatment,
    result_title,
    result_urgent,
    result_urgent_call,
    result_routine,
    result_none,
    back_today,
    next_title,
    next_none,
    add_to_calendar,
    settings_title,
    settings_preferences,
    settings_devices,
    settings_notifications,
    settings_account,
    settings_texts,
    notifications_title,
    notifications_intro,
    notifications_lock_screen,
    notifications_preview_link,
    notifications_asked,
    notifications_turn_on,
    notifications_turn_off,
    notifications_on,
    notifications_off,
    notifications_working,
    notifications_dismissed,
    notifications_denied,
    notifications_unsupported,
    notifications_failed,
    notifications_unavailable,
    notifications_no_script,
    prefs_title,
    quiet_hours,
    quiet_hours_hint,
    quiet_start,
    quiet_end,
    quiet_off,
    channels,
    channel_push,
    channel_email,
    channel_sms,
    preview_legend,
    preview_private,
    preview_full,
    language,
    time_zone,
    time_zone_hint,
    save,
    saved,
    fix_below,
    texts_title,
    texts_intro,
    texts_phone,
    texts_no_phone,
    texts_phone_fix,
    texts_wording_title,
    texts_wording,
    texts_version,
    texts_on,
    texts_off,
    texts_off_since,
    texts_stopped,
    texts_start_hint,
    texts_turn_on,
    texts_turn_off,
    texts_turned_on,
    texts_turned_off,
    texts_need_phone,
    sent_by,
    via_push,
    via_sms,
    via_email,
    devices_title,
    devices_intro,
    devices_none,
    device_web,
    device_ios,
    device_android,
    device_added,
    remove,
    account_title,
    export_title,
    export_body,
    export_button,
    erase_title,
    erase_body,
    erase_button,
    erase_confirm_title,
    erase_confirm_body,
    erase_confirm_button,
    cancel,
    erased_title,
    erased_body,
    offline_title,
    offline_body,
    error_title,
    not_found,
    csrf_failed,
    bad_request,
    forbidden,
    too_many,
    unavailable,
    internal,
    conflict,
    // Before a booked session (screening.rs).
    screening_title, screening_intro, screening_legend, screening_hint, sq_cold_sores, sq_sunburn,
    sq_active_infection, sq_open_wound, sq_rash_or_inflammation, sq_active_acne, sq_isotretinoin,
    sq_blood_thinners, sq_pregnancy, screening_none, screening_notes, screening_notes_hint,
    screening_send, screening_missing, screening_both, screening_no_session, screening_not_yet,
    screening_closed, screening_answered, screening_sent_title, screening_flagged,
    screening_flagged_call, screening_flagged_no_phone, screening_clear, screening_you_said,
    screening_your_note, screening_change, screening_card_title, screening_card_body,
    screening_start, screening_notes_bad, screening_too_many,
}

fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::En => include_str!("../../locales/en/app.ftl"),
        Lang::Es => include_str!("../../locales/es/app.ftl"),
    }
}

/// The lock screen's neutral notification as the push sender writes it
/// (`shared::push::neutral_text`, docs/CONTRACT.md "Push payloads"), in `lang`.
pub fn neutral(lang: Lang) -> Visible {
    neutral_text(match lang {
        Lang::En => Locale::En,
        Lang::Es => Locale::Es,
    })
}

/// Arguments every message may use: `{ $neutral_body }`, the exact body of a private
/// notification, so the app never describes a lock screen differently from what it shows.
fn common_args(lang: Lang) -> FluentArgs<'static> {
    let mut a = FluentArgs::new();
    a.set("neutral_body", neutral(lang).body);
    a
}

fn format(bundle: &FluentBundle<FluentResource>, id: &str, args: Option<&FluentArgs>) -> String {
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        return id.to_owned();
    };
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned()
}

impl Texts {
    /// A message with arguments, e.g. `t.fmt("day_label", &[("day", 3.into())])`.
    pub fn fmt(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut a = common_args(self.lang);
        for (k, v) in args {
            a.set(*k, v.clone());
        }
        format(&self.bundle, id, Some(&a))
    }
}

/// Parse errors, missing ids and undeclared messages of one language's catalogue.
fn load(lang: Lang) -> (FluentBundle<FluentResource>, Vec<String>) {
    let tag: LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    bundle.set_use_isolating(false);
    let mut problems = Vec::new();
    let resource = match FluentResource::try_new(source(lang).to_owned()) {
        Ok(r) => r,
        Err((r, errors)) => {
            problems.extend(errors.iter().map(|e| format!("parse: {e}")));
            r
        }
    };
    let mut seen = BTreeSet::new();
    for entry in resource.entries() {
        if let fluent_syntax::ast::Entry::Message(m) = entry {
            seen.insert(m.id.name.to_owned());
        }
    }
    if let Err(errors) = bundle.add_resource(resource) {
        problems.extend(errors.iter().map(|e| format!("{e:?}")));
    }
    problems.extend(
        IDS.iter()
            .filter(|id| !seen.contains(**id))
            .map(|id| format!("missing: {id}")),
    );
    problems.extend(
        seen.iter()
            .filter(|id| !IDS.contains(&id.as_str()))
            .map(|id| format!("undeclared: {id}")),
    );
    (bundle, problems)
}

/// The app's texts in `lang`, built once.
pub fn texts_in(lang: Lang) -> &'static Texts {
    static EN: OnceLock<Texts> = OnceLock::new();
    static ES: OnceLock<Texts> = OnceLock::new();
    let cell = match lang {
        Lang::En => &EN,
        Lang::Es => &ES,
    };
    cell.get_or_init(|| Texts::build(lang, load(lang).0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_are_complete() {
        for lang in Lang::ALL {
            assert_eq!(load(lang).1, Vec::<String>::new(), "{}", lang.tag());
        }
        let (en, es) = (texts_in(Lang::En), texts_in(Lang::Es));
        assert_ne!(en.today_title, es.today_title);
        assert_eq!(es.fmt("day_label", &[("day", 3.into())]), "Día 3");
    }

    /// The app's name is the title of its notifications, and the lock-screen texts quote the
    /// neutral body the push sender really sends, in each language.
    #[test]
    fn lock_screen_texts_are_what_a_notification_shows() {
        for lang in Lang::ALL {
            let (t, sent) = (texts_in(lang), neutral(lang));
            assert_eq!(t.app_name, sent.title, "{}", lang.tag());
            for shown in [&t.preview_private, &t.notifications_lock_screen] {
                assert!(shown.contains(&sent.body), "{}: {shown}", lang.tag());
                assert!(!shown.contains('{'), "{}: {shown}", lang.tag());
            }
        }
    }
}
