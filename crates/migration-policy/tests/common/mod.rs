//! Builders shared by the integration tests: a fixed downtime model, task sets, guests with
//! consistent reports, cores and faults.
#![allow(dead_code)]

use migration_policy::{
    CoreInput, FaultInput, FaultKind, MigratePolicy, Platform, RealTimeInput, VmInput,
};
use rt_analysis::downtime::DowntimeModel;
use rt_analysis::online::affordable_downtime;
use rt_analysis::{JobState, Scheduler, SimState, Slack, Task, TaskSet, Time};

pub const US: Time = 1_000;
pub const MS: Time = 1_000_000;

/// decide 100 us per VM; state 20 + remap 20 + restore 60 = 100 us per VM; 1 GB/s copy.
pub fn model() -> DowntimeModel {
    DowntimeModel {
        detect: 0,
        decide: 100 * US,
        state: 20 * US,
        copy_bytes_per_sec: 1_000_000_000,
        remap: 20 * US,
        restore: 60 * US,
    }
}

/// The restoration work of one in-place VM under [`model`].
pub const OWN_WORK: Time = 100 * US;

pub fn platform(server_period: Time) -> Platform {
    Platform {
        model: model(),
        server_period,
    }
}

/// EDF set of implicit-deadline tasks `(C, T)`.
pub fn edf(tasks: &[(Time, Time)]) -> TaskSet {
    let tasks = tasks.iter().map(|&(c, t)| Task::periodic(c, t)).collect();
    TaskSet::new(tasks, Scheduler::Edf).unwrap()
}

/// Every task releases a job at `now`, nothing else pending.
pub fn released_at(set: &TaskSet, now: Time) -> SimState {
    let active = (0..set.len())
        .map(|i| {
            let t = set.task(i);
            JobState {
                task: i,
                release: now,
                abs_deadline: now + t.deadline,
                remaining: t.wcet,
            }
        })
        .collect();
    let next_release = set.tasks().iter().map(|t| now + t.period).collect();
    SimState {
        now,
        active,
        next_release,
    }
}

/// The exact `A` of `state` (what a correct guest reports at `state.now`).
pub fn slack_of(set: &TaskSet, state: &SimState) -> Slack {
    affordable_downtime(
        set,
        state.now,
        &state.active,
        &state.next_release,
        Time::MAX,
    )
}

/// Real-time input whose report is made at the checkpoint, with the exact `A`.
pub fn reporting(set: TaskSet, checkpoint: SimState) -> RealTimeInput {
    let reported_slack = slack_of(&set, &checkpoint);
    RealTimeInput {
        reported_at: checkpoint.now,
        tasks: set,
        checkpoint,
        reported_slack,
        budget: None,
    }
}

/// An in-place VM.
pub fn vm(id: usize, policy: MigratePolicy, realtime: Option<RealTimeInput>) -> VmInput {
    VmInput {
        vm: id,
        name: format!("vm{id}"),
        memory_bytes: 16 << 20,
        copy_memory: false,
        policy,
        realtime,
    }
}

pub fn failed_core(core: usize, residents: &[usize]) -> CoreInput {
    CoreInput {
        healthy: false,
        residents: residents.to_vec(),
        resident_sets: residents.iter().map(|_| None).collect(),
        resident_budgets: residents.iter().map(|_| None).collect(),
        ..CoreInput::idle(core)
    }
}

/// A resident: VM id, task set, current budget.
pub type Resident = (usize, Option<TaskSet>, Option<(Time, Time)>);

/// A healthy core with residents.
pub fn occupied(core: usize, residents: &[Resident]) -> CoreInput {
    CoreInput {
        core,
        healthy: true,
        residents: residents.iter().map(|r| r.0).collect(),
        resident_sets: residents.iter().map(|r| r.1.clone()).collect(),
        resident_budgets: residents.iter().map(|r| r.2).collect(),
    }
}

pub fn fault(
    kind: FaultKind,
    failed: usize,
    last_heartbeat: Time,
    detected_at: Time,
) -> FaultInput {
    FaultInput {
        failed_core: failed,
        detected_at,
        last_heartbeat,
        kind,
    }
}

/// Fail-stop on core 1 such that a lone in-place VM whose checkpoint is at `t_c` gets a
/// blackout of exactly `blackout` on a spare core (`blackout >= 200 us`).
pub fn stop_for_blackout(t_c: Time, blackout: Time) -> FaultInput {
    let t_d = t_c + blackout - 100 * US - OWN_WORK;
    fault(FaultKind::FailStop, 1, t_d.saturating_sub(MS).max(t_c), t_d)
}
