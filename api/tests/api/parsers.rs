//! Property tests for the request parsers a client reaches with any JSON it likes: the body of
//! recordTreatment (`RecordTreatment`), createCheckIn (`CreateCheckIn`) and updateMe (`UpdateMe`).
//! The server's path is deserialise → `parse`; for any JSON object either step may refuse, but
//! neither may panic, and every valid body parses.

use api::views::check_in::CreateCheckIn;
use api::views::patient::UpdateMe;
use api::views::treatment::RecordTreatment;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use proptest::prelude::*;
use proptest::sample::subsequence;
use serde_json::{Map, Number, Value, json};
use shared::domain::{Area, CombinedWith, Contraindication, Device, Symptom};

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, 15)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .unwrap()
}

/// Any JSON value, nested a little, with the awkward leaves: huge and negative numbers,
/// fractions, empty and non-ASCII strings.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        (-20i64..20).prop_map(|n| json!(n)),
        ".{0,40}".prop_map(Value::String),
        "[a-z_]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An object holding most of `fields`, each mostly a valid value, else any JSON at all: biased
/// so that a good share of bodies get past deserialisation and reach `parse`.
fn object_of(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> impl Strategy<Value = Value> {
    let per_field: Vec<_> = fields
        .into_iter()
        .map(|(name, valid)| {
            prop::option::weighted(0.95, prop_oneof![9 => valid, 1 => any_json()])
                .prop_map(move |v| (name, v))
        })
        .collect();
    per_field.prop_map(|entries| {
        let mut m = Map::new();
        for (name, v) in entries {
            if let Some(v) = v {
                m.insert(name.to_owned(), v);
            }
        }
        Value::Object(m)
    })
}

fn codes<T: Copy + std::fmt::Display + std::fmt::Debug>(
    all: &'static [T],
    min: usize,
) -> BoxedStrategy<Vec<String>> {
    subsequence(all, min..=all.len())
        .prop_map(|v| v.iter().map(ToString::to_string).collect())
        .boxed()
}

fn rfc3339_before_now() -> impl Strategy<Value = String> {
    (0i64..3_000_000, -12i32..=14).prop_map(|(minutes_ago, offset_h)| {
        let utc = now() - Duration::minutes(minutes_ago);
        let offset = chrono::FixedOffset::east_opt(offset_h * 3600).unwrap();
        utc.and_utc().with_timezone(&offset).to_rfc3339()
    })
}

fn valid_treatment() -> BoxedStrategy<Value> {
    (
        rfc3339_before_now(),
        codes(Area::ALL, 1),
        (50u32..=250).prop_map(|d| f64::from(d) / 100.0),
        prop::sample::select(Device::ALL),
        codes(CombinedWith::ALL, 0),
        (1i64..=6).prop_flat_map(|planned| (1..=planned, Just(planned))),
        3i64..=8,
        codes(Contraindication::ALL, 0),
        prop::option::of("[A-Za-z ]{0,80}"),
    )
        .prop_map(
            |(at, areas, depth, device, combined, (session, planned), weeks, contra, notes)| {
                let reason = (!contra.is_empty()).then_some("benefit outweighs the risk");
                json!({
                    "performed_at": at, "areas": areas, "needle_depth_mm": depth,
                    "device": device.to_string(), "combined_with": combined,
                    "session_number": session, "planned_sessions": planned,
                    "interval_weeks": weeks, "contraindications": contra,
                    "override_reason": reason, "notes": notes,
                })
            },
        )
        .boxed()
}

fn valid_check_in() -> BoxedStrategy<Value> {
    (
        0i64..=10,
        0i64..=10,
        0i64..=10,
        any::<bool>(),
        codes(Symptom::ALL, 0),
    )
        .prop_map(|(redness, swelling, pain, peeling, symptoms)| {
            json!({"redness": redness, "swelling": swelling, "pain": pain,
                   "peeling": peeling, "symptoms": symptoms})
        })
        .boxed()
}

fn hhmm() -> impl Strategy<Value = String> {
    (0u32..24, 0u32..60).prop_map(|(h, m)| format!("{h:02}:{m:02}"))
}

const ZONES: &[&str] = &[
    "Europe/Madrid",
    "America/New_York",
    "Asia/Kolkata",
    "UTC",
    "Pacific/Chatham",
];

fn valid_me_patch() -> BoxedStrategy<Value> {
    (
        prop::option::of(prop::sample::select(ZONES)),
        prop::option::of(prop::sample::select(&["en", "es"][..])),
        prop::option::of(prop::option::of(
            (hhmm(), hhmm()).prop_filter("start and end differ", |(s, e)| s != e),
        )),
        prop::option::of((
            prop::option::of(any::<bool>()),
            prop::option::of(any::<bool>()),
        )),
        prop::option::of(prop::sample::select(&["private", "full"][..])),
    )
        .prop_map(|(tz, locale, quiet, channels, preview)| {
            let mut m = Map::new();
            if let Some(tz) = tz {
                m.insert("timezone".into(), json!(tz));
            }
            if let Some(l) = locale {
                m.insert("locale".into(), json!(l));
            }
            if let Some(q) = quiet {
                let v = q.map(|(start, end)| json!({"start": start, "end": end}));
                m.insert("quiet_hours".into(), v.unwrap_or(Value::Null));
            }
            if let Some((push, email)) = channels {
                m.insert("channels".into(), json!({"push": push, "email": email}));
            }
            if let Some(p) = preview {
                m.insert("lock_screen_preview".into(), json!(p));
            }
            Value::Object(m)
        })
        .boxed()
}

/// A field of `valid` (a strategy for whole valid bodies) as a strategy of its own.
fn field_of(valid: fn() -> BoxedStrategy<Value>, name: &'static str) -> BoxedStrategy<Value> {
    valid().prop_map(move |v| v[name].clone()).boxed()
}

fn mixed(
    valid: fn() -> BoxedStrategy<Value>,
    names: &[&'static str],
) -> impl Strategy<Value = Value> {
    object_of(names.iter().map(|n| (*n, field_of(valid, n))).collect())
}

const TREATMENT_FIELDS: &[&str] = &[
    "performed_at",
    "areas",
    "needle_depth_mm",
    "device",
    "combined_with",
    "session_number",
    "planned_sessions",
    "interval_weeks",
    "contraindications",
    "override_reason",
    "notes",
];
const CHECK_IN_FIELDS: &[&str] = &["redness", "swelling", "pain", "peeling", "symptoms"];
const ME_FIELDS: &[&str] = &[
    "timezone",
    "locale",
    "quiet_hours",
    "channels",
    "lock_screen_preview",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn treatment_bodies_never_panic(body in mixed(valid_treatment, TREATMENT_FIELDS)) {
        if let Ok(t) = serde_json::from_value::<RecordTreatment>(body) {
            let _ = t.parse(now());
        }
    }

    #[test]
    fn valid_treatments_parse(body in valid_treatment()) {
        let t: RecordTreatment = serde_json::from_value(body.clone()).unwrap();
        prop_assert!(t.parse(now()).is_ok(), "{body} was refused: {:?}", t.parse(now()).err());
    }

    #[test]
    fn check_in_bodies_never_panic(body in mixed(valid_check_in, CHECK_IN_FIELDS)) {
        if let Ok(c) = serde_json::from_value::<CreateCheckIn>(body) {
            let _ = c.parse();
        }
    }

    #[test]
    fn valid_check_ins_parse(body in valid_check_in()) {
        let c: CreateCheckIn = serde_json::from_value(body.clone()).unwrap();
        prop_assert!(c.parse().is_ok(), "{body} was refused: {:?}", c.parse().err());
    }

    #[test]
    fn preference_bodies_never_panic(body in mixed(valid_me_patch, ME_FIELDS)) {
        if let Ok(p) = serde_json::from_value::<UpdateMe>(body) {
            let _ = p.parse();
        }
    }

    #[test]
    fn valid_preferences_parse(body in valid_me_patch()) {
        let p: UpdateMe = serde_json::from_value(body.clone()).unwrap();
        prop_assert!(p.parse().is_ok(), "{body} was refused: {:?}", p.parse().err());
    }
}

/// The mixed bodies above are not all refused by serde: enough reach `parse` to test it.
#[test]
fn mixed_bodies_often_reach_the_parsers() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    fn share<T: serde::de::DeserializeOwned>(s: impl Strategy<Value = Value>) -> usize {
        let mut runner = TestRunner::deterministic();
        (0..200)
            .filter(|_| {
                let body = s.new_tree(&mut runner).unwrap().current();
                serde_json::from_value::<T>(body).is_ok()
            })
            .count()
    }
    let treatments = share::<RecordTreatment>(mixed(valid_treatment, TREATMENT_FIELDS));
    let check_ins = share::<CreateCheckIn>(mixed(valid_check_in, CHECK_IN_FIELDS));
    let patches = share::<UpdateMe>(mixed(valid_me_patch, ME_FIELDS));
    for (name, n) in [
        ("treatments", treatments),
        ("check-ins", check_ins),
        ("preferences", patches),
    ] {
        assert!(n >= 20, "only {n} of 200 {name} bodies deserialise");
    }
}
