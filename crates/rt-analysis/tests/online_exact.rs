//! Property test: the online affordable downtime is exact, checked against the simulator.
//!
//! For random schedulable sets (EDF and FP) at random instants of their schedule, a blackout of
//! exactly `A` starting now causes no miss and one of `A + 1 ns` causes at least one; the
//! static slack never exceeds `A`; the early-stopping miss prediction agrees with a long plain
//! simulation.

mod common;

use common::{random_set, random_set_with, random_state, Tally};
use rt_analysis::demand::{edf_static_slack, fp_static_slack};
use rt_analysis::online::{analyse, OnlineLimits, SlackAnalyzer};
use rt_analysis::predict::predict;
use rt_analysis::simulate::{simulate, Blackout};
use rt_analysis::uunifast::XorShift64Star;
use rt_analysis::{Scheduler, Slack, Time};

const INSTANTS_PER_SET: u32 = 4;

fn check_instant(analyzer: &mut SlackAnalyzer, rng: &mut XorShift64Star, tally: &mut Tally) {
    let set = &analyzer.set().clone();
    let state = random_state(rng, set);
    let limits = OnlineLimits::horizon(Time::MAX);
    let plain = analyse(set, state.now, &state.active, &state.next_release, limits).unwrap();
    let report = analyzer
        .analyse(state.now, &state.active, &state.next_release, limits)
        .unwrap();
    assert!(
        plain.exact && report.exact,
        "scans without limits must end exactly"
    );
    assert_eq!(
        plain.slack, report.slack,
        "the static-slack shortcut changed the answer"
    );
    assert!(report.steps <= plain.steps);
    tally.plain_steps += u64::from(plain.steps);
    let Slack::Finite(slack) = report.slack else {
        panic!("a non-empty set has finite slack")
    };
    tally.instants += 1;
    tally.max_steps = tally.max_steps.max(report.steps);
    tally.total_steps += u64::from(report.steps);

    let fits = predict(set, &state, slack).unwrap();
    assert!(fits.stopped_idle, "schedule did not resynchronise");
    assert_eq!(
        fits.total_misses(),
        0,
        "blackout of A = {slack} at {} missed: {:?}\n{set:?}\n{state:?}",
        state.now,
        fits.first_miss
    );
    let over = predict(set, &state, slack + 1).unwrap();
    assert!(
        over.total_misses() > 0,
        "blackout of A + 1 = {} at {} caused no miss\n{set:?}\n{state:?}",
        slack + 1,
        state.now
    );
    tally.tight += 1;

    let static_slack = match set.scheduler() {
        Scheduler::Edf => edf_static_slack(set),
        Scheduler::FixedPriority => fp_static_slack(set),
    }
    .unwrap();
    assert!(
        static_slack <= slack,
        "static {static_slack} > online {slack} at {}",
        state.now
    );

    // The early stop at the first idle instant loses no miss: compare with a long plain run.
    let until = state.now + slack + 1 + 2 * set.hyperperiod().unwrap();
    let long = simulate(
        set,
        &state,
        until,
        Some(Blackout {
            start: state.now,
            length: slack + 1,
        }),
    )
    .unwrap();
    assert_eq!(long.misses_per_task, over.misses_per_task);
}

fn run(scheduler: Scheduler, seed: u64, sets: u32, heavy: bool) -> Tally {
    let mut rng = XorShift64Star::new(seed);
    let mut tally = Tally::default();
    while tally.sets < sets {
        let drawn = if heavy {
            let (tasks, utilization) = (rng.between(24, 32) as usize, 0.85 + 0.1 * rng.next_f64());
            random_set_with(&mut rng, scheduler, tasks, utilization)
        } else {
            random_set(&mut rng, scheduler)
        };
        let Some(set) = drawn else {
            tally.skipped_unschedulable += 1;
            continue;
        };
        tally.sets += 1;
        let mut analyzer = SlackAnalyzer::new(set);
        for _ in 0..INSTANTS_PER_SET {
            check_instant(&mut analyzer, &mut rng, &mut tally);
        }
    }
    let instants = u64::from(tally.instants);
    println!(
        "{scheduler:?}: {tally:?}; mean steps {} with SlackAnalyzer, {} with analyse",
        tally.total_steps / instants,
        tally.plain_steps / instants
    );
    tally
}

#[test]
fn edf_online_slack_is_exact() {
    let tally = run(Scheduler::Edf, 0xED_F0, 250, false);
    assert_eq!(tally.tight, 250 * INSTANTS_PER_SET);
}

#[test]
fn fp_online_slack_is_exact() {
    let tally = run(Scheduler::FixedPriority, 0xF1_ED, 250, false);
    assert_eq!(tally.tight, 250 * INSTANTS_PER_SET);
}

/// 24 to 32 tasks at utilization 0.85 to 0.95: long scans, long recoveries.
#[test]
fn online_slack_is_exact_for_large_heavy_sets() {
    for (scheduler, seed) in [(Scheduler::Edf, 0x4EA7), (Scheduler::FixedPriority, 0x4EA8)] {
        let tally = run(scheduler, seed, 40, true);
        assert_eq!(tally.tight, 40 * INSTANTS_PER_SET);
    }
}
