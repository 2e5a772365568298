//! The operator CLI: `api [serve]`, `api migrate`, `api clinic create …`,
//! `api invitation resend --email E`, `api healthcheck`, `api vapid generate`,
//! `api protocols check`.

use clap::{Args, Parser, Subcommand};
use shared::care::invitations::{self, INVITATION_TTL_HOURS};
use shared::domain::{Email, TimeZone};
use shared::mail::Mailer;
use shared::startup::open_database;
use shared::time::now;

use crate::validate;

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
    /// Probe the running API on AFTERCARE_BIND (`/readyz` unless `--path` says otherwise):
    /// exit 0 when it answers 2xx, 1 otherwise. For container health checks (no curl needed).
    Healthcheck {
        /// The path to probe, e.g. /healthz for liveness only.
        #[arg(long, default_value = "/readyz")]
        path: String,
    },
    /// Manage clinics (tenants).
    Clinic {
        #[command(subcommand)]
        command: ClinicCommand,
    },
    /// Manage invitations of accounts not yet activated.
    Invitation {
        #[command(subcommand)]
        command: InvitationCommand,
    },
    /// Web Push's VAPID key pair (RFC 8292).
    Vapid {
        #[command(subcommand)]
        command: VapidCommand,
    },
    /// Clinics' own protocol versions.
    Protocols {
        #[command(subcommand)]
        command: ProtocolsCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProtocolsCommand {
    /// Run the content-safety check on every clinic's published protocol version (every prompt
    /// rendered in both languages for every combination of its conditions; push payloads
    /// within the providers' limits). Prints each problem; exits 1 when there is any.
    Check,
}

/// Checks every published clinic protocol (`shared::care::protocols::check_published`) and
/// prints what it finds; an error (exit 1) when a version has a problem.
pub async fn check_protocols(config: &shared::config::Config) -> anyhow::Result<()> {
    let default = shared::protocol::Protocol::load(config.protocol_dir.as_deref())
        .map_err(|e| anyhow::anyhow!("AFTERCARE_PROTOCOL_DIR: {e:#}"))?;
    let registry = shared::care::Protocols::new(std::sync::Arc::new(default));
    let (db, _) = open_database(&config.database_url, 1).await?;
    let found = shared::care::protocols::check_published(&db, &registry).await?;
    if found.is_empty() {
        println!("Every published clinic protocol passes the content-safety check.");
        return Ok(());
    }
    let mut count = 0;
    for (id, problems) in &found {
        for problem in problems {
            println!("protocol {id}: {problem}");
            count += 1;
        }
    }
    anyhow::bail!(
        "{count} problem(s) in {} published protocol version(s)",
        found.len()
    )
}

#[derive(Debug, Subcommand)]
pub enum VapidCommand {
    /// Print a new key pair: the private key for AFTERCARE_VAPID_PRIVATE_KEY and the public key
    /// browsers subscribe with (both base64url). Reads no settings and stores nothing.
    Generate,
}

/// Prints a new VAPID key pair (`api vapid generate`).
pub fn vapid_generate() -> anyhow::Result<()> {
    let key = shared::push::webpush::VapidKey::generate().map_err(anyhow::Error::msg)?;
    println!(
        "AFTERCARE_VAPID_PRIVATE_KEY={}",
        key.private_key_base64url()
    );
    println!(
        "# public key (GET /v1/push/vapid-public-key answers it): {}",
        key.public_key()
    );
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum InvitationCommand {
    /// Revoke the invitation code of every not-yet-activated account with this email, issue a
    /// new one, print it and email it.
    Resend(ResendInvitation),
}

#[derive(Debug, Args)]
pub struct ResendInvitation {
    /// The email the account was invited with.
    #[arg(long)]
    pub email: String,
}

#[derive(Debug, Subcommand)]
pub enum ClinicCommand {
    /// Create a clinic and its first admin; prints the admin's one-time invitation code and
    /// emails it.
    Create(CreateClinic),
}

#[derive(Debug, Args)]
pub struct CreateClinic {
    /// The clinic's name, as patients and staff see it.
    #[arg(long)]
    pub name: String,
    /// IANA time zone of the clinic, e.g. Europe/Madrid.
    #[arg(long)]
    pub timezone: String,
    /// Email of the clinic's first administrator.
    #[arg(long)]
    pub admin_email: String,
    /// Telephone number patients are told to call.
    #[arg(long)]
    pub contact_phone: Option<String>,
    /// The administrator's name.
    #[arg(long, default_value = "Clinic administrator")]
    pub admin_name: String,
}

/// Applies migrations and reports how many ran.
pub async fn migrate(config: &shared::config::Config) -> anyhow::Result<()> {
    let (db, applied) = open_database(&config.database_url, 1).await?;
    println!(
        "{applied} migration(s) applied; database {} is up to date",
        db.backend()
    );
    Ok(())
}

/// Creates the clinic and its invited admin (`shared::care::invitations::create_clinic`),
/// prints the code, and says whether it was emailed.
pub async fn create_clinic(
    config: &shared::config::Config,
    args: CreateClinic,
) -> anyhow::Result<()> {
    let name = validate::text(&args.name, 200).map_err(|m| anyhow::anyhow!("--name {m}"))?;
    let timezone =
        TimeZone::parse(&args.timezone).map_err(|m| anyhow::anyhow!("--timezone: {m}"))?;
    let admin_email =
        Email::parse(&args.admin_email).map_err(|m| anyhow::anyhow!("--admin-email {m}"))?;
    let contact_phone = validate::optional_phone(args.contact_phone.as_deref())
        .map_err(|m| anyhow::anyhow!("--contact-phone {m}"))?;
    let admin_name =
        validate::text(&args.admin_name, 200).map_err(|m| anyhow::anyhow!("--admin-name {m}"))?;
    let mailer = Mailer::from_config(&config.mail)?;

    let (db, _) = open_database(&config.database_url, 1).await?;
    let new = invitations::ClinicForm {
        name: name.clone(),
        timezone,
        contact_phone,
        admin_email: admin_email.clone(),
        admin_name,
    };
    let created = match invitations::create_clinic(&db, &mailer, new, now()).await {
        Err(shared::Error::Conflict(_)) => {
            anyhow::bail!("--name: a clinic named {name:?} already exists")
        }
        other => other?,
    };
    println!(
        "Clinic {name:?} created (id {}, time zone {timezone}).",
        created.clinic_id
    );
    println!("First admin: {admin_email} (user id {})", created.admin_id);
    print_code(&mailer, &created.code, &created.emailed, &admin_email);
    Ok(())
}

/// Prints a one-time code for the operator and whether it reached `email`: when it did not,
/// the operator hands it over.
fn print_code(
    mailer: &Mailer,
    code: &str,
    emailed: &Result<(), shared::mail::MailError>,
    email: &Email,
) {
    println!("One-time invitation code (valid {INVITATION_TTL_HOURS} hours): {code}");
    match emailed {
        Ok(()) if mailer.is_smtp() => println!("The code was emailed to {email}."),
        Ok(()) => println!("No SMTP server is configured: hand the code above over in person."),
        Err(e) => {
            println!("The email could not be sent ({e}); hand the code above over in person.")
        }
    }
}

/// Resends the invitation of every account with `--email` still waiting for activation
/// (`shared::care::invitations::resend_by_email`) and prints each new code.
pub async fn resend_invitation(
    config: &shared::config::Config,
    args: ResendInvitation,
) -> anyhow::Result<()> {
    let email = Email::parse(&args.email).map_err(|m| anyhow::anyhow!("--email {m}"))?;
    let mailer = Mailer::from_config(&config.mail)?;
    let (db, _) = open_database(&config.database_url, 1).await?;
    let resent = match invitations::resend_by_email(&db, &mailer, &email, now()).await {
        Err(shared::Error::NotFound) => anyhow::bail!("--email: no account has the email {email}"),
        Err(shared::Error::Conflict(_)) => {
            anyhow::bail!("--email: the account of {email} is already active; nothing to resend")
        }
        other => other?,
    };
    for r in resent {
        println!(
            "New invitation for {email} (user id {}, clinic id {}); the old code no longer works.",
            r.user_id, r.clinic_id
        );
        print_code(&mailer, &r.code, &r.emailed, &email);
    }
    Ok(())
}

/// Probes the API this configuration describes (see [`Command::Healthcheck`]); prints one line.
pub fn healthcheck(config: &shared::config::Config, path: &str) -> anyhow::Result<()> {
    let status = shared::healthcheck::probe(config.bind, path).map_err(|e| anyhow::anyhow!(e))?;
    println!("healthy: {path} answered {status}");
    Ok(())
}
