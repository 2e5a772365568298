//! SMS through a Twilio-compatible Messages API.

pub mod replies;
pub mod signature;
