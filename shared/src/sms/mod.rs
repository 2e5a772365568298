//! Text messages (SMS) through a Twilio-compatible Messages API: the client ([`SmsClient`],
//! `twilio.rs`), the lock-screen-safe text ([`text`]) and its segment count ([`segments`]).
//!
//! A text cannot be collapsed or replaced on the phone the way a push can, so the worker records
//! every send before the provider call and completes the record after (`crate::care::sms_sends`):
//! a prompt is texted at most once, even across a crash.

pub mod segments;
pub mod text;
pub mod twilio;

pub use twilio::SmsClient;

/// Where and from whom a prompt's text goes, as the worker's recipient read carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsTarget {
    /// The patient's number in E.164 (`+34600111222`; ITU-T E.164), already validated.
    pub phone: String,
    /// The clinic's name, the text's first words (shortened to keep one segment:
    /// [`text::prompt_text`]).
    pub clinic_name: String,
}
