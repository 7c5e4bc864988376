//! Fixed-priority online slack: level-i idle time up to each deadline (Davis, Tindell, Burns).
//!
//! A blackout `[t, t + delta)` acts like a top-priority job of size `delta` released at `t`.
//! For a job J of task i with deadline `d`, let `I_i(t, d)` be the time in `[t, d)` during which
//! no job of priority i or higher is pending in the schedule *without* blackout. Then J meets
//! `d` under the blackout iff `delta <= I_i(t, d)` (given it meets `d` without one): with `g(x)`
//! = `x - t - (level-i work released in [t, x))`, the level-i backlog at `x` is zero under the
//! blackout iff it is zero without it and `delta <= g(x) = I_i(t, x)`, J (the lowest-priority
//! level-i job, D <= T) completes exactly at such an instant, and `I_i(t, .)` is flat inside a
//! busy period. So `A(t) = min over jobs J with d_J > t of I_i(t, d_J)`, exact. Davis et al.
//! obtain the same idle time by fixed-point iteration over level-i busy periods; here one
//! event-driven run of the schedule from `t` yields it for every level at once (per-priority
//! busy time, `I_i = elapsed - busy time of priorities >= i`).
//!
//! Unlike method.md's "S_i up to tau_i's current deadline", later jobs of every task are
//! examined too: a long blackout can make the *next* job of a task miss. Stopping rule: every
//! deadline not yet examined is at or after the current instant `x`, and `I_i(t, d) >=
//! I_n(t, x)` (the plain processor idle time), so the scan stops exactly when that idle time
//! reaches the minimum; cut short, it returns `min(minimum, idle so far)`, a safe bound.

use super::{report, OnlineLimits, Scratch, SlackReport};
use crate::{JobState, TaskSet, Time};

/// A pending job in the online run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PendingJob {
    task: usize,
    rank: usize,
    release: u128,
    deadline: u128,
    remaining: u128,
}

/// Fixed-priority online slack; see the module documentation.
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
    let Scratch { releases, evaluations, busy, jobs, .. } = scratch;
    releases.clear();
    releases.extend(next_release.iter().map(|&r| u128::from(r.max(now))));
    evaluations.clear();
    evaluations.resize(tasks.len(), None);
    busy.clear();
    busy.resize(tasks.len(), 0);
    jobs.clear();
    for job in active.iter().filter(|j| j.remaining > 0) {
        let deadline = u128::from(job.abs_deadline);
        jobs.push(PendingJob {
            task: job.task,
            rank: set.rank(job.task),
            release: u128::from(job.release),
            deadline,
            remaining: u128::from(job.remaining),
        });
        if deadline > t {
            evaluations[job.task] = Some(evaluations[job.task].map_or(deadline, |e| e.max(deadline)));
        }
    }
    let horizon_end = t + u128::from(limits.horizon);
    let (mut x, mut idle) = (t, 0u128);
    let mut minimum: Option<i128> = None;
    let (mut scanned, mut steps) = (0u32, 0u32);
    loop {
        for i in 0..tasks.len() {
            if evaluations[i] != Some(x) {
                continue;
            }
            evaluations[i] = None;
            scanned += 1;
            if jobs.iter().any(|j| j.task == i && j.deadline == x) {
                return report(Some(0), None, scanned, steps);
            }
            let level_busy: u128 = busy[..=set.rank(i)].iter().sum();
            let level_idle = (x - t - level_busy) as i128;
            minimum = Some(minimum.map_or(level_idle, |m| m.min(level_idle)));
        }
        for (i, task) in tasks.iter().enumerate() {
            if releases[i] == x {
                let deadline = x + u128::from(task.deadline);
                let job = PendingJob { task: i, rank: set.rank(i), release: x, deadline, remaining: u128::from(task.wcet) };
                jobs.push(job);
                evaluations[i] = Some(deadline);
                releases[i] += u128::from(task.period);
            }
        }
        if minimum.is_some_and(|m| idle as i128 >= m) {
            return report(minimum, None, scanned, steps);
        }
        let running = (0..jobs.len()).min_by_key(|&k| (jobs[k].rank, jobs[k].release));
        let next = running
            .map(|k| x + jobs[k].remaining)
            .into_iter()
            .chain(releases.iter().copied())
            .chain(evaluations.iter().flatten().copied())
            .min();
        let Some(next) = next else {
            return report(minimum, None, scanned, steps);
        };
        if next > horizon_end || steps >= limits.max_steps {
            return report(minimum, Some(idle as i128), scanned, steps);
        }
        let elapsed = next - x;
        match running {
            Some(k) => {
                busy[jobs[k].rank] += elapsed;
                jobs[k].remaining -= elapsed;
                if jobs[k].remaining == 0 {
                    jobs.swap_remove(k);
                }
            }
            None => idle += elapsed,
        }
        x = next;
        steps += 1;
    }
}
