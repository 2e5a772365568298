//! Finding a patient the way front-desk staff type: without accents or capitals ("gomez" finds
//! "Gómez"), in any word order ("rossi mara" finds "Mara Rossi"), and by phone digits whatever
//! the spacing ("600 111" finds "+34 600 111 222").
//!
//! A patient's names, email and phone are folded once, on write, into a search key
//! ([`search_key`], stored as `patient_profiles.search_key`); a search folds each typed word
//! the same way ([`SearchTerms::parse`]) and every word must occur in the key (`LIKE` on both
//! backends: neither SQLite's `lower()` nor PostgreSQL's collations fold accents the same
//! way, so the folding happens here, once, for both).
//!
//! Folding ([`fold`]): Unicode compatibility decomposition (NFKD) with the combining marks
//! dropped (é → e, İ → i, ﬁ → fi, full-width digits → digits), then ASCII transliteration of
//! what is left (ß → ss, ø → o, ł → l, ı → i, other scripts to their Latin reading), lower
//! case; apostrophes vanish (O'Brien → obrien) and runs of white space become one space.
//! Both steps come from maintained crates (`unicode-normalization`, `deunicode`).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// A search word with at least this many digits also matches the phone's digits.
pub const PHONE_DIGITS_MIN: usize = 3;

/// At most this many words of a search are used (the rest are ignored).
pub const MAX_TERMS: usize = 8;

/// `text` folded for search: no accents, ASCII where a transliteration exists, lower case,
/// no apostrophes, single spaces, trimmed. Control characters separate words like spaces (no
/// name holds one, and PostgreSQL refuses a NUL in text).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_control() || c.is_whitespace() {
            // A control character (a NUL, which PostgreSQL refuses in text) is never part of a
            // stored name or email: it separates words like a space.
            out.push(' ');
        } else if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            match deunicode::deunicode_char(c) {
                Some(ascii) => out.extend(ascii.chars().map(|a| a.to_ascii_lowercase())),
                // No transliteration: the character itself, lower-cased, still matches itself.
                None => out.extend(c.to_lowercase()),
            }
        }
    }
    out.retain(|c| c != '\'' && c != '`');
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The digits of `text` (ASCII after folding: full-width and other decimal digits count).
pub fn digits(text: &str) -> String {
    fold(text).chars().filter(char::is_ascii_digit).collect()
}

/// What a patient's `search_key` holds: the folded names, the folded email (and, for an
/// internationalised domain, the folded email with its domain in Unicode, so `bücher` finds
/// `ana@xn--bcher-kva.example`) and the phone's digits, separated by spaces (so no word can
/// match across two of them).
pub fn search_key(
    given_name: &str,
    family_name: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
) -> String {
    let parts = [
        fold(given_name),
        family_name.map(fold).unwrap_or_default(),
        email.map(folded_email).unwrap_or_default(),
        phone.map(digits).unwrap_or_default(),
    ];
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn folded_email(email: &str) -> String {
    match super::email::unicode_form(email) {
        Some(unicode) => format!("{} {}", fold(email), fold(&unicode)),
        None => fold(email),
    }
}

/// One typed word, folded: it matches a key containing `text`, or containing its `digits`
/// ("+34-600" → "34600") when it has at least [`PHONE_DIGITS_MIN`] digits, or is a piece of a
/// phone number with no letter ("(34)" → "34").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm {
    pub text: String,
    pub digits: Option<String>,
}

/// A search as typed, split into words that must all match, in any order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchTerms(pub Vec<SearchTerm>);

impl SearchTerms {
    /// The words of `typed` (folded as keys are, so a word the folding splits in two, such as
    /// a transliterated ideogram, becomes two words); at most [`MAX_TERMS`], duplicates once.
    pub fn parse(typed: &str) -> Self {
        let mut terms: Vec<SearchTerm> = Vec::new();
        for word in fold(typed).split(' ').filter(|w| !w.is_empty()) {
            let d: String = word.chars().filter(char::is_ascii_digit).collect();
            let phone_piece = !word.chars().any(char::is_alphabetic);
            let digits = !d.is_empty() && d != word && (d.len() >= PHONE_DIGITS_MIN || phone_piece);
            let term = SearchTerm {
                text: word.to_owned(),
                digits: digits.then_some(d),
            };
            if !terms.contains(&term) {
                terms.push(term);
            }
            if terms.len() == MAX_TERMS {
                break;
            }
        }
        SearchTerms(terms)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `key` (a [`search_key`]) matches every word: what the database query does with
    /// `LIKE`, for tests and callers holding keys in memory.
    pub fn matches(&self, key: &str) -> bool {
        self.0.iter().all(|t| {
            key.contains(t.text.as_str()) || t.digits.as_deref().is_some_and(|d| key.contains(d))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(given: &str, family: &str) -> String {
        search_key(given, Some(family), None, None)
    }

    #[test]
    fn accents_and_capitals_fold_away() {
        assert_eq!(fold("Gómez"), "gomez");
        assert_eq!(fold("a\0b\u{7}c\u{9f}"), "a b c");
        assert_eq!(fold("ÁLVAREZ Núñez"), "alvarez nunez");
        assert_eq!(fold("Zoë Ørsted"), "zoe orsted");
        assert_eq!(fold("François Łukasz"), "francois lukasz");
        assert!(SearchTerms::parse("gomez").matches(&key("Lucía", "Gómez")));
        assert!(SearchTerms::parse("GÓMEZ").matches(&key("Lucía", "Gomez")));
    }

    #[test]
    fn sharp_s_and_turkish_i_fold_to_their_ascii_spelling() {
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("STRASSE"), "strasse");
        assert_eq!(fold("ẞ"), "ss");
        // Dotless ı and dotted İ both read as i, whatever the case.
        assert_eq!(fold("Işık"), "isik");
        assert_eq!(fold("IŞIK"), "isik");
        assert_eq!(fold("İstanbul"), "istanbul");
        assert!(SearchTerms::parse("isik").matches(&key("Ayşe", "Işık")));
    }

    #[test]
    fn combining_marks_are_dropped_whatever_the_composition() {
        // Precomposed and decomposed spellings give one key.
        let composed = "Jos\u{e9}";
        let decomposed = "Jose\u{301}";
        assert_eq!(fold(composed), fold(decomposed));
        assert_eq!(fold(decomposed), "jose");
        // Stacked marks, and a mark with no precomposed form.
        assert_eq!(fold("a\u{323}\u{302}"), "a");
        assert_eq!(fold("Ne\u{331}"), "ne");
        // Compatibility forms: ligature and full-width letters and digits.
        assert_eq!(fold("ﬁne ＡＢＣ １２３"), "fine abc 123");
    }

    #[test]
    fn apostrophes_vanish_and_white_space_collapses() {
        assert_eq!(fold("  O'Brien\t D’Angelo  "), "obrien dangelo");
        assert_eq!(fold("ana\0ruiz\u{7f}"), "ana ruiz");
        assert!(SearchTerms::parse("obrien").matches(&key("Sean", "O'Brien")));
        assert!(SearchTerms::parse("o'brien").matches(&key("Sean", "OBrien")));
    }

    #[test]
    fn every_word_matches_in_any_order() {
        let k = key("Mara", "Rossi");
        assert!(SearchTerms::parse("rossi mara").matches(&k));
        assert!(SearchTerms::parse("Mara   Rossi").matches(&k));
        assert!(
            SearchTerms::parse("ros ma").matches(&k),
            "prefixes and parts match"
        );
        assert!(
            !SearchTerms::parse("rossi marta").matches(&k),
            "every word must match"
        );
    }

    #[test]
    fn phone_digits_match_whatever_the_punctuation() {
        let k = search_key("Mara", Some("Rossi"), None, Some("+34 600 111 222"));
        assert!(k.ends_with(" 34600111222"), "{k}");
        for typed in [
            "600 111",
            "600111",
            "600-111-222",
            "(600) 111.222",
            "+34600",
            "222",
        ] {
            assert!(SearchTerms::parse(typed).matches(&k), "{typed}");
        }
        assert!(!SearchTerms::parse("600 999").matches(&k));
        assert!(SearchTerms::parse("(34) 600-111.222").matches(&k));
        // A word with letters and fewer than three digits is matched as text only.
        let t = SearchTerms::parse("a12 (34)");
        assert_eq!(t.0[0].digits, None);
        assert_eq!(t.0[1].digits.as_deref(), Some("34"));
        assert_eq!(digits("＋３４ ６００"), "34600");
    }

    #[test]
    fn the_key_holds_names_email_and_phone_digits_apart() {
        assert_eq!(
            search_key(
                "Inés",
                Some("Álvarez"),
                Some("Ines.A@Example.com"),
                Some("+34 (600) 11-12")
            ),
            "ines alvarez ines.a@example.com 346001112"
        );
        assert_eq!(search_key("Ana", None, None, None), "ana");
        assert_eq!(search_key("", None, None, None), "");
        // No word spans two parts: "ana ines" is two words, each must be found on its own.
        let k = search_key("Ana", None, Some("ines@example.com"), None);
        assert!(!SearchTerms::parse("anaines").matches(&k));
        // An internationalised domain is found in either spelling.
        let k = search_key("Ana", None, Some("ana@xn--bcher-kva.example"), None);
        assert_eq!(k, "ana ana@xn--bcher-kva.example ana@bucher.example");
        for typed in ["bücher", "BUCHER.example", "xn--bcher"] {
            assert!(SearchTerms::parse(typed).matches(&k), "{typed}");
        }
    }

    #[test]
    fn a_search_is_at_most_eight_distinct_words() {
        let t = SearchTerms::parse("a b c d e f g h i j a");
        assert_eq!(t.0.len(), MAX_TERMS);
        assert_eq!(SearchTerms::parse("ana ANA Ána").0.len(), 1);
        assert!(SearchTerms::parse("  \t ").is_empty());
    }

    #[test]
    fn other_scripts_fold_the_same_way_on_both_sides() {
        let k = key("Мария", "Иванова");
        assert!(SearchTerms::parse("иванова").matches(&k));
        assert!(SearchTerms::parse("ИВАНОВА мария").matches(&k));
    }
}
