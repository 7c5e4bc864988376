//! A guest's exceptions at EL2: decode the exit, handle it, and tell the run loop whether the
//! guest resumes or leaves ([`Exit`]). Nothing here diverges.

use super::action::{Exit, Yield};
use super::exit::{self, decode_with, ExitReason, TrapFrame};
use super::hypercall::{dispatch, GuestContext};
use super::inject::{inject_abort, AbortKind};
use super::psci::{self, PsciAction};
use super::table::{current_vm, trapping_vm};
use super::Vm;
use crate::arch::aarch64::{cpu, percpu, regs};
use hypercall_abi::{encode_result, Error};
use partition_config::OnFault;

/// What the short way ([`fast`]) did with a guest's synchronous exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Fast {
    /// Handled: the guest resumes past the trapping instruction.
    ResumePast = crate::arch::aarch64::exception::RESUME_PAST,
    /// Nothing done: [`sync`] handles it.
    Full = 1,
    /// An emulated device refused the access (and said so): [`sync`] applies the VM's fault
    /// policy without repeating it.
    Refused = 2,
}

/// The short way for the hot exits, decoded from the syndrome directly: an emulated device
/// access and a vGIC system register. `frame` holds only x0-x18 and x30 (the vectors saved
/// nothing else yet), so an access through another register goes the full way.
pub fn fast(frame: &mut TrapFrame, esr: u64) -> Fast {
    let Some(vm) = trapping_vm().filter(|vm| vm.state() != super::VmState::Stopped) else {
        return Fast::Full;
    };
    match exit::class_of(esr) {
        exit::class::DABT_LOWER => {
            let Some(access) = exit::mmio_access(esr, regs::far_el2(), regs::hpfar_el2()) else {
                return Fast::Full;
            };
            if !saved_on_the_short_way(usize::from(access.register)) {
                return Fast::Full;
            }
            let offset = access.ipa.wrapping_sub(super::vgic::GUEST_GICD);
            let result = match super::vgic::distributor(vm.id) {
                Some(gicd) if offset < super::vgic::GUEST_GICD_SIZE => {
                    perform(vm, gicd, offset, frame, access)
                }
                _ => match access_device(vm, frame, access) {
                    Some(result) => result,
                    None => return Fast::Full,
                },
            };
            match result {
                Ok(()) => Fast::ResumePast,
                Err(_) => Fast::Refused,
            }
        }
        exit::class::SYSREG => {
            let iss = exit::iss_of(esr);
            let register = super::vgic::sgi::transfer_register(iss);
            if saved_on_the_short_way(register) && super::vgic::system_register(frame, iss) {
                Fast::ResumePast
            } else {
                Fast::Full
            }
        }
        _ => Fast::Full,
    }
}

/// The registers the vectors save before [`fast`]: those a call clobbers (and XZR).
fn saved_on_the_short_way(register: usize) -> bool {
    register <= 18 || register >= 30
}

/// A trapped exception from the guest (hypercall, SMC, WFI, abort, system register), with the
/// full frame, after [`fast`] returned `note` (a [`Fast`] value) without handling it.
pub fn sync(frame: &mut TrapFrame, note: u64) -> Exit {
    // No fence check or frame bookkeeping here: a core declared failed is fenced by its own
    // overdue heartbeat interrupt, which is taken before the guest runs a single instruction
    // (physical IRQs go to EL2 whatever the guest masks), and faults are carried out by the
    // run loop.
    let esr = regs::esr_el2();
    let Some(vm) = current_vm() else {
        unreachable_without_vm(esr)
    };
    if vm.state() == super::VmState::Stopped {
        return Exit::Yield(Yield::Attention); // another vCPU powered the VM off
    }
    let reason = decode_with(esr, || (regs::far_el2(), regs::hpfar_el2()));
    if note == Fast::Refused as u64 {
        return guest_fault(vm, frame, reason);
    }
    match reason {
        ExitReason::Hypercall { .. } => call(vm, frame),
        ExitReason::SecureMonitorCall { .. } => {
            frame.elr += 4; // a trapped SMC returns to itself
            call(vm, frame)
        }
        ExitReason::WaitForInterrupt { wfe } => {
            frame.elr += 4;
            if !wfe && super::vgic::wait_for_interrupt(frame) {
                return Exit::Yield(Yield::Attention);
            }
            Exit::Resume
        }
        ExitReason::Mmio(access) => match access_device(vm, frame, access) {
            Some(Ok(())) => {
                frame.elr += 4;
                Exit::Resume
            }
            Some(Err(_)) => guest_fault(vm, frame, reason),
            None => outside(vm, frame, access),
        },
        ExitReason::SystemRegister { iss } if super::vgic::system_register(frame, iss) => {
            frame.elr += 4;
            Exit::Resume
        }
        other => fault_or_fresh_page(vm, frame, other),
    }
}

/// A fault of the guest, unless it is its first touch of a page of its RAM: that page is zeroed
/// and mapped, and the access retried.
fn fault_or_fresh_page(vm: &'static Vm, frame: &mut TrapFrame, reason: ExitReason) -> Exit {
    if fresh_page(&reason).is_some_and(|ipa| vm.touch(ipa)) {
        return Exit::Resume;
    }
    guest_fault(vm, frame, reason)
}

/// The guest-physical address of a stage-2 translation fault (a RAM page not handed over yet,
/// or no memory at all there).
fn fresh_page(reason: &ExitReason) -> Option<u64> {
    const TRANSLATION_FAULT: core::ops::RangeInclusive<u8> = 0x04..=0x07;
    match *reason {
        ExitReason::DataAbort { ipa, status, .. }
        | ExitReason::InstructionAbort { ipa, status }
            if TRANSLATION_FAULT.contains(&status) =>
        {
            Some(ipa)
        }
        _ => None,
    }
}

#[cold]
fn unreachable_without_vm(esr: u64) -> ! {
    panic!("guest exit (esr {esr:#x}) on a core without a VM");
}

/// Performs a trapped access on the emulated device at its address: None when there is none
/// there, the device's refusal (traced) if it refuses.
#[inline(always)]
fn access_device(
    vm: &'static Vm,
    frame: &mut TrapFrame,
    access: super::exit::MmioAccess,
) -> Option<Result<(), super::mmio::MmioError>> {
    let (device, offset) = vm.devices.find(access.ipa)?;
    Some(perform(vm, device, offset, frame, access))
}

/// Performs `access` at `offset` into `device`, its value from or into the guest's register;
/// a refusal is traced.
#[inline(always)]
fn perform<D: super::mmio::EmulatedDevice + ?Sized>(
    vm: &'static Vm,
    device: &D,
    offset: u64,
    frame: &mut TrapFrame,
    access: super::exit::MmioAccess,
) -> Result<(), super::mmio::MmioError> {
    let here = percpu::current();
    let accessor = super::mmio::Accessor {
        vm: vm.id,
        vcpu: here.vcpu.load(core::sync::atomic::Ordering::Relaxed),
        core: here.id.load(core::sync::atomic::Ordering::Relaxed),
    };
    let register = usize::from(access.register);
    let result = if access.write {
        device.write(accessor, offset, access.size, frame.reg(register))
    } else {
        match device.read(accessor, offset, access.size) {
            Ok(raw) => {
                let (size, sign, wide) = (access.size, access.sign_extend, access.sixty_four);
                frame.set_reg(register, super::mmio::load_value(raw, size, sign, wide));
                Ok(())
            }
            Err(error) => Err(error),
        }
    };
    if let Err(error) = result {
        refused(vm, device.name(), offset, error);
    }
    result
}

/// An access to no device: the guest's fault (or its first touch of a page of its RAM).
#[cold]
#[inline(never)]
fn outside(vm: &'static Vm, frame: &mut TrapFrame, access: super::exit::MmioAccess) -> Exit {
    let outside = ExitReason::DataAbort {
        ipa: access.ipa,
        write: access.write,
        status: 0x07,
    };
    fault_or_fresh_page(vm, frame, outside)
}

/// An access the device refused: said at debug level (the guest's fault follows).
#[cold]
#[inline(never)]
fn refused(vm: &Vm, device: &str, offset: u64, error: super::mmio::MmioError) {
    log::debug!("vm '{}': {device} {error:?} at +{offset:#x}", vm.name);
}

/// Answers a hypercall or a PSCI call (either conduit) in place.
#[inline(never)]
fn call(vm: &'static Vm, frame: &mut TrapFrame) -> Exit {
    let function = frame.x[0];
    if psci::is_psci(function) {
        match psci::handle(function, [frame.x[1], frame.x[2], frame.x[3]], vm) {
            PsciAction::Return(value) => frame.x[0] = value as u64,
            PsciAction::StartVcpu {
                vcpu,
                entry,
                context,
            } => {
                super::table::start_vcpu(vm, vcpu, entry, context);
                frame.x[0] = psci::status::SUCCESS as u64;
            }
            PsciAction::StopVm => return Exit::Yield(Yield::Stop("system_off")),
            PsciAction::ResetVm => return Exit::Yield(Yield::Restart("system_reset")),
            PsciAction::StopVcpu => return Exit::Yield(Yield::VcpuOff),
        }
        return Exit::Resume;
    }
    let args = [
        frame.x[1], frame.x[2], frame.x[3], frame.x[4], frame.x[5], frame.x[6],
    ];
    let mut context = Caller { vm };
    let result = dispatch(function, args, &mut context);
    if let Err(error) = result {
        log::debug!(
            "vm '{}': hypercall {function:#x} refused: {}",
            vm.name,
            error.name()
        );
    }
    let (status, values) = encode_result(result);
    frame.x[0] = status;
    frame.x[1..4].copy_from_slice(&values);
    Exit::Resume
}

/// The calling vCPU as the hypercall layer sees it.
struct Caller {
    vm: &'static Vm,
}

impl GuestContext for Caller {
    fn read_guest(&self, ipa: u64, buffer: &mut [u8]) -> Result<(), Error> {
        self.vm.read_guest(ipa, buffer)
    }

    fn console_write(&mut self, bytes: &[u8]) {
        self.vm.console.push(&self.vm.name, bytes);
    }

    fn identity(&self) -> [u64; 3] {
        let here = percpu::current();
        let vcpu = here.vcpu.load(core::sync::atomic::Ordering::Relaxed);
        [self.vm.id as u64, vcpu as u64, percpu::current_id() as u64]
    }

    fn clock(&self) -> (u64, u64) {
        (cpu::counter_frequency(), cpu::counter())
    }

    fn realtime(&self) -> &super::paravirt::RealTime {
        &self.vm.realtime
    }

    fn trace_realtime(&mut self, event: super::paravirt::RtEvent) {
        let line = event.fields(
            crate::console::event(event.name()),
            self.vm.id as u64,
            &self.vm.name,
        );
        crate::console::emit(line);
    }
}

/// The guest did something the hypervisor does not allow or emulate: trace it and apply the
/// VM's fault policy (reflect an abort into the guest, stop it, or restart it).
#[cold]
#[inline(never)]
fn guest_fault(vm: &'static Vm, frame: &mut TrapFrame, reason: ExitReason) -> Exit {
    let (kind, address, abort) = match reason {
        ExitReason::Mmio(access) => (
            "mmio_denied",
            access.ipa,
            Some(AbortKind::Data {
                write: access.write,
            }),
        ),
        ExitReason::DataAbort { ipa, write, .. } => {
            ("outside_map", ipa, Some(AbortKind::Data { write }))
        }
        ExitReason::InstructionAbort { ipa, .. } => {
            ("instruction_abort", ipa, Some(AbortKind::Instruction))
        }
        ExitReason::SystemRegister { iss } => ("system_register", u64::from(iss), None),
        ExitReason::Other { class, .. } => ("unknown_exception", u64::from(class), None),
        _ => ("unexpected", 0, None),
    };
    let policy = vm.config.on_fault;
    let action = match (policy, abort) {
        (OnFault::Inject, Some(_)) => "inject",
        (OnFault::Restart, _) => "restart",
        _ => "stop",
    };
    log::warn!(
        "vm '{}' {kind} at {address:#x} (pc {:#x}): {action}",
        vm.name,
        frame.elr
    );
    crate::console::emit(
        crate::console::event("vm_fault")
            .u64("vm", vm.id as u64)
            .str("name", &vm.name)
            .str("kind", kind)
            .field("address", crate::trace::Value::Hex(address))
            .field("pc", crate::trace::Value::Hex(frame.elr))
            .str("action", action),
    );
    match (action, abort) {
        ("inject", Some(abort)) => {
            let injection = inject_abort(frame, abort, regs::far_el2(), regs::vbar_el1());
            regs::set_el1_abort(injection.esr, injection.far, injection.elr, injection.spsr);
            Exit::Resume
        }
        ("restart", _) => Exit::Yield(Yield::Restart(kind)),
        _ => Exit::Yield(Yield::Stop(kind)),
    }
}

/// An interrupt while a guest ran: forwarded to it through the vGIC, or the hypervisor's own
/// (its heartbeat, a slot's end, a kick); the guest leaves if the run loop has to look.
pub fn irq(_frame: &mut TrapFrame) -> Exit {
    super::vgic::handle_irq();
    if percpu::current()
        .attention
        .load(core::sync::atomic::Ordering::Acquire)
    {
        Exit::Yield(Yield::Attention)
    } else {
        Exit::Resume
    }
}

/// An SError from the guest: contained by its VM's fault policy.
pub fn serror(frame: &mut TrapFrame) -> Exit {
    match current_vm() {
        Some(vm) => guest_fault(
            vm,
            frame,
            ExitReason::Other {
                class: 0x2f,
                iss: regs::esr_el2() as u32,
            },
        ),
        None => Exit::Yield(Yield::Attention),
    }
}

/// An AArch32 guest or an FIQ: not supported, contained by its VM's fault policy.
pub fn unsupported(frame: &mut TrapFrame) -> Exit {
    match current_vm() {
        Some(vm) => {
            let class = (regs::esr_el2() >> 26) as u8;
            guest_fault(vm, frame, ExitReason::Other { class, iss: 0 })
        }
        None => Exit::Yield(Yield::Attention),
    }
}
