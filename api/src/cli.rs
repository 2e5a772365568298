//! The operator CLI: `api [serve]`, `api migrate`, `api clinic create …`.

use clap::{Args, Parser, Subcommand};
use shared::db::invitations::{self, purpose};
use shared::db::{clinics, new_id, users};
use shared::domain::{Email, Locale, Role, TimeZone};
use shared::mail::Mailer;
use shared::mail::account::Audience;
use shared::startup::open_database;
use shared::time::now;

use crate::{invites, validate};

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
    /// Manage clinics (tenants).
    Clinic {
        #[command(subcommand)]
        command: ClinicCommand,
    },
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

/// Creates the clinic and its invited admin in one transaction, prints the code, emails it.
pub async fn create_clinic(
    config: &shared::config::Config,
    args: CreateClinic,
) -> anyhow::Result<()> {
    let name = validate::text(&args.name, 200).map_err(|m| anyhow::anyhow!("--name {m}"))?;
    let tz = TimeZone::parse(&args.timezone).map_err(|m| anyhow::anyhow!("--timezone: {m}"))?;
    let email =
        Email::parse(&args.admin_email).map_err(|m| anyhow::anyhow!("--admin-email {m}"))?;
    let phone = validate::optional_phone(args.contact_phone.as_deref())
        .map_err(|m| anyhow::anyhow!("--contact-phone {m}"))?;
    let admin_name =
        validate::text(&args.admin_name, 200).map_err(|m| anyhow::anyhow!("--admin-name {m}"))?;
    let mailer = Mailer::from_config(&config.mail)?;

    let (db, _) = open_database(&config.database_url, 1).await?;
    let t = now();
    let clinic = clinics::Clinic {
        id: new_id(),
        name: name.clone(),
        timezone: tz.name().to_owned(),
        contact_phone: phone,
        contact_email: None,
        created_at: t,
        updated_at: t,
    };
    let admin = users::User {
        id: new_id(),
        clinic_id: clinic.id.clone(),
        email: email.as_str().to_owned(),
        name: admin_name,
        role: Role::ClinicAdmin.as_str().into(),
        status: users::status::INVITED.into(),
        password_hash: None,
        created_at: t,
        updated_at: t,
    };
    let (clinic_id, admin_id) = (clinic.id.clone(), admin.id.clone());
    let code = db
        .transaction(move |c| {
            // A second run of the same command is far likelier than two clinics sharing a name.
            if clinics::find_by_name(c, &clinic.name)?.is_some() {
                return Ok(None);
            }
            clinics::insert(c, &clinic)?;
            users::insert(c, &admin)?;
            invitations::create(
                c,
                &admin.id,
                purpose::INVITATION,
                invitations::INVITATION_TTL_HOURS,
                t,
            )
            .map(Some)
        })
        .await?
        .ok_or_else(|| anyhow::anyhow!("--name: a clinic named {name:?} already exists"))?;

    println!("Clinic {name:?} created (id {clinic_id}, time zone {tz}).");
    println!("First admin: {email} (user id {admin_id})");
    println!(
        "One-time invitation code (valid {} hours): {code}",
        invitations::INVITATION_TTL_HOURS
    );
    let sent = invites::send_invitation(
        &mailer,
        &admin_id,
        email.as_str(),
        Locale::En,
        Audience::Staff,
        &code,
    )
    .await;
    match sent {
        Ok(()) if mailer.is_smtp() => println!("The code was emailed to {email}."),
        Ok(()) => println!("No SMTP server is configured: give the admin the code above."),
        Err(e) => println!("The email could not be sent ({e}); give the admin the code above."),
    }
    Ok(())
}
