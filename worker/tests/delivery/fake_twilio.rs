//! A loopback stand-in for a Twilio-compatible Messages API
//! (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`), checking each request as the real
//! one would: HTTP Basic authentication with the account SID and auth token (else 401, Twilio
//! error 20003), a form with `To` in E.164, exactly one of `From` and `MessagingServiceSid`, a
//! `Body` and a `StatusCallback`. It also checks what the project promises of every text: no
//! health word in the body. Every request is recorded (with the rules it broke) and answered 201
//! with a message resource (`sid` `SM…`, `status` `queued`), or from a script. It can post the
//! provider's signed status callbacks (`X-Twilio-Signature`) to a URL.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::json;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const TWILIO_SID: &str = "AC5e1f9a7c3b2d4e6f8a0b1c2d3e4f5a6b";
pub const TWILIO_TOKEN: &str = "twilio-test-auth-token-5e1f9a7c";
pub const TWILIO_FROM: &str = "+15017122661";
pub const TWILIO_SERVICE: &str = "MG5e1f9a7c3b2d4e6f8a0b1c2d3e4f5a6b";

/// Words no text may carry (the prompt's subject must never reach a lock screen).
pub const HEALTH_WORDS: &[&str] = &[
    "redness",
    "swelling",
    "pain",
    "infection",
    "bleeding",
    "fever",
    "microneedling",
    "treatment",
    "skin",
    "wound",
    "rojez",
    "dolor",
    "fiebre",
    "tratamiento",
    "piel",
];

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct SmsRequest {
    pub path: String,
    pub authorization: String,
    pub content_type: String,
    /// The form fields in the order sent, decoded.
    pub form: Vec<(String, String)>,
    /// The `MessageSid` the fake answered with (also for a scripted error).
    pub sid: String,
    /// When the fake received it (UTC, as `shared::time::now`).
    pub at: chrono::NaiveDateTime,
    /// Every rule the request broke; empty when all held.
    pub problems: Vec<String>,
}

impl SmsRequest {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body(&self) -> &str {
        self.field("Body").unwrap_or_default()
    }

    /// The prompt the text links to (`…/app/prompts/{id}`).
    pub fn prompt_id(&self) -> Option<&str> {
        let (_, rest) = self.body().split_once("/app/prompts/")?;
        rest.split_whitespace().next()
    }
}

type Script = Arc<Mutex<VecDeque<ResponseTemplate>>>;

struct Responder {
    log: Arc<Mutex<Vec<SmsRequest>>>,
    script: Script,
    delay: Duration,
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let header = |name: &str| {
            req.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let form = parse_form(&String::from_utf8_lossy(&req.body));
        let authorization = header("authorization");
        let content_type = header("content-type");
        let sid = format!("SM{}", hex32());
        let mut request = SmsRequest {
            path: req.url.path().to_owned(),
            authorization,
            content_type,
            form,
            sid: sid.clone(),
            at: shared::time::now(),
            problems: Vec::new(),
        };
        let authenticated = check(&mut request);
        let answer = if authenticated {
            self.script.lock().unwrap().pop_front()
        } else {
            Some(error(401, 20003))
        };
        let to = request.field("To").unwrap_or_default().to_owned();
        self.log.lock().unwrap().push(request);
        answer
            .unwrap_or_else(|| {
                ResponseTemplate::new(201).set_body_json(json!({
                    "sid": sid, "account_sid": TWILIO_SID, "status": "queued", "to": to,
                    "num_segments": "1", "direction": "outbound-api", "error_code": null,
                    "uri": format!("/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}.json"),
                }))
            })
            .set_delay(self.delay)
    }
}

/// Checks the request's rules; `false` when its authentication is wrong.
fn check(r: &mut SmsRequest) -> bool {
    let mut problems = Vec::new();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{TWILIO_SID}:{TWILIO_TOKEN}"))
    );
    let authenticated = r.authorization == expected;
    if !authenticated {
        problems.push("authorization is not Basic account SID : auth token".to_owned());
    }
    if r.path != format!("/2010-04-01/Accounts/{TWILIO_SID}/Messages.json") {
        problems.push(format!("path {}", r.path));
    }
    if !r
        .content_type
        .starts_with("application/x-www-form-urlencoded")
    {
        problems.push(format!("content-type {:?}", r.content_type));
    }
    let to = r.field("To").unwrap_or_default();
    let digits = to.strip_prefix('+').unwrap_or_default();
    if !(8..=15).contains(&digits.len())
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || digits.starts_with('0')
    {
        problems.push("To is not E.164".to_owned());
    }
    match (r.field("From"), r.field("MessagingServiceSid")) {
        (Some(_), Some(_)) | (None, None) => {
            problems.push("exactly one of From and MessagingServiceSid".to_owned());
        }
        _ => {}
    }
    let body = r.body().to_lowercase();
    if body.is_empty() {
        problems.push("no Body".to_owned());
    }
    for w in HEALTH_WORDS {
        if body.contains(w) {
            problems.push(format!("health word {w:?} in the Body"));
        }
    }
    if r.field("StatusCallback").is_none() {
        problems.push("no StatusCallback".to_owned());
    }
    r.problems = problems;
    authenticated
}

/// A Twilio error resource (`{code, message, more_info, status}`) with `status`. The message
/// quotes a number, as Twilio's do, so a test can check it is never kept.
pub fn error(status: u16, code: i64) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": code,
        "message": "The 'To' number +34600999888 is not valid.",
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status,
    }))
}

/// The Messages API on one wiremock server.
pub struct FakeTwilio {
    pub server: MockServer,
    log: Arc<Mutex<Vec<SmsRequest>>>,
    script: Script,
}

impl FakeTwilio {
    pub async fn start() -> Self {
        Self::start_with_delay(Duration::ZERO).await
    }

    /// Every answer waits `delay` (so a killed worker has texts in flight).
    pub async fn start_with_delay(delay: Duration) -> Self {
        let server = MockServer::start().await;
        let log: Arc<Mutex<Vec<SmsRequest>>> = Arc::default();
        let script: Script = Arc::default();
        Mock::given(method("POST"))
            .and(path_regex(r"^/2010-04-01/Accounts/[^/]+/Messages\.json$"))
            .respond_with(Responder {
                log: log.clone(),
                script: script.clone(),
                delay,
            })
            .mount(&server)
            .await;
        Self {
            server,
            log,
            script,
        }
    }

    /// Texts on, from [`TWILIO_FROM`], 100 a second (tests of the rate set their own).
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AFTERCARE_SMS_BASE_URL", self.server.uri()),
            ("AFTERCARE_SMS_ACCOUNT_SID", TWILIO_SID.to_owned()),
            ("AFTERCARE_SMS_AUTH_TOKEN", TWILIO_TOKEN.to_owned()),
            ("AFTERCARE_SMS_FROM", TWILIO_FROM.to_owned()),
            ("AFTERCARE_SMS_RATE_PER_SEC", "100".to_owned()),
        ]
    }

    /// The next answers, in order (201 once the script is empty).
    pub fn answer(&self, responses: impl IntoIterator<Item = ResponseTemplate>) {
        self.script.lock().unwrap().extend(responses);
    }

    pub fn requests(&self) -> Vec<SmsRequest> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    /// Posts the status callback Twilio would for `message_sid` (`MessageStatus` = `status`) to
    /// `url`, form-encoded and signed with the auth token (`X-Twilio-Signature`).
    pub async fn post_status(
        &self,
        url: &str,
        message_sid: &str,
        status: &str,
    ) -> reqwest::Response {
        let params: Vec<(String, String)> = [
            ("MessageSid", message_sid),
            ("SmsSid", message_sid),
            ("AccountSid", TWILIO_SID),
            ("From", TWILIO_FROM),
            ("MessageStatus", status),
            ("SmsStatus", status),
            ("ApiVersion", "2010-04-01"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        reqwest::Client::new()
            .post(url)
            .header("X-Twilio-Signature", sign(TWILIO_TOKEN, url, &params))
            .form(&params)
            .send()
            .await
            .unwrap()
    }
}

/// Twilio's request signature (www.twilio.com/docs/usage/webhooks/webhooks-security): base64
/// of HMAC-SHA1, keyed with the auth token, over the URL followed by every parameter's name and
/// value sorted by name — the algorithm of `shared::sms::signature::sign`.
pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes()).unwrap();
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `application/x-www-form-urlencoded` decoded (`+` is a space, `%XX` a byte).
pub fn parse_form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex32() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst) as u128;
    let t = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default() as u128;
    format!(
        "{:032x}",
        (t << 20) ^ n ^ (u128::from(std::process::id()) << 100)
    )
}
