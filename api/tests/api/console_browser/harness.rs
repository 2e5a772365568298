//! The browser harness: Chromium through chromedriver, page helpers, and [`check_page`], the
//! checks every console page goes through at a desktop width (1280 px) and a phone width
//! (390 px): axe-core finds no serious or critical WCAG 2.x A/AA or 2.2 AA violation, the page
//! never scrolls sideways, form controls' borders have 3:1 contrast, the recovery chart's text
//! is at least 11 px, at the phone width every control is a 44 × 44 px touch target, and a
//! full-page screenshot of each width is kept under
//! `target/console-screenshots/<page>-<width>.png` for a person to look at.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde::Deserialize;
use serde_json::json;

/// The widths every page is checked at: a desktop and a 390-px phone.
pub const DESKTOP: u32 = 1280;
pub const PHONE: u32 = 390;
/// A portrait tablet: checked for sideways scroll and photographed.
pub const TABLET: u32 = 768;
/// The smallest touch target at the phone width (WCAG 2.5.5, and Apple's and Google's guides).
const TARGET_PX: f64 = 44.0;
/// The smallest chart text, as rendered, at the phone width.
const CHART_TEXT_PX: f64 = 11.0;
/// axe-core's rule tags: WCAG 2.0, 2.1 and 2.2, levels A and AA.
const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// chromedriver, stopped when the test ends however it ends.
pub struct Driver {
    child: Child,
    /// Its WebDriver address (`http://127.0.0.1:<port>`), for the commands fantoccini has no
    /// method for (Chromium's DevTools protocol through `goog/cdp/execute`).
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn found(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts chromedriver on a free loopback port and connects a headless Chromium session whose
/// `Accept-Language` is `accept_language`.
pub async fn browser(profile: &Path, accept_language: &str) -> Option<(Driver, Client)> {
    if !(found("chromedriver") && found("chromium")) {
        assert!(
            std::env::var("CI").is_err(),
            "chromium and chromium-driver are required in CI (.ci/run installs them)"
        );
        eprintln!("skipped: chromium/chromedriver not installed");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let driver = Driver {
        child,
        url: url.clone(),
    };
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
                format!("--window-size={DESKTOP},900"),
                format!("--lang={accept_language}"),
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": { "intl.accept_languages": accept_language },
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    let started = Instant::now();
    loop {
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(caps.clone());
        match builder.connect(&url).await {
            Ok(client) => return Some((driver, client)),
            Err(e) if started.elapsed() > Duration::from_secs(30) => {
                panic!("chromedriver did not start a session: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// How long a page may take to appear after a click or a `goto`.
pub const PAGE_WAIT: Duration = Duration::from_secs(10);

/// Finds an element, retrying for [`PAGE_WAIT`]: while a page loads, Chromium answers commands
/// with errors that only mean "not yet" ("no such element", "aborted by navigation").
pub async fn el(c: &Client, locator: Locator<'_>) -> Element {
    let started = Instant::now();
    loop {
        match c.find(locator).await {
            Ok(e) => return e,
            Err(e) if started.elapsed() > PAGE_WAIT => {
                let url = c.current_url().await.map(|u| u.to_string());
                panic!("{locator:?} not found on {url:?}: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

pub async fn text(c: &Client, css: &str) -> String {
    el(c, Locator::Css(css)).await.text().await.unwrap()
}

/// Clicks a link or a submit button and returns once the page it leads to has loaded: the old
/// document's root is stale (a `text` read before that could see the old page) and the new
/// document's `readyState` is `complete`.
pub async fn click_through(c: &Client, target: Element) {
    let old_root = el(c, Locator::Css("html")).await;
    // A click that starts a navigation may itself answer "aborted by navigation".
    let _ = target.click().await;
    let started = Instant::now();
    loop {
        let replaced = old_root
            .tag_name()
            .await
            .is_err_and(|e| e.is_stale_element_reference());
        if replaced {
            let state = c.execute("return document.readyState", vec![]).await;
            if state.is_ok_and(|s| s == "complete") {
                return;
            }
        }
        assert!(
            started.elapsed() < PAGE_WAIT,
            "no new page within {PAGE_WAIT:?} of the click"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn sign_in(c: &Client, base: &str, email: &str, password: &str) {
    c.goto(&format!("{base}/console/")).await.unwrap();
    assert!(
        c.current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/console/sign-in")
    );
    el(c, Locator::Id("email"))
        .await
        .send_keys(email)
        .await
        .unwrap();
    el(c, Locator::Id("password"))
        .await
        .send_keys(password)
        .await
        .unwrap();
    click_through(c, el(c, Locator::Id("sign-in")).await).await;
    if c.find(Locator::Id("q")).await.is_err() {
        let url = c.current_url().await.unwrap();
        panic!(
            "no roster after signing in at {url}: {}",
            c.source().await.unwrap()
        );
    }
}

/// Checks the page the browser shows at both widths (see the module doc; at 768 px too for
/// sideways scroll and the chart's text) and saves its screenshots as `<name>-1280.png`,
/// `<name>-390.png` and `<name>-768.png`; panics listing every problem found.
/// Leaves the window at the desktop width.
pub async fn check_page(c: &Client, name: &str) {
    let problems = page_problems(c, name).await;
    let url = c.current_url().await.map(|u| u.to_string());
    assert!(
        problems.is_empty(),
        "page {name:?} ({url:?}) has {} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// What [`check_page`] finds wrong, one readable line (or block) per problem.
pub async fn page_problems(c: &Client, name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for width in [DESKTOP, PHONE] {
        set_viewport(c, width, 900).await;
        let at = |p: String| format!("[{width} px] {p}");
        if let Some(src) = axe_source() {
            problems.extend(axe(c, src).await.into_iter().map(at));
        }
        problems.extend(overflow(c).await.into_iter().map(at));
        problems.extend(chart_text(c).await.into_iter().map(at));
        problems.extend(faint_borders(c).await.into_iter().map(at));
        if width == PHONE {
            problems.extend(small_targets(c).await.into_iter().map(at));
        }
        screenshot(c, name, width).await;
    }
    set_viewport(c, TABLET, 1024).await;
    let at = |p: String| format!("[{TABLET} px] {p}");
    problems.extend(overflow(c).await.into_iter().map(at));
    problems.extend(chart_text(c).await.into_iter().map(at));
    screenshot(c, name, TABLET).await;
    set_viewport(c, DESKTOP, 900).await;
    problems
}

/// Resizes the window so the page's viewport is `width` × `height` CSS px (headless Chromium
/// has no window frame across, only a fixed one above) and waits for the new layout.
pub async fn set_viewport(c: &Client, width: u32, height: u32) {
    let frame = c
        .execute("return window.outerHeight - window.innerHeight", vec![])
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(0) as u32;
    c.set_window_size(width, height + frame).await.unwrap();
    let started = Instant::now();
    loop {
        let inner = c
            .execute("return window.innerWidth", vec![])
            .await
            .ok()
            .and_then(|v| v.as_u64());
        if inner == Some(u64::from(width)) {
            break;
        }
        assert!(
            started.elapsed() < PAGE_WAIT,
            "the viewport did not become {width} px wide (is {inner:?})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Two animation frames: the resize's layout and paint are done.
    c.execute_async(
        "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
        vec![],
    )
    .await
    .unwrap();
}

/// Where the screenshots go: `target/console-screenshots/` of the workspace.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("console-screenshots")
}

/// A screenshot of the whole page at `width` under [`screenshot_dir`].
async fn screenshot(c: &Client, name: &str, width: u32) {
    screenshot_in(c, &screenshot_dir(), name, width).await;
}

/// A screenshot of the whole page at `width`, saved as `<dir>/<name>-<width>.png`: the
/// viewport is made as tall as the document.
pub async fn screenshot_in(c: &Client, dir: &Path, name: &str, width: u32) {
    let height = c
        .execute("return document.documentElement.scrollHeight", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(900)
        .clamp(600, 16_000) as u32;
    set_viewport(c, width, height).await;
    let png = c.screenshot().await.unwrap();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
    set_viewport(c, width, 900).await;
}

/// axe-core's minified source from `api/tests/browser/node_modules` (`npm ci` there installs
/// the version pinned in its `package-lock.json`). Missing: a failure under `CI`, else the axe
/// part of the checks is skipped with a note.
pub fn axe_source() -> Option<&'static str> {
    static SOURCE: OnceLock<Option<String>> = OnceLock::new();
    SOURCE
        .get_or_init(|| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/browser/node_modules/axe-core/axe.min.js");
            match std::fs::read_to_string(&path) {
                Ok(src) => Some(src),
                Err(e) => {
                    assert!(
                        std::env::var("CI").is_err(),
                        "axe-core is required in CI: {} ({e}); run `npm ci --prefix api/tests/browser`",
                        path.display()
                    );
                    eprintln!(
                        "axe checks skipped: {} missing; run `npm ci --prefix api/tests/browser`",
                        path.display()
                    );
                    None
                }
            }
        })
        .as_deref()
}

#[derive(Debug, Deserialize)]
struct Violation {
    id: String,
    impact: String,
    help: String,
    #[serde(rename = "helpUrl")]
    help_url: String,
    nodes: Vec<ViolationNode>,
}

#[derive(Debug, Deserialize)]
struct ViolationNode {
    target: String,
    html: String,
    summary: String,
}

/// Runs axe-core on the page; its serious and critical violations, readably.
pub async fn axe(c: &Client, source: &str) -> Vec<String> {
    let loaded = c
        .execute("return typeof window.axe !== 'undefined'", vec![])
        .await
        .unwrap();
    if loaded != json!(true) {
        c.execute(&format!("{source}\nreturn true;"), vec![])
            .await
            .unwrap();
    }
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, {
            runOnly: { type: 'tag', values: arguments[0] },
            resultTypes: ['violations'],
        }).then(r => done(r.passes.length === 0
            ? [{ id: 'axe-ran-nothing', impact: 'critical', help: 'axe checked no rule', helpUrl: '', nodes: [] }]
            : r.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.slice(0, 6).map(n => ({
                    target: n.target.join(' '),
                    html: n.html.slice(0, 160),
                    summary: (n.failureSummary || '').replace(/\s+/g, ' '),
                })),
            }))))
          .catch(e => done([{ id: 'axe-error', impact: 'critical', help: String(e), helpUrl: '', nodes: [] }]));
    "#;
    let found = c
        .execute_async(script, vec![json!(AXE_TAGS)])
        .await
        .unwrap();
    let violations: Vec<Violation> = serde_json::from_value(found).unwrap();
    violations
        .into_iter()
        .map(|v| {
            let nodes: Vec<String> = v
                .nodes
                .iter()
                .map(|n| format!("    at {}  {}\n      {}", n.target, n.html, n.summary))
                .collect();
            format!(
                "axe {} ({}): {} <{}>\n{}",
                v.id,
                v.impact,
                v.help,
                v.help_url,
                nodes.join("\n")
            )
        })
        .collect()
}

/// The page scrolls sideways: the document is wider than the window. Names the widest
/// elements sticking out of the window that no scrolling box of their own contains.
pub async fn overflow(c: &Client) -> Vec<String> {
    let script = r#"
        const w = window.innerWidth, sw = document.documentElement.scrollWidth;
        if (sw <= w) return [];
        const clipped = el => {
            for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
                const o = getComputedStyle(p).overflowX;
                if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') return true;
            }
            return false;
        };
        const out = [...document.body.querySelectorAll('*')]
            .filter(e => e.getBoundingClientRect().right > w + 0.5 && !clipped(e))
            .slice(0, 6)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\s+/g, '.') : '') +
                ' right=' + Math.round(e.getBoundingClientRect().right));
        return ['page scrolls sideways: ' + sw + ' px wide in a ' + w + ' px window; ' + out.join(', ')];
    "#;
    strings(c.execute(script, vec![]).await.unwrap())
}

/// Controls smaller than 44 × 44 CSS px. Exceptions: a link inside running text (its block
/// has words of its own besides its links: WCAG 2.5.8's "inline" exception), hidden inputs,
/// and a checkbox or radio button inside its label (the label is the target, and is checked).
pub async fn small_targets(c: &Client) -> Vec<String> {
    let script = r#"
        const min = arguments[0];
        const visible = e => {
            const r = e.getBoundingClientRect(), s = getComputedStyle(e);
            return r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 &&
                s.visibility !== 'hidden' && s.display !== 'none';
        };
        const inSentence = a => {
            const block = a.closest('p, li, dd, figcaption');
            if (!block || a.closest('nav')) return false;
            let rest = block.textContent;
            for (const l of block.querySelectorAll('a')) rest = rest.replace(l.textContent, ' ');
            return /[\p{L}\p{N}]{2,}/u.test(rest);
        };
        const describe = e => {
            const r = e.getBoundingClientRect();
            const what = (e.textContent || e.value || e.name || '').trim().replace(/\s+/g, ' ').slice(0, 40);
            return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                (e.type && e.tagName !== 'BUTTON' ? '[type=' + e.type + ']' : '') + ' "' + what + '" ' +
                Math.round(r.width * 10) / 10 + 'x' + Math.round(r.height * 10) / 10;
        };
        const out = [];
        const boxes = document.querySelectorAll('a[href], button, input, select, textarea, label');
        for (const e of boxes) {
            if (!visible(e)) continue;
            if (e.tagName === 'INPUT' && e.type === 'hidden') continue;
            if (e.tagName === 'INPUT' && (e.type === 'checkbox' || e.type === 'radio') && e.closest('label')) continue;
            if (e.tagName === 'LABEL') {
                const box = e.querySelector('input[type=checkbox], input[type=radio]') ||
                    (e.control && (e.control.type === 'checkbox' || e.control.type === 'radio') ? e.control : null);
                if (!box) continue;
            }
            if (e.tagName === 'A' && inSentence(e)) continue;
            const r = e.getBoundingClientRect();
            if (r.width < min - 0.01 || r.height < min - 0.01) out.push('touch target under ' + min + ' px: ' + describe(e));
        }
        return out;
    "#;
    strings(c.execute(script, vec![json!(TARGET_PX)]).await.unwrap())
}

/// Form controls whose border is under 3:1 against what is behind them (WCAG 1.4.11; axe
/// checks text contrast, not this).
pub async fn faint_borders(c: &Client) -> Vec<String> {
    let script = r#"
        const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
        const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
            .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4))
            .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
        const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
        const behind = e => {
            for (let p = e.parentElement; p; p = p.parentElement) {
                const c = rgb(getComputedStyle(p).backgroundColor);
                if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
            }
            return [255, 255, 255];
        };
        const out = [];
        for (const e of document.querySelectorAll('input, select, textarea')) {
            if (e.type === 'hidden' || e.type === 'checkbox' || e.type === 'radio') continue;
            const r = e.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            const s = getComputedStyle(e);
            if (parseFloat(s.borderBottomWidth) === 0) continue;
            const k = ratio(rgb(s.borderBottomColor).slice(0, 3), behind(e));
            if (k < 3) out.push('border of ' + e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' is ' + k.toFixed(2) + ':1 against its background (needs 3:1)');
        }
        return out;
    "#;
    strings(c.execute(script, vec![]).await.unwrap())
}

/// The recovery chart's text as rendered: its font size times the SVG's scale on screen.
async fn chart_text(c: &Client) -> Vec<String> {
    let script = r#"
        const min = arguments[0];
        const out = [];
        for (const t of document.querySelectorAll('svg.chart text')) {
            const r = t.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            const ctm = t.getScreenCTM();
            const scale = Math.hypot(ctm.a, ctm.b);
            const px = parseFloat(getComputedStyle(t).fontSize) * scale;
            if (px < min - 0.01) out.push('chart text "' + t.textContent.trim().slice(0, 30) + '" renders at ' + Math.round(px * 10) / 10 + ' px');
        }
        return out;
    "#;
    strings(c.execute(script, vec![json!(CHART_TEXT_PX)]).await.unwrap())
}

/// The rendered chart text sizes (px) of the page's visible charts, for assertions.
pub async fn chart_text_sizes(c: &Client) -> Vec<f64> {
    let script = r#"
        return [...document.querySelectorAll('svg.chart text')]
            .filter(t => t.getBoundingClientRect().width > 0)
            .map(t => parseFloat(getComputedStyle(t).fontSize) * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b));
    "#;
    let v = c.execute(script, vec![]).await.unwrap();
    v.as_array()
        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
        .unwrap_or_default()
}

fn strings(v: serde_json::Value) -> Vec<String> {
    serde_json::from_value(v).unwrap_or_default()
}
