//! Tasks: their timing parameters, what a job runs (its body), and the per-task run-time state.

use hypercall_abi::rt_page::{RtTask, RtTaskState, RT_TASK_SPORADIC, RT_UNBOUNDED};

/// A time or a duration, in nanoseconds of the virtual counter.
pub type Time = u64;

/// "Never": no such event.
pub const NEVER: Time = u64::MAX;

/// A task's timing parameters, times in ns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskParams {
    /// Worst-case execution time C: what a synthetic job occupies its core for.
    pub wcet: Time,
    /// Period T (minimum inter-arrival time if sporadic).
    pub period: Time,
    /// Relative deadline D, `C <= D <= T`.
    pub deadline: Time,
    /// First release after the time origin.
    pub offset: Time,
    /// Fixed priority, 0 the most urgent (distinct; ignored under EDF).
    pub priority: u32,
    /// Sporadic: releases come at least `period` apart (see [`sporadic_gap`]).
    pub sporadic: bool,
    /// Stop releasing after this many jobs (`None`: never stop).
    pub job_limit: Option<u64>,
}

impl TaskParams {
    /// The task table entry of the real-time page.
    pub fn to_page(&self) -> RtTask {
        RtTask {
            wcet_ns: self.wcet,
            period_ns: self.period,
            deadline_ns: self.deadline,
            offset_ns: self.offset,
            priority: self.priority,
            flags: if self.sporadic { RT_TASK_SPORADIC } else { 0 },
            job_limit: self.job_limit.unwrap_or(0),
        }
    }
}

/// The extra delay, beyond the minimum separation T, of the synthetic arrival of job `job`
/// (`job >= 1`) of sporadic task `task`: a fixed pseudo-random value in `[0, T/2]`, so runs repeat
/// exactly. The analysis never sees it: it assumes the earliest arrival (worst case).
pub fn sporadic_gap(task: usize, job: u64, period: Time) -> Time {
    let mut x = (job << 8 | task as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^= x >> 31;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 29;
    x % (period / 2 + 1)
}

/// One task's run-time state. At most one job per task is active: a job that reaches its
/// deadline unfinished is counted missed and dropped (see [`super::engine`]), and with `D <= T`
/// that happens before the next release.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskState {
    /// Release time of the latest job (`None` before the first).
    pub latest_release: Option<Time>,
    /// Execution the active job still needs; 0 when no job is active.
    pub remaining: Time,
    /// Jobs released.
    pub released: u64,
    /// Jobs completed by their deadline.
    pub completed: u64,
    /// Jobs that missed their deadline.
    pub missed: u64,
    /// Worst response time of a completed job.
    pub worst_response: Time,
    /// Response time of the last completed job.
    pub last_response: Time,
    /// The active job's code has run (its body was called).
    pub started: bool,
}

impl TaskState {
    /// Whether a job of the task is active.
    pub fn active(&self) -> bool {
        self.remaining > 0
    }

    /// The active job's absolute deadline, if a job is active.
    pub fn active_deadline(&self, params: &TaskParams) -> Option<Time> {
        self.latest_release.filter(|_| self.active()).map(|release| release + params.deadline)
    }

    /// The task's state in a page slot; `next_release` as [`TaskState::earliest_next_release`].
    pub fn to_page(&self, params: &TaskParams, origin: Time) -> RtTaskState {
        RtTaskState {
            next_release_ns: self.earliest_next_release(params, origin),
            release_ns: self.latest_release.unwrap_or(RT_UNBOUNDED),
            remaining_ns: self.remaining,
            released: self.released,
            completed: self.completed,
            missed: self.missed,
            worst_response_ns: self.worst_response,
            last_response_ns: self.last_response,
        }
    }

    /// The state back from a page slot (`started` is kept elsewhere, in the slot's flags).
    pub fn from_page(state: &RtTaskState, started: bool) -> TaskState {
        TaskState {
            latest_release: (state.release_ns != RT_UNBOUNDED).then_some(state.release_ns),
            remaining: state.remaining_ns,
            released: state.released,
            completed: state.completed,
            missed: state.missed,
            worst_response: state.worst_response_ns,
            last_response: state.last_response_ns,
            started: started && state.remaining_ns > 0,
        }
    }

    /// Whether the job limit is reached.
    pub fn finished_releasing(&self, params: &TaskParams) -> bool {
        params.job_limit.is_some_and(|limit| self.released >= limit)
    }

    /// When the task's next job is released: periodic, `origin + offset + k T`; sporadic, the
    /// latest release + T + [`sporadic_gap`]. [`NEVER`] once the job limit is reached.
    pub fn next_release(&self, task: usize, params: &TaskParams, origin: Time) -> Time {
        if self.finished_releasing(params) {
            return NEVER;
        }
        match self.latest_release {
            Some(latest) if params.sporadic => {
                latest + params.period + sporadic_gap(task, self.released, params.period)
            }
            _ => origin + params.offset + self.released * params.period,
        }
    }

    /// What the analysis assumes of the next release: exact for a periodic task, the earliest
    /// allowed for a sporadic one (the latest release + T). [`NEVER`] once the limit is reached.
    pub fn earliest_next_release(&self, params: &TaskParams, origin: Time) -> Time {
        if self.finished_releasing(params) {
            return NEVER;
        }
        match self.latest_release {
            Some(latest) if params.sporadic => latest + params.period,
            _ => origin + params.offset + self.released * params.period,
        }
    }
}

/// What a job is told when its code runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobInfo {
    /// Task index.
    pub task: usize,
    /// Job number, 0 for the task's first job.
    pub job: u64,
    /// Release time.
    pub release: Time,
    /// Absolute deadline.
    pub deadline: Time,
}

/// How long a job keeps its core after its code returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Occupy {
    /// Its whole WCET from its first dispatch, the code's own time included (a synthetic job,
    /// or code padded to its budget, which keeps runs exact). Code that took longer than the
    /// WCET is an overrun: the job then ends when the code returns.
    Wcet,
    /// Nothing more: the job completes after the code's measured time.
    Done,
    /// This long more, on top of the code's measured time.
    For(Time),
}

/// What a job runs. Called once per job, at its first dispatch, with the core to itself: the
/// code is not preempted (a release during it takes effect when it returns). The code's
/// measured time counts as the job's execution; then the job keeps the core as [`Occupy`] says
/// (preemptible again). After a blackout a job whose code ran after the last checkpoint runs its
/// code again (at-least-once).
pub trait TaskBody: Sync {
    /// Runs job `job`'s code.
    fn run(&self, job: &JobInfo) -> Occupy;
}

/// A body that only occupies the core for the WCET (no code).
pub struct Synthetic;

impl TaskBody for Synthetic {
    fn run(&self, _job: &JobInfo) -> Occupy {
        Occupy::Wcet
    }
}

/// A body that calls a function.
pub struct Function(pub fn(&JobInfo) -> Occupy);

impl TaskBody for Function {
    fn run(&self, job: &JobInfo) -> Occupy {
        (self.0)(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn periodic(wcet: Time, period: Time) -> TaskParams {
        TaskParams { wcet, period, deadline: period, ..TaskParams::default() }
    }

    #[test]
    fn periodic_releases_follow_offset_and_period() {
        let params = TaskParams { offset: 3, ..periodic(2, 10) };
        let mut state = TaskState::default();
        assert_eq!(state.next_release(0, &params, 100), 103);
        state.latest_release = Some(103);
        state.released = 1;
        assert_eq!(state.next_release(0, &params, 100), 113);
        assert_eq!(state.earliest_next_release(&params, 100), 113);
    }

    #[test]
    fn sporadic_releases_come_at_least_a_period_apart_and_repeat() {
        let params = TaskParams { sporadic: true, ..periodic(2, 1000) };
        let mut state = TaskState { latest_release: Some(5000), released: 4, ..TaskState::default() };
        let next = state.next_release(1, &params, 0);
        assert!((6000..=6500).contains(&next), "{next}");
        assert_eq!(next, state.next_release(1, &params, 0), "deterministic");
        assert_eq!(state.earliest_next_release(&params, 0), 6000);
        let gaps: Vec<Time> = (1..50).map(|job| sporadic_gap(1, job, 1000)).collect();
        assert!(gaps.iter().any(|&gap| gap != gaps[0]), "not constant");
        state.released = 0;
        state.latest_release = None;
        assert_eq!(state.next_release(1, &params, 7), 7, "the first job at the offset");
    }

    #[test]
    fn the_job_limit_ends_releases() {
        let params = TaskParams { job_limit: Some(2), ..periodic(2, 10) };
        let state = TaskState { released: 2, latest_release: Some(10), ..TaskState::default() };
        assert_eq!(state.next_release(0, &params, 0), NEVER);
        assert_eq!(state.to_page(&params, 0).next_release_ns, RT_UNBOUNDED);
    }

    #[test]
    fn page_state_round_trips() {
        let params = periodic(2, 10);
        let state = TaskState {
            latest_release: Some(40),
            remaining: 1,
            released: 5,
            completed: 3,
            missed: 1,
            worst_response: 7,
            last_response: 2,
            started: true,
        };
        let page = state.to_page(&params, 0);
        assert_eq!((page.next_release_ns, page.release_ns, page.remaining_ns), (50, 40, 1));
        assert_eq!(TaskState::from_page(&page, true), state);
        let idle = TaskState::default();
        assert_eq!(idle.to_page(&params, 0).release_ns, RT_UNBOUNDED);
        assert_eq!(TaskState::from_page(&idle.to_page(&params, 0), true), idle);
    }
}
