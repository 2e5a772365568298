//! Codes of clinic-owned protocol versions (`clinic_protocols`, `clinic_protocol_edits`).

use super::code_enum;

code_enum!(
    /// Where a clinic protocol version stands (`clinic_protocols.status`): a `draft` can be
    /// edited; `published` is immutable and is what new treatments are planned with (one per
    /// clinic at most); `retired` was published and has been replaced by a newer version.
    ProtocolStatus { Draft => "draft", Published => "published", Retired => "retired" }
);

code_enum!(
    /// What a change to a clinic protocol was (`clinic_protocol_edits.action`).
    ProtocolEditAction {
        Create => "create", Update => "update", Publish => "publish", Replan => "replan",
    }
);
