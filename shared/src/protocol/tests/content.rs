//! The protocol files: the built-in ones load, rest on real docs/FACTS.md lines, and every kind of
//! mistake in a file is caught at load with a message naming it.

use super::{builtin_files, protocol_with};
use crate::domain::Locale;
use crate::protocol::{Kind, Protocol};

#[test]
fn builtin_protocol_loads_with_every_prompt_in_both_locales() {
    let p = Protocol::load(None).unwrap();
    assert_eq!(p.version(), "v2");
    assert!(p.prompts().len() >= 15, "{}", p.prompts().len());
    for def in p.prompts() {
        assert!(!def.facts.is_empty(), "{} names no facts", def.key);
        for locale in Locale::ALL {
            let t = def.text(*locale);
            assert!(!t.title.is_empty() && !t.body.is_empty(), "{}", def.key);
        }
        assert_ne!(def.en, def.es, "{} is not translated", def.key);
    }
    for kind in Kind::ALL {
        assert!(
            p.prompts().iter().any(|d| d.kind == *kind),
            "no {} prompt",
            kind.as_str()
        );
    }
    assert!(!p.notes().is_empty(), "the cautious readings are noted");
}

/// The repository's copy of the clinical facts the content rests on.
const FACTS_MD: &str = include_str!("../../../../docs/FACTS.md");

fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_prompt_rests_on_facts_that_occur_in_facts_md() {
    let p = Protocol::load(None).unwrap();
    // Each prompt names facts; each named fact exists (load enforces both; asserted here too).
    for def in p.prompts() {
        assert!(!def.facts.is_empty(), "{}", def.key);
        for f in &def.facts {
            assert!(p.facts().contains_key(f), "{}: unknown fact {f}", def.key);
        }
    }
    let facts_md = normalise(FACTS_MD);
    for (id, fact) in p.facts() {
        assert!(
            facts_md.contains(&normalise(&fact.text)),
            "fact {id:?} is not quoted from docs/FACTS.md: {:?}",
            fact.text
        );
        for seed in &fact.seeds {
            assert!(
                seed.len() == 3 && seed.chars().all(|c| c.is_ascii_digit()),
                "fact {id:?}: seed {seed:?} is not a seed number"
            );
        }
    }
}

fn load_err(extra: &str) -> String {
    let mut files = builtin_files();
    files.push(("broken.toml".into(), extra.into()));
    let err = Protocol::from_files(&files).unwrap_err().to_string();
    assert!(!err.contains('\n'), "one line: {err}");
    err
}

const GOOD: &str = r#"
[[prompts]]
key = "extra"
kind = "aftercare"
day = 2
time = "15:00"
facts = ["sun"]
en.title = "T"
en.body = "B"
es.title = "T"
es.body = "B"
"#;

#[test]
fn a_well_formed_extra_file_loads() {
    let p = protocol_with(&[GOOD]);
    assert!(p.prompts().iter().any(|d| d.key == "extra"));
}

#[test]
fn the_ladder_prompts_are_important_with_their_windows_and_no_other_is() {
    let p = Protocol::load(None).unwrap();
    let mut important: Vec<(String, i64)> = p
        .prompts()
        .iter()
        .chain(p.adaptations().follow_ups.iter().map(|f| &f.def))
        .filter(|d| d.important)
        .map(|d| (d.key.clone(), d.ack_window.map_or(0, |w| w.num_minutes())))
        .collect();
    important.sort();
    assert_eq!(
        important,
        [
            ("day5_check_in".to_owned(), 240),
            ("day7_warning_signs".to_owned(), 240),
            ("session_reminder_1d".to_owned(), 180),
            ("urgent_check_in_received".to_owned(), 30),
        ]
    );
    let stray = p
        .prompts()
        .iter()
        .find(|d| !d.important && d.ack_window.is_some());
    assert!(stray.is_none(), "{stray:?}");
    // Bounds are inclusive.
    for minutes in [5, 1440] {
        let text = GOOD.replace(
            "day = 2",
            &format!("day = 2\nimportant = true\nack_window_minutes = {minutes}"),
        );
        let extra = protocol_with(&[&text]);
        let def = extra.prompts().iter().find(|d| d.key == "extra").unwrap();
        assert_eq!(def.ack_window.map(|w| w.num_minutes()), Some(minutes));
    }
}

#[test]
fn broken_files_are_rejected_naming_the_problem() {
    let cases: &[(&str, &str, &str)] = &[
        ("", "day0_expected", "key is used twice"),
        ("", "extra", "names no docs/FACTS.md line"),
        ("", "extra", "facts[0]: \"nope\" is not a known fact"),
        ("", "extra", "es: is missing"),
        ("", "extra", "en.body: must not be empty"),
        ("", "extra", "is not HH:MM"),
        ("", "extra", "day: -1 is outside"),
        ("", "extra", "when.areas[0]: unknown area \"elbow\""),
        ("", "extra", "unknown kind \"gossip\""),
        ("", "extra", "unknown placeholder {session_date}"),
        ("", "extra", "outside the 0.5–2.5 mm band"),
        ("", "extra", "when.course: unknown course stage"),
        (
            "",
            "extra",
            "ack_window_minutes: is required for an important prompt",
        ),
        ("", "extra", "ack_window_minutes: 4 is outside 5–1440"),
        ("", "extra", "ack_window_minutes: 1441 is outside 5–1440"),
        (
            "",
            "extra",
            "ack_window_minutes: is given but the prompt is not important",
        ),
    ];
    let variants = [
        GOOD.replace("key = \"extra\"", "key = \"day0_expected\""),
        GOOD.replace("facts = [\"sun\"]", "facts = []"),
        GOOD.replace("facts = [\"sun\"]", "facts = [\"nope\"]"),
        GOOD.replace("es.title = \"T\"\nes.body = \"B\"", ""),
        GOOD.replace("en.body = \"B\"", "en.body = \"  \""),
        GOOD.replace("15:00", "25:00"),
        GOOD.replace("day = 2", "day = -1"),
        format!("{GOOD}when.areas = [\"elbow\"]"),
        GOOD.replace("kind = \"aftercare\"", "kind = \"gossip\""),
        GOOD.replace("en.body = \"B\"", "en.body = \"On {session_date}\""),
        format!("{GOOD}when.min_depth_mm = 3.0"),
        format!("{GOOD}when.course = \"sometimes\""),
        GOOD.replace("day = 2", "day = 2\nimportant = true"),
        GOOD.replace(
            "day = 2",
            "day = 2\nimportant = true\nack_window_minutes = 4",
        ),
        GOOD.replace(
            "day = 2",
            "day = 2\nimportant = true\nack_window_minutes = 1441",
        ),
        GOOD.replace("day = 2", "day = 2\nack_window_minutes = 60"),
    ];
    for ((_, key, needle), text) in cases.iter().zip(variants) {
        let err = load_err(&text);
        assert!(err.contains("broken.toml"), "{err}");
        assert!(err.contains(key) && err.contains(needle), "{needle}: {err}");
    }
}

#[test]
fn syntax_errors_and_unknown_fields_name_file_and_line() {
    let err = load_err("version = \"v2\"\n\n[[prompts]]\nkey = \n");
    assert!(err.contains("broken.toml: line 4"), "{err}");
    let err = load_err("[[prompts]]\nkey = \"x\"\ncolour = \"red\"\n");
    assert!(err.contains("colour"), "{err}");
    let err = load_err("version = \"v3\"\n");
    assert!(err.contains("differs"), "{err}");
    let err = load_err("[facts.sun]\ntext = \"again\"\nseeds = [\"002\"]\n");
    assert!(err.contains("defined twice"), "{err}");
}

#[test]
fn a_protocol_directory_replaces_the_builtin_files() {
    let dir = std::env::temp_dir().join(format!("protocol-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in builtin_files() {
        std::fs::write(dir.join(name), text).unwrap();
    }
    std::fs::write(dir.join("zz_extra.toml"), GOOD).unwrap();
    let p = Protocol::load(dir.to_str()).unwrap();
    assert!(p.prompts().iter().any(|d| d.key == "extra"));
    std::fs::write(
        dir.join("zz_extra.toml"),
        GOOD.replace("facts = [\"sun\"]", ""),
    )
    .unwrap();
    let err = Protocol::load(dir.to_str()).unwrap_err().to_string();
    assert!(
        err.contains("zz_extra.toml") && err.contains("extra"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let err = Protocol::load(Some("/nonexistent/protocol")).unwrap_err();
    assert!(format!("{err:#}").contains("/nonexistent/protocol"));
}

#[test]
fn a_booked_session_is_prepared_for_a_month_a_week_and_a_day_before() {
    use super::{Req, find, keys, treatment, utc};
    use crate::protocol::schedule::BookingInput;
    let p = Protocol::load(None).unwrap();
    let mut req = Req::new(chrono_tz::Europe::Madrid, treatment("2026-03-02T10:00:00Z"));
    req.booking = Some(BookingInput {
        id: "b1".into(),
        starts_at: utc("2026-04-20T08:30:00Z"),
        revision: 0,
    });
    req.locale = Locale::Es;
    let plan = req.run(&p);
    let before: Vec<&str> = keys(&plan)
        .into_iter()
        .filter(|k| k.starts_with("session_"))
        .collect();
    assert_eq!(
        before,
        [
            "session_prepare_30d",
            "session_reminder_7d",
            "session_reminder_1d"
        ]
    );
    let month = find(&plan, "session_prepare_30d");
    assert_eq!(month.local_date.to_string(), "2026-03-21");
    assert!(month.body.contains("vitamina A o C") && month.body.contains("lunes 20 de abril"));
    let week = find(&plan, "session_reminder_7d");
    assert!(week.body.contains("sol"), "{}", week.body);
    let day = find(&plan, "session_reminder_1d");
    assert!(day.body.contains("responde en la app"), "{}", day.body);
    assert!(day.important);
    let defs = |key: &str| {
        p.prompts()
            .iter()
            .find(|d| d.key == key)
            .unwrap()
            .facts
            .clone()
    };
    assert_eq!(defs("session_prepare_30d"), ["prepare_skin", "course"]);
    assert_eq!(defs("session_reminder_7d"), ["course", "defer", "sun"]);
    assert_eq!(defs("session_reminder_1d"), ["course", "defer", "caution"]);
}
