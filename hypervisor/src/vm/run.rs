//! The per-core run loop: find this core's vCPU, enter it, and stop it when it powers off.

use super::create::{Vm, VmState};
use super::exit::TrapFrame;
use crate::arch::aarch64::{cpu, exception, percpu, psci, regs};
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

static VMS: spin::Once<Vec<Vm>> = spin::Once::new();

/// Publishes the VM table and wakes every core to look for its vCPU.
pub fn publish(vms: Vec<Vm>) {
    VMS.call_once(|| vms);
    cpu::send_event();
}

/// The VM table (empty until published).
pub fn vms() -> &'static [Vm] {
    VMS.get().map(|vms| vms.as_slice()).unwrap_or(&[])
}

/// True once the table is published and every VM in it has stopped.
pub fn all_stopped() -> bool {
    VMS.get()
        .is_some_and(|vms| vms.iter().all(|vm| vm.state() == VmState::Stopped))
}

/// The VM and vCPU index placed on core `core`, if any.
fn placement(core: usize) -> Option<(&'static Vm, usize)> {
    vms().iter().find_map(|vm| Some((vm, vm.vcpu_on(core)?)))
}

/// Waits for the VM table, then runs this core's vCPU whenever it is started; cores without
/// one go idle.
pub fn run_this_core() -> ! {
    cpu::wait_until(u64::MAX, || VMS.is_completed());
    crate::health::start();
    let core = percpu::current_id();
    let Some((vm, vcpu)) = placement(core) else {
        idle()
    };
    let here = percpu::current();
    here.vm.store(vm.id, Ordering::Relaxed);
    here.vcpu.store(vcpu, Ordering::Relaxed);
    if vcpu == 0 {
        vm.vcpus[0].request_start(vm.entry, vm.dtb_ipa);
    }
    wait_and_enter(vm, vcpu)
}

/// Waits (WFE) until vCPU `vcpu` of `vm` is asked to start, then enters it.
fn wait_and_enter(vm: &'static Vm, vcpu: usize) -> ! {
    loop {
        if vm.state() == VmState::Stopped {
            idle();
        }
        if let Some((entry, context)) = vm.vcpus[vcpu].take_start() {
            enter_vcpu(vm, vcpu, entry, context);
        }
        sleep();
    }
}

/// Enters vCPU `vcpu` of `vm` on this core at `entry` with `x0 = context`.
pub fn enter_vcpu(vm: &'static Vm, vcpu: usize, entry: u64, context: u64) -> ! {
    enter_frame(vm, vcpu, &TrapFrame::boot(entry, context), true)
}

/// Enters vCPU `vcpu` of `vm` on this core with the registers of `start`; `fresh` resets the
/// EL1 state (a boot or a recovery entry) instead of keeping what was restored (live move).
pub fn enter_frame(vm: &'static Vm, vcpu: usize, start: &TrapFrame, fresh: bool) -> ! {
    crate::console::emit(
        crate::console::event("vm_started")
            .u64("vm", vm.id as u64)
            .str("name", &vm.name)
            .u64("vcpu", vcpu as u64)
            .field("entry", crate::trace::Value::Hex(start.elr)),
    );
    resume_frame(vm, vcpu, start, fresh)
}

/// Enters vCPU `vcpu` of `vm` on this core with the registers of `start`, silently (a time
/// partition switching it back in); `fresh` as for [`enter_frame`].
pub fn resume_frame(vm: &'static Vm, vcpu: usize, start: &TrapFrame, fresh: bool) -> ! {
    let core = percpu::current_id();
    let here = percpu::current();
    here.vm.store(vm.id, Ordering::Relaxed);
    here.vcpu.store(vcpu, Ordering::Relaxed);
    vm.vcpus[vcpu].set_power(super::psci::VcpuPower::On);
    vm.set_state(VmState::Running);
    percpu::current().set_state(percpu::CoreState::Running);
    regs::allow_el1_counter();
    regs::enter_guest_context(
        vm.stage2_root | (vm.vmid() << 48),
        regs::vtcr(),
        vcpu as u64,
        fresh,
    );
    // The guard must be gone before `enter` (which never returns): the pointer stays valid
    // because the frame lives in the static, and only this core uses its slot.
    let pointer = {
        let mut frame = BOOT_FRAMES[core].lock();
        *frame = *start;
        &*frame as *const TrapFrame
    };
    // SAFETY: the frame lives in a static, not on the stack being reset, and describes EL1h at
    // an entry inside the VM's memory with its stage-2 map loaded above.
    unsafe { exception::enter(pointer, stack_top(core)) }
}

/// CPU_OFF: this vCPU stops; the VM stops with its last vCPU, else the core waits for CPU_ON.
pub fn stop_vcpu() -> ! {
    super::vgic::release_this_core();
    let Some(vm) = current_vm() else { idle() };
    let vcpu = percpu::current().vcpu.load(Ordering::Relaxed);
    vm.vcpus[vcpu].set_power(super::psci::VcpuPower::Off);
    if vm
        .vcpus
        .iter()
        .all(|slot| slot.power() == super::psci::VcpuPower::Off)
    {
        stop_current("cpu_off");
    }
    // On a core in time partitions the vCPU gives up its slot: the core must not wait for it.
    if crate::partition::leave(vm.id, vcpu, false) {
        crate::partition::run();
    }
    percpu::current().set_state(percpu::CoreState::Online);
    wait_and_enter(vm, vcpu)
}

/// CPU_ON from a guest: asks the core of vCPU `vcpu` to start it, and wakes it.
pub fn start_vcpu(vm: &'static Vm, vcpu: usize, entry: u64, context: u64) {
    vm.vcpus[vcpu].request_start(entry, context);
    cpu::send_event();
}

/// Start frames of each core's vCPU, kept outside the stacks that `enter` resets.
static BOOT_FRAMES: [spin::Mutex<TrapFrame>; percpu::MAX_CPUS] =
    [const { spin::Mutex::new(TrapFrame::ZERO) }; percpu::MAX_CPUS];

/// The top of this core's EL2 stack.
fn stack_top(core: usize) -> u64 {
    let slot = if core == crate::boot::boot_core() {
        percpu::MAX_CPUS
    } else {
        core
    };
    let stacks = core::ptr::addr_of!(percpu::STACKS) as u64;
    stacks + ((slot + 1) * percpu::STACK_SIZE) as u64
}

/// Most restarts the fault policy grants a VM before it stops it for good.
pub const RESTART_LIMIT: u32 = 3;

/// Restarts the VM on this core from its image (its fault policy says so), or stops it once it
/// has used up its restarts.
pub fn restart_current(reason: &str) -> ! {
    let Some(vm) = current_vm() else { idle() };
    let count = vm.restarts.fetch_add(1, Ordering::AcqRel) + 1;
    if count > RESTART_LIMIT {
        stop_current("restart_limit");
    }
    vm.console.finish(&vm.name);
    super::vgic::release_this_core();
    super::vgic::reset(vm.id);
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
    if !reload(vm) {
        stop_current("reload_failed");
    }
    for slot in vm.vcpus.iter().skip(1) {
        slot.set_power(super::psci::VcpuPower::Off);
    }
    // On a core in time partitions it boots again at the start of its next slot.
    let vcpu = percpu::current().vcpu.load(Ordering::Relaxed);
    if crate::partition::leave(vm.id, vcpu, true) {
        crate::partition::run();
    }
    enter_vcpu(vm, 0, vm.entry, vm.dtb_ipa)
}

/// Fills the VM's memory from its image and device tree again (a reboot); false, with the
/// reason logged, if the image cannot be loaded.
pub fn reload(vm: &Vm) -> bool {
    if let Err(error) = super::create::load_image(&vm.config, vm.ram()) {
        log::error!("vm '{}' cannot be reloaded: {error:?}", vm.name);
        return false;
    }
    super::create::write_dtb(&vm.config, vm.ram(), &vm.dtb, vm.dtb_ipa);
    true
}

/// Stops `vm` from any core (its own core may be dead): it will not run again.
pub fn stop_vm(vm: &Vm, reason: &str) {
    mark_stopped(vm, reason, log::Level::Warn);
    super::vgic::kick_vcpus(vm.id);
    cpu::send_event();
}

/// Flushes `vm`'s console, powers its vCPUs off and marks it stopped; the first time, logs
/// (at `level`) and traces `vm_stopped` with `reason`.
fn mark_stopped(vm: &Vm, reason: &str, level: log::Level) {
    vm.console.finish(&vm.name);
    vm.vcpus
        .iter()
        .for_each(|slot| slot.set_power(super::psci::VcpuPower::Off));
    if vm.set_state(VmState::Stopped) {
        log::log!(level, "vm {} '{}' stopped: {reason}", vm.id, vm.name);
        crate::console::emit(
            crate::console::event("vm_stopped")
                .u64("vm", vm.id as u64)
                .str("name", &vm.name)
                .str("reason", reason),
        );
    }
}

/// The VM running on this core, if any.
pub fn current_vm() -> Option<&'static Vm> {
    let id = percpu::current().vm.load(Ordering::Relaxed);
    vms().get(id)
}

/// Stops the VM on this core (it powered off or was stopped by policy) and idles the core.
pub fn stop_current(reason: &str) -> ! {
    super::vgic::release_this_core();
    let vcpu = percpu::current().vcpu.load(Ordering::Relaxed);
    let current = current_vm();
    if let Some(vm) = current {
        mark_stopped(vm, reason, log::Level::Info);
        super::vgic::kick_vcpus(vm.id);
    }
    percpu::current().vm.store(usize::MAX, Ordering::Relaxed);
    // The other VMs of a core in time partitions run on in their slots.
    if current.is_some_and(|vm| crate::partition::leave(vm.id, vcpu, false)) {
        crate::partition::run();
    }
    percpu::current().set_state(percpu::CoreState::Online);
    idle()
}

/// A core with nothing to run: it beats, takes VMs that migrate to it, serves the console (the
/// boot core, or the lowest surviving core if the boot core died), and powers the machine off
/// once every VM has stopped.
pub fn idle() -> ! {
    let me = percpu::current_id();
    percpu::current().vm.store(usize::MAX, Ordering::Relaxed);
    loop {
        if let Some(arrival) = crate::migration::take_arrival(me) {
            crate::partition::accept(arrival);
            if crate::partition::active(me) {
                crate::partition::run();
            }
        }
        if all_stopped() && !crate::migration::pending() {
            finish();
        }
        if me == console_core() {
            crate::shell::poll();
        }
        crate::migration::copy::calibrate_here();
        sleep();
    }
}

/// The core that serves the console: the boot core, or the lowest core still alive.
fn console_core() -> usize {
    use crate::health::detector::Health;
    let beats = crate::health::heartbeats();
    let boot = crate::boot::boot_core();
    if beats.health(boot) != Health::Failed && beats.health(boot) != Health::Signalled {
        return boot;
    }
    (0..percpu::MAX_CPUS)
        .find(|&core| beats.health(core) == Health::Alive)
        .unwrap_or(boot)
}

/// Waits at EL2 until `deadline` (counter ticks), serving the interrupts that come meanwhile
/// (a heartbeat; the interrupts of the vCPU about to run go to its list registers).
pub fn serve_until(deadline: u64) {
    while cpu::counter() < deadline {
        crate::arch::aarch64::timer::wait_for_interrupt(Some(deadline));
        super::vgic::handle_irq();
    }
}

/// Sleeps until an interrupt (the heartbeat at the latest) and handles it; without a GIC it
/// waits for an event instead.
fn sleep() {
    if crate::drivers::gic::get().is_some() && crate::arch::aarch64::timer::deadline().is_some() {
        crate::arch::aarch64::timer::wait_for_interrupt(None);
        super::vgic::handle_irq();
    } else {
        cpu::wait_for_event();
    }
}

/// Every VM has stopped: report and power the machine off.
pub fn finish() -> ! {
    static FINISHING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
    if FINISHING.swap(true, Ordering::AcqRel) {
        cpu::park(); // another core is already powering off
    }
    crate::migration::summary::print();
    log::info!("all VMs stopped; powering off");
    crate::console::emit(
        crate::console::event("system_off")
            .u64("vms", vms().len() as u64)
            .u64("heap_used", crate::heap::used() as u64),
    );
    psci::system_off();
    cpu::park()
}
