//! The worker's command line: `worker [run]` and `worker healthcheck`.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "worker",
    version,
    about = "Aftercare delivery worker: claims due prompts and sends them by push and email"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the delivery worker until SIGTERM/SIGINT (the default).
    Run,
    /// Probe the running worker on AFTERCARE_WORKER_METRICS_BIND (`/healthz` unless `--path`
    /// says otherwise): exit 0 when it answers 2xx, 1 otherwise. For container health checks.
    Healthcheck {
        /// The path to probe, e.g. /readyz for the database check.
        #[arg(long, default_value = "/healthz")]
        path: String,
    },
}

/// Probes the worker this configuration describes; prints one line.
///
/// # Errors
/// No `AFTERCARE_WORKER_METRICS_BIND` (the worker then serves no endpoint to probe), a bad
/// `--path`, or the probe's failure.
pub fn healthcheck(config: &shared::config::Config, path: &str) -> anyhow::Result<()> {
    let Some(bind) = config.worker.metrics_bind else {
        anyhow::bail!(
            "AFTERCARE_WORKER_METRICS_BIND is not set: the worker serves no health endpoint"
        );
    };
    let status = shared::healthcheck::probe(bind, path).map_err(|e| anyhow::anyhow!(e))?;
    println!("healthy: {path} answered {status}");
    Ok(())
}
