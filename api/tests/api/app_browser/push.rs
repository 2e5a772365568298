//! Web Push in headless Chromium, which cannot reach a real push service: `pushManager.subscribe`
//! there never settles (Chromium's push service is Google's FCM, which a sandboxed test cannot
//! reach). So, and only in this test:
//!
//! 1. [`shim`] is installed before every document (CDP `Page.addScriptToEvaluateOnNewDocument`):
//!    it replaces `PushManager.prototype.subscribe` and `getSubscription` with ones answering a
//!    subscription whose endpoint is [`FakePushService`] on loopback and whose keys are RFC 8291
//!    §5's user agent key pair and authentication secret, which the test holds. Everything else
//!    is the real page: the permission prompt (granted through CDP `Browser.grantPermissions`),
//!    the VAPID key fetched from `GET /v1/push/vapid-public-key`, the `POST
//!    /app/push-subscriptions` with the CSRF header, the device stored.
//! 2. A prompt is sent by the worker's Web Push client (`shared::push::webpush::WebPushClient`,
//!    the payload built by its `Payload::new` from `shared::push::visible_text`, as the worker's
//!    channel does) to the stored subscription: the fake service receives the RFC 8291
//!    `aes128gcm` body and [`FakePushService::decrypt_last`] decrypts it with the private key.
//! 3. The plaintext is handed to the real service worker with CDP
//!    `ServiceWorker.deliverPushMessage`, as a push service's delivery would be.

use serde_json::json;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// RFC 8291 §5's user agent key pair (private key, public key) and authentication secret.
pub const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
pub const UA_PUBLIC: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
pub const UA_AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

/// A push service on loopback that accepts every message (201) and keeps it.
pub struct FakePushService {
    server: MockServer,
}

impl FakePushService {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path_regex("^/push/"))
            .respond_with(ResponseTemplate::new(201))
            .mount(&server)
            .await;
        Self { server }
    }

    /// The endpoint of the one subscription the shim hands out.
    pub fn endpoint(&self) -> String {
        format!("{}/push/subscription-1", self.server.uri())
    }

    /// How many messages arrived.
    pub async fn received(&self) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .len()
    }

    /// The last message's headers of RFC 8030 (`TTL`, `Urgency`, `Topic`) and its plaintext,
    /// decrypted with the subscription's private key (RFC 8291).
    pub async fn decrypt_last(&self) -> (Vec<(String, String)>, String) {
        let requests = self.server.received_requests().await.unwrap_or_default();
        let last = requests.last().expect("a message reached the push service");
        let headers = [
            "ttl",
            "urgency",
            "topic",
            "content-encoding",
            "authorization",
        ]
        .iter()
        .filter_map(|h| {
            let v = last.headers.get(*h)?.to_str().ok()?;
            Some((h.to_string(), v.to_owned()))
        })
        .collect();
        let secret = web_push_native::p256::SecretKey::from_slice(&b64(UA_PRIVATE)).unwrap();
        let auth = b64(UA_AUTH);
        let auth = web_push_native::Auth::clone_from_slice(&auth);
        let plain = web_push_native::decrypt(last.body.clone(), &secret, &auth)
            .expect("the message decrypts with the subscription's key");
        (headers, String::from_utf8(plain).unwrap())
    }
}

fn b64(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

/// The test's stand-in for the browser's push service client (see the module doc): one
/// subscription to `endpoint` with the RFC 8291 keys, kept in `localStorage` so the next page
/// sees it too, as a real subscription outlives the page.
pub fn shim(endpoint: &str) -> String {
    let sub = json!({
        "endpoint": endpoint,
        "expirationTime": null,
        "keys": { "p256dh": UA_PUBLIC, "auth": UA_AUTH },
    });
    format!(
        r#"(() => {{
  if (typeof PushManager === 'undefined') return;
  const KEY = 'test-push-subscription';
  const json = {sub};
  const make = () => ({{
    endpoint: json.endpoint,
    expirationTime: null,
    options: {{ userVisibleOnly: true }},
    getKey() {{ return null; }},
    toJSON() {{ return json; }},
    unsubscribe() {{ localStorage.removeItem(KEY); return Promise.resolve(true); }},
  }});
  PushManager.prototype.subscribe = function (options) {{
    const key = options && options.applicationServerKey;
    if (!options.userVisibleOnly || !key || key.byteLength !== 65 || new Uint8Array(key)[0] !== 4) {{
      return Promise.reject(new DOMException('userVisibleOnly and an uncompressed P-256 key are required', 'NotAllowedError'));
    }}
    if (Notification.permission !== 'granted') {{
      return Promise.reject(new DOMException('permission denied', 'NotAllowedError'));
    }}
    localStorage.setItem(KEY, '1');
    return Promise.resolve(make());
  }};
  PushManager.prototype.getSubscription = function () {{
    return Promise.resolve(localStorage.getItem(KEY) ? make() : null);
  }};
}})();"#
    )
}
