//! Fills a prompt's `{placeholders}` in the patient's language. Dates are written out the way
//! each language writes them ("Tuesday 3 March", "martes 3 de marzo").

use chrono::{Datelike, NaiveDate, NaiveTime};

use crate::domain::Locale;

/// Values a text may refer to; `None` leaves the placeholder out of reach (validation only
/// allows the ones an anchor provides).
#[derive(Debug, Default, Clone)]
pub struct Vars {
    pub session_date: Option<NaiveDate>,
    pub session_time: Option<NaiveTime>,
    pub session_number: Option<i32>,
    pub planned_sessions: Option<i32>,
}

pub fn render(text: &str, locale: Locale, vars: &Vars) -> String {
    let mut out = text.to_owned();
    if let Some(d) = vars.session_date {
        out = out.replace("{session_date}", &date(d, locale));
    }
    if let Some(t) = vars.session_time {
        out = out.replace("{session_time}", &t.format("%H:%M").to_string());
    }
    if let Some(n) = vars.session_number {
        out = out.replace("{session_number}", &n.to_string());
    }
    if let Some(n) = vars.planned_sessions {
        out = out.replace("{planned_sessions}", &n.to_string());
    }
    out
}

const EN_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const ES_DAYS: [&str; 7] = [
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const ES_MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

fn date(d: NaiveDate, locale: Locale) -> String {
    let wd = d.weekday().num_days_from_monday() as usize;
    let m = d.month0() as usize;
    match locale {
        Locale::En => format!("{} {} {}", EN_DAYS[wd], d.day(), EN_MONTHS[m]),
        Locale::Es => format!("{} {} de {}", ES_DAYS[wd], d.day(), ES_MONTHS[m]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_numbers_in_both_languages() {
        let vars = Vars {
            session_date: NaiveDate::from_ymd_opt(2026, 3, 3),
            session_time: NaiveTime::from_hms_opt(10, 30, 0),
            session_number: Some(2),
            planned_sessions: Some(3),
        };
        let t = "{session_date} {session_time} ({session_number}/{planned_sessions})";
        assert_eq!(render(t, Locale::En, &vars), "Tuesday 3 March 10:30 (2/3)");
        assert_eq!(
            render(t, Locale::Es, &vars),
            "martes 3 de marzo 10:30 (2/3)"
        );
    }
}
