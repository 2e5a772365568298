//! Every text of the console, in one Fluent catalogue per language (Project Fluent, `.ftl`):
//! `api/locales/<lang>/*.ftl`, compiled into the binary. Each message id is a field of
//! [`Strings`], declared once in the `catalogue!` list of `catalogue.rs`, so a template reads
//! `t.<id>` and a misspelt id is a compile error. The `every_message_in_both_languages` test
//! checks both catalogues: an id missing in either language, an extra message or a message that
//! does not parse fails it.
//!
//! Messages with arguments (Fluent variables such as `{ $count }`) are read with
//! [`Strings::fmt`], which formats them per call; every id passed to `fmt` must be in the list too.
//!
//! The language is chosen per request ([`page::texts`](super::page::texts)): the staff member's
//! own choice once signed in, else the browser's `Accept-Language`, else English.
//!
//! Adding a text: add the id to the list in its area's section, then the message to
//! `api/locales/en/<area>.ftl` and `api/locales/es/<area>.ftl`.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

mod catalogue;

pub use catalogue::{IDS, Strings};

/// A language the console speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    /// Every language, in the order the language picker lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The BCP 47 tag (also the value stored as the staff member's locale).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's own name, for the picker.
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    /// A stored locale or a language tag (`es`, `es-MX`, `EN`); `None` for any other language.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// The first language of an `Accept-Language` header (RFC 9110 §12.5.4) that the console
    /// speaks, by quality then order; `None` when none is.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(u16, Lang)> = None;
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_tag) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(1000, |q| {
                    (q.trim().parse::<f32>().unwrap_or(0.0) * 1000.0) as u16
                });
            if q > 0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }
}

/// The `.ftl` files of one language, in load order.
fn sources(lang: Lang) -> &'static [&'static str] {
    macro_rules! ftl {
        ($lang:literal) => {
            &[
                include_str!(concat!("../../../locales/", $lang, "/console.ftl")),
                include_str!(concat!("../../../locales/", $lang, "/escalations.ftl")),
                include_str!(concat!("../../../locales/", $lang, "/protocols.ftl")),
                include_str!(concat!("../../../locales/", $lang, "/screenings.ftl")),
                include_str!(concat!("../../../locales/", $lang, "/onboarding.ftl")),
                include_str!(concat!("../../../locales/", $lang, "/forms.ftl")),
                include_str!(concat!("../../../locales/", $lang, "/words.ftl")),
                include_str!(concat!("../../../locales/", $lang, "/layout.ftl")),
            ]
        };
    }
    match lang {
        Lang::En => ftl!("en"),
        Lang::Es => ftl!("es"),
    }
}

/// Formats one message; its id when missing (which the catalogue test rules out).
fn format(
    bundle: &FluentBundle<FluentResource>,
    id: &str,
    args: Option<&FluentArgs>,
) -> &'static str {
    leak(format_owned(bundle, id, args))
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn format_owned(
    bundle: &FluentBundle<FluentResource>,
    id: &str,
    args: Option<&FluentArgs>,
) -> String {
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        return id.to_owned();
    };
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned()
}

impl Strings {
    /// A message with arguments, e.g. `t.fmt("open_count", &[("count", 3.into())])`.
    pub fn fmt(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut a = FluentArgs::new();
        for (k, v) in args {
            a.set(*k, v.clone());
        }
        format_owned(&self.bundle, id, Some(&a))
    }
}

/// What is wrong with one language's catalogue: unparsable entries, ids missing from it, and
/// messages it has that the list does not declare. All empty when it is complete.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CatalogueReport {
    pub parse_errors: Vec<String>,
    pub missing: Vec<String>,
    pub unknown: Vec<String>,
}

fn load(lang: Lang) -> (FluentBundle<FluentResource>, CatalogueReport) {
    let tag: LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    // HTML, not bidirectional plain text: no Unicode isolation marks around arguments.
    bundle.set_use_isolating(false);
    let mut report = CatalogueReport::default();
    let mut seen = BTreeSet::new();
    for src in sources(lang) {
        let resource = match FluentResource::try_new((*src).to_owned()) {
            Ok(r) => r,
            Err((r, errors)) => {
                report
                    .parse_errors
                    .extend(errors.iter().map(|e| format!("{}: {e}", lang.tag())));
                r
            }
        };
        for entry in resource.entries() {
            if let fluent_syntax::ast::Entry::Message(m) = entry {
                seen.insert(m.id.name.to_owned());
            }
        }
        if let Err(errors) = bundle.add_resource(resource) {
            report
                .parse_errors
                .extend(errors.iter().map(|e| format!("{}: {e:?}", lang.tag())));
        }
    }
    report.missing = IDS
        .iter()
        .filter(|id| !seen.contains(**id))
        .map(|id| (*id).to_owned())
        .collect();
    let declared: BTreeSet<&str> = IDS.iter().copied().collect();
    report.unknown = seen
        .into_iter()
        .filter(|id| !declared.contains(id.as_str()))
        .collect();
    (bundle, report)
}

/// What is wrong with `lang`'s catalogue (the catalogue test, and the log at start-up).
pub fn check(lang: Lang) -> CatalogueReport {
    load(lang).1
}

/// The console's texts in `lang`, built once.
pub fn strings(lang: Lang) -> &'static Strings {
    static EN: OnceLock<Strings> = OnceLock::new();
    static ES: OnceLock<Strings> = OnceLock::new();
    let cell = match lang {
        Lang::En => &EN,
        Lang::Es => &ES,
    };
    cell.get_or_init(|| Strings::build(lang, load(lang).0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_in_both_languages() {
        for lang in Lang::ALL {
            assert_eq!(check(lang), CatalogueReport::default(), "{}", lang.tag());
        }
        // Spanish is Spanish: a catalogue copied from English would pass the check above.
        let (en, es) = (strings(Lang::En), strings(Lang::Es));
        assert_ne!(en.sign_in_title, es.sign_in_title);
        assert_eq!(es.lang, Lang::Es);
    }

    /// Every id read with `Strings::fmt` in the console's sources is declared (and so checked
    /// in both languages above).
    #[test]
    fn every_formatted_id_is_declared() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/console");
        let mut files = vec![std::path::PathBuf::from(dir)];
        let mut used = Vec::new();
        while let Some(p) = files.pop() {
            if p.is_dir() {
                for e in std::fs::read_dir(&p).unwrap() {
                    files.push(e.unwrap().path());
                }
            } else if p.extension().is_some_and(|e| e == "rs") && !p.ends_with("strings/mod.rs") {
                let src = std::fs::read_to_string(&p).unwrap();
                for part in src.split(".fmt(\"").skip(1) {
                    used.push(part.split('"').next().unwrap().to_owned());
                }
            }
        }
        for id in used {
            assert!(IDS.contains(&id.as_str()), "{id} is not in the catalogue");
        }
    }

    #[test]
    fn plurals_follow_each_language() {
        let args = |n: i64| [("days", n.into()), ("date", "2026-12-01".into())];
        let es = strings(Lang::Es);
        assert!(
            es.fmt("warn_too_soon", &args(1))
                .starts_with("Solo ha pasado 1 día desde")
        );
        assert!(
            es.fmt("warn_too_soon", &args(6))
                .starts_with("Solo han pasado 6 días desde")
        );
        let en = strings(Lang::En);
        assert!(
            en.fmt("warn_too_soon", &args(1))
                .starts_with("Only 1 day since")
        );
    }

    #[test]
    fn accept_language_picks_the_best_spoken_language() {
        assert_eq!(
            Lang::from_accept_language("es-ES,es;q=0.9,en;q=0.8"),
            Some(Lang::Es)
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, en;q=0.5, es;q=0.7"),
            Some(Lang::Es)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(
            Lang::from_accept_language("es;q=0, en;q=0.1"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language(""), None);
        assert_eq!(Lang::from_tag("ES-mx"), Some(Lang::Es));
    }
}
