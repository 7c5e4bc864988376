//! The heartbeat on the machine. Every core beats from its EL2 timer interrupt, whatever it
//! does: in a guest the interrupt exits to EL2; in long EL2 work ([`with_beats`]) EL2 takes
//! the timer's interrupt alone. At each beat the core also watches its peers and claims a
//! silent or signalled one in the ledger; deciding for the claimed core's VMs is left to its
//! run loop. A fault injected for this core is not carried out inside the interrupt (which may
//! have interrupted a lock holder): the run loop carries it out at its next safe point.

use super::detector::{Health, Heartbeats};
use super::injection::Injections;
use crate::arch::aarch64::{cpu, percpu, timer};
use crate::drivers::gic;
use core::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use failover::{Failure, Ledger};
use partition_config::{FaultKind, HealthConfig};

static BEATS: Heartbeats<{ percpu::MAX_CPUS }> = Heartbeats::new();
static INJECTIONS: Injections<{ percpu::MAX_CPUS }> = Injections::new();
static SETTINGS: spin::Once<HealthConfig> = spin::Once::new();
static CORES: AtomicUsize = AtomicUsize::new(0);
/// A fault due on each core, waiting for its safe point: 0 none, 1 stop, 2 signal.
static DUE: [AtomicU8; percpu::MAX_CPUS] = [const { AtomicU8::new(0) }; percpu::MAX_CPUS];
/// The ledger generation each core's run loop was last told about.
static SEEN: [AtomicUsize; percpu::MAX_CPUS] = [const { AtomicUsize::new(0) }; percpu::MAX_CPUS];
/// Set on each core while its EL2 code (not a guest) was interrupted by the heartbeat.
static IN_EL2: [core::sync::atomic::AtomicBool; percpu::MAX_CPUS] =
    [const { core::sync::atomic::AtomicBool::new(false) }; percpu::MAX_CPUS];

/// Per core: its run loop put off work it must come back to (a decision waiting for a migrant
/// to land), so every beat calls it back from its guest.
static RECALL: [core::sync::atomic::AtomicBool; percpu::MAX_CPUS] =
    [const { core::sync::atomic::AtomicBool::new(false) }; percpu::MAX_CPUS];
/// The latest each core's beat came after its deadline (ns): what the minimum heartbeat
/// period must cover.
static WORST_LATE: [AtomicU64; percpu::MAX_CPUS] = [const { AtomicU64::new(0) }; percpu::MAX_CPUS];

/// The health settings in force (defaults until `configure`).
pub fn settings() -> &'static HealthConfig {
    SETTINGS.call_once(HealthConfig::default)
}

/// The heartbeat table.
pub fn heartbeats() -> &'static Heartbeats<{ percpu::MAX_CPUS }> {
    &BEATS
}

/// Installs the settings, the fault plan and the ledger's first state (boot core, before any
/// core starts beating). Plan times count from now, the moment the VMs are about to start.
pub fn configure(config: &HealthConfig, cores: usize, ledger: Ledger) {
    SETTINGS.call_once(|| config.clone());
    let start = cpu::now_ns();
    let mut plan = config.fault_plan.clone();
    plan.iter_mut()
        .for_each(|fault| fault.at_ns = fault.at_ns.saturating_add(start));
    INJECTIONS.set_plan(&plan);
    CORES.store(cores.min(percpu::MAX_CPUS), Ordering::Release);
    let _ = super::ledger::update(|current| {
        *current = ledger;
        Ok(())
    });
    let settings = settings();
    log::info!(
        "heartbeat every {} us, a core is failed after {} missed beats; migration {:?}; {} planned fault(s)",
        settings.heartbeat_ns / 1000,
        settings.miss_threshold,
        settings.migration,
        settings.fault_plan.len()
    );
}

/// Starts this core's heartbeat (each core, once the VMs are published). The cores beat out of
/// phase with each other (core `k` of `n` a fraction `k / n` of a period later): beats then
/// spread over the period instead of bunching, which also keeps any stretch a core waits for
/// its turn under QEMU's `-icount` (which runs the cores in turn, switching at the next timer
/// deadline of any core) short.
pub fn start() {
    timer::set_handler(tick);
    let me = percpu::current_id();
    BEATS.beat(me, cpu::now_ns());
    let period = settings().heartbeat_ns;
    let cores = CORES.load(Ordering::Acquire).max(1) as u64;
    let phase = period * (me as u64 % cores) / cores;
    timer::arm(cpu::counter() + cpu::ns_to_ticks(period + phase));
}

/// Asks `core` to fail at its next beat (console fault injection).
pub fn inject(core: usize, kind: FaultKind) -> bool {
    core < CORES.load(Ordering::Acquire) && INJECTIONS.request(core, kind)
}

/// True once this core was declared failed by a peer: it must not go on.
pub fn declared_failed() -> bool {
    BEATS.health(percpu::current_id()) == Health::Failed
}

/// A core its peers declared failed must not go on (its VMs now run elsewhere): it stops at
/// once, touching nothing (fencing).
pub fn fence_if_declared_failed() {
    if declared_failed() {
        crate::console::emit(
            crate::console::event("fenced").str("reason", "declared failed by a peer"),
        );
        timer::disarm();
        crate::drivers::gic::park_silently();
    }
}

/// The EL2 timer handler: beat, note a due fault, watch the peers and claim the silent ones,
/// tell the run loop when the ledger changed (a guest placed here, a frame changed), re-arm.
/// Runs in interrupt context; touches only atomics and the ledger. A core declared failed
/// stops here if it interrupted a guest; inside EL2 work it stops at its run loop's next look
/// (it may hold a lock now), and it never enters a guest again meanwhile.
fn tick() {
    let me = percpu::current_id();
    let now = cpu::now_ns();
    let settings = settings();
    if declared_failed() {
        if IN_EL2[me].load(Ordering::Relaxed) {
            percpu::current().attend();
            return;
        }
        fence_if_declared_failed();
    }
    if let Some(deadline) = timer::handled_deadline() {
        let late = now.saturating_sub(cpu::ticks_to_ns(deadline));
        WORST_LATE[me].fetch_max(late, Ordering::Relaxed);
    }
    BEATS.beat(me, now);
    if let Some(kind) = INJECTIONS.due(me, now) {
        DUE[me].store(encode(kind), Ordering::Release);
        percpu::current().attend();
    }
    let generation = super::ledger::generation();
    if SEEN[me].swap(generation, Ordering::Relaxed) != generation
        || RECALL[me].load(Ordering::Relaxed)
    {
        percpu::current().attend();
    }
    let cores = CORES.load(Ordering::Acquire);
    // A core busy with long EL2 work (a copy, a reload) would decide for the failed core's VMs
    // only once its work is done: it claims one beat after the others, so an idle or guest-
    // running core claims first when there is one.
    let threshold = settings.miss_threshold + u32::from(IN_EL2[me].load(Ordering::Relaxed));
    let mut suspects = [usize::MAX; percpu::MAX_CPUS];
    for (slot, core) in BEATS
        .suspects(me, cores, now, settings.heartbeat_ns, threshold)
        .enumerate()
    {
        suspects[slot] = core;
    }
    for &core in suspects.iter().filter(|&&core| core != usize::MAX) {
        claim(me, core, now);
    }
    let period = cpu::ns_to_ticks(settings.heartbeat_ns);
    let next = timer::deadline()
        .unwrap_or(cpu::counter())
        .max(cpu::counter())
        + period;
    timer::arm(next);
}

/// Claims `suspect`'s failure in the ledger; if this core's claim is the one that commits, it
/// becomes the decider of the suspect's guests and its run loop is told.
fn claim(me: usize, suspect: usize, now: u64) {
    let kind = if BEATS.health(suspect) == Health::Signalled {
        failover::FaultKind::Signal
    } else {
        failover::FaultKind::Stop
    };
    let failure = Failure {
        by: me,
        kind,
        last_beat_ns: BEATS.last_beat(suspect),
        detected_ns: now,
    };
    if super::ledger::update(|ledger| ledger.claim(me, suspect, failure)).is_ok() {
        BEATS.mark_failed(suspect);
        percpu::of(suspect).set_state(percpu::CoreState::Parked);
        percpu::current().attend();
    }
}

fn encode(kind: FaultKind) -> u8 {
    match kind {
        FaultKind::Stop => 1,
        FaultKind::Signal => 2,
    }
}

/// Whether this core's run loop must be called back from its guest at every beat (it put off
/// work that cannot wait for the next change of the ledger).
pub fn recall_each_beat(on: bool) {
    RECALL[percpu::current_id()].store(on, Ordering::Relaxed);
}

/// The fault due on this core, if any (taken: it is carried out by the caller).
pub fn take_due_fault() -> Option<FaultKind> {
    match DUE[percpu::current_id()].swap(0, Ordering::AcqRel) {
        1 => Some(FaultKind::Stop),
        2 => Some(FaultKind::Signal),
        _ => None,
    }
}

/// Runs `work` (long: a decision, a memory copy, a reload, traces) with this core's heartbeat
/// going on: EL2 takes the timer's interrupt, and only it, meanwhile. Nests.
pub fn with_beats<R>(work: impl FnOnce() -> R) -> R {
    gic::with_timer_only(work)
}

/// An interrupt taken at EL2 (inside [`with_beats`]): the timer's, run now; anything else is
/// left for later (the priority mask lets nothing else through).
pub fn on_el2_interrupt() {
    let Some(gic) = gic::get() else { return };
    let Some(interrupt) = gic.acknowledge() else {
        return;
    };
    if interrupt.intid == timer::intid() {
        let me = percpu::current_id();
        let outer = IN_EL2[me].swap(true, Ordering::Relaxed);
        timer::handle_interrupt();
        IN_EL2[me].store(outer, Ordering::Relaxed);
    }
    gic.end_of_interrupt(interrupt);
}

/// Fail-stop at this core's safe point: it stops dead, saying so in the trace only (the
/// experiment's ground truth; the detector never reads it).
pub fn stop_here() -> ! {
    let now = cpu::now_ns();
    crate::console::emit(
        crate::console::event("fault_injected")
            .str("kind", "stop")
            .u64("at_ns", now),
    );
    super::truth::record(percpu::current_id(), now);
    timer::disarm();
    crate::drivers::gic::park_silently()
}

/// Fail-signal: this core (its running vCPU's live state already handed over) declares itself
/// failed and takes itself out of service.
pub fn signal_here(reason: &str) -> ! {
    let me = percpu::current_id();
    let now = cpu::now_ns();
    crate::console::emit(
        crate::console::event("fault_injected")
            .str("kind", "signal")
            .str("reason", reason)
            .u64("at_ns", now),
    );
    super::truth::record(me, now);
    BEATS.signal(me);
    timer::disarm();
    cpu::send_event();
    crate::drivers::gic::park_silently()
}

/// The latest beat of each core after its deadline, in ns (for the trace at power-off).
pub fn worst_beat_lateness() -> u64 {
    WORST_LATE
        .iter()
        .map(|late| late.load(Ordering::Relaxed))
        .max()
        .unwrap_or(0)
}
