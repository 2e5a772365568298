//! Operations endpoints: liveness, readiness, metrics.

use actix_web::{HttpResponse, get, web};
use shared::db::migrate;

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
    responses((status = 200, body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database is reachable and fully migrated.
#[utoipa::path(
    operation_id = "getReadiness",
    security(()),
    tag = "ops",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness))
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let check = state.db.run(migrate::is_up_to_date).await;
    let (ok, database) = match check {
        Ok(true) => (true, "ok"),
        Ok(false) => (false, "migrations pending"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (false, "unreachable")
        }
    };
    let body = Readiness {
        status: if ok { "ok" } else { "unavailable" },
        database,
    };
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text exposition.
#[utoipa::path(
    operation_id = "getMetrics",
    security(()),
    tag = "ops",
    responses((status = 200, content_type = "text/plain", body = String))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
