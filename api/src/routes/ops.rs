//! Operations endpoints: liveness, readiness, metrics.

use actix_web::{HttpResponse, get, web};

use crate::state::AppState;
use crate::views::ops::{Health, Readiness};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
}

/// The process is alive.
#[utoipa::path(
    operation_id = "getHealth",
    security(()),
    tag = "ops",
    responses((status = 200, body = Health, description = "The process is alive"))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database is reachable and fully migrated, and the embedded delivery loop (if this
/// process runs one) made progress within three dispatch intervals.
#[utoipa::path(
    operation_id = "getReadiness",
    security(()),
    tag = "ops",
    responses(
        (status = 200, body = Readiness, description = "Ready to serve"),
        (status = 503, body = Readiness, description = "Not ready: the body says what is missing"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = shared::care::readiness::database_state(&state.db).await;
    let worker = state
        .worker_health
        .as_ref()
        .map(|h| if h.status().healthy { "ok" } else { "stalled" });
    let ok = database == "ok" && worker.is_none_or(|w| w == "ok");
    let body = Readiness {
        status: if ok { "ok" } else { "unavailable" },
        database,
        worker,
    };
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// OpenMetrics text exposition; the queue gauges are counted at the scrape.
#[utoipa::path(
    operation_id = "getMetrics",
    security(()),
    tag = "ops",
    responses((status = 200, content_type = "application/openmetrics-text", body = String, description = "Prometheus metrics"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    state.metrics.refresh(&state.db).await;
    HttpResponse::Ok()
        .content_type(shared::metrics::CONTENT_TYPE)
        .body(state.metrics.render())
}
