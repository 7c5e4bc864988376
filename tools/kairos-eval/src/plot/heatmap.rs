//! The feasibility region as a heat map of A / D, with a colour scale: green where the
//! affordable downtime covers the migration downtime (no miss), red where it does not, grey
//! where the task set is not schedulable at all.

use super::{e, prepare};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// The colour of a cell: `None` (not schedulable) grey; A / D >= 1 green, darker the more slack
/// is left over; A / D < 1 red, darker the larger the shortfall (both saturate at a factor 100).
fn shade(ratio: Option<f64>) -> RGBColor {
    match ratio {
        None => RGBColor(200, 200, 200),
        Some(v) if v >= 1.0 => {
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
    }
}

/// Heat map of `grid[row][col]` = A / D (`None`: not schedulable), rows top to bottom, one
/// label per column (`xl`) and row (`yl`) at the cell's centre, and the colour scale beside it.
#[allow(clippy::too_many_arguments)]
pub fn heatmap(
    path: &Path,
    title: &str,
    key: &str,
    xd: &str,
    yd: &str,
    xl: &[String],
    yl: &[String],
    grid: &[Vec<Option<f64>>],
) -> crate::Result<()> {
    prepare(path)?;
    let root = SVGBackend::new(path, (860, 580)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let (head, body) = root.split_vertically(60);
    head.draw(&Text::new(title, (20, 10), ("sans-serif", 17)))
        .map_err(e)?;
    let grey = RGBColor(80, 80, 80);
    head.draw(&Text::new(
        key,
        (20, 36),
        ("sans-serif", 13).into_font().color(&grey),
    ))
    .map_err(e)?;
    let (map, scale) = body.split_horizontally(730);
    let (nx, ny) = (xl.len(), yl.len());
    let mut c = ChartBuilder::on(&map)
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..nx as f64, 0f64..ny as f64)
        .map_err(e)?;
    c.configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(xd)
        .y_desc(yd)
        .draw()
        .map_err(e)?;
    for (r, row) in grid.iter().enumerate() {
        let y0 = (ny - 1 - r) as f64;
        c.draw_series(row.iter().enumerate().map(|(col, cell)| {
            Rectangle::new(
                [(col as f64, y0), (col as f64 + 1.0, y0 + 1.0)],
                shade(*cell).filled(),
            )
        }))
        .map_err(e)?;
    }
    let font = ("sans-serif", 12).into_font();
    for (col, label) in xl.iter().enumerate() {
        let (x, y) = c.backend_coord(&(col as f64 + 0.5, 0.0));
        let style = TextStyle::from(font.clone()).pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(label.as_str(), (x, y + 6), style))
            .map_err(e)?;
    }
    for (r, label) in yl.iter().enumerate() {
        let (x, y) = c.backend_coord(&(0.0, (ny - 1 - r) as f64 + 0.5));
        let style = TextStyle::from(font.clone()).pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(label.as_str(), (x - 6, y), style))
            .map_err(e)?;
    }
    colour_scale(&root, &scale)?;
    root.present().map_err(e)
}

/// The colour scale in `area`: A / D from 0.01 to 100 on a log axis, and the grey of "not
/// schedulable". Free-standing marks go on `root`, in its (absolute) pixels.
fn colour_scale(
    root: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
) -> crate::Result<()> {
    let (_, height) = area.dim_in_pixel();
    let (bar, _) = area.split_vertically(height as i32 - 110);
    let mut c = ChartBuilder::on(&bar)
        .margin_top(24)
        .margin_right(70)
        .margin_left(40)
        .caption("A / D", ("sans-serif", 14))
        .build_cartesian_2d(0f64..1.0, (0.01f64..100.0).log_scale())
        .map_err(e)?;
    c.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .disable_y_axis()
        .draw()
        .map_err(e)?;
    let steps = 120;
    c.draw_series((0..steps).map(|i| {
        let low = 10f64.powf(-2.0 + 4.0 * i as f64 / steps as f64);
        let high = 10f64.powf(-2.0 + 4.0 * (i + 1) as f64 / steps as f64);
        Rectangle::new([(0.0, low), (1.0, high)], shade(Some(low)).filled())
    }))
    .map_err(e)?;
    let label =
        TextStyle::from(("sans-serif", 12).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    for value in [0.01, 0.1, 1.0, 10.0, 100.0] {
        let (x, y) = c.backend_coord(&(0.0, value));
        root.draw(&Text::new(format!("{value}"), (x - 5, y), label.clone()))
            .map_err(e)?;
    }
    // The boundary: A / D = 1, D = A.
    let (left, one) = c.backend_coord(&(0.0, 1.0));
    let (right, bottom) = c.backend_coord(&(1.0, 0.01));
    let note =
        TextStyle::from(("sans-serif", 12).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    root.draw(&PathElement::new(
        vec![(left, one), (right + 4, one)],
        BLACK.stroke_width(2),
    ))
    .map_err(e)?;
    root.draw(&Text::new("D = A", (right + 8, one), note.clone()))
        .map_err(e)?;
    root.draw(&Text::new("no miss", (right + 8, one - 40), note.clone()))
        .map_err(e)?;
    root.draw(&Text::new("misses", (right + 8, one + 40), note.clone()))
        .map_err(e)?;
    let swatch = bottom + 40;
    root.draw(&Rectangle::new(
        [(left, swatch), (right, swatch + 20)],
        shade(None).filled(),
    ))
    .map_err(e)?;
    root.draw(&Text::new(
        "not schedulable",
        (left - 20, swatch + 34),
        note,
    ))
    .map_err(e)?;
    Ok(())
}
