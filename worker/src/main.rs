//! The delivery worker process: `worker` (runs until SIGTERM/SIGINT).

use std::process::ExitCode;
use std::sync::Arc;

use shared::config::Config;
use shared::mail::Mailer;
use shared::metrics::Metrics;
use shared::startup;
use tokio::sync::watch;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match startup::configure() {
        Ok(config) => Arc::new(config),
        Err(code) => return code,
    };
    startup::exit_code(run(config).await)
}

async fn run(config: Arc<Config>) -> anyhow::Result<()> {
    let (db, _) = startup::open_database(&config.database_url, config.db_pool_size).await?;
    let mailer = Mailer::from_config(&config.mail)?;
    let metrics = Metrics::new();
    let listener = match config.worker.metrics_bind {
        Some(addr) => Some(worker::http::serve(addr, metrics.clone()).map_err(|e| {
            anyhow::anyhow!("AFTERCARE_WORKER_METRICS_BIND: cannot listen on {addr}: {e}")
        })?),
        None => None,
    };
    let worker = worker::Worker::try_new(db, config, metrics, mailer)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let handle = tokio::spawn(worker.run(stop_rx));
    wait_for_signal().await;
    tracing::info!("stop requested: finishing in-flight work");
    let _ = stop_tx.send(true);
    handle.await?;
    if let Some(listener) = listener {
        listener.stop(true).await;
    }
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
