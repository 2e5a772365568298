//! The console's admin pages: the audit log with filters, staff invitations (sent again) and
//! deactivation, admins only.

use shared::testing::fixtures::FIXTURE_PASSWORD;

use crate::both_backends;
use crate::console_support::{Browser, location, signed_in, signed_in_to};

both_backends! {
    async fn clinicians_get_403_pages_for_admin_pages(app) {
        let (mut b, _) = signed_in(&app, "clinician").await;
        for path in ["/console/audit", "/console/staff"] {
            let (status, html) = b.page(path).await;
            assert_eq!(status, 403, "{path}");
            assert!(html.contains("Your role may not do this."));
        }
        let (_, html) = b.page("/console/").await;
        assert!(!html.contains("/console/audit"), "no admin links for a clinician");
    }

    async fn the_audit_log_filters_by_patient_and_action(app) {
        let (mut admin, staff) = signed_in(&app, "clinic_admin").await;
        let (a, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        let (other, _) = app.patient_in(&staff.clinic_id, "Europe/Madrid").await;
        assert_eq!(admin.page(&format!("/console/patients/{}", a.id)).await.0, 200);
        assert_eq!(admin.page(&format!("/console/patients/{}", other.id)).await.0, 200);
        let (status, html) = admin.page("/console/audit?action=patient.read").await;
        assert_eq!(status, 200);
        assert!(html.contains(&a.id.to_string()) && html.contains(&other.id.to_string()));
        assert!(!html.contains("patient.list</td>"));
        assert!(html.contains(&staff.name), "the actor by name");
        let (_, html) = admin.page(&format!("/console/audit?patient_id={}", a.id)).await;
        assert!(html.contains(&a.id.to_string()));
        assert!(!html.contains(&other.id.to_string()));
    }

    async fn a_deactivated_clinician_is_signed_out_everywhere(app) {
        let (mut admin, staff) = signed_in(&app, "clinic_admin").await;
        let (mut clinician, colleague) = signed_in_to(&app, &staff.clinic_id, "clinician").await;
        assert_eq!(clinician.get("/console/").await.status(), 200);

        let r = admin
            .submit("/console/staff", &format!("/console/staff/{}/deactivate", colleague.id), &[])
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/console/staff");
        let (_, html) = admin.page("/console/staff").await;
        assert!(html.contains("Deactivated"));

        assert_eq!(clinician.get("/console/").await.status(), 303, "session ended");
        let mut again = Browser::new(&app);
        assert_eq!(again.sign_in(&colleague.email, FIXTURE_PASSWORD).await.status(), 401);
        let r = app
            .post_json(
                "/v1/auth/login",
                None,
                &serde_json::json!({"email": colleague.email, "password": FIXTURE_PASSWORD}),
            )
            .await;
        assert_eq!(r.status(), 401, "the API refuses the account too");

        // An admin cannot lock themself out.
        let r = admin
            .submit("/console/staff", &format!("/console/staff/{}/deactivate", staff.id), &[])
            .await;
        assert_eq!(r.status(), 409);
    }

    async fn an_invited_colleague_can_be_sent_a_new_invitation(app) {
        let (mut admin, staff) = signed_in(&app, "clinic_admin").await;
        let r = admin
            .submit("/console/staff", "/console/staff", &[("email", "new.clinician@clinic.test"), ("name", "Nadia Roy"), ("role", "clinician")])
            .await;
        assert_eq!(r.status(), 303);
        let (_, html) = admin.page("/console/staff").await;
        assert!(html.contains("Email is not set up: give Nadia Roy this code."), "{html}");
        // Only the invited row offers a resend.
        let action = html
            .split("action=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .find(|a| a.ends_with("/invitation"))
            .unwrap()
            .to_owned();
        assert_eq!(html.matches("/invitation\"").count(), 1, "{html}");
        let r = admin.submit("/console/staff", &action, &[]).await;
        assert_eq!(r.status(), 303);
        let (_, html) = admin.page("/console/staff").await;
        assert!(html.contains("Email is not set up: give Nadia Roy this code."), "{html}");
        assert!(!html.contains("emailed"), "nothing claims an email went out: {html}");

        // An active account has nothing to resend.
        let r = admin
            .submit("/console/staff", &format!("/console/staff/{}/invitation", staff.id), &[])
            .await;
        assert_eq!(r.status(), 409);
    }

    async fn staff_invitations_report_errors_by_field(app) {
        let (mut admin, _) = signed_in(&app, "clinic_admin").await;
        let r = admin
            .submit("/console/staff", "/console/staff", &[("email", "not-an-email"), ("name", ""), ("role", "patient")])
            .await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        for field in ["email", "name", "role"] {
            assert!(html.contains(&format!("id=\"{field}-error\"")), "{field}: {html}");
        }
    }
}
