//! EDF online slack (Chetto and Chetto 1989), scanned over absolute deadlines in order.
//!
//! `A(t) = min over deadlines d > t of (d - t - W(t, d))`, where `W(t, d)` is the remaining
//! work of active jobs with deadline at most `d` plus the WCET of future jobs released in
//! `[t, d)` with deadline at most `d`. Exact: a blackout `[t, t + delta)` leaves `d - t - delta`
//! of processor before `d`, and EDF meets every deadline iff that covers `W(t, d)` for every
//! `d` (intervals starting after `t` are covered by the set's own schedulability).
//!
//! Stopping rule: with `R(x)` the work released before `x` (active included), every deadline
//! `d' >= x` has `d' - t - W(t, d') >= x - t - R(x) + min(s, d' - x)`, because the jobs
//! released at or after `x` demand at most `dbf(d' - x) <= d' - x - min(s, d' - x)`, `s` being
//! the static slack when a [`super::SlackAnalyzer`] supplies it (else 0). Before scanning `d`
//! the rule is applied at `x = max(t, d - s)` (non-decreasing, so `R(x)` is kept by a second
//! release cursor per task): the scan stops exactly once the bound reaches the minimum found,
//! and a scan cut short returns `min(minimum, bound)`, a safe value. Past `base + H` (`base` =
//! the latest of `t + D_max` and every task's first future deadline) values repeat or grow by
//! `H (1 - U)`, so the scan is exact there too.
//!
//! Scanning only up to the next idle instant is not enough (a burst released after that instant
//! can hold the minimum); the rule above is what makes the scan exact (docs/method.md,
//! "Affordable downtime", "Online").

use super::{first_release, report, Input, Scratch, SlackReport, NEVER};

/// EDF online slack; see the module documentation.
pub(super) fn slack(scratch: &mut Scratch, input: &Input<'_>) -> SlackReport {
    let Input {
        set,
        now,
        active,
        next_release,
        limits,
        ..
    } = *input;
    let tasks = set.tasks();
    let static_slack = u128::from(input.static_slack);
    let t = u128::from(now);
    let Scratch {
        releases,
        origins: counted,
        deadlines,
        ..
    } = scratch;
    // releases[i]: release of task i's first job not yet summed into W (deadline order);
    // counted[i]: release of its first job not yet summed into R(x).
    releases.clear();
    releases.extend(next_release.iter().map(|&r| first_release(r, now)));
    counted.clear();
    counted.extend_from_slice(releases);
    deadlines.clear();
    deadlines.extend(
        active
            .iter()
            .filter(|j| j.remaining > 0)
            .map(|j| (j.abs_deadline, j.remaining)),
    );
    deadlines.sort_unstable();
    let active_work: u128 = deadlines.iter().map(|&(_, r)| u128::from(r)).sum();

    let exact_cut = set.hyperperiod().map(|h| {
        let first = tasks
            .iter()
            .zip(releases.iter())
            .filter(|&(_, &r)| r < NEVER)
            .map(|(task, &r)| r + u128::from(task.deadline));
        first.fold(t + u128::from(set.max_deadline()), u128::max) + u128::from(h)
    });
    let horizon_end = t + u128::from(limits.horizon);
    let mut next_future = tasks
        .iter()
        .zip(releases.iter())
        .map(|(task, &r)| r + u128::from(task.deadline))
        .min();
    let (mut done_active, mut work_active, mut work_future, mut released) =
        (0usize, 0u128, 0u128, active_work);
    let mut minimum: Option<i128> = None;
    let (mut scanned, mut steps) = (0u32, 0u32);
    loop {
        let next_active = deadlines.get(done_active).map(|&(d, _)| u128::from(d));
        let d = match (next_active, next_future) {
            (Some(a), Some(f)) => a.min(f),
            (a, f) => match a.or(f) {
                Some(d) => d,
                None => return report(minimum, None, scanned, steps),
            },
        };
        if d >= NEVER || exact_cut.is_some_and(|cut| d > cut) {
            return report(minimum, None, scanned, steps);
        }
        // One pass: bring R(x) up to x, absorb the future jobs due at d, find the next deadline.
        let x = t.max(d.saturating_sub(static_slack));
        let mut next = None;
        for ((task, release), count) in tasks
            .iter()
            .zip(releases.iter_mut())
            .zip(counted.iter_mut())
        {
            let (period, wcet) = (u128::from(task.period), u128::from(task.wcet));
            while *count < x {
                released += wcet;
                *count += period;
            }
            if *release + u128::from(task.deadline) == d {
                work_future += wcet;
                *release += period;
            }
            let deadline = *release + u128::from(task.deadline);
            next = Some(next.map_or(deadline, |n: u128| n.min(deadline)));
        }
        next_future = next;
        // Lower bound of the slack of every deadline from d on (before d is absorbed).
        let later_bound =
            (x - t) as i128 - released as i128 + static_slack.min(d.saturating_sub(x)) as i128;
        if minimum.is_some_and(|m| later_bound >= m) {
            return report(minimum, None, scanned, steps);
        }
        if d > horizon_end || steps >= limits.max_steps {
            return report(minimum, Some(later_bound), scanned, steps);
        }
        while let Some(&(deadline, remaining)) = deadlines.get(done_active) {
            if u128::from(deadline) != d {
                break;
            }
            work_active += u128::from(remaining);
            done_active += 1;
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
