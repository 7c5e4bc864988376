//! Counts of whole-number pairs: how many faults had each (predicted, observed) number of
//! deadline misses. Every point sits exactly on its pair (no jitter); its circle's area and its
//! label give how many faults it stands for.

use super::{e, prepare, Axis};
use plotters::prelude::*;
use std::path::Path;

/// Circles at whole-number `(x, y)` pairs, area growing with the count, labelled with it, and
/// the diagonal y = x. `key` (drawn under the title, clear of the data) says how to read it.
pub fn counts(
    path: &Path,
    title: &str,
    key: &str,
    x_label: &str,
    y_label: &str,
    pairs: &[((u64, u64), usize)],
) -> crate::Result<()> {
    let top = pairs
        .iter()
        .map(|&((x, y), _)| x.max(y))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let range = (-0.5, top + 0.5);
    let (x_axis, y_axis) = (
        Axis {
            label: x_label,
            range,
        },
        Axis {
            label: y_label,
            range,
        },
    );
    prepare(path)?;
    let root = SVGBackend::new(path, (600, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let (head, body) = root.split_vertically(56);
    head.draw(&Text::new(title, (20, 10), ("sans-serif", 18)))
        .map_err(e)?;
    head.draw(&Text::new(
        key,
        (20, 34),
        ("sans-serif", 13).into_font().color(&RGBColor(80, 80, 80)),
    ))
    .map_err(e)?;
    let mut c = ChartBuilder::on(&body)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(
            x_axis.range.0..x_axis.range.1,
            y_axis.range.0..y_axis.range.1,
        )
        .map_err(e)?;
    let whole = |v: &f64| {
        if (v - v.round()).abs() < 1e-6 && *v >= 0.0 {
            format!("{}", v.round())
        } else {
            String::new()
        }
    };
    c.configure_mesh()
        .disable_mesh()
        .x_desc(x_axis.label)
        .y_desc(y_axis.label)
        .x_labels(top as usize + 2)
        .y_labels(top as usize + 2)
        .x_label_formatter(&whole)
        .y_label_formatter(&whole)
        .draw()
        .map_err(e)?;
    c.draw_series(LineSeries::new(
        [(range.0, range.0), (range.1, range.1)],
        RGBColor(150, 150, 150).stroke_width(1),
    ))
    .map_err(e)?;
    let blue = RGBColor(31, 119, 180);
    c.draw_series(pairs.iter().map(|&((x, y), count)| {
        let radius = (5.0 + 4.0 * (count as f64).sqrt()).min(40.0) as i32;
        EmptyElement::at((x as f64, y as f64))
            + Circle::new((0, 0), radius, blue.mix(0.5).filled())
            + Circle::new((0, 0), radius, blue.stroke_width(1))
            + Text::new(
                format!("{count}"),
                (radius + 4, -radius - 4),
                ("sans-serif", 14).into_font(),
            )
    }))
    .map_err(e)?;
    root.present().map_err(e)
}
