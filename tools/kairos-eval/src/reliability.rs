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
    println!("lambda = {l} /h per core, n = {n} cores, k = {k} needed, coverage c = {c}");
    println!();
    println!(
        "| {:>12} | {:>10} | {:>14} | {:>14} | {:>14} |",
        "t (h)",
        "R core",
        "no migration",
        "migration c=1",
        format!("migration c={c}")
    );
    println!(
        "|{:-<14}|{:-<12}|{:-<16}|{:-<16}|{:-<16}|",
        "", "", "", "", ""
    );
    for i in 0..steps {
        let t = hours * i as f64 / (steps - 1) as f64;
        let r = core_reliability(l, t);
        println!(
            "| {:>12.1} | {:>10.6} | {:>14.6} | {:>14.6} | {:>14.6} |",
            t,
            r,
            without_migration(r, n),
            with_coverage(r, n, k, 1.0),
            with_coverage(r, n, k, c)
        );
    }
    println!();
    println!(
        "MTTF without migration (n cores in series): {:.1} h",
        1.0 / (n as f64 * l)
    );
    println!(
        "MTTF with migration, c = 1 (k-out-of-n):    {:.1} h",
        mttf_k_out_of_n(l, n, k)
    );
    println!(
        "MTTF with migration, c = {c}:{}{:.1} h",
        " ".repeat(18usize.saturating_sub(c.to_string().len())),
        mttf_with_coverage(l, n, k, c)
    );
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
            &format!("R(t), n={n}, k={k}, lambda={l}/h"),
            "t (h)",
            "R_sys(t)",
            &series,
            (0.0, hours),
            (0.0, 1.0),
        )?;
        println!("wrote {}", svg.display());
    }
    Ok(())
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
    fn rejects_bad_arguments() {
        assert!(validate(0.0, 2, 1, 1.0).is_err());
        assert!(validate(1e-3, 2, 3, 1.0).is_err());
        assert!(validate(1e-3, 2, 1, 1.5).is_err());
        assert!(validate(1e-3, 2, 1, 0.9).is_ok());
    }
}
