//! The chart's draw order, shapes, same-day spacing and text sizes.

use super::super::strings::{Lang, strings};
use super::marks::{Shape, marks, shape, xs};
use super::*;

fn point(day: i32, redness: i32, severity: Severity) -> Point {
    Point {
        day,
        redness,
        swelling: 2,
        pain: 2,
        severity,
    }
}

#[test]
fn the_band_fades_by_day_five_and_the_svg_is_labelled() {
    let protocol = Protocol::builtin().unwrap();
    let band = band(&protocol, MIN_DAYS);
    assert_eq!(band[0].1, 10);
    assert_eq!(band[4].1, 10);
    assert_eq!(band[5].1, 5);
    let pts = vec![point(1, 7, Severity::None), point(6, 8, Severity::Routine)];
    let mut t = strings(Lang::En);
    let desc = describe(&pts, &band, t);
    assert!(desc.contains("drops from 10 to 5 on day 5"), "{desc}");
    assert!(desc.contains("0 urgent check-ins"), "{desc}");
    let svg = svg(&pts, &band, t, "Recovery <chart>").unwrap();
    assert!(svg.starts_with("<svg"));
    assert_eq!(
        svg.matches("<svg").count(),
        2,
        "a wide and a narrow drawing"
    );
    assert!(svg.contains("<desc id=\"chart-desc\">Recovery &lt;chart&gt;</desc>"));
    assert!(svg.contains("<desc id=\"chart-desc-narrow\">"));
    assert!(svg.contains("class=\"chart wide\""));
    assert!(svg.contains("class=\"chart narrow\""));
    assert!(svg.contains("role=\"img\""));
    assert!(!svg.contains("style="), "inline styles would break the CSP");
    t = strings(Lang::Es);
    let es = super::svg(&pts, &band, t, "").unwrap();
    assert!(es.contains("Día de tratamiento") && es.contains("Control urgente"));
    assert!(describe(&pts, &band, t).contains("baja de 10 a 5 el día 5"));
}

#[test]
fn urgent_marks_are_drawn_last_and_every_severity_has_its_own_shape() {
    let pts = vec![
        point(3, 6, Severity::Routine),
        point(6, 8, Severity::Urgent),
        point(6, 8, Severity::Routine),
        point(6, 8, Severity::None),
        point(9, 2, Severity::None),
    ];
    let order: Vec<Severity> = marks(&pts).iter().map(|m| m.severity).collect();
    assert_eq!(
        order,
        [
            Severity::None,
            Severity::None,
            Severity::Routine,
            Severity::Routine,
            Severity::Urgent
        ]
    );
    let shapes = [Severity::None, Severity::Routine, Severity::Urgent].map(shape);
    assert_eq!(shapes, [Shape::Dot, Shape::Square, Shape::Triangle]);
}

#[test]
fn check_ins_of_one_day_stand_side_by_side() {
    let pts = vec![
        point(2, 5, Severity::None),
        point(6, 8, Severity::Urgent),
        point(6, 8, Severity::Routine),
        point(6, 8, Severity::None),
    ];
    let xs = xs(&pts);
    assert_eq!(xs[0], 2.0, "a day with one check-in keeps its place");
    let day6 = &xs[1..];
    for (i, a) in day6.iter().enumerate() {
        assert!((a - 6.0).abs() <= 0.4, "{a} stays within its day");
        for b in &day6[i + 1..] {
            assert!((a - b).abs() >= 0.25, "{a} and {b} overlap");
        }
    }
    // Two check-ins of the same day both get marks, at different places.
    let m = marks(&pts[1..3]);
    assert_eq!(m.len(), 2);
    assert_ne!(m[0].x, m[1].x);
}

#[test]
fn in_the_svg_the_urgent_mark_comes_after_the_routine_one_on_the_same_spot() {
    let protocol = Protocol::builtin().unwrap();
    let band = band(&protocol, MIN_DAYS);
    // Listed urgent first: the drawing still puts it on top.
    let pts = vec![
        point(6, 8, Severity::Urgent),
        point(6, 8, Severity::Routine),
    ];
    let out = svg(&pts, &band, strings(Lang::En), "").unwrap();
    let wide = &out[..out[1..].find("<svg").unwrap()];
    let urgent = format!("fill=\"#{:02X}{:02X}{:02X}\"", URGENT.0, URGENT.1, URGENT.2);
    let routine = format!(
        "fill=\"#{:02X}{:02X}{:02X}\"",
        ROUTINE.0, ROUTINE.1, ROUTINE.2
    );
    let (u, r) = (wide.find(&urgent), wide.find(&routine));
    assert!(u.is_some() && r.is_some(), "both marks are drawn");
    assert!(u > r, "the urgent mark is drawn over the routine one");
}

#[test]
fn the_narrow_drawing_keeps_its_text_large() {
    let protocol = Protocol::builtin().unwrap();
    let out = svg(&[], &band(&protocol, MIN_DAYS), strings(Lang::En), "").unwrap();
    let narrow = &out[out[1..].find("<svg").unwrap() + 1..];
    assert!(
        narrow.contains(&format!("viewBox=\"0 0 {} ", NARROW.width)),
        "{}",
        &narrow[..200]
    );
    let sizes: Vec<f64> = narrow
        .split("font-size=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().parse().unwrap())
        .collect();
    assert!(!sizes.is_empty());
    // Shown about 350 px wide on a 390-px phone: 15 units are about 14.5 px.
    assert!(sizes.iter().all(|&s| s >= 14.9), "{sizes:?}");
}
