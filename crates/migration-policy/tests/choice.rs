//! The target with the fewest predicted misses: a shared core that spares a copy beats a spare
//! that needs one; in place a spare is taken without weighing shared cores (it dominates
//! them); the first-spare policy, for comparison, ignores A and the misses.

mod common;

use common::*;
use migration_policy::{
    plan, plan_with, CoreInput, FaultKind, MigratePolicy, Plan, Target, TargetChoice,
};
use rt_analysis::Time;

/// A copy-mode VM on failed core 1 (period 4 ms, checkpoint at 10 ms, detected 0.5 ms later),
/// spare core 0, and core 2 running a light VM that can share its core.
fn copy_case(copy: bool, choice: TargetChoice) -> Plan {
    let set = edf(&[(MS, 4 * MS)]);
    let checkpoint = released_at(&set, 10 * MS);
    let mut migrant = vm(0, MigratePolicy::Always, Some(reporting(set, checkpoint)));
    migrant.copy_memory = copy;
    let cores = [
        CoreInput::idle(0),
        failed_core(1, &[0]),
        occupied(2, &[(5, Some(edf(&[(MS, 10 * MS)])))]),
    ];
    let fault = fault(FaultKind::FailStop, 1, 10 * MS, 10 * MS + 500 * US);
    plan_with(
        &fault,
        &[migrant],
        &cores,
        &platform_with(&[2 * MS], 0),
        choice,
    )
}

fn total(plan: &Plan) -> u64 {
    let misses = plan.decisions[0].predicted_misses.as_ref().unwrap();
    misses.iter().map(|&m| u64::from(m)).sum()
}

#[test]
fn a_shared_core_that_spares_the_copy_beats_the_spare() {
    let first = copy_case(true, TargetChoice::FirstSpare);
    let fewest = copy_case(true, TargetChoice::FewestMisses);
    assert_eq!(first.decisions[0].target, Target::Spare(0));
    assert!(
        matches!(fewest.decisions[0].target, Target::Shared { core: 2, .. }),
        "{:?}",
        fewest.decisions[0]
    );
    assert!(
        total(&first) >= 3,
        "the copy (16.8 ms) costs several 4 ms jobs: {}",
        total(&first)
    );
    assert!(
        total(&fewest) < total(&first),
        "{} < {}",
        total(&fewest),
        total(&first)
    );
    // Both options are traced with their predictions, the spare first.
    let options = &fewest.decisions[0].alternatives;
    assert_eq!(options.len(), 2, "{options:?}");
    assert_eq!((options[0].core, options[0].shared), (0, false));
    assert_eq!(options[0].misses, Some(total(&first)));
    assert_eq!(options[0].downtime, first.decisions[0].downtime.total);
    assert_eq!((options[1].core, options[1].shared), (2, true));
    assert_eq!(options[1].misses, Some(total(&fewest)));
    // Weighing a shared core is a shared-core search: its bound is in the decision term.
    let platform = migration_policy::Platform {
        decide_shared: 300 * US,
        ..platform_with(&[2 * MS], 0)
    };
    let (migrant, cores) = copy_migrant_and_cores();
    let weighed = plan(
        &fault(FaultKind::FailStop, 1, 10 * MS, 10 * MS + 500 * US),
        &[migrant],
        &cores,
        &platform,
    );
    assert_eq!(weighed.decisions[0].downtime.decide, 100 * US + 300 * US);
}

#[test]
fn in_place_the_spare_dominates_and_is_taken_alone() {
    let fewest = copy_case(false, TargetChoice::FewestMisses);
    let decision = &fewest.decisions[0];
    assert_eq!(decision.target, Target::Spare(0));
    assert_eq!(
        decision.alternatives.len(),
        1,
        "{:?}",
        decision.alternatives
    );
    assert_eq!(
        decision.downtime.decide,
        100 * US,
        "no shared search is budgeted"
    );
    let first = copy_case(false, TargetChoice::FirstSpare);
    assert_eq!(first.decisions[0].target, Target::Spare(0));
    assert_eq!(total(&first), total(&fewest));
}

/// Two VMs of failed core 1, spare core 0 and nothing to share: the tight one must go first.
fn two_vms(choice: TargetChoice) -> Plan {
    // vm0: loose (period 50 ms, small job); vm1: tight (its job's slack is 150 us).
    let loose = edf(&[(MS, 50 * MS)]);
    let tight = edf(&[(3 * MS + 850 * US, 4 * MS)]);
    let t_c: Time = 10 * MS;
    let vms = [
        vm(
            0,
            MigratePolicy::Always,
            Some(reporting(loose.clone(), released_at(&loose, t_c))),
        ),
        vm(
            1,
            MigratePolicy::Always,
            Some(reporting(tight.clone(), released_at(&tight, t_c))),
        ),
    ];
    let cores = [
        CoreInput::idle(0),
        failed_core(1, &[0, 1]),
        CoreInput::idle(2),
    ];
    let fault = fault(FaultKind::FailSignal, 1, t_c, t_c);
    plan_with(&fault, &vms, &cores, &platform(0), choice)
}

#[test]
fn the_first_spare_policy_ignores_a_and_misses_more() {
    let sum = |plan: &Plan| -> u64 {
        plan.decisions
            .iter()
            .flat_map(|d| d.predicted_misses.clone().unwrap())
            .map(u64::from)
            .sum()
    };
    let fewest = two_vms(TargetChoice::FewestMisses);
    let first = two_vms(TargetChoice::FirstSpare);
    assert_eq!(fewest.decisions[0].vm, 1, "the tight VM is restored first");
    assert_eq!(first.decisions[0].vm, 0, "id order");
    assert!(
        sum(&fewest) < sum(&first),
        "{} < {}",
        sum(&fewest),
        sum(&first)
    );
}
