//! Predictions a decision's time share cut, completed off every guest's time: idle spare cores
//! run them a little at a time (stopping when the core is wanted), and the last core left
//! finishes whatever remains before the power-off. Each is traced as `migration_prediction`
//! when done. A decider that completed them itself would take the time from the guests it
//! hosts, or from the migrant it is the target of (a slot simulation near saturation ran for
//! 52 ms in the fault campaign, layout 0x10c).

use super::{inputs, summary};
use crate::arch::aarch64::cpu;
use crate::arch::aarch64::percpu::{self, CoreState};
use alloc::collections::VecDeque;
use alloc::string::String;
use core::sync::atomic::{AtomicUsize, Ordering};
use migration_policy::supply::{Prediction, Simulation};
use rt_analysis::TaskSet;

/// One prediction to complete.
struct Pending {
    vm: usize,
    name: String,
    failed_core: usize,
    tasks: TaskSet,
    simulation: Simulation,
    /// Time spent on it so far (ns).
    spent_ns: u64,
}

/// The predictions waiting, oldest first.
static PENDING: spin::Mutex<VecDeque<Pending>> = spin::Mutex::new(VecDeque::new());

/// Completions being run by some core (taken out of the queue meanwhile).
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Events simulated between two looks at whether the core is wanted.
const CHUNK_EVENTS: u64 = 8;

/// Queues the completion of `decision`'s cut prediction (made on the failure of `failed_core`).
pub fn queue(decision: &migration_policy::Decision, failed_core: usize) {
    let Some(deferred) = &decision.deferred else {
        return;
    };
    let Some(simulation) = deferred.simulation() else {
        return;
    };
    PENDING.lock().push_back(Pending {
        vm: decision.vm,
        name: decision.name.clone(),
        failed_core,
        tasks: deferred.tasks.clone(),
        simulation,
        spent_ns: 0,
    });
    // Idle spares sleep until something is for them: this is.
    let me = percpu::current_id();
    for core in 0..percpu::MAX_CPUS {
        let spare = percpu::of(core).idle_spare.load(Ordering::Acquire);
        if core != me && spare && percpu::of(core).state() == CoreState::Online {
            crate::vm::table::kick(core);
        }
    }
}

/// Goes on completing predictions while `go_on` says so (asked every few simulation events).
pub fn work(go_on: &mut dyn FnMut() -> bool) {
    while go_on() {
        // Taken out of the queue while it runs: another idle core takes the next one.
        let Some(mut pending) = ({
            let mut queue = PENDING.lock();
            let next = queue.pop_front();
            if next.is_some() {
                IN_FLIGHT.fetch_add(1, Ordering::AcqRel);
            }
            next
        }) else {
            return;
        };
        let started = cpu::now_ns();
        let outcome = pending.simulation.run(&pending.tasks, CHUNK_EVENTS, go_on);
        pending.spent_ns += cpu::now_ns().saturating_sub(started);
        let stopped = matches!(outcome, Ok(None));
        match outcome {
            Ok(Some(prediction)) => trace(&pending, &prediction),
            Ok(None) => PENDING.lock().push_front(pending),
            Err(_) => {} // the state did not fit the task set: the decision's lower bound stands
        }
        IN_FLIGHT.fetch_sub(1, Ordering::AcqRel);
        cpu::send_event();
        if stopped {
            return;
        }
    }
}

/// Completes every waiting prediction now (the run is over: no guest is left to delay), after
/// those other cores are running.
pub fn finish_all() {
    crate::health::with_beats(|| {
        work(&mut || true);
        cpu::wait_until(u64::MAX, || IN_FLIGHT.load(Ordering::Acquire) == 0);
        work(&mut || true);
    });
}

/// Traces a completed prediction and puts it in the end-of-run table.
fn trace(pending: &Pending, prediction: &Prediction) {
    let total: u64 = prediction.misses.iter().map(|&m| u64::from(m)).sum();
    summary::predicted(pending.vm, u32::try_from(total).unwrap_or(u32::MAX));
    let event = inputs::add_field(
        crate::console::event("migration_prediction")
            .u64("failed_core", pending.failed_core as u64)
            .u64("vm", pending.vm as u64)
            .str("name", &pending.name),
        "misses",
        migration_policy::TraceValue::List(prediction.misses.clone()),
    );
    let mut event = event
        .u64("misses_total", total)
        .u64("misses_complete", u64::from(prediction.complete));
    if let Some(horizon) = prediction.horizon {
        event = event.u64("horizon_ns", horizon);
    }
    crate::console::emit(event.u64("predict_ns", pending.spent_ns));
}
