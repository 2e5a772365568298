//! Bodies of the operations endpoints.

use serde::Serialize;

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
