//! The scheduler core: an event-driven, preemptive schedule of periodic and sporadic jobs.
//!
//! Time only moves forward through [`Schedule::advance_to`], from event to event: a release, the
//! running job's completion, an active job's deadline. Between two events the running job
//! executes (its remaining time drops by the time elapsed) unless the core is blacked out. At
//! each event instant, in this order:
//!
//! 1. the running job completes if its remaining time is 0 (a job finishing exactly at its
//!    deadline meets it);
//! 2. every active job whose absolute deadline is now or past is **missed**: counted once,
//!    reported, and dropped (its remaining work is abandoned);
//! 3. every task whose next release is now releases a job (remaining = C);
//! 4. the ready job with the earliest absolute deadline (EDF) or the lowest priority number
//!    (fixed priority) runs, ties to the lower task index.
//!
//! This is the rule of `rt-analysis`'s simulator, so a miss the hypervisor predicts from a
//! checkpoint is a miss the guest observes. The core is pure: the guest's run-time loop feeds it
//! the virtual counter, and the host tests feed it numbers.

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
#[derive(Clone, Debug)]
pub struct Schedule {
    policy: Policy,
    count: usize,
    params: [TaskParams; RT_MAX_TASKS],
    states: [TaskState; RT_MAX_TASKS],
    origin: Time,
    now: Time,
    running: Option<usize>,
}

impl Schedule {
    /// A schedule of `params` from the time origin `origin` (now), nothing released yet.
    pub fn new(policy: Policy, params: &[TaskParams], origin: Time) -> Result<Schedule, ScheduleError> {
        if params.is_empty() || params.len() > RT_MAX_TASKS {
            return Err(ScheduleError::TaskCount(params.len()));
        }
        let mut table = [TaskParams::default(); RT_MAX_TASKS];
        table[..params.len()].copy_from_slice(params);
        Ok(Schedule {
            policy,
            count: params.len(),
            params: table,
            states: [TaskState::default(); RT_MAX_TASKS],
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

    /// The next event instant (at or after `now`), [`NEVER`] if nothing will ever happen.
    pub fn next_event(&self, cpu: Cpu) -> Time {
        let mut next = NEVER;
        for task in 0..self.count {
            let (params, state) = (&self.params[task], &self.states[task]);
            next = next.min(self.next_release(task));
            if let Some(deadline) = state.active_deadline(params) {
                next = next.min(deadline);
            }
        }
        match (cpu, self.running) {
            (Cpu::Available, Some(task)) => next.min(self.now + self.states[task].remaining),
            _ => next,
        }
    }

    /// True when no job is active and no task will release again.
    pub fn finished(&self) -> bool {
        self.states().iter().all(|state| !state.active()) && self.next_event(Cpu::Available) == NEVER
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
                    self.states[task].remaining -= step - self.now;
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
            let state = &mut self.states[task];
            if state.remaining == 0 {
                let release = state.latest_release.unwrap_or(now);
                let response = now - release;
                state.completed += 1;
                state.worst_response = state.worst_response.max(response);
                state.last_response = response;
                state.started = false;
                observer.completed(task, state.released - 1, release, now);
            }
        }
        for task in 0..self.count {
            let params = self.params[task];
            let state = &mut self.states[task];
            if state.active_deadline(&params).is_some_and(|deadline| deadline <= now) {
                state.missed += 1;
                state.remaining = 0;
                state.started = false;
                observer.missed(task, state.released - 1, state.latest_release.unwrap_or(now), now);
            }
        }
        for task in 0..self.count {
            if self.next_release(task) == now {
                let params = self.params[task];
                let state = &mut self.states[task];
                state.latest_release = Some(now);
                state.remaining = params.wcet;
                state.started = false;
                state.released += 1;
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
            state.remaining = remaining;
            state.started = true;
        }
    }

    /// Replaces the dynamic state with a checkpoint's: the time, each task's state and the
    /// running task. The parameters and the origin stay.
    pub fn restore(&mut self, time: Time, states: &[TaskState], running: Option<usize>) {
        let count = states.len().min(self.count);
        self.states[..count].copy_from_slice(&states[..count]);
        self.now = time;
        self.running = running.filter(|&task| task < self.count && self.states[task].active());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn task(wcet: Time, period: Time) -> TaskParams {
        TaskParams { wcet, period, deadline: period, ..TaskParams::default() }
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
        let params = [task(4, 10), TaskParams { deadline: 2, offset: 1, ..task(1, 3) }];
        let mut schedule = Schedule::new(Policy::Edf, &params, 0).unwrap();
        let mut log = Log::default();
        run(&mut schedule, 9, &mut log);
        let completions: Vec<_> = log.0.iter().filter(|e| e.0 == 'c').map(|e| (e.1, e.3)).collect();
        // T1 runs 1-2, 4-5, 7-8; T0 runs 0-1, 2-4, 5-6: done at 6.
        assert_eq!(completions, [(1, 2), (1, 5), (0, 6), (1, 8)]);
        assert_eq!(schedule.states()[0].worst_response, 6);
        assert_eq!(schedule.states()[1].missed, 0);
    }

    #[test]
    fn fixed_priority_preempts_by_priority() {
        let low = TaskParams { priority: 1, ..task(3, 10) };
        let high = TaskParams { priority: 0, offset: 1, ..task(1, 5) };
        let mut schedule = Schedule::new(Policy::FixedPriority, &[low, high], 0).unwrap();
        let mut log = Log::default();
        run(&mut schedule, 10, &mut log);
        let completions: Vec<_> = log.0.iter().filter(|e| e.0 == 'c').map(|e| (e.1, e.3)).collect();
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
        let params = [TaskParams { job_limit: Some(3), ..task(2, 10) }, TaskParams { job_limit: Some(3), ..task(3, 10) }];
        let mut schedule = Schedule::new(Policy::Edf, &params, 0).unwrap();
        let mut log = Log::default();
        run(&mut schedule, 1000, &mut log);
        assert!(schedule.finished());
        let [a, b] = [schedule.states()[0], schedule.states()[1]];
        assert_eq!((a.released, a.completed, a.missed, a.worst_response, a.last_response), (3, 3, 0, 2, 2));
        assert_eq!((b.released, b.completed, b.missed, b.worst_response, b.last_response), (3, 3, 0, 5, 5));
        assert_eq!(schedule.next_event(Cpu::Available), NEVER);
    }

    #[test]
    fn a_blackout_misses_by_the_documented_rule() {
        // One task (C = 4, T = D = 10). Checkpoint at 2 (job 0 has 2 left); blackout until 25.
        let mut schedule = Schedule::new(Policy::Edf, &[task(4, 10)], 0).unwrap();
        let mut log = Log::default();
        schedule.advance_to(0, Cpu::Available, &mut log);
        schedule.advance_to(2, Cpu::Available, &mut log); // not an event: just progress
        assert_eq!(schedule.states()[0].remaining, 2);
        log.0.clear();
        schedule.resume(25, &mut log);
        // Job 0 missed at 10, job 1 released at 10 and missed at 20, job 2 released at 20
        // (deadline 30) runs from 25 and completes at 29.
        assert_eq!(log.0, [('m', 0, 0, 10), ('r', 0, 1, 10), ('m', 0, 1, 20), ('r', 0, 2, 20)]);
        assert_eq!(schedule.running(), Some(0));
        assert_eq!(schedule.now(), 25);
        run(&mut schedule, 30, &mut log);
        assert_eq!(log.0[4..], [('c', 0, 2, 29), ('r', 0, 3, 30)]);
        let state = schedule.states()[0];
        assert_eq!((state.released, state.completed, state.missed), (4, 1, 2));
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
    fn restore_takes_the_checkpointed_state() {
        let mut schedule = Schedule::new(Policy::Edf, &[task(4, 10), task(1, 5)], 0).unwrap();
        run(&mut schedule, 7, &mut Log::default());
        let (time, states, running) = (schedule.now(), schedule.states().to_vec(), schedule.running());
        run(&mut schedule, 40, &mut Log::default());
        schedule.restore(time, &states, running);
        assert_eq!((schedule.now(), schedule.states(), schedule.running()), (time, &states[..], running));
    }

    #[test]
    fn a_schedule_needs_one_to_32_tasks() {
        assert_eq!(Schedule::new(Policy::Edf, &[], 0).unwrap_err(), ScheduleError::TaskCount(0));
        let many = [task(1, 100); 33];
        assert!(Schedule::new(Policy::Edf, &many, 0).is_err());
        assert!(Schedule::new(Policy::Edf, &many[..32], 0).is_ok());
    }
}
