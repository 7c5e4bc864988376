//! The campaign's checker on hand-written traces (no QEMU): each check passes a correct trace
//! and fails the defect it exists for, with the category the report counts it under.

use std::time::Duration;
use system_tests::campaign::runner::{Boot, LayoutRuns};
use system_tests::campaign::trace::Trace;
use system_tests::campaign::{check, generate, Category};

const START: &str = r#"EVT {"ev":"vm_created","t_ns":1,"core":0,"vm":0,"name":"a"}
EVT {"ev":"vm_created","t_ns":2,"core":0,"vm":1,"name":"b"}
EVT {"ev":"vm_started","t_ns":10,"core":1,"vm":0,"name":"a","vcpu":0}
EVT {"ev":"vm_started","t_ns":11,"core":3,"vm":1,"name":"b","vcpu":0}"#;
const END: &str = r#"EVT {"ev":"vm_stopped","t_ns":9000000,"core":3,"vm":1,"name":"b","reason":"system_off"}
EVT {"ev":"system_off","t_ns":9000001,"core":0,"vms":2}"#;
/// Core 1 stops; a moves to core 0 with one miss of task 0 predicted.
const MOVE_A: &str = r#"EVT {"ev":"fault_injected","t_ns":1000000,"core":1,"kind":"stop","at_ns":1000000}
EVT {"ev":"fault_detected","t_ns":1400000,"core":2,"failed_core":1,"kind":"stop","last_beat_ns":1000000}
EVT {"ev":"migration_decision","t_ns":1500000,"core":2,"failed_core":1,"vm":0,"name":"a","misses":[1,0],"misses_complete":1,"target":"spare","target_core":0}
EVT {"ev":"migration_done","t_ns":1700000,"core":0,"vm":0,"name":"a","from":1,"to":0,"predicted_ns":800000,"measured_ns":700000,"late_ns":0,"resume_at_ns":1700000,"supply":"whole_core"}"#;
const MISS_A0: &str = r#"EVT {"ev":"deadline_miss","t_ns":1800000,"core":0,"vm":0,"name":"a","task":0,"job":3,"release_ns":1}"#;
const STOP_A: &str =
    r#"EVT {"ev":"vm_stopped","t_ns":8000000,"core":0,"vm":0,"name":"a","reason":"system_off"}"#;
const FAULT_FREE: &str =
    r#"EVT {"ev":"vm_stopped","t_ns":8000000,"core":1,"vm":0,"name":"a","reason":"system_off"}"#;

/// The fault-free run: both VMs run to their end.
const CALM: [&str; 3] = [START, FAULT_FREE, END];

fn boot(parts: &[&str]) -> Boot {
    Boot {
        trace: Trace::parse(&parts.join("\n")),
        output: String::new(),
        timed_out: false,
        status: Some(0),
        elapsed: Duration::ZERO,
    }
}

/// The categories the checker finds in `faulty` (with `fault_free` as its fault-free run).
fn categories(faulty: &[&str], fault_free: &[&str]) -> Vec<Category> {
    let mut layout = generate(1);
    layout.heartbeat_us = Some(200);
    layout.miss_threshold = Some(2);
    let runs = LayoutRuns {
        plan: Vec::new(),
        config: String::new(),
        faulty: boot(faulty),
        fault_free: boot(fault_free),
        boots: 2,
    };
    let verdict = check::check(&layout, &runs);
    let mut found: Vec<Category> = verdict.failures.iter().map(|f| f.category).collect();
    found.dedup();
    found
}

#[test]
fn a_migration_with_its_predicted_miss_passes() {
    let faulty = [START, MOVE_A, MISS_A0, STOP_A, END];
    assert_eq!(categories(&faulty, &CALM), []);
}

#[test]
fn a_miss_the_prediction_did_not_have_fails_unless_the_fault_free_run_has_it_too() {
    let other = r#"EVT {"ev":"deadline_miss","t_ns":1900000,"core":0,"vm":0,"name":"a","task":1,"job":0,"release_ns":1}"#;
    let faulty = [START, MOVE_A, MISS_A0, other, STOP_A, END];
    assert_eq!(categories(&faulty, &CALM), [Category::MissPrediction]);
    // The same job misses without the fault: not the migration's doing.
    assert_eq!(
        categories(&faulty, &[START, other, FAULT_FREE, END]),
        [Category::UnpredictedMiss]
    );
    let faulty = [START, MOVE_A, MISS_A0, STOP_A, END];
    assert_eq!(categories(&faulty, &CALM), []);
}

#[test]
fn a_core_declared_failed_or_fenced_without_a_fault_is_a_false_detection() {
    let claim = r#"EVT {"ev":"fault_detected","t_ns":500,"core":2,"failed_core":3,"kind":"stop","last_beat_ns":100}"#;
    let fence = r#"EVT {"ev":"fenced","t_ns":600,"core":2,"reason":"declared failed by a peer"}"#;
    let found = categories(&[START, claim, fence, FAULT_FREE, END], &CALM);
    assert_eq!(found, [Category::FalseDetection]);
}

#[test]
fn two_vms_sent_to_one_spare_is_a_shared_room_and_the_hidden_one_is_lost() {
    let move_b = r#"EVT {"ev":"fault_injected","t_ns":1000000,"core":3,"kind":"stop","at_ns":1000000}
EVT {"ev":"fault_detected","t_ns":1400000,"core":2,"failed_core":3,"kind":"stop","last_beat_ns":1000000}
EVT {"ev":"migration_decision","t_ns":1500001,"core":2,"failed_core":3,"vm":1,"name":"b","misses":[0],"target":"spare","target_core":0}
EVT {"ev":"migration_done","t_ns":1800000,"core":0,"vm":1,"name":"b","from":3,"to":0,"predicted_ns":900000,"measured_ns":800000,"late_ns":0,"supply":"whole_core"}
EVT {"ev":"vm_stopped","t_ns":8000000,"core":0,"vm":1,"name":"b","reason":"system_off"}"#;
    // a never stops: the run does not reach system_off either.
    let found = categories(&[START, MOVE_A, MISS_A0, move_b], &CALM);
    assert_eq!(
        found,
        [Category::Hang, Category::SharedRoom, Category::LostVm]
    );
}

#[test]
fn a_vm_decided_but_never_resumed_nor_stopped_is_lost() {
    let decided_only: Vec<&str> = MOVE_A.lines().take(3).collect();
    let found = categories(&[START, &decided_only.join("\n"), END], &CALM);
    assert_eq!(found, [Category::LostVm]);
}

#[test]
fn a_later_fault_cuts_the_window_to_at_most_the_prediction() {
    let cut = r#"EVT {"ev":"fault_injected","t_ns":2000000,"core":0,"kind":"stop","at_ns":2000000}
EVT {"ev":"fault_detected","t_ns":2400000,"core":2,"failed_core":0,"kind":"stop","last_beat_ns":2000000}
EVT {"ev":"migration_decision","t_ns":2500000,"core":2,"failed_core":0,"vm":0,"name":"a","misses":[0,0],"target":"stop","target_core":0}
EVT {"ev":"vm_stopped","t_ns":2500001,"core":2,"vm":0,"name":"a","reason":"not_migrated"}"#;
    // Before the cut, fewer misses than predicted: the rest would have come after it.
    assert_eq!(categories(&[START, MOVE_A, cut, END], &CALM), []);
    let late = r#"EVT {"ev":"deadline_miss","t_ns":1900000,"core":0,"vm":0,"name":"a","task":1,"job":0,"release_ns":1}"#;
    let found = categories(&[START, MOVE_A, late, cut, END], &CALM);
    assert_eq!(found, [Category::MissPrediction]);
}

#[test]
fn a_seed_gives_one_layout_whose_task_sets_fit_and_whose_faults_exist() {
    for seed in 0..64 {
        let layout = generate(seed);
        assert_eq!(layout, generate(seed), "seed {seed} reproduces");
        assert!(layout.vms.len() < layout.cores && !layout.vms.is_empty());
        for vm in &layout.vms {
            assert!(
                system_tests::campaign::tasks::schedulable(&vm.tasks, vm.scheduler, 0.8),
                "{vm:?}"
            );
        }
        let fixed = layout.faults.iter().filter_map(|f| match f.core {
            system_tests::campaign::layout::FaultCore::Fixed(core) => Some(core),
            _ => None,
        });
        assert!(fixed.into_iter().all(|core| core < layout.cores));
    }
}

#[test]
fn a_window_whose_vm_ran_out_of_jobs_may_hold_fewer_misses_than_predicted() {
    let two = MOVE_A.replace(r#""misses":[1,0]"#, r#""misses":[2,0]"#);
    let faulty = [START, &two, MISS_A0, STOP_A, END];
    assert_eq!(categories(&faulty, &CALM), [Category::MissPrediction]);
    // Job 3 was task 0's last: the second predicted miss was of a job never released.
    let limits = "[a] TASK 0 t0 C=1 T=2 D=2 O=0 P=0 S=0 J=4";
    let faulty = [limits, START, &two, MISS_A0, STOP_A, END];
    assert_eq!(categories(&faulty, &CALM), []);
}
