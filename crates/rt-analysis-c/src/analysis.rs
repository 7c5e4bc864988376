//! One task set's analysis, as an opaque C object: online affordable downtime A(t) (EDF demand
//! scan, fixed-priority level-i idle time), static slack, the state of a committed checkpoint,
//! and the misses a blackout causes (what the hypervisor predicts before a migration).

use alloc::vec::Vec;

use hypercall_abi::rt_page::{RtSlot, RtTask, RT_UNBOUNDED};
use rt_analysis::online::{OnlineLimits, SlackAnalyzer};
use rt_analysis::predict::predict_misses;
use rt_analysis::{JobState, SimState, Slack};

use crate::tasks::{task_set, TaskError};
use crate::{Status, E_CAPACITY, E_UNKNOWN_TASK};

/// One released, incomplete job (C `struct kairos_analysis_job`, 32 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Job {
    /// Its task's index.
    pub task: u32,
    /// Reserved, zero.
    pub reserved: u32,
    /// Absolute release time.
    pub release_ns: u64,
    /// Absolute deadline (release + D).
    pub deadline_ns: u64,
    /// Execution it still needs.
    pub remaining_ns: u64,
}

/// What one slack computation found (C `struct kairos_analysis_slack`, 24 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct SlackResult {
    /// A(now) in ns: what `RtReport` carries; `KAIROS_RT_UNBOUNDED` when nothing is left to run.
    pub affordable_ns: u64,
    /// 1 when the scan ended by its own rule (the value is exact), 0 when `max_steps` cut it
    /// short (the value is a safe lower bound).
    pub exact: u32,
    /// Steps taken, each O(tasks + jobs).
    pub steps: u32,
    /// Absolute deadlines examined.
    pub deadlines_scanned: u32,
    /// Reserved, zero.
    pub reserved: u32,
}

/// The step budget the Kairos RTOS uses per event.
pub const DEFAULT_MAX_STEPS: u32 = 4096;

/// A task set's analysis: the analyzer with its static slack and buffers, and the task table.
pub struct Analysis {
    analyzer: SlackAnalyzer,
    tasks: Vec<RtTask>,
    jobs: Vec<JobState>,
}

impl Analysis {
    /// The analysis of a task table under scheduler `scheduler` (`KAIROS_RT_SCHED_*`).
    pub fn new(tasks: &[RtTask], scheduler: u32) -> Result<Analysis, TaskError> {
        let set = task_set(tasks, scheduler)?;
        Ok(Analysis {
            jobs: Vec::with_capacity(4 * tasks.len()),
            analyzer: SlackAnalyzer::new(set),
            tasks: tasks.to_vec(),
        })
    }

    /// The task set's static slack (`None`: not schedulable).
    pub fn static_slack(&self) -> Option<u64> {
        self.analyzer.static_slack()
    }

    /// Number of tasks.
    pub fn task_count(&self) -> usize {
        self.tasks.len()
    }

    /// Takes C jobs into the reusable buffer, checking their task indices.
    fn load_jobs(&mut self, jobs: &[Job]) -> Result<(), Status> {
        self.jobs.clear();
        for job in jobs {
            if job.task as usize >= self.tasks.len() {
                return Err(E_UNKNOWN_TASK);
            }
            self.jobs.push(JobState {
                task: job.task as usize,
                release: job.release_ns,
                abs_deadline: job.deadline_ns,
                remaining: job.remaining_ns,
            });
        }
        Ok(())
    }

    /// A(now) of the state `(jobs, next_release)`, with at most `max_steps` steps (0: none).
    pub fn slack(
        &mut self,
        now: u64,
        jobs: &[Job],
        next_release: &[u64],
        max_steps: u32,
    ) -> Result<SlackResult, Status> {
        self.load_jobs(jobs)?;
        let limits = OnlineLimits {
            horizon: u64::MAX,
            max_steps: if max_steps == 0 { u32::MAX } else { max_steps },
        };
        let report = self
            .analyzer
            .analyse(now, &self.jobs, next_release, limits)
            .map_err(|_| E_UNKNOWN_TASK)?;
        Ok(SlackResult {
            affordable_ns: match report.slack {
                Slack::Finite(value) => value.min(RT_UNBOUNDED - 1),
                Slack::Unbounded => RT_UNBOUNDED,
            },
            exact: u32::from(report.exact),
            steps: report.steps,
            deadlines_scanned: report.deadlines_scanned,
            reserved: 0,
        })
    }

    /// Misses per task of a blackout `[now, now + blackout)` from the state given.
    pub fn predict(
        &mut self,
        now: u64,
        jobs: &[Job],
        next_release: &[u64],
        blackout: u64,
    ) -> Result<Vec<u32>, Status> {
        self.load_jobs(jobs)?;
        let state = SimState {
            now,
            active: self.jobs.clone(),
            next_release: next_release.to_vec(),
        };
        predict_misses(self.analyzer.set(), &state, blackout).map_err(|_| E_UNKNOWN_TASK)
    }

    /// The state a committed slot describes, read as the hypervisor reads it: the jobs into
    /// `jobs` (returns how many), each task's next release into `next_release`.
    pub fn state_of_slot(
        &self,
        slot: &RtSlot,
        jobs: &mut [Job],
        next_release: &mut [u64],
    ) -> Result<usize, Status> {
        let count = (slot.task_count as usize).min(self.tasks.len());
        let mut written = 0;
        for (index, (task, state)) in self.tasks.iter().zip(&slot.tasks[..count]).enumerate() {
            for (release, remaining) in state.active_jobs(task) {
                let job = jobs.get_mut(written).ok_or(E_CAPACITY)?;
                *job = Job {
                    task: index as u32,
                    reserved: 0,
                    release_ns: release,
                    deadline_ns: release.saturating_add(task.deadline_ns),
                    remaining_ns: remaining,
                };
                written += 1;
            }
        }
        for (index, release) in next_release.iter_mut().enumerate() {
            *release = slot.tasks[..count]
                .get(index)
                .map_or(u64::MAX, |state| state.next_release_ns);
        }
        Ok(written)
    }
}
