//! The task model: periodic/sporadic tasks with constrained deadlines, and a validated task set.

use crate::math::{compare_ratio_sum, lcm, ratio_sum_ppm_ceil};
use crate::{TaskSetError, Time};
use alloc::vec::Vec;
use core::cmp::Ordering;

/// One periodic or sporadic task. All times are nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Task {
    /// Worst-case execution time C.
    pub wcet: Time,
    /// Period T (minimum inter-arrival time for a sporadic task).
    pub period: Time,
    /// Relative deadline D, `wcet <= deadline <= period`.
    pub deadline: Time,
    /// First release (the phase); the analyses of the current state ignore it.
    pub offset: Time,
    /// Fixed priority, lower number = higher priority; only used by [`Scheduler::FixedPriority`].
    pub priority: u32,
    /// Sporadic task: `period` is a minimum separation. Analyses and the simulator assume the
    /// worst case, releases as early as allowed.
    pub sporadic: bool,
}

impl Task {
    /// A periodic task with implicit deadline, no offset and priority 0.
    pub const fn periodic(wcet: Time, period: Time) -> Self {
        Self {
            wcet,
            period,
            deadline: period,
            offset: 0,
            priority: 0,
            sporadic: false,
        }
    }

    /// The same task with a constrained relative deadline.
    pub const fn with_deadline(mut self, deadline: Time) -> Self {
        self.deadline = deadline;
        self
    }

    /// The same task with a fixed priority (lower number = higher priority).
    pub const fn with_priority(mut self, priority: u32) -> Self {
        self.priority = priority;
        self
    }

    /// The same task with a first-release offset.
    pub const fn with_offset(mut self, offset: Time) -> Self {
        self.offset = offset;
        self
    }
}

/// The uniprocessor scheduling policy of the guest, both preemptive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheduler {
    /// Earliest deadline first.
    Edf,
    /// Fixed priority by [`Task::priority`] (priorities must be distinct).
    FixedPriority,
}

/// A validated task set: every task has `0 < wcet <= deadline <= period`, utilization is at
/// most 1 and, under fixed priority, priorities are distinct. Validation does not run a
/// schedulability test: see [`crate::demand`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskSet {
    tasks: Vec<Task>,
    scheduler: Scheduler,
    /// Task indices from highest to lowest priority (index order under EDF).
    by_priority: Vec<usize>,
    /// `rank[i]` = position of task `i` in `by_priority`.
    rank: Vec<usize>,
}

impl TaskSet {
    /// Validates `tasks` for `scheduler`; the error names the first offending task and field.
    pub fn new(tasks: Vec<Task>, scheduler: Scheduler) -> Result<Self, TaskSetError> {
        for (task, t) in tasks.iter().enumerate() {
            if t.period == 0 {
                return Err(TaskSetError::ZeroPeriod { task });
            }
            if t.wcet == 0 {
                return Err(TaskSetError::ZeroWcet { task });
            }
            if t.deadline > t.period {
                return Err(TaskSetError::DeadlineExceedsPeriod { task });
            }
            if t.wcet > t.deadline {
                return Err(TaskSetError::WcetExceedsDeadline { task });
            }
        }
        let mut by_priority: Vec<usize> = (0..tasks.len()).collect();
        if scheduler == Scheduler::FixedPriority {
            addr::order::sort_by_key(&mut by_priority, |&i| (tasks[i].priority, i));
            for pair in by_priority.windows(2) {
                if tasks[pair[0]].priority == tasks[pair[1]].priority {
                    return Err(TaskSetError::DuplicatePriority {
                        task: pair[1],
                        other: pair[0],
                    });
                }
            }
        }
        let mut rank = alloc::vec![0; tasks.len()];
        for (position, &i) in by_priority.iter().enumerate() {
            rank[i] = position;
        }
        let set = Self {
            tasks,
            scheduler,
            by_priority,
            rank,
        };
        if compare_ratio_sum(&set.utilization_terms(), 1, 1) == Ordering::Greater {
            return Err(TaskSetError::Overloaded {
                utilization_ppm: set.utilization_ppm(),
            });
        }
        Ok(set)
    }

    fn utilization_terms(&self) -> Vec<(u64, u64)> {
        self.tasks.iter().map(|t| (t.wcet, t.period)).collect()
    }

    /// The tasks, in the order given to [`TaskSet::new`].
    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }

    /// Task `i`.
    pub fn task(&self, i: usize) -> &Task {
        &self.tasks[i]
    }

    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// True when the set has no task.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The scheduling policy.
    pub fn scheduler(&self) -> Scheduler {
        self.scheduler
    }

    /// Task indices from highest to lowest priority (index order under EDF).
    pub fn by_priority(&self) -> &[usize] {
        &self.by_priority
    }

    /// Position of task `i` in [`TaskSet::by_priority`] (0 = highest priority).
    pub fn rank(&self, i: usize) -> usize {
        self.rank[i]
    }

    /// Utilization `sum C_i / T_i` in parts per million, rounded up.
    pub fn utilization_ppm(&self) -> u64 {
        ratio_sum_ppm_ceil(&self.utilization_terms())
    }

    /// Compares the exact utilization with `num / den` (`den > 0`).
    pub fn utilization_cmp(&self, num: u64, den: u64) -> Ordering {
        compare_ratio_sum(&self.utilization_terms(), num, den)
    }

    /// Least common multiple of the periods; `None` if it overflows `u64` or the set is empty.
    pub fn hyperperiod(&self) -> Option<Time> {
        let mut tasks = self.tasks.iter();
        let first = tasks.next()?.period;
        tasks.try_fold(first, |acc, t| lcm(acc, t.period))
    }

    /// Largest relative deadline (0 for an empty set).
    pub fn max_deadline(&self) -> Time {
        self.tasks.iter().map(|t| t.deadline).max().unwrap_or(0)
    }
}

/// Assigns rate-monotonic priorities in place: shorter period = higher priority (smaller
/// number), ties broken by index, priorities `0..n`.
pub fn rate_monotonic_priorities(tasks: &mut [Task]) {
    assign_by_key(tasks, |t| t.period);
}

/// Assigns deadline-monotonic priorities in place: shorter relative deadline = higher priority,
/// ties broken by index, priorities `0..n`. Optimal for constrained-deadline synchronous sets.
pub fn deadline_monotonic_priorities(tasks: &mut [Task]) {
    assign_by_key(tasks, |t| t.deadline);
}

fn assign_by_key(tasks: &mut [Task], key: impl Fn(&Task) -> Time) {
    let mut order: Vec<usize> = (0..tasks.len()).collect();
    addr::order::sort_by_key(&mut order, |&i| (key(&tasks[i]), i));
    for (priority, i) in order.into_iter().enumerate() {
        tasks[i].priority = u32::try_from(priority).unwrap_or(u32::MAX);
    }
}
