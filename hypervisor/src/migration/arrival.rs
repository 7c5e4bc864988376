//! The target's side of a move: a mailbox per core, and resuming the VM there: at the planned
//! instant on a spare core, or in its first slot on a core shared in time partitions.

use crate::arch::aarch64::{cpu, el1_context, percpu};
use crate::vm::exit::TrapFrame;
use crate::vm::vms;
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

/// How the moving vCPU resumes.
pub enum Resume {
    /// Fail-stop: at the guest's committed recovery entry with `x0 = argument`.
    Checkpoint { entry: u64, argument: u64 },
    /// Fail-signal: exactly where it was, with its registers.
    Live(Box<super::live::LiveState>),
    /// No checkpoint was ever committed: boot the VM again from its image.
    Reboot,
}

/// A shared target's frame after admission, as the policy planned it (ns).
pub struct FramePlan {
    /// First instant of the frame.
    pub start_ns: u64,
    /// Its period.
    pub period_ns: u64,
    /// `(vm, offset, length)` of every slot.
    pub slots: Vec<(usize, u64, u64)>,
}

/// One VM (vCPU) moving to a core.
pub struct Arrival {
    /// VM index.
    pub vm: usize,
    /// vCPU index in the VM.
    pub vcpu: usize,
    /// The failed core it comes from.
    pub from: usize,
    /// How it resumes.
    pub resume: Resume,
    /// The planned resume instant (system time, ns).
    pub resume_at_ns: u64,
    /// The predicted downtime.
    pub predicted_ns: u64,
    /// When the fault was detected.
    pub detected_ns: u64,
    /// Copy migration: the target core's region the VM's RAM moves to.
    pub copy_to: Option<u64>,
    /// On a shared target: the core's frame with the migrant's slot; `None` on a spare core.
    pub frame: Option<FramePlan>,
}

static INBOX: [spin::Mutex<VecDeque<Arrival>>; percpu::MAX_CPUS] =
    [const { spin::Mutex::new(VecDeque::new()) }; percpu::MAX_CPUS];
/// Arrivals posted to each core and not yet taken (read without the lock on the interrupt path).
static WAITING: [AtomicUsize; percpu::MAX_CPUS] = [const { AtomicUsize::new(0) }; percpu::MAX_CPUS];

/// Hands `arrival` to core `core` and wakes it.
pub fn post(core: usize, arrival: Arrival) {
    INBOX[core].lock().push_back(arrival);
    WAITING[core].fetch_add(1, Ordering::AcqRel);
    percpu::of(core).attention.store(true, Ordering::Release);
    cpu::send_event();
    if let Some(gic) = crate::drivers::gic::get() {
        gic.send_sgi(crate::drivers::gic::KICK_SGI, core);
    }
}

/// True when an arrival waits for `core` (one atomic load: the interrupt path asks).
pub fn waiting(core: usize) -> bool {
    WAITING[core].load(Ordering::Acquire) != 0
}

/// The oldest arrival waiting for this core, if any.
pub fn take_arrival(core: usize) -> Option<Arrival> {
    if !waiting(core) {
        return None;
    }
    let arrival = INBOX.get(core)?.try_lock()?.pop_front()?;
    WAITING[core].fetch_sub(1, Ordering::AcqRel);
    Some(arrival)
}

/// On a survivor: the moves posted to `core` that `core` never took (it failed first). Taken
/// even if `core` died holding its mailbox lock (it cannot be using it any more).
pub fn take_stranded(core: usize) -> Vec<Arrival> {
    let Some(slot) = INBOX.get(core) else {
        return Vec::new();
    };
    if slot.is_locked() {
        // SAFETY: `core` is declared failed and parked (or fenced), so no one else holds this lock.
        unsafe { slot.force_unlock() };
    }
    let Some(mut inbox) = slot.try_lock() else {
        return Vec::new();
    };
    WAITING[core].store(0, Ordering::Release);
    inbox.drain(..).collect()
}

/// True when a move to some core is still waiting to be taken.
pub fn pending() -> bool {
    WAITING
        .iter()
        .any(|count| count.load(Ordering::Acquire) != 0)
}

/// The target core's part before the VM runs there: its RAM moved (copy migration) and its
/// vCPU placed on this core. False (the VM stopped) if its RAM could not be remapped.
pub fn prepare(arrival: &Arrival) -> bool {
    let vm = &vms()[arrival.vm];
    if let Some(base) = arrival.copy_to {
        if let Err(error) = vm.relocate(base) {
            log::error!(
                "vm '{}' could not be remapped at {base:#x}: {error:?}",
                vm.name
            );
            crate::vm::run::stop_vm(vm, "relocation_failed");
            return false;
        }
    }
    vm.set_vcpu_core(arrival.vcpu, percpu::current_id());
    true
}

/// Runs `arrival` on this spare core: waits for the planned instant, then resumes the vCPU.
pub fn arrive(arrival: Arrival) -> ! {
    if !prepare(&arrival) {
        crate::vm::run::idle();
    }
    let ready_ns = cpu::now_ns();
    // Wake a little before the planned instant so that entering the guest still ends by it:
    // the prediction is an upper bound the move must meet.
    let wake_ns = arrival
        .resume_at_ns
        .saturating_sub(super::inputs::RESTORE_BOUND_NS / 2);
    let resume_at = cpu::ns_to_ticks(wake_ns);
    crate::vm::run::serve_until(resume_at);
    land(arrival, ready_ns)
}

/// Resumes the arriving vCPU on this core now (its RAM and placement prepared), tracing the
/// move's measured downtime; `ready_ns` is when it could have resumed, had it not been held to
/// its planned instant or slot.
pub fn land(arrival: Arrival, ready_ns: u64) -> ! {
    let vm = &vms()[arrival.vm];
    let me = percpu::current_id();
    crate::vm::vgic::move_vcpu(vm, arrival.vcpu, me);
    let here = percpu::current();
    here.vm.store(vm.id, Ordering::Relaxed);
    here.vcpu.store(arrival.vcpu, Ordering::Relaxed);
    let now = cpu::now_ns();
    let truth = super::live::fault_truth(arrival.from);
    let mut event = crate::console::event("migration_done")
        .u64("vm", vm.id as u64)
        .str("name", &vm.name)
        .u64("from", arrival.from as u64)
        .u64("to", me as u64)
        .u64("predicted_ns", arrival.predicted_ns)
        .u64("resume_at_ns", arrival.resume_at_ns)
        .u64("late_ns", now.saturating_sub(arrival.resume_at_ns))
        .str(
            "resume",
            match arrival.resume {
                Resume::Checkpoint { .. } => "checkpoint",
                Resume::Live(_) => "live",
                Resume::Reboot => "reboot",
            },
        )
        .str(
            "supply",
            if arrival.frame.is_some() {
                "time_partition"
            } else {
                "whole_core"
            },
        );
    if let Some(fault_ns) = truth {
        event = event
            .u64("measured_ns", now.saturating_sub(fault_ns))
            .u64("ready_ns", ready_ns.saturating_sub(fault_ns));
        super::summary::measured(vm.id, now.saturating_sub(fault_ns));
    }
    crate::console::emit(event);
    match arrival.resume {
        Resume::Checkpoint { entry, argument } => {
            // The guest ends its blackout at the planned instant, the start of the supply the
            // prediction counted on, whether it gets here before it or after.
            if let Some(page) = vm.realtime.page_ipa() {
                let at = page + hypercall_abi::rt_page::RT_RESUME_OFFSET as u64;
                let _ = vm.write_guest(at, &arrival.resume_at_ns.to_le_bytes());
            }
            crate::vm::run::enter_vcpu(vm, arrival.vcpu, entry, argument)
        }
        Resume::Live(state) => {
            // It resumes where it stopped, unaware of the time in between: tell its RTOS, which
            // then lives through the blackout the policy predicted, to the planned instant.
            crate::partition::log_dark_span(vm, state.stopped_ns, arrival.resume_at_ns);
            el1_context::restore(&state.el1);
            let frame: TrapFrame = state.frame;
            crate::vm::run::enter_frame(vm, arrival.vcpu, &frame, false)
        }
        Resume::Reboot => {
            if !crate::vm::run::reload(vm) {
                crate::vm::run::stop_vm(vm, "reload_failed");
                crate::vm::run::idle();
            }
            crate::vm::run::enter_vcpu(vm, arrival.vcpu, vm.entry, vm.dtb_ipa)
        }
    }
}
