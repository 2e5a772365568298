//! Logs carry ids and outcomes, never names, emails, passwords, tokens or secrets (README, "Data
//! protection"). The real `api` binary is driven with health data in query strings, paths and
//! bodies, and its whole log output is searched.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

const SECRET: &str = "log-privacy-secret-0123456789abcdef0123456789";
const DEMO_PASSWORD: &str = "demo-password-2026";
const STAFF_EMAIL: &str = "staff@demo.aftercare.local";
const PATIENT_EMAIL: &str = "patient@demo.aftercare.local";
const PATIENT_NAME: &str = "Ana";
const STAFF_NAME: &str = "Demo Clinician";
/// A (wrong) sign-in code typed back, and a phone to ask a code for.
const SIGN_IN_CODE: &str = "987650";
const SIGN_IN_PHONE: &str = "+34 611 222 333";

struct Server {
    child: Child,
    log: Arc<Mutex<String>>,
    base: String,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts the binary in demo mode on a fresh SQLite file and waits for "API listening".
fn start(format: &str) -> Server {
    let dir =
        std::env::temp_dir().join(format!("aftercare-logs-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_api"))
        .current_dir(&dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", "sqlite://logs.db")
        .env("AFTERCARE_BIND", "127.0.0.1:0")
        .env("AFTERCARE_DEMO", "on")
        .env("AFTERCARE_JWT_SECRET", SECRET)
        .env("AFTERCARE_EMBEDDED_WORKER", "off")
        .env("AFTERCARE_LOG_FORMAT", format)
        // The most a operator would turn on for our own crates.
        .env("RUST_LOG", "info,api=debug,shared=debug,worker=debug")
        // stdout is the demo's how-to-try banner (it prints the demo logins on purpose).
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("API listening") {
                let port = line
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .skip_while(|w| *w != "port")
                    .find_map(|w| w.parse::<u16>().ok());
                let _ = port_tx.send(port);
            }
            let mut log = sink.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    let port = port_rx
        .recv_timeout(Duration::from_secs(60))
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no port in the log: {}", log.lock().unwrap()));
    Server {
        child,
        log,
        base: format!("http://127.0.0.1:{port}"),
        dir,
    }
}

async fn login(client: &reqwest::Client, base: &str, email: &str) -> String {
    let resp = client
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": email, "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "demo login {email}");
    let body: Value = resp.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn drive(server: &Server) {
    let client = reqwest::Client::new();
    let base = &server.base;
    let staff = login(&client, base, STAFF_EMAIL).await;
    let patient = login(&client, base, PATIENT_EMAIL).await;
    let mut patient_id = None;
    for q in [PATIENT_NAME, PATIENT_EMAIL, STAFF_NAME] {
        let resp = client
            .get(format!("{base}/v1/clinic/patients"))
            .query(&[("q", q)])
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "search {q}");
        let page: Value = resp.json().await.unwrap();
        if let Some(id) = page["items"][0]["id"].as_str() {
            patient_id = Some(id.to_owned());
        }
    }
    let patient_id = patient_id.expect("the demo patient is found by name");
    let resp = client
        .get(format!("{base}/v1/clinic/patients/{patient_id}"))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // A failed login with a known email and a wrong password, and a reset for that email.
    let resp = client
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": PATIENT_EMAIL, "password": format!("{DEMO_PASSWORD}x")}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = client
        .post(format!("{base}/v1/auth/password-reset"))
        .json(&json!({"email": PATIENT_EMAIL}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    // A sign-in code asked for and a wrong one typed back, by email and by phone, the email
    // and the code in a query string too.
    for body in [
        json!({"email": PATIENT_EMAIL}),
        json!({"phone": SIGN_IN_PHONE}),
    ] {
        let resp = client
            .post(format!("{base}/v1/auth/sign-in-codes"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
        let mut body = body;
        body["code"] = json!(SIGN_IN_CODE);
        let resp = client
            .post(format!("{base}/v1/auth/sign-in-codes/redeem"))
            .query(&[("email", PATIENT_EMAIL), ("code", SIGN_IN_CODE)])
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
    }
    // The code email's link into the web app carries the address in its query string.
    let resp = client
        .get(format!("{base}/app/sign-in/code/redeem"))
        .query(&[("email", PATIENT_EMAIL)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for path in ["/v1/me", "/v1/me/timeline"] {
        let resp = client
            .get(format!("{base}{path}"))
            .bearer_auth(&patient)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
    }
    // A refused body quoting a name: the 422 explains it to the client, the log only counts it.
    let resp = client
        .post(format!("{base}/v1/me/check-ins"))
        .bearer_auth(&patient)
        .json(
            &json!({"redness": 2, "swelling": 1, "pain": 1, "peeling": false,
                      "symptoms": [PATIENT_NAME]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    // A bad token is logged as a 401, not echoed.
    let resp = client
        .get(format!("{base}/v1/me?name={PATIENT_NAME}"))
        .bearer_auth(format!("{patient}x"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    // Let the reset email's background task run and log.
    tokio::time::sleep(Duration::from_millis(500)).await;
}

fn assert_clean(log: &str, format: &str) {
    assert!(
        log.contains("request completed") && log.contains("/v1/clinic/patients/{id}"),
        "{format}: requests are not logged by route: {log}"
    );
    for needle in [
        SECRET,
        DEMO_PASSWORD,
        STAFF_EMAIL,
        PATIENT_EMAIL,
        PATIENT_NAME,
        STAFF_NAME,
        "q=",
        "?code=",
        "&code=",
        "email=",
        "phone=",
        SIGN_IN_PHONE,
        "611222333",
        "Bearer",
        "eyJ", // any JWT
    ] {
        let hit = log.lines().find(|l| l.contains(needle));
        assert!(
            hit.is_none(),
            "{format}: the log carries {needle:?}: {hit:?}"
        );
    }
    // The code as a word of its own (a latency such as `0.9876501` is not it).
    let hit = log.lines().find(|l| {
        l.split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
            .any(|w| w == SIGN_IN_CODE)
    });
    assert!(hit.is_none(), "{format}: the log carries the code: {hit:?}");
}

#[tokio::test]
async fn logs_carry_no_names_emails_passwords_or_secrets() {
    for format in ["text", "json"] {
        let server = start(format);
        drive(&server).await;
        let log = server.log.lock().unwrap().clone();
        assert_clean(&log, format);
    }
}
