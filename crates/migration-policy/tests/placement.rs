//! Targets: spare cores first, then consolidation admitted or refused by the periodic resource
//! model (hand-checked budgets); no healthy core at all.

mod common;

use common::*;
use migration_policy::{
    plan, server_budget, CoreInput, FaultKind, MigratePolicy, Reason, Server, Target, VmInput,
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
    occupied(core, &[(id, Some(edf(&[(2 * MS, 10 * MS)])), None)])
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
    let servers = [
        Server {
            vm: 9,
            theta: 2 * MS,
            pi: 5 * MS,
        },
        Server {
            vm: 0,
            theta: MS,
            pi: 5 * MS,
        },
    ];
    assert_eq!(d.servers, servers, "0.4 + 0.2 <= 1");
    assert_eq!(d.downtime.server_wait, 4 * MS, "pi - theta");
    assert_eq!(d.resume_at, d.restore_at + 4 * MS);
    assert_eq!(d.downtime.total, 100 * US + OWN_WORK + 4 * MS);

    let refused = plan(&stop_at(MS), &[small(0)], &cores, &platform(10 * MS));
    let d = &refused.decisions[0];
    assert_eq!(
        (d.target, d.reason),
        (Target::Stop, Reason::NoHost),
        "0.6 + 0.55 > 1"
    );
    assert_eq!(d.predicted_misses, None);
}

#[test]
fn partitioned_residents_keep_their_budget() {
    let cores = vec![
        failed_core(1, &[0]),
        occupied(2, &[(9, None, Some((4 * MS, 10 * MS)))]),
    ];
    let d = &plan(&stop_at(MS), &[small(0)], &cores, &platform(10 * MS)).decisions[0];
    assert_eq!(
        d.target,
        Target::Shared {
            core: 2,
            budget: (5_500 * US, 10 * MS)
        },
        "0.4 + 0.55"
    );
    assert_eq!(
        d.servers[0],
        Server {
            vm: 9,
            theta: 4 * MS,
            pi: 10 * MS
        }
    );
}

#[test]
fn a_resident_without_task_set_closes_its_core() {
    let closed = occupied(2, &[(8, None, None)]);
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
    let shared_only = vec![
        failed_core(1, &[0]),
        occupied(2, &[(9, None, Some((MS, 10 * MS)))]),
    ];
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
        assert!(d.servers.is_empty());
    }
}
