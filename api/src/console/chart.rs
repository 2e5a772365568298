//! The recovery chart on the patient record: redness, swelling and pain (0–10) by treatment
//! day, drawn over the expected redness band read from the protocol's own triage rules
//! (`Protocol::expected_ceiling`: "fading by day 5"), with urgent and routine check-ins marked.
//! Server-rendered SVG (plotters' SVG backend), with a `<title>` and `<desc>` for screen
//! readers; the page also prints the same numbers as a table.

use plotters::prelude::*;
use shared::care::check_ins::CheckIn;
use shared::domain::Severity;
use shared::protocol::Protocol;

/// Days shown at least (the first two weeks hold the whole expected-healing timeline).
const MIN_DAYS: i32 = 14;
const WIDTH: u32 = 760;
const HEIGHT: u32 = 330;

const REDNESS: RGBColor = RGBColor(200, 30, 45);
const SWELLING: RGBColor = RGBColor(30, 100, 200);
const PAIN: RGBColor = RGBColor(120, 60, 160);
const BAND: RGBColor = RGBColor(40, 150, 80);
const URGENT: RGBColor = RGBColor(170, 0, 0);
const ROUTINE: RGBColor = RGBColor(215, 130, 0);

/// A plotted score: its legend label, colour and value.
type Series = (&'static str, RGBColor, fn(&Point) -> i32);

/// One plotted check-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub day: i32,
    pub redness: i32,
    pub swelling: i32,
    pub pain: i32,
    pub severity: Severity,
}

/// The check-ins that have a treatment day, oldest day first.
pub fn points(check_ins: &[CheckIn]) -> Vec<Point> {
    let mut out: Vec<Point> = check_ins
        .iter()
        .filter_map(|c| {
            Some(Point {
                day: c.day?,
                redness: c.redness,
                swelling: c.swelling,
                pain: c.pain,
                severity: c.severity,
            })
        })
        .collect();
    out.sort_by_key(|p| p.day);
    out
}

/// The expected redness ceiling for days `0..=last`.
pub fn band(protocol: &Protocol, last: i32) -> Vec<(i32, i32)> {
    (0..=last)
        .map(|d| (d, protocol.expected_ceiling(d).redness))
        .collect()
}

/// The band as a step outline: a day's ceiling holds from that day until the next, so the
/// drop on day 5 is drawn at day 5, not as a slope from day 4.
fn steps(band: &[(i32, i32)]) -> Vec<(i32, i32)> {
    let mut out = Vec::with_capacity(band.len() * 2);
    for (i, &(day, ceiling)) in band.iter().enumerate() {
        if let Some(&(_, before)) = i.checked_sub(1).and_then(|j| band.get(j)) {
            if before != ceiling {
                out.push((day, before));
            }
        }
        out.push((day, ceiling));
    }
    out
}

/// The last day the chart shows.
pub fn last_day(points: &[Point]) -> i32 {
    points
        .iter()
        .map(|p| p.day)
        .max()
        .unwrap_or(0)
        .max(MIN_DAYS)
}

/// What the chart shows, in words (its `<desc>`).
pub fn describe(points: &[Point], band: &[(i32, i32)]) -> String {
    let urgent = points
        .iter()
        .filter(|p| p.severity == Severity::Urgent)
        .count();
    let routine = points
        .iter()
        .filter(|p| p.severity == Severity::Routine)
        .count();
    let fades = band
        .windows(2)
        .find(|w| w[1].1 < w[0].1)
        .map(|w| {
            format!(
                " The expected redness ceiling drops from {} to {} on day {}.",
                w[0].1, w[1].1, w[1].0
            )
        })
        .unwrap_or_default();
    match (points.first(), points.last()) {
        (Some(first), Some(last)) => format!(
            "Redness, swelling and pain from {} check-ins, day {} to day {}, on a 0 to 10 scale.{fades} {urgent} urgent and {routine} routine check-ins are marked.",
            points.len(),
            first.day,
            last.day,
        ),
        _ => format!("No check-ins with a treatment day yet.{fades}"),
    }
}

/// The chart as an SVG document (no XML prolog), labelled by `title` and `desc`.
pub fn svg(
    points: &[Point],
    band: &[(i32, i32)],
    title: &str,
    desc: &str,
) -> Result<String, String> {
    let last = band.last().map_or(MIN_DAYS, |b| b.0);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(36)
            .build_cartesian_2d(0i32..last, 0i32..10)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("Treatment day")
            .y_desc("Score (0-10)")
            .x_labels(last.min(20) as usize)
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(
                AreaSeries::new(steps(band), 0, BAND.mix(0.18)).border_style(BAND.mix(0.6)),
            )
            .map_err(|e| e.to_string())?
            .label("Expected redness")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], BAND.mix(0.3).filled()));
        let series: [Series; 3] = [
            ("Redness", REDNESS, |p| p.redness),
            ("Swelling", SWELLING, |p| p.swelling),
            ("Pain", PAIN, |p| p.pain),
        ];
        for (label, color, value) in series {
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|p| (p.day, value(p))),
                    color.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new((p.day, value(p)), 3, color.filled())),
                )
                .map_err(|e| e.to_string())?;
        }
        for (label, severity, color) in [
            ("Urgent check-in", Severity::Urgent, URGENT),
            ("Routine check-in", Severity::Routine, ROUTINE),
        ] {
            let marked: Vec<&Point> = points.iter().filter(|p| p.severity == severity).collect();
            chart
                .draw_series(
                    marked
                        .iter()
                        .map(|p| TriangleMarker::new((p.day, p.redness), 9, color.filled())),
                )
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(move |(x, y)| TriangleMarker::new((x + 9, y), 7, color.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(180, 180, 180))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(label(&out, title, desc))
}

/// Makes the SVG an image with a title and a description for assistive technology.
fn label(svg: &str, title: &str, desc: &str) -> String {
    let Some(open_end) = svg.find('>') else {
        return svg.to_owned();
    };
    let (open, rest) = svg.split_at(open_end);
    format!(
        "{open} role=\"img\" aria-labelledby=\"chart-title chart-desc\" class=\"chart\"><title id=\"chart-title\">{}</title><desc id=\"chart-desc\">{}</desc>{}",
        escape(title),
        escape(desc),
        &rest[1..]
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_band_fades_by_day_five_and_the_svg_is_labelled() {
        let protocol = Protocol::builtin().unwrap();
        let band = band(&protocol, MIN_DAYS);
        assert_eq!(band[0].1, 10);
        assert_eq!(band[4].1, 10);
        assert_eq!(band[5].1, 5);
        let pts = vec![
            Point {
                day: 1,
                redness: 7,
                swelling: 4,
                pain: 3,
                severity: Severity::None,
            },
            Point {
                day: 6,
                redness: 8,
                swelling: 2,
                pain: 2,
                severity: Severity::Routine,
            },
        ];
        let desc = describe(&pts, &band);
        assert!(desc.contains("drops from 10 to 5 on day 5"), "{desc}");
        let svg = svg(&pts, &band, "Recovery <chart>", &desc).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("<title id=\"chart-title\">Recovery &lt;chart&gt;</title>"));
        assert!(svg.contains("role=\"img\""));
        assert!(!svg.contains("style="), "inline styles would break the CSP");
    }
}
