//! Core faults and real-time-aware migration, under `-icount shift=0,sleep=off` (exact and
//! repeatable): detection by heartbeat, the decision (A against predicted D), the move to a
//! spare core, the guest carrying on, and predicted deadline misses met exactly.

use serde_json::Value;
use system_tests::{assert_downtime_within_prediction, boot_with_config, config, Qemu, Run};

fn run(config_name: &str) -> Run {
    boot_with_config(config_name)
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
    assert_downtime_within_prediction(&done);
    assert_eq!(
        observed_misses(&run, 1, done["t_ns"].as_u64().unwrap()),
        predicted,
        "misses as predicted"
    );
    run.assert_line("[rtos1] DONE jobs=100");
}

#[test]
fn with_no_spare_left_the_vm_shares_a_core_in_time_partitions() {
    let run = run("migrate-demo");
    // Second fault (core 3, rtos2): no spare left; rtos2 joins rtos0 on core 1 in its own slot
    // of a static frame, and both go on meeting their deadlines.
    let decisions = run.events_named("migration_decision");
    let second = one(&decisions, "vm", 2);
    assert_eq!(second["target"], "shared", "{second}");
    assert_eq!(second["target_core"], 1);
    // Within A, yet entering the core takes the restore bound out of rtos2's first slot: its
    // slow task misses once, predicted and then observed.
    let predicted = second["misses_total"].as_u64().unwrap();
    assert_eq!(predicted, 1, "{second}");
    let frame = one(&run.events_named("time_partitions"), "migrant", 2).clone();
    assert_eq!(frame["core"], 1);
    assert_eq!(frame["start_ns"], second["frame_start"]);
    let done = one(&run.events_named("migration_done"), "vm", 2).clone();
    assert_eq!(done["supply"], "time_partition");
    assert_eq!(observed_misses(&run, 2, 0), predicted);
    run.assert_line("[rtos2] DONE jobs=70 misses=1");
    // rtos0 was never on a failed core and met every deadline, in its slot after the move.
    run.assert_line("[rtos0] DONE jobs=60 misses=0");
    run.assert_line("Faults and migrations");
    run.assert_line("Time partitions on core 1:");
}

/// Predicted misses per task of `vm`'s decision against those its guest reported after it
/// resumed.
fn misses_per_task_as_predicted(run: &Run, vm: u64) {
    let decision = one(&run.events_named("migration_decision"), "vm", vm).clone();
    let done = one(&run.events_named("migration_done"), "vm", vm).clone();
    let predicted: Vec<u64> = decision["misses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_u64().unwrap())
        .collect();
    let after = done["t_ns"].as_u64().unwrap();
    let observed: Vec<u64> = (0..predicted.len() as u64)
        .map(|task| {
            run.events_named("deadline_miss")
                .iter()
                .filter(|e| {
                    e["vm"] == vm && e["task"] == task && e["t_ns"].as_u64().unwrap() >= after
                })
                .count() as u64
        })
        .collect();
    assert!(
        predicted.iter().sum::<u64>() >= 1,
        "misses predicted: {predicted:?}"
    );
    assert_eq!(observed, predicted, "vm {vm}: misses per task as predicted");
}

#[test]
fn fail_signal_into_a_time_partition_resumes_live_and_misses_as_predicted() {
    let run = run("migrate-consolidate-signal");
    let decision = one(&run.events_named("migration_decision"), "vm", 1).clone();
    assert_eq!(decision["target"], "shared", "{decision}");
    let done = one(&run.events_named("migration_done"), "vm", 1).clone();
    assert_eq!(done["resume"], "live");
    assert_eq!(done["supply"], "time_partition");
    misses_per_task_as_predicted(&run, 1);
    run.assert_line("[host] DONE jobs=12 misses=0");
}

#[test]
fn consolidation_into_time_partitions_misses_exactly_as_predicted_per_task() {
    let run = run("migrate-consolidate");
    let decision = one(&run.events_named("migration_decision"), "vm", 1).clone();
    assert_eq!(decision["target"], "shared", "{decision}");
    assert_eq!(
        decision["target_core"], 0,
        "core 2 is too busy, core 3 has no task set"
    );
    let (theta, pi) = (
        decision["theta_ns"].as_u64().unwrap(),
        decision["pi_ns"].as_u64().unwrap(),
    );
    assert!(theta < pi && pi <= 2_000_000, "a slot of {theta} in {pi}");
    assert_eq!(decision["server_period"], pi);
    // The frame the core runs is the one the policy planned: the resident first, the migrant's
    // slot last, starting at the restore instant.
    let frame = one(&run.events_named("time_partitions"), "migrant", 1).clone();
    assert_eq!(frame["core"], 0);
    assert_eq!(frame["period_ns"], pi);
    assert_eq!(frame["start_ns"], decision["frame_start"]);
    let slots = frame["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 2);
    assert_eq!(slots[0][0], 0, "the resident's slot first");
    assert_eq!(slots[1][0], 1);
    assert_eq!(slots[1][1], decision["slot_offset"]);
    assert_eq!(
        slots[1][1].as_u64().unwrap() + slots[1][2].as_u64().unwrap(),
        pi,
        "the migrant's slot ends the period"
    );

    let done = one(&run.events_named("migration_done"), "vm", 1).clone();
    assert_downtime_within_prediction(&done);
    misses_per_task_as_predicted(&run, 1);
    // The resident keeps every deadline in its slot, and the guests saw their dark spans.
    run.assert_line("[host] DONE jobs=12 misses=0");
    run.assert_line("[busy] DONE jobs=60 misses=0");
    let switches = run.events_named("partition_switches");
    let (worst, bound) = (
        switches[0]["worst_ns"].as_u64().unwrap(),
        switches[0]["bound_ns"].as_u64().unwrap(),
    );
    assert!(
        worst <= bound,
        "every switch ends within the bound the policy planned with: {worst} ns"
    );
}

fn moved_without_miss(run: &Run, vm: u64, from: u64, resume: &str) {
    let decision = one(&run.events_named("migration_decision"), "vm", vm).clone();
    assert_eq!(decision["failed_core"], from);
    assert_eq!(decision["target"], "spare");
    assert_eq!(decision["target_core"], 3);
    assert_eq!(decision["misses_total"], 0, "D <= A: no miss predicted");
    let done = one(&run.events_named("migration_done"), "vm", vm).clone();
    assert_eq!(done["resume"], resume);
    assert_downtime_within_prediction(&done);
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
    assert_downtime_within_prediction(&done);
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
    // rtos1 (utilization 0.85) fits no slot next to rtos0: stopped and reported.
    assert!(
        run.events_named("vm_stopped")
            .iter()
            .any(|e| e["name"] == "rtos1" && e["reason"] == "not_migrated"),
        "rtos1 stopped and reported"
    );
    // rtos2 then shares the last core with rtos0: misses as predicted, none for rtos0.
    let last = one(&run.events_named("migration_decision"), "vm", 2).clone();
    assert_eq!(
        (last["target"].as_str(), last["target_core"].as_u64()),
        (Some("shared"), Some(0))
    );
    assert_eq!(
        observed_misses(&run, 2, 0),
        last["misses_total"].as_u64().unwrap()
    );
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
    assert_downtime_within_prediction(&done);
    assert_eq!(
        observed_misses(&run, 0, 0),
        decision["misses_total"].as_u64().unwrap(),
        "misses as predicted"
    );
    run.assert_line("[relaxed] DONE jobs=45");
}

#[test]
fn with_copy_migration_a_shared_core_that_spares_the_copy_is_weighed_and_taken() {
    let run = run("migrate-copy-share");
    let decision = one(&run.events_named("migration_decision"), "vm", 0).clone();
    // Both options were predicted: the spare (core 3, with the copy) and core 1 (in place).
    let options: Vec<&str> = decision["alternatives"]
        .as_str()
        .unwrap()
        .split(' ')
        .collect();
    assert_eq!(options.len(), 2, "{decision}");
    assert!(options[0].starts_with("spare:3:"), "{decision}");
    assert!(options[1].starts_with("shared:1:"), "{decision}");
    let field = |option: &str, index: usize| -> u64 {
        option.split(':').nth(index).unwrap().parse().unwrap()
    };
    let (spare, shared) = (options[0], options[1]);
    assert!(
        (field(shared, 2), field(shared, 3)) < (field(spare, 2), field(spare, 3)),
        "the shared core has fewer misses, or as few and a shorter downtime: {decision}"
    );
    assert_eq!(decision["target"], "shared", "{decision}");
    assert_eq!(decision["target_core"], 1);
    assert_eq!(decision["d_copy_ns"], 0, "in place on the shared core");
    assert_eq!(decision["misses_total"].as_u64().unwrap(), field(shared, 2));
    assert_eq!(decision["d_ns"].as_u64().unwrap(), field(shared, 3));
    misses_per_task_as_predicted(&run, 0);
    run.assert_line("[relaxed] DONE jobs=45");
}

#[test]
fn a_second_migrant_takes_the_free_room_of_a_running_frame() {
    let run = run("migrate-refill");
    let frames = run.events_named("time_partitions");
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert!(frames.iter().all(|f| f["core"] == 0));
    assert_eq!(
        frames[1]["start_ns"], frames[0]["start_ns"],
        "the frame keeps its start"
    );
    assert_eq!(frames[1]["period_ns"], frames[0]["period_ns"]);
    let (first, second) = (
        frames[0]["slots"].as_array().unwrap(),
        frames[1]["slots"].as_array().unwrap(),
    );
    assert_eq!(second.len(), 3);
    for slot in first {
        assert!(second.contains(slot), "slot {slot} kept in {second:?}");
    }
    // Each migrant's misses, per task, as its own decision predicted.
    for vm in [1u64, 2] {
        let decision = one(&run.events_named("migration_decision"), "vm", vm).clone();
        assert_eq!(decision["target"], "shared");
        let done = one(&run.events_named("migration_done"), "vm", vm).clone();
        let after = done["t_ns"].as_u64().unwrap();
        assert_eq!(
            observed_misses(&run, vm, after),
            decision["misses_total"].as_u64().unwrap(),
            "vm {vm}: misses as predicted"
        );
    }
    run.assert_line("[light0] DONE jobs=16 misses=0");
    run.assert_line("[light3] DONE jobs=16 misses=0");
}

#[test]
fn a_shared_core_that_signals_hands_one_vm_over_live_and_the_other_from_its_checkpoint() {
    let run = run("migrate-shared-signal");
    let detected: Vec<u64> = run
        .events_named("fault_detected")
        .iter()
        .map(|e| e["failed_core"].as_u64().unwrap())
        .collect();
    assert_eq!(detected, [1, 0]);
    let second: Vec<_> = run
        .events_named("migration_done")
        .into_iter()
        .filter(|e| e["from"] == 0)
        .collect();
    assert_eq!(second.len(), 2, "{second:?}");
    let mut resumes: Vec<&str> = second
        .iter()
        .map(|e| e["resume"].as_str().unwrap())
        .collect();
    resumes.sort();
    assert_eq!(resumes, ["checkpoint", "live"]);
    assert!(second
        .iter()
        .all(|e| e["to"] == 3 && e["supply"] == "time_partition"));
    // Per VM and fault: the misses its decision predicted, observed between its resume and the
    // next fault's decision (or the end).
    let decisions = run.events_named("migration_decision");
    let dones = run.events_named("migration_done");
    for decision in &decisions {
        let (vm, failed) = (decision["vm"].clone(), decision["failed_core"].clone());
        let done = dones
            .iter()
            .find(|d| d["vm"] == vm && d["from"] == failed)
            .unwrap();
        let from = done["t_ns"].as_u64().unwrap();
        let until = decisions
            .iter()
            .map(|d| d["t_ns"].as_u64().unwrap())
            .filter(|&t| t > from)
            .min()
            .unwrap_or(u64::MAX);
        let observed = run
            .events_named("deadline_miss")
            .iter()
            .filter(|e| e["vm"] == vm && (from..until).contains(&e["t_ns"].as_u64().unwrap()))
            .count() as u64;
        // A VM whose jobs end before the prediction's horizon cannot show the misses predicted
        // after its end (the campaign's "cut by the VM's job limit"): then at most as predicted.
        let predicted = decision["misses_total"].as_u64().unwrap();
        let ended = run
            .events_named("vm_stopped")
            .iter()
            .find(|e| e["vm"] == vm)
            .and_then(|e| e["t_ns"].as_u64())
            .unwrap_or(u64::MAX);
        if until == u64::MAX && ended < decision["horizon_ns"].as_u64().unwrap_or(0) {
            assert!(
                observed <= predicted,
                "vm {vm} off core {failed}: {observed} > {predicted}"
            );
        } else {
            assert_eq!(observed, predicted, "vm {vm} off core {failed}");
        }
    }
    run.assert_line("[light3] DONE jobs=16 misses=0");
}
