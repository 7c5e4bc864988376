//! Property test: the online affordable downtime is exact, checked against the simulator.
//!
//! For random schedulable sets (EDF and FP) at random instants of their schedule, a blackout of
//! exactly `A` starting now causes no miss and one of `A + 1 ns` causes at least one; the
//! static slack never exceeds `A`; the early-stopping miss prediction agrees with a long plain
//! simulation.

mod common;

use common::{random_set, random_state, Tally};
use rt_analysis::demand::{edf_static_slack, fp_static_slack};
use rt_analysis::online::{analyse, OnlineLimits};
use rt_analysis::predict::predict;
use rt_analysis::simulate::{simulate, Blackout};
use rt_analysis::uunifast::XorShift64Star;
use rt_analysis::{Scheduler, Slack, TaskSet, Time};

const INSTANTS_PER_SET: u32 = 4;

fn check_instant(set: &TaskSet, rng: &mut XorShift64Star, tally: &mut Tally) {
    let state = random_state(rng, set);
    let report = analyse(set, state.now, &state.active, &state.next_release, OnlineLimits::horizon(Time::MAX)).unwrap();
    assert!(report.exact, "scan without limits must end exactly");
    let Slack::Finite(slack) = report.slack else { panic!("a non-empty set has finite slack") };
    tally.instants += 1;
    tally.max_steps = tally.max_steps.max(report.steps);
    tally.total_steps += u64::from(report.steps);

    let fits = predict(set, &state, slack).unwrap();
    assert!(fits.stopped_idle, "schedule did not resynchronise");
    assert_eq!(fits.total_misses(), 0, "blackout of A = {slack} at {} missed: {:?}\n{set:?}\n{state:?}", state.now, fits.first_miss);
    let over = predict(set, &state, slack + 1).unwrap();
    assert!(over.total_misses() > 0, "blackout of A + 1 = {} at {} caused no miss\n{set:?}\n{state:?}", slack + 1, state.now);
    tally.tight += 1;

    let static_slack = match set.scheduler() {
        Scheduler::Edf => edf_static_slack(set),
        Scheduler::FixedPriority => fp_static_slack(set),
    }
    .unwrap();
    assert!(static_slack <= slack, "static {static_slack} > online {slack} at {}", state.now);

    // The early stop at the first idle instant loses no miss: compare with a long plain run.
    let until = state.now + slack + 1 + 2 * set.hyperperiod().unwrap();
    let long = simulate(set, &state, until, Some(Blackout { start: state.now, length: slack + 1 })).unwrap();
    assert_eq!(long.misses_per_task, over.misses_per_task);
}

fn run(scheduler: Scheduler, seed: u64, sets: u32) -> Tally {
    let mut rng = XorShift64Star::new(seed);
    let mut tally = Tally::default();
    while tally.sets < sets {
        let Some(set) = random_set(&mut rng, scheduler) else {
            tally.skipped_unschedulable += 1;
            continue;
        };
        tally.sets += 1;
        for _ in 0..INSTANTS_PER_SET {
            check_instant(&set, &mut rng, &mut tally);
        }
    }
    println!("{scheduler:?}: {tally:?}, mean steps {}", tally.total_steps / u64::from(tally.instants));
    tally
}

#[test]
fn edf_online_slack_is_exact() {
    let tally = run(Scheduler::Edf, 0xED_F0, 150);
    assert_eq!(tally.tight, 150 * INSTANTS_PER_SET);
}

#[test]
fn fp_online_slack_is_exact() {
    let tally = run(Scheduler::FixedPriority, 0xF1_ED, 150);
    assert_eq!(tally.tight, 150 * INSTANTS_PER_SET);
}
