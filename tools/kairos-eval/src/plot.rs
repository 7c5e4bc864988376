//! SVG plots with plotters (SVG backend only: text is written as <text> elements, no fonts).

use plotters::prelude::*;
use std::path::Path;

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

fn e<E: std::fmt::Debug>(x: E) -> String {
    format!("plot: {x:?}")
}

fn prepare(path: &Path) -> crate::Result<()> {
    if let Some(d) = path.parent() {
        if !d.as_os_str().is_empty() {
            std::fs::create_dir_all(d).map_err(|x| format!("{}: {x}", d.display()))?;
        }
    }
    Ok(())
}

/// Line plot of named series.
pub fn lines(
    path: &Path,
    title: &str,
    xd: &str,
    yd: &str,
    series: &[(String, Vec<(f64, f64)>)],
    x: (f64, f64),
    y: (f64, f64),
) -> crate::Result<()> {
    prepare(path)?;
    let root = SVGBackend::new(path, (640, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let mut c = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)
        .map_err(e)?;
    c.configure_mesh().x_desc(xd).y_desc(yd).draw().map_err(e)?;
    for (i, (name, pts)) in series.iter().enumerate() {
        let col = COLORS[i % COLORS.len()];
        c.draw_series(LineSeries::new(pts.iter().copied(), col.stroke_width(2)))
            .map_err(e)?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], col.stroke_width(2)));
    }
    c.configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}

/// One axis of a plot: its description and range.
#[derive(Clone, Copy)]
pub struct Axis<'a> {
    /// Description.
    pub label: &'a str,
    /// `(min, max)`.
    pub range: (f64, f64),
}

/// Scatter plot (points of each named group) with reference lines y = f x.
pub fn scatter(
    path: &Path,
    title: &str,
    x_axis: Axis,
    y_axis: Axis,
    groups: &[(String, Vec<(f64, f64)>)],
    refs: &[(String, f64)],
) -> crate::Result<()> {
    let (xd, yd, x, y) = (x_axis.label, y_axis.label, x_axis.range, y_axis.range);
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
    c.configure_mesh().x_desc(xd).y_desc(yd).draw().map_err(e)?;
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
        let col = COLORS[i % COLORS.len()];
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

/// Heat map of `grid[row][col]` = A/D (None: not schedulable). Rows top to bottom.
pub fn heatmap(
    path: &Path,
    title: &str,
    xd: &str,
    yd: &str,
    xl: &[String],
    yl: &[String],
    grid: &[Vec<Option<f64>>],
) -> crate::Result<()> {
    prepare(path)?;
    let root = SVGBackend::new(path, (760, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let (nx, ny) = (xl.len(), yl.len());
    let xl2 = xl.to_vec();
    let yl2 = yl.to_vec();
    let mut c = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 15))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0f64..nx as f64, 0f64..ny as f64)
        .map_err(e)?;
    c.configure_mesh()
        .disable_mesh()
        .x_desc(xd)
        .y_desc(yd)
        .x_labels(nx + 1)
        .y_labels(ny + 1)
        .x_label_formatter(&|v| xl2.get(v.floor() as usize).cloned().unwrap_or_default())
        .y_label_formatter(&|v| {
            yl2.get(ny.saturating_sub(1 + v.floor() as usize))
                .cloned()
                .unwrap_or_default()
        })
        .draw()
        .map_err(e)?;
    for (r, row) in grid.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            let y0 = (ny - 1 - r) as f64;
            let color = match cell {
                None => RGBColor(200, 200, 200),
                Some(v) if *v >= 1.0 => {
                    let s = (v.log10() / 2.0).clamp(0.0, 1.0);
                    RGBColor(
                        (170.0 - 150.0 * s) as u8,
                        (220.0 - 80.0 * s) as u8,
                        (170.0 - 150.0 * s) as u8,
                    )
                }
                Some(v) => {
                    let s = (-(v.max(1e-3)).log10() / 2.0).clamp(0.0, 1.0);
                    RGBColor(
                        (240.0 - 40.0 * s) as u8,
                        (170.0 - 150.0 * s) as u8,
                        (160.0 - 140.0 * s) as u8,
                    )
                }
            };
            c.draw_series(std::iter::once(Rectangle::new(
                [(col as f64, y0), (col as f64 + 1.0, y0 + 1.0)],
                color.filled(),
            )))
            .map_err(e)?;
        }
    }
    root.present().map_err(e)
}

/// A bar on the timeline: row (core), start and end (ms), colour index, label.
pub struct Bar {
    pub row: usize,
    pub start: f64,
    pub end: f64,
    pub color: usize,
    pub label: String,
}

/// Point events on a timeline, `(row, time)` each.
pub struct Marks<'a> {
    /// Deadline misses.
    pub misses: &'a [(usize, f64)],
    /// Faults.
    pub faults: &'a [(usize, f64)],
}

/// Gantt-style timeline: VM bars per core, blackouts (red, hatched band) and miss markers.
pub fn gantt(
    path: &Path,
    title: &str,
    rows: usize,
    bars: &[Bar],
    blackouts: &[Bar],
    marks: Marks,
    t_end: f64,
) -> crate::Result<()> {
    let (misses, faults) = (marks.misses, marks.faults);
    prepare(path)?;
    let root = SVGBackend::new(path, (900, 120 + 60 * rows as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let mut c = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..t_end, 0f64..rows as f64)
        .map_err(e)?;
    c.configure_mesh()
        .disable_y_mesh()
        .x_desc("time (ms)")
        .y_labels(rows * 2 + 1)
        .y_label_formatter(&|v| {
            let f = v.fract();
            if (f - 0.5).abs() < 0.01 {
                format!("core {}", v.floor() as usize)
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(e)?;
    for b in bars {
        let col = COLORS[b.color % COLORS.len()];
        let y = b.row as f64;
        c.draw_series(std::iter::once(Rectangle::new(
            [(b.start, y + 0.2), (b.end, y + 0.8)],
            col.mix(0.7).filled(),
        )))
        .map_err(e)?;
        c.draw_series(std::iter::once(Text::new(
            b.label.clone(),
            (b.start + 0.3, y + 0.75),
            ("sans-serif", 12).into_font().color(&WHITE),
        )))
        .map_err(e)?;
    }
    for b in blackouts {
        let y = b.row as f64;
        c.draw_series(std::iter::once(Rectangle::new(
            [(b.start, y + 0.1), (b.end.max(b.start + 0.05), y + 0.9)],
            RED.mix(0.45).filled(),
        )))
        .map_err(e)?;
        c.draw_series(std::iter::once(Text::new(
            b.label.clone(),
            (b.end + 0.3, y + 0.95),
            ("sans-serif", 11).into_font().color(&RED),
        )))
        .map_err(e)?;
    }
    c.draw_series(
        faults
            .iter()
            .map(|&(r, t)| Cross::new((t, r as f64 + 0.5), 7, BLACK.stroke_width(2))),
    )
    .map_err(e)?
    .label("fault injected")
    .legend(|(a, b)| Cross::new((a + 8, b), 5, BLACK.stroke_width(2)));
    c.draw_series(
        misses
            .iter()
            .map(|&(r, t)| TriangleMarker::new((t, r as f64 + 0.15), 6, RED.filled())),
    )
    .map_err(e)?
    .label("deadline miss")
    .legend(|(a, b)| TriangleMarker::new((a + 8, b), 5, RED.filled()));
    c.draw_series(std::iter::once(Rectangle::new(
        [(0.0, -1.0), (0.0, -1.0)],
        RED.mix(0.45).filled(),
    )))
    .map_err(e)?
    .label("blackout (checkpoint -> resume)")
    .legend(|(a, b)| Rectangle::new([(a, b - 4), (a + 16, b + 4)], RED.mix(0.45).filled()));
    c.configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}
