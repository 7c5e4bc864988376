//! The VM table, published once at boot and read by every core; and what any core may do to a
//! VM wherever its vCPUs run: start a vCPU, reload its memory, mark it stopped.

use super::create::{Vm, VmState};
use crate::arch::aarch64::{cpu, percpu};
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

static VMS: spin::Once<Vec<Vm>> = spin::Once::new();

/// Publishes the VM table and wakes every core to look for its vCPUs.
pub fn publish(vms: Vec<Vm>) {
    VMS.call_once(|| vms);
    cpu::send_event();
}

/// True once the table is published.
pub fn published() -> bool {
    VMS.is_completed()
}

/// The VM table (empty until published).
pub fn vms() -> &'static [Vm] {
    VMS.get().map(|vms| vms.as_slice()).unwrap_or(&[])
}

/// True once the table is published and every VM in it has stopped and said so in the trace.
pub fn all_stopped() -> bool {
    VMS.get().is_some_and(|vms| {
        vms.iter()
            .all(|vm| vm.state() == VmState::Stopped && vm.stop_traced.load(Ordering::Acquire))
    })
}

/// The VM whose vCPU this core runs (or last ran), if any.
pub fn current_vm() -> Option<&'static Vm> {
    let id = percpu::current().vm.load(Ordering::Relaxed);
    vms().get(id)
}

/// The VM whose guest trapped on this core (the trap paths' [`current_vm`]: the table was
/// published before any guest ran).
#[inline(always)]
pub fn trapping_vm() -> Option<&'static Vm> {
    let id = percpu::current().vm.load(Ordering::Relaxed);
    // SAFETY: a guest traps only once one of its vCPUs was entered, which the run loop does
    // only after `publish` completed the table (it finds its vCPUs there).
    unsafe { VMS.get_unchecked() }.get(id)
}

/// Asks `core`'s run loop to look at what changed, interrupting its guest if one runs.
pub fn kick(core: usize) {
    percpu::of(core).attend();
    cpu::send_event();
    if core != percpu::current_id() {
        if let Some(gic) = crate::drivers::gic::get() {
            gic.send_sgi(crate::drivers::gic::KICK_SGI, core);
        }
    }
}

/// CPU_ON from a guest: asks the core of vCPU `vcpu` to start it, and wakes it.
pub fn start_vcpu(vm: &Vm, vcpu: usize, entry: u64, context: u64) {
    vm.vcpus[vcpu].request_start(entry, context);
    kick(vm.vcpus[vcpu].core());
}

/// The slowest load of a VM's memory seen (ns per MiB, at boot on the boot core alone).
static LOAD_NS_PER_MIB: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// Records a load of `bytes` of VM memory that began at `started` (counter ticks).
pub fn record_load(bytes: u64, started: u64) {
    let ns = cpu::ticks_to_ns(cpu::counter().saturating_sub(started));
    let per_mib = (u128::from(ns) << 20).div_ceil(u128::from(bytes.max(1))) as u64;
    LOAD_NS_PER_MIB.fetch_max(per_mib, Ordering::Relaxed);
}

/// Bound of reloading `bytes` of VM memory on a running machine: the slowest boot-time load,
/// scaled by the number of cores (under QEMU's `-icount` they share one instruction clock, so
/// with every core busy a core runs that much slower) and a 25 % margin.
pub fn reload_bound_ns(bytes: u64, cores: usize) -> u64 {
    let per_mib = u128::from(LOAD_NS_PER_MIB.load(Ordering::Relaxed));
    let ns = (per_mib * u128::from(bytes)).div_ceil(1 << 20) * cores.max(1) as u128 * 5 / 4;
    ns.min(u128::from(u64::MAX)) as u64
}

/// Most restarts the fault policy grants a VM before it stops it for good.
pub const RESTART_LIMIT: u32 = 3;

/// Fills the VM's memory from its image and device tree again (a reboot); false, with the
/// reason logged, if the image cannot be loaded. Long for a large VM: call it where the
/// heartbeat goes on.
pub fn reload(vm: &Vm) -> bool {
    if let Err(error) = super::create::load_image(&vm.config, vm.ram()) {
        log::error!("vm '{}' cannot be reloaded: {error:?}", vm.name);
        return false;
    }
    super::create::write_dtb(&vm.config, vm.ram(), &vm.dtb, vm.dtb_ipa);
    if let Err(error) = vm.all_ready() {
        log::error!(
            "vm '{}' cannot be reloaded: its RAM is not mapped ({error:?})",
            vm.name
        );
        return false;
    }
    true
}

/// Before `vm` boots again from its image: its console line flushed, its secondary vCPUs off
/// (vCPU 0 starts it again).
pub fn prepare_restart(vm: &Vm) {
    vm.console.finish(&vm.name);
    for slot in vm.vcpus.iter().skip(1) {
        slot.set_power(super::psci::VcpuPower::Off);
        kick(slot.core());
    }
}

/// Flushes `vm`'s console, powers its vCPUs off and marks it stopped; the first time, logs
/// (at `level`) and traces `vm_stopped` with `reason`. Returns false if it had stopped
/// already. The cores running its vCPUs find out at their next look (see [`kick`]).
pub fn mark_stopped(vm: &Vm, reason: &str, level: log::Level) -> bool {
    vm.console.finish(&vm.name);
    vm.vcpus
        .iter()
        .for_each(|slot| slot.set_power(super::psci::VcpuPower::Off));
    if !vm.set_state(VmState::Stopped) {
        return false;
    }
    log::log!(level, "vm {} '{}' stopped: {reason}", vm.id, vm.name);
    crate::console::emit(
        crate::console::event("vm_stopped")
            .u64("vm", vm.id as u64)
            .str("name", &vm.name)
            .str("reason", reason),
    );
    vm.stop_traced.store(true, Ordering::Release);
    for core in vm.vcpus.iter().map(|slot| slot.core()) {
        kick(core);
    }
    true
}
