//! Static (state-independent) demand analysis: EDF processor demand and FP blocking tolerance.
//!
//! The static affordable downtime is the longest blackout the task set survives wherever it
//! starts, for every release pattern the sporadic task model allows. It is a lower bound of the
//! online value of [`crate::online`] at every instant of a schedulable set.

mod edf;
mod fixed_priority;

pub use edf::{edf_schedulable, edf_static_slack};
pub use fixed_priority::{fp_blocking_tolerance, fp_schedulable, fp_static_slack, response_time};

use crate::math::saturate;
use crate::{Scheduler, TaskSet, Time};

/// Exact schedulability under the set's own scheduler: [`edf_schedulable`] for EDF,
/// [`fp_schedulable`] for fixed priorities.
pub fn schedulable(set: &TaskSet) -> bool {
    match set.scheduler() {
        Scheduler::Edf => edf_schedulable(set),
        Scheduler::FixedPriority => fp_schedulable(set),
    }
}

/// EDF processor demand bound of the synchronous (critical) release pattern:
/// `dbf(l) = sum_i max(0, floor((l - D_i) / T_i) + 1) * C_i`, saturating at `Time::MAX`.
pub fn dbf(set: &TaskSet, l: Time) -> Time {
    let mut demand: u128 = 0;
    for t in set.tasks() {
        if l >= t.deadline {
            let jobs = (l - t.deadline) / t.period + 1;
            demand += u128::from(jobs) * u128::from(t.wcet);
        }
    }
    saturate(demand)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Task;
    use alloc::vec;

    #[test]
    fn dbf_steps_at_absolute_deadlines() {
        let set = TaskSet::new(
            vec![
                Task::periodic(2, 10).with_deadline(5),
                Task::periodic(3, 15),
            ],
            Scheduler::Edf,
        )
        .unwrap();
        assert_eq!(dbf(&set, 4), 0);
        assert_eq!(dbf(&set, 5), 2);
        assert_eq!(dbf(&set, 14), 2);
        assert_eq!(dbf(&set, 15), 7);
        assert_eq!(dbf(&set, 30), 6 + 6);
    }
}
