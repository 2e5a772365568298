//! Shared core of the aftercare service: configuration, domain types, the database layer, the
//! aftercare protocol and schedule engine, and the push and mail clients.

pub mod auth;
pub mod care;
pub mod config;
pub mod crypto;
pub mod db;
pub mod delivery;
pub mod domain;
pub mod error;
pub mod healthcheck;
pub mod mail;
pub mod metrics;
pub mod protocol;
pub mod push;
pub mod sms;
pub mod startup;
pub mod telemetry;
pub mod time;

pub use error::{Error, FieldError, Result};
#[cfg(feature = "testing")]
pub mod testing;
