//! The target's side of a move: a mailbox per core, and resuming the VM there at the planned
//! instant (from its checkpoint, its live state, or its image).

use crate::arch::aarch64::{cpu, el1_context, percpu, timer};
use crate::vm::exit::TrapFrame;
use crate::vm::vms;
use alloc::boxed::Box;

/// How the moving vCPU resumes.
pub enum Resume {
    /// Fail-stop: at the guest's committed recovery entry with `x0 = argument`.
    Checkpoint { entry: u64, argument: u64 },
    /// Fail-signal: exactly where it was, with its registers.
    Live(Box<super::live::LiveState>),
    /// No checkpoint was ever committed: boot the VM again from its image.
    Reboot,
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
}

static INBOX: [spin::Mutex<Option<Arrival>>; percpu::MAX_CPUS] =
    [const { spin::Mutex::new(None) }; percpu::MAX_CPUS];

/// Hands `arrival` to core `core` and wakes it.
pub fn post(core: usize, arrival: Arrival) {
    *INBOX[core].lock() = Some(arrival);
    cpu::send_event();
    if let Some(gic) = crate::drivers::gic::get() {
        gic.send_sgi(crate::drivers::gic::KICK_SGI, core);
    }
}

/// The arrival waiting for this core, if any.
pub fn take_arrival(core: usize) -> Option<Arrival> {
    INBOX.get(core)?.try_lock()?.take()
}

/// On a survivor: the move posted to `core` that `core` never took (it failed first). Taken
/// even if `core` died holding its mailbox lock (it cannot be using it any more).
pub fn take_stranded(core: usize) -> Option<Arrival> {
    let slot = INBOX.get(core)?;
    if let Some(mut inbox) = slot.try_lock() {
        return inbox.take();
    }
    // SAFETY: `core` is declared failed and parked (or fenced), so no one else holds this lock.
    unsafe { slot.force_unlock() };
    slot.try_lock()?.take()
}

/// True when a move to some core is still waiting to be taken.
pub fn pending() -> bool {
    INBOX
        .iter()
        .any(|slot| slot.try_lock().is_none_or(|slot| slot.is_some()))
}

/// Runs `arrival` on this core: waits for the planned instant, then resumes the vCPU here.
pub fn arrive(arrival: Arrival) -> ! {
    let vm = &vms()[arrival.vm];
    let me = percpu::current_id();
    if let Some(base) = arrival.copy_to {
        if let Err(error) = vm.relocate(base) {
            log::error!(
                "vm '{}' could not be remapped at {base:#x}: {error:?}",
                vm.name
            );
            crate::vm::run::stop_vm(vm, "relocation_failed");
            crate::vm::run::idle();
        }
    }
    vm.set_vcpu_core(arrival.vcpu, me);
    crate::vm::vgic::move_vcpu(vm, arrival.vcpu, me);
    let here = percpu::current();
    here.vm.store(vm.id, core::sync::atomic::Ordering::Relaxed);
    here.vcpu
        .store(arrival.vcpu, core::sync::atomic::Ordering::Relaxed);
    let ready_ns = cpu::now_ns();
    // Wake a little before the planned instant so that entering the guest still ends by it:
    // the prediction is an upper bound the move must meet.
    let wake_ns = arrival
        .resume_at_ns
        .saturating_sub(super::inputs::RESTORE_BOUND_NS / 2);
    let resume_at = cpu::ns_to_ticks(wake_ns);
    while cpu::counter() < resume_at {
        timer::wait_for_interrupt(Some(resume_at));
        crate::vm::vgic::handle_irq();
    }
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
        );
    if let Some(fault_ns) = truth {
        // `ready_ns`: when the VM could have resumed, had it not been held to the planned instant.
        event = event
            .u64("measured_ns", now.saturating_sub(fault_ns))
            .u64("ready_ns", ready_ns.saturating_sub(fault_ns));
        super::summary::measured(vm.id, now.saturating_sub(fault_ns));
    }
    crate::console::emit(event);
    match arrival.resume {
        Resume::Checkpoint { entry, argument } => {
            crate::vm::run::enter_vcpu(vm, arrival.vcpu, entry, argument)
        }
        Resume::Live(state) => {
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
