//! A migrant on a shared core: its slot's first-supply wait in D, and misses predicted on the
//! frame's schedule (hand-checked), against a whole core.

mod common;

use common::*;
use migration_policy::supply::{misses_with_supply, Supply, PREDICTION_EVENTS};
use migration_policy::{plan, server_budget, CoreInput, FaultKind, MigratePolicy, Reason, Target};
use rt_analysis::predict::predict_misses;
use rt_analysis::TaskSet;

fn stop_at(t_d: u64) -> migration_policy::FaultInput {
    fault(FaultKind::FailStop, 1, t_d, t_d)
}

/// Migrant: one 2 ms job every 20 ms released at 0 (A = 18 ms); theta = ceil(2 ms / 3) at
/// pi = 5 ms (sbf(20 ms) = 3 theta). Core 2 runs a frame of 5 ms from 1 ms with vm 9 in
/// [0, 1 ms): the migrant's slot is right-aligned, [5 ms - theta, 5 ms). Restored at 6 ms, it
/// gets [10.33, 11), [15.33, 16), [20.33, 21) ms; the job needs all three and ends at
/// 21 ms - 1 ns > 20 ms: one miss although the blackout (10.33 ms) is within A. On a spare the
/// same restore instant misses nothing; restored at 4 ms it gets [5.33, 6) ms first and ends at
/// 16 ms - 1 ns, on time.
#[test]
fn a_server_can_miss_where_a_whole_core_does_not() {
    let set = edf(&[(2 * MS, 20 * MS)]);
    let theta = 666_667;
    assert_eq!(server_budget(&set, 5 * MS), Some((theta, 5 * MS)));
    let migrant = |policy| {
        vm(
            0,
            policy,
            Some(reporting(set.clone(), released_at(&set, 0))),
        )
    };
    let shared = vec![failed_core(1, &[0]), framed(2, MS, 5 * MS, &[(9, 0, MS)])];
    let late = stop_at(5_800 * US); // restore at 6 ms
    let d = &plan(
        &late,
        &[migrant(MigratePolicy::Always)],
        &shared,
        &platform(5 * MS),
    )
    .decisions[0];
    assert_eq!(
        (d.restore_at, d.blackout),
        (6 * MS, 6 * MS + 5 * MS - theta + 60 * US),
        "the slot's wait, and the 60 us restore bound to enter the core"
    );
    assert_eq!(d.affordable, Some(18 * MS));
    // Two: the 50 us the entry takes from the first slot cost a second one.
    assert_eq!(d.predicted_misses, Some(vec![2]));
    assert_eq!(d.reason, Reason::SupplyMissesAccepted);

    let forbidden = plan(
        &late,
        &[migrant(MigratePolicy::IfNoMiss)],
        &shared,
        &platform(5 * MS),
    );
    let d = &forbidden.decisions[0];
    assert_eq!(
        (d.target, d.reason),
        (Target::Stop, Reason::MissesForbidden)
    );
    assert_eq!(
        d.predicted_misses,
        Some(vec![2]),
        "the refused migration's prediction"
    );

    let spare = vec![failed_core(1, &[0]), CoreInput::idle(0)];
    let d = &plan(
        &late,
        &[migrant(MigratePolicy::IfNoMiss)],
        &spare,
        &platform(5 * MS),
    )
    .decisions[0];
    assert_eq!((d.target, d.reason), (Target::Spare(0), Reason::NoMiss));

    // Restored at 1 ms, at the frame's start: its slots give exactly its 2 ms job by 20 ms,
    // but entering the core takes 60 us of the first one: one miss, so if-no-miss refuses.
    let early = stop_at(800 * US);
    let d = &plan(
        &early,
        &[migrant(MigratePolicy::IfNoMiss)],
        &shared,
        &platform(5 * MS),
    )
    .decisions[0];
    assert_eq!(
        (d.target, d.reason),
        (Target::Stop, Reason::MissesForbidden)
    );
    assert_eq!(d.predicted_misses, Some(vec![1]));
    assert_eq!(
        d.resume_at,
        MS + 5 * MS - theta + 60 * US,
        "frame start + slot offset + entry, k = 0"
    );
}

/// A slot with the whole period is a whole core; a thinner one never misses less.
#[test]
fn server_prediction_is_consistent_with_the_whole_core() {
    let set: TaskSet = edf(&[(MS, 4 * MS), (3 * MS, 20 * MS)]);
    let state = released_at(&set, 0);
    for restore in [MS, 3 * MS, 7 * MS] {
        let whole = misses_with_supply(&set, &state, restore, Supply::Dedicated, PREDICTION_EVENTS)
            .unwrap();
        assert_eq!(whole.misses, predict_misses(&set, &state, restore).unwrap());
        let full = Supply::Server {
            theta: 5 * MS,
            pi: 5 * MS,
            wait: 0,
            first: 5 * MS,
        };
        let same = misses_with_supply(&set, &state, restore, full, PREDICTION_EVENTS).unwrap();
        assert_eq!(same, whole);
        let (theta, pi) = server_budget(&set, 5 * MS).unwrap();
        let thin = misses_with_supply(
            &set,
            &state,
            restore,
            Supply::Server {
                theta,
                pi,
                wait: pi - theta,
                first: theta,
            },
            PREDICTION_EVENTS,
        )
        .unwrap();
        assert!(thin.complete);
        assert!(
            thin.misses.iter().zip(&whole.misses).all(|(t, w)| t >= w),
            "{thin:?} {whole:?}"
        );
    }
}

#[test]
fn a_shorter_first_slot_never_predicts_fewer_misses() {
    let set: TaskSet = edf(&[(MS, 4 * MS), (3 * MS, 20 * MS)]);
    let state = released_at(&set, 0);
    let (theta, pi) = server_budget(&set, 2 * MS).unwrap();
    let with_first = |first| {
        let supply = Supply::Server {
            theta,
            pi,
            wait: pi - theta,
            first,
        };
        let p = misses_with_supply(&set, &state, 3 * MS, supply, PREDICTION_EVENTS).unwrap();
        assert!(p.complete);
        p.misses.iter().sum::<u32>()
    };
    let full = with_first(theta);
    let entered = with_first(theta / 2);
    let nothing = with_first(0);
    assert!(
        full <= entered && entered <= nothing,
        "{full} {entered} {nothing}"
    );
}
