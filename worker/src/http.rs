//! A standalone worker's own small HTTP listener: `/metrics` (the worker's Prometheus counters:
//! claims, deliveries by channel and outcome, ticks) and `/healthz`. The API serves the same
//! counters when the loop is embedded in it; a separate worker would otherwise have none.

use std::net::SocketAddr;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use shared::metrics::Metrics;

/// Starts serving on `addr`; the returned handle stops the listener. Signals are left to the
/// caller, which stops the delivery loop and this listener together.
pub fn serve(addr: SocketAddr, metrics: Metrics) -> std::io::Result<ServerHandle> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(metrics.clone()))
            .route("/metrics", web::get().to(render))
            .route(
                "/healthz",
                web::get().to(|| async { HttpResponse::Ok().body("ok") }),
            )
    })
    .workers(1)
    .disable_signals()
    .bind(addr)?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok(handle)
}

async fn render(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render())
}
