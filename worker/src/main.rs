//! The delivery worker process: `worker` (runs until SIGTERM/SIGINT) and `worker healthcheck`.

use std::process::ExitCode;
use std::sync::Arc;

use shared::config::Config;
use shared::mail::Mailer;
use shared::metrics::Metrics;
use shared::startup;
use tokio::sync::watch;
use worker::cli::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match startup::parse_cli::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let config = match startup::configure() {
        Ok(config) => Arc::new(config),
        // A health check answers 0 or 1 only (Docker reserves 2).
        Err(_) if matches!(cli.command, Some(Command::Healthcheck { .. })) => {
            return ExitCode::FAILURE;
        }
        Err(code) => return code,
    };
    let result = match cli.command.unwrap_or(Command::Run) {
        Command::Run => run(config).await,
        Command::Healthcheck { path } => worker::cli::healthcheck(&config, &path),
    };
    startup::exit_code(result)
}

async fn run(config: Arc<Config>) -> anyhow::Result<()> {
    let (db, _) = startup::open_database(&config.database_url, config.db_pool_size).await?;
    // A worker on the embedded SQLite database uses the VAPID key the API keeps there.
    let mut settled = (*config).clone();
    shared::care::web_push::provision(&db, &mut settled).await?;
    let config = Arc::new(settled);
    let mailer = Mailer::from_config(&config.mail)?;
    let metrics_bind = config.worker.metrics_bind;
    shared::care::readiness::warn_not_configured(&config, true);
    let worker = worker::Worker::try_new(db, config, Metrics::new(), mailer)?;
    let listener = match metrics_bind {
        Some(addr) => {
            let cannot = |e: std::io::Error| {
                anyhow::anyhow!("AFTERCARE_WORKER_METRICS_BIND: cannot listen on {addr}: {e}")
            };
            let socket = std::net::TcpListener::bind(addr).map_err(cannot)?;
            Some(worker::http::serve(socket, &worker).map_err(cannot)?)
        }
        None => None,
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let handle = tokio::spawn(worker.run(stop_rx));
    let signal = startup::stop_signal().await;
    tracing::info!(
        signal,
        "{signal} received: graceful stop: no new claims; sends already started finish (each within its lease margin) and are recorded; prompts and alerts claimed but not sent go back to the queue for any worker at once"
    );
    let _ = stop_tx.send(true);
    handle.await?;
    if let Some(listener) = listener {
        listener.stop(true).await;
    }
    tracing::info!(
        signal,
        "worker stopped: in-flight work recorded, unsent claims released; exit 0"
    );
    Ok(())
}
