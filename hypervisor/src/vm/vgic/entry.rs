//! The virtual GIC's entry points on the machine: building a VM's devices, the table of VMs'
//! virtual GICs, and the paths into it: a physical interrupt taken at EL2, a trapped WFI, a
//! trapped ICC_SGI1R_EL1 write; and what stopping or restarting a vCPU must undo.

use super::delivery::{self, Backend};
use super::distributor::{raise_sgi, Distributor};
use super::hardware::{machine, Hardware, PPI_RESYNC};
use super::injection;
use super::redistributor::Redistributors;
use super::state::{Version, Vgic};
use super::{sgi, GUEST_GICC};
use crate::arch::aarch64::percpu::{self, MAX_CPUS};
use crate::arch::aarch64::{regs, timer};
use crate::drivers::gic::{self, KICK_SGI};
use crate::vm::exit::TrapFrame;
use crate::vm::mmio::EmulatedDevice;
use alloc::{boxed::Box, sync::Arc, vec::Vec};
use core::sync::atomic::Ordering::Relaxed;

static VGICS: [spin::Once<Arc<Vgic>>; MAX_CPUS] = [const { spin::Once::new() }; MAX_CPUS];
/// Each VM's distributor, reachable without searching its device list (the hot trap path).
static DISTRIBUTORS: [spin::Once<Arc<Distributor<Hardware>>>; MAX_CPUS] =
    [const { spin::Once::new() }; MAX_CPUS];

/// The emulated GIC devices of VM `vm` (built from `config`, plus `virtual_spis`: the SPIs of
/// its emulated devices, with no physical line behind them), to add to its device list.
/// Empty (the guest then has no interrupt controller) when the machine offers no virtual
/// CPU interface.
pub fn devices(
    vm: usize,
    config: &partition_config::VmConfig,
    virtual_spis: &[u32],
) -> Vec<Box<dyn EmulatedDevice>> {
    let (Some(gic), Some(platform)) = (gic::get(), crate::machine::platform()) else {
        return Vec::new();
    };
    if gic::virtual_interface().is_none() || vm >= MAX_CPUS {
        log::error!(
            "vm {vm}: no GIC virtual interface (GICH) on this machine; the guest gets no GIC"
        );
        return Vec::new();
    }
    let version = if gic.version() == 2 {
        Version::V2
    } else {
        Version::V3
    };
    let cores: Vec<usize> = config.cpus.iter().map(|&core| core as usize).collect();
    let timers = platform
        .timer
        .map_or([27, 30], |timer| [timer.virt_irq, timer.phys_irq]);
    let spis: Vec<u32> = config
        .interrupts
        .iter()
        .copied()
        .filter(|&intid| intid <= gic.max_intid())
        .collect();
    if spis.len() != config.interrupts.len() {
        log::error!(
            "vm {vm}: SPIs above INTID {} do not exist on this GIC; not given",
            gic.max_intid()
        );
    }
    let vgic = VGICS[vm].call_once(|| {
        let mut vgic = Vgic::new(vm, version, &cores, &spis, &timers);
        virtual_spis
            .iter()
            .for_each(|&intid| vgic.claim_virtual_spi(intid));
        Arc::new(vgic)
    });
    let distributor =
        DISTRIBUTORS[vm].call_once(|| Arc::new(Distributor::new(vgic.clone(), Hardware)));
    let mut devices: Vec<Box<dyn EmulatedDevice>> = alloc::vec![Box::new(distributor.clone())];
    if version == Version::V3 {
        devices.push(Box::new(Redistributors::new(vgic.clone(), Hardware)));
    }
    devices
}

/// Builds VM `vm`'s virtual GIC: maps what its CPU interface needs into `stage2` and returns
/// its emulated devices (see `devices` and `stage2_mappings`).
pub fn attach(
    vm: usize,
    config: &partition_config::VmConfig,
    virtual_spis: &[u32],
    stage2: &mut crate::mm::PageTable,
) -> Result<Vec<Box<dyn EmulatedDevice>>, crate::mm::MapError> {
    use crate::mm::{Access, MemoryKind};
    let devices = devices(vm, config, virtual_spis);
    if !devices.is_empty() {
        for (ipa, physical, size) in stage2_mappings() {
            stage2.map(ipa, physical, size, MemoryKind::Device, Access::ReadWrite)?;
        }
    }
    Ok(devices)
}

/// Stage-2 mappings `(guest address, physical address, size)` the VM's CPU interface needs:
/// on GICv2 the GICV frame at the guest's GICC address; none on GICv3. Map them as device
/// memory, read-write.
pub fn stage2_mappings() -> Vec<(u64, u64, u64)> {
    match crate::machine::platform().map(|platform| &platform.gic) {
        Some(platform::Gic::V2 {
            vcpu: Some(frame), ..
        }) => {
            let size = frame.size.min(0x2000).next_multiple_of(0x1000); // GICC and GICC_DIR pages
            alloc::vec![(GUEST_GICC, frame.base, size)]
        }
        _ => Vec::new(),
    }
}

/// The distributor of VM `vm` (also among its devices), once its devices were built.
pub fn distributor(vm: usize) -> Option<&'static Distributor<Hardware>> {
    DISTRIBUTORS
        .get(vm)?
        .get()
        .map(|distributor| &**distributor)
}

/// The virtual GIC of VM `vm`, once its devices were built.
pub fn of(vm: usize) -> Option<&'static Arc<Vgic>> {
    VGICS.get(vm)?.get()
}

/// Makes an emulated device's SPI `intid` of VM `vm` pending (after `Vgic::claim_virtual_spi`).
pub fn raise_spi(vm: usize, intid: u32) {
    if let Some(vgic) = of(vm) {
        delivery::raise(vgic, &Hardware, intid, 0, 0);
    }
}

/// The virtual GIC and vCPU this core runs, if any.
fn local() -> Option<(&'static Vgic, usize)> {
    let here = percpu::current();
    let vgic = of(here.vm.load(Relaxed))?;
    Some((vgic, here.vcpu.load(Relaxed)))
}

/// What `handle_irq` did.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Nothing was pending.
    Nothing,
    /// Something reached (or may have reached) this core's vCPU: it should run now.
    ForGuest,
    /// The hypervisor's own interrupt, or one masked because it is not wanted now.
    Other,
}

/// Takes the most urgent interrupt pending at this core: forwards it to the guest (physical
/// interrupts of its vCPU), refills the list registers (kick, maintenance), runs the
/// hypervisor timer, or masks it. Called from the IRQ vectors (one interrupt per exception;
/// another pending one traps again at once) and from waits.
#[inline(always)]
pub fn handle_irq() -> Handled {
    let Some(gic) = gic::get() else {
        return Handled::Nothing;
    };
    let Some(interrupt) = gic.acknowledge() else {
        return Handled::Nothing;
    };
    let here = local();
    if let Some((vgic, vcpu)) = here {
        let value = delivery::forward(vgic, vcpu, interrupt.intid);
        if value != 0 {
            gic.priority_drop(interrupt); // stays active until the guest deactivates it (HW bit)
            list(vgic, vcpu, value);
            return Handled::ForGuest;
        }
    }
    handle_own(gic, interrupt, here)
}

/// An interrupt that is not a guest's: a kick or maintenance (refill the list registers), the
/// hypervisor's timer, or one masked because it is not wanted now.
#[inline(never)]
fn handle_own(
    gic: &'static gic::Gic,
    interrupt: gic::Acknowledged,
    here: Option<(&'static Vgic, usize)>,
) -> Handled {
    let intid = interrupt.intid;
    let handled = if intid == KICK_SGI || intid == gic::maintenance_intid() {
        if let Some((vgic, vcpu)) = here {
            if PPI_RESYNC[percpu::current_id()].swap(false, Relaxed) {
                let _config = vgic.config_lock.lock();
                (16..32).for_each(|ppi| delivery::sync(vgic, &Hardware, ppi, vcpu));
            }
            injection::refill(
                &mut Hardware.list_registers(),
                &mut vgic.vcpu(vcpu).queue.lock(),
            );
        }
        Handled::ForGuest
    } else if intid == timer::intid() {
        timer::handle_interrupt();
        Handled::Other
    } else {
        if intid >= 16 {
            gic.disable(intid, percpu::current_id()); // not deliverable now: keep it quiet
        }
        Handled::Other
    };
    gic.end_of_interrupt(interrupt);
    handled
}

/// Puts list-register `value` (a physical interrupt, HW bit set) into a free list register
/// of this core, or through the queue when none is free.
#[inline(always)]
fn list(vgic: &Vgic, vcpu: usize, value: u64) {
    let interface = gic::virtual_interface().expect("checked when the VM's vGIC was built");
    let free = interface.empty();
    if free != 0 {
        interface.write_lr(free.trailing_zeros() as usize, value);
    } else {
        queue(vgic, vcpu, value);
    }
}

/// No list register is free: `value` waits in the vCPU's queue.
#[inline(never)]
fn queue(vgic: &Vgic, vcpu: usize, value: u64) {
    delivery::deliver(vgic, &Hardware, vcpu, vgic.format().decode(value).irq);
}

/// A trapped WFI (`frame`: the vCPU's registers, PC past the WFI): returns once this vCPU has
/// a virtual interrupt to take (or, for a guest that arms its virtual timer masked and relies
/// on the trap, once that timer's condition is met), waiting in WFI at EL2 meanwhile. True
/// when it returns because the run loop has something to look at instead.
pub fn wait_for_interrupt(_frame: &TrapFrame) -> bool {
    let here = local();
    let vtimer = crate::machine::guest_timer_ppis()[0];
    let attention = || {
        percpu::current()
            .attention
            .load(core::sync::atomic::Ordering::Acquire)
    };
    loop {
        if let Some((vgic, vcpu)) = here {
            let listed = injection::any_pending(&Hardware.list_registers());
            if listed || !vgic.vcpu(vcpu).queue.lock().is_empty() {
                return false;
            }
        }
        let control = regs::cntv_ctl();
        let (enabled, masked, met) = (control & 1 != 0, control & 2 != 0, control & 4 != 0);
        let forwarded = !masked && here.is_some_and(|(vgic, vcpu)| vgic.deliverable(vtimer, vcpu));
        if enabled && met && !forwarded {
            return false;
        }
        if attention() {
            return true;
        }
        let wake = (enabled && !forwarded).then(|| regs::cntv_cval().saturating_add(cntvoff()));
        timer::wait_for_interrupt(wake);
        let handled = handle_irq();
        // A slot may end, a migrant arrive or a fault come due while the vCPU waits here.
        if attention() {
            return true;
        }
        if handled == Handled::ForGuest || (here.is_none() && !enabled) {
            return false;
        }
    }
}

fn cntvoff() -> u64 {
    let value: u64;
    // SAFETY: reading CNTVOFF_EL2 has no side effects.
    unsafe { core::arch::asm!("mrs {}, cntvoff_el2", out(reg) value, options(nomem, nostack)) };
    value
}

/// A trapped MSR/MRS: handles the guest's SGI register writes (GICv3); false, having done
/// nothing, for any other. The caller moves the guest past the instruction.
pub fn system_register(frame: &mut TrapFrame, iss: u32) -> bool {
    let Some((vgic, vcpu)) = local().filter(|_| sgi::is_sgi_write(iss)) else {
        return false;
    };
    let request = sgi::decode_sgi1r(
        frame.reg(sgi::transfer_register(iss)),
        vcpu,
        vgic.vcpu_count(),
    );
    raise_sgi(vgic, &Hardware, request, vcpu);
    true
}

/// Moves what waits in this core's vCPU's pending queue into its list registers (after its
/// virtual interface was loaded by a time-partition switch).
pub fn refill_here() {
    if let Some((vgic, vcpu)) = local() {
        injection::refill(
            &mut Hardware.list_registers(),
            &mut vgic.vcpu(vcpu).queue.lock(),
        );
    }
}

/// Leaves this core's interrupt state clean after its vCPU stopped (CPU_OFF, VM stop, before a
/// restart): its forwarded PPIs off, its list registers and queue empty.
pub fn release_this_core() {
    let Some((vgic, vcpu)) = local() else { return };
    let core = percpu::current_id();
    for intid in (16..32).filter(|&intid| vgic.is_forwarded_ppi(intid)) {
        machine().disable(intid, core);
    }
    vgic.vcpu(vcpu).queue.lock().clear();
    if let Some(interface) = gic::virtual_interface() {
        interface.reset();
    }
}

/// VM `vm` restarts from its image: its virtual GIC returns to its reset configuration and
/// every physical interrupt it owns is disabled (call before its vCPU 0 runs again, beside
/// `release_this_core` on each of its cores).
pub fn reset(vm: usize) {
    let Some(vgic) = of(vm) else { return };
    let _config = vgic.config_lock.lock();
    vgic.reset();
    delivery::sync_all(vgic, &Hardware);
}

/// Interrupts the other cores running VM `vm`'s vCPUs (a trapped WFI at EL2 included), so that
/// they return to their run loop and see a state change such as the VM stopping.
pub fn kick_vcpus(vm: usize) {
    let Some(vgic) = of(vm) else { return };
    let me = percpu::current_id();
    for core in (0..vgic.vcpu_count())
        .map(|vcpu| vgic.core_of(vcpu))
        .filter(|&core| core != me)
    {
        machine().send_sgi(KICK_SGI, core);
    }
}
