//! `reliability`: tables of R(t) and MTTF from `rt_analysis::reliability`.

use crate::plot;
use rt_analysis::reliability::{
    core_reliability, mttf_k_out_of_n, with_coverage, without_migration,
};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Failure rate of one core, per hour (R(t) = exp(-lambda t)).
    #[arg(long)]
    pub lambda: f64,
    /// Number of cores n.
    #[arg(long)]
    pub cores: u32,
    /// Minimum number of cores that can still host every VM (k, from partitioning).
    #[arg(long)]
    pub k: u32,
    /// Coverage c = P(detected) x P(D <= A), in [0, 1].
    #[arg(long, default_value_t = 1.0)]
    pub coverage: f64,
    /// Time horizon of the table in hours (default: 2 / lambda).
    #[arg(long)]
    pub hours: Option<f64>,
    /// Rows of the table (evenly spaced in time, t = 0 included).
    #[arg(long, default_value_t = 11)]
    pub steps: u32,
    /// Also draw R(t) as an SVG line plot here.
    #[arg(long)]
    pub svg: Option<PathBuf>,
}

/// MTTF with coverage c by integrating R_sys(t) (trapezoids up to R < 1e-9).
pub fn mttf_with_coverage(lambda: f64, n: u32, k: u32, c: f64) -> f64 {
    let horizon = 40.0 / lambda;
    let steps = 200_000;
    let dt = horizon / steps as f64;
    let f = |t: f64| with_coverage(core_reliability(lambda, t), n, k, c);
    let mut sum = 0.5 * (f(0.0) + f(horizon));
    for i in 1..steps {
        sum += f(i as f64 * dt);
    }
    sum * dt
}

pub fn validate(lambda: f64, n: u32, k: u32, c: f64) -> crate::Result<()> {
    if !(lambda > 0.0 && lambda.is_finite()) {
        return Err(format!("--lambda must be a positive number, got {lambda}"));
    }
    if n == 0 || k == 0 || k > n {
        return Err(format!("need 1 <= k <= cores, got k = {k}, cores = {n}"));
    }
    if !(0.0..=1.0).contains(&c) {
        return Err(format!("--coverage must be in [0, 1], got {c}"));
    }
    Ok(())
}

pub fn run(a: &Args) -> crate::Result<()> {
    validate(a.lambda, a.cores, a.k, a.coverage)?;
    let (n, k, c, l) = (a.cores, a.k, a.coverage, a.lambda);
    let hours = a.hours.unwrap_or(2.0 / l);
    let steps = a.steps.max(2);
    outln!("lambda = {l} /h per core, n = {n} cores, k = {k} needed, coverage c = {c}");
    outln!();
    out!("{}", table(l, n, k, c, hours, steps));
    outln!();
    outln!(
        "MTTF without migration (n cores in series): {:.1} h",
        1.0 / (n as f64 * l)
    );
    outln!(
        "MTTF with migration, c = 1 (k-out-of-n):    {:.1} h",
        mttf_k_out_of_n(l, n, k)
    );
    if c < 1.0 {
        let label = format!("MTTF with migration, c = {c}:");
        outln!("{label:<44}{:.1} h", mttf_with_coverage(l, n, k, c));
    }
    if let Some(svg) = &a.svg {
        let mut series = vec![(
            "no migration".to_string(),
            curve(hours, |r| without_migration(r, n), l),
        )];
        series.push((
            "migration c=1".into(),
            curve(hours, |r| with_coverage(r, n, k, 1.0), l),
        ));
        if c < 1.0 {
            series.push((
                format!("migration c={c}"),
                curve(hours, |r| with_coverage(r, n, k, c), l),
            ));
        }
        plot::lines(
            svg,
            &format!("Reliability of {n} cores ({k} needed), {l} failures per core-hour"),
            "t (hours)",
            "R_sys (probability the system still runs)",
            &series,
            (0.0, hours),
            (0.0, 1.0),
        )?;
        outln!("wrote {}", svg.display());
    }
    Ok(())
}

/// The R(t) table: core, no migration, migration at c = 1, and at `c` when it is below 1 (at
/// c = 1 that column would repeat the one before).
pub fn table(lambda: f64, n: u32, k: u32, c: f64, hours: f64, steps: u32) -> String {
    let mut columns = vec![
        String::from("t (h)"),
        String::from("R core"),
        String::from("no migration"),
        String::from("migration c=1"),
    ];
    if c < 1.0 {
        columns.push(format!("migration c={c}"));
    }
    let widths: Vec<usize> = columns
        .iter()
        .zip([12, 10, 14, 14, 14])
        .map(|(name, least)| name.len().max(least))
        .collect();
    let row = |cells: &[String]| {
        let cells: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, &width)| format!(" {cell:>width$} "))
            .collect();
        format!("|{}|\n", cells.join("|"))
    };
    let mut text = row(&columns);
    let rules: Vec<String> = widths.iter().map(|&width| "-".repeat(width)).collect();
    text += &row(&rules);
    for i in 0..steps {
        let t = hours * i as f64 / (steps - 1) as f64;
        let r = core_reliability(lambda, t);
        let mut cells = vec![
            format!("{t:.1}"),
            format!("{r:.6}"),
            format!("{:.6}", without_migration(r, n)),
            format!("{:.6}", with_coverage(r, n, k, 1.0)),
        ];
        if c < 1.0 {
            cells.push(format!("{:.6}", with_coverage(r, n, k, c)));
        }
        text += &row(&cells);
    }
    text
}

/// 200 points of `f(R(t))` over `[0, hours]`.
pub fn curve(hours: f64, f: impl Fn(f64) -> f64, lambda: f64) -> Vec<(f64, f64)> {
    (0..=200)
        .map(|i| {
            let t = hours * i as f64 / 200.0;
            (t, f(core_reliability(lambda, t)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mttf_integration_matches_closed_form_at_full_coverage() {
        let exact = mttf_k_out_of_n(1e-3, 4, 2);
        let numeric = mttf_with_coverage(1e-3, 4, 2, 1.0);
        assert!(
            (numeric - exact).abs() / exact < 1e-4,
            "{numeric} vs {exact}"
        );
        // Zero coverage: the first failure is fatal, n cores in series.
        let series = mttf_with_coverage(1e-3, 4, 2, 0.0);
        assert!((series - 250.0).abs() < 0.1, "{series}");
    }

    #[test]
    fn one_column_per_distinct_coverage() {
        let full = table(1e-3, 4, 2, 1.0, 100.0, 3);
        let header = full.lines().next().unwrap();
        assert_eq!(header.matches("migration c=").count(), 1, "{full}");
        assert_eq!(full.lines().count(), 2 + 3);
        assert!(
            full.lines().all(|line| line.matches('|').count() == 5),
            "{full}"
        );
        let partial = table(1e-3, 4, 2, 0.9, 100.0, 3);
        assert!(partial.lines().next().unwrap().contains("migration c=0.9"));
        assert!(
            partial.lines().all(|line| line.matches('|').count() == 6),
            "{partial}"
        );
    }

    #[test]
    fn rejects_bad_arguments() {
        assert!(validate(0.0, 2, 1, 1.0).is_err());
        assert!(validate(1e-3, 2, 3, 1.0).is_err());
        assert!(validate(1e-3, 2, 1, 1.5).is_err());
        assert!(validate(1e-3, 2, 1, 0.9).is_ok());
    }
}
