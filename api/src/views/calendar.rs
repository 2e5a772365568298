//! The booked next session as a calendar file (docs/CONTRACT.md `GET /v1/me/next-session.ics`),
//! written by the `icalendar` crate: RFC 5545 content lines with CRLF, folded at 75 octets on
//! UTF-8 boundaries (§3.1), TEXT values escaped (§3.3.11).
//!
//! A calendar is often shared (a family calendar, a work account), so it names the clinic and
//! nothing of the treatment: "Appointment at <clinic>", never the procedure, and not even the
//! product's name in PRODID.

use chrono::{DateTime, Duration, Utc};
use icalendar::{Calendar, Component, Event, EventLike};
use shared::care::profile::{Booking, Clinic};
use shared::domain::Locale;

/// How long the event blocks in the calendar. A session takes from 15 minutes to a few hours
/// by area (docs/FACTS.md "The treatment", numbing cream included); the booking holds only its
/// start, so the calendar shows an hour.
pub const EVENT_MINUTES: i64 = 60;

/// The calendar file's media type.
pub const CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

/// The calendar with one VEVENT for the booking. Its UID is the booking's id at `host`, stable
/// while the session is moved (RFC 5545 §3.8.4.7), so a calendar that imports the file again
/// updates its event instead of adding a second; SEQUENCE counts the moves (§3.8.7.4) and
/// DTSTAMP is the last change (§3.8.7.2: the booking's move, else its creation). DTSTART and
/// DTEND are in UTC; SUMMARY and LOCATION carry the clinic's name (and phone) in the patient's
/// language.
pub fn next_session(booking: &Booking, clinic: &Clinic, locale: Locale, host: &str) -> String {
    let starts: DateTime<Utc> = booking.starts_at.and_utc();
    let summary = match locale {
        Locale::En => format!("Appointment at {}", clinic.name),
        Locale::Es => format!("Cita en {}", clinic.name),
    };
    let location = match &clinic.contact_phone {
        Some(phone) => format!("{} (tel. {phone})", clinic.name),
        None => clinic.name.clone(),
    };
    let event = Event::new()
        .uid(&format!("{}@{host}", booking.id))
        .timestamp(booking.changed_at().and_utc())
        .sequence(u32::try_from(booking.revision).unwrap_or(0))
        .starts(starts)
        .ends(starts + Duration::minutes(EVENT_MINUTES))
        .summary(&summary)
        .location(&location)
        .done();
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Clinic appointments//Next session//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .push(event);
    calendar.to_string()
}
