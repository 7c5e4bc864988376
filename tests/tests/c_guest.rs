//! The C guest (`rtos-c`, guest-c/), paravirtualized with the C porting kit alone (kairos.h,
//! kairos_platform.h, kairos_supply.h, kairos_recovery.h, the analysis library): it boots on
//! the virtual platform docs/virtual-platform.md describes, reports its slack, and when its
//! core fails it migrates and misses exactly what the hypervisor predicted, per task: on a
//! spare core after a blackout longer than its slack (D > A), with none when D <= A, and in a
//! time partition through the supply log. Under `-icount` with a 1 GHz counter: exact and
//! repeatable.

use std::sync::OnceLock;

use serde_json::Value;
use system_tests::{
    assert_downtime_within_prediction, boot_with_config, field, misses_per_task, vm_lines, Run,
};

/// c-tight (vm 0, core 1, D > A) and c-relaxed (vm 1, core 2, D <= A) on spare cores.
fn spare_run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| boot_with_config("c-guest-migrate"))
}

/// The one event named `name` of VM `vm`.
fn event_of(run: &Run, name: &str, vm: u64) -> Value {
    let found: Vec<Value> = run
        .events_named(name)
        .into_iter()
        .filter(|event| event["vm"] == vm)
        .collect();
    assert_eq!(found.len(), 1, "one {name} of vm {vm}: {found:?}");
    found[0].clone()
}

fn numbers(value: &Value) -> Vec<u64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect()
}

/// The line of `lines` starting with `prefix`.
fn line<'a>(lines: &[&'a str], prefix: &str) -> &'a str {
    lines
        .iter()
        .find(|line| line.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} line in {lines:#?}"))
}

/// `missed=` of each `RESULT` line.
fn missed_per_task(lines: &[&str]) -> Vec<u64> {
    lines
        .iter()
        .filter(|line| line.starts_with("RESULT "))
        .map(|line| field(line, "missed"))
        .collect()
}

/// The guest's own prediction: `PREDICTED for=<ns> total=<n> misses=<m0,m1,...>`.
fn guest_prediction(lines: &[&str]) -> (u64, Vec<u64>) {
    let predicted = line(lines, "PREDICTED ");
    let misses = predicted
        .split_whitespace()
        .find_map(|word| word.strip_prefix("misses="))
        .expect("misses=")
        .split(',')
        .map(|n| n.parse().unwrap())
        .collect();
    (field(predicted, "for"), misses)
}

/// The guest resumed from the checkpoint the decision predicted from, at the planned instant,
/// and its misses after the move are the decision's, per task (also in its own RESULT lines).
fn misses_as_decided(run: &Run, vm: u64, name: &str) -> (Value, Vec<u64>) {
    let decision = event_of(run, "migration_decision", vm);
    let done = event_of(run, "migration_done", vm);
    let lines = vm_lines(run, name);
    let recovered = line(&lines, "RECOVERED ");
    assert_eq!(
        field(recovered, "from"),
        decision["t_u"].as_u64().unwrap(),
        "{name}: restored the checkpoint the hypervisor predicted from"
    );
    assert_eq!(
        field(recovered, "at"),
        decision["resume_at_ns"].as_u64().unwrap(),
        "{name}: resumed at the planned end of the blackout"
    );
    let predicted = numbers(&decision["misses"]);
    let after = done["t_ns"].as_u64().unwrap();
    let observed = misses_per_task(run, vm, predicted.len(), after, u64::MAX);
    assert_eq!(observed, predicted, "{name}: misses per task as predicted");
    assert_eq!(
        misses_per_task(run, vm, predicted.len(), 0, after),
        vec![0; predicted.len()],
        "{name}: no miss before the fault"
    );
    assert_eq!(missed_per_task(&lines), predicted, "{name}: its own count");
    (decision, predicted)
}

#[test]
fn the_c_guest_boots_on_the_documented_platform_and_reports_through_every_call() {
    let run = spare_run();
    for (vm, name, core, scheduler) in [(0u64, "c-tight", 1, "edf"), (1, "c-relaxed", 2, "fp")] {
        let lines = vm_lines(run, name);
        // ConsoleWrite, Version, WhoAmI and Clock answered; x0 = the DTB at the RAM base.
        assert!(lines.contains(&"rtos-c: hello through the console hypercall"));
        let greeting = format!(
            "rtos-c: vm {vm} vcpu 0 core {core} abi 0.3 counter 1000000000 Hz \
             (CNTFRQ 1000000000) dtb 0x40000000"
        );
        assert!(lines.contains(&greeting.as_str()), "{name}: {lines:#?}");
        assert_eq!(event_of(run, "vm_created", vm)["dtb"], "0x40000000");
        // The task set from /kairos/tasks, registered (RtRegister, RtCheckpoint).
        assert!(line(&lines, "TASKSET ").starts_with(&format!("TASKSET {scheduler} n=2")));
        assert!(line(&lines, "TASKSET ").ends_with("source=dt"));
        let registered = event_of(run, "rt_register", vm);
        assert_eq!(
            (
                registered["tasks"].as_u64(),
                registered["scheduler"].as_str()
            ),
            (Some(2), Some(scheduler))
        );
        // RtReport at every event: sampled reports in order, with the slack the library found.
        let reports: Vec<Value> = run
            .events_named("slack_report")
            .into_iter()
            .filter(|e| e["vm"] == vm)
            .collect();
        assert!(
            reports.len() >= 10,
            "{name}: {} sampled reports",
            reports.len()
        );
        let sequences: Vec<u64> = reports.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
        assert!(
            sequences.windows(2).all(|pair| pair[0] < pair[1]),
            "{name}: in order"
        );
        let done = line(&lines, "DONE ");
        assert!(
            field(done, "events") >= *sequences.last().unwrap(),
            "{name}: {done}"
        );
        assert_eq!(field(done, "inexact"), 0, "{name}: every scan exact");
    }
}

#[test]
fn the_c_guest_fails_stop_with_d_above_a_and_misses_exactly_as_predicted_per_task() {
    let run = spare_run();
    let (decision, predicted) = misses_as_decided(run, 0, "c-tight");
    assert_eq!(decision["failed_core"], 1);
    assert_eq!(decision["target"], "spare");
    let (a, d) = (
        decision["a_ns"].as_u64().unwrap(),
        decision["d_ns"].as_u64().unwrap(),
    );
    assert!(d > a, "the downtime exceeds the slack: A {a} D {d}");
    assert!(
        predicted.iter().sum::<u64>() > 0,
        "misses predicted: {predicted:?}"
    );
    assert_downtime_within_prediction(&event_of(run, "migration_done", 0));
    // The guest's own prediction (the analysis library, from its committed slot, for the
    // blackout it lived through) is the hypervisor's.
    let lines = vm_lines(run, "c-tight");
    let (blackout, misses) = guest_prediction(&lines);
    assert_eq!(blackout, decision["blackout_ns"].as_u64().unwrap());
    assert_eq!(misses, predicted);
    let total: u64 = predicted.iter().sum();
    let done = format!("DONE jobs=120 misses={total} ");
    assert!(
        lines.iter().any(|l| l.starts_with(&done)),
        "the guest ends with exactly the predicted misses ({done}): {lines:#?}"
    );
}

#[test]
fn the_c_guest_with_slack_to_spare_moves_without_a_miss() {
    let run = spare_run();
    let (decision, predicted) = misses_as_decided(run, 1, "c-relaxed");
    assert_eq!(
        (
            decision["failed_core"].as_u64(),
            decision["target_core"].as_u64()
        ),
        (Some(2), Some(3))
    );
    assert!(decision["d_ns"].as_u64().unwrap() <= decision["a_ns"].as_u64().unwrap());
    assert_eq!(predicted, [0, 0]);
    let lines = vm_lines(run, "c-relaxed");
    assert_eq!(guest_prediction(&lines).1, [0, 0]);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("DONE jobs=75 misses=0 ")),
        "{lines:#?}"
    );
}

#[test]
fn the_c_guest_in_a_time_partition_replays_its_dark_spans_and_misses_as_predicted() {
    let run = boot_with_config("c-guest-consolidate");
    let (decision, predicted) = misses_as_decided(&run, 1, "victim");
    assert_eq!(
        (
            decision["target"].as_str(),
            decision["target_core"].as_u64()
        ),
        (Some("shared"), Some(0))
    );
    assert!(predicted.iter().sum::<u64>() > 0, "{decision}");
    assert_eq!(
        event_of(&run, "migration_done", 1)["supply"],
        "time_partition"
    );
    // Both VMs of core 0 read the supply log and applied its spans; the resident, within its
    // slot, kept every deadline.
    for name in ["victim", "host"] {
        let lines = vm_lines(&run, name);
        let done = line(&lines, "DONE ");
        let dark = done
            .split_whitespace()
            .find_map(|word| word.strip_prefix("dark="))
            .unwrap();
        let (spans, nanoseconds) = dark.split_once('/').unwrap();
        assert!(
            spans.parse::<u64>().unwrap() > 10 && nanoseconds.parse::<u64>().unwrap() > 0,
            "{name}: {done}"
        );
        assert!(
            !lines.iter().any(|l| l.starts_with("SUPPLY lost=")),
            "{name}: no span lost"
        );
    }
    assert!(vm_lines(&run, "host")
        .iter()
        .any(|l| l.starts_with("DONE jobs=12 misses=0 ")));
    assert!(vm_lines(&run, "busy")
        .iter()
        .any(|l| l.starts_with("DONE jobs=60 misses=0 ")));
}
