//! A snapshot of a guest's scheduling state: active jobs and the next release of every task.

use crate::{TaskSet, Time};
use alloc::vec::Vec;
use core::fmt;

/// One released, not yet completed job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobState {
    /// Index of the job's task in the [`TaskSet`].
    pub task: usize,
    /// Absolute release time.
    pub release: Time,
    /// Absolute deadline (`release + D`).
    pub abs_deadline: Time,
    /// Execution time still needed (at most the task's WCET in a sane state).
    pub remaining: Time,
}

impl JobState {
    /// True when the job's deadline is at or before `now`: it has already missed (a guest
    /// observes a miss at the deadline instant), keeps running late and is not counted again.
    pub fn is_late(&self, now: Time) -> bool {
        self.abs_deadline <= now
    }
}

/// The state of a task set's schedule at instant `now`.
///
/// Convention: `active` holds every job released at or before `now` that has work left;
/// `next_release[i]` is the next release of task `i` after those (for a sporadic task, the
/// earliest allowed one). A `next_release` before `now` is read as `now`; `Time::MAX` means the
/// task releases nothing more (e.g. a sporadic task that is known not to be triggered again).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimState {
    /// The instant the snapshot describes.
    pub now: Time,
    /// Released, incomplete jobs.
    pub active: Vec<JobState>,
    /// Per task, the next (earliest possible) release.
    pub next_release: Vec<Time>,
}

impl SimState {
    /// The state before anything runs: time 0, no job, first releases at the tasks' offsets.
    pub fn initial(set: &TaskSet) -> Self {
        Self {
            now: 0,
            active: Vec::new(),
            next_release: set.tasks().iter().map(|t| t.offset).collect(),
        }
    }

    /// Checks the snapshot against `set` (see [`validate`]).
    pub fn validate(&self, set: &TaskSet) -> Result<(), StateError> {
        validate(set, &self.active, &self.next_release)
    }
}

/// Why a state snapshot does not fit its task set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateError {
    /// `next_release` does not have one entry per task.
    NextReleaseLength {
        /// Number of tasks.
        expected: usize,
        /// Entries given.
        found: usize,
    },
    /// An active job names a task index outside the set.
    UnknownTask {
        /// Position of the job in `active`.
        job: usize,
    },
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NextReleaseLength { expected, found } => {
                write!(f, "next_release has {found} entries for {expected} tasks")
            }
            Self::UnknownTask { job } => write!(f, "active job {job} names an unknown task"),
        }
    }
}

/// Checks that `next_release` has one entry per task and every job names a task of `set`.
pub fn validate(
    set: &TaskSet,
    active: &[JobState],
    next_release: &[Time],
) -> Result<(), StateError> {
    if next_release.len() != set.len() {
        return Err(StateError::NextReleaseLength {
            expected: set.len(),
            found: next_release.len(),
        });
    }
    match active.iter().position(|job| job.task >= set.len()) {
        Some(job) => Err(StateError::UnknownTask { job }),
        None => Ok(()),
    }
}
