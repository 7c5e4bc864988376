//! Which active job runs: the ready-queue order of EDF and of fixed priorities.
//!
//! Jobs of one task run in release order, so only each task's head job competes: the queue is
//! the task table itself and selection is one linear scan over at most 32 heads (O(n), no
//! allocation, the same bound at every event).

use super::task::{TaskParams, TaskState};

/// The scheduling policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Earliest absolute deadline first; ties go to the lower task index.
    Edf,
    /// Lowest priority number first (0 the most urgent); ties go to the lower task index.
    FixedPriority,
}

/// The order key of task `index`'s head job under `policy`: the smallest key runs. EDF: the
/// absolute deadline, then the release, then the task index; fixed priority: the priority, then
/// the release (the rules of `rt-analysis`'s simulator).
pub fn key(
    policy: Policy,
    index: usize,
    params: &TaskParams,
    state: &TaskState,
) -> (u64, u64, usize) {
    let urgency = match policy {
        Policy::Edf => state.head_deadline(params).unwrap_or(u64::MAX),
        Policy::FixedPriority => u64::from(params.task.priority),
    };
    (urgency, state.head_release, index)
}

/// The task whose active job runs now, or `None` if no job is active.
pub fn pick(policy: Policy, params: &[TaskParams], states: &[TaskState]) -> Option<usize> {
    params
        .iter()
        .zip(states)
        .enumerate()
        .filter(|(_, (_, state))| state.active())
        .min_by_key(|&(index, (params, state))| key(policy, index, params, state))
        .map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rt_analysis::Task;

    fn task(deadline: u64, priority: u32) -> TaskParams {
        Task::periodic(1, deadline).with_priority(priority).into()
    }

    fn active(release: u64) -> TaskState {
        TaskState {
            latest_release: Some(release),
            pending: 1,
            head_release: release,
            head_remaining: 1,
            released: 1,
            ..TaskState::default()
        }
    }

    #[test]
    fn edf_runs_the_earliest_absolute_deadline() {
        let params = [task(10, 0), task(4, 1), task(20, 2)];
        // Absolute deadlines 15, 12, 20.
        let states = [active(5), active(8), active(0)];
        assert_eq!(pick(Policy::Edf, &params, &states), Some(1));
        // Task 1 idle: task 0 (15) before task 2 (20).
        let states = [active(5), TaskState::default(), active(0)];
        assert_eq!(pick(Policy::Edf, &params, &states), Some(0));
    }

    #[test]
    fn edf_ties_go_to_the_earlier_release_then_the_lower_index() {
        let params = [task(5, 0), task(10, 0)];
        let states = [active(5), active(0)];
        assert_eq!(
            pick(Policy::Edf, &params, &states),
            Some(1),
            "both due at 10: released first"
        );
        let params = [task(10, 0), task(10, 0)];
        let states = [active(3), active(3)];
        assert_eq!(
            pick(Policy::Edf, &params, &states),
            Some(0),
            "same release: lower index"
        );
    }

    #[test]
    fn fixed_priority_runs_the_lowest_number() {
        let params = [task(10, 2), task(4, 1), task(20, 0)];
        let states = [active(0), active(0), active(0)];
        assert_eq!(pick(Policy::FixedPriority, &params, &states), Some(2));
        let states = [active(0), active(0), TaskState::default()];
        assert_eq!(pick(Policy::FixedPriority, &params, &states), Some(1));
    }

    #[test]
    fn nothing_active_nothing_runs() {
        let params = [task(10, 0)];
        assert_eq!(pick(Policy::Edf, &params, &[TaskState::default()]), None);
        assert_eq!(pick(Policy::FixedPriority, &[], &[]), None);
    }
}
