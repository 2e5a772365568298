//! The clinic protocol routes (`/v1/clinic/protocols*`, docs/CONTRACT.md "Clinic additions"):
//! drafts listed, created, read and edited; publishing (administrators only) freezes a version
//! and plans later treatments with the clinic's words; previews; another clinic sees nothing;
//! hostile bodies and queries get a clear 4xx, never a 5xx.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, problem};
use crate::treatments::{record, treatment_body};

/// The prompt these tests rewrite: day 2, for every treatment.
const EDITED: &str = "day2_gentle_products";
const CLINIC_EN: &str =
    "Clinica Sol: no retinol or acids for five days, then only what we gave you.";
const CLINIC_ES: &str =
    "Clínica Sol: nada de retinol ni ácidos durante cinco días; después, solo lo que te dimos.";

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let rb = app.request(method, path, Some(token));
    let rb = match body {
        Some(b) => rb.json(b),
        None => rb,
    };
    rb.send().await.unwrap()
}

async fn ok_json(resp: reqwest::Response, status: u16) -> Value {
    assert_eq!(resp.status().as_u16(), status, "unexpected status");
    resp.json().await.unwrap()
}

/// A new draft from the default, as `token` makes it.
async fn draft(app: &TestApp, token: &str) -> Value {
    let body = json!({"based_on": "default"});
    ok_json(
        app.post_json("/v1/clinic/protocols", Some(token), &body)
            .await,
        201,
    )
    .await
}

fn url(doc: &Value) -> String {
    format!("/v1/clinic/protocols/{}", doc["id"].as_str().unwrap())
}

/// `doc` (a `GET` answer, envelope and all) with the clinic's words for [`EDITED`].
fn edited(mut doc: Value) -> Value {
    let prompts = doc["prompts"].as_array_mut().unwrap();
    let p = prompts
        .iter_mut()
        .find(|p| p["key"] == EDITED)
        .expect("the default has the day-2 prompt");
    p["texts"]["en"]["body"] = json!(CLINIC_EN);
    p["texts"]["es"]["body"] = json!(CLINIC_ES);
    p["facts"] = json!([]);
    p["clinic_instruction"] = json!({"clinician": "Dr. Ruiz"});
    doc
}

/// The fields a 422 names.
async fn named(resp: reqwest::Response) -> Vec<String> {
    let body = problem(resp, 422).await;
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

both_backends! {
    async fn drafts_are_listed_created_read_and_edited(app) {
        let (_, token) = app.staff("clinician").await;
        let empty = ok_json(app.get("/v1/clinic/protocols", Some(&token)).await, 200).await;
        assert_eq!(empty, json!({"items": [], "next_cursor": null}));

        let first = draft(&app, &token).await;
        assert_eq!(first["version"], 1);
        assert_eq!(first["status"], "draft");
        assert_eq!(first["based_on"], "default");
        assert!(first["published_at"].is_null() && first["published_by"].is_null());
        assert!(!first["prompts"].as_array().unwrap().is_empty(), "{first}");
        assert!(!first["triage"]["rules"].as_array().unwrap().is_empty());
        let got = ok_json(app.get(&url(&first), Some(&token)).await, 200).await;
        assert_eq!(got, first);

        // What was got can be put back, envelope and all, with the clinic's words (a text
        // area's CRLF kept as a line break, tabs kept).
        let mut body = edited(got);
        let i = body["prompts"].as_array().unwrap().iter().position(|p| p["key"] == EDITED).unwrap();
        body["prompts"][i]["texts"]["en"]["body"] = json!(format!("{CLINIC_EN}\r\n\tAsk us first."));
        let put = send(&app, Method::PUT, &url(&first), &token, Some(&body)).await;
        let put = ok_json(put, 200).await;
        let p = put["prompts"].as_array().unwrap().iter().find(|p| p["key"] == EDITED).unwrap();
        assert_eq!(p["texts"]["es"]["body"], CLINIC_ES);
        assert_eq!(p["texts"]["en"]["body"], format!("{CLINIC_EN}\n\tAsk us first."));
        assert_eq!(p["clinic_instruction"]["clinician"], "Dr. Ruiz");
        let again = ok_json(app.get(&url(&first), Some(&token)).await, 200).await;
        assert_eq!(again["prompts"], put["prompts"]);

        // A second draft copies the first.
        let body = json!({"based_on": first["id"]});
        let second = ok_json(app.post_json("/v1/clinic/protocols", Some(&token), &body).await, 201).await;
        assert_eq!(second["version"], 2);
        assert_eq!(second["based_on"], first["id"]);
        assert_eq!(second["prompts"], put["prompts"]);

        // Newest first, one a page.
        let page = ok_json(app.get("/v1/clinic/protocols?limit=1", Some(&token)).await, 200).await;
        assert_eq!(page["items"][0]["id"], second["id"]);
        assert!(page["items"][0].get("prompts").is_none());
        let cursor = page["next_cursor"].as_str().unwrap().to_owned();
        let next = app.get(&format!("/v1/clinic/protocols?limit=1&cursor={cursor}"), Some(&token)).await;
        let next = ok_json(next, 200).await;
        assert_eq!(next["items"][0]["id"], first["id"]);
        let bad = app.get("/v1/clinic/protocols?cursor=made-up", Some(&token)).await;
        assert_eq!(named(bad).await, ["cursor"]);
        let bad = app.get("/v1/clinic/protocols?limit=0", Some(&token)).await;
        assert_eq!(named(bad).await, ["limit"]);

        let spaced = format!(" {}", first["id"].as_str().unwrap());
        for based_on in [json!("nonsense"), json!(7), json!("0190b7c2-0000-7000-8000-000000000000"), json!(" default"), json!("default "), json!(spaced)] {
            let r = app.post_json("/v1/clinic/protocols", Some(&token), &json!({"based_on": based_on})).await;
            assert_eq!(named(r).await, ["based_on"], "{based_on}");
        }
    }

    async fn only_administrators_publish_and_a_published_version_never_changes(app) {
        let (admin, admin_token) = app.staff("clinic_admin").await;
        let (_, clinician) = app.staff_in(&admin.clinic_id, "clinician").await;
        let doc = draft(&app, &clinician).await;
        let publish = format!("{}/publish", url(&doc));

        problem(send(&app, Method::POST, &publish, &clinician, None).await, 403).await;
        let wrong = json!({"replan_current_patients": "yes"});
        named(send(&app, Method::POST, &publish, &admin_token, Some(&wrong)).await).await;
        let unknown = json!({"replan": true});
        assert_eq!(named(send(&app, Method::POST, &publish, &admin_token, Some(&unknown)).await).await, ["replan"]);

        let published = ok_json(send(&app, Method::POST, &publish, &admin_token, None).await, 200).await;
        assert_eq!(published["status"], "published");
        assert_eq!(published["replanned"], 0);
        assert_eq!(published["published_by"], admin.id.as_str());
        assert!(published["published_at"].is_string());

        let got = ok_json(app.get(&url(&doc), Some(&clinician)).await, 200).await;
        problem(send(&app, Method::PUT, &url(&doc), &clinician, Some(&got)).await, 409).await;
        // The state is judged before the body: a published version is 409 whatever is sent.
        let nonsense = json!({"prompts": 7});
        problem(send(&app, Method::PUT, &url(&doc), &clinician, Some(&nonsense)).await, 409).await;
        problem(send(&app, Method::POST, &publish, &admin_token, None).await, 409).await;

        // The next one retires it; an explicit `false` re-plans nobody.
        let next = draft(&app, &admin_token).await;
        let body = json!({"replan_current_patients": false});
        let out = send(&app, Method::POST, &format!("{}/publish", url(&next)), &admin_token, Some(&body)).await;
        assert_eq!(ok_json(out, 200).await["replanned"], 0);
        let list = ok_json(app.get("/v1/clinic/protocols", Some(&clinician)).await, 200).await;
        let statuses: Vec<_> = list["items"].as_array().unwrap().iter().map(|i| i["status"].clone()).collect();
        assert_eq!(statuses, [json!("published"), json!("retired")]);
        problem(send(&app, Method::PUT, &url(&doc), &clinician, Some(&nonsense)).await, 409).await;

        // Two drafts published at once take turns: both 200, the later retiring the earlier.
        let (one, two) = (draft(&app, &admin_token).await, draft(&app, &admin_token).await);
        let (p1, p2) = (format!("{}/publish", url(&one)), format!("{}/publish", url(&two)));
        let replan = json!({"replan_current_patients": true});
        let (a, b) = tokio::join!(
            send(&app, Method::POST, &p1, &admin_token, None),
            send(&app, Method::POST, &p2, &admin_token, Some(&replan)),
        );
        assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
        let list = ok_json(app.get("/v1/clinic/protocols", Some(&clinician)).await, 200).await;
        let published = list["items"].as_array().unwrap().iter().filter(|i| i["status"] == "published").count();
        assert_eq!(published, 1, "{list}");

        // An empty payload is no body, whatever the headers: nothing re-planned.
        let last = draft(&app, &admin_token).await;
        let empty = app
            .request(Method::POST, &format!("{}/publish", url(&last)), Some(&admin_token))
            .header("content-type", "application/json")
            .body("")
            .send()
            .await
            .unwrap();
        assert_eq!(ok_json(empty, 200).await["replanned"], 0);
    }

    async fn treatments_recorded_after_publish_carry_the_clinic_version_and_words(app) {
        let (admin, token) = app.staff("clinic_admin").await;
        let (before, _) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let before = before.id.as_str().to_owned();
        record(&app, &token, &before, &treatment_body(1)).await;

        let doc = draft(&app, &token).await;
        let got = ok_json(app.get(&url(&doc), Some(&token)).await, 200).await;
        ok_json(send(&app, Method::PUT, &url(&doc), &token, Some(&edited(got))).await, 200).await;
        let published = ok_json(send(&app, Method::POST, &format!("{}/publish", url(&doc)), &token, None).await, 200).await;
        assert_eq!(published["replanned"], 0);

        let (after, _) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        let after = after.id.as_str().to_owned();
        let recorded = record(&app, &token, &after, &treatment_body(1)).await;
        let day2 = recorded["prompts"].as_array().unwrap().iter().find(|p| p["key"] == EDITED).unwrap();
        assert_eq!(day2["body"], CLINIC_EN);
        let version = |r: Value| r["treatments"][0]["protocol_version"].clone();
        let record_of = |id: &str| format!("/v1/clinic/patients/{id}");
        assert_eq!(version(ok_json(app.get(&record_of(&after), Some(&token)).await, 200).await), "clinic-1");
        // Recorded before: still the default's.
        assert_ne!(version(ok_json(app.get(&record_of(&before), Some(&token)).await, 200).await), "clinic-1");

        // Re-planning current patients moves the earlier one too.
        let next = draft(&app, &token).await;
        let body = json!({"replan_current_patients": true});
        let out = send(&app, Method::POST, &format!("{}/publish", url(&next)), &token, Some(&body)).await;
        assert_eq!(ok_json(out, 200).await["replanned"], 2);
        assert_eq!(version(ok_json(app.get(&record_of(&before), Some(&token)).await, 200).await), "clinic-2");
    }

    async fn another_clinic_finds_nothing(app) {
        let (_, mine) = app.staff("clinic_admin").await;
        let (_, theirs) = app.staff("clinic_admin").await;
        let doc = draft(&app, &mine).await;
        let id = url(&doc);
        problem(app.get(&id, Some(&theirs)).await, 404).await;
        problem(app.get(&format!("{id}/preview"), Some(&theirs)).await, 404).await;
        problem(send(&app, Method::PUT, &id, &theirs, Some(&doc)).await, 404).await;
        problem(send(&app, Method::POST, &format!("{id}/publish"), &theirs, None).await, 404).await;
        let list = ok_json(app.get("/v1/clinic/protocols", Some(&theirs)).await, 200).await;
        assert_eq!(list["items"], json!([]));
        let body = json!({"based_on": doc["id"]});
        assert_eq!(named(app.post_json("/v1/clinic/protocols", Some(&theirs), &body).await).await, ["based_on"]);
        // Not an id the server issued: 404 without a lookup.
        problem(app.get("/v1/clinic/protocols/not-an-id", Some(&mine)).await, 404).await;
        // Patients and strangers.
        let (admin, _) = app.staff("clinic_admin").await;
        let (_, patient) = app.patient_in(&admin.clinic_id, "Europe/Madrid").await;
        problem(app.get("/v1/clinic/protocols", Some(&patient)).await, 403).await;
        problem(app.request(Method::GET, "/v1/clinic/protocols", None).send().await.unwrap(), 401).await;
    }

    async fn a_draft_is_previewed_for_a_sample_treatment(app) {
        let (_, token) = app.staff("clinician").await;
        let doc = draft(&app, &token).await;
        let preview = format!("{}/preview", url(&doc));
        let plain = ok_json(app.get(&preview, Some(&token)).await, 200).await;
        let prompts = plain["prompts"].as_array().unwrap();
        assert!(!prompts.is_empty(), "{plain}");
        for p in prompts {
            for field in ["key", "kind", "day", "title", "body", "local_date", "local_time"] {
                assert!(!p[field].is_null(), "{field} missing: {p}");
            }
            assert_eq!(p["local_time"].as_str().unwrap().len(), 5, "{p}");
        }
        let q = "?performed_at=2026-03-02T10:00:00%2B01:00&areas=face,neck&needle_depth_mm=1.5\
                 &device=roller&combined_with=prp&timezone=America/Mexico_City&locale=es\
                 &next_session_at=2026-04-01T10:00:00Z";
        let es = ok_json(app.get(&format!("{preview}{q}"), Some(&token)).await, 200).await;
        let first = &es["prompts"][0];
        assert_eq!(first["day"], 0, "{es}");
        assert_eq!(first["local_date"], "2026-03-02");
        assert_ne!(first["title"], plain["prompts"][0]["title"]);
        // The booking's preparation prompts come before the session.
        assert!(es["prompts"].as_array().unwrap().iter().any(|p| p["local_date"].as_str() < Some("2026-04-01") && p["day"].as_i64() > Some(20)));

        for (param, value) in [
            ("performed_at", "yesterday"),
            ("areas", "elbow"),
            ("needle_depth_mm", "9"),
            ("needle_depth_mm", "NaN"),
            ("device", "laser"),
            ("combined_with", "botox"),
            ("timezone", "Mars/Olympus"),
            ("locale", "fr"),
            ("planned_sessions", "-1"),
            ("interval_weeks", "99999999999"),
            ("next_session_at", "2020-01-01T00:00:00Z"),
            ("performed_at", "9999-12-31T23:59:59Z"),
            ("performed_at", "0001-01-01T00:00:00Z"),
            ("next_session_at", "9999-12-31T23:59:59Z"),
            ("timezone", "%00"),
        ] {
            let r = app.get(&format!("{preview}?{param}={value}"), Some(&token)).await;
            assert_eq!(named(r).await, [param], "{param}={value}");
        }
        let r = app.get(&format!("{preview}?colour=red"), Some(&token)).await;
        assert_eq!(r.status(), 422);
    }

    async fn bad_documents_are_refused_naming_each_entry(app) {
        let (_, token) = app.staff("clinician").await;
        let doc = draft(&app, &token).await;
        let id = url(&doc);
        let put = |body: Value| {
            let (app, id, token) = (&app, id.clone(), token.clone());
            async move { send(app, Method::PUT, &id, &token, Some(&body)).await }
        };

        let mut empty_es = doc.clone();
        empty_es["prompts"][3]["texts"]["es"]["body"] = json!("");
        assert!(named(put(empty_es).await).await.contains(&"prompts[3].texts.es.body".to_owned()));

        let mut negative = doc.clone();
        negative["prompts"][0]["day"] = json!(-5);
        assert!(named(put(negative).await).await.contains(&"prompts[0].day".to_owned()));

        let mut wrong_type = doc.clone();
        wrong_type["prompts"][1]["day"] = json!("two");
        wrong_type["prompts"][2]["colour"] = json!("red");
        wrong_type["prompts"][0]["texts"]["en"]["title"] = json!("a\u{0}b");
        wrong_type["surprise"] = json!(true);
        let fields = named(put(wrong_type).await).await;
        for f in ["prompts[1]", "prompts[2].colour", "prompts[0].texts.en.title", "surprise"] {
            assert!(fields.contains(&f.to_owned()), "{f} not in {fields:?}");
        }
        assert_eq!(named(put(json!({"prompts": "all", "triage": 1})).await).await, ["prompts", "triage"]);
        assert_eq!(named(put(json!([1, 2])).await).await, ["body"]);

        // No warning signs: refused.
        let mut no_warnings = doc.clone();
        no_warnings["prompts"].as_array_mut().unwrap().retain(|p| p["kind"] != "warning_signs");
        assert_eq!(named(put(no_warnings).await).await, ["prompts"]);
        // Warning signs split by depth bands with a gap between them: refused on the conditions.
        let w = doc["prompts"].as_array().unwrap().iter().position(|p| p["key"] == "day7_warning_signs").unwrap();
        let mut gap = doc.clone();
        let mut deep = gap["prompts"][w].clone();
        deep["key"] = json!("day7_warning_signs_deep");
        deep["conditions"] = json!({"min_depth_mm": 1.05});
        gap["prompts"][w]["conditions"] = json!({"max_depth_mm": 1.0});
        gap["prompts"].as_array_mut().unwrap().push(deep);
        assert_eq!(named(put(gap).await).await, [format!("prompts[{w}].conditions")]);
        // Text a patient would not see; a key too long.
        let mut blank = doc.clone();
        blank["prompts"][0]["texts"]["en"]["title"] = json!("\u{200B}\u{2800}");
        blank["prompts"][0]["key"] = json!("k".repeat(65));
        assert_eq!(named(put(blank).await).await, ["prompts[0].key", "prompts[0].texts.en.title"]);

        // Too many prompts (under the size limit) and a body over it.
        let mut many = doc.clone();
        let one = doc["prompts"][0].clone();
        many["prompts"] = Value::Array((0..301).map(|i| {
            let mut p = one.clone();
            p["key"] = json!(format!("p{i}"));
            p
        }).collect());
        let status = put(many).await.status().as_u16();
        assert!((400..500).contains(&status), "{status}");
        let mut huge = doc.clone();
        huge["prompts"][0]["texts"]["en"]["body"] = json!("x".repeat(2 * 1024 * 1024));
        // The server answers before reading the whole body and closes the connection: the
        // client reads the 400, or, when the close lands while it is still writing, sees the
        // connection cut (HTTP/1.1 has no way to stop a body once sent without
        // `Expect: 100-continue`). Either way the document is refused; nothing was kept
        // (checked below).
        let sent = app
            .request(Method::PUT, &id, Some(&token))
            .header("connection", "close")
            .json(&huge)
            .send()
            .await;
        match sent {
            Ok(r) => {
                problem(r, 400).await;
            }
            Err(e) => assert!(e.is_request(), "{e:?}"),
        }

        // A name twice in one object, another media type, malformed JSON.
        let raw = r#"{"prompts": [], "prompts": [], "triage": {"rules": []}}"#;
        let r = app.request(Method::PUT, &id, Some(&token)).header("content-type", "application/json").body(raw).send().await.unwrap();
        assert_eq!(named(r).await, ["prompts"]);
        let r = app.request(Method::PUT, &id, Some(&token)).header("content-type", "text/plain").body("{}").send().await.unwrap();
        problem(r, 415).await;
        let r = app.request(Method::PUT, &id, Some(&token)).header("content-type", "application/json").body("{\"prompts\": [").send().await.unwrap();
        problem(r, 400).await;

        // Nothing of it was kept.
        let now = ok_json(app.get(&id, Some(&token)).await, 200).await;
        assert_eq!(now["prompts"], doc["prompts"]);
    }
}

#[tokio::test]
async fn openapi_describes_the_protocol_routes_and_their_statuses() {
    let app = TestApp::spawn(shared::db::Backend::Sqlite).await.unwrap();
    let doc: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    let p = "/v1/clinic/protocols";
    let id = "/v1/clinic/protocols/{id}";
    let routes = [
        (p.to_owned(), "get", vec!["200", "401", "403", "422"]),
        (
            p.to_owned(),
            "post",
            vec!["201", "400", "401", "403", "415", "422"],
        ),
        (id.to_owned(), "get", vec!["200", "401", "403", "404"]),
        (
            id.to_owned(),
            "put",
            vec!["200", "400", "401", "403", "404", "409", "415", "422"],
        ),
        (
            format!("{id}/publish"),
            "post",
            vec!["200", "401", "403", "404", "409", "422"],
        ),
        (
            format!("{id}/preview"),
            "get",
            vec!["200", "401", "403", "404", "422"],
        ),
    ];
    for (path, method, statuses) in routes {
        let op = &doc["paths"][&path][method];
        assert_eq!(op["tags"], json!(["clinic"]), "{method} {path}");
        for s in statuses {
            assert!(op["responses"][s].is_object(), "{method} {path} lacks {s}");
        }
    }
    let publish = &doc["paths"][format!("{id}/publish")]["post"];
    assert_ne!(
        publish["requestBody"]["required"],
        json!(true),
        "the publish body is optional"
    );
    let params: Vec<_> = doc["paths"][format!("{id}/preview")]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    for name in [
        "performed_at",
        "areas",
        "needle_depth_mm",
        "device",
        "combined_with",
        "timezone",
        "locale",
    ] {
        assert!(
            params.contains(&name.to_owned()),
            "{name} not in {params:?}"
        );
    }
}
