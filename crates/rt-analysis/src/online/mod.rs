//! Online affordable downtime A(t): the longest blackout starting now that causes no miss.
//!
//! Run by the guest at every scheduling event, from its current state: the active jobs with
//! their remaining work and the next release of every task. Both schedulers give the exact
//! value (a blackout of `A` causes no miss, one of `A + 1 ns` causes one) for a schedulable set
//! (see [`crate::demand`]) whose state is not already doomed to a miss, whenever the scan ends
//! by its own stopping rule, which it always does for `U < 1` (and at `base + H` for EDF).
//! Jobs already late (`abs_deadline <= now`) count with their work but not their deadline. A
//! state doomed without any blackout gives `Finite(0)`. If `horizon` or `max_steps` cuts the
//! scan short the result is a safe lower bound and [`SlackReport::exact`] is false.
//!
//! Cost per call (`n` tasks, `a` active jobs): at most [`work_bound`] steps of `O(n + a)` each;
//! the scan usually stops far earlier, once the idle time it has proved since `now` reaches the
//! minimum found (EDF, after roughly `D_max / (1 - U)`), or once every task's next deadline
//! has been examined (FP). [`SlackAnalyzer`] keeps the set, its static slack and the buffers.

mod analyzer;
mod edf;
mod fixed_priority;

pub use crate::state::JobState;
pub use analyzer::SlackAnalyzer;

use crate::state::validate;
use crate::{Scheduler, StateError, TaskSet, Time};
use alloc::vec::Vec;

/// An affordable downtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Slack {
    /// A blackout of at most this many nanoseconds causes no deadline miss.
    Finite(Time),
    /// No work is pending and none will ever be released (an empty task set, or every next
    /// release is `Time::MAX`): any blackout is affordable.
    Unbounded,
}

impl Slack {
    /// True when a blackout of `downtime` causes no miss.
    pub fn covers(self, downtime: Time) -> bool {
        match self {
            Self::Finite(slack) => downtime <= slack,
            Self::Unbounded => true,
        }
    }

    /// The finite value, if any.
    pub fn finite(self) -> Option<Time> {
        match self {
            Self::Finite(slack) => Some(slack),
            Self::Unbounded => None,
        }
    }
}

/// Ages a report made at `reported_at` to `now`: slack drops by at most the elapsed time,
/// `A(now) >= A(reported_at) - (now - reported_at)`, saturating at 0. A report from the
/// future (`now < reported_at`) is returned unchanged.
pub fn age(slack: Slack, reported_at: Time, now: Time) -> Slack {
    match slack {
        Slack::Finite(value) => {
            Slack::Finite(value.saturating_sub(now.saturating_sub(reported_at)))
        }
        Slack::Unbounded => Slack::Unbounded,
    }
}

/// Limits on one online computation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnlineLimits {
    /// Deadlines later than `now + horizon` are not examined individually.
    pub horizon: Time,
    /// Largest number of steps (each `O(n + a)`) before the scan stops with a safe bound.
    pub max_steps: u32,
}

impl OnlineLimits {
    /// Only the horizon limits the scan.
    pub const fn horizon(horizon: Time) -> Self {
        Self {
            horizon,
            max_steps: u32::MAX,
        }
    }
}

/// The result of an online computation, with what it cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlackReport {
    /// The affordable downtime (a safe lower bound when `exact` is false).
    pub slack: Slack,
    /// True when the scan ended by a rule that makes `slack` exact for a schedulable set.
    pub exact: bool,
    /// Absolute deadlines examined (the "work" of the call).
    pub deadlines_scanned: u32,
    /// Loop iterations, each `O(n + a)`: distinct deadlines (EDF) or schedule events (FP).
    pub steps: u32,
}

/// Reusable buffers, so a guest can call [`analyse_in`] at every event without allocating
/// (after the first call, or after [`Scratch::with_capacity`]).
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    pub(crate) releases: Vec<u128>,
    pub(crate) origins: Vec<u128>,
    pub(crate) done: Vec<bool>,
    pub(crate) evaluations: Vec<Option<u128>>,
    pub(crate) busy: Vec<u128>,
    pub(crate) jobs: Vec<fixed_priority::PendingJob>,
    pub(crate) deadlines: Vec<(Time, Time)>,
}

impl Scratch {
    /// Buffers sized for `tasks` tasks and `jobs` active jobs.
    pub fn with_capacity(tasks: usize, jobs: usize) -> Self {
        Self {
            releases: Vec::with_capacity(tasks),
            origins: Vec::with_capacity(tasks),
            done: Vec::with_capacity(tasks),
            evaluations: Vec::with_capacity(tasks),
            busy: Vec::with_capacity(tasks),
            jobs: Vec::with_capacity(tasks + jobs),
            deadlines: Vec::with_capacity(jobs),
        }
    }
}

/// Affordable downtime of `set` in the given state (see the module doc), scanning deadlines up
/// to `now + horizon`. A `horizon` of at least `H + D_max` (plus the largest pending offset)
/// never limits an EDF scan; `Time::MAX` leaves the stopping rules alone.
///
/// An invalid state (see [`crate::state::validate`]) yields the safe answer `Finite(0)`.
pub fn affordable_downtime(
    set: &TaskSet,
    now: Time,
    active: &[JobState],
    next_release: &[Time],
    horizon: Time,
) -> Slack {
    analyse(
        set,
        now,
        active,
        next_release,
        OnlineLimits::horizon(horizon),
    )
    .map_or(Slack::Finite(0), |report| report.slack)
}

/// [`affordable_downtime`] with explicit limits and a cost report; allocates its buffers.
pub fn analyse(
    set: &TaskSet,
    now: Time,
    active: &[JobState],
    next_release: &[Time],
    limits: OnlineLimits,
) -> Result<SlackReport, StateError> {
    analyse_in(
        &mut Scratch::default(),
        set,
        now,
        active,
        next_release,
        limits,
    )
}

/// [`analyse`] with caller-owned buffers (no allocation once they are large enough).
pub fn analyse_in(
    scratch: &mut Scratch,
    set: &TaskSet,
    now: Time,
    active: &[JobState],
    next_release: &[Time],
    limits: OnlineLimits,
) -> Result<SlackReport, StateError> {
    let input = Input {
        set,
        static_slack: 0,
        now,
        active,
        next_release,
        limits,
    };
    run(scratch, &input)
}

/// Validates the state and dispatches to the scheduler's scan.
fn run(scratch: &mut Scratch, input: &Input<'_>) -> Result<SlackReport, StateError> {
    validate(input.set, input.active, input.next_release)?;
    Ok(match input.set.scheduler() {
        Scheduler::Edf => edf::slack(scratch, input),
        Scheduler::FixedPriority => fixed_priority::slack(scratch, input),
    })
}

/// The arguments of one scan.
struct Input<'a> {
    set: &'a TaskSet,
    /// EDF static slack used by the stopping rule (0: none); see [`SlackAnalyzer`].
    static_slack: Time,
    now: Time,
    active: &'a [JobState],
    next_release: &'a [Time],
    limits: OnlineLimits,
}

/// A-priori bound on the steps of one call: `a + sum_i (floor(horizon / T_i) + 1)` distinct
/// deadlines for EDF and three events (release, completion, deadline) per job for FP, each step
/// costing `O(n + a)`. Use it to choose `horizon` or `max_steps` for a worst-case budget.
pub fn work_bound(set: &TaskSet, active_jobs: usize, horizon: Time) -> u64 {
    let jobs = set.tasks().iter().fold(active_jobs as u64, |acc, t| {
        acc.saturating_add(horizon / t.period + 1)
    });
    match set.scheduler() {
        Scheduler::Edf => jobs,
        Scheduler::FixedPriority => jobs.saturating_mul(3),
    }
}

/// Stands for "never" among the scans' 128-bit release times: far beyond any `u64` instant,
/// with room to add periods without overflow.
const NEVER: u128 = 1 << 100;

/// A task's first future release as the scans use it: `Time::MAX` means never, an instant
/// before `now` means `now`.
fn first_release(release: Time, now: Time) -> u128 {
    if release == Time::MAX {
        NEVER
    } else {
        u128::from(release.max(now))
    }
}

/// Builds the report once the scan has ended.
fn report(minimum: Option<i128>, bound: Option<i128>, scanned: u32, steps: u32) -> SlackReport {
    let exact = bound.is_none();
    let value = match (minimum, bound) {
        (Some(m), Some(b)) => Some(m.min(b)),
        (m, b) => m.or(b),
    };
    let slack = value.map_or(Slack::Unbounded, |v| {
        Slack::Finite(crate::math::clamp_slack(v))
    });
    SlackReport {
        slack,
        exact,
        deadlines_scanned: scanned,
        steps,
    }
}
