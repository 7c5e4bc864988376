//! Property tests on random task sets (UUniFast) and random checkpoint instants:
//! * spare core: predicted misses are zero iff blackout <= A (exact report at the checkpoint),
//!   and equal to `rt_analysis`'s simulator;
//! * stale report: blackout <= aged A still guarantees no miss;
//! * shared core: the worst-case server pattern's misses are attained and bound, per task, the
//!   misses of random legal server schedules and of a whole core after the same wait; with any
//!   first wait (a frame's slot at any phase) the prediction equals the slot-by-slot run.

mod common;

use common::*;
use migration_policy::supply::{
    misses_with_supply, misses_within, Budget, Supply, PREDICTION_EVENTS,
};
use migration_policy::{plan, server_budget, CoreInput, FaultKind, MigratePolicy, RealTimeInput};
use rt_analysis::demand::schedulable;
use rt_analysis::predict::predict_misses;
use rt_analysis::simulate::{simulate, simulate_until_idle, Blackout};
use rt_analysis::uunifast::{generate_mixed, XorShift64Star};
use rt_analysis::{age, Scheduler, SimState, TaskSet, Time};

/// A random schedulable set (2..=8 tasks, U in [0.1, max_u]) and a state at a random instant
/// of its schedule, or `None` if the draw is not schedulable.
fn draw(rng: &mut XorShift64Star, scheduler: Scheduler, max_u: f64) -> Option<(TaskSet, SimState)> {
    let tasks = rng.between(2, 8) as usize;
    let utilization = 0.1 + (max_u - 0.1) * rng.next_f64();
    let set = generate_mixed(rng, scheduler, tasks, utilization).ok()?;
    let ok = schedulable(&set);
    let t = rng.below(2 * set.hyperperiod()? + 100 * MS);
    ok.then(|| {
        (
            set.clone(),
            simulate(&set, &SimState::initial(&set), t, None)
                .unwrap()
                .end,
        )
    })
}

fn cores() -> Vec<CoreInput> {
    vec![CoreInput::idle(0), failed_core(1, &[0])]
}

#[test]
fn spare_core_misses_iff_blackout_exceeds_a() {
    let mut rng = XorShift64Star::new(0x5EED_0001);
    let (mut within, mut beyond) = (0, 0);
    for scheduler in [Scheduler::Edf, Scheduler::FixedPriority] {
        let mut sets = 0;
        while sets < 150 {
            let Some((set, state)) = draw(&mut rng, scheduler, 0.95) else {
                continue;
            };
            sets += 1;
            let rt = reporting(set.clone(), state.clone());
            let Some(a) = rt.reported_slack.finite() else {
                continue;
            };
            let period_max = set.tasks().iter().map(|t| t.period).max().unwrap();
            for len in [a, a + 1, rng.between(0, 2 * a + period_max)] {
                let len = len.max(200 * US);
                let kind = if rng.below(2) == 0 {
                    FaultKind::FailStop
                } else {
                    FaultKind::FailSignal
                };
                let mut fault = stop_for_blackout(state.now, len);
                fault.kind = kind;
                fault.last_heartbeat = fault.last_heartbeat.min(state.now); // s = t_c for both
                let vms = [vm(0, MigratePolicy::Always, Some(rt.clone()))];
                let d = &plan(&fault, &vms, &cores(), &platform(0)).decisions[0];
                assert_eq!((d.blackout, d.affordable), (len, Some(a)));
                let misses = d.predicted_misses.clone().unwrap();
                assert!(d.misses_complete);
                assert_eq!(misses, predict_misses(&set, &state, len).unwrap());
                let none = misses.iter().all(|&m| m == 0);
                assert_eq!(
                    none,
                    len <= a,
                    "{scheduler:?} len {len} A {a} misses {misses:?}"
                );
                assert_eq!(d.reason == migration_policy::Reason::NoMiss, len <= a);
                if none {
                    within += 1
                } else {
                    beyond += 1
                }
            }
        }
    }
    println!("{within} blackouts within A, {beyond} beyond");
    assert!(within > 100 && beyond > 100);
}

#[test]
fn a_stale_report_aged_is_still_safe() {
    let mut rng = XorShift64Star::new(0x5EED_0002);
    let mut covered = 0;
    for scheduler in [Scheduler::Edf, Scheduler::FixedPriority] {
        for _ in 0..150 {
            let Some((set, at_report)) = draw(&mut rng, scheduler, 0.9) else {
                continue;
            };
            let reported = slack_of(&set, &at_report);
            let t_c = at_report.now + rng.below(3 * MS);
            let checkpoint = simulate(&set, &at_report, t_c, None).unwrap().end;
            let rt = RealTimeInput {
                tasks: set.clone(),
                checkpoint: checkpoint.clone(),
                reported_slack: reported,
                reported_at: at_report.now,
                ran_in: None,
            };
            let aged = age(reported, at_report.now, t_c);
            let len = rng.between(200 * US, 2 * aged.finite().unwrap_or(0) + 400 * US);
            let d = &plan(
                &stop_for_blackout(t_c, len),
                &[vm(0, MigratePolicy::Always, Some(rt))],
                &cores(),
                &platform(0),
            )
            .decisions[0];
            assert_eq!(d.affordable, aged.finite());
            if aged.covers(len) {
                covered += 1;
                assert_eq!(d.predicted_misses, Some(vec![0; set.len()]));
            }
        }
    }
    println!("{covered} blackouts within the aged A");
    assert!(covered > 30, "{covered}");
}

/// Misses when, after the dark span, the server gives `theta` at `offset(k)` in each period
/// `[r + k pi, r + (k + 1) pi)`: a legal schedule of a server released at `r`.
fn misses_with_slots(
    set: &TaskSet,
    state: &SimState,
    r: Time,
    (theta, pi): (Time, Time),
    mut offset: impl FnMut(u64) -> Time,
) -> Vec<u32> {
    let mut misses = vec![0u32; set.len()];
    let (mut current, mut dark_start) = (state.clone(), state.now);
    for k in 0..100_000u64 {
        let slot = r + k * pi + offset(k);
        let dark = Blackout {
            start: dark_start,
            length: slot - dark_start,
        };
        let idle_after = if k == 0 { slot } else { dark_start };
        let run = simulate_until_idle(
            set,
            &current,
            idle_after,
            slot + theta,
            u64::MAX,
            Some(dark),
        )
        .unwrap();
        misses
            .iter_mut()
            .zip(&run.misses_per_task)
            .for_each(|(t, m)| *t += m);
        if run.stopped_idle {
            return misses;
        }
        (current, dark_start) = (run.end, slot + theta);
    }
    panic!("never idle");
}

#[test]
fn worst_server_pattern_is_attained_and_bounds_legal_schedules() {
    let mut rng = XorShift64Star::new(0x5EED_0003);
    let (mut cases, mut with_misses) = (0, 0);
    for scheduler in [Scheduler::Edf, Scheduler::FixedPriority] {
        while cases
            < if scheduler == Scheduler::Edf {
                150
            } else {
                300
            }
        {
            let Some((set, state)) = draw(&mut rng, scheduler, 0.6) else {
                continue;
            };
            let pi = [2 * MS, 5 * MS, 10 * MS][rng.below(3) as usize];
            let Some((theta, pi)) = server_budget(&set, pi) else {
                continue;
            };
            if theta == pi {
                continue;
            }
            cases += 1;
            let r = state.now + rng.below(20 * MS);
            let worst = misses_with_supply(
                &set,
                &state,
                r,
                Supply::Server {
                    theta,
                    pi,
                    wait: pi - theta,
                    first: theta,
                },
                PREDICTION_EVENTS,
            )
            .unwrap();
            assert!(worst.complete);
            assert_eq!(
                worst.misses,
                misses_with_slots(&set, &state, r, (theta, pi), |_| pi - theta)
            );
            let whole = predict_misses(&set, &state, r + (pi - theta) - state.now).unwrap();
            let mut seeds = XorShift64Star::new(rng.next_u64());
            for _ in 0..6 {
                let legal = misses_with_slots(&set, &state, r, (theta, pi), |_| {
                    seeds.below(pi - theta + 1)
                });
                for (i, (&l, &w)) in legal.iter().zip(&worst.misses).enumerate() {
                    assert!(
                        l <= w,
                        "task {i}: legal {l} > worst {w} ({scheduler:?}, {theta}/{pi})"
                    );
                }
            }
            assert!(whole.iter().zip(&worst.misses).all(|(h, w)| h <= w));
            let wait = rng.below(pi);
            let phased = Supply::Server {
                theta,
                pi,
                wait,
                first: theta,
            };
            let slot = misses_with_supply(&set, &state, r, phased, PREDICTION_EVENTS).unwrap();
            assert!(slot.complete);
            assert_eq!(
                slot.misses,
                misses_with_slots(&set, &state, r, (theta, pi), |_| wait)
            );
            with_misses += u32::from(worst.misses.iter().any(|&m| m > 0));
        }
    }
    println!("{cases} server cases, {with_misses} with misses");
    assert!(with_misses > 20, "{with_misses}");
}

/// A prediction run in chunks (one event at a time, the clock read between chunks) counts the
/// same misses, completes the same way and reaches the same horizon as one run, on a spare core
/// and in a slot, for random sets, states and blackouts up to 40 ms.
#[test]
fn chunked_prediction_equals_one_run() {
    fn clock() -> Time {
        0
    }
    let mut rng = XorShift64Star::new(0x6368_756e_6b73);
    let mut cases = 0;
    let mut with_misses = 0;
    while cases < 300 {
        let scheduler = if cases % 2 == 0 {
            Scheduler::Edf
        } else {
            Scheduler::FixedPriority
        };
        let Some((set, state)) = draw(&mut rng, scheduler, 0.7) else {
            continue;
        };
        let r = state.now + rng.below(40 * MS);
        let supply = match server_budget(&set, 5 * MS) {
            Some((theta, pi)) if theta < pi && cases % 3 == 0 => Supply::Server {
                theta,
                pi,
                wait: rng.below(pi),
                first: theta,
            },
            _ => Supply::Dedicated,
        };
        cases += 1;
        let whole = misses_with_supply(&set, &state, r, supply, PREDICTION_EVENTS).unwrap();
        let budget = Budget {
            events: PREDICTION_EVENTS,
            clock: Some(clock),
            deadline: 1,
            chunk: 1,
        };
        let chunked = misses_within(&set, &state, r, supply, budget).unwrap();
        assert_eq!(chunked, whole, "{scheduler:?} {supply:?}");
        with_misses += u32::from(whole.misses.iter().any(|&m| m > 0));
        let expired = Budget {
            deadline: 0,
            ..budget
        };
        let cut = misses_within(&set, &state, r, supply, expired).unwrap();
        assert!(!cut.complete && cut.misses.iter().all(|&m| m == 0));
    }
    assert!(with_misses > 30, "{with_misses}");
}
