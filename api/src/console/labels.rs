//! The words the console shows for the codes the product stores: delivery channels and their
//! failure reasons, prompt kinds and statuses, patient and staff statuses, roles, audit actions,
//! device platforms, treatment areas, devices and screening findings. Every match is over the
//! whole domain enum, so a new code is a compile error here until it has its words; no page
//! prints a code.
//!
//! Symptoms, triage rules and severities have their own module (`clinical.rs`).

use shared::care::roster::ListStatus;
use shared::domain::{
    Area, AuditAction, CombinedWith, Contraindication, DeliveryChannel, DeliveryFailure, Device,
    Locale, Platform, PromptKind, PromptStatus, Role, UserStatus,
};

use super::strings::Strings;

/// How a prompt reached (or did not reach) the patient. `log` is the development transport:
/// nothing left the server.
pub fn channel(t: &Strings, c: DeliveryChannel) -> &'static str {
    match c {
        DeliveryChannel::Fcm => t.channel_fcm,
        DeliveryChannel::Apns => t.channel_apns,
        DeliveryChannel::WebPush => t.channel_webpush,
        DeliveryChannel::Sms => t.channel_sms,
        DeliveryChannel::Email => t.channel_email,
        DeliveryChannel::Log => t.channel_log,
    }
}

/// What a stored delivery failure or cancellation means for the clinic, in its words
/// ([`DeliveryFailure::classify`] reads the stored text).
pub fn delivery_failure(t: &Strings, f: DeliveryFailure) -> &'static str {
    match f {
        DeliveryFailure::DeviceGone => t.failure_device_gone,
        DeliveryFailure::NoChannel => t.failure_no_channel,
        DeliveryFailure::ServiceSetup => t.failure_service_setup,
        DeliveryFailure::Unreachable => t.failure_unreachable,
        DeliveryFailure::GaveUp => t.failure_gave_up,
        DeliveryFailure::Refused => t.failure_refused,
        DeliveryFailure::Discharged => t.cancelled_discharged,
        DeliveryFailure::Erased => t.cancelled_erased,
        DeliveryFailure::Inactive => t.cancelled_inactive,
        DeliveryFailure::Missing => t.cancelled_missing,
        DeliveryFailure::ChannelsOff => t.cancelled_channels_off,
        DeliveryFailure::Other => t.failure_other,
    }
}

/// The clinic's words for a stored failure reason.
pub fn failure(t: &Strings, stored: &str) -> &'static str {
    delivery_failure(t, DeliveryFailure::classify(stored))
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
        AuditAction::SmsConsentGrant => t.audit_sms_consent_grant,
        AuditAction::SmsConsentWithdraw => t.audit_sms_consent_withdraw,
        AuditAction::ProtocolCreate => t.audit_protocol_create,
        AuditAction::ProtocolUpdate => t.audit_protocol_update,
        AuditAction::ProtocolPublish => t.audit_protocol_publish,
        AuditAction::ProtocolReplan => t.audit_protocol_replan,
        AuditAction::ScreeningCreate => t.audit_screening_create,
    }
}

pub fn platform(t: &Strings, p: Platform) -> &'static str {
    match p {
        Platform::Ios => t.platform_ios,
        Platform::Android => t.platform_android,
        Platform::Web => t.platform_web,
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
                DeliveryFailure::DeviceGone,
            ),
            ("Unregistered", DeliveryFailure::DeviceGone),
            ("UNREGISTERED", DeliveryFailure::DeviceGone),
            (
                "BadDeviceToken: not a hexadecimal device token (not sent)",
                DeliveryFailure::DeviceGone,
            ),
            ("no_valid_device", DeliveryFailure::DeviceGone),
            ("no_reachable_channel", DeliveryFailure::NoChannel),
            ("ExpiredProviderToken", DeliveryFailure::ServiceSetup),
            ("timeout", DeliveryFailure::Unreachable),
            ("HTTP 503", DeliveryFailure::Unreachable),
            ("gave up after 5 attempts: timeout", DeliveryFailure::GaveUp),
            ("HTTP 400", DeliveryFailure::Refused),
            ("patient_discharged", DeliveryFailure::Discharged),
            ("channels_off", DeliveryFailure::ChannelsOff),
            ("550 mailbox unavailable", DeliveryFailure::Other),
        ] {
            assert_eq!(DeliveryFailure::classify(stored), want, "{stored}");
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
