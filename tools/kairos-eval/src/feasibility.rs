//! `feasibility`: static affordable downtime, largest copyable VM, feasibility region.

use crate::{config, plot};
use rt_analysis::demand::{edf_static_slack, fp_static_slack};
use rt_analysis::downtime::DowntimeModel;
use rt_analysis::task::{Scheduler, Task, TaskSet};
use rt_analysis::Time;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Partition config holding the VM (.dts, compiled with dtc, or .dtb).
    #[arg(long, requires = "vm", conflicts_with = "tasks")]
    pub config: Option<PathBuf>,
    /// Name of the VM node in --config.
    #[arg(long)]
    pub vm: Option<String>,
    /// Task set inline instead of --config: "C:T:D,C:T:D" in microseconds (D optional, = T).
    #[arg(long)]
    pub tasks: Option<String>,
    /// Scheduler of an inline task set: edf or rm.
    #[arg(long, default_value = "edf")]
    pub scheduler: String,
    /// Downtime model "detect_us,decide_us,state_us,copy_MBps,remap_us,restore_us"
    /// (copy bandwidth in MB/s = 1e6 bytes/s).
    #[arg(long, default_value = "400,100,20,1000,20,60")]
    pub downtime_model: String,
    /// Write the feasibility region as an SVG heat map here.
    #[arg(long)]
    pub svg: Option<PathBuf>,
}

pub fn parse_model(s: &str) -> crate::Result<DowntimeModel> {
    let v: Vec<f64> = s
        .split(',')
        .map(|w| {
            w.trim()
                .parse::<f64>()
                .map_err(|_| format!("--downtime-model: '{w}' is not a number"))
        })
        .collect::<crate::Result<_>>()?;
    if v.len() != 6 || v.iter().any(|x| *x < 0.0 || !x.is_finite()) {
        return Err("--downtime-model needs six non-negative numbers: detect_us,decide_us,state_us,copy_MBps,remap_us,restore_us".into());
    }
    let us = |x: f64| (x * 1000.0).ceil() as Time;
    Ok(DowntimeModel {
        detect: us(v[0]),
        decide: us(v[1]),
        state: us(v[2]),
        copy_bytes_per_sec: (v[3] * 1e6) as u64,
        remap: us(v[4]),
        restore: us(v[5]),
    })
}

pub fn parse_tasks(s: &str, sched: &str) -> crate::Result<TaskSet> {
    let mut list = Vec::new();
    for (i, item) in s.split(',').enumerate() {
        let f: Vec<u64> = item
            .split(':')
            .map(|w| {
                w.trim().parse().map_err(|_| {
                    format!(
                        "--tasks item {} '{item}': '{w}' is not an integer (microseconds)",
                        i + 1
                    )
                })
            })
            .collect::<crate::Result<_>>()?;
        let (c, t, d) = match f[..] {
            [c, t] => (c, t, t),
            [c, t, d] => (c, t, d),
            _ => {
                return Err(format!(
                    "--tasks item {} '{item}': expected C:T or C:T:D",
                    i + 1
                ))
            }
        };
        list.push(Task::periodic(c * 1000, t * 1000).with_deadline(d * 1000));
    }
    config::task_set(list, sched, false)
}

/// Static affordable downtime of a task set (None: not schedulable).
pub fn static_slack(set: &TaskSet) -> Option<Time> {
    match set.scheduler() {
        Scheduler::Edf => edf_static_slack(set),
        Scheduler::FixedPriority => fp_static_slack(set),
    }
}

/// The task set with every WCET scaled so that its utilization is `u` (None if invalid).
pub fn scaled(set: &TaskSet, u: f64) -> Option<TaskSet> {
    let u0 = set.utilization_ppm() as f64 / 1e6;
    let f = u / u0;
    let tasks: Vec<Task> = set
        .tasks()
        .iter()
        .map(|t| Task {
            wcet: ((t.wcet as f64 * f) as Time).max(1),
            ..*t
        })
        .collect();
    if tasks.iter().any(|t| t.wcet > t.deadline) {
        return None;
    }
    TaskSet::new(tasks, set.scheduler()).ok()
}

pub const SIZES: [u64; 15] = [
    1 << 12,
    1 << 13,
    1 << 14,
    1 << 15,
    1 << 16,
    1 << 17,
    1 << 18,
    1 << 19,
    1 << 20,
    1 << 21,
    1 << 22,
    1 << 23,
    1 << 24,
    1 << 25,
    1 << 26,
];

pub fn size_label(b: u64) -> String {
    if b >= 1 << 20 {
        format!("{}M", b >> 20)
    } else {
        format!("{}K", b >> 10)
    }
}

pub fn run(a: &Args) -> crate::Result<()> {
    let model = parse_model(&a.downtime_model)?;
    let (set, vm_size, what, subject) = match (&a.config, &a.tasks) {
        (Some(cfg), None) => {
            let vm = a.vm.as_deref().unwrap();
            let (s, b) = config::load_vm(cfg, vm)?;
            let file = cfg
                .file_name()
                .map_or(String::new(), |f| f.to_string_lossy().into_owned());
            (
                s,
                Some(b),
                format!("VM {vm} of {}", cfg.display()),
                format!("{vm} ({file})"),
            )
        }
        (None, Some(t)) => (
            parse_tasks(t, &a.scheduler)?,
            None,
            "inline task set".to_string(),
            "the task set".to_string(),
        ),
        _ => return Err("give either --config FILE --vm NAME or --tasks \"C:T:D,...\"".into()),
    };
    let u = set.utilization_ppm() as f64 / 1e6;
    outln!(
        "{what}: {} tasks, {:?}, U = {u:.3}",
        set.len(),
        set.scheduler()
    );
    outln!("downtime model: {model:?}");
    let a_static = static_slack(&set);
    match a_static {
        None => outln!("static affordable downtime A: none (the task set is not schedulable)"),
        Some(x) if x == Time::MAX => outln!("static affordable downtime A: unbounded"),
        Some(x) => {
            outln!(
                "static affordable downtime A = {x} ns ({:.3} ms)",
                x as f64 / 1e6
            );
            outln!(
                "fixed downtime terms (in-place remap) = {} ns",
                model.predict(0, false).total
            );
            match model.max_copy_bytes(x) {
                None => {
                    outln!("largest VM migratable with copy: none (the fixed terms alone exceed A)")
                }
                Some(b) => outln!(
                    "largest VM migratable with copy and no deadline miss: {b} bytes ({:.1} KiB)",
                    b as f64 / 1024.0
                ),
            }
            if let Some(b) = vm_size {
                let d = model.predict(b, true).total;
                outln!(
                    "this VM ({b} bytes) with copy: D = {d} ns -> {}",
                    if d <= x { "no miss" } else { "misses possible" }
                );
            }
        }
    }
    // Region: utilization rows (top = high) x size columns.
    let utils: Vec<f64> = (1..=19).rev().map(|i| i as f64 * 0.05).collect();
    let mut grid = Vec::new();
    outln!();
    outln!("feasibility region (# = D <= A with copy, . = D > A, x = not schedulable)");
    out!("{:>6} ", "U\\size");
    for s in SIZES {
        out!("{:>4}", size_label(s));
    }
    outln!();
    for &uu in &utils {
        out!("{:>6.2} ", uu);
        let mut row = Vec::new();
        for s in SIZES {
            let cell = scaled(&set, uu).and_then(|ts| static_slack(&ts)).map(|aa| {
                let d = model.predict(s, true).total;
                (aa as f64 / d as f64).min(1e6)
            });
            out!(
                "{:>4}",
                match cell {
                    None => "x",
                    Some(r) if r >= 1.0 => "#",
                    _ => ".",
                }
            );
            row.push(cell);
        }
        outln!();
        grid.push(row);
    }
    if let Some(svg) = &a.svg {
        let xl: Vec<String> = SIZES.iter().map(|&s| size_label(s)).collect();
        let yl: Vec<String> = utils.iter().map(|u| format!("{u:.2}")).collect();
        let copy_mbps = model.copy_bytes_per_sec as f64 / 1e6;
        plot::heatmap(
            svg,
            &format!("Can {subject} migrate without a deadline miss? (memory copied)"),
            &format!(
                "A: static affordable downtime of its task set, WCETs scaled to the utilization; D: \
                 predicted downtime at {copy_mbps:.0} MB/s of copy plus {:.2} ms of fixed terms",
                model.predict(0, false).total as f64 / 1e6
            ),
            "VM size (log scale)",
            "utilization U (WCETs scaled)",
            &xl,
            &yl,
            &grid,
        )?;
        outln!("wrote {}", svg.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_tasks_and_model() {
        let set = parse_tasks("1000:10000,500:5000", "edf").unwrap();
        assert_eq!(set.len(), 2);
        assert!(parse_tasks("1000", "edf").is_err());
        assert!(parse_tasks("1:2", "foo").is_err());
        let m = parse_model("400,100,20,1000,20,60").unwrap();
        assert_eq!(m.predict(0, false).total, 600_000);
        assert_eq!(m.copy_bytes_per_sec, 1_000_000_000);
        assert!(parse_model("1,2").is_err());
        // One task C = 1 ms, T = D = 10 ms under EDF: A = 9 ms.
        let one = parse_tasks("1000:10000", "edf").unwrap();
        assert_eq!(static_slack(&one), Some(9_000_000));
        let half = scaled(&one, 0.5).unwrap();
        assert_eq!(half.task(0).wcet, 5_000_000);
    }
}
