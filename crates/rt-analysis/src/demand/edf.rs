//! EDF: static affordable downtime `min_L (L - dbf(L))` and the processor-demand test.

use crate::math::clamp_slack;
use crate::{TaskSet, Time};
use alloc::vec::Vec;

/// Upper limit on the number of absolute deadlines examined before giving up (`None`), reached
/// only for utilizations within about 1e-7 of 1 whose hyperperiod overflows.
const MAX_STEPS: u64 = 50_000_000;

/// Static EDF affordable downtime: `min over absolute deadlines L > 0 of (L - dbf(L))`.
///
/// This is the longest blackout, starting anywhere, after which no job misses, for every
/// sporadic release pattern. `None` when the set is not EDF-schedulable (some `dbf(L) > L`) or
/// the scan could not be bounded; `Some(Time::MAX)` for an empty set.
///
/// Deadlines are scanned in increasing order until either
/// * `L - W(L) >= m`, where `W(L)` is the work released before `L` and `m` the minimum so far:
///   every later `L'` has `L' - dbf(L') >= L - W(L)` because the jobs released at or after `L`
///   with deadline at most `L'` demand at most `dbf(L' - L) <= L' - L` (by induction on `L'`).
///   With `U < 1` this is reached after about `(m + sum_i C_i) / (1 - U)`;
/// * or `L > H + D_max`: `dbf(L + H) <= dbf(L) + U H` so later values repeat or grow.
///
/// Note: the synchronous busy period bounds the *schedulability* test only, not the minimum, so
/// it cannot end this scan: for one task `C = 1, T = D = 10` the busy period is 1 while the
/// minimum (9) is at `L = 10` (docs/method.md, "Affordable downtime", "Static").
pub fn edf_static_slack(set: &TaskSet) -> Option<Time> {
    let tasks = set.tasks();
    if tasks.is_empty() {
        return Some(Time::MAX);
    }
    let cap = set
        .hyperperiod()
        .and_then(|h| h.checked_add(set.max_deadline()));
    let mut jobs: Vec<u64> = alloc::vec![0; tasks.len()];
    let mut absorbed: u128 = 0;
    let mut minimum: Option<i128> = None;
    for _ in 0..MAX_STEPS {
        let deadline_of =
            |t: &crate::Task, k: u64| u128::from(k) * u128::from(t.period) + u128::from(t.deadline);
        let d = tasks
            .iter()
            .zip(&jobs)
            .map(|(t, &k)| deadline_of(t, k))
            .min()?;
        let mut released_before: u128 = absorbed;
        if cap.is_some_and(|c| d > u128::from(c)) {
            return minimum.map(clamp_slack);
        }
        for (t, &k) in tasks.iter().zip(&jobs) {
            if u128::from(k) * u128::from(t.period) < d {
                released_before += u128::from(t.wcet);
            }
        }
        let idle_bound = d as i128 - released_before as i128;
        if minimum.is_some_and(|m| idle_bound >= m) {
            return minimum.map(clamp_slack);
        }
        for (t, k) in tasks.iter().zip(jobs.iter_mut()) {
            if deadline_of(t, *k) == d {
                absorbed += u128::from(t.wcet);
                *k += 1;
            }
        }
        let value = d as i128 - absorbed as i128;
        if value < 0 {
            return None;
        }
        minimum = Some(minimum.map_or(value, |m| m.min(value)));
    }
    None
}

/// Exact EDF schedulability (processor demand criterion): `dbf(L) <= L` for every `L`.
pub fn edf_schedulable(set: &TaskSet) -> bool {
    edf_static_slack(set).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Scheduler, Task};
    use alloc::vec;

    fn edf(tasks: Vec<Task>) -> TaskSet {
        TaskSet::new(tasks, Scheduler::Edf).unwrap()
    }

    #[test]
    fn single_task_minimum_is_after_the_busy_period() {
        assert_eq!(edf_static_slack(&edf(vec![Task::periodic(1, 10)])), Some(9));
    }

    #[test]
    fn two_tasks() {
        // L = 5: 5 - 2 = 3; L = 15: 15 - (2*2 + 3) = 8; L = 25: 25 - (3*2 + 3) = 16.
        let set = edf(vec![
            Task::periodic(2, 10).with_deadline(5),
            Task::periodic(3, 15),
        ]);
        assert_eq!(edf_static_slack(&set), Some(3));
    }

    #[test]
    fn full_utilization_has_zero_slack() {
        let set = edf(vec![Task::periodic(5, 10), Task::periodic(10, 20)]);
        assert_eq!(edf_static_slack(&set), Some(0));
        assert!(edf_schedulable(&set));
    }

    #[test]
    fn constrained_deadlines_can_be_unschedulable() {
        let set = edf(vec![
            Task::periodic(3, 10).with_deadline(4),
            Task::periodic(3, 10).with_deadline(4),
        ]);
        assert_eq!(edf_static_slack(&set), None);
        assert!(!edf_schedulable(&set));
    }
}
