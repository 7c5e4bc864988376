//! Why a task set was rejected: the offending task's index and field.

use core::fmt;

/// A reason [`crate::TaskSet::new`] rejects a task set. Task-level errors name the task index
/// (position in the slice given to `new`) and, through [`TaskSetError::field`], the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskSetError {
    /// `period` is zero.
    ZeroPeriod {
        /// Index of the offending task.
        task: usize,
    },
    /// `wcet` is zero (a task with no work has nothing to analyse).
    ZeroWcet {
        /// Index of the offending task.
        task: usize,
    },
    /// `deadline > period` (only constrained deadlines are supported).
    DeadlineExceedsPeriod {
        /// Index of the offending task.
        task: usize,
    },
    /// `wcet > deadline` (the task can never meet its deadline).
    WcetExceedsDeadline {
        /// Index of the offending task.
        task: usize,
    },
    /// Two tasks share a priority under fixed-priority scheduling.
    DuplicatePriority {
        /// Index of the later task.
        task: usize,
        /// Index of the earlier task with the same priority.
        other: usize,
    },
    /// Total utilization exceeds 1.
    Overloaded {
        /// Utilization in parts per million, rounded up.
        utilization_ppm: u64,
    },
}

impl TaskSetError {
    /// Index of the offending task, if the error concerns one task.
    pub fn task(&self) -> Option<usize> {
        match *self {
            Self::ZeroPeriod { task }
            | Self::ZeroWcet { task }
            | Self::DeadlineExceedsPeriod { task }
            | Self::WcetExceedsDeadline { task }
            | Self::DuplicatePriority { task, .. } => Some(task),
            Self::Overloaded { .. } => None,
        }
    }

    /// Name of the offending [`crate::Task`] field (`"utilization"` for the whole set).
    pub fn field(&self) -> &'static str {
        match self {
            Self::ZeroPeriod { .. } => "period",
            Self::ZeroWcet { .. } | Self::WcetExceedsDeadline { .. } => "wcet",
            Self::DeadlineExceedsPeriod { .. } => "deadline",
            Self::DuplicatePriority { .. } => "priority",
            Self::Overloaded { .. } => "utilization",
        }
    }
}

impl fmt::Display for TaskSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::ZeroPeriod { task } => write!(f, "task {task}: period is zero"),
            Self::ZeroWcet { task } => write!(f, "task {task}: wcet is zero"),
            Self::DeadlineExceedsPeriod { task } => write!(f, "task {task}: deadline > period"),
            Self::WcetExceedsDeadline { task } => write!(f, "task {task}: wcet > deadline"),
            Self::DuplicatePriority { task, other } => {
                write!(f, "task {task}: priority already used by task {other}")
            }
            Self::Overloaded { utilization_ppm } => {
                write!(f, "utilization {utilization_ppm} ppm exceeds 1")
            }
        }
    }
}
