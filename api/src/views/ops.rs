//! Bodies of the operations endpoints.

use chrono::{DateTime, Utc};
use serde::Serialize;
use shared::care::readiness::{DeliveryService, PushConfigError};
use shared::domain::PushProvider;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    #[schema(value_type = Liveness)]
    pub status: &'static str,
}

/// The process is alive (`/healthz` answers nothing else).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Liveness {
    Ok,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    #[schema(value_type = ReadinessStatus)]
    pub status: &'static str,
    #[schema(value_type = DatabaseState)]
    pub database: &'static str,
    /// The delivery loop embedded in this process (single-node mode): `ok` while a dispatch
    /// tick made progress within three tick intervals, else `stalled`. Absent when the
    /// process runs no loop.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<WorkerState>)]
    pub worker: Option<&'static str>,
    /// Delivery channels this process sends on that have no settings (email then only goes to
    /// the log; push to those devices is skipped, email instead). An API without the embedded
    /// delivery loop sends only invitation emails, so it lists at most `smtp`; the worker's own
    /// `/readyz` lists the push channels. Informational: never makes the answer 503.
    pub not_configured: Vec<DeliveryService>,
    /// Push providers that refused our own settings (topic, credentials, project) in the last
    /// 10 minutes, as this process saw them (a standalone worker's own `/readyz`
    /// shows its sends'). Devices are kept and prompts go by email; never makes the answer 503.
    pub push_config_errors: Vec<PushSettingsRefused>,
}

/// One push provider's open refusal of our settings.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PushSettingsRefused {
    pub provider: PushProvider,
    /// The provider's code, e.g. `DeviceTokenNotForTopic`, `SENDER_ID_MISMATCH`.
    pub reason: String,
    /// Refusals since the cause was first seen.
    pub count: u64,
    pub last_seen: DateTime<Utc>,
}

impl From<PushConfigError> for PushSettingsRefused {
    fn from(e: PushConfigError) -> Self {
        Self {
            provider: e.provider,
            reason: e.reason,
            count: e.count,
            last_seen: e.last_seen,
        }
    }
}

/// Whether this instance can serve: `unavailable` answers 503.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadinessStatus {
    Ok,
    Unavailable,
}

/// The database as `/readyz` found it.
#[derive(Serialize, utoipa::ToSchema)]
pub enum DatabaseState {
    #[serde(rename = "ok")]
    Ok,
    #[serde(rename = "migrations pending")]
    MigrationsPending,
    #[serde(rename = "unreachable")]
    Unreachable,
}

/// The embedded delivery loop as `/readyz` found it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkerState {
    Ok,
    Stalled,
}
