//! Codes of the clinic's escalation queue (`escalations`) and of the alerts that tell the clinic
//! about urgent ones (`clinic_alerts`). The codes are the stored strings, which the migrations'
//! `CHECK` constraints also list.

use super::code_enum;

code_enum!(
    /// Whether the clinic still has to act on an escalation (`escalations.status`).
    EscalationStatus { Open => "open", Resolved => "resolved" }
);

code_enum!(
    /// Why an escalation was opened: the `reason` of the protocol's triage rule that fired
    /// (`shared/protocol/v1/triage.toml`), stored as `escalations.reason`. A protocol rule with a
    /// reason not listed here fails the protocol's own tests, so every reason the clinic can see
    /// has a label.
    TriageReason {
        WarningSign => "warning_sign",
        RednessNotFading => "redness_not_fading",
        RednessWorsening => "redness_worsening",
        StrongPain => "strong_pain",
    }
);

code_enum!(
    /// Where an urgent escalation's email to the clinic is (`clinic_alerts.status`): `pending`
    /// waits for its `available_at`, `sending` is leased to one worker, `sent` reached at least
    /// one of the clinic's staff, `failed` gave up after `AFTERCARE_MAX_ATTEMPTS` (or had no one
    /// to go to).
    ClinicAlertStatus {
        Pending => "pending",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_codes_are_the_ones_the_migration_allows() {
        let codes: Vec<_> = ClinicAlertStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(codes, ["pending", "sending", "sent", "failed"]);
        assert_eq!(ClinicAlertStatus::parse("queued"), None);
    }
}
