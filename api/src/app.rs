//! Building and running the HTTP server (and, in single-node mode, the delivery loop beside it).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, HttpServer, web};
use shared::care::Db;
use shared::config::Config;
use shared::delivery::EmbeddedLoop;
use shared::mail::Mailer;
use shared::metrics::{HttpLabels, Metrics};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa_swagger_ui::SwaggerUi;

use crate::request_log::RouteSpan;
use crate::state::AppState;
use crate::{demo, extractors_config, routes};

pub struct Application {
    port: u16,
    server: Server,
    /// `/metrics` on `AFTERCARE_METRICS_BIND`, and its port.
    metrics: Option<(u16, Server)>,
    worker: Option<(watch::Sender<bool>, JoinHandle<()>)>,
    pub state: AppState,
}

/// Builds the embedded delivery loop from this process's database pool, configuration,
/// metrics and mailer. The api binary (`src/main.rs`) passes the worker crate's loop, so this
/// library reaches the loop only through `shared::delivery`.
pub trait Embed: FnOnce(Db, Arc<Config>, Metrics, Mailer) -> EmbeddedLoop {}
impl<F: FnOnce(Db, Arc<Config>, Metrics, Mailer) -> EmbeddedLoop> Embed for F {}

impl Application {
    /// Connects, migrates, seeds the demo if asked, binds the listener and (in single-node
    /// mode) prepares the embedded delivery loop with `embed`, which is not called otherwise.
    /// Nothing is served until `run_until_stopped`.
    pub async fn build(mut config: Config, embed: impl Embed) -> anyhow::Result<Self> {
        let (db, _) =
            shared::startup::open_database(&config.database_url, config.db_pool_size).await?;
        shared::care::web_push::provision(&db, &mut config).await?;
        let config = Arc::new(config);
        let metrics = Metrics::new();
        let mailer = Mailer::from_config(&config.mail)?;
        let protocol = Arc::new(
            shared::protocol::Protocol::load(config.protocol_dir.as_deref())
                .map_err(|e| anyhow::anyhow!("AFTERCARE_PROTOCOL_DIR: {e:#}"))?,
        );
        let mut state = AppState::new(
            db.clone(),
            config.clone(),
            metrics.clone(),
            mailer.clone(),
            protocol,
        );
        if config.demo {
            demo::seed(&state).await?;
        }
        // The embedded loop's heartbeat goes into the state before the server takes its copy,
        // so `/readyz` reports the loop too.
        let embedded = config
            .runs_embedded_worker()
            .then(|| embed(db, config.clone(), metrics, mailer));
        state.worker_health = embedded.as_ref().map(|w| w.heartbeat.clone());
        state.worker_wakes = embedded.as_ref().map(|w| w.wakes.clone());

        let listener = TcpListener::bind(config.bind).map_err(|e| {
            anyhow::anyhow!("AFTERCARE_BIND: cannot listen on {}: {e}", config.bind)
        })?;
        let bound = listener.local_addr()?;
        let port = bound.port();
        let server = server(listener, state.clone())?;
        let metrics = match config.metrics_bind {
            Some(addr) => {
                let cannot = |e: std::io::Error| {
                    anyhow::anyhow!("AFTERCARE_METRICS_BIND: cannot listen on {addr}: {e}")
                };
                let listener = TcpListener::bind(addr).map_err(cannot)?;
                let port = listener.local_addr().map_err(cannot)?.port();
                Some((
                    port,
                    metrics_server(listener, state.clone()).map_err(cannot)?,
                ))
            }
            None => None,
        };
        shared::care::readiness::warn_not_configured(&config, embedded.is_some());
        if config.demo {
            println!("{}", demo::banner(bound));
        }

        let worker = embedded.map(|w| {
            let (tx, rx) = watch::channel(false);
            (tx, tokio::spawn((w.run)(rx)))
        });
        tracing::info!(
            addr = %config.bind,
            port,
            metrics_addr = ?config.metrics_bind,
            backend = %state.db.backend(),
            embedded_worker = worker.is_some(),
            "API listening"
        );
        Ok(Self {
            port,
            server,
            metrics,
            worker,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the `AFTERCARE_METRICS_BIND` listener, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// Serves until SIGTERM or SIGINT, which mean the same graceful stop (and the log says
    /// so): the listeners stop accepting, requests in flight get up to
    /// [`SHUTDOWN_TIMEOUT_SECS`] to finish, then the embedded delivery loop (if any) finishes
    /// its in-flight sends, records them and hands its unsent claims back, and the process
    /// exits 0.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let metrics = self.metrics.map(|(_, server)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let embedded = self.worker.is_some();
        let stopping = tokio::spawn(async move {
            let signal = shared::startup::stop_signal().await;
            tracing::info!(
                signal,
                embedded_worker = embedded,
                "{signal} received: graceful stop: no new connections; requests in flight get up to {SHUTDOWN_TIMEOUT_SECS} s to finish; then the embedded delivery loop (if any) finishes its sends in flight and hands unsent claims back"
            );
            if let Some(m) = metrics {
                m.stop(true).await;
            }
            handle.stop(true).await;
            signal
        });
        let result = self.server.await;
        if let Some((stop, handle)) = self.worker {
            let _ = stop.send(true);
            let _ = handle.await;
        }
        stopping.abort();
        if result.is_ok() {
            tracing::info!("API stopped: requests answered, delivery work recorded");
        }
        result
    }
}

/// How long requests in flight may take to finish after SIGTERM/SIGINT.
pub const SHUTDOWN_TIMEOUT_SECS: u64 = 30;

/// `/metrics` alone, for `AFTERCARE_METRICS_BIND` (signals are handled by the main server's
/// stop, which stops this one too).
fn metrics_server(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let data = web::Data::new(state);
    Ok(HttpServer::new(move || {
        App::new().app_data(data.clone()).route(
            "/metrics",
            web::get().to(|state: web::Data<AppState>| async move {
                routes::ops::render_metrics(&state).await
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS)
    .run())
}

fn server(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let data = web::Data::new(state);
    let openapi = crate::openapi::document();
    let served = Arc::new(crate::methods::Served::from_openapi(&openapi));
    Ok(HttpServer::new(move || {
        let served = served.clone();
        App::new()
            .wrap(from_fn(crate::methods::head_as_get))
            .wrap(from_fn(crate::body_deadline::bound))
            .wrap(from_fn(crate::extract::authenticate))
            .wrap(from_fn(crate::security::headers))
            .wrap(from_fn(observe))
            .wrap(TracingLogger::<RouteSpan>::new())
            .app_data(data.clone())
            .app_data(extractors_config::json())
            .app_data(extractors_config::path())
            .app_data(extractors_config::query())
            .configure(routes::configure)
            .configure(crate::console::configure)
            .configure(crate::app_web::configure)
            .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", openapi.clone()))
            .route(
                "/docs",
                web::get().to(|| async {
                    HttpResponse::PermanentRedirect()
                        .insert_header(("Location", "/docs/"))
                        .finish()
                }),
            )
            // 405 with `Allow` for a documented path asked with another method, else 404.
            .default_service(web::to(move |req: HttpRequest| {
                let answer = served.refuse(&req);
                async move { answer }
            }))
    })
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS)
    .run())
}

/// Adds `X-Request-Id` to every response and records request metrics by route pattern.
async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    // A method outside RFC 9110's is one label, whatever its name: a client inventing methods
    // must not grow the metrics without bound.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" | "TRACE"
        | "CONNECT") => m.to_owned(),
        _ => "other".to_owned(),
    };
    let mut res = next.call(req).await?;
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), id);
    }
    if let Some(metrics) = metrics {
        let labels = HttpLabels {
            method,
            route: res
                .request()
                .match_pattern()
                .unwrap_or_else(|| "(unmatched)".to_owned()),
            status: res.status().as_u16(),
        };
        metrics.http_requests.get_or_create(&labels).inc();
        metrics
            .http_duration
            .get_or_create(&labels)
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(res)
}
