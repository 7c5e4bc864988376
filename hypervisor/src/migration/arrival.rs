//! The target's side of a move: take the guests the ledger placed on this core, prepare them
//! (memory copied into this core's region, vCPU placed here), and, when the run loop enters
//! one, land it: trace the move and set up how it resumes.

use super::live::{self, LiveState};
use crate::arch::aarch64::{cpu, percpu};
use crate::health::ledger;
use crate::vm::vms;
use alloc::boxed::Box;
use alloc::vec::Vec;
use failover::{GuestId, Move, ResumeKind};

/// A guest taken by this core that has not run here yet.
pub struct Arrival {
    /// Its ledger entry.
    pub guest: GuestId,
    /// VM index.
    pub vm: usize,
    /// vCPU index in the VM.
    pub vcpu: usize,
    /// The move, as decided.
    pub moving: Move,
    /// Fail-signal: the live state its failing core handed over.
    pub live: Option<Box<LiveState>>,
    /// When it was ready to resume here (ns).
    pub ready_ns: u64,
}

/// Takes every guest the ledger placed on core `me`, each prepared to run here. A guest whose
/// memory cannot be moved is stopped (and traced) instead.
pub fn take_arrivals(me: usize) -> Vec<Arrival> {
    let placed: Vec<GuestId> = ledger::read(|ledger| ledger.arrivals_for(me).collect());
    placed
        .into_iter()
        .filter_map(|id| {
            let moving = ledger::update(|ledger| ledger.take(me, id)).ok()?;
            let (vm, vcpu) = ledger::read(|ledger| ledger.guest(id).map(|g| (g.vm, g.vcpu)))?;
            prepare(me, id, vm, vcpu, moving)
        })
        .collect()
}

/// The target's work before the guest can run here: its memory copied into this core's region
/// (copy migration; the heartbeat goes on meanwhile), its vCPU placed here, its live state
/// taken.
fn prepare(me: usize, guest: GuestId, vm_id: usize, vcpu: usize, moving: Move) -> Option<Arrival> {
    let vm = &vms()[vm_id];
    if moving.copy {
        let moved = super::copy::region_of(me, vm.ram().size)
            .ok_or(None)
            .and_then(|base| crate::health::with_beats(|| vm.relocate(base)).map_err(Some));
        if let Err(error) = moved {
            log::error!(
                "vm '{}' could not be moved to core {me}: {error:?}",
                vm.name
            );
            super::stop_vm(vm, "relocation_failed", log::Level::Error);
            return None;
        }
    }
    vm.set_vcpu_core(vcpu, me);
    if moving.resume == ResumeKind::Reboot && !reboot(vm) {
        return None;
    }
    let live = match moving.resume {
        ResumeKind::Live => live::take(moving.origin, vm.id),
        _ => None,
    };
    Some(Arrival {
        guest,
        vm: vm_id,
        vcpu,
        moving,
        live,
        ready_ns: cpu::now_ns(),
    })
}

/// A VM without a checkpoint boots again here: its memory reloaded from its image (long: the
/// heartbeat goes on), its interrupt state reset, its other vCPUs off until it starts them.
fn reboot(vm: &crate::vm::Vm) -> bool {
    crate::vm::table::prepare_restart(vm);
    crate::vm::vgic::reset(vm.id);
    if crate::health::with_beats(|| crate::vm::table::reload(vm)) {
        return true;
    }
    super::stop_vm(vm, "reload_failed", log::Level::Error);
    false
}

/// How a landed guest resumes.
pub enum Landing {
    /// At `entry` with `x0 = argument`, its EL1 state fresh: its RTOS's recovery entry, or its
    /// image's entry after a reboot (memory reloaded by the caller).
    Fresh { entry: u64, argument: u64 },
    /// Exactly where it stopped.
    Live(Box<LiveState>),
}

/// True when migrants are held to their planned instant (`kairos,resume = "planned"`); false
/// when they resume as soon as they are ready (`"asap"`, the default).
pub fn held_to_plan() -> bool {
    crate::health::settings().resume == partition_config::ResumeMode::Planned
}

/// The instant (ticks) before which the caller must not enter `arrival`: its planned resume
/// instant when migrants are held to it, else 0 (at once).
pub fn enter_not_before(arrival: &Arrival) -> u64 {
    if held_to_plan() {
        cpu::ns_to_ticks(arrival.moving.resume_at_ns)
    } else {
        0
    }
}

/// The arrival resumes on this core: its interrupts follow it, the move is traced with its
/// measured downtime, and the guest is told when its blackout ends. The caller enters it at
/// once (`asap`), or at the planned instant if that is still ahead (`planned`); the trace
/// counts the resume then, and the guest's blackout ends then.
pub fn land(arrival: Arrival) -> Landing {
    let vm = &vms()[arrival.vm];
    let me = percpu::current_id();
    crate::vm::vgic::move_vcpu(vm, arrival.vcpu, me);
    let moving = arrival.moving;
    let checkpoint = vm.realtime.checkpoint();
    let (landing, resume) = match (arrival.live, checkpoint, moving.resume) {
        (Some(state), _, _) => (Landing::Live(state), "live"),
        (None, Some(checkpoint), ResumeKind::Live | ResumeKind::Checkpoint) => (
            Landing::Fresh {
                entry: checkpoint.entry,
                argument: checkpoint.argument,
            },
            "checkpoint",
        ),
        _ => (
            Landing::Fresh {
                entry: vm.entry,
                argument: vm.dtb_ipa,
            },
            "reboot",
        ),
    };
    // Read last, so that the instant the guest is given is as close as can be to its entry.
    let planned = held_to_plan();
    let now = if planned {
        cpu::now_ns().max(moving.resume_at_ns)
    } else {
        cpu::now_ns()
    };
    match &landing {
        Landing::Fresh { .. } if resume == "checkpoint" => {
            // The guest ends its blackout where it resumes: at the planned instant, the start
            // of the supply the prediction counted on (`planned`, whether it gets here before
            // it or after), or now (`asap`: no later than planned, so never more misses).
            if let Some(page) = vm.realtime.page_ipa() {
                let at = page + hypercall_abi::rt_page::RT_RESUME_OFFSET as u64;
                if vm.write_guest(at, &now.to_le_bytes()).is_err() {
                    log::warn!("vm '{}': its resume instant could not be written", vm.name);
                }
            }
        }
        Landing::Live(state) => {
            // It resumes where it stopped, unaware of the time in between: tell its RTOS, which
            // then lives through the blackout up to its resume (the planned instant when held).
            crate::partition::dark_span::log(vm, state.stopped_ns, now);
        }
        Landing::Fresh { .. } => {}
    }
    trace_done(vm, me, &moving, arrival.ready_ns, now, resume, planned);
    landing
}

/// Traces the resume of `vm` on core `me` at `now` (ns), `resume` saying from what.
fn trace_done(
    vm: &crate::vm::Vm,
    me: usize,
    moving: &Move,
    ready_ns: u64,
    now: u64,
    resume: &str,
    planned: bool,
) {
    let mut event = crate::console::event("migration_done")
        .u64("vm", vm.id as u64)
        .str("name", &vm.name)
        .u64("from", moving.from as u64)
        .u64("to", me as u64)
        .u64("predicted_ns", moving.predicted_ns)
        .u64("resume_at_ns", moving.resume_at_ns)
        .u64("late_ns", now.saturating_sub(moving.resume_at_ns))
        .u64("early_ns", moving.resume_at_ns.saturating_sub(now))
        .str("resume_mode", if planned { "planned" } else { "asap" })
        .str("resume", resume)
        .str(
            "supply",
            if moving.shared {
                "time_partition"
            } else {
                "whole_core"
            },
        );
    if let Some(fault_ns) = crate::health::truth::fault_truth(moving.from) {
        event = event
            .u64("measured_ns", now.saturating_sub(fault_ns))
            .u64("ready_ns", ready_ns.saturating_sub(fault_ns));
        super::summary::measured(vm.id, now.saturating_sub(fault_ns));
    }
    crate::console::emit(event);
}
