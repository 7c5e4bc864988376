//! The heartbeat on the hardware: every core beats from its EL2 timer, fails when an injected
//! fault says so, and watches its peers; a survivor that claims a silent or signalled peer hands
//! its VMs to the migration policy.

use super::detector::{Health, Heartbeats};
use super::injection::Injections;
use crate::arch::aarch64::{cpu, percpu, timer};
use core::sync::atomic::{AtomicUsize, Ordering};
use partition_config::{FaultKind, HealthConfig};

static BEATS: Heartbeats<{ percpu::MAX_CPUS }> = Heartbeats::new();
static INJECTIONS: Injections<{ percpu::MAX_CPUS }> = Injections::new();
static SETTINGS: spin::Once<HealthConfig> = spin::Once::new();
static CORES: AtomicUsize = AtomicUsize::new(0);

/// The health settings in force (defaults until `start`).
pub fn settings() -> &'static HealthConfig {
    SETTINGS.call_once(HealthConfig::default)
}

/// The heartbeat table.
pub fn heartbeats() -> &'static Heartbeats<{ percpu::MAX_CPUS }> {
    &BEATS
}

/// Installs the settings and the fault plan (boot core, before any core starts beating). Plan
/// times count from now, the moment the VMs are about to start.
pub fn configure(config: &HealthConfig, cores: usize) {
    SETTINGS.call_once(|| config.clone());
    let start = cpu::now_ns();
    let mut plan = config.fault_plan.clone();
    plan.iter_mut()
        .for_each(|fault| fault.at_ns = fault.at_ns.saturating_add(start));
    INJECTIONS.set_plan(&plan);
    CORES.store(cores.min(percpu::MAX_CPUS), Ordering::Release);
    let settings = settings();
    log::info!(
        "heartbeat every {} us, a core is failed after {} missed beats; migration {:?}; {} planned fault(s)",
        settings.heartbeat_ns / 1000,
        settings.miss_threshold,
        settings.migration,
        settings.fault_plan.len()
    );
}

/// Starts this core's heartbeat (each core, once the VMs are published).
pub fn start() {
    timer::set_handler(tick);
    BEATS.beat(percpu::current_id(), cpu::now_ns());
    timer::arm(cpu::counter() + cpu::ns_to_ticks(settings().heartbeat_ns));
}

/// Asks `core` to fail at its next beat (console fault injection).
pub fn inject(core: usize, kind: FaultKind) -> bool {
    core < CORES.load(Ordering::Acquire) && INJECTIONS.request(core, kind)
}

/// Runs a heartbeat now (the idle loop calls this when it wakes late).
pub fn tick_now() {
    tick();
}

/// Beats without waiting for the timer: long work at EL2 with interrupts masked (reloading a
/// VM's memory, say) calls this so that its peers do not take it for dead.
pub fn keepalive() {
    if SETTINGS.is_completed() {
        fence_if_declared_failed();
        BEATS.beat(percpu::current_id(), cpu::now_ns());
    }
}

/// A core its peers declared failed must not go on (its VMs now run elsewhere): it stops at
/// once, touching nothing (fencing). Called at every beat and every guest exit.
pub fn fence_if_declared_failed() {
    let me = percpu::current_id();
    if matches!(BEATS.health(me), Health::Failed) {
        crate::console::emit(
            crate::console::event("fenced").str("reason", "declared failed by a peer"),
        );
        timer::disarm();
        cpu::park();
    }
}

/// The EL2 timer handler: beat, fail if told to, watch the peers, re-arm.
fn tick() {
    let me = percpu::current_id();
    let now = cpu::now_ns();
    let settings = settings();
    fence_if_declared_failed();
    BEATS.beat(me, now);
    match INJECTIONS.due(me, now) {
        Some(FaultKind::Stop) => fail_stop_here(now),
        Some(FaultKind::Signal) => fail_signal_here("injected"),
        None => {}
    }
    let cores = CORES.load(Ordering::Acquire);
    let mut suspects = [usize::MAX; percpu::MAX_CPUS];
    for (slot, core) in BEATS
        .suspects(
            me,
            cores,
            now,
            settings.heartbeat_ns,
            settings.miss_threshold,
        )
        .enumerate()
    {
        suspects[slot] = core;
    }
    for &core in suspects.iter().filter(|&&core| core != usize::MAX) {
        let signalled = BEATS.health(core) == Health::Signalled;
        if BEATS.claim(core) {
            let kind = if signalled {
                FaultKind::Signal
            } else {
                FaultKind::Stop
            };
            crate::migration::handle_failure(core, kind, BEATS.last_beat(core), cpu::now_ns());
        }
    }
    let period = cpu::ns_to_ticks(settings.heartbeat_ns);
    let next = timer::deadline()
        .unwrap_or(cpu::counter())
        .max(cpu::counter())
        + period;
    timer::arm(next);
}

/// Fail-stop: this core stops dead, interrupts masked, and says nothing more (the trace line
/// is the experiment's ground truth; the detector never reads it).
fn fail_stop_here(now: u64) -> ! {
    crate::console::emit(
        crate::console::event("fault_injected")
            .str("kind", "stop")
            .u64("at_ns", now),
    );
    crate::migration::record_fault_truth(percpu::current_id(), now);
    timer::disarm();
    cpu::park()
}

/// Fail-signal: this core saves its vCPU's live state for a survivor, declares itself failed
/// and takes itself out of service.
pub fn fail_signal_here(reason: &str) -> ! {
    let me = percpu::current_id();
    let now = cpu::now_ns();
    crate::console::emit(
        crate::console::event("fault_injected")
            .str("kind", "signal")
            .str("reason", reason)
            .u64("at_ns", now),
    );
    crate::migration::record_fault_truth(me, now);
    crate::migration::hand_over_live_state(me);
    BEATS.signal(me);
    timer::disarm();
    cpu::send_event();
    cpu::park()
}
