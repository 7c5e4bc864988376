//! Detection checks: every `fault_detected` and `fenced` core had a fault injected first, each
//! failed core is claimed once, and every injected fault is detected in time.

use super::trace::{instant, number, Trace};
use super::verdict::{Category, Findings};

/// Checks detections and fencing in `trace`; a fault must be detected within `bound` ns.
pub fn check(bound: u64, trace: &Trace, findings: &mut Findings) {
    let injections = trace.injections();
    findings.count("faults injected", injections.len() as u64);
    for kind in ["stop", "signal"] {
        let n = trace
            .named("fault_injected")
            .filter(|e| e["kind"] == kind)
            .count();
        findings.count(
            if kind == "stop" {
                "fail-stop faults"
            } else {
                "fail-signal faults"
            },
            n as u64,
        );
    }
    let boot = injections.iter().filter(|&&(core, _)| core == 0).count();
    findings.count("faults on the boot core", boot as u64);
    let mut claimed = Vec::new();
    for detection in trace.named("fault_detected") {
        let (core, at) = (number(detection, "failed_core"), instant(detection));
        findings.count("detections", 1);
        if claimed.contains(&core) {
            findings.fail(
                Category::DuplicateDetection,
                format!(
                    "core {core} claimed again at {at} ns (by core {})",
                    detection["core"]
                ),
            );
        }
        claimed.push(core);
        match trace.injected_at(core) {
            Some(fault) if fault <= at => {}
            Some(fault) => findings.fail(
                Category::FalseDetection,
                format!("core {core} declared failed at {at} ns, before its fault at {fault} ns"),
            ),
            None => findings.fail(
                Category::FalseDetection,
                format!(
                    "core {core} declared failed ({}) by core {} at {at} ns, last beat {} ns, \
                     though no fault was injected on it",
                    detection["kind"],
                    detection["core"],
                    number(detection, "last_beat_ns")
                ),
            ),
        }
    }
    for fence in trace.named("fenced") {
        let core = number(fence, "core");
        if trace.injected_at(core).is_none() {
            findings.fail(
                Category::FalseDetection,
                format!(
                    "core {core} fenced itself at {} ns though no fault was injected on it",
                    instant(fence)
                ),
            );
        }
    }
    for &(core, at) in &injections {
        // The claim's own instant (`detected_ns`), not when the claimer got to tracing it (a
        // claimer in the middle of a long copy traces it afterwards).
        let detected = trace
            .named("fault_detected")
            .find(|e| number(e, "failed_core") == core)
            .map(|e| e["detected_ns"].as_u64().unwrap_or_else(|| instant(e)));
        match detected {
            Some(when) if when <= at + bound => {}
            Some(when) => findings.fail(
                Category::UndetectedFault,
                format!(
                    "the fault of core {core} at {at} ns was detected {} ns later, over \
                     (miss threshold + 2) heartbeats = {bound} ns",
                    when - at
                ),
            ),
            None if trace.end() > at + bound => findings.fail(
                Category::UndetectedFault,
                format!(
                    "the fault of core {core} at {at} ns was never detected (the trace goes on \
                     {} ns after it)",
                    trace.end() - at
                ),
            ),
            None => {}
        }
    }
}
