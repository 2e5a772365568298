//! What the audit log records: which use case read or changed a patient's (or the clinic's)
//! data. The codes are the stored `audit_log.action` strings; no health content is ever part of
//! an entry.

use super::code_enum;

code_enum!(
    /// The use case behind an audit entry (`audit_log.action`), `<aggregate>.<verb>`.
    AuditAction {
        /// A staff member opened a patient's record.
        PatientRead => "patient.read",
        /// A staff member listed patients (one entry per page, naming the patients shown).
        PatientList => "patient.list",
        /// A patient was enrolled (invited) by the clinic.
        PatientEnrol => "patient.enrol",
        /// A patient was discharged: every future prompt cancelled.
        PatientDischarge => "patient.discharge",
        /// The patient exported their own data.
        PatientExport => "patient.export",
        /// The patient's personal data was erased at their request.
        PatientErase => "patient.erase",
        /// A treatment was recorded (and the aftercare planned).
        TreatmentCreate => "treatment.create",
        /// A treatment was recorded despite course warnings (session order, planned sessions or
        /// interval).
        TreatmentWarned => "treatment.warned",
        /// The next session was booked or moved.
        BookingSet => "booking.set",
        /// The next session's booking was cancelled.
        BookingCancel => "booking.cancel",
        /// A staff member listed the escalation queue (one entry per page, naming the patients
        /// shown).
        EscalationList => "escalation.list",
        /// A staff member resolved an escalation.
        EscalationResolve => "escalation.resolve",
        /// An admin invited a staff member.
        StaffInvite => "staff.invite",
        /// An admin deactivated a staff member.
        StaffDeactivate => "staff.deactivate",
        /// A patient checked in (and was triaged).
        CheckInCreate => "check_in.create",
        /// An invitation that could not be delivered was taken back.
        InvitationUndone => "invitation.undone",
        /// An invitation was sent again with a new code.
        InvitationResend => "invitation.resend",
        /// Staff corrected a patient's email (the values are never part of an entry).
        PatientEmailUpdate => "patient.email_update",
        /// Staff corrected a patient's phone.
        PatientPhoneUpdate => "patient.phone_update",
        /// Staff corrected a patient's given name.
        PatientGivenNameUpdate => "patient.given_name_update",
        /// Staff corrected a patient's family name.
        PatientFamilyNameUpdate => "patient.family_name_update",
        /// Consent to text messages was recorded (by staff with the patient present, by the
        /// patient in the app, or by a START text from the patient's phone).
        SmsConsentGrant => "sms_consent.grant",
        /// Consent to text messages was withdrawn (in the app or console, or by a STOP text).
        SmsConsentWithdraw => "sms_consent.withdraw",
        /// A draft of the clinic's own protocol was made (from the default or a version).
        ProtocolCreate => "protocol.create",
        /// A draft of the clinic's protocol was edited (before and after kept in
        /// `clinic_protocol_edits`).
        ProtocolUpdate => "protocol.update",
        /// A version of the clinic's protocol was published (admin).
        ProtocolPublish => "protocol.publish",
        /// An admin asked for current patients to be re-planned with the published version.
        ProtocolReplan => "protocol.replan",
        /// A patient answered the pre-visit screening before a booked session.
        ScreeningCreate => "screening.create",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_ones_are_refused() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(*a));
        }
        assert_eq!(AuditAction::ALL.len(), 28);
        assert_eq!(AuditAction::parse("patient.delete"), None);
    }
}
