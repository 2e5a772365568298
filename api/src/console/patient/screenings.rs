//! The record's "Before the session" panel: the latest answer for the booked session at its
//! current time (the flag also shows beside the booking; an answer given before the session was
//! moved does not count) and the latest 10 answers, newest first
//! (`shared::care::screenings::RECORD_SHOWN`), each worded as on the list of tomorrow's sessions
//! (`crate::console::tomorrow::answer`); those about an earlier time of the session say so.

use shared::care::roster::PatientRecord;
use shared::care::screenings::RECORD_SHOWN;
use shared::domain::TimeZone;

use crate::console::page::local;
use crate::console::strings::Strings;
use crate::console::tomorrow::{Answer, answer};

/// One answer, as the shared answer template reads it (`r.answer`).
pub struct ScreeningRow {
    pub answer: Answer,
}

pub struct ScreeningPanel {
    /// A session is booked.
    pub booked: bool,
    /// The latest answer for the booked session; `missing` when not answered.
    pub latest: Option<ScreeningRow>,
    /// The latest for the booked session reported something.
    pub flagged: bool,
    /// The latest 10 answers, newest first.
    pub rows: Vec<ScreeningRow>,
}

pub fn panel(t: &Strings, record: &PatientRecord, tz: &TimeZone) -> ScreeningPanel {
    let booking = record.next_session.as_ref();
    let latest = booking.map(|b| {
        let found = record
            .screenings
            .iter()
            .find(|s| s.booking_id == b.id && s.booking_revision == b.revision);
        ScreeningRow {
            answer: answer(t, found, tz),
        }
    });
    ScreeningPanel {
        booked: booking.is_some(),
        flagged: latest.as_ref().is_some_and(|r| r.answer.state == "flagged"),
        latest,
        rows: record
            .screenings
            .iter()
            .take(RECORD_SHOWN)
            .map(|s| {
                let mut answer = answer(t, Some(s), tz);
                let earlier = booking
                    .is_some_and(|b| s.booking_id == b.id && s.booking_revision < b.revision);
                if earlier {
                    let when = local(s.created_at, tz);
                    answer.answered = Some(t.fmt("scr_answered_earlier", &[("when", when.into())]));
                }
                ScreeningRow { answer }
            })
            .collect(),
    }
}
