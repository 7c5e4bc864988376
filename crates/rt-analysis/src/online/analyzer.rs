//! A task set bundled with its static slack and buffers: the guest's per-event slack
//! calculator, built once at registration.

use super::{run, Input, OnlineLimits, Scratch, Slack, SlackReport};
use crate::demand::{edf_static_slack, fp_static_slack};
use crate::{JobState, Scheduler, StateError, TaskSet, Time};

/// Online slack calculator for one task set: owns the set, its static slack and the scan's
/// buffers, so a call never allocates and the precomputation cannot get out of step.
///
/// Under EDF the static slack `s` sharpens the stopping rule: every deadline `d' >= d` has
/// slack at least `x - t - R(x) + min(s, d - x)` at `x = max(t, d - s)`, since jobs released
/// from `x` on demand at most `dbf(L) <= L - min(s, L)`; the answer is the same, found sooner.
#[derive(Clone, Debug)]
pub struct SlackAnalyzer {
    set: TaskSet,
    static_slack: Option<Time>,
    scratch: Scratch,
}

impl SlackAnalyzer {
    /// Precomputes the static slack of `set` ([`crate::demand`]).
    pub fn new(set: TaskSet) -> Self {
        let static_slack = match set.scheduler() {
            Scheduler::Edf => edf_static_slack(&set),
            Scheduler::FixedPriority => fp_static_slack(&set),
        };
        let scratch = Scratch::with_capacity(set.len(), set.len());
        Self {
            set,
            static_slack,
            scratch,
        }
    }

    /// The task set.
    pub fn set(&self) -> &TaskSet {
        &self.set
    }

    /// The static affordable downtime; `None` if the set is not schedulable (then the online
    /// results carry no guarantee).
    pub fn static_slack(&self) -> Option<Time> {
        self.static_slack
    }

    /// Online slack with limits and cost report (see [`super::analyse`]).
    pub fn analyse(
        &mut self,
        now: Time,
        active: &[JobState],
        next_release: &[Time],
        limits: OnlineLimits,
    ) -> Result<SlackReport, StateError> {
        let static_slack = match self.set.scheduler() {
            Scheduler::Edf => self.static_slack.unwrap_or(0),
            Scheduler::FixedPriority => 0,
        };
        let input = Input {
            set: &self.set,
            static_slack,
            now,
            active,
            next_release,
            limits,
        };
        run(&mut self.scratch, &input)
    }

    /// Online affordable downtime (see [`super::affordable_downtime`]); `Finite(0)` for an
    /// invalid state.
    pub fn affordable_downtime(
        &mut self,
        now: Time,
        active: &[JobState],
        next_release: &[Time],
        horizon: Time,
    ) -> Slack {
        self.analyse(now, active, next_release, OnlineLimits::horizon(horizon))
            .map_or(Slack::Finite(0), |report| report.slack)
    }
}
