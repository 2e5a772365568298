//! Bodies of the operations endpoints.

use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// `ok`, `migrations pending` or `unreachable`.
    pub database: &'static str,
    /// The delivery loop embedded in this process (single-node mode): `ok` while a dispatch
    /// tick made progress within three tick intervals, else `stalled`. Absent when the
    /// process runs no loop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<&'static str>,
}
