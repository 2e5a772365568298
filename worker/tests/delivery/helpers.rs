//! A fresh database per test, fixtures for patients, devices and due prompts, and a worker built
//! in-process from a settings map (the same `Config::from_vars` the binary uses).
#![allow(dead_code)]

use shared::domain::{DeviceId, PatientId, PromptId};
use std::collections::HashMap;
use std::sync::Arc;

use chrono::Duration;
use shared::config::Config;
use shared::db::alerts::{self, ClinicAlert};
use shared::db::deliveries::Attempt;
use shared::db::devices::{self, Device};
use shared::db::prompts::{self, Prompt};
use shared::db::{Backend, Db, DbConn, clinics, migrate, new_id, patients, users};
use shared::domain::{ClinicId, EscalationId};
use shared::mail::Mailer;
use shared::metrics::Metrics;
use shared::testing::{TestDatabase, fixtures};
use shared::time::now;
use tokio::sync::watch;
use worker::Worker;

pub struct Env {
    pub db: Db,
    pub vars: HashMap<String, String>,
    // Dropped last: the database outlives the pool using it.
    pub database: TestDatabase,
}

impl Env {
    /// A migrated database on `backend`; `None` when PostgreSQL is unavailable and not required.
    pub async fn new(backend: Backend) -> Option<Env> {
        let database = TestDatabase::new(backend)?;
        let db = Db::connect(&database.url, 4).unwrap();
        db.run(migrate::run_pending).await.unwrap();
        let vars = [
            ("DATABASE_URL", database.url_string()),
            ("AFTERCARE_WORKER_ID", "test-worker".to_owned()),
            ("AFTERCARE_DB_POOL_SIZE", "4".to_owned()),
            ("AFTERCARE_MAX_ATTEMPTS", "3".to_owned()),
            (
                "AFTERCARE_PUBLIC_URL",
                "https://care.example.test".to_owned(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Some(Env { db, vars, database })
    }

    pub fn set(&mut self, settings: impl IntoIterator<Item = (&'static str, String)>) {
        for (k, v) in settings {
            self.vars.insert(k.to_owned(), v);
        }
    }

    pub fn config(&self) -> Config {
        Config::from_vars(&self.vars).unwrap()
    }

    /// A worker over this database with the current settings.
    pub fn worker(&self) -> Worker {
        self.worker_named("test-worker")
    }

    pub fn worker_named(&self, id: &str) -> Worker {
        let mut vars = self.vars.clone();
        vars.insert("AFTERCARE_WORKER_ID".into(), id.into());
        let mut config = Config::from_vars(&vars).unwrap();
        // The fake Web Push service listens on 127.0.0.1 over plain http.
        config.webpush.allow_loopback_endpoints = true;
        let mailer = Mailer::from_config(&config.mail).unwrap();
        Worker::try_new(self.db.clone(), Arc::new(config), Metrics::new(), mailer).unwrap()
    }

    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> T + Send + 'static,
    ) -> T {
        self.db.run(move |c| Ok(f(c))).await.unwrap()
    }

    /// A clinic and one active patient (push and email on, private previews).
    pub async fn patient(&self) -> (clinics::Clinic, users::User) {
        self.run(|c| {
            let clinic = fixtures::clinic(c, "Test Clinic");
            let (user, _) = fixtures::patient(c, &clinic.id, "Europe/Madrid");
            (clinic, user)
        })
        .await
    }

    /// A device with its platform's default provider (FCM on android, APNs production on ios).
    pub async fn device(&self, patient_id: impl AsRef<str>, platform: &str, token: &str) -> Device {
        let platform = shared::domain::Platform::parse(platform).unwrap();
        let new = devices::DeviceForm::of_platform(platform, token, Some("1.0.0"));
        self.device_with(patient_id, new).await
    }

    /// A device registered as `new` says (provider, APNs environment).
    pub async fn device_with(
        &self,
        patient_id: impl AsRef<str>,
        new: devices::DeviceForm,
    ) -> Device {
        let p = PatientId::from(patient_id.as_ref());
        self.run(move |c| devices::register(c, &p, &new, now()).unwrap().0)
            .await
    }

    /// Changes the patient's profile in place.
    pub async fn profile(
        &self,
        patient_id: impl AsRef<str>,
        change: impl FnOnce(&mut patients::PatientProfile) + Send + 'static,
    ) {
        use diesel::prelude::*;
        use shared::db::schema::patient_profiles as pp;
        let id = PatientId::from(patient_id.as_ref());
        self.run(move |c| {
            let mut p = patients::find(c, &id).unwrap();
            change(&mut p);
            diesel::update(pp::table.find(&id))
                .set((
                    pp::push_enabled.eq(p.push_enabled),
                    pp::email_enabled.eq(p.email_enabled),
                    pp::lock_screen_preview.eq(p.lock_screen_preview),
                    pp::discharged_at.eq(p.discharged_at),
                    pp::erased_at.eq(p.erased_at),
                ))
                .execute(c)
                .unwrap();
        })
        .await
    }

    /// One prompt due a minute ago.
    pub async fn prompt(&self, clinic_id: impl AsRef<str>, patient_id: impl AsRef<str>) -> Prompt {
        let p = new_prompt(
            clinic_id.as_ref(),
            patient_id.as_ref(),
            &format!("key-{}", new_id()),
        );
        let row = p.clone();
        self.run(move |c| prompts::insert(c, &[row]).unwrap()).await;
        p
    }

    pub async fn reload(&self, id: impl AsRef<str>) -> Prompt {
        use diesel::prelude::*;
        use shared::db::schema::prompts as t;
        let id = id.as_ref().to_owned();
        self.run(move |c| {
            t::table
                .find(&id)
                .select(Prompt::as_select())
                .first(c)
                .unwrap()
        })
        .await
    }

    pub async fn attempts(&self, prompt_id: impl AsRef<str>) -> Vec<Attempt> {
        let id = PromptId::from(prompt_id.as_ref());
        self.run(move |c| shared::db::deliveries::for_prompt(c, &id).unwrap())
            .await
    }

    pub async fn device_row(&self, id: impl AsRef<str>) -> Device {
        let id = DeviceId::from(id.as_ref());
        self.run(move |c| devices::find(c, &id).unwrap()).await
    }

    /// Makes a retried prompt due again (instead of waiting out its backoff).
    pub async fn make_due(&self, id: impl AsRef<str>) {
        use diesel::prelude::*;
        use shared::db::schema::prompts as t;
        let id = id.as_ref().to_owned();
        self.run(move |c| {
            diesel::update(t::table.find(&id))
                .set(t::available_at.eq(now() - Duration::seconds(1)))
                .execute(c)
                .unwrap()
        })
        .await;
    }
}

pub fn new_prompt(clinic_id: impl AsRef<str>, patient_id: impl AsRef<str>, key: &str) -> Prompt {
    let t = now();
    let due = t - Duration::minutes(1);
    Prompt {
        id: PromptId::new(),
        clinic_id: clinic_id.as_ref().into(),
        patient_id: patient_id.as_ref().into(),
        treatment_id: None,
        booking_id: None,
        kind: shared::domain::PromptKind::Aftercare,
        prompt_key: "day3_redness".into(),
        day: 3,
        urgent: false,
        idempotency_key: key.to_owned(),
        title: "Redness check".into(),
        body: "Is the redness fading since yesterday?".into(),
        locale: shared::domain::Locale::En,
        timezone: shared::domain::TimeZone::parse("Europe/Madrid").unwrap(),
        local_date: due.date().to_string(),
        local_time: "10:00".into(),
        due_at: due,
        available_at: due,
        status: shared::domain::PromptStatus::Scheduled,
        attempts: 0,
        lease_owner: None,
        lease_expires_at: None,
        channel: None,
        last_error: None,
        sent_at: None,
        acknowledged_at: None,
        cancelled_at: None,
        created_at: t,
        updated_at: t,
        important: false,
        ack_window_secs: None,
    }
}

/// An open escalation written straight to the table (the reason is a triage rule code that
/// must never reach an email) and, for an urgent one, its clinic alert, in one transaction as
/// the check-in does.
pub fn escalate(
    c: &mut DbConn,
    clinic_id: impl AsRef<str>,
    patient_id: impl AsRef<str>,
    severity: &str,
) -> EscalationId {
    use diesel::prelude::*;
    use shared::db::schema::escalations as e;
    let (clinic_id, patient_id) = (clinic_id.as_ref(), patient_id.as_ref());
    let id = EscalationId::new();
    c.transaction(|c| {
        diesel::insert_into(e::table)
            .values((
                e::id.eq(&id),
                e::clinic_id.eq(clinic_id),
                e::patient_id.eq(patient_id),
                e::reason.eq("fever_reported"),
                e::severity.eq(severity),
                e::status.eq("open"),
                e::created_at.eq(now()),
            ))
            .execute(c)?;
        if severity == "urgent" {
            alerts::enqueue(c, &ClinicId::from(clinic_id), &id, now())?;
        }
        Ok::<_, shared::Error>(())
    })
    .unwrap();
    id
}

/// The alert of `escalation`.
pub async fn alert(env: &Env, escalation: &EscalationId) -> ClinicAlert {
    let id = escalation.clone();
    env.run(move |c| alerts::for_escalation(c, &id).unwrap().unwrap())
        .await
}

/// One pass over the clinic-alert outbox, run to completion.
pub async fn drain_alerts(w: &Worker) -> usize {
    let (_tx, rx) = watch::channel(false);
    worker::alerts::drain(w, &rx).await.unwrap()
}

/// One dispatch tick, run to completion.
pub async fn drain(w: &Worker) -> usize {
    let (_tx, rx) = watch::channel(false);
    worker::dispatch::drain(w, &rx).await.unwrap()
}

/// Runs the same async test body on SQLite and on PostgreSQL, each with a fresh, migrated
/// [`Env`] (see `shared::both_backends!`).
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($env:ident) $body:block)*) => {
        shared::both_backends! {
            spawn = $crate::helpers::Env::new;
            $(async fn $name(mut $env) $body)*
        }
    };
}
