//! Handing a patient's invitation over at the front desk: the invitation page (the code, large,
//! and what actually happened to the email), a printable sheet (the web-app link as a QR code),
//! and making a new code.
//!
//! Codes are stored hashed, so the console keeps the code it was just given in a cookie of the
//! staff member's own browser ([`HANDOVER_COOKIE`]: HttpOnly, SameSite=Strict, `/console`
//! only, 30 minutes), never in a URL (URLs end up in logs and histories). Every page asks
//! `care::invitations::handover` (an audited read of the patient, scoped to the staff member's
//! clinic) whether the held code is still this patient's usable code before showing it; a
//! stale, replaced or other patient's code is never shown.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use shared::care::invitations::{self, Handover, HeldCode, Invitation, Whose};
use shared::domain::PatientId;
use shared::time::now;

use super::page::{self, ConsoleError, Nav, local, see_other};
use super::session::{self, ConsoleUser, SessionForm};
use super::strings::{Lang, Strings, strings};
use crate::path_id::PathId;
use crate::state::AppState;

/// The cookie holding the code the console was just given:
/// `<staff member's id>.<account id>.<code>.<1|0>` (the last part: whether an SMTP server
/// accepted the email). Only the staff member who was given the code sees it again.
pub const HANDOVER_COOKIE: &str = "aftercare_console_handover";
/// How long the browser keeps a handed-over code, in minutes.
const HANDOVER_MINUTES: i64 = 30;

/// The onboarding pages' stylesheet (the large code, the printed sheet), compiled in.
const CSS: &str = include_str!("../../assets/onboarding.css");

/// `GET /console/assets/onboarding.css`
pub async fn stylesheet() -> HttpResponse {
    let mut resp = HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(CSS);
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(page::CSP),
    );
    resp
}

/// The cookie that hands `invitation` (of account `id`) to `user`'s next page, and the redirect
/// to it.
pub fn hand_over(
    state: &AppState,
    user: &ConsoleUser,
    id: &str,
    invitation: &Invitation,
    to: &str,
) -> HttpResponse {
    let value = format!(
        "{}.{id}.{}.{}",
        user.user_id,
        invitation.code,
        if invitation.emailed { 1 } else { 0 }
    );
    let mut c = session::cookie(state, HANDOVER_COOKIE, value);
    c.set_max_age(CookieDuration::minutes(HANDOVER_MINUTES));
    let mut resp = see_other(to);
    let _ = resp.add_cookie(&c);
    resp
}

/// The code this browser holds for `user` about account `id`, if any.
pub fn held_for(req: &HttpRequest, user: &ConsoleUser, id: &str) -> Option<HeldCode> {
    let cookie = req.cookie(HANDOVER_COOKIE)?;
    let mut parts = cookie.value().splitn(4, '.');
    let (staff, owner, code, emailed) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (staff == user.user_id.as_str() && owner == id && !code.is_empty()).then(|| HeldCode {
        code: code.to_owned(),
        emailed: emailed == "1",
    })
}

/// `m…@example.com`: enough for staff to recognise the address on a shared screen.
pub fn masked(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}…@{domain}")
        }
        None => "…".to_owned(),
    }
}

#[derive(Template)]
#[template(path = "console/onboarding.html")]
struct InvitationPage {
    t: &'static Strings,
    nav: Option<Nav>,
    title: String,
    csrf: String,
    id: String,
    confirmation: Option<String>,
    /// What happened to the email, when a code is shown.
    outcome: Option<String>,
    emailed: bool,
    code: Option<String>,
    link: String,
    expires: String,
    waiting: bool,
    erased: bool,
    new_code_label: &'static str,
}

async fn read(
    state: &AppState,
    user: &ConsoleUser,
    req: &HttpRequest,
    id: &str,
) -> Result<Handover, ConsoleError> {
    let held = held_for(req, user, id);
    Ok(invitations::handover(
        &state.db,
        &user.actor(),
        &PatientId::from(id.to_owned()),
        held,
        &state.config.public_url,
        now(),
    )
    .await?)
}

/// `GET /console/patients/{id}/invitation`: the code (when this browser holds it) and what to
/// do with it.
pub async fn invitation_page(
    state: web::Data<AppState>,
    user: ConsoleUser,
    req: HttpRequest,
    id: PathId<String, ConsoleError>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ConsoleError> {
    let t = page::texts();
    let id = id.into_inner();
    let h = read(&state, &user, &req, &id).await?;
    let confirmation = query
        .iter()
        .any(|(k, v)| k == "done" && v == "new")
        .then(|| t.new_code_note.to_owned());
    let i = h.invitation.as_ref();
    let outcome = i.map(|i| {
        if i.emailed {
            t.fmt(
                "invitation_emailed_to",
                &[("email", masked(&h.email).into())],
            )
        } else if state.mailer.is_smtp() {
            t.email_failed_give_code.to_owned()
        } else {
            t.email_not_set_up.to_owned()
        }
    });
    let page = InvitationPage {
        t,
        nav: Nav::of(&user),
        title: t.fmt("invitation_for", &[("name", h.given_name.clone().into())]),
        csrf: user.csrf.clone(),
        id,
        confirmation,
        outcome,
        emailed: i.is_some_and(|i| i.emailed),
        code: i.map(|i| i.code.clone()),
        link: i.map(|i| i.link.clone()).unwrap_or_default(),
        expires: i
            .map(|i| {
                let at = local(i.expires_at, &user.clinic_tz);
                t.fmt("invitation_valid_until", &[("at", at.into())])
            })
            .unwrap_or_default(),
        waiting: h.waiting,
        erased: h.erased,
        new_code_label: if state.mailer.is_smtp() {
            t.email_new_code
        } else {
            t.make_new_code
        },
    };
    page::ok(&page)
}

/// `POST /console/patients/{id}/invitation`: a new code (the old one stops working), emailed
/// when email is set up; then the invitation page shows it.
pub async fn new_code(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: PathId<String, ConsoleError>,
    _form: SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let id = id.into_inner();
    let whose = Whose::Patient(PatientId::from(id.clone()));
    let invitation = invitations::resend(
        &state.db,
        &state.mailer,
        &user.actor(),
        whose,
        &state.config.public_url,
        now(),
    )
    .await?;
    let to = format!("/console/patients/{id}/invitation?done=new");
    Ok(hand_over(&state, &user, &id, &invitation, &to))
}

#[derive(Template)]
#[template(path = "console/invitation_sheet.html")]
struct SheetPage {
    t: &'static Strings,
    /// The staff member's texts, for the screen-only controls.
    staff: &'static Strings,
    id: String,
    clinic_name: String,
    hello: String,
    link: String,
    code: String,
    valid_until: String,
    qr_svg: String,
}

/// `GET /console/patients/{id}/invitation/sheet`: one printable A4 page for the patient, in the
/// patient's language. Without a held code there is nothing to print: back to the invitation
/// page, which offers a new code.
pub async fn sheet(
    state: web::Data<AppState>,
    user: ConsoleUser,
    req: HttpRequest,
    id: PathId<String, ConsoleError>,
) -> Result<HttpResponse, ConsoleError> {
    let id = id.into_inner();
    let h = read(&state, &user, &req, &id).await?;
    let Some(i) = h.invitation else {
        return Ok(see_other(&format!("/console/patients/{id}/invitation")));
    };
    let t = strings(Lang::from_tag(h.locale.as_str()).unwrap_or(Lang::En));
    let qr_svg = qr_svg(&i.link, t.sheet_qr_label)?;
    let page = SheetPage {
        t,
        staff: page::texts(),
        id,
        clinic_name: user.clinic_name.clone(),
        hello: t.fmt("sheet_hello", &[("name", h.given_name.into())]),
        valid_until: t.fmt(
            "sheet_valid_until",
            &[("at", local(i.expires_at, &user.clinic_tz).into())],
        ),
        link: i.link,
        code: i.code,
        qr_svg,
    };
    page::ok(&page)
}

/// The QR code of `link` as inline SVG (attributes only: the console's CSP allows no inline
/// style), labelled for screen readers.
fn qr_svg(link: &str, label: &str) -> Result<String, ConsoleError> {
    let code = qrcode::QrCode::new(link.as_bytes())
        .map_err(|e| ConsoleError::internal(&format!("QR code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    let svg = match svg.find("<svg") {
        Some(start) => &svg[start..],
        None => svg.as_str(),
    };
    let label = label
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    Ok(svg.replacen(
        "<svg ",
        &format!(r#"<svg role="img" aria-label="{label}" class="qr" "#),
        1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_to_their_first_letter_and_domain() {
        assert_eq!(masked("maria@example.com"), "m…@example.com");
        assert_eq!(masked("ñu@example.es"), "ñ…@example.es");
        assert_eq!(masked("no-at-sign"), "…");
    }

    #[test]
    fn the_qr_code_is_inline_svg_without_style() {
        let svg = qr_svg(
            "https://clinic.example/app/invitation?code=ABCD-EFGH-JKMN-PQRS",
            "QR \"code\"",
        )
        .unwrap();
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"QR &quot;code&quot;\""));
        assert!(svg.ends_with("</svg>") && svg.contains("<path"));
        assert!(!svg.contains("<?xml") && !svg.contains("style"));
    }
}
