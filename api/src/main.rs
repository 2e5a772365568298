use std::process::ExitCode;

use api::cli::{Cli, ClinicCommand, Command, InvitationCommand, ProtocolsCommand, VapidCommand};
use shared::config::Config;
use shared::startup;

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = match startup::parse_cli::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // Needs no settings: an operator makes the key before configuring the service.
    if let Some(Command::Vapid {
        command: VapidCommand::Generate,
    }) = cli.command
    {
        return startup::exit_code(api::cli::vapid_generate());
    }
    let config = match startup::configure() {
        Ok(config) => config,
        // A health check answers 0 or 1 only (Docker reserves 2).
        Err(_) if matches!(cli.command, Some(Command::Healthcheck { .. })) => {
            return ExitCode::FAILURE;
        }
        Err(code) => return code,
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => api::cli::migrate(&config).await,
        Command::Healthcheck { path } => api::cli::healthcheck(&config, &path),
        Command::Clinic {
            command: ClinicCommand::Create(args),
        } => api::cli::create_clinic(&config, args).await,
        Command::Invitation {
            command: InvitationCommand::Resend(args),
        } => api::cli::resend_invitation(&config, args).await,
        Command::Vapid {
            command: VapidCommand::Generate,
        } => api::cli::vapid_generate(),
        Command::Protocols {
            command: ProtocolsCommand::Check,
        } => api::cli::check_protocols(&config).await,
    };
    startup::exit_code(result)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = api::app::Application::build(config, |db, config, metrics, mailer| {
        worker::Worker::new(db, config, metrics, mailer).embedded()
    })
    .await?;
    app.run_until_stopped().await?;
    Ok(())
}
