//! Operations endpoints: liveness, readiness, metrics.

use actix_web::{HttpResponse, get, web};
use shared::care::readiness;

use crate::error::ApiError;
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
/// process runs one) made progress within three dispatch intervals. The body also lists the
/// delivery channels left without settings and the push providers' refusals of our settings,
/// which never turn the answer into a 503.
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
    let database = readiness::database_state(&state.db).await;
    let worker = state
        .worker_health
        .as_ref()
        .map(|h| if h.status().healthy { "ok" } else { "stalled" });
    let ok = database == "ok" && worker.is_none_or(|w| w == "ok");
    let body = Readiness {
        status: if ok { "ok" } else { "unavailable" },
        database,
        worker,
        not_configured: readiness::not_configured(&state.config, state.worker_health.is_some()),
        push_config_errors: readiness::push_config_errors(&state.metrics)
            .into_iter()
            .map(Into::into)
            .collect(),
    };
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// OpenMetrics text exposition; the queue gauges are counted at the scrape. With
/// `AFTERCARE_METRICS_BIND` set it is served on that address only, and answers 404 here.
#[utoipa::path(
    operation_id = "getMetrics",
    security(()),
    tag = "ops",
    responses((status = 200, content_type = "application/openmetrics-text", body = String, description = "Prometheus metrics"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if state.config.metrics_bind.is_some() {
        return Err(ApiError(shared::Error::NotFound));
    }
    Ok(render_metrics(&state).await)
}

/// The exposition, for this route and the `AFTERCARE_METRICS_BIND` listener.
pub async fn render_metrics(state: &AppState) -> HttpResponse {
    state.metrics.refresh(&state.db).await;
    HttpResponse::Ok()
        .content_type(shared::metrics::CONTENT_TYPE)
        .body(state.metrics.render())
}
