//! Content safety of a protocol, whoever wrote it (issue 29: "a test renders every published
//! version of every clinic in both languages for every condition combination"): every prompt
//! is planned by the real schedule engine for every combination of the conditions it tests
//! (each listed area and device, each depth band edge, PRP on and off, a continuing and a
//! final session, with and without a booked session), in English and Spanish, and each planned
//! text is checked:
//!
//! - a title or body that is empty once rendered;
//! - a `{placeholder}` left unfilled, an unknown one, or a stray `{` or `}`;
//! - a push payload over its provider's limit, built with the push module's real builders
//!   ([`FcmClient::body`], [`ApnsClient::body`], Web Push [`Payload::new`]) for the prompt's
//!   real idempotency key and a long device token: FCM v1 and APNs 4096 bytes (the whole FCM
//!   request body is measured, a stricter reading), Web Push 3993 bytes (RFC 8291: 4096 less
//!   the 103 bytes of the `aes128gcm` header, tag and padding delimiter);
//! - a lock-screen-private push (`lock_screen_preview: private`) that shows anything but the
//!   neutral text, or whose payload carries any word of the prompt's texts.
//!
//! Follow-ups of check-ins are checked the same way, rendered directly. Pure: no clock (but
//! the APNs expiry the FCM builder stamps), no I/O.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::Value;

use super::Protocol;
use super::content::{Anchor, Conditions, PromptDef};
use super::render::{Vars, render};
use super::schedule::{BookingInput, PlanInput, TreatmentInput, plan};
use super::validate::{NOT_VISIBLE, is_visible, placeholders};
use crate::domain::{Area, CombinedWith, Device, Locale, LockScreenPreview, NeedleDepth};
use crate::push::apns::ApnsClient;
use crate::push::fcm::FcmClient;
use crate::push::webpush::Payload;
use crate::push::{PushMessage, neutral_text, visible_text};

/// The largest FCM v1 and APNs payloads, in bytes.
pub const PUSH_PAYLOAD_MAX: usize = 4096;
/// The largest Web Push plaintext, in bytes (RFC 8291 §4: 4096 − 86 − 16 − 1).
pub const WEB_PUSH_PAYLOAD_MAX: usize = 3993;

/// One problem with one prompt in one language.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SafetyProblem {
    /// The prompt's key (or a check-in follow-up's).
    pub prompt_key: String,
    pub locale: Locale,
    /// What is wrong, in plain English.
    pub message: String,
}

impl std::fmt::Display for SafetyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.prompt_key, self.locale, self.message)
    }
}

/// Every problem of `protocol`'s content, sorted; empty when it is safe to send.
pub fn check(protocol: &Protocol) -> Vec<SafetyProblem> {
    let mut checker = Checker::default();
    let samples: BTreeSet<Sample> = protocol.prompts().iter().flat_map(samples).collect();
    let mut planned = BTreeSet::new();
    for sample in &samples {
        for locale in Locale::ALL {
            for p in sample.plan(protocol, *locale) {
                planned.insert(p.key.clone());
                checker.text(
                    &p.key,
                    p.kind.as_str(),
                    *locale,
                    &p.title,
                    &p.body,
                    &p.idempotency_key,
                );
            }
        }
    }
    // A prompt no sample plans (its conditions never hold) is rendered directly, as are the
    // check-ins' follow-ups.
    let direct = protocol
        .prompts()
        .iter()
        .filter(|d| !planned.contains(&d.key))
        .chain(protocol.adaptations().follow_ups.iter().map(|f| &f.def));
    for def in direct {
        let vars = vars(def.anchor, false);
        for locale in Locale::ALL {
            let t = def.text(*locale);
            let key = format!("{PATIENT}:{TREATMENT}:{}", def.key);
            checker.text(
                &def.key,
                def.kind.as_str(),
                *locale,
                &render(&t.title, *locale, &vars),
                &render(&t.body, *locale, &vars),
                &key,
            );
        }
    }
    checker.problems.into_iter().collect()
}

// Ids of the length real ones have (UUIDs), digits only so no id is mistaken for a word.
const PATIENT: &str = "01900000-0000-7000-8000-000000000001";
const TREATMENT: &str = "01900000-0000-7000-8000-000000000002";
const BOOKING: &str = "01900000-0000-7000-8000-000000000003";
const PROMPT: &str = "01900000-0000-7000-8000-000000000004";
const TZ: Tz = chrono_tz::Europe::Madrid;

/// A sample treatment, as plain values so samples can be deduplicated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Sample {
    area: Area,
    /// Needle depth in hundredths of a millimetre.
    depth: u32,
    device: Device,
    prp: bool,
    last: bool,
    booked: bool,
}

/// The combinations of the conditions `def` tests (one value for those it does not).
fn samples(def: &PromptDef) -> Vec<Sample> {
    let w: &Conditions = &def.when;
    let areas = w.areas.clone().unwrap_or_else(|| vec![Area::Face]);
    let devices = w.devices.clone().unwrap_or_else(|| vec![Device::Pen]);
    let mut depths: Vec<f64> = [w.min_depth_mm, w.max_depth_mm]
        .into_iter()
        .flatten()
        .collect();
    if depths.is_empty() {
        depths.push(1.0);
    }
    let mut out = Vec::new();
    for area in &areas {
        for depth in &depths {
            for device in &devices {
                for prp in [false, true] {
                    for last in [false, true] {
                        for booked in [false, true] {
                            out.push(Sample {
                                area: *area,
                                // Depths are within 0.5–2.5 mm: the cast cannot truncate.
                                depth: (depth * 100.0).round() as u32,
                                device: *device,
                                prp,
                                last,
                                booked,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// The treatment: a Wednesday, so the booked session falls on the longest date either
/// language writes ("miércoles 30 de septiembre").
fn performed_at() -> DateTime<Utc> {
    at(2026, 7, 22, 8, 0)
}

fn booking_at() -> DateTime<Utc> {
    at(2026, 9, 30, 8, 30)
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|date| date.and_hms_opt(h, min, 0))
        .map(|t| t.and_utc())
        .unwrap_or_default()
}

/// Two-digit session numbers, the longest a course has.
fn sessions(last: bool) -> (i32, i32) {
    if last { (10, 10) } else { (9, 10) }
}

impl Sample {
    fn plan(&self, protocol: &Protocol, locale: Locale) -> Vec<crate::domain::PlannedPrompt> {
        let (session_number, planned_sessions) = sessions(self.last);
        let Ok(depth) = NeedleDepth::parse(f64::from(self.depth) / 100.0) else {
            return Vec::new();
        };
        let treatment = TreatmentInput {
            id: TREATMENT.into(),
            performed_at: performed_at(),
            areas: vec![self.area],
            depth,
            device: self.device,
            combined_with: if self.prp {
                vec![CombinedWith::Prp]
            } else {
                vec![]
            },
            session_number,
            planned_sessions,
            interval_weeks: 8,
        };
        let booking = self.booked.then(|| BookingInput {
            id: BOOKING.into(),
            starts_at: booking_at(),
            revision: 12,
        });
        plan(
            protocol,
            &PlanInput {
                patient_id: PATIENT,
                tz: TZ,
                quiet: None,
                locale,
                treatment: Some(&treatment),
                booking: booking.as_ref(),
                now: performed_at(),
                signals: &[],
                open_urgent: false,
            },
        )
    }
}

/// The values a directly rendered prompt's placeholders get (the sample's).
fn vars(anchor: Anchor, last: bool) -> Vars {
    let (session_number, planned_sessions) = sessions(last);
    let (date, time) = super::local_time::local_parts(TZ, booking_at());
    match anchor {
        Anchor::Booking => Vars {
            session_date: Some(date),
            session_time: Some(time),
            ..Vars::default()
        },
        Anchor::Treatment | Anchor::IntervalEnd => Vars {
            session_number: Some(session_number),
            planned_sessions: Some(planned_sessions),
            ..Vars::default()
        },
    }
}

#[derive(Default)]
struct Checker {
    problems: BTreeSet<SafetyProblem>,
    /// Texts already checked, by (key, locale, title, body).
    seen: BTreeSet<(String, Locale, String, String)>,
}

impl Checker {
    fn text(
        &mut self,
        key: &str,
        kind: &str,
        locale: Locale,
        title: &str,
        body: &str,
        idempotency_key: &str,
    ) {
        if !self
            .seen
            .insert((key.to_owned(), locale, title.to_owned(), body.to_owned()))
        {
            return;
        }
        let mut problem = |message: String| {
            self.problems.insert(SafetyProblem {
                prompt_key: key.to_owned(),
                locale,
                message,
            });
        };
        for (part, text) in [("title", title), ("body", body)] {
            if text.trim().is_empty() {
                problem(format!("the {part} is empty"));
            } else if !is_visible(text) {
                problem(format!("the {part} {NOT_VISIBLE}"));
            }
            match placeholders(text) {
                Err(()) => problem(format!(
                    "the {part} has a {{ or }} that is not part of a placeholder"
                )),
                Ok(names) => {
                    for name in names {
                        problem(format!("the {part} still shows {{{name}}} once rendered"));
                    }
                }
            }
        }
        for preview in [LockScreenPreview::Full, LockScreenPreview::Private] {
            let msg = PushMessage {
                device_token: "1".repeat(255),
                visible: visible_text(preview, locale, title, body),
                prompt_id: PROMPT.into(),
                kind: kind.to_owned(),
                idempotency_key: idempotency_key.to_owned(),
                ttl_secs: 12 * 3600,
            };
            for (provider, payload, max) in payloads(&msg) {
                if payload.len() > max {
                    problem(format!(
                        "the {provider} payload is {} bytes, over the provider's {max}",
                        payload.len()
                    ));
                }
                if preview == LockScreenPreview::Private {
                    let reference = PushMessage {
                        visible: visible_text(preview, locale, "-", "-"),
                        ..msg.clone()
                    };
                    let leaked = leaked_words(title, body, &payload, &reference, provider);
                    if !leaked.is_empty() {
                        problem(format!(
                            "a private {provider} push carries the prompt's words: {}",
                            leaked.join(", ")
                        ));
                    }
                    if !shows_neutral(provider, &payload, locale) {
                        problem(format!(
                            "a private {provider} push shows more than the neutral text"
                        ));
                    }
                }
            }
        }
    }
}

/// Each provider's payload for `msg`, serialised as sent, with its limit.
fn payloads(msg: &PushMessage) -> [(&'static str, String, usize); 3] {
    let web = Payload::new(&msg.visible, &msg.prompt_id, &msg.idempotency_key);
    [
        ("FCM", FcmClient::body(msg), PUSH_PAYLOAD_MAX),
        ("APNs", ApnsClient::body(msg), PUSH_PAYLOAD_MAX),
        (
            "Web Push",
            serde_json::to_string(&web).unwrap_or_default(),
            WEB_PUSH_PAYLOAD_MAX,
        ),
    ]
}

/// The words (three letters or more, any case) of the prompt's texts that the payload
/// carries and the same push for other texts does not.
fn leaked_words(
    title: &str,
    body: &str,
    payload: &str,
    reference: &PushMessage,
    provider: &str,
) -> Vec<String> {
    let reference = payloads(reference)
        .into_iter()
        .find(|(p, ..)| *p == provider)
        .map(|(_, json, _)| words(&json))
        .unwrap_or_default();
    let carried = words(payload);
    let mut leaked: Vec<String> = words(&format!("{title} {body}"))
        .into_iter()
        .filter(|w| carried.contains(w) && !reference.contains(w))
        .collect();
    leaked.truncate(5);
    leaked
}

fn words(text: &str) -> BTreeSet<String> {
    // JSON escapes non-ASCII letters as themselves (serde_json keeps UTF-8), so splitting
    // on anything but a letter or digit finds the same words in a text and in its payload.
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect()
}

/// Whether the notification a private push shows is the neutral text, for each provider's
/// shape (FCM `message.notification`, APNs `aps.alert`, Web Push `title`/`body`).
fn shows_neutral(provider: &str, payload: &str, locale: Locale) -> bool {
    let Ok(v) = serde_json::from_str::<Value>(payload) else {
        return false;
    };
    let shown = match provider {
        "FCM" => &v["message"]["notification"],
        "APNs" => &v["aps"]["alert"],
        _ => &v,
    };
    let neutral = neutral_text(locale);
    shown["title"] == neutral.title.as_str() && shown["body"] == neutral.body.as_str()
}
