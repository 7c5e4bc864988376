//! `summarize`: the sweep's report (eval/report.md) and plots.

use crate::plot;
use crate::reliability::{curve, mttf_with_coverage};
use crate::trace::{self, FaultRecord};
use rt_analysis::reliability::{mttf_k_out_of_n, with_coverage, without_migration};
use std::fmt::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Captured console logs of the sweep (one run each).
    #[arg(required = true)]
    pub logs: Vec<PathBuf>,
    /// Output directory for report.md and the SVG plots.
    #[arg(long, default_value = "eval")]
    pub out: PathBuf,
    /// Optional text of `scripts/bench.sh`'s output, copied into the report as overhead figures.
    #[arg(long)]
    pub bench: Option<PathBuf>,
    /// Wall-clock seconds the sweep took (printed in the report when given).
    #[arg(long)]
    pub seconds: Option<u64>,
    /// Adds the host comparison of target choices (`kairos-eval choice` with its defaults).
    #[arg(long)]
    pub choice: bool,
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

pub fn run(a: &Args) -> crate::Result<()> {
    let mut all: Vec<(String, FaultRecord)> = Vec::new();
    let (mut injected, mut detected, mut runs_without_fault) = (0usize, 0usize, Vec::new());
    let mut cut_off = Vec::new();
    let mut bad = Vec::new();
    for log in &a.logs {
        let name = log
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if std::fs::read(log).is_ok_and(|b| trace::ends_mid_event(&String::from_utf8_lossy(&b))) {
            cut_off.push(name.clone());
        }
        let events = match trace::load(log) {
            Ok(e) => e,
            Err(e) => {
                bad.push(e);
                continue;
            }
        };
        let (recs, inj, det) = trace::faults(&events)?;
        if inj == 0 {
            runs_without_fault.push(name.clone());
        }
        injected += inj;
        detected += det.min(inj);
        all.extend(recs.into_iter().map(|r| (name.clone(), r)));
    }
    let migrated: Vec<&FaultRecord> = all
        .iter()
        .map(|(_, r)| r)
        .filter(|r| r.misses_pred.is_some())
        .collect();
    let agree = migrated.iter().filter(|r| r.agrees()).count();
    let mut ratios: Vec<f64> = migrated
        .iter()
        .filter_map(|r| r.d_meas_ns.map(|m| m as f64 / r.d_pred_ns as f64))
        .collect();
    ratios.sort_by(f64::total_cmp);
    let in_band = ratios.iter().filter(|x| (0.8..=1.0).contains(*x)).count();
    let d_le_a = migrated.iter().filter(|r| r.d_le_a()).count();
    let d_meas_le_a = migrated
        .iter()
        .filter(|r| r.measured_d_le_a() == Some(true))
        .count();
    let p_det = if injected == 0 {
        0.0
    } else {
        detected as f64 / injected as f64
    };
    let p_dla = if migrated.is_empty() {
        0.0
    } else {
        d_le_a as f64 / migrated.len() as f64
    };
    let c_meas = p_det * p_dla;
    let out = &a.out;

    // Plots.
    let mut by_pair = std::collections::BTreeMap::<(u64, u64), usize>::new();
    for r in &migrated {
        *by_pair
            .entry((r.misses_pred.unwrap(), r.misses_obs))
            .or_default() += 1;
    }
    let pairs: Vec<((u64, u64), usize)> = by_pair.into_iter().collect();
    plot::counts(
        &out.join("misses.svg"),
        "Deadline misses per migrated VM: predicted vs observed",
        &format!(
            "{} faults; each circle: the faults with that pair, how many in its label; on the line: as predicted",
            migrated.len()
        ),
        "predicted misses",
        "observed misses",
        &pairs,
    )?;
    let dpts: Vec<(f64, f64)> = migrated
        .iter()
        .filter_map(|r| {
            r.d_meas_ns
                .map(|m| (r.d_pred_ns as f64 / 1e6, m as f64 / 1e6))
        })
        .collect();
    let dmax = dpts.iter().map(|p| p.0.max(p.1)).fold(0.0, f64::max) * 1.1 + 0.01;
    let dmin = dpts
        .iter()
        .map(|p| p.0.min(p.1))
        .fold(f64::MAX, f64::min)
        .min(dmax)
        * 0.9;
    let (le, gt): (Vec<_>, Vec<_>) = migrated
        .iter()
        .filter(|r| r.d_meas_ns.is_some())
        .partition(|r| r.d_le_a());
    let pick = |v: &[&&FaultRecord]| {
        v.iter()
            .map(|r| (r.d_pred_ns as f64 / 1e6, r.d_meas_ns.unwrap() as f64 / 1e6))
            .collect::<Vec<_>>()
    };
    plot::scatter(
        &out.join("downtime.svg"),
        "Migration downtime: measured vs predicted",
        plot::Axis {
            label: "predicted D (ms)",
            range: (dmin, dmax),
        },
        plot::Axis {
            label: "measured D (ms)",
            range: (dmin, dmax),
        },
        &[("D <= A".into(), pick(&le)), ("D > A".into(), pick(&gt))],
        &[
            ("measured = predicted".into(), 1.0),
            ("measured = 0.8 predicted".into(), 0.8),
        ],
    )?;
    let mut rel_rows = String::new();
    for n in [2u32, 4, 8] {
        let k = n.div_ceil(2);
        let lt = 3.0; // lambda t from 0 to 3
        let mut series = vec![(
            "no migration (R^n)".to_string(),
            curve(lt, |r| without_migration(r, n), 1.0),
        )];
        for c in [1.0, 0.99, 0.9] {
            series.push((
                format!("migration c={c}"),
                curve(lt, |r| with_coverage(r, n, k, c), 1.0),
            ));
        }
        series.push((
            format!("migration c={c_meas:.3} (sweep)"),
            curve(lt, |r| with_coverage(r, n, k, c_meas), 1.0),
        ));
        plot::lines(
            &out.join(format!("reliability-n{n}.svg")),
            &format!("Reliability of {n} cores, {k} of them needed, with and without migration"),
            "lambda t (expected failures per core)",
            "R_sys (probability the system still runs)",
            &series,
            (0.0, lt),
            (0.0, 1.0),
        )?;
        let _ = writeln!(
            rel_rows,
            "| {n} | {k} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            1.0 / n as f64,
            mttf_k_out_of_n(1.0, n, k),
            mttf_with_coverage(1.0, n, k, 0.99),
            mttf_with_coverage(1.0, n, k, 0.9),
            mttf_with_coverage(1.0, n, k, c_meas),
            with_coverage((-0.5f64).exp(), n, k, c_meas)
        );
    }

    // Report.
    let mut s = String::new();
    let _ = writeln!(s, "# Kairos evaluation: fault-injection sweep\n");
    let _ = writeln!(s, "Generated by `make eval` (scripts/eval.sh, `kairos-eval summarize`). {} runs{}; {} faults injected, {} detected; {} VMs of failed cores decided, {} migrated.\n",
        a.logs.len(), a.seconds.map_or(String::new(), |t| format!(" in {t} s")), injected, detected, all.len(), migrated.len());
    if !bad.is_empty() {
        let _ = writeln!(s, "Unreadable logs ({}): {}\n", bad.len(), bad.join("; "));
    }
    if !cut_off.is_empty() {
        let _ = writeln!(
            s,
            "Logs that end in the middle of an event line, the machine having powered off while a core was still writing it ({}; their events up to it are used): {}\n",
            cut_off.len(),
            cut_off.join(", ")
        );
    }
    if !runs_without_fault.is_empty() {
        let _ = writeln!(
            s,
            "Runs without a fault_injected event ({}): {}\n",
            runs_without_fault.len(),
            runs_without_fault.join(", ")
        );
    }
    let _ = writeln!(s, "## Headline\n");
    let _ = writeln!(s, "| figure | value | goal |\n|---|---|---|");
    let _ = writeln!(
        s,
        "| observed misses as the mode promises (planned: = predicted; asap: <= predicted per task) | {agree}/{} ({:.1} %) | all |",
        migrated.len(),
        100.0 * agree as f64 / migrated.len().max(1) as f64
    );
    let _ = writeln!(s, "| measured / predicted downtime | min {:.3}, p5 {:.3}, median {:.3}, p95 {:.3}, max {:.3} | within [0.8, 1.0] |", quantile(&ratios, 0.0), quantile(&ratios, 0.05), quantile(&ratios, 0.5), quantile(&ratios, 0.95), quantile(&ratios, 1.0));
    let _ = writeln!(
        s,
        "| ratio within [0.8, 1.0] | {in_band}/{} | all |",
        ratios.len()
    );
    let _ = writeln!(
        s,
        "| measured D > predicted D (bound violated) | {} | 0 |",
        ratios.iter().filter(|x| **x > 1.0).count()
    );
    let _ = writeln!(
        s,
        "| P(detected) | {p_det:.3} ({detected}/{injected}) | 1 |"
    );
    let _ = writeln!(s, "| P(D <= A): policy verdict, lost work + predicted D <= A at the blackout start | {p_dla:.3} ({d_le_a}/{}) | |", migrated.len());
    let _ = writeln!(
        s,
        "| P(D <= A) with the measured D | {:.3} ({d_meas_le_a}/{}) | |",
        d_meas_le_a as f64 / migrated.len().max(1) as f64,
        migrated.len()
    );
    let _ = writeln!(
        s,
        "| coverage c = P(detected) x P(D <= A) | {c_meas:.3} | |"
    );
    let (modes, mode_rows) = crate::modes::section(&all);
    s.push_str(&mode_rows);
    let choice = a.choice.then(|| {
        crate::choice::compare(&crate::choice::Args {
            seeds: vec![1, 2, 3, 4, 5, 6],
            faults: 12,
            max_u: 0.4,
            copy_bytes_per_s: 250_000_000,
            detect_ns: 480_000,
        })
    });
    if let Some((_, row)) = &choice {
        s.push_str(row);
    }
    s.push('\n');
    let _ = writeln!(s, "Here \"D <= A\" is the policy's test: the blackout runs from the last checkpoint (the slack report A refers to) to the resume, so it is the lost work plus D. Faults with D <= A should see no miss; with D > A the policy migrates anyway and predicts the misses by simulating the blackout.\n");
    s.push_str(&modes);
    s.push('\n');
    if let Some((section, _)) = &choice {
        s.push_str(section);
    }
    let _ = writeln!(s, "## Plots\n");
    let _ = writeln!(s, "- [misses.svg](misses.svg): predicted vs observed misses per migrated VM; each circle stands for the faults with that pair (their number in its label); on the diagonal the prediction held.");
    let _ = writeln!(s, "- [downtime.svg](downtime.svg): measured vs predicted downtime; the prediction is an upper bound, so points must lie between the 0.8 and 1.0 lines.");
    let _ = writeln!(s, "- [reliability-n2.svg](reliability-n2.svg), [reliability-n4.svg](reliability-n4.svg), [reliability-n8.svg](reliability-n8.svg): R_sys against lambda t without migration (R^n) and with migration (k = ceil(n/2) cores needed) for c in 1, 0.99, 0.9 and the sweep's c.\n");
    let _ = writeln!(
        s,
        "### MTTF (units of 1/lambda) and R_sys at lambda t = 0.5\n"
    );
    let _ = writeln!(s, "| n | k | no migration | c = 1 | c = 0.99 | c = 0.9 | c = {c_meas:.3} (sweep) | R_sys(0.5), sweep c |\n|---|---|---|---|---|---|---|---|\n{rel_rows}");
    if let Some(b) = &a.bench {
        if let Ok(text) = std::fs::read_to_string(b) {
            let _ = writeln!(
                s,
                "## Overhead (scripts/bench.sh)\n\n```\n{}\n```\n",
                text.trim()
            );
            let series = size_series(&text);
            if !series.is_empty() {
                let path = a.out.join("downtime-size.svg");
                crate::plot::size_lines(
                    &path,
                    "Migration downtime against VM size, memory copied or remapped",
                    &series,
                )?;
                let _ = writeln!(s, "- [downtime-size.svg](downtime-size.svg): predicted and measured downtime against VM size (log x), memory copied to the spare core's region and remapped in place.\n");
            }
        }
    }
    let _ = writeln!(s, "## Mismatches\n");
    let mism: Vec<_> = all
        .iter()
        .filter(|(_, r)| r.misses_pred.is_some() && !r.agrees())
        .collect();
    if mism.is_empty() {
        let _ = writeln!(s, "None.\n");
    } else {
        let _ = writeln!(s, "| run | core | VM | A (ms) | blackout (ms) | predicted D (ms) | measured D (ms) | predicted misses | observed misses | outcome |\n|---|---|---|---|---|---|---|---|---|");
        for (run, r) in &mism {
            let line = trace::table(std::slice::from_ref(r));
            let _ = writeln!(s, "| {run} {}", line.lines().nth(2).unwrap_or(""));
        }
        s.push('\n');
    }
    let _ = writeln!(s, "## Every fault\n");
    let _ = writeln!(s, "| run | core | VM | A (ms) | blackout (ms) | predicted D (ms) | measured D (ms) | predicted misses | observed misses | outcome |\n|---|---|---|---|---|---|---|---|---|");
    for (run, r) in &all {
        let line = trace::table(std::slice::from_ref(r));
        let _ = writeln!(s, "| {run} {}", line.lines().nth(2).unwrap_or(""));
    }
    crate::write_file(&out.join("report.md"), &s)?;
    outln!("agreement {agree}/{}; downtime ratio {:.3}..{:.3} (median {:.3}); P(detected) {p_det:.3}; P(D<=A) {p_dla:.3}; c = {c_meas:.3}", migrated.len(), quantile(&ratios, 0.0), quantile(&ratios, 1.0), quantile(&ratios, 0.5));
    outln!("wrote {}", out.join("report.md").display());
    Ok(())
}

/// The "downtime against VM size" rows of scripts/bench.sh's output: per way of moving memory,
/// predicted and measured downtime (ms) against VM size (MiB).
pub fn size_series(bench: &str) -> Vec<plot::SizeSeries> {
    let mut series: Vec<plot::SizeSeries> = Vec::new();
    for line in bench.lines() {
        let cells: Vec<&str> = line
            .split('|')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        let [size, mode, _copy, predicted, measured] = cells[..] else {
            continue;
        };
        let Some(mib) = size
            .strip_suffix(" MiB")
            .and_then(|m| m.trim().parse::<f64>().ok())
        else {
            continue;
        };
        let (Ok(predicted), Ok(measured)) = (predicted.parse::<f64>(), measured.parse::<f64>())
        else {
            continue;
        };
        let index = match series.iter().position(|s| s.mode == mode) {
            Some(index) => index,
            None => {
                series.push(plot::SizeSeries {
                    mode: mode.to_string(),
                    predicted: Vec::new(),
                    measured: Vec::new(),
                });
                series.len() - 1
            }
        };
        series[index].predicted.push((mib, predicted / 1e6));
        series[index].measured.push((mib, measured / 1e6));
    }
    series
}

#[cfg(test)]
mod size_tests {
    #[test]
    fn reads_the_size_table() {
        let text = "| VM size  | memory   |  D copy term |  D predicted |   D measured |\n\
                    |     1 MiB | in-place |            0 |       601985 |       572031 |\n\
                    |     1 MiB | copy     |       966405 |      1576622 |      1546668 |\n\
                    |     4 MiB | copy     |      3865618 |      4475835 |      4445881 |\n";
        let series = super::size_series(text);
        assert_eq!(series.len(), 2);
        let copy = series.iter().find(|s| s.mode == "copy").unwrap();
        assert_eq!(copy.measured, [(1.0, 1.546668), (4.0, 4.445881)]);
        assert_eq!(copy.predicted, [(1.0, 1.576622), (4.0, 4.475835)]);
        assert_eq!(series[0].mode, "in-place");
    }
}
