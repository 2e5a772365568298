//! The start-up steps the `api` and `worker` binaries share, so both fail the same way: read the
//! configuration and start logging, then open the database and bring its schema up to date.

use std::process::ExitCode;

use crate::config::Config;
use crate::db::{DatabaseUrl, Db, migrate};

/// The exit code for a configuration error (the README's "exit code 2"); other start-up and
/// run-time failures exit with 1.
pub const CONFIG_ERROR_EXIT: u8 = 2;

/// Reads the configuration from the environment, then installs logging as it says.
///
/// # Errors
/// On a bad or unknown setting, prints `configuration error: NAME: problem` on stderr (logging
/// is not running yet) and returns exit code 2 for `main` to return.
pub fn configure() -> Result<Config, ExitCode> {
    let config = Config::from_env().map_err(|e| {
        eprintln!("configuration error: {e}");
        ExitCode::from(CONFIG_ERROR_EXIT)
    })?;
    crate::telemetry::init(config.log_format, &config.log_filter);
    Ok(config)
}

/// Opens a pool of at most `pool_size` connections to `url` and applies every pending migration
/// (serialised between processes, see [`migrate::run_pending`]). Returns the pool and how many
/// migrations ran; a non-zero count is logged.
///
/// # Errors
/// `DATABASE_URL: cannot open the database: …` when the first connection fails, or the
/// migration error.
pub async fn open_database(url: &DatabaseUrl, pool_size: u32) -> anyhow::Result<(Db, usize)> {
    let db = Db::connect(url, pool_size)?;
    let applied = db.run(migrate::run_pending).await?;
    if applied > 0 {
        tracing::info!(applied, backend = %db.backend(), "migrations applied");
    }
    Ok((db, applied))
}

/// Parses the command line into `C`. A usage error ends the process with clap's message and
/// code 2 (`--help` and `--version` with 0), except under `healthcheck`, which answers 0 or 1
/// only (Docker reserves 2 for health checks): there the message is printed and the code is 1.
pub fn parse_cli<C: clap::Parser>() -> Result<C, ExitCode> {
    C::try_parse().map_err(|e| {
        let healthcheck = std::env::args_os()
            .nth(1)
            .is_some_and(|arg| arg == "healthcheck");
        if healthcheck && e.use_stderr() {
            let _ = e.print();
            ExitCode::FAILURE
        } else {
            e.exit()
        }
    })
}

/// The process exit code for what `main` ran: success, or the error printed in one line
/// (`error: …` with its causes, never a panic or a backtrace) and exit code 1.
pub fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Waits for SIGTERM (what Docker, Kubernetes and systemd send to stop a process) or SIGINT
/// (Ctrl-C) and returns its name, for the log line saying what the stop does. Both mean the
/// same graceful stop.
pub async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => "SIGTERM",
                    _ = tokio::signal::ctrl_c() => "SIGINT",
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}
