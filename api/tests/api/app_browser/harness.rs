//! The patient web app's browser helpers, over the console's harness
//! ([`crate::console_browser::harness`]: Chromium through chromedriver, axe-core, the layout
//! checks):
//!
//! - [`app_page_problems`]: every app page at 1280, 390 and 320 px (a small phone): axe-core finds
//!   no serious or critical WCAG 2.x A/AA or 2.2 AA violation, the page never scrolls sideways,
//!   form controls' borders have 3:1 contrast, at both phone widths every control is a 44 × 44
//!   px touch target; a full-page screenshot of each width under
//!   `target/app-screenshots/<name>-<width>.png` for a person to look at.
//! - Chromium's DevTools protocol (CDP) through chromedriver's `goog/cdp/execute`
//!   ([`Cdp`]): granting the notification permission, delivering a push message to the
//!   service worker, adding a script to every new document.
//! - What the browser keeps: the service worker's notifications and every Cache Storage entry.

use std::path::{Path, PathBuf};

use fantoccini::Client;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::console_browser::harness::{
    DESKTOP, PAGE_WAIT, PHONE, axe, axe_source, faint_borders, overflow, screenshot_in,
    set_viewport, small_targets,
};

/// The smallest phone the app is made for (issue 27: "usable from 320 px").
pub const SMALL_PHONE: u32 = 320;

/// Where the app's screenshots go: `target/app-screenshots/` of the workspace.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("app-screenshots")
}

/// What is wrong with the page the browser shows, checked at 1280, 390 and 320 px (see the
/// module doc), one readable line (or block) per problem; saves its screenshots as
/// `<name>-<width>.png`. Leaves the window at the desktop width.
pub async fn app_page_problems(c: &Client, name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let dir = screenshot_dir();
    for width in [DESKTOP, PHONE, SMALL_PHONE] {
        set_viewport(c, width, 900).await;
        let at = |p: String| format!("[{width} px] {p}");
        if let Some(src) = axe_source() {
            problems.extend(axe(c, src).await.into_iter().map(at));
        }
        problems.extend(overflow(c).await.into_iter().map(at));
        problems.extend(faint_borders(c).await.into_iter().map(at));
        if width <= PHONE {
            problems.extend(small_targets(c).await.into_iter().map(at));
        }
        screenshot_in(c, &dir, name, width).await;
    }
    set_viewport(c, DESKTOP, 900).await;
    problems
}

/// Chromium's DevTools protocol for the session's page, through chromedriver
/// (`POST /session/{id}/goog/cdp/execute`, a chromedriver extension command).
pub struct Cdp {
    endpoint: String,
    http: reqwest::Client,
}

impl Cdp {
    pub async fn new(driver_url: &str, c: &Client) -> Self {
        let session = c.session_id().await.unwrap().expect("a WebDriver session");
        Self {
            endpoint: format!("{driver_url}/session/{session}/goog/cdp/execute"),
            http: reqwest::Client::new(),
        }
    }

    /// Runs one CDP command; its result, or the inspector's error as text.
    pub async fn run(&self, cmd: &str, params: Value) -> Result<Value, String> {
        let resp = self
            .http
            .post(&self.endpoint)
            .json(&json!({ "cmd": cmd, "params": params }))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let ok = resp.status().is_success();
        let body: Value = resp.json().await.map_err(|e| e.to_string())?;
        if ok {
            Ok(body["value"].clone())
        } else {
            Err(format!("{cmd}: {}", body["value"]["message"]))
        }
    }

    /// Grants `origin` the notification permission (CDP `Browser.grantPermissions`), as a
    /// patient answering "Allow" would; `Notification.permission` is then `granted`.
    pub async fn grant_notifications(&self, origin: &str) {
        self.run(
            "Browser.grantPermissions",
            json!({ "permissions": ["notifications"], "origin": origin }),
        )
        .await
        .unwrap();
    }

    /// Runs `source` in every document loaded from now on, before its own scripts
    /// (CDP `Page.addScriptToEvaluateOnNewDocument`).
    pub async fn before_every_document(&self, source: &str) {
        self.run(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )
        .await
        .unwrap();
    }

    /// Hands `data` to the service worker of registration `registration_id` as a push message
    /// (CDP `ServiceWorker.deliverPushMessage`): its `push` event runs as for a message from a
    /// push service.
    pub async fn deliver_push(&self, origin: &str, registration_id: &str, data: &str) {
        self.run("ServiceWorker.enable", json!({})).await.unwrap();
        self.run(
            "ServiceWorker.deliverPushMessage",
            json!({ "origin": origin, "registrationId": registration_id, "data": data }),
        )
        .await
        .unwrap();
    }
}

/// The id Chromium gave the service worker registration of `scope` (what
/// `ServiceWorker.deliverPushMessage` names; the protocol reports it only in events, which
/// `goog/cdp/execute` does not pass on, so it is read from `chrome://serviceworker-internals`).
/// Leaves the browser on that page.
pub async fn registration_id(c: &Client, scope: &str) -> String {
    let started = std::time::Instant::now();
    loop {
        c.goto("chrome://serviceworker-internals/").await.unwrap();
        let page = c
            .execute("return document.body.innerText", vec![])
            .await
            .unwrap();
        let page = page.as_str().unwrap_or_default().to_owned();
        let id = page
            .split("Scope: ")
            .skip(1)
            .find(|block| block.starts_with(scope))
            .and_then(|block| block.split("Registration ID: ").nth(1))
            .and_then(|rest| rest.lines().next())
            .map(|id| id.trim().to_owned());
        if let Some(id) = id {
            return id;
        }
        assert!(
            started.elapsed() < PAGE_WAIT,
            "no service worker registered for {scope}:\n{page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// A notification the service worker shows (`registration.getNotifications()`).
#[derive(Debug, Deserialize)]
pub struct Shown {
    pub title: String,
    pub body: String,
    pub tag: String,
    pub data: Value,
}

/// The notifications the page's service worker registration shows now.
pub async fn notifications(c: &Client) -> Vec<Shown> {
    let script = r#"
        const done = arguments[arguments.length - 1];
        navigator.serviceWorker.ready
            .then(r => r.getNotifications())
            .then(ns => done(ns.map(n => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }))))
            .catch(e => done(String(e)));
    "#;
    let found = c.execute_async(script, vec![]).await.unwrap();
    serde_json::from_value(found.clone())
        .unwrap_or_else(|e| panic!("getNotifications: {found} ({e})"))
}

/// One Cache Storage entry: its cache, its URL, and its body as text.
#[derive(Debug, Deserialize)]
pub struct Cached {
    pub cache: String,
    pub url: String,
    pub body: String,
}

/// Every entry of every cache of the page's origin (`caches.keys()`, each cache's `keys()`,
/// each response's text).
pub async fn cache_storage(c: &Client) -> Vec<Cached> {
    let script = r#"
        const done = arguments[arguments.length - 1];
        (async () => {
            const out = [];
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const req of await cache.keys()) {
                    const resp = await cache.match(req);
                    out.push({ cache: name, url: req.url, body: resp ? await resp.text() : '' });
                }
            }
            return out;
        })().then(done, e => done(String(e)));
    "#;
    let found = c.execute_async(script, vec![]).await.unwrap();
    serde_json::from_value(found.clone()).unwrap_or_else(|e| panic!("Cache Storage: {found} ({e})"))
}

/// A same-origin `fetch` from the page (with its cookies): status, `Content-Type` and body.
pub async fn page_fetch(c: &Client, url: &str) -> (u16, String, String) {
    let script = r#"
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], { credentials: 'same-origin' })
            .then(async r => done([r.status, r.headers.get('content-type') || '', await r.text()]))
            .catch(e => done([0, '', String(e)]));
    "#;
    let found = c.execute_async(script, vec![json!(url)]).await.unwrap();
    serde_json::from_value(found.clone()).unwrap_or_else(|e| panic!("fetch {url}: {found} ({e})"))
}
