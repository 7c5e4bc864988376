//! Brute-force discrete-event simulation of a preemptive uniprocessor schedule (EDF or FP),
//! with an optional blackout. The test oracle of the analyses and the hypervisor's exact miss
//! predictor ([`crate::predict`]).
//!
//! Rules, the same a Kairos guest follows:
//! * A job *misses* when it completes after its absolute deadline, or is still incomplete at
//!   its deadline (completing exactly at the deadline is on time). Each job counts at most once.
//! * A job that misses keeps running until it completes (no abort, no skip); the next job of
//!   its task is released on time and, under FP, queues behind it (FIFO within a task).
//! * Jobs of the start state already late (`abs_deadline <= now`) missed before the start and
//!   are not counted again; a job incomplete when the run ends counts if its deadline has passed.
//! * Sporadic tasks are released as early as allowed (the worst case), like periodic ones.
//! * EDF ties: earlier release, then lower task index. FP: priority, then earlier release.
//! * A blackout `[start, start + length)` gives no processor to anyone.

use crate::{JobState, Scheduler, SimState, StateError, TaskSet, Time};
use alloc::vec::Vec;

/// The processor is unavailable during `[start, start + length)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blackout {
    /// First instant without processor.
    pub start: Time,
    /// Duration in nanoseconds.
    pub length: Time,
}

impl Blackout {
    /// First instant with the processor back.
    pub fn end(&self) -> Time {
        self.start.saturating_add(self.length)
    }
}

/// What a simulation observed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimResult {
    /// Jobs that missed, per task.
    pub misses_per_task: Vec<u32>,
    /// The missed job with the earliest deadline: (task, absolute deadline).
    pub first_miss: Option<(usize, Time)>,
    /// Jobs completed during the run.
    pub completions: u64,
    /// Largest `completion - deadline` over jobs completed late (0 if none).
    pub max_lateness: Time,
    /// True when the run stopped at an idle instant (see [`simulate_until_idle`]).
    pub stopped_idle: bool,
    /// Events processed: job releases plus scheduling instants (completions, preemptions,
    /// blackout edges). Pending jobs never outnumber the start state's plus this.
    pub events: u64,
    /// The state when the run stopped (`end.now` is the stop instant).
    pub end: SimState,
}

impl SimResult {
    /// Total misses over all tasks.
    pub fn total_misses(&self) -> u64 {
        self.misses_per_task.iter().map(|&m| u64::from(m)).sum()
    }
}

/// Simulates from `start` to `until` (releases at `until` included in the end state).
pub fn simulate(
    set: &TaskSet,
    start: &SimState,
    until: Time,
    blackout: Option<Blackout>,
) -> Result<SimResult, StateError> {
    run(set, start, until, blackout, None, u64::MAX)
}

/// Simulates from `start` until the first instant at or after `idle_after` at which no job is
/// pending, or until `cap`, or after `max_events` events. After such an idle instant a run with
/// a blackout that ended by then coincides with the run without it (its backlog is never
/// smaller), so no later miss is due to the blackout.
pub fn simulate_until_idle(
    set: &TaskSet,
    start: &SimState,
    idle_after: Time,
    cap: Time,
    max_events: u64,
    blackout: Option<Blackout>,
) -> Result<SimResult, StateError> {
    run(set, start, cap, blackout, Some(idle_after), max_events)
}

struct Job {
    state: JobState,
    counted: bool,
}

fn run(
    set: &TaskSet,
    start: &SimState,
    until: Time,
    blackout: Option<Blackout>,
    idle_after: Option<Time>,
    max_events: u64,
) -> Result<SimResult, StateError> {
    start.validate(set)?;
    let tasks = set.tasks();
    let mut now = start.now;
    let mut next_release: Vec<Time> = start.next_release.iter().map(|&r| r.max(now)).collect();
    let mut jobs: Vec<Job> = start
        .active
        .iter()
        .filter(|j| j.remaining > 0)
        .map(|&state| Job {
            state,
            counted: state.is_late(now),
        })
        .collect();
    let mut result = SimResult {
        misses_per_task: alloc::vec![0; tasks.len()],
        first_miss: None,
        completions: 0,
        max_lateness: 0,
        stopped_idle: false,
        events: 0,
        end: SimState {
            now,
            active: Vec::new(),
            next_release: Vec::new(),
        },
    };
    loop {
        for (i, task) in tasks.iter().enumerate() {
            while next_release[i] <= now && next_release[i] != Time::MAX {
                let release = next_release[i];
                let abs_deadline = release.saturating_add(task.deadline);
                jobs.push(Job {
                    state: JobState {
                        task: i,
                        release,
                        abs_deadline,
                        remaining: task.wcet,
                    },
                    counted: false,
                });
                next_release[i] = release.saturating_add(task.period);
                result.events += 1;
            }
        }
        if idle_after.is_some_and(|x| now >= x) && jobs.is_empty() {
            result.stopped_idle = true;
            break;
        }
        if now >= until || result.events >= max_events {
            break;
        }
        let dark = blackout.is_some_and(|b| b.start <= now && now < b.end());
        let running = if dark { None } else { select(set, &jobs) };
        let mut next = next_release.iter().copied().fold(until, Time::min);
        if let Some(b) = blackout {
            for edge in [b.start, b.end()] {
                if edge > now {
                    next = next.min(edge);
                }
            }
        }
        if let Some(k) = running {
            next = next.min(now.saturating_add(jobs[k].state.remaining));
            jobs[k].state.remaining -= next - now;
            if jobs[k].state.remaining == 0 {
                let job = jobs.swap_remove(k);
                result.completions += 1;
                if next > job.state.abs_deadline {
                    result.max_lateness = result.max_lateness.max(next - job.state.abs_deadline);
                    record_miss(&mut result, &job);
                }
            }
        }
        now = next;
        result.events += 1;
    }
    for job in &jobs {
        if job.state.abs_deadline <= now {
            record_miss(&mut result, job);
        }
    }
    result.end = SimState {
        now,
        active: jobs.into_iter().map(|j| j.state).collect(),
        next_release,
    };
    Ok(result)
}

fn record_miss(result: &mut SimResult, job: &Job) {
    if job.counted {
        return;
    }
    let JobState {
        task, abs_deadline, ..
    } = job.state;
    result.misses_per_task[task] += 1;
    if result.first_miss.is_none_or(|(_, d)| abs_deadline < d) {
        result.first_miss = Some((task, abs_deadline));
    }
}

/// Index of the job the scheduler runs.
fn select(set: &TaskSet, jobs: &[Job]) -> Option<usize> {
    let key = |k: &usize| {
        let s = &jobs[*k].state;
        match set.scheduler() {
            Scheduler::Edf => (s.abs_deadline, s.release, s.task as u64),
            Scheduler::FixedPriority => (u64::from(set.task(s.task).priority), s.release, 0),
        }
    };
    (0..jobs.len()).min_by_key(key)
}
