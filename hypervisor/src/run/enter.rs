//! Entering a hosted vCPU from whatever state it is in: back into a guest that only left for
//! the run loop (its EL1 state still on the core), a switched-out one (its whole context loaded
//! again), a fresh start, or a migrant landing here. Also the other half of a switch: saving
//! the vCPU whose state is on the core.

use super::core::{self as local, Core, State};
use crate::arch::aarch64::{cpu, el1_context, exception, percpu, regs};
use crate::arch::TrapFrame;
use crate::migration::arrival::{self, Landing};
use crate::partition::context;
use crate::vm::{vms, Vm, VmState};
use alloc::boxed::Box;
use core::sync::atomic::Ordering;

/// The frame each core enters its guest with, kept outside the stack that entering resets.
static ENTRY: [spin::Mutex<TrapFrame>; percpu::MAX_CPUS] =
    [const { spin::Mutex::new(TrapFrame::ZERO) }; percpu::MAX_CPUS];

/// Saves the vCPU whose state is on this core completely (it is switched out), quieting what
/// it leaves behind: its timers off, its virtual interface empty.
pub fn save_loaded(core: &mut Core) {
    let Some(index) = core.loaded.take() else {
        return;
    };
    let hosted = &mut core.hosted[index];
    if let State::Loaded(frame) = hosted.state {
        let mut saved = Box::new(context::save(&frame));
        // Its dark span starts at its slot's planned end, not at the few microseconds later when
        // the timer interrupt got here: its RTOS then counts exactly the supply the policy
        // planned with (the extra moments only ever add supply, which it does not claim).
        if core.slot_end != 0 && cpu::counter() >= core.slot_end {
            saved.out_ns = cpu::ticks_to_ns(core.slot_end);
        }
        hosted.state = State::Saved(saved);
    }
    percpu::current().vm.store(usize::MAX, Ordering::Relaxed);
}

/// Enters hosted vCPU `index` now. `slot`: the slot it runs in, `(start, end)` in ticks, on a
/// core in time partitions. The heartbeat goes on until the last instructions before the guest.
pub fn enter(index: usize, slot: Option<(u64, u64)>) -> ! {
    crate::drivers::gic::with_timer_only(|| prepare_and_go(index, slot))
}

fn prepare_and_go(index: usize, slot: Option<(u64, u64)>) -> ! {
    let me = percpu::current_id();
    let mut core = local::this();
    if core.loaded.is_some_and(|loaded| loaded != index) {
        save_loaded(&mut core);
    }
    core.slot_end = slot.map_or(0, |(_, end)| end);
    let (vm_id, vcpu) = (core.hosted[index].vm, core.hosted[index].vcpu);
    let state = core::mem::replace(
        &mut core.hosted[index].state,
        State::Loaded(TrapFrame::ZERO),
    );
    core.loaded = Some(index);
    let vm = &vms()[vm_id];
    let here = percpu::current();
    here.vm.store(vm_id, Ordering::Relaxed);
    here.vcpu.store(vcpu, Ordering::Relaxed);
    match state {
        // It only left for the run loop: nothing of it left the core but its registers.
        State::Loaded(frame) => {
            drop(core);
            go(vm, vcpu, &frame, Entry::Same)
        }
        State::Saved(saved) => {
            context::load(&saved);
            crate::vm::vgic::move_vcpu(vm, vcpu, me);
            crate::vm::vgic::refill_here();
            let slot_start = slot.map_or(cpu::counter(), |(start, _)| start);
            core.switches += 1;
            core.worst_switch = core
                .worst_switch
                .max(cpu::counter().saturating_sub(slot_start));
            drop(core);
            // The slot's supply starts at the switch bound, however fast this switch was: the
            // vCPU gets exactly what the policy planned with, every period.
            let supply = slot_start + cpu::ns_to_ticks(crate::migration::SWITCH_BOUND_NS);
            serve_until(supply);
            crate::partition::dark_span::log(vm, saved.out_ns, cpu::ticks_to_ns(supply));
            // `go` never returns: whatever this frame owns must be freed before it.
            let frame = saved.frame;
            drop(saved);
            go(vm, vcpu, &frame, Entry::Restored)
        }
        State::Start { entry, argument } => {
            drop(core);
            context::load_fresh();
            crate::vm::vgic::move_vcpu(vm, vcpu, me);
            started(vm, vcpu, entry);
            go(vm, vcpu, &TrapFrame::boot(entry, argument), Entry::Fresh)
        }
        State::Arriving(arriving) => {
            drop(core);
            context::load_fresh();
            // Out of its box in a scope of its own: the box is freed before `go`, which never
            // returns.
            let arriving = {
                let boxed = arriving;
                *boxed
            };
            let resume_at = arrival::enter_not_before(&arriving);
            let landing = arrival::land(arriving);
            // Everything is ready: the guest resumes now (`asap`), or at the planned instant
            // itself, the start of the supply its prediction counted on (`planned`).
            serve_until(resume_at);
            match landing {
                Landing::Fresh { entry, argument } => {
                    started(vm, vcpu, entry);
                    go(vm, vcpu, &TrapFrame::boot(entry, argument), Entry::Fresh)
                }
                Landing::Live(state) => {
                    el1_context::restore(&state.el1);
                    started(vm, vcpu, state.frame.elr);
                    let frame = state.frame;
                    drop(state);
                    go(vm, vcpu, &frame, Entry::Restored)
                }
            }
        }
        State::Off | State::Reboot => {
            unreachable!("the run loop never enters a vCPU that is off or not reloaded")
        }
    }
}

/// Traces a vCPU entering its guest from its start or after a move.
fn started(vm: &Vm, vcpu: usize, entry: u64) {
    crate::console::emit(
        crate::console::event("vm_started")
            .u64("vm", vm.id as u64)
            .str("name", &vm.name)
            .u64("vcpu", vcpu as u64)
            .field("entry", crate::trace::Value::Hex(entry)),
    );
}

/// What the guest's EL1 and stage-2 state is at entry.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// Still on the core from when it left: only its registers are loaded.
    Same,
    /// Restored (EL1 registers loaded from its saved context): stage 2 and traps are set up.
    Restored,
    /// A fresh start: EL1 at its reset values.
    Fresh,
}

/// Enters vCPU `vcpu` of `vm` with the registers of `frame`.
fn go(vm: &Vm, vcpu: usize, frame: &TrapFrame, entry: Entry) -> ! {
    let me = percpu::current_id();
    vm.vcpus[vcpu].set_power(crate::vm::psci::VcpuPower::On);
    if vm.state() == VmState::Created {
        vm.set_state(VmState::Running);
    }
    percpu::current().set_state(percpu::CoreState::Running);
    if entry != Entry::Same {
        regs::allow_el1_counter();
        regs::enter_guest_context(
            vm.stage2_root | (vm.vmid() << 48),
            regs::vtcr(),
            vcpu as u64,
            entry == Entry::Fresh,
        );
    }
    let pointer = {
        let mut slot = ENTRY[me].lock();
        *slot = *frame;
        &*slot as *const TrapFrame
    };
    crate::drivers::gic::close_timer_window();
    // Declared failed meanwhile (the heartbeat only noted it): never run a guest again.
    crate::health::fence_if_declared_failed();
    // SAFETY: the frame lives in a static, not on the stack being reset (the guard is gone and
    // only this core uses its slot), and describes EL1h at an entry inside the VM's memory
    // with its stage-2 map loaded.
    unsafe { exception::enter(pointer) }
}

/// Waits at EL2 until `deadline` (counter ticks), serving the interrupts that come meanwhile
/// (a heartbeat; the interrupts of the vCPU about to run go to its list registers).
pub fn serve_until(deadline: u64) {
    while cpu::counter() < deadline {
        crate::arch::aarch64::timer::wait_for_interrupt(Some(deadline));
        crate::vm::vgic::handle_irq();
    }
}
