//! A loopback FCM shared by the worker's benches: the OAuth token endpoint and `messages:send`
//! (HTTP/1.1 keep-alive, or HTTP/2 without TLS by prior knowledge), answering at once. It counts
//! what it accepted; once told to ([`FakeFcm::enforce`]) it accepts at most so many messages a
//! wall-clock second and answers 429 with `Retry-After: 1` above; started with `record_arrivals` it
//! notes when each `data.idempotency_key` first arrived ([`FakeFcm::wait_for`]). It also stands in
//! for a Web Push service: a `POST /push/<anything>` is counted (and throttled) like a message and
//! answered 201 without decrypting it. A message to a token starting `dead-` is answered 404
//! `UNREGISTERED` (not counted).
//!
//! The other channels of the outbox, each answering as the real provider does and counted with
//! the messages (never throttled, nothing logged per request):
//! - APNs on a second port, [`FakeFcm::apns_url`]: HTTP/2 only, cleartext with prior knowledge
//!   (h2c, as the product speaks to an `http://` APNs base URL), `POST /3/device/<token>` →
//!   200 with the request's `apns-id` echoed (Apple's "Sending notification requests to APNs").
//! - Twilio's Messages API on the FCM port: `POST /2010-04-01/Accounts/<sid>/Messages.json` →
//!   201 with the message resource (`sid` `SM…`, `status` `queued`).
//! - An SMTP sink on a third port, [`FakeFcm::smtp_port`]: plain SMTP (EHLO, MAIL, RCPT, DATA,
//!   RSET, NOOP, QUIT) that counts each message accepted and keeps none of it.
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
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A token starting `dead-` is answered 404 `UNREGISTERED`, as FCM answers for an uninstalled
/// app (FCM HTTP v1 `ErrorCode`).
const DEAD_TOKEN: &str = "\"token\":\"dead-";

type Arrivals = Arc<Mutex<HashMap<String, chrono::DateTime<Utc>>>>;

pub struct FakeFcm {
    pub url: String,
    /// The APNs provider API (h2c), `http://127.0.0.1:<port>`.
    pub apns_url: String,
    /// The SMTP sink's port on 127.0.0.1.
    pub smtp_port: u16,
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
    apns_id: Option<&str>,
    body: &[u8],
    count: &AtomicU64,
    quota: &Mutex<Quota>,
    arrived: Option<&Arrivals>,
) -> hyper::Response<Full<Bytes>> {
    let at = Utc::now();
    if path.starts_with("/3/device/") {
        // APNs: 200 and no body; the `apns-id` is the request's, or a new one when it had none.
        let n = count.fetch_add(1, Ordering::Relaxed);
        let id = apns_id.map_or_else(
            || format!("00000000-0000-4000-8000-{n:012x}"),
            str::to_owned,
        );
        return hyper::Response::builder()
            .status(200)
            .header("apns-id", id)
            .body(Full::new(Bytes::new()))
            .unwrap();
    }
    if path.starts_with("/2010-04-01/Accounts/") && path.ends_with("/Messages.json") {
        // Twilio's Messages API: 201 Created with the message resource, queued.
        let n = count.fetch_add(1, Ordering::Relaxed);
        let sid = format!("SM{n:032x}");
        let account = path
            .trim_start_matches("/2010-04-01/Accounts/")
            .trim_end_matches("/Messages.json");
        let resource = json!({
            "sid": sid, "account_sid": account, "status": "queued", "num_segments": "1",
            "direction": "outbound-api", "error_code": null, "error_message": null,
            "uri": format!("/2010-04-01/Accounts/{account}/Messages/{sid}.json"),
        });
        return hyper::Response::builder()
            .status(201)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(resource.to_string())))
            .unwrap();
    }
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

/// One connection's request handler (HTTP/1.1 or HTTP/2): reads the request and [`answer`]s it.
fn service(
    count: Arc<AtomicU64>,
    limit: Arc<Mutex<Quota>>,
    log: Option<Arrivals>,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = hyper::Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Future<Output = Result<hyper::Response<Full<Bytes>>, Infallible>> + Send,
> + Clone {
    service_fn(move |req: hyper::Request<Incoming>| {
        let (count, limit, log) = (count.clone(), limit.clone(), log.clone());
        async move {
            let path = req.uri().path().to_owned();
            let apns_id = req
                .headers()
                .get("apns-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = req
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            Ok::<_, Infallible>(answer(
                &path,
                apns_id.as_deref(),
                &body,
                &count,
                &limit,
                log.as_ref(),
            ))
        }
    })
}

/// One SMTP client's session (RFC 5321, no extensions beyond 8BITMIME and SMTPUTF8): every
/// command is accepted, and each message's end (`.` alone on a line after `DATA`) is counted in
/// `count`; nothing of the message is kept.
async fn smtp_session(stream: tokio::net::TcpStream, count: Arc<AtomicU64>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 bench-smtp ready\r\n").await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match &verb[..] {
            b"EHLO" => b"250-bench-smtp\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 OK\r\n",
            b"DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                loop {
                    line.clear();
                    if lines.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                }
                count.fetch_add(1, Ordering::Relaxed);
                b"250 OK queued\r\n"
            }
            b"QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            b"HELO" | b"MAIL" | b"RCPT" | b"RSET" | b"NOOP" => b"250 OK\r\n",
            _ => b"502 command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

impl FakeFcm {
    /// Starts the fake on a loopback port of the current tokio runtime; `name` names the
    /// temporary folder of its service-account file.
    pub async fn start(name: &str, record_arrivals: bool) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let h2c = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let apns_url = format!("http://{}", h2c.local_addr().unwrap());
        let smtp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let smtp_port = smtp.local_addr().unwrap().port();
        let received = Arc::new(AtomicU64::new(0));
        let quota: Arc<Mutex<Quota>> = Arc::default();
        let arrived: Option<Arrivals> = record_arrivals.then(Arrivals::default);
        for (listener, http2) in [(listener, false), (h2c, true)] {
            let (count, limit, log) = (received.clone(), quota.clone(), arrived.clone());
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let _ = stream.set_nodelay(true);
                    let svc = service(count.clone(), limit.clone(), log.clone());
                    tokio::spawn(async move {
                        let io = TokioIo::new(stream);
                        // The FCM port speaks HTTP/1.1, or HTTP/2 without TLS to a client that
                        // starts with its preface (prior knowledge, RFC 9113 §3.3), as FCM's
                        // endpoint speaks both; the APNs port HTTP/2 only, as APNs does.
                        let _ = if http2 {
                            hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                                .serve_connection(io, svc)
                                .await
                                .is_ok()
                        } else {
                            hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                                .serve_connection(io, svc)
                                .await
                                .is_ok()
                        };
                    });
                }
            });
        }
        let count = received.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = smtp.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(smtp_session(stream, count.clone()));
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
            apns_url,
            smtp_port,
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
