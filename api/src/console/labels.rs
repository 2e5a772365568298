//! The words the console shows for the codes the product stores: delivery channels and their
//! failure reasons, prompt kinds and statuses, patient and staff statuses, roles, audit actions,
//! device platforms, treatment areas, devices and screening findings. Every match is over the
//! whole domain enum, so a new code is a compile error here until it has its words; no page
//! prints a code.
//!
//! Symptoms, triage rules and severities have their own module (`clinical.rs`).

use shared::care::roster::ListStatus;
use shared::domain::{
    Area, AuditAction, CombinedWith, Contraindication, DeliveryChannel, Device, Locale, Platform,
    PromptKind, PromptStatus, Role, UserStatus,
};

use super::strings::Strings;

/// How a prompt reached (or did not reach) the patient. `log` is the development transport:
/// nothing left the server.
pub fn channel(t: &Strings, c: DeliveryChannel) -> &'static str {
    match c {
        DeliveryChannel::Fcm => t.channel_fcm,
        DeliveryChannel::Apns => t.channel_apns,
        DeliveryChannel::Email => t.channel_email,
        DeliveryChannel::Log => t.channel_log,
    }
}

/// What a stored delivery failure or cancellation means for the clinic. The stored text is the
/// provider's or the worker's (`Unregistered`, `APNs 410 …`, `gave up after 5 attempts: …`,
/// `patient_discharged`); it is read here and never shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The push token is dead: the app was removed or the phone stopped accepting notifications.
    DeviceGone,
    /// No channel could reach the patient (no live device, email off).
    NoChannel,
    /// The clinic's provider credentials were refused (ours to fix, not the patient's).
    ServiceSetup,
    /// The provider could not be reached or was busy: it is tried again.
    Unreachable,
    /// The worker stopped retrying.
    GaveUp,
    /// The provider refused the message for another reason.
    Refused,
    /// Not sent, by design: the patient was discharged, erased, not active or opted out.
    Discharged,
    Erased,
    Inactive,
    Missing,
    ChannelsOff,
    /// Anything else.
    Other,
}

impl Failure {
    /// Reads a stored failure or cancellation text.
    pub fn of(stored: &str) -> Failure {
        let s = stored.trim();
        match s {
            "patient_discharged" => return Failure::Discharged,
            "patient_erased" => return Failure::Erased,
            "patient_inactive" => return Failure::Inactive,
            "patient_missing" => return Failure::Missing,
            "channels_off" => return Failure::ChannelsOff,
            "no_reachable_channel" => return Failure::NoChannel,
            "no_valid_device" => return Failure::DeviceGone,
            _ => {}
        }
        const GONE: [&str; 7] = [
            "Unregistered",
            "BadDeviceToken",
            "DeviceTokenNotForTopic",
            "UNREGISTERED",
            "SENDER_ID_MISMATCH",
            "INVALID_REGISTRATION_TOKEN",
            " 410",
        ];
        const SETUP: [&str; 6] = [
            "ProviderToken",
            "signing the",
            "token endpoint",
            "THIRD_PARTY_AUTH_ERROR",
            "PERMISSION_DENIED",
            "UNAUTHENTICATED",
        ];
        const BUSY: [&str; 8] = [
            "timeout",
            "connect",
            "network",
            "HTTP 429",
            "HTTP 5",
            "UNAVAILABLE",
            "INTERNAL",
            "QUOTA_EXCEEDED",
        ];
        if s.starts_with("gave up after") {
            Failure::GaveUp
        } else if GONE.iter().any(|k| s.contains(k)) {
            Failure::DeviceGone
        } else if SETUP.iter().any(|k| s.contains(k)) {
            Failure::ServiceSetup
        } else if BUSY.iter().any(|k| s.contains(k)) {
            Failure::Unreachable
        } else if s.starts_with("HTTP 4") || s.starts_with("INVALID_ARGUMENT") {
            Failure::Refused
        } else {
            Failure::Other
        }
    }

    pub fn label(self, t: &Strings) -> &'static str {
        match self {
            Failure::DeviceGone => t.failure_device_gone,
            Failure::NoChannel => t.failure_no_channel,
            Failure::ServiceSetup => t.failure_service_setup,
            Failure::Unreachable => t.failure_unreachable,
            Failure::GaveUp => t.failure_gave_up,
            Failure::Refused => t.failure_refused,
            Failure::Discharged => t.cancelled_discharged,
            Failure::Erased => t.cancelled_erased,
            Failure::Inactive => t.cancelled_inactive,
            Failure::Missing => t.cancelled_missing,
            Failure::ChannelsOff => t.cancelled_channels_off,
            Failure::Other => t.failure_other,
        }
    }
}

/// The clinic's words for a stored failure reason.
pub fn failure(t: &Strings, stored: &str) -> &'static str {
    Failure::of(stored).label(t)
}

pub fn prompt_kind(t: &Strings, k: PromptKind) -> &'static str {
    match k {
        PromptKind::Aftercare => t.kind_aftercare,
        PromptKind::CheckIn => t.kind_check_in,
        PromptKind::WarningSigns => t.kind_warning_signs,
        PromptKind::SessionReminder => t.kind_session_reminder,
        PromptKind::Rebook => t.kind_rebook,
        PromptKind::Results => t.kind_results,
        PromptKind::Maintenance => t.kind_maintenance,
    }
}

pub fn prompt_status(t: &Strings, s: PromptStatus) -> &'static str {
    match s {
        PromptStatus::Scheduled => t.prompt_scheduled,
        PromptStatus::Sending => t.prompt_sending,
        PromptStatus::Sent => t.prompt_sent,
        PromptStatus::Acknowledged => t.prompt_acknowledged,
        PromptStatus::Cancelled => t.prompt_cancelled,
        PromptStatus::Failed => t.prompt_failed,
    }
}

/// A patient's state in the course (the roster's status).
pub fn patient_status(t: &Strings, s: ListStatus) -> &'static str {
    match s {
        ListStatus::Invited => t.invited,
        ListStatus::Active => t.active,
        ListStatus::Discharged => t.discharged,
        ListStatus::Erased => t.erased,
    }
}

/// A staff account's state.
pub fn staff_status(t: &Strings, s: UserStatus) -> &'static str {
    match s {
        UserStatus::Invited => t.invited,
        UserStatus::Active => t.active,
        UserStatus::Disabled => t.deactivated,
        UserStatus::Erased => t.erased,
    }
}

pub fn role(t: &Strings, r: Role) -> &'static str {
    match r {
        Role::ClinicAdmin => t.clinic_admin,
        Role::Clinician => t.clinician,
        Role::Patient => t.role_patient,
    }
}

/// What an audit entry records, as a sentence about its actor.
pub fn audit_action(t: &Strings, a: AuditAction) -> &'static str {
    match a {
        AuditAction::PatientRead => t.audit_patient_read,
        AuditAction::PatientList => t.audit_patient_list,
        AuditAction::PatientEnrol => t.audit_patient_enrol,
        AuditAction::PatientDischarge => t.audit_patient_discharge,
        AuditAction::PatientExport => t.audit_patient_export,
        AuditAction::PatientErase => t.audit_patient_erase,
        AuditAction::TreatmentCreate => t.audit_treatment_create,
        AuditAction::TreatmentWarned => t.audit_treatment_warned,
        AuditAction::BookingSet => t.audit_booking_set,
        AuditAction::BookingCancel => t.audit_booking_cancel,
        AuditAction::EscalationList => t.audit_escalation_list,
        AuditAction::EscalationResolve => t.audit_escalation_resolve,
        AuditAction::StaffInvite => t.audit_staff_invite,
        AuditAction::StaffDeactivate => t.audit_staff_deactivate,
        AuditAction::CheckInCreate => t.audit_check_in_create,
        AuditAction::InvitationUndone => t.audit_invitation_undone,
        AuditAction::InvitationResend => t.audit_invitation_resend,
        AuditAction::PatientEmailUpdate => t.audit_patient_email_update,
        AuditAction::PatientPhoneUpdate => t.audit_patient_phone_update,
        AuditAction::PatientGivenNameUpdate => t.audit_patient_given_name_update,
        AuditAction::PatientFamilyNameUpdate => t.audit_patient_family_name_update,
    }
}

pub fn platform(t: &Strings, p: Platform) -> &'static str {
    match p {
        Platform::Ios => t.platform_ios,
        Platform::Android => t.platform_android,
    }
}

/// A patient's language, named in the console's language.
pub fn language(t: &Strings, l: Locale) -> &'static str {
    match l {
        Locale::En => t.lang_en,
        Locale::Es => t.lang_es,
    }
}

pub fn area(t: &Strings, a: Area) -> &'static str {
    match a {
        Area::Face => t.area_face,
        Area::Neck => t.area_neck,
        Area::Chest => t.area_chest,
        Area::Hands => t.area_hands,
        Area::Back => t.area_back,
        Area::Legs => t.area_legs,
        Area::Scalp => t.area_scalp,
    }
}

pub fn device(t: &Strings, d: Device) -> &'static str {
    match d {
        Device::Pen => t.device_pen,
        Device::Roller => t.device_roller,
        Device::Stamp => t.device_stamp,
    }
}

pub fn combined_with(t: &Strings, c: CombinedWith) -> &'static str {
    match c {
        CombinedWith::Prp => t.combined_prp,
    }
}

pub fn contraindication(t: &Strings, c: Contraindication) -> &'static str {
    use Contraindication as C;
    match c {
        C::ActiveAcne => t.ci_active_acne,
        C::Isotretinoin => t.ci_isotretinoin,
        C::ActiveInfection => t.ci_active_infection,
        C::OpenWound => t.ci_open_wound,
        C::Sunburn => t.ci_sunburn,
        C::RashOrInflammation => t.ci_rash_or_inflammation,
        C::BloodThinnersOrClottingDisorder => t.ci_blood_thinners_or_clotting_disorder,
        C::ChemoOrRadiation => t.ci_chemo_or_radiation,
        C::ColdSores => t.ci_cold_sores,
        C::KeloidTendency => t.ci_keloid_tendency,
        C::ChangingMoles => t.ci_changing_moles,
        C::Eczema => t.ci_eczema,
        C::Psoriasis => t.ci_psoriasis,
        C::Rosacea => t.ci_rosacea,
        C::PoorHealing => t.ci_poor_healing,
        C::SolarKeratosis => t.ci_solar_keratosis,
        C::Pregnancy => t.ci_pregnancy,
    }
}

/// The treated areas, then what the session was combined with (PRP), in words.
pub fn treated_areas(t: &Strings, areas: &[Area], combined: &[CombinedWith]) -> String {
    let mut words = list(t, areas, area);
    for c in combined {
        words.push_str(" + ");
        words.push_str(combined_with(t, *c));
    }
    words
}

/// Labels joined for a table cell.
pub fn list<T: Copy>(t: &Strings, items: &[T], label: fn(&Strings, T) -> &'static str) -> String {
    items
        .iter()
        .map(|i| label(t, *i))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::strings::{Lang, strings};

    #[test]
    fn stored_failures_read_as_the_clinic_understands_them() {
        let t = strings(Lang::En);
        for (stored, want) in [
            (
                "APNs 410 Unregistered: the device token is no longer valid",
                Failure::DeviceGone,
            ),
            ("Unregistered", Failure::DeviceGone),
            ("UNREGISTERED", Failure::DeviceGone),
            (
                "BadDeviceToken: not a hexadecimal device token (not sent)",
                Failure::DeviceGone,
            ),
            ("no_valid_device", Failure::DeviceGone),
            ("no_reachable_channel", Failure::NoChannel),
            ("ExpiredProviderToken", Failure::ServiceSetup),
            ("timeout", Failure::Unreachable),
            ("HTTP 503", Failure::Unreachable),
            ("gave up after 5 attempts: timeout", Failure::GaveUp),
            ("HTTP 400", Failure::Refused),
            ("patient_discharged", Failure::Discharged),
            ("channels_off", Failure::ChannelsOff),
            ("550 mailbox unavailable", Failure::Other),
        ] {
            assert_eq!(Failure::of(stored), want, "{stored}");
        }
        assert_eq!(
            failure(t, "APNs 410 Unregistered"),
            "The patient's phone no longer accepts notifications from the app"
        );
        assert_eq!(
            channel(t, DeliveryChannel::Log),
            "Not sent (no delivery set up)"
        );
    }

    #[test]
    fn every_code_has_words_in_both_languages() {
        for lang in Lang::ALL {
            let t = strings(lang);
            let mut seen = Vec::new();
            for a in AuditAction::ALL {
                let label = audit_action(t, *a);
                assert!(!label.contains('.') && !label.is_empty(), "{label}");
                assert!(!seen.contains(&label), "two actions read {label}");
                seen.push(label);
            }
            for k in PromptKind::ALL {
                assert!(!prompt_kind(t, *k).contains('_'));
            }
            for c in Contraindication::ALL {
                assert!(!contraindication(t, *c).contains('_'));
            }
        }
    }
}
