//! A standalone worker's own small HTTP listener (`AFTERCARE_WORKER_METRICS_BIND`):
//! - `/healthz`: 200 while the dispatch loop made progress within three tick intervals, 503
//!   otherwise (see [`shared::delivery::heartbeat`]); a liveness probe restarts a stalled worker.
//! - `/readyz`: 200 when the database answers and is migrated, 503 otherwise; the body also
//!   lists the delivery channels without settings (`not_configured`) and the push providers'
//!   open refusals of our settings (`push_config_errors`), which never make it a 503.
//! - `/metrics`: the worker's OpenMetrics (claims, deliveries, lateness, provider latency, lease
//!   recoveries) and the queue gauges. The API serves the same when the loop is embedded in it.

use std::net::TcpListener;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::json;
use shared::care::readiness;

use crate::Worker;

/// Starts serving on `listener`; the returned handle stops it. Signals are left to the caller,
/// which stops the delivery loop and this listener together.
pub fn serve(listener: TcpListener, worker: &Worker) -> std::io::Result<ServerHandle> {
    let data = web::Data::new(worker.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/metrics", web::get().to(metrics))
            .route("/healthz", web::get().to(healthz))
            .route("/readyz", web::get().to(readyz))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok(handle)
}

async fn healthz(w: web::Data<Worker>) -> HttpResponse {
    let status = w.health.status();
    let body = json!({
        "status": if status.healthy { "ok" } else { "stalled" },
        "last_dispatch_secs_ago": status.since_secs,
    });
    if status.healthy {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn readyz(w: web::Data<Worker>) -> HttpResponse {
    let database = readiness::database_state(&w.db).await;
    let refused: Vec<_> = readiness::push_config_errors(&w.metrics)
        .into_iter()
        .map(|e| {
            json!({"provider": e.provider, "reason": e.reason, "count": e.count,
                   "last_seen": e.last_seen.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)})
        })
        .collect();
    let body = json!({
        "status": if database == "ok" { "ok" } else { "unavailable" },
        "database": database,
        "not_configured": readiness::not_configured(&w.config, true),
        "push_config_errors": refused,
    });
    if database == "ok" {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn metrics(w: web::Data<Worker>) -> HttpResponse {
    w.metrics.refresh(&w.db).await;
    HttpResponse::Ok()
        .content_type(shared::metrics::CONTENT_TYPE)
        .body(w.metrics.render())
}
