//! The language picker in every signed-in page's header: stores the staff member's choice
//! (`shared::care::staff::set_own_locale`) and goes back to the page it was sent from.

use actix_web::HttpResponse;
use actix_web::web;
use shared::care;
use shared::domain::Locale;

use super::page::{ConsoleError, see_other};
use super::session::{self, ConsoleUser, SessionForm};
use super::strings::Lang;
use crate::state::AppState;

/// The cookie that keeps this browser's console language (`en`, `es`).
pub const LANG_COOKIE: &str = "console_lang";

/// `POST /console/language` with `lang` (`en`, `es`; empty follows the browser again) and
/// `back` (the console page to return to; anything else returns to the roster). An unknown
/// language is the 400 page.
pub async fn choose(
    state: web::Data<AppState>,
    user: ConsoleUser,
    SessionForm(form): SessionForm,
) -> Result<HttpResponse, ConsoleError> {
    let locale = match form.get("lang") {
        None => None,
        Some(tag) => match Lang::from_tag(tag).and_then(|l| Locale::parse(l.tag())) {
            Some(l) => Some(l),
            None => return Err(ConsoleError::bad_request()),
        },
    };
    care::staff::set_own_locale(&state.db, &user.actor(), locale).await?;
    // This browser keeps the choice too, for the pages answered before the session is read
    // (an expired form, an unknown address, the sign-in page after signing out).
    let mut resp = see_other(&back_to(form.get("back")));
    let cookie = match locale {
        Some(l) => {
            let mut c = session::cookie(&state, LANG_COOKIE, l.as_str().to_owned());
            c.set_max_age(actix_web::cookie::time::Duration::days(365));
            c
        }
        None => session::removal(&state, LANG_COOKIE),
    };
    resp.add_cookie(&cookie)
        .map_err(|_| ConsoleError::bad_request())?;
    Ok(resp)
}

/// `back` when it is a path inside the console (never another origin: no `//`, no `\`; only
/// visible ASCII, as a browser sends a path and query), else the roster.
fn back_to(back: Option<&str>) -> String {
    match back {
        Some(b)
            if b.starts_with("/console/")
                && !b.contains("//")
                && !b.contains('\\')
                && b.bytes().all(|c| c.is_ascii_graphic()) =>
        {
            b.to_owned()
        }
        _ => "/console/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::back_to;

    #[test]
    fn goes_back_only_inside_the_console() {
        assert_eq!(
            back_to(Some("/console/escalations?status=resolved")),
            "/console/escalations?status=resolved"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example/console/",
            "/console//evil",
            "/console/\\x",
            "/console/\n",
            "/console/ x",
            "/console/é",
            "/api",
            "",
        ] {
            assert_eq!(back_to(Some(bad)), "/console/", "{bad}");
        }
        assert_eq!(back_to(None), "/console/");
    }
}
