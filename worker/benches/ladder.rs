//! Delivery ladder simulation: important prompts for a population with dead devices, consents
//! of every kind and half the patients never acknowledging, drained by an in-process worker
//! against loopback fakes of FCM, a Twilio-compatible Messages API and SMTP. Run with
//!
//! ```sh
//! cargo bench -p worker --bench ladder -- [patients] [window_secs]
//! ```
//!
//! (defaults: 10,000 patients, a 240 s window: a minute of the protocol is a second here;
//! PostgreSQL, whose SQL the fill uses). Each patient has one Android device
//! (30 % of tokens dead: the fake answers 404 `UNREGISTERED`), a phone, email on, no quiet
//! hours, and one important prompt due now whose acknowledgement window is `window_secs`. Texts:
//! 70 % granted a consent, 20 % were never asked, 10 % granted and then withdrew it (STOP).
//! Half the patients acknowledge each prompt as soon as it is sent (the bench marks `sent`
//! prompts acknowledged every 200 ms); the others never do, so their prompts climb the whole
//! ladder. Windows are shortened: the day-5 check's 240 min is `window_secs`, and the issue's
//! "+ 15 minutes" is scaled the same way (`window_secs × 15 / 240`).
//!
//! Printed: the important prompts, the share confirmed on some channel within window + grace
//! (confirmed: a provider accepted it — FCM 200, the Messages API 201, SMTP 250; the fake sends
//! no delivery receipts), the time to the first confirmation (p50, p99), the ladder's steps per
//! channel, and the texts sent to numbers without a consent in force (never asked, or after
//! STOP), which must be 0. Figures are in BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/fake_fcm.rs"]
mod fake_fcm;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};
use serde_json::json;
use shared::config::Config;
use shared::db::{Backend, Db, DbConn, migrate};
use shared::mail::Mailer;
use shared::metrics::Metrics;
use shared::testing::smtp::SmtpServer;
use shared::testing::{TestDatabase, fixtures};
use shared::time::now;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use fake_fcm::FakeFcm;

/// A loopback Messages API: notes each text's `To` and answers 201 with a `sid`.
struct Accept(Arc<Mutex<Vec<String>>>);

impl Respond for Accept {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let to = form_urlencoded_to(&req.body);
        let mut log = self.0.lock().unwrap();
        log.push(to);
        ResponseTemplate::new(201)
            .set_body_json(json!({"sid": format!("SM{:032}", log.len()), "status": "queued"}))
    }
}

fn form_urlencoded_to(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .find_map(|kv| kv.strip_prefix("To="))
        .unwrap_or_default()
        .replace("%2B", "+")
}

/// What the bench made of each patient (`bench_roles`).
#[derive(QueryableByName)]
struct Role {
    #[diesel(sql_type = Text)]
    phone: String,
    #[diesel(sql_type = Integer)]
    consent: i32,
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let arg = |i: usize, default: i64| -> i64 {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
    };
    let patients = arg(0, 10_000);
    let window = arg(1, 240);
    let backend = Backend::Postgres;
    let grace = window as f64 * 15.0 / 240.0;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let Some(t) = TestDatabase::new(backend) else {
        eprintln!("PostgreSQL unreachable; nothing measured");
        return;
    };
    let db = Db::connect(&t.url, 10).unwrap();
    let mut conn = db.get().unwrap();
    migrate::run_pending(&mut conn).unwrap();
    let started = Instant::now();
    fill(&mut conn, patients, window);
    println!(
        "{backend}: {patients} patients, one important prompt each (window {window} s, grace \
         {grace:.1} s), filled in {:.1?}",
        started.elapsed()
    );

    let fcm = rt.block_on(FakeFcm::start("ladder-bench", false));
    let smtp = rt.block_on(SmtpServer::start());
    let texts = Arc::new(Mutex::new(Vec::new()));
    let sms = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path_regex(
                r"^/2010-04-01/Accounts/AC[0-9a-f]{32}/Messages\.json$",
            ))
            .respond_with(Accept(texts.clone()))
            .mount(&server)
            .await;
        server
    });
    let mut vars: HashMap<String, String> = [
        ("DATABASE_URL", t.url_string()),
        ("AFTERCARE_WORKER_ID", "ladder-bench".to_owned()),
        ("AFTERCARE_DB_POOL_SIZE", "8".to_owned()),
        ("AFTERCARE_DISPATCH_CRON", "* * * * * *".to_owned()),
        (
            "AFTERCARE_PUBLIC_URL",
            "https://care.example.test".to_owned(),
        ),
        ("AFTERCARE_FCM_PROJECT_ID", "bench-project".to_owned()),
        (
            "AFTERCARE_FCM_SERVICE_ACCOUNT_FILE",
            fcm.service_account.clone(),
        ),
        ("AFTERCARE_FCM_BASE_URL", fcm.url.clone()),
        ("AFTERCARE_FCM_TOKEN_URL", format!("{}/token", fcm.url)),
        ("AFTERCARE_SMS_BASE_URL", sms.uri()),
        ("AFTERCARE_SMS_ACCOUNT_SID", format!("AC{}", "0".repeat(32))),
        ("AFTERCARE_SMS_AUTH_TOKEN", "bench-auth-token".to_owned()),
        (
            "AFTERCARE_SMS_MESSAGING_SERVICE_SID",
            format!("MG{}", "0".repeat(32)),
        ),
        // A messaging service's rate, not a long code's 1/s.
        ("AFTERCARE_SMS_RATE_PER_SEC", "500".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    vars.extend(smtp.settings().into_iter().map(|(k, v)| (k.to_owned(), v)));
    let config = Config::from_vars(&vars).unwrap();
    // The SMTP pool starts on the runtime.
    let _inside = rt.enter();
    let mailer = Mailer::from_config(&config.mail).unwrap();
    let worker =
        worker::Worker::try_new(db.clone(), Arc::new(config), Metrics::new(), mailer).unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let running = rt.spawn(worker.run(shutdown));

    // The acknowledging half, until every prompt is resolved and every ladder over.
    let drained = Instant::now();
    let limit = Duration::from_secs(3 * window as u64 + 900);
    loop {
        std::thread::sleep(Duration::from_millis(200));
        acknowledge_sent(&mut conn);
        if open(&mut conn) == 0 {
            break;
        }
        assert!(drained.elapsed() < limit, "the ladder did not finish");
    }
    let took = drained.elapsed();
    let _ = stop.send(true);
    rt.block_on(running).unwrap();

    let (total, within, p50, p99) = confirmations(&mut conn, window as f64 + grace);
    println!(
        "important prompts: {total}; confirmed on some channel within window + grace: {within} \
         = {:.2} % (target >= 99 %); first confirmation after due: p50 {p50:.2} s, p99 {p99:.2} s",
        100.0 * within as f64 / total as f64
    );
    println!("ladder over for every prompt after {took:.1?}");
    for (channel, outcome, n) in attempts(&mut conn) {
        println!("  attempts {channel:>7} {outcome:<13} {n}");
    }
    for (status, n) in follow_ups(&mut conn) {
        println!("  follow-ups {status:<8} {n}");
    }
    let roles: HashMap<String, i32> = sql_query("SELECT phone, consent FROM bench_roles")
        .load::<Role>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| (r.phone, r.consent))
        .collect();
    let sent = texts.lock().unwrap().clone();
    let refused = |class: i32| {
        sent.iter()
            .filter(|to| roles.get(*to) == Some(&class))
            .count()
    };
    let mut per_number: HashMap<&String, usize> = HashMap::new();
    for to in &sent {
        *per_number.entry(to).or_default() += 1;
    }
    println!(
        "texts: {} to {} numbers (most to one number: {}); to numbers never asked: {}, after \
         STOP: {} (target 0); emails: {}; FCM accepted: {}",
        sent.len(),
        per_number.len(),
        per_number.values().max().copied().unwrap_or(0),
        refused(NEVER_ASKED),
        refused(STOPPED),
        smtp.received().len(),
        fcm.count()
    );
}

const GRANTED: i32 = 0;
const NEVER_ASKED: i32 = 1;
const STOPPED: i32 = 2;

/// The population (see the module notes), with set-based SQL after the fixtures' patients.
fn fill(conn: &mut DbConn, patients: i64, window: i64) {
    let clinic = fixtures::clinic(conn, "Bench Clinic");
    conn.transaction::<_, diesel::result::Error, _>(|c| {
        for _ in 0..patients {
            fixtures::patient(c, &clinic.id, "Europe/Madrid");
        }
        Ok(())
    })
    .unwrap();
    // rn: the patient's number; dead: rn % 10 < 3; consent: (rn / 10) % 10 (0–6 granted, 7–8
    // never asked, 9 withdrawn); ack: (rn / 100) % 2 = 0.
    conn.batch_execute(&format!(
        "CREATE TABLE bench_roles AS SELECT user_id, rn, \
           '+346' || lpad(CAST(rn AS TEXT), 8, '0') AS phone, \
           CASE WHEN (rn / 10) % 10 < 7 THEN {GRANTED} WHEN (rn / 10) % 10 < 9 THEN {NEVER_ASKED} \
                ELSE {STOPPED} END AS consent, \
           (rn / 100) % 2 = 0 AS ack, rn % 10 < 3 AS dead \
         FROM (SELECT user_id, row_number() OVER (ORDER BY user_id) - 1 AS rn \
               FROM patient_profiles) AS numbered;"
    ))
    .unwrap();
    // Every statement binds the one time; the clinic id and the window are the bench's own.
    let at = |c: &mut DbConn, q: String| {
        sql_query(q).bind::<Timestamp, _>(now()).execute(c).unwrap();
    };
    let clinic = clinic.id.as_str();
    at(
        conn,
        "UPDATE patient_profiles SET quiet_start = NULL, quiet_end = NULL, updated_at = $1, \
         phone = (SELECT phone FROM bench_roles r WHERE r.user_id = patient_profiles.user_id)"
            .to_owned(),
    );
    at(
        conn,
        "INSERT INTO devices (id, patient_id, platform, token, active, created_at, updated_at) \
         SELECT 'dev-' || user_id, user_id, 'android', \
         CASE WHEN dead THEN 'dead-' ELSE 'token-' END || user_id, true, $1, $1 \
         FROM bench_roles"
            .to_owned(),
    );
    // A grant for the granted and the stopped; the stopped's withdrawal a second later.
    for (id, granted, when, classes) in [
        ("g", true, "$1", format!("({GRANTED}, {STOPPED})")),
        (
            "w",
            false,
            "$1 + INTERVAL '1 second'",
            format!("({STOPPED})"),
        ),
    ] {
        at(
            conn,
            format!(
                "INSERT INTO sms_consents (id, clinic_id, patient_id, granted, text_version, \
                 source, method, recorded_by, phone, created_at) \
                 SELECT '{id}' || user_id, '{clinic}', user_id, {granted}, 'sms-2026-12', \
                 'clinic', 'console', NULL, phone, {when} FROM bench_roles \
                 WHERE consent IN {classes}"
            ),
        );
    }
    at(
        conn,
        format!(
            "INSERT INTO prompts (id, clinic_id, patient_id, kind, prompt_key, day, urgent, \
             idempotency_key, title, body, locale, timezone, local_date, local_time, due_at, \
             available_at, status, attempts, created_at, updated_at, important, ack_window_secs) \
             SELECT 'p' || user_id, '{clinic}', user_id, 'check_in', 'day5_check_in', 5, false, \
             'p' || user_id, 'How is your skin today?', 'Please check in.', 'en', \
             'Europe/Madrid', '2026-01-01', '09:00', $1, $1, 'scheduled', 0, $1, $1, \
             true, {window} FROM bench_roles"
        ),
    );
    if let DbConn::Pg(pg) = conn {
        pg.batch_execute("ANALYZE").unwrap();
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Marks the acknowledging half's sent prompts acknowledged, as the app does.
fn acknowledge_sent(conn: &mut DbConn) {
    sql_query(
        "UPDATE prompts SET status = 'acknowledged', acknowledged_at = $1, updated_at = $1 \
         WHERE status = 'sent' AND patient_id IN (SELECT user_id FROM bench_roles WHERE ack)",
    )
    .bind::<Timestamp, _>(now())
    .execute(conn)
    .unwrap();
}

/// Prompts not yet resolved and ladders not yet over.
fn open(conn: &mut DbConn) -> i64 {
    sql_query(
        "SELECT (SELECT count(*) FROM prompts WHERE status IN ('scheduled', 'sending')) + \
         (SELECT count(*) FROM prompt_follow_ups WHERE status IN ('pending', 'sending')) AS n",
    )
    .get_result::<Count>(conn)
    .unwrap()
    .n
}

/// (prompts, confirmed within `limit` seconds of due, p50, p99 of the first confirmation).
fn confirmations(conn: &mut DbConn, limit: f64) -> (usize, usize, f64, f64) {
    #[derive(QueryableByName)]
    struct First {
        #[diesel(sql_type = Timestamp)]
        due_at: chrono::NaiveDateTime,
        #[diesel(sql_type = diesel::sql_types::Nullable<Timestamp>)]
        first: Option<chrono::NaiveDateTime>,
    }
    let rows: Vec<First> = sql_query(
        "SELECT p.due_at, min(s.at) AS first FROM prompts p LEFT JOIN \
         (SELECT prompt_id, attempted_at AS at FROM delivery_attempts WHERE outcome = 'sent' \
          UNION ALL SELECT id, sent_at FROM prompts WHERE sent_worker_id IS NOT NULL) s \
         ON s.prompt_id = p.id WHERE p.important GROUP BY p.id, p.due_at",
    )
    .load(conn)
    .unwrap();
    let mut after: Vec<f64> = rows
        .iter()
        .map(|r| match r.first {
            Some(at) => (at - r.due_at).num_milliseconds() as f64 / 1e3,
            None => f64::INFINITY,
        })
        .collect();
    after.sort_by(f64::total_cmp);
    let within = after.iter().filter(|s| **s <= limit).count();
    let pct = |q: f64| after[((after.len() - 1) as f64 * q) as usize];
    (rows.len(), within, pct(0.5), pct(0.99))
}

fn attempts(conn: &mut DbConn) -> Vec<(String, String, i64)> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        channel: String,
        #[diesel(sql_type = Text)]
        outcome: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    sql_query(
        "SELECT channel, outcome, count(*) AS n FROM (SELECT channel, outcome FROM \
         delivery_attempts UNION ALL SELECT channel, 'sent' FROM prompts \
         WHERE sent_worker_id IS NOT NULL) s GROUP BY channel, outcome ORDER BY channel, outcome",
    )
    .load::<Row>(conn)
    .unwrap()
    .into_iter()
    .map(|r| (r.channel, r.outcome, r.n))
    .collect()
}

fn follow_ups(conn: &mut DbConn) -> Vec<(String, i64)> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        status: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    sql_query("SELECT status, count(*) AS n FROM prompt_follow_ups GROUP BY status ORDER BY status")
        .load::<Row>(conn)
        .unwrap()
        .into_iter()
        .map(|r| (r.status, r.n))
        .collect()
}
