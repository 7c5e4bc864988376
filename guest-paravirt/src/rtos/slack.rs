//! The affordable downtime A(t) of the guest's current state, computed online with
//! `rt-analysis` (EDF: Chetto and Chetto demand scan; fixed priority: level-i idle time).
//!
//! The work per call is bounded: at most [`SlackEngine::max_steps`] steps of O(n + a) each
//! (n tasks, a active jobs); a scan cut short returns a safe lower bound and says so
//! (`exact == false`). Buffers are allocated once, so a call in steady state does not allocate.

use alloc::vec::Vec;

use hypercall_abi::rt_page::RT_UNBOUNDED;
use rt_analysis::online::{analyse_in, OnlineLimits, Scratch, SlackReport};
use rt_analysis::{JobState, Scheduler, Slack, TaskSet, TaskSetError};

use super::engine::Schedule;
use super::ready::Policy;
use super::task::NEVER;

/// Default step budget per computation.
pub const DEFAULT_MAX_STEPS: u32 = 4096;

/// The task set in `rt-analysis`'s terms, with buffers for the online computation.
pub struct SlackEngine {
    set: TaskSet,
    scratch: Scratch,
    jobs: Vec<JobState>,
    next_release: Vec<u64>,
    limits: OnlineLimits,
}

impl SlackEngine {
    /// Builds the analysis view of `schedule`'s tasks, with a budget of `max_steps` steps.
    pub fn new(schedule: &Schedule, max_steps: u32) -> Result<SlackEngine, TaskSetError> {
        let set = task_set(schedule)?;
        let n = set.len();
        Ok(SlackEngine {
            set,
            scratch: Scratch::with_capacity(n, 4 * n),
            jobs: Vec::with_capacity(4 * n),
            next_release: Vec::with_capacity(n),
            limits: OnlineLimits {
                horizon: u64::MAX,
                max_steps,
            },
        })
    }

    /// The step budget.
    pub fn max_steps(&self) -> u32 {
        self.limits.max_steps
    }

    /// The analysed task set.
    pub fn task_set(&self) -> &TaskSet {
        &self.set
    }

    /// A(now) for the schedule's state at its `now`.
    pub fn compute(&mut self, schedule: &Schedule) -> SlackReport {
        self.jobs.clear();
        self.jobs.extend(schedule.active_jobs().map(
            |(task, _, release, abs_deadline, remaining)| JobState {
                task,
                release,
                abs_deadline,
                remaining,
            },
        ));
        self.next_release.clear();
        let origin = schedule.origin();
        self.next_release.extend(
            schedule
                .params()
                .iter()
                .zip(schedule.states())
                .map(|(params, state)| state.earliest_next_release(params, origin)),
        );
        if self.jobs.is_empty() && self.next_release.iter().all(|&release| release == NEVER) {
            return SlackReport {
                slack: Slack::Unbounded,
                exact: true,
                deadlines_scanned: 0,
                steps: 0,
            };
        }
        let now = schedule.now();
        analyse_in(
            &mut self.scratch,
            &self.set,
            now,
            &self.jobs,
            &self.next_release,
            self.limits,
        )
        .unwrap_or(SlackReport {
            slack: Slack::Finite(0),
            exact: false,
            deadlines_scanned: 0,
            steps: 0,
        })
    }
}

/// A slack as the real-time page and the report hypercall carry it.
pub fn encode(slack: Slack) -> u64 {
    match slack {
        Slack::Finite(value) => value.min(RT_UNBOUNDED - 1),
        Slack::Unbounded => RT_UNBOUNDED,
    }
}

/// The schedule's tasks as an `rt-analysis` task set.
pub fn task_set(schedule: &Schedule) -> Result<TaskSet, TaskSetError> {
    let tasks = schedule.params().iter().map(|params| params.task).collect();
    let scheduler = match schedule.policy() {
        Policy::Edf => Scheduler::Edf,
        Policy::FixedPriority => Scheduler::FixedPriority,
    };
    TaskSet::new(tasks, scheduler)
}
