//! Shared helpers of the property tests: random schedulable sets and realistic states.
#![allow(dead_code)]

use rt_analysis::demand::schedulable;
use rt_analysis::simulate::simulate;
use rt_analysis::uunifast::{generate_mixed, XorShift64Star};
use rt_analysis::{Scheduler, SimState, TaskSet, Time};

/// A random schedulable set: 2..=32 tasks (small sizes more often), U in [0.1, 0.95], periods
/// from the menu, implicit or constrained deadlines, with or without offsets. `None` when the
/// draw is not schedulable under `scheduler`.
pub fn random_set(rng: &mut XorShift64Star, scheduler: Scheduler) -> Option<TaskSet> {
    let tasks = match rng.below(4) {
        0 => rng.between(2, 4),
        1 => rng.between(5, 8),
        2 => rng.between(9, 16),
        _ => rng.between(17, 32),
    } as usize;
    let utilization = 0.1 + 0.85 * rng.next_f64();
    random_set_with(rng, scheduler, tasks, utilization)
}

/// A random schedulable set with the given size and target utilization (see [`random_set`]).
pub fn random_set_with(
    rng: &mut XorShift64Star,
    scheduler: Scheduler,
    tasks: usize,
    utilization: f64,
) -> Option<TaskSet> {
    let set = generate_mixed(rng, scheduler, tasks, utilization).ok()?;
    schedulable(&set).then_some(set)
}

/// The state at a random instant in `[0, 2 H + max offset)` of the schedule from time 0.
pub fn random_state(rng: &mut XorShift64Star, set: &TaskSet) -> SimState {
    let offsets = set.tasks().iter().map(|t| t.offset).max().unwrap_or(0);
    let span = 2 * set.hyperperiod().expect("menu periods") + offsets;
    let t = rng.below(span);
    let run = simulate(set, &SimState::initial(set), t, None).unwrap();
    assert_eq!(
        run.total_misses(),
        0,
        "schedulable set missed without blackout"
    );
    run.end
}

/// Misses of a blackout `[now, now + len)`, checked against one long plain simulation.
pub fn misses_with_blackout(set: &TaskSet, state: &SimState, len: Time) -> Vec<u32> {
    rt_analysis::predict::predict_misses(set, state, len).unwrap()
}

/// Totals for a test's closing line.
#[derive(Default, Debug)]
pub struct Tally {
    pub sets: u32,
    pub skipped_unschedulable: u32,
    pub instants: u32,
    pub tight: u32,
    pub max_steps: u32,
    pub total_steps: u64,
    pub plain_steps: u64,
}
