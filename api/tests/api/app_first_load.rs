//! The patient web app's first load (issue 27: "First load ≤ 100 KB compressed (HTML, JS,
//! CSS)"), measured: `/app/sign-in`, then `/app/` signed in, with everything they load — the
//! stylesheet, the scripts, the service worker, the manifest and the icon the page links — each
//! counted once (the second page finds the first's files in the browser's cache). Every body is
//! measured three ways: as is, as served to a browser sending `Accept-Encoding: gzip` (the app
//! compresses its static files, never a page carrying a form token: BREACH), and gzip-compressed
//! at level 6 (what a compressing proxy in front would send). The files the service worker
//! precaches at install (the offline page and the PNG icons) are listed apart.
//!
//! Prints a table (`cargo test -p api --test api app_first_load -- --nocapture`); fails when
//! the gzip total of HTML, JS, CSS and manifest exceeds 100 KB.

use std::io::Write as _;

use crate::app_push::signed_in_patient;
use crate::helpers::TestApp;

/// Issue 27's budget for the first load, compressed.
const BUDGET_BYTES: usize = 100 * 1024;

struct Fetched {
    path: String,
    raw: usize,
    served: usize,
    gzip: usize,
}

fn gzip_len(body: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(body).unwrap();
    e.finish().unwrap().len()
}

async fn fetch(app: &TestApp, path: &str, cookie: Option<&str>) -> (Fetched, String) {
    let url = format!("{}{path}", app.address);
    let served = {
        let mut req = app.client.get(&url).header("Accept-Encoding", "gzip");
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        resp.bytes().await.unwrap().len()
    };
    let mut req = app.client.get(&url).header("Accept-Encoding", "identity");
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let body = req.send().await.unwrap().bytes().await.unwrap();
    let fetched = Fetched {
        path: path.to_owned(),
        raw: body.len(),
        served,
        gzip: gzip_len(&body),
    };
    (fetched, String::from_utf8_lossy(&body).into_owned())
}

/// The `/app/…` files a page loads: stylesheets, scripts, the manifest and the icon
/// (`href`/`src` attributes of `<link rel=stylesheet|manifest|icon>` and `<script>`).
fn linked(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for tag in html.split('<').skip(1) {
        let loads = tag.starts_with("script")
            || (tag.starts_with("link")
                && ["\"stylesheet\"", "\"manifest\"", "\"icon\""]
                    .iter()
                    .any(|r| tag.contains(&format!("rel={r}"))));
        if !loads {
            continue;
        }
        for attr in ["src=\"", "href=\""] {
            if let Some(rest) = tag.split(attr).nth(1) {
                let url = rest.split('"').next().unwrap_or_default();
                if url.starts_with("/app/") {
                    out.push(url.to_owned());
                }
            }
        }
    }
    out
}

/// The service worker's precache list (`SHELL_URLS` in `sw.js`).
fn precached(sw: &str) -> Vec<String> {
    let list = sw
        .split("SHELL_URLS = [")
        .nth(1)
        .and_then(|r| r.split(']').next())
        .unwrap_or_default();
    list.split(',')
        .map(|s| s.trim().trim_matches('"').to_owned())
        .filter(|s| s.starts_with("/app/"))
        .collect()
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

#[tokio::test]
async fn the_first_load_fits_in_100_kb_compressed() {
    let Some(app) = TestApp::spawn(shared::db::Backend::Sqlite).await else {
        return;
    };
    let patient = signed_in_patient(&app).await;
    let mut seen: Vec<String> = Vec::new();
    let mut rows: Vec<Fetched> = Vec::new();
    let mut sw_source = String::new();
    for (page, cookie) in [
        ("/app/sign-in", None),
        ("/app/", Some(patient.cookie.as_str())),
    ] {
        let (fetched, html) = fetch(&app, page, cookie).await;
        rows.push(fetched);
        let mut files = linked(&html);
        if html.contains("/app/app.js") {
            // app.js registers the service worker: the browser fetches it on the first visit.
            files.push("/app/sw.js".to_owned());
        }
        for file in files {
            if seen.contains(&file) {
                continue;
            }
            seen.push(file.clone());
            let (fetched, body) = fetch(&app, &file, None).await;
            if file == "/app/sw.js" {
                sw_source = body;
            }
            rows.push(fetched);
        }
    }
    let mut extra: Vec<Fetched> = Vec::new();
    for file in precached(&sw_source) {
        if !seen.contains(&file) {
            seen.push(file.clone());
            extra.push(fetch(&app, &file, None).await.0);
        }
    }

    let sum = |rows: &[Fetched], f: fn(&Fetched) -> usize| rows.iter().map(f).sum::<usize>();
    println!("\nThe patient web app's first load (/app/sign-in, then /app/ signed in):");
    println!("| file | as is | as served (Accept-Encoding: gzip) | gzip -6 |");
    println!("|---|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} |",
            r.path,
            kb(r.raw),
            kb(r.served),
            kb(r.gzip)
        );
    }
    let (raw, served, gzip) = (
        sum(&rows, |r| r.raw),
        sum(&rows, |r| r.served),
        sum(&rows, |r| r.gzip),
    );
    println!(
        "| **total** | {} | {} | {} |",
        kb(raw),
        kb(served),
        kb(gzip)
    );
    println!(
        "budget: {} compressed; gzip total {} ({:.0}% of it)",
        kb(BUDGET_BYTES),
        kb(gzip),
        gzip as f64 * 100.0 / BUDGET_BYTES as f64
    );
    println!("precached by the service worker at install, besides:");
    for r in &extra {
        println!(
            "| {} | {} | {} | {} |",
            r.path,
            kb(r.raw),
            kb(r.served),
            kb(r.gzip)
        );
    }
    println!(
        "with the precache: as served {}, gzip {}",
        kb(served + sum(&extra, |r| r.served)),
        kb(gzip + sum(&extra, |r| r.gzip))
    );
    assert!(
        rows.iter().any(|r| r.path == "/app/app.css")
            && rows.iter().any(|r| r.path == "/app/app.js"),
        "the stylesheet and the script are counted"
    );
    assert!(
        gzip <= BUDGET_BYTES,
        "first load {} over {}",
        kb(gzip),
        kb(BUDGET_BYTES)
    );
}
