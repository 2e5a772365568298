//! A loopback FCM shared by the worker's benches: the OAuth token endpoint and `messages:send`
//! (HTTP/1.1 keep-alive, or HTTP/2 without TLS by prior knowledge), answering at once. It counts what it accepted; once told to
//! ([`FakeFcm::enforce`]) it accepts at most so many messages a wall-clock second and answers 429
//! with `Retry-After: 1` above; started with `record_arrivals` it notes when each
//! `data.idempotency_key` first arrived ([`FakeFcm::wait_for`]). It also stands in for a Web
//! Push service: a `POST /push/<anything>` is counted (and throttled) like a message and
//! answered 201 without decrypting it. A message to a token starting `dead-` is answered 404
//! `UNREGISTERED` (not counted).
// Each bench uses part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};

/// A token starting `dead-` is answered 404 `UNREGISTERED`, as FCM answers for an uninstalled
/// app (FCM HTTP v1 `ErrorCode`).
const DEAD_TOKEN: &str = "\"token\":\"dead-";

type Arrivals = Arc<Mutex<HashMap<String, chrono::DateTime<Utc>>>>;

pub struct FakeFcm {
    pub url: String,
    /// Path of a service-account file whose token endpoint is this fake's `/token`.
    pub service_account: String,
    received: Arc<AtomicU64>,
    quota: Arc<Mutex<Quota>>,
    arrived: Option<Arrivals>,
}

/// The fake's per-second limit (0: none) and what it saw of it.
#[derive(Default)]
struct Quota {
    per_second: u64,
    second: u64,
    in_second: u64,
    busiest: u64,
    throttled: u64,
}

impl Quota {
    /// Counts one message against the current second; `false` when it is over the limit.
    fn admit(&mut self) -> bool {
        if self.per_second == 0 {
            return true;
        }
        let second = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        if second != self.second {
            self.second = second;
            self.in_second = 0;
        }
        if self.in_second >= self.per_second {
            self.throttled += 1;
            return false;
        }
        self.in_second += 1;
        self.busiest = self.busiest.max(self.in_second);
        true
    }
}

/// The answer to one request, and what the fake notes of it.
fn answer(
    path: &str,
    body: &[u8],
    count: &AtomicU64,
    quota: &Mutex<Quota>,
    arrived: Option<&Arrivals>,
) -> hyper::Response<Full<Bytes>> {
    let at = Utc::now();
    let builder = hyper::Response::builder().header("content-type", "application/json");
    let (builder, body) = if path == "/token" {
        (
            builder,
            json!({"access_token": "bench-token", "expires_in": 3600, "token_type": "Bearer"}),
        )
    } else if std::str::from_utf8(body).is_ok_and(|b| b.contains(DEAD_TOKEN)) {
        // An uninstalled app's token (the ladder bench's dead devices).
        (
            builder.status(404),
            json!({"error": {"code": 404, "status": "NOT_FOUND",
                "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                    "errorCode": "UNREGISTERED"}]}}),
        )
    } else if quota.lock().unwrap().admit() {
        if let Some(arrived) = arrived {
            let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let key = v["message"]["data"]["idempotency_key"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            arrived.lock().unwrap().entry(key).or_insert(at);
        }
        let n = count.fetch_add(1, Ordering::Relaxed);
        if path.starts_with("/push/") {
            // A Web Push service (RFC 8030 §5): 201 Created with the message's location. The
            // payload is not decrypted; the sender's cost is what the drain bench measures.
            return hyper::Response::builder()
                .status(201)
                .header("location", format!("/message/{n}"))
                .body(Full::new(Bytes::new()))
                .unwrap();
        }
        (
            builder,
            json!({"name": format!("projects/bench-project/messages/{n}")}),
        )
    } else {
        (
            builder.status(429).header("retry-after", "1"),
            json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
                "details": [{"errorCode": "QUOTA_EXCEEDED"}]}}),
        )
    };
    builder
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

impl FakeFcm {
    /// Starts the fake on a loopback port of the current tokio runtime; `name` names the
    /// temporary folder of its service-account file.
    pub async fn start(name: &str, record_arrivals: bool) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(AtomicU64::new(0));
        let quota: Arc<Mutex<Quota>> = Arc::default();
        let arrived: Option<Arrivals> = record_arrivals.then(Arrivals::default);
        let (count, limit, log) = (received.clone(), quota.clone(), arrived.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                let (count, limit, log) = (count.clone(), limit.clone(), log.clone());
                let svc = service_fn(move |req: hyper::Request<Incoming>| {
                    let (count, limit, log) = (count.clone(), limit.clone(), log.clone());
                    async move {
                        let path = req.uri().path().to_owned();
                        let body = req
                            .into_body()
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        Ok::<_, Infallible>(answer(&path, &body, &count, &limit, log.as_ref()))
                    }
                });
                // HTTP/1.1, or HTTP/2 without TLS for a client that starts with its preface
                // (prior knowledge, RFC 9113 §3.3), as FCM's endpoint speaks both.
                tokio::spawn(async move {
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = format!(
            "{}/tests/delivery/keys/fcm_test_rsa.pem",
            env!("CARGO_MANIFEST_DIR")
        );
        let sa = json!({
            "type": "service_account",
            "project_id": "bench-project",
            "private_key_id": "bench-key",
            "private_key": std::fs::read_to_string(key).unwrap(),
            "client_email": "worker@bench-project.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.googleapis.com/token",
        });
        let path = dir.join("service-account.json");
        std::fs::write(&path, sa.to_string()).unwrap();
        Self {
            url,
            service_account: path.to_string_lossy().into_owned(),
            received,
            quota,
            arrived,
        }
    }

    /// From now on, at most `per_second` messages a wall-clock second.
    pub fn enforce(&self, per_second: u64) {
        *self.quota.lock().unwrap() = Quota {
            per_second,
            ..Quota::default()
        };
    }

    /// 429s answered and the most messages accepted in one second.
    pub fn quota_figures(&self) -> (u64, u64) {
        let q = self.quota.lock().unwrap();
        (q.throttled, q.busiest)
    }

    /// Messages accepted so far.
    pub fn count(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// When the message carrying `key` first arrived, waiting for it up to `limit`. Needs
    /// `record_arrivals`.
    pub fn wait_for(&self, key: &str, limit: Duration) -> chrono::DateTime<Utc> {
        let arrived = self.arrived.as_ref().expect("started with record_arrivals");
        let started = Instant::now();
        loop {
            if let Some(at) = arrived.lock().unwrap().get(key) {
                return *at;
            }
            assert!(started.elapsed() < limit, "{key} never reached the fake");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Requests per second the fake answers on its own, from a client like the worker's.
    pub async fn measure_alone(&self, n: usize, in_flight: usize) -> f64 {
        let client = reqwest::Client::new();
        let url = format!("{}/v1/projects/bench-project/messages:send", self.url);
        let started = Instant::now();
        let next = Arc::new(AtomicU64::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..in_flight {
            let (client, url, next) = (client.clone(), url.clone(), next.clone());
            tasks.spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < n as u64 {
                    let body = json!({"message": {"token": "t", "data": {"k": "v"}}});
                    client.post(&url).json(&body).send().await.unwrap();
                }
            });
        }
        while tasks.join_next().await.is_some() {}
        let rate = n as f64 / started.elapsed().as_secs_f64();
        self.received.store(0, Ordering::Relaxed);
        rate
    }
}
