//! Line plots: reliability curves, and downtime against VM size on log-log axes.

use super::{color, e, prepare};
use plotters::prelude::*;
use std::path::Path;

/// Line plot of named series, the legend in the upper right. Every second series is dashed and
/// drawn over the others, so that curves that nearly coincide (coverage 1 and 0.99) both show.
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
    for dashed in [false, true] {
        for (i, (name, pts)) in series.iter().enumerate() {
            if (i % 2 == 1) != dashed {
                continue;
            }
            let col = color(i);
            let style: ShapeStyle = col.stroke_width(2);
            let drawn = if dashed {
                c.draw_series(DashedLineSeries::new(pts.iter().copied(), 8, 5, style))
            } else {
                c.draw_series(LineSeries::new(pts.iter().copied(), style))
            };
            drawn
                .map_err(e)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    if dashed {
                        PathElement::new(vec![(x, y), (x + 7, y)], style)
                    } else {
                        PathElement::new(vec![(x, y), (x + 16, y)], style)
                    }
                });
        }
    }
    c.configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}

/// One way of moving memory: its predicted and measured downtime against VM size, as
/// `(size in MiB, downtime in ms)` points.
pub struct SizeSeries {
    /// `in-place` or `copy`.
    pub mode: String,
    /// Predicted downtime.
    pub predicted: Vec<(f64, f64)>,
    /// Measured downtime.
    pub measured: Vec<(f64, f64)>,
}

/// A label for a value of a 1-2-5 logarithmic scale, empty for the values in between.
fn one_two_five(value: f64) -> String {
    let exponent = value.log10().floor();
    let mantissa = value / 10f64.powf(exponent);
    let round = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .any(|m| (mantissa - m).abs() < 1e-6 * m);
    if !round {
        return String::new();
    }
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Downtime against VM size on log-log axes: the size axis in powers of two of MiB, the
/// downtime axis in decades with 1-2-5 labels. Measured downtime is a solid line with filled
/// points, the prediction a dashed line with open circles, so that both show where they
/// (nearly) coincide.
pub fn size_lines(path: &Path, title: &str, series: &[SizeSeries]) -> crate::Result<()> {
    let points = || {
        series
            .iter()
            .flat_map(|s| s.predicted.iter().chain(&s.measured))
    };
    let (low, high) = points().fold((f64::MAX, 0f64), |(l, h), p| (l.min(p.1), h.max(p.1)));
    let (small, large) = points().fold((f64::MAX, 0f64), |(l, h), p| (l.min(p.0), h.max(p.0)));
    if series.is_empty() || high <= 0.0 {
        return Err("plot: no downtime to draw".into());
    }
    let y = (
        10f64.powf((low / 2.0).log10().floor()),
        10f64.powf((high * 1.3).log10().ceil()),
    );
    let x = (small.log2() - 0.4, large.log2() + 0.4);
    prepare(path)?;
    let root = SVGBackend::new(path, (640, 440)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let mut c = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(x.0..x.1, (y.0..y.1).log_scale())
        .map_err(e)?;
    c.configure_mesh()
        .x_desc("VM size (log scale)")
        .y_desc("downtime (ms, log scale)")
        .x_labels(((x.1 - x.0).ceil() as usize) + 1)
        .x_label_formatter(&|v| {
            let power = v.round();
            if (v - power).abs() > 1e-6 {
                return String::new();
            }
            match 2f64.powf(power) {
                mib if mib >= 1.0 => format!("{mib} MiB"),
                mib => format!("{} KiB", mib * 1024.0),
            }
        })
        .y_labels(12)
        .light_line_style(WHITE)
        .y_label_formatter(&|v| one_two_five(*v))
        .draw()
        .map_err(e)?;
    for (i, s) in series.iter().enumerate() {
        let col = color(i);
        let at = |pts: &[(f64, f64)]| pts.iter().map(|&(m, d)| (m.log2(), d)).collect::<Vec<_>>();
        let measured = at(&s.measured);
        c.draw_series(LineSeries::new(measured.clone(), col.stroke_width(2)))
            .map_err(e)?
            .label(format!("{}: measured", s.mode))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], col.stroke_width(2)));
        c.draw_series(measured.iter().map(|&p| Circle::new(p, 3, col.filled())))
            .map_err(e)?;
        let predicted = at(&s.predicted);
        c.draw_series(DashedLineSeries::new(
            predicted.clone(),
            6,
            4,
            col.stroke_width(1),
        ))
        .map_err(e)?
        .label(format!("{}: predicted (upper bound)", s.mode))
        .legend(move |(x, y)| Circle::new((x + 10, y), 5, col.stroke_width(1)));
        c.draw_series(
            predicted
                .iter()
                .map(|&p| Circle::new(p, 6, col.stroke_width(1))),
        )
        .map_err(e)?;
    }
    c.configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_labels_only_at_one_two_five() {
        let labels: Vec<String> = [0.1, 0.2, 0.3, 0.5, 1.0, 3.0, 20.0, 70.0, 100.0]
            .iter()
            .map(|&v| super::one_two_five(v))
            .collect();
        assert_eq!(labels, ["0.1", "0.2", "", "0.5", "1", "", "20", "", "100"]);
    }
}
