//! Rooms: a VM resumes alone on a core unless the decision shares the core and the core's time
//! partitions hold every VM on it; and what a fault struck (a migrant's host, time partitions).

use super::accounting::Stay;
use super::trace::{instant, number, Trace};
use super::verdict::{Category, Findings};
use serde_json::Value;

/// `done` resumed a VM on a core where `running` run: only in time partitions that hold them
/// all, and never on a core that failed before.
pub fn check(
    trace: &Trace,
    running: &[&Stay],
    done: &Value,
    decision: &Value,
    findings: &mut Findings,
) {
    let (vm, core, at) = (number(done, "vm"), number(done, "to"), instant(done));
    if let Some(fault) = trace.injected_at(core).filter(|&f| f <= at) {
        findings.fail(
            Category::LostVm,
            format!(
                "{} resumed at {at} ns on core {core}, failed at {fault} ns",
                done["name"]
            ),
        );
    }
    let residents: Vec<u64> = running
        .iter()
        .map(|s| s.vm)
        .filter(|&id| id != vm)
        .collect();
    if residents.is_empty() {
        return;
    }
    let frame = trace
        .named("time_partitions")
        .find(|f| number(f, "migrant") == vm && number(f, "core") == core);
    let held = |id: u64| {
        frame.is_some_and(|f| {
            f["slots"]
                .as_array()
                .is_some_and(|s| s.iter().any(|slot| slot[0] == id))
        })
    };
    let shared = decision["target"] == "shared" && done["supply"] == "time_partition";
    if !shared || !held(vm) || !residents.iter().all(|&id| held(id)) {
        findings.fail(
            Category::SharedRoom,
            format!(
                "vm {vm} {} resumed on core {core} at {at} ns (decision target {}, supply {}) while vm(s) {residents:?} run there; time partitions: {}",
                done["name"], decision["target"], done["supply"],
                frame.map_or("none".to_string(), |f| f["slots"].to_string())
            ),
        );
    }
}

/// Figures: a fault on a core that hosts a migrant, or runs time partitions.
pub fn count_fault_context(here: &[&Stay], findings: &mut Findings) {
    if here.iter().any(|s| s.arrival.is_some()) {
        findings.count("faults on a core hosting a migrant", 1);
    }
    if here.iter().any(|s| {
        s.arrival
            .as_ref()
            .is_some_and(|(_, done)| done["supply"] == "time_partition")
    }) {
        findings.count("faults on a core in time partitions", 1);
    }
}
