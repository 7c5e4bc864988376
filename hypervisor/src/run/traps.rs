//! The handlers of the EL2 vectors ([`Traps`]): a guest's exception goes to the VM layer,
//! which says whether the guest resumes or leaves; a guest that leaves is recorded in this
//! core's state and the run loop starts afresh. Exceptions at EL2 itself are the heartbeat
//! (inside long work) or a hypervisor bug.

use super::core::{self as local, State};
use crate::arch::aarch64::exception::{restart_on_stack, Traps};
use crate::arch::aarch64::{percpu, regs};
use crate::arch::TrapFrame;
use crate::vm::action::{Exit, Yield};
use crate::vm::table::RESTART_LIMIT;
use crate::vm::vms;
use core::sync::atomic::Ordering;

/// The hypervisor's trap handlers.
pub struct Kairos;

crate::exception_vectors!(Kairos);

impl Traps for Kairos {
    extern "C" fn guest_sync_fast(frame: &mut TrapFrame, esr: u64) -> u64 {
        crate::vm::trap::fast(frame, esr) as u64
    }

    extern "C" fn guest_sync(frame: &mut TrapFrame, note: u64) {
        let exit = crate::vm::trap::sync(frame, note);
        after(frame, exit);
    }

    extern "C" fn guest_irq(frame: &mut TrapFrame) -> bool {
        crate::vm::trap::irq(frame) != Exit::Resume
    }

    extern "C" fn guest_irq_leave(frame: &mut TrapFrame) {
        after(frame, Exit::Yield(Yield::Attention));
    }

    extern "C" fn guest_serror(frame: &mut TrapFrame) {
        let exit = crate::vm::trap::serror(frame);
        after(frame, exit);
    }

    extern "C" fn guest_unsupported(frame: &mut TrapFrame) {
        let exit = crate::vm::trap::unsupported(frame);
        after(frame, exit);
    }

    extern "C" fn hypervisor_sync(frame: &mut TrapFrame) {
        panic!(
            "EL2 synchronous exception: esr {:#x} elr {:#x} far {:#x}",
            regs::esr_el2(),
            frame.elr,
            regs::far_el2()
        );
    }

    extern "C" fn hypervisor_irq(_frame: &mut TrapFrame) {
        crate::health::on_el2_interrupt();
    }

    extern "C" fn hypervisor_serror(frame: &mut TrapFrame) {
        panic!(
            "EL2 SError: esr {:#x} elr {:#x}",
            regs::esr_el2(),
            frame.elr
        );
    }

    extern "C" fn hypervisor_unexpected(frame: &mut TrapFrame) {
        panic!(
            "EL2 unexpected exception: esr {:#x} elr {:#x}",
            regs::esr_el2(),
            frame.elr
        );
    }
}

/// Back into the guest, or out of it to the run loop.
fn after(frame: &TrapFrame, exit: Exit) {
    if let Exit::Yield(why) = exit {
        leave(frame, why)
    }
}

/// The vCPU running here leaves its guest (registers in `frame`): its state is recorded for
/// the run loop, which then starts afresh on this core's stack.
fn leave(frame: &TrapFrame, why: Yield) -> ! {
    let stopping = {
        let mut core = local::this();
        match core.loaded {
            Some(index) => {
                let (vm, vcpu) = (core.hosted[index].vm, core.hosted[index].vcpu);
                core.hosted[index].state = State::Loaded(*frame);
                match why {
                    Yield::Attention => None,
                    Yield::VcpuOff => {
                        crate::vm::vgic::release_this_core();
                        core.hosted[index].state = State::Off;
                        core.loaded = None;
                        percpu::current().vm.store(usize::MAX, Ordering::Relaxed);
                        vcpu_off(vm, vcpu)
                    }
                    Yield::Stop(reason) => Some((vm, reason)),
                    Yield::Restart(reason) => {
                        let restarted = restart(vm, reason);
                        if restarted {
                            core.hosted[index].state = State::Reboot;
                            core.loaded = None;
                            percpu::current().vm.store(usize::MAX, Ordering::Relaxed);
                        }
                        (!restarted).then_some((vm, "restart_limit"))
                    }
                }
            }
            None => None,
        }
    };
    if let Some((vm, reason)) = stopping {
        crate::migration::stop_vm(&vms()[vm], reason, log::Level::Info);
    }
    restart_on_stack(super::main_loop::run)
}

/// vCPU `vcpu` of `vm` powered off: the VM stops with its last vCPU.
fn vcpu_off(vm: usize, vcpu: usize) -> Option<(usize, &'static str)> {
    let slots = &vms()[vm].vcpus;
    slots[vcpu].set_power(crate::vm::psci::VcpuPower::Off);
    slots
        .iter()
        .all(|slot| slot.power() == crate::vm::psci::VcpuPower::Off)
        .then_some((vm, "cpu_off"))
}

/// Prepares `vm` to boot again from its image (its fault policy, or SYSTEM_RESET); false once
/// it used up its restarts. Its memory is reloaded by the run loop.
fn restart(vm: usize, reason: &str) -> bool {
    let vm = &vms()[vm];
    let count = vm.restarts.fetch_add(1, Ordering::AcqRel) + 1;
    if count > RESTART_LIMIT {
        return false;
    }
    crate::vm::table::prepare_restart(vm);
    crate::vm::vgic::release_this_core();
    crate::vm::vgic::reset(vm.id);
    log::warn!(
        "vm {} '{}' restarting ({reason}), restart {count} of {RESTART_LIMIT}",
        vm.id,
        vm.name
    );
    crate::console::emit(
        crate::console::event("vm_restarted")
            .u64("vm", vm.id as u64)
            .str("name", &vm.name)
            .u64("count", u64::from(count)),
    );
    true
}
