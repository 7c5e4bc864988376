//! The checks of one layout, on its faulty run and on its fault-free run: no hang, no panic, no
//! rejected config, detections (`detection`), VM accounting and rooms (`accounting`), misses
//! (`misses`).

use super::layout::Layout;
use super::runner::{Boot, LayoutRuns};
use super::verdict::{Category, Failure, Figures, Findings, Verdict, Which};
use super::{accounting, detection, misses};
use std::collections::BTreeSet;

/// Checks both runs of `layout`.
pub fn check(layout: &Layout, runs: &LayoutRuns) -> Verdict {
    let (failures, mut figures) =
        failures_and_figures(&runs.faulty, &runs.fault_free, layout.detection_bound_ns());
    figures.insert("QEMU runs", runs.boots);
    figures.insert("faults planned", runs.plan.len() as u64);
    Verdict {
        seed: layout.seed,
        config: runs.config.clone(),
        failures,
        figures,
    }
}

/// Every failure of a faulty run and of its fault-free run; a fault must be detected within
/// `detection_bound_ns`.
pub fn failures(faulty: &Boot, fault_free: &Boot, detection_bound_ns: u64) -> Vec<Failure> {
    failures_and_figures(faulty, fault_free, detection_bound_ns).0
}

/// The failures of both runs and the figures of the faulty one.
fn failures_and_figures(
    faulty: &Boot,
    fault_free: &Boot,
    bound_ns: u64,
) -> (Vec<Failure>, Figures) {
    let (mut failures, mut figures) = (Vec::new(), Figures::new());
    for (run, boot, baseline) in [
        (Which::Faulty, faulty, misses::keys(&fault_free.trace)),
        (Which::FaultFree, fault_free, BTreeSet::new()),
    ] {
        let mut findings = Findings {
            run,
            failures: &mut failures,
            figures: &mut figures,
        };
        check_boot(boot, bound_ns, &baseline, &mut findings);
    }
    (failures, figures)
}

/// Every check on one boot; `baseline` holds the misses not to count.
fn check_boot(
    boot: &Boot,
    detection_bound_ns: u64,
    baseline: &BTreeSet<misses::MissKey>,
    findings: &mut Findings,
) {
    let trace = &boot.trace;
    if trace.system_off().is_none() {
        let how = if boot.timed_out {
            format!("QEMU killed by the host timeout after {:?}", boot.elapsed)
        } else {
            format!("QEMU ended with status {:?}", boot.status)
        };
        let last = trace.events.last().map_or("none".into(), |e| e.to_string());
        findings.fail(
            Category::Hang,
            format!("system_off not reached: {how}; last event {last}"),
        );
    }
    for panic in trace.named("panic") {
        findings.fail(Category::Panic, format!("{panic}"));
    }
    for error in trace.named("config_error") {
        findings.fail(Category::ConfigRejected, format!("{}", error["message"]));
    }
    for bad in trace.named("malformed") {
        findings.fail(
            Category::MalformedTrace,
            format!("EVT line {} is not one JSON object", bad["text"]),
        );
    }
    detection::check(detection_bound_ns, trace, findings);
    let stays = accounting::check(trace, findings);
    misses::check(trace, &stays, baseline, findings);
}
