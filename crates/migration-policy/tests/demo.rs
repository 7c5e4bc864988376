//! The `make run` demo's second fault (`tests/configs/migrate-demo.dts`): core 3 fails
//! (fail-stop) at 120 ms when core 2 has already failed and rtos1 took the spare core 0, so
//! rtos2 can only share a core.

mod common;

use common::*;
use migration_policy::{
    candidate_periods, plan, server_budget, trace_fields, CoreInput, FaultKind, MigratePolicy,
    Reason, Target, TraceValue,
};
use rt_analysis::simulate::simulate;
use rt_analysis::{rate_monotonic_priorities, Scheduler, SimState, Task, TaskSet};

fn rtos0() -> TaskSet {
    edf(&[(1_000 * US, 10_000 * US), (500 * US, 5_000 * US)])
}

fn rtos1() -> TaskSet {
    edf(&[(1_700 * US, 2_000 * US)])
}

fn rtos2() -> TaskSet {
    let mut tasks = [
        Task::periodic(500 * US, 4_000 * US),
        Task::periodic(2_000 * US, 10_000 * US),
    ];
    rate_monotonic_priorities(&mut tasks);
    TaskSet::new(tasks.to_vec(), Scheduler::FixedPriority).unwrap()
}

#[test]
fn rtos2_shares_core_1_with_rtos0() {
    let (set0, set1, set2) = (rtos0(), rtos1(), rtos2());
    let periods = candidate_periods(&[&set0, &set1, &set2], 100 * US);
    assert_eq!(periods, [1_000 * US, 500 * US, 250 * US, 125 * US]);
    // rtos1 (U = 0.85) leaves core 0 no room at any candidate; rtos0 (U = 0.2) does.
    for &pi in &periods {
        let theta1 = server_budget(&set1, pi).unwrap().0;
        let theta2 = server_budget(&set2, pi).unwrap().0;
        assert!(theta1 + theta2 + 10 * US > pi, "{pi}");
    }

    // rtos2's schedule, checkpointed at 119.8 ms; the core stops after the heartbeat of
    // 119.9 ms and is declared dead at 120.5 ms (heartbeat 200 us, 2 misses, detection lag).
    let checkpoint = simulate(&set2, &SimState::initial(&set2), 119_800 * US, None)
        .unwrap()
        .end;
    let migrant = vm(
        2,
        MigratePolicy::Always,
        Some(reporting(set2.clone(), checkpoint)),
    );
    let cores = vec![
        occupied(0, &[(1, Some(set1))]),
        occupied(1, &[(0, Some(set0.clone()))]),
        CoreInput {
            healthy: false,
            ..CoreInput::idle(2)
        },
        failed_core(3, &[2]),
    ];
    let fault = fault(FaultKind::FailStop, 3, 119_900 * US, 120_500 * US);
    let d = &plan(&fault, &[migrant], &cores, &platform_with(&periods, 5 * US)).decisions[0];
    // The longest candidate admits: 1 ms, with theta = 2/9 ms (EDF: dbf(10 ms) = 2 ms <=
    // sbf(10 ms) = 9 theta) and 3.5/9 ms (RM, slow task at t = 10 ms: 2 + 3 x 0.5 ms).
    let (theta0, theta2) = (222_223, 388_889);
    assert_eq!(server_budget(&set0, 1_000 * US), Some((theta0, 1_000 * US)));
    assert_eq!(
        d.target,
        Target::Shared {
            core: 1,
            budget: (theta2, 1_000 * US)
        }
    );
    let frame = d.frame.as_ref().unwrap();
    assert_eq!((frame.start, d.restore_at), (120_700 * US, 120_700 * US));
    let slot = |vm| frame.slot_of(vm).map(|s| (s.offset, s.length));
    assert_eq!(slot(0), Some((0, theta0 + 5 * US)));
    assert_eq!(
        slot(2),
        Some((1_000 * US - theta2 - 5 * US, theta2 + 5 * US))
    );
    assert_eq!(frame.slots.len(), 2);
    // Entering the core at the slot's start takes the restore bound (60 us), not a switch.
    assert_eq!(d.downtime.server_wait, 1_000 * US - theta2 + 55 * US);
    assert_eq!(d.blackout, d.resume_at - 119_800 * US);
    assert_eq!((d.affordable, d.blackout), (Some(3_700 * US), 1_566_111));
    // Within A, yet the first slot, shortened by the entry, costs the slow task one miss.
    assert_eq!(d.predicted_misses, Some(vec![0, 1]));
    assert_eq!(d.reason, Reason::SupplyMissesAccepted);
    let line = d.to_string();
    assert!(
        line.starts_with("vm 2 vm2 -> core 1 shared (388889/1000000 ns) slot [606111, 1000000) ns"),
        "{line}"
    );
    assert!(line.ends_with("misses [0, 1])"), "{line}");
    let fields = trace_fields(d);
    let get = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    };
    for (key, value) in [
        ("theta_ns", theta2),
        ("pi_ns", 1_000 * US),
        ("server_period", 1_000 * US),
        ("slot_offset", 606_111),
        ("slot_length", 393_889),
        ("frame_start", 120_700 * US),
        ("d_wait_ns", 666_111),
    ] {
        assert_eq!(get(key), Some(TraceValue::U64(value)), "{key}");
    }
}
