//! The record's "Before the session" panel: the latest answer for the booked session (the flag
//! also shows beside the booking) and every answer, newest first, each worded as on the list of
//! tomorrow's sessions (`crate::console::tomorrow::answer`).

use shared::care::roster::PatientRecord;
use shared::domain::TimeZone;

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
    /// Every answer, newest first.
    pub rows: Vec<ScreeningRow>,
}

pub fn panel(t: &Strings, record: &PatientRecord, tz: &TimeZone) -> ScreeningPanel {
    let booking = record.next_session.as_ref();
    let latest = booking.map(|b| {
        let found = record.screenings.iter().find(|s| s.booking_id == b.id);
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
            .map(|s| ScreeningRow {
                answer: answer(t, Some(s), tz),
            })
            .collect(),
    }
}
