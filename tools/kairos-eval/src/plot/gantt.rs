//! The timeline of one run: which VM ran on which core, the blackouts, faults and misses, with
//! the key in a strip of its own under the time axis.

use super::{color, e, prepare};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

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

/// Gantt-style timeline: VM bars per core, blackouts (red), faults (crosses) and misses (red
/// triangles), titled `title`.
pub fn gantt(
    path: &Path,
    title: &str,
    rows: usize,
    bars: &[Bar],
    blackouts: &[Bar],
    marks: Marks,
    t_end: f64,
) -> crate::Result<()> {
    prepare(path)?;
    let height = 110 + 60 * rows as u32 + 40;
    let root = SVGBackend::new(path, (900, height)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let (body, strip) = root.split_vertically(height as i32 - 40);
    let mut c = ChartBuilder::on(&body)
        .caption(title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..t_end, 0f64..rows as f64)
        .map_err(e)?;
    c.configure_mesh()
        .disable_y_mesh()
        .x_desc("time since power-on (ms)")
        .y_labels(rows * 2 + 1)
        .y_label_formatter(&|v| {
            if (v.fract() - 0.5).abs() < 0.01 {
                format!("core {}", v.floor() as usize)
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(e)?;
    for b in bars {
        let y = b.row as f64;
        c.draw_series(std::iter::once(Rectangle::new(
            [(b.start, y + 0.2), (b.end, y + 0.8)],
            color(b.color).mix(0.7).filled(),
        )))
        .map_err(e)?;
        c.draw_series(std::iter::once(Text::new(
            b.label.clone(),
            (b.start + t_end * 0.003, y + 0.72),
            ("sans-serif", 12).into_font().color(&WHITE),
        )))
        .map_err(e)?;
    }
    for b in blackouts {
        let y = b.row as f64;
        c.draw_series(std::iter::once(Rectangle::new(
            [
                (b.start, y + 0.1),
                (b.end.max(b.start + t_end * 0.002), y + 0.9),
            ],
            RED.mix(0.45).filled(),
        )))
        .map_err(e)?;
        c.draw_series(std::iter::once(Text::new(
            b.label.clone(),
            (b.end + t_end * 0.003, y + 0.97),
            ("sans-serif", 11).into_font().color(&RED),
        )))
        .map_err(e)?;
    }
    c.draw_series(
        marks
            .faults
            .iter()
            .map(|&(r, t)| Cross::new((t, r as f64 + 0.5), 7, BLACK.stroke_width(2))),
    )
    .map_err(e)?;
    c.draw_series(
        marks
            .misses
            .iter()
            .map(|&(r, t)| TriangleMarker::new((t, r as f64 + 0.15), 6, RED.filled())),
    )
    .map_err(e)?;
    key(&strip)
}

/// The key, in its own strip: fault, deadline miss, blackout.
fn key(strip: &DrawingArea<SVGBackend, plotters::coord::Shift>) -> crate::Result<()> {
    let font =
        TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let y = 16;
    strip
        .draw(&Cross::new((80, y), 6, BLACK.stroke_width(2)))
        .map_err(e)?;
    strip
        .draw(&Text::new("fault injected", (94, y), font.clone()))
        .map_err(e)?;
    strip
        .draw(&TriangleMarker::new((250, y), 6, RED.filled()))
        .map_err(e)?;
    strip
        .draw(&Text::new("deadline miss", (264, y), font.clone()))
        .map_err(e)?;
    strip
        .draw(&Rectangle::new(
            [(410, y - 7), (440, y + 7)],
            RED.mix(0.45).filled(),
        ))
        .map_err(e)?;
    strip
        .draw(&Text::new(
            "blackout: last checkpoint to resume (D: predicted downtime)",
            (448, y),
            font,
        ))
        .map_err(e)?;
    Ok(())
}
