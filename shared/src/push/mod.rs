//! Push notifications. What a push may show on a locked screen is decided here, once: by default
//! a neutral text with no health information; the app fetches the real text after sign-in.

use crate::domain::{Locale, LockScreenPreview};

/// The visible part of a push notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visible {
    pub title: String,
    pub body: String,
}

/// The neutral lock-screen text (CONTRACT.md, Push payloads).
pub fn neutral_text(locale: Locale) -> Visible {
    match locale {
        Locale::En => Visible {
            title: "Aftercare".into(),
            body: "You have a new care reminder".into(),
        },
        Locale::Es => Visible {
            title: "Cuidados".into(),
            body: "Tienes un nuevo recordatorio de cuidados".into(),
        },
    }
}

/// What the notification shows: the prompt's own text only with `lock_screen_preview: full`.
pub fn visible_text(
    preview: LockScreenPreview,
    locale: Locale,
    title: &str,
    body: &str,
) -> Visible {
    match preview {
        LockScreenPreview::Private => neutral_text(locale),
        LockScreenPreview::Full => Visible {
            title: title.to_owned(),
            body: body.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_preview_hides_the_prompt() {
        let v = visible_text(
            LockScreenPreview::Private,
            Locale::En,
            "Redness check",
            "Is the redness fading?",
        );
        assert!(!v.title.contains("Redness") && !v.body.contains("redness"));
        let v = visible_text(LockScreenPreview::Full, Locale::Es, "T", "B");
        assert_eq!((v.title.as_str(), v.body.as_str()), ("T", "B"));
    }
}
