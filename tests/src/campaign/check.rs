//! The checks of one layout, on its faulty run and on its fault-free run: no hang, no panic, no
//! rejected config, detections (`detection`), VM accounting and rooms (`accounting`), misses
//! (`misses`).

use super::layout::Layout;
use super::runner::{Boot, LayoutRuns};
use super::verdict::{Category, Findings, Verdict, Which};
use super::{accounting, detection, misses};
use std::collections::BTreeSet;

/// Checks both runs of `layout`.
pub fn check(layout: &Layout, runs: &LayoutRuns) -> Verdict {
    let mut verdict = Verdict {
        seed: layout.seed,
        config: runs.config.clone(),
        failures: Vec::new(),
        figures: Default::default(),
    };
    verdict.figures.insert("QEMU runs", runs.boots);
    verdict.figures.insert("faults planned", runs.plan.len() as u64);
    let fault_free_misses = misses::keys(&runs.fault_free.trace);
    for (run, boot, baseline) in [
        (Which::Faulty, &runs.faulty, fault_free_misses),
        (Which::FaultFree, &runs.fault_free, BTreeSet::new()),
    ] {
        let mut findings = Findings {
            run,
            failures: &mut verdict.failures,
            figures: &mut verdict.figures,
        };
        check_run(layout, boot, &baseline, &mut findings);
    }
    verdict
}

/// Every check on one boot; `baseline` holds the misses not to count.
fn check_run(
    layout: &Layout,
    boot: &Boot,
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
        findings.fail(Category::Harness, format!("malformed EVT line {}", bad["text"]));
    }
    detection::check(layout, trace, findings);
    let stays = accounting::check(trace, findings);
    misses::check(trace, &stays, baseline, findings);
}
