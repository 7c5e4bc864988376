//! Core faults and real-time-aware migration, under `-icount shift=0,sleep=off` (exact and
//! repeatable): detection by heartbeat, the decision (A against predicted D), the move to a
//! spare core, the guest carrying on, and predicted deadline misses met exactly.

use serde_json::Value;
use system_tests::{config, Qemu, Run};

fn run(config_name: &str) -> Run {
    let run = Qemu::virt(3, 4)
        .cntfrq_1ghz()
        .icount()
        .initrd(&config(config_name))
        .run();
    run.assert_clean_exit();
    assert!(
        run.events_named("panic").is_empty(),
        "the hypervisor never panics"
    );
    run
}

fn one<'a>(events: &'a [Value], key: &str, value: u64) -> &'a Value {
    let found: Vec<&Value> = events.iter().filter(|e| e[key] == value).collect();
    assert_eq!(
        found.len(),
        1,
        "one event with {key} = {value} in {events:?}"
    );
    found[0]
}

/// Observed misses of `vm` after its migration (the guest's own deadline_miss reports).
fn observed_misses(run: &Run, vm: u64, after_ns: u64) -> u64 {
    run.events_named("deadline_miss")
        .iter()
        .filter(|e| e["vm"] == vm && e["t_ns"].as_u64().unwrap() >= after_ns)
        .count() as u64
}

#[test]
fn fail_stop_with_too_little_slack_misses_exactly_as_predicted() {
    let run = run("migrate-demo");
    let injected = run.events_named("fault_injected");
    let detected = run.events_named("fault_detected");
    let first = one(&detected, "failed_core", 2);
    assert_eq!(first["kind"], "stop");
    let truth = injected.iter().find(|e| e["core"] == 2).unwrap()["at_ns"]
        .as_u64()
        .unwrap();
    let latency = first["t_ns"].as_u64().unwrap() - truth;
    assert!(
        latency <= 4 * 200_000,
        "detected within threshold + 2 heartbeats: {latency} ns"
    );

    let decisions = run.events_named("migration_decision");
    let decision = one(&decisions, "vm", 1);
    assert_eq!(decision["target"], "spare");
    assert_eq!(decision["target_core"], 0);
    let (a, d) = (
        decision["a_ns"].as_u64().unwrap(),
        decision["d_ns"].as_u64().unwrap(),
    );
    assert!(d > a, "this VM cannot afford the downtime: A {a} D {d}");
    let predicted: u64 = decision["misses_total"].as_u64().unwrap();
    assert!(predicted >= 1);

    let done = one(&run.events_named("migration_done"), "vm", 1).clone();
    let (measured, predicted_d) = (
        done["measured_ns"].as_u64().unwrap(),
        done["predicted_ns"].as_u64().unwrap(),
    );
    assert!(
        measured <= predicted_d,
        "measured {measured} <= predicted {predicted_d}"
    );
    assert!(
        measured * 10 >= predicted_d * 8,
        "measured {measured} >= 80 % of predicted {predicted_d}"
    );
    assert_eq!(
        observed_misses(&run, 1, done["t_ns"].as_u64().unwrap()),
        predicted,
        "misses as predicted"
    );
    run.assert_line("[rtos1] DONE jobs=100");
}

#[test]
fn a_vm_with_enough_slack_moves_without_a_miss_and_no_spare_is_reported() {
    let run = run("migrate-demo");
    // Second fault (core 3, rtos2): no spare left; the VM is stopped and reported, never lost.
    let decisions = run.events_named("migration_decision");
    let second = one(&decisions, "vm", 2);
    assert_ne!(second["target"], "spare");
    let stopped = run.events_named("vm_stopped");
    assert!(
        stopped
            .iter()
            .any(|e| e["name"] == "rtos2" && e["reason"] != "system_off"),
        "{stopped:?}"
    );
    // rtos0 was never on a failed core and met every deadline.
    run.assert_line("[rtos0] DONE jobs=60 misses=0");
    run.assert_line("Faults and migrations");
}

fn moved_without_miss(run: &Run, vm: u64, from: u64, resume: &str) {
    let decision = one(&run.events_named("migration_decision"), "vm", vm).clone();
    assert_eq!(decision["failed_core"], from);
    assert_eq!(decision["target"], "spare");
    assert_eq!(decision["target_core"], 3);
    assert_eq!(decision["misses_total"], 0, "D <= A: no miss predicted");
    let done = one(&run.events_named("migration_done"), "vm", vm).clone();
    assert_eq!(done["resume"], resume);
    let (measured, predicted) = (
        done["measured_ns"].as_u64().unwrap(),
        done["predicted_ns"].as_u64().unwrap(),
    );
    assert!(
        measured <= predicted && measured * 10 >= predicted * 8,
        "measured {measured} predicted {predicted}"
    );
    assert_eq!(observed_misses(run, vm, 0), 0, "no deadline missed");
}

#[test]
fn the_boot_core_fails_stop_and_its_vm_moves_to_the_spare_without_a_miss() {
    let run = run("migrate-slack");
    assert_eq!(
        one(&run.events_named("fault_detected"), "failed_core", 0)["kind"],
        "stop"
    );
    moved_without_miss(&run, 0, 0, "checkpoint");
    run.assert_line("[relaxed] DONE jobs=45 misses=0");
}

#[test]
fn fail_signal_hands_over_the_live_state() {
    let run = run("migrate-signal");
    let detected = one(&run.events_named("fault_detected"), "failed_core", 0).clone();
    assert_eq!(detected["kind"], "signal");
    moved_without_miss(&run, 0, 0, "live");
    run.assert_line("[relaxed] DONE jobs=45 misses=0");
}

#[test]
fn a_fault_on_the_target_core_during_the_move_is_decided_again() {
    let run = Qemu::virt(3, 5)
        .cntfrq_1ghz()
        .icount()
        .initrd(&config("migrate-target-fails"))
        .run();
    run.assert_clean_exit();
    assert!(run.events_named("panic").is_empty());
    let decisions: Vec<Value> = run
        .events_named("migration_decision")
        .into_iter()
        .filter(|e| e["vm"] == 1)
        .collect();
    assert_eq!(decisions.len(), 2, "decided once per failed core");
    assert_eq!(
        (
            decisions[0]["failed_core"].as_u64(),
            decisions[0]["target_core"].as_u64()
        ),
        (Some(2), Some(0))
    );
    assert_eq!(
        (
            decisions[1]["failed_core"].as_u64(),
            decisions[1]["target_core"].as_u64()
        ),
        (Some(0), Some(4))
    );
    let done = one(&run.events_named("migration_done"), "vm", 1).clone();
    assert_eq!(done["to"], 4);
    let (measured, predicted) = (
        done["measured_ns"].as_u64().unwrap(),
        done["predicted_ns"].as_u64().unwrap(),
    );
    assert!(
        measured <= predicted && measured * 10 >= predicted * 8,
        "measured {measured} predicted {predicted}"
    );
    let predicted_misses = decisions[1]["misses_total"].as_u64().unwrap();
    assert_eq!(
        observed_misses(&run, 1, 0),
        predicted_misses,
        "misses as predicted by the second decision"
    );
    run.assert_line("[rtos1] DONE jobs=100");
}

#[test]
fn every_core_but_one_fails_in_turn() {
    let run = run("migrate-cascade");
    let failed: Vec<u64> = run
        .events_named("fault_detected")
        .iter()
        .map(|e| e["failed_core"].as_u64().unwrap())
        .collect();
    assert_eq!(failed, [1, 2, 3], "each fault detected once, in order");
    assert_eq!(one(&run.events_named("migration_done"), "vm", 0)["to"], 0);
    run.assert_line("[rtos0] DONE jobs=60 misses=0");
    for vm in ["rtos1", "rtos2"] {
        assert!(
            run.events_named("vm_stopped")
                .iter()
                .any(|e| e["name"] == vm && e["reason"] == "not_migrated"),
            "{vm} stopped and reported"
        );
    }
}

#[test]
fn copy_migration_moves_the_memory_and_meets_the_prediction() {
    let run = run("migrate-copy");
    let calibrated = run.events_named("copy_calibrated");
    assert_eq!(
        calibrated.len(),
        1,
        "the spare core measured the copy bandwidth"
    );
    let decision = one(&run.events_named("migration_decision"), "vm", 0).clone();
    let copy = decision["d_copy_ns"].as_u64().unwrap();
    let bandwidth = calibrated[0]["bytes_per_s"].as_u64().unwrap();
    let expected = ((8u128 << 20) * 1_000_000_000).div_ceil(u128::from(bandwidth)) as u64;
    assert_eq!(
        copy, expected,
        "copy term = size / measured bandwidth, rounded up"
    );
    let done = one(&run.events_named("migration_done"), "vm", 0).clone();
    let (measured, predicted) = (
        done["measured_ns"].as_u64().unwrap(),
        done["predicted_ns"].as_u64().unwrap(),
    );
    assert!(
        measured <= predicted && measured * 10 >= predicted * 8,
        "measured {measured} predicted {predicted}"
    );
    assert_eq!(
        observed_misses(&run, 0, 0),
        decision["misses_total"].as_u64().unwrap(),
        "misses as predicted"
    );
    run.assert_line("[relaxed] DONE jobs=45");
}
