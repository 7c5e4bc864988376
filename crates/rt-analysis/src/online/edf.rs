//! EDF online slack (Chetto and Chetto 1989), scanned over absolute deadlines in order.
//!
//! `A(t) = min over deadlines d > t of (d - t - W(t, d))`, where `W(t, d)` is the remaining
//! work of active jobs with deadline at most `d` plus the WCET of future jobs released in
//! `[t, d)` with deadline at most `d`. Exact: a blackout `[t, t + delta)` leaves `d - t - delta`
//! of processor before `d`, and EDF meets every deadline iff that covers `W(t, d)` for every
//! `d` (intervals starting after `t` are covered by the set's own schedulability).
//!
//! Stopping rule: with `R(x)` the work released before `x` (active included), every deadline
//! `d' >= x` has `d' - t - W(t, d') >= x - t - R(x)`, because the jobs released at or after `x`
//! demand at most `dbf(d' - x) <= d' - x`. So the scan stops exactly once `x - t - R(x)`
//! reaches the minimum found, and a scan cut short returns `min(minimum, x - t - R(x))`,
//! a safe bound. Past `base + H` (`base` = the latest of `t + D_max` and every task's first
//! future deadline) values repeat or grow by `H (1 - U)`, so the scan is exact there too.
//! Method.md's "up to the next idle instant" is not enough on its own: a later burst of
//! releases can give the minimum, the rule above is the corrected form.

use super::{report, OnlineLimits, Scratch, SlackReport};
use crate::{JobState, TaskSet, Time};

/// EDF online slack; see the module documentation.
pub(super) fn slack(
    scratch: &mut Scratch,
    set: &TaskSet,
    now: Time,
    active: &[JobState],
    next_release: &[Time],
    limits: OnlineLimits,
) -> SlackReport {
    let tasks = set.tasks();
    let t = u128::from(now);
    let releases = &mut scratch.releases;
    releases.clear();
    releases.extend(next_release.iter().map(|&r| u128::from(r.max(now))));
    let deadlines = &mut scratch.deadlines;
    deadlines.clear();
    deadlines.extend(active.iter().filter(|j| j.remaining > 0).map(|j| (j.abs_deadline, j.remaining)));
    deadlines.sort_unstable();
    let active_work: u128 = deadlines.iter().map(|&(_, r)| u128::from(r)).sum();

    let exact_cut = set.hyperperiod().map(|h| {
        let first = tasks.iter().zip(releases.iter()).map(|(task, &r)| r + u128::from(task.deadline));
        first.fold(t + u128::from(set.max_deadline()), u128::max) + u128::from(h)
    });
    let horizon_end = t + u128::from(limits.horizon);
    let (mut done_active, mut work_active, mut work_future) = (0usize, 0u128, 0u128);
    let mut minimum: Option<i128> = None;
    let (mut scanned, mut steps) = (0u32, 0u32);
    loop {
        let next_active = deadlines.get(done_active).map(|&(d, _)| u128::from(d));
        let next_future = tasks.iter().zip(releases.iter()).map(|(task, &r)| r + u128::from(task.deadline)).min();
        let d = match (next_active, next_future) {
            (Some(a), Some(f)) => a.min(f),
            (a, f) => match a.or(f) {
                Some(d) => d,
                None => return report(minimum, None, scanned, steps),
            },
        };
        if exact_cut.is_some_and(|cut| d > cut) {
            return report(minimum, None, scanned, steps);
        }
        let carried: u128 = tasks
            .iter()
            .zip(releases.iter())
            .filter(|&(_, &r)| r < d)
            .map(|(task, _)| u128::from(task.wcet))
            .sum();
        let idle_bound = d as i128 - t as i128 - (active_work + work_future + carried) as i128;
        if minimum.is_some_and(|m| idle_bound >= m) {
            return report(minimum, None, scanned, steps);
        }
        if d > horizon_end || steps >= limits.max_steps {
            return report(minimum, Some(idle_bound), scanned, steps);
        }
        while let Some(&(deadline, remaining)) = deadlines.get(done_active) {
            if u128::from(deadline) != d {
                break;
            }
            work_active += u128::from(remaining);
            done_active += 1;
        }
        for (task, release) in tasks.iter().zip(releases.iter_mut()) {
            if *release + u128::from(task.deadline) == d {
                work_future += u128::from(task.wcet);
                *release += u128::from(task.period);
            }
        }
        steps += 1;
        if d > t {
            scanned += 1;
            let value = d as i128 - t as i128 - (work_active + work_future) as i128;
            if value < 0 {
                return report(Some(0), None, scanned, steps);
            }
            minimum = Some(minimum.map_or(value, |m| m.min(value)));
        }
    }
}
