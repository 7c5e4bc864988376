//! Fixed priority: response-time analysis and the Bini–Buttazzo blocking tolerance.

use crate::math::ceil_div;
use crate::{TaskSet, Time};

/// Level-i workload `W_i(t) = sum_{j at or above i's priority} ceil(t / T_j) C_j`.
fn level_workload(set: &TaskSet, rank: usize, t: Time) -> u128 {
    set.by_priority()[..=rank]
        .iter()
        .map(|&j| {
            let task = set.task(j);
            u128::from(ceil_div(t, task.period)) * u128::from(task.wcet)
        })
        .sum()
}

/// Blocking tolerance of task `i` (Bini and Buttazzo 2004):
/// `beta_i = max over t in P_i of (t - W_i(t))`, with the scheduling points
/// `P_i = {k T_j <= D_i : j of higher priority, k >= 1} u {D_i}`.
///
/// It is the longest top-priority interference (here: a blackout) a job of task `i` survives
/// in the worst case. `None` when task `i` misses its deadline even without interference.
/// The priority order is [`TaskSet::by_priority`] (index order for an EDF set).
pub fn fp_blocking_tolerance(set: &TaskSet, i: usize) -> Option<Time> {
    let rank = set.rank(i);
    let deadline = set.task(i).deadline;
    let mut best: i128 = deadline as i128 - level_workload(set, rank, deadline) as i128;
    for &j in &set.by_priority()[..rank] {
        let period = set.task(j).period;
        let mut t = period;
        while t < deadline {
            best = best.max(t as i128 - level_workload(set, rank, t) as i128);
            t = match t.checked_add(period) {
                Some(next) => next,
                None => break,
            };
        }
    }
    u64::try_from(best).ok()
}

/// Static fixed-priority affordable downtime `min_i beta_i` ([`fp_blocking_tolerance`]);
/// `None` when some task is unschedulable, `Some(Time::MAX)` for an empty set.
pub fn fp_static_slack(set: &TaskSet) -> Option<Time> {
    (0..set.len()).try_fold(Time::MAX, |acc, i| {
        Some(acc.min(fp_blocking_tolerance(set, i)?))
    })
}

/// Worst-case response time of task `i` (Joseph–Pandya / Audsley iteration
/// `R = C_i + sum_{hp j} ceil(R / T_j) C_j`); `None` if it exceeds the deadline.
pub fn response_time(set: &TaskSet, i: usize) -> Option<Time> {
    let rank = set.rank(i);
    let task = set.task(i);
    let mut response = task.wcet;
    loop {
        let next = u128::from(task.wcet)
            + set.by_priority()[..rank]
                .iter()
                .map(|&j| {
                    let hp = set.task(j);
                    u128::from(ceil_div(response, hp.period)) * u128::from(hp.wcet)
                })
                .sum::<u128>();
        if next > u128::from(task.deadline) {
            return None;
        }
        let next = next as Time;
        if next == response {
            return Some(response);
        }
        response = next;
    }
}

/// Exact fixed-priority schedulability for constrained deadlines: every response time fits.
pub fn fp_schedulable(set: &TaskSet) -> bool {
    (0..set.len()).all(|i| response_time(set, i).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Scheduler, Task};
    use alloc::vec;

    fn fp(tasks: alloc::vec::Vec<Task>) -> TaskSet {
        TaskSet::new(tasks, Scheduler::FixedPriority).unwrap()
    }

    #[test]
    fn classic_rate_monotonic_example() {
        // (C, T): (1, 4), (2, 6), (3, 12): response times 1, 3, 10.
        let set = fp(vec![
            Task::periodic(1, 4).with_priority(0),
            Task::periodic(2, 6).with_priority(1),
            Task::periodic(3, 12).with_priority(2),
        ]);
        assert_eq!(response_time(&set, 0), Some(1));
        assert_eq!(response_time(&set, 1), Some(3));
        assert_eq!(response_time(&set, 2), Some(10));
        assert!(fp_schedulable(&set));
        // beta_0 = 4 - 1 = 3; beta_1 = max(4 - 3, 6 - 4) = 2;
        // beta_2 over {4, 6, 8, 12}: 4 - 6, 6 - 7, 8 - 9, 12 - 10 => 2.
        assert_eq!(fp_blocking_tolerance(&set, 0), Some(3));
        assert_eq!(fp_blocking_tolerance(&set, 1), Some(2));
        assert_eq!(fp_blocking_tolerance(&set, 2), Some(2));
        assert_eq!(fp_static_slack(&set), Some(2));
    }

    #[test]
    fn unschedulable_task_has_no_tolerance() {
        let set = fp(vec![
            Task::periodic(2, 4).with_priority(0),
            Task::periodic(3, 6).with_priority(1),
        ]);
        assert_eq!(response_time(&set, 1), None);
        assert_eq!(fp_blocking_tolerance(&set, 1), None);
        assert_eq!(fp_static_slack(&set), None);
    }
}
