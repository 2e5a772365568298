//! Codes of the clinic's escalation queue (`escalations`).

use super::code_enum;

code_enum!(
    /// Whether the clinic still has to act on an escalation (`escalations.status`).
    EscalationStatus { Open => "open", Resolved => "resolved" }
);
