//! The operator CLI: `api [serve]`, `api migrate`, `api clinic create …`.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "api",
    version,
    about = "Aftercare companion API and operator commands"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
}

/// Applies migrations and reports how many ran.
pub async fn migrate(config: &shared::config::Config) -> anyhow::Result<()> {
    let db = shared::db::Db::connect(&config.database_url, 1)?;
    let applied = db.run(shared::db::migrate::run_pending).await?;
    println!(
        "{applied} migration(s) applied; database {} is up to date",
        db.backend()
    );
    Ok(())
}
