//! Fixed-priority online slack: level-i idle time up to each task's next deadline (Davis,
//! Tindell and Burns 1993).
//!
//! A blackout `[t, t + delta)` acts like a top-priority job of size `delta` released at `t`.
//! For a job J of task i with deadline `d`, let `I_i(t, d)` be the time in `[t, d)` during which
//! no job of priority i or higher is pending in the schedule *without* blackout. Then J meets
//! `d` under the blackout iff `delta <= I_i(t, d)` (given it meets `d` without one): with `g(x)`
//! = `x - t - (level-i work released in [t, x))`, the level-i backlog at `x` is zero under the
//! blackout iff it is zero without it and `delta <= g(x) = I_i(t, x)`; J, the lowest-priority
//! level-i job (D <= T, FIFO within a task), completes exactly at such an instant; and
//! `I_i(t, .)` is flat inside a busy period. Davis et al. obtain the same idle time by
//! fixed-point iteration over level-i busy periods; here one event-driven run of the schedule
//! from `t` yields it for every level at once (`I_i = elapsed - busy time at priorities >= i`).
//!
//! Only the first job of each task with a deadline after `t` matters: `I_i(t, .)` never
//! decreases, and when that job completes the level is idle, so later jobs start afresh and
//! meet their deadlines. Hence `A(t) = min_i I_i(t, d_i)`, `d_i` the first deadline of task i
//! after `t` (of its active job, else of its next release): the level-i slack "up to task i's
//! current deadline" of docs/method.md ("Affordable downtime", "Online"), made precise, and
//! exact. A task is also settled once `I_i(t, x)` reaches the minimum found (its value can only
//! be larger); the run ends when all are settled, by `max_i d_i` at the latest. Cut short at
//! `x`, it returns `min(minimum, I_i(t, x) over unsettled tasks)`, a safe bound.

use super::{first_release, report, Input, Scratch, SlackReport, NEVER};

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
    let t = u128::from(now);
    let Scratch {
        releases,
        evaluations,
        busy,
        jobs,
        done,
        ..
    } = scratch;
    releases.clear();
    releases.extend(next_release.iter().map(|&r| first_release(r, now)));
    evaluations.clear();
    evaluations.resize(tasks.len(), None);
    busy.clear();
    busy.resize(tasks.len(), 0);
    jobs.clear();
    for job in active.iter().filter(|j| j.remaining > 0) {
        let deadline = u128::from(job.abs_deadline);
        let (task, rank) = (job.task, set.rank(job.task));
        let (release, remaining) = (u128::from(job.release), u128::from(job.remaining));
        jobs.push(PendingJob {
            task,
            rank,
            release,
            deadline,
            remaining,
        });
        if deadline > t {
            evaluations[task] = Some(evaluations[task].map_or(deadline, |e| e.min(deadline)));
        }
    }
    // A task with no deadline after t to come is settled from the start.
    done.clear();
    done.extend(
        releases
            .iter()
            .zip(evaluations.iter())
            .map(|(&r, e)| r >= NEVER && e.is_none()),
    );
    let mut unsettled = done.iter().filter(|&&d| !d).count();
    let horizon_end = t + u128::from(limits.horizon);
    let (mut x, mut minimum) = (t, None::<i128>);
    let (mut scanned, mut steps) = (0u32, 0u32);
    loop {
        // One pass: examine deadlines due at x, release jobs due at x, find the next of both.
        let mut next: Option<u128> = None;
        for (i, task) in tasks.iter().enumerate() {
            if evaluations[i] == Some(x) {
                evaluations[i] = None;
                if !done[i] {
                    if jobs.iter().any(|j| j.task == i && j.deadline == x) {
                        return report(Some(0), None, scanned + 1, steps);
                    }
                    scanned += 1;
                    let level_busy: u128 = busy[..=set.rank(i)].iter().sum();
                    let value = (x - t - level_busy) as i128;
                    minimum = Some(minimum.map_or(value, |m| m.min(value)));
                    done[i] = true;
                    unsettled -= 1;
                }
            }
            if releases[i] == x {
                let (rank, deadline) = (set.rank(i), x + u128::from(task.deadline));
                let remaining = u128::from(task.wcet);
                jobs.push(PendingJob {
                    task: i,
                    rank,
                    release: x,
                    deadline,
                    remaining,
                });
                if !done[i] {
                    evaluations[i] = Some(evaluations[i].map_or(deadline, |e| e.min(deadline)));
                }
                releases[i] += u128::from(task.period);
            }
            for due in [Some(releases[i]), evaluations[i]].into_iter().flatten() {
                next = Some(next.map_or(due, |n: u128| n.min(due)));
            }
        }
        let least_unsettled = settle_idle_levels(input, busy, done, &mut unsettled, x - t, minimum);
        if unsettled == 0 {
            return report(minimum, None, scanned, steps);
        }
        let running = (0..jobs.len()).min_by_key(|&k| (jobs[k].rank, jobs[k].release));
        if let Some(k) = running {
            let completion = x + jobs[k].remaining;
            next = Some(next.map_or(completion, |n| n.min(completion)));
        }
        let Some(next) = next.filter(|&n| n < NEVER) else {
            return report(minimum, None, scanned, steps);
        };
        if next > horizon_end || steps >= limits.max_steps {
            return report(minimum, least_unsettled, scanned, steps);
        }
        if let Some(k) = running {
            let elapsed = next - x;
            busy[jobs[k].rank] += elapsed;
            jobs[k].remaining -= elapsed;
            if jobs[k].remaining == 0 {
                jobs.swap_remove(k);
            }
        }
        x = next;
        steps += 1;
    }
}

/// Settles every task whose level-i idle time since `t` has reached the minimum; returns the
/// least level idle time among the tasks still unsettled (the bound of a cut-short run).
fn settle_idle_levels(
    input: &Input<'_>,
    busy: &[u128],
    done: &mut [bool],
    unsettled: &mut usize,
    elapsed: u128,
    minimum: Option<i128>,
) -> Option<i128> {
    let mut level_busy = 0u128;
    let mut least = None;
    for (rank, &i) in input.set.by_priority().iter().enumerate() {
        level_busy += busy[rank];
        if done[i] {
            continue;
        }
        let level_idle = (elapsed - level_busy) as i128;
        if minimum.is_some_and(|m| level_idle >= m) {
            done[i] = true;
            *unsettled -= 1;
        } else {
            least = Some(least.map_or(level_idle, |l: i128| l.min(level_idle)));
        }
    }
    least
}
