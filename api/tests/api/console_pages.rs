//! The console's pages over HTTP on both backends: the roster (Unicode search, filters, sort,
//! cursor), the patient record with its chart, the treatment form's contraindication screen,
//! booking and discharge, the escalation queue, and another clinic's ids as 404 pages.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::both_backends;
use crate::console_support::{location, patient_named, signed_in, signed_in_to};
use crate::treatments::{rfc, treatment_body};

both_backends! {
    async fn the_roster_searches_filters_sorts_and_pages(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let token = app.token_for(&staff);
        let zoe = patient_named(&app, &staff.clinic_id, "Zoë", "Ørsted").await;
        let ines = patient_named(&app, &staff.clinic_id, "Inés", "Álvarez").await;
        for i in 0..26 {
            patient_named(&app, &staff.clinic_id, &format!("Filler{i:02}"), "Row").await;
        }
        // Inés was treated three days ago and has her next session booked.
        let mut body = treatment_body(1);
        body["performed_at"] = json!(rfc(Utc::now() - Duration::days(3)));
        let r = app.post_json(&format!("/v1/clinic/patients/{}/treatments", ines.id), Some(&token), &body).await;
        assert_eq!(r.status(), 201);
        let r = app
            .request(reqwest::Method::PUT, &format!("/v1/clinic/patients/{}/next-session", ines.id), Some(&token))
            .json(&json!({"starts_at": rfc(Utc::now() + Duration::days(20))}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);

        // Case- and accent-insensitive Unicode search.
        let (status, html) = b.page("/console/?q=ZO%C3%8B").await;
        assert_eq!(status, 200);
        assert!(html.contains("Zoë Ørsted"), "{html}");
        assert!(!html.contains("Inés"));
        let (_, html) = b.page("/console/?q=%C3%A1lvarez").await;
        assert!(html.contains("Inés Álvarez"));
        assert!(html.contains("Day 3"), "day of recovery shown");

        // Sorted by next session: the booked patient first.
        let (_, html) = b.page("/console/?sort=next_session").await;
        let first = html.find("<th scope=\"row\"><a href=\"").unwrap();
        assert!(html[first..].contains(&format!("/console/patients/{}\"", ines.id)));
        assert!(html[first..].split("</tr>").next().unwrap().contains("Inés"));

        // 28 patients, 25 a page: the cursor leads to the rest, and no row repeats.
        let (_, page1) = b.page("/console/?sort=last_treatment").await;
        assert_eq!(page1.matches("<th scope=\"row\">").count(), 25);
        let next = page1
            .split("rel=\"next\"")
            .next()
            .and_then(|s| s.rsplit("href=\"").next())
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        let (_, page2) = b.page(&next).await;
        assert_eq!(page2.matches("<th scope=\"row\">").count(), 3);
        assert!(page1.contains(&ines.id.to_string()), "treated patients sort first");
        assert!(page1.contains("Zoë") != page2.contains("Zoë"));

        // Filters: open escalations only (none yet), status.
        let (_, html) = b.page("/console/?open=1").await;
        assert!(html.contains("No patients match."));
        let (_, html) = b.page("/console/?status=discharged").await;
        assert!(html.contains("No patients match."));
        // Unknown filter values are ignored, never a 5xx.
        let (status, _) = b.page("/console/?status=%00&sort=zzz&after=%FF").await;
        assert_eq!(status, 200);
        let _ = zoe;
    }

    async fn the_record_shows_profile_timeline_chart_and_escalations(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let token = app.token_for(&staff);
        let (patient, patient_token) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let mut body = treatment_body(1);
        body["performed_at"] = json!(rfc(Utc::now() - Duration::days(6)));
        let r = app.post_json(&format!("/v1/clinic/patients/{}/treatments", patient.id), Some(&token), &body).await;
        assert_eq!(r.status(), 201);
        let r = app
            .post_json(
                "/v1/me/check-ins",
                Some(&patient_token),
                &json!({"redness": 8, "swelling": 3, "pain": 2, "peeling": true, "symptoms": ["pus"]}),
            )
            .await;
        assert_eq!(r.status(), 201);

        let (status, html) = b.page(&format!("/console/patients/{}", patient.id)).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains(&patient.email));
        assert!(html.contains("<svg"), "the chart is inline SVG");
        assert!(html.contains("<title id=\"chart-title\">Recovery chart</title>"));
        assert!(html.contains("<desc id=\"chart-desc\">"));
        assert!(html.contains("drops from 10 to 5 on day 5"), "the expected band is the protocol's");
        assert!(html.contains("id=\"chart-table\""), "a table fallback");
        assert!(html.contains("urgent"));
        assert!(html.contains("Warning sign reported: pus or oozing"), "the escalation's reason, in words");
        assert!(html.contains("Redness 8/10"), "the scores, in words");
        assert!(!html.contains(">pus<") && !html.contains(">urgent<"), "no raw codes");
        assert!(html.contains("id=\"timeline\""));

        // Resolving from the record returns to it; a second resolution is the 409 page.
        let (_, html) = b.page(&format!("/console/patients/{}", patient.id)).await;
        let id = html.split("/console/escalations/").nth(1).unwrap().split('/').next().unwrap().to_owned();
        let from = format!("/console/patients/{}", patient.id);
        let r = b.submit(&from, &format!("/console/escalations/{id}/resolve"), &[("note", "Called; seen today"), ("back", "patient")]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("{from}?done=resolved"));
        let (_, html) = b.page(&from).await;
        assert!(html.contains("Called; seen today"));
        let r = b.submit(&from, &format!("/console/escalations/{id}/resolve"), &[("note", "again")]).await;
        assert_eq!(r.status(), 409);

        // Each read is audited.
        let r = app.get(&format!("/v1/clinic/audit?patient_id={}", patient.id), Some(&app.staff_in(&staff.clinic_id, "clinic_admin").await.1)).await;
        let audit: serde_json::Value = r.json().await.unwrap();
        assert!(audit["items"].as_array().unwrap().iter().any(|e| e["action"] == "patient.read"));
    }

    async fn a_ticked_contraindication_needs_an_override_reason(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let form = format!("/console/patients/{}/treatments/new", patient.id);
        let performed = (Utc::now() - Duration::hours(1))
            .with_timezone(&chrono_tz::Europe::Madrid)
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        let base = [
            ("performed_at", performed.as_str()),
            ("areas", "face"),
            ("areas", "neck"),
            ("needle_depth_mm", "1.0"),
            ("device", "pen"),
            ("session_number", "1"),
            ("planned_sessions", "3"),
            ("interval_weeks", "4"),
            ("contraindications", "rosacea"),
        ];
        let r = b.submit(&form, &form, &base).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"override_reason-error\""), "error next to its field");
        assert!(html.contains("is required when contraindications are recorded"));
        assert!(html.contains("value=\"rosacea\" checked"), "the ticks are kept");

        let mut with_reason = base.to_vec();
        with_reason.push(("override_reason", "Stable rosacea; shallow depth agreed"));
        let r = b.submit(&form, &form, &with_reason).await;
        assert_eq!(r.status(), 303);
        let plan = location(&r);
        assert!(plan.starts_with(&format!("/console/patients/{}/treatments/", patient.id)));
        let (status, html) = b.page(&plan).await;
        assert_eq!(status, 200);
        assert!(html.contains("Treatment recorded"));
        assert!(html.matches("<tr><td>").count() >= 5, "the generated plan is listed: {html}");

        // Bad numbers are field errors, never a 5xx.
        let mut bad = base.to_vec();
        bad.retain(|(k, _)| *k != "needle_depth_mm" && *k != "contraindications");
        bad.push(("needle_depth_mm", "deep"));
        let r = b.submit(&form, &form, &bad).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("id=\"needle_depth_mm-error\""));
    }

    async fn booking_and_discharge_go_through_the_use_cases(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let (patient, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let record = format!("/console/patients/{}", patient.id);
        let when = (Utc::now() + Duration::days(10))
            .with_timezone(&chrono_tz::Europe::Madrid)
            .format("%Y-%m-%dT10:30")
            .to_string();
        let r = b.submit(&record, &format!("{record}/next-session"), &[("starts_at", when.as_str())]).await;
        assert_eq!(r.status(), 303);
        let (_, html) = b.page(&record).await;
        assert!(html.contains(&when.replace('T', " ")), "booked, shown in the clinic's zone");

        let r = b.submit(&record, &format!("{record}/next-session"), &[("starts_at", "2001-01-01T10:00")]).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("must be in the future"));
        let r = b.submit(&record, &format!("{record}/next-session"), &[("starts_at", "next tuesday")]).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"starts_at-error\">must be a date and a time"), "{html}");

        let r = b.submit(&record, &format!("{record}/next-session/cancel"), &[]).await;
        assert_eq!(r.status(), 303);
        let (_, html) = b.page(&record).await;
        assert!(!html.contains(&when.replace('T', " ")));

        let (status, html) = b.page(&format!("{record}/discharge")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Discharge this patient?"));
        let r = b.submit(&format!("{record}/discharge"), &format!("{record}/discharge"), &[]).await;
        assert_eq!(r.status(), 303);
        let (_, html) = b.page(&record).await;
        assert!(html.contains("<dd>Discharged</dd>"));
    }

    async fn an_erased_patient_is_listed_as_erased_without_a_name(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let kept = patient_named(&app, &staff.clinic_id, "Kept", "Here").await;
        let (gone, token) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let r = app.request(reqwest::Method::DELETE, "/v1/me", Some(&token)).send().await.unwrap();
        assert_eq!(r.status(), 204);

        let row = |html: &str, id: &str| {
            let at = html.find(&format!("/console/patients/{id}\"")).unwrap_or_else(|| panic!("{id} not listed: {html}"));
            html[at..].split("</tr>").next().unwrap().to_owned()
        };
        let (_, html) = b.page("/console/").await;
        let erased = row(&html, gone.id.as_ref());
        assert!(erased.contains("Erased patient") && erased.contains("<td>Erased</td>"), "{erased}");
        assert!(row(&html, kept.id.as_ref()).contains("Kept Here"));
        let (_, html) = b.page("/console/?status=erased").await;
        assert!(html.contains("<option value=\"erased\" selected>"), "{html}");
        assert!(html.contains(&gone.id.to_string()) && !html.contains(&kept.id.to_string()));
        let (_, html) = b.page("/console/?status=active").await;
        assert!(!html.contains(&gone.id.to_string()));

        // The record: no name, no booking or discharge forms for someone no longer in care.
        let record = format!("/console/patients/{}", gone.id);
        let (status, html) = b.page(&record).await;
        assert_eq!(status, 200);
        assert!(html.contains("<dd>Erased</dd>") && html.contains("Erased patient"), "{html}");
        assert!(!html.contains(&format!("{record}/discharge")) && !html.contains(&format!("{record}/next-session")));
        assert!(!html.contains(&format!("{record}/treatments/new")), "nothing to record for an erased patient");
    }

    async fn the_queue_puts_urgent_first_and_resolves_with_a_note(app) {
        let (mut b, staff) = signed_in(&app, "clinician").await;
        let token = app.token_for(&staff);
        let mut ids = Vec::new();
        for (redness, symptoms) in [(8, json!([])), (5, json!(["fever"]))] {
            let (patient, patient_token) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
            let mut body = treatment_body(1);
            body["performed_at"] = json!(rfc(Utc::now() - Duration::days(6)));
            app.post_json(&format!("/v1/clinic/patients/{}/treatments", patient.id), Some(&token), &body).await;
            let r = app
                .post_json("/v1/me/check-ins", Some(&patient_token),
                    &json!({"redness": redness, "swelling": 2, "pain": 2, "peeling": false, "symptoms": symptoms}))
                .await;
            assert_eq!(r.status(), 201);
            ids.push(patient.id);
        }
        let (status, html) = b.page("/console/escalations").await;
        assert_eq!(status, 200);
        let urgent = html.find("class=\"urgent\"").expect("an urgent row");
        let routine = html.find("sev routine").expect("a routine row");
        assert!(urgent < routine, "urgent on top");
        assert!(html.contains(" min</td>"), "time open shown");
        assert!(html.contains("data-label=\"Open for\""), "time open under its heading");

        let id = html.split("/console/escalations/").nth(1).unwrap().split('/').next().unwrap().to_owned();
        let r = b.submit("/console/escalations", &format!("/console/escalations/{id}/resolve"), &[("note", "  ")]).await;
        assert_eq!(r.status(), 422, "a note is required");
        let r = b.submit("/console/escalations", &format!("/console/escalations/{id}/resolve"), &[("note", "Phoned, antibiotics prescribed")]).await;
        assert_eq!(r.status(), 303);
        let (_, html) = b.page("/console/escalations?status=resolved").await;
        assert!(html.contains("Phoned, antibiotics prescribed"));
    }

    async fn another_clinics_ids_are_404_pages(app) {
        let (mut mine, me) = signed_in(&app, "clinic_admin").await;
        let (theirs, their_token) = app.staff("clinician").await;
        let (patient, patient_token) = app.patient_in(&theirs.clinic_id, "Europe/Madrid").await;
        let body = treatment_body(1);
        app.post_json(&format!("/v1/clinic/patients/{}/treatments", patient.id), Some(&their_token), &body).await;
        app.post_json("/v1/me/check-ins", Some(&patient_token),
            &json!({"redness": 5, "swelling": 2, "pain": 2, "peeling": false, "symptoms": ["fever"]})).await;
        let (mut other, _) = signed_in_to(&app, &theirs.clinic_id, "clinician").await;
        let (_, html) = other.page("/console/escalations").await;
        let escalation = html.split("/console/escalations/").nth(1).unwrap().split('/').next().unwrap().to_owned();

        let p = format!("/console/patients/{}", patient.id);
        for path in [p.clone(), format!("{p}/treatments/new"), format!("{p}/discharge")] {
            let (status, html) = mine.page(&path).await;
            assert_eq!(status, 404, "{path}");
            assert!(html.contains("not one of your clinic"));
        }
        for (path, fields) in [
            (format!("{p}/discharge"), vec![]),
            (format!("{p}/next-session/cancel"), vec![]),
            (format!("/console/escalations/{escalation}/resolve"), vec![("note", "not mine")]),
            (format!("/console/staff/{}/deactivate", theirs.id), vec![]),
        ] {
            let r = mine.submit("/console/", &path, &fields).await;
            assert_eq!(r.status(), 404, "{path}");
        }
        // Nothing of theirs leaked into my roster or queue.
        let (_, html) = mine.page("/console/").await;
        assert!(!html.contains(&patient.id.to_string()));
        let (_, html) = mine.page("/console/escalations").await;
        assert!(!html.contains(&escalation));
        let _ = me;
    }
}
