//! Runs one layout: resolves its fault plan (a probe run finds the core that received a VM
//! when a fault targets it), then boots it with and without the plan. Each boot writes the
//! DTS, compiles it with dtc and runs QEMU virt with a host timeout.

use super::layout::{FaultCore, Layout, PlannedFault};
use super::trace::{number, Trace};
use crate::{Qemu, Scratch};
use std::process::Command;
use std::time::Duration;

/// One boot of a config.
pub struct Boot {
    pub trace: Trace,
    /// The console output, whole.
    pub output: String,
    /// The host timeout killed QEMU.
    pub timed_out: bool,
    /// QEMU's exit status (None when killed).
    pub status: Option<i32>,
    pub elapsed: Duration,
}

/// Both runs of a layout.
pub struct LayoutRuns {
    /// The resolved fault plan.
    pub plan: Vec<PlannedFault>,
    /// The faulty run's config (DTS).
    pub config: String,
    pub faulty: Boot,
    pub fault_free: Boot,
    /// QEMU boots it took (probes included).
    pub boots: u64,
}

/// Runs `layout`, killing any QEMU after `timeout`.
pub fn run(layout: &Layout, timeout: Duration) -> Result<LayoutRuns, String> {
    let mut boots = 0;
    let mut plan: Vec<PlannedFault> = Vec::new();
    for fault in &layout.faults {
        let core = match fault.core {
            FaultCore::Fixed(core) => core,
            FaultCore::ReceiverOf {
                fault: earlier,
                otherwise,
            } => {
                boots += 1;
                let probe = boot(layout, &plan, timeout)?;
                receiver(&probe.trace, plan[earlier].core, &plan).unwrap_or(otherwise)
            }
        };
        plan.push(PlannedFault {
            core,
            at_us: fault.at_us,
            kind: fault.kind,
        });
    }
    let faulty = boot(layout, &plan, timeout)?;
    let fault_free = boot(layout, &[], timeout)?;
    Ok(LayoutRuns {
        config: layout.dts(&plan),
        plan,
        faulty,
        fault_free,
        boots: boots + 2,
    })
}

/// The core that resumed a VM of `failed` (the last such), unless the plan already fails it.
fn receiver(trace: &Trace, failed: usize, plan: &[PlannedFault]) -> Option<usize> {
    trace
        .named("migration_done")
        .filter(|done| number(done, "from") == failed as u64)
        .map(|done| number(done, "to") as usize)
        .filter(|&core| plan.iter().all(|f| f.core != core))
        .last()
}

/// Boots `layout` with fault plan `plan`.
pub fn boot(layout: &Layout, plan: &[PlannedFault], timeout: Duration) -> Result<Boot, String> {
    let source = Scratch::new(&format!("campaign-{:x}.dts", layout.seed));
    let blob = Scratch::new(&format!("campaign-{:x}.dtb", layout.seed));
    std::fs::write(source.path(), layout.dts(plan)).map_err(|e| format!("writing the DTS: {e}"))?;
    compile(source.path(), blob.path())?;
    let mut qemu = Qemu::virt(layout.gic, layout.cores).timeout(timeout);
    if layout.counter_1ghz {
        qemu = qemu.cntfrq_1ghz();
    }
    Ok(Boot::from(qemu.initrd(blob.path()).run()))
}

impl From<crate::Run> for Boot {
    fn from(run: crate::Run) -> Boot {
        Boot {
            trace: Trace::parse(&run.output),
            output: run.output,
            timed_out: run.timed_out,
            status: run.status,
            elapsed: run.elapsed,
        }
    }
}

impl Boot {
    /// The trace without the frequent guest events (slack reports, misses, registrations),
    /// one event a line: what a failure message shows.
    pub fn outline(&self) -> String {
        let noisy = ["slack_report", "deadline_miss", "rt_register", "cpu_online"];
        let lines: Vec<String> = self
            .trace
            .events
            .iter()
            .filter(|e| !noisy.iter().any(|name| e["ev"] == *name))
            .map(|e| e.to_string())
            .collect();
        lines.join("\n")
    }
}

/// `dtc` from `source` to `blob`.
pub fn compile(source: &std::path::Path, blob: &std::path::Path) -> Result<(), String> {
    let output = Command::new("dtc")
        .args(["-q", "-I", "dts", "-O", "dtb", "-o"])
        .arg(blob)
        .arg(source)
        .output()
        .map_err(|e| format!("dtc not found ({e}): run `make test`, which installs it"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "dtc failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
