//! The recovery chart on the patient record: redness, swelling and pain (0–10) by treatment
//! day, drawn over the expected redness band read from the protocol's own triage rules
//! (`Protocol::expected_ceiling`: "fading by day 5"), with urgent and routine check-ins marked.
//! Server-rendered SVG (plotters' SVG backend), with a `<title>` and `<desc>` for screen
//! readers; the page also prints the same numbers as a table.
//!
//! Every check-in stays visible: each severity has a shape of its own (a dot for none, a square
//! for routine, a triangle for urgent), the marks are drawn none, then routine, then urgent, so
//! an urgent mark is always on top, and check-ins of the same day stand side by side.
//! Two drawings are made, one wide and one narrow for phones (the stylesheet shows one): an SVG
//! scales with its box, and the wide one's text would shrink to a few pixels on a phone.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use shared::care::check_ins::CheckIn;
use shared::domain::Severity;
use shared::protocol::Protocol;

use super::strings::Strings;

mod marks;
pub use marks::{Mark, Shape, marks, shape, xs};

/// Days shown at least (the first two weeks hold the whole expected-healing timeline).
const MIN_DAYS: i32 = 14;

const REDNESS: RGBColor = RGBColor(200, 30, 45);
const SWELLING: RGBColor = RGBColor(30, 100, 200);
const PAIN: RGBColor = RGBColor(120, 60, 160);
const BAND: RGBColor = RGBColor(40, 150, 80);
const URGENT: RGBColor = RGBColor(170, 0, 0);
const ROUTINE: RGBColor = RGBColor(190, 110, 0);
const INK: RGBColor = RGBColor(29, 36, 48);

/// One of the two drawings: its size in SVG units and its text size (`font-size`) in the same
/// units.
struct Variant {
    class: &'static str,
    id_suffix: &'static str,
    width: u32,
    plot_height: u32,
    font: u32,
    /// Most day labels on the x axis.
    x_labels: usize,
}

/// Shown up to 980 px wide on a desktop, from about 670 px on a tablet (text ≥ 12 px).
const WIDE: Variant = Variant {
    class: "chart wide",
    id_suffix: "",
    width: 760,
    plot_height: 320,
    font: 14,
    x_labels: 20,
};

/// Shown on phones, about 350 px wide at 390 px (text about 14.5 px).
const NARROW: Variant = Variant {
    class: "chart narrow",
    id_suffix: "-narrow",
    width: 360,
    plot_height: 300,
    font: 15,
    x_labels: 8,
};

const LEGEND_ROW: u32 = 24;

/// A plotted score: its legend label, colour and value.
type Series<'a> = (&'a str, RGBColor, fn(&Point) -> i32);

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
fn steps(band: &[(i32, i32)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(band.len() * 2);
    for (i, &(day, ceiling)) in band.iter().enumerate() {
        if let Some(&(_, before)) = i.checked_sub(1).and_then(|j| band.get(j)) {
            if before != ceiling {
                out.push((f64::from(day), f64::from(before)));
            }
        }
        out.push((f64::from(day), f64::from(ceiling)));
    }
    if let Some(&(day, ceiling)) = band.last() {
        out.push((f64::from(day) + 0.5, f64::from(ceiling)));
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

/// What the chart shows, in words (its `<desc>`), in the page's language.
pub fn describe(points: &[Point], band: &[(i32, i32)], t: &Strings) -> String {
    let count = |s: Severity| points.iter().filter(|p| p.severity == s).count();
    let fades = band
        .windows(2)
        .find(|w| w[1].1 < w[0].1)
        .map(|w| {
            let args = [
                ("from", w[0].1.into()),
                ("to", w[1].1.into()),
                ("day", w[1].0.into()),
            ];
            format!(" {}", t.fmt("chart_desc_band", &args))
        })
        .unwrap_or_default();
    match (points.first(), points.last()) {
        (Some(first), Some(last)) => {
            let scores = t.fmt(
                "chart_desc",
                &[
                    ("count", points.len().into()),
                    ("first", first.day.into()),
                    ("last", last.day.into()),
                ],
            );
            let marked = t.fmt(
                "chart_desc_marks",
                &[
                    ("urgent", count(Severity::Urgent).into()),
                    ("routine", count(Severity::Routine).into()),
                ],
            );
            format!("{scores}{fades} {marked}")
        }
        _ => format!("{}{fades}", t.chart_desc_empty),
    }
}

/// The chart as two SVG documents (no XML prolog), wide then narrow, each labelled by the
/// chart's title and `desc`.
pub fn svg(
    points: &[Point],
    band: &[(i32, i32)],
    t: &Strings,
    desc: &str,
) -> Result<String, String> {
    let mut out = String::new();
    for variant in [&WIDE, &NARROW] {
        out.push_str(&label(
            &draw(points, band, t, variant)?,
            variant,
            t.chart_title,
            desc,
        ));
    }
    Ok(out)
}

/// An entry of the legend, drawn below the plot so it never covers a check-in.
enum Key {
    Band,
    Line(RGBColor),
    Mark(Shape),
}

fn draw(points: &[Point], band: &[(i32, i32)], t: &Strings, v: &Variant) -> Result<String, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let last = f64::from(band.last().map_or(MIN_DAYS, |b| b.0));
    let series: [Series; 3] = [
        (t.redness, REDNESS, |p| p.redness),
        (t.swelling, SWELLING, |p| p.swelling),
        (t.pain, PAIN, |p| p.pain),
    ];
    let keys: [(Key, &str); 6] = [
        (Key::Band, t.expected_redness),
        (Key::Line(REDNESS), t.redness),
        (Key::Line(SWELLING), t.swelling),
        (Key::Line(PAIN), t.pain),
        (Key::Mark(Shape::Square), t.chart_routine),
        (Key::Mark(Shape::Triangle), t.chart_urgent),
    ];
    let places = legend_places(&keys.iter().map(|k| k.1).collect::<Vec<_>>(), v);
    let legend_rows = places.iter().map(|p| p.1 + 1).max().unwrap_or(0);
    let height = v.plot_height + legend_rows * LEGEND_ROW + 12;
    // Plotters writes a text's `font-size` as its size / 1.24.
    let font = f64::from(v.font) * 1.24;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (v.width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let (plot, legend) = root.split_vertically(v.plot_height);
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(14)
            .x_label_area_size(v.font * 3)
            .y_label_area_size(v.font * 3)
            .build_cartesian_2d(-0.5f64..last + 0.5, 0f64..10.6)
            .map_err(|e| err(&e))?;
        let whole = |x: &f64| {
            if (x - x.round()).abs() < 1e-6 {
                format!("{}", x.round() as i64)
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_desc(t.chart_x_axis)
            .y_desc(t.chart_y_axis)
            .x_labels(v.x_labels.min(last as usize + 1))
            .y_labels(6)
            .x_label_formatter(&whole)
            .y_label_formatter(&whole)
            .label_style(("sans-serif", font).into_font().color(&INK))
            .axis_desc_style(("sans-serif", font).into_font().color(&INK))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| err(&e))?;
        chart
            .draw_series(
                AreaSeries::new(steps(band), 0.0, BAND.mix(0.18)).border_style(BAND.mix(0.6)),
            )
            .map_err(|e| err(&e))?;
        let xs = xs(points);
        for (_, color, value) in series {
            let line: Vec<(f64, f64)> = points
                .iter()
                .zip(&xs)
                .map(|(p, &x)| (x, f64::from(value(p))))
                .collect();
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))
                .map_err(|e| err(&e))?;
            chart
                .draw_series(
                    line.into_iter()
                        .map(|at| Circle::new(at, 3, color.filled())),
                )
                .map_err(|e| err(&e))?;
        }
        // Routine then urgent, so an urgent mark is never under a routine one.
        for m in marks(points) {
            let at = (m.x, f64::from(m.redness));
            match shape(m.severity) {
                Shape::Dot => {}
                Shape::Square => {
                    let mark = EmptyElement::at(at)
                        + Rectangle::new(SQUARE, ROUTINE.filled())
                        + Rectangle::new(SQUARE, WHITE.stroke_width(1));
                    chart.draw_series([mark]).map_err(|e| err(&e))?;
                }
                Shape::Triangle => {
                    let mark = EmptyElement::at(at)
                        + Polygon::new(TRIANGLE.to_vec(), URGENT.filled())
                        + PathElement::new(
                            [TRIANGLE.as_slice(), &TRIANGLE[..1]].concat(),
                            WHITE.stroke_width(1),
                        );
                    chart.draw_series([mark]).map_err(|e| err(&e))?;
                }
            }
        }
        for ((key, name), &(x, row)) in keys.iter().zip(&places) {
            let y = 10 + row * LEGEND_ROW + LEGEND_ROW / 2;
            let (x, y) = (x as i32, y as i32);
            match key {
                Key::Band => legend.draw(&Rectangle::new(
                    [(x, y - 6), (x + 20, y + 6)],
                    BAND.mix(0.3).filled(),
                )),
                Key::Line(color) => legend.draw(&PathElement::new(
                    vec![(x, y), (x + 20, y)],
                    color.stroke_width(2),
                )),
                Key::Mark(Shape::Square) => legend.draw(&square_at((x + 10, y))),
                Key::Mark(_) => legend.draw(&triangle_at((x + 10, y))),
            }
            .map_err(|e| err(&e))?;
            let style = ("sans-serif", font)
                .into_font()
                .color(&INK)
                .pos(Pos::new(HPos::Left, VPos::Center));
            legend
                .draw_text(name, &style, (x + 28, y))
                .map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))?;
    }
    Ok(out)
}

/// Where each legend entry goes (x, row): entries flow left to right and wrap before one
/// would pass the right edge (text width estimated from its length).
fn legend_places(names: &[&str], v: &Variant) -> Vec<(u32, u32)> {
    let mut out = Vec::with_capacity(names.len());
    let (mut x, mut row) = (10, 0);
    for name in names {
        let wide = 28 + (name.chars().count() as f64 * f64::from(v.font) * 0.6).ceil() as u32;
        if x > 10 && x + wide > v.width - 10 {
            x = 10;
            row += 1;
        }
        out.push((x, row));
        x += wide + 18;
    }
    out
}

/// The square of a routine check-in and the triangle of an urgent one, in pixels around their
/// point; each with a white edge, so a mark stands out from the lines under it.
const SQUARE: [(i32, i32); 2] = [(-6, -6), (6, 6)];
const TRIANGLE: [(i32, i32); 3] = [(0, -9), (-9, 7), (9, 7)];

fn square_at(at: (i32, i32)) -> Rectangle<(i32, i32)> {
    Rectangle::new(
        [
            (at.0 + SQUARE[0].0, at.1 + SQUARE[0].1),
            (at.0 + SQUARE[1].0, at.1 + SQUARE[1].1),
        ],
        ROUTINE.filled(),
    )
}

fn triangle_at(at: (i32, i32)) -> Polygon<(i32, i32)> {
    Polygon::new(
        TRIANGLE
            .iter()
            .map(|&(dx, dy)| (at.0 + dx, at.1 + dy))
            .collect::<Vec<_>>(),
        URGENT.filled(),
    )
}

/// Makes the SVG an image with a title and a description for assistive technology.
fn label(svg: &str, v: &Variant, title: &str, desc: &str) -> String {
    let Some(open_end) = svg.find('>') else {
        return svg.to_owned();
    };
    let (open, rest) = svg.split_at(open_end);
    let s = v.id_suffix;
    format!(
        "{open} role=\"img\" aria-labelledby=\"chart-title{s} chart-desc{s}\" class=\"{}\"><title id=\"chart-title{s}\">{}</title><desc id=\"chart-desc{s}\">{}</desc>{}",
        v.class,
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
mod tests;
