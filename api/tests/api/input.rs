//! The input layer against hostile requests, on both backends: path ids that are not ids (a NUL,
//! text that is not UTF-8) are 404 before any query; cursors are tamper-evident and bound to
//! their list; every JSON body refuses a repeated member name; a body that never finishes is
//! 408; a known path asked with another method is 405 with `Allow`; a failed login says the
//! email or password is wrong. Routes are read from the served OpenAPI document, so a new route
//! is covered as soon as it is documented.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use shared::db::Backend;

use crate::both_backends;
use crate::console_support::{csrf_in, signed_in};
use crate::escalation_queue::{check_in, treated_patient};
use crate::helpers::{TestApp, problem};

/// Every documented operation: method, path template, operation object.
async fn operations(app: &TestApp) -> Vec<(Method, String, Value)> {
    let doc: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Ok(m) = Method::from_bytes(method.to_uppercase().as_bytes()) {
                all.push((m, path.clone(), op.clone()));
            }
        }
    }
    assert!(all.len() > 20, "the document lists the routes");
    all
}

/// `template` with every `{param}` replaced by `value`.
fn fill(template: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').unwrap() + open;
        out.push_str(&rest[..open]);
        out.push_str(value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The caller each audience's routes need: the patient's token under `/v1/me`, the clinic
/// administrator's elsewhere (the public routes ignore it).
struct Callers {
    admin: String,
    patient: String,
}

impl Callers {
    async fn new(app: &TestApp) -> Self {
        let (admin, admin_token) = app.staff("clinic_admin").await;
        let (_, patient) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        Self {
            admin: admin_token,
            patient,
        }
    }

    fn for_path(&self, path: &str) -> &str {
        if path.starts_with("/v1/me") {
            &self.patient
        } else {
            &self.admin
        }
    }
}

async fn expect_problem(resp: reqwest::Response, status: u16, what: &str) -> Value {
    let got = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = resp.text().await.unwrap();
    assert_eq!(got, status, "{what}: {body}");
    assert_eq!(ct, "application/problem+json", "{what}");
    serde_json::from_str(&body).unwrap()
}

both_backends! {
    async fn a_path_id_that_is_not_a_uuid_is_404_on_every_route(app) {
        let callers = Callers::new(&app).await;
        let id = new_id();
        let not_ids = [
            "%00".to_owned(),
            format!("{id}%00"),
            "%FF".to_owned(),
            format!("{}%FF", &id[..35]),
            "nope".to_owned(),
            id.to_uppercase(),
            id.replace('-', ""),
            format!("%7B{id}%7D"),
        ];
        let mut checked = 0;
        for (method, template, _) in operations(&app).await {
            if !template.contains('{') {
                continue;
            }
            for not_an_id in &not_ids {
                let path = fill(&template, not_an_id);
                let resp = app
                    .request(method.clone(), &path, Some(callers.for_path(&template)))
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                expect_problem(resp, 404, &format!("{method} {path}")).await;
            }
            checked += 1;
        }
        assert!(checked >= 10, "{checked} routes with ids");

        // The console's pages answer their not-found page.
        let (mut b, _) = signed_in(&app, "clinic_admin").await;
        let (_, home) = b.page("/console/").await;
        let csrf = csrf_in(&home);
        let gets = [
            "/console/patients/{}",
            "/console/patients/{}/invitation",
            "/console/patients/{}/invitation/sheet",
            "/console/patients/{}/details",
            "/console/patients/{}/discharge",
            "/console/patients/{}/treatments/new",
            "/console/patients/{}/treatments/{}",
        ];
        let posts = [
            "/console/patients/{}/invitation",
            "/console/patients/{}/details",
            "/console/patients/{}/next-session",
            "/console/patients/{}/next-session/cancel",
            "/console/patients/{}/discharge",
            "/console/patients/{}/treatments/new",
            "/console/escalations/{}/resolve",
            "/console/staff/{}/deactivate",
            "/console/staff/{}/invitation",
        ];
        for not_an_id in &not_ids {
            for template in gets {
                let path = template.replace("{}", not_an_id);
                let (status, html) = b.page(&path).await;
                assert_eq!(status, 404, "GET {path}: {html}");
            }
            for template in posts {
                let path = template.replace("{}", not_an_id);
                let status = b.post(&path, &[("csrf", &csrf)]).await.status();
                assert_eq!(status, 404, "POST {path}");
            }
        }
        // An id in canonical form that names nothing is the same 404, after the query.
        let (status, _) = b.page(&format!("/console/patients/{id}")).await;
        assert_eq!(status, 404);

        // Ids and text in query strings never reach the database as bytes it refuses.
        for (path, status) in [
            ("/console/?after=%00", 200),
            ("/console/?q=%00", 200),
            ("/console/escalations?status=resolved&after=%00", 200),
            ("/console/escalations?resolved=%00", 200),
            ("/console/audit?patient_id=%00", 200),
            ("/console/audit?after=%FF", 200),
            ("/console/audit?find=%00", 200),
        ] {
            let (got, html) = b.page(path).await;
            assert_eq!(got, status, "{path}: {html}");
        }
        for (path, status) in [
            ("/v1/clinic/audit?patient_id=%00", 422),
            ("/v1/clinic/patients?q=%00", 200),
        ] {
            let resp = app.get(path, Some(&callers.admin)).await;
            assert_eq!(resp.status().as_u16(), status, "{path}: {}", resp.text().await.unwrap());
        }
    }

    async fn every_json_body_refuses_a_repeated_member_name(app) {
        let callers = Callers::new(&app).await;
        let mut checked = 0;
        for (method, template, op) in operations(&app).await {
            if op.get("requestBody").is_none() {
                continue;
            }
            let path = fill(&template, &new_id());
            let resp = app
                .request(method.clone(), &path, Some(callers.for_path(&template)))
                .header("content-type", "application/json")
                .body(r#"{"note": {"x": 1, "x": 2}, "note": 1}"#)
                .send()
                .await
                .unwrap();
            let body = expect_problem(resp, 422, &format!("{method} {path}")).await;
            assert_eq!(body["errors"][0]["field"], "note.x", "{method} {path}: {body}");
            checked += 1;
        }
        assert!(checked >= 12, "{checked} routes with bodies");

        // A check-in's second `symptoms` no longer replaces the first: nothing is recorded.
        let body = r#"{"redness": 2, "swelling": 2, "pain": 2, "peeling": false,
                       "symptoms": ["pus"], "symptoms": []}"#;
        let resp = app
            .request(Method::POST, "/v1/me/check-ins", Some(&callers.patient))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let p = expect_problem(resp, 422, "check-in").await;
        assert_eq!(p["errors"][0]["field"], "symptoms");
        // The rest of the mapping stands: 415, 400 malformed, 400 too large.
        let long = format!(r#"{{"note": "{}"}}"#, "x".repeat(70_000));
        for (content_type, body, status) in [
            ("text/plain", "{}", 415),
            ("application/json", r#"{"redness": "#, 400),
            ("application/json", long.as_str(), 400),
        ] {
            let resp = app
                .request(Method::POST, "/v1/me/check-ins", Some(&callers.patient))
                .header("content-type", content_type)
                .body(body.to_owned())
                .send()
                .await
                .unwrap();
            expect_problem(resp, status, content_type).await;
        }
    }

    async fn cursors_round_trip_and_refuse_anything_the_server_did_not_issue(app) {
        let (staff, token) = app.staff("clinic_admin").await;
        let (_, patient_token) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        for (given, family) in [("Ana", "Uno"), ("Bea", "Dos")] {
            let (_, t) = treated_patient(&app, &token, &staff.clinic_id, given, family, None).await;
            check_in(&app, &t, 8, 3, json!(["pus"])).await;
        }
        let token_for = |path: &str| if path.starts_with("/v1/me") { patient_token.clone() } else { token.clone() };

        // Every documented list that pages by cursor.
        let lists: Vec<String> = operations(&app)
            .await
            .into_iter()
            .filter(|(m, path, op)| {
                *m == Method::GET
                    && !path.contains('{')
                    && op["parameters"]
                        .as_array()
                        .is_some_and(|ps| ps.iter().any(|p| p["name"] == "cursor"))
            })
            .map(|(_, path, _)| path)
            .collect();
        for seeded in ["/v1/clinic/patients", "/v1/clinic/escalations", "/v1/clinic/audit"] {
            assert!(lists.iter().any(|l| l == seeded), "{seeded} in {lists:?}");
        }

        let mut issued: Vec<(String, String)> = Vec::new();
        for list in &lists {
            let token = token_for(list);
            // Page by one: every item once, in order, and the walk ends.
            let mut walked: Vec<Value> = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let path = match &cursor {
                    Some(c) => format!("{list}?limit=1&cursor={c}"),
                    None => format!("{list}?limit=1"),
                };
                let r = app.get(&path, Some(&token)).await;
                assert_eq!(r.status(), 200, "{path}");
                let page: Value = r.json().await.unwrap();
                walked.extend(page["items"].as_array().unwrap().iter().cloned());
                match page["next_cursor"].as_str() {
                    Some(next) => {
                        issued.push((list.clone(), next.to_owned()));
                        cursor = Some(next.to_owned());
                    }
                    None => break,
                }
                assert!(walked.len() < 100, "{list} does not end");
            }
            // Items with an id: each once.
            let ids: Vec<&Value> = walked.iter().map(|i| &i["id"]).filter(|id| !id.is_null()).collect();
            let distinct: std::collections::HashSet<String> = ids.iter().map(|id| id.to_string()).collect();
            assert_eq!(ids.len(), distinct.len(), "{list}: {ids:?}");
            if ["/v1/clinic/patients", "/v1/clinic/escalations"].contains(&list.as_str()) {
                let all: Value = app.get(&format!("{list}?limit=200"), Some(&token)).await.json().await.unwrap();
                assert_eq!(&Value::Array(walked.clone()), &all["items"], "{list}");
                assert!(walked.len() >= 2, "{list} was seeded");
            }
        }

        let (own_list, own) = issued.first().cloned().unwrap();
        let edited = {
            let mut chars: Vec<char> = own.chars().collect();
            let i = chars.len() / 2;
            chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
            chars.into_iter().collect::<String>()
        };
        let truncated = own[..own.len() - 3].to_owned();
        let unsigned = "azowMTkwYjZjNC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA";
        for list in &lists {
            let token = token_for(list);
            let mut bad = vec![edited.clone(), truncated.clone(), unsigned.to_owned(), "%00".to_owned()];
            // Another list's cursor.
            bad.extend(issued.iter().filter(|(l, _)| l != list).map(|(_, c)| c.clone()));
            if list == &own_list {
                let r = app.get(&format!("{list}?cursor={own}"), Some(&token)).await;
                assert_eq!(r.status(), 200);
            }
            for cursor in bad {
                let path = format!("{list}?limit=1&cursor={cursor}");
                let p = expect_problem(app.get(&path, Some(&token)).await, 422, &path).await;
                assert_eq!(p["errors"][0]["field"], "cursor", "{path}: {p}");
            }
        }
    }

    async fn a_known_path_with_another_method_is_405_with_allow(app) {
        let callers = Callers::new(&app).await;
        let id = new_id();
        let cases = [
            (Method::GET, "/v1/auth/login".to_owned(), "POST"),
            (Method::DELETE, "/v1/auth/login".to_owned(), "POST"),
            (Method::PUT, format!("/v1/clinic/patients/{id}"), "GET, HEAD, PATCH"),
            (Method::POST, format!("/v1/me/prompts/{id}/ack"), ""),
            (Method::GET, format!("/v1/clinic/patients/{id}/next-session"), "DELETE, PUT"),
        ];
        for (method, path, allow) in cases {
            let resp = app.request(method.clone(), &path, Some(callers.for_path(&path))).send().await.unwrap();
            if allow.is_empty() {
                assert_ne!(resp.status(), 405, "{method} {path} is served");
                continue;
            }
            let header = resp.headers().get("allow").map(|v| v.to_str().unwrap().to_owned());
            let p = expect_problem(resp, 405, &format!("{method} {path}")).await;
            assert_eq!(header.as_deref(), Some(allow), "{method} {path}");
            assert!(p["detail"].as_str().unwrap().contains(allow), "{p}");
        }
        // Every documented path: a method it does not serve is 405 naming those it does.
        for (_, template, _) in operations(&app).await {
            let path = fill(&template, &id);
            let resp = app.request(Method::TRACE, &path, None).send().await.unwrap();
            assert_eq!(resp.status(), 405, "TRACE {path}");
            assert!(resp.headers().contains_key("allow"), "TRACE {path}");
        }
        // HEAD is served wherever GET is (RFC 9110 §9.3.2): GET's status and headers, no
        // content; a path without GET says which methods it takes.
        let resp = app.request(Method::HEAD, "/healthz", None).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert!(resp.bytes().await.unwrap().is_empty());
        let roster = "/v1/clinic/patients";
        let resp = app.request(Method::HEAD, roster, Some(callers.for_path(roster))).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let resp = app.request(Method::HEAD, "/v1/auth/login", None).send().await.unwrap();
        assert_eq!(resp.status(), 405);
        assert_eq!(resp.headers()["allow"], "POST");
        // Unknown paths stay 404.
        problem(app.request(Method::DELETE, "/v1/nowhere", None).send().await.unwrap(), 404).await;
        // The console's forms: 405 with `Allow` too.
        let resp = app.request(Method::DELETE, "/console/sign-in", None).send().await.unwrap();
        assert_eq!(resp.status(), 405);
        assert_eq!(resp.headers()["allow"].to_str().unwrap().replace(' ', ""), "GET,POST");
    }

    async fn a_bad_limit_is_refused_naming_limit(app) {
        let callers = Callers::new(&app).await;
        let lists = ["/v1/clinic/patients", "/v1/clinic/escalations", "/v1/clinic/audit", "/v1/me/devices", "/v1/me/check-ins"];
        for list in lists {
            for query in ["limit=abc", "limit=", "limit=1e3", "limit=%00", "limit=99999999999999999999", "limit=1&limit=2"] {
                let path = format!("{list}?{query}");
                let p = expect_problem(app.get(&path, Some(callers.for_path(list))).await, 422, &path).await;
                assert_eq!(p["errors"][0]["field"], "limit", "{path}: {p}");
                let message = p["errors"][0]["message"].as_str().unwrap();
                assert!(!message.contains("deserialize"), "{path}: {message}");
            }
        }
    }

    async fn a_failed_login_says_the_email_or_password_is_wrong(app) {
        let (staff, _) = app.staff("clinician").await;
        // Text that is no address (a NUL, which PostgreSQL refuses in text; a control
        // character; a huge one) is an unknown account, never a 500.
        let huge = "a".repeat(3000);
        for (email, password) in [
            (staff.email.as_str(), "not-the-password"),
            ("nobody@example.com", "whatever-1234"),
            ("a\u{0}@example.com", "whatever-1234"),
            ("\u{7}bell@example.com", "whatever-1234"),
            (huge.as_str(), "whatever-1234"),
        ] {
            let resp = app
                .post_json("/v1/auth/login", None, &json!({"email": email, "password": password}))
                .await;
            let p = problem(resp, 401).await;
            let detail = p["detail"].as_str().unwrap();
            assert!(detail.contains("email or password"), "{detail}");
            assert!(!detail.contains("token"), "{detail}");
        }
        // A request without a token is still told it needs one.
        let p = problem(app.get("/v1/me", None).await, 401).await;
        assert!(p["detail"].as_str().unwrap().contains("access token"));
        // The console's sign-in page says the same.
        let mut b = crate::console_support::Browser::new(&app);
        for email in [staff.email.as_str(), "a\u{0}@example.com"] {
            let resp = b.sign_in(email, "not-the-password").await;
            assert_eq!(resp.status(), 401);
            let html = resp.text().await.unwrap();
            assert!(html.contains("That email and password do not match"), "{html}");
        }
    }
}

/// Sends a request's head and part of its body, then stalls: the answer is 408 within the
/// configured bound (1 s here), not a connection held open.
fn stalled_body(address: &str, head: &str) -> (String, Duration) {
    let mut stream = std::net::TcpStream::connect(address.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let started = Instant::now();
    stream.write_all(head.as_bytes()).unwrap();
    stream.flush().unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_finishes_is_408_after_the_bound() {
    let app = TestApp::spawn_with(Backend::Sqlite, &[("AFTERCARE_BODY_TIMEOUT_SECS", "1")])
        .await
        .unwrap();
    let address = app.address.clone();
    let heads = [
        "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{\"email\": ",
        "POST /console/sign-in HTTP/1.1\r\nHost: x\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=",
        "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n4\r\n{\"em\r\n",
    ];
    for head in heads {
        let address = address.clone();
        let (answer, took) = tokio::task::spawn_blocking(move || stalled_body(&address, head))
            .await
            .unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{head}: {answer}");
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("content-type: application/problem+json"),
            "{answer}"
        );
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(8),
            "{took:?}"
        );
    }
    // A body that arrives in time is read as usual.
    let r = app
        .post_json(
            "/v1/auth/login",
            None,
            &json!({"email": "a@example.com", "password": "x"}),
        )
        .await;
    assert_eq!(r.status(), 401);
}

/// A refusal answered before the handler read the body (401 here) leaves the connection usable:
/// the body that arrives after the head is read, and the next request on the connection is
/// answered instead of the connection being closed under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_post_keeps_the_connection_for_the_next_request() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let address = app.address.trim_start_matches("http://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(15)))
            .unwrap();
        stream
            .write_all(
                b"POST /v1/me/check-ins HTTP/1.1\r\nHost: x\r\n\
                  Content-Type: application/json\r\nContent-Length: 2\r\n\r\n",
            )
            .unwrap();
        stream.flush().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        stream.write_all(b"{}").unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(
        answer.contains("HTTP/1.1 200"),
        "the second request was not answered: {answer}"
    );
}

/// Every handler reads its path through `PathId` and its JSON body through the strict `Json`:
/// actix's own extractors would let a non-id reach a query, or a repeated name through.
#[test]
fn handlers_take_path_ids_and_bodies_through_the_strict_extractors() {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    if line.contains("web::Path<") || line.contains(": web::Json<") {
                        found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    assert!(
        found.is_empty(),
        "use PathId and crate::json::Json: {found:#?}"
    );
}
