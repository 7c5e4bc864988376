//! Builders shared by the integration tests: a fixed downtime model, task sets, guests with
//! consistent reports, cores and faults.
#![allow(dead_code)]

use migration_policy::{
    CoreInput, FaultInput, FaultKind, Frame, MigratePolicy, Platform, RealTimeInput, Slot, VmInput,
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

/// Frames at period `server_period` only (0: no new frame), context switch 0.
pub fn platform(server_period: Time) -> Platform {
    let periods = if server_period == 0 {
        vec![]
    } else {
        vec![server_period]
    };
    platform_with(&periods, 0)
}

/// Frames at the candidate `periods`, tried in order, with context-switch bound `switch`.
pub fn platform_with(periods: &[Time], switch: Time) -> Platform {
    Platform {
        model: model(),
        server_periods: periods.to_vec(),
        switch,
        decide_shared: 0,
        progress: None,
        clock: None,
        reserve: 0,
        known_budgets: None,
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
        ran_in: None,
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
        checkpoint_only: false,
        reload_ns: 0,
        realtime,
    }
}

pub fn failed_core(core: usize, residents: &[usize]) -> CoreInput {
    CoreInput {
        healthy: false,
        residents: residents.to_vec(),
        resident_sets: residents.iter().map(|_| None).collect(),
        ..CoreInput::idle(core)
    }
}

/// A resident: VM id and task set.
pub type Resident = (usize, Option<TaskSet>);

/// A healthy core whose residents own it whole.
pub fn occupied(core: usize, residents: &[Resident]) -> CoreInput {
    CoreInput {
        core,
        healthy: true,
        residents: residents.iter().map(|r| r.0).collect(),
        resident_sets: residents.iter().map(|r| r.1.clone()).collect(),
        frame: None,
    }
}

/// A healthy core running a frame of `period` from `start` with `slots` `(vm, offset,
/// length)`; its residents are the slots' VMs, without task sets.
pub fn framed(core: usize, start: Time, period: Time, slots: &[(usize, Time, Time)]) -> CoreInput {
    let slots: Vec<Slot> = slots
        .iter()
        .map(|&(vm, offset, length)| Slot { vm, offset, length })
        .collect();
    CoreInput {
        core,
        healthy: true,
        residents: slots.iter().map(|s| s.vm).collect(),
        resident_sets: slots.iter().map(|_| None).collect(),
        frame: Some(Frame {
            start,
            period,
            slots,
        }),
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
        signalled_at: None,
    }
}

/// Fail-stop on core 1 such that a lone in-place VM whose checkpoint is at `t_c` gets a
/// blackout of exactly `blackout` on a spare core (`blackout >= 200 us`).
pub fn stop_for_blackout(t_c: Time, blackout: Time) -> FaultInput {
    let t_d = t_c + blackout - 100 * US - OWN_WORK;
    fault(FaultKind::FailStop, 1, t_d.saturating_sub(MS).max(t_c), t_d)
}

/// A copy-mode VM 0 (one 1 ms job every 4 ms, all released at 10 ms) on failed core 1, spare
/// core 0, and core 2 running a light VM 5 that can share its core.
pub fn copy_migrant_and_cores() -> (VmInput, [CoreInput; 3]) {
    let set = edf(&[(MS, 4 * MS)]);
    let mut migrant = vm(
        0,
        MigratePolicy::Always,
        Some(reporting(set.clone(), released_at(&set, 10 * MS))),
    );
    migrant.copy_memory = true;
    let cores = [
        CoreInput::idle(0),
        failed_core(1, &[0]),
        occupied(2, &[(5, Some(edf(&[(MS, 10 * MS)])))]),
    ];
    (migrant, cores)
}
