//! What the policy needs, read from what the survivors hold: each VM's registered task set,
//! last slack report and committed state (in its own memory, which outlives its core), and the
//! platform's downtime model.

use crate::trace::Event;
use crate::vm::paravirt::{active_jobs, committed_state, finite};
use crate::vm::{vms, Vm, VmState};
use alloc::{string::String, vec::Vec};
use migration_policy::{Platform, RealTimeInput, TraceValue};
use rt_analysis::{JobState, Scheduler, SimState, Slack, Task, TaskSet};

/// Upper bound, per VM, of deciding and announcing: the policy's run time (up to 76 us measured
/// for a VM that finds a spare, over `make eval`'s sweep) and tracing the decision before its
/// target may resume the VM (about 50 us), which a decider that is its own target also waits
/// for.
pub const DECIDE_BOUND_NS: u64 = 150_000;
/// The extra decision time of a VM that finds no spare, or weighs a shared core against a
/// spare: building the shared candidate's frame and predicting both options. It is a budget,
/// not a measurement: the search keeps to the VM's share of the decision bound by construction
/// (what is not done by then is not an option, a cut prediction is completed after the
/// commit), and with the server budgets worked out ahead by idle spares such a decision took
/// 335 us (layout 0x77) to 544 us (layout 0xc8, a long spare prediction) before this budget
/// was cut from 800 us. Smaller budgets tighten every such prediction; larger ones let the
/// search weigh more.
pub const DECIDE_SHARED_BOUND_NS: u64 = 300_000;
/// Per VM, the part of the decision bound its predictions and shared-core search leave for
/// what follows them: the plan's own tail, one server budget computation begun just before the
/// share ended, committing, and building and tracing the decision before the target may resume
/// the VM (about 80 us measured on 8 cores in campaign layout 0xc8; a decision of layout 0x77
/// ended 113 us past its share). Predictions still running then are cut and completed after
/// the commit (`migration_prediction`).
pub const DECIDE_RESERVE_NS: u64 = 130_000;
/// Upper bound of taking the vCPU state (checkpoint record or live registers). With the remap,
/// from the end of the decision to the VM ready on its target (the target's wake-up
/// included), 6 to 11 us measured over seven test scenarios: the two bounds leave 80 % margin.
pub const STATE_BOUND_NS: u64 = 10_000;
/// Upper bound of re-pointing the vCPU, its interrupts and stage 2 at the target core.
pub const REMAP_BOUND_NS: u64 = 10_000;
/// Upper bound of waking the target core and entering the guest there (from ready to the
/// guest's entry: 39 us at worst measured, `make bench`). Also where a migrant's supply starts
/// in its first slot of a shared core.
pub const RESTORE_BOUND_NS: u64 = 60_000;
/// Upper bound of a time-partition switch: saving one vCPU and entering the next, from the
/// slot boundary to the guest's first instruction, a heartbeat that falls due just then
/// included (measured: see `make bench`; 5.5 us alone, 11.7 us with a heartbeat).
pub const SWITCH_BOUND_NS: u64 = 20_000;
/// Shortest frame period tried for a shared core: below it the switches (two per slot and
/// period) would cost more than a few percent of the core.
pub const MIN_FRAME_PERIOD_NS: u64 = 250_000;

/// Task sets built from registrations, by VM, with the registration count each was read
/// under: building one costs microseconds, and every decision asks for every VM's.
static SETS: spin::Mutex<Vec<Option<(u64, TaskSet)>>> = spin::Mutex::new(Vec::new());

/// Frame periods by the running VMs' registration counts (0 for a stopped VM or one without a
/// task set) they were computed for.
static PERIODS: spin::Mutex<Option<(Vec<u64>, Vec<rt_analysis::Time>)>> = spin::Mutex::new(None);

/// The task set the VM's RTOS registered, if any (no guest memory is read).
pub fn task_set(vm: &Vm) -> Option<TaskSet> {
    let count = vm.realtime.registration_count();
    if let Some(Some((cached, set))) = SETS.lock().get(vm.id) {
        if *cached == count && vm.realtime.registered() {
            return Some(set.clone());
        }
    }
    let set = set_of(&vm.realtime.registration()?)?;
    if vm.realtime.registration_count() == count {
        let mut sets = SETS.lock();
        if sets.len() <= vm.id {
            sets.resize(vm.id + 1, None);
        }
        sets[vm.id] = Some((count, set.clone()));
    }
    Some(set)
}

/// [`migration_policy::candidate_periods`] of the running VMs' task sets, computed again only
/// when a VM registered again or stopped.
pub(super) fn server_periods() -> Vec<rt_analysis::Time> {
    let key: Vec<u64> = vms()
        .iter()
        .map(|vm| match vm.state() {
            VmState::Stopped => 0,
            _ if vm.realtime.registered() => vm.realtime.registration_count(),
            _ => 0,
        })
        .collect();
    if let Some((cached, periods)) = PERIODS.lock().as_ref() {
        if *cached == key {
            return periods.clone();
        }
    }
    let sets: Vec<TaskSet> = vms()
        .iter()
        .filter(|vm| vm.state() != VmState::Stopped)
        .filter_map(task_set)
        .collect();
    let set_refs: Vec<&TaskSet> = sets.iter().collect();
    let periods = migration_policy::candidate_periods(&set_refs, MIN_FRAME_PERIOD_NS);
    *PERIODS.lock() = Some((key, periods.clone()));
    periods
}

fn set_of(registration: &crate::vm::paravirt::Registration) -> Option<TaskSet> {
    let tasks: Vec<Task> = registration.tasks[..registration.task_count]
        .iter()
        .map(|task| Task {
            wcet: task.wcet_ns,
            period: task.period_ns,
            deadline: task.deadline_ns,
            offset: task.offset_ns,
            priority: task.priority,
            sporadic: task.sporadic(),
        })
        .collect();
    let scheduler = match registration.scheduler {
        hypercall_abi::rt_page::RtScheduler::Edf => Scheduler::Edf,
        _ => Scheduler::FixedPriority,
    };
    TaskSet::new(tasks, scheduler).ok()
}

/// The VM's task set, committed state and last report, if its RTOS registered and reported.
pub fn realtime(vm: &Vm) -> Option<RealTimeInput> {
    let registration = vm.realtime.registration()?;
    let rt_tasks = &registration.tasks[..registration.task_count];
    let set = set_of(&registration)?;
    let (_, slot) = committed_state(registration.page_ipa, |ipa, buffer| {
        vm.read_guest(ipa, buffer)
    })?;
    let count = (slot.task_count as usize).min(rt_tasks.len());
    let active = active_jobs(rt_tasks, &slot.tasks[..count])
        .map(|(task, release, abs_deadline, remaining)| JobState {
            task,
            release,
            abs_deadline,
            remaining,
        })
        .collect();
    let next_release = slot.tasks[..count]
        .iter()
        .map(|state| state.next_release_ns)
        .collect();
    let checkpoint = SimState {
        now: slot.time_ns,
        active,
        next_release,
    };
    let report = vm.realtime.last_report()?;
    let reported_slack = finite(report.affordable_ns).map_or(Slack::Unbounded, Slack::Finite);
    Some(RealTimeInput {
        tasks: set,
        checkpoint,
        reported_slack,
        reported_at: report.time_ns,
        ran_in: None,
    })
}

/// The platform's downtime model, and the frame periods a newly shared core may take: fractions
/// of the shortest task period of every VM still running (`candidate_periods`).
pub fn platform() -> Platform {
    Platform {
        model: rt_analysis::downtime::DowntimeModel {
            detect: 0,
            decide: DECIDE_BOUND_NS,
            state: STATE_BOUND_NS,
            copy_bytes_per_sec: match crate::health::settings().migration {
                partition_config::MigrationMode::Copy => super::copy::planning_bandwidth(),
                partition_config::MigrationMode::InPlace => u64::MAX,
            },
            remap: REMAP_BOUND_NS,
            restore: RESTORE_BOUND_NS,
        },
        server_periods: server_periods(),
        switch: SWITCH_BOUND_NS,
        decide_shared: DECIDE_SHARED_BOUND_NS,
        progress: None,
        clock: Some(decision_clock),
        reserve: DECIDE_RESERVE_NS,
        known_budgets: Some(super::budgets::known),
    }
}

/// The decision's clock, read between chunks of its predictions and searches: each reading
/// also ends the core's turn (YIELD), so that a long decision never keeps the other cores (a
/// migrant's landing, a slot switch) waiting under QEMU's round robin.
fn decision_clock() -> u64 {
    crate::arch::aarch64::cpu::pause();
    crate::arch::aarch64::cpu::now_ns()
}

/// Adds one policy trace field to an event.
pub fn add_field(event: Event, key: &str, value: TraceValue) -> Event {
    match value {
        TraceValue::U64(number) => event.u64(key, number),
        TraceValue::Str(text) => event.str(key, &text),
        TraceValue::List(items) => {
            let mut text = String::from("[");
            for (index, &item) in items.iter().enumerate() {
                if index > 0 {
                    text.push(',');
                }
                crate::trace::write_u64(&mut text, u64::from(item));
            }
            text.push(']');
            event.raw(key, &text)
        }
    }
}
