//! TEMPORARY STUB (helper C): replaced by helper B's `shared::sms` on merge.

/// Where and from whom a prompt's text goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsTarget {
    pub phone: String,
    pub clinic_name: String,
}
