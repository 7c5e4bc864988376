//! Targets: spare cores first, then consolidation admitted or refused by the periodic resource
//! model (hand-checked budgets) at the first admitting candidate period; no healthy core at all.

mod common;

use common::*;
use migration_policy::{
    plan, server_budget, CoreInput, FaultKind, Frame, MigratePolicy, Reason, Slot, Target, VmInput,
};

/// Migrant: one job of 1 ms every 10 ms, released at its checkpoint 0 (A = 9 ms).
fn small(id: usize) -> VmInput {
    let set = edf(&[(MS, 10 * MS)]);
    vm(
        id,
        MigratePolicy::Always,
        Some(reporting(set.clone(), released_at(&set, 0))),
    )
}

/// Resident owning its core whole: 2 ms every 10 ms.
fn whole_resident(core: usize, id: usize) -> CoreInput {
    occupied(core, &[(id, Some(edf(&[(2 * MS, 10 * MS)])))])
}

fn stop_at(t_d: u64) -> migration_policy::FaultInput {
    fault(FaultKind::FailStop, 1, t_d, t_d)
}

/// Hand-checked with `sbf(t) = floor(y / pi) theta + max(0, y mod pi - (pi - theta))`,
/// `y = t - (pi - theta)`: at pi = 5 ms, (2, 10) needs sbf(10) = theta >= 2 ms and (1, 10)
/// theta >= 1 ms; at pi = 10 ms, sbf(10) = 2 theta - 10 ms, so theta = 6 ms and 5.5 ms.
#[test]
fn hand_checked_budgets() {
    assert_eq!(
        server_budget(&edf(&[(2 * MS, 10 * MS)]), 5 * MS),
        Some((2 * MS, 5 * MS))
    );
    assert_eq!(
        server_budget(&edf(&[(MS, 10 * MS)]), 5 * MS),
        Some((MS, 5 * MS))
    );
    assert_eq!(
        server_budget(&edf(&[(2 * MS, 10 * MS)]), 10 * MS),
        Some((6 * MS, 10 * MS))
    );
    assert_eq!(
        server_budget(&edf(&[(MS, 10 * MS)]), 10 * MS),
        Some((5_500 * US, 10 * MS))
    );
    assert_eq!(server_budget(&edf(&[(MS, 10 * MS)]), 0), None);
}

#[test]
fn consolidation_admitted_at_5ms_refused_at_10ms() {
    let cores = vec![failed_core(1, &[0]), whole_resident(2, 9)];
    let admitted = plan(&stop_at(MS), &[small(0)], &cores, &platform(5 * MS));
    let d = &admitted.decisions[0];
    assert_eq!(
        d.target,
        Target::Shared {
            core: 2,
            budget: (MS, 5 * MS)
        }
    );
    let frame = Frame {
        start: d.restore_at,
        period: 5 * MS,
        slots: vec![
            Slot {
                vm: 9,
                offset: 0,
                length: 2 * MS,
            },
            Slot {
                vm: 0,
                offset: 4 * MS,
                length: MS,
            },
        ],
    };
    assert_eq!(d.frame, Some(frame), "2 + 1 <= 5 ms");
    // pi - theta, plus entering the core (the 60 us restore bound; the switch here is 0).
    assert_eq!(
        d.downtime.server_wait,
        4 * MS + 60 * US,
        "pi - theta + entry"
    );
    assert_eq!(d.resume_at, d.restore_at + 4 * MS + 60 * US);
    assert_eq!(d.downtime.total, 100 * US + OWN_WORK + 4 * MS + 60 * US);

    let refused = plan(&stop_at(MS), &[small(0)], &cores, &platform(10 * MS));
    let d = &refused.decisions[0];
    assert_eq!(
        (d.target, d.reason),
        (Target::Stop, Reason::NoHost),
        "0.6 + 0.55 > 1"
    );
    assert_eq!(d.predicted_misses, None);
}

/// Candidates tried in order: 10 ms refuses (6 + 5.5 > 10), 5 ms admits with a context switch
/// of 1 ms per slot (2 + 1 + 2 x 1 <= 5, no room left), 2.5 ms is not tried. Listed first,
/// 2.5 ms wins (budgets 2/3 ms and 1/3 ms, rounded up, with sbf(10 ms) = 3 theta).
#[test]
fn the_first_admitting_candidate_period_wins() {
    let cores = vec![failed_core(1, &[0]), whole_resident(2, 9)];
    let periods = [10 * MS, 5 * MS, 2_500 * US];
    let d = &plan(
        &stop_at(MS),
        &[small(0)],
        &cores,
        &platform_with(&periods, MS),
    )
    .decisions[0];
    assert_eq!(
        d.target,
        Target::Shared {
            core: 2,
            budget: (MS, 5 * MS)
        }
    );
    let frame = d.frame.as_ref().unwrap();
    let slot = |vm| frame.slot_of(vm).map(|s| (s.offset, s.length));
    assert_eq!(
        (slot(9), slot(0)),
        (Some((0, 3 * MS)), Some((3 * MS, 2 * MS)))
    );
    assert_eq!(frame.free(), 0);
    assert_eq!(
        d.downtime.server_wait,
        4 * MS,
        "slot start + switch - restore"
    );
    assert_eq!(d.resume_at, d.restore_at + 4 * MS);

    let short_first = platform_with(&[2_500 * US, 5 * MS], 0);
    let d = &plan(&stop_at(MS), &[small(0)], &cores, &short_first).decisions[0];
    assert_eq!(
        d.target,
        Target::Shared {
            core: 2,
            budget: (333_334, 2_500 * US)
        }
    );
    let frame = d.frame.as_ref().unwrap();
    assert_eq!(frame.slot_of(9).map(|s| s.length), Some(666_667));
    assert_eq!(
        d.downtime.server_wait,
        2_500 * US - 333_334 + 60 * US,
        "with the entry"
    );
}

/// A switch of 1 ms + 1 ns admits at no candidate (5 ms: 3 + 2 x 1.000001 > 5; 2.5 ms: 1 +
/// 2 x 1.000001 > 2.5): the VM is stopped. No candidate at all: no new frame either.
#[test]
fn no_admitting_candidate_period_stops_the_vm() {
    let cores = vec![failed_core(1, &[0]), whole_resident(2, 9)];
    let periods = [10 * MS, 5 * MS, 2_500 * US];
    let tight = platform_with(&periods, MS + 1);
    let d = &plan(&stop_at(MS), &[small(0)], &cores, &tight).decisions[0];
    assert_eq!((d.target, d.reason), (Target::Stop, Reason::NoHost));
    assert_eq!(
        (d.frame.as_ref(), d.predicted_misses.as_ref()),
        (None, None)
    );
    let none = &plan(&stop_at(MS), &[small(0)], &cores, &platform_with(&[], 0)).decisions[0];
    assert_eq!(none.reason, Reason::NoHost);
}

#[test]
fn a_resident_without_task_set_closes_its_core() {
    let closed = occupied(2, &[(8, None)]);
    let cores = vec![failed_core(1, &[0]), closed.clone(), whole_resident(3, 9)];
    let d = &plan(&stop_at(MS), &[small(0)], &cores, &platform(5 * MS)).decisions[0];
    assert_eq!(
        d.target,
        Target::Shared {
            core: 3,
            budget: (MS, 5 * MS)
        }
    );
    let only_closed = vec![failed_core(1, &[0]), closed];
    let d = &plan(&stop_at(MS), &[small(0)], &only_closed, &platform(5 * MS)).decisions[0];
    assert_eq!(d.reason, Reason::NoHost);
}

#[test]
fn a_migrant_without_task_set_only_takes_a_spare() {
    let silent = vm(0, MigratePolicy::Always, None);
    let shared_only = vec![failed_core(1, &[0]), framed(2, 0, 10 * MS, &[(9, 0, MS)])];
    let d = &plan(
        &stop_at(MS),
        std::slice::from_ref(&silent),
        &shared_only,
        &platform(10 * MS),
    )
    .decisions[0];
    assert_eq!((d.target, d.reason), (Target::Stop, Reason::NoHost));
    let with_spare = vec![failed_core(1, &[0]), CoreInput::idle(3)];
    let d = &plan(&stop_at(MS), &[silent], &with_spare, &platform(10 * MS)).decisions[0];
    assert_eq!(d.target, Target::Spare(3));
}

#[test]
fn spares_first_lowest_id_each_once_then_shared() {
    let cores = vec![
        whole_resident(0, 9),
        failed_core(1, &[0, 1, 2]),
        CoreInput {
            healthy: false,
            ..CoreInput::idle(2)
        },
        CoreInput::idle(4),
        CoreInput::idle(3),
    ];
    let d = plan(
        &stop_at(MS),
        &[small(0), small(1), small(2)],
        &cores,
        &platform(5 * MS),
    )
    .decisions;
    assert_eq!(d[0].target, Target::Spare(3));
    assert_eq!(d[1].target, Target::Spare(4));
    assert_eq!(
        d[2].target,
        Target::Shared {
            core: 0,
            budget: (MS, 5 * MS)
        }
    );
}

#[test]
fn a_core_given_whole_in_this_plan_is_not_shared_and_the_failed_core_is_never_a_target() {
    let cores = vec![
        CoreInput::idle(0),
        CoreInput {
            residents: vec![],
            ..CoreInput::idle(1)
        },
    ];
    let d = plan(
        &stop_at(MS),
        &[small(0), small(1)],
        &cores,
        &platform(5 * MS),
    )
    .decisions;
    assert_eq!(d[0].target, Target::Spare(0));
    assert_eq!((d[1].target, d[1].reason), (Target::Stop, Reason::NoHost));
}

#[test]
fn no_healthy_core_stops_every_vm() {
    let cores = vec![
        failed_core(1, &[0, 1]),
        CoreInput {
            healthy: false,
            ..whole_resident(0, 9)
        },
    ];
    let vms = [small(0), vm(1, MigratePolicy::Always, None)];
    let plan = plan(&stop_at(MS), &vms, &cores, &platform(5 * MS));
    for d in &plan.decisions {
        assert_eq!((d.target, d.reason), (Target::Stop, Reason::NoHost));
        assert_eq!((d.downtime.queue, d.predicted_misses.as_ref()), (0, None));
        assert_eq!(d.frame, None);
    }
}

/// Only spare cores own a copy region: a copy-mode VM consolidated onto a busy core is
/// remapped in place, and its downtime has no copy term; on a spare it has one.
#[test]
fn a_shared_core_takes_a_copy_mode_vm_in_place() {
    let mut big = small(0);
    big.copy_memory = true;
    big.memory_bytes = 64 << 20;
    let shared = vec![failed_core(1, &[0]), whole_resident(2, 9)];
    let d = &plan(&stop_at(MS), &[big.clone()], &shared, &platform(5 * MS)).decisions[0];
    assert!(matches!(d.target, Target::Shared { core: 2, .. }), "{d:?}");
    assert_eq!(d.downtime.copy, 0);
    let spare = vec![failed_core(1, &[0]), CoreInput::idle(2)];
    let d = &plan(&stop_at(MS), &[big], &spare, &platform(5 * MS)).decisions[0];
    assert_eq!(d.target, Target::Spare(2));
    assert!(
        d.downtime.copy > 60 * MS,
        "64 MiB at 1 GB/s: {}",
        d.downtime.copy
    );
}
