//! SVG plots with plotters (SVG backend only: text is written as `<text>` elements, no fonts
//! needed to draw; `rsvg-convert` renders the PNG copies). Each plot stands on its own: a title
//! that says what it shows, axes with units, and a legend that covers no data.

mod counts;
mod gantt;
mod heatmap;
mod lines;

pub use counts::counts;
pub use gantt::{gantt, Bar, Marks};
pub use heatmap::heatmap;
pub use lines::{lines, size_lines, SizeSeries};

use plotters::prelude::*;
use std::path::Path;

/// Colours of successive series (the "tab10" palette).
const COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

/// Series colour `i`.
fn color(i: usize) -> RGBColor {
    COLORS[i % COLORS.len()]
}

/// A plotters error as a message.
fn e<E: std::fmt::Debug>(x: E) -> String {
    format!("plot: {x:?}")
}

/// Creates the directory `path` goes in.
fn prepare(path: &Path) -> crate::Result<()> {
    if let Some(d) = path.parent() {
        if !d.as_os_str().is_empty() {
            std::fs::create_dir_all(d).map_err(|x| format!("{}: {x}", d.display()))?;
        }
    }
    Ok(())
}

/// One axis of a plot: its description (with unit) and range.
#[derive(Clone, Copy)]
pub struct Axis<'a> {
    /// Description.
    pub label: &'a str,
    /// `(min, max)`.
    pub range: (f64, f64),
}

/// Scatter plot (points of each named group) with reference lines y = f x, the legend in the
/// upper left (where measured <= predicted data never goes).
pub fn scatter(
    path: &Path,
    title: &str,
    x_axis: Axis,
    y_axis: Axis,
    groups: &[(String, Vec<(f64, f64)>)],
    refs: &[(String, f64)],
) -> crate::Result<()> {
    let (x, y) = (x_axis.range, y_axis.range);
    prepare(path)?;
    let root = SVGBackend::new(path, (640, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let mut c = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)
        .map_err(e)?;
    c.configure_mesh()
        .x_desc(x_axis.label)
        .y_desc(y_axis.label)
        .draw()
        .map_err(e)?;
    for (i, (name, f)) in refs.iter().enumerate() {
        let col = RGBColor(120, 120, 120).mix(if i == 0 { 0.9 } else { 0.5 });
        let f = *f;
        c.draw_series(LineSeries::new(
            [(x.0, f * x.0), (x.1, f * x.1)],
            col.stroke_width(1),
        ))
        .map_err(e)?
        .label(name.as_str())
        .legend(move |(a, b)| PathElement::new(vec![(a, b), (a + 16, b)], col));
    }
    for (i, (name, pts)) in groups.iter().enumerate() {
        let col = color(i);
        c.draw_series(
            pts.iter()
                .map(|&p| Circle::new(p, 4, col.mix(0.6).filled())),
        )
        .map_err(e)?
        .label(name.as_str())
        .legend(move |(a, b)| Circle::new((a + 8, b), 4, col.filled()));
    }
    c.configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}
