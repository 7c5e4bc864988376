//! Several VMs on the failed core: restoration order (ascending A, unbounded last, ties by id)
//! and the queue term that accumulates their restoration work.

mod common;

use common::*;
use migration_policy::{plan, CoreInput, FaultKind, MigratePolicy, Reason, Target};
use rt_analysis::predict::predict_misses;
use rt_analysis::{SimState, Slack};

/// A one-task guest whose job of `wcet` (period 10 ms) is released at `t_c`: `A = 10 ms - wcet`.
fn one_task(id: usize, wcet: u64, t_c: u64) -> migration_policy::VmInput {
    let set = edf(&[(wcet, 10 * MS)]);
    let checkpoint = released_at(&set, t_c);
    vm(id, MigratePolicy::Always, Some(reporting(set, checkpoint)))
}

fn spares(ids: &[usize]) -> Vec<CoreInput> {
    let mut cores: Vec<CoreInput> = ids.iter().map(|&c| CoreInput::idle(c)).collect();
    cores.push(failed_core(1, &[0, 1, 2, 3, 4]));
    cores
}

#[test]
fn ascending_slack_unbounded_last_and_queue_accumulates() {
    let t_c = 10 * MS;
    let idle_set = edf(&[(MS, 10 * MS)]);
    let never_releases = SimState {
        now: t_c,
        active: vec![],
        next_release: vec![u64::MAX],
    };
    let unbounded = reporting(idle_set, never_releases);
    assert_eq!(unbounded.reported_slack, Slack::Unbounded);
    let vms = vec![
        one_task(0, 2 * MS, t_c), // A = 8 ms
        one_task(1, 7 * MS, t_c), // A = 3 ms
        one_task(2, 5 * MS, t_c), // A = 5 ms
        vm(3, MigratePolicy::Always, Some(unbounded)),
        vm(4, MigratePolicy::Always, None), // no reports: A taken as 0
    ];
    let fault = fault(FaultKind::FailStop, 1, t_c, t_c + MS);
    let plan = plan(&fault, &vms, &spares(&[0, 2, 3, 4, 5]), &platform(10 * MS));
    let order: Vec<usize> = plan.decisions.iter().map(|d| d.vm).collect();
    assert_eq!(order, [4, 1, 2, 0, 3]);
    let affordable: Vec<Option<u64>> = plan.decisions.iter().map(|d| d.affordable).collect();
    assert_eq!(
        affordable,
        [Some(0), Some(3 * MS), Some(5 * MS), Some(8 * MS), None]
    );
    for (k, d) in plan.decisions.iter().enumerate() {
        let k = k as u64;
        assert_eq!(d.downtime.decide, 5 * 100 * US, "n x per-VM decision bound");
        assert_eq!(d.downtime.queue, k * OWN_WORK, "vm {}", d.vm);
        assert_eq!(d.restore_at, t_c + MS + 500 * US + k * OWN_WORK + OWN_WORK);
        assert_eq!(d.downtime.total, MS + 500 * US + (k + 1) * OWN_WORK);
        assert_eq!(d.downtime.detect, MS);
        assert_eq!(d.downtime.lost, MS, "fail-stop loses t_d - t_c");
        assert_eq!(d.blackout, d.restore_at - t_c);
        assert_eq!(d.target, Target::Spare([0, 2, 3, 4, 5][k as usize]));
    }
    assert_eq!(plan.decisions[0].reason, Reason::UnreportedAccepted);
    assert!(plan.decisions[1..]
        .iter()
        .all(|d| d.reason == Reason::NoMiss));
}

#[test]
fn ties_are_broken_by_vm_id() {
    let vms = vec![
        one_task(7, 4 * MS, 0),
        one_task(3, 4 * MS, 0),
        one_task(5, 4 * MS, 0),
    ];
    let fault = fault(FaultKind::FailStop, 1, 0, MS);
    let plan = plan(&fault, &vms, &spares(&[0, 2, 3]), &platform(10 * MS));
    let order: Vec<usize> = plan.decisions.iter().map(|d| d.vm).collect();
    assert_eq!(order, [3, 5, 7]);
}

/// The order is by `s + A` (A aged to one instant), not by raw A: VM 0's checkpoint is older.
#[test]
fn order_uses_the_latest_safe_resume_instant() {
    let vms = vec![one_task(0, 4 * MS, 0), one_task(1, 7 * MS, 4 * MS)]; // A 6 ms at 0, 3 ms at 4
    let fault = fault(FaultKind::FailStop, 1, 4 * MS, 5 * MS);
    let plan = plan(&fault, &vms, &spares(&[0, 2]), &platform(10 * MS));
    let order: Vec<usize> = plan.decisions.iter().map(|d| d.vm).collect();
    assert_eq!(order, [0, 1], "deadline 6 ms before 7 ms");
    assert!(plan.decisions.iter().all(|d| d.reason == Reason::NoMiss));
    assert_eq!(plan.decisions[0].blackout, 5 * MS + 300 * US);
    assert_eq!(plan.decisions[1].blackout, MS + 400 * US);
}

#[test]
fn copy_terms_accumulate_and_stopped_vms_do_not_queue() {
    let mut first = one_task(0, 2 * MS, 0);
    first.copy_memory = true;
    first.memory_bytes = 1_000_000; // 1 ms at 1 GB/s
    let mut never = one_task(1, 9 * MS, 0); // smallest A: first in order, but never migrated
    never.policy = MigratePolicy::Never;
    let vms = vec![first, never, one_task(2, MS, 0)];
    let fault = fault(FaultKind::FailStop, 1, 0, 100 * US);
    let plan = plan(&fault, &vms, &spares(&[0, 2, 3]), &platform(10 * MS));
    let order: Vec<usize> = plan.decisions.iter().map(|d| d.vm).collect();
    assert_eq!(order, [1, 0, 2]);
    let (never, first, last) = (&plan.decisions[0], &plan.decisions[1], &plan.decisions[2]);
    assert_eq!(
        (never.target, never.reason),
        (Target::Stop, Reason::PolicyNever)
    );
    assert_eq!(first.downtime.queue, 0, "the stopped VM restores nothing");
    assert_eq!(first.downtime.copy, MS);
    assert_eq!(first.target, Target::Spare(0), "the never-VM took no core");
    assert_eq!(last.downtime.queue, MS + OWN_WORK);
    assert_eq!(
        last.restore_at,
        100 * US + 300 * US + MS + OWN_WORK + OWN_WORK
    );
}

/// The queue pushes the last VM past its slack: it migrates with exactly the simulator's misses.
#[test]
fn accumulated_downtime_causes_the_predicted_misses() {
    let t_c = 10 * MS;
    let vms = vec![
        one_task(0, 9_450 * US, t_c), // A = 550 us
        one_task(1, 9_400 * US, t_c), // A = 600 us
        one_task(2, 9_350 * US, t_c), // A = 650 us
    ];
    let fault = fault(FaultKind::FailStop, 1, t_c, t_c + 100 * US);
    let plan = plan(&fault, &vms, &spares(&[0, 2, 3]), &platform(10 * MS));
    let blackouts: Vec<u64> = plan.decisions.iter().map(|d| d.blackout).collect();
    assert_eq!(blackouts, [500 * US, 600 * US, 700 * US]);
    let reasons: Vec<Reason> = plan.decisions.iter().map(|d| d.reason).collect();
    assert_eq!(
        reasons,
        [Reason::NoMiss, Reason::NoMiss, Reason::MissesAccepted]
    );
    for (d, input) in plan.decisions.iter().zip(&vms) {
        let rt = input.realtime.as_ref().unwrap();
        let simulated = predict_misses(&rt.tasks, &rt.checkpoint, d.blackout).unwrap();
        assert_eq!(d.predicted_misses.as_deref(), Some(&simulated[..]));
    }
    assert!(plan.decisions[2].predicted_misses.as_ref().unwrap()[0] >= 1);
}
