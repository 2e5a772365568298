//! Loopback stand-ins for the push providers. Each records every request it gets and answers
//! from a script (200 once the script is empty).
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const FCM_PROJECT: &str = "test-project";
pub const FCM_ACCESS_TOKEN: &str = "ya29.test-access-token";
pub const FCM_CLIENT_EMAIL: &str = "worker@test-project.iam.gserviceaccount.com";
pub const APNS_KEY_ID: &str = "ABC123DEFG";
pub const APNS_TEAM_ID: &str = "DEF123GHIJ";
pub const APNS_TOPIC: &str = "com.example.aftercare";

pub fn key_path(name: &str) -> String {
    format!("{}/tests/delivery/keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[derive(Debug, Clone)]
pub struct FcmRequest {
    pub authorization: String,
    pub body: Value,
    /// When the fake received it (UTC, as `shared::time::now`).
    pub at: chrono::NaiveDateTime,
}

impl FcmRequest {
    pub fn key(&self) -> &str {
        self.body["message"]["data"]["idempotency_key"]
            .as_str()
            .unwrap_or_default()
    }
}

type Script = Arc<Mutex<VecDeque<ResponseTemplate>>>;

struct FcmResponder {
    log: Arc<Mutex<Vec<FcmRequest>>>,
    script: Script,
    delay: Duration,
}

impl Respond for FcmResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let authorization = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let n = {
            let mut log = self.log.lock().unwrap();
            log.push(FcmRequest {
                authorization,
                body,
                at: shared::time::now(),
            });
            log.len()
        };
        let scripted = self.script.lock().unwrap().pop_front();
        scripted
            .unwrap_or_else(|| {
                ResponseTemplate::new(200)
                    .set_body_json(json!({"name": format!("projects/{FCM_PROJECT}/messages/{n}")}))
            })
            .set_delay(self.delay)
    }
}

struct TokenResponder {
    assertions: Arc<Mutex<Vec<String>>>,
}

impl Respond for TokenResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let form = String::from_utf8_lossy(&req.body).into_owned();
        let assertion = form
            .split('&')
            .find_map(|kv| kv.strip_prefix("assertion="))
            .unwrap_or_default()
            .to_owned();
        let grant_ok =
            form.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
        self.assertions.lock().unwrap().push(assertion);
        if !grant_ok {
            return ResponseTemplate::new(400)
                .set_body_json(json!({"error": "unsupported_grant_type"}));
        }
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": FCM_ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"
        }))
    }
}

/// FCM HTTP v1 and the OAuth2 token endpoint on one wiremock server.
pub struct FakeFcm {
    pub server: MockServer,
    pub log: Arc<Mutex<Vec<FcmRequest>>>,
    pub assertions: Arc<Mutex<Vec<String>>>,
    script: Script,
    service_account: std::path::PathBuf,
}

impl FakeFcm {
    pub async fn start() -> Self {
        Self::start_with_delay(Duration::ZERO).await
    }

    /// Every answer waits `delay` (so a killed worker has sends in flight).
    pub async fn start_with_delay(delay: Duration) -> Self {
        let server = MockServer::start().await;
        let log = Arc::new(Mutex::new(Vec::new()));
        let assertions = Arc::new(Mutex::new(Vec::new()));
        let script: Script = Arc::default();
        Mock::given(method("POST"))
            .and(path_regex(r"^/v1/projects/[^/]+/messages:send$"))
            .respond_with(FcmResponder {
                log: log.clone(),
                script: script.clone(),
                delay,
            })
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(TokenResponder {
                assertions: assertions.clone(),
            })
            .mount(&server)
            .await;
        let dir = std::env::temp_dir().join(format!("fcm-sa-{}", uuid_like()));
        std::fs::create_dir_all(&dir).unwrap();
        let service_account = dir.join("service-account.json");
        let sa = json!({
            "type": "service_account",
            "project_id": FCM_PROJECT,
            "private_key_id": "test-key-1",
            "private_key": std::fs::read_to_string(key_path("fcm_test_rsa.pem")).unwrap(),
            "client_email": FCM_CLIENT_EMAIL,
            // Real endpoint in the file: AFTERCARE_FCM_TOKEN_URL must override it.
            "token_uri": "https://oauth2.googleapis.com/token",
        });
        std::fs::write(&service_account, sa.to_string()).unwrap();
        Self {
            server,
            log,
            assertions,
            script,
            service_account,
        }
    }

    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AFTERCARE_FCM_PROJECT_ID", FCM_PROJECT.to_owned()),
            (
                "AFTERCARE_FCM_SERVICE_ACCOUNT_FILE",
                self.service_account.to_string_lossy().into_owned(),
            ),
            ("AFTERCARE_FCM_BASE_URL", self.server.uri()),
            (
                "AFTERCARE_FCM_TOKEN_URL",
                format!("{}/token", self.server.uri()),
            ),
        ]
    }

    /// The next answers, in order.
    pub fn answer(&self, responses: impl IntoIterator<Item = ResponseTemplate>) {
        self.script.lock().unwrap().extend(responses);
    }

    pub fn requests(&self) -> Vec<FcmRequest> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.log.lock().unwrap().len()
    }
}

fn uuid_like() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

#[derive(Debug, Clone)]
pub struct ApnsRequest {
    pub method: String,
    pub path: String,
    pub version: hyper::Version,
    pub headers: HashMap<String, String>,
    pub body: Value,
}

/// Status, APNs `reason`, extra headers.
pub type ApnsAnswer = (u16, Option<&'static str>, Vec<(&'static str, String)>);

/// An HTTP/2-only APNs provider API (cleartext, prior knowledge) on loopback.
pub struct FakeApns {
    pub url: String,
    log: Arc<Mutex<Vec<ApnsRequest>>>,
    script: Arc<Mutex<VecDeque<ApnsAnswer>>>,
}

impl FakeApns {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log: Arc<Mutex<Vec<ApnsRequest>>> = Arc::default();
        let script: Arc<Mutex<VecDeque<ApnsAnswer>>> = Arc::default();
        let (l, s) = (log.clone(), script.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (l, s) = (l.clone(), s.clone());
                let svc = service_fn(move |req: hyper::Request<Incoming>| {
                    let (l, s) = (l.clone(), s.clone());
                    async move {
                        let (parts, body) = req.into_parts();
                        let bytes = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let headers = parts
                            .headers
                            .iter()
                            .map(|(k, v)| {
                                (k.to_string(), v.to_str().unwrap_or_default().to_owned())
                            })
                            .collect::<HashMap<_, _>>();
                        let apns_id = headers.get("apns-id").cloned().unwrap_or_default();
                        l.lock().unwrap().push(ApnsRequest {
                            method: parts.method.to_string(),
                            path: parts.uri.path().to_owned(),
                            version: parts.version,
                            headers,
                            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                        });
                        let (status, reason, extra) =
                            s.lock()
                                .unwrap()
                                .pop_front()
                                .unwrap_or((200, None, Vec::new()));
                        let mut resp = hyper::Response::builder()
                            .status(status)
                            .header("apns-id", apns_id);
                        for (k, v) in extra {
                            resp = resp.header(k, v);
                        }
                        let body = match reason {
                            Some(r) => json!({"reason": r}).to_string(),
                            None => String::new(),
                        };
                        Ok::<_, Infallible>(resp.body(Full::new(Bytes::from(body))).unwrap())
                    }
                });
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Self { url, log, script }
    }

    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AFTERCARE_APNS_KEY_FILE", key_path("apns_test_key.p8")),
            ("AFTERCARE_APNS_KEY_ID", APNS_KEY_ID.to_owned()),
            ("AFTERCARE_APNS_TEAM_ID", APNS_TEAM_ID.to_owned()),
            ("AFTERCARE_APNS_TOPIC", APNS_TOPIC.to_owned()),
            ("AFTERCARE_APNS_BASE_URL", self.url.clone()),
        ]
    }

    pub fn answer(&self, answers: impl IntoIterator<Item = ApnsAnswer>) {
        self.script.lock().unwrap().extend(answers);
    }

    pub fn requests(&self) -> Vec<ApnsRequest> {
        self.log.lock().unwrap().clone()
    }
}

/// What the fake push service saw in one request, checked as a real one would check it.
#[derive(Debug, Clone)]
pub struct WebPushRequest {
    pub path: String,
    pub headers: HashMap<String, String>,
    /// The VAPID JWT's claims (verified ES256 with the configured public key).
    pub claims: Value,
    /// The body decrypted with the subscription's private key (RFC 8291), as JSON.
    pub payload: Value,
    /// Every rule the request broke (headers, token, encryption); empty when all held.
    pub problems: Vec<String>,
}

/// A Web Push service (RFC 8030) on loopback over HTTP/1.1, with one subscription: its private
/// key and authentication secret decrypt what the worker sends; the VAPID key pair is the
/// fake's, handed to the worker through `settings()`.
pub struct FakeWebPush {
    pub url: String,
    pub vapid: shared::push::webpush::VapidKey,
    pub ua_secret: p256::SecretKey,
    pub auth: [u8; 16],
    log: Arc<Mutex<Vec<WebPushRequest>>>,
    script: Arc<Mutex<VecDeque<ApnsAnswer>>>,
}

impl FakeWebPush {
    pub async fn start() -> Self {
        use base64::Engine as _;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let vapid = shared::push::webpush::VapidKey::generate().unwrap();
        let ua_secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
        let auth: [u8; 16] = rand::random();
        let log: Arc<Mutex<Vec<WebPushRequest>>> = Arc::default();
        let script: Arc<Mutex<VecDeque<ApnsAnswer>>> = Arc::default();
        let point = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(vapid.public_key())
            .unwrap();
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let decoding =
            jsonwebtoken::DecodingKey::from_ec_components(&b64(&point[1..33]), &b64(&point[33..]))
                .unwrap();
        let ctx = Arc::new((
            decoding,
            vapid.public_key().to_owned(),
            ua_secret.clone(),
            auth,
            url.clone(),
        ));
        let (l, s) = (log.clone(), script.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (l, s, ctx) = (l.clone(), s.clone(), ctx.clone());
                let svc = service_fn(move |req: hyper::Request<Incoming>| {
                    let (l, s, ctx) = (l.clone(), s.clone(), ctx.clone());
                    async move {
                        let (parts, body) = req.into_parts();
                        let bytes = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let headers = parts
                            .headers
                            .iter()
                            .map(|(k, v)| {
                                (k.to_string(), v.to_str().unwrap_or_default().to_owned())
                            })
                            .collect::<HashMap<_, _>>();
                        let (claims, payload, problems) = check_web_push(&ctx, &headers, &bytes);
                        l.lock().unwrap().push(WebPushRequest {
                            path: parts.uri.path().to_owned(),
                            headers,
                            claims,
                            payload,
                            problems,
                        });
                        let (status, _, extra) =
                            s.lock()
                                .unwrap()
                                .pop_front()
                                .unwrap_or((201, None, Vec::new()));
                        let mut resp = hyper::Response::builder().status(status);
                        for (k, v) in extra {
                            resp = resp.header(k, v);
                        }
                        Ok::<_, Infallible>(resp.body(Full::new(Bytes::new())).unwrap())
                    }
                });
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Self {
            url,
            vapid,
            ua_secret,
            auth,
            log,
            script,
        }
    }

    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "AFTERCARE_VAPID_PRIVATE_KEY",
                self.vapid.private_key_base64url(),
            ),
            (
                "AFTERCARE_VAPID_SUBJECT",
                "mailto:ops@care.example.test".to_owned(),
            ),
        ]
    }

    /// The subscription a browser would register: `(endpoint, p256dh, auth)`, base64url keys.
    pub fn subscription(&self, name: &str) -> (String, String, String) {
        use base64::Engine as _;
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        (
            format!("{}/push/{name}", self.url),
            b64.encode(
                self.ua_secret
                    .public_key()
                    .to_encoded_point(false)
                    .as_bytes(),
            ),
            b64.encode(self.auth),
        )
    }

    /// The next answers: status, unused, extra headers.
    pub fn answer(&self, answers: impl IntoIterator<Item = ApnsAnswer>) {
        self.script.lock().unwrap().extend(answers);
    }

    pub fn requests(&self) -> Vec<WebPushRequest> {
        self.log.lock().unwrap().clone()
    }
}

type WebPushContext = (
    jsonwebtoken::DecodingKey,
    String,
    p256::SecretKey,
    [u8; 16],
    String,
);

/// RFC 8030 headers, the RFC 8292 token (aud = this origin, exp within 24 h, sub set, k = the
/// configured public key) and RFC 8291 decryption, as a push service checks them.
fn check_web_push(
    (decoding, public, secret, auth, origin): &WebPushContext,
    headers: &HashMap<String, String>,
    body: &[u8],
) -> (Value, Value, Vec<String>) {
    let mut problems = Vec::new();
    let h = |k: &str| headers.get(k).cloned().unwrap_or_default();
    if h("content-encoding") != "aes128gcm" {
        problems.push(format!("content-encoding {:?}", h("content-encoding")));
    }
    if h("ttl").parse::<u64>().is_err() {
        problems.push("ttl".into());
    }
    if !matches!(
        h("urgency").as_str(),
        "very-low" | "low" | "normal" | "high"
    ) {
        problems.push("urgency".into());
    }
    let topic = h("topic");
    if topic.is_empty()
        || topic.len() > 32
        || !topic
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        problems.push(format!("topic {topic:?}"));
    }
    let auth_header = h("authorization");
    let claims = match auth_header
        .strip_prefix("vapid t=")
        .and_then(|r| r.split_once(", k="))
    {
        Some((t, k)) => {
            if k != public {
                problems.push("k is not the configured public key".into());
            }
            let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
            v.set_audience(&[origin.as_str()]);
            v.set_required_spec_claims(&["exp", "aud", "sub"]);
            match jsonwebtoken::decode::<Value>(t, decoding, &v) {
                Ok(data) => {
                    let exp = data.claims["exp"].as_u64().unwrap_or_default();
                    let now = chrono::Utc::now().timestamp() as u64;
                    if exp > now + 24 * 3600 {
                        problems.push("exp more than 24 h ahead".into());
                    }
                    if data.claims["sub"].as_str().is_none_or(str::is_empty) {
                        problems.push("no sub".into());
                    }
                    data.claims
                }
                Err(e) => {
                    problems.push(format!("vapid token: {e}"));
                    Value::Null
                }
            }
        }
        None => {
            problems.push("no vapid authorization".into());
            Value::Null
        }
    };
    let auth = web_push_native::Auth::clone_from_slice(auth);
    let payload = match web_push_native::decrypt(body.to_vec(), secret, &auth) {
        Ok(plain) => serde_json::from_slice(&plain).unwrap_or_else(|_| {
            problems.push("payload is not JSON".into());
            Value::Null
        }),
        Err(e) => {
            problems.push(format!("decrypt: {e}"));
            Value::Null
        }
    };
    (claims, payload, problems)
}
