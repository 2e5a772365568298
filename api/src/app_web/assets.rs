//! The app's static files, compiled into the binary: stylesheet, scripts, the service worker,
//! the web app manifest, icons, and the offline page the service worker precaches. Nothing comes
//! from a CDN.
//!
//! Text assets are sent gzip-compressed when the browser accepts it (actix's `Compress`, on
//! these resources only: pages carrying a form token are never compressed, so no secret shares
//! a compressed body with text an attacker can reflect — the BREACH attack).

use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Compress;
use actix_web::{HttpResponse, web};
use askama::Template;
use sha2::{Digest, Sha256};

use super::page::{self, AppError, Nav};
use super::strings::Texts;

const CSS: &str = include_str!("../../assets/app/app.css");
const JS: &str = include_str!("../../assets/app/app.js");
const NOTIFICATIONS_JS: &str = include_str!("../../assets/app/notifications.js");
const SW: &str = include_str!("../../assets/app/sw.js");
const MANIFEST: &str = include_str!("../../assets/app/manifest.webmanifest");
const ICON_SVG: &str = include_str!("../../assets/app/icon.svg");
const ICON_192: &[u8] = include_bytes!("../../assets/app/icon-192.png");
const ICON_512: &[u8] = include_bytes!("../../assets/app/icon-512.png");
/// The offline page's template and texts, part of the shell's version too.
const OFFLINE_VERSION: &str = concat!(
    include_str!("../../templates/app/message.html"),
    include_str!("../../templates/app/base.html"),
    include_str!("../../locales/en/app.ftl"),
    include_str!("../../locales/es/app.ftl"),
);

/// A static file: `content_type`, cached for an hour (the service worker serves its own copy
/// offline), the app's CSP.
fn file(
    content_type: &'static str,
    body: impl actix_web::body::MessageBody + 'static,
) -> HttpResponse {
    let mut resp = HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body);
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(page::CSP),
    );
    resp
}

async fn css() -> HttpResponse {
    file("text/css; charset=utf-8", CSS)
}

async fn js() -> HttpResponse {
    file("text/javascript; charset=utf-8", JS)
}

/// The notifications page's script (turning Web Push on and off; `notifications.rs`).
async fn notifications_js() -> HttpResponse {
    file("text/javascript; charset=utf-8", NOTIFICATIONS_JS)
}

/// What `sw.js` says in place of its shell cache's version.
const SW_HASH_MARK: &str = "ASSETS_HASH";

/// `sw.js` with its shell cache named after a hash of the files that cache holds (SHA-256 of
/// their bytes, the first 8 bytes in hex), so changed files mean a changed worker: the browser
/// installs it, it fills a new cache and deletes the old one. Computed once.
fn service_worker() -> &'static str {
    static BODY: OnceLock<String> = OnceLock::new();
    BODY.get_or_init(|| {
        let mut h = Sha256::new();
        for part in [
            CSS.as_bytes(),
            JS.as_bytes(),
            MANIFEST.as_bytes(),
            ICON_SVG.as_bytes(),
            ICON_192,
            ICON_512,
            OFFLINE_VERSION.as_bytes(),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        let hash: String = h.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        SW.replace(SW_HASH_MARK, &hash)
    })
}

/// The service worker: never served from the HTTP cache, so an update reaches patients at once
/// (the browser checks it on every navigation).
async fn sw() -> HttpResponse {
    let mut resp = file("text/javascript; charset=utf-8", service_worker());
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

async fn manifest() -> HttpResponse {
    file("application/manifest+json", MANIFEST)
}

async fn icon_svg() -> HttpResponse {
    file("image/svg+xml", ICON_SVG)
}

async fn icon_192() -> HttpResponse {
    file("image/png", ICON_192)
}

async fn icon_512() -> HttpResponse {
    file("image/png", ICON_512)
}

#[derive(Template)]
#[template(path = "app/message.html")]
struct OfflinePage {
    t: &'static Texts,
    nav: Option<Nav>,
    title: String,
    message: String,
    link: Option<(&'static str, String)>,
}

/// `GET /app/offline`: what the service worker shows for a page it cannot fetch (no health data,
/// no session needed).
async fn offline() -> Result<HttpResponse, AppError> {
    let t = page::texts();
    page::ok(&OfflinePage {
        t,
        nav: None,
        title: t.offline_title.clone(),
        message: t.offline_body.clone(),
        link: Some(("/app/timeline", t.nav_timeline.clone())),
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, resource};
    let text = |path: &str| resource(path.to_owned()).wrap(Compress::default());
    cfg.service(text("/app.css").route(get().to(css)))
        .service(text("/app.js").route(get().to(js)))
        .service(text("/notifications.js").route(get().to(notifications_js)))
        .service(text("/sw.js").route(get().to(sw)))
        .service(text("/manifest.webmanifest").route(get().to(manifest)))
        .service(text("/icon.svg").route(get().to(icon_svg)))
        .route("/icon-192.png", get().to(icon_192))
        .route("/icon-512.png", get().to(icon_512))
        .route("/offline", get().to(offline));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shell_cache_is_named_after_its_files() {
        let sw = service_worker();
        assert!(!sw.contains(SW_HASH_MARK));
        let name = sw.split("var SHELL = \"shell-").nth(1).unwrap_or_default();
        let hash: String = name.chars().take_while(char::is_ascii_hexdigit).collect();
        assert_eq!(hash.len(), 16, "{name}");
    }
}
