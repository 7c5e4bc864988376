//! The guest's side of the decision: where its blackout starts, its state and affordable
//! downtime `A` there, and the latest instant it can resume without a miss.

use crate::decision::{Report, SlackSource};
use crate::input::{FaultInput, FaultKind, RealTimeInput, VmInput};
use rt_analysis::online::affordable_downtime;
use rt_analysis::simulate::simulate;
use rt_analysis::simulate::Blackout;
use rt_analysis::{age, SimState, Slack, StateError, Time};

/// The instant `s` from which the guest's schedule has no processor:
/// * fail-stop: `t_c` (the guest resumes from its checkpoint, the work since is lost);
/// * fail-signal: the instant the failing core took the vCPU off, when it handed that over
///   with the live state (never before the last heartbeat, `t_c` or `t_u`); else
///   `max(last_heartbeat, t_c, t_u)`
///   (live state is kept, and the fault came after the last heartbeat, the last commit and the
///   last report: each proves the core alive);
/// * no reports: `last_heartbeat`.
pub fn blackout_start(fault: &FaultInput, realtime: Option<&RealTimeInput>) -> Time {
    match (fault.kind, realtime) {
        (FaultKind::FailStop, Some(rt)) => rt.checkpoint.now,
        (FaultKind::FailSignal, Some(rt)) => fault
            .last_heartbeat
            .max(fault.signalled_at.unwrap_or(0))
            .max(rt.checkpoint.now)
            .max(rt.reported_at),
        (_, None) => fault.last_heartbeat,
    }
}

/// One VM's guest, assessed at its blackout start.
pub(crate) struct Guest {
    /// Blackout start `s`.
    pub start: Time,
    /// Its schedule's state at `s` (`None`: no reports, or the checkpoint does not fit the set).
    pub state: Option<SimState>,
    /// `A(s)`; `Finite(0)` without reports.
    pub slack: Slack,
    /// The report it came from.
    pub report: Option<Report>,
    /// How it comes back: live (fail-signal) or from its checkpoint (fail-stop, or a VM
    /// the signalling core had switched out).
    pub kind: FaultKind,
}

impl Guest {
    /// Latest resume instant without a miss, `s + A(s)` (`None` = unbounded): the restoration
    /// deadline that orders the VMs (ascending `A` aged to one common instant).
    pub fn deadline(&self) -> Option<Time> {
        self.slack.finite().map(|a| self.start.saturating_add(a))
    }
}

/// Assesses `vm`'s guest for `fault`.
pub(crate) fn assess(fault: &FaultInput, vm: &VmInput) -> Guest {
    let kind = match fault.kind {
        FaultKind::FailSignal if vm.checkpoint_only => FaultKind::FailStop,
        kind => kind,
    };
    let fault = &FaultInput { kind, ..*fault };
    let start = blackout_start(fault, vm.realtime.as_ref());
    let Some(rt) = &vm.realtime else {
        return Guest {
            start,
            state: None,
            slack: Slack::Finite(0),
            report: None,
            kind,
        };
    };
    let state = state_at(rt, start).ok();
    let (slack, source) = if rt.reported_at <= start {
        let aged = age(rt.reported_slack, rt.reported_at, start);
        (aged, SlackSource::Aged)
    } else {
        let recomputed = state.as_ref().map_or(Slack::Finite(0), |s| {
            affordable_downtime(&rt.tasks, s.now, &s.active, &s.next_release, Time::MAX)
        });
        (recomputed, SlackSource::Recomputed)
    };
    Guest {
        start,
        state,
        slack,
        report: Some(Report {
            slack: rt.reported_slack,
            reported_at: rt.reported_at,
            checkpoint_at: rt.checkpoint.now,
            source,
        }),
        kind,
    }
}

/// The guest's state at `at`: the checkpoint, advanced without blackout (jobs running their
/// full remaining WCET, the worst case) when `at` is later. Misses on the way are not the
/// migration's and are not counted.
fn state_at(rt: &RealTimeInput, at: Time) -> Result<SimState, StateError> {
    rt.checkpoint.validate(&rt.tasks)?;
    if at <= rt.checkpoint.now {
        return Ok(rt.checkpoint.clone());
    }
    let Some(slot) = rt.ran_in.filter(|slot| slot.period > 0 && slot.start < at) else {
        return Ok(simulate(&rt.tasks, &rt.checkpoint, at, None)?.end);
    };
    // In time partitions: the processor only in the slot of each period, one run per dark span.
    let mut state = rt.checkpoint.clone();
    if state.now < slot.start {
        state = simulate(&rt.tasks, &state, slot.start, None)?.end;
    }
    let supplied_from = slot.offset.saturating_add(slot.switch).min(slot.period);
    let supplied_to = slot.offset.saturating_add(slot.length).min(slot.period);
    while state.now < at {
        let period_start = state.now - (state.now - slot.start) % slot.period;
        let lit = (
            period_start.saturating_add(supplied_from),
            period_start.saturating_add(supplied_to),
        );
        let end = period_start.saturating_add(slot.period).min(at);
        // Dark from now to the lit span (if ahead), lit to its end, dark after it.
        let dark = if state.now < lit.0 {
            Some(Blackout {
                start: state.now,
                length: lit.0 - state.now,
            })
        } else if state.now >= lit.1 {
            Some(Blackout {
                start: state.now,
                length: end - state.now,
            })
        } else {
            None
        };
        let until = match dark {
            Some(dark) => dark.end().min(end),
            None => lit.1.min(end),
        };
        state = simulate(&rt.tasks, &state, until.max(state.now + 1), dark)?.end;
    }
    Ok(state)
}
