//! The text a prompt sends by SMS: the clinic's name, one neutral line and a short link into
//! the patient web app, never the prompt's own words. A text shows in full on a locked phone
//! and stays in the phone's message history, so it names no treatment, symptom or body part
//! (the rule; the CTIA Messaging Principles ask every text to identify its sender, hence
//! the clinic's name first).

use super::segments::{self, is_gsm7};
use crate::domain::Locale;

/// The shortest a clinic's name is cut to; a text that still does not fit one segment keeps the
/// whole name (it is sent in two).
const MIN_NAME_CHARS: usize = 3;

/// The neutral line after the clinic's name, per locale.
fn line(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "you have a new message in your aftercare app.",
        Locale::Es => "tienes un mensaje nuevo en tu app de cuidados.",
    }
}

fn compose(name: &str, locale: Locale, link: &str) -> String {
    format!("{name}: {} {link}", line(locale))
}

/// The prompt's text: `"{clinic}: you have a new message in your aftercare app. {link}"` (en) or
/// `"{clinic}: tienes un mensaje nuevo en tu app de cuidados. {link}"` (es), `link` being
/// `{AFTERCARE_PUBLIC_URL}/app/prompts/{prompt_id}`.
///
/// Kept to one segment where possible ([`segments::count`]): a clinic name with letters outside
/// the GSM 7-bit alphabet (`í`, `á`, `ó`, `ú`, typographic quotes…) would turn the whole text
/// UCS-2 (70 units a segment instead of 160), so those letters are written without their accent
/// first and any character still outside the alphabet (an emoji, another script) is left out of
/// the name; a name still too long is cut at a word when it can be (never the link, which must
/// work). A text that cannot fit one segment whatever the name (a very long link) keeps the
/// whole name.
pub fn prompt_text(clinic_name: &str, locale: Locale, link: &str) -> String {
    let name = clinic_name.split_whitespace().collect::<Vec<_>>().join(" ");
    let full = compose(&name, locale, link);
    if segments::count(&full).segments == 1 {
        return full;
    }
    // Letters GSM-7 lacks lose their accent; what is still outside it (an emoji, another
    // script) is dropped from the name, which keeps the text GSM-7 when the rest of it is.
    let folded: String = fold_to_gsm7(&name)
        .chars()
        .filter(|c| segments::gsm7_septets(*c).is_some())
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if folded.is_empty() {
        // Nothing of the name is in the alphabet: the name as written, over several segments.
        return full;
    }
    let text = compose(&folded, locale, link);
    if segments::count(&text).segments == 1 {
        return text;
    }
    if !is_gsm7(&text) {
        // The link or the line itself is outside GSM-7: no name makes it fit.
        return full;
    }
    let fixed = segments::count(&compose("", locale, link)).units;
    let Some(room) = 160usize.checked_sub(fixed) else {
        return full;
    };
    match shorten(&folded, room) {
        Some(short) => compose(&short, locale, link),
        None => full,
    }
}

/// `name` cut to at most `room` septets: at the last word boundary that leaves at least
/// [`MIN_NAME_CHARS`], else mid-word; `None` when even that is too long.
fn shorten(name: &str, room: usize) -> Option<String> {
    let mut cut = String::new();
    let mut used = 0;
    for c in name.chars() {
        let size = segments::gsm7_septets(c).unwrap_or(2);
        if used + size > room {
            break;
        }
        used += size;
        cut.push(c);
    }
    let at_word = cut
        .rfind(' ')
        .filter(|i| cut[..*i].trim_end().chars().count() >= MIN_NAME_CHARS)
        .filter(|_| cut.len() < name.len());
    let cut = match at_word {
        Some(i) => cut[..i].to_owned(),
        None => cut,
    };
    let cut = cut
        .trim_end_matches(|c: char| c.is_whitespace() || ",;:-&/(".contains(c))
        .to_owned();
    (cut.chars().count() >= MIN_NAME_CHARS.min(name.chars().count())).then_some(cut)
}

/// Letters outside the GSM 7-bit alphabet written as the nearest ones inside it (accents
/// dropped, typographic punctuation made plain); characters with no such stand-in are kept.
pub fn fold_to_gsm7(s: &str) -> String {
    s.chars()
        .map(|c| {
            if segments::gsm7_septets(c).is_some() {
                return c.to_string();
            }
            let plain = match c {
                'á' | 'â' | 'ã' | 'ā' => "a",
                'Á' | 'À' | 'Â' | 'Ã' | 'Ā' => "A",
                'ê' | 'ë' | 'ē' => "e",
                'È' | 'Ê' | 'Ë' | 'Ē' => "E",
                'í' | 'î' | 'ï' => "i",
                'Í' | 'Ì' | 'Î' | 'Ï' => "I",
                'ó' | 'ô' | 'õ' | 'ō' => "o",
                'Ó' | 'Ò' | 'Ô' | 'Õ' => "O",
                'ú' | 'û' => "u",
                'Ú' | 'Ù' | 'Û' => "U",
                'ç' => "c",
                'ý' | 'ÿ' => "y",
                'Ý' => "Y",
                '‘' | '’' | '´' | '`' => "'",
                '“' | '”' | '«' | '»' => "\"",
                '–' | '—' => "-",
                '…' => "...",
                '\u{a0}' => " ",
                other => return other.to_string(),
            };
            plain.to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sms::segments::{Encoding, count};

    const LINK: &str = "https://care.example.test/app/prompts/0193b6a2-7c1e-7b3a-9f00-1234567890ab";

    /// Words a text must never carry (the fake provider's list, and more).
    const HEALTH_WORDS: &[&str] = &[
        "redness",
        "swelling",
        "pain",
        "infection",
        "bleeding",
        "fever",
        "microneedling",
        "treatment",
        "skin",
        "wound",
        "rojez",
        "hinchazón",
        "dolor",
        "infección",
        "fiebre",
        "tratamiento",
        "piel",
        "herida",
    ];

    #[test]
    fn the_text_is_neutral_and_fits_one_gsm7_segment() {
        for locale in [Locale::En, Locale::Es] {
            let text = prompt_text("Clinica Sol", locale, LINK);
            let lower = text.to_lowercase();
            assert!(text.starts_with("Clinica Sol: "), "{text}");
            assert!(text.ends_with(LINK), "{text}");
            for w in HEALTH_WORDS {
                assert!(!lower.contains(w), "{w} in {text}");
            }
            let s = count(&text);
            assert_eq!((s.encoding, s.segments), (Encoding::Gsm7, 1), "{text}");
        }
        assert_eq!(
            prompt_text("Clinica Sol", Locale::En, LINK),
            format!("Clinica Sol: you have a new message in your aftercare app. {LINK}")
        );
        assert_eq!(
            prompt_text("Clinica Sol", Locale::Es, LINK),
            format!("Clinica Sol: tienes un mensaje nuevo en tu app de cuidados. {LINK}")
        );
    }

    #[test]
    fn accents_outside_gsm7_are_dropped_rather_than_turning_the_text_ucs2() {
        let text = prompt_text("Clínica Dermatológica", Locale::Es, LINK);
        assert!(text.starts_with("Clinica Dermatologica: "), "{text}");
        assert_eq!(count(&text).encoding, Encoding::Gsm7);
        // Accents that GSM-7 has are kept.
        assert!(prompt_text("Peña & Muñoz", Locale::En, LINK).starts_with("Peña & Muñoz: "));
    }

    #[test]
    fn characters_no_gsm7_letter_stands_for_are_left_out_of_the_name() {
        let name = "Clínica Dermatológica 😀 Ñandú & Señora Muñoz Martínez-Fernández de la Peña Internacional Estética";
        for locale in [Locale::En, Locale::Es] {
            let text = prompt_text(name, locale, LINK);
            let s = count(&text);
            assert_eq!((s.encoding, s.segments), (Encoding::Gsm7, 1), "{text}");
            assert!(text.starts_with("Clinica Dermatologica Ñandu & "), "{text}");
            assert!(text.ends_with(LINK));
        }
        // A name with nothing in the alphabet is kept as written.
        assert!(prompt_text("😀😀", Locale::En, LINK).starts_with("😀😀: "));
    }

    #[test]
    fn a_long_clinic_name_is_cut_at_a_word_and_the_link_kept_whole() {
        let name = "The Very Long Named Aesthetic and Wellbeing Centre of Greater Northampton";
        let text = prompt_text(name, Locale::En, LINK);
        assert_eq!(count(&text).segments, 1, "{text}");
        assert!(text.ends_with(LINK));
        let short = text.split(": ").next().unwrap();
        assert!(
            name.starts_with(short) && short.len() < name.len(),
            "{short}"
        );
        assert!(!short.ends_with(' '));
        assert!(
            name[short.len()..].starts_with(' '),
            "cut at a word: {short:?}"
        );
    }

    #[test]
    fn a_text_that_cannot_fit_keeps_the_whole_name() {
        let link = format!("https://care.example.test/{}", "x".repeat(150));
        let text = prompt_text("Clinica Sol", Locale::En, &link);
        assert!(text.starts_with("Clinica Sol: "));
        assert!(count(&text).segments > 1);
    }
}
