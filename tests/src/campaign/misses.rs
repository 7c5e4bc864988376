//! Observed against predicted deadline misses, per migration and task (the windows are
//! explained in docs/fault-campaign.md).
//!
//! A miss counts only if the fault-free run of the same config does not have it (same VM, task
//! and job number). The window of a migration is the stay it starts: from its `migration_done`
//! to the end of the VM's time on that core (the next fault of that core, the VM's next
//! decision, its `vm_stopped`, or the end of the trace). A window that a later fault cut short
//! holds only the misses reported before that fault; the rest of the backlog is predicted
//! again by the next decision, so there observed <= predicted per task is all that holds,
//! unless the decision says (`horizon_ns`) that its prediction ended before the cut. A VM
//! resumed as soon as it was ready (`resume_mode: asap`) came back no later than planned, so
//! there too observed <= predicted per task; held to the planned instant, they are equal.

use super::accounting::Stay;
use super::trace::{number, Trace};
use super::verdict::{Category, Findings};
use serde_json::Value;
use std::collections::BTreeSet;

/// A miss's identity: VM name, task, job.
pub type MissKey = (String, u64, u64);

/// The misses of `trace`, by identity.
pub fn keys(trace: &Trace) -> BTreeSet<MissKey> {
    trace.named("deadline_miss").map(key).collect()
}

fn key(miss: &Value) -> MissKey {
    let name = miss["name"].as_str().unwrap_or("?").to_string();
    (name, number(miss, "task"), number(miss, "job"))
}

/// Checks every migration's misses and that no miss falls outside a migration window.
pub fn check(
    trace: &Trace,
    stays: &[Stay],
    fault_free: &BTreeSet<MissKey>,
    findings: &mut Findings,
) {
    let misses: Vec<&Value> = trace
        .named("deadline_miss")
        .filter(|m| !fault_free.contains(&key(m)))
        .collect();
    for miss in &misses {
        let (vm, at) = (number(miss, "vm"), number(miss, "t_ns"));
        let stay = stays
            .iter()
            .find(|s| s.vm == vm && (s.from_ns..=s.until_ns).contains(&at));
        if stay.is_none_or(|s| s.arrival.is_none()) {
            findings.fail(
                Category::UnpredictedMiss,
                format!(
                    "{} task {} job {} (released {} ns) missed, reported at {at} ns on core {}, \
                     outside every migration window",
                    miss["name"], miss["task"], miss["job"], miss["release_ns"], miss["core"]
                ),
            );
        }
    }
    for stay in stays {
        if let Some((decision, done)) = &stay.arrival {
            let window: Vec<&Value> = misses
                .iter()
                .copied()
                .filter(|m| {
                    number(m, "vm") == stay.vm
                        && (stay.from_ns..=stay.until_ns).contains(&number(m, "t_ns"))
                })
                .collect();
            migration(trace, stay, decision, done, &window, findings);
        }
    }
}

/// One migration: misses, resume instant, downtime.
fn migration(
    trace: &Trace,
    stay: &Stay,
    decision: &Value,
    done: &Value,
    window: &[&Value],
    findings: &mut Findings,
) {
    let what = format!(
        "{} moved from core {} to core {} (decided at {} ns, resumed at {} ns, window to {} ns)",
        stay.name,
        decision["failed_core"],
        stay.core,
        number(decision, "t_ns"),
        stay.from_ns,
        stay.until_ns
    );
    if number(done, "late_ns") > 0 {
        findings.fail(
            Category::LateResume,
            format!(
                "{what}: resumed {} ns after its planned instant {} ns",
                done["late_ns"], done["resume_at_ns"]
            ),
        );
    }
    if number(done, "measured_ns") > number(done, "predicted_ns") {
        findings.fail(
            Category::DowntimeOverPrediction,
            format!(
                "{what}: downtime {} ns, predicted {} ns",
                done["measured_ns"], done["predicted_ns"]
            ),
        );
    }
    if !stay.stopped && stay.hit_ns.is_none() {
        // The VM never stopped nor was struck again: it is lost (or the run hung), and its
        // misses are not all in: `accounting` and the hang check report it.
        findings.count("migrations not checkable (VM lost or run hung)", 1);
        return;
    }
    let Some(predicted) = decision["misses"].as_array() else {
        // No prediction is possible for a VM that has not reported yet (or never does, like a
        // guest without a paravirtual RTOS); one that has must get one.
        if reported_before(trace, stay.vm, number(decision, "t_ns")) {
            findings.fail(
                Category::MissPrediction,
                format!("{what}: the VM reported its slack, yet its decision has no `misses`"),
            );
        } else {
            findings.count("migrations of VMs that never reported (no prediction)", 1);
        }
        return;
    };
    let predicted: Vec<u64> = predicted.iter().map(|m| m.as_u64().unwrap_or(0)).collect();
    let mut observed = vec![0u64; predicted.len()];
    for miss in window {
        if let Some(slot) = observed.get_mut(number(miss, "task") as usize) {
            *slot += 1;
        }
    }
    findings.count("misses predicted", predicted.iter().sum());
    findings.count("misses observed after migrations", observed.iter().sum());
    let horizon_before_cut = decision["horizon_ns"]
        .as_u64()
        .zip(stay.hit_ns)
        .is_some_and(|(h, cut)| h <= cut);
    // The guest stops releasing a task's jobs after `kairos,jobs`; the prediction does not.
    // If a task's last job missed, the backlog outlived the jobs and the rest never came.
    let ran_out = window
        .iter()
        .any(|m| trace.job_limit(&stay.name, number(m, "task")) == Some(number(m, "job") + 1));
    let cut = match (stay.hit_ns.is_some() && !horizon_before_cut, ran_out) {
        (true, _) => Some("a later fault"),
        (false, true) => Some("the VM's job limit"),
        (false, false) => None,
    };
    // Resumed as soon as ready (`asap`), the VM's blackout ends no later than planned: the
    // prediction is an upper bound. Held to the planned instant, it is exact.
    let asap = done["resume_mode"] == "asap";
    let within = observed.iter().zip(&predicted).all(|(o, p)| o <= p);
    let holds = if let Some(by) = cut {
        let figure = if by == "a later fault" {
            "migrations cut by a later fault"
        } else {
            "migrations cut by the VM's job limit"
        };
        findings.count(figure, 1);
        within
    } else if asap {
        findings.count("asap migrations checked as a bound", 1);
        within
    } else {
        findings.count("migrations checked exactly", 1);
        observed == predicted
    };
    if holds {
        findings.count(
            match (cut, asap) {
                (Some(_), _) => "cut migrations within prediction",
                (None, true) => "asap migrations within prediction",
                (None, false) => "exact miss predictions",
            },
            1,
        );
        if asap && observed != predicted {
            findings.count("asap migrations with fewer misses than predicted", 1);
        }
        return;
    }
    let jobs: Vec<String> = window
        .iter()
        .map(|m| format!("t{}j{}", m["task"], m["job"]))
        .collect();
    findings.fail(
        Category::MissPrediction,
        format!(
            "{what}: predicted misses per task {predicted:?} (complete {}), observed {observed:?}{} [{}]",
            decision["misses_complete"],
            match (cut, asap) {
                (Some(by), _) => format!(" before {by} cut the window (must not exceed)"),
                (None, true) => " resumed as soon as ready (must not exceed)".into(),
                (None, false) => String::new(),
            },
            jobs.join(" ")
        ),
    );
}

/// True when `vm` sent a slack report before `instant`.
fn reported_before(trace: &Trace, vm: u64, instant: u64) -> bool {
    trace
        .named("slack_report")
        .any(|r| number(r, "vm") == vm && number(r, "t_ns") < instant)
}
