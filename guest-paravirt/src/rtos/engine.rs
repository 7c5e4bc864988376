//! The scheduler core: an event-driven, preemptive schedule of periodic and sporadic jobs.
//!
//! Time only moves forward through [`Schedule::advance_to`], from event to event: a release, the
//! running job's completion, an active job's deadline. Between two events the running job
//! executes (its remaining time drops by the time elapsed) unless the core is blacked out. At
//! each event instant, in this order:
//!
//! 1. the running job completes if its remaining time is 0 (a job finishing exactly at its
//!    deadline meets it);
//! 2. every active job whose absolute deadline is this instant is **missed**: counted once and
//!    reported now, at its deadline. It stays active and runs to completion, late (no abort);
//! 3. every task whose next release is now releases a job (remaining = C), queued behind the
//!    task's earlier jobs;
//! 4. among the tasks' oldest active jobs, the one with the earliest absolute deadline runs
//!    (EDF; ties: earlier release, then lower task index) or the one with the lowest priority
//!    number (fixed priority; ties: earlier release).
//!
//! These are the rules of `rt-analysis`'s simulator (`rt_analysis::simulate`), so the misses the
//! hypervisor predicts from a checkpoint are the misses the guest observes. The core is pure:
//! the guest's run-time loop feeds it the virtual counter, the host tests feed it numbers.
//!
//! Recovery re-sync ([`Schedule::resume`]): restored to its checkpoint at `t_u`, the guest
//! treats `[t_u, t_r)` (`t_r` = when it runs again) as a blackout: releases due in it happen at
//! their nominal times (the jobs are late, not skipped: deadlines stay `release + D`), a job
//! whose deadline falls in it is counted missed at that deadline, and nothing executes. Work
//! done after `t_u` by the core that died is lost and done again; a completion is counted only
//! by a committed state, so none is lost or counted twice.

use alloc::vec::Vec;

use hypercall_abi::rt_page::RT_MAX_TASKS;

use super::ready::{self, Policy};
use super::task::{TaskParams, TaskState, Time, NEVER};

/// Whether the core runs the VM between two events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cpu {
    /// The running job executes.
    Available,
    /// A blackout: nothing executes; releases and deadlines still happen.
    Blackout,
}

/// What the schedule tells as it goes (all default to doing nothing).
pub trait Observer {
    /// Job `job` of `task` was released at `time`.
    fn released(&mut self, _task: usize, _job: u64, _time: Time) {}
    /// Job `job` of `task`, released at `release`, completed at `time`.
    fn completed(&mut self, _task: usize, _job: u64, _release: Time, _time: Time) {}
    /// Job `job` of `task`, released at `release`, missed its deadline at `time`.
    fn missed(&mut self, _task: usize, _job: u64, _release: Time, _time: Time) {}
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {}

/// Why a schedule cannot be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleError {
    /// No task, or more than the real-time page holds.
    TaskCount(usize),
}

/// The whole scheduler state: parameters, per-task state, the time, the running job.
///
/// The tables are allocated once, when the schedule is made (small on the stack, which a vCPU
/// has 16 KiB of); nothing allocates afterwards.
#[derive(Clone, Debug)]
pub struct Schedule {
    policy: Policy,
    count: usize,
    params: Vec<TaskParams>,
    states: Vec<TaskState>,
    origin: Time,
    now: Time,
    running: Option<usize>,
}

impl Schedule {
    /// A schedule of `params` from the time origin `origin` (now), nothing released yet.
    pub fn new(
        policy: Policy,
        params: &[TaskParams],
        origin: Time,
    ) -> Result<Schedule, ScheduleError> {
        if params.is_empty() || params.len() > RT_MAX_TASKS {
            return Err(ScheduleError::TaskCount(params.len()));
        }
        Ok(Schedule {
            policy,
            count: params.len(),
            params: params.to_vec(),
            states: alloc::vec![TaskState::default(); params.len()],
            origin,
            now: origin,
            running: None,
        })
    }

    /// The policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The tasks' parameters.
    pub fn params(&self) -> &[TaskParams] {
        &self.params[..self.count]
    }

    /// The tasks' states.
    pub fn states(&self) -> &[TaskState] {
        &self.states[..self.count]
    }

    /// The time origin.
    pub fn origin(&self) -> Time {
        self.origin
    }

    /// The schedule's time: the last event handled.
    pub fn now(&self) -> Time {
        self.now
    }

    /// The task whose job runs from `now` on.
    pub fn running(&self) -> Option<usize> {
        self.running
    }

    /// Task `task`'s next release.
    pub fn next_release(&self, task: usize) -> Time {
        self.states[task].next_release(task, &self.params[task], self.origin)
    }

    /// The next event instant, [`NEVER`] if nothing will ever happen: a release (at or after
    /// `now`), a deadline after `now` (those at `now` are handled), or the running job's
    /// completion.
    pub fn next_event(&self, cpu: Cpu) -> Time {
        let mut next = NEVER;
        for task in 0..self.count {
            next = next
                .min(self.next_release(task))
                .min(self.next_deadline(task));
        }
        match (cpu, self.running) {
            (Cpu::Available, Some(task)) => next.min(self.now + self.states[task].head_remaining),
            _ => next,
        }
    }

    /// The earliest deadline after `now` of task `task`'s active jobs ([`NEVER`] if none).
    fn next_deadline(&self, task: usize) -> Time {
        let (params, state) = (&self.params[task], &self.states[task]);
        state
            .active_jobs(task, params)
            .map(|(_, release)| release + params.task.deadline)
            .find(|&deadline| deadline > self.now)
            .unwrap_or(NEVER)
    }

    /// True when no job is active and no task will release again.
    pub fn finished(&self) -> bool {
        self.states().iter().all(|state| !state.active())
            && self.next_event(Cpu::Available) == NEVER
    }

    /// Every active job as `(task, job number, release, absolute deadline, remaining)`, task by
    /// task, oldest first.
    pub fn active_jobs(&self) -> impl Iterator<Item = (usize, u64, Time, Time, Time)> + '_ {
        (0..self.count).flat_map(move |task| {
            let (params, state) = (&self.params[task], &self.states[task]);
            state.active_jobs(task, params).map(move |(job, release)| {
                let remaining = if job == state.head_job() {
                    state.head_remaining
                } else {
                    params.task.wcet
                };
                let deadline = release + params.task.deadline;
                (task, job, release, deadline, remaining)
            })
        })
    }

    /// Runs the schedule from `now` to `target`, handling every event instant up to and
    /// including `target`. Under [`Cpu::Blackout`] nothing executes and nothing is dispatched
    /// until [`Schedule::resume`].
    pub fn advance_to(&mut self, target: Time, cpu: Cpu, observer: &mut impl Observer) {
        if cpu == Cpu::Blackout {
            self.running = None;
        }
        while self.now <= target {
            let next = self.next_event(cpu);
            let step = next.min(target);
            if cpu == Cpu::Available {
                if let Some(task) = self.running {
                    self.states[task].head_remaining -= step - self.now;
                }
            }
            self.now = step;
            if next > target {
                break;
            }
            self.handle_events(cpu, observer);
            if step == target {
                break;
            }
        }
    }

    /// One event of [`Schedule::advance_to`] with the processor: if the next event instant is
    /// at or before `target`, runs to it, handles it and returns true (the caller does its
    /// per-event work, such as running a newly dispatched job's code, and calls again);
    /// otherwise runs to `target` and returns false.
    pub fn step_toward(&mut self, target: Time, observer: &mut impl Observer) -> bool {
        let next = self.next_event(Cpu::Available);
        let event = next <= target;
        self.advance_to(next.min(target), Cpu::Available, observer);
        event
    }

    /// Ends a blackout at `time`: handles what happened during it (as [`Cpu::Blackout`]), then
    /// dispatches. This is the re-synchronisation rule after a recovery.
    pub fn resume(&mut self, time: Time, observer: &mut impl Observer) {
        self.advance_to(time, Cpu::Blackout, observer);
        self.running = ready::pick(self.policy, self.params(), self.states());
    }

    /// Handles the events due at `now`, in the documented order.
    fn handle_events(&mut self, cpu: Cpu, observer: &mut impl Observer) {
        let now = self.now;
        if let Some(task) = self.running {
            let (params, state) = (&self.params[task], &mut self.states[task]);
            if state.active() && state.head_remaining == 0 {
                let (job, release) = (state.head_job(), state.head_release);
                state.complete_head(task, params, now);
                observer.completed(task, job, release, now);
            }
        }
        for task in 0..self.count {
            let (params, state) = (&self.params[task], &mut self.states[task]);
            let due = state
                .active_jobs(task, params)
                .take_while(|&(_, release)| release + params.task.deadline <= now)
                .filter(|&(_, release)| release + params.task.deadline == now)
                .last();
            if let Some((job, release)) = due {
                state.missed += 1;
                observer.missed(task, job, release, now);
            }
        }
        for task in 0..self.count {
            if self.next_release(task) == now {
                let (params, state) = (&self.params[task], &mut self.states[task]);
                state.release(params, now);
                observer.released(task, state.released - 1, now);
            }
        }
        self.running = match cpu {
            Cpu::Available => ready::pick(self.policy, self.params(), self.states()),
            Cpu::Blackout => None,
        };
    }

    /// Marks the running job's code as run and sets how much execution it still needs.
    pub fn set_running_remaining(&mut self, remaining: Time) {
        if let Some(task) = self.running {
            let state = &mut self.states[task];
            state.head_remaining = remaining;
            state.started = true;
        }
    }

    /// Replaces the dynamic state with a checkpoint's: the time, each task's state (in task
    /// order; tasks beyond the ones given keep theirs) and the running task. The parameters and
    /// the origin stay.
    pub fn restore(
        &mut self,
        time: Time,
        states: impl IntoIterator<Item = TaskState>,
        running: Option<usize>,
    ) {
        for (slot, state) in self.states.iter_mut().zip(states) {
            *slot = state;
        }
        self.now = time;
        self.running = running.filter(|&task| task < self.count && self.states[task].active());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rt_analysis::Task;
    use std::vec::Vec;

    fn task(wcet: Time, period: Time) -> TaskParams {
        Task::periodic(wcet, period).into()
    }

    #[derive(Default)]
    struct Log(Vec<(char, usize, u64, Time)>);

    impl Observer for Log {
        fn released(&mut self, task: usize, job: u64, time: Time) {
            self.0.push(('r', task, job, time));
        }
        fn completed(&mut self, task: usize, job: u64, _release: Time, time: Time) {
            self.0.push(('c', task, job, time));
        }
        fn missed(&mut self, task: usize, job: u64, _release: Time, time: Time) {
            self.0.push(('m', task, job, time));
        }
    }

    /// Runs event to event up to `end`, like the guest's loop.
    fn run(schedule: &mut Schedule, end: Time, log: &mut Log) {
        loop {
            let next = schedule.next_event(Cpu::Available);
            if next > end {
                break;
            }
            schedule.advance_to(next, Cpu::Available, log);
        }
    }

    #[test]
    fn edf_preempts_for_an_earlier_deadline() {
        // T0 = (4, 10), T1 = (1, 3, D = 2) offset 1.
        let params = [
            task(4, 10),
            Task::periodic(1, 3).with_deadline(2).with_offset(1).into(),
        ];
        let mut schedule = Schedule::new(Policy::Edf, &params, 0).unwrap();
        let mut log = Log::default();
        run(&mut schedule, 9, &mut log);
        let completions: Vec<_> = log
            .0
            .iter()
            .filter(|e| e.0 == 'c')
            .map(|e| (e.1, e.3))
            .collect();
        // T1 runs 1-2, 4-5, 7-8; T0 runs 0-1, 2-4, 5-6: done at 6.
        assert_eq!(completions, [(1, 2), (1, 5), (0, 6), (1, 8)]);
        assert_eq!(schedule.states()[0].worst_response, 6);
        assert_eq!(schedule.states()[1].missed, 0);
    }

    #[test]
    fn fixed_priority_preempts_by_priority() {
        let low = TaskParams::from(Task::periodic(3, 10).with_priority(1));
        let high = TaskParams::from(Task::periodic(1, 5).with_offset(1));
        let mut schedule = Schedule::new(Policy::FixedPriority, &[low, high], 0).unwrap();
        let mut log = Log::default();
        run(&mut schedule, 10, &mut log);
        let completions: Vec<_> = log
            .0
            .iter()
            .filter(|e| e.0 == 'c')
            .map(|e| (e.1, e.3))
            .collect();
        assert_eq!(completions, [(1, 2), (0, 4), (1, 7)]);
    }

    #[test]
    fn a_job_finishing_at_its_deadline_meets_it() {
        let mut schedule = Schedule::new(Policy::Edf, &[task(5, 5)], 100).unwrap();
        let mut log = Log::default();
        run(&mut schedule, 110, &mut log);
        assert_eq!(schedule.states()[0].completed, 2);
        assert_eq!(schedule.states()[0].missed, 0);
        assert_eq!(schedule.states()[0].worst_response, 5);
    }

    #[test]
    fn accounting_counts_releases_completions_and_response_times() {
        let params = [
            TaskParams {
                job_limit: Some(3),
                ..task(2, 10)
            },
            TaskParams {
                job_limit: Some(3),
                ..task(3, 10)
            },
        ];
        let mut schedule = Schedule::new(Policy::Edf, &params, 0).unwrap();
        let mut log = Log::default();
        run(&mut schedule, 1000, &mut log);
        assert!(schedule.finished());
        let [a, b] = [schedule.states()[0], schedule.states()[1]];
        assert_eq!(
            (
                a.released,
                a.completed,
                a.missed,
                a.worst_response,
                a.last_response
            ),
            (3, 3, 0, 2, 2)
        );
        assert_eq!(
            (
                b.released,
                b.completed,
                b.missed,
                b.worst_response,
                b.last_response
            ),
            (3, 3, 0, 5, 5)
        );
        assert_eq!(schedule.next_event(Cpu::Available), NEVER);
    }

    #[test]
    fn a_blackout_misses_by_the_documented_rule() {
        // One task (C = 4, T = D = 10). Checkpoint at 2 (job 0 has 2 left); blackout until 25.
        let mut schedule = Schedule::new(Policy::Edf, &[task(4, 10)], 0).unwrap();
        let mut log = Log::default();
        schedule.advance_to(0, Cpu::Available, &mut log);
        schedule.advance_to(2, Cpu::Available, &mut log); // not an event: just progress
        assert_eq!(schedule.states()[0].head_remaining, 2);
        log.0.clear();
        schedule.resume(25, &mut log);
        // Job 0 missed at 10 (still pending), job 1 released at 10 and missed at 20, job 2
        // released at 20. From 25 the backlog runs in order: job 0 ends at 27, job 1 at 31,
        // job 2 at 35 (after its deadline 30, where it is counted missed).
        assert_eq!(
            log.0,
            [
                ('m', 0, 0, 10),
                ('r', 0, 1, 10),
                ('m', 0, 1, 20),
                ('r', 0, 2, 20)
            ]
        );
        assert_eq!(schedule.running(), Some(0));
        assert_eq!(schedule.now(), 25);
        run(&mut schedule, 40, &mut log);
        assert_eq!(
            log.0[4..],
            [
                ('c', 0, 0, 27),
                ('m', 0, 2, 30),
                ('r', 0, 3, 30),
                ('c', 0, 1, 31),
                ('c', 0, 2, 35),
                ('c', 0, 3, 39),
                ('r', 0, 4, 40)
            ]
        );
        let state = schedule.states()[0];
        assert_eq!((state.released, state.completed, state.missed), (5, 4, 3));
        assert_eq!(state.worst_response, 27);
    }

    #[test]
    fn a_short_blackout_delays_without_a_miss() {
        let mut schedule = Schedule::new(Policy::Edf, &[task(4, 10)], 0).unwrap();
        schedule.advance_to(0, Cpu::Available, &mut Silent);
        schedule.resume(6, &mut Silent); // blackout [0, 6): C = 4 still fits before 10
        let mut log = Log::default();
        run(&mut schedule, 10, &mut log);
        assert_eq!(log.0, [('c', 0, 0, 10), ('r', 0, 1, 10)]);
        assert_eq!(schedule.states()[0].missed, 0);
    }

    #[test]
    fn stepping_handles_one_event_instant_at_a_time_then_runs_to_the_target() {
        // T0 = (2, 5), T1 = (1, 5) offset 1: events at 0, 1 (release), 2 (T0 done), 3 (T1 done).
        let params = [task(2, 5), Task::periodic(1, 5).with_offset(1).into()];
        let mut schedule = Schedule::new(Policy::Edf, &params, 0).unwrap();
        let mut instants = Vec::new();
        while schedule.step_toward(4, &mut Silent) {
            instants.push(schedule.now());
        }
        assert_eq!(instants, [0, 1, 2, 3]);
        assert_eq!(schedule.now(), 4);
        assert!(
            !schedule.step_toward(2, &mut Silent),
            "a target in the past does nothing"
        );
        assert_eq!(schedule.now(), 4);
        // Progress without an event: the running job executes up to the target.
        let mut schedule = Schedule::new(Policy::Edf, &[task(4, 10)], 0).unwrap();
        assert!(schedule.step_toward(3, &mut Silent));
        assert!(!schedule.step_toward(3, &mut Silent));
        assert_eq!(schedule.states()[0].head_remaining, 1);
    }

    #[test]
    fn active_jobs_list_the_backlog_oldest_first() {
        let mut schedule = Schedule::new(Policy::Edf, &[task(4, 10), task(1, 5)], 0).unwrap();
        schedule.advance_to(0, Cpu::Available, &mut Silent);
        schedule.resume(12, &mut Silent);
        let jobs: Vec<_> = schedule.active_jobs().collect();
        assert_eq!(
            jobs,
            [
                (0, 0, 0, 10, 4),
                (0, 1, 10, 20, 4),
                (1, 0, 0, 5, 1),
                (1, 1, 5, 10, 1),
                (1, 2, 10, 15, 1)
            ]
        );
    }

    #[test]
    fn restore_takes_the_checkpointed_state() {
        let mut schedule = Schedule::new(Policy::Edf, &[task(4, 10), task(1, 5)], 0).unwrap();
        run(&mut schedule, 7, &mut Log::default());
        let (time, states, running) = (
            schedule.now(),
            schedule.states().to_vec(),
            schedule.running(),
        );
        run(&mut schedule, 40, &mut Log::default());
        schedule.restore(time, states.iter().copied(), running);
        assert_eq!(
            (schedule.now(), schedule.states(), schedule.running()),
            (time, &states[..], running)
        );
    }

    #[test]
    fn a_schedule_needs_one_to_32_tasks() {
        assert_eq!(
            Schedule::new(Policy::Edf, &[], 0).unwrap_err(),
            ScheduleError::TaskCount(0)
        );
        let many = [task(1, 100); 33];
        assert!(Schedule::new(Policy::Edf, &many, 0).is_err());
        assert!(Schedule::new(Policy::Edf, &many[..32], 0).is_ok());
    }
}
