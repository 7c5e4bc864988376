//! Periodic resource model (Shin and Lee 2003): does a VM's task set fit in a server that
//! supplies `theta` every `pi`? Used to place a migrant VM on a core that already has residents.

use crate::demand::dbf;
use crate::math::{ceil_div, ceil_div_u128, lcm};
use crate::{Scheduler, TaskSet, Time};
use core::cmp::Ordering;

/// Supply bound function of the periodic resource `(pi, theta)`: the least processor time the
/// server guarantees in any window of length `t` (worst case: the budget came as early as
/// possible in one period and as late as possible in the following ones, a gap of
/// `2 (pi - theta)`). With `y = t - (pi - theta)`, `sbf = floor(y / pi) theta +
/// max(0, y mod pi - (pi - theta))`, 0 for `y < 0`. Requires `theta <= pi`, `pi > 0`.
pub fn sbf(theta: Time, pi: Time, t: Time) -> Time {
    let gap = pi - theta;
    let Some(y) = t.checked_sub(gap) else {
        return 0;
    };
    (y / pi) * theta + (y % pi).saturating_sub(gap)
}

/// True when `set`, run by its own scheduler inside the server `(pi, theta)`, meets every
/// deadline: EDF needs `dbf(t) <= sbf(t)` for all `t`; FP needs, for every task,
/// some `t <= D_i` with `rbf_i(t) <= sbf(t)` (Shin and Lee, Theorems 4 and 5).
pub fn fits(set: &TaskSet, theta: Time, pi: Time) -> bool {
    fits_while(set, theta, pi, &mut || true) == Some(true)
}

/// Demand checks between two calls of `go_on` in [`fits_while`].
const CHECKS_PER_CALL: u32 = 64;

/// [`fits`], asking `go_on` every [`CHECKS_PER_CALL`] demand checks whether to go on: `None`
/// when it said no (the answer is unknown).
pub fn fits_while(
    set: &TaskSet,
    theta: Time,
    pi: Time,
    go_on: &mut dyn FnMut() -> bool,
) -> Option<bool> {
    if pi == 0 || theta > pi {
        return Some(false);
    }
    if set.is_empty() {
        return Some(true);
    }
    match set.scheduler() {
        Scheduler::Edf => fits_edf(set, theta, pi, go_on),
        Scheduler::FixedPriority => Some(fits_fp(set, theta, pi)),
    }
}

/// EDF check at every absolute deadline up to the earlier of `lcm(H, pi) + pi` (past it, with
/// `U <= theta / pi`, demand grows by at most `U L` and supply by exactly `theta L / pi` per
/// `L = lcm(H, pi)`) and the analytic point where the linear bounds cross.
fn fits_edf(set: &TaskSet, theta: Time, pi: Time, go_on: &mut dyn FnMut() -> bool) -> Option<bool> {
    if set.utilization_cmp(theta, pi) == Ordering::Greater {
        return Some(false);
    }
    let periodic_limit = set.hyperperiod().and_then(|h| lcm(h, pi)?.checked_add(pi));
    let limit = match (periodic_limit, analytic_limit(set, theta, pi)) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => match a.or(b) {
            Some(limit) => limit,
            None => return Some(false),
        },
    };
    let mut checks = 0u32;
    for task in set.tasks() {
        let mut d = task.deadline;
        while d <= limit {
            checks += 1;
            if checks.is_multiple_of(CHECKS_PER_CALL) && !go_on() {
                return None;
            }
            if dbf(set, d) > sbf(theta, pi, d) {
                return Some(false);
            }
            d = match d.checked_add(task.period) {
                Some(next) => next,
                None => break,
            };
        }
    }
    Some(true)
}

/// `t*` beyond which `dbf(t) <= U t + K <= (theta / pi) (t - 2 (pi - theta)) <= sbf(t)`, with
/// `K = sum C_i (T_i - D_i) / T_i`; `None` when the bandwidth does not exceed `U`. Utilization
/// is rounded up to ppm, bandwidth down and `K` up, so `t*` is safe.
fn analytic_limit(set: &TaskSet, theta: Time, pi: Time) -> Option<Time> {
    let u_ppm = u128::from(set.utilization_ppm());
    let bandwidth_ppm = u128::from(theta) * 1_000_000 / u128::from(pi);
    if bandwidth_ppm <= u_ppm {
        return None;
    }
    let carry: u128 = set
        .tasks()
        .iter()
        .map(|t| {
            ceil_div_u128(
                u128::from(t.wcet) * u128::from(t.period - t.deadline),
                u128::from(t.period),
            )
        })
        .sum();
    let gap = 2 * u128::from(pi - theta) * bandwidth_ppm;
    u64::try_from(ceil_div_u128(
        carry * 1_000_000 + gap,
        bandwidth_ppm - u_ppm,
    ))
    .ok()
}

/// FP check: for each task, some scheduling point `t` in `P_i` has `rbf_i(t) <= sbf(t)`.
fn fits_fp(set: &TaskSet, theta: Time, pi: Time) -> bool {
    set.by_priority().iter().enumerate().all(|(rank, &i)| {
        let deadline = set.task(i).deadline;
        let hp = &set.by_priority()[..rank];
        let request = |t: Time| -> u128 {
            u128::from(set.task(i).wcet)
                + hp.iter()
                    .map(|&j| {
                        u128::from(ceil_div(t, set.task(j).period)) * u128::from(set.task(j).wcet)
                    })
                    .sum::<u128>()
        };
        let ok = |t: Time| request(t) <= u128::from(sbf(theta, pi, t));
        ok(deadline)
            || hp.iter().any(|&j| {
                let period = set.task(j).period;
                (1..=deadline / period).map(|k| k * period).any(ok)
            })
    })
}

/// Smallest budget `theta <= pi` with [`fits`] (binary search: `sbf` grows with `theta`);
/// `None` if even `theta = pi` (a dedicated processor) does not fit.
pub fn min_budget(set: &TaskSet, pi: Time) -> Option<Time> {
    min_budget_while(set, pi, &mut || true).flatten()
}

/// [`min_budget`], asking `go_on` as [`fits_while`] does: `None` when it said no, else
/// `Some(min_budget)`.
pub fn min_budget_while(
    set: &TaskSet,
    pi: Time,
    go_on: &mut dyn FnMut() -> bool,
) -> Option<Option<Time>> {
    BudgetSearch::new(pi).run(set, pi, go_on)
}

/// A [`min_budget`] search that can stop and go on later (from an idle core's spare moments):
/// the binary search's interval so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetSearch {
    low: Time,
    high: Time,
    whole_fits: bool,
}

impl BudgetSearch {
    /// A search at period `pi`, not begun.
    pub fn new(pi: Time) -> Self {
        Self {
            low: 0,
            high: pi,
            whole_fits: false,
        }
    }

    /// Goes on with the search for `set` at `pi` while `go_on` says so: `Some(min_budget)`
    /// when done, `None` when stopped first (the fits check it stopped in is redone next time).
    pub fn run(
        &mut self,
        set: &TaskSet,
        pi: Time,
        go_on: &mut dyn FnMut() -> bool,
    ) -> Option<Option<Time>> {
        if !self.whole_fits {
            if !fits_while(set, pi, pi, go_on)? {
                return Some(None);
            }
            self.whole_fits = true;
        }
        while self.low < self.high {
            let mid = self.low + (self.high - self.low) / 2;
            if fits_while(set, mid, pi, go_on)? {
                self.high = mid;
            } else {
                self.low = mid + 1;
            }
        }
        Some(Some(self.low))
    }
}

/// True when periodic servers `(theta, pi)` sharing one core are schedulable by the
/// hypervisor under EDF (implicit deadlines): `sum theta / pi <= 1`.
pub fn servers_fit(servers: &[(Time, Time)]) -> bool {
    servers.iter().all(|&(theta, pi)| pi > 0 && theta <= pi)
        && crate::math::compare_ratio_sum(servers, 1, 1) != Ordering::Greater
}
