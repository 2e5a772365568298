//! How check-ins are marked on the chart: a shape per severity, urgent drawn last, and the
//! check-ins of one day spread side by side.

use shared::domain::Severity;

use super::Point;

/// The shape a check-in is marked with: never colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Dot,
    Square,
    Triangle,
}

/// A check-in's shape by its severity.
pub fn shape(severity: Severity) -> Shape {
    match severity {
        Severity::None => Shape::Dot,
        Severity::Routine => Shape::Square,
        Severity::Urgent => Shape::Triangle,
    }
}

/// Draw order: later is on top.
fn rank(severity: Severity) -> u8 {
    match severity {
        Severity::None => 0,
        Severity::Routine => 1,
        Severity::Urgent => 2,
    }
}

/// A check-in's mark on the redness line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    /// The treatment day, moved aside when the day has more than one check-in.
    pub x: f64,
    pub redness: i32,
    pub severity: Severity,
}

/// Where each point is drawn across: its day, spread around it when a day has several
/// check-ins (in their order), so none sits on another.
pub fn xs(points: &[Point]) -> Vec<f64> {
    points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let same = points.iter().filter(|q| q.day == p.day).count();
            let nth = points[..i].iter().filter(|q| q.day == p.day).count();
            if same < 2 {
                return f64::from(p.day);
            }
            let step = (0.8 / (same - 1) as f64).min(0.3);
            f64::from(p.day) + (nth as f64 - (same - 1) as f64 / 2.0) * step
        })
        .collect()
}

/// The check-ins' marks in draw order: none, then routine, then urgent (on top).
pub fn marks(points: &[Point]) -> Vec<Mark> {
    let mut out: Vec<Mark> = points
        .iter()
        .zip(xs(points))
        .map(|(p, x)| Mark {
            x,
            redness: p.redness,
            severity: p.severity,
        })
        .collect();
    out.sort_by_key(|m| rank(m.severity));
    out
}
