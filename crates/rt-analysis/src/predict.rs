//! Deadline-miss prediction for a blackout starting now: exact (by simulation) and quick.

use crate::demand::{edf_static_slack, fp_blocking_tolerance};
use crate::math::{ceil_div, ceil_div_u128, saturate};
use crate::simulate::{simulate_until_idle, Blackout, SimResult};
use crate::{Scheduler, SimState, StateError, TaskSet, Time};
use alloc::vec::Vec;

/// Misses per task caused by a blackout `[state.now, state.now + blackout_len)`, as a guest
/// following the rules of [`crate::simulate`] would observe them (exact for a schedulable set).
pub fn predict_misses(
    set: &TaskSet,
    state: &SimState,
    blackout_len: Time,
) -> Result<Vec<u32>, StateError> {
    Ok(predict(set, state, blackout_len)?.misses_per_task)
}

/// Default event budget of [`predict`]: bounds its time (about 20 ms on a host in a debug
/// build) and memory (at most this many pending jobs, 40 bytes each), so a hypervisor never
/// spends unbounded effort on an absurd downtime or a corrupt state.
pub const PREDICT_MAX_EVENTS: u64 = 100_000;

/// [`predict_misses`] with the whole simulation result (first miss, lateness, whether the
/// schedule was back in sync: `stopped_idle`), with the default event budget.
pub fn predict(
    set: &TaskSet,
    state: &SimState,
    blackout_len: Time,
) -> Result<SimResult, StateError> {
    predict_with_budget(set, state, blackout_len, PREDICT_MAX_EVENTS)
}

/// [`predict`] with an explicit event budget. The run stops at the first idle instant after
/// the blackout (from there on it is the schedule without blackout), at the cap
/// `now + len + recovery_bound`, or after `max_events`; in the last two cases
/// (`stopped_idle == false`) the counts are those observed so far, a lower bound.
pub fn predict_with_budget(
    set: &TaskSet,
    state: &SimState,
    blackout_len: Time,
    max_events: u64,
) -> Result<SimResult, StateError> {
    let blackout = Blackout {
        start: state.now,
        length: blackout_len,
    };
    let cap = blackout
        .end()
        .saturating_add(recovery_bound(set, state, blackout_len));
    let end = blackout.end();
    simulate_until_idle(set, state, end, cap, max_events, Some(blackout))
}

/// How long after a blackout the schedule may need to reach an idle instant:
/// `ceil((len + pending work + sum C) / (1 - U)) + H` (`H` replaced by `n * 64 * T_max` when the
/// hyperperiod overflows), saturating. Backlog drains at rate `1 - U`; from an idle-free start,
/// a set with `U < 1` goes idle within a hyperperiod. With `U = 1` only the `H` term is used.
pub fn recovery_bound(set: &TaskSet, state: &SimState, blackout_len: Time) -> Time {
    let pending: u128 = state.active.iter().map(|j| u128::from(j.remaining)).sum();
    let wcets: u128 = set.tasks().iter().map(|t| u128::from(t.wcet)).sum();
    let backlog = u128::from(blackout_len) + pending + wcets;
    let utilization = u128::from(set.utilization_ppm().min(1_000_000));
    let drain = if utilization < 1_000_000 {
        ceil_div_u128(backlog * 1_000_000, 1_000_000 - utilization)
    } else {
        0
    };
    let period_max = set.tasks().iter().map(|t| t.period).max().unwrap_or(0);
    let cycle = set.hyperperiod().unwrap_or_else(|| {
        period_max
            .saturating_mul(64)
            .saturating_mul(set.len() as u64)
    });
    saturate(drain + u128::from(cycle))
}

/// Quick per-task estimate `k_i = max(0, ceil((len - beta_i) / T_i))` (docs/method.md,
/// "Predicting misses"), with
/// `beta_i` the FP blocking tolerance of task i, or the static EDF slack for every task (0 for
/// an unschedulable task or set).
///
/// It is exact in one direction only: `k_i = 0` (`len <= beta_i`) guarantees that task i misses
/// nothing whatever the state. It is *not* an upper bound of the misses: after a long blackout
/// a set with high utilization drains its backlog at rate `1 - U` and may keep missing for
/// about `len / (1 - U)`. Use [`predict_misses`] for the number.
pub fn quick_miss_bound(set: &TaskSet, blackout_len: Time) -> Vec<u32> {
    let edf_slack = match set.scheduler() {
        Scheduler::Edf => Some(edf_static_slack(set).unwrap_or(0)),
        Scheduler::FixedPriority => None,
    };
    set.tasks()
        .iter()
        .enumerate()
        .map(|(i, task)| {
            let tolerance = edf_slack.unwrap_or_else(|| fp_blocking_tolerance(set, i).unwrap_or(0));
            let excess = blackout_len.saturating_sub(tolerance);
            u32::try_from(ceil_div(excess, task.period)).unwrap_or(u32::MAX)
        })
        .collect()
}
