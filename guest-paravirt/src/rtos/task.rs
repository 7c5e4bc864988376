//! Tasks: their timing parameters, what a job runs (its body), and the per-task run-time state.

use hypercall_abi::rt_page::{RtTask, RtTaskState, RT_TASK_SPORADIC, RT_UNBOUNDED};
use rt_analysis::Task;

/// A time or a duration, in nanoseconds of the virtual counter.
pub type Time = u64;

/// "Never": no such event.
pub const NEVER: Time = u64::MAX;

/// A task as the kernel runs it: its timing parameters as `rt-analysis` models them (times in
/// ns, priority 0 the most urgent and ignored under EDF; a sporadic task's releases come at
/// least a period apart, see [`sporadic_gap`]), and when it stops releasing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskParams {
    /// C, T, D, offset, priority and whether sporadic. A synthetic job occupies its core for C.
    pub task: Task,
    /// Stop releasing after this many jobs (`None`: never stop).
    pub job_limit: Option<u64>,
}

impl From<Task> for TaskParams {
    /// A task that never stops releasing.
    fn from(task: Task) -> Self {
        TaskParams {
            task,
            job_limit: None,
        }
    }
}

impl TaskParams {
    /// The task table entry of the real-time page.
    pub fn to_page(&self) -> RtTask {
        let task = &self.task;
        RtTask {
            wcet_ns: task.wcet,
            period_ns: task.period,
            deadline_ns: task.deadline,
            offset_ns: task.offset,
            priority: task.priority,
            flags: if task.sporadic { RT_TASK_SPORADIC } else { 0 },
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

/// One task's run-time state. The task's active jobs form a FIFO (jobs of one task run in
/// release order under both policies): only the oldest, the head, can have executed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskState {
    /// Jobs released.
    pub released: u64,
    /// Release time of the latest job (`None` before the first).
    pub latest_release: Option<Time>,
    /// Active jobs: released, not completed (late ones included).
    pub pending: u64,
    /// Release time of the head job (meaningful when `pending > 0`).
    pub head_release: Time,
    /// Execution the head job still needs (meaningful when `pending > 0`).
    pub head_remaining: Time,
    /// The head job's code has run (its body was called).
    pub started: bool,
    /// Jobs completed, late ones included.
    pub completed: u64,
    /// Jobs that missed their deadline, counted at the deadline.
    pub missed: u64,
    /// Worst response time of a completed job.
    pub worst_response: Time,
    /// Response time of the last completed job.
    pub last_response: Time,
}

impl TaskState {
    /// Whether a job of the task is active.
    pub fn active(&self) -> bool {
        self.pending > 0
    }

    /// The head job's number (0 for the task's first job).
    pub fn head_job(&self) -> u64 {
        self.released - self.pending
    }

    /// The head job's absolute deadline, if a job is active.
    pub fn head_deadline(&self, params: &TaskParams) -> Option<Time> {
        self.active()
            .then(|| self.head_release + params.task.deadline)
    }

    /// Release time of job number `job` given that of job `job - 1` (`previous`).
    fn following_release(task: usize, params: &TaskParams, previous: Time, job: u64) -> Time {
        let gap = if params.task.sporadic {
            sporadic_gap(task, job, params.task.period)
        } else {
            0
        };
        previous + params.task.period + gap
    }

    /// The active jobs as `(job number, release)`, head first.
    pub fn active_jobs(
        &self,
        task: usize,
        params: &TaskParams,
    ) -> impl Iterator<Item = (u64, Time)> + '_ {
        let params = *params;
        let first = self.head_job();
        (0..self.pending).scan(self.head_release, move |release, k| {
            if k > 0 {
                *release = Self::following_release(task, &params, *release, first + k);
            }
            Some((first + k, *release))
        })
    }

    /// Releases a job at `time`.
    pub fn release(&mut self, params: &TaskParams, time: Time) {
        if self.pending == 0 {
            self.head_release = time;
            self.head_remaining = params.task.wcet;
            self.started = false;
        }
        self.pending += 1;
        self.released += 1;
        self.latest_release = Some(time);
    }

    /// Completes the head job at `time`; the next active job (if any) becomes the head.
    pub fn complete_head(&mut self, task: usize, params: &TaskParams, time: Time) {
        let response = time - self.head_release;
        self.completed += 1;
        self.worst_response = self.worst_response.max(response);
        self.last_response = response;
        self.pending -= 1;
        self.started = false;
        if self.pending > 0 {
            let next = self.head_job();
            self.head_release = Self::following_release(task, params, self.head_release, next);
            self.head_remaining = params.task.wcet;
        } else {
            self.head_release = 0;
            self.head_remaining = 0;
        }
    }

    /// The task's state in a page slot.
    pub fn to_page(&self, params: &TaskParams, origin: Time) -> RtTaskState {
        RtTaskState {
            next_release_ns: self.earliest_next_release(params, origin),
            head_release_ns: if self.active() {
                self.head_release
            } else {
                RT_UNBOUNDED
            },
            head_remaining_ns: if self.active() {
                self.head_remaining
            } else {
                0
            },
            latest_release_ns: self.latest_release.unwrap_or(RT_UNBOUNDED),
            released: self.released as u32,
            pending: self.pending as u32,
            completed: self.completed as u32,
            missed: self.missed as u32,
            worst_response_ns: self.worst_response,
            last_response_ns: self.last_response,
        }
    }

    /// The state back from a page slot (`started` is kept in the slot's flags).
    pub fn from_page(state: &RtTaskState, started: bool) -> TaskState {
        let active = state.pending > 0;
        TaskState {
            released: u64::from(state.released),
            latest_release: (state.latest_release_ns != RT_UNBOUNDED)
                .then_some(state.latest_release_ns),
            pending: u64::from(state.pending),
            head_release: if active { state.head_release_ns } else { 0 },
            head_remaining: if active { state.head_remaining_ns } else { 0 },
            started: started && active,
            completed: u64::from(state.completed),
            missed: u64::from(state.missed),
            worst_response: state.worst_response_ns,
            last_response: state.last_response_ns,
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
            Some(latest) if params.task.sporadic => {
                Self::following_release(task, params, latest, self.released)
            }
            _ => origin + params.task.offset + self.released * params.task.period,
        }
    }

    /// What the analysis assumes of the next release: exact for a periodic task, the earliest
    /// allowed for a sporadic one (the latest release + T). [`NEVER`] once the limit is reached.
    pub fn earliest_next_release(&self, params: &TaskParams, origin: Time) -> Time {
        if self.finished_releasing(params) {
            return NEVER;
        }
        match self.latest_release {
            Some(latest) if params.task.sporadic => latest + params.task.period,
            _ => origin + params.task.offset + self.released * params.task.period,
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
        Task::periodic(wcet, period).into()
    }

    #[test]
    fn periodic_releases_follow_offset_and_period() {
        let params = TaskParams::from(Task::periodic(2, 10).with_offset(3));
        let mut state = TaskState::default();
        assert_eq!(state.next_release(0, &params, 100), 103);
        state.release(&params, 103);
        assert_eq!(state.next_release(0, &params, 100), 113);
        assert_eq!(state.earliest_next_release(&params, 100), 113);
        assert_eq!(
            (state.pending, state.head_release, state.head_remaining),
            (1, 103, 2)
        );
    }

    #[test]
    fn sporadic_releases_come_at_least_a_period_apart_and_repeat() {
        let params = TaskParams::from(Task {
            sporadic: true,
            ..Task::periodic(2, 1000)
        });
        let mut state = TaskState::default();
        assert_eq!(
            state.next_release(1, &params, 7),
            7,
            "the first job at the offset"
        );
        state.release(&params, 7);
        let next = state.next_release(1, &params, 7);
        assert!((1007..=1507).contains(&next), "{next}");
        assert_eq!(next, state.next_release(1, &params, 7), "deterministic");
        assert_eq!(state.earliest_next_release(&params, 7), 1007);
        let gaps: Vec<Time> = (1..50).map(|job| sporadic_gap(1, job, 1000)).collect();
        assert!(gaps.iter().any(|&gap| gap != gaps[0]), "not constant");
    }

    #[test]
    fn a_backlog_is_a_fifo_whose_head_alone_progresses() {
        for sporadic in [false, true] {
            let params = TaskParams::from(Task {
                sporadic,
                ..Task::periodic(4, 10)
            });
            let mut state = TaskState::default();
            let mut releases = Vec::new();
            for _ in 0..3 {
                let time = state.next_release(2, &params, 0);
                releases.push(time);
                state.release(&params, time);
            }
            assert_eq!(state.pending, 3);
            let jobs: Vec<_> = state.active_jobs(2, &params).collect();
            assert_eq!(jobs, [(0, releases[0]), (1, releases[1]), (2, releases[2])]);
            state.head_remaining = 1;
            state.complete_head(2, &params, releases[2] + 1);
            assert_eq!(
                (state.head_job(), state.head_release, state.head_remaining),
                (1, releases[1], 4)
            );
            assert_eq!(state.last_response, releases[2] + 1 - releases[0]);
        }
    }

    #[test]
    fn the_job_limit_ends_releases() {
        let params = TaskParams {
            job_limit: Some(2),
            ..periodic(2, 10)
        };
        let state = TaskState {
            released: 2,
            latest_release: Some(10),
            ..TaskState::default()
        };
        assert_eq!(state.next_release(0, &params, 0), NEVER);
        assert_eq!(state.to_page(&params, 0).next_release_ns, RT_UNBOUNDED);
    }

    #[test]
    fn page_state_round_trips() {
        let params = periodic(2, 10);
        let state = TaskState {
            released: 5,
            latest_release: Some(40),
            pending: 2,
            head_release: 30,
            head_remaining: 1,
            started: true,
            completed: 3,
            missed: 1,
            worst_response: 7,
            last_response: 2,
        };
        let page = state.to_page(&params, 0);
        assert_eq!(
            (
                page.next_release_ns,
                page.head_release_ns,
                page.head_remaining_ns
            ),
            (50, 30, 1)
        );
        assert_eq!(TaskState::from_page(&page, true), state);
        let idle = TaskState::default();
        assert_eq!(idle.to_page(&params, 0).head_release_ns, RT_UNBOUNDED);
        assert_eq!(TaskState::from_page(&idle.to_page(&params, 0), true), idle);
    }
}
