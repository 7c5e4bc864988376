//! Delivering virtual interrupts and keeping the physical GIC in step with the virtual one.
//!
//! What the hardware must do is asked of a `Backend` (the real GIC on the target, a recording
//! fake in tests), so the rules are host-tested: a physical SPI or forwarded PPI is enabled
//! exactly while its virtual twin is deliverable, routed to the core of its target vCPU; a
//! software interrupt that is not deliverable is latched until it is.

use super::injection::{self, ListRegisters, Outcome};
use super::list_register::{Entry, State, VirtualIrq};
use super::state::Vgic;
use core::sync::atomic::Ordering::Relaxed;

/// What the virtual GIC needs from the machine.
pub trait Backend: Send + Sync {
    /// The list registers of the calling core.
    type Lrs: ListRegisters;
    /// The calling core.
    fn current_core(&self) -> usize;
    /// The calling core's list registers.
    fn list_registers(&self) -> Self::Lrs;
    /// Makes `core` look at its vCPU's pending queue.
    fn kick(&self, core: usize);
    /// Physical SPI `intid`: enabled and routed to `core`, or disabled.
    fn sync_spi(&self, intid: u32, enabled: bool, core: usize);
    /// Physical PPI `intid` of `core`: enabled or disabled.
    fn sync_ppi(&self, intid: u32, enabled: bool, core: usize);
    /// Physical SPI `intid`'s trigger mode.
    fn set_spi_edge(&self, intid: u32, edge: bool);
    /// Sets or clears physical SPI `intid`'s pending state.
    fn set_spi_pending(&self, intid: u32, pending: bool);
    /// `(pending, active)` of physical SPI `intid`.
    fn spi_state(&self, intid: u32) -> (bool, bool);
    /// Reports a refused access: vCPU `vcpu` of VM `vm` tried to set `register` bits of `intid`.
    fn denied(&self, vm: usize, vcpu: usize, register: &str, intid: u32);
}

/// Puts `irq` into vCPU `vcpu`'s list registers if it runs here, else queues it and kicks its
/// core.
#[inline]
pub fn deliver<B: Backend>(vgic: &Vgic, backend: &B, vcpu: usize, irq: VirtualIrq) -> Outcome {
    let core = vgic.core_of(vcpu);
    let mut queue = vgic.vcpu(vcpu).queue.lock();
    if core == backend.current_core() {
        return injection::inject(&mut backend.list_registers(), &mut queue, irq);
    }
    let queued = queue.push(irq);
    drop(queue);
    backend.kick(core);
    if queued {
        Outcome::Queued
    } else {
        Outcome::Dropped
    }
}

/// The vCPU an interrupt goes to: its SPI target, else (SGI/PPI) `vcpu` itself.
fn owner(vgic: &Vgic, intid: u32, vcpu: usize) -> Option<usize> {
    if intid < 32 {
        Some(vcpu)
    } else {
        vgic.target(intid)
    }
}

/// Makes a software interrupt pending (an SGI from `source`, a written ISPENDR bit, an
/// emulated device's SPI): delivered now if deliverable, else latched.
#[inline]
pub fn raise<B: Backend>(vgic: &Vgic, backend: &B, intid: u32, vcpu: usize, source: u8) {
    let Some(target) = owner(vgic, intid, vcpu) else {
        return latch(vgic, intid, vcpu);
    };
    if vgic.deliverable(intid, target) {
        deliver(
            vgic,
            backend,
            target,
            vgic.virtual_irq(intid, target, source, None),
        );
    } else {
        latch(vgic, intid, target);
    }
}

fn latch(vgic: &Vgic, intid: u32, vcpu: usize) {
    if let Some(bank) = vgic.bank(intid, vcpu) {
        bank.latched.fetch_or(1 << (intid % 32), Relaxed);
    }
}

/// Brings the physical side of `intid` (an SPI, or an SGI/PPI of `vcpu`) in line with its
/// virtual configuration, and delivers it if it was latched and is now deliverable.
pub fn sync<B: Backend>(vgic: &Vgic, backend: &B, intid: u32, vcpu: usize) {
    let target = owner(vgic, intid, vcpu);
    let deliverable = target.is_some_and(|t| vgic.deliverable(intid, t));
    refresh_list_register(vgic, intid, vcpu);
    if vgic.is_hardware(intid) {
        let core = target.map_or(0, |t| vgic.core_of(t));
        backend.sync_spi(intid, deliverable, core);
    } else if vgic.is_forwarded_ppi(intid) {
        backend.sync_ppi(intid, deliverable, vgic.core_of(vcpu));
    }
    let (Some(target), true) = (target, deliverable) else {
        return;
    };
    let Some(bank) = vgic.bank(intid, target) else {
        return;
    };
    let bit = 1 << (intid % 32);
    if bank.latched.fetch_and(!bit, Relaxed) & bit != 0 {
        deliver(
            vgic,
            backend,
            target,
            vgic.virtual_irq(intid, target, 0, None),
        );
    }
}

/// `sync` for every interrupt of the VM (after GICD_CTLR changed).
pub fn sync_all<B: Backend>(vgic: &Vgic, backend: &B) {
    for vcpu in 0..vgic.vcpu_count() {
        (0..32).for_each(|intid| sync(vgic, backend, intid, vcpu));
    }
    for intid in (32..vgic.lines()).filter(|&intid| vgic.owns(intid)) {
        sync(vgic, backend, intid, 0);
    }
}

/// Withdraws a pending software interrupt (ICPENDR) from wherever it waits.
pub fn withdraw<B: Backend>(vgic: &Vgic, backend: &B, intid: u32, vcpu: usize) {
    let Some(target) = owner(vgic, intid, vcpu) else {
        return;
    };
    if let Some(bank) = vgic.bank(intid, target) {
        bank.latched.fetch_and(!(1 << (intid % 32)), Relaxed);
    }
    vgic.vcpu(target).queue.lock().remove(intid);
    if vgic.core_of(target) == backend.current_core() {
        injection::withdraw(&mut backend.list_registers(), intid);
    }
}

/// `(pending, active)` of a software interrupt: latched, queued or listed (listed state is only
/// visible on the core running its vCPU).
pub fn software_state<B: Backend>(
    vgic: &Vgic,
    backend: &B,
    intid: u32,
    vcpu: usize,
) -> (bool, bool) {
    let Some(target) = owner(vgic, intid, vcpu) else {
        return (false, false);
    };
    let latched = vgic
        .bank(intid, target)
        .is_some_and(|bank| bank.latched.load(Relaxed) & (1 << (intid % 32)) != 0);
    let queued = vgic.vcpu(target).queue.lock().contains(intid);
    let (listed_pending, active) = if vgic.core_of(target) == backend.current_core() {
        injection::listed_state(&backend.list_registers(), intid)
    } else {
        (false, false)
    };
    (latched || queued || listed_pending, active)
}

/// Recomputes the list-register value of a physically backed `intid` (an SPI, or a forwarded
/// PPI of `vcpu`) after its configuration changed.
pub fn refresh_list_register(vgic: &Vgic, intid: u32, vcpu: usize) {
    if !vgic.is_hardware(intid) && !vgic.is_forwarded_ppi(intid) {
        return;
    }
    let Some(target) = owner(vgic, intid, vcpu) else {
        return;
    };
    let value = if vgic.deliverable(intid, target) {
        let irq = vgic.virtual_irq(intid, target, 0, Some(intid));
        vgic.format().encode(&Entry {
            irq,
            state: State::Pending,
        })
    } else {
        0
    };
    if let Some(bank) = vgic.bank(intid, vcpu) {
        bank.list_register[(intid % 32) as usize].store(value, Relaxed);
    }
}

/// A physical interrupt taken on the core of vCPU `here`: the list-register value that
/// delivers it there (HW bit set), or 0 when it must not reach the guest now. A physical SPI
/// is routed to the core of its virtual target, so it is delivered where it is taken.
pub fn forward(vgic: &Vgic, here: usize, intid: u32) -> u64 {
    vgic.bank(intid, here).map_or(0, |bank| {
        bank.list_register[(intid % 32) as usize].load(Relaxed)
    })
}
