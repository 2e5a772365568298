//! A prompt's words: a title on one line, a body that may break lines and hold tabs, each
//! with something a person can see.

use super::{MAX_BODY, MAX_TITLE, Surface, placeholders};
use crate::protocol::content::Anchor;

/// Characters a screen shows as nothing although they are neither whitespace nor control
/// characters: the soft hyphen, combining grapheme joiner, Hangul fillers, the Mongolian vowel
/// separator, zero-width spaces and joiners, direction marks, embeddings and isolates, word
/// joiners and invisible operators, the Braille blank (U+2800) and the byte order mark. A
/// text of only these (and whitespace) would reach a patient as a blank notification.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

/// Whether a person would see anything of `s`: a character that is neither whitespace, a
/// control character nor [`is_invisible`].
pub(crate) fn is_visible(s: &str) -> bool {
    s.chars()
        .any(|c| !c.is_whitespace() && !c.is_control() && !is_invisible(c))
}

/// What a text with nothing [`is_visible`] is told.
pub(crate) const NOT_VISIBLE: &str =
    "has no visible text: it holds only spaces or invisible characters";

/// A title, key or name as it is kept: trimmed.
pub(crate) fn tidy(raw: &str) -> String {
    raw.trim().to_owned()
}

/// A body as it is kept: `\r\n` and `\r` as `\n` (the console's text areas send `\r\n`),
/// trimmed.
pub(crate) fn tidy_body(raw: &str) -> String {
    raw.replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_owned()
}

/// A title or a body (`part`) of `locale`, trimmed, a body's `\r\n` and `\r` as `\n` (the
/// console's text areas send `\r\n`); every problem reported by its field
/// (`texts.es.body`).
pub(super) fn check(
    surface: Surface,
    anchor: Option<Anchor>,
    locale: &str,
    part: &str,
    raw: &str,
    err: &mut impl FnMut(&str, String),
) -> String {
    let field = format!("texts.{locale}.{part}");
    let body = part == "body";
    let value = if body { tidy_body(raw) } else { tidy(raw) };
    let max = if body { MAX_BODY } else { MAX_TITLE };
    if value.is_empty() {
        err(&field, "must not be empty".into());
    } else if !is_visible(&value) {
        err(&field, NOT_VISIBLE.into());
    }
    if value.chars().count() > max {
        err(&field, format!("is longer than {max} characters"));
    }
    // A title is one line; a body may break lines and hold tabs, nothing else invisible.
    if value
        .chars()
        .any(|c| c.is_control() && !(body && matches!(c, '\n' | '\t')))
    {
        let allowed = if body {
            " (line breaks and tabs are allowed)"
        } else {
            " (a title is one line)"
        };
        err(&field, format!("contains a control character{allowed}"));
    }
    match placeholders(&value) {
        Err(()) => err(
            &field,
            "has a { or } that is not part of a placeholder such as {session_date}".into(),
        ),
        Ok(names) => {
            if let Some(a) = anchor {
                for name in names.into_iter().filter(|n| !a.placeholders().contains(n)) {
                    err(
                        &field,
                        format!(
                            "uses unknown placeholder {{{name}}} (the {} anchor allows {})",
                            surface.anchor_name(a),
                            a.placeholders()
                                .iter()
                                .map(|p| format!("{{{p}}}"))
                                .collect::<Vec<_>>()
                                .join(" and ")
                        ),
                    );
                }
            }
        }
    }
    value
}
