//! A decision that keeps to its time bound: with the decider's clock past the predictions'
//! share, the chosen target's prediction is cut (a lower bound), the decision carries what
//! completes it, and completing it gives the prediction an untimed decision makes. The target
//! and instants do not depend on the clock when the decision has one option.

mod common;

use common::*;
use migration_policy::{plan, CoreInput, FaultKind, MigratePolicy, Plan, Platform};

/// A copy-mode VM with a long copy (several missed 4 ms jobs) and one spare, decided with the
/// platform `platform`.
fn decide(platform: &Platform) -> Plan {
    let set = edf(&[(MS, 4 * MS), (MS, 6 * MS)]);
    let checkpoint = released_at(&set, 10 * MS);
    let mut migrant = vm(0, MigratePolicy::Always, Some(reporting(set, checkpoint)));
    migrant.copy_memory = true;
    let cores = [CoreInput::idle(0), failed_core(1, &[0])];
    let fault = fault(FaultKind::FailStop, 1, 10 * MS, 10 * MS + 500 * US);
    plan(&fault, &[migrant], &cores, platform)
}

#[test]
fn a_cut_prediction_is_completed_after_the_decision() {
    fn late() -> u64 {
        u64::MAX // every share is over: no chunk starts
    }
    fn early() -> u64 {
        0 // never over
    }
    let untimed = decide(&platform(0));
    let whole = untimed.decisions[0].predicted_misses.clone().unwrap();
    assert!(untimed.decisions[0].misses_complete);
    assert!(untimed.decisions[0].deferred.is_none());
    assert!(whole.iter().sum::<u32>() >= 2, "{whole:?}");

    let timed = Platform {
        clock: Some(late),
        reserve: 50 * US,
        ..platform(0)
    };
    let cut = decide(&timed);
    let decision = &cut.decisions[0];
    assert!(!decision.misses_complete);
    assert_eq!(decision.target, untimed.decisions[0].target);
    assert_eq!(decision.resume_at, untimed.decisions[0].resume_at);
    assert!(decision
        .predicted_misses
        .as_ref()
        .unwrap()
        .iter()
        .zip(&whole)
        .all(|(c, w)| c <= w));
    let completed = decision.deferred.as_ref().unwrap().complete().unwrap();
    assert!(completed.complete);
    assert_eq!(completed.misses, whole);
    assert_eq!(completed.horizon, untimed.decisions[0].horizon);

    // A clock that never runs out changes nothing.
    let in_time = decide(&Platform {
        clock: Some(early),
        ..timed
    });
    assert_eq!(in_time, untimed);
}

/// The shared-core search keeps to the time too: with the share over, a copy-mode VM that
/// would weigh a shared core against the spare gets the spare alone; in time, both are weighed.
#[test]
fn an_expired_share_searches_no_shared_core() {
    fn late() -> u64 {
        u64::MAX
    }
    let (migrant, cores) = copy_migrant_and_cores();
    let fault = fault(FaultKind::FailStop, 1, 10 * MS, 10 * MS + 500 * US);
    let untimed = plan(
        &fault,
        &[migrant.clone()],
        &cores,
        &platform_with(&[2 * MS], 0),
    );
    assert_eq!(untimed.decisions[0].alternatives.len(), 2);
    let timed = Platform {
        clock: Some(late),
        reserve: 50 * US,
        ..platform_with(&[2 * MS], 0)
    };
    let cut = plan(&fault, &[migrant], &cores, &timed);
    let options = &cut.decisions[0].alternatives;
    assert_eq!(options.len(), 1, "{options:?}");
    assert!(!options[0].shared);
}

/// Server budgets known ahead are used as they are: the migrant's budget in its new slot is the
/// known one (here the computed one plus 1 us, to tell them apart).
#[test]
fn known_budgets_are_taken_as_known() {
    fn known(set: &rt_analysis::TaskSet, pi: u64) -> Option<Option<u64>> {
        Some(migration_policy::server_budget(set, pi).map(|(theta, _)| theta + 1_000))
    }
    let set = edf(&[(MS, 4 * MS)]);
    let migrant = vm(
        0,
        MigratePolicy::Always,
        Some(reporting(set.clone(), released_at(&set, 10 * MS))),
    );
    let cores = [
        failed_core(1, &[0]),
        occupied(2, &[(5, Some(edf(&[(MS, 10 * MS)])))]),
    ];
    let fault = fault(FaultKind::FailStop, 1, 10 * MS, 10 * MS + 500 * US);
    let computed = plan(
        &fault,
        &[migrant.clone()],
        &cores,
        &platform_with(&[2 * MS], 0),
    );
    let ahead = plan(
        &fault,
        &[migrant],
        &cores,
        &Platform {
            known_budgets: Some(known),
            ..platform_with(&[2 * MS], 0)
        },
    );
    let theta = |plan: &migration_policy::Plan| match plan.decisions[0].target {
        migration_policy::Target::Shared { budget, .. } => budget.0,
        other => panic!("{other:?}"),
    };
    assert_eq!(theta(&ahead), theta(&computed) + 1_000);
}

/// A VM that ran in a time partition on the failed core is aged to its blackout start with the
/// supply of its slot, not a whole core: with a slot of a fifth of the core its backlog at the
/// blackout start is larger, and so are its predicted misses.
#[test]
fn a_checkpoint_is_aged_with_the_slot_it_ran_in() {
    let set = edf(&[(MS, 4 * MS), (MS, 5 * MS)]);
    let plan_for = |ran_in: Option<migration_policy::RanIn>| {
        let mut rt = reporting(set.clone(), released_at(&set, 10 * MS));
        rt.ran_in = ran_in;
        let migrant = vm(0, MigratePolicy::Always, Some(rt));
        let cores = [CoreInput::idle(0), failed_core(1, &[0])];
        // A fail-signal 5 ms after the checkpoint: the blackout starts there, so the
        // checkpoint is aged 5 ms (all of it in the frame).
        let mut fault = fault(FaultKind::FailSignal, 1, 10 * MS, 16 * MS);
        fault.signalled_at = Some(15 * MS);
        plan(&fault, &[migrant], &cores, &platform(0))
    };
    let whole = plan_for(None);
    let slot = plan_for(Some(migration_policy::RanIn {
        start: 10 * MS,
        period: MS,
        offset: 0,
        length: 200 * US,
        switch: 0,
    }));
    let total = |plan: &migration_policy::Plan| -> u32 {
        plan.decisions[0]
            .predicted_misses
            .as_ref()
            .unwrap()
            .iter()
            .sum()
    };
    assert!(
        total(&slot) > total(&whole),
        "slot {} whole {}",
        total(&slot),
        total(&whole)
    );
}
